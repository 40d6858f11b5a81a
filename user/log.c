// SPDX-License-Identifier: MIT
/* Logging to stderr: one line per message, prefixed with the program name; rate limits. */
#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <bpf/libbpf.h>

static int log_level = WL_LOG_INFO;

void log_set_level(int level)
{
	log_level = level;
}

int log_get_level(void)
{
	return log_level;
}

/* Format a message into buf (LOG_LINE_MAX bytes), without trailing line breaks. */
static void log_format(char *buf, const char *fmt, va_list ap)
{
	size_t n;

	vsnprintf(buf, LOG_LINE_MAX, fmt, ap);
	n = strlen(buf);
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
}

static void log_print(enum wl_log_level level, const char *text, const char *suffix)
{
	fprintf(stderr, "wirelens: %s%s%s\n", level == WL_LOG_WARN ? "warning: " : "", text,
		suffix);
}

/* The last error message of the thread, for callers that pass it on (the HTTP API). */
static __thread char last_error[LOG_LINE_MAX];
static __thread bool quiet;

const char *log_last_error(void)
{
	return last_error;
}

void log_set_quiet(bool on)
{
	quiet = on;
	if (on)
		last_error[0] = '\0';
}

/* Format the message; remember it if it is an error. False: it is not to be printed. */
static bool log_prepare(char *buf, enum wl_log_level level, const char *fmt, va_list ap)
{
	log_format(buf, fmt, ap);
	if (level == WL_LOG_ERROR)
		memcpy(last_error, buf, LOG_LINE_MAX);
	return !quiet && (int)level <= log_level;
}

void log_msg(enum wl_log_level level, const char *fmt, ...)
{
	char buf[LOG_LINE_MAX];
	va_list ap;
	bool show;

	va_start(ap, fmt);
	show = log_prepare(buf, level, fmt, ap);
	va_end(ap);
	if (show)
		log_print(level, buf, "");
}

/* The rate limiter: every call site seen so far, under one lock (any thread may log). */
static pthread_mutex_t rl_lock = PTHREAD_MUTEX_INITIALIZER;
static struct log_ratelimit *rl_sites;
static uint64_t (*rl_clock)(void);

void log_set_clock(uint64_t (*now_ns)(void))
{
	pthread_mutex_lock(&rl_lock);
	rl_clock = now_ns;
	pthread_mutex_unlock(&rl_lock);
}

static uint64_t log_now_ns(void)
{
	struct timespec ts;

	if (rl_clock)
		return rl_clock();
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* End rl's window: the summary of what it suppressed, if anything (rl_lock held). */
static void log_ratelimit_end(struct log_ratelimit *rl)
{
	char suffix[96];

	if (rl->suppressed) {
		snprintf(suffix, sizeof(suffix),
			 " (suppressed %llu similar message%s in the last minute)",
			 (unsigned long long)rl->suppressed, rl->suppressed == 1 ? "" : "s");
		log_print(rl->level, rl->last, suffix);
	}
	rl->suppressed = 0;
	rl->printed = 0;
}

void log_msg_ratelimited(struct log_ratelimit *rl, enum wl_log_level level, const char *fmt, ...)
{
	char buf[LOG_LINE_MAX];
	uint64_t now;
	va_list ap;
	bool show;

	va_start(ap, fmt);
	show = log_prepare(buf, level, fmt, ap);
	va_end(ap);
	if (!show)
		return;
	pthread_mutex_lock(&rl_lock);
	now = log_now_ns();
	if (!rl->listed) {
		rl->next = rl_sites;
		rl_sites = rl;
		rl->listed = true;
	}
	if (!rl->printed || now - rl->start_ns >= LOG_RATELIMIT_WINDOW_NS) {
		log_ratelimit_end(rl);
		rl->start_ns = now;
	}
	if (rl->printed < rl->burst) {
		rl->printed++;
		log_print(level, buf, "");
	} else {
		rl->suppressed++;
		rl->level = level;
		memcpy(rl->last, buf, sizeof(rl->last));
	}
	pthread_mutex_unlock(&rl_lock);
}

void log_ratelimit_flush(bool all)
{
	uint64_t now;

	pthread_mutex_lock(&rl_lock);
	now = log_now_ns();
	for (struct log_ratelimit *rl = rl_sites; rl; rl = rl->next)
		if (rl->suppressed && (all || now - rl->start_ns >= LOG_RATELIMIT_WINDOW_NS))
			log_ratelimit_end(rl);
	pthread_mutex_unlock(&rl_lock);
}

/*
 * libbpf explains failures in several lines of its own; our callers print one line that says
 * what to do, so libbpf's text is shown only with -v (warnings) or -vv (debug).
 */
static int log_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && log_level < WL_LOG_DEBUG + 1)
		return 0;
	if (level != LIBBPF_DEBUG && log_level < WL_LOG_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void log_setup_libbpf(void)
{
	libbpf_set_print(log_libbpf_print);
}

const char *log_bpf_strerror(int err)
{
	static char buf[128];

	libbpf_strerror(err, buf, sizeof(buf));
	return buf;
}
