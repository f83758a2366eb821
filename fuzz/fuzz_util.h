/* Helpers shared by the fuzz targets: a reader that takes typed values from
 * the fuzzer's bytes (like LLVM's FuzzedDataProvider, in C), and a check
 * macro that aborts with a message, so that libFuzzer and the standalone
 * driver both report an invariant violation as a crash with its reason.
 *
 * Header-only on purpose: each target is one translation unit plus the code
 * under test, as OSS-Fuzz builds them. */
#ifndef CWP_FUZZ_UTIL_H
#define CWP_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The entry point every target defines (libFuzzer's interface). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond, ...)                                                                    \
	do {                                                                                     \
		if (!(cond)) {                                                                   \
			fprintf(stderr, "%s:%d: invariant violated: %s\n  ", __FILE__, __LINE__, \
				#cond);                                                          \
			fprintf(stderr, __VA_ARGS__);                                            \
			fputc('\n', stderr);                                                     \
			abort();                                                                 \
		}                                                                                \
	} while (0)

typedef struct fuzz_reader {
	const uint8_t *p;
	size_t n;
} fuzz_reader;

static inline uint8_t fuzz_u8(fuzz_reader *r)
{
	uint8_t v;
	if (r->n == 0)
		return 0;
	v = r->p[0];
	r->p++;
	r->n--;
	return v;
}

static inline int fuzz_bool(fuzz_reader *r)
{
	return fuzz_u8(r) & 1;
}

static inline uint32_t fuzz_u32(fuzz_reader *r)
{
	uint32_t v = 0;
	int i;
	for (i = 0; i < 4; i++)
		v = (v << 8) | fuzz_u8(r);
	return v;
}

static inline uint64_t fuzz_u64(fuzz_reader *r)
{
	return ((uint64_t)fuzz_u32(r) << 32) | fuzz_u32(r);
}

/* A value in [0, n) (n > 0); uniform enough for fuzzing. */
static inline uint32_t fuzz_below(fuzz_reader *r, uint32_t n)
{
	return n ? fuzz_u8(r) % n : 0;
}

/* Up to max bytes, length chosen by the input, copied into a fresh
 * NUL-terminated heap string (caller frees); *len gets the length. The bytes
 * may contain NULs; *len counts them. */
static inline char *fuzz_string(fuzz_reader *r, size_t max, size_t *len)
{
	size_t want = fuzz_u8(r);
	char *s;
	if (want > max)
		want = max;
	if (want > r->n)
		want = r->n;
	s = malloc(want + 1);
	if (!s)
		abort();
	memcpy(s, r->p, want);
	s[want] = '\0';
	r->p += want;
	r->n -= want;
	if (len)
		*len = want;
	return s;
}

/* The whole input as a NUL-terminated heap copy (caller frees). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* An exact-size heap copy (no terminator), so that a parser given (buf, len)
 * that reads buf[len] trips AddressSanitizer. Never NULL. */
static inline char *fuzz_dup_exact(const void *data, size_t size)
{
	char *s = malloc(size ? size : 1);
	if (!s)
		abort();
	if (size)
		memcpy(s, data, size);
	return s;
}

/* A cJSON number node holding any double, NaN and infinities included, with
 * valueint saturated as cJSON's own parser does. cJSON_CreateNumber would
 * convert NaN to int (undefined behaviour inside cJSON), so set it by hand. */
#ifdef cJSON__h
static inline cJSON *fuzz_number_node(double d)
{
	cJSON *n = cJSON_CreateNumber(0);
	if (!n)
		abort();
	n->valuedouble = d;
	if (d != d)
		n->valueint = 0;
	else if (d >= 2147483647.0)
		n->valueint = 2147483647;
	else if (d <= -2147483648.0)
		n->valueint = -2147483647 - 1;
	else
		n->valueint = (int)d;
	return n;
}
#endif

#endif
