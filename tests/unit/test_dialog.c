/* The dialog layer (src/dialog/dialog.h), RFC 3261 section 12 with what
 * sections 13 to 15 say of dialogs: creation on both sides, route sets
 * through one, two and three proxies (loose and strict), forked early
 * dialogs and the second 2xx, the exact text of requests within a dialog,
 * CSeq ordering, target refresh, and allocation failure at every step.
 *
 * The call: Alice (atlanta) calls Bob (biloxi) through proxies p1, p2 and
 * p3, in that order from Alice. Each proxy puts its Record-Route on top, so
 * Bob sees (and his responses carry) p3, p2, p1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sipua/msg.h"
#include "failalloc.h"
#include "testutil.h"

#include "dialog/dialog.h"

/* ------------------------------------------------------------------ */
/* Messages                                                            */

/* A parsed message with the buffer it points into (CRLF line ends made
 * from the "\n" of the text). */
typedef struct pmsg {
    sipua_msg *m;
    char *buf;
} pmsg;

/* Every message parsed and not yet dropped, freed after each test by
 * drop_all() (its teardown), whether the test passed or not. */
#define POOL 64
static pmsg pool[POOL];

static pmsg parse(const char *text)
{
    pmsg p;
    size_t n = strlen(text), k = 0;
    p.buf = malloc(2 * n + 1);
    assert_non_null(p.buf);
    for (size_t i = 0; i < n; i++) {
        if (text[i] == '\n')
            p.buf[k++] = '\r';
        p.buf[k++] = text[i];
    }
    p.m = sipua_msg_new(NULL, NULL);
    assert_non_null(p.m);
    int r = sipua_msg_parse(p.m, p.buf, k, SIPUA_PARSE_DATAGRAM);
    if (r != (int)k)
        fail_msg("parse: %d (%s) in\n%s", r, sipua_msg_get_error(p.m)->reason, text);
    size_t i = 0;
    while (i < POOL && pool[i].m)
        i++;
    assert_true(i < POOL);
    pool[i] = p;
    return p;
}

/* Frees a message before the test ends (to show that a dialog does not
 * need it any more). */
static void drop(pmsg *p)
{
    pmsg gone = *p;
    for (size_t i = 0; i < POOL; i++)
        if (pool[i].m == gone.m)
            pool[i] = (pmsg){NULL, NULL};
    sipua_msg_free(gone.m);
    free(gone.buf);
    p->m = NULL;
    p->buf = NULL;
}

static int drop_all(void **state)
{
    (void)state;
    for (size_t i = 0; i < POOL; i++)
        if (pool[i].m)
            drop(&pool[i]);
    return 0;
}

#define CALL_ID   "3848276298220188511@atlanta.example.com"
#define ALICE_TAG "9fxced76sl"
#define BOB_TAG   "8321234356"

/* Lines of Alice's requests: her top Via and Max-Forwards, and To, From
 * and Call-ID of her dialog with Bob. */
#define VIA_MF(branch)                                                                             \
    "Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=" branch "\n"                         \
    "Max-Forwards: 70\n"
#define ALICE_TO_BOB                                                                               \
    "To: Bob <sip:bob@biloxi.example.com>;tag=" BOB_TAG "\n"                                       \
    "From: Alice <sip:alice@atlanta.example.com>;tag=" ALICE_TAG "\n"                              \
    "Call-ID: " CALL_ID "\n"

#define P1 "<sip:p1.example.com;lr>"
#define P2 "<sip:p2.example.com;lr>"
#define P3 "<sip:p3.example.com;lr>"

/* Alice's INVITE as she sent it; `rr` holds Record-Route lines as Bob
 * receives them ("" for none). */
static pmsg invite_with(const char *ruri, const char *rr)
{
    char text[2048];
    snprintf(text, sizeof text,
             "INVITE %s SIP/2.0\n" VIA_MF(
                 "z9hG4bK74bf9") "%s"
                                 "From: Alice <sip:alice@atlanta.example.com>;tag=" ALICE_TAG "\n"
                                 "To: Bob <sip:bob@biloxi.example.com>\n"
                                 "Call-ID: " CALL_ID "\n"
                                 "CSeq: 2 INVITE\n"
                                 "Contact: <sip:alice@client.atlanta.example.com>\n"
                                 "Content-Length: 0\n\n",
             ruri, rr);
    return parse(text);
}

static pmsg invite(const char *rr)
{
    return invite_with("sip:bob@biloxi.example.com", rr);
}

/* A response to Alice's INVITE: status, To tag (NULL: none), Bob's
 * Contact (NULL: none), Record-Route lines. */
static pmsg response(int status, const char *tag, const char *contact, const char *rr)
{
    char text[2048], totag[64] = "", ct[256] = "";
    if (tag)
        snprintf(totag, sizeof totag, ";tag=%s", tag);
    if (contact)
        snprintf(ct, sizeof ct, "Contact: %s\n", contact);
    snprintf(text, sizeof text,
             "SIP/2.0 %d Whatever\n"
             "Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9\n"
             "%s"
             "From: Alice <sip:alice@atlanta.example.com>;tag=" ALICE_TAG "\n"
             "To: Bob <sip:bob@biloxi.example.com>%s\n"
             "Call-ID: " CALL_ID "\n"
             "CSeq: 2 INVITE\n"
             "%s"
             "Content-Length: 0\n\n",
             status, rr, totag, ct);
    return parse(text);
}

/* A request from Bob to Alice within the dialog. */
static pmsg from_bob(const char *method, uint32_t cseq, const char *contact)
{
    char text[2048], ct[256] = "";
    if (contact)
        snprintf(ct, sizeof ct, "Contact: %s\n", contact);
    snprintf(text, sizeof text,
             "%s sip:alice@client.atlanta.example.com SIP/2.0\n"
             "Via: SIP/2.0/UDP bobspc.biloxi.example.com:5060;branch=z9hG4bKnashds7\n"
             "Max-Forwards: 70\n"
             "From: Bob <sip:bob@biloxi.example.com>;tag=" BOB_TAG "\n"
             "To: Alice <sip:alice@atlanta.example.com>;tag=" ALICE_TAG "\n"
             "Call-ID: " CALL_ID "\n"
             "CSeq: %u %s\n"
             "%s"
             "Content-Length: 0\n\n",
             method, (unsigned)cseq, method, ct);
    return parse(text);
}

/* A response from Bob to a request Alice sent within the dialog. */
static pmsg bob_answers(int status, uint32_t cseq, const char *method, const char *contact)
{
    char text[2048], ct[256] = "";
    if (contact)
        snprintf(ct, sizeof ct, "Contact: %s\n", contact);
    snprintf(text, sizeof text,
             "SIP/2.0 %d Whatever\n"
             "Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bKx\n"
             "From: Alice <sip:alice@atlanta.example.com>;tag=" ALICE_TAG "\n"
             "To: Bob <sip:bob@biloxi.example.com>;tag=" BOB_TAG "\n"
             "Call-ID: " CALL_ID "\n"
             "CSeq: %u %s\n"
             "%s"
             "Content-Length: 0\n\n",
             status, (unsigned)cseq, method, ct);
    return parse(text);
}

#define BOB_CONTACT "<sip:bob@192.0.2.4>"

/* Alice's dialog from her INVITE and Bob's response. */
static sipua__dialog *uac(int status, const char *rr_invite, const char *rr_resp)
{
    pmsg req = invite(rr_invite), resp = response(status, BOB_TAG, BOB_CONTACT, rr_resp);
    sipua__dialog *d = NULL;
    assert_int_equal(sipua__dialog_new_uac(req.m, resp.m, 0, NULL, &d), 0);
    drop(&req); /* the dialog keeps copies */
    drop(&resp);
    return d;
}

/* Bob's dialog from Alice's INVITE, answered with `status` and his tag. */
static sipua__dialog *uas(int status, const char *rr)
{
    pmsg req = invite(rr);
    sipua__dialog *d = NULL;
    assert_int_equal(sipua__dialog_new_uas(req.m, SIPUA_STR(BOB_TAG), status, 0, NULL, &d), 0);
    drop(&req);
    return d;
}

static void assert_routes(const sipua__dialog *d, const char *const *want, size_t n)
{
    assert_int_equal(sipua__dialog_route_count(d), n);
    for (size_t i = 0; i < n; i++)
        assert_span(sipua__dialog_route(d, i), want[i]);
    assert_span(sipua__dialog_route(d, n), NULL);
}

/* The request `r` built on d, checked against `want` ("\n" for CRLF). */
static void assert_built(sipua__dialog *d, const sipua__dialog_request *r, const char *want,
                         const char *next_hop)
{
    char out[4096], expect[4096];
    size_t k = 0;
    for (size_t i = 0; want[i]; i++) {
        if (want[i] == '\n')
            expect[k++] = '\r';
        expect[k++] = want[i];
    }
    expect[k] = 0;
    sipua_str hop = {NULL, 0};
    int n = sipua__dialog_build_request(d, r, out, sizeof out, &hop, NULL);
    if (n < 0)
        fail_msg("build: %s", sipua_err_name(n));
    out[n] = 0;
    assert_string_equal(out, expect);
    assert_span(hop, next_hop);
    /* and what was built parses */
    sipua_msg *m = sipua_msg_new(NULL, NULL);
    assert_int_equal(sipua_msg_parse(m, out, (size_t)n, SIPUA_PARSE_DATAGRAM), n);
    assert_int_equal(sipua_msg_parse_all(m), 0);
    sipua_msg_free(m);
}

