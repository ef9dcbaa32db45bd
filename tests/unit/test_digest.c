/* Digest authentication: the request-digest against RFC 7616 3.9.1 and RFC
 * 2617 3.5, SIP requests under every algorithm and qop, the credentials a
 * challenge gets, the algorithm chooser, quoting, and the server's check.
 *
 * The SIP values were computed with python3 hashlib, following RFC 7616
 * 3.4.1 (h is md5, sha256 or sha512_256 as hexdigest; the -sess forms
 * re-hash HA1 with nonce and cnonce):
 *   ha1 = h(f"{user}:{realm}:{pw}")
 *   ha1 = h(f"{ha1}:{nonce}:{cnonce}")                  # -sess
 *   ha2 = h(f"{method}:{uri}") or h(f"{method}:{uri}:{h(body)}")  # auth-int
 *   resp = h(f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}") or h(f"{ha1}:{nonce}:{ha2}")
 * The same script reproduces the RFC 7616 and RFC 2617 values below. */
#include "testutil.h"

#include "sipua/auth.h"

static sipua_digest_params params(sipua_digest_alg alg, sipua_digest_qop qop, const char *user,
                                  const char *realm, const char *pw, const char *method,
                                  const char *uri, const char *nonce, const char *cnonce)
{
    sipua_digest_params p;
    sipua_digest_params_init(&p);
    p.alg = alg;
    p.qop = qop;
    p.username = span(user);
    p.realm = span(realm);
    p.password = span(pw);
    p.method = span(method);
    p.uri = span(uri);
    p.nonce = span(nonce);
    p.cnonce = span(cnonce);
    p.nc = span("00000001");
    return p;
}

static void check_response(const sipua_digest_params *p, const char *want)
{
    char out[SIPUA_DIGEST_HEX_MAX + 1];
    assert_int_equal(sipua_digest_response(p, out, sizeof out), (int)strlen(want));
    assert_string_equal(out, want);
}

