/* The connection table: lookups for reuse (RFC 3261 18), stream framing on
 * TCP and WS, RFC 5626 4.4.1 keep-alives and idle closes on a virtual
 * clock, close reasons, and closes requested from callbacks. */
#include "testutil.h"

#include "failalloc.h"

#include "transport/conn.h"

#define S(x) SIPUA__SECONDS(x)

/* ------------------------------------------------------------------ */
/* A recording owner                                                   */

#define MAX_EV 256

typedef struct sent {
    uint32_t id;
    uint8_t data[512];
    size_t len;
} sent;

typedef struct ev_copy {
    sipua__conn_event_kind kind;
    uint32_t id;
    sipua__conn_key key;
    char data[1024];
    size_t len;
    sipua__conn_close_reason reason;
    int code;
} ev_copy;

typedef struct owner {
    sipua__conn_table *t;
    sent out[MAX_EV];
    size_t n_out;
    ev_copy ev[MAX_EV];
    size_t n_ev;
    uint8_t rand_byte;
    int close_on_message; /* close the connection from its first message */
    int feed_result;      /* of a feed tried from a callback */
} owner;

static void o_send(void *user, uint32_t id, const uint8_t *data, size_t len)
{
    owner *o = user;
    assert_true(o->n_out < MAX_EV);
    sent *s = &o->out[o->n_out++];
    assert_true(len <= sizeof s->data);
    s->id = id;
    memcpy(s->data, data, len);
    s->len = len;
}

static void o_event(void *user, const sipua__conn_event *ev)
{
    owner *o = user;
    assert_true(o->n_ev < MAX_EV);
    ev_copy *e = &o->ev[o->n_ev++];
    memset(e, 0, sizeof *e);
    e->kind = ev->kind;
    e->id = ev->id;
    e->key = *ev->key;
    assert_true(ev->data.len < sizeof e->data);
    if (ev->data.len)
        memcpy(e->data, ev->data.p, ev->data.len);
    e->len = ev->data.len;
    e->reason = ev->reason;
    e->code = ev->code;
    if (ev->kind == SIPUA__CONN_EV_MESSAGE && o->close_on_message) {
        o->close_on_message = 0;
        assert_int_equal(sipua__conn_close(o->t, ev->id), SIPUA_OK);
        o->feed_result = sipua__conn_feed(o->t, ev->id, (const uint8_t *)"x", 1, 0);
        /* the connection is going: nothing more is sent on it */
        assert_int_equal(sipua__conn_send(o->t, ev->id, (const uint8_t *)"x", 1, 0),
                         SIPUA_ENOTFOUND);
    }
}

static void o_random(void *user, uint8_t *out, size_t len)
{
    owner *o = user;
    memset(out, o->rand_byte, len);
}

static const sipua__conn_callbacks o_callbacks = {o_send, o_event, o_random};

static void owner_init(owner *o, const sipua__conn_opts *opts)
{
    memset(o, 0, sizeof *o);
    o->t = sipua__conn_table_new(opts, &o_callbacks, o, NULL);
    assert_non_null(o->t);
}

static void owner_done(owner *o)
{
    sipua__conn_table_free(o->t);
}

static void owner_clear(owner *o)
{
    o->n_out = 0;
    o->n_ev = 0;
}

static sipua__conn_key key_of(sipua__transport tp, const char *remote, uint32_t listener)
{
    sipua__conn_key k;
    memset(&k, 0, sizeof k);
    k.transport = tp;
    k.listener = listener;
    assert_int_equal(sipua__addr_parse(span(remote), 0, &k.remote), SIPUA_OK);
    return k;
}

static uint32_t open_conn(owner *o, sipua__transport tp, const char *remote, uint32_t listener,
                          int outbound, sipua_time now)
{
    sipua__conn_key k = key_of(tp, remote, listener);
    uint32_t id = 0;
    assert_int_equal(sipua__conn_open(o->t, &k, outbound, now, &id), SIPUA_OK);
    assert_int_not_equal(id, 0);
    return id;
}

static int feed_str(owner *o, uint32_t id, const char *s, sipua_time now)
{
    return sipua__conn_feed(o->t, id, (const uint8_t *)s, strlen(s), now);
}

static void assert_sent(const owner *o, size_t i, uint32_t id, const void *bytes, size_t len)
{
    assert_true(i < o->n_out);
    assert_int_equal(o->out[i].id, id);
    assert_int_equal(o->out[i].len, len);
    assert_memory_equal(o->out[i].data, bytes, len);
}

