/* Reliable provisional responses (RFC 3262) and DTMF over INFO (RFC 6086
 * usage), on the simulated network's virtual clock: two UA cores, A
 * (10.0.0.1) and B (10.0.0.2), and a hand-driven SIP peer R (10.0.0.3)
 * that sends what a test writes and records what it receives. The network
 * is perfect with a fixed one-way delay of 20 ms, so every time below is
 * exact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "simworld.h"

static void r_prack(world *w, const char *tag, unsigned cseq, uint32_t rseq)
{
    char rack[64];
    snprintf(rack, sizeof rack, "RAck: %lu 10 INVITE\r\n", (unsigned long)rseq);
    r_in_dialog(w, tag, "PRACK", cseq, rack, NULL, NULL);
}

static uint32_t rseq_of(world *w, const logged *l)
{
    uint32_t v = 0;
    assert_int_equal(sipua_msg_rseq(parsed(w, l), &v), 0);
    return v;
}

/* RFC 3262 3: the reliable 183 carries Require: 100rel, an RSeq and the
 * answer, and goes again at T1, 2*T1, 4*T1 (capped at T2) until its
 * PRACK; a PRACK for another RSeq gets 481, the right one 200, and the
 * 200 to the INVITE then repeats the 183's SDP. */
static void test_3262_3_reliable_183_retransmitted_until_prack(void **state)
{
    (void)state;
    world *w = world_new(B_PREACCEPT);
    sipua_time t0 = now_of(w);
    r_invite(w, "Supported: 100rel\r\n");
    run_until(w, t0 + 4000 * MS);
    int n183;
    int first = nth(w, w->r_rx, w->r_n, 183, SIPUA_METHOD_INVITE, 0, &n183);
    assert_true(first >= 0);
    assert_int_equal(n183, 4);
    sipua_time expect[4] = {0, 500, 1500, 3500};
    for (int k = 0; k < 4; k++) {
        int i = nth(w, w->r_rx, w->r_n, 183, SIPUA_METHOD_INVITE, k, NULL);
        assert_int_equal(w->r_rx[i].at, t0 + 2 * DELAY + expect[k] * MS);
    }
    const logged *l = &w->r_rx[first];
    assert_true(str_is(header(w, l, "Require"), "100rel"));
    uint32_t rseq = rseq_of(w, l);
    assert_true(rseq >= 1 && rseq <= 0x7fffffffu);
    sipua_str sdp183 = body_of(w, l);
    assert_true(sdp183.len > 0);
    char sdp[2048];
    memcpy(sdp, sdp183.p, sdp183.len);
    sdp[sdp183.len] = 0;
    char tag[64];
    to_tag(w, l, tag, sizeof tag);
    assert_int_equal(has_kind(&w->eb, SIPUA_SESSION_EV_PROGRESS, 183), 1);

    /* a PRACK for another RSeq matches nothing */
    r_prack(w, tag, 11, rseq + 1);
    run_until(w, now_of(w) + 100 * MS);
    assert_int_equal(count_of(w, w->r_rx, w->r_n, 481, SIPUA_METHOD_PRACK), 1);
    r_prack(w, tag, 12, rseq);
    run_until(w, now_of(w) + 100 * MS);
    assert_int_equal(count_of(w, w->r_rx, w->r_n, 200, SIPUA_METHOD_PRACK), 1);
    run_until(w, t0 + 40000 * MS);
    assert_int_equal(count_of(w, w->r_rx, w->r_n, 183, SIPUA_METHOD_INVITE), 4);
    assert_int_equal(has_kind(&w->eb, SIPUA_SESSION_EV_FAILED, 0), 0);

    /* a second PRACK for the same 183: nothing left to acknowledge */
    r_prack(w, tag, 13, rseq);
    run_until(w, now_of(w) + 100 * MS);
    assert_int_equal(count_of(w, w->r_rx, w->r_n, 481, SIPUA_METHOD_PRACK), 2);

    assert_int_equal(sipua_session_accept(w->sb, NULL, now_of(w)), 0);
    run_until(w, now_of(w) + 100 * MS);
    int ok = nth(w, w->r_rx, w->r_n, 200, SIPUA_METHOD_INVITE, 0, NULL);
    assert_true(ok >= 0);
    assert_true(str_is(body_of(w, &w->r_rx[ok]), sdp));
    r_in_dialog(w, tag, "ACK", 10, "", NULL, NULL);
    run_until(w, now_of(w) + 100 * MS);
    assert_int_equal(has_kind(&w->eb, SIPUA_SESSION_EV_ACCEPTED, 200), 1);
    assert_true(sipua_session_is_established(w->sb));
    world_free(w);
}

