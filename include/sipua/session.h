/* sipua — the InviteContext: one INVITE session.
 *
 * A sipua_session is SIP.js's InviteContext in C (../shared/API.md maps
 * each of its attributes, methods, options, events and causes): one INVITE
 * session from the first INVITE to the final BYE, started by us (an
 * outgoing, client context: sipua_invite()) or by the peer (an incoming,
 * server context, handed to the application by the UA's
 * SIPUA_UA_EV_INVITE event).
 *
 * Events reach the session's callback in protocol order, each once:
 * progress (a 1xx above 100), accepted (a 2xx), then exactly one of
 * terminated (an established session ended), failed (it could not be
 * established) or canceled (the caller gave up); dtmf for each tone sent
 * or received (received ones: an INFO with an application/dtmf-relay body;
 * INFO with other bodies is answered 415, with an Info-Package 469). The
 * final event carries a cause (sipua_cause). renegotiated follows each
 * later offer/answer exchange (hold, unhold, renegotiate, and the peer's
 * re-INVITEs and UPDATEs).
 *
 * Lifetimes: the application owns a session (the one sipua_invite() gives,
 * or the one the UA's invite event hands it) and releases it with
 * sipua_session_unref(); it stays valid, its attributes readable, after it
 * has ended, until released. The UA keeps its own reference while the
 * session has protocol work left. Messages handed to a callback are
 * borrowed for the callback's duration.
 *
 * Time: every call that can start, stop or fire a timer takes `now`, as
 * the rest of the core does. Calls from inside a callback are allowed;
 * what they send goes out when the callback returns.
 */
#ifndef SIPUA_SESSION_H
#define SIPUA_SESSION_H

#include "ua.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Causes (SIP.js's SIP.C.causes)                                      */

#define SIPUA_CAUSE_MAP(X)                                                                         \
    X(NONE, "")                                                                                    \
    X(CONNECTION_ERROR, "Connection Error")                                                        \
    X(REQUEST_TIMEOUT, "Request Timeout")                                                          \
    X(SIP_FAILURE_CODE, "SIP Failure Code")                                                        \
    X(INTERNAL_ERROR, "Internal Error")                                                            \
    X(REDIRECTED, "Redirected")                                                                    \
    X(BUSY, "Busy")                                                                                \
    X(REJECTED, "Rejected")                                                                        \
    X(NOT_FOUND, "Not Found")                                                                      \
    X(UNAVAILABLE, "Unavailable")                                                                  \
    X(ADDRESS_INCOMPLETE, "Address Incomplete")                                                    \
    X(INCOMPATIBLE_SDP, "Incompatible SDP")                                                        \
    X(AUTHENTICATION_ERROR, "Authentication Error")                                                \
    X(DIALOG_ERROR, "Dialog Error")                                                                \
    X(CANCELED, "Canceled")                                                                        \
    X(NO_ANSWER, "No Answer")                                                                      \
    X(EXPIRES, "Expires")                                                                          \
    X(NO_ACK, "No ACK")                                                                            \
    X(NO_PRACK, "No PRACK")                                                                        \
    X(BAD_MEDIA_DESCRIPTION, "Bad Media Description")                                              \
    X(RTP_TIMEOUT, "RTP Timeout")                                                                  \
    X(USER_DENIED_MEDIA_ACCESS, "User Denied Media Access")                                        \
    X(WEBRTC_ERROR, "WebRTC Error")                                                                \
    X(WEBRTC_NOT_SUPPORTED, "WebRTC Not Supported")                                                \
    X(BYE, "Terminated")

typedef enum sipua_cause {
#define SIPUA_CAUSE_ENUM_(name, text) SIPUA_CAUSE_##name,
    SIPUA_CAUSE_MAP(SIPUA_CAUSE_ENUM_)
#undef SIPUA_CAUSE_ENUM_
        SIPUA_CAUSE_COUNT_
} sipua_cause;

/* SIP.js's text for a cause ("Busy", "No PRACK"); "" for NONE and for
 * values outside the list. */
