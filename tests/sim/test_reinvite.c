/* re-INVITE (RFC 3261 14), hold (RFC 3264 8.4), UPDATE (RFC 3311), 491
 * glare (RFC 3261 14.1) and session timers (RFC 4028), on the simulated
 * network's virtual clock: two UA cores, A (10.0.0.1) and B (10.0.0.2),
 * and a hand-driven SIP peer R (10.0.0.3) that sends what a test writes
 * and records what it receives. The network is perfect with a fixed
 * one-way delay of 20 ms, so every time below is exact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "simworld.h"

#define SDP_R_SENDONLY                                                                             \
    "v=0\r\no=r 1 3 IN IP4 10.0.0.3\r\ns=-\r\nc=IN IP4 10.0.0.3\r\nt=0 0\r\n"                      \
    "m=audio 30000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendonly\r\n"
#define SDP_R_BAD                                                                                  \
    "v=0\r\no=r 1 4 IN IP4 10.0.0.3\r\ns=-\r\nc=IN IP4 10.0.0.3\r\nt=0 0\r\n"                      \
    "m=audio 30000 RTP/AVP 98\r\na=rtpmap:98 NOSUCH/8000\r\n"

/* A calls R; R answers 200 with `extra` and SDP_R; A's ACK arrives. */
static void a_calls_r_answered(world *w, const char *extra)
{
    a_calls_r(w);
    int inv = nth(w, w->r_rx, w->r_n, 0, SIPUA_METHOD_INVITE, 0, NULL);
    assert_true(inv >= 0);
    r_respond(w, inv, 200, "OK", extra, SDP_R);
    run_until(w, now_of(w) + 100 * MS);
    assert_int_equal(count_of(w, w->r_rx, w->r_n, 0, SIPUA_METHOD_ACK), 1);
    assert_true(sipua_session_is_established(w->sa));
}

/* R calls B with `extra`, B accepts, R ACKs: B's To tag into tag. */
static void r_calls_b_answered(world *w, const char *extra, char *tag, size_t cap)
{
    r_invite(w, extra);
    run_until(w, now_of(w) + 100 * MS);
    int ok = nth(w, w->r_rx, w->r_n, 200, SIPUA_METHOD_INVITE, 0, NULL);
    assert_true(ok >= 0);
    to_tag(w, &w->r_rx[ok], tag, cap);
    r_in_dialog(w, tag, "ACK", 10, "", NULL, NULL);
    run_until(w, now_of(w) + 100 * MS);
}

/* The index of the last event of a kind on a side, or -1. */
static int last_of(const side *sd, sipua_session_event_kind k)
{
    for (int i = sd->n - 1; i >= 0; i--)
        if (sd->ev[i].kind == k)
            return i;
    return -1;
}

/* 1 when the SDP of a logged message holds the line `a=<dir>`. */
static int sdp_has(world *w, const logged *l, const char *line)
{
    sipua_str b = body_of(w, l);
    size_t n = strlen(line);
    for (size_t i = 0; b.p && i + n <= b.len; i++)
        if (memcmp(b.p + i, line, n) == 0)
            return 1;
    return 0;
}

/* RFC 3264 8.4 and RFC 3261 14: hold is a re-INVITE in the dialog (CSeq
 * 2, same Call-ID and tags) offering sendonly; B answers recvonly; A ACKs
 * with CSeq 2; both sides report the hold; unhold offers sendrecv again. */
