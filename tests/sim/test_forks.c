/* A forking proxy's answers reach the caller (RFC 3261 12.1.2, 13.2.2.4):
 * several early dialogs, one per To tag; the first 2xx wins and is the
 * session; a later 2xx from another fork is ACKed and then ended with a
 * BYE, and the session sees it not at all. R plays the proxy and its
 * forks, answering A's INVITE with different To tags. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "simworld.h"

/* The requests of `method` R received in the dialog with To tag `tag`. */
static int in_fork(world *w, sipua_method method, const char *tag)
{
    int n = 0;
    for (int i = 0; i < w->r_n; i++) {
        if (!is(w, &w->r_rx[i], 0, method))
            continue;
        const sipua_nameaddr *to = sipua_msg_to(parsed(w, &w->r_rx[i]));
        if (to && str_is(to->tag, tag))
            n++;
    }
    return n;
}

static void test_first_2xx_wins_later_ones_are_acked_and_byed(void **state)
{
    (void)state;
    world *w = world_new(B_NOTHING);
    a_calls_r(w);
    int inv = nth(w, w->r_rx, w->r_n, 0, SIPUA_METHOD_INVITE, 0, NULL);
    assert_true(inv >= 0);
    /* two forks ring, then the second one answers first */
    r_respond_tag(w, inv, 180, "Ringing", "forkA", NULL, NULL);
    r_respond_tag(w, inv, 180, "Ringing", "forkB", NULL, NULL);
    run_until(w, now_of(w) + 100 * MS);
    assert_int_equal(has_kind(&w->ea, SIPUA_SESSION_EV_PROGRESS, 180), 2);
    r_respond_tag(w, inv, 200, "OK", "forkB", NULL, SDP_R);
    run_until(w, now_of(w) + 100 * MS);
    assert_int_equal(has_kind(&w->ea, SIPUA_SESSION_EV_ACCEPTED, 200), 1);
    assert_int_equal(in_fork(w, SIPUA_METHOD_ACK, "forkB"), 1);
    /* the other fork answers too: ACK, then BYE; no event */
    int before = w->ea.n;
    r_respond_tag(w, inv, 200, "OK", "forkA", NULL, SDP_R2);
    run_until(w, now_of(w) + 100 * MS);
    assert_int_equal(in_fork(w, SIPUA_METHOD_ACK, "forkA"), 1);
    assert_int_equal(in_fork(w, SIPUA_METHOD_BYE, "forkA"), 1);
    assert_int_equal(w->ea.n, before);
    /* the 2xx of the loser sent again: ACKed again, no second BYE */
    r_respond_tag(w, inv, 200, "OK", "forkA", NULL, SDP_R2);
    run_until(w, now_of(w) + 100 * MS);
    assert_int_equal(in_fork(w, SIPUA_METHOD_ACK, "forkA"), 2);
    assert_int_equal(in_fork(w, SIPUA_METHOD_BYE, "forkA"), 1);
    /* the winner stays the session: its BYE goes to forkB */
    assert_true(sipua_session_is_established(w->sa));
    int bye = nth(w, w->r_rx, w->r_n, 0, SIPUA_METHOD_BYE, 0, NULL);
    r_respond(w, bye, 200, "OK", NULL, NULL);
    assert_int_equal(sipua_session_bye(w->sa, NULL, now_of(w)), 0);
    run_until(w, now_of(w) + 100 * MS);
    assert_int_equal(in_fork(w, SIPUA_METHOD_BYE, "forkB"), 1);
    world_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_2xx_wins_later_ones_are_acked_and_byed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
