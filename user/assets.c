// SPDX-License-Identifier: MIT
/* The table of embedded dashboard files. */
#include "assets.h"

#include <string.h>

extern const char wl_asset_index_html[], wl_asset_index_html_end[];
extern const char wl_asset_app_js[], wl_asset_app_js_end[];
extern const char wl_asset_style_css[], wl_asset_style_css_end[];
extern const char wl_asset_chart_js[], wl_asset_chart_js_end[];

#define CT_HTML "text/html; charset=utf-8"
#define CT_JS	"text/javascript; charset=utf-8"
#define CT_CSS	"text/css; charset=utf-8"

bool assets_find(const char *path, struct wl_asset *out)
{
	static const struct wl_asset table[] = {
		{"/", CT_HTML, wl_asset_index_html, 0},
		{"/index.html", CT_HTML, wl_asset_index_html, 0},
		{"/app.js", CT_JS, wl_asset_app_js, 0},
		{"/style.css", CT_CSS, wl_asset_style_css, 0},
		{"/chart.umd.js", CT_JS, wl_asset_chart_js, 0},
	};
	static const char *ends[] = {wl_asset_index_html_end, wl_asset_index_html_end,
				     wl_asset_app_js_end, wl_asset_style_css_end,
				     wl_asset_chart_js_end};

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (strcmp(table[i].path, path))
			continue;
		*out = table[i];
		out->len = (size_t)(ends[i] - table[i].data);
		return true;
	}
	return false;
}