/* RFC 7616 3.9.1: the same request under MD5 and SHA-256. */
static void test_rfc7616_3_9_1_example(void **state)
{
    (void)state;
    sipua_digest_params p = params(
        SIPUA_DIGEST_MD5, SIPUA_DIGEST_QOP_AUTH, "Mufasa", "http-auth@example.org",
        "Circle of Life", "GET", "/dir/index.html", "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
        "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ");
    check_response(&p, "8ca523f5e9506fed4657c9700eebdbec");
    p.alg = SIPUA_DIGEST_SHA256;
    check_response(&p, "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
}

/* RFC 2617 3.5 */
static void test_rfc2617_3_5_example(void **state)
{
    (void)state;
    sipua_digest_params p = params(SIPUA_DIGEST_MD5, SIPUA_DIGEST_QOP_AUTH, "Mufasa",
                                   "testrealm@host.com", "Circle Of Life", "GET", "/dir/index.html",
                                   "dcd98b7102dd2f0e8b11d0f600bfb0c093", "0a4f113b");
    check_response(&p, "6629fae49393a05397450978507c4ef1");
}

/* bob:biloxi.com:zanzibar, INVITE sip:bob@biloxi.com (RFC 3261 22.4's
 * user), body "v=0\r\n" for auth-int, cnonce 0a4f113b, nc 00000001. */
static void test_rfc7616_3_4_sip_invite_every_algorithm(void **state)
{
    (void)state;
    static const struct {
        sipua_digest_alg alg;
        sipua_digest_qop qop;
        const char *want;
    } vec[] = {
        {SIPUA_DIGEST_MD5, SIPUA_DIGEST_QOP_NONE, "bf57e4e0d0bffc0fbaedce64d59add5e"},
        {SIPUA_DIGEST_MD5, SIPUA_DIGEST_QOP_AUTH, "89eb0059246c02b2f6ee02c7961d5ea3"},
        {SIPUA_DIGEST_MD5, SIPUA_DIGEST_QOP_AUTH_INT, "77226bb823dc077c1ad3537415667bae"},
        {SIPUA_DIGEST_MD5_SESS, SIPUA_DIGEST_QOP_AUTH, "e4e4ea61d186d07a92c9e1f6919902e9"},
        {SIPUA_DIGEST_MD5_SESS, SIPUA_DIGEST_QOP_AUTH_INT, "8527c9ab1b4eed3fd75491f811944e26"},
        {SIPUA_DIGEST_SHA256, SIPUA_DIGEST_QOP_NONE,
         "38aad98c50c33abe72c5f88dd17246ffcfa6b1f68852c855719ff0659386c0ca"},
        {SIPUA_DIGEST_SHA256, SIPUA_DIGEST_QOP_AUTH,
         "b3b5a6c69453abafaab9ae4dccdac90a076b6c80615d5f3498e7433b6e93bf4f"},
        {SIPUA_DIGEST_SHA256, SIPUA_DIGEST_QOP_AUTH_INT,
         "554a9ffe79ce71c3cb6c9630deddd2787d8033f895e5cdef6a73c8e84ed4c979"},
        {SIPUA_DIGEST_SHA256_SESS, SIPUA_DIGEST_QOP_AUTH,
         "5da59c9ca40954be9d5063a15a174066c8251be2c10cf47c144c366dc7daf792"},
        {SIPUA_DIGEST_SHA256_SESS, SIPUA_DIGEST_QOP_AUTH_INT,
         "0b4a1efc19e1b701ec5775b6b16dde0fc416102e34a6c5bd6f957b20b5d79170"},
        {SIPUA_DIGEST_SHA512_256, SIPUA_DIGEST_QOP_NONE,
         "9e960b3a01beb63f1ea5d45d43bd8a2178879d3c9ddbbdb0624187ca823c6eca"},
        {SIPUA_DIGEST_SHA512_256, SIPUA_DIGEST_QOP_AUTH,
         "7f1a09de0f19af0a1eac2b28d33e3f2fb89cca1ad8fb01bba5e1883b288bac14"},
        {SIPUA_DIGEST_SHA512_256, SIPUA_DIGEST_QOP_AUTH_INT,
         "e9a7fbc1c80a10421c59a0c982f28d40e0ddc7b62ef3dc4faf68f179c6e05922"},
        {SIPUA_DIGEST_SHA512_256_SESS, SIPUA_DIGEST_QOP_AUTH,
         "077d9677be83f41f162d1a4453dc163389919f81e5927391d972f477da767633"},
        {SIPUA_DIGEST_SHA512_256_SESS, SIPUA_DIGEST_QOP_AUTH_INT,
         "0220683d8c9faccc1d05bd2ef0e7ccdff87eacd5f06fb6bfd9cd7d3acf66a00b"},
    };
    for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) {
        sipua_digest_params p =
            params(vec[i].alg, vec[i].qop, "bob", "biloxi.com", "zanzibar", "INVITE",
                   "sip:bob@biloxi.com", "dcd98b7102dd2f0e8b11d0f600bfb0c093", "0a4f113b");
        p.body = span("v=0\r\n");
        check_response(&p, vec[i].want);
    }
}

