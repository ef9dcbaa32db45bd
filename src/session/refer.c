/* sipua — call transfer: REFER (RFC 3515) with its implicit subscription
 * and message/sipfrag NOTIFYs, Referred-By (RFC 3892), Replaces (RFC
 * 3891) for attended transfer (RFC 5589), and the application's other
 * in-dialog requests (sipua_session_send_request).
 *
 * Two sides. The transferor sends REFER and hears the outcome: the
 * REFER's response, then one NOTIFY per step of the transfer call, as
 * refer_progress events. The transferee hears a referred event, calls the
 * target with a new session, and watches that session's events (the
 * session's observer hook) to send the NOTIFYs, one at a time so that
 * they arrive in order.
 *
 * The REFER's subscription is a usage of the dialog (RFC 5057): the
 * dialog stays while it lives, so that the final NOTIFY still goes after
 * the transferor's BYE has ended the call.
 */
#include <stdio.h>
#include <stdlib.h>

#include "session/internal.h"

/* How long the transferor waits for the final NOTIFY after its REFER was
 * accepted, and the expiry the transferee announces (RFC 3515 2.4.4
 * leaves both to the notifier; a ringing target may take minutes). */
#define REFER_WAIT_US    180000000
#define REFER_EXPIRES_S  180
#define REFER_TARGET_MAX 1024

struct sipua__referral {
    sipua_session *s;    /* the session the REFER came on: its NOTIFYs go there */
    sipua_session *call; /* the call to the target (a reference), once accepted */
    int decided;         /* accept or reject was called */
    int reject_code;     /* rejected: the status to answer */
    int app_owns;        /* the application took a reference of its own */
    int accept_error;    /* the new INVITE could not go */
    sipua__sreq *notify; /* the NOTIFY in flight */
    int next_code;       /* the next NOTIFY's status, 0 when none is waiting */
    int next_final;      /* it ends the subscription */
    int final_queued;    /* the final status is known (sent or waiting) */
    int over;            /* the final NOTIFY got its response, or cannot go */
    char target[REFER_TARGET_MAX];
    char referred_by[512];
};

static void on_refer_timer(sipua__timer *t, sipua_time now, void *user);

void sipua__refer_init(sipua_session *s)
{
    sipua__timer_init(&s->t_refer, on_refer_timer, s);
}

void sipua_refer_opts_init(sipua_refer_opts *o)
{
    if (o) {
        memset(o, 0, sizeof *o);
        o->version = SIPUA_REFER_OPTS_VERSION;
    }
}

void sipua_request_opts_init(sipua_request_opts *o)
{
    if (o) {
        memset(o, 0, sizeof *o);
        o->version = SIPUA_REQUEST_OPTS_VERSION;
    }
}

static size_t count_headers(const sipua_msg *m, sipua_hdr_id id)
{
    size_t n = 0, i = 0;
    while (sipua_msg_find(m, id, &i)) {
        n++;
        i++;
    }
    return n;
}

static int established(const sipua_session *s)
{
    return !s->final_given && !s->detached && s->dialog &&
           (s->st == ST_ESTABLISHED || s->st == ST_ANSWERED);
}

static const char *status_text(int code)
{
    switch (code) {
    case 100: return "Trying";
    case 180: return "Ringing";
    case 181: return "Call Is Being Forwarded";
    case 182: return "Queued";
    case 183: return "Session Progress";
    case 200: return "OK";
    case 202: return "Accepted";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 408: return "Request Timeout";
    case 480: return "Temporarily Unavailable";
    case 481: return "Call/Transaction Does Not Exist";
    case 486: return "Busy Here";
    case 487: return "Request Terminated";
    case 488: return "Not Acceptable Here";
    case 500: return "Server Internal Error";
    case 503: return "Service Unavailable";
    case 603: return "Decline";
    default: return code < 300 ? "OK" : code < 400 ? "Redirect" : "Failure";
    }
}

/* ------------------------------------------------------------------ */
/* Transferor: REFER, and the NOTIFYs it brings                        */

/* Escapes a header value for a URI's headers part (RFC 3261 25.1:
 * hvalue is unreserved, hnv-unreserved or escaped). Returns the length or
 * -1 when it does not fit. */
