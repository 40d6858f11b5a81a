// SPDX-License-Identifier: MIT
/* wirelens: parse arguments, pick a backend, count until told to stop, print the snapshot. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pcap/dlt.h>

#include "analysis.h"
#include "api.h"
#include "cli.h"
#include "ctl.h"
#include "export.h"
#include "filter.h"
#include "htmlreport.h"
#include "http.h"
#include "iface.h"
#include "json.h"
#include "links.h"
#include "loader.h"
#include "log.h"
#include "packets.h"
#include "pcapw.h"
#include "pcap_source.h"
#include "poller.h"
#include "privs.h"
#include "recorder.h"
#include "reload.h"
#include "report.h"
#include "sse.h"
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

/* The command line, which SIGHUP applies over the configuration file again. */
static int main_argc;
static char **main_argv;

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

/* Compile the filter of the command line or -F. Returns 0, or EXIT_USAGE after the caret. */
static int filter_setup(struct wl_config *cfg)
{
	struct wl_filter_error ferr;

	if (cfg->filter_file && reload_filter_file(cfg, &cfg->filter))
		return EXIT_USAGE;
	if (!cfg->filter)
		return 0;
	if (wl_filter_compile(cfg->filter, DLT_EN10MB, &filter_prog, &ferr)) {
		wl_filter_print_error(cfg->filter, &ferr);
		return EXIT_USAGE;
	}
	return 0;
}

/* The recent packet records and -w: one store for the daemon's life (captures come and go). */
static int packets_setup(const struct wl_config *cfg, struct packets *pk, int linktype)
{
	int err = packets_init(pk, cfg->packet_buffer, (uint32_t)cfg->snaplen, linktype);

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
	return 0;
}

