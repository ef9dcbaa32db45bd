/* Calls between two UA cores through the simulated network: each flow of
 * the InviteContext (accept, ring then accept, reject, cancel, no answer,
 * hang-up from either side, preaccept with a reliable 183 then accept,
 * DTMF over INFO, hold then unhold by re-INVITE), many times, under loss, duplication and
 * reordering. Checked: both sides see their events in protocol order, each
 * once, one final event each, with the causes the flow implies, and the
 * two sides agree on the outcome; nothing is left behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "simnet.h"
#include "simua.h"
#include "sipua/session.h"

typedef enum flow {
    F_ACCEPT,      /* B accepts at once; A hangs up after 3 s */
    F_RING_ACCEPT, /* B rings, accepts after 2 s; B hangs up after 3 s */
    F_REJECT,      /* B rejects 486 */
    F_CANCEL,      /* B rings; A cancels after 1 s */
    F_NO_ANSWER,   /* B never answers: its no-answer timer (5 s) rejects 480 */
    F_PREACCEPT,   /* B preaccepts (reliable 183, RFC 3262), accepts after 1 s; B hangs up */
    F_DTMF,        /* B accepts; A sends "12#", hangs up once B has them */
    F_HOLD,        /* B accepts; A holds after 1 s, unholds 1 s after that, hangs up */
    F_COUNT
} flow;

static const char *const flow_names[] = {"accept",    "ring+accept",      "reject", "cancel",
                                         "no answer", "preaccept+accept", "dtmf",   "hold+unhold"};

#define MAX_EV 64

typedef struct side_rec {
    sipua_session_event_kind ev[MAX_EV];
    int n;
    sipua_cause cause;
    int code;
    int by_peer;
    sipua_session *s;
    char tones[8]; /* dtmf: sent (A) or received (B), in order */
    int ntones;
    int progress_183;
    int held[MAX_EV]; /* renegotiated: held_local | held_remote << 1, in order */
    int nheld;
} side_rec;

typedef struct call {
    flow f;
    side_rec a, b;
    sipua_time t_accept, t_cancel, t_bye; /* scheduled actions */
    sipua_time t_hold, t_unhold;
    sipua_time tones_by; /* dtmf: A hangs up without all tones at B after this */
    simnet *net;
} call;

typedef struct peer {
    simua u; /* first: the simua callbacks find it there */
    struct world *w;
} peer;

typedef struct world {
    simnet *net;
    peer a, b;
    call *calls;
    unsigned ncalls;
    sipua_time next; /* drive(): the network runs until then */
} world;

static void record(side_rec *r, const sipua_session_event *ev)
{
    assert_true(r->n < MAX_EV);
    r->ev[r->n++] = ev->kind;
    if (ev->kind == SIPUA_SESSION_EV_DTMF && r->ntones < (int)sizeof r->tones)
        r->tones[r->ntones++] = ev->tone;
    if (ev->kind == SIPUA_SESSION_EV_PROGRESS && ev->code == 183)
        r->progress_183++;
    if (ev->kind == SIPUA_SESSION_EV_RENEGOTIATED && ev->code < 300)
        r->held[r->nheld++] = ev->held_local | ev->held_remote << 1;
    if (ev->kind == SIPUA_SESSION_EV_TERMINATED || ev->kind == SIPUA_SESSION_EV_FAILED ||
        ev->kind == SIPUA_SESSION_EV_CANCELED) {
        r->cause = ev->cause;
        r->code = ev->code;
        r->by_peer = ev->by_peer;
    }
}

static void on_a_event(sipua_session *s, const sipua_session_event *ev, void *user)
{
    call *c = user;
    record(&c->a, ev);
    if (c->f == F_DTMF && ev->kind == SIPUA_SESSION_EV_ACCEPTED)
        assert_int_equal(sipua_session_send_dtmf(s, "12#", NULL, simnet_now(c->net)), 0);
    if (c->f == F_HOLD) {
        sipua_time now = simnet_now(c->net);
        if (ev->kind == SIPUA_SESSION_EV_ACCEPTED)
            c->t_hold = now + 1000000;
        else if (ev->kind == SIPUA_SESSION_EV_RENEGOTIATED && ev->code >= 300)
            *(ev->held_local ? &c->t_unhold : &c->t_hold) = now + 1000000; /* refused: again */
        else if (ev->kind == SIPUA_SESSION_EV_RENEGOTIATED && ev->held_local)
            c->t_unhold = now + 1000000;
        else if (ev->kind == SIPUA_SESSION_EV_RENEGOTIATED)
            c->t_bye = now + 1000000;
    }
}

