/* UA cores joined by the simulated network: OPTIONS transactions under
 * loss, duplication and reordering end as RFC 3261 17.1.2 prescribes (a
 * final response, or timer F at 64*T1), with retransmissions only on the
 * RFC's schedule and no transaction left behind. Each run is reproducible
 * from the seed it prints. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "simnet.h"
#include "simua.h"
#include "sipua/ua.h"

#define MAX_REQ   20000
#define MAX_SENDS 16

typedef struct peer peer;

typedef struct req {
    int done;   /* results received for it */
    int status; /* 200, or 0 with error */
    int error;
    sipua_time started;
    sipua_time rtt;
    sipua_time sends[MAX_SENDS]; /* when the client put it on the wire */
    int nsends;
} req;

struct peer {
    simua u;   /* first: the simua callbacks find it there */
    req *reqs; /* the client's requests, by request id */
    sipua_msg *scratch;
    uint64_t answered;
    int bad_sends; /* sends that do not parse */
};

static req *req_of_branch(peer *p, const sipua_msg *m);

/* Each request the client sends is timed, to check the schedule. */
static void on_send(simua *u, const sipua_endpoint *to, const char *bytes, size_t len)
{
    peer *p = (peer *)u;
    (void)to;
    if (p->reqs && sipua_msg_parse(p->scratch, bytes, len, SIPUA_PARSE_DATAGRAM) > 0 &&
        sipua_msg_is_request(p->scratch)) {
        req *r = req_of_branch(p, p->scratch);
        if (r && r->nsends < MAX_SENDS)
            r->sends[r->nsends++] = simnet_now(u->net);
        else if (r)
            r->nsends++;
    }
}

static void on_event(void *user, const sipua_ua_event *ev)
{
    peer *p = user;
    if (ev->type == SIPUA_UA_EV_REQUEST_ANSWERED)
        p->answered++;
    if (ev->type != SIPUA_UA_EV_OPTIONS_RESULT || !p->reqs)
        return;
    assert_true(ev->request_id >= 1 && ev->request_id <= MAX_REQ);
    req *r = &p->reqs[ev->request_id - 1];
    r->done++;
    r->status = ev->status;
    r->error = ev->error;
    r->rtt = ev->rtt_us;
}

static void peer_init(peer *p, simnet *net, unsigned n)
{
    memset(p, 0, sizeof *p);
    p->u.on_send = on_send;
    assert_int_equal(simua_init(&p->u, net, n, on_event, NULL), 0);
    p->scratch = sipua_msg_new(NULL, NULL);
}

static void peer_free(peer *p)
{
    simua_free(&p->u);
    sipua_msg_free(p->scratch);
    free(p->reqs);
}

/* The request ids are handed out in order from 1, and the test sends one
 * request at a time, so the branch of the k-th request is recorded when it
 * is first sent: a small table from branch to id. */
typedef struct branch_map {
    char branch[40];
    uint64_t id;
} branch_map;
static branch_map *g_map;
static size_t g_nmap;
static uint64_t g_sending; /* id of the request being created, 0 outside */

static req *req_of_branch(peer *p, const sipua_msg *m)
{
    const sipua_via *v = sipua_msg_top_via(m);
    if (!v || v->branch.len >= sizeof g_map[0].branch)
        return NULL;
    for (size_t i = g_nmap; i-- > 0;) {
        if (strlen(g_map[i].branch) == v->branch.len &&
            memcmp(g_map[i].branch, v->branch.p, v->branch.len) == 0)
            return &p->reqs[g_map[i].id - 1];
    }
    if (!g_sending)
        return NULL;
    memcpy(g_map[g_nmap].branch, v->branch.p, v->branch.len);
    g_map[g_nmap].branch[v->branch.len] = 0;
    g_map[g_nmap].id = g_sending;
    g_nmap++;
    return &p->reqs[g_sending - 1];
}

typedef struct outcome {
    unsigned ok, timed_out, other;
    unsigned retransmissions;
} outcome;

/* Offsets of the sends of a non-INVITE request over UDP from the first,
 * with T1 = 0.5 s and T2 = 4 s (RFC 3261 17.1.2.2, timer E), up to timer F
 * at 32 s. */
static const sipua_time schedule[] = {0,        500000,   1500000,  3500000,  7500000, 11500000,
                                      15500000, 19500000, 23500000, 27500000, 31500000};

