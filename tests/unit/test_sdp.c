/* SDP and offer/answer, one test per rule:
 *
 * - RFC 4566 5 and 6: the fields, their order, the example of section 5,
 *   connection data with TTL and count, bandwidth, times, attributes and
 *   the media-level overriding of the session-level direction.
 * - Malformed descriptions, each with its reason, line and column.
 * - A WebRTC (Chrome/SIP.js style) offer with ICE, DTLS and BUNDLE.
 * - Round trips: parse, write, parse again.
 * - RFC 3264 offer/answer with the RFC 4317 examples: codec subsets,
 *   refusal by port 0, directions, hold (8.4), versions, the delayed offer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sipua/sdp.h"
#include "testutil.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

#define CRLF "\r\n"

#define assert_rc(got, want, what)                                                                 \
    check_rc_named((got), (want), (what), 1, sipua_err_name, __FILE__, __LINE__)

/* The description in a block of exactly its length, so that ASan sees any
 * read past it; kept until the next call. */
static char *held_copy;
static sipua_sdp *sdp_obj, *sdp_obj2;

static const char *own_copy(const char *text, size_t len)
{
    free(held_copy);
    held_copy = malloc(len ? len : 1);
    assert_non_null(held_copy);
    memcpy(held_copy, text, len);
    return held_copy;
}

static int parse_into(sipua_sdp *sdp, const char *text)
{
    size_t len = strlen(text);
    return sipua_sdp_parse(sdp, own_copy(text, len), len);
}

static const sipua_sdp *parse_ok(const char *text)
{
    int rc = parse_into(sdp_obj, text);
    if (rc != 0)
        print_error("parse failed: %s at line %u column %u\n", sdp_obj->error.reason,
                    sdp_obj->error.line, sdp_obj->error.column);
    assert_rc(rc, 0, text);
    return sdp_obj;
}

static char *load_sdp(const char *name, size_t *len)
{
    const char *data = getenv("SIPUA_TEST_DATA");
    char path[1024];
    snprintf(path, sizeof path, "%s/sdp/%s", data && *data ? data : "tests/data", name);
    return load_file(path, len);
}

static int setup(void **state)
{
    (void)state;
    sdp_obj = sipua_sdp_new(NULL, NULL);
    sdp_obj2 = sipua_sdp_new(NULL, NULL);
    return sdp_obj && sdp_obj2 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    sipua_sdp_free(sdp_obj);
    sipua_sdp_free(sdp_obj2);
    free(held_copy);
    held_copy = NULL;
    return 0;
}

static sipua_sdp_caps audio_caps(void)
{
    sipua_sdp_caps caps;
    sipua_sdp_caps_init(&caps);
    strcpy(caps.address, "192.0.2.10");
    caps.audio_port = 40000;
    return caps;
}

#define SESSION_HEAD                                                                               \
    "v=0" CRLF "o=- 1 1 IN IP4 192.0.2.1" CRLF "s=-" CRLF "c=IN IP4 192.0.2.1" CRLF "t=0 0" CRLF

/* ------------------------------------------------------------------ */
/* RFC 4566                                                            */

static void test_4566_5_example(void **state)
{
    (void)state;
    size_t len;
    char *text = load_sdp("rfc4566-5.sdp", &len);
    assert_rc(sipua_sdp_parse(sdp_obj, text, len), 0, "rfc4566-5.sdp");
    const sipua_sdp *s = sdp_obj;
    assert_span(s->origin.username, "jdoe");
    assert_span(s->origin.sess_id, "2890844526");
    assert_int_equal(s->origin.sess_version, 2890842807u);
    assert_span(s->origin.nettype, "IN");
    assert_span(s->origin.addrtype, "IP4");
    assert_span(s->origin.address, "10.47.16.5");
    assert_span(s->session_name, "SDP Seminar");
    assert_span(s->info, "A Seminar on the session description protocol");
    assert_span(s->uri, "http://www.example.com/seminars/sdp.pdf");
    assert_span(s->email, "j.doe@example.com (Jane Doe)");
    assert_span(s->conn.address, "224.2.17.12");
    assert_int_equal(s->conn.ttl, 127);
    assert_int_equal(s->conn.count, 1);
    assert_int_equal(s->start_time, 2873397496u);
    assert_int_equal(s->stop_time, 2873404696u);
    assert_int_equal(s->time_count, 1);
    assert_int_equal(s->direction, SIPUA_SDP_RECVONLY);
    assert_int_equal(s->media_count, 2);
    assert_span(s->media[0].media, "audio");
    assert_int_equal(s->media[0].port, 49170);
    assert_span(s->media[0].proto, "RTP/AVP");
    assert_int_equal(s->media[0].fmt_count, 1);
    assert_span(s->media[0].fmts[0], "0");
    /* session-level recvonly applies to both streams */
    assert_int_equal(s->media[0].direction, SIPUA_SDP_RECVONLY);
    assert_int_equal(s->media[1].direction, SIPUA_SDP_RECVONLY);
    assert_span(s->media[0].conn.address, "224.2.17.12");
    sipua_sdp_rtpmap r;
    assert_rc(sipua_sdp_media_rtpmap(&s->media[0], 0, &r), 0, "static pt 0");
    assert_span(r.encoding, "PCMU");
    assert_int_equal(r.clock_rate, 8000);
    assert_rc(sipua_sdp_media_rtpmap(&s->media[1], 0, &r), 0, "rtpmap 99");
    assert_int_equal(r.pt, 99);
    assert_span(r.encoding, "h263-1998");
    assert_int_equal(r.clock_rate, 90000);
    assert_int_equal(r.channels, 1);
    assert_int_equal(s->line_count, 12);
    assert_int_equal(s->media[1].line, 11);
    assert_int_equal(s->media[1].line_count, 2);
    free(text);
}

static void test_4566_5_lf_line_ends_and_optional_fields(void **state)
{
    (void)state;
    const sipua_sdp *s = parse_ok("v=0\no=- 0 0 IN IP4 h.example.com\ns= \ni=info\n"
                                  "e=a@example.com\ne=b@example.com\np=+1 617 555-6011\n"
                                  "c=IN IP4 192.0.2.5\nb=CT:384\nb=AS:256\nt=1 2\nr=7d 1h 0 25h\n"
                                  "t=3 4\nz=2882844526 -1h 2898848070 0\nk=prompt\n"
                                  "a=tool:x\na=charset:UTF-8\nm=audio 49170/2 RTP/AVP 0\n"
                                  "i=media info\nc=IN IP4 192.0.2.6\nb=AS:64\nk=clear:secret\n"
                                  "a=ptime:20.5\na=maxptime:40\n");
    assert_span(s->session_name, " ");
    assert_span(s->email, "a@example.com");
    assert_span(s->phone, "+1 617 555-6011");
    assert_int_equal(s->bw_count, 2);
    assert_span(s->bw[0].type, "CT");
    assert_int_equal(s->bw[0].value, 384);
    assert_int_equal(s->time_count, 2);
    assert_int_equal(s->start_time, 1);
    assert_span(s->key, "prompt");
    assert_int_equal(s->attr_count, 2);
    assert_span(s->attrs[1].value, "UTF-8");
    const sipua_sdp_media *m = &s->media[0];
    assert_int_equal(m->port_count, 2);
    assert_span(m->info, "media info");
    assert_span(m->conn.address, "192.0.2.6");
    assert_int_equal(m->conn_count, 1);
    assert_int_equal(m->bw_count, 1);
    assert_span(m->key, "clear:secret");
    assert_int_equal(m->ptime, 20);
    assert_int_equal(m->maxptime, 40);
    assert_int_equal(m->direction, SIPUA_SDP_SENDRECV);
    assert_int_equal(s->direction, SIPUA_SDP_DIR_NONE);
}