static int escape_hvalue(sipua_str v, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    for (size_t i = 0; i < v.len; i++) {
        unsigned char c = (unsigned char)v.p[i];
        int plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    strchr("-_.!~*'()[]/?:+$", c) != NULL;
        if (n + 4 > cap)
            return -1;
        if (plain && c) {
            out[n++] = (char)c;
        } else {
            out[n++] = '%';
            out[n++] = hex[c >> 4];
            out[n++] = hex[c & 15];
        }
    }
    out[n] = 0;
    return (int)n;
}

static void refer_progress(sipua_session *s, int code, const sipua_msg *msg, int final)
{
    if (final) {
        s->refer_sub = 0;
        if (!s->detached)
            sipua__timer_cancel(s->host->timers, &s->t_refer);
    }
    if (!s->cb || s->detached)
        return;
    sipua_session_event ev = {
        .kind = SIPUA_SESSION_EV_REFER_PROGRESS, .msg = msg, .code = code, .refer_final = final};
    sipua_session_ref(s);
    s->cb(s, &ev, s->user);
    sipua_session_unref(s);
}

int sipua_session_refer(sipua_session *s, sipua_str target, const sipua_refer_opts *opts,
                        sipua_time now)
{
    if (s && s->detached) /* its work is over, or the UA is gone */
        return SIPUA_ESTATE;
    if (!s || (opts && opts->version != SIPUA_REFER_OPTS_VERSION))
        return SIPUA_EINVAL;
    sipua__session_touch(s, now);
    sipua_session *other = opts ? opts->replaces : NULL;
    if (opts && !sipua__session_extra_headers_ok(opts->extra_headers, opts->n_extra_headers, NULL))
        return SIPUA_EINVAL;
    if (opts && opts->n_extra_headers > 4)
        return SIPUA_EINVAL;
    if (other && (other == s || !established(other)))
        return SIPUA_EINVAL;
    if (!target.len && other)
        target = sipua__dialog_remote_target(other->dialog);
    sipua_uri u;
    if (!target.p || !target.len || sipua_uri_parse(target, &u) != 0 ||
        (u.scheme_id != SIPUA_URI_SIP && u.scheme_id != SIPUA_URI_SIPS) || u.headers.len ||
        memchr(target.p, '>', target.len))
        return SIPUA_EINVAL;
    if (!established(s) || s->refer_req || s->refer_sub || s->refer_pending)
        return SIPUA_ESTATE;

    char refer_to[REFER_TARGET_MAX + 512];
    int n = snprintf(refer_to, sizeof refer_to, "Refer-To: <%.*s", (int)target.len, target.p);
    if (other) {
        /* the dialog as the target sees it: its local tag is our remote
         * one (RFC 3891 3) */
        sipua_str cid = sipua__dialog_call_id(other->dialog);
        sipua_str lt = sipua__dialog_local_tag(other->dialog);
        sipua_str rt = sipua__dialog_remote_tag(other->dialog);
        char rep[512], esc[1536];
        int rl = snprintf(rep, sizeof rep, "%.*s;to-tag=%.*s;from-tag=%.*s", (int)cid.len, cid.p,
                          (int)rt.len, rt.p, (int)lt.len, lt.p);
        if (rl < 0 || (size_t)rl >= sizeof rep ||
            escape_hvalue((sipua_str){rep, (size_t)rl}, esc, sizeof esc) < 0)
            return SIPUA_EINVAL;
        n += snprintf(refer_to + n, sizeof refer_to - (size_t)n, "?Replaces=%s", esc);
    }
    if (n < 0 || (size_t)n + 2 >= sizeof refer_to)
        return SIPUA_EINVAL;
    refer_to[n++] = '>';
    refer_to[n] = 0;
    char referred_by[600];
    const sipua_nameaddr *me = sipua_session_local_identity(s);
    if (!me)
        return SIPUA_ENOMEM;
    snprintf(referred_by, sizeof referred_by, "Referred-By: <%.*s>", (int)me->uri.whole.len,
             me->uri.whole.p);
    const char *extra[6];
    size_t nx = 0;
    extra[nx++] = refer_to;
    extra[nx++] = referred_by;
    for (size_t i = 0; opts && i < opts->n_extra_headers; i++)
        extra[nx++] = opts->extra_headers[i];
    if (s->st == ST_ANSWERED) {
        /* our 2xx awaits its ACK: the REFER waits too (a peer that has
         * not sent its ACK may not know the dialog yet) */
        size_t total = 0;
        for (size_t i = 0; i < nx; i++)
            total += strlen(extra[i]) + 1;
        char *p = sipua__session_alloc(s, total);
        if (!p)
            return SIPUA_ENOMEM;
        s->refer_pending = p;
        s->refer_pending_n = nx;
        for (size_t i = 0; i < nx; i++) {
            size_t l = strlen(extra[i]) + 1;
            memcpy(p, extra[i], l);
            p += l;
        }
        return 0;
    }
    int r = sipua__session_send_in_dialog(s, SIPUA_METHOD_REFER, extra, nx, (sipua_str){NULL, 0},
                                          &s->refer_req);
    return r;
}

