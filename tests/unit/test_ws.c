/* WebSocket transport (RFC 6455, RFC 7118): the RFC's worked examples,
 * every segmentation of a frame sequence, each way to fail the connection
 * with its close code, the closing handshake, and the opening handshake in
 * both roles, good and bad. */
#include "testutil.h"

#include "failalloc.h"

#include "transport/ws.h"

/* ------------------------------------------------------------------ */
/* A recording peer                                                    */

#define MAX_EVENTS 64

typedef struct rec_event {
    sipua__ws_event_kind kind;
    char *data; /* a copy, NUL-terminated */
    size_t len;
    int binary;
    uint16_t code;
    int remote, http_status;
    char path[64], host[64], origin[64];
} rec_event;

typedef struct rec {
    uint8_t *out; /* everything sent */
    size_t out_len, out_cap;
    rec_event ev[MAX_EVENTS];
    size_t n_ev;
    const uint8_t *rand_bytes; /* handed out in turn; zeros when NULL */
    size_t rand_len, rand_pos;
    sipua__ws *ws;
    int echo;             /* send each message back from the callback */
    int feed_in_callback; /* result of a feed tried from the callback */
    int try_feed;
} rec;

static void rec_send(void *user, const uint8_t *data, size_t len)
{
    rec *r = user;
    if (r->out_len + len > r->out_cap) {
        r->out_cap = (r->out_len + len) * 2 + 64;
        r->out = realloc(r->out, r->out_cap);
        assert_non_null(r->out);
    }
    memcpy(r->out + r->out_len, data, len);
    r->out_len += len;
}

static void copy_span(char *dst, size_t cap, sipua_str s)
{
    size_t n = s.len < cap - 1 ? s.len : cap - 1;
    if (n)
        memcpy(dst, s.p, n);
    dst[n] = 0;
}

static void rec_event_cb(void *user, const sipua__ws_event *ev)
{
    rec *r = user;
    assert_true(r->n_ev < MAX_EVENTS);
    rec_event *e = &r->ev[r->n_ev++];
    memset(e, 0, sizeof *e);
    e->kind = ev->kind;
    e->len = ev->data.len;
    e->data = malloc(ev->data.len + 1);
    assert_non_null(e->data);
    if (ev->data.len)
        memcpy(e->data, ev->data.p, ev->data.len);
    e->data[ev->data.len] = 0;
    e->binary = ev->binary;
    e->code = ev->code;
    e->remote = ev->remote;
    e->http_status = ev->http_status;
    copy_span(e->path, sizeof e->path, ev->path);
    copy_span(e->host, sizeof e->host, ev->host);
    copy_span(e->origin, sizeof e->origin, ev->origin);
    if (r->try_feed)
        r->feed_in_callback = sipua__ws_feed(r->ws, (const uint8_t *)"x", 1);
    if (r->echo && ev->kind == SIPUA__WS_EV_MESSAGE)
        assert_int_equal(
            sipua__ws_send(r->ws, ev->binary, (const uint8_t *)ev->data.p, ev->data.len), SIPUA_OK);
}

static void rec_random(void *user, uint8_t *out, size_t len)
{
    rec *r = user;
    for (size_t i = 0; i < len; i++)
        out[i] = r->rand_bytes ? r->rand_bytes[r->rand_pos++ % r->rand_len] : 0;
}

static const sipua__ws_callbacks rec_callbacks = {rec_send, rec_event_cb, rec_random};

static void rec_clear(rec *r)
{
    for (size_t i = 0; i < r->n_ev; i++)
        free(r->ev[i].data);
    r->n_ev = 0;
    r->out_len = 0;
}

static void rec_done(rec *r)
{
    rec_clear(r);
    free(r->out);
    sipua__ws_free(r->ws);
    memset(r, 0, sizeof *r);
}

/* An object in the given role; a server is past its handshake when open is
 * set (the upgrade is tested on its own below), a client too. */
static void rec_init(rec *r, sipua__ws_role role, const sipua__ws_opts *opts, int open);

#define UPGRADE_REQUEST                                                                            \
    "GET /chat HTTP/1.1\r\n"                                                                       \
    "Host: server.example.com\r\n"                                                                 \
    "Upgrade: websocket\r\n"                                                                       \
    "Connection: Upgrade\r\n"                                                                      \
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"                                              \
    "Origin: http://example.com\r\n"                                                               \
    "Sec-WebSocket-Protocol: sip\r\n"                                                              \
    "Sec-WebSocket-Version: 13\r\n"                                                                \
    "\r\n"

#define UPGRADE_RESPONSE                                                                           \
    "HTTP/1.1 101 Switching Protocols\r\n"                                                         \
    "Upgrade: websocket\r\n"                                                                       \
    "Connection: Upgrade\r\n"                                                                      \
    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"                                       \
    "Sec-WebSocket-Protocol: sip\r\n"                                                              \
    "\r\n"

/* The nonce of RFC 6455 1.3, whose base64 is dGhlIHNhbXBsZSBub25jZQ==. */
static const uint8_t sample_nonce[16] = "the sample nonce";

static int feed(rec *r, const void *data, size_t len)
{
    return sipua__ws_feed(r->ws, data, len);
}

static int feed_str(rec *r, const char *s)
{
    return feed(r, s, strlen(s));
}

static void rec_init(rec *r, sipua__ws_role role, const sipua__ws_opts *opts, int open)
{
    memset(r, 0, sizeof *r);
    r->ws = sipua__ws_new(role, opts, &rec_callbacks, r, NULL);
    assert_non_null(r->ws);
    if (!open)
        return;
    if (role == SIPUA__WS_SERVER) {
        assert_int_equal(feed_str(r, UPGRADE_REQUEST), SIPUA_OK);
    } else {
        r->rand_bytes = sample_nonce;
        r->rand_len = sizeof sample_nonce;
        assert_int_equal(sipua__ws_client_start(r->ws, span("server.example.com"), span("/chat"),
                                                span("http://example.com")),
                         SIPUA_OK);
        assert_int_equal(feed_str(r, UPGRADE_RESPONSE), SIPUA_OK);
        r->rand_bytes = NULL;
        r->rand_pos = 0;
    }
    assert_int_equal(r->n_ev, 1);
    assert_int_equal(r->ev[0].kind, SIPUA__WS_EV_OPEN);
    assert_true(sipua__ws_is_open(r->ws));
    rec_clear(r);
}

static void assert_out(const rec *r, const void *want, size_t len)
{
    assert_int_equal(r->out_len, len);
    assert_memory_equal(r->out, want, len);
}

/* The connection was failed with this code: one CLOSED event, a close frame
 * with the code sent (unmasked: we are the server in these tests), and the
 * object refuses further bytes. */
static void assert_failed(rec *r, uint16_t code)
{
    assert_int_equal(r->n_ev, 1);
    assert_int_equal(r->ev[0].kind, SIPUA__WS_EV_CLOSED);
    assert_int_equal(r->ev[0].code, code);
    assert_int_equal(r->ev[0].remote, 0);
    assert_true(r->out_len >= 4);
    assert_int_equal(r->out[0], 0x88);
    assert_int_equal(r->out[1], r->out_len - 2);
    assert_int_equal(r->out[2] << 8 | r->out[3], code);
    assert_true(sipua__ws_is_closed(r->ws));
    assert_int_equal(feed(r, "\x81\x80", 2), SIPUA_ESTATE);
    assert_int_equal(r->n_ev, 1);
}

/* Masks a payload with the RFC 6455 5.7 key, as a client would. */
static const uint8_t rfc_mask[4] = {0x37, 0xfa, 0x21, 0x3d};

