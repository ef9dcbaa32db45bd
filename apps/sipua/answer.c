/* sipua answer: serves incoming calls, each answered as --mode says, until
 * N calls have ended or a signal arrives. With an account (--aor, or the
 * configuration file's), it registers its Contact while it serves and
 * unregisters on the way out, and its requests answer Digest challenges. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "calls.h"
#include "config.h"
#include "sipua/auth.h"
#include "sipua/io.h"
#include "sipua/register.h"

static void answer_usage(FILE *out)
{
    fputs("usage: sipua answer [--listen SPEC]... [--mode accept|preaccept|reject[=CODE]|ring]\n"
          "                    [--ring S] [--calls N] [--hangup-after S] [--hold-after S]\n"
          "                    [--refer URI [--refer-after S]]\n"
          "                    [--auth USER:PASSWORD]... [--auth-realm R] [--auth-algorithm A]\n"
          "                    [--cert FILE --key FILE] [--ca FILE] [--insecure]\n"
          "                    [--config FILE] [--aor URI] [--display-name NAME]\n"
          "                    [--user NAME] [--password PW] [--registrar URI]\n"
          "                    [--proxy URI] [--expires S] [--user-agent TEXT]\n"
          "                    [--outbound] [--gruu] [--instance-id URN]\n"
          "                    [--100rel supported|required|no] [--session-timer yes|no]\n"
          "                    [--session-expires S] [--min-se S] [--t1 MS] [--t2 MS] [--t4 MS]\n"
          "                    [--json] [--quiet] [--ladder]\n"
          "\n"
          "Answers incoming calls and prints their events as they come. With an\n"
          "address-of-record it registers while it serves, so that calls to it through\n"
          "the registrar reach it.\n"
          "\n"
          "  --listen SPEC     TRANSPORT:HOST:PORT (udp:127.0.0.1:5060 by default,\n"
          "                    none when registering; port 0 picks a free one);\n"
          "                    repeatable\n"
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
          "                    (REFER, RFC 3515), and hang up when the transfer is done;\n"
          "                    a caller who came by a transfer (Referred-By) stays\n"
          "  --refer-after S   wait S seconds after answering before the REFER\n"
          "                    (default 0)\n"
          "  A REFER from a caller is accepted: the call to its target counts as one\n"
          "  more call.\n"
          "  --cert, --key     certificate and key for tls and wss listeners\n"
          "  --auth USER:PASSWORD  challenge every incoming INVITE (401, Digest) and\n"
          "                    take only callers with these credentials; repeatable\n"
          "  --auth-realm R    the realm of the challenges (default \"sipua\")\n"
          "  --auth-algorithm A  MD5 (default, what most clients take), SHA-256 or\n"
          "                    SHA-512-256\n"
          "  --ca FILE         trust the CAs in FILE for TLS and WSS to the registrar\n"
          "  --insecure        do not verify the registrar's certificate\n"
          "  --config FILE     the settings file (default ~/.config/sipua/config, when it\n"
          "                    exists; see docs/config.md); the flags below override it\n"
          "  --aor URI         register this address-of-record while serving calls\n"
          "                    (with our Contact: the listener on the registrar's\n"
          "                    transport, else the connection we open to it), refresh\n"
          "                    it, and unregister on exit\n"
          "  --registrar URI   the registrar (default: the AOR's domain); its\n"
          "                    ;transport= is the transport of the registration\n"
          "  --proxy URI       an outbound proxy for the REGISTER (Route, ;lr)\n"
          "  --expires S       the registration's expiry (default 600)\n"
          "  --user NAME, --password PW  Digest credentials for the registration and\n"
          "                    for challenges to our requests in a call (user default:\n"
          "                    the AOR's user; SIPUA_PASSWORD in the environment keeps\n"
          "                    the password off the command line)\n"
          "  --display-name NAME, --user-agent TEXT  in the REGISTER\n"
          "  --outbound        RFC 5626 outbound over TCP, TLS, WS or WSS: calls come\n"
          "                    over the connection we registered on, kept up at the\n"
          "                    registrar's Flow-Timer; our Contact carries ;ob\n"
          "  --gruu            ask for GRUUs (RFC 5627): the public one becomes our\n"
          "                    Contact in calls to the AOR\n"
          "  --instance-id URN this instance's +sip.instance (default with --outbound\n"
          "                    or --gruu: a UUID kept in "
          "~/.config/sipua/instance-id)\n" APP_UA_FLAGS_HELP
          "  --json            one JSON object per event on stdout\n"
          "  --quiet           print only the listening addresses and the summary\n"
          "  --ladder          print each call's SIP messages as a ladder when it ends\n"
          "\n"
          "exit status: 0 after N calls or a signal, 1 when a listener cannot be opened\n"
          "or the first registration fails (the cause is printed), 2 usage error\n",
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
    /* the registration, with an account */
    sipua_register_config rc;
    sipua_endpoint registrar; /* where the REGISTER goes */
    uint64_t reg_id;
    int reg_active;    /* started, not ended */
    int unregistering; /* the REGISTER with Expires: 0 is out */
    unsigned long registrations;
    int exit_code;
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
    int by_transfer; /* its INVITE came from a transfer (Referred-By) */
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

