/* sipua — base types: spans, errors, time, allocator.
 *
 * Every other public header includes this one. Nothing here allocates or
 * touches the operating system.
 */
#ifndef SIPUA_BASE_H
#define SIPUA_BASE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32) && defined(SIPUA_SHARED_BUILD)
#define SIPUA_EXTERN __declspec(dllexport)
#elif defined(__GNUC__)
#define SIPUA_EXTERN __attribute__((visibility("default")))
#else
#define SIPUA_EXTERN
#endif

#define SIPUA_VERSION_MAJOR  0
#define SIPUA_VERSION_MINOR  1
#define SIPUA_VERSION_PATCH  0
#define SIPUA_VERSION_STRING "0.1.0"

/* The library's version, "MAJOR.MINOR.PATCH". */
SIPUA_EXTERN const char *sipua_version(void);

/* A span of bytes: a pointer into a buffer the caller owns, and a length.
 * Spans are not NUL-terminated. An absent value is {NULL, 0}; an empty but
 * present one has a non-NULL pointer and length 0. */
typedef struct sipua_str {
    const char *p;
    size_t len;
} sipua_str;

/* A span over a NUL-terminated C string literal or variable. */
#define SIPUA_STR(lit) ((sipua_str){(lit), sizeof(lit) - 1})

/* Time: microseconds since the Unix epoch; 0 means "not yet". The core never
 * reads a clock: every call that needs the time takes it as a parameter. */
typedef int64_t sipua_time;

/* Errors: 0 is success, negative values are failures. The X-macro is the one
 * table that the enum, sipua_strerror() and sipua_err_name() come from. */
#define SIPUA_ERRNO_MAP(X)                                                                         \
    X(EINVAL, -1, "invalid argument")                                                              \
    X(ESTATE, -2, "operation not allowed in this state")                                           \
    X(ENOMEM, -3, "out of memory")                                                                 \
    X(EAGAIN, -4, "incomplete input: more bytes needed")                                           \
    X(EPARSE, -5, "malformed input")                                                               \
    X(ELIMIT, -6, "input exceeds a configured limit")                                              \
    X(ENOSPC, -7, "output buffer too small")                                                       \
    X(ENOTFOUND, -8, "not found")                                                                  \
    X(EVERSION, -9, "unsupported protocol version")                                                \
    X(EIO, -10, "input/output error")                                                              \
    X(ETIMEDOUT, -11, "timed out: no answer")

typedef enum sipua_errno {
    SIPUA_OK = 0,
#define SIPUA_ERRNO_ENUM_(name, value, text) SIPUA_##name = (value),
    SIPUA_ERRNO_MAP(SIPUA_ERRNO_ENUM_)
#undef SIPUA_ERRNO_ENUM_
} sipua_errno;

/* A sentence describing an error code ("malformed input"); never NULL. */
SIPUA_EXTERN const char *sipua_strerror(int err);
/* The symbolic name of an error code ("SIPUA_EPARSE"); never NULL. */
SIPUA_EXTERN const char *sipua_err_name(int err);

/* Memory. Every allocation the library makes goes through one of these,
 * given at creation, so that tests can fail the Nth allocation. A NULL
 * allocator pointer means the C library's malloc/realloc/free. */
typedef struct sipua_allocator {
    void *(*alloc)(size_t size, void *user);
    void *(*realloc)(void *ptr, size_t size, void *user);
    void (*free)(void *ptr, void *user);
    void *user;
} sipua_allocator;

/* The allocator used when none is given. */
SIPUA_EXTERN const sipua_allocator *sipua_default_allocator(void);

/* Span helpers. */
/* 1 when the span equals the C string exactly, else 0. */
SIPUA_EXTERN int sipua_str_eq(sipua_str s, const char *cstr);
/* 1 when the span equals the C string ignoring ASCII case, else 0. */
SIPUA_EXTERN int sipua_str_caseeq(sipua_str s, const char *cstr);

#ifdef __cplusplus
}
#endif

#endif
