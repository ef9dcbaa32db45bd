/* Reliable provisional responses (RFC 3262): on the server, preaccept's
 * 183 Session Progress, retransmitted until its PRACK; on the client, a
 * PRACK for each reliable provisional response of each fork, and the SDP
 * answer such a response carries. */
#include <stdio.h>
#include <string.h>

#include "session/internal.h"

static void on_rel_timer(sipua__timer *t, sipua_time now, void *user);

void sipua__prack_init(sipua_session *s)
{
    sipua__timer_init(&s->t_rel, on_rel_timer, s);
}

void sipua__prack_release(sipua_session *s)
{
    sipua__session_free(s, s->answer_buf);
    sipua__session_free(s, s->rel_buf);
    sipua__session_free(s, s->accept_extra);
    sipua__session_free(s, s->early_sdp);
    s->answer_buf = s->rel_buf = s->accept_extra = s->early_sdp = NULL;
}

static char *copy(const sipua_session *s, const char *p, size_t n)
{
    char *c = sipua__session_alloc(s, n + 1);
    if (c) {
        memcpy(c, p, n);
        c[n] = 0;
    }
    return c;
}

/* ------------------------------------------------------------------ */
/* Server                                                              */

int sipua__prack_allows_2xx(const sipua_session *s)
{
    /* RFC 3262 3: a 2xx may not overtake the PRACK of a reliable
     * provisional response that carried a session description */
    return !(s->rel_pending && s->answer_buf);
}

int sipua_session_preaccept(sipua_session *s, const sipua_answer_opts *opts, sipua_time now)
{
    if (s && s->detached) /* its work is over, or the UA is gone */
        return SIPUA_ESTATE;
    if (!s)
        return SIPUA_EINVAL;
    sipua__session_touch(s, now);
    if (opts && !sipua__session_extra_headers_ok(opts->extra_headers, opts->n_extra_headers, NULL))
        return SIPUA_EINVAL;
    if (s->dir != SIPUA_DIRECTION_INCOMING || s->st != ST_PROCEEDING || s->final_given ||
        s->preaccepted || s->accept_wanted)
        return SIPUA_ESTATE;
    /* The answer to the INVITE's offer. After a delayed offer the 183
     * carries no SDP: our offer goes in the 200, its answer in the ACK. */
    char body[2048];
    int blen = 0;
    if (s->offer_in_invite && (blen = sipua__session_answer_sdp(s, body, sizeof body)) < 0)
        return 0; /* nothing acceptable: 488 went, the session failed */
    char raw[64];
    const char *raw_extra = NULL;
    if (s->peer_100rel) {
        /* the PRACK must find the session: the early dialog goes in the
         * UA's table with this 183 */
        int r = sipua__session_uas_dialog(s, 183);
        if (r == SIPUA_EPARSE)
            return 0;
        if (r < 0)
            return r;
        uint32_t rseq = 0;
        while (rseq == 0) { /* RFC 3262 3: 1 to 2^31 - 1 */
            s->host->random(s->host->ctx, (uint8_t *)&rseq, sizeof rseq);
            rseq &= 0x7fffffffu;
        }
        s->rseq = rseq;
        snprintf(raw, sizeof raw, "Require: 100rel\r\nRSeq: %lu\r\n", (unsigned long)rseq);
        raw_extra = raw;
    }
    char buf[8192];
    int n = sipua__session_build_invite_response(
        s, 183, "Session Progress", opts ? opts->extra_headers : NULL,
        opts ? opts->n_extra_headers : 0, raw_extra, (sipua_str){body, blen > 0 ? (size_t)blen : 0},
        buf, sizeof buf);
    if (n < 0)
        return n;
    if (!s->invite_txn)
        return SIPUA_ESTATE;
    char *answer = blen > 0 ? copy(s, body, (size_t)blen) : NULL;
    char *rel = s->peer_100rel ? copy(s, buf, (size_t)n) : NULL;
    if ((blen > 0 && !answer) || (s->peer_100rel && !rel)) {
        sipua__session_free(s, answer);
        sipua__session_free(s, rel);
        return SIPUA_ENOMEM;
    }
    int r = sipua__txn_server_respond(s->invite_txn, buf, (size_t)n, sipua__session_now(s));
    if (r < 0) {
        sipua__session_free(s, answer);
        sipua__session_free(s, rel);
        return r;
    }
    s->preaccepted = 1;
    s->answer_buf = answer;
    s->answer_len = blen > 0 ? (size_t)blen : 0;
    if (rel) {
        s->rel_buf = rel;
        s->rel_len = (size_t)n;
        s->rel_pending = 1;
        s->rel_interval = s->host->t1;
        s->rel_give_up = sipua__session_now(s) + 64 * s->host->t1;
        sipua__timer_schedule(s->host->timers, &s->t_rel, sipua__session_now(s) + s->host->t1);
    }
    sipua__session_emit(s, SIPUA_SESSION_EV_PROGRESS, NULL, 183, SIPUA_CAUSE_NONE, 0);
    return 0;
}

/* RFC 3262 3: the 183 again at T1, doubling up to T2, until its PRACK;
 * none by 64*T1: the INVITE is rejected 504 and the session fails,
 * NO_PRACK. */
