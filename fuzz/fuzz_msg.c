/* libFuzzer target for the message layer: the parser (datagram and stream),
 * every accessor, the serializer round trip, and the stream framer fed in
 * chunks.
 *
 * Besides memory errors (ASan) and undefined behaviour (UBSan), it aborts
 * when a promise of include/sipua/msg.h is broken:
 *  - the serializer's output of a parsed message parses again, to the same
 *    start line, header fields (Content-Length aside: the serializer writes
 *    one that matches the body) and body, and serializing that gives the
 *    same bytes (the canonical form is a fixed point);
 *  - an error code from the parser is the one in sipua_msg_get_error(),
 *    and its offset lies inside the input;
 *  - the framer only hands out ranges inside the buffer, always makes
 *    progress, and the messages it frames parse to exactly their length.
 *
 * Spans are read byte by byte so that one pointing outside the input is
 * caught: libFuzzer's input, and every buffer handed to the library here, is
 * a heap block of exactly the input's size.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipua/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Room for the canonical form of anything the default limits accept: 64 KiB
 * of message, long header names and a Content-Length for 128 header fields. */
#define OUT_CAP (256 * 1024)

static sipua_msg *msg;      /* parses the input, default limits */
static sipua_msg *reparsed; /* parses serializer output, wider limits */
static sipua_msg_limits limits;
static char out[OUT_CAP];
static volatile unsigned sink;

/* A broken promise: say which, then abort so that libFuzzer keeps the input. */
static void fail(const char *what, int line)
{
    fprintf(stderr, "fuzz_msg.c:%d: check failed: %s\n", line, what);
    abort();
}

#define check(cond) ((cond) ? (void)0 : fail(#cond, __LINE__))

static void touch(sipua_str s)
{
    unsigned acc = 0;

    if (s.p == NULL) {
        check(s.len == 0);
        return;
    }
    for (size_t i = 0; i < s.len; i++)
        acc += (unsigned char)s.p[i];
    sink += acc;
}

static void touch_cstr(const char *s)
{
    check(s != NULL);
    sink += (unsigned)strlen(s);
}

