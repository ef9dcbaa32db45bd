/* The transaction layer (src/txn/txn.h), RFC 3261 section 17 with RFC 6026,
 * driven by a virtual clock: every message the layer sends is captured with
 * the virtual time it left, and every callback is logged, so that each
 * timer's schedule is asserted to the microsecond.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sipua/msg.h"
#include "testutil.h"

#include "txn/txn.h"

#define MS(x)  ((sipua_time)(x)*1000)
#define SEC(x) ((sipua_time)((x)*1000000.0))
#define T0     SEC(1000) /* the virtual clock starts here: 0 means "none" */

#define BR1 "z9hG4bK776asdhds"
#define BR2 "z9hG4bKnashds8"

/* ------------------------------------------------------------------ */
/* Counting allocator                                                  */

typedef struct counting_alloc {
    sipua_allocator a;
    long calls;
    long fail_at; /* the call that fails; -1: none */
    long live;
} counting_alloc;

static void *ca_alloc(size_t size, void *user)
{
    counting_alloc *c = user;
    if (c->calls++ == c->fail_at)
        return NULL;
    void *p = malloc(size ? size : 1);
    c->live += p != NULL;
    return p;
}

static void *ca_realloc(void *ptr, size_t size, void *user)
{
    counting_alloc *c = user;
    if (c->calls++ == c->fail_at)
        return NULL;
    void *p = realloc(ptr, size ? size : 1);
    c->live += p != NULL && ptr == NULL;
    return p;
}

static void ca_free(void *ptr, void *user)
{
    counting_alloc *c = user;
    c->live -= ptr != NULL;
    free(ptr);
}

/* ------------------------------------------------------------------ */
/* Harness: virtual clock, captured sends, logged callbacks            */

enum { EV_REQUEST = 1, EV_RESPONSE, EV_TIMEOUT, EV_TRANSPORT_ERROR, EV_TERMINATED };

#define MAX_SENT   4096
#define MAX_EVENTS 4096

typedef struct sent_msg {
    char *bytes;
    size_t len;
    sipua_time at;
    sipua__txn_dest dest;
} sent_msg;

typedef struct event {
    int kind;
    sipua__txn *t;
    int status; /* responses: the code; requests: the method */
    int err;    /* transport errors */
    sipua_time at;
} event;

typedef struct harness harness;
typedef void (*request_hook)(harness *h, sipua__txn *st, const sipua_msg *m);

struct harness {
    counting_alloc ca;
    sipua__txn_layer *layer;
    sipua_time now;
    sipua__txn_dest udp, tcp;
    sent_msg sent[MAX_SENT];
    size_t nsent;
    event ev[MAX_EVENTS];
    size_t nev;
    int fail_send_at; /* the send (0-based) that fails; -1: none */
    int send_calls;
    int send_err;
    request_hook on_request; /* the TU's answer inside the request callback */
    int answer_status;       /* used by answer_in_callback */
    int log_events;          /* 0 for bulk tests */
    sipua_msg *msg;          /* parses what the test feeds */
    char in[8192];
    char text[8][4096]; /* messages written by req() and resp(), in turn */
    int next_text;
};

static void log_event(harness *h, int kind, sipua__txn *t, int status, int err)
{
    if (!h->log_events)
        return;
    assert_true(h->nev < MAX_EVENTS);
    h->ev[h->nev++] = (event){kind, t, status, err, h->now};
}

static int cb_send(void *user, const sipua__txn_dest *dest, const char *bytes, size_t len)
{
    harness *h = user;
    if (h->send_calls++ == h->fail_send_at)
        return h->send_err;
    if (!h->log_events)
        return 0;
    assert_true(h->nsent < MAX_SENT);
    sent_msg *s = &h->sent[h->nsent++];
    s->bytes = malloc(len + 1);
    assert_non_null(s->bytes);
    memcpy(s->bytes, bytes, len);
    s->bytes[len] = '\0';
    s->len = len;
    s->at = h->now;
    s->dest = *dest;
    return 0;
}

static void cb_request(void *user, sipua__txn *st, const sipua_msg *m, const sipua__txn_dest *from)
{
    harness *h = user;
    assert_non_null(from);
    log_event(h, EV_REQUEST, st, (int)sipua_msg_method(m), 0);
    if (h->on_request)
        h->on_request(h, st, m);
}

static void cb_response(void *user, sipua__txn *ct, const sipua_msg *m)
{
    harness *h = user;
    assert_non_null(ct);
    log_event(h, EV_RESPONSE, ct, sipua_msg_status(m), 0);
}

static void cb_timeout(void *user, sipua__txn *t)
{
    log_event(user, EV_TIMEOUT, t, 0, 0);
}

static void cb_transport_error(void *user, sipua__txn *t, int err)
{
    log_event(user, EV_TRANSPORT_ERROR, t, 0, err);
}

static void cb_terminated(void *user, sipua__txn *t)
{
    assert_int_equal(sipua__txn_get_state(t), SIPUA__TXN_TERMINATED);
    log_event(user, EV_TERMINATED, t, 0, 0);
}

static void cb_random(void *user, uint8_t *buf, size_t len)
{
    (void)user;
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(i * 37 + 11);
}

static harness *harness_new_with(const sipua__txn_config *cfg)
{
    harness *h = calloc(1, sizeof *h);
    assert_non_null(h);
    h->ca = (counting_alloc){{ca_alloc, ca_realloc, ca_free, NULL}, 0, -1, 0};
    h->ca.a.user = &h->ca;
    h->now = T0;
    h->fail_send_at = -1;
    h->send_err = SIPUA_EIO;
    h->log_events = 1;
    sipua__txn_dest_init(&h->udp, SIPUA__TRANSPORT_UDP, "192.0.2.4", 5060, 0);
    sipua__txn_dest_init(&h->tcp, SIPUA__TRANSPORT_TCP, "192.0.2.4", 5060, 7);
    sipua__txn_callbacks cb = {
        cb_send, cb_request, cb_response, cb_timeout, cb_transport_error, cb_terminated, cb_random};
    h->layer = sipua__txn_layer_new(cfg, &cb, h, &h->ca.a);
    assert_non_null(h->layer);
    h->msg = sipua_msg_new(NULL, NULL);
    assert_non_null(h->msg);
    return h;
}

static harness *harness_new(void)
{
    return harness_new_with(NULL);
}

static size_t live(harness *h)
{
    sipua__txn_stats st;
    sipua__txn_layer_stats(h->layer, &st);
    return st.live;
}

static sipua__txn_stats stats(harness *h)
{
    sipua__txn_stats st;
    sipua__txn_layer_stats(h->layer, &st);
    return st;
}

/* Frees everything and checks that the layer leaked nothing. */
static void harness_free(harness *h)
{
    sipua__txn_layer_free(h->layer);
    assert_int_equal(h->ca.live, 0);
    for (size_t i = 0; i < h->nsent; i++)
        free(h->sent[i].bytes);
    sipua_msg_free(h->msg);
    free(h);
}

/* Moves the clock to t, firing every timer on the way at its own time. */
static void run_until(harness *h, sipua_time t)
{
    sipua_time d;
    while ((d = sipua__txn_layer_next_deadline(h->layer)) != 0 && d <= t) {
        h->now = d;
        assert_true(sipua__txn_layer_advance(h->layer, d) >= 0);
    }
    h->now = t;
}

/* Feeds a message as received from `from` at the current time. */
static int recv_from(harness *h, const char *text, const sipua__txn_dest *from)
{
    size_t len = strlen(text);
    assert_true(len < sizeof h->in);
    memcpy(h->in, text, len);
    int rc = sipua_msg_parse(h->msg, h->in, len, SIPUA_PARSE_DATAGRAM);
    if (rc < 0)
        fail_msg("test message does not parse: %s\n%s", sipua_err_name(rc), text);
    return sipua__txn_layer_recv(h->layer, h->msg, from, h->now);
}

static int recv_udp(harness *h, const char *text)
{
    return recv_from(h, text, &h->udp);
}

/* Messages */

typedef struct req_spec {
    const char *method;
    const char *branch; /* NULL: no branch parameter (RFC 2543) */
    const char *host;   /* top Via sent-by; default pc33.atlanta.com */
    const char *to_tag;
    const char *cseq_method; /* default: method */
    const char *extra;       /* more header lines, each ending in CRLF */
    const char *uri;         /* default sip:bob@biloxi.com */
    const char *transport;   /* default UDP */
} req_spec;

static const char *req(harness *h, req_spec s)
{
    char *out = h->text[h->next_text++ % 8];
    char branch[128] = "", to_tag[64] = "";
    if (s.branch)
        snprintf(branch, sizeof branch, ";branch=%s", s.branch);
    if (s.to_tag)
        snprintf(to_tag, sizeof to_tag, ";tag=%s", s.to_tag);
    int n =
        snprintf(out, sizeof h->text[0],
                 "%s %s SIP/2.0\r\n"
                 "Via: SIP/2.0/%s %s%s\r\n"
                 "Max-Forwards: 70\r\n"
                 "To: Bob <sip:bob@biloxi.com>%s\r\n"
                 "From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n"
                 "Call-ID: a84b4c76e66710@pc33.atlanta.com\r\n"
                 "CSeq: 314159 %s\r\n"
                 "%s"
                 "Content-Length: 0\r\n"
                 "\r\n",
                 s.method, s.uri ? s.uri : "sip:bob@biloxi.com", s.transport ? s.transport : "UDP",
                 s.host ? s.host : "pc33.atlanta.com", branch, to_tag,
                 s.cseq_method ? s.cseq_method : s.method, s.extra ? s.extra : "");
    assert_true(n > 0 && (size_t)n < sizeof h->text[0]);
    return out;
}

typedef struct resp_spec {
    int status;
    const char *branch;
    const char *method; /* the CSeq method */
    const char *to_tag;
} resp_spec;

static const char *resp(harness *h, resp_spec s)
{
    char *out = h->text[h->next_text++ % 8];
    char to_tag[64] = "";
    if (s.to_tag)
        snprintf(to_tag, sizeof to_tag, ";tag=%s", s.to_tag);
    int n = snprintf(out, sizeof h->text[0],
                     "SIP/2.0 %d Whatever\r\n"
                     "Via: SIP/2.0/UDP pc33.atlanta.com;branch=%s\r\n"
                     "To: Bob <sip:bob@biloxi.com>%s\r\n"
                     "From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n"
                     "Call-ID: a84b4c76e66710@pc33.atlanta.com\r\n"
                     "CSeq: 314159 %s\r\n"
                     "Content-Length: 0\r\n"
                     "\r\n",
                     s.status, s.branch ? s.branch : BR1, to_tag, s.method ? s.method : "INVITE");
    assert_true(n > 0 && (size_t)n < sizeof h->text[0]);
    return out;
}

/* Starts a client transaction for text at the current time. */
static sipua__txn *client(harness *h, const char *text, const sipua__txn_dest *dest)
{
    sipua__txn *t = NULL;
    int rc = sipua__txn_client_new(h->layer, text, strlen(text), dest, NULL, h->now, &t);
    if (rc != 0)
        fail_msg("sipua__txn_client_new: %s", sipua_err_name(rc));
    assert_non_null(t);
    return t;
}