SIPUA_EXTERN const char *sipua_cause_str(sipua_cause cause);
/* The cause SIP.js gives a final failure response code (486 -> BUSY,
 * 488 -> INCOMPATIBLE_SDP, ...; SIP_FAILURE_CODE for the others). */
SIPUA_EXTERN sipua_cause sipua_cause_from_status(int status);

/* ------------------------------------------------------------------ */
/* Events                                                              */

typedef enum sipua_session_event_kind {
    SIPUA_SESSION_EV_PROGRESS = 1, /* a 1xx above 100: received (client) or sent (server) */
    SIPUA_SESSION_EV_ACCEPTED,     /* a 2xx: received (client) or sent (server) */
    SIPUA_SESSION_EV_TERMINATED,   /* an established session ended (final) */
    SIPUA_SESSION_EV_FAILED,       /* the session could not be established (final) */
    SIPUA_SESSION_EV_CANCELED,     /* the caller canceled (final) */
    SIPUA_SESSION_EV_DTMF,         /* a tone sent or received */
    /* An offer/answer exchange after the first one completed: a re-INVITE
     * or UPDATE of ours answered 2xx, or the peer's answered by us (when
     * our 2xx goes; after a re-INVITE without SDP, when the ACK brings the
     * answer). held_local and held_remote say whether the call is now on
     * hold. code is 200; or, when a re-INVITE or UPDATE of ours was
     * refused (300-699 but 491, 408 and 481), its status: nothing changed
     * and the hold state is the old one. sipua's addition: API.md lists
     * no such event (SIP.js reports it through its session description
     * handler). A session refresh (RFC 4028) by UPDATE without SDP fires
     * none; one by re-INVITE does, with the same hold state. */
    SIPUA_SESSION_EV_RENEGOTIATED,
    /* The peer asks us to call someone (REFER, RFC 3515): refer_to is the
     * target. Decide in the callback with sipua_session_refer_accept() or
     * sipua_session_refer_reject(); deciding nothing accepts. */
    SIPUA_SESSION_EV_REFERRED,
    /* How a REFER of ours goes: first the REFER's own final response
     * (code 202, or the failure, or 408 when none came), then one per
     * NOTIFY the peer sends (code: the status line of its message/sipfrag
     * body, the transfer call's progress). refer_final marks the last:
     * the transfer's outcome, a success when its code is 2xx. sipua's
     * name for SIP.js's referral progress; API.md's refer_progress. */
    SIPUA_SESSION_EV_REFER_PROGRESS
} sipua_session_event_kind;

typedef struct sipua_session_event {
    sipua_session_event_kind kind;
    /* the message concerned: the response (progress, accepted on the client,
     * failed with a response), the request (canceled on the server: the
     * CANCEL; terminated by the peer: the BYE; dtmf received: the INFO), or
     * NULL (a timeout, an event caused by our own call) */
    const sipua_msg *msg;
    int code;           /* the status code sent or received, 0 when none */
    sipua_cause cause;  /* final events */
    int by_peer;        /* terminated: 1 when the peer sent the BYE */
    char tone;          /* dtmf: '0'-'9', 'A'-'D', '#', '*' */
    int duration_ms;    /* dtmf: the tone's duration (received: 0 when the INFO gives none) */
    int received;       /* dtmf: 1 received, 0 sent */
    int held_local;     /* renegotiated: we hold the peer (our streams sendonly or inactive) */
    int held_remote;    /* renegotiated: the peer holds us (its streams sendonly or inactive) */
    sipua_str refer_to; /* referred: the Refer-To URI as written (URI headers such as Replaces
                           included, escaped) */
    int refer_final;    /* refer_progress: 1 for the last one */
} sipua_session_event;

typedef void (*sipua_session_cb)(sipua_session *s, const sipua_session_event *ev, void *user);

/* ------------------------------------------------------------------ */
/* Client context                                                      */

