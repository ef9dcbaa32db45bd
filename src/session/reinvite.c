/* Offer/answer after the first: re-INVITE (RFC 3261 14) both ways,
 * UPDATE (RFC 3311) both ways, hold and unhold (RFC 3264 8.4), 491 glare
 * with the 14.1 back-off, and session timers (RFC 4028). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session/internal.h"

#define SEC 1000000

static void on_glare(sipua__timer *t, sipua_time now, void *user);
static void on_re2xx(sipua__timer *t, sipua_time now, void *user);
static void on_se(sipua__timer *t, sipua_time now, void *user);

void sipua__reinvite_init(sipua_session *s)
{
    sipua__timer_init(&s->t_glare, on_glare, s);
    sipua__timer_init(&s->t_re2xx, on_re2xx, s);
    sipua__timer_init(&s->t_se, on_se, s);
    s->se_asked = s->host->session_expires;
}

void sipua__reinvite_stop(sipua_session *s)
{
    if (s->detached)
        return;
    sipua__timer_cancel(s->host->timers, &s->t_glare);
    sipua__timer_cancel(s->host->timers, &s->t_re2xx);
    sipua__timer_cancel(s->host->timers, &s->t_se);
}

void sipua__reinvite_release(sipua_session *s)
{
    sipua__session_free(s, s->re_ok_buf);
    s->re_ok_buf = NULL;
    sipua__session_free(s, s->ack_buf);
    s->ack_buf = NULL;
}

void sipua__reinvite_keep_ack(sipua_session *s, const sipua_endpoint *to, const char *bytes,
                              size_t len)
{
    if (len > s->ack_cap) {
        char *b = sipua__session_alloc(s, len);
        if (!b) {
            s->ack_len = 0;
            return;
        }
        sipua__session_free(s, s->ack_buf);
        s->ack_buf = b;
        s->ack_cap = len;
    }
    memcpy(s->ack_buf, bytes, len);
    s->ack_len = len;
    s->ack_to = *to;
    s->ack_cseq = 0;
}

/* ------------------------------------------------------------------ */
/* Small things                                                        */

/* 1 when the peer's description holds us: every stream it keeps is
 * sendonly or inactive, or has a null connection address (RFC 2543). */
static int peer_holds(const sipua_sdp *sdp)
{
    size_t live = 0, held = 0;
    for (size_t i = 0; i < sdp->media_count; i++) {
        const sipua_sdp_media *m = &sdp->media[i];
        if (!m->port)
            continue;
        live++;
        sipua_str a = m->conn.address;
        if (m->direction == SIPUA_SDP_SENDONLY || m->direction == SIPUA_SDP_INACTIVE ||
            sipua_str_eq(a, "0.0.0.0") || sipua_str_eq(a, "::"))
            held++;
    }
    return live && held == live;
}

static void renegotiated(sipua_session *s, const sipua_msg *msg, int code, int peer_held)
{
    s->held_local = s->oa.held;
    s->held_remote = peer_held;
    if (!s->final_given)
        sipua__session_emit(s, SIPUA_SESSION_EV_RENEGOTIATED, msg, code, SIPUA_CAUSE_NONE, 0);
}

/* Session-Expires of m: 1 with *delta and *refresher (0 none, 1 uac,
 * 2 uas), 0 when absent or malformed. */
static int se_of(const sipua_msg *m, uint32_t *delta, int *refresher)
{
    const sipua_hdr *h = sipua_msg_find(m, SIPUA_HDR_SESSION_EXPIRES, NULL);
    if (!h)
        return 0;
    const char *p = h->value.p, *end = p + h->value.len;
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    uint64_t v = 0;
    const char *d0 = p;
    while (p < end && *p >= '0' && *p <= '9' && v < 0xffffffffu)
        v = v * 10 + (uint64_t)(*p++ - '0');
    if (p == d0 || v > 0xffffffffu)
        return 0;
    *delta = (uint32_t)v;
    *refresher = 0;
    sipua_str r;
    if (sipua_param_find((sipua_str){p, (size_t)(end - p)}, "refresher", &r) && r.p) {
        if (sipua_str_caseeq(r, "uac"))
            *refresher = 1;
        else if (sipua_str_caseeq(r, "uas"))
            *refresher = 2;
    }
    return 1;
}

