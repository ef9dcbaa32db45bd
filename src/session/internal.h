/* sipua — what the files of the session layer share (internal to
 * src/session): the session object itself and the helpers that more than
 * one protocol element uses. session.c holds the INVITE state machines,
 * prack.c reliable provisional responses (RFC 3262), dtmf.c tones over
 * INFO (RFC 6086 usage). */
#ifndef SIPUA_SRC_SESSION_INTERNAL_H
#define SIPUA_SRC_SESSION_INTERNAL_H

#include <string.h>

#include "session/session.h"
#include "sipua/sdp.h"

/* room for our Contact header value: a registration's (a GRUU of up to
 * 255 octets, or its Contact with ;ob) or ours */
#define SIPUA__CONTACT_MAX 384

typedef enum sipua__session_state {
    ST_CALLING = 1, /* client: INVITE sent, no provisional yet */
    ST_PROCEEDING,  /* client: a provisional received; server: INVITE received */
    ST_ANSWERED,    /* server: 2xx sent, no ACK yet */
    ST_ESTABLISHED, /* a 2xx received and ACKed (client), or ACKed (server) */
    ST_ENDED
} sipua__session_state;

/* A client transaction of a session: the owner its user pointer names. */
typedef struct sipua__sreq {
    sipua__owner owner;
    sipua_session *s;
    sipua_method method;
    /* sipua_session_send_request(): the application's callback */
    int generic;
    sipua_request_cb cb;
    void *cb_user;
} sipua__sreq;

typedef struct sipua__referral sipua__referral;

/* One entry of the DTMF queue: a tone, or ',' for a pause. */
typedef struct sipua__dtmf_item {
    char tone;
    uint16_t duration_ms;
    uint16_t gap_ms;
} sipua__dtmf_item;

#define SIPUA__DTMF_QUEUE 256     /* tones waiting at most, per session */
#define SIPUA__DTMF_PAUSE 2000000 /* ',' : 2 s */

/* The peer's reliable provisional responses, per early dialog (each fork
 * numbers its own, RFC 3262 4). */
#define SIPUA__REL_FORKS 4
typedef struct sipua__rel_seen {
    sipua__dialog *d;
    uint32_t rseq; /* the last one acknowledged */
} sipua__rel_seen;

struct sipua_session {
    sipua__owner owner; /* SESSION_SERVER: the INVITE server transaction's user */
    int refs;
    uint64_t id;
    /* the UA's (its address is stable); not used once detached, when the
     * UA may be gone: what outlives it is copied (alloc) */
    const sipua__session_host *host;
    sipua_allocator alloc; /* a copy: the application may release the session after the UA */
    sipua_direction dir;
    sipua__session_state st;
    sipua_session_cb cb;
    void *user;
    int final_given; /* terminated, failed or canceled was emitted */
    int detached;    /* the UA is gone */
    int finished;    /* host->finished called */
    sipua_time start, end;

    /* the INVITE: ours (client) or the peer's (server), a private copy;
     * NULL once nothing needs it (server: from the ACK of our 2xx; both:
     * when the session's work is over) */
    char *invite_buf;
    size_t invite_len;
    sipua_msg *invite;
    sipua_endpoint peer; /* client: next hop; server: where the INVITE came from */
    /* client: the INVITE's preloaded Route header line (an outbound proxy,
     * which peer is), NULL: none. The calls made for a REFER take it. */
    char *proxy_route;
    /* our Contact from a registration of our AOR (host->reg_contact), as
     * "<uri>"; NULL: ours, built per message */
    char *reg_contact;
    sipua__txn *invite_txn;
    sipua__sreq *invite_req;
    sipua__dialog *dialog;
    char local_tag[20];

    /* identities, parsed from private copies of From and To, and the
     * Call-ID, copied after them; ours parsed again when first asked for
     * (few applications do: it saves 200 octets a call) */
    char *ids_buf;
    sipua_nameaddr remote_id;
    sipua_str local_text;     /* in ids_buf */
    sipua_nameaddr *local_id; /* sipua_session_local_identity() */
    sipua_str call_id;