void sipua__refer_on_ack(sipua_session *s)
{
    char *p = s->refer_pending;
    if (!p)
        return;
    const char *extra[6];
    size_t nx = s->refer_pending_n;
    for (size_t i = 0; i < nx && i < 6; i++) {
        extra[i] = p;
        p += strlen(p) + 1;
    }
    int r = sipua__session_send_in_dialog(s, SIPUA_METHOD_REFER, extra, nx, (sipua_str){NULL, 0},
                                          &s->refer_req);
    sipua__session_free(s, s->refer_pending);
    s->refer_pending = NULL;
    if (r != 0)
        refer_progress(s, 503, NULL, 1);
}

static void on_refer_timer(sipua__timer *t, sipua_time now, void *user)
{
    (void)t;
    (void)now;
    sipua_session *s = user;
    if (!s->refer_sub)
        return;
    refer_progress(s, 408, NULL, 1);
    sipua__session_maybe_finished(s);
}

/* The status line of a message/sipfrag body: its code, or 0. */
static int sipfrag_code(sipua_str body)
{
    if (body.len < 12 || memcmp(body.p, "SIP/2.0 ", 8) != 0)
        return 0;
    int code = 0;
    for (size_t i = 8; i < 11; i++) {
        if (body.p[i] < '0' || body.p[i] > '9')
            return 0;
        code = code * 10 + (body.p[i] - '0');
    }
    if (body.len > 11 && body.p[11] != ' ' && body.p[11] != '\r')
        return 0;
    return code >= 100 && code <= 699 ? code : 0;
}

void sipua__refer_on_notify(sipua_session *s, sipua__txn *st, const sipua_msg *req)
{
    sipua_event_hdr ev;
    if (sipua_msg_event(req, &ev) != 0 || !sipua_str_caseeq(ev.package, "refer")) {
        sipua__session_respond_simple(s, st, req, 489, "Bad Event", "Allow-Events: refer\r\n");
        return;
    }
    if (!s->refer_sub && !s->refer_req) {
        /* no REFER of ours is waiting for news (RFC 6665 4.1.3) */
        sipua__session_respond_simple(s, st, req, 481, "Subscription Does Not Exist", NULL);
        return;
    }
    sipua_media_type ct;
    sipua_str body = sipua_msg_body(req);
    int code = 0;
    if (sipua_msg_content_type(req, &ct) == 0 && sipua_str_caseeq(ct.type, "message") &&
        sipua_str_caseeq(ct.subtype, "sipfrag"))
        code = sipfrag_code(body);
    if (!code) {
        sipua__session_respond_simple(s, st, req, 400, "Bad Request (no message/sipfrag status)",
                                      NULL);
        return;
    }
    sipua_substate ss;
    int terminated =
        sipua_msg_subscription_state(req, &ss) == 0 && sipua_str_caseeq(ss.state, "terminated");
    sipua__session_respond_simple(s, st, req, 200, "OK", NULL);
    /* a NOTIFY may overtake the REFER's 202: the REFER was accepted */
    s->refer_sub = 1;
    refer_progress(s, code, req, terminated || code >= 200);
    sipua__session_maybe_finished(s);
}

