/* sipua call: places one call and reports it as a timeline (or JSON
 * lines), optionally with the ladder of its SIP messages. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calls.h"
#include "config.h"
#include "sipua/auth.h"
#include "sipua/io.h"

static void call_usage(FILE *out)
{
    fputs("usage: sipua call TARGET [--header H]... [--no-sdp] [--anonymous]\n"
          "                  [--dtmf TONES [--dtmf-duration MS] [--dtmf-gap MS]]\n"
          "                  [--hangup-after S] [--cancel-after S] [--listen SPEC]\n"
          "                  [--hold-after S] [--unhold-after S]\n"
          "                  [--await-connection S] [--refer URI [--refer-after S]]\n"
          "                  [--transport udp|tcp|tls|ws|wss] [--ca FILE] [--insecure]\n"
          "                  [--config FILE] [--aor URI] [--display-name NAME]\n"
          "                  [--user NAME] [--password PW] [--proxy URI]\n"
          "                  [--100rel supported|required|no] [--session-timer yes|no]\n"
          "                  [--session-expires S] [--min-se S] [--t1 MS] [--t2 MS] [--t4 MS]\n"
          "                  [--json] [--ladder]\n"
          "\n"
          "Calls TARGET (a sip: or sips: URI) and prints the call's events as they come.\n"
          "\n"
          "  --header H        add the header line H (\"Name: value\") to the INVITE\n"
          "  --no-sdp          INVITE without an offer (the offer comes in the 200)\n"
          "  --anonymous       From \"Anonymous\", Privacy: id (RFC 3323)\n"
          "  --dtmf TONES      once answered, send the tones (0-9 A-D # *, ',' a 2 s pause)\n"
          "                    by INFO, one after the other\n"
          "  --dtmf-duration MS  each tone's duration (default 100, 70 to 6000)\n"
          "  --dtmf-gap MS     the gap between tones (default 500, at least 50)\n"
          "  --hangup-after S  send BYE S seconds after the call is answered\n"
          "                    (default: stay until the peer hangs up or SIGINT)\n"
          "  --cancel-after S  CANCEL the call if it is not answered after S seconds\n"
          "  --hold-after S    put the peer on hold (re-INVITE, sendonly) S seconds after\n"
          "                    the call is answered\n"
          "  --unhold-after S  take it off hold (re-INVITE, sendrecv) S seconds after the\n"
          "                    call is answered\n"
          "  --refer URI       once answered, transfer the callee to URI (REFER, RFC 3515);\n"
          "                    when the transfer succeeds, hang up\n"
          "  --refer-after S   wait S seconds after the answer before the REFER (default 0)\n"
          "  --listen SPEC     our address, TRANSPORT:HOST:PORT (default: a free UDP port)\n"
          "  --await-connection S  wait up to S seconds for a peer to connect to the\n"
          "                    stream listener (--listen tcp:, tls:, ws:, wss:), then call\n"
          "                    TARGET over that connection, its host left unresolved: how\n"
          "                    a WebSocket client such as SIP.js is reached (RFC 7118 5)\n"
          "  --transport T     default: the URI's ;transport=, tls for sips:, else udp\n"
          "  --ca FILE         trust the CAs in FILE for TLS and WSS\n"
          "  --config FILE     the settings file (default ~/.config/sipua/config, when it\n"
          "                    exists; see docs/config.md); the flags below override it\n"
          "  --aor URI         who we are: the From of the INVITE\n"
          "  --display-name NAME  the From's display name\n"
          "  --user NAME, --password PW  Digest credentials for 401/407 challenges\n"
          "                    (user default: the AOR's user; SIPUA_PASSWORD in the\n"
          "                    environment keeps the password off the command line)\n"
          "  --proxy URI       send the INVITE through this outbound proxy (Route, "
          ";lr)\n" APP_UA_FLAGS_HELP "  --insecure        do not verify the server's certificate\n"
          "  --json            one JSON object per event on stdout\n"
          "  --ladder          print the SIP messages of the call as a ladder at the end\n"
          "\n"
          "exit status: 0 the call was answered and ended normally, 1 it was not\n"
          "(rejected, canceled, timed out: the cause is printed), 2 usage error\n",
          out);
}

#define MAX_HEADERS 16

typedef struct call_run {
    sipua_io *io;
    calls out;
    sipua_str target;
    sipua_endpoint to;
    sipua_invite_opts opts;
    const char *headers[MAX_HEADERS];
    double hangup_after, cancel_after; /* < 0: not asked */
    double hold_after, unhold_after;   /* < 0: not asked */
    const char *dtmf;
    sipua_dtmf_opts dtmf_opts;
    double await; /* < 0: call at once */
    const char *refer;
    double refer_after;
    int started;
    sipua_session *s;      /* the call: the first one, or the one a transfer made */
    sipua_session *old[4]; /* calls we were transferred away from */
    int nold;
    int answered, ended, ok;
    int transfer_failed;
    int interrupted;
} call_run;

