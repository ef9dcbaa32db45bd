/* RFC 4475 sections 3.2 to 3.4: the "semantic" torture messages are well
 * formed or nearly so, and the RFC says what a UAS answers. These tests read
 * them from the shared corpus and check the answer sipua's UA core gives
 * (sipua__uas_inspect, the first step of the UAS, RFC 3261 8.2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sipua/msg.h"
#include "ua/inspect.h"

static const char *corpus;
/* The verdict's spans point into the message; the last one read is kept
 * until the next run(). */
static char *last_buf;

static char *load(const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/rfc4475/%s.dat", corpus, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = malloc(70000);
    assert_non_null(buf);
    *len = fread(buf, 1, 70000, f);
    fclose(f);
    return buf;
}

/* A UA's policy: the methods a softphone implements, 100rel, timer and
 * replaces, SDP bodies. */
static const char *const supported[] = {"100rel", "timer", "replaces", "norefersub"};
static const char *const accepted[] = {"application/sdp", "application/dtmf-relay",
                                       "message/sipfrag"};
static const sipua_str local_hosts[] = {{"192.0.2.198", 11}};

static sipua__uas_policy ua_policy(void)
{
    sipua__uas_policy p;
    memset(&p, 0, sizeof p);
    for (int m = SIPUA_METHOD_INVITE; m < SIPUA_METHOD_COUNT_; m++)
        if (m != SIPUA_METHOD_REGISTER && m != SIPUA_METHOD_PUBLISH)
            p.allowed_methods |= 1u << m;
    p.supported = supported;
    p.nsupported = 4;
    p.accepted_types = accepted;
    p.naccepted = 3;
    p.local_hosts = local_hosts;
    p.nlocal_hosts = 1;
    return p;
}

static sipua__uas_policy registrar_policy(int authenticate)
{
    sipua__uas_policy p = ua_policy();
    p.allowed_methods |= 1u << SIPUA_METHOD_REGISTER;
    p.registrar = 1;
    p.authenticate = authenticate;
    return p;
}

static sipua__verdict run(const char *name, const sipua__uas_policy *pol)
{
    size_t len;
    char *buf = load(name, &len);
    sipua_msg *m = sipua_msg_new(NULL, NULL);
    assert_non_null(m);
    int r = sipua_msg_parse(m, buf, len, SIPUA_PARSE_DATAGRAM);
    sipua__verdict v;
    sipua__uas_inspect(m, r, pol, &v);
    sipua_msg_free(m);
    free(last_buf);
    last_buf = buf;
    return v;
}

static void assert_respond(const sipua__verdict *v, int status)
{
    assert_int_equal(v->action, SIPUA_ACT_RESPOND);
    assert_int_equal(v->status, status);
    assert_non_null(v->reason);
}

/* 3.2.1: branch=z9hG4bK alone. sipua falls back to RFC 2543 matching: the
 * request is processed, and the branch is not treated as an RFC 3261 one. */
static void test_4475_3_2_1_badbranch_processed_with_2543_matching(void **state)
{
    (void)state;
    sipua__uas_policy p = ua_policy();
    sipua__verdict v = run("badbranch", &p);
    assert_int_equal(v.action, SIPUA_ACT_PROCESS);
    size_t len;
    char *buf = load("badbranch", &len);
    sipua_msg *m = sipua_msg_new(NULL, NULL);
    assert_true(sipua_msg_parse(m, buf, len, 0) > 0);
    assert_int_equal(sipua_via_branch_is_rfc3261(sipua_msg_top_via(m)), 0);
    sipua_msg_free(m);
    free(buf);
}

/* 3.3.1: no To, From, Call-ID or Max-Forwards: 400. */
static void test_4475_3_3_1_insuf_400(void **state)
{
    (void)state;
    sipua__uas_policy p = ua_policy();
    sipua__verdict v = run("insuf", &p);
    assert_respond(&v, 400);
    assert_non_null(strstr(v.why, "missing"));
}

/* 3.3.2: unknown Request-URI scheme: 416. */
static void test_4475_3_3_2_unkscm_416(void **state)
{
    (void)state;
    sipua__uas_policy p = ua_policy();
    sipua__verdict v = run("unkscm", &p);
    assert_respond(&v, 416);
}

/* 3.3.3: a known but atypical scheme that means nothing to a UA: 416. */
static void test_4475_3_3_3_novelsc_416(void **state)
{
    (void)state;
    sipua__uas_policy p = ua_policy();
    sipua__verdict v = run("novelsc", &p);
    assert_respond(&v, 416);
}

/* 3.3.4: unknown schemes in To, From, Contact: a registrar answers 400; a
 * UA that is no registrar does not implement REGISTER: 405 with Allow. */