static int respond(harness *h, sipua__txn *st, const char *text)
{
    return sipua__txn_server_respond(st, text, strlen(text), h->now);
}

/* The server transaction of the last request event. */
static sipua__txn *last_request_txn(harness *h)
{
    for (size_t i = h->nev; i-- > 0;)
        if (h->ev[i].kind == EV_REQUEST)
            return h->ev[i].t;
    fail_msg("no request reached the TU");
    return NULL;
}

/* Checks */

/* Exactly `n` messages were sent, at these times (offsets from T0). */
static void expect_send_times(harness *h, const sipua_time *at, size_t n)
{
    for (size_t i = 0; i < h->nsent && i < n; i++)
        if (h->sent[i].at != T0 + at[i])
            fail_msg("send %zu at %+.6f s, expected %+.6f s", i, (double)(h->sent[i].at - T0) / 1e6,
                     (double)at[i] / 1e6);
    assert_int_equal(h->nsent, n);
}

/* The log holds exactly these event kinds, in order. */
static void expect_events(harness *h, const int *kinds, size_t n)
{
    for (size_t i = 0; i < h->nev && i < n; i++)
        if (h->ev[i].kind != kinds[i])
            fail_msg("event %zu is kind %d, expected %d", i, h->ev[i].kind, kinds[i]);
    assert_int_equal(h->nev, n);
}

#define EXPECT_EVENTS(h, ...)                                                                      \
    expect_events((h), (const int[]){__VA_ARGS__}, sizeof((const int[]){__VA_ARGS__}) / sizeof(int))
#define EXPECT_SEND_TIMES(h, ...)                                                                  \
    expect_send_times((h), (const sipua_time[]){__VA_ARGS__},                                      \
                      sizeof((const sipua_time[]){__VA_ARGS__}) / sizeof(sipua_time))

static const char *sent_text(harness *h, size_t i)
{
    assert_true(i < h->nsent);
    return h->sent[i].bytes;
}

static int starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ------------------------------------------------------------------ */
/* 17.1.1 INVITE client transaction                                    */

static void
test_17_1_1_2_invite_client_udp_timer_a_doubles_and_timer_b_times_out_at_64_t1(void **state)
{
    (void)state;
    harness *h = harness_new();
    sipua__txn *t = client(h, req(h, (req_spec){.method = "INVITE", .branch = BR1}), &h->udp);
    assert_int_equal(sipua__txn_get_kind(t), SIPUA__TXN_INVITE_CLIENT);
    assert_int_equal(sipua__txn_get_state(t), SIPUA__TXN_CALLING);
    assert_int_equal(sipua__txn_layer_next_deadline(h->layer), T0 + MS(500));
    run_until(h, T0 + SEC(100));
    EXPECT_SEND_TIMES(h, 0, MS(500), MS(1500), MS(3500), MS(7500), MS(15500), MS(31500));
    for (size_t i = 1; i < h->nsent; i++)
        assert_string_equal(sent_text(h, i), sent_text(h, 0));
    EXPECT_EVENTS(h, EV_TIMEOUT, EV_TERMINATED);
    assert_int_equal(h->ev[0].at, T0 + SEC(32));
    assert_ptr_equal(h->ev[0].t, t);
    assert_int_equal(stats(h).retransmissions, 6);
    assert_int_equal(stats(h).timeouts, 1);
    assert_int_equal(live(h), 0);
    assert_int_equal(sipua__txn_layer_next_deadline(h->layer), 0);
    harness_free(h);
}

static void test_17_1_1_2_invite_client_reliable_sends_once_and_times_out_at_64_t1(void **state)
{
    (void)state;
    harness *h = harness_new();
    client(h, req(h, (req_spec){.method = "INVITE", .branch = BR1}), &h->tcp);
    run_until(h, T0 + SEC(100));
    EXPECT_SEND_TIMES(h, 0);
    assert_int_equal(h->sent[0].dest.conn_id, 7);
    EXPECT_EVENTS(h, EV_TIMEOUT, EV_TERMINATED);
    assert_int_equal(h->ev[0].at, T0 + SEC(32));
    harness_free(h);
}

static void test_17_1_1_2_configured_t1_scales_timers_a_and_b(void **state)
{
    (void)state;
    sipua__txn_config cfg;
    sipua__txn_config_init(&cfg);
    cfg.t1 = MS(100);
    harness *h = harness_new_with(&cfg);
    client(h, req(h, (req_spec){.method = "INVITE", .branch = BR1}), &h->udp);
    run_until(h, T0 + SEC(100));
    EXPECT_SEND_TIMES(h, 0, MS(100), MS(300), MS(700), MS(1500), MS(3100), MS(6300));
    assert_int_equal(h->ev[0].kind, EV_TIMEOUT);
    assert_int_equal(h->ev[0].at, T0 + MS(6400));
    harness_free(h);
}

static void test_api_config_keeps_defaults_for_timers_that_cannot_work(void **state)
{
    (void)state;
    sipua__txn_config cfg;
    sipua__txn_config_init(&cfg);
    cfg.t1 = 0;     /* would retransmit forever: the default stays */
    cfg.t2 = MS(1); /* below T1: raised to T1 */
    cfg.t4 = 0;     /* allowed: no timer K on UDP either */
    harness *h = harness_new_with(&cfg);
    client(h, req(h, (req_spec){.method = "OPTIONS", .branch = BR1}), &h->udp);
    run_until(h, T0 + SEC(2));
    EXPECT_SEND_TIMES(h, 0, MS(500), MS(1000), MS(1500), MS(2000));
    assert_int_equal(recv_udp(h, resp(h, (resp_spec){.status = 200, .method = "OPTIONS"})), 0);
    EXPECT_EVENTS(h, EV_RESPONSE, EV_TERMINATED);
    assert_int_equal(live(h), 0);
    harness_free(h);
}

static void test_17_1_1_2_provisional_moves_to_proceeding_and_stops_timers_a_and_b(void **state)
{
    (void)state;
    harness *h = harness_new();
    sipua__txn *t = client(h, req(h, (req_spec){.method = "INVITE", .branch = BR1}), &h->udp);
    run_until(h, T0 + MS(1000));
    assert_int_equal(recv_udp(h, resp(h, (resp_spec){.status = 180, .to_tag = "a6c85cf"})), 0);
    assert_int_equal(sipua__txn_get_state(t), SIPUA__TXN_PROCEEDING);
    assert_int_equal(sipua__txn_get_status(t), 180);
    run_until(h, T0 + SEC(300));
    EXPECT_SEND_TIMES(h, 0, MS(500));
    EXPECT_EVENTS(h, EV_RESPONSE);
    assert_int_equal(h->ev[0].status, 180);
    assert_int_equal(sipua__txn_layer_next_deadline(h->layer), 0);
    /* More provisional responses go to the TU too. */
    assert_int_equal(recv_udp(h, resp(h, (resp_spec){.status = 183, .to_tag = "a6c85cf"})), 0);
    EXPECT_EVENTS(h, EV_RESPONSE, EV_RESPONSE);
    sipua__txn_terminate(t);
    EXPECT_EVENTS(h, EV_RESPONSE, EV_RESPONSE, EV_TERMINATED);
    sipua__txn_terminate(NULL); /* harmless */
    assert_int_equal(live(h), 0);
    harness_free(h);
}

/* The INVITE of RFC 3261 4 with two Route headers, as the TU sends it. */
static const char routed_invite[] = "INVITE sip:bob@biloxi.com SIP/2.0\r\n"
                                    "Via: SIP/2.0/UDP pc33.atlanta.com;branch=" BR1 "\r\n"
                                    "Max-Forwards: 69\r\n"
                                    "Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>\r\n"
                                    "Route: <sip:p3.example.com;lr>\r\n"
                                    "To: Bob <sip:bob@biloxi.com>\r\n"
                                    "From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n"
                                    "Call-ID: a84b4c76e66710@pc33.atlanta.com\r\n"
                                    "CSeq: 314159 INVITE\r\n"
                                    "Contact: <sip:alice@pc33.atlanta.com>\r\n"
                                    "Content-Type: application/sdp\r\n"
                                    "Content-Length: 5\r\n"
                                    "\r\n"
                                    "v=0\r\n";

static const char routed_ack[] = "ACK sip:bob@biloxi.com SIP/2.0\r\n"
                                 "Via: SIP/2.0/UDP pc33.atlanta.com;branch=" BR1 "\r\n"
                                 "Max-Forwards: 69\r\n"
                                 "Route: <sip:p1.example.com;lr>\r\n"
                                 "Route: <sip:p2.example.com;lr>\r\n"
                                 "Route: <sip:p3.example.com;lr>\r\n"
                                 "From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n"
                                 "To: Bob <sip:bob@biloxi.com>;tag=a6c85cf\r\n"
                                 "Call-ID: a84b4c76e66710@pc33.atlanta.com\r\n"
                                 "CSeq: 314159 ACK\r\n"
                                 "Content-Length: 0\r\n"
                                 "\r\n";

static void test_17_1_1_3_non_2xx_final_is_acked_by_the_transaction_with_exact_headers(void **state)
{
    (void)state;
    harness *h = harness_new();
    sipua__txn *t = client(h, routed_invite, &h->udp);
    run_until(h, T0 + MS(700));
    assert_int_equal(recv_udp(h, resp(h, (resp_spec){.status = 486, .to_tag = "a6c85cf"})), 0);
    assert_int_equal(sipua__txn_get_state(t), SIPUA__TXN_COMPLETED);
    EXPECT_SEND_TIMES(h, 0, MS(500), MS(700));
    assert_string_equal(sent_text(h, 0), routed_invite);
    assert_string_equal(sent_text(h, 2), routed_ack);
    EXPECT_EVENTS(h, EV_RESPONSE);
    assert_int_equal(h->ev[0].status, 486);
    /* A retransmitted 486 is answered with the same ACK, not passed up. */
    run_until(h, T0 + SEC(5));
    assert_int_equal(recv_udp(h, resp(h, (resp_spec){.status = 486, .to_tag = "a6c85cf"})), 0);
    EXPECT_SEND_TIMES(h, 0, MS(500), MS(700), SEC(5));
    assert_string_equal(sent_text(h, 3), routed_ack);
    EXPECT_EVENTS(h, EV_RESPONSE);
    assert_int_equal(stats(h).absorbed, 1);
    /* Timer D: 32 s on UDP, then Terminated. */
    run_until(h, T0 + SEC(100));
    EXPECT_EVENTS(h, EV_RESPONSE, EV_TERMINATED);
    assert_int_equal(h->ev[1].at, T0 + MS(700) + SEC(32));
    assert_int_equal(live(h), 0);
    harness_free(h);
}