/* ------------------------------------------------------------------ */
/* Transferee: the referred event, the new call, NOTIFYs               */

static void referral_free(sipua__referral *rf)
{
    sipua_session *s = rf->s;
    if (s->referral == rf)
        s->referral = NULL;
    if (rf->call) {
        rf->call->observer = NULL;
        rf->call->observer_user = NULL;
        sipua_session_unref(rf->call);
    }
    sipua__session_free(s, rf);
    sipua_session_unref(s);
}

static void notify_next(sipua__referral *rf);

/* The referral has nothing left to do: its memory goes, and the session
 * it came on may be finished. */
static void referral_over(sipua__referral *rf)
{
    sipua_session *s = rf->s;
    rf->over = 1;
    sipua_session_ref(s);
    referral_free(rf);
    sipua__session_maybe_finished(s);
    sipua_session_unref(s);
}

/* Queues a NOTIFY with this status; a later one supersedes a waiting one
 * (only the freshest progress matters), the final one is never dropped. */
static void notify_status(sipua__referral *rf, int code, int final)
{
    if (rf->final_queued)
        return;
    rf->next_code = code;
    rf->next_final = final;
    rf->final_queued = final;
    if (!rf->notify)
        notify_next(rf);
}

static void notify_next(sipua__referral *rf)
{
    sipua_session *s = rf->s;
    if (!rf->next_code)
        return;
    int code = rf->next_code, final = rf->next_final;
    rf->next_code = 0;
    if (s->detached || !s->dialog ||
        sipua__dialog_get_state(s->dialog) == SIPUA__DIALOG_TERMINATED) {
        if (final)
            referral_over(rf);
        return;
    }
    char state[64], body[96];
    if (final)
        snprintf(state, sizeof state, "Subscription-State: terminated;reason=noresource");
    else
        snprintf(state, sizeof state, "Subscription-State: active;expires=%d", REFER_EXPIRES_S);
    int bl = snprintf(body, sizeof body, "SIP/2.0 %d %s\r\n", code, status_text(code));
    const char *extra[] = {"Event: refer", state, "Content-Type: message/sipfrag;version=2.0"};
    if (sipua__session_send_in_dialog(s, SIPUA_METHOD_NOTIFY, extra, 3,
                                      (sipua_str){body, (size_t)bl}, &rf->notify) != 0) {
        rf->notify = NULL;
        if (final)
            referral_over(rf);
    }
}

/* The transfer call's events, seen before its application's callback. */
static void call_observer(sipua_session *call, const sipua_session_event *ev, void *user)
{
    sipua__referral *rf = user;
    (void)call;
    switch (ev->kind) {
    case SIPUA_SESSION_EV_PROGRESS:
        if (ev->code > 100 && ev->code < 200)
            notify_status(rf, ev->code, 0);
        break;
    case SIPUA_SESSION_EV_ACCEPTED: notify_status(rf, ev->code ? ev->code : 200, 1); break;
    case SIPUA_SESSION_EV_FAILED:
    case SIPUA_SESSION_EV_CANCELED:
        notify_status(rf,
                      ev->code >= 300                             ? ev->code
                      : ev->cause == SIPUA_CAUSE_CONNECTION_ERROR ? 503
                                                                  : 408,
                      1);
        break;
    case SIPUA_SESSION_EV_TERMINATED: notify_status(rf, 200, 1); break;
    default: break;
    }
}

/* The Refer-To URI without its headers; the Replaces among them, decoded,
 * into replaces[0..cap) ("" when none). 0 or -1 (malformed). */