static void test_hold_unhold_round_trip(void **state)
{
    (void)state;
    world *w = world_new(B_ACCEPT);
    a_calls_b(w);
    assert_int_equal(sipua_session_hold(NULL, now_of(w)), SIPUA_EINVAL);
    sipua_time t = now_of(w);
    assert_int_equal(sipua_session_hold(w->sa, t), 0);
    /* one exchange at a time */
    assert_int_equal(sipua_session_unhold(w->sa, t), SIPUA_ESTATE);
    run_until(w, t + 200 * MS);
    int re = nth(w, w->a.sent, w->a.nsent, 0, SIPUA_METHOD_INVITE, 1, NULL);
    assert_true(re >= 0);
    assert_int_equal(w->a.sent[re].at, t);
    assert_int_equal(sipua_msg_cseq(parsed(w, &w->a.sent[re]))->number, 2);
    sipua_str cid = sipua_session_call_id(w->sa);
    assert_true(sipua_str_eq(sipua_msg_call_id(parsed(w, &w->a.sent[re])), "") == 0);
    assert_int_equal(sipua_msg_call_id(parsed(w, &w->a.sent[re])).len, cid.len);
    assert_true(sdp_has(w, &w->a.sent[re], "a=sendonly"));
    assert_non_null(sipua_msg_find_name(parsed(w, &w->a.sent[re]), "Contact"));
    int ok = nth(w, w->b.sent, w->b.nsent, 200, SIPUA_METHOD_INVITE, 1, NULL);
    assert_true(ok >= 0);
    assert_int_equal(w->b.sent[ok].at, t + DELAY);
    assert_true(sdp_has(w, &w->b.sent[ok], "a=recvonly"));
    int ack = nth(w, w->a.sent, w->a.nsent, 0, SIPUA_METHOD_ACK, 1, NULL);
    assert_true(ack >= 0);
    assert_int_equal(w->a.sent[ack].at, t + 2 * DELAY);
    assert_int_equal(sipua_msg_cseq(parsed(w, &w->a.sent[ack]))->number, 2);
    /* no 2xx retransmission once the ACK is in */
    run_until(w, t + 40000 * MS);
    assert_int_equal(count_of(w, w->b.sent, w->b.nsent, 200, SIPUA_METHOD_INVITE), 2);

    int ea = last_of(&w->ea, SIPUA_SESSION_EV_RENEGOTIATED);
    int eb = last_of(&w->eb, SIPUA_SESSION_EV_RENEGOTIATED);
    assert_true(ea >= 0 && eb >= 0);
    assert_int_equal(w->ea.ev[ea].at, t + 2 * DELAY);
    assert_int_equal(w->eb.ev[eb].at, t + DELAY);
    assert_int_equal(w->ea.ev[ea].held_local, 1);
    assert_int_equal(w->ea.ev[ea].held_remote, 0);
    assert_int_equal(w->eb.ev[eb].held_local, 0);
    assert_int_equal(w->eb.ev[eb].held_remote, 1);
    assert_true(sipua_session_is_held_local(w->sa));
    assert_true(sipua_session_is_held_remote(w->sb));

    t = now_of(w);
    assert_int_equal(sipua_session_unhold(w->sa, t), 0);
    run_until(w, t + 200 * MS);
    re = nth(w, w->a.sent, w->a.nsent, 0, SIPUA_METHOD_INVITE, 2, NULL);
    assert_true(re >= 0);
    assert_int_equal(sipua_msg_cseq(parsed(w, &w->a.sent[re]))->number, 3);
    assert_true(sdp_has(w, &w->a.sent[re], "a=sendrecv"));
    ok = nth(w, w->b.sent, w->b.nsent, 200, SIPUA_METHOD_INVITE, 2, NULL);
    assert_true(sdp_has(w, &w->b.sent[ok], "a=sendrecv"));
    assert_int_equal(has_kind(&w->ea, SIPUA_SESSION_EV_RENEGOTIATED, 0), 2);
    assert_int_equal(has_kind(&w->eb, SIPUA_SESSION_EV_RENEGOTIATED, 0), 2);
    assert_false(sipua_session_is_held_local(w->sa));
    assert_false(sipua_session_is_held_remote(w->sb));
    /* B can hold too (the UAS side's re-INVITE) */
    assert_int_equal(sipua_session_hold(w->sb, now_of(w)), 0);
    run_until(w, now_of(w) + 200 * MS);
    assert_true(sipua_session_is_held_local(w->sb));
    assert_true(sipua_session_is_held_remote(w->sa));
    assert_int_equal(has_kind(&w->ea, SIPUA_SESSION_EV_TERMINATED, 0), 0);
    world_free(w);
}

