// SPDX-License-Identifier: MIT
/*
 * SIGHUP: the configuration file and the command line read again, and what can change without
 * reattaching applied (filter, sampling, anomaly thresholds), one line per change; plus the
 * pieces of the configuration the start and a reload share (-F files, thresholds, sampling).
 */
#include "reload.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "api.h"
#include "cli.h"
#include "filter.h"
#include "links.h"
#include "log.h"
#include "packets.h"
#include "scan.h"
#include "util.h"

/* Read -F FILE into *out (malloc'd). '#' starts a comment to the end of the line. */
int reload_filter_file(const struct wl_config *cfg, char **out)
{
	FILE *f = fopen(cfg->filter_file, "r");
	size_t n = 0, cap = 1 << 16;
	char *text;
	bool comment = false;

	if (!f) {
		log_error("cannot read filter file '%s': %s", cfg->filter_file, strerror(errno));
		return -errno;
	}
	text = malloc(cap + 1);
	if (!text) {
		fclose(f);
		return -ENOMEM;
	}
	n = fread(text, 1, cap, f);
	if (ferror(f) || (n == cap && fgetc(f) != EOF)) {
		log_error("cannot read filter file '%s': %s", cfg->filter_file,
			  ferror(f) ? strerror(errno) : "larger than 64 KiB");
		fclose(f);
		free(text);
		return -EINVAL;
	}
	fclose(f);
	text[n] = 0;
	/* Comments out; runs of blanks and line breaks become one space, as on a command line. */
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char ch = text[i];

		if (ch == '#')
			comment = true;
		else if (ch == '\n')
			comment = false;
		if (comment || ch == '\0' || ch == '\n' || ch == '\t' || ch == '\r')
			ch = ' ';
		if (ch == ' ' && (o == 0 || text[o - 1] == ' '))
			continue;
		text[o++] = ch;
	}
	while (o && text[o - 1] == ' ')
		o--;
	text[o] = 0;
	*out = text;
	return 0;
}

/* Show the sampling settings in a snapshot. */
void reload_show_sampling(const struct wl_config *cfg, struct wl_snapshot *snap)
{
	snap->samples.every = cfg->sample_every;
	snap->samples.max_per_sec = cfg->max_samples_sec;
	snap->samples.snaplen = cfg->snaplen;
}

/* The anomaly thresholds of cfg (0: the defaults). */
struct scan_cfg reload_scan_cfg(const struct wl_config *cfg)
{
	struct scan_cfg sc = {
		.ports = cfg->scan_ports,
		.hosts = cfg->scan_hosts,
		.window_ns = (uint64_t)(cfg->scan_window * 1e9),
		.synflood_rate = cfg->synflood_set ? cfg->synflood_rate : SYNFLOOD_RATE_DEFAULT,
	};

	return sc;
}

/* SIGHUP: one line for a setting whose value changed. 1 if it did, else 0. */
static int reload_note(const char *name, double was, double now)
{
	if (was == now)
		return 0;
	log_info("SIGHUP: %s changed from %.15g to %.15g", name, was, now);
	return 1;
}

/*
 * SIGHUP, first half: the new settings in *nc (the configuration file read again, the command
 * line over it, as at start) and the filter expression they give in *text (malloc'd), checked
 * for this capture. Nothing is changed yet. 0, or -errno after one error line.
 */
static int reload_read(const struct wl_ctl *ctl, int argc, char **argv, struct wl_config *nc,
		       char **text)
{
	struct wl_filter_prog *prog = malloc(sizeof(*prog));
	struct wl_filter_error ferr;
	char where[512];
	size_t len;
	int err;

	memset(nc, 0, sizeof(*nc));
	*text = NULL;
	log_set_quiet(true);
	err = prog ? cli_parse(argc, argv, nc) : -ENOMEM;
	if (!err && nc->filter_file)
		err = reload_filter_file(nc, text);
	else if (!err && !(*text = strdup(nc->filter ? nc->filter : "")))
		err = -ENOMEM;
	log_set_quiet(false);
	if (err) {
		log_error("SIGHUP: keeping every setting as it was: %s",
			  log_last_error()[0] ? log_last_error() : strerror(-err));
		goto out;
	}
	if (nc->filter_file)
		snprintf(where, sizeof(where), "'%s'", nc->filter_file);
	else if (nc->filter_line)
		snprintf(where, sizeof(where), "%s:%u",
			 nc->config_file ? nc->config_file : WL_CONFIG_DEFAULT, nc->filter_line);
	else
		snprintf(where, sizeof(where), "the command line");
	len = strlen(*text);
	if (len > WL_FILTER_EXPR_MAX) {
		log_error(
			"SIGHUP: keeping every setting as it was: %s: the filter is longer than %d "
			"characters",
			where, WL_FILTER_EXPR_MAX);
		err = -EINVAL;
	} else if (wl_filter_compile(*text, ctl->linktype, prog, &ferr)) {
		log_error("SIGHUP: keeping the filter '%s' and every other setting as it was: %s: "
			  "bad filter '%s': %s (at '%.20s')",
			  ctl->filter_text, where, *text, ferr.msg,
			  *text + (ferr.pos < len ? ferr.pos : len));
		err = -EINVAL;
	}
out:
	free(prog);
	if (err) {
		cli_config_free(nc);
		free(*text);
		*text = NULL;
	}
	return err;
}

