/* SPDX-License-Identifier: MIT */
/* Run-time settings of one wirelens run, filled from the command line. */
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

struct wl_config {
	const char *ifname;   /* -i; NULL: the default-route interface */
	const char *file;     /* -r */
	uint64_t count;	      /* -c; 0: no limit */
	double duration;      /* -d seconds; 0: no limit */
	bool json;	      /* --json */
	bool list_interfaces; /* -D */
	bool show_help;
	bool show_version;
	enum wl_backend backend;
	enum wl_xdp_mode xdp_mode;
	int verbose;		  /* number of -v */
	const char *pin_path;	  /* --pin-path; default WL_PIN_ROOT */
	const char *btf_path;	  /* --btf */
	uint64_t flow_table_size; /* --flow-table-size; 0: WL_FLOW_TABLE_DEFAULT */
	uint64_t top;
	double spike_factor; /* --spike-factor; 0: 3.0 */ /* --top; 0: 100 */
	char *filter; /* trailing arguments joined by spaces; NULL if none */
};

const char *config_backend_name(enum wl_backend b);
const char *config_xdp_mode_name(enum wl_xdp_mode m);

#endif