static int split_target(sipua_str uri_text, char *uri, size_t ucap, char *replaces, size_t rcap)
{
    sipua_uri u;
    if (sipua_uri_parse(uri_text, &u) != 0)
        return -1;
    replaces[0] = 0;
    size_t ulen = uri_text.len;
    if (u.headers.p)
        ulen = (size_t)(u.headers.p - uri_text.p) - 1;
    if (ulen >= ucap)
        return -1;
    memcpy(uri, uri_text.p, ulen);
    uri[ulen] = 0;
    /* headers: name=value&name=value */
    size_t i = 0;
    while (u.headers.p && i < u.headers.len) {
        size_t j = i;
        while (j < u.headers.len && u.headers.p[j] != '&')
            j++;
        sipua_str h = {u.headers.p + i, j - i};
        const char *eq = memchr(h.p, '=', h.len);
        if (eq && sipua_str_caseeq((sipua_str){h.p, (size_t)(eq - h.p)}, "replaces")) {
            sipua_str v = {eq + 1, h.len - (size_t)(eq + 1 - h.p)};
            int n = sipua_unescape(v, replaces, rcap - 1);
            if (n <= 0 || memchr(replaces, 0, (size_t)n) || memchr(replaces, '\r', (size_t)n) ||
                memchr(replaces, '\n', (size_t)n))
                return -1;
            replaces[n] = 0;
        }
        i = j + 1;
    }
    return 0;
}

/* Where the call to the target goes: the URI's literal address, else the
 * session's own next hop. A literal address without ;transport= is
 * reached over UDP (TLS for sips:), as RFC 3263 4.1 has it, not over the
 * session's transport: a WebSocket peer's transport cannot reach a
 * plain address, and a Refer-To written without angle brackets
 * (SIP.js's) leaves its URI parameters outside the URI (RFC 3515 2.1).
 * A session whose INVITE went through an outbound proxy (a preloaded
 * Route) sends the call through it too, whatever the address. */
static void target_hop(const sipua_session *s, const char *uri, sipua_endpoint *ep)
{
    *ep = s->peer;
    if (s->proxy_route)
        return;
    sipua_uri u;
    if (sipua_uri_parse(sipua__cstr(uri), &u) != 0 || u.host_kind == SIPUA_HOST_NAME ||
        u.host.len >= sizeof ep->host)
        return;
    char host[SIPUA_HOST_MAX];
    memcpy(host, u.host.p, u.host.len);
    host[u.host.len] = 0;
    sipua_transport t = u.scheme_id == SIPUA_URI_SIPS ? SIPUA_TRANSPORT_TLS : SIPUA_TRANSPORT_UDP;
    sipua_str tp;
    if (sipua_param_find(u.params, "transport", &tp) && tp.p)
        sipua_transport_from_name(tp, &t);
    uint16_t port = u.port ? u.port : (t == SIPUA_TRANSPORT_TLS ? 5061 : 5060);
    if (t == s->peer.transport && port == s->peer.port && strcmp(host, s->peer.host) == 0)
        return; /* the peer itself: its connection */
    /* another UA, even on the same host: a connection of its own */
    sipua_endpoint_set(ep, t, host, port, 0);
}

static int start_call(sipua_session *s, sipua__referral *rf, sipua_session_cb cb, void *user,
                      sipua_session **out)
{
    char uri[REFER_TARGET_MAX], replaces[600], rep_line[640], from[700];
    if (split_target(sipua__cstr(rf->target), uri, sizeof uri, replaces, sizeof replaces) != 0)
        return SIPUA_EINVAL;
    sipua_endpoint hop;
    target_hop(s, uri, &hop);
    const char *extra[3];
    size_t nx = 0;
    if (s->proxy_route)
        extra[nx++] = s->proxy_route;
    if (replaces[0]) {
        snprintf(rep_line, sizeof rep_line, "Replaces: %s", replaces);
        extra[nx++] = rep_line;
    }
    if (rf->referred_by[0])
        extra[nx++] = rf->referred_by;
    sipua_invite_opts o;
    sipua_invite_opts_init(&o);
    o.extra_headers = extra;
    o.n_extra_headers = nx;
    /* we call as who we are in this session */
    const sipua_nameaddr *me = sipua_session_local_identity(s);
    if (!me)
        return SIPUA_ENOMEM;
    snprintf(from, sizeof from, "%.*s%s<%.*s>", (int)me->display.len,
             me->display.p ? me->display.p : "", me->display.len ? " " : "", (int)me->uri.whole.len,
             me->uri.whole.p);
    o.from = sipua__cstr(from);
    sipua_session *call;
    int r = sipua_invite((sipua_ua *)s->host->ctx, sipua__cstr(uri), &hop, &o, cb, user,
                         sipua__session_now(s), &call);
    if (r != 0)
        return r;
    call->observer = call_observer;
    call->observer_user = rf;
    rf->call = call; /* the referral's reference: sipua_invite's */
    if (out) {
        *out = sipua_session_ref(call);
        rf->app_owns = 1;
    }
    return 0;
}

