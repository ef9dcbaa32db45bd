/* The UA core's entry points and its minimal transaction user: what it
 * answers to each kind of request, over each transport, and what it does
 * with OPTIONS of its own. A virtual clock and a capturing send callback. */
#include "testutil.h"

#include "sipua/session.h"
#include "sipua/ua.h"

#define MAX_OUT 64

typedef struct sent {
    sipua_endpoint to;
    char *bytes;
    size_t len;
} sent;

typedef struct fixture {
    sipua_ua *ua;
    sent out[MAX_OUT];
    size_t nout;
    sipua_ua_event events[MAX_OUT];
    size_t nevents;
    int send_error; /* what send returns */
    sipua_msg *msg;
    uint8_t rnd;
    int reenter_checked;
} fixture;

static int on_send(void *user, const sipua_endpoint *to, const char *bytes, size_t len)
{
    fixture *f = user;
    assert_true(f->nout < MAX_OUT);
    sent *s = &f->out[f->nout++];
    s->to = *to;
    s->bytes = malloc(len + 1);
    memcpy(s->bytes, bytes, len);
    s->bytes[len] = 0;
    s->len = len;
    return f->send_error;
}

static void on_random(void *user, uint8_t *buf, size_t len)
{
    fixture *f = user;
    for (size_t i = 0; i < len; i++)
        buf[i] = f->rnd++;
}

static void on_event(void *user, const sipua_ua_event *ev)
{
    fixture *f = user;
    assert_true(f->nevents < MAX_OUT);
    f->events[f->nevents] = *ev;
    f->events[f->nevents].msg = NULL; /* borrowed: gone after the callback */
    f->events[f->nevents].peer = NULL;
    f->nevents++;
    /* calls into the core from a callback are refused */
    assert_int_equal(sipua_ua_advance(f->ua, 0), SIPUA_ESTATE);
    f->reenter_checked = 1;
}

static const sipua_ua_callbacks callbacks = {
    .version = SIPUA_UA_CALLBACKS_VERSION, .send = on_send, .random = on_random, .event = on_event};

#define T0 1000000000LL

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    sipua_ua_config cfg;
    sipua_ua_config_init(&cfg);
    sipua_endpoint me;
    sipua_endpoint_set(&me, SIPUA_TRANSPORT_UDP, "192.0.2.1", 5060, 0);
    assert_int_equal(sipua_ua_config_listen(&cfg, &me), 0);
    assert_int_equal(sipua_ua_config_listen(&cfg, &me), SIPUA_EINVAL); /* one per transport */
    me.transport = SIPUA_TRANSPORT_TCP;
    assert_int_equal(sipua_ua_config_listen(&cfg, &me), 0);
    me.transport = SIPUA_TRANSPORT_WS;
    assert_int_equal(sipua_ua_config_listen(&cfg, &me), 0);
    assert_int_equal(sipua_ua_new(&cfg, &callbacks, f, NULL, &f->ua), 0);
    f->msg = sipua_msg_new(NULL, NULL);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    sipua_ua_free(f->ua);
    for (size_t i = 0; i < f->nout; i++)
        free(f->out[i].bytes);
    sipua_msg_free(f->msg);
    free(f);
    return 0;
}

static sipua_endpoint udp_peer(void)
{
    sipua_endpoint ep;
    sipua_endpoint_set(&ep, SIPUA_TRANSPORT_UDP, "203.0.113.9", 40000, 0);
    return ep;
}

/* A request from 192.0.2.7 (its Via says so), method and extra lines. */
static char *request(const char *method, const char *extra, const char *via_params)
{
    static char buf[2048];
    snprintf(buf, sizeof buf,
             "%s sip:192.0.2.1 SIP/2.0\r\n"
             "Via: SIP/2.0/UDP 192.0.2.7:5070;branch=z9hG4bKt1%s\r\n"
             "Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1\r\n"
             "Max-Forwards: 70\r\n"
             "From: <sip:alice@example.com>;tag=a1\r\n"
             "To: <sip:192.0.2.1>\r\n"
             "Call-ID: core-1@example.com\r\n"
             "CSeq: 7 %s\r\n"
             "%s"
             "Content-Length: 0\r\n\r\n",
             method, via_params, method, extra);
    return buf;
}