    /* SDP */
    sipua_sdp_oa oa;
    sipua__shared_caps *caps; /* oa's */
    sipua_sdp *sdp;
    int offer_in_invite; /* the INVITE carried an offer (ours or the peer's) */

    /* client */
    int provisional_seen;
    int cancel_wanted, cancel_sent;
    sipua_cancel_opts cancel;
    sipua__rel_seen rel_seen[SIPUA__REL_FORKS];
    char *early_sdp; /* the answer taken from a reliable provisional: its o= line */

    /* server: the 2xx, retransmitted until the ACK (RFC 3261 13.3.1.4) */
    char *ok_buf;
    size_t ok_len;
    sipua__timer t_2xx;
    sipua_time ok_interval, ok_give_up;
    sipua__timer t_noanswer;
    int bye_after_ack;  /* terminate() between our 2xx and its ACK */
    int invite_expires; /* t_noanswer is the INVITE's Expires (487, EXPIRES), not ours */

    /* server: preaccept (RFC 3262) */
    int peer_100rel;  /* the INVITE had 100rel in Supported or Require */
    int preaccepted;  /* the 183 went */
    char *answer_buf; /* the SDP answer the 183 carried, for the 200 */
    size_t answer_len;
    char *rel_buf; /* the reliable 183, retransmitted until its PRACK */
    size_t rel_len;
    uint32_t rseq;   /* its RSeq */
    int rel_pending; /* sent, not PRACKed yet */
    sipua__timer t_rel;
    sipua_time rel_interval, rel_give_up;
    int accept_wanted;  /* accept() called while the 183 awaits its PRACK */
    char *accept_extra; /* its extra headers, whole lines with CRLFs */

    /* DTMF over INFO */
    sipua__dtmf_item *dtmf; /* SIPUA__DTMF_QUEUE entries, from the first tone queued */
    size_t dtmf_head, dtmf_len;
    sipua__sreq *info_req;      /* the INFO of the tone in flight */
    sipua__dtmf_item dtmf_last; /* the tone in flight, for the wait after it */
    sipua__timer t_dtmf;

    sipua__sreq *bye_req; /* our BYE, while in progress */

    /* re-INVITE and UPDATE (reinvite.c) */
    sipua__sreq *reinv_req;     /* our re-INVITE or UPDATE, until its final response */
    int reinv_kind;             /* what it is for (SIPUA__REINV_*) */
    int reinv_hold;             /* the hold state it asks for */
    sipua__timer t_glare;       /* 491: the RFC 3261 14.1 back-off before trying again */
    int glare_kind, glare_hold; /* what to try again */
    int glare_update;           /* as an UPDATE */
    sipua__txn *reinv_st;       /* the peer's re-INVITE, its server transaction */
    char *re_ok_buf;            /* our 2xx to it, retransmitted until the ACK */
    size_t re_ok_len;
    int re_ok_pending;  /* that 2xx awaits its ACK */
    int re_offer_in_ok; /* the re-INVITE had no SDP: our offer went in the 2xx */
    uint32_t re_cseq;   /* the CSeq of that re-INVITE: its ACK's */
    sipua__timer t_re2xx;
    sipua_time re_interval, re_give_up;
    int held_local, held_remote; /* as of the last completed offer/answer */
    int peer_update;             /* the peer allows UPDATE */
    char *ack_buf;               /* the last ACK we sent, for the 2xx sent again */
    size_t ack_len, ack_cap;
    sipua_endpoint ack_to;
    uint32_t ack_cseq; /* the re-INVITE it acknowledges; 0: the initial INVITE */

    /* session timers (RFC 4028) */
    uint32_t se_interval; /* seconds; 0: none in force */
    int se_we_refresh;    /* we send the refreshes; else we watch for them */
    uint32_t se_asked;    /* the Session-Expires our INVITE asks for */
    int se_retried;       /* our INVITE was retried after a 422 */
    sipua__timer t_se;

