/* The simulated network: see simnet.h. */
#include "simnet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct packet {
    sipua_time at;
    uint64_t seq; /* ties broken by send order */
    sim_addr from, to;
    size_t len;
    char *bytes;
} packet;

typedef struct node {
    sim_addr addr;
    simnet_node_ops ops;
    void *user;
} node;

struct simnet {
    simnet_config cfg;
    uint64_t rng[4];
    sipua_time now;
    uint64_t seq;
    packet *heap;
    size_t npk, cappk;
    node *nodes;
    size_t nnodes, capnodes;
    simnet_stats stats;
};

sim_addr sim_addr_make(unsigned n, uint16_t port)
{
    sim_addr a = {(10u << 24) | (n & 0xffffffu), port};
    return a;
}

const char *sim_addr_str(sim_addr a, char *buf)
{
    snprintf(buf, 22, "%u.%u.%u.%u:%u", a.ip >> 24, (a.ip >> 16) & 255, (a.ip >> 8) & 255,
             a.ip & 255, a.port);
    return buf;
}

/* xoshiro256** seeded through splitmix64 */
static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t simnet_rand(simnet *net)
{
    uint64_t *s = net->rng;
    uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return r;
}

double simnet_uniform(simnet *net)
{
    return (double)(simnet_rand(net) >> 11) * 0x1.0p-53;
}

simnet *simnet_new(const simnet_config *cfg)
{
    simnet *net = calloc(1, sizeof *net);
    if (!net)
        return NULL;
    net->cfg = *cfg;
    uint64_t x = cfg->seed;
    for (int i = 0; i < 4; i++)
        net->rng[i] = splitmix(&x);
    net->now = cfg->start ? cfg->start : 1000000;
    return net;
}

void simnet_free(simnet *net)
{
    if (!net)
        return;
    for (size_t i = 0; i < net->npk; i++)
        free(net->heap[i].bytes);
    free(net->heap);
    free(net->nodes);
    free(net);
}

static int addr_eq(sim_addr a, sim_addr b)
{
    return a.ip == b.ip && a.port == b.port;
}

static node *find_node(simnet *net, sim_addr a)
{
    for (size_t i = 0; i < net->nnodes; i++)
        if (addr_eq(net->nodes[i].addr, a))
            return &net->nodes[i];
    return NULL;
}

int simnet_add_node(simnet *net, sim_addr addr, const simnet_node_ops *ops, void *user)
{
    if (!net || !ops || !ops->deliver || find_node(net, addr))
        return SIPUA_EINVAL;
    if (net->nnodes == net->capnodes) {
        size_t cap = net->capnodes ? 2 * net->capnodes : 8;
        node *n = realloc(net->nodes, cap * sizeof *n);
        if (!n)
            return SIPUA_ENOMEM;
        net->nodes = n;
        net->capnodes = cap;
    }
    net->nodes[net->nnodes].addr = addr;
    net->nodes[net->nnodes].ops = *ops;
    net->nodes[net->nnodes].user = user;
    net->nnodes++;
    return 0;
}

static int before(const packet *a, const packet *b)
{
    return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static int push(simnet *net, const packet *p)
{
    if (net->npk == net->cappk) {
        size_t cap = net->cappk ? 2 * net->cappk : 64;
        packet *h = realloc(net->heap, cap * sizeof *h);
        if (!h)
            return SIPUA_ENOMEM;
        net->heap = h;
        net->cappk = cap;
    }
    size_t i = net->npk++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!before(p, &net->heap[parent]))
            break;
        net->heap[i] = net->heap[parent];
        i = parent;
    }
    net->heap[i] = *p;
    return 0;
}

static packet pop(simnet *net)
{
    packet top = net->heap[0];
    packet last = net->heap[--net->npk];
    size_t i = 0, n = net->npk;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && before(&net->heap[c + 1], &net->heap[c]))
            c++;
        if (!before(&net->heap[c], &last))
            break;
        net->heap[i] = net->heap[c];
        i = c;
    }
    if (n)
        net->heap[i] = last;
    return top;
}

