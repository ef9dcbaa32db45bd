/* Registration (RFC 3261 10) with Digest authentication (RFC 7616, RFC
 * 8760) against a registrar written here: a node of the simulated network
 * that challenges with 401 (realm "sim", the algorithm and qop a test
 * asks for), checks credentials with sipua_auth_verify() and that each nc
 * is above the last, answers 423 with Min-Expires, grants an expiry, and
 * can say stale=true, stay silent, or challenge for a proxy (407). The UA
 * under test is a core on the same network, on a virtual clock: every
 * time below is exact unless the network loses datagrams. */
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
#include "sipua/auth.h"
#include "sipua/register.h"
#include "sipua/session.h"

#define S       ((sipua_time)1000000)
#define MAX_LOG 4096
#define MAX_EV  4096

typedef struct logged_req {
    sipua_time at;
    uint32_t cseq;
    long expires; /* -1: no Expires header */
    int auth;     /* Authorization present */
    int proxy_auth;
    uint32_t nc;
    int status; /* what the registrar answered, 0: nothing */
    char call_id[96];
    char ruri[64], route[96], to[96], user[32];
} logged_req;

typedef struct registrar {
    simnet *net;
    sim_addr addr;
    sipua_msg *msg;
    const char *alg; /* the algorithm parameter, NULL: none (MD5) */
    const char *qop; /* "auth", "auth-int", "auth,auth-int", NULL: none */
    const char *password;
    uint32_t min_expires; /* 423 below it; 0: none */
    uint32_t max_expires; /* granted: min(asked, this); 0: as asked */
    int proxy;            /* 407 with Proxy-Authenticate (realm "proxy") before the 401 */
    int stale_next;       /* the next good credentials get 401 stale=true */
    int silent;           /* answers nothing */
    /* the registrar's nonce for each client (by Call-ID), and its last nc */
    struct {
        char call_id[96];
        char nonce[40];
        uint32_t last_nc;
    } clients[8];
    char proxy_nonce[40];
    unsigned nonces;
    uint32_t last_proxy_nc;
    logged_req log[MAX_LOG];
    int n;
    /* a server transaction's memory: the last responses by branch, sent
     * again for a retransmission (RFC 3261 17.2.2) */
    struct {
        char branch[64];
        char bytes[2048];
        size_t len;
    } sent[16];
    unsigned nsent;
    unsigned retransmissions;
} registrar;

typedef struct evrec {
    sipua_ua_event_type type;
    sipua_time at;
    int status, error, cause;
    uint32_t expires;
    size_t ncontacts;
    sipua_time retry_at;
    char contact0[200];
} evrec;

typedef struct ua_peer {
    simua u; /* first: the simua callbacks find it there */
    evrec ev[MAX_EV];
    int n;
    int password_seen; /* the password appeared in something sent */
    const char *password;
    int unregister_on_registered;
    uint64_t id;
} ua_peer;

typedef struct world {
    simnet *net;
    ua_peer a;
    registrar r;
} world;

/* ------------------------------------------------------------------ */
/* The registrar                                                       */

static void new_nonce(registrar *r, char *out, size_t cap)
{
    snprintf(out, cap, "n%u-%llx", ++r->nonces, (unsigned long long)simnet_rand(r->net));
}

static void challenge_value(registrar *r, char *out, size_t cap, const char *realm,
                            const char *nonce, int stale)
{
    int n = snprintf(out, cap, "Digest realm=\"%s\", nonce=\"%s\", opaque=\"op1\"", realm, nonce);
    if (r->alg)
        n += snprintf(out + n, cap - (size_t)n, ", algorithm=%s", r->alg);
    if (r->qop)
        n += snprintf(out + n, cap - (size_t)n, ", qop=\"%s\"", r->qop);
    if (stale)
        snprintf(out + n, cap - (size_t)n, ", stale=true");
}

static void respond(registrar *r, sim_addr to, int code, const char *reason, const char *extra)
{
    char buf[4096];
    sipua_builder b;
    sipua_builder_init(&b, buf, sizeof buf);
    assert_int_equal(sipua_builder_response(&b, r->msg, code, (sipua_str){reason, strlen(reason)},
                                            SIPUA_STR("regtag"), (sipua_str){NULL, 0}, 0),
                     0);
    if (extra)
        sipua_builder_raw(&b, (sipua_str){extra, strlen(extra)});
    sipua_builder_body(&b, (sipua_str){"", 0});
    int n = sipua_builder_finish(&b);
    assert_true(n > 0 && (size_t)n <= sizeof r->sent[0].bytes);
    simnet_send(r->net, r->addr, to, buf, (size_t)n);
    sipua_str br = sipua_msg_top_via(r->msg)->branch;
    unsigned k = r->nsent++ % 16;
    snprintf(r->sent[k].branch, sizeof r->sent[k].branch, "%.*s", (int)br.len, br.p);
    memcpy(r->sent[k].bytes, buf, (size_t)n);
    r->sent[k].len = (size_t)n;
    r->log[r->n - 1].status = code;
}

static uint32_t nc_of(const sipua_auth *cr)
{
    char hex[9] = {0};
    memcpy(hex, cr->nc.p, cr->nc.len < 8 ? cr->nc.len : 8);
    return (uint32_t)strtoul(hex, NULL, 16);
}

/* 0: good; 1: challenge again (new nonce); 2: stale (same realm, new nonce) */
static int check_creds(registrar *r, sipua_hdr_id id, const char *realm, const char *nonce,
                       uint32_t *last_nc, logged_req *l)
{
    sipua_auth cr;
    if (sipua_msg_auth(r->msg, id, 0, &cr) != 0)
        return 1;
    char user[64];
    int ul = sipua_auth_unquote(cr.username, user, sizeof user - 1);
    assert_true(ul >= 0);
    user[ul] = 0;
    sipua_auth_verify_opts v;
    sipua_auth_verify_opts_init(&v);
    v.method = SIPUA_STR("REGISTER");
    v.body = (sipua_str){"", 0};
    v.password =
        strcmp(user, "alice") == 0 ? (sipua_str){r->password, strlen(r->password)} : SIPUA_STR("-");
    v.realm = (sipua_str){realm, strlen(realm)};
    v.nonce = (sipua_str){nonce, strlen(nonce)};
    int e = sipua_auth_verify(&cr, &v);
    /* the digest-uri is the Request-URI */
    const sipua_uri *ru = sipua_msg_request_uri(r->msg);
    assert_true(cr.uri.len == ru->whole.len && memcmp(cr.uri.p, ru->whole.p, cr.uri.len) == 0);
    if (e == SIPUA_ESTATE)
        return 2;
    if (e != 0)
        return 1;
    if (cr.nc.p) {
        uint32_t nc = nc_of(&cr);
        l->nc = nc;
        if (nc <= *last_nc)
            return 1; /* a replay (RFC 7616 3.4.5) */
        *last_nc = nc;
    }
    return 0;
}

