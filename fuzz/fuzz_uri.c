/* libFuzzer target over the URI surface: SIP/SIPS/tel/other URIs,
 * name-addr/addr-spec, Via values, parameter lists, escapes and URI
 * comparison. The whole input is one value; its first byte picks how it is
 * read, so one corpus exercises every parser. A parser that accepts a value
 * must hand back spans inside it. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipua/msg.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_uri.c:%d: check failed: %s\n", __LINE__, #cond);                 \
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

static void check_uri(const sipua_uri *u)
{
    in_input(u->scheme);
    in_input(u->user);
    in_input(u->password);
    in_input(u->host);
    in_input(u->params);
    in_input(u->headers);
    in_input(u->opaque);
    in_input(u->whole);
    size_t pos = 0;
    sipua_str n, v;
    while (sipua_param_next(u->params, &pos, &n, &v)) {
        in_input(n);
        in_input(v);
        CHECK(pos <= u->params.len);
    }
    char buf[256];
    int r = sipua_unescape(u->user, buf, sizeof buf);
    CHECK(r == SIPUA_EPARSE || r == SIPUA_ENOSPC || (r >= 0 && (size_t)r <= u->user.len));
    /* a URI equals itself (escapes were checked by the parser) */
    CHECK(sipua_uri_equal(u, u) == 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    /* the value in a buffer of its own, so that a read past it is caught */
    size_t n = size - 1;
    char *copy = malloc(n ? n : 1);
    if (!copy)
        return 0;
    memcpy(copy, data + 1, n);
    lo = copy;
    hi = copy + n;
    sipua_str text = {copy, n};

    switch (data[0] % 4) {
    case 0: {
        sipua_uri u;
        if (sipua_uri_parse(text, &u) == 0) {
            check_uri(&u);
            /* the same URI parsed twice compares equal */
            sipua_uri u2;
            CHECK(sipua_uri_parse(text, &u2) == 0);
            CHECK(sipua_uri_equal(&u, &u2) == 1);
        }
        break;
    }
    case 1: {
        sipua_nameaddr na;
        if (sipua_nameaddr_parse(text, &na) == 0) {
            check_uri(&na.uri);
            in_input(na.display);
            in_input(na.params);
            in_input(na.tag);
            char disp[512];
            int r = sipua_nameaddr_display(&na, disp, sizeof disp);
            CHECK(r == SIPUA_ENOSPC || (r >= 0 && (size_t)r <= na.display.len));
        }
        break;
    }
    case 2: {
        sipua_via via;
        if (sipua_via_parse(text, &via) == 0) {
            in_input(via.protocol);
            in_input(via.transport);
            in_input(via.host);
            in_input(via.branch);
            in_input(via.received);
            in_input(via.maddr);
            in_input(via.params);
            CHECK(via.rport >= -1 && via.rport <= 65535);
            CHECK(via.ttl >= -1 && via.ttl <= 255);
            (void)sipua_via_branch_is_rfc3261(&via);
        }
        break;
    }
    default: {
        /* two URIs separated by the first space: comparison must not
         * depend on the order */
        const char *sp = memchr(copy, ' ', n);
        if (!sp)
            break;
        sipua_str a = {copy, (size_t)(sp - copy)}, b = {sp + 1, n - (size_t)(sp - copy) - 1};
        sipua_uri ua, ub;
        if (sipua_uri_parse(a, &ua) == 0 && sipua_uri_parse(b, &ub) == 0)
            CHECK(sipua_uri_equal(&ua, &ub) == sipua_uri_equal(&ub, &ua));
        sipua_auth auth;
        if (sipua_auth_parse(text, &auth) == 0) {
            in_input(auth.scheme);
            in_input(auth.realm);
            in_input(auth.nonce);
        }
        break;
    }
    }
    free(copy);
    return 0;
}
