/* Two transaction layers joined by the simulated network under heavy loss,
 * duplication and reordering, with transaction users that do what RFC 3261
 * asks of them: the server answers every INVITE with 486 (the transaction
 * sends and absorbs the ACK) or 200 (the TU retransmits it until the ACK,
 * 13.3.1.4, and the client TU ACKs every 2xx, 13.2.2.4), and every
 * non-INVITE with 200.
 *
 * Checked for every transaction: the client ends exactly once, with a
 * final response or timer B/F; the client's retransmissions fall on the
 * RFC's schedule (17.1.1.2, 17.1.2.2) and stop at the first response that
 * stops them; the server hears each request once; an answered 200 is ACKed
 * or given up after 64*T1; at the end no transaction is left on either
 * side. The seed is printed with every failure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "simnet.h"
#include "sipua/msg.h"
#include "txn/txn.h"

#define MAX_SENDS 16
#define T1        500000

typedef struct call {
    int invite;                /* INVITE or OPTIONS */
    int want_200;              /* the server's answer: 200, else 486 (INVITE only) */
    int ended;                 /* client outcomes reported */
    int status;                /* final status seen by the client, 0 for a timeout */
    int heard;                 /* server TU saw the request */
    int acked;                 /* server saw the ACK to its 200 */
    int ack_sent;              /* client TU ACKs sent */
    int gave_up;               /* server TU stopped resending its 200 without an ACK */
    sipua_time first_response; /* client: first response of any kind */
    sipua_time sends[MAX_SENDS];
    int nsends;
    /* server TU: 2xx retransmission (RFC 3261 13.3.1.4) */
    char *ok;
    size_t oklen;
    sim_addr ok_to;
    sipua_time ok_next, ok_interval, ok_give_up;
} call;

typedef struct side {
    simnet *net;
    sim_addr addr;
    sipua__txn_layer *layer;
    sipua_msg *msg;     /* what is received */
    sipua_msg *scratch; /* what is sent, parsed to be counted */
    struct world *w;
} side;

typedef struct world {
    uint64_t seed;
    side client, server;
    call *calls;
    unsigned ncalls;
    unsigned gave_up; /* 200s never ACKed within 64*T1 */
} world;

static call *call_of_msg(world *w, const sipua_msg *m)
{
    /* Call-ID "c<index>" */
    sipua_str cid = sipua_msg_call_id(m);
    if (cid.len < 2 || cid.p[0] != 'c')
        return NULL;
    unsigned long i = strtoul(cid.p + 1, NULL, 10);
    return i < w->ncalls ? &w->calls[i] : NULL;
}

static void addr_text(sim_addr a, char *host)
{
    char buf[22];
    sim_addr_str((sim_addr){a.ip, 0}, buf);
    *strchr(buf, ':') = 0;
    strcpy(host, buf);
}

static int on_send(void *user, const sipua__txn_dest *dest, const char *bytes, size_t len)
{
    side *s = user;
    world *w = s->w;
    if (s == &w->client && sipua_msg_parse(s->scratch, bytes, len, SIPUA_PARSE_DATAGRAM) > 0 &&
        sipua_msg_is_request(s->scratch) && sipua_msg_method(s->scratch) != SIPUA_METHOD_ACK) {
        call *c = call_of_msg(w, s->scratch);
        if (c) {
            if (c->nsends < MAX_SENDS)
                c->sends[c->nsends] = simnet_now(s->net);
            c->nsends++;
        }
    }
    unsigned a, b, c2, d;
    sscanf(dest->host, "%u.%u.%u.%u", &a, &b, &c2, &d);
    sim_addr to = {(a << 24) | (b << 16) | (c2 << 8) | d, dest->port};
    return simnet_send(s->net, s->addr, to, bytes, len);
}