/* API.md: no PRACK within 64*T1: the INVITE is rejected 504 and the
 * session fails with cause NO_PRACK. */
static void test_3262_3_no_prack_in_64_t1_rejects_504(void **state)
{
    (void)state;
    world *w = world_new(B_PREACCEPT);
    sipua_time t0 = now_of(w);
    r_invite(w, "Require: 100rel\r\n");
    run_until(w, t0 + 31900 * MS);
    assert_int_equal(count_of(w, w->r_rx, w->r_n, 504, SIPUA_METHOD_INVITE), 0);
    run_until(w, t0 + 40000 * MS);
    sipua_time expect[] = {0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500};
    int n183;
    nth(w, w->r_rx, w->r_n, 183, SIPUA_METHOD_INVITE, 0, &n183);
    assert_int_equal(n183, 11);
    for (int k = 0; k < 11; k++) {
        int i = nth(w, w->r_rx, w->r_n, 183, SIPUA_METHOD_INVITE, k, NULL);
        assert_int_equal(w->r_rx[i].at, t0 + 2 * DELAY + expect[k] * MS);
    }
    int i504 = nth(w, w->r_rx, w->r_n, 504, SIPUA_METHOD_INVITE, 0, NULL);
    assert_true(i504 >= 0);
    assert_int_equal(w->r_rx[i504].at, t0 + 2 * DELAY + 32000 * MS);
    assert_int_equal(has_kind(&w->eb, SIPUA_SESSION_EV_FAILED, 504), 1);
    assert_int_equal(w->eb.ev[w->eb.n - 1].cause, SIPUA_CAUSE_NO_PRACK);
    assert_true(sipua_session_is_ended(w->sb));
    world_free(w);
}

/* An INVITE without 100rel: the 183 goes once, without Require or RSeq;
 * accept answers 200 at once with the same SDP. */
static void test_3262_unreliable_183_when_100rel_not_offered(void **state)
{
    (void)state;
    world *w = world_new(B_PREACCEPT);
    sipua_time t0 = now_of(w);
    r_invite(w, "");
    run_until(w, t0 + 10000 * MS);
    int n183;
    int i = nth(w, w->r_rx, w->r_n, 183, SIPUA_METHOD_INVITE, 0, &n183);
    assert_int_equal(n183, 1);
    assert_null(header(w, &w->r_rx[i], "Require").p);
    assert_null(header(w, &w->r_rx[i], "RSeq").p);
    char sdp[2048];
    sipua_str b = body_of(w, &w->r_rx[i]);
    assert_true(b.len > 0 && b.len < sizeof sdp);
    memcpy(sdp, b.p, b.len);
    sdp[b.len] = 0;
    assert_int_equal(sipua_session_accept(w->sb, NULL, now_of(w)), 0);
    run_until(w, now_of(w) + 100 * MS);
    int ok = nth(w, w->r_rx, w->r_n, 200, SIPUA_METHOD_INVITE, 0, NULL);
    assert_true(ok >= 0);
    assert_int_equal(w->r_rx[ok].at, t0 + 10000 * MS + DELAY);
    assert_true(str_is(body_of(w, &w->r_rx[ok]), sdp));
    /* preaccept twice, or after the answer: ESTATE */
    assert_int_equal(sipua_session_preaccept(w->sb, NULL, now_of(w)), SIPUA_ESTATE);
    world_free(w);
}

/* RFC 3262 3: the 2xx does not overtake the PRACK of a reliable 183 that
 * carried SDP: accept() returns 0 and its 200 goes when the PRACK comes. */