static void registrar_deliver(void *user, sim_addr from, sim_addr to, const char *bytes, size_t len,
                              sipua_time now)
{
    registrar *r = user;
    (void)to;
    assert_true(sipua_msg_parse(r->msg, bytes, len, SIPUA_PARSE_DATAGRAM) > 0);
    if (!sipua_msg_is_request(r->msg) || sipua_msg_method(r->msg) != SIPUA_METHOD_REGISTER)
        return;
    sipua_str br = sipua_msg_top_via(r->msg)->branch;
    for (unsigned k = 0; k < 16; k++) {
        if (r->sent[k].len && strlen(r->sent[k].branch) == br.len &&
            memcmp(r->sent[k].branch, br.p, br.len) == 0) {
            r->retransmissions++;
            simnet_send(r->net, r->addr, from, r->sent[k].bytes, r->sent[k].len);
            return;
        }
    }
    assert_true(r->n < MAX_LOG);
    logged_req *l = &r->log[r->n++];
    memset(l, 0, sizeof *l);
    l->at = now;
    l->cseq = sipua_msg_cseq(r->msg)->number;
    uint32_t e;
    l->expires = sipua_msg_expires(r->msg, &e) == 0 ? (long)e : -1;
    l->auth = sipua_msg_find(r->msg, SIPUA_HDR_AUTHORIZATION, NULL) != NULL;
    l->proxy_auth = sipua_msg_find(r->msg, SIPUA_HDR_PROXY_AUTHORIZATION, NULL) != NULL;
    sipua_str cid = sipua_msg_call_id(r->msg);
    snprintf(l->call_id, sizeof l->call_id, "%.*s", (int)cid.len, cid.p);
    const sipua_uri *ru = sipua_msg_request_uri(r->msg);
    snprintf(l->ruri, sizeof l->ruri, "%.*s", (int)ru->whole.len, ru->whole.p);
    const sipua_hdr *rt = sipua_msg_find(r->msg, SIPUA_HDR_ROUTE, NULL);
    if (rt)
        snprintf(l->route, sizeof l->route, "%.*s", (int)rt->value.len, rt->value.p);
    const sipua_nameaddr *tn = sipua_msg_to(r->msg);
    snprintf(l->to, sizeof l->to, "%.*s", (int)tn->uri.whole.len, tn->uri.whole.p);
    sipua_auth cr;
    if (sipua_msg_auth(r->msg, SIPUA_HDR_AUTHORIZATION, 0, &cr) == 0)
        snprintf(l->user, sizeof l->user, "%.*s", (int)cr.username.len, cr.username.p);
    if (r->silent)
        return;
    char hdr[600], value[512];
    if (r->proxy) {
        if (!r->proxy_nonce[0])
            new_nonce(r, r->proxy_nonce, sizeof r->proxy_nonce);
        int c = check_creds(r, SIPUA_HDR_PROXY_AUTHORIZATION, "proxy", r->proxy_nonce,
                            &r->last_proxy_nc, l);
        if (c) {
            new_nonce(r, r->proxy_nonce, sizeof r->proxy_nonce);
            r->last_proxy_nc = 0;
            challenge_value(r, value, sizeof value, "proxy", r->proxy_nonce, c == 2);
            snprintf(hdr, sizeof hdr, "Proxy-Authenticate: %s\r\n", value);
            respond(r, from, 407, "Proxy Authentication Required", hdr);
            return;
        }
    }
    int k = 0;
    while (k < 7 && r->clients[k].call_id[0] && strcmp(r->clients[k].call_id, l->call_id) != 0)
        k++;
    char *nonce = r->clients[k].nonce;
    uint32_t *last_nc = &r->clients[k].last_nc;
    if (!r->clients[k].call_id[0]) {
        size_t cl = strnlen(l->call_id, sizeof r->clients[k].call_id - 1);
        memcpy(r->clients[k].call_id, l->call_id, cl);
        r->clients[k].call_id[cl] = 0;
        new_nonce(r, nonce, sizeof r->clients[k].nonce);
    }
    int c = check_creds(r, SIPUA_HDR_AUTHORIZATION, "sim", nonce, last_nc, l);
    if (c == 0 && r->stale_next) {
        r->stale_next = 0;
        c = 2;
    }
    if (c) {
        new_nonce(r, nonce, sizeof r->clients[k].nonce);
        *last_nc = 0;
        challenge_value(r, value, sizeof value, "sim", nonce, c == 2);
        snprintf(hdr, sizeof hdr, "WWW-Authenticate: %s\r\n", value);
        respond(r, from, 401, "Unauthorized", hdr);
        return;
    }
    if (l->expires > 0 && r->min_expires && (uint32_t)l->expires < r->min_expires) {
        snprintf(hdr, sizeof hdr, "Min-Expires: %u\r\n", (unsigned)r->min_expires);
        respond(r, from, 423, "Interval Too Brief", hdr);
        return;
    }
    long granted = l->expires < 0 ? 3600 : l->expires;
    if (r->max_expires && granted > (long)r->max_expires)
        granted = r->max_expires;
    const sipua_nameaddr *ct = sipua_msg_contact(r->msg, NULL);
    assert_non_null(ct);
    if (granted > 0)
        snprintf(hdr, sizeof hdr,
                 "Contact: <sip:alice@10.9.9.9>;expires=3000\r\nContact: <%.*s>;expires=%ld\r\n",
                 (int)ct->uri.whole.len, ct->uri.whole.p, granted);
    else
        snprintf(hdr, sizeof hdr, "Contact: <sip:alice@10.9.9.9>;expires=3000\r\n");
    respond(r, from, 200, "OK", hdr);
}

static const simnet_node_ops registrar_ops = {registrar_deliver, NULL, NULL};

/* ------------------------------------------------------------------ */
/* The UA                                                              */

static void on_event(void *user, const sipua_ua_event *ev)
{
    ua_peer *p = user;
    if (ev->type < SIPUA_UA_EV_REGISTERED)
        return;
    assert_true(p->n < MAX_EV);
    evrec *e = &p->ev[p->n++];
    memset(e, 0, sizeof *e);
    e->type = ev->type;
    e->at = simnet_now(p->u.net);
    e->status = ev->status;
    e->error = ev->error;
    e->cause = ev->cause;
    e->expires = ev->expires;
    e->ncontacts = ev->ncontacts;
    e->retry_at = ev->retry_at;
    if (ev->ncontacts)
        snprintf(e->contact0, sizeof e->contact0, "%.*s", (int)ev->contacts[0].len,
                 ev->contacts[0].p);
    assert_int_equal(ev->request_id, p->id ? p->id : ev->request_id);
    if (ev->type == SIPUA_UA_EV_REGISTERED && p->unregister_on_registered) {
        p->unregister_on_registered = 0;
        assert_int_equal(sipua_unregister(p->u.ua, ev->request_id, simnet_now(p->u.net)), 0);
    }
}

static void on_send(simua *u, const sipua_endpoint *to, const char *bytes, size_t len)
{
    ua_peer *p = (ua_peer *)u;
    (void)to;
    size_t pl = p->password ? strlen(p->password) : 0;
    for (size_t i = 0; pl && i + pl <= len; i++)
        if (memcmp(bytes + i, p->password, pl) == 0)
            p->password_seen = 1;
}

static world *world_new(const simnet_config *nc)
{
    world *w = calloc(1, sizeof *w);
    assert_non_null(w);
    simnet_config def = {.seed = 7, .delay_us = 10000};
    w->net = simnet_new(nc ? nc : &def);
    assert_non_null(w->net);
    w->a.u.on_send = on_send;
    assert_int_equal(simua_init(&w->a.u, w->net, 1, on_event, NULL), 0);
    w->r.net = w->net;
    w->r.addr = sim_addr_make(9, 5060);
    w->r.msg = sipua_msg_new(NULL, NULL);
    w->r.password = "secret";
    w->r.qop = "auth";
    assert_int_equal(simnet_add_node(w->net, w->r.addr, &registrar_ops, &w->r), 0);
    return w;
}

static void world_free(world *w)
{
    sipua_msg_free(w->r.msg);
    simua_free(&w->a.u);
    simnet_free(w->net);
    free(w);
}

static sipua_time now_of(world *w)
{
    return simnet_now(w->net);
}

static void run_for(world *w, sipua_time d)
{
    simnet_run(w->net, now_of(w) + d, NULL, NULL);
}

static void start(world *w, const char *password, uint32_t expires)
{
    sipua_register_config rc;
    sipua_register_config_init(&rc);
    rc.aor = "sip:alice@sim.example";
    rc.display_name = "Alice \"A\" Liddell";
    rc.password = password;
    if (expires)
        rc.expires = expires;
    w->a.password = password;
    sipua_endpoint to;
    sipua_endpoint_set(&to, SIPUA_TRANSPORT_UDP, "10.0.0.9", 5060, 0);
    assert_int_equal(sipua_register(w->a.u.ua, &rc, &to, now_of(w), &w->a.id), 0);
}

static int count(const ua_peer *p, sipua_ua_event_type t)
{
    int n = 0;
    for (int i = 0; i < p->n; i++)
        n += p->ev[i].type == t;
    return n;
}

static const evrec *last(const ua_peer *p, sipua_ua_event_type t)
{
    for (int i = p->n - 1; i >= 0; i--)
        if (p->ev[i].type == t)
            return &p->ev[i];
    return NULL;
}

/* Every request of the registration had the same Call-ID and a CSeq one
 * above the one before. */
static void check_call_id_and_cseq(const registrar *r)
{
    for (int i = 1; i < r->n; i++) {
        assert_string_equal(r->log[i].call_id, r->log[0].call_id);
        assert_int_equal(r->log[i].cseq, r->log[i - 1].cseq + 1);
    }
}

/* ------------------------------------------------------------------ */
/* Tests                                                               */

