// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the filter language: any bytes as an expression must give a program or
 * an error that points inside the expression, never a crash or a hang; a program must run on
 * any frame (the input itself, cut at every length) without reading outside it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/dlt.h>

#include "filter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int linktypes[] = {DLT_EN10MB, DLT_LINUX_SLL, DLT_RAW};
	struct wl_filter_prog prog;
	struct wl_filter_error err;
	char *expr;

	if (size > 512)
		return 0;
	expr = malloc(size + 1);
	if (!expr)
		return 0;
	memcpy(expr, data, size);
	expr[size] = 0;
	for (size_t i = 0; i < sizeof(linktypes) / sizeof(linktypes[0]); i++) {
		if (wl_filter_compile(expr, linktypes[i], &prog, &err)) {
			if (err.pos > strlen(expr) || !err.msg[0])
				abort();
			break;
		}
		if (prog.len > WL_FILTER_MAX_INSNS)
			abort();
		for (size_t n = 0; n <= size; n++) {
			struct wl_filter_env env = {.caplen = (uint32_t)n,
						    .app = data[0] % WL_APP_MAX};

			wl_filter_run(&prog, data, &env);
		}
	}
	free(expr);
	return 0;
}
