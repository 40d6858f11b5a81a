// SPDX-License-Identifier: MIT
/* wirelens: parse arguments, pick a backend, count until told to stop, print the snapshot. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pcap/dlt.h>

#include "cli.h"
#include "export.h"
#include "filter.h"
#include "iface.h"
#include "json.h"
#include "loader.h"
#include "log.h"
#include "packets.h"
#include "pcapw.h"
#include "pcap_source.h"
#include "poller.h"
#include "report.h"
#include "status.h"
#include "talkers.h"
#include "timeseries.h"
#include "util.h"
#include "version.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE   2

/* Files at least this large get a progress bar on a terminal. */
#define PROGRESS_MIN_BYTES (8u << 20)
#define TICK_MS		   100

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t hup_requested;
static struct pcap_source *signal_pcap;

static void on_signal(int sig)
{
	if (sig == SIGHUP) {
		hup_requested = 1;
		return;
	}
	stop_requested = 1;
	pcap_source_break(signal_pcap);
}

/* No SA_RESTART: a blocking poll or sleep returns at once with EINTR. */
static void setup_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

static int print_output(const struct wl_config *cfg, const struct wl_snapshot *snap)
{
	status_clear();
	if (cfg->json) {
		char *text = json_render_snapshot(snap);

		if (!text) {
			log_error("cannot render the JSON snapshot: out of memory");
			return -ENOMEM;
		}
		puts(text);
		free(text);
	} else {
		report_print(stdout, snap);
	}
	if (fflush(stdout) || ferror(stdout)) {
		log_error("cannot write the results to standard output: %s", strerror(errno));
		return -EIO;
	}
	return 0;
}

/* The capture filter, compiled once at start (empty: every frame). */
static struct wl_filter_prog filter_prog;

/* Read -F FILE into *out (malloc'd). '#' starts a comment to the end of the line. */
static int filter_read_file(const struct wl_config *cfg, char **out)
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

/* Compile the filter of the command line or -F. Returns 0, or EXIT_USAGE after the caret. */
static int filter_setup(struct wl_config *cfg)
{
	struct wl_filter_error ferr;

	if (cfg->filter_file && filter_read_file(cfg, &cfg->filter))
		return EXIT_USAGE;
	if (!cfg->filter)
		return 0;
	if (wl_filter_compile(cfg->filter, DLT_EN10MB, &filter_prog, &ferr)) {
		wl_filter_print_error(cfg->filter, &ferr);
		return EXIT_USAGE;
	}
	return 0;
}

/* Packet records: the store of recent ones, -w, and the sampling settings in the snapshot. */
static int packets_setup(const struct wl_config *cfg, struct packets *pk, struct wl_snapshot *snap,
			 int linktype)
{
	int err = packets_init(pk, cfg->packet_buffer, (uint32_t)cfg->snaplen);

	if (err) {
		log_error("cannot allocate the packet buffer (%llu records): %s",
			  U64(cfg->packet_buffer), strerror(-err));
		return err;
	}
	if (cfg->write_file) {
		err = pcapw_open(cfg->write_file, linktype, (uint32_t)cfg->snaplen,
				 cfg->rotate_mb * 1000000ull, (uint32_t)cfg->rotate_files,
				 &pk->writer);
		if (err) {
			packets_free(pk);
			return err;
		}
	}
	snap->packets = pk;
	pk->talkers = snap->talkers;
	snap->filter_expr = filter_prog.len ? cfg->filter : NULL;
	snap->samples.every = cfg->sample_every;
	snap->samples.max_per_sec = cfg->max_samples_sec;
	snap->samples.snaplen = cfg->snaplen;
	return 0;
}

static void packets_update(struct wl_snapshot *snap)
{
	struct packets *pk = snap->packets;
	uint64_t files;
	bool failed;

	if (!pk)
		return;
	snap->samples.received = pk->received;
	snap->samples.kept = pk->count;
	pcapw_stats(pk->writer, &snap->samples.written, &files, &failed);
}

