/* Base64 (RFC 4648 section 4, the standard alphabet with '=' padding), for
 * the WebSocket handshake keys (RFC 6455 4.1, 4.2.2). */
#ifndef SIPUA_BASE_BASE64_H
#define SIPUA_BASE_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Characters that encoding n bytes produces (padding included). */
#define SIPUA__BASE64_LEN(n) ((((n) + 2) / 3) * 4)

/* Encodes in[0..n) into out, which holds SIPUA__BASE64_LEN(n) characters;
 * writes no NUL. Returns the characters written. */
size_t sipua__base64_encode(const uint8_t *in, size_t n, char *out);

/* Decodes in[0..n) strictly: length a multiple of 4, padding only at the
 * end, no white space, and the unused bits of the last group zero (so that
 * each byte string has exactly one encoding). Returns the bytes written,
 * SIPUA_EPARSE for bad input or SIPUA_ENOSPC when out[0..cap) is too
 * small. */
int sipua__base64_decode(const char *in, size_t n, uint8_t *out, size_t cap);

#endif