static void test_17_1_1_3_ack_takes_only_the_top_via_and_unfolds_the_response_to(void **state)
{
    (void)state;
    harness *h = harness_new();
    client(h,
           "INVITE sip:bob@biloxi.com;transport=udp SIP/2.0\r\n"
           "v: SIP/2.0/UDP pc33.atlanta.com;branch=" BR1 ", SIP/2.0/UDP 10.0.0.1\r\n"
           "t: <sip:bob@biloxi.com>\r\n"
           "f: <sip:alice@atlanta.com>;tag=88\r\n"
           "i: abc@host\r\n"
           "CSeq: 7 INVITE\r\n"
           "Content-Length: 0\r\n\r\n",
           &h->tcp);
    assert_int_equal(recv_from(h,
                               "SIP/2.0 603 Decline\r\n"
                               "Via: SIP/2.0/UDP pc33.atlanta.com;branch=" BR1 "\r\n"
                               "To: <sip:bob@biloxi.com>\r\n ;tag=99\r\n"
                               "From: <sip:alice@atlanta.com>;tag=88\r\n"
                               "Call-ID: abc@host\r\n"
                               "CSeq: 7 INVITE\r\n"
                               "Content-Length: 0\r\n\r\n",
                               &h->tcp),
                     0);
    assert_string_equal(sent_text(h, 1), "ACK sip:bob@biloxi.com;transport=udp SIP/2.0\r\n"
                                         "Via: SIP/2.0/UDP pc33.atlanta.com;branch=" BR1 "\r\n"
                                         "Max-Forwards: 70\r\n"
                                         "From: <sip:alice@atlanta.com>;tag=88\r\n"
                                         "To: <sip:bob@biloxi.com> ;tag=99\r\n"
                                         "Call-ID: abc@host\r\n"
                                         "CSeq: 7 ACK\r\n"
                                         "Content-Length: 0\r\n"
                                         "\r\n");
    /* Timer D is zero on a reliable transport. */
    EXPECT_EVENTS(h, EV_RESPONSE, EV_TERMINATED);
    assert_int_equal(live(h), 0);
    harness_free(h);
}

static void test_rfc6026_7_2_invite_client_accepted_passes_every_2xx_until_timer_m(void **state)
{
    (void)state;
    harness *h = harness_new();
    sipua__txn *t = client(h, req(h, (req_spec){.method = "INVITE", .branch = BR1}), &h->udp);
    run_until(h, T0 + MS(200));
    assert_int_equal(recv_udp(h, resp(h, (resp_spec){.status = 200, .to_tag = "fork1"})), 0);
    assert_int_equal(sipua__txn_get_state(t), SIPUA__TXN_ACCEPTED);
    /* The transaction sends no ACK for a 2xx: that is the TU's. */
    EXPECT_SEND_TIMES(h, 0);
    run_until(h, T0 + SEC(2));
    assert_int_equal(recv_udp(h, resp(h, (resp_spec){.status = 200, .to_tag = "fork1"})), 0);
    assert_int_equal(recv_udp(h, resp(h, (resp_spec){.status = 200, .to_tag = "fork2"})), 0);
    assert_int_equal(recv_udp(h, resp(h, (resp_spec){.status = 486, .to_tag = "fork3"})), 0);
    assert_int_equal(recv_udp(h, resp(h, (resp_spec){.status = 180, .to_tag = "fork3"})), 0);
    EXPECT_EVENTS(h, EV_RESPONSE, EV_RESPONSE, EV_RESPONSE);
    EXPECT_SEND_TIMES(h, 0);
    assert_int_equal(stats(h).absorbed, 2);
    run_until(h, T0 + SEC(100));
    EXPECT_EVENTS(h, EV_RESPONSE, EV_RESPONSE, EV_RESPONSE, EV_TERMINATED);
    assert_int_equal(h->ev[3].at, T0 + MS(200) + SEC(32)); /* timer M = 64*T1 */
    /* After timer M a 2xx matches nothing and is discarded (RFC 6026 8.9). */
    assert_int_equal(recv_udp(h, resp(h, (resp_spec){.status = 200, .to_tag = "fork1"})),
                     SIPUA_ENOTFOUND);
    assert_int_equal(stats(h).stray_responses, 1);
    assert_int_equal(h->nev, 4);
    harness_free(h);
}

static void test_17_1_1_2_2xx_from_proceeding_also_enters_accepted(void **state)
{
    (void)state;
    harness *h = harness_new();
    sipua__txn *t = client(h, req(h, (req_spec){.method = "INVITE", .branch = BR1}), &h->tcp);
    assert_int_equal(recv_udp(h, resp(h, (resp_spec){.status = 100})), 0);
    assert_int_equal(recv_udp(h, resp(h, (resp_spec){.status = 200, .to_tag = "x"})), 0);
    assert_int_equal(sipua__txn_get_state(t), SIPUA__TXN_ACCEPTED);
    /* Timer M runs on reliable transports too: forks may still answer. */
    assert_int_equal(sipua__txn_layer_next_deadline(h->layer), T0 + SEC(32));
    run_until(h, T0 + SEC(40));
    EXPECT_EVENTS(h, EV_RESPONSE, EV_RESPONSE, EV_TERMINATED);
    harness_free(h);
}

static void test_17_1_1_2_completed_and_accepted_ignore_what_does_not_belong(void **state)
{
    (void)state;
    harness *h = harness_new();
    sipua__txn *t = client(h, req(h, (req_spec){.method = "INVITE", .branch = BR1}), &h->udp);
    assert_int_equal(recv_udp(h, resp(h, (resp_spec){.status = 480, .to_tag = "x"})), 0);
    /* In Completed a 1xx or a 2xx is neither passed up nor acknowledged. */
    assert_int_equal(recv_udp(h, resp(h, (resp_spec){.status = 180, .to_tag = "x"})), 0);
    assert_int_equal(recv_udp(h, resp(h, (resp_spec){.status = 200, .to_tag = "y"})), 0);
    assert_int_equal(sipua__txn_get_state(t), SIPUA__TXN_COMPLETED);
    EXPECT_EVENTS(h, EV_RESPONSE);
    assert_int_equal(h->nsent, 2); /* the INVITE and one ACK */
    assert_int_equal(stats(h).absorbed, 2);
    assert_int_equal(sipua__txn_layer_next_deadline(h->layer), T0 + SEC(32)); /* timer D */
    harness_free(h);
}

/* ------------------------------------------------------------------ */
/* 17.1.2 non-INVITE client transaction                                */

static void test_17_1_2_2_timer_e_doubles_up_to_t2_and_timer_f_times_out_at_64_t1(void **state)
{
    (void)state;
    harness *h = harness_new();
    sipua__txn *t = client(h, req(h, (req_spec){.method = "OPTIONS", .branch = BR1}), &h->udp);
    assert_int_equal(sipua__txn_get_kind(t), SIPUA__TXN_NON_INVITE_CLIENT);
    assert_int_equal(sipua__txn_get_state(t), SIPUA__TXN_TRYING);
    run_until(h, T0 + SEC(100));
    EXPECT_SEND_TIMES(h, 0, MS(500), MS(1500), MS(3500), MS(7500), MS(11500), MS(15500), MS(19500),
                      MS(23500), MS(27500), MS(31500));
    EXPECT_EVENTS(h, EV_TIMEOUT, EV_TERMINATED);
    assert_int_equal(h->ev[0].at, T0 + SEC(32));
    harness_free(h);
}

static void test_17_1_2_2_provisional_sets_timer_e_to_t2_and_timer_f_still_runs(void **state)
{
    (void)state;
    harness *h = harness_new();
    sipua__txn *t = client(h, req(h, (req_spec){.method = "BYE", .branch = BR1}), &h->udp);
    run_until(h, T0 + MS(200));
    assert_int_equal(recv_udp(h, resp(h, (resp_spec){.status = 100, .method = "BYE"})), 0);
    assert_int_equal(sipua__txn_get_state(t), SIPUA__TXN_PROCEEDING);
    run_until(h, T0 + SEC(100));
    EXPECT_SEND_TIMES(h, 0, MS(500), MS(4500), MS(8500), MS(12500), MS(16500), MS(20500), MS(24500),
                      MS(28500));
    EXPECT_EVENTS(h, EV_RESPONSE, EV_TIMEOUT, EV_TERMINATED);
    assert_int_equal(h->ev[1].at, T0 + SEC(32));
    harness_free(h);
}

static void test_17_1_2_2_final_response_completes_and_timer_k_is_t4(void **state)
{
    (void)state;
    harness *h = harness_new();
    sipua__txn *t = client(h, req(h, (req_spec){.method = "REGISTER", .branch = BR1}), &h->udp);
    run_until(h, T0 + SEC(1));
    assert_int_equal(recv_udp(h, resp(h, (resp_spec){.status = 401, .method = "REGISTER"})), 0);
    assert_int_equal(sipua__txn_get_state(t), SIPUA__TXN_COMPLETED);
    assert_int_equal(sipua__txn_get_status(t), 401);
    run_until(h, T0 + SEC(3));
    assert_int_equal(recv_udp(h, resp(h, (resp_spec){.status = 401, .method = "REGISTER"})), 0);
    assert_int_equal(stats(h).absorbed, 1);
    run_until(h, T0 + SEC(100));
    EXPECT_SEND_TIMES(h, 0, MS(500)); /* nothing after the final response */
    EXPECT_EVENTS(h, EV_RESPONSE, EV_TERMINATED);
    assert_int_equal(h->ev[1].at, T0 + SEC(1) + SEC(5));
    harness_free(h);
}

static void test_17_1_2_2_reliable_sends_once_and_timer_k_is_zero(void **state)
{
    (void)state;
    harness *h = harness_new();
    client(h, req(h, (req_spec){.method = "MESSAGE", .branch = BR1}), &h->tcp);
    run_until(h, T0 + SEC(10));
    assert_int_equal(
        recv_from(h, resp(h, (resp_spec){.status = 200, .method = "MESSAGE"}), &h->tcp), 0);
    EXPECT_SEND_TIMES(h, 0);
    EXPECT_EVENTS(h, EV_RESPONSE, EV_TERMINATED);
    assert_int_equal(h->ev[1].at, T0 + SEC(10));
    assert_int_equal(live(h), 0);
    harness_free(h);
}

/* ------------------------------------------------------------------ */
/* 17.1.3 matching responses                                           */

static void test_17_1_3_responses_match_by_branch_and_cseq_method(void **state)
{
    (void)state;
    harness *h = harness_new();
    sipua__txn *inv = client(h, routed_invite, &h->tcp);
    char cancel[1024];
    int n = sipua__txn_client_build_cancel(inv, cancel, sizeof cancel);
    assert_true(n > 0);
    sipua__txn *can = client(h, cancel, &h->tcp);
    assert_ptr_not_equal(inv, can);
    assert_int_equal(sipua__txn_get_method(can), SIPUA_METHOD_CANCEL);
    assert_int_equal(recv_udp(h, resp(h, (resp_spec){.status = 200, .method = "CANCEL"})), 0);
    assert_int_equal(recv_udp(h, resp(h, (resp_spec){.status = 487, .to_tag = "t"})), 0);
    assert_ptr_equal(h->ev[0].t, can);
    assert_int_equal(h->ev[0].status, 200);
    /* CANCEL over TCP: Completed then Terminated at once; then the 487. */
    assert_int_equal(h->ev[1].kind, EV_TERMINATED);
    assert_ptr_equal(h->ev[2].t, inv);
    assert_int_equal(h->ev[2].status, 487);
    /* Another branch, or the right branch with another method, is stray. */
    assert_int_equal(recv_udp(h, resp(h, (resp_spec){.status = 200, .branch = BR2})),
                     SIPUA_ENOTFOUND);
    assert_int_equal(recv_udp(h, resp(h, (resp_spec){.status = 200, .method = "BYE"})),
                     SIPUA_ENOTFOUND);
    assert_int_equal(stats(h).stray_responses, 2);
    harness_free(h);
}

