/* INVITE sessions: the client and server state machines of the
 * InviteContext (include/sipua/session.h, src/session/session.h). */
#include <stdio.h>
#include <string.h>

#include "session/internal.h"

static void on_2xx_timer(sipua__timer *t, sipua_time now, void *user);
static void on_noanswer(sipua__timer *t, sipua_time now, void *user);

static void random_hex(const sipua_session *s, char *out, size_t bytes)
{
    static const char hex[] = "0123456789abcdef";
    uint8_t r[16];
    if (bytes > sizeof r)
        bytes = sizeof r;
    s->host->random(s->host->ctx, r, bytes);
    for (size_t i = 0; i < bytes; i++) {
        out[2 * i] = hex[r[i] >> 4];
        out[2 * i + 1] = hex[r[i] & 15];
    }
    out[2 * bytes] = 0;
}

/* ------------------------------------------------------------------ */
/* Causes                                                              */

const char *sipua_cause_str(sipua_cause cause)
{
    static const char *const text[] = {
#define SIPUA_CAUSE_TEXT_(name, t) t,
        SIPUA_CAUSE_MAP(SIPUA_CAUSE_TEXT_)
#undef SIPUA_CAUSE_TEXT_
    };
    return (unsigned)cause < SIPUA_CAUSE_COUNT_ ? text[cause] : "";
}

sipua_cause sipua_cause_from_status(int status)
{
    switch (status) {
    case 300:
    case 301:
    case 302:
    case 305:
    case 380: return SIPUA_CAUSE_REDIRECTED;
    case 486:
    case 600: return SIPUA_CAUSE_BUSY;
    case 403:
    case 603: return SIPUA_CAUSE_REJECTED;
    case 404:
    case 604: return SIPUA_CAUSE_NOT_FOUND;
    case 408:
    case 410:
    case 430:
    case 480: return SIPUA_CAUSE_UNAVAILABLE;
    case 484: return SIPUA_CAUSE_ADDRESS_INCOMPLETE;
    case 488:
    case 606: return SIPUA_CAUSE_INCOMPATIBLE_SDP;
    case 401:
    case 407: return SIPUA_CAUSE_AUTHENTICATION_ERROR;
    case 481: return SIPUA_CAUSE_DIALOG_ERROR;
    default: return SIPUA_CAUSE_SIP_FAILURE_CODE;
    }
}

/* ------------------------------------------------------------------ */
/* Options                                                             */

void sipua_invite_opts_init(sipua_invite_opts *o)
{
    if (!o)
        return;
    memset(o, 0, sizeof *o);
    o->version = SIPUA_INVITE_OPTS_VERSION;
    o->audio = 1;
    o->video = 1;
}

void sipua_cancel_opts_init(sipua_cancel_opts *o)
{
    if (o) {
        memset(o, 0, sizeof *o);
        o->version = 1;
    }
}

void sipua_answer_opts_init(sipua_answer_opts *o)
{
    if (o) {
        memset(o, 0, sizeof *o);
        o->version = 1;
    }
}

void sipua_bye_opts_init(sipua_bye_opts *o)
{
    if (o) {
        memset(o, 0, sizeof *o);
        o->version = 1;
    }
}

/* Headers the stack writes itself: not allowed among extra headers. */
static int extra_header_ok(const char *h)
{
    static const char *const owned[] = {
        "via", "v", "cseq",         "call-id", "i", "from",           "f",
        "to",  "t", "max-forwards", "contact", "m", "content-length", "l"};
    const char *colon = h ? strchr(h, ':') : NULL;
    if (!colon || colon == h || strchr(h, '\r') || strchr(h, '\n'))
        return 0;
    size_t n = (size_t)(colon - h);
    while (n && (h[n - 1] == ' ' || h[n - 1] == '\t'))
        n--;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)h[i];
        if (c <= ' ' || c >= 0x7f || strchr("()<>@,;:\\\"/[]?={}", c))
            return 0;
    }
    for (size_t i = 0; i < sizeof owned / sizeof owned[0]; i++)
        if (strlen(owned[i]) == n && sipua_str_caseeq((sipua_str){h, n}, owned[i]))
            return 0;
    return 1;
}

int sipua__session_extra_headers_ok(const char *const *hs, size_t n, int *has_content_type)
{
    if (n && !hs)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (!extra_header_ok(hs[i]))
            return 0;
        const char *colon = strchr(hs[i], ':');
        size_t len = (size_t)(colon - hs[i]);
        while (len && (hs[i][len - 1] == ' ' || hs[i][len - 1] == '\t'))
            len--;
        if (has_content_type && (sipua_str_caseeq((sipua_str){hs[i], len}, "content-type") ||
                                 sipua_str_caseeq((sipua_str){hs[i], len}, "c")))
            *has_content_type = 1;
    }
    return 1;
}

static void put_extra(sipua_builder *b, const char *const *hs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        sipua_builder_raw(b, sipua__cstr(hs[i]));
        sipua_builder_raw(b, SIPUA_STR("\r\n"));
    }
}

/* ------------------------------------------------------------------ */
/* Life                                                                */

static sipua_session *session_new(const sipua__session_host *host, uint64_t id, sipua_direction dir)
{
    sipua_session *s = host->alloc->alloc(sizeof *s, host->alloc->user);
    if (!s)
        return NULL;
    memset(s, 0, sizeof *s);
    s->owner.kind = SIPUA__OWNER_SESSION_SERVER;
    s->refs = 1;
    s->host = host;
    s->alloc = *host->alloc;
    sipua__timer_init(&s->t_2xx, on_2xx_timer, s);
    sipua__timer_init(&s->t_noanswer, on_noanswer, s);
    sipua__prack_init(s);
    sipua__dtmf_init(s);
    sipua__reinvite_init(s);
    sipua__refer_init(s);
    s->id = id;
    s->dir = dir;
    s->sdp = host->sdp;
    if (!s->sdp) {
        sipua__session_free(s, s);
        return NULL;
    }
    return s;
}

sipua_session *sipua_session_ref(sipua_session *s)
{
    if (s)
        s->refs++;
    return s;
}

static void timers_stop(sipua_session *s)
{
    if (s->detached)
        return;
    sipua__timer_cancel(s->host->timers, &s->t_2xx);
    sipua__timer_cancel(s->host->timers, &s->t_noanswer);
    sipua__timer_cancel(s->host->timers, &s->t_rel);
    sipua__timer_cancel(s->host->timers, &s->t_dtmf);
    sipua__reinvite_stop(s);
    sipua__timer_cancel(s->host->timers, &s->t_refer);
}

/* What the session holds in the UA (its dialogs, its timers), given back
 * once: when its work is over, or at the last reference, whichever comes
 * first; after that the session touches nothing of the UA's, so the
 * application may release it after the UA is gone. */
/* The INVITE copy and our 2xx once nothing needs them any more. */
static void drop_invite(sipua_session *s)
{
    sipua_msg_free(s->invite);
    sipua__session_free(s, s->invite_buf);
    sipua__session_free(s, s->ok_buf);
    s->invite = NULL;
    s->invite_buf = NULL;
    s->ok_buf = NULL;
}

void sipua__session_release(sipua_session *s)
{
    if (s->detached)
        return;
    timers_stop(s);
    drop_invite(s);
    if (s->dir == SIPUA_DIRECTION_INCOMING && s->invite_txn) {
        /* the INVITE server transaction ends on its own (Timer L or H,
         * 32 s): without the session, which can go now */
        sipua__txn *t = s->invite_txn;
        s->invite_txn = NULL;
        sipua__txn_set_user(t, NULL);
        s->refs--; /* the transaction's; the caller holds one more */
    }
    if (s->host->dialogs) {
        /* every dialog of the session's set: the winner and the forks */
        sipua_str cid = s->call_id;
        sipua_str tag = sipua__cstr(s->local_tag);
        if (s->dir == SIPUA_DIRECTION_OUTGOING && cid.p) {
            sipua__dialog *d;
            while ((d = sipua__dialog_table_first_in_set(s->host->dialogs, cid, tag)) != NULL)
                sipua__dialog_free(d);
        } else if (s->dialog) {
            sipua__dialog_free(s->dialog);
        }
    }
    s->dialog = NULL;
    s->detached = 1;
}

void sipua_session_unref(sipua_session *s)
{
    if (!s || --s->refs > 0)
        return;
    sipua__session_release(s);
    sipua_msg_free(s->invite);
    sipua__session_free(s, s->invite_buf);
    sipua__session_free(s, s->ids_buf);
    sipua__session_free(s, s->proxy_route);
    sipua__session_free(s, s->reg_contact);
    sipua__session_free(s, s->local_id);
    sipua__session_free(s, s->ok_buf);
    sipua__shared_caps_unref(s->caps);
    sipua__prack_release(s);
    sipua__reinvite_release(s);
    sipua__auth_release(s);
    sipua__refer_release(s);
    sipua__session_free(s, s);
}

void sipua__session_detach(sipua_session *s)
{
    if (!s)
        return;
    timers_stop(s);
    sipua__refer_detach(s);
    s->detached = 1;
    s->dialog = NULL; /* the dialog table frees it */
    s->invite_txn = NULL;
}

void sipua_session_set_callback(sipua_session *s, sipua_session_cb cb, void *user)
{
    if (s) {
        s->cb = cb;
        s->user = user;
    }
}

/* The UA may drop its reference once nothing is left to do. */
void sipua__session_maybe_finished(sipua_session *s)
{
    if (s->finished || !s->final_given || s->detached)
        return;
    if (s->invite_req || s->bye_req || s->info_req || sipua__timer_armed(&s->t_2xx) ||
        sipua__refer_busy(s))
        return;
    s->finished = 1;
    s->host->finished(s->host->ctx, s);
}

