/* The simulator world of the session tests (simworld.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "simworld.h"

static void keep(logged *l, int *n, sipua_time at, const char *bytes, size_t len)
{
    assert_true(*n < MAX_LOG);
    assert_true(len < sizeof l[0].bytes);
    l[*n].at = at;
    l[*n].len = len;
    memcpy(l[*n].bytes, bytes, len);
    l[*n].bytes[len] = 0;
    (*n)++;
}

static void on_send(simua *u, const sipua_endpoint *to, const char *bytes, size_t len)
{
    peer *p = (peer *)u;
    (void)to;
    keep(p->sent, &p->nsent, simnet_now(u->net), bytes, len);
}

static void record(side *sd, const sipua_session_event *ev, sipua_time at)
{
    assert_true(sd->n < MAX_EVS);
    sd->ev[sd->n++] =
        (evrec){ev->kind,     ev->code, ev->cause,      ev->tone,       ev->duration_ms,
                ev->received, at,       ev->held_local, ev->held_remote};
}

void on_a_session(sipua_session *s, const sipua_session_event *ev, void *user)
{
    world *w = user;
    (void)s;
    record(&w->ea, ev, simnet_now(w->net));
}

static void on_b_session(sipua_session *s, const sipua_session_event *ev, void *user)
{
    world *w = user;
    (void)s;
    record(&w->eb, ev, simnet_now(w->net));
}

static void on_b_ua(void *user, const sipua_ua_event *ev)
{
    peer *p = user;
    world *w = p->w;
    if (ev->type != SIPUA_UA_EV_INVITE)
        return;
    assert_null(w->sb);
    w->sb = sipua_session_ref(ev->session);
    sipua_session_set_callback(ev->session, on_b_session, w);
    sipua_time now = simnet_now(w->net);
    if (w->mode == B_ACCEPT)
        assert_int_equal(sipua_session_accept(ev->session, NULL, now), 0);
    if (w->mode == B_PREACCEPT || w->mode == B_PREACCEPT_ACCEPT)
        assert_int_equal(sipua_session_preaccept(ev->session, NULL, now), 0);
    if (w->mode == B_PREACCEPT_ACCEPT)
        assert_int_equal(sipua_session_accept(ev->session, NULL, now), 0);
}

static void on_a_ua(void *user, const sipua_ua_event *ev)
{
    (void)user;
    (void)ev;
}

static void r_deliver(void *user, sim_addr from, sim_addr to, const char *bytes, size_t len,
                      sipua_time now)
{
    world *w = user;
    (void)from;
    (void)to;
    keep(w->r_rx, &w->r_n, now, bytes, len);
}

static const simnet_node_ops r_ops = {r_deliver, NULL, NULL};

world *world_new(b_mode mode)
{
    return world_new_with(mode, NULL);
}

world *world_new_with(b_mode mode, void (*tweak)(sipua_ua_config *cfg))
{
    world *w = calloc(1, sizeof *w);
    simnet_config cfg = {.seed = 1, .delay_us = DELAY};
    w->net = simnet_new(&cfg);
    w->mode = mode;
    w->a.w = w->b.w = w;
    assert_int_equal(simua_init(&w->a.u, w->net, 1, on_a_ua, tweak), 0);
    assert_int_equal(simua_init(&w->b.u, w->net, 2, on_b_ua, tweak), 0);
    w->a.u.on_send = on_send;
    w->b.u.on_send = on_send;
    w->r_addr = sim_addr_make(3, 5060);
    assert_int_equal(simnet_add_node(w->net, w->r_addr, &r_ops, w), 0);
    w->scratch = sipua_msg_new(NULL, NULL);
    return w;
}

/* Ends what is still up and lets every timer run out, so that nothing is
 * left in the cores when they are freed. */