static sipua__dialog_request request(sipua_method m)
{
    sipua__dialog_request r;
    sipua__dialog_request_init(&r);
    r.method = m;
    r.via = SIPUA_STR("SIP/2.0/UDP client.atlanta.example.com:5060");
    r.branch = SIPUA_STR("z9hG4bKnew1");
    return r;
}

/* ------------------------------------------------------------------ */
/* 12.1.2: UAC creation                                                */

static void test_12_1_2_uac_180_with_to_tag_creates_an_early_dialog(void **state)
{
    (void)state;
    sipua__dialog *d = uac(180, "", "");
    assert_int_equal(sipua__dialog_get_state(d), SIPUA__DIALOG_EARLY);
    assert_int_equal(sipua__dialog_get_role(d), SIPUA__DIALOG_UAC);
    assert_span(sipua__dialog_call_id(d), CALL_ID);
    assert_span(sipua__dialog_local_tag(d), ALICE_TAG);
    assert_span(sipua__dialog_remote_tag(d), BOB_TAG);
    assert_span(sipua__dialog_local_uri(d), "Alice <sip:alice@atlanta.example.com>");
    assert_span(sipua__dialog_remote_uri(d), "Bob <sip:bob@biloxi.example.com>");
    assert_span(sipua__dialog_remote_target(d), "sip:bob@192.0.2.4");
    assert_int_equal(sipua__dialog_route_count(d), 0);
    int has;
    assert_int_equal(sipua__dialog_local_cseq(d, &has), 2);
    assert_int_equal(has, 1);
    sipua__dialog_remote_cseq(d, &has);
    assert_int_equal(has, 0);
    assert_int_equal(sipua__dialog_is_secure(d), 0);
    assert_string_equal(sipua__dialog_state_name(sipua__dialog_get_state(d)), "Early");
    sipua__dialog_free(d);
}

static void test_12_1_2_uac_200_creates_a_confirmed_dialog(void **state)
{
    (void)state;
    sipua__dialog *d = uac(200, "", "");
    assert_int_equal(sipua__dialog_get_state(d), SIPUA__DIALOG_CONFIRMED);
    sipua__dialog_free(d);
}

static void test_12_1_2_uac_route_set_is_the_record_route_reversed(void **state)
{
    (void)state;
    static const char *const one[] = {P1};
    static const char *const two[] = {P1, P2};
    static const char *const three[] = {P1, P2, P3};
    sipua__dialog *d = uac(200, "", "Record-Route: " P1 "\n");
    assert_routes(d, one, 1);
    sipua__dialog_free(d);
    d = uac(200, "", "Record-Route: " P2 "\nRecord-Route: " P1 "\n");
    assert_routes(d, two, 2);
    sipua__dialog_free(d);
    /* one header field with three values, then the same as three fields */
    d = uac(200, "", "Record-Route: " P3 ", " P2 ", " P1 "\n");
    assert_routes(d, three, 3);
    sipua__dialog_free(d);
    d = uac(200, "", "Record-Route: " P3 "\nRecord-Route: " P2 "," P1 "\n");
    assert_routes(d, three, 3);
    sipua__dialog_free(d);
}

static void test_12_1_2_uac_route_values_keep_their_parameters(void **state)
{
    (void)state;
    static const char *const want[] = {"<sip:p1.example.com;lr>;ftag=x1",
                                       "\"Proxy 2\" <sip:p2.example.com;transport=tcp;lr>"};
    sipua__dialog *d = uac(200, "",
                           "Record-Route: \"Proxy 2\" <sip:p2.example.com;transport=tcp;lr>, "
                           "<sip:p1.example.com;lr>;ftag=x1\n");
    assert_routes(d, want, 2);
    sipua__dialog_free(d);
}

static void test_12_1_2_uac_response_without_contact_targets_the_request_uri(void **state)
{
    (void)state;
    pmsg req = invite(""), r180 = response(180, BOB_TAG, NULL, "");
    sipua__dialog *d;
    assert_int_equal(sipua__dialog_new_uac(req.m, r180.m, 0, NULL, &d), 0);
    assert_span(sipua__dialog_remote_target(d), "sip:bob@biloxi.example.com");
    sipua__dialog_free(d);
}

static void test_12_1_2_uac_creation_errors(void **state)
{
    (void)state;
    pmsg req = invite("");
    sipua__dialog *d = NULL;
    pmsg r100 = response(100, NULL, NULL, ""), notag = response(200, NULL, BOB_CONTACT, "");
    pmsg r486 = response(486, BOB_TAG, NULL, "");
    pmsg badrr = response(200, BOB_TAG, BOB_CONTACT, "Record-Route: <tel:+15551234>\n");
    pmsg badct = response(200, BOB_TAG, "<sip:bob@[::1>", "");
    assert_int_equal(sipua__dialog_new_uac(req.m, r100.m, 0, NULL, &d), SIPUA_EINVAL);
    assert_int_equal(sipua__dialog_new_uac(req.m, r486.m, 0, NULL, &d), SIPUA_EINVAL);
    assert_int_equal(sipua__dialog_new_uac(req.m, notag.m, 0, NULL, &d), SIPUA_EPARSE);
    assert_int_equal(sipua__dialog_new_uac(req.m, badrr.m, 0, NULL, &d), SIPUA_EPARSE);
    assert_int_equal(sipua__dialog_new_uac(req.m, badct.m, 0, NULL, &d), SIPUA_EPARSE);
    assert_int_equal(sipua__dialog_new_uac(req.m, req.m, 0, NULL, &d), SIPUA_EINVAL);
    assert_int_equal(sipua__dialog_new_uac(NULL, r100.m, 0, NULL, &d), SIPUA_EINVAL);
    assert_null(d);
    /* a response for another call */
    pmsg other = parse("SIP/2.0 200 OK\n"
                       "Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9\n"
                       "From: Alice <sip:alice@atlanta.example.com>;tag=" ALICE_TAG "\n"
                       "To: Bob <sip:bob@biloxi.example.com>;tag=" BOB_TAG "\n"
                       "Call-ID: other@atlanta.example.com\n"
                       "CSeq: 2 INVITE\n"
                       "Contact: " BOB_CONTACT "\n"
                       "Content-Length: 0\n\n");
    assert_int_equal(sipua__dialog_new_uac(req.m, other.m, 0, NULL, &d), SIPUA_EINVAL);
}

/* ------------------------------------------------------------------ */
/* 12.1.1: UAS creation                                                */

static void test_12_1_1_uas_dialog_from_the_request_and_our_tag(void **state)
{
    (void)state;
    sipua__dialog *d = uas(180, "");
    assert_int_equal(sipua__dialog_get_state(d), SIPUA__DIALOG_EARLY);
    assert_int_equal(sipua__dialog_get_role(d), SIPUA__DIALOG_UAS);
    assert_span(sipua__dialog_local_tag(d), BOB_TAG);
    assert_span(sipua__dialog_remote_tag(d), ALICE_TAG);
    assert_span(sipua__dialog_local_uri(d), "Bob <sip:bob@biloxi.example.com>");
    assert_span(sipua__dialog_remote_uri(d), "Alice <sip:alice@atlanta.example.com>");
    assert_span(sipua__dialog_remote_target(d), "sip:alice@client.atlanta.example.com");
    int has;
    assert_int_equal(sipua__dialog_remote_cseq(d, &has), 2);
    assert_int_equal(has, 1);
    sipua__dialog_local_cseq(d, &has);
    assert_int_equal(has, 0);
    assert_int_equal(sipua__dialog_confirm(d), 0);
    assert_int_equal(sipua__dialog_get_state(d), SIPUA__DIALOG_CONFIRMED);
    sipua__dialog_terminate(d);
    assert_int_equal(sipua__dialog_confirm(d), SIPUA_ESTATE);
    sipua__dialog_free(d);
}

static void test_12_1_1_uas_route_set_is_the_record_route_in_order(void **state)
{
    (void)state;
    static const char *const one[] = {P1};
    static const char *const two[] = {P2, P1};
    static const char *const three[] = {P3, P2, P1};
    sipua__dialog *d = uas(200, "Record-Route: " P1 "\n");
    assert_routes(d, one, 1);
    sipua__dialog_free(d);
    d = uas(200, "Record-Route: " P2 "\nRecord-Route: " P1 "\n");
    assert_routes(d, two, 2);
    sipua__dialog_free(d);
    d = uas(200, "Record-Route: " P3 ", " P2 "\nRecord-Route: " P1 "\n");
    assert_routes(d, three, 3);
    sipua__dialog_free(d);
}

static void test_12_1_1_uas_creation_errors(void **state)
{
    (void)state;
    sipua__dialog *d = NULL;
    pmsg req = invite("");
    assert_int_equal(sipua__dialog_new_uas(req.m, SIPUA_STR(""), 200, 0, NULL, &d), SIPUA_EINVAL);
    assert_int_equal(sipua__dialog_new_uas(req.m, SIPUA_STR("t"), 100, 0, NULL, &d), SIPUA_EINVAL);
    assert_int_equal(sipua__dialog_new_uas(req.m, SIPUA_STR("t"), 300, 0, NULL, &d), SIPUA_EINVAL);
    pmsg resp = response(200, BOB_TAG, BOB_CONTACT, "");
    assert_int_equal(sipua__dialog_new_uas(resp.m, SIPUA_STR("t"), 200, 0, NULL, &d), SIPUA_EINVAL);
    /* no Contact: the caller answers 400 */
    pmsg noct = parse("INVITE sip:bob@biloxi.example.com SIP/2.0\n"
                      "Via: SIP/2.0/UDP client.atlanta.example.com;branch=z9hG4bK74bf9\n"
                      "From: <sip:alice@atlanta.example.com>\n"
                      "To: <sip:bob@biloxi.example.com>\n"
                      "Call-ID: x\n"
                      "CSeq: 1 INVITE\n"
                      "Content-Length: 0\n\n");
    assert_int_equal(sipua__dialog_new_uas(noct.m, SIPUA_STR("t"), 200, 0, NULL, &d), SIPUA_EPARSE);
    assert_null(d);
}

