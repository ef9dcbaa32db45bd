/* sipua_msg_serialize() round trips: for every valid message of the corpus
 * (realistic, RFC 4475 and RFC 5118 `valid`) and of tests/data (`valid` in
 * its MANIFEST.tsv):
 *
 * - it parses as a datagram and sipua_msg_parse_all() finds nothing wrong;
 * - its canonical form parses again, to the same message: request or
 *   response, method or status and reason, Request-URI, the same header
 *   fields in the same order (Content-Length aside: the serializer writes
 *   one that matches the body) with equal ids, equal names for extension
 *   headers and equal values once each run of linear white space is one SP,
 *   and the same body octets;
 * - the canonical form is a fixed point: serializing the re-parsed message
 *   gives the same octets.
 *
 * Each message set is one test; a set whose directory is missing is skipped
 * with a message saying where it was looked for.
 */
#include <dirent.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "sipua/msg.h"
#include "testutil.h"

#define OUT_CAP (256 * 1024)

/* What is being tested now, for the watchdog's message. */
static const char *volatile current_path = "setup";

/* A hang (a parser or serializer loop that never ends) fails the test with
 * the message's name instead of stalling CTest. */
static void watchdog(int sig)
{
    (void)sig;
    watchdog_expired("test_msg_roundtrip", current_path);
}

/* ------------------------------------------------------------------ */
/* Loading messages                                                    */

static int is_dir(const char *path)
{
    struct stat st;
    return path && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* ------------------------------------------------------------------ */
/* Semantic equality                                                   */

static int same(sipua_str a, sipua_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

/* The header fields other than Content-Length. */
static size_t fields(const sipua_msg *m, const sipua_hdr **out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < sipua_msg_header_count(m); i++) {
        const sipua_hdr *h = sipua_msg_header_at(m, i);
        if (h->id != SIPUA_HDR_CONTENT_LENGTH && n < cap)
            out[n++] = h;
    }
    return n;
}

static void check_equal(const char *path, const sipua_msg *a, const sipua_msg *b)
{
    assert_int_equal(sipua_msg_is_request(a), sipua_msg_is_request(b));
    if (sipua_msg_is_request(a)) {
        assert_int_equal(sipua_msg_method(a), sipua_msg_method(b));
        if (!same(sipua_msg_method_str(a), sipua_msg_method_str(b)))
            fail_msg("%s: method changed", path);
        const sipua_uri *ua = sipua_msg_request_uri(a), *ub = sipua_msg_request_uri(b);
        assert_true(ua && ub);
        if (!same(ua->whole, ub->whole))
            fail_msg("%s: Request-URI '%.*s' became '%.*s'", path, (int)ua->whole.len, ua->whole.p,
                     (int)ub->whole.len, ub->whole.p);
    } else {
        assert_int_equal(sipua_msg_status(a), sipua_msg_status(b));
        if (!same(sipua_msg_reason(a), sipua_msg_reason(b)))
            fail_msg("%s: reason phrase changed", path);
    }

    static const sipua_hdr *ha[512], *hb[512];
    size_t na = fields(a, ha, 512), nb = fields(b, hb, 512);
    if (na != nb)
        fail_msg("%s: %zu header fields became %zu", path, na, nb);
    for (size_t i = 0; i < na; i++) {
        if (ha[i]->id != hb[i]->id)
            fail_msg("%s: field %zu '%.*s' became '%.*s'", path, i, (int)ha[i]->name.len,
                     ha[i]->name.p, (int)hb[i]->name.len, hb[i]->name.p);
        if (ha[i]->id == SIPUA_HDR_OTHER && !same(ha[i]->name, hb[i]->name))
            fail_msg("%s: extension header name '%.*s' became '%.*s'", path, (int)ha[i]->name.len,
                     ha[i]->name.p, (int)hb[i]->name.len, hb[i]->name.p);
        if (!lws_equal(ha[i]->value, hb[i]->value))
            fail_msg("%s: %s value '%.*s' became '%.*s'", path,
                     ha[i]->id ? sipua_hdr_name(ha[i]->id) : "extension header",
                     (int)ha[i]->value.len, ha[i]->value.p, (int)hb[i]->value.len, hb[i]->value.p);
    }
    if (!same(sipua_msg_body(a), sipua_msg_body(b)))
        fail_msg("%s: body changed (%zu octets became %zu)", path, sipua_msg_body(a).len,
                 sipua_msg_body(b).len);
}

/* ------------------------------------------------------------------ */
/* One round trip                                                      */

static void round_trip(const char *path)
{
    size_t len = 0;
    current_path = path;
    char *data = load_file(path, &len);
    sipua_msg *m = sipua_msg_new(NULL, NULL), *m2 = sipua_msg_new(NULL, NULL),
              *m3 = sipua_msg_new(NULL, NULL);
    char *out = malloc(OUT_CAP), *out2 = malloc(OUT_CAP);
    assert_true(m && m2 && m3 && out && out2);

    int r = sipua_msg_parse(m, data, len, SIPUA_PARSE_DATAGRAM);
    if (r <= 0 || sipua_msg_parse_all(m) != 0) {
        const sipua_msg_error *e = sipua_msg_get_error(m);
        fail_msg("%s: not valid: line %u, column %u: %s", path, e->line, e->column, e->reason);
    }
    int n = sipua_msg_serialize(m, out, OUT_CAP);
    if (n <= 0)
        fail_msg("%s: serialize: %s", path, sipua_err_name(n));

    /* The canonical form, in a block of its exact size. */
    char *canon = malloc((size_t)n);
    assert_non_null(canon);
    memcpy(canon, out, (size_t)n);
    r = sipua_msg_parse(m2, canon, (size_t)n, SIPUA_PARSE_DATAGRAM);
    if (r != n || sipua_msg_parse_all(m2) != 0) {
        const sipua_msg_error *e = sipua_msg_get_error(m2);
        fail_msg("%s: canonical form does not parse: line %u, column %u: %s\n%.*s", path, e->line,
                 e->column, e->reason, n, canon);
    }
    /* A stream receiver must see the same message: the serializer always
     * writes Content-Length. */
    assert_int_equal(sipua_msg_parse(m3, canon, (size_t)n, SIPUA_PARSE_STREAM), n);
    check_equal(path, m, m2);
    check_equal(path, m, m3);

    int n2 = sipua_msg_serialize(m2, out2, OUT_CAP);
    if (n2 != n || memcmp(out, out2, (size_t)n) != 0)
        fail_msg("%s: the canonical form is not a fixed point:\n%.*s\n--- became ---\n%.*s", path,
                 n, out, n2 > 0 ? n2 : 0, out2);

    free(canon);
    free(out2);
    free(out);
    sipua_msg_free(m3);
    sipua_msg_free(m2);
    sipua_msg_free(m);
    free(data);
}

/* Round trips every DIR/NAME<ext> whose MANIFEST.tsv class is `valid`, or
 * every DIR/NAME<ext> when there is no manifest to ask. Returns how many. */
static size_t round_trip_dir(const char *dir, const char *ext, int by_manifest)
{
    char path[8192], line[4096];
    size_t n = 0;
    if (by_manifest) {
        snprintf(path, sizeof path, "%s/MANIFEST.tsv", dir);
        FILE *f = fopen(path, "r");
        if (!f) {
            fail_msg("cannot open %s", path);
            return 0;
        }
        int header = 1;
        while (fgets(line, sizeof line, f)) {
            char *tab = strchr(line, '\t');
            if (header || !tab) {
                header = 0;
                continue;
            }
            *tab = 0;
            if (strncmp(tab + 1, "valid\t", 6) != 0)
                continue;
            snprintf(path, sizeof path, "%s/%s%s", dir, line, ext);
            round_trip(path);
            n++;
        }
        fclose(f);
    } else {
        DIR *d = opendir(dir);
        assert_non_null(d);
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.' || !ends_with(e->d_name, ext))
                continue;
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            round_trip(path);
            n++;
        }
        closedir(d);
    }
    printf("# %s: %zu messages round-tripped\n", dir, n);
    return n;
}

