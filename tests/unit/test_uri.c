/* URIs, name-addr and Via, one test per rule:
 *
 * - RFC 3261 19.1.1 and 25.1: the parts of SIP and SIPS URIs, host kinds,
 *   ports, parameters and headers; RFC 3966 tel URIs; other schemes as
 *   absoluteURI.
 * - RFC 3261 19.1.2: escapes, sipua_unescape() (RFC 4475 3.1.1.4: NULs kept).
 * - RFC 3261 19.1.4: URI comparison, with the section's own examples.
 * - RFC 5118 4.1-4.10: IPv6 references.
 * - RFC 3261 20.10 and 25.1: name-addr and addr-spec with header parameters,
 *   RFC 4475 3.1.1.6 (no LWS before '<').
 * - RFC 3261 20.42 and 17.2.3, RFC 3581, RFC 5118 4.5: Via.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "sipua/msg.h"
#include "testutil.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

/* A call's return code, with the input named when it differs. */
#define assert_rc(got, want, input) check_rc((got), (want), (input), __FILE__, __LINE__)

static void check_rc(int got, int want, const char *input, const char *file, int line)
{
    check_rc_named(got, want, input, 1, sipua_err_name, file, line);
}

#define assert_uri(text, u)      assert_rc(sipua_uri_parse(span(text), (u)), 0, (text))
#define assert_uri_bad(text)     check_uri_bad((text), __FILE__, __LINE__)
#define assert_uri_equal(a, b)   check_uri_equal((a), (b), 1, __FILE__, __LINE__)
#define assert_uri_differ(a, b)  check_uri_equal((a), (b), 0, __FILE__, __LINE__)
#define assert_via(text, v)      assert_rc(sipua_via_parse(span(text), (v)), 0, (text))
#define assert_via_bad(text)     check_via_bad((text), __FILE__, __LINE__)
#define assert_nameaddr(text, n) assert_rc(sipua_nameaddr_parse(span(text), (n)), 0, (text))

static void check_uri_bad(const char *text, const char *file, int line)
{
    sipua_uri u;
    check_rc(sipua_uri_parse(span(text), &u), SIPUA_EPARSE, text, file, line);
}

static void check_via_bad(const char *text, const char *file, int line)
{
    sipua_via v;
    check_rc(sipua_via_parse(span(text), &v), SIPUA_EPARSE, text, file, line);
}

/* Compares both ways: equivalence is symmetric. */
static void check_uri_equal(const char *a, const char *b, int want, const char *file, int line)
{
    sipua_uri ua, ub;
    check_rc(sipua_uri_parse(span(a), &ua), 0, a, file, line);
    check_rc(sipua_uri_parse(span(b), &ub), 0, b, file, line);
    int ab = sipua_uri_equal(&ua, &ub), ba = sipua_uri_equal(&ub, &ua);
    if (ab == want && ba == want)
        return;
    print_error("<%s> vs <%s>: got %d and %d, expected %d (%s)\n", a, b, ab, ba, want,
                want ? "equivalent" : "not equivalent");
    _fail(file, line);
}

/* Runs a call in a child process, so that a crash fails this test instead
 * of ending the whole run. Returns the call's result, or a value outside
 * the int range of the library when the child died. */
#define CHILD_CRASHED 1000

static int in_child(int (*call)(void))
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* cmocka's handlers would resume the test run in the child */
        static const int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
        for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
            signal(sigs[i], SIG_DFL);
        int r = call();
        _exit(r >= -20 && r <= 20 ? 50 + r : 99);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) < 30 || WEXITSTATUS(status) > 70)
        return CHILD_CRASHED;
    return WEXITSTATUS(status) - 50;
}

/* ------------------------------------------------------------------ */
/* RFC 3261 19.1.1: URI parts                                          */

static void test_19_1_1_sip_uri_components(void **state)
{
    (void)state;
    sipua_uri u;
    const char *text = "sip:alice:secretword@atlanta.com:5060;transport=tcp;lr"
                       "?subject=project%20x&priority=urgent";
    assert_uri(text, &u);
    assert_int_equal(u.scheme_id, SIPUA_URI_SIP);
    assert_span(u.scheme, "sip");
    assert_span(u.user, "alice");
    assert_span(u.password, "secretword");
    assert_span(u.host, "atlanta.com");
    assert_int_equal(u.host_kind, SIPUA_HOST_NAME);
    assert_int_equal(u.port, 5060);
    assert_span(u.params, "transport=tcp;lr");
    assert_span(u.headers, "subject=project%20x&priority=urgent");
    assert_span(u.opaque, text + 4);
    assert_span(u.whole, text);
}

static void test_19_1_1_absent_parts_are_absent(void **state)
{
    (void)state;
    sipua_uri u;
    assert_uri("sips:bob@biloxi.com", &u);
    assert_int_equal(u.scheme_id, SIPUA_URI_SIPS);
    assert_span(u.user, "bob");
    assert_span(u.password, NULL);
    assert_int_equal(u.port, 0);
    assert_span(u.params, NULL);
    assert_span(u.headers, NULL);
}

static void test_19_1_1_uri_without_user(void **state)
{
    (void)state;
    sipua_uri u;
    assert_uri("sip:atlanta.com;method=REGISTER", &u);
    assert_span(u.user, NULL);
    assert_span(u.host, "atlanta.com");
    assert_span(u.params, "method=REGISTER");
}

static void test_19_1_4_scheme_is_case_insensitive(void **state)
{
    (void)state;
    sipua_uri u;
    assert_uri("SIP:alice@atlanta.com", &u);
    assert_int_equal(u.scheme_id, SIPUA_URI_SIP);
    assert_span(u.scheme, "SIP");
    assert_uri("SiPs:alice@atlanta.com", &u);
    assert_int_equal(u.scheme_id, SIPUA_URI_SIPS);
    assert_uri("TEL:+1-201-555-0123", &u);
    assert_int_equal(u.scheme_id, SIPUA_URI_TEL);
}

static void test_rfc3966_tel_uri_number_and_params(void **state)
{
    (void)state;
    sipua_uri u;
    assert_uri("tel:+1-201-555-0123", &u);
    assert_int_equal(u.scheme_id, SIPUA_URI_TEL);
    assert_span(u.user, "+1-201-555-0123");
    assert_span(u.host, NULL);
    assert_uri("tel:7042;phone-context=example.com", &u);
    assert_span(u.user, "7042");
    assert_span(u.params, "phone-context=example.com");
}