int sipua_session_refer_accept(sipua_session *s, sipua_session_cb cb, void *user, sipua_time now,
                               sipua_session **out)
{
    if (s && s->detached) /* its work is over, or the UA is gone */
        return SIPUA_ESTATE;
    if (!s)
        return SIPUA_EINVAL;
    sipua__session_touch(s, now);
    sipua__referral *rf = s->deciding;
    if (!rf || rf->decided)
        return SIPUA_ESTATE;
    rf->decided = 1;
    int r = start_call(s, rf, cb, user, out);
    if (r != 0)
        rf->accept_error = 1;
    return r;
}

int sipua_session_refer_reject(sipua_session *s, int status_code, sipua_time now)
{
    if (s && s->detached) /* its work is over, or the UA is gone */
        return SIPUA_ESTATE;
    if (!s)
        return SIPUA_EINVAL;
    if (status_code && (status_code < 400 || status_code > 699))
        return SIPUA_EINVAL;
    sipua__session_touch(s, now);
    sipua__referral *rf = s->deciding;
    if (!rf || rf->decided)
        return SIPUA_ESTATE;
    rf->decided = 1;
    rf->reject_code = status_code ? status_code : 603;
    return 0;
}

void sipua__refer_on_request(sipua_session *s, sipua__txn *st, const sipua_msg *req)
{
    if (!established(s)) {
        sipua__session_respond_simple(s, st, req, 403, "Forbidden (no established session)", NULL);
        return;
    }
    if (s->referral || s->deciding) {
        sipua__session_respond_simple(s, st, req, 491, "Request Pending", NULL);
        return;
    }
    sipua_nameaddr to;
    if (count_headers(req, SIPUA_HDR_REFER_TO) != 1 || sipua_msg_refer_to(req, &to) != 0) {
        sipua__session_respond_simple(s, st, req, 400, "Bad Request (one Refer-To needed)", NULL);
        return;
    }
    if (to.uri.scheme_id != SIPUA_URI_SIP && to.uri.scheme_id != SIPUA_URI_SIPS) {
        sipua__session_respond_simple(s, st, req, 416, "Unsupported URI Scheme", NULL);
        return;
    }
    sipua__referral *rf = sipua__session_alloc(s, sizeof *rf);
    if (!rf) {
        sipua__session_respond_simple(s, st, req, 500, "Server Internal Error", NULL);
        return;
    }
    memset(rf, 0, sizeof *rf);
    rf->s = sipua_session_ref(s);
    if (to.uri.whole.len >= sizeof rf->target) {
        sipua__session_respond_simple(s, st, req, 400, "Bad Request (Refer-To too long)", NULL);
        referral_free(rf);
        return;
    }
    memcpy(rf->target, to.uri.whole.p, to.uri.whole.len);
    rf->target[to.uri.whole.len] = 0;
    {
        char u[REFER_TARGET_MAX], rep[600];
        if (split_target(to.uri.whole, u, sizeof u, rep, sizeof rep) != 0) {
            sipua__session_respond_simple(s, st, req, 400, "Bad Request (malformed Refer-To)",
                                          NULL);
            referral_free(rf);
            return;
        }
    }
    const sipua_hdr *rb = sipua_msg_find(req, SIPUA_HDR_REFERRED_BY, NULL);
    if (rb && rb->value.len + 16 < sizeof rf->referred_by)
        snprintf(rf->referred_by, sizeof rf->referred_by, "Referred-By: %.*s", (int)rb->value.len,
                 rb->value.p);

    /* the application decides in its callback */
    s->deciding = rf;
    if (s->cb && !s->detached) {
        sipua_session_event ev = {
            .kind = SIPUA_SESSION_EV_REFERRED, .msg = req, .refer_to = sipua__cstr(rf->target)};
        sipua_session_ref(s);
        s->cb(s, &ev, s->user);
        sipua_session_unref(s);
    }
    s->deciding = NULL;
    if (!rf->decided && !s->detached) {
        rf->decided = 1;
        if (start_call(s, rf, s->cb, s->user, NULL) != 0)
            rf->accept_error = 1;
    }
    if (s->detached || rf->reject_code || rf->accept_error) {
        int code = rf->reject_code ? rf->reject_code : 503;
        if (!s->detached)
            sipua__session_respond_simple(s, st, req, code, status_text(code), NULL);
        referral_free(rf);
        return;
    }
    sipua__session_respond_simple(s, st, req, 202, "Accepted", NULL);
    s->referral = rf;
    /* the first NOTIFY says the REFER is being acted on (RFC 3515 2.4.4);
     * the call may have ended already (a synchronous failure) */
    if (!rf->final_queued)
        notify_status(rf, 100, 0);
    else if (!rf->notify)
        notify_next(rf);
}