static void assert_closed(const owner *o, size_t i, uint32_t id, sipua__conn_close_reason r)
{
    assert_true(i < o->n_ev);
    assert_int_equal(o->ev[i].kind, SIPUA__CONN_EV_CLOSED);
    assert_int_equal(o->ev[i].id, id);
    if (o->ev[i].reason != r)
        fail_msg("closed for %s, expected %s", sipua__conn_close_reason_name(o->ev[i].reason),
                 sipua__conn_close_reason_name(r));
}

#define MSG_A "OPTIONS sip:a@example.com SIP/2.0\r\nContent-Length: 0\r\n\r\n"
#define MSG_B "MESSAGE sip:b@example.com SIP/2.0\r\nl: 5\r\n\r\nhello"

/* ------------------------------------------------------------------ */
/* Lookups (RFC 3261 18)                                               */

static void test_18_reuse_by_key_and_remote(void **state)
{
    (void)state;
    owner o;
    owner_init(&o, NULL);
    uint32_t a1 = open_conn(&o, SIPUA__TP_TCP, "192.0.2.1:5060", 1, 0, 0);
    uint32_t b = open_conn(&o, SIPUA__TP_TCP, "[2001:db8::1]:5060", 1, 0, 0);
    sipua__conn_key k = key_of(SIPUA__TP_TCP, "192.0.2.1:5060", 1);
    assert_int_equal(sipua__conn_find(o.t, &k), a1);
    k.listener = 2;
    assert_int_equal(sipua__conn_find(o.t, &k), 0);
    k.transport = SIPUA__TP_TLS;
    k.listener = 1;
    assert_int_equal(sipua__conn_find(o.t, &k), 0);
    k = key_of(SIPUA__TP_TCP, "192.0.2.1:5061", 1);
    assert_int_equal(sipua__conn_find(o.t, &k), 0);

    /* a second connection to the same target on another listener: a
     * request to the target takes the newest */
    uint32_t a2 = open_conn(&o, SIPUA__TP_TCP, "192.0.2.1:5060", 2, 1, 0);
    sipua__addr target = key_of(SIPUA__TP_TCP, "192.0.2.1:5060", 0).remote;
    assert_int_equal(sipua__conn_find_remote(o.t, SIPUA__TP_TCP, &target), a2);
    assert_int_equal(sipua__conn_find_remote(o.t, SIPUA__TP_UDP, &target), 0);
    assert_int_equal(sipua__conn_key_of(o.t, a2)->listener, 2);
    assert_int_equal(sipua__conn_count(o.t), 3);

    /* once it closes, the older one serves */
    assert_int_equal(sipua__conn_close(o.t, a2), SIPUA_OK);
    assert_closed(&o, 0, a2, SIPUA__CONN_CLOSE_LOCAL);
    assert_int_equal(sipua__conn_find_remote(o.t, SIPUA__TP_TCP, &target), a1);
    assert_null(sipua__conn_key_of(o.t, a2));
    assert_int_equal(sipua__conn_close(o.t, a2), SIPUA_ENOTFOUND);
    assert_int_equal(sipua__conn_send(o.t, a2, (const uint8_t *)"x", 1, 0), SIPUA_ENOTFOUND);
    assert_int_equal(sipua__conn_count(o.t), 2);
    (void)b;
    owner_done(&o);
}

