/* Building messages into a caller's buffer (sipua_builder_*) and writing a
 * parsed message in canonical form (sipua_msg_serialize):
 *
 * - RFC 3261 7.1 and 7.2: request and status lines; status codes 100..699.
 * - RFC 3261 7.3.1: "Name: value" with a token name and no CR or LF in the
 *   value; RFC 3261 7.3.3: the serializer writes long names.
 * - RFC 3261 20.14 and 18.3: the body with a Content-Length that matches it.
 * - Errors: SIPUA_EINVAL writes nothing and is not sticky; SIPUA_ENOSPC is
 *   sticky, at every capacity from 0 to the full length, and never writes
 *   past the capacity.
 * - What is built or serialized parses back to the same message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sipua/msg.h"
#include "testutil.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

/* The builder's output so far equals a C string. */
#define assert_built(b, lit) check_built((b), (lit), __FILE__, __LINE__)

static void check_built(const sipua_builder *b, const char *lit, const char *file, int line)
{
    if (b->len == strlen(lit) && memcmp(b->buf, lit, b->len) == 0)
        return;
    print_error("built \"%.*s\"\nexpected \"%s\"\n", (int)b->len, b->buf, lit);
    _fail(file, line);
}

/* A present span equals a C string (unlike testutil.h's assert_span, an
 * absent span reads as "" in the message). */
#define assert_present_span(s, lit) check_present_span((s), (lit), #s, __FILE__, __LINE__)

static void check_present_span(sipua_str s, const char *lit, const char *expr, const char *file,
                               int line)
{
    if (s.p && s.len == strlen(lit) && memcmp(s.p, lit, s.len) == 0)
        return;
    print_error("%s is \"%.*s\", expected \"%s\"\n", expr, (int)s.len, s.p ? s.p : "", lit);
    _fail(file, line);
}

/* RFC 3261 4, the INVITE of the first example. */
static const char invite[] = INVITE_HEAD INVITE_TAIL;

/* Builds `invite` with every builder call; returns sipua_builder_finish(). */
static int build_invite(sipua_builder *b)
{
    sipua_builder_request_line(b, SIPUA_STR("INVITE"), SIPUA_STR("sip:bob@biloxi.com"));
    sipua_builder_header(b, SIPUA_STR("Via"),
                         SIPUA_STR("SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds"));
    sipua_builder_header_u64(b, SIPUA_STR("Max-Forwards"), 70);
    sipua_builder_header(b, SIPUA_STR("To"), SIPUA_STR("Bob <sip:bob@biloxi.com>"));
    sipua_builder_header(b, SIPUA_STR("From"),
                         SIPUA_STR("Alice <sip:alice@atlanta.com>;tag=1928301774"));
    sipua_builder_header(b, SIPUA_STR("Call-ID"), SIPUA_STR("a84b4c76e66710@pc33.atlanta.com"));
    sipua_builder_raw(b, SIPUA_STR("CSeq: "));
    sipua_builder_raw(b, SIPUA_STR("314159 INVITE"));
    sipua_builder_raw(b, SIPUA_STR("\r\n"));
    sipua_builder_header(b, SIPUA_STR("Contact"), SIPUA_STR("<sip:alice@pc33.atlanta.com>"));
    sipua_builder_header(b, SIPUA_STR("Content-Type"), SIPUA_STR("application/sdp"));
    sipua_builder_body(b, SIPUA_STR("v=0\r\n"));
    return sipua_builder_finish(b);
}

