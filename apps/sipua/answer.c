/* sipua answer: serves incoming calls, each answered as --mode says, until
 * N calls have ended or a signal arrives. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calls.h"
#include "sipua/io.h"

static void answer_usage(FILE *out)
{
    fputs("usage: sipua answer [--listen SPEC]... [--mode accept|preaccept|reject[=CODE]|ring]\n"
          "                    [--ring S] [--calls N] [--hangup-after S] [--hold-after S]\n"
          "                    [--refer URI [--refer-after S]]\n"
          "                    [--cert FILE --key FILE] [--json] [--ladder]\n"
          "\n"
          "Answers incoming calls and prints their events as they come.\n"
          "\n"
          "  --listen SPEC     TRANSPORT:HOST:PORT (udp:127.0.0.1:5060 by default;\n"
          "                    port 0 picks a free one); repeatable\n"
          "  --mode M          accept (default): ring --ring seconds, then 200 OK;\n"
          "                    preaccept: 183 with the SDP answer (reliable when the\n"
          "                    caller offers 100rel, RFC 3262), then 200 after --ring;\n"
          "                    reject[=CODE]: a final response, 480 by default;\n"
          "                    ring: 180 and never answer (the caller cancels, or the\n"
          "                    no-answer timer rejects after 60 s)\n"
          "  --ring S          seconds of 180 Ringing before accepting (default 0)\n"
          "  --calls N         exit after N calls have ended (default: until a signal)\n"
          "  --hangup-after S  send BYE S seconds after answering (default: the caller\n"
          "                    hangs up)\n"
          "  --hold-after S    put the caller on hold (re-INVITE, sendonly) S seconds\n"
          "                    after answering\n"
          "  --refer URI       once a call is answered, transfer the caller to URI\n"
          "                    (REFER, RFC 3515), and hang up when the transfer is done\n"
          "  --refer-after S   wait S seconds after answering before the REFER\n"
          "                    (default 0)\n"
          "  A REFER from a caller is accepted: the call to its target counts as one\n"
          "  more call.\n"
          "  --cert, --key     certificate and key for tls and wss listeners\n"
          "  --json            one JSON object per event on stdout\n"
          "  --quiet           print only the listening addresses and the summary\n"
          "  --ladder          print each call's SIP messages as a ladder when it ends\n"
          "\n"
          "exit status: 0 after N calls or a signal, 1 when a listener cannot be opened,\n"
          "2 usage error\n",
          out);
}

typedef enum mode { MODE_ACCEPT, MODE_PREACCEPT, MODE_REJECT, MODE_RING } mode;

typedef struct answer_run {
    sipua_io *io;
    calls out;
    mode m;
    int reject_code;
    double ring, hangup_after, hold_after; /* < 0: not asked */
    const char *refer;
    double refer_after;
    unsigned long calls_wanted, calls_ended;
    struct live_call **live; /* the calls in progress */
    size_t nlive, caplive;
    int stopping;
} answer_run;

typedef struct action {
    answer_run *r;
    sipua_session *s;
} action;

/* A call in progress: the session's callback user, which knows its place
 * in the list, so that ending a call is O(1) at any number of calls. */
typedef struct live_call {
    answer_run *r;
    sipua_session *s;
    size_t index;
} live_call;

static void forget(live_call *c)
{
    answer_run *r = c->r;
    live_call *last = r->live[--r->nlive];
    r->live[c->index] = last;
    last->index = c->index;
    sipua_session_unref(c->s);
    free(c);
}

static action *action_new(answer_run *r, sipua_session *s)
{
    action *a = malloc(sizeof *a);
    if (a) {
        a->r = r;
        a->s = sipua_session_ref(s);
    }
    return a;
}

static void action_done(action *a)
{
    sipua_session_unref(a->s);
    free(a);
}

static void do_accept(sipua_io *io, void *arg)
{
    action *a = arg;
    if (!sipua_session_is_ended(a->s))
        sipua_session_accept(a->s, NULL, sipua_io_now(io));
    action_done(a);
}

static void do_hangup(sipua_io *io, void *arg)
{
    action *a = arg;
    if (!sipua_session_is_ended(a->s))
        sipua_session_terminate(a->s, sipua_io_now(io));
    action_done(a);
}

static void do_hold(sipua_io *io, void *arg)
{
    action *a = arg;
    if (!sipua_session_is_ended(a->s)) {
        sipua_time now = sipua_io_now(io);
        calls_note(&a->r->out, a->s, now, "hold", NULL);
        int e = sipua_session_hold(a->s, now);
        if (e)
            fprintf(stderr, "sipua answer: cannot hold: %s\n", sipua_strerror(e));
    }
    action_done(a);
}

