/* The parser at every prefix and against a guard page (STYLE.md example 14,
 * after picohttpparser's test.c), and the stream framer fed in chunks.
 *
 * - RFC 3261 18.3: on a stream, a message is complete only when its
 *   Content-Length octets of body have arrived, so every proper prefix of a
 *   message that carries Content-Length answers SIPUA_EAGAIN, and the whole
 *   message parses.
 * - Guard page: each message is copied so that it ends exactly where a
 *   PROT_NONE page begins; every prefix length is then parsed as a datagram
 *   and as a stream; when it parses, every header is checked and it is
 *   serialized. Any answer is fine; reading one octet past the end faults.
 * - RFC 5626 4.4.1: the framer, fed the realistic messages back to back with
 *   CRLFCRLF keep-alives between some of them, in chunks of 1, 7, 64 and 1500
 *   octets, yields exactly those messages, byte for byte, and the
 *   keep-alives, in order. Its input also ends at the guard page.
 *
 * Messages: $SIPUA_CORPUS_DIR/realistic/NAME.sip and the RFC 4475 messages its
 * MANIFEST.tsv calls valid; the guard-page tests also take every other
 * message of the corpus and of $SIPUA_TEST_DATA. Exits 77 (skipped) when
 * the corpus is absent. A watchdog turns a hang into a failure that names
 * the message.
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
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "sipua/msg.h"
#include "testutil.h"

/* ------------------------------------------------------------------ */
/* Loading messages                                                    */

typedef struct test_msg {
    char path[512];
    char *data; /* malloc'd, exactly len octets: ASan sees any over-read */
    size_t len;
} test_msg;

typedef struct msg_set {
    test_msg *v;
    size_t n, cap;
} msg_set;

static msg_set valid_msgs;     /* realistic + RFC 4475 valid */
static msg_set realistic_msgs; /* realistic only, in name order */
static msg_set all_msgs;       /* everything, for the guard page */
static const char *corpus_dir;

/* What is being tested now, for the watchdog's message. */
static const char *volatile current_path = "setup";

/* A hang (a parser or serializer loop that never ends) fails the test with
 * the message's name instead of stalling CTest. */
static void watchdog(int sig)
{
    (void)sig;
    watchdog_expired("test_msg_prefix", current_path);
}

static void set_add(msg_set *s, const char *path)
{
    size_t len = 0;
    char *data = load_file(path, &len);
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        assert_non_null(s->v);
    }
    test_msg *m = &s->v[s->n++];
    snprintf(m->path, sizeof m->path, "%s", path);
    m->data = data;
    m->len = len;
}

static void set_free(msg_set *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i].data);
    free(s->v);
    memset(s, 0, sizeof *s);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds every DIR/NAME<ext>, in name order. Returns how many. */
static size_t set_add_dir(msg_set *s, const char *dir, const char *ext)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    char *names[512];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] != '.' && ends_with(e->d_name, ext) && n < 512)
            names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof names[0], cmp_str);
    for (size_t i = 0; i < n; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        set_add(s, path);
        free(names[i]);
    }
    return n;
}

/* Adds DIR/NAME<ext> for each MANIFEST.tsv line of that class (any class
 * when cls is NULL). Returns how many. */