/* Two parsed messages say the same, Content-Length aside. */
static void assert_same_message(const sipua_msg *a, const sipua_msg *b)
{
    assert_int_equal(sipua_msg_is_request(a), sipua_msg_is_request(b));
    assert_int_equal(sipua_msg_status(a), sipua_msg_status(b));
    assert_true(lws_equal(sipua_msg_start_line(a), sipua_msg_start_line(b)));
    size_t i = 0, j = 0;
    for (;;) {
        const sipua_hdr *ha = sipua_msg_header_at(a, i), *hb = sipua_msg_header_at(b, j);
        if (ha && ha->id == SIPUA_HDR_CONTENT_LENGTH) {
            i++;
            continue;
        }
        if (hb && hb->id == SIPUA_HDR_CONTENT_LENGTH) {
            j++;
            continue;
        }
        if (!ha || !hb) {
            assert_null(ha);
            assert_null(hb);
            break;
        }
        assert_int_equal(ha->id, hb->id);
        if (ha->id == SIPUA_HDR_OTHER) { /* extension names are kept as written */
            assert_int_equal(ha->name.len, hb->name.len);
            assert_memory_equal(ha->name.p, hb->name.p, ha->name.len);
        }
        if (!lws_equal(ha->value, hb->value))
            fail_msg("header %zu: \"%.*s\" became \"%.*s\"", i, (int)ha->value.len, ha->value.p,
                     (int)hb->value.len, hb->value.p);
        i++;
        j++;
    }
    sipua_str ba = sipua_msg_body(a), bb = sipua_msg_body(b);
    assert_int_equal(ba.len, bb.len);
    if (ba.len)
        assert_memory_equal(ba.p, bb.p, ba.len);
    assert_int_equal(sipua_msg_content_length(b), (int64_t)bb.len);
}

/* ------------------------------------------------------------------ */
/* RFC 3261 7.1, 7.2: start lines                                      */

static void test_7_1_builder_request_line(void **state)
{
    (void)state;
    char buf[128];
    sipua_builder b;
    sipua_builder_init(&b, buf, sizeof buf);
    assert_int_equal(
        sipua_builder_request_line(&b, SIPUA_STR("INVITE"), SIPUA_STR("sip:bob@biloxi.com")), 0);
    assert_built(&b, "INVITE sip:bob@biloxi.com SIP/2.0\r\n");
    assert_int_equal(sipua_builder_finish(&b), 35);
}

static void test_7_1_builder_request_line_rejects_empty_or_spaced_parts(void **state)
{
    (void)state;
    char buf[128];
    sipua_builder b;
    sipua_str none = {NULL, 0};
    sipua_builder_init(&b, buf, sizeof buf);
    assert_int_equal(sipua_builder_request_line(&b, SIPUA_STR(""), SIPUA_STR("sip:bob@biloxi.com")),
                     SIPUA_EINVAL);
    assert_int_equal(sipua_builder_request_line(&b, none, SIPUA_STR("sip:bob@biloxi.com")),
                     SIPUA_EINVAL);
    assert_int_equal(sipua_builder_request_line(&b, SIPUA_STR("INVITE"), SIPUA_STR("")),
                     SIPUA_EINVAL);
    assert_int_equal(
        sipua_builder_request_line(&b, SIPUA_STR("IN VITE"), SIPUA_STR("sip:bob@biloxi.com")),
        SIPUA_EINVAL);
    assert_int_equal(
        sipua_builder_request_line(&b, SIPUA_STR("INVITE"), SIPUA_STR("sip:bob@biloxi.com x")),
        SIPUA_EINVAL);
    assert_int_equal(
        sipua_builder_request_line(&b, SIPUA_STR("INVITE"), SIPUA_STR("sip:bob@biloxi.com\r\n")),
        SIPUA_EINVAL);
    /* nothing written, and the builder still works */
    assert_int_equal(b.len, 0);
    assert_int_equal(sipua_builder_finish(&b), 0);
    assert_int_equal(
        sipua_builder_request_line(&b, SIPUA_STR("OPTIONS"), SIPUA_STR("sip:carol@chicago.com")),
        0);
    assert_built(&b, "OPTIONS sip:carol@chicago.com SIP/2.0\r\n");
}