static void test_4566_5_7_multicast_and_ip6_connection_data(void **state)
{
    (void)state;
    const sipua_sdp *s = parse_ok("v=0" CRLF "o=- 1 1 IN IP6 ::1" CRLF "s=-" CRLF "t=0 0" CRLF
                                  "m=audio 5000 RTP/AVP 0" CRLF "c=IN IP4 224.2.1.1/127/3" CRLF
                                  "m=video 5002 RTP/AVP 31" CRLF "c=IN IP6 FF15::101/3" CRLF
                                  "c=IN IP6 FF15::201" CRLF);
    assert_span(s->media[0].conn.address, "224.2.1.1");
    assert_int_equal(s->media[0].conn.ttl, 127);
    assert_int_equal(s->media[0].conn.count, 3);
    assert_span(s->media[1].conn.addrtype, "IP6");
    assert_span(s->media[1].conn.address, "FF15::101");
    assert_int_equal(s->media[1].conn.ttl, -1);
    assert_int_equal(s->media[1].conn.count, 3);
    assert_int_equal(s->media[1].conn_count, 2);
}

static void test_4566_6_media_direction_overrides_session(void **state)
{
    (void)state;
    const sipua_sdp *s = parse_ok(SESSION_HEAD "a=sendonly" CRLF "m=audio 1 RTP/AVP 0" CRLF
                                               "m=audio 2 RTP/AVP 0" CRLF "a=inactive" CRLF
                                               "m=audio 3 RTP/AVP 0" CRLF "a=sendrecv" CRLF);
    assert_int_equal(s->direction, SIPUA_SDP_SENDONLY);
    assert_int_equal(s->media[0].direction, SIPUA_SDP_SENDONLY);
    assert_int_equal(s->media[1].direction, SIPUA_SDP_INACTIVE);
    assert_int_equal(s->media[2].direction, SIPUA_SDP_SENDRECV);
    assert_string_equal(sipua_sdp_direction_name(SIPUA_SDP_RECVONLY), "recvonly");
}

static void test_webrtc_offer_ice_dtls_bundle(void **state)
{
    (void)state;
    size_t len;
    char *text = load_sdp("webrtc-offer.sdp", &len);
    assert_rc(sipua_sdp_parse(sdp_obj, text, len), 0, "webrtc-offer.sdp");
    const sipua_sdp *s = sdp_obj;
    assert_span(s->origin.sess_id, "4611731400430051336");
    assert_span(s->group, "BUNDLE 0 1");
    assert_int_equal(s->media_count, 2);
    const sipua_sdp_media *a = &s->media[0];
    assert_span(a->proto, "UDP/TLS/RTP/SAVPF");
    assert_int_equal(a->fmt_count, 8);
    assert_span(a->mid, "0");
    assert_span(a->ice_ufrag, "Xq7d");
    assert_span(a->ice_pwd, "lY8tQ2mV9pKc3nR1sB6wE0zJ");
    assert_span(a->setup, "actpass");
    assert_int_equal(a->fingerprint.len, strlen("sha-256 ") + 95);
    assert_int_equal(a->rtcp_port, 9);
    assert_span(a->rtcp, "9 IN IP4 0.0.0.0");
    assert_int_equal(a->rtcp_mux, 1);
    assert_int_equal(a->direction, SIPUA_SDP_SENDRECV);
    assert_int_equal(s->media[1].direction, SIPUA_SDP_RECVONLY);
    size_t it = 0, n = 0;
    sipua_str v;
    while (sipua_sdp_attr_next(a->attrs, a->attr_count, "candidate", &it, &v))
        n++;
    assert_int_equal(n, 3);
    it = 0;
    assert_true(sipua_sdp_attr_next(a->attrs, a->attr_count, "ssrc", &it, &v));
    assert_span(v, "3735928559 cname:r2D2c3PO4f5g6h7i");
    it = 0;
    assert_true(sipua_sdp_attr_next(s->attrs, s->attr_count, "extmap-allow-mixed", &it, &v));
    assert_span(v, NULL);
    sipua_sdp_rtpmap r;
    assert_rc(sipua_sdp_media_rtpmap(a, 0, &r), 0, "opus");
    assert_span(r.encoding, "opus");
    assert_int_equal(r.clock_rate, 48000);
    assert_int_equal(r.channels, 2);
    assert_span(r.fmtp, "minptime=10;useinbandfec=1");
    assert_rc(sipua_sdp_media_rtpmap(a, 7, &r), 0, "te 126");
    assert_span(r.encoding, "telephone-event");
    assert_rc(sipua_sdp_media_rtpmap(a, 8, &r), SIPUA_ENOTFOUND, "past the end");
    assert_rc(sipua_sdp_media_rtpmap(&s->media[1], 1, &r), 0, "rtx");
    assert_span(r.fmtp, "apt=96");

    /* plain RTP only for now: the DTLS-SRTP offer is incompatible */
    sipua_sdp_caps caps = audio_caps();
    sipua_sdp_oa oa;
    assert_rc(sipua_sdp_oa_init(&oa, &caps, 7), 0, "init");
    char out[2048];
    assert_rc(sipua_sdp_oa_answer(&oa, s, out, sizeof out), SIPUA_ENOTFOUND, "answer");
    assert_non_null(oa.reason);
    free(text);
}

/* ------------------------------------------------------------------ */
/* Malformed descriptions                                              */

typedef struct bad_case {
    const char *text;
    int code;
    uint32_t line, column;
    const char *reason; /* a part of it */
} bad_case;