static void test_19_1_1_other_scheme_is_an_absolute_uri(void **state)
{
    (void)state;
    sipua_uri u;
    assert_uri("mailto:alice@atlanta.com", &u);
    assert_int_equal(u.scheme_id, SIPUA_URI_OTHER);
    assert_span(u.scheme, "mailto");
    assert_span(u.opaque, "alice@atlanta.com");
    assert_span(u.whole, "mailto:alice@atlanta.com");
    assert_span(u.host, NULL);
    assert_uri("urn:service:sos", &u);
    assert_int_equal(u.scheme_id, SIPUA_URI_OTHER);
    assert_span(u.opaque, "service:sos");
}

static void test_25_1_uri_needs_a_scheme_and_a_host(void **state)
{
    (void)state;
    assert_uri_bad("");
    assert_uri_bad("alice@atlanta.com");
    assert_uri_bad(":alice@atlanta.com");
    assert_uri_bad("1sip:alice@atlanta.com");
    assert_uri_bad("sip:");
    assert_uri_bad("sip:alice@");
    assert_uri_bad("sip:@atlanta.com");
    assert_uri_bad("sip:alice@atlanta.com junk");
}

/* ------------------------------------------------------------------ */
/* RFC 3261 25.1: hosts and ports                                      */

static void test_25_1_host_ipv4(void **state)
{
    (void)state;
    sipua_uri u;
    assert_uri("sip:alice@192.0.2.4", &u);
    assert_int_equal(u.host_kind, SIPUA_HOST_IPV4);
    assert_span(u.host, "192.0.2.4");
    /* a top label starting with a digit is not a hostname */
    assert_uri_bad("sip:alice@192.0.2.256");
    assert_uri_bad("sip:alice@192.0.2");
}

static void test_rfc5118_4_1_ipv6_reference_in_brackets(void **state)
{
    (void)state;
    sipua_uri u;
    assert_uri("sip:[2001:db8::10]", &u);
    assert_int_equal(u.host_kind, SIPUA_HOST_IPV6);
    assert_span(u.host, "2001:db8::10");
    assert_int_equal(u.port, 0);
    assert_uri("sip:alice@[2001:DB8::10];transport=tcp", &u);
    assert_span(u.host, "2001:DB8::10");
    assert_span(u.params, "transport=tcp");
}

static void test_rfc5118_4_2_ipv6_without_brackets_is_invalid(void **state)
{
    (void)state;
    assert_uri_bad("sip:2001:db8::10");
    assert_uri_bad("sip:alice@2001:db8::10");
}

static void test_rfc5118_4_3_port_inside_brackets_belongs_to_the_address(void **state)
{
    (void)state;
    sipua_uri u;
    assert_uri("sip:[2001:db8::10:5070]", &u);
    assert_span(u.host, "2001:db8::10:5070");
    assert_int_equal(u.port, 0);
}

static void test_rfc5118_4_4_port_after_brackets(void **state)
{
    (void)state;
    sipua_uri u;
    assert_uri("sip:[2001:db8::10]:5070", &u);
    assert_span(u.host, "2001:db8::10");
    assert_int_equal(u.host_kind, SIPUA_HOST_IPV6);
    assert_int_equal(u.port, 5070);
}

static void test_rfc5118_4_9_ipv4_mapped_ipv6(void **state)
{
    (void)state;
    sipua_uri u;
    assert_uri("sip:[::ffff:192.0.2.10]:19823", &u);
    assert_span(u.host, "::ffff:192.0.2.10");
    assert_int_equal(u.host_kind, SIPUA_HOST_IPV6);
    assert_int_equal(u.port, 19823);
    assert_uri("sip:alice@[::ffff:192.0.2.2]", &u);
    assert_span(u.host, "::ffff:192.0.2.2");
}

static void test_rfc5118_4_10_three_colons_before_ipv4_tolerated(void **state)
{
    (void)state;
    sipua_uri u;
    assert_uri("sip:[2001:db8::192.0.2.1]", &u);
    assert_span(u.host, "2001:db8::192.0.2.1");
    assert_uri("sip:[2001:db8:::192.0.2.1]", &u);
    assert_span(u.host, "2001:db8:::192.0.2.1");
}

static void test_rfc4291_2_2_malformed_ipv6_is_invalid(void **state)
{
    (void)state;
    assert_uri_bad("sip:[2001:db8::1::2]");        /* two "::" */
    assert_uri_bad("sip:[1:2:3:4:5:6:7:8:9]");     /* nine groups */
    assert_uri_bad("sip:[1:2:3:4:5:6:7]");         /* seven groups, no "::" */
    assert_uri_bad("sip:[12345::1]");              /* five hex digits */
    assert_uri_bad("sip:[2001:db8:::1]");          /* ":::" without an IPv4 tail */
    assert_uri_bad("sip:[2001:db8::10");           /* no ']' */
    assert_uri_bad("sip:[]");                      /* empty */
    assert_uri_bad("sip:[2001:db8::10]:65536");    /* port */
    assert_uri_bad("sip:[::ffff:192.0.2.256]");    /* IPv4 tail */
    assert_uri_bad("sip:[2001:db8::10]extra.com"); /* after ']' */
}

static void test_25_1_port_bounds(void **state)
{
    (void)state;
    sipua_uri u;
    assert_uri("sip:alice@atlanta.com:0", &u);
    assert_int_equal(u.port, 0);
    assert_uri("sip:alice@atlanta.com:65535", &u);
    assert_int_equal(u.port, 65535);
    assert_uri("sip:alice@atlanta.com:05060", &u);
    assert_int_equal(u.port, 5060);
    assert_uri_bad("sip:alice@atlanta.com:65536");
    assert_uri_bad("sip:alice@atlanta.com:99999999999999999999999");
    assert_uri_bad("sip:alice@atlanta.com:");
    assert_uri_bad("sip:alice@atlanta.com:50x0");
    assert_uri_bad("sip:alice@atlanta.com:-1");
}

/* ------------------------------------------------------------------ */
/* RFC 3261 19.1.1: parameters and headers                             */

static void test_19_1_1_uri_parameters_span(void **state)
{
    (void)state;
    sipua_uri u;
    assert_uri("sip:alice@atlanta.com;transport=tcp;lr;maddr=239.255.255.1", &u);
    assert_span(u.params, "transport=tcp;lr;maddr=239.255.255.1");
    assert_span(u.headers, NULL);
    assert_uri_bad("sip:alice@atlanta.com;");
    assert_uri_bad("sip:alice@atlanta.com;;lr");
    assert_uri_bad("sip:alice@atlanta.com;=tcp");
    assert_uri_bad("sip:alice@atlanta.com;transport=");
}