static void test_3262_3_accept_after_preaccept_waits_for_the_prack(void **state)
{
    (void)state;
    world *w = world_new(B_PREACCEPT_ACCEPT);
    sipua_time t0 = now_of(w);
    r_invite(w, "Supported: 100rel\r\n");
    run_until(w, t0 + 1000 * MS);
    assert_int_equal(count_of(w, w->r_rx, w->r_n, 200, SIPUA_METHOD_INVITE), 0);
    assert_int_equal(has_kind(&w->eb, SIPUA_SESSION_EV_ACCEPTED, 0), 0);
    assert_int_equal(sipua_session_accept(w->sb, NULL, now_of(w)), SIPUA_ESTATE);
    int i = nth(w, w->r_rx, w->r_n, 183, SIPUA_METHOD_INVITE, 0, NULL);
    char tag[64], sdp[2048];
    to_tag(w, &w->r_rx[i], tag, sizeof tag);
    sipua_str b = body_of(w, &w->r_rx[i]);
    memcpy(sdp, b.p, b.len);
    sdp[b.len] = 0;
    sipua_time tp = now_of(w);
    r_prack(w, tag, 11, rseq_of(w, &w->r_rx[i]));
    run_until(w, tp + 200 * MS);
    assert_int_equal(count_of(w, w->r_rx, w->r_n, 200, SIPUA_METHOD_PRACK), 1);
    int ok = nth(w, w->r_rx, w->r_n, 200, SIPUA_METHOD_INVITE, 0, NULL);
    assert_true(ok >= 0);
    assert_int_equal(w->r_rx[ok].at, tp + 2 * DELAY);
    assert_true(str_is(body_of(w, &w->r_rx[ok]), sdp));
    assert_int_equal(has_kind(&w->eb, SIPUA_SESSION_EV_ACCEPTED, 200), 1);
    /* protocol order: progress, then accepted */
    assert_int_equal(w->eb.ev[0].kind, SIPUA_SESSION_EV_PROGRESS);
    assert_int_equal(w->eb.ev[1].kind, SIPUA_SESSION_EV_ACCEPTED);
    world_free(w);
}

/* ------------------------------------------------------------------ */
/* A calls R                                                           */

static void r_reliable(world *w, int inv, int code, uint32_t rseq, const char *body)
{
    char extra[96];
    snprintf(extra, sizeof extra, "Require: 100rel\r\nRSeq: %lu\r\n", (unsigned long)rseq);
    r_respond(w, inv, code, code == 183 ? "Session Progress" : "Ringing", extra, body);
    run_until(w, now_of(w) + 100 * MS);
}

/* The RAck of the k-th PRACK A sent. */
static int a_prack_is(world *w, int k, const char *rack)
{
    int i = nth(w, w->a.sent, w->a.nsent, 0, SIPUA_METHOD_PRACK, k, NULL);
    return i >= 0 && str_is(header(w, &w->a.sent[i], "RAck"), rack);
}

/* RFC 3262 4: each reliable provisional gets one PRACK in its early
 * dialog; a retransmission, or one whose RSeq is not the next, gets none
 * and is not processed; the answer in a reliable 183 is taken, so a 2xx
 * without SDP completes the call. */
