/* SPDX-License-Identifier: MIT */
/* Small helpers shared by userspace modules: array size, min/max, strict number parsing. */
#ifndef WL_UTIL_H
#define WL_UTIL_H

#include <stdint.h>
#include <time.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define min(a, b)     ((a) < (b) ? (a) : (b))
#define max(a, b)     ((a) > (b) ? (a) : (b))
/* For printf("%llu"): __u64 and uint64_t are different types on some ABIs. */
#define U64(x) ((unsigned long long)(x))

/*
 * Parse a whole decimal string into [lo, hi]. Returns 0, or -EINVAL (not a number, trailing
 * characters, empty) or -ERANGE (outside the bounds).
 */
int util_parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out);

/* Parse a duration in seconds (decimal, fraction allowed, > 0). Returns 0 or -EINVAL/-ERANGE. */
int util_parse_seconds(const char *s, double *out);

/* CLOCK_MONOTONIC and CLOCK_REALTIME in nanoseconds. */
uint64_t util_now_mono_ns(void);
uint64_t util_now_real_ns(void);

struct sockaddr_storage;

/*
 * Parse a listen address: "127.0.0.1:8080", "[::1]:8080", "0.0.0.0:80" (numeric only, port
 * 1..65535). Returns 0 or -EINVAL.
 */
int util_parse_listen(const char *s, struct sockaddr_storage *ss, unsigned int *len);

/* Human-readable counts: "1.23 M", "512", and bit rates "12.3 Mbit/s". */
void util_fmt_si(char *buf, size_t len, double v, const char *unit);

#endif