typedef struct sipua_invite_opts {
    uint32_t version; /* set by _init */
    /* "Name: value" header lines added to the INVITE; a malformed one, or a
     * header the stack owns (Via, CSeq, Call-ID, From, To, Max-Forwards,
     * Contact, Content-Length), is SIPUA_EINVAL */
    const char *const *extra_headers;
    size_t n_extra_headers;
    /* offer audio (default 1); 0 with nothing else to offer (no body, no
     * video) is SIPUA_EINVAL: use invite_without_sdp for an INVITE without
     * an offer */
    int audio;
    int video;              /* offer video when a video source exists (default 1; none exists
                               yet: the media layer brings them) */
    int invite_without_sdp; /* delayed offer: the offer comes in the 2xx */
    int anonymous;          /* RFC 3323: From "Anonymous", Privacy: id */
    sipua_str body;         /* replaces the generated SDP; needs a Content-Type extra header */
    sipua_str from;         /* our identity (name-addr or URI); default sip:sipua@<our host> */
    sipua_time no_answer_timeout; /* unused on the client; see sipua_ua_config */
} sipua_invite_opts;

#define SIPUA_INVITE_OPTS_VERSION 1u

SIPUA_EXTERN void sipua_invite_opts_init(sipua_invite_opts *opts);

/* Creates and starts an outgoing session: INVITE to `target` (a SIP or SIPS
 * URI: the Request-URI and To) through `next_hop` (a literal address: the
 * program resolves names). opts NULL means defaults. cb receives the
 * session's events with `user`. Returns 0 with *out set (the caller owns a
 * reference), SIPUA_EINVAL (bad target, endpoint or option), SIPUA_ENOMEM,
 * or the transport's error for the first send. */
SIPUA_EXTERN int sipua_invite(sipua_ua *ua, sipua_str target, const sipua_endpoint *next_hop,
                              const sipua_invite_opts *opts, sipua_session_cb cb, void *user,
                              sipua_time now, sipua_session **out);

typedef struct sipua_cancel_opts {
    uint32_t version;
    int status_code; /* Reason: SIP;cause=... (RFC 3326), 200..699; 0: none */
    const char *reason_phrase;
} sipua_cancel_opts;

SIPUA_EXTERN void sipua_cancel_opts_init(sipua_cancel_opts *opts);

/* CANCEL (RFC 3261 9.1) before a final response; sent as soon as a
 * provisional response has arrived. SIPUA_EINVAL (status_code outside
 * 200..699), SIPUA_ESTATE (not an outgoing session waiting for its final
 * response). */
SIPUA_EXTERN int sipua_session_cancel(sipua_session *s, const sipua_cancel_opts *opts,
                                      sipua_time now);

/* ------------------------------------------------------------------ */
/* Server context                                                      */

typedef struct sipua_answer_opts {
    uint32_t version;
    const char *const *extra_headers;
    size_t n_extra_headers;
    int status_code;           /* reject: 300..699, default 480 */
    const char *reason_phrase; /* reject: default from the code */
    sipua_str body;            /* reject: a body (needs a Content-Type extra header) */
} sipua_answer_opts;

SIPUA_EXTERN void sipua_answer_opts_init(sipua_answer_opts *opts);

/* 200 OK with the SDP answer (or our offer, when the INVITE had none),
 * retransmitted until the ACK (RFC 3261 13.3.1.4; NO_ACK after 64*T1).
 * SIPUA_ESTATE after a final response. */
SIPUA_EXTERN int sipua_session_accept(sipua_session *s, const sipua_answer_opts *opts,
                                      sipua_time now);