static void test_3262_4_client_pracks_each_rseq_once(void **state)
{
    (void)state;
    world *w = world_new(B_NOTHING);
    a_calls_r(w);
    int inv = nth(w, w->r_rx, w->r_n, 0, SIPUA_METHOD_INVITE, 0, NULL);
    assert_true(inv >= 0);
    assert_true(sipua_msg_has_option(parsed(w, &w->r_rx[inv]), SIPUA_HDR_SUPPORTED, "100rel"));

    r_reliable(w, inv, 183, 7, SDP_R);
    assert_int_equal(count_of(w, w->a.sent, w->a.nsent, 0, SIPUA_METHOD_PRACK), 1);
    assert_true(a_prack_is(w, 0, "7 1 INVITE"));
    int pk = nth(w, w->r_rx, w->r_n, 0, SIPUA_METHOD_PRACK, 0, NULL);
    const sipua_nameaddr *to = sipua_msg_to(parsed(w, &w->r_rx[pk]));
    assert_true(str_is(to->tag, "rtag"));
    assert_int_equal(sipua_msg_cseq(parsed(w, &w->r_rx[pk]))->number, 2);
    r_respond(w, pk, 200, "OK", NULL, NULL);
    run_until(w, now_of(w) + 100 * MS);

    r_reliable(w, inv, 183, 7, SDP_R); /* a retransmission */
    r_reliable(w, inv, 180, 9, NULL);  /* out of order */
    assert_int_equal(count_of(w, w->a.sent, w->a.nsent, 0, SIPUA_METHOD_PRACK), 1);
    assert_int_equal(has_kind(&w->ea, SIPUA_SESSION_EV_PROGRESS, 0), 1);

    r_reliable(w, inv, 180, 8, NULL);
    assert_int_equal(count_of(w, w->a.sent, w->a.nsent, 0, SIPUA_METHOD_PRACK), 2);
    assert_true(a_prack_is(w, 1, "8 1 INVITE"));
    assert_int_equal(has_kind(&w->ea, SIPUA_SESSION_EV_PROGRESS, 180), 1);
    pk = nth(w, w->r_rx, w->r_n, 0, SIPUA_METHOD_PRACK, 1, NULL);
    r_respond(w, pk, 200, "OK", NULL, NULL);

    /* the 2xx without SDP: the answer came in the 183 */
    r_respond(w, inv, 200, "OK", NULL, NULL);
    run_until(w, now_of(w) + 100 * MS);
    assert_int_equal(has_kind(&w->ea, SIPUA_SESSION_EV_ACCEPTED, 200), 1);
    assert_int_equal(count_of(w, w->a.sent, w->a.nsent, 0, SIPUA_METHOD_ACK), 1);
    assert_int_equal(has_kind(&w->ea, SIPUA_SESSION_EV_TERMINATED, 0), 0);
    assert_true(sipua_session_is_established(w->sa));
    world_free(w);
}

/* RFC 3262 5 with RFC 3264: once a reliable 183 brought the answer, a 2xx
 * with the same session description is fine and one with another is not
 * taken: the call is ended, BAD_MEDIA_DESCRIPTION. */
static void test_3262_5_2xx_sdp_after_the_reliable_answer(void **state)
{
    (void)state;
    for (int other = 0; other < 2; other++) {
        world *w = world_new(B_NOTHING);
        a_calls_r(w);
        int inv = nth(w, w->r_rx, w->r_n, 0, SIPUA_METHOD_INVITE, 0, NULL);
        r_reliable(w, inv, 183, 1, SDP_R);
        r_respond(w, inv, 200, "OK", NULL, other ? SDP_R2 : SDP_R);
        run_until(w, now_of(w) + 100 * MS);
        assert_int_equal(has_kind(&w->ea, SIPUA_SESSION_EV_ACCEPTED, 200), 1);
        if (other) {
            assert_int_equal(has_kind(&w->ea, SIPUA_SESSION_EV_TERMINATED, 0), 1);
            assert_int_equal(w->ea.ev[w->ea.n - 1].cause, SIPUA_CAUSE_BAD_MEDIA_DESCRIPTION);
            assert_int_equal(count_of(w, w->a.sent, w->a.nsent, 0, SIPUA_METHOD_BYE), 1);
        } else {
            assert_true(sipua_session_is_established(w->sa));
        }
        world_free(w);
    }
}

/* ------------------------------------------------------------------ */
/* DTMF                                                                */

/* A calls B, B accepts; returns when both are established. */
static sipua_time info_sent_at(world *w, const peer *p, int k)
{
    int i = nth(w, p->sent, p->nsent, 0, SIPUA_METHOD_INFO, k, NULL);
    assert_true(i >= 0);
    return p->sent[i].at;
}

