/* WebSocket frames (RFC 6455 5): the incremental decoder, reassembly of
 * fragmented messages, control frames and the closing handshake, and the
 * encoder. The HTTP upgrade is in ws_handshake.c. */
#include <stdint.h>
#include <string.h>

#include "base/base64.h"
#include "base/sha1.h"
#include "transport/ws_internal.h"

void sipua__ws_opts_init(sipua__ws_opts *o)
{
    o->max_message = 65536;
    o->max_handshake = 8192;
    o->check_utf8 = 0;
}

sipua__ws *sipua__ws_new(sipua__ws_role role, const sipua__ws_opts *opts,
                         const sipua__ws_callbacks *cb, void *user, const sipua_allocator *alloc)
{
    if ((role != SIPUA__WS_CLIENT && role != SIPUA__WS_SERVER) || !cb || !cb->send || !cb->event ||
        !cb->random)
        return NULL;
    if (!alloc)
        alloc = sipua_default_allocator();
    sipua__ws *ws = alloc->alloc(sizeof *ws, alloc->user);
    if (!ws)
        return NULL;
    memset(ws, 0, sizeof *ws);
    ws->role = role;
    ws->state = role == SIPUA__WS_SERVER ? WS_HANDSHAKE : WS_IDLE;
    if (opts)
        ws->opts = *opts;
    else
        sipua__ws_opts_init(&ws->opts);
    if (ws->opts.max_handshake < 64)
        ws->opts.max_handshake = 64;
    ws->cb = *cb;
    ws->user = user;
    ws->alloc = *alloc;
    return ws;
}

static void release_buffers(sipua__ws *ws)
{
    if (ws->head)
        ws->alloc.free(ws->head, ws->alloc.user);
    if (ws->msg)
        ws->alloc.free(ws->msg, ws->alloc.user);
    ws->head = NULL;
    ws->msg = NULL;
    ws->head_len = ws->msg_len = ws->msg_cap = 0;
}

void sipua__ws_free(sipua__ws *ws)
{
    if (!ws)
        return;
    release_buffers(ws);
    ws->alloc.free(ws, ws->alloc.user);
}

int sipua__ws_is_open(const sipua__ws *ws)
{
    return ws && (ws->state == WS_OPEN || ws->state == WS_CLOSING);
}

int sipua__ws_is_closed(const sipua__ws *ws)
{
    return ws && ws->state == WS_CLOSED;
}

void sipua__ws_out(sipua__ws *ws, const void *data, size_t len)
{
    ws->in_callback++;
    ws->cb.send(ws->user, data, len);
    ws->in_callback--;
}

void sipua__ws_emit(sipua__ws *ws, const sipua__ws_event *ev)
{
    ws->in_callback++;
    ws->cb.event(ws->user, ev);
    ws->in_callback--;
}

void sipua__ws_finish(sipua__ws *ws, uint16_t code, sipua_str reason, int remote, int http_status)
{
    if (ws->state == WS_CLOSED)
        return;
    ws->state = WS_CLOSED;
    sipua__ws_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = SIPUA__WS_EV_CLOSED;
    ev.code = code;
    ev.data = reason;
    ev.remote = remote;
    ev.http_status = http_status;
    sipua__ws_emit(ws, &ev);
    /* the reason may point into ctl, never into these */
    release_buffers(ws);
}

/* ------------------------------------------------------------------ */
/* Encoder                                                             */

/* The frame header for a payload of len bytes (5.2): minimal length form. */
static size_t header_encode(uint8_t h[14], int fin, int opcode, const uint8_t *mask, size_t len)
{
    size_t n = 0;
    uint8_t m = mask ? 0x80 : 0;
    h[n++] = (uint8_t)((fin ? 0x80 : 0) | (opcode & 0x0F));
    if (len < 126) {
        h[n++] = (uint8_t)(m | len);
    } else if (len <= 0xFFFF) {
        h[n++] = m | 126;
        h[n++] = (uint8_t)(len >> 8);
        h[n++] = (uint8_t)len;
    } else {
        h[n++] = m | 127;
        for (int i = 7; i >= 0; i--)
            h[n++] = (uint8_t)((uint64_t)len >> (8 * i));
    }
    if (mask) {
        memcpy(h + n, mask, 4);
        n += 4;
    }
    return n;
}

