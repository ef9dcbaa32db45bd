/* bench/parse.c — SIP message parsing benchmark: sipua against the C parsers
 * a user would otherwise pick (libosip2, Sofia-SIP, libre, belle-sip).
 *
 * Modes:
 *   parse [--time]             wall time, every parser: median ns/message of
 *                              --runs runs (5) of ~--seconds (0.4) each
 *   parse --verify             one parse per parser and message, printing what
 *                              each extracted (Call-ID, CSeq number and method)
 *   parse --count ID --iterations N
 *                              N passes over the corpus with one parser and
 *                              nothing else, for valgrind --tool=callgrind
 *   parse --list               the parsers compiled in: "id<TAB>label"
 * Options: --corpus DIR (default $SIPUA_CORPUS_DIR/realistic, else the
 * compiled-in ../shared/corpus/realistic), --parser ID (repeatable), --runs N,
 * --seconds S, --tsv (machine-readable time results).
 *
 * A parse counts only when the parser extracted the message's Call-ID and
 * CSeq number and method, equal to what a plain line scan of the file finds.
 * Every mode verifies every parser on every message before measuring it, and
 * any failure, then or inside a timed loop, ends the program with status 1.
 */
#define _POSIX_C_SOURCE 200809L

#include "peer.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef SIPUA_BENCH_CORPUS_DEFAULT
#define SIPUA_BENCH_CORPUS_DEFAULT "../shared/corpus/realistic"
#endif

#define MAX_MSGS 256
#define MAX_RUNS 99

static const bench_peer *const all_peers[] = {
#ifdef HAVE_SIPUA
    &bench_peer_sipua_eager,
    &bench_peer_sipua_all,
#endif
#ifdef HAVE_PEER_OSIP
    &bench_peer_osip,
#endif
#ifdef HAVE_PEER_SOFIA
    &bench_peer_sofia,
#endif
#ifdef HAVE_PEER_LIBRE
    &bench_peer_libre,
#endif
#ifdef HAVE_PEER_BELLESIP
    &bench_peer_bellesip,
#endif
    NULL,
};

static bench_msg msgs[MAX_MSGS];
static size_t nmsgs;

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static _Noreturn void
die(const char *fmt, ...);

static _Noreturn void die(const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fputs("bench/parse: FAIL: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static const char *fail_text(bench_fail f)
{
    switch (f) {
    case BENCH_OK: return "ok";
    case BENCH_FAIL_PARSE: return "the parser rejected the message";
    case BENCH_FAIL_CALL_ID: return "Call-ID missing or wrong";
    case BENCH_FAIL_CSEQ: return "CSeq missing or wrong number";
    case BENCH_FAIL_METHOD: return "CSeq method missing or wrong";
    case BENCH_FAIL_OTHER: return "full parse (sipua_msg_parse_all) failed";
    }
    return "?";
}

static _Noreturn void die_parse(const bench_peer *p, const bench_msg *m, bench_fail f)
{
    char what[512] = "";
    if (p->describe)
        p->describe(m, what, sizeof what);
    die("%s failed on %s: %s\n  expected: Call-ID=%.*s CSeq=%u %.*s\n  got:      %s", p->label,
        m->name, fail_text(f), (int)m->call_id_len, m->call_id, (unsigned)m->cseq,
        (int)m->cseq_method_len, m->cseq_method, what);
}

/* ------------------------------------------------------------------ */
/* Corpus                                                              */

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int ieq(const char *a, size_t alen, const char *b)
{
    size_t i;
    if (alen != strlen(b))
        return 0;
    for (i = 0; i < alen; i++) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z')
            x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (char)(y - 'A' + 'a');
        if (x != y)
            return 0;
    }
    return 1;
}

static int is_ws(char c)
{
    return c == ' ' || c == '\t';
}

/* The reference: a plain scan of the header lines (the corpus has no folding
 * in Call-ID or CSeq). Deliberately independent of every parser measured. */
static void find_expected(bench_msg *m)
{
    const char *p = m->data, *end = m->data + m->len;
    int first = 1;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *le = eol ? eol : end, *colon, *v, *ve;
        if (le > p && le[-1] == '\r')
            le--;
        if (le == p)
            break; /* blank line: end of headers */
        if (first) {
            first = 0;
            goto next;
        }
        colon = memchr(p, ':', (size_t)(le - p));
        if (colon == NULL)
            goto next;
        ve = colon;
        while (ve > p && is_ws(ve[-1]))
            ve--;
        v = colon + 1;
        while (v < le && is_ws(*v))
            v++;
        {
            const char *vend = le;
            while (vend > v && is_ws(vend[-1]))
                vend--;
            if (ieq(p, (size_t)(ve - p), "call-id") || ieq(p, (size_t)(ve - p), "i")) {
                if (m->call_id == NULL) {
                    m->call_id = v;
                    m->call_id_len = (size_t)(vend - v);
                }
            } else if (ieq(p, (size_t)(ve - p), "cseq") && m->cseq_method == NULL) {
                unsigned long n = 0;
                const char *q = v;
                while (q < vend && *q >= '0' && *q <= '9')
                    n = n * 10 + (unsigned long)(*q++ - '0');
                if (q == v || n > 0xffffffffUL)
                    die("%s: cannot read the CSeq number", m->name);
                while (q < vend && is_ws(*q))
                    q++;
                m->cseq = (uint32_t)n;
                m->cseq_method = q;
                m->cseq_method_len = (size_t)(vend - q);
            }
        }
    next:
        if (eol == NULL)
            break;
        p = eol + 1;
    }
    if (m->call_id == NULL || m->call_id_len == 0)
        die("%s: no Call-ID header found by the reference scan", m->name);
    if (m->cseq_method == NULL || m->cseq_method_len == 0)
        die("%s: no CSeq header found by the reference scan", m->name);
}

