/* Literal IPv4/IPv6 addresses with a port: parsing, RFC 5952 text, hashing. */
#include "transport/addr.h"

#include <string.h>

static sipua__addr make(sipua__addr_family family, const uint8_t *ip, size_t n, uint16_t port)
{
    sipua__addr a;
    memset(&a, 0, sizeof a);
    a.family = (uint8_t)family;
    a.port = port;
    memcpy(a.ip, ip, n);
    return a;
}

sipua__addr sipua__addr_v4(const uint8_t ip[4], uint16_t port)
{
    return make(SIPUA__AF_IPV4, ip, 4, port);
}

sipua__addr sipua__addr_v6(const uint8_t ip[16], uint16_t port)
{
    return make(SIPUA__AF_IPV6, ip, 16, port);
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int hex_value(char c)
{
    if (is_digit(c))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Dotted quad: four decimal octets, no leading zeros (they read as octal
 * elsewhere). */
static int parse_v4(const char *p, size_t n, uint8_t out[4])
{
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        if (part) {
            if (i >= n || p[i] != '.')
                return -1;
            i++;
        }
        size_t start = i;
        unsigned v = 0;
        while (i < n && is_digit(p[i]) && i - start < 3)
            v = v * 10 + (unsigned)(p[i++] - '0');
        if (i == start || v > 255 || (i - start > 1 && p[start] == '0'))
            return -1;
        out[part] = (uint8_t)v;
    }
    return i == n ? 0 : -1;
}

/* RFC 4291 2.2: x:x:x:x:x:x:x:x, one "::" for a run of zero groups, and a
 * dotted quad for the last 32 bits. */
static int parse_v6(const char *p, size_t n, uint8_t out[16])
{
    uint16_t groups[8];
    int count = 0, gap = -1;
    size_t i = 0;
    if (n >= 2 && p[0] == ':' && p[1] == ':') {
        gap = 0;
        i = 2;
    } else if (n && p[0] == ':') {
        return -1;
    }
    while (i < n) {
        if (count == 8)
            return -1;
        size_t start = i;
        unsigned v = 0;
        while (i < n && hex_value(p[i]) >= 0 && i - start < 4)
            v = v * 16 + (unsigned)hex_value(p[i++]);
        if (i < n && p[i] == '.') { /* the dotted quad ends the address */
            uint8_t q[4];
            if (count > 6 || parse_v4(p + start, n - start, q) != 0)
                return -1;
            groups[count++] = (uint16_t)(q[0] << 8 | q[1]);
            groups[count++] = (uint16_t)(q[2] << 8 | q[3]);
            i = n;
            break;
        }
        if (i == start)
            return -1;
        groups[count++] = (uint16_t)v;
        if (i == n)
            break;
        if (p[i] != ':')
            return -1;
        i++;
        if (i < n && p[i] == ':') {
            if (gap >= 0)
                return -1;
            gap = count;
            i++;
        } else if (i == n) {
            return -1; /* a trailing single colon */
        }
    }
    if (gap < 0 ? count != 8 : count > 7)
        return -1;
    memset(out, 0, 16);
    int tail = gap < 0 ? 0 : count - gap;
    for (int g = 0; g < count; g++) {
        int at = (gap >= 0 && g >= gap) ? 8 - tail + (g - gap) : g;
        out[2 * at] = (uint8_t)(groups[g] >> 8);
        out[2 * at + 1] = (uint8_t)groups[g];
    }
    return 0;
}

static int parse_port(const char *p, size_t n, uint16_t *port)
{
    if (n == 0 || n > 5)
        return -1;
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(p[i]))
            return -1;
        v = v * 10 + (unsigned)(p[i] - '0');
    }
    if (v == 0 || v > 65535)
        return -1;
    *port = (uint16_t)v;
    return 0;
}

int sipua__addr_parse(sipua_str text, uint16_t default_port, sipua__addr *out)
{
    if (!out || (!text.p && text.len))
        return SIPUA_EINVAL;
    const char *p = text.p;
    size_t n = text.len;
    uint8_t ip[16];
    uint16_t port = default_port;
    if (n && p[0] == '[') {
        const char *close = memchr(p, ']', n);
        if (!close)
            return SIPUA_EPARSE;
        size_t host = (size_t)(close - p) - 1, rest = n - host - 2;
        if (parse_v6(p + 1, host, ip) != 0)
            return SIPUA_EPARSE;
        if (rest) {
            if (close[1] != ':' || parse_port(close + 2, rest - 1, &port) != 0)
                return SIPUA_EPARSE;
        }
        if (!port)
            return SIPUA_EPARSE;
        *out = sipua__addr_v6(ip, port);
        return SIPUA_OK;
    }
    const char *colon = n ? memchr(p, ':', n) : NULL;
    if (colon && memchr(colon + 1, ':', n - (size_t)(colon - p) - 1)) {
        /* two colons or more: a bare IPv6 address, without a port */
        if (!port || parse_v6(p, n, ip) != 0)
            return SIPUA_EPARSE;
        *out = sipua__addr_v6(ip, port);
        return SIPUA_OK;
    }
    size_t host = colon ? (size_t)(colon - p) : n;
    if (parse_v4(p, host, ip) != 0)
        return SIPUA_EPARSE;
    if (colon && parse_port(colon + 1, n - host - 1, &port) != 0)
        return SIPUA_EPARSE;
    if (!port)
        return SIPUA_EPARSE;
    *out = sipua__addr_v4(ip, port);
    return SIPUA_OK;
}