/* At exit: close -w, write --export-csv and --export-json. Returns 0 or -errno. */
static int packets_finish(const struct wl_config *cfg, struct wl_snapshot *snap)
{
	struct packets *pk = snap->packets;
	int err = 0, e;

	if (!pk)
		return 0;
	packets_update(snap);
	if (pk->writer) {
		e = pcapw_close(pk->writer);
		pk->writer = NULL;
		err = err ? err : e;
	}
	if (cfg->export_csv) {
		e = export_atomic(cfg->export_csv, export_csv, pk);
		err = err ? err : e;
	}
	if (cfg->export_json) {
		e = export_atomic(cfg->export_json, export_json, snap);
		err = err ? err : e;
	}
	return err;
}

/*
 * SIGHUP: read -F FILE again and put the new filter in place without reattaching anything;
 * counts so far stay. A bad new expression keeps the old filter.
 */
static void filter_reload(struct wl_config *cfg, struct wl_snapshot *snap, struct loader *ld,
			  struct pcap_source *ps)
{
	struct wl_filter_prog prog;
	struct wl_filter_error ferr;
	char *text = NULL;

	if (!cfg->filter_file) {
		log_info("SIGHUP: no -F filter file to read again; nothing changed");
		return;
	}
	if (filter_read_file(cfg, &text))
		return;
	if (wl_filter_compile(text, DLT_EN10MB, &prog, &ferr)) {
		log_error("SIGHUP: keeping the filter '%s': the new one in '%s' is bad: %s "
			  "(at '%.20s')",
			  cfg->filter ? cfg->filter : "", cfg->filter_file, ferr.msg,
			  text + (ferr.pos < strlen(text) ? ferr.pos : strlen(text)));
		free(text);
		return;
	}
	if (ld)
		loader_set_filter(ld, &prog);
	if (ps)
		pcap_source_set_filter(ps, &prog);
	log_info("SIGHUP: filter changed from '%s' to '%s'", cfg->filter ? cfg->filter : "", text);
	free(cfg->filter);
	cfg->filter = text;
	filter_prog = prog;
	snap->filter_expr = prog.len ? cfg->filter : NULL;
}

static void on_kernel_sample(void *ctx, const struct wl_sample *s, const uint8_t *data,
			     uint64_t real_ns)
{
	packets_add(ctx, s, data, real_ns, PACKETS_PARSE_ETHER);
}

static int talkers_setup(const struct wl_config *cfg, struct talkers *t, struct wl_snapshot *snap,
			 size_t kernel_flows)
{
	int err = talkers_init(t, TALKERS_MAX_FLOWS, TALKERS_MAX_HOSTS, TALKERS_MAX_PAIRS,
			       kernel_flows);

	if (err) {
		log_error("cannot allocate the talkers tables: %s", strerror(-err));
		return err;
	}
	snap->talkers = t;
	snap->top = cfg->top ? (unsigned int)cfg->top : 100;
	snap->ts = timeseries_new(cfg->spike_factor > 0 ? cfg->spike_factor : 3.0);
	if (!snap->ts) {
		log_error("cannot allocate the bandwidth time series: out of memory");
		talkers_free(t);
		return -ENOMEM;
	}
	return 0;
}

static void talkers_teardown(struct talkers *t, struct wl_snapshot *snap)
{
	talkers_free(t);
	timeseries_free(snap->ts);
	snap->ts = NULL;
	snap->talkers = NULL;
}

/* Add what the kernel counted since the previous tick to the time series at second `now`. */
static void series_tick(struct wl_snapshot *snap, struct wl_stats *prev, uint64_t now_s)
{
	struct wl_stats d;
	const __u64 *a = (const __u64 *)&snap->all;
	__u64 *p = (__u64 *)prev, *o = (__u64 *)&d;

	for (size_t i = 0; i < sizeof(d) / sizeof(__u64); i++) {
		o[i] = a[i] - p[i];
		p[i] = a[i];
	}
	if (d.total.packets)
		timeseries_add_stats(snap->ts, now_s, &d);
}