static void test_10_2_challenge_then_200_for_each_algorithm_and_qop(void **state)
{
    (void)state;
    static const struct {
        const char *alg, *qop;
    } cases[] = {{NULL, NULL},
                 {NULL, "auth"},
                 {"MD5", "auth"},
                 {"MD5", "auth-int"},
                 {"MD5-sess", "auth"},
                 {"SHA-256", "auth"},
                 {"SHA-256", "auth-int"},
                 {"SHA-256-sess", "auth,auth-int"},
                 {"SHA-512-256", "auth"},
                 {"SHA-512-256", NULL},
                 {"SHA-512-256-sess", "auth-int"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        world *w = world_new(NULL);
        w->r.alg = cases[i].alg;
        w->r.qop = cases[i].qop;
        start(w, "secret", 0);
        run_for(w, 2 * S);
        printf("algorithm %s, qop %s: %d requests, %s\n", cases[i].alg ? cases[i].alg : "(none)",
               cases[i].qop ? cases[i].qop : "(none)", w->r.n,
               count(&w->a, SIPUA_UA_EV_REGISTERED) ? "registered" : "NOT registered");
        assert_int_equal(w->r.n, 2);
        assert_int_equal(w->r.log[0].status, 401);
        assert_false(w->r.log[0].auth);
        assert_int_equal(w->r.log[1].status, 200);
        assert_true(w->r.log[1].auth);
        assert_int_equal(w->r.log[1].nc, cases[i].qop ? 1 : 0);
        assert_int_equal(w->r.log[0].expires, 600);
        check_call_id_and_cseq(&w->r);
        assert_int_equal(w->a.n, 1);
        const evrec *e = &w->a.ev[0];
        assert_int_equal(e->type, SIPUA_UA_EV_REGISTERED);
        assert_int_equal(e->status, 200);
        assert_int_equal(e->expires, 600);
        assert_int_equal(e->ncontacts, 2);
        assert_string_equal(e->contact0, "<sip:alice@10.9.9.9>;expires=3000");
        /* two round trips of 20 ms */
        assert_int_equal(e->at, 1000000 + 40000);
        assert_false(w->a.password_seen);
        world_free(w);
    }
}

static void test_10_2_4_refresh_before_expiry_with_cached_credentials(void **state)
{
    (void)state;
    world *w = world_new(NULL);
    w->r.max_expires = 120;
    start(w, "secret", 3600);
    run_for(w, 400 * S);
    /* 401, 200, then refreshes 90 s apart (120 - 30), each with the
     * cached credentials and the next nc, answered 200 at once */
    assert_int_equal(count(&w->a, SIPUA_UA_EV_REGISTERED), 5);
    assert_int_equal(count(&w->a, SIPUA_UA_EV_REGISTRATION_FAILED), 0);
    assert_int_equal(w->r.n, 6);
    for (int i = 1; i < 6; i++) {
        assert_true(w->r.log[i].auth);
        assert_int_equal(w->r.log[i].status, 200);
        assert_int_equal(w->r.log[i].nc, (uint32_t)i);
        assert_int_equal(w->r.log[i].expires, 3600);
    }
    for (int i = 0; i < 5; i++)
        assert_int_equal(w->a.ev[i].expires, 120);
    for (int i = 2; i < 6; i++)
        assert_int_equal(w->r.log[i].at - w->r.log[i - 1].at, 90 * S + 20000);
    check_call_id_and_cseq(&w->r);
    assert_false(w->a.password_seen);
    world_free(w);
}

static void test_7616_3_3_stale_nonce_is_answered_without_failure(void **state)
{
    (void)state;
    world *w = world_new(NULL);
    w->r.max_expires = 100;
    w->r.alg = "SHA-256";
    start(w, "secret", 0);
    run_for(w, 5 * S);
    assert_int_equal(count(&w->a, SIPUA_UA_EV_REGISTERED), 1);
    w->r.stale_next = 1; /* the refresh's credentials: right, but the nonce is old */
    run_for(w, 100 * S);
    assert_int_equal(count(&w->a, SIPUA_UA_EV_REGISTERED), 2);
    assert_int_equal(count(&w->a, SIPUA_UA_EV_REGISTRATION_FAILED), 0);
    /* 401, 200, refresh: 401 stale, answered with the new nonce (nc 1): 200 */
    assert_int_equal(w->r.n, 4);
    assert_int_equal(w->r.log[2].status, 401);
    assert_int_equal(w->r.log[3].status, 200);
    assert_int_equal(w->r.log[3].nc, 1);
    /* stale again and again: answered, never a failure in between */
    for (int k = 0; k < 3; k++) {
        w->r.stale_next = 1;
        run_for(w, 70 * S);
    }
    assert_int_equal(count(&w->a, SIPUA_UA_EV_REGISTERED), 5);
    assert_int_equal(count(&w->a, SIPUA_UA_EV_REGISTRATION_FAILED), 0);
    check_call_id_and_cseq(&w->r);
    world_free(w);
}

static void test_22_wrong_password_fails_once_with_authentication_error(void **state)
{
    (void)state;
    world *w = world_new(NULL);
    start(w, "not-the-secret", 0);
    run_for(w, 3600 * S);
    /* 401, answered, 401 again (not stale): refused, and no retry */
    assert_int_equal(w->r.n, 2);
    assert_int_equal(w->a.n, 1);
    const evrec *e = &w->a.ev[0];
    assert_int_equal(e->type, SIPUA_UA_EV_REGISTRATION_FAILED);
    assert_int_equal(e->cause, SIPUA_CAUSE_AUTHENTICATION_ERROR);
    assert_int_equal(e->status, 401);
    assert_int_equal(e->retry_at, 0);
    assert_false(w->a.password_seen);
    /* the registration has ended: its id is forgotten, nothing is left */
    assert_int_equal(sipua_unregister(w->a.u.ua, w->a.id, now_of(w)), SIPUA_ENOTFOUND);
    assert_int_equal(sipua_ua_next_deadline(w->a.u.ua), 0);
    world_free(w);

    /* no password at all: the first challenge cannot be answered */
    w = world_new(NULL);
    start(w, NULL, 0);
    run_for(w, 600 * S);
    assert_int_equal(w->r.n, 1);
    assert_int_equal(w->a.n, 1);
    assert_int_equal(w->a.ev[0].cause, SIPUA_CAUSE_AUTHENTICATION_ERROR);
    world_free(w);

    /* a challenge in an algorithm we do not know */
    w = world_new(NULL);
    w->r.alg = "AKAv1-MD5";
    start(w, "secret", 0);
    run_for(w, 600 * S);
    assert_int_equal(w->r.n, 1);
    assert_int_equal(w->a.ev[0].cause, SIPUA_CAUSE_AUTHENTICATION_ERROR);
    world_free(w);
}

static void test_22_3_proxy_and_registrar_challenges_both_answered(void **state)
{
    (void)state;
    world *w = world_new(NULL);
    w->r.proxy = 1;
    w->r.max_expires = 100;
    start(w, "secret", 0);
    run_for(w, 100 * S);
    /* 407, 401 (with Proxy-Authorization), 200 (with both), refresh with
     * both up front: 200 */
    assert_int_equal(w->r.n, 4);
    assert_int_equal(w->r.log[0].status, 407);
    assert_int_equal(w->r.log[1].status, 401);
    assert_true(w->r.log[1].proxy_auth);
    assert_int_equal(w->r.log[2].status, 200);
    assert_true(w->r.log[2].proxy_auth && w->r.log[2].auth);
    assert_int_equal(w->r.log[3].status, 200);
    assert_int_equal(count(&w->a, SIPUA_UA_EV_REGISTERED), 2);
    world_free(w);
}

static void test_10_2_8_423_asks_again_with_min_expires(void **state)
{
    (void)state;
    world *w = world_new(NULL);
    w->r.min_expires = 300;
    start(w, "secret", 30);
    run_for(w, 5 * S);
    /* 401, 423 (with credentials), 200 for 300 */
    assert_int_equal(w->r.n, 3);
    assert_int_equal(w->r.log[1].status, 423);
    assert_int_equal(w->r.log[1].expires, 30);
    assert_int_equal(w->r.log[2].expires, 300);
    assert_int_equal(w->r.log[2].status, 200);
    assert_int_equal(w->a.n, 1);
    assert_int_equal(w->a.ev[0].type, SIPUA_UA_EV_REGISTERED);
    assert_int_equal(w->a.ev[0].expires, 300);
    /* the refreshes keep asking for 300 */
    run_for(w, 300 * S);
    assert_int_equal(w->r.log[w->r.n - 1].expires, 300);
    assert_int_equal(count(&w->a, SIPUA_UA_EV_REGISTRATION_FAILED), 0);
    check_call_id_and_cseq(&w->r);
    world_free(w);
}

static void test_10_2_2_unregister_sends_expires_0_with_credentials(void **state)
{
    (void)state;
    world *w = world_new(NULL);
    start(w, "secret", 0);
    run_for(w, 2 * S);
    assert_int_equal(count(&w->a, SIPUA_UA_EV_REGISTERED), 1);
    assert_int_equal(sipua_unregister(w->a.u.ua, w->a.id, now_of(w)), 0);
    assert_int_equal(sipua_unregister(w->a.u.ua, w->a.id, now_of(w)), SIPUA_ESTATE);
    run_for(w, 2 * S);
    assert_int_equal(w->r.n, 3);
    assert_int_equal(w->r.log[2].expires, 0);
    assert_true(w->r.log[2].auth);
    assert_int_equal(w->r.log[2].nc, 2);
    assert_int_equal(w->r.log[2].status, 200);
    const evrec *e = last(&w->a, SIPUA_UA_EV_UNREGISTERED);
    assert_non_null(e);
    assert_int_equal(e->status, 200);
    assert_int_equal(count(&w->a, SIPUA_UA_EV_UNREGISTERED), 1);
    assert_int_equal(sipua_unregister(w->a.u.ua, w->a.id, now_of(w)), SIPUA_ENOTFOUND);
    /* no refresh follows */
    run_for(w, 3600 * S);
    assert_int_equal(w->r.n, 3);
    check_call_id_and_cseq(&w->r);
    world_free(w);

    /* asked while the first REGISTER is in flight: it goes once that one
     * is answered (one request at a time, RFC 3261 10.2) */
    w = world_new(NULL);
    start(w, "secret", 0);
    assert_int_equal(sipua_unregister(w->a.u.ua, w->a.id, now_of(w)), 0);
    run_for(w, 5 * S);
    assert_int_equal(count(&w->a, SIPUA_UA_EV_REGISTERED), 0);
    assert_int_equal(count(&w->a, SIPUA_UA_EV_UNREGISTERED), 1);
    assert_int_equal(w->r.n, 2);
    assert_int_equal(w->r.log[1].expires, 0);
    assert_true(w->r.log[1].auth);
    assert_int_equal(w->r.log[1].status, 200);
    world_free(w);

    /* asked from inside the registered event */
    w = world_new(NULL);
    w->a.unregister_on_registered = 1;
    start(w, "secret", 0);
    run_for(w, 5 * S);
    assert_int_equal(count(&w->a, SIPUA_UA_EV_REGISTERED), 1);
    assert_int_equal(count(&w->a, SIPUA_UA_EV_UNREGISTERED), 1);
    assert_int_equal(w->r.log[w->r.n - 1].expires, 0);
    run_for(w, 3600 * S);
    assert_int_equal(w->r.n, 3);
    world_free(w);
}

static void test_17_1_2_timeout_then_back_off_then_success(void **state)
{
    (void)state;
    world *w = world_new(NULL);
    w->r.silent = 1;
    start(w, "secret", 0);
    run_for(w, 33 * S);
    /* timer F: 64 * T1 after the first try */
    assert_int_equal(w->a.n, 1);
    const evrec *e = &w->a.ev[0];
    assert_int_equal(e->type, SIPUA_UA_EV_REGISTRATION_FAILED);
    assert_int_equal(e->cause, SIPUA_CAUSE_REQUEST_TIMEOUT);
    assert_int_equal(e->error, SIPUA_ETIMEDOUT);
    assert_int_equal(e->at, 1000000 + 32 * S);
    /* the first retry (RFC 5626 4.5, base 30 s): 30 to 60 s later */
    assert_true(e->retry_at >= e->at + 30 * S && e->retry_at <= e->at + 60 * S);
    run_for(w, 100 * S);
    assert_int_equal(count(&w->a, SIPUA_UA_EV_REGISTRATION_FAILED), 2);
    const evrec *e2 = last(&w->a, SIPUA_UA_EV_REGISTRATION_FAILED);
    /* the second: 60 to 120 s */
    assert_true(e2->retry_at >= e2->at + 60 * S && e2->retry_at <= e2->at + 120 * S);
    /* the registrar comes back */
    w->r.silent = 0;
    run_for(w, 130 * S);
    assert_int_equal(count(&w->a, SIPUA_UA_EV_REGISTERED), 1);
    /* (the log holds the retransmissions of the silent time too) */
    for (int i = 1; i < w->r.n; i++)
        assert_string_equal(w->r.log[i].call_id, w->r.log[0].call_id);
    world_free(w);
}

static void test_17_1_4_transport_failure_fails_every_request_there_at_once(void **state)
{
    (void)state;
    world *w = world_new(NULL);
    w->r.silent = 1;
    start(w, "secret", 0);
    uint64_t first = w->a.id;
    sipua_register_config rc;
    sipua_register_config_init(&rc);
    rc.aor = "sip:bob@sim.example";
    rc.password = "secret";
    sipua_endpoint to;
    sipua_endpoint_set(&to, SIPUA_TRANSPORT_UDP, "10.0.0.9", 5060, 0);
    uint64_t second;
    assert_int_equal(sipua_register(w->a.u.ua, &rc, &to, now_of(w), &second), 0);
    w->a.id = 0; /* events of both */
    run_for(w, 1 * S);
    assert_int_equal(sipua_ua_transport_failed(w->a.u.ua, &to, SIPUA_EIO, now_of(w)), 0);
    assert_int_equal(w->a.n, 2);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(w->a.ev[i].type, SIPUA_UA_EV_REGISTRATION_FAILED);
        assert_int_equal(w->a.ev[i].cause, SIPUA_CAUSE_CONNECTION_ERROR);
        assert_int_equal(w->a.ev[i].error, SIPUA_EIO);
        assert_int_equal(w->a.ev[i].at, 2 * S);
        assert_true(w->a.ev[i].retry_at > w->a.ev[i].at);
    }
    assert_int_equal(sipua_register_cancel(w->a.u.ua, first), 0);
    assert_int_equal(sipua_register_cancel(w->a.u.ua, second), 0);
    run_for(w, 3600 * S);
    assert_int_equal(w->a.n, 2);
    world_free(w);
}