static void test_9_1_cancel_is_built_from_the_invite(void **state)
{
    (void)state;
    harness *h = harness_new();
    sipua__txn *inv = client(h, routed_invite, &h->udp);
    char out[1024];
    int n = sipua__txn_client_build_cancel(inv, out, sizeof out);
    assert_true(n > 0);
    out[n] = '\0';
    assert_string_equal(out, "CANCEL sip:bob@biloxi.com SIP/2.0\r\n"
                             "Via: SIP/2.0/UDP pc33.atlanta.com;branch=" BR1 "\r\n"
                             "Max-Forwards: 69\r\n"
                             "Route: <sip:p1.example.com;lr>\r\n"
                             "Route: <sip:p2.example.com;lr>\r\n"
                             "Route: <sip:p3.example.com;lr>\r\n"
                             "From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n"
                             "To: Bob <sip:bob@biloxi.com>\r\n"
                             "Call-ID: a84b4c76e66710@pc33.atlanta.com\r\n"
                             "CSeq: 314159 CANCEL\r\n"
                             "Content-Length: 0\r\n"
                             "\r\n");
    assert_int_equal(sipua__txn_client_build_cancel(inv, out, 20), SIPUA_ENOSPC);
    sipua__txn *opt = client(h, req(h, (req_spec){.method = "OPTIONS", .branch = BR2}), &h->udp);
    assert_int_equal(sipua__txn_client_build_cancel(opt, out, sizeof out), SIPUA_EINVAL);
    harness_free(h); /* frees live transactions without callbacks */
}

/* ------------------------------------------------------------------ */
/* 17.1.4 and 17.2.4 transport errors                                  */

static void test_17_1_4_first_send_failure_is_returned_and_leaves_nothing(void **state)
{
    (void)state;
    harness *h = harness_new();
    h->fail_send_at = 0;
    sipua__txn *t = (sipua__txn *)1;
    const char *text = req(h, (req_spec){.method = "INVITE", .branch = BR1});
    assert_int_equal(sipua__txn_client_new(h->layer, text, strlen(text), &h->udp, NULL, h->now, &t),
                     SIPUA_EIO);
    assert_null(t);
    assert_int_equal(h->nev, 0);
    assert_int_equal(live(h), 0);
    assert_int_equal(sipua__txn_layer_next_deadline(h->layer), 0);
    harness_free(h);
}

static void test_17_1_4_retransmission_failure_reports_a_transport_error(void **state)
{
    (void)state;
    harness *h = harness_new();
    h->fail_send_at = 2;
    h->send_err = -42;
    sipua__txn *t = client(h, req(h, (req_spec){.method = "INVITE", .branch = BR1}), &h->udp);
    run_until(h, T0 + SEC(100));
    EXPECT_SEND_TIMES(h, 0, MS(500));
    EXPECT_EVENTS(h, EV_TRANSPORT_ERROR, EV_TERMINATED);
    assert_ptr_equal(h->ev[0].t, t);
    assert_int_equal(h->ev[0].err, -42);
    assert_int_equal(h->ev[0].at, T0 + MS(1500));
    assert_int_equal(stats(h).transport_errors, 1);
    assert_int_equal(live(h), 0);
    harness_free(h);
}

static void test_17_1_4_ack_send_failure_passes_the_response_then_reports(void **state)
{
    (void)state;
    harness *h = harness_new();
    h->fail_send_at = 1;
    client(h, req(h, (req_spec){.method = "INVITE", .branch = BR1}), &h->udp);
    assert_int_equal(recv_udp(h, resp(h, (resp_spec){.status = 404, .to_tag = "x"})), 0);
    EXPECT_EVENTS(h, EV_RESPONSE, EV_TRANSPORT_ERROR, EV_TERMINATED);
    assert_int_equal(live(h), 0);
    harness_free(h);
}

static void test_17_2_4_response_send_failure_reports_a_transport_error(void **state)
{
    (void)state;
    harness *h = harness_new();
    assert_int_equal(recv_udp(h, req(h, (req_spec){.method = "OPTIONS", .branch = BR1})), 0);
    sipua__txn *st = last_request_txn(h);
    h->fail_send_at = h->send_calls;
    assert_int_equal(respond(h, st, resp(h, (resp_spec){.status = 200, .method = "OPTIONS"})), 0);
    EXPECT_EVENTS(h, EV_REQUEST, EV_TRANSPORT_ERROR, EV_TERMINATED);
    assert_ptr_equal(h->ev[1].t, st);
    assert_int_equal(h->ev[1].err, SIPUA_EIO);
    assert_int_equal(live(h), 0);
    harness_free(h);
}

static void test_17_2_4_timer_g_failure_reports_a_transport_error(void **state)
{
    (void)state;
    harness *h = harness_new();
    assert_int_equal(recv_udp(h, req(h, (req_spec){.method = "INVITE", .branch = BR1})), 0);
    sipua__txn *st = last_request_txn(h);
    assert_int_equal(respond(h, st, resp(h, (resp_spec){.status = 500, .to_tag = "s"})), 0);
    h->fail_send_at = h->send_calls;
    run_until(h, T0 + SEC(100));
    EXPECT_EVENTS(h, EV_REQUEST, EV_TRANSPORT_ERROR, EV_TERMINATED);
    assert_int_equal(h->ev[1].at, T0 + MS(500));
    harness_free(h);
}

/* ------------------------------------------------------------------ */
/* 17.2.1 INVITE server transaction                                    */

static void test_17_2_1_silent_tu_gets_a_100_trying_with_the_request_headers(void **state)
{
    (void)state;
    harness *h = harness_new();
    const char *invite =
        "INVITE sip:bob@biloxi.com SIP/2.0\r\n"
        "Via: SIP/2.0/UDP bigbox3.site3.atlanta.com;branch=z9hG4bK77ef4c2312983.1\r\n"
        "v: SIP/2.0/UDP pc33.atlanta.com;branch=" BR1 ";received=192.0.2.1\r\n"
        "Max-Forwards: 69\r\n"
        "To: Bob <sip:bob@biloxi.com>\r\n"
        "From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n"
        "Call-ID: a84b4c76e66710\r\n"
        "CSeq: 314159 INVITE\r\n"
        "Timestamp: 54\r\n"
        "Contact: <sip:alice@pc33.atlanta.com>\r\n"
        "Content-Length: 0\r\n"
        "\r\n";
    assert_int_equal(recv_udp(h, invite), 0);
    EXPECT_EVENTS(h, EV_REQUEST);
    sipua__txn *st = h->ev[0].t;
    assert_non_null(st);
    assert_int_equal(sipua__txn_get_kind(st), SIPUA__TXN_INVITE_SERVER);
    assert_int_equal(sipua__txn_get_state(st), SIPUA__TXN_PROCEEDING);
    assert_int_equal(h->ev[0].status, SIPUA_METHOD_INVITE);
    EXPECT_SEND_TIMES(h, 0);
    assert_string_equal(
        sent_text(h, 0),
        "SIP/2.0 100 Trying\r\n"
        "Via: SIP/2.0/UDP bigbox3.site3.atlanta.com;branch=z9hG4bK77ef4c2312983.1\r\n"
        "Via: SIP/2.0/UDP pc33.atlanta.com;branch=" BR1 ";received=192.0.2.1\r\n"
        "To: Bob <sip:bob@biloxi.com>\r\n"
        "From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n"
        "Call-ID: a84b4c76e66710\r\n"
        "CSeq: 314159 INVITE\r\n"
        "Timestamp: 54\r\n"
        "Content-Length: 0\r\n"
        "\r\n");
    assert_string_equal(h->sent[0].dest.host, "192.0.2.4");
    /* A retransmission is answered with the 100 again; the TU hears nothing. */
    run_until(h, T0 + MS(500));
    assert_int_equal(recv_udp(h, invite), 0);
    EXPECT_SEND_TIMES(h, 0, MS(500));
    assert_string_equal(sent_text(h, 1), sent_text(h, 0));
    EXPECT_EVENTS(h, EV_REQUEST);
    assert_int_equal(stats(h).absorbed, 1);
    sipua__txn_terminate(st);
    harness_free(h);
}

static void answer_in_callback(harness *h, sipua__txn *st, const sipua_msg *m)
{
    (void)m;
    if (!st)
        return;
    const char *method = sipua__txn_get_method(st) == SIPUA_METHOD_INVITE ? "INVITE" : "OPTIONS";
    assert_int_equal(
        respond(h, st,
                resp(h, (resp_spec){.status = h->answer_status, .method = method, .to_tag = "cb"})),
        0);
}

static void test_17_2_1_tu_answering_in_the_callback_gets_no_100_from_the_transaction(void **state)
{
    (void)state;
    harness *h = harness_new();
    h->on_request = answer_in_callback;
    h->answer_status = 180;
    assert_int_equal(recv_udp(h, req(h, (req_spec){.method = "INVITE", .branch = BR1})), 0);
    EXPECT_SEND_TIMES(h, 0);
    assert_true(starts_with(sent_text(h, 0), "SIP/2.0 180 "));
    /* With send_trying off, a silent TU gets no 100 either. */
    sipua__txn_config cfg;
    sipua__txn_config_init(&cfg);
    cfg.send_trying = 0;
    harness *h2 = harness_new_with(&cfg);
    assert_int_equal(recv_udp(h2, req(h2, (req_spec){.method = "INVITE", .branch = BR1})), 0);
    assert_int_equal(h2->nsent, 0);
    /* and a retransmission before any response is absorbed silently */
    assert_int_equal(recv_udp(h2, req(h2, (req_spec){.method = "INVITE", .branch = BR1})), 0);
    assert_int_equal(h2->nsent, 0);
    assert_int_equal(h2->nev, 1);
    harness_free(h2);
    harness_free(h);
}

static void test_17_2_1_non_2xx_final_retransmits_on_timer_g_until_the_ack(void **state)
{
    (void)state;
    harness *h = harness_new();
    h->on_request = answer_in_callback;
    h->answer_status = 486;
    assert_int_equal(recv_udp(h, req(h, (req_spec){.method = "INVITE", .branch = BR1})), 0);
    sipua__txn *st = last_request_txn(h);
    assert_int_equal(sipua__txn_get_state(st), SIPUA__TXN_COMPLETED);
    run_until(h, T0 + SEC(12));
    EXPECT_SEND_TIMES(h, 0, MS(500), MS(1500), MS(3500), MS(7500), MS(11500));
    /* A retransmitted INVITE gets the 486 too. */
    assert_int_equal(recv_udp(h, req(h, (req_spec){.method = "INVITE", .branch = BR1})), 0);
    assert_int_equal(h->nsent, 7);
    assert_true(starts_with(sent_text(h, 6), "SIP/2.0 486 "));
    /* The ACK confirms; the TU does not see it; no more 486. */
    assert_int_equal(
        recv_udp(h, req(h, (req_spec){.method = "ACK", .branch = BR1, .to_tag = "cb"})), 0);
    assert_int_equal(sipua__txn_get_state(st), SIPUA__TXN_CONFIRMED);
    run_until(h, T0 + SEC(14));
    assert_int_equal(
        recv_udp(h, req(h, (req_spec){.method = "ACK", .branch = BR1, .to_tag = "cb"})), 0);
    run_until(h, T0 + SEC(100));
    assert_int_equal(h->nsent, 7);
    EXPECT_EVENTS(h, EV_REQUEST, EV_TERMINATED);
    assert_int_equal(h->ev[1].at, T0 + SEC(12) + SEC(5)); /* timer I = T4 */
    assert_int_equal(stats(h).absorbed, 2);
    harness_free(h);
}