static size_t masked_frame(uint8_t *out, size_t cap, int fin, int op, const void *p, size_t n)
{
    int w = sipua__ws_frame_encode(out, cap, fin, op, rfc_mask, p, n);
    assert_true(w > 0);
    return (size_t)w;
}

/* ------------------------------------------------------------------ */
/* RFC 6455 5.7, the examples                                          */

/* Feeds two segments to an open object in the role; expects one text
 * message, want, and nothing sent. */
static void expect_text(sipua__ws_role role, const char *a, size_t an, const char *b, size_t bn,
                        const char *want)
{
    rec r;
    rec_init(&r, role, NULL, 1);
    assert_int_equal(feed(&r, a, an), SIPUA_OK);
    assert_int_equal(r.n_ev, 0);
    assert_int_equal(feed(&r, b, bn), SIPUA_OK);
    assert_int_equal(r.n_ev, 1);
    assert_int_equal(r.ev[0].kind, SIPUA__WS_EV_MESSAGE);
    assert_string_equal(r.ev[0].data, want);
    assert_int_equal(r.ev[0].binary, 0);
    assert_int_equal(r.out_len, 0);
    rec_done(&r);
}

static void test_5_7_single_frame_unmasked_text(void **state)
{
    (void)state;
    expect_text(SIPUA__WS_CLIENT, "", 0, "\x81\x05\x48\x65\x6c\x6c\x6f", 7, "Hello");
}

static void test_5_7_single_frame_masked_text(void **state)
{
    (void)state;
    expect_text(SIPUA__WS_SERVER, "", 0, "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58", 11,
                "Hello");
}

static void test_5_7_fragmented_unmasked_text(void **state)
{
    (void)state;
    expect_text(SIPUA__WS_CLIENT, "\x01\x03\x48\x65\x6c", 5, "\x80\x02\x6c\x6f", 4, "Hello");
}

/* A ping "Hello" from the server; the client's pong is the masked example
 * when its masking key is the example's. */
static void test_5_7_ping_gets_masked_pong(void **state)
{
    (void)state;
    rec r;
    rec_init(&r, SIPUA__WS_CLIENT, NULL, 1);
    r.rand_bytes = rfc_mask;
    r.rand_len = 4;
    assert_int_equal(feed(&r, "\x89\x05\x48\x65\x6c\x6c\x6f", 7), SIPUA_OK);
    assert_int_equal(r.n_ev, 0);
    assert_out(&r, "\x8a\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58", 11);
    rec_done(&r);
}

static void test_5_7_server_ping_and_pong_event(void **state)
{
    (void)state;
    rec r;
    rec_init(&r, SIPUA__WS_SERVER, NULL, 1);
    uint8_t f[32];
    size_t n = masked_frame(f, sizeof f, 1, SIPUA__WS_OP_PING, "Hello", 5);
    assert_int_equal(feed(&r, f, n), SIPUA_OK);
    assert_out(&r, "\x8a\x05Hello", 7);
    n = masked_frame(f, sizeof f, 1, SIPUA__WS_OP_PONG, "abc", 3);
    assert_int_equal(feed(&r, f, n), SIPUA_OK);
    assert_int_equal(r.n_ev, 1);
    assert_int_equal(r.ev[0].kind, SIPUA__WS_EV_PONG);
    assert_string_equal(r.ev[0].data, "abc");
    assert_int_equal(sipua__ws_ping(r.ws, (const uint8_t *)"p", 1), SIPUA_OK);
    assert_out(&r, "\x8a\x05Hello\x89\x01p", 10);
    rec_done(&r);
}

static void check_binary_of_length(size_t len, const uint8_t *hdr, size_t hdr_len)
{
    rec r;
    rec_init(&r, SIPUA__WS_CLIENT, NULL, 1);
    uint8_t *frame = malloc(hdr_len + len);
    assert_non_null(frame);
    memcpy(frame, hdr, hdr_len);
    for (size_t i = 0; i < len; i++)
        frame[hdr_len + i] = (uint8_t)(i * 7);
    assert_int_equal(feed(&r, frame, hdr_len + len), SIPUA_OK);
    assert_int_equal(r.n_ev, 1);
    assert_int_equal(r.ev[0].kind, SIPUA__WS_EV_MESSAGE);
    assert_int_equal(r.ev[0].binary, 1);
    assert_int_equal(r.ev[0].len, len);
    assert_memory_equal(r.ev[0].data, frame + hdr_len, len);
    /* and the encoder writes the same header */
    uint8_t *enc = malloc(hdr_len + len);
    assert_non_null(enc);
    assert_int_equal(sipua__ws_frame_encode(enc, hdr_len + len, 1, SIPUA__WS_OP_BINARY, NULL,
                                            frame + hdr_len, len),
                     (int)(hdr_len + len));
    assert_memory_equal(enc, frame, hdr_len + len);
    assert_int_equal(sipua__ws_frame_encode(enc, hdr_len + len - 1, 1, SIPUA__WS_OP_BINARY, NULL,
                                            frame + hdr_len, len),
                     SIPUA_ENOSPC);
    free(enc);
    free(frame);
    rec_done(&r);
}

static void test_5_7_binary_256_bytes_16_bit_length(void **state)
{
    (void)state;
    check_binary_of_length(256, (const uint8_t *)"\x82\x7E\x01\x00", 4);
    check_binary_of_length(126, (const uint8_t *)"\x82\x7E\x00\x7E", 4);
    check_binary_of_length(125, (const uint8_t *)"\x82\x7D", 2);
    check_binary_of_length(65535, (const uint8_t *)"\x82\x7E\xFF\xFF", 4);
}

static void test_5_7_binary_64_kib_64_bit_length(void **state)
{
    (void)state;
    check_binary_of_length(65536, (const uint8_t *)"\x82\x7F\x00\x00\x00\x00\x00\x01\x00\x00", 10);
}

static void test_5_2_longer_length_form_accepted(void **state)
{
    (void)state;
    rec r;
    rec_init(&r, SIPUA__WS_CLIENT, NULL, 1);
    assert_int_equal(feed(&r, "\x81\x7E\x00\x02hi\x81\x7F\0\0\0\0\0\0\0\x02yo", 18), SIPUA_OK);
    assert_int_equal(r.n_ev, 2);
    assert_string_equal(r.ev[0].data, "hi");
    assert_string_equal(r.ev[1].data, "yo");
    rec_done(&r);
}

/* ------------------------------------------------------------------ */
/* Encoder                                                             */

static void test_5_7_encoder_examples(void **state)
{
    (void)state;
    uint8_t out[16];
    assert_int_equal(sipua__ws_frame_encode(out, sizeof out, 1, SIPUA__WS_OP_TEXT, NULL,
                                            (const uint8_t *)"Hello", 5),
                     7);
    assert_memory_equal(out, "\x81\x05Hello", 7);
    assert_int_equal(sipua__ws_frame_encode(out, sizeof out, 1, SIPUA__WS_OP_TEXT, rfc_mask,
                                            (const uint8_t *)"Hello", 5),
                     11);
    assert_memory_equal(out, "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58", 11);
    assert_int_equal(sipua__ws_frame_encode(out, sizeof out, 0, SIPUA__WS_OP_TEXT, NULL,
                                            (const uint8_t *)"Hel", 3),
                     5);
    assert_memory_equal(out, "\x01\x03Hel", 5);

    /* a server sends unmasked, a client masked with the key drawn */
    rec s, c;
    rec_init(&s, SIPUA__WS_SERVER, NULL, 1);
    rec_init(&c, SIPUA__WS_CLIENT, NULL, 1);
    assert_int_equal(sipua__ws_send(s.ws, 0, (const uint8_t *)"Hello", 5), SIPUA_OK);
    assert_out(&s, "\x81\x05Hello", 7);
    c.rand_bytes = rfc_mask;
    c.rand_len = 4;
    assert_int_equal(sipua__ws_send(c.ws, 0, (const uint8_t *)"Hello", 5), SIPUA_OK);
    assert_out(&c, "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58", 11);
    assert_int_equal(sipua__ws_send(c.ws, 1, NULL, 0), SIPUA_OK);
    assert_int_equal(c.out_len, 11 + 6);
    assert_memory_equal(c.out + 11, "\x82\x80", 2);
    assert_int_equal(sipua__ws_send(c.ws, 1, NULL, 3), SIPUA_EINVAL);
    assert_int_equal(sipua__ws_ping(c.ws, c.out, 126), SIPUA_EINVAL);
    rec_done(&s);
    rec_done(&c);
}