static void test_19_1_1_headers_span(void **state)
{
    (void)state;
    sipua_uri u;
    assert_uri("sip:alice@atlanta.com;lr?subject=project%20x&priority=urgent", &u);
    assert_span(u.params, "lr");
    assert_span(u.headers, "subject=project%20x&priority=urgent");
    assert_uri("sip:alice@atlanta.com?subject=", &u); /* hvalue may be empty */
    assert_span(u.headers, "subject=");
    assert_uri_bad("sip:alice@atlanta.com?");
    assert_uri_bad("sip:alice@atlanta.com?subject");
    assert_uri_bad("sip:alice@atlanta.com?=x");
    assert_uri_bad("sip:alice@atlanta.com?subject=x&");
}

/* ------------------------------------------------------------------ */
/* RFC 3261 19.1.2: escapes                                            */

static void test_19_1_2_escaped_user_is_kept_escaped(void **state)
{
    (void)state;
    sipua_uri u;
    assert_uri("sip:%61lice@atlanta.com", &u);
    assert_span(u.user, "%61lice");
    assert_uri("sip:alice:p%40ss@atlanta.com;x=%41?h=%42", &u);
    assert_span(u.password, "p%40ss");
    assert_span(u.params, "x=%41");
    assert_span(u.headers, "h=%42");
}

static void test_19_1_2_truncated_escape_is_invalid(void **state)
{
    (void)state;
    assert_uri_bad("sip:al%4@atlanta.com");
    assert_uri_bad("sip:alice%@atlanta.com");
    assert_uri_bad("sip:alice@atlanta.com;transport=tc%4");
    assert_uri_bad("sip:alice@atlanta.com?subject=%2");
}

static void test_19_1_2_non_hex_escape_is_invalid(void **state)
{
    (void)state;
    assert_uri_bad("sip:al%zzce@atlanta.com");
    assert_uri_bad("sip:alice:pa%zz@atlanta.com");
    assert_uri_bad("sip:alice@atlanta.com;x=%zz");
    assert_uri_bad("sip:alice@atlanta.com?subject=%g0");
}

static void test_rfc4475_3_1_1_4_escaped_nul_in_user(void **state)
{
    (void)state;
    sipua_uri u;
    char out[32];
    assert_uri("sip:null-%00-null@example.com", &u);
    assert_span(u.user, "null-%00-null");
    assert_int_equal(sipua_unescape(u.user, out, sizeof out), 11);
    assert_memory_equal(out, "null-\0-null", 11);
}

static void test_19_1_2_unescape_decodes_hex_of_either_case(void **state)
{
    (void)state;
    char out[32];
    assert_int_equal(sipua_unescape(span("%61lice%2Bbob"), out, sizeof out), 9);
    assert_memory_equal(out, "alice+bob", 9);
    assert_int_equal(sipua_unescape(span("%4a%4A"), out, sizeof out), 2);
    assert_memory_equal(out, "JJ", 2);
    assert_int_equal(sipua_unescape(span(""), out, sizeof out), 0);
}