static void test_digest_response_errors(void **state)
{
    (void)state;
    char out[SIPUA_DIGEST_HEX_MAX + 1];
    sipua_digest_params ok = params(SIPUA_DIGEST_SHA256, SIPUA_DIGEST_QOP_AUTH, "bob", "biloxi.com",
                                    "zanzibar", "INVITE", "sip:bob@biloxi.com", "n", "c"),
                        p;
    assert_int_equal(sipua_digest_response(&ok, out, sizeof out), 64);
    assert_int_equal(sipua_digest_response(&ok, out, 64), SIPUA_ENOSPC);
    assert_int_equal(sipua_digest_response(NULL, out, sizeof out), SIPUA_EINVAL);
    assert_int_equal(sipua_digest_response(&ok, NULL, sizeof out), SIPUA_EINVAL);
    p = ok;
    p.version = 99;
    assert_int_equal(sipua_digest_response(&p, out, sizeof out), SIPUA_EINVAL);
    p = ok;
    p.alg = (sipua_digest_alg)0;
    assert_int_equal(sipua_digest_response(&p, out, sizeof out), SIPUA_EINVAL);
    p = ok;
    p.qop = (sipua_digest_qop)3;
    assert_int_equal(sipua_digest_response(&p, out, sizeof out), SIPUA_EINVAL);
    p = ok;
    p.nonce = (sipua_str){NULL, 0};
    assert_int_equal(sipua_digest_response(&p, out, sizeof out), SIPUA_EINVAL);
    p = ok;
    p.cnonce = (sipua_str){NULL, 0};
    assert_int_equal(sipua_digest_response(&p, out, sizeof out), SIPUA_EINVAL);
    p.qop = SIPUA_DIGEST_QOP_NONE; /* no qop: no cnonce needed... */
    assert_int_equal(sipua_digest_response(&p, out, sizeof out), 64);
    p.alg = SIPUA_DIGEST_SHA256_SESS; /* ...unless -sess puts it in A1 */
    assert_int_equal(sipua_digest_response(&p, out, sizeof out), SIPUA_EINVAL);
    static const char *const bad_nc[] = {"1", "0000001", "000000001", "0000000g", "0000 001"};
    for (size_t i = 0; i < sizeof bad_nc / sizeof bad_nc[0]; i++) {
        p = ok;
        p.nc = span(bad_nc[i]);
        assert_int_equal(sipua_digest_response(&p, out, sizeof out), SIPUA_EINVAL);
    }
    p = ok;
    p.nc = span("0000002A"); /* LHEX in RFC 7616, but be lenient on case */
    assert_int_equal(sipua_digest_response(&p, out, sizeof out), 64);
}

static void test_rfc8760_algorithm_names(void **state)
{
    (void)state;
    static const char *const names[] = {"MD5",          "MD5-sess",    "SHA-256",
                                        "SHA-256-sess", "SHA-512-256", "SHA-512-256-sess"};
    for (int a = SIPUA_DIGEST_MD5; a <= SIPUA_DIGEST_SHA512_256_SESS; a++) {
        assert_string_equal(sipua_digest_alg_name((sipua_digest_alg)a), names[a - 1]);
        assert_int_equal(sipua_digest_alg_from_str(span(names[a - 1])), a);
    }
    assert_int_equal(sipua_digest_alg_from_str(span("sha-512-256-SESS")),
                     SIPUA_DIGEST_SHA512_256_SESS);
    assert_int_equal(sipua_digest_alg_from_str((sipua_str){NULL, 0}), SIPUA_DIGEST_MD5);
    assert_int_equal(sipua_digest_alg_from_str(span("AKAv1-MD5")), SIPUA_ENOTFOUND);
    assert_int_equal(sipua_digest_alg_from_str(span("SHA-512")), SIPUA_ENOTFOUND);
    assert_int_equal(sipua_digest_alg_from_str(span("")), SIPUA_ENOTFOUND);
    assert_null(sipua_digest_alg_name((sipua_digest_alg)0));
    assert_null(sipua_digest_alg_name((sipua_digest_alg)7));
}

/* ------------------------------------------------------------------ */
/* Client                                                              */

static sipua_auth parsed(const char *text)
{
    sipua_auth a;
    assert_int_equal(sipua_auth_parse(span(text), &a), 0);
    return a;
}

static sipua_auth_creds_opts creds_opts(const char *method, const char *uri, const char *user,
                                        const char *pw)
{
    sipua_auth_creds_opts o;
    sipua_auth_creds_opts_init(&o);
    assert_int_equal(o.nc, 1);
    o.method = span(method);
    o.uri = span(uri);
    o.username = span(user);
    o.password = span(pw);
    o.cnonce = span("0a4f113b");
    return o;
}

/* RFC 8760 2.4: one 401 with SHA-512-256, SHA-256 and MD5 challenges is
 * answered with SHA-512-256; unknown schemes and algorithms are skipped. */
