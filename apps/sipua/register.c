/* sipua register: registers an address-of-record (RFC 3261 10) and stays
 * registered until SIGINT or SIGTERM, printing each registration and
 * refresh; unregisters on the way out. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "cli.h"
#include "config.h"
#include "sipua/io.h"
#include "sipua/register.h"

#define PROG "sipua register"

static void register_usage(FILE *out)
{
    fputs("usage: sipua register [--config FILE] [--aor URI] [--user NAME] [--password PW]\n"
          "                      [--registrar URI] [--proxy URI] [--expires S]\n"
          "                      [--display-name NAME] [--transport udp|tcp|tls|ws|wss]\n"
          "                      [--listen SPEC] [--user-agent TEXT] [--keepalive S]\n"
          "                      [--outbound] [--gruu] [--instance-id URN]\n"
          "                      [--t1 MS] [--t2 MS] [--t4 MS] [--max-message-size N]\n"
          "                      [--ca FILE] [--insecure]\n"
          "                      [--once] [--json] [--trace]\n"
          "\n"
          "Registers the address-of-record with its registrar, answering Digest\n"
          "challenges, and keeps it registered (refreshing before it expires) until\n"
          "SIGINT or SIGTERM; then unregisters. Each registration and refresh is printed\n"
          "with the expiry granted and the registrar's contacts.\n"
          "\n"
          "  --config FILE     read settings from FILE (default ~/.config/sipua/config,\n"
          "                    if it exists; see docs/config.md); flags override it\n"
          "  --aor URI         the address-of-record, sip:alice@example.com (default:\n"
          "                    sip:USER@ the registrar's host)\n"
          "  --user NAME       the authentication user (default: the AOR's user part)\n"
          "  --password PW     the password (also SIPUA_PASSWORD, or the config file)\n"
          "  --registrar URI   the Request-URI (default: the AOR's domain)\n"
          "  --proxy URI       an outbound proxy: requests go there, with a Route header\n"
          "  --expires S       the expiry to ask for, seconds (default 600)\n"
          "  --display-name N  the display name in To and From\n"
          "  --transport T     default: the proxy's or registrar's ;transport=, tls for\n"
          "                    sips:, else udp\n"
          "  --listen SPEC     our address, TRANSPORT:HOST:PORT (default: a free port)\n"
          "  --user-agent TEXT the User-Agent header\n"
          "  --keepalive S     over TCP, TLS, WS and WSS, a CRLF ping every S seconds\n"
          "                    (RFC 5626 4.4.1) keeps the registration's connection up\n"
          "  --outbound        RFC 5626 outbound (TCP, TLS, WS, WSS): reg-id 1, and when\n"
          "                    the registrar takes it, the connection kept up at its\n"
          "                    Flow-Timer and replaced at once when it fails\n"
          "  --gruu            ask for GRUUs (RFC 5627); the public one is printed and\n"
          "                    is the Contact of calls (sipua answer, sipua shell)\n"
          "  --instance-id URN this instance's +sip.instance (default with --outbound\n"
          "                    or --gruu: a UUID kept in ~/.config/sipua/instance-id)\n"
          "  --t1 MS, --t2 MS, --t4 MS  RFC 3261's timers (default 500, 4000, 5000)\n"
          "  --max-message-size N, --max-headers N, --max-header-length N,\n"
          "  --max-body-size N  what received messages may be (docs/config.md)\n"
          "  --ca FILE         trust the CAs in FILE for TLS and WSS\n"
          "  --insecure        do not verify the server's certificate\n"
          "  --once            register, print, unregister and exit\n"
          "  --json            one JSON object per event on stdout\n"
          "  --trace           print every SIP message sent and received on stderr\n"
          "\n"
          "exit status: 0 registered and unregistered on exit, 1 the registration\n"
          "failed (the cause is printed: AUTHENTICATION_ERROR for a wrong password,\n"
          "REQUEST_TIMEOUT, the status code's cause...) or unregistering did, 2 usage\n"
          "or configuration error. Once registered, a failed refresh is retried with\n"
          "a back-off while the program stays.\n",
          out);
}

typedef struct reg_run {
    sipua_io *io;
    sipua_time t0;
    app_config cfg;
    sipua_register_config rc;
    sipua_endpoint to;
    uint64_t id;
    int json, once, trace;
    int started, registered_once, ended, unregistering, interrupted;
    int exit_code;
} reg_run;

static double secs(reg_run *r)
{
    return (double)(sipua_io_now(r->io) - r->t0) / 1e6;
}

static void stop_now(sipua_io *io, void *arg)
{
    (void)arg;
    sipua_io_stop(io);
}

/* One line of text, or one JSON object, per event (account.c); a retry is
 * shown when we stay for it. */
