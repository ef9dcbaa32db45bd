/* Transfer through the simulator: REFER with its NOTIFYs (RFC 3515),
 * blind and attended (Replaces, RFC 3891), the referred event's accept and
 * reject, a busy target, Replaces that names no dialog, and
 * sipua_session_send_request(). Three UAs: Alice (10.0.0.1), Bob
 * (10.0.0.2), Carol (10.0.0.3).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "simnet.h"
#include "simua.h"
#include "sipua/session.h"

#define MAX_LOG  96
#define MAX_SENT 256

typedef struct logged {
    sipua_session *s;
    sipua_session_event_kind kind;
    int code;
    sipua_cause cause;
    int final;
} logged;

typedef struct party {
    simua u;            /* first: simua finds it there */
    int answer;         /* incoming calls: 0 leave ringing, 200 accept, else reject with it */
    int refer_decision; /* referred: 0 decide nothing, 1 accept, else reject with it */
    const char *refer_at_answer; /* incoming calls: REFER to this as soon as answered */
    int refer_rc;                /* what that sipua_session_refer() returned */
    int refers_sent_then;        /* REFERs on the wire when it returned */
    sipua_session *in[8];
    int nin;
    sipua_session *taken[4]; /* calls from sipua_session_refer_accept() */
    int ntaken;
    logged log[MAX_LOG];
    int nlog;
    char *sent[MAX_SENT];
    int nsent;
} party;

typedef struct world {
    simnet *net;
    party a, b, c;
} world;

static sipua_time now_of(world *w)
{
    return simnet_now(w->net);
}

static void run_for(world *w, sipua_time us)
{
    simnet_run(w->net, now_of(w) + us, NULL, NULL);
}

static void on_send(simua *u, const sipua_endpoint *to, const char *bytes, size_t len)
{
    party *p = (party *)u;
    (void)to;
    if (p->nsent < MAX_SENT) {
        p->sent[p->nsent] = malloc(len + 1);
        memcpy(p->sent[p->nsent], bytes, len);
        p->sent[p->nsent][len] = 0;
        p->nsent++;
    }
}

static void on_session(sipua_session *s, const sipua_session_event *ev, void *user)
{
    party *p = user;
    assert_true(p->nlog < MAX_LOG);
    p->log[p->nlog++] = (logged){s, ev->kind, ev->code, ev->cause, ev->refer_final};
    if (ev->kind == SIPUA_SESSION_EV_ACCEPTED && p->refer_at_answer &&
        sipua_session_direction(s) == SIPUA_DIRECTION_INCOMING) {
        p->refer_rc =
            sipua_session_refer(s, (sipua_str){p->refer_at_answer, strlen(p->refer_at_answer)},
                                NULL, simnet_now(p->u.net));
        p->refers_sent_then = 0;
        for (int i = 0; i < p->nsent; i++)
            p->refers_sent_then += strncmp(p->sent[i], "REFER ", 6) == 0;
    }
    if (ev->kind == SIPUA_SESSION_EV_REFERRED) {
        assert_non_null(ev->msg);
        assert_true(ev->refer_to.len > 0);
        sipua_time now = simnet_now(p->u.net);
        if (p->refer_decision == 1) {
            sipua_session *call = NULL;
            assert_int_equal(sipua_session_refer_accept(s, on_session, p, now, &call), 0);
            assert_non_null(call);
            p->taken[p->ntaken++] = call;
            /* decided once */
            assert_int_equal(sipua_session_refer_reject(s, 0, now), SIPUA_ESTATE);
        } else if (p->refer_decision) {
            assert_int_equal(sipua_session_refer_reject(s, 200, now), SIPUA_EINVAL);
            assert_int_equal(sipua_session_refer_reject(s, p->refer_decision, now), 0);
        }
    }
}