/* The response to request m, in buf. */
static size_t build_response(const sipua_msg *m, int code, const char *reason, char *buf,
                             size_t cap)
{
    sipua_builder b;
    sipua_builder_init(&b, buf, cap);
    sipua_builder_status_line(&b, code, (sipua_str){reason, strlen(reason)});
    size_t at = 0;
    const sipua_hdr *h;
    for (; (h = sipua_msg_find(m, SIPUA_HDR_VIA, &at)) != NULL; at++)
        sipua_builder_header(&b, SIPUA_STR("Via"), h->value);
    sipua_builder_header(&b, SIPUA_STR("From"), sipua_msg_find(m, SIPUA_HDR_FROM, NULL)->value);
    sipua_builder_raw(&b, SIPUA_STR("To: "));
    sipua_builder_raw(&b, sipua_msg_find(m, SIPUA_HDR_TO, NULL)->value);
    sipua_builder_raw(&b, SIPUA_STR(";tag=srv\r\n"));
    sipua_builder_header(&b, SIPUA_STR("Call-ID"), sipua_msg_call_id(m));
    sipua_builder_header(&b, SIPUA_STR("CSeq"), sipua_msg_find(m, SIPUA_HDR_CSEQ, NULL)->value);
    sipua_builder_body(&b, (sipua_str){"", 0});
    int n = sipua_builder_finish(&b);
    assert_true(n > 0);
    return (size_t)n;
}

static void server_request(void *user, sipua__txn *st, const sipua_msg *m,
                           const sipua__txn_dest *from)
{
    side *s = user;
    world *w = s->w;
    call *c = call_of_msg(w, m);
    assert_non_null(c);
    if (!st) { /* the ACK to a 200: the TU's (13.3.1.4) */
        assert_int_equal(sipua_msg_method(m), SIPUA_METHOD_ACK);
        c->acked = 1;
        c->ok_next = 0;
        return;
    }
    c->heard++;
    char buf[2048];
    int code = c->invite && !c->want_200 ? 486 : 200;
    size_t n = build_response(m, code, code == 200 ? "OK" : "Busy Here", buf, sizeof buf);
    assert_int_equal(sipua__txn_server_respond(st, buf, n, simnet_now(s->net)), 0);
    if (c->invite && code == 200) {
        free(c->ok);
        c->ok = malloc(n);
        memcpy(c->ok, buf, n);
        c->oklen = n;
        unsigned a, b, c2, d;
        sscanf(from->host, "%u.%u.%u.%u", &a, &b, &c2, &d);
        c->ok_to = (sim_addr){(a << 24) | (b << 16) | (c2 << 8) | d, from->port};
        c->ok_interval = T1;
        c->ok_next = simnet_now(s->net) + T1;
        c->ok_give_up = simnet_now(s->net) + 64 * T1;
    }
}

static void client_response(void *user, sipua__txn *ct, const sipua_msg *m)
{
    side *s = user;
    world *w = s->w;
    call *c = sipua__txn_get_user(ct);
    assert_non_null(c);
    int status = sipua_msg_status(m);
    if (!c->first_response)
        c->first_response = simnet_now(s->net);
    if (status < 200)
        return;
    if (!c->ended || c->status != status) {
        /* the first final response ends it; later 2xx (Accepted) are
         * retransmissions of the same */
        if (!c->ended)
            c->status = status;
        c->ended = 1;
    }
    if (c->invite && status == 200) {
        /* the TU ACKs every 2xx, end to end (RFC 3261 13.2.2.4) */
        char ack[1024];
        char host[22];
        addr_text(s->addr, host);
        int n = snprintf(ack, sizeof ack,
                         "ACK sip:srv@10.0.0.2 SIP/2.0\r\n"
                         "Via: SIP/2.0/UDP %s:5060;branch=z9hG4bKack%u.%d\r\n"
                         "Max-Forwards: 70\r\nFrom: <sip:cli@10.0.0.1>;tag=cli\r\n"
                         "To: <sip:srv@10.0.0.2>;tag=srv\r\nCall-ID: c%u\r\nCSeq: 1 ACK\r\n"
                         "Content-Length: 0\r\n\r\n",
                         host, (unsigned)(c - w->calls), c->ack_sent, (unsigned)(c - w->calls));
        c->ack_sent++;
        simnet_send(s->net, s->addr, w->server.addr, ack, (size_t)n);
    }
    (void)w;
}

