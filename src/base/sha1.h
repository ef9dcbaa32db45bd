/* SHA-1 (FIPS 180-4, RFC 3174). Used for the WebSocket handshake's
 * Sec-WebSocket-Accept (RFC 6455 4.2.2), where it is a checksum, not a
 * security primitive: nothing in sipua relies on SHA-1 for integrity. */
#ifndef SIPUA_BASE_SHA1_H
#define SIPUA_BASE_SHA1_H

#include <stddef.h>
#include <stdint.h>

#define SIPUA__SHA1_LEN 20

typedef struct sipua__sha1_ctx {
    uint32_t h[5];
    uint64_t total; /* bytes hashed so far */
    uint8_t block[64];
    size_t used; /* bytes waiting in block */
} sipua__sha1_ctx;

void sipua__sha1_init(sipua__sha1_ctx *c);
void sipua__sha1_update(sipua__sha1_ctx *c, const void *data, size_t len);
/* Writes the 20-byte digest; the context must be initialised again before
 * reuse. */
void sipua__sha1_final(sipua__sha1_ctx *c, uint8_t out[SIPUA__SHA1_LEN]);
/* The digest of one buffer. */
void sipua__sha1(const void *data, size_t len, uint8_t out[SIPUA__SHA1_LEN]);

#endif
