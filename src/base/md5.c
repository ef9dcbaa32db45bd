/* MD5 as RFC 1321 section 3.4 describes it: four rounds of sixteen steps
 * over little-endian words. The step constants are RFC 1321's T[i], the
 * integer part of 2^32 * |sin(i)|. */
#include "base/md5.h"

#include "base/mdblock.h"

#include <string.h>

static const uint32_t T[64] = {
    0xd76aa478u, 0xe8c7b756u, 0x242070dbu, 0xc1bdceeeu, 0xf57c0fafu, 0x4787c62au, 0xa8304613u,
    0xfd469501u, 0x698098d8u, 0x8b44f7afu, 0xffff5bb1u, 0x895cd7beu, 0x6b901122u, 0xfd987193u,
    0xa679438eu, 0x49b40821u, 0xf61e2562u, 0xc040b340u, 0x265e5a51u, 0xe9b6c7aau, 0xd62f105du,
    0x02441453u, 0xd8a1e681u, 0xe7d3fbc8u, 0x21e1cde6u, 0xc33707d6u, 0xf4d50d87u, 0x455a14edu,
    0xa9e3e905u, 0xfcefa3f8u, 0x676f02d9u, 0x8d2a4c8au, 0xfffa3942u, 0x8771f681u, 0x6d9d6122u,
    0xfde5380cu, 0xa4beea44u, 0x4bdecfa9u, 0xf6bb4b60u, 0xbebfbc70u, 0x289b7ec6u, 0xeaa127fau,
    0xd4ef3085u, 0x04881d05u, 0xd9d4d039u, 0xe6db99e5u, 0x1fa27cf8u, 0xc4ac5665u, 0xf4292244u,
    0x432aff97u, 0xab9423a7u, 0xfc93a039u, 0x655b59c3u, 0x8f0ccc92u, 0xffeff47du, 0x85845dd1u,
    0x6fa87e4fu, 0xfe2ce6e0u, 0xa3014314u, 0x4e0811a1u, 0xf7537e82u, 0xbd3af235u, 0x2ad7d2bbu,
    0xeb86d391u,
};

/* Left-rotation amounts, four per round (RFC 1321 3.4, S11..S44). */
static const uint8_t S[4][4] = {{7, 12, 17, 22}, {5, 9, 14, 20}, {4, 11, 16, 23}, {6, 10, 15, 21}};

static uint32_t rol(uint32_t x, unsigned n)
{
    return (x << n) | (x >> (32 - n));
}

static void compress(uint32_t h[4], const uint8_t block[64])
{
    uint32_t x[16];
    for (int i = 0; i < 16; i++) {
        const uint8_t *p = block + 4 * i;
        x[i] = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
    for (int i = 0; i < 64; i++) {
        int round = i / 16;
        uint32_t f;
        int k;
        switch (round) {
        case 0:
            f = (b & c) | (~b & d);
            k = i;
            break;
        case 1:
            f = (b & d) | (c & ~d);
            k = (5 * i + 1) & 15;
            break;
        case 2:
            f = b ^ c ^ d;
            k = (3 * i + 5) & 15;
            break;
        default:
            f = c ^ (b | ~d);
            k = (7 * i) & 15;
            break;
        }
        uint32_t tmp = d;
        d = c;
        c = b;
        b = b + rol(a + f + x[k] + T[i], S[round][i & 3]);
        a = tmp;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
}

static void compress_fn(void *state, const uint8_t *block)
{
    compress(state, block);
}

static sipua__mdblock blocks(sipua__md5_ctx *c)
{
    sipua__mdblock m = {c->block, sizeof c->block, &c->used, &c->total, compress_fn, c->h};
    return m;
}

void sipua__md5_init(sipua__md5_ctx *c)
{
    static const uint32_t iv[4] = {0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u};
    memcpy(c->h, iv, sizeof iv);
    c->total = 0;
    c->used = 0;
}

void sipua__md5_update(sipua__md5_ctx *c, const void *data, size_t len)
{
    sipua__mdblock m = blocks(c);
    sipua__mdblock_update(&m, data, len);
}

void sipua__md5_final(sipua__md5_ctx *c, uint8_t out[SIPUA__MD5_LEN])
{
    sipua__mdblock m = blocks(c);
    sipua__mdblock_pad(&m, 1); /* the length is little-endian too (RFC 1321 3.2) */
    for (int i = 0; i < 4; i++) {
        out[4 * i] = (uint8_t)c->h[i];
        out[4 * i + 1] = (uint8_t)(c->h[i] >> 8);
        out[4 * i + 2] = (uint8_t)(c->h[i] >> 16);
        out[4 * i + 3] = (uint8_t)(c->h[i] >> 24);
    }
}

void sipua__md5(const void *data, size_t len, uint8_t out[SIPUA__MD5_LEN])
{
    sipua__md5_ctx c;
    sipua__md5_init(&c);
    sipua__md5_update(&c, data, len);
    sipua__md5_final(&c, out);
}
