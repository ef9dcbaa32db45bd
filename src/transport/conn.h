/* The connection table: every transport flow the UA has, sans-IO.
 *
 * A connection is keyed by its transport (UDP, TCP, TLS, WS, WSS), the
 * remote address and port, and the local listener it belongs to (a number
 * the owner gives each listening or sending socket), and known by a
 * numeric id. Lookups are by id or by key, both hashed:
 *   - a response goes back over the connection its request came on (RFC
 *     3261 18.2.2): the transaction keeps the id;
 *   - a request to a target reuses a connection to that address (18.1.1,
 *     and in-dialog requests): sipua__conn_find_remote().
 *
 * Each stream connection frames its bytes: TCP and TLS with the message
 * layer's framer (Content-Length, RFC 3261 18.3), WS and WSS with the
 * WebSocket codec (one message per SIP message, RFC 7118 5). A UDP
 * connection hands each datagram up whole.
 *
 * Keep-alives (RFC 5626 4.4.1): a connection with a keep-alive interval
 * sends a CRLFCRLF ping every 80 to 100 % of the interval (the jitter from
 * the random callback) and fails when no CRLF pong comes within
 * pong_timeout; whatever the interval, a ping received is answered with a
 * pong. On WS and WSS the ping and pong are the text messages "\r\n\r\n"
 * and "\r\n", as SIP.js and Kamailio exchange them. Idle connections (no
 * byte either way for the idle timeout) are closed.
 *
 * Time is the caller's: sipua__conn_next_deadline() says when to call
 * sipua__conn_advance(). Bytes leave through the send callback; the owner
 * (src/io) writes them to the socket of that id in order.
 *
 * Events (the event callback): READY when a WS connection finished its
 * upgrade (other connections are ready when opened); MESSAGE for each SIP
 * message, its bytes valid until the callback returns; CLOSED once per
 * connection, with the reason, after which the id is gone and the owner
 * closes the socket once the bytes already sent are written.
 *
 * Re-entrance: from a callback, sipua__conn_send(), _open(), _close() and
 * lookups are allowed (a close requested there takes effect, with its
 * CLOSED event, when the outer call returns); _feed(), _advance() and
 * _lost() are refused with SIPUA_ESTATE.
 */
#ifndef SIPUA_TRANSPORT_CONN_H
#define SIPUA_TRANSPORT_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "sipua/msg.h"
#include "transport/addr.h"
#include "transport/ws.h"

typedef enum sipua__transport {
    SIPUA__TP_UDP = 0,
    SIPUA__TP_TCP,
    SIPUA__TP_TLS,
    SIPUA__TP_WS,
    SIPUA__TP_WSS,
    SIPUA__TP_COUNT_
} sipua__transport;

/* "UDP", "TCP", "TLS", "WS", "WSS" (the Via transport tokens); "" else. */
const char *sipua__transport_name(sipua__transport t);
/* 1 for the stream transports (all but UDP). */
int sipua__transport_is_stream(sipua__transport t);

typedef struct sipua__conn_key {
    sipua__transport transport;
    sipua__addr remote;
    uint32_t listener; /* the owner's number for the local socket */
} sipua__conn_key;

typedef enum sipua__conn_close_reason {
    SIPUA__CONN_CLOSE_LOCAL = 1, /* sipua__conn_close() */
    SIPUA__CONN_CLOSE_PEER,      /* end of stream (sipua__conn_lost), or the peer's WS close */
    SIPUA__CONN_CLOSE_ERROR,     /* an I/O error (sipua__conn_lost) */
    SIPUA__CONN_CLOSE_IDLE,      /* nothing sent or received for the idle timeout */
    SIPUA__CONN_CLOSE_KEEPALIVE, /* no pong in time (RFC 5626 4.4.1) */
    SIPUA__CONN_CLOSE_FRAMING,   /* bytes that cannot be framed, or a WS protocol error */
    SIPUA__CONN_CLOSE_HANDSHAKE  /* the WS upgrade failed or was refused */
} sipua__conn_close_reason;

/* "local", "peer", "error", "idle", "keepalive", "framing", "handshake". */
const char *sipua__conn_close_reason_name(sipua__conn_close_reason r);

typedef enum sipua__conn_event_kind {
    SIPUA__CONN_EV_READY = 1,
    SIPUA__CONN_EV_MESSAGE,
    SIPUA__CONN_EV_CLOSED
} sipua__conn_event_kind;

typedef struct sipua__conn_event {
    sipua__conn_event_kind kind;
    uint32_t id;
    const sipua__conn_key *key;
    sipua_str data; /* MESSAGE: the message; CLOSED: the WS close reason, if any */
    /* CLOSED */
    sipua__conn_close_reason reason;
    int code; /* the WS close code, the HTTP status of a failed upgrade, the
                 error given to sipua__conn_lost, or the framer's error */
} sipua__conn_event;

typedef struct sipua__conn_callbacks {
    void (*send)(void *user, uint32_t id, const uint8_t *data, size_t len);
    void (*event)(void *user, const sipua__conn_event *ev);
    void (*random)(void *user, uint8_t *out, size_t len);
} sipua__conn_callbacks;