/* RFC 3261 14.2 with a delayed offer: a re-INVITE without SDP gets our
 * offer in the 200, retransmitted until the ACK, which brings the answer;
 * renegotiated fires then. */
static void test_delayed_offer_reinvite(void **state)
{
    (void)state;
    world *w = world_new(B_ACCEPT);
    char tag[64];
    r_calls_b_answered(w, "", tag, sizeof tag);
    sipua_time t = now_of(w);
    r_in_dialog(w, tag, "INVITE", 11, "Contact: <sip:r@10.0.0.3:5060>\r\n", NULL, NULL);
    run_until(w, t + 1200 * MS);
    int n200;
    int ok = nth(w, w->r_rx, w->r_n, 200, SIPUA_METHOD_INVITE, 1, &n200);
    assert_true(ok >= 0);
    /* at 0, T1 and 2*T1 (3 copies) without an ACK */
    assert_int_equal(n200, 1 + 2);
    assert_int_equal(w->r_rx[ok].at, t + 2 * DELAY);
    assert_true(sdp_has(w, &w->r_rx[ok], "m=audio"));
    assert_true(sdp_has(w, &w->r_rx[ok], "a=sendrecv"));
    assert_int_equal(has_kind(&w->eb, SIPUA_SESSION_EV_RENEGOTIATED, 0), 0);
    r_in_dialog(w, tag, "ACK", 11, "", "application/sdp", SDP_R_SENDONLY);
    run_until(w, t + 5000 * MS);
    assert_int_equal(count_of(w, w->r_rx, w->r_n, 200, SIPUA_METHOD_INVITE), 1 + 2);
    int eb = last_of(&w->eb, SIPUA_SESSION_EV_RENEGOTIATED);
    assert_true(eb >= 0);
    assert_int_equal(w->eb.ev[eb].at, t + 1200 * MS + DELAY);
    assert_int_equal(w->eb.ev[eb].held_remote, 1);
    assert_int_equal(w->eb.ev[eb].held_local, 0);
    assert_true(sipua_session_is_established(w->sb));
    world_free(w);
}

/* RFC 3261 14.2: an unacceptable offer in a re-INVITE is answered 488 and
 * the session stays as it was; a 488 to ours rolls the offer back; 481
 * to ours ends the session (RFC 5057), cause DIALOG_ERROR. */
static void test_488_keeps_the_call_481_ends_it(void **state)
{
    (void)state;
    world *w = world_new(B_ACCEPT);
    char tag[64];
    r_calls_b_answered(w, "", tag, sizeof tag);
    r_in_dialog(w, tag, "INVITE", 11, "Contact: <sip:r@10.0.0.3:5060>\r\n", "application/sdp",
                SDP_R_BAD);
    run_until(w, now_of(w) + 200 * MS);
    assert_int_equal(count_of(w, w->r_rx, w->r_n, 488, SIPUA_METHOD_INVITE), 1);
    assert_true(sipua_session_is_established(w->sb));
    assert_int_equal(has_kind(&w->eb, SIPUA_SESSION_EV_RENEGOTIATED, 0), 0);
    /* the old state holds: a good offer next is answered */
    r_in_dialog(w, tag, "INVITE", 12, "Contact: <sip:r@10.0.0.3:5060>\r\n", "application/sdp",
                SDP_R2);
    run_until(w, now_of(w) + 200 * MS);
    assert_int_equal(count_of(w, w->r_rx, w->r_n, 200, SIPUA_METHOD_INVITE), 2);
    assert_int_equal(has_kind(&w->eb, SIPUA_SESSION_EV_RENEGOTIATED, 0), 1);
    world_free(w);

    w = world_new(B_NOTHING);
    a_calls_r_answered(w, NULL);
    assert_int_equal(sipua_session_hold(w->sa, now_of(w)), 0);
    run_until(w, now_of(w) + 100 * MS);
    int re = nth(w, w->r_rx, w->r_n, 0, SIPUA_METHOD_INVITE, 1, NULL);
    assert_true(re >= 0);
    r_respond(w, re, 488, "Not Acceptable Here", NULL, NULL);
    run_until(w, now_of(w) + 100 * MS);
    assert_false(sipua_session_is_held_local(w->sa));
    /* reported with its status, the hold state unchanged */
    int ev = last_of(&w->ea, SIPUA_SESSION_EV_RENEGOTIATED);
    assert_true(ev >= 0);
    assert_int_equal(w->ea.ev[ev].code, 488);
    assert_int_equal(w->ea.ev[ev].held_local, 0);
    assert_true(sipua_session_is_established(w->sa));
    /* the next offer is a fresh one and still sendonly */
    assert_int_equal(sipua_session_hold(w->sa, now_of(w)), 0);
    run_until(w, now_of(w) + 100 * MS);
    re = nth(w, w->r_rx, w->r_n, 0, SIPUA_METHOD_INVITE, 2, NULL);
    assert_true(re >= 0);
    assert_true(sdp_has(w, &w->r_rx[re], "a=sendonly"));
    r_respond(w, re, 481, "Call/Transaction Does Not Exist", NULL, NULL);
    run_until(w, now_of(w) + 100 * MS);
    int e = last_of(&w->ea, SIPUA_SESSION_EV_TERMINATED);
    assert_true(e >= 0);
    assert_int_equal(w->ea.ev[e].cause, SIPUA_CAUSE_DIALOG_ERROR);
    assert_int_equal(w->ea.ev[e].code, 481);
    assert_int_equal(count_of(w, w->r_rx, w->r_n, 0, SIPUA_METHOD_BYE), 0);
    world_free(w);
}