static void test_rfc8760_2_4_choose_strongest(void **state)
{
    (void)state;
    sipua_auth c[6];
    c[0] = parsed("Digest realm=\"a\", nonce=\"1\"");
    c[1] = parsed("Digest realm=\"a\", nonce=\"2\", algorithm=SHA-256");
    c[2] = parsed("Basic realm=\"a\"");
    c[3] = parsed("Digest realm=\"a\", nonce=\"3\", algorithm=SHA-512-256-sess, qop=\"auth\"");
    c[4] = parsed("Digest realm=\"a\", nonce=\"4\", algorithm=SHA-512-256");
    c[5] = parsed("Digest realm=\"a\", nonce=\"5\", algorithm=AKAv1-MD5");
    assert_int_equal(sipua_auth_choose(c, 6), 3); /* first among equals */
    assert_int_equal(sipua_auth_choose(c, 3), 1);
    assert_int_equal(sipua_auth_choose(c, 1), 0);
    assert_int_equal(sipua_auth_choose(c + 2, 1), SIPUA_ENOTFOUND);
    assert_int_equal(sipua_auth_choose(c + 5, 1), SIPUA_ENOTFOUND);
    assert_int_equal(sipua_auth_choose(c, 0), SIPUA_ENOTFOUND);
    assert_int_equal(sipua_auth_choose(NULL, 2), SIPUA_ENOTFOUND);
    c[0] = parsed("Digest realm=\"a\""); /* no nonce: nothing to answer */
    assert_int_equal(sipua_auth_choose(c, 1), SIPUA_ENOTFOUND);
}

/* A REGISTER answering a SHA-256 challenge with opaque and qop options. */
static void test_rfc3261_22_2_register_credentials(void **state)
{
    (void)state;
    sipua_auth c = parsed("Digest realm=\"atlanta.com\", "
                          "nonce=\"84a4cc6f3082121f32b42a2187831a9e\", "
                          "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\", qop=\"auth,auth-int\", "
                          "algorithm=SHA-256");
    sipua_auth_creds_opts o = creds_opts("REGISTER", "sip:atlanta.com", "alice", "secret");
    char out[512];
    static const char want[] =
        "Digest username=\"alice\", realm=\"atlanta.com\", "
        "nonce=\"84a4cc6f3082121f32b42a2187831a9e\", uri=\"sip:atlanta.com\", "
        "response=\"2c21dc5d2a23e809b5ff9fef780da1d7e7ae665053e718894b28acc5e55494d1\", "
        "algorithm=SHA-256, cnonce=\"0a4f113b\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\", "
        "qop=auth, nc=00000001";
    assert_int_equal(sipua_auth_credentials(&c, &o, out, sizeof out), (int)strlen(want));
    assert_string_equal(out, want);
    /* exactly enough room, and one byte less */
    assert_int_equal(sipua_auth_credentials(&c, &o, out, sizeof want), (int)strlen(want));
    assert_int_equal(sipua_auth_credentials(&c, &o, out, sizeof want - 1), SIPUA_ENOSPC);
    assert_string_equal(out, "");
}

/* RFC 2069 compatibility: no qop, no algorithm, no opaque in the challenge,
 * none of them (nor cnonce, nc) in the answer. */
static void test_rfc2069_no_qop_credentials(void **state)
{
    (void)state;
    sipua_auth c =
        parsed("Digest realm=\"biloxi.com\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\"");
    sipua_auth_creds_opts o = creds_opts("INVITE", "sip:bob@biloxi.com", "bob", "zanzibar");
    char out[512];
    static const char want[] = "Digest username=\"bob\", realm=\"biloxi.com\", "
                               "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
                               "uri=\"sip:bob@biloxi.com\", "
                               "response=\"bf57e4e0d0bffc0fbaedce64d59add5e\"";
    assert_int_equal(sipua_auth_credentials(&c, &o, out, sizeof out), (int)strlen(want));
    assert_string_equal(out, want);
}

