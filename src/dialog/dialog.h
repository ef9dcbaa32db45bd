/* sipua — the dialog layer (internal): RFC 3261 section 12, with what
 * sections 13 to 15 say about dialogs.
 *
 * A dialog is the peer-to-peer relationship an INVITE (or a SUBSCRIBE or
 * REFER) creates: identified by Call-ID, local tag and remote tag, it keeps
 * the local and remote URIs, the CSeq numbers of both directions, the
 * remote target and the route set, and builds every request sent within it.
 *
 * Sans-IO and passive: nothing here sends, reads a clock or draws random
 * numbers. The caller gives the branch (sipua__txn_make_branch()), its
 * own Contact and Via, and whether a message travelled over TLS; it gets
 * bytes and the next hop to resolve.
 *
 * Memory. A dialog copies what it keeps out of the messages it was made
 * from, once, into blocks it owns: the identity (Call-ID, tags, URIs) in
 * the same block as the dialog, the route set and the remote target in a
 * block each, replaced whole when a 2xx recomputes the route set or a
 * target refresh changes the target. Messages are only borrowed for the
 * duration of a call. A failed call (SIPUA_ENOMEM included) leaves the
 * dialog as it was.
 *
 * Tables. A sipua__dialog_table finds the dialog of a message. Dialogs
 * are keyed by (Call-ID, local tag) so that the forks of one INVITE (its
 * dialog set, RFC 3261 12.1.2 and 13.2.2.4) share a chain and are walked
 * together; the remote tag tells them apart. A dialog added to a table is
 * owned by it: sipua__dialog_free() takes it out, and
 * sipua__dialog_table_free() frees the dialogs still in it.
 *
 * Comparison: the Call-ID byte for byte (RFC 3261 20.8), tags ignoring
 * ASCII case (tokens, 7.3.1).
 */
#ifndef SIPUA_SRC_DIALOG_DIALOG_H
#define SIPUA_SRC_DIALOG_DIALOG_H

#include "sipua/base.h"
#include "sipua/msg.h"

#include <stddef.h>
#include <stdint.h>

typedef struct sipua__dialog sipua__dialog;
typedef struct sipua__dialog_table sipua__dialog_table;

typedef enum sipua__dialog_state {
    SIPUA__DIALOG_EARLY = 0, /* created by a 101-199 response */
    SIPUA__DIALOG_CONFIRMED, /* created or confirmed by a 2xx */
    SIPUA__DIALOG_TERMINATED /* BYE, 481/408, or an early dialog ended by a final response */
} sipua__dialog_state;

typedef enum sipua__dialog_role {
    SIPUA__DIALOG_UAC = 0, /* we sent the request that created it */
    SIPUA__DIALOG_UAS      /* we received it */
} sipua__dialog_role;

/* ------------------------------------------------------------------ */
/* Creation (RFC 3261 12.1)                                            */

/* UAC side, 12.1.2: the dialog that response `resp` (101-299, with a To
 * tag) creates for request `req`, which we sent. `over_tls`: the request
 * went over TLS; with a sips Request-URI the dialog is secure.
 *
 * Call-ID, local tag and local URI come from the request's From, the
 * remote URI from its To, the remote tag from the response's To; the
 * remote target is the response's Contact URI (the Request-URI when the
 * response has none); the route set is the response's Record-Route values
 * in reverse order; the local CSeq is the request's, the remote one empty.
 * 1xx: early; 2xx: confirmed.
 *
 * Returns 0 with *out set, SIPUA_EINVAL (NULL, a status outside 101..299,
 * Call-ID or From tag of the response not those of the request, no From
 * tag in the request), SIPUA_EPARSE (no To tag in the response, a
 * malformed From, To, Contact or Record-Route), SIPUA_ENOMEM. */
int sipua__dialog_new_uac(const sipua_msg *req, const sipua_msg *resp, int over_tls,
                          const sipua_allocator *alloc, sipua__dialog **out);

