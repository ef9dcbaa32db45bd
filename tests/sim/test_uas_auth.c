/* The UA as a server that asks for credentials (sipua_ua_require_auth):
 * B challenges new INVITEs with 401; A answers with its credentials
 * (sipua_ua_set_credentials); a wrong password fails A's call with
 * AUTHENTICATION_ERROR and never reaches B's application; a right response
 * on a nonce older than 5 minutes is challenged again with stale=true (R
 * plays the caller there, to hold a nonce that long). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "simworld.h"
#include "sipua/auth.h"

#define REALM "bob.test"

static int lookups;

static int password_of(void *user, sipua_str username, sipua_str realm, char *out, size_t cap)
{
    (void)user;
    lookups++;
    assert_true(str_is(realm, REALM));
    if (!str_is(username, "alice") || cap < 7)
        return -1;
    memcpy(out, "s3cr3t", 6);
    return 6;
}

/* How many 401s with a challenge A's INVITEs got from B. */
static int challenges_sent_by_b(world *w, int *stale)
{
    int n = 0;
    *stale = 0;
    for (int i = 0; i < w->b.nsent; i++) {
        if (!is(w, &w->b.sent[i], 401, SIPUA_METHOD_INVITE))
            continue;
        sipua_str h = header(w, &w->b.sent[i], "WWW-Authenticate");
        assert_non_null(h.p);
        sipua_auth a;
        assert_int_equal(sipua_auth_parse(h, &a), 0);
        assert_true(str_is(a.realm, REALM));
        assert_true(str_is(a.qop, "auth"));
        assert_true(str_is(a.algorithm, "SHA-256"));
        *stale += str_is(a.stale, "true");
        n++;
    }
    return n;
}

static void test_challenged_call_with_the_right_credentials(void **state)
{
    (void)state;
    world *w = world_new(B_ACCEPT);
    lookups = 0;
    assert_int_equal(
        sipua_ua_require_auth(w->b.u.ua, REALM, SIPUA_DIGEST_SHA256, password_of, NULL), 0);
    assert_int_equal(sipua_ua_set_credentials(w->a.u.ua, REALM, "alice", "s3cr3t"), 0);
    a_calls_b(w);
    int stale;
    assert_int_equal(challenges_sent_by_b(w, &stale), 1);
    assert_int_equal(stale, 0);
    assert_int_equal(lookups, 1);
    assert_int_equal(count_of(w, w->a.sent, w->a.nsent, 0, SIPUA_METHOD_INVITE), 2);
    assert_true(has_kind(&w->eb, SIPUA_SESSION_EV_ACCEPTED, 200));
    world_free(w);
}

static void test_wrong_password_never_reaches_the_application(void **state)
{
    (void)state;
    world *w = world_new(B_ACCEPT);
    assert_int_equal(
        sipua_ua_require_auth(w->b.u.ua, REALM, SIPUA_DIGEST_SHA256, password_of, NULL), 0);
    assert_int_equal(sipua_ua_set_credentials(w->a.u.ua, REALM, "alice", "wrong"), 0);
    assert_int_equal(sipua_invite(w->a.u.ua, SIPUA_STR("sip:bob@10.0.0.2"), &w->b.u.self, NULL,
                                  on_a_session, w, now_of(w), &w->sa),
                     0);
    run_until(w, now_of(w) + 500 * MS);
    int stale;
    assert_int_equal(challenges_sent_by_b(w, &stale), 2);
    assert_int_equal(stale, 0);
    assert_null(w->sb);
    assert_true(has_kind(&w->ea, SIPUA_SESSION_EV_FAILED, 401));
    assert_int_equal(w->ea.ev[w->ea.n - 1].cause, SIPUA_CAUSE_AUTHENTICATION_ERROR);
    /* without credentials at all: one 401, the same failure */
    assert_int_equal(sipua_ua_set_credentials(w->a.u.ua, REALM, NULL, NULL), 0);
    sipua_session_unref(w->sa);
    w->sa = NULL;
    w->ea.n = 0;
    assert_int_equal(sipua_invite(w->a.u.ua, SIPUA_STR("sip:bob@10.0.0.2"), &w->b.u.self, NULL,
                                  on_a_session, w, now_of(w), &w->sa),
                     0);
    run_until(w, now_of(w) + 500 * MS);
    assert_int_equal(challenges_sent_by_b(w, &stale), 3);
    assert_true(has_kind(&w->ea, SIPUA_SESSION_EV_FAILED, 401));
    /* checking off: the INVITE goes through */
    assert_int_equal(sipua_ua_require_auth(w->b.u.ua, NULL, 0, NULL, NULL), 0);
    sipua_session_unref(w->sa);
    w->sa = NULL;
    a_calls_b(w);
    world_free(w);
}