static size_t set_add_manifest(msg_set *s, const char *dir, const char *ext, const char *cls)
{
    char path[8192], line[4096];
    snprintf(path, sizeof path, "%s/MANIFEST.tsv", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = 0;
    int header = 1;
    while (fgets(line, sizeof line, f)) {
        if (header) {
            header = 0;
            continue;
        }
        char *tab = strchr(line, '\t');
        if (!tab)
            continue;
        *tab = 0;
        char *c = tab + 1, *tab2 = strchr(c, '\t');
        if (tab2)
            *tab2 = 0;
        if (cls && strcmp(c, cls) != 0)
            continue;
        snprintf(path, sizeof path, "%s/%s%s", dir, line, ext);
        set_add(s, path);
        n++;
    }
    fclose(f);
    return n;
}

static int setup(void **state)
{
    (void)state;
    char dir[512];
    snprintf(dir, sizeof dir, "%s/realistic", corpus_dir);
    size_t nreal = set_add_dir(&realistic_msgs, dir, ".sip");
    set_add_dir(&valid_msgs, dir, ".sip");
    set_add_dir(&all_msgs, dir, ".sip");
    snprintf(dir, sizeof dir, "%s/rfc4475", corpus_dir);
    size_t n4475 = set_add_manifest(&valid_msgs, dir, ".dat", "valid");
    set_add_manifest(&all_msgs, dir, ".dat", NULL);
    snprintf(dir, sizeof dir, "%s/rfc5118", corpus_dir);
    set_add_manifest(&all_msgs, dir, ".dat", NULL);
    const char *data = getenv("SIPUA_TEST_DATA");
    if (data && *data)
        set_add_manifest(&all_msgs, data, ".sip", NULL);
    /* A corpus that lost its messages must not pass by testing nothing. */
    if (nreal == 0 || n4475 != 17) {
        fprintf(stderr, "corpus at %s: %zu realistic messages, %zu valid RFC 4475 ones (want 17)\n",
                corpus_dir, nreal, n4475);
        return -1;
    }
    printf("# %zu messages for the prefix tests, %zu for the guard page\n", valid_msgs.n,
           all_msgs.n);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    set_free(&valid_msgs);
    set_free(&realistic_msgs);
    set_free(&all_msgs);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Guard page                                                          */

typedef struct guarded {
    char *map;   /* the mapping: data pages, then one PROT_NONE page */
    size_t size; /* of the whole mapping */
    char *end;   /* first octet of the PROT_NONE page */
} guarded;

static void guarded_init(guarded *g, size_t cap)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t data = (cap + page - 1) / page * page;
    if (data == 0)
        data = page;
    g->size = data + page;
    g->map = mmap(NULL, g->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(g->map != MAP_FAILED);
    g->end = g->map + data;
    assert_int_equal(mprotect(g->end, page, PROT_NONE), 0);
}

static void guarded_free(guarded *g)
{
    munmap(g->map, g->size);
}

/* Copies p[0..n) so that it ends at the guard page; returns the copy. */
static const char *guarded_put(const guarded *g, const char *p, size_t n)
{
    char *dst = g->end - n;
    if (n)
        memmove(dst, p, n);
    return dst;
}

static size_t max_len(const msg_set *s)
{
    size_t m = 0;
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].len > m)
            m = s->v[i].len;
    return m;
}

/* The guard page must really fault, or the tests below prove nothing. */
static void test_guard_page_faults(void **state)
{
    (void)state;
    guarded g;
    guarded_init(&g, 1);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        signal(SIGSEGV, SIG_DFL);
        signal(SIGBUS, SIG_DFL);
        volatile char c = *(volatile char *)g.end;
        (void)c;
        _exit(0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) != 0));
    guarded_free(&g);
}

/* Parses buf[0..n) and, when it parses, checks every lazy header and
 * serializes it (whatever the check said), so that they too run against the
 * guard page. */
static void parse_guarded(sipua_msg *m, const char *buf, size_t n, int flags, char *out,
                          size_t out_cap)
{
    int r = sipua_msg_parse(m, buf, n, flags);
    const sipua_msg_error *e = sipua_msg_get_error(m);
    if (r < 0) {
        assert_int_equal(e->code, r);
        assert_true(e->offset <= n);
        return;
    }
    assert_true((size_t)r <= n);
    (void)sipua_msg_parse_all(m);
    int w = sipua_msg_serialize(m, out, out_cap);
    if (w <= 0)
        fail_msg("%s: prefix of %zu octets parses but does not serialize: %s", current_path, n,
                 sipua_err_name(w));
}

/* Long messages (the limit tests of tests/data) get every prefix near both
 * ends and a stride in between, to keep the run short. */
static size_t next_len(size_t k, size_t len)
{
    if (len <= 16384 || k < 4096 || k + 4096 >= len)
        return k + 1;
    size_t next = k + 509;
    return next + 4096 >= len ? len - 4096 : next;
}

static void guard_page_all_prefixes(int flags)
{
    sipua_msg *m = sipua_msg_new(NULL, NULL);
    assert_non_null(m);
    guarded g;
    guarded_init(&g, max_len(&all_msgs));
    size_t out_cap = 4 * 65536;
    char *out = malloc(out_cap);
    assert_non_null(out);
    for (size_t i = 0; i < all_msgs.n; i++) {
        const test_msg *t = &all_msgs.v[i];
        current_path = t->path;
        for (size_t k = 0; k <= t->len; k = next_len(k, t->len)) {
            const char *p = guarded_put(&g, t->data, k);
            parse_guarded(m, p, k, flags, out, out_cap);
        }
    }
    free(out);
    guarded_free(&g);
    sipua_msg_free(m);
}

