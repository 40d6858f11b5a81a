// SPDX-License-Identifier: MIT
/*
 * Prometheus metrics. Names follow the conventions (wirelens_ prefix, _total counters, base
 * units); labels come only from small fixed sets (interface, direction, l3, l4, app, table,
 * kind), never from addresses: top talkers are in the API, not in label values.
 */
#include "metrics.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "analysis.h"
#include "names.h"
#include "sse.h"
#include "talkers.h"
#include "timeseries.h"
#include "util.h"
#include "version.h"

/* A label value with \, " and newlines escaped. */
static void put_label(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n') {
			fputs("\\n", f);
			continue;
		}
		fputc(*v, f);
	}
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{interface="...",direction="..."[,extra="..."]} value */
static void sample(FILE *f, const char *name, const char *iface, const char *dir, const char *key,
		   const char *val, unsigned long long v)
{
	fprintf(f, "%s{interface=\"", name);
	put_label(f, iface);
	fputc('"', f);
	if (dir)
		fprintf(f, ",direction=\"%s\"", dir);
	if (key)
		fprintf(f, ",%s=\"%s\"", key, val);
	fprintf(f, "} %llu\n", v);
}

/* One partition (l3, l4 or app) as a packets and a bytes family, per direction. */
static void partition(FILE *f, const struct wl_snapshot *s, const char *iface, int d0, int d1,
		      const char *label, size_t off, const char *const *names, int n)
{
	char pk[64], by[64];

	snprintf(pk, sizeof(pk), "wirelens_%s_packets_total", label);
	snprintf(by, sizeof(by), "wirelens_%s_bytes_total", label);
	for (int which = 0; which < 2; which++) {
		const char *name = which ? by : pk;

		family(f, name, "counter",
		       which ? "Bytes (whole frames) matching the capture filter, by class."
			     : "Frames matching the capture filter, by class.");
		for (int d = d0; d < d1; d++) {
			const struct wl_counter *c =
				(const struct wl_counter *)((const char *)&s->dir[d] + off);

			for (int i = 0; i < n; i++)
				sample(f, name, iface, wl_dir_names[d], label, names[i],
				       U64(which ? c[i].bytes : c[i].packets));
		}
	}
}