/* Parses the last message sent; returns it. */
static const sipua_msg *last_sent(fixture *f)
{
    assert_true(f->nout > 0);
    sent *s = &f->out[f->nout - 1];
    assert_true(sipua_msg_parse(f->msg, s->bytes, s->len, SIPUA_PARSE_DATAGRAM) > 0);
    assert_int_equal(sipua_msg_parse_all(f->msg), 0);
    return f->msg;
}

static sipua_str value(const sipua_msg *m, const char *name)
{
    const sipua_hdr *h = sipua_msg_find_name(m, name);
    return h ? h->value : (sipua_str){NULL, 0};
}

static void feed(fixture *f, const char *bytes, sipua_time now)
{
    sipua_endpoint from = udp_peer();
    assert_int_equal(sipua_ua_recv(f->ua, &from, bytes, strlen(bytes), now), 0);
}

static void test_options_is_answered_200_with_allow_accept_supported(void **state)
{
    fixture *f = *state;
    feed(f, request("OPTIONS", "", ";rport"), T0);
    assert_int_equal(f->nout, 1);
    const sipua_msg *m = last_sent(f);
    assert_int_equal(sipua_msg_status(m), 200);
    assert_true(
        sipua_str_eq(value(m, "Allow"),
                     "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, PRACK, UPDATE, REFER, NOTIFY"));
    assert_true(sipua_str_eq(value(m, "Accept"), "application/sdp"));
    assert_non_null(sipua_msg_find_name(m, "Supported"));
    /* RFC 3581: received and rport from the source; both Vias, in order */
    const sipua_via *v = sipua_msg_top_via(m);
    assert_true(sipua_str_eq(v->received, "203.0.113.9"));
    assert_int_equal(v->rport, 40000);
    assert_true(sipua_str_eq(v->branch, "z9hG4bKt1"));
    assert_int_equal(sipua_msg_via_count(m), 2);
    /* a To tag of ours, the rest copied */
    assert_non_null(sipua_msg_to(m)->tag.p);
    assert_true(sipua_str_eq(sipua_msg_call_id(m), "core-1@example.com"));
    assert_int_equal(sipua_msg_cseq(m)->number, 7);
    /* back where it came from */
    assert_string_equal(f->out[0].to.host, "203.0.113.9");
    assert_int_equal(f->out[0].to.port, 40000);
    assert_int_equal(f->nevents, 1);
    assert_int_equal(f->events[0].type, SIPUA_UA_EV_REQUEST_ANSWERED);
    assert_int_equal(f->events[0].status, 200);
    assert_true(f->reenter_checked);
}

static void test_retransmission_is_absorbed_with_the_same_answer(void **state)
{
    fixture *f = *state;
    char *r = strdup(request("OPTIONS", "", ""));
    feed(f, r, T0);
    feed(f, r, T0 + 500000);
    free(r);
    assert_int_equal(f->nout, 2);
    assert_string_equal(f->out[0].bytes, f->out[1].bytes);
    assert_int_equal(f->nevents, 1); /* answered once */
    /* no rport asked, source differs from the Via host: received only */
    const sipua_msg *m = last_sent(f);
    assert_true(sipua_str_eq(sipua_msg_top_via(m)->received, "203.0.113.9"));
    assert_int_equal(sipua_msg_top_via(m)->rport, -1);
}

static void test_methods_not_served_get_405_or_501_with_allow(void **state)
{
    fixture *f = *state;
    feed(f, request("SUBSCRIBE", "", ""), T0);
    const sipua_msg *m = last_sent(f);
    assert_int_equal(sipua_msg_status(m), 405);
    assert_true(
        sipua_str_eq(value(m, "Allow"),
                     "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, PRACK, UPDATE, REFER, NOTIFY"));
    feed(f, request("FOOBAR", "", ""), T0);
    m = last_sent(f);
    assert_int_equal(sipua_msg_status(m), 501);
    assert_true(
        sipua_str_eq(value(m, "Allow"),
                     "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, PRACK, UPDATE, REFER, NOTIFY"));
    feed(f, request("CANCEL", "", ""), T0);
    assert_int_equal(sipua_msg_status(last_sent(f)), 481);
    /* BYE and INFO outside any dialog */
    feed(f, request("BYE", "", ""), T0);
    assert_int_equal(sipua_msg_status(last_sent(f)), 481);
}

