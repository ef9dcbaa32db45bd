/* The timer heap (src/base/timer.h): deadline order, ties in arming order,
 * cancel and re-arm from inside callbacks, allocation failure, and 100,000
 * live timers armed, moved and cancelled in random order with the heap
 * invariants checked along the way.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sipua/msg.h"
#include "testutil.h"

#include "base/timer.h"

/* ------------------------------------------------------------------ */
/* A log of fired timers                                               */

#define LOG_MAX 64

typedef struct fire_log {
    int ids[LOG_MAX];
    sipua_time at[LOG_MAX];
    size_t n;
} fire_log;

typedef struct tnode {
    sipua__timer timer;
    int id;
    fire_log *log;
    /* what the callback does besides logging */
    sipua__timer_heap *heap;
    sipua__timer *other; /* cancel it, or arm it at other_deadline */
    sipua_time other_deadline;
    sipua_time period; /* re-arm self this far after now */
    int repeats;
} tnode;

static void on_fire(sipua__timer *timer, sipua_time now, void *user)
{
    tnode *n = user;
    assert_ptr_equal(&n->timer, timer);
    assert_false(sipua__timer_armed(timer));
    assert_true(n->log->n < LOG_MAX);
    n->log->ids[n->log->n] = n->id;
    n->log->at[n->log->n] = now;
    n->log->n++;
    if (n->other && n->other_deadline)
        assert_int_equal(sipua__timer_schedule(n->heap, n->other, n->other_deadline), 0);
    else if (n->other)
        sipua__timer_cancel(n->heap, n->other);
    if (n->period && n->repeats-- > 0)
        assert_int_equal(sipua__timer_schedule(n->heap, timer, now + n->period), 0);
}

static void node_init(tnode *n, int id, fire_log *log, sipua__timer_heap *heap)
{
    memset(n, 0, sizeof *n);
    n->id = id;
    n->log = log;
    n->heap = heap;
    sipua__timer_init(&n->timer, on_fire, n);
}

/* A heap with nodes n[0..count) numbered 1..count, all unarmed. */
typedef struct fixture {
    sipua__timer_heap heap;
    fire_log log;
    tnode n[6];
} fixture;

static fixture *fixture_new(int count)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    sipua__timer_heap_init(&f->heap, NULL);
    for (int i = 0; i < count; i++)
        node_init(&f->n[i], i + 1, &f->log, &f->heap);
    return f;
}

static void fixture_free(fixture *f)
{
    sipua__timer_heap_free(&f->heap);
    free(f);
}

/* Arms n[i] at when[i] for each i < count. */
static void arm_all(fixture *f, const sipua_time *when, int count)
{
    for (int i = 0; i < count; i++)
        assert_int_equal(sipua__timer_schedule(&f->heap, &f->n[i].timer, when[i]), 0);
}

/* The log holds exactly these ids. */
static void expect_fired(const fixture *f, const int *ids, size_t count)
{
    assert_int_equal(f->log.n, count);
    for (size_t i = 0; i < count; i++)
        assert_int_equal(f->log.ids[i], ids[i]);
}

/* ------------------------------------------------------------------ */
/* Order                                                               */

static void test_timer_empty_heap_has_no_deadline_and_fires_nothing(void **state)
{
    (void)state;
    sipua__timer_heap heap;
    sipua__timer_heap_init(&heap, NULL);
    assert_int_equal(sipua__timer_heap_next_deadline(&heap), 0);
    assert_int_equal(sipua__timer_heap_run(&heap, 1000000), 0);
    assert_int_equal(sipua__timer_heap_count(&heap), 0);
    sipua__timer_heap_free(&heap);
}

static void test_timer_fires_in_deadline_order_ties_in_arming_order(void **state)
{
    (void)state;
    fixture *f = fixture_new(6);
    const sipua_time when[6] = {300, 100, 200, 100, 500, 100};
    arm_all(f, when, 6);
    assert_int_equal(sipua__timer_heap_next_deadline(&f->heap), 100);
    assert_int_equal(sipua__timer_heap_run(&f->heap, 99), 0);
    assert_int_equal(sipua__timer_heap_run(&f->heap, 300), 5);
    const int order[5] = {2, 4, 6, 3, 1};
    expect_fired(f, order, 5);
    for (int i = 0; i < 5; i++)
        assert_int_equal(f->log.at[i], 300);
    assert_int_equal(sipua__timer_heap_next_deadline(&f->heap), 500);
    assert_true(sipua__timer_armed(&f->n[4].timer));
    assert_int_equal(sipua__timer_heap_run(&f->heap, 500), 1);
    assert_int_equal(sipua__timer_heap_next_deadline(&f->heap), 0);
    fixture_free(f);
}

