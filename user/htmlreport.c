// SPDX-License-Identifier: MIT
/* The self-contained HTML report: the embedded page with its files and the data inlined. */
#include "htmlreport.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "assets.h"
#include "json.h"
#include "packets.h"
#include "util.h"

/* Packet records carried by a report at most (the newest). */
#define REPORT_RECORDS 2000

#define REPORT_CSP                                                                                 \
	"default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src "      \
	"data: blob:; base-uri 'none'; form-action 'none'"

/* Copy text, writing "<\/" for "</" so that inlined script never ends its element early. */
static void put_script_text(FILE *f, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		fputc(s[i], f);
		if (s[i] == '<' && i + 1 < len && s[i + 1] == '/')
			fputc('\\', f);
	}
}

/* The report's data as JSON with every '<' escaped (it only occurs inside strings). */
static int put_data(FILE *f, const struct wl_snapshot *snap)
{
	cJSON *o = cJSON_CreateObject(), *stats = json_snapshot(snap);
	char when[48], *text;
	bool ok;

	json_time_ns(util_now_real_ns(), when, sizeof(when));
	ok = o && stats && cJSON_AddStringToObject(o, "generated", when) &&
	     cJSON_AddItemToObject(o, "stats", stats);
	if (!ok)
		cJSON_Delete(stats);
	if (ok && snap->packets) {
		cJSON *recs = json_records(snap->packets, REPORT_RECORDS);

		ok = recs && cJSON_AddItemToObject(o, "packets", recs);
		if (!ok)
			cJSON_Delete(recs);
	} else if (ok) {
		ok = cJSON_AddArrayToObject(o, "packets") != NULL;
	}
	text = ok ? cJSON_PrintUnformatted(o) : NULL;
	cJSON_Delete(o);
	if (!text)
		return -ENOMEM;
	for (const char *p = text; *p; p++) {
		if (*p == '<')
			fputs("\\u003c", f);
		else
			fputc(*p, f);
	}
	free(text);
	return 0;
}

int report_html(FILE *f, const void *ctx)
{
	static const char css_tag[] = "<link rel=\"stylesheet\" href=\"style.css\">";
	static const char chart_tag[] = "<script src=\"chart.umd.js\"></script>";
	static const char app_tag[] = "<script src=\"app.js\"></script>";
	static const char head_tag[] = "<head>";
	const struct wl_snapshot *snap = ctx;
	struct wl_asset page, css, chart, app;
	const char *p, *css_at, *chart_at, *app_at, *head_at;
	int err;

	if (!assets_find("/index.html", &page) || !assets_find("/style.css", &css) ||
	    !assets_find("/chart.umd.js", &chart) || !assets_find("/app.js", &app))
		return -ENOENT;
	head_at = strstr(page.data, head_tag);
	css_at = strstr(page.data, css_tag);
	chart_at = strstr(page.data, chart_tag);
	app_at = strstr(page.data, app_tag);
	if (!head_at || !css_at || !chart_at || !app_at || !(head_at < css_at) ||
	    !(css_at < chart_at) || !(chart_at < app_at))
		return -EINVAL; /* the page lost the tags the report replaces */

	p = page.data;
	fwrite(p, 1, (size_t)(head_at - p) + strlen(head_tag), f);
	fputs("\n<meta http-equiv=\"Content-Security-Policy\" content=\"" REPORT_CSP "\">", f);
	p = head_at + strlen(head_tag);
	fwrite(p, 1, (size_t)(css_at - p), f);
	fputs("<style>\n", f);
	put_script_text(f, css.data, css.len);
	fputs("</style>", f);
	p = css_at + strlen(css_tag);
	fwrite(p, 1, (size_t)(chart_at - p), f);
	fputs("<script>\n", f);
	put_script_text(f, chart.data, chart.len);
	fputs("\n</script>", f);
	p = chart_at + strlen(chart_tag);
	fwrite(p, 1, (size_t)(app_at - p), f);
	fputs("<script type=\"application/json\" id=\"wl-report\">", f);
	err = put_data(f, snap);
	if (err)
		return err;
	fputs("</script>\n<script>\n", f);
	put_script_text(f, app.data, app.len);
	fputs("\n</script>", f);
	p = app_at + strlen(app_tag);
	fputs(p, f);
	return ferror(f) ? -EIO : 0;
}