static void test_19_1_2_unescape_bad_escape_is_eparse(void **state)
{
    (void)state;
    char out[32];
    static const char *const bad[] = {"%4", "%zz", "abc%", "%g0", "ab%4", "%%41"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_rc(sipua_unescape(span(bad[i]), out, sizeof out), SIPUA_EPARSE, bad[i]);
}

static void test_api_unescape_enospc_writes_nothing_past_cap(void **state)
{
    (void)state;
    char out[8];
    memset(out, 'x', sizeof out);
    assert_int_equal(sipua_unescape(span("alice"), out, 4), SIPUA_ENOSPC);
    assert_int_equal(out[4], 'x');
    assert_int_equal(sipua_unescape(span("%61lice"), out, 5), 5);
    assert_memory_equal(out, "alice", 5);
    assert_int_equal(out[5], 'x');
    assert_int_equal(sipua_unescape(span("%61"), out, 0), SIPUA_ENOSPC);
    assert_int_equal(sipua_unescape(span(""), NULL, 0), 0);
}

static int unescape_null_out(void)
{
    return sipua_unescape(span("alice"), NULL, 8);
}

static int unescape_null_in(void)
{
    char out[8];
    sipua_str in = {NULL, 3};
    return sipua_unescape(in, out, sizeof out);
}

static void test_api_unescape_null_arguments_are_einval(void **state)
{
    (void)state;
    int r = in_child(unescape_null_out);
    if (r == CHILD_CRASHED)
        fail_msg("sipua_unescape(\"alice\", NULL, 8) crashed; expected SIPUA_EINVAL");
    assert_int_equal(r, SIPUA_EINVAL);
    r = in_child(unescape_null_in);
    if (r == CHILD_CRASHED)
        fail_msg("sipua_unescape({NULL, 3}, out, 8) crashed; expected SIPUA_EINVAL");
    assert_int_equal(r, SIPUA_EINVAL);
}

/* ------------------------------------------------------------------ */
/* Parameter lists                                                     */

static void test_25_1_param_find_ignores_name_case(void **state)
{
    (void)state;
    sipua_str params = span("transport=TCP;lr;maddr=239.255.255.1");
    sipua_str v;
    assert_int_equal(sipua_param_find(params, "Transport", &v), 1);
    assert_span(v, "TCP");
    assert_int_equal(sipua_param_find(params, "MADDR", &v), 1);
    assert_span(v, "239.255.255.1");
    assert_int_equal(sipua_param_find(params, "ttl", &v), 0);
    assert_int_equal(sipua_param_find(params, "tr", &v), 0);
    assert_int_equal(sipua_param_find(params, "transportx", &v), 0);
    sipua_str none = {NULL, 0};
    assert_int_equal(sipua_param_find(none, "lr", &v), 0);
}

static void test_25_1_param_find_valueless_param(void **state)
{
    (void)state;
    sipua_str v = span("stale");
    assert_int_equal(sipua_param_find(span("transport=tcp;lr"), "lr", &v), 1);
    assert_span(v, NULL);
    assert_int_equal(sipua_param_find(span("lr;transport=tcp"), "lr", &v), 1);
    assert_span(v, NULL);
}

static void test_25_1_param_find_quoted_value_keeps_separators(void **state)
{
    (void)state;
    sipua_str v;
    sipua_str params = span("text=\"a;b, c=d\";cause=16");
    assert_int_equal(sipua_param_find(params, "text", &v), 1);
    assert_span(v, "\"a;b, c=d\"");
    assert_int_equal(sipua_param_find(params, "cause", &v), 1);
    assert_span(v, "16");
    assert_int_equal(sipua_param_find(params, "c", &v), 0);
}

static void test_25_1_param_next_iterates_in_order(void **state)
{
    (void)state;
    sipua_str params = span("a=1;b;c=\"x;y\";d");
    size_t pos = 0;
    sipua_str n, v;
    assert_int_equal(sipua_param_next(params, &pos, &n, &v), 1);
    assert_span(n, "a");
    assert_span(v, "1");
    assert_int_equal(sipua_param_next(params, &pos, &n, &v), 1);
    assert_span(n, "b");
    assert_span(v, NULL);
    assert_int_equal(sipua_param_next(params, &pos, &n, &v), 1);
    assert_span(n, "c");
    assert_span(v, "\"x;y\"");
    assert_int_equal(sipua_param_next(params, &pos, &n, &v), 1);
    assert_span(n, "d");
    assert_span(v, NULL);
    assert_int_equal(sipua_param_next(params, &pos, &n, &v), 0);
    assert_int_equal(sipua_param_next(params, &pos, &n, &v), 0);
}

static void test_param_next_always_moves_on(void **state)
{
    (void)state;
    /* a lone CR (not a fold) is neither LWS to skip nor part of a name:
     * the iterator must still advance (fuzz_ua found it looping) */
    sipua_str params = span("\r\bMin-SE: 90;refresher=uac\r");
    sipua_str v;
    assert_int_equal(sipua_param_find(params, "refresher", &v), 1);
    assert_span(v, "uac");
    assert_int_equal(sipua_param_find(params, "nothere", &v), 0);
    size_t pos = 0, steps = 0;
    sipua_str n;
    while (sipua_param_next(params, &pos, &n, &v))
        assert_true(++steps <= params.len);
}

static void test_25_1_param_next_skips_lws_around_separators(void **state)
{
    (void)state;
    sipua_nameaddr na;
    assert_nameaddr("<sip:alice@atlanta.com> ; tag = 1928 ; expires=60", &na);
    size_t pos = 0;
    sipua_str n, v;
    assert_int_equal(sipua_param_next(na.params, &pos, &n, &v), 1);
    assert_span(n, "tag");
    assert_span(v, "1928");
    assert_int_equal(sipua_param_next(na.params, &pos, &n, &v), 1);
    assert_span(n, "expires");
    assert_span(v, "60");
    assert_int_equal(sipua_param_next(na.params, &pos, &n, &v), 0);
    assert_span(na.tag, "1928");
}

static void test_api_param_next_null_pos_or_empty_list_ends(void **state)
{
    (void)state;
    sipua_str n, v, none = {NULL, 0};
    size_t pos = 0;
    assert_int_equal(sipua_param_next(span("a=1"), NULL, &n, &v), 0);
    assert_int_equal(sipua_param_next(none, &pos, &n, &v), 0);
    assert_int_equal(sipua_param_next(span(""), &pos, &n, &v), 0);
}

/* ------------------------------------------------------------------ */
/* RFC 3261 19.1.4: URI comparison                                     */

static void test_19_1_4_escaped_unreserved_equals_literal(void **state)
{
    (void)state;
    /* the first example pair of the section */
    assert_uri_equal("sip:%61lice@atlanta.com;transport=TCP",
                     "sip:alice@AtLanTa.CoM;Transport=tcp");
    assert_uri_equal("sip:alice@atlanta.com;transport=%74cp",
                     "sip:alice@atlanta.com;transport=tcp");
}

/* A name given twice counts by its first occurrence on each side, so a URI
 * always equals itself (found by fuzz/fuzz_uri.c). */
static void test_uri_equal_repeated_parameter(void **state)
{
    (void)state;
    assert_uri_equal("sip:a@h;maddr=1.2.3.4;maddr=5.6.7.8", "sip:a@h;maddr=1.2.3.4;maddr=5.6.7.8");
    assert_uri_equal("sip:a@h;x=1;x=2", "sip:a@h;x=1;x=2");
    assert_uri_equal("sip:a@h;x=1;x=2", "sip:a@h;x=1");
    assert_uri_differ("sip:a@h;x=2;x=1", "sip:a@h;x=1");
    assert_uri_equal("sip:a@h;lr;lr=on", "sip:a@h;lr;lr=on");
}

static void test_19_1_4_uri_comparison_is_case_insensitive_for_host(void **state)
{
    (void)state;
    assert_uri_equal("sip:alice@ATLANTA.com", "sip:alice@atlanta.COM");
    assert_uri_equal("sip:alice@[2001:DB8::10]", "sip:alice@[2001:db8::10]");
    assert_uri_equal("sip:alice@atlanta.com", "SIP:alice@atlanta.com");
}

static void test_19_1_4_userinfo_is_case_sensitive(void **state)
{
    (void)state;
    assert_uri_differ("SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP");
    assert_uri_differ("sip:alice@atlanta.com", "sip:ALICE@atlanta.com");
}

static void test_19_1_4_password_is_case_sensitive_and_must_match(void **state)
{
    (void)state;
    assert_uri_equal("sip:alice:secret@atlanta.com", "sip:alice:secret@atlanta.com");
    assert_uri_differ("sip:alice:secret@atlanta.com", "sip:alice:SECRET@atlanta.com");
    assert_uri_differ("sip:alice:secret@atlanta.com", "sip:alice@atlanta.com");
}

static void test_19_1_4_uri_without_user_differs_from_uri_with_user(void **state)
{
    (void)state;
    assert_uri_differ("sip:atlanta.com", "sip:alice@atlanta.com");
}

static void test_19_1_4_explicit_default_port_differs(void **state)
{
    (void)state;
    assert_uri_differ("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060");
    assert_uri_equal("sip:bob@biloxi.com:5060", "sip:bob@biloxi.com:5060");
}

static void test_19_1_4_transport_in_one_uri_only_differs(void **state)
{
    (void)state;
    assert_uri_differ("sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp");
}

static void test_19_1_4_port_and_transport_differ(void **state)
{
    (void)state;
    assert_uri_differ("sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp");
}

static void test_19_1_4_header_in_one_uri_only_differs(void **state)
{
    (void)state;
    assert_uri_differ("sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting");
    assert_uri_differ("sip:carol@chicago.com?Subject=next%20meeting",
                      "sip:carol@chicago.com?Subject=next%20meeting&Priority=urgent");
}

static void test_19_1_4_ip_address_does_not_match_host_name(void **state)
{
    (void)state;
    assert_uri_differ("sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4");
}

static void test_19_1_4_parameter_in_one_uri_only_is_ignored(void **state)
{
    (void)state;
    assert_uri_equal("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5");
    assert_uri_equal("sip:carol@chicago.com", "sip:carol@chicago.com;security=on");
    assert_uri_equal("sip:carol@chicago.com;newparam=5", "sip:carol@chicago.com;security=on");
}

static void test_19_1_4_parameter_in_both_must_match(void **state)
{
    (void)state;
    /* equivalence is not transitive: both equal sip:carol@chicago.com */
    assert_uri_differ("sip:carol@chicago.com;security=on", "sip:carol@chicago.com;security=off");
    assert_uri_equal("sip:carol@chicago.com;security=on", "sip:carol@chicago.com;Security=ON");
}

static void test_19_1_4_user_ttl_method_maddr_in_one_uri_only_differ(void **state)
{
    (void)state;
    assert_uri_differ("sip:bob@biloxi.com", "sip:bob@biloxi.com;user=phone");
    assert_uri_differ("sip:bob@biloxi.com", "sip:bob@biloxi.com;ttl=1");
    assert_uri_differ("sip:bob@biloxi.com", "sip:bob@biloxi.com;method=INVITE");
    assert_uri_differ("sip:bob@biloxi.com", "sip:bob@biloxi.com;maddr=239.255.255.1");
}

static void test_19_1_4_parameter_order_is_not_significant(void **state)
{
    (void)state;
    assert_uri_equal("sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
                     "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com");
}

static void test_19_1_4_header_order_is_not_significant(void **state)
{
    (void)state;
    assert_uri_equal("sip:alice@atlanta.com?subject=project%20x&priority=urgent",
                     "sip:alice@atlanta.com?priority=urgent&subject=project%20x");
    /* header names compare without case */
    assert_uri_equal("sip:alice@atlanta.com?subject=x", "sip:alice@atlanta.com?Subject=x");
}

static void test_19_1_4_sip_and_sips_are_never_equivalent(void **state)
{
    (void)state;
    assert_uri_differ("sip:alice@atlanta.com", "sips:alice@atlanta.com");
}

static void test_19_1_4_escaped_reserved_character_is_not_equivalent(void **state)
{
    (void)state;
    /* only characters outside the reserved set equal their escapes */
    assert_uri_differ("sip:a%3Bb@atlanta.com", "sip:a;b@atlanta.com");
    assert_uri_differ("sip:alice%2B1@atlanta.com", "sip:alice+1@atlanta.com");
}

static void test_19_1_4_malformed_escape_is_eparse(void **state)
{
    (void)state;
    sipua_uri a, b;
    assert_uri("sip:alice@atlanta.com", &a);
    assert_uri("sip:alice@atlanta.com", &b);
    a.user = span("al%zz"); /* the parser refuses it: set it by hand */
    assert_int_equal(sipua_uri_equal(&a, &b), SIPUA_EPARSE);
    assert_int_equal(sipua_uri_equal(&b, &a), SIPUA_EPARSE);
}

static void test_api_uri_null_arguments_are_einval(void **state)
{
    (void)state;
    sipua_uri u;
    sipua_str bad = {NULL, 3};
    assert_int_equal(sipua_uri_parse(span("sip:a@b"), NULL), SIPUA_EINVAL);
    assert_int_equal(sipua_uri_parse(bad, &u), SIPUA_EINVAL);
    assert_uri("sip:a@b", &u);
    assert_int_equal(sipua_uri_equal(NULL, &u), SIPUA_EINVAL);
    assert_int_equal(sipua_uri_equal(&u, NULL), SIPUA_EINVAL);
}

/* ------------------------------------------------------------------ */
/* RFC 3261 20.10 and 25.1: name-addr and addr-spec                    */

static void test_20_10_quoted_display_name_with_escapes(void **state)
{
    (void)state;
    sipua_nameaddr na;
    char out[64];
    assert_nameaddr("\"Alice \\\"The Boss\\\" Smith\" <sip:alice@atlanta.com>;tag=1928301774", &na);
    assert_span(na.display, "\"Alice \\\"The Boss\\\" Smith\"");
    assert_int_equal(na.bracketed, 1);
    assert_span(na.uri.host, "atlanta.com");
    assert_span(na.tag, "1928301774");
    assert_span(na.params, "tag=1928301774");
    int n = sipua_nameaddr_display(&na, out, sizeof out);
    assert_int_equal(n, 22);
    assert_memory_equal(out, "Alice \"The Boss\" Smith", 22);
}

static void test_25_1_token_display_name(void **state)
{
    (void)state;
    sipua_nameaddr na;
    char out[64];
    assert_nameaddr("Alice  Smith <sip:alice@atlanta.com>", &na);
    assert_span(na.display, "Alice  Smith");
    assert_span(na.uri.user, "alice");
    assert_span(na.tag, NULL);
    assert_span(na.params, NULL);
    assert_int_equal(sipua_nameaddr_display(&na, out, sizeof out), 12);
    assert_memory_equal(out, "Alice  Smith", 12);
}

static void test_25_1_name_addr_without_display_name(void **state)
{
    (void)state;
    sipua_nameaddr na;
    char out[4];
    assert_nameaddr("<sip:alice@atlanta.com>", &na);
    assert_span(na.display, NULL);
    assert_int_equal(na.bracketed, 1);
    assert_int_equal(sipua_nameaddr_display(&na, out, sizeof out), 0);
    assert_int_equal(sipua_nameaddr_display(&na, NULL, 0), 0);
}

static void test_rfc4475_3_1_1_6_no_lws_before_laquot(void **state)
{
    (void)state;
    sipua_nameaddr na;
    assert_nameaddr("\"caller\"<sip:caller@example.com>;tag=323", &na);
    assert_span(na.display, "\"caller\"");
    assert_span(na.uri.user, "caller");
    assert_span(na.tag, "323");
    assert_nameaddr("caller<sip:caller@example.com>;tag=323", &na);
    assert_span(na.display, "caller");
    assert_span(na.uri.user, "caller");
}

static void test_20_10_addr_spec_semicolon_starts_header_params(void **state)
{
    (void)state;
    sipua_nameaddr na;
    assert_nameaddr("sip:alice@atlanta.com;tag=88sja8x", &na);
    assert_int_equal(na.bracketed, 0);
    assert_span(na.display, NULL);
    assert_span(na.uri.whole, "sip:alice@atlanta.com");
    assert_span(na.uri.params, NULL);
    assert_span(na.params, "tag=88sja8x");
    assert_span(na.tag, "88sja8x");
    /* even one that reads like a URI parameter */
    assert_nameaddr("sip:alice@atlanta.com;transport=tcp", &na);
    assert_span(na.uri.params, NULL);
    assert_span(na.params, "transport=tcp");
}

static void test_20_10_uri_params_inside_brackets_stay_with_the_uri(void **state)
{
    (void)state;
    sipua_nameaddr na;
    assert_nameaddr("<sip:alice@atlanta.com;transport=tcp>;tag=1;expires=60", &na);
    assert_span(na.uri.params, "transport=tcp");
    assert_span(na.params, "tag=1;expires=60");
    assert_span(na.tag, "1");
}

static void test_20_10_addr_spec_with_question_mark_is_invalid(void **state)
{
    (void)state;
    sipua_nameaddr na;
    assert_rc(sipua_nameaddr_parse(span("sip:alice@atlanta.com?subject=x"), &na), SIPUA_EPARSE,
              "sip:alice@atlanta.com?subject=x");
    assert_nameaddr("<sip:alice@atlanta.com?subject=x>", &na);
    assert_span(na.uri.headers, "subject=x");
}

static void test_20_10_addr_spec_with_comma_is_invalid(void **state)
{
    (void)state;
    sipua_nameaddr na;
    assert_rc(sipua_nameaddr_parse(span("sip:alice@atlanta.com,sip:bob@biloxi.com"), &na),
              SIPUA_EPARSE, "sip:alice@atlanta.com,sip:bob@biloxi.com");
}

static void test_25_1_tag_param_name_is_case_insensitive(void **state)
{
    (void)state;
    sipua_nameaddr na;
    assert_nameaddr("<sip:alice@atlanta.com>;TAG=abc", &na);
    assert_span(na.tag, "abc");
    assert_nameaddr("<sip:alice@atlanta.com>;tagx=abc", &na);
    assert_span(na.tag, NULL);
}

static void test_25_1_quoted_header_param_value(void **state)
{
    (void)state;
    sipua_nameaddr na;
    sipua_str v;
    assert_nameaddr("<sip:alice@atlanta.com>;foo=\"x;y,z\";tag=1", &na);
    assert_span(na.tag, "1");
    assert_int_equal(sipua_param_find(na.params, "foo", &v), 1);
    assert_span(v, "\"x;y,z\"");
}

static void test_25_1_malformed_name_addr_is_eparse(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "\"Alice <sip:alice@atlanta.com>",  /* unterminated quote */
        "\"Alice\" sip:alice@atlanta.com",  /* quoted display without <> */
        "<sip:alice@atlanta.com",           /* no '>' */
        "<sip:alice@atlanta.com>;",         /* empty parameter */
        "<sip:alice@atlanta.com>;tag=",     /* empty value */
        "<>",                               /* no URI */
        "<sip:alice@atlanta.com> junk",     /* trailing text */
        "Alice Smith sip:alice@atlanta.com" /* tokens without <> */
    };
    sipua_nameaddr na;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_rc(sipua_nameaddr_parse(span(bad[i]), &na), SIPUA_EPARSE, bad[i]);
}

