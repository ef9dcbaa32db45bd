/* Timer heap: a binary min-heap of intrusive timers (see timer.h). */
#include "base/timer.h"

/* a fires before b. */
static int earlier(const sipua__timer *a, const sipua__timer *b)
{
    if (a->deadline != b->deadline)
        return a->deadline < b->deadline;
    /* armed less than 2^31 armings apart: the difference tells the order */
    return (int32_t)(a->seq - b->seq) < 0;
}

static void place(sipua__timer_heap *heap, size_t i, sipua__timer *t)
{
    heap->nodes[i] = t;
    t->index = (uint32_t)i;
}

static void sift_up(sipua__timer_heap *heap, size_t i)
{
    sipua__timer *t = heap->nodes[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!earlier(t, heap->nodes[parent]))
            break;
        place(heap, i, heap->nodes[parent]);
        i = parent;
    }
    place(heap, i, t);
}

static void sift_down(sipua__timer_heap *heap, size_t i)
{
    sipua__timer *t = heap->nodes[i];
    size_t n = heap->len;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= n)
            break;
        if (child + 1 < n && earlier(heap->nodes[child + 1], heap->nodes[child]))
            child++;
        if (!earlier(heap->nodes[child], t))
            break;
        place(heap, i, heap->nodes[child]);
        i = child;
    }
    place(heap, i, t);
}

/* Restores the heap property around a node whose key changed. */
static void fix(sipua__timer_heap *heap, size_t i)
{
    if (i > 0 && earlier(heap->nodes[i], heap->nodes[(i - 1) / 2]))
        sift_up(heap, i);
    else
        sift_down(heap, i);
}

void sipua__timer_heap_init(sipua__timer_heap *heap, const sipua_allocator *alloc)
{
    heap->nodes = NULL;
    heap->len = 0;
    heap->cap = 0;
    heap->seq = 0;
    heap->alloc = alloc ? alloc : sipua_default_allocator();
}

void sipua__timer_heap_free(sipua__timer_heap *heap)
{
    for (size_t i = 0; i < heap->len; i++)
        heap->nodes[i]->index = SIPUA__TIMER_UNARMED;
    if (heap->nodes)
        heap->alloc->free(heap->nodes, heap->alloc->user);
    heap->nodes = NULL;
    heap->len = 0;
    heap->cap = 0;
}

int sipua__timer_heap_reserve(sipua__timer_heap *heap, size_t n)
{
    if (n <= heap->cap)
        return 0;
    if (n >= SIPUA__TIMER_UNARMED) /* positions are 32-bit */
        return SIPUA_ENOMEM;
    size_t cap = heap->cap ? heap->cap : 16;
    while (cap < n) {
        if (cap > SIZE_MAX / 2 / sizeof(sipua__timer *))
            return SIPUA_ENOMEM;
        cap *= 2;
    }
    sipua__timer **nodes =
        heap->alloc->realloc(heap->nodes, cap * sizeof(sipua__timer *), heap->alloc->user);
    if (!nodes)
        return SIPUA_ENOMEM;
    heap->nodes = nodes;
    heap->cap = cap;
    return 0;
}

void sipua__timer_init(sipua__timer *timer, sipua__timer_cb cb, void *user)
{
    timer->deadline = 0;
    timer->seq = 0;
    timer->index = SIPUA__TIMER_UNARMED;
    timer->cb = cb;
    timer->user = user;
}

int sipua__timer_schedule(sipua__timer_heap *heap, sipua__timer *timer, sipua_time deadline)
{
    if (timer->index != SIPUA__TIMER_UNARMED) {
        timer->deadline = deadline;
        timer->seq = heap->seq++;
        fix(heap, timer->index);
        return 0;
    }
    if (heap->len == heap->cap && sipua__timer_heap_reserve(heap, heap->len + 1) != 0)
        return SIPUA_ENOMEM;
    timer->deadline = deadline;
    timer->seq = heap->seq++;
    heap->nodes[heap->len] = timer;
    timer->index = (uint32_t)heap->len;
    heap->len++;
    sift_up(heap, timer->index);
    return 0;
}

void sipua__timer_cancel(sipua__timer_heap *heap, sipua__timer *timer)
{
    size_t i = timer->index;
    if (i == SIPUA__TIMER_UNARMED)
        return;
    timer->index = SIPUA__TIMER_UNARMED;
    heap->len--;
    if (i == heap->len)
        return;
    place(heap, i, heap->nodes[heap->len]);
    fix(heap, i);
}

int sipua__timer_armed(const sipua__timer *timer)
{
    return timer->index != SIPUA__TIMER_UNARMED;
}

sipua_time sipua__timer_heap_next_deadline(const sipua__timer_heap *heap)
{
    return heap->len ? heap->nodes[0]->deadline : 0;
}

size_t sipua__timer_heap_count(const sipua__timer_heap *heap)
{
    return heap->len;
}

size_t sipua__timer_heap_run(sipua__timer_heap *heap, sipua_time now)
{
    size_t fired = 0;
    while (heap->len && heap->nodes[0]->deadline <= now) {
        sipua__timer *t = heap->nodes[0];
        sipua__timer_cancel(heap, t);
        fired++;
        t->cb(t, now, t->user);
    }
    return fired;
}

int sipua__timer_heap_check(const sipua__timer_heap *heap)
{
    for (size_t i = 0; i < heap->len; i++) {
        if (heap->nodes[i]->index != i)
            return 0;
        if (i > 0 && earlier(heap->nodes[i], heap->nodes[(i - 1) / 2]))
            return 0;
    }
    return 1;
}