static int run_file(const struct wl_config *cfg)
{
	struct talkers talkers;
	struct wl_snapshot snap;
	struct pcap_source *ps;
	struct packets pk;
	uint64_t pos, size, last_draw = 0;
	bool progress;
	int ret, err;

	memset(&snap, 0, sizeof(snap));
	snap.source.kind = WL_SOURCE_FILE;
	snap.source.started_real_ns = util_now_real_ns();
	if (talkers_setup(cfg, &talkers, &snap, 0))
		return EXIT_RUNTIME;
	err = pcap_source_open_file(cfg->file, &ps);
	if (err) {
		talkers_teardown(&talkers, &snap);
		return EXIT_RUNTIME;
	}
	if (packets_setup(cfg, &pk, &snap, pcap_source_linktype(ps))) {
		pcap_source_close(ps);
		talkers_teardown(&talkers, &snap);
		return EXIT_RUNTIME;
	}
	if (filter_prog.len && pcap_source_linktype(ps) != DLT_EN10MB) {
		/* The same expression, for this file's link-layer header. */
		struct wl_filter_error ferr;

		if (wl_filter_compile(cfg->filter, pcap_source_linktype(ps), &filter_prog, &ferr)) {
			wl_filter_print_error(cfg->filter, &ferr);
			packets_finish(cfg, &snap);
			packets_free(&pk);
			pcap_source_close(ps);
			talkers_teardown(&talkers, &snap);
			return EXIT_USAGE;
		}
	}
	pcap_source_set_filter(ps, &filter_prog);
	pcap_source_set_sampling(ps, (uint32_t)cfg->sample_every, (uint32_t)cfg->max_samples_sec,
				 (uint32_t)cfg->snaplen);
	signal_pcap = ps;
	setup_signals();
	pcap_source_describe(ps, &snap.source);
	pcap_source_progress(ps, &pos, &size);
	progress = status_enabled() && size >= PROGRESS_MIN_BYTES;

	do {
		ret = pcap_source_run(ps, &snap, cfg->count, 0);
		if (progress && ret == 0) {
			uint64_t now = util_now_mono_ns();

			if (now - last_draw > 200000000ull) {
				pcap_source_progress(ps, &pos, &size);
				snapshot_sum_dirs(&snap);
				status_progress(pos, size, snap.all.total.packets);
				last_draw = now;
			}
		}
	} while (ret == 0);

	snapshot_sum_dirs(&snap);
	snap.complete = ret == PCAP_SOURCE_EOF;
	if (snap.last_ts_ns > snap.first_ts_ns)
		snap.duration_s = (double)(snap.last_ts_ns - snap.first_ts_ns) / 1e9;
	if (snap.duration_s > 0) {
		snap.rates.avg_pps = (double)snap.all.total.packets / snap.duration_s;
		snap.rates.avg_bps = (double)snap.all.total.bytes * 8 / snap.duration_s;
	}
	snap.rates.pps = snap.rates.avg_pps;
	snap.rates.bps = snap.rates.avg_bps;
	signal_pcap = NULL;
	pcap_source_close(ps);
	if (snap.ts && snap.ts->last)
		timeseries_advance(snap.ts, snap.ts->last + 1);
	err = packets_finish(cfg, &snap);
	err = print_output(cfg, &snap) || err;
	talkers_teardown(&talkers, &snap);
	packets_free(&pk);
	if (ret < 0 || err)
		return EXIT_RUNTIME;
	if (ret == PCAP_SOURCE_STOPPED)
		log_info("interrupted: counts cover the packets read so far");
	return 0;
}

/* Pick the live backend: XDP/TC, or libpcap when asked or when BPF is unavailable. */
static int start_backend(const struct wl_config *cfg, const char *ifname, unsigned int ifindex,
			 struct wl_snapshot *snap, struct loader **ld, struct pcap_source **ps)
{
	static char reason[256];
	struct loader_opts lo = {
		.ifname = ifname,
		.ifindex = ifindex,
		.xdp_mode = cfg->xdp_mode,
		.pin_path = cfg->pin_path ? cfg->pin_path : WL_PIN_ROOT,
		.btf_path = cfg->btf_path,
		.flow_table_size = cfg->flow_table_size,
		.max_packets = cfg->count,
		.filter = &filter_prog,
		.sample_every = (uint32_t)cfg->sample_every,
		.max_samples_per_sec = (uint32_t)cfg->max_samples_sec,
		.snaplen = (uint32_t)cfg->snaplen,
	};
	bool use_pcap = cfg->backend == WL_BACKEND_PCAP;
	int err;