int sipua__ws_frame_encode(uint8_t *out, size_t cap, int fin, int opcode, const uint8_t *mask,
                           const uint8_t *payload, size_t len)
{
    uint8_t h[14];
    if (!out || (!payload && len) || len > (size_t)INT32_MAX - sizeof h)
        return SIPUA_EINVAL;
    size_t n = header_encode(h, fin, opcode, mask, len);
    if (n + len > cap)
        return SIPUA_ENOSPC;
    memcpy(out, h, n);
    for (size_t i = 0; i < len; i++)
        out[n + i] = mask ? (uint8_t)(payload[i] ^ mask[i & 3]) : payload[i];
    return (int)(n + len);
}

/* Sends one whole frame, masked by a client (5.3), through a stack buffer
 * so that a small frame is one send call. */
static void send_frame(sipua__ws *ws, int opcode, const uint8_t *payload, size_t len)
{
    uint8_t buf[1024], mask[4];
    const uint8_t *m = NULL;
    if (ws->role == SIPUA__WS_CLIENT) {
        ws->in_callback++;
        ws->cb.random(ws->user, mask, sizeof mask);
        ws->in_callback--;
        m = mask;
    }
    size_t n = header_encode(buf, 1, opcode, m, len);
    for (size_t i = 0; i < len; i++) {
        buf[n++] = m ? (uint8_t)(payload[i] ^ m[i & 3]) : payload[i];
        if (n == sizeof buf) {
            sipua__ws_out(ws, buf, n);
            n = 0;
        }
    }
    if (n)
        sipua__ws_out(ws, buf, n);
}

/* A close frame: the code in network order, then the reason (5.5.1). Code
 * 1005 stands for "no code": an empty close. */
static void send_close(sipua__ws *ws, uint16_t code, sipua_str reason)
{
    uint8_t p[125];
    size_t n = 0;
    if (code != SIPUA__WS_CLOSE_NO_STATUS) {
        p[n++] = (uint8_t)(code >> 8);
        p[n++] = (uint8_t)code;
        if (reason.len > sizeof p - 2)
            reason.len = sizeof p - 2;
        if (reason.len)
            memcpy(p + n, reason.p, reason.len);
        n += reason.len;
    }
    send_frame(ws, SIPUA__WS_OP_CLOSE, p, n);
}

int sipua__ws_send(sipua__ws *ws, int binary, const uint8_t *data, size_t len)
{
    if (!ws || (!data && len))
        return SIPUA_EINVAL;
    if (ws->state != WS_OPEN)
        return SIPUA_ESTATE;
    send_frame(ws, binary ? SIPUA__WS_OP_BINARY : SIPUA__WS_OP_TEXT, data, len);
    return SIPUA_OK;
}

int sipua__ws_ping(sipua__ws *ws, const uint8_t *data, size_t len)
{
    if (!ws || (!data && len) || len > 125)
        return SIPUA_EINVAL;
    if (ws->state != WS_OPEN)
        return SIPUA_ESTATE;
    send_frame(ws, SIPUA__WS_OP_PING, data, len);
    return SIPUA_OK;
}

/* 7.4.1 and the IANA registry: the codes an endpoint may put on the wire. */
static int code_sendable(unsigned code)
{
    if (code >= 3000 && code <= 4999)
        return 1;
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014);
}

int sipua__ws_close(sipua__ws *ws, uint16_t code, sipua_str reason)
{
    if (!ws || !code_sendable(code) || reason.len > 123 || (!reason.p && reason.len))
        return SIPUA_EINVAL;
    if (ws->state != WS_OPEN)
        return SIPUA_ESTATE;
    ws->state = WS_CLOSING;
    send_close(ws, code, reason);
    return SIPUA_OK;
}