static void test_registration_stays_up_under_loss(void **state)
{
    (void)state;
    const char *env = getenv("SIPUA_SIM_SEEDS");
    unsigned seeds = env ? (unsigned)strtoul(env, NULL, 10) : 40;
    unsigned registered = 0, failed = 0, lapses = 0, requests = 0, up = 0, low_loss = 0,
             low_loss_up = 0;
    for (unsigned s = 0; s < seeds; s++) {
        simnet_config nc = {.seed = 5000 + s,
                            .delay_us = 10000,
                            .jitter_us = 5000,
                            .loss = 0.05 * (double)(s % 13), /* 0 to 60% */
                            .dup = 0.1,
                            .reorder = 0.1,
                            .reorder_us = 30000};
        world *w = world_new(&nc);
        w->r.max_expires = 300;
        start(w, "secret", 0);
        run_for(w, 3 * 3600 * S);
        /* from the first 200 on, the binding never lapsed: each refresh
         * was granted before the last grant ran out */
        const evrec *prev = NULL;
        for (int i = 0; i < w->a.n; i++) {
            const evrec *e = &w->a.ev[i];
            assert_int_not_equal(e->cause, SIPUA_CAUSE_AUTHENTICATION_ERROR);
            if (e->type != SIPUA_UA_EV_REGISTERED)
                continue;
            if (prev && e->at > prev->at + (sipua_time)prev->expires * S)
                lapses++;
            prev = e;
        }
        int regs = count(&w->a, SIPUA_UA_EV_REGISTERED);
        registered += (unsigned)regs;
        failed += (unsigned)count(&w->a, SIPUA_UA_EV_REGISTRATION_FAILED);
        requests += (unsigned)w->r.n;
        int is_up = regs > 0 && last(&w->a, SIPUA_UA_EV_REGISTERED)->at > now_of(w) - 300 * S;
        up += (unsigned)is_up;
        if (s % 13 <= 6) {
            low_loss++;
            low_loss_up += (unsigned)is_up;
        }
        assert_true(regs > 0);
        assert_false(w->a.password_seen);
        /* unregistering ends it, whatever the network does */
        assert_int_equal(sipua_unregister(w->a.u.ua, w->a.id, now_of(w)), 0);
        run_for(w, 120 * S);
        assert_int_equal(count(&w->a, SIPUA_UA_EV_UNREGISTERED), 1);
        world_free(w);
    }
    printf("%u seeds, 3 h each, loss 0-60%%, duplication 10%%, reordering 10%%: %u REGISTERs, "
           "%u registered events, %u failures (timeouts, retried), %u lapses, %u of %u "
           "registered at the end (%u of %u with loss up to 30%%)\n",
           seeds, requests, registered, failed, lapses, up, seeds, low_loss_up, low_loss);
    assert_int_equal(low_loss_up, low_loss);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    world *w = world_new(NULL);
    sipua_register_config rc;
    sipua_register_config_init(&rc);
    sipua_endpoint to;
    sipua_endpoint_set(&to, SIPUA_TRANSPORT_UDP, "10.0.0.9", 5060, 0);
    uint64_t id;
    sipua_ua *ua = w->a.u.ua;
    assert_int_equal(sipua_register(ua, &rc, &to, 0, &id), SIPUA_EINVAL); /* no AOR */
    rc.aor = "sip:sim.example";                                           /* no user */
    assert_int_equal(sipua_register(ua, &rc, &to, 0, &id), SIPUA_EINVAL);
    rc.aor = "mailto:alice@sim.example";
    assert_int_equal(sipua_register(ua, &rc, &to, 0, &id), SIPUA_EINVAL);
    rc.aor = "sip:alice@sim.example";
    rc.password = "a\r\nb";
    assert_int_equal(sipua_register(ua, &rc, &to, 0, &id), SIPUA_EINVAL);
    rc.password = "secret";
    rc.expires = 0;
    assert_int_equal(sipua_register(ua, &rc, &to, 0, &id), SIPUA_EINVAL);
    rc.expires = 600;
    rc.registrar = "not a uri";
    assert_int_equal(sipua_register(ua, &rc, &to, 0, &id), SIPUA_EINVAL);
    rc.registrar = NULL;
    to.transport = SIPUA_TRANSPORT_TCP; /* no TCP identity */
    assert_int_equal(sipua_register(ua, &rc, &to, 0, &id), SIPUA_EINVAL);
    assert_int_equal(sipua_unregister(ua, 99, 0), SIPUA_ENOTFOUND);
    assert_int_equal(sipua_register_cancel(ua, 99), SIPUA_ENOTFOUND);
    assert_int_equal(sipua_register(NULL, &rc, &to, 0, &id), SIPUA_EINVAL);
    /* cancelled: no request after the first, no event */
    to.transport = SIPUA_TRANSPORT_UDP;
    assert_int_equal(sipua_register(ua, &rc, &to, now_of(w), &id), 0);
    assert_int_equal(sipua_register_cancel(ua, id), 0);
    run_for(w, 60 * S);
    assert_int_equal(w->r.n, 1);
    assert_int_equal(w->a.n, 0);
    world_free(w);
}