static void test_unsupported_require_gets_420_naming_it(void **state)
{
    fixture *f = *state;
    /* 100rel is ours (RFC 3262): only the others are named */
    feed(f, request("OPTIONS", "Require: 100rel, foo, bar\r\n", ""), T0);
    const sipua_msg *m = last_sent(f);
    assert_int_equal(sipua_msg_status(m), 420);
    assert_true(sipua_str_eq(value(m, "Unsupported"), "foo, bar"));
}

static void test_malformed_request_gets_400_naming_the_fault_or_is_dropped(void **state)
{
    fixture *f = *state;
    feed(f, request("OPTIONS", "Max-Forwards: 300\r\n", ""), T0);
    const sipua_msg *m = last_sent(f);
    assert_int_equal(sipua_msg_status(m), 400);
    assert_non_null(strstr(f->out[0].bytes, "more than one Max-Forwards header"));
    /* no Via: nowhere to answer */
    const char *novia = "OPTIONS sip:192.0.2.1 SIP/2.0\r\nFrom: <sip:a@b>;tag=1\r\n"
                        "To: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n";
    feed(f, novia, T0);
    assert_int_equal(f->nout, 1);
    assert_int_equal(f->events[f->nevents - 1].type, SIPUA_UA_EV_DROPPED);
    /* garbage, and a lone CRLF keep-alive, are not answered */
    feed(f, "\x01\x02garbage", T0);
    feed(f, "\r\n\r\n", T0);
    assert_int_equal(f->nout, 1);
    sipua_ua_stats st;
    sipua_ua_get_stats(f->ua, &st);
    assert_int_equal(st.answered_400, 1);
    assert_int_equal(st.dropped, 2);
}

static void test_options_of_our_own_gets_its_answer(void **state)
{
    fixture *f = *state;
    sipua_endpoint to = udp_peer();
    uint64_t id = 0;
    assert_int_equal(sipua_ua_options(f->ua, SIPUA_STR("sip:203.0.113.9:40000"), &to, T0, &id), 0);
    assert_true(id > 0);
    const sipua_msg *req = last_sent(f);
    assert_int_equal(sipua_msg_method(req), SIPUA_METHOD_OPTIONS);
    assert_true(sipua_via_branch_is_rfc3261(sipua_msg_top_via(req)));
    assert_true(sipua_str_eq(sipua_msg_top_via(req)->host, "192.0.2.1"));
    assert_int_equal(sipua_msg_top_via(req)->rport, 0);
    /* answer it */
    char resp[2048];
    sipua_str via = value(req, "Via"), from = value(req, "From"), to_h = value(req, "To"),
              cid = sipua_msg_call_id(req);
    snprintf(
        resp, sizeof resp,
        "SIP/2.0 200 OK\r\nVia: %.*s\r\nFrom: %.*s\r\nTo: %.*s;tag=x\r\nCall-ID: %.*s\r\n"
        "CSeq: 1 OPTIONS\r\nAllow: INVITE, ACK\r\nSupported: timer\r\nContent-Length: 0\r\n\r\n",
        (int)via.len, via.p, (int)from.len, from.p, (int)to_h.len, to_h.p, (int)cid.len, cid.p);
    feed(f, resp, T0 + 42000);
    const sipua_ua_event *ev = &f->events[f->nevents - 1];
    assert_int_equal(ev->type, SIPUA_UA_EV_OPTIONS_RESULT);
    assert_int_equal(ev->request_id, id);
    assert_int_equal(ev->status, 200);
    assert_int_equal(ev->rtt_us, 42000);
    assert_int_equal(ev->error, 0);
    /* a copy is absorbed while timer K runs (T4), and stray after it */
    size_t n = f->nevents;
    feed(f, resp, T0 + 43000);
    assert_int_equal(f->nevents, n);
    assert_int_equal(sipua_ua_advance(f->ua, T0 + 6000000), 0);
    feed(f, resp, T0 + 6000000);
    assert_int_equal(f->events[f->nevents - 1].type, SIPUA_UA_EV_DROPPED);
}

