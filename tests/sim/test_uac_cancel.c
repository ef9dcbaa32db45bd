/* The caller's side of CANCEL when the callee does not play its part
 * (RFC 3261 9.1), against the hand-driven peer R of tests/sim/simworld.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "simworld.h"

/* The callee rang, we canceled, and neither the CANCEL nor the INVITE is
 * ever answered: 64*T1 after the CANCEL the INVITE is taken as canceled
 * (canceled, cause CANCELED) and its transaction destroyed, rather than
 * left in Proceeding for good. */
static void test_9_1_cancel_never_answered_ends_after_64_t1(void **state)
{
    (void)state;
    world *w = world_new(B_NOTHING);
    a_calls_r(w);
    int inv = nth(w, w->r_rx, w->r_n, 0, SIPUA_METHOD_INVITE, 0, NULL);
    assert_true(inv >= 0);
    r_respond(w, inv, 180, "Ringing", NULL, NULL);
    run_until(w, now_of(w) + 100 * MS);
    sipua_time at = now_of(w);
    assert_int_equal(sipua_session_cancel(w->sa, NULL, at), 0);
    run_until(w, at + 31900 * MS);
    assert_false(sipua_session_is_ended(w->sa));
    assert_true(count_of(w, w->r_rx, w->r_n, 0, SIPUA_METHOD_CANCEL) >= 1);
    run_until(w, at + 32100 * MS);
    assert_true(sipua_session_is_ended(w->sa));
    const evrec *last = &w->ea.ev[w->ea.n - 1];
    assert_int_equal(last->kind, SIPUA_SESSION_EV_CANCELED);
    assert_int_equal(last->cause, SIPUA_CAUSE_CANCELED);
    assert_int_equal(last->at, at + 32000 * MS);
    assert_int_equal(has_kind(&w->ea, SIPUA_SESSION_EV_CANCELED, 0), 1);
    sipua_ua_stats st;
    sipua_ua_get_stats(w->a.u.ua, &st);
    assert_int_equal(st.live_transactions, 0);
    world_free(w);
}

/* The same, but the 487 comes late (after 20 s): the call ends then, once,
 * and nothing fires at 64*T1. */
static void test_9_1_late_487_ends_it_once(void **state)
{
    (void)state;
    world *w = world_new(B_NOTHING);
    a_calls_r(w);
    int inv = nth(w, w->r_rx, w->r_n, 0, SIPUA_METHOD_INVITE, 0, NULL);
    r_respond(w, inv, 180, "Ringing", NULL, NULL);
    run_until(w, now_of(w) + 100 * MS);
    sipua_time at = now_of(w);
    assert_int_equal(sipua_session_cancel(w->sa, NULL, at), 0);
    run_until(w, at + 20000 * MS);
    r_respond(w, inv, 487, "Request Terminated", NULL, NULL);
    run_until(w, at + 40000 * MS);
    assert_true(sipua_session_is_ended(w->sa));
    int finals = 0;
    for (int i = 0; i < w->ea.n; i++)
        finals += w->ea.ev[i].kind == SIPUA_SESSION_EV_CANCELED ||
                  w->ea.ev[i].kind == SIPUA_SESSION_EV_FAILED ||
                  w->ea.ev[i].kind == SIPUA_SESSION_EV_TERMINATED;
    assert_int_equal(finals, 1);
    assert_true(w->ea.ev[w->ea.n - 1].at < at + 20100 * MS);
    world_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_9_1_cancel_never_answered_ends_after_64_t1),
        cmocka_unit_test(test_9_1_late_487_ends_it_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