static void on_ua(void *user, const sipua_ua_event *ev)
{
    party *p = user;
    if (ev->type != SIPUA_UA_EV_INVITE)
        return;
    assert_true(p->nin < 8);
    p->in[p->nin++] = sipua_session_ref(ev->session);
    sipua_session_set_callback(ev->session, on_session, p);
    sipua_time now = simnet_now(p->u.net);
    if (p->answer == 200) {
        assert_int_equal(sipua_session_accept(ev->session, NULL, now), 0);
    } else if (p->answer) {
        sipua_answer_opts o;
        sipua_answer_opts_init(&o);
        o.status_code = p->answer;
        assert_int_equal(sipua_session_reject(ev->session, &o, now), 0);
    }
}

static world *world_new(uint64_t seed, double loss)
{
    world *w = calloc(1, sizeof *w);
    simnet_config cfg = {.seed = seed, .delay_us = 10000, .loss = loss};
    w->net = simnet_new(&cfg);
    party *ps[] = {&w->a, &w->b, &w->c};
    for (unsigned i = 0; i < 3; i++) {
        ps[i]->u.on_send = on_send;
        ps[i]->answer = 200;
        assert_int_equal(simua_init(&ps[i]->u, w->net, i + 1, on_ua, NULL), 0);
    }
    return w;
}

static void world_free(world *w)
{
    party *ps[] = {&w->a, &w->b, &w->c};
    for (int i = 0; i < 3; i++)
        simua_free(&ps[i]->u);
    for (int i = 0; i < 3; i++) {
        for (int j = 0; j < ps[i]->nin; j++)
            sipua_session_unref(ps[i]->in[j]);
        for (int j = 0; j < ps[i]->ntaken; j++)
            sipua_session_unref(ps[i]->taken[j]);
        for (int j = 0; j < ps[i]->nsent; j++)
            free(ps[i]->sent[j]);
    }
    simnet_free(w->net);
    free(w);
}

/* `from` calls `to` (user name `user`); returns the caller's session. */
static sipua_session *dial(world *w, party *from, party *to, const char *user)
{
    char uri[64];
    snprintf(uri, sizeof uri, "sip:%s@%s", user, to->u.self.host);
    sipua_session *s = NULL;
    assert_int_equal(sipua_invite(from->u.ua, (sipua_str){uri, strlen(uri)}, &to->u.self, NULL,
                                  on_session, from, now_of(w), &s),
                     0);
    return s;
}

/* The index of the first event of this kind (and code, unless 0) on
 * session s (NULL: any) in p's log, at or after `start`; -1 when none. */
static int find_ev(const party *p, const sipua_session *s, sipua_session_event_kind k, int code,
                   int start)
{
    for (int i = start; i < p->nlog; i++)
        if ((!s || p->log[i].s == s) && p->log[i].kind == k && (!code || p->log[i].code == code))
            return i;
    return -1;
}

static int is_final(sipua_session_event_kind k)
{
    return k == SIPUA_SESSION_EV_TERMINATED || k == SIPUA_SESSION_EV_FAILED ||
           k == SIPUA_SESSION_EV_CANCELED;
}

/* The final event of s in p's log, or NULL. */
static const logged *final_of(const party *p, const sipua_session *s)
{
    const logged *f = NULL;
    for (int i = 0; i < p->nlog; i++)
        if (p->log[i].s == s && is_final(p->log[i].kind)) {
            assert_null(f); /* exactly once */
            f = &p->log[i];
        }
    return f;
}

/* The last refer_progress with refer_final on s, or NULL; *n (may be
 * NULL) counts them. */
static const logged *refer_outcome_n(const party *p, const sipua_session *s, int *n)
{
    const logged *f = NULL;
    int count = 0;
    for (int i = 0; i < p->nlog; i++)
        if (p->log[i].s == s && p->log[i].kind == SIPUA_SESSION_EV_REFER_PROGRESS &&
            p->log[i].final) {
            f = &p->log[i];
            count++;
        }
    if (n)
        *n = count;
    return f;
}

/* The outcome of the only REFER sent on s. */
static const logged *refer_outcome(const party *p, const sipua_session *s)
{
    int n;
    const logged *f = refer_outcome_n(p, s, &n);
    assert_true(n <= 1);
    return f;
}