/* ------------------------------------------------------------------ */
/* Decoder                                                             */

int sipua__utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t k;
        uint8_t lo = 0x80, hi = 0xBF; /* the second byte's range (RFC 3629 4) */
        if (c >= 0xC2 && c <= 0xDF) {
            k = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            k = 2;
            if (c == 0xE0)
                lo = 0xA0; /* overlong */
            else if (c == 0xED)
                hi = 0x9F; /* surrogates */
        } else if (c >= 0xF0 && c <= 0xF4) {
            k = 3;
            if (c == 0xF0)
                lo = 0x90;
            else if (c == 0xF4)
                hi = 0x8F; /* above U+10FFFF */
        } else {
            return 0;
        }
        if (n - i <= k)
            return 0;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return 0;
        for (size_t j = 2; j <= k; j++)
            if ((s[i + j] & 0xC0) != 0x80)
                return 0;
        i += k + 1;
    }
    return 1;
}

/* Fails the connection (7.1.7): sends a close with the code unless one was
 * sent already, and reports CLOSED. */
static void fail(sipua__ws *ws, uint16_t code, const char *reason)
{
    sipua_str r = {reason, strlen(reason)};
    if (ws->state == WS_OPEN)
        send_close(ws, code, r);
    sipua__ws_finish(ws, code, r, 0, 0);
}

static int is_control(int opcode)
{
    return (opcode & 0x08) != 0;
}

/* The header's size, once its first two bytes are known. */
static size_t header_size(const uint8_t h[2])
{
    size_t n = 2;
    uint8_t len7 = h[1] & 0x7F;
    if (len7 == 126)
        n += 2;
    else if (len7 == 127)
        n += 8;
    if (h[1] & 0x80)
        n += 4;
    return n;
}

/* Checks what the first two bytes say (5.2, 5.4, 5.5). Returns 0 or fails
 * the connection and returns -1. */
static int check_first_bytes(sipua__ws *ws)
{
    uint8_t b0 = ws->hdr[0], b1 = ws->hdr[1];
    int opcode = b0 & 0x0F, fin = b0 >> 7, masked = b1 >> 7;
    if (b0 & 0x70) {
        fail(ws, SIPUA__WS_CLOSE_PROTOCOL, "reserved bit set without an extension");
        return -1;
    }
    if ((opcode > SIPUA__WS_OP_BINARY && opcode < SIPUA__WS_OP_CLOSE) ||
        opcode > SIPUA__WS_OP_PONG) {
        fail(ws, SIPUA__WS_CLOSE_PROTOCOL, "reserved opcode");
        return -1;
    }
    if (is_control(opcode) && (!fin || (b1 & 0x7F) > 125)) {
        fail(ws, SIPUA__WS_CLOSE_PROTOCOL, "control frame fragmented or longer than 125 bytes");
        return -1;
    }
    if (masked != (ws->role == SIPUA__WS_SERVER)) {
        fail(ws, SIPUA__WS_CLOSE_PROTOCOL,
             masked ? "masked frame from the server" : "unmasked frame from the client");
        return -1;
    }
    if (opcode == SIPUA__WS_OP_CONT && !ws->msg_opcode) {
        fail(ws, SIPUA__WS_CLOSE_PROTOCOL, "continuation frame without a message to continue");
        return -1;
    }
    if ((opcode == SIPUA__WS_OP_TEXT || opcode == SIPUA__WS_OP_BINARY) && ws->msg_opcode) {
        fail(ws, SIPUA__WS_CLOSE_PROTOCOL, "new message before the last one ended");
        return -1;
    }
    return 0;
}

/* Makes room for a data frame's payload after the message so far. */
static int reserve(sipua__ws *ws, size_t need)
{
    if (need <= ws->msg_cap)
        return 0;
    size_t cap = ws->msg_cap ? ws->msg_cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    if (cap > ws->opts.max_message)
        cap = ws->opts.max_message; /* need is within it: the caller checked */
    uint8_t *p = ws->alloc.realloc(ws->msg, cap, ws->alloc.user);
    if (!p)
        return -1;
    ws->msg = p;
    ws->msg_cap = cap;
    return 0;
}

