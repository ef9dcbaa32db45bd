/* The session API of include/sipua/session.h, one call at a time between
 * two UA cores on a perfect simulated network: every argument and state
 * error the header names, the options of invite, cancel, reject and bye as
 * they appear on the wire, the attributes, the causes and their texts, and
 * the endings that come from timers (NO_ACK, REQUEST_TIMEOUT) or from the
 * transport (CONNECTION_ERROR). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "simnet.h"
#include "simua.h"
#include "sipua/session.h"

#define MAX_EV  16
#define MAX_OUT 64

typedef struct record {
    sipua_session_event_kind ev[MAX_EV];
    sipua_cause cause[MAX_EV];
    int code[MAX_EV];
    int n;
} record;

typedef struct peer {
    simua u; /* first: simua finds it there */
    sipua_session *incoming;
    record rec;
    int auto_accept;
    int drop_acks; /* the network loses every ACK this peer sends */
    char *sent[MAX_OUT];
    int nsent;
} peer;

typedef struct world {
    simnet *net;
    peer a, b;
    record arec;
} world;

static void on_send(simua *u, const sipua_endpoint *to, const char *bytes, size_t len)
{
    peer *p = (peer *)u;
    (void)to;
    if (p->nsent < MAX_OUT) {
        p->sent[p->nsent] = malloc(len + 1);
        memcpy(p->sent[p->nsent], bytes, len);
        p->sent[p->nsent][len] = 0;
        p->nsent++;
    }
}

/* The last message this peer sent that starts with `start`, or NULL. */
static const char *sent_starting(const peer *p, const char *start)
{
    for (int i = p->nsent; i-- > 0;)
        if (strncmp(p->sent[i], start, strlen(start)) == 0)
            return p->sent[i];
    return NULL;
}

static void record_event(record *r, const sipua_session_event *ev)
{
    assert_true(r->n < MAX_EV);
    r->ev[r->n] = ev->kind;
    r->cause[r->n] = ev->cause;
    r->code[r->n] = ev->code;
    r->n++;
}

static void on_a(sipua_session *s, const sipua_session_event *ev, void *user)
{
    (void)s;
    record_event(user, ev);
}

static void on_b(sipua_session *s, const sipua_session_event *ev, void *user)
{
    (void)s;
    record_event(&((peer *)user)->rec, ev);
}

static void on_ua(void *user, const sipua_ua_event *ev)
{
    peer *p = user;
    if (ev->type != SIPUA_UA_EV_INVITE)
        return;
    p->incoming = sipua_session_ref(ev->session);
    sipua_session_set_callback(ev->session, on_b, p);
    if (p->auto_accept)
        assert_int_equal(sipua_session_accept(ev->session, NULL, simnet_now(p->u.net)), 0);
}

static world *world_new(void)
{
    world *w = calloc(1, sizeof *w);
    simnet_config cfg = {.seed = 9, .delay_us = 10000};
    w->net = simnet_new(&cfg);
    w->a.u.on_send = on_send;
    w->b.u.on_send = on_send;
    assert_int_equal(simua_init(&w->a.u, w->net, 1, on_ua, NULL), 0);
    assert_int_equal(simua_init(&w->b.u, w->net, 2, on_ua, NULL), 0);
    return w;
}

static void world_free(world *w)
{
    simua_free(&w->a.u);
    simua_free(&w->b.u);
    sipua_session_unref(w->a.incoming);
    sipua_session_unref(w->b.incoming);
    for (int i = 0; i < w->a.nsent; i++)
        free(w->a.sent[i]);
    for (int i = 0; i < w->b.nsent; i++)
        free(w->b.sent[i]);
    simnet_free(w->net);
    free(w);
}

static sipua_time now_of(world *w)
{
    return simnet_now(w->net);
}

static void run_for(world *w, sipua_time us)
{
    simnet_run(w->net, now_of(w) + us, NULL, NULL);
}

static sipua_session *call(world *w, const sipua_invite_opts *o)
{
    sipua_session *s = NULL;
    assert_int_equal(sipua_invite(w->a.u.ua, SIPUA_STR("sip:bob@10.0.0.2"), &w->b.u.self, o, on_a,
                                  &w->arec, now_of(w), &s),
                     0);
    return s;
}