static void test_api_nameaddr_display_unquotes_and_reports_enospc(void **state)
{
    (void)state;
    sipua_nameaddr na;
    char out[16];
    memset(out, 'x', sizeof out);
    assert_nameaddr("\"A\\\\B \\\"C\\\"\" <sip:c@h>", &na); /* "A\\B \"C\"" */
    assert_int_equal(sipua_nameaddr_display(&na, out, 7), 7);
    assert_memory_equal(out, "A\\B \"C\"", 7);
    assert_int_equal(sipua_nameaddr_display(&na, out, 6), SIPUA_ENOSPC);
    assert_int_equal(sipua_nameaddr_display(&na, out, 0), SIPUA_ENOSPC);
    assert_nameaddr("Alice Smith <sip:alice@atlanta.com>", &na);
    memset(out, 'x', sizeof out);
    assert_int_equal(sipua_nameaddr_display(&na, out, 5), SIPUA_ENOSPC);
    assert_int_equal(out[5], 'x');
    assert_int_equal(sipua_nameaddr_display(&na, out, 11), 11);
}

static void test_api_nameaddr_null_arguments_are_einval(void **state)
{
    (void)state;
    sipua_nameaddr na;
    sipua_str none = {NULL, 0};
    assert_int_equal(sipua_nameaddr_parse(span("<sip:a@b>"), NULL), SIPUA_EINVAL);
    assert_int_equal(sipua_nameaddr_parse(none, &na), SIPUA_EINVAL);
    assert_nameaddr("\"A\" <sip:a@b>", &na);
    assert_int_equal(sipua_nameaddr_display(NULL, NULL, 0), SIPUA_EINVAL);
    assert_int_equal(sipua_nameaddr_display(&na, NULL, 8), SIPUA_EINVAL);
}