/* A large message from a client crosses the encoder's internal buffer. */
static void test_5_3_large_masked_send_decodes(void **state)
{
    (void)state;
    rec s, c;
    rec_init(&s, SIPUA__WS_SERVER, NULL, 1);
    rec_init(&c, SIPUA__WS_CLIENT, NULL, 1);
    static const uint8_t key[4] = {1, 2, 3, 4};
    c.rand_bytes = key;
    c.rand_len = 4;
    size_t n = 5000;
    uint8_t *msg = malloc(n);
    assert_non_null(msg);
    for (size_t i = 0; i < n; i++)
        msg[i] = (uint8_t)(i ^ (i >> 8));
    assert_int_equal(sipua__ws_send(c.ws, 1, msg, n), SIPUA_OK);
    assert_int_equal(c.out_len, 4 + 4 + n);
    assert_int_equal(feed(&s, c.out, c.out_len), SIPUA_OK);
    assert_int_equal(s.n_ev, 1);
    assert_int_equal(s.ev[0].len, n);
    assert_memory_equal(s.ev[0].data, msg, n);
    free(msg);
    rec_done(&s);
    rec_done(&c);
}

/* ------------------------------------------------------------------ */
/* Segmentation                                                        */

/* A client's frame sequence: a fragmented text message with a ping and a
 * pong between its fragments (5.4), an empty continuation, a 256-byte
 * binary message, an empty text message, and a close. */
static size_t build_sequence(uint8_t *seq, size_t cap, uint8_t *big)
{
    size_t n = 0;
    for (int i = 0; i < 256; i++)
        big[i] = (uint8_t)(255 - i);
    n += masked_frame(seq + n, cap - n, 0, SIPUA__WS_OP_TEXT, "OPTIONS sip:", 12);
    n += masked_frame(seq + n, cap - n, 1, SIPUA__WS_OP_PING, "p1", 2);
    n += masked_frame(seq + n, cap - n, 0, SIPUA__WS_OP_CONT, "bob@b.example", 13);
    n += masked_frame(seq + n, cap - n, 1, SIPUA__WS_OP_PONG, "", 0);
    n += masked_frame(seq + n, cap - n, 0, SIPUA__WS_OP_CONT, "", 0);
    n += masked_frame(seq + n, cap - n, 1, SIPUA__WS_OP_CONT, " SIP/2.0\r\n", 10);
    n += masked_frame(seq + n, cap - n, 1, SIPUA__WS_OP_BINARY, big, 256);
    n += masked_frame(seq + n, cap - n, 1, SIPUA__WS_OP_TEXT, "", 0);
    n += masked_frame(seq + n, cap - n, 1, SIPUA__WS_OP_CLOSE, "\x03\xe8the end", 9);
    return n;
}

static void check_sequence_result(rec *r, const uint8_t *big)
{
    assert_int_equal(r->n_ev, 5);
    assert_int_equal(r->ev[0].kind, SIPUA__WS_EV_PONG);
    assert_int_equal(r->ev[0].len, 0);
    assert_int_equal(r->ev[1].kind, SIPUA__WS_EV_MESSAGE);
    assert_string_equal(r->ev[1].data, "OPTIONS sip:bob@b.example SIP/2.0\r\n");
    assert_int_equal(r->ev[1].binary, 0);
    assert_int_equal(r->ev[2].kind, SIPUA__WS_EV_MESSAGE);
    assert_int_equal(r->ev[2].binary, 1);
    assert_int_equal(r->ev[2].len, 256);
    assert_memory_equal(r->ev[2].data, big, 256);
    assert_int_equal(r->ev[3].kind, SIPUA__WS_EV_MESSAGE);
    assert_int_equal(r->ev[3].len, 0);
    assert_int_equal(r->ev[4].kind, SIPUA__WS_EV_CLOSED);
    assert_int_equal(r->ev[4].code, 1000);
    assert_string_equal(r->ev[4].data, "the end");
    assert_int_equal(r->ev[4].remote, 1);
    /* the pong to p1, then the close echoing 1000 */
    assert_out(r, "\x8a\x02p1\x88\x02\x03\xe8", 8);
}

static void test_5_4_every_split_of_a_sequence(void **state)
{
    (void)state;
    uint8_t seq[512], big[256];
    size_t n = build_sequence(seq, sizeof seq, big);
    for (size_t cut = 0; cut <= n; cut++) {
        rec r;
        rec_init(&r, SIPUA__WS_SERVER, NULL, 1);
        assert_int_equal(feed(&r, seq, cut), SIPUA_OK);
        assert_int_equal(feed(&r, seq + cut, n - cut), cut == n ? SIPUA_ESTATE : SIPUA_OK);
        check_sequence_result(&r, big);
        rec_done(&r);
    }
    /* two cuts, every pair over the first 120 bytes: all the headers of the
     * fragmented message and its interleaved control frames */
    for (size_t a = 0; a < 120; a++)
        for (size_t b = a; b < 120; b++) {
            rec r;
            rec_init(&r, SIPUA__WS_SERVER, NULL, 1);
            assert_int_equal(feed(&r, seq, a), SIPUA_OK);
            assert_int_equal(feed(&r, seq + a, b - a), SIPUA_OK);
            assert_int_equal(feed(&r, seq + b, n - b), SIPUA_OK);
            check_sequence_result(&r, big);
            rec_done(&r);
        }
}

static void test_5_4_byte_at_a_time(void **state)
{
    (void)state;
    uint8_t seq[512], big[256];
    size_t n = build_sequence(seq, sizeof seq, big);
    rec r;
    rec_init(&r, SIPUA__WS_SERVER, NULL, 1);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(feed(&r, seq + i, 1), SIPUA_OK);
    check_sequence_result(&r, big);
    rec_done(&r);
}

/* ------------------------------------------------------------------ */
/* Failing the connection (7.1.7) with its code                        */

/* Feeds a server these bytes; expects the connection failed with code. */
static void check_server_fails(const void *bytes, size_t n, uint16_t code, const sipua__ws_opts *o)
{
    rec r;
    rec_init(&r, SIPUA__WS_SERVER, o, 1);
    assert_int_equal(feed(&r, bytes, n), SIPUA_OK);
    assert_failed(&r, code);
    rec_done(&r);
}

static void test_5_2_reserved_bits_fail_1002(void **state)
{
    (void)state;
    check_server_fails("\xC1\x80\0\0\0\0", 6, 1002, NULL);
    check_server_fails("\xA1\x80\0\0\0\0", 6, 1002, NULL);
    check_server_fails("\x91\x80\0\0\0\0", 6, 1002, NULL);
}