static uint32_t min_se_of(const sipua_msg *m)
{
    const sipua_hdr *h = sipua_msg_find(m, SIPUA_HDR_MIN_SE, NULL);
    uint32_t v = 0;
    if (!h)
        return 0;
    for (size_t i = 0; i < h->value.len; i++) {
        char c = h->value.p[i];
        if (c == ' ' && !v)
            continue;
        if (c < '0' || c > '9' || v > 100000000u)
            break;
        v = v * 10 + (uint32_t)(c - '0');
    }
    return v;
}

/* (Re)arms the session timer from now: the refresh at half the interval,
 * or the watch until interval - min(32, interval / 3) (RFC 4028 10). */
static void se_arm(sipua_session *s)
{
    if (s->detached)
        return;
    sipua__timer_cancel(s->host->timers, &s->t_se);
    if (!s->se_interval || s->final_given)
        return;
    sipua_time iv = (sipua_time)s->se_interval * SEC, at;
    if (s->se_we_refresh) {
        at = iv / 2;
    } else {
        sipua_time margin = iv / 3 < 32 * SEC ? iv / 3 : 32 * SEC;
        at = iv - margin;
    }
    sipua__timer_schedule(s->host->timers, &s->t_se, sipua__session_now(s) + at);
}

/* The Session-Expires line for a re-INVITE or UPDATE of ours, into out
 * ("" when no timer is in force). */
static void se_request_line(const sipua_session *s, char *out, size_t cap)
{
    out[0] = 0;
    if (s->se_interval)
        snprintf(out, cap, "Session-Expires: %lu;refresher=%s", (unsigned long)s->se_interval,
                 s->se_we_refresh ? "uac" : "uas");
}

/* Server: the Session-Expires of a request we answer 2xx, into lines
 * (CRLFs included), and the timer set from it. A request without one
 * turns the timer off. */
static void se_from_request(sipua_session *s, const sipua_msg *req, char *out, size_t cap)
{
    uint32_t delta;
    int refresher;
    out[0] = 0;
    if (s->host->session_timer == SIPUA_TIMER_DISABLED || !se_of(req, &delta, &refresher)) {
        s->se_interval = 0;
        return;
    }
    int peer_timer = sipua_msg_has_option(req, SIPUA_HDR_SUPPORTED, "timer") ||
                     sipua_msg_has_option(req, SIPUA_HDR_REQUIRE, "timer");
    if (!refresher)
        refresher = peer_timer ? 1 : 2;
    s->se_interval = delta;
    s->se_we_refresh = refresher == 2; /* we are the UAS of this request */
    snprintf(out, cap, "Session-Expires: %lu;refresher=%s\r\n%s", (unsigned long)delta,
             refresher == 1 ? "uac" : "uas", peer_timer ? "Require: timer\r\n" : "");
}

/* 1 when the request's Session-Expires is too small: answered 422. */
static int se_too_small(const sipua_session *s, const sipua_msg *req, uint32_t *delta)
{
    int refresher;
    return s->host->session_timer != SIPUA_TIMER_DISABLED && se_of(req, delta, &refresher) &&
           *delta < s->host->min_se;
}

/* A response to a re-INVITE or UPDATE: our Contact for 2xx (target
 * refresh), extra header lines (CRLFs included), an SDP body. */
static int reply(sipua_session *s, sipua__txn *st, const sipua_msg *req, int code,
                 const char *reason, const char *extra, sipua_str body, char *buf, size_t cap)
{
    sipua_builder b;
    sipua_builder_init(&b, buf, cap);
    const sipua__txn_dest *src = sipua__txn_get_dest(st);
    if (sipua_builder_response(&b, req, code, sipua__cstr(reason), sipua__cstr(s->local_tag),
                               src ? sipua__cstr(src->host) : (sipua_str){NULL, 0},
                               src ? src->port : 0) != 0)
        return SIPUA_ENOSPC;
    if (code >= 200 && code < 300) {
        char contact[SIPUA__CONTACT_MAX];
        sipua__session_contact(s, s->peer.transport, contact, sizeof contact);
        sipua_builder_header(&b, SIPUA_STR("Contact"), sipua__cstr(contact));
        sipua_builder_header(&b, SIPUA_STR("Allow"), SIPUA_STR(SIPUA__SESSION_ALLOW));
        sipua_builder_header(&b, SIPUA_STR("Supported"), sipua__cstr(s->host->supported));
    }
    sipua_builder_header(&b, SIPUA_STR("Server"), sipua__cstr(s->host->user_agent));
    if (extra && *extra)
        sipua_builder_raw(&b, sipua__cstr(extra));
    if (body.len)
        sipua_builder_header(&b, SIPUA_STR("Content-Type"), SIPUA_STR("application/sdp"));
    sipua_builder_body(&b, body);
    int n = sipua_builder_finish(&b);
    if (n < 0)
        return n;
    return sipua__txn_server_respond(st, buf, (size_t)n, sipua__session_now(s)) == 0 ? n
                                                                                     : SIPUA_ESTATE;
}