static void test_10_2_registrar_proxy_and_auth_user_as_configured(void **state)
{
    (void)state;
    world *w = world_new(NULL);
    sipua_register_config rc;
    sipua_register_config_init(&rc);
    rc.aor = "sips:alice.smith@sim.example:5061";
    rc.auth_user = "alice";
    rc.password = "secret";
    rc.outbound_proxy = "sip:10.0.0.9;transport=udp";
    w->a.password = rc.password;
    sipua_endpoint to;
    sipua_endpoint_set(&to, SIPUA_TRANSPORT_UDP, "10.0.0.9", 5060, 0);
    assert_int_equal(sipua_register(w->a.u.ua, &rc, &to, now_of(w), &w->a.id), 0);
    run_for(w, 2 * S);
    assert_int_equal(count(&w->a, SIPUA_UA_EV_REGISTERED), 1);
    /* the Request-URI is the AOR's domain with its scheme and port (RFC
     * 3261 10.2), the proxy is a loose route, the Digest username is the
     * one configured, To is the AOR */
    assert_string_equal(w->r.log[1].ruri, "sips:sim.example:5061");
    assert_string_equal(w->r.log[1].route, "<sip:10.0.0.9;transport=udp;lr>");
    assert_string_equal(w->r.log[1].user, "alice");
    assert_string_equal(w->r.log[1].to, "sips:alice.smith@sim.example:5061");
    world_free(w);

    /* the registrar given: it is the Request-URI, and the digest-uri */
    w = world_new(NULL);
    rc.aor = "sip:alice@sim.example";
    rc.auth_user = NULL;
    rc.outbound_proxy = NULL;
    rc.registrar = "sip:registrar.sim.example;transport=udp";
    assert_int_equal(sipua_register(w->a.u.ua, &rc, &to, now_of(w), &w->a.id), 0);
    run_for(w, 2 * S);
    assert_int_equal(count(&w->a, SIPUA_UA_EV_REGISTERED), 1);
    assert_string_equal(w->r.log[1].ruri, "sip:registrar.sim.example;transport=udp");
    assert_string_equal(w->r.log[1].route, "");
    assert_string_equal(w->r.log[1].user, "alice");
    world_free(w);
}

static void test_two_registrations_in_one_ua_keep_apart(void **state)
{
    (void)state;
    world *w = world_new(NULL);
    w->r.max_expires = 100;
    sipua_register_config rc;
    sipua_register_config_init(&rc);
    rc.password = "secret";
    sipua_endpoint to;
    sipua_endpoint_set(&to, SIPUA_TRANSPORT_UDP, "10.0.0.9", 5060, 0);
    uint64_t id1, id2;
    rc.aor = "sip:alice@sim.example";
    assert_int_equal(sipua_register(w->a.u.ua, &rc, &to, now_of(w), &id1), 0);
    rc.aor = "sip:alice@other.example";
    rc.expires = 50;
    assert_int_equal(sipua_register(w->a.u.ua, &rc, &to, now_of(w), &id2), 0);
    assert_int_not_equal(id1, id2);
    run_for(w, 200 * S);
    /* alice@sim.example: 100 s, refreshed every 70 s; the other: 50 s,
     * every 25 s; each with its own Call-ID */
    int n1 = 0, n2 = 0;
    for (int i = 0; i < w->r.n; i++) {
        if (w->r.log[i].status != 200)
            continue;
        if (strcmp(w->r.log[i].to, "sip:alice@sim.example") == 0)
            n1++;
        else
            n2++;
    }
    assert_int_equal(n1, 3); /* 0, 70, 140 */
    assert_int_equal(n2, 8); /* 0, 25, ... 175 */
    assert_int_equal(count(&w->a, SIPUA_UA_EV_REGISTRATION_FAILED), 0);
    assert_int_equal(sipua_unregister(w->a.u.ua, id1, now_of(w)), 0);
    run_for(w, 10 * S);
    assert_int_equal(count(&w->a, SIPUA_UA_EV_UNREGISTERED), 1);
    assert_int_equal(sipua_unregister(w->a.u.ua, id2, now_of(w)), 0);
    run_for(w, 10 * S);
    assert_int_equal(count(&w->a, SIPUA_UA_EV_UNREGISTERED), 2);
    world_free(w);
}

/* ------------------------------------------------------------------ */
/* Allocation failures                                                 */

typedef struct failing {
    long left; /* allocations that succeed before the rest fail; -1: all */
    long failed;
} failing;

static void *f_alloc(size_t n, void *user)
{
    failing *f = user;
    if (f->left == 0) {
        f->failed++;
        return NULL;
    }
    if (f->left > 0)
        f->left--;
    return malloc(n);
}

static void *f_realloc(void *p, size_t n, void *user)
{
    failing *f = user;
    if (f->left == 0) {
        f->failed++;
        return NULL;
    }
    if (f->left > 0)
        f->left--;
    return realloc(p, n);
}

static void f_free(void *p, void *user)
{
    (void)user;
    free(p);
}

static char g_req[8192];
static size_t g_req_len;
static int g_events;

static sipua_endpoint g_to; /* where the last REGISTER went */
static int g_nreq;