static void test_5_2_reserved_opcodes_fail_1002(void **state)
{
    (void)state;
    static const uint8_t ops[] = {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF};
    for (size_t i = 0; i < sizeof ops; i++) {
        uint8_t f[6] = {(uint8_t)(0x80 | ops[i]), 0x80, 0, 0, 0, 0};
        check_server_fails(f, sizeof f, 1002, NULL);
    }
}

static void test_5_5_control_frames_fail_1002(void **state)
{
    (void)state;
    uint8_t f[200];
    /* a fragmented ping */
    size_t n = masked_frame(f, sizeof f, 0, SIPUA__WS_OP_PING, "x", 1);
    check_server_fails(f, n, 1002, NULL);
    /* a close of 126 bytes */
    uint8_t payload[126];
    memset(payload, 'a', sizeof payload);
    payload[0] = 0x03;
    payload[1] = 0xe8;
    n = masked_frame(f, sizeof f, 1, SIPUA__WS_OP_CLOSE, payload, sizeof payload);
    check_server_fails(f, n, 1002, NULL);
    /* a 7-bit length of 126 on a ping is refused before its extended length */
    check_server_fails("\x89\xFE", 2, 1002, NULL);
}

static void test_5_1_masking_rules_fail_1002(void **state)
{
    (void)state;
    /* unmasked frame to a server */
    check_server_fails("\x81\x05Hello", 7, 1002, NULL);
    /* masked frame to a client; its close is masked, so look at it here */
    rec r;
    rec_init(&r, SIPUA__WS_CLIENT, NULL, 1);
    assert_int_equal(feed(&r, "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58", 11), SIPUA_OK);
    assert_int_equal(r.n_ev, 1);
    assert_int_equal(r.ev[0].kind, SIPUA__WS_EV_CLOSED);
    assert_int_equal(r.ev[0].code, 1002);
    assert_int_equal(r.out_len, 2 + 4 + r.out[1] - 0x80);
    assert_int_equal(r.out[0], 0x88);
    assert_true(r.out[1] & 0x80);
    assert_int_equal((r.out[6] ^ r.out[2]) << 8 | (r.out[7] ^ r.out[3]), 1002);
    rec_done(&r);
}

static void test_5_4_fragment_order_fails_1002(void **state)
{
    (void)state;
    uint8_t f[64];
    /* a continuation with nothing to continue */
    size_t n = masked_frame(f, sizeof f, 1, SIPUA__WS_OP_CONT, "x", 1);
    check_server_fails(f, n, 1002, NULL);
    /* a new text message inside a fragmented one */
    n = masked_frame(f, sizeof f, 0, SIPUA__WS_OP_TEXT, "a", 1);
    n += masked_frame(f + n, sizeof f - n, 1, SIPUA__WS_OP_BINARY, "b", 1);
    check_server_fails(f, n, 1002, NULL);
}

static void test_5_2_64_bit_length_top_bit_fails_1002(void **state)
{
    (void)state;
    check_server_fails("\x82\xFF\x80\0\0\0\0\0\0\0\0\0\0\0", 14, 1002, NULL);
}

static void test_7_4_1_too_big_fails_1009(void **state)
{
    (void)state;
    sipua__ws_opts o;
    sipua__ws_opts_init(&o);
    o.max_message = 10;
    uint8_t f[128];
    /* in one frame, refused from its header */
    size_t n = masked_frame(f, sizeof f, 1, SIPUA__WS_OP_TEXT, "0123456789A", 11);
    assert_int_equal(n, 6 + 11);
    check_server_fails(f, 6, 1009, &o);
    /* in fragments, refused once the sum passes the limit */
    n = masked_frame(f, sizeof f, 0, SIPUA__WS_OP_TEXT, "012345", 6);
    n += masked_frame(f + n, sizeof f - n, 1, SIPUA__WS_OP_CONT, "6789A", 5);
    check_server_fails(f, n, 1009, &o);
    /* a huge 64-bit length */
    check_server_fails("\x82\xFF\x00\0\0\x01\0\0\0\0\0\0\0\0", 14, 1009, NULL);
    /* exactly the limit passes */
    rec r;
    rec_init(&r, SIPUA__WS_SERVER, &o, 1);
    n = masked_frame(f, sizeof f, 0, SIPUA__WS_OP_TEXT, "01234", 5);
    n += masked_frame(f + n, sizeof f - n, 1, SIPUA__WS_OP_CONT, "56789", 5);
    assert_int_equal(feed(&r, f, n), SIPUA_OK);
    assert_int_equal(r.n_ev, 1);
    assert_string_equal(r.ev[0].data, "0123456789");
    rec_done(&r);
}

/* A message in many small fragments: the buffer grows by doubling, up to
 * the limit, not once per fragment. */
static void test_5_4_many_fragments_few_allocations(void **state)
{
    (void)state;
    sipua__ws_opts o;
    sipua__ws_opts_init(&o);
    o.max_message = 1000;
    failalloc f;
    failalloc_init(&f, 1000000);
    rec r;
    memset(&r, 0, sizeof r);
    r.ws = sipua__ws_new(SIPUA__WS_SERVER, &o, &rec_callbacks, &r, &f.a);
    assert_non_null(r.ws);
    assert_int_equal(feed_str(&r, UPGRADE_REQUEST), SIPUA_OK);
    rec_clear(&r);
    int before = f.left;
    uint8_t fr[16];
    for (int i = 0; i < 1000; i++) {
        size_t n = masked_frame(fr, sizeof fr, i == 999, i ? SIPUA__WS_OP_CONT : SIPUA__WS_OP_TEXT,
                                "x", 1);
        assert_int_equal(feed(&r, fr, n), SIPUA_OK);
    }
    assert_int_equal(r.n_ev, 1);
    assert_int_equal(r.ev[0].len, 1000);
    assert_true(before - f.left <= 4); /* 256, 512, 1000 */
    rec_done(&r);
    assert_int_equal(f.live, 0);
}

static void test_5_5_1_bad_close_frames(void **state)
{
    (void)state;
    uint8_t f[64];
    size_t n = masked_frame(f, sizeof f, 1, SIPUA__WS_OP_CLOSE, "\x03", 1);
    check_server_fails(f, n, 1002, NULL);
    static const unsigned bad_codes[] = {0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000};
    for (size_t i = 0; i < sizeof bad_codes / sizeof bad_codes[0]; i++) {
        uint8_t p[2] = {(uint8_t)(bad_codes[i] >> 8), (uint8_t)bad_codes[i]};
        n = masked_frame(f, sizeof f, 1, SIPUA__WS_OP_CLOSE, p, 2);
        check_server_fails(f, n, 1002, NULL);
    }
    n = masked_frame(f, sizeof f, 1, SIPUA__WS_OP_CLOSE, "\x03\xe8\xc3\x28", 4);
    check_server_fails(f, n, 1007, NULL);
}

static void test_8_1_utf8_policy(void **state)
{
    (void)state;
    uint8_t f[64];
    size_t n = masked_frame(f, sizeof f, 1, SIPUA__WS_OP_TEXT, "caf\xe9", 4);
    /* tolerated by default: the message goes up as octets */
    rec r;
    rec_init(&r, SIPUA__WS_SERVER, NULL, 1);
    assert_int_equal(feed(&r, f, n), SIPUA_OK);
    assert_int_equal(r.n_ev, 1);
    assert_int_equal(r.ev[0].kind, SIPUA__WS_EV_MESSAGE);
    assert_string_equal(r.ev[0].data, "caf\xe9");
    rec_done(&r);
    /* RFC 6455 8.1 when asked */
    sipua__ws_opts o;
    sipua__ws_opts_init(&o);
    o.check_utf8 = 1;
    check_server_fails(f, n, 1007, &o);
    rec_init(&r, SIPUA__WS_SERVER, &o, 1);
    n = masked_frame(f, sizeof f, 0, SIPUA__WS_OP_TEXT, "caf\xc3", 4);
    n += masked_frame(f + n, sizeof f - n, 1, SIPUA__WS_OP_CONT, "\xa9", 1);
    assert_int_equal(feed(&r, f, n), SIPUA_OK); /* split inside a character */
    assert_int_equal(r.n_ev, 1);
    assert_string_equal(r.ev[0].data, "caf\xc3\xa9");
    rec_done(&r);
    /* binary messages are never checked */
    rec_init(&r, SIPUA__WS_SERVER, &o, 1);
    n = masked_frame(f, sizeof f, 1, SIPUA__WS_OP_BINARY, "\xff", 1);
    assert_int_equal(feed(&r, f, n), SIPUA_OK);
    assert_int_equal(r.ev[0].kind, SIPUA__WS_EV_MESSAGE);
    rec_done(&r);
}