static int peer_allows_update(const sipua_msg *m)
{
    return sipua_msg_has_option(m, SIPUA_HDR_ALLOW, "UPDATE");
}

/* ------------------------------------------------------------------ */
/* Client: re-INVITE and UPDATE of ours                                */

static int busy(const sipua_session *s)
{
    return s->reinv_req || s->re_ok_pending || sipua__timer_armed(&s->t_glare) ||
           s->oa.state == SIPUA_SDP_OA_OFFER_SENT;
}

/* Sends a re-INVITE (or UPDATE) with an offer (none for an UPDATE
 * refresh) asking for hold state `hold`. */
static int send_offer(sipua_session *s, sipua_method method, int kind, int hold)
{
    char body[2048];
    int blen = 0;
    int prev_hold = s->oa.held;
    int with_sdp = !(kind == SIPUA__REINV_REFRESH && method == SIPUA_METHOD_UPDATE);
    if (with_sdp && s->oa.state != SIPUA_SDP_OA_IDLE) {
        sipua_sdp_oa_hold(&s->oa, hold);
        blen = sipua_sdp_oa_offer(&s->oa, body, sizeof body);
        if (blen < 0) {
            sipua_sdp_oa_hold(&s->oa, prev_hold);
            return blen;
        }
    }
    char se[96], sup[64];
    se_request_line(s, se, sizeof se);
    snprintf(sup, sizeof sup, "Supported: %s", s->host->supported);
    const char *extra[2] = {sup, se};
    int r = sipua__session_send_in_dialog(s, method, extra, se[0] ? 2 : 1,
                                          (sipua_str){body, blen > 0 ? (size_t)blen : 0},
                                          &s->reinv_req);
    if (r < 0) {
        if (blen > 0)
            sipua_sdp_oa_rollback(&s->oa);
        sipua_sdp_oa_hold(&s->oa, prev_hold);
        return r;
    }
    s->reinv_kind = kind;
    s->reinv_hold = hold;
    return 0;
}

static int start(sipua_session *s, sipua_time now, sipua_method method, int hold)
{
    if (!s)
        return SIPUA_EINVAL;
    sipua__session_touch(s, now);
    if (s->final_given || s->st != ST_ESTABLISHED || !s->dialog || s->bye_req || busy(s) ||
        s->oa.state == SIPUA_SDP_OA_IDLE)
        return SIPUA_ESTATE;
    return send_offer(s, method, SIPUA__REINV_RENEGOTIATE, hold);
}

int sipua_session_hold(sipua_session *s, sipua_time now)
{
    if (s && s->detached) /* its work is over, or the UA is gone */
        return SIPUA_ESTATE;
    return start(s, now, SIPUA_METHOD_INVITE, 1);
}

int sipua_session_unhold(sipua_session *s, sipua_time now)
{
    if (s && s->detached) /* its work is over, or the UA is gone */
        return SIPUA_ESTATE;
    return start(s, now, SIPUA_METHOD_INVITE, 0);
}

int sipua_session_renegotiate(sipua_session *s, sipua_time now)
{
    if (s && s->detached) /* its work is over, or the UA is gone */
        return SIPUA_ESTATE;
    return start(s, now, SIPUA_METHOD_INVITE, s ? s->oa.held : 0);
}