static void on_b_event(sipua_session *s, const sipua_session_event *ev, void *user)
{
    call *c = user;
    (void)s;
    record(&c->b, ev);
}

/* B's application: what to do with an incoming call, by flow. The call's
 * index travels in the X-Call header. */
static void on_ua_event(void *user, const sipua_ua_event *ev)
{
    peer *p = user;
    if (ev->type != SIPUA_UA_EV_INVITE)
        return;
    const sipua_hdr *h = sipua_msg_find_name(ev->msg, "X-Call");
    assert_non_null(h);
    unsigned long i = strtoul(h->value.p, NULL, 10);
    assert_true(i < p->w->ncalls);
    call *c = &p->w->calls[i];
    assert_null(c->b.s); /* one INVITE event per call, retransmissions absorbed */
    c->b.s = sipua_session_ref(ev->session);
    sipua_session_set_callback(ev->session, on_b_event, c);
    sipua_time now = simnet_now(p->u.net);
    switch (c->f) {
    case F_ACCEPT: assert_int_equal(sipua_session_accept(ev->session, NULL, now), 0); break;
    case F_RING_ACCEPT:
        assert_int_equal(sipua_session_progress(ev->session, NULL, now), 0);
        c->t_accept = now + 2000000;
        break;
    case F_REJECT: {
        sipua_answer_opts o;
        sipua_answer_opts_init(&o);
        o.status_code = 486;
        assert_int_equal(sipua_session_reject(ev->session, &o, now), 0);
        break;
    }
    case F_CANCEL: assert_int_equal(sipua_session_progress(ev->session, NULL, now), 0); break;
    case F_NO_ANSWER: break;
    case F_PREACCEPT:
        assert_int_equal(sipua_session_preaccept(ev->session, NULL, now), 0);
        c->t_accept = now + 1000000;
        break;
    case F_DTMF:
    case F_HOLD: assert_int_equal(sipua_session_accept(ev->session, NULL, now), 0); break;
    default: break;
    }
}

static void no_answer_in_5s(sipua_ua_config *cfg)
{
    cfg->no_answer_timeout = 5000000;
}

static void peer_init(world *w, peer *p, unsigned n)
{
    memset(p, 0, sizeof *p);
    p->w = w;
    assert_int_equal(simua_init(&p->u, w->net, n, on_ua_event, no_answer_in_5s), 0);
}

/* The earliest application action, or `until`. */
static sipua_time next_action(const world *w, sipua_time until)
{
    sipua_time next = until;
    for (unsigned i = 0; i < w->ncalls; i++) {
        const call *c = &w->calls[i];
        sipua_time t[5] = {c->t_accept, c->t_cancel, c->t_bye, c->t_hold, c->t_unhold};
        for (int k = 0; k < 5; k++)
            if (t[k] && t[k] < next)
                next = t[k];
    }
    return next;
}

/* simnet_run's stop: an event scheduled an action sooner than planned. */
static int sooner(void *arg)
{
    world *w = arg;
    return next_action(w, w->next) < w->next;
}

/* The application actions due by `now`, then the network until the next
 * one. */
static void drive(world *w, sipua_time until)
{
    for (;;) {
        sipua_time next = next_action(w, until);
        w->next = next;
        simnet_run(w->net, next, sooner, w);
        sipua_time now = simnet_now(w->net);
        int acted = 0;
        for (unsigned i = 0; i < w->ncalls; i++) {
            call *c = &w->calls[i];
            if (c->t_accept && c->t_accept <= now) {
                c->t_accept = 0;
                if (c->b.s && !sipua_session_is_ended(c->b.s))
                    sipua_session_accept(c->b.s, NULL, now);
                acted = 1;
            }
            if (c->t_cancel && c->t_cancel <= now) {
                c->t_cancel = 0;
                sipua_session_terminate(c->a.s, now);
                acted = 1;
            }
            sipua_time *th[2] = {&c->t_hold, &c->t_unhold};
            for (int k = 0; k < 2; k++) {
                if (!*th[k] || *th[k] > now)
                    continue;
                /* another exchange still under way (losses): later */
                int e = sipua_session_is_ended(c->a.s) ? 0
                        : k == 0                       ? sipua_session_hold(c->a.s, now)
                                                       : sipua_session_unhold(c->a.s, now);
                *th[k] = e == SIPUA_ESTATE ? now + 1000000 : 0;
                acted = 1;
            }
            if (c->t_bye && c->t_bye <= now) {
                sipua_session *s =
                    c->f == F_ACCEPT || c->f == F_DTMF || c->f == F_HOLD ? c->a.s : c->b.s;
                c->t_bye = 0;
                /* the DTMF flow hangs up once B has the tones (or has
                 * waited a minute for them) */
                int tones_wait = c->f == F_DTMF && c->b.ntones < 3 && now < c->tones_by;
                if (s && sipua_session_is_established(s) && !tones_wait)
                    sipua_session_terminate(s, now);
                else if (!s || !sipua_session_is_ended(s))
                    c->t_bye = now + 1000000; /* not up yet (losses): later */
                acted = 1;
            }
        }
        if (!acted && next >= until)
            return;
    }
}