static void test_18_many_connections_hashed(void **state)
{
    (void)state;
    owner o;
    owner_init(&o, NULL);
    enum { N = 3000 };
    static uint32_t ids[N];
    char addr[64];
    for (int i = 0; i < N; i++) {
        snprintf(addr, sizeof addr, "10.%d.%d.1:%d", i / 256, i % 256, 5060 + i % 7);
        ids[i] = open_conn(&o, i % 2 ? SIPUA__TP_TCP : SIPUA__TP_WS, addr, (uint32_t)(i % 3), 0, 0);
    }
    for (int i = 0; i < N; i++) {
        snprintf(addr, sizeof addr, "10.%d.%d.1:%d", i / 256, i % 256, 5060 + i % 7);
        sipua__conn_key k = key_of(i % 2 ? SIPUA__TP_TCP : SIPUA__TP_WS, addr, (uint32_t)(i % 3));
        assert_int_equal(sipua__conn_find(o.t, &k), ids[i]);
        assert_int_equal(sipua__conn_key_of(o.t, ids[i])->listener, (uint32_t)(i % 3));
    }
    for (int i = 0; i < N; i += 2) {
        assert_int_equal(sipua__conn_close(o.t, ids[i]), SIPUA_OK);
        owner_clear(&o);
    }
    assert_int_equal(sipua__conn_count(o.t), N / 2);
    for (int i = 0; i < N; i++) {
        snprintf(addr, sizeof addr, "10.%d.%d.1:%d", i / 256, i % 256, 5060 + i % 7);
        sipua__addr a = key_of(SIPUA__TP_TCP, addr, 0).remote;
        assert_int_equal(sipua__conn_find_remote(o.t, i % 2 ? SIPUA__TP_TCP : SIPUA__TP_WS, &a),
                         i % 2 ? ids[i] : 0);
    }
    owner_done(&o);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    sipua__conn_callbacks cb = o_callbacks;
    cb.send = NULL;
    assert_null(sipua__conn_table_new(NULL, &cb, NULL, NULL));
    sipua__conn_opts huge;
    sipua__conn_opts_init(&huge);
    huge.limits.max_message = SIZE_MAX;
    assert_null(sipua__conn_table_new(&huge, &o_callbacks, NULL, NULL));
    owner o;
    owner_init(&o, NULL);
    sipua__conn_key k = key_of(SIPUA__TP_TCP, "192.0.2.1:5060", 1);
    uint32_t id;
    k.transport = SIPUA__TP_COUNT_;
    assert_int_equal(sipua__conn_open(o.t, &k, 0, 0, &id), SIPUA_EINVAL);
    k.transport = SIPUA__TP_TCP;
    k.remote.family = 0;
    assert_int_equal(sipua__conn_open(o.t, &k, 0, 0, &id), SIPUA_EINVAL);
    assert_int_equal(sipua__conn_feed(o.t, 99, (const uint8_t *)"x", 1, 0), SIPUA_ENOTFOUND);
    assert_int_equal(sipua__conn_lost(o.t, 99, 0), SIPUA_ENOTFOUND);
    assert_int_equal(sipua__conn_set_keepalive(o.t, 99, S(1), 0), SIPUA_ENOTFOUND);
    uint32_t udp = open_conn(&o, SIPUA__TP_UDP, "192.0.2.1:5060", 1, 0, 0);
    assert_int_equal(sipua__conn_set_keepalive(o.t, udp, S(30), 0), SIPUA_EINVAL);
    uint32_t tcp = open_conn(&o, SIPUA__TP_TCP, "192.0.2.1:5060", 1, 0, 0);
    assert_int_equal(sipua__conn_set_keepalive(o.t, tcp, -1, 0), SIPUA_EINVAL);
    assert_int_equal(sipua__conn_send(o.t, tcp, (const uint8_t *)"", 0, 0), SIPUA_EINVAL);
    assert_int_equal(sipua__conn_send(o.t, tcp, NULL, 1, 0), SIPUA_EINVAL);
    assert_int_equal(sipua__conn_ws_connect(o.t, tcp, span("h"), span("/"), (sipua_str){0}, 0),
                     SIPUA_ESTATE);
    assert_string_equal(sipua__transport_name(SIPUA__TP_WSS), "WSS");
    assert_string_equal(sipua__transport_name(SIPUA__TP_COUNT_), "");
    assert_false(sipua__transport_is_stream(SIPUA__TP_UDP));
    assert_true(sipua__transport_is_stream(SIPUA__TP_TLS));
    owner_done(&o);
}

/* ------------------------------------------------------------------ */
/* Framing                                                             */

static void test_18_3_tcp_framing_at_every_split(void **state)
{
    (void)state;
    const char *stream = MSG_A "\r\n\r\n" MSG_B MSG_A;
    size_t n = strlen(stream);
    for (size_t cut = 0; cut <= n; cut++) {
        owner o;
        owner_init(&o, NULL);
        uint32_t id = open_conn(&o, SIPUA__TP_TLS, "192.0.2.1:5061", 1, 0, 0);
        assert_int_equal(sipua__conn_feed(o.t, id, (const uint8_t *)stream, cut, 0), SIPUA_OK);
        assert_int_equal(sipua__conn_feed(o.t, id, (const uint8_t *)stream + cut, n - cut, 0),
                         SIPUA_OK);
        assert_int_equal(o.n_ev, 3);
        assert_string_equal(o.ev[0].data, MSG_A);
        assert_string_equal(o.ev[1].data, MSG_B);
        assert_string_equal(o.ev[2].data, MSG_A);
        assert_int_equal(o.ev[1].id, id);
        /* the CRLFCRLF ping in between got its CRLF pong */
        assert_int_equal(o.n_out, 1);
        assert_sent(&o, 0, id, "\r\n", 2);
        owner_done(&o);
    }
}