static int str_same(sipua_str a, sipua_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

static int str_caseeq(sipua_str a, sipua_str b)
{
    if (a.len != b.len)
        return 0;
    for (size_t i = 0; i < a.len; i++) {
        unsigned char x = (unsigned char)a.p[i], y = (unsigned char)b.p[i];
        if (x != y && !((x | 0x20) == (y | 0x20) && (x | 0x20) >= 'a' && (x | 0x20) <= 'z'))
            return 0;
    }
    return 1;
}

static void touch_params(sipua_str params)
{
    size_t pos = 0;
    sipua_str name, value;
    int n = 0;

    touch(params);
    while (sipua_param_next(params, &pos, &name, &value) == 1) {
        touch(name);
        touch(value);
        check(++n <= 100000);
    }
    if (sipua_param_find(params, "transport", &value) == 1)
        touch(value);
    if (sipua_param_find(params, "tag", &value) == 1)
        touch(value);
}

static void touch_unescaped(sipua_str s)
{
    char buf[256];
    int n = sipua_unescape(s, buf, sizeof buf);

    if (n >= 0) {
        check((size_t)n <= sizeof buf && (size_t)n <= s.len);
        touch((sipua_str){buf, (size_t)n});
    }
}

static void touch_uri(const sipua_uri *uri)
{
    if (uri == NULL)
        return;
    touch(uri->scheme);
    touch(uri->user);
    touch(uri->password);
    touch(uri->host);
    touch(uri->headers);
    touch(uri->opaque);
    touch(uri->whole);
    touch_params(uri->params);
    touch_unescaped(uri->user);
    sink += uri->port + (unsigned)uri->scheme_id + (unsigned)uri->host_kind;
    if (uri->scheme_id == SIPUA_URI_SIP || uri->scheme_id == SIPUA_URI_SIPS) {
        int eq = sipua_uri_equal(uri, uri);
        check(eq == 1 || eq == SIPUA_EPARSE);
    }
}

static void touch_nameaddr(const sipua_nameaddr *na)
{
    char display[128];

    if (na == NULL)
        return;
    touch(na->display);
    touch(na->tag);
    touch_params(na->params);
    touch_uri(&na->uri);
    int n = sipua_nameaddr_display(na, display, sizeof display);
    if (n >= 0) {
        check((size_t)n <= sizeof display);
        touch((sipua_str){display, (size_t)n});
    }
}

static void touch_via(const sipua_via *via)
{
    if (via == NULL)
        return;
    touch(via->protocol);
    touch(via->transport);
    touch(via->host);
    touch(via->branch);
    touch(via->received);
    touch(via->maddr);
    touch_params(via->params);
    sink += via->port + (unsigned)via->rport + (unsigned)via->ttl;
}

static void touch_auth(const sipua_auth *a)
{
    touch(a->scheme);
    touch(a->params);
    touch(a->realm);
    touch(a->nonce);
    touch(a->opaque);
    touch(a->algorithm);
    touch(a->qop);
    touch(a->username);
    touch(a->uri);
    touch(a->response);
    touch(a->cnonce);
    touch(a->nc);
    touch(a->stale);
    touch(a->domain);
    touch(a->userhash);
}

/* Every comma-separated value of a few headers, parsed by the value parser
 * that fits. */
static void touch_values(const sipua_msg *m)
{
    static const sipua_hdr_id ids[] = {
        SIPUA_HDR_VIA,   SIPUA_HDR_CONTACT,   SIPUA_HDR_ROUTE,     SIPUA_HDR_RECORD_ROUTE,
        SIPUA_HDR_ALLOW, SIPUA_HDR_SUPPORTED, SIPUA_HDR_REQUIRE,   SIPUA_HDR_ACCEPT,
        SIPUA_HDR_PATH,  SIPUA_HDR_WARNING,   SIPUA_HDR_CALL_INFO, SIPUA_HDR_P_ASSERTED_IDENTITY,
    };

    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        uint64_t iter = 0;
        sipua_str value;

        while (sipua_msg_next_value(m, ids[i], &iter, &value) == 1) {
            touch(value);
            if (ids[i] == SIPUA_HDR_VIA) {
                sipua_via via;
                if (sipua_via_parse(value, &via) == 0)
                    touch_via(&via);
            } else if (ids[i] == SIPUA_HDR_CONTACT || ids[i] == SIPUA_HDR_ROUTE ||
                       ids[i] == SIPUA_HDR_RECORD_ROUTE || ids[i] == SIPUA_HDR_PATH ||
                       ids[i] == SIPUA_HDR_P_ASSERTED_IDENTITY) {
                sipua_nameaddr na;
                if (sipua_nameaddr_parse(value, &na) == 0)
                    touch_nameaddr(&na);
            }
        }
    }
}

static void touch_lazy(const sipua_msg *m)
{
    sipua_media_type type;
    uint32_t u32;
    sipua_rack rack;
    sipua_nameaddr na;
    sipua_event_hdr event;
    sipua_substate substate;
    sipua_reason reason;
    sipua_auth auth;

    if (sipua_msg_content_type(m, &type) == 0) {
        touch(type.type);
        touch(type.subtype);
        touch_params(type.params);
    }
    if (sipua_msg_expires(m, &u32) == 0)
        sink += u32;
    if (sipua_msg_rseq(m, &u32) == 0)
        sink += u32;
    if (sipua_msg_rack(m, &rack) == 0) {
        touch(rack.method_str);
        sink += rack.rseq + rack.cseq + (unsigned)rack.method;
    }
    if (sipua_msg_refer_to(m, &na) == 0)
        touch_nameaddr(&na);
    if (sipua_msg_referred_by(m, &na) == 0)
        touch_nameaddr(&na);
    if (sipua_msg_event(m, &event) == 0) {
        touch(event.package);
        touch(event.id);
        touch_params(event.params);
    }
    if (sipua_msg_subscription_state(m, &substate) == 0) {
        touch(substate.state);
        touch(substate.reason);
        touch_params(substate.params);
        sink += (unsigned)substate.expires + (unsigned)substate.retry_after;
    }
    if (sipua_msg_reason_hdr(m, &reason) == 0) {
        touch(reason.protocol);
        touch(reason.text);
        touch_params(reason.params);
        sink += (unsigned)reason.cause;
    }

    static const sipua_hdr_id auth_ids[] = {SIPUA_HDR_AUTHORIZATION, SIPUA_HDR_PROXY_AUTHORIZATION,
                                            SIPUA_HDR_WWW_AUTHENTICATE,
                                            SIPUA_HDR_PROXY_AUTHENTICATE};
    for (size_t i = 0; i < sizeof auth_ids / sizeof auth_ids[0]; i++) {
        for (size_t idx = 0; idx < 3; idx++) {
            if (sipua_msg_auth(m, auth_ids[i], idx, &auth) != 0)
                break;
            touch_auth(&auth);
        }
    }

    sink += (unsigned)sipua_msg_has_option(m, SIPUA_HDR_REQUIRE, "100rel");
    sink += (unsigned)sipua_msg_has_option(m, SIPUA_HDR_SUPPORTED, "timer");
    sink += (unsigned)sipua_msg_has_option(m, SIPUA_HDR_PROXY_REQUIRE, "sec-agree");
    sink += (unsigned)sipua_msg_has_option(m, SIPUA_HDR_UNSUPPORTED, "replaces");
}