	if (cfg->backend != WL_BACKEND_PCAP) {
		err = loader_probe(reason, sizeof(reason));
		if (err && cfg->backend == WL_BACKEND_XDP) {
			log_error("cannot use the XDP backend: %s; or use --backend pcap", reason);
			return err;
		}
		if (err) {
			log_info("using the pcap backend: %s", reason);
			snap->source.backend_reason = reason;
			use_pcap = true;
		}
	}
	if (use_pcap) {
		err = pcap_source_open_live(ifname, ps);
		if (err)
			return err;
		pcap_source_set_filter(*ps, &filter_prog);
		pcap_source_set_sampling(*ps, lo.sample_every, lo.max_samples_per_sec, lo.snaplen);
		pcap_source_describe(*ps, &snap->source);
		log_info("counting on '%s' with libpcap", ifname);
		return 0;
	}
	err = loader_start(&lo, ld);
	if (err)
		return err;
	loader_describe(*ld, &snap->source);
	log_info("counting on '%s' with XDP (%s) and TC egress", ifname, snap->source.xdp_mode);
	return 0;
}

static int read_backend(struct loader *ld, struct pcap_source *ps, struct wl_snapshot *snap,
			bool harvest)
{
	int err;

	if (ps) {
		snapshot_sum_dirs(snap);
		pcap_source_drops(ps, snap);
		return 0;
	}
	err = loader_read(ld, snap);
	if (err) {
		log_error("cannot read the counters map: %s", strerror(-err));
		return err;
	}
	if (harvest && snap->talkers) {
		err = loader_harvest(ld, snap->talkers);
		if (err)
			log_error("cannot read the flow table: %s", strerror(-err));
	}
	return err;
}