static void test_17_2_1_timer_h_times_out_without_an_ack(void **state)
{
    (void)state;
    harness *h = harness_new();
    assert_int_equal(recv_udp(h, req(h, (req_spec){.method = "INVITE", .branch = BR1})), 0);
    sipua__txn *st = last_request_txn(h);
    run_until(h, T0 + SEC(1));
    assert_int_equal(respond(h, st, resp(h, (resp_spec){.status = 404, .to_tag = "s"})), 0);
    run_until(h, T0 + SEC(100));
    /* 100 Trying at 0, the 404 at 1 s, then timer G capped at T2. */
    EXPECT_SEND_TIMES(h, 0, SEC(1), SEC(1.5), SEC(2.5), SEC(4.5), SEC(8.5), SEC(12.5), SEC(16.5),
                      SEC(20.5), SEC(24.5), SEC(28.5), SEC(32.5));
    EXPECT_EVENTS(h, EV_REQUEST, EV_TIMEOUT, EV_TERMINATED);
    assert_int_equal(h->ev[1].at, T0 + SEC(33)); /* timer H = 64*T1 */
    harness_free(h);
}

static void test_17_2_1_reliable_has_no_timer_g_and_timer_i_is_zero(void **state)
{
    (void)state;
    harness *h = harness_new();
    assert_int_equal(recv_from(h, req(h, (req_spec){.method = "INVITE", .branch = BR1}), &h->tcp),
                     0);
    sipua__txn *st = last_request_txn(h);
    assert_int_equal(respond(h, st, resp(h, (resp_spec){.status = 603, .to_tag = "s"})), 0);
    run_until(h, T0 + SEC(10));
    EXPECT_SEND_TIMES(h, 0, 0); /* 100 and 603, nothing more */
    assert_int_equal(h->sent[1].dest.conn_id, 7);
    assert_int_equal(
        recv_from(h, req(h, (req_spec){.method = "ACK", .branch = BR1, .to_tag = "s"}), &h->tcp),
        0);
    EXPECT_EVENTS(h, EV_REQUEST, EV_TERMINATED);
    assert_int_equal(h->ev[1].at, T0 + SEC(10));
    harness_free(h);
}

static void test_rfc6026_8_7_invite_server_accepted_absorbs_invites_and_sends_tu_2xx(void **state)
{
    (void)state;
    harness *h = harness_new();
    assert_int_equal(recv_udp(h, req(h, (req_spec){.method = "INVITE", .branch = BR1})), 0);
    sipua__txn *st = last_request_txn(h);
    run_until(h, T0 + SEC(2));
    const char *ok = resp(h, (resp_spec){.status = 200, .to_tag = "s"});
    assert_int_equal(respond(h, st, ok), 0);
    assert_int_equal(sipua__txn_get_state(st), SIPUA__TXN_ACCEPTED);
    /* An INVITE retransmission is absorbed: neither the TU nor a response. */
    assert_int_equal(recv_udp(h, req(h, (req_spec){.method = "INVITE", .branch = BR1})), 0);
    EXPECT_SEND_TIMES(h, 0, SEC(2));
    /* The TU retransmits its 2xx through the transaction. */
    run_until(h, T0 + SEC(2.5));
    assert_int_equal(respond(h, st, resp(h, (resp_spec){.status = 200, .to_tag = "s"})), 0);
    EXPECT_SEND_TIMES(h, 0, SEC(2), SEC(2.5));
    assert_int_equal(respond(h, st, resp(h, (resp_spec){.status = 486, .to_tag = "s"})),
                     SIPUA_ESTATE);
    assert_int_equal(respond(h, st, resp(h, (resp_spec){.status = 180, .to_tag = "s"})),
                     SIPUA_ESTATE);
    /* The ACK to the 2xx (its own branch) reaches the TU without a transaction. */
    assert_int_equal(recv_udp(h, req(h, (req_spec){.method = "ACK", .branch = BR2, .to_tag = "s"})),
                     0);
    EXPECT_EVENTS(h, EV_REQUEST, EV_REQUEST);
    assert_null(h->ev[1].t);
    assert_int_equal(h->ev[1].status, SIPUA_METHOD_ACK);
    /* Even an ACK reusing the INVITE's branch goes to the TU in Accepted. */
    assert_int_equal(recv_udp(h, req(h, (req_spec){.method = "ACK", .branch = BR1, .to_tag = "s"})),
                     0);
    EXPECT_EVENTS(h, EV_REQUEST, EV_REQUEST, EV_REQUEST);
    assert_null(h->ev[2].t);
    run_until(h, T0 + SEC(100));
    EXPECT_EVENTS(h, EV_REQUEST, EV_REQUEST, EV_REQUEST, EV_TERMINATED);
    assert_int_equal(h->ev[3].at, T0 + SEC(2) + SEC(32)); /* timer L = 64*T1 */
    harness_free(h);
}

static void test_17_2_1_confirmed_absorbs_invites_and_acks_silently(void **state)
{
    (void)state;
    harness *h = harness_new();
    const char *invite = req(h, (req_spec){.method = "INVITE", .branch = BR1});
    assert_int_equal(recv_udp(h, invite), 0);
    sipua__txn *st = last_request_txn(h);
    assert_int_equal(respond(h, st, resp(h, (resp_spec){.status = 486, .to_tag = "s"})), 0);
    assert_int_equal(recv_udp(h, req(h, (req_spec){.method = "ACK", .branch = BR1, .to_tag = "s"})),
                     0);
    assert_int_equal(sipua__txn_get_state(st), SIPUA__TXN_CONFIRMED);
    assert_int_equal(recv_udp(h, invite), 0);
    assert_int_equal(recv_udp(h, req(h, (req_spec){.method = "ACK", .branch = BR1, .to_tag = "s"})),
                     0);
    assert_int_equal(h->nsent, 2); /* 100 and 486 */
    EXPECT_EVENTS(h, EV_REQUEST);
    assert_int_equal(stats(h).absorbed, 2);
    assert_int_equal(respond(h, st, resp(h, (resp_spec){.status = 200, .to_tag = "s"})),
                     SIPUA_ESTATE);
    assert_int_equal(sipua__txn_layer_next_deadline(h->layer), T0 + SEC(5)); /* timer I */
    harness_free(h);
}

static void test_17_2_1_ack_before_a_final_response_is_absorbed(void **state)
{
    (void)state;
    harness *h = harness_new();
    assert_int_equal(recv_udp(h, req(h, (req_spec){.method = "INVITE", .branch = BR1})), 0);
    sipua__txn *st = last_request_txn(h);
    assert_int_equal(recv_udp(h, req(h, (req_spec){.method = "ACK", .branch = BR1})), 0);
    assert_int_equal(sipua__txn_get_state(st), SIPUA__TXN_PROCEEDING);
    EXPECT_EVENTS(h, EV_REQUEST);
    assert_int_equal(stats(h).absorbed, 1);
    harness_free(h);
}

/* ------------------------------------------------------------------ */
/* 17.2.2 non-INVITE server transaction                                */

static void test_17_2_2_trying_absorbs_retransmissions_without_an_answer(void **state)
{
    (void)state;
    harness *h = harness_new();
    const char *options = req(h, (req_spec){.method = "OPTIONS", .branch = BR1});
    assert_int_equal(recv_udp(h, options), 0);
    sipua__txn *st = last_request_txn(h);
    assert_int_equal(sipua__txn_get_kind(st), SIPUA__TXN_NON_INVITE_SERVER);
    assert_int_equal(sipua__txn_get_state(st), SIPUA__TXN_TRYING);
    assert_int_equal(recv_udp(h, options), 0);
    assert_int_equal(h->nsent, 0); /* no 100 for a non-INVITE */
    EXPECT_EVENTS(h, EV_REQUEST);
    assert_int_equal(stats(h).absorbed, 1);
    sipua__txn_terminate(st);
    harness_free(h);
}

static void
test_17_2_2_proceeding_and_completed_resend_the_last_response_until_timer_j(void **state)
{
    (void)state;
    harness *h = harness_new();
    const char *bye = req(h, (req_spec){.method = "BYE", .branch = BR1, .to_tag = "s"});
    assert_int_equal(recv_udp(h, bye), 0);
    sipua__txn *st = last_request_txn(h);
    assert_int_equal(respond(h, st, resp(h, (resp_spec){.status = 100, .method = "BYE"})), 0);
    assert_int_equal(sipua__txn_get_state(st), SIPUA__TXN_PROCEEDING);
    run_until(h, T0 + SEC(1));
    assert_int_equal(recv_udp(h, bye), 0);
    assert_true(starts_with(sent_text(h, 1), "SIP/2.0 100 "));
    run_until(h, T0 + SEC(2));
    assert_int_equal(
        respond(h, st, resp(h, (resp_spec){.status = 200, .method = "BYE", .to_tag = "s"})), 0);
    assert_int_equal(sipua__txn_get_state(st), SIPUA__TXN_COMPLETED);
    assert_int_equal(
        respond(h, st, resp(h, (resp_spec){.status = 200, .method = "BYE", .to_tag = "s"})),
        SIPUA_ESTATE);
    run_until(h, T0 + SEC(3));
    assert_int_equal(recv_udp(h, bye), 0);
    assert_true(starts_with(sent_text(h, 3), "SIP/2.0 200 "));
    EXPECT_SEND_TIMES(h, 0, SEC(1), SEC(2), SEC(3)); /* no timer retransmits responses */
    run_until(h, T0 + SEC(100));
    EXPECT_EVENTS(h, EV_REQUEST, EV_TERMINATED);
    assert_int_equal(h->ev[1].at, T0 + SEC(2) + SEC(32)); /* timer J = 64*T1 */
    /* After J the same request is new again. */
    assert_int_equal(recv_udp(h, bye), 0);
    EXPECT_EVENTS(h, EV_REQUEST, EV_TERMINATED, EV_REQUEST);
    harness_free(h);
}

static void test_17_2_2_reliable_timer_j_is_zero(void **state)
{
    (void)state;
    harness *h = harness_new();
    assert_int_equal(recv_from(h, req(h, (req_spec){.method = "INFO", .branch = BR1}), &h->tcp), 0);
    sipua__txn *st = last_request_txn(h);
    assert_int_equal(respond(h, st, resp(h, (resp_spec){.status = 200, .method = "INFO"})), 0);
    EXPECT_EVENTS(h, EV_REQUEST, EV_TERMINATED);
    assert_int_equal(live(h), 0);
    harness_free(h);
}

/* ------------------------------------------------------------------ */
/* 17.2.3 matching requests                                            */

