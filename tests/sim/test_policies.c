/* The user agent's policies for RFC 3262 (100rel supported, required or
 * disabled) and RFC 4028 (session timers on or off, the interval asked
 * and the smallest one taken), on both sides of a call: A and B are UA
 * cores configured alike, R a hand-driven peer (tests/sim/simworld.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "simworld.h"

static void rel100_required(sipua_ua_config *c)
{
    c->rel100 = SIPUA_100REL_REQUIRED;
}

static void rel100_disabled(sipua_ua_config *c)
{
    c->rel100 = SIPUA_100REL_DISABLED;
}

static void timers_disabled(sipua_ua_config *c)
{
    c->session_timer = SIPUA_TIMER_DISABLED;
}

static void intervals(sipua_ua_config *c)
{
    c->session_expires = 300;
    c->min_se = 120;
}

static void high_floor(sipua_ua_config *c)
{
    c->min_se = 2000;
}

/* The first message R received that is a response `status` to `method`
 * (0: the request), or NULL. */
static const logged *r_got(world *w, int status, sipua_method method)
{
    int i = nth(w, w->r_rx, w->r_n, status, method, 0, NULL);
    return i < 0 ? NULL : &w->r_rx[i];
}

static int has_tag(world *w, const logged *l, const char *hname, const char *tag)
{
    return sipua_msg_has_option(parsed(w, l),
                                sipua_hdr_id_from_name((sipua_str){hname, strlen(hname)}), tag);
}

/* A's INVITE under each 100rel policy: Supported (and Require) as they say. */
static void test_3262_our_invite_under_each_policy(void **state)
{
    (void)state;
    void (*tweaks[3])(sipua_ua_config *) = {NULL, rel100_required, rel100_disabled};
    for (int i = 0; i < 3; i++) {
        world *w = world_new_with(B_NOTHING, tweaks[i]);
        a_calls_r(w);
        const logged *inv = r_got(w, 0, SIPUA_METHOD_INVITE);
        assert_non_null(inv);
        assert_int_equal(has_tag(w, inv, "Supported", "100rel"), i != 2);
        assert_int_equal(has_tag(w, inv, "Require", "100rel"), i == 1);
        assert_int_equal(has_tag(w, inv, "Supported", "timer"), 1);
        assert_int_equal(has_tag(w, inv, "Supported", "replaces"), 1);
        world_free(w);
    }
}

/* required: an INVITE that does not offer 100rel is refused 421 with
 * Require: 100rel, and no session is made; one that does is served and
 * preaccept's 183 is reliable. */
static void test_3262_3_required_refuses_without_100rel(void **state)
{
    (void)state;
    world *w = world_new_with(B_PREACCEPT, rel100_required);
    r_invite(w, "");
    run_until(w, now_of(w) + 100 * MS);
    const logged *l = r_got(w, 421, SIPUA_METHOD_INVITE);
    assert_non_null(l);
    assert_true(str_is(header(w, l, "Require"), "100rel"));
    assert_null(w->sb);
    world_free(w);

    w = world_new_with(B_PREACCEPT, rel100_required);
    r_invite(w, "Supported: 100rel\r\n");
    run_until(w, now_of(w) + 100 * MS);
    assert_non_null(w->sb);
    l = r_got(w, 183, SIPUA_METHOD_INVITE);
    assert_non_null(l);
    assert_true(has_tag(w, l, "Require", "100rel"));
    assert_true(header(w, l, "RSeq").len > 0);
    world_free(w);
}

/* disabled: preaccept's 183 is unreliable even when the INVITE offers
 * 100rel; an INVITE that requires it gets 420 with Unsupported: 100rel;
 * a reliable 18x to our INVITE is not PRACKed. */
