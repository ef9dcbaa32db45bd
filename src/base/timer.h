/* sipua — timer heap (internal).
 *
 * A binary min-heap of timers ordered by deadline, then by the order in
 * which they were armed, so that timers due at the same instant fire
 * first-armed first. Timers are intrusive: a sipua__timer is embedded in
 * the object that owns it and remembers its own position in the heap, so
 * arming, cancelling and re-arming are O(log n) without any search. The
 * heap's only allocation is its array of node pointers, made through the
 * allocator given at initialisation.
 *
 * Sans-IO: the heap never reads a clock. The owner asks for the next
 * deadline, and calls sipua__timer_heap_run() with the current time.
 */
#ifndef SIPUA_SRC_BASE_TIMER_H
#define SIPUA_SRC_BASE_TIMER_H

#include "sipua/base.h"

#include <stddef.h>
#include <stdint.h>

typedef struct sipua__timer sipua__timer;

/* Called when a timer fires. `now` is the time given to
 * sipua__timer_heap_run(), `user` the pointer given to sipua__timer_init().
 * The timer is disarmed before the call: the callback may re-arm it, arm or
 * cancel any other timer of the heap, or free the object that embeds it
 * (after which it must not touch the timer again). */
typedef void (*sipua__timer_cb)(sipua__timer *timer, sipua_time now, void *user);

/* Members are private to timer.c; the struct is public only so that owners
 * can embed it. */
/* 32 octets: sessions and transactions embed several, and a UA holds
 * hundreds of thousands of them. */
struct sipua__timer {
    sipua_time deadline;
    uint32_t seq;   /* arming order, modulo 2^32: breaks ties between equal deadlines */
    uint32_t index; /* position in the heap; SIPUA__TIMER_UNARMED when not in it */
    sipua__timer_cb cb;
    void *user;
};

#define SIPUA__TIMER_UNARMED UINT32_MAX

typedef struct sipua__timer_heap {
    sipua__timer **nodes;
    size_t len;
    size_t cap;
    uint32_t seq;
    const sipua_allocator *alloc;
} sipua__timer_heap;

/* Initialises an empty heap that allocates through `alloc` (NULL: the
 * default allocator). Allocates nothing yet. */
void sipua__timer_heap_init(sipua__timer_heap *heap, const sipua_allocator *alloc);

/* Releases the heap's array. Timers still armed are disarmed, not fired. */
void sipua__timer_heap_free(sipua__timer_heap *heap);

/* Makes room for `n` armed timers in all, so that arming that many cannot
 * fail. Returns 0 or SIPUA_ENOMEM. */
int sipua__timer_heap_reserve(sipua__timer_heap *heap, size_t n);

/* Prepares an unarmed timer that will call cb(timer, now, user). */
void sipua__timer_init(sipua__timer *timer, sipua__timer_cb cb, void *user);

/* Arms the timer to fire at `deadline`, or moves it there when it is
 * already armed (it then counts as armed now for the tie-break). A deadline
 * at or before the time of the next run fires in that run. Returns 0, or
 * SIPUA_ENOMEM when the heap cannot grow (the timer is then unchanged:
 * re-arming an armed timer never fails). */
int sipua__timer_schedule(sipua__timer_heap *heap, sipua__timer *timer, sipua_time deadline);

/* Disarms the timer; no-op when it is not armed. */
void sipua__timer_cancel(sipua__timer_heap *heap, sipua__timer *timer);

/* 1 when the timer is armed, else 0. */
int sipua__timer_armed(const sipua__timer *timer);

/* The earliest deadline among armed timers; 0 when none is armed. */
sipua_time sipua__timer_heap_next_deadline(const sipua__timer_heap *heap);

/* Number of armed timers. */
size_t sipua__timer_heap_count(const sipua__timer_heap *heap);

/* Fires, in deadline order, every timer whose deadline is at or before
 * `now`, including timers that callbacks arm during the run with such a
 * deadline (so a callback must not keep re-arming at or before `now`).
 * Returns the number of timers fired. */
size_t sipua__timer_heap_run(sipua__timer_heap *heap, sipua_time now);

/* Checks the heap property and every node's index; 1 when they hold. For
 * tests. O(n). */
int sipua__timer_heap_check(const sipua__timer_heap *heap);

#endif
