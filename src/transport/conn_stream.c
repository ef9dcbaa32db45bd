/* What a connection does with its bytes: stream framing by Content-Length
 * for TCP and TLS (the message layer's framer), the WebSocket codec for WS
 * and WSS, datagrams for UDP, and the CRLF keep-alives of RFC 5626 4.4.1. */
#include <string.h>

#include "transport/conn_internal.h"

static const uint8_t ping_bytes[4] = {'\r', '\n', '\r', '\n'};

static int is_ws(const conn *c)
{
    return c->key.transport == SIPUA__TP_WS || c->key.transport == SIPUA__TP_WSS;
}

static void deliver(sipua__conn_table *t, conn *c, const void *data, size_t len)
{
    sipua__conn_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = SIPUA__CONN_EV_MESSAGE;
    ev.id = c->id;
    ev.key = &c->key;
    ev.data.p = len ? data : "";
    ev.data.len = len;
    sipua__conn_emit(t, &ev);
}

static void pong_received(sipua__conn_table *t, conn *c)
{
    if (!c->pong_at)
        return;
    c->pong_at = 0;
    sipua__conn_reschedule(t, c);
}

/* ------------------------------------------------------------------ */
/* WebSocket glue                                                      */

static void ws_send_cb(void *user, const uint8_t *data, size_t len)
{
    conn *c = user;
    if (!c->closing) /* the owner let go of it: pongs to what is still parsed stay home */
        sipua__conn_out(c->table, c, data, len, c->table->now);
}

static void ws_random_cb(void *user, uint8_t *out, size_t len)
{
    conn *c = user;
    sipua__conn_table *t = c->table;
    t->busy++;
    t->cb.random(t->user, out, len);
    t->busy--;
}

static int span_is(sipua_str s, const char *lit, size_t n)
{
    return s.len == n && memcmp(s.p, lit, n) == 0;
}

static void ws_event_cb(void *user, const sipua__ws_event *ev)
{
    conn *c = user;
    sipua__conn_table *t = c->table;
    if (c->closing)
        return;
    switch (ev->kind) {
    case SIPUA__WS_EV_OPEN: {
        c->ready = 1;
        sipua__conn_event out;
        memset(&out, 0, sizeof out);
        out.kind = SIPUA__CONN_EV_READY;
        out.id = c->id;
        out.key = &c->key;
        sipua__conn_emit(t, &out);
        break;
    }
    case SIPUA__WS_EV_MESSAGE:
        /* the keep-alives as messages, as SIP.js sends them */
        if (span_is(ev->data, "\r\n\r\n", 4))
            sipua__ws_send(c->ws, 0, ping_bytes, 2);
        else if (span_is(ev->data, "\r\n", 2))
            pong_received(t, c);
        else
            deliver(t, c, ev->data.p, ev->data.len);
        break;
    case SIPUA__WS_EV_PONG: pong_received(t, c); break;
    case SIPUA__WS_EV_CLOSED: {
        sipua__conn_close_reason why = SIPUA__CONN_CLOSE_FRAMING;
        int code = ev->code;
        if (ev->http_status || ev->code == SIPUA__WS_CLOSE_ABNORMAL) {
            why = SIPUA__CONN_CLOSE_HANDSHAKE;
            code = ev->http_status;
        } else if (ev->remote) {
            why = SIPUA__CONN_CLOSE_PEER;
        } else if (ev->code == SIPUA__WS_CLOSE_NORMAL || ev->code == SIPUA__WS_CLOSE_GOING_AWAY) {
            why = SIPUA__CONN_CLOSE_LOCAL; /* the peer answered our close */
        }
        sipua__conn_request_close(t, c, why, code, ev->data);
        break;
    }
    }
}

static const sipua__ws_callbacks ws_callbacks = {ws_send_cb, ws_event_cb, ws_random_cb};

/* ------------------------------------------------------------------ */

int sipua__conn_stream_init(sipua__conn_table *t, conn *c)
{
    sipua_framer_init(&c->framer);
    if (!is_ws(c)) {
        c->ready = 1;
        return 0;
    }
    c->ws = sipua__ws_new(c->outbound ? SIPUA__WS_CLIENT : SIPUA__WS_SERVER, &t->opts.ws,
                          &ws_callbacks, c, &t->alloc);
    return c->ws ? 0 : -1;
}

void sipua__conn_stream_free(sipua__conn_table *t, conn *c)
{
    sipua__ws_free(c->ws);
    c->ws = NULL;
    t->alloc.free(c->buf, t->alloc.user);
    c->buf = NULL;
    c->len = c->cap = 0;
}

void sipua__conn_stream_close(sipua__conn_table *t, conn *c)
{
    (void)t;
    if (c->ws && sipua__ws_is_open(c->ws))
        sipua__ws_close(c->ws, SIPUA__WS_CLOSE_NORMAL, (sipua_str){"", 0});
}

int sipua__conn_ws_connect(sipua__conn_table *t, uint32_t id, sipua_str host, sipua_str path,
                           sipua_str origin, sipua_time now)
{
    conn *c = sipua__conn_get(t, id);
    if (!c || c->closing)
        return SIPUA_ENOTFOUND;
    if (!c->ws || !c->outbound)
        return SIPUA_ESTATE;
    if (!t->busy)
        t->now = now;
    return sipua__ws_client_start(c->ws, host, path, origin);
}