void sipua__session_emit(sipua_session *s, sipua_session_event_kind kind, const sipua_msg *msg,
                         int code, sipua_cause cause, int by_peer)
{
    int final = kind == SIPUA_SESSION_EV_TERMINATED || kind == SIPUA_SESSION_EV_FAILED ||
                kind == SIPUA_SESSION_EV_CANCELED;
    if (final) {
        if (s->final_given)
            return;
        s->final_given = 1;
        s->end = sipua__session_now(s);
        s->st = ST_ENDED;
        timers_stop(s);
        sipua__dtmf_stop(s);
        s->rel_pending = 0;
        s->accept_wanted = 0;
        /* an early dialog of ours (a reliable 183) ends with the session */
        if (s->dialog && !s->detached && sipua__dialog_get_state(s->dialog) == SIPUA__DIALOG_EARLY)
            sipua__dialog_terminate(s->dialog);
    }
    if (kind == SIPUA_SESSION_EV_ACCEPTED && !s->start)
        s->start = sipua__session_now(s);
    sipua_session_event ev = {
        .kind = kind, .msg = msg, .code = code, .cause = cause, .by_peer = by_peer};
    if (kind == SIPUA_SESSION_EV_RENEGOTIATED) {
        ev.held_local = s->held_local;
        ev.held_remote = s->held_remote;
    }
    sipua_session_ref(s);
    if (s->observer && !s->detached)
        s->observer(s, &ev, s->observer_user);
    if (s->cb && !s->detached)
        s->cb(s, &ev, s->user);
    /* a call that replaces another (RFC 3891) is answered: the other ends */
    if (kind == SIPUA_SESSION_EV_ACCEPTED && s->replaces)
        sipua__replaces_done(s);
    sipua_session_unref(s);
    if (final)
        sipua__session_maybe_finished(s);
}

/* ------------------------------------------------------------------ */
/* Identities                                                          */

/* Copies From and To of the INVITE and parses them: local and remote
 * identity by direction. */
static int keep_identities(sipua_session *s, const sipua_msg *m)
{
    const sipua_hdr *f = sipua_msg_find(m, SIPUA_HDR_FROM, NULL);
    const sipua_hdr *t = sipua_msg_find(m, SIPUA_HDR_TO, NULL);
    if (!f || !t)
        return SIPUA_EPARSE;
    sipua_str cid = sipua_msg_call_id(m);
    s->ids_buf = sipua__session_alloc(s, f->value.len + t->value.len + cid.len + 1);
    if (!s->ids_buf)
        return SIPUA_ENOMEM;
    memcpy(s->ids_buf, f->value.p, f->value.len);
    memcpy(s->ids_buf + f->value.len, t->value.p, t->value.len);
    if (cid.len)
        memcpy(s->ids_buf + f->value.len + t->value.len, cid.p, cid.len);
    s->call_id = (sipua_str){s->ids_buf + f->value.len + t->value.len, cid.len};
    sipua_str fs = {s->ids_buf, f->value.len}, ts = {s->ids_buf + f->value.len, t->value.len};
    sipua_nameaddr fna, tna;
    if (sipua_nameaddr_parse(fs, &fna) != 0 || sipua_nameaddr_parse(ts, &tna) != 0)
        return SIPUA_EPARSE;
    int out = s->dir == SIPUA_DIRECTION_OUTGOING;
    s->local_text = out ? fs : ts;
    s->remote_id = out ? tna : fna;
    return 0;
}

/* Keeps a private copy of a message, parsed into s->invite with an index
 * of its own size (parsed is the message when it has been parsed, else
 * NULL). */
static int keep_invite(sipua_session *s, const char *bytes, size_t len, const sipua_msg *parsed)
{
    s->invite_buf = sipua__session_alloc(s, len ? len : 1);
    if (!s->invite_buf)
        return SIPUA_ENOMEM;
    memcpy(s->invite_buf, bytes, len);
    s->invite_len = len;
    sipua_msg *full = NULL;
    if (!parsed) {
        full = sipua_msg_new(NULL, &s->alloc);
        if (!full || sipua_msg_parse(full, s->invite_buf, len, SIPUA_PARSE_DATAGRAM) <= 0) {
            int r = full ? SIPUA_EPARSE : SIPUA_ENOMEM;
            sipua_msg_free(full);
            return r;
        }
        parsed = full;
    }
    s->invite = sipua_msg_copy(parsed, s->invite_buf, len, &s->alloc);
    sipua_msg_free(full);
    return s->invite ? 0 : SIPUA_ENOMEM;
}

/* ------------------------------------------------------------------ */
/* SDP                                                                 */

struct sipua__shared_caps {
    unsigned refs;
    sipua_allocator alloc;
    sipua_sdp_caps caps;
};

void sipua__shared_caps_unref(sipua__shared_caps *c)
{
    if (c && --c->refs == 0)
        c->alloc.free(c, c->alloc.user);
}

/* The capabilities for our media address: the UA's latest when it is the
 * same address, else new ones (which become the UA's latest). */
static sipua__shared_caps *caps_for(const sipua_session *s, const char *address)
{
    sipua__shared_caps **latest = s->host->caps, *c = latest ? *latest : NULL;
    if (c && strcmp(c->caps.address, address) == 0) {
        c->refs++;
        return c;
    }
    c = sipua__session_alloc(s, sizeof *c);
    if (!c)
        return NULL;
    c->refs = 1;
    c->alloc = s->alloc;
    sipua_sdp_caps_init(&c->caps);
    snprintf(c->caps.address, sizeof c->caps.address, "%s", address);
    snprintf(c->caps.username, sizeof c->caps.username, "sipua");
    if (latest) {
        sipua__shared_caps_unref(*latest);
        *latest = c;
        c->refs++;
    }
    return c;
}

static int oa_start(sipua_session *s, const sipua_endpoint *me)
{
    if (!s->caps)
        s->caps = caps_for(s, me->host);
    if (!s->caps)
        return SIPUA_ENOMEM;
    uint64_t sid;
    s->host->random(s->host->ctx, (uint8_t *)&sid, sizeof sid);
    int r = sipua_sdp_oa_init(&s->oa, &s->caps->caps, sid >> 1);
    s->oa.audio_port = (uint16_t)(s->host->rtp_port_base + 2 * (s->id % 5000));
    return r;
}

/* ------------------------------------------------------------------ */
/* Where in-dialog requests go                                         */

/* The endpoint for a next-hop URI: a literal address is used as it is;
 * a name keeps the session's peer (the program resolves names, and the
 * first hop is the one the session already talks to). */
static void next_hop_endpoint(const sipua_session *s, sipua_str uri_text, sipua_endpoint *ep)
{
    *ep = s->peer;
    sipua_uri u;
    if (!uri_text.p || sipua_uri_parse(uri_text, &u) != 0 || u.host_kind == SIPUA_HOST_NAME)
        return;
    char host[SIPUA_HOST_MAX];
    if (u.host.len >= sizeof host)
        return;
    memcpy(host, u.host.p, u.host.len);
    host[u.host.len] = 0;
    sipua_transport t = s->peer.transport;
    sipua_str tp;
    if (sipua_param_find(u.params, "transport", &tp) && tp.p)
        sipua_transport_from_name(tp, &t);
    uint16_t port = u.port ? u.port : (t == SIPUA_TRANSPORT_TLS ? 5061 : 5060);
    if (strcmp(host, s->peer.host) == 0 && port == s->peer.port && t == s->peer.transport)
        return; /* the same peer: keep its connection */
    if (t == s->peer.transport && t != SIPUA_TRANSPORT_UDP && strcmp(host, s->peer.host) == 0)
        return; /* a stream client's Contact names a port it may not listen on: the
                   connection it opened is the way back (RFC 5923's reuse) */
    sipua_endpoint_set(ep, t, host, port, 0);
}

static void via_for(const sipua_session *s, const sipua_endpoint *to, char *out, size_t cap)
{
    const sipua_endpoint *me = s->host->identity(s->host->ctx, to->transport);
    if (!me)
        me = s->host->identity(s->host->ctx, SIPUA_TRANSPORT_UDP);
    const char *host = me ? me->host : "invalid.invalid";
    const char *fmt = strchr(host, ':') ? "SIP/2.0/%s [%s]" : "SIP/2.0/%s %s";
    int n = snprintf(out, cap, fmt, sipua_transport_name(to->transport), host);
    if (me && me->port && n > 0 && (size_t)n < cap)
        n += snprintf(out + n, cap - (size_t)n, ":%u", (unsigned)me->port);
    if (n > 0 && (size_t)n < cap)
        snprintf(out + n, cap - (size_t)n, ";rport");
}

/* Appends text to out[0..cap) at *n, cut to what fits (NUL-terminated). */
static void put_text(char *out, size_t cap, size_t *n, const char *text)
{
    size_t len = strlen(text);
    if (*n + 1 >= cap)
        return;
    if (len > cap - 1 - *n)
        len = cap - 1 - *n;
    memcpy(out + *n, text, len);
    *n += len;
    out[*n] = '\0';
}

/* Asks the UA for the Contact a registration of our AOR gives (RFC 5627
 * GRUU, RFC 5626 ;ob) and keeps it; nothing when there is none. */
static void take_reg_contact(sipua_session *s, sipua_str local, int anonymous, sipua_transport t)
{
    char c[SIPUA__CONTACT_MAX];
    if (!s->host->reg_contact ||
        !s->host->reg_contact(s->host->ctx, local, anonymous, t, c, sizeof c))
        return;
    size_t n = strlen(c) + 1;
    if ((s->reg_contact = sipua__session_alloc(s, n)) != NULL)
        memcpy(s->reg_contact, c, n);
}

/* Our Contact: built without snprintf, for it goes in every 2xx. */
static void contact_for(const sipua_session *s, sipua_transport t, char *out, size_t cap)
{
    if (s->reg_contact && cap) {
        size_t n = 0;
        out[0] = '\0';
        put_text(out, cap, &n, s->reg_contact);
        return;
    }
    const sipua_endpoint *me = s->host->identity(s->host->ctx, t);
    if (!me)
        me = s->host->identity(s->host->ctx, SIPUA_TRANSPORT_UDP);
    const char *host = me ? me->host : "invalid.invalid";
    char tn[4] = {0}, port[8] = {0};
    const char *name = sipua_transport_name(t);
    for (size_t i = 0; i < 3 && name[i]; i++)
        tn[i] = (char)(name[i] | 0x20);
    if (me && me->port) {
        char d[6];
        size_t k = 0;
        for (unsigned v = me->port; v; v /= 10)
            d[k++] = (char)('0' + v % 10);
        port[0] = ':';
        for (size_t i = 0; i < k; i++)
            port[1 + i] = d[k - 1 - i];
    }
    size_t n = 0;
    if (cap)
        out[0] = '\0';
    int v6 = strchr(host, ':') != NULL;
    put_text(out, cap, &n, v6 ? "<sip:sipua@[" : "<sip:sipua@");
    put_text(out, cap, &n, host);
    put_text(out, cap, &n, v6 ? "]" : "");
    put_text(out, cap, &n, port);
    put_text(out, cap, &n, ";transport=");
    put_text(out, cap, &n, tn);
    put_text(out, cap, &n, ">");
}

