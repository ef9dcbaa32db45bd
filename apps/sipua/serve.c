/* sipua serve: a user agent that answers requests (OPTIONS 200, other
 * methods 405 or 501 with Allow, unsupported Require 420, malformed requests
 * 400) on the transports it listens on, until SIGINT or SIGTERM. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "sipua/io.h"

static void serve_usage(FILE *out)
{
    fputs("usage: sipua serve --listen SPEC... [--cert FILE --key FILE] [--json] [--quiet]\n"
          "\n"
          "Answers SIP requests until SIGINT or SIGTERM: OPTIONS with 200 (Allow,\n"
          "Accept, Supported), methods it does not serve with 405 or 501 and Allow, an\n"
          "unsupported Require with 420, malformed requests with 400.\n"
          "\n"
          "  --listen SPEC   TRANSPORT:HOST:PORT, e.g. udp:127.0.0.1:5060, tls:[::1]:5061,\n"
          "                  ws:127.0.0.1:8080 (port 0: any free port); repeatable\n"
          "  --cert FILE     PEM certificate (chain) for tls and wss listeners\n"
          "  --key FILE      its private key\n"
          "  --json          one JSON object per event on stdout\n"
          "  --quiet         print only the listening addresses and the summary\n"
          "\n"
          "exit status: 0 after a clean shutdown, 1 when a listener cannot be opened,\n"
          "2 usage error\n",
          out);
}

typedef struct serve {
    int json, quiet;
    unsigned long answered, dropped;
} serve;

static void on_event(void *user, const sipua_ua_event *ev)
{
    serve *s = user;
    if (ev->type == SIPUA_UA_EV_REQUEST_ANSWERED)
        s->answered++;
    else if (ev->type == SIPUA_UA_EV_DROPPED)
        s->dropped++;
    else
        return;
    if (s->quiet)
        return;
    const sipua_endpoint *p = ev->peer;
    char peer[96] = "?";
    if (p)
        snprintf(peer, sizeof peer, strchr(p->host, ':') ? "%s:[%s]:%u" : "%s:%s:%u",
                 sipua_transport_name(p->transport), p->host, (unsigned)p->port);
    for (char *c = peer; *c && *c != ':'; c++)
        *c = (char)(*c | 0x20);
    if (s->json) {
        fputs("{\"event\":", stdout);
        if (ev->type == SIPUA_UA_EV_REQUEST_ANSWERED) {
            sipua_str m = ev->msg ? sipua_msg_method_str(ev->msg) : (sipua_str){"", 0};
            fputs("\"answered\",\"method\":", stdout);
            json_str(stdout, m.p, m.len);
            printf(",\"status\":%d,\"reason\":", ev->status);
            json_str(stdout, ev->reason.p, ev->reason.len);
        } else {
            fputs("\"dropped\",\"why\":", stdout);
            json_str(stdout, ev->reason.p ? ev->reason.p : "", ev->reason.len);
        }
        fputs(",\"peer\":", stdout);
        json_str(stdout, peer, strlen(peer));
        fputs("}\n", stdout);
    } else if (ev->type == SIPUA_UA_EV_REQUEST_ANSWERED) {
        sipua_str m = ev->msg ? sipua_msg_method_str(ev->msg) : (sipua_str){"?", 1};
        printf("%s %.*s -> %d %.*s\n", peer, (int)m.len, m.p, ev->status, (int)ev->reason.len,
               ev->reason.p);
    } else {
        printf("%s dropped: %.*s\n", peer, (int)ev->reason.len, ev->reason.p ? ev->reason.p : "");
    }
    fflush(stdout);
}

static void on_signal(sipua_io *io, int signum)
{
    (void)signum;
    sipua_io_stop(io);
}

int cmd_serve(int argc, char **argv)
{
    const char *listen[SIPUA_UA_MAX_LISTEN];
    size_t nlisten = 0;
    const char *cert = NULL, *key = NULL;
    serve s = {0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            serve_usage(stdout);
            return EXIT_OK;
        } else if (strcmp(a, "--json") == 0) {
            s.json = 1;
        } else if (strcmp(a, "--quiet") == 0) {
            s.quiet = 1;
        } else if (strcmp(a, "--listen") == 0 || strcmp(a, "--cert") == 0 ||
                   strcmp(a, "--key") == 0) {
            if (!v) {
                fprintf(stderr, "sipua serve: %s needs a value\n", a);
                return EXIT_USAGE;
            }
            i++;
            if (strcmp(a, "--cert") == 0) {
                cert = v;
            } else if (strcmp(a, "--key") == 0) {
                key = v;
            } else {
                sipua_endpoint ep;
                if (sipua_listen_spec_parse(v, &ep) != 0) {
                    fprintf(stderr,
                            "sipua serve: bad listen spec '%s' (TRANSPORT:HOST:PORT, e.g. "
                            "udp:127.0.0.1:5060 or tls:[::1]:5061)\n",
                            v);
                    return EXIT_USAGE;
                }
                if (nlisten == SIPUA_UA_MAX_LISTEN) {
                    fprintf(stderr, "sipua serve: at most %d --listen\n", SIPUA_UA_MAX_LISTEN);
                    return EXIT_USAGE;
                }
                listen[nlisten++] = v;
            }
        } else {
            fprintf(stderr, "sipua serve: unexpected argument '%s'\n", a);
            serve_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (!nlisten) {
        fprintf(stderr, "sipua serve: nothing to listen on (--listen SPEC)\n");
        serve_usage(stderr);
        return EXIT_USAGE;
    }
    if ((cert == NULL) != (key == NULL)) {
        fprintf(stderr, "sipua serve: --cert and --key go together\n");
        return EXIT_USAGE;
    }
    sipua_io_config cfg;
    sipua_io_config_init(&cfg);
    cfg.cert_file = cert;
    cfg.key_file = key;
    sipua_io *io;
    if (sipua_io_new(&cfg, on_event, &s, &io) != 0) {
        fprintf(stderr, "sipua serve: cannot start: TLS setup failed\n");
        return EXIT_FAIL;
    }
    for (size_t i = 0; i < nlisten; i++) {
        sipua_endpoint bound;
        int r = sipua_io_listen(io, listen[i], &bound);
        if (r != 0) {
            fprintf(stderr, "sipua serve: cannot listen on %s: %s\n", listen[i],
                    sipua_io_last_error(io));
            sipua_io_free(io);
            return r == SIPUA_EINVAL ? EXIT_USAGE : EXIT_FAIL;
        }
        print_listening(&bound, s.json);
    }
    fflush(stdout);
    sipua_io_on_signal(io, SIGINT, on_signal);
    sipua_io_on_signal(io, SIGTERM, on_signal);
    int r = sipua_io_run(io);
    sipua_io_free(io);
    if (s.json)
        printf("{\"event\":\"stopped\",\"answered\":%lu,\"dropped\":%lu}\n", s.answered, s.dropped);
    else
        printf("stopped: %lu requests answered, %lu messages dropped\n", s.answered, s.dropped);
    return r == 0 ? EXIT_OK : EXIT_FAIL;
}