static void test_options_unanswered_times_out_after_64_t1(void **state)
{
    fixture *f = *state;
    sipua_endpoint to = udp_peer();
    uint64_t id;
    assert_int_equal(sipua_ua_options(f->ua, SIPUA_STR("sip:203.0.113.9"), &to, T0, &id), 0);
    sipua_time now = T0;
    while (sipua_ua_next_deadline(f->ua) && f->nevents == 0) {
        now = sipua_ua_next_deadline(f->ua);
        assert_int_equal(sipua_ua_advance(f->ua, now), 0);
    }
    assert_int_equal(f->nevents, 1);
    assert_int_equal(f->events[0].error, SIPUA_ETIMEDOUT);
    assert_int_equal(now - T0, 32000000);
    assert_int_equal(f->nout, 11); /* 0, 0.5, 1.5, 3.5, 7.5, then every 4 s to 31.5 */
}

static void test_transport_failure_ends_the_request_at_once(void **state)
{
    fixture *f = *state;
    sipua_endpoint to;
    sipua_endpoint_set(&to, SIPUA_TRANSPORT_TCP, "203.0.113.9", 5060, 0);
    uint64_t id;
    assert_int_equal(
        sipua_ua_options(f->ua, SIPUA_STR("sip:203.0.113.9;transport=tcp"), &to, T0, &id), 0);
    /* the core named a connection for it */
    assert_int_equal(f->out[0].to.transport, SIPUA_TRANSPORT_TCP);
    assert_true(f->out[0].to.conn > 0);
    sipua_endpoint failed = f->out[0].to;
    assert_int_equal(sipua_ua_transport_failed(f->ua, &failed, SIPUA_EIO, T0 + 1000), 0);
    /* the request failed, then the connection is given up */
    assert_int_equal(f->nevents, 2);
    assert_int_equal(f->events[0].type, SIPUA_UA_EV_OPTIONS_RESULT);
    assert_int_equal(f->events[0].error, SIPUA_EIO);
    assert_int_equal(f->events[1].type, SIPUA_UA_EV_CLOSE_CONNECTION);
    sipua_ua_stats st;
    sipua_ua_get_stats(f->ua, &st);
    assert_int_equal(st.live_transactions, 0);
}

static void test_large_request_switches_to_tcp(void **state)
{
    fixture *f = *state;
    char target[1600] = "sip:203.0.113.9;x=";
    memset(target + strlen(target), 'a', 1400);
    sipua_endpoint to = udp_peer();
    uint64_t id;
    assert_int_equal(sipua_ua_options(f->ua, (sipua_str){target, strlen(target)}, &to, T0, &id), 0);
    assert_int_equal(f->out[0].to.transport, SIPUA_TRANSPORT_TCP); /* RFC 3261 18.1.1 */
    const sipua_msg *m = last_sent(f);
    assert_true(sipua_str_eq(sipua_msg_top_via(m)->transport, "TCP"));
}

static void test_stream_segments_and_two_messages_in_one(void **state)
{
    fixture *f = *state;
    sipua_endpoint peer;
    sipua_endpoint_set(&peer, SIPUA_TRANSPORT_TCP, "203.0.113.9", 40001, 0);
    uint64_t conn;
    assert_int_equal(sipua_ua_conn_open(f->ua, &peer, T0, &conn), 0);
    peer.conn = conn;
    /* two requests (another branch for the second) back to back */
    char both[4096];
    const char *r = request("OPTIONS", "", "");
    size_t one = strlen(r);
    memcpy(both, r, one);
    memcpy(both + one, r, one + 1);
    both[one + (size_t)(strstr(r, "z9hG4bKt1") - r) + 8] = '2';
    size_t n = strlen(both);
    assert_int_equal(sipua_ua_recv(f->ua, &peer, both, 10, T0), 0);
    assert_int_equal(f->nout, 0);
    assert_int_equal(sipua_ua_recv(f->ua, &peer, both + 10, n - 10, T0), 0);
    assert_int_equal(f->nout, 2);
    assert_int_equal(f->out[0].to.conn, conn); /* over the same connection */
    /* a double-CRLF ping gets a CRLF pong */
    assert_int_equal(sipua_ua_recv(f->ua, &peer, "\r\n\r\n", 4, T0), 0);
    assert_int_equal(f->nout, 3);
    assert_int_equal(f->out[2].len, 2);
    /* an unknown connection */
    peer.conn = conn + 100;
    assert_int_equal(sipua_ua_recv(f->ua, &peer, "x", 1, T0), SIPUA_ENOTFOUND);
    assert_int_equal(sipua_ua_connection_closed(f->ua, conn, T0), 0);
}