void sipua__session_contact(const sipua_session *s, sipua_transport t, char *out, size_t cap)
{
    contact_for(s, t, out, cap);
}

/* A client transaction of the session's for the request in buf, to d: its
 * owner (which holds a reference to the session) and the transaction into
 * *q_out and *t_out. 0, or SIPUA_ENOMEM or the transaction layer's error,
 * with nothing left. */
static int start_request(sipua_session *s, sipua_method method, const char *buf, size_t len,
                         const sipua__txn_dest *d, sipua__sreq **q_out, sipua__txn **t_out)
{
    sipua__sreq *q = sipua__session_alloc(s, sizeof *q);
    if (!q)
        return SIPUA_ENOMEM;
    memset(q, 0, sizeof *q);
    q->owner.kind = SIPUA__OWNER_SESSION;
    q->s = sipua_session_ref(s);
    q->method = method;
    int rc = sipua__txn_client_new(s->host->txn, buf, len, d, q, sipua__session_now(s), t_out);
    if (rc < 0) {
        sipua_session_unref(s);
        sipua__session_free(s, q);
        return rc;
    }
    *q_out = q;
    return 0;
}

/* A request within the dialog, in a new client transaction (ACK: sent
 * directly). Returns 0 or an error. */
int sipua__session_send_in_dialog(sipua_session *s, sipua_method method, const char *const *extra,
                                  size_t nextra, sipua_str body, sipua__sreq **out)
{
    return sipua__session_send_in_dialog_named(s, method, (sipua_str){NULL, 0}, extra, nextra, body,
                                               out);
}

int sipua__session_send_in_dialog_named(sipua_session *s, sipua_method method,
                                        sipua_str method_name, const char *const *extra,
                                        size_t nextra, sipua_str body, sipua__sreq **out)
{
    if (!s->dialog)
        return SIPUA_ESTATE;
    sipua__dialog_request r;
    sipua__dialog_request_init(&r);
    r.method = method;
    r.method_name = method_name;
    char via[128], branch[40], contact[SIPUA__CONTACT_MAX];
    sipua_str nh;
    /* the next hop first: the Via names its transport */
    sipua_endpoint to = s->peer;
    if (sipua__dialog_route_count(s->dialog))
        next_hop_endpoint(s, sipua__dialog_route(s->dialog, 0), &to);
    else
        next_hop_endpoint(s, sipua__dialog_remote_target(s->dialog), &to);
    via_for(s, &to, via, sizeof via);
    int br = sipua__txn_make_branch(s->host->txn, branch, sizeof branch);
    if (br < 0)
        return br;
    contact_for(s, to.transport, contact, sizeof contact);
    r.via = sipua__cstr(via);
    r.branch = sipua__cstr(branch);
    r.contact = sipua__cstr(contact);
    sipua_str xs[8];
    size_t nx = 0;
    int has_ct = 0;
    for (size_t i = 0; i < nextra && nx < 7; i++) {
        xs[nx++] = sipua__cstr(extra[i]);
        has_ct |= strncmp(extra[i], "Content-Type:", 13) == 0;
    }
    if (body.len && !has_ct)
        xs[nx++] = SIPUA_STR("Content-Type: application/sdp");
    r.extra_headers = xs;
    r.extra_count = nx;
    r.body = body;
    char buf[8192];
    int n = sipua__dialog_build_request(s->dialog, &r, buf, sizeof buf, &nh, NULL);
    if (n < 0)
        return n;
    if (method != SIPUA_METHOD_ACK)
        n = sipua__auth_add(s, buf, (size_t)n, sizeof buf);
    if (method == SIPUA_METHOD_ACK) {
        sipua__reinvite_keep_ack(s, &to, buf, (size_t)n);
        return s->host->send(s->host->ctx, &to, buf, (size_t)n);
    }
    sipua__txn_dest d;
    sipua__txn_dest_init(&d, (sipua__transport_kind)to.transport, to.host, to.port, to.conn);
    sipua__sreq *q;
    sipua__txn *t;
    int rc = start_request(s, method, buf, (size_t)n, &d, &q, &t);
    if (rc == 0 && out)
        *out = q;
    return rc;
}

/* ------------------------------------------------------------------ */
/* Client                                                              */

/* A Route among the INVITE's extra headers is a preloaded route: the
 * outbound proxy the program sends through (RFC 3261 8.1.2). It is kept,
 * so that a call this session makes for a REFER goes that way too.
 * Returns 0 or SIPUA_ENOMEM. */
static int keep_proxy_route(sipua_session *s, const char *const *hs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t len = strcspn(hs[i], ":");
        while (len && (hs[i][len - 1] == ' ' || hs[i][len - 1] == '\t'))
            len--;
        if (!sipua_str_caseeq((sipua_str){hs[i], len}, "route"))
            continue;
        size_t all = strlen(hs[i]) + 1;
        if (!(s->proxy_route = sipua__session_alloc(s, all)))
            return SIPUA_ENOMEM;
        memcpy(s->proxy_route, hs[i], all);
        break;
    }
    return 0;
}

int sipua__session_invite(const sipua__session_host *host, uint64_t id, sipua_str target,
                          const sipua_endpoint *next_hop, const sipua_invite_opts *opts,
                          sipua_session_cb cb, void *user, sipua_session **out)
{
    sipua_invite_opts defaults;
    if (!opts) {
        sipua_invite_opts_init(&defaults);
        opts = &defaults;
    }
    if (!out || !next_hop || !target.p || !target.len || opts->version != SIPUA_INVITE_OPTS_VERSION)
        return SIPUA_EINVAL;
    sipua_uri u;
    if (sipua_uri_parse(target, &u) != 0 ||
        (u.scheme_id != SIPUA_URI_SIP && u.scheme_id != SIPUA_URI_SIPS))
        return SIPUA_EINVAL;
    int has_ct = 0;
    if (!sipua__session_extra_headers_ok(opts->extra_headers, opts->n_extra_headers, &has_ct))
        return SIPUA_EINVAL;
    if (opts->body.len && !has_ct)
        return SIPUA_EINVAL;
    /* audio is the only medium there is (no video source yet): an offer
     * without it would offer nothing */
    if (!opts->audio && !opts->body.len && !opts->invite_without_sdp)
        return SIPUA_EINVAL;
    const sipua_endpoint *me = host->identity(host->ctx, next_hop->transport);
    if (!me)
        return SIPUA_EINVAL;

    sipua_session *s = session_new(host, id, SIPUA_DIRECTION_OUTGOING);
    if (!s)
        return SIPUA_ENOMEM;
    s->cb = cb;
    s->user = user;
    s->peer = *next_hop;
    s->st = ST_CALLING;
    if (keep_proxy_route(s, opts->extra_headers, opts->n_extra_headers) != 0) {
        sipua_session_unref(s);
        return SIPUA_ENOMEM;
    }
    random_hex(s, s->local_tag, 8);
    char body[2048];
    int blen = 0;
    if (opts->body.len) {
        if (opts->body.len > sizeof body) {
            sipua_session_unref(s);
            return SIPUA_EINVAL;
        }
        memcpy(body, opts->body.p, opts->body.len);
        blen = (int)opts->body.len;
        s->offer_in_invite = 0; /* the application's body: not ours to negotiate */
    } else if (!opts->invite_without_sdp) {
        if (oa_start(s, me) != 0 || (blen = sipua_sdp_oa_offer(&s->oa, body, sizeof body)) < 0) {
            sipua_session_unref(s);
            return SIPUA_EINVAL;
        }
        s->offer_in_invite = 1;
    } else if (oa_start(s, me) != 0) {
        sipua_session_unref(s);
        return SIPUA_EINVAL;
    }

    char branch[40], callid[40], line[512], contact[SIPUA__CONTACT_MAX], via[128];
    int br = sipua__txn_make_branch(host->txn, branch, sizeof branch);
    if (br < 0) {
        sipua_session_unref(s);
        return br;
    }
    random_hex(s, callid, 16);
    via_for(s, next_hop, via, sizeof via);
    take_reg_contact(s, opts->from, opts->anonymous, next_hop->transport);
    contact_for(s, next_hop->transport, contact, sizeof contact);
    char buf[8192];
    sipua_builder b;
    sipua_builder_init(&b, buf, sizeof buf);
    sipua_builder_request_line(&b, SIPUA_STR("INVITE"), target);
    snprintf(line, sizeof line, "%s;branch=%s", via, branch);
    sipua_builder_header(&b, SIPUA_STR("Via"), sipua__cstr(line));
    sipua_builder_header(&b, SIPUA_STR("Max-Forwards"), SIPUA_STR("70"));
    if (opts->anonymous) {
        snprintf(line, sizeof line, "\"Anonymous\" <sip:anonymous@anonymous.invalid>;tag=%s",
                 s->local_tag);
    } else if (opts->from.len) {
        snprintf(line, sizeof line, "%.*s;tag=%s", (int)opts->from.len, opts->from.p, s->local_tag);
    } else {
        const char *fmt =
            strchr(me->host, ':') ? "<sip:sipua@[%s]>;tag=%s" : "<sip:sipua@%s>;tag=%s";
        snprintf(line, sizeof line, fmt, me->host, s->local_tag);
    }
    sipua_builder_header(&b, SIPUA_STR("From"), sipua__cstr(line));
    sipua_builder_raw(&b, SIPUA_STR("To: <"));
    sipua_builder_raw(&b, target);
    sipua_builder_raw(&b, SIPUA_STR(">\r\n"));
    snprintf(line, sizeof line, "%s@%s", callid, me->host);
    sipua_builder_header(&b, SIPUA_STR("Call-ID"), sipua__cstr(line));
    sipua_builder_header(&b, SIPUA_STR("CSeq"), SIPUA_STR("1 INVITE"));
    sipua_builder_header(&b, SIPUA_STR("Contact"), sipua__cstr(contact));
    sipua_builder_header(&b, SIPUA_STR("Allow"), SIPUA_STR(SIPUA__SESSION_ALLOW));
    /* RFC 3262 4: we take reliable provisional responses; RFC 4028 7.1:
     * session timers; RFC 3891: Replaces (as the UA's policies say) */
    sipua_builder_header(&b, SIPUA_STR("Supported"), sipua__cstr(host->supported));
    if (host->rel100 == SIPUA_100REL_REQUIRED)
        sipua_builder_header(&b, SIPUA_STR("Require"), SIPUA_STR("100rel"));
    if (host->session_timer != SIPUA_TIMER_DISABLED) {
        snprintf(line, sizeof line, "%u", (unsigned)host->session_expires);
        sipua_builder_header(&b, SIPUA_STR("Session-Expires"), sipua__cstr(line));
        if (host->min_se != 90) { /* RFC 4028 7.1: a higher floor than the default */
            snprintf(line, sizeof line, "%u", (unsigned)host->min_se);
            sipua_builder_header(&b, SIPUA_STR("Min-SE"), sipua__cstr(line));
        }
    }
    if (opts->anonymous)
        sipua_builder_header(&b, SIPUA_STR("Privacy"), SIPUA_STR("id"));
    sipua_builder_header(&b, SIPUA_STR("User-Agent"), sipua__cstr(host->user_agent));
    put_extra(&b, opts->extra_headers, opts->n_extra_headers);
    if (blen > 0 && !opts->body.len)
        sipua_builder_header(&b, SIPUA_STR("Content-Type"), SIPUA_STR("application/sdp"));
    sipua_builder_body(&b, (sipua_str){body, blen > 0 ? (size_t)blen : 0});
    int n = sipua_builder_finish(&b);
    if (n < 0 || keep_invite(s, buf, (size_t)n, NULL) != 0 || keep_identities(s, s->invite) != 0) {
        sipua_session_unref(s);
        return n < 0 ? SIPUA_EINVAL : SIPUA_ENOMEM;
    }
    sipua__txn_dest d;
    sipua__txn_dest_init(&d, (sipua__transport_kind)next_hop->transport, next_hop->host,
                         next_hop->port, next_hop->conn);
    int r = start_request(s, SIPUA_METHOD_INVITE, s->invite_buf, s->invite_len, &d, &s->invite_req,
                          &s->invite_txn);
    if (r < 0) {
        sipua_session_unref(s);
        return r;
    }
    *out = s;
    return 0;
}

