/* sipua options: sends OPTIONS to a SIP URI and reports the answer, the
 * peer's Allow and Supported, and the round-trip time. */
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cli.h"
#include "sipua/io.h"

static void options_usage(FILE *out)
{
    fputs("usage: sipua options URI [--transport udp|tcp|tls|ws|wss] [--count N]\n"
          "                     [--interval MS] [--ca FILE] [--insecure] [--json]\n"
          "\n"
          "Sends OPTIONS to URI (sip: or sips:) and prints the status, the peer's Allow\n"
          "and Supported, and the round-trip time, like sipsak.\n"
          "\n"
          "  --transport T   udp, tcp, tls, ws or wss; default: the URI's ;transport=,\n"
          "                  tls for sips:, else udp\n"
          "  --count N       send N requests, one after the other (default 1)\n"
          "  --interval MS   wait MS milliseconds after each answer (default 1000)\n"
          "  --ca FILE       trust the CAs in FILE (PEM) for TLS and WSS\n"
          "  --insecure      do not verify the server's certificate\n"
          "  --json          one JSON object per request on stdout\n"
          "\n"
          "exit status: 0 every request answered 2xx, 1 otherwise, 2 usage error\n",
          out);
}

typedef struct run {
    sipua_io *io;
    sipua_str target;
    sipua_endpoint to;
    unsigned count, sent, answered_2xx, answered_other, failed;
    unsigned long interval_ms;
    int json;
    uint64_t current;
    sipua_time rtt_min, rtt_max, rtt_sum;
} run;

static void send_next(sipua_io *io, void *arg);

static void print_result(run *r, const sipua_ua_event *ev)
{
    char peer[96];
    const char *tn = sipua_transport_name(r->to.transport);
    snprintf(peer, sizeof peer, strchr(r->to.host, ':') ? "%s:[%s]:%u" : "%s:%s:%u", tn, r->to.host,
             (unsigned)r->to.port);
    for (char *c = peer; *c && *c != ':'; c++)
        *c = (char)(*c | 0x20);
    double ms = (double)ev->rtt_us / 1000.0;
    if (r->json) {
        printf("{\"seq\":%u,\"peer\":", r->sent);
        json_str(stdout, peer, strlen(peer));
        if (ev->status) {
            printf(",\"status\":%d,\"reason\":", ev->status);
            json_str(stdout, ev->reason.p, ev->reason.len);
            printf(",\"rtt_ms\":%.3f,\"allow\":", ms);
            if (ev->allow.p)
                json_str(stdout, ev->allow.p, ev->allow.len);
            else
                fputs("null", stdout);
            fputs(",\"supported\":", stdout);
            if (ev->supported.p)
                json_str(stdout, ev->supported.p, ev->supported.len);
            else
                fputs("null", stdout);
        } else {
            fputs(",\"status\":null,\"error\":", stdout);
            const char *e = ev->error == SIPUA_ETIMEDOUT ? "timeout" : sipua_strerror(ev->error);
            json_str(stdout, e, strlen(e));
        }
        fputs("}\n", stdout);
    } else if (ev->status) {
        printf("%s: %d %.*s in %.3f ms\n", peer, ev->status, (int)ev->reason.len, ev->reason.p, ms);
        printf("  Allow: %.*s\n", (int)ev->allow.len, ev->allow.p ? ev->allow.p : "");
        printf("  Supported: %.*s\n", (int)ev->supported.len,
               ev->supported.p ? ev->supported.p : "");
    } else if (ev->error == SIPUA_ETIMEDOUT) {
        printf("%s: no answer (timed out after 32 s of retransmissions)\n", peer);
    } else {
        const char *why = sipua_io_last_error(r->io);
        printf("%s: failed: %s%s%s\n", peer, sipua_strerror(ev->error), why[0] ? ": " : "", why);
    }
    fflush(stdout);
}