/* Reads everything a successfully parsed message offers. */
static void touch_message(const sipua_msg *m)
{
    int star = 0;

    touch(sipua_msg_start_line(m));
    touch(sipua_msg_raw(m));
    touch(sipua_msg_body(m));
    if (sipua_msg_is_request(m)) {
        sipua_method method = sipua_msg_method(m);
        touch(sipua_msg_method_str(m));
        touch_cstr(sipua_method_name(method));
        check(sipua_method_from_str(sipua_msg_method_str(m)) == method);
        touch_uri(sipua_msg_request_uri(m));
    } else {
        sink += (unsigned)sipua_msg_status(m);
        touch(sipua_msg_reason(m));
    }

    size_t count = sipua_msg_header_count(m);
    check(count <= limits.max_headers);
    for (size_t i = 0; i < count; i++) {
        const sipua_hdr *h = sipua_msg_header_at(m, i);
        check(h != NULL);
        touch(h->name);
        touch(h->value);
        check(sipua_hdr_id_from_name(h->name) == h->id);
        touch_cstr(sipua_hdr_name(h->id));
    }
    check(sipua_msg_header_at(m, count) == NULL);

    /* sipua_msg_find and sipua_msg_find_name agree with the header list. */
    for (int id = SIPUA_HDR_OTHER + 1; id < SIPUA_HDR_COUNT_; id++) {
        const sipua_hdr *first = NULL;
        size_t from = 0;

        for (size_t i = 0; i < count && first == NULL; i++) {
            if (sipua_msg_header_at(m, i)->id == (sipua_hdr_id)id)
                first = sipua_msg_header_at(m, i);
        }
        check(sipua_msg_find(m, (sipua_hdr_id)id, &from) == first);
        check(sipua_msg_find_name(m, sipua_hdr_name((sipua_hdr_id)id)) == first);
    }
    if (sipua_msg_find_name(m, "X-Fuzz") != NULL)
        sink++;

    touch_via(sipua_msg_top_via(m));
    sink += (unsigned)sipua_msg_via_count(m);
    touch_nameaddr(sipua_msg_from(m));
    touch_nameaddr(sipua_msg_to(m));
    touch(sipua_msg_call_id(m));
    const sipua_cseq *cseq = sipua_msg_cseq(m);
    if (cseq != NULL) {
        touch(cseq->method_str);
        sink += cseq->number + (unsigned)cseq->method;
    }
    sink += (unsigned)sipua_msg_max_forwards(m);
    sink += (unsigned)sipua_msg_content_length(m);
    touch_nameaddr(sipua_msg_contact(m, &star));
    sink += (unsigned)star;
    sink += (unsigned)(sipua_msg_contact_count(m) + sipua_msg_route_count(m) +
                       sipua_msg_record_route_count(m));

    touch_values(m);
    touch_lazy(m);
}

/* After a failed parse: the error names itself and its place, and what was
 * reached before the fault is still readable. */
