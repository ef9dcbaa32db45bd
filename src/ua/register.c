/* Registration (RFC 3261 10) with Digest authentication: see
 * include/sipua/register.h. One sipua__reg per registration, owner of its
 * REGISTER transactions (one at a time, RFC 3261 10.2) and of one timer
 * (refresh, retry, or an event to give outside the call that asked). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "session/session.h"
#include "sipua/auth.h"
#include "ua/reg.h"

#define MAX_REALMS     4    /* credentials kept: a proxy's and a registrar's, and spares */
#define CHALLENGE_MAX  1024 /* a challenge longer than this cannot be kept */
#define MAX_CONTACTS   16   /* bindings reported from a 2xx */
#define CONTACTS_SPACE 4096
#define MAX_CHALLENGES 5 /* challenges answered in a row before giving up */
#define MAX_423        3 /* 423s answered in a row */
#define REQUEST_MAX    8192
#define GRUU_MAX       256 /* a longer GRUU is not used */

typedef struct realm_cred {
    int proxy;    /* Proxy-Authenticate (407), else WWW-Authenticate (401) */
    uint32_t nc;  /* requests that used this nonce */
    int fresh;    /* came with the last response: the next request answers it */
    int answered; /* the request in flight answered it (was fresh) */
    size_t len;
    char challenge[CHALLENGE_MAX]; /* the header value as received */
} realm_cred;

typedef enum timer_use { T_NONE, T_SEND, T_UNREGISTERED } timer_use;

typedef struct sipua__reg sipua__reg;

struct sipua__regs {
    sipua__reg_host host;
    sipua__reg *list;
    uint64_t next_id;
};

struct sipua__reg {
    sipua__owner owner; /* first: the transactions' user pointer */
    sipua__reg *next;
    sipua__regs *set;
    uint64_t id;
    char *strings; /* one block: every string below points into it */
    size_t strings_len;
    const char *aor, *display, *registrar, *proxy, *user, *password;
    const char *instance; /* RFC 5626 instance id, or NULL */
    uint32_t reg_id;      /* RFC 5626 reg-id, 0: outbound not asked */
    int gruu;             /* RFC 5627 GRUUs asked */
    int outbound;         /* the last 2xx had Require: outbound: our flow is kept */
    sipua_endpoint to;
    char contact[SIPUA_HOST_MAX + 300]; /* our Contact URI */
    char call_id[80];
    char tag[17];
    uint32_t cseq;
    uint32_t expires; /* asked */
    sipua_time retry_base, retry_max;
    sipua__txn *txn; /* the REGISTER in flight */
    int txn_unregister;
    int ever_sent;
    int bound; /* the last REGISTER was granted: a binding is held */
    int unregistering;
    int ended;    /* its last event is being given: forgotten after */
    int in_event; /* inside an event callback */
    int doomed;   /* cancelled from inside an event callback */
    int challenges, n423;
    unsigned failures;
    sipua__timer timer;
    timer_use timer_use;
    int pending_error; /* T_UNREGISTERED: the event's error */
    realm_cred creds[MAX_REALMS];
    size_t ncreds;
    sipua_str contacts[MAX_CONTACTS];
    size_t ncontacts;
    char contacts_space[CONTACTS_SPACE];
    char pub_gruu[GRUU_MAX], temp_gruu[GRUU_MAX]; /* as granted, unquoted; "" none */
};

/* ------------------------------------------------------------------ */
/* Small things                                                        */

static sipua_str cstr(const char *s)
{
    return (sipua_str){s, s ? strlen(s) : 0};
}

static int is_sip_uri(const char *s, int need_user, sipua_uri *u);

static void random_hex(const sipua__regs *rs, char *out, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    uint8_t b[32];
    if (n > sizeof b)
        n = sizeof b;
    rs->host.random(rs->host.ctx, b, n);
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[b[i] >> 4];
        out[2 * i + 1] = hex[b[i] & 15];
    }
    out[2 * n] = 0;
}

