/* sipua with no command: a small line-oriented softphone for a person at
 * a terminal (or a script feeding it lines). One UA, any number of calls,
 * each known by its number; the commands act on the call named, else on
 * the current one (the last called, answered or rung). Events print as
 * the other commands' timelines do. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "account.h"
#include "calls.h"
#include "config.h"
#include "sipua/auth.h"
#include "sipua/io.h"
#include "sipua/register.h"

#define PROG      "sipua"
#define MAX_CALLS 64

static void shell_usage(FILE *out)
{
    fputs("usage: sipua [--listen SPEC]... [--config FILE] [--aor URI] [--display-name NAME]\n"
          "             [--user NAME] [--password PW] [--proxy URI] [--registrar URI]\n"
          "             [--expires S] [--outbound] [--gruu] [--instance-id URN]\n"
          "             [--ca FILE] [--insecure] [--json]\n"
          "             [--100rel supported|required|no] [--session-timer yes|no]\n"
          "             [--session-expires S] [--min-se S] [--t1 MS] [--t2 MS] [--t4 MS]\n"
          "\n"
          "A line-oriented softphone: reads commands from standard input, prints\n"
          "what happens. Listens on udp:127.0.0.1:5060 unless --listen says; with\n"
          "--registrar it registers the AOR while it runs. Commands (N: a call's\n"
          "number; the current call when left out):\n"
          "\n",
          out);
}

static const char help_text[] =
    "  call URI            call URI (through the --proxy when there is one)\n"
    "  answer [N]          answer a ringing call\n"
    "  reject [N] [CODE]   refuse a ringing call (486 Busy Here by default)\n"
    "  hangup [N]          end a call: CANCEL, refuse, or BYE\n"
    "  dtmf TONES [N]      send DTMF tones by INFO (0-9 A-D # *, ',' pauses 2 s)\n"
    "  transfer URI [N]    transfer the peer to URI (REFER); hang up when done\n"
    "  hold [N], unhold [N]  put the peer on hold (re-INVITE), take it off\n"
    "  status              the calls and the registration\n"
    "  help                this list\n"
    "  quit                hang up every call, unregister, and leave\n";

typedef struct shell {
    sipua_io *io;
    calls out;
    app_config acct;
    const char *auth_user;
    char auth_user_buf[256], from[600], route[600];
    sipua_endpoint proxy; /* when route[0] */
    sipua_transport transport;
    sipua_session *calls[MAX_CALLS];
    size_t ncalls;
    sipua_session *current;
    uint64_t reg_id;
    int registered, json, tty, quitting;
    char line[4096];
    size_t len;
    int from_file; /* stdin is a regular file: read by a timer */
} shell;

static shell *g_shell;