    /* transfer (refer.c) */
    sipua__sreq *refer_req; /* our REFER, until its final response */
    int refer_sub;          /* our REFER was accepted: its final NOTIFY is awaited */
    sipua__timer t_refer;   /* how long we wait for it */
    char *refer_pending;    /* a REFER asked for before our 2xx was ACKed: its header
                               lines, NUL-separated, sent with the ACK */
    size_t refer_pending_n;
    sipua__referral *referral; /* the peer's REFER we act on, until its last NOTIFY */
    sipua__referral *deciding; /* the one whose referred event is in progress */
    sipua_session *replaces;   /* incoming with Replaces: the session it replaces */

    /* Digest authentication (auth.c) */
    char *auth_chal;     /* the challenge our INVITE last answered, for later requests */
    int auth_proxy;      /* it was a Proxy-Authenticate */
    uint32_t auth_nc;    /* its nonce count so far */
    int auth_rounds;     /* INVITEs sent again for challenges */
    char *auth_realm[2]; /* the realms answered: WWW [0], proxy [1]; allocated, as few
                            sessions are challenged */
    int generic_reqs;    /* requests of sipua_session_send_request() in progress */
    /* the session layer watching a session's events: a referral, the call
     * it started */
    void (*observer)(sipua_session *s, const sipua_session_event *ev, void *user);
    void *observer_user;
};

/* What a re-INVITE or UPDATE of ours is for. */
enum { SIPUA__REINV_HOLD = 1, SIPUA__REINV_RENEGOTIATE, SIPUA__REINV_REFRESH };

static inline sipua_time sipua__session_now(const sipua_session *s)
{
    return *s->host->now;
}

/* A call from the application brings the time it was given: the UA's
 * clock moves on to it (never back), so that what the call arms counts
 * from then. */
static inline void sipua__session_touch(sipua_session *s, sipua_time now)
{
    if (!s->detached && now > *s->host->now)
        *s->host->now = now;
}

static inline void *sipua__session_alloc(const sipua_session *s, size_t n)
{
    return s->alloc.alloc(n, s->alloc.user);
}

static inline void sipua__session_free(const sipua_session *s, void *p)
{
    if (p)
        s->alloc.free(p, s->alloc.user);
}

static inline sipua_str sipua__cstr(const char *c)
{
    sipua_str r = {c, c ? strlen(c) : 0};
    return r;
}

/* Methods we take within a session: Allow in our INVITEs, 1xx/2xx and
 * 405s. */
#define SIPUA__SESSION_ALLOW "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, PRACK, UPDATE, REFER, NOTIFY"

/* Emits an event (a final one once; the final one stops the timers and
 * drops the tones still queued). */
void sipua__session_emit(sipua_session *s, sipua_session_event_kind kind, const sipua_msg *msg,
                         int code, sipua_cause cause, int by_peer);
/* The UA may drop its reference once nothing is left to do. */
void sipua__session_maybe_finished(sipua_session *s);
/* A request within s->dialog in a new client transaction (an ACK: sent
 * directly); a body is SDP unless a Content-Type is among `extra`.
 * *out (may be NULL) is its sreq. 0 or an error. */
int sipua__session_send_in_dialog(sipua_session *s, sipua_method method, const char *const *extra,
                                  size_t nextra, sipua_str body, sipua__sreq **out);
/* The same for any method: method_name when method is
 * SIPUA_METHOD_OTHER. */
int sipua__session_send_in_dialog_named(sipua_session *s, sipua_method method,
                                        sipua_str method_name, const char *const *extra,
                                        size_t nextra, sipua_str body, sipua__sreq **out);
/* Client: sends our INVITE again (RFC 3261 8.1.3.5, 22.2; RFC 4028
 * 7.4): CSeq + 1, a new branch, the header lines named in drop (lower
 * case) left out and `lines` (whole lines with CRLFs) added; the new
 * transaction becomes the session's. 1 when it went, else 0. */
int sipua__session_invite_again(sipua_session *s, const char *const *drop, size_t ndrop,
                                const char *lines);
/* A response on a non-INVITE server transaction, `extra` whole header
 * lines (CRLFs included) or NULL. */
void sipua__session_respond_simple(sipua_session *s, sipua__txn *st, const sipua_msg *req, int code,
                                   const char *reason, const char *extra);
/* Builds a response to the INVITE into out[0..cap): its length or an
 * error. Arguments as below. */