static int has(const side_rec *r, sipua_session_event_kind k)
{
    for (int i = 0; i < r->n; i++)
        if (r->ev[i] == k)
            return 1;
    return 0;
}

static int finals(const side_rec *r)
{
    int n = 0;
    for (int i = 0; i < r->n; i++)
        n += r->ev[i] >= SIPUA_SESSION_EV_TERMINATED && r->ev[i] <= SIPUA_SESSION_EV_CANCELED;
    return n;
}

/* The events are in protocol order: progress* accepted? final, and
 * nothing after the final one. */
static int ordered(const side_rec *r)
{
    int seen_accept = 0;
    for (int i = 0; i < r->n; i++) {
        sipua_session_event_kind k = r->ev[i];
        if (k == SIPUA_SESSION_EV_PROGRESS && seen_accept)
            return 0;
        if (k == SIPUA_SESSION_EV_ACCEPTED)
            seen_accept = 1;
        if (k >= SIPUA_SESSION_EV_TERMINATED && k <= SIPUA_SESSION_EV_CANCELED && i != r->n - 1)
            return 0;
    }
    return 1;
}

typedef struct tally {
    unsigned calls, consistent, by_flow_ok[F_COUNT], by_flow[F_COUNT];
} tally;

static void print_call(uint64_t seed, unsigned i, const call *c, const char *why)
{
    fprintf(stderr, "seed %llu call %u (%s): %s; A:", (unsigned long long)seed, i, flow_names[c->f],
            why);
    for (int k = 0; k < c->a.n; k++)
        fprintf(stderr, " %d", c->a.ev[k]);
    fprintf(stderr, " cause %s code %d; B:", sipua_cause_str(c->a.cause), c->a.code);
    for (int k = 0; k < c->b.n; k++)
        fprintf(stderr, " %d", c->b.ev[k]);
    fprintf(stderr, " cause %s code %d\n", sipua_cause_str(c->b.cause), c->b.code);
}

static void fail_call(uint64_t seed, unsigned i, const call *c, const char *why)
{
    print_call(seed, i, c, why);
    fail();
}

/* A calls B for call i, its flow by i; the X-Call header tells B which. */
static call *start_call(world *w, unsigned i)
{
    call *c = &w->calls[i];
    c->f = (flow)(i % F_COUNT);
    c->net = w->net;
    char hdr[32];
    snprintf(hdr, sizeof hdr, "X-Call: %u", i);
    const char *extra[] = {hdr};
    sipua_invite_opts o;
    sipua_invite_opts_init(&o);
    o.extra_headers = extra;
    o.n_extra_headers = 1;
    assert_int_equal(sipua_invite(w->a.u.ua, SIPUA_STR("sip:bob@10.0.0.2"), &w->b.u.self, &o,
                                  on_a_event, c, simnet_now(w->net), &c->a.s),
                     0);
    return c;
}

