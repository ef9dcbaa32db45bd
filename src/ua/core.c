/* The user agent core: what arrives goes through framing, parsing, the
 * UAS's first look (inspect.c) and the transaction layer; requests are
 * answered by the minimal transaction user below; OPTIONS can be sent. See
 * include/sipua/ua.h. */
#include <stdio.h>
#include <string.h>

#include "base/timer.h"
#include "dialog/dialog.h"
#include "session/session.h"
#include "sipua/auth.h"
#include "sipua/ua.h"
#include "transport/conn.h"
#include "txn/txn.h"
#include "ua/challenge.h"
#include "ua/inspect.h"
#include "ua/reg.h"

/* A message for a connection that is not ready yet (a WebSocket upgrade
 * under way), sent on its READY event. */
typedef struct queued {
    struct queued *next;
    uint32_t conn;
    size_t len;
    char data[];
} queued;

/* An OPTIONS request waiting for its answer: the client transaction's user
 * pointer. */
typedef struct pending {
    sipua__owner owner;          /* OPTIONS: the client transaction's user */
    struct pending *prev, *next; /* the UA's list, freed with it */
    uint64_t id;
    sipua_time sent_at;
    sipua_endpoint to;
    sipua__txn *txn;
} pending;

struct sipua_ua {
    sipua_allocator a;
    sipua_ua_callbacks cb;
    void *user;
    sipua_ua_config cfg;
    char user_agent[64];
    char ws_path[256];
    /* our Supported value and option tags, and the 200 to an OPTIONS, as
     * the policies make them */
    char supported[40];
    const char *supported_tags[3];
    size_t nsupported;
    char options_headers[256];
    sipua__txn_layer *txn;
    sipua_msg *rx;    /* the message being received */
    sipua_msg *check; /* responses are parsed here before they leave */
    int in_callback;
    int busy; /* inside recv or advance */
    uint64_t next_id;
    sipua_ua_stats stats;
    sipua__conn_table *conns; /* stream connections: framing, WebSocket, keep-alives */
    queued *queue;            /* messages waiting for their connection */
    pending *pending;         /* OPTIONS requests not yet answered */
    sipua__dialog_table *dialogs;
    sipua_sdp *sdp;           /* the sessions' shared SDP parser */
    sipua__shared_caps *caps; /* the sessions' SDP capabilities, the latest */
    sipua__timer_heap timers; /* the sessions' own timers (2xx retransmission, no answer) */
    sipua__session_host host; /* what sessions get from the UA */
    uint64_t next_session;
    sipua_session **sessions; /* the UA's references, while sessions have work left */
    size_t nsessions, capsessions;
    sipua_session **done; /* released once no callback is running */
    size_t ndone, capdone;
    sipua_time now;
    char *tx; /* responses are built here */
    size_t txcap;
    int server_ok; /* the Server header (user_agent) parses whole */
    /* registrations (register.c) */
    sipua__regs *regs;
    sipua__creds creds;          /* Digest credentials for the sessions' requests */
    sipua__challenge *challenge; /* sipua_ua_require_auth() */
};

#define ALLOW_VALUE "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, PRACK, UPDATE, REFER, NOTIFY"
static const char allow_value[] = ALLOW_VALUE;

/* Methods the core serves: the others it knows get 405. */
#define SERVED                                                                                     \
    ((1u << SIPUA_METHOD_OPTIONS) | (1u << SIPUA_METHOD_CANCEL) | (1u << SIPUA_METHOD_ACK) |       \
     (1u << SIPUA_METHOD_INVITE) | (1u << SIPUA_METHOD_BYE) | (1u << SIPUA_METHOD_INFO) |          \
     (1u << SIPUA_METHOD_PRACK) | (1u << SIPUA_METHOD_UPDATE) | (1u << SIPUA_METHOD_REFER) |       \
     (1u << SIPUA_METHOD_NOTIFY))

/* ------------------------------------------------------------------ */
/* Small things                                                        */

const char *sipua_transport_name(sipua_transport t)
{
    switch (t) {
    case SIPUA_TRANSPORT_UDP: return "UDP";
    case SIPUA_TRANSPORT_TCP: return "TCP";
    case SIPUA_TRANSPORT_TLS: return "TLS";
    case SIPUA_TRANSPORT_WS: return "WS";
    case SIPUA_TRANSPORT_WSS: return "WSS";
    }
    return "?";
}

int sipua_transport_from_name(sipua_str name, sipua_transport *out)
{
    static const char *const names[] = {"udp", "tcp", "tls", "ws", "wss"};
    if (!out)
        return SIPUA_EINVAL;
    for (int i = 0; i < 5; i++) {
        if (sipua_str_caseeq(name, names[i])) {
            *out = (sipua_transport)i;
            return 0;
        }
    }
    return SIPUA_EINVAL;
}

int sipua_endpoint_set(sipua_endpoint *ep, sipua_transport t, const char *host, uint16_t port,
                       uint64_t conn)
{
    if (!ep || !host || (unsigned)t > SIPUA_TRANSPORT_WSS)
        return SIPUA_EINVAL;
    size_t n = strlen(host);
    if (n == 0 || n >= sizeof ep->host)
        return SIPUA_EINVAL;
    memset(ep, 0, sizeof *ep);
    ep->transport = t;
    memcpy(ep->host, host, n + 1);
    ep->port = port;
    ep->conn = conn;
    return 0;
}

void sipua_ua_config_init(sipua_ua_config *cfg)
{
    if (!cfg)
        return;
    memset(cfg, 0, sizeof *cfg);
    cfg->version = SIPUA_UA_CONFIG_VERSION;
    cfg->t1 = 500000;
    cfg->t2 = 4000000;
    cfg->t4 = 5000000;
    sipua_msg_limits_init(&cfg->limits);
}

int sipua_ua_config_listen(sipua_ua_config *cfg, const sipua_endpoint *ep)
{
    if (!cfg || !ep || cfg->nlisten >= SIPUA_UA_MAX_LISTEN || !ep->host[0] ||
        (unsigned)ep->transport > SIPUA_TRANSPORT_WSS)
        return SIPUA_EINVAL;
    for (size_t i = 0; i < cfg->nlisten; i++)
        if (cfg->listen[i].transport == ep->transport)
            return SIPUA_EINVAL;
    cfg->listen[cfg->nlisten++] = *ep;
    return 0;
}

static const sipua_endpoint *listen_for(const sipua_ua *ua, sipua_transport t)
{
    for (size_t i = 0; i < ua->cfg.nlisten; i++)
        if (ua->cfg.listen[i].transport == t)
            return &ua->cfg.listen[i];
    return NULL;
}

static void to_dest(const sipua_endpoint *ep, sipua__txn_dest *d)
{
    sipua__txn_dest_init(d, (sipua__transport_kind)ep->transport, ep->host, ep->port, ep->conn);
}

static void from_dest(const sipua__txn_dest *d, sipua_endpoint *ep)
{
    memset(ep, 0, sizeof *ep);
    ep->transport = (sipua_transport)d->kind;
    memcpy(ep->host, d->host, sizeof ep->host);
    ep->host[sizeof ep->host - 1] = 0;
    ep->port = d->port;
    ep->conn = d->conn_id;
}

