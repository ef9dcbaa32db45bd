/* bench/peer.h — the interface between bench/parse.c and one parser adapter.
 *
 * Each adapter (peer_<name>.c) lives in its own translation unit so that the
 * peers' headers never meet (they define clashing names: msg_t, sip_msg, ...).
 * This header includes nothing but the C library.
 */
#ifndef SIPUA_BENCH_PEER_H
#define SIPUA_BENCH_PEER_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* One corpus message, loaded before any timing. */
typedef struct bench_msg {
    const char *name;     /* file name, for error messages */
    const char *data;     /* exactly len bytes in their own malloc'd block, no NUL after */
    const char *data_nul; /* a copy followed by a NUL, for peers that want one */
    size_t len;
    void *peer_data; /* per-peer per-message state prepared outside the timed loop */
    /* What a correct parse must extract, found by a dumb line scan of the file. */
    const char *call_id;
    size_t call_id_len;
    uint32_t cseq;
    const char *cseq_method;
    size_t cseq_method_len;
} bench_msg;

/* Why a parse did not count. */
typedef enum bench_fail {
    BENCH_OK = 0,
    BENCH_FAIL_PARSE,   /* the parser returned an error or no message */
    BENCH_FAIL_CALL_ID, /* no Call-ID, or not the expected one */
    BENCH_FAIL_CSEQ,    /* no CSeq, or the wrong number */
    BENCH_FAIL_METHOD,  /* wrong CSeq method */
    BENCH_FAIL_OTHER    /* e.g. sipua_msg_parse_all() failed */
} bench_fail;

typedef struct bench_peer {
    const char *id;    /* command-line name: "osip" */
    const char *label; /* table name: "libosip2 5.3.0" */
    const char *call;  /* what is measured, for the README-style listing */
    /* Once, outside timing: library init and per-message preparation. 0 = ok. */
    int (*init)(bench_msg *msgs, size_t n);
    /* One parse + check + free. Returns BENCH_OK or why it failed. */
    bench_fail (*parse)(const bench_msg *m);
    /* Once, at exit. May be NULL. */
    void (*fini)(bench_msg *msgs, size_t n);
    /* Verification only (not timed): one parse, prints what was extracted
     * into out[0..cap) as "Call-ID=... CSeq=N METHOD". May be NULL. */
    void (*describe)(const bench_msg *m, char *out, size_t cap);
} bench_peer;

/* The checks every adapter runs on what its parser extracted, before freeing
 * the message. Same code and same cost for every parser. */
static inline int bench_eq(const char *a, size_t alen, const char *b, size_t blen)
{
    return a != NULL && alen == blen && memcmp(a, b, blen) == 0;
}

static inline bench_fail bench_check(const bench_msg *m, const char *call_id, size_t call_id_len,
                                     uint32_t cseq, const char *method, size_t method_len)
{
    if (call_id_len == 0 || !bench_eq(call_id, call_id_len, m->call_id, m->call_id_len))
        return BENCH_FAIL_CALL_ID;
    if (cseq != m->cseq)
        return BENCH_FAIL_CSEQ;
    if (!bench_eq(method, method_len, m->cseq_method, m->cseq_method_len))
        return BENCH_FAIL_METHOD;
    return BENCH_OK;
}

/* Parses a decimal CSeq number held as text (libosip2 keeps it as a string).
 * Returns 0 on success. */
static inline int bench_u32(const char *s, uint32_t *out)
{
    uint64_t v = 0;
    if (s == NULL || *s < '0' || *s > '9')
        return -1;
    for (; *s >= '0' && *s <= '9'; s++) {
        v = v * 10 + (uint64_t)(*s - '0');
        if (v > 0xffffffffu)
            return -1;
    }
    if (*s != '\0')
        return -1;
    *out = (uint32_t)v;
    return 0;
}

/* The adapters. Each is defined only when its library was found. */
#ifdef HAVE_SIPUA
extern const bench_peer bench_peer_sipua_eager;
extern const bench_peer bench_peer_sipua_all;
#endif
#ifdef HAVE_PEER_OSIP
extern const bench_peer bench_peer_osip;
#endif
#ifdef HAVE_PEER_SOFIA
extern const bench_peer bench_peer_sofia;
#endif
#ifdef HAVE_PEER_LIBRE
extern const bench_peer bench_peer_libre;
#endif
#ifdef HAVE_PEER_BELLESIP
extern const bench_peer bench_peer_bellesip;
#endif

#endif
