/* SHA-256, SHA-512 and SHA-512/256 (FIPS 180-4). Digest authentication
 * uses SHA-256 and SHA-512/256 (RFC 7616 3.2, RFC 8760 2); SHA-512 is the
 * core SHA-512/256 truncates, kept whole so its own vectors can test it. */
#ifndef SIPUA_BASE_SHA256_H
#define SIPUA_BASE_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SIPUA__SHA256_LEN     32
#define SIPUA__SHA512_LEN     64
#define SIPUA__SHA512_256_LEN 32

typedef struct sipua__sha256_ctx {
    uint32_t h[8];
    uint64_t total; /* bytes hashed so far */
    uint8_t block[64];
    size_t used; /* bytes waiting in block */
} sipua__sha256_ctx;

void sipua__sha256_init(sipua__sha256_ctx *c);
void sipua__sha256_update(sipua__sha256_ctx *c, const void *data, size_t len);
/* Writes the 32-byte digest; the context must be initialised again before
 * reuse. */
void sipua__sha256_final(sipua__sha256_ctx *c, uint8_t out[SIPUA__SHA256_LEN]);
void sipua__sha256(const void *data, size_t len, uint8_t out[SIPUA__SHA256_LEN]);

/* One context for SHA-512 and SHA-512/256: they differ only in the initial
 * value (FIPS 180-4 5.3.5, 5.3.6.2) and in how much of the result is kept. */
typedef struct sipua__sha512_ctx {
    uint64_t h[8];
    uint64_t total; /* bytes hashed so far; 2^64 bytes is more than enough */
    uint8_t block[128];
    size_t used;   /* bytes waiting in block */
    size_t outlen; /* 64 for SHA-512, 32 for SHA-512/256 */
} sipua__sha512_ctx;

void sipua__sha512_init(sipua__sha512_ctx *c);
void sipua__sha512_256_init(sipua__sha512_ctx *c);
void sipua__sha512_update(sipua__sha512_ctx *c, const void *data, size_t len);
/* Writes c->outlen bytes (64 or 32); the context must be initialised again
 * before reuse. */
void sipua__sha512_final(sipua__sha512_ctx *c, uint8_t *out);
void sipua__sha512(const void *data, size_t len, uint8_t out[SIPUA__SHA512_LEN]);
void sipua__sha512_256(const void *data, size_t len, uint8_t out[SIPUA__SHA512_256_LEN]);

#endif
