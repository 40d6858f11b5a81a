/* SPDX-License-Identifier: MIT */
/*
 * The dashboard, embedded in the binary: the page, its script and style from web/, and the
 * chart library from web/node_modules (installed by make deps from web/package-lock.json).
 * Each blob is followed by a NUL so that it can also be used as a C string.
 */
#define ASSET(sym, file)          \
	.section .rodata.sym, "a"; \
	.balign 16;                \
	.global sym;               \
	.global sym##_end;         \
	sym:                       \
	.incbin file;              \
	sym##_end:                 \
	.byte 0

ASSET(wl_asset_index_html, "web/index.html")
ASSET(wl_asset_app_js, "web/app.js")
ASSET(wl_asset_style_css, "web/style.css")
ASSET(wl_asset_chart_js, "web/node_modules/chart.js/dist/chart.umd.js")

	.section .note.GNU-stack, "", @progbits
