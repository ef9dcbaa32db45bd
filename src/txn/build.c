/* Messages the transaction layer writes itself: the ACK for a non-2xx final
 * response (RFC 3261 17.1.1.3), the CANCEL of an INVITE (9.1) and the
 * 100 Trying of an INVITE server transaction (17.2.1, 8.2.6). */
#include "txn/internal.h"

#include <stdio.h>
#include <string.h>

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

void sipua__txn_put_header(sipua_builder *b, const char *name, sipua_str value)
{
    sipua_builder_raw(b, (sipua_str){name, strlen(name)});
    sipua_builder_raw(b, SIPUA_STR(": "));
    size_t i = 0;
    while (i < value.len) {
        size_t j = i;
        while (j < value.len && !is_blank(value.p[j]))
            j++;
        sipua_builder_raw(b, (sipua_str){value.p + i, j - i});
        if (j == value.len)
            break;
        /* A run of blanks, folding included, is written as one space. */
        while (j < value.len && is_blank(value.p[j]))
            j++;
        sipua_builder_raw(b, SIPUA_STR(" "));
        i = j;
    }
    sipua_builder_raw(b, SIPUA_STR("\r\n"));
}

int sipua__txn_build_into(sipua__txn_layer *layer, sipua__txn_build_fn fn, const void *ctx,
                          size_t hint, char **buf, size_t *cap)
{
    const sipua_allocator *a = layer->alloc;
    size_t want = hint < 256 ? 256 : hint;
    for (int tries = 0; tries < 6; tries++, want *= 2) {
        if (*cap < want) {
            char *grown = a->realloc(*buf, want, a->user);
            if (!grown)
                return SIPUA_ENOMEM;
            *buf = grown;
            *cap = want;
        }
        int n = fn(ctx, *buf, *cap);
        if (n != SIPUA_ENOSPC)
            return n;
    }
    return SIPUA_ENOSPC;
}

sipua_str sipua__txn_request_uri(const sipua_msg *m)
{
    sipua_str line = sipua_msg_start_line(m);
    size_t a = 0, b = line.len;
    while (a < line.len && line.p[a] != ' ')
        a++;
    while (b > a + 1 && line.p[b - 1] != ' ')
        b--;
    if (a + 1 >= b)
        return (sipua_str){NULL, 0};
    return (sipua_str){line.p + a + 1, b - 1 - (a + 1)};
}

int sipua__txn_build_ack_or_cancel(sipua__txn_layer *layer, const char *request, size_t len,
                                   sipua_method method, sipua_str to, char *out, size_t cap)
{
    int rc = sipua_msg_parse(layer->scratch, request, len, SIPUA_PARSE_DATAGRAM);
    if (rc < 0)
        return rc;
    const sipua_msg *m = layer->scratch;
    const sipua_cseq *cseq = sipua_msg_cseq(m);
    if (!cseq)
        return SIPUA_EINVAL;
    const char *name = sipua_method_name(method);
    sipua_builder b;
    sipua_builder_init(&b, out, cap);
    sipua_builder_request_line(&b, (sipua_str){name, strlen(name)}, sipua__txn_request_uri(m));
    /* Only the top Via: the ACK and the CANCEL go exactly where the
     * request went, hop by hop. */
    uint64_t iter = 0;
    sipua_str value;
    if (sipua_msg_next_value(m, SIPUA_HDR_VIA, &iter, &value))
        sipua__txn_put_header(&b, "Via", value);
    int max_forwards = sipua_msg_max_forwards(m);
    sipua_builder_header_u64(&b, SIPUA_STR("Max-Forwards"),
                             (uint64_t)(max_forwards >= 0 ? max_forwards : 70));
    iter = 0;
    while (sipua_msg_next_value(m, SIPUA_HDR_ROUTE, &iter, &value))
        sipua__txn_put_header(&b, "Route", value);
    size_t from = 0;
    const sipua_hdr *h = sipua_msg_find(m, SIPUA_HDR_FROM, &from);
    if (h)
        sipua__txn_put_header(&b, "From", h->value);
    sipua__txn_put_header(&b, "To", to);
    sipua__txn_put_header(&b, "Call-ID", sipua_msg_call_id(m));
    char cseq_value[32];
    int n = snprintf(cseq_value, sizeof cseq_value, "%lu %s", (unsigned long)cseq->number, name);
    sipua__txn_put_header(&b, "CSeq", (sipua_str){cseq_value, (size_t)n});
    sipua_builder_body(&b, (sipua_str){"", 0});
    return sipua_builder_finish(&b);
}

int sipua__txn_build_trying(const void *ctx, char *out, size_t cap)
{
    const sipua_msg *m = ctx;
    sipua_builder b;
    sipua_builder_init(&b, out, cap);
    sipua_builder_status_line(&b, 100, SIPUA_STR("Trying"));
    /* 8.2.6: Via (all of them), From, To, Call-ID and CSeq copied, and
     * Timestamp too for a 100 (8.2.6.1); the To gets no tag. */
    size_t count = sipua_msg_header_count(m);
    for (size_t i = 0; i < count; i++) {
        const sipua_hdr *h = sipua_msg_header_at(m, i);
        switch (h->id) {
        case SIPUA_HDR_VIA:
        case SIPUA_HDR_FROM:
        case SIPUA_HDR_TO:
        case SIPUA_HDR_CALL_ID:
        case SIPUA_HDR_CSEQ:
        case SIPUA_HDR_TIMESTAMP: sipua__txn_put_header(&b, sipua_hdr_name(h->id), h->value); break;
        default: break;
        }
    }
    sipua_builder_body(&b, (sipua_str){"", 0});
    return sipua_builder_finish(&b);
}