/* Something to do later to one call. */
typedef struct call_action {
    call_run *r;
    sipua_session *s;
} call_action;

static void after(call_run *r, sipua_session *s, double secs, void (*fn)(sipua_io *, void *))
{
    call_action *a = malloc(sizeof *a);
    if (!a)
        return;
    a->r = r;
    a->s = sipua_session_ref(s);
    sipua_io_after(r->io, (uint64_t)(secs * 1000), fn, a);
}

static void hangup_now(sipua_io *io, void *arg)
{
    call_action *a = arg;
    if (!sipua_session_is_ended(a->s)) {
        calls_note(&a->r->out, a->s, sipua_io_now(io), "hangup", NULL);
        sipua_session_terminate(a->s, sipua_io_now(io));
    }
    sipua_session_unref(a->s);
    free(a);
}

static void refer_now(sipua_io *io, void *arg)
{
    call_action *a = arg;
    call_run *r = a->r;
    if (sipua_session_is_established(a->s)) {
        calls_note(&r->out, a->s, sipua_io_now(io), "refer", r->refer);
        int e = sipua_session_refer(a->s, (sipua_str){r->refer, strlen(r->refer)}, NULL,
                                    sipua_io_now(io));
        if (e) {
            fprintf(stderr, "sipua call: cannot transfer to %s: %s\n", r->refer, sipua_strerror(e));
            r->transfer_failed = 1;
            sipua_session_terminate(a->s, sipua_io_now(io));
        }
    }
    sipua_session_unref(a->s);
    free(a);
}

/* hold or unhold: a re-INVITE, whose outcome the renegotiated event shows */
static void rehold(call_run *r, sipua_io *io, int hold)
{
    if (!r->s || sipua_session_is_ended(r->s))
        return;
    sipua_time now = sipua_io_now(io);
    calls_note(&r->out, r->s, now, hold ? "hold" : "unhold", NULL);
    int e = hold ? sipua_session_hold(r->s, now) : sipua_session_unhold(r->s, now);
    if (e)
        fprintf(stderr, "sipua call: cannot %s: %s\n", hold ? "hold" : "unhold", sipua_strerror(e));
}

static void hold_now(sipua_io *io, void *arg)
{
    rehold(arg, io, 1);
}

static void unhold_now(sipua_io *io, void *arg)
{
    rehold(arg, io, 0);
}

static void cancel_now(sipua_io *io, void *arg)
{
    call_run *r = arg;
    if (r->s && !r->answered && !sipua_session_is_ended(r->s)) {
        calls_note(&r->out, r->s, sipua_io_now(io), "cancel", NULL);
        sipua_session_cancel(r->s, NULL, sipua_io_now(io));
    }
}

static void stop_soon(sipua_io *io, void *arg)
{
    (void)arg;
    sipua_io_stop(io);
}