static void touch_failed(const sipua_msg *m, int rc, size_t len)
{
    const sipua_msg_error *err = sipua_msg_get_error(m);

    check(err != NULL);
    check(err->code == rc);
    check(err->offset <= len);
    touch_cstr(err->reason);
    touch_cstr(sipua_strerror(rc));
    touch_cstr(sipua_err_name(rc));
    sink += err->line + err->column;

    if (sipua_msg_is_request(m))
        touch(sipua_msg_method_str(m));
    touch_via(sipua_msg_top_via(m));
    touch(sipua_msg_call_id(m));
    const sipua_cseq *cseq = sipua_msg_cseq(m);
    if (cseq != NULL)
        touch(cseq->method_str);
}

/* The header fields in order, Content-Length left out. */
static size_t count_without_length(const sipua_msg *m)
{
    size_t n = 0, count = sipua_msg_header_count(m);

    for (size_t i = 0; i < count; i++)
        n += sipua_msg_header_at(m, i)->id != SIPUA_HDR_CONTENT_LENGTH;
    return n;
}

static const sipua_hdr *nth_without_length(const sipua_msg *m, size_t nth)
{
    size_t count = sipua_msg_header_count(m);

    for (size_t i = 0; i < count; i++) {
        const sipua_hdr *h = sipua_msg_header_at(m, i);
        if (h->id == SIPUA_HDR_CONTENT_LENGTH)
            continue;
        if (nth-- == 0)
            return h;
    }
    return NULL;
}

/* Serializes a parsed message, parses the result and compares. */
static void round_trip(const sipua_msg *m, int lint_ok)
{
    int n = sipua_msg_serialize(m, out, sizeof out);

    check(n > 0 && (size_t)n <= sizeof out);

    size_t len = (size_t)n;
    char *copy = malloc(len);
    check(copy != NULL);
    memcpy(copy, out, len);

    int rc = sipua_msg_parse(reparsed, copy, len, SIPUA_PARSE_DATAGRAM);
    check(rc == n);
    if (lint_ok)
        check(sipua_msg_parse_all(reparsed) == 0);

    /* The same start line; only the case of "SIP/2.0" may change (RFC 3261
     * 7.1: case-insensitive, sent in upper case). */
    check(str_caseeq(sipua_msg_start_line(m), sipua_msg_start_line(reparsed)));
    check(sipua_msg_is_request(m) == sipua_msg_is_request(reparsed));
    if (sipua_msg_is_request(m)) {
        check(sipua_msg_method(m) == sipua_msg_method(reparsed));
        check(str_same(sipua_msg_method_str(m), sipua_msg_method_str(reparsed)));
        const sipua_uri *a = sipua_msg_request_uri(m), *b = sipua_msg_request_uri(reparsed);
        check(a != NULL && b != NULL && str_same(a->whole, b->whole));
    } else {
        check(sipua_msg_status(m) == sipua_msg_status(reparsed));
        check(str_same(sipua_msg_reason(m), sipua_msg_reason(reparsed)));
    }
    check(str_same(sipua_msg_body(m), sipua_msg_body(reparsed)));
    check(sipua_msg_content_length(reparsed) == (int64_t)sipua_msg_body(m).len);
    check(str_same(sipua_msg_call_id(m), sipua_msg_call_id(reparsed)));
    check(sipua_msg_via_count(m) == sipua_msg_via_count(reparsed));
    check(sipua_msg_contact_count(m) == sipua_msg_contact_count(reparsed));
    check(sipua_msg_route_count(m) == sipua_msg_route_count(reparsed));
    check(sipua_msg_record_route_count(m) == sipua_msg_record_route_count(reparsed));
    check(sipua_msg_max_forwards(m) == sipua_msg_max_forwards(reparsed));

    size_t count = count_without_length(m);
    check(count == count_without_length(reparsed));
    for (size_t i = 0; i < count; i++) {
        const sipua_hdr *a = nth_without_length(m, i);
        const sipua_hdr *b = nth_without_length(reparsed, i);
        check(a != NULL && b != NULL && a->id == b->id);
        if (a->id == SIPUA_HDR_OTHER)
            check(a->name.len == b->name.len && memcmp(a->name.p, b->name.p, a->name.len) == 0);
    }

    /* Canonical form is a fixed point. */
    n = sipua_msg_serialize(reparsed, out, sizeof out);
    check(n > 0 && (size_t)n == len && memcmp(out, copy, len) == 0);

    /* On a stream the same bytes are one complete message. */
    rc = sipua_msg_parse(reparsed, copy, len, SIPUA_PARSE_STREAM);
    check(rc == (int)len);

    free(copy);
}