/* RTT histograms, TCP health and anomalies (user/analysis.h). */
static void metrics_analysis(FILE *f, const struct wl_snapshot *s, const char *iface, int d0,
			     int d1)
{
	const struct analysis *an = s->an;
	static const struct {
		const char *name, *help;
		size_t off;
	} tcp[] = {
		{"wirelens_tcp_segments_total", "TCP segments analysed.",
		 offsetof(struct wl_tcp_stats, segments)},
		{"wirelens_tcp_retransmissions_total",
		 "TCP segments whose sequence range was already seen.",
		 offsetof(struct wl_tcp_stats, retransmissions)},
		{"wirelens_tcp_out_of_order_total",
		 "TCP segments filling a hole right after a later segment.",
		 offsetof(struct wl_tcp_stats, out_of_order)},
		{"wirelens_tcp_duplicate_acks_total", "Duplicate TCP ACKs.",
		 offsetof(struct wl_tcp_stats, duplicate_acks)},
		{"wirelens_tcp_zero_windows_total", "TCP segments advertising a zero window.",
		 offsetof(struct wl_tcp_stats, zero_windows)},
		{"wirelens_tcp_resets_total", "TCP segments with RST.",
		 offsetof(struct wl_tcp_stats, resets)},
		{"wirelens_tcp_syns_total", "TCP SYNs without ACK (connection attempts).",
		 offsetof(struct wl_tcp_stats, syns)},
		{"wirelens_tcp_handshakes_total", "Completed TCP three-way handshakes.",
		 offsetof(struct wl_tcp_stats, handshakes)},
	};
	const struct {
		const char *name, *help;
		uint64_t v;
	} loss[] = {
		{"wirelens_events_total", "RTT and probe events of the connection analysis.",
		 an->events},
		{"wirelens_events_lost_total", "Events the ring buffer had no room for.",
		 an->events_lost},
	};
	/* What the bounded tables forgot to make room, by table. */
	const struct {
		const char *table;
		uint64_t v;
	} forgot[] = {
		{"connections", an->conns_dropped},
		{"udp_candidates", an->udp_wait_dropped},
		{"latency_hosts", an->lat.hosts_dropped},
		{"scan_probes", an->scan.probes_dropped},
	};

	for (size_t i = 0; i < sizeof(tcp) / sizeof(tcp[0]); i++) {
		family(f, tcp[i].name, "counter", tcp[i].help);
		for (int d = d0; d < d1; d++)
			sample(f, tcp[i].name, iface, wl_dir_names[d], NULL, NULL,
			       U64(*(const __u64 *)((const char *)&an->tcp[d] + tcp[i].off)));
	}
	for (size_t i = 0; i < sizeof(loss) / sizeof(loss[0]); i++) {
		family(f, loss[i].name, "counter", loss[i].help);
		sample(f, loss[i].name, iface, NULL, NULL, NULL, U64(loss[i].v));
	}
	family(f, "wirelens_analysis_forgotten_total", "counter",
	       "Entries the analysis forgot to stay within its memory bound, by table.");
	for (size_t i = 0; i < sizeof(forgot) / sizeof(forgot[0]); i++)
		sample(f, "wirelens_analysis_forgotten_total", iface, NULL, "table",
		       forgot[i].table, U64(forgot[i].v));
	family(f, "wirelens_rtt_seconds", "histogram",
	       "Round-trip times measured passively, by method (handshake, timestamp, icmp).");
	for (unsigned int m = 0; m < WL_RTT_METHODS; m++) {
		const struct lat_hist *h = &an->lat.m[m];
		const char *name = latency_method_name(m);
		uint64_t cum = 0;

		for (int i = 0; i <= LAT_LE_COUNT; i++) {
			cum += h->le[i];
			fprintf(f, "wirelens_rtt_seconds_bucket{interface=\"");
			put_label(f, iface);
			if (i < LAT_LE_COUNT)
				fprintf(f, "\",method=\"%s\",le=\"%g\"} %llu\n", name,
					lat_le_ms[i] / 1000, U64(cum));
			else
				fprintf(f, "\",method=\"%s\",le=\"+Inf\"} %llu\n", name, U64(cum));
		}
		fprintf(f, "wirelens_rtt_seconds_sum{interface=\"");
		put_label(f, iface);
		fprintf(f, "\",method=\"%s\"} %.6f\n", name, (double)h->sum_us / 1e6);
		fprintf(f, "wirelens_rtt_seconds_count{interface=\"");
		put_label(f, iface);
		fprintf(f, "\",method=\"%s\"} %llu\n", name, U64(h->count));
	}
	family(f, "wirelens_anomalies_total", "counter",
	       "Anomalies detected (port scans, SYN floods) since the capture started.");
	for (unsigned int t = 0; t < ANOMALY_TYPES; t++)
		sample(f, "wirelens_anomalies_total", iface, NULL, "type", anomaly_type_name(t),
		       U64(an->scan.total[t]));
	family(f, "wirelens_anomalies_active", "gauge", "Anomalies still going on.");
	for (unsigned int t = 0; t < ANOMALY_TYPES; t++)
		sample(f, "wirelens_anomalies_active", iface, NULL, "type", anomaly_type_name(t),
		       U64(scan_active(&an->scan, t)));
}