static int has_ctl(const char *s)
{
    for (; s && *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 1;
    return 0;
}

static sipua__reg *reg_of(sipua__txn *t)
{
    sipua__owner *o = t ? sipua__txn_get_user(t) : NULL;
    return o && o->kind == SIPUA__OWNER_REGISTER ? (sipua__reg *)o : NULL;
}

static sipua__reg *find(sipua__regs *rs, uint64_t id)
{
    for (sipua__reg *r = rs ? rs->list : NULL; r; r = r->next)
        if (r->id == id && !r->ended && !r->doomed)
            return r;
    return NULL;
}

/* The password does not stay in freed memory. */
static void wipe(char *p, size_t n)
{
    volatile char *v = p;
    while (n--)
        *v++ = 0;
}

static void reg_free(sipua__reg *r)
{
    sipua__regs *rs = r->set;
    for (sipua__reg **pp = &rs->list; *pp; pp = &(*pp)->next) {
        if (*pp == r) {
            *pp = r->next;
            break;
        }
    }
    sipua__timer_cancel(rs->host.timers, &r->timer);
    if (r->txn)
        sipua__txn_set_user(r->txn, NULL);
    wipe(r->strings, r->strings_len);
    rs->host.alloc->free(r->strings, rs->host.alloc->user);
    wipe((char *)r->creds, sizeof r->creds);
    rs->host.alloc->free(r, rs->host.alloc->user);
}

/* Gives an event; returns 1 when the registration is gone afterwards (it
 * ended with this event, or the application cancelled it). */
static int emit(sipua__reg *r, sipua_ua_event *ev)
{
    ev->request_id = r->id;
    ev->peer = &r->to;
    r->in_event++;
    r->set->host.emit(r->set->host.ctx, ev);
    r->in_event--;
    if (r->in_event == 0 && (r->doomed || r->ended)) {
        reg_free(r);
        return 1;
    }
    return 0;
}

/* 0, or SIPUA_ENOMEM when the timer heap cannot grow */
static int arm(sipua__reg *r, timer_use use, sipua_time at)
{
    r->timer_use = use;
    return sipua__timer_schedule(r->set->host.timers, &r->timer, at);
}

/* ------------------------------------------------------------------ */
/* The request                                                         */

/* The credentials of every realm we know, one header line each; the
 * nonce counts move on. */
/* The credentials answering ch with nonce count nc (a fresh cnonce each
 * time), into out: their length, or a negative error. */
static int answer(const sipua__reg *r, const sipua_auth *ch, uint32_t nc, char *out, size_t cap)
{
    char cnonce[33];
    random_hex(r->set, cnonce, 16);
    sipua_auth_creds_opts o;
    sipua_auth_creds_opts_init(&o);
    o.method = SIPUA_STR("REGISTER");
    o.uri = cstr(r->registrar);
    o.body = (sipua_str){"", 0};
    o.username = cstr(r->user);
    o.password = cstr(r->password);
    o.cnonce = (sipua_str){cnonce, 32};
    o.nc = nc;
    return sipua_auth_credentials(ch, &o, out, cap);
}

static void add_credentials(sipua__reg *r, sipua_builder *b)
{
    for (size_t i = 0; i < r->ncreds; i++) {
        realm_cred *c = &r->creds[i];
        sipua_auth ch;
        if (sipua_auth_parse((sipua_str){c->challenge, c->len}, &ch) != 0)
            continue;
        char value[2048];
        int n = answer(r, &ch, c->nc + 1, value, sizeof value);
        c->answered = c->fresh;
        c->fresh = 0;
        if (n < 0)
            continue;
        c->nc++;
        sipua_builder_header(
            b, c->proxy ? SIPUA_STR("Proxy-Authorization") : SIPUA_STR("Authorization"),
            (sipua_str){value, (size_t)n});
    }
}

/* A display name as a quoted-string (RFC 3261 25.1). */
static void name_addr(sipua_builder *b, const char *display, const char *uri)
{
    if (display && *display) {
        sipua_builder_raw(b, SIPUA_STR("\""));
        for (const char *p = display; *p; p++) {
            if (*p == '"' || *p == '\\')
                sipua_builder_raw(b, SIPUA_STR("\\"));
            sipua_builder_raw(b, (sipua_str){p, 1});
        }
        sipua_builder_raw(b, SIPUA_STR("\" "));
    }
    sipua_builder_raw(b, SIPUA_STR("<"));
    sipua_builder_raw(b, cstr(uri));
    sipua_builder_raw(b, SIPUA_STR(">"));
}

static int build(sipua__reg *r, const sipua_endpoint *me, const char *branch, uint32_t expires,
                 char *buf, size_t cap)
{
    char line[768];
    const char *v6 = strchr(me->host, ':');
    int n = snprintf(line, sizeof line, v6 ? "SIP/2.0/%s [%s]" : "SIP/2.0/%s %s",
                     sipua_transport_name(r->to.transport), me->host);
    if (me->port)
        n += snprintf(line + n, sizeof line - (size_t)n, ":%u", (unsigned)me->port);
    snprintf(line + n, sizeof line - (size_t)n, ";branch=%s;rport", branch);
    sipua_builder b;
    sipua_builder_init(&b, buf, cap);
    sipua_builder_request_line(&b, SIPUA_STR("REGISTER"), cstr(r->registrar));
    sipua_builder_header(&b, SIPUA_STR("Via"), cstr(line));
    sipua_builder_header(&b, SIPUA_STR("Max-Forwards"), SIPUA_STR("70"));
    if (r->proxy) {
        sipua_builder_raw(&b, SIPUA_STR("Route: <"));
        sipua_builder_raw(&b, cstr(r->proxy));
        sipua_uri pu;
        sipua_str lr;
        if (sipua_uri_parse(cstr(r->proxy), &pu) == 0 && !sipua_param_find(pu.params, "lr", &lr))
            sipua_builder_raw(&b, SIPUA_STR(";lr"));
        sipua_builder_raw(&b, SIPUA_STR(">\r\n"));
    }
    sipua_builder_raw(&b, SIPUA_STR("From: "));
    name_addr(&b, r->display, r->aor);
    sipua_builder_raw(&b, SIPUA_STR(";tag="));
    sipua_builder_raw(&b, cstr(r->tag));
    sipua_builder_raw(&b, SIPUA_STR("\r\nTo: "));
    name_addr(&b, r->display, r->aor);
    sipua_builder_raw(&b, SIPUA_STR("\r\n"));
    sipua_builder_header(&b, SIPUA_STR("Call-ID"), cstr(r->call_id));
    snprintf(line, sizeof line, "%u REGISTER", (unsigned)r->cseq);
    sipua_builder_header(&b, SIPUA_STR("CSeq"), cstr(line));
    n = snprintf(line, sizeof line, "<%s>", r->contact);
    if (r->instance && n > 0 && (size_t)n < sizeof line)
        n += snprintf(line + n, sizeof line - (size_t)n, ";+sip.instance=\"<%s>\"", r->instance);
    if (r->reg_id && n > 0 && (size_t)n < sizeof line)
        snprintf(line + n, sizeof line - (size_t)n, ";reg-id=%u", (unsigned)r->reg_id);
    sipua_builder_header(&b, SIPUA_STR("Contact"), cstr(line));
    if (r->reg_id || r->gruu) {
        /* RFC 5626 4.2.1 (outbound, and path for the edge proxy's Path),
         * RFC 5627 4.1 */
        sipua_builder_header(&b, SIPUA_STR("Supported"),
                             r->reg_id && r->gruu ? SIPUA_STR("outbound, path, gruu")
                             : r->reg_id          ? SIPUA_STR("outbound, path")
                                                  : SIPUA_STR("gruu"));
    }
    sipua_builder_header_u64(&b, SIPUA_STR("Expires"), expires);
    add_credentials(r, &b);
    sipua_builder_header(&b, SIPUA_STR("User-Agent"), cstr(r->set->host.user_agent));
    sipua_builder_body(&b, (sipua_str){"", 0});
    return sipua_builder_finish(&b);
}

/* Our Contact: the AOR's user at our address on the next hop's transport. */
static int make_contact(sipua__reg *r, const sipua_endpoint *me)
{
    sipua_uri u;
    if (sipua_uri_parse(cstr(r->aor), &u) != 0)
        return SIPUA_EINVAL;
    char tn[4] = "";
    if (r->to.transport != SIPUA_TRANSPORT_UDP) {
        snprintf(tn, sizeof tn, "%s", sipua_transport_name(r->to.transport));
        for (char *c = tn; *c; c++)
            *c = (char)(*c | 0x20);
    }
    const char *v6 = strchr(me->host, ':');
    int n = snprintf(r->contact, sizeof r->contact, v6 ? "sip:%.*s@[%s]" : "sip:%.*s@%s",
                     (int)u.user.len, u.user.p, me->host);
    if (n > 0 && me->port)
        n += snprintf(r->contact + n, sizeof r->contact - (size_t)n, ":%u", (unsigned)me->port);
    if (n > 0 && tn[0])
        n += snprintf(r->contact + n, sizeof r->contact - (size_t)n, ";transport=%s", tn);
    return n > 0 && (size_t)n < sizeof r->contact ? 0 : SIPUA_EINVAL;
}

/* A new REGISTER (new CSeq and branch), Expires: 0 when unregistering. */
static int send_register(sipua__reg *r, int unregister)
{
    sipua__regs *rs = r->set;
    const sipua_endpoint *me = rs->host.identity(rs->host.ctx, r->to.transport);
    if (!me)
        return SIPUA_EINVAL;
    char branch[32];
    int e = sipua__txn_make_branch(rs->host.txn, branch, sizeof branch);
    if (e < 0)
        return e;
    char buf[REQUEST_MAX];
    r->cseq++;
    int n = build(r, me, branch, unregister ? 0 : r->expires, buf, sizeof buf);
    if (n < 0)
        return SIPUA_EINVAL;
    sipua__txn_dest d;
    sipua__txn_dest_init(&d, (sipua__transport_kind)r->to.transport, r->to.host, r->to.port,
                         r->to.conn);
    sipua__txn *t;
    e = sipua__txn_client_new(rs->host.txn, buf, (size_t)n, &d, &r->owner, *rs->host.now, &t);
    if (e)
        return e;
    r->txn = t;
    r->txn_unregister = unregister;
    r->ever_sent = 1;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Outcomes                                                            */

static sipua_ua_event outcome(sipua_ua_event_type type, const sipua_msg *m, int status, int error,
                              int cause)
{
    sipua_ua_event ev = {.type = type, .status = status, .error = error, .cause = cause, .msg = m};
    if (m)
        ev.reason = sipua_msg_reason(m);
    return ev;
}

static void finish_unregister(sipua__reg *r, const sipua_msg *m, int status, int error, int cause)
{
    if (r->outbound && r->set->host.flow_keepalive)
        r->set->host.flow_keepalive(r->set->host.ctx, &r->to, 0);
    r->outbound = 0;
    sipua_ua_event ev = outcome(SIPUA_UA_EV_UNREGISTERED, m, status, error, cause);
    r->ended = 1;
    emit(r, &ev); /* frees it */
}

static void start_unregister(sipua__reg *r)
{
    int e = send_register(r, 1);
    if (e)
        finish_unregister(r, NULL, 0, e, SIPUA_CAUSE_CONNECTION_ERROR);
}

/* The n-th failure in a row waits min(max, base * 2^n), drawn in its
 * upper half (RFC 5626 4.5: three failures with a 30 s base, up to
 * 240 s). */
static sipua_time backoff(sipua__reg *r)
{
    sipua_time wait = r->retry_base;
    for (unsigned i = 0; i < r->failures && wait < r->retry_max; i++)
        wait *= 2;
    if (wait > r->retry_max)
        wait = r->retry_max;
    uint8_t b[2];
    r->set->host.random(r->set->host.ctx, b, sizeof b);
    unsigned frac = ((unsigned)b[0] << 8) | b[1]; /* 0..65535 */
    return wait / 2 + (sipua_time)((double)(wait / 2) * frac / 65535.0);
}

static void failed(sipua__reg *r, const sipua_msg *m, int status, int error, int cause)
{
    if (r->txn_unregister) {
        finish_unregister(r, m, status, error, cause);
        return;
    }
    sipua_ua_event ev = outcome(SIPUA_UA_EV_REGISTRATION_FAILED, m, status, error, cause);
    r->bound = 0;
    if (cause != SIPUA_CAUSE_AUTHENTICATION_ERROR && r->retry_base > 0) {
        r->failures++;
        ev.retry_at = *r->set->host.now + backoff(r);
        if (arm(r, T_SEND, ev.retry_at) != 0)
            ev.retry_at = 0; /* no memory for the timer: no retry */
    }
    if (!ev.retry_at)
        r->ended = 1;
    emit(r, &ev); /* frees it when it has ended */
}

/* A delta-seconds (RFC 3261 25.1) with blanks around it, up to 2^31 - 1;
 * -1 when it is not one. */
static long delta_seconds(sipua_str v)
{
    while (v.len && (v.p[0] == ' ' || v.p[0] == '\t')) {
        v.p++;
        v.len--;
    }
    while (v.len && (v.p[v.len - 1] == ' ' || v.p[v.len - 1] == '\t'))
        v.len--;
    if (!v.p || v.len == 0 || v.len > 10)
        return -1;
    long long n = 0;
    for (size_t i = 0; i < v.len; i++) {
        if (v.p[i] < '0' || v.p[i] > '9')
            return -1;
        n = n * 10 + (v.p[i] - '0');
    }
    return n <= 0x7fffffff ? (long)n : -1;
}

/* The value of an expires parameter, or -1. */
static long expires_param(sipua_str params)
{
    sipua_str v;
    return sipua_param_find(params, "expires", &v) ? delta_seconds(v) : -1;
}

/* A parameter's value without its quotes and escapes, into out[0..cap);
 * "" when absent, empty or too long. */
static void param_text(sipua_str params, const char *name, char *out, size_t cap)
{
    sipua_str v;
    out[0] = 0;
    if (!sipua_param_find(params, name, &v) || !v.p || !v.len)
        return;
    size_t n = 0;
    size_t i = 0, end = v.len;
    if (v.p[0] == '"') {
        if (v.len < 2 || v.p[v.len - 1] != '"')
            return;
        i = 1;
        end = v.len - 1;
    }
    for (; i < end; i++) {
        char c = v.p[i];
        if (c == '\\' && i + 1 < end)
            c = v.p[++i];
        if ((unsigned char)c < 0x20 || n + 1 >= cap) {
            out[0] = 0;
            return;
        }
        out[n++] = c;
    }
    out[n] = 0;
}

/* A GRUU parameter (RFC 5627 6.1: a SIP or SIPS URI in a quoted string)
 * into out, "" when absent or not one: it becomes a Contact as it is. */
static void gruu_param(sipua_str params, const char *name, char *out, size_t cap)
{
    param_text(params, name, out, cap);
    sipua_uri u;
    if (out[0] && (strpbrk(out, "\"<> \t\\") || !is_sip_uri(out, 0, &u)))
        out[0] = 0;
}

/* How a binding of the 2xx is ours: 2 by our instance (and reg-id), the
 * way RFC 5626 6 and RFC 5627 5.3 identify it; 1 by our Contact URI alone,
 * when the binding names no instance or we have none (two instances of
 * the AOR can share a Contact URI: the instance decides); 0 not ours. */
static int binding_is_ours(const sipua__reg *r, const sipua_nameaddr *na, const sipua_uri *ours)
{
    char inst[160];
    param_text(na->params, "+sip.instance", inst, sizeof inst);
    if (r->instance && inst[0]) {
        size_t il = strlen(inst), ol = strlen(r->instance);
        if (il != ol + 2 || inst[0] != '<' || inst[il - 1] != '>' ||
            strncasecmp(inst + 1, r->instance, ol) != 0)
            return 0;
        sipua_str rid;
        int has_rid = sipua_param_find(na->params, "reg-id", &rid);
        if (r->reg_id ? has_rid && delta_seconds(rid) == (long)r->reg_id : !has_rid)
            return 2;
        return 0;
    }
    return ours && sipua_uri_equal(&na->uri, ours) == 1 ? 1 : 0;
}

/* Reads our binding's expiry and GRUUs from one Contact value. */
static void take_binding(sipua__reg *r, const sipua_nameaddr *na, long *granted)
{
    *granted = expires_param(na->params);
    r->pub_gruu[0] = r->temp_gruu[0] = 0;
    if (r->gruu) {
        gruu_param(na->params, "pub-gruu", r->pub_gruu, sizeof r->pub_gruu);
        gruu_param(na->params, "temp-gruu", r->temp_gruu, sizeof r->temp_gruu);
    }
}

static void registered(sipua__reg *r, const sipua_msg *m)
{
    r->failures = 0;
    r->n423 = 0;
    sipua_uri ours;
    int have_ours = sipua_uri_parse(cstr(r->contact), &ours) == 0;
    long granted = -1;
    size_t used = 0;
    r->ncontacts = 0;
    r->pub_gruu[0] = r->temp_gruu[0] = 0;
    int found = 0; /* how the binding taken so far is ours: binding_is_ours() */
    uint64_t it = 0;
    sipua_str v;
    while (sipua_msg_next_value(m, SIPUA_HDR_CONTACT, &it, &v)) {
        sipua_nameaddr na;
        if (sipua_nameaddr_parse(v, &na) != 0)
            continue;
        int how = found < 2 ? binding_is_ours(r, &na, have_ours ? &ours : NULL) : 0;
        if (how > found) {
            found = how;
            take_binding(r, &na, &granted);
        }
        if (r->ncontacts < MAX_CONTACTS && used + v.len <= sizeof r->contacts_space) {
            memcpy(r->contacts_space + used, v.p, v.len);
            r->contacts[r->ncontacts++] = (sipua_str){r->contacts_space + used, v.len};
            used += v.len;
        }
    }
    uint32_t e;
    if (granted < 0 && sipua_msg_expires(m, &e) == 0)
        granted = (long)e;
    if (granted <= 0)
        granted = (long)r->expires;
    /* the refresh: 30 s before the binding lapses, or half-way through a
     * short one */
    sipua_time g = (sipua_time)granted * 1000000;
    sipua_time delay = granted >= 60 ? g - 30000000 : g / 2;
    if (arm(r, T_SEND, *r->set->host.now + delay) != 0) {
        /* a binding that cannot be refreshed: said, and ended */
        failed(r, m, 0, SIPUA_ENOMEM, SIPUA_CAUSE_INTERNAL_ERROR);
        return;
    }
    r->bound = 1;
    /* RFC 5626 4.2.1: the registrar keeps our flow when it requires
     * outbound; 4.4.1: we keep it up, at the pace of its Flow-Timer */
    long flow_timer = -1;
    const sipua_hdr *ft = sipua_msg_find_name(m, "Flow-Timer");
    if (ft)
        flow_timer = delta_seconds(ft->value);
    r->outbound = r->reg_id && sipua_msg_has_option(m, SIPUA_HDR_REQUIRE, "outbound");
    if (r->outbound && r->set->host.flow_keepalive)
        r->set->host.flow_keepalive(r->set->host.ctx, &r->to,
                                    (sipua_time)(flow_timer > 0 ? flow_timer : 120) * 1000000);
    sipua_ua_event ev = {.type = SIPUA_UA_EV_REGISTERED,
                         .status = sipua_msg_status(m),
                         .reason = sipua_msg_reason(m),
                         .msg = m,
                         .expires = (uint32_t)granted,
                         .contacts = r->contacts,
                         .ncontacts = r->ncontacts,
                         .outbound = r->outbound,
                         .flow_timer = flow_timer > 0 ? (uint32_t)flow_timer : 0,
                         .pub_gruu = {r->pub_gruu, strlen(r->pub_gruu)},
                         .temp_gruu = {r->temp_gruu, strlen(r->temp_gruu)}};
    if (!ev.pub_gruu.len)
        ev.pub_gruu.p = NULL;
    if (!ev.temp_gruu.len)
        ev.temp_gruu.p = NULL;
    emit(r, &ev);
}

static int realm_is(const realm_cred *c, int proxy, sipua_str realm)
{
    sipua_auth a;
    return c->proxy == proxy && sipua_auth_parse((sipua_str){c->challenge, c->len}, &a) == 0 &&
           a.realm.len == realm.len && (!realm.len || memcmp(a.realm.p, realm.p, realm.len) == 0);
}

/* A 401 or 407: keeps the challenge to answer with the next request.
 * Returns 0, or SIPUA_CAUSE_AUTHENTICATION_ERROR when it cannot or must
 * not be answered. */
static int take_challenge(sipua__reg *r, const sipua_msg *m, int status)
{
    int proxy = status == 407;
    sipua_hdr_id id = proxy ? SIPUA_HDR_PROXY_AUTHENTICATE : SIPUA_HDR_WWW_AUTHENTICATE;
    sipua_auth ch[8];
    sipua_str raw[8];
    size_t n = 0, from = 0;
    const sipua_hdr *h;
    while (n < 8 && (h = sipua_msg_find(m, id, &from)) != NULL) {
        if (sipua_auth_parse(h->value, &ch[n]) == 0)
            raw[n++] = h->value;
        from++;
    }
    int i = sipua_auth_choose(ch, n);
    if (i < 0 || !r->password || raw[i].len >= CHALLENGE_MAX || ++r->challenges > MAX_CHALLENGES)
        return SIPUA_CAUSE_AUTHENTICATION_ERROR;
    int stale = sipua_str_caseeq(ch[i].stale, "true");
    realm_cred *c = NULL;
    for (size_t k = 0; k < r->ncreds && !c; k++)
        if (realm_is(&r->creds[k], proxy, ch[i].realm))
            c = &r->creds[k];
    /* a new challenge, not stale, in answer to credentials made for the
     * last one: they were refused (RFC 7616 3.3) */
    if (c && c->answered && !stale)
        return SIPUA_CAUSE_AUTHENTICATION_ERROR;
    /* answerable at all (an unknown qop, a -sess without qop...)? */
    char probe[2048];
    if (answer(r, &ch[i], 1, probe, sizeof probe) < 0)
        return SIPUA_CAUSE_AUTHENTICATION_ERROR;
    if (!c) {
        if (r->ncreds == MAX_REALMS)
            return SIPUA_CAUSE_AUTHENTICATION_ERROR;
        c = &r->creds[r->ncreds++];
    }
    memcpy(c->challenge, raw[i].p, raw[i].len);
    c->len = raw[i].len;
    c->proxy = proxy;
    c->nc = 0;
    c->fresh = 1;
    c->answered = 0;
    return 0;
}

int sipua__reg_on_response(sipua__txn *ct, const sipua_msg *m)
{
    sipua__reg *r = reg_of(ct);
    if (!r)
        return 0;
    int status = sipua_msg_status(m);
    if (status < 200)
        return 1;
    sipua__txn_set_user(ct, NULL);
    r->txn = NULL;
    if (r->unregistering && !r->txn_unregister) {
        /* what was in flight when the application asked to unregister:
         * only a challenge is of use, for the unregistering request */
        if (status == 401 || status == 407)
            take_challenge(r, m, status);
        start_unregister(r);
        return 1;
    }
    if (status == 401 || status == 407) {
        int cause = take_challenge(r, m, status);
        int e = cause ? 0 : send_register(r, r->txn_unregister);
        if (cause || e)
            failed(r, m, status, e, cause ? cause : SIPUA_CAUSE_CONNECTION_ERROR);
        return 1;
    }
    r->challenges = 0;
    if (status < 300) {
        if (r->txn_unregister)
            finish_unregister(r, m, status, 0, SIPUA_CAUSE_NONE);
        else
            registered(r, m);
        return 1;
    }
    const sipua_hdr *h = sipua_msg_find_name(m, "Min-Expires");
    if (status == 423 && !r->txn_unregister && h && ++r->n423 <= MAX_423) {
        /* RFC 3261 10.2.8: ask again for at least Min-Expires */
        long min = delta_seconds(h->value);
        if (min > (long)r->expires) {
            r->expires = (uint32_t)min;
            int e = send_register(r, 0);
            if (e)
                failed(r, NULL, 0, e, SIPUA_CAUSE_CONNECTION_ERROR);
            return 1;
        }
    }
    failed(r, m, status, 0, (int)sipua_cause_from_status(status));
    return 1;
}

int sipua__reg_on_failure(sipua__txn *ct, int err)
{
    sipua__reg *r = reg_of(ct);
    if (!r)
        return 0;
    sipua__txn_set_user(ct, NULL);
    r->txn = NULL;
    r->challenges = 0;
    if (r->unregistering && !r->txn_unregister) {
        start_unregister(r);
        return 1;
    }
    failed(r, NULL, 0, err,
           err == SIPUA_ETIMEDOUT ? SIPUA_CAUSE_REQUEST_TIMEOUT : SIPUA_CAUSE_CONNECTION_ERROR);
    return 1;
}

int sipua__reg_on_terminated(sipua__txn *ct)
{
    /* ended without a final response or a failure: taken as a failure */
    return sipua__reg_on_failure(ct, SIPUA_EIO);
}

void sipua__regs_transport_failed(sipua__regs *rs, const sipua_endpoint *to, int err)
{
    /* the requests in flight there first: failing one may end its
     * registration or start another request */
    sipua__txn *failing[32];
    size_t n = 0;
    for (sipua__reg *r = rs ? rs->list : NULL; r && n < 32; r = r->next) {
        if (r->txn && r->to.transport == to->transport && r->to.port == to->port &&
            strcmp(r->to.host, to->host) == 0 &&
            (!to->conn || !r->to.conn || r->to.conn == to->conn))
            failing[n++] = r->txn;
    }
    for (size_t i = 0; i < n; i++) {
        sipua__reg *r = reg_of(failing[i]);
        if (!r || r->txn != failing[i])
            continue;
        sipua__reg_on_failure(failing[i], err ? err : SIPUA_EIO);
        sipua__txn_terminate(failing[i]);
    }
}

void sipua__regs_connection_closed(sipua__regs *rs, const sipua_endpoint *peer)
{
    if (!rs || peer->transport == SIPUA_TRANSPORT_UDP)
        return;
    for (sipua__reg *r = rs->list; r; r = r->next) {
        if (!r->bound || r->txn || r->unregistering || r->ended || r->doomed ||
            r->timer_use != T_SEND || !sipua__timer_armed(&r->timer) ||
            r->to.transport != peer->transport || r->to.port != peer->port ||
            strcmp(r->to.host, peer->host) != 0)
            continue;
        /* the connection our binding was made over is gone, and with it
         * the way in for requests to us: register again over a new one
         * (RFC 5626 4.5 in spirit), after a second or two so that a
         * registrar that closes every connection is not hammered */
        uint8_t b;
        rs->host.random(rs->host.ctx, &b, 1);
        sipua_time at = *rs->host.now + 1000000 + (sipua_time)b * 4000;
        if (r->outbound) /* RFC 5626 4.5: a failed flow is replaced at once */
            at = *rs->host.now + (sipua_time)b * 1000;
        if (at < r->timer.deadline)
            arm(r, T_SEND, at);
    }
}

int sipua__regs_session_contact(const sipua__regs *rs, sipua_str local, int anonymous,
                                sipua_transport t, char *out, size_t cap)
{
    if (!rs || !rs->list || !cap)
        return 0;
    sipua_nameaddr na;
    if (!anonymous && (!local.len || sipua_nameaddr_parse(local, &na) != 0))
        return 0;
    for (const sipua__reg *r = rs->list; r; r = r->next) {
        if (!r->bound || r->ended || r->doomed || r->unregistering)
            continue;
        const char *uri = NULL, *ob = "";
        if (anonymous) {
            uri = r->temp_gruu[0] ? r->temp_gruu : NULL;
        } else {
            sipua_uri aor;
            if (sipua_uri_parse(cstr(r->aor), &aor) != 0 || sipua_uri_equal(&aor, &na.uri) != 1)
                continue;
            if (r->pub_gruu[0])
                uri = r->pub_gruu;
            else if (r->outbound && r->to.transport == t) {
                uri = r->contact;
                ob = ";ob";
            }
        }
        if (!uri)
            continue;
        int n = snprintf(out, cap, "<%s%s>", uri, ob);
        return n > 0 && (size_t)n < cap;
    }
    return 0;
}

static void on_timer(sipua__timer *t, sipua_time now, void *user)
{
    (void)t;
    (void)now;
    sipua__reg *r = user;
    if (r->timer_use == T_UNREGISTERED) {
        finish_unregister(r, NULL, 0, r->pending_error,
                          r->pending_error ? SIPUA_CAUSE_CONNECTION_ERROR : SIPUA_CAUSE_NONE);
        return;
    }
    int e = send_register(r, 0);
    if (e)
        failed(r, NULL, 0, e, SIPUA_CAUSE_CONNECTION_ERROR);
}

/* ------------------------------------------------------------------ */
/* The calls                                                           */

sipua__regs *sipua__regs_new(const sipua__reg_host *host)
{
    sipua__regs *rs = host->alloc->alloc(sizeof *rs, host->alloc->user);
    if (!rs)
        return NULL;
    memset(rs, 0, sizeof *rs);
    rs->host = *host;
    rs->next_id = 1;
    return rs;
}

void sipua__regs_free(sipua__regs *rs)
{
    if (!rs)
        return;
    while (rs->list)
        reg_free(rs->list);
    rs->host.alloc->free(rs, rs->host.alloc->user);
}

void sipua_register_config_init(sipua_register_config *cfg)
{
    if (!cfg)
        return;
    memset(cfg, 0, sizeof *cfg);
    cfg->version = SIPUA_REGISTER_CONFIG_VERSION;
    cfg->expires = 600;
    cfg->retry_base = 30000000;
    cfg->retry_max = 1800000000;
}

static int is_sip_uri(const char *s, int need_user, sipua_uri *u)
{
    return s && !has_ctl(s) && sipua_uri_parse(cstr(s), u) == 0 &&
           (u->scheme_id == SIPUA_URI_SIP || u->scheme_id == SIPUA_URI_SIPS) &&
           (!need_user || u->user.len > 0);
}

/* An instance id (RFC 5626 4.1): a URN, "urn:" NID ":" NSS, that goes
 * between <> in a quoted string: printable, without '"', '<', '>' or '\\',
 * at most 128 characters. */
static int instance_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 6 || n > 128 || strncasecmp(s, "urn:", 4) != 0 || !strchr(s + 4, ':') || s[4] == ':')
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f || strchr("\"<>\\", s[i]))
            return 0;
    return 1;
}