static void test_7_2_builder_status_line(void **state)
{
    (void)state;
    char buf[128];
    sipua_builder b;
    sipua_builder_init(&b, buf, sizeof buf);
    assert_int_equal(sipua_builder_status_line(&b, 180, SIPUA_STR("Ringing")), 0);
    assert_built(&b, "SIP/2.0 180 Ringing\r\n");
    sipua_builder_init(&b, buf, sizeof buf);
    assert_int_equal(sipua_builder_status_line(&b, 100, SIPUA_STR("Trying")), 0);
    assert_int_equal(sipua_builder_status_line(&b, 699, SIPUA_STR("Custom")), 0);
    assert_built(&b, "SIP/2.0 100 Trying\r\nSIP/2.0 699 Custom\r\n");
    /* Reason-Phrase may be empty; the SP before it is not optional */
    sipua_builder_init(&b, buf, sizeof buf);
    assert_int_equal(sipua_builder_status_line(&b, 200, SIPUA_STR("")), 0);
    assert_built(&b, "SIP/2.0 200 \r\n");
}

static void test_7_2_builder_status_code_outside_100_to_699_is_einval(void **state)
{
    (void)state;
    char buf[128];
    sipua_builder b;
    static const int bad[] = {99, 700, 0, -1, 1000, 20000};
    sipua_builder_init(&b, buf, sizeof buf);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(sipua_builder_status_line(&b, bad[i], SIPUA_STR("Bad")), SIPUA_EINVAL);
    assert_int_equal(sipua_builder_status_line(&b, 200, SIPUA_STR("OK\r\n")), SIPUA_EINVAL);
    assert_int_equal(sipua_builder_status_line(&b, 200, SIPUA_STR("O\nK")), SIPUA_EINVAL);
    assert_int_equal(b.len, 0);
    assert_int_equal(sipua_builder_finish(&b), 0);
}

/* ------------------------------------------------------------------ */
/* RFC 3261 7.3.1: header fields                                       */

static void test_7_3_1_builder_header_and_number(void **state)
{
    (void)state;
    char buf[256];
    sipua_builder b;
    sipua_builder_init(&b, buf, sizeof buf);
    assert_int_equal(sipua_builder_header(&b, SIPUA_STR("Call-ID"), SIPUA_STR("a84b4c76e66710")),
                     0);
    assert_int_equal(sipua_builder_header_u64(&b, SIPUA_STR("Max-Forwards"), 70), 0);
    assert_int_equal(sipua_builder_header_u64(&b, SIPUA_STR("X-Zero"), 0), 0);
    assert_int_equal(sipua_builder_header_u64(&b, SIPUA_STR("X-Max"), UINT64_MAX), 0);
    assert_int_equal(sipua_builder_header(&b, SIPUA_STR("Subject"), SIPUA_STR("")), 0);
    assert_built(&b, "Call-ID: a84b4c76e66710\r\n"
                     "Max-Forwards: 70\r\n"
                     "X-Zero: 0\r\n"
                     "X-Max: 18446744073709551615\r\n"
                     "Subject: \r\n");
}

static void test_7_3_1_builder_rejects_bad_names_and_values(void **state)
{
    (void)state;
    char buf[128];
    sipua_builder b;
    sipua_str none = {NULL, 0}, dangling = {NULL, 3};
    static const char *const bad_names[] = {"",    "Bad Name", "Na:me", "Name\r",
                                            "X\n", "\xc3\x9c", "(x)"};
    static const char *const bad_values[] = {"a\rb", "a\nb", "a\r\n b", "\r", "abc\n"};
    sipua_builder_init(&b, buf, sizeof buf);
    for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++) {
        if (sipua_builder_header(&b, span(bad_names[i]), SIPUA_STR("v")) != SIPUA_EINVAL)
            fail_msg("header name \"%s\" accepted", bad_names[i]);
        if (sipua_builder_header_u64(&b, span(bad_names[i]), 1) != SIPUA_EINVAL)
            fail_msg("header name \"%s\" accepted by header_u64", bad_names[i]);
    }
    for (size_t i = 0; i < sizeof bad_values / sizeof bad_values[0]; i++)
        if (sipua_builder_header(&b, SIPUA_STR("Subject"), span(bad_values[i])) != SIPUA_EINVAL)
            fail_msg("header value \"%s\" accepted", bad_values[i]);
    assert_int_equal(sipua_builder_header(&b, none, SIPUA_STR("v")), SIPUA_EINVAL);
    assert_int_equal(sipua_builder_header(&b, SIPUA_STR("Subject"), dangling), SIPUA_EINVAL);
    /* nothing written, no sticky error */
    assert_int_equal(b.len, 0);
    assert_int_equal(b.error, 0);
    assert_int_equal(sipua_builder_header(&b, SIPUA_STR("X-Ok!%'`~*+.-_"), SIPUA_STR("v")), 0);
    assert_built(&b, "X-Ok!%'`~*+.-_: v\r\n");
}

