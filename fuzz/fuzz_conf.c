/* libFuzzer target over the configuration text reader (sipua_conf_next):
 * the input is the whole text. Every entry's key and value must lie inside
 * it, every error must name a line, and the reader must reach the end in
 * no more steps than there are lines. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipua/register.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_conf.c:%d: check failed: %s\n", __LINE__, #cond);                \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    size_t lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += p[i] == '\n';
    sipua_conf_reader r;
    sipua_conf_init(&r, (sipua_str){size ? p : NULL, size});
    sipua_str k, v;
    int got;
    size_t steps = 0;
    unsigned last_line = 0;
    while ((got = sipua_conf_next(&r, &k, &v)) != 0) {
        CHECK(got == 1 || got == SIPUA_EPARSE);
        CHECK(++steps <= lines);
        CHECK(r.line > last_line && r.line <= lines);
        last_line = r.line;
        if (got == SIPUA_EPARSE) {
            CHECK(r.error && r.error[0]);
            continue;
        }
        CHECK(k.len > 0 && k.p >= p && k.p + k.len <= p + size);
        CHECK(v.len == 0 || (v.p >= p && v.p + v.len <= p + size));
        CHECK(!memchr(k.p, '=', k.len) && !memchr(k.p, '\n', k.len));
        CHECK(!v.len || !memchr(v.p, '\n', v.len));
    }
    return 0;
}