static void test_4475_3_3_4_unksm2_registrar_400(void **state)
{
    (void)state;
    sipua__uas_policy p = registrar_policy(0);
    sipua__verdict v = run("unksm2", &p);
    assert_respond(&v, 400);
    p = ua_policy();
    v = run("unksm2", &p);
    assert_respond(&v, 405);
    assert_true(v.add_allow);
}

/* 3.3.5: Require with unknown tags: 420 with both listed in Unsupported;
 * Proxy-Require is ignored by a UAS. */
static void test_4475_3_3_5_bext01_420_lists_unsupported(void **state)
{
    (void)state;
    sipua__uas_policy p = ua_policy();
    sipua__verdict v = run("bext01", &p);
    assert_respond(&v, 420);
    assert_true(v.add_unsupported);
    assert_int_equal(v.nunsupported, 2);
    assert_true(sipua_str_eq(v.unsupported[0], "nothingSupportsThis"));
    assert_true(sipua_str_eq(v.unsupported[1], "nothingSupportsThisEither"));
}

/* 3.3.6: unknown Content-Type: 415 with Accept. */
static void test_4475_3_3_6_invut_415_with_accept(void **state)
{
    (void)state;
    sipua__uas_policy p = ua_policy();
    sipua__verdict v = run("invut", &p);
    assert_respond(&v, 415);
    assert_true(v.add_accept);
}

/* 3.3.7: unknown Authorization scheme: a registrar that authenticates
 * answers 401; one that does not ignores the header and goes on. */
static void test_4475_3_3_7_regaut01_401_or_ignored(void **state)
{
    (void)state;
    sipua__uas_policy p = registrar_policy(1);
    sipua__verdict v = run("regaut01", &p);
    assert_respond(&v, 401);
    p = registrar_policy(0);
    v = run("regaut01", &p);
    assert_int_equal(v.action, SIPUA_ACT_PROCESS);
}

/* 3.3.8: several values in single-value headers: 400. */
static void test_4475_3_3_8_multi01_400(void **state)
{
    (void)state;
    sipua__uas_policy p = ua_policy();
    sipua__verdict v = run("multi01", &p);
    assert_respond(&v, 400);
    assert_non_null(strstr(v.why, "more than one"));
}

/* 3.3.9: two Content-Length values: 400. */
static void test_4475_3_3_9_mcl01_400(void **state)
{
    (void)state;
    sipua__uas_policy p = ua_policy();
    sipua__verdict v = run("mcl01", &p);
    assert_respond(&v, 400);
    assert_non_null(strstr(v.why, "Content-Length"));
}

/* 3.3.10: a 200 with two Vias, the second a broadcast address: an endpoint
 * silently discards it (RFC 3261 8.1.3.3). */
static void test_4475_3_3_10_bcast_dropped(void **state)
{
    (void)state;
    sipua__uas_policy p = ua_policy();
    sipua__verdict v = run("bcast", &p);
    assert_int_equal(v.action, SIPUA_ACT_DROP);
}

/* 3.3.11: Max-Forwards 0 at an endpoint: processed as usual (200 to the
 * OPTIONS); only a proxy answers 483. */
static void test_4475_3_3_11_zeromf_processed(void **state)
{
    (void)state;
    sipua__uas_policy p = ua_policy();
    sipua__verdict v = run("zeromf", &p);
    assert_int_equal(v.action, SIPUA_ACT_PROCESS);
}

/* 3.3.12 to 3.3.14: legal REGISTERs that a registrar accepts. */
static void test_4475_3_3_12_to_14_registers_processed(void **state)
{
    (void)state;
    sipua__uas_policy p = registrar_policy(0);
    const char *names[] = {"cparam01", "cparam02", "regescrt"};
    for (size_t i = 0; i < 3; i++) {
        sipua__verdict v = run(names[i], &p);
        assert_int_equal(v.action, SIPUA_ACT_PROCESS);
    }
}

/* 3.3.15: an INVITE whose Accept excludes SDP: 406. */
static void test_4475_3_3_15_sdp01_406(void **state)
{
    (void)state;
    sipua__uas_policy p = ua_policy();
    sipua__verdict v = run("sdp01", &p);
    assert_respond(&v, 406);
}

/* 3.4.1: RFC 2543 syntax: accepted for backward compatibility. */
static void test_4475_3_4_1_inv2543_processed(void **state)
{
    (void)state;
    sipua__uas_policy p = ua_policy();
    sipua__verdict v = run("inv2543", &p);
    assert_int_equal(v.action, SIPUA_ACT_PROCESS);
}

/* 3.1.1.2 and 3.1.1.5: unknown methods: 501 with Allow. */
static void test_4475_3_1_1_unknown_methods_501(void **state)
{
    (void)state;
    sipua__uas_policy p = ua_policy();
    sipua__verdict v = run("intmeth", &p);
    assert_respond(&v, 501);
    assert_true(v.add_allow);
    v = run("esc02", &p);
    assert_respond(&v, 501);
}

