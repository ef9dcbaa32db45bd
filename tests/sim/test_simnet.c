/* The simulated network itself: delivery order, loss, duplication,
 * reordering and determinism from a seed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "simnet.h"

typedef struct box {
    simnet *net;
    sim_addr self;
    unsigned got;
    uint32_t last_seq;
    unsigned out_of_order;
    sipua_time first_at, last_at;
    uint64_t digest; /* of arrival order and times */
    sipua_time deadline;
    unsigned fired;
} box;

static void box_deliver(void *user, sim_addr from, sim_addr to, const char *bytes, size_t len,
                        sipua_time now)
{
    box *b = user;
    (void)from;
    (void)to;
    uint32_t seq;
    assert_int_equal(len, sizeof seq);
    memcpy(&seq, bytes, sizeof seq);
    if (b->got && seq < b->last_seq)
        b->out_of_order++;
    b->last_seq = seq;
    if (!b->got)
        b->first_at = now;
    b->last_at = now;
    b->got++;
    b->digest = b->digest * 1000003u ^ (uint64_t)seq ^ ((uint64_t)now << 20);
}

static sipua_time box_deadline(void *user)
{
    return ((box *)user)->deadline;
}

static void box_advance(void *user, sipua_time now)
{
    box *b = user;
    assert_true(now >= b->deadline);
    b->fired++;
    b->deadline = 0;
}

static const simnet_node_ops box_ops = {box_deliver, box_deadline, box_advance};

/* Sends n numbered datagrams from a to b at 1 ms intervals and runs the
 * network dry; returns b's record. */
static box run(const simnet_config *cfg, unsigned n)
{
    simnet *net = simnet_new(cfg);
    assert_non_null(net);
    box a = {.net = net, .self = sim_addr_make(1, 5060)};
    box b = {.net = net, .self = sim_addr_make(2, 5060)};
    assert_int_equal(simnet_add_node(net, a.self, &box_ops, &a), 0);
    assert_int_equal(simnet_add_node(net, b.self, &box_ops, &b), 0);
    for (uint32_t i = 0; i < n; i++) {
        assert_int_equal(simnet_send(net, a.self, b.self, (const char *)&i, sizeof i), 0);
        simnet_run(net, simnet_now(net) + 1000, NULL, NULL);
    }
    simnet_run(net, INT64_MAX, NULL, NULL);
    assert_int_equal(simnet_in_flight(net), 0);
    const simnet_stats *st = simnet_stats_get(net);
    assert_int_equal(st->sent, n);
    assert_int_equal(st->delivered, n - st->dropped + st->duplicated);
    assert_int_equal(b.got, st->delivered);
    simnet_free(net);
    return b;
}

static void test_perfect_network_delivers_in_order_after_the_delay(void **state)
{
    (void)state;
    simnet_config cfg = {.seed = 1, .delay_us = 20000};
    box b = run(&cfg, 100);
    assert_int_equal(b.got, 100);
    assert_int_equal(b.out_of_order, 0);
    assert_int_equal(b.first_at, 1000000 + 20000);
    assert_int_equal(b.last_at, 1000000 + 99 * 1000 + 20000);
}

static void test_loss_duplication_and_reordering_at_their_rates(void **state)
{
    (void)state;
    simnet_config cfg = {.seed = 7,
                         .loss = 0.3,
                         .dup = 0.1,
                         .reorder = 0.2,
                         .delay_us = 10000,
                         .jitter_us = 500,
                         .reorder_us = 5000};
    box b = run(&cfg, 10000);
    /* 10,000 sends: 70% kept, 10% of those twice, give 7,700 arrivals; a
     * generator with the wrong rates lands far outside +-300 */
    assert_in_range(b.got, 7700 - 300, 7700 + 300);
    assert_true(b.out_of_order > 500);
}

static void test_same_seed_same_run_other_seed_other_run(void **state)
{
    (void)state;
    simnet_config cfg = {.seed = 42,
                         .loss = 0.2,
                         .dup = 0.05,
                         .reorder = 0.1,
                         .delay_us = 1000,
                         .jitter_us = 3000,
                         .reorder_us = 2000};
    box x = run(&cfg, 2000), y = run(&cfg, 2000);
    assert_true(x.digest == y.digest);
    assert_int_equal(x.got, y.got);
    cfg.seed = 43;
    box z = run(&cfg, 2000);
    assert_true(x.digest != z.digest);
}

static void test_deadlines_fire_in_order_with_deliveries(void **state)
{
    (void)state;
    simnet_config cfg = {.seed = 3, .delay_us = 5000};
    simnet *net = simnet_new(&cfg);
    box a = {.net = net, .self = sim_addr_make(1, 5060)};
    box b = {.net = net, .self = sim_addr_make(2, 5060)};
    simnet_add_node(net, a.self, &box_ops, &a);
    simnet_add_node(net, b.self, &box_ops, &b);
    b.deadline = 1000000 + 3000; /* before the datagram arrives */
    uint32_t v = 9;
    simnet_send(net, a.self, b.self, (const char *)&v, sizeof v);
    simnet_run(net, 1000000 + 4000, NULL, NULL);
    assert_int_equal(b.fired, 1);
    assert_int_equal(b.got, 0);
    assert_int_equal(simnet_now(net), 1000000 + 4000);
    simnet_run(net, INT64_MAX, NULL, NULL);
    assert_int_equal(b.got, 1);
    assert_int_equal(b.last_at, 1000000 + 5000);
    /* to an address nobody has: counted, not delivered */
    simnet_send(net, a.self, sim_addr_make(9, 5060), (const char *)&v, sizeof v);
    simnet_run(net, INT64_MAX, NULL, NULL);
    assert_int_equal(simnet_stats_get(net)->undeliverable, 1);
    /* an address given twice is refused */
    assert_int_equal(simnet_add_node(net, a.self, &box_ops, &a), SIPUA_EINVAL);
    char buf[22];
    assert_string_equal(sim_addr_str(a.self, buf), "10.0.0.1:5060");
    simnet_free(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_perfect_network_delivers_in_order_after_the_delay),
        cmocka_unit_test(test_loss_duplication_and_reordering_at_their_rates),
        cmocka_unit_test(test_same_seed_same_run_other_seed_other_run),
        cmocka_unit_test(test_deadlines_fire_in_order_with_deliveries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