/* ------------------------------------------------------------------ */
/* RFC 3261 20.42: Via                                                 */

static void test_20_42_via_sent_protocol_and_sent_by(void **state)
{
    (void)state;
    sipua_via v;
    assert_via("SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds", &v);
    assert_span(v.protocol, "SIP/2.0");
    assert_span(v.transport, "UDP");
    assert_span(v.host, "pc33.atlanta.com");
    assert_int_equal(v.host_kind, SIPUA_HOST_NAME);
    assert_int_equal(v.port, 0);
    assert_span(v.branch, "z9hG4bK776asdhds");
    assert_span(v.received, NULL);
    assert_span(v.maddr, NULL);
    assert_int_equal(v.rport, -1);
    assert_int_equal(v.ttl, -1);
    assert_span(v.params, "branch=z9hG4bK776asdhds");
}

static void test_20_42_via_ipv4_sent_by_with_port(void **state)
{
    (void)state;
    sipua_via v;
    assert_via("SIP/2.0/TCP 192.0.2.4:5070;branch=z9hG4bKnashds7", &v);
    assert_span(v.transport, "TCP");
    assert_span(v.host, "192.0.2.4");
    assert_int_equal(v.host_kind, SIPUA_HOST_IPV4);
    assert_int_equal(v.port, 5070);
    assert_via("SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bK56sdasks", &v);
    assert_span(v.transport, "WSS");
}

static void test_rfc5118_4_7_via_ipv6_sent_by(void **state)
{
    (void)state;
    sipua_via v;
    assert_via("SIP/2.0/UDP [2001:db8::9:1]:6050;branch=z9hG4bKas3-111", &v);
    assert_span(v.host, "2001:db8::9:1");
    assert_int_equal(v.host_kind, SIPUA_HOST_IPV6);
    assert_int_equal(v.port, 6050);
    assert_span(v.branch, "z9hG4bKas3-111");
}

