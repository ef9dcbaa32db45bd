/* sipua — the user agent core, sans-IO.
 *
 * A sipua_ua is the whole SIP stack of one user agent without a socket, a
 * clock or a thread: the program (src/io for the sipua command, or a test's
 * simulated network) hands it what arrives and the time, and it answers
 * through callbacks:
 *
 *   sipua_ua_recv()          bytes received on a transport, with their
 *                            source and the current time;
 *   sipua_ua_advance()       the current time: due timers fire;
 *   sipua_ua_next_deadline() when to call sipua_ua_advance() next;
 *   send callback            bytes to put on a transport;
 *   random callback          random bytes (branches, tags, Call-IDs);
 *   event callback           what the application hears.
 *
 * Re-entrancy: sipua_ua_recv(), sipua_ua_advance() and sipua_ua_free() called
 * from inside a callback return SIPUA_ESTATE; requests such as
 * sipua_ua_options() may be made there. One UA belongs to one thread.
 *
 * What the core does with requests today (RFC 3261 8.2): OPTIONS is answered
 * 200 with Allow, Accept and Supported; a method it knows but does not serve
 * yet gets 405 with Allow, an unknown method 501 with Allow; a Require it
 * does not support gets 420 with Unsupported; a request that does not parse
 * gets 400 naming the fault when it holds enough to be answered (Via,
 * From, To, Call-ID, CSeq), and is dropped and counted otherwise.
 * Retransmissions are absorbed by the transaction layer (RFC 3261 17).
 */
#ifndef SIPUA_UA_H
#define SIPUA_UA_H

#include "base.h"
#include "msg.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Transports and endpoints                                            */

typedef enum sipua_transport {
    SIPUA_TRANSPORT_UDP = 0,
    SIPUA_TRANSPORT_TCP,
    SIPUA_TRANSPORT_TLS,
    SIPUA_TRANSPORT_WS,
    SIPUA_TRANSPORT_WSS
} sipua_transport;

/* "UDP", "TCP", "TLS", "WS", "WSS" (as in a Via); "?" for other values. */
SIPUA_EXTERN const char *sipua_transport_name(sipua_transport t);
/* Case-insensitive name to value. SIPUA_EINVAL for an unknown name. */
SIPUA_EXTERN int sipua_transport_from_name(sipua_str name, sipua_transport *out);

#define SIPUA_HOST_MAX 48 /* a literal IPv6 address and its NUL fit */

/* Where bytes come from or go: a transport, a literal IP address (no name:
 * resolving is the program's job) and a port, and for stream transports
 * the program's number for the connection (0 for UDP; for a stream
 * transport 0 in a send means "open one"). */
typedef struct sipua_endpoint {
    sipua_transport transport;
    char host[SIPUA_HOST_MAX]; /* NUL-terminated */
    uint16_t port;
    uint64_t conn;
} sipua_endpoint;

/* Fills *ep. SIPUA_EINVAL when host is NULL or longer than the field. */
SIPUA_EXTERN int sipua_endpoint_set(sipua_endpoint *ep, sipua_transport t, const char *host,
                                    uint16_t port, uint64_t conn);

/* ------------------------------------------------------------------ */
/* Configuration                                                       */

#define SIPUA_UA_MAX_LISTEN 8

/* RFC 3262 reliable provisional responses, as the UA's sessions use them. */
typedef enum sipua_100rel_policy {
    /* default: Supported: 100rel in our INVITEs (reliable provisionals
     * are PRACKed); preaccept's 183 is reliable when the peer's INVITE
     * offers 100rel */
    SIPUA_100REL_SUPPORTED = 0,
    /* Require: 100rel in our INVITEs; an INVITE that does not offer it is
     * refused 421 Extension Required (RFC 3262 3) */
    SIPUA_100REL_REQUIRED,
    /* never offered nor used: preaccept's 183 is unreliable, reliable
     * provisionals are not PRACKed, an INVITE that requires it gets 420 */
    SIPUA_100REL_DISABLED
} sipua_100rel_policy;