static void on_session(sipua_session *s, const sipua_session_event *ev, void *user)
{
    call_run *r = user;
    sipua_time now = sipua_io_now(r->io);
    calls_event(&r->out, s, ev, now);
    int current = s == r->s;
    switch (ev->kind) {
    case SIPUA_SESSION_EV_ACCEPTED:
        if (!current)
            break;
        r->answered = 1;
        if (r->dtmf && !r->nold) {
            int e = sipua_session_send_dtmf(s, r->dtmf, &r->dtmf_opts, now);
            if (e)
                fprintf(stderr, "sipua call: cannot send DTMF: %s\n", sipua_strerror(e));
        }
        if (r->refer && !r->nold)
            after(r, s, r->refer_after, refer_now);
        if (r->hangup_after >= 0)
            after(r, s, r->hangup_after, hangup_now);
        if (r->hold_after >= 0)
            sipua_io_after(r->io, (uint64_t)(r->hold_after * 1000), hold_now, r);
        if (r->unhold_after >= 0)
            sipua_io_after(r->io, (uint64_t)(r->unhold_after * 1000), unhold_now, r);
        break;
    case SIPUA_SESSION_EV_REFER_PROGRESS:
        if (!ev->refer_final)
            break;
        if (ev->code >= 300)
            r->transfer_failed = 1;
        /* done, or not: either way our part ends */
        if (!sipua_session_is_ended(s)) {
            calls_note(&r->out, s, now, "hangup", calls_transfer_outcome(ev->code));
            sipua_session_terminate(s, now);
        }
        break;
    case SIPUA_SESSION_EV_REFERRED: {
        /* the callee transfers us: the new call becomes ours to follow */
        sipua_session *next = NULL;
        if (!current || r->nold == 4 ||
            sipua_session_refer_accept(s, on_session, r, now, &next) != 0) {
            sipua_session_refer_reject(s, 0, now);
            break;
        }
        r->old[r->nold++] = r->s;
        r->s = next;
        r->answered = 0;
        char what[600];
        snprintf(what, sizeof what, "%.*s (transferred)", (int)ev->refer_to.len, ev->refer_to.p);
        calls_note(&r->out, next, now, "invite", what);
        break;
    }
    case SIPUA_SESSION_EV_TERMINATED:
    case SIPUA_SESSION_EV_FAILED:
    case SIPUA_SESSION_EV_CANCELED:
        if (!current) {
            calls_print_ladder(&r->out, s);
            break;
        }
        r->ended = 1;
        r->ok = ev->kind == SIPUA_SESSION_EV_TERMINATED && r->answered &&
                (ev->cause == SIPUA_CAUSE_BYE) && !r->transfer_failed;
        calls_print_ladder(&r->out, s);
        /* a moment for the last messages (200 to a BYE, the ACK) */
        sipua_io_after(r->io, 200, stop_soon, r);
        break;
    default: break;
    }
}

static void start_call(sipua_io *io, void *arg)
{
    call_run *r = arg;
    if (r->started)
        return;
    r->started = 1;
    sipua_time now = sipua_io_now(io);
    int e = sipua_invite(sipua_io_ua(io), r->target, &r->to, &r->opts, on_session, r, now, &r->s);
    if (e) {
        fprintf(stderr, "sipua call: cannot call %.*s: %s%s%s\n", (int)r->target.len, r->target.p,
                sipua_strerror(e), sipua_io_last_error(io)[0] ? ": " : "", sipua_io_last_error(io));
        r->ended = 1;
        sipua_io_stop(io);
        return;
    }
    char detail[600];
    snprintf(detail, sizeof detail, "%.*s via %s:%s%s%s:%u", (int)r->target.len, r->target.p,
             sipua_transport_name(r->to.transport), strchr(r->to.host, ':') ? "[" : "", r->to.host,
             strchr(r->to.host, ':') ? "]" : "", (unsigned)r->to.port);
    calls_note(&r->out, r->s, now, "invite", detail);
    if (r->cancel_after >= 0)
        sipua_io_after(io, (uint64_t)(r->cancel_after * 1000), cancel_now, r);
}

static call_run *g_run; /* for the signal handler: one call per process */

static void on_interrupt(sipua_io *io, int signum)
{
    (void)signum;
    call_run *r = g_run;
    if (!r || !r->s || sipua_session_is_ended(r->s) || r->interrupted) {
        sipua_io_stop(io);
        return;
    }
    /* end the call properly (CANCEL or BYE), then stop; a second signal
     * stops at once */
    r->interrupted = 1;
    sipua_session_terminate(r->s, sipua_io_now(io));
    sipua_io_after(io, 5000, stop_soon, r);
}

/* --await-connection: the first peer that connects is called. */
static void on_accepted(void *user, const sipua_endpoint *remote)
{
    call_run *r = user;
    if (r->started || r->await < 0)
        return;
    r->to = *remote;
    start_call(r->io, r);
}

static void await_timeout(sipua_io *io, void *arg)
{
    call_run *r = arg;
    if (r->started)
        return;
    fprintf(stderr, "sipua call: no connection within %.3g s\n", r->await);
    r->started = 1;
    sipua_io_stop(io);
}