/* 1 when the header line `line` (its name up to the colon) is one of
 * names (lower case). */
static int line_named(sipua_str line, const char *const *names, size_t n)
{
    const char *colon = memchr(line.p, ':', line.len);
    if (!colon)
        return 0;
    size_t k = (size_t)(colon - line.p);
    while (k && (line.p[k - 1] == ' ' || line.p[k - 1] == '\t'))
        k--;
    for (size_t i = 0; i < n; i++)
        if (strlen(names[i]) == k && sipua_str_caseeq((sipua_str){line.p, k}, names[i]))
            return 1;
    return 0;
}

int sipua__session_invite_again(sipua_session *s, const char *const *drop, size_t ndrop,
                                const char *lines)
{
    if (!s->invite_txn || s->final_given)
        return 0;
    char branch[40];
    if (sipua__txn_make_branch(s->host->txn, branch, sizeof branch) < 0)
        return 0;
    const sipua_cseq *cs = sipua_msg_cseq(s->invite);
    sipua_str raw = {s->invite_buf, s->invite_len};
    sipua_str body = sipua_msg_body(s->invite);
    if (!cs || cs->number >= 0x7fffffff)
        return 0;
    size_t cap = raw.len + strlen(lines) + 128;
    char *buf = sipua__session_alloc(s, cap);
    if (!buf)
        return 0;
    /* every header line copied but Via, CSeq, Content-Length and those
     * named, which are written anew */
    static const char *const own[] = {"via", "v", "cseq", "content-length", "l"};
    size_t n = 0;
    const char *p = raw.p, *end = raw.p + raw.len - body.len;
    int first = 1;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        size_t ll = eol ? (size_t)(eol - p + 1) : (size_t)(end - p);
        sipua_str line = {p, ll};
        p += ll;
        if (ll <= 2) /* the blank line */
            break;
        if (first) {
            memcpy(buf + n, line.p, ll);
            n += ll;
            first = 0;
            continue;
        }
        if (line_named(line, own, 2)) {
            /* the top Via (ours, the only one) with a new branch */
            const char *b = NULL;
            for (size_t i = 0; i + 7 <= ll; i++)
                if (memcmp(line.p + i, "branch=", 7) == 0)
                    b = line.p + i + 7;
            if (b) {
                size_t keep = (size_t)(b - line.p);
                memcpy(buf + n, line.p, keep);
                n += keep;
                n += (size_t)snprintf(buf + n, cap - n, "%s\r\n", branch);
            }
            continue;
        }
        if (line_named(line, own, sizeof own / sizeof own[0]) || line_named(line, drop, ndrop))
            continue;
        memcpy(buf + n, line.p, ll);
        n += ll;
    }
    int w = snprintf(buf + n, cap - n, "CSeq: %lu INVITE\r\n%sContent-Length: %zu\r\n\r\n",
                     (unsigned long)cs->number + 1, lines, body.len);
    if (w < 0 || n + (size_t)w + body.len > cap) {
        sipua__session_free(s, buf);
        return 0;
    }
    n += (size_t)w;
    memcpy(buf + n, body.p, body.len);
    n += body.len;
    sipua__txn_dest d = *sipua__txn_get_dest(s->invite_txn);
    sipua__sreq *q;
    sipua__txn *t;
    char *old_buf = s->invite_buf;
    sipua_msg *old_msg = s->invite;
    s->invite_buf = NULL;
    s->invite = NULL;
    if (keep_invite(s, buf, n, NULL) != 0 ||
        start_request(s, SIPUA_METHOD_INVITE, s->invite_buf, s->invite_len, &d, &q, &t) < 0) {
        sipua_msg_free(s->invite);
        sipua__session_free(s, s->invite_buf);
        s->invite_buf = old_buf;
        s->invite = old_msg;
        sipua__session_free(s, buf);
        return 0;
    }
    sipua__session_free(s, buf);
    /* the new INVITE is the session's from now on; the old transaction
     * ends on its own */
    sipua_msg_free(old_msg);
    sipua__session_free(s, old_buf);
    s->invite_req = q;
    s->invite_txn = t;
    s->provisional_seen = 0;
    return 1;
}

static int send_cancel(sipua_session *s)
{
    char buf[4096];
    int n = sipua__txn_client_build_cancel(s->invite_txn, buf, sizeof buf);
    if (n < 0)
        return n;
    if (s->cancel.status_code) {
        /* Reason (RFC 3326) before the blank line */
        char reason[256];
        snprintf(reason, sizeof reason, "Reason: SIP;cause=%d;text=\"%s\"\r\n",
                 s->cancel.status_code, s->cancel.reason_phrase ? s->cancel.reason_phrase : "");
        size_t rl = strlen(reason);
        char *blank = NULL;
        for (int i = 0; i + 3 < n; i++)
            if (memcmp(buf + i, "\r\n\r\n", 4) == 0) {
                blank = buf + i + 2;
                break;
            }
        if (blank && (size_t)n + rl <= sizeof buf) {
            memmove(blank + rl, blank, (size_t)(buf + n - blank));
            memcpy(blank, reason, rl);
            n += (int)rl;
        }
    }
    sipua__txn_dest d = *sipua__txn_get_dest(s->invite_txn);
    sipua__sreq *q;
    sipua__txn *t;
    int r = start_request(s, SIPUA_METHOD_CANCEL, buf, (size_t)n, &d, &q, &t);
    if (r < 0)
        return r;
    s->cancel_sent = 1;
    /* RFC 3261 9.1: no final response 64*T1 after the CANCEL, and the
     * INVITE is taken as canceled */
    sipua__timer_schedule(s->host->timers, &s->t_noanswer,
                          sipua__session_now(s) + 64 * s->host->t1);
    return 0;
}

int sipua_session_cancel(sipua_session *s, const sipua_cancel_opts *opts, sipua_time now)
{
    if (s && s->detached) /* its work is over, or the UA is gone */
        return SIPUA_ESTATE;
    if (!s)
        return SIPUA_EINVAL;
    sipua__session_touch(s, now);
    if (opts && opts->status_code && (opts->status_code < 200 || opts->status_code > 699))
        return SIPUA_EINVAL;
    if (s->dir != SIPUA_DIRECTION_OUTGOING || s->final_given || !s->invite_req ||
        s->st == ST_ESTABLISHED || s->cancel_wanted)
        return SIPUA_ESTATE;
    if (opts)
        s->cancel = *opts;
    s->cancel_wanted = 1;
    /* RFC 3261 9.1: not before a provisional response */
    return s->provisional_seen ? send_cancel(s) : 0;
}

/* The SDP of a message into s->sdp; 0, no body (1), or an error. */
int sipua__session_parse_sdp(sipua_session *s, const sipua_msg *m)
{
    sipua_str body = sipua_msg_body(m);
    if (!body.len)
        return 1;
    return sipua_sdp_parse(s->sdp, body.p, body.len) == 0 ? 0 : SIPUA_EPARSE;
}