static void test_18_3_byte_at_a_time_and_framing_error(void **state)
{
    (void)state;
    owner o;
    owner_init(&o, NULL);
    uint32_t id = open_conn(&o, SIPUA__TP_TCP, "192.0.2.1:5060", 1, 0, 0);
    const char *s = MSG_B MSG_B;
    for (size_t i = 0; s[i]; i++)
        assert_int_equal(sipua__conn_feed(o.t, id, (const uint8_t *)s + i, 1, 0), SIPUA_OK);
    assert_int_equal(o.n_ev, 2);
    /* no Content-Length on a stream: the stream cannot be framed */
    assert_int_equal(feed_str(&o, id, "OPTIONS sip:x SIP/2.0\r\n\r\n", 0), SIPUA_OK);
    assert_closed(&o, 2, id, SIPUA__CONN_CLOSE_FRAMING);
    assert_int_equal(o.ev[2].code, SIPUA_EPARSE);
    assert_int_equal(sipua__conn_count(o.t), 0);
    owner_done(&o);
}

static void test_18_3_message_size_limit(void **state)
{
    (void)state;
    sipua__conn_opts opts;
    sipua__conn_opts_init(&opts);
    opts.limits.max_message = 200;
    owner o;
    owner_init(&o, &opts);
    uint32_t id = open_conn(&o, SIPUA__TP_TCP, "192.0.2.1:5060", 1, 0, 0);
    char big[400];
    memset(big, 'a', sizeof big);
    memcpy(big, "OPTIONS sip:x SIP/2.0\r\nX: ", 26);
    for (size_t i = 0; i < sizeof big; i += 50) /* in pieces: buffered */
        assert_int_equal(sipua__conn_feed(o.t, id, (const uint8_t *)big + i, 50, 0),
                         i <= 200 ? SIPUA_OK : SIPUA_ENOTFOUND);
    assert_closed(&o, 0, id, SIPUA__CONN_CLOSE_FRAMING);
    assert_int_equal(o.ev[0].code, SIPUA_ELIMIT);
    owner_done(&o);
}

static void test_udp_datagrams(void **state)
{
    (void)state;
    owner o;
    owner_init(&o, NULL);
    uint32_t id = open_conn(&o, SIPUA__TP_UDP, "192.0.2.1:5060", 1, 0, 0);
    assert_int_equal(feed_str(&o, id, "OPTIONS sip:x SIP/2.0\r\n\r\n", 0), SIPUA_OK);
    assert_int_equal(feed_str(&o, id, "\r\n\r\n", 0), SIPUA_OK); /* a NAT keep-alive */
    assert_int_equal(o.n_ev, 1);
    assert_string_equal(o.ev[0].data, "OPTIONS sip:x SIP/2.0\r\n\r\n");
    assert_int_equal(sipua__conn_send(o.t, id, (const uint8_t *)MSG_A, strlen(MSG_A), 0), SIPUA_OK);
    assert_sent(&o, 0, id, MSG_A, strlen(MSG_A));
    owner_done(&o);
}

/* ------------------------------------------------------------------ */
/* RFC 5626 4.4.1 keep-alives and idle connections                     */

static void test_5626_4_4_1_client_ping_pong_timing(void **state)
{
    (void)state;
    owner o;
    owner_init(&o, NULL);
    uint32_t id = open_conn(&o, SIPUA__TP_TCP, "192.0.2.1:5060", 1, 1, S(1000));
    assert_int_equal(sipua__conn_next_deadline(o.t), 0); /* outbound: never idle */
    /* random 0: the full interval */
    assert_int_equal(sipua__conn_set_keepalive(o.t, id, S(120), S(1000)), SIPUA_OK);
    assert_int_equal(sipua__conn_next_deadline(o.t), S(1120));
    assert_int_equal(sipua__conn_advance(o.t, S(1120) - 1), SIPUA_OK);
    assert_int_equal(o.n_out, 0);
    assert_int_equal(sipua__conn_advance(o.t, S(1120)), SIPUA_OK);
    assert_sent(&o, 0, id, "\r\n\r\n", 4);
    /* the pong is due within 10 s */
    assert_int_equal(sipua__conn_next_deadline(o.t), S(1130));
    assert_int_equal(feed_str(&o, id, "\r\n", S(1125)), SIPUA_OK);
    assert_int_equal(o.n_ev, 0); /* a pong is no message */
    assert_int_equal(sipua__conn_next_deadline(o.t), S(1240));
    assert_int_equal(sipua__conn_advance(o.t, S(1130)), SIPUA_OK);
    assert_int_equal(sipua__conn_count(o.t), 1);

    /* the next ping goes unanswered: the flow has failed */
    assert_int_equal(sipua__conn_advance(o.t, S(1240)), SIPUA_OK);
    assert_int_equal(o.n_out, 2);
    assert_sent(&o, 1, id, "\r\n\r\n", 4);
    assert_int_equal(sipua__conn_advance(o.t, S(1250) - 1), SIPUA_OK);
    assert_int_equal(o.n_ev, 0);
    assert_int_equal(sipua__conn_advance(o.t, S(1250)), SIPUA_OK);
    assert_closed(&o, 0, id, SIPUA__CONN_CLOSE_KEEPALIVE);
    assert_int_equal(sipua__conn_next_deadline(o.t), 0);
    owner_done(&o);
}