static void test_timer_cancel_removes_and_cancelling_twice_is_harmless(void **state)
{
    (void)state;
    fixture *f = fixture_new(3);
    sipua__timer_cancel(&f->heap, &f->n[0].timer); /* never armed */
    const sipua_time when[3] = {10, 20, 30};
    arm_all(f, when, 3);
    sipua__timer_cancel(&f->heap, &f->n[0].timer);
    sipua__timer_cancel(&f->heap, &f->n[0].timer);
    assert_false(sipua__timer_armed(&f->n[0].timer));
    assert_int_equal(sipua__timer_heap_count(&f->heap), 2);
    assert_int_equal(sipua__timer_heap_next_deadline(&f->heap), 20);
    assert_true(sipua__timer_heap_check(&f->heap));
    assert_int_equal(sipua__timer_heap_run(&f->heap, 100), 2);
    expect_fired(f, (const int[]){2, 3}, 2);
    fixture_free(f);
}

static void test_timer_reschedule_moves_earlier_and_later(void **state)
{
    (void)state;
    fixture *f = fixture_new(3);
    const sipua_time when[3] = {10, 20, 30};
    arm_all(f, when, 3);
    assert_int_equal(sipua__timer_schedule(&f->heap, &f->n[0].timer, 40), 0); /* later */
    assert_int_equal(sipua__timer_schedule(&f->heap, &f->n[2].timer, 5), 0);  /* earlier */
    assert_int_equal(sipua__timer_heap_count(&f->heap), 3);
    assert_true(sipua__timer_heap_check(&f->heap));
    assert_int_equal(sipua__timer_heap_next_deadline(&f->heap), 5);
    assert_int_equal(sipua__timer_heap_run(&f->heap, 100), 3);
    expect_fired(f, (const int[]){3, 2, 1}, 3);
    fixture_free(f);
}

static void test_timer_rearmed_to_the_same_deadline_goes_behind_its_peers(void **state)
{
    (void)state;
    fixture *f = fixture_new(2);
    const sipua_time when[2] = {10, 10};
    arm_all(f, when, 2);
    assert_int_equal(sipua__timer_schedule(&f->heap, &f->n[0].timer, 10), 0);
    assert_int_equal(sipua__timer_heap_run(&f->heap, 10), 2);
    expect_fired(f, (const int[]){2, 1}, 2);
    fixture_free(f);
}

/* ------------------------------------------------------------------ */
/* Callbacks that change the heap                                      */

static void test_timer_callback_rearms_itself_once_per_run(void **state)
{
    (void)state;
    fixture *f = fixture_new(1);
    f->n[0].period = 100;
    f->n[0].repeats = 3;
    assert_int_equal(sipua__timer_schedule(&f->heap, &f->n[0].timer, 100), 0);
    sipua_time t = 0;
    while ((t = sipua__timer_heap_next_deadline(&f->heap)) != 0)
        assert_int_equal(sipua__timer_heap_run(&f->heap, t), 1);
    assert_int_equal(f->log.n, 4);
    for (int i = 0; i < 4; i++)
        assert_int_equal(f->log.at[i], 100 * (i + 1));
    fixture_free(f);
}

static void test_timer_callback_cancels_a_timer_due_in_the_same_run(void **state)
{
    (void)state;
    fixture *f = fixture_new(3);
    f->n[0].other = &f->n[1].timer; /* 1 cancels 2 */
    const sipua_time when[3] = {10, 20, 30};
    arm_all(f, when, 3);
    assert_int_equal(sipua__timer_heap_run(&f->heap, 50), 2);
    expect_fired(f, (const int[]){1, 3}, 2);
    assert_false(sipua__timer_armed(&f->n[1].timer));
    fixture_free(f);
}

static void test_timer_callback_arms_a_timer_already_due_which_fires_in_order(void **state)
{
    (void)state;
    fixture *f = fixture_new(4);
    f->n[0].other = &f->n[1].timer; /* 1 arms 2 at 15: before 3, within the run */
    f->n[0].other_deadline = 15;
    f->n[2].other = &f->n[3].timer; /* 3 arms 4 after the run's time: not in this run */
    f->n[2].other_deadline = 60;
    assert_int_equal(sipua__timer_schedule(&f->heap, &f->n[0].timer, 10), 0);
    assert_int_equal(sipua__timer_schedule(&f->heap, &f->n[2].timer, 30), 0);
    assert_int_equal(sipua__timer_heap_run(&f->heap, 50), 3);
    expect_fired(f, (const int[]){1, 2, 3}, 3);
    assert_int_equal(sipua__timer_heap_next_deadline(&f->heap), 60);
    fixture_free(f);
}