/* ------------------------------------------------------------------ */
/* Responses to our REFER and NOTIFYs                                  */

void sipua__refer_on_done(sipua_session *s, sipua__sreq *q, int code, const sipua_msg *resp)
{
    if (q->method == SIPUA_METHOD_REFER && q == s->refer_req) {
        if (code < 200)
            return;
        s->refer_req = NULL; /* the transaction may linger; the REFER is answered */
        if (code < 300) {
            if (!s->refer_sub) {
                s->refer_sub = 1;
                if (!s->detached)
                    sipua__timer_schedule(s->host->timers, &s->t_refer,
                                          sipua__session_now(s) + REFER_WAIT_US);
                refer_progress(s, code, resp, 0);
            }
        } else {
            refer_progress(s, code, resp, 1);
        }
        sipua__session_maybe_finished(s);
        return;
    }
    if (q->method == SIPUA_METHOD_NOTIFY && s->referral && q == s->referral->notify) {
        if (code < 200)
            return;
        sipua__referral *rf = s->referral;
        rf->notify = NULL;
        int was_final = rf->final_queued && !rf->next_code;
        if (code >= 300 || was_final) {
            /* delivered the last, or the transferor is gone (481 and
             * the like end the subscription, RFC 6665 4.1.2.2) */
            referral_over(rf);
            return;
        }
        notify_next(rf);
    }
}

/* ------------------------------------------------------------------ */
/* Replaces (the transfer target's side)                               */

int sipua__replaces_check(const sipua__session_host *host, const sipua_msg *invite,
                          sipua_session **replaced)
{
    *replaced = NULL;
    const sipua_hdr *h = sipua_msg_find(invite, SIPUA_HDR_REPLACES, NULL);
    if (!h)
        return 0;
    if (count_headers(invite, SIPUA_HDR_REPLACES) > 1)
        return 400; /* RFC 3891 3: more than one */
    /* callid;to-tag=..;from-tag=..[;early-only] */
    sipua_str v = h->value;
    const char *semi = memchr(v.p, ';', v.len);
    if (!semi)
        return 400;
    sipua_str cid = {v.p, (size_t)(semi - v.p)};
    while (cid.len && (cid.p[cid.len - 1] == ' ' || cid.p[cid.len - 1] == '\t'))
        cid.len--;
    sipua_str params = {semi + 1, v.len - (size_t)(semi + 1 - v.p)};
    sipua_str to_tag, from_tag, dummy;
    if (!cid.len || !sipua_param_find(params, "to-tag", &to_tag) || !to_tag.len ||
        !sipua_param_find(params, "from-tag", &from_tag) || !from_tag.len)
        return 400;
    int early_only = sipua_param_find(params, "early-only", &dummy);
    /* to-tag is our local tag, from-tag the peer's */
    sipua__dialog *d = sipua__dialog_table_find(host->dialogs, cid, to_tag, from_tag);
    sipua_session *old = d ? sipua__dialog_get_user(d) : NULL;
    if (!old)
        return 481;
    if (old->final_given || sipua__dialog_get_state(d) == SIPUA__DIALOG_TERMINATED)
        return 603;
    if (sipua__dialog_get_state(d) == SIPUA__DIALOG_EARLY && old->dir == SIPUA_DIRECTION_INCOMING)
        return 481; /* an early dialog we answer cannot be replaced (RFC 3891 3) */
    if (early_only && sipua__dialog_get_state(d) == SIPUA__DIALOG_CONFIRMED)
        return 486;
    *replaced = sipua_session_ref(old);
    return 0;
}