/* SIGHUP: the settings that need a restart and differ in the file, one line each. */
static int reload_restart_notes(const struct wl_config *cfg, struct wl_config *nc,
				uint32_t max_snaplen)
{
	const char *path = nc->config_file ? nc->config_file : WL_CONFIG_DEFAULT, *name;
	unsigned int pos = 0;
	int n = 0;

	while ((name = config_restart_changed(cfg, nc, &pos))) {
		log_info("SIGHUP: '%s' changed in %s; it takes effect at the next start", name,
			 path);
		n++;
	}
	/* The record store and the pcap headers of -w were sized for the snaplen at start. */
	if (nc->snaplen > max_snaplen) {
		log_info("SIGHUP: 'snaplen' changed in %s to more than the %u bytes of the start; "
			 "it takes effect at the next start",
			 path, max_snaplen);
		nc->snaplen = cfg->snaplen;
		n++;
	}
	return n;
}

/*
 * SIGHUP (ctl lock held, between two rounds of the capture loop): read the configuration again
 * and apply what can change without reattaching: the filter, the sampling and the anomaly
 * thresholds, one log line per change. Settings that need a restart keep their value and get
 * a line each. A bad file or value keeps every setting.
 */
void reload_config(struct wl_config *cfg, struct wl_ctl *ctl, int argc, char **argv)
{
	struct wl_snapshot *snap = ctl->snap;
	struct wl_filter_error ferr;
	struct wl_config nc;
	char *text;
	int changed = 0, notes, err;

	if (reload_read(ctl, argc, argv, &nc, &text))
		return;
	if (strcmp(text, ctl->filter_text)) {
		char was[WL_FILTER_TEXT_MAX];

		snprintf(was, sizeof(was), "%s", ctl->filter_text);
		log_set_quiet(true);
		err = api_apply_filter(ctl, text, &ferr); /* checked above: -EPERM, or no memory */
		log_set_quiet(false);
		if (err && err != -EPERM) {
			log_error("SIGHUP: keeping every setting as it was: cannot set the filter "
				  "(%s)",
				  strerror(-err));
			cli_config_free(&nc);
			free(text);
			return;
		}
		log_info("SIGHUP: filter changed from '%s' to '%s'%s", was, text,
			 err ? " (for the next capture)" : "");
		if (err)
			snprintf(ctl->filter_text, sizeof(ctl->filter_text), "%s", text);
		changed++;
	}
	notes = reload_restart_notes(
		cfg, &nc, snap && snap->packets ? snap->packets->snaplen : (uint32_t)cfg->snaplen);
	changed += reload_note("sample", (double)cfg->sample_every, (double)nc.sample_every);
	changed += reload_note("max-samples-per-sec", (double)cfg->max_samples_sec,
			       (double)nc.max_samples_sec);
	changed += reload_note("snaplen", (double)cfg->snaplen, (double)nc.snaplen);
	cfg->sample_every = nc.sample_every;
	cfg->max_samples_sec = nc.max_samples_sec;
	cfg->snaplen = nc.snaplen;
	if (ctl->links)
		links_set_sampling(ctl->links, (uint32_t)cfg->sample_every,
				   (uint32_t)cfg->max_samples_sec, (uint32_t)cfg->snaplen);
	cfg->scan_ports = nc.scan_ports;
	cfg->scan_hosts = nc.scan_hosts;
	cfg->scan_window = nc.scan_window;
	cfg->synflood_rate = nc.synflood_rate;
	cfg->synflood_set = nc.synflood_set;
	if (snap && snap->an) {
		struct scan_cfg sc = reload_scan_cfg(cfg);
		const struct scan_cfg was = snap->an->scan.cfg, *now = &snap->an->scan.cfg;

		scan_set_cfg(&snap->an->scan, &sc);
		changed += reload_note("scan-ports", (double)was.ports, (double)now->ports);
		changed += reload_note("scan-hosts", (double)was.hosts, (double)now->hosts);
		changed += reload_note("scan-window", (double)was.window_ns / 1e9,
				       (double)now->window_ns / 1e9);
		changed += reload_note("synflood-rate", (double)was.synflood_rate,
				       (double)now->synflood_rate);
	}
	if (snap)
		reload_show_sampling(cfg, snap);
	if (!changed && !notes)
		log_info("SIGHUP: nothing changed");
	if (changed)
		api_publish(ctl, util_now_real_ns() / 1000000000ull);
	cli_config_free(&nc);
	free(text);
}