typedef struct sipua__conn_opts {
    sipua_time idle_timeout_inbound;  /* default 600 s; 0: never */
    sipua_time idle_timeout_outbound; /* default 0: the owner's flows stay up */
    sipua_time pong_timeout;          /* default 10 s (RFC 5626 4.4.1) */
    sipua_msg_limits limits;          /* for the stream framer */
    sipua__ws_opts ws;
} sipua__conn_opts;

#define SIPUA__SECONDS(s) ((sipua_time)(s)*1000000)

void sipua__conn_opts_init(sipua__conn_opts *o);

typedef struct sipua__conn_table sipua__conn_table;

/* A new, empty table. opts and alloc may be NULL; cb needs all three
 * callbacks. NULL when out of memory or on a bad argument (a message limit
 * above SIZE_MAX / 4 among them). */
sipua__conn_table *sipua__conn_table_new(const sipua__conn_opts *opts,
                                         const sipua__conn_callbacks *cb, void *user,
                                         const sipua_allocator *alloc);
/* Frees the table and its connections, without events. */
void sipua__conn_table_free(sipua__conn_table *t);

/* Adds a connection: outbound when we opened it (we are the WS client),
 * inbound when a listener accepted it (or a datagram arrived from a new
 * address). *id gets its id, never 0. Returns SIPUA_OK, SIPUA_EINVAL or
 * SIPUA_ENOMEM. An outbound WS connection must then be given
 * sipua__conn_ws_connect(). */
int sipua__conn_open(sipua__conn_table *t, const sipua__conn_key *key, int outbound, sipua_time now,
                     uint32_t *id);

/* Outbound WS/WSS: sends the upgrade request (see sipua__ws_client_start).
 * Returns SIPUA_OK, SIPUA_ENOTFOUND, SIPUA_EINVAL, SIPUA_ESTATE or
 * SIPUA_ENOMEM. */
int sipua__conn_ws_connect(sipua__conn_table *t, uint32_t id, sipua_str host, sipua_str path,
                           sipua_str origin, sipua_time now);

/* Bytes received on the connection (a datagram for UDP). Returns SIPUA_OK
 * (failures close the connection, with their event), SIPUA_ENOTFOUND,
 * SIPUA_EINVAL, or SIPUA_ESTATE from a callback. */
int sipua__conn_feed(sipua__conn_table *t, uint32_t id, const uint8_t *data, size_t len,
                     sipua_time now);

/* Sends one SIP message: as is on TCP, TLS and UDP, in one WS frame (text
 * when it is UTF-8, else binary: RFC 7118 5) on WS and WSS. Returns
 * SIPUA_OK, SIPUA_ENOTFOUND, SIPUA_EINVAL (no bytes), or SIPUA_ESTATE when not ready
 * (a WS upgrade under way) or closing. */
int sipua__conn_send(sipua__conn_table *t, uint32_t id, const uint8_t *data, size_t len,
                     sipua_time now);

/* Closes a connection (a WS one with a close frame, code 1000): CLOSED,
 * reason LOCAL. Returns SIPUA_OK or SIPUA_ENOTFOUND. */
int sipua__conn_close(sipua__conn_table *t, uint32_t id);

/* The owner lost the connection: error 0 for an orderly end of stream
 * (reason PEER), else an I/O error (reason ERROR, code = error). Returns
 * SIPUA_OK, SIPUA_ENOTFOUND or SIPUA_ESTATE from a callback. */
int sipua__conn_lost(sipua__conn_table *t, uint32_t id, int error);

/* RFC 5626 4.4.1 keep-alives on a stream connection every interval (0
 * stops them). Returns SIPUA_OK, SIPUA_ENOTFOUND or SIPUA_EINVAL (UDP, or a
 * negative interval). */
int sipua__conn_set_keepalive(sipua__conn_table *t, uint32_t id, sipua_time interval,
                              sipua_time now);

/* The connection with exactly this key (the newest when several); 0 when
 * none. */
uint32_t sipua__conn_find(const sipua__conn_table *t, const sipua__conn_key *key);
/* A connection of this transport to this remote address on any listener,
 * the newest ready one first; 0 when none. */
uint32_t sipua__conn_find_remote(const sipua__conn_table *t, sipua__transport transport,
                                 const sipua__addr *remote);
/* The key of a connection; NULL when there is none with this id. */
const sipua__conn_key *sipua__conn_key_of(const sipua__conn_table *t, uint32_t id);
/* 1 when the connection can carry messages (a WS one after its upgrade). */
int sipua__conn_is_ready(const sipua__conn_table *t, uint32_t id);
size_t sipua__conn_count(const sipua__conn_table *t);

/* The earliest time sipua__conn_advance() has work to do; 0 when none. */
sipua_time sipua__conn_next_deadline(const sipua__conn_table *t);
/* Sends the keep-alives due and closes the connections whose pong or idle
 * time ran out. Returns SIPUA_OK, SIPUA_EINVAL or SIPUA_ESTATE from a
 * callback. */
int sipua__conn_advance(sipua__conn_table *t, sipua_time now);

#endif