static void test_api_builder_raw_assembles_a_value_in_pieces(void **state)
{
    (void)state;
    char buf[64];
    sipua_builder b;
    sipua_builder_init(&b, buf, sizeof buf);
    assert_int_equal(sipua_builder_raw(&b, SIPUA_STR("CSeq: ")), 0);
    assert_int_equal(sipua_builder_raw(&b, SIPUA_STR("1")), 0);
    assert_int_equal(sipua_builder_raw(&b, SIPUA_STR("")), 0);
    assert_int_equal(sipua_builder_raw(&b, SIPUA_STR(" INVITE\r\n")), 0);
    assert_built(&b, "CSeq: 1 INVITE\r\n");
}

/* ------------------------------------------------------------------ */
/* RFC 3261 20.14: the body                                            */

static void test_20_14_builder_body_writes_content_length(void **state)
{
    (void)state;
    char buf[64];
    sipua_builder b;
    sipua_builder_init(&b, buf, sizeof buf);
    assert_int_equal(sipua_builder_body(&b, SIPUA_STR("v=0\r\n")), 0);
    assert_built(&b, "Content-Length: 5\r\n\r\nv=0\r\n");
    sipua_builder_init(&b, buf, sizeof buf);
    assert_int_equal(sipua_builder_body(&b, SIPUA_STR("")), 0);
    assert_built(&b, "Content-Length: 0\r\n\r\n");
    sipua_str none = {NULL, 0};
    sipua_builder_init(&b, buf, sizeof buf);
    assert_int_equal(sipua_builder_body(&b, none), 0);
    assert_built(&b, "Content-Length: 0\r\n\r\n");
}

static void test_api_built_message_parses_back(void **state)
{
    (void)state;
    char buf[512];
    sipua_builder b;
    sipua_builder_init(&b, buf, sizeof buf);
    int n = build_invite(&b);
    assert_int_equal(n, sizeof invite - 1);
    assert_memory_equal(buf, invite, sizeof invite - 1);

    sipua_msg *m = sipua_msg_new(NULL, NULL);
    assert_non_null(m);
    assert_int_equal(sipua_msg_parse(m, buf, (size_t)n, SIPUA_PARSE_DATAGRAM), n);
    assert_int_equal(sipua_msg_parse_all(m), 0);
    assert_int_equal(sipua_msg_method(m), SIPUA_METHOD_INVITE);
    assert_present_span(sipua_msg_call_id(m), "a84b4c76e66710@pc33.atlanta.com");
    assert_int_equal(sipua_msg_cseq(m)->number, 314159);
    assert_int_equal(sipua_msg_max_forwards(m), 70);
    assert_int_equal(sipua_msg_content_length(m), 5);
    assert_present_span(sipua_msg_body(m), "v=0\r\n");
    assert_int_equal(sipua_msg_parse(m, buf, (size_t)n, SIPUA_PARSE_STREAM), n);
    sipua_msg_free(m);
}

/* ------------------------------------------------------------------ */
/* Errors                                                              */

