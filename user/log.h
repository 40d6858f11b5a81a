/* SPDX-License-Identifier: MIT */
/* Logging to stderr: one line per message, levels, and the libbpf print callback. */
#ifndef WL_LOG_H
#define WL_LOG_H

#include <stdbool.h>
#include <stdint.h>

enum wl_log_level {
	WL_LOG_ERROR = 0,
	WL_LOG_WARN = 1,
	WL_LOG_INFO = 2,
	WL_LOG_DEBUG = 3,
};

/* Messages above this level are suppressed. Default WL_LOG_INFO; -v raises it. */
void log_set_level(int level);
int log_get_level(void);

/* Install the one libbpf print callback (libbpf warnings only at -v, debug at -vv). */
void log_setup_libbpf(void);

void log_msg(enum wl_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The text of the last log_error() of this thread ("" if none). */
const char *log_last_error(void);

/* strerror() that also knows libbpf's own codes (e.g. "Invalid BPF object format"). */
const char *log_bpf_strerror(int err);

/*
 * While on, this thread's messages are not printed, and log_last_error() starts empty and
 * still records errors: for a caller that reports the outcome of a step in its own words.
 */
void log_set_quiet(bool on);

#define log_error(...) log_msg(WL_LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(WL_LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(WL_LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(WL_LOG_DEBUG, __VA_ARGS__)

/*
 * Rate-limited messages, for the places a long-running daemon may reach again and again (a
 * failing read every second, one line per anomaly): at most `burst` lines per call site in a
 * minute; after that, the minute's further messages are counted, and when the minute is over
 * the last of them is printed once with "(suppressed N similar messages in the last minute)".
 * One-time messages (startup, usage) stay plain log_error()/log_warn().
 */
#define LOG_RATELIMIT_BURST	5
#define LOG_RATELIMIT_WINDOW_NS (60ull * 1000000000ull)
#define LOG_LINE_MAX		1024

/* The state of one call site (static, zero-initialised but for burst). */
struct log_ratelimit {
	unsigned int burst;	    /* lines per window */
	unsigned int printed;	    /* lines of the current window */
	uint64_t start_ns;	    /* when the current window began */
	uint64_t suppressed;	    /* messages of the window not printed */
	enum wl_log_level level;    /* of the suppressed messages */
	char last[LOG_LINE_MAX];    /* the last of them */
	struct log_ratelimit *next; /* the call sites seen so far, for log_ratelimit_flush() */
	bool listed;
};

void log_msg_ratelimited(struct log_ratelimit *rl, enum wl_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_ratelimited(lines, lvl, ...)                                                           \
	do {                                                                                       \
		static struct log_ratelimit log_rl_ = {.burst = (lines)};                          \
		log_msg_ratelimited(&log_rl_, (lvl), __VA_ARGS__);                                 \
	} while (0)
#define log_error_ratelimited(...) log_ratelimited(LOG_RATELIMIT_BURST, WL_LOG_ERROR, __VA_ARGS__)
#define log_warn_ratelimited(...)  log_ratelimited(LOG_RATELIMIT_BURST, WL_LOG_WARN, __VA_ARGS__)

/*
 * Print the summary of every call site whose window is over and that suppressed messages
 * (call it now and then, e.g. once a second); ALL: also of windows still running (at exit).
 */
void log_ratelimit_flush(bool all);

/* The clock of the rate limiter in nanoseconds (default CLOCK_MONOTONIC; NULL: default). */
void log_set_clock(uint64_t (*now_ns)(void));

#endif