static void say(shell *sh, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(shell *sh, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (sh->json) {
        char msg[1024];
        vsnprintf(msg, sizeof msg, fmt, ap);
        printf("{\"time\":%.6f,\"event\":\"shell\",\"detail\":\"",
               (double)(sipua_io_now(sh->io) - sh->out.t0) / 1e6);
        for (const char *p = msg; *p; p++)
            if (*p == '"' || *p == '\\')
                printf("\\%c", *p);
            else if ((unsigned char)*p >= 0x20)
                putchar(*p);
        printf("\"}\n");
    } else {
        vprintf(fmt, ap);
        putchar('\n');
    }
    va_end(ap);
    fflush(stdout);
}

static void prompt(shell *sh)
{
    if (sh->tty && !sh->quitting) {
        fputs("sipua> ", stdout);
        fflush(stdout);
    }
}

/* ------------------------------------------------------------------ */
/* Calls                                                               */

static void track(shell *sh, sipua_session *s)
{
    if (sh->ncalls < MAX_CALLS)
        sh->calls[sh->ncalls++] = sipua_session_ref(s);
    sh->current = s;
}

static void forget_ended(shell *sh)
{
    size_t k = 0;
    for (size_t i = 0; i < sh->ncalls; i++) {
        if (sipua_session_is_ended(sh->calls[i])) {
            if (sh->current == sh->calls[i])
                sh->current = NULL;
            sipua_session_unref(sh->calls[i]);
        } else {
            sh->calls[k++] = sh->calls[i];
        }
    }
    sh->ncalls = k;
    if (!sh->current && sh->ncalls)
        sh->current = sh->calls[sh->ncalls - 1];
}

/* The call numbered by word (NULL: the current one); NULL after saying
 * why. */
static sipua_session *call_of(shell *sh, const char *word)
{
    if (!word) {
        if (!sh->current)
            say(sh, "no call");
        return sh->current;
    }
    char *end;
    unsigned long long id = strtoull(word, &end, 10);
    if (*end || !*word) {
        say(sh, "'%s' is not a call number", word);
        return NULL;
    }
    for (size_t i = 0; i < sh->ncalls; i++)
        if (sipua_session_id(sh->calls[i]) == id)
            return sh->calls[i];
    say(sh, "no call %llu", id);
    return NULL;
}

static void on_session(sipua_session *s, const sipua_session_event *ev, void *user)
{
    shell *sh = user;
    sipua_time now = sipua_io_now(sh->io);
    calls_event(&sh->out, s, ev, now);
    switch (ev->kind) {
    case SIPUA_SESSION_EV_REFER_PROGRESS:
        if (ev->refer_final && !sipua_session_is_ended(s)) {
            calls_note(&sh->out, s, now, "hangup", calls_transfer_outcome(ev->code));
            sipua_session_terminate(s, now);
        }
        break;
    case SIPUA_SESSION_EV_REFERRED: {
        /* a transfer asked of us: the new call is ours to follow */
        sipua_session *next = NULL;
        if (sipua_session_refer_accept(s, on_session, sh, now, &next) == 0) {
            track(sh, next);
            sipua_session_unref(next);
            char what[600];
            snprintf(what, sizeof what, "%.*s (transferred)", (int)ev->refer_to.len,
                     ev->refer_to.p);
            calls_note(&sh->out, next, now, "invite", what);
        }
        break;
    }
    default: break;
    }
}

static void on_ua_event(void *user, const sipua_ua_event *ev)
{
    shell *sh = user;
    sipua_time now = sipua_io_now(sh->io);
    switch (ev->type) {
    case SIPUA_UA_EV_INVITE: {
        sipua_session *s = ev->session;
        sipua_session_set_callback(s, on_session, sh);
        track(sh, s);
        const sipua_nameaddr *id = sipua_session_remote_identity(s);
        char from[320];
        snprintf(from, sizeof from, "from %.*s", id ? (int)id->uri.whole.len : 0,
                 id ? id->uri.whole.p : "");
        calls_note(&sh->out, s, now, "incoming", from);
        sipua_session_progress(s, NULL, now);
        say(sh, "call %llu is ringing: 'answer' takes it, 'reject' refuses it",
            (unsigned long long)sipua_session_id(s));
        break;
    }
    case SIPUA_UA_EV_REGISTERED:
        sh->registered = 1;
        say(sh, "registered %s, %lu s", sh->acct.aor ? sh->acct.aor : "",
            (unsigned long)ev->expires);
        break;
    case SIPUA_UA_EV_UNREGISTERED:
        sh->registered = 0;
        say(sh, "unregistered");
        if (sh->quitting)
            sipua_io_stop(sh->io);
        break;
    case SIPUA_UA_EV_REGISTRATION_FAILED:
        sh->registered = 0;
        say(sh, "registration failed: %d %s", ev->status, sipua_cause_str((sipua_cause)ev->cause));
        if (sh->quitting)
            sipua_io_stop(sh->io);
        break;
    default: return;
    }
    prompt(sh);
}

/* ------------------------------------------------------------------ */
/* Commands                                                            */

static void cmd_dial(shell *sh, const char *uri)
{
    sipua_uri u;
    if (!uri || sipua_uri_parse((sipua_str){uri, strlen(uri)}, &u) != 0 ||
        (u.scheme_id != SIPUA_URI_SIP && u.scheme_id != SIPUA_URI_SIPS)) {
        say(sh, "call: '%s' is not a sip: or sips: URI", uri ? uri : "");
        return;
    }
    sipua_endpoint to = sh->proxy;
    if (!sh->route[0] && app_uri_hop(&u, sh->transport, &to, PROG) != 0)
        return;
    sipua_invite_opts o;
    sipua_invite_opts_init(&o);
    const char *extra[1] = {sh->route};
    if (sh->route[0]) {
        o.extra_headers = extra;
        o.n_extra_headers = 1;
    }
    if (sh->from[0])
        o.from = (sipua_str){sh->from, strlen(sh->from)};
    sipua_session *s;
    sipua_time now = sipua_io_now(sh->io);
    int e = sipua_invite(sipua_io_ua(sh->io), (sipua_str){uri, strlen(uri)}, &to, &o, on_session,
                         sh, now, &s);
    if (e) {
        say(sh, "call: %s", sipua_strerror(e));
        return;
    }
    track(sh, s);
    sipua_session_unref(s);
    calls_note(&sh->out, s, now, "invite", uri);
}

static void status(shell *sh)
{
    forget_ended(sh);
    if (sh->acct.registrar)
        say(sh, "registration: %s", sh->registered ? "registered" : "not registered");
    if (!sh->ncalls)
        say(sh, "no calls");
    for (size_t i = 0; i < sh->ncalls; i++) {
        sipua_session *s = sh->calls[i];
        const sipua_nameaddr *r = sipua_session_remote_identity(s);
        const char *state = sipua_session_is_established(s)
                                ? (sipua_session_is_held_local(s) ? "on hold" : "established")
                            : sipua_session_direction(s) == SIPUA_DIRECTION_INCOMING ? "ringing"
                                                                                     : "calling";
        say(sh, "%s call %llu %s %.*s: %s", s == sh->current ? "*" : " ",
            (unsigned long long)sipua_session_id(s),
            sipua_session_direction(s) == SIPUA_DIRECTION_INCOMING ? "from" : "to",
            r ? (int)r->uri.whole.len : 0, r ? r->uri.whole.p : "", state);
    }
}

static void stop_now(sipua_io *io, void *arg)
{
    (void)arg;
    sipua_io_stop(io);
}

static void quit(shell *sh)
{
    if (sh->quitting) {
        sipua_io_stop(sh->io);
        return;
    }
    sh->quitting = 1;
    sipua_time now = sipua_io_now(sh->io);
    for (size_t i = 0; i < sh->ncalls; i++)
        if (!sipua_session_is_ended(sh->calls[i]))
            sipua_session_terminate(sh->calls[i], now);
    if (sh->registered && sipua_unregister(sipua_io_ua(sh->io), sh->reg_id, now) == 0)
        return; /* the loop stops once the registrar answers */
    sipua_io_after(sh->io, 500, stop_now, NULL);
}

static void run_line(shell *sh, char *line)
{
    char *words[4] = {0};
    int n = 0;
    for (char *tok = strtok(line, " \t\r"); tok && n < 4; tok = strtok(NULL, " \t\r"))
        words[n++] = tok;
    if (!n)
        return;
    const char *c = words[0];
    sipua_time now = sipua_io_now(sh->io);
    sipua_session *s;
    int e = 0;
    if (!strcmp(c, "help") || !strcmp(c, "?")) {
        fputs(help_text, stdout);
    } else if (!strcmp(c, "quit") || !strcmp(c, "exit")) {
        quit(sh);
    } else if (!strcmp(c, "status")) {
        status(sh);
    } else if (!strcmp(c, "call")) {
        cmd_dial(sh, words[1]);
    } else if (!strcmp(c, "answer")) {
        if ((s = call_of(sh, words[1])) != NULL && (e = sipua_session_accept(s, NULL, now)) == 0)
            sh->current = s;
    } else if (!strcmp(c, "reject")) {
        sipua_answer_opts o;
        sipua_answer_opts_init(&o);
        o.status_code = 486;
        const char *code = n == 3 ? words[2] : (n == 2 && strlen(words[1]) == 3 ? words[1] : NULL);
        const char *num = n == 3 ? words[1] : (n == 2 && !code ? words[1] : NULL);
        if (code)
            o.status_code = atoi(code);
        if ((s = call_of(sh, num)) != NULL)
            e = sipua_session_reject(s, &o, now);
    } else if (!strcmp(c, "hangup")) {
        if ((s = call_of(sh, words[1])) != NULL)
            e = sipua_session_terminate(s, now);
    } else if (!strcmp(c, "dtmf")) {
        if (!words[1])
            say(sh, "dtmf: which tones?");
        else if ((s = call_of(sh, words[2])) != NULL)
            e = sipua_session_send_dtmf(s, words[1], NULL, now);
    } else if (!strcmp(c, "transfer")) {
        if (!words[1]) {
            say(sh, "transfer: to whom?");
        } else if ((s = call_of(sh, words[2])) != NULL) {
            e = sipua_session_refer(s, (sipua_str){words[1], strlen(words[1])}, NULL, now);
            if (!e)
                calls_note(&sh->out, s, now, "refer", words[1]);
        }
    } else if (!strcmp(c, "hold") || !strcmp(c, "unhold")) {
        if ((s = call_of(sh, words[1])) != NULL)
            e = c[0] == 'h' ? sipua_session_hold(s, now) : sipua_session_unhold(s, now);
    } else {
        say(sh, "unknown command '%s' ('help' lists them)", c);
    }
    if (e)
        say(sh, "%s: %s", c,
            e == SIPUA_ESTATE   ? "not now (the call is not in a state for it)"
            : e == SIPUA_EINVAL ? "bad argument"
                                : sipua_strerror(e));
}

/* Lines from standard input; EOF quits. */
static void read_input(shell *sh)
{
    for (;;) {
        if (sh->len == sizeof sh->line - 1) {
            say(sh, "line too long: dropped");
            sh->len = 0;
        }
        ssize_t r = read(STDIN_FILENO, sh->line + sh->len, sizeof sh->line - 1 - sh->len);
        if (r < 0 && (errno == EAGAIN || errno == EINTR))
            break;
        if (r <= 0) {
            sipua_io_watch_fd(sh->io, STDIN_FILENO, NULL, NULL);
            sh->from_file = 0;
            quit(sh);
            return;
        }
        sh->len += (size_t)r;
        char *nl;
        while ((nl = memchr(sh->line, '\n', sh->len)) != NULL) {
            *nl = 0;
            run_line(sh, sh->line);
            size_t used = (size_t)(nl + 1 - sh->line);
            memmove(sh->line, nl + 1, sh->len - used);
            sh->len -= used;
            if (sh->quitting)
                return;
            /* a script's next line waits for what this one started */
            if (sh->from_file)
                return;
        }
        if (sh->from_file)
            continue;
        break;
    }
    prompt(sh);
}

static void on_stdin(sipua_io *io, int fd, void *arg)
{
    (void)io;
    (void)fd;
    read_input(arg);
}

/* A regular file is always readable: a line every 50 ms, so that what a
 * line starts has time to happen before the next. */
static void tick_file(sipua_io *io, void *arg)
{
    shell *sh = arg;
    if (!sh->from_file || sh->quitting)
        return;
    read_input(sh);
    if (sh->from_file && !sh->quitting)
        sipua_io_after(io, 50, tick_file, sh);
}

static void on_signal(sipua_io *io, int signum)
{
    (void)signum;
    (void)io;
    if (g_shell)
        quit(g_shell);
}

static void start_registration(sipua_io *io, void *arg)
{
    (void)io;
    shell *sh = arg;
    sipua_uri ru;
    const char *registrar = sh->acct.registrar;
    if (sipua_uri_parse((sipua_str){registrar, strlen(registrar)}, &ru) != 0)
        return;
    sipua_endpoint hop = sh->proxy;
    if (!sh->route[0] && app_uri_hop(&ru, sh->transport, &hop, PROG) != 0)
        return;
    sipua_register_config rc;
    sipua_register_config_init(&rc);
    rc.aor = sh->acct.aor;
    rc.display_name = sh->acct.display_name;
    rc.registrar = registrar;
    rc.outbound_proxy = sh->acct.proxy;
    rc.auth_user = sh->auth_user;
    rc.password = sh->acct.password;
    if (sh->acct.expires)
        rc.expires = (uint32_t)sh->acct.expires;
    rc.instance_id = sh->acct.instance_id;
    rc.reg_id = sh->acct.outbound > 0 ? 1 : 0;
    rc.gruu = sh->acct.gruu > 0;
    const char *why = account_check(&sh->acct, hop.transport);
    if (why) {
        say(sh, "cannot register: %s", why);
        return;
    }
    int e = sipua_register(sipua_io_ua(sh->io), &rc, &hop, sipua_io_now(sh->io), &sh->reg_id);
    if (e)
        say(sh, "cannot register: %s", sipua_strerror(e));
}

int cmd_shell(int argc, char **argv)
{
    static shell sh_;
    shell *sh = &sh_;
    memset(sh, 0, sizeof *sh);
    app_config flags;
    memset(&flags, 0, sizeof flags);
    const char *config_path = NULL, *listen[SIPUA_UA_MAX_LISTEN], *ca = NULL;
    size_t nlisten = 0;
    int insecure = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            shell_usage(stdout);
            fputs(help_text, stdout);
            return EXIT_OK;
        } else if (!strcmp(a, "--json")) {
            sh->json = 1;
        } else if (!strcmp(a, "--insecure")) {
            insecure = 1;
        } else if (app_account_switch(&flags, a)) {
            continue;
        } else if (app_account_takes(a) || !strcmp(a, "--listen") || !strcmp(a, "--ca")) {
            if (!v) {
                fprintf(stderr, PROG ": %s needs a value\n", a);
                return EXIT_USAGE;
            }
            i++;
            if (!strcmp(a, "--ca")) {
                ca = v;
            } else if (!strcmp(a, "--listen")) {
                sipua_endpoint ep;
                if (sipua_listen_spec_parse(v, &ep) != 0 || nlisten == SIPUA_UA_MAX_LISTEN) {
                    fprintf(stderr, PROG ": bad --listen '%s' (TRANSPORT:HOST:PORT)\n", v);
                    return EXIT_USAGE;
                }
                listen[nlisten++] = v;
            } else if (app_account_flag(&flags, &config_path, a, v, PROG) < 0) {
                app_config_free(&flags);
                return EXIT_USAGE;
            }
        } else {
            fprintf(stderr, PROG ": unknown option '%s'\n", a);
            shell_usage(stderr);
            app_config_free(&flags);
            return EXIT_USAGE;
        }
    }
    int bad = app_config_gather(&sh->acct, &flags, config_path, PROG);
    app_config_free(&flags);
    if (!bad && !nlisten && sh->acct.listen)
        listen[nlisten++] = sh->acct.listen;
    if (!nlisten)
        listen[nlisten++] = "udp:127.0.0.1:5060";
    sipua_endpoint lep;
    sipua_listen_spec_parse(listen[0], &lep);
    sh->transport = lep.transport;
    if (!bad)
        bad = app_config_proxy(&sh->acct, sh->transport, &sh->proxy, sh->route, sizeof sh->route,
                               PROG);
    if (!bad && sh->acct.registrar && !sh->acct.aor) {
        fprintf(stderr, PROG ": --registrar needs --aor\n");
        bad = 1;
    }
    if (bad) {
        app_config_free(&sh->acct);
        return EXIT_USAGE;
    }
    app_config_from(&sh->acct, sh->from, sizeof sh->from);
    sh->auth_user = app_config_auth_user(&sh->acct, sh->auth_user_buf, sizeof sh->auth_user_buf);

    sipua_io_config cfg;
    sipua_io_config_init(&cfg);
    cfg.ca_file = ca ? ca : sh->acct.ca;
    cfg.verify_peer = !insecure;
    if (sh->acct.user_agent)
        cfg.ua.user_agent = sh->acct.user_agent;
    app_config_ua(&sh->acct, &cfg.ua);
    if (sipua_io_new(&cfg, on_ua_event, sh, &sh->io) != 0) {
        fprintf(stderr, PROG ": cannot start (TLS setup failed)\n");
        app_config_free(&sh->acct);
        return EXIT_FAIL;
    }
    int e = 0;
    for (size_t i = 0; i < nlisten && !e; i++) {
        sipua_endpoint bound;
        e = sipua_io_listen(sh->io, listen[i], &bound);
        if (!e) {
            print_listening(&bound, 0);
        }
    }
    if (e) {
        fprintf(stderr, PROG ": %s\n", sipua_io_last_error(sh->io));
        sipua_io_free(sh->io);
        app_config_free(&sh->acct);
        return EXIT_FAIL;
    }
    if (sh->acct.password && sh->auth_user)
        sipua_ua_set_credentials(sipua_io_ua(sh->io), NULL, sh->auth_user, sh->acct.password);
    calls_init(&sh->out, sipua_io_now(sh->io), sh->json, 0);
    sh->tty = isatty(STDIN_FILENO);
    struct stat st;
    sh->from_file = fstat(STDIN_FILENO, &st) == 0 && S_ISREG(st.st_mode);
    if (!sh->from_file) {
        int fl = fcntl(STDIN_FILENO, F_GETFL);
        if (fl >= 0)
            fcntl(STDIN_FILENO, F_SETFL, fl | O_NONBLOCK);
        if (sipua_io_watch_fd(sh->io, STDIN_FILENO, on_stdin, sh) != 0) {
            fprintf(stderr, PROG ": cannot read standard input: %s\n", sipua_io_last_error(sh->io));
            sipua_io_free(sh->io);
            app_config_free(&sh->acct);
            return EXIT_FAIL;
        }
    } else {
        sipua_io_after(sh->io, 0, tick_file, sh);
    }
    g_shell = sh;
    sipua_io_on_signal(sh->io, SIGINT, on_signal);
    sipua_io_on_signal(sh->io, SIGTERM, on_signal);
    if (sh->acct.registrar)
        sipua_io_after(sh->io, 0, start_registration, sh);
    if (sh->tty)
        say(sh, "sipua %s: 'help' lists the commands", sipua_version());
    prompt(sh);
    sipua_io_run(sh->io);
    if (!sh->from_file) {
        int fl = fcntl(STDIN_FILENO, F_GETFL);
        if (fl >= 0)
            fcntl(STDIN_FILENO, F_SETFL, fl & ~O_NONBLOCK);
    }
    for (size_t i = 0; i < sh->ncalls; i++)
        sipua_session_unref(sh->calls[i]);
    sipua_io_free(sh->io);
    calls_free(&sh->out);
    app_config_free(&sh->acct);
    g_shell = NULL;
    return EXIT_OK;
}
