/* The block buffering and length padding that MD5, SHA-256 and SHA-512
 * share: all three are Merkle-Damgard hashes that append 0x80, zeros and
 * the message length in bits (RFC 1321 3.1-3.2, FIPS 180-4 5.1). */
#ifndef SIPUA_BASE_MDBLOCK_H
#define SIPUA_BASE_MDBLOCK_H

#include <stddef.h>
#include <stdint.h>

/* Compresses one full block into the hash state. */
typedef void sipua__mdblock_fn(void *state, const uint8_t *block);

typedef struct sipua__mdblock {
    uint8_t *block;  /* the hash's block buffer */
    size_t size;     /* 64 or 128 */
    size_t *used;    /* bytes waiting in block */
    uint64_t *total; /* bytes hashed so far */
    sipua__mdblock_fn *compress;
    void *state;
} sipua__mdblock;

/* Adds len bytes, compressing every block that fills. */
void sipua__mdblock_update(const sipua__mdblock *m, const void *data, size_t len);

/* Pads the message and compresses the last block(s). The length field takes
 * the last size/8 bytes of the block (8 for 64-byte blocks, 16 for 128),
 * little-endian for MD5, big-endian for SHA-2. */
void sipua__mdblock_pad(const sipua__mdblock *m, int little_endian);

#endif