/* The tones of the dtmf events of a side, with their direction. */
static void tones_of(const side *sd, int received, char *out, int *durations)
{
    int n = 0;
    for (int i = 0; i < sd->n; i++)
        if (sd->ev[i].kind == SIPUA_SESSION_EV_DTMF && sd->ev[i].received == received) {
            if (durations)
                durations[n] = sd->ev[i].duration_ms;
            out[n++] = sd->ev[i].tone;
        }
    out[n] = 0;
}

/* API.md: each INFO goes out after the previous one's final response plus
 * its duration plus the gap; ',' waits 2 s; calls made while tones are
 * queued append, and one made during the wait after the last tone waits
 * too. */
static void test_dtmf_info_paced_by_response_duration_and_gap(void **state)
{
    (void)state;
    world *w = world_new(B_ACCEPT);
    a_calls_b(w);
    sipua_time t = now_of(w);
    assert_int_equal(sipua_session_send_dtmf(w->sa, "1,2", NULL, t), 0);
    sipua_dtmf_opts o;
    sipua_dtmf_opts_init(&o);
    o.duration_ms = 5;        /* clamped to 70 */
    o.inter_tone_gap_ms = 10; /* raised to 50 */
    assert_int_equal(sipua_session_send_dtmf(w->sa, "#", &o, t), 0);
    assert_int_equal(sipua_session_send_dtmf(w->sa, "4", NULL, t), 0);
    run_until(w, t + 3500 * MS);
    assert_int_equal(sipua_session_send_dtmf(w->sa, "5", NULL, now_of(w)), 0);
    run_until(w, t + 10000 * MS);

    sipua_time rtt = 2 * DELAY;
    sipua_time expect[5] = {t, t + rtt + 600 * MS + 2000 * MS,
                            t + 2 * rtt + 2 * 600 * MS + 2000 * MS,
                            t + 3 * rtt + 2 * 600 * MS + 120 * MS + 2000 * MS, 0};
    expect[4] = expect[3] + rtt + 600 * MS;
    assert_int_equal(count_of(w, w->a.sent, w->a.nsent, 0, SIPUA_METHOD_INFO), 5);
    for (int k = 0; k < 5; k++)
        assert_int_equal(info_sent_at(w, &w->a, k), expect[k]);

    int i = nth(w, w->a.sent, w->a.nsent, 0, SIPUA_METHOD_INFO, 0, NULL);
    assert_true(str_is(header(w, &w->a.sent[i], "Content-Type"), "application/dtmf-relay"));
    assert_true(str_is(body_of(w, &w->a.sent[i]), "Signal=1\r\nDuration=100\r\n"));

    char sent[16], got[16];
    int ds[16], dr[16];
    tones_of(&w->ea, 0, sent, ds);
    tones_of(&w->eb, 1, got, dr);
    assert_string_equal(sent, "12#45");
    assert_string_equal(got, "12#45");
    int durations[5] = {100, 100, 70, 100, 100};
    for (int k = 0; k < 5; k++) {
        assert_int_equal(ds[k], durations[k]);
        assert_int_equal(dr[k], durations[k]);
    }
    /* each sent event fires when its INFO goes */
    for (int k = 0, n = 0; k < w->ea.n; k++)
        if (w->ea.ev[k].kind == SIPUA_SESSION_EV_DTMF)
            assert_int_equal(w->ea.ev[k].at, expect[n++]);
    world_free(w);
}

/* API.md: bad tones and options are EINVAL, a session that is not
 * established ESTATE; tones are case-insensitive; both sides send; the
 * queue holds 256 tones. */