/* Appends to out[*len..cap), keeping room for the NUL; -1 when full. */
static int put(char *out, size_t cap, size_t *len, const char *s, size_t n)
{
    if (*len + n + 1 > cap)
        return -1;
    memcpy(out + *len, s, n);
    *len += n;
    out[*len] = 0;
    return 0;
}

static int put_uint(char *out, size_t cap, size_t *len, unsigned v, unsigned base)
{
    char tmp[8];
    size_t n = 0;
    do {
        tmp[sizeof tmp - ++n] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    return put(out, cap, len, tmp + sizeof tmp - n, n);
}

static int put_v4(char *out, size_t cap, size_t *len, const uint8_t *ip)
{
    for (int i = 0; i < 4; i++)
        if ((i && put(out, cap, len, ".", 1)) || put_uint(out, cap, len, ip[i], 10))
            return -1;
    return 0;
}

/* RFC 5952 4: lower-case hex without leading zeros, the longest run of two
 * or more zero groups (the first of equals) as "::"; 5: an IPv4-mapped
 * address ends in a dotted quad. */
static int put_v6(char *out, size_t cap, size_t *len, const uint8_t *ip)
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    int groups = memcmp(ip, mapped, 12) == 0 ? 6 : 8;
    int best = -1, best_len = 1;
    for (int g = 0; g < groups;) {
        int run = 0;
        while (g + run < groups && ip[2 * (g + run)] == 0 && ip[2 * (g + run) + 1] == 0)
            run++;
        if (run > best_len) {
            best = g;
            best_len = run;
        }
        g += run ? run : 1;
    }
    for (int g = 0; g < groups; g++) {
        if (g == best) {
            if (put(out, cap, len, "::", 2))
                return -1;
            g += best_len - 1;
            continue;
        }
        if (g && g != best + best_len && put(out, cap, len, ":", 1))
            return -1;
        if (put_uint(out, cap, len, (unsigned)(ip[2 * g] << 8 | ip[2 * g + 1]), 16))
            return -1;
    }
    if (groups == 6) {
        if (best + best_len != 6 && put(out, cap, len, ":", 1))
            return -1;
        return put_v4(out, cap, len, ip + 12);
    }
    return 0;
}

static int format(const sipua__addr *a, char *out, size_t cap, int with_port)
{
    if (!a || !out)
        return SIPUA_EINVAL;
    size_t len = 0;
    int r;
    if (cap)
        out[0] = 0;
    if (a->family == SIPUA__AF_IPV4) {
        r = put_v4(out, cap, &len, a->ip);
    } else if (a->family == SIPUA__AF_IPV6) {
        r = (with_port && put(out, cap, &len, "[", 1)) || put_v6(out, cap, &len, a->ip) ||
                    (with_port && put(out, cap, &len, "]", 1))
                ? -1
                : 0;
    } else {
        return SIPUA_EINVAL;
    }
    if (!r && with_port)
        r = put(out, cap, &len, ":", 1) || put_uint(out, cap, &len, a->port, 10) ? -1 : 0;
    return r ? SIPUA_ENOSPC : (int)len;
}

int sipua__addr_format(const sipua__addr *a, char *out, size_t cap)
{
    return format(a, out, cap, 1);
}

int sipua__addr_format_ip(const sipua__addr *a, char *out, size_t cap)
{
    return format(a, out, cap, 0);
}

int sipua__addr_equal(const sipua__addr *a, const sipua__addr *b)
{
    size_t n = a->family == SIPUA__AF_IPV4 ? 4 : 16;
    return a->family == b->family && a->port == b->port && memcmp(a->ip, b->ip, n) == 0;
}

uint32_t sipua__addr_hash(const sipua__addr *a, uint32_t seed)
{
    uint32_t h = 2166136261u ^ seed;
    size_t n = a->family == SIPUA__AF_IPV4 ? 4 : 16;
    uint8_t bytes[19];
    bytes[0] = a->family;
    bytes[1] = (uint8_t)(a->port >> 8);
    bytes[2] = (uint8_t)a->port;
    memcpy(bytes + 3, a->ip, n);
    for (size_t i = 0; i < n + 3; i++) {
        h ^= bytes[i];
        h *= 16777619u;
    }
    return h;
}
