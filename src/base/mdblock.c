#include "base/mdblock.h"

#include <string.h>

void sipua__mdblock_update(const sipua__mdblock *m, const void *data, size_t len)
{
    const uint8_t *p = data;
    size_t used = *m->used;
    *m->total += len;
    if (used) {
        size_t take = m->size - used;
        if (take > len)
            take = len;
        memcpy(m->block + used, p, take);
        used += take;
        p += take;
        len -= take;
        if (used < m->size) {
            *m->used = used;
            return;
        }
        m->compress(m->state, m->block);
        used = 0;
    }
    for (; len >= m->size; p += m->size, len -= m->size)
        m->compress(m->state, p);
    if (len)
        memcpy(m->block, p, len);
    *m->used = used + len;
}

void sipua__mdblock_pad(const sipua__mdblock *m, int little_endian)
{
    size_t lenbytes = m->size / 8, room = m->size - lenbytes;
    size_t used = *m->used;
    uint64_t total = *m->total;
    m->block[used++] = 0x80;
    if (used > room) {
        memset(m->block + used, 0, m->size - used);
        m->compress(m->state, m->block);
        used = 0;
    }
    memset(m->block + used, 0, m->size - used);
    /* the length in bits: total * 8, whose top three bits spill into the
     * next byte of a 16-byte field */
    uint64_t lo = total << 3, hi = total >> 61;
    uint8_t *f = m->block + room;
    for (size_t i = 0; i < 8; i++) {
        uint8_t b = (uint8_t)(lo >> (8 * i));
        if (little_endian)
            f[i] = b;
        else
            f[lenbytes - 1 - i] = b;
    }
    if (lenbytes == 16) {
        if (little_endian)
            f[8] = (uint8_t)hi;
        else
            f[7] = (uint8_t)hi;
    }
    m->compress(m->state, m->block);
    *m->used = 0;
}
