/* bench/peer_libre.c — libre: sip_msg_decode on an mbuf, then mem_deref.
 *
 * sip_msg_decode keeps a reference to the mbuf, so each message gets its own
 * mbuf (mbuf_alloc + the bytes copied in) once, outside the timed loop, as
 * libre's UDP receive path would hand it over; each iteration only rewinds
 * mb->pos (the decoder advances it to the body). */
#include "peer.h"

#include <re.h>
#include <stdio.h>

#ifndef PEER_LIBRE_VERSION
#define PEER_LIBRE_VERSION ""
#endif

static int libre_peer_init(bench_msg *msgs, size_t n)
{
    size_t i;
    if (libre_init() != 0)
        return -1;
    for (i = 0; i < n; i++) {
        struct mbuf *mb = mbuf_alloc(msgs[i].len);
        if (mb == NULL || mbuf_write_mem(mb, (const uint8_t *)msgs[i].data, msgs[i].len) != 0)
            return -1;
        mb->pos = 0;
        msgs[i].peer_data = mb;
    }
    return 0;
}

static void libre_peer_fini(bench_msg *msgs, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        mem_deref(msgs[i].peer_data);
        msgs[i].peer_data = NULL;
    }
    libre_close();
}

static bench_fail libre_parse(const bench_msg *m)
{
    struct mbuf *mb = m->peer_data;
    struct sip_msg *msg = NULL;
    bench_fail r;
    mb->pos = 0;
    if (sip_msg_decode(&msg, mb) != 0)
        return BENCH_FAIL_PARSE;
    r = bench_check(m, msg->callid.p, msg->callid.l, msg->cseq.num, msg->cseq.met.p,
                    msg->cseq.met.l);
    mem_deref(msg);
    return r;
}

static void libre_describe(const bench_msg *m, char *out, size_t cap)
{
    struct mbuf *mb = m->peer_data;
    struct sip_msg *msg = NULL;
    int err;
    mb->pos = 0;
    err = sip_msg_decode(&msg, mb);
    if (err != 0) {
        snprintf(out, cap, "sip_msg_decode failed: error %d", err);
        return;
    }
    snprintf(out, cap, "Call-ID=%.*s CSeq=%u %.*s", (int)msg->callid.l,
             msg->callid.p ? msg->callid.p : "", (unsigned)msg->cseq.num, (int)msg->cseq.met.l,
             msg->cseq.met.p ? msg->cseq.met.p : "");
    mem_deref(msg);
}

const bench_peer bench_peer_libre = {
    "libre",
    "libre " PEER_LIBRE_VERSION,
    "sip_msg_decode(&msg, mbuf) + mem_deref",
    libre_peer_init,
    libre_parse,
    libre_peer_fini,
    libre_describe,
};