static const bad_case bad_cases[] = {
    {"", SIPUA_EPARSE, 0, 1, "empty description"},
    {"o=- 1 1 IN IP4 h" CRLF, SIPUA_EPARSE, 1, 1, "v= must come first"},
    {"v=1" CRLF, SIPUA_EVERSION, 1, 3, "version"},
    {"v=0" CRLF "s=-" CRLF, SIPUA_EPARSE, 2, 1, "o= expected"},
    {"v=0" CRLF "o=- 1 1 IN IP4 h" CRLF "t=0 0" CRLF, SIPUA_EPARSE, 3, 1, "s= expected"},
    {"v=0" CRLF "o=- 1 1 IN IP4 h" CRLF "s=" CRLF "t=0 0" CRLF, SIPUA_EPARSE, 3, 3,
     "must not be empty"},
    {"v=0" CRLF "o=- 1 IN IP4 h" CRLF, SIPUA_EPARSE, 2, 15, "o= needs"},
    {"v=0" CRLF "o=- x 1 IN IP4 h" CRLF, SIPUA_EPARSE, 2, 5, "sess-id"},
    {"v=0" CRLF "o=- 1 99999999999999999999 IN IP4 h" CRLF, SIPUA_EPARSE, 2, 7, "sess-version"},
    {"v=0" CRLF "o=- 1 1 IN IP4 h" CRLF "s=-" CRLF, SIPUA_EPARSE, 4, 1, "no t= line"},
    {"v=0 " CRLF, SIPUA_EVERSION, 1, 3, "version"},
    {"v =0" CRLF, SIPUA_EPARSE, 1, 2, "space before '='"},
    {"v=0" CRLF "o= - 1 1 IN IP4 h" CRLF, SIPUA_EPARSE, 2, 3, "space after '='"},
    {"v=0" CRLF "o=- 1 1 IN IP4 h" CRLF "s=\t" CRLF, SIPUA_EPARSE, 3, 3, "space after '='"},
    {"v=0" CRLF "O=- 1 1 IN IP4 h" CRLF, SIPUA_EPARSE, 2, 1, "lowercase"},
    {"v=0" CRLF "x=1" CRLF, SIPUA_EPARSE, 2, 1, "unknown type"},
    {"v=0" CRLF CRLF, SIPUA_EPARSE, 2, 1, "empty line"},
    {"v=0\r", SIPUA_EPARSE, 1, 4, "CR not followed by LF"},
    {"v=0\rx", SIPUA_EPARSE, 1, 4, "CR not followed by LF"},
    {"v=0", SIPUA_EPARSE, 1, 4, "does not end"},
    {SESSION_HEAD "c=IN IP4 192.0.2.2" CRLF, SIPUA_EPARSE, 6, 1, "out of place"},
    {SESSION_HEAD "a=x" CRLF "t=0 0" CRLF, SIPUA_EPARSE, 7, 1, "out of place"},
    {"v=0" CRLF "o=- 1 1 IN IP4 h" CRLF "s=-" CRLF "r=1 1 0" CRLF, SIPUA_EPARSE, 4, 1,
     "r= must follow t="},
    {"v=0" CRLF "o=- 1 1 IN IP4 h" CRLF "s=-" CRLF "m=audio 1 RTP/AVP 0" CRLF, SIPUA_EPARSE, 4, 1,
     "t= expected"},
    {SESSION_HEAD "m=audio 1 RTP/AVP 0" CRLF "u=http://x" CRLF, SIPUA_EPARSE, 7, 1,
     "not allowed in a media section"},
    {SESSION_HEAD "m=audio 1 RTP/AVP 0" CRLF "a=x" CRLF "b=AS:1" CRLF, SIPUA_EPARSE, 8, 1,
     "out of place in media section"},
    {SESSION_HEAD "m=audio 70000 RTP/AVP 0" CRLF, SIPUA_EPARSE, 6, 9, "port"},
    {SESSION_HEAD "m=audio 1 RTP/AVP" CRLF, SIPUA_EPARSE, 6, 18, "at least one format"},
    {SESSION_HEAD "m=audio 1  RTP/AVP 0" CRLF, SIPUA_EPARSE, 6, 11, "proto is empty"},
    {SESSION_HEAD "m=audio 1 RTP/AVP 0 " CRLF, SIPUA_EPARSE, 6, 21, "format is not a token"},
    {SESSION_HEAD "m=audio 1 RTP//AVP 0" CRLF, SIPUA_EPARSE, 6, 15, "proto"},
    {"v=0" CRLF "o=- 1 1 IN IP4 h" CRLF "s=-" CRLF "t=0 0" CRLF "m=audio 1 RTP/AVP 0" CRLF,
     SIPUA_EPARSE, 5, 1, "no c="},
    {"v=0" CRLF "o=- 1 1 IN IP4 h" CRLF "s=-" CRLF "c=IN IP4 224.2.1.1" CRLF "t=0 0" CRLF,
     SIPUA_EPARSE, 4, 19, "needs a TTL"},
    {"v=0" CRLF "o=- 1 1 IN IP4 h" CRLF "s=-" CRLF "c=IN IP4 192.0.2.1/5" CRLF, SIPUA_EPARSE, 4, 19,
     "unicast"},
    {"v=0" CRLF "o=- 1 1 IN IP4 h" CRLF "s=-" CRLF "c=IN IP4" CRLF, SIPUA_EPARSE, 4, 3, "c= needs"},
    {"v=0" CRLF "o=- 1 1 IN IP4 h" CRLF "s=-" CRLF "b=AS" CRLF, SIPUA_EPARSE, 4, 3, "b= needs"},
    {"v=0" CRLF "o=- 1 1 IN IP4 h" CRLF "s=-" CRLF "t=now 0" CRLF, SIPUA_EPARSE, 4, 3, "t= needs"},
    {SESSION_HEAD "a=sendonly" CRLF "a=recvonly" CRLF, SIPUA_EPARSE, 7, 3,
     "more than one direction"},
    {SESSION_HEAD "a=sendonly:yes" CRLF, SIPUA_EPARSE, 6, 11, "takes no value"},
    {SESSION_HEAD "a=:x" CRLF, SIPUA_EPARSE, 6, 3, "attribute name"},
    {SESSION_HEAD "m=audio 1 RTP/AVP 96" CRLF "a=rtpmap:96 opus" CRLF, SIPUA_EPARSE, 7, 13,
     "a=rtpmap"},
    {SESSION_HEAD "m=audio 1 RTP/AVP 96" CRLF "a=rtpmap:200 opus/48000" CRLF, SIPUA_EPARSE, 7, 10,
     "a=rtpmap"},
    {SESSION_HEAD "m=audio 1 RTP/AVP 96" CRLF "a=fmtp:96" CRLF, SIPUA_EPARSE, 7, 8, "a=fmtp"},
    {SESSION_HEAD "m=audio 1 RTP/AVP 0" CRLF "a=ptime:abc" CRLF, SIPUA_EPARSE, 7, 9, "packet time"},
    {SESSION_HEAD "m=audio 1 RTP/AVP 0" CRLF "a=rtcp:9 IN IP4" CRLF, SIPUA_EPARSE, 7, 8, "a=rtcp"},
    {SESSION_HEAD "m=audio 1 RTP/AVP 0" CRLF "a=mid:" CRLF, SIPUA_EPARSE, 7, 6, "needs a value"},
    {SESSION_HEAD "m=audio 1 RTP/AVP 0" CRLF "a=rtcp-mux:1" CRLF, SIPUA_EPARSE, 7, 11,
     "takes no value"},
    {"v=0" CRLF "o=- 1 1 IN IP4 h\0" CRLF, SIPUA_EPARSE, 2, 17, "NUL"},
};

static void test_malformed_each_with_reason_line_and_column(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const bad_case *c = &bad_cases[i];
        size_t len = strlen(c->text);
        if (strstr(c->text, "IP4 h") && c->code == SIPUA_EPARSE && strcmp(c->reason, "NUL") == 0)
            len += 3; /* the NUL and the CRLF after it */
        int rc = sipua_sdp_parse(sdp_obj, own_copy(c->text, len), len);
        const sipua_sdp_error *e = &sdp_obj->error;
        if (rc != c->code || !e->reason || !strstr(e->reason, c->reason) || e->line != c->line ||
            (c->column && e->column != c->column)) {
            print_error("case %zu \"%s\": got %s \"%s\" at %u:%u, expected %s \"%s\" at %u:%u\n", i,
                        c->text, sipua_err_name(rc), e->reason ? e->reason : "", e->line, e->column,
                        sipua_err_name(c->code), c->reason, c->line, c->column);
            fail();
        }
        assert_int_equal(e->code, rc);
    }
}

