/* SHA-256 and SHA-512 as FIPS 180-4 sections 6.2 and 6.4 describe them:
 * a 16-word message schedule kept in a ring, big-endian words. The round
 * constants are those of FIPS 180-4 4.2.2 and 4.2.3 (the fractional parts of
 * the cube roots of the first 64 and 80 primes). */
#include "base/sha256.h"

#include "base/mdblock.h"

#include <string.h>

static const uint32_t K256[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u,
    0xab1c5ed5u, 0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu,
    0x9bdc06a7u, 0xc19bf174u, 0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu,
    0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau, 0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u,
    0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u, 0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu,
    0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u, 0xa2bfe8a1u, 0xa81a664bu,
    0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u, 0x19a4c116u,
    0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
    0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u,
    0xc67178f2u,
};

static const uint64_t K512[80] = {
    0x428a2f98d728ae22u, 0x7137449123ef65cdu, 0xb5c0fbcfec4d3b2fu, 0xe9b5dba58189dbbcu,
    0x3956c25bf348b538u, 0x59f111f1b605d019u, 0x923f82a4af194f9bu, 0xab1c5ed5da6d8118u,
    0xd807aa98a3030242u, 0x12835b0145706fbeu, 0x243185be4ee4b28cu, 0x550c7dc3d5ffb4e2u,
    0x72be5d74f27b896fu, 0x80deb1fe3b1696b1u, 0x9bdc06a725c71235u, 0xc19bf174cf692694u,
    0xe49b69c19ef14ad2u, 0xefbe4786384f25e3u, 0x0fc19dc68b8cd5b5u, 0x240ca1cc77ac9c65u,
    0x2de92c6f592b0275u, 0x4a7484aa6ea6e483u, 0x5cb0a9dcbd41fbd4u, 0x76f988da831153b5u,
    0x983e5152ee66dfabu, 0xa831c66d2db43210u, 0xb00327c898fb213fu, 0xbf597fc7beef0ee4u,
    0xc6e00bf33da88fc2u, 0xd5a79147930aa725u, 0x06ca6351e003826fu, 0x142929670a0e6e70u,
    0x27b70a8546d22ffcu, 0x2e1b21385c26c926u, 0x4d2c6dfc5ac42aedu, 0x53380d139d95b3dfu,
    0x650a73548baf63deu, 0x766a0abb3c77b2a8u, 0x81c2c92e47edaee6u, 0x92722c851482353bu,
    0xa2bfe8a14cf10364u, 0xa81a664bbc423001u, 0xc24b8b70d0f89791u, 0xc76c51a30654be30u,
    0xd192e819d6ef5218u, 0xd69906245565a910u, 0xf40e35855771202au, 0x106aa07032bbd1b8u,
    0x19a4c116b8d2d0c8u, 0x1e376c085141ab53u, 0x2748774cdf8eeb99u, 0x34b0bcb5e19b48a8u,
    0x391c0cb3c5c95a63u, 0x4ed8aa4ae3418acbu, 0x5b9cca4f7763e373u, 0x682e6ff3d6b2b8a3u,
    0x748f82ee5defb2fcu, 0x78a5636f43172f60u, 0x84c87814a1f0ab72u, 0x8cc702081a6439ecu,
    0x90befffa23631e28u, 0xa4506cebde82bde9u, 0xbef9a3f7b2c67915u, 0xc67178f2e372532bu,
    0xca273eceea26619cu, 0xd186b8c721c0c207u, 0xeada7dd6cde0eb1eu, 0xf57d4f7fee6ed178u,
    0x06f067aa72176fbau, 0x0a637dc5a2c898a6u, 0x113f9804bef90daeu, 0x1b710b35131c471bu,
    0x28db77f523047d84u, 0x32caab7b40c72493u, 0x3c9ebe0a15c9bebcu, 0x431d67c49c100d4cu,
    0x4cc5d4becb3e42b6u, 0x597f299cfc657e2au, 0x5fcb6fab3ad6faecu, 0x6c44198c4a475817u,
};

static uint32_t ror32(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32 - n));
}

static uint64_t ror64(uint64_t x, unsigned n)
{
    return (x >> n) | (x << (64 - n));
}

/* FIPS 180-4 6.2.2 */
static void compress256(void *state, const uint8_t *block)
{
    uint32_t *h = state, w[16], v[8];
    for (int i = 0; i < 16; i++) {
        const uint8_t *p = block + 4 * i;
        w[i] = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
    }
    memcpy(v, h, sizeof v);
    for (int t = 0; t < 64; t++) {
        if (t >= 16) {
            uint32_t w15 = w[(t + 1) & 15], w2 = w[(t + 14) & 15];
            uint32_t s0 = ror32(w15, 7) ^ ror32(w15, 18) ^ (w15 >> 3);
            uint32_t s1 = ror32(w2, 17) ^ ror32(w2, 19) ^ (w2 >> 10);
            w[t & 15] += s0 + w[(t + 9) & 15] + s1;
        }
        uint32_t e = v[4], a = v[0];
        uint32_t t1 = v[7] + (ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25)) +
                      ((e & v[5]) ^ (~e & v[6])) + K256[t] + w[t & 15];
        uint32_t t2 =
            (ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22)) + ((a & v[1]) ^ (a & v[2]) ^ (v[1] & v[2]));
        memmove(v + 1, v, 7 * sizeof v[0]);
        v[4] += t1;
        v[0] = t1 + t2;
    }
    for (int i = 0; i < 8; i++)
        h[i] += v[i];
}