/* RFC 4028 session timers. */
typedef enum sipua_timer_policy {
    /* default: Supported: timer and Session-Expires in our INVITEs, the
     * peer's Session-Expires granted, refreshes sent and expected */
    SIPUA_TIMER_SUPPORTED = 0,
    /* none: no Supported: timer, no Session-Expires asked or granted, no
     * 422; a request that requires timer gets 420 */
    SIPUA_TIMER_DISABLED
} sipua_timer_policy;

typedef struct sipua_ua_config {
    uint32_t version; /* SIPUA_UA_CONFIG_VERSION, set by _init */
    /* The addresses this UA is reached at, one per transport at most: they
     * give the sent-by of our Vias and the host of our Contact. */
    sipua_endpoint listen[SIPUA_UA_MAX_LISTEN];
    size_t nlisten;
    const char *user_agent; /* User-Agent and Server value; default "sipua/VERSION" */
    const char *ws_path;    /* the path of the WebSocket upgrades we send; default "/" */
    /* incoming INVITEs left unanswered this long are rejected 480, cause
     * NO_ANSWER; default 60 s (SIP.js's no_answer_timeout). An INVITE whose
     * Expires header runs out sooner is answered 487 then, cause EXPIRES
     * (RFC 3261 13.3.1). */
    sipua_time no_answer_timeout;
    uint16_t rtp_port_base; /* the audio port of our SDP: base + 2 * (session % 5000);
                               default 20000 */
    sipua_time t1, t2, t4;  /* RFC 3261 timers; defaults 500 ms, 4 s, 5 s */
    /* RFC 5626 4.4.1: a CRLFCRLF ping on each stream connection we open,
     * every 80 to 100 % of this interval, the connection closed when no
     * pong comes within 10 s; 0 (default): none. Pings received are
     * always answered. */
    sipua_time keepalive;
    sipua_msg_limits limits;
    sipua_100rel_policy rel100;       /* default SIPUA_100REL_SUPPORTED */
    sipua_timer_policy session_timer; /* default SIPUA_TIMER_SUPPORTED */
    /* RFC 4028: the session interval our INVITEs ask for, seconds, and the
     * smallest we accept (below it a request gets 422 with our Min-SE; a
     * Min-SE above 90 also goes in our INVITEs). 0: 1800 and 90. min_se
     * 90 to 86400, session_expires min_se to 86400; else sipua_ua_new()
     * gives SIPUA_EINVAL. */
    uint32_t session_expires, min_se;
} sipua_ua_config;

#define SIPUA_UA_CONFIG_VERSION 1u

SIPUA_EXTERN void sipua_ua_config_init(sipua_ua_config *cfg);
/* Adds a listen endpoint. SIPUA_EINVAL when the list is full or the
 * transport is already listed. */
SIPUA_EXTERN int sipua_ua_config_listen(sipua_ua_config *cfg, const sipua_endpoint *ep);

/* ------------------------------------------------------------------ */
/* Events                                                              */

typedef enum sipua_ua_event_type {
    /* The answer to sipua_ua_options(): a final response (status, reason,
     * allow, supported, rtt_us), or none (status 0, error SIPUA_ETIMEDOUT
     * after timer F, or the transport's error). */
    SIPUA_UA_EV_OPTIONS_RESULT = 1,
    /* A request was received and answered by the core (method, status). */
    SIPUA_UA_EV_REQUEST_ANSWERED,
    /* A message was dropped (error, reason): unparsable and unanswerable,
     * a stray response, or a stream that could not be framed. */
    SIPUA_UA_EV_DROPPED,
    /* The core is done with a stream connection (conn): the program closes
     * it. */
    SIPUA_UA_EV_CLOSE_CONNECTION,
    /* A new INVITE: `session` is its incoming session (sipua/session.h),
     * lent to the callback: take a reference with sipua_session_ref() to
     * keep it, set its callback, and answer it (now or later). Unanswered,
     * it is rejected 480 after the no-answer timeout (cause NO_ANSWER), or
     * 487 when its Expires runs out first (cause EXPIRES). */
    SIPUA_UA_EV_INVITE,
    /* Registrations (sipua/register.h), request_id the registration's id.
     * A 2xx to a REGISTER granted our binding (expires, contacts, msg). */
    SIPUA_UA_EV_REGISTERED,
    /* The registration ended after sipua_unregister() (status, error). */
    SIPUA_UA_EV_UNREGISTERED,
    /* A REGISTER failed (status, error, cause, retry_at). */
    SIPUA_UA_EV_REGISTRATION_FAILED
} sipua_ua_event_type;