/* The connection table's key for an endpoint (one listener per transport). */
static int key_of(const sipua_endpoint *ep, sipua__conn_key *key)
{
    memset(key, 0, sizeof *key);
    key->transport = (sipua__transport)ep->transport;
    key->listener = 0;
    char text[SIPUA_HOST_MAX + 8];
    snprintf(text, sizeof text, strchr(ep->host, ':') ? "[%s]:%u" : "%s:%u", ep->host,
             (unsigned)(ep->port ? ep->port : 1));
    return sipua__addr_parse((sipua_str){text, strlen(text)}, 0, &key->remote);
}

static void endpoint_of_key(const sipua__conn_key *key, uint32_t id, sipua_endpoint *ep)
{
    memset(ep, 0, sizeof *ep);
    ep->transport = (sipua_transport)key->transport;
    sipua__addr_format_ip(&key->remote, ep->host, sizeof ep->host);
    ep->port = key->remote.port;
    ep->conn = id;
}

static void emit(sipua_ua *ua, sipua_ua_event *ev)
{
    if (!ua->cb.event)
        return;
    ua->in_callback++;
    ua->cb.event(ua->user, ev);
    ua->in_callback--;
}

static void dropped(sipua_ua *ua, const sipua_endpoint *from, int error, const char *why)
{
    ua->stats.dropped++;
    sipua_ua_event ev = {.type = SIPUA_UA_EV_DROPPED, .error = error, .peer = from};
    if (why)
        ev.reason = (sipua_str){why, strlen(why)};
    emit(ua, &ev);
}

/* Lower-case hex of n random bytes, NUL-terminated (out holds 2n+1). */
static void random_hex(sipua_ua *ua, char *out, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    uint8_t r[32];
    if (n > sizeof r)
        n = sizeof r;
    ua->cb.random(ua->user, r, n);
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[r[i] >> 4];
        out[2 * i + 1] = hex[r[i] & 15];
    }
    out[2 * n] = 0;
}

static sipua_str cstr(const char *s)
{
    sipua_str r = {s, strlen(s)};
    return r;
}

/* Bytes to the wire: datagrams straight to the program, stream messages
 * through their connection (opened when there is none to reuse, RFC 3261
 * 18.1.1), held while a WebSocket upgrade is under way. */
static void trace(sipua_ua *ua, int outgoing, const sipua_endpoint *peer, const char *bytes,
                  size_t len)
{
    if (!ua->cb.trace || len < 4 || bytes[0] == '\r')
        return;
    ua->in_callback++;
    ua->cb.trace(ua->user, outgoing, peer, bytes, len);
    ua->in_callback--;
}

static int core_send(sipua_ua *ua, const sipua_endpoint *to, const char *bytes, size_t len)
{
    ua->stats.sent++;
    trace(ua, 1, to, bytes, len);
    if (to->transport == SIPUA_TRANSPORT_UDP) {
        ua->in_callback++;
        int r = ua->cb.send(ua->user, to, bytes, len);
        ua->in_callback--;
        return r;
    }
    uint32_t id = to->conn <= UINT32_MAX ? (uint32_t)to->conn : 0;
    sipua__conn_key key;
    if (key_of(to, &key) != 0)
        return SIPUA_EINVAL;
    if (!id || !sipua__conn_key_of(ua->conns, id)) {
        /* the connection is gone or was never named: one to the same peer */
        id = sipua__conn_find_remote(ua->conns, key.transport, &key.remote);
    }
    if (!id) {
        int r = sipua__conn_open(ua->conns, &key, 1, ua->now, &id);
        if (r)
            return r;
        if (ua->cfg.keepalive > 0)
            sipua__conn_set_keepalive(ua->conns, id, ua->cfg.keepalive, ua->now);
        if (to->transport == SIPUA_TRANSPORT_WS || to->transport == SIPUA_TRANSPORT_WSS) {
            char host[SIPUA_HOST_MAX + 8];
            snprintf(host, sizeof host, strchr(to->host, ':') ? "[%s]:%u" : "%s:%u", to->host,
                     (unsigned)to->port);
            const char *path = ua->cfg.ws_path ? ua->cfg.ws_path : "/";
            r = sipua__conn_ws_connect(ua->conns, id, (sipua_str){host, strlen(host)},
                                       (sipua_str){path, strlen(path)}, (sipua_str){NULL, 0},
                                       ua->now);
            if (r) {
                sipua__conn_close(ua->conns, id);
                return r;
            }
        }
    }
    if (sipua__conn_is_ready(ua->conns, id))
        return sipua__conn_send(ua->conns, id, (const uint8_t *)bytes, len, ua->now);
    queued *q = ua->a.alloc(sizeof *q + len, ua->a.user);
    if (!q)
        return SIPUA_ENOMEM;
    q->conn = id;
    q->len = len;
    memcpy(q->data, bytes, len);
    q->next = NULL;
    queued **tail = &ua->queue;
    while (*tail)
        tail = &(*tail)->next;
    *tail = q;
    return 0;
}

static void fail_requests_to(sipua_ua *ua, const sipua_endpoint *to, int err);

/* The connection table's callbacks. */
static void conn_send_cb(void *user, uint32_t id, const uint8_t *data, size_t len)
{
    sipua_ua *ua = user;
    const sipua__conn_key *key = sipua__conn_key_of(ua->conns, id);
    if (!key)
        return;
    sipua_endpoint to;
    endpoint_of_key(key, id, &to);
    ua->in_callback++;
    ua->cb.send(ua->user, &to, (const char *)data, len);
    ua->in_callback--;
}

static void conn_random_cb(void *user, uint8_t *out, size_t len)
{
    sipua_ua *ua = user;
    ua->cb.random(ua->user, out, len);
}

static void handle_message(sipua_ua *ua, const sipua_endpoint *from, const char *bytes, size_t len,
                           int flags);

static void conn_event_cb(void *user, const sipua__conn_event *ev)
{
    sipua_ua *ua = user;
    sipua_endpoint peer;
    endpoint_of_key(ev->key, ev->id, &peer);
    if (ev->kind == SIPUA__CONN_EV_MESSAGE) {
        /* a whole message: framed by Content-Length, or one WebSocket
         * message, where Content-Length may be absent (RFC 7118 5) */
        int ws = peer.transport == SIPUA_TRANSPORT_WS || peer.transport == SIPUA_TRANSPORT_WSS;
        handle_message(ua, &peer, ev->data.p, ev->data.len,
                       ws ? SIPUA_PARSE_DATAGRAM : SIPUA_PARSE_STREAM);
        return;
    }
    queued **pq = &ua->queue;
    int lost = 0;
    while (*pq) {
        queued *q = *pq;
        if (q->conn != ev->id) {
            pq = &q->next;
            continue;
        }
        *pq = q->next;
        if (ev->kind == SIPUA__CONN_EV_READY)
            sipua__conn_send(ua->conns, ev->id, (const uint8_t *)q->data, q->len, ua->now);
        else
            lost = 1;
        ua->a.free(q, ua->a.user);
    }
    if (ev->kind != SIPUA__CONN_EV_CLOSED)
        return;
    if (lost || ev->reason == SIPUA__CONN_CLOSE_HANDSHAKE) {
        /* what was waiting for the connection cannot go (RFC 3261 17.1.4) */
        sipua_endpoint to = peer;
        to.conn = 0;
        fail_requests_to(ua, &to, SIPUA_EIO);
    }
    if (ev->reason == SIPUA__CONN_CLOSE_FRAMING)
        dropped(ua, &peer, SIPUA_EPARSE, "stream cannot be framed");
    sipua__regs_connection_closed(ua->regs, &peer);
    sipua_ua_event e = {.type = SIPUA_UA_EV_CLOSE_CONNECTION, .conn = ev->id, .peer = &peer};
    emit(ua, &e);
}