static void test_5626_4_4_1_interval_jitter_80_to_100_percent(void **state)
{
    (void)state;
    owner o;
    owner_init(&o, NULL);
    uint32_t id = open_conn(&o, SIPUA__TP_TCP, "192.0.2.1:5060", 1, 1, 0);
    /* random 0x3D3D % 201 = 200: the shortest, 80 % */
    o.rand_byte = 0x3D;
    assert_int_equal(sipua__conn_set_keepalive(o.t, id, S(100), 0), SIPUA_OK);
    assert_int_equal(sipua__conn_next_deadline(o.t), S(80));
    assert_int_equal(sipua__conn_set_keepalive(o.t, id, 0, 0), SIPUA_OK);
    assert_int_equal(sipua__conn_next_deadline(o.t), 0);
    owner_done(&o);
}

static void test_5626_4_4_1_server_answers_ping_with_pong(void **state)
{
    (void)state;
    owner o;
    owner_init(&o, NULL);
    uint32_t id = open_conn(&o, SIPUA__TP_TCP, "192.0.2.1:5060", 1, 0, 0);
    assert_int_equal(feed_str(&o, id, "\r\n\r\n", 0), SIPUA_OK);
    assert_sent(&o, 0, id, "\r\n", 2);
    assert_int_equal(feed_str(&o, id, "\r\n", 0), SIPUA_OK); /* half a ping so far */
    assert_int_equal(o.n_out, 1);
    assert_int_equal(feed_str(&o, id, "\r\n" MSG_A, 0), SIPUA_OK);
    assert_int_equal(o.n_out, 2);
    assert_sent(&o, 1, id, "\r\n", 2);
    assert_int_equal(o.n_ev, 1);
    assert_string_equal(o.ev[0].data, MSG_A);
    owner_done(&o);
}

static void test_idle_inbound_connections_close(void **state)
{
    (void)state;
    owner o;
    owner_init(&o, NULL);
    uint32_t in = open_conn(&o, SIPUA__TP_TCP, "192.0.2.1:5060", 1, 0, S(0));
    uint32_t out = open_conn(&o, SIPUA__TP_TCP, "192.0.2.2:5060", 1, 1, S(0));
    assert_int_equal(sipua__conn_next_deadline(o.t), S(600));
    /* traffic either way pushes the deadline back */
    assert_int_equal(feed_str(&o, in, MSG_A, S(100)), SIPUA_OK);
    assert_int_equal(sipua__conn_next_deadline(o.t), S(700));
    assert_int_equal(sipua__conn_send(o.t, in, (const uint8_t *)MSG_A, strlen(MSG_A), S(200)),
                     SIPUA_OK);
    assert_int_equal(sipua__conn_next_deadline(o.t), S(800));
    assert_int_equal(sipua__conn_advance(o.t, S(800) - 1), SIPUA_OK);
    assert_int_equal(o.n_ev, 1);
    assert_int_equal(sipua__conn_advance(o.t, S(800)), SIPUA_OK);
    assert_closed(&o, 1, in, SIPUA__CONN_CLOSE_IDLE);
    assert_int_equal(sipua__conn_count(o.t), 1);
    assert_non_null(sipua__conn_key_of(o.t, out));
    assert_int_equal(sipua__conn_next_deadline(o.t), 0);
    owner_done(&o);
}

/* Deadlines from many connections come out in order: the heap. */
static void test_deadlines_in_order(void **state)
{
    (void)state;
    sipua__conn_opts opts;
    sipua__conn_opts_init(&opts);
    opts.idle_timeout_inbound = S(10);
    owner o;
    owner_init(&o, &opts);
    enum { N = 200 };
    uint32_t ids[N];
    char addr[32];
    for (int i = 0; i < N; i++) {
        snprintf(addr, sizeof addr, "192.0.2.%d:%d", i % 250 + 1, 1000 + i);
        ids[i] = open_conn(&o, SIPUA__TP_TCP, addr, 0, 0, (sipua_time)((i * 7919) % N) * 1000);
    }
    /* touch some, so their deadlines move */
    for (int i = 0; i < N; i += 3)
        assert_int_equal(feed_str(&o, ids[i], "\r\n\r\n", S(5) + i), SIPUA_OK);
    owner_clear(&o);
    sipua_time last = 0;
    while (sipua__conn_next_deadline(o.t)) {
        sipua_time d = sipua__conn_next_deadline(o.t);
        assert_true(d >= last);
        last = d;
        size_t before = o.n_ev;
        assert_int_equal(sipua__conn_advance(o.t, d), SIPUA_OK);
        assert_true(o.n_ev > before);
        if (o.n_ev > MAX_EV - 10)
            o.n_ev = 0;
    }
    assert_int_equal(sipua__conn_count(o.t), 0);
    owner_done(&o);
}