/* 183 Session Progress with the SDP answer to the INVITE's offer (RFC
 * 3262 preaccept): the offer/answer exchange is then done, and the 200 of
 * a later sipua_session_accept() repeats the same SDP. After a delayed
 * offer (an INVITE without SDP) the 183 carries no SDP and the offer goes
 * in the 200 as usual.
 *
 * When the INVITE offered 100rel (Supported or Require) and the UA's
 * rel100 policy is not SIPUA_100REL_DISABLED (sipua/ua.h), the 183 is sent
 * reliably (RFC 3262 3): Require: 100rel, an RSeq, retransmitted from T1
 * doubling up to T2 until the matching PRACK arrives (answered 200; a
 * PRACK that matches nothing gets 481). No PRACK within 64*T1: the INVITE
 * is rejected 504 and the session fails with cause SIPUA_CAUSE_NO_PRACK,
 * code 504. Otherwise the 183 is sent unreliably, once.
 *
 * A sipua_session_accept() made while the reliable 183 awaits its PRACK
 * returns 0 and its 200 goes when the PRACK arrives (RFC 3262 3: no 2xx
 * before the PRACK of a reliable provisional that carried SDP); the
 * accepted event fires then, and another accept meanwhile is
 * SIPUA_ESTATE. Emits progress (code 183). Options: only
 * extra_headers. SIPUA_EINVAL (a bad extra header), SIPUA_ESTATE (not an
 * incoming session waiting for its answer, or preaccepted already). When
 * nothing in the offer is acceptable the INVITE is answered 488 and the
 * session fails (INCOMPATIBLE_SDP), as with accept. */
SIPUA_EXTERN int sipua_session_preaccept(sipua_session *s, const sipua_answer_opts *opts,
                                         sipua_time now);
/* 180 Ringing (unreliable). SIPUA_ESTATE after a final response. */
SIPUA_EXTERN int sipua_session_progress(sipua_session *s, const sipua_answer_opts *opts,
                                        sipua_time now);
/* A final non-2xx response, default 480 Temporarily Unavailable.
 * SIPUA_EINVAL for a status_code outside 300..699, SIPUA_ESTATE after a
 * final response. */
SIPUA_EXTERN int sipua_session_reject(sipua_session *s, const sipua_answer_opts *opts,
                                      sipua_time now);

/* ------------------------------------------------------------------ */
/* Both sides                                                          */

typedef struct sipua_bye_opts {
    uint32_t version;
    const char *const *extra_headers;
    size_t n_extra_headers;
    int status_code; /* a Reason header (RFC 3326); 0: none */
    const char *reason_phrase;
} sipua_bye_opts;

SIPUA_EXTERN void sipua_bye_opts_init(sipua_bye_opts *opts);

/* BYE on a confirmed session, else SIPUA_ESTATE. */
SIPUA_EXTERN int sipua_session_bye(sipua_session *s, const sipua_bye_opts *opts, sipua_time now);

/* Whatever ends the session from its state: CANCEL (outgoing, no final
 * response), 480 (incoming, not answered), BYE (established; incoming and
 * answered but not yet ACKed: once the ACK arrives or its timer fires).
 * SIPUA_ESTATE when it has already ended. */
SIPUA_EXTERN int sipua_session_terminate(sipua_session *s, sipua_time now);

typedef enum sipua_dtmf_transport {
    SIPUA_DTMF_INFO = 1, /* one INFO per tone, application/dtmf-relay */
    SIPUA_DTMF_RTP       /* RFC 4733 telephone-event: not available yet (SIPUA_EINVAL) */
} sipua_dtmf_transport;

typedef struct sipua_dtmf_opts {
    uint32_t version;               /* set by _init */
    sipua_dtmf_transport transport; /* default SIPUA_DTMF_INFO */
    int duration_ms;                /* default 100, clamped to 70..6000 */
    int inter_tone_gap_ms;          /* default 500, at least 50 (at most 60000) */
} sipua_dtmf_opts;

#define SIPUA_DTMF_OPTS_VERSION 1u

SIPUA_EXTERN void sipua_dtmf_opts_init(sipua_dtmf_opts *opts);