static void test_limits_are_elimit(void **state)
{
    (void)state;
    sipua_sdp_limits lim;
    sipua_sdp_limits_init(&lim);
    lim.max_media = 1;
    lim.max_attrs = 2;
    lim.max_formats = 3;
    sipua_sdp *s = sipua_sdp_new(&lim, NULL);
    assert_non_null(s);
    assert_rc(parse_into(s, SESSION_HEAD "m=audio 1 RTP/AVP 0" CRLF "m=audio 2 RTP/AVP 0" CRLF),
              SIPUA_ELIMIT, "media");
    assert_int_equal(s->error.line, 7);
    assert_rc(parse_into(s, SESSION_HEAD "m=audio 1 RTP/AVP 0 8 9 18" CRLF), SIPUA_ELIMIT,
              "formats");
    assert_rc(parse_into(s, SESSION_HEAD "a=a" CRLF "a=b" CRLF "a=c" CRLF), SIPUA_ELIMIT, "attrs");
    assert_rc(parse_into(s, SESSION_HEAD "b=AS:1" CRLF), SIPUA_EPARSE, "order");
    assert_rc(parse_into(s, "v=0" CRLF "o=- 1 1 IN IP4 h" CRLF "s=-" CRLF "b=A:1" CRLF "b=B:1" CRLF
                            "b=C:1" CRLF "b=D:1" CRLF "b=E:1" CRLF),
              SIPUA_ELIMIT, "bandwidths");
    sipua_sdp_free(s);
    lim.max_size = 10;
    s = sipua_sdp_new(&lim, NULL);
    assert_rc(parse_into(s, SESSION_HEAD), SIPUA_ELIMIT, "size");
    sipua_sdp_free(s);
    lim.max_media = 0;
    assert_null(sipua_sdp_new(&lim, NULL));
    assert_rc(sipua_sdp_parse(NULL, "v=0\n", 4), SIPUA_EINVAL, "NULL");
}

/* Every prefix of a valid description fails cleanly or parses, and ASan
 * watches the end of each. */
static void test_every_prefix_is_safe(void **state)
{
    (void)state;
    size_t len;
    char *text = load_sdp("webrtc-offer.sdp", &len);
    for (size_t n = 0; n < len; n++) {
        int rc = sipua_sdp_parse(sdp_obj, own_copy(text, n), n);
        int at_line_end = n > 0 && text[n - 1] == '\n';
        if (!at_line_end)
            assert_rc(rc, SIPUA_EPARSE, "a prefix ending mid-line");
    }
    free(text);
}

/* ------------------------------------------------------------------ */
/* Writing                                                             */

static void round_trip(const char *text, size_t len)
{
    static char out1[8192], out2[8192];
    assert_rc(sipua_sdp_parse(sdp_obj, own_copy(text, len), len), 0, "first parse");
    int n1 = sipua_sdp_write(sdp_obj, out1, sizeof out1);
    assert_true(n1 > 0);
    assert_rc(sipua_sdp_parse(sdp_obj2, out1, (size_t)n1), 0, "parse of the written text");
    int n2 = sipua_sdp_write(sdp_obj2, out2, sizeof out2);
    assert_int_equal(n1, n2);
    assert_memory_equal(out1, out2, (size_t)n1);
    assert_int_equal(sdp_obj->media_count, sdp_obj2->media_count);
    assert_int_equal(sdp_obj->line_count, sdp_obj2->line_count);
    /* too small a buffer is ENOSPC, at every size */
    for (int cap = 0; cap < n1; cap += 37)
        assert_rc(sipua_sdp_write(sdp_obj, out2, (size_t)cap), SIPUA_ENOSPC, "short buffer");
}

static void test_round_trip_parse_write_parse(void **state)
{
    (void)state;
    static const char *files[] = {"rfc4566-5.sdp", "rfc4317-2.1-offer.sdp", "webrtc-offer.sdp",
                                  "ipv6-sendonly-offer.sdp"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        size_t len;
        char *text = load_sdp(files[i], &len);
        round_trip(text, len);
        free(text);
    }
    const char *lf = "v=0\no=- 1 1 IN IP4 h\ns=-\nc=IN IP4 224.2.1.1/16/2\nt=0 0\nr=1d 1h 0\n"
                     "m=audio 1/2 RTP/AVP 0\nc=IN IP6 ff15::1/2\nc=IN IP6 ff15::2\nb=AS:1\n";
    round_trip(lf, strlen(lf));
    /* CRLF is written for LF */
    char out[512];
    assert_rc(parse_into(sdp_obj, lf), 0, "lf");
    int n = sipua_sdp_write(sdp_obj, out, sizeof out);
    assert_true(n > 0);
    assert_non_null(strstr(out, "c=IN IP4 224.2.1.1/16/2\r\n"));
}

static void test_builder_lines_and_attributes(void **state)
{
    (void)state;
    char buf[64];
    sipua_builder b;
    sipua_builder_init(&b, buf, sizeof buf);
    assert_rc(sipua_sdp_build_line(&b, 'v', SIPUA_STR("0")), 0, "v");
    assert_rc(sipua_sdp_build_attr(&b, SIPUA_STR("rtcp-mux"), (sipua_str){NULL, 0}), 0, "prop");
    assert_rc(sipua_sdp_build_attr(&b, SIPUA_STR("mid"), SIPUA_STR("0")), 0, "value");
    assert_rc(sipua_sdp_build_line(&b, 'V', SIPUA_STR("0")), SIPUA_EINVAL, "type");
    assert_rc(sipua_sdp_build_line(&b, 's', SIPUA_STR("a\r\nb")), SIPUA_EINVAL, "CRLF");
    assert_rc(sipua_sdp_build_attr(&b, SIPUA_STR("a:b"), SIPUA_STR("0")), SIPUA_EINVAL, "name");
    int n = sipua_builder_finish(&b);
    assert_int_equal(n, 26);
    assert_memory_equal(buf, "v=0\r\na=rtcp-mux\r\na=mid:0\r\n", 26);
    sipua_builder_init(&b, buf, 4);
    assert_rc(sipua_sdp_build_line(&b, 's', SIPUA_STR("session")), SIPUA_ENOSPC, "full");
    assert_rc(sipua_sdp_build_line(&b, 'v', SIPUA_STR("0")), SIPUA_ENOSPC, "sticky");
    assert_rc(sipua_builder_finish(&b), SIPUA_ENOSPC, "finish");
}

/* ------------------------------------------------------------------ */
/* Offer/answer                                                        */

static sipua_sdp_oa oa;
static char out[4096];

/* The negotiation result of o, valid until the next call. */
static const sipua_sdp_negotiation *result_of(const sipua_sdp_oa *o)
{
    static sipua_sdp_negotiation res;
    assert_rc(sipua_sdp_oa_result(o, &res), 0, "result");
    return &res;
}

static const sipua_sdp *answer_ok(const char *offer)
{
    const sipua_sdp *o = parse_ok(offer);
    int n = sipua_sdp_oa_answer(&oa, o, out, sizeof out);
    if (n < 0)
        print_error("answer failed: %s\n", oa.reason ? oa.reason : "");
    assert_true(n > 0);
    assert_rc(sipua_sdp_parse(sdp_obj2, out, (size_t)n), 0, out);
    return sdp_obj2;
}

static void start(const sipua_sdp_caps *caps)
{
    assert_rc(sipua_sdp_oa_init(&oa, caps, 2890844526u), 0, "init");
}

/* Answers the offer of tests/data/sdp/<name>; the answer parses into
 * sdp_obj2. */
