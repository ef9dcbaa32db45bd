/* The configuration text reader (sipua_conf_next): entries, comments,
 * quotes, line endings, and the error of each kind of bad line with its
 * line number; every prefix of a text and random bytes read safely. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sipua/register.h"

static sipua_str S_(const char *s)
{
    return (sipua_str){s, strlen(s)};
}

static void expect(sipua_conf_reader *r, const char *key, const char *value, unsigned line)
{
    sipua_str k, v;
    assert_int_equal(sipua_conf_next(r, &k, &v), 1);
    assert_int_equal(k.len, strlen(key));
    assert_memory_equal(k.p, key, k.len);
    assert_int_equal(v.len, strlen(value));
    if (v.len)
        assert_memory_equal(v.p, value, v.len);
    assert_int_equal(r->line, line);
}

static void expect_error(sipua_conf_reader *r, unsigned line, const char *why_part)
{
    sipua_str k, v;
    assert_int_equal(sipua_conf_next(r, &k, &v), SIPUA_EPARSE);
    assert_int_equal(r->line, line);
    assert_non_null(r->error);
    assert_non_null(strstr(r->error, why_part));
}

static void test_entries_comments_and_blanks(void **state)
{
    (void)state;
    const char *text = "# sipua configuration\n"
                       "\n"
                       "aor = sip:alice@example.com\n"
                       "   ; another comment\n"
                       "password=s3cr#t;x \r\n"
                       "display_name = \"  Alice Liddell \"\n"
                       "\t expires\t=\t600\t\n"
                       "empty =\n"
                       "quoted_empty = \"\"\n"
                       "last = no newline at the end";
    sipua_conf_reader r;
    sipua_conf_init(&r, S_(text));
    expect(&r, "aor", "sip:alice@example.com", 3);
    expect(&r, "password", "s3cr#t;x", 5);
    expect(&r, "display_name", "  Alice Liddell ", 6);
    expect(&r, "expires", "600", 7);
    expect(&r, "empty", "", 8);
    expect(&r, "quoted_empty", "", 9);
    expect(&r, "last", "no newline at the end", 10);
    sipua_str k, v;
    assert_int_equal(sipua_conf_next(&r, &k, &v), 0);
    assert_int_equal(sipua_conf_next(&r, &k, &v), 0);
    /* a value may hold '=' and quotes inside */
    sipua_conf_init(&r, S_("k = a=b \"c\" d\n"));
    expect(&r, "k", "a=b \"c\" d", 1);
}

static void test_bad_lines_name_their_line_and_reading_goes_on(void **state)
{
    (void)state;
    static const char text[] = "ok = 1\n"
                               "no equals sign\n"
                               " = value\n"
                               "bad key = 1\n"
                               "k = \"unterminated\n"
                               "k = \"\n"
                               "k = bell\a\n"
                               "k = nul\0x\n"
                               "after = 2\n";
    sipua_conf_reader r;
    sipua_conf_init(&r, (sipua_str){text, sizeof text - 1});
    expect(&r, "ok", "1", 1);
    expect_error(&r, 2, "key = value");
    expect_error(&r, 3, "empty key");
    expect_error(&r, 4, "bad character in key");
    expect_error(&r, 5, "unterminated");
    expect_error(&r, 6, "unterminated");
    expect_error(&r, 7, "control character");
    expect_error(&r, 8, "NUL");
    expect(&r, "after", "2", 9);
    sipua_str k, v;
    assert_int_equal(sipua_conf_next(&r, &k, &v), 0);

    /* a line over 4096 bytes */
    char *big = malloc(5000);
    memcpy(big, "k = ", 4);
    memset(big + 4, 'x', 4996);
    sipua_conf_init(&r, (sipua_str){big, 5000});
    expect_error(&r, 1, "4096");
    free(big);

    assert_int_equal(sipua_conf_next(NULL, &k, &v), SIPUA_EINVAL);
    assert_int_equal(sipua_conf_next(&r, NULL, &v), SIPUA_EINVAL);
    /* an absent text is an empty one */
    sipua_conf_init(&r, (sipua_str){NULL, 0});
    assert_int_equal(sipua_conf_next(&r, &k, &v), 0);
}

/* Every prefix, in a buffer of exactly its size (ASan sees any read past
 * it), and random bytes: entries or errors, spans inside the text, an end. */
static void read_all(const char *p, size_t n)
{
    char *copy = malloc(n ? n : 1);
    memcpy(copy, p, n);
    sipua_conf_reader r;
    sipua_conf_init(&r, (sipua_str){copy, n});
    sipua_str k, v;
    int got, rounds = 0;
    while ((got = sipua_conf_next(&r, &k, &v)) != 0) {
        assert_true(got == 1 || got == SIPUA_EPARSE);
        if (got == 1) {
            assert_true(k.p >= copy && k.p + k.len <= copy + n && k.len > 0);
            assert_true(v.p >= copy && v.p + v.len <= copy + n);
        }
        assert_true(++rounds <= (int)n + 1);
    }
    free(copy);
}

static void test_every_prefix_and_random_bytes(void **state)
{
    (void)state;
    const char *text = "aor = sip:alice@example.com\r\n# c\nk=\"v\"\n bad\nx = \"y";
    for (size_t n = 0; n <= strlen(text); n++)
        read_all(text, n);
    uint64_t x = 88172645463325252ull;
    char buf[256];
    static const char alphabet[] = "ab=# \t\r\n\";.\x01";
    for (int round = 0; round < 20000; round++) {
        size_t n = (size_t)(round % 200);
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            buf[i] = round & 1 ? (char)(x & 0xff) : alphabet[x % (sizeof alphabet - 1)];
        }
        read_all(buf, n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entries_comments_and_blanks),
        cmocka_unit_test(test_bad_lines_name_their_line_and_reading_goes_on),
        cmocka_unit_test(test_every_prefix_and_random_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