/* Sends DTMF tones, one INFO request each (RFC 6086 usage, Content-Type
 * application/dtmf-relay, body "Signal=5\r\nDuration=160\r\n").
 * `tones`: '0'-'9', 'A'-'D' (either case), '#', '*', and ',' for a pause of
 * 2 s. The tones are queued: the first goes at once; each next one goes
 * once the previous INFO has its final response, plus that tone's
 * duration, plus the gap. A call made while tones are queued appends to
 * them. Each tone fires a dtmf event (received 0) when its INFO is sent.
 *
 * A final response other than 2xx to an INFO (the peer does not take
 * dtmf-relay, or the dialog is gone), or no response at all, drops the
 * tones still queued. The queued tones are dropped when the session ends.
 *
 * Returns 0, SIPUA_EINVAL (NULL or empty tones, a character outside the
 * set, opts->transport SIPUA_DTMF_RTP, a bad opts version), SIPUA_ESTATE
 * (the session is not established), SIPUA_ELIMIT (more than 256 tones
 * would be waiting), or the error of the first INFO's send. */
SIPUA_EXTERN int sipua_session_send_dtmf(sipua_session *s, const char *tones,
                                         const sipua_dtmf_opts *opts, sipua_time now);

/* ------------------------------------------------------------------ */
/* re-INVITE, UPDATE, session timers                                   */

/* Puts the peer on hold: a re-INVITE (RFC 3261 14) with a new offer whose
 * sendrecv streams are sendonly and recvonly ones inactive (RFC 3264 8.4).
 * sipua_session_unhold() offers them sendrecv again;
 * sipua_session_renegotiate() sends a fresh offer with the hold state as
 * it is. The re-INVITE is a new INVITE client transaction in the dialog
 * (same Call-ID and tags, CSeq + 1, our Contact); its 2xx is ACKed (the
 * ACK reuses its CSeq), the answer taken, and renegotiated fires. A
 * non-2xx final response leaves the session as it was (the offer is
 * rolled back; renegotiated fires with that status), except: 491
 * (glare, RFC 3261 14.1), after which the re-INVITE goes again, with a
 * fresh offer, after a random wait of 2.1..4 s when we sent the initial
 * INVITE (we own the Call-ID), else 0..2 s, in steps of 10 ms; 481 and
 * 408 (the dialog is gone, RFC 5057), which end the session: terminated,
 * cause DIALOG_ERROR; no response at all: BYE, terminated with cause
 * REQUEST_TIMEOUT (CONNECTION_ERROR for a transport error). Returns 0,
 * SIPUA_EINVAL (NULL), SIPUA_ESTATE (not established and ACKed, ended,
 * or an offer/answer exchange or its 491 wait in progress), or the
 * send's error.
 *
 * The peer's re-INVITEs are answered 200 with our answer (or our offer
 * when it carried none: the answer then comes in the ACK), 2xx
 * retransmitted until the ACK (NO_ACK after 64*T1 ends the session by
 * BYE), 488 when nothing in the offer is acceptable (the session stays as
 * it was), 491 while a re-INVITE or UPDATE of ours is pending, 500 with
 * Retry-After while another of the peer's is. */
SIPUA_EXTERN int sipua_session_hold(sipua_session *s, sipua_time now);
SIPUA_EXTERN int sipua_session_unhold(sipua_session *s, sipua_time now);
SIPUA_EXTERN int sipua_session_renegotiate(sipua_session *s, sipua_time now);
/* As sipua_session_renegotiate() with an UPDATE (RFC 3311) in place of
 * the re-INVITE, on an established session only. Received UPDATEs are
 * answered 200, with our answer when they carry an offer (488, 491 and
 * 500 as for re-INVITEs). */
SIPUA_EXTERN int sipua_session_update(sipua_session *s, sipua_time now);

/* The hold state of the last completed offer/answer: 1 when we hold the
 * peer, resp. when the peer holds us (its streams sendonly or inactive,
 * or a 0.0.0.0 connection address). */
SIPUA_EXTERN int sipua_session_is_held_local(const sipua_session *s);
SIPUA_EXTERN int sipua_session_is_held_remote(const sipua_session *s);