int sipua_session_update(sipua_session *s, sipua_time now)
{
    if (s && s->detached) /* its work is over, or the UA is gone */
        return SIPUA_ESTATE;
    return start(s, now, SIPUA_METHOD_UPDATE, s ? s->oa.held : 0);
}

int sipua_session_is_held_local(const sipua_session *s)
{
    return s ? s->held_local : 0;
}

int sipua_session_is_held_remote(const sipua_session *s)
{
    return s ? s->held_remote : 0;
}

uint32_t sipua_session_expires(const sipua_session *s)
{
    return s ? s->se_interval : 0;
}

/* The dialog is gone (481, 408) or the peer does not answer: the session
 * ends; BYE when the dialog may still be there. */
static void dialog_lost(sipua_session *s, const sipua_msg *resp, int code, sipua_cause cause,
                        int send_bye)
{
    if (s->final_given)
        return;
    if (send_bye && !s->bye_req)
        sipua__session_send_in_dialog(s, SIPUA_METHOD_BYE, NULL, 0, (sipua_str){NULL, 0},
                                      &s->bye_req);
    else if (s->dialog)
        sipua__dialog_terminate(s->dialog);
    sipua__session_emit(s, SIPUA_SESSION_EV_TERMINATED, resp, code, cause, 0);
}

/* 14.1: 2.1..4 s when we own the Call-ID, else 0..2 s, in 10 ms steps. */
static sipua_time glare_backoff(sipua_session *s)
{
    uint32_t r;
    s->host->random(s->host->ctx, (uint8_t *)&r, sizeof r);
    if (s->dir == SIPUA_DIRECTION_OUTGOING)
        return (sipua_time)(210 + r % 191) * 10000;
    return (sipua_time)(r % 201) * 10000;
}

void sipua__reinvite_on_response(sipua_session *s, sipua__sreq *q, const sipua_msg *resp)
{
    int code = sipua_msg_status(resp);
    const sipua_cseq *cs = sipua_msg_cseq(resp);
    if (code < 200)
        return;
    if (q != s->reinv_req) {
        /* a 2xx again (RFC 6026 7.2): the same ACK again */
        if (q->method == SIPUA_METHOD_INVITE && code < 300 && cs && s->ack_len &&
            s->ack_cseq == cs->number && !s->detached)
            s->host->send(s->host->ctx, &s->ack_to, s->ack_buf, s->ack_len);
        return;
    }
    s->reinv_req = NULL;
    if (s->dialog)
        sipua__dialog_recv_response(s->dialog, resp);
    int offered = s->oa.state == SIPUA_SDP_OA_OFFER_SENT;
    if (code < 300) {
        if (q->method == SIPUA_METHOD_INVITE &&
            sipua__session_send_in_dialog(s, SIPUA_METHOD_ACK, NULL, 0, (sipua_str){NULL, 0},
                                          NULL) >= 0)
            s->ack_cseq = cs ? cs->number : 0;
        if (peer_allows_update(resp))
            s->peer_update = 1;
        uint32_t delta;
        int refresher;
        if (se_of(resp, &delta, &refresher) && delta) {
            s->se_interval = delta;
            s->se_we_refresh = refresher != 2; /* we are the UAC */
        } else {
            s->se_interval = 0;
        }
        se_arm(s);
        if (!offered)
            return;
        int ps = sipua__session_parse_sdp(s, resp);
        int held = ps == 0 && peer_holds(s->sdp);
        if (ps != 0 || sipua_sdp_oa_take_answer(&s->oa, s->sdp) != 0) {
            /* an unusable answer ends the call, as for the first one */
            if (ps != 0)
                sipua_sdp_oa_rollback(&s->oa);
            const char *reason[] = {"Reason: SIP;cause=488;text=\"Not Acceptable Here\""};
            if (!s->final_given && !s->bye_req)
                sipua__session_send_in_dialog(s, SIPUA_METHOD_BYE, reason, 1, (sipua_str){NULL, 0},
                                              &s->bye_req);
            sipua__session_emit(s, SIPUA_SESSION_EV_TERMINATED, resp, code,
                                SIPUA_CAUSE_BAD_MEDIA_DESCRIPTION, 0);
            return;
        }
        renegotiated(s, resp, code, held);
        return;
    }
    /* a failure: the offer is forgotten, the hold state is as it was */
    if (offered)
        sipua_sdp_oa_rollback(&s->oa);
    sipua_sdp_oa_hold(&s->oa, s->held_local);
    if (code == 481 || code == 408) {
        dialog_lost(s, resp, code, SIPUA_CAUSE_DIALOG_ERROR, 0);
        return;
    }
    if (code == 491 && !s->final_given) {
        s->glare_kind = s->reinv_kind;
        s->glare_hold = s->reinv_hold;
        s->glare_update = q->method == SIPUA_METHOD_UPDATE;
        sipua__timer_schedule(s->host->timers, &s->t_glare,
                              sipua__session_now(s) + glare_backoff(s));
        return;
    }
    if (s->reinv_kind == SIPUA__REINV_REFRESH) {
        se_arm(s); /* keep refreshing; the peer ends the call if it must */
        return;
    }
    /* refused (488, 500...): the application hears that nothing changed */
    if (!s->final_given)
        sipua__session_emit(s, SIPUA_SESSION_EV_RENEGOTIATED, resp, code, SIPUA_CAUSE_NONE, 0);
}