static const char *sent_starting(const party *p, const char *start, int nth)
{
    for (int i = 0; i < p->nsent; i++)
        if (strncmp(p->sent[i], start, strlen(start)) == 0 && nth-- == 0)
            return p->sent[i];
    return NULL;
}

static sipua_session *other_session(const party *p, const sipua_session *not_this)
{
    for (int i = 0; i < p->nlog; i++)
        if (p->log[i].s != not_this)
            return p->log[i].s;
    return NULL;
}

/* ------------------------------------------------------------------ */

static void test_blind_transfer(void **state)
{
    (void)state;
    world *w = world_new(1, 0);
    sipua_session *ab = dial(w, &w->a, &w->b, "bob");
    run_for(w, 200000);
    assert_true(sipua_session_is_established(ab));
    /* errors first */
    assert_int_equal(sipua_session_refer(ab, SIPUA_STR("tel:+1555"), NULL, now_of(w)),
                     SIPUA_EINVAL);
    assert_int_equal(sipua_session_refer(ab, SIPUA_STR("sip:c@h?Replaces=x"), NULL, now_of(w)),
                     SIPUA_EINVAL);
    assert_int_equal(sipua_session_refer(NULL, SIPUA_STR("sip:c@h"), NULL, now_of(w)),
                     SIPUA_EINVAL);
    assert_int_equal(sipua_session_refer_accept(ab, NULL, NULL, now_of(w), NULL), SIPUA_ESTATE);
    sipua_refer_opts ro;
    sipua_refer_opts_init(&ro);
    ro.replaces = ab;
    assert_int_equal(sipua_session_refer(ab, SIPUA_STR("sip:c@h"), &ro, now_of(w)), SIPUA_EINVAL);

    assert_int_equal(sipua_session_refer(ab, SIPUA_STR("sip:carol@10.0.0.3"), NULL, now_of(w)), 0);
    assert_int_equal(sipua_session_refer(ab, SIPUA_STR("sip:carol@10.0.0.3"), NULL, now_of(w)),
                     SIPUA_ESTATE); /* one at a time */
    const char *refer = sent_starting(&w->a, "REFER sip:", 0);
    assert_non_null(refer);
    assert_non_null(strstr(refer, "\r\nRefer-To: <sip:carol@10.0.0.3>\r\n"));
    assert_non_null(strstr(refer, "\r\nReferred-By: <"));
    run_for(w, 500000);

    /* Bob heard referred, called Carol (deciding nothing: accepted) */
    sipua_session *ba = w->b.in[0];
    int r = find_ev(&w->b, ba, SIPUA_SESSION_EV_REFERRED, 0, 0);
    assert_true(r >= 0);
    sipua_session *bc = other_session(&w->b, ba);
    assert_non_null(bc);
    assert_true(sipua_session_is_established(bc));
    assert_int_equal(sipua_session_direction(bc), SIPUA_DIRECTION_OUTGOING);
    const char *inv = sent_starting(&w->b, "INVITE sip:carol@10.0.0.3 ", 0);
    assert_non_null(inv);
    assert_non_null(strstr(inv, "\r\nReferred-By: <sip:"));
    assert_null(strstr(inv, "\r\nReplaces:"));
    /* Bob calls as who he is in the first call */
    assert_non_null(strstr(inv, "\r\nFrom: <sip:bob@10.0.0.2>;tag="));
    /* Bob's NOTIFYs: 100 then 200, the last terminating the subscription */
    const char *n1 = sent_starting(&w->b, "NOTIFY ", 0), *n2 = sent_starting(&w->b, "NOTIFY ", 1);
    assert_non_null(n1);
    assert_non_null(n2);
    assert_non_null(strstr(n1, "\r\nEvent: refer\r\n"));
    assert_non_null(strstr(n1, "Subscription-State: active;expires="));
    assert_non_null(strstr(n1, "\r\n\r\nSIP/2.0 100 Trying\r\n"));
    assert_non_null(strstr(n2, "Subscription-State: terminated;reason=noresource"));
    assert_non_null(strstr(n2, "\r\n\r\nSIP/2.0 200 OK\r\n"));
    assert_non_null(strstr(n2, "Content-Type: message/sipfrag"));
    /* Alice: 202, 100, then 200 final */
    int p202 = find_ev(&w->a, ab, SIPUA_SESSION_EV_REFER_PROGRESS, 202, 0);
    int p100 = find_ev(&w->a, ab, SIPUA_SESSION_EV_REFER_PROGRESS, 100, 0);
    assert_true(p202 >= 0 && p100 >= 0);
    const logged *out = refer_outcome(&w->a, ab);
    assert_non_null(out);
    assert_int_equal(out->code, 200);
    assert_true(sipua_session_is_established(ab)); /* the REFER did not end the call */

    /* Alice hangs up on Bob; Bob and Carol stay in their call */
    assert_int_equal(sipua_session_bye(ab, NULL, now_of(w)), 0);
    run_for(w, 500000);
    assert_int_equal(final_of(&w->b, ba)->kind, SIPUA_SESSION_EV_TERMINATED);
    assert_true(sipua_session_is_established(bc));
    assert_true(sipua_session_is_established(w->c.in[0]));
    assert_int_equal(sipua_session_bye(bc, NULL, now_of(w)), 0);
    run_for(w, 500000);
    assert_int_equal(final_of(&w->c, w->c.in[0])->kind, SIPUA_SESSION_EV_TERMINATED);
    sipua_session_unref(ab);
    world_free(w);
}