static void test_12_1_1_uas_from_without_tag_gives_an_empty_remote_tag(void **state)
{
    (void)state;
    pmsg req = parse("INVITE sip:bob@biloxi.example.com SIP/2.0\n"
                     "Via: SIP/2.0/UDP client.atlanta.example.com;branch=z9hG4bK74bf9\n"
                     "From: <sip:alice@atlanta.example.com>\n"
                     "To: <sip:bob@biloxi.example.com>\n"
                     "Call-ID: rfc2543\n"
                     "CSeq: 1 INVITE\n"
                     "Contact: <sip:alice@192.0.2.1>\n"
                     "Content-Length: 0\n\n");
    sipua__dialog *d;
    assert_int_equal(sipua__dialog_new_uas(req.m, SIPUA_STR("b1"), 200, 0, NULL, &d), 0);
    assert_int_equal(sipua__dialog_remote_tag(d).len, 0);
    sipua__dialog_request r = request(SIPUA_METHOD_BYE);
    assert_built(d, &r,
                 "BYE sip:alice@192.0.2.1 SIP/2.0\n" VIA_MF(
                     "z9hG4bKnew1") "To: <sip:alice@atlanta.example.com>\n"
                                    "From: <sip:bob@biloxi.example.com>;tag=b1\n"
                                    "Call-ID: rfc2543\n"
                                    "CSeq: 1 BYE\n"
                                    "Content-Length: 0\n\n",
                 "sip:alice@192.0.2.1");
    sipua__dialog_free(d);
}

/* ------------------------------------------------------------------ */
/* Secure flag (12.1.1, 12.1.2)                                        */

static void test_12_1_secure_only_for_a_sips_request_uri_over_tls(void **state)
{
    (void)state;
    pmsg sips = invite_with("sips:bob@biloxi.example.com", ""),
         sip = invite_with("sip:bob@biloxi.example.com", "");
    pmsg resp = response(200, BOB_TAG, "<sips:bob@192.0.2.4>", "");
    sipua__dialog *d;
    assert_int_equal(sipua__dialog_new_uac(sips.m, resp.m, 1, NULL, &d), 0);
    assert_int_equal(sipua__dialog_is_secure(d), 1);
    sipua__dialog_free(d);
    assert_int_equal(sipua__dialog_new_uac(sips.m, resp.m, 0, NULL, &d), 0);
    assert_int_equal(sipua__dialog_is_secure(d), 0);
    sipua__dialog_free(d);
    assert_int_equal(sipua__dialog_new_uac(sip.m, resp.m, 1, NULL, &d), 0);
    assert_int_equal(sipua__dialog_is_secure(d), 0);
    sipua__dialog_free(d);
    assert_int_equal(sipua__dialog_new_uas(sips.m, SIPUA_STR("b"), 200, 1, NULL, &d), 0);
    assert_int_equal(sipua__dialog_is_secure(d), 1);
    sipua__dialog_free(d);
    assert_int_equal(sipua__dialog_new_uas(sip.m, SIPUA_STR("b"), 200, 1, NULL, &d), 0);
    assert_int_equal(sipua__dialog_is_secure(d), 0);
    sipua__dialog_free(d);
}

/* ------------------------------------------------------------------ */
/* 12.2.1.1: requests within the dialog                                */

static void test_12_2_1_1_bye_without_route_set(void **state)
{
    (void)state;
    sipua__dialog *d = uac(200, "", "");
    sipua__dialog_request r = request(SIPUA_METHOD_BYE);
    assert_built(d, &r,
                 "BYE sip:bob@192.0.2.4 SIP/2.0\n" VIA_MF("z9hG4bKnew1") ALICE_TO_BOB
                 "CSeq: 3 BYE\n"
                 "Content-Length: 0\n\n",
                 "sip:bob@192.0.2.4");
    int has;
    assert_int_equal(sipua__dialog_local_cseq(d, &has), 3);
    sipua__dialog_free(d);
}

static void test_12_2_1_1_loose_routing_uac_three_proxies(void **state)
{
    (void)state;
    sipua__dialog *d = uac(200, "", "Record-Route: " P3 ", " P2 ", " P1 "\n");
    sipua__dialog_request r = request(SIPUA_METHOD_BYE);
    assert_built(d, &r,
                 "BYE sip:bob@192.0.2.4 SIP/2.0\n" VIA_MF("z9hG4bKnew1") "Route: " P1 "\n"
                                                                         "Route: " P2 "\n"
                                                                         "Route: " P3
                                                                         "\n" ALICE_TO_BOB
                                                                         "CSeq: 3 BYE\n"
                                                                         "Content-Length: 0\n\n",
                 "sip:p1.example.com;lr");
    sipua__dialog_free(d);
}

static void test_12_2_1_1_loose_routing_uas_three_proxies(void **state)
{
    (void)state;
    sipua__dialog *d = uas(200, "Record-Route: " P3 ", " P2 ", " P1 "\n");
    sipua__dialog_request r = request(SIPUA_METHOD_BYE);
    r.via = SIPUA_STR("SIP/2.0/TCP bobspc.biloxi.example.com");
    assert_built(d, &r,
                 "BYE sip:alice@client.atlanta.example.com SIP/2.0\n"
                 "Via: SIP/2.0/TCP bobspc.biloxi.example.com;branch=z9hG4bKnew1\n"
                 "Max-Forwards: 70\n"
                 "Route: " P3 "\n"
                 "Route: " P2 "\n"
                 "Route: " P1 "\n"
                 "To: Alice <sip:alice@atlanta.example.com>;tag=" ALICE_TAG "\n"
                 "From: Bob <sip:bob@biloxi.example.com>;tag=" BOB_TAG "\n"
                 "Call-ID: " CALL_ID "\n"
                 "CSeq: 1 BYE\n"
                 "Content-Length: 0\n\n",
                 "sip:p3.example.com;lr");
    sipua__dialog_free(d);
}

static void test_12_2_1_1_strict_router_first(void **state)
{
    (void)state;
    /* p1, next to Alice, is a strict router: its URI becomes the
     * Request-URI without the method parameter and the headers, and the
     * remote target goes last in Route */
    sipua__dialog *d = uac(200, "",
                           "Record-Route: " P3 ", " P2 "\n"
                           "Record-Route: <sip:p1.example.com;transport=udp;method=INVITE?X=1>\n");
    sipua__dialog_request r = request(SIPUA_METHOD_BYE);
    assert_built(d, &r,
                 "BYE sip:p1.example.com;transport=udp SIP/2.0\n" VIA_MF(
                     "z9hG4bKnew1") "Route: " P2 "\n"
                                    "Route: " P3 "\n"
                                    "Route: <sip:bob@192.0.2.4>\n" ALICE_TO_BOB "CSeq: 3 BYE\n"
                                    "Content-Length: 0\n\n",
                 "sip:p1.example.com;transport=udp;method=INVITE?X=1");
    sipua__dialog_free(d);
}

static void test_12_2_1_1_strict_router_alone_and_later_strict_routes_do_not_count(void **state)
{
    (void)state;
    sipua__dialog *d = uac(200, "", "Record-Route: <sip:strict.example.com>\n");
    sipua__dialog_request r = request(SIPUA_METHOD_BYE);
    assert_built(d, &r,
                 "BYE sip:strict.example.com SIP/2.0\n" VIA_MF(
                     "z9hG4bKnew1") "Route: <sip:bob@192.0.2.4>\n" ALICE_TO_BOB "CSeq: 3 BYE\n"
                                    "Content-Length: 0\n\n",
                 "sip:strict.example.com");
    sipua__dialog_free(d);
    /* only the first route decides: a strict router after a loose one is
     * the loose one's business */
    d = uac(200, "", "Record-Route: <sip:strict.example.com>, " P1 "\n");
    r = request(SIPUA_METHOD_BYE);
    assert_built(d, &r,
                 "BYE sip:bob@192.0.2.4 SIP/2.0\n" VIA_MF(
                     "z9hG4bKnew1") "Route: " P1 "\n"
                                    "Route: <sip:strict.example.com>\n" ALICE_TO_BOB "CSeq: 3 BYE\n"
                                    "Content-Length: 0\n\n",
                 "sip:p1.example.com;lr");
    sipua__dialog_free(d);
}