int sipua__session_build_invite_response(sipua_session *s, int code, const char *reason,
                                         const char *const *extra, size_t nextra,
                                         const char *raw_extra, sipua_str body, char *out,
                                         size_t cap);
/* A response to the INVITE: `extra` header lines as strings, `raw_extra`
 * whole lines (or NULL), an SDP body. */
int sipua__session_send_invite_response(sipua_session *s, int code, const char *reason,
                                        const char *const *extra, size_t nextra,
                                        const char *raw_extra, sipua_str body);
/* Server: the dialog of our 1xx (a reliable one) or 2xx, made once
 * (RFC 3261 12.1.1) and put in the UA's table. 0; SIPUA_EPARSE when the
 * INVITE has no usable Contact (answered 400, the session failed); other
 * errors. */
int sipua__session_uas_dialog(sipua_session *s, int status);
/* Server: the SDP for our 1xx/2xx into body[0..cap) (the answer, or our
 * offer after a delayed offer): its length, or negative when nothing in
 * the offer was acceptable (answered 488, the session failed). */
int sipua__session_answer_sdp(sipua_session *s, char *body, size_t cap);
/* Server: the 200 to the INVITE, retransmitted until its ACK; accepted. */
int sipua__session_send_2xx(sipua_session *s, const char *const *extra, size_t nextra,
                            const char *raw_extra, sipua_str body);
/* 1 when every header line is one the application may add. */
int sipua__session_extra_headers_ok(const char *const *hs, size_t n, int *has_content_type);
/* The SDP of a message into s->sdp; 0, no body (1), or an error. */
int sipua__session_parse_sdp(sipua_session *s, const sipua_msg *m);

/* prack.c */
void sipua__prack_init(sipua_session *s);
/* Server: the 200 may go now (no reliable 183 with SDP awaits its PRACK). */
int sipua__prack_allows_2xx(const sipua_session *s);
/* Server: a PRACK within the early or confirmed dialog. */
void sipua__prack_on_request(sipua_session *s, sipua__txn *st, const sipua_msg *req);
/* Client: a 101-199 response for early dialog d (NULL without a To tag).
 * Returns 1 when it must not be processed further (a reliable one already
 * seen, or out of order: RFC 3262 4), else 0. */
int sipua__prack_client_provisional(sipua_session *s, sipua__dialog *d, const sipua_msg *resp);
/* Client: the 2xx's SDP when a reliable provisional already carried the
 * answer. 0: same session description (or none); 1: a different one. */
int sipua__prack_client_2xx_sdp_differs(const sipua_session *s, const sipua_msg *resp);
/* The session ends: the memory prack.c keeps. */
void sipua__prack_release(sipua_session *s);

/* refer.c */
void sipua__refer_init(sipua_session *s);
/* A REFER, resp. a NOTIFY, within the session's dialog: answered here. */
void sipua__refer_on_request(sipua_session *s, sipua__txn *st, const sipua_msg *req);
void sipua__refer_on_notify(sipua_session *s, sipua__txn *st, const sipua_msg *req);
/* The final response to a REFER or NOTIFY of ours (code; 408 or 503 and
 * resp NULL when none came). */
void sipua__refer_on_done(sipua_session *s, sipua__sreq *q, int code, const sipua_msg *resp);
/* 1 while transfer work keeps the dialog (a REFER or NOTIFY in flight, a
 * final NOTIFY awaited or still to send). */
int sipua__refer_busy(const sipua_session *s);
/* An incoming INVITE: checks its Replaces (RFC 3891 3). 0 (none, or
 * *replaced set to a session of ours, referenced), or the status to answer
 * with (400, 481, 486, 603). */
int sipua__replaces_check(const sipua__session_host *host, const sipua_msg *invite,
                          sipua_session **replaced);
/* The session (incoming, with Replaces) was accepted: the replaced one
 * ends. */
void sipua__replaces_done(sipua_session *s);
/* The final response to a request of sipua_session_send_request() (code;
 * 408 or 503 and resp NULL when none came): 1 when q was one. */