/* ------------------------------------------------------------------ */
/* The registration                                                    */

static double reg_secs(const answer_run *r)
{
    return (double)(sipua_io_now(r->io) - r->out.t0) / 1e6;
}

/* A line of the timeline, or a JSON object, for a registration event. */
static void reg_print(answer_run *r, const char *what, const sipua_ua_event *ev)
{
    if (!r->out.quiet)
        reg_event_print(ev, what, r->rc.aor, reg_secs(r), sipua_io_now(r->io), r->out.json);
}

static void reg_start(sipua_io *io, void *arg)
{
    answer_run *r = arg;
    if (r->stopping)
        return;
    int e = sipua_register(sipua_io_ua(io), &r->rc, &r->registrar, sipua_io_now(io), &r->reg_id);
    if (e) {
        fprintf(stderr, "sipua answer: cannot register: %s%s%s\n", sipua_strerror(e),
                sipua_io_last_error(io)[0] ? ": " : "", sipua_io_last_error(io));
        r->exit_code = EXIT_FAIL;
        sipua_io_stop(io);
        return;
    }
    r->reg_active = 1;
    const sipua_endpoint *to = &r->registrar;
    int v6 = strchr(to->host, ':') != NULL;
    if (r->out.quiet) {
        /* nothing */
    } else if (r->out.json) {
        printf("{\"time\":%.6f,\"event\":\"register\",\"aor\":", reg_secs(r));
        json_str(stdout, r->rc.aor, strlen(r->rc.aor));
        printf(",\"transport\":\"%s\",\"host\":\"%s\",\"port\":%u}\n",
               sipua_transport_name(to->transport), to->host, (unsigned)to->port);
    } else {
        printf("[%9.3f] register %s via %s:%s%s%s:%u\n", reg_secs(r), r->rc.aor,
               sipua_transport_name(to->transport), v6 ? "[" : "", to->host, v6 ? "]" : "",
               (unsigned)to->port);
    }
    fflush(stdout);
}

/* Undoes the registration on the way out (REGISTER with Expires: 0).
 * Returns 1 while its answer is awaited. */
static int reg_undo(answer_run *r)
{
    if (r->unregistering || !r->reg_active)
        return r->unregistering;
    if (sipua_unregister(sipua_io_ua(r->io), r->reg_id, sipua_io_now(r->io)) != 0) {
        r->reg_active = 0;
        return 0;
    }
    r->unregistering = 1;
    return 1;
}

/* The calls asked for are over, or a signal came: once the calls in
 * progress and the registration are done, stop (at the latest after
 * `bound` ms: an unanswered REGISTER over UDP would take 32 s). */
static void wind_down(answer_run *r, uint64_t linger, uint64_t bound)
{
    r->stopping = 1;
    if (reg_undo(r))
        linger = bound;
    sipua_io_after(r->io, linger, stop_soon, r);
}

/* Stopping, the calls over and the registration ended: nothing to wait
 * for. */
static void stop_if_done(answer_run *r)
{
    if (r->stopping && !r->nlive && !r->reg_active)
        sipua_io_after(r->io, 100, stop_soon, r);
}

static void on_reg_ended(answer_run *r)
{
    r->reg_active = 0;
    stop_if_done(r);
}