static void corpus_set(const char *sub, const char *ext, int by_manifest, size_t want)
{
    const char *corpus = getenv("SIPUA_CORPUS_DIR");
    char dir[512];
    snprintf(dir, sizeof dir, "%s/%s", corpus ? corpus : "", sub);
    if (!corpus || !*corpus || !is_dir(dir)) {
        printf("SKIPPED: corpus not found at '%s' (set SIPUA_CORPUS_DIR)\n", dir);
        skip();
    }
    size_t n = round_trip_dir(dir, ext, by_manifest);
    if (want)
        assert_int_equal(n, want);
    else
        assert_true(n > 0);
}

static void test_realistic_messages_round_trip(void **state)
{
    (void)state;
    corpus_set("realistic", ".sip", 0, 0);
}

static void test_rfc4475_valid_messages_round_trip(void **state)
{
    (void)state;
    corpus_set("rfc4475", ".dat", 1, 17);
}

static void test_rfc5118_valid_messages_round_trip(void **state)
{
    (void)state;
    corpus_set("rfc5118", ".dat", 1, 11);
}

static void test_data_valid_messages_round_trip(void **state)
{
    (void)state;
    const char *data = getenv("SIPUA_TEST_DATA");
    if (!is_dir(data)) {
        printf("SKIPPED: tests/data not found at '%s' (set SIPUA_TEST_DATA)\n", data ? data : "");
        skip();
    }
    assert_true(round_trip_dir(data, ".sip", 1) > 0);
}

int main(void)
{
    signal(SIGALRM, watchdog);
    alarm(30);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_realistic_messages_round_trip),
        cmocka_unit_test(test_rfc4475_valid_messages_round_trip),
        cmocka_unit_test(test_rfc5118_valid_messages_round_trip),
        cmocka_unit_test(test_data_valid_messages_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
