/* A transfer through an outbound proxy, in the simulator: Alice calls
 * through a proxy (her INVITE goes to it, with a preloaded Route); when
 * the callee refers her to a target with a literal address, her call to
 * the target goes through the same proxy with the same Route, not to the
 * address (RFC 3261 8.1.2). Without a preloaded Route it goes to the
 * address. The "proxy" here is Bob himself (10.0.0.2): the test looks at
 * where Alice sends, and what. Carol is 10.0.0.3.
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

typedef struct node {
    simua u; /* first: simua finds it there */
    sipua_session *calls[4];
    int ncalls;
    /* Alice: where her INVITEs for sip:carol went, and the last one */
    sipua_endpoint carol_hop;
    char carol_invite[8192];
    int carol_invites;
} node;

typedef struct world {
    simnet *net;
    node a, b, c;
} world;

static void on_send(simua *u, const sipua_endpoint *to, const char *bytes, size_t len)
{
    node *n = (node *)u;
    static const char start[] = "INVITE sip:carol@";
    if (len < sizeof start - 1 || memcmp(bytes, start, sizeof start - 1) != 0)
        return;
    n->carol_hop = *to;
    size_t k = len < sizeof n->carol_invite - 1 ? len : sizeof n->carol_invite - 1;
    memcpy(n->carol_invite, bytes, k);
    n->carol_invite[k] = 0;
    n->carol_invites++;
}

static void on_session(sipua_session *s, const sipua_session_event *ev, void *user)
{
    node *n = user;
    if (ev->kind != SIPUA_SESSION_EV_REFERRED)
        return;
    sipua_session *call = NULL;
    assert_int_equal(sipua_session_refer_accept(s, on_session, n, simnet_now(n->u.net), &call), 0);
    assert_true(n->ncalls < 4);
    n->calls[n->ncalls++] = call;
}

static void on_ua(void *user, const sipua_ua_event *ev)
{
    node *n = user;
    if (ev->type != SIPUA_UA_EV_INVITE)
        return;
    assert_true(n->ncalls < 4);
    n->calls[n->ncalls++] = sipua_session_ref(ev->session);
    sipua_session_set_callback(ev->session, on_session, n);
    assert_int_equal(sipua_session_accept(ev->session, NULL, simnet_now(n->u.net)), 0);
}

static world *world_new(void)
{
    world *w = calloc(1, sizeof *w);
    simnet_config cfg = {.seed = 7, .delay_us = 10000};
    w->net = simnet_new(&cfg);
    node *ns[] = {&w->a, &w->b, &w->c};
    for (unsigned i = 0; i < 3; i++) {
        ns[i]->u.on_send = on_send;
        assert_int_equal(simua_init(&ns[i]->u, w->net, i + 1, on_ua, NULL), 0);
    }
    return w;
}

static void world_free(world *w)
{
    node *ns[] = {&w->a, &w->b, &w->c};
    for (int i = 0; i < 3; i++)
        simua_free(&ns[i]->u);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < ns[i]->ncalls; j++)
            sipua_session_unref(ns[i]->calls[j]);
    simnet_free(w->net);
    free(w);
}

/* Alice calls Bob (with `route` as an extra header unless NULL), Bob
 * refers her to sip:carol@10.0.0.3 once answered. */
static void transfer(world *w, const char *route)
{
    const char *extra[1] = {route};
    sipua_invite_opts o;
    sipua_invite_opts_init(&o);
    o.extra_headers = extra;
    o.n_extra_headers = route ? 1 : 0;
    sipua_session *ab = NULL;
    assert_int_equal(sipua_invite(w->a.u.ua, SIPUA_STR("sip:bob@10.0.0.2"), &w->b.u.self, &o,
                                  on_session, &w->a, simnet_now(w->net), &ab),
                     0);
    simnet_run(w->net, simnet_now(w->net) + 200000, NULL, NULL);
    assert_true(sipua_session_is_established(ab));
    assert_int_equal(w->b.ncalls, 1);
    assert_int_equal(sipua_session_refer(w->b.calls[0], SIPUA_STR("sip:carol@10.0.0.3"), NULL,
                                         simnet_now(w->net)),
                     0);
    simnet_run(w->net, simnet_now(w->net) + 500000, NULL, NULL);
    assert_int_equal(w->a.ncalls, 1); /* the call for the REFER */
    assert_true(w->a.carol_invites >= 1);
    sipua_session_unref(ab);
}

static void test_through_the_outbound_proxy(void **state)
{
    (void)state;
    world *w = world_new();
    transfer(w, "Route: <sip:10.0.0.2;lr>");
    /* to the proxy (Bob's address), with the Route; Carol heard nothing */
    assert_string_equal(w->a.carol_hop.host, "10.0.0.2");
    assert_int_equal(w->a.carol_hop.port, 5060);
    assert_non_null(strstr(w->a.carol_invite, "\r\nRoute: <sip:10.0.0.2;lr>\r\n"));
    assert_non_null(strstr(w->a.carol_invite, "\r\nReferred-By: "));
    assert_int_equal(w->c.ncalls, 0);
    world_free(w);
}

static void test_without_a_proxy(void **state)
{
    (void)state;
    world *w = world_new();
    transfer(w, NULL);
    assert_string_equal(w->a.carol_hop.host, "10.0.0.3");
    assert_null(strstr(w->a.carol_invite, "\r\nRoute:"));
    assert_int_equal(w->c.ncalls, 1);
    world_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_through_the_outbound_proxy),
        cmocka_unit_test(test_without_a_proxy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