static void on_registration(answer_run *r, const sipua_ua_event *ev)
{
    switch (ev->type) {
    case SIPUA_UA_EV_REGISTERED:
        reg_print(r, r->registrations++ ? "refreshed" : "registered", ev);
        break;
    case SIPUA_UA_EV_UNREGISTERED:
        reg_print(r, "unregistered", ev);
        on_reg_ended(r);
        break;
    case SIPUA_UA_EV_REGISTRATION_FAILED:
        reg_print(r, "registration_failed", ev);
        if (r->registrations || r->stopping) {
            /* with retry_at the library tries again while we serve */
            if (!ev->retry_at)
                on_reg_ended(r);
            break;
        }
        /* never registered: nobody can reach us through the registrar */
        r->reg_active = 0;
        fprintf(stderr, "sipua answer: registration failed: %s", reg_cause_name(ev->cause));
        if (ev->status)
            fprintf(stderr, " (%d %.*s)", ev->status, (int)ev->reason.len, ev->reason.p);
        fputc('\n', stderr);
        if (ev->retry_at)
            sipua_register_cancel(sipua_io_ua(r->io), r->reg_id);
        r->exit_code = EXIT_FAIL;
        sipua_io_stop(r->io);
        break;
    default: break;
    }
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
        /* a caller sent here by a transfer is not sent on again: two
         * --refer answers (or one referring to itself) would loop */
        if (r->refer && sipua_session_direction(s) == SIPUA_DIRECTION_INCOMING &&
            !lc->by_transfer) {
            action *a = action_new(r, s);
            if (a)
                sipua_io_after(r->io, (uint64_t)(r->refer_after * 1000), do_refer, a);
        }
        break;
    case SIPUA_SESSION_EV_REFER_PROGRESS:
        /* the transfer is done, or failed: our part of the call ends */
        if (ev->refer_final && !sipua_session_is_ended(s)) {
            calls_note(&r->out, s, sipua_io_now(r->io), "hangup", calls_transfer_outcome(ev->code));
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
        if (r->calls_wanted && r->calls_ended >= r->calls_wanted && !r->stopping)
            wind_down(r, 300, 5000); /* the last 200, ACK */
        else
            stop_if_done(r);
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
    lc->by_transfer = 0;
    r->live[r->nlive++] = lc;
    return lc;
}

static void on_ua_event(void *user, const sipua_ua_event *ev)
{
    answer_run *r = user;
    if (ev->type >= SIPUA_UA_EV_REGISTERED && ev->request_id == r->reg_id && r->reg_active) {
        on_registration(r, ev);
        return;
    }
    if (ev->type != SIPUA_UA_EV_INVITE)
        return;
    sipua_session *s = ev->session;
    sipua_time now = sipua_io_now(r->io);
    live_call *lc = track(r, s);
    if (lc)
        lc->by_transfer = sipua_msg_find(ev->msg, SIPUA_HDR_REFERRED_BY, NULL) != NULL;
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
    if (!r || r->stopping || (!r->nlive && !r->reg_active)) {
        sipua_io_stop(io);
        return;
    }
    /* end the calls in progress (BYE, or 480 for those not answered) and
     * the registration, then stop; a second signal stops at once */
    size_t n = r->nlive;
    sipua_session **copy = malloc((n ? n : 1) * sizeof *copy);
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
    wind_down(r, 2000, 5000);
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

#define MAX_AUTH 16

typedef struct answer_opts {
    const char *listen[SIPUA_UA_MAX_LISTEN];
    size_t nlisten;
    const char *auth[MAX_AUTH]; /* --auth USER:PASS */
    size_t nauth;
    const char *auth_realm;
    int auth_alg;
    const char *cert, *key, *ca;
    int json, ladder, quiet, insecure;
    app_config acct_flags; /* the account flags */
    const char *config_path;
} answer_opts;

/* The command line into r and o. Returns 0, 1 after --help, or -1 after
 * printing a usage error. */
static int parse_args(int argc, char **argv, answer_run *r, answer_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = !strcmp(a, "--listen") || !strcmp(a, "--mode") || !strcmp(a, "--ring") ||
                    !strcmp(a, "--calls") || !strcmp(a, "--hangup-after") || !strcmp(a, "--cert") ||
                    !strcmp(a, "--key") || !strcmp(a, "--hold-after") || !strcmp(a, "--refer") ||
                    !strcmp(a, "--refer-after") || !strcmp(a, "--ca") || !strcmp(a, "--auth") ||
                    !strcmp(a, "--auth-realm") || !strcmp(a, "--auth-algorithm") ||
                    app_account_takes(a);
        if (takes && !v) {
            fprintf(stderr, "sipua answer: %s needs a value\n", a);
            return -1;
        }
        int acct =
            takes ? app_account_flag(&o->acct_flags, &o->config_path, a, v, "sipua answer") : 0;
        if (acct < 0)
            return -1;
        if (acct > 0) {
            i++;
        } else if (app_account_switch(&o->acct_flags, a)) {
            continue;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            answer_usage(stdout);
            return 1;
        } else if (!strcmp(a, "--json")) {
            o->json = 1;
        } else if (!strcmp(a, "--quiet")) {
            o->quiet = 1;
        } else if (!strcmp(a, "--ladder")) {
            o->ladder = 1;
        } else if (!strcmp(a, "--insecure")) {
            o->insecure = 1;
        } else if (!strcmp(a, "--listen")) {
            sipua_endpoint ep;
            if (sipua_listen_spec_parse(v, &ep) != 0) {
                fprintf(stderr, "sipua answer: bad listen spec '%s' (TRANSPORT:HOST:PORT)\n", v);
                return -1;
            }
            if (o->nlisten == SIPUA_UA_MAX_LISTEN) {
                fprintf(stderr, "sipua answer: at most %d --listen\n", SIPUA_UA_MAX_LISTEN);
                return -1;
            }
            o->listen[o->nlisten++] = v;
            i++;
        } else if (!strcmp(a, "--mode")) {
            if (!strcmp(v, "accept")) {
                r->m = MODE_ACCEPT;
            } else if (!strcmp(v, "ring")) {
                r->m = MODE_RING;
            } else if (!strcmp(v, "preaccept")) {
                r->m = MODE_PREACCEPT;
            } else if (!strncmp(v, "reject", 6) && (v[6] == 0 || v[6] == '=')) {
                r->m = MODE_REJECT;
                if (v[6] == '=') {
                    char *end;
                    long code = strtol(v + 7, &end, 10);
                    if (!v[7] || *end || code < 300 || code > 699) {
                        fprintf(stderr, "sipua answer: bad reject code '%s' (300 to 699)\n", v + 7);
                        return -1;
                    }
                    r->reject_code = (int)code;
                }
            } else {
                fprintf(
                    stderr,
                    "sipua answer: unknown mode '%s' (accept, preaccept, reject[=CODE], ring)\n",
                    v);
                return -1;
            }
            i++;
        } else if (!strcmp(a, "--refer")) {
            sipua_uri ru;
            if (sipua_uri_parse((sipua_str){v, strlen(v)}, &ru) != 0 ||
                (ru.scheme_id != SIPUA_URI_SIP && ru.scheme_id != SIPUA_URI_SIPS)) {
                fprintf(stderr, "sipua answer: --refer '%s' is not a sip: or sips: URI\n", v);
                return -1;
            }
            r->refer = v;
            i++;
        } else if (!strcmp(a, "--refer-after") || !strcmp(a, "--ring") ||
                   !strcmp(a, "--hangup-after") || !strcmp(a, "--hold-after")) {
            double *d = !strcmp(a, "--refer-after")  ? &r->refer_after
                        : !strcmp(a, "--ring")       ? &r->ring
                        : !strcmp(a, "--hold-after") ? &r->hold_after
                                                     : &r->hangup_after;
            if (seconds_arg(a, v, d))
                return -1;
            i++;
        } else if (!strcmp(a, "--calls")) {
            char *end;
            errno = 0;
            unsigned long n = strtoul(v, &end, 10);
            if (!*v || *end || errno || *v == '-' || n == 0) {
                fprintf(stderr, "sipua answer: bad --calls value '%s'\n", v);
                return -1;
            }
            r->calls_wanted = n;
            i++;
        } else if (!strcmp(a, "--auth")) {
            const char *colon = strchr(v, ':');
            if (!colon || colon == v || !colon[1] || o->nauth == MAX_AUTH) {
                fprintf(stderr, "sipua answer: bad --auth (USER:PASSWORD, at most %d)\n", MAX_AUTH);
                return -1;
            }
            o->auth[o->nauth++] = v;
            i++;
        } else if (!strcmp(a, "--auth-realm")) {
            if (!*v || strpbrk(v, "\"\\\r\n")) {
                fprintf(stderr, "sipua answer: bad --auth-realm '%s'\n", v);
                return -1;
            }
            o->auth_realm = v;
            i++;
        } else if (!strcmp(a, "--auth-algorithm")) {
            int alg = sipua_digest_alg_from_str((sipua_str){v, strlen(v)});
            if (alg < 0) {
                fprintf(stderr,
                        "sipua answer: unknown --auth-algorithm '%s' (MD5, SHA-256, "
                        "SHA-512-256)\n",
                        v);
                return -1;
            }
            o->auth_alg = alg;
            i++;
        } else if (!strcmp(a, "--cert") || !strcmp(a, "--key") || !strcmp(a, "--ca")) {
            *(!strcmp(a, "--cert") ? &o->cert : !strcmp(a, "--key") ? &o->key : &o->ca) = v;
            i++;
        } else {
            fprintf(stderr, "sipua answer: unexpected argument '%s'\n", a);
            answer_usage(stderr);
            return -1;
        }
    }
    if ((o->cert == NULL) != (o->key == NULL)) {
        fprintf(stderr, "sipua answer: --cert and --key go together\n");
        return -1;
    }
    return 0;
}

/* The account (an AOR, from the flags or the file) into r->rc and the
 * registrar's address. Returns 0 without an account, 1 with one, -1
 * after printing why it cannot be used. */
static int account_prepare(answer_run *r, const app_config *a)
{
    if (!a->aor) {
        if (a->registrar || a->proxy) {
            fprintf(stderr, "sipua answer: registering needs --aor\n");
            return -1;
        }
        return 0;
    }
    sipua_uri u;
    if (sipua_uri_parse((sipua_str){a->aor, strlen(a->aor)}, &u) != 0 || !u.user.len) {
        fprintf(stderr, "sipua answer: the address-of-record '%s' has no user part\n", a->aor);
        return -1;
    }
    account_register_config(a, a->aor, &r->rc);
    /* the REGISTER goes to the proxy, else the registrar, else the AOR's
     * domain: an address found as a proxy's is */
    app_config hop;
    memset(&hop, 0, sizeof hop);
    hop.proxy = a->proxy ? a->proxy : a->registrar ? a->registrar : a->aor;
    sipua_transport t = SIPUA_TRANSPORT_UDP;
    if (a->transport)
        sipua_transport_from_name((sipua_str){a->transport, strlen(a->transport)}, &t);
    char route[1100];
    if (app_config_proxy(&hop, t, &r->registrar, route, sizeof route, "sipua answer") != 0)
        return -1;
    const char *why = account_check(a, r->registrar.transport);
    if (why) {
        fprintf(stderr, "sipua answer: %s\n", why);
        return -1;
    }
    return 1;
}

/* Opens the listeners, printing each address; with an account, the UA's
 * identity toward the registrar when no listener has its transport.
 * Returns EXIT_OK or the exit status after printing why. */
static int open_listeners(answer_run *r, const answer_opts *o, int registering)
{
    int reg_transport_heard = 0;
    for (size_t i = 0; i < o->nlisten; i++) {
        sipua_endpoint bound;
        int e = sipua_io_listen(r->io, o->listen[i], &bound);
        if (e != 0) {
            fprintf(stderr, "sipua answer: cannot listen on %s: %s\n", o->listen[i],
                    sipua_io_last_error(r->io));
            return e == SIPUA_EINVAL ? EXIT_USAGE : EXIT_FAIL;
        }
        reg_transport_heard |= bound.transport == r->registrar.transport;
        print_listening(&bound, o->json);
    }
    fflush(stdout);
    /* a client toward the registrar: the calls come over the connection
     * we open (or the UDP socket we send from) */
    if (registering && !reg_transport_heard &&
        sipua_io_prepare_client(r->io, r->registrar.transport, r->registrar.host) != 0) {
        fprintf(stderr, "sipua answer: %s\n", sipua_io_last_error(r->io));
        return EXIT_FAIL;
    }
    return EXIT_OK;
}

/* --auth: the password of a user, from the USER:PASSWORD list. */
static int auth_password(void *user, sipua_str username, sipua_str realm, char *out, size_t cap)
{
    const answer_opts *o = user;
    (void)realm;
    for (size_t i = 0; i < o->nauth; i++) {
        const char *colon = strchr(o->auth[i], ':');
        size_t ul = (size_t)(colon - o->auth[i]), pl = strlen(colon + 1);
        if (ul == username.len && memcmp(o->auth[i], username.p, ul) == 0 && pl < cap) {
            memcpy(out, colon + 1, pl);
            return (int)pl;
        }
    }
    return -1;
}

/* Runs the loop: listeners, credentials, the registration, the calls. */
static int serve(answer_run *r, const answer_opts *o, const app_config *acct, int registering)
{
    int rc = open_listeners(r, o, registering);
    if (rc != EXIT_OK)
        return rc;
    /* (the UA exists from here on: sipua_io_ua() makes it) */
    char ubuf[256];
    const char *auth_user = app_config_auth_user(acct, ubuf, sizeof ubuf);
    if (acct->password && auth_user &&
        sipua_ua_set_credentials(sipua_io_ua(r->io), NULL, auth_user, acct->password) != 0) {
        fprintf(stderr, "sipua answer: cannot use the credentials of user '%s'\n", auth_user);
        return EXIT_USAGE;
    }
    /* --auth: callers must prove who they are (401 until they do) */
    if (o->nauth &&
        sipua_ua_require_auth(sipua_io_ua(r->io), o->auth_realm ? o->auth_realm : "sipua",
                              o->auth_alg ? (sipua_digest_alg)o->auth_alg : SIPUA_DIGEST_MD5,
                              auth_password, (void *)o) != 0) {
        fprintf(stderr, "sipua answer: cannot require credentials\n");
        return EXIT_USAGE;
    }
    g_run = r;
    sipua_io_on_signal(r->io, SIGINT, on_interrupt);
    sipua_io_on_signal(r->io, SIGTERM, on_interrupt);
    if (registering)
        sipua_io_after(r->io, 0, reg_start, r);
    sipua_io_run(r->io);
    g_run = NULL;
    if (!o->json)
        printf("%lu calls ended\n", r->calls_ended);
    return r->exit_code;
}

int cmd_answer(int argc, char **argv)
{
    answer_run r;
    memset(&r, 0, sizeof r);
    r.m = MODE_ACCEPT;
    r.reject_code = 480;
    r.hangup_after = r.hold_after = -1;
    answer_opts o;
    memset(&o, 0, sizeof o);
    app_config acct;
    memset(&acct, 0, sizeof acct);
    int rc = parse_args(argc, argv, &r, &o);
    int registering = 0;
    if (rc == 0 && app_config_gather(&acct, &o.acct_flags, o.config_path, "sipua answer") != 0)
        rc = -1;
    app_config_free(&o.acct_flags);
    if (rc == 0 && (registering = account_prepare(&r, &acct)) < 0)
        rc = -1;
    if (rc) {
        app_config_free(&acct);
        return rc > 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (!o.nlisten && (acct.listen || !registering))
        o.listen[o.nlisten++] = acct.listen ? acct.listen : "udp:127.0.0.1:5060";
    sipua_io_config cfg;
    sipua_io_config_init(&cfg);
    cfg.cert_file = o.cert;
    cfg.key_file = o.key;
    cfg.ca_file = o.ca ? o.ca : acct.ca;
    cfg.verify_peer = !o.insecure;
    cfg.trace = o.ladder ? on_trace : NULL;
    if (acct.user_agent)
        cfg.ua.user_agent = acct.user_agent;
    app_config_ua(&acct, &cfg.ua);
    if (sipua_io_new(&cfg, on_ua_event, &r, &r.io) != 0) {
        fprintf(stderr, "sipua answer: cannot start: TLS setup failed\n");
        app_config_free(&acct);
        return EXIT_FAIL;
    }
    calls_init(&r.out, sipua_io_now(r.io), o.json, o.ladder);
    r.out.quiet = o.quiet;
    r.exit_code = EXIT_OK;
    rc = serve(&r, &o, &acct, registering);
    while (r.nlive)
        forget(r.live[r.nlive - 1]);
    free(r.live);
    sipua_io_free(r.io);
    calls_free(&r.out);
    app_config_free(&acct);
    return rc;
}
