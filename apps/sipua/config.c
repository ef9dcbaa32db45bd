/* The configuration file and flags of the sipua program: see config.h and
 * docs/config.md. The file's text is read by the library's
 * sipua_conf_next(); here are the keys and their values. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "sipua/io.h"
#include "sipua/register.h"

static void wipe_free(char *s)
{
    if (!s)
        return;
    volatile char *v = s;
    while (*v)
        *v++ = 0;
    free(s);
}

static char **field(app_config *cfg, const char *key)
{
    static const struct {
        const char *name;
        size_t offset;
    } keys[] = {
        {"aor", offsetof(app_config, aor)},
        {"display_name", offsetof(app_config, display_name)},
        {"user", offsetof(app_config, user)},
        {"password", offsetof(app_config, password)},
        {"registrar", offsetof(app_config, registrar)},
        {"proxy", offsetof(app_config, proxy)},
        {"transport", offsetof(app_config, transport)},
        {"user_agent", offsetof(app_config, user_agent)},
        {"ca", offsetof(app_config, ca)},
        {"listen", offsetof(app_config, listen)},
        {"instance_id", offsetof(app_config, instance_id)},
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strcmp(keys[i].name, key) == 0)
            return (char **)((char *)cfg + keys[i].offset);
    return NULL;
}

static int is_sip_uri(const char *v)
{
    sipua_uri u;
    return sipua_uri_parse((sipua_str){v, strlen(v)}, &u) == 0 &&
           (u.scheme_id == SIPUA_URI_SIP || u.scheme_id == SIPUA_URI_SIPS);
}

/* What sipua_register() takes as an instance id (sipua/register.h). */
static int instance_id_ok(const char *v)
{
    size_t n = strlen(v);
    if (n < 6 || n > 128 || strncasecmp(v, "urn:", 4) != 0 || v[4] == ':' || !strchr(v + 4, ':'))
        return 0;
    for (const char *p = v; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || strchr("\"<>\\", *p))
            return 0;
    return 1;
}

/* The numeric keys of the user agent: their field, range, and what a bad
 * value is told. */
static const struct num_key {
    const char *name;
    size_t offset;
    long min, max;
    const char *why;
} num_keys[] = {
    {"session_expires", offsetof(app_config, session_expires), 90, 86400,
     "session_expires must be a number of seconds, 90 to 86400"},
    {"min_se", offsetof(app_config, min_se), 90, 86400,
     "min_se must be a number of seconds, 90 to 86400"},
    {"t1", offsetof(app_config, t1), 1, 60000, "t1 must be a number of milliseconds, 1 to 60000"},
    {"t2", offsetof(app_config, t2), 1, 600000, "t2 must be a number of milliseconds, 1 to 600000"},
    {"t4", offsetof(app_config, t4), 1, 600000, "t4 must be a number of milliseconds, 1 to 600000"},
    {"max_message_size", offsetof(app_config, max_message), 512, 16777216,
     "max_message_size must be a number of octets, 512 to 16777216"},
    {"max_headers", offsetof(app_config, max_headers), 16, 65536,
     "max_headers must be a number of header fields, 16 to 65536"},
    {"max_header_length", offsetof(app_config, max_header_len), 128, 1048576,
     "max_header_length must be a number of octets, 128 to 1048576"},
    {"max_body_size", offsetof(app_config, max_body), 1, 16777216,
     "max_body_size must be a number of octets, 1 to 16777216"},
};

static int yes_no(const char *v)
{
    if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "on") || !strcmp(v, "1"))
        return 1;
    if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "off") || !strcmp(v, "0"))
        return -1;
    return 0;
}

void app_config_ua(const app_config *c, sipua_ua_config *ua)
{
    if (c->rel100)
        ua->rel100 = (sipua_100rel_policy)(c->rel100 - 1);
    if (c->session_timer)
        ua->session_timer = c->session_timer > 0 ? SIPUA_TIMER_SUPPORTED : SIPUA_TIMER_DISABLED;
    if (c->session_expires)
        ua->session_expires = (uint32_t)c->session_expires;
    if (c->min_se)
        ua->min_se = (uint32_t)c->min_se;
    if (c->t1)
        ua->t1 = (sipua_time)c->t1 * 1000;
    if (c->t2)
        ua->t2 = (sipua_time)c->t2 * 1000;
    if (c->t4)
        ua->t4 = (sipua_time)c->t4 * 1000;
    if (c->max_message)
        ua->limits.max_message = (size_t)c->max_message;
    if (c->max_headers)
        ua->limits.max_headers = (size_t)c->max_headers;
    if (c->max_header_len)
        ua->limits.max_header_len = (size_t)c->max_header_len;
    if (c->max_body)
        ua->limits.max_body = (size_t)c->max_body;
}