/* The registrar by default: the AOR's scheme, host and port. */
static size_t default_registrar(const sipua_uri *aor, char *out, size_t cap)
{
    const char *start = aor->host.p, *end = aor->host.p + aor->host.len;
    const char *limit = aor->whole.p + aor->whole.len;
    if (start > aor->whole.p && start[-1] == '[')
        start--;
    if (end < limit && *end == ']')
        end++;
    if (end < limit && *end == ':')
        for (end++; end < limit && *end >= '0' && *end <= '9'; end++)
            ;
    int n = snprintf(out, cap, "%.*s:%.*s", (int)aor->scheme.len, aor->scheme.p, (int)(end - start),
                     start);
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

/* Copies the configuration's strings into one block. */
static int keep_strings(sipua__reg *r, const sipua_register_config *cfg, const sipua_uri *aor,
                        const sipua_allocator *a)
{
    char reg[512];
    const char *registrar = cfg->registrar;
    if (!registrar) {
        if (!default_registrar(aor, reg, sizeof reg))
            return SIPUA_EINVAL;
        registrar = reg;
    }
    char user[256];
    const char *auth_user = cfg->auth_user;
    if (!auth_user) {
        if (aor->user.len >= sizeof user)
            return SIPUA_EINVAL;
        /* the Digest username is the user part unescaped */
        int n = sipua_unescape(aor->user, user, sizeof user - 1);
        if (n < 0 || memchr(user, 0, (size_t)n))
            return SIPUA_EINVAL;
        user[n] = 0;
        auth_user = user;
    }
    const char *parts[7] = {cfg->aor,  cfg->display_name, registrar,       cfg->outbound_proxy,
                            auth_user, cfg->password,     cfg->instance_id};
    size_t total = 0;
    for (int i = 0; i < 7; i++)
        total += parts[i] ? strlen(parts[i]) + 1 : 0;
    r->strings = a->alloc(total ? total : 1, a->user);
    if (!r->strings)
        return SIPUA_ENOMEM;
    r->strings_len = total;
    const char **dst[7] = {&r->aor,  &r->display,  &r->registrar, &r->proxy,
                           &r->user, &r->password, &r->instance};
    size_t at = 0;
    for (int i = 0; i < 7; i++) {
        *dst[i] = NULL;
        if (!parts[i])
            continue;
        size_t n = strlen(parts[i]) + 1;
        memcpy(r->strings + at, parts[i], n);
        *dst[i] = r->strings + at;
        at += n;
    }
    return 0;
}

int sipua_register(sipua_ua *ua, const sipua_register_config *cfg, const sipua_endpoint *next_hop,
                   sipua_time now, uint64_t *id)
{
    sipua__regs *rs = sipua__ua_regs(ua, now);
    sipua_uri aor, other;
    if (!rs || !cfg || !next_hop || !id || cfg->version != SIPUA_REGISTER_CONFIG_VERSION ||
        (unsigned)next_hop->transport > SIPUA_TRANSPORT_WSS || !next_hop->host[0] ||
        cfg->expires == 0 || cfg->expires > 0x7fffffffu || cfg->retry_base < 0 ||
        cfg->retry_max < cfg->retry_base || !is_sip_uri(cfg->aor, 1, &aor) ||
        (cfg->registrar && !is_sip_uri(cfg->registrar, 0, &other)) ||
        (cfg->outbound_proxy && !is_sip_uri(cfg->outbound_proxy, 0, &other)) ||
        has_ctl(cfg->display_name) || has_ctl(cfg->auth_user) || has_ctl(cfg->password) ||
        (cfg->instance_id && !instance_ok(cfg->instance_id)) ||
        ((cfg->reg_id || cfg->gruu) && !cfg->instance_id) || cfg->reg_id > 0x7fffffffu ||
        (cfg->reg_id && next_hop->transport == SIPUA_TRANSPORT_UDP))
        return SIPUA_EINVAL;
    const sipua_endpoint *me = rs->host.identity(rs->host.ctx, next_hop->transport);
    if (!me)
        return SIPUA_EINVAL;
    const sipua_allocator *a = rs->host.alloc;
    sipua__reg *r = a->alloc(sizeof *r, a->user);
    if (!r)
        return SIPUA_ENOMEM;
    memset(r, 0, sizeof *r);
    r->owner.kind = SIPUA__OWNER_REGISTER;
    r->set = rs;
    r->to = *next_hop;
    r->expires = cfg->expires;
    r->retry_base = cfg->retry_base;
    r->retry_max = cfg->retry_max;
    r->reg_id = cfg->reg_id;
    r->gruu = cfg->gruu != 0;
    sipua__timer_init(&r->timer, on_timer, r);
    int e = keep_strings(r, cfg, &aor, a);
    if (!e)
        e = make_contact(r, me);
    if (e) {
        if (r->strings) {
            wipe(r->strings, r->strings_len);
            a->free(r->strings, a->user);
        }
        a->free(r, a->user);
        return e;
    }
    char cid[33];
    random_hex(rs, cid, 16);
    snprintf(r->call_id, sizeof r->call_id, strchr(me->host, ':') ? "%s@[%s]" : "%s@%s", cid,
             me->host);
    random_hex(rs, r->tag, 8);
    /* RFC 3261 10.2: CSeq starts anywhere; a small random start makes an
     * old registration's requests easy to tell apart */
    uint8_t b;
    rs->host.random(rs->host.ctx, &b, 1);
    r->cseq = b;
    r->id = rs->next_id++;
    r->next = rs->list;
    rs->list = r;
    e = send_register(r, 0);
    if (e) {
        reg_free(r);
        return e;
    }
    *id = r->id;
    return 0;
}

/* Without a request or an event; from inside its own event too. */
static void forget(sipua__reg *r)
{
    if (r->in_event)
        r->doomed = 1; /* freed when the callback returns */
    else
        reg_free(r);
}

int sipua_unregister(sipua_ua *ua, uint64_t id, sipua_time now)
{
    sipua__regs *rs = sipua__ua_regs(ua, now);
    if (!rs)
        return SIPUA_EINVAL;
    sipua__reg *r = find(rs, id);
    if (!r)
        return SIPUA_ENOTFOUND;
    if (r->unregistering)
        return SIPUA_ESTATE;
    r->unregistering = 1;
    sipua__timer_cancel(rs->host.timers, &r->timer);
    if (r->txn)
        return 0; /* sent once the request in flight is answered */
    int e = r->ever_sent ? send_register(r, 1) : 0;
    if (!r->ever_sent || e) {
        /* nothing to send, or it cannot go: the event comes from advance */
        r->pending_error = e;
        if (arm(r, T_UNREGISTERED, *rs->host.now) != 0) {
            forget(r);
            return SIPUA_ENOMEM;
        }
    }
    return 0;
}

int sipua_register_cancel(sipua_ua *ua, uint64_t id)
{
    sipua__regs *rs = sipua__ua_regs(ua, 0);
    if (!rs)
        return SIPUA_EINVAL;
    sipua__reg *r = find(rs, id);
    if (!r)
        return SIPUA_ENOTFOUND;
    forget(r);
    return 0;
}