static void test_17_2_3_sent_by_and_method_are_part_of_the_match(void **state)
{
    (void)state;
    harness *h = harness_new();
    h->on_request = answer_in_callback;
    h->answer_status = 486;
    assert_int_equal(recv_udp(h, req(h, (req_spec){.method = "INVITE", .branch = BR1})), 0);
    sipua__txn *st = last_request_txn(h);
    h->on_request = NULL;
    /* Same branch, other sent-by: another transaction (here an ACK to none). */
    assert_int_equal(recv_udp(h, req(h, (req_spec){.method = "ACK",
                                                   .branch = BR1,
                                                   .host = "evil.example.com",
                                                   .to_tag = "cb"})),
                     0);
    assert_int_equal(sipua__txn_get_state(st), SIPUA__TXN_COMPLETED);
    EXPECT_EVENTS(h, EV_REQUEST, EV_REQUEST);
    assert_null(h->ev[1].t);
    /* Same branch and host, another port: another transaction too. */
    assert_int_equal(recv_udp(h, req(h, (req_spec){.method = "ACK",
                                                   .branch = BR1,
                                                   .host = "pc33.atlanta.com:5070",
                                                   .to_tag = "cb"})),
                     0);
    assert_int_equal(sipua__txn_get_state(st), SIPUA__TXN_COMPLETED);
    EXPECT_EVENTS(h, EV_REQUEST, EV_REQUEST, EV_REQUEST);
    /* Same branch, other method: a new transaction. */
    assert_int_equal(recv_udp(h, req(h, (req_spec){.method = "OPTIONS", .branch = BR1})), 0);
    EXPECT_EVENTS(h, EV_REQUEST, EV_REQUEST, EV_REQUEST, EV_REQUEST);
    assert_non_null(h->ev[3].t);
    assert_ptr_not_equal(h->ev[3].t, st);
    /* Branch and host compare without regard to case. */
    assert_int_equal(recv_udp(h, req(h, (req_spec){.method = "ACK",
                                                   .branch = "z9hG4bK776ASDHDS",
                                                   .host = "PC33.Atlanta.COM",
                                                   .to_tag = "cb"})),
                     0);
    assert_int_equal(sipua__txn_get_state(st), SIPUA__TXN_CONFIRMED);
    harness_free(h);
}

static void test_9_2_cancel_is_its_own_transaction_and_finds_the_invite(void **state)
{
    (void)state;
    harness *h = harness_new();
    assert_int_equal(recv_udp(h, req(h, (req_spec){.method = "INVITE", .branch = BR1})), 0);
    sipua__txn *inv = last_request_txn(h);
    const char *cancel = req(h, (req_spec){.method = "CANCEL", .branch = BR1});
    assert_int_equal(recv_udp(h, cancel), 0);
    sipua__txn *can = last_request_txn(h);
    assert_ptr_not_equal(can, inv);
    assert_int_equal(sipua__txn_get_method(can), SIPUA_METHOD_CANCEL);
    assert_int_equal(sipua__txn_get_kind(can), SIPUA__TXN_NON_INVITE_SERVER);
    assert_ptr_equal(sipua__txn_find_invite_for_cancel(h->layer, h->msg), inv);
    /* A CANCEL with another branch cancels nothing. */
    assert_int_equal(recv_udp(h, req(h, (req_spec){.method = "CANCEL", .branch = BR2})), 0);
    assert_null(sipua__txn_find_invite_for_cancel(h->layer, h->msg));
    /* The TU answers 200 to the CANCEL and 487 to the INVITE. */
    assert_int_equal(respond(h, can, resp(h, (resp_spec){.status = 200, .method = "CANCEL"})), 0);
    assert_int_equal(respond(h, inv, resp(h, (resp_spec){.status = 487, .to_tag = "s"})), 0);
    assert_int_equal(sipua__txn_get_state(inv), SIPUA__TXN_COMPLETED);
    /* Once the INVITE transaction is gone, nothing is found. */
    sipua__txn_terminate(inv);
    assert_int_equal(recv_udp(h, cancel), 0); /* absorbed by the CANCEL transaction */
    assert_null(sipua__txn_find_invite_for_cancel(h->layer, h->msg));
    harness_free(h);
}

static void test_17_2_3_rfc2543_requests_match_on_uri_tags_call_id_cseq_and_via(void **state)
{
    (void)state;
    harness *h = harness_new();
    const char *invite = req(h, (req_spec){.method = "INVITE"}); /* no branch */
    assert_int_equal(recv_udp(h, invite), 0);
    sipua__txn *st = last_request_txn(h);
    assert_null(sipua__txn_get_branch(st).p);
    /* A retransmission matches. */
    assert_int_equal(recv_udp(h, invite), 0);
    EXPECT_EVENTS(h, EV_REQUEST);
    assert_int_equal(h->nsent, 2);
    /* A non-cookie branch (RFC 2543 clients may send one) takes part as Via. */
    assert_int_equal(recv_udp(h, req(h, (req_spec){.method = "INVITE", .branch = "1234"})), 0);
    EXPECT_EVENTS(h, EV_REQUEST, EV_REQUEST);
    sipua__txn_terminate(last_request_txn(h));
    /* Another Request-URI or method: a new transaction each. */
    assert_int_equal(
        recv_udp(h, req(h, (req_spec){.method = "INVITE", .uri = "sip:carol@biloxi.com"})), 0);
    sipua__txn_terminate(last_request_txn(h));
    assert_int_equal(recv_udp(h, req(h, (req_spec){.method = "OPTIONS", .cseq_method = NULL})), 0);
    sipua__txn_terminate(last_request_txn(h));
    EXPECT_EVENTS(h, EV_REQUEST, EV_REQUEST, EV_TERMINATED, EV_REQUEST, EV_TERMINATED, EV_REQUEST,
                  EV_TERMINATED);
    /* An equivalent URI (19.1.4: case of the host) still matches. */
    assert_int_equal(
        recv_udp(h, req(h, (req_spec){.method = "INVITE", .uri = "sip:bob@BILOXI.com"})), 0);
    assert_int_equal(h->nev, 7);
    /* The CANCEL finds it the RFC 2543 way. */
    assert_int_equal(recv_udp(h, req(h, (req_spec){.method = "CANCEL"})), 0);
    assert_ptr_equal(sipua__txn_find_invite_for_cancel(h->layer, h->msg), st);
    /* The ACK matches only with the To tag of the response. */
    assert_int_equal(respond(h, st, resp(h, (resp_spec){.status = 486, .to_tag = "rt"})), 0);
    assert_int_equal(recv_udp(h, req(h, (req_spec){.method = "ACK", .to_tag = "other"})), 0);
    assert_int_equal(sipua__txn_get_state(st), SIPUA__TXN_COMPLETED);
    assert_null(h->ev[h->nev - 1].t); /* went to the TU as an ACK to no transaction */
    assert_int_equal(recv_udp(h, req(h, (req_spec){.method = "ACK", .to_tag = "rt"})), 0);
    assert_int_equal(sipua__txn_get_state(st), SIPUA__TXN_CONFIRMED);
    harness_free(h);
}

/* ------------------------------------------------------------------ */
/* API behaviour                                                       */

static void test_api_client_new_refuses_ack_2543_branches_and_cseq_mismatch(void **state)
{
    (void)state;
    harness *h = harness_new();
    sipua__txn *t = NULL;
    const char *bad[] = {
        req(h, (req_spec){.method = "ACK", .branch = BR1}),
        req(h, (req_spec){.method = "INVITE"}),
        req(h, (req_spec){.method = "INVITE", .branch = "1234"}),
    };
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(
            sipua__txn_client_new(h->layer, bad[i], strlen(bad[i]), &h->udp, NULL, h->now, &t),
            SIPUA_EINVAL);
    assert_int_equal(sipua__txn_client_new(h->layer, "garbage", 7, &h->udp, NULL, h->now, &t),
                     SIPUA_EPARSE);
    assert_int_equal(sipua__txn_client_new(NULL, "x", 1, &h->udp, NULL, h->now, &t), SIPUA_EINVAL);
    assert_int_equal(h->nsent, 0);
    assert_int_equal(live(h), 0);
    /* The message layer already refuses a CSeq method that is not the
     * request's (8.1.1.5). */
    const char *mismatch =
        req(h, (req_spec){.method = "INVITE", .branch = BR1, .cseq_method = "BYE"});
    assert_int_equal(
        sipua__txn_client_new(h->layer, mismatch, strlen(mismatch), &h->udp, NULL, h->now, &t),
        SIPUA_EPARSE);
    harness_free(h);
}

static void test_api_argument_and_state_errors_make_no_callback(void **state)
{
    (void)state;
    harness *h = harness_new();
    assert_int_equal(sipua__txn_layer_recv(NULL, h->msg, &h->udp, h->now), SIPUA_EINVAL);
    assert_int_equal(sipua__txn_layer_recv(h->layer, NULL, &h->udp, h->now), SIPUA_EINVAL);
    assert_int_equal(sipua__txn_layer_advance(NULL, h->now), SIPUA_EINVAL);
    assert_int_equal(sipua__txn_server_respond(NULL, "x", 1, h->now), SIPUA_EINVAL);
    assert_null(sipua__txn_find_invite_for_cancel(h->layer, NULL));
    /* A response whose top Via has no branch matches nothing. */
    assert_int_equal(recv_udp(h, "SIP/2.0 200 OK\r\n"
                                 "Via: SIP/2.0/UDP pc33.atlanta.com\r\n"
                                 "To: <sip:bob@biloxi.com>;tag=1\r\n"
                                 "From: <sip:alice@atlanta.com>;tag=2\r\n"
                                 "Call-ID: x\r\n"
                                 "CSeq: 1 INVITE\r\n"
                                 "Content-Length: 0\r\n\r\n"),
                     SIPUA_ENOTFOUND);
    /* Responding on a client transaction, with a request, or with bytes
     * that do not parse. */
    sipua__txn *ct = client(h, req(h, (req_spec){.method = "INVITE", .branch = BR1}), &h->udp);
    assert_int_equal(respond(h, ct, resp(h, (resp_spec){.status = 200})), SIPUA_ESTATE);
    assert_int_equal(recv_udp(h, req(h, (req_spec){.method = "OPTIONS", .branch = BR2})), 0);
    sipua__txn *st = last_request_txn(h);
    assert_int_equal(respond(h, st, req(h, (req_spec){.method = "OPTIONS", .branch = BR2})),
                     SIPUA_EINVAL);
    assert_int_equal(respond(h, st, "SIP/2.0 200\r\n\r\n"), SIPUA_EPARSE);
    assert_int_equal(sipua__txn_get_state(st), SIPUA__TXN_TRYING);
    EXPECT_EVENTS(h, EV_REQUEST);
    EXPECT_SEND_TIMES(h, 0);
    harness_free(h);
}