static void test_referred_rejected(void **state)
{
    (void)state;
    world *w = world_new(2, 0);
    w->b.refer_decision = 603;
    sipua_session *ab = dial(w, &w->a, &w->b, "bob");
    run_for(w, 200000);
    assert_int_equal(sipua_session_refer(ab, SIPUA_STR("sip:carol@10.0.0.3"), NULL, now_of(w)), 0);
    run_for(w, 500000);
    const logged *out = refer_outcome(&w->a, ab);
    assert_non_null(out);
    assert_int_equal(out->code, 603);
    assert_null(sent_starting(&w->b, "INVITE ", 0)); /* nobody was called */
    assert_null(sent_starting(&w->b, "NOTIFY ", 0));
    assert_int_equal(w->c.nin, 0);
    /* a second REFER may go now */
    w->b.refer_decision = 1;
    assert_int_equal(sipua_session_refer(ab, SIPUA_STR("sip:carol@10.0.0.3"), NULL, now_of(w)), 0);
    run_for(w, 500000);
    assert_int_equal(w->b.ntaken, 1);
    assert_true(sipua_session_is_established(w->b.taken[0]));
    int n;
    assert_int_equal(refer_outcome_n(&w->a, ab, &n)->code, 200);
    assert_int_equal(n, 2); /* one outcome per REFER */
    sipua_session_unref(ab);
    world_free(w);
}

static void test_target_busy(void **state)
{
    (void)state;
    world *w = world_new(3, 0);
    w->c.answer = 486;
    sipua_session *ab = dial(w, &w->a, &w->b, "bob");
    run_for(w, 200000);
    assert_int_equal(sipua_session_refer(ab, SIPUA_STR("sip:carol@10.0.0.3"), NULL, now_of(w)), 0);
    run_for(w, 500000);
    const logged *out = refer_outcome(&w->a, ab);
    assert_non_null(out);
    assert_int_equal(out->code, 486);
    assert_non_null(strstr(sent_starting(&w->b, "NOTIFY ", 1), "SIP/2.0 486 Busy Here\r\n"));
    /* the call to Carol failed on Bob's side, with the same code */
    sipua_session *bc = other_session(&w->b, w->b.in[0]);
    assert_int_equal(final_of(&w->b, bc)->kind, SIPUA_SESSION_EV_FAILED);
    assert_int_equal(final_of(&w->b, bc)->cause, SIPUA_CAUSE_BUSY);
    assert_true(sipua_session_is_established(ab)); /* Alice may take Bob back */
    sipua_session_unref(ab);
    world_free(w);
}