typedef struct owner {
    sipua__timer timer;
    int *freed;
} owner;

static void free_owner(sipua__timer *timer, sipua_time now, void *user)
{
    (void)timer;
    (void)now;
    owner *o = user;
    (*o->freed)++;
    free(o);
}

static void test_timer_callback_may_free_the_object_that_embeds_it(void **state)
{
    (void)state;
    sipua__timer_heap heap;
    sipua__timer_heap_init(&heap, NULL);
    int freed = 0;
    for (int i = 0; i < 10; i++) {
        owner *o = malloc(sizeof *o);
        assert_non_null(o);
        o->freed = &freed;
        sipua__timer_init(&o->timer, free_owner, o);
        assert_int_equal(sipua__timer_schedule(&heap, &o->timer, 10 + i % 3), 0);
    }
    assert_int_equal(sipua__timer_heap_run(&heap, 20), 10);
    assert_int_equal(freed, 10);
    sipua__timer_heap_free(&heap);
}

static void test_timer_heap_free_disarms_what_is_left(void **state)
{
    (void)state;
    fixture *f = fixture_new(1);
    assert_int_equal(sipua__timer_schedule(&f->heap, &f->n[0].timer, 10), 0);
    sipua__timer_heap_free(&f->heap);
    assert_false(sipua__timer_armed(&f->n[0].timer));
    assert_int_equal(f->log.n, 0);
    fixture_free(f);
}

/* ------------------------------------------------------------------ */
/* Memory                                                              */

typedef struct counting_alloc {
    sipua_allocator a;
    long calls;
    long fail_at; /* -1: never */
    long live;
} counting_alloc;

static void *ca_alloc(size_t size, void *user)
{
    counting_alloc *c = user;
    if (c->calls++ == c->fail_at)
        return NULL;
    c->live++;
    return malloc(size);
}

static void *ca_realloc(void *ptr, size_t size, void *user)
{
    counting_alloc *c = user;
    if (c->calls++ == c->fail_at)
        return NULL;
    c->live += ptr == NULL;
    return realloc(ptr, size);
}

static void ca_free(void *ptr, void *user)
{
    counting_alloc *c = user;
    c->live -= ptr != NULL;
    free(ptr);
}

static void counting_alloc_init(counting_alloc *c, long fail_at)
{
    c->a.alloc = ca_alloc;
    c->a.realloc = ca_realloc;
    c->a.free = ca_free;
    c->a.user = c;
    c->calls = 0;
    c->fail_at = fail_at;
    c->live = 0;
}

static void test_timer_growth_failure_is_enomem_and_leaves_the_timer_unarmed(void **state)
{
    (void)state;
    counting_alloc ca;
    counting_alloc_init(&ca, 0);
    sipua__timer_heap heap;
    sipua__timer_heap_init(&heap, &ca.a);
    fire_log log = {0};
    tnode a, b;
    node_init(&a, 1, &log, &heap);
    node_init(&b, 2, &log, &heap);
    assert_int_equal(sipua__timer_schedule(&heap, &a.timer, 10), SIPUA_ENOMEM);
    assert_false(sipua__timer_armed(&a.timer));
    assert_int_equal(sipua__timer_heap_count(&heap), 0);
    assert_int_equal(sipua__timer_schedule(&heap, &a.timer, 10), 0); /* next call succeeds */
    /* Re-arming an armed timer allocates nothing. */
    ca.fail_at = ca.calls;
    assert_int_equal(sipua__timer_schedule(&heap, &a.timer, 5), 0);
    /* Reserve fails cleanly too, and then arming within the capacity works. */
    ca.fail_at = ca.calls;
    assert_int_equal(sipua__timer_heap_reserve(&heap, 1000), SIPUA_ENOMEM);
    assert_int_equal(sipua__timer_heap_reserve(&heap, 1000), 0);
    ca.fail_at = ca.calls;
    assert_int_equal(sipua__timer_schedule(&heap, &b.timer, 7), 0);
    assert_int_equal(sipua__timer_heap_run(&heap, 10), 2);
    assert_int_equal(log.ids[0], 1);
    assert_int_equal(log.ids[1], 2);
    sipua__timer_heap_free(&heap);
    assert_int_equal(ca.live, 0);
}

/* ------------------------------------------------------------------ */
/* 100,000 timers                                                      */

#define MANY 100000

typedef struct many_node {
    sipua__timer timer;
    int live;  /* armed and not cancelled */
    int fired; /* times fired */
} many_node;

typedef struct many_state {
    sipua_time last;
    size_t fired;
    int order_ok;
} many_state;