/* RFC 3261 14.1: both hold at once; each answers the other 491; B (not
 * the Call-ID's owner) tries again within 0..2 s, A within 2.1..4 s, in
 * 10 ms steps; both end up held both ways. */
static void test_glare_491_and_back_off(void **state)
{
    (void)state;
    world *w = world_new(B_ACCEPT);
    a_calls_b(w);
    sipua_time t = now_of(w);
    assert_int_equal(sipua_session_hold(w->sa, t), 0);
    assert_int_equal(sipua_session_hold(w->sb, t), 0);
    run_until(w, t + 10000 * MS);
    assert_int_equal(count_of(w, w->a.sent, w->a.nsent, 491, SIPUA_METHOD_INVITE), 1);
    assert_int_equal(count_of(w, w->b.sent, w->b.nsent, 491, SIPUA_METHOD_INVITE), 1);
    /* the 491s arrive at t + 2 * DELAY */
    int ra = nth(w, w->a.sent, w->a.nsent, 0, SIPUA_METHOD_INVITE, 2, NULL);
    int rb = nth(w, w->b.sent, w->b.nsent, 0, SIPUA_METHOD_INVITE, 1, NULL);
    assert_true(ra >= 0 && rb >= 0);
    sipua_time wa = w->a.sent[ra].at - (t + 2 * DELAY);
    sipua_time wb = w->b.sent[rb].at - (t + 2 * DELAY);
    assert_true(wa >= 2100 * MS && wa <= 4000 * MS);
    assert_true(wb >= 0 && wb <= 2000 * MS);
    assert_int_equal(wa % (10 * MS), 0);
    assert_int_equal(wb % (10 * MS), 0);
    assert_true(sdp_has(w, &w->a.sent[ra], "a=sendonly") ||
                sdp_has(w, &w->a.sent[ra], "a=inactive"));
    assert_true(sipua_session_is_held_local(w->sa) && sipua_session_is_held_remote(w->sa));
    assert_true(sipua_session_is_held_local(w->sb) && sipua_session_is_held_remote(w->sb));
    assert_int_equal(has_kind(&w->ea, SIPUA_SESSION_EV_TERMINATED, 0), 0);
    assert_int_equal(has_kind(&w->eb, SIPUA_SESSION_EV_TERMINATED, 0), 0);
    world_free(w);
}