static void on_rel_timer(sipua__timer *t, sipua_time now, void *user)
{
    (void)t;
    sipua_session *s = user;
    if (!s->rel_pending || s->final_given)
        return;
    if (now >= s->rel_give_up) {
        s->rel_pending = 0;
        s->accept_wanted = 0;
        sipua__session_send_invite_response(s, 504, "Server Time-out", NULL, 0, NULL,
                                            (sipua_str){NULL, 0});
        sipua__session_emit(s, SIPUA_SESSION_EV_FAILED, NULL, 504, SIPUA_CAUSE_NO_PRACK, 0);
        return;
    }
    if (s->invite_txn)
        sipua__txn_server_respond(s->invite_txn, s->rel_buf, s->rel_len, now);
    s->rel_interval = s->rel_interval * 2 < s->host->t2 ? s->rel_interval * 2 : s->host->t2;
    sipua_time next = now + s->rel_interval;
    if (next > s->rel_give_up)
        next = s->rel_give_up;
    sipua__timer_schedule(s->host->timers, &s->t_rel, next);
}

void sipua__prack_on_request(sipua_session *s, sipua__txn *st, const sipua_msg *req)
{
    sipua_rack rack;
    int pr = sipua_msg_rack(req, &rack);
    if (pr == SIPUA_EPARSE) {
        sipua__session_respond_simple(s, st, req, 400, "Bad Request (malformed RAck)", NULL);
        return;
    }
    const sipua_cseq *ic = sipua_msg_cseq(s->invite);
    /* RFC 3262 3: a PRACK that matches no unacknowledged reliable
     * provisional response gets 481 */
    if (pr != 0 || s->dir != SIPUA_DIRECTION_INCOMING || !s->rel_pending || !ic ||
        rack.rseq != s->rseq || rack.cseq != ic->number || rack.method != SIPUA_METHOD_INVITE) {
        sipua__session_respond_simple(s, st, req, 481, "Call/Transaction Does Not Exist", NULL);
        return;
    }
    s->rel_pending = 0;
    sipua__timer_cancel(s->host->timers, &s->t_rel);
    sipua__session_respond_simple(s, st, req, 200, "OK", NULL);
    if (s->accept_wanted && !s->final_given && s->st == ST_PROCEEDING) {
        s->accept_wanted = 0;
        sipua__session_send_2xx(s, NULL, 0, s->accept_extra,
                                (sipua_str){s->answer_buf, s->answer_len});
    }
}

/* ------------------------------------------------------------------ */
/* Client                                                              */

/* The o= line of an SDP body (RFC 4566 5.2): the session's identity and
 * version, the same in every copy of one session description. */
static sipua_str origin_of(sipua_str body)
{
    const char *p = body.p, *e = body.p + body.len;
    while (p && p + 1 < e) {
        const char *nl = memchr(p, '\n', (size_t)(e - p));
        const char *le = nl ? nl : e;
        if (p[0] == 'o' && p[1] == '=') {
            while (le > p && le[-1] == '\r')
                le--;
            return (sipua_str){p, (size_t)(le - p)};
        }
        p = nl ? nl + 1 : e;
    }
    return (sipua_str){NULL, 0};
}

int sipua__prack_client_2xx_sdp_differs(const sipua_session *s, const sipua_msg *resp)
{
    sipua_str o = origin_of(sipua_msg_body(resp));
    if (!s->early_sdp)
        return 0;
    return o.len != strlen(s->early_sdp) || memcmp(o.p, s->early_sdp, o.len) != 0;
}

static sipua__rel_seen *rel_slot(sipua_session *s, sipua__dialog *d, int *fresh)
{
    sipua__rel_seen *free_slot = NULL;
    for (size_t i = 0; i < SIPUA__REL_FORKS; i++) {
        if (s->rel_seen[i].d == d) {
            *fresh = 0;
            return &s->rel_seen[i];
        }
        if (!s->rel_seen[i].d && !free_slot)
            free_slot = &s->rel_seen[i];
    }
    *fresh = 1;
    return free_slot;
}

int sipua__prack_client_provisional(sipua_session *s, sipua__dialog *d, const sipua_msg *resp)
{
    uint32_t rseq;
    if (!d || sipua_msg_status(resp) == 100 || s->host->rel100 == SIPUA_100REL_DISABLED ||
        !sipua_msg_has_option(resp, SIPUA_HDR_REQUIRE, "100rel") ||
        sipua_msg_rseq(resp, &rseq) != 0)
        return 0; /* not reliable (or, without a To tag, not acknowledgeable) */
    int fresh;
    sipua__rel_seen *seen = rel_slot(s, d, &fresh);
    if (!seen)
        return 0; /* more forks than we follow: taken as unreliable */
    /* RFC 3262 4: the first sets the sequence; afterwards only the next
     * number is acknowledged and processed: a retransmission or one out
     * of order is dropped */
    if (!fresh && rseq != seen->rseq + 1)
        return 1;
    seen->d = d;
    seen->rseq = rseq;
    const sipua_cseq *ic = sipua_msg_cseq(s->invite);
    char rack[64];
    snprintf(rack, sizeof rack, "RAck: %lu %lu INVITE", (unsigned long)rseq,
             (unsigned long)(ic ? ic->number : 1));
    const char *extra[] = {rack};
    sipua__dialog *keep = s->dialog;
    s->dialog = d;
    sipua__session_send_in_dialog(s, SIPUA_METHOD_PRACK, extra, 1, (sipua_str){NULL, 0}, NULL);
    s->dialog = keep;
    /* RFC 3262 5: the answer to the INVITE's offer may come here; it is
     * taken once */
    if (s->offer_in_invite && !s->early_sdp && s->oa.state == SIPUA_SDP_OA_OFFER_SENT &&
        sipua__session_parse_sdp(s, resp) == 0 && sipua_sdp_oa_take_answer(&s->oa, s->sdp) == 0) {
        sipua_str o = origin_of(sipua_msg_body(resp));
        s->early_sdp = copy(s, o.p ? o.p : "", o.len);
    }
    return 0;
}