void sipua__conn_send_ping(sipua__conn_table *t, conn *c, sipua_time now)
{
    if (c->ws) {
        sipua__ws_send(c->ws, 0, ping_bytes, sizeof ping_bytes);
        return;
    }
    c->framer.awaiting_pong = 1; /* a lone CRLF is now the pong at once */
    sipua__conn_out(t, c, ping_bytes, sizeof ping_bytes, now);
}

int sipua__conn_stream_send(sipua__conn_table *t, conn *c, const uint8_t *data, size_t len,
                            sipua_time now)
{
    if (c->ws) {
        int binary = !sipua__utf8_valid(data, len);
        return sipua__ws_send(c->ws, binary, data, len);
    }
    sipua__conn_out(t, c, data, len, now);
    return SIPUA_OK;
}

/* ------------------------------------------------------------------ */
/* TCP and TLS                                                         */

/* Frames what buf[0..len) holds: delivers messages, answers pings, notes
 * pongs. Returns the bytes consumed, or -1 when the connection closed. */
static long frame_some(sipua__conn_table *t, conn *c, const uint8_t *buf, size_t len,
                       sipua_time now)
{
    size_t off = 0;
    while (!c->closing) {
        size_t skip, msg_len;
        int r = sipua_framer_next(&c->framer, &t->opts.limits, (const char *)buf + off, len - off,
                                  &skip, &msg_len);
        if (r == SIPUA_EAGAIN)
            return (long)off;
        if (r < 0) {
            sipua__conn_request_close(t, c, SIPUA__CONN_CLOSE_FRAMING, r, (sipua_str){NULL, 0});
            return -1;
        }
        if (r == SIPUA_FRAME_MESSAGE)
            deliver(t, c, buf + off + skip, msg_len);
        else if (r == SIPUA_FRAME_KEEPALIVE)
            sipua__conn_out(t, c, ping_bytes, 2, now); /* the pong: one CRLF */
        else if (r == SIPUA_FRAME_PONG)
            pong_received(t, c);
        off += skip + msg_len;
    }
    return -1;
}

/* The buffer holds at most one incomplete message: max_message bytes, and
 * one more so that the framer can see a head run past the limit. */
static int buffer(sipua__conn_table *t, conn *c, const uint8_t *data, size_t len)
{
    if (c->len + len > c->cap) {
        size_t cap = c->cap ? c->cap : 512;
        while (cap < c->len + len)
            cap *= 2;
        size_t most = t->opts.limits.max_message + 1;
        if (cap > most)
            cap = most > c->len + len ? most : c->len + len;
        uint8_t *p = t->alloc.realloc(c->buf, cap, t->alloc.user);
        if (!p)
            return -1;
        c->buf = p;
        c->cap = cap;
    }
    memcpy(c->buf + c->len, data, len);
    c->len += len;
    return 0;
}

static void stream_feed(sipua__conn_table *t, conn *c, const uint8_t *data, size_t len,
                        sipua_time now)
{
    size_t most = t->opts.limits.max_message + 1;
    while (len && !c->closing) {
        if (c->len == 0) {
            /* nothing buffered: frame in place, keep only the tail */
            long used = frame_some(t, c, data, len, now);
            if (used < 0)
                return;
            data += used;
            len -= (size_t)used;
            if (!len)
                return;
            if (len > most || buffer(t, c, data, len) != 0)
                break; /* the framer has refused such a tail: only memory fails */
            return;
        }
        size_t take = most - c->len < len ? most - c->len : len;
        if (buffer(t, c, data, take) != 0)
            break;
        data += take;
        len -= take;
        long used = frame_some(t, c, c->buf, c->len, now);
        if (used < 0)
            return;
        c->len -= (size_t)used;
        memmove(c->buf, c->buf + used, c->len);
        if (take == 0 && used == 0)
            break; /* cannot happen: a full buffer is always framed or refused */
    }
    if (!c->closing && len)
        sipua__conn_request_close(t, c, SIPUA__CONN_CLOSE_FRAMING, SIPUA_ENOMEM,
                                  (sipua_str){NULL, 0});
}

void sipua__conn_stream_feed(sipua__conn_table *t, conn *c, const uint8_t *data, size_t len,
                             sipua_time now)
{
    switch (c->key.transport) {
    case SIPUA__TP_UDP: {
        /* a datagram of CRLFs only is a NAT keep-alive, not a message */
        size_t i = 0;
        while (i < len && (data[i] == '\r' || data[i] == '\n'))
            i++;
        if (i < len)
            deliver(t, c, data, len);
        break;
    }
    case SIPUA__TP_WS:
    case SIPUA__TP_WSS:
        if (sipua__ws_feed(c->ws, data, len) == SIPUA_ESTATE && !c->closing)
            sipua__conn_request_close(t, c, SIPUA__CONN_CLOSE_HANDSHAKE, 0,
                                      SIPUA_STR("bytes before the upgrade request"));
        break;
    default: stream_feed(t, c, data, len, now); break;
    }
}
