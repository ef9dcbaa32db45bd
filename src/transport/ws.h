/* WebSocket (RFC 6455) as the SIP transport of RFC 7118, sans-IO.
 *
 * One sipua__ws per connection, client or server role. The owner feeds the
 * bytes received on the connection to sipua__ws_feed() and answers through
 * the callbacks given at creation:
 *
 *   send    bytes to write on the connection, in order. One frame may come
 *           in several calls; the bytes are valid until the call returns.
 *   event   OPEN when the handshake succeeded; MESSAGE for each complete
 *           data message, which RFC 7118 5 makes exactly one SIP message;
 *           PONG for a pong; CLOSED once, at the end (see below).
 *   random  random bytes: the client's Sec-WebSocket-Key and its masking
 *           keys (RFC 6455 5.3 wants them unpredictable).
 *
 * Spans in an event point into the object's buffers and are valid until the
 * callback returns.
 *
 * The handshake. A client calls sipua__ws_client_start(), which sends the
 * upgrade request, and then feeds the server's answer. A server feeds the
 * request as it arrives, in any pieces, up to max_handshake bytes; it sends
 * the 101 answer when the request is valid and offers the "sip" subprotocol,
 * else a 400 (or 426 for another WebSocket version, RFC 6455 4.4) whose body
 * names the fault, and ends with CLOSED, code 1006 and http_status set.
 *
 * Frames. The decoder takes any segmentation, reassembles fragmented
 * messages up to max_message bytes, answers pings with pongs and a close
 * with a close. Any violation fails the connection (RFC 6455 7.1.7): a close
 * frame with the code (1002 protocol error, 1009 too big, 1007 bad UTF-8) is
 * sent and CLOSED reported; bytes fed after that are ignored.
 *
 * CLOSED. Reported once: code and reason are the close frame's (1005 when
 * it had no code), or ours when we failed the connection; remote says who
 * closed first. After CLOSED the owner closes the TCP connection once the
 * bytes already handed to send are written (a client may wait a little for
 * the server to close first, RFC 6455 7.1.1). Closing the TCP connection
 * without CLOSED (the peer vanished) is the owner's to report.
 *
 * UTF-8 in text messages. RFC 6455 8.1 fails the connection on invalid
 * UTF-8; browsers do so. sipua tolerates it by default (check_utf8 = 0):
 * a SIP message is parsed as octets by the message layer, which decides
 * what to accept, and one stray Latin-1 byte in a display name should not
 * drop every call on the connection. check_utf8 = 1 applies RFC 6455 (close
 * 1007). Close reasons are always checked.
 *
 * Re-entrance: sipua__ws_feed() from inside a callback is refused with
 * SIPUA_ESTATE; sending (message, ping, close) from inside a callback is
 * allowed. sipua__ws_free() is not to be called from a callback.
 */
#ifndef SIPUA_TRANSPORT_WS_H
#define SIPUA_TRANSPORT_WS_H

#include <stddef.h>
#include <stdint.h>

#include "sipua/base.h"

typedef struct sipua__ws sipua__ws;

typedef enum sipua__ws_role { SIPUA__WS_CLIENT = 1, SIPUA__WS_SERVER = 2 } sipua__ws_role;

/* RFC 6455 5.2 opcodes. */
enum {
    SIPUA__WS_OP_CONT = 0x0,
    SIPUA__WS_OP_TEXT = 0x1,
    SIPUA__WS_OP_BINARY = 0x2,
    SIPUA__WS_OP_CLOSE = 0x8,
    SIPUA__WS_OP_PING = 0x9,
    SIPUA__WS_OP_PONG = 0xA
};

/* RFC 6455 7.4.1 close codes used here. */
enum {
    SIPUA__WS_CLOSE_NORMAL = 1000,
    SIPUA__WS_CLOSE_GOING_AWAY = 1001,
    SIPUA__WS_CLOSE_PROTOCOL = 1002,
    SIPUA__WS_CLOSE_NO_STATUS = 1005, /* never sent: the close frame had no code */
    SIPUA__WS_CLOSE_ABNORMAL = 1006,  /* never sent: no close frame (handshake failed) */
    SIPUA__WS_CLOSE_BAD_DATA = 1007,
    SIPUA__WS_CLOSE_TOO_BIG = 1009,
    SIPUA__WS_CLOSE_INTERNAL = 1011
};

typedef enum sipua__ws_event_kind {
    SIPUA__WS_EV_OPEN = 1,
    SIPUA__WS_EV_MESSAGE,
    SIPUA__WS_EV_PONG,
    SIPUA__WS_EV_CLOSED
} sipua__ws_event_kind;