void sipua__reinvite_failed(sipua_session *s, sipua__sreq *q, sipua_cause cause)
{
    if (q != s->reinv_req)
        return;
    s->reinv_req = NULL;
    if (s->oa.state == SIPUA_SDP_OA_OFFER_SENT)
        sipua_sdp_oa_rollback(&s->oa);
    sipua_sdp_oa_hold(&s->oa, s->held_local);
    dialog_lost(s, NULL, 0, cause, 1);
}

static void on_glare(sipua__timer *t, sipua_time now, void *user)
{
    (void)t;
    (void)now;
    sipua_session *s = user;
    if (s->final_given || s->st != ST_ESTABLISHED || !s->dialog || s->bye_req)
        return;
    if (s->reinv_req || s->re_ok_pending) {
        /* the peer's went first: try again later */
        sipua__timer_schedule(s->host->timers, &s->t_glare,
                              sipua__session_now(s) + glare_backoff(s));
        return;
    }
    send_offer(s, s->glare_update ? SIPUA_METHOD_UPDATE : SIPUA_METHOD_INVITE, s->glare_kind,
               s->glare_hold);
}

/* ------------------------------------------------------------------ */
/* Session timers                                                      */

static void on_se(sipua__timer *t, sipua_time now, void *user)
{
    (void)t;
    (void)now;
    sipua_session *s = user;
    if (s->final_given || s->st != ST_ESTABLISHED || !s->dialog || s->bye_req)
        return;
    if (!s->se_we_refresh) {
        /* RFC 4028 10: no refresh came: BYE */
        const char *reason[] = {"Reason: SIP;cause=408;text=\"Session Timer Expired\""};
        sipua__session_send_in_dialog(s, SIPUA_METHOD_BYE, reason, 1, (sipua_str){NULL, 0},
                                      &s->bye_req);
        sipua__session_emit(s, SIPUA_SESSION_EV_TERMINATED, NULL, 0, SIPUA_CAUSE_REQUEST_TIMEOUT,
                            0);
        return;
    }
    if (busy(s)) {
        /* an exchange is under way: its 2xx refreshes; look again soon */
        sipua__timer_schedule(s->host->timers, &s->t_se, sipua__session_now(s) + SEC);
        return;
    }
    send_offer(s, s->peer_update ? SIPUA_METHOD_UPDATE : SIPUA_METHOD_INVITE, SIPUA__REINV_REFRESH,
               s->oa.held);
}

int sipua__timer_client_422(sipua_session *s, const sipua_msg *resp)
{
    uint32_t min = min_se_of(resp);
    if (s->host->session_timer == SIPUA_TIMER_DISABLED || s->se_retried || s->final_given ||
        s->cancel_wanted || !min || min > 86400 || min <= s->se_asked || !s->invite_txn)
        return 0;
    /* the INVITE again, CSeq + 1 and a new branch, with the interval
     * asked for (RFC 4028 7.4) */
    static const char *const drop[] = {"session-expires", "x", "min-se"};
    char lines[96];
    snprintf(lines, sizeof lines, "Session-Expires: %lu\r\nMin-SE: %lu\r\n", (unsigned long)min,
             (unsigned long)min);
    if (!sipua__session_invite_again(s, drop, 3, lines))
        return 0;
    s->se_asked = min;
    s->se_retried = 1;
    return 1;
}