/* ------------------------------------------------------------------ */
/* Close reasons and callbacks                                         */

static void test_lost_connections(void **state)
{
    (void)state;
    owner o;
    owner_init(&o, NULL);
    uint32_t a = open_conn(&o, SIPUA__TP_TCP, "192.0.2.1:5060", 1, 0, 0);
    uint32_t b = open_conn(&o, SIPUA__TP_TCP, "192.0.2.2:5060", 1, 0, 0);
    assert_int_equal(sipua__conn_lost(o.t, a, 0), SIPUA_OK);
    assert_closed(&o, 0, a, SIPUA__CONN_CLOSE_PEER);
    assert_int_equal(sipua__conn_lost(o.t, b, -104), SIPUA_OK);
    assert_closed(&o, 1, b, SIPUA__CONN_CLOSE_ERROR);
    assert_int_equal(o.ev[1].code, -104);
    assert_string_equal(sipua__conn_close_reason_name(SIPUA__CONN_CLOSE_KEEPALIVE), "keepalive");
    owner_done(&o);
}

static void test_close_from_a_callback_waits_for_it(void **state)
{
    (void)state;
    owner o;
    owner_init(&o, NULL);
    uint32_t id = open_conn(&o, SIPUA__TP_TCP, "192.0.2.1:5060", 1, 0, 0);
    o.close_on_message = 1;
    o.feed_result = 1;
    assert_int_equal(feed_str(&o, id, MSG_A MSG_B, 0), SIPUA_OK);
    assert_int_equal(o.feed_result, SIPUA_ESTATE);
    /* the second message is not delivered: the connection closed first */
    assert_int_equal(o.n_ev, 2);
    assert_int_equal(o.ev[0].kind, SIPUA__CONN_EV_MESSAGE);
    assert_closed(&o, 1, id, SIPUA__CONN_CLOSE_LOCAL);
    assert_int_equal(sipua__conn_count(o.t), 0);
    owner_done(&o);
}

/* ------------------------------------------------------------------ */
/* WebSocket connections (RFC 7118)                                    */

#define UPGRADE                                                                                    \
    "GET / HTTP/1.1\r\n"                                                                           \
    "Host: sip.example.com\r\n"                                                                    \
    "Upgrade: websocket\r\n"                                                                       \
    "Connection: Upgrade\r\n"                                                                      \
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"                                              \
    "Sec-WebSocket-Protocol: sip\r\n"                                                              \
    "Sec-WebSocket-Version: 13\r\n"                                                                \
    "\r\n"

static size_t masked(uint8_t *out, size_t cap, int op, const char *payload)
{
    static const uint8_t mask[4] = {1, 2, 3, 4};
    int n =
        sipua__ws_frame_encode(out, cap, 1, op, mask, (const uint8_t *)payload, strlen(payload));
    assert_true(n > 0);
    return (size_t)n;
}

