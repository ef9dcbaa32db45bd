/* Digest authentication of a session's requests (RFC 3261 22, RFC 7616),
 * through the simulator: A calls the hand-driven peer R, which challenges
 * like a proxy (407) or a UAS (401) and checks the credentials A sends
 * with sipua_auth_verify(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "simworld.h"
#include "sipua/auth.h"

#define REALM "sipua.test"
#define PROXY_CH(nonce, extra)                                                                     \
    "Proxy-Authenticate: Digest realm=\"" REALM "\", nonce=\"" nonce "\", qop=\"auth\", "          \
    "algorithm=SHA-256" extra "\r\n"
#define WWW_CH(nonce)                                                                              \
    "WWW-Authenticate: Digest realm=\"bob.test\", nonce=\"" nonce "\", qop=\"auth,auth-int\"\r\n"

static int invites(world *w)
{
    return count_of(w, w->r_rx, w->r_n, 0, SIPUA_METHOD_INVITE);
}

/* The k-th INVITE R received. */
static int invite(world *w, int k)
{
    int i = nth(w, w->r_rx, w->r_n, 0, SIPUA_METHOD_INVITE, k, NULL);
    assert_true(i >= 0);
    return i;
}

/* The credentials in header `name` of R's logged message i are good for
 * `password`, nonce and method; returns their nc. */
static unsigned long check_creds(world *w, int i, const char *name, const char *realm,
                                 const char *password, const char *nonce, const char *method)
{
    sipua_str v = header(w, &w->r_rx[i], name);
    assert_non_null(v.p);
    sipua_auth a;
    assert_int_equal(sipua_auth_parse(v, &a), 0);
    sipua_auth_verify_opts o;
    sipua_auth_verify_opts_init(&o);
    o.method = (sipua_str){method, strlen(method)};
    o.password = (sipua_str){password, strlen(password)};
    o.realm = (sipua_str){realm, strlen(realm)};
    o.nonce = (sipua_str){nonce, strlen(nonce)};
    o.body = body_of(w, &w->r_rx[i]);
    int r = sipua_auth_verify(&a, &o);
    if (r != 0)
        fail_msg("%s of %s refused (%d): %.*s", name, method, r, (int)v.len, v.p);
    assert_true(str_is(a.username, "alice"));
    /* the uri is the Request-URI */
    const char *line = w->r_rx[i].bytes;
    const char *sp = strchr(line, ' ');
    assert_int_equal(strncmp(sp + 1, a.uri.p, a.uri.len), 0);
    char nc[9] = {0};
    memcpy(nc, a.nc.p, a.nc.len < 8 ? a.nc.len : 8);
    return strtoul(nc, NULL, 16);
}