/* Each interface of a live capture on its own (the families above are their sum). */
static void metrics_ifaces(FILE *f, const struct wl_snapshot *s)
{
	static const char *const help[] = {
		"Frames matching the capture filter, on one interface.",
		"Bytes (whole frames) matching the capture filter, on one interface.",
	};
	static const char *const names[] = {"wirelens_interface_packets_total",
					    "wirelens_interface_bytes_total"};

	if (!s->n_ifaces)
		return;
	for (int which = 0; which < 2; which++) {
		family(f, names[which], "counter", help[which]);
		for (unsigned int i = 0; i < s->n_ifaces; i++)
			for (int d = WL_DIR_IN; d < WL_DIR_NONE; d++)
				sample(f, names[which], s->ifaces[i].name, wl_dir_names[d], NULL,
				       NULL,
				       U64(which ? s->ifaces[i].dir[d].bytes
						 : s->ifaces[i].dir[d].packets));
	}
	family(f, "wirelens_interface_up", "gauge",
	       "1 while the interface is attached and up; 0 while down or gone (deleted).");
	for (unsigned int i = 0; i < s->n_ifaces; i++)
		sample(f, "wirelens_interface_up", s->ifaces[i].name, NULL, NULL, NULL,
		       !strcmp(s->ifaces[i].state, "up"));
	family(f, "wirelens_interface_attached", "gauge",
	       "1 while the sensor is attached to the interface; 0 after it was deleted.");
	for (unsigned int i = 0; i < s->n_ifaces; i++)
		sample(f, "wirelens_interface_attached", s->ifaces[i].name, NULL, NULL, NULL,
		       strcmp(s->ifaces[i].state, "gone") != 0);
	family(f, "wirelens_interface_attaches_total", "counter",
	       "Times the sensor attached to the interface: 1, plus one per return after a "
	       "deletion.");
	for (unsigned int i = 0; i < s->n_ifaces; i++)
		sample(f, "wirelens_interface_attaches_total", s->ifaces[i].name, NULL, NULL, NULL,
		       U64(s->ifaces[i].attaches));
}