int app_config_set(app_config *cfg, const char *key_in, const char *value, const char **why)
{
    char key[32];
    size_t n = strlen(key_in);
    if (n >= sizeof key) {
        *why = "unknown key";
        return -1;
    }
    for (size_t i = 0; i <= n; i++)
        key[i] = key_in[i] == '-' ? '_' : key_in[i];
    int expires = strcmp(key, "expires") == 0;
    if (expires || strcmp(key, "keepalive") == 0) {
        char *end;
        errno = 0;
        long v = strtol(value, &end, 10);
        long max = expires ? 0x7fffffffL : 3600;
        if (!*value || *end || errno || v < 1 || v > max) {
            *why = expires ? "expires must be a number of seconds, 1 to 2147483647"
                           : "keepalive must be a number of seconds, 1 to 3600";
            return -1;
        }
        *(expires ? &cfg->expires : &cfg->keepalive) = v;
        return 0;
    }
    int ob = strcmp(key, "outbound") == 0, st = strcmp(key, "session_timer") == 0;
    if (ob || st || strcmp(key, "gruu") == 0) {
        int v = yes_no(value);
        if (!v) {
            *why = "must be yes or no";
            return -1;
        }
        *(ob ? &cfg->outbound : st ? &cfg->session_timer : &cfg->gruu) = v;
        return 0;
    }
    if (strcmp(key, "100rel") == 0) {
        int v = !strcmp(value, "supported")  ? 1 + SIPUA_100REL_SUPPORTED
                : !strcmp(value, "required") ? 1 + SIPUA_100REL_REQUIRED
                : yes_no(value) < 0          ? 1 + SIPUA_100REL_DISABLED
                                             : 0;
        if (!v) {
            *why = "100rel must be supported, required or no";
            return -1;
        }
        cfg->rel100 = v;
        return 0;
    }
    for (size_t i = 0; i < sizeof num_keys / sizeof num_keys[0]; i++) {
        if (strcmp(key, num_keys[i].name) != 0)
            continue;
        char *end;
        errno = 0;
        long v = strtol(value, &end, 10);
        if (!*value || *end || errno || v < num_keys[i].min || v > num_keys[i].max) {
            *why = num_keys[i].why;
            return -1;
        }
        *(long *)((char *)cfg + num_keys[i].offset) = v;
        return 0;
    }
    char **f = field(cfg, key);
    if (!f) {
        *why = "unknown key";
        return -1;
    }
    if ((f == &cfg->aor || f == &cfg->registrar || f == &cfg->proxy) && !is_sip_uri(value)) {
        *why = "not a sip: or sips: URI";
        return -1;
    }
    sipua_transport t;
    if (f == &cfg->transport && sipua_transport_from_name((sipua_str){value, strlen(value)}, &t)) {
        *why = "transport must be udp, tcp, tls, ws or wss";
        return -1;
    }
    if (f == &cfg->instance_id && !instance_id_ok(value)) {
        *why = "not a URN (urn:uuid:... of printable characters without \"<>\\, at most 128)";
        return -1;
    }
    sipua_endpoint ep;
    if (f == &cfg->listen && sipua_listen_spec_parse(value, &ep) != 0) {
        *why = "listen must be TRANSPORT:HOST:PORT";
        return -1;
    }
    char *copy = strdup(value);
    if (!copy) {
        *why = "out of memory";
        return -1;
    }
    if (f == &cfg->password)
        wipe_free(*f);
    else
        free(*f);
    *f = copy;
    return 0;
}