static void test_3262_disabled_neither_offers_nor_uses_it(void **state)
{
    (void)state;
    world *w = world_new_with(B_PREACCEPT, rel100_disabled);
    r_invite(w, "Supported: 100rel\r\n");
    run_until(w, now_of(w) + 100 * MS);
    const logged *l = r_got(w, 183, SIPUA_METHOD_INVITE);
    assert_non_null(l);
    assert_false(has_tag(w, l, "Require", "100rel"));
    assert_int_equal(header(w, l, "RSeq").len, 0);
    assert_int_equal(count_of(w, w->r_rx, w->r_n, 183, SIPUA_METHOD_INVITE), 1);
    run_until(w, now_of(w) + 2000 * MS); /* no retransmission of the 183 */
    assert_int_equal(count_of(w, w->r_rx, w->r_n, 183, SIPUA_METHOD_INVITE), 1);
    world_free(w);

    w = world_new_with(B_PREACCEPT, rel100_disabled);
    r_invite(w, "Require: 100rel\r\n");
    run_until(w, now_of(w) + 100 * MS);
    l = r_got(w, 420, SIPUA_METHOD_INVITE);
    assert_non_null(l);
    assert_true(has_tag(w, l, "Unsupported", "100rel"));
    assert_null(w->sb);
    world_free(w);

    w = world_new_with(B_NOTHING, rel100_disabled);
    a_calls_r(w);
    int inv = nth(w, w->r_rx, w->r_n, 0, SIPUA_METHOD_INVITE, 0, NULL);
    assert_true(inv >= 0);
    r_respond(w, inv, 180, "Ringing", "Require: 100rel\r\nRSeq: 1\r\n", NULL);
    run_until(w, now_of(w) + 100 * MS);
    assert_int_equal(has_kind(&w->ea, SIPUA_SESSION_EV_PROGRESS, 180), 1);
    assert_int_equal(count_of(w, w->r_rx, w->r_n, 0, SIPUA_METHOD_PRACK), 0);
    r_respond(w, inv, 486, "Busy Here", NULL, NULL);
    run_until(w, now_of(w) + 100 * MS);
    assert_int_equal(has_kind(&w->ea, SIPUA_SESSION_EV_FAILED, 486), 1);
    world_free(w);
}

/* Timers off: our INVITE asks for none; an INVITE's Session-Expires is
 * neither granted nor 422'd however small; one that requires timer gets
 * 420; the 200 of ours carries no Session-Expires. */