static void test_api_user_pointer_dest_and_state_names(void **state)
{
    (void)state;
    harness *h = harness_new();
    int mine = 0;
    const char *text = req(h, (req_spec){.method = "INVITE", .branch = BR1});
    sipua__txn *t = NULL;
    assert_int_equal(
        sipua__txn_client_new(h->layer, text, strlen(text), &h->udp, &mine, h->now, &t), 0);
    assert_ptr_equal(sipua__txn_get_user(t), &mine);
    sipua__txn_set_user(t, NULL);
    assert_null(sipua__txn_get_user(t));
    assert_ptr_equal(sipua__txn_get_layer(t), h->layer);
    assert_string_equal(sipua__txn_get_dest(t)->host, "192.0.2.4");
    assert_int_equal(sipua__txn_get_dest(t)->reliable, 0);
    sipua__txn_set_dest(t, &h->tcp);
    assert_int_equal(sipua__txn_get_dest(t)->reliable, 1);
    assert_span(sipua__txn_get_branch(t), BR1);
    assert_string_equal(sipua__txn_state_name(SIPUA__TXN_ACCEPTED), "Accepted");
    assert_string_equal(sipua__txn_state_name(SIPUA__TXN_CONFIRMED), "Confirmed");
    sipua__txn_dest d;
    sipua__txn_dest_init(&d, SIPUA__TRANSPORT_WSS, "2001:db8::1", 443, 9);
    assert_int_equal(d.reliable, 1);
    assert_string_equal(d.host, "2001:db8::1");
    harness_free(h);
}

static void reenter(harness *h, sipua__txn *st, const sipua_msg *m)
{
    (void)st;
    assert_int_equal(sipua__txn_layer_recv(h->layer, m, &h->udp, h->now), SIPUA_ESTATE);
    assert_int_equal(sipua__txn_layer_advance(h->layer, h->now), SIPUA_ESTATE);
    /* Terminating from the callback is allowed: no 100 then. */
    sipua__txn_terminate(st);
}

static void test_api_recv_and_advance_from_a_callback_are_refused(void **state)
{
    (void)state;
    harness *h = harness_new();
    h->on_request = reenter;
    assert_int_equal(recv_udp(h, req(h, (req_spec){.method = "INVITE", .branch = BR1})), 0);
    EXPECT_EVENTS(h, EV_REQUEST, EV_TERMINATED);
    assert_int_equal(h->nsent, 0);
    assert_int_equal(live(h), 0);
    harness_free(h);
}

static void test_api_make_branch_uses_the_random_callback(void **state)
{
    (void)state;
    harness *h = harness_new();
    char b[64];
    assert_int_equal(sipua__txn_make_branch(h->layer, b, sizeof b), 29);
    assert_true(starts_with(b, "z9hG4bK"));
    assert_int_equal(strlen(b), 29);
    assert_int_equal(sipua__txn_make_branch(h->layer, b, 29), SIPUA_ENOSPC);
    harness_free(h);
    sipua__txn_callbacks cb = {.send = cb_send};
    sipua__txn_layer *layer = sipua__txn_layer_new(NULL, &cb, NULL, NULL);
    assert_non_null(layer);
    assert_int_equal(sipua__txn_make_branch(layer, b, sizeof b), SIPUA_EINVAL);
    sipua__txn_layer_free(layer);
    sipua__txn_callbacks none = {0};
    assert_null(sipua__txn_layer_new(NULL, &none, NULL, NULL));
}

/* Each allocation in turn fails; every call either succeeds or returns
 * SIPUA_ENOMEM, and nothing leaks. */
static void test_api_allocation_failure_at_every_step_leaks_nothing(void **state)
{
    (void)state;
    int completed = 0;
    for (long n = 0; n < 200 && !completed; n++) {
        counting_alloc ca = {{ca_alloc, ca_realloc, ca_free, NULL}, 0, n, 0};
        ca.a.user = &ca;
        harness *h = harness_new(); /* for its messages and callbacks */
        sipua__txn_callbacks cb = {
            cb_send, cb_request, cb_response, cb_timeout, cb_transport_error, cb_terminated, NULL};
        sipua__txn_layer *layer = sipua__txn_layer_new(NULL, &cb, h, &ca.a);
        if (layer) {
            sipua__txn *t;
            const char *inv = req(h, (req_spec){.method = "INVITE", .branch = BR1});
            int rc1 = sipua__txn_client_new(layer, inv, strlen(inv), &h->udp, NULL, T0, &t);
            assert_true(rc1 == 0 || rc1 == SIPUA_ENOMEM);
            const char *r = resp(h, (resp_spec){.status = 486, .to_tag = "x"});
            assert_int_equal(sipua_msg_parse(h->msg, r, strlen(r), 0), (int)strlen(r));
            int rc2 = sipua__txn_layer_recv(layer, h->msg, &h->udp, T0);
            const char *opt = req(h, (req_spec){.method = "INVITE", .branch = BR2});
            assert_int_equal(sipua_msg_parse(h->msg, opt, strlen(opt), 0), (int)strlen(opt));
            int rc3 = sipua__txn_layer_recv(layer, h->msg, &h->udp, T0);
            assert_true(rc3 == 0 || rc3 == SIPUA_ENOMEM);
            completed = rc1 == 0 && rc2 == 0 && rc3 == 0 && ca.calls <= n;
            sipua__txn_layer_advance(layer, T0 + SEC(100));
            sipua__txn_layer_free(layer);
        }
        assert_int_equal(ca.live, 0);
        harness_free(h);
    }
    assert_true(completed);
}

/* ------------------------------------------------------------------ */
/* Two layers over a lossy network                                     */

/* Side 0 is the UAC, side 1 the UAS; every message takes 50 ms, and the
 * first drop[i].count messages that start with drop[i].prefix are lost. */
typedef struct net_msg {
    int to;
    char *bytes;
    size_t len;
    sipua_time at;
} net_msg;

typedef struct net net;

typedef struct net_side {
    net *n;
    int id;
    counting_alloc ca;
    sipua__txn_layer *layer;
    int requests, acks, responses, finals, timeouts, terminated;
} net_side;

struct net {
    net_side side[2];
    net_msg q[256];
    size_t nq;
    struct {
        const char *prefix;
        int count;
    } drop[4];
    sipua_time now;
    int answer; /* the UAS TU's status */
    sipua_msg *msg;
    char buf[4096];
};

static int net_send(void *user, const sipua__txn_dest *dest, const char *bytes, size_t len)
{
    (void)dest;
    net_side *side = user;
    net *n = side->n;
    for (size_t i = 0; i < sizeof n->drop / sizeof n->drop[0]; i++) {
        const char *p = n->drop[i].prefix;
        if (p && n->drop[i].count > 0 && len >= strlen(p) && memcmp(bytes, p, strlen(p)) == 0) {
            n->drop[i].count--;
            return 0; /* lost on the way */
        }
    }
    assert_true(n->nq < 256);
    net_msg *m = &n->q[n->nq++];
    m->to = 1 - side->id;
    m->bytes = malloc(len);
    assert_non_null(m->bytes);
    memcpy(m->bytes, bytes, len);
    m->len = len;
    m->at = n->now + MS(50);
    return 0;
}

/* The UAS TU: answers every new request at once with n->answer (200 for
 * a non-INVITE), copying Via, From, To (with a tag), Call-ID and CSeq. */
static void net_request(void *user, sipua__txn *st, const sipua_msg *m, const sipua__txn_dest *from)
{
    (void)from;
    net_side *side = user;
    side->requests++;
    if (!st) {
        side->acks += sipua_msg_method(m) == SIPUA_METHOD_ACK;
        return;
    }
    size_t i = 0;
    const sipua_hdr *via = sipua_msg_find(m, SIPUA_HDR_VIA, &i);
    i = 0;
    const sipua_hdr *f = sipua_msg_find(m, SIPUA_HDR_FROM, &i);
    i = 0;
    const sipua_hdr *t = sipua_msg_find(m, SIPUA_HDR_TO, &i);
    i = 0;
    const sipua_hdr *cseq = sipua_msg_find(m, SIPUA_HDR_CSEQ, &i);
    sipua_str call_id = sipua_msg_call_id(m);
    int status = sipua_msg_method(m) == SIPUA_METHOD_INVITE ? side->n->answer : 200;
    char out[2048];
    int len = snprintf(out, sizeof out,
                       "SIP/2.0 %d X\r\nVia: %.*s\r\nFrom: %.*s\r\nTo: %.*s;tag=uas\r\n"
                       "Call-ID: %.*s\r\nCSeq: %.*s\r\nContent-Length: 0\r\n\r\n",
                       status, (int)via->value.len, via->value.p, (int)f->value.len, f->value.p,
                       (int)t->value.len, t->value.p, (int)call_id.len, call_id.p,
                       (int)cseq->value.len, cseq->value.p);
    assert_int_equal(sipua__txn_server_respond(st, out, (size_t)len, side->n->now), 0);
}

static void net_response(void *user, sipua__txn *ct, const sipua_msg *m)
{
    (void)ct;
    net_side *side = user;
    side->responses++;
    side->finals += sipua_msg_status(m) >= 200;
}

static void net_timeout(void *user, sipua__txn *t)
{
    (void)t;
    ((net_side *)user)->timeouts++;
}

static void net_terminated(void *user, sipua__txn *t)
{
    (void)t;
    ((net_side *)user)->terminated++;
}

static net *net_new(void)
{
    net *n = calloc(1, sizeof *n);
    assert_non_null(n);
    n->now = T0;
    sipua__txn_callbacks cb = {net_send, net_request,    net_response, net_timeout,
                               NULL,     net_terminated, NULL};
    for (int s = 0; s < 2; s++) {
        net_side *side = &n->side[s];
        side->n = n;
        side->id = s;
        side->ca = (counting_alloc){{ca_alloc, ca_realloc, ca_free, &side->ca}, 0, -1, 0};
        side->layer = sipua__txn_layer_new(NULL, &cb, side, &side->ca.a);
        assert_non_null(side->layer);
    }
    n->msg = sipua_msg_new(NULL, NULL);
    assert_non_null(n->msg);
    return n;
}

/* Delivers messages and fires timers in time order until `until`;
 * messages first when they tie with a timer. */
static void net_run(net *n, sipua_time until)
{
    for (;;) {
        size_t first = n->nq;
        for (size_t i = 0; i < n->nq; i++)
            if (first == n->nq || n->q[i].at < n->q[first].at)
                first = i;
        sipua_time when = first < n->nq ? n->q[first].at : 0;
        int timer_side = -1;
        for (int s = 0; s < 2; s++) {
            sipua_time d = sipua__txn_layer_next_deadline(n->side[s].layer);
            if (d && (when == 0 || d < when)) {
                when = d;
                timer_side = s;
            }
        }
        if (when == 0 || when > until)
            break;
        n->now = when;
        if (timer_side >= 0) {
            assert_true(sipua__txn_layer_advance(n->side[timer_side].layer, when) >= 0);
            continue;
        }
        net_msg m = n->q[first];
        n->q[first] = n->q[--n->nq];
        assert_true(m.len < sizeof n->buf);
        memcpy(n->buf, m.bytes, m.len);
        free(m.bytes);
        assert_true(sipua_msg_parse(n->msg, n->buf, m.len, SIPUA_PARSE_DATAGRAM) > 0);
        sipua__txn_dest from;
        sipua__txn_dest_init(&from, SIPUA__TRANSPORT_UDP, "192.0.2.9", 5060, 0);
        int rc = sipua__txn_layer_recv(n->side[m.to].layer, n->msg, &from, when);
        assert_true(rc == 0 || rc == SIPUA_ENOTFOUND);
    }
    n->now = until;
}

static void net_free(net *n)
{
    for (int s = 0; s < 2; s++) {
        sipua__txn_stats st;
        sipua__txn_layer_stats(n->side[s].layer, &st);
        assert_int_equal(st.live, 0); /* everything ended by itself */
        sipua__txn_layer_free(n->side[s].layer);
        assert_int_equal(n->side[s].ca.live, 0);
    }
    for (size_t i = 0; i < n->nq; i++)
        free(n->q[i].bytes);
    sipua_msg_free(n->msg);
    free(n);
}