/* Session timers (RFC 4028). Our INVITEs say Supported: timer and
 * Session-Expires: 1800 (a constant for now); a 422 is answered by
 * sending the INVITE again (CSeq + 1) with the Min-SE it asks for, once.
 * Incoming INVITEs, re-INVITEs and UPDATEs with a Session-Expires below
 * 90 s are answered 422 with Min-SE: 90; otherwise our 2xx repeats their
 * interval with a refresher (theirs; else uac when the peer supports
 * timer, else uas) and Require: timer when the peer supports it. No
 * Session-Expires in the 2xx (client) or in the request (server): no
 * session timer. The refresher sends an UPDATE without SDP (a re-INVITE
 * when the peer does not allow UPDATE) at half the interval; the other
 * side, when no refresh arrives, sends BYE at the interval minus
 * min(32 s, interval / 3) (RFC 4028 10) with Reason: SIP;cause=408, and
 * the session ends with terminated, cause REQUEST_TIMEOUT. Every
 * re-INVITE or UPDATE answered 2xx restarts the timer. The interval in
 * force (seconds), 0 when none: */
SIPUA_EXTERN uint32_t sipua_session_expires(const sipua_session *s);

/* ------------------------------------------------------------------ */
/* Transfer (REFER, RFC 3515; Replaces, RFC 3891)                      */

typedef struct sipua_refer_opts {
    uint32_t version; /* set by _init */
    /* "Name: value" lines for the REFER, at most 4 */
    const char *const *extra_headers;
    size_t n_extra_headers;
    /* Attended transfer (RFC 5589 7): another established session of ours,
     * with the transfer target, that the new call is to replace. Refer-To
     * then carries Replaces (RFC 3891) naming that session's dialog, and,
     * when `target` is empty, that session's remote target (the URI that
     * reaches the very UA holding the dialog). NULL: a blind transfer. */
    sipua_session *replaces;
} sipua_refer_opts;

#define SIPUA_REFER_OPTS_VERSION 1u

SIPUA_EXTERN void sipua_refer_opts_init(sipua_refer_opts *opts);

/* Asks the peer to call `target` (a SIP or SIPS URI): REFER with Refer-To
 * and Referred-By (RFC 3892, our identity) on an established session. The
 * session itself goes on: the application usually ends it (bye) once a
 * refer_progress event with refer_final and a 2xx code reports the
 * transfer done. A final NOTIFY that does not come within 180 s after the
 * REFER was accepted ends the wait with refer_progress code 408. On an
 * incoming session whose 2xx has not been ACKed yet, the REFER goes when
 * the ACK comes (a peer may not know the dialog before), and is dropped
 * if the session ends first.
 * Returns 0, SIPUA_EINVAL (NULL, a target that is not a SIP or SIPS URI,
 * a bad extra header or opts version, opts->replaces that is this session
 * or not established), SIPUA_ESTATE (not established, or a REFER of ours
 * is still in progress), or the send's error. */
SIPUA_EXTERN int sipua_session_refer(sipua_session *s, sipua_str target,
                                     const sipua_refer_opts *opts, sipua_time now);

/* Only from the callback of a referred event, for its REFER:
 *
 * accept answers 202, calls the target with a new outgoing session (its
 * events go to cb with user; *out is the caller's reference, may be NULL
 * to leave the session to sipua) and reports its progress to the peer by
 * NOTIFY (message/sipfrag: 100 Trying at once, 180/183 as they come, then
 * the final status, Subscription-State terminated). The new INVITE goes
 * to the Refer-To URI without its headers, carries the Replaces and
 * Referred-By the REFER asks for, and our identity in this session as
 * From; it goes to the URI's host when that is a literal address, else
 * through this session's next hop (the proxy, or the peer). A session we
 * started with a Route among its extra headers (an outbound proxy)
 * sends it through that next hop with the same Route, whatever the
 * address.
 *
 * reject answers the REFER with status_code (400..699; 0 means 603
 * Decline).
 *
 * Deciding nothing in the callback accepts, as accept(s, the session's
 * own cb and user, ..., NULL) would. Both return 0, SIPUA_EINVAL (bad
 * status code), SIPUA_ESTATE (no referred event in progress, or already
 * decided), or the new INVITE's error (then the REFER is answered 503). */
SIPUA_EXTERN int sipua_session_refer_accept(sipua_session *s, sipua_session_cb cb, void *user,
                                            sipua_time now, sipua_session **out);