static void test_rfc3629_utf8_validator(void **state)
{
    (void)state;
    static const char *const good[] = {"",
                                       "abc",
                                       "\xc2\x80",
                                       "\xdf\xbf",
                                       "\xe0\xa0\x80",
                                       "\xed\x9f\xbf",
                                       "\xef\xbf\xbf",
                                       "\xf0\x90\x80\x80",
                                       "\xf4\x8f\xbf\xbf",
                                       "\xce\xba\xe1\xbd\xb9\xcf\x83"};
    static const char *const bad[] = {
        "\x80",         "\xc0\x80",         "\xc1\xbf",         "\xe0\x9f\xbf",
        "\xed\xa0\x80", "\xf0\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80",
        "\xc2",         "\xe1\x80",         "\xe1\x80\x41",     "\xff"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_true(sipua__utf8_valid((const uint8_t *)good[i], strlen(good[i])));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(sipua__utf8_valid((const uint8_t *)bad[i], strlen(bad[i])));
}

/* ------------------------------------------------------------------ */
/* The closing handshake (7.1)                                         */

static void test_7_1_peer_closes_first(void **state)
{
    (void)state;
    rec r;
    rec_init(&r, SIPUA__WS_SERVER, NULL, 1);
    uint8_t f[32];
    size_t n = masked_frame(f, sizeof f, 1, SIPUA__WS_OP_CLOSE, "\x03\xe9gone", 6);
    assert_int_equal(feed(&r, f, n), SIPUA_OK);
    assert_int_equal(r.n_ev, 1);
    assert_int_equal(r.ev[0].code, 1001);
    assert_int_equal(r.ev[0].remote, 1);
    assert_string_equal(r.ev[0].data, "gone");
    assert_out(&r, "\x88\x02\x03\xe9", 4);
    assert_int_equal(sipua__ws_send(r.ws, 0, (const uint8_t *)"x", 1), SIPUA_ESTATE);
    rec_done(&r);

    /* an empty close is answered with an empty close, code 1005 */
    rec_init(&r, SIPUA__WS_SERVER, NULL, 1);
    n = masked_frame(f, sizeof f, 1, SIPUA__WS_OP_CLOSE, "", 0);
    assert_int_equal(feed(&r, f, n), SIPUA_OK);
    assert_int_equal(r.ev[0].code, 1005);
    assert_out(&r, "\x88\x00", 2);
    rec_done(&r);
}

static void test_7_1_we_close_first(void **state)
{
    (void)state;
    rec r;
    rec_init(&r, SIPUA__WS_SERVER, NULL, 1);
    assert_int_equal(sipua__ws_close(r.ws, 1000, span("bye")), SIPUA_OK);
    assert_out(&r,
               "\x88\x05\x03\xe8"
               "bye",
               7);
    assert_int_equal(sipua__ws_close(r.ws, 1000, span("")), SIPUA_ESTATE);
    assert_int_equal(sipua__ws_send(r.ws, 0, (const uint8_t *)"x", 1), SIPUA_ESTATE);
    assert_int_equal(sipua__ws_ping(r.ws, NULL, 0), SIPUA_ESTATE);
    /* data still arrives; a ping gets no pong after our close */
    uint8_t f[64];
    size_t n = masked_frame(f, sizeof f, 1, SIPUA__WS_OP_TEXT, "late", 4);
    n += masked_frame(f + n, sizeof f - n, 1, SIPUA__WS_OP_PING, "", 0);
    n += masked_frame(f + n, sizeof f - n, 1, SIPUA__WS_OP_CLOSE, "\x03\xe8", 2);
    assert_int_equal(feed(&r, f, n), SIPUA_OK);
    assert_int_equal(r.n_ev, 2);
    assert_string_equal(r.ev[0].data, "late");
    assert_int_equal(r.ev[1].kind, SIPUA__WS_EV_CLOSED);
    assert_int_equal(r.ev[1].code, 1000);
    assert_int_equal(r.ev[1].remote, 0);
    assert_int_equal(r.out_len, 7);
    rec_done(&r);
}

static void test_7_4_close_codes_we_send(void **state)
{
    (void)state;
    rec r;
    rec_init(&r, SIPUA__WS_SERVER, NULL, 1);
    static const uint16_t bad[] = {0, 999, 1004, 1005, 1006, 1015, 2000, 5000};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(sipua__ws_close(r.ws, bad[i], span("")), SIPUA_EINVAL);
    char reason[125];
    memset(reason, 'r', sizeof reason);
    sipua_str too_long = {reason, 124};
    assert_int_equal(sipua__ws_close(r.ws, 1000, too_long), SIPUA_EINVAL);
    too_long.len = 123;
    assert_int_equal(sipua__ws_close(r.ws, 4000, too_long), SIPUA_OK);
    assert_int_equal(r.out_len, 2 + 2 + 123);
    rec_done(&r);
}

/* ------------------------------------------------------------------ */
/* Callbacks                                                           */

static void test_feed_refused_inside_callback_send_allowed(void **state)
{
    (void)state;
    rec r;
    rec_init(&r, SIPUA__WS_SERVER, NULL, 1);
    r.try_feed = 1;
    r.echo = 1;
    r.feed_in_callback = 1;
    uint8_t f[32];
    size_t n = masked_frame(f, sizeof f, 1, SIPUA__WS_OP_TEXT, "Hello", 5);
    assert_int_equal(feed(&r, f, n), SIPUA_OK);
    assert_int_equal(r.feed_in_callback, SIPUA_ESTATE);
    assert_out(&r, "\x81\x05Hello", 7);
    rec_done(&r);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    sipua__ws_callbacks cb = rec_callbacks;
    cb.random = NULL;
    assert_null(sipua__ws_new(SIPUA__WS_SERVER, NULL, &cb, NULL, NULL));
    assert_null(sipua__ws_new((sipua__ws_role)0, NULL, &rec_callbacks, NULL, NULL));
    assert_int_equal(sipua__ws_feed(NULL, NULL, 0), SIPUA_EINVAL);
    rec r;
    rec_init(&r, SIPUA__WS_CLIENT, NULL, 0);
    /* a client feeds nothing before it sent its request */
    assert_int_equal(feed(&r, "x", 1), SIPUA_ESTATE);
    assert_int_equal(sipua__ws_send(r.ws, 0, (const uint8_t *)"x", 1), SIPUA_ESTATE);
    assert_int_equal(sipua__ws_client_start(r.ws, span(""), span("/"), (sipua_str){NULL, 0}),
                     SIPUA_EINVAL);
    assert_int_equal(sipua__ws_client_start(r.ws, span("h"), span("x"), (sipua_str){NULL, 0}),
                     SIPUA_EINVAL);
    assert_int_equal(
        sipua__ws_client_start(r.ws, span("h\r\nX: y"), span("/"), (sipua_str){NULL, 0}),
        SIPUA_EINVAL);
    assert_int_equal(sipua__ws_client_start(r.ws, span("h"), span("/a b"), (sipua_str){NULL, 0}),
                     SIPUA_EINVAL);
    assert_int_equal(sipua__ws_client_start(r.ws, span("h"), span("/"), span("o\n")), SIPUA_EINVAL);
    assert_int_equal(r.out_len, 0);
    assert_int_equal(sipua__ws_client_start(r.ws, span("h"), span("/"), (sipua_str){NULL, 0}),
                     SIPUA_OK);
    assert_int_equal(sipua__ws_client_start(r.ws, span("h"), span("/"), (sipua_str){NULL, 0}),
                     SIPUA_ESTATE);
    rec_done(&r);
    rec_init(&r, SIPUA__WS_SERVER, NULL, 0);
    assert_int_equal(sipua__ws_client_start(r.ws, span("h"), span("/"), (sipua_str){NULL, 0}),
                     SIPUA_ESTATE);
    rec_done(&r);
}

/* ------------------------------------------------------------------ */
/* Opening handshake, server (RFC 6455 4.2, RFC 7118 4)                */

static void test_4_2_server_accepts_at_every_split(void **state)
{
    (void)state;
    const char *req = UPGRADE_REQUEST;
    size_t n = strlen(req);
    for (size_t cut = 0; cut <= n; cut++) {
        rec r;
        rec_init(&r, SIPUA__WS_SERVER, NULL, 0);
        assert_int_equal(feed(&r, req, cut), SIPUA_OK);
        assert_int_equal(r.n_ev, cut == n);
        assert_int_equal(feed(&r, req + cut, n - cut), SIPUA_OK);
        assert_int_equal(r.n_ev, 1);
        assert_int_equal(r.ev[0].kind, SIPUA__WS_EV_OPEN);
        assert_string_equal(r.ev[0].path, "/chat");
        assert_string_equal(r.ev[0].host, "server.example.com");
        assert_string_equal(r.ev[0].origin, "http://example.com");
        assert_out(&r, UPGRADE_RESPONSE, strlen(UPGRADE_RESPONSE));
        rec_done(&r);
    }
}

static void test_4_2_frames_right_after_the_request(void **state)
{
    (void)state;
    uint8_t buf[512];
    size_t n = strlen(UPGRADE_REQUEST);
    memcpy(buf, UPGRADE_REQUEST, n);
    n += masked_frame(buf + n, sizeof buf - n, 1, SIPUA__WS_OP_TEXT, "Hello", 5);
    rec r;
    rec_init(&r, SIPUA__WS_SERVER, NULL, 0);
    assert_int_equal(feed(&r, buf, n), SIPUA_OK);
    assert_int_equal(r.n_ev, 2);
    assert_int_equal(r.ev[0].kind, SIPUA__WS_EV_OPEN);
    assert_string_equal(r.ev[1].data, "Hello");
    rec_done(&r);
}

static void test_4_2_1_tokens_lists_and_case(void **state)
{
    (void)state;
    const char *req = "GET /ws?x=1 HTTP/1.1\r\n"
                      "host: proxy.example:8443\r\n"
                      "UPGRADE: WebSocket\r\n"
                      "Connection: keep-alive, UPGRADE\r\n"
                      "Sec-WebSocket-Protocol: xmpp, sip\r\n"
                      "Sec-WebSocket-Key:dGhlIHNhbXBsZSBub25jZQ==  \r\n"
                      "Sec-WebSocket-Version: 13\r\n"
                      "Sec-WebSocket-Extensions: permessage-deflate\r\n"
                      "\r\n";
    rec r;
    rec_init(&r, SIPUA__WS_SERVER, NULL, 0);
    assert_int_equal(feed_str(&r, req), SIPUA_OK);
    assert_int_equal(r.n_ev, 1);
    assert_int_equal(r.ev[0].kind, SIPUA__WS_EV_OPEN);
    assert_string_equal(r.ev[0].path, "/ws?x=1");
    assert_string_equal(r.ev[0].origin, "");
    /* no extension is accepted: the answer is the plain 101 */
    assert_out(&r, UPGRADE_RESPONSE, strlen(UPGRADE_RESPONSE));
    rec_done(&r);
}

/* The sample request with one line replaced (or removed when with is ""). */
static char *request_with(const char *line, const char *with)
{
    const char *req = UPGRADE_REQUEST;
    const char *at = strstr(req, line);
    assert_non_null(at);
    size_t pre = (size_t)(at - req), ll = strlen(line), wl = strlen(with);
    char *s = malloc(strlen(req) - ll + wl + 1);
    assert_non_null(s);
    memcpy(s, req, pre);
    memcpy(s + pre, with, wl);
    strcpy(s + pre + wl, at + ll);
    return s;
}

static void check_refused(const char *req, int status, const char *reason)
{
    rec r;
    rec_init(&r, SIPUA__WS_SERVER, NULL, 0);
    assert_int_equal(feed_str(&r, req), SIPUA_OK);
    assert_int_equal(r.n_ev, 1);
    assert_int_equal(r.ev[0].kind, SIPUA__WS_EV_CLOSED);
    assert_int_equal(r.ev[0].code, 1006);
    assert_int_equal(r.ev[0].http_status, status);
    if (!strstr(r.ev[0].data, reason))
        fail_msg("reason \"%s\" does not say \"%s\"", r.ev[0].data, reason);
    rec_send(&r, (const uint8_t *)"", 1); /* NUL-terminate the output */
    const char *out = (const char *)r.out;
    char status_line[40];
    snprintf(status_line, sizeof status_line, "HTTP/1.1 %d ", status);
    assert_true(strncmp(out, status_line, strlen(status_line)) == 0);
    assert_non_null(strstr(out, "\r\nConnection: close\r\n"));
    const char *body = strstr(out, "\r\n\r\n");
    assert_non_null(body);
    assert_non_null(strstr(body, reason));
    if (status == 426)
        assert_non_null(strstr(out, "\r\nSec-WebSocket-Version: 13\r\n"));
    assert_int_equal(feed_str(&r, "more"), SIPUA_ESTATE);
    rec_done(&r);
}

static void check_refused_with(const char *line, const char *with, int status, const char *reason)
{
    char *req = request_with(line, with);
    check_refused(req, status, reason);
    free(req);
}

static void test_7118_4_no_sip_subprotocol_refused(void **state)
{
    (void)state;
    check_refused_with("Sec-WebSocket-Protocol: sip\r\n", "", 400, "sip");
    check_refused_with("Sec-WebSocket-Protocol: sip\r\n", "Sec-WebSocket-Protocol: xmpp\r\n", 400,
                       "sip");
    /* subprotocol names are compared exactly */
    check_refused_with("Sec-WebSocket-Protocol: sip\r\n", "Sec-WebSocket-Protocol: SIP\r\n", 400,
                       "sip");
    check_refused_with("Sec-WebSocket-Protocol: sip\r\n", "Sec-WebSocket-Protocol: sips\r\n", 400,
                       "sip");
}

static void test_4_2_1_bad_requests_refused(void **state)
{
    (void)state;
    check_refused_with("GET /chat HTTP/1.1", "POST /chat HTTP/1.1", 400, "GET");
    check_refused_with("GET /chat HTTP/1.1", "GET /chat HTTP/1.0", 400, "version");
    check_refused_with("GET /chat HTTP/1.1", "GET chat HTTP/1.1", 400, "path");
    check_refused_with("GET /chat HTTP/1.1", "GET  HTTP/1.1", 400, "start line");
    check_refused_with("Host: server.example.com\r\n", "", 400, "Host");
    check_refused_with("Host: server.example.com\r\n", "Host: a\r\nHost: b\r\n", 400, "Host");
    check_refused_with("Upgrade: websocket\r\n", "", 426, "WebSocket");
    check_refused_with("Upgrade: websocket\r\n", "Upgrade: h2c\r\n", 426, "WebSocket");
    check_refused_with("Connection: Upgrade\r\n", "Connection: keep-alive\r\n", 400, "Connection");
    check_refused_with("Sec-WebSocket-Version: 13\r\n", "Sec-WebSocket-Version: 8\r\n", 426, "13");
    check_refused_with("Sec-WebSocket-Version: 13\r\n", "", 426, "13");
    check_refused_with("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", "", 400, "Key");
    check_refused_with("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n",
                       "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ\r\n", 400, "Key");
    check_refused_with("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n",
                       "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZSE=\r\n", 400, "Key");
    check_refused_with("Origin: http://example.com\r\n", "Origin: x\r\n  folded\r\n", 400,
                       "folded");
    check_refused_with("Origin: http://example.com\r\n", "Origin : x\r\n", 400, "malformed");
    check_refused_with("Origin: http://example.com\r\n", "Origin x\r\n", 400, "malformed");
    check_refused_with("Origin: http://example.com\r\n", "Origin: a\rb\r\n", 400, "control");
    check_refused_with("Origin: http://example.com\r\n", "Origin: a\nb\r\n", 400, "control");
    check_refused_with("Origin: http://example.com\r\n", "Origin: a\x7f\r\n", 400, "control");
}

static void test_4_2_head_too_large_or_too_many_fields(void **state)
{
    (void)state;
    sipua__ws_opts o;
    sipua__ws_opts_init(&o);
    o.max_handshake = 100;
    rec r;
    rec_init(&r, SIPUA__WS_SERVER, &o, 0);
    char junk[60];
    memset(junk, 'a', sizeof junk);
    assert_int_equal(feed(&r, junk, sizeof junk), SIPUA_OK);
    assert_int_equal(r.n_ev, 0);
    assert_int_equal(feed(&r, junk, sizeof junk), SIPUA_OK);
    assert_int_equal(r.n_ev, 1);
    assert_int_equal(r.ev[0].http_status, 400);
    assert_non_null(strstr(r.ev[0].data, "too large"));
    rec_done(&r);

    char many[4096] = "";
    for (int i = 0; i < 65; i++)
        strcat(many, "X-A: b\r\n");
    char *req = request_with("Origin: http://example.com\r\n", many);
    check_refused(req, 400, "too many");
    free(req);
}

/* ------------------------------------------------------------------ */
/* Opening handshake, client (RFC 6455 4.1)                            */

#define CLIENT_REQUEST                                                                             \
    "GET /chat HTTP/1.1\r\n"                                                                       \
    "Host: server.example.com\r\n"                                                                 \
    "Upgrade: websocket\r\n"                                                                       \
    "Connection: Upgrade\r\n"                                                                      \
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"                                              \
    "Sec-WebSocket-Version: 13\r\n"                                                                \
    "Sec-WebSocket-Protocol: sip\r\n"                                                              \
    "Origin: http://example.com\r\n"                                                               \
    "\r\n"

static void start_client(rec *r)
{
    rec_init(r, SIPUA__WS_CLIENT, NULL, 0);
    r->rand_bytes = sample_nonce;
    r->rand_len = sizeof sample_nonce;
    assert_int_equal(sipua__ws_client_start(r->ws, span("server.example.com"), span("/chat"),
                                            span("http://example.com")),
                     SIPUA_OK);
    assert_out(r, CLIENT_REQUEST, strlen(CLIENT_REQUEST));
    r->out_len = 0;
    r->rand_bytes = NULL;
}

static void test_4_1_client_request_and_101_at_every_split(void **state)
{
    (void)state;
    uint8_t buf[512];
    size_t n = strlen(UPGRADE_RESPONSE);
    memcpy(buf, UPGRADE_RESPONSE, n);
    n += (size_t)sipua__ws_frame_encode(buf + n, sizeof buf - n, 1, SIPUA__WS_OP_TEXT, NULL,
                                        (const uint8_t *)"Hello", 5);
    for (size_t cut = 0; cut <= n; cut++) {
        rec r;
        start_client(&r);
        assert_int_equal(feed(&r, buf, cut), SIPUA_OK);
        assert_int_equal(feed(&r, buf + cut, n - cut), SIPUA_OK);
        assert_int_equal(r.n_ev, 2);
        assert_int_equal(r.ev[0].kind, SIPUA__WS_EV_OPEN);
        assert_string_equal(r.ev[1].data, "Hello");
        assert_int_equal(r.out_len, 0);
        rec_done(&r);
    }
    /* without an Origin */
    rec r;
    rec_init(&r, SIPUA__WS_CLIENT, NULL, 0);
    assert_int_equal(sipua__ws_client_start(r.ws, span("h"), span("/"), (sipua_str){NULL, 0}),
                     SIPUA_OK);
    rec_send(&r, (const uint8_t *)"", 1);
    assert_null(strstr((const char *)r.out, "Origin"));
    rec_done(&r);
}

/* The sample 101 with one line replaced. */
static void check_client_refuses(const char *line, const char *with, int status, const char *reason)
{
    const char *resp = UPGRADE_RESPONSE;
    const char *at = strstr(resp, line);
    assert_non_null(at);
    char buf[1024];
    snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - resp), resp, with, at + strlen(line));
    rec r;
    start_client(&r);
    assert_int_equal(feed_str(&r, buf), SIPUA_OK);
    assert_int_equal(r.n_ev, 1);
    assert_int_equal(r.ev[0].kind, SIPUA__WS_EV_CLOSED);
    assert_int_equal(r.ev[0].code, 1006);
    assert_int_equal(r.ev[0].http_status, status);
    if (!strstr(r.ev[0].data, reason))
        fail_msg("reason \"%s\" does not say \"%s\"", r.ev[0].data, reason);
    assert_int_equal(r.out_len, 0);
    rec_done(&r);
}