/* The first `count` messages starting with `prefix` are lost. */
static void net_lose(net *n, int slot, const char *prefix, int count)
{
    n->drop[slot].prefix = prefix;
    n->drop[slot].count = count;
}

/* The UAC sends a request to the UAS; then 100 s go by. */
static void net_call(net *n, const char *method)
{
    char text[1024];
    snprintf(text, sizeof text,
             "%s sip:bob@biloxi.com SIP/2.0\r\n"
             "Via: SIP/2.0/UDP pc33.atlanta.com;branch=" BR1 "\r\n"
             "Max-Forwards: 70\r\n"
             "To: Bob <sip:bob@biloxi.com>\r\n"
             "From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n"
             "Call-ID: a84b4c76e66710@pc33.atlanta.com\r\n"
             "CSeq: 1 %s\r\n"
             "Content-Length: 0\r\n\r\n",
             method, method);
    sipua__txn_dest to;
    sipua__txn_dest_init(&to, SIPUA__TRANSPORT_UDP, "192.0.2.4", 5060, 0);
    sipua__txn *t;
    assert_int_equal(
        sipua__txn_client_new(n->side[0].layer, text, strlen(text), &to, NULL, n->now, &t), 0);
    net_run(n, T0 + SEC(100));
}

static void test_17_lossy_network_lost_486_and_ack_are_recovered_by_timers_a_and_g(void **state)
{
    (void)state;
    net *n = net_new();
    n->answer = 486;
    net_lose(n, 0, "SIP/2.0 486", 1);
    net_lose(n, 1, "ACK ", 1);
    net_call(n, "INVITE");
    assert_int_equal(n->side[0].responses, 1); /* one 486 reached the UAC's TU */
    assert_int_equal(n->side[1].requests, 1);  /* one INVITE reached the UAS's TU */
    assert_int_equal(n->side[1].acks, 0);      /* the ACK stayed in the transaction */
    assert_int_equal(n->side[0].timeouts + n->side[1].timeouts, 0);
    assert_int_equal(n->side[0].terminated, 1);
    assert_int_equal(n->side[1].terminated, 1);
    sipua__txn_stats uac, uas;
    sipua__txn_layer_stats(n->side[0].layer, &uac);
    sipua__txn_layer_stats(n->side[1].layer, &uas);
    assert_true(uac.retransmissions >= 2); /* the INVITE again, then the ACK again */
    assert_true(uas.retransmissions >= 1); /* the 486 again */
    net_free(n);
}

static void test_17_lossy_network_lost_requests_are_recovered_by_timer_e(void **state)
{
    (void)state;
    net *n = net_new();
    net_lose(n, 0, "OPTIONS ", 2);
    net_lose(n, 1, "SIP/2.0 200", 1);
    net_call(n, "OPTIONS");
    assert_int_equal(n->side[0].responses, 1);
    assert_int_equal(n->side[0].finals, 1);
    assert_int_equal(n->side[1].requests, 1);
    assert_int_equal(n->side[0].timeouts, 0);
    net_free(n);
}

static void test_17_lossy_network_no_final_response_times_out_on_both_sides(void **state)
{
    (void)state;
    net *n = net_new();
    n->answer = 600;
    net_lose(n, 0, "SIP/2.0 600", 1000);
    net_call(n, "INVITE");
    /* The UAC gives up on timer B, the UAS on timer H: no ACK ever came. */
    assert_int_equal(n->side[0].responses, 0);
    assert_int_equal(n->side[0].timeouts, 1);
    assert_int_equal(n->side[1].requests, 1);
    assert_int_equal(n->side[1].timeouts, 1);
    assert_int_equal(n->side[0].terminated + n->side[1].terminated, 2);
    net_free(n);
}

/* ------------------------------------------------------------------ */
/* Scale                                                               */

#define MANY 100000

static void test_api_100000_live_transactions_match_through_the_hash_tables(void **state)
{
    (void)state;
    harness *h = harness_new();
    h->log_events = 0;
    sipua__txn **t = calloc(MANY, sizeof *t);
    size_t *order = malloc(MANY * sizeof *order);
    assert_non_null(t);
    assert_non_null(order);
    char branch[64], text[1024];
    /* 100,000 client transactions over TCP, and 100,000 server ones. */
    for (size_t i = 0; i < MANY; i++) {
        snprintf(branch, sizeof branch, "z9hG4bKc%zu", i);
        snprintf(text, sizeof text, "%s",
                 req(h, (req_spec){.method = "OPTIONS", .branch = branch}));
        assert_int_equal(sipua__txn_client_new(h->layer, text, strlen(text), &h->tcp,
                                               (void *)(i + 1), h->now, &t[i]),
                         0);
        snprintf(branch, sizeof branch, "z9hG4bKs%zu", i);
        assert_int_equal(
            recv_from(h, req(h, (req_spec){.method = "OPTIONS", .branch = branch}), &h->tcp), 0);
    }
    assert_int_equal(live(h), 2 * MANY);
    /* Retransmissions of every server request are absorbed. */
    for (size_t i = 0; i < MANY; i++) {
        snprintf(branch, sizeof branch, "z9hG4bKs%zu", i);
        assert_int_equal(
            recv_from(h, req(h, (req_spec){.method = "OPTIONS", .branch = branch}), &h->tcp), 0);
    }
    assert_int_equal(stats(h).servers_created, MANY);
    assert_int_equal(stats(h).absorbed, MANY);
    /* Responses in a shuffled order each reach their own transaction. */
    for (size_t i = 0; i < MANY; i++)
        order[i] = i;
    uint64_t seed = 88172645463325252u;
    for (size_t i = MANY - 1; i > 0; i--) {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        size_t j = seed % (i + 1), x = order[i];
        order[i] = order[j];
        order[j] = x;
    }
    for (size_t k = 0; k < MANY; k++) {
        size_t i = order[k];
        assert_ptr_equal(sipua__txn_get_user(t[i]), (void *)(i + 1));
        snprintf(branch, sizeof branch, "z9hG4bKc%zu", i);
        assert_int_equal(
            recv_from(h, resp(h, (resp_spec){.status = 200, .branch = branch, .method = "OPTIONS"}),
                      &h->tcp),
            0);
    }
    assert_int_equal(live(h), MANY); /* the clients are done (TCP: timer K is zero) */
    /* The server transactions time out of nothing: end them all. */
    harness_free(h);
    free(order);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            test_17_1_1_2_invite_client_udp_timer_a_doubles_and_timer_b_times_out_at_64_t1),
        cmocka_unit_test(test_17_1_1_2_invite_client_reliable_sends_once_and_times_out_at_64_t1),
        cmocka_unit_test(test_17_1_1_2_configured_t1_scales_timers_a_and_b),
        cmocka_unit_test(test_api_config_keeps_defaults_for_timers_that_cannot_work),
        cmocka_unit_test(test_17_1_1_2_provisional_moves_to_proceeding_and_stops_timers_a_and_b),
        cmocka_unit_test(
            test_17_1_1_3_non_2xx_final_is_acked_by_the_transaction_with_exact_headers),
        cmocka_unit_test(test_17_1_1_3_ack_takes_only_the_top_via_and_unfolds_the_response_to),
        cmocka_unit_test(test_rfc6026_7_2_invite_client_accepted_passes_every_2xx_until_timer_m),
        cmocka_unit_test(test_17_1_1_2_2xx_from_proceeding_also_enters_accepted),
        cmocka_unit_test(test_17_1_1_2_completed_and_accepted_ignore_what_does_not_belong),
        cmocka_unit_test(test_17_1_2_2_timer_e_doubles_up_to_t2_and_timer_f_times_out_at_64_t1),
        cmocka_unit_test(test_17_1_2_2_provisional_sets_timer_e_to_t2_and_timer_f_still_runs),
        cmocka_unit_test(test_17_1_2_2_final_response_completes_and_timer_k_is_t4),
        cmocka_unit_test(test_17_1_2_2_reliable_sends_once_and_timer_k_is_zero),
        cmocka_unit_test(test_17_1_3_responses_match_by_branch_and_cseq_method),
        cmocka_unit_test(test_9_1_cancel_is_built_from_the_invite),
        cmocka_unit_test(test_17_1_4_first_send_failure_is_returned_and_leaves_nothing),
        cmocka_unit_test(test_17_1_4_retransmission_failure_reports_a_transport_error),
        cmocka_unit_test(test_17_1_4_ack_send_failure_passes_the_response_then_reports),
        cmocka_unit_test(test_17_2_4_response_send_failure_reports_a_transport_error),
        cmocka_unit_test(test_17_2_4_timer_g_failure_reports_a_transport_error),
        cmocka_unit_test(test_17_2_1_silent_tu_gets_a_100_trying_with_the_request_headers),
        cmocka_unit_test(test_17_2_1_tu_answering_in_the_callback_gets_no_100_from_the_transaction),
        cmocka_unit_test(test_17_2_1_non_2xx_final_retransmits_on_timer_g_until_the_ack),
        cmocka_unit_test(test_17_2_1_timer_h_times_out_without_an_ack),
        cmocka_unit_test(test_17_2_1_reliable_has_no_timer_g_and_timer_i_is_zero),
        cmocka_unit_test(test_rfc6026_8_7_invite_server_accepted_absorbs_invites_and_sends_tu_2xx),
        cmocka_unit_test(test_17_2_1_confirmed_absorbs_invites_and_acks_silently),
        cmocka_unit_test(test_17_2_1_ack_before_a_final_response_is_absorbed),
        cmocka_unit_test(test_17_2_2_trying_absorbs_retransmissions_without_an_answer),
        cmocka_unit_test(
            test_17_2_2_proceeding_and_completed_resend_the_last_response_until_timer_j),
        cmocka_unit_test(test_17_2_2_reliable_timer_j_is_zero),
        cmocka_unit_test(test_17_2_3_sent_by_and_method_are_part_of_the_match),
        cmocka_unit_test(test_9_2_cancel_is_its_own_transaction_and_finds_the_invite),
        cmocka_unit_test(test_17_2_3_rfc2543_requests_match_on_uri_tags_call_id_cseq_and_via),
        cmocka_unit_test(test_api_client_new_refuses_ack_2543_branches_and_cseq_mismatch),
        cmocka_unit_test(test_api_argument_and_state_errors_make_no_callback),
        cmocka_unit_test(test_api_user_pointer_dest_and_state_names),
        cmocka_unit_test(test_api_recv_and_advance_from_a_callback_are_refused),
        cmocka_unit_test(test_api_make_branch_uses_the_random_callback),
        cmocka_unit_test(test_api_allocation_failure_at_every_step_leaks_nothing),
        cmocka_unit_test(test_17_lossy_network_lost_486_and_ack_are_recovered_by_timers_a_and_g),
        cmocka_unit_test(test_17_lossy_network_lost_requests_are_recovered_by_timer_e),
        cmocka_unit_test(test_17_lossy_network_no_final_response_times_out_on_both_sides),
        cmocka_unit_test(test_api_100000_live_transactions_match_through_the_hash_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