static void test_api_builder_enospc_is_sticky_at_every_capacity(void **state)
{
    (void)state;
    const size_t full = sizeof invite - 1;
    char *buf = malloc(full + 16);
    assert_non_null(buf);
    for (size_t cap = 0; cap <= full; cap++) {
        sipua_builder b;
        memset(buf, 0x5a, full + 16);
        sipua_builder_init(&b, buf, cap);
        int r = build_invite(&b);
        for (size_t i = cap; i < full + 16; i++)
            if (buf[i] != 0x5a)
                fail_msg("capacity %zu: byte %zu written", cap, i);
        if (cap == full) {
            assert_int_equal(r, full);
            assert_memory_equal(buf, invite, full);
            break;
        }
        if (r != SIPUA_ENOSPC)
            fail_msg("capacity %zu: finish returned %d, expected SIPUA_ENOSPC", cap, r);
        assert_true(b.len <= cap);
        assert_memory_equal(buf, invite, b.len); /* what fits is a prefix */
        /* sticky: nothing more is written, even what would fit */
        size_t len = b.len;
        assert_int_equal(sipua_builder_raw(&b, SIPUA_STR("")), SIPUA_ENOSPC);
        assert_int_equal(sipua_builder_header(&b, SIPUA_STR("X"), SIPUA_STR("")), SIPUA_ENOSPC);
        assert_int_equal(sipua_builder_status_line(&b, 200, SIPUA_STR("OK")), SIPUA_ENOSPC);
        assert_int_equal(b.len, len);
        assert_int_equal(sipua_builder_finish(&b), SIPUA_ENOSPC);
    }
    free(buf);
}

static void test_api_builder_without_a_buffer_has_no_room(void **state)
{
    (void)state;
    sipua_builder b;
    sipua_builder_init(&b, NULL, 100);
    assert_int_equal(sipua_builder_raw(&b, SIPUA_STR("x")), SIPUA_ENOSPC);
    assert_int_equal(sipua_builder_finish(&b), SIPUA_ENOSPC);
    sipua_builder_init(&b, NULL, 0);
    assert_int_equal(sipua_builder_raw(&b, SIPUA_STR("")), 0);
    assert_int_equal(sipua_builder_finish(&b), 0);
}

static void test_api_builder_null_arguments_are_einval(void **state)
{
    (void)state;
    char buf[16];
    sipua_builder b;
    sipua_str dangling = {NULL, 3};
    assert_int_equal(sipua_builder_request_line(NULL, SIPUA_STR("A"), SIPUA_STR("sip:a")),
                     SIPUA_EINVAL);
    assert_int_equal(sipua_builder_status_line(NULL, 200, SIPUA_STR("OK")), SIPUA_EINVAL);
    assert_int_equal(sipua_builder_header(NULL, SIPUA_STR("A"), SIPUA_STR("b")), SIPUA_EINVAL);
    assert_int_equal(sipua_builder_header_u64(NULL, SIPUA_STR("A"), 1), SIPUA_EINVAL);
    assert_int_equal(sipua_builder_raw(NULL, SIPUA_STR("x")), SIPUA_EINVAL);
    assert_int_equal(sipua_builder_body(NULL, SIPUA_STR("x")), SIPUA_EINVAL);
    assert_int_equal(sipua_builder_finish(NULL), SIPUA_EINVAL);
    sipua_builder_init(&b, buf, sizeof buf);
    assert_int_equal(sipua_builder_raw(&b, dangling), SIPUA_EINVAL);
    assert_int_equal(sipua_builder_body(&b, dangling), SIPUA_EINVAL);
    assert_int_equal(sipua_builder_status_line(&b, 200, dangling), SIPUA_EINVAL);
    assert_int_equal(sipua_builder_finish(&b), 0);
}

/* ------------------------------------------------------------------ */
/* sipua_msg_serialize                                                 */