static void test_4_1_client_refuses_bad_answers(void **state)
{
    (void)state;
    check_client_refuses("HTTP/1.1 101 Switching Protocols", "HTTP/1.1 200 OK", 200, "refused");
    check_client_refuses("HTTP/1.1 101 Switching Protocols", "HTTP/1.1 400 Bad Request", 400,
                         "refused");
    check_client_refuses("HTTP/1.1 101 Switching Protocols", "HTTP/1.1 1O1 x", 0, "status");
    check_client_refuses("HTTP/1.1 101 Switching Protocols", "HTTP/1.0 101 x", 0, "status");
    check_client_refuses("Upgrade: websocket\r\n", "", 101, "Upgrade");
    check_client_refuses("Connection: Upgrade\r\n", "Connection: close\r\n", 101, "Connection");
    check_client_refuses("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "s3pPLMBiTxaQ9kYGzzhZRbK+xOO=", 101,
                         "Accept");
    check_client_refuses("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n", "", 101,
                         "Accept");
    check_client_refuses("Sec-WebSocket-Protocol: sip\r\n", "", 101, "sip");
    check_client_refuses("Sec-WebSocket-Protocol: sip\r\n", "Sec-WebSocket-Protocol: xmpp\r\n", 101,
                         "sip");
    check_client_refuses("Sec-WebSocket-Protocol: sip\r\n",
                         "Sec-WebSocket-Protocol: sip\r\nSec-WebSocket-Extensions: x\r\n", 101,
                         "extension");
}