/* UAS side, 12.1.1: the dialog that our response with status `status`
 * (101-299) and To tag `local_tag` creates for the received request
 * `req`. `over_tls`: the request came over TLS.
 *
 * The local URI comes from the request's To, the remote URI and remote tag
 * from its From (a From without a tag, RFC 2543, gives an empty remote
 * tag), the remote target from its Contact, the route set from its
 * Record-Route values in order, the remote CSeq from its CSeq; the local
 * CSeq is empty (the first request we send uses 1, RFC 3261 8.1.1.5).
 *
 * Returns 0 with *out set, SIPUA_EINVAL (NULL, empty tag, bad status, not
 * a request), SIPUA_EPARSE (no Contact, a malformed From, To, Contact or
 * Record-Route: answer 400), SIPUA_ENOMEM. */
int sipua__dialog_new_uas(const sipua_msg *req, sipua_str local_tag, int status, int over_tls,
                          const sipua_allocator *alloc, sipua__dialog **out);

/* Frees a dialog, taking it out of its table first. NULL is a no-op. */
void sipua__dialog_free(sipua__dialog *d);

/* ------------------------------------------------------------------ */
/* State                                                               */

sipua__dialog_state sipua__dialog_get_state(const sipua__dialog *d);
sipua__dialog_role sipua__dialog_get_role(const sipua__dialog *d);
/* The state's name ("Early", "Confirmed", "Terminated"). */
const char *sipua__dialog_state_name(sipua__dialog_state s);

/* Spans into the dialog's memory, valid until it is freed (the remote
 * target and the routes until the next call that changes them). */
sipua_str sipua__dialog_call_id(const sipua__dialog *d);
sipua_str sipua__dialog_local_tag(const sipua__dialog *d);
sipua_str sipua__dialog_remote_tag(const sipua__dialog *d); /* empty for an RFC 2543 peer */
/* The local and remote URIs as name-addrs without tag: `"Alice" <sip:a@x>`. */
sipua_str sipua__dialog_local_uri(const sipua__dialog *d);
sipua_str sipua__dialog_remote_uri(const sipua__dialog *d);
/* The remote target, a URI (the peer's Contact). */
sipua_str sipua__dialog_remote_target(const sipua__dialog *d);
/* The route set: `count` entries, each a whole Route value with its
 * parameters as received (`<sip:p1.example.com;lr>`). */
size_t sipua__dialog_route_count(const sipua__dialog *d);
sipua_str sipua__dialog_route(const sipua__dialog *d, size_t index);
/* 1 when the dialog is secure (a sips Request-URI over TLS, 12.1): every
 * request in it must go over TLS. */
int sipua__dialog_is_secure(const sipua__dialog *d);
/* CSeq numbers; *has is 0 while the number is empty. */
uint32_t sipua__dialog_local_cseq(const sipua__dialog *d, int *has);
uint32_t sipua__dialog_remote_cseq(const sipua__dialog *d, int *has);

/* UAS: our 2xx to the creating request has gone: early becomes
 * confirmed. Returns 0, or SIPUA_ESTATE when the dialog is terminated. */
int sipua__dialog_confirm(sipua__dialog *d);

/* Ends the dialog (the caller's decision: BYE answered or timed out, an
 * early dialog given up). Idempotent. */
void sipua__dialog_terminate(sipua__dialog *d);

/* The owner's pointer (the session the dialog belongs to); NULL at first. */
void sipua__dialog_set_user(sipua__dialog *d, void *user);
void *sipua__dialog_get_user(const sipua__dialog *d);

/* ------------------------------------------------------------------ */
/* Requests within the dialog (RFC 3261 12.2.1.1)                      */

/* What the caller adds to a request built by the dialog. Everything not
 * here comes from the dialog state. */
typedef struct sipua__dialog_request {
    sipua_method method;   /* any but CANCEL and REGISTER; OTHER with method_name */
    sipua_str method_name; /* an extension method token, when method is OTHER */
    /* The top Via without its branch, "SIP/2.0/UDP 192.0.2.1:5060;rport"
     * (the transport is the caller's: it resolves the next hop). */
    sipua_str via;
    sipua_str branch; /* from sipua__txn_make_branch() */
    /* Our Contact, a name-addr ("<sip:alice@192.0.2.1:5060>"); required
     * for target refresh requests (INVITE, UPDATE, SUBSCRIBE, NOTIFY),
     * written whenever given. */
    sipua_str contact;
    int max_forwards; /* default 70 */
    /* "Name: value" lines without CRLF. A malformed one, or one for a header
     * the dialog writes (Via, Max-Forwards, Route, To, From, Call-ID, CSeq,
     * Contact, Content-Length), is SIPUA_EINVAL. */
    const sipua_str *extra_headers;
    size_t extra_count;
    sipua_str body; /* needs a Content-Type among the extra headers */
} sipua__dialog_request;