static void test_13_2_2_4_reinvite_then_ack_reuses_its_cseq(void **state)
{
    (void)state;
    sipua__dialog *d = uac(200, "", "Record-Route: " P1 "\n");
    /* the ACK of the initial INVITE: its CSeq number, 2 */
    sipua__dialog_request r = request(SIPUA_METHOD_ACK);
    uint32_t cseq = 0;
    char out[2048];
    assert_true(sipua__dialog_build_request(d, &r, out, sizeof out, NULL, &cseq) > 0);
    assert_int_equal(cseq, 2);
    assert_non_null(strstr(out, "\r\nCSeq: 2 ACK\r\n"));

    r = request(SIPUA_METHOD_INVITE);
    assert_int_equal(sipua__dialog_build_request(d, &r, out, sizeof out, NULL, NULL),
                     SIPUA_EINVAL); /* target refresh without Contact */
    r.contact = SIPUA_STR("<sip:alice@client.atlanta.example.com>");
    const sipua_str extra[] = {SIPUA_STR("Content-Type: application/sdp")};
    r.extra_headers = extra;
    r.extra_count = 1;
    r.body = SIPUA_STR("v=0\r\n");
    assert_built(d, &r,
                 "INVITE sip:bob@192.0.2.4 SIP/2.0\n" VIA_MF(
                     "z9hG4bKnew1") "Route: " P1 "\n" ALICE_TO_BOB "CSeq: 3 INVITE\n"
                                    "Contact: <sip:alice@client.atlanta.example.com>\n"
                                    "Content-Type: application/sdp\n"
                                    "Content-Length: 5\n\n"
                                    "v=0\n",
                 "sip:p1.example.com;lr");
    r = request(SIPUA_METHOD_ACK);
    r.branch = SIPUA_STR("z9hG4bKack2");
    assert_built(d, &r,
                 "ACK sip:bob@192.0.2.4 SIP/2.0\n" VIA_MF("z9hG4bKack2") "Route: " P1
                                                                         "\n" ALICE_TO_BOB
                                                                         "CSeq: 3 ACK\n"
                                                                         "Content-Length: 0\n\n",
                 "sip:p1.example.com;lr");
    /* the ACK did not move the local CSeq */
    r = request(SIPUA_METHOD_OPTIONS);
    assert_true(sipua__dialog_build_request(d, &r, out, sizeof out, NULL, &cseq) > 0);
    assert_int_equal(cseq, 4);
    sipua__dialog_free(d);
}

static void test_12_2_1_1_info_with_body_and_refer(void **state)
{
    (void)state;
    sipua__dialog *d = uac(200, "", "Record-Route: " P2 ", " P1 "\n");
    sipua__dialog_request r = request(SIPUA_METHOD_INFO);
    const sipua_str info[] = {SIPUA_STR("Content-Type: application/dtmf-relay"),
                              SIPUA_STR("Info-Package:dtmf  ")};
    r.extra_headers = info;
    r.extra_count = 2;
    r.body = SIPUA_STR("Signal=5\r\nDuration=160\r\n");
    r.max_forwards = 10;
    assert_built(d, &r,
                 "INFO sip:bob@192.0.2.4 SIP/2.0\n"
                 "Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bKnew1\n"
                 "Max-Forwards: 10\n"
                 "Route: " P1 "\n"
                 "Route: " P2 "\n" ALICE_TO_BOB "CSeq: 3 INFO\n"
                 "Content-Type: application/dtmf-relay\n"
                 "Info-Package: dtmf\n"
                 "Content-Length: 24\n\n"
                 "Signal=5\nDuration=160\n",
                 "sip:p1.example.com;lr");
    r = request(SIPUA_METHOD_REFER);
    r.branch = SIPUA_STR("z9hG4bKref");
    r.contact = SIPUA_STR("<sip:alice@client.atlanta.example.com>");
    const sipua_str refer[] = {SIPUA_STR("Refer-To: <sip:carol@chicago.example.com>"),
                               SIPUA_STR("Referred-By: <sip:alice@atlanta.example.com>")};
    r.extra_headers = refer;
    r.extra_count = 2;
    assert_built(d, &r,
                 "REFER sip:bob@192.0.2.4 SIP/2.0\n" VIA_MF(
                     "z9hG4bKref") "Route: " P1 "\n"
                                   "Route: " P2 "\n" ALICE_TO_BOB "CSeq: 4 REFER\n"
                                   "Contact: <sip:alice@client.atlanta.example.com>\n"
                                   "Refer-To: <sip:carol@chicago.example.com>\n"
                                   "Referred-By: <sip:alice@atlanta.example.com>\n"
                                   "Content-Length: 0\n\n",
                 "sip:p1.example.com;lr");
    sipua__dialog_free(d);
}

static void test_12_2_1_1_every_method_counts_up_but_ack(void **state)
{
    (void)state;
    sipua__dialog *d = uac(200, "", "");
    static const sipua_method methods[] = {
        SIPUA_METHOD_BYE,   SIPUA_METHOD_INVITE,  SIPUA_METHOD_UPDATE,   SIPUA_METHOD_INFO,
        SIPUA_METHOD_REFER, SIPUA_METHOD_NOTIFY,  SIPUA_METHOD_PRACK,    SIPUA_METHOD_MESSAGE,
        SIPUA_METHOD_ACK,   SIPUA_METHOD_OPTIONS, SIPUA_METHOD_SUBSCRIBE};
    uint32_t want = 3;
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        sipua__dialog_request r = request(methods[i]);
        r.contact = SIPUA_STR("<sip:alice@client.atlanta.example.com>");
        char out[2048], line[64];
        uint32_t cseq;
        int n = sipua__dialog_build_request(d, &r, out, sizeof out - 1, NULL, &cseq);
        assert_true(n > 0);
        out[n] = 0;
        /* the INVITE sent as method 2 is the one the ACK acknowledges */
        uint32_t expect = methods[i] == SIPUA_METHOD_ACK ? 4 : want++;
        assert_int_equal(cseq, expect);
        snprintf(line, sizeof line, "\r\nCSeq: %u %s\r\n", (unsigned)expect,
                 sipua_method_name(methods[i]));
        assert_non_null(strstr(out, line));
    }
    /* an extension method */
    sipua__dialog_request r = request(SIPUA_METHOD_OTHER);
    r.method_name = SIPUA_STR("FOO");
    char out[2048];
    int n = sipua__dialog_build_request(d, &r, out, sizeof out - 1, NULL, NULL);
    assert_true(n > 0);
    out[n] = 0;
    assert_non_null(strstr(out, "FOO sip:bob@192.0.2.4 SIP/2.0\r\n"));
    assert_non_null(strstr(out, "\r\nCSeq: 13 FOO\r\n"));
    sipua__dialog_free(d);
}

static void test_12_2_1_1_refused_requests_change_nothing(void **state)
{
    (void)state;
    sipua__dialog *d = uac(200, "", "");
    char out[2048];
    sipua__dialog_request r = request(SIPUA_METHOD_INFO);
    const sipua_str owned[] = {SIPUA_STR("Via: SIP/2.0/UDP x"),
                               SIPUA_STR("CSeq: 9 INFO"),
                               SIPUA_STR("i: abc"),
                               SIPUA_STR("t: <sip:x>"),
                               SIPUA_STR("Route: <sip:x>"),
                               SIPUA_STR("Content-Length: 3"),
                               SIPUA_STR("Max-Forwards: 3"),
                               SIPUA_STR("m: <sip:x>"),
                               SIPUA_STR("From: <sip:x>")};
    for (size_t i = 0; i < sizeof owned / sizeof owned[0]; i++) {
        r.extra_headers = &owned[i];
        r.extra_count = 1;
        assert_int_equal(sipua__dialog_build_request(d, &r, out, sizeof out, NULL, NULL),
                         SIPUA_EINVAL);
    }
    const sipua_str bad[] = {SIPUA_STR("No colon"), SIPUA_STR("Bad name: x"), SIPUA_STR(": x"),
                             SIPUA_STR("X: a\r\nY: b")};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r.extra_headers = &bad[i];
        r.extra_count = 1;
        assert_int_equal(sipua__dialog_build_request(d, &r, out, sizeof out, NULL, NULL),
                         SIPUA_EINVAL);
    }
    r = request(SIPUA_METHOD_INFO);
    r.body = SIPUA_STR("x"); /* no Content-Type */
    assert_int_equal(sipua__dialog_build_request(d, &r, out, sizeof out, NULL, NULL), SIPUA_EINVAL);
    r = request(SIPUA_METHOD_CANCEL);
    assert_int_equal(sipua__dialog_build_request(d, &r, out, sizeof out, NULL, NULL), SIPUA_EINVAL);
    r = request(SIPUA_METHOD_REGISTER);
    assert_int_equal(sipua__dialog_build_request(d, &r, out, sizeof out, NULL, NULL), SIPUA_EINVAL);
    r = request(SIPUA_METHOD_OTHER);
    assert_int_equal(sipua__dialog_build_request(d, &r, out, sizeof out, NULL, NULL), SIPUA_EINVAL);
    r = request(SIPUA_METHOD_BYE);
    r.branch = (sipua_str){NULL, 0};
    assert_int_equal(sipua__dialog_build_request(d, &r, out, sizeof out, NULL, NULL), SIPUA_EINVAL);
    r = request(SIPUA_METHOD_BYE);
    r.max_forwards = 256;
    assert_int_equal(sipua__dialog_build_request(d, &r, out, sizeof out, NULL, NULL), SIPUA_EINVAL);
    /* too small a buffer */
    r = request(SIPUA_METHOD_BYE);
    assert_int_equal(sipua__dialog_build_request(d, &r, out, 100, NULL, NULL), SIPUA_ENOSPC);
    int has;
    assert_int_equal(sipua__dialog_local_cseq(d, &has), 2);
    assert_int_equal(sipua__dialog_build_request(NULL, &r, out, sizeof out, NULL, NULL),
                     SIPUA_EINVAL);
    sipua__dialog_terminate(d);
    assert_int_equal(sipua__dialog_build_request(d, &r, out, sizeof out, NULL, NULL), SIPUA_ESTATE);
    sipua__dialog_free(d);
}