/* Point a snapshot at the record store and show the sampling settings in it. */
static void packets_attach(const struct wl_config *cfg, struct packets *pk,
			   struct wl_snapshot *snap, struct talkers *t)
{
	snap->packets = pk;
	pk->talkers = t;
	reload_show_sampling(cfg, snap);
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

/* At exit: close -w, write --export-csv, --export-json and --report. Returns 0 or -errno. */
static int packets_finish(const struct wl_config *cfg, struct wl_snapshot *snap)
{
	struct packets *pk = snap->packets;
	int err = 0, e;

	if (cfg->report_file) {
		e = export_atomic(cfg->report_file, report_html, snap);
		err = err ? err : e;
	}
	if (!pk)
		return err;
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

static void on_kernel_sample(void *ctx, const struct wl_sample *s, const uint8_t *data,
			     uint64_t real_ns)
{
	packets_add(ctx, s, data, real_ns, PACKETS_PARSE_ETHER);
}

static void on_kernel_event(void *ctx, const struct wl_event *e, uint64_t real_ns)
{
	struct wl_snapshot *snap = ctx;

	if (snap->an)
		analysis_event(snap->an, e, real_ns);
}

/* The flight recorder of this run (--flight-recorder), shared by its captures. */
static struct scan_recorder *flight;

static int flight_setup(const struct wl_config *cfg, struct packets *pk)
{
	double span = cfg->flight_span > 0 ? cfg->flight_span : 30;
	uint64_t max = cfg->flight_max_mb ? cfg->flight_max_mb : 100;

	if (!cfg->flight_dir)
		return 0;
	flight = recorder_new(cfg->flight_dir, (uint64_t)(span * 1e9), max * 1000000ull, pk);
	if (!flight)
		return -EINVAL;
	pk->recorder = flight;
	return 0;
}

/* Complete the recordings: before the final output, which shows them complete. */
static void flight_finish(struct packets *pk)
{
	recorder_finish(flight);
	pk->recorder = NULL;
}

/* After the snapshot that points at it is gone. */
static void flight_teardown(struct packets *pk, struct wl_snapshot *snap)
{
	if (snap && snap->an)
		snap->an->scan.rec = NULL;
	recorder_free(flight);
	flight = NULL;
	pk->recorder = NULL;
}

static int analysis_setup(const struct wl_config *cfg, struct wl_snapshot *snap)
{
	struct scan_cfg sc = reload_scan_cfg(cfg);

	snap->an = calloc(1, sizeof(*snap->an));
	if (!snap->an || analysis_init(snap->an, &sc)) {
		free(snap->an);
		snap->an = NULL;
		log_error("cannot allocate the latency and anomaly tables: out of memory");
		return -ENOMEM;
	}
	snap->an->scan.rec = flight;
	if (snap->talkers) {
		snap->talkers->quiet_hook = analysis_quiet_flow;
		snap->talkers->quiet_ctx = snap->an;
	}
	return 0;
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
		snap->talkers = NULL;
		return -ENOMEM;
	}
	if (analysis_setup(cfg, snap)) {
		timeseries_free(snap->ts);
		snap->ts = NULL;
		talkers_free(t);
		snap->talkers = NULL;
		return -ENOMEM;
	}
	return 0;
}

static void talkers_teardown(struct wl_snapshot *snap)
{
	if (snap->talkers)
		talkers_free(snap->talkers);
	timeseries_free(snap->ts);
	snap->ts = NULL;
	snap->talkers = NULL;
	analysis_free(snap->an);
	free(snap->an);
	snap->an = NULL;
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

/* -r with --listen: keep serving the results until Ctrl-C. */
static void serve_until_interrupted(struct wl_ctl *ctl)
{
	log_info("the file is read; serving the results on %s://%s/ until interrupted (Ctrl-C)",
		 ctl->tls ? "https" : "http", ctl->listen_desc);
	while (!stop_requested) {
		struct timespec ts = {0, TICK_MS * 1000000L};

		nanosleep(&ts, NULL);
		sse_tick(ctl->hub, util_now_mono_ns());
	}
}

static int run_file(struct wl_config *cfg)
{
	struct http_server *http = NULL;
	struct talkers talkers;
	struct wl_snapshot snap;
	struct pcap_source *ps;
	struct packets pk;
	struct wl_ctl ctl;
	uint64_t pos, size, last_draw = 0, last_pub;
	bool progress;
	int ret, err;

	memset(&snap, 0, sizeof(snap));
	snap.source.kind = WL_SOURCE_FILE;
	snap.source.started_real_ns = util_now_real_ns();
	if (ctl_init(&ctl, cfg)) {
		log_error("out of memory");
		return EXIT_RUNTIME;
	}
	snprintf(ctl.filter_text, sizeof(ctl.filter_text), "%s", cfg->filter ? cfg->filter : "");
	ctl.backend = "pcap";
	setup_signals();
	if (cfg->listen && http_start(cfg, &ctl, &http)) {
		ctl_free(&ctl);
		return EXIT_RUNTIME;
	}
	if (talkers_setup(cfg, &talkers, &snap, 0)) {
		http_stop(http);
		ctl_free(&ctl);
		return EXIT_RUNTIME;
	}
	err = pcap_source_open_file(cfg->file, &ps);
	if (err) {
		http_stop(http);
		talkers_teardown(&snap);
		ctl_free(&ctl);
		return EXIT_RUNTIME;
	}
	if (packets_setup(cfg, &pk, pcap_source_linktype(ps))) {
		pcap_source_close(ps);
		http_stop(http);
		talkers_teardown(&snap);
		ctl_free(&ctl);
		return EXIT_RUNTIME;
	}
	if (flight_setup(cfg, &pk)) {
		pcapw_close(pk.writer);
		packets_free(&pk);
		pcap_source_close(ps);
		http_stop(http);
		talkers_teardown(&snap);
		ctl_free(&ctl);
		return EXIT_RUNTIME;
	}
	snap.an->scan.rec = flight;
	packets_attach(cfg, &pk, &snap, &talkers);
	snap.filter_expr = filter_prog.len ? cfg->filter : NULL;
	if (filter_prog.len && pcap_source_linktype(ps) != DLT_EN10MB) {
		/* The same expression, for this file's link-layer header. */
		struct wl_filter_error ferr;

		if (wl_filter_compile(cfg->filter, pcap_source_linktype(ps), &filter_prog, &ferr)) {
			wl_filter_print_error(cfg->filter, &ferr);
			flight_teardown(&pk, &snap);
			packets_free(&pk);
			pcap_source_close(ps);
			http_stop(http);
			talkers_teardown(&snap);
			ctl_free(&ctl);
			return EXIT_USAGE;
		}
	}
	pcap_source_set_filter(ps, &filter_prog);
	pcap_source_set_sampling(ps, (uint32_t)cfg->sample_every, (uint32_t)cfg->max_samples_sec,
				 (uint32_t)cfg->snaplen);
	signal_pcap = ps;
	pcap_source_describe(ps, &snap.source);
	pcap_source_progress(ps, &pos, &size);
	progress = status_enabled() && size >= PROGRESS_MIN_BYTES;
	ctl_lock(&ctl);
	ctl.snap = &snap;
	ctl.linktype = pcap_source_linktype(ps);
	ctl_unlock(&ctl);
	last_pub = util_now_mono_ns();

	do {
		uint64_t now;

		ctl_lock(&ctl);
		ret = pcap_source_run(ps, &snap, cfg->count, 0);
		now = util_now_mono_ns();
		if (http && now - last_pub >= 1000000000ull) {
			snapshot_sum_dirs(&snap);
			packets_update(&snap);
			api_publish(&ctl, snap.ts && snap.ts->last ? snap.ts->last : 0);
			last_pub = now;
		}
		ctl_unlock(&ctl);
		if (progress && ret == 0 && now - last_draw > 200000000ull) {
			pcap_source_progress(ps, &pos, &size);
			snapshot_sum_dirs(&snap);
			status_progress(pos, size, snap.all.total.packets);
			last_draw = now;
		}
	} while (ret == 0);

	ctl_lock(&ctl);
	snapshot_sum_dirs(&snap);
	snap.complete = ret == PCAP_SOURCE_EOF;
	if (snap.an && snap.complete)
		analysis_end_of_file(snap.an, snap.last_ts_ns);
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
	packets_update(&snap);
	ctl.state = WL_CTL_FINISHED;
	if (http)
		api_publish(&ctl, snap.ts && snap.ts->last ? snap.ts->last + 1 : 0);
	ctl_unlock(&ctl);
	if (http && ret != PCAP_SOURCE_STOPPED && ret >= 0)
		serve_until_interrupted(&ctl);
	http_stop(http);
	flight_finish(&pk);
	err = packets_finish(cfg, &snap);
	err = print_output(cfg, &snap) || err;
	flight_teardown(&pk, &snap);
	talkers_teardown(&snap);
	packets_free(&pk);
	ctl_free(&ctl);
	if (ret < 0 || err)
		return EXIT_RUNTIME;
	if (ret == PCAP_SOURCE_STOPPED)
		log_info("interrupted: counts cover the packets read so far");
	return 0;
}

/* The live backend: XDP/TC, or libpcap when asked or when BPF is unavailable. */
static int pick_backend(enum wl_backend backend, struct wl_snapshot *snap, bool *use_pcap)
{
	static char reason[256];
	int err;

	*use_pcap = backend == WL_BACKEND_PCAP;
	if (backend == WL_BACKEND_PCAP)
		return 0;
	err = loader_probe(reason, sizeof(reason));
	if (err && backend == WL_BACKEND_XDP) {
		log_error("cannot use the XDP backend: %s; or use --backend pcap", reason);
		return err;
	}
	if (err) {
		log_info("using the pcap backend: %s", reason);
		snap->source.backend_reason = reason;
		*use_pcap = true;
	}
	return 0;
}

/* One live capture: its snapshot and tables stay readable after it ends, until the next. */
struct capture {
	struct wl_snapshot snap;
	struct talkers talkers;
	struct links links;
	bool opened;
	struct poller pl;
	struct wl_stats prev_stats;
	uint64_t start_ns, last_tick, base_packets;
};

enum capture_end {
	CAPTURE_DONE = 0, /* signal, -c or -d */
	CAPTURE_STOPPED,  /* through the API */
	CAPTURE_FAILED,
};

/*
 * Attach and start counting on the interfaces of ifnames ("" : cfg's, else the default-route
 * interface); on success the capture becomes ctl's snapshot. 0 or -errno.
 */
static int capture_start(const struct wl_config *cfg, struct wl_ctl *ctl, struct capture *cap,
			 struct packets *pk, const char *ifnames, enum wl_backend backend)
{
	struct wl_config *c = malloc(sizeof(*c));
	char fallback[IF_NAMESIZE] = "";
	struct wl_filter_error ferr;
	size_t kernel_flows;
	bool use_pcap;
	int err;

	memset(cap, 0, sizeof(*cap));
	if (!c) {
		log_error("out of memory");
		return -ENOMEM;
	}
	*c = *cfg;
	if (ifnames[0]) {
		c->n_ifnames = 0;
		if (cli_set_interfaces(c, ifnames)) {
			free(c);
			return -EINVAL;
		}
	}
	if (!c->n_ifnames && iface_default_route(fallback)) {
		log_error("no default route to pick an interface from: name one with -i (list "
			  "them with wirelens -D)");
		free(c);
		return -ENODEV;
	}
	if (wl_filter_compile(ctl->filter_text, DLT_EN10MB, &filter_prog, &ferr)) {
		log_error("bad filter '%s': %s", ctl->filter_text, ferr.msg);
		free(c);
		return -EINVAL;
	}
	cap->snap.source.kind = WL_SOURCE_LIVE;
	cap->snap.source.started_real_ns = util_now_real_ns();
	err = pick_backend(backend, &cap->snap, &use_pcap);
	/* The kernel flow tables (IPv4 and IPv6) serve every interface. */
	kernel_flows = c->flow_table_size ? c->flow_table_size : WL_FLOW_TABLE_DEFAULT;
	kernel_flows += wl_flow6_size(kernel_flows);
	if (!err)
		err = talkers_setup(cfg, &cap->talkers, &cap->snap, use_pcap ? 0 : kernel_flows);
	if (err) {
		free(c);
		return err;
	}
	cap->snap.samples.every = (uint64_t)cfg->sample_every;
	cap->snap.samples.max_per_sec = (uint64_t)cfg->max_samples_sec;
	cap->snap.samples.snaplen = (uint64_t)cfg->snaplen;
	cap->snap.packets = pk;
	links_set_callbacks(&cap->links, on_kernel_sample, pk, on_kernel_event, &cap->snap);
	err = links_open(&cap->links, c, fallback, use_pcap, &filter_prog, &cap->snap);
	/* The links keep the settings: this copy lives as long as the capture. */
	cap->links.cfg = cfg;
	free(c);
	if (err) {
		talkers_teardown(&cap->snap);
		return err;
	}
	cap->opened = true;
	links_set_lock(&cap->links, &ctl->lock);

	/* (Harvests take the lock themselves: the kernel tables are read without it.) */
	err = links_harvest(&cap->links, &cap->talkers);
	if (err)
		log_error("cannot read the flow table: %s", strerror(-err));
	ctl_lock(ctl);
	packets_attach(cfg, pk, &cap->snap, &cap->talkers);
	cap->snap.filter_expr = ctl->filter_text[0] ? ctl->filter_text : NULL;
	err = err ? err : links_read(&cap->links);
	if (cap->links.n == 1 && !cap->links.any)
		cap->snap.source.ifindex = cap->links.l[0].ifindex;
	if (cap->links.n) {
		const struct wl_source *src = &cap->links.l[0].snap.source;

		cap->snap.source.backend = src->backend;
		cap->snap.source.ingress = src->ingress;
		cap->snap.source.xdp_mode = src->xdp_mode;
		cap->snap.source.tc_attach = src->tc_attach;
		cap->snap.source.tc_attached = src->tc_attached;
		cap->snap.source.qdisc_created = src->qdisc_created;
		cap->snap.source.counters_continued = src->counters_continued;
		snprintf(cap->snap.source.pin_path, sizeof(cap->snap.source.pin_path), "%s",
			 use_pcap ? "" : (cfg->pin_path ? cfg->pin_path : WL_PIN_ROOT));
		cap->snap.source.linktype = src->linktype;
	}
	cap->start_ns = cap->last_tick = util_now_mono_ns();
	poller_sample(&cap->pl, &cap->snap, cap->start_ns);
	links_sample(&cap->links, cap->start_ns);
	cap->base_packets = cap->snap.all.total.packets;
	cap->prev_stats = cap->snap.all;
	cap->snap.base = cap->snap.all.total;
	packets_update(&cap->snap);
	ctl->snap = &cap->snap;
	ctl->links = &cap->links;
	ctl->linktype = DLT_EN10MB;
	snprintf(ctl->ifname, sizeof(ctl->ifname), "%s",
		 cap->links.any ? "any" : cap->snap.source.ifname);
	ctl->backend = use_pcap ? "pcap" : "xdp";
	ctl->state = WL_CTL_CAPTURING;
	ctl->stop_req = false;
	api_reset_events(ctl);
	api_publish(ctl, util_now_real_ns() / 1000000000ull);
	ctl_unlock(ctl);
	return err;
}

/* Count until a signal, a limit, an error or an API stop. */
static enum capture_end capture_loop(struct wl_config *cfg, struct wl_ctl *ctl, struct capture *cap,
				     struct packets *pk)
{
	bool status = status_enabled();
	enum capture_end end = CAPTURE_DONE;
	int ret = 0, err = 0, e;

	while (!stop_requested) {
		uint64_t now;

		/* Waits without the lock; the pcap path counts with it. */
		ret = links_poll(&cap->links, cfg->count, TICK_MS);
		if (ret < 0) {
			err = ret;
			break;
		}
		now = util_now_mono_ns();
		/*
		 * The flow tables are read without the lock (it takes a while), changed with it. A
		 * failed read is tried again a second later; the counters go on meanwhile. The
		 * interfaces are looked at once a second too (attaching takes a while as well).
		 */
		if (now - cap->last_tick >= 1000000000ull) {
			if ((e = links_harvest(&cap->links, &cap->talkers)))
				log_error_ratelimited("cannot read the flow table: %s",
						      strerror(-e));
			links_watch(&cap->links, now);
		}
		ctl_lock(ctl);
		if (hup_requested) {
			hup_requested = 0;
			reload_config(cfg, ctl, main_argc, main_argv);
		}
		if (ctl->stop_req) {
			ctl_unlock(ctl);
			end = CAPTURE_STOPPED;
			break;
		}
		if (cfg->count || now - cap->last_tick >= 1000000000ull || ret > 0) {
			err = links_read(&cap->links);
			if (err) {
				ctl_unlock(ctl);
				break;
			}
		}
		if (now - cap->last_tick >= 1000000000ull) {
			uint64_t real_s = util_now_real_ns() / 1000000000ull;

			if (!cap->links.use_pcap)
				series_tick(&cap->snap, &cap->prev_stats, real_s);
			if (cap->snap.an)
				analysis_tick(cap->snap.an, util_now_real_ns());
			poller_sample(&cap->pl, &cap->snap, now);
			links_sample(&cap->links, now);
			pcapw_flush(pk->writer);
			packets_update(&cap->snap);
			api_publish(ctl, real_s);
			sse_tick(ctl->hub, now);
			cap->last_tick = now;
			if (status)
				status_live(&cap->snap);
			log_ratelimit_flush(false);
		}
		ctl_unlock(ctl);
		if (ret == PCAP_SOURCE_LIMIT ||
		    (cfg->count && cap->snap.all.total.packets - cap->base_packets >= cfg->count))
			break;
		if (cfg->duration > 0 && (double)(now - cap->start_ns) / 1e9 >= cfg->duration)
			break;
	}
	if (err)
		return CAPTURE_FAILED;

	/* The last counts (the maps outlive the interface), then detach. */
	if ((e = links_harvest(&cap->links, &cap->talkers))) {
		log_error("cannot read the flow table: %s", strerror(-e));
		err = e;
	}
	ctl_lock(ctl);
	if (links_read(&cap->links))
		err = err ? err : -EIO;
	if (!err) {
		poller_sample(&cap->pl, &cap->snap, util_now_mono_ns());
		links_sample(&cap->links, util_now_mono_ns());
	}
	ctl->links = NULL;
	ctl_unlock(ctl);
	return err ? CAPTURE_FAILED : end;
}

/* Detach (after capture_loop); the snapshot stays readable. */
static void capture_finish(struct wl_ctl *ctl, struct capture *cap)
{
	if (cap->opened) {
		links_close(&cap->links);
		links_free(&cap->links);
	}
	cap->opened = false;
	ctl_lock(ctl);
	ctl->links = NULL;
	if (!cap->links.use_pcap)
		series_tick(&cap->snap, &cap->prev_stats, util_now_real_ns() / 1000000000ull);
	if (cap->snap.ts && cap->snap.ts->last)
		timeseries_advance(cap->snap.ts, cap->snap.ts->last + 1);
	packets_update(&cap->snap);
	ctl_unlock(ctl);
}

/*
 * Stopped through the API: serve the last counts until a start request (then true, with
 * its settings in *ifname and *backend) or a signal (false).
 */
static bool wait_for_start(struct wl_ctl *ctl, char ifname[256], enum wl_backend *backend)
{
	while (!stop_requested) {
		struct timespec ts = {0, TICK_MS * 1000000L};
		bool start;

		ctl_lock(ctl);
		if (hup_requested) {
			hup_requested = 0;
			reload_config(ctl->cfg, ctl, main_argc, main_argv);
		}
		start = ctl->start_req;
		if (start) {
			ctl->start_req = false;
			ctl->state = WL_CTL_STARTING;
			snprintf(ifname, 256, "%s", ctl->start_ifname);
			*backend = ctl->start_backend;
			snprintf(ctl->filter_text, sizeof(ctl->filter_text), "%s",
				 ctl->start_filter);
		}
		sse_tick(ctl->hub, util_now_mono_ns());
		ctl_unlock(ctl);
		log_ratelimit_flush(false);
		if (start)
			return true;
		nanosleep(&ts, NULL);
	}
	return false;
}

static int run_live(struct wl_config *cfg)
{
	char ifname[256] = ""; /* "": the configured interfaces */
	struct capture *caps, *cur, *next;
	struct http_server *http = NULL;
	enum wl_backend backend = cfg->backend;
	enum capture_end end;
	struct packets pk;
	struct wl_ctl ctl;
	int ret = 0, err;

	caps = calloc(2, sizeof(*caps));
	if (!caps || ctl_init(&ctl, cfg)) {
		log_error("out of memory");
		free(caps);
		return EXIT_RUNTIME;
	}
	cur = &caps[0];
	next = &caps[1];
	snprintf(ctl.filter_text, sizeof(ctl.filter_text), "%s", cfg->filter ? cfg->filter : "");

	/* Signals first, so that a SIGTERM during setup still runs the teardown below. */
	setup_signals();
	if (packets_setup(cfg, &pk, DLT_EN10MB)) {
		ctl_free(&ctl);
		free(caps);
		return EXIT_RUNTIME;
	}
	if (flight_setup(cfg, &pk)) {
		pcapw_close(pk.writer);
		packets_free(&pk);
		ctl_free(&ctl);
		free(caps);
		return EXIT_RUNTIME;
	}
	/* Attach first: a second wirelens is refused for its pins or interface, not its port. */
	err = capture_start(cfg, &ctl, cur, &pk, ifname, backend);
	if (!err && !cfg->no_web && http_bind(cfg, &ctl, &http))
		err = -EINVAL;
	/*
	 * Attached, files open, port bound: from here on the daemon needs only what attaching
	 * again takes (an interface that returns, a capture started through the API).
	 */
	if (!err && privs_drop(NULL))
		err = -EPERM;
	if (!err && http && http_serve(http))
		err = -EINVAL;
	if (err) {
		http_stop(http);
		http = NULL;
		if (cur->opened)
			capture_finish(&ctl, cur);
	}
	if (!err && http) {
		ctl_lock(&ctl);
		api_publish(&ctl, util_now_real_ns() / 1000000000ull);
		ctl_unlock(&ctl);
	}
	if (err) {
		flight_teardown(&pk, &cur->snap);
		talkers_teardown(&cur->snap);
		pcapw_close(pk.writer);
		packets_free(&pk);
		ctl_free(&ctl);
		free(caps);
		return EXIT_RUNTIME;
	}
	for (;;) {
		end = capture_loop(cfg, &ctl, cur, &pk);
		capture_finish(&ctl, cur);
		if (end != CAPTURE_STOPPED) {
			ret = end == CAPTURE_FAILED;
			break;
		}
		ctl_lock(&ctl);
		ctl.state = WL_CTL_STOPPED;
		api_reset_events(&ctl);
		api_publish(&ctl, util_now_real_ns() / 1000000000ull);
		ctl_answer(&ctl, 200, NULL);
		ctl_unlock(&ctl);
		log_info("capture on '%s' stopped through the API; the counts stay readable",
			 ctl.ifname);
		while (wait_for_start(&ctl, ifname, &backend)) {
			err = capture_start(cfg, &ctl, next, &pk, ifname, backend);
			ctl_lock(&ctl);
			if (err) {
				/* The previous capture's counts stay. */
				ctl.state = WL_CTL_STOPPED;
				ctl_answer(&ctl, err == -ENODEV || err == -EINVAL ? 400 : 500,
					   log_last_error()[0] ? log_last_error()
							       : "the capture did not start");
				ctl_unlock(&ctl);
				continue;
			}
			talkers_teardown(&cur->snap);
			ctl_answer(&ctl, 200, NULL);
			ctl_unlock(&ctl);
			struct capture *t = cur;

			cur = next;
			next = t;
			break;
		}
		if (ctl.state != WL_CTL_CAPTURING)
			break; /* a signal while stopped */
	}

	http_stop(http);
	flight_finish(&pk);
	err = packets_finish(cfg, &cur->snap);
	err = print_output(cfg, &cur->snap) || err;
	flight_teardown(&pk, &cur->snap);
	talkers_teardown(&cur->snap);
	packets_free(&pk);
	ctl_free(&ctl);
	free(caps);
	return ret || err ? EXIT_RUNTIME : 0;
}

int main(int argc, char **argv)
{
	struct wl_config cfg;
	int ret;

	memset(&cfg, 0, sizeof(cfg));
	main_argc = argc;
	main_argv = argv;
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
	log_ratelimit_flush(true);
	cli_config_free(&cfg);
	return ret;
}
