/* Allocation failure (STYLE.md examples 8 and 12, after curl's torture mode
 * and nghttp2's failmalloc test): every allocation goes through the
 * sipua_allocator given at creation, so a test can fail the Nth one.
 *
 * - sipua_msg_new() with allocation N failing, for N = 0, 1, 2, ... returns
 *   NULL and leaks nothing, until no allocation fails and it succeeds.
 * - Parsing, checking, reading and serializing a message allocate nothing.
 * - The allocator's user pointer reaches every call; a NULL allocator
 *   means the default one, which is complete.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sipua/msg.h"
#include "testutil.h"

/* ------------------------------------------------------------------ */
/* failmalloc                                                          */

#define FAILMALLOC_MAGIC 0xfa11a110u

typedef struct failmalloc {
    uint32_t magic; /* tells that `user` is this struct */
    sipua_allocator a;
    long fail_at;  /* index of the allocation that fails; -1: none */
    long calls;    /* alloc and realloc calls so far */
    long failures; /* calls made to fail */
    long live;     /* blocks allocated and not yet freed */
    int bad_user;  /* a call saw another user pointer */
} failmalloc;

static int fails_now(failmalloc *f)
{
    int fail = f->calls == f->fail_at;
    f->calls++;
    f->failures += fail;
    return fail;
}

static void *fm_alloc(size_t size, void *user)
{
    failmalloc *f = user;
    if (f->magic != FAILMALLOC_MAGIC)
        f->bad_user = 1;
    if (fails_now(f))
        return NULL;
    void *p = malloc(size ? size : 1);
    f->live += p != NULL;
    return p;
}

static void *fm_realloc(void *ptr, size_t size, void *user)
{
    failmalloc *f = user;
    if (f->magic != FAILMALLOC_MAGIC)
        f->bad_user = 1;
    if (fails_now(f))
        return NULL;
    void *p = realloc(ptr, size ? size : 1);
    f->live += p != NULL && ptr == NULL;
    return p;
}

static void fm_free(void *ptr, void *user)
{
    failmalloc *f = user;
    if (f->magic != FAILMALLOC_MAGIC)
        f->bad_user = 1;
    if (ptr)
        f->live--;
    free(ptr);
}

static void failmalloc_init(failmalloc *f, long fail_at)
{
    memset(f, 0, sizeof *f);
    f->magic = FAILMALLOC_MAGIC;
    f->a.alloc = fm_alloc;
    f->a.realloc = fm_realloc;
    f->a.free = fm_free;
    f->a.user = f;
    f->fail_at = fail_at;
}

/* RFC 3261 4, the INVITE of the first example, with an Expires. */
static const char invite[] = INVITE_HEAD "Expires: 60\r\n" INVITE_TAIL;

/* ------------------------------------------------------------------ */
/* Tests                                                               */

static void test_api_msg_new_fails_cleanly_at_every_allocation(void **state)
{
    (void)state;
    sipua_msg_limits limits;
    sipua_msg_limits_init(&limits);
    for (long n = 0;; n++) {
        if (n > 64)
            fail_msg("sipua_msg_new still failing after %ld allocations", n);
        failmalloc f;
        failmalloc_init(&f, n);
        sipua_msg *m = sipua_msg_new(&limits, &f.a);
        if (!m) {
            if (f.failures != 1)
                fail_msg("N = %ld: NULL without a failed allocation (%ld calls)", n, f.calls);
            if (f.live != 0)
                fail_msg("N = %ld: %ld blocks leaked", n, f.live);
            continue;
        }
        /* no allocation failed: this N is past the last one */
        assert_int_equal(f.failures, 0);
        assert_true(n >= 1);
        assert_int_equal(sipua_msg_parse(m, invite, sizeof invite - 1, SIPUA_PARSE_DATAGRAM),
                         sizeof invite - 1);
        sipua_msg_free(m);
        assert_int_equal(f.live, 0);
        assert_int_equal(f.bad_user, 0);
        break;
    }
}

static void test_api_parsing_allocates_nothing(void **state)
{
    (void)state;
    failmalloc f;
    failmalloc_init(&f, -1);
    sipua_msg *m = sipua_msg_new(NULL, &f.a);
    assert_non_null(m);
    f.fail_at = f.calls; /* from now on, the next allocation fails */
    long calls = f.calls;

    char out[1024];
    sipua_media_type mt;
    uint32_t expires;
    assert_int_equal(sipua_msg_parse(m, invite, sizeof invite - 1, SIPUA_PARSE_DATAGRAM),
                     sizeof invite - 1);
    assert_int_equal(sipua_msg_parse(m, invite, sizeof invite - 1, SIPUA_PARSE_STREAM),
                     sizeof invite - 1);
    assert_int_equal(sipua_msg_parse_all(m), 0);
    assert_int_equal(sipua_msg_content_type(m, &mt), 0);
    assert_int_equal(sipua_msg_expires(m, &expires), 0);
    assert_true(sipua_msg_serialize(m, out, sizeof out) > 0);
    assert_int_equal(sipua_msg_parse(m, "x", 1, SIPUA_PARSE_DATAGRAM), SIPUA_EPARSE);
    assert_int_equal(f.calls, calls);

    sipua_msg_free(m);
    assert_int_equal(f.live, 0);
}