static void test_attended_transfer_with_replaces(void **state)
{
    (void)state;
    world *w = world_new(4, 0);
    sipua_session *ab = dial(w, &w->a, &w->b, "bob");
    sipua_session *ac = dial(w, &w->a, &w->c, "carol");
    run_for(w, 200000);
    assert_true(sipua_session_is_established(ab) && sipua_session_is_established(ac));
    sipua_refer_opts ro;
    sipua_refer_opts_init(&ro);
    ro.replaces = ac;
    assert_int_equal(sipua_session_refer(ab, (sipua_str){NULL, 0}, &ro, now_of(w)), 0);
    const char *refer = sent_starting(&w->a, "REFER ", 0);
    assert_non_null(strstr(refer, "?Replaces="));
    assert_non_null(strstr(refer, "%3Bto-tag%3D"));
    run_for(w, 500000);

    /* Bob's INVITE to Carol carries the decoded Replaces */
    const char *inv = sent_starting(&w->b, "INVITE ", 0);
    assert_non_null(inv);
    sipua_str cid = sipua_session_call_id(ac);
    char want[160];
    snprintf(want, sizeof want, "\r\nReplaces: %.*s;to-tag=", (int)cid.len, cid.p);
    assert_non_null(strstr(inv, want));
    /* Carol took the new call and ended the one it replaces */
    assert_int_equal(w->c.nin, 2);
    sipua_session *cb = w->c.in[1];
    assert_ptr_equal(sipua_session_replaces(cb), w->c.in[0]);
    assert_null(sipua_session_replaces(w->c.in[0]));
    assert_true(sipua_session_is_established(cb));
    const logged *f = final_of(&w->a, ac);
    assert_non_null(f);
    assert_int_equal(f->kind, SIPUA_SESSION_EV_TERMINATED);
    assert_int_equal(f->cause, SIPUA_CAUSE_BYE);
    /* Alice hears the transfer done and leaves */
    assert_int_equal(refer_outcome(&w->a, ab)->code, 200);
    assert_int_equal(sipua_session_bye(ab, NULL, now_of(w)), 0);
    run_for(w, 500000);
    assert_true(sipua_session_is_established(cb));
    assert_true(sipua_session_is_ended(ab) && sipua_session_is_ended(ac));
    sipua_session_unref(ab);
    sipua_session_unref(ac);
    world_free(w);
}

static void test_replaces_naming_no_dialog(void **state)
{
    (void)state;
    world *w = world_new(5, 0);
    sipua_invite_opts o;
    sipua_invite_opts_init(&o);
    const char *bad[] = {"Replaces: nosuchcall@x;to-tag=1;from-tag=2"};
    o.extra_headers = bad;
    o.n_extra_headers = 1;
    sipua_session *s = NULL;
    assert_int_equal(sipua_invite(w->a.u.ua, SIPUA_STR("sip:bob@10.0.0.2"), &w->b.u.self, &o,
                                  on_session, &w->a, now_of(w), &s),
                     0);
    run_for(w, 500000);
    const logged *f = final_of(&w->a, s);
    assert_non_null(f);
    assert_int_equal(f->kind, SIPUA_SESSION_EV_FAILED);
    assert_int_equal(f->code, 481);
    assert_int_equal(w->b.nin, 0); /* never offered to the application */
    sipua_session_unref(s);
    /* a malformed one is 400 */
    const char *worse[] = {"Replaces: nosuchcall@x;to-tag=1"};
    o.extra_headers = worse;
    assert_int_equal(sipua_invite(w->a.u.ua, SIPUA_STR("sip:bob@10.0.0.2"), &w->b.u.self, &o,
                                  on_session, &w->a, now_of(w), &s),
                     0);
    run_for(w, 500000);
    assert_int_equal(final_of(&w->a, s)->code, 400);
    sipua_session_unref(s);
    world_free(w);
}

