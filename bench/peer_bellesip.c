/* bench/peer_bellesip.c — belle-sip: belle_sip_message_parse_raw, then the
 * Call-ID and CSeq header objects, then belle_sip_object_unref.
 *
 * belle-sip's objects are reference counted and may be "autoreleased" into
 * the thread's object pool; one pool is pushed once at init so that nothing
 * is leaked or logged, and released at exit. */
#include "peer.h"

#include <belle-sip/belle-sip.h>
#include <stdio.h>

#ifndef PEER_BELLESIP_VERSION
#define PEER_BELLESIP_VERSION ""
#endif

static belle_sip_object_pool_t *bellesip_pool;

static int bellesip_init(bench_msg *msgs, size_t n)
{
    (void)msgs;
    (void)n;
#ifndef BENCH_BELLESIP_NO_LOG_LEVEL
    /* Parse errors are reported through the return value; keep stderr quiet.
     * (A macro over bctoolbox: see CMakeLists.txt.) */
    belle_sip_set_log_level(BELLE_SIP_LOG_FATAL);
#endif
    bellesip_pool = belle_sip_object_pool_push();
    return bellesip_pool ? 0 : -1;
}

static void bellesip_fini(bench_msg *msgs, size_t n)
{
    (void)msgs;
    (void)n;
    if (bellesip_pool)
        belle_sip_object_unref(bellesip_pool);
    bellesip_pool = NULL;
}

static belle_sip_message_t *bellesip_make(const bench_msg *m)
{
    size_t used = 0;
    belle_sip_message_t *msg = belle_sip_message_parse_raw(m->data_nul, m->len, &used);
    if (msg)
        belle_sip_object_ref(msg);
    return msg;
}

static bench_fail bellesip_check(const bench_msg *m, belle_sip_message_t *msg)
{
    belle_sip_header_call_id_t *cid;
    belle_sip_header_cseq_t *cs;
    const char *id, *method;
    cid = belle_sip_message_get_header_by_type(msg, belle_sip_header_call_id_t);
    if (cid == NULL || (id = belle_sip_header_call_id_get_call_id(cid)) == NULL)
        return BENCH_FAIL_CALL_ID;
    cs = belle_sip_message_get_header_by_type(msg, belle_sip_header_cseq_t);
    if (cs == NULL)
        return BENCH_FAIL_CSEQ;
    method = belle_sip_header_cseq_get_method(cs);
    return bench_check(m, id, strlen(id), belle_sip_header_cseq_get_seq_number(cs), method,
                       method ? strlen(method) : 0);
}

static bench_fail bellesip_parse(const bench_msg *m)
{
    belle_sip_message_t *msg = bellesip_make(m);
    bench_fail r;
    if (msg == NULL)
        return BENCH_FAIL_PARSE;
    r = bellesip_check(m, msg);
    belle_sip_object_unref(msg);
    return r;
}

static void bellesip_describe(const bench_msg *m, char *out, size_t cap)
{
    belle_sip_message_t *msg = bellesip_make(m);
    belle_sip_header_call_id_t *cid;
    belle_sip_header_cseq_t *cs;
    const char *id = NULL, *method = NULL;
    if (msg == NULL) {
        snprintf(out, cap, "belle_sip_message_parse_raw returned NULL");
        return;
    }
    cid = belle_sip_message_get_header_by_type(msg, belle_sip_header_call_id_t);
    cs = belle_sip_message_get_header_by_type(msg, belle_sip_header_cseq_t);
    if (cid)
        id = belle_sip_header_call_id_get_call_id(cid);
    if (cs)
        method = belle_sip_header_cseq_get_method(cs);
    snprintf(out, cap, "Call-ID=%s CSeq=%u %s", id ? id : "(none)",
             cs ? belle_sip_header_cseq_get_seq_number(cs) : 0u, method ? method : "(none)");
    belle_sip_object_unref(msg);
}

const bench_peer bench_peer_bellesip = {
    "belle-sip",
    "belle-sip " PEER_BELLESIP_VERSION,
    "belle_sip_message_parse_raw + belle_sip_object_unref",
    bellesip_init,
    bellesip_parse,
    bellesip_fini,
    bellesip_describe,
};
