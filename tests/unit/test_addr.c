/* Transport addresses: "1.2.3.4:5060" and "[::1]:5060" both ways, RFC
 * 4291 2.2 text in, RFC 5952 text out. */
#include "testutil.h"

#include "transport/addr.h"

static void round_trip(const char *in, uint16_t default_port, const char *want)
{
    sipua__addr a;
    char out[SIPUA__ADDR_STRLEN];
    check_rc_named(sipua__addr_parse(span(in), default_port, &a), SIPUA_OK, in, 1, sipua_err_name,
                   __FILE__, __LINE__);
    int n = sipua__addr_format(&a, out, sizeof out);
    assert_int_equal(n, (int)strlen(want));
    assert_string_equal(out, want);
    sipua__addr b;
    assert_int_equal(sipua__addr_parse(span(out), 0, &b), SIPUA_OK);
    assert_true(sipua__addr_equal(&a, &b));
    assert_int_equal(sipua__addr_hash(&a, 7), sipua__addr_hash(&b, 7));
}

static void test_parse_and_format(void **state)
{
    (void)state;
    round_trip("1.2.3.4:5060", 0, "1.2.3.4:5060");
    round_trip("255.255.255.255:65535", 0, "255.255.255.255:65535");
    round_trip("0.0.0.0:1", 0, "0.0.0.0:1");
    round_trip("10.0.0.1", 5060, "10.0.0.1:5060");
    round_trip("[::1]:5060", 0, "[::1]:5060");
    round_trip("[::1]", 5061, "[::1]:5061");
    round_trip("::1", 5060, "[::1]:5060");
    round_trip("[::]:9", 0, "[::]:9");
    round_trip("[2001:DB8::1]:5060", 0, "[2001:db8::1]:5060");
    round_trip("[1::]:1", 0, "[1::]:1");
    round_trip("[1:2:3:4:5:6:7::]:1", 0, "[1:2:3:4:5:6:7:0]:1");
    round_trip("[::ffff:192.0.2.1]:5060", 0, "[::ffff:192.0.2.1]:5060");
    round_trip("[::192.0.2.1]:5060", 0, "[::c000:201]:5060");
    /* RFC 5952 4.2.2, 4.2.3, 4.3 */
    round_trip("[2001:db8:0:1:1:1:1:1]:1", 0, "[2001:db8:0:1:1:1:1:1]:1");
    round_trip("[2001:0db8:0:0:1:0:0:1]:1", 0, "[2001:db8::1:0:0:1]:1");
    round_trip("[2001:db8:0:0:0:0:2:1]:1", 0, "[2001:db8::2:1]:1");
    round_trip("[2001:0:0:1:0:0:0:1]:1", 0, "[2001:0:0:1::1]:1");
    round_trip("[2001:db8:0:0:1:0:0:1]:1", 0, "[2001:db8::1:0:0:1]:1");
}

static void test_parse_rejects(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "1.2.3",
        "1.2.3.4.5",
        "256.1.1.1:5060",
        "01.2.3.4:1",
        "1.2.3.4:0",
        "1.2.3.4:",
        "1.2.3.4:65536",
        "1.2.3.4:123456",
        "1.2.3.4:+1",
        "1.2.3.4 :1",
        "[::1",
        "[::1]5060",
        "[::1]:",
        "[1::2::3]:1",
        "[12345::]:1",
        "[1:2:3:4:5:6:7:8:9]:1",
        "[1:2:3:4:5:6:7]:1",
        "[::1.2.3]:1",
        "[:1]:1",
        "[1:]:1",
        "[1:::2]:1",
        "[::1%eth0]:1",
        "a.b.c.d:1",
        "::1",
        "[::1]:0",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sipua__addr a;
        check_rc_named(sipua__addr_parse(span(bad[i]), 0, &a), SIPUA_EPARSE, bad[i], 1,
                       sipua_err_name, __FILE__, __LINE__);
    }
    sipua__addr a;
    assert_int_equal(sipua__addr_parse(span("1.2.3.4"), 0, &a), SIPUA_EPARSE); /* no port */
}

static void test_format_edges(void **state)
{
    (void)state;
    static const uint8_t ip4[4] = {192, 0, 2, 1};
    sipua__addr a = sipua__addr_v4(ip4, 5060);
    char out[SIPUA__ADDR_STRLEN];
    assert_int_equal(sipua__addr_format(&a, out, 13), SIPUA_ENOSPC);
    assert_int_equal(sipua__addr_format(&a, out, 15), 14);
    assert_int_equal(sipua__addr_format_ip(&a, out, sizeof out), 9);
    assert_string_equal(out, "192.0.2.1");
    uint8_t ip6[16];
    memset(ip6, 0xff, sizeof ip6);
    sipua__addr b = sipua__addr_v6(ip6, 65535);
    assert_int_equal(sipua__addr_format(&b, out, sizeof out),
                     (int)strlen("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535"));
    assert_int_equal(sipua__addr_format_ip(&b, out, sizeof out), 39);
    assert_false(sipua__addr_equal(&a, &b));
    sipua__addr c = a;
    c.port = 5061;
    assert_false(sipua__addr_equal(&a, &c));
    sipua__addr none;
    memset(&none, 0, sizeof none);
    assert_int_equal(sipua__addr_format(&none, out, sizeof out), SIPUA_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_and_format),
        cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_format_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