static void test_15_early_dialog_bye_only_from_the_caller(void **state)
{
    (void)state;
    char out[2048];
    sipua__dialog *d = uas(180, "");
    sipua__dialog_request r = request(SIPUA_METHOD_BYE);
    assert_int_equal(sipua__dialog_build_request(d, &r, out, sizeof out, NULL, NULL), SIPUA_ESTATE);
    /* an ACK needs an INVITE we sent */
    r = request(SIPUA_METHOD_ACK);
    assert_int_equal(sipua__dialog_build_request(d, &r, out, sizeof out, NULL, NULL), SIPUA_ESTATE);
    /* UPDATE is fine in an early dialog (RFC 3311) */
    r = request(SIPUA_METHOD_UPDATE);
    r.contact = SIPUA_STR("<sip:bob@192.0.2.4>");
    assert_true(sipua__dialog_build_request(d, &r, out, sizeof out, NULL, NULL) > 0);
    sipua__dialog_free(d);
    d = uac(183, "", "");
    r = request(SIPUA_METHOD_INVITE);
    r.contact = SIPUA_STR("<sip:alice@client.atlanta.example.com>");
    assert_int_equal(sipua__dialog_build_request(d, &r, out, sizeof out, NULL, NULL), SIPUA_ESTATE);
    r = request(SIPUA_METHOD_BYE);
    assert_true(sipua__dialog_build_request(d, &r, out, sizeof out, NULL, NULL) > 0);
    sipua__dialog_free(d);
}

static void test_12_2_1_1_strict_route_with_headers_and_no_parameters(void **state)
{
    (void)state;
    sipua__dialog *d = uac(200, "", "Record-Route: <sip:strict.example.com?Subject=x>\n");
    sipua__dialog_request r = request(SIPUA_METHOD_BYE);
    char out[2048];
    sipua_str hop;
    int n = sipua__dialog_build_request(d, &r, out, sizeof out - 1, &hop, NULL);
    assert_true(n > 0);
    out[n] = 0;
    assert_non_null(strstr(out, "BYE sip:strict.example.com SIP/2.0\r\n"));
    assert_span(hop, "sip:strict.example.com?Subject=x");
    sipua__dialog_free(d);
}

static void test_8_1_1_5_cseq_stops_at_the_largest_number(void **state)
{
    (void)state;
    pmsg req = parse("INVITE sip:bob@biloxi.example.com SIP/2.0\n"
                     "Via: SIP/2.0/UDP client.atlanta.example.com;branch=z9hG4bK74bf9\n"
                     "From: <sip:alice@atlanta.example.com>;tag=" ALICE_TAG "\n"
                     "To: <sip:bob@biloxi.example.com>\n"
                     "Call-ID: " CALL_ID "\n"
                     "CSeq: 4294967295 INVITE\n"
                     "Contact: <sip:alice@client.atlanta.example.com>\n"
                     "Content-Length: 0\n\n");
    pmsg ok = response(200, BOB_TAG, BOB_CONTACT, "");
    sipua__dialog *d;
    assert_int_equal(sipua__dialog_new_uac(req.m, ok.m, 0, NULL, &d), 0);
    sipua__dialog_request r = request(SIPUA_METHOD_BYE);
    char out[2048];
    assert_int_equal(sipua__dialog_build_request(d, &r, out, sizeof out, NULL, NULL), SIPUA_ELIMIT);
    /* the ACK still goes: it reuses the number */
    r = request(SIPUA_METHOD_ACK);
    assert_true(sipua__dialog_build_request(d, &r, out, sizeof out, NULL, NULL) > 0);
    sipua__dialog_free(d);
}

static void test_12_1_2_contact_star_is_no_contact(void **state)
{
    (void)state;
    pmsg req = invite(""), star = response(180, BOB_TAG, "*", "");
    sipua__dialog *d;
    assert_int_equal(sipua__dialog_new_uac(req.m, star.m, 0, NULL, &d), 0);
    assert_span(sipua__dialog_remote_target(d), "sip:bob@biloxi.example.com");
    sipua__dialog_free(d);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(sipua__dialog_state_name(SIPUA__DIALOG_EARLY), "Early");
    assert_string_equal(sipua__dialog_state_name(SIPUA__DIALOG_CONFIRMED), "Confirmed");
    assert_string_equal(sipua__dialog_state_name(SIPUA__DIALOG_TERMINATED), "Terminated");
    assert_string_equal(sipua__dialog_state_name((sipua__dialog_state)9), "?");
    static const char *const outcomes[] = {"No dialog",        "Created early", "Early updated",
                                           "Late provisional", "Confirmed",     "2xx again",
                                           "Extra confirmed"};
    for (int i = 0; i < 7; i++)
        assert_string_equal(sipua__dialog_outcome_name((sipua__dialog_outcome)i), outcomes[i]);
    assert_string_equal(sipua__dialog_outcome_name((sipua__dialog_outcome)9), "?");
    assert_int_equal(sipua__dialog_is_target_refresh(SIPUA_METHOD_REFER), 0);
    assert_int_equal(sipua__dialog_is_target_refresh(SIPUA_METHOD_NOTIFY), 1);
}

/* ------------------------------------------------------------------ */
/* 12.2.2: requests received                                           */

static void test_12_2_2_cseq_must_go_up(void **state)
{
    (void)state;
    sipua__dialog *d = uac(200, "", ""); /* remote CSeq empty */
    pmsg info = from_bob("INFO", 100, NULL);
    assert_int_equal(sipua__dialog_recv_request(d, info.m), 0);
    int has;
    assert_int_equal(sipua__dialog_remote_cseq(d, &has), 100);
    assert_int_equal(has, 1);
    /* the same number again, and a lower one: out of order */
    assert_int_equal(sipua__dialog_recv_request(d, info.m), 500);
    pmsg lower = from_bob("INFO", 99, NULL);
    assert_int_equal(sipua__dialog_recv_request(d, lower.m), 500);
    assert_int_equal(sipua__dialog_remote_cseq(d, NULL), 100);
    /* gaps are fine */
    pmsg higher = from_bob("OPTIONS", 150, NULL);
    assert_int_equal(sipua__dialog_recv_request(d, higher.m), 0);
    assert_int_equal(sipua__dialog_remote_cseq(d, NULL), 150);
    sipua__dialog_free(d);
}

static void test_12_2_2_ack_and_cancel_carry_an_earlier_number(void **state)
{
    (void)state;
    sipua__dialog *d = uas(200, ""); /* remote CSeq 2 INVITE */
    pmsg ack = from_bob("ACK", 2, NULL), stale = from_bob("ACK", 1, NULL);
    /* (the ACK comes from Alice: from_bob's tags are right for a dialog
     * where Bob is remote; here only the CSeq matters) */
    assert_int_equal(sipua__dialog_recv_request(d, ack.m), 0);
    assert_int_equal(sipua__dialog_recv_request(d, stale.m), SIPUA_ENOTFOUND);
    pmsg reinvite = from_bob("INVITE", 3, "<sip:alice@192.0.2.9>");
    assert_int_equal(sipua__dialog_recv_request(d, reinvite.m), 0);
    pmsg cancel = from_bob("CANCEL", 3, NULL), ack3 = from_bob("ACK", 3, NULL);
    assert_int_equal(sipua__dialog_recv_request(d, cancel.m), 0);
    assert_int_equal(sipua__dialog_recv_request(d, ack3.m), 0);
    assert_int_equal(sipua__dialog_recv_request(d, ack.m), SIPUA_ENOTFOUND);
    assert_int_equal(sipua__dialog_remote_cseq(d, NULL), 3);
    sipua__dialog_free(d);
}

static void test_12_2_2_target_refresh_on_reinvite_and_update_only(void **state)
{
    (void)state;
    sipua__dialog *d = uac(200, "", "");
    pmsg info = from_bob("INFO", 10, "<sip:bob@198.51.100.1>");
    assert_int_equal(sipua__dialog_recv_request(d, info.m), 0);
    assert_span(sipua__dialog_remote_target(d), "sip:bob@192.0.2.4");
    pmsg reinvite = from_bob("INVITE", 11, "<sip:bob@198.51.100.2;transport=tcp>;expires=60");
    assert_int_equal(sipua__dialog_recv_request(d, reinvite.m), 0);
    assert_span(sipua__dialog_remote_target(d), "sip:bob@198.51.100.2;transport=tcp");
    pmsg update = from_bob("UPDATE", 12, "<sip:bob@198.51.100.3>");
    assert_int_equal(sipua__dialog_recv_request(d, update.m), 0);
    assert_span(sipua__dialog_remote_target(d), "sip:bob@198.51.100.3");
    /* a refresh without Contact keeps the target */
    pmsg nocontact = from_bob("UPDATE", 13, NULL);
    assert_int_equal(sipua__dialog_recv_request(d, nocontact.m), 0);
    assert_span(sipua__dialog_remote_target(d), "sip:bob@198.51.100.3");
    /* the next request goes to the new target */
    sipua__dialog_request r = request(SIPUA_METHOD_BYE);
    char out[2048];
    sipua_str hop;
    assert_true(sipua__dialog_build_request(d, &r, out, sizeof out, &hop, NULL) > 0);
    assert_span(hop, "sip:bob@198.51.100.3");
    assert_int_equal(strncmp(out, "BYE sip:bob@198.51.100.3 SIP/2.0\r\n", 34), 0);
    /* a malformed Contact in a refresh: 400, nothing changed */
    pmsg bad = from_bob("INVITE", 14, "<sip:bob@[::1>");
    assert_int_equal(sipua__dialog_recv_request(d, bad.m), SIPUA_EPARSE);
    assert_int_equal(sipua__dialog_remote_cseq(d, NULL), 13);
    sipua__dialog_free(d);
}