/* auth-int only when asked for (or the only qop) and the body is known. */
static void test_rfc7616_3_4_3_qop_choice(void **state)
{
    (void)state;
    char out[512];
    sipua_auth both = parsed("Digest realm=\"atlanta.com\", nonce=\"abc\", "
                             "algorithm=SHA-512-256, qop=\"auth, auth-int\"");
    sipua_auth only_int =
        parsed("Digest realm=\"atlanta.com\", nonce=\"abc\", algorithm=SHA-512-256, "
               "qop=\"auth-int\"");
    sipua_auth unknown = parsed("Digest realm=\"atlanta.com\", nonce=\"abc\", qop=\"auth-conf\"");
    sipua_auth_creds_opts o = creds_opts("INVITE", "sip:bob@biloxi.com", "alice", "secret");
    o.nc = 42;

    assert_true(sipua_auth_credentials(&both, &o, out, sizeof out) > 0);
    assert_non_null(strstr(out, ", qop=auth, nc=0000002a"));
    o.auth_int = 1; /* asked, but the body is not known */
    assert_true(sipua_auth_credentials(&both, &o, out, sizeof out) > 0);
    assert_non_null(strstr(out, ", qop=auth, nc=0000002a"));
    o.body = span("v=0\r\n");
    assert_true(sipua_auth_credentials(&both, &o, out, sizeof out) > 0);
    assert_non_null(strstr(out, "response=\"c99fb9c6597ff5da2cd69bcea7af4f5b33761c29053939d1703d0"
                                "6dec8586398\""));
    assert_non_null(strstr(out, ", qop=auth-int, nc=0000002a"));
    o.auth_int = 0; /* not asked, but the only one offered */
    assert_true(sipua_auth_credentials(&only_int, &o, out, sizeof out) > 0);
    assert_non_null(strstr(out, ", qop=auth-int, nc=0000002a"));
    o.body = (sipua_str){NULL, 0};
    assert_int_equal(sipua_auth_credentials(&only_int, &o, out, sizeof out), SIPUA_ENOTFOUND);
    assert_int_equal(sipua_auth_credentials(&unknown, &o, out, sizeof out), SIPUA_ENOTFOUND);
}

/* RFC 3261 25.1: `"` and `\` in the username become quoted-pairs; the
 * realm and nonce are echoed as written and hashed unescaped (x"y, n"1). */
static void test_rfc3261_25_1_quoting(void **state)
{
    (void)state;
    sipua_auth c = parsed("Digest realm=\"x\\\"y\", nonce=\"n\\\"1\", qop=\"auth\"");
    sipua_auth_creds_opts o = creds_opts("INVITE", "sip:bob@biloxi.com", "a\"b\\c", "pw");
    char out[512];
    static const char want[] = "Digest username=\"a\\\"b\\\\c\", realm=\"x\\\"y\", "
                               "nonce=\"n\\\"1\", uri=\"sip:bob@biloxi.com\", "
                               "response=\"f7c1cbcc7f1e69c5fb9a09334d14e5ee\", "
                               "cnonce=\"0a4f113b\", qop=auth, nc=00000001";
    assert_int_equal(sipua_auth_credentials(&c, &o, out, sizeof out), (int)strlen(want));
    assert_string_equal(out, want);
    o.username = span("a\x01z"); /* a control character is a quoted-pair too */
    assert_true(sipua_auth_credentials(&c, &o, out, sizeof out) > 0);
    assert_non_null(strstr(out, "username=\"a\\\x01z\""));
}

