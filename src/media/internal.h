/* Internal to src/media: the parser's storage and the helpers that the
 * parser, the writer and the offer/answer code share. */
#ifndef SIPUA_MEDIA_INTERNAL_H
#define SIPUA_MEDIA_INTERNAL_H

#include "sipua/sdp.h"

struct sipua_sdp_store_ {
    sipua_allocator alloc;
    sipua_sdp_limits limits;
    sipua_sdp_line *lines;
    sipua_sdp_attr *attrs;
    sipua_str *fmts;
    sipua_sdp_media *media;
};

/* token-char and token of RFC 4566 section 9. */
int sipua__sdp_is_token_char(unsigned char c);
int sipua__sdp_is_token(sipua_str s);
/* Decimal digits only, at most max: 1 with *out set, else 0. */
int sipua__sdp_u64(sipua_str s, uint64_t max, uint64_t *out);
/* An a=rtpmap value: 1 with *out filled (fmtp not set), else 0 with *bad at
 * the fault. */
int sipua__sdp_parse_rtpmap(sipua_str v, sipua_sdp_rtpmap *out, const char **bad);

/* Appends a decimal number to a builder. */
void sipua__sdp_put_u64(sipua_builder *b, uint64_t v);

#endif