void world_free(world *w)
{
    sipua_session *ss[2] = {w->sa, w->sb};
    for (int i = 0; i < 2; i++)
        if (ss[i] && !sipua_session_is_ended(ss[i]))
            sipua_session_terminate(ss[i], simnet_now(w->net));
    simnet_run(w->net, simnet_now(w->net) + 180000000, NULL, NULL);
    sipua_ua_stats sa, sb;
    sipua_ua_get_stats(w->a.u.ua, &sa);
    sipua_ua_get_stats(w->b.u.ua, &sb);
    assert_int_equal(sa.live_transactions + sb.live_transactions, 0);
    assert_int_equal(sa.live_sessions + sb.live_sessions, 0);
    sipua_session_unref(w->sa);
    sipua_session_unref(w->sb);
    simua_free(&w->a.u);
    simua_free(&w->b.u);
    simnet_free(w->net);
    sipua_msg_free(w->scratch);
    free(w);
}

sipua_time now_of(world *w)
{
    return simnet_now(w->net);
}

void run_until(world *w, sipua_time t)
{
    simnet_run(w->net, t, NULL, NULL);
}

/* The message logged at l, parsed into w->scratch. */
const sipua_msg *parsed(world *w, const logged *l)
{
    assert_true(sipua_msg_parse(w->scratch, l->bytes, l->len, SIPUA_PARSE_DATAGRAM) > 0);
    return w->scratch;
}

/* 1 when the logged message is a response with `status` to `method`, or
 * (status 0) a request `method`. */
int is(world *w, const logged *l, int status, sipua_method method)
{
    const sipua_msg *m = parsed(w, l);
    const sipua_cseq *c = sipua_msg_cseq(m);
    if (!c || c->method != method)
        return 0;
    return status ? sipua_msg_status(m) == status : sipua_msg_is_request(m);
}

/* The index of the k-th such message in a log, or -1; *count (may be
 * NULL) how many there are. */
int nth(world *w, const logged *l, int n, int status, sipua_method method, int k, int *count)
{
    int found = -1, c = 0;
    for (int i = 0; i < n; i++) {
        if (is(w, &l[i], status, method)) {
            if (c == k)
                found = i;
            c++;
        }
    }
    if (count)
        *count = c;
    return found;
}

int count_of(world *w, const logged *l, int n, int status, sipua_method method)
{
    int c;
    nth(w, l, n, status, method, 0, &c);
    return c;
}

sipua_str header(world *w, const logged *l, const char *name)
{
    const sipua_hdr *h = sipua_msg_find_name(parsed(w, l), name);
    return h ? h->value : (sipua_str){NULL, 0};
}

sipua_str body_of(world *w, const logged *l)
{
    return sipua_msg_body(parsed(w, l));
}

int str_is(sipua_str s, const char *c)
{
    return s.p && s.len == strlen(c) && memcmp(s.p, c, s.len) == 0;
}

void r_send(world *w, unsigned to, const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    assert_true(n > 0 && (size_t)n < sizeof buf);
    assert_int_equal(simnet_send(w->net, w->r_addr, sim_addr_make(to, 5060), buf, (size_t)n), 0);
}

/* R answers the request it received at index i. */
void r_respond(world *w, int i, int code, const char *reason, const char *extra, const char *body)
{
    r_respond_tag(w, i, code, reason, "rtag", extra, body);
}

void r_respond_tag(world *w, int i, int code, const char *reason, const char *tag,
                   const char *extra, const char *body)
{
    const sipua_msg *req = parsed(w, &w->r_rx[i]);
    char buf[4096];
    sipua_builder b;
    sipua_builder_init(&b, buf, sizeof buf);
    assert_int_equal(sipua_builder_response(&b, req, code, (sipua_str){reason, strlen(reason)},
                                            (sipua_str){tag, strlen(tag)}, (sipua_str){NULL, 0}, 0),
                     0);
    sipua_builder_raw(&b, SIPUA_STR("Contact: <sip:r@10.0.0.3:5060>\r\n"));
    if (extra)
        sipua_builder_raw(&b, (sipua_str){extra, strlen(extra)});
    if (body)
        sipua_builder_raw(&b, SIPUA_STR("Content-Type: application/sdp\r\n"));
    sipua_builder_body(&b, (sipua_str){body, body ? strlen(body) : 0});
    int n = sipua_builder_finish(&b);
    assert_true(n > 0);
    assert_int_equal(simnet_send(w->net, w->r_addr, sim_addr_make(1, 5060), buf, (size_t)n), 0);
}