static void test_12_2_1_2_target_refresh_by_the_2xx_of_our_reinvite(void **state)
{
    (void)state;
    sipua__dialog *d = uac(200, "", "");
    pmsg ok_info = bob_answers(200, 3, "INFO", "<sip:bob@198.51.100.1>");
    assert_int_equal(sipua__dialog_recv_response(d, ok_info.m), 0);
    assert_span(sipua__dialog_remote_target(d), "sip:bob@192.0.2.4");
    pmsg ringing = bob_answers(180, 4, "INVITE", "<sip:bob@198.51.100.2>");
    assert_int_equal(sipua__dialog_recv_response(d, ringing.m), 0);
    assert_span(sipua__dialog_remote_target(d), "sip:bob@192.0.2.4");
    pmsg ok = bob_answers(200, 4, "INVITE", "<sip:bob@198.51.100.3>");
    assert_int_equal(sipua__dialog_recv_response(d, ok.m), 0);
    assert_span(sipua__dialog_remote_target(d), "sip:bob@198.51.100.3");
    pmsg ok_update = bob_answers(200, 5, "UPDATE", "<sip:bob@198.51.100.4>");
    assert_int_equal(sipua__dialog_recv_response(d, ok_update.m), 0);
    assert_span(sipua__dialog_remote_target(d), "sip:bob@198.51.100.4");
    pmsg busy = bob_answers(491, 6, "INVITE", NULL);
    assert_int_equal(sipua__dialog_recv_response(d, busy.m), 0);
    assert_int_equal(sipua__dialog_get_state(d), SIPUA__DIALOG_CONFIRMED);
    assert_int_equal(sipua__dialog_recv_response(d, NULL), SIPUA_EINVAL);
    sipua__dialog_free(d);
}

static void test_12_2_1_2_481_and_408_terminate_the_dialog(void **state)
{
    (void)state;
    static const int codes[] = {481, 408};
    for (size_t i = 0; i < 2; i++) {
        sipua__dialog *d = uac(200, "", "");
        pmsg r = bob_answers(codes[i], 3, "INFO", NULL);
        assert_int_equal(sipua__dialog_recv_response(d, r.m), 0);
        assert_int_equal(sipua__dialog_get_state(d), SIPUA__DIALOG_TERMINATED);
        sipua__dialog_free(d);
    }
}

static void test_15_1_2_bye_received_terminates_the_dialog(void **state)
{
    (void)state;
    sipua__dialog *d = uac(200, "", "");
    pmsg bye = from_bob("BYE", 20, NULL), late = from_bob("INFO", 21, NULL);
    assert_int_equal(sipua__dialog_recv_request(d, bye.m), 0);
    assert_int_equal(sipua__dialog_get_state(d), SIPUA__DIALOG_TERMINATED);
    assert_int_equal(sipua__dialog_recv_request(d, late.m), SIPUA_ESTATE);
    assert_int_equal(sipua__dialog_recv_request(d, NULL), SIPUA_EINVAL);
    pmsg resp = bob_answers(200, 3, "INFO", NULL);
    assert_int_equal(sipua__dialog_recv_request(d, resp.m), SIPUA_EINVAL);
    sipua__dialog_free(d);
}

/* ------------------------------------------------------------------ */
/* Tables: matching (12.2.2) and dialog sets (12.1.2, 13.2.2.4)        */

static void test_12_2_2_match_requests_and_responses(void **state)
{
    (void)state;
    sipua__dialog_table *t = sipua__dialog_table_new(NULL, 42);
    assert_non_null(t);
    sipua__dialog *d = uac(200, "", "");
    assert_int_equal(sipua__dialog_table_add(t, d), 0);
    assert_int_equal(sipua__dialog_table_add(t, d), SIPUA_EINVAL);
    assert_int_equal(sipua__dialog_table_count(t), 1);

    pmsg req = from_bob("INFO", 5, NULL), resp = bob_answers(200, 3, "INFO", NULL);
    assert_ptr_equal(sipua__dialog_table_match(t, req.m), d);
    assert_ptr_equal(sipua__dialog_table_match(t, resp.m), d);
    /* tags ignore case; the Call-ID does not */
    assert_ptr_equal(sipua__dialog_table_find(t, SIPUA_STR(CALL_ID), SIPUA_STR("9FXCED76SL"),
                                              SIPUA_STR(BOB_TAG)),
                     d);
    assert_null(sipua__dialog_table_find(t, SIPUA_STR("3848276298220188511@ATLANTA.example.com"),
                                         SIPUA_STR(ALICE_TAG), SIPUA_STR(BOB_TAG)));
    /* a request without To tag, one with another remote tag: no dialog */
    pmsg out = parse("INFO sip:alice@client.atlanta.example.com SIP/2.0\n"
                     "Via: SIP/2.0/UDP bobspc.biloxi.example.com;branch=z9hG4bKn\n"
                     "From: Bob <sip:bob@biloxi.example.com>;tag=other\n"
                     "To: Alice <sip:alice@atlanta.example.com>;tag=" ALICE_TAG "\n"
                     "Call-ID: " CALL_ID "\n"
                     "CSeq: 1 INFO\n"
                     "Content-Length: 0\n\n");
    pmsg init = invite("");
    assert_null(sipua__dialog_table_match(t, out.m));
    assert_null(sipua__dialog_table_match(t, init.m));
    assert_null(sipua__dialog_table_match(t, NULL));

    sipua__dialog_free(d); /* leaves the table */
    assert_int_equal(sipua__dialog_table_count(t), 0);
    assert_null(sipua__dialog_table_match(t, req.m));
    sipua__dialog_table_free(t);
}

static void test_12_1_2_forked_early_dialogs_then_the_first_2xx_wins(void **state)
{
    (void)state;
    sipua__dialog_table *t = sipua__dialog_table_new(NULL, 7);
    pmsg inv = invite("");
    pmsg trying = response(100, NULL, NULL, "");
    pmsg a180 = response(180, "forkA", "<sip:bob@192.0.2.10>", "Record-Route: " P2 ", " P1 "\n");
    pmsg b180 = response(180, "forkB", "<sip:bob@192.0.2.20>", "Record-Route: " P1 "\n");
    pmsg b183 = response(183, "forkB", "<sip:bob@192.0.2.21>", "Record-Route: " P1 "\n");
    pmsg b200 = response(200, "forkB", "<sip:bob@192.0.2.22>",
                         "Record-Route: " P3 "\nRecord-Route: " P1 "\n");
    pmsg a200 = response(200, "forkA", "<sip:bob@192.0.2.11>", "Record-Route: " P2 ", " P1 "\n");
    pmsg c200 = response(200, "forkC", "<sip:bob@192.0.2.30>", "");
    sipua__dialog *d, *a, *b;
    sipua__dialog_outcome o;

    assert_int_equal(sipua__dialog_table_uac_response(t, inv.m, trying.m, 0, &d, &o), 0);
    assert_int_equal(o, SIPUA__DIALOG_SET_NO_DIALOG);
    assert_null(d);
    assert_int_equal(sipua__dialog_table_uac_response(t, inv.m, a180.m, 0, &a, &o), 0);
    assert_int_equal(o, SIPUA__DIALOG_SET_CREATED_EARLY);
    assert_int_equal(sipua__dialog_table_uac_response(t, inv.m, b180.m, 0, &b, &o), 0);
    assert_int_equal(o, SIPUA__DIALOG_SET_CREATED_EARLY);
    assert_ptr_not_equal(a, b);
    assert_int_equal(sipua__dialog_table_count(t), 2);
    /* both forks in the set, in the order they answered */
    sipua_str cid = SIPUA_STR(CALL_ID), tag = SIPUA_STR(ALICE_TAG);
    assert_ptr_equal(sipua__dialog_table_first_in_set(t, cid, tag), a);
    assert_ptr_equal(sipua__dialog_table_next_in_set(a), b);
    assert_null(sipua__dialog_table_next_in_set(b));
    /* another 1xx on fork B refreshes its target */
    assert_int_equal(sipua__dialog_table_uac_response(t, inv.m, b183.m, 0, &d, &o), 0);
    assert_int_equal(o, SIPUA__DIALOG_SET_EARLY_UPDATED);
    assert_ptr_equal(d, b);
    assert_span(sipua__dialog_remote_target(b), "sip:bob@192.0.2.21");

    /* B answers first: confirmed, route set recomputed from the 2xx */
    assert_int_equal(sipua__dialog_table_uac_response(t, inv.m, b200.m, 0, &d, &o), 0);
    assert_int_equal(o, SIPUA__DIALOG_SET_CONFIRMED);
    assert_ptr_equal(d, b);
    assert_int_equal(sipua__dialog_get_state(b), SIPUA__DIALOG_CONFIRMED);
    static const char *const routes_b[] = {P1, P3};
    assert_routes(b, routes_b, 2);
    assert_span(sipua__dialog_remote_target(b), "sip:bob@192.0.2.22");
    /* its retransmission */
    assert_int_equal(sipua__dialog_table_uac_response(t, inv.m, b200.m, 0, &d, &o), 0);
    assert_int_equal(o, SIPUA__DIALOG_SET_2XX_AGAIN);
    assert_ptr_equal(d, b);
    /* a late 1xx */
    assert_int_equal(sipua__dialog_table_uac_response(t, inv.m, b180.m, 0, &d, &o), 0);
    assert_int_equal(o, SIPUA__DIALOG_SET_LATE_PROVISIONAL);
    /* A's 2xx comes second: confirmed too, for the caller to ACK and BYE */
    assert_int_equal(sipua__dialog_table_uac_response(t, inv.m, a200.m, 0, &d, &o), 0);
    assert_int_equal(o, SIPUA__DIALOG_SET_EXTRA_CONFIRMED);
    assert_ptr_equal(d, a);
    assert_int_equal(sipua__dialog_get_state(a), SIPUA__DIALOG_CONFIRMED);
    /* and a fork never heard from before */
    sipua__dialog *c;
    assert_int_equal(sipua__dialog_table_uac_response(t, inv.m, c200.m, 0, &c, &o), 0);
    assert_int_equal(o, SIPUA__DIALOG_SET_EXTRA_CONFIRMED);
    assert_int_equal(sipua__dialog_table_count(t), 3);
    assert_string_equal(sipua__dialog_outcome_name(o), "Extra confirmed");

    /* the caller ACKs then BYEs fork C, each within C's own dialog */
    sipua__dialog_request r = request(SIPUA_METHOD_ACK);
    assert_built(c, &r,
                 "ACK sip:bob@192.0.2.30 SIP/2.0\n" VIA_MF(
                     "z9hG4bKnew1") "To: Bob <sip:bob@biloxi.example.com>;tag=forkC\n"
                                    "From: Alice <sip:alice@atlanta.example.com>;tag=" ALICE_TAG
                                    "\n"
                                    "Call-ID: " CALL_ID "\n"
                                    "CSeq: 2 ACK\n"
                                    "Content-Length: 0\n\n",
                 "sip:bob@192.0.2.30");
    r = request(SIPUA_METHOD_BYE);
    r.branch = SIPUA_STR("z9hG4bKbye");
    assert_built(c, &r,
                 "BYE sip:bob@192.0.2.30 SIP/2.0\n" VIA_MF(
                     "z9hG4bKbye") "To: Bob <sip:bob@biloxi.example.com>;tag=forkC\n"
                                   "From: Alice <sip:alice@atlanta.example.com>;tag=" ALICE_TAG "\n"
                                   "Call-ID: " CALL_ID "\n"
                                   "CSeq: 3 BYE\n"
                                   "Content-Length: 0\n\n",
                 "sip:bob@192.0.2.30");
    sipua__dialog_table_free(t); /* frees the three dialogs */
}