static const sipua_sdp *answer_file(const char *name)
{
    size_t len;
    char *text = load_sdp(name, &len);
    assert_rc(sipua_sdp_parse(sdp_obj, text, len), 0, name);
    int n = sipua_sdp_oa_answer(&oa, sdp_obj, out, sizeof out);
    assert_true(n > 0);
    assert_rc(sipua_sdp_parse(sdp_obj2, out, (size_t)n), 0, "answer");
    free(text);
    return sdp_obj2;
}

/* RFC 4317 2.1: audio and video offered, we take audio only: the video
 * line comes back with port 0, the codecs are the shared subset. */
static void test_4317_2_1_video_refused_with_port_zero(void **state)
{
    (void)state;
    sipua_sdp_caps caps = audio_caps();
    start(&caps);
    const sipua_sdp *a = answer_file("rfc4317-2.1-offer.sdp");
    assert_int_equal(a->media_count, 2);
    assert_int_equal(a->media[0].port, 40000);
    assert_int_equal(a->media[0].fmt_count, 2);
    assert_span(a->media[0].fmts[0], "0");
    assert_span(a->media[0].fmts[1], "8");
    assert_int_equal(a->media[1].port, 0);
    assert_span(a->media[1].media, "video");
    assert_span(a->media[1].fmts[0], "31");
    assert_int_equal(a->origin.sess_version, 1);
    assert_span(a->origin.sess_id, "2890844526");
    assert_span(a->conn.address, "192.0.2.10");
    const sipua_sdp_stream *s = &result_of(&oa)->streams[0];
    assert_int_equal(result_of(&oa)->stream_count, 2);
    assert_true(s->active);
    assert_int_equal(s->pt, 0);
    assert_string_equal(s->codec, "PCMU");
    assert_int_equal(s->clock_rate, 8000);
    assert_string_equal(s->remote_address, "host.atlanta.example.com");
    assert_int_equal(s->remote_port, 49170);
    assert_int_equal(s->remote_rtcp_port, 49171);
    assert_int_equal(s->local_port, 40000);
    assert_int_equal(s->direction, SIPUA_SDP_SENDRECV);
    assert_int_equal(s->telephone_event_pt, -1);
    assert_false(result_of(&oa)->streams[1].active);
    assert_int_equal(oa.state, SIPUA_SDP_OA_NEGOTIATED);
}

/* RFC 4317 2.1 from the offerer's side: Bob's answer accepts PCMU and MPV. */
static void test_4317_2_1_offerer_takes_answer(void **state)
{
    (void)state;
    sipua_sdp_caps caps = audio_caps();
    caps.video_port = 51372;
    assert_rc(sipua_sdp_caps_add(&caps, SIPUA_SDP_VIDEO, "H261", 90000, 1, 31, NULL), 0, "h261");
    assert_rc(sipua_sdp_caps_add(&caps, SIPUA_SDP_VIDEO, "MPV", 90000, 1, 32, NULL), 0, "mpv");
    start(&caps);
    int n = sipua_sdp_oa_offer(&oa, out, sizeof out);
    assert_true(n > 0);
    assert_rc(sipua_sdp_parse(sdp_obj2, out, (size_t)n), 0, "our offer");
    assert_int_equal(sdp_obj2->media_count, 2);
    assert_int_equal(sdp_obj2->media[0].fmt_count, 4); /* 0 8 111 101 */
    assert_span(sdp_obj2->media[0].fmts[2], "111");
    assert_int_equal(sdp_obj2->media[0].ptime, 20);
    assert_int_equal(sdp_obj2->media[1].fmt_count, 2);
    assert_int_equal(oa.state, SIPUA_SDP_OA_OFFER_SENT);
    assert_rc(sipua_sdp_oa_offer(&oa, out, sizeof out), SIPUA_ESTATE, "second offer");

    const sipua_sdp *ans = parse_ok(
        "v=0" CRLF "o=bob 2808844564 2808844564 IN IP4 host.biloxi.example.com" CRLF "s= " CRLF
        "c=IN IP4 host.biloxi.example.com" CRLF "t=0 0" CRLF "m=audio 49174 RTP/AVP 0" CRLF
        "a=rtpmap:0 PCMU/8000" CRLF "m=video 49170 RTP/AVP 32" CRLF "a=rtpmap:32 MPV/90000" CRLF);
    assert_rc(sipua_sdp_oa_take_answer(&oa, ans), 0, "answer");
    assert_int_equal(result_of(&oa)->stream_count, 2);
    assert_string_equal(result_of(&oa)->streams[0].codec, "PCMU");
    assert_int_equal(result_of(&oa)->streams[0].remote_port, 49174);
    assert_string_equal(result_of(&oa)->streams[1].codec, "MPV");
    assert_int_equal(result_of(&oa)->streams[1].pt, 32);
    assert_int_equal(result_of(&oa)->streams[1].local_port, 51372);
    assert_int_equal(oa.state, SIPUA_SDP_OA_NEGOTIATED);
    assert_rc(sipua_sdp_oa_take_answer(&oa, ans), SIPUA_ESTATE, "no offer pending");
}

/* RFC 4317 2.2 style: an offer none of whose codecs we have is
 * incompatible as a whole (488). */
static void test_3264_6_no_common_codec_is_incompatible(void **state)
{
    (void)state;
    sipua_sdp_caps caps = audio_caps();
    start(&caps);
    const sipua_sdp *o =
        parse_ok(SESSION_HEAD "m=audio 49170 RTP/AVP 97 18" CRLF "a=rtpmap:97 iLBC/8000" CRLF
                              "m=video 5 RTP/AVP 31" CRLF);
    assert_rc(sipua_sdp_oa_answer(&oa, o, out, sizeof out), SIPUA_ENOTFOUND, "incompatible");
    assert_string_equal(oa.reason, "no acceptable media stream in the offer");
    assert_int_equal(oa.state, SIPUA_SDP_OA_IDLE);
    /* a stream already refused by the offerer, or only telephone-event */
    o = parse_ok(SESSION_HEAD "m=audio 0 RTP/AVP 0" CRLF "m=audio 5 RTP/AVP 101" CRLF
                              "a=rtpmap:101 telephone-event/8000" CRLF);
    assert_rc(sipua_sdp_oa_answer(&oa, o, out, sizeof out), SIPUA_ENOTFOUND, "te only");
}

/* RFC 3264 6.1: same payload type numbers for dynamic types, offer order,
 * telephone-event only when offered, ptime as configured. */
static void test_3264_6_1_dynamic_numbers_and_telephone_event(void **state)
{
    (void)state;
    sipua_sdp_caps caps = audio_caps();
    start(&caps);
    const sipua_sdp_media *m = &answer_file("ipv6-sendonly-offer.sdp")->media[0];
    assert_int_equal(m->fmt_count, 3);
    assert_span(m->fmts[0], "109");
    assert_span(m->fmts[1], "0");
    assert_span(m->fmts[2], "101");
    sipua_sdp_rtpmap r;
    assert_rc(sipua_sdp_media_rtpmap(m, 0, &r), 0, "opus");
    assert_span(r.encoding, "opus");
    assert_int_equal(r.channels, 2);
    assert_span(r.fmtp, "minptime=10;useinbandfec=1");
    assert_int_equal(m->direction, SIPUA_SDP_RECVONLY); /* answer to sendonly */
    const sipua_sdp_stream *s = &result_of(&oa)->streams[0];
    assert_int_equal(s->pt, 109);
    assert_string_equal(s->codec, "opus");
    assert_int_equal(s->clock_rate, 48000);
    assert_int_equal(s->channels, 2);
    assert_int_equal(s->telephone_event_pt, 101);
    assert_string_equal(s->remote_address, "2001:db8::1");
    assert_int_equal(s->direction, SIPUA_SDP_RECVONLY);

    /* without telephone-event in the offer there is none in the answer;
     * telephone-event/48000 is not ours */
    start(&caps);
    const sipua_sdp *a = answer_ok(SESSION_HEAD "m=audio 5004 RTP/AVP 8 110" CRLF
                                                "a=rtpmap:110 telephone-event/48000" CRLF);
    assert_int_equal(a->media[0].fmt_count, 1);
    assert_span(a->media[0].fmts[0], "8");
    assert_int_equal(result_of(&oa)->streams[0].telephone_event_pt, -1);
}