static many_state g_many;

static void many_fire(sipua__timer *timer, sipua_time now, void *user)
{
    many_node *n = user;
    (void)now;
    if (timer->deadline < g_many.last)
        g_many.order_ok = 0;
    g_many.last = timer->deadline;
    n->fired++;
    g_many.fired++;
}

static uint64_t xorshift(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static void test_timer_100000_timers_in_random_order_keep_heap_order(void **state)
{
    (void)state;
    counting_alloc ca;
    counting_alloc_init(&ca, -1);
    sipua__timer_heap heap;
    sipua__timer_heap_init(&heap, &ca.a);
    many_node *nodes = calloc(MANY, sizeof *nodes);
    size_t *perm = malloc(MANY * sizeof *perm);
    assert_non_null(nodes);
    assert_non_null(perm);
    uint64_t seed = 0x9e3779b97f4a7c15u;

    /* Arm all, in a random order, with random deadlines (many equal). */
    for (size_t i = 0; i < MANY; i++)
        perm[i] = i;
    for (size_t i = MANY - 1; i > 0; i--) {
        size_t j = xorshift(&seed) % (i + 1), t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    for (size_t k = 0; k < MANY; k++) {
        many_node *n = &nodes[perm[k]];
        sipua__timer_init(&n->timer, many_fire, n);
        sipua_time when = 1 + (sipua_time)(xorshift(&seed) % 50000);
        assert_int_equal(sipua__timer_schedule(&heap, &n->timer, when), 0);
        n->live = 1;
        if (k % 20000 == 0)
            assert_true(sipua__timer_heap_check(&heap));
    }
    assert_int_equal(sipua__timer_heap_count(&heap), MANY);
    assert_true(sipua__timer_heap_check(&heap));

    /* Cancel half and move a quarter, in random order. */
    size_t live = MANY;
    for (size_t k = 0; k < MANY; k++) {
        many_node *n = &nodes[xorshift(&seed) % MANY];
        uint64_t r = xorshift(&seed) % 4;
        if (r < 2) {
            sipua__timer_cancel(&heap, &n->timer);
            live -= n->live;
            n->live = 0;
        } else if (r == 2) {
            sipua_time when = 1 + (sipua_time)(xorshift(&seed) % 50000);
            assert_int_equal(sipua__timer_schedule(&heap, &n->timer, when), 0);
            live += !n->live;
            n->live = 1;
        }
        if (k % 20000 == 0)
            assert_true(sipua__timer_heap_check(&heap));
    }
    assert_int_equal(sipua__timer_heap_count(&heap), live);
    assert_true(sipua__timer_heap_check(&heap));

    /* Run in steps: every live timer fires once, in order, and none early. */
    g_many.last = 0;
    g_many.fired = 0;
    g_many.order_ok = 1;
    for (sipua_time now = 0; now <= 50000; now += 997) {
        sipua__timer_heap_run(&heap, now);
        assert_true(sipua__timer_heap_next_deadline(&heap) == 0 ||
                    sipua__timer_heap_next_deadline(&heap) > now);
    }
    sipua__timer_heap_run(&heap, 50001);
    assert_true(g_many.order_ok);
    assert_int_equal(g_many.fired, live);
    assert_int_equal(sipua__timer_heap_count(&heap), 0);
    for (size_t i = 0; i < MANY; i++)
        assert_int_equal(nodes[i].fired, nodes[i].live);

    sipua__timer_heap_free(&heap);
    assert_int_equal(ca.live, 0);
    free(perm);
    free(nodes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timer_empty_heap_has_no_deadline_and_fires_nothing),
        cmocka_unit_test(test_timer_fires_in_deadline_order_ties_in_arming_order),
        cmocka_unit_test(test_timer_cancel_removes_and_cancelling_twice_is_harmless),
        cmocka_unit_test(test_timer_reschedule_moves_earlier_and_later),
        cmocka_unit_test(test_timer_rearmed_to_the_same_deadline_goes_behind_its_peers),
        cmocka_unit_test(test_timer_callback_rearms_itself_once_per_run),
        cmocka_unit_test(test_timer_callback_cancels_a_timer_due_in_the_same_run),
        cmocka_unit_test(test_timer_callback_arms_a_timer_already_due_which_fires_in_order),
        cmocka_unit_test(test_timer_callback_may_free_the_object_that_embeds_it),
        cmocka_unit_test(test_timer_heap_free_disarms_what_is_left),
        cmocka_unit_test(test_timer_growth_failure_is_enomem_and_leaves_the_timer_unarmed),
        cmocka_unit_test(test_timer_100000_timers_in_random_order_keep_heap_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