/* 3.1.1.11: a MESSAGE with a multipart body: processed by a UA that takes
 * multipart/mixed, 415 with Accept by one that does not. */
static void test_4475_3_1_1_11_mpart01_by_accepted_types(void **state)
{
    (void)state;
    static const char *const with_multipart[] = {"application/sdp", "multipart/mixed"};
    sipua__uas_policy p = ua_policy();
    sipua__verdict v = run("mpart01", &p);
    assert_respond(&v, 415);
    assert_true(v.add_accept);
    p.accepted_types = with_multipart;
    p.naccepted = 2;
    v = run("mpart01", &p);
    assert_int_equal(v.action, SIPUA_ACT_PROCESS);
}

/* 3.1.2.16: SIP/7.0: 505. */
static void test_4475_3_1_2_16_badvers_505(void **state)
{
    (void)state;
    sipua__uas_policy p = ua_policy();
    sipua__verdict v = run("badvers", &p);
    assert_respond(&v, 505);
}

/* 3.1.2.17 and 3.1.2.18: CSeq method mismatch: 400. */
static void test_4475_3_1_2_17_mismatch_400(void **state)
{
    (void)state;
    sipua__uas_policy p = ua_policy();
    sipua__verdict v = run("mismatch01", &p);
    assert_respond(&v, 400);
    v = run("mismatch02", &p);
    assert_respond(&v, 400);
}

/* 3.1.2.19: a response with an overlarge status code is dropped. */
static void test_4475_3_1_2_19_bigcode_dropped(void **state)
{
    (void)state;
    sipua__uas_policy p = ua_policy();
    sipua__verdict v = run("bigcode", &p);
    assert_int_equal(v.action, SIPUA_ACT_DROP);
}

/* Every valid request of 3.1.1 that names a method we implement goes on. */
static void test_4475_3_1_1_valid_requests_processed(void **state)
{
    (void)state;
    sipua__uas_policy p = registrar_policy(0);
    const char *names[] = {"wsinv",   "esc01",  "escnull", "lwsdisp",
                           "longreq", "dblreq", "semiuri", "transports"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        sipua__verdict v = run(names[i], &p);
        if (v.action != SIPUA_ACT_PROCESS)
            fail_msg("%s: expected to be processed, got %d %s (%s)", names[i], v.status,
                     v.reason ? v.reason : "", v.why ? v.why : "");
    }
}

int main(void)
{
    corpus = getenv("SIPUA_CORPUS_DIR");
    char probe[1024];
    snprintf(probe, sizeof probe, "%s/rfc4475/MANIFEST.tsv", corpus ? corpus : "");
    FILE *f = corpus ? fopen(probe, "r") : NULL;
    if (!f) {
        printf("SKIPPED: RFC 4475 corpus not found (SIPUA_CORPUS_DIR=%s)\n",
               corpus ? corpus : "(unset)");
        return 77;
    }
    fclose(f);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_4475_3_2_1_badbranch_processed_with_2543_matching),
        cmocka_unit_test(test_4475_3_3_1_insuf_400),
        cmocka_unit_test(test_4475_3_3_2_unkscm_416),
        cmocka_unit_test(test_4475_3_3_3_novelsc_416),
        cmocka_unit_test(test_4475_3_3_4_unksm2_registrar_400),
        cmocka_unit_test(test_4475_3_3_5_bext01_420_lists_unsupported),
        cmocka_unit_test(test_4475_3_3_6_invut_415_with_accept),
        cmocka_unit_test(test_4475_3_3_7_regaut01_401_or_ignored),
        cmocka_unit_test(test_4475_3_3_8_multi01_400),
        cmocka_unit_test(test_4475_3_3_9_mcl01_400),
        cmocka_unit_test(test_4475_3_3_10_bcast_dropped),
        cmocka_unit_test(test_4475_3_3_11_zeromf_processed),
        cmocka_unit_test(test_4475_3_3_12_to_14_registers_processed),
        cmocka_unit_test(test_4475_3_3_15_sdp01_406),
        cmocka_unit_test(test_4475_3_4_1_inv2543_processed),
        cmocka_unit_test(test_4475_3_1_1_unknown_methods_501),
        cmocka_unit_test(test_4475_3_1_1_11_mpart01_by_accepted_types),
        cmocka_unit_test(test_4475_3_1_2_16_badvers_505),
        cmocka_unit_test(test_4475_3_1_2_17_mismatch_400),
        cmocka_unit_test(test_4475_3_1_2_19_bigcode_dropped),
        cmocka_unit_test(test_4475_3_1_1_valid_requests_processed),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    free(last_buf);
    return failed;
}