/* The whole header is in hdr: reads the length and the mask and checks the
 * message size. Returns 0 or fails the connection and returns -1. */
static int header_done(sipua__ws *ws)
{
    const uint8_t *h = ws->hdr;
    uint64_t len = h[1] & 0x7F;
    size_t at = 2;
    if (len == 126) {
        len = (uint64_t)h[2] << 8 | h[3];
        at = 4;
    } else if (len == 127) {
        len = 0;
        for (int i = 0; i < 8; i++)
            len = len << 8 | h[2 + i];
        at = 10;
        if (len >> 63) {
            fail(ws, SIPUA__WS_CLOSE_PROTOCOL, "64-bit length with its top bit set");
            return -1;
        }
    }
    /* Lengths in a longer form than needed are accepted: 5.2 binds the
     * sender, and refusing them gains nothing. */
    ws->fin = h[0] >> 7;
    ws->opcode = h[0] & 0x0F;
    ws->masked = h[1] >> 7;
    if (ws->masked)
        memcpy(ws->mask, h + at, 4);
    ws->payload_len = len;
    ws->payload_have = 0;
    if (!is_control(ws->opcode)) {
        if (len > ws->opts.max_message - ws->msg_len) {
            fail(ws, SIPUA__WS_CLOSE_TOO_BIG, "message larger than the limit");
            return -1;
        }
        if (reserve(ws, ws->msg_len + (size_t)len) != 0) {
            fail(ws, SIPUA__WS_CLOSE_INTERNAL, "out of memory");
            return -1;
        }
        if (ws->opcode != SIPUA__WS_OP_CONT)
            ws->msg_opcode = ws->opcode;
    }
    return 0;
}

/* A close frame arrived (5.5.1, 7.1.5). */
static void on_close(sipua__ws *ws)
{
    size_t n = (size_t)ws->payload_len;
    uint16_t code = SIPUA__WS_CLOSE_NO_STATUS;
    sipua_str reason = {(const char *)ws->ctl, 0};
    if (n == 1) {
        fail(ws, SIPUA__WS_CLOSE_PROTOCOL, "close frame of one byte");
        return;
    }
    if (n >= 2) {
        code = (uint16_t)(ws->ctl[0] << 8 | ws->ctl[1]);
        if (!code_sendable(code)) {
            fail(ws, SIPUA__WS_CLOSE_PROTOCOL, "invalid close code");
            return;
        }
        reason.p = (const char *)ws->ctl + 2;
        reason.len = n - 2;
        if (!sipua__utf8_valid(ws->ctl + 2, n - 2)) {
            fail(ws, SIPUA__WS_CLOSE_BAD_DATA, "close reason is not UTF-8");
            return;
        }
    }
    int remote = ws->state == WS_OPEN;
    if (remote) /* echo the code, as 5.5.1 suggests */
        send_close(ws, code, (sipua_str){"", 0});
    sipua__ws_finish(ws, code, reason, remote, 0);
}

/* The payload is complete. */
static void frame_done(sipua__ws *ws)
{
    sipua__ws_event ev;
    memset(&ev, 0, sizeof ev);
    switch (ws->opcode) {
    case SIPUA__WS_OP_PING:
        if (ws->state == WS_OPEN) /* nothing may follow our close (5.5.1) */
            send_frame(ws, SIPUA__WS_OP_PONG, ws->ctl, (size_t)ws->payload_len);
        return;
    case SIPUA__WS_OP_PONG:
        ev.kind = SIPUA__WS_EV_PONG;
        ev.data.p = (const char *)ws->ctl;
        ev.data.len = (size_t)ws->payload_len;
        sipua__ws_emit(ws, &ev);
        return;
    case SIPUA__WS_OP_CLOSE: on_close(ws); return;
    default: break;
    }
    ws->msg_len += (size_t)ws->payload_len;
    if (!ws->fin)
        return;
    int binary = ws->msg_opcode == SIPUA__WS_OP_BINARY;
    size_t len = ws->msg_len;
    ws->msg_opcode = 0;
    ws->msg_len = 0;
    if (!binary && ws->opts.check_utf8 && !sipua__utf8_valid(ws->msg, len)) {
        fail(ws, SIPUA__WS_CLOSE_BAD_DATA, "text message is not UTF-8");
        return;
    }
    ev.kind = SIPUA__WS_EV_MESSAGE;
    ev.data.p = len ? (const char *)ws->msg : "";
    ev.data.len = len;
    ev.binary = binary;
    sipua__ws_emit(ws, &ev);
}