static void print_event(reg_run *r, const sipua_ua_event *ev, int stays)
{
    const char *what = ev->type == SIPUA_UA_EV_REGISTERED     ? "registered"
                       : ev->type == SIPUA_UA_EV_UNREGISTERED ? "unregistered"
                                                              : "registration_failed";
    sipua_ua_event shown = *ev;
    if (!stays)
        shown.retry_at = 0;
    reg_event_print(&shown, what, r->rc.aor, secs(r), sipua_io_now(r->io), r->json);
}

static void on_trace(void *user, int outgoing, const sipua_endpoint *peer, const char *msg,
                     size_t len)
{
    reg_run *r = user;
    fprintf(stderr,
            strchr(peer->host, ':') ? "[%9.3f] %s %s:[%s]:%u\n%.*s\n"
                                    : "[%9.3f] %s %s:%s:%u\n%.*s\n",
            secs(r), outgoing ? "sent to" : "received from", sipua_transport_name(peer->transport),
            peer->host, (unsigned)peer->port, (int)len, msg);
}

static void unregister_now(reg_run *r)
{
    if (r->ended || r->unregistering)
        return;
    r->unregistering = 1;
    if (sipua_unregister(sipua_io_ua(r->io), r->id, sipua_io_now(r->io)) != 0) {
        r->ended = 1;
        sipua_io_stop(r->io);
        return;
    }
    /* over UDP an unanswered REGISTER takes 32 s to time out: not that long */
    sipua_io_after(r->io, 5000, stop_now, r);
}

static void on_event(void *user, const sipua_ua_event *ev)
{
    reg_run *r = user;
    if (ev->type < SIPUA_UA_EV_REGISTERED || ev->request_id != r->id || r->ended)
        return;
    /* the first registration failing ends the program; later ones are
     * retried by the library while we stay */
    int stays = ev->type == SIPUA_UA_EV_REGISTRATION_FAILED && ev->retry_at && r->registered_once &&
                !r->once && !r->interrupted;
    print_event(r, ev, stays);
    switch (ev->type) {
    case SIPUA_UA_EV_REGISTERED:
        r->registered_once = 1;
        if (r->once || r->interrupted)
            unregister_now(r);
        break;
    case SIPUA_UA_EV_UNREGISTERED:
        r->ended = 1;
        if (ev->status / 100 != 2 && r->exit_code == EXIT_OK) {
            /* the binding may stay until it expires: said, and exit 1 */
            fprintf(stderr, PROG ": unregistering failed: %s\n",
                    ev->status ? sipua_cause_str((sipua_cause)ev->cause)
                               : sipua_strerror(ev->error));
            r->exit_code = EXIT_FAIL;
        }
        sipua_io_stop(r->io);
        break;
    case SIPUA_UA_EV_REGISTRATION_FAILED:
        if (stays)
            break;
        r->exit_code = EXIT_FAIL;
        fprintf(stderr, PROG ": registration failed: %s", reg_cause_name(ev->cause));
        if (ev->status)
            fprintf(stderr, " (%d %.*s)", ev->status, (int)ev->reason.len, ev->reason.p);
        else if (ev->error)
            fprintf(stderr, " (%s)", sipua_strerror(ev->error));
        fputc('\n', stderr);
        if (ev->retry_at)
            sipua_register_cancel(sipua_io_ua(r->io), r->id);
        r->ended = 1;
        sipua_io_stop(r->io);
        break;
    default: break;
    }
}