static void on_trace(void *user, int outgoing, const sipua_endpoint *peer, const char *msg,
                     size_t len)
{
    call_run *r = user;
    calls_trace(&r->out, outgoing, peer, msg, len, sipua_io_now(r->io));
}

static int parse_seconds(const char *opt, const char *v, double *out)
{
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (!*v || *end || errno || d < 0 || d > 86400) {
        fprintf(stderr, "sipua call: bad %s value '%s' (seconds, 0 to 86400)\n", opt, v);
        return -1;
    }
    *out = d;
    return 0;
}

int cmd_call(int argc, char **argv)
{
    call_run r;
    memset(&r, 0, sizeof r);
    sipua_invite_opts_init(&r.opts);
    sipua_dtmf_opts_init(&r.dtmf_opts);
    r.hangup_after = r.cancel_after = r.await = -1;
    r.hold_after = r.unhold_after = -1;
    const char *target = NULL, *topt = NULL, *ca = NULL, *listen = NULL;
    int json = 0, ladder = 0, insecure = 0;
    size_t nh = 0;
    app_config acct_flags, acct;
    memset(&acct_flags, 0, sizeof acct_flags);
    memset(&acct, 0, sizeof acct);
    const char *config_path = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (app_account_takes(a)) {
            if (!v) {
                fprintf(stderr, "sipua call: %s needs a value\n", a);
                return EXIT_USAGE;
            }
            if (app_account_flag(&acct_flags, &config_path, a, v, "sipua call") < 0) {
                app_config_free(&acct_flags);
                return EXIT_USAGE;
            }
            i++;
            continue;
        }
        int takes =
            !strcmp(a, "--header") || !strcmp(a, "--hangup-after") || !strcmp(a, "--hold-after") ||
            !strcmp(a, "--unhold-after") || !strcmp(a, "--await-connection") ||
            !strcmp(a, "--dtmf") || !strcmp(a, "--dtmf-duration") || !strcmp(a, "--dtmf-gap") ||
            !strcmp(a, "--cancel-after") || !strcmp(a, "--listen") || !strcmp(a, "--transport") ||
            !strcmp(a, "--ca") || !strcmp(a, "--refer") || !strcmp(a, "--refer-after");
        if (takes && !v) {
            fprintf(stderr, "sipua call: %s needs a value\n", a);
            return EXIT_USAGE;
        }
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            call_usage(stdout);
            return EXIT_OK;
        } else if (!strcmp(a, "--json")) {
            json = 1;
        } else if (!strcmp(a, "--ladder")) {
            ladder = 1;
        } else if (!strcmp(a, "--no-sdp")) {
            r.opts.invite_without_sdp = 1;
        } else if (!strcmp(a, "--anonymous")) {
            r.opts.anonymous = 1;
        } else if (!strcmp(a, "--insecure")) {
            insecure = 1;
        } else if (!strcmp(a, "--header")) {
            if (nh == MAX_HEADERS) {
                fprintf(stderr, "sipua call: at most %d --header\n", MAX_HEADERS);
                return EXIT_USAGE;
            }
            r.headers[nh++] = v;
            i++;
        } else if (!strcmp(a, "--hangup-after")) {
            if (parse_seconds(a, v, &r.hangup_after))
                return EXIT_USAGE;
            i++;
        } else if (!strcmp(a, "--hold-after")) {
            if (parse_seconds(a, v, &r.hold_after))
                return EXIT_USAGE;
            i++;
        } else if (!strcmp(a, "--unhold-after")) {
            if (parse_seconds(a, v, &r.unhold_after))
                return EXIT_USAGE;
            i++;
        } else if (!strcmp(a, "--dtmf")) {
            if (!*v || strspn(v, "0123456789ABCDabcd#*,") != strlen(v)) {
                fprintf(stderr, "sipua call: bad --dtmf '%s' (0-9, A-D, #, *, and ',' to pause)\n",
                        v);
                return EXIT_USAGE;
            }
            r.dtmf = v;
            i++;
        } else if (!strcmp(a, "--dtmf-duration") || !strcmp(a, "--dtmf-gap")) {
            char *end;
            errno = 0;
            long ms = strtol(v, &end, 10);
            int dur = !strcmp(a, "--dtmf-duration");
            if (!*v || *end || errno || (dur ? (ms < 70 || ms > 6000) : (ms < 50 || ms > 60000))) {
                fprintf(stderr, "sipua call: bad %s '%s' (%s)\n", a, v,
                        dur ? "70 to 6000 ms" : "50 to 60000 ms");
                return EXIT_USAGE;
            }
            if (dur)
                r.dtmf_opts.duration_ms = (int)ms;
            else
                r.dtmf_opts.inter_tone_gap_ms = (int)ms;
            i++;
        } else if (!strcmp(a, "--await-connection")) {
            if (parse_seconds(a, v, &r.await))
                return EXIT_USAGE;
            i++;
        } else if (!strcmp(a, "--refer")) {
            sipua_uri ru;
            if (sipua_uri_parse((sipua_str){v, strlen(v)}, &ru) != 0 ||
                (ru.scheme_id != SIPUA_URI_SIP && ru.scheme_id != SIPUA_URI_SIPS)) {
                fprintf(stderr, "sipua call: --refer '%s' is not a sip: or sips: URI\n", v);
                return EXIT_USAGE;
            }
            r.refer = v;
            i++;
        } else if (!strcmp(a, "--refer-after")) {
            if (parse_seconds(a, v, &r.refer_after))
                return EXIT_USAGE;
            i++;
        } else if (!strcmp(a, "--cancel-after")) {
            if (parse_seconds(a, v, &r.cancel_after))
                return EXIT_USAGE;
            i++;
        } else if (!strcmp(a, "--listen")) {
            listen = v;
            i++;
        } else if (!strcmp(a, "--transport")) {
            topt = v;
            i++;
        } else if (!strcmp(a, "--ca")) {
            ca = v;
            i++;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "sipua call: unknown option %s\n", a);
            call_usage(stderr);
            return EXIT_USAGE;
        } else if (!target) {
            target = a;
        } else {
            fprintf(stderr, "sipua call: one target only ('%s' is extra)\n", a);
            return EXIT_USAGE;
        }
    }
    if (!target) {
        fprintf(stderr, "sipua call: no target\n");
        call_usage(stderr);
        return EXIT_USAGE;
    }
    r.opts.extra_headers = r.headers;
    r.opts.n_extra_headers = nh;
    for (size_t i = 0; i < nh; i++) {
        const char *colon = strchr(r.headers[i], ':');
        if (!colon || colon == r.headers[i]) {
            fprintf(stderr, "sipua call: --header '%s' is not \"Name: value\"\n", r.headers[i]);
            return EXIT_USAGE;
        }
    }
    sipua_uri u;
    r.target = (sipua_str){target, strlen(target)};
    if (sipua_uri_parse(r.target, &u) != 0 ||
        (u.scheme_id != SIPUA_URI_SIP && u.scheme_id != SIPUA_URI_SIPS)) {
        fprintf(stderr, "sipua call: '%s' is not a sip: or sips: URI\n", target);
        return EXIT_USAGE;
    }
    sipua_transport t = u.scheme_id == SIPUA_URI_SIPS ? SIPUA_TRANSPORT_TLS : SIPUA_TRANSPORT_UDP;
    sipua_str tp;
    if (topt) {
        if (sipua_transport_from_name((sipua_str){topt, strlen(topt)}, &t) != 0) {
            fprintf(stderr, "sipua call: unknown transport '%s' (udp, tcp, tls, ws, wss)\n", topt);
            return EXIT_USAGE;
        }
    } else if (sipua_param_find(u.params, "transport", &tp) && tp.p &&
               sipua_transport_from_name(tp, &t) != 0) {
        fprintf(stderr, "sipua call: unknown transport in the URI\n");
        return EXIT_USAGE;
    }
    sipua_endpoint lep;
    if (listen && sipua_listen_spec_parse(listen, &lep) != 0) {
        fprintf(stderr, "sipua call: bad listen spec '%s' (TRANSPORT:HOST:PORT)\n", listen);
        return EXIT_USAGE;
    }
    if (r.await >= 0 && (!listen || lep.transport == SIPUA_TRANSPORT_UDP)) {
        fprintf(stderr, "sipua call: --await-connection needs --listen on tcp, tls, ws or wss\n");
        return EXIT_USAGE;
    }
    /* the account: who we are, through which proxy, with what credentials */
    int bad = app_config_gather(&acct, &acct_flags, config_path, "sipua call");
    app_config_free(&acct_flags);
    char from[600], route[600], auth_user_buf[256];
    if (!bad)
        bad = app_config_proxy(&acct, t, &r.to, route, sizeof route, "sipua call");
    if (bad) {
        app_config_free(&acct);
        return EXIT_USAGE;
    }
    app_config_from(&acct, from, sizeof from);
    if (from[0] && !r.opts.anonymous)
        r.opts.from = (sipua_str){from, strlen(from)};
    if (route[0]) {
        if (nh == MAX_HEADERS) {
            fprintf(stderr, "sipua call: too many --header with --proxy\n");
            app_config_free(&acct);
            return EXIT_USAGE;
        }
        r.headers[nh++] = route;
        r.opts.n_extra_headers = nh;
    }
    const char *auth_user = app_config_auth_user(&acct, auth_user_buf, sizeof auth_user_buf);

    char ip[SIPUA_HOST_MAX] = "0.0.0.0";
    if (r.await < 0 && !route[0] && app_resolve_host(&u, ip, sizeof ip, "sipua call") != 0) {
        app_config_free(&acct);
        return EXIT_FAIL;
    }
    uint16_t port = u.port                     ? u.port
                    : t == SIPUA_TRANSPORT_TLS ? 5061
                    : t == SIPUA_TRANSPORT_WS  ? 80
                    : t == SIPUA_TRANSPORT_WSS ? 443
                                               : 5060;
    if (!route[0])
        sipua_endpoint_set(&r.to, t, ip, port, 0);

    sipua_io_config cfg;
    sipua_io_config_init(&cfg);
    cfg.ca_file = ca;
    cfg.verify_peer = !insecure;
    cfg.trace = ladder ? on_trace : NULL;
    cfg.accepted = on_accepted;
    if (acct.user_agent)
        cfg.ua.user_agent = acct.user_agent;
    app_config_ua(&acct, &cfg.ua);
    if (sipua_io_new(&cfg, NULL, &r, &r.io) != 0) {
        fprintf(stderr, "sipua call: cannot start (TLS setup failed)\n");
        app_config_free(&acct);
        return EXIT_FAIL;
    }
    calls_init(&r.out, sipua_io_now(r.io), json, ladder);
    sipua_endpoint bound;
    int e = listen ? sipua_io_listen(r.io, listen, &bound) : 0;
    if (!e && r.await < 0 && (!listen || lep.transport != r.to.transport))
        e = sipua_io_prepare_client(r.io, r.to.transport, r.to.host);
    if (e) {
        fprintf(stderr, "sipua call: %s\n", sipua_io_last_error(r.io));
        sipua_io_free(r.io);
        calls_free(&r.out);
        app_config_free(&acct);
        return EXIT_FAIL;
    }
    /* (the UA exists from here on: sipua_io_ua() makes it) */
    if (acct.password && auth_user &&
        sipua_ua_set_credentials(sipua_io_ua(r.io), NULL, auth_user, acct.password) != 0) {
        fprintf(stderr, "sipua call: cannot use the credentials of user '%s'\n", auth_user);
        sipua_io_free(r.io);
        calls_free(&r.out);
        app_config_free(&acct);
        return EXIT_USAGE;
    }
    g_run = &r;
    sipua_io_on_signal(r.io, SIGINT, on_interrupt);
    sipua_io_on_signal(r.io, SIGTERM, on_interrupt);
    if (r.await >= 0) {
        /* the listening line, as sipua answer prints it, then the wait */
        print_listening(&bound, json);
        sipua_io_after(r.io, (uint64_t)(r.await * 1000), await_timeout, &r);
    } else {
        sipua_io_after(r.io, 0, start_call, &r);
    }
    sipua_io_run(r.io);
    if (r.s)
        sipua_session_unref(r.s);
    for (int i = 0; i < r.nold; i++)
        sipua_session_unref(r.old[i]);
    sipua_io_free(r.io);
    calls_free(&r.out);
    app_config_free(&acct);
    g_run = NULL;
    return r.ok ? EXIT_OK : EXIT_FAIL;
}