/* ------------------------------------------------------------------ */
/* Responses (RFC 3261 8.2.6)                                          */

/* Writes the response to request m into ua->tx; returns its length or an
 * error. `extra` is zero or more whole header lines (with CRLFs). `echoed`:
 * m passed echo_safe() and `extra` holds only the core's own constant
 * lines, so the response is well formed by construction. */
static int build_response(sipua_ua *ua, const sipua_msg *m, const sipua_endpoint *from, int code,
                          const char *reason, const char *extra, int echoed)
{
    sipua_builder b;
    sipua_builder_init(&b, ua->tx, ua->txcap);
    char tag[17];
    random_hex(ua, tag, 8);
    int r =
        sipua_builder_response(&b, m, code, cstr(reason), cstr(tag), cstr(from->host), from->port);
    if (r)
        return r;
    sipua_builder_header(&b, SIPUA_STR("Server"), cstr(ua->user_agent));
    if (extra)
        sipua_builder_raw(&b, cstr(extra));
    sipua_builder_body(&b, (sipua_str){"", 0});
    int n = sipua_builder_finish(&b);
    if (n < 0)
        return n;
    /* What is copied from the request (Via, From, To, Call-ID, CSeq) came
     * from a message that may not have parsed whole: the response leaves
     * only if every header of it parses, unless echo_safe() checked those
     * once already. */
    if (echoed && ua->server_ok)
        return n;
    if (sipua_msg_parse(ua->check, ua->tx, (size_t)n, SIPUA_PARSE_DATAGRAM) != n ||
        sipua_msg_parse_all(ua->check) != 0)
        return SIPUA_EPARSE;
    return n;
}

/* The extra header lines a verdict asks for, into buf. */
static const char *verdict_headers(const sipua__verdict *v, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = 0;
    if (v->add_allow)
        n += (size_t)snprintf(buf + n, cap - n, "Allow: %s\r\n", allow_value);
    if (v->add_accept && n < cap)
        n += (size_t)snprintf(buf + n, cap - n,
                              "Accept: application/sdp, application/dtmf-relay\r\n");
    if (v->add_unsupported && n < cap) {
        n += (size_t)snprintf(buf + n, cap - n, "Unsupported: ");
        for (size_t i = 0; i < v->nunsupported && n < cap; i++)
            n += (size_t)snprintf(buf + n, cap - n, "%s%.*s", i ? ", " : "",
                                  (int)v->unsupported[i].len, v->unsupported[i].p);
        if (n < cap)
            n += (size_t)snprintf(buf + n, cap - n, "\r\n");
    }
    if (n >= cap)
        buf[0] = 0; /* cannot happen with the sizes used */
    return buf;
}

static void answered(sipua_ua *ua, const sipua_msg *m, const sipua_endpoint *from, int code,
                     const char *reason)
{
    ua->stats.requests_answered++;
    if (code == 400)
        ua->stats.answered_400++;
    sipua_ua_event ev = {.type = SIPUA_UA_EV_REQUEST_ANSWERED,
                         .status = code,
                         .reason = cstr(reason),
                         .method = sipua_msg_method(m),
                         .msg = m,
                         .peer = from};
    emit(ua, &ev);
}

/* A response outside any transaction: to a request that did not parse. */
static void respond_stateless(sipua_ua *ua, const sipua_msg *m, const sipua_endpoint *from,
                              int code, const char *reason)
{
    int n = build_response(ua, m, from, code, reason, NULL, 0);
    if (n < 0) {
        dropped(ua, from, n, n == SIPUA_ENOSPC ? "response did not fit" : "cannot be answered");
        return;
    }
    core_send(ua, from, ua->tx, (size_t)n);
    answered(ua, m, from, code, reason);
}

static void respond_txn(sipua_ua *ua, sipua__txn *st, const sipua_msg *m,
                        const sipua_endpoint *from, int code, const char *reason, const char *extra,
                        int echoed)
{
    int n = build_response(ua, m, from, code, reason, extra, echoed);
    if (n < 0) {
        dropped(ua, from, n, n == SIPUA_ENOSPC ? "response did not fit" : "cannot be answered");
        sipua__txn_terminate(st);
        return;
    }
    if (sipua__txn_server_respond(st, ua->tx, (size_t)n, ua->now) == 0)
        answered(ua, m, from, code, reason);
}

/* ------------------------------------------------------------------ */
/* The transaction user                                                */

static int txn_send(void *user, const sipua__txn_dest *dest, const char *bytes, size_t len)
{
    sipua_ua *ua = user;
    sipua_endpoint to;
    from_dest(dest, &to);
    return core_send(ua, &to, bytes, len);
}

static void txn_random(void *user, uint8_t *buf, size_t len)
{
    sipua_ua *ua = user;
    ua->cb.random(ua->user, buf, len);
}

/* The headers a response copies from its request parse: every Via value
 * (the top one is checked on arrival), the URIs of From and To, and for an
 * INVITE the Record-Route values a dialog-creating response echoes. Only
 * the eager headers are checked on arrival; a response carrying a broken
 * copy would be refused by the peer, or worse. */
static int echo_safe(const sipua_msg *m)
{
    uint64_t it = 0;
    sipua_str val;
    int first = 1;
    while (sipua_msg_next_value(m, SIPUA_HDR_VIA, &it, &val)) {
        sipua_via via;
        if (!first && sipua_via_parse(val, &via) != 0)
            return 0;
        first = 0;
    }
    if (!sipua_msg_from(m) || !sipua_msg_to(m))
        return 0;
    if (sipua_msg_method(m) == SIPUA_METHOD_INVITE) {
        it = 0;
        while (sipua_msg_next_value(m, SIPUA_HDR_RECORD_ROUTE, &it, &val)) {
            sipua_nameaddr na;
            if (sipua_nameaddr_parse(val, &na) != 0)
                return 0;
        }
    }
    return 1;
}

static void session_track(sipua_ua *ua, sipua_session *s);