static sipua_sdp_direction answer_direction(const char *attr)
{
    char text[512];
    snprintf(text, sizeof text, SESSION_HEAD "m=audio 5004 RTP/AVP 0" CRLF "%s", attr);
    sipua_sdp_caps caps = audio_caps();
    start(&caps);
    const sipua_sdp *a = answer_ok(text);
    assert_int_equal(result_of(&oa)->streams[0].direction, a->media[0].direction);
    return a->media[0].direction;
}

static void test_3264_6_1_directions(void **state)
{
    (void)state;
    assert_int_equal(answer_direction(""), SIPUA_SDP_SENDRECV);
    assert_int_equal(answer_direction("a=sendrecv" CRLF), SIPUA_SDP_SENDRECV);
    assert_int_equal(answer_direction("a=sendonly" CRLF), SIPUA_SDP_RECVONLY);
    assert_int_equal(answer_direction("a=recvonly" CRLF), SIPUA_SDP_SENDONLY);
    assert_int_equal(answer_direction("a=inactive" CRLF), SIPUA_SDP_INACTIVE);
    /* RFC 3264 8.4: c=0.0.0.0 asks not to be sent to */
    sipua_sdp_caps caps = audio_caps();
    start(&caps);
    const sipua_sdp *a = answer_ok("v=0" CRLF "o=- 1 1 IN IP4 h" CRLF "s=-" CRLF
                                   "c=IN IP4 0.0.0.0" CRLF "t=0 0" CRLF "m=audio 5 RTP/AVP 0" CRLF);
    assert_int_equal(a->media[0].direction, SIPUA_SDP_RECVONLY);
    /* a local recvonly configuration */
    caps.direction = SIPUA_SDP_RECVONLY;
    start(&caps);
    a = answer_ok(SESSION_HEAD "m=audio 5 RTP/AVP 0" CRLF);
    assert_int_equal(a->media[0].direction, SIPUA_SDP_RECVONLY);
}

/* RFC 3264 6: one stream of each kind is taken, the others are refused;
 * lines of other media types are refused; the count and order are kept. */
static void test_3264_6_same_lines_in_same_order(void **state)
{
    (void)state;
    sipua_sdp_caps caps = audio_caps();
    start(&caps);
    const sipua_sdp *a =
        answer_ok(SESSION_HEAD "m=application 9 UDP/DTLS/SCTP webrtc-datachannel" CRLF
                               "m=audio 5004 RTP/AVP 0" CRLF "m=audio 5006 RTP/AVP 0" CRLF
                               "m=audio 5008 RTP/SAVP 0" CRLF);
    assert_int_equal(a->media_count, 4);
    assert_int_equal(a->media[0].port, 0);
    assert_span(a->media[0].media, "application");
    assert_span(a->media[0].proto, "UDP/DTLS/SCTP");
    assert_span(a->media[0].fmts[0], "webrtc-datachannel");
    assert_int_equal(a->media[1].port, 40000);
    assert_int_equal(a->media[2].port, 0);
    assert_int_equal(a->media[3].port, 0);
    assert_true(result_of(&oa)->streams[1].active);
    assert_false(result_of(&oa)->streams[2].active);
    /* a later offer of ours keeps the four lines */
    int n = sipua_sdp_oa_offer(&oa, out, sizeof out);
    assert_true(n > 0);
    assert_rc(sipua_sdp_parse(sdp_obj2, out, (size_t)n), 0, "re-offer");
    assert_int_equal(sdp_obj2->media_count, 4);
    assert_int_equal(sdp_obj2->media[0].port, 0);
    assert_int_equal(sdp_obj2->media[1].port, 40000);
    assert_span(sdp_obj2->media[1].fmts[0], "0");
    assert_int_equal(sdp_obj2->media[3].port, 0);
    /* and a new offer from the peer may not drop lines */
    sipua_sdp_oa_rollback(&oa);
    const sipua_sdp *o = parse_ok(SESSION_HEAD "m=audio 5004 RTP/AVP 0" CRLF);
    assert_rc(sipua_sdp_oa_answer(&oa, o, out, sizeof out), SIPUA_EPARSE, "fewer lines");
}

/* RFC 3264 8.4: hold with sendonly, then inactive from recvonly; the
 * version grows with each change and not without one. */
static void test_3264_8_4_hold_and_unhold(void **state)
{
    (void)state;
    sipua_sdp_caps caps = audio_caps();
    start(&caps);
    answer_ok(SESSION_HEAD "m=audio 5004 RTP/AVP 0 8" CRLF);
    assert_int_equal(sdp_obj2->origin.sess_version, 1);

    /* the same offer again: same answer, same version */
    answer_ok(SESSION_HEAD "m=audio 5004 RTP/AVP 0 8" CRLF);
    assert_int_equal(sdp_obj2->origin.sess_version, 1);

    assert_rc(sipua_sdp_oa_hold(&oa, 1), 0, "hold");
    int n = sipua_sdp_oa_offer(&oa, out, sizeof out);
    assert_true(n > 0);
    assert_rc(sipua_sdp_parse(sdp_obj2, out, (size_t)n), 0, "hold offer");
    assert_int_equal(sdp_obj2->origin.sess_version, 2);
    assert_int_equal(sdp_obj2->media[0].direction, SIPUA_SDP_SENDONLY);
    assert_span(sdp_obj2->media[0].fmts[0], "0");
    const sipua_sdp *ans = parse_ok(SESSION_HEAD "m=audio 5004 RTP/AVP 0" CRLF "a=recvonly" CRLF);
    assert_rc(sipua_sdp_oa_take_answer(&oa, ans), 0, "hold answer");
    assert_int_equal(result_of(&oa)->streams[0].direction, SIPUA_SDP_SENDONLY);

    /* held, the peer re-offers sendrecv: we answer sendonly */
    answer_ok(SESSION_HEAD "m=audio 5004 RTP/AVP 0" CRLF);
    assert_int_equal(sdp_obj2->media[0].direction, SIPUA_SDP_SENDONLY);
    /* the peer holds us too: inactive */
    answer_ok(SESSION_HEAD "m=audio 5004 RTP/AVP 0" CRLF "a=sendonly" CRLF);
    assert_int_equal(sdp_obj2->media[0].direction, SIPUA_SDP_INACTIVE);

    uint64_t before = oa.session_version;
    assert_rc(sipua_sdp_oa_hold(&oa, 0), 0, "unhold");
    n = sipua_sdp_oa_offer(&oa, out, sizeof out);
    assert_true(n > 0);
    assert_rc(sipua_sdp_parse(sdp_obj2, out, (size_t)n), 0, "unhold offer");
    assert_int_equal(sdp_obj2->origin.sess_version, before + 1);
    assert_int_equal(sdp_obj2->media[0].direction, SIPUA_SDP_SENDRECV);
    assert_rc(sipua_sdp_oa_hold(&oa, 2), SIPUA_EINVAL, "bad flag");

    /* held while we were recvonly: inactive */
    caps.direction = SIPUA_SDP_RECVONLY;
    start(&caps);
    sipua_sdp_oa_hold(&oa, 1);
    n = sipua_sdp_oa_offer(&oa, out, sizeof out);
    assert_rc(sipua_sdp_parse(sdp_obj2, out, (size_t)n), 0, "inactive offer");
    assert_int_equal(sdp_obj2->media[0].direction, SIPUA_SDP_INACTIVE);
}