static void test_13_2_2_3_non_2xx_final_ends_the_early_dialogs(void **state)
{
    (void)state;
    sipua__dialog_table *t = sipua__dialog_table_new(NULL, 7);
    pmsg inv = invite("");
    pmsg a180 = response(180, "forkA", BOB_CONTACT, ""), b180 = response(180, "forkB", NULL, "");
    pmsg nt180 = response(180, NULL, NULL, "");
    pmsg busy = response(486, "forkA", NULL, "");
    sipua__dialog *a, *b, *d;
    sipua__dialog_outcome o;
    assert_int_equal(sipua__dialog_table_uac_response(t, inv.m, a180.m, 0, &a, &o), 0);
    assert_int_equal(sipua__dialog_table_uac_response(t, inv.m, b180.m, 0, &b, &o), 0);
    assert_int_equal(sipua__dialog_table_uac_response(t, inv.m, nt180.m, 0, &d, &o), 0);
    assert_int_equal(o, SIPUA__DIALOG_SET_NO_DIALOG);
    assert_null(d);
    assert_int_equal(sipua__dialog_table_uac_response(t, inv.m, busy.m, 0, &d, &o), 0);
    assert_int_equal(o, SIPUA__DIALOG_SET_NO_DIALOG);
    assert_int_equal(sipua__dialog_get_state(a), SIPUA__DIALOG_TERMINATED);
    assert_int_equal(sipua__dialog_get_state(b), SIPUA__DIALOG_TERMINATED);
    assert_int_equal(sipua__dialog_table_end_early(t, SIPUA_STR(CALL_ID), SIPUA_STR(ALICE_TAG)), 0);
    sipua__dialog_table_free(t);
}

static void test_13_2_2_4_uac_response_errors(void **state)
{
    (void)state;
    sipua__dialog_table *t = sipua__dialog_table_new(NULL, 7);
    pmsg inv = invite(""), notag = response(200, NULL, BOB_CONTACT, "");
    sipua__dialog *d;
    sipua__dialog_outcome o;
    assert_int_equal(sipua__dialog_table_uac_response(t, inv.m, notag.m, 0, &d, &o), SIPUA_EPARSE);
    assert_int_equal(sipua__dialog_table_uac_response(t, inv.m, inv.m, 0, &d, &o), SIPUA_EINVAL);
    assert_int_equal(sipua__dialog_table_uac_response(NULL, inv.m, notag.m, 0, &d, &o),
                     SIPUA_EINVAL);
    /* a response whose From tag is not ours */
    pmsg theirs = parse("SIP/2.0 200 OK\n"
                        "Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9\n"
                        "From: Alice <sip:alice@atlanta.example.com>;tag=someoneelse\n"
                        "To: Bob <sip:bob@biloxi.example.com>;tag=x\n"
                        "Call-ID: " CALL_ID "\n"
                        "CSeq: 2 INVITE\n"
                        "Content-Length: 0\n\n");
    assert_int_equal(sipua__dialog_table_uac_response(t, inv.m, theirs.m, 0, &d, &o), SIPUA_EINVAL);
    assert_int_equal(sipua__dialog_table_count(t), 0);
    sipua__dialog_table_free(t);
}

static void test_table_grows_and_finds_ten_thousand_dialogs(void **state)
{
    (void)state;
    enum { N = 10000 };
    sipua__dialog_table *t = sipua__dialog_table_new(NULL, 0x1234);
    pmsg req = invite("");
    static sipua__dialog *all[N];
    char tag[32];
    for (int i = 0; i < N; i++) {
        snprintf(tag, sizeof tag, "local%d", i / 2); /* two per set */
        assert_int_equal(
            sipua__dialog_new_uas(req.m, (sipua_str){tag, strlen(tag)}, 200, 0, NULL, &all[i]), 0);
        if (i % 2) {
            /* the second of the set: same local tag, another remote tag
             * (made by hand: a second INVITE with another From tag) */
            sipua__dialog_free(all[i]);
            char text[1024];
            snprintf(text, sizeof text,
                     "INVITE sip:bob@biloxi.example.com SIP/2.0\n"
                     "Via: SIP/2.0/UDP h;branch=z9hG4bKx\n"
                     "From: <sip:alice@atlanta.example.com>;tag=r%d\n"
                     "To: <sip:bob@biloxi.example.com>\n"
                     "Call-ID: " CALL_ID "\n"
                     "CSeq: 1 INVITE\n"
                     "Contact: <sip:a@h>\n"
                     "Content-Length: 0\n\n",
                     i);
            pmsg other = parse(text);
            assert_int_equal(sipua__dialog_new_uas(other.m, (sipua_str){tag, strlen(tag)}, 200, 0,
                                                   NULL, &all[i]),
                             0);
            drop(&other);
        }
        assert_int_equal(sipua__dialog_table_add(t, all[i]), 0);
    }
    assert_int_equal(sipua__dialog_table_count(t), N);
    for (int i = 0; i < N; i++) {
        sipua__dialog *d = all[i];
        assert_ptr_equal(sipua__dialog_table_find(t, sipua__dialog_call_id(d),
                                                  sipua__dialog_local_tag(d),
                                                  sipua__dialog_remote_tag(d)),
                         d);
        if (i % 2 == 0) {
            assert_ptr_equal(sipua__dialog_table_first_in_set(t, sipua__dialog_call_id(d),
                                                              sipua__dialog_local_tag(d)),
                             d);
            assert_ptr_equal(sipua__dialog_table_next_in_set(d), all[i + 1]);
            assert_null(sipua__dialog_table_next_in_set(all[i + 1]));
        }
    }
    /* free every third; the rest stays findable */
    size_t left = N;
    for (int i = 0; i < N; i += 3) {
        sipua__dialog_free(all[i]);
        all[i] = NULL;
        left--;
    }
    assert_int_equal(sipua__dialog_table_count(t), left);
    for (int i = 0; i < N; i++) {
        sipua__dialog *d = all[i];
        if (d)
            assert_ptr_equal(sipua__dialog_table_find(t, sipua__dialog_call_id(d),
                                                      sipua__dialog_local_tag(d),
                                                      sipua__dialog_remote_tag(d)),
                             d);
    }
    sipua__dialog_table_free(t);
}

/* ------------------------------------------------------------------ */
/* Allocation failure                                                  */

/* Runs step(f) with budgets 0, 1, 2... until it succeeds; every failing
 * budget must return SIPUA_ENOMEM and leave no block behind. Returns the
 * budget that succeeded. */
static int every_budget(int (*step)(const sipua_allocator *a, void *arg), void *arg)
{
    for (int budget = 0; budget < 50; budget++) {
        failalloc f;
        failalloc_init(&f, budget);
        int r = step(&f.a, arg);
        assert_int_equal(f.live, 0);
        if (r == 0)
            return budget;
        assert_int_equal(r, SIPUA_ENOMEM);
    }
    fail_msg("never succeeded");
    return -1;
}

static int uac_step(const sipua_allocator *a, void *arg)
{
    (void)arg;
    pmsg req = invite(""), resp = response(200, BOB_TAG, BOB_CONTACT, "Record-Route: " P1 "\n");
    sipua__dialog *d;
    int r = sipua__dialog_new_uac(req.m, resp.m, 0, a, &d);
    if (r == 0) {
        assert_span(sipua__dialog_route(d, 0), P1);
        sipua__dialog_free(d);
    }
    drop(&req);
    drop(&resp);
    return r;
}