/* Fills *r with the defaults: no method, Max-Forwards 70, nothing else. */
void sipua__dialog_request_init(sipua__dialog_request *r);

/* Builds a request within the dialog into out[0..cap).
 *
 * Request-URI and Route (12.2.1.1): with an empty route set, the remote
 * target and no Route; when the first route has ;lr (loose routing), the
 * remote target and the whole route set as Route values; otherwise (a
 * strict router) the first route's URI without the parameters a
 * Request-URI may not carry (method, and the URI headers, 19.1.1), and the
 * rest of the route set then the remote target as Route values. To carries
 * the remote URI and tag, From the local URI and tag.
 *
 * CSeq: the local CSeq plus one (the first request of a UAS dialog: 1),
 * which becomes the local CSeq once the request is built; an ACK reuses the
 * number of the last INVITE sent in the dialog (13.2.2.4) and changes
 * nothing. *next_hop (may be NULL) is the URI to resolve (RFC 3263):
 * the first route's, or the remote target; a span into the dialog, valid
 * until the dialog changes. *cseq (may be NULL) is the CSeq number written.
 *
 * Returns the length, or SIPUA_ENOSPC (nothing changes), SIPUA_EINVAL (bad
 * method, missing via or branch or required contact, bad extra header,
 * body without Content-Type), SIPUA_ESTATE (terminated; an ACK without a
 * previous INVITE; INVITE in an early dialog, 14.1; BYE from the UAS of
 * an early dialog, 15), SIPUA_ELIMIT (the local CSeq is at 2^32 - 1). */
int sipua__dialog_build_request(sipua__dialog *d, const sipua__dialog_request *r, char *out,
                                size_t cap, sipua_str *next_hop, uint32_t *cseq);

/* A response to a request we sent within the dialog (12.2.1.2): a 2xx to a
 * target refresh request (INVITE, UPDATE, SUBSCRIBE, NOTIFY) with a Contact
 * replaces the remote target; a 481 or 408 terminates the dialog (a
 * transaction timeout counts as 408: the caller calls
 * sipua__dialog_terminate()). Responses to the request that created the
 * dialog go to sipua__dialog_table_uac_response() instead.
 * Returns 0, SIPUA_EINVAL, SIPUA_EPARSE (malformed Contact in a 2xx to
 * a target refresh), SIPUA_ENOMEM. */
int sipua__dialog_recv_response(sipua__dialog *d, const sipua_msg *resp);

/* ------------------------------------------------------------------ */
/* Requests received within the dialog (RFC 3261 12.2.2)               */

/* Checks and applies a request that matched the dialog
 * (sipua__dialog_table_match()). Returns:
 *   0      go on: the remote CSeq is updated, the remote target replaced
 *          for a target refresh request with a Contact, and a BYE has
 *          terminated the dialog (answer it 200);
 *   500    out of order (a CSeq not above the remote CSeq): answer 500
 *          Server Internal Error; nothing changed. A CANCEL is not
 *          checked and changes nothing (it carries the CSeq of the request
 *          it cancels);
 *   SIPUA_ENOTFOUND  an ACK whose CSeq is not that of the last INVITE
 *          received: drop it;
 *   SIPUA_ESTATE     the dialog is terminated: answer 481;
 *   SIPUA_EPARSE     a target refresh with a malformed Contact: answer 400;
 *   SIPUA_ENOMEM, SIPUA_EINVAL (NULL or not a request). */
int sipua__dialog_recv_request(sipua__dialog *d, const sipua_msg *req);

/* 1 for the methods that refresh the remote target (RFC 3261 12.2: INVITE;
 * RFC 3311: UPDATE; RFC 6665: SUBSCRIBE and NOTIFY). */
int sipua__dialog_is_target_refresh(sipua_method m);

/* ------------------------------------------------------------------ */
/* Tables and dialog sets (RFC 3261 12.1.2, 13.2.2.4)                  */

/* A table; `seed` (random from the caller) keys the hash against crafted
 * collisions. alloc NULL: the default allocator. NULL when out of memory. */