static void client_invite_response(sipua_session *s, const sipua_msg *resp)
{
    int code = sipua_msg_status(resp);
    if (code >= 100 && code < 200 && !s->provisional_seen) {
        s->provisional_seen = 1;
        if (s->cancel_wanted && !s->cancel_sent && !s->final_given)
            send_cancel(s);
    }
    sipua__dialog *d = NULL;
    sipua__dialog_outcome oc = SIPUA__DIALOG_SET_NO_DIALOG;
    if (code > 100)
        sipua__dialog_table_uac_response(s->host->dialogs, s->invite, resp,
                                         s->peer.transport == SIPUA_TRANSPORT_TLS, &d, &oc);
    if (code > 100 && code < 200) {
        if (oc == SIPUA__DIALOG_SET_LATE_PROVISIONAL)
            d = NULL;
        if (sipua__prack_client_provisional(s, d, resp))
            return; /* a reliable one seen already, or out of order */
        if (oc != SIPUA__DIALOG_SET_LATE_PROVISIONAL && s->st == ST_CALLING)
            s->st = ST_PROCEEDING;
        if (!s->final_given && s->st != ST_ESTABLISHED)
            sipua__session_emit(s, SIPUA_SESSION_EV_PROGRESS, resp, code, SIPUA_CAUSE_NONE, 0);
        return;
    }
    if (code >= 200 && code < 300) {
        if (oc == SIPUA__DIALOG_SET_EXTRA_CONFIRMED ||
            (oc == SIPUA__DIALOG_SET_CONFIRMED && s->dialog && d != s->dialog)) {
            /* another fork answered too: ACK it and end it (13.2.2.4) */
            sipua__dialog *keep = s->dialog;
            s->dialog = d;
            sipua__session_send_in_dialog(s, SIPUA_METHOD_ACK, NULL, 0, (sipua_str){NULL, 0}, NULL);
            sipua__session_send_in_dialog(s, SIPUA_METHOD_BYE, NULL, 0, (sipua_str){NULL, 0}, NULL);
            s->dialog = keep;
            return;
        }
        if (oc == SIPUA__DIALOG_SET_2XX_AGAIN) {
            if (d == s->dialog && s->ack_len && s->ack_cseq == 0 && !s->detached) {
                /* the same ACK again: the dialog would number a new one
                 * after a re-INVITE (RFC 3261 13.2.2.4) */
                s->host->send(s->host->ctx, &s->ack_to, s->ack_buf, s->ack_len);
                return;
            }
            sipua__dialog *keep = s->dialog;
            s->dialog = d;
            sipua__session_send_in_dialog(s, SIPUA_METHOD_ACK, NULL, 0, (sipua_str){NULL, 0}, NULL);
            s->dialog = keep;
            return;
        }
        if (oc != SIPUA__DIALOG_SET_CONFIRMED || !d)
            return;
        s->dialog = d;
        sipua__dialog_set_user(d, s);
        /* the answer to our offer, or the peer's offer (delayed offer):
         * our answer then goes in the ACK */
        char body[2048];
        int blen = 0;
        sipua_cause bad = SIPUA_CAUSE_NONE;
        int ps = sipua__session_parse_sdp(s, resp);
        if (s->offer_in_invite && s->early_sdp) {
            /* the answer came in a reliable provisional (RFC 3262 5): a 2xx
             * repeats it or carries none */
            if (ps < 0 || (ps == 0 && sipua__prack_client_2xx_sdp_differs(s, resp)))
                bad = SIPUA_CAUSE_BAD_MEDIA_DESCRIPTION;
        } else if (s->offer_in_invite) {
            if (ps != 0 || sipua_sdp_oa_take_answer(&s->oa, s->sdp) != 0)
                bad =
                    ps == 1 ? SIPUA_CAUSE_BAD_MEDIA_DESCRIPTION : SIPUA_CAUSE_BAD_MEDIA_DESCRIPTION;
        } else if (s->oa.state != SIPUA_SDP_OA_NEGOTIATED && ps == 0) {
            blen = sipua_sdp_oa_answer(&s->oa, s->sdp, body, sizeof body);
            if (blen < 0) {
                bad = blen == SIPUA_ENOTFOUND ? SIPUA_CAUSE_INCOMPATIBLE_SDP
                                              : SIPUA_CAUSE_BAD_MEDIA_DESCRIPTION;
                blen = 0;
            }
        } else if (ps != 0 && s->oa.audio_port && !s->offer_in_invite && ps != 1) {
            bad = SIPUA_CAUSE_BAD_MEDIA_DESCRIPTION;
        }
        sipua__session_send_in_dialog(s, SIPUA_METHOD_ACK, NULL, 0,
                                      (sipua_str){body, blen > 0 ? (size_t)blen : 0}, NULL);
        if (s->final_given) {
            /* canceled or ended meanwhile: the call is up, take it down */
            s->st = ST_ESTABLISHED;
            sipua__session_send_in_dialog(s, SIPUA_METHOD_BYE, NULL, 0, (sipua_str){NULL, 0},
                                          &s->bye_req);
            return;
        }
        s->st = ST_ESTABLISHED;
        sipua__timer_client_2xx(s, resp);
        sipua__session_emit(s, SIPUA_SESSION_EV_ACCEPTED, resp, code, SIPUA_CAUSE_NONE, 0);
        if (bad != SIPUA_CAUSE_NONE && !s->final_given) {
            /* an unusable answer: the call is established, end it (RFC
             * 3261 13.2.2.4 lets the caller BYE) */
            const char *reason[] = {"Reason: SIP;cause=488;text=\"Not Acceptable Here\""};
            sipua__session_send_in_dialog(s, SIPUA_METHOD_BYE, reason, 1, (sipua_str){NULL, 0},
                                          &s->bye_req);
            sipua__session_emit(s, SIPUA_SESSION_EV_TERMINATED, resp, code, bad, 0);
        }
        return;
    }
    if (code >= 300) {
        if (s->final_given)
            return;
        if (code == 422 && sipua__timer_client_422(s, resp))
            return; /* sent again with the Min-SE asked for (RFC 4028 7.4) */
        if ((code == 401 || code == 407) && sipua__auth_invite_challenged(s, resp))
            return; /* sent again with credentials (RFC 3261 22.2) */
        if (code == 487 && s->cancel_sent) {
            sipua__session_emit(s, SIPUA_SESSION_EV_CANCELED, resp, code, SIPUA_CAUSE_CANCELED, 0);
            return;
        }
        sipua__session_emit(s, SIPUA_SESSION_EV_FAILED, resp, code, sipua_cause_from_status(code),
                            0);
    }
}

void sipua__session_on_response(sipua__txn *ct, const sipua_msg *resp)
{
    sipua__owner *o = sipua__txn_get_user(ct);
    if (!o || o->kind != SIPUA__OWNER_SESSION)
        return;
    sipua__sreq *q = (sipua__sreq *)o;
    sipua_session *s = q->s;
    if (s->detached)
        return;
    int code = sipua_msg_status(resp);
    if (sipua__refer_generic_done(s, q, code, resp))
        return;
    if ((q->method == SIPUA_METHOD_INVITE && q != s->invite_req) ||
        q->method == SIPUA_METHOD_UPDATE) {
        sipua__reinvite_on_response(s, q, resp);
        return;
    }
    switch (q->method) {
    case SIPUA_METHOD_INVITE: client_invite_response(s, resp); break;
    case SIPUA_METHOD_REFER:
    case SIPUA_METHOD_NOTIFY: sipua__refer_on_done(s, q, code, resp); break;
    case SIPUA_METHOD_BYE:
        if (code >= 200) {
            if (s->dialog)
                sipua__dialog_terminate(s->dialog);
            sipua__session_emit(s, SIPUA_SESSION_EV_TERMINATED, resp, code, SIPUA_CAUSE_BYE, 0);
        }
        break;
    case SIPUA_METHOD_INFO:
        if (code >= 200 && q == s->info_req)
            sipua__dtmf_on_info_done(s, code);
        break;
    default: break;
    }
}

static void request_failed(sipua__txn *t, sipua_cause cause)
{
    sipua__owner *o = sipua__txn_get_user(t);
    if (!o || o->kind != SIPUA__OWNER_SESSION)
        return; /* a server transaction: timer H, handled by the 2xx/ACK logic */
    sipua__sreq *q = (sipua__sreq *)o;
    if (q->s->detached)
        return;
    sipua_session *s = q->s;
    int code = cause == SIPUA_CAUSE_REQUEST_TIMEOUT ? 408 : 503; /* RFC 3261 8.1.3.1 */
    if (sipua__refer_generic_done(s, q, code, NULL))
        return;
    if ((q->method == SIPUA_METHOD_INVITE && q != s->invite_req) ||
        q->method == SIPUA_METHOD_UPDATE) {
        sipua__reinvite_failed(s, q, cause);
    } else if (q->method == SIPUA_METHOD_REFER || q->method == SIPUA_METHOD_NOTIFY) {
        sipua__refer_on_done(s, q, code, NULL);
    } else if (q->method == SIPUA_METHOD_INVITE) {
        if (s->st == ST_ESTABLISHED)
            return;
        sipua__session_emit(s, s->cancel_sent ? SIPUA_SESSION_EV_CANCELED : SIPUA_SESSION_EV_FAILED,
                            NULL, 0, s->cancel_sent ? SIPUA_CAUSE_CANCELED : cause, 0);
    } else if (q->method == SIPUA_METHOD_BYE) {
        if (s->dialog)
            sipua__dialog_terminate(s->dialog);
        sipua__session_emit(s, SIPUA_SESSION_EV_TERMINATED, NULL, 0, SIPUA_CAUSE_BYE, 0);
    } else if (q->method == SIPUA_METHOD_INFO && q == s->info_req) {
        sipua__dtmf_on_info_done(s, 0);
    }
}

void sipua__session_on_timeout(sipua__txn *ct)
{
    request_failed(ct, SIPUA_CAUSE_REQUEST_TIMEOUT);
}

void sipua__session_on_transport_error(sipua__txn *ct, int err)
{
    (void)err;
    request_failed(ct, SIPUA_CAUSE_CONNECTION_ERROR);
}