int metrics_write(FILE *f, const struct wl_ctl *c)
{
	const struct wl_snapshot *s = c->snap;
	const char *iface;
	int d0, d1;

	family(f, "wirelens_build_info", "gauge", "Version of the running wirelens.");
	fprintf(f, "wirelens_build_info{version=\"%s\"} 1\n", WL_VERSION);
	family(f, "wirelens_capturing", "gauge", "1 while a capture is running.");
	fprintf(f, "wirelens_capturing %d\n", c->state == WL_CTL_CAPTURING);
	family(f, "wirelens_sse_clients", "gauge", "Dashboard event streams connected.");
	fprintf(f, "wirelens_sse_clients %u\n", c->hub ? sse_clients(c->hub) : 0);
	if (!s)
		return ferror(f) ? -EIO : 0;

	/* A capture's series carry its interfaces as -i named them ("any", or "eth0,eth1"). */
	iface = s->source.kind == WL_SOURCE_FILE ? "file"
		: c->ifname[0]			 ? c->ifname
						 : s->source.ifname;
	d0 = s->source.kind == WL_SOURCE_FILE ? WL_DIR_NONE : WL_DIR_IN;
	d1 = s->source.kind == WL_SOURCE_FILE ? WL_DIR_MAX : WL_DIR_NONE;

	family(f, "wirelens_attach_info", "gauge",
	       "How the sensor captures: backend (xdp, pcap), and the ingress hook's mode (native "
	       "or generic XDP, tc).");
	fprintf(f, "wirelens_attach_info{interface=\"");
	put_label(f, iface);
	fprintf(f, "\",backend=\"%s\",mode=\"%s\"} 1\n",
		s->source.backend ? s->source.backend : "none",
		s->source.xdp_mode  ? s->source.xdp_mode
		: s->source.ingress ? s->source.ingress
				    : "none");
	family(f, "wirelens_start_time_seconds", "gauge", "When this capture started (Unix time).");
	sample(f, "wirelens_start_time_seconds", iface, NULL, NULL, NULL,
	       U64(s->source.started_real_ns / 1000000000ull));

	/* Per direction: matched and seen frames and bytes (offsets into struct wl_stats). */
	static const struct {
		const char *name, *help;
		size_t off;
	} per_dir[] = {
		{"wirelens_packets_total", "Frames matching the capture filter.",
		 offsetof(struct wl_stats, total.packets)},
		{"wirelens_bytes_total", "Bytes (whole frames) matching the capture filter.",
		 offsetof(struct wl_stats, total.bytes)},
		{"wirelens_seen_packets_total",
		 "Every frame at the capture point, matching the filter or not.",
		 offsetof(struct wl_stats, seen.packets)},
		{"wirelens_seen_bytes_total",
		 "Bytes of every frame at the capture point, matching the filter or not.",
		 offsetof(struct wl_stats, seen.bytes)},
	};
	for (size_t i = 0; i < sizeof(per_dir) / sizeof(per_dir[0]); i++) {
		family(f, per_dir[i].name, "counter", per_dir[i].help);
		for (int d = d0; d < d1; d++)
			sample(f, per_dir[i].name, iface, wl_dir_names[d], NULL, NULL,
			       U64(*(const __u64 *)((const char *)&s->dir[d] + per_dir[i].off)));
	}
	metrics_ifaces(f, s);
	partition(f, s, iface, d0, d1, "l3", offsetof(struct wl_stats, l3), wl_l3_names, WL_L3_MAX);
	partition(f, s, iface, d0, d1, "l4", offsetof(struct wl_stats, l4), wl_l4_names, WL_L4_MAX);
	partition(f, s, iface, d0, d1, "app", offsetof(struct wl_stats, app), wl_app_names,
		  WL_APP_MAX);
	family(f, "wirelens_parse_errors_total", "counter",
	       "Frames the parser could not follow to the end: truncated or malformed headers.");
	for (int d = d0; d < d1; d++) {
		sample(f, "wirelens_parse_errors_total", iface, wl_dir_names[d], "kind",
		       "truncated", U64(s->dir[d].truncated.packets));
		sample(f, "wirelens_parse_errors_total", iface, wl_dir_names[d], "kind",
		       "malformed", U64(s->dir[d].malformed.packets));
	}

	/* Sensor health: every loss has a counter. */
	const struct {
		const char *name, *help;
		uint64_t v;
	} health[] = {
		{"wirelens_samples_total", "Packet records taken (sampled).", s->samples.taken},
		{"wirelens_samples_lost_total", "Packet records the ring buffer had no room for.",
		 s->samples.lost},
		{"wirelens_samples_limited_total",
		 "Packet records skipped by --max-samples-per-sec.", s->samples.limited},
		{"wirelens_pcap_dropped_total",
		 "Frames the kernel dropped before libpcap read them (pcap backend).",
		 s->drops.pcap_kernel},
		{"wirelens_pcap_interface_dropped_total",
		 "Frames the interface or driver dropped (pcap backend).", s->drops.pcap_ifdrop},
		{"wirelens_flow_table_insert_failed_total",
		 "Frames the kernel flow table could not take (not attributed to a flow).",
		 s->drops.flow_insert_failed},
	};
	for (size_t i = 0; i < sizeof(health) / sizeof(health[0]); i++) {
		family(f, health[i].name, "counter", health[i].help);
		sample(f, health[i].name, iface, NULL, NULL, NULL, U64(health[i].v));
	}
	if (s->talkers) {
		const struct talkers *t = s->talkers;

		family(f, "wirelens_flow_table_entries", "gauge",
		       "Flows in the kernel flow table at the last harvest (xdp backend).");
		sample(f, "wirelens_flow_table_entries", iface, NULL, NULL, NULL,
		       U64(t->kernel_flows));
		family(f, "wirelens_flow_table_capacity", "gauge",
		       "Capacity of the kernel flow table (0: pcap backend).");
		sample(f, "wirelens_flow_table_capacity", iface, NULL, NULL, NULL,
		       U64(s->flow_table_size));
		const struct {
			const char *name;
			const struct table *tab;
			const struct talkers_other *other;
		} tables[] = {
			{"hosts", &t->hosts, &t->hosts_other},
			{"pairs", &t->pairs, &t->pairs_other},
			{"flows", &t->flows, &t->flows_other},
		};

		family(f, "wirelens_talkers_entries", "gauge",
		       "Entries in the hosts, pairs and flows tables.");
		for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
			sample(f, "wirelens_talkers_entries", iface, NULL, "table", tables[i].name,
			       U64(tables[i].tab->count));
		family(f, "wirelens_talkers_folds_total", "counter",
		       "Times a full table folded its least active entries into 'other'.");
		for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
			sample(f, "wirelens_talkers_folds_total", iface, NULL, "table",
			       tables[i].name, U64(tables[i].other->folds));
	}
	if (s->an)
		metrics_analysis(f, s, iface, d0, d1);
	if (s->ts) {
		family(f, "wirelens_bandwidth_spikes_total", "counter",
		       "Seconds whose bytes exceeded --spike-factor times the trailing minute.");
		sample(f, "wirelens_bandwidth_spikes_total", iface, NULL, NULL, NULL,
		       U64(s->ts->nspikes));
	}
	return ferror(f) ? -EIO : 0;
}