sipua__dialog_table *sipua__dialog_table_new(const sipua_allocator *alloc, uint64_t seed);
/* Frees the table and the dialogs still in it. NULL is a no-op. */
void sipua__dialog_table_free(sipua__dialog_table *t);

/* Adds a dialog; the table owns it from now on. Returns 0, SIPUA_EINVAL
 * (NULL, already in a table, or a dialog with the same id is there). The
 * table grows by doubling; when that fails it keeps working with longer
 * chains, so adding never fails on memory. */
int sipua__dialog_table_add(sipua__dialog_table *t, sipua__dialog *d);
size_t sipua__dialog_table_count(const sipua__dialog_table *t);

/* The dialog with this id, or NULL. */
sipua__dialog *sipua__dialog_table_find(const sipua__dialog_table *t, sipua_str call_id,
                                        sipua_str local_tag, sipua_str remote_tag);
/* The dialog a message belongs to, or NULL (a request then gets 481,
 * 12.2.2): for a request, local tag = To tag and remote tag = From tag;
 * for a response, local tag = From tag and remote tag = To tag. A message
 * without the local tag matches nothing. */
sipua__dialog *sipua__dialog_table_match(const sipua__dialog_table *t, const sipua_msg *msg);

/* The dialogs of one dialog set (Call-ID and local tag): the first, then
 * the next after d; NULL at the end. */
sipua__dialog *sipua__dialog_table_first_in_set(const sipua__dialog_table *t, sipua_str call_id,
                                                sipua_str local_tag);
sipua__dialog *sipua__dialog_table_next_in_set(const sipua__dialog *d);

/* What a response to our dialog-creating INVITE did. */
typedef enum sipua__dialog_outcome {
    SIPUA__DIALOG_SET_NO_DIALOG = 0,    /* 100, a 1xx without To tag, a non-2xx final response
                                       (which terminated the early dialogs of the set) */
    SIPUA__DIALOG_SET_CREATED_EARLY,    /* a new early dialog (a new fork) */
    SIPUA__DIALOG_SET_EARLY_UPDATED,    /* another 1xx on an early dialog (target refreshed) */
    SIPUA__DIALOG_SET_LATE_PROVISIONAL, /* a 1xx for a dialog already confirmed or ended: ignore */
    SIPUA__DIALOG_SET_CONFIRMED,        /* the first 2xx of the set: the dialog is confirmed */
    SIPUA__DIALOG_SET_2XX_AGAIN,        /* a 2xx on a dialog already confirmed: a retransmission,
                                       ACK it again */
    SIPUA__DIALOG_SET_EXTRA_CONFIRMED   /* a 2xx from another fork after the set's first: the
                                       dialog is confirmed; the caller ACKs it, then sends
                                       BYE (13.2.2.4) */
} sipua__dialog_outcome;

/* The dialog set's side of RFC 3261 12.1.2 and 13.2.2.4 for the responses
 * to our INVITE `invite` (sent over TLS when `over_tls`): creates a dialog
 * per To tag (early for 101-199, confirmed for 2xx) and adds it to the
 * table; a 2xx on an early dialog confirms it, its route set recomputed
 * from the 2xx and its remote target taken from its Contact; a 300-699
 * terminates the early dialogs of the set. *d (may be NULL) is the dialog
 * concerned, NULL for NO_DIALOG. *outcome says which case it was.
 *
 * Returns 0, SIPUA_EINVAL (NULL, not a response, Call-ID or From tag not
 * the INVITE's), SIPUA_EPARSE (2xx without To tag, malformed header),
 * SIPUA_ENOMEM (nothing changed). */
int sipua__dialog_table_uac_response(sipua__dialog_table *t, const sipua_msg *invite,
                                     const sipua_msg *resp, int over_tls, sipua__dialog **d,
                                     sipua__dialog_outcome *outcome);

/* Terminates the early dialogs of a set (a non-2xx final response, or the
 * INVITE transaction ended, 13.2.2.4). Returns how many. */
size_t sipua__dialog_table_end_early(sipua__dialog_table *t, sipua_str call_id,
                                     sipua_str local_tag);

/* The outcome's name ("Confirmed"). */
const char *sipua__dialog_outcome_name(sipua__dialog_outcome o);

#endif