static void do_refer(sipua_io *io, void *arg)
{
    action *a = arg;
    answer_run *r = a->r;
    if (sipua_session_is_established(a->s)) {
        calls_note(&r->out, a->s, sipua_io_now(io), "refer", r->refer);
        int e = sipua_session_refer(a->s, (sipua_str){r->refer, strlen(r->refer)}, NULL,
                                    sipua_io_now(io));
        if (e) {
            fprintf(stderr, "sipua answer: cannot transfer to %s: %s\n", r->refer,
                    sipua_strerror(e));
            sipua_session_terminate(a->s, sipua_io_now(io));
        }
    }
    action_done(a);
}

static live_call *track(answer_run *r, sipua_session *s);

static void stop_soon(sipua_io *io, void *arg)
{
    (void)arg;
    sipua_io_stop(io);
}

static void on_session(sipua_session *s, const sipua_session_event *ev, void *user)
{
    live_call *lc = user;
    answer_run *r = lc->r;
    calls_event(&r->out, s, ev, sipua_io_now(r->io));
    switch (ev->kind) {
    case SIPUA_SESSION_EV_ACCEPTED:
        if (r->hangup_after >= 0) {
            action *a = action_new(r, s);
            if (a)
                sipua_io_after(r->io, (uint64_t)(r->hangup_after * 1000), do_hangup, a);
        }
        if (r->hold_after >= 0) {
            action *a = action_new(r, s);
            if (a)
                sipua_io_after(r->io, (uint64_t)(r->hold_after * 1000), do_hold, a);
        }
        if (r->refer && sipua_session_direction(s) == SIPUA_DIRECTION_INCOMING) {
            action *a = action_new(r, s);
            if (a)
                sipua_io_after(r->io, (uint64_t)(r->refer_after * 1000), do_refer, a);
        }
        break;
    case SIPUA_SESSION_EV_REFER_PROGRESS:
        /* the transfer is done, or failed: our part of the call ends */
        if (ev->refer_final && !sipua_session_is_ended(s)) {
            calls_note(&r->out, s, sipua_io_now(r->io), "hangup",
                       ev->code < 300 ? "transferred" : NULL);
            sipua_session_terminate(s, sipua_io_now(r->io));
        }
        break;
    case SIPUA_SESSION_EV_REFERRED: {
        /* the caller transfers us: we call the target, one more call */
        live_call *nc = track(r, NULL);
        sipua_session *next = NULL;
        if (!nc || sipua_session_refer_accept(s, on_session, nc, sipua_io_now(r->io), &next)) {
            if (nc)
                forget(nc);
            sipua_session_refer_reject(s, 0, sipua_io_now(r->io));
            break;
        }
        nc->s = next;
        char what[600];
        snprintf(what, sizeof what, "%.*s (transferred)", (int)ev->refer_to.len, ev->refer_to.p);
        calls_note(&r->out, next, sipua_io_now(r->io), "invite", what);
        break;
    }
    case SIPUA_SESSION_EV_TERMINATED:
    case SIPUA_SESSION_EV_FAILED:
    case SIPUA_SESSION_EV_CANCELED:
        calls_print_ladder(&r->out, s);
        r->calls_ended++;
        forget(lc);
        if (r->calls_wanted && r->calls_ended >= r->calls_wanted && !r->stopping) {
            r->stopping = 1;
            sipua_io_after(r->io, 300, stop_soon, r); /* the last 200, ACK */
        }
        break;
    default: break;
    }
}

/* A new entry in the list of calls in progress, for session s (a
 * reference is taken; NULL: set later). NULL when out of memory. */
static live_call *track(answer_run *r, sipua_session *s)
{
    live_call *lc = malloc(sizeof *lc);
    if (lc && r->nlive == r->caplive) {
        size_t cap = r->caplive ? 2 * r->caplive : 64;
        live_call **n = realloc(r->live, cap * sizeof *n);
        if (n) {
            r->live = n;
            r->caplive = cap;
        }
    }
    if (!lc || r->nlive == r->caplive) {
        free(lc);
        return NULL;
    }
    lc->r = r;
    lc->s = s ? sipua_session_ref(s) : NULL;
    lc->index = r->nlive;
    r->live[r->nlive++] = lc;
    return lc;
}