static int capture_send(void *user, const sipua_endpoint *to, const char *bytes, size_t len)
{
    (void)user;
    if (len < sizeof g_req && memcmp(bytes, "REGISTER", 8) == 0) {
        memcpy(g_req, bytes, len);
        g_req_len = len;
        g_req[len] = 0;
        g_to = *to;
        g_nreq++;
    }
    return 0;
}

static void counter_random(void *user, uint8_t *buf, size_t len)
{
    (void)user;
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(i * 37 + 11);
}

static void count_event(void *user, const sipua_ua_event *ev)
{
    (void)user;
    if (ev->type >= SIPUA_UA_EV_REGISTERED)
        g_events++;
}

/* A response to the last REGISTER sent. */
static void answer_last(sipua_ua *ua, int code, const char *extra, sipua_time now)
{
    sipua_msg *req = sipua_msg_new(NULL, NULL);
    assert_true(sipua_msg_parse(req, g_req, g_req_len, SIPUA_PARSE_DATAGRAM) > 0);
    char buf[2048];
    sipua_builder b;
    sipua_builder_init(&b, buf, sizeof buf);
    sipua_builder_response(&b, req, code, SIPUA_STR("X"), SIPUA_STR("t"), (sipua_str){NULL, 0}, 0);
    sipua_builder_raw(&b, (sipua_str){extra, strlen(extra)});
    sipua_builder_body(&b, (sipua_str){"", 0});
    int n = sipua_builder_finish(&b);
    assert_true(n > 0);
    assert_int_equal(sipua_ua_recv(ua, &g_to, buf, (size_t)n, now), 0);
    sipua_msg_free(req);
}

/* ------------------------------------------------------------------ */
/* RFC 5626 outbound and RFC 5627 GRUUs                                */

static char g_last_out[8192]; /* the last request other than REGISTER */
static int g_pings;           /* CRLFCRLF keep-alives sent */
static uint64_t g_ping_conn;
static struct {
    int n, outbound;
    uint32_t flow_timer;
    char pub[256], temp[256];
} g_reg;
static int g_closes; /* CLOSE_CONNECTION asked */

static int outbound_send(void *user, const sipua_endpoint *to, const char *bytes, size_t len)
{
    if (len == 4 && memcmp(bytes, "\r\n\r\n", 4) == 0) {
        g_pings++;
        g_ping_conn = to->conn;
        return 0;
    }
    if (len >= 8 && memcmp(bytes, "REGISTER", 8) != 0 && len < sizeof g_last_out) {
        memcpy(g_last_out, bytes, len);
        g_last_out[len] = 0;
        return 0;
    }
    return capture_send(user, to, bytes, len);
}

static void outbound_event(void *user, const sipua_ua_event *ev)
{
    count_event(user, ev);
    if (ev->type == SIPUA_UA_EV_CLOSE_CONNECTION)
        g_closes++;
    if (ev->type != SIPUA_UA_EV_REGISTERED)
        return;
    g_reg.n++;
    g_reg.outbound = ev->outbound;
    g_reg.flow_timer = ev->flow_timer;
    snprintf(g_reg.pub, sizeof g_reg.pub, "%.*s", (int)ev->pub_gruu.len,
             ev->pub_gruu.p ? ev->pub_gruu.p : "");
    snprintf(g_reg.temp, sizeof g_reg.temp, "%.*s", (int)ev->temp_gruu.len,
             ev->temp_gruu.p ? ev->temp_gruu.p : "");
}

/* A UA with a TCP identity at 10.0.0.1, its requests and events caught. */
static sipua_ua *tcp_ua(void)
{
    sipua_ua_config cfg;
    sipua_ua_config_init(&cfg);
    sipua_endpoint me;
    sipua_endpoint_set(&me, SIPUA_TRANSPORT_TCP, "10.0.0.1", 0, 0);
    sipua_ua_config_listen(&cfg, &me);
    sipua_ua_callbacks cb = {.version = SIPUA_UA_CALLBACKS_VERSION,
                             .send = outbound_send,
                             .random = counter_random,
                             .event = outbound_event};
    sipua_ua *ua;
    assert_int_equal(sipua_ua_new(&cfg, &cb, NULL, NULL, &ua), 0);
    g_nreq = 0;
    g_events = 0;
    g_pings = 0;
    g_closes = 0;
    g_last_out[0] = 0;
    memset(&g_reg, 0, sizeof g_reg);
    return ua;
}

static void noop_session_cb(sipua_session *s, const sipua_session_event *ev, void *user)
{
    (void)s;
    (void)ev;
    (void)user;
}

/* The Contact header line of the last non-REGISTER request, "" if none. */
static const char *last_contact(char *out, size_t cap)
{
    const char *c = strstr(g_last_out, "\r\nContact: ");
    out[0] = 0;
    if (c) {
        c += 11;
        size_t n = strcspn(c, "\r");
        snprintf(out, cap, "%.*s", (int)n, c);
    }
    return out;
}

/* Over TCP, the connection the binding was made over closes: the
 * registration is made again over a new connection a second or two later,
 * with the cached credentials, not at the refresh nine minutes on. */
static void test_5626_4_5_connection_closed_registers_again_over_a_new_one(void **state)
{
    (void)state;
    sipua_ua *ua = tcp_ua();
    sipua_endpoint to;
    sipua_endpoint_set(&to, SIPUA_TRANSPORT_TCP, "10.0.0.9", 5060, 0);
    sipua_register_config rc;
    sipua_register_config_init(&rc);
    rc.aor = "sip:alice@sim.example";
    rc.password = "secret";
    uint64_t id;
    sipua_time now = 1000000;
    assert_int_equal(sipua_register(ua, &rc, &to, now, &id), 0);
    assert_int_equal(g_nreq, 1);
    uint64_t conn1 = g_to.conn;
    assert_true(conn1 != 0);
    assert_non_null(strstr(g_req, "Contact: <sip:alice@10.0.0.1;transport=tcp>"));
    answer_last(ua, 401, "WWW-Authenticate: Digest realm=\"sim\", nonce=\"n\", qop=auth\r\n", now);
    assert_int_equal(g_nreq, 2);
    assert_int_equal(g_to.conn, conn1);
    answer_last(ua, 200, "Contact: <sip:alice@10.0.0.1;transport=tcp>;expires=600\r\n", now);
    assert_int_equal(g_events, 1);
    now += 10 * S;
    assert_int_equal(sipua_ua_advance(ua, now), 0);
    assert_int_equal(sipua_ua_connection_closed(ua, conn1, now), 0);
    assert_int_equal(sipua_ua_advance(ua, now + S / 2), 0);
    assert_int_equal(g_nreq, 2); /* not at once */
    sipua_time d = sipua_ua_next_deadline(ua);
    assert_true(d >= now + S && d <= now + 2 * S);
    now += 2 * S;
    assert_int_equal(sipua_ua_advance(ua, now), 0);
    assert_int_equal(g_nreq, 3);
    assert_true(g_to.conn != 0 && g_to.conn != conn1);
    assert_non_null(strstr(g_req, "nc=00000002"));
    answer_last(ua, 200, "Contact: <sip:alice@10.0.0.1;transport=tcp>;expires=600\r\n", now);
    assert_int_equal(g_events, 2);
    /* the next refresh is timed from this registration */
    d = sipua_ua_next_deadline(ua);
    assert_true(d >= now + 569 * S);
    /* a connection closing while we unregister changes nothing */
    assert_int_equal(sipua_unregister(ua, id, now), 0);
    answer_last(ua, 200, "", now);
    assert_int_equal(g_events, 3);
    assert_int_equal(sipua_ua_connection_closed(ua, g_to.conn, now), 0);
    assert_int_equal(sipua_ua_advance(ua, now + 5 * S), 0);
    assert_int_equal(g_nreq, 4);
    sipua_ua_free(ua);
}

#define INSTANCE "urn:uuid:00000000-0000-4000-8000-0000000000a1"

/* RFC 5626 4.2.1, 4.4.1, 4.5 and RFC 5627 4.1, 5: the REGISTER names our
 * instance and flow and says what we support; the 2xx's Require: outbound,
 * Flow-Timer and GRUUs come in the REGISTERED event; the flow is pinged at
 * 80-100 % of the Flow-Timer; a missing pong closes it and the binding is
 * made again at once over a new connection; calls of the AOR carry the
 * public GRUU as their Contact, anonymous ones the temporary GRUU. */