typedef struct sipua__ws_event {
    sipua__ws_event_kind kind;
    /* MESSAGE: the message (binary says which frame type carried it);
     * PONG: the pong's payload; CLOSED: the reason (maybe empty). */
    sipua_str data;
    int binary;
    /* CLOSED */
    uint16_t code;
    int remote;      /* 1: the peer sent the first close frame */
    int http_status; /* handshake failure: the status sent (server) or got
                        (client; 101 when the 101 itself was wrong); else 0 */
    /* OPEN on a server: the request's target, Host and Origin ({NULL, 0}
     * when absent), for the owner to check (RFC 6455 10.2) */
    sipua_str path, host, origin;
} sipua__ws_event;

typedef struct sipua__ws_callbacks {
    void (*send)(void *user, const uint8_t *data, size_t len);
    void (*event)(void *user, const sipua__ws_event *ev);
    void (*random)(void *user, uint8_t *out, size_t len);
} sipua__ws_callbacks;

typedef struct sipua__ws_opts {
    size_t max_message;   /* reassembled message; default 65536; beyond: close 1009 */
    size_t max_handshake; /* the HTTP upgrade head; default 8192 */
    int check_utf8;       /* 1: invalid UTF-8 in a text message closes 1007; default 0 */
} sipua__ws_opts;

void sipua__ws_opts_init(sipua__ws_opts *o);

/* A new connection in the given role. opts and alloc may be NULL
 * (defaults); cb is copied and must have all three callbacks. Returns NULL
 * when out of memory or on a bad argument. */
sipua__ws *sipua__ws_new(sipua__ws_role role, const sipua__ws_opts *opts,
                         const sipua__ws_callbacks *cb, void *user, const sipua_allocator *alloc);
void sipua__ws_free(sipua__ws *ws);

/* Client: sends the upgrade request for ws://host/path (RFC 6455 4.1),
 * with Sec-WebSocket-Protocol: sip (RFC 7118 4) and the Origin header when
 * origin.p is set. host is the Host header's value ("example.com:8080").
 * Returns SIPUA_OK, SIPUA_EINVAL (empty host or path, CR, LF or NUL in
 * them, a path not starting with '/'), SIPUA_ESTATE (not a client, or
 * already started) or SIPUA_ENOMEM. */
int sipua__ws_client_start(sipua__ws *ws, sipua_str host, sipua_str path, sipua_str origin);

/* Feeds bytes received on the connection. Returns SIPUA_OK (what happened is
 * told through the callbacks, failures included), SIPUA_EINVAL, or
 * SIPUA_ESTATE when called from a callback, before a client started, or
 * after CLOSED. */
int sipua__ws_feed(sipua__ws *ws, const uint8_t *data, size_t len);

/* Sends one message in one frame, text or binary (RFC 7118 5: text when the
 * SIP message is UTF-8, else binary), masked by a client. Returns SIPUA_OK,
 * SIPUA_EINVAL, or SIPUA_ESTATE when not open (or closing). */
int sipua__ws_send(sipua__ws *ws, int binary, const uint8_t *data, size_t len);
/* Sends a ping (payload at most 125 bytes). Returns as sipua__ws_send. */
int sipua__ws_ping(sipua__ws *ws, const uint8_t *data, size_t len);
/* Starts the closing handshake (RFC 6455 7.1.2) with a code (1000..4999,
 * not 1005/1006/1015) and a reason of at most 123 bytes. CLOSED comes when
 * the peer's close arrives. Returns SIPUA_OK, SIPUA_EINVAL or SIPUA_ESTATE. */
int sipua__ws_close(sipua__ws *ws, uint16_t code, sipua_str reason);

/* 1 once OPEN was reported and until CLOSED; 0 otherwise. */
int sipua__ws_is_open(const sipua__ws *ws);
/* 1 after CLOSED. */
int sipua__ws_is_closed(const sipua__ws *ws);

/* Stateless pieces, for tests and tools. */

/* The Sec-WebSocket-Accept value for a key (RFC 6455 4.2.2 5.4): base64 of
 * SHA-1(key + GUID); writes 28 characters, no NUL. */
void sipua__ws_accept_key(sipua_str key, char out[28]);

/* Encodes one frame into out[0..cap): FIN when fin, the opcode, the minimal
 * length form, masked with mask when mask is non-NULL. Returns the frame's
 * length or SIPUA_ENOSPC. */
int sipua__ws_frame_encode(uint8_t *out, size_t cap, int fin, int opcode, const uint8_t *mask,
                           const uint8_t *payload, size_t len);

/* 1 when data[0..len) is well-formed UTF-8 (RFC 3629). */
int sipua__utf8_valid(const uint8_t *data, size_t len);

#endif