static int run_live(struct wl_config *cfg)
{
	char ifname[IF_NAMESIZE];
	struct wl_snapshot snap;
	struct loader *ld = NULL;
	struct pcap_source *ps = NULL;
	struct poller pl = {0};
	struct talkers talkers;
	struct packets pk;
	struct wl_stats prev_stats;
	uint64_t start_ns, last_tick, base_packets;
	bool status = status_enabled();
	unsigned int ifindex;
	int ret = 0, err;

	if (cfg->ifname) {
		snprintf(ifname, sizeof(ifname), "%s", cfg->ifname);
	} else if (iface_default_route(ifname)) {
		log_error("no default route to pick an interface from: name one with -i (list "
			  "them with wirelens -D)");
		return EXIT_RUNTIME;
	}
	if (iface_lookup(cfg->ifname ? cfg->ifname : ifname, &ifindex))
		return EXIT_RUNTIME;

	memset(&snap, 0, sizeof(snap));
	snap.source.kind = WL_SOURCE_LIVE;
	snap.source.started_real_ns = util_now_real_ns();
	snprintf(snap.source.ifname, sizeof(snap.source.ifname), "%s", ifname);
	snap.source.ifindex = ifindex;

	/* Signals first, so that a SIGTERM during setup still runs the teardown below. */
	setup_signals();
	err = start_backend(cfg, ifname, ifindex, &snap, &ld, &ps);
	if (err)
		return EXIT_RUNTIME;
	if (talkers_setup(cfg, &talkers, &snap,
			  ld ? (cfg->flow_table_size ? cfg->flow_table_size : WL_FLOW_TABLE_DEFAULT)
			     : 0)) {
		pcap_source_close(ps);
		loader_stop(ld);
		return EXIT_RUNTIME;
	}
	if (packets_setup(cfg, &pk, &snap, DLT_EN10MB) ||
	    (ld && loader_samples(ld, on_kernel_sample, &pk))) {
		if (snap.packets)
			pcapw_close(pk.writer);
		packets_free(&pk);
		talkers_teardown(&talkers, &snap);
		pcap_source_close(ps);
		loader_stop(ld);
		return EXIT_RUNTIME;
	}
	signal_pcap = ps;

	err = read_backend(ld, ps, &snap, true);
	start_ns = last_tick = util_now_mono_ns();
	poller_sample(&pl, &snap, start_ns);
	base_packets = snap.all.total.packets;
	prev_stats = snap.all;
	snap.base = snap.all.total;

	while (!err && !stop_requested) {
		uint64_t now;

		if (ps) {
			ret = pcap_source_run(ps, &snap, cfg->count, TICK_MS);
			if (ret < 0) {
				err = ret;
				break;
			}
		} else {
			ret = loader_poll(ld, TICK_MS);
			if (ret < 0) {
				log_error("cannot read packet records: %s", strerror(-ret));
				err = ret;
				break;
			}
			ret = 0;
		}
		if (hup_requested) {
			hup_requested = 0;
			filter_reload(cfg, &snap, ld, ps);
		}
		now = util_now_mono_ns();
		if (cfg->count || now - last_tick >= 1000000000ull || ret > 0) {
			err = read_backend(ld, ps, &snap, now - last_tick >= 1000000000ull);
			if (err)
				break;
		}
		if (now - last_tick >= 1000000000ull) {
			char name[IF_NAMESIZE];

			if (!if_indextoname(ifindex, name)) {
				log_error("interface '%s' went away (deleted, or moved to another "
					  "network namespace); stopping with the counts so far",
					  ifname);
				err = -ENODEV;
				break;
			}
			if (ld)
				series_tick(&snap, &prev_stats, util_now_real_ns() / 1000000000ull);
			poller_sample(&pl, &snap, now);
			pcapw_flush(pk.writer);
			packets_update(&snap);
			last_tick = now;
			if (status)
				status_live(&snap);
		}
		if (ret == PCAP_SOURCE_LIMIT ||
		    (cfg->count && snap.all.total.packets - base_packets >= cfg->count))
			break;
		if (cfg->duration > 0 && (double)(now - start_ns) / 1e9 >= cfg->duration)
			break;
	}

	if (!err || err == -ENODEV) {
		/* The maps outlive the interface: the final counts are still there. */
		int rerr = read_backend(ld, ps, &snap, true);

		if (!err)
			err = rerr;
	}
	if (!err)
		poller_sample(&pl, &snap, util_now_mono_ns());
	signal_pcap = NULL;
	if (ld)
		loader_poll(ld, 0); /* the records still in the ring */
	pcap_source_close(ps);
	loader_stop(ld);
	if (ld)
		series_tick(&snap, &prev_stats, util_now_real_ns() / 1000000000ull);
	if (snap.ts && snap.ts->last)
		timeseries_advance(snap.ts, snap.ts->last + 1);
	ret = packets_finish(cfg, &snap);
	ret = print_output(cfg, &snap) || ret;
	talkers_teardown(&talkers, &snap);
	packets_free(&pk);
	return err || ret ? EXIT_RUNTIME : 0;
}

int main(int argc, char **argv)
{
	struct wl_config cfg;
	int ret;

	memset(&cfg, 0, sizeof(cfg));
	if (cli_parse(argc, argv, &cfg)) {
		cli_config_free(&cfg);
		return EXIT_USAGE;
	}
	log_set_level(WL_LOG_INFO + cfg.verbose);
	log_setup_libbpf();
	if (cfg.show_help) {
		cli_print_help(stdout);
		ret = 0;
	} else if (cfg.show_version) {
		printf("wirelens %s\n", WL_VERSION);
		ret = 0;
	} else if ((ret = filter_setup(&cfg))) {
		/* the error and its caret are printed */
	} else if (cfg.dump_filter) {
		wl_filter_dump(&filter_prog, stdout);
		ret = 0;
	} else if (cfg.list_interfaces) {
		ret = iface_list(stdout) ? EXIT_RUNTIME : 0;
	} else if (cfg.file) {
		ret = run_file(&cfg);
	} else {
		ret = run_live(&cfg);
	}
	cli_config_free(&cfg);
	return ret;
}
