/* Helpers shared by the cmocka unit tests (tests/unit/test_*.c). Header-only:
 * every function is static inline, so a test that does not use one gets no
 * -Wunused-function warning. Include it after <cmocka.h> and "sipua/msg.h".
 */
#ifndef SIPUA_TESTS_UNIT_TESTUTIL_H
#define SIPUA_TESTS_UNIT_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "sipua/msg.h"

/* ------------------------------------------------------------------ */
/* Spans                                                               */

/* A span over a C string, without its NUL. */
static inline sipua_str span(const char *s)
{
    sipua_str r = {s, strlen(s)};
    return r;
}

/* A span equals a C string; NULL expects an absent span {NULL, 0}. */
#define assert_span(s, lit) check_span((s), (lit), #s, __FILE__, __LINE__)

/* assert_span()'s check: fails at file:line, naming the span by expr. */
static inline void check_span(sipua_str s, const char *lit, const char *expr, const char *file,
                              int line)
{
    if (!lit) {
        if (!s.p && !s.len)
            return;
        print_error("%s is \"%.*s\", expected absent\n", expr, (int)s.len, s.p ? s.p : "");
        _fail(file, line);
        return;
    }
    if (s.p && s.len == strlen(lit) && memcmp(s.p, lit, s.len) == 0)
        return;
    if (!s.p)
        print_error("%s is absent, expected \"%s\"\n", expr, lit);
    else
        print_error("%s is \"%.*s\", expected \"%s\"\n", expr, (int)s.len, s.p, lit);
    _fail(file, line);
}

/* A character of linear white space: SP, HT, CR or LF. */
static inline int is_lws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Equal once every run of SP, HT, CR and LF counts as one SP. */
static inline int lws_equal(sipua_str a, sipua_str b)
{
    size_t i = 0, j = 0;
    for (;;) {
        int wa = i < a.len && is_lws(a.p[i]), wb = j < b.len && is_lws(b.p[j]);
        if (wa != wb)
            return 0;
        if (wa) {
            while (i < a.len && is_lws(a.p[i]))
                i++;
            while (j < b.len && is_lws(b.p[j]))
                j++;
            continue;
        }
        if (i == a.len || j == b.len)
            return i == a.len && j == b.len;
        if (a.p[i] != b.p[j])
            return 0;
        i++;
        j++;
    }
}

/* ------------------------------------------------------------------ */
/* Return codes                                                        */

/* Fails at file:line unless got == want. The message names both codes
 * with name_of and starts with `what`, in double quotes when quote is set:
 *     what: got -8 (SIPUA_ENOTFOUND), expected 0 (SIPUA_OK) */
static inline void check_rc_named(int got, int want, const char *what, int quote,
                                  const char *(*name_of)(int), const char *file, int line)
{
    if (got == want)
        return;
    const char *q = quote ? "\"" : "";
    print_error("%s%s%s: got %d (%s), expected %d (%s)\n", q, what, q, got, name_of(got), want,
                name_of(want));
    _fail(file, line);
}

/* ------------------------------------------------------------------ */
/* Messages                                                            */

/* RFC 3261 4, the INVITE of the first example: its Via, then its start
 * line and header fields up to Content-Type (INVITE_HEAD), then its
 * Content-Length and body (INVITE_TAIL). */
#define INVITE_VIA "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds"
#define INVITE_HEAD                                                                                \
    "INVITE sip:bob@biloxi.com SIP/2.0\r\n" INVITE_VIA "\r\n"                                      \
    "Max-Forwards: 70\r\n"                                                                         \
    "To: Bob <sip:bob@biloxi.com>\r\n"                                                             \
    "From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n"                                       \
    "Call-ID: a84b4c76e66710@pc33.atlanta.com\r\n"                                                 \
    "CSeq: 314159 INVITE\r\n"                                                                      \
    "Contact: <sip:alice@pc33.atlanta.com>\r\n"                                                    \
    "Content-Type: application/sdp\r\n"
#define INVITE_TAIL                                                                                \
    "Content-Length: 5\r\n"                                                                        \
    "\r\n"                                                                                         \
    "v=0\r\n"

/* ------------------------------------------------------------------ */
/* Files and the watchdog                                              */

/* The whole file, in a malloc'd block of exactly *len octets (so that ASan
 * sees any over-read); fails the test when it cannot be read. */
static inline char *load_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fail_msg("cannot open %s", path); /* does not return */
        return NULL;
    }
    struct stat st;
    assert_int_equal(fstat(fileno(f), &st), 0);
    *len = (size_t)st.st_size;
    char *data = malloc(*len ? *len : 1);
    assert_non_null(data);
    assert_int_equal(fread(data, 1, *len, f), *len);
    fclose(f);
    return data;
}

/* s ends with suffix. */
static inline int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* For a watchdog's SIGALRM handler: writes "\n<prog>: timed out (a hang?)
 * while testing <path>\n" to stderr and exits 1, so that a hang fails the
 * test with the message's name instead of stalling CTest. Calls only
 * async-signal-safe functions. */
static inline void watchdog_expired(const char *prog, const char *path)
{
    static const char mid[] = ": timed out (a hang?) while testing ";
    size_t np = 0, n = 0;
    while (prog[np])
        np++;
    while (path[n])
        n++;
    (void)!write(2, "\n", 1);
    (void)!write(2, prog, np);
    (void)!write(2, mid, sizeof mid - 1);
    (void)!write(2, path, n);
    (void)!write(2, "\n", 1);
    _exit(1);
}

#endif