static sipua_time transit(simnet *net)
{
    sipua_time d = net->cfg.delay_us;
    if (net->cfg.jitter_us > 0)
        d += (sipua_time)(simnet_rand(net) % (uint64_t)(net->cfg.jitter_us + 1));
    if (net->cfg.reorder > 0 && simnet_uniform(net) < net->cfg.reorder) {
        d += net->cfg.reorder_us;
        net->stats.reordered++;
    }
    return d;
}

static int enqueue(simnet *net, sim_addr from, sim_addr to, const char *bytes, size_t len)
{
    packet p = {net->now + transit(net), net->seq++, from, to, len, malloc(len ? len : 1)};
    if (!p.bytes)
        return SIPUA_ENOMEM;
    memcpy(p.bytes, bytes, len);
    int r = push(net, &p);
    if (r)
        free(p.bytes);
    return r;
}

int simnet_send(simnet *net, sim_addr from, sim_addr to, const char *bytes, size_t len)
{
    net->stats.sent++;
    net->stats.bytes += len;
    if (net->cfg.loss > 0 && simnet_uniform(net) < net->cfg.loss) {
        net->stats.dropped++;
        return 0;
    }
    int r = enqueue(net, from, to, bytes, len);
    if (r == 0 && net->cfg.dup > 0 && simnet_uniform(net) < net->cfg.dup) {
        net->stats.duplicated++;
        r = enqueue(net, from, to, bytes, len);
    }
    return r;
}

/* The node with the earliest deadline, or NULL. */
static node *earliest_node(simnet *net, sipua_time *when)
{
    node *best = NULL;
    for (size_t i = 0; i < net->nnodes; i++) {
        node *n = &net->nodes[i];
        if (!n->ops.next_deadline)
            continue;
        sipua_time d = n->ops.next_deadline(n->user);
        if (d && (!best || d < *when)) {
            best = n;
            *when = d;
        }
    }
    return best;
}

uint64_t simnet_run(simnet *net, sipua_time until, int (*done)(void *arg), void *arg)
{
    uint64_t events = 0, same = 0;
    sipua_time last = net->now;
    for (;;) {
        if (done && done(arg))
            break;
        sipua_time tn = 0;
        node *n = earliest_node(net, &tn);
        int have_pk = net->npk > 0;
        if (!n && !have_pk)
            break;
        /* a deadline in the past runs now; deliveries go first at a tie */
        if (n && tn < net->now)
            tn = net->now;
        if (have_pk && (!n || net->heap[0].at <= tn)) {
            if (net->heap[0].at > until)
                break;
            packet p = pop(net);
            if (p.at > net->now)
                net->now = p.at;
            node *dst = find_node(net, p.to);
            if (dst) {
                net->stats.delivered++;
                dst->ops.deliver(dst->user, p.from, p.to, p.bytes, p.len, net->now);
            } else {
                net->stats.undeliverable++;
            }
            free(p.bytes);
        } else {
            if (tn > until)
                break;
            net->now = tn;
            if (n->ops.advance)
                n->ops.advance(n->user, net->now);
        }
        events++;
        /* a core that keeps a deadline in the past would spin here */
        if (net->now != last) {
            last = net->now;
            same = 0;
        } else if (++same > 10000000) {
            fprintf(stderr, "simnet: 10,000,000 events at t=%lld us: a deadline never moves\n",
                    (long long)net->now);
            abort();
        }
    }
    if (until != INT64_MAX && until > net->now && !(done && done(arg)))
        net->now = until; /* nothing more happens before until */
    return events;
}

sipua_time simnet_now(const simnet *net)
{
    return net->now;
}

const simnet_stats *simnet_stats_get(const simnet *net)
{
    return &net->stats;
}

size_t simnet_in_flight(const simnet *net)
{
    return net->npk;
}