static tally run_calls(uint64_t seed, double loss, double dup, double reorder, unsigned n)
{
    simnet_config cfg = {.seed = seed,
                         .loss = loss,
                         .dup = dup,
                         .reorder = reorder,
                         .delay_us = 20000,
                         .jitter_us = 10000,
                         .reorder_us = 30000};
    world w = {.ncalls = n};
    w.net = simnet_new(&cfg);
    w.calls = calloc(n, sizeof *w.calls);
    peer_init(&w, &w.a, 1);
    peer_init(&w, &w.b, 2);
    for (unsigned i = 0; i < n; i++) {
        call *c = start_call(&w, i);
        sipua_time now = simnet_now(w.net);
        if (c->f == F_CANCEL)
            c->t_cancel = now + 1000000;
        if (c->f == F_ACCEPT)
            c->t_bye = now + 3000000;
        if (c->f == F_RING_ACCEPT || c->f == F_PREACCEPT)
            c->t_bye = now + 5000000;
        if (c->f == F_DTMF) {
            c->t_bye = now + 2000000;
            c->tones_by = now + 60000000;
        }
        if (c->f == F_HOLD)
            c->t_bye = now + 60000000; /* sooner once unheld */
        drive(&w, now + 50000);
    }
    drive(&w, simnet_now(w.net) + 120000000); /* two minutes: every timer runs out */
    simnet_run(w.net, INT64_MAX, NULL, NULL);

    tally t = {0};
    for (unsigned i = 0; i < n; i++) {
        call *c = &w.calls[i];
        t.calls++;
        t.by_flow[c->f]++;
        if (finals(&c->a) != 1 || !ordered(&c->a))
            fail_call(seed, i, c, "A's events are not one final event in order");
        if (c->b.s && (finals(&c->b) != 1 || !ordered(&c->b)))
            fail_call(seed, i, c, "B's events are not one final event in order");
        if (sipua_session_end_time(c->a.s) == 0)
            fail_call(seed, i, c, "A has no end time");
        int a_acc = has(&c->a, SIPUA_SESSION_EV_ACCEPTED);
        int b_acc = has(&c->b, SIPUA_SESSION_EV_ACCEPTED);
        if (a_acc && sipua_session_start_time(c->a.s) == 0)
            fail_call(seed, i, c, "A accepted without a start time");
        /* agreement: an established call on one side is one on the other */
        if (a_acc != b_acc)
            fail_call(seed, i, c, "the sides disagree on whether the call was established");
        int ok = 0;
        switch (c->f) {
        case F_ACCEPT:
        case F_RING_ACCEPT:
            ok = a_acc && has(&c->a, SIPUA_SESSION_EV_TERMINATED) &&
                 has(&c->b, SIPUA_SESSION_EV_TERMINATED) && c->a.by_peer != c->b.by_peer;
            break;
        case F_REJECT:
            ok = has(&c->a, SIPUA_SESSION_EV_FAILED) && c->a.cause == SIPUA_CAUSE_BUSY &&
                 c->b.cause == SIPUA_CAUSE_BUSY;
            break;
        case F_CANCEL:
            ok = has(&c->a, SIPUA_SESSION_EV_CANCELED) && has(&c->b, SIPUA_SESSION_EV_CANCELED);
            break;
        case F_NO_ANSWER:
            ok = c->a.cause == SIPUA_CAUSE_UNAVAILABLE && c->b.cause == SIPUA_CAUSE_NO_ANSWER;
            break;
        case F_PREACCEPT:
            ok = a_acc && c->a.progress_183 == 1 && c->b.progress_183 == 1 &&
                 has(&c->a, SIPUA_SESSION_EV_TERMINATED) &&
                 has(&c->b, SIPUA_SESSION_EV_TERMINATED) && c->a.by_peer != c->b.by_peer;
            break;
        case F_DTMF:
            ok = a_acc && has(&c->a, SIPUA_SESSION_EV_TERMINATED) &&
                 has(&c->b, SIPUA_SESSION_EV_TERMINATED) && c->a.ntones == 3 && c->b.ntones == 3;
            break;
        case F_HOLD:
            /* A held B, then took it off hold; B saw the same */
            ok = a_acc && has(&c->a, SIPUA_SESSION_EV_TERMINATED) &&
                 has(&c->b, SIPUA_SESSION_EV_TERMINATED) && c->a.nheld == 2 && c->b.nheld == 2 &&
                 c->a.held[0] == 1 && c->a.held[1] == 0;
            break;
        default: break;
        }
        /* tones, whatever the network: in order, each once (INFO
         * retransmissions absorbed), none received that was not sent */
        if (memcmp(c->a.tones, "12#", (size_t)c->a.ntones) != 0 ||
            memcmp(c->b.tones, "12#", (size_t)c->b.ntones) != 0 || c->b.ntones > c->a.ntones)
            fail_call(seed, i, c, "DTMF tones out of order, repeated or unsent");
        /* hold states: B reports each exchange when its 2xx goes, A when
         * the 2xx arrives, so B has seen at least what A has, and each
         * side's view is the mirror of the other's */
        if (c->b.nheld < c->a.nheld)
            fail_call(seed, i, c, "A saw a renegotiation that B did not");
        for (int k = 0; k < c->a.nheld; k++)
            if (c->a.held[k] != ((c->b.held[k] >> 1) | (c->b.held[k] & 1) << 1))
                fail_call(seed, i, c, "the sides disagree on the hold state");
        /* a reliable 183 is reported once on each side */
        if (c->a.progress_183 > 1 || c->b.progress_183 > 1)
            fail_call(seed, i, c, "a reliable 183 reported twice");
        /* under loss a request may time out; then both sides must still
         * agree and end */
        if (ok)
            t.by_flow_ok[c->f]++;
        else if (getenv("SIPUA_SIM_VERBOSE"))
            print_call(seed, i, c, "not the outcome of its flow");
        else if (loss == 0 && dup == 0 && reorder == 0)
            fail_call(seed, i, c, "not the outcome of its flow on a perfect network");
        t.consistent++;
    }
    sipua_ua_stats sa, sb;
    sipua_ua_get_stats(w.a.u.ua, &sa);
    sipua_ua_get_stats(w.b.u.ua, &sb);
    if (sa.live_transactions || sb.live_transactions || sa.live_sessions || sb.live_sessions) {
        fprintf(stderr,
                "seed %llu: left behind: %zu/%zu transactions, %zu/%zu sessions, %zu/%zu "
                "dialogs\n",
                (unsigned long long)seed, sa.live_transactions, sb.live_transactions,
                sa.live_sessions, sb.live_sessions, sa.live_dialogs, sb.live_dialogs);
        fail();
    }
    for (unsigned i = 0; i < n; i++) {
        sipua_session_unref(w.calls[i].a.s);
        sipua_session_unref(w.calls[i].b.s);
    }
    sipua_ua_get_stats(w.a.u.ua, &sa);
    sipua_ua_get_stats(w.b.u.ua, &sb);
    assert_int_equal(sa.live_dialogs + sb.live_dialogs, 0);
    simua_free(&w.a.u);
    simua_free(&w.b.u);
    simnet_free(w.net);
    free(w.calls);
    return t;
}

