/* The public API of base.h and of the message layer in msg.h, one test per
 * rule, each with its message inline:
 *
 * - base: the error table, span helpers, version.
 * - RFC 3261 7: start lines, methods, header fields (7.3: order, folding,
 *   compact forms, comma-separated values).
 * - RFC 3261 20: the eager headers (Via, From, To, Call-ID, CSeq,
 *   Max-Forwards, Contact, Content-Length, Route, Record-Route) and the body.
 * - The lazily parsed headers, each present, absent (SIPUA_ENOTFOUND) and
 *   malformed (SIPUA_EPARSE): Content-Type, Expires, RSeq and RAck (RFC
 *   3262), Refer-To (RFC 3515), Referred-By (RFC 3892), Event and
 *   Subscription-State (RFC 6665), Reason (RFC 3326), credentials and
 *   challenges (RFC 3261 20.7, 20.27, 20.28, 20.44), option tags.
 * - sipua_msg_parse_all() and the position of parse errors; limits; NULL
 *   arguments; one sipua_msg reused across parses.
 * - RFC 3261 18.3 and RFC 5626 4.4.1: the stream framer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sipua/msg.h"
#include "testutil.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

/* Return codes by name, so that a failure says SIPUA_ENOTFOUND, not -8. */
static const char *rc_name(int rc)
{
    switch (rc) {
    case SIPUA_FRAME_MESSAGE: return "SIPUA_FRAME_MESSAGE";
    case SIPUA_FRAME_KEEPALIVE: return "SIPUA_FRAME_KEEPALIVE";
    case SIPUA_FRAME_PONG: return "SIPUA_FRAME_PONG";
    default: return rc > 0 ? "a length" : sipua_err_name(rc);
    }
}

#define assert_rc(got, want) check_rc_named((got), (want), #got, 0, rc_name, __FILE__, __LINE__)

/* The whole text parses as one datagram. */
#define assert_parses(m, text) check_parse((m), (text), SIPUA_PARSE_DATAGRAM, __FILE__, __LINE__)

static void check_parse(sipua_msg *m, const char *text, int flags, const char *file, int line)
{
    size_t n = strlen(text);
    int r = sipua_msg_parse(m, text, n, flags);
    if (r == (int)n)
        return;
    const sipua_msg_error *e = sipua_msg_get_error(m);
    print_error("parse returned %d (%s), expected %zu: \"%s\" at line %u column %u\n", r,
                rc_name(r), n, e->reason ? e->reason : "", e->line, e->column);
    _fail(file, line);
}

/* The text fails to parse with this code. */
#define assert_parse_fails(m, text, code) check_parse_fails((m), (text), (code), __FILE__, __LINE__)

static void check_parse_fails(sipua_msg *m, const char *text, int code, const char *file, int line)
{
    int r = sipua_msg_parse(m, text, strlen(text), SIPUA_PARSE_DATAGRAM);
    if (r == code && sipua_msg_get_error(m)->code == code)
        return;
    print_error("parse returned %d (%s), error code %d, expected %s\n", r, sipua_err_name(r),
                sipua_msg_get_error(m)->code, sipua_err_name(code));
    _fail(file, line);
}

/* The error's position, and the offset of `at` (searched in text). */
#define assert_error_at(m, text, at, ln, col)                                                      \
    check_error_at((m), (text), (at), (ln), (col), __FILE__, __LINE__)

static void check_error_at(sipua_msg *m, const char *text, const char *at, uint32_t ln,
                           uint32_t col, const char *file, int line)
{
    const sipua_msg_error *e = sipua_msg_get_error(m);
    const char *where = strstr(text, at);
    assert_non_null(where);
    size_t off = (size_t)(where - text);
    if (e->line == ln && e->column == col && e->offset == off && e->reason && e->reason[0])
        return;
    print_error("error \"%s\" at line %u column %u offset %zu, expected line %u column %u "
                "offset %zu\n",
                e->reason ? e->reason : "(null)", e->line, e->column, e->offset, ln, col, off);
    _fail(file, line);
}

static int new_msg(void **state)
{
    *state = sipua_msg_new(NULL, NULL);
    return *state ? 0 : -1;
}

static int free_msg(void **state)
{
    sipua_msg_free(*state);
    return 0;
}

/* A request to which a test adds header lines: they start at line 8. */
#define REQUEST_HEAD                                                                               \
    "OPTIONS sip:carol@chicago.com SIP/2.0\r\n"                                                    \
    "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKhjhs8ass877\r\n"                              \
    "Max-Forwards: 70\r\n"                                                                         \
    "To: <sip:carol@chicago.com>\r\n"                                                              \
    "From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n"                                       \
    "Call-ID: a84b4c76e66710\r\n"                                                                  \
    "CSeq: 63104 OPTIONS\r\n"
#define REQUEST_TAIL "Content-Length: 0\r\n\r\n"

/* A response to which a test adds header lines: they start at line 7. */
#define RESPONSE_HEAD(status)                                                                      \
    "SIP/2.0 " status "\r\n"                                                                       \
    "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds8;received=192.0.2.1\r\n"               \
    "To: Bob <sip:bob@biloxi.com>;tag=a6c85cf\r\n"                                                 \
    "From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n"                                       \
    "Call-ID: a84b4c76e66710\r\n"                                                                  \
    "CSeq: 314159 INVITE\r\n"

/* RFC 3261 4, the INVITE of the first example. */
static const char invite[] = INVITE_HEAD INVITE_TAIL;

static const char ringing[] =
    "SIP/2.0 180 Ringing\r\n"
    "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds;received=192.0.2.1\r\n"
    "To: Bob <sip:bob@biloxi.com>;tag=a6c85cf\r\n"
    "From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@pc33.atlanta.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Contact: <sip:bob@192.0.2.4>\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

/* ------------------------------------------------------------------ */
/* base.h                                                              */