int app_config_load(app_config *cfg, const char *path, int missing_ok, const char *prog)
{
    char *text;
    size_t len;
    int e = read_file(path, &text, &len);
    if (e == ENOENT && missing_ok)
        return 0;
    if (e) {
        fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(e));
        return -1;
    }
    sipua_conf_reader r;
    sipua_conf_init(&r, (sipua_str){text, len});
    sipua_str k, v;
    int got, rc = 0;
    while ((got = sipua_conf_next(&r, &k, &v)) != 0) {
        if (got < 0) {
            fprintf(stderr, "%s: %s:%u: %s\n", prog, path, r.line, r.error);
            rc = -1;
            continue;
        }
        char key[64], *value = malloc(v.len + 1);
        if (!value) {
            rc = -1;
            break;
        }
        memcpy(value, v.p, v.len);
        value[v.len] = 0;
        snprintf(key, sizeof key, "%.*s", (int)k.len, k.p);
        const char *why;
        if (app_config_set(cfg, key, value, &why) != 0) {
            fprintf(stderr, "%s: %s:%u: %s: %s\n", prog, path, r.line, key, why);
            rc = -1;
        }
        wipe_free(value);
    }
    /* the file may hold the password */
    memset(text, 0, len);
    free(text);
    return rc;
}

void app_config_merge(app_config *cfg, const app_config *over)
{
    char *const *src[] = {
        &over->aor,   &over->display_name, &over->user,       &over->password, &over->registrar,
        &over->proxy, &over->transport,    &over->user_agent, &over->ca,       &over->listen};
    char **dst[] = {&cfg->aor,       &cfg->display_name, &cfg->user,      &cfg->password,
                    &cfg->registrar, &cfg->proxy,        &cfg->transport, &cfg->user_agent,
                    &cfg->ca,        &cfg->listen};
    for (size_t i = 0; i < sizeof dst / sizeof dst[0]; i++) {
        if (!*src[i])
            continue;
        char *copy = strdup(*src[i]);
        if (!copy)
            continue;
        wipe_free(*dst[i]);
        *dst[i] = copy;
    }
    if (over->expires)
        cfg->expires = over->expires;
    if (over->keepalive)
        cfg->keepalive = over->keepalive;
    if (over->instance_id) {
        char *copy = strdup(over->instance_id);
        if (copy) {
            free(cfg->instance_id);
            cfg->instance_id = copy;
        }
    }
    if (over->outbound)
        cfg->outbound = over->outbound;
    if (over->gruu)
        cfg->gruu = over->gruu;
    if (over->rel100)
        cfg->rel100 = over->rel100;
    if (over->session_timer)
        cfg->session_timer = over->session_timer;
    for (size_t i = 0; i < sizeof num_keys / sizeof num_keys[0]; i++) {
        long v = *(const long *)((const char *)over + num_keys[i].offset);
        if (v)
            *(long *)((char *)cfg + num_keys[i].offset) = v;
    }
}

const char *app_config_default_path(char *buf, size_t cap)
{
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    int n;
    if (xdg && *xdg)
        n = snprintf(buf, cap, "%s/sipua/config", xdg);
    else if (home && *home)
        n = snprintf(buf, cap, "%s/.config/sipua/config", home);
    else
        return NULL;
    return n > 0 && (size_t)n < cap ? buf : NULL;
}

void app_config_free(app_config *cfg)
{
    char **all[] = {&cfg->aor,       &cfg->display_name, &cfg->user,      &cfg->password,
                    &cfg->registrar, &cfg->proxy,        &cfg->transport, &cfg->user_agent,
                    &cfg->ca,        &cfg->listen};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        wipe_free(*all[i]);
        *all[i] = NULL;
    }
    free(cfg->instance_id);
    cfg->instance_id = NULL;
}

int app_resolve_host(const sipua_uri *u, char *out, size_t cap, const char *prog)
{
    char host[256];
    if (u->host.len >= sizeof host || u->host.len >= cap)
        return -1;
    memcpy(host, u->host.p, u->host.len);
    host[u->host.len] = 0;
    if (u->host_kind != SIPUA_HOST_NAME) {
        memcpy(out, host, u->host.len + 1);
        return 0;
    }
    struct addrinfo hints = {.ai_socktype = SOCK_DGRAM}, *res;
    int e = getaddrinfo(host, NULL, &hints, &res);
    if (e) {
        fprintf(stderr, "%s: cannot resolve %s: %s\n", prog, host, gai_strerror(e));
        return -1;
    }
    int r =
        getnameinfo(res->ai_addr, res->ai_addrlen, out, (socklen_t)cap, NULL, 0, NI_NUMERICHOST);
    freeaddrinfo(res);
    return r ? -1 : 0;
}

/* ------------------------------------------------------------------ */
/* The account settings of sipua call and sipua answer                 */