static void test_websocket_upgrade_then_a_framed_request(void **state)
{
    fixture *f = *state;
    sipua_endpoint peer;
    sipua_endpoint_set(&peer, SIPUA_TRANSPORT_WS, "203.0.113.9", 40002, 0);
    uint64_t conn;
    assert_int_equal(sipua_ua_conn_open(f->ua, &peer, T0, &conn), 0);
    peer.conn = conn;
    const char *up = "GET / HTTP/1.1\r\nHost: 192.0.2.1\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: sip\r\n\r\n";
    assert_int_equal(sipua_ua_recv(f->ua, &peer, up, strlen(up), T0), 0);
    assert_true(f->nout >= 1);
    assert_non_null(strstr(f->out[0].bytes, "101"));
    assert_non_null(strstr(f->out[0].bytes, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
    size_t before = f->nout;
    /* OPTIONS in one masked text frame, without Content-Length (RFC 7118) */
    char msg[2100];
    const char *r = request("OPTIONS", "", "");
    memcpy(msg, r, strlen(r) + 1);
    *strstr(msg, "Content-Length: 0\r\n") = 0;
    strcat(msg, "\r\n");
    size_t len = strlen(msg);
    uint8_t frame[2200];
    const uint8_t key[4] = {1, 2, 3, 4};
    frame[0] = 0x81;
    frame[1] = 0x80 | 126;
    frame[2] = (uint8_t)(len >> 8);
    frame[3] = (uint8_t)len;
    memcpy(frame + 4, key, 4);
    for (size_t i = 0; i < len; i++)
        frame[8 + i] = (uint8_t)msg[i] ^ key[i % 4];
    assert_int_equal(sipua_ua_recv(f->ua, &peer, (const char *)frame, 8 + len, T0), 0);
    assert_true(f->nout > before);
    /* the answer is one unmasked text frame holding a 200 */
    sent *s = &f->out[f->nout - 1];
    assert_int_equal((uint8_t)s->bytes[0], 0x81);
    assert_false((uint8_t)s->bytes[1] & 0x80);
    assert_non_null(strstr(s->bytes + 4, "SIP/2.0 200 OK"));
}

static void test_bad_arguments(void **state)
{
    fixture *f = *state;
    sipua_endpoint to = udp_peer();
    uint64_t id;
    assert_int_equal(sipua_ua_recv(NULL, &to, "x", 1, T0), SIPUA_EINVAL);
    assert_int_equal(sipua_ua_recv(f->ua, NULL, "x", 1, T0), SIPUA_EINVAL);
    assert_int_equal(sipua_ua_recv(f->ua, &to, NULL, 1, T0), SIPUA_EINVAL);
    assert_int_equal(sipua_ua_options(f->ua, SIPUA_STR("tel:+1234"), &to, T0, &id), SIPUA_EINVAL);
    assert_int_equal(sipua_ua_options(f->ua, (sipua_str){NULL, 0}, &to, T0, &id), SIPUA_EINVAL);
    to.transport = SIPUA_TRANSPORT_TLS; /* no TLS identity */
    assert_int_equal(sipua_ua_options(f->ua, SIPUA_STR("sips:a@b"), &to, T0, &id), SIPUA_EINVAL);
    assert_int_equal(sipua_ua_conn_open(f->ua, &to, T0, NULL), SIPUA_EINVAL);
    to.transport = SIPUA_TRANSPORT_UDP;
    assert_int_equal(sipua_ua_conn_open(f->ua, &to, T0, &id), SIPUA_EINVAL);
    sipua_ua *ua;
    sipua_ua_callbacks cb = callbacks;
    cb.random = NULL;
    assert_int_equal(sipua_ua_new(NULL, &cb, NULL, NULL, &ua), SIPUA_EINVAL);
    cb = callbacks;
    cb.version = 99;
    assert_int_equal(sipua_ua_new(NULL, &cb, NULL, NULL, &ua), SIPUA_EINVAL);
    sipua_endpoint ep;
    assert_int_equal(sipua_endpoint_set(&ep, SIPUA_TRANSPORT_UDP, "", 1, 0), SIPUA_EINVAL);
    sipua_transport t;
    assert_int_equal(sipua_transport_from_name(SIPUA_STR("Wss"), &t), 0);
    assert_int_equal(t, SIPUA_TRANSPORT_WSS);
    assert_int_equal(sipua_transport_from_name(SIPUA_STR("sctp"), &t), SIPUA_EINVAL);
    assert_string_equal(sipua_transport_name(SIPUA_TRANSPORT_TLS), "TLS");
    sipua_ua_free(NULL);
}

/* ------------------------------------------------------------------ */
/* What a call leaves behind                                           */

/* An allocator that counts the octets it has out. */
typedef struct counted {
    sipua_allocator a;
    long bytes;
} counted;

static void *cnt_alloc(size_t n, void *user)
{
    counted *c = user;
    size_t *p = malloc(n + 16);
    if (!p)
        return NULL;
    *p = n;
    c->bytes += (long)n;
    return (char *)p + 16;
}

static void cnt_free(void *ptr, void *user)
{
    counted *c = user;
    if (!ptr)
        return;
    size_t *p = (size_t *)((char *)ptr - 16);
    c->bytes -= (long)*p;
    free(p);
}

static void *cnt_realloc(void *ptr, size_t n, void *user)
{
    void *q = cnt_alloc(n, user);
    if (q && ptr) {
        size_t old = *(size_t *)((char *)ptr - 16);
        memcpy(q, ptr, old < n ? old : n);
        cnt_free(ptr, user);
    }
    return q;
}

static void accept_invites(void *user, const sipua_ua_event *ev)
{
    fixture *f = user;
    if (ev->type == SIPUA_UA_EV_INVITE)
        assert_int_equal(sipua_session_accept(ev->session, NULL, T0), 0);
    f->nevents++;
}

/* A call from the peer (Call-ID and branches numbered n), answered,
 * acknowledged and ended by the peer's BYE at time t. */
static void call_and_bye(fixture *f, int n, sipua_time t)
{
    static const char sdp[] = "v=0\r\no=- 1 1 IN IP4 192.0.2.7\r\ns=-\r\nc=IN IP4 192.0.2.7\r\n"
                              "t=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";
    char inv[2048];
    snprintf(inv, sizeof inv,
             "INVITE sip:192.0.2.1 SIP/2.0\r\n"
             "Via: SIP/2.0/UDP 192.0.2.7:5070;branch=z9hG4bKinv%d\r\n"
             "Max-Forwards: 70\r\nFrom: <sip:alice@example.com>;tag=a1\r\n"
             "To: <sip:192.0.2.1>\r\nCall-ID: ended-%d@example.com\r\nCSeq: 1 INVITE\r\n"
             "Contact: <sip:alice@192.0.2.7:5070>\r\nContent-Type: application/sdp\r\n"
             "Content-Length: %zu\r\n\r\n%s",
             n, n, sizeof sdp - 1, sdp);
    feed(f, inv, t);
    const sipua_msg *ok = last_sent(f);
    assert_int_equal(sipua_msg_status(ok), 200);
    char tag[64];
    const sipua_nameaddr *to = sipua_msg_to(ok);
    snprintf(tag, sizeof tag, "%.*s", (int)to->tag.len, to->tag.p);
    char req[1024];
    const char *fmt = "%s sip:alice@192.0.2.1 SIP/2.0\r\n"
                      "Via: SIP/2.0/UDP 192.0.2.7:5070;branch=z9hG4bK%s%d\r\n"
                      "Max-Forwards: 70\r\nFrom: <sip:alice@example.com>;tag=a1\r\n"
                      "To: <sip:192.0.2.1>;tag=%s\r\nCall-ID: ended-%d@example.com\r\n"
                      "CSeq: %d %s\r\nContent-Length: 0\r\n\r\n";
    snprintf(req, sizeof req, fmt, "ACK", "ack", n, tag, n, 1, "ACK");
    feed(f, req, t + 1000);
    snprintf(req, sizeof req, fmt, "BYE", "bye", n, tag, n, 2, "BYE");
    feed(f, req, t + 2000);
    assert_int_equal(sipua_msg_status(last_sent(f)), 200);
    assert_int_equal(sipua_ua_advance(f->ua, t + 3000), 0);
}

/* The session of an ended call and its copies go with the BYE's 200, not
 * when the INVITE transaction ends 32 s later (Timer L, RFC 6026); the
 * transaction still answers a late CANCEL with 200 (RFC 3261 9.2). */
static void test_an_ended_call_keeps_only_its_transactions(void **state)
{
    (void)state;
    fixture f;
    memset(&f, 0, sizeof f);
    counted c = {{cnt_alloc, cnt_realloc, cnt_free, NULL}, 0};
    c.a.user = &c;
    sipua_ua_config cfg;
    sipua_ua_config_init(&cfg);
    sipua_endpoint me;
    sipua_endpoint_set(&me, SIPUA_TRANSPORT_UDP, "192.0.2.1", 5060, 0);
    assert_int_equal(sipua_ua_config_listen(&cfg, &me), 0);
    sipua_ua_callbacks cb = callbacks;
    cb.event = accept_invites;
    assert_int_equal(sipua_ua_new(&cfg, &cb, &f, &c.a, &f.ua), 0);
    f.msg = sipua_msg_new(NULL, NULL);

    /* a first call sets up what calls share (capabilities, tables) */
    call_and_bye(&f, 1, T0);
    assert_int_equal(sipua_ua_advance(f.ua, T0 + 40000000), 0);
    long idle = c.bytes;

    call_and_bye(&f, 2, T0 + 50000000);
    sipua_ua_stats st;
    sipua_ua_get_stats(f.ua, &st);
    assert_int_equal(st.live_sessions, 0);
    assert_int_equal(st.live_dialogs, 0);
    assert_int_equal(st.live_transactions, 2); /* the INVITE's (Accepted) and the BYE's */
    if (c.bytes - idle > 1500)
        fail_msg("%ld octets kept after the BYE", c.bytes - idle);

    /* a late CANCEL matches the INVITE's transaction */
    feed(&f,
         "CANCEL sip:192.0.2.1 SIP/2.0\r\n"
         "Via: SIP/2.0/UDP 192.0.2.7:5070;branch=z9hG4bKinv2\r\n"
         "Max-Forwards: 70\r\nFrom: <sip:alice@example.com>;tag=a1\r\n"
         "To: <sip:192.0.2.1>\r\nCall-ID: ended-2@example.com\r\nCSeq: 1 CANCEL\r\n"
         "Content-Length: 0\r\n\r\n",
         T0 + 50004000);
    assert_int_equal(sipua_msg_status(last_sent(&f)), 200);

    /* and the rest goes when the transactions end */
    assert_int_equal(sipua_ua_advance(f.ua, T0 + 90000000), 0);
    sipua_ua_get_stats(f.ua, &st);
    assert_int_equal(st.live_transactions, 0);
    assert_true(c.bytes <= idle);
    sipua_ua_free(f.ua);
    assert_int_equal(c.bytes, 0);
    for (size_t i = 0; i < f.nout; i++)
        free(f.out[i].bytes);
    sipua_msg_free(f.msg);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_options_is_answered_200_with_allow_accept_supported),
        T(test_retransmission_is_absorbed_with_the_same_answer),
        T(test_methods_not_served_get_405_or_501_with_allow),
        T(test_unsupported_require_gets_420_naming_it),
        T(test_malformed_request_gets_400_naming_the_fault_or_is_dropped),
        T(test_options_of_our_own_gets_its_answer),
        T(test_options_unanswered_times_out_after_64_t1),
        T(test_transport_failure_ends_the_request_at_once),
        T(test_large_request_switches_to_tcp),
        T(test_stream_segments_and_two_messages_in_one),
        T(test_websocket_upgrade_then_a_framed_request),
        T(test_bad_arguments),
        cmocka_unit_test(test_an_ended_call_keeps_only_its_transactions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
