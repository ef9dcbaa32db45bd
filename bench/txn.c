/* bench/txn.c — transactions per second through the UA core alone: two
 * sipua_ua instances joined by a lossless in-memory FIFO, no sockets, time
 * from a virtual clock.
 *
 * Core A sends OPTIONS (sipua_ua_options) to core B, B answers 200, A hears
 * SIPUA_UA_EV_OPTIONS_RESULT. A window of W requests is kept outstanding: a
 * new request starts whenever fewer than W are waiting for their answer, and
 * the FIFO delivers one datagram at a time, in order, with no loss.
 *
 * The virtual clock is paced by the requests: request k starts at
 * t0 + k / R virtual seconds (R = --rate, default 10,000 per virtual second),
 * so timer K (T4 = 5 s) on A and timer J (64*T1 = 32 s) on B fire in the
 * timed part exactly as they would for a UA answering R requests a second
 * over UDP: the core carries about 37 R transactions in their Completed
 * state, and pays for arming and firing their timers. The delivery itself
 * takes no virtual time. --rate 0 stops the clock: nothing expires until the
 * drain, and every transaction stays live until then.
 *
 * What is timed: the steady state. A warm-up of 33 virtual seconds (past
 * timer J, so transactions end as fast as they start), then --runs runs of
 * about --seconds each; each run gives completed transactions / wall second
 * (CLOCK_MONOTONIC), the table shows the median. After the runs the FIFO is
 * emptied and the virtual clock moved from deadline to deadline until both
 * cores have none (the drain, not timed); the program then checks that
 * every request got exactly one result, each 200, that nothing was
 * retransmitted or dropped, and that both cores hold no transaction and no
 * timer. Any failure ends it with status 1.
 *
 * Modes:
 *   txn [--window W]... [--rate R] [--runs N] [--seconds S] [--tsv]
 *   txn --count N --window W [--rate R]
 *       warm-up, then exactly N transactions, then the drain, for
 *       valgrind --tool=callgrind: Ir(2N) - Ir(N) is N steady-state
 *       transactions (start-up, warm-up and drain cancel out); run it
 *       with --instr-atstart=no to skip instrumenting the warm-up
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sipua/ua.h"

/* Under callgrind with --instr-atstart=no, --count turns instrumentation on
 * after the warm-up, which then runs several times faster. */
#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define BENCH_CALLGRIND_START() CALLGRIND_START_INSTRUMENTATION
#endif
#endif
#ifndef BENCH_CALLGRIND_START
#define BENCH_CALLGRIND_START() ((void)0)
#endif

#define MAX_WINDOWS 16
#define MAX_RUNS    99
#define SLOT_BYTES  2048 /* a datagram of the FIFO; OPTIONS and its 200 are ~500 */

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static _Noreturn void
die(const char *fmt, ...);