/* FIPS 180-4 6.4.2 */
static void compress512(void *state, const uint8_t *block)
{
    uint64_t *h = state, w[16], v[8];
    for (int i = 0; i < 16; i++) {
        uint64_t x = 0;
        for (int j = 0; j < 8; j++)
            x = x << 8 | block[8 * i + j];
        w[i] = x;
    }
    memcpy(v, h, sizeof v);
    for (int t = 0; t < 80; t++) {
        if (t >= 16) {
            uint64_t w15 = w[(t + 1) & 15], w2 = w[(t + 14) & 15];
            uint64_t s0 = ror64(w15, 1) ^ ror64(w15, 8) ^ (w15 >> 7);
            uint64_t s1 = ror64(w2, 19) ^ ror64(w2, 61) ^ (w2 >> 6);
            w[t & 15] += s0 + w[(t + 9) & 15] + s1;
        }
        uint64_t e = v[4], a = v[0];
        uint64_t t1 = v[7] + (ror64(e, 14) ^ ror64(e, 18) ^ ror64(e, 41)) +
                      ((e & v[5]) ^ (~e & v[6])) + K512[t] + w[t & 15];
        uint64_t t2 = (ror64(a, 28) ^ ror64(a, 34) ^ ror64(a, 39)) +
                      ((a & v[1]) ^ (a & v[2]) ^ (v[1] & v[2]));
        memmove(v + 1, v, 7 * sizeof v[0]);
        v[4] += t1;
        v[0] = t1 + t2;
    }
    for (int i = 0; i < 8; i++)
        h[i] += v[i];
}

static sipua__mdblock blocks256(sipua__sha256_ctx *c)
{
    sipua__mdblock m = {c->block, sizeof c->block, &c->used, &c->total, compress256, c->h};
    return m;
}

static sipua__mdblock blocks512(sipua__sha512_ctx *c)
{
    sipua__mdblock m = {c->block, sizeof c->block, &c->used, &c->total, compress512, c->h};
    return m;
}

void sipua__sha256_init(sipua__sha256_ctx *c)
{
    /* FIPS 180-4 5.3.3 */
    static const uint32_t iv[8] = {0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
                                   0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u};
    memcpy(c->h, iv, sizeof iv);
    c->total = 0;
    c->used = 0;
}

void sipua__sha256_update(sipua__sha256_ctx *c, const void *data, size_t len)
{
    sipua__mdblock m = blocks256(c);
    sipua__mdblock_update(&m, data, len);
}

void sipua__sha256_final(sipua__sha256_ctx *c, uint8_t out[SIPUA__SHA256_LEN])
{
    sipua__mdblock m = blocks256(c);
    sipua__mdblock_pad(&m, 0);
    for (int i = 0; i < 32; i++)
        out[i] = (uint8_t)(c->h[i / 4] >> (24 - 8 * (i % 4)));
}

void sipua__sha256(const void *data, size_t len, uint8_t out[SIPUA__SHA256_LEN])
{
    sipua__sha256_ctx c;
    sipua__sha256_init(&c);
    sipua__sha256_update(&c, data, len);
    sipua__sha256_final(&c, out);
}

static void init512(sipua__sha512_ctx *c, const uint64_t iv[8], size_t outlen)
{
    memcpy(c->h, iv, sizeof c->h);
    c->total = 0;
    c->used = 0;
    c->outlen = outlen;
}

void sipua__sha512_init(sipua__sha512_ctx *c)
{
    /* FIPS 180-4 5.3.5 */
    static const uint64_t iv[8] = {0x6a09e667f3bcc908u, 0xbb67ae8584caa73bu, 0x3c6ef372fe94f82bu,
                                   0xa54ff53a5f1d36f1u, 0x510e527fade682d1u, 0x9b05688c2b3e6c1fu,
                                   0x1f83d9abfb41bd6bu, 0x5be0cd19137e2179u};
    init512(c, iv, SIPUA__SHA512_LEN);
}

void sipua__sha512_256_init(sipua__sha512_ctx *c)
{
    /* FIPS 180-4 5.3.6.2 */
    static const uint64_t iv[8] = {0x22312194fc2bf72cu, 0x9f555fa3c84c64c2u, 0x2393b86b6f53b151u,
                                   0x963877195940eabdu, 0x96283ee2a88effe3u, 0xbe5e1e2553863992u,
                                   0x2b0199fc2c85b8aau, 0x0eb72ddc81c52ca2u};
    init512(c, iv, SIPUA__SHA512_256_LEN);
}

void sipua__sha512_update(sipua__sha512_ctx *c, const void *data, size_t len)
{
    sipua__mdblock m = blocks512(c);
    sipua__mdblock_update(&m, data, len);
}

void sipua__sha512_final(sipua__sha512_ctx *c, uint8_t *out)
{
    sipua__mdblock m = blocks512(c);
    sipua__mdblock_pad(&m, 0);
    for (size_t i = 0; i < c->outlen; i++)
        out[i] = (uint8_t)(c->h[i / 8] >> (56 - 8 * (i % 8)));
}

void sipua__sha512(const void *data, size_t len, uint8_t out[SIPUA__SHA512_LEN])
{
    sipua__sha512_ctx c;
    sipua__sha512_init(&c);
    sipua__sha512_update(&c, data, len);
    sipua__sha512_final(&c, out);
}

void sipua__sha512_256(const void *data, size_t len, uint8_t out[SIPUA__SHA512_256_LEN])
{
    sipua__sha512_ctx c;
    sipua__sha512_256_init(&c);
    sipua__sha512_update(&c, data, len);
    sipua__sha512_final(&c, out);
}