typedef struct sipua_session sipua_session;

typedef struct sipua_ua_event {
    sipua_ua_event_type type;
    uint64_t request_id;        /* OPTIONS_RESULT: what sipua_ua_options() gave */
    int status;                 /* a SIP status code, or 0 */
    sipua_str reason;           /* its reason phrase */
    sipua_str allow;            /* OPTIONS_RESULT: the Allow header value(s), or {NULL,0} */
    sipua_str supported;        /* OPTIONS_RESULT: the Supported value(s), or {NULL,0} */
    sipua_time rtt_us;          /* OPTIONS_RESULT: request sent to final response */
    int error;                  /* 0 or a SIPUA_E* code */
    sipua_method method;        /* REQUEST_ANSWERED */
    const sipua_msg *msg;       /* the message concerned, when there is one */
    const sipua_endpoint *peer; /* where it came from or went to */
    uint64_t conn;              /* CLOSE_CONNECTION */
    sipua_session *session;     /* INVITE */
    /* registrations (sipua/register.h) */
    uint32_t expires;          /* REGISTERED: the granted expiry, seconds */
    const sipua_str *contacts; /* REGISTERED: the Contact values of the 2xx */
    size_t ncontacts;
    int cause;           /* REGISTRATION_FAILED, UNREGISTERED: a sipua_cause (sipua/session.h) */
    sipua_time retry_at; /* REGISTRATION_FAILED: when the next attempt goes; 0: none */
    /* REGISTERED (sipua/register.h): RFC 5626 outbound in use (1), the
     * Flow-Timer, seconds (0: none), and RFC 5627's GRUUs ({NULL,0}: none) */
    int outbound;
    uint32_t flow_timer;
    sipua_str pub_gruu, temp_gruu;
} sipua_ua_event;

/* ------------------------------------------------------------------ */
/* Callbacks                                                           */

typedef struct sipua_ua_callbacks {
    uint32_t version; /* SIPUA_UA_CALLBACKS_VERSION */
    /* Puts bytes on the wire toward `to`. Returns 0, or a negative error
     * when they cannot be sent (the transaction then fails with it). */
    int (*send)(void *user, const sipua_endpoint *to, const char *bytes, size_t len);
    /* Fills buf with len random bytes. Required. */
    void (*random)(void *user, uint8_t *buf, size_t len);
    /* Optional. */
    void (*event)(void *user, const sipua_ua_event *ev);
    /* Optional: every whole SIP message sent (outgoing 1) or received (0),
     * as bytes, with the peer; for logs and ladder diagrams. Keep-alives
     * and WebSocket handshakes are not messages and do not come here. */
    void (*trace)(void *user, int outgoing, const sipua_endpoint *peer, const char *msg,
                  size_t len);
} sipua_ua_callbacks;

#define SIPUA_UA_CALLBACKS_VERSION 1u

typedef struct sipua_ua sipua_ua;

/* Creates a UA. cfg NULL means defaults (no listen endpoint: requests
 * cannot then be sent); alloc NULL the default allocator. Returns 0 with
 * *out set, SIPUA_EINVAL (cb, cb->send or cb->random NULL, a version this
 * library does not know, a bad listen endpoint) or SIPUA_ENOMEM. */
SIPUA_EXTERN int sipua_ua_new(const sipua_ua_config *cfg, const sipua_ua_callbacks *cb, void *user,
                              const sipua_allocator *alloc, sipua_ua **out);