static void client_timeout(void *user, sipua__txn *t)
{
    call *c = sipua__txn_get_user(t);
    (void)user;
    assert_int_equal(c->ended, 0);
    c->ended = 1;
    c->status = 0;
}

static void never_transport_error(void *user, sipua__txn *t, int err)
{
    (void)user;
    (void)t;
    (void)err;
    fail_msg("a send failed");
}

static void side_deliver(void *user, sim_addr from, sim_addr to, const char *bytes, size_t len,
                         sipua_time now)
{
    side *s = user;
    (void)to;
    assert_true(sipua_msg_parse(s->msg, bytes, len, SIPUA_PARSE_DATAGRAM) > 0);
    sipua__txn_dest d;
    char host[22];
    addr_text(from, host);
    sipua__txn_dest_init(&d, SIPUA__TRANSPORT_UDP, host, from.port, 0);
    int r = sipua__txn_layer_recv(s->layer, s->msg, &d, now);
    /* a duplicated or late response after its transaction ended is stray */
    assert_true(r == 0 || r == SIPUA_ENOTFOUND);
}

/* The server TU's 2xx retransmissions share the layer's deadline. */
static sipua_time server_tu_deadline(world *w)
{
    sipua_time best = 0;
    for (unsigned i = 0; i < w->ncalls; i++) {
        call *c = &w->calls[i];
        if (c->ok_next && (!best || c->ok_next < best))
            best = c->ok_next;
    }
    return best;
}

static sipua_time side_deadline(void *user)
{
    side *s = user;
    sipua_time d = sipua__txn_layer_next_deadline(s->layer);
    if (s == &s->w->server) {
        sipua_time t = server_tu_deadline(s->w);
        if (t && (!d || t < d))
            d = t;
    }
    return d;
}

static void side_advance(void *user, sipua_time now)
{
    side *s = user;
    sipua__txn_layer_advance(s->layer, now);
    if (s != &s->w->server)
        return;
    world *w = s->w;
    for (unsigned i = 0; i < w->ncalls; i++) {
        call *c = &w->calls[i];
        if (!c->ok_next || c->ok_next > now)
            continue;
        if (now >= c->ok_give_up) {
            c->ok_next = 0; /* no ACK: the TU gives up (13.3.1.4) */
            c->gave_up = 1;
            w->gave_up++;
            continue;
        }
        simnet_send(s->net, s->addr, c->ok_to, c->ok, c->oklen);
        c->ok_interval = c->ok_interval * 2 < 4000000 ? c->ok_interval * 2 : 4000000;
        c->ok_next = now + c->ok_interval;
    }
}

static const simnet_node_ops side_ops = {side_deliver, side_deadline, side_advance};

static void side_init(world *w, side *s, unsigned n, int is_server)
{
    s->w = w;
    s->addr = sim_addr_make(n, 5060);
    s->msg = sipua_msg_new(NULL, NULL);
    s->scratch = sipua_msg_new(NULL, NULL);
    sipua__txn_callbacks cb = {.send = on_send,
                               .request = is_server ? server_request : NULL,
                               .response = is_server ? NULL : client_response,
                               .timeout = is_server ? NULL : client_timeout,
                               .transport_error = never_transport_error};
    s->layer = sipua__txn_layer_new(NULL, &cb, s, NULL);
    assert_non_null(s->layer);
    assert_int_equal(simnet_add_node(s->net, s->addr, &side_ops, s), 0);
}

/* Offsets of the sends of a request over UDP from the first: INVITE
 * doubles from T1 without a cap (timer A) up to timer B at 64*T1;
 * non-INVITE doubles up to T2 (timer E) until timer F. */