static void test_guard_page_datagram_every_prefix(void **state)
{
    (void)state;
    guard_page_all_prefixes(SIPUA_PARSE_DATAGRAM);
}

static void test_guard_page_stream_every_prefix(void **state)
{
    (void)state;
    guard_page_all_prefixes(SIPUA_PARSE_STREAM);
}

/* The framer alone on every prefix, against the guard page. */
static void test_guard_page_framer_every_prefix(void **state)
{
    (void)state;
    guarded g;
    guarded_init(&g, max_len(&all_msgs));
    for (size_t i = 0; i < all_msgs.n; i++) {
        const test_msg *t = &all_msgs.v[i];
        current_path = t->path;
        for (size_t k = 0; k <= t->len; k = next_len(k, t->len)) {
            const char *p = guarded_put(&g, t->data, k);
            sipua_framer f;
            sipua_framer_init(&f);
            size_t skip = 0, len = 0;
            int r = sipua_framer_next(&f, NULL, p, k, &skip, &len);
            if (r > 0)
                assert_true(skip + len <= k);
        }
    }
    guarded_free(&g);
}

/* ------------------------------------------------------------------ */
/* RFC 3261 18.3: every proper prefix on a stream needs more           */

static void test_18_3_stream_every_proper_prefix_needs_more(void **state)
{
    (void)state;
    sipua_msg *m = sipua_msg_new(NULL, NULL);
    assert_non_null(m);
    guarded g;
    guarded_init(&g, max_len(&valid_msgs));
    size_t checked = 0, prefixes = 0;
    for (size_t i = 0; i < valid_msgs.n; i++) {
        const test_msg *t = &valid_msgs.v[i];
        current_path = t->path;
        /* As a datagram first: what the message is, and whether it says its
         * length (a stream requires Content-Length). */
        int r = sipua_msg_parse(m, t->data, t->len, SIPUA_PARSE_DATAGRAM);
        if (r <= 0)
            fail_msg("%s: does not parse as a datagram: %s", t->path,
                     sipua_msg_get_error(m)->reason);
        if (sipua_msg_content_length(m) < 0) {
            printf("# %s: no Content-Length, not a stream message\n", t->path);
            continue;
        }
        size_t whole = sipua_msg_raw(m).len;

        const char *p = guarded_put(&g, t->data, t->len);
        r = sipua_msg_parse(m, p, t->len, SIPUA_PARSE_STREAM);
        if (r <= 0)
            fail_msg("%s: does not parse as a stream: %s", t->path, sipua_msg_get_error(m)->reason);
        /* Octets after the message (RFC 4475 dblreq) are the next one's. */
        assert_int_equal((size_t)r, whole);

        for (size_t k = 0; k < whole; k++) {
            p = guarded_put(&g, t->data, k);
            r = sipua_msg_parse(m, p, k, SIPUA_PARSE_STREAM);
            if (r > 0)
                fail_msg("%s: prefix of %zu of %zu octets parses as a whole message", t->path, k,
                         whole);
            if (r != SIPUA_EAGAIN)
                fail_msg("%s: prefix of %zu of %zu octets: %s (%s), want SIPUA_EAGAIN", t->path, k,
                         whole, sipua_err_name(r), sipua_msg_get_error(m)->reason);
            assert_int_equal(sipua_msg_get_error(m)->code, SIPUA_EAGAIN);
        }
        checked++;
        prefixes += whole;
    }
    printf("# %zu messages, %zu proper prefixes\n", checked, prefixes);
    assert_true(checked > 0);
    guarded_free(&g);
    sipua_msg_free(m);
}

/* ------------------------------------------------------------------ */
/* RFC 5626 4.4.1: the framer over a stream of messages and keep-alives */

typedef struct frame_event {
    int kind;            /* SIPUA_FRAME_MESSAGE or SIPUA_FRAME_KEEPALIVE */
    const test_msg *msg; /* for a message */
} frame_event;