static void test_5626_5627_outbound_flow_and_gruus(void **state)
{
    (void)state;
    sipua_ua *ua = tcp_ua();
    sipua_endpoint to;
    sipua_endpoint_set(&to, SIPUA_TRANSPORT_TCP, "10.0.0.9", 5060, 0);
    sipua_register_config rc;
    sipua_register_config_init(&rc);
    rc.aor = "sip:alice@sim.example";
    rc.password = "secret";
    rc.instance_id = INSTANCE;
    rc.reg_id = 1;
    rc.gruu = 1;
    uint64_t id;
    sipua_time now = 1000000;
    assert_int_equal(sipua_register(ua, &rc, &to, now, &id), 0);
    assert_int_equal(g_nreq, 1);
    assert_non_null(strstr(g_req,
                           "Contact: <sip:alice@10.0.0.1;transport=tcp>;+sip.instance=\"<" INSTANCE
                           ">\";reg-id=1\r\n"));
    assert_non_null(strstr(g_req, "Supported: outbound, path, gruu\r\n"));
    uint64_t conn1 = g_to.conn;
    /* the registrar lists our binding with GRUUs (a quoted-string value
     * with an escape), another instance's binding first, with the same
     * Contact URI as ours (RFC 5627: the instance decides) */
    answer_last(
        ua, 200,
        "Require: outbound\r\nFlow-Timer: 10\r\n"
        "Contact: <sip:alice@10.0.0.1;transport=tcp>;expires=300;+sip.instance=\"<urn:uuid:other>\""
        ";reg-id=1;pub-gruu=\"sip:alice@sim.example;gr=urn:uuid:other\"\r\n"
        "Contact: <sip:alice@10.0.0.1;transport=tcp>;expires=3600;+sip.instance=\"<" INSTANCE
        ">\";reg-id=1;pub-gruu=\"sip:alice@sim.example;gr=" INSTANCE
        "\";temp-gruu=\"sip:tgruu.7\\a@sim.example;gr\"\r\n",
        now);
    assert_int_equal(g_reg.n, 1);
    assert_int_equal(g_reg.outbound, 1);
    assert_int_equal(g_reg.flow_timer, 10);
    assert_string_equal(g_reg.pub, "sip:alice@sim.example;gr=" INSTANCE);
    assert_string_equal(g_reg.temp, "sip:tgruu.7a@sim.example;gr");
    /* our binding's expiry was taken (3600), not the other one's */
    sipua_time d = sipua_ua_next_deadline(ua);
    assert_true(d > now && d <= now + 10 * S); /* the first ping comes first */
    assert_true(d >= now + 8 * S);

    /* a call from the AOR: the public GRUU is its Contact */
    sipua_invite_opts io;
    sipua_invite_opts_init(&io);
    io.from = SIPUA_STR("\"Alice\" <sip:alice@sim.example>");
    sipua_session *s1, *s2, *s3;
    assert_int_equal(sipua_invite(ua, SIPUA_STR("sip:carol@sim.example"), &to, &io, noop_session_cb,
                                  NULL, now, &s1),
                     0);
    char c[400];
    assert_string_equal(last_contact(c, sizeof c), "<sip:alice@sim.example;gr=" INSTANCE ">");
    /* an anonymous call: the temporary one */
    sipua_invite_opts_init(&io);
    io.anonymous = 1;
    assert_int_equal(sipua_invite(ua, SIPUA_STR("sip:carol@sim.example"), &to, &io, noop_session_cb,
                                  NULL, now, &s2),
                     0);
    assert_string_equal(last_contact(c, sizeof c), "<sip:tgruu.7a@sim.example;gr>");
    /* another identity: our own Contact as ever */
    sipua_invite_opts_init(&io);
    io.from = SIPUA_STR("<sip:mallory@sim.example>");
    assert_int_equal(sipua_invite(ua, SIPUA_STR("sip:carol@sim.example"), &to, &io, noop_session_cb,
                                  NULL, now, &s3),
                     0);
    assert_null(strstr(last_contact(c, sizeof c), "gr"));
    sipua_session_unref(s1);
    sipua_session_unref(s2);
    sipua_session_unref(s3);

    /* the flow's keep-alives: one ping within 8-10 s, on the flow */
    sipua_time t = now;
    while (g_pings == 0 && t < now + 11 * S) {
        t += S / 10;
        assert_int_equal(sipua_ua_advance(ua, t), 0);
    }
    assert_int_equal(g_pings, 1);
    assert_true(t >= now + 8 * S && t <= now + 10 * S + S / 10);
    assert_int_equal(g_ping_conn, conn1);
    /* a pong: the flow stays, the next ping follows */
    assert_int_equal(sipua_ua_recv(ua, &g_to, "\r\n", 2, t), 0);
    sipua_time t2 = t;
    while (g_pings == 1 && t2 < t + 11 * S) {
        t2 += S / 10;
        assert_int_equal(sipua_ua_advance(ua, t2), 0);
    }
    assert_int_equal(g_pings, 2);
    assert_int_equal(g_closes, 0);
    /* no pong for 10 s: the flow has failed, the UA closes it and
     * registers again at once over a new connection (RFC 5626 4.5) */
    int before = g_nreq;
    sipua_time t3 = t2;
    while (g_closes == 0 && t3 < t2 + 11 * S) {
        t3 += S / 10;
        assert_int_equal(sipua_ua_advance(ua, t3), 0);
    }
    assert_int_equal(g_closes, 1);
    assert_true(t3 >= t2 + 10 * S);
    assert_int_equal(sipua_ua_connection_closed(ua, conn1, t3), 0);
    assert_int_equal(sipua_ua_advance(ua, t3 + S / 4), 0);
    assert_int_equal(g_nreq, before + 1);
    assert_true(g_to.conn != 0 && g_to.conn != conn1);
    assert_non_null(strstr(g_req, "reg-id=1"));
    /* a GRUU that is not a SIP URI, or could not go in a Contact as it
     * is, is not taken */
    answer_last(ua, 200,
                "Require: outbound\r\nContact: <sip:alice@10.0.0.1;transport=tcp>;expires=600;"
                "pub-gruu=\"http://x\";temp-gruu=\"sip:a b@x\"\r\n",
                t3);
    assert_int_equal(g_reg.n, 2);
    assert_string_equal(g_reg.pub, "");
    assert_string_equal(g_reg.temp, "");
    sipua_ua_free(ua);
}

/* A registrar without outbound (no Require: outbound in the 2xx): no
 * keep-alives of ours, no ;ob; with outbound but no GRUU, the calls of
 * the AOR carry our Contact with ;ob (RFC 5626 4.3). */
static void test_5626_4_2_1_registrar_without_outbound_and_ob_contact(void **state)
{
    (void)state;
    sipua_ua *ua = tcp_ua();
    sipua_endpoint to;
    sipua_endpoint_set(&to, SIPUA_TRANSPORT_TCP, "10.0.0.9", 5060, 0);
    sipua_register_config rc;
    sipua_register_config_init(&rc);
    rc.aor = "sip:alice@sim.example";
    rc.instance_id = INSTANCE;
    rc.reg_id = 1;
    uint64_t id;
    sipua_time now = 1000000;
    assert_int_equal(sipua_register(ua, &rc, &to, now, &id), 0);
    assert_non_null(strstr(g_req, "Supported: outbound, path\r\n"));
    answer_last(ua, 200, "Contact: <sip:alice@10.0.0.1;transport=tcp>;expires=600\r\n", now);
    assert_int_equal(g_reg.n, 1);
    assert_int_equal(g_reg.outbound, 0);
    assert_string_equal(g_reg.pub, "");
    for (int i = 0; i < 200; i++)
        assert_int_equal(sipua_ua_advance(ua, now + i * S), 0);
    assert_int_equal(g_pings, 0);
    sipua_invite_opts io;
    sipua_invite_opts_init(&io);
    io.from = SIPUA_STR("<sip:alice@sim.example>");
    sipua_session *s;
    now += 200 * S;
    assert_int_equal(sipua_invite(ua, SIPUA_STR("sip:carol@sim.example"), &to, &io, noop_session_cb,
                                  NULL, now, &s),
                     0);
    char c[400];
    assert_null(strstr(last_contact(c, sizeof c), ";ob"));
    sipua_session_unref(s);
    /* now it does (a refresh brings Require: outbound) */
    assert_int_equal(sipua_unregister(ua, id, now), 0);
    answer_last(ua, 200, "", now);
    rc.reg_id = 1;
    assert_int_equal(sipua_register(ua, &rc, &to, now, &id), 0);
    answer_last(ua, 200,
                "Require: outbound\r\nContact: <sip:alice@10.0.0.1;transport=tcp>;expires=600;"
                "+sip.instance=\"<" INSTANCE ">\";reg-id=1\r\n",
                now);
    assert_int_equal(g_reg.outbound, 1);
    assert_int_equal(g_reg.flow_timer, 0);
    /* no Flow-Timer: pings at 96-120 s */
    int pings = g_pings;
    sipua_time t = now;
    while (g_pings == pings && t < now + 121 * S) {
        t += S;
        assert_int_equal(sipua_ua_advance(ua, t), 0);
    }
    assert_int_equal(g_pings, pings + 1);
    assert_true(t >= now + 96 * S && t <= now + 121 * S);
    assert_int_equal(sipua_invite(ua, SIPUA_STR("sip:carol@sim.example"), &to, &io, noop_session_cb,
                                  NULL, t, &s),
                     0);
    assert_string_equal(last_contact(c, sizeof c), "<sip:alice@10.0.0.1;transport=tcp;ob>");
    sipua_session_unref(s);
    sipua_ua_free(ua);
}