/* RFC 4028: our INVITE asks Session-Expires 1800 with Supported: timer;
 * B answers refresher=uac and Require: timer; A refreshes at half the
 * interval by UPDATE (B allows it), each refresh restarting the clock, and
 * B does not end the call. */
static void test_4028_refresh_at_half_interval(void **state)
{
    (void)state;
    world *w = world_new(B_ACCEPT);
    sipua_time t0 = now_of(w);
    a_calls_b(w);
    int inv = nth(w, w->a.sent, w->a.nsent, 0, SIPUA_METHOD_INVITE, 0, NULL);
    assert_true(str_is(header(w, &w->a.sent[inv], "Session-Expires"), "1800"));
    assert_true(str_is(header(w, &w->a.sent[inv], "Supported"), "100rel, timer, replaces"));
    int ok = nth(w, w->b.sent, w->b.nsent, 200, SIPUA_METHOD_INVITE, 0, NULL);
    assert_true(str_is(header(w, &w->b.sent[ok], "Session-Expires"), "1800;refresher=uac"));
    assert_true(str_is(header(w, &w->b.sent[ok], "Require"), "timer"));
    assert_int_equal(sipua_session_expires(w->sa), 1800);
    assert_int_equal(sipua_session_expires(w->sb), 1800);
    sipua_time up = t0 + 2 * DELAY; /* A got the 200 */
    run_until(w, up + 2000 * 1000 * MS);
    int n;
    int u0 = nth(w, w->a.sent, w->a.nsent, 0, SIPUA_METHOD_UPDATE, 0, &n);
    assert_int_equal(n, 2);
    assert_int_equal(w->a.sent[u0].at, up + 900 * 1000 * MS);
    assert_true(str_is(header(w, &w->a.sent[u0], "Session-Expires"), "1800;refresher=uac"));
    assert_int_equal(body_of(w, &w->a.sent[u0]).len, 0);
    int u1 = nth(w, w->a.sent, w->a.nsent, 0, SIPUA_METHOD_UPDATE, 1, NULL);
    assert_int_equal(w->a.sent[u1].at, up + 1800 * 1000 * MS + 2 * DELAY);
    assert_int_equal(count_of(w, w->b.sent, w->b.nsent, 200, SIPUA_METHOD_UPDATE), 2);
    assert_int_equal(count_of(w, w->b.sent, w->b.nsent, 0, SIPUA_METHOD_BYE), 0);
    assert_int_equal(has_kind(&w->eb, SIPUA_SESSION_EV_TERMINATED, 0), 0);
    /* a refresh without SDP is no renegotiation */
    assert_int_equal(has_kind(&w->ea, SIPUA_SESSION_EV_RENEGOTIATED, 0), 0);
    world_free(w);
}

/* RFC 4028 9 and 10 on the UAS side: R asks 90 s with refresher=uac and
 * never refreshes: B sends BYE at 90 - min(32, 90/3) = 60 s after its 200,
 * and the session ends with cause REQUEST_TIMEOUT. With refresher=uas, B
 * refreshes by re-INVITE (R does not allow UPDATE) at 45 s. */