static void on_event(void *user, const sipua_ua_event *ev)
{
    run *r = user;
    if (ev->type != SIPUA_UA_EV_OPTIONS_RESULT || ev->request_id != r->current)
        return;
    print_result(r, ev);
    if (ev->status >= 200 && ev->status < 300) {
        r->answered_2xx++;
        if (!r->rtt_min || ev->rtt_us < r->rtt_min)
            r->rtt_min = ev->rtt_us;
        if (ev->rtt_us > r->rtt_max)
            r->rtt_max = ev->rtt_us;
        r->rtt_sum += ev->rtt_us;
    } else if (ev->status) {
        r->answered_other++;
    } else {
        r->failed++;
    }
    r->current = 0;
    if (r->sent < r->count)
        sipua_io_after(r->io, r->interval_ms, send_next, r);
    else
        sipua_io_stop(r->io);
}

static void send_next(sipua_io *io, void *arg)
{
    run *r = arg;
    r->sent++;
    int e = sipua_ua_options(sipua_io_ua(io), r->target, &r->to, sipua_io_now(io), &r->current);
    if (e < 0) {
        sipua_ua_event ev = {.type = SIPUA_UA_EV_OPTIONS_RESULT, .error = e};
        r->current = 0;
        print_result(r, &ev);
        r->failed++;
        if (r->sent < r->count)
            sipua_io_after(io, r->interval_ms, send_next, r);
        else
            sipua_io_stop(io);
    }
}

static void on_signal(sipua_io *io, int signum)
{
    (void)signum;
    sipua_io_stop(io);
}

/* The transport a URI asks for: --transport, else ;transport=, else tls for
 * sips:, else udp. */
static int pick_transport(const sipua_uri *u, const char *opt, sipua_transport *t)
{
    if (opt)
        return sipua_transport_from_name((sipua_str){opt, strlen(opt)}, t);
    sipua_str v;
    if (sipua_param_find(u->params, "transport", &v) && v.p)
        return sipua_transport_from_name(v, t);
    *t = u->scheme_id == SIPUA_URI_SIPS ? SIPUA_TRANSPORT_TLS : SIPUA_TRANSPORT_UDP;
    return 0;
}

static uint16_t default_port(sipua_transport t)
{
    switch (t) {
    case SIPUA_TRANSPORT_TLS: return 5061;
    case SIPUA_TRANSPORT_WS: return 80;
    case SIPUA_TRANSPORT_WSS: return 443;
    default: return 5060;
    }
}

/* The URI's host as a literal address: resolved with the system's resolver
 * (A and AAAA records; no NAPTR or SRV lookups). */
static int resolve(const sipua_uri *u, char *out, size_t cap)
{
    char host[256];
    if (u->host.len >= sizeof host)
        return -1;
    memcpy(host, u->host.p, u->host.len);
    host[u->host.len] = 0;
    if (u->host_kind != SIPUA_HOST_NAME) {
        /* a literal address: as it is, brackets of an IPv6 reference off */
        if (u->host.len >= cap)
            return -1;
        memcpy(out, host, u->host.len + 1);
        return 0;
    }
    struct addrinfo hints = {.ai_socktype = SOCK_DGRAM}, *res;
    int e = getaddrinfo(host, NULL, &hints, &res);
    if (e) {
        fprintf(stderr, "sipua options: cannot resolve %s: %s\n", host, gai_strerror(e));
        return -1;
    }
    int r =
        getnameinfo(res->ai_addr, res->ai_addrlen, out, (socklen_t)cap, NULL, 0, NI_NUMERICHOST);
    freeaddrinfo(res);
    return r ? -1 : 0;
}