static void load_corpus(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char *names[MAX_MSGS];
    size_t n = 0, i;
    if (d == NULL)
        die("cannot open corpus directory %s: %s", dir, strerror(errno));
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".sip") != 0)
            continue;
        if (n == MAX_MSGS)
            die("more than %d messages in %s", MAX_MSGS, dir);
        names[n] = strdup(e->d_name);
        if (names[n] == NULL)
            die("out of memory");
        n++;
    }
    closedir(d);
    if (n == 0)
        die("no *.sip files in %s", dir);
    qsort(names, n, sizeof names[0], name_cmp);
    for (i = 0; i < n; i++) {
        char path[4096];
        FILE *f;
        long sz;
        char *buf, *nul;
        if (snprintf(path, sizeof path, "%s/%s", dir, names[i]) >= (int)sizeof path)
            die("path too long: %s/%s", dir, names[i]);
        f = fopen(path, "rb");
        if (f == NULL)
            die("cannot open %s: %s", path, strerror(errno));
        if (fseek(f, 0, SEEK_END) != 0 || (sz = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) != 0)
            die("cannot size %s (empty?)", path);
        /* Exactly sz bytes: reading past the end is an error a tool can see. */
        buf = malloc((size_t)sz);
        nul = malloc((size_t)sz + 1);
        if (buf == NULL || nul == NULL)
            die("out of memory");
        if (fread(buf, 1, (size_t)sz, f) != (size_t)sz)
            die("cannot read %s", path);
        fclose(f);
        memcpy(nul, buf, (size_t)sz);
        nul[sz] = '\0';
        msgs[i].name = names[i];
        msgs[i].data = buf;
        msgs[i].data_nul = nul;
        msgs[i].len = (size_t)sz;
        find_expected(&msgs[i]);
    }
    nmsgs = n;
}

static size_t corpus_bytes(void)
{
    size_t i, t = 0;
    for (i = 0; i < nmsgs; i++)
        t += msgs[i].len;
    return t;
}

/* ------------------------------------------------------------------ */
/* Running                                                             */

static const bench_peer *find_peer(const char *id)
{
    size_t i;
    for (i = 0; all_peers[i]; i++)
        if (strcmp(all_peers[i]->id, id) == 0)
            return all_peers[i];
    return NULL;
}

static void peer_init(const bench_peer *p)
{
    if (p->init(msgs, nmsgs) != 0)
        die("%s: library initialisation failed", p->label);
}

static void peer_fini(const bench_peer *p)
{
    if (p->fini)
        p->fini(msgs, nmsgs);
}