static const char *const account_flags[] = {"--aor",
                                            "--display-name",
                                            "--user",
                                            "--password",
                                            "--proxy",
                                            "--registrar",
                                            "--expires",
                                            "--user-agent",
                                            "--instance-id",
                                            "--100rel",
                                            "--session-timer",
                                            "--session-expires",
                                            "--min-se",
                                            "--t1",
                                            "--t2",
                                            "--t4",
                                            "--max-message-size",
                                            "--max-headers",
                                            "--max-header-length",
                                            "--max-body-size"};

int app_account_switch(app_config *flags, const char *flag)
{
    if (!strcmp(flag, "--outbound"))
        flags->outbound = 1;
    else if (!strcmp(flag, "--gruu"))
        flags->gruu = 1;
    else
        return 0;
    return 1;
}

int app_account_flag(app_config *flags, const char **config_path, const char *flag,
                     const char *value, const char *prog)
{
    if (!strcmp(flag, "--config")) {
        *config_path = value;
        return 1;
    }
    int known = 0;
    for (size_t k = 0; k < sizeof account_flags / sizeof account_flags[0]; k++)
        known |= !strcmp(flag, account_flags[k]);
    if (!known)
        return 0;
    const char *why;
    if (app_config_set(flags, flag + 2, value, &why) != 0) {
        if (!strcmp(flag, "--password"))
            fprintf(stderr, "%s: bad --password: %s\n", prog, why);
        else
            fprintf(stderr, "%s: bad %s '%s': %s\n", prog, flag, value, why);
        return -1;
    }
    return 1;
}

int app_account_takes(const char *flag)
{
    if (!strcmp(flag, "--config"))
        return 1;
    for (size_t k = 0; k < sizeof account_flags / sizeof account_flags[0]; k++)
        if (!strcmp(flag, account_flags[k]))
            return 1;
    return 0;
}

/* The instance id kept in the config directory: read, or made (a random
 * version 4 UUID, RFC 4122 4.4) and written there the first time, so that
 * the registrar sees the same instance across runs (RFC 5626 4.1). */
static int app_instance_id(app_config *c, const char *prog)
{
    char path[1024];
    if (!app_config_default_path(path, sizeof path)) {
        fprintf(
            stderr,
            "%s: no instance id: give --instance-id (neither XDG_CONFIG_HOME nor HOME is set)\n",
            prog);
        return -1;
    }
    char *slash = strrchr(path, '/');
    snprintf(slash + 1, sizeof path - (size_t)(slash + 1 - path), "instance-id");
    char text[160] = "";
    FILE *f = fopen(path, "r");
    if (f) {
        if (!fgets(text, sizeof text, f))
            text[0] = 0;
        fclose(f);
        text[strcspn(text, "\r\n")] = 0;
        if (!instance_id_ok(text)) {
            fprintf(stderr,
                    "%s: %s: not an instance id (urn:uuid:...): remove it to make a new one\n",
                    prog, path);
            return -1;
        }
    } else if (errno != ENOENT) {
        fprintf(stderr, "%s: cannot read the instance id in %s: %s\n", prog, path, strerror(errno));
        return -1;
    } else {
        uint8_t u[16];
        if (getrandom(u, sizeof u, 0) != (ssize_t)sizeof u) {
            fprintf(stderr, "%s: no random bytes for an instance id: %s\n", prog, strerror(errno));
            return -1;
        }
        u[6] = (uint8_t)((u[6] & 0x0f) | 0x40); /* version 4 */
        u[8] = (uint8_t)((u[8] & 0x3f) | 0x80); /* variant 10 */
        snprintf(text, sizeof text,
                 "urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
                 u[13], u[14], u[15]);
        /* the directories up to it, then the file, written whole or not at all */
        for (char *p = path + 1; (p = strchr(p, '/')) != NULL; p++) {
            *p = 0;
            int e = mkdir(path, 0700) == 0 || errno == EEXIST ? 0 : errno;
            *p = '/';
            if (e) {
                fprintf(stderr, "%s: cannot keep the instance id in %s: %s\n", prog, path,
                        strerror(e));
                return -1;
            }
        }
        char tmp[1100];
        snprintf(tmp, sizeof tmp, "%s.%ld", path, (long)getpid());
        int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        size_t len = strlen(text);
        int ok = fd >= 0 && write(fd, text, len) == (ssize_t)len && write(fd, "\n", 1) == 1;
        if (fd >= 0 && close(fd) != 0)
            ok = 0;
        /* link: a run that made one at the same time keeps its own */
        int e = ok ? (link(tmp, path) == 0 ? 0 : errno) : (errno ? errno : EIO);
        unlink(tmp);
        if (e == EEXIST)
            return app_instance_id(c, prog); /* another run's, now there */
        if (e) {
            fprintf(stderr, "%s: cannot keep the instance id in %s: %s\n", prog, path, strerror(e));
            return -1;
        }
    }
    c->instance_id = strdup(text);
    return c->instance_id ? 0 : -1;
}