static void test_4028_expiry_bye_and_uas_refresh(void **state)
{
    (void)state;
    world *w = world_new(B_ACCEPT);
    char tag[64];
    sipua_time t0 = now_of(w);
    r_calls_b_answered(w, "Supported: timer\r\nSession-Expires: 90;refresher=uac\r\n", tag,
                       sizeof tag);
    int ok = nth(w, w->b.sent, w->b.nsent, 200, SIPUA_METHOD_INVITE, 0, NULL);
    sipua_time sent = w->b.sent[ok].at;
    assert_int_equal(sent, t0 + DELAY);
    assert_true(str_is(header(w, &w->b.sent[ok], "Session-Expires"), "90;refresher=uac"));
    assert_true(str_is(header(w, &w->b.sent[ok], "Require"), "timer"));
    run_until(w, t0 + 100000 * MS);
    int bye = nth(w, w->b.sent, w->b.nsent, 0, SIPUA_METHOD_BYE, 0, NULL);
    assert_true(bye >= 0);
    assert_int_equal(w->b.sent[bye].at, sent + 60000 * MS);
    int e = last_of(&w->eb, SIPUA_SESSION_EV_TERMINATED);
    assert_true(e >= 0);
    assert_int_equal(w->eb.ev[e].cause, SIPUA_CAUSE_REQUEST_TIMEOUT);
    assert_int_equal(w->eb.ev[e].at, sent + 60000 * MS);
    world_free(w);

    w = world_new(B_ACCEPT);
    t0 = now_of(w);
    r_calls_b_answered(w, "Supported: timer\r\nSession-Expires: 90;refresher=uas\r\n", tag,
                       sizeof tag);
    ok = nth(w, w->b.sent, w->b.nsent, 200, SIPUA_METHOD_INVITE, 0, NULL);
    sent = w->b.sent[ok].at;
    assert_true(str_is(header(w, &w->b.sent[ok], "Session-Expires"), "90;refresher=uas"));
    run_until(w, t0 + 50000 * MS);
    int re = nth(w, w->r_rx, w->r_n, 0, SIPUA_METHOD_INVITE, 0, NULL);
    assert_true(re >= 0);
    assert_int_equal(w->r_rx[re].at, sent + 45000 * MS + DELAY);
    assert_true(str_is(header(w, &w->r_rx[re], "Session-Expires"), "90;refresher=uac"));
    assert_true(body_of(w, &w->r_rx[re]).len > 0);
    world_free(w);
}

/* RFC 4028 7.4 and 9: B answers an interval below 90 s with 422 and
 * Min-SE: 90 (no session for the application); A, answered 422 with
 * Min-SE: 3600, sends its INVITE again with CSeq 2, Session-Expires and
 * Min-SE 3600, same Call-ID and From tag, a new branch. */
static void test_4028_422(void **state)
{
    (void)state;
    world *w = world_new(B_ACCEPT);
    r_invite(w, "Supported: timer\r\nSession-Expires: 60\r\n");
    run_until(w, now_of(w) + 100 * MS);
    int r422 = nth(w, w->r_rx, w->r_n, 422, SIPUA_METHOD_INVITE, 0, NULL);
    assert_true(r422 >= 0);
    assert_true(str_is(header(w, &w->r_rx[r422], "Min-SE"), "90"));
    assert_null(w->sb);
    world_free(w);

    w = world_new(B_NOTHING);
    sipua_endpoint r;
    sipua_endpoint_set(&r, SIPUA_TRANSPORT_UDP, "10.0.0.3", 5060, 0);
    assert_int_equal(sipua_invite(w->a.u.ua, SIPUA_STR("sip:r@10.0.0.3"), &r, NULL, on_a_session, w,
                                  now_of(w), &w->sa),
                     0);
    run_until(w, now_of(w) + 100 * MS);
    int i0 = nth(w, w->r_rx, w->r_n, 0, SIPUA_METHOD_INVITE, 0, NULL);
    r_respond(w, i0, 422, "Session Interval Too Small", "Min-SE: 3600\r\n", NULL);
    run_until(w, now_of(w) + 100 * MS);
    int n;
    int i1 = nth(w, w->r_rx, w->r_n, 0, SIPUA_METHOD_INVITE, 1, &n);
    assert_int_equal(n, 2);
    char first[4096];
    memcpy(first, w->r_rx[i0].bytes, w->r_rx[i0].len + 1);
    const sipua_msg *m1 = parsed(w, &w->r_rx[i1]);
    assert_int_equal(sipua_msg_cseq(m1)->number, 2);
    assert_true(str_is(header(w, &w->r_rx[i1], "Session-Expires"), "3600"));
    assert_true(str_is(header(w, &w->r_rx[i1], "Min-SE"), "3600"));
    char cid1[128], ftag1[64], br1[64];
    m1 = parsed(w, &w->r_rx[i1]);
    snprintf(cid1, sizeof cid1, "%.*s", (int)sipua_msg_call_id(m1).len, sipua_msg_call_id(m1).p);
    snprintf(ftag1, sizeof ftag1, "%.*s", (int)sipua_msg_from(m1)->tag.len,
             sipua_msg_from(m1)->tag.p);
    snprintf(br1, sizeof br1, "%.*s", (int)sipua_msg_top_via(m1)->branch.len,
             sipua_msg_top_via(m1)->branch.p);
    const sipua_msg *m0 = parsed(w, &w->r_rx[i0]);
    assert_true(str_is(sipua_msg_call_id(m0), cid1));
    assert_true(str_is(sipua_msg_from(m0)->tag, ftag1));
    assert_false(str_is(sipua_msg_top_via(m0)->branch, br1));
    assert_true(body_of(w, &w->r_rx[i1]).len > 0);
    /* the retry is answered: the call is up with the interval asked */
    r_respond(w, i1, 200, "OK", "Session-Expires: 3600;refresher=uas\r\n", SDP_R);
    run_until(w, now_of(w) + 100 * MS);
    assert_true(sipua_session_is_established(w->sa));
    assert_int_equal(sipua_session_expires(w->sa), 3600);
    assert_int_equal(has_kind(&w->ea, SIPUA_SESSION_EV_FAILED, 0), 0);
    int ack = nth(w, w->r_rx, w->r_n, 0, SIPUA_METHOD_ACK, 1, NULL); /* the 422's, then the 200's */
    assert_true(ack >= 0);
    assert_int_equal(sipua_msg_cseq(parsed(w, &w->r_rx[ack]))->number, 2);
    (void)first;
    world_free(w);
}