/* The answer must match the offer (RFC 3264 6): else
 * BAD_MEDIA_DESCRIPTION (EPARSE) or, all refused, INCOMPATIBLE_SDP. */
static void test_3264_5_answer_checked_against_offer(void **state)
{
    (void)state;
    sipua_sdp_caps caps = audio_caps();
    static const struct {
        const char *answer;
        int rc;
    } cases[] = {
        {SESSION_HEAD "m=audio 5 RTP/AVP 0" CRLF "m=video 6 RTP/AVP 31" CRLF, SIPUA_EPARSE},
        {SESSION_HEAD "m=video 6 RTP/AVP 31" CRLF, SIPUA_EPARSE},
        {SESSION_HEAD "m=audio 5 RTP/AVP 18" CRLF, SIPUA_EPARSE},
        {SESSION_HEAD "m=audio 5 RTP/AVP 96" CRLF "a=rtpmap:96 iLBC/8000" CRLF, SIPUA_EPARSE},
        {SESSION_HEAD "m=audio 0 RTP/AVP 0" CRLF, SIPUA_ENOTFOUND},
        {SESSION_HEAD "m=audio 5 RTP/AVP 101" CRLF "a=rtpmap:101 telephone-event/8000" CRLF,
         SIPUA_ENOTFOUND},
        /* another number for opus is allowed: we send with the answer's */
        {SESSION_HEAD "m=audio 5 RTP/AVP 120 101" CRLF "a=rtpmap:120 opus/48000/2" CRLF
                      "a=rtpmap:101 telephone-event/8000" CRLF "a=rtcp-mux" CRLF,
         0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        start(&caps);
        assert_true(sipua_sdp_oa_offer(&oa, out, sizeof out) > 0);
        const sipua_sdp *ans = parse_ok(cases[i].answer);
        assert_rc(sipua_sdp_oa_take_answer(&oa, ans), cases[i].rc, cases[i].answer);
        assert_int_equal(oa.state, cases[i].rc ? SIPUA_SDP_OA_IDLE : SIPUA_SDP_OA_NEGOTIATED);
        if (cases[i].rc)
            assert_non_null(oa.reason);
    }
    const sipua_sdp_stream *s = &result_of(&oa)->streams[0];
    assert_int_equal(s->pt, 120);
    assert_int_equal(s->telephone_event_pt, 101);
    assert_int_equal(s->rtcp_mux, 1);
    assert_int_equal(s->remote_rtcp_port, 5);
}

/* Glare and rollback: an offer received while ours is pending is refused
 * (the session answers 491); after a rollback it can be answered. */
static void test_3264_4_glare_and_rollback(void **state)
{
    (void)state;
    sipua_sdp_caps caps = audio_caps();
    start(&caps);
    assert_true(sipua_sdp_oa_offer(&oa, out, sizeof out) > 0);
    const sipua_sdp *o = parse_ok(SESSION_HEAD "m=audio 5004 RTP/AVP 0" CRLF);
    assert_rc(sipua_sdp_oa_answer(&oa, o, out, sizeof out), SIPUA_ESTATE, "glare");
    sipua_sdp_oa_rollback(&oa);
    assert_int_equal(oa.state, SIPUA_SDP_OA_IDLE);
    assert_true(sipua_sdp_oa_answer(&oa, o, out, sizeof out) > 0);
}

/* The delayed offer (RFC 3261 13.2.1, RFC 3264): an INVITE without SDP.
 * As the callee we offer in the 2xx and take the answer from the ACK; as
 * the caller we answer the 2xx's offer in the ACK. */
static void test_delayed_offer_both_sides(void **state)
{
    (void)state;
    sipua_sdp_caps callee_caps = audio_caps(), caller_caps = audio_caps();
    strcpy(caller_caps.address, "198.51.100.1");
    caller_caps.audio_port = 30000;
    sipua_sdp_oa callee, caller;
    assert_rc(sipua_sdp_oa_init(&callee, &callee_caps, 11), 0, "callee");
    assert_rc(sipua_sdp_oa_init(&caller, &caller_caps, 22), 0, "caller");
    char offer[2048], answer[2048];
    int n = sipua_sdp_oa_offer(&callee, offer, sizeof offer); /* in the 200 */
    assert_true(n > 0);
    assert_rc(sipua_sdp_parse(sdp_obj, offer, (size_t)n), 0, "offer");
    int m = sipua_sdp_oa_answer(&caller, sdp_obj, answer, sizeof answer); /* in the ACK */
    assert_true(m > 0);
    assert_rc(sipua_sdp_parse(sdp_obj2, answer, (size_t)m), 0, "answer");
    assert_rc(sipua_sdp_oa_take_answer(&callee, sdp_obj2), 0, "take");
    assert_int_equal(result_of(&callee)->streams[0].remote_port, 30000);
    assert_string_equal(result_of(&callee)->streams[0].remote_address, "198.51.100.1");
    assert_int_equal(result_of(&caller)->streams[0].remote_port, 40000);
    assert_string_equal(result_of(&caller)->streams[0].codec, "PCMU");
    assert_string_equal(result_of(&callee)->streams[0].codec, "PCMU");
    assert_int_equal(result_of(&callee)->streams[0].telephone_event_pt, 101);
    assert_int_equal(result_of(&caller)->streams[0].telephone_event_pt, 101);
}

static void test_caps_and_arguments(void **state)
{
    (void)state;
    sipua_sdp_caps caps;
    sipua_sdp_caps_init(&caps);
    assert_int_equal(caps.codec_count, 4);
    assert_string_equal(caps.codecs[2].name, "opus");
    assert_int_equal(caps.codecs[2].dynamic_pt, 111);
    assert_string_equal(caps.codecs[3].fmtp, "0-16");
    assert_rc(sipua_sdp_caps_add(&caps, SIPUA_SDP_VIDEO, "VP8", 90000, 1, -1, NULL), 0, "vp8");
    assert_int_equal(caps.codecs[4].dynamic_pt, 112);
    assert_rc(sipua_sdp_caps_add(&caps, SIPUA_SDP_AUDIO, "", 8000, 1, 0, NULL), SIPUA_EINVAL,
              "name");
    assert_rc(sipua_sdp_caps_add(&caps, SIPUA_SDP_AUDIO, "X", 8000, 1, 128, NULL), SIPUA_EINVAL,
              "pt");
    while (caps.codec_count < SIPUA_SDP_MAX_CODECS)
        assert_rc(sipua_sdp_caps_add(&caps, SIPUA_SDP_AUDIO, "X", 8000, 1, -1, NULL), 0, "fill");
    assert_rc(sipua_sdp_caps_add(&caps, SIPUA_SDP_AUDIO, "X", 8000, 1, -1, NULL), SIPUA_ELIMIT,
              "full");
    /* nothing to offer without a port */
    sipua_sdp_caps_init(&caps);
    start(&caps);
    assert_rc(sipua_sdp_oa_offer(&oa, out, sizeof out), SIPUA_ENOTFOUND, "no port");
    caps = audio_caps();
    start(&caps);
    assert_rc(sipua_sdp_oa_offer(&oa, out, 10), SIPUA_ENOSPC, "small");
    assert_int_equal(oa.state, SIPUA_SDP_OA_IDLE);
    assert_rc(sipua_sdp_oa_init(NULL, &caps, 1), SIPUA_EINVAL, "NULL");
    /* capabilities that would not make valid SDP */
    sipua_sdp_caps bad = caps;
    strcpy(bad.address, "192.0.2.1 x");
    assert_rc(sipua_sdp_oa_init(&oa, &bad, 1), SIPUA_EINVAL, "address");
    bad = caps;
    strcpy(bad.session_name, "a\r\nb");
    assert_rc(sipua_sdp_oa_init(&oa, &bad, 1), SIPUA_EINVAL, "session name");
    bad = caps;
    strcpy(bad.codecs[0].name, "PC MU");
    assert_rc(sipua_sdp_oa_init(&oa, &bad, 1), SIPUA_EINVAL, "codec name");
    bad = caps;
    strcpy(bad.username, "");
    assert_rc(sipua_sdp_oa_init(&oa, &bad, 1), SIPUA_EINVAL, "username");
    assert_rc(sipua_sdp_oa_answer(&oa, NULL, out, sizeof out), SIPUA_EINVAL, "NULL offer");
    /* an IPv6 address makes IP6 lines */
    strcpy(caps.address, "2001:db8::5");
    start(&caps);
    int n = sipua_sdp_oa_offer(&oa, out, sizeof out);
    assert_true(n > 0);
    assert_rc(sipua_sdp_parse(sdp_obj2, out, (size_t)n), 0, "ip6 offer");
    assert_span(sdp_obj2->conn.addrtype, "IP6");
    assert_span(sdp_obj2->origin.address, "2001:db8::5");
}

/* Video is offered and accepted when the capabilities have it. */
static void test_video_with_capabilities(void **state)
{
    (void)state;
    sipua_sdp_caps caps = audio_caps();
    caps.video_port = 40002;
    assert_rc(sipua_sdp_caps_add(&caps, SIPUA_SDP_VIDEO, "VP8", 90000, 1, -1, NULL), 0, "vp8");
    start(&caps);
    /* h263-1998 is not ours: video refused, audio (recvonly) taken */
    answer_file("rfc4566-5.sdp");
    assert_int_equal(result_of(&oa)->streams[0].direction, SIPUA_SDP_SENDONLY);
    assert_false(result_of(&oa)->streams[1].active);
    start(&caps);
    const sipua_sdp *a =
        answer_ok(SESSION_HEAD "m=audio 5 RTP/AVP 0" CRLF "m=video 6 RTP/AVP 100" CRLF
                               "a=rtpmap:100 vp8/90000" CRLF);
    assert_int_equal(a->media[1].port, 40002);
    assert_span(a->media[1].fmts[0], "100");
    assert_true(result_of(&oa)->streams[1].active);
    assert_string_equal(result_of(&oa)->streams[1].codec, "vp8");
}

/* What an exchange leaves in the oa is small and bounded: the m= lines'
 * strings share 160 octets (less the room a re-offer needs), and an offer
 * whose lines need more is bad rather than cut; one that fits can always
 * be offered again (fuzz/corpus/fuzz_sdp/regress-reoffer-room). */
static void test_oa_keeps_its_lines_in_a_bounded_space(void **state)
{
    (void)state;
    assert_true(sizeof(sipua_sdp_oa) <= 480);
    sipua_sdp_caps caps = audio_caps();
    start(&caps);
    static char text[4096];
    int n = snprintf(text, sizeof text, "%s", SESSION_HEAD "m=audio 5 RTP/AVP 0" CRLF);
    for (int i = 0; i < 15; i++)
        n += snprintf(text + n, sizeof text - (size_t)n,
                      "m=application%02d 9 TCP/MSRP-and-more-%02d *" CRLF, i, i);
    const sipua_sdp *o = parse_ok(text);
    assert_int_equal(o->media_count, 16);
    assert_rc(sipua_sdp_oa_answer(&oa, o, out, sizeof out), SIPUA_EPARSE, "too long");
    assert_non_null(strstr(oa.reason, "longer than sipua keeps"));
    assert_int_equal(oa.state, SIPUA_SDP_OA_IDLE);
    /* the same lines repeated take their room once */
    n = snprintf(text, sizeof text, "%s", SESSION_HEAD "m=audio 5 RTP/AVP 0" CRLF);
    for (int i = 0; i < 15; i++)
        n +=
            snprintf(text + n, sizeof text - (size_t)n, "m=application 9 TCP/MSRP-and-more *" CRLF);
    o = parse_ok(text);
    assert_true(sipua_sdp_oa_answer(&oa, o, out, sizeof out) > 0);
    assert_int_equal(result_of(&oa)->stream_count, 16);
    assert_string_equal(result_of(&oa)->streams[15].media, "application");
    assert_true(sipua_sdp_oa_offer(&oa, out, sizeof out) > 0);
    assert_rc(sipua_sdp_parse(sdp_obj2, out, strlen(out)), 0, "re-offer");
    assert_int_equal(sdp_obj2->media_count, 16);
    assert_span(sdp_obj2->media[15].proto, "TCP/MSRP-and-more");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_4566_5_example),
        cmocka_unit_test(test_4566_5_lf_line_ends_and_optional_fields),
        cmocka_unit_test(test_4566_5_7_multicast_and_ip6_connection_data),
        cmocka_unit_test(test_4566_6_media_direction_overrides_session),
        cmocka_unit_test(test_webrtc_offer_ice_dtls_bundle),
        cmocka_unit_test(test_malformed_each_with_reason_line_and_column),
        cmocka_unit_test(test_limits_are_elimit),
        cmocka_unit_test(test_every_prefix_is_safe),
        cmocka_unit_test(test_round_trip_parse_write_parse),
        cmocka_unit_test(test_builder_lines_and_attributes),
        cmocka_unit_test(test_4317_2_1_video_refused_with_port_zero),
        cmocka_unit_test(test_4317_2_1_offerer_takes_answer),
        cmocka_unit_test(test_3264_6_no_common_codec_is_incompatible),
        cmocka_unit_test(test_3264_6_1_dynamic_numbers_and_telephone_event),
        cmocka_unit_test(test_3264_6_1_directions),
        cmocka_unit_test(test_3264_6_same_lines_in_same_order),
        cmocka_unit_test(test_3264_8_4_hold_and_unhold),
        cmocka_unit_test(test_3264_5_answer_checked_against_offer),
        cmocka_unit_test(test_3264_4_glare_and_rollback),
        cmocka_unit_test(test_delayed_offer_both_sides),
        cmocka_unit_test(test_caps_and_arguments),
        cmocka_unit_test(test_video_with_capabilities),
        cmocka_unit_test(test_oa_keeps_its_lines_in_a_bounded_space),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