void sipua__timer_client_2xx(sipua_session *s, const sipua_msg *resp)
{
    uint32_t delta;
    int refresher;
    s->peer_update = peer_allows_update(resp);
    /* without timers of ours, a Session-Expires the UAS put in its 2xx is
     * its own to refresh (RFC 4028 9) */
    if (s->host->session_timer == SIPUA_TIMER_DISABLED || !se_of(resp, &delta, &refresher) ||
        !delta)
        return;
    s->se_interval = delta;
    s->se_we_refresh = refresher != 2;
    se_arm(s);
}

int sipua__timer_server_check(sipua_session *s)
{
    uint32_t delta;
    s->peer_update = peer_allows_update(s->invite);
    if (!se_too_small(s, s->invite, &delta))
        return 0;
    char extra[64];
    snprintf(extra, sizeof extra, "Min-SE: %u\r\n", (unsigned)s->host->min_se);
    sipua__session_send_invite_response(s, 422, "Session Interval Too Small", NULL, 0, extra,
                                        (sipua_str){NULL, 0});
    return 1;
}

void sipua__timer_server_2xx(sipua_session *s, char *out, size_t cap)
{
    se_from_request(s, s->invite, out, cap);
    se_arm(s);
}

/* ------------------------------------------------------------------ */
/* Server: the peer's re-INVITE and UPDATE                             */

void sipua__reinvite_server_txn_gone(sipua_session *s, sipua__txn *t)
{
    if (s->reinv_st == t)
        s->reinv_st = NULL;
}

static void on_re2xx(sipua__timer *t, sipua_time now, void *user)
{
    (void)t;
    sipua_session *s = user;
    if (!s->re_ok_pending || !s->re_ok_buf || s->final_given)
        return;
    if (!s->reinv_st && now < s->re_give_up) {
        /* the transaction is over: wait for the ACK until the end */
        sipua__timer_schedule(s->host->timers, &s->t_re2xx, s->re_give_up);
        return;
    }
    if (now >= s->re_give_up) {
        /* no ACK (RFC 3261 14.2 and 13.3.1.4): BYE */
        s->re_ok_pending = 0;
        if (s->re_offer_in_ok)
            sipua_sdp_oa_rollback(&s->oa);
        if (!s->bye_req)
            sipua__session_send_in_dialog(s, SIPUA_METHOD_BYE, NULL, 0, (sipua_str){NULL, 0},
                                          &s->bye_req);
        sipua__session_emit(s, SIPUA_SESSION_EV_TERMINATED, NULL, 0, SIPUA_CAUSE_NO_ACK, 0);
        return;
    }
    sipua__txn_server_respond(s->reinv_st, s->re_ok_buf, s->re_ok_len, now);
    s->re_interval = s->re_interval * 2 < s->host->t2 ? s->re_interval * 2 : s->host->t2;
    sipua_time next = now + s->re_interval;
    if (next > s->re_give_up)
        next = s->re_give_up;
    sipua__timer_schedule(s->host->timers, &s->t_re2xx, next);
}