static void test_api_msg_new_with_a_null_allocator_uses_the_default(void **state)
{
    (void)state;
    sipua_msg *m = sipua_msg_new(NULL, NULL);
    assert_non_null(m);
    assert_int_equal(sipua_msg_parse(m, invite, sizeof invite - 1, SIPUA_PARSE_DATAGRAM),
                     sizeof invite - 1);
    sipua_msg_free(m);
    m = sipua_msg_new(NULL, sipua_default_allocator());
    assert_non_null(m);
    sipua_msg_free(m);
}

static void test_api_default_allocator_is_complete(void **state)
{
    (void)state;
    const sipua_allocator *a = sipua_default_allocator();
    assert_non_null(a);
    assert_ptr_equal(sipua_default_allocator(), a);
    assert_non_null(a->alloc);
    assert_non_null(a->realloc);
    assert_non_null(a->free);
    char *p = a->alloc(16, a->user);
    assert_non_null(p);
    memcpy(p, "0123456789abcdef", 16);
    p = a->realloc(p, 64, a->user);
    assert_non_null(p);
    assert_memory_equal(p, "0123456789abcdef", 16);
    a->free(p, a->user);
    a->free(NULL, a->user);
}

static void test_api_msg_new_refuses_bad_limits_without_allocating(void **state)
{
    (void)state;
    failmalloc f;
    sipua_msg_limits limits;
    failmalloc_init(&f, -1);
    sipua_msg_limits_init(&limits);
    limits.max_headers = 0;
    assert_null(sipua_msg_new(&limits, &f.a));
    assert_int_equal(f.calls, 0);
    assert_int_equal(f.live, 0);
}

/* sipua_msg_copy(): one allocation sized to the message's headers, the
 * same fields as the message copied, and clean failure. */
static void test_api_msg_copy_is_one_allocation_with_the_same_fields(void **state)
{
    (void)state;
    failmalloc f;
    failmalloc_init(&f, -1);
    sipua_msg *src = sipua_msg_new(NULL, &f.a);
    assert_non_null(src);
    assert_int_equal(sipua_msg_parse(src, invite, sizeof invite - 1, SIPUA_PARSE_DATAGRAM),
                     sizeof invite - 1);
    char *kept = malloc(sizeof invite - 1);
    assert_non_null(kept);
    memcpy(kept, invite, sizeof invite - 1);
    long calls = f.calls;
    sipua_msg *c = sipua_msg_copy(src, kept, sizeof invite - 1, &f.a);
    assert_non_null(c);
    assert_int_equal(f.calls, calls + 1);
    sipua_str a = sipua_msg_call_id(src), b = sipua_msg_call_id(c);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.p, b.p, a.len);
    assert_ptr_equal(sipua_msg_raw(c).p, kept);
    assert_int_equal(sipua_msg_header_count(c), sipua_msg_header_count(src));
    assert_int_equal(sipua_msg_cseq(c)->number, sipua_msg_cseq(src)->number);
    assert_int_equal(sipua_msg_parse_all(c), 0);
    /* no room for a message with one header more */
    static const char longer[] = INVITE_HEAD "Expires: 60\r\nSubject: x\r\n" INVITE_TAIL;
    assert_int_equal(sipua_msg_parse(c, longer, sizeof longer - 1, SIPUA_PARSE_DATAGRAM),
                     SIPUA_ELIMIT);
    sipua_msg_free(c);
    /* out of memory, NULL arguments */
    f.fail_at = f.calls;
    assert_null(sipua_msg_copy(src, kept, sizeof invite - 1, &f.a));
    f.fail_at = -1;
    assert_null(sipua_msg_copy(NULL, kept, sizeof invite - 1, &f.a));
    assert_null(sipua_msg_copy(src, NULL, 0, &f.a));
    sipua_msg_free(src);
    free(kept);
    assert_int_equal(f.live, 0);
}

static void test_api_msg_free_of_null_is_a_no_op(void **state)
{
    (void)state;
    sipua_msg_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_api_msg_new_fails_cleanly_at_every_allocation),
        cmocka_unit_test(test_api_parsing_allocates_nothing),
        cmocka_unit_test(test_api_msg_new_with_a_null_allocator_uses_the_default),
        cmocka_unit_test(test_api_default_allocator_is_complete),
        cmocka_unit_test(test_api_msg_new_refuses_bad_limits_without_allocating),
        cmocka_unit_test(test_api_msg_copy_is_one_allocation_with_the_same_fields),
        cmocka_unit_test(test_api_msg_free_of_null_is_a_no_op),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