static void test_4028_disabled(void **state)
{
    (void)state;
    world *w = world_new_with(B_NOTHING, timers_disabled);
    a_calls_r(w);
    const logged *inv = r_got(w, 0, SIPUA_METHOD_INVITE);
    assert_non_null(inv);
    assert_false(has_tag(w, inv, "Supported", "timer"));
    assert_int_equal(header(w, inv, "Session-Expires").len, 0);
    assert_int_equal(header(w, inv, "Min-SE").len, 0);
    world_free(w);

    w = world_new_with(B_ACCEPT, timers_disabled);
    r_invite(w, "Supported: timer\r\nSession-Expires: 30\r\n");
    run_until(w, now_of(w) + 100 * MS);
    const logged *ok = r_got(w, 200, SIPUA_METHOD_INVITE);
    assert_non_null(ok);
    assert_int_equal(header(w, ok, "Session-Expires").len, 0);
    assert_false(has_tag(w, ok, "Require", "timer"));
    assert_false(has_tag(w, ok, "Supported", "timer"));
    assert_int_equal(sipua_session_expires(w->sb), 0);
    world_free(w);

    w = world_new_with(B_ACCEPT, timers_disabled);
    r_invite(w, "Require: timer\r\nSession-Expires: 1800\r\n");
    run_until(w, now_of(w) + 100 * MS);
    const logged *l = r_got(w, 420, SIPUA_METHOD_INVITE);
    assert_non_null(l);
    assert_true(has_tag(w, l, "Unsupported", "timer"));
    world_free(w);

    /* and OPTIONS says what is left */
    w = world_new_with(B_NOTHING, timers_disabled);
    r_send(w, 2,
           "OPTIONS sip:bob@10.0.0.2 SIP/2.0\r\n"
           "Via: SIP/2.0/UDP 10.0.0.3:5060;branch=z9hG4bK-ropt\r\n"
           "Max-Forwards: 70\r\nFrom: <sip:r@10.0.0.3>;tag=o\r\nTo: <sip:bob@10.0.0.2>\r\n"
           "Call-ID: ropt@10.0.0.3\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
    run_until(w, now_of(w) + 100 * MS);
    l = r_got(w, 200, SIPUA_METHOD_OPTIONS);
    assert_non_null(l);
    assert_true(str_is(header(w, l, "Supported"), "100rel, replaces"));
    world_free(w);
}

/* The intervals: our INVITE asks for session_expires and states a Min-SE
 * above 90; a Session-Expires below our min_se gets 422 with it (RFC 4028
 * 8.1); one at it is granted. */
static void test_4028_intervals_asked_and_floor(void **state)
{
    (void)state;
    world *w = world_new_with(B_NOTHING, intervals);
    a_calls_r(w);
    const logged *inv = r_got(w, 0, SIPUA_METHOD_INVITE);
    assert_non_null(inv);
    assert_true(str_is(header(w, inv, "Session-Expires"), "300"));
    assert_true(str_is(header(w, inv, "Min-SE"), "120"));
    world_free(w);

    w = world_new_with(B_ACCEPT, intervals);
    r_invite(w, "Supported: timer\r\nSession-Expires: 100\r\n");
    run_until(w, now_of(w) + 100 * MS);
    const logged *l = r_got(w, 422, SIPUA_METHOD_INVITE);
    assert_non_null(l);
    assert_true(str_is(header(w, l, "Min-SE"), "120"));
    world_free(w);

    w = world_new_with(B_ACCEPT, intervals);
    r_invite(w, "Supported: timer\r\nSession-Expires: 120\r\n");
    run_until(w, now_of(w) + 100 * MS);
    l = r_got(w, 200, SIPUA_METHOD_INVITE);
    assert_non_null(l);
    assert_true(str_is(header(w, l, "Session-Expires"), "120;refresher=uac"));
    assert_int_equal(sipua_session_expires(w->sb), 120);
    world_free(w);

    /* a floor above the default interval raises the interval asked */
    w = world_new_with(B_NOTHING, high_floor);
    a_calls_r(w);
    inv = r_got(w, 0, SIPUA_METHOD_INVITE);
    assert_non_null(inv);
    assert_true(str_is(header(w, inv, "Session-Expires"), "2000"));
    assert_true(str_is(header(w, inv, "Min-SE"), "2000"));
    world_free(w);
}

static void dummy_event(void *user, const sipua_ua_event *ev)
{
    (void)user;
    (void)ev;
}

static int dummy_send(void *user, const sipua_endpoint *to, const char *b, size_t n)
{
    (void)user;
    (void)to;
    (void)b;
    (void)n;
    return 0;
}

static void dummy_random(void *user, uint8_t *b, size_t n)
{
    (void)user;
    memset(b, 7, n);
}

/* Out-of-range policies and intervals: SIPUA_EINVAL, no UA. */
static void test_policies_out_of_range(void **state)
{
    (void)state;
    sipua_ua_callbacks cb = {.version = SIPUA_UA_CALLBACKS_VERSION,
                             .send = dummy_send,
                             .random = dummy_random,
                             .event = dummy_event};
    struct {
        int rel100, timer;
        uint32_t se, min_se;
        int ok;
    } cases[] = {
        {0, 0, 0, 0, 1},     {2, 1, 0, 0, 1},     {3, 0, 0, 0, 0},     {-1, 0, 0, 0, 0},
        {0, 2, 0, 0, 0},     {0, 0, 0, 89, 0},    {0, 0, 0, 90, 1},    {0, 0, 89, 0, 0},
        {0, 0, 90, 0, 1},    {0, 0, 100, 120, 0}, {0, 0, 120, 120, 1}, {0, 0, 86400, 0, 1},
        {0, 0, 86401, 0, 0}, {0, 0, 0, 86400, 1}, {0, 0, 0, 86401, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sipua_ua_config cfg;
        sipua_ua_config_init(&cfg);
        cfg.rel100 = (sipua_100rel_policy)cases[i].rel100;
        cfg.session_timer = (sipua_timer_policy)cases[i].timer;
        cfg.session_expires = cases[i].se;
        cfg.min_se = cases[i].min_se;
        sipua_ua *ua = NULL;
        int r = sipua_ua_new(&cfg, &cb, NULL, NULL, &ua);
        assert_int_equal(r, cases[i].ok ? 0 : SIPUA_EINVAL);
        assert_true(cases[i].ok ? ua != NULL : ua == NULL);
        sipua_ua_free(ua);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_3262_our_invite_under_each_policy),
        cmocka_unit_test(test_3262_3_required_refuses_without_100rel),
        cmocka_unit_test(test_3262_disabled_neither_offers_nor_uses_it),
        cmocka_unit_test(test_4028_disabled),
        cmocka_unit_test(test_4028_intervals_asked_and_floor),
        cmocka_unit_test(test_policies_out_of_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