static const sipua_time invite_schedule[] = {0,       500000,   1500000, 3500000,
                                             7500000, 15500000, 31500000};
static const sipua_time non_invite_schedule[] = {0,        500000,   1500000,  3500000,
                                                 7500000,  11500000, 15500000, 19500000,
                                                 23500000, 27500000, 31500000};

typedef struct tally {
    unsigned ok, busy, timeouts, gave_up, retransmissions;
} tally;

static tally run_world(uint64_t seed, double loss, double dup, double reorder, unsigned ncalls)
{
    world w = {.seed = seed, .ncalls = ncalls};
    simnet_config cfg = {.seed = seed,
                         .loss = loss,
                         .dup = dup,
                         .reorder = reorder,
                         .delay_us = 20000,
                         .jitter_us = 15000,
                         .reorder_us = 40000};
    simnet *net = simnet_new(&cfg);
    w.client.net = w.server.net = net;
    w.calls = calloc(ncalls, sizeof *w.calls);
    side_init(&w, &w.client, 1, 0);
    side_init(&w, &w.server, 2, 1);

    for (unsigned i = 0; i < ncalls; i++) {
        call *c = &w.calls[i];
        c->invite = i % 3 != 2;    /* two INVITEs for each OPTIONS */
        c->want_200 = (i / 3) % 2; /* INVITEs answered 200 and 486 in turn */
        const char *method = c->invite ? "INVITE" : "OPTIONS";
        char req[1024];
        int n = snprintf(req, sizeof req,
                         "%s sip:srv@10.0.0.2 SIP/2.0\r\n"
                         "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKsim%u\r\n"
                         "Max-Forwards: 70\r\nFrom: <sip:cli@10.0.0.1>;tag=cli\r\n"
                         "To: <sip:srv@10.0.0.2>\r\nCall-ID: c%u\r\nCSeq: 1 %s\r\n"
                         "Content-Length: 0\r\n\r\n",
                         method, i, i, method);
        sipua__txn_dest d;
        sipua__txn_dest_init(&d, SIPUA__TRANSPORT_UDP, "10.0.0.2", 5060, 0);
        sipua__txn *t;
        assert_int_equal(
            sipua__txn_client_new(w.client.layer, req, (size_t)n, &d, c, simnet_now(net), &t), 0);
        simnet_run(net, simnet_now(net) + 3000, NULL, NULL);
    }
    simnet_run(net, INT64_MAX, NULL, NULL);

    tally out = {0};
    for (unsigned i = 0; i < ncalls; i++) {
        call *c = &w.calls[i];
        const char *what = c->invite ? "INVITE" : "OPTIONS";
        if (c->ended != 1) {
            fprintf(stderr, "seed %llu: %s %u ended %d times\n", (unsigned long long)seed, what, i,
                    c->ended);
            fail();
        }
        int want = !c->invite || c->want_200 ? 200 : 486;
        if (c->status != 0 && c->status != want) {
            fprintf(stderr, "seed %llu: %s %u ended %d, not %d\n", (unsigned long long)seed, what,
                    i, c->status, want);
            fail();
        }
        if (c->heard > 1) {
            fprintf(stderr, "seed %llu: the server TU heard %s %u %d times\n",
                    (unsigned long long)seed, what, i, c->heard);
            fail();
        }
        if (c->status && !c->heard) {
            fprintf(stderr, "seed %llu: %s %u answered but never heard\n", (unsigned long long)seed,
                    what, i);
            fail();
        }
        const sipua_time *sched = c->invite ? invite_schedule : non_invite_schedule;
        int nsched = c->invite ? 7 : 11;
        if (c->nsends > nsched) {
            fprintf(stderr, "seed %llu: %s %u sent %d times\n", (unsigned long long)seed, what, i,
                    c->nsends);
            fail();
        }
        for (int k = 0; k < c->nsends; k++) {
            if (c->sends[k] - c->sends[0] != sched[k]) {
                fprintf(stderr, "seed %llu: %s %u send %d at +%lld us, RFC: +%lld us\n",
                        (unsigned long long)seed, what, i, k,
                        (long long)(c->sends[k] - c->sends[0]), (long long)sched[k]);
                fail();
            }
            /* an INVITE stops at its first response (Proceeding), a
             * non-INVITE at its final one, except that after a 1xx it goes
             * on at T2; neither is sent again after its final response */
            if (c->invite && c->first_response && c->sends[k] > c->first_response) {
                fprintf(stderr, "seed %llu: INVITE %u sent after a response\n",
                        (unsigned long long)seed, i);
                fail();
            }
        }
        if (c->invite && c->ok && (c->acked == c->gave_up || c->ok_next)) {
            fprintf(stderr, "seed %llu: INVITE %u: its 200 not ended by an ACK or by 64*T1\n",
                    (unsigned long long)seed, i);
            fail();
        }
        out.retransmissions += (unsigned)(c->nsends > 0 ? c->nsends - 1 : 0);
        if (c->status == 200)
            out.ok++;
        else if (c->status == 486)
            out.busy++;
        else
            out.timeouts++;
    }
    out.gave_up = w.gave_up;
    sipua__txn_stats cs, ss;
    sipua__txn_layer_stats(w.client.layer, &cs);
    sipua__txn_layer_stats(w.server.layer, &ss);
    if (cs.live || ss.live) {
        fprintf(stderr, "seed %llu: %zu client and %zu server transactions left\n",
                (unsigned long long)seed, cs.live, ss.live);
        fail();
    }
    for (unsigned i = 0; i < ncalls; i++)
        free(w.calls[i].ok);
    free(w.calls);
    sipua__txn_layer_free(w.client.layer);
    sipua__txn_layer_free(w.server.layer);
    sipua_msg_free(w.client.msg);
    sipua_msg_free(w.server.msg);
    sipua_msg_free(w.client.scratch);
    sipua_msg_free(w.server.scratch);
    simnet_free(net);
    return out;
}