static void start(sipua_io *io, void *arg)
{
    reg_run *r = arg;
    r->started = 1;
    int e = sipua_register(sipua_io_ua(io), &r->rc, &r->to, sipua_io_now(io), &r->id);
    if (e) {
        fprintf(stderr, PROG ": cannot register: %s%s%s\n", sipua_strerror(e),
                sipua_io_last_error(io)[0] ? ": " : "", sipua_io_last_error(io));
        r->exit_code = EXIT_FAIL;
        r->ended = 1;
        sipua_io_stop(io);
        return;
    }
    if (r->json) {
        printf("{\"time\":%.6f,\"event\":\"register\",\"aor\":", secs(r));
        json_str(stdout, r->rc.aor, strlen(r->rc.aor));
        printf(",\"transport\":\"%s\",\"host\":\"%s\",\"port\":%u}\n",
               sipua_transport_name(r->to.transport), r->to.host, (unsigned)r->to.port);
    } else {
        printf(strchr(r->to.host, ':') ? "[%9.3f] register %s via %s:[%s]:%u\n"
                                       : "[%9.3f] register %s via %s:%s:%u\n",
               secs(r), r->rc.aor, sipua_transport_name(r->to.transport), r->to.host,
               (unsigned)r->to.port);
    }
    fflush(stdout);
}

static reg_run *g_run; /* for the signal handler: one registration per process */

static void on_signal(sipua_io *io, int signum)
{
    (void)signum;
    reg_run *r = g_run;
    if (!r || r->ended || r->interrupted || !r->started) {
        sipua_io_stop(io);
        return;
    }
    /* unregister, then stop; a second signal stops at once */
    r->interrupted = 1;
    unregister_now(r);
}

/* The flags that take a value beside the account's (app_account_takes),
 * as config keys. */
static const char *const value_flags[] = {"--transport", "--listen", "--ca", "--keepalive"};

static int parse_args(int argc, char **argv, app_config *flags, const char **config_path, int *json,
                      int *once, int *insecure, int *trace)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            register_usage(stdout);
            return 1;
        }
        if (!strcmp(a, "--json")) {
            *json = 1;
            continue;
        }
        if (!strcmp(a, "--once")) {
            *once = 1;
            continue;
        }
        if (!strcmp(a, "--insecure")) {
            *insecure = 1;
            continue;
        }
        if (!strcmp(a, "--trace")) {
            *trace = 1;
            continue;
        }
        if (app_account_switch(flags, a))
            continue;
        int takes = app_account_takes(a);
        for (size_t k = 0; k < sizeof value_flags / sizeof value_flags[0]; k++)
            takes |= !strcmp(a, value_flags[k]);
        if (!takes) {
            fprintf(stderr, PROG ": unknown %s '%s'\n", a[0] == '-' ? "option" : "argument", a);
            register_usage(stderr);
            return -1;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, PROG ": %s needs a value\n", a);
            return -1;
        }
        const char *v = argv[++i];
        if (!strcmp(a, "--config")) {
            *config_path = v;
            continue;
        }
        const char *why;
        if (app_config_set(flags, a + 2, v, &why) != 0) {
            if (!strcmp(a, "--password"))
                fprintf(stderr, PROG ": bad --password: %s\n", why);
            else
                fprintf(stderr, PROG ": bad %s '%s': %s\n", a, v, why);
            return -1;
        }
    }
    return 0;
}

