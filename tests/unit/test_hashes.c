/* MD5 against RFC 1321 A.5, SHA-256 and SHA-512/256 (and the SHA-512 core
 * under it) against FIPS 180-4's examples as NIST publishes them, each fed
 * whole and in pieces that straddle the block boundary. The padding-edge
 * values were computed with python3 hashlib (md5, sha256, sha512_256). */
#include "testutil.h"

#include "base/md5.h"
#include "base/sha256.h"

enum { MD5, SHA256, SHA512, SHA512_256 };

static void hex(const uint8_t *d, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[2 * n] = 0;
}

/* The digest of `repeat` copies of s, fed in pieces of `piece` bytes. */
static void check(int alg, const char *s, size_t repeat, size_t piece, const char *want)
{
    sipua__md5_ctx m;
    sipua__sha256_ctx s256;
    sipua__sha512_ctx s512;
    switch (alg) {
    case MD5: sipua__md5_init(&m); break;
    case SHA256: sipua__sha256_init(&s256); break;
    case SHA512: sipua__sha512_init(&s512); break;
    default: sipua__sha512_256_init(&s512); break;
    }
    size_t n = strlen(s);
    for (size_t r = 0; r < repeat; r++)
        for (size_t i = 0; i < n; i += piece) {
            size_t k = n - i < piece ? n - i : piece;
            switch (alg) {
            case MD5: sipua__md5_update(&m, s + i, k); break;
            case SHA256: sipua__sha256_update(&s256, s + i, k); break;
            default: sipua__sha512_update(&s512, s + i, k); break;
            }
        }
    uint8_t d[SIPUA__SHA512_LEN];
    size_t len;
    switch (alg) {
    case MD5:
        sipua__md5_final(&m, d);
        len = SIPUA__MD5_LEN;
        break;
    case SHA256:
        sipua__sha256_final(&s256, d);
        len = SIPUA__SHA256_LEN;
        break;
    default:
        sipua__sha512_final(&s512, d);
        len = s512.outlen;
        break;
    }
    char got[2 * SIPUA__SHA512_LEN + 1];
    hex(d, len, got);
    assert_string_equal(got, want);
}

/* The one-shot function on one buffer. */
static void check_oneshot(int alg, const char *s, const char *want)
{
    uint8_t d[SIPUA__SHA512_LEN];
    size_t n = strlen(s), len = SIPUA__SHA256_LEN;
    switch (alg) {
    case MD5:
        sipua__md5(s, n, d);
        len = SIPUA__MD5_LEN;
        break;
    case SHA256: sipua__sha256(s, n, d); break;
    case SHA512:
        sipua__sha512(s, n, d);
        len = SIPUA__SHA512_LEN;
        break;
    default: sipua__sha512_256(s, n, d); break;
    }
    char got[2 * SIPUA__SHA512_LEN + 1];
    hex(d, len, got);
    assert_string_equal(got, want);
}

typedef struct vector {
    const char *msg;
    size_t repeat;
    const char *want;
} vector;

/* Every vector fed whole, one-shot, and in pieces around the block sizes. */
static void check_all(int alg, const vector *v, size_t n)
{
    static const size_t pieces[] = {1, 3, 63, 64, 65, 127, 128, 129, 1000};
    for (size_t i = 0; i < n; i++) {
        if (v[i].repeat > 1) {
            check(alg, v[i].msg, v[i].repeat, 1, v[i].want);
            continue;
        }
        check_oneshot(alg, v[i].msg, v[i].want);
        for (size_t k = 0; k < sizeof pieces / sizeof pieces[0]; k++)
            check(alg, v[i].msg, 1, pieces[k], v[i].want);
    }
}

#define CHECK_ALL(alg, vec) check_all((alg), (vec), sizeof(vec) / sizeof((vec)[0]))

#define MSG448 "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
#define MSG896                                                                                     \
    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"                                     \
    "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"