static void test_credentials_errors(void **state)
{
    (void)state;
    char out[512];
    sipua_auth c = parsed("Digest realm=\"atlanta.com\", nonce=\"abc\", qop=\"auth\"");
    sipua_auth_creds_opts ok = creds_opts("INVITE", "sip:bob@biloxi.com", "alice", "secret"), o;
    assert_true(sipua_auth_credentials(&c, &ok, out, sizeof out) > 0);

    assert_int_equal(sipua_auth_credentials(NULL, &ok, out, sizeof out), SIPUA_EINVAL);
    assert_int_equal(sipua_auth_credentials(&c, NULL, out, sizeof out), SIPUA_EINVAL);
    assert_int_equal(sipua_auth_credentials(&c, &ok, NULL, sizeof out), SIPUA_EINVAL);
    assert_int_equal(sipua_auth_credentials(&c, &ok, out, 0), SIPUA_EINVAL);
    static const char *const bad_user[] = {"al\rice", "al\nice", "alice\r\n"};
    for (size_t i = 0; i < sizeof bad_user / sizeof bad_user[0]; i++) {
        o = ok;
        o.username = span(bad_user[i]);
        assert_int_equal(sipua_auth_credentials(&c, &o, out, sizeof out), SIPUA_EINVAL);
    }
    o = ok;
    o.uri = span("sip:bob@biloxi.com\r\nVia: x");
    assert_int_equal(sipua_auth_credentials(&c, &o, out, sizeof out), SIPUA_EINVAL);
    o = ok;
    o.username = (sipua_str){NULL, 0};
    assert_int_equal(sipua_auth_credentials(&c, &o, out, sizeof out), SIPUA_EINVAL);
    static const char *const bad_cnonce[] = {"", "a b", "a\"b", "a\\b", "a\rb"};
    for (size_t i = 0; i < sizeof bad_cnonce / sizeof bad_cnonce[0]; i++) {
        o = ok;
        o.cnonce = span(bad_cnonce[i]);
        assert_int_equal(sipua_auth_credentials(&c, &o, out, sizeof out), SIPUA_EINVAL);
    }
    o = ok;
    o.nc = 0;
    assert_int_equal(sipua_auth_credentials(&c, &o, out, sizeof out), SIPUA_EINVAL);
    o = ok;
    o.version = 0;
    assert_int_equal(sipua_auth_credentials(&c, &o, out, sizeof out), SIPUA_EINVAL);

    /* the realm of a (folded) challenge with a line break in it */
    sipua_auth folded = c;
    folded.realm = span("atlanta\r\n .com");
    assert_int_equal(sipua_auth_credentials(&folded, &ok, out, sizeof out), SIPUA_EINVAL);

    sipua_auth basic = parsed("Basic realm=\"atlanta.com\"");
    assert_int_equal(sipua_auth_credentials(&basic, &ok, out, sizeof out), SIPUA_ENOTFOUND);
    sipua_auth aka = parsed("Digest realm=\"a\", nonce=\"abc\", algorithm=AKAv1-MD5");
    assert_int_equal(sipua_auth_credentials(&aka, &ok, out, sizeof out), SIPUA_ENOTFOUND);
    sipua_auth sess = parsed("Digest realm=\"a\", nonce=\"abc\", algorithm=MD5-sess");
    assert_int_equal(sipua_auth_credentials(&sess, &ok, out, sizeof out), SIPUA_ENOTFOUND);
    sipua_auth no_nonce = parsed("Digest realm=\"a\", qop=\"auth\"");
    assert_int_equal(sipua_auth_credentials(&no_nonce, &ok, out, sizeof out), SIPUA_ENOTFOUND);
}

/* ------------------------------------------------------------------ */
/* Server                                                              */

static sipua_auth_verify_opts verify_opts(const char *method, const char *realm, const char *pw,
                                          const char *nonce)
{
    sipua_auth_verify_opts o;
    sipua_auth_verify_opts_init(&o);
    o.method = span(method);
    o.realm = span(realm);
    o.password = span(pw);
    o.nonce = span(nonce);
    return o;
}

/* Challenge text -> parse -> credentials -> parse -> verify, under each
 * algorithm and qop the challenge can carry. */