static void test_407_answered_then_bye_carries_credentials(void **state)
{
    (void)state;
    world *w = world_new(B_NOTHING);
    assert_int_equal(sipua_ua_set_credentials(w->a.u.ua, REALM, "alice", "secret"), 0);
    a_calls_r(w);
    int i0 = invite(w, 0);
    r_respond(w, i0, 407, "Proxy Authentication Required", PROXY_CH("n1", ""), NULL);
    run_until(w, now_of(w) + 100 * MS);
    assert_int_equal(invites(w), 2);
    int i1 = invite(w, 1);
    /* same Call-ID and From tag, CSeq + 1, a new branch */
    char cid0[128], from0[128], via0[256];
    snprintf(cid0, sizeof cid0, "%.*s", (int)header(w, &w->r_rx[i0], "Call-ID").len,
             header(w, &w->r_rx[i0], "Call-ID").p);
    snprintf(from0, sizeof from0, "%.*s", (int)header(w, &w->r_rx[i0], "From").len,
             header(w, &w->r_rx[i0], "From").p);
    assert_true(str_is(header(w, &w->r_rx[i1], "Call-ID"), cid0));
    assert_true(str_is(header(w, &w->r_rx[i1], "From"), from0));
    assert_true(str_is(header(w, &w->r_rx[i1], "CSeq"), "2 INVITE"));
    snprintf(via0, sizeof via0, "%.*s", (int)header(w, &w->r_rx[i0], "Via").len,
             header(w, &w->r_rx[i0], "Via").p);
    assert_false(str_is(header(w, &w->r_rx[i1], "Via"), via0));
    assert_int_equal(check_creds(w, i1, "Proxy-Authorization", REALM, "secret", "n1", "INVITE"), 1);
    assert_int_equal(w->ea.n, 0); /* no event for the challenge */
    /* the call goes on */
    r_respond(w, i1, 200, "OK", NULL, SDP_R);
    run_until(w, now_of(w) + 100 * MS);
    assert_true(has_kind(&w->ea, SIPUA_SESSION_EV_ACCEPTED, 200));
    /* later requests carry credentials for the same challenge, nc + 1 */
    assert_int_equal(sipua_session_send_dtmf(w->sa, "5", NULL, now_of(w)), 0);
    run_until(w, now_of(w) + 100 * MS);
    int info = nth(w, w->r_rx, w->r_n, 0, SIPUA_METHOD_INFO, 0, NULL);
    assert_true(info >= 0);
    assert_int_equal(check_creds(w, info, "Proxy-Authorization", REALM, "secret", "n1", "INFO"), 2);
    r_respond(w, info, 200, "OK", NULL, NULL);
    assert_int_equal(sipua_session_bye(w->sa, NULL, now_of(w)), 0);
    run_until(w, now_of(w) + 100 * MS);
    int bye = nth(w, w->r_rx, w->r_n, 0, SIPUA_METHOD_BYE, 0, NULL);
    assert_true(bye >= 0);
    assert_int_equal(check_creds(w, bye, "Proxy-Authorization", REALM, "secret", "n1", "BYE"), 3);
    r_respond(w, bye, 200, "OK", NULL, NULL);
    run_until(w, now_of(w) + 100 * MS);
    assert_true(has_kind(&w->ea, SIPUA_SESSION_EV_TERMINATED, 0));
    world_free(w);
}

static void test_refused_credentials_fail_the_call(void **state)
{
    (void)state;
    world *w = world_new(B_NOTHING);
    assert_int_equal(sipua_ua_set_credentials(w->a.u.ua, NULL, "alice", "wrong"), 0);
    a_calls_r(w);
    r_respond(w, invite(w, 0), 407, "Proxy Authentication Required", PROXY_CH("n1", ""), NULL);
    run_until(w, now_of(w) + 100 * MS);
    assert_int_equal(invites(w), 2);
    /* the any-realm credentials were used; R refuses them with a new
     * challenge, not stale */
    assert_int_not_equal(
        check_creds(w, invite(w, 1), "Proxy-Authorization", REALM, "wrong", "n1", "INVITE"), 0);
    r_respond(w, invite(w, 1), 407, "Proxy Authentication Required", PROXY_CH("n2", ""), NULL);
    run_until(w, now_of(w) + 100 * MS);
    assert_int_equal(invites(w), 2);
    assert_int_equal(w->ea.n, 1);
    assert_int_equal(w->ea.ev[0].kind, SIPUA_SESSION_EV_FAILED);
    assert_int_equal(w->ea.ev[0].code, 407);
    assert_int_equal(w->ea.ev[0].cause, SIPUA_CAUSE_AUTHENTICATION_ERROR);
    world_free(w);
}

static void test_stale_nonce_is_answered_again(void **state)
{
    (void)state;
    world *w = world_new(B_NOTHING);
    assert_int_equal(sipua_ua_set_credentials(w->a.u.ua, REALM, "alice", "secret"), 0);
    a_calls_r(w);
    r_respond(w, invite(w, 0), 407, "Proxy Authentication Required", PROXY_CH("n1", ""), NULL);
    run_until(w, now_of(w) + 100 * MS);
    r_respond(w, invite(w, 1), 407, "Proxy Authentication Required", PROXY_CH("n2", ", stale=true"),
              NULL);
    run_until(w, now_of(w) + 100 * MS);
    assert_int_equal(invites(w), 3);
    assert_true(str_is(header(w, &w->r_rx[invite(w, 2)], "CSeq"), "3 INVITE"));
    check_creds(w, invite(w, 2), "Proxy-Authorization", REALM, "secret", "n2", "INVITE");
    r_respond(w, invite(w, 2), 200, "OK", NULL, SDP_R);
    run_until(w, now_of(w) + 100 * MS);
    assert_true(has_kind(&w->ea, SIPUA_SESSION_EV_ACCEPTED, 200));
    world_free(w);
}