static void test_dtmf_arguments_and_states(void **state)
{
    (void)state;
    world *w = world_new(B_NOTHING);
    assert_int_equal(sipua_invite(w->a.u.ua, SIPUA_STR("sip:bob@10.0.0.2"), &w->b.u.self, NULL,
                                  on_a_session, w, now_of(w), &w->sa),
                     0);
    sipua_time t = now_of(w);
    assert_int_equal(sipua_session_send_dtmf(w->sa, "1", NULL, t), SIPUA_ESTATE);
    run_until(w, t + 100 * MS);
    assert_non_null(w->sb);
    assert_int_equal(sipua_session_send_dtmf(w->sb, "1", NULL, t), SIPUA_ESTATE);
    assert_int_equal(sipua_session_send_dtmf(NULL, "1", NULL, t), SIPUA_EINVAL);
    assert_int_equal(sipua_session_send_dtmf(w->sa, NULL, NULL, t), SIPUA_EINVAL);
    assert_int_equal(sipua_session_send_dtmf(w->sa, "", NULL, t), SIPUA_EINVAL);
    assert_int_equal(sipua_session_send_dtmf(w->sa, "12x", NULL, t), SIPUA_EINVAL);
    assert_int_equal(sipua_session_send_dtmf(w->sa, " 1", NULL, t), SIPUA_EINVAL);
    assert_int_equal(sipua_session_send_dtmf(w->sa, "E", NULL, t), SIPUA_EINVAL);
    sipua_dtmf_opts o;
    sipua_dtmf_opts_init(&o);
    assert_int_equal(o.duration_ms, 100);
    assert_int_equal(o.inter_tone_gap_ms, 500);
    assert_int_equal(o.transport, SIPUA_DTMF_INFO);
    o.transport = SIPUA_DTMF_RTP;
    assert_int_equal(sipua_session_send_dtmf(w->sa, "1", &o, t), SIPUA_EINVAL);
    sipua_dtmf_opts_init(&o);
    o.version = 0;
    assert_int_equal(sipua_session_send_dtmf(w->sa, "1", &o, t), SIPUA_EINVAL);

    assert_int_equal(sipua_session_accept(w->sb, NULL, now_of(w)), 0);
    run_until(w, now_of(w) + 100 * MS);
    assert_true(sipua_session_is_established(w->sa));
    assert_int_equal(sipua_session_send_dtmf(w->sa, "abcd*#", NULL, now_of(w)), 0);
    assert_int_equal(sipua_session_send_dtmf(w->sb, "9", NULL, now_of(w)), 0);
    char many[300];
    memset(many, '1', sizeof many - 1);
    many[sizeof many - 1] = 0;
    assert_int_equal(sipua_session_send_dtmf(w->sa, many, NULL, now_of(w)), SIPUA_ELIMIT);
    run_until(w, now_of(w) + 10000 * MS);
    char got[16];
    tones_of(&w->eb, 1, got, NULL);
    assert_string_equal(got, "ABCD*#");
    tones_of(&w->ea, 1, got, NULL);
    assert_string_equal(got, "9");

    /* queued tones go with the session */
    assert_int_equal(sipua_session_send_dtmf(w->sa, "123", NULL, now_of(w)), 0);
    assert_int_equal(sipua_session_terminate(w->sa, now_of(w)), 0);
    run_until(w, now_of(w) + 10000 * MS);
    assert_int_equal(count_of(w, w->a.sent, w->a.nsent, 0, SIPUA_METHOD_INFO), 7);
    tones_of(&w->eb, 1, got, NULL);
    assert_string_equal(got, "ABCD*#1");
    assert_int_equal(sipua_session_send_dtmf(w->sa, "1", NULL, now_of(w)), SIPUA_ESTATE);
    world_free(w);
}

/* A non-2xx to an INFO drops the tones still queued. */
static void test_dtmf_refused_info_drops_the_queue(void **state)
{
    (void)state;
    world *w = world_new(B_NOTHING);
    a_calls_r(w);
    int inv = nth(w, w->r_rx, w->r_n, 0, SIPUA_METHOD_INVITE, 0, NULL);
    r_respond(w, inv, 200, "OK", NULL, SDP_R);
    run_until(w, now_of(w) + 100 * MS);
    assert_true(sipua_session_is_established(w->sa));
    assert_int_equal(sipua_session_send_dtmf(w->sa, "123", NULL, now_of(w)), 0);
    run_until(w, now_of(w) + 100 * MS);
    int info = nth(w, w->r_rx, w->r_n, 0, SIPUA_METHOD_INFO, 0, NULL);
    assert_true(info >= 0);
    r_respond(w, info, 415, "Unsupported Media Type", NULL, NULL);
    run_until(w, now_of(w) + 20000 * MS);
    assert_int_equal(count_of(w, w->a.sent, w->a.nsent, 0, SIPUA_METHOD_INFO), 1);
    char sent[8];
    tones_of(&w->ea, 0, sent, NULL);
    assert_string_equal(sent, "1");
    world_free(w);
}