static void feed_in_chunks(const char *stream, size_t total, const frame_event *ev, size_t nev,
                           size_t chunk)
{
    guarded g;
    guarded_init(&g, total);
    sipua_msg *m = sipua_msg_new(NULL, NULL);
    assert_non_null(m);
    sipua_framer f;
    sipua_framer_init(&f);
    size_t have = 0, off = 0, next = 0;
    current_path = "the framer's chunked stream";
    while (have < total) {
        have += (total - have < chunk) ? total - have : chunk;
        for (;;) {
            /* The unconsumed octets, ending at the guard page. */
            size_t n = have - off;
            const char *p = guarded_put(&g, stream + off, n);
            size_t skip = 0, len = 0;
            int r = sipua_framer_next(&f, NULL, p, n, &skip, &len);
            if (r == SIPUA_EAGAIN)
                break;
            if (r < 0)
                fail_msg("chunk %zu: framer error %s at stream offset %zu", chunk,
                         sipua_err_name(r), off);
            if (next >= nev)
                fail_msg("chunk %zu: framer yields kind %d after the last event", chunk, r);
            if (r != ev[next].kind)
                fail_msg("chunk %zu: event %zu is kind %d, want %d (stream offset %zu)", chunk,
                         next, r, ev[next].kind, off);
            if (r == SIPUA_FRAME_KEEPALIVE) {
                assert_int_equal(skip, 4);
                assert_memory_equal(p, "\r\n\r\n", 4);
            } else {
                const test_msg *t = ev[next].msg;
                assert_int_equal(skip, 0);
                if (len != t->len)
                    fail_msg("chunk %zu: %s framed as %zu octets, want %zu", chunk, t->path, len,
                             t->len);
                assert_memory_equal(p + skip, t->data, t->len);
                assert_int_equal(sipua_msg_parse(m, p + skip, len, SIPUA_PARSE_STREAM), (int)len);
            }
            off += skip + len;
            next++;
        }
    }
    assert_int_equal(next, nev);
    assert_int_equal(off, total);
    sipua_msg_free(m);
    guarded_free(&g);
}

static void test_5626_4_4_1_framer_messages_and_keepalives_in_chunks(void **state)
{
    (void)state;
    size_t n = realistic_msgs.n;
    frame_event *ev = calloc(2 * n + 1, sizeof *ev);
    size_t total = 0, nev = 0;
    for (size_t i = 0; i < n; i++)
        total += realistic_msgs.v[i].len + 4;
    char *stream = malloc(total + 4);
    assert_true(ev && stream);

    /* Each file is one whole message, or the stream would not frame. */
    sipua_msg *m = sipua_msg_new(NULL, NULL);
    assert_non_null(m);
    total = 0;
    for (size_t i = 0; i < n; i++) {
        const test_msg *t = &realistic_msgs.v[i];
        if (sipua_msg_parse(m, t->data, t->len, SIPUA_PARSE_DATAGRAM) != (int)t->len)
            fail_msg("%s is not exactly one message", t->path);
        if (i % 3 == 0) { /* a keep-alive before some of them, the first included */
            memcpy(stream + total, "\r\n\r\n", 4);
            total += 4;
            ev[nev++].kind = SIPUA_FRAME_KEEPALIVE;
        }
        memcpy(stream + total, t->data, t->len);
        total += t->len;
        ev[nev].kind = SIPUA_FRAME_MESSAGE;
        ev[nev++].msg = t;
    }
    memcpy(stream + total, "\r\n\r\n", 4); /* and one after the last */
    total += 4;
    ev[nev++].kind = SIPUA_FRAME_KEEPALIVE;
    sipua_msg_free(m);

    static const size_t chunks[] = {1, 7, 64, 1500};
    for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++)
        feed_in_chunks(stream, total, ev, nev, chunks[c]);
    free(stream);
    free(ev);
}

int main(void)
{
    corpus_dir = getenv("SIPUA_CORPUS_DIR");
    char probe[512];
    snprintf(probe, sizeof probe, "%s/realistic", corpus_dir ? corpus_dir : "");
    struct stat st;
    if (!corpus_dir || !*corpus_dir || stat(probe, &st) != 0) {
        printf("SKIPPED: corpus not found at '%s' (set SIPUA_CORPUS_DIR)\n", probe);
        return 77;
    }
    signal(SIGALRM, watchdog);
    alarm(30);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_guard_page_faults),
        cmocka_unit_test(test_18_3_stream_every_proper_prefix_needs_more),
        cmocka_unit_test(test_guard_page_datagram_every_prefix),
        cmocka_unit_test(test_guard_page_stream_every_prefix),
        cmocka_unit_test(test_guard_page_framer_every_prefix),
        cmocka_unit_test(test_5626_4_4_1_framer_messages_and_keepalives_in_chunks),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
