// SPDX-License-Identifier: MIT
/* Logging to stderr: one line per message, prefixed with the program name. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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

static void log_vmsg(enum wl_log_level level, const char *fmt, va_list ap)
{
	char buf[1024];
	size_t n;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	fprintf(stderr, "wirelens: %s%s\n", level == WL_LOG_WARN ? "warning: " : "", buf);
}

/* The last error message of the thread, for callers that pass it on (the HTTP API). */
static __thread char last_error[256];

const char *log_last_error(void)
{
	return last_error;
}

void log_msg(enum wl_log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level == WL_LOG_ERROR) {
		va_start(ap, fmt);
		vsnprintf(last_error, sizeof(last_error), fmt, ap);
		va_end(ap);
	}
	if ((int)level > log_level)
		return;
	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
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