int sipua__refer_generic_done(sipua_session *s, sipua__sreq *q, int code, const sipua_msg *resp);
/* Server: the ACK for our 2xx came: a REFER waiting for it goes. */
void sipua__refer_on_ack(sipua_session *s);
/* The NOTIFY of the session's referral in flight, or NULL. */
sipua__sreq *sipua__refer_notify_of(const sipua_session *s);
/* The UA is going away: a referral in progress is dropped. */
void sipua__refer_detach(sipua_session *s);
/* The last reference goes: what refer.c keeps. */
void sipua__refer_release(sipua_session *s);

/* auth.c */
/* Client: a 401 or 407 to our INVITE. 1 when the INVITE went again with
 * credentials; 0 when it cannot be answered (no credentials for the
 * realm, refused ones, nothing usable): the caller fails the session. */
int sipua__auth_invite_challenged(sipua_session *s, const sipua_msg *resp);
/* A request of the session, built in buf[0..len) (cap bytes): the
 * credentials for the session's challenge added when there is one.
 * Returns the new length. */
int sipua__auth_add(sipua_session *s, char *buf, size_t len, size_t cap);
void sipua__auth_release(sipua_session *s);

/* dtmf.c */
void sipua__dtmf_init(sipua_session *s);
/* A received INFO, already checked against the dialog: answered here. */
void sipua__dtmf_on_info(sipua_session *s, sipua__txn *st, const sipua_msg *req);
/* The final response to our INFO (code), or its failure (code 0). */
void sipua__dtmf_on_info_done(sipua_session *s, int code);
/* The session ends: queued tones are dropped. */
void sipua__dtmf_stop(sipua_session *s);

/* reinvite.c: re-INVITE, UPDATE, 491 glare, session timers */
void sipua__reinvite_init(sipua_session *s);
/* The session ends: its timers stop. */
void sipua__reinvite_stop(sipua_session *s);
/* The last reference goes: the memory reinvite.c keeps. */
void sipua__reinvite_release(sipua_session *s);
/* An ACK we send: kept, so that a 2xx to a re-INVITE that comes again
 * after a later re-INVITE went still gets the same ACK (RFC 3261
 * 13.2.2.4). */
void sipua__reinvite_keep_ack(sipua_session *s, const sipua_endpoint *to, const char *bytes,
                              size_t len);
/* Our Contact for transport t, a name-addr. */
void sipua__session_contact(const sipua_session *s, sipua_transport t, char *out, size_t cap);
/* A re-INVITE or UPDATE within the established session (st its server
 * transaction), already checked against the dialog: answered here. */
void sipua__reinvite_on_request(sipua_session *s, sipua__txn *st, const sipua_msg *req);
/* An ACK within the dialog that is not the initial INVITE's. */
void sipua__reinvite_on_ack(sipua_session *s, const sipua_msg *ack);
/* A response to our re-INVITE or UPDATE q. */
void sipua__reinvite_on_response(sipua_session *s, sipua__sreq *q, const sipua_msg *resp);
/* Our re-INVITE or UPDATE q got no response (cause REQUEST_TIMEOUT or
 * CONNECTION_ERROR). */
void sipua__reinvite_failed(sipua_session *s, sipua__sreq *q, sipua_cause cause);
/* The peer's re-INVITE transaction ended. */
void sipua__reinvite_server_txn_gone(sipua_session *s, sipua__txn *t);
/* Client: a 422 to our INVITE: 1 when it was sent again with the Min-SE
 * asked for, else 0 (the INVITE fails as usual). */
int sipua__timer_client_422(sipua_session *s, const sipua_msg *resp);
/* Client: the 2xx to our INVITE: the session timer it sets, if any. */
void sipua__timer_client_2xx(sipua_session *s, const sipua_msg *resp);
/* Server: the INVITE's Session-Expires checked (4028 9). 0 when it is
 * acceptable, else the 422 went and the INVITE is over. */
int sipua__timer_server_check(sipua_session *s);
/* Server: header lines (CRLFs included) for our 2xx to the INVITE,
 * and the timer set from then. */
void sipua__timer_server_2xx(sipua_session *s, char *out, size_t cap);

#endif
