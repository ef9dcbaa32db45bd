/* libFuzzer target over SDP: the parser, the writer and offer/answer. Any
 * input that parses must hand back spans inside it, write back to text
 * that parses to the same text again, get an answer that parses with as
 * many m= lines, and be taken as an answer to our offer without harm. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipua/sdp.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_sdp.c:%d: check failed: %s\n", __LINE__, #cond);                 \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static const char *lo, *hi;

static void in_input(sipua_str s)
{
    if (!s.p) {
        CHECK(s.len == 0);
        return;
    }
    CHECK(s.p >= lo && s.p + s.len <= hi);
}

static void check_spans(const sipua_sdp *s)
{
    in_input(s->origin.username);
    in_input(s->origin.sess_id);
    in_input(s->session_name);
    in_input(s->conn.address);
    for (size_t i = 0; i < s->line_count; i++)
        in_input(s->lines[i].value);
    for (size_t i = 0; i < s->media_count; i++) {
        const sipua_sdp_media *m = &s->media[i];
        CHECK(m->fmt_count > 0);
        CHECK(m->direction != SIPUA_SDP_DIR_NONE);
        in_input(m->media);
        in_input(m->proto);
        in_input(m->conn.address);
        in_input(m->ice_ufrag);
        for (size_t k = 0; k < m->fmt_count; k++) {
            in_input(m->fmts[k]);
            sipua_sdp_rtpmap r;
            if (sipua_sdp_media_rtpmap(m, k, &r) == 0) {
                CHECK(r.pt >= 0 && r.pt <= 127 && r.clock_rate > 0 && r.channels > 0);
                CHECK(r.encoding.len > 0);
                in_input(r.fmtp);
            }
        }
        for (size_t k = 0; k < m->attr_count; k++) {
            in_input(m->attrs[k].name);
            in_input(m->attrs[k].value);
        }
    }
}

static sipua_sdp *sdp, *again;
static char out1[70000], out2[70000], answer[70000];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!sdp) {
        sdp = sipua_sdp_new(NULL, NULL);
        again = sipua_sdp_new(NULL, NULL);
        CHECK(sdp && again);
    }
    char *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    lo = copy;
    hi = copy + size;
    int rc = sipua_sdp_parse(sdp, copy, size);
    if (rc != 0) {
        CHECK(rc == SIPUA_EPARSE || rc == SIPUA_ELIMIT || rc == SIPUA_EVERSION);
        CHECK(sdp->error.code == rc && sdp->error.reason && sdp->error.offset <= size);
        free(copy);
        return 0;
    }
    check_spans(sdp);

    /* round trip: the written text parses, and writes to itself */
    int n1 = sipua_sdp_write(sdp, out1, sizeof out1);
    CHECK(n1 > 0);
    rc = sipua_sdp_parse(again, out1, (size_t)n1);
    if (rc != 0)
        fprintf(stderr, "written text does not parse: %s at %u:%u\n", again->error.reason,
                again->error.line, again->error.column);
    CHECK(rc == 0);
    CHECK(again->media_count == sdp->media_count && again->line_count == sdp->line_count);
    int n2 = sipua_sdp_write(again, out2, sizeof out2);
    CHECK(n2 == n1 && memcmp(out1, out2, (size_t)n1) == 0);

    /* offer/answer: our answer parses and keeps the m= lines */
    sipua_sdp_caps caps;
    sipua_sdp_caps_init(&caps);
    strcpy(caps.address, "192.0.2.1");
    caps.audio_port = 4000;
    caps.video_port = 4002;
    CHECK(sipua_sdp_caps_add(&caps, SIPUA_SDP_VIDEO, "VP8", 90000, 1, -1, NULL) == 0);
    sipua_sdp_oa oa;
    CHECK(sipua_sdp_oa_init(&oa, &caps, 1) == 0);
    int na = sipua_sdp_oa_answer(&oa, sdp, answer, sizeof answer);
    if (na > 0) {
        rc = sipua_sdp_parse(again, answer, (size_t)na);
        if (rc != 0)
            fprintf(stderr, "answer does not parse: %s at %u:%u\n", again->error.reason,
                    again->error.line, again->error.column);
        CHECK(rc == 0);
        CHECK(again->media_count == sdp->media_count);
        sipua_sdp_negotiation res;
        CHECK(sipua_sdp_oa_result(&oa, &res) == 0 && res.stream_count == sdp->media_count);
        /* a re-offer after it parses too */
        int no = sipua_sdp_oa_offer(&oa, out2, sizeof out2);
        CHECK(no > 0);
        CHECK(sipua_sdp_parse(again, out2, (size_t)no) == 0);
        CHECK(again->media_count == sdp->media_count);
    } else {
        CHECK(na == SIPUA_ENOTFOUND || na == SIPUA_EPARSE);
        CHECK(oa.reason != NULL);
    }

    /* the input as the answer to an offer of ours */
    CHECK(sipua_sdp_oa_init(&oa, &caps, 2) == 0);
    CHECK(sipua_sdp_oa_offer(&oa, out2, sizeof out2) > 0);
    rc = sipua_sdp_oa_take_answer(&oa, sdp);
    CHECK(rc == 0 || rc == SIPUA_EPARSE || rc == SIPUA_ENOTFOUND);
    CHECK(oa.state != SIPUA_SDP_OA_OFFER_SENT);
    free(copy);
    return 0;
}
