/* SPDX-License-Identifier: MIT */
/* Logging to stderr: one line per message, levels, and the libbpf print callback. */
#ifndef WL_LOG_H
#define WL_LOG_H

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

#define log_error(...) log_msg(WL_LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(WL_LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(WL_LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(WL_LOG_DEBUG, __VA_ARGS__)

#endif
