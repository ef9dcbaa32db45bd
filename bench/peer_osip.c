/* bench/peer_osip.c — libosip2: osip_message_init + osip_message_parse +
 * osip_message_free per message (the message object cannot be reused). */
#include "peer.h"

#include <osipparser2/osip_parser.h>
#include <stdio.h>

#ifndef PEER_OSIP_VERSION
#define PEER_OSIP_VERSION ""
#endif

static int osip_init(bench_msg *msgs, size_t n)
{
    (void)msgs;
    (void)n;
    return parser_init() == 0 ? 0 : -1;
}

/* libosip2 splits the Call-ID at '@' into number and host. */
static int callid_eq(const bench_msg *m, const osip_call_id_t *c)
{
    size_t nl, hl;
    if (c == NULL || c->number == NULL)
        return 0;
    nl = strlen(c->number);
    if (c->host == NULL)
        return bench_eq(c->number, nl, m->call_id, m->call_id_len);
    hl = strlen(c->host);
    return nl + 1 + hl == m->call_id_len && memcmp(c->number, m->call_id, nl) == 0 &&
           m->call_id[nl] == '@' && memcmp(c->host, m->call_id + nl + 1, hl) == 0;
}

static bench_fail osip_check(const bench_msg *m, osip_message_t *sip)
{
    const osip_cseq_t *cs = osip_message_get_cseq(sip);
    uint32_t num;
    if (!callid_eq(m, osip_message_get_call_id(sip)))
        return BENCH_FAIL_CALL_ID;
    if (cs == NULL || bench_u32(cs->number, &num) != 0)
        return BENCH_FAIL_CSEQ;
    /* Call-ID compared above; reuse the common check for number and method. */
    return bench_check(m, m->call_id, m->call_id_len, num, cs->method,
                       cs->method ? strlen(cs->method) : 0);
}

static bench_fail osip_parse(const bench_msg *m)
{
    osip_message_t *sip;
    bench_fail r;
    if (osip_message_init(&sip) != 0)
        return BENCH_FAIL_PARSE;
    if (osip_message_parse(sip, m->data_nul, m->len) != 0) {
        osip_message_free(sip);
        return BENCH_FAIL_PARSE;
    }
    r = osip_check(m, sip);
    osip_message_free(sip);
    return r;
}

static void osip_describe(const bench_msg *m, char *out, size_t cap)
{
    osip_message_t *sip;
    const osip_call_id_t *c;
    const osip_cseq_t *cs;
    if (osip_message_init(&sip) != 0 || osip_message_parse(sip, m->data_nul, m->len) != 0) {
        snprintf(out, cap, "osip_message_parse failed");
        if (sip)
            osip_message_free(sip);
        return;
    }
    c = osip_message_get_call_id(sip);
    cs = osip_message_get_cseq(sip);
    snprintf(out, cap, "Call-ID=%s%s%s CSeq=%s %s", c && c->number ? c->number : "(none)",
             c && c->host ? "@" : "", c && c->host ? c->host : "",
             cs && cs->number ? cs->number : "(none)", cs && cs->method ? cs->method : "(none)");
    osip_message_free(sip);
}

const bench_peer bench_peer_osip = {
    "osip",
    "libosip2 " PEER_OSIP_VERSION,
    "osip_message_init + osip_message_parse + osip_message_free",
    osip_init,
    osip_parse,
    NULL,
    osip_describe,
};