static void test_rfc5118_4_5_received_ipv6_with_brackets(void **state)
{
    (void)state;
    sipua_via v;
    assert_via("SIP/2.0/UDP [2001:db8::9:1];received=[2001:db8::9:255];branch=z9hG4bKas3-111", &v);
    assert_span(v.received, "2001:db8::9:255");
    assert_span(v.branch, "z9hG4bKas3-111");
}

static void test_rfc5118_4_5_received_ipv6_without_brackets(void **state)
{
    (void)state;
    sipua_via v;
    assert_via("SIP/2.0/UDP [2001:db8::9:1];received=2001:db8::9:255;branch=z9hG4bKas3", &v);
    assert_span(v.received, "2001:db8::9:255");
    assert_span(v.branch, "z9hG4bKas3");
}

static void test_18_2_1_received_ipv4(void **state)
{
    (void)state;
    sipua_via v;
    assert_via("SIP/2.0/UDP bobspc.biloxi.com:5060;received=192.0.2.4", &v);
    assert_span(v.received, "192.0.2.4");
    assert_span(v.branch, NULL);
    /* received = IPv4address / IPv6address: not a host name */
    assert_via_bad("SIP/2.0/UDP bobspc.biloxi.com;received=biloxi.com");
    assert_via_bad("SIP/2.0/UDP bobspc.biloxi.com;received=[2001:db8::1::2]");
    assert_via_bad("SIP/2.0/UDP bobspc.biloxi.com;received");
}

static void test_rfc3581_rport_with_and_without_value(void **state)
{
    (void)state;
    sipua_via v;
    assert_via("SIP/2.0/UDP 10.1.1.1:4540;rport;branch=z9hG4bKkjshdyff", &v);
    assert_int_equal(v.rport, 0);
    assert_span(v.branch, "z9hG4bKkjshdyff");
    assert_via("SIP/2.0/UDP 10.1.1.1:4540;received=192.0.2.1;rport=9988;branch=z9hG4bK1", &v);
    assert_int_equal(v.rport, 9988);
    assert_span(v.received, "192.0.2.1");
    assert_via_bad("SIP/2.0/UDP 10.1.1.1:4540;rport=65536");
    assert_via_bad("SIP/2.0/UDP 10.1.1.1:4540;rport=x");
}

static void test_20_42_maddr_and_ttl(void **state)
{
    (void)state;
    sipua_via v;
    assert_via("SIP/2.0/UDP first.example.com:4000;ttl=16;maddr=224.2.0.1;branch=z9hG4bKa7c6a8dlze",
               &v);
    assert_int_equal(v.ttl, 16);
    assert_span(v.maddr, "224.2.0.1");
    assert_int_equal(v.port, 4000);
}

static void test_25_1_ttl_is_0_to_255_in_at_most_3_digits(void **state)
{
    (void)state;
    sipua_via v;
    assert_via("SIP/2.0/UDP h;ttl=0", &v);
    assert_int_equal(v.ttl, 0);
    assert_via("SIP/2.0/UDP h;ttl=255", &v);
    assert_int_equal(v.ttl, 255);
    assert_via_bad("SIP/2.0/UDP h;ttl=256");
    assert_via_bad("SIP/2.0/UDP h;ttl=0255");
    assert_via_bad("SIP/2.0/UDP h;ttl");
    assert_via_bad("SIP/2.0/UDP h;ttl=x");
}

static void test_rfc4475_3_1_1_1_lws_around_slashes(void **state)
{
    (void)state;
    sipua_via v;
    /* wsinv: the Via of the short tortuous INVITE, folds included */
    assert_via("SIP  /   2.0\r\n /UDP\r\n    192.0.2.2;branch=390skdjuw", &v);
    assert_span(v.transport, "UDP");
    assert_span(v.host, "192.0.2.2");
    assert_span(v.branch, "390skdjuw");
    assert_int_equal(sipua_via_branch_is_rfc3261(&v), 0);
}

static void test_25_1_via_empty_params_are_invalid(void **state)
{
    (void)state;
    assert_via_bad("SIP/2.0/UDP h;;branch=z9hG4bK1");
    assert_via_bad("SIP/2.0/UDP h;");
    assert_via_bad("SIP/2.0/UDP h;branch=");
    assert_via_bad("SIP/2.0/UDP h;branch");
    assert_via_bad("SIP/2.0/UDP h;=x");
}

static void test_25_1_via_malformed_sent_protocol_or_sent_by(void **state)
{
    (void)state;
    assert_via_bad("");
    assert_via_bad("SIP/2.0 h");
    assert_via_bad("SIP/2.0/UDP");
    assert_via_bad("SIP/2.0/UDPh");
    assert_via_bad("SIP/2.0/UDP h:");
    assert_via_bad("SIP/2.0/UDP h:65536");
    assert_via_bad("SIP/2.0/UDP 2001:db8::1");
    assert_via_bad("SIP/2.0/UDP h junk");
}

static void test_17_2_3_branch_magic_cookie(void **state)
{
    (void)state;
    sipua_via v;
    assert_via("SIP/2.0/UDP h;branch=z9hG4bK776asdhds", &v);
    assert_int_equal(sipua_via_branch_is_rfc3261(&v), 1);
    assert_via("SIP/2.0/UDP h;branch=z9hG4bK", &v); /* the cookie alone */
    assert_int_equal(sipua_via_branch_is_rfc3261(&v), 0);
    assert_via("SIP/2.0/UDP h;branch=776asdhds", &v);
    assert_int_equal(sipua_via_branch_is_rfc3261(&v), 0);
    assert_via("SIP/2.0/UDP h", &v);
    assert_int_equal(sipua_via_branch_is_rfc3261(&v), 0);
    assert_int_equal(sipua_via_branch_is_rfc3261(NULL), 0);
}

static void test_20_42_via_params_span_and_extensions(void **state)
{
    (void)state;
    sipua_via v;
    sipua_str x;
    assert_via("SIP/2.0/UDP h;branch=z9hG4bK1;rport;x-ext=\"a;b\"", &v);
    assert_span(v.params, "branch=z9hG4bK1;rport;x-ext=\"a;b\"");
    assert_int_equal(sipua_param_find(v.params, "x-ext", &x), 1);
    assert_span(x, "\"a;b\"");
}

