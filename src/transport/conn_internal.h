/* The connection table's state, shared by conn.c (table, lookups, timers)
 * and conn_stream.c (framing, keep-alives, WebSocket glue). */
#ifndef SIPUA_TRANSPORT_CONN_INTERNAL_H
#define SIPUA_TRANSPORT_CONN_INTERNAL_H

#include "base/timer.h"
#include "transport/conn.h"

typedef struct conn conn;

struct conn {
    uint32_t id;
    sipua__conn_key key;
    sipua__conn_table *table;
    int outbound;
    int ready;
    conn *next_by_id, *next_by_key, *next_pending;

    /* deadlines, 0 when not set; the timer is armed for the earliest */
    sipua__timer timer;
    sipua_time idle_at, ping_at, pong_at;
    sipua_time keepalive;

    /* TCP and TLS: the framer and the bytes of an incomplete message */
    sipua_framer framer;
    uint8_t *buf;
    size_t len, cap;
    /* WS and WSS */
    sipua__ws *ws;

    /* a close requested while callbacks run, done when they return */
    int closing;
    sipua__conn_close_reason reason;
    int code;
    char text[125];
    size_t text_len;
};

struct sipua__conn_table {
    sipua__conn_opts opts;
    sipua__conn_callbacks cb;
    void *user;
    sipua_allocator alloc;
    conn **by_id, **by_key;
    size_t buckets; /* a power of two */
    size_t count;
    sipua__timer_heap timers; /* room for one timer per connection */
    uint32_t next_id;
    uint32_t seed;
    int busy;       /* callbacks under way, or a feed or advance */
    conn *pending;  /* closes to carry out once busy drops to 0 */
    sipua_time now; /* of the call under way, for callbacks from the WS codec */
};

conn *sipua__conn_get(const sipua__conn_table *t, uint32_t id);
/* Bytes sent on c: the send callback, and c is not idle. */
void sipua__conn_out(sipua__conn_table *t, conn *c, const void *data, size_t len, sipua_time now);
void sipua__conn_emit(sipua__conn_table *t, const sipua__conn_event *ev);
/* Traffic on c at now: pushes its idle deadline back. */
void sipua__conn_touch(sipua__conn_table *t, conn *c, sipua_time now);
/* Recomputes c's deadline and its place in the timer heap. */
void sipua__conn_reschedule(sipua__conn_table *t, conn *c);
/* Closes c with a reason: at once, or when the callbacks under way
 * return. text (may be NULL) is copied. */
void sipua__conn_request_close(sipua__conn_table *t, conn *c, sipua__conn_close_reason reason,
                               int code, sipua_str text);

/* conn_stream.c */
int sipua__conn_stream_init(sipua__conn_table *t, conn *c);
void sipua__conn_stream_free(sipua__conn_table *t, conn *c);
void sipua__conn_stream_feed(sipua__conn_table *t, conn *c, const uint8_t *data, size_t len,
                             sipua_time now);
int sipua__conn_stream_send(sipua__conn_table *t, conn *c, const uint8_t *data, size_t len,
                            sipua_time now);
/* Sends a keep-alive ping (RFC 5626 4.4.1). */
void sipua__conn_send_ping(sipua__conn_table *t, conn *c, sipua_time now);
/* A WS connection that is open sends its close frame. */
void sipua__conn_stream_close(sipua__conn_table *t, conn *c);

#endif