static void test_4_1_client_accepts_token_lists_and_case(void **state)
{
    (void)state;
    rec r;
    start_client(&r);
    assert_int_equal(feed_str(&r, "HTTP/1.1 101 Switching Protocols\r\n"
                                  "upgrade: WEBSOCKET\r\n"
                                  "connection: keep-alive,upgrade\r\n"
                                  "sec-websocket-accept:   s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
                                  "SEC-WEBSOCKET-PROTOCOL: sip\r\n"
                                  "Server: test\r\n"
                                  "\r\n"),
                     SIPUA_OK);
    assert_int_equal(r.n_ev, 1);
    assert_int_equal(r.ev[0].kind, SIPUA__WS_EV_OPEN);
    rec_done(&r);
}

/* ------------------------------------------------------------------ */
/* Both ends together                                                  */

static void test_client_and_server_talk(void **state)
{
    (void)state;
    static const uint8_t seed[7] = {9, 8, 7, 6, 5, 4, 3};
    rec c, s;
    rec_init(&c, SIPUA__WS_CLIENT, NULL, 0);
    rec_init(&s, SIPUA__WS_SERVER, NULL, 0);
    c.rand_bytes = seed;
    c.rand_len = sizeof seed;
    assert_int_equal(
        sipua__ws_client_start(c.ws, span("sip.example.net"), span("/"), (sipua_str){NULL, 0}),
        SIPUA_OK);
    assert_int_equal(feed(&s, c.out, c.out_len), SIPUA_OK);
    assert_int_equal(feed(&c, s.out, s.out_len), SIPUA_OK);
    assert_int_equal(c.ev[0].kind, SIPUA__WS_EV_OPEN);
    assert_int_equal(s.ev[0].kind, SIPUA__WS_EV_OPEN);
    rec_clear(&c);
    rec_clear(&s);
    s.echo = 1;
    static const size_t sizes[] = {0, 1, 125, 126, 1000, 65535, 65536};
    uint8_t *msg = malloc(65536);
    assert_non_null(msg);
    for (size_t i = 0; i < 65536; i++)
        msg[i] = (uint8_t)(i * 31 + 7);
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        assert_int_equal(sipua__ws_send(c.ws, (int)(k & 1), msg, sizes[k]), SIPUA_OK);
        assert_int_equal(feed(&s, c.out, c.out_len), SIPUA_OK);
        assert_int_equal(feed(&c, s.out, s.out_len), SIPUA_OK);
        assert_int_equal(c.n_ev, 1);
        assert_int_equal(c.ev[0].len, sizes[k]);
        assert_int_equal(c.ev[0].binary, (int)(k & 1));
        assert_memory_equal(c.ev[0].data, msg, sizes[k]);
        rec_clear(&c);
        rec_clear(&s);
    }
    free(msg);
    assert_int_equal(sipua__ws_close(c.ws, 1000, span("done")), SIPUA_OK);
    assert_int_equal(feed(&s, c.out, c.out_len), SIPUA_OK);
    assert_int_equal(feed(&c, s.out, s.out_len), SIPUA_OK);
    assert_int_equal(s.ev[0].kind, SIPUA__WS_EV_CLOSED);
    assert_int_equal(s.ev[0].remote, 1);
    assert_int_equal(c.ev[0].kind, SIPUA__WS_EV_CLOSED);
    assert_int_equal(c.ev[0].remote, 0);
    assert_int_equal(c.ev[0].code, 1000);
    rec_done(&c);
    rec_done(&s);
}

