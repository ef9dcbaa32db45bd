/* MD5 (RFC 1321). Only for HTTP/SIP Digest authentication (RFC 2617,
 * RFC 7616, RFC 3261 22.4), where MD5 is still the algorithm most servers
 * offer; it is not collision resistant and nothing else in sipua uses it. */
#ifndef SIPUA_BASE_MD5_H
#define SIPUA_BASE_MD5_H

#include <stddef.h>
#include <stdint.h>

#define SIPUA__MD5_LEN 16

typedef struct sipua__md5_ctx {
    uint32_t h[4];
    uint64_t total; /* bytes hashed so far */
    uint8_t block[64];
    size_t used; /* bytes waiting in block */
} sipua__md5_ctx;

void sipua__md5_init(sipua__md5_ctx *c);
void sipua__md5_update(sipua__md5_ctx *c, const void *data, size_t len);
/* Writes the 16-byte digest; the context must be initialised again before
 * reuse. */
void sipua__md5_final(sipua__md5_ctx *c, uint8_t out[SIPUA__MD5_LEN]);
/* The digest of one buffer. */
void sipua__md5(const void *data, size_t len, uint8_t out[SIPUA__MD5_LEN]);

#endif