/* Reads frames from data; returns the bytes consumed (all of them unless
 * the connection closed on the way). */
static size_t frames_feed(sipua__ws *ws, const uint8_t *data, size_t len)
{
    size_t off = 0;
    while (off < len && (ws->state == WS_OPEN || ws->state == WS_CLOSING)) {
        if (!ws->in_payload) {
            size_t need = ws->hdr_have < 2 ? 2 : header_size(ws->hdr);
            size_t take = need - ws->hdr_have;
            if (take > len - off)
                take = len - off;
            memcpy(ws->hdr + ws->hdr_have, data + off, take);
            ws->hdr_have += take;
            off += take;
            if (ws->hdr_have == 2 && check_first_bytes(ws) != 0)
                break;
            if (ws->hdr_have < 2 || ws->hdr_have < header_size(ws->hdr))
                continue;
            ws->hdr_have = 0;
            if (header_done(ws) != 0)
                break;
            ws->in_payload = 1;
        }
        uint64_t left = ws->payload_len - ws->payload_have;
        size_t take = left < len - off ? (size_t)left : len - off;
        if (take) {
            uint8_t *dst = is_control(ws->opcode) ? ws->ctl : ws->msg + ws->msg_len;
            dst += ws->payload_have;
            size_t phase = (size_t)(ws->payload_have & 3);
            if (ws->masked) {
                for (size_t i = 0; i < take; i++)
                    dst[i] = data[off + i] ^ ws->mask[(phase + i) & 3];
            } else {
                memcpy(dst, data + off, take);
            }
        }
        ws->payload_have += take;
        off += take;
        if (ws->payload_have == ws->payload_len) {
            ws->in_payload = 0;
            frame_done(ws);
        }
    }
    return off;
}

int sipua__ws_feed(sipua__ws *ws, const uint8_t *data, size_t len)
{
    if (!ws || (!data && len))
        return SIPUA_EINVAL;
    if (ws->in_callback || ws->state == WS_IDLE || ws->state == WS_CLOSED)
        return SIPUA_ESTATE;
    size_t off = 0;
    ws->in_callback++; /* a callback's feed would interleave with this one */
    while (off < len && ws->state != WS_CLOSED) {
        if (ws->state == WS_HANDSHAKE)
            off += sipua__ws_handshake_feed(ws, data + off, len - off);
        else
            off += frames_feed(ws, data + off, len - off);
    }
    ws->in_callback--;
    return SIPUA_OK;
}

int sipua__ws_client_start(sipua__ws *ws, sipua_str host, sipua_str path, sipua_str origin)
{
    if (!ws)
        return SIPUA_EINVAL;
    if (ws->role != SIPUA__WS_CLIENT || ws->state != WS_IDLE || ws->in_callback)
        return SIPUA_ESTATE;
    return sipua__ws_handshake_start(ws, host, path, origin);
}

void sipua__ws_accept_key(sipua_str key, char out[28])
{
    static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    sipua__sha1_ctx c;
    uint8_t d[SIPUA__SHA1_LEN];
    sipua__sha1_init(&c);
    sipua__sha1_update(&c, key.p, key.len);
    sipua__sha1_update(&c, guid, sizeof guid - 1);
    sipua__sha1_final(&c, d);
    sipua__base64_encode(d, sizeof d, out);
}