/* The settings into the library's registration config and the next hop. */
static int prepare(reg_run *r, char *aor_buf, size_t aor_cap)
{
    app_config *c = &r->cfg;
    sipua_uri reg, aor, hop;
    int have_reg =
        c->registrar && sipua_uri_parse((sipua_str){c->registrar, strlen(c->registrar)}, &reg) == 0;
    if (!c->aor) {
        if (!c->user || !have_reg) {
            fprintf(stderr, PROG ": no address-of-record: give --aor, or --user and --registrar\n");
            return -1;
        }
        snprintf(aor_buf, aor_cap, "%.*s:%s@%.*s", (int)reg.scheme.len, reg.scheme.p, c->user,
                 (int)reg.host.len, reg.host.p);
        if (reg.host_kind == SIPUA_HOST_IPV6)
            snprintf(aor_buf, aor_cap, "%.*s:%s@[%.*s]", (int)reg.scheme.len, reg.scheme.p, c->user,
                     (int)reg.host.len, reg.host.p);
    } else {
        snprintf(aor_buf, aor_cap, "%s", c->aor);
    }
    if (sipua_uri_parse((sipua_str){aor_buf, strlen(aor_buf)}, &aor) != 0 || !aor.user.len) {
        fprintf(stderr, PROG ": the address-of-record '%s' has no user part\n", aor_buf);
        return -1;
    }
    account_register_config(c, aor_buf, &r->rc);
    /* the next hop: the proxy, else the registrar, else the AOR's domain */
    const char *via = c->proxy ? c->proxy : c->registrar ? c->registrar : aor_buf;
    if (sipua_uri_parse((sipua_str){via, strlen(via)}, &hop) != 0)
        return -1;
    sipua_transport t = hop.scheme_id == SIPUA_URI_SIPS ? SIPUA_TRANSPORT_TLS : SIPUA_TRANSPORT_UDP;
    sipua_str tp;
    if (c->transport)
        sipua_transport_from_name((sipua_str){c->transport, strlen(c->transport)}, &t);
    else if (sipua_param_find(hop.params, "transport", &tp) && tp.p &&
             sipua_transport_from_name(tp, &t) != 0) {
        fprintf(stderr, PROG ": unknown transport in '%s'\n", via);
        return -1;
    }
    char ip[SIPUA_HOST_MAX];
    if (app_resolve_host(&hop, ip, sizeof ip, PROG) != 0)
        return -1;
    uint16_t port = hop.port                   ? hop.port
                    : t == SIPUA_TRANSPORT_TLS ? 5061
                    : t == SIPUA_TRANSPORT_WS  ? 80
                    : t == SIPUA_TRANSPORT_WSS ? 443
                                               : 5060;
    const char *why = account_check(c, t);
    if (why) {
        fprintf(stderr, PROG ": %s\n", why);
        return -1;
    }
    return sipua_endpoint_set(&r->to, t, ip, port, 0) == 0 ? 0 : -1;
}

int cmd_register(int argc, char **argv)
{
    reg_run r;
    memset(&r, 0, sizeof r);
    app_config flags;
    memset(&flags, 0, sizeof flags);
    const char *config_path = NULL;
    int insecure = 0, rc;
    rc = parse_args(argc, argv, &flags, &config_path, &r.json, &r.once, &insecure, &r.trace);
    if (rc) {
        app_config_free(&flags);
        return rc > 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (app_config_gather(&r.cfg, &flags, config_path, PROG) != 0) {
        app_config_free(&flags);
        app_config_free(&r.cfg);
        return EXIT_USAGE;
    }
    app_config_free(&flags);
    char aor[1024];
    if (prepare(&r, aor, sizeof aor) != 0) {
        app_config_free(&r.cfg);
        return EXIT_USAGE;
    }

    sipua_io_config cfg;
    sipua_io_config_init(&cfg);
    cfg.ca_file = r.cfg.ca;
    cfg.verify_peer = !insecure;
    cfg.ua.user_agent = r.cfg.user_agent;
    cfg.ua.keepalive = (sipua_time)r.cfg.keepalive * 1000000;
    app_config_ua(&r.cfg, &cfg.ua);
    cfg.trace = r.trace ? on_trace : NULL;
    r.exit_code = EXIT_OK;
    if (sipua_io_new(&cfg, on_event, &r, &r.io) != 0) {
        fprintf(stderr, PROG ": cannot start (TLS setup failed)\n");
        app_config_free(&r.cfg);
        return EXIT_FAIL;
    }
    r.t0 = sipua_io_now(r.io);
    sipua_endpoint lep;
    int e = 0;
    if (r.cfg.listen) {
        sipua_listen_spec_parse(r.cfg.listen, &lep);
        e = sipua_io_listen(r.io, r.cfg.listen, NULL);
    }
    if (!e && (!r.cfg.listen || lep.transport != r.to.transport))
        e = sipua_io_prepare_client(r.io, r.to.transport, r.to.host);
    if (e) {
        fprintf(stderr, PROG ": %s\n", sipua_io_last_error(r.io));
        sipua_io_free(r.io);
        app_config_free(&r.cfg);
        return EXIT_FAIL;
    }
    g_run = &r;
    sipua_io_on_signal(r.io, SIGINT, on_signal);
    sipua_io_on_signal(r.io, SIGTERM, on_signal);
    sipua_io_after(r.io, 0, start, &r);
    sipua_io_run(r.io);
    if (!r.registered_once && r.exit_code == EXIT_OK)
        r.exit_code = EXIT_FAIL; /* interrupted before the first answer */
    sipua_io_free(r.io);
    app_config_free(&r.cfg);
    g_run = NULL;
    return r.exit_code;
}