static void test_rfc1321_a5_suite(void **state)
{
    (void)state;
    static const vector vec[] = {
        {"", 1, "d41d8cd98f00b204e9800998ecf8427e"},
        {"a", 1, "0cc175b9c0f1b6a831c399e269772661"},
        {"abc", 1, "900150983cd24fb0d6963f7d28e17f72"},
        {"message digest", 1, "f96b697d7cb7938d525a2f31aaf161d0"},
        {"abcdefghijklmnopqrstuvwxyz", 1, "c3fcd3d76192e4007dfb496cca67e13b"},
        {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 1,
         "d174ab98d277d9f5a5611c2c9f419d9f"},
        {"1234567890", 8, "57edf4a22be3c955ac49da2e2107b67a"},
    };
    CHECK_ALL(MD5, vec);
}

static void test_fips180_sha256_examples(void **state)
{
    (void)state;
    static const vector vec[] = {
        {"abc", 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {MSG448, 1, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
        {"a", 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
        {"", 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    };
    CHECK_ALL(SHA256, vec);
}

static void test_fips180_sha512_core(void **state)
{
    (void)state;
    static const vector vec[] = {
        {"abc", 1,
         "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
         "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"},
        {MSG896, 1,
         "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
         "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909"},
        {"a", 1000000,
         "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973eb"
         "de0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b"},
        {"", 1,
         "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
         "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"},
    };
    CHECK_ALL(SHA512, vec);
}

static void test_fips180_sha512_256_examples(void **state)
{
    (void)state;
    static const vector vec[] = {
        {"abc", 1, "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23"},
        {MSG896, 1, "3928e184fb8690f840da3988121d31be65cb9d3ef83ee6146feac861e19b563a"},
        {"a", 1000000, "9a59a052930187a97038cae692f30708aa6491923ef5194394dc68d56c74fb21"},
        {"", 1, "c672b8d1ef56ed28ab87c3622c5114069bdd3ad7b8f9737498d0c01ecef0967a"},
    };
    CHECK_ALL(SHA512_256, vec);
}

/* Lengths where the 0x80 and the length field just fit one block, just do
 * not, and where a whole block of padding follows: 55/56/64 for 64-byte
 * blocks, 111/112/128 for SHA-512's 128-byte ones. */
static void test_padding_edges(void **state)
{
    (void)state;
    static const struct {
        size_t n;
        const char *md5, *sha256, *sha512_256;
    } vec[] = {
        {55, "ef1772b6dff9a122358552954ad0df65",
         "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318",
         "f6513468f05e7cec7d52fc337ef79dfa7c82520268d3aeba4002ead9a5642916"},
        {56, "3b0c8ac703f828b04c6c197006d17218",
         "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a",
         "baa8bd7fb02a11878c6a1d5400f06ec5d96cd6f566da032f8dcbb602beea4ca5"},
        {64, "014842d480b571495a4a0363793f7367",
         "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb",
         "2c3fa8f196f2aac65f15166666ecc77bd9fe195bae83ef06bb75c7857c163db9"},
        {111, "089f243d1e831c5879aa375ee364a06e",
         "6374f73208854473827f6f6a3f43b1f53eaa3b82c21c1a6d69a2110b2a79baad",
         "0239e429f98d0ed61ee8e2a7c30afe98c1c3a80ce5dff62a107e9c538f7632ce"},
        {112, "9146ef3527c7cfcc66dc615c3986e391",
         "f54353008a2553262ecdc4a34749563ba0950e8b0fc8652780b0a614b99683c1",
         "9216b5303edb66504570bee90e48ea5beaa5e9fe9f760bbd3e0460559fc005f6"},
        {128, "e510683b3f5ffe4093d021808bc6ff70",
         "6836cf13bac400e9105071cd6af47084dfacad4e5e302c94bfed24e013afb73e",
         "b88f97e274f9c1d49f181c8cbd01a9c74930ad055a46ac4499a1d601f1c80bf2"},
    };
    for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) {
        check(MD5, "a", vec[i].n, 1, vec[i].md5);
        check(SHA256, "a", vec[i].n, 1, vec[i].sha256);
        check(SHA512_256, "a", vec[i].n, 1, vec[i].sha512_256);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc1321_a5_suite),
        cmocka_unit_test(test_fips180_sha256_examples),
        cmocka_unit_test(test_fips180_sha512_core),
        cmocka_unit_test(test_fips180_sha512_256_examples),
        cmocka_unit_test(test_padding_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