static void test_api_via_null_arguments_are_einval(void **state)
{
    (void)state;
    sipua_via v;
    sipua_str none = {NULL, 0};
    assert_int_equal(sipua_via_parse(span("SIP/2.0/UDP h"), NULL), SIPUA_EINVAL);
    assert_int_equal(sipua_via_parse(none, &v), SIPUA_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_19_1_1_sip_uri_components),
        cmocka_unit_test(test_19_1_1_absent_parts_are_absent),
        cmocka_unit_test(test_19_1_1_uri_without_user),
        cmocka_unit_test(test_19_1_4_scheme_is_case_insensitive),
        cmocka_unit_test(test_rfc3966_tel_uri_number_and_params),
        cmocka_unit_test(test_19_1_1_other_scheme_is_an_absolute_uri),
        cmocka_unit_test(test_25_1_uri_needs_a_scheme_and_a_host),
        cmocka_unit_test(test_25_1_host_ipv4),
        cmocka_unit_test(test_rfc5118_4_1_ipv6_reference_in_brackets),
        cmocka_unit_test(test_rfc5118_4_2_ipv6_without_brackets_is_invalid),
        cmocka_unit_test(test_rfc5118_4_3_port_inside_brackets_belongs_to_the_address),
        cmocka_unit_test(test_rfc5118_4_4_port_after_brackets),
        cmocka_unit_test(test_rfc5118_4_9_ipv4_mapped_ipv6),
        cmocka_unit_test(test_rfc5118_4_10_three_colons_before_ipv4_tolerated),
        cmocka_unit_test(test_rfc4291_2_2_malformed_ipv6_is_invalid),
        cmocka_unit_test(test_25_1_port_bounds),
        cmocka_unit_test(test_19_1_1_uri_parameters_span),
        cmocka_unit_test(test_19_1_1_headers_span),
        cmocka_unit_test(test_19_1_2_escaped_user_is_kept_escaped),
        cmocka_unit_test(test_19_1_2_truncated_escape_is_invalid),
        cmocka_unit_test(test_19_1_2_non_hex_escape_is_invalid),
        cmocka_unit_test(test_rfc4475_3_1_1_4_escaped_nul_in_user),
        cmocka_unit_test(test_19_1_2_unescape_decodes_hex_of_either_case),
        cmocka_unit_test(test_19_1_2_unescape_bad_escape_is_eparse),
        cmocka_unit_test(test_api_unescape_enospc_writes_nothing_past_cap),
        cmocka_unit_test(test_api_unescape_null_arguments_are_einval),
        cmocka_unit_test(test_25_1_param_find_ignores_name_case),
        cmocka_unit_test(test_25_1_param_find_valueless_param),
        cmocka_unit_test(test_25_1_param_find_quoted_value_keeps_separators),
        cmocka_unit_test(test_25_1_param_next_iterates_in_order),
        cmocka_unit_test(test_param_next_always_moves_on),
        cmocka_unit_test(test_25_1_param_next_skips_lws_around_separators),
        cmocka_unit_test(test_api_param_next_null_pos_or_empty_list_ends),
        cmocka_unit_test(test_19_1_4_escaped_unreserved_equals_literal),
        cmocka_unit_test(test_19_1_4_uri_comparison_is_case_insensitive_for_host),
        cmocka_unit_test(test_uri_equal_repeated_parameter),
        cmocka_unit_test(test_19_1_4_userinfo_is_case_sensitive),
        cmocka_unit_test(test_19_1_4_password_is_case_sensitive_and_must_match),
        cmocka_unit_test(test_19_1_4_uri_without_user_differs_from_uri_with_user),
        cmocka_unit_test(test_19_1_4_explicit_default_port_differs),
        cmocka_unit_test(test_19_1_4_transport_in_one_uri_only_differs),
        cmocka_unit_test(test_19_1_4_port_and_transport_differ),
        cmocka_unit_test(test_19_1_4_header_in_one_uri_only_differs),
        cmocka_unit_test(test_19_1_4_ip_address_does_not_match_host_name),
        cmocka_unit_test(test_19_1_4_parameter_in_one_uri_only_is_ignored),
        cmocka_unit_test(test_19_1_4_parameter_in_both_must_match),
        cmocka_unit_test(test_19_1_4_user_ttl_method_maddr_in_one_uri_only_differ),
        cmocka_unit_test(test_19_1_4_parameter_order_is_not_significant),
        cmocka_unit_test(test_19_1_4_header_order_is_not_significant),
        cmocka_unit_test(test_19_1_4_sip_and_sips_are_never_equivalent),
        cmocka_unit_test(test_19_1_4_escaped_reserved_character_is_not_equivalent),
        cmocka_unit_test(test_19_1_4_malformed_escape_is_eparse),
        cmocka_unit_test(test_api_uri_null_arguments_are_einval),
        cmocka_unit_test(test_20_10_quoted_display_name_with_escapes),
        cmocka_unit_test(test_25_1_token_display_name),
        cmocka_unit_test(test_25_1_name_addr_without_display_name),
        cmocka_unit_test(test_rfc4475_3_1_1_6_no_lws_before_laquot),
        cmocka_unit_test(test_20_10_addr_spec_semicolon_starts_header_params),
        cmocka_unit_test(test_20_10_uri_params_inside_brackets_stay_with_the_uri),
        cmocka_unit_test(test_20_10_addr_spec_with_question_mark_is_invalid),
        cmocka_unit_test(test_20_10_addr_spec_with_comma_is_invalid),
        cmocka_unit_test(test_25_1_tag_param_name_is_case_insensitive),
        cmocka_unit_test(test_25_1_quoted_header_param_value),
        cmocka_unit_test(test_25_1_malformed_name_addr_is_eparse),
        cmocka_unit_test(test_api_nameaddr_display_unquotes_and_reports_enospc),
        cmocka_unit_test(test_api_nameaddr_null_arguments_are_einval),
        cmocka_unit_test(test_20_42_via_sent_protocol_and_sent_by),
        cmocka_unit_test(test_20_42_via_ipv4_sent_by_with_port),
        cmocka_unit_test(test_rfc5118_4_7_via_ipv6_sent_by),
        cmocka_unit_test(test_rfc5118_4_5_received_ipv6_with_brackets),
        cmocka_unit_test(test_rfc5118_4_5_received_ipv6_without_brackets),
        cmocka_unit_test(test_18_2_1_received_ipv4),
        cmocka_unit_test(test_rfc3581_rport_with_and_without_value),
        cmocka_unit_test(test_20_42_maddr_and_ttl),
        cmocka_unit_test(test_25_1_ttl_is_0_to_255_in_at_most_3_digits),
        cmocka_unit_test(test_rfc4475_3_1_1_1_lws_around_slashes),
        cmocka_unit_test(test_25_1_via_empty_params_are_invalid),
        cmocka_unit_test(test_25_1_via_malformed_sent_protocol_or_sent_by),
        cmocka_unit_test(test_17_2_3_branch_magic_cookie),
        cmocka_unit_test(test_20_42_via_params_span_and_extensions),
        cmocka_unit_test(test_api_via_null_arguments_are_einval),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