static int last_is(const record *r, sipua_session_event_kind k, sipua_cause cause)
{
    return r->n > 0 && r->ev[r->n - 1] == k && r->cause[r->n - 1] == cause;
}

/* ------------------------------------------------------------------ */

static void test_invite_argument_errors(void **state)
{
    (void)state;
    world *w = world_new();
    sipua_session *s = NULL;
    sipua_endpoint to = w->b.u.self;
    sipua_invite_opts o;
    sipua_invite_opts_init(&o);
    /* target: a SIP or SIPS URI */
    assert_int_equal(sipua_invite(w->a.u.ua, SIPUA_STR("tel:+1555"), &to, NULL, on_a, NULL, 0, &s),
                     SIPUA_EINVAL);
    assert_int_equal(sipua_invite(w->a.u.ua, SIPUA_STR("sip:"), &to, NULL, on_a, NULL, 0, &s),
                     SIPUA_EINVAL);
    assert_int_equal(sipua_invite(w->a.u.ua, SIPUA_STR("sip:b@h"), NULL, NULL, on_a, NULL, 0, &s),
                     SIPUA_EINVAL);
    assert_int_equal(sipua_invite(NULL, SIPUA_STR("sip:b@h"), &to, NULL, on_a, NULL, 0, &s),
                     SIPUA_EINVAL);
    /* extra headers: malformed, or owned by the stack */
    const char *bad[][1] = {{"No colon"},    {"Via: SIP/2.0/UDP x"}, {"call-id: x"},
                            {"CSeq: 1 BYE"}, {"Content-Length: 3"},  {"Max-Forwards: 1"},
                            {"Bad Name: x"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        o.extra_headers = bad[i];
        o.n_extra_headers = 1;
        assert_int_equal(sipua_invite(w->a.u.ua, SIPUA_STR("sip:b@h"), &to, &o, on_a, NULL, 0, &s),
                         SIPUA_EINVAL);
    }
    /* a body needs its Content-Type */
    sipua_invite_opts_init(&o);
    o.body = SIPUA_STR("v=0\r\n");
    assert_int_equal(sipua_invite(w->a.u.ua, SIPUA_STR("sip:b@h"), &to, &o, on_a, NULL, 0, &s),
                     SIPUA_EINVAL);
    /* an options struct of another version */
    sipua_invite_opts_init(&o);
    o.version = 99;
    assert_int_equal(sipua_invite(w->a.u.ua, SIPUA_STR("sip:b@h"), &to, &o, on_a, NULL, 0, &s),
                     SIPUA_EINVAL);
    sipua_invite_opts silent;
    sipua_invite_opts_init(&silent);
    silent.audio = 0; /* nothing to offer */
    assert_int_equal(sipua_invite(w->a.u.ua, SIPUA_STR("sip:b@h"), &to, &silent, on_a, NULL, 0, &s),
                     SIPUA_EINVAL);
    silent.invite_without_sdp = 1; /* but a delayed offer is fine */
    assert_int_equal(sipua_invite(w->a.u.ua, SIPUA_STR("sip:b@h"), &to, &silent, on_a, NULL, 0, &s),
                     0);
    sipua_session_unref(s);
    s = NULL;
    /* no identity for the transport (TLS not configured) */
    to.transport = SIPUA_TRANSPORT_TLS;
    assert_int_equal(sipua_invite(w->a.u.ua, SIPUA_STR("sip:b@h"), &to, NULL, on_a, NULL, 0, &s),
                     SIPUA_EINVAL);
    assert_null(s);
    world_free(w);
}

static void test_accept_sets_times_identities_and_direction(void **state)
{
    (void)state;
    world *w = world_new();
    w->b.auto_accept = 1;
    sipua_invite_opts o;
    sipua_invite_opts_init(&o);
    o.from = SIPUA_STR("\"Alice\" <sip:alice@10.0.0.1>");
    sipua_session *s = call(w, &o);
    assert_int_equal(sipua_session_direction(s), SIPUA_DIRECTION_OUTGOING);
    assert_int_equal(sipua_session_start_time(s), 0);
    run_for(w, 100000);
    assert_true(sipua_session_is_established(s));
    assert_true(sipua_session_start_time(s) > 0);
    assert_int_equal(sipua_session_end_time(s), 0);
    const sipua_nameaddr *l = sipua_session_local_identity(s),
                         *r = sipua_session_remote_identity(s);
    assert_true(sipua_str_eq(l->display, "\"Alice\""));
    assert_true(sipua_str_eq(l->uri.whole, "sip:alice@10.0.0.1"));
    assert_true(sipua_str_eq(r->uri.whole, "sip:bob@10.0.0.2"));
    /* the callee sees the same two the other way round */
    sipua_session *in = w->b.incoming;
    assert_int_equal(sipua_session_direction(in), SIPUA_DIRECTION_INCOMING);
    assert_true(sipua_str_eq(sipua_session_remote_identity(in)->uri.whole, "sip:alice@10.0.0.1"));
    assert_true(sipua_str_eq(sipua_session_local_identity(in)->uri.whole, "sip:bob@10.0.0.2"));
    sipua_str ca = sipua_session_call_id(s), cb = sipua_session_call_id(in);
    assert_true(ca.len == cb.len && memcmp(ca.p, cb.p, ca.len) == 0);
    /* state errors on an established call */
    assert_int_equal(sipua_session_accept(in, NULL, now_of(w)), SIPUA_ESTATE);
    assert_int_equal(sipua_session_reject(in, NULL, now_of(w)), SIPUA_ESTATE);
    assert_int_equal(sipua_session_cancel(s, NULL, now_of(w)), SIPUA_ESTATE);
    assert_int_equal(sipua_session_accept(s, NULL, now_of(w)), SIPUA_ESTATE); /* outgoing */
    /* bye ends it; the end time follows */
    sipua_bye_opts bo;
    sipua_bye_opts_init(&bo);
    bo.status_code = 200;
    bo.reason_phrase = "Call completed";
    assert_int_equal(sipua_session_bye(s, &bo, now_of(w)), 0);
    assert_non_null(
        strstr(sent_starting(&w->a, "BYE "), "Reason: SIP;cause=200;text=\"Call completed\""));
    run_for(w, 100000);
    assert_true(last_is(&w->arec, SIPUA_SESSION_EV_TERMINATED, SIPUA_CAUSE_BYE));
    assert_true(last_is(&w->b.rec, SIPUA_SESSION_EV_TERMINATED, SIPUA_CAUSE_BYE));
    assert_true(sipua_session_end_time(s) >= sipua_session_start_time(s));
    assert_true(sipua_session_is_ended(s));
    assert_int_equal(sipua_session_bye(s, NULL, now_of(w)), SIPUA_ESTATE);
    assert_int_equal(sipua_session_terminate(s, now_of(w)), SIPUA_ESTATE);
    sipua_session_unref(s);
    world_free(w);
}

static void test_reject_codes_and_causes(void **state)
{
    (void)state;
    static const struct {
        int code;
        sipua_cause cause;
    } cases[] = {{0, SIPUA_CAUSE_UNAVAILABLE}, /* default 480 */
                 {486, SIPUA_CAUSE_BUSY},
                 {603, SIPUA_CAUSE_REJECTED},
                 {404, SIPUA_CAUSE_NOT_FOUND},
                 {488, SIPUA_CAUSE_INCOMPATIBLE_SDP},
                 {302, SIPUA_CAUSE_REDIRECTED},
                 {484, SIPUA_CAUSE_ADDRESS_INCOMPLETE},
                 {500, SIPUA_CAUSE_SIP_FAILURE_CODE}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        world *w = world_new();
        sipua_session *s = call(w, NULL);
        run_for(w, 50000);
        assert_non_null(w->b.incoming);
        sipua_answer_opts o;
        sipua_answer_opts_init(&o);
        o.status_code = cases[i].code;
        assert_int_equal(sipua_session_reject(w->b.incoming, &o, now_of(w)), 0);
        run_for(w, 100000);
        int want = cases[i].code ? cases[i].code : 480;
        assert_true(last_is(&w->arec, SIPUA_SESSION_EV_FAILED, cases[i].cause));
        assert_int_equal(w->arec.code[w->arec.n - 1], want);
        assert_true(last_is(&w->b.rec, SIPUA_SESSION_EV_FAILED, cases[i].cause));
        sipua_session_unref(s);
        world_free(w);
    }
    /* codes outside 300..699 */
    world *w = world_new();
    sipua_session *s = call(w, NULL);
    run_for(w, 50000);
    sipua_answer_opts o;
    sipua_answer_opts_init(&o);
    o.status_code = 200;
    assert_int_equal(sipua_session_reject(w->b.incoming, &o, now_of(w)), SIPUA_EINVAL);
    o.status_code = 700;
    assert_int_equal(sipua_session_reject(w->b.incoming, &o, now_of(w)), SIPUA_EINVAL);
    assert_int_equal(sipua_session_reject(s, NULL, now_of(w)), SIPUA_ESTATE); /* outgoing */
    sipua_session_unref(s);
    world_free(w);
}

static void test_cancel_with_reason_and_its_errors(void **state)
{
    (void)state;
    world *w = world_new();
    sipua_session *s = call(w, NULL);
    sipua_cancel_opts c;
    sipua_cancel_opts_init(&c);
    c.status_code = 100;
    assert_int_equal(sipua_session_cancel(s, &c, now_of(w)), SIPUA_EINVAL);
    c.status_code = 700;
    assert_int_equal(sipua_session_cancel(s, &c, now_of(w)), SIPUA_EINVAL);
    /* before any provisional: held until one arrives (RFC 3261 9.1) */
    c.status_code = 486;
    c.reason_phrase = "Busy Everywhere";
    assert_int_equal(sipua_session_cancel(s, &c, now_of(w)), 0);
    assert_null(sent_starting(&w->a, "CANCEL "));
    /* the callee's UA answers the INVITE with 100 Trying: a provisional,
     * so the CANCEL goes when it arrives */
    run_for(w, 15000);
    assert_non_null(w->b.incoming);
    assert_int_equal(sipua_session_cancel(w->b.incoming, NULL, now_of(w)), SIPUA_ESTATE);
    assert_non_null(sent_starting(&w->b, "SIP/2.0 100 "));
    run_for(w, 100000);
    const char *cancel = sent_starting(&w->a, "CANCEL ");
    assert_non_null(cancel);
    assert_non_null(strstr(cancel, "Reason: SIP;cause=486;text=\"Busy Everywhere\""));
    assert_true(last_is(&w->arec, SIPUA_SESSION_EV_CANCELED, SIPUA_CAUSE_CANCELED));
    assert_int_equal(w->arec.code[w->arec.n - 1], 487);
    assert_true(last_is(&w->b.rec, SIPUA_SESSION_EV_CANCELED, SIPUA_CAUSE_CANCELED));
    assert_int_equal(sipua_session_cancel(s, NULL, now_of(w)), SIPUA_ESTATE); /* ended */
    sipua_session_unref(s);
    world_free(w);
}

static void test_anonymous_and_extra_headers_on_the_wire(void **state)
{
    (void)state;
    world *w = world_new();
    const char *extra[] = {"X-Campaign: 42", "Subject: test call"};
    sipua_invite_opts o;
    sipua_invite_opts_init(&o);
    o.anonymous = 1;
    o.extra_headers = extra;
    o.n_extra_headers = 2;
    sipua_session *s = call(w, &o);
    const char *inv = sent_starting(&w->a, "INVITE ");
    assert_non_null(inv);
    assert_non_null(strstr(inv, "From: \"Anonymous\" <sip:anonymous@anonymous.invalid>;tag="));
    assert_non_null(strstr(inv, "Privacy: id\r\n"));
    assert_non_null(strstr(inv, "X-Campaign: 42\r\n"));
    assert_non_null(strstr(inv, "Subject: test call\r\n"));
    assert_non_null(strstr(inv, "Content-Type: application/sdp\r\n"));
    assert_int_equal(sipua_session_terminate(s, now_of(w)), 0); /* a CANCEL, once it may */
    run_for(w, 40000000);
    sipua_session_unref(s);
    world_free(w);
}

static void test_delayed_offer_answer_in_the_ack(void **state)
{
    (void)state;
    world *w = world_new();
    w->b.auto_accept = 1;
    sipua_invite_opts o;
    sipua_invite_opts_init(&o);
    o.invite_without_sdp = 1;
    sipua_session *s = call(w, &o);
    run_for(w, 100000);
    const char *inv = sent_starting(&w->a, "INVITE ");
    assert_non_null(strstr(inv, "Content-Length: 0\r\n"));
    const char *ok = sent_starting(&w->b, "SIP/2.0 200 ");
    assert_non_null(ok);
    assert_non_null(strstr(ok, "m=audio ")); /* the offer in the 200 */
    const char *ack = sent_starting(&w->a, "ACK ");
    assert_non_null(ack);
    assert_non_null(strstr(ack, "m=audio ")); /* the answer in the ACK */
    assert_true(sipua_session_is_established(s));
    sipua_session_terminate(s, now_of(w));
    run_for(w, 100000);
    assert_true(last_is(&w->arec, SIPUA_SESSION_EV_TERMINATED, SIPUA_CAUSE_BYE));
    sipua_session_unref(s);
    world_free(w);
}

/* A simnet node that takes everything and answers nothing. */
static void sink_deliver(void *user, sim_addr from, sim_addr to, const char *bytes, size_t len,
                         sipua_time now)
{
    (void)user, (void)from, (void)to, (void)bytes, (void)len, (void)now;
}

static void test_no_answer_at_all_is_request_timeout(void **state)
{
    (void)state;
    world *w = world_new();
    static const simnet_node_ops sink = {sink_deliver, NULL, NULL};
    assert_int_equal(simnet_add_node(w->net, sim_addr_make(9, 5060), &sink, NULL), 0);
    sipua_endpoint nowhere;
    sipua_endpoint_set(&nowhere, SIPUA_TRANSPORT_UDP, "10.0.0.9", 5060, 0);
    sipua_session *s = NULL;
    sipua_time t0 = now_of(w);
    assert_int_equal(sipua_invite(w->a.u.ua, SIPUA_STR("sip:x@10.0.0.9"), &nowhere, NULL, on_a,
                                  &w->arec, t0, &s),
                     0);
    simnet_run(w->net, INT64_MAX, NULL, NULL);
    assert_true(last_is(&w->arec, SIPUA_SESSION_EV_FAILED, SIPUA_CAUSE_REQUEST_TIMEOUT));
    assert_int_equal(sipua_session_end_time(s) - t0, 32000000); /* timer B, 64*T1 */
    sipua_session_unref(s);
    world_free(w);
}

static int lose_acks(simua *u, const char *bytes, size_t len)
{
    return ((peer *)u)->drop_acks && len > 4 && memcmp(bytes, "ACK ", 4) == 0;
}

static void test_no_ack_ends_the_call(void **state)
{
    (void)state;
    world *w = world_new();
    w->b.auto_accept = 1;
    sipua_session *s = call(w, NULL);
    /* the network loses every ACK the caller sends */
    w->a.drop_acks = 1;
    w->a.u.lose = lose_acks;
    run_for(w, 15000); /* INVITE delivered at 10 ms, 200 sent */
    assert_non_null(w->b.incoming);
    sipua_time answered = now_of(w);
    simnet_run(w->net, INT64_MAX, NULL, NULL);
    assert_true(last_is(&w->b.rec, SIPUA_SESSION_EV_TERMINATED, SIPUA_CAUSE_NO_ACK));
    /* 13.3.1.4: the 2xx resent until 64*T1, then BYE */
    assert_true(sipua_session_end_time(w->b.incoming) - answered >= 31900000);
    assert_non_null(sent_starting(&w->b, "BYE "));
    /* the caller, whose ACKs were lost, sees the BYE */
    assert_true(last_is(&w->arec, SIPUA_SESSION_EV_TERMINATED, SIPUA_CAUSE_BYE));
    sipua_session_unref(s);
    world_free(w);
}

static void test_invite_expires_runs_out(void **state)
{
    (void)state;
    world *w = world_new();
    sipua_invite_opts o;
    sipua_invite_opts_init(&o);
    const char *extra[] = {"Expires: 2"};
    o.extra_headers = extra;
    o.n_extra_headers = 1;
    sipua_session *s = call(w, &o);
    sipua_time t0 = now_of(w);
    run_for(w, 1900000);
    assert_non_null(w->b.incoming);
    assert_false(sipua_session_is_ended(w->b.incoming)); /* still ringing at 1.9 s */
    run_for(w, 300000);
    assert_true(last_is(&w->b.rec, SIPUA_SESSION_EV_FAILED, SIPUA_CAUSE_EXPIRES));
    assert_int_equal(w->b.rec.code[w->b.rec.n - 1], 487);
    assert_true(sipua_session_end_time(w->b.incoming) - t0 >= 2000000);
    /* the caller sees the 487 as a failure of its own */
    assert_true(last_is(&w->arec, SIPUA_SESSION_EV_FAILED, SIPUA_CAUSE_SIP_FAILURE_CODE));
    assert_int_equal(w->arec.code[w->arec.n - 1], 487);
    sipua_session_unref(s);
    world_free(w);
}

static void test_causes_texts_and_status_mapping(void **state)
{
    (void)state;
    /* SIP.js's texts */
    assert_string_equal(sipua_cause_str(SIPUA_CAUSE_BUSY), "Busy");
    assert_string_equal(sipua_cause_str(SIPUA_CAUSE_NO_PRACK), "No PRACK");
    assert_string_equal(sipua_cause_str(SIPUA_CAUSE_NO_ACK), "No ACK");
    assert_string_equal(sipua_cause_str(SIPUA_CAUSE_CANCELED), "Canceled");
    assert_string_equal(sipua_cause_str(SIPUA_CAUSE_INCOMPATIBLE_SDP), "Incompatible SDP");
    assert_string_equal(sipua_cause_str(SIPUA_CAUSE_BYE), "Terminated");
    assert_string_equal(sipua_cause_str(SIPUA_CAUSE_NONE), "");
    assert_string_equal(sipua_cause_str((sipua_cause)999), "");
    /* API.md's mapping of final failure codes */
    static const struct {
        int code;
        sipua_cause cause;
    } map[] = {{300, SIPUA_CAUSE_REDIRECTED},
               {301, SIPUA_CAUSE_REDIRECTED},
               {302, SIPUA_CAUSE_REDIRECTED},
               {305, SIPUA_CAUSE_REDIRECTED},
               {380, SIPUA_CAUSE_REDIRECTED},
               {486, SIPUA_CAUSE_BUSY},
               {600, SIPUA_CAUSE_BUSY},
               {403, SIPUA_CAUSE_REJECTED},
               {603, SIPUA_CAUSE_REJECTED},
               {404, SIPUA_CAUSE_NOT_FOUND},
               {604, SIPUA_CAUSE_NOT_FOUND},
               {480, SIPUA_CAUSE_UNAVAILABLE},
               {410, SIPUA_CAUSE_UNAVAILABLE},
               {408, SIPUA_CAUSE_UNAVAILABLE},
               {430, SIPUA_CAUSE_UNAVAILABLE},
               {484, SIPUA_CAUSE_ADDRESS_INCOMPLETE},
               {488, SIPUA_CAUSE_INCOMPATIBLE_SDP},
               {606, SIPUA_CAUSE_INCOMPATIBLE_SDP},
               {401, SIPUA_CAUSE_AUTHENTICATION_ERROR},
               {407, SIPUA_CAUSE_AUTHENTICATION_ERROR},
               {481, SIPUA_CAUSE_DIALOG_ERROR},
               {500, SIPUA_CAUSE_SIP_FAILURE_CODE},
               {503, SIPUA_CAUSE_SIP_FAILURE_CODE}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        assert_int_equal(sipua_cause_from_status(map[i].code), map[i].cause);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_invite_argument_errors),
        cmocka_unit_test(test_accept_sets_times_identities_and_direction),
        cmocka_unit_test(test_reject_codes_and_causes),
        cmocka_unit_test(test_cancel_with_reason_and_its_errors),
        cmocka_unit_test(test_anonymous_and_extra_headers_on_the_wire),
        cmocka_unit_test(test_delayed_offer_answer_in_the_ack),
        cmocka_unit_test(test_no_answer_at_all_is_request_timeout),
        cmocka_unit_test(test_no_ack_ends_the_call),
        cmocka_unit_test(test_invite_expires_runs_out),
        cmocka_unit_test(test_causes_texts_and_status_mapping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