static const char compact[] = "SIP/2.0 200 OK\r\n"
                              "v: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds\r\n"
                              "f: <sip:alice@atlanta.com>;tag=1928301774\r\n"
                              "t: <sip:bob@biloxi.com>;tag=a6c85cf\r\n"
                              "i: a84b4c76e66710\r\n"
                              "CSeq: 1 INVITE\r\n"
                              "l: 5\r\n"
                              "Subject: I know you're there,\r\n"
                              "     pick up the phone\r\n"
                              "X-Custom :  yes\r\n"
                              "\r\n"
                              "v=0\r\n";

static void test_7_3_3_serialize_writes_the_canonical_form(void **state)
{
    (void)state;
    static const char canonical[] = "SIP/2.0 200 OK\r\n"
                                    "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds\r\n"
                                    "From: <sip:alice@atlanta.com>;tag=1928301774\r\n"
                                    "To: <sip:bob@biloxi.com>;tag=a6c85cf\r\n"
                                    "Call-ID: a84b4c76e66710\r\n"
                                    "CSeq: 1 INVITE\r\n"
                                    "Subject: I know you're there, pick up the phone\r\n"
                                    "X-Custom: yes\r\n"
                                    "Content-Length: 5\r\n"
                                    "\r\n"
                                    "v=0\r\n";
    char out[512];
    sipua_msg *m = sipua_msg_new(NULL, NULL);
    assert_non_null(m);
    assert_int_equal(sipua_msg_parse(m, compact, sizeof compact - 1, SIPUA_PARSE_DATAGRAM),
                     sizeof compact - 1);
    int n = sipua_msg_serialize(m, out, sizeof out);
    if (n != (int)sizeof canonical - 1 || memcmp(out, canonical, sizeof canonical - 1) != 0)
        fail_msg("serialized (%d):\n%.*s\nexpected:\n%s", n, n > 0 ? n : 0, out, canonical);
    sipua_msg_free(m);
}

static void test_20_14_serialize_writes_content_length_for_a_datagram_without_one(void **state)
{
    (void)state;
    static const char text[] = "MESSAGE sip:user2@domain.com SIP/2.0\r\n"
                               "Via: SIP/2.0/TCP user1pc.domain.com;branch=z9hG4bK776sgdkse\r\n"
                               "Max-Forwards: 70\r\n"
                               "From: sip:user1@domain.com;tag=49583\r\n"
                               "To: sip:user2@domain.com\r\n"
                               "Call-ID: asd88asd77a@1.2.3.4\r\n"
                               "CSeq: 1 MESSAGE\r\n"
                               "Content-Type: text/plain\r\n"
                               "\r\n"
                               "Watson, come here.";
    char out[512];
    sipua_msg *m = sipua_msg_new(NULL, NULL);
    assert_non_null(m);
    assert_int_equal(sipua_msg_parse(m, text, sizeof text - 1, SIPUA_PARSE_DATAGRAM),
                     sizeof text - 1);
    int n = sipua_msg_serialize(m, out, sizeof out);
    assert_true(n > 0);
    static const char tail[] = "Content-Length: 18\r\n\r\nWatson, come here.";
    assert_true((size_t)n > sizeof tail);
    assert_memory_equal(out + n - (sizeof tail - 1), tail, sizeof tail - 1);
    /* and now it frames on a stream */
    assert_int_equal(sipua_msg_parse(m, out, (size_t)n, SIPUA_PARSE_STREAM), n);
    sipua_msg_free(m);
}