int cmd_options(int argc, char **argv)
{
    const char *uri = NULL, *topt = NULL, *ca = NULL;
    unsigned long count = 1, interval = 1000;
    int json = 0, insecure = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            options_usage(stdout);
            return EXIT_OK;
        } else if (strcmp(a, "--json") == 0) {
            json = 1;
        } else if (strcmp(a, "--insecure") == 0) {
            insecure = 1;
        } else if (strcmp(a, "--transport") == 0 || strcmp(a, "--count") == 0 ||
                   strcmp(a, "--interval") == 0 || strcmp(a, "--ca") == 0) {
            if (!v) {
                fprintf(stderr, "sipua options: %s needs a value\n", a);
                return EXIT_USAGE;
            }
            i++;
            if (strcmp(a, "--transport") == 0) {
                topt = v;
            } else if (strcmp(a, "--ca") == 0) {
                ca = v;
            } else {
                char *end;
                errno = 0;
                unsigned long n = strtoul(v, &end, 10);
                if (!*v || *end || errno || *v == '-' ||
                    (strcmp(a, "--count") == 0 && (n == 0 || n > 1000000)) || n > 3600000) {
                    fprintf(stderr, "sipua options: bad %s value '%s'\n", a, v);
                    return EXIT_USAGE;
                }
                if (strcmp(a, "--count") == 0)
                    count = n;
                else
                    interval = n;
            }
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "sipua options: unknown option %s\n", a);
            options_usage(stderr);
            return EXIT_USAGE;
        } else if (!uri) {
            uri = a;
        } else {
            fprintf(stderr, "sipua options: one URI only ('%s' is extra)\n", a);
            return EXIT_USAGE;
        }
    }
    if (!uri) {
        fprintf(stderr, "sipua options: no URI\n");
        options_usage(stderr);
        return EXIT_USAGE;
    }
    sipua_uri u;
    if (sipua_uri_parse((sipua_str){uri, strlen(uri)}, &u) != 0 ||
        (u.scheme_id != SIPUA_URI_SIP && u.scheme_id != SIPUA_URI_SIPS)) {
        fprintf(stderr, "sipua options: '%s' is not a sip: or sips: URI\n", uri);
        return EXIT_USAGE;
    }
    sipua_transport t;
    if (pick_transport(&u, topt, &t) != 0) {
        fprintf(stderr, "sipua options: unknown transport '%s' (udp, tcp, tls, ws, wss)\n",
                topt ? topt : "in the URI");
        return EXIT_USAGE;
    }
    char ip[SIPUA_HOST_MAX];
    if (resolve(&u, ip, sizeof ip) != 0)
        return EXIT_FAIL;

    sipua_io_config cfg;
    sipua_io_config_init(&cfg);
    cfg.ca_file = ca;
    cfg.verify_peer = !insecure;
    run r = {.target = {uri, strlen(uri)},
             .count = (unsigned)count,
             .interval_ms = interval,
             .json = json};
    if (sipua_endpoint_set(&r.to, t, ip, u.port ? u.port : default_port(t), 0) != 0) {
        fprintf(stderr, "sipua options: bad address %s\n", ip);
        return EXIT_USAGE;
    }
    if (sipua_io_new(&cfg, on_event, &r, &r.io) != 0) {
        fprintf(stderr, "sipua options: cannot start (TLS setup failed)\n");
        return EXIT_FAIL;
    }
    if (sipua_io_prepare_client(r.io, t, ip) != 0) {
        fprintf(stderr, "sipua options: %s\n", sipua_io_last_error(r.io));
        sipua_io_free(r.io);
        return EXIT_FAIL;
    }
    sipua_io_on_signal(r.io, SIGINT, on_signal);
    sipua_io_on_signal(r.io, SIGTERM, on_signal);
    sipua_io_after(r.io, 0, send_next, &r);
    sipua_io_run(r.io);
    sipua_io_free(r.io);
    if (r.count > 1 && !json) {
        unsigned ok = r.answered_2xx;
        printf("%u sent, %u answered 2xx, %u other answers, %u without answer", r.sent, ok,
               r.answered_other, r.failed);
        if (ok)
            printf("; rtt min/avg/max %.3f/%.3f/%.3f ms", (double)r.rtt_min / 1000.0,
                   (double)r.rtt_sum / 1000.0 / ok, (double)r.rtt_max / 1000.0);
        printf("\n");
    }
    return r.answered_2xx == r.count ? EXIT_OK : EXIT_FAIL;
}
