/* SPDX-License-Identifier: MIT */
/* The filter language: compile an expression into the program bpf/filter.h interprets. */
#ifndef WL_FILTER_H
#define WL_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "filter_vm.h"

/* Longest filter expression, in bytes; WL_FILTER_TEXT_MAX holds one with its NUL. */
#define WL_FILTER_EXPR_MAX 4096
#define WL_FILTER_TEXT_MAX (WL_FILTER_EXPR_MAX + 1)

/* Where and why compiling failed: pos/len locate the offending token in the expression. */
struct wl_filter_error {
	char msg[160];
	size_t pos;
	size_t len;
};

/*
 * Compile expr into prog for frames of link type linktype (DLT_*; the kernel hooks see
 * DLT_EN10MB). An empty expression (only blanks) gives an empty program, which matches
 * everything. Returns 0, or -EINVAL with *err filled.
 */
int wl_filter_compile(const char *expr, int linktype, struct wl_filter_prog *prog,
		      struct wl_filter_error *err);

/* Print "filter: MSG", the expression and a caret line under the offending token to stderr. */
void wl_filter_print_error(const char *expr, const struct wl_filter_error *err);

/* Run prog over a frame: env->caplen bytes at data, and its application class. */
bool wl_filter_run(const struct wl_filter_prog *prog, const uint8_t *data,
		   const struct wl_filter_env *env);

/* The EtherType of a raw IP frame (from its version nibble; data holds >= 1 byte). */
uint32_t wl_link_raw_ethertype(const uint8_t *data);

/* The EtherType of a DLT_NULL/DLT_LOOP frame (data holds >= 4 bytes); 0 when unknown. */
uint32_t wl_link_null_ethertype(int linktype, const uint8_t *data);

/* Print the program, one instruction per line (--dump-filter). */
void wl_filter_dump(const struct wl_filter_prog *prog, FILE *out);

#endif