static void test_7118_inbound_ws(void **state)
{
    (void)state;
    owner o;
    owner_init(&o, NULL);
    uint32_t id = open_conn(&o, SIPUA__TP_WSS, "192.0.2.1:40000", 1, 0, 0);
    assert_false(sipua__conn_is_ready(o.t, id));
    assert_int_equal(sipua__conn_send(o.t, id, (const uint8_t *)"x", 1, 0), SIPUA_ESTATE);
    assert_int_equal(feed_str(&o, id, UPGRADE, 0), SIPUA_OK);
    assert_int_equal(o.n_ev, 1);
    assert_int_equal(o.ev[0].kind, SIPUA__CONN_EV_READY);
    assert_true(sipua__conn_is_ready(o.t, id));
    assert_int_equal(o.n_out, 1);
    owner_clear(&o);

    uint8_t f[256];
    size_t n = masked(f, sizeof f, SIPUA__WS_OP_TEXT, MSG_A);
    n += masked(f + n, sizeof f - n, SIPUA__WS_OP_TEXT, "\r\n\r\n"); /* SIP.js keep-alive */
    assert_int_equal(sipua__conn_feed(o.t, id, f, n, 0), SIPUA_OK);
    assert_int_equal(o.n_ev, 1);
    assert_string_equal(o.ev[0].data, MSG_A);
    assert_sent(&o, 0, id, "\x81\x02\r\n", 4);
    owner_clear(&o);

    /* text when UTF-8, binary when not (RFC 7118 5) */
    assert_int_equal(sipua__conn_send(o.t, id, (const uint8_t *)"ab", 2, 0), SIPUA_OK);
    assert_sent(&o, 0, id,
                "\x81\x02"
                "ab",
                4);
    owner_clear(&o);
    assert_int_equal(sipua__conn_send(o.t, id, (const uint8_t *)"a\xff", 2, 0), SIPUA_OK);
    assert_sent(&o, 0, id,
                "\x82\x02"
                "a\xff",
                4);
    owner_clear(&o);

    /* the peer closes */
    n = masked(f, sizeof f, SIPUA__WS_OP_CLOSE,
               "\x03\xe8"
               "bye");
    assert_int_equal(sipua__conn_feed(o.t, id, f, n, 0), SIPUA_OK);
    assert_sent(&o, 0, id, "\x88\x02\x03\xe8", 4);
    assert_closed(&o, 0, id, SIPUA__CONN_CLOSE_PEER);
    assert_int_equal(o.ev[0].code, 1000);
    assert_string_equal(o.ev[0].data, "bye");
    owner_done(&o);
}

static void test_7118_ws_refusals_and_protocol_errors(void **state)
{
    (void)state;
    owner o;
    owner_init(&o, NULL);
    uint32_t id = open_conn(&o, SIPUA__TP_WS, "192.0.2.1:40000", 1, 0, 0);
    assert_int_equal(feed_str(&o, id, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 0), SIPUA_OK);
    assert_closed(&o, 0, id, SIPUA__CONN_CLOSE_HANDSHAKE);
    assert_int_equal(o.ev[0].code, 426);
    owner_clear(&o);

    id = open_conn(&o, SIPUA__TP_WS, "192.0.2.1:40001", 1, 0, 0);
    assert_int_equal(feed_str(&o, id, UPGRADE "\x81\x01x", 0), SIPUA_OK); /* unmasked */
    assert_int_equal(o.ev[0].kind, SIPUA__CONN_EV_READY);
    assert_closed(&o, 1, id, SIPUA__CONN_CLOSE_FRAMING);
    assert_int_equal(o.ev[1].code, 1002);
    owner_done(&o);
}

static void test_7118_outbound_ws_keepalive(void **state)
{
    (void)state;
    owner o;
    owner_init(&o, NULL);
    uint32_t id = open_conn(&o, SIPUA__TP_WS, "192.0.2.1:443", 1, 1, 0);
    /* bytes before the request was sent cannot be an answer */
    uint32_t early = open_conn(&o, SIPUA__TP_WS, "192.0.2.9:443", 1, 1, 0);
    assert_int_equal(feed_str(&o, early, "HTTP/1.1 101 x\r\n\r\n", 0), SIPUA_OK);
    assert_closed(&o, 0, early, SIPUA__CONN_CLOSE_HANDSHAKE);
    owner_clear(&o);

    o.rand_byte = 0;
    assert_int_equal(sipua__conn_ws_connect(o.t, id, span("sip.example.com"), span("/"),
                                            (sipua_str){NULL, 0}, 0),
                     SIPUA_OK);
    assert_int_equal(o.n_out, 1);
    assert_true(strncmp((const char *)o.out[0].data, "GET / HTTP/1.1\r\n", 16) == 0);
    assert_int_equal(sipua__conn_set_keepalive(o.t, id, S(30), 0), SIPUA_OK);
    /* not ready at the first ping time: no ping, the next one is planned */
    assert_int_equal(sipua__conn_advance(o.t, S(30)), SIPUA_OK);
    assert_int_equal(o.n_out, 1);
    assert_int_equal(sipua__conn_next_deadline(o.t), S(60));
    /* zero random bytes: the key is base64 of 16 zeros */
    assert_int_equal(feed_str(&o, id,
                              "HTTP/1.1 101 Switching Protocols\r\n"
                              "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                              "Sec-WebSocket-Accept: ICX+Yqv66kxgM0FcWaLWlFLwTAI=\r\n"
                              "Sec-WebSocket-Protocol: sip\r\n\r\n",
                              S(31)),
                     SIPUA_OK);
    assert_int_equal(o.ev[0].kind, SIPUA__CONN_EV_READY);
    sipua__addr a = key_of(SIPUA__TP_WS, "192.0.2.1:443", 0).remote;
    assert_int_equal(sipua__conn_find_remote(o.t, SIPUA__TP_WS, &a), id);
    owner_clear(&o);
    /* the ping is a masked text message "\r\n\r\n"; the pong "\r\n" */
    assert_int_equal(sipua__conn_advance(o.t, S(60)), SIPUA_OK);
    assert_sent(&o, 0, id, "\x81\x84\0\0\0\0\r\n\r\n", 10);
    assert_int_equal(sipua__conn_next_deadline(o.t), S(70));
    assert_int_equal(feed_str(&o, id, "\x81\x02\r\n", S(61)), SIPUA_OK);
    assert_int_equal(o.n_ev, 0);
    assert_int_equal(sipua__conn_next_deadline(o.t), S(90));
    /* a WS pong frame counts as well */
    assert_int_equal(sipua__conn_advance(o.t, S(90)), SIPUA_OK);
    assert_int_equal(sipua__conn_feed(o.t, id, (const uint8_t *)"\x8a\x00", 2, S(91)), SIPUA_OK);
    assert_int_equal(sipua__conn_next_deadline(o.t), S(120));
    /* closing sends a close frame */
    owner_clear(&o);
    assert_int_equal(sipua__conn_close(o.t, id), SIPUA_OK);
    assert_sent(&o, 0, id, "\x88\x82\0\0\0\0\x03\xe8", 8);
    assert_closed(&o, 0, id, SIPUA__CONN_CLOSE_LOCAL);
    owner_done(&o);
}

