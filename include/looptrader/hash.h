/*
 * hash.h - FNV-1a 64, the byte-string hash of the program's own tables
 * (names, keys) and of the intent log's record check.  (The JSON scanner's
 * member index keeps its 32-bit FNV-1a: its keys are a few bytes.)
 *
 * Cheap and good enough for keys we or the operator chose; a table keyed
 * by venue-chosen strings must bound its probes whatever they hash to.
 * Its values are on disk (intent-log records): never change them.
 */
#ifndef LOOPTRADER_HASH_H
#define LOOPTRADER_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_FNV_BASIS 0xcbf29ce484222325ULL

/* h folded with len bytes at data; start from HASH_FNV_BASIS. */
static inline uint64_t hash_fnv1a(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 0x100000001b3ULL;
    return h;
}

#endif