static void on_ua_event(void *user, const sipua_ua_event *ev)
{
    answer_run *r = user;
    if (ev->type != SIPUA_UA_EV_INVITE)
        return;
    sipua_session *s = ev->session;
    sipua_time now = sipua_io_now(r->io);
    live_call *lc = track(r, s);
    if (!lc) {
        sipua_answer_opts o;
        sipua_answer_opts_init(&o);
        o.status_code = 503;
        sipua_session_reject(s, &o, now);
        return;
    }
    sipua_session_set_callback(s, on_session, lc);
    char from[300];
    const sipua_nameaddr *id = sipua_session_remote_identity(s);
    snprintf(from, sizeof from, "from %.*s", id ? (int)id->uri.whole.len : 0,
             id ? id->uri.whole.p : "");
    calls_note(&r->out, s, now, "incoming", from);
    switch (r->m) {
    case MODE_REJECT: {
        sipua_answer_opts o;
        sipua_answer_opts_init(&o);
        o.status_code = r->reject_code;
        sipua_session_reject(s, &o, now);
        break;
    }
    case MODE_RING: sipua_session_progress(s, NULL, now); break;
    case MODE_PREACCEPT: {
        sipua_session_preaccept(s, NULL, now);
        action *a = action_new(r, s);
        if (a)
            sipua_io_after(r->io, (uint64_t)(r->ring * 1000), do_accept, a);
        break;
    }
    case MODE_ACCEPT:
        if (r->ring > 0) {
            sipua_session_progress(s, NULL, now);
            action *a = action_new(r, s);
            if (a)
                sipua_io_after(r->io, (uint64_t)(r->ring * 1000), do_accept, a);
        } else {
            sipua_session_accept(s, NULL, now);
        }
        break;
    }
}

static answer_run *g_run;

static void on_interrupt(sipua_io *io, int signum)
{
    (void)signum;
    answer_run *r = g_run;
    if (!r || r->stopping || !r->nlive) {
        sipua_io_stop(io);
        return;
    }
    /* end the calls in progress (BYE, or 480 for those not answered), then
     * stop; a second signal stops at once */
    r->stopping = 1;
    size_t n = r->nlive;
    sipua_session **copy = malloc(n * sizeof *copy);
    if (!copy) {
        sipua_io_stop(io);
        return;
    }
    for (size_t i = 0; i < n; i++)
        copy[i] = sipua_session_ref(r->live[i]->s);
    for (size_t i = 0; i < n; i++) {
        sipua_session_terminate(copy[i], sipua_io_now(io));
        sipua_session_unref(copy[i]);
    }
    free(copy);
    sipua_io_after(io, 2000, stop_soon, r);
}

static void on_trace(void *user, int outgoing, const sipua_endpoint *peer, const char *msg,
                     size_t len)
{
    answer_run *r = user;
    calls_trace(&r->out, outgoing, peer, msg, len, sipua_io_now(r->io));
}

static int seconds_arg(const char *opt, const char *v, double *out)
{
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (!*v || *end || errno || d < 0 || d > 86400) {
        fprintf(stderr, "sipua answer: bad %s value '%s' (seconds, 0 to 86400)\n", opt, v);
        return -1;
    }
    *out = d;
    return 0;
}