int app_config_gather(app_config *out, app_config *flags, const char *config_path, const char *prog)
{
    char def[1024];
    const char *path = config_path ? config_path : app_config_default_path(def, sizeof def);
    if (path && app_config_load(out, path, !config_path, prog) != 0)
        return -1;
    const char *env_pw = getenv("SIPUA_PASSWORD");
    const char *why;
    if (env_pw && *env_pw && !flags->password)
        app_config_set(out, "password", env_pw, &why);
    app_config_merge(out, flags);
    if ((out->outbound > 0 || out->gruu > 0) && !out->instance_id &&
        app_instance_id(out, prog) != 0)
        return -1;
    long min_se = out->min_se ? out->min_se : 90;
    if (out->session_expires && out->session_expires < min_se) {
        fprintf(stderr, "%s: session_expires (%ld s) is below min_se (%ld s)\n", prog,
                out->session_expires, min_se);
        return -1;
    }
    return 0;
}

void app_config_from(const app_config *c, char *out, size_t cap)
{
    out[0] = 0;
    if (!c->aor)
        return;
    if (c->display_name && *c->display_name) {
        /* a quoted-string: " and \ escaped */
        size_t n = 0;
        out[n++] = '"';
        for (const char *p = c->display_name; *p && n + 4 < cap; p++) {
            if (*p == '"' || *p == '\\')
                out[n++] = '\\';
            out[n++] = *p;
        }
        out[n] = 0;
        snprintf(out + n, cap - n, "\" <%s>", c->aor);
    } else {
        snprintf(out, cap, "<%s>", c->aor);
    }
}

const char *app_config_auth_user(const app_config *c, char *buf, size_t cap)
{
    if (c->user)
        return c->user;
    sipua_uri u;
    if (!c->aor || sipua_uri_parse((sipua_str){c->aor, strlen(c->aor)}, &u) != 0 || !u.user.len ||
        u.user.len >= cap)
        return NULL;
    memcpy(buf, u.user.p, u.user.len);
    buf[u.user.len] = 0;
    return buf;
}

int app_uri_hop(const sipua_uri *u, sipua_transport t, sipua_endpoint *hop, const char *prog)
{
    sipua_str tp;
    if (u->scheme_id == SIPUA_URI_SIPS)
        t = SIPUA_TRANSPORT_TLS;
    if (sipua_param_find(u->params, "transport", &tp) && tp.p)
        sipua_transport_from_name(tp, &t);
    char ip[SIPUA_HOST_MAX];
    if (app_resolve_host(u, ip, sizeof ip, prog) != 0)
        return -1;
    uint16_t port = u->port                    ? u->port
                    : t == SIPUA_TRANSPORT_TLS ? 5061
                    : t == SIPUA_TRANSPORT_WS  ? 80
                    : t == SIPUA_TRANSPORT_WSS ? 443
                                               : 5060;
    return sipua_endpoint_set(hop, t, ip, port, 0) == 0 ? 0 : -1;
}

int app_config_proxy(const app_config *c, sipua_transport t, sipua_endpoint *hop, char *route,
                     size_t cap, const char *prog)
{
    route[0] = 0;
    if (!c->proxy)
        return 0;
    sipua_uri u;
    if (sipua_uri_parse((sipua_str){c->proxy, strlen(c->proxy)}, &u) != 0 ||
        app_uri_hop(&u, t, hop, prog) != 0)
        return -1;
    /* loose routing (RFC 3261 16.12): the proxy's URI with lr */
    sipua_str lr;
    snprintf(route, cap, "Route: <%s%s>", c->proxy,
             sipua_param_find(u.params, "lr", &lr) ? "" : ";lr");
    return 0;
}