/* RFC 6086: an INFO with an application/dtmf-relay body is answered 200
 * and reported; without a body 200; another body type 415 with Accept; an
 * Info-Package 469 (we announce none). A Signal that is no tone is
 * answered and not reported. */
static void test_6086_received_info_answers(void **state)
{
    (void)state;
    world *w = world_new(B_ACCEPT);
    r_invite(w, "");
    run_until(w, now_of(w) + 100 * MS);
    int ok = nth(w, w->r_rx, w->r_n, 200, SIPUA_METHOD_INVITE, 0, NULL);
    assert_true(ok >= 0);
    char tag[64];
    to_tag(w, &w->r_rx[ok], tag, sizeof tag);
    r_in_dialog(w, tag, "ACK", 10, "", NULL, NULL);
    r_in_dialog(w, tag, "INFO", 11, "", "application/dtmf-relay", "Signal= a\r\nDuration=250\r\n");
    run_until(w, now_of(w) + 100 * MS);
    r_in_dialog(w, tag, "INFO", 12, "", NULL, NULL);
    run_until(w, now_of(w) + 100 * MS);
    r_in_dialog(w, tag, "INFO", 13, "", "application/sdp", SDP_R);
    run_until(w, now_of(w) + 100 * MS);
    r_in_dialog(w, tag, "INFO", 14, "Info-Package: dtmf\r\n", "application/dtmf-relay",
                "Signal=1\r\n");
    run_until(w, now_of(w) + 100 * MS);
    r_in_dialog(w, tag, "INFO", 15, "", "application/dtmf-relay", "Signal=16\r\nDuration=100\r\n");
    run_until(w, now_of(w) + 100 * MS);
    r_in_dialog(w, tag, "INFO", 16, "", "text/plain", "hello");
    run_until(w, now_of(w) + 100 * MS);

    int codes[6] = {200, 200, 415, 469, 200, 415};
    for (int k = 0; k < 6; k++) {
        int found = -1;
        for (int i = 0; i < w->r_n; i++) {
            const sipua_msg *m = parsed(w, &w->r_rx[i]);
            if (!sipua_msg_is_request(m) && sipua_msg_cseq(m)->number == (uint32_t)(11 + k))
                found = i;
        }
        assert_true(found >= 0);
        assert_int_equal(sipua_msg_status(parsed(w, &w->r_rx[found])), codes[k]);
        if (codes[k] == 415) {
            sipua_str acc = header(w, &w->r_rx[found], "Accept");
            assert_non_null(acc.p);
            int seen = 0;
            for (size_t at = 0; at + 22 <= acc.len; at++)
                seen |= memcmp(acc.p + at, "application/dtmf-relay", 22) == 0;
            assert_true(seen);
        }
    }
    char got[8];
    int d[8];
    tones_of(&w->eb, 1, got, d);
    assert_string_equal(got, "A");
    assert_int_equal(d[0], 250);
    world_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_3262_3_reliable_183_retransmitted_until_prack),
        cmocka_unit_test(test_3262_3_no_prack_in_64_t1_rejects_504),
        cmocka_unit_test(test_3262_unreliable_183_when_100rel_not_offered),
        cmocka_unit_test(test_3262_3_accept_after_preaccept_waits_for_the_prack),
        cmocka_unit_test(test_3262_4_client_pracks_each_rseq_once),
        cmocka_unit_test(test_3262_5_2xx_sdp_after_the_reliable_answer),
        cmocka_unit_test(test_dtmf_info_paced_by_response_duration_and_gap),
        cmocka_unit_test(test_dtmf_arguments_and_states),
        cmocka_unit_test(test_dtmf_refused_info_drops_the_queue),
        cmocka_unit_test(test_6086_received_info_answers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