/* Freeing a UA with calls in every state (calling, ringing, answered,
 * established) releases everything: the sanitizer build checks that
 * nothing leaks. */
static void test_freeing_the_ua_with_calls_in_progress(void **state)
{
    (void)state;
    simnet_config cfg = {.seed = 77, .delay_us = 20000};
    world w = {.ncalls = 2 * F_COUNT};
    w.net = simnet_new(&cfg);
    w.calls = calloc(w.ncalls, sizeof *w.calls);
    peer_init(&w, &w.a, 1);
    peer_init(&w, &w.b, 2);
    for (unsigned i = 0; i < w.ncalls; i++) {
        start_call(&w, i);
        /* half of them see some traffic, the rest are still calling */
        if (i < F_COUNT)
            simnet_run(w.net, simnet_now(w.net) + 30000, NULL, NULL);
    }
    simua_free(&w.a.u);
    simua_free(&w.b.u);
    for (unsigned i = 0; i < w.ncalls; i++) {
        sipua_session_unref(w.calls[i].a.s);
        sipua_session_unref(w.calls[i].b.s);
    }
    simnet_free(w.net);
    free(w.calls);
}

static void test_every_flow_on_a_perfect_network(void **state)
{
    (void)state;
    tally t = run_calls(1, 0, 0, 0, 50);
    for (int f = 0; f < F_COUNT; f++)
        assert_int_equal(t.by_flow_ok[f], t.by_flow[f]);
}

static void test_calls_under_twenty_percent_loss_and_reordering(void **state)
{
    (void)state;
    const char *env = getenv("SIPUA_SIM_SEEDS");
    unsigned seeds = env ? (unsigned)strtoul(env, NULL, 10) : 20;
    tally sum = {0};
    for (unsigned s = 0; s < seeds; s++) {
        tally t = run_calls(5000 + s, 0.20, 0.05, 0.20, 50);
        sum.calls += t.calls;
        sum.consistent += t.consistent;
        for (int f = 0; f < F_COUNT; f++) {
            sum.by_flow[f] += t.by_flow[f];
            sum.by_flow_ok[f] += t.by_flow_ok[f];
        }
    }
    printf("%u seeds, loss 20%%, duplication 5%%, reordering 20%%: %u calls, %u ended "
           "consistently on both sides;",
           seeds, sum.calls, sum.consistent);
    for (int f = 0; f < F_COUNT; f++)
        printf(" %s %u/%u", flow_names[f], sum.by_flow_ok[f], sum.by_flow[f]);
    printf(" ended as their flow\n");
    assert_int_equal(sum.consistent, sum.calls);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_flow_on_a_perfect_network),
        cmocka_unit_test(test_freeing_the_ua_with_calls_in_progress),
        cmocka_unit_test(test_calls_under_twenty_percent_loss_and_reordering),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
