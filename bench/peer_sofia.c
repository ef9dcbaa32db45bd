/* bench/peer_sofia.c — Sofia-SIP: msg_make(sip_default_mclass(), 0, data, len)
 * (creates the msg, copies the bytes, parses every header), then msg_destroy. */
#include "peer.h"

#include <sofia-sip/msg.h>
#include <sofia-sip/msg_types.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/su_alloc.h>
#include <stdio.h>

#ifndef PEER_SOFIA_VERSION
#define PEER_SOFIA_VERSION ""
#endif

static msg_mclass_t const *sofia_mclass;

static int sofia_init(bench_msg *msgs, size_t n)
{
    (void)msgs;
    (void)n;
    sofia_mclass = sip_default_mclass();
    return sofia_mclass ? 0 : -1;
}

static bench_fail sofia_check(const bench_msg *m, msg_t *msg)
{
    sip_t const *sip;
    if (msg == NULL)
        return BENCH_FAIL_PARSE;
    if (msg_get_flags(msg, MSG_FLG_ERROR))
        return BENCH_FAIL_PARSE;
    sip = sip_object(msg);
    if (sip == NULL)
        return BENCH_FAIL_PARSE;
    if (sip->sip_call_id == NULL || sip->sip_call_id->i_id == NULL)
        return BENCH_FAIL_CALL_ID;
    if (sip->sip_cseq == NULL)
        return BENCH_FAIL_CSEQ;
    return bench_check(m, sip->sip_call_id->i_id, strlen(sip->sip_call_id->i_id),
                       sip->sip_cseq->cs_seq, sip->sip_cseq->cs_method_name,
                       sip->sip_cseq->cs_method_name ? strlen(sip->sip_cseq->cs_method_name) : 0);
}

static bench_fail sofia_parse(const bench_msg *m)
{
    msg_t *msg = msg_make(sofia_mclass, 0, m->data, (ssize_t)m->len);
    bench_fail r = sofia_check(m, msg);
    msg_destroy(msg);
    return r;
}

static void sofia_describe(const bench_msg *m, char *out, size_t cap)
{
    msg_t *msg = msg_make(sofia_mclass, 0, m->data, (ssize_t)m->len);
    sip_t const *sip = msg ? sip_object(msg) : NULL;
    int bad = 0;
    sip_error_t const *e;
    if (sip == NULL) {
        snprintf(out, cap, "msg_make failed");
        msg_destroy(msg);
        return;
    }
    for (e = sip->sip_error; e; e = e->er_next)
        bad++;
    snprintf(out, cap, "Call-ID=%s CSeq=%u %s%s%s",
             sip->sip_call_id && sip->sip_call_id->i_id ? sip->sip_call_id->i_id : "(none)",
             sip->sip_cseq ? (unsigned)sip->sip_cseq->cs_seq : 0u,
             sip->sip_cseq && sip->sip_cseq->cs_method_name ? sip->sip_cseq->cs_method_name
                                                            : "(none)",
             msg_get_flags(msg, MSG_FLG_ERROR) ? " [MSG_FLG_ERROR]" : "",
             bad ? " [unparsed headers kept as sip_error]" : "");
    msg_destroy(msg);
}

const bench_peer bench_peer_sofia = {
    "sofia",
    "Sofia-SIP " PEER_SOFIA_VERSION,
    "msg_make(sip_default_mclass(), 0, buf, len) + msg_destroy",
    sofia_init,
    sofia_parse,
    NULL,
    sofia_describe,
};