void sipua__session_on_txn_terminated(sipua__txn *t)
{
    sipua__owner *o = sipua__txn_get_user(t);
    if (!o)
        return;
    if (o->kind == SIPUA__OWNER_SESSION_SERVER) {
        /* the INVITE server transaction: its final response is done */
        sipua_session *srv = (sipua_session *)o;
        sipua__txn_set_user(t, NULL);
        if (srv->invite_txn == t)
            srv->invite_txn = NULL;
        sipua__reinvite_server_txn_gone(srv, t);
        sipua_session_unref(srv);
        return;
    }
    sipua__sreq *q = (sipua__sreq *)o;
    sipua__txn_set_user(t, NULL);
    sipua_session *s = q->s;
    if (s->invite_req == q) {
        s->invite_req = NULL;
        s->invite_txn = NULL;
        if (!s->detached)
            sipua__dialog_table_end_early(s->host->dialogs, s->call_id, sipua__cstr(s->local_tag));
    }
    if (s->bye_req == q)
        s->bye_req = NULL;
    if (s->reinv_req == q)
        s->reinv_req = NULL;
    if (s->refer_req == q) {
        /* ended without a final response reaching us */
        sipua__refer_on_done(s, q, 408, NULL);
        s->refer_req = NULL;
    }
    if (q->generic)
        sipua__refer_generic_done(s, q, 408, NULL);
    if (s->referral && q == sipua__refer_notify_of(s))
        sipua__refer_on_done(s, q, 408, NULL);
    if (s->info_req == q) {
        /* ended without a final response reaching us (cannot happen: the
         * timeout comes first); the queue stops */
        sipua__dtmf_on_info_done(s, 0);
        s->info_req = NULL;
    }
    sipua__session_free(s, q);
    sipua__session_maybe_finished(s);
    sipua_session_unref(s);
}

/* ------------------------------------------------------------------ */
/* Server                                                              */

/* A response to the INVITE (code, reason), with our Contact and
 * Record-Route (12.1.1) for 1xx/2xx, extra headers, and a body. */
int sipua__session_build_invite_response(sipua_session *s, int code, const char *reason,
                                         const char *const *extra, size_t nextra,
                                         const char *raw_extra, sipua_str body, char *out,
                                         size_t cap)
{
    if (!s->invite)
        return SIPUA_ESTATE; /* answered and acknowledged long ago */
    sipua_builder b;
    sipua_builder_init(&b, out, cap);
    int r =
        sipua_builder_response(&b, s->invite, code, sipua__cstr(reason), sipua__cstr(s->local_tag),
                               sipua__cstr(s->peer.host), s->peer.port);
    if (r)
        return r;
    if (code > 100 && code < 300) {
        size_t at = 0;
        const sipua_hdr *h;
        for (; (h = sipua_msg_find(s->invite, SIPUA_HDR_RECORD_ROUTE, &at)) != NULL; at++)
            sipua_builder_header(&b, SIPUA_STR("Record-Route"), h->value);
        char contact[SIPUA__CONTACT_MAX];
        contact_for(s, s->peer.transport, contact, sizeof contact);
        sipua_builder_header(&b, SIPUA_STR("Contact"), sipua__cstr(contact));
        sipua_builder_header(&b, SIPUA_STR("Allow"), SIPUA_STR(SIPUA__SESSION_ALLOW));
    }
    sipua_builder_header(&b, SIPUA_STR("Server"), sipua__cstr(s->host->user_agent));
    put_extra(&b, extra, nextra);
    if (raw_extra)
        sipua_builder_raw(&b, sipua__cstr(raw_extra));
    if (body.len)
        sipua_builder_header(&b, SIPUA_STR("Content-Type"), SIPUA_STR("application/sdp"));
    sipua_builder_body(&b, body);
    return sipua_builder_finish(&b);
}

int sipua__session_send_invite_response(sipua_session *s, int code, const char *reason,
                                        const char *const *extra, size_t nextra,
                                        const char *raw_extra, sipua_str body)
{
    char buf[8192];
    int n = sipua__session_build_invite_response(s, code, reason, extra, nextra, raw_extra, body,
                                                 buf, sizeof buf);
    if (n < 0)
        return n;
    if (!s->invite_txn)
        return SIPUA_ESTATE;
    int r = sipua__txn_server_respond(s->invite_txn, buf, (size_t)n, sipua__session_now(s));
    if (r == 0 && code >= 200 && code < 300) {
        sipua__session_free(s, s->ok_buf);
        s->ok_buf = sipua__session_alloc(s, (size_t)n);
        if (s->ok_buf) {
            memcpy(s->ok_buf, buf, (size_t)n);
            s->ok_len = (size_t)n;
        }
    }
    return r;
}

static void on_noanswer(sipua__timer *t, sipua_time now, void *user)
{
    (void)t;
    (void)now;
    sipua_session *s = user;
    if (s->dir == SIPUA_DIRECTION_OUTGOING) {
        /* our CANCEL got no final response to the INVITE in 64*T1 (RFC
         * 3261 9.1): the INVITE transaction is destroyed, the call ends
         * canceled */
        if (s->final_given || s->st == ST_ESTABLISHED || !s->cancel_sent || !s->invite_txn)
            return;
        sipua_session_ref(s);
        sipua__session_emit(s, SIPUA_SESSION_EV_CANCELED, NULL, 0, SIPUA_CAUSE_CANCELED, 0);
        if (s->invite_txn)
            sipua__txn_terminate(s->invite_txn);
        sipua_session_unref(s);
        return;
    }
    if (s->final_given || s->st != ST_PROCEEDING)
        return;
    if (s->invite_expires) {
        /* the caller's Expires ran out: 487 (RFC 3261 13.3.1) */
        sipua__session_send_invite_response(s, 487, "Request Terminated", NULL, 0, NULL,
                                            (sipua_str){NULL, 0});
        sipua__session_emit(s, SIPUA_SESSION_EV_FAILED, NULL, 487, SIPUA_CAUSE_EXPIRES, 0);
        return;
    }
    sipua__session_send_invite_response(s, 480, "Temporarily Unavailable", NULL, 0, NULL,
                                        (sipua_str){NULL, 0});
    sipua__session_emit(s, SIPUA_SESSION_EV_FAILED, NULL, 480, SIPUA_CAUSE_NO_ANSWER, 0);
}

/* 13.3.1.4: the 2xx again at T1, doubling to T2, until the ACK; no ACK
 * by 64*T1 ends the session with BYE, cause NO_ACK. */
static void on_2xx_timer(sipua__timer *t, sipua_time now, void *user)
{
    (void)t;
    sipua_session *s = user;
    if (s->st != ST_ANSWERED || !s->ok_buf) {
        sipua__session_maybe_finished(s);
        return;
    }
    if (now >= s->ok_give_up) {
        s->st = ST_ESTABLISHED;
        sipua__session_send_in_dialog(s, SIPUA_METHOD_BYE, NULL, 0, (sipua_str){NULL, 0},
                                      &s->bye_req);
        sipua__session_emit(s, SIPUA_SESSION_EV_TERMINATED, NULL, 0, SIPUA_CAUSE_NO_ACK, 0);
        return;
    }
    s->host->send(s->host->ctx, &s->peer, s->ok_buf, s->ok_len);
    s->ok_interval = s->ok_interval * 2 < s->host->t2 ? s->ok_interval * 2 : s->host->t2;
    sipua_time next = now + s->ok_interval;
    if (next > s->ok_give_up)
        next = s->ok_give_up;
    sipua__timer_schedule(s->host->timers, &s->t_2xx, next);
}

sipua_session *sipua__session_incoming(const sipua__session_host *host, uint64_t id, sipua__txn *st,
                                       const sipua_msg *invite, const sipua_endpoint *from)
{
    sipua_session *s = session_new(host, id, SIPUA_DIRECTION_INCOMING);
    if (!s)
        return NULL;
    s->peer = *from;
    s->st = ST_PROCEEDING;
    s->invite_txn = st;
    random_hex(s, s->local_tag, 8);
    sipua_str raw = sipua_msg_raw(invite);
    const sipua_endpoint *me = host->identity(host->ctx, from->transport);
    if (!me)
        me = host->identity(host->ctx, SIPUA_TRANSPORT_UDP);
    if (keep_invite(s, raw.p, raw.len, invite) != 0 || keep_identities(s, s->invite) != 0 || !me ||
        oa_start(s, me) != 0) {
        sipua_session_unref(s);
        return NULL;
    }
    take_reg_contact(s, s->local_text, 0, from->transport);
    sipua__txn_set_user(st, sipua_session_ref(s)); /* the transaction's reference */
    s->peer_100rel = host->rel100 != SIPUA_100REL_DISABLED &&
                     (sipua_msg_has_option(s->invite, SIPUA_HDR_SUPPORTED, "100rel") ||
                      sipua_msg_has_option(s->invite, SIPUA_HDR_REQUIRE, "100rel"));
    int rc = sipua__replaces_check(host, s->invite, &s->replaces);
    if (rc) {
        sipua__session_send_invite_response(s, rc,
                                            rc == 481 ? "Call/Transaction Does Not Exist (Replaces)"
                                            : rc == 486 ? "Busy Here (Replaces: early-only)"
                                            : rc == 603 ? "Decline (Replaces: the dialog has ended)"
                                                        : "Bad Request (malformed Replaces)",
                                            NULL, 0, NULL, (sipua_str){NULL, 0});
        s->final_given = 1;
        s->st = ST_ENDED;
        sipua_session_unref(s);
        return NULL;
    }
    int ps = sipua__session_parse_sdp(s, s->invite);
    s->offer_in_invite = ps == 0;
    if (ps >= 0 && sipua__timer_server_check(s)) {
        /* 422 (RFC 4028 9) went */
        s->final_given = 1;
        s->st = ST_ENDED;
        sipua_session_unref(s);
        return NULL;
    }
    if (ps < 0) {
        sipua__session_send_invite_response(s, 400, "Bad Request (malformed SDP)", NULL, 0, NULL,
                                            (sipua_str){NULL, 0});
        s->final_given = 1;
        s->st = ST_ENDED;
        sipua_session_unref(s); /* ours; the transaction's goes when it ends */
        return NULL;
    }
    return s;
}