static void test_rfc7616_3_4_6_round_trips(void **state)
{
    (void)state;
    static const char *const challenges[] = {
        "Digest realm=\"biloxi.com\", nonce=\"n0nce\"",
        "Digest realm=\"biloxi.com\", nonce=\"n0nce\", qop=\"auth\", opaque=\"op\"",
        "Digest realm=\"biloxi.com\", nonce=\"n0nce\", qop=\"auth-int\"",
        "Digest realm=\"biloxi.com\", nonce=\"n0nce\", qop=\"auth\", algorithm=MD5-sess",
        "Digest realm=\"biloxi.com\", nonce=\"n0nce\", qop=\"auth\", algorithm=SHA-256",
        "Digest realm=\"biloxi.com\", nonce=\"n0nce\", qop=\"auth-int\", algorithm=SHA-256-sess",
        "Digest realm=\"biloxi.com\", nonce=\"n0nce\", algorithm=SHA-512-256",
        ("Digest realm=\"biloxi.com\", nonce=\"n0nce\", qop=\"auth,auth-int\", "
         "algorithm=SHA-512-256-sess"),
    };
    for (size_t i = 0; i < sizeof challenges / sizeof challenges[0]; i++) {
        sipua_auth c = parsed(challenges[i]), creds;
        sipua_auth_creds_opts o = creds_opts("INVITE", "sip:bob@biloxi.com", "b\"o\\b", "zanzibar");
        o.body = span("v=0\r\n");
        o.auth_int = 1;
        o.nc = 7;
        char out[512];
        assert_true(sipua_auth_credentials(&c, &o, out, sizeof out) > 0);
        assert_int_equal(sipua_auth_parse(span(out), &creds), 0);

        sipua_auth_verify_opts v = verify_opts("INVITE", "biloxi.com", "zanzibar", "n0nce");
        v.body = span("v=0\r\n");
        assert_int_equal(sipua_auth_verify(&creds, &v), 0);
        v.nonce = (sipua_str){NULL, 0}; /* the caller checks the nonce itself */
        assert_int_equal(sipua_auth_verify(&creds, &v), 0);
        v.nonce = span("older");
        assert_int_equal(sipua_auth_verify(&creds, &v), SIPUA_ESTATE);
        v.nonce = span("n0nce");
        v.password = span("zanzibaR");
        assert_int_equal(sipua_auth_verify(&creds, &v), SIPUA_ENOTFOUND);
        v.password = span("zanzibar");
        v.realm = span("atlanta.com");
        assert_int_equal(sipua_auth_verify(&creds, &v), SIPUA_ENOTFOUND);
        v.realm = span("biloxi.com");
        v.method = span("BYE");
        assert_int_equal(sipua_auth_verify(&creds, &v), SIPUA_ENOTFOUND);
        v.method = span("INVITE");
        v.body = span("v=1\r\n"); /* changes the answer only under auth-int */
        assert_int_equal(sipua_auth_verify(&creds, &v),
                         sipua_str_eq(creds.qop, "auth-int") ? SIPUA_ENOTFOUND : 0);
    }
}

/* RFC 7616 3.9.1's Authorization as a browser would send it, checked with
 * the server's password; hex case in the response does not matter. */
static void test_rfc7616_3_9_1_verify(void **state)
{
    (void)state;
    static const char creds_text[] =
        "Digest username=\"Mufasa\", realm=\"http-auth@example.org\", uri=\"/dir/index.html\", "
        "algorithm=SHA-256, nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", nc=00000001, "
        "cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\", qop=auth, "
        "response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\", "
        "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";
    sipua_auth creds = parsed(creds_text);
    sipua_auth_verify_opts v = verify_opts("GET", "http-auth@example.org", "Circle of Life",
                                           "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v");
    assert_int_equal(sipua_auth_verify(&creds, &v), 0);
    creds.response = span("753927FA0E85D155564E2E272A28D1802CA10DAF4496794697CF8DB5856CB6C1");
    assert_int_equal(sipua_auth_verify(&creds, &v), 0);
    creds.response = span("753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c");
    assert_int_equal(sipua_auth_verify(&creds, &v), SIPUA_ENOTFOUND);
    creds.response = span("753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c10");
    assert_int_equal(sipua_auth_verify(&creds, &v), SIPUA_ENOTFOUND);
    creds.response = span("");
    assert_int_equal(sipua_auth_verify(&creds, &v), SIPUA_ENOTFOUND);
}

static void test_rfc3261_25_1_unquote(void **state)
{
    (void)state;
    sipua_auth creds = parsed("Digest username=\"b\\\"o\\\\b\", realm=\"a\"");
    char out[8];
    assert_int_equal(sipua_auth_unquote(creds.username, out, sizeof out), 5);
    assert_memory_equal(out, "b\"o\\b", 5);
    assert_int_equal(sipua_auth_unquote(creds.username, out, 4), SIPUA_ENOSPC);
    assert_int_equal(sipua_auth_unquote(creds.realm, out, 1), 1);
    assert_int_equal(sipua_auth_unquote((sipua_str){NULL, 0}, NULL, 0), 0);
    assert_int_equal(sipua_auth_unquote(creds.realm, NULL, 4), SIPUA_EINVAL);
}

