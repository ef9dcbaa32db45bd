/* sipua — INVITE sessions (internal): the state machines behind
 * include/sipua/session.h.
 *
 * The session layer sits on the transaction and dialog layers and knows
 * nothing of the UA above it: what it needs from the UA (sending bytes
 * outside a transaction, randomness, our identity per transport, the
 * clock) comes through a sipua__session_host, and the UA routes what
 * arrives to the session it belongs to through the sipua__session_on_*
 * functions. Sans-IO like the rest of the core.
 */
#ifndef SIPUA_SRC_SESSION_SESSION_H
#define SIPUA_SRC_SESSION_SESSION_H

#include "base/timer.h"
#include "dialog/dialog.h"
#include "sipua/sdp.h"
#include "sipua/session.h"
#include "txn/txn.h"

/* What a transaction's user pointer points to: every owner of client
 * transactions in the UA begins with one of these, so that responses can
 * be routed by kind. */
typedef enum sipua__owner_kind {
    SIPUA__OWNER_OPTIONS = 1,    /* the UA's OPTIONS requests */
    SIPUA__OWNER_SESSION,        /* a client request of a session */
    SIPUA__OWNER_SESSION_SERVER, /* the INVITE server transaction of a session */
    SIPUA__OWNER_REGISTER        /* a registration's REGISTER (src/ua/register.c) */
} sipua__owner_kind;

typedef struct sipua__owner {
    sipua__owner_kind kind;
} sipua__owner;

/* Our SDP capabilities, shared by the sessions with the same media
 * address (a copy per session would be a good part of a call's memory);
 * counted, for a session may outlive the UA. */
typedef struct sipua__shared_caps sipua__shared_caps;
void sipua__shared_caps_unref(sipua__shared_caps *c);

/* Credentials to answer Digest challenges with, by realm ("" for any
 * realm), as sipua_ua_set_credentials() set them; the UA owns them. */
#define SIPUA__CREDS_MAX 8
typedef struct sipua__cred {
    char *realm, *user, *password;
} sipua__cred;
typedef struct sipua__creds {
    sipua__cred c[SIPUA__CREDS_MAX];
    size_t n;
} sipua__creds;
/* Sets (user and password), replaces or (user and password NULL) removes
 * the credentials of a realm (NULL: any). 0, SIPUA_EINVAL, SIPUA_ELIMIT,
 * SIPUA_ENOMEM. */
int sipua__creds_set(sipua__creds *cs, const sipua_allocator *a, const char *realm,
                     const char *user, const char *password);
/* Forgets them all, the memory wiped. */
void sipua__creds_clear(sipua__creds *cs, const sipua_allocator *a);

typedef struct sipua__session_host {
    void *ctx; /* the UA */
    sipua__txn_layer *txn;
    sipua__dialog_table *dialogs;
    sipua__timer_heap *timers;
    const sipua_allocator *alloc;
    /* one SDP parser for all sessions: an SDP is parsed where it is used
     * (the parser's tables are large: one per session would cost more than
     * the session) */
    sipua_sdp *sdp;
    sipua_time *now; /* the UA's current time; calls from the application move it on */
    const char *user_agent;
    const sipua__creds *creds; /* Digest credentials, or NULL */
    sipua_time t1, t2;
    /* the policies of sipua_ua_config: sipua_100rel_policy and
     * sipua_timer_policy, RFC 4028's intervals in seconds, and our
     * Supported value, as they make it */
    int rel100, session_timer;
    uint32_t session_expires, min_se;
    const char *supported;
    sipua_time no_answer_timeout; /* incoming sessions unanswered: 480, NO_ANSWER */
    uint16_t rtp_port_base;       /* our SDP's audio port: base + 2 * (id % 5000) */
    sipua__shared_caps **caps;    /* the UA's latest, reused while the address is the same */
    /* bytes outside a transaction (ACK to a 2xx, 2xx retransmissions) */
    int (*send)(void *ctx, const sipua_endpoint *to, const char *bytes, size_t len);
    void (*random)(void *ctx, uint8_t *buf, size_t len);
    /* our address for a transport (the Via sent-by and Contact host) */
    const sipua_endpoint *(*identity)(void *ctx, sipua_transport t);
    /* a session the UA tracks ended its protocol work: the UA drops its
     * reference */
    void (*finished)(void *ctx, sipua_session *s);
    /* the Contact a registration gives the sessions of the AOR `local`
     * (a GRUU, or our Contact with ;ob): writes "<uri>" to out and returns
     * 1; 0: ours as usual. NULL: none. */
    int (*reg_contact)(void *ctx, sipua_str local, int anonymous, sipua_transport t, char *out,
                       size_t cap);
} sipua__session_host;

/* sipua_invite() behind the public call. */
int sipua__session_invite(const sipua__session_host *host, uint64_t id, sipua_str target,
                          const sipua_endpoint *next_hop, const sipua_invite_opts *opts,
                          sipua_session_cb cb, void *user, sipua_session **out);

/* A new INVITE outside any dialog, on server transaction st from `from`:
 * the session for it (the UA's reference; the UA hands it to the
 * application with its invite event, then calls sipua__session_started).
 * NULL when out of memory or when the INVITE was answered at once (a bad
 * offer: 488 or 400). */
sipua_session *sipua__session_incoming(const sipua__session_host *host, uint64_t id, sipua__txn *st,
                                       const sipua_msg *invite, const sipua_endpoint *from);
/* After the invite event: arms the no-answer timer unless answered. */
void sipua__session_started(sipua_session *s);

/* A request within the session's dialog (or its INVITE's CANCEL), on
 * server transaction st (NULL for an ACK). The session answers it. */
void sipua__session_on_request(sipua_session *s, sipua__txn *st, const sipua_msg *req,
                               const sipua_endpoint *from);
/* A CANCEL for the session's INVITE, on its own server transaction. */
void sipua__session_on_cancel(sipua_session *s, sipua__txn *st, const sipua_msg *cancel,
                              const sipua_endpoint *from);

/* The transaction callbacks, for transactions whose owner is a session
 * (sipua__owner kinds SESSION and SESSION_SERVER). */
void sipua__session_on_response(sipua__txn *ct, const sipua_msg *resp);
void sipua__session_on_timeout(sipua__txn *ct);
void sipua__session_on_transport_error(sipua__txn *ct, int err);
void sipua__session_on_txn_terminated(sipua__txn *t);

/* The session a server transaction belongs to (the INVITE's), or NULL. */
sipua_session *sipua__session_of_server_txn(sipua__txn *st);

/* The session's work is over (after the host's finished callback, from
 * outside any session code): it gives back what it holds in the UA, its
 * dialogs and timers, and touches nothing of the UA's afterwards, so that
 * the application may release it even after the UA is gone. */
void sipua__session_release(sipua_session *s);

/* The UA is going away: every session stops (no events), its transactions
 * and timers are left to the layers' own teardown. */
void sipua__session_detach(sipua_session *s);

#endif