static void parse_one(const uint8_t *data, size_t size, int flags)
{
    int rc = sipua_msg_parse(msg, (const char *)data, size, flags);

    if (rc < 0) {
        check(rc != SIPUA_EINVAL);
        check(flags == SIPUA_PARSE_STREAM || rc != SIPUA_EAGAIN);
        touch_failed(msg, rc, size);
        return;
    }
    check(rc > 0 && (size_t)rc <= size);
    int lint_ok = sipua_msg_parse_all(msg) == 0;
    if (!lint_ok)
        touch_cstr(sipua_msg_get_error(msg)->reason);
    touch_message(msg);
    round_trip(msg, lint_ok);
}

/* A small deterministic generator for chunk sizes, seeded by the input. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t x = *state;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    return x;
}

/* Feeds the input to the framer as a stream arriving in chunks, and parses
 * what it frames. */
static void frame_stream(const uint8_t *data, size_t size)
{
    static const size_t max_chunks[] = {1, 3, 17, 64, 512, SIZE_MAX};
    uint64_t state = 0x9e3779b97f4a7c15u;
    sipua_framer framer;
    size_t start = 0, have = 0;

    for (size_t i = 0; i < size && i < 8; i++)
        state = (state ^ data[i]) * 0x100000001b3u;
    state |= 1;
    size_t max_chunk = max_chunks[data[0] % (sizeof max_chunks / sizeof max_chunks[0])];
    /* Tiny chunks over a big input cost quadratic copying: bound the calls. */
    size_t min_chunk = size / 256 + 1;
    if (max_chunk < min_chunk)
        max_chunk = min_chunk;

    sipua_framer_init(&framer);
    while (have < size) {
        size_t chunk = max_chunk == SIZE_MAX ? size : min_chunk + next_random(&state) % max_chunk;
        have = chunk >= size - have ? size : have + chunk;

        for (;;) {
            size_t window = have - start;
            if (window == 0)
                break;
            /* An exact-size copy, so that a read past the end is caught. */
            char *buf = malloc(window);
            check(buf != NULL);
            memcpy(buf, data + start, window);

            size_t skip = SIZE_MAX, len = SIZE_MAX;
            int rc = sipua_framer_next(&framer, &limits, buf, window, &skip, &len);
            if (rc == SIPUA_EAGAIN) {
                free(buf);
                break;
            }
            if (rc < 0) {
                check(rc == SIPUA_EPARSE || rc == SIPUA_ELIMIT);
                check(framer.error != 0);
                /* Sticky: the stream stays failed. */
                check(sipua_framer_next(&framer, &limits, buf, window, &skip, &len) < 0);
                free(buf);
                return;
            }
            size_t used;
            if (rc == SIPUA_FRAME_MESSAGE) {
                check(skip <= window && len > 0 && len <= window - skip);
                int parsed = sipua_msg_parse(msg, buf + skip, len, SIPUA_PARSE_STREAM);
                check(parsed != SIPUA_EAGAIN);
                if (parsed > 0)
                    check((size_t)parsed == len);
                used = skip + len;
            } else {
                check(rc == SIPUA_FRAME_KEEPALIVE || rc == SIPUA_FRAME_PONG);
                check(skip > 0 && skip <= window);
                used = skip;
            }
            free(buf);
            start += used;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (msg == NULL) {
        sipua_msg_limits wide;

        sipua_msg_limits_init(&limits);
        wide = limits;
        /* Canonical output may outgrow the input: long header names, one
         * more header field (Content-Length). */
        wide.max_message = OUT_CAP;
        wide.max_header_len = OUT_CAP;
        wide.max_headers = limits.max_headers * 2;
        msg = sipua_msg_new(&limits, NULL);
        reparsed = sipua_msg_new(&wide, NULL);
        check(msg != NULL && reparsed != NULL);
    }
    if (size == 0)
        return 0;

    parse_one(data, size, SIPUA_PARSE_DATAGRAM);
    parse_one(data, size, SIPUA_PARSE_STREAM);
    frame_stream(data, size);
    return 0;
}