static void test_api_strerror_and_err_name_for_every_code(void **state)
{
    (void)state;
#define CHECK_CODE_(name, value, text)                                                             \
    assert_int_equal(SIPUA_##name, value);                                                         \
    assert_string_equal(sipua_strerror(SIPUA_##name), text);                                       \
    assert_string_equal(sipua_err_name(SIPUA_##name), "SIPUA_" #name);
    SIPUA_ERRNO_MAP(CHECK_CODE_)
#undef CHECK_CODE_
    assert_string_equal(sipua_err_name(SIPUA_OK), "SIPUA_OK");
    assert_non_null(sipua_strerror(SIPUA_OK));
}

static void test_api_unknown_error_code_has_a_name_and_text(void **state)
{
    (void)state;
    static const int unknown[] = {-999, -12, 1, 42, INT32_MIN};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        const char *text = sipua_strerror(unknown[i]), *name = sipua_err_name(unknown[i]);
        assert_non_null(text);
        assert_non_null(name);
        assert_true(text[0] != '\0');
        assert_true(name[0] != '\0');
#define NOT_A_KNOWN_CODE_(n, value, t)                                                             \
    assert_string_not_equal(text, t);                                                              \
    assert_string_not_equal(name, "SIPUA_" #n);
        SIPUA_ERRNO_MAP(NOT_A_KNOWN_CODE_)
#undef NOT_A_KNOWN_CODE_
    }
}

/* Fresh memory full of what an earlier owner left: a header entry the
 * parser started but did not finish would show as garbage. */
static void *dirty_alloc(size_t n, void *u)
{
    (void)u;
    void *p = malloc(n);
    if (p)
        memset(p, 0x5a, n);
    return p;
}

static void *dirty_realloc(void *p, size_t n, void *u)
{
    (void)u;
    return realloc(p, n);
}

static void dirty_free(void *p, void *u)
{
    (void)u;
    free(p);
}

static void test_api_failed_field_leaves_no_entry_behind(void **state)
{
    (void)state;
    const sipua_allocator dirty = {dirty_alloc, dirty_realloc, dirty_free, NULL};
    sipua_msg *m = sipua_msg_new(NULL, &dirty);
    assert_non_null(m);
    /* the third field has no colon: the parse stops there */
    const char *text = "OPTIONS sip:a@b SIP/2.0\r\n"
                       "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
                       "Max-Forwards: 70\r\n"
                       "Extension-without-colon value\r\n"
                       "Call-ID: x\r\n\r\n";
    assert_int_equal(sipua_msg_parse(m, text, strlen(text), SIPUA_PARSE_DATAGRAM), SIPUA_EPARSE);
    assert_int_equal(sipua_msg_header_count(m), 2);
    for (size_t i = 0; i < sipua_msg_header_count(m); i++) {
        const sipua_hdr *h = sipua_msg_header_at(m, i);
        assert_true(h->value.p >= text && h->value.p + h->value.len <= text + strlen(text));
    }
    size_t at = 0, n = 0;
    for (; sipua_msg_find(m, SIPUA_HDR_VIA, &at); at++)
        n++;
    assert_int_equal(n, 1);
    sipua_msg_free(m);
}

static void test_api_str_eq_is_exact(void **state)
{
    (void)state;
    sipua_str none = {NULL, 0}, prefix = {"abcdef", 3};
    assert_int_equal(sipua_str_eq(span("INVITE"), "INVITE"), 1);
    assert_int_equal(sipua_str_eq(span("INVITE"), "invite"), 0);
    assert_int_equal(sipua_str_eq(span("INVITE"), "INVIT"), 0);
    assert_int_equal(sipua_str_eq(span("INVIT"), "INVITE"), 0);
    assert_int_equal(sipua_str_eq(prefix, "abc"), 1); /* spans are not NUL-terminated */
    assert_int_equal(sipua_str_eq(none, ""), 1);
    assert_int_equal(sipua_str_eq(span(""), ""), 1);
    assert_int_equal(sipua_str_eq(none, "a"), 0);
    assert_int_equal(sipua_str_eq(SIPUA_STR("Via"), "Via"), 1);
}

static void test_api_str_caseeq_folds_ascii_letters_only(void **state)
{
    (void)state;
    sipua_str none = {NULL, 0};
    assert_int_equal(sipua_str_caseeq(span("Call-ID"), "call-id"), 1);
    assert_int_equal(sipua_str_caseeq(span("CALL-ID"), "Call-ID"), 1);
    assert_int_equal(sipua_str_caseeq(span("Call-ID"), "Call-IDs"), 0);
    assert_int_equal(sipua_str_caseeq(span("a"), "b"), 0);
    assert_int_equal(sipua_str_caseeq(span("@"), "`"), 0); /* 0x40 and 0x60 */
    assert_int_equal(sipua_str_caseeq(span("["), "{"), 0); /* 0x5b and 0x7b */
    assert_int_equal(sipua_str_caseeq(none, ""), 1);
}

static void test_api_version_matches_the_header(void **state)
{
    (void)state;
    char expect[32];
    snprintf(expect, sizeof expect, "%d.%d.%d", SIPUA_VERSION_MAJOR, SIPUA_VERSION_MINOR,
             SIPUA_VERSION_PATCH);
    assert_string_equal(sipua_version(), SIPUA_VERSION_STRING);
    assert_string_equal(sipua_version(), expect);
}

/* ------------------------------------------------------------------ */
/* RFC 3261 7.1 and 7.3.3: method and header names                     */

static void test_7_1_method_names_round_trip(void **state)
{
    (void)state;
    for (int m = SIPUA_METHOD_INVITE; m < SIPUA_METHOD_COUNT_; m++) {
        const char *name = sipua_method_name((sipua_method)m);
        assert_true(name[0] != '\0');
        assert_int_equal(sipua_method_from_str(span(name)), m);
    }
    assert_string_equal(sipua_method_name(SIPUA_METHOD_INVITE), "INVITE");
    assert_string_equal(sipua_method_name(SIPUA_METHOD_UPDATE), "UPDATE");
    assert_string_equal(sipua_method_name(SIPUA_METHOD_OTHER), "");
    assert_string_equal(sipua_method_name(SIPUA_METHOD_COUNT_), "");
    assert_string_equal(sipua_method_name((sipua_method)-1), "");
}

static void test_7_1_methods_are_case_sensitive(void **state)
{
    (void)state;
    sipua_str none = {NULL, 0};
    assert_int_equal(sipua_method_from_str(span("invite")), SIPUA_METHOD_OTHER);
    assert_int_equal(sipua_method_from_str(span("Invite")), SIPUA_METHOD_OTHER);
    assert_int_equal(sipua_method_from_str(span("INVITEX")), SIPUA_METHOD_OTHER);
    assert_int_equal(sipua_method_from_str(span("NEWMETHOD")), SIPUA_METHOD_OTHER);
    assert_int_equal(sipua_method_from_str(none), SIPUA_METHOD_OTHER);
}

static void set_case(char *dst, const char *src, int up)
{
    for (; *src; src++, dst++)
        *dst = (char)(up ? (*src >= 'a' && *src <= 'z' ? *src - 32 : *src)
                         : (*src >= 'A' && *src <= 'Z' ? *src + 32 : *src));
    *dst = 0;
}

static void test_7_3_3_header_names_long_and_compact(void **state)
{
    (void)state;
    static const struct {
        sipua_hdr_id id;
        const char *name;
        char compact;
    } known[] = {
#define HDR_ROW_(id, name, compact, eager) {SIPUA_HDR_##id, name, compact},
        SIPUA_HEADER_MAP(HDR_ROW_)
#undef HDR_ROW_
    };
    char buf[64];
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        assert_string_equal(sipua_hdr_name(known[i].id), known[i].name);
        assert_int_equal(sipua_hdr_id_from_name(span(known[i].name)), known[i].id);
        set_case(buf, known[i].name, 0);
        assert_int_equal(sipua_hdr_id_from_name(span(buf)), known[i].id);
        set_case(buf, known[i].name, 1);
        assert_int_equal(sipua_hdr_id_from_name(span(buf)), known[i].id);
        if (known[i].compact) {
            char c[2] = {known[i].compact, 0};
            assert_int_equal(sipua_hdr_id_from_name(span(c)), known[i].id);
            set_case(buf, c, 1);
            assert_int_equal(sipua_hdr_id_from_name(span(buf)), known[i].id);
        }
        /* only letters fold: every other octet of a name, replaced by one
         * that | 0x20 would turn into it (a CR for '-'), is no match */
        size_t n = strlen(known[i].name);
        for (size_t k = 0; k < n; k++) {
            char ch = known[i].name[k];
            if ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z')
                continue;
            memcpy(buf, known[i].name, n + 1);
            buf[k] = (char)(ch & ~0x20);
            assert_int_equal(sipua_hdr_id_from_name(span(buf)), SIPUA_HDR_OTHER);
        }
    }
    assert_int_equal(sipua_hdr_id_from_name(span("Content\rLength")), SIPUA_HDR_OTHER);
    sipua_str none = {NULL, 0};
    assert_int_equal(sipua_hdr_id_from_name(span("X-Custom")), SIPUA_HDR_OTHER);
    assert_int_equal(sipua_hdr_id_from_name(span("Vias")), SIPUA_HDR_OTHER);
    assert_int_equal(sipua_hdr_id_from_name(span("z")), SIPUA_HDR_OTHER);
    assert_int_equal(sipua_hdr_id_from_name(none), SIPUA_HDR_OTHER);
    assert_string_equal(sipua_hdr_name(SIPUA_HDR_OTHER), "");
    assert_string_equal(sipua_hdr_name(SIPUA_HDR_COUNT_), "");
}

/* ------------------------------------------------------------------ */
/* RFC 3261 7.1, 7.2: start lines                                      */

static void test_7_1_request_line(void **state)
{
    sipua_msg *m = *state;
    assert_parses(m, invite);
    assert_int_equal(sipua_msg_is_request(m), 1);
    assert_int_equal(sipua_msg_method(m), SIPUA_METHOD_INVITE);
    assert_span(sipua_msg_method_str(m), "INVITE");
    const sipua_uri *ruri = sipua_msg_request_uri(m);
    assert_non_null(ruri);
    assert_int_equal(ruri->scheme_id, SIPUA_URI_SIP);
    assert_span(ruri->user, "bob");
    assert_span(ruri->host, "biloxi.com");
    assert_int_equal(sipua_msg_status(m), 0);
    assert_span(sipua_msg_reason(m), NULL);
    assert_span(sipua_msg_start_line(m), "INVITE sip:bob@biloxi.com SIP/2.0");
    assert_span(sipua_msg_raw(m), invite);
    assert_int_equal(sipua_msg_get_error(m)->code, 0);
}

static void test_7_2_status_line(void **state)
{
    sipua_msg *m = *state;
    assert_parses(m, ringing);
    assert_int_equal(sipua_msg_is_request(m), 0);
    assert_int_equal(sipua_msg_status(m), 180);
    assert_span(sipua_msg_reason(m), "Ringing");
    assert_null(sipua_msg_request_uri(m));
    assert_int_equal(sipua_msg_method(m), SIPUA_METHOD_OTHER);
    assert_span(sipua_msg_start_line(m), "SIP/2.0 180 Ringing");
    assert_int_equal(sipua_msg_cseq(m)->method, SIPUA_METHOD_INVITE);
}

static void test_7_2_reason_phrase_may_hold_spaces(void **state)
{
    sipua_msg *m = *state;
    static const char text[] = RESPONSE_HEAD("481 Call/Transaction Does Not Exist") REQUEST_TAIL;
    assert_parses(m, text);
    assert_int_equal(sipua_msg_status(m), 481);
    assert_span(sipua_msg_reason(m), "Call/Transaction Does Not Exist");
}

static void test_7_1_extension_method_is_other(void **state)
{
    sipua_msg *m = *state;
    static const char text[] = "NEWMETHOD sip:bob@biloxi.com SIP/2.0\r\n"
                               "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds\r\n"
                               "To: <sip:bob@biloxi.com>\r\n"
                               "From: <sip:alice@atlanta.com>;tag=1\r\n"
                               "Call-ID: x1\r\n"
                               "CSeq: 1 NEWMETHOD\r\n"
                               "\r\n";
    assert_parses(m, text);
    assert_int_equal(sipua_msg_method(m), SIPUA_METHOD_OTHER);
    assert_span(sipua_msg_method_str(m), "NEWMETHOD");
    assert_int_equal(sipua_msg_cseq(m)->method, SIPUA_METHOD_OTHER);
    assert_span(sipua_msg_cseq(m)->method_str, "NEWMETHOD");
}

static void test_7_1_unsupported_sip_version_is_eversion(void **state)
{
    sipua_msg *m = *state;
    static const char text[] = "OPTIONS sip:t.watson@example.org SIP/7.0\r\n"
                               "Via: SIP/2.0/UDP c.example.com;branch=z9hG4bKkdjuw\r\n"
                               "Max-Forwards: 70\r\n"
                               "From: A. Bell <sip:a.g.bell@example.com>;tag=qweoiqpe\r\n"
                               "To: T. Watson <sip:t.watson@example.org>\r\n"
                               "Call-ID: 1234abcd@funky.example.com\r\n"
                               "CSeq: 1 OPTIONS\r\n"
                               "\r\n";
    assert_parse_fails(m, text, SIPUA_EVERSION);
    assert_error_at(m, text, "SIP/7.0", 1, 34);
    /* still readable, to answer 505 */
    assert_int_equal(sipua_msg_method(m), SIPUA_METHOD_OPTIONS);
    assert_span(sipua_msg_call_id(m), "1234abcd@funky.example.com");
}

/* ------------------------------------------------------------------ */
/* RFC 3261 7.3: header fields                                         */

static void test_7_3_headers_in_order_with_line_numbers(void **state)
{
    sipua_msg *m = *state;
    assert_parses(m, invite);
    assert_int_equal(sipua_msg_header_count(m), 9);
    const sipua_hdr *h = sipua_msg_header_at(m, 0);
    assert_non_null(h);
    assert_span(h->name, "Via");
    assert_span(h->value, "SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds");
    assert_int_equal(h->id, SIPUA_HDR_VIA);
    assert_int_equal(h->line, 2);
    h = sipua_msg_header_at(m, 8);
    assert_non_null(h);
    assert_span(h->name, "Content-Length");
    assert_span(h->value, "5");
    assert_int_equal(h->line, 10);
    assert_null(sipua_msg_header_at(m, 9));
}

static void test_7_3_1_folded_value_spans_its_lines(void **state)
{
    sipua_msg *m = *state;
    static const char text[] = REQUEST_HEAD "Subject: I know you're there,\r\n"
                                            "     pick up the phone   \r\n"
                                            "\tand talk to me!\r\n"
                                            "X-Next :   1  \r\n" REQUEST_TAIL;
    assert_parses(m, text);
    const sipua_hdr *h = sipua_msg_find(m, SIPUA_HDR_SUBJECT, NULL);
    assert_non_null(h);
    assert_int_equal(h->line, 8);
    assert_span(h->value, "I know you're there,\r\n     pick up the phone   \r\n\tand talk to me!");
    h = sipua_msg_find_name(m, "X-Next");
    assert_non_null(h);
    assert_int_equal(h->line, 11);
    assert_span(h->name, "X-Next");
    assert_span(h->value, "1");
    assert_int_equal(sipua_msg_find_name(m, "Content-Length")->line, 12);
}

static void test_7_3_3_find_by_long_and_compact_name(void **state)
{
    sipua_msg *m = *state;
    static const char text[] = "INVITE sip:bob@biloxi.com SIP/2.0\r\n"
                               "v: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds\r\n"
                               "t: <sip:bob@biloxi.com>\r\n"
                               "f: <sip:alice@atlanta.com>;tag=1\r\n"
                               "i: a84b4c76e66710\r\n"
                               "CSeq: 1 INVITE\r\n"
                               "m: <sip:alice@pc33.atlanta.com>\r\n"
                               "X-Custom: one\r\n"
                               "x-custom: two\r\n"
                               "c: application/sdp\r\n"
                               "l: 0\r\n"
                               "\r\n";
    assert_parses(m, text);
    const sipua_hdr *h = sipua_msg_find(m, SIPUA_HDR_CALL_ID, NULL);
    assert_non_null(h);
    assert_span(h->name, "i");
    assert_ptr_equal(sipua_msg_find_name(m, "Call-ID"), h);
    assert_ptr_equal(sipua_msg_find_name(m, "call-id"), h);
    assert_ptr_equal(sipua_msg_find_name(m, "i"), h);
    assert_ptr_equal(sipua_msg_find_name(m, "I"), h);
    assert_span(sipua_msg_call_id(m), "a84b4c76e66710");
    assert_ptr_equal(sipua_msg_find_name(m, "Content-Type"), sipua_msg_find_name(m, "c"));
    h = sipua_msg_find_name(m, "x-CUSTOM");
    assert_non_null(h);
    assert_span(h->value, "one");
    assert_null(sipua_msg_find_name(m, "X-Missing"));
    assert_null(sipua_msg_find(m, SIPUA_HDR_EXPIRES, NULL));
    assert_int_equal(sipua_msg_content_length(m), 0);
    assert_int_equal(sipua_msg_contact_count(m), 1);
}

static void test_7_3_1_find_iterates_headers_of_one_id(void **state)
{
    sipua_msg *m = *state;
    static const char text[] = REQUEST_HEAD "X-A: 1\r\n"
                                            "Supported: timer\r\n"
                                            "X-B: 2\r\n"
                                            "k: 100rel\r\n" REQUEST_TAIL;
    assert_parses(m, text);
    size_t from = 0;
    const sipua_hdr *h = sipua_msg_find(m, SIPUA_HDR_SUPPORTED, &from);
    assert_non_null(h);
    assert_span(h->value, "timer");
    assert_int_equal(from, 7);
    from++;
    h = sipua_msg_find(m, SIPUA_HDR_SUPPORTED, &from);
    assert_non_null(h);
    assert_span(h->value, "100rel");
    assert_int_equal(from, 9);
    from++;
    assert_null(sipua_msg_find(m, SIPUA_HDR_SUPPORTED, &from));
    /* extension headers by their id */
    from = 0;
    h = sipua_msg_find(m, SIPUA_HDR_OTHER, &from);
    assert_non_null(h);
    assert_span(h->name, "X-A");
    from++;
    h = sipua_msg_find(m, SIPUA_HDR_OTHER, &from);
    assert_non_null(h);
    assert_span(h->name, "X-B");
}

static void test_7_3_1_next_value_splits_at_commas_outside_quotes_and_angles(void **state)
{
    sipua_msg *m = *state;
    static const char text[] =
        REQUEST_HEAD "Contact: \"Lastname, First\" <sip:first,last@atlanta.com>;q=0.7 ,  "
                     "<sip:c@atlanta.com>\r\n"
                     "m: <sip:d@atlanta.com>\r\n"
                     "Supported: timer, 100rel\r\n"
                     "k: path\r\n" REQUEST_TAIL;
    assert_parses(m, text);
    uint64_t it = 0;
    sipua_str v;
    assert_int_equal(sipua_msg_next_value(m, SIPUA_HDR_CONTACT, &it, &v), 1);
    assert_span(v, "\"Lastname, First\" <sip:first,last@atlanta.com>;q=0.7");
    assert_int_equal(sipua_msg_next_value(m, SIPUA_HDR_CONTACT, &it, &v), 1);
    assert_span(v, "<sip:c@atlanta.com>");
    assert_int_equal(sipua_msg_next_value(m, SIPUA_HDR_CONTACT, &it, &v), 1);
    assert_span(v, "<sip:d@atlanta.com>");
    assert_int_equal(sipua_msg_next_value(m, SIPUA_HDR_CONTACT, &it, &v), 0);
    assert_int_equal(sipua_msg_contact_count(m), 3);
    assert_span(sipua_msg_contact(m, NULL)->uri.user, "first,last");

    static const char *const tags[] = {"timer", "100rel", "path"};
    it = 0;
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(sipua_msg_next_value(m, SIPUA_HDR_SUPPORTED, &it, &v), 1);
        assert_span(v, tags[i]);
    }
    assert_int_equal(sipua_msg_next_value(m, SIPUA_HDR_SUPPORTED, &it, &v), 0);
    it = 0;
    assert_int_equal(sipua_msg_next_value(m, SIPUA_HDR_REQUIRE, &it, &v), 0);
}

/* ------------------------------------------------------------------ */
/* RFC 3261 20: the eager headers                                      */

static void test_20_42_top_via_and_via_count(void **state)
{
    sipua_msg *m = *state;
    static const char text[] =
        "SIP/2.0 200 OK\r\n"
        "Via: SIP/2.0/UDP first.example.com:4000;branch=z9hG4bK1, SIP/2.0/TCP "
        "second.example.com;branch=z9hG4bK2\r\n"
        "To: <sip:bob@biloxi.com>;tag=2\r\n"
        "v: SIP/2.0/UDP third.example.com;branch=z9hG4bK3\r\n"
        "From: <sip:alice@atlanta.com>;tag=1\r\n"
        "Call-ID: x2\r\n"
        "CSeq: 1 OPTIONS\r\n"
        "Content-Length: 0\r\n"
        "\r\n";
    assert_parses(m, text);
    assert_int_equal(sipua_msg_via_count(m), 3);
    const sipua_via *v = sipua_msg_top_via(m);
    assert_non_null(v);
    assert_span(v->host, "first.example.com");
    assert_int_equal(v->port, 4000);
    assert_span(v->branch, "z9hG4bK1");
}

static void test_20_20_from_and_20_39_to(void **state)
{
    sipua_msg *m = *state;
    char display[16];
    assert_parses(m, invite);
    const sipua_nameaddr *from = sipua_msg_from(m), *to = sipua_msg_to(m);
    assert_non_null(from);
    assert_non_null(to);
    assert_span(from->display, "Alice");
    assert_span(from->uri.user, "alice");
    assert_span(from->tag, "1928301774");
    assert_span(to->display, "Bob");
    assert_span(to->tag, NULL);
    assert_int_equal(sipua_nameaddr_display(to, display, sizeof display), 3);
    assert_memory_equal(display, "Bob", 3);
}

static void test_20_8_call_id(void **state)
{
    sipua_msg *m = *state;
    assert_parses(m, invite);
    assert_span(sipua_msg_call_id(m), "a84b4c76e66710@pc33.atlanta.com");
}

static void test_20_16_cseq(void **state)
{
    sipua_msg *m = *state;
    assert_parses(m, invite);
    const sipua_cseq *c = sipua_msg_cseq(m);
    assert_non_null(c);
    assert_int_equal(c->number, 314159);
    assert_int_equal(c->method, SIPUA_METHOD_INVITE);
    assert_span(c->method_str, "INVITE");
}

static void test_20_16_cseq_method_must_match_the_request(void **state)
{
    sipua_msg *m = *state;
    static const char text[] = "INVITE sip:bob@biloxi.com SIP/2.0\r\n"
                               "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds\r\n"
                               "To: <sip:bob@biloxi.com>\r\n"
                               "From: <sip:alice@atlanta.com>;tag=1\r\n"
                               "Call-ID: x3\r\n"
                               "CSeq: 1 ACK\r\n"
                               "\r\n";
    assert_parse_fails(m, text, SIPUA_EPARSE);
    assert_error_at(m, text, "ACK", 6, 9);
    assert_span(sipua_msg_get_error(m)->header, "CSeq");
}

static void test_20_22_max_forwards(void **state)
{
    sipua_msg *m = *state;
    assert_parses(m, invite);
    assert_int_equal(sipua_msg_max_forwards(m), 70);
}

static void test_rfc4475_3_4_1_max_forwards_absent_is_minus_one(void **state)
{
    sipua_msg *m = *state;
    static const char text[] = "INVITE sip:bob@biloxi.com SIP/2.0\r\n"
                               "Via: SIP/2.0/UDP pc33.atlanta.com\r\n"
                               "To: <sip:bob@biloxi.com>\r\n"
                               "From: <sip:alice@atlanta.com>;tag=1\r\n"
                               "Call-ID: x4\r\n"
                               "CSeq: 1 INVITE\r\n"
                               "\r\n";
    assert_parses(m, text);
    assert_int_equal(sipua_msg_max_forwards(m), -1);
}

static void test_20_14_content_length_and_body(void **state)
{
    sipua_msg *m = *state;
    assert_parses(m, invite);
    assert_int_equal(sipua_msg_content_length(m), 5);
    assert_span(sipua_msg_body(m), "v=0\r\n");
}

static void test_18_3_datagram_without_content_length_body_is_the_rest(void **state)
{
    sipua_msg *m = *state;
    static const char text[] = REQUEST_HEAD "\r\nhello";
    assert_parses(m, text);
    assert_int_equal(sipua_msg_content_length(m), -1);
    assert_span(sipua_msg_body(m), "hello");
}

static void test_18_3_datagram_octets_after_the_body_are_ignored(void **state)
{
    sipua_msg *m = *state;
    static const char text[] = REQUEST_HEAD "Content-Length: 2\r\n\r\nhello";
    int r = sipua_msg_parse(m, text, strlen(text), SIPUA_PARSE_DATAGRAM);
    assert_int_equal(r, strlen(text) - 3);
    assert_span(sipua_msg_body(m), "he");
    assert_int_equal(sipua_msg_raw(m).len, strlen(text) - 3);
}

static void test_18_3_datagram_content_length_beyond_the_datagram_is_eparse(void **state)
{
    sipua_msg *m = *state;
    static const char text[] = REQUEST_HEAD "Content-Length: 50\r\n\r\nhello";
    assert_parse_fails(m, text, SIPUA_EPARSE);
}

static void test_20_10_contact_first_and_count(void **state)
{
    sipua_msg *m = *state;
    static const char text[] = REQUEST_HEAD
        "Contact: \"Mr. Watson\" <sip:watson@worcester.bell-telephone.com>;q=0.7;expires=3600,\r\n"
        " \"Mr. Watson\" <mailto:watson@bell-telephone.com>;q=0.1\r\n" REQUEST_TAIL;
    assert_parses(m, text);
    int star = -1;
    const sipua_nameaddr *c = sipua_msg_contact(m, &star);
    assert_non_null(c);
    assert_int_equal(star, 0);
    assert_span(c->uri.host, "worcester.bell-telephone.com");
    assert_span(c->params, "q=0.7;expires=3600");
    assert_int_equal(sipua_msg_contact_count(m), 2);
}

static void test_20_10_contact_star(void **state)
{
    sipua_msg *m = *state;
    static const char text[] = "REGISTER sip:registrar.biloxi.com SIP/2.0\r\n"
                               "Via: SIP/2.0/UDP bobspc.biloxi.com:5060;branch=z9hG4bKnashds7\r\n"
                               "Max-Forwards: 70\r\n"
                               "To: Bob <sip:bob@biloxi.com>\r\n"
                               "From: Bob <sip:bob@biloxi.com>;tag=456248\r\n"
                               "Call-ID: 843817637684230@998sdasdh09\r\n"
                               "CSeq: 1826 REGISTER\r\n"
                               "Contact: *\r\n"
                               "Expires: 0\r\n"
                               "Content-Length: 0\r\n"
                               "\r\n";
    assert_parses(m, text);
    int star = 0;
    assert_null(sipua_msg_contact(m, &star));
    assert_int_equal(star, 1);
    uint32_t expires = 99;
    assert_rc(sipua_msg_expires(m, &expires), 0);
    assert_int_equal(expires, 0);
}

static void test_20_10_contact_star_must_be_alone(void **state)
{
    sipua_msg *m = *state;
    static const char text[] = REQUEST_HEAD "Contact: *\r\n"
                                            "Contact: <sip:bob@192.0.2.4>\r\n" REQUEST_TAIL;
    assert_parse_fails(m, text, SIPUA_EPARSE);
    assert_span(sipua_msg_get_error(m)->header, "Contact");
    assert_int_equal(sipua_msg_get_error(m)->line, 9);
}

static void test_20_34_route_and_20_30_record_route_counts(void **state)
{
    sipua_msg *m = *state;
    static const char text[] =
        REQUEST_HEAD "Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>\r\n"
                     "Record-Route: <sip:p4.example.com;lr>\r\n"
                     "Route: \"proxy 3\" <sip:p3.example.com;lr>\r\n" REQUEST_TAIL;
    assert_parses(m, text);
    assert_int_equal(sipua_msg_route_count(m), 3);
    assert_int_equal(sipua_msg_record_route_count(m), 1);
    uint64_t it = 0;
    sipua_str v;
    assert_int_equal(sipua_msg_next_value(m, SIPUA_HDR_ROUTE, &it, &v), 1);
    assert_span(v, "<sip:p1.example.com;lr>");
}

static void test_20_34_route_needs_angle_brackets(void **state)
{
    sipua_msg *m = *state;
    static const char text[] = REQUEST_HEAD "Route: sip:p1.example.com;lr\r\n" REQUEST_TAIL;
    assert_parse_fails(m, text, SIPUA_EPARSE);
    assert_span(sipua_msg_get_error(m)->header, "Route");
}

/* ------------------------------------------------------------------ */
/* Lazily parsed headers                                               */

static void test_20_15_content_type(void **state)
{
    sipua_msg *m = *state;
    sipua_media_type mt;
    assert_parses(m, invite);
    assert_rc(sipua_msg_content_type(m, &mt), 0);
    assert_span(mt.type, "application");
    assert_span(mt.subtype, "sdp");
    assert_span(mt.params, NULL);
    static const char text[] =
        REQUEST_HEAD "c: multipart/mixed;boundary=unique-boundary-1\r\n" REQUEST_TAIL;
    assert_parses(m, text);
    assert_rc(sipua_msg_content_type(m, &mt), 0);
    assert_span(mt.type, "multipart");
    assert_span(mt.subtype, "mixed");
    assert_span(mt.params, "boundary=unique-boundary-1");
}

static void test_25_1_params_span_starts_at_the_first_name_after_semi_and_lws(void **state)
{
    sipua_msg *m = *state;
    sipua_media_type mt;
    sipua_event_hdr ev;
    sipua_nameaddr na;
    /* SEMI = SWS ";" SWS: the blanks around ';' are not part of a parameter */
    static const char text[] = REQUEST_HEAD "Content-Type: multipart/mixed ; boundary=b1\r\n"
                                            "Event: dialog ; id=1234\r\n" REQUEST_TAIL;
    assert_parses(m, text);
    assert_rc(sipua_msg_content_type(m, &mt), 0);
    assert_span(mt.params, "boundary=b1");
    assert_rc(sipua_msg_event(m, &ev), 0);
    assert_span(ev.params, "id=1234");
    assert_rc(sipua_nameaddr_parse(span("<sip:alice@atlanta.com> ; tag=1928"), &na), 0);
    assert_span(na.params, "tag=1928");
}

static void test_20_15_content_type_malformed(void **state)
{
    sipua_msg *m = *state;
    sipua_media_type mt;
    static const char no_subtype[] = REQUEST_HEAD "Content-Type: application\r\n" REQUEST_TAIL;
    assert_parses(m, no_subtype);
    assert_rc(sipua_msg_content_type(m, &mt), SIPUA_EPARSE);
    static const char no_type[] = REQUEST_HEAD "Content-Type: /sdp\r\n" REQUEST_TAIL;
    assert_parses(m, no_type);
    assert_rc(sipua_msg_content_type(m, &mt), SIPUA_EPARSE);
}

static void test_20_19_expires(void **state)
{
    sipua_msg *m = *state;
    uint32_t v = 0;
    static const char text[] = REQUEST_HEAD "Expires: 4294967295\r\n" REQUEST_TAIL;
    assert_parses(m, text);
    assert_rc(sipua_msg_expires(m, &v), 0);
    assert_int_equal(v, 4294967295u);
}

static void test_20_19_expires_malformed(void **state)
{
    sipua_msg *m = *state;
    uint32_t v;
    static const char text[] = REQUEST_HEAD "Expires: soon\r\n" REQUEST_TAIL;
    assert_parses(m, text);
    assert_rc(sipua_msg_expires(m, &v), SIPUA_EPARSE);
    static const char trailing[] = REQUEST_HEAD "Expires: 60 s\r\n" REQUEST_TAIL;
    assert_parses(m, trailing);
    assert_rc(sipua_msg_expires(m, &v), SIPUA_EPARSE);
}

static void test_rfc3262_7_1_rseq(void **state)
{
    sipua_msg *m = *state;
    uint32_t v = 0;
    static const char text[] =
        RESPONSE_HEAD("183 Session Progress") "RSeq: 988789\r\n" REQUEST_TAIL;
    assert_parses(m, text);
    assert_rc(sipua_msg_rseq(m, &v), 0);
    assert_int_equal(v, 988789);
}

static void test_rfc3262_7_1_rseq_is_1_to_2_pow_31_minus_1(void **state)
{
    sipua_msg *m = *state;
    uint32_t v;
    static const char zero[] = RESPONSE_HEAD("183 Session Progress") "RSeq: 0\r\n" REQUEST_TAIL;
    assert_parses(m, zero);
    assert_rc(sipua_msg_rseq(m, &v), SIPUA_EPARSE);
    static const char big[] =
        RESPONSE_HEAD("183 Session Progress") "RSeq: 2147483648\r\n" REQUEST_TAIL;
    assert_parses(m, big);
    assert_rc(sipua_msg_rseq(m, &v), SIPUA_EPARSE);
}

static void test_rfc3262_7_2_rack(void **state)
{
    sipua_msg *m = *state;
    sipua_rack r;
    static const char text[] = "PRACK sip:bob@biloxi.com SIP/2.0\r\n"
                               "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds\r\n"
                               "To: <sip:bob@biloxi.com>;tag=2\r\n"
                               "From: <sip:alice@atlanta.com>;tag=1\r\n"
                               "Call-ID: x5\r\n"
                               "CSeq: 2 PRACK\r\n"
                               "RAck: 776656 1 INVITE\r\n"
                               "\r\n";
    assert_parses(m, text);
    assert_rc(sipua_msg_rack(m, &r), 0);
    assert_int_equal(r.rseq, 776656);
    assert_int_equal(r.cseq, 1);
    assert_int_equal(r.method, SIPUA_METHOD_INVITE);
    assert_span(r.method_str, "INVITE");
}

static void test_rfc3262_7_2_rack_malformed(void **state)
{
    sipua_msg *m = *state;
    sipua_rack r;
    static const char text[] = REQUEST_HEAD "RAck: 776656 INVITE\r\n" REQUEST_TAIL;
    assert_parses(m, text);
    assert_rc(sipua_msg_rack(m, &r), SIPUA_EPARSE);
}

static void test_rfc3515_2_1_refer_to(void **state)
{
    sipua_msg *m = *state;
    sipua_nameaddr na;
    static const char text[] = REQUEST_HEAD "Refer-To: <sip:carol@chicago.com?Replaces="
                                            "a84b4c76e66710%3Bto-tag%3D314159>\r\n" REQUEST_TAIL;
    assert_parses(m, text);
    assert_rc(sipua_msg_refer_to(m, &na), 0);
    assert_int_equal(na.bracketed, 1);
    assert_span(na.uri.user, "carol");
    assert_span(na.uri.headers, "Replaces=a84b4c76e66710%3Bto-tag%3D314159");
    static const char compact[] = REQUEST_HEAD "r: sip:carol@chicago.com\r\n" REQUEST_TAIL;
    assert_parses(m, compact);
    assert_rc(sipua_msg_refer_to(m, &na), 0);
    assert_int_equal(na.bracketed, 0);
    assert_span(na.uri.host, "chicago.com");
}

static void test_rfc3515_2_1_refer_to_malformed(void **state)
{
    sipua_msg *m = *state;
    sipua_nameaddr na;
    static const char text[] =
        REQUEST_HEAD "Refer-To: sip:carol@chicago.com?Replaces=x\r\n" REQUEST_TAIL;
    assert_parses(m, text);
    assert_rc(sipua_msg_refer_to(m, &na), SIPUA_EPARSE);
}

static void test_rfc3892_3_referred_by(void **state)
{
    sipua_msg *m = *state;
    sipua_nameaddr na;
    static const char text[] = REQUEST_HEAD "b: \"Alice\" <sip:alice@atlanta.com>\r\n" REQUEST_TAIL;
    assert_parses(m, text);
    assert_rc(sipua_msg_referred_by(m, &na), 0);
    assert_span(na.display, "\"Alice\"");
    assert_span(na.uri.user, "alice");
}

static void test_rfc3892_3_referred_by_malformed(void **state)
{
    sipua_msg *m = *state;
    sipua_nameaddr na;
    static const char text[] = REQUEST_HEAD "Referred-By: <sip:alice@atlanta.com\r\n" REQUEST_TAIL;
    assert_parses(m, text);
    assert_rc(sipua_msg_referred_by(m, &na), SIPUA_EPARSE);
}

static void test_rfc6665_8_2_1_event_with_id(void **state)
{
    sipua_msg *m = *state;
    sipua_event_hdr ev;
    static const char text[] = REQUEST_HEAD "Event: dialog;id=1234;x=y\r\n" REQUEST_TAIL;
    assert_parses(m, text);
    assert_rc(sipua_msg_event(m, &ev), 0);
    assert_span(ev.package, "dialog");
    assert_span(ev.id, "1234");
    assert_span(ev.params, "id=1234;x=y");
    static const char compact[] = REQUEST_HEAD "o: presence.winfo\r\n" REQUEST_TAIL;
    assert_parses(m, compact);
    assert_rc(sipua_msg_event(m, &ev), 0);
    assert_span(ev.package, "presence.winfo");
    assert_span(ev.id, NULL);
}

static void test_rfc6665_8_2_1_event_malformed(void **state)
{
    sipua_msg *m = *state;
    sipua_event_hdr ev;
    static const char text[] = REQUEST_HEAD "Event: ;id=1\r\n" REQUEST_TAIL;
    assert_parses(m, text);
    assert_rc(sipua_msg_event(m, &ev), SIPUA_EPARSE);
}

static void test_rfc6665_8_2_3_subscription_state_active(void **state)
{
    sipua_msg *m = *state;
    sipua_substate ss;
    static const char text[] =
        REQUEST_HEAD "Subscription-State: active;expires=600\r\n" REQUEST_TAIL;
    assert_parses(m, text);
    assert_rc(sipua_msg_subscription_state(m, &ss), 0);
    assert_span(ss.state, "active");
    assert_int_equal(ss.expires, 600);
    assert_int_equal(ss.retry_after, -1);
    assert_span(ss.reason, NULL);
    assert_span(ss.params, "expires=600");
}

static void test_rfc6665_8_2_3_subscription_state_terminated(void **state)
{
    sipua_msg *m = *state;
    sipua_substate ss;
    static const char text[] = REQUEST_HEAD
        "Subscription-State: terminated;reason=timeout;retry-after=120\r\n" REQUEST_TAIL;
    assert_parses(m, text);
    assert_rc(sipua_msg_subscription_state(m, &ss), 0);
    assert_span(ss.state, "terminated");
    assert_span(ss.reason, "timeout");
    assert_int_equal(ss.retry_after, 120);
    assert_int_equal(ss.expires, -1);
}

static void test_rfc6665_8_2_3_subscription_state_malformed(void **state)
{
    sipua_msg *m = *state;
    sipua_substate ss;
    static const char text[] = REQUEST_HEAD "Subscription-State: ;expires=600\r\n" REQUEST_TAIL;
    assert_parses(m, text);
    assert_rc(sipua_msg_subscription_state(m, &ss), SIPUA_EPARSE);
}

static void test_rfc6665_8_2_3_subscription_state_expires_must_be_delta_seconds(void **state)
{
    sipua_msg *m = *state;
    sipua_substate ss;
    static const char text[] =
        REQUEST_HEAD "Subscription-State: active;expires=soon\r\n" REQUEST_TAIL;
    assert_parses(m, text);
    /* subexp-params: "expires" EQUAL delta-seconds */
    assert_rc(sipua_msg_subscription_state(m, &ss), SIPUA_EPARSE);
}

static void test_rfc3326_2_reason_with_cause_and_text(void **state)
{
    sipua_msg *m = *state;
    sipua_reason r;
    static const char text[] =
        REQUEST_HEAD "Reason: Q.850 ;cause=16 ;text=\"Terminated\"\r\n" REQUEST_TAIL;
    assert_parses(m, text);
    assert_rc(sipua_msg_reason_hdr(m, &r), 0);
    assert_span(r.protocol, "Q.850");
    assert_int_equal(r.cause, 16);
    assert_span(r.text, "Terminated");
    static const char sip[] = REQUEST_HEAD "Reason: SIP;cause=200;text=\"Call completed "
                                           "elsewhere\"\r\n" REQUEST_TAIL;
    assert_parses(m, sip);
    assert_rc(sipua_msg_reason_hdr(m, &r), 0);
    assert_span(r.protocol, "SIP");
    assert_int_equal(r.cause, 200);
    assert_span(r.text, "Call completed elsewhere");
}

static void test_rfc3326_2_reason_malformed(void **state)
{
    sipua_msg *m = *state;
    sipua_reason r;
    static const char text[] = REQUEST_HEAD "Reason: ;cause=16\r\n" REQUEST_TAIL;
    assert_parses(m, text);
    assert_rc(sipua_msg_reason_hdr(m, &r), SIPUA_EPARSE);
}

static void test_rfc3326_2_reason_cause_must_be_digits(void **state)
{
    sipua_msg *m = *state;
    sipua_reason r;
    static const char text[] = REQUEST_HEAD "Reason: Q.850;cause=normal\r\n" REQUEST_TAIL;
    assert_parses(m, text);
    /* protocol-cause = "cause" EQUAL cause; cause = 1*DIGIT */
    assert_rc(sipua_msg_reason_hdr(m, &r), SIPUA_EPARSE);
}

#define DIGEST_CREDENTIALS                                                                         \
    "Digest username=\"bob\", realm=\"biloxi.com\",\r\n"                                           \
    "  nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"sip:bob@biloxi.com\",\r\n"              \
    "  qop=auth, nc=00000001, cnonce=\"0a4f113b\",\r\n"                                            \
    "  response=\"6629fae49393a05397450978507c4ef1\",\r\n"                                         \
    "  opaque=\"5ccc069c403ebaf9f0171e9517f40e41\""

static void test_20_7_authorization(void **state)
{
    sipua_msg *m = *state;
    sipua_auth a;
    static const char text[] =
        REQUEST_HEAD "Authorization: " DIGEST_CREDENTIALS "\r\n" REQUEST_TAIL;
    assert_parses(m, text);
    assert_rc(sipua_msg_auth(m, SIPUA_HDR_AUTHORIZATION, 0, &a), 0);
    assert_span(a.scheme, "Digest");
    assert_span(a.username, "bob");
    assert_span(a.realm, "biloxi.com");
    assert_span(a.nonce, "dcd98b7102dd2f0e8b11d0f600bfb0c093");
    assert_span(a.uri, "sip:bob@biloxi.com");
    assert_span(a.qop, "auth");
    assert_span(a.nc, "00000001");
    assert_span(a.cnonce, "0a4f113b");
    assert_span(a.response, "6629fae49393a05397450978507c4ef1");
    assert_span(a.opaque, "5ccc069c403ebaf9f0171e9517f40e41");
    assert_span(a.algorithm, NULL);
}

static void test_20_28_proxy_authorization(void **state)
{
    sipua_msg *m = *state;
    sipua_auth a;
    static const char text[] =
        REQUEST_HEAD "Proxy-Authorization: Digest username=\"alice\", realm=\"atlanta.com\", "
                     "nonce=\"wf84f1ceczx41ae6cbe5aea9c8e88d359\", uri=\"sip:bob@biloxi.com\", "
                     "response=\"42ce3cef44b22f50c6a6071bc8\"\r\n" REQUEST_TAIL;
    assert_parses(m, text);
    assert_rc(sipua_msg_auth(m, SIPUA_HDR_PROXY_AUTHORIZATION, 0, &a), 0);
    assert_span(a.username, "alice");
    assert_span(a.realm, "atlanta.com");
    assert_span(a.response, "42ce3cef44b22f50c6a6071bc8");
    assert_rc(sipua_msg_auth(m, SIPUA_HDR_AUTHORIZATION, 0, &a), SIPUA_ENOTFOUND);
}

static void test_20_44_www_authenticate(void **state)
{
    sipua_msg *m = *state;
    sipua_auth a;
    static const char text[] =
        RESPONSE_HEAD("401 Unauthorized") "WWW-Authenticate: Digest realm=\"atlanta.com\", "
                                          "domain=\"sip:boxesbybob.com\", "
                                          "qop=\"auth\", nonce=\"f84f1cec41e6cbe5aea9c8e88d359\", "
                                          "opaque=\"\", stale=FALSE, "
                                          "algorithm=MD5\r\n" REQUEST_TAIL;
    assert_parses(m, text);
    assert_rc(sipua_msg_auth(m, SIPUA_HDR_WWW_AUTHENTICATE, 0, &a), 0);
    assert_span(a.scheme, "Digest");
    assert_span(a.realm, "atlanta.com");
    assert_span(a.domain, "sip:boxesbybob.com");
    assert_span(a.qop, "auth");
    assert_span(a.opaque, "");
    assert_span(a.stale, "FALSE");
    assert_span(a.algorithm, "MD5");
}

static void test_20_27_proxy_authenticate_by_index(void **state)
{
    sipua_msg *m = *state;
    sipua_auth a;
    static const char text[] = RESPONSE_HEAD(
        "407 Proxy Authentication Required") "Proxy-Authenticate: Digest realm=\"atlanta.com\", "
                                             "nonce=\"1\"\r\n"
                                             "Proxy-Authenticate: Digest realm=\"biloxi.com\", "
                                             "nonce=\"2\"\r\n" REQUEST_TAIL;
    assert_parses(m, text);
    assert_rc(sipua_msg_auth(m, SIPUA_HDR_PROXY_AUTHENTICATE, 0, &a), 0);
    assert_span(a.realm, "atlanta.com");
    assert_rc(sipua_msg_auth(m, SIPUA_HDR_PROXY_AUTHENTICATE, 1, &a), 0);
    assert_span(a.realm, "biloxi.com");
    assert_span(a.nonce, "2");
    assert_rc(sipua_msg_auth(m, SIPUA_HDR_PROXY_AUTHENTICATE, 2, &a), SIPUA_ENOTFOUND);
}

static void test_20_7_malformed_credentials_are_eparse(void **state)
{
    sipua_msg *m = *state;
    sipua_auth a;
    static const char text[] = REQUEST_HEAD "Authorization: Digest username=\"bob\r\n" REQUEST_TAIL;
    assert_parses(m, text);
    assert_rc(sipua_msg_auth(m, SIPUA_HDR_AUTHORIZATION, 0, &a), SIPUA_EPARSE);
    static const char www[] =
        RESPONSE_HEAD("401 Unauthorized") "WWW-Authenticate: Digest realm=\"atlanta.com\", "
                                          "nonce\r\n" REQUEST_TAIL;
    assert_parses(m, www);
    assert_rc(sipua_msg_auth(m, SIPUA_HDR_WWW_AUTHENTICATE, 0, &a), SIPUA_EPARSE);
}

static void test_api_auth_is_only_for_the_four_auth_headers(void **state)
{
    sipua_msg *m = *state;
    sipua_auth a;
    assert_parses(m, invite);
    assert_rc(sipua_msg_auth(m, SIPUA_HDR_VIA, 0, &a), SIPUA_EINVAL);
    assert_rc(sipua_msg_auth(m, SIPUA_HDR_AUTHENTICATION_INFO, 0, &a), SIPUA_EINVAL);
    assert_rc(sipua_msg_auth(m, SIPUA_HDR_COUNT_, 0, &a), SIPUA_EINVAL);
}

static void test_rfc7235_2_1_auth_parse_scheme_and_token68(void **state)
{
    (void)state;
    sipua_auth a;
    assert_rc(sipua_auth_parse(span("Digest realm=\"atlanta.com\", nonce=\"84a4cc6f\""), &a), 0);
    assert_span(a.scheme, "Digest");
    assert_span(a.realm, "atlanta.com");
    assert_span(a.params, "realm=\"atlanta.com\", nonce=\"84a4cc6f\"");
    assert_rc(sipua_auth_parse(span("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="), &a), 0);
    assert_span(a.scheme, "Basic");
    assert_rc(sipua_auth_parse(span(""), &a), SIPUA_EPARSE);
    assert_rc(sipua_auth_parse(span("Digest realm=\"a\",, nonce=\"b\""), &a), SIPUA_EPARSE);
}

static void test_20_37_has_option_supported_across_headers(void **state)
{
    sipua_msg *m = *state;
    static const char text[] = REQUEST_HEAD "Supported: 100rel, timer\r\n"
                                            "k: path\r\n" REQUEST_TAIL;
    assert_parses(m, text);
    assert_int_equal(sipua_msg_has_option(m, SIPUA_HDR_SUPPORTED, "100rel"), 1);
    assert_int_equal(sipua_msg_has_option(m, SIPUA_HDR_SUPPORTED, "TIMER"), 1);
    assert_int_equal(sipua_msg_has_option(m, SIPUA_HDR_SUPPORTED, "path"), 1);
    assert_int_equal(sipua_msg_has_option(m, SIPUA_HDR_SUPPORTED, "100"), 0);
    assert_int_equal(sipua_msg_has_option(m, SIPUA_HDR_SUPPORTED, "replaces"), 0);
    assert_int_equal(sipua_msg_has_option(m, SIPUA_HDR_REQUIRE, "100rel"), 0);
}

static void test_20_32_has_option_require_and_proxy_require(void **state)
{
    sipua_msg *m = *state;
    static const char text[] = REQUEST_HEAD "Require: 100rel\r\n"
                                            "Require: precondition\r\n"
                                            "Proxy-Require: foo\r\n"
                                            "Unsupported: bar\r\n" REQUEST_TAIL;
    assert_parses(m, text);
    assert_int_equal(sipua_msg_has_option(m, SIPUA_HDR_REQUIRE, "100rel"), 1);
    assert_int_equal(sipua_msg_has_option(m, SIPUA_HDR_REQUIRE, "precondition"), 1);
    assert_int_equal(sipua_msg_has_option(m, SIPUA_HDR_REQUIRE, "foo"), 0);
    assert_int_equal(sipua_msg_has_option(m, SIPUA_HDR_PROXY_REQUIRE, "foo"), 1);
    assert_int_equal(sipua_msg_has_option(m, SIPUA_HDR_UNSUPPORTED, "bar"), 1);
}

static void test_api_lazy_getters_absent_are_enotfound(void **state)
{
    sipua_msg *m = *state;
    sipua_media_type mt;
    uint32_t u;
    sipua_rack rk;
    sipua_nameaddr na;
    sipua_event_hdr ev;
    sipua_substate ss;
    sipua_reason rs;
    sipua_auth au;
    static const char text[] = REQUEST_HEAD REQUEST_TAIL;
    assert_parses(m, text);
    assert_rc(sipua_msg_content_type(m, &mt), SIPUA_ENOTFOUND);
    assert_rc(sipua_msg_expires(m, &u), SIPUA_ENOTFOUND);
    assert_rc(sipua_msg_rseq(m, &u), SIPUA_ENOTFOUND);
    assert_rc(sipua_msg_rack(m, &rk), SIPUA_ENOTFOUND);
    assert_rc(sipua_msg_refer_to(m, &na), SIPUA_ENOTFOUND);
    assert_rc(sipua_msg_referred_by(m, &na), SIPUA_ENOTFOUND);
    assert_rc(sipua_msg_event(m, &ev), SIPUA_ENOTFOUND);
    assert_rc(sipua_msg_subscription_state(m, &ss), SIPUA_ENOTFOUND);
    assert_rc(sipua_msg_reason_hdr(m, &rs), SIPUA_ENOTFOUND);
    assert_rc(sipua_msg_auth(m, SIPUA_HDR_AUTHORIZATION, 0, &au), SIPUA_ENOTFOUND);
    assert_rc(sipua_msg_auth(m, SIPUA_HDR_PROXY_AUTHORIZATION, 0, &au), SIPUA_ENOTFOUND);
    assert_rc(sipua_msg_auth(m, SIPUA_HDR_WWW_AUTHENTICATE, 0, &au), SIPUA_ENOTFOUND);
    assert_rc(sipua_msg_auth(m, SIPUA_HDR_PROXY_AUTHENTICATE, 0, &au), SIPUA_ENOTFOUND);
    assert_int_equal(sipua_msg_has_option(m, SIPUA_HDR_SUPPORTED, "timer"), 0);
}

/* ------------------------------------------------------------------ */
/* sipua_msg_parse_all() and error positions                           */

static void test_api_parse_all_accepts_a_well_formed_message(void **state)
{
    sipua_msg *m = *state;
    assert_parses(m, invite);
    assert_rc(sipua_msg_parse_all(m), 0);
    assert_int_equal(sipua_msg_get_error(m)->code, 0);
}

static void test_api_parse_all_names_the_malformed_lazy_header(void **state)
{
    sipua_msg *m = *state;
    static const char text[] = REQUEST_HEAD "Subject: hi\r\n"
                                            "Expires: soon\r\n" REQUEST_TAIL;
    assert_parses(m, text); /* Expires is left for later */
    assert_rc(sipua_msg_parse_all(m), SIPUA_EPARSE);
    const sipua_msg_error *e = sipua_msg_get_error(m);
    assert_int_equal(e->code, SIPUA_EPARSE);
    assert_span(e->header, "Expires");
    assert_error_at(m, text, "soon", 9, 10);
}

static void test_api_parse_all_without_a_message_is_einval(void **state)
{
    sipua_msg *m = *state;
    assert_rc(sipua_msg_parse_all(m), SIPUA_EINVAL);
}

static void test_7_1_one_sp_between_method_and_uri(void **state)
{
    sipua_msg *m = *state;
    static const char text[] = "INVITE  sip:bob@biloxi.com SIP/2.0\r\n"
                               "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds\r\n"
                               "To: <sip:bob@biloxi.com>\r\n"
                               "From: <sip:alice@atlanta.com>;tag=1\r\n"
                               "Call-ID: x6\r\n"
                               "CSeq: 1 INVITE\r\n"
                               "\r\n";
    assert_parse_fails(m, text, SIPUA_EPARSE);
    assert_error_at(m, text, " sip:", 1, 8);
    assert_span(sipua_msg_get_error(m)->header, NULL);
    assert_int_equal(sipua_msg_is_request(m), 1);
    assert_int_equal(sipua_msg_method(m), SIPUA_METHOD_INVITE);
}

static void test_7_2_status_code_above_699_position(void **state)
{
    sipua_msg *m = *state;
    static const char text[] = RESPONSE_HEAD("700 Out Of Range") REQUEST_TAIL;
    assert_parse_fails(m, text, SIPUA_EPARSE);
    assert_error_at(m, text, "700", 1, 9);
}

static void test_20_22_max_forwards_above_255_position(void **state)
{
    sipua_msg *m = *state;
    static const char text[] = "OPTIONS sip:carol@chicago.com SIP/2.0\r\n"
                               "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKhjhs8ass877\r\n"
                               "Max-Forwards: 256\r\n"
                               "To: <sip:carol@chicago.com>\r\n"
                               "From: <sip:alice@atlanta.com>;tag=1928301774\r\n"
                               "Call-ID: a84b4c76e66710\r\n"
                               "CSeq: 63104 OPTIONS\r\n"
                               "\r\n";
    assert_parse_fails(m, text, SIPUA_EPARSE);
    assert_error_at(m, text, "256", 3, 15);
    assert_span(sipua_msg_get_error(m)->header, "Max-Forwards");
}

static void test_25_1_via_empty_param_position_and_message_still_readable(void **state)
{
    sipua_msg *m = *state;
    static const char text[] = "OPTIONS sip:carol@chicago.com SIP/2.0\r\n"
                               "v: SIP/2.0/UDP h;;branch=z9hG4bK1\r\n"
                               "To: <sip:carol@chicago.com>\r\n"
                               "From: <sip:alice@atlanta.com>;tag=1928301774\r\n"
                               "Call-ID: a84b4c76e66710\r\n"
                               "CSeq: 63104 OPTIONS\r\n"
                               "\r\n";
    assert_parse_fails(m, text, SIPUA_EPARSE);
    assert_error_at(m, text, ";branch", 2, 18);
    assert_span(sipua_msg_get_error(m)->header, "v");
    /* what is needed to answer 400 */
    assert_int_equal(sipua_msg_method(m), SIPUA_METHOD_OPTIONS);
    assert_span(sipua_msg_call_id(m), "a84b4c76e66710");
    assert_int_equal(sipua_msg_cseq(m)->number, 63104);
}

static void test_7_3_1_header_without_colon_position(void **state)
{
    sipua_msg *m = *state;
    static const char text[] = REQUEST_HEAD "Subject hello\r\n" REQUEST_TAIL;
    assert_parse_fails(m, text, SIPUA_EPARSE);
    assert_error_at(m, text, "Subject hello", 8, 1);
}

static void test_8_1_1_missing_call_id_is_eparse(void **state)
{
    sipua_msg *m = *state;
    static const char text[] = "OPTIONS sip:carol@chicago.com SIP/2.0\r\n"
                               "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKhjhs8ass877\r\n"
                               "To: <sip:carol@chicago.com>\r\n"
                               "From: <sip:alice@atlanta.com>;tag=1928301774\r\n"
                               "CSeq: 63104 OPTIONS\r\n"
                               "\r\n";
    assert_parse_fails(m, text, SIPUA_EPARSE);
    assert_non_null(strstr(sipua_msg_get_error(m)->reason, "Call-ID"));
}

/* ------------------------------------------------------------------ */
/* Limits                                                              */

static void test_api_limits_defaults(void **state)
{
    (void)state;
    sipua_msg_limits l;
    memset(&l, 0xab, sizeof l);
    sipua_msg_limits_init(&l);
    assert_int_equal(l.version, SIPUA_MSG_LIMITS_VERSION);
    assert_int_equal(l.max_message, 65535);
    assert_int_equal(l.max_headers, 128);
    assert_int_equal(l.max_header_len, 8192);
    assert_int_equal(l.max_body, 65535);
    assert_int_equal(l.max_via, 64);
}

/* Parses `text` with one limit changed: `ok_value` passes, one less fails. */
#define assert_limit(field, ok_value, text)                                                        \
    check_limit(offsetof(sipua_msg_limits, field), (ok_value), (text), #field, __FILE__, __LINE__)

static void check_limit(size_t field, size_t ok_value, const char *text, const char *name,
                        const char *file, int line)
{
    for (size_t v = ok_value - 1; v <= ok_value; v++) {
        sipua_msg_limits l;
        sipua_msg_limits_init(&l);
        memcpy((char *)&l + field, &v, sizeof v);
        sipua_msg *m = sipua_msg_new(&l, NULL);
        assert_non_null(m);
        int r = sipua_msg_parse(m, text, strlen(text), SIPUA_PARSE_DATAGRAM);
        int want = v == ok_value ? (int)strlen(text) : SIPUA_ELIMIT;
        const sipua_msg_error *e = sipua_msg_get_error(m);
        if (r != want || (want == SIPUA_ELIMIT && (e->code != SIPUA_ELIMIT || !e->reason))) {
            print_error("%s = %zu: parse returned %d (%s: \"%s\"), expected %d (%s)\n", name, v, r,
                        rc_name(r), e->reason ? e->reason : "", want, rc_name(want));
            sipua_msg_free(m);
            _fail(file, line);
            return;
        }
        sipua_msg_free(m);
    }
}

static void test_api_limit_max_headers(void **state)
{
    (void)state;
    assert_limit(max_headers, 9, invite);
}

static void test_api_limit_max_via(void **state)
{
    (void)state;
    static const char text[] = "OPTIONS sip:carol@chicago.com SIP/2.0\r\n"
                               "Via: SIP/2.0/UDP a.example.com, SIP/2.0/UDP b.example.com\r\n"
                               "v: SIP/2.0/UDP c.example.com\r\n"
                               "To: <sip:carol@chicago.com>\r\n"
                               "From: <sip:alice@atlanta.com>;tag=1928301774\r\n"
                               "Call-ID: a84b4c76e66710\r\n"
                               "CSeq: 63104 OPTIONS\r\n"
                               "\r\n";
    assert_limit(max_via, 3, text);
}

static void test_api_limit_max_header_len_counts_name_and_value(void **state)
{
    (void)state;
    /* the Via field is the longest: a field of exactly the limit passes */
    assert_limit(max_header_len, sizeof INVITE_VIA - 1, invite);
}

static void test_api_limit_max_body(void **state)
{
    (void)state;
    assert_limit(max_body, 5, invite);
}

static void test_api_limit_max_message(void **state)
{
    (void)state;
    assert_limit(max_message, sizeof invite - 1, invite);
}

/* ------------------------------------------------------------------ */
/* NULL arguments                                                      */

static void test_api_null_arguments_are_einval(void **state)
{
    sipua_msg *m = *state;
    sipua_auth au;
    sipua_framer f;
    size_t skip, len;
    sipua_str none = {NULL, 0};
    assert_rc(sipua_msg_parse(NULL, invite, strlen(invite), SIPUA_PARSE_DATAGRAM), SIPUA_EINVAL);
    assert_rc(sipua_msg_parse(m, NULL, 10, SIPUA_PARSE_DATAGRAM), SIPUA_EINVAL);
    assert_rc(sipua_msg_parse_all(NULL), SIPUA_EINVAL);
    assert_parses(m, invite);
    assert_rc(sipua_msg_content_type(m, NULL), SIPUA_EINVAL);
    assert_rc(sipua_msg_expires(m, NULL), SIPUA_EINVAL);
    assert_rc(sipua_msg_rseq(m, NULL), SIPUA_EINVAL);
    assert_rc(sipua_msg_rack(m, NULL), SIPUA_EINVAL);
    assert_rc(sipua_msg_refer_to(m, NULL), SIPUA_EINVAL);
    assert_rc(sipua_msg_referred_by(m, NULL), SIPUA_EINVAL);
    assert_rc(sipua_msg_event(m, NULL), SIPUA_EINVAL);
    assert_rc(sipua_msg_subscription_state(m, NULL), SIPUA_EINVAL);
    assert_rc(sipua_msg_reason_hdr(m, NULL), SIPUA_EINVAL);
    assert_rc(sipua_msg_auth(m, SIPUA_HDR_AUTHORIZATION, 0, NULL), SIPUA_EINVAL);
    assert_rc(sipua_msg_auth(NULL, SIPUA_HDR_AUTHORIZATION, 0, &au), SIPUA_EINVAL);
    assert_rc(sipua_auth_parse(span("Digest realm=\"a\""), NULL), SIPUA_EINVAL);
    assert_rc(sipua_auth_parse(none, &au), SIPUA_EINVAL);
    sipua_framer_init(&f);
    assert_rc(sipua_framer_next(NULL, NULL, "x", 1, &skip, &len), SIPUA_EINVAL);
    assert_rc(sipua_framer_next(&f, NULL, NULL, 1, &skip, &len), SIPUA_EINVAL);
    assert_rc(sipua_framer_next(&f, NULL, "x", 1, NULL, &len), SIPUA_EINVAL);
    assert_rc(sipua_framer_next(&f, NULL, "x", 1, &skip, NULL), SIPUA_EINVAL);
    sipua_framer_init(NULL);
    sipua_msg_limits_init(NULL);
    sipua_msg_free(NULL);
}

static void test_api_lazy_getters_with_null_message_are_einval(void **state)
{
    (void)state;
    sipua_media_type mt;
    uint32_t u;
    sipua_rack rk;
    sipua_nameaddr na;
    sipua_event_hdr ev;
    sipua_substate ss;
    sipua_reason rs;
    assert_rc(sipua_msg_content_type(NULL, &mt), SIPUA_EINVAL);
    assert_rc(sipua_msg_expires(NULL, &u), SIPUA_EINVAL);
    assert_rc(sipua_msg_rseq(NULL, &u), SIPUA_EINVAL);
    assert_rc(sipua_msg_rack(NULL, &rk), SIPUA_EINVAL);
    assert_rc(sipua_msg_refer_to(NULL, &na), SIPUA_EINVAL);
    assert_rc(sipua_msg_referred_by(NULL, &na), SIPUA_EINVAL);
    assert_rc(sipua_msg_event(NULL, &ev), SIPUA_EINVAL);
    assert_rc(sipua_msg_subscription_state(NULL, &ss), SIPUA_EINVAL);
    assert_rc(sipua_msg_reason_hdr(NULL, &rs), SIPUA_EINVAL);
}

static void test_api_accessors_tolerate_a_null_message(void **state)
{
    sipua_msg *m = *state;
    uint64_t it = 0;
    sipua_str v;
    size_t from = 0;
    int star = 7;
    assert_null(sipua_msg_get_error(NULL));
    assert_int_equal(sipua_msg_is_request(NULL), 0);
    assert_int_equal(sipua_msg_method(NULL), SIPUA_METHOD_OTHER);
    assert_span(sipua_msg_method_str(NULL), NULL);
    assert_null(sipua_msg_request_uri(NULL));
    assert_int_equal(sipua_msg_status(NULL), 0);
    assert_span(sipua_msg_reason(NULL), NULL);
    assert_span(sipua_msg_start_line(NULL), NULL);
    assert_span(sipua_msg_raw(NULL), NULL);
    assert_int_equal(sipua_msg_header_count(NULL), 0);
    assert_null(sipua_msg_header_at(NULL, 0));
    assert_null(sipua_msg_find(NULL, SIPUA_HDR_VIA, &from));
    assert_null(sipua_msg_find_name(NULL, "Via"));
    assert_int_equal(sipua_msg_next_value(NULL, SIPUA_HDR_VIA, &it, &v), 0);
    assert_null(sipua_msg_top_via(NULL));
    assert_int_equal(sipua_msg_via_count(NULL), 0);
    assert_null(sipua_msg_from(NULL));
    assert_null(sipua_msg_to(NULL));
    assert_span(sipua_msg_call_id(NULL), NULL);
    assert_null(sipua_msg_cseq(NULL));
    assert_int_equal(sipua_msg_max_forwards(NULL), -1);
    assert_int_equal(sipua_msg_content_length(NULL), -1);
    assert_null(sipua_msg_contact(NULL, &star));
    assert_int_equal(star, 0);
    assert_int_equal(sipua_msg_contact_count(NULL), 0);
    assert_int_equal(sipua_msg_route_count(NULL), 0);
    assert_int_equal(sipua_msg_record_route_count(NULL), 0);
    assert_span(sipua_msg_body(NULL), NULL);
    assert_int_equal(sipua_msg_has_option(NULL, SIPUA_HDR_SUPPORTED, "timer"), 0);
    /* and NULL in the other pointer arguments */
    assert_parses(m, invite);
    assert_null(sipua_msg_find_name(m, NULL));
    assert_int_equal(sipua_msg_next_value(m, SIPUA_HDR_VIA, NULL, &v), 0);
    assert_int_equal(sipua_msg_next_value(m, SIPUA_HDR_VIA, &it, NULL), 0);
    assert_int_equal(sipua_msg_has_option(m, SIPUA_HDR_SUPPORTED, NULL), 0);
    assert_non_null(sipua_msg_contact(m, NULL));
    assert_non_null(sipua_msg_find(m, SIPUA_HDR_VIA, NULL));
}

static void test_api_new_message_has_nothing_yet(void **state)
{
    sipua_msg *m = *state;
    int star = 7;
    assert_int_equal(sipua_msg_get_error(m)->code, 0);
    assert_int_equal(sipua_msg_header_count(m), 0);
    assert_null(sipua_msg_request_uri(m));
    assert_null(sipua_msg_top_via(m));
    assert_null(sipua_msg_from(m));
    assert_null(sipua_msg_cseq(m));
    assert_null(sipua_msg_contact(m, &star));
    assert_int_equal(star, 0);
    assert_span(sipua_msg_raw(m), NULL);
    assert_span(sipua_msg_body(m), NULL);
    assert_int_equal(sipua_msg_max_forwards(m), -1);
    assert_int_equal(sipua_msg_content_length(m), -1);
}

/* ------------------------------------------------------------------ */
/* One sipua_msg, several parses                                       */

static void test_api_reparse_leaves_nothing_from_the_previous_message(void **state)
{
    sipua_msg *m = *state;
    static const char first[] = "REGISTER sip:registrar.biloxi.com SIP/2.0\r\n"
                                "Via: SIP/2.0/UDP bobspc.biloxi.com:5060;branch=z9hG4bKnashds7\r\n"
                                "Max-Forwards: 70\r\n"
                                "To: Bob <sip:bob@biloxi.com>;tag=old\r\n"
                                "From: Bob <sip:bob@biloxi.com>;tag=456248\r\n"
                                "Call-ID: 843817637684230@998sdasdh09\r\n"
                                "CSeq: 1826 REGISTER\r\n"
                                "Route: <sip:p1.biloxi.com;lr>\r\n"
                                "Record-Route: <sip:p2.biloxi.com;lr>\r\n"
                                "Contact: <sip:bob@192.0.2.4>\r\n"
                                "Expires: 7200\r\n"
                                "Subject: first\r\n"
                                "Supported: path\r\n"
                                "Content-Type: text/plain\r\n"
                                "Content-Length: 5\r\n"
                                "\r\n"
                                "hello";
    static const char second[] = "SIP/2.0 100 Trying\r\n"
                                 "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds\r\n"
                                 "To: <sip:bob@biloxi.com>\r\n"
                                 "From: <sip:alice@atlanta.com>;tag=1928301774\r\n"
                                 "Call-ID: x7\r\n"
                                 "CSeq: 1 INVITE\r\n"
                                 "\r\n";
    sipua_media_type mt;
    uint32_t u;
    int star = 7;
    assert_parses(m, first);
    assert_non_null(sipua_msg_contact(m, NULL));
    assert_parses(m, second);
    assert_int_equal(sipua_msg_is_request(m), 0);
    assert_null(sipua_msg_request_uri(m));
    assert_int_equal(sipua_msg_method(m), SIPUA_METHOD_OTHER);
    assert_span(sipua_msg_method_str(m), NULL);
    assert_int_equal(sipua_msg_status(m), 100);
    assert_int_equal(sipua_msg_header_count(m), 5);
    assert_null(sipua_msg_contact(m, &star));
    assert_int_equal(star, 0);
    assert_int_equal(sipua_msg_contact_count(m), 0);
    assert_int_equal(sipua_msg_route_count(m), 0);
    assert_int_equal(sipua_msg_record_route_count(m), 0);
    assert_int_equal(sipua_msg_via_count(m), 1);
    assert_int_equal(sipua_msg_top_via(m)->port, 0);
    assert_span(sipua_msg_top_via(m)->host, "pc33.atlanta.com");
    assert_int_equal(sipua_msg_max_forwards(m), -1);
    assert_int_equal(sipua_msg_content_length(m), -1);
    assert_span(sipua_msg_to(m)->tag, NULL);
    assert_span(sipua_msg_to(m)->display, NULL);
    assert_span(sipua_msg_call_id(m), "x7");
    assert_int_equal(sipua_msg_cseq(m)->number, 1);
    assert_int_equal(sipua_msg_body(m).len, 0);
    assert_null(sipua_msg_find_name(m, "Subject"));
    assert_null(sipua_msg_find(m, SIPUA_HDR_CONTACT, NULL));
    assert_rc(sipua_msg_content_type(m, &mt), SIPUA_ENOTFOUND);
    assert_rc(sipua_msg_expires(m, &u), SIPUA_ENOTFOUND);
    assert_int_equal(sipua_msg_has_option(m, SIPUA_HDR_SUPPORTED, "path"), 0);
    assert_span(sipua_msg_raw(m), second);
}

static void test_api_reparse_clears_contact_star(void **state)
{
    sipua_msg *m = *state;
    static const char star_text[] = REQUEST_HEAD "Contact: *\r\n" REQUEST_TAIL;
    static const char plain[] = REQUEST_HEAD "Contact: <sip:bob@192.0.2.4>\r\n" REQUEST_TAIL;
    int star = 0;
    assert_parses(m, star_text);
    assert_null(sipua_msg_contact(m, &star));
    assert_int_equal(star, 1);
    assert_parses(m, plain);
    assert_non_null(sipua_msg_contact(m, &star));
    assert_int_equal(star, 0);
}

static void test_api_reparse_clears_the_error(void **state)
{
    sipua_msg *m = *state;
    static const char bad[] = REQUEST_HEAD "Max-Forwards: 256\r\n" REQUEST_TAIL;
    assert_parse_fails(m, bad, SIPUA_EPARSE);
    assert_parses(m, invite);
    const sipua_msg_error *e = sipua_msg_get_error(m);
    assert_int_equal(e->code, 0);
    assert_span(e->header, NULL);
    assert_int_equal(e->line, 0);
    assert_rc(sipua_msg_parse_all(m), 0);
}

/* ------------------------------------------------------------------ */
/* RFC 3261 18.3 and RFC 5626 4.4.1: stream framing                    */

static const char stream_msg[] = REQUEST_HEAD "Content-Length: 5\r\n\r\nhello";

static void test_rfc5626_4_4_1_double_crlf_is_a_keepalive(void **state)
{
    (void)state;
    sipua_framer f;
    size_t skip = 9, len = 9;
    sipua_framer_init(&f);
    assert_rc(sipua_framer_next(&f, NULL, "\r\n\r\n", 4, &skip, &len), SIPUA_FRAME_KEEPALIVE);
    assert_int_equal(skip, 4);
    assert_int_equal(len, 0);
}

static void test_rfc5626_4_4_1_lone_crlf_is_a_pong(void **state)
{
    (void)state;
    sipua_framer f;
    size_t skip = 0, len = 0;
    char buf[sizeof stream_msg + 2];
    sipua_framer_init(&f);
    memcpy(buf, "\r\n", 2);
    memcpy(buf + 2, stream_msg, sizeof stream_msg);
    assert_rc(sipua_framer_next(&f, NULL, buf, strlen(buf), &skip, &len), SIPUA_FRAME_PONG);
    assert_int_equal(skip, 2);
    /* the pong that answers our ping, with nothing after it: the owner that
     * sent the ping says it awaits a pong */
    sipua_framer_init(&f);
    f.awaiting_pong = 1;
    assert_rc(sipua_framer_next(&f, NULL, "\r\n", 2, &skip, &len), SIPUA_FRAME_PONG);
    assert_int_equal(skip, 2);
    assert_int_equal(f.awaiting_pong, 0);
    /* without it, a lone CRLF may be the first half of a ping */
    assert_rc(sipua_framer_next(&f, NULL, "\r\n", 2, &skip, &len), SIPUA_EAGAIN);
}

static void test_rfc5626_4_4_1_partial_ping_needs_more(void **state)
{
    (void)state;
    sipua_framer f;
    size_t skip, len;
    sipua_framer_init(&f);
    assert_rc(sipua_framer_next(&f, NULL, "\r\n\r", 3, &skip, &len), SIPUA_EAGAIN);
    assert_rc(sipua_framer_next(&f, NULL, "\r", 1, &skip, &len), SIPUA_EAGAIN);
    assert_rc(sipua_framer_next(&f, NULL, "", 0, &skip, &len), SIPUA_EAGAIN);
}

static void test_18_3_two_messages_in_one_buffer(void **state)
{
    sipua_msg *m = *state;
    char buf[2 * sizeof stream_msg + 8];
    size_t n = sizeof stream_msg - 1;
    memcpy(buf, stream_msg, n);
    memcpy(buf + n, "\r\n\r\n", 4);
    memcpy(buf + n + 4, stream_msg, n);
    size_t total = 2 * n + 4, at = 0, skip, len;
    sipua_framer f;
    sipua_framer_init(&f);
    assert_rc(sipua_framer_next(&f, NULL, buf, total, &skip, &len), SIPUA_FRAME_MESSAGE);
    assert_int_equal(skip, 0);
    assert_int_equal(len, n);
    assert_int_equal(sipua_msg_parse(m, buf + skip, len, SIPUA_PARSE_STREAM), n);
    at += skip + len;
    assert_rc(sipua_framer_next(&f, NULL, buf + at, total - at, &skip, &len),
              SIPUA_FRAME_KEEPALIVE);
    at += skip;
    assert_rc(sipua_framer_next(&f, NULL, buf + at, total - at, &skip, &len), SIPUA_FRAME_MESSAGE);
    assert_int_equal(len, n);
    assert_int_equal(sipua_msg_parse(m, buf + at + skip, len, SIPUA_PARSE_STREAM), n);
    assert_span(sipua_msg_body(m), "hello");
    at += skip + len;
    assert_int_equal(at, total);
    assert_rc(sipua_framer_next(&f, NULL, buf + at, 0, &skip, &len), SIPUA_EAGAIN);
}

static void test_18_3_message_split_at_every_byte(void **state)
{
    (void)state;
    size_t n = sizeof stream_msg - 1, skip, len;
    sipua_framer f;
    /* two reads, split at every boundary */
    for (size_t k = 1; k < n; k++) {
        sipua_framer_init(&f);
        assert_rc(sipua_framer_next(&f, NULL, stream_msg, k, &skip, &len), SIPUA_EAGAIN);
        assert_rc(sipua_framer_next(&f, NULL, stream_msg, n, &skip, &len), SIPUA_FRAME_MESSAGE);
        assert_int_equal(skip, 0);
        assert_int_equal(len, n);
    }
    /* one byte per read */
    sipua_framer_init(&f);
    for (size_t k = 1; k < n; k++)
        assert_rc(sipua_framer_next(&f, NULL, stream_msg, k, &skip, &len), SIPUA_EAGAIN);
    assert_rc(sipua_framer_next(&f, NULL, stream_msg, n, &skip, &len), SIPUA_FRAME_MESSAGE);
    assert_int_equal(len, n);
}

static void test_18_3_framer_missing_content_length_is_sticky_eparse(void **state)
{
    (void)state;
    static const char text[] = REQUEST_HEAD "\r\n";
    sipua_framer f;
    size_t skip, len;
    sipua_framer_init(&f);
    assert_rc(sipua_framer_next(&f, NULL, text, strlen(text), &skip, &len), SIPUA_EPARSE);
    assert_rc(sipua_framer_next(&f, NULL, stream_msg, strlen(stream_msg), &skip, &len),
              SIPUA_EPARSE);
    assert_rc(sipua_framer_next(&f, NULL, "\r\n\r\n", 4, &skip, &len), SIPUA_EPARSE);
    sipua_framer_init(&f); /* a new stream */
    assert_rc(sipua_framer_next(&f, NULL, stream_msg, strlen(stream_msg), &skip, &len),
              SIPUA_FRAME_MESSAGE);
}

static void test_18_3_framer_content_length_over_max_body_is_elimit(void **state)
{
    (void)state;
    sipua_msg_limits l;
    sipua_framer f;
    size_t skip, len;
    sipua_msg_limits_init(&l);
    l.max_body = 4;
    sipua_framer_init(&f);
    assert_rc(sipua_framer_next(&f, &l, stream_msg, strlen(stream_msg), &skip, &len), SIPUA_ELIMIT);
    assert_rc(sipua_framer_next(&f, NULL, stream_msg, strlen(stream_msg), &skip, &len),
              SIPUA_ELIMIT);
    l.max_body = 5;
    sipua_framer_init(&f);
    assert_rc(sipua_framer_next(&f, &l, stream_msg, strlen(stream_msg), &skip, &len),
              SIPUA_FRAME_MESSAGE);
}

static void test_18_3_stream_parse_of_a_prefix_needs_more(void **state)
{
    sipua_msg *m = *state;
    size_t n = sizeof stream_msg - 1;
    for (size_t k = 1; k < n; k++)
        assert_rc(sipua_msg_parse(m, stream_msg, k, SIPUA_PARSE_STREAM), SIPUA_EAGAIN);
    assert_int_equal(sipua_msg_parse(m, stream_msg, n, SIPUA_PARSE_STREAM), n);
}

static void test_18_3_stream_parse_without_content_length_is_eparse(void **state)
{
    sipua_msg *m = *state;
    static const char text[] = REQUEST_HEAD "\r\n";
    assert_rc(sipua_msg_parse(m, text, strlen(text), SIPUA_PARSE_STREAM), SIPUA_EPARSE);
    assert_int_equal(sipua_msg_get_error(m)->code, SIPUA_EPARSE);
}

#define T(f) cmocka_unit_test_setup_teardown(f, new_msg, free_msg)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_api_strerror_and_err_name_for_every_code),
        T(test_api_unknown_error_code_has_a_name_and_text),
        T(test_api_failed_field_leaves_no_entry_behind),
        T(test_api_str_eq_is_exact),
        T(test_api_str_caseeq_folds_ascii_letters_only),
        T(test_api_version_matches_the_header),
        T(test_7_1_method_names_round_trip),
        T(test_7_1_methods_are_case_sensitive),
        T(test_7_3_3_header_names_long_and_compact),
        T(test_7_1_request_line),
        T(test_7_2_status_line),
        T(test_7_2_reason_phrase_may_hold_spaces),
        T(test_7_1_extension_method_is_other),
        T(test_7_1_unsupported_sip_version_is_eversion),
        T(test_7_3_headers_in_order_with_line_numbers),
        T(test_7_3_1_folded_value_spans_its_lines),
        T(test_7_3_3_find_by_long_and_compact_name),
        T(test_7_3_1_find_iterates_headers_of_one_id),
        T(test_7_3_1_next_value_splits_at_commas_outside_quotes_and_angles),
        T(test_20_42_top_via_and_via_count),
        T(test_20_20_from_and_20_39_to),
        T(test_20_8_call_id),
        T(test_20_16_cseq),
        T(test_20_16_cseq_method_must_match_the_request),
        T(test_20_22_max_forwards),
        T(test_rfc4475_3_4_1_max_forwards_absent_is_minus_one),
        T(test_20_14_content_length_and_body),
        T(test_18_3_datagram_without_content_length_body_is_the_rest),
        T(test_18_3_datagram_octets_after_the_body_are_ignored),
        T(test_18_3_datagram_content_length_beyond_the_datagram_is_eparse),
        T(test_20_10_contact_first_and_count),
        T(test_20_10_contact_star),
        T(test_20_10_contact_star_must_be_alone),
        T(test_20_34_route_and_20_30_record_route_counts),
        T(test_20_34_route_needs_angle_brackets),
        T(test_20_15_content_type),
        T(test_25_1_params_span_starts_at_the_first_name_after_semi_and_lws),
        T(test_20_15_content_type_malformed),
        T(test_20_19_expires),
        T(test_20_19_expires_malformed),
        T(test_rfc3262_7_1_rseq),
        T(test_rfc3262_7_1_rseq_is_1_to_2_pow_31_minus_1),
        T(test_rfc3262_7_2_rack),
        T(test_rfc3262_7_2_rack_malformed),
        T(test_rfc3515_2_1_refer_to),
        T(test_rfc3515_2_1_refer_to_malformed),
        T(test_rfc3892_3_referred_by),
        T(test_rfc3892_3_referred_by_malformed),
        T(test_rfc6665_8_2_1_event_with_id),
        T(test_rfc6665_8_2_1_event_malformed),
        T(test_rfc6665_8_2_3_subscription_state_active),
        T(test_rfc6665_8_2_3_subscription_state_terminated),
        T(test_rfc6665_8_2_3_subscription_state_malformed),
        T(test_rfc6665_8_2_3_subscription_state_expires_must_be_delta_seconds),
        T(test_rfc3326_2_reason_with_cause_and_text),
        T(test_rfc3326_2_reason_malformed),
        T(test_rfc3326_2_reason_cause_must_be_digits),
        T(test_20_7_authorization),
        T(test_20_28_proxy_authorization),
        T(test_20_44_www_authenticate),
        T(test_20_27_proxy_authenticate_by_index),
        T(test_20_7_malformed_credentials_are_eparse),
        T(test_api_auth_is_only_for_the_four_auth_headers),
        T(test_rfc7235_2_1_auth_parse_scheme_and_token68),
        T(test_20_37_has_option_supported_across_headers),
        T(test_20_32_has_option_require_and_proxy_require),
        T(test_api_lazy_getters_absent_are_enotfound),
        T(test_api_parse_all_accepts_a_well_formed_message),
        T(test_api_parse_all_names_the_malformed_lazy_header),
        T(test_api_parse_all_without_a_message_is_einval),
        T(test_7_1_one_sp_between_method_and_uri),
        T(test_7_2_status_code_above_699_position),
        T(test_20_22_max_forwards_above_255_position),
        T(test_25_1_via_empty_param_position_and_message_still_readable),
        T(test_7_3_1_header_without_colon_position),
        T(test_8_1_1_missing_call_id_is_eparse),
        T(test_api_limits_defaults),
        T(test_api_limit_max_headers),
        T(test_api_limit_max_via),
        T(test_api_limit_max_header_len_counts_name_and_value),
        T(test_api_limit_max_body),
        T(test_api_limit_max_message),
        T(test_api_null_arguments_are_einval),
        T(test_api_lazy_getters_with_null_message_are_einval),
        T(test_api_accessors_tolerate_a_null_message),
        T(test_api_new_message_has_nothing_yet),
        T(test_api_reparse_leaves_nothing_from_the_previous_message),
        T(test_api_reparse_clears_contact_star),
        T(test_api_reparse_clears_the_error),
        T(test_rfc5626_4_4_1_double_crlf_is_a_keepalive),
        T(test_rfc5626_4_4_1_lone_crlf_is_a_pong),
        T(test_rfc5626_4_4_1_partial_ping_needs_more),
        T(test_18_3_two_messages_in_one_buffer),
        T(test_18_3_message_split_at_every_byte),
        T(test_18_3_framer_missing_content_length_is_sticky_eparse),
        T(test_18_3_framer_content_length_over_max_body_is_elimit),
        T(test_18_3_stream_parse_of_a_prefix_needs_more),
        T(test_18_3_stream_parse_without_content_length_is_eparse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