void sipua__reinvite_on_request(sipua_session *s, sipua__txn *st, const sipua_msg *req)
{
    sipua_method m = sipua_msg_method(req);
    int invite = m == SIPUA_METHOD_INVITE;
    char buf[8192];
    if (s->final_given || s->bye_req || (s->st != ST_ESTABLISHED && s->st != ST_ANSWERED)) {
        reply(s, st, req, s->final_given ? 481 : 491,
              s->final_given ? "Call/Transaction Does Not Exist" : "Request Pending", NULL,
              (sipua_str){NULL, 0}, buf, sizeof buf);
        return;
    }
    int ps = sipua__session_parse_sdp(s, req);
    /* RFC 3261 14.2, RFC 3311 5.2: ours pending, 491; the peer's, 500 */
    if (s->reinv_req || s->oa.state == SIPUA_SDP_OA_OFFER_SENT) {
        reply(s, st, req, 491, "Request Pending", NULL, (sipua_str){NULL, 0}, buf, sizeof buf);
        return;
    }
    if (s->st == ST_ANSWERED || (invite && s->re_ok_pending) ||
        (s->re_ok_pending && s->re_offer_in_ok)) {
        char ra[32];
        uint32_t r;
        s->host->random(s->host->ctx, (uint8_t *)&r, sizeof r);
        snprintf(ra, sizeof ra, "Retry-After: %u\r\n", (unsigned)(r % 11));
        reply(s, st, req, 500, "Server Internal Error", ra, (sipua_str){NULL, 0}, buf, sizeof buf);
        return;
    }
    uint32_t delta;
    if (se_too_small(s, req, &delta)) {
        char extra[64];
        snprintf(extra, sizeof extra, "Min-SE: %u\r\n", (unsigned)s->host->min_se);
        reply(s, st, req, 422, "Session Interval Too Small", extra, (sipua_str){NULL, 0}, buf,
              sizeof buf);
        return;
    }
    if (ps < 0) {
        reply(s, st, req, 400, "Bad Request (malformed SDP)", NULL, (sipua_str){NULL, 0}, buf,
              sizeof buf);
        return;
    }
    char body[2048];
    int blen = 0, held = s->held_remote, offer_in_ok = 0;
    if (ps == 0) {
        held = peer_holds(s->sdp);
        blen = sipua_sdp_oa_answer(&s->oa, s->sdp, body, sizeof body);
        if (blen < 0) {
            /* RFC 3261 14.2: the session stays as it was */
            reply(s, st, req, 488, "Not Acceptable Here", NULL, (sipua_str){NULL, 0}, buf,
                  sizeof buf);
            return;
        }
    } else if (invite) {
        /* no offer in the re-INVITE: ours goes in the 2xx, the answer
         * comes in the ACK */
        blen = sipua_sdp_oa_offer(&s->oa, body, sizeof body);
        offer_in_ok = blen > 0;
        if (blen < 0)
            blen = 0;
    }
    if (peer_allows_update(req))
        s->peer_update = 1;
    char se[128];
    se_from_request(s, req, se, sizeof se);
    int n = reply(s, st, req, 200, "OK", se, (sipua_str){body, (size_t)blen}, buf, sizeof buf);
    if (n < 0) {
        if (offer_in_ok)
            sipua_sdp_oa_rollback(&s->oa);
        return;
    }
    se_arm(s);
    if (invite) {
        /* 13.3.1.4: retransmitted until the ACK */
        sipua__session_free(s, s->re_ok_buf);
        s->re_ok_buf = sipua__session_alloc(s, (size_t)n);
        if (s->re_ok_buf) {
            memcpy(s->re_ok_buf, buf, (size_t)n);
            s->re_ok_len = (size_t)n;
        }
        if (!sipua__txn_get_user(st))
            sipua__txn_set_user(st, sipua_session_ref(s)); /* the transaction's reference */
        s->reinv_st = st;
        s->re_ok_pending = 1;
        s->re_cseq = sipua_msg_cseq(req) ? sipua_msg_cseq(req)->number : 0;
        s->re_offer_in_ok = offer_in_ok;
        s->re_interval = s->host->t1;
        s->re_give_up = sipua__session_now(s) + 64 * s->host->t1;
        sipua__timer_schedule(s->host->timers, &s->t_re2xx, sipua__session_now(s) + s->host->t1);
    }
    if (ps == 0)
        renegotiated(s, req, 200, held);
}

void sipua__reinvite_on_ack(sipua_session *s, const sipua_msg *ack)
{
    const sipua_cseq *c = sipua_msg_cseq(ack);
    if (!s->re_ok_pending || !c || c->number != s->re_cseq)
        return;
    s->re_ok_pending = 0;
    sipua__timer_cancel(s->host->timers, &s->t_re2xx);
    if (!s->re_offer_in_ok)
        return;
    s->re_offer_in_ok = 0;
    int ps = sipua__session_parse_sdp(s, ack);
    int held = ps == 0 && peer_holds(s->sdp);
    if (ps != 0 || sipua_sdp_oa_take_answer(&s->oa, s->sdp) != 0) {
        sipua_sdp_oa_rollback(&s->oa);
        return;
    }
    renegotiated(s, ack, 200, held);
}
