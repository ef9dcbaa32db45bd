/* bench/peer_sipua.c — sipua, measured two ways:
 *
 *   "sipua (eager)":       sipua_msg_parse(msg, buf, len, SIPUA_PARSE_DATAGRAM),
 *                          what the transaction layer does on every message;
 *   "sipua (all headers)": the same plus sipua_msg_parse_all(msg), every lazy
 *                          header parsed and checked.
 *
 * The message object is created once with sipua_msg_new(NULL, NULL) and
 * reused: that is how the library is meant to be used, so per-message
 * allocation is not part of its cost. The buffer has no NUL after it. */
#include "peer.h"

#include <sipua/msg.h>
#include <stdio.h>

static sipua_msg *sipua_bench_msg;

static int sipua_init(bench_msg *msgs, size_t n)
{
    (void)msgs;
    (void)n;
    if (sipua_bench_msg == NULL)
        sipua_bench_msg = sipua_msg_new(NULL, NULL);
    return sipua_bench_msg ? 0 : -1;
}

static void sipua_fini(bench_msg *msgs, size_t n)
{
    (void)msgs;
    (void)n;
    if (sipua_bench_msg != NULL)
        sipua_msg_free(sipua_bench_msg);
    sipua_bench_msg = NULL;
}

static bench_fail sipua_check(const bench_msg *m, const sipua_msg *msg)
{
    sipua_str cid = sipua_msg_call_id(msg);
    const sipua_cseq *cs;
    if (cid.len == 0)
        return BENCH_FAIL_CALL_ID;
    cs = sipua_msg_cseq(msg);
    if (cs == NULL)
        return BENCH_FAIL_CSEQ;
    return bench_check(m, cid.p, cid.len, cs->number, cs->method_str.p, cs->method_str.len);
}

static bench_fail sipua_parse_eager(const bench_msg *m)
{
    if (sipua_msg_parse(sipua_bench_msg, m->data, m->len, SIPUA_PARSE_DATAGRAM) <= 0)
        return BENCH_FAIL_PARSE;
    return sipua_check(m, sipua_bench_msg);
}

static bench_fail sipua_parse_all(const bench_msg *m)
{
    bench_fail r;
    if (sipua_msg_parse(sipua_bench_msg, m->data, m->len, SIPUA_PARSE_DATAGRAM) <= 0)
        return BENCH_FAIL_PARSE;
    r = sipua_check(m, sipua_bench_msg);
    if (r != BENCH_OK)
        return r;
    return sipua_msg_parse_all(sipua_bench_msg) == 0 ? BENCH_OK : BENCH_FAIL_OTHER;
}

static void sipua_describe_common(const bench_msg *m, char *out, size_t cap, int all)
{
    sipua_msg *msg = sipua_bench_msg;
    int rc = sipua_msg_parse(msg, m->data, m->len, SIPUA_PARSE_DATAGRAM);
    sipua_str cid;
    const sipua_cseq *cs;
    const sipua_msg_error *e;
    if (rc <= 0) {
        e = sipua_msg_get_error(msg);
        snprintf(out, cap, "sipua_msg_parse: %s (%s at line %u col %u)", sipua_err_name(rc),
                 e && e->reason ? e->reason : "?", e ? (unsigned)e->line : 0u,
                 e ? (unsigned)e->column : 0u);
        return;
    }
    cid = sipua_msg_call_id(msg);
    cs = sipua_msg_cseq(msg);
    if (all) {
        rc = sipua_msg_parse_all(msg);
        if (rc != 0) {
            e = sipua_msg_get_error(msg);
            snprintf(out, cap, "sipua_msg_parse_all: %s (%s at line %u col %u)", sipua_err_name(rc),
                     e && e->reason ? e->reason : "?", e ? (unsigned)e->line : 0u,
                     e ? (unsigned)e->column : 0u);
            return;
        }
    }
    snprintf(out, cap, "Call-ID=%.*s CSeq=%u %.*s", (int)cid.len, cid.p ? cid.p : "",
             cs ? (unsigned)cs->number : 0u, cs ? (int)cs->method_str.len : 6,
             cs && cs->method_str.p ? cs->method_str.p : "(none)");
}

static void sipua_describe_eager(const bench_msg *m, char *out, size_t cap)
{
    sipua_describe_common(m, out, cap, 0);
}

static void sipua_describe_all(const bench_msg *m, char *out, size_t cap)
{
    sipua_describe_common(m, out, cap, 1);
}

const bench_peer bench_peer_sipua_eager = {
    "sipua-eager",
    "sipua (eager)",
    "sipua_msg_parse(msg, buf, len, SIPUA_PARSE_DATAGRAM), msg reused",
    sipua_init,
    sipua_parse_eager,
    sipua_fini,
    sipua_describe_eager,
};

const bench_peer bench_peer_sipua_all = {
    "sipua-all",        "sipua (all headers)", "sipua_msg_parse + sipua_msg_parse_all, msg reused",
    sipua_init,         sipua_parse_all,       sipua_fini,
    sipua_describe_all,
};