void sipua__session_started(sipua_session *s)
{
    if (!s || s->final_given || s->st != ST_PROCEEDING)
        return;
    /* the INVITE's Expires (RFC 3261 13.3.1), when sooner than the
     * no-answer timeout */
    sipua_time wait = s->host->no_answer_timeout;
    uint32_t expires;
    if (sipua_msg_expires(s->invite, &expires) == 0 &&
        (!wait || (sipua_time)expires * 1000000 < wait)) {
        wait = (sipua_time)expires * 1000000;
        s->invite_expires = 1;
    }
    if (wait)
        sipua__timer_schedule(s->host->timers, &s->t_noanswer, sipua__session_now(s) + wait);
}

sipua_session *sipua__session_of_server_txn(sipua__txn *st)
{
    sipua__owner *o = st ? sipua__txn_get_user(st) : NULL;
    return o && o->kind == SIPUA__OWNER_SESSION_SERVER ? (sipua_session *)o : NULL;
}

int sipua_session_progress(sipua_session *s, const sipua_answer_opts *opts, sipua_time now)
{
    if (s && s->detached) /* its work is over, or the UA is gone */
        return SIPUA_ESTATE;
    if (!s)
        return SIPUA_EINVAL;
    sipua__session_touch(s, now);
    if (s->dir != SIPUA_DIRECTION_INCOMING || s->st != ST_PROCEEDING || s->final_given)
        return SIPUA_ESTATE;
    int r = sipua__session_send_invite_response(
        s, 180, "Ringing", opts ? opts->extra_headers : NULL, opts ? opts->n_extra_headers : 0,
        NULL, (sipua_str){NULL, 0});
    if (r == 0)
        sipua__session_emit(s, SIPUA_SESSION_EV_PROGRESS, NULL, 180, SIPUA_CAUSE_NONE, 0);
    return r;
}

int sipua__session_uas_dialog(sipua_session *s, int status)
{
    if (s->dialog)
        return 0;
    sipua__dialog *d;
    int r = sipua__dialog_new_uas(s->invite, sipua__cstr(s->local_tag), status,
                                  s->peer.transport == SIPUA_TRANSPORT_TLS, &s->alloc, &d);
    if (r == SIPUA_EPARSE) {
        sipua__session_send_invite_response(s, 400, "Bad Request (no usable Contact)", NULL, 0,
                                            NULL, (sipua_str){NULL, 0});
        sipua__session_emit(s, SIPUA_SESSION_EV_FAILED, NULL, 400, SIPUA_CAUSE_SIP_FAILURE_CODE, 0);
        return r;
    }
    if (r < 0)
        return r;
    if (sipua__dialog_table_add(s->host->dialogs, d) != 0) {
        sipua__dialog_free(d);
        return SIPUA_EINVAL;
    }
    s->dialog = d;
    sipua__dialog_set_user(d, s);
    return 0;
}

int sipua__session_send_2xx(sipua_session *s, const char *const *extra, size_t nextra,
                            const char *raw_extra, sipua_str body)
{
    if (sipua__dialog_get_state(s->dialog) == SIPUA__DIALOG_EARLY)
        sipua__dialog_confirm(s->dialog);
    /* RFC 4028 9: the interval and refresher */
    char lines[1024];
    int at = snprintf(lines, sizeof lines, "%s", raw_extra ? raw_extra : "");
    if (at >= 0 && (size_t)at < sizeof lines)
        sipua__timer_server_2xx(s, lines + at, sizeof lines - (size_t)at);
    int r = sipua__session_send_invite_response(s, 200, "OK", extra, nextra, lines, body);
    if (r < 0)
        return r;
    sipua__timer_cancel(s->host->timers, &s->t_noanswer);
    s->st = ST_ANSWERED;
    s->ok_interval = s->host->t1;
    s->ok_give_up = sipua__session_now(s) + 64 * s->host->t1;
    sipua__timer_schedule(s->host->timers, &s->t_2xx, sipua__session_now(s) + s->host->t1);
    sipua__session_emit(s, SIPUA_SESSION_EV_ACCEPTED, NULL, 200, SIPUA_CAUSE_NONE, 0);
    return 0;
}

/* The SDP for our answer (or our offer, with a delayed offer) into
 * body[0..cap): its length, or a negative value once the INVITE has been
 * rejected 488 (nothing acceptable in the offer, RFC 3264 6). */
int sipua__session_answer_sdp(sipua_session *s, char *body, size_t cap)
{
    int blen;
    if (s->offer_in_invite) {
        /* the offer parsed again, unless the shared parser still holds it:
         * it was parsed from our private copy, which no other message
         * can share an address with */
        sipua_str offer = sipua_msg_body(s->invite);
        int held = offer.len && s->sdp->raw.p == offer.p && s->sdp->raw.len == offer.len &&
                   !s->sdp->error.code;
        blen = held || sipua__session_parse_sdp(s, s->invite) == 0
                   ? sipua_sdp_oa_answer(&s->oa, s->sdp, body, cap)
                   : SIPUA_EPARSE;
        if (blen < 0) {
            sipua__session_send_invite_response(s, 488, "Not Acceptable Here", NULL, 0, NULL,
                                                (sipua_str){NULL, 0});
            sipua__session_emit(s, SIPUA_SESSION_EV_FAILED, NULL, 488,
                                blen == SIPUA_ENOTFOUND ? SIPUA_CAUSE_INCOMPATIBLE_SDP
                                                        : SIPUA_CAUSE_BAD_MEDIA_DESCRIPTION,
                                0);
        }
        return blen;
    }
    blen = sipua_sdp_oa_offer(&s->oa, body, cap); /* delayed offer */
    return blen < 0 ? 0 : blen;
}

int sipua_session_accept(sipua_session *s, const sipua_answer_opts *opts, sipua_time now)
{
    if (s && s->detached) /* its work is over, or the UA is gone */
        return SIPUA_ESTATE;
    (void)now;
    if (!s)
        return SIPUA_EINVAL;
    if (s->dir != SIPUA_DIRECTION_INCOMING || s->st != ST_PROCEEDING || s->final_given ||
        s->accept_wanted)
        return SIPUA_ESTATE;
    if (opts && !sipua__session_extra_headers_ok(opts->extra_headers, opts->n_extra_headers, NULL))
        return SIPUA_EINVAL;
    char body[2048];
    int blen;
    if (s->answer_buf) {
        /* the 183 carried the answer: the 200 repeats it (RFC 3262 5) */
        memcpy(body, s->answer_buf, s->answer_len);
        blen = (int)s->answer_len;
    } else if ((blen = sipua__session_answer_sdp(s, body, sizeof body)) < 0) {
        return 0;
    }
    int r = sipua__session_uas_dialog(s, 200);
    if (r == SIPUA_EPARSE)
        return 0;
    if (r < 0)
        return r;
    const char *const *extra = opts ? opts->extra_headers : NULL;
    size_t nextra = opts ? opts->n_extra_headers : 0;
    if (!sipua__prack_allows_2xx(s)) {
        /* RFC 3262 3: no 2xx before the PRACK of a reliable provisional
         * that carried a session description; it goes when the PRACK
         * arrives */
        size_t len = 1;
        for (size_t i = 0; i < nextra; i++)
            len += strlen(extra[i]) + 2;
        char *keep = sipua__session_alloc(s, len);
        if (!keep)
            return SIPUA_ENOMEM;
        keep[0] = 0;
        for (size_t i = 0, at = 0; i < nextra; i++) {
            size_t n = strlen(extra[i]);
            memcpy(keep + at, extra[i], n);
            memcpy(keep + at + n, "\r\n", 3);
            at += n + 2;
        }
        sipua__session_free(s, s->accept_extra);
        s->accept_extra = keep;
        s->accept_wanted = 1;
        sipua__timer_cancel(s->host->timers,
                            &s->t_noanswer); /* answered: only the PRACK is awaited */
        return 0;
    }
    return sipua__session_send_2xx(s, extra, nextra, NULL, (sipua_str){body, (size_t)blen});
}

int sipua_session_reject(sipua_session *s, const sipua_answer_opts *opts, sipua_time now)
{
    if (s && s->detached) /* its work is over, or the UA is gone */
        return SIPUA_ESTATE;
    if (!s)
        return SIPUA_EINVAL;
    sipua__session_touch(s, now);
    int code = opts && opts->status_code ? opts->status_code : 480;
    if (code < 300 || code > 699)
        return SIPUA_EINVAL;
    if (opts && !sipua__session_extra_headers_ok(opts->extra_headers, opts->n_extra_headers, NULL))
        return SIPUA_EINVAL;
    if (s->dir != SIPUA_DIRECTION_INCOMING || s->st != ST_PROCEEDING || s->final_given)
        return SIPUA_ESTATE;
    const char *reason = opts && opts->reason_phrase ? opts->reason_phrase : NULL;
    if (!reason) {
        switch (code) {
        case 480: reason = "Temporarily Unavailable"; break;
        case 486: reason = "Busy Here"; break;
        case 603: reason = "Decline"; break;
        case 404: reason = "Not Found"; break;
        case 488: reason = "Not Acceptable Here"; break;
        default: reason = "Rejected"; break;
        }
    }
    int r = sipua__session_send_invite_response(s, code, reason, opts ? opts->extra_headers : NULL,
                                                opts ? opts->n_extra_headers : 0, NULL,
                                                opts ? opts->body : (sipua_str){NULL, 0});
    if (r < 0)
        return r;
    sipua__session_emit(s, SIPUA_SESSION_EV_FAILED, NULL, code, sipua_cause_from_status(code), 0);
    return 0;
}

void sipua__session_on_cancel(sipua_session *s, sipua__txn *st, const sipua_msg *cancel,
                              const sipua_endpoint *from)
{
    (void)from;
    /* the CANCEL itself always gets 200 (RFC 3261 9.2) */
    char buf[2048];
    sipua_builder b;
    sipua_builder_init(&b, buf, sizeof buf);
    if (sipua_builder_response(&b, cancel, 200, SIPUA_STR("OK"), sipua__cstr(s->local_tag),
                               sipua__cstr(s->peer.host), s->peer.port) == 0) {
        sipua_builder_body(&b, (sipua_str){NULL, 0});
        int n = sipua_builder_finish(&b);
        if (n > 0)
            sipua__txn_server_respond(st, buf, (size_t)n, sipua__session_now(s));
    }
    if (s->st != ST_PROCEEDING || s->final_given)
        return; /* already answered: the CANCEL has no effect */
    sipua__session_send_invite_response(s, 487, "Request Terminated", NULL, 0, NULL,
                                        (sipua_str){NULL, 0});
    sipua__session_emit(s, SIPUA_SESSION_EV_CANCELED, cancel, 487, SIPUA_CAUSE_CANCELED, 0);
}

