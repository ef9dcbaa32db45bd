/* An allocator whose calls succeed a given number of times and then fail,
 * counting the blocks still live, for the allocation-failure tests (curl's
 * torture runs): every error path must free what it took. Header-only,
 * static inline; include after <cmocka.h>. */
#ifndef SIPUA_TESTS_UNIT_FAILALLOC_H
#define SIPUA_TESTS_UNIT_FAILALLOC_H

#include <stdlib.h>

#include "sipua/base.h"

typedef struct failalloc {
    sipua_allocator a;
    int left; /* alloc and realloc calls that succeed; then each one fails */
    int live; /* blocks allocated and not yet freed */
} failalloc;

static inline void *failalloc_alloc(size_t n, void *user)
{
    failalloc *f = user;
    if (f->left-- <= 0)
        return NULL;
    f->live++;
    return malloc(n ? n : 1);
}

static inline void *failalloc_realloc(void *p, size_t n, void *user)
{
    failalloc *f = user;
    if (f->left-- <= 0)
        return NULL;
    if (!p)
        f->live++;
    return realloc(p, n ? n : 1);
}

static inline void failalloc_free(void *p, void *user)
{
    failalloc *f = user;
    if (p)
        f->live--;
    free(p);
}

/* Sets *f up to let `budget` calls succeed; f->a is the allocator. */
static inline void failalloc_init(failalloc *f, int budget)
{
    f->a.alloc = failalloc_alloc;
    f->a.realloc = failalloc_realloc;
    f->a.free = failalloc_free;
    f->a.user = f;
    f->left = budget;
    f->live = 0;
}

#endif