/* What sipua_register() refuses: outbound over UDP (no STUN), outbound or
 * GRUUs without an instance id, an instance id that is not a URN or
 * cannot go in a quoted string, a reg-id above 2^31 - 1. */
static void test_5626_bad_outbound_arguments(void **state)
{
    (void)state;
    sipua_ua *ua = tcp_ua();
    sipua_ua_config cfg;
    (void)cfg;
    sipua_endpoint tcp;
    sipua_endpoint_set(&tcp, SIPUA_TRANSPORT_TCP, "10.0.0.9", 5060, 0);
    sipua_register_config rc;
    uint64_t id;
    sipua_register_config_init(&rc);
    rc.aor = "sip:alice@sim.example";
    rc.reg_id = 1;
    assert_int_equal(sipua_register(ua, &rc, &tcp, 1, &id), SIPUA_EINVAL);
    rc.reg_id = 0;
    rc.gruu = 1;
    assert_int_equal(sipua_register(ua, &rc, &tcp, 1, &id), SIPUA_EINVAL);
    const char *bad[] = {"uuid:1234",    "urn:",         "urn::x",       "urn:uuid:a\"b",
                         "urn:uuid:<x>", "urn:uuid:a b", "urn:uuid:a\\b"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rc.instance_id = bad[i];
        assert_int_equal(sipua_register(ua, &rc, &tcp, 1, &id), SIPUA_EINVAL);
    }
    rc.instance_id = INSTANCE;
    rc.reg_id = 0x80000000u;
    assert_int_equal(sipua_register(ua, &rc, &tcp, 1, &id), SIPUA_EINVAL);
    assert_int_equal(g_nreq, 0);
    sipua_ua_free(ua);

    /* over UDP: refused with reg-id, taken with GRUUs alone */
    sipua_ua_config_init(&cfg);
    sipua_endpoint me, udp;
    sipua_endpoint_set(&me, SIPUA_TRANSPORT_UDP, "10.0.0.1", 5060, 0);
    sipua_endpoint_set(&udp, SIPUA_TRANSPORT_UDP, "10.0.0.9", 5060, 0);
    sipua_ua_config_listen(&cfg, &me);
    sipua_ua_callbacks cb = {.version = SIPUA_UA_CALLBACKS_VERSION,
                             .send = outbound_send,
                             .random = counter_random,
                             .event = outbound_event};
    assert_int_equal(sipua_ua_new(&cfg, &cb, NULL, NULL, &ua), 0);
    rc.reg_id = 1;
    assert_int_equal(sipua_register(ua, &rc, &udp, 1, &id), SIPUA_EINVAL);
    rc.reg_id = 0;
    assert_int_equal(sipua_register(ua, &rc, &udp, 1, &id), 0);
    assert_non_null(strstr(g_req, "Supported: gruu\r\n"));
    assert_null(strstr(g_req, "reg-id"));
    sipua_ua_free(ua);
}

/* The N-th allocation after the UA exists fails, for every N until a whole
 * registration (401, answer, 200, refresh, unregister) needs no more:
 * each call returns 0 or SIPUA_ENOMEM, an event may say INTERNAL_ERROR,
 * and nothing leaks (the sanitizer build checks). */
static void test_allocation_failures_leave_nothing_behind(void **state)
{
    (void)state;
    long k;
    int ok_runs = 0;
    for (k = 0; k < 200; k++) {
        failing f = {.left = -1};
        sipua_allocator a = {f_alloc, f_realloc, f_free, &f};
        sipua_ua_config cfg;
        sipua_ua_config_init(&cfg);
        sipua_endpoint me, to;
        sipua_endpoint_set(&me, SIPUA_TRANSPORT_UDP, "10.0.0.1", 5060, 0);
        sipua_endpoint_set(&to, SIPUA_TRANSPORT_UDP, "10.0.0.9", 5060, 0);
        sipua_ua_config_listen(&cfg, &me);
        sipua_ua_callbacks cb = {.version = SIPUA_UA_CALLBACKS_VERSION,
                                 .send = capture_send,
                                 .random = counter_random,
                                 .event = count_event};
        sipua_ua *ua;
        assert_int_equal(sipua_ua_new(&cfg, &cb, NULL, &a, &ua), 0);
        f.left = k;
        g_req_len = 0;
        g_events = 0;
        sipua_register_config rc;
        sipua_register_config_init(&rc);
        rc.aor = "sip:alice@sim.example";
        rc.password = "secret";
        rc.expires = 100;
        uint64_t id;
        sipua_time now = 1000000;
        int r = sipua_register(ua, &rc, &to, now, &id);
        assert_true(r == 0 || r == SIPUA_ENOMEM);
        if (r == 0) {
            answer_last(ua, 401,
                        "WWW-Authenticate: Digest realm=\"sim\", nonce=\"n\", qop=auth\r\n", now);
            now += 100000;
            answer_last(ua, 200, "Contact: <sip:alice@10.0.0.1:5060>;expires=100\r\n", now);
            now += 71 * S; /* the refresh */
            sipua_ua_advance(ua, now);
            answer_last(ua, 200, "Contact: <sip:alice@10.0.0.1:5060>;expires=100\r\n", now);
            int u = sipua_unregister(ua, id, now);
            assert_true(u == 0 || u == SIPUA_ENOMEM || u == SIPUA_ENOTFOUND);
            for (int i = 0; i < 100 && sipua_ua_next_deadline(ua); i++)
                sipua_ua_advance(ua, now += 10 * S);
        }
        sipua_ua_free(ua);
        if (f.failed == 0) {
            ok_runs++;
            break; /* enough allocations for all of it */
        }
    }
    printf("allocation failures injected at each of the first %ld allocations of a "
           "registration's life\n",
           k);
    assert_int_equal(ok_runs, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_10_2_challenge_then_200_for_each_algorithm_and_qop),
        cmocka_unit_test(test_10_2_4_refresh_before_expiry_with_cached_credentials),
        cmocka_unit_test(test_7616_3_3_stale_nonce_is_answered_without_failure),
        cmocka_unit_test(test_22_wrong_password_fails_once_with_authentication_error),
        cmocka_unit_test(test_22_3_proxy_and_registrar_challenges_both_answered),
        cmocka_unit_test(test_10_2_8_423_asks_again_with_min_expires),
        cmocka_unit_test(test_10_2_2_unregister_sends_expires_0_with_credentials),
        cmocka_unit_test(test_17_1_2_timeout_then_back_off_then_success),
        cmocka_unit_test(test_17_1_4_transport_failure_fails_every_request_there_at_once),
        cmocka_unit_test(test_registration_stays_up_under_loss),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_10_2_registrar_proxy_and_auth_user_as_configured),
        cmocka_unit_test(test_two_registrations_in_one_ua_keep_apart),
        cmocka_unit_test(test_allocation_failures_leave_nothing_behind),
        cmocka_unit_test(test_5626_4_5_connection_closed_registers_again_over_a_new_one),
        cmocka_unit_test(test_5626_5627_outbound_flow_and_gruus),
        cmocka_unit_test(test_5626_4_2_1_registrar_without_outbound_and_ob_contact),
        cmocka_unit_test(test_5626_bad_outbound_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