static void test_api_serialize_parses_back_to_an_equal_message(void **state)
{
    (void)state;
    static const char *const texts[] = {invite, compact};
    char out[1024], again[1024];
    sipua_msg *a = sipua_msg_new(NULL, NULL), *b = sipua_msg_new(NULL, NULL);
    assert_non_null(a);
    assert_non_null(b);
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        size_t len = strlen(texts[i]);
        assert_int_equal(sipua_msg_parse(a, texts[i], len, SIPUA_PARSE_DATAGRAM), len);
        int n = sipua_msg_serialize(a, out, sizeof out);
        assert_true(n > 0);
        assert_int_equal(sipua_msg_parse(b, out, (size_t)n, SIPUA_PARSE_DATAGRAM), n);
        assert_int_equal(sipua_msg_parse_all(b), 0);
        assert_same_message(a, b);
        /* the canonical form is a fixed point */
        int n2 = sipua_msg_serialize(b, again, sizeof again);
        assert_int_equal(n2, n);
        assert_memory_equal(again, out, (size_t)n);
    }
    sipua_msg_free(a);
    sipua_msg_free(b);
}

static void test_api_serialize_enospc_at_every_capacity(void **state)
{
    (void)state;
    char full_out[512];
    sipua_msg *m = sipua_msg_new(NULL, NULL);
    assert_non_null(m);
    assert_int_equal(sipua_msg_parse(m, compact, sizeof compact - 1, SIPUA_PARSE_DATAGRAM),
                     sizeof compact - 1);
    int full = sipua_msg_serialize(m, full_out, sizeof full_out);
    assert_true(full > 0);
    char *buf = malloc((size_t)full + 16);
    assert_non_null(buf);
    for (size_t cap = 0; cap <= (size_t)full; cap++) {
        memset(buf, 0x5a, (size_t)full + 16);
        int r = sipua_msg_serialize(m, buf, cap);
        for (size_t i = cap; i < (size_t)full + 16; i++)
            if (buf[i] != 0x5a)
                fail_msg("capacity %zu: byte %zu written", cap, i);
        if (cap < (size_t)full && r != SIPUA_ENOSPC)
            fail_msg("capacity %zu: returned %d, expected SIPUA_ENOSPC", cap, r);
    }
    assert_int_equal(sipua_msg_serialize(m, buf, (size_t)full), full);
    assert_memory_equal(buf, full_out, (size_t)full);
    assert_int_equal(sipua_msg_serialize(m, NULL, 0), SIPUA_ENOSPC);
    free(buf);
    sipua_msg_free(m);
}

static void test_api_serialize_null_arguments_are_einval(void **state)
{
    (void)state;
    char out[64];
    sipua_msg *m = sipua_msg_new(NULL, NULL);
    assert_non_null(m);
    assert_int_equal(sipua_msg_serialize(NULL, out, sizeof out), SIPUA_EINVAL);
    assert_int_equal(sipua_msg_serialize(m, out, sizeof out), SIPUA_EINVAL); /* nothing parsed */
    assert_int_equal(sipua_msg_parse(m, invite, sizeof invite - 1, SIPUA_PARSE_DATAGRAM),
                     sizeof invite - 1);
    assert_int_equal(sipua_msg_serialize(m, NULL, 64), SIPUA_EINVAL);
    sipua_msg_free(m);
}

/* RFC 3261 8.2.6.2 with RFC 3581: every Via in order (two values in the
 * first field), received and rport on the top one, our To tag. */