static void txn_request(void *user, sipua__txn *st, const sipua_msg *m, const sipua__txn_dest *src)
{
    sipua_ua *ua = user;
    sipua_endpoint from;
    from_dest(src, &from);
    sipua_method method = sipua_msg_method(m);
    const sipua_nameaddr *to = sipua_msg_to(m);
    int in_dialog = to && to->tag.p;
    if (!st) {
        /* an ACK to a 2xx: the dialog's (RFC 3261 13.3.1.4) */
        sipua__dialog *d = sipua__dialog_table_match(ua->dialogs, m);
        sipua_session *s = d ? sipua__dialog_get_user(d) : NULL;
        if (s)
            sipua__session_on_request(s, NULL, m, &from);
        return;
    }
    /* 100rel: the sessions send and take reliable provisionals (RFC
     * 3262); timer: session timers (RFC 4028); replaces: RFC 3891 (as the
     * policies allow); bodies: SDP, DTMF in INFO, message/sipfrag in
     * NOTIFY (RFC 3515) */
    static const char *const types[] = {"application/sdp", "application/dtmf-relay",
                                        "message/sipfrag"};
    sipua__uas_policy pol = {.allowed_methods = SERVED,
                             .supported = ua->supported_tags,
                             .nsupported = ua->nsupported,
                             .accepted_types = types,
                             .naccepted = 3};
    sipua__verdict v;
    sipua__uas_inspect(m, 1, &pol, &v);
    char extra[512];
    if (v.action == SIPUA_ACT_RESPOND) {
        respond_txn(ua, st, m, &from, v.status, v.reason, verdict_headers(&v, extra, sizeof extra),
                    0);
        return;
    }
    if (v.action == SIPUA_ACT_DROP) {
        dropped(ua, &from, SIPUA_EPARSE, v.why);
        sipua__txn_terminate(st);
        return;
    }
    if (!echo_safe(m)) {
        /* what a response copies does not parse: answered 400 if even
         * that can be made valid, else dropped */
        respond_txn(ua, st, m, &from, 400, "Bad Request (malformed Via, From, To or Record-Route)",
                    NULL, 0);
        return;
    }
    if (method == SIPUA_METHOD_CANCEL) {
        sipua__txn *inv = sipua__txn_find_invite_for_cancel(ua->txn, m);
        sipua_session *s = inv ? sipua__session_of_server_txn(inv) : NULL;
        if (s)
            sipua__session_on_cancel(s, st, m, &from);
        else if (inv) /* answered, its session over: the CANCEL still gets 200 (RFC 3261 9.2) */
            respond_txn(ua, st, m, &from, 200, "OK", NULL, 1);
        else
            respond_txn(ua, st, m, &from, 481, "Call/Transaction Does Not Exist", NULL, 1);
        return;
    }
    if (in_dialog) {
        sipua__dialog *d = sipua__dialog_table_match(ua->dialogs, m);
        sipua_session *s = d ? sipua__dialog_get_user(d) : NULL;
        if (s)
            sipua__session_on_request(s, st, m, &from);
        else
            respond_txn(ua, st, m, &from, 481, "Call/Transaction Does Not Exist", NULL, 1);
        return;
    }
    switch (method) {
    case SIPUA_METHOD_OPTIONS:
        respond_txn(ua, st, m, &from, 200, "OK", ua->options_headers, 1);
        break;
    case SIPUA_METHOD_INVITE: {
        if (ua->cfg.rel100 == SIPUA_100REL_REQUIRED &&
            !sipua_msg_has_option(m, SIPUA_HDR_SUPPORTED, "100rel") &&
            !sipua_msg_has_option(m, SIPUA_HDR_REQUIRE, "100rel")) {
            /* RFC 3262 3: we answer with reliable provisionals only */
            respond_txn(ua, st, m, &from, 421, "Extension Required", "Require: 100rel\r\n", 1);
            break;
        }
        if (ua->challenge &&
            sipua__challenge_check(ua->challenge, m, ua->now, extra, sizeof extra) != 0) {
            respond_txn(ua, st, m, &from, 401, "Unauthorized", extra, 1);
            break;
        }
        sipua_session *s = sipua__session_incoming(&ua->host, ++ua->next_session, st, m, &from);
        if (!s)
            break; /* answered already (bad offer), or out of memory: 100 then timer */
        session_track(ua, s);
        sipua_ua_event ev = {.type = SIPUA_UA_EV_INVITE, .session = s, .msg = m, .peer = &from};
        emit(ua, &ev);
        sipua__session_started(s);
        break;
    }
    default:
        /* BYE, INFO outside a dialog */
        respond_txn(ua, st, m, &from, 481, "Call/Transaction Does Not Exist", NULL, 1);
        break;
    }
}

static sipua_str header_values(const sipua_msg *m, sipua_hdr_id id)
{
    const sipua_hdr *h = sipua_msg_find(m, id, NULL);
    return h ? h->value : (sipua_str){NULL, 0};
}

static void pending_free(sipua_ua *ua, pending *p)
{
    if (p->prev)
        p->prev->next = p->next;
    else
        ua->pending = p->next;
    if (p->next)
        p->next->prev = p->prev;
    ua->a.free(p, ua->a.user);
}

static pending *pending_of(sipua__txn *t)
{
    sipua__owner *o = sipua__txn_get_user(t);
    return o && o->kind == SIPUA__OWNER_OPTIONS ? (pending *)o : NULL;
}

static void txn_response(void *user, sipua__txn *ct, const sipua_msg *m)
{
    sipua_ua *ua = user;
    if (sipua__reg_on_response(ct, m))
        return;
    pending *p = pending_of(ct);
    if (!p) {
        sipua__session_on_response(ct, m);
        return;
    }
    int status = sipua_msg_status(m);
    if (status < 200)
        return;
    sipua_ua_event ev = {.type = SIPUA_UA_EV_OPTIONS_RESULT,
                         .request_id = p->id,
                         .status = status,
                         .reason = sipua_msg_reason(m),
                         .allow = header_values(m, SIPUA_HDR_ALLOW),
                         .supported = header_values(m, SIPUA_HDR_SUPPORTED),
                         .rtt_us = ua->now - p->sent_at,
                         .msg = m,
                         .peer = &p->to};
    emit(ua, &ev);
    /* answered: no event when the transaction ends */
    sipua__txn_set_user(ct, NULL);
    pending_free(ua, p);
}

static void txn_failed(sipua_ua *ua, sipua__txn *t, int err)
{
    if (sipua__reg_on_failure(t, err))
        return;
    pending *p = pending_of(t);
    if (!p) {
        if (err == SIPUA_ETIMEDOUT)
            sipua__session_on_timeout(t);
        else
            sipua__session_on_transport_error(t, err);
        return;
    }
    sipua_ua_event ev = {
        .type = SIPUA_UA_EV_OPTIONS_RESULT, .request_id = p->id, .error = err, .peer = &p->to};
    emit(ua, &ev);
    sipua__txn_set_user(t, NULL);
    pending_free(ua, p);
}

static void txn_timeout(void *user, sipua__txn *t)
{
    txn_failed(user, t, SIPUA_ETIMEDOUT);
}

static void txn_transport_error(void *user, sipua__txn *t, int err)
{
    txn_failed(user, t, err ? err : SIPUA_EIO);
}

static void txn_terminated(void *user, sipua__txn *t)
{
    sipua_ua *ua = user;
    if (sipua__reg_on_terminated(t))
        return;
    pending *p = pending_of(t);
    if (p) { /* ended without an answer or a failure: cannot happen, but free */
        sipua__txn_set_user(t, NULL);
        pending_free(ua, p);
        return;
    }
    sipua__session_on_txn_terminated(t);
}

/* ------------------------------------------------------------------ */
/* Sessions                                                            */

static int grow(sipua_ua *ua, sipua_session ***arr, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? 2 * *cap : 16;
    sipua_session **n = ua->a.realloc(*arr, c * sizeof *n, ua->a.user);
    if (!n)
        return SIPUA_ENOMEM;
    *arr = n;
    *cap = c;
    return 0;
}