static void test_no_credentials_and_proxy_plus_uas(void **state)
{
    (void)state;
    /* nothing to answer with: the 401 fails the call */
    world *w = world_new(B_NOTHING);
    a_calls_r(w);
    r_respond(w, invite(w, 0), 401, "Unauthorized", WWW_CH("u1"), NULL);
    run_until(w, now_of(w) + 100 * MS);
    assert_int_equal(invites(w), 1);
    assert_true(has_kind(&w->ea, SIPUA_SESSION_EV_FAILED, 401));
    assert_int_equal(w->ea.ev[w->ea.n - 1].cause, SIPUA_CAUSE_AUTHENTICATION_ERROR);
    world_free(w);

    /* credentials for the proxy's realm and for the callee's: both
     * challenges are answered, the INVITE then carries both */
    w = world_new(B_NOTHING);
    assert_int_equal(sipua_ua_set_credentials(w->a.u.ua, REALM, "alice", "secret"), 0);
    assert_int_equal(sipua_ua_set_credentials(w->a.u.ua, "bob.test", "alice", "s3cr3t"), 0);
    a_calls_r(w);
    r_respond(w, invite(w, 0), 407, "Proxy Authentication Required", PROXY_CH("n1", ""), NULL);
    run_until(w, now_of(w) + 100 * MS);
    r_respond(w, invite(w, 1), 401, "Unauthorized", WWW_CH("u1"), NULL);
    run_until(w, now_of(w) + 100 * MS);
    assert_int_equal(invites(w), 3);
    int i2 = invite(w, 2);
    check_creds(w, i2, "Proxy-Authorization", REALM, "secret", "n1", "INVITE");
    check_creds(w, i2, "Authorization", "bob.test", "s3cr3t", "u1", "INVITE");
    r_respond(w, i2, 486, "Busy Here", NULL, NULL);
    run_until(w, now_of(w) + 100 * MS);
    assert_true(has_kind(&w->ea, SIPUA_SESSION_EV_FAILED, 486));
    world_free(w);
}

static void test_set_credentials_arguments(void **state)
{
    (void)state;
    world *w = world_new(B_NOTHING);
    sipua_ua *ua = w->a.u.ua;
    assert_int_equal(sipua_ua_set_credentials(NULL, NULL, "a", "b"), SIPUA_EINVAL);
    assert_int_equal(sipua_ua_set_credentials(ua, NULL, "a", NULL), SIPUA_EINVAL);
    assert_int_equal(sipua_ua_set_credentials(ua, NULL, NULL, "b"), SIPUA_EINVAL);
    assert_int_equal(sipua_ua_set_credentials(ua, NULL, "", "b"), SIPUA_EINVAL);
    assert_int_equal(sipua_ua_set_credentials(ua, "r\r\n", "a", "b"), SIPUA_EINVAL);
    assert_int_equal(sipua_ua_set_credentials(ua, NULL, "a\n", "b"), SIPUA_EINVAL);
    char realm[16];
    for (int i = 0; i < 8; i++) {
        snprintf(realm, sizeof realm, "r%d", i);
        assert_int_equal(sipua_ua_set_credentials(ua, realm, "a", "b"), 0);
    }
    assert_int_equal(sipua_ua_set_credentials(ua, "r8", "a", "b"), SIPUA_ELIMIT);
    assert_int_equal(sipua_ua_set_credentials(ua, "r3", "a", "c"), 0);   /* replaced */
    assert_int_equal(sipua_ua_set_credentials(ua, "r3", NULL, NULL), 0); /* removed */
    assert_int_equal(sipua_ua_set_credentials(ua, "r8", "a", "b"), 0);
    world_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_407_answered_then_bye_carries_credentials),
        cmocka_unit_test(test_refused_credentials_fail_the_call),
        cmocka_unit_test(test_stale_nonce_is_answered_again),
        cmocka_unit_test(test_no_credentials_and_proxy_plus_uas),
        cmocka_unit_test(test_set_credentials_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