SIPUA_EXTERN int sipua_session_refer_reject(sipua_session *s, int status_code, sipua_time now);

/* An incoming session whose INVITE carried Replaces (RFC 3891): the
 * session it replaces, else NULL. The INVITE is answered 481 when the
 * dialog it names is not one of ours (or an early one we answer), 486
 * when it is confirmed and early-only was asked, 603 when it has ended.
 * Once the new session is accepted, the replaced one ends: BYE when it was
 * established, CANCEL when it was an outgoing call still ringing. Borrowed:
 * valid while the new session is. */
SIPUA_EXTERN sipua_session *sipua_session_replaces(const sipua_session *s);

/* ------------------------------------------------------------------ */
/* Other requests within the session                                   */

/* The final response to a request of sipua_session_send_request(): code
 * and message, or code 408 and msg NULL when none came in time, 503 and
 * NULL for a transport error (RFC 3261 8.1.3.1). */
typedef void (*sipua_request_cb)(sipua_session *s, int code, const sipua_msg *resp, void *user);

typedef struct sipua_request_opts {
    uint32_t version;                 /* set by _init */
    const char *const *extra_headers; /* "Name: value" lines, at most 6 */
    size_t n_extra_headers;
    sipua_str body;      /* needs a Content-Type extra header */
    sipua_request_cb cb; /* may be NULL */
    void *user;
} sipua_request_opts;

#define SIPUA_REQUEST_OPTS_VERSION 1u

SIPUA_EXTERN void sipua_request_opts_init(sipua_request_opts *opts);

/* Any other request within the session's dialog (MESSAGE, INFO, OPTIONS,
 * NOTIFY, an extension method), in its own client transaction, on a
 * confirmed dialog. Returns 0, SIPUA_EINVAL (NULL, a method that is not
 * a token, INVITE, ACK, CANCEL, PRACK, BYE, UPDATE, REFER or REGISTER:
 * they have their own calls; a bad extra header, a body without
 * Content-Type), SIPUA_ESTATE (no confirmed dialog), or the send's
 * error. */
SIPUA_EXTERN int sipua_session_send_request(sipua_session *s, sipua_str method,
                                            const sipua_request_opts *opts, sipua_time now);

/* Attributes. */
SIPUA_EXTERN sipua_time sipua_session_start_time(const sipua_session *s);
SIPUA_EXTERN sipua_time sipua_session_end_time(const sipua_session *s);
/* From of the INVITE when outgoing, To when incoming; valid while s is.
 * Parsed when first asked for: NULL when out of memory. */
SIPUA_EXTERN const sipua_nameaddr *sipua_session_local_identity(const sipua_session *s);
/* To when outgoing, From when incoming. */
SIPUA_EXTERN const sipua_nameaddr *sipua_session_remote_identity(const sipua_session *s);

typedef enum sipua_direction {
    SIPUA_DIRECTION_OUTGOING = 1,
    SIPUA_DIRECTION_INCOMING
} sipua_direction;

SIPUA_EXTERN sipua_direction sipua_session_direction(const sipua_session *s);

/* A number for logs, unique in the UA. */
SIPUA_EXTERN uint64_t sipua_session_id(const sipua_session *s);
/* The Call-ID. */
SIPUA_EXTERN sipua_str sipua_session_call_id(const sipua_session *s);

/* 1 while established (a 2xx sent or received and not ended). */
SIPUA_EXTERN int sipua_session_is_established(const sipua_session *s);
/* 1 once a final event was given. */
SIPUA_EXTERN int sipua_session_is_ended(const sipua_session *s);

/* For an incoming session: sets the callback that hears its events (the
 * UA's invite event hands the session over before any of them). */
SIPUA_EXTERN void sipua_session_set_callback(sipua_session *s, sipua_session_cb cb, void *user);

SIPUA_EXTERN sipua_session *sipua_session_ref(sipua_session *s);
/* Releases the application's reference. */
SIPUA_EXTERN void sipua_session_unref(sipua_session *s);

#ifdef __cplusplus
}
#endif

#endif