/* ------------------------------------------------------------------ */
/* Allocation failure                                                  */

static void test_allocation_failure_at_every_step(void **state)
{
    (void)state;
    int completed = 0;
    for (int budget = 0; budget < 200 && !completed; budget++) {
        failalloc f;
        failalloc_init(&f, budget);
        owner o;
        memset(&o, 0, sizeof o);
        o.t = sipua__conn_table_new(NULL, &o_callbacks, &o, &f.a);
        if (o.t) {
            int ok = 1;
            for (int i = 0; i < 20 && ok; i++) {
                char addr[32];
                snprintf(addr, sizeof addr, "192.0.2.%d:5060", i + 1);
                sipua__conn_key k = key_of(i % 2 ? SIPUA__TP_TCP : SIPUA__TP_WS, addr, 0);
                uint32_t id;
                int r = sipua__conn_open(o.t, &k, 0, 0, &id);
                assert_true(r == SIPUA_OK || r == SIPUA_ENOMEM);
                ok = r == SIPUA_OK;
                if (ok && i % 2) {
                    assert_int_equal(feed_str(&o, id, "OPTIONS sip:x SIP/2.0\r\nl: 0", 0),
                                     SIPUA_OK);
                    r = feed_str(&o, id, "\r\n\r\n", 0); /* the first may have closed it */
                    assert_true(r == SIPUA_OK || r == SIPUA_ENOTFOUND);
                    ok = o.n_ev && o.ev[o.n_ev - 1].kind == SIPUA__CONN_EV_MESSAGE;
                    if (!ok)
                        assert_closed(&o, o.n_ev - 1, id, SIPUA__CONN_CLOSE_FRAMING);
                    o.n_ev = 0;
                }
            }
            completed = ok;
        }
        sipua__conn_table_free(o.t);
        assert_int_equal(f.live, 0);
    }
    assert_true(completed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_18_reuse_by_key_and_remote),
        cmocka_unit_test(test_18_many_connections_hashed),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_18_3_tcp_framing_at_every_split),
        cmocka_unit_test(test_18_3_byte_at_a_time_and_framing_error),
        cmocka_unit_test(test_18_3_message_size_limit),
        cmocka_unit_test(test_udp_datagrams),
        cmocka_unit_test(test_5626_4_4_1_client_ping_pong_timing),
        cmocka_unit_test(test_5626_4_4_1_interval_jitter_80_to_100_percent),
        cmocka_unit_test(test_5626_4_4_1_server_answers_ping_with_pong),
        cmocka_unit_test(test_idle_inbound_connections_close),
        cmocka_unit_test(test_deadlines_in_order),
        cmocka_unit_test(test_lost_connections),
        cmocka_unit_test(test_close_from_a_callback_waits_for_it),
        cmocka_unit_test(test_7118_inbound_ws),
        cmocka_unit_test(test_7118_ws_refusals_and_protocol_errors),
        cmocka_unit_test(test_7118_outbound_ws_keepalive),
        cmocka_unit_test(test_allocation_failure_at_every_step),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