/* Frees the UA and everything in it, without callbacks. NULL is a no-op. */
SIPUA_EXTERN void sipua_ua_free(sipua_ua *ua);

/* Stream connections. Their numbers are the UA's: a connection the program
 * accepts is announced with sipua_ua_conn_open(), which gives its number;
 * a connection the UA wants is asked for by a send to an endpoint whose
 * conn the program does not know yet: the program opens it to host:port
 * under that number and writes the bytes once connected (and through TLS
 * for TLS and WSS). The UA frames messages (Content-Length, WebSocket
 * frames and the upgrade, RFC 7118), answers and sends keep-alives (RFC
 * 5626 4.4.1), and asks for a connection to be closed with
 * SIPUA_UA_EV_CLOSE_CONNECTION. */

/* A connection the program accepted from `remote` (a stream transport).
 * Returns 0 with *conn set, SIPUA_EINVAL, SIPUA_ENOMEM or SIPUA_ESTATE. */
SIPUA_EXTERN int sipua_ua_conn_open(sipua_ua *ua, const sipua_endpoint *remote, sipua_time now,
                                    uint64_t *conn);

/* Bytes received from `from`: one datagram (UDP), or the next segment of
 * stream connection from->conn, which may hold part of a message or
 * several. Returns 0 (what could not be used was answered or dropped and
 * counted, see the events), SIPUA_EINVAL, SIPUA_ENOTFOUND (a connection
 * the UA does not know), SIPUA_ENOMEM or SIPUA_ESTATE. */
SIPUA_EXTERN int sipua_ua_recv(sipua_ua *ua, const sipua_endpoint *from, const char *bytes,
                               size_t len, sipua_time now);
/* A stream connection closed (by the peer or an error): its partial input
 * is discarded. */
SIPUA_EXTERN int sipua_ua_connection_closed(sipua_ua *ua, uint64_t conn, sipua_time now);

/* The program could not reach `to` (connection refused, TLS handshake
 * failed, ...): the requests sent there fail now with err (RFC 3261
 * 17.1.4) rather than at their timeout. 0, SIPUA_EINVAL or SIPUA_ESTATE. */
SIPUA_EXTERN int sipua_ua_transport_failed(sipua_ua *ua, const sipua_endpoint *to, int err,
                                           sipua_time now);

/* Fires the timers due at `now`. 0 or SIPUA_ESTATE. */
SIPUA_EXTERN int sipua_ua_advance(sipua_ua *ua, sipua_time now);
/* When sipua_ua_advance() is next needed; 0 when nothing is pending. */
SIPUA_EXTERN sipua_time sipua_ua_next_deadline(const sipua_ua *ua);

/* Sends OPTIONS to `target` (a SIP or SIPS URI, the Request-URI and To)
 * through `to`; over TCP to the same address instead when the request is
 * larger than 1300 bytes and the UA has a TCP identity (RFC 3261 18.1.1).
 * The answer comes as SIPUA_UA_EV_OPTIONS_RESULT with the id written to
 * *request_id. Returns 0, SIPUA_EINVAL (bad URI or endpoint, no
 * listen endpoint for the transport), SIPUA_ENOMEM, or the send error. */
SIPUA_EXTERN int sipua_ua_options(sipua_ua *ua, sipua_str target, const sipua_endpoint *to,
                                  sipua_time now, uint64_t *request_id);

/* Counters. */
typedef struct sipua_ua_stats {
    uint64_t received;          /* messages parsed from the wire */
    uint64_t dropped;           /* messages dropped, unanswered */
    uint64_t answered_400;      /* requests answered 400 */
    uint64_t requests_answered; /* requests answered by the core */
    uint64_t sent;              /* messages handed to send */
    uint64_t retransmissions;   /* of those, retransmissions */
    size_t live_transactions;
    size_t live_sessions; /* sessions with protocol work left */
    size_t live_dialogs;
} sipua_ua_stats;

SIPUA_EXTERN void sipua_ua_get_stats(const sipua_ua *ua, sipua_ua_stats *out);

#ifdef __cplusplus
}
#endif

#endif
