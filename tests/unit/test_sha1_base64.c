/* SHA-1 against the FIPS 180 / RFC 3174 test vectors, base64 against RFC
 * 4648 section 10, and the two together on RFC 6455's accept key. */
#include "testutil.h"

#include "base/base64.h"
#include "base/sha1.h"

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
static void check_sha1(const char *s, size_t repeat, size_t piece, const char *want)
{
    sipua__sha1_ctx c;
    sipua__sha1_init(&c);
    size_t n = strlen(s);
    for (size_t r = 0; r < repeat; r++)
        for (size_t i = 0; i < n; i += piece)
            sipua__sha1_update(&c, s + i, n - i < piece ? n - i : piece);
    uint8_t d[SIPUA__SHA1_LEN];
    char got[41];
    sipua__sha1_final(&c, d);
    hex(d, sizeof d, got);
    assert_string_equal(got, want);
}

static void test_rfc3174_vectors(void **state)
{
    (void)state;
    static const size_t pieces[] = {1, 3, 63, 64, 65, 1000};
    for (size_t k = 0; k < sizeof pieces / sizeof pieces[0]; k++) {
        size_t p = pieces[k];
        check_sha1("abc", 1, p, "a9993e364706816aba3e25717850c26c9cd0d89d");
        check_sha1("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1, p,
                   "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
        check_sha1("0123456701234567012345670123456701234567012345670123456701234567", 10, p,
                   "dea356a2cddd90c7a7ecedc5ebb563934f460452");
    }
    check_sha1("a", 1000000, 1, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

static void test_sha1_empty_and_padding_edges(void **state)
{
    (void)state;
    check_sha1("", 1, 1, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    /* 55, 56 and 64 bytes: the length fits the first block, just does not,
     * and a full block of padding follows */
    check_sha1("a", 55, 1, "c1c8bbdc22796e28c0e15163d20899b65621d65a");
    check_sha1("a", 56, 1, "c2db330f6083854c99d4b5bfb6e8f29f201be699");
    check_sha1("a", 64, 1, "0098ba824b5c16427bd7a1122a5a442a25ec644d");
    uint8_t d[SIPUA__SHA1_LEN];
    char got[41];
    sipua__sha1("abc", 3, d);
    hex(d, sizeof d, got);
    assert_string_equal(got, "a9993e364706816aba3e25717850c26c9cd0d89d");
}

static void test_rfc4648_10_encode(void **state)
{
    (void)state;
    static const char *const vec[][2] = {{"", ""},
                                         {"f", "Zg=="},
                                         {"fo", "Zm8="},
                                         {"foo", "Zm9v"},
                                         {"foob", "Zm9vYg=="},
                                         {"fooba", "Zm9vYmE="},
                                         {"foobar", "Zm9vYmFy"}};
    for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) {
        char out[16];
        size_t n = strlen(vec[i][0]);
        assert_int_equal(SIPUA__BASE64_LEN(n), strlen(vec[i][1]));
        size_t w = sipua__base64_encode((const uint8_t *)vec[i][0], n, out);
        assert_int_equal(w, strlen(vec[i][1]));
        assert_memory_equal(out, vec[i][1], w);
        uint8_t back[8];
        int r = sipua__base64_decode(vec[i][1], w, back, sizeof back);
        assert_int_equal(r, (int)n);
        if (n)
            assert_memory_equal(back, vec[i][0], n);
    }
}

static void test_base64_all_bytes_round_trip(void **state)
{
    (void)state;
    uint8_t in[256], back[256];
    char enc[SIPUA__BASE64_LEN(256)];
    for (int i = 0; i < 256; i++)
        in[i] = (uint8_t)i;
    for (size_t n = 0; n <= 256; n++) {
        size_t w = sipua__base64_encode(in, n, enc);
        assert_int_equal(w, SIPUA__BASE64_LEN(n));
        assert_int_equal(sipua__base64_decode(enc, w, back, sizeof back), (int)n);
        assert_memory_equal(back, in, n);
    }
}

static void test_base64_decode_rejects(void **state)
{
    (void)state;
    uint8_t out[16];
    static const char *const bad[] = {
        "Zg=",      /* length not a multiple of 4 */
        "Zg",       /* unpadded */
        "Z===",     /* three pads */
        "Zg==Zg==", /* padding in the middle */
        "Zh==",     /* non-zero bits after the last byte */
        "Zm9=",     /* the same with one pad */
        "Zm 9",     /* white space */
        "Zm-v",     /* URL-safe alphabet is not this one */
        "=Zm9",     /* padding first */
        "Z=m9",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        check_rc_named(sipua__base64_decode(bad[i], strlen(bad[i]), out, sizeof out), SIPUA_EPARSE,
                       bad[i], 1, sipua_err_name, __FILE__, __LINE__);
    assert_int_equal(sipua__base64_decode("Zm9vYmFy", 8, out, 5), SIPUA_ENOSPC);
    assert_int_equal(sipua__base64_decode("Zm9vYmFy", 8, out, 6), 6);
}

/* RFC 6455 1.3: the key "dGhlIHNhbXBsZSBub25jZQ==" with the GUID hashes to
 * "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=". */
static void test_rfc6455_1_3_accept_example(void **state)
{
    (void)state;
    const char *s = "dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    uint8_t d[SIPUA__SHA1_LEN];
    char out[SIPUA__BASE64_LEN(SIPUA__SHA1_LEN) + 1];
    sipua__sha1(s, strlen(s), d);
    out[sipua__base64_encode(d, sizeof d, out)] = 0;
    assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc3174_vectors),
        cmocka_unit_test(test_sha1_empty_and_padding_edges),
        cmocka_unit_test(test_rfc4648_10_encode),
        cmocka_unit_test(test_base64_all_bytes_round_trip),
        cmocka_unit_test(test_base64_decode_rejects),
        cmocka_unit_test(test_rfc6455_1_3_accept_example),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