static void test_ten_thousand_transactions_under_thirty_percent_loss(void **state)
{
    (void)state;
    uint64_t seed = 3261;
    tally t = run_world(seed, 0.30, 0.0, 0.0, 10000);
    printf("seed %llu, loss 30%%: 10000 transactions (6667 INVITE, 3333 OPTIONS): %u ended 200, "
           "%u ended 486, %u timed out (B/F); %u retransmissions; %u 200s never ACKed\n",
           (unsigned long long)seed, t.ok, t.busy, t.timeouts, t.retransmissions, t.gave_up);
    assert_int_equal(t.ok + t.busy + t.timeouts, 10000);
    assert_true(t.timeouts < 100);
}

static void test_many_seeds_with_duplication_and_reordering(void **state)
{
    (void)state;
    const char *env = getenv("SIPUA_SIM_SEEDS");
    unsigned seeds = env ? (unsigned)strtoul(env, NULL, 10) : 30;
    tally sum = {0};
    for (unsigned s = 0; s < seeds; s++) {
        tally t = run_world(9000 + s, 0.05 * (double)(s % 9), 0.1, 0.25, 300);
        sum.ok += t.ok;
        sum.busy += t.busy;
        sum.timeouts += t.timeouts;
        sum.retransmissions += t.retransmissions;
    }
    printf("%u seeds, loss 0-40%%, duplication 10%%, reordering 25%%: %u transactions, %u 200, "
           "%u 486, %u timed out; every one ended once, on the RFC's schedule, none left\n",
           seeds, seeds * 300, sum.ok, sum.busy, sum.timeouts);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ten_thousand_transactions_under_thirty_percent_loss),
        cmocka_unit_test(test_many_seeds_with_duplication_and_reordering),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