static int g_code;
static const sipua_msg *g_resp;
static void on_response(sipua_session *s, int code, const sipua_msg *resp, void *user)
{
    (void)s;
    (void)user;
    g_code = code;
    g_resp = resp;
}

static void test_refer_before_the_ack_waits_for_it(void **state)
{
    (void)state;
    world *w = world_new(7, 0);
    /* Bob refers Alice the moment his 200 goes, before her ACK */
    w->b.refer_at_answer = "sip:carol@10.0.0.3";
    sipua_session *ab = dial(w, &w->a, &w->b, "bob");
    run_for(w, 500000);
    assert_int_equal(w->b.refer_rc, 0);
    assert_int_equal(w->b.refers_sent_then, 0); /* held for the ACK */
    /* then it went, and the transfer went through */
    assert_non_null(sent_starting(&w->b, "REFER ", 0));
    const logged *out = refer_outcome(&w->b, w->b.in[0]);
    assert_non_null(out);
    assert_int_equal(out->code, 200);
    assert_true(sipua_session_is_established(w->c.in[0]));
    sipua_session_unref(ab);
    world_free(w);
}

static int lose_all(simua *u, const char *bytes, size_t len)
{
    (void)u;
    (void)bytes;
    (void)len;
    return 1;
}

static void test_send_request_and_stray_notify(void **state)
{
    (void)state;
    world *w = world_new(6, 0);
    sipua_session *ab = dial(w, &w->a, &w->b, "bob");
    sipua_request_opts ro;
    sipua_request_opts_init(&ro);
    ro.cb = on_response;
    /* not before the dialog is confirmed */
    assert_int_equal(sipua_session_send_request(ab, SIPUA_STR("OPTIONS"), &ro, now_of(w)),
                     SIPUA_ESTATE);
    run_for(w, 200000);
    assert_int_equal(sipua_session_send_request(ab, SIPUA_STR("BYE"), &ro, now_of(w)),
                     SIPUA_EINVAL);
    assert_int_equal(sipua_session_send_request(ab, SIPUA_STR("INVITE"), &ro, now_of(w)),
                     SIPUA_EINVAL);
    assert_int_equal(sipua_session_send_request(ab, SIPUA_STR("BAD METHOD"), &ro, now_of(w)),
                     SIPUA_EINVAL);
    ro.body = SIPUA_STR("hello");
    assert_int_equal(sipua_session_send_request(ab, SIPUA_STR("MESSAGE"), &ro, now_of(w)),
                     SIPUA_EINVAL); /* a body needs its Content-Type */
    const char *ct[] = {"Content-Type: text/plain"};
    ro.extra_headers = ct;
    ro.n_extra_headers = 1;
    /* Bob takes no MESSAGE in a call: 405 */
    assert_int_equal(sipua_session_send_request(ab, SIPUA_STR("MESSAGE"), &ro, now_of(w)), 0);
    run_for(w, 200000);
    assert_int_equal(g_code, 405);
    const char *msg = sent_starting(&w->a, "MESSAGE sip:", 0);
    assert_non_null(msg);
    assert_non_null(strstr(msg, "\r\n\r\nhello"));
    assert_non_null(strstr(msg, "\r\nCSeq: 2 MESSAGE\r\n"));
    /* OPTIONS in the dialog: 200 */
    sipua_request_opts_init(&ro);
    ro.cb = on_response;
    assert_int_equal(sipua_session_send_request(ab, SIPUA_STR("OPTIONS"), &ro, now_of(w)), 0);
    run_for(w, 200000);
    assert_int_equal(g_code, 200);
    /* an extension method */
    assert_int_equal(sipua_session_send_request(ab, SIPUA_STR("FOO"), &ro, now_of(w)), 0);
    run_for(w, 200000);
    assert_true(g_code == 405 || g_code == 501);
    /* a NOTIFY for a REFER nobody sent: 481 (RFC 6665 4.1.3) */
    const char *nh[] = {"Event: refer", "Subscription-State: active",
                        "Content-Type: message/sipfrag"};
    ro.extra_headers = nh;
    ro.n_extra_headers = 3;
    ro.body = SIPUA_STR("SIP/2.0 100 Trying\r\n");
    assert_int_equal(sipua_session_send_request(ab, SIPUA_STR("NOTIFY"), &ro, now_of(w)), 0);
    run_for(w, 200000);
    assert_int_equal(g_code, 481);
    /* a NOTIFY of another event package: 489 */
    nh[0] = "Event: dialog";
    assert_int_equal(sipua_session_send_request(ab, SIPUA_STR("NOTIFY"), &ro, now_of(w)), 0);
    run_for(w, 200000);
    assert_int_equal(g_code, 489);
    assert_true(sipua_session_is_established(ab));
    /* a peer that answers nothing: 408 once Timer F fires */
    w->b.u.lose = lose_all;
    assert_int_equal(sipua_session_send_request(ab, SIPUA_STR("OPTIONS"), NULL, now_of(w)), 0);
    g_code = 0;
    sipua_request_opts_init(&ro);
    ro.cb = on_response;
    assert_int_equal(sipua_session_send_request(ab, SIPUA_STR("INFO"), &ro, now_of(w)), 0);
    run_for(w, 40000000);
    assert_int_equal(g_code, 408);
    assert_null(g_resp);
    sipua_session_unref(ab);
    world_free(w);
}