static int uas_step(const sipua_allocator *a, void *arg)
{
    (void)arg;
    pmsg req = invite("Record-Route: " P1 "\n");
    sipua__dialog *d;
    int r = sipua__dialog_new_uas(req.m, SIPUA_STR("t"), 180, 0, a, &d);
    if (r == 0)
        sipua__dialog_free(d);
    drop(&req);
    return r;
}

/* The whole forked flow on one allocator: every call either succeeds or
 * fails with ENOMEM leaving its dialog as it was, and the flow is retried
 * from the failed step. */
static int fork_step(const sipua_allocator *a, void *arg)
{
    (void)arg;
    sipua__dialog_table *t = sipua__dialog_table_new(a, 1);
    if (!t)
        return SIPUA_ENOMEM;
    pmsg inv = invite("");
    pmsg a180 = response(180, "forkA", NULL, "Record-Route: " P1 "\n");
    pmsg a183 = response(183, "forkA", "<sip:bob@192.0.2.10>", "Record-Route: " P1 "\n");
    pmsg a200 = response(200, "forkA", "<sip:bob@192.0.2.11>", "Record-Route: " P2 "\n");
    pmsg b200 = response(200, "forkB", "<sip:bob@192.0.2.20>", "");
    pmsg reinv = from_bob("INVITE", 9, "<sip:bob@192.0.2.12>");
    pmsg ok = bob_answers(200, 3, "UPDATE", "<sip:bob@192.0.2.13>");
    const pmsg *steps[] = {&a180, &a183, &a200, &b200};
    sipua__dialog *d = NULL, *first = NULL;
    sipua__dialog_outcome o = SIPUA__DIALOG_SET_NO_DIALOG;
    int r = 0;
    for (size_t i = 0; i < 4 && r == 0; i++) {
        size_t count = sipua__dialog_table_count(t);
        sipua__dialog_state before = first ? sipua__dialog_get_state(first) : 0;
        char target[64] = "";
        if (first)
            snprintf(target, sizeof target, "%.*s", (int)sipua__dialog_remote_target(first).len,
                     sipua__dialog_remote_target(first).p);
        r = sipua__dialog_table_uac_response(t, inv.m, steps[i]->m, 0, &d, &o);
        if (i == 0 && r == 0)
            first = d;
        if (r == SIPUA_ENOMEM) {
            /* the failed step left everything as it was */
            assert_int_equal(sipua__dialog_table_count(t), count);
            if (first) {
                assert_int_equal(sipua__dialog_get_state(first), before);
                assert_span(sipua__dialog_remote_target(first), target);
            }
        }
    }
    if (r == 0) {
        assert_int_equal(o, SIPUA__DIALOG_SET_EXTRA_CONFIRMED);
        assert_span(sipua__dialog_remote_target(first), "sip:bob@192.0.2.11");
        r = sipua__dialog_recv_request(first, reinv.m);
        if (r == SIPUA_ENOMEM)
            assert_span(sipua__dialog_remote_target(first), "sip:bob@192.0.2.11");
    }
    if (r == 0) {
        assert_span(sipua__dialog_remote_target(first), "sip:bob@192.0.2.12");
        r = sipua__dialog_recv_response(first, ok.m);
        if (r == SIPUA_ENOMEM)
            assert_span(sipua__dialog_remote_target(first), "sip:bob@192.0.2.12");
    }
    if (r == 0)
        assert_span(sipua__dialog_remote_target(first), "sip:bob@192.0.2.13");
    drop(&inv);
    drop(&a180);
    drop(&a183);
    drop(&a200);
    drop(&b200);
    drop(&reinv);
    drop(&ok);
    sipua__dialog_table_free(t);
    return r;
}

static void test_alloc_failure_at_every_step_leaks_nothing(void **state)
{
    (void)state;
    /* a dialog with a route set: the route set and the dialog itself (its
     * strings and first target in the same block) */
    assert_int_equal(every_budget(uac_step, NULL), 2);
    assert_int_equal(every_budget(uas_step, NULL), 2);
    assert_true(every_budget(fork_step, NULL) > 8);
}

static void test_table_growth_failure_keeps_working(void **state)
{
    (void)state;
    failalloc f;
    failalloc_init(&f, 2); /* the table and its buckets, nothing more */
    sipua__dialog_table *t = sipua__dialog_table_new(&f.a, 9);
    assert_non_null(t);
    pmsg req = invite("");
    sipua__dialog *all[200];
    char tag[16];
    for (int i = 0; i < 200; i++) {
        snprintf(tag, sizeof tag, "t%d", i);
        assert_int_equal(
            sipua__dialog_new_uas(req.m, (sipua_str){tag, strlen(tag)}, 200, 0, NULL, &all[i]), 0);
        assert_int_equal(sipua__dialog_table_add(t, all[i]), 0);
    }
    for (int i = 0; i < 200; i++)
        assert_ptr_equal(sipua__dialog_table_find(t, SIPUA_STR(CALL_ID),
                                                  sipua__dialog_local_tag(all[i]),
                                                  SIPUA_STR(ALICE_TAG)),
                         all[i]);
    sipua__dialog_table_free(t);
    assert_int_equal(f.live, 0);
    failalloc_init(&f, 1);
    assert_null(sipua__dialog_table_new(&f.a, 9));
    assert_int_equal(f.live, 0);
    failalloc_init(&f, 0);
    assert_null(sipua__dialog_table_new(&f.a, 9));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_12_1_2_uac_180_with_to_tag_creates_an_early_dialog,
                                  drop_all),
        cmocka_unit_test_teardown(test_12_1_2_uac_200_creates_a_confirmed_dialog, drop_all),
        cmocka_unit_test_teardown(test_12_1_2_uac_route_set_is_the_record_route_reversed, drop_all),
        cmocka_unit_test_teardown(test_12_1_2_uac_route_values_keep_their_parameters, drop_all),
        cmocka_unit_test_teardown(test_12_1_2_uac_response_without_contact_targets_the_request_uri,
                                  drop_all),
        cmocka_unit_test_teardown(test_12_1_2_uac_creation_errors, drop_all),
        cmocka_unit_test_teardown(test_12_1_1_uas_dialog_from_the_request_and_our_tag, drop_all),
        cmocka_unit_test_teardown(test_12_1_1_uas_route_set_is_the_record_route_in_order, drop_all),
        cmocka_unit_test_teardown(test_12_1_1_uas_creation_errors, drop_all),
        cmocka_unit_test_teardown(test_12_1_1_uas_from_without_tag_gives_an_empty_remote_tag,
                                  drop_all),
        cmocka_unit_test_teardown(test_12_1_secure_only_for_a_sips_request_uri_over_tls, drop_all),
        cmocka_unit_test_teardown(test_12_2_1_1_bye_without_route_set, drop_all),
        cmocka_unit_test_teardown(test_12_2_1_1_loose_routing_uac_three_proxies, drop_all),
        cmocka_unit_test_teardown(test_12_2_1_1_loose_routing_uas_three_proxies, drop_all),
        cmocka_unit_test_teardown(test_12_2_1_1_strict_router_first, drop_all),
        cmocka_unit_test_teardown(
            test_12_2_1_1_strict_router_alone_and_later_strict_routes_do_not_count, drop_all),
        cmocka_unit_test_teardown(test_13_2_2_4_reinvite_then_ack_reuses_its_cseq, drop_all),
        cmocka_unit_test_teardown(test_12_2_1_1_info_with_body_and_refer, drop_all),
        cmocka_unit_test_teardown(test_12_2_1_1_every_method_counts_up_but_ack, drop_all),
        cmocka_unit_test_teardown(test_12_2_1_1_refused_requests_change_nothing, drop_all),
        cmocka_unit_test_teardown(test_15_early_dialog_bye_only_from_the_caller, drop_all),
        cmocka_unit_test_teardown(test_12_2_1_1_strict_route_with_headers_and_no_parameters,
                                  drop_all),
        cmocka_unit_test_teardown(test_8_1_1_5_cseq_stops_at_the_largest_number, drop_all),
        cmocka_unit_test_teardown(test_12_1_2_contact_star_is_no_contact, drop_all),
        cmocka_unit_test_teardown(test_names, drop_all),
        cmocka_unit_test_teardown(test_12_2_2_cseq_must_go_up, drop_all),
        cmocka_unit_test_teardown(test_12_2_2_ack_and_cancel_carry_an_earlier_number, drop_all),
        cmocka_unit_test_teardown(test_12_2_2_target_refresh_on_reinvite_and_update_only, drop_all),
        cmocka_unit_test_teardown(test_12_2_1_2_target_refresh_by_the_2xx_of_our_reinvite,
                                  drop_all),
        cmocka_unit_test_teardown(test_12_2_1_2_481_and_408_terminate_the_dialog, drop_all),
        cmocka_unit_test_teardown(test_15_1_2_bye_received_terminates_the_dialog, drop_all),
        cmocka_unit_test_teardown(test_12_2_2_match_requests_and_responses, drop_all),
        cmocka_unit_test_teardown(test_12_1_2_forked_early_dialogs_then_the_first_2xx_wins,
                                  drop_all),
        cmocka_unit_test_teardown(test_13_2_2_3_non_2xx_final_ends_the_early_dialogs, drop_all),
        cmocka_unit_test_teardown(test_13_2_2_4_uac_response_errors, drop_all),
        cmocka_unit_test_teardown(test_table_grows_and_finds_ten_thousand_dialogs, drop_all),
        cmocka_unit_test_teardown(test_alloc_failure_at_every_step_leaks_nothing, drop_all),
        cmocka_unit_test_teardown(test_table_growth_failure_keeps_working, drop_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