void sipua__session_respond_simple(sipua_session *s, sipua__txn *st, const sipua_msg *req, int code,
                                   const char *reason, const char *extra)
{
    char buf[2048];
    sipua_builder b;
    sipua_builder_init(&b, buf, sizeof buf);
    /* received and rport from where the request came (RFC 3261 18.2.1,
     * RFC 3581): the server transaction's destination */
    const sipua__txn_dest *src = sipua__txn_get_dest(st);
    if (sipua_builder_response(&b, req, code, sipua__cstr(reason), sipua__cstr(s->local_tag),
                               src ? sipua__cstr(src->host) : (sipua_str){NULL, 0},
                               src ? src->port : 0) != 0)
        return;
    sipua_builder_header(&b, SIPUA_STR("Server"), sipua__cstr(s->host->user_agent));
    if (extra)
        sipua_builder_raw(&b, sipua__cstr(extra));
    sipua_builder_body(&b, (sipua_str){NULL, 0});
    int n = sipua_builder_finish(&b);
    if (n > 0)
        sipua__txn_server_respond(st, buf, (size_t)n, sipua__session_now(s));
}

void sipua__session_on_request(sipua_session *s, sipua__txn *st, const sipua_msg *req,
                               const sipua_endpoint *from)
{
    (void)from;
    sipua_method m = sipua_msg_method(req);
    if (!s->dialog) {
        if (st)
            sipua__session_respond_simple(s, st, req, 481, "Call/Transaction Does Not Exist", NULL);
        return;
    }
    int r = sipua__dialog_recv_request(s->dialog, req);
    if (m == SIPUA_METHOD_ACK) {
        if (r == SIPUA_ENOTFOUND) {
            /* not for the last INVITE received (a later re-INVITE was
             * answered meanwhile, 500 or 491): still ours when its 2xx
             * waits for it */
            const sipua_cseq *c = sipua_msg_cseq(req), *ic = sipua_msg_cseq(s->invite);
            if (s->st == ST_ANSWERED && c && ic && c->number == ic->number) {
                r = 0;
            } else {
                sipua__reinvite_on_ack(s, req);
                return;
            }
        }
        if (r != 0)
            return; /* an ACK for another INVITE: dropped */
        if (s->st == ST_ANSWERED) {
            sipua__timer_cancel(s->host->timers, &s->t_2xx);
            s->st = ST_ESTABLISHED;
            drop_invite(s); /* answered and acknowledged: the bulk of a call's memory */
            /* the answer to a delayed offer comes in the ACK */
            if (!s->offer_in_invite && s->oa.state == SIPUA_SDP_OA_OFFER_SENT &&
                sipua__session_parse_sdp(s, req) == 0)
                sipua_sdp_oa_take_answer(&s->oa, s->sdp);
            if (s->bye_after_ack) {
                sipua__session_send_in_dialog(s, SIPUA_METHOD_BYE, NULL, 0, (sipua_str){NULL, 0},
                                              &s->bye_req);
                sipua__session_emit(s, SIPUA_SESSION_EV_TERMINATED, NULL, 0, SIPUA_CAUSE_BYE, 0);
            } else {
                sipua__refer_on_ack(s);
            }
            sipua__session_maybe_finished(s);
        } else {
            sipua__reinvite_on_ack(s, req); /* a re-INVITE's */
        }
        return;
    }
    if (!st)
        return;
    if (r == 500) {
        sipua__session_respond_simple(s, st, req, 500, "Server Internal Error",
                                      "Retry-After: 1\r\n");
        return;
    }
    if (r == SIPUA_ESTATE) {
        sipua__session_respond_simple(s, st, req, 481, "Call/Transaction Does Not Exist", NULL);
        return;
    }
    if (r < 0) {
        sipua__session_respond_simple(s, st, req, 400, "Bad Request", NULL);
        return;
    }
    switch (m) {
    case SIPUA_METHOD_BYE:
        sipua__session_respond_simple(s, st, req, 200, "OK", NULL);
        if (s->st == ST_PROCEEDING && !s->final_given) {
            /* the caller's BYE in the early dialog (RFC 3261 15): the
             * INVITE ends 487, as with a CANCEL */
            sipua__session_send_invite_response(s, 487, "Request Terminated", NULL, 0, NULL,
                                                (sipua_str){NULL, 0});
            sipua__session_emit(s, SIPUA_SESSION_EV_CANCELED, req, 487, SIPUA_CAUSE_CANCELED, 0);
            break;
        }
        if (s->st == ST_ANSWERED) {
            sipua__timer_cancel(s->host->timers, &s->t_2xx);
            s->st = ST_ESTABLISHED;
        }
        sipua__session_emit(s, SIPUA_SESSION_EV_TERMINATED, req, 0, SIPUA_CAUSE_BYE, 1);
        break;
    case SIPUA_METHOD_PRACK: sipua__prack_on_request(s, st, req); break;
    case SIPUA_METHOD_INVITE:
    case SIPUA_METHOD_UPDATE: sipua__reinvite_on_request(s, st, req); break;
    case SIPUA_METHOD_INFO: sipua__dtmf_on_info(s, st, req); break;
    case SIPUA_METHOD_REFER: sipua__refer_on_request(s, st, req); break;
    case SIPUA_METHOD_NOTIFY: sipua__refer_on_notify(s, st, req); break;
    case SIPUA_METHOD_OPTIONS: {
        char lines[256];
        snprintf(lines, sizeof lines,
                 "Allow: " SIPUA__SESSION_ALLOW "\r\n"
                 "Accept: application/sdp, application/dtmf-relay\r\n"
                 "Supported: %s\r\n",
                 s->host->supported);
        sipua__session_respond_simple(s, st, req, 200, "OK", lines);
        break;
    }
    default:
        sipua__session_respond_simple(s, st, req, 405, "Method Not Allowed",
                                      "Allow: " SIPUA__SESSION_ALLOW "\r\n");
        break;
    }
}

/* ------------------------------------------------------------------ */
/* Both sides                                                          */

int sipua_session_bye(sipua_session *s, const sipua_bye_opts *opts, sipua_time now)
{
    if (s && s->detached) /* its work is over, or the UA is gone */
        return SIPUA_ESTATE;
    if (!s)
        return SIPUA_EINVAL;
    sipua__session_touch(s, now);
    if (s->final_given || s->st != ST_ESTABLISHED || !s->dialog || s->bye_req)
        return SIPUA_ESTATE;
    if (opts && !sipua__session_extra_headers_ok(opts->extra_headers, opts->n_extra_headers, NULL))
        return SIPUA_EINVAL;
    const char *extra[9];
    size_t n = 0;
    char reason[256];
    if (opts) {
        for (size_t i = 0; i < opts->n_extra_headers && n < 8; i++)
            extra[n++] = opts->extra_headers[i];
        if (opts->status_code) {
            snprintf(reason, sizeof reason, "Reason: SIP;cause=%d;text=\"%s\"", opts->status_code,
                     opts->reason_phrase ? opts->reason_phrase : "");
            extra[n++] = reason;
        }
    }
    return sipua__session_send_in_dialog(s, SIPUA_METHOD_BYE, extra, n, (sipua_str){NULL, 0},
                                         &s->bye_req);
}

int sipua_session_terminate(sipua_session *s, sipua_time now)
{
    if (s && s->detached) /* its work is over, or the UA is gone */
        return SIPUA_ESTATE;
    if (!s)
        return SIPUA_EINVAL;
    sipua__session_touch(s, now);
    if (s->final_given)
        return SIPUA_ESTATE;
    if (s->dir == SIPUA_DIRECTION_OUTGOING) {
        if (s->st == ST_ESTABLISHED)
            return sipua_session_bye(s, NULL, now);
        return sipua_session_cancel(s, NULL, now);
    }
    switch (s->st) {
    case ST_PROCEEDING: return sipua_session_reject(s, NULL, now);
    case ST_ANSWERED: s->bye_after_ack = 1; return 0;
    case ST_ESTABLISHED: return sipua_session_bye(s, NULL, now);
    default: return SIPUA_ESTATE;
    }
}

sipua_time sipua_session_start_time(const sipua_session *s)
{
    return s ? s->start : 0;
}

sipua_time sipua_session_end_time(const sipua_session *s)
{
    return s ? s->end : 0;
}

const sipua_nameaddr *sipua_session_local_identity(const sipua_session *s)
{
    if (!s || !s->local_text.p)
        return NULL;
    if (!s->local_id) {
        /* parsed once already when the session was made: it parses */
        sipua_session *m = (sipua_session *)s; /* a cache, not a change */
        sipua_nameaddr *na = sipua__session_alloc(s, sizeof *na);
        if (!na || sipua_nameaddr_parse(s->local_text, na) != 0) {
            sipua__session_free(s, na);
            return NULL;
        }
        m->local_id = na;
    }
    return s->local_id;
}

const sipua_nameaddr *sipua_session_remote_identity(const sipua_session *s)
{
    return s ? &s->remote_id : NULL;
}

sipua_direction sipua_session_direction(const sipua_session *s)
{
    return s ? s->dir : SIPUA_DIRECTION_OUTGOING;
}

uint64_t sipua_session_id(const sipua_session *s)
{
    return s ? s->id : 0;
}

sipua_str sipua_session_call_id(const sipua_session *s)
{
    return s ? s->call_id : (sipua_str){NULL, 0};
}

int sipua_session_is_established(const sipua_session *s)
{
    return s && (s->st == ST_ESTABLISHED || s->st == ST_ANSWERED) && !s->final_given;
}

int sipua_session_is_ended(const sipua_session *s)
{
    return s && s->final_given;
}