/* ------------------------------------------------------------------ */
/* Allocation failure                                                  */

static void test_allocation_failure_at_every_step(void **state)
{
    (void)state;
    uint8_t frames[128];
    size_t n = masked_frame(frames, sizeof frames, 0, SIPUA__WS_OP_TEXT, "abc", 3);
    n += masked_frame(frames + n, sizeof frames - n, 1, SIPUA__WS_OP_CONT, "def", 3);
    int completed = 0;
    for (int budget = 0; budget < 10 && !completed; budget++) {
        failalloc f;
        failalloc_init(&f, budget);
        rec r;
        memset(&r, 0, sizeof r);
        r.ws = sipua__ws_new(SIPUA__WS_SERVER, NULL, &rec_callbacks, &r, &f.a);
        if (r.ws) {
            assert_int_equal(feed_str(&r, UPGRADE_REQUEST), SIPUA_OK);
            if (!sipua__ws_is_closed(r.ws))
                assert_int_equal(feed(&r, frames, n), SIPUA_OK);
            completed = r.n_ev == 2 && r.ev[1].kind == SIPUA__WS_EV_MESSAGE;
            if (!completed) /* the failure shows as CLOSED, never silently */
                assert_int_equal(r.ev[r.n_ev - 1].kind, SIPUA__WS_EV_CLOSED);
        }
        rec_done(&r);
        assert_int_equal(f.live, 0);
    }
    assert_true(completed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_5_7_single_frame_unmasked_text),
        cmocka_unit_test(test_5_7_single_frame_masked_text),
        cmocka_unit_test(test_5_7_fragmented_unmasked_text),
        cmocka_unit_test(test_5_7_ping_gets_masked_pong),
        cmocka_unit_test(test_5_7_server_ping_and_pong_event),
        cmocka_unit_test(test_5_7_binary_256_bytes_16_bit_length),
        cmocka_unit_test(test_5_7_binary_64_kib_64_bit_length),
        cmocka_unit_test(test_5_2_longer_length_form_accepted),
        cmocka_unit_test(test_5_7_encoder_examples),
        cmocka_unit_test(test_5_3_large_masked_send_decodes),
        cmocka_unit_test(test_5_4_every_split_of_a_sequence),
        cmocka_unit_test(test_5_4_byte_at_a_time),
        cmocka_unit_test(test_5_2_reserved_bits_fail_1002),
        cmocka_unit_test(test_5_2_reserved_opcodes_fail_1002),
        cmocka_unit_test(test_5_5_control_frames_fail_1002),
        cmocka_unit_test(test_5_1_masking_rules_fail_1002),
        cmocka_unit_test(test_5_4_fragment_order_fails_1002),
        cmocka_unit_test(test_5_2_64_bit_length_top_bit_fails_1002),
        cmocka_unit_test(test_7_4_1_too_big_fails_1009),
        cmocka_unit_test(test_5_4_many_fragments_few_allocations),
        cmocka_unit_test(test_5_5_1_bad_close_frames),
        cmocka_unit_test(test_8_1_utf8_policy),
        cmocka_unit_test(test_rfc3629_utf8_validator),
        cmocka_unit_test(test_7_1_peer_closes_first),
        cmocka_unit_test(test_7_1_we_close_first),
        cmocka_unit_test(test_7_4_close_codes_we_send),
        cmocka_unit_test(test_feed_refused_inside_callback_send_allowed),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_4_2_server_accepts_at_every_split),
        cmocka_unit_test(test_4_2_frames_right_after_the_request),
        cmocka_unit_test(test_4_2_1_tokens_lists_and_case),
        cmocka_unit_test(test_7118_4_no_sip_subprotocol_refused),
        cmocka_unit_test(test_4_2_1_bad_requests_refused),
        cmocka_unit_test(test_4_2_head_too_large_or_too_many_fields),
        cmocka_unit_test(test_4_1_client_request_and_101_at_every_split),
        cmocka_unit_test(test_4_1_client_refuses_bad_answers),
        cmocka_unit_test(test_4_1_client_accepts_token_lists_and_case),
        cmocka_unit_test(test_client_and_server_talk),
        cmocka_unit_test(test_allocation_failure_at_every_step),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