/* R's INVITE to B, CSeq cseq and its own branch, with `extra` lines. */
static void r_invite_n(world *w, int cseq, const char *extra)
{
    r_send(w, 2,
           "INVITE sip:bob@10.0.0.2 SIP/2.0\r\n"
           "Via: SIP/2.0/UDP 10.0.0.3:5060;branch=z9hG4bK-auth%d\r\n"
           "Max-Forwards: 70\r\n"
           "From: <sip:alice@10.0.0.3>;tag=rfrom\r\n"
           "To: <sip:bob@10.0.0.2>\r\n"
           "Call-ID: rauth@10.0.0.3\r\n"
           "CSeq: %d INVITE\r\n"
           "Contact: <sip:r@10.0.0.3:5060>\r\n"
           "%s"
           "Content-Type: application/sdp\r\n"
           "Content-Length: %zu\r\n\r\n%s",
           cseq, cseq, extra, strlen(SDP_R), SDP_R);
    run_until(w, now_of(w) + 100 * MS);
}

/* R's logged 401 to its INVITE with CSeq cseq (R sends no ACK: B
 * retransmits its 401s, so they are told apart by CSeq). */
static int r_401(world *w, int cseq)
{
    char want[32];
    snprintf(want, sizeof want, "%d INVITE", cseq);
    for (int i = 0; i < w->r_n; i++)
        if (is(w, &w->r_rx[i], 401, SIPUA_METHOD_INVITE) &&
            str_is(header(w, &w->r_rx[i], "CSeq"), want))
            return i;
    fail_msg("no 401 to CSeq %d", cseq);
    return -1;
}

/* The Authorization line answering the challenge of R's logged 401 i. */
static void answer_401(world *w, int i, const char *password, char *line, size_t cap)
{
    sipua_str h = header(w, &w->r_rx[i], "WWW-Authenticate");
    char copy[512];
    snprintf(copy, sizeof copy, "%.*s", (int)h.len, h.p);
    sipua_auth ch;
    assert_int_equal(sipua_auth_parse((sipua_str){copy, strlen(copy)}, &ch), 0);
    sipua_auth_creds_opts o;
    sipua_auth_creds_opts_init(&o);
    o.method = SIPUA_STR("INVITE");
    o.uri = SIPUA_STR("sip:bob@10.0.0.2");
    o.username = SIPUA_STR("alice");
    o.password = (sipua_str){password, strlen(password)};
    o.cnonce = SIPUA_STR("c0ffee");
    int n = snprintf(line, cap, "Authorization: ");
    assert_true(sipua_auth_credentials(&ch, &o, line + n, cap - (size_t)n - 2) > 0);
    strcat(line, "\r\n");
}

static void test_an_old_nonce_is_stale(void **state)
{
    (void)state;
    world *w = world_new(B_ACCEPT);
    assert_int_equal(
        sipua_ua_require_auth(w->b.u.ua, REALM, SIPUA_DIGEST_SHA256, password_of, NULL), 0);
    r_invite_n(w, 10, "");
    int c1 = r_401(w, 10);
    char line[1024];
    answer_401(w, c1, "s3cr3t", line, sizeof line);
    /* six minutes later, the right response on that nonce: stale */
    run_until(w, now_of(w) + 360000 * MS);
    r_invite_n(w, 11, line);
    int c2 = r_401(w, 11);
    sipua_auth a;
    assert_int_equal(sipua_auth_parse(header(w, &w->r_rx[c2], "WWW-Authenticate"), &a), 0);
    assert_true(str_is(a.stale, "true"));
    assert_null(w->sb);
    /* a wrong password on the fresh nonce: challenged, not stale */
    answer_401(w, c2, "guess", line, sizeof line);
    r_invite_n(w, 12, line);
    int c3 = r_401(w, 12);
    assert_int_equal(sipua_auth_parse(header(w, &w->r_rx[c3], "WWW-Authenticate"), &a), 0);
    assert_false(str_is(a.stale, "true"));
    /* the right one on the fresh nonce: the call is offered and answered */
    answer_401(w, c3, "s3cr3t", line, sizeof line);
    r_invite_n(w, 13, line);
    assert_non_null(w->sb);
    assert_true(nth(w, w->r_rx, w->r_n, 200, SIPUA_METHOD_INVITE, 0, NULL) >= 0);
    world_free(w);
}

static void test_require_auth_arguments(void **state)
{
    (void)state;
    world *w = world_new(B_NOTHING);
    sipua_ua *ua = w->b.u.ua;
    assert_int_equal(sipua_ua_require_auth(NULL, REALM, SIPUA_DIGEST_MD5, password_of, NULL),
                     SIPUA_EINVAL);
    assert_int_equal(sipua_ua_require_auth(ua, "", SIPUA_DIGEST_MD5, password_of, NULL),
                     SIPUA_EINVAL);
    assert_int_equal(sipua_ua_require_auth(ua, "a\"b", SIPUA_DIGEST_MD5, password_of, NULL),
                     SIPUA_EINVAL);
    assert_int_equal(sipua_ua_require_auth(ua, REALM, (sipua_digest_alg)99, password_of, NULL),
                     SIPUA_EINVAL);
    assert_int_equal(sipua_ua_require_auth(ua, REALM, SIPUA_DIGEST_MD5, password_of, NULL), 0);
    world_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_challenged_call_with_the_right_credentials),
        cmocka_unit_test(test_wrong_password_never_reaches_the_application),
        cmocka_unit_test(test_an_old_nonce_is_stale),
        cmocka_unit_test(test_require_auth_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