int cmd_answer(int argc, char **argv)
{
    answer_run r;
    memset(&r, 0, sizeof r);
    r.m = MODE_ACCEPT;
    r.reject_code = 480;
    r.hangup_after = r.hold_after = -1;
    const char *listen[SIPUA_UA_MAX_LISTEN];
    size_t nlisten = 0;
    const char *cert = NULL, *key = NULL;
    int json = 0, ladder = 0, quiet = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = !strcmp(a, "--listen") || !strcmp(a, "--mode") || !strcmp(a, "--ring") ||
                    !strcmp(a, "--calls") || !strcmp(a, "--hangup-after") || !strcmp(a, "--cert") ||
                    !strcmp(a, "--key") || !strcmp(a, "--hold-after") || !strcmp(a, "--refer") ||
                    !strcmp(a, "--refer-after");
        if (takes && !v) {
            fprintf(stderr, "sipua answer: %s needs a value\n", a);
            return EXIT_USAGE;
        }
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            answer_usage(stdout);
            return EXIT_OK;
        } else if (!strcmp(a, "--json")) {
            json = 1;
        } else if (!strcmp(a, "--quiet")) {
            quiet = 1;
        } else if (!strcmp(a, "--ladder")) {
            ladder = 1;
        } else if (!strcmp(a, "--listen")) {
            sipua_endpoint ep;
            if (sipua_listen_spec_parse(v, &ep) != 0) {
                fprintf(stderr, "sipua answer: bad listen spec '%s' (TRANSPORT:HOST:PORT)\n", v);
                return EXIT_USAGE;
            }
            if (nlisten == SIPUA_UA_MAX_LISTEN) {
                fprintf(stderr, "sipua answer: at most %d --listen\n", SIPUA_UA_MAX_LISTEN);
                return EXIT_USAGE;
            }
            listen[nlisten++] = v;
            i++;
        } else if (!strcmp(a, "--mode")) {
            if (!strcmp(v, "accept")) {
                r.m = MODE_ACCEPT;
            } else if (!strcmp(v, "ring")) {
                r.m = MODE_RING;
            } else if (!strcmp(v, "preaccept")) {
                r.m = MODE_PREACCEPT;
            } else if (!strncmp(v, "reject", 6) && (v[6] == 0 || v[6] == '=')) {
                r.m = MODE_REJECT;
                if (v[6] == '=') {
                    char *end;
                    long code = strtol(v + 7, &end, 10);
                    if (!v[7] || *end || code < 300 || code > 699) {
                        fprintf(stderr, "sipua answer: bad reject code '%s' (300 to 699)\n", v + 7);
                        return EXIT_USAGE;
                    }
                    r.reject_code = (int)code;
                }
            } else {
                fprintf(
                    stderr,
                    "sipua answer: unknown mode '%s' (accept, preaccept, reject[=CODE], ring)\n",
                    v);
                return EXIT_USAGE;
            }
            i++;
        } else if (!strcmp(a, "--refer")) {
            sipua_uri ru;
            if (sipua_uri_parse((sipua_str){v, strlen(v)}, &ru) != 0 ||
                (ru.scheme_id != SIPUA_URI_SIP && ru.scheme_id != SIPUA_URI_SIPS)) {
                fprintf(stderr, "sipua answer: --refer '%s' is not a sip: or sips: URI\n", v);
                return EXIT_USAGE;
            }
            r.refer = v;
            i++;
        } else if (!strcmp(a, "--refer-after")) {
            if (seconds_arg(a, v, &r.refer_after))
                return EXIT_USAGE;
            i++;
        } else if (!strcmp(a, "--ring")) {
            if (seconds_arg(a, v, &r.ring))
                return EXIT_USAGE;
            i++;
        } else if (!strcmp(a, "--hangup-after")) {
            if (seconds_arg(a, v, &r.hangup_after))
                return EXIT_USAGE;
            i++;
        } else if (!strcmp(a, "--hold-after")) {
            if (seconds_arg(a, v, &r.hold_after))
                return EXIT_USAGE;
            i++;
        } else if (!strcmp(a, "--calls")) {
            char *end;
            errno = 0;
            unsigned long n = strtoul(v, &end, 10);
            if (!*v || *end || errno || *v == '-' || n == 0) {
                fprintf(stderr, "sipua answer: bad --calls value '%s'\n", v);
                return EXIT_USAGE;
            }
            r.calls_wanted = n;
            i++;
        } else if (!strcmp(a, "--cert")) {
            cert = v;
            i++;
        } else if (!strcmp(a, "--key")) {
            key = v;
            i++;
        } else {
            fprintf(stderr, "sipua answer: unexpected argument '%s'\n", a);
            answer_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if ((cert == NULL) != (key == NULL)) {
        fprintf(stderr, "sipua answer: --cert and --key go together\n");
        return EXIT_USAGE;
    }
    if (!nlisten)
        listen[nlisten++] = "udp:127.0.0.1:5060";
    sipua_io_config cfg;
    sipua_io_config_init(&cfg);
    cfg.cert_file = cert;
    cfg.key_file = key;
    cfg.trace = ladder ? on_trace : NULL;
    if (sipua_io_new(&cfg, on_ua_event, &r, &r.io) != 0) {
        fprintf(stderr, "sipua answer: cannot start: TLS setup failed\n");
        return EXIT_FAIL;
    }
    calls_init(&r.out, sipua_io_now(r.io), json, ladder);
    r.out.quiet = quiet;
    for (size_t i = 0; i < nlisten; i++) {
        sipua_endpoint bound;
        int e = sipua_io_listen(r.io, listen[i], &bound);
        if (e != 0) {
            fprintf(stderr, "sipua answer: cannot listen on %s: %s\n", listen[i],
                    sipua_io_last_error(r.io));
            sipua_io_free(r.io);
            calls_free(&r.out);
            return e == SIPUA_EINVAL ? EXIT_USAGE : EXIT_FAIL;
        }
        char t[8];
        snprintf(t, sizeof t, "%s", sipua_transport_name(bound.transport));
        for (char *c = t; *c; c++)
            *c = (char)(*c | 0x20);
        if (json)
            printf("{\"event\":\"listening\",\"transport\":\"%s\",\"host\":\"%s\",\"port\":%u}\n",
                   t, bound.host, (unsigned)bound.port);
        else
            printf(strchr(bound.host, ':') ? "listening on %s:[%s]:%u\n"
                                           : "listening on %s:%s:%u\n",
                   t, bound.host, (unsigned)bound.port);
    }
    fflush(stdout);
    g_run = &r;
    sipua_io_on_signal(r.io, SIGINT, on_interrupt);
    sipua_io_on_signal(r.io, SIGTERM, on_interrupt);
    sipua_io_run(r.io);
    while (r.nlive)
        forget(r.live[r.nlive - 1]);
    free(r.live);
    sipua_io_free(r.io);
    calls_free(&r.out);
    g_run = NULL;
    if (!json)
        printf("%lu calls ended\n", r.calls_ended);
    return EXIT_OK;
}