static void test_api_response_to_a_request(void **state)
{
    (void)state;
    const char *req = "INVITE sip:b@example.org SIP/2.0\r\n"
                      "Via: SIP/2.0/UDP a.example.com:5070;branch=z9hG4bK1;rport;received=1.1.1.1, "
                      "SIP/2.0/TCP [2001:db8::1];branch=z9hG4bK2\r\n"
                      "Max-Forwards: 70\r\n"
                      "v: SIP/2.0/UDP c.example.com;branch=z9hG4bK3\r\n"
                      "From: <sip:a@example.com>;tag=f1\r\n"
                      "To: Bob <sip:b@example.org>\r\n"
                      "Call-ID: r1@x\r\n"
                      "CSeq: 5 INVITE\r\n\r\n";
    sipua_msg *m = sipua_msg_new(NULL, NULL);
    assert_true(sipua_msg_parse(m, req, strlen(req), SIPUA_PARSE_DATAGRAM) > 0);
    char out[1024];
    sipua_builder b;
    sipua_builder_init(&b, out, sizeof out);
    assert_int_equal(sipua_builder_response(&b, m, 180, SIPUA_STR("Ringing"), SIPUA_STR("t9"),
                                            SIPUA_STR("203.0.113.5"), 40000),
                     0);
    assert_int_equal(sipua_builder_body(&b, SIPUA_STR("")), 0);
    int n = sipua_builder_finish(&b);
    assert_true(n > 0);
    const char *want = "SIP/2.0 180 Ringing\r\n"
                       "Via: SIP/2.0/UDP a.example.com:5070;branch=z9hG4bK1;received=203.0.113.5"
                       ";rport=40000\r\n"
                       "Via: SIP/2.0/TCP [2001:db8::1];branch=z9hG4bK2\r\n"
                       "Via: SIP/2.0/UDP c.example.com;branch=z9hG4bK3\r\n"
                       "From: <sip:a@example.com>;tag=f1\r\n"
                       "To: Bob <sip:b@example.org>;tag=t9\r\n"
                       "Call-ID: r1@x\r\n"
                       "CSeq: 5 INVITE\r\n"
                       "Content-Length: 0\r\n\r\n";
    assert_int_equal(n, (int)strlen(want));
    assert_memory_equal(out, want, strlen(want));
    /* 100 Trying gets no tag; without a source the Vias are as received */
    sipua_builder_init(&b, out, sizeof out);
    assert_int_equal(sipua_builder_response(&b, m, 100, SIPUA_STR("Trying"), SIPUA_STR("t9"),
                                            (sipua_str){NULL, 0}, 0),
                     0);
    sipua_builder_body(&b, SIPUA_STR(""));
    n = sipua_builder_finish(&b);
    out[n] = 0;
    assert_non_null(strstr(out, "To: Bob <sip:b@example.org>\r\n"));
    assert_non_null(strstr(out, ";rport;received=1.1.1.1\r\n"));
    /* not a request */
    const char *resp = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
                       "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x\r\n"
                       "CSeq: 1 BYE\r\n\r\n";
    assert_true(sipua_msg_parse(m, resp, strlen(resp), SIPUA_PARSE_DATAGRAM) > 0);
    assert_int_equal(sipua_builder_response(&b, m, 200, SIPUA_STR("OK"), SIPUA_STR("t"),
                                            (sipua_str){NULL, 0}, 0),
                     SIPUA_EINVAL);
    sipua_msg_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_7_1_builder_request_line),
        cmocka_unit_test(test_7_1_builder_request_line_rejects_empty_or_spaced_parts),
        cmocka_unit_test(test_7_2_builder_status_line),
        cmocka_unit_test(test_7_2_builder_status_code_outside_100_to_699_is_einval),
        cmocka_unit_test(test_7_3_1_builder_header_and_number),
        cmocka_unit_test(test_7_3_1_builder_rejects_bad_names_and_values),
        cmocka_unit_test(test_api_builder_raw_assembles_a_value_in_pieces),
        cmocka_unit_test(test_20_14_builder_body_writes_content_length),
        cmocka_unit_test(test_api_built_message_parses_back),
        cmocka_unit_test(test_api_builder_enospc_is_sticky_at_every_capacity),
        cmocka_unit_test(test_api_builder_without_a_buffer_has_no_room),
        cmocka_unit_test(test_api_builder_null_arguments_are_einval),
        cmocka_unit_test(test_7_3_3_serialize_writes_the_canonical_form),
        cmocka_unit_test(test_20_14_serialize_writes_content_length_for_a_datagram_without_one),
        cmocka_unit_test(test_api_serialize_parses_back_to_an_equal_message),
        cmocka_unit_test(test_api_serialize_enospc_at_every_capacity),
        cmocka_unit_test(test_api_serialize_null_arguments_are_einval),
        cmocka_unit_test(test_api_response_to_a_request),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
