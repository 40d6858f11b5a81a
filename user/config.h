/* SPDX-License-Identifier: MIT */
/* Run-time settings of one wirelens run, from the configuration file and the command line. */
#ifndef WL_CONFIG_H
#define WL_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

enum wl_backend {
	WL_BACKEND_AUTO = 0,
	WL_BACKEND_XDP,
	WL_BACKEND_PCAP,
};

enum wl_xdp_mode {
	WL_XDP_MODE_AUTO = 0,
	WL_XDP_MODE_NATIVE,
	WL_XDP_MODE_GENERIC,
};

/* The ingress hook (--ingress): auto picks by interface kind (user/loader.c). */
enum wl_ingress {
	WL_INGRESS_AUTO = 0,
	WL_INGRESS_XDP,
	WL_INGRESS_TC,
};

/* How TC programs attach (--tc-attach): auto is TCX links where the kernel has them. */
enum wl_tc_attach {
	WL_TC_ATTACH_AUTO = 0,
	WL_TC_ATTACH_TCX,
	WL_TC_ATTACH_CLSACT,
};

#define WL_ALLOW_HOSTS_MAX 16
#define WL_IFNAMES_MAX	   64 /* interfaces named with -i */

struct wl_config {
	/* -i (repeated, or comma-separated; "any"); none: the default-route interface */
	char ifnames[WL_IFNAMES_MAX][16];
	unsigned int n_ifnames;
	const char *file;     /* -r */
	uint64_t count;	      /* -c; 0: no limit */
	double duration;      /* -d seconds; 0: no limit */
	bool json;	      /* --json */
	bool list_interfaces; /* -D */
	bool show_help;
	bool show_version;
	enum wl_backend backend;
	enum wl_xdp_mode xdp_mode;
	enum wl_ingress ingress;
	enum wl_tc_attach tc_attach;
	int verbose;		  /* number of -v */
	const char *pin_path;	  /* --pin-path; default WL_PIN_ROOT */
	const char *btf_path;	  /* --btf */
	uint64_t flow_table_size; /* --flow-table-size; 0: WL_FLOW_TABLE_DEFAULT */
	uint64_t top;		  /* --top; 0: 100 */
	double spike_factor;	  /* --spike-factor; 0: 3.0 */
	char *filter;		  /* trailing arguments joined by spaces, or -F's file; NULL */
	const char *filter_file;  /* -F */
	unsigned int filter_line; /* the configuration file's line of filter; 0: not from there */
	bool dump_filter;	  /* --dump-filter */
	uint64_t sample_every;	  /* --sample; default 1 */
	uint64_t max_samples_sec; /* --max-samples-per-sec; default 1000, 0: no limit */
	uint64_t snaplen;	  /* -s/--snaplen; default WL_SNAPLEN_DEFAULT */
	uint64_t packet_buffer;	  /* --packet-buffer; default 10000 */
	const char *write_file;	  /* -w */
	uint64_t rotate_mb;	  /* -C: millions of bytes per file; 0: no rotation */
	uint64_t rotate_files;	  /* -W: files kept; 0: no limit */
	const char *export_csv;	  /* --export-csv */
	const char *export_json;  /* --export-json */
	/* The web server (dashboard, API, /metrics). */
	const char *listen;		/* --listen ADDR:PORT; NULL: WL_LISTEN_DEFAULT */
	bool no_web;			/* --no-web */
	const char *token_file;		/* --auth-token-file */
	const char *tls_cert, *tls_key; /* --tls-cert, --tls-key */
	const char *allow_hosts[WL_ALLOW_HOSTS_MAX]; /* --allow-host (repeatable) */
	unsigned int n_allow_hosts;
	const char *report_file; /* --report: self-contained HTML at exit */
	/* Anomalies (user/scan.c) and the flight recorder (user/recorder.c). */
	uint64_t scan_ports, scan_hosts; /* 0: defaults */
	double scan_window;		 /* seconds; 0: default */
	uint64_t synflood_rate;		 /* with synflood_set; 0: off */
	bool synflood_set;
	const char *flight_dir;	 /* --flight-recorder */
	double flight_span;	 /* seconds; 0: default 30 */
	uint64_t flight_max_mb;	 /* 0: default 100 */
	const char *config_file; /* --config; NULL: WL_CONFIG_DEFAULT if it exists */
	char *config_text;	 /* the configuration file, which the settings above point into */
};

/* Defaults of the options above. */
#define WL_LISTEN_DEFAULT	 "127.0.0.1:8080"
#define WL_SAMPLE_EVERY_DEFAULT	 1
#define WL_MAX_SAMPLES_DEFAULT	 1000
#define WL_PACKET_BUFFER_DEFAULT 10000
#define WL_CONFIG_DEFAULT	 "/etc/wirelens/wirelens.conf"

/* Apply one configuration line; WHERE ("FILE:LINE") starts its error messages. */
typedef int (*config_set_fn)(struct wl_config *cfg, const char *name, const char *value,
			     const char *where);

/*
 * Read the configuration file PATH ("option = value" lines, '#' comment lines, blank lines)
 * into cfg->config_text and hand each setting to SET. A missing file is an error only when
 * MUST_EXIST. Returns 0, or a negative errno after printing one line that names the file (and
 * the line).
 */
int config_load(struct wl_config *cfg, const char *path, bool must_exist, config_set_fn set);

/*
 * The settings that take effect only at start (all but the filter, the sampling and the anomaly
 * thresholds, which SIGHUP applies): the option name of the next one from *pos on that differs
 * between A and B, or NULL when there is none left. Start with *pos = 0.
 */
const char *config_restart_changed(const struct wl_config *a, const struct wl_config *b,
				   unsigned int *pos);

const char *config_backend_name(enum wl_backend b);
const char *config_xdp_mode_name(enum wl_xdp_mode m);
const char *config_ingress_name(enum wl_ingress i);
const char *config_tc_attach_name(enum wl_tc_attach t);

#endif
