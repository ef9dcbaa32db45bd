/* Base64, RFC 4648 section 4. */
#include "base/base64.h"

#include "sipua/base.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t sipua__base64_encode(const uint8_t *in, size_t n, char *out)
{
    size_t o = 0, i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = alphabet[(v >> 6) & 63];
        out[o++] = alphabet[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)in[i + 1] << 8;
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = i + 1 < n ? alphabet[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
    return o;
}

/* The 6-bit value of an alphabet character, -1 for anything else. */
static int value(char ch)
{
    unsigned char c = (unsigned char)ch;
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

int sipua__base64_decode(const char *in, size_t n, uint8_t *out, size_t cap)
{
    if (n % 4)
        return SIPUA_EPARSE;
    if (n / 4 * 3 > (size_t)INT32_MAX)
        return SIPUA_EINVAL; /* the byte count would not fit the return value */
    size_t o = 0;
    for (size_t i = 0; i < n; i += 4) {
        int last = i + 4 == n;
        int pad = 0;
        if (last && in[i + 3] == '=')
            pad = in[i + 2] == '=' ? 2 : 1;
        int v[4];
        for (int k = 0; k < 4 - pad; k++) {
            v[k] = value(in[i + (size_t)k]);
            if (v[k] < 0)
                return SIPUA_EPARSE;
        }
        for (int k = 4 - pad; k < 4; k++)
            v[k] = 0;
        uint32_t bits =
            (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        size_t bytes = (size_t)(3 - pad);
        /* non-canonical: bits past the last byte must be zero */
        if ((pad == 1 && (bits & 0xFF)) || (pad == 2 && (bits & 0xFFFF)))
            return SIPUA_EPARSE;
        if (o + bytes > cap)
            return SIPUA_ENOSPC;
        out[o++] = (uint8_t)(bits >> 16);
        if (bytes > 1)
            out[o++] = (uint8_t)(bits >> 8);
        if (bytes > 2)
            out[o++] = (uint8_t)bits;
    }
    return (int)o;
}