static void session_track(sipua_ua *ua, sipua_session *s)
{
    if (grow(ua, &ua->sessions, &ua->capsessions, ua->nsessions + 1) == 0)
        ua->sessions[ua->nsessions++] = sipua_session_ref(s);
    sipua_session_unref(s); /* the creator's: the UA's list holds it now */
}

/* A session has nothing left to do: the UA's reference goes, once no
 * callback is running. */
static void host_finished(void *ctx, sipua_session *s)
{
    sipua_ua *ua = ctx;
    for (size_t i = 0; i < ua->nsessions; i++) {
        if (ua->sessions[i] == s) {
            ua->sessions[i] = ua->sessions[--ua->nsessions];
            if (grow(ua, &ua->done, &ua->capdone, ua->ndone + 1) == 0)
                ua->done[ua->ndone++] = s;
            else
                sipua_session_unref(s);
            return;
        }
    }
}

static void release_done(sipua_ua *ua)
{
    while (ua->ndone) {
        sipua_session *s = ua->done[--ua->ndone];
        sipua__session_release(s);
        sipua_session_unref(s);
    }
}

static int host_send(void *ctx, const sipua_endpoint *to, const char *bytes, size_t len)
{
    return core_send(ctx, to, bytes, len);
}

static void host_random(void *ctx, uint8_t *buf, size_t len)
{
    sipua_ua *ua = ctx;
    ua->cb.random(ua->user, buf, len);
}

static const sipua_endpoint *host_identity(void *ctx, sipua_transport t)
{
    return listen_for(ctx, t);
}

static void host_emit(void *ctx, sipua_ua_event *ev)
{
    emit(ctx, ev);
}

/* RFC 5626 4.4.1 on a registration's flow: the connection to peer is
 * pinged every interval (the shorter of it and the UA's own keepalive);
 * interval 0 gives it back the UA's own. */
static void host_flow_keepalive(void *ctx, const sipua_endpoint *peer, sipua_time interval)
{
    sipua_ua *ua = ctx;
    sipua__conn_key key;
    if (peer->transport == SIPUA_TRANSPORT_UDP || key_of(peer, &key) != 0)
        return;
    uint32_t id = peer->conn <= UINT32_MAX ? (uint32_t)peer->conn : 0;
    if (!id || !sipua__conn_key_of(ua->conns, id))
        id = sipua__conn_find_remote(ua->conns, key.transport, &key.remote);
    if (!id)
        return;
    if (ua->cfg.keepalive > 0 && (interval == 0 || ua->cfg.keepalive < interval))
        interval = ua->cfg.keepalive;
    sipua__conn_set_keepalive(ua->conns, id, interval, ua->now);
}

static int host_reg_contact(void *ctx, sipua_str local, int anonymous, sipua_transport t, char *out,
                            size_t cap)
{
    sipua_ua *ua = ctx;
    return sipua__regs_session_contact(ua->regs, local, anonymous, t, out, cap);
}

sipua__regs *sipua__ua_regs(sipua_ua *ua, sipua_time now)
{
    if (!ua)
        return NULL;
    if (now && !ua->busy && !ua->in_callback)
        ua->now = now;
    return ua->regs;
}