/* One parse of every message, outside any timing. */
static void verify(const bench_peer *p)
{
    size_t i;
    for (i = 0; i < nmsgs; i++) {
        bench_fail f = p->parse(&msgs[i]);
        if (f != BENCH_OK)
            die_parse(p, &msgs[i], f);
    }
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* reps passes over the corpus; returns the elapsed nanoseconds. */
static double run(const bench_peer *p, uint64_t reps)
{
    bench_fail (*parse)(const bench_msg *) = p->parse;
    double t0 = now_ns(), t1;
    uint64_t r;
    size_t i;
    for (r = 0; r < reps; r++) {
        for (i = 0; i < nmsgs; i++) {
            bench_fail f = parse(&msgs[i]);
            if (f != BENCH_OK)
                die_parse(p, &msgs[i], f);
        }
    }
    t1 = now_ns();
    return t1 - t0;
}

static int dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct result {
    const bench_peer *peer;
    double median_ns, min_ns, max_ns;
    uint64_t reps;
} result;

static void time_peer(const bench_peer *p, int runs, double seconds, result *res)
{
    double per_run[MAX_RUNS];
    double target = seconds * 1e9, el;
    uint64_t reps = 1;
    int k;
    /* Calibrate (this is also the warm-up): double until a run takes 50 ms. */
    for (;;) {
        el = run(p, reps);
        if (el >= 5e7 || reps >= (UINT64_C(1) << 40))
            break;
        reps *= 2;
    }
    reps = (uint64_t)((double)reps * target / el) + 1;
    /* One more warm-up pass at the final size's cache/allocator state. */
    (void)run(p, reps / 4 + 1);
    for (k = 0; k < runs; k++)
        per_run[k] = run(p, reps) / ((double)reps * (double)nmsgs);
    qsort(per_run, (size_t)runs, sizeof per_run[0], dbl_cmp);
    res->peer = p;
    res->reps = reps;
    res->min_ns = per_run[0];
    res->max_ns = per_run[runs - 1];
    res->median_ns =
        (runs % 2) ? per_run[runs / 2] : (per_run[runs / 2 - 1] + per_run[runs / 2]) / 2.0;
}

static void usage(FILE *out)
{
    fputs("usage: parse [--time] [--parser ID]... [--runs N] [--seconds S] [--tsv]\n"
          "       parse --verify [--parser ID]...\n"
          "       parse --count ID --iterations N\n"
          "       parse --list\n"
          "common: --corpus DIR (default $SIPUA_CORPUS_DIR/realistic, "
          "else " SIPUA_BENCH_CORPUS_DEFAULT ")\n",
          out);
}

int main(int argc, char **argv)
{
    enum { MODE_TIME, MODE_VERIFY, MODE_COUNT, MODE_LIST } mode = MODE_TIME;
    const bench_peer *sel[32];
    size_t nsel = 0, i;
    const char *corpus = NULL, *count_id = NULL;
    char corpus_buf[4096];
    long iterations = 0;
    int runs = 5, tsv = 0;
    double seconds = 0.4;
    int a;

    for (a = 1; a < argc; a++) {
        const char *o = argv[a];
        const char *v = a + 1 < argc ? argv[a + 1] : NULL;
        if (strcmp(o, "--time") == 0) {
            mode = MODE_TIME;
        } else if (strcmp(o, "--verify") == 0) {
            mode = MODE_VERIFY;
        } else if (strcmp(o, "--list") == 0) {
            mode = MODE_LIST;
        } else if (strcmp(o, "--tsv") == 0) {
            tsv = 1;
        } else if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (v == NULL) {
            usage(stderr);
            return 2;
        } else if (strcmp(o, "--count") == 0) {
            mode = MODE_COUNT;
            count_id = v;
            a++;
        } else if (strcmp(o, "--iterations") == 0) {
            iterations = strtol(v, NULL, 10);
            a++;
        } else if (strcmp(o, "--corpus") == 0) {
            corpus = v;
            a++;
        } else if (strcmp(o, "--runs") == 0) {
            runs = atoi(v);
            a++;
        } else if (strcmp(o, "--seconds") == 0) {
            seconds = strtod(v, NULL);
            a++;
        } else if (strcmp(o, "--parser") == 0) {
            const bench_peer *p = find_peer(v);
            if (p == NULL)
                die("unknown or not compiled-in parser '%s' (see --list)", v);
            if (nsel < sizeof sel / sizeof sel[0])
                sel[nsel++] = p;
            a++;
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (runs < 1 || runs > MAX_RUNS)
        die("--runs must be 1..%d", MAX_RUNS);
    if (!(seconds > 0.0))
        die("--seconds must be > 0");

    if (mode == MODE_LIST) {
        for (i = 0; all_peers[i]; i++)
            printf("%s\t%s\n", all_peers[i]->id, all_peers[i]->label);
        return 0;
    }

    if (corpus == NULL) {
        const char *env = getenv("SIPUA_CORPUS_DIR");
        if (env && *env) {
            if (snprintf(corpus_buf, sizeof corpus_buf, "%s/realistic", env) >=
                (int)sizeof corpus_buf)
                die("SIPUA_CORPUS_DIR too long");
            corpus = corpus_buf;
        } else {
            corpus = SIPUA_BENCH_CORPUS_DEFAULT;
        }
    }
    load_corpus(corpus);

    if (mode == MODE_COUNT) {
        const bench_peer *p = find_peer(count_id);
        long k;
        if (p == NULL)
            die("unknown or not compiled-in parser '%s' (see --list)", count_id);
        if (iterations < 1)
            die("--iterations must be >= 1");
        peer_init(p);
        verify(p);
        for (k = 0; k < iterations; k++)
            (void)run(p, 1);
        peer_fini(p);
        printf("%s: %ld iterations x %zu messages parsed\n", p->id, iterations, nmsgs);
        return 0;
    }

    if (nsel == 0)
        for (i = 0; all_peers[i] && nsel < sizeof sel / sizeof sel[0]; i++)
            sel[nsel++] = all_peers[i];
    if (nsel == 0)
        die("no parser compiled in");

    if (mode == MODE_VERIFY) {
        for (i = 0; i < nsel; i++) {
            const bench_peer *p = sel[i];
            size_t j;
            peer_init(p);
            printf("%s (%s)\n", p->label, p->call);
            for (j = 0; j < nmsgs; j++) {
                char what[512] = "";
                bench_fail f = p->parse(&msgs[j]);
                if (p->describe)
                    p->describe(&msgs[j], what, sizeof what);
                printf("  %-22s %-4s %s\n", msgs[j].name, f == BENCH_OK ? "ok" : "FAIL", what);
                if (f != BENCH_OK)
                    die_parse(p, &msgs[j], f);
            }
            peer_fini(p);
        }
        printf("all %zu parser(s) extracted Call-ID and CSeq from all %zu messages\n", nsel, nmsgs);
        return 0;
    }

    /* MODE_TIME */
    {
        result res[32];
        const result *base = NULL;
        size_t bytes = corpus_bytes();
        if (!tsv)
            printf("corpus: %s: %zu messages, %zu bytes (avg %zu)\n"
                   "timing: median of %d runs of ~%.2f s each, after calibration and warm-up\n\n",
                   corpus, nmsgs, bytes, (bytes + nmsgs / 2) / nmsgs, runs, seconds);
        for (i = 0; i < nsel; i++) {
            peer_init(sel[i]);
            verify(sel[i]);
            time_peer(sel[i], runs, seconds, &res[i]);
            peer_fini(sel[i]);
            if (strcmp(sel[i]->id, "sipua-eager") == 0)
                base = &res[i];
            if (tsv) {
                printf("%s\t%s\t%.2f\t%.0f\t%.2f\t%.2f\t%llu\n", sel[i]->id, sel[i]->label,
                       res[i].median_ns, 1e9 / res[i].median_ns, res[i].min_ns, res[i].max_ns,
                       (unsigned long long)res[i].reps);
                fflush(stdout);
            }
        }
        if (!tsv) {
            printf("%-22s %10s %12s %10s %10s %12s\n", "parser", "ns/msg", "msgs/s", "min", "max",
                   base ? "vs eager" : "");
            for (i = 0; i < nsel; i++) {
                char ratio[32] = "";
                if (base)
                    snprintf(ratio, sizeof ratio, "%.2fx", res[i].median_ns / base->median_ns);
                printf("%-22s %10.1f %12.0f %10.1f %10.1f %12s\n", res[i].peer->label,
                       res[i].median_ns, 1e9 / res[i].median_ns, res[i].min_ns, res[i].max_ns,
                       ratio);
            }
            if (base == NULL)
                printf("\n(sipua not measured: built without sipua_static, or not selected)\n");
        }
    }
    return 0;
}