/* RFC 3311: an UPDATE with a fresh offer in the confirmed dialog (CSeq
 * + 1, our Contact), answered 200 with SDP; both sides report it; no ACK.
 * A second one while the first is pending is ESTATE. */
static void test_3311_update_with_offer(void **state)
{
    (void)state;
    world *w = world_new(B_ACCEPT);
    a_calls_b(w);
    sipua_time t = now_of(w);
    assert_int_equal(sipua_session_update(w->sa, t), 0);
    assert_int_equal(sipua_session_update(w->sa, t), SIPUA_ESTATE);
    run_until(w, t + 200 * MS);
    int u = nth(w, w->a.sent, w->a.nsent, 0, SIPUA_METHOD_UPDATE, 0, NULL);
    assert_true(u >= 0);
    assert_int_equal(sipua_msg_cseq(parsed(w, &w->a.sent[u]))->number, 2);
    assert_non_null(sipua_msg_find_name(parsed(w, &w->a.sent[u]), "Contact"));
    assert_true(sdp_has(w, &w->a.sent[u], "m=audio"));
    int ok = nth(w, w->b.sent, w->b.nsent, 200, SIPUA_METHOD_UPDATE, 0, NULL);
    assert_true(ok >= 0);
    assert_true(sdp_has(w, &w->b.sent[ok], "m=audio"));
    assert_int_equal(count_of(w, w->a.sent, w->a.nsent, 0, SIPUA_METHOD_ACK), 1);
    int ea = last_of(&w->ea, SIPUA_SESSION_EV_RENEGOTIATED);
    int eb = last_of(&w->eb, SIPUA_SESSION_EV_RENEGOTIATED);
    assert_true(ea >= 0 && eb >= 0);
    assert_int_equal(w->ea.ev[ea].at, t + 2 * DELAY);
    assert_int_equal(w->eb.ev[eb].at, t + DELAY);
    assert_int_equal(w->ea.ev[ea].code, 200);
    world_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hold_unhold_round_trip),
        cmocka_unit_test(test_delayed_offer_reinvite),
        cmocka_unit_test(test_488_keeps_the_call_481_ends_it),
        cmocka_unit_test(test_glare_491_and_back_off),
        cmocka_unit_test(test_4028_refresh_at_half_interval),
        cmocka_unit_test(test_4028_expiry_bye_and_uas_refresh),
        cmocka_unit_test(test_4028_422),
        cmocka_unit_test(test_3311_update_with_offer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