void sipua__replaces_done(sipua_session *s)
{
    sipua_session *old = s->replaces;
    if (!old || old->final_given || old->detached)
        return;
    sipua__session_touch(old, sipua__session_now(s));
    sipua_session_terminate(old, sipua__session_now(s));
}

sipua_session *sipua_session_replaces(const sipua_session *s)
{
    return s ? s->replaces : NULL;
}

/* ------------------------------------------------------------------ */
/* Other requests                                                      */

static int is_token(sipua_str m)
{
    if (!m.p || !m.len || m.len > 32)
        return 0;
    for (size_t i = 0; i < m.len; i++) {
        unsigned char c = (unsigned char)m.p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              strchr("-.!%*_+`'~", c)))
            return 0;
    }
    return 1;
}

int sipua_session_send_request(sipua_session *s, sipua_str method, const sipua_request_opts *opts,
                               sipua_time now)
{
    if (s && s->detached) /* its work is over, or the UA is gone */
        return SIPUA_ESTATE;
    if (!s || !is_token(method) || (opts && opts->version != SIPUA_REQUEST_OPTS_VERSION))
        return SIPUA_EINVAL;
    static const char *const own[] = {"INVITE", "ACK",    "CANCEL", "PRACK",
                                      "BYE",    "UPDATE", "REFER",  "REGISTER"};
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        if (sipua_str_eq(method, own[i]))
            return SIPUA_EINVAL;
    int has_ct = 0;
    if (opts &&
        (opts->n_extra_headers > 6 ||
         !sipua__session_extra_headers_ok(opts->extra_headers, opts->n_extra_headers, &has_ct) ||
         (opts->body.len && !has_ct) || (opts->body.len && !opts->body.p)))
        return SIPUA_EINVAL;
    sipua__session_touch(s, now);
    if (s->final_given || s->detached || !s->dialog ||
        sipua__dialog_get_state(s->dialog) != SIPUA__DIALOG_CONFIRMED)
        return SIPUA_ESTATE;
    sipua__sreq *q = NULL;
    int r = sipua__session_send_in_dialog_named(
        s, SIPUA_METHOD_OTHER, method, opts ? opts->extra_headers : NULL,
        opts ? opts->n_extra_headers : 0, opts ? opts->body : (sipua_str){NULL, 0}, &q);
    if (r != 0)
        return r;
    q->generic = 1;
    q->cb = opts ? opts->cb : NULL;
    q->cb_user = opts ? opts->user : NULL;
    s->generic_reqs++;
    return 0;
}

/* The final response to one of them (or its failure), once. */
static void generic_done(sipua_session *s, sipua__sreq *q, int code, const sipua_msg *resp)
{
    if (!q->generic || code < 200)
        return;
    q->generic = 0;
    s->generic_reqs--;
    if (q->cb && !s->detached) {
        sipua_session_ref(s);
        q->cb(s, code, resp, q->cb_user);
        sipua_session_unref(s);
    }
}

int sipua__refer_generic_done(sipua_session *s, sipua__sreq *q, int code, const sipua_msg *resp)
{
    if (!q->generic)
        return 0;
    generic_done(s, q, code, resp);
    return 1;
}

/* ------------------------------------------------------------------ */
/* Life                                                                */

sipua__sreq *sipua__refer_notify_of(const sipua_session *s)
{
    return s->referral ? s->referral->notify : NULL;
}

int sipua__refer_busy(const sipua_session *s)
{
    return s->refer_req || s->refer_sub || (s->refer_pending && !s->final_given) || s->referral ||
           s->generic_reqs;
}

void sipua__refer_detach(sipua_session *s)
{
    sipua__referral *rf = s->referral;
    if (rf) {
        rf->notify = NULL; /* the transaction layer's teardown frees it */
        referral_free(rf);
    }
}

void sipua__refer_release(sipua_session *s)
{
    sipua__session_free(s, s->refer_pending);
    s->refer_pending = NULL;
    if (s->replaces) {
        sipua_session_unref(s->replaces);
        s->replaces = NULL;
    }
}