static outcome run_options(uint64_t seed, double loss, double dup, double reorder, unsigned count,
                           sipua_time spacing)
{
    simnet_config cfg = {.seed = seed,
                         .loss = loss,
                         .dup = dup,
                         .reorder = reorder,
                         .delay_us = 20000,
                         .jitter_us = 10000,
                         .reorder_us = 30000};
    simnet *net = simnet_new(&cfg);
    peer a, b;
    peer_init(&a, net, 1);
    peer_init(&b, net, 2);
    a.reqs = calloc(count, sizeof *a.reqs);
    g_map = calloc(count, sizeof *g_map);
    g_nmap = 0;
    sipua_str target = SIPUA_STR("sip:10.0.0.2:5060");
    for (unsigned i = 0; i < count; i++) {
        uint64_t id = 0;
        g_sending = i + 1;
        a.reqs[i].started = simnet_now(net);
        int r = sipua_ua_options(a.u.ua, target, &b.u.self, simnet_now(net), &id);
        g_sending = 0;
        assert_int_equal(r, 0);
        assert_int_equal(id, i + 1);
        simnet_run(net, simnet_now(net) + spacing, NULL, NULL);
    }
    simnet_run(net, INT64_MAX, NULL, NULL); /* to the last timer */

    outcome o = {0};
    for (unsigned i = 0; i < count; i++) {
        req *r = &a.reqs[i];
        if (r->done != 1) {
            fprintf(stderr, "seed %llu: request %u ended %d times\n", (unsigned long long)seed,
                    i + 1, r->done);
            fail();
        }
        if (r->status == 200)
            o.ok++;
        else if (r->status == 0 && r->error == SIPUA_ETIMEDOUT)
            o.timed_out++;
        else
            o.other++;
        /* every send on the schedule, none after the outcome */
        if (r->nsends > (int)(sizeof schedule / sizeof schedule[0])) {
            fprintf(stderr, "seed %llu: request %u sent %d times\n", (unsigned long long)seed,
                    i + 1, r->nsends);
            fail();
        }
        for (int k = 0; k < r->nsends; k++) {
            if (r->sends[k] - r->sends[0] != schedule[k]) {
                fprintf(stderr, "seed %llu: request %u send %d at +%lld us, RFC: +%lld us\n",
                        (unsigned long long)seed, i + 1, k, (long long)(r->sends[k] - r->sends[0]),
                        (long long)schedule[k]);
                fail();
            }
            if (r->status == 200 && r->sends[k] > r->started + r->rtt) {
                fprintf(stderr, "seed %llu: request %u sent again after its answer\n",
                        (unsigned long long)seed, i + 1);
                fail();
            }
        }
        o.retransmissions += (unsigned)(r->nsends - 1);
    }
    /* nothing left: every transaction ended and was freed on both sides */
    sipua_ua_stats sa, sb;
    sipua_ua_get_stats(a.u.ua, &sa);
    sipua_ua_get_stats(b.u.ua, &sb);
    if (sa.live_transactions || sb.live_transactions || sipua_ua_next_deadline(a.u.ua) ||
        sipua_ua_next_deadline(b.u.ua)) {
        fprintf(stderr, "seed %llu: %zu and %zu transactions left\n", (unsigned long long)seed,
                sa.live_transactions, sb.live_transactions);
        fail();
    }
    assert_int_equal(simnet_in_flight(net), 0);
    free(g_map);
    g_map = NULL;
    peer_free(&a);
    peer_free(&b);
    simnet_free(net);
    return o;
}

static void test_options_without_loss_answers_200_in_one_round_trip(void **state)
{
    (void)state;
    simnet_config cfg = {.seed = 1, .delay_us = 20000};
    simnet *net = simnet_new(&cfg);
    peer a, b;
    peer_init(&a, net, 1);
    peer_init(&b, net, 2);
    a.reqs = calloc(1, sizeof *a.reqs);
    uint64_t id;
    assert_int_equal(
        sipua_ua_options(a.u.ua, SIPUA_STR("sip:10.0.0.2"), &b.u.self, simnet_now(net), &id), 0);
    simnet_run(net, INT64_MAX, NULL, NULL);
    assert_int_equal(a.reqs[0].done, 1);
    assert_int_equal(a.reqs[0].status, 200);
    assert_int_equal(a.reqs[0].rtt, 40000);
    assert_int_equal(b.answered, 1);
    /* bad arguments */
    assert_int_equal(sipua_ua_options(a.u.ua, SIPUA_STR("mailto:x@y"), &b.u.self, 0, &id),
                     SIPUA_EINVAL);
    sipua_endpoint tcp = b.u.self;
    tcp.transport = SIPUA_TRANSPORT_TCP; /* no TCP listener configured */
    assert_int_equal(sipua_ua_options(a.u.ua, SIPUA_STR("sip:10.0.0.2"), &tcp, 0, &id),
                     SIPUA_EINVAL);
    peer_free(&a);
    peer_free(&b);
    simnet_free(net);
}

static void test_ten_thousand_options_under_thirty_percent_loss(void **state)
{
    (void)state;
    uint64_t seed = 20261201;
    outcome o = run_options(seed, 0.30, 0.0, 0.0, 10000, 5000);
    printf("seed %llu, loss 30%%: %u transactions: %u answered 200, %u timed out (timer F), "
           "%u other; %u retransmissions\n",
           (unsigned long long)seed, 10000u, o.ok, o.timed_out, o.other, o.retransmissions);
    assert_int_equal(o.other, 0);
    assert_int_equal(o.ok + o.timed_out, 10000);
    /* a request fails only when eleven tries all fail: 0.51^11 ~ 6e-4 */
    assert_true(o.timed_out < 40);
    assert_true(o.retransmissions > 4000);
}

static void test_many_seeds_with_loss_duplication_and_reordering(void **state)
{
    (void)state;
    const char *env = getenv("SIPUA_SIM_SEEDS");
    unsigned seeds = env ? (unsigned)strtoul(env, NULL, 10) : 40;
    unsigned total = 0, ok = 0, timed_out = 0;
    for (unsigned s = 0; s < seeds; s++) {
        uint64_t seed = 1000 + s;
        double loss = 0.05 * (double)(s % 9); /* 0 to 40% */
        outcome o = run_options(seed, loss, 0.1, 0.2, 250, 20000);
        if (o.other) {
            fprintf(stderr, "seed %llu: %u requests ended neither 200 nor by timer F\n",
                    (unsigned long long)seed, o.other);
            fail();
        }
        total += 250;
        ok += o.ok;
        timed_out += o.timed_out;
    }
    printf("%u seeds, loss 0-40%%, duplication 10%%, reordering 20%%: %u transactions, %u "
           "answered, %u timed out, all ended once and on the RFC's schedule\n",
           seeds, total, ok, timed_out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options_without_loss_answers_200_in_one_round_trip),
        cmocka_unit_test(test_ten_thousand_options_under_thirty_percent_loss),
        cmocka_unit_test(test_many_seeds_with_loss_duplication_and_reordering),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