int sipua_invite(sipua_ua *ua, sipua_str target, const sipua_endpoint *next_hop,
                 const sipua_invite_opts *opts, sipua_session_cb cb, void *user, sipua_time now,
                 sipua_session **out)
{
    if (!ua || !out || !next_hop || (unsigned)next_hop->transport > SIPUA_TRANSPORT_WSS)
        return SIPUA_EINVAL;
    if (!ua->busy && !ua->in_callback)
        ua->now = now;
    sipua_session *s;
    int r =
        sipua__session_invite(&ua->host, ++ua->next_session, target, next_hop, opts, cb, user, &s);
    if (r)
        return r;
    /* the application's reference, and the UA's while the call has work */
    if (grow(ua, &ua->sessions, &ua->capsessions, ua->nsessions + 1) == 0)
        ua->sessions[ua->nsessions++] = sipua_session_ref(s);
    *out = s;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Life                                                                */

/* Whether the Server header every response carries parses whole: checked
 * once here rather than in every response. */
static int server_header_ok(sipua_ua *ua)
{
    sipua_builder b;
    sipua_builder_init(&b, ua->tx, ua->txcap);
    sipua_builder_raw(&b, SIPUA_STR("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\n"
                                    "From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\n"
                                    "Call-ID: c\r\nCSeq: 1 OPTIONS\r\n"));
    sipua_builder_header(&b, SIPUA_STR("Server"), cstr(ua->user_agent));
    sipua_builder_body(&b, (sipua_str){"", 0});
    int n = sipua_builder_finish(&b);
    return n > 0 && sipua_msg_parse(ua->check, ua->tx, (size_t)n, SIPUA_PARSE_DATAGRAM) == n &&
           sipua_msg_parse_all(ua->check) == 0;
}

/* What the policies make: the intervals' defaults, our option tags and
 * Supported value, the 200 to an OPTIONS. */
static void policies(sipua_ua *ua)
{
    sipua_ua_config *c = &ua->cfg;
    if (!c->min_se)
        c->min_se = 90;
    if (!c->session_expires)
        c->session_expires = c->min_se > 1800 ? c->min_se : 1800;
    ua->nsupported = 0;
    if (c->rel100 != SIPUA_100REL_DISABLED)
        ua->supported_tags[ua->nsupported++] = "100rel";
    if (c->session_timer != SIPUA_TIMER_DISABLED)
        ua->supported_tags[ua->nsupported++] = "timer";
    ua->supported_tags[ua->nsupported++] = "replaces";
    size_t n = 0;
    ua->supported[0] = 0;
    for (size_t i = 0; i < ua->nsupported; i++)
        n += (size_t)snprintf(ua->supported + n, sizeof ua->supported - n, "%s%s", i ? ", " : "",
                              ua->supported_tags[i]);
    snprintf(ua->options_headers, sizeof ua->options_headers,
             "Allow: " ALLOW_VALUE "\r\nAccept: application/sdp\r\n"
             "Accept-Language: en\r\nSupported: %s\r\n",
             ua->supported);
}

int sipua_ua_new(const sipua_ua_config *cfg, const sipua_ua_callbacks *cb, void *user,
                 const sipua_allocator *alloc, sipua_ua **out)
{
    if (!out || !cb || !cb->send || !cb->random || cb->version != SIPUA_UA_CALLBACKS_VERSION)
        return SIPUA_EINVAL;
    *out = NULL;
    sipua_ua_config defaults;
    if (!cfg) {
        sipua_ua_config_init(&defaults);
        cfg = &defaults;
    }
    if (cfg->version != SIPUA_UA_CONFIG_VERSION || cfg->nlisten > SIPUA_UA_MAX_LISTEN ||
        (unsigned)cfg->rel100 > SIPUA_100REL_DISABLED ||
        (unsigned)cfg->session_timer > SIPUA_TIMER_DISABLED ||
        (cfg->min_se && (cfg->min_se < 90 || cfg->min_se > 86400)) ||
        cfg->session_expires > 86400 ||
        (cfg->session_expires && cfg->session_expires < (cfg->min_se ? cfg->min_se : 90)))
        return SIPUA_EINVAL;
    const sipua_allocator *a = alloc ? alloc : sipua_default_allocator();
    sipua_ua *ua = a->alloc(sizeof *ua, a->user);
    if (!ua)
        return SIPUA_ENOMEM;
    memset(ua, 0, sizeof *ua);
    ua->a = *a;
    ua->cb = *cb;
    ua->user = user;
    ua->cfg = *cfg;
    snprintf(ua->user_agent, sizeof ua->user_agent, "%s",
             cfg->user_agent ? cfg->user_agent : "sipua/" SIPUA_VERSION_STRING);
    ua->cfg.user_agent = ua->user_agent;
    snprintf(ua->ws_path, sizeof ua->ws_path, "%s", cfg->ws_path ? cfg->ws_path : "/");
    ua->cfg.ws_path = ua->ws_path;
    policies(ua);
    ua->next_id = 1;
    ua->txcap = cfg->limits.max_message ? cfg->limits.max_message : 65535;
    ua->tx = a->alloc(ua->txcap, a->user);
    ua->rx = sipua_msg_new(&cfg->limits, a);
    ua->check = sipua_msg_new(&cfg->limits, a);
    sipua__txn_config tc;
    sipua__txn_config_init(&tc);
    if (cfg->t1)
        tc.t1 = cfg->t1;
    if (cfg->t2)
        tc.t2 = cfg->t2;
    if (cfg->t4)
        tc.t4 = cfg->t4;
    tc.timer_d = 64 * tc.t1 > 32000000 ? 64 * tc.t1 : 32000000;
    sipua__txn_callbacks tcb = {.send = txn_send,
                                .request = txn_request,
                                .response = txn_response,
                                .timeout = txn_timeout,
                                .transport_error = txn_transport_error,
                                .terminated = txn_terminated,
                                .random = txn_random};
    ua->txn = sipua__txn_layer_new(&tc, &tcb, ua, a);
    sipua__conn_opts co;
    sipua__conn_opts_init(&co);
    co.limits = cfg->limits;
    static const sipua__conn_callbacks ccb = {conn_send_cb, conn_event_cb, conn_random_cb};
    ua->conns = sipua__conn_table_new(&co, &ccb, ua, a);
    uint64_t seed;
    cb->random(user, (uint8_t *)&seed, sizeof seed);
    ua->dialogs = sipua__dialog_table_new(a, seed);
    ua->sdp = sipua_sdp_new(NULL, a);
    sipua__timer_heap_init(&ua->timers, &ua->a);
    ua->host = (sipua__session_host){
        .ctx = ua,
        .txn = ua->txn,
        .dialogs = ua->dialogs,
        .timers = &ua->timers,
        .alloc = &ua->a,
        .sdp = ua->sdp,
        .now = &ua->now,
        .user_agent = ua->user_agent,
        .creds = &ua->creds,
        .t1 = tc.t1,
        .t2 = tc.t2,
        .rel100 = (int)cfg->rel100,
        .session_timer = (int)cfg->session_timer,
        .session_expires = ua->cfg.session_expires,
        .min_se = ua->cfg.min_se,
        .supported = ua->supported,
        .no_answer_timeout = cfg->no_answer_timeout ? cfg->no_answer_timeout : 60000000,
        .rtp_port_base = cfg->rtp_port_base ? cfg->rtp_port_base : 20000,
        .caps = &ua->caps,
        .send = host_send,
        .random = host_random,
        .identity = host_identity,
        .finished = host_finished,
        .reg_contact = host_reg_contact};
    ua->regs = sipua__regs_new(&(sipua__reg_host){.ctx = ua,
                                                  .txn = ua->txn,
                                                  .timers = &ua->timers,
                                                  .alloc = &ua->a,
                                                  .now = &ua->now,
                                                  .user_agent = ua->user_agent,
                                                  .random = host_random,
                                                  .identity = host_identity,
                                                  .emit = host_emit,
                                                  .flow_keepalive = host_flow_keepalive});
    if (!ua->tx || !ua->rx || !ua->check || !ua->txn || !ua->conns || !ua->dialogs || !ua->sdp ||
        !ua->regs) {
        sipua_ua_free(ua);
        return SIPUA_ENOMEM;
    }
    ua->server_ok = server_header_ok(ua);
    *out = ua;
    return 0;
}

static void release_txn_owner(sipua__txn *t, void *arg)
{
    (void)arg;
    sipua__owner *o = sipua__txn_get_user(t);
    if (o && o->kind != SIPUA__OWNER_OPTIONS) /* OPTIONS: the pending list frees them */
        sipua__session_on_txn_terminated(t);
}

static void free_pending(sipua_ua *ua)
{
    while (ua->pending) {
        if (ua->pending->txn) /* still running: it must not point here any more */
            sipua__txn_set_user(ua->pending->txn, NULL);
        pending_free(ua, ua->pending);
    }
}

void sipua_ua_free(sipua_ua *ua)
{
    if (!ua || ua->in_callback)
        return;
    free_pending(ua);
    sipua__regs_free(ua->regs); /* before the timers and transactions go */
    ua->regs = NULL;
    release_done(ua);
    for (size_t i = 0; i < ua->nsessions; i++)
        sipua__session_detach(ua->sessions[i]);
    /* transactions still running hold references to their sessions: let
     * go of them (the transactions go without callbacks below) */
    sipua__txn_layer_each(ua->txn, release_txn_owner, ua);
    for (size_t i = 0; i < ua->nsessions; i++)
        sipua_session_unref(ua->sessions[i]);
    ua->a.free(ua->sessions, ua->a.user);
    ua->a.free(ua->done, ua->a.user);
    sipua__txn_layer_free(ua->txn);
    sipua__dialog_table_free(ua->dialogs);
    sipua_sdp_free(ua->sdp);
    sipua__shared_caps_unref(ua->caps);
    sipua__timer_heap_free(&ua->timers);
    sipua_msg_free(ua->rx);
    sipua_msg_free(ua->check);
    sipua__conn_table_free(ua->conns);
    while (ua->queue) {
        queued *q = ua->queue;
        ua->queue = q->next;
        ua->a.free(q, ua->a.user);
    }
    ua->a.free(ua->tx, ua->a.user);
    sipua__creds_clear(&ua->creds, &ua->a);
    sipua__challenge_free(ua->challenge, &ua->a);
    ua->a.free(ua, ua->a.user);
}

int sipua_ua_require_auth(sipua_ua *ua, const char *realm, sipua_digest_alg alg,
                          sipua_password_cb cb, void *user)
{
    if (!ua)
        return SIPUA_EINVAL;
    if (!cb) {
        sipua__challenge_free(ua->challenge, &ua->a);
        ua->challenge = NULL;
        return 0;
    }
    if (!realm || !*realm || strlen(realm) >= 128 || strpbrk(realm, "\"\r\n\\") ||
        !sipua_digest_alg_name(alg))
        return SIPUA_EINVAL;
    uint8_t secret[32];
    ua->cb.random(ua->user, secret, sizeof secret);
    sipua__challenge *c = sipua__challenge_new(&ua->a, realm, alg, cb, user, secret);
    memset(secret, 0, sizeof secret);
    if (!c)
        return SIPUA_ENOMEM;
    sipua__challenge_free(ua->challenge, &ua->a);
    ua->challenge = c;
    return 0;
}

int sipua_ua_set_credentials(sipua_ua *ua, const char *realm, const char *user,
                             const char *password)
{
    if (!ua)
        return SIPUA_EINVAL;
    return sipua__creds_set(&ua->creds, &ua->a, realm, user, password);
}

/* ------------------------------------------------------------------ */
/* Input                                                               */

/* One whole message from `from`. */
static void handle_message(sipua_ua *ua, const sipua_endpoint *from, const char *bytes, size_t len,
                           int flags)
{
    trace(ua, 0, from, bytes, len);
    int r = sipua_msg_parse(ua->rx, bytes, len, flags);
    const sipua_msg *m = ua->rx;
    if (r > 0)
        ua->stats.received++;
    if (r < 0) {
        const sipua_msg_error *e = sipua_msg_get_error(m);
        sipua__verdict v;
        sipua__uas_inspect(m, r, NULL, &v);
        if (v.action == SIPUA_ACT_RESPOND && sipua_msg_is_request(m) && sipua_msg_cseq(m) &&
            sipua_msg_call_id(m).p && sipua_msg_from(m) && sipua_msg_to(m)) {
            /* the reason phrase names the fault (DESIGN: "Messages") */
            char reason[128];
            snprintf(reason, sizeof reason, "%s (%s)", v.reason,
                     e && e->reason ? e->reason : "malformed request");
            respond_stateless(ua, m, from, v.status, reason);
        } else {
            dropped(ua, from, r, e && e->reason ? e->reason : "malformed message");
        }
        return;
    }
    sipua__txn_dest src;
    to_dest(from, &src);
    int t = sipua__txn_layer_recv(ua->txn, m, &src, ua->now);
    if (t == SIPUA_ENOTFOUND)
        dropped(ua, from, t, "response matches no transaction");
    else if (t < 0)
        dropped(ua, from, t, "refused by the transaction layer");
}

int sipua_ua_recv(sipua_ua *ua, const sipua_endpoint *from, const char *bytes, size_t len,
                  sipua_time now)
{
    if (!ua || !from || (!bytes && len))
        return SIPUA_EINVAL;
    if (ua->in_callback || ua->busy)
        return SIPUA_ESTATE;
    if (from->transport != SIPUA_TRANSPORT_UDP &&
        (from->conn > UINT32_MAX || !sipua__conn_key_of(ua->conns, (uint32_t)from->conn)))
        return SIPUA_ENOTFOUND;
    ua->busy = 1;
    ua->now = now;
    sipua__txn_layer_advance(ua->txn, now);
    sipua__conn_advance(ua->conns, now);
    sipua__timer_heap_run(&ua->timers, now);
    if (from->transport == SIPUA_TRANSPORT_UDP) {
        /* RFC 5626 4.4.1 on UDP (STUN keep-alives aside): a datagram of
         * CRLFs only is a keep-alive, answered by nothing */
        size_t i = 0;
        while (i < len && (bytes[i] == '\r' || bytes[i] == '\n'))
            i++;
        if (i < len)
            handle_message(ua, from, bytes, len, SIPUA_PARSE_DATAGRAM);
    } else if (len) {
        sipua__conn_feed(ua->conns, (uint32_t)from->conn, (const uint8_t *)bytes, len, now);
    }
    ua->busy = 0;
    release_done(ua);
    return 0;
}

int sipua_ua_conn_open(sipua_ua *ua, const sipua_endpoint *remote, sipua_time now, uint64_t *conn)
{
    if (!ua || !remote || !conn || remote->transport == SIPUA_TRANSPORT_UDP ||
        (unsigned)remote->transport > SIPUA_TRANSPORT_WSS)
        return SIPUA_EINVAL;
    if (ua->in_callback || ua->busy)
        return SIPUA_ESTATE;
    sipua__conn_key key;
    if (key_of(remote, &key) != 0)
        return SIPUA_EINVAL;
    uint32_t id;
    int r = sipua__conn_open(ua->conns, &key, 0, now, &id);
    if (r)
        return r;
    *conn = id;
    return 0;
}

int sipua_ua_connection_closed(sipua_ua *ua, uint64_t conn, sipua_time now)
{
    if (!ua)
        return SIPUA_EINVAL;
    if (ua->in_callback || ua->busy)
        return SIPUA_ESTATE;
    ua->busy = 1;
    ua->now = now;
    if (conn <= UINT32_MAX)
        sipua__conn_lost(ua->conns, (uint32_t)conn, 0);
    ua->busy = 0;
    return 0;
}

/* The sessions' client transactions to one destination. */
typedef struct to_collect {
    const sipua_endpoint *to;
    sipua__txn *found[64];
    size_t n;
} to_collect;

static int same_place(const sipua_endpoint *a, const sipua_endpoint *to)
{
    return a->transport == to->transport && a->port == to->port && strcmp(a->host, to->host) == 0 &&
           (!to->conn || !a->conn || a->conn == to->conn);
}

static void collect_session_txn(sipua__txn *t, void *arg)
{
    to_collect *c = arg;
    sipua__owner *o = sipua__txn_get_user(t);
    sipua__txn_kind k = sipua__txn_get_kind(t);
    if (!o || o->kind != SIPUA__OWNER_SESSION || c->n == sizeof c->found / sizeof c->found[0] ||
        (k != SIPUA__TXN_INVITE_CLIENT && k != SIPUA__TXN_NON_INVITE_CLIENT))
        return;
    sipua_endpoint ep;
    from_dest(sipua__txn_get_dest(t), &ep);
    if (same_place(&ep, c->to))
        c->found[c->n++] = t;
}

static void fail_requests_to(sipua_ua *ua, const sipua_endpoint *to, int err)
{
    /* the sessions' requests (INVITE, BYE, INFO, REFER...): their
     * sessions learn it at once, not after timer B or F (RFC 3261 8.1.3.1:
     * a transport error is a 503) */
    to_collect c = {.to = to};
    do {
        c.n = 0;
        sipua__txn_layer_each(ua->txn, collect_session_txn, &c);
        for (size_t i = 0; i < c.n; i++) {
            txn_failed(ua, c.found[i], err ? err : SIPUA_EIO);
            sipua__txn_terminate(c.found[i]); /* its owner lets go of it */
        }
    } while (c.n == sizeof c.found / sizeof c.found[0]);
    pending *p = ua->pending;
    while (p) {
        pending *next = p->next;
        if (p->to.transport == to->transport && p->to.port == to->port &&
            strcmp(p->to.host, to->host) == 0 &&
            (!to->conn || !p->to.conn || p->to.conn == to->conn)) {
            sipua__txn *t = p->txn;
            txn_failed(ua, t, err ? err : SIPUA_EIO);
            sipua__txn_terminate(t);
        }
        p = next;
    }
    sipua__regs_transport_failed(ua->regs, to, err);
}

int sipua_ua_transport_failed(sipua_ua *ua, const sipua_endpoint *to, int err, sipua_time now)
{
    if (!ua || !to)
        return SIPUA_EINVAL;
    if (ua->in_callback || ua->busy)
        return SIPUA_ESTATE;
    ua->busy = 1;
    ua->now = now;
    /* RFC 3261 17.1.4: the requests sent there fail with the transport */
    fail_requests_to(ua, to, err);
    if (to->conn && to->conn <= UINT32_MAX)
        sipua__conn_lost(ua->conns, (uint32_t)to->conn, err ? err : SIPUA_EIO);
    ua->busy = 0;
    return 0;
}

int sipua_ua_advance(sipua_ua *ua, sipua_time now)
{
    if (!ua)
        return SIPUA_EINVAL;
    if (ua->in_callback || ua->busy)
        return SIPUA_ESTATE;
    ua->busy = 1;
    ua->now = now;
    int r = sipua__txn_layer_advance(ua->txn, now);
    sipua__conn_advance(ua->conns, now);
    sipua__timer_heap_run(&ua->timers, now);
    ua->busy = 0;
    release_done(ua);
    return r < 0 ? r : 0;
}

sipua_time sipua_ua_next_deadline(const sipua_ua *ua)
{
    if (!ua)
        return 0;
    sipua_time d[3] = {sipua__txn_layer_next_deadline(ua->txn),
                       sipua__conn_next_deadline(ua->conns),
                       sipua__timer_heap_next_deadline(&ua->timers)};
    sipua_time best = 0;
    for (int i = 0; i < 3; i++)
        if (d[i] && (!best || d[i] < best))
            best = d[i];
    return best;
}

void sipua_ua_get_stats(const sipua_ua *ua, sipua_ua_stats *out)
{
    if (!ua || !out)
        return;
    *out = ua->stats;
    sipua__txn_stats ts;
    sipua__txn_layer_stats(ua->txn, &ts);
    out->retransmissions = ts.retransmissions;
    out->live_transactions = ts.live;
    out->live_sessions = ua->nsessions;
    out->live_dialogs = sipua__dialog_table_count(ua->dialogs);
}

/* ------------------------------------------------------------------ */
/* OPTIONS                                                             */

/* host, or [host] for IPv6, then :port unless it is 0 (a stream client
 * is reached over its own connection) */
static void host_port(const sipua_endpoint *me, char *out, size_t cap, int with_port)
{
    const char *fmt = strchr(me->host, ':') ? "[%s]" : "%s";
    int n = snprintf(out, cap, fmt, me->host);
    if (with_port && me->port && n > 0 && (size_t)n < cap)
        snprintf(out + n, cap - (size_t)n, ":%u", (unsigned)me->port);
}

/* OPTIONS to target over transport t from identity me, into buf. */
static int build_options(sipua_ua *ua, sipua_str target, sipua_transport t,
                         const sipua_endpoint *me, const char *branch, const char *tag,
                         const char *callid, char *buf, size_t cap)
{
    char hp[SIPUA_HOST_MAX + 8], h[SIPUA_HOST_MAX + 2], line[512], tn[4];
    host_port(me, hp, sizeof hp, 1);
    host_port(me, h, sizeof h, 0);
    snprintf(tn, sizeof tn, "%s", sipua_transport_name(t));
    for (char *c = tn; *c; c++)
        *c = (char)(*c | 0x20); /* the transport parameter in lower case */
    sipua_builder b;
    sipua_builder_init(&b, buf, cap);
    sipua_builder_request_line(&b, SIPUA_STR("OPTIONS"), target);
    snprintf(line, sizeof line, "SIP/2.0/%s %s;branch=%s;rport", sipua_transport_name(t), hp,
             branch);
    sipua_builder_header(&b, SIPUA_STR("Via"), cstr(line));
    sipua_builder_header(&b, SIPUA_STR("Max-Forwards"), SIPUA_STR("70"));
    snprintf(line, sizeof line, "<sip:sipua@%s>;tag=%s", h, tag);
    sipua_builder_header(&b, SIPUA_STR("From"), cstr(line));
    sipua_builder_raw(&b, SIPUA_STR("To: <"));
    sipua_builder_raw(&b, target);
    sipua_builder_raw(&b, SIPUA_STR(">\r\n"));
    snprintf(line, sizeof line, "%s@%s", callid, me->host);
    sipua_builder_header(&b, SIPUA_STR("Call-ID"), cstr(line));
    sipua_builder_header(&b, SIPUA_STR("CSeq"), SIPUA_STR("1 OPTIONS"));
    snprintf(line, sizeof line, "<sip:sipua@%s;transport=%s>", hp, tn);
    sipua_builder_header(&b, SIPUA_STR("Contact"), cstr(line));
    sipua_builder_header(&b, SIPUA_STR("Accept"), SIPUA_STR("application/sdp"));
    sipua_builder_header(&b, SIPUA_STR("User-Agent"), cstr(ua->user_agent));
    sipua_builder_body(&b, (sipua_str){"", 0});
    return sipua_builder_finish(&b);
}

/* RFC 3261 18.1.1: a request within 200 bytes of the path MTU goes over a
 * congestion-controlled transport; the MTU being unknown, above 1300. */
#define UDP_MAX_REQUEST 1300

int sipua_ua_options(sipua_ua *ua, sipua_str target, const sipua_endpoint *to_in, sipua_time now,
                     uint64_t *request_id)
{
    if (!ua || !to_in || !target.p || !target.len ||
        (unsigned)to_in->transport > SIPUA_TRANSPORT_WSS)
        return SIPUA_EINVAL;
    sipua_uri u;
    if (sipua_uri_parse(target, &u) != 0 ||
        (u.scheme_id != SIPUA_URI_SIP && u.scheme_id != SIPUA_URI_SIPS))
        return SIPUA_EINVAL;
    sipua_endpoint to = *to_in;
    const sipua_endpoint *me = listen_for(ua, to.transport);
    if (!me)
        return SIPUA_EINVAL;
    if (!ua->busy)
        ua->now = now;
    char branch[32], tag[17], callid[33];
    int br = sipua__txn_make_branch(ua->txn, branch, sizeof branch);
    if (br < 0)
        return br;
    random_hex(ua, tag, 8);
    random_hex(ua, callid, 16);
    char buf[8192];
    int n = build_options(ua, target, to.transport, me, branch, tag, callid, buf, sizeof buf);
    const sipua_endpoint *tcp = listen_for(ua, SIPUA_TRANSPORT_TCP);
    if (n > UDP_MAX_REQUEST && to.transport == SIPUA_TRANSPORT_UDP && tcp) {
        to.transport = SIPUA_TRANSPORT_TCP;
        to.conn = 0;
        me = tcp;
        n = build_options(ua, target, to.transport, me, branch, tag, callid, buf, sizeof buf);
    }
    if (n < 0)
        return SIPUA_EINVAL; /* a target too long for one request */

    pending *p = ua->a.alloc(sizeof *p, ua->a.user);
    if (!p)
        return SIPUA_ENOMEM;
    p->owner.kind = SIPUA__OWNER_OPTIONS;
    p->id = ua->next_id++;
    p->sent_at = ua->now;
    p->to = to;
    p->prev = NULL;
    p->next = ua->pending;
    if (ua->pending)
        ua->pending->prev = p;
    ua->pending = p;
    sipua__txn_dest d;
    to_dest(&to, &d);
    sipua__txn *t;
    int r = sipua__txn_client_new(ua->txn, buf, (size_t)n, &d, p, ua->now, &t);
    if (r < 0) {
        pending_free(ua, p);
        return r;
    }
    p->txn = t;
    if (request_id)
        *request_id = p->id;
    return 0;
}
