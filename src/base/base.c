/* Errors, version, default allocator and span helpers. */
#include "sipua/base.h"

#include <stdlib.h>
#include <string.h>

const char *sipua_version(void)
{
    return SIPUA_VERSION_STRING;
}

const char *sipua_strerror(int err)
{
    switch (err) {
    case SIPUA_OK: return "success";
#define SIPUA_ERRNO_TEXT_(name, value, text)                                                       \
    case SIPUA_##name: return text;
        SIPUA_ERRNO_MAP(SIPUA_ERRNO_TEXT_)
#undef SIPUA_ERRNO_TEXT_
    }
    return "unknown error";
}

const char *sipua_err_name(int err)
{
    switch (err) {
    case SIPUA_OK: return "SIPUA_OK";
#define SIPUA_ERRNO_NAME_(name, value, text)                                                       \
    case SIPUA_##name: return "SIPUA_" #name;
        SIPUA_ERRNO_MAP(SIPUA_ERRNO_NAME_)
#undef SIPUA_ERRNO_NAME_
    }
    return "SIPUA_EUNKNOWN";
}

static void *default_alloc(size_t size, void *user)
{
    (void)user;
    return malloc(size);
}

static void *default_realloc(void *ptr, size_t size, void *user)
{
    (void)user;
    return realloc(ptr, size);
}

static void default_free(void *ptr, void *user)
{
    (void)user;
    free(ptr);
}

static const sipua_allocator default_allocator = {default_alloc, default_realloc, default_free,
                                                  NULL};

const sipua_allocator *sipua_default_allocator(void)
{
    return &default_allocator;
}

int sipua_str_eq(sipua_str s, const char *cstr)
{
    size_t n = strlen(cstr);
    return s.len == n && (n == 0 || memcmp(s.p, cstr, n) == 0);
}

int sipua_str_caseeq(sipua_str s, const char *cstr)
{
    size_t n = strlen(cstr);
    if (s.len != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char a = (unsigned char)s.p[i], b = (unsigned char)cstr[i];
        if (a >= 'A' && a <= 'Z')
            a = (unsigned char)(a + 32);
        if (b >= 'A' && b <= 'Z')
            b = (unsigned char)(b + 32);
        if (a != b)
            return 0;
    }
    return 1;
}