static void test_verify_errors(void **state)
{
    (void)state;
    sipua_auth_verify_opts v = verify_opts("INVITE", "a", "pw", "n");
    sipua_auth ok = parsed("Digest username=\"u\", realm=\"a\", nonce=\"n\", uri=\"sip:a\", "
                           "response=\"00\", qop=auth, nc=00000001, cnonce=\"c\"");
    assert_int_equal(sipua_auth_verify(&ok, &v), SIPUA_ENOTFOUND);
    assert_int_equal(sipua_auth_verify(NULL, &v), SIPUA_EINVAL);
    assert_int_equal(sipua_auth_verify(&ok, NULL), SIPUA_EINVAL);
    sipua_auth_verify_opts w = v;
    w.realm = (sipua_str){NULL, 0};
    assert_int_equal(sipua_auth_verify(&ok, &w), SIPUA_EINVAL);
    w = v;
    w.version = 2;
    assert_int_equal(sipua_auth_verify(&ok, &w), SIPUA_EINVAL);

    static const char *const malformed[] = {
        "Basic dXNlcjpwdw==",
        "Digest realm=\"a\", nonce=\"n\", uri=\"sip:a\", response=\"00\"",
        "Digest username=\"u\", nonce=\"n\", uri=\"sip:a\", response=\"00\"",
        "Digest username=\"u\", realm=\"a\", uri=\"sip:a\", response=\"00\"",
        "Digest username=\"u\", realm=\"a\", nonce=\"n\", response=\"00\"",
        "Digest username=\"u\", realm=\"a\", nonce=\"n\", uri=\"sip:a\"",
        ("Digest username=\"u\", realm=\"a\", nonce=\"n\", uri=\"sip:a\", response=\"00\", "
         "algorithm=SHA-1"),
        ("Digest username=\"u\", realm=\"a\", nonce=\"n\", uri=\"sip:a\", response=\"00\", "
         "qop=auth-conf, nc=00000001, cnonce=\"c\""),
        ("Digest username=\"u\", realm=\"a\", nonce=\"n\", uri=\"sip:a\", response=\"00\", "
         "qop=auth, cnonce=\"c\""),
        ("Digest username=\"u\", realm=\"a\", nonce=\"n\", uri=\"sip:a\", response=\"00\", "
         "qop=auth, nc=1, cnonce=\"c\""),
        ("Digest username=\"u\", realm=\"a\", nonce=\"n\", uri=\"sip:a\", response=\"00\", "
         "qop=auth, nc=00000001"),
        ("Digest username=\"u\", realm=\"a\", nonce=\"n\", uri=\"sip:a\", response=\"00\", "
         "algorithm=MD5-sess"),
    };
    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
        sipua_auth a = parsed(malformed[i]);
        check_rc_named(sipua_auth_verify(&a, &v), SIPUA_EPARSE, malformed[i], 1, sipua_err_name,
                       __FILE__, __LINE__);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc7616_3_9_1_example),
        cmocka_unit_test(test_rfc2617_3_5_example),
        cmocka_unit_test(test_rfc7616_3_4_sip_invite_every_algorithm),
        cmocka_unit_test(test_digest_response_errors),
        cmocka_unit_test(test_rfc8760_algorithm_names),
        cmocka_unit_test(test_rfc8760_2_4_choose_strongest),
        cmocka_unit_test(test_rfc3261_22_2_register_credentials),
        cmocka_unit_test(test_rfc2069_no_qop_credentials),
        cmocka_unit_test(test_rfc7616_3_4_3_qop_choice),
        cmocka_unit_test(test_rfc3261_25_1_quoting),
        cmocka_unit_test(test_credentials_errors),
        cmocka_unit_test(test_rfc7616_3_4_6_round_trips),
        cmocka_unit_test(test_rfc7616_3_9_1_verify),
        cmocka_unit_test(test_rfc3261_25_1_unquote),
        cmocka_unit_test(test_verify_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
