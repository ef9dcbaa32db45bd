/* A simulated datagram network on a virtual clock, for driving sans-IO
 * cores in one process, deterministically, from a seed.
 *
 * Nodes are addresses with three callbacks: deliver a datagram, say the next
 * deadline, and advance to a time. simnet_send() is called by nodes (from
 * inside their callbacks, or between runs) to put a datagram on the wire;
 * the network then drops, duplicates, delays (base + uniform jitter) and
 * reorders (an extra delay for some datagrams) as configured. simnet_run()
 * moves the clock from event to event: the earliest of the next delivery
 * and the earliest node deadline. Nothing depends on the real clock or on
 * memory addresses, so a seed reproduces a run exactly.
 */
#ifndef SIPUA_TESTS_SIMNET_H
#define SIPUA_TESTS_SIMNET_H

#include <stddef.h>
#include <stdint.h>

#include "sipua/base.h"

typedef struct simnet simnet;

/* An IPv4 address and port, host byte order. */
typedef struct sim_addr {
    uint32_t ip;
    uint16_t port;
} sim_addr;

/* 10.0.0.n:5060 */
sim_addr sim_addr_make(unsigned n, uint16_t port);
/* "a.b.c.d:port" into buf (at least 22 bytes); returns buf. */
const char *sim_addr_str(sim_addr a, char *buf);

typedef struct simnet_config {
    uint64_t seed;
    double loss;           /* probability that a datagram is dropped */
    double dup;            /* probability that a delivered datagram arrives twice */
    double reorder;        /* probability of an extra delay of reorder_us */
    sipua_time delay_us;   /* one-way base delay */
    sipua_time jitter_us;  /* uniform extra delay in [0, jitter_us] */
    sipua_time reorder_us; /* the extra delay of a reordered datagram */
    sipua_time start;      /* the clock's first value (0: 1,000,000 us) */
} simnet_config;

typedef struct simnet_node_ops {
    /* A datagram arrives at `to` (this node). */
    void (*deliver)(void *user, sim_addr from, sim_addr to, const char *bytes, size_t len,
                    sipua_time now);
    /* The node's next deadline, 0 when it has none. May be NULL. */
    sipua_time (*next_deadline)(void *user);
    /* The clock reached the node's deadline. May be NULL. */
    void (*advance)(void *user, sipua_time now);
} simnet_node_ops;

typedef struct simnet_stats {
    uint64_t sent, dropped, duplicated, reordered, delivered, undeliverable, bytes;
} simnet_stats;

/* NULL on allocation failure. */
simnet *simnet_new(const simnet_config *cfg);
void simnet_free(simnet *net);

/* Adds a node; 0, or SIPUA_EINVAL for an address already taken. */
int simnet_add_node(simnet *net, sim_addr addr, const simnet_node_ops *ops, void *user);

/* Puts a datagram on the wire at the current time. 0 or SIPUA_ENOMEM. */
int simnet_send(simnet *net, sim_addr from, sim_addr to, const char *bytes, size_t len);

/* Runs until the clock would pass `until`, or until `done(arg)` returns
 * non-zero (checked after every event), or nothing is left to happen.
 * Returns the number of events run. */
uint64_t simnet_run(simnet *net, sipua_time until, int (*done)(void *arg), void *arg);

sipua_time simnet_now(const simnet *net);
const simnet_stats *simnet_stats_get(const simnet *net);
size_t simnet_in_flight(const simnet *net);

/* The network's generator, for tests that need random choices of their
 * own that the seed reproduces: 64 random bits, and a double in [0, 1). */
uint64_t simnet_rand(simnet *net);
double simnet_uniform(simnet *net);

#endif