/* ------------------------------------------------------------------ */
/* R calls B                                                           */

/* R's INVITE to B, CSeq 10, with `extra` header lines and an SDP offer. */
void r_invite(world *w, const char *extra)
{
    r_send(w, 2,
           "INVITE sip:bob@10.0.0.2 SIP/2.0\r\n"
           "Via: SIP/2.0/UDP 10.0.0.3:5060;branch=z9hG4bK-rinv\r\n"
           "Max-Forwards: 70\r\n"
           "From: <sip:r@10.0.0.3>;tag=rfrom\r\n"
           "To: <sip:bob@10.0.0.2>\r\n"
           "Call-ID: rcall@10.0.0.3\r\n"
           "CSeq: 10 INVITE\r\n"
           "Contact: <sip:r@10.0.0.3:5060>\r\n"
           "%s"
           "Content-Type: application/sdp\r\n"
           "Content-Length: %zu\r\n\r\n%s",
           extra, strlen(SDP_R), SDP_R);
}

/* B's To tag in the response logged at l, NUL-terminated into tag. */
void to_tag(world *w, const logged *l, char *tag, size_t cap)
{
    const sipua_nameaddr *to = sipua_msg_to(parsed(w, l));
    assert_non_null(to);
    assert_true(to->tag.len > 0 && to->tag.len < cap);
    memcpy(tag, to->tag.p, to->tag.len);
    tag[to->tag.len] = 0;
}

/* A request of R within its dialog with B: method, CSeq number, extra
 * lines, body (with its type). */
void r_in_dialog(world *w, const char *tag, const char *method, unsigned cseq, const char *extra,
                 const char *type, const char *body)
{
    char ct[128] = "";
    if (type)
        snprintf(ct, sizeof ct, "Content-Type: %s\r\n", type);
    r_send(w, 2,
           "%s sip:sipua@10.0.0.2:5060 SIP/2.0\r\n"
           "Via: SIP/2.0/UDP 10.0.0.3:5060;branch=z9hG4bK-r%s%u\r\n"
           "Max-Forwards: 70\r\n"
           "From: <sip:r@10.0.0.3>;tag=rfrom\r\n"
           "To: <sip:bob@10.0.0.2>;tag=%s\r\n"
           "Call-ID: rcall@10.0.0.3\r\n"
           "CSeq: %u %s\r\n"
           "%s%s"
           "Content-Length: %zu\r\n\r\n%s",
           method, method, cseq, tag, cseq, method, extra, ct, body ? strlen(body) : 0,
           body ? body : "");
}

int has_kind(const side *sd, sipua_session_event_kind k, int code)
{
    int n = 0;
    for (int i = 0; i < sd->n; i++)
        n += sd->ev[i].kind == k && (!code || sd->ev[i].code == code);
    return n;
}

void a_calls_b(world *w)
{
    assert_int_equal(sipua_invite(w->a.u.ua, SIPUA_STR("sip:bob@10.0.0.2"), &w->b.u.self, NULL,
                                  on_a_session, w, now_of(w), &w->sa),
                     0);
    run_until(w, now_of(w) + 200 * MS);
    assert_true(sipua_session_is_established(w->sa));
    assert_true(sipua_session_is_established(w->sb));
}

void a_calls_r(world *w)
{
    sipua_endpoint r;
    sipua_endpoint_set(&r, SIPUA_TRANSPORT_UDP, "10.0.0.3", 5060, 0);
    assert_int_equal(sipua_invite(w->a.u.ua, SIPUA_STR("sip:r@10.0.0.3"), &r, NULL, on_a_session, w,
                                  now_of(w), &w->sa),
                     0);
    run_until(w, now_of(w) + 100 * MS);
}
