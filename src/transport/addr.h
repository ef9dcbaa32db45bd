/* Transport addresses: an IPv4 or IPv6 address and a port, as plain data
 * that can be copied, compared with sipua__addr_equal and hashed. Literal
 * addresses only: names are resolved by src/io. */
#ifndef SIPUA_TRANSPORT_ADDR_H
#define SIPUA_TRANSPORT_ADDR_H

#include <stddef.h>
#include <stdint.h>

#include "sipua/base.h"

typedef enum sipua__addr_family {
    SIPUA__AF_NONE = 0,
    SIPUA__AF_IPV4 = 4,
    SIPUA__AF_IPV6 = 6
} sipua__addr_family;

/* Unused bytes are zero (sipua__addr_v4/_v6/_parse see to it), so that two
 * equal addresses are equal byte for byte. */
typedef struct sipua__addr {
    uint8_t family; /* sipua__addr_family */
    uint8_t pad_;
    uint16_t port;  /* host byte order */
    uint8_t ip[16]; /* IPv4 in ip[0..4) */
} sipua__addr;

/* "255.255.255.255:65535" and "[ffff:...:ffff]:65535" with the NUL fit. */
#define SIPUA__ADDR_STRLEN 48

sipua__addr sipua__addr_v4(const uint8_t ip[4], uint16_t port);
sipua__addr sipua__addr_v6(const uint8_t ip[16], uint16_t port);

/* Parses "1.2.3.4:5060", "[::1]:5060", or without a port ("1.2.3.4",
 * "[::1]", "::1") when default_port is non-zero, which it then takes.
 * IPv6 text follows RFC 4291 2.2, the embedded IPv4 form included; no zone
 * index. Returns SIPUA_OK or SIPUA_EPARSE (port 0 is refused). */
int sipua__addr_parse(sipua_str text, uint16_t default_port, sipua__addr *out);

/* Writes "1.2.3.4:5060" or "[2001:db8::1]:5060" (RFC 5952 form: lower
 * case, longest run of zero groups compressed) with a NUL. Returns the
 * length, or SIPUA_ENOSPC when cap is too small (below SIPUA__ADDR_STRLEN
 * it may be). */
int sipua__addr_format(const sipua__addr *a, char *out, size_t cap);
/* The same without the port (and without brackets for IPv6). */
int sipua__addr_format_ip(const sipua__addr *a, char *out, size_t cap);

/* 1 when family, address and port are equal. */
int sipua__addr_equal(const sipua__addr *a, const sipua__addr *b);
/* A hash of the address and port (FNV-1a), for hash tables. */
uint32_t sipua__addr_hash(const sipua__addr *a, uint32_t seed);

#endif