/* Many seeds under loss: the transferor's outcome is what happened to the
 * call it asked for, and every call ends once on each side. */
static void test_blind_transfer_under_loss(void **state)
{
    (void)state;
    int done = 0, failed = 0;
    for (uint64_t seed = 100; seed < 140; seed++) {
        world *w = world_new(seed, 0.2);
        sipua_session *ab = dial(w, &w->a, &w->b, "bob");
        run_for(w, 8000000);
        if (!sipua_session_is_established(ab)) {
            fprintf(stderr, "seed %llu: the first call did not establish\n",
                    (unsigned long long)seed);
            fail();
        }
        assert_int_equal(sipua_session_refer(ab, SIPUA_STR("sip:carol@10.0.0.3"), NULL, now_of(w)),
                         0);
        run_for(w, 40000000);
        const logged *out = refer_outcome(&w->a, ab);
        if (!out) {
            fprintf(stderr, "seed %llu: no outcome\n", (unsigned long long)seed);
            fail();
        }
        sipua_session *bc = other_session(&w->b, w->b.in[0]);
        if (out->code == 200) {
            done++;
            assert_true(sipua_session_is_established(bc));
            assert_true(sipua_session_is_established(w->c.in[0]));
        } else {
            failed++;
            fprintf(stderr, "seed %llu: transfer outcome %d\n", (unsigned long long)seed,
                    out->code);
        }
        assert_int_equal(sipua_session_bye(ab, NULL, now_of(w)), 0);
        if (bc && sipua_session_is_established(bc))
            assert_int_equal(sipua_session_bye(bc, NULL, now_of(w)), 0);
        simnet_run(w->net, INT64_MAX, NULL, NULL);
        assert_non_null(final_of(&w->a, ab));
        assert_non_null(final_of(&w->b, w->b.in[0]));
        if (bc) {
            assert_non_null(final_of(&w->b, bc));
            if (w->c.nin)
                assert_non_null(final_of(&w->c, w->c.in[0]));
        }
        sipua_session_unref(ab);
        world_free(w);
    }
    printf("blind transfer, 40 seeds at 20%% loss: %d done, %d failed\n", done, failed);
    assert_int_equal(failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blind_transfer),
        cmocka_unit_test(test_referred_rejected),
        cmocka_unit_test(test_target_busy),
        cmocka_unit_test(test_attended_transfer_with_replaces),
        cmocka_unit_test(test_replaces_naming_no_dialog),
        cmocka_unit_test(test_send_request_and_stray_notify),
        cmocka_unit_test(test_refer_before_the_ack_waits_for_it),
        cmocka_unit_test(test_blind_transfer_under_loss),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
