/* String hashing for the index tables. Private to cwp_core. */
#ifndef CWP_HASH_H
#define CWP_HASH_H

#include <stddef.h>
#include <stdint.h>

#define CWP__HASH_SEED UINT64_C(0xcbf29ce484222325)

/* FNV-1a (64 bit) of s[0..len), continuing from h (start with CWP__HASH_SEED),
 * with a final avalanche so that the low bits used as a table index depend on
 * every byte. Not for adversarial keys: the tables probe linearly and stay
 * correct under collisions, only slower. */
static inline uint64_t cwp__hash_bytes(uint64_t h, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

static inline uint64_t cwp__hash_final(uint64_t h)
{
	h ^= h >> 33;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	return h;
}

#endif