static _Noreturn void die(const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fputs("bench/txn: FAIL: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

/* ------------------------------------------------------------------ */
/* The in-memory wire: a FIFO of datagrams, each copied into a slot.    */

typedef struct datagram {
    int to; /* 0: A, 1: B */
    size_t len;
    char *bytes; /* SLOT_BYTES */
} datagram;

typedef struct fifo {
    datagram *q;
    size_t cap, head, count; /* cap a power of two */
} fifo;

static void fifo_grow(fifo *f)
{
    size_t cap = f->cap ? f->cap * 2 : 64;
    datagram *q = calloc(cap, sizeof *q);
    if (!q)
        die("out of memory");
    for (size_t i = 0; i < f->count; i++)
        q[i] = f->q[(f->head + i) & (f->cap - 1)];
    for (size_t i = f->count; i < cap; i++) {
        if (i < f->cap) /* the old ring's free slots */
            q[i].bytes = f->q[(f->head + i) & (f->cap - 1)].bytes;
        else if (!(q[i].bytes = malloc(SLOT_BYTES)))
            die("out of memory");
    }
    free(f->q);
    f->q = q;
    f->cap = cap;
    f->head = 0;
}

static void fifo_free(fifo *f)
{
    for (size_t i = 0; i < f->cap; i++)
        free(f->q[i].bytes);
    free(f->q);
    memset(f, 0, sizeof *f);
}

/* ------------------------------------------------------------------ */
/* Two cores                                                           */

typedef struct bench bench;

typedef struct side {
    bench *b;
    int idx; /* 0: A, 1: B */
    sipua_ua *ua;
    sipua_endpoint self;
} side;

struct bench {
    side side[2];
    fifo wire;
    char *spare; /* the slot of the datagram being delivered */
    uint64_t rng;
    unsigned window;
    uint64_t rate; /* requests per virtual second; 0: the clock stands still */
    sipua_time t0, now;
    uint64_t started, ok, bad, answered, dropped, events_other;
    int first_bad_status, first_bad_error;
    size_t peak_live_a, peak_live_b, peak_live_sum;
};

static const sipua_str target = {"sip:10.0.0.2:5060", 17};

static int on_send(void *user, const sipua_endpoint *to, const char *bytes, size_t len)
{
    side *s = user;
    bench *b = s->b;
    const sipua_endpoint *peer = &b->side[!s->idx].self;
    if (to->port != peer->port || strcmp(to->host, peer->host) != 0)
        die("%c sent to %s:%u, not to its peer", s->idx ? 'B' : 'A', to->host, (unsigned)to->port);
    if (len > SLOT_BYTES)
        die("a datagram of %zu bytes (the FIFO's slots hold %d)", len, SLOT_BYTES);
    if (b->wire.count == b->wire.cap)
        fifo_grow(&b->wire);
    datagram *d = &b->wire.q[(b->wire.head + b->wire.count) & (b->wire.cap - 1)];
    d->to = !s->idx;
    d->len = len;
    memcpy(d->bytes, bytes, len);
    b->wire.count++;
    return 0;
}

static void on_random(void *user, uint8_t *buf, size_t len)
{
    bench *b = ((side *)user)->b;
    for (size_t i = 0; i < len; i++) {
        /* xorshift64*: the bytes only need to differ, not to be secret */
        b->rng ^= b->rng >> 12;
        b->rng ^= b->rng << 25;
        b->rng ^= b->rng >> 27;
        buf[i] = (uint8_t)((b->rng * 0x2545F4914F6CDD1DULL) >> 56);
    }
}

static void on_event(void *user, const sipua_ua_event *ev)
{
    side *s = user;
    bench *b = s->b;
    switch (ev->type) {
    case SIPUA_UA_EV_OPTIONS_RESULT:
        if (ev->status == 200) {
            b->ok++;
        } else {
            if (!b->bad) {
                b->first_bad_status = ev->status;
                b->first_bad_error = ev->error;
            }
            b->bad++;
        }
        break;
    case SIPUA_UA_EV_REQUEST_ANSWERED: b->answered++; break;
    case SIPUA_UA_EV_DROPPED: b->dropped++; break;
    default: b->events_other++; break;
    }
}

static const sipua_ua_callbacks callbacks = {
    .version = SIPUA_UA_CALLBACKS_VERSION, .send = on_send, .random = on_random, .event = on_event};

static void bench_init(bench *b, unsigned window, uint64_t rate)
{
    memset(b, 0, sizeof *b);
    b->window = window;
    b->rate = rate;
    b->rng = 0x9E3779B97F4A7C15ULL;
    b->t0 = b->now = 1000000;
    if (!(b->spare = malloc(SLOT_BYTES)))
        die("out of memory");
    for (int i = 0; i < 2; i++) {
        side *s = &b->side[i];
        s->b = b;
        s->idx = i;
        char host[16];
        snprintf(host, sizeof host, "10.0.0.%d", i + 1);
        if (sipua_endpoint_set(&s->self, SIPUA_TRANSPORT_UDP, host, 5060, 0) != 0)
            die("sipua_endpoint_set");
        sipua_ua_config cfg;
        sipua_ua_config_init(&cfg);
        if (sipua_ua_config_listen(&cfg, &s->self) != 0)
            die("sipua_ua_config_listen");
        int r = sipua_ua_new(&cfg, &callbacks, s, NULL, &s->ua);
        if (r != 0)
            die("sipua_ua_new: %s", sipua_strerror(r));
    }
}

static void bench_free(bench *b)
{
    sipua_ua_free(b->side[0].ua);
    sipua_ua_free(b->side[1].ua);
    fifo_free(&b->wire);
    free(b->spare);
}

static void fire_timers(bench *b)
{
    for (int i = 0; i < 2; i++) {
        sipua_time d = sipua_ua_next_deadline(b->side[i].ua);
        if (d && d <= b->now) {
            int r = sipua_ua_advance(b->side[i].ua, b->now);
            if (r != 0)
                die("sipua_ua_advance: %s", sipua_strerror(r));
        }
    }
}

static void note_live(bench *b)
{
    sipua_ua_stats sa, sb;
    sipua_ua_get_stats(b->side[0].ua, &sa);
    sipua_ua_get_stats(b->side[1].ua, &sb);
    if (sa.live_transactions > b->peak_live_a)
        b->peak_live_a = sa.live_transactions;
    if (sb.live_transactions > b->peak_live_b)
        b->peak_live_b = sb.live_transactions;
    if (sa.live_transactions + sb.live_transactions > b->peak_live_sum)
        b->peak_live_sum = sa.live_transactions + sb.live_transactions;
}

static void start_one(bench *b)
{
    if (b->rate)
        b->now = b->t0 + (sipua_time)(b->started * 1000000u / b->rate);
    fire_timers(b);
    uint64_t id;
    int r = sipua_ua_options(b->side[0].ua, target, &b->side[1].self, b->now, &id);
    if (r != 0)
        die("sipua_ua_options: %s", sipua_strerror(r));
    b->started++;
}

/* Delivers the datagram at the head of the FIFO; 0 when it is empty. */
static int deliver_one(bench *b)
{
    if (!b->wire.count)
        return 0;
    /* Swap the slot for the spare buffer: the datagram stays intact while
     * the core reads it, whatever it sends meanwhile. */
    datagram d = b->wire.q[b->wire.head];
    b->wire.q[b->wire.head].bytes = b->spare;
    b->spare = d.bytes;
    b->wire.head = (b->wire.head + 1) & (b->wire.cap - 1);
    b->wire.count--;
    side *to = &b->side[d.to];
    int r = sipua_ua_recv(to->ua, &b->side[!d.to].self, d.bytes, d.len, b->now);
    if (r != 0)
        die("sipua_ua_recv: %s", sipua_strerror(r));
    if (d.to == 0)
        note_live(b);
    return 1;
}

static uint64_t completed(const bench *b)
{
    return b->ok + b->bad;
}

/* Runs until `until` transactions have completed, keeping the window full. */
static void pump(bench *b, uint64_t until)
{
    while (completed(b) < until) {
        while (b->started - completed(b) < b->window)
            start_one(b);
        if (!deliver_one(b))
            die("%" PRIu64 " requests outstanding and nothing on the wire",
                b->started - completed(b));
    }
}

/* Ends the run: the FIFO emptied, then the clock moved from deadline to
 * deadline until no core has one. Not timed. */
static void drain(bench *b)
{
    for (;;) {
        while (deliver_one(b)) {
        }
        sipua_time da = sipua_ua_next_deadline(b->side[0].ua);
        sipua_time db = sipua_ua_next_deadline(b->side[1].ua);
        sipua_time d = da && db ? (da < db ? da : db) : (da ? da : db);
        if (!d)
            break;
        if (d > b->now)
            b->now = d;
        fire_timers(b);
    }
}

static void check_drained(const bench *b)
{
    sipua_ua_stats sa, sb;
    sipua_ua_get_stats(b->side[0].ua, &sa);
    sipua_ua_get_stats(b->side[1].ua, &sb);
    if (b->bad)
        die("%" PRIu64 " of %" PRIu64 " requests did not end 200 (first: status %d, %s)", b->bad,
            b->started, b->first_bad_status,
            b->first_bad_error ? sipua_strerror(b->first_bad_error) : "no error");
    if (b->ok != b->started)
        die("%" PRIu64 " requests, %" PRIu64 " results", b->started, b->ok);
    if (b->answered != b->started)
        die("%" PRIu64 " requests, B answered %" PRIu64, b->started, b->answered);
    if (b->dropped || sa.dropped || sb.dropped)
        die("messages dropped: events %" PRIu64 ", A %" PRIu64 ", B %" PRIu64, b->dropped,
            sa.dropped, sb.dropped);
    if (sa.retransmissions || sb.retransmissions)
        die("retransmissions on a lossless wire: A %" PRIu64 ", B %" PRIu64, sa.retransmissions,
            sb.retransmissions);
    if (sa.live_transactions || sb.live_transactions)
        die("after the drain: %zu transactions live on A, %zu on B", sa.live_transactions,
            sb.live_transactions);
    if (sipua_ua_next_deadline(b->side[0].ua) || sipua_ua_next_deadline(b->side[1].ua))
        die("after the drain: a timer is still armed");
    if (b->wire.count)
        die("after the drain: %zu datagrams on the wire", b->wire.count);
}

/* Transactions that reach the steady state: 33 virtual seconds, past
 * timer J (64*T1 = 32 s). */
static uint64_t warmup_count(uint64_t rate)
{
    return rate ? rate * 33 : 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct result {
    double median, min, max; /* transactions per wall second */
    uint64_t timed, total;
    size_t peak_a, peak_b, peak_sum;
    double virtual_s;
} result;

static result measure(unsigned window, uint64_t rate, int runs, double seconds)
{
    bench b;
    bench_init(&b, window, rate);
    /* warm-up: the steady state, and at least 0.2 s of wall time */
    double t = now_s();
    pump(&b, warmup_count(rate));
    uint64_t chunk = 1000;
    while (now_s() - t < 0.2)
        pump(&b, completed(&b) + chunk);
    /* calibration: how many transactions make a run of ~seconds */
    uint64_t c0 = completed(&b);
    t = now_s();
    pump(&b, c0 + 20000);
    double per_s = 20000 / (now_s() - t);
    uint64_t n = (uint64_t)(per_s * seconds);
    if (n < 1000)
        n = 1000;
    double rates[MAX_RUNS];
    result res = {0};
    for (int i = 0; i < runs; i++) {
        uint64_t c = completed(&b);
        t = now_s();
        pump(&b, c + n);
        double el = now_s() - t;
        rates[i] = (double)(completed(&b) - c) / el;
        res.timed += completed(&b) - c;
    }
    res.peak_a = b.peak_live_a;
    res.peak_b = b.peak_live_b;
    res.peak_sum = b.peak_live_sum;
    res.virtual_s = (double)(b.now - b.t0) / 1e6;
    drain(&b);
    check_drained(&b);
    res.total = b.started;
    bench_free(&b);
    qsort(rates, (size_t)runs, sizeof rates[0], cmp_double);
    res.median = rates[runs / 2];
    if (runs % 2 == 0)
        res.median = (rates[runs / 2 - 1] + rates[runs / 2]) / 2;
    res.min = rates[0];
    res.max = rates[runs - 1];
    return res;
}

static void count_only(unsigned window, uint64_t rate, uint64_t n)
{
    bench b;
    bench_init(&b, window, rate);
    pump(&b, warmup_count(rate));
    BENCH_CALLGRIND_START();
    pump(&b, completed(&b) + n);
    size_t peak = b.peak_live_sum;
    drain(&b);
    check_drained(&b);
    printf("window %u, rate %" PRIu64 "/virtual s: %" PRIu64 " transactions after a warm-up of "
           "%" PRIu64 ", all 200, drained; peak live %zu\n",
           window, rate, n, warmup_count(rate), peak);
    bench_free(&b);
}

static void usage(FILE *out)
{
    fputs("usage: txn [--window W]... [--rate R] [--runs N] [--seconds S] [--tsv]\n"
          "       txn --count N --window W [--rate R]\n"
          "  --window W   outstanding requests (repeatable; default 1, 32, 256)\n"
          "  --rate R     requests per virtual second (default 10000; 0: the clock\n"
          "               stands still until the drain)\n"
          "  --runs N     timed runs per window, the median is shown (default 5)\n"
          "  --seconds S  length of one run (default 0.5)\n"
          "  --tsv        window, median, min, max tx/s, peak live A, B, A+B,\n"
          "               timed transactions, total, virtual seconds\n"
          "  --count N    warm-up, N transactions, drain; for callgrind\n",
          out);
}

static unsigned long long parse_num(const char *opt, const char *v)
{
    char *end;
    if (!v)
        die("%s needs a value", opt);
    unsigned long long x = strtoull(v, &end, 10);
    if (end == v || *end)
        die("%s: not a number: %s", opt, v);
    return x;
}

int main(int argc, char **argv)
{
    unsigned windows[MAX_WINDOWS];
    size_t nwindows = 0;
    uint64_t rate = 10000, count = 0;
    int runs = 5, tsv = 0;
    double seconds = 0.5;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--window") == 0) {
            unsigned long long w = parse_num(a, v);
            if (w < 1 || w > 1000000 || nwindows == MAX_WINDOWS)
                die("--window: 1 to 1000000, at most %d of them", MAX_WINDOWS);
            windows[nwindows++] = (unsigned)w;
            i++;
        } else if (strcmp(a, "--rate") == 0) {
            rate = parse_num(a, v);
            if (rate > 1000000)
                die("--rate: at most 1000000");
            i++;
        } else if (strcmp(a, "--runs") == 0) {
            unsigned long long r = parse_num(a, v);
            if (r < 1 || r > MAX_RUNS)
                die("--runs: 1 to %d", MAX_RUNS);
            runs = (int)r;
            i++;
        } else if (strcmp(a, "--seconds") == 0) {
            if (!v || (seconds = strtod(v, NULL)) <= 0)
                die("--seconds: a positive number");
            i++;
        } else if (strcmp(a, "--count") == 0) {
            count = parse_num(a, v);
            if (!count)
                die("--count: at least 1");
            i++;
        } else if (strcmp(a, "--tsv") == 0) {
            tsv = 1;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            die("unknown argument %s", a);
        }
    }
    if (!nwindows) {
        windows[nwindows++] = 1;
        windows[nwindows++] = 32;
        windows[nwindows++] = 256;
    }
    if (count) {
        if (nwindows != 1)
            die("--count takes one --window");
        count_only(windows[0], rate, count);
        return 0;
    }
    if (!tsv) {
        printf("two UA cores, lossless in-memory FIFO, OPTIONS -> 200; virtual clock at %" PRIu64
               " requests per virtual second%s\n",
               rate, rate ? "" : " (stopped)");
        printf("steady state after %" PRIu64 " warm-up transactions; median of %d runs of ~%.2fs "
               "(CLOCK_MONOTONIC)\n\n",
               warmup_count(rate), runs, seconds);
        printf("%8s %12s %12s %12s %9s %9s %9s %9s\n", "window", "tx/s", "min", "max", "us/tx",
               "peak A", "peak B", "peak A+B");
    }
    for (size_t i = 0; i < nwindows; i++) {
        result r = measure(windows[i], rate, runs, seconds);
        if (tsv)
            printf("%u\t%.0f\t%.0f\t%.0f\t%zu\t%zu\t%zu\t%" PRIu64 "\t%" PRIu64 "\t%.3f\n",
                   windows[i], r.median, r.min, r.max, r.peak_a, r.peak_b, r.peak_sum, r.timed,
                   r.total, r.virtual_s);
        else
            printf("%8u %12.0f %12.0f %12.0f %9.3f %9zu %9zu %9zu\n", windows[i], r.median, r.min,
                   r.max, 1e6 / r.median, r.peak_a, r.peak_b, r.peak_sum);
        fflush(stdout);
    }
    return 0;
}
