// SPDX-License-Identifier: MIT
/* Command line: the option table below drives both getopt_long and --help. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "wirelens.h"
#include "log.h"
#include "util.h"

struct cli_option {
	const char *name; /* long name */
	int short_name;	  /* 0: long only */
	const char *arg;  /* argument placeholder in --help; NULL: no argument */
	const char *help;
	int (*apply)(struct wl_config *cfg, const char *opt, const char *arg);
};

/* "FILE:LINE" while a configuration file's line is applied; NULL for the command line. */
static const char *cli_where;

static int cli_bad_value(const char *opt, const char *arg, const char *what)
{
	log_error("%s%sinvalid value '%s' for %s: %s (see wirelens --help)", cli_where ?: "",
		  cli_where ? ": " : "", arg, opt, what);
	return -EINVAL;
}

/*
 * A flag: its command-line option comes without an argument (arg NULL, the flag is set); a
 * configuration file gives true/yes/on/1 or false/no/off/0.
 */
static int cli_parse_bool(const char *arg, bool *out)
{
	static const char *const words[] = {"false", "no", "off", "0", "true", "yes", "on", "1"};

	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		if (!strcasecmp(arg, words[i])) {
			*out = i >= ARRAY_SIZE(words) / 2;
			return 0;
		}
	}
	return -EINVAL;
}

static int opt_flag(bool *dst, const char *opt, const char *arg)
{
	if (!arg)
		*dst = true;
	else if (cli_parse_bool(arg, dst))
		return cli_bad_value(opt, arg, "expected true or false");
	return 0;
}

/* -i NAME, repeated or comma-separated; "any" alone. */
static int opt_interface(struct wl_config *cfg, const char *opt, const char *arg)
{
	const char *p = arg;

	if (!arg[0])
		return cli_bad_value(opt, arg, "expected an interface name");
	for (;;) {
		size_t len = strcspn(p, ",");

		if (!len || len >= sizeof(cfg->ifnames[0]))
			return cli_bad_value(opt, arg,
					     len ? "an interface name has at most 15 characters"
						 : "expected interface names separated by commas");
		for (unsigned int i = 0; i < cfg->n_ifnames; i++)
			if (strlen(cfg->ifnames[i]) == len && !strncmp(cfg->ifnames[i], p, len))
				return cli_bad_value(opt, arg, "an interface is named twice");
		if (cfg->n_ifnames == WL_IFNAMES_MAX)
			return cli_bad_value(opt, arg, "at most 64 interfaces");
		snprintf(cfg->ifnames[cfg->n_ifnames++], sizeof(cfg->ifnames[0]), "%.*s", (int)len,
			 p);
		if (!p[len])
			break;
		p += len + 1;
	}
	for (unsigned int i = 0; i < cfg->n_ifnames && cfg->n_ifnames > 1; i++)
		if (!strcmp(cfg->ifnames[i], "any"))
			return cli_bad_value(opt, arg, "'any' already means every interface");
	return 0;
}

int cli_set_interfaces(struct wl_config *cfg, const char *list)
{
	return opt_interface(cfg, "-i", list);
}

static int opt_read(struct wl_config *cfg, const char *opt, const char *arg)
{
	if (!arg[0])
		return cli_bad_value(opt, arg, "expected a file name");
	cfg->file = arg;
	return 0;
}

static int opt_count(struct wl_config *cfg, const char *opt, const char *arg)
{
	int err = util_parse_u64(arg, 1, UINT64_MAX, &cfg->count);

	if (err)
		return cli_bad_value(opt, arg, "expected a whole number of packets, at least 1");
	return 0;
}

static int opt_duration(struct wl_config *cfg, const char *opt, const char *arg)
{
	if (util_parse_seconds(arg, &cfg->duration))
		return cli_bad_value(opt, arg, "expected a number of seconds greater than 0");
	return 0;
}

static int opt_json(struct wl_config *cfg, const char *opt, const char *arg)
{
	return opt_flag(&cfg->json, opt, arg);
}

static int opt_list(struct wl_config *cfg, const char *opt, const char *arg)
{
	(void)opt;
	(void)arg;
	cfg->list_interfaces = true;
	return 0;
}

static int opt_backend(struct wl_config *cfg, const char *opt, const char *arg)
{
	if (!strcmp(arg, "auto"))
		cfg->backend = WL_BACKEND_AUTO;
	else if (!strcmp(arg, "xdp"))
		cfg->backend = WL_BACKEND_XDP;
	else if (!strcmp(arg, "pcap"))
		cfg->backend = WL_BACKEND_PCAP;
	else
		return cli_bad_value(opt, arg, "expected auto, xdp or pcap");
	return 0;
}

static int opt_xdp_mode(struct wl_config *cfg, const char *opt, const char *arg)
{
	if (!strcmp(arg, "auto"))
		cfg->xdp_mode = WL_XDP_MODE_AUTO;
	else if (!strcmp(arg, "native"))
		cfg->xdp_mode = WL_XDP_MODE_NATIVE;
	else if (!strcmp(arg, "generic"))
		cfg->xdp_mode = WL_XDP_MODE_GENERIC;
	else
		return cli_bad_value(opt, arg, "expected auto, native or generic");
	return 0;
}

static int opt_ingress(struct wl_config *cfg, const char *opt, const char *arg)
{
	if (!strcmp(arg, "auto"))
		cfg->ingress = WL_INGRESS_AUTO;
	else if (!strcmp(arg, "xdp"))
		cfg->ingress = WL_INGRESS_XDP;
	else if (!strcmp(arg, "tc"))
		cfg->ingress = WL_INGRESS_TC;
	else
		return cli_bad_value(opt, arg, "expected auto, xdp or tc");
	return 0;
}

static int opt_tc_attach(struct wl_config *cfg, const char *opt, const char *arg)
{
	if (!strcmp(arg, "auto"))
		cfg->tc_attach = WL_TC_ATTACH_AUTO;
	else if (!strcmp(arg, "tcx"))
		cfg->tc_attach = WL_TC_ATTACH_TCX;
	else if (!strcmp(arg, "clsact"))
		cfg->tc_attach = WL_TC_ATTACH_CLSACT;
	else
		return cli_bad_value(opt, arg, "expected auto, tcx or clsact");
	return 0;
}

static int opt_pin_path(struct wl_config *cfg, const char *opt, const char *arg)
{
	if (arg[0] != '/')
		return cli_bad_value(opt, arg, "expected an absolute path under a bpf filesystem");
	/* The loader keeps it in 256 bytes, and map pins append "/" and a name. */
	if (strlen(arg) > 200)
		return cli_bad_value(opt, arg, "too long (at most 200 characters)");
	cfg->pin_path = arg;
	return 0;
}

static int opt_btf(struct wl_config *cfg, const char *opt, const char *arg)
{
	if (!arg[0])
		return cli_bad_value(opt, arg, "expected a BTF file");
	cfg->btf_path = arg;
	return 0;
}

static int opt_flow_table_size(struct wl_config *cfg, const char *opt, const char *arg)
{
	if (util_parse_u64(arg, 1024, 16777216, &cfg->flow_table_size))
		return cli_bad_value(opt, arg, "expected a number of flows from 1024 to 16777216");
	return 0;
}

static int opt_top(struct wl_config *cfg, const char *opt, const char *arg)
{
	if (util_parse_u64(arg, 1, 1000000, &cfg->top))
		return cli_bad_value(opt, arg, "expected a number of entries from 1 to 1000000");
	return 0;
}

static int opt_spike_factor(struct wl_config *cfg, const char *opt, const char *arg)
{
	if (util_parse_seconds(arg, &cfg->spike_factor) || cfg->spike_factor < 1.0)
		return cli_bad_value(opt, arg, "expected a factor of at least 1, e.g. 3 or 2.5");
	return 0;
}

static int opt_filter_file(struct wl_config *cfg, const char *opt, const char *arg)
{
	if (!arg[0])
		return cli_bad_value(opt, arg, "expected a file holding a filter expression");
	cfg->filter_file = arg;
	return 0;
}

static int opt_dump_filter(struct wl_config *cfg, const char *opt, const char *arg)
{
	(void)opt;
	(void)arg;
	cfg->dump_filter = true;
	return 0;
}

static int opt_sample(struct wl_config *cfg, const char *opt, const char *arg)
{
	if (util_parse_u64(arg, 0, 1000000000, &cfg->sample_every))
		return cli_bad_value(opt, arg,
				     "expected N to keep 1 packet in N (1: every packet, 0: none)");
	return 0;
}

static int opt_max_samples(struct wl_config *cfg, const char *opt, const char *arg)
{
	if (util_parse_u64(arg, 0, 100000000, &cfg->max_samples_sec))
		return cli_bad_value(opt, arg,
				     "expected a number of packets per second (0: no limit)");
	return 0;
}

static int opt_snaplen(struct wl_config *cfg, const char *opt, const char *arg)
{
	if (util_parse_u64(arg, 14, WL_SNAPLEN_MAX, &cfg->snaplen))
		return cli_bad_value(opt, arg, "expected a number of bytes from 14 to 2048");
	return 0;
}

static int opt_packet_buffer(struct wl_config *cfg, const char *opt, const char *arg)
{
	if (util_parse_u64(arg, 0, 1000000, &cfg->packet_buffer))
		return cli_bad_value(opt, arg, "expected a number of packets from 0 to 1000000");
	return 0;
}

static int opt_path(const char **dst, const char *opt, const char *arg)
{
	if (!arg[0])
		return cli_bad_value(opt, arg, "expected a file name");
	*dst = arg;
	return 0;
}

static int opt_write(struct wl_config *cfg, const char *opt, const char *arg)
{
	return opt_path(&cfg->write_file, opt, arg);
}

static int opt_export_csv(struct wl_config *cfg, const char *opt, const char *arg)
{
	return opt_path(&cfg->export_csv, opt, arg);
}

static int opt_export_json(struct wl_config *cfg, const char *opt, const char *arg)
{
	return opt_path(&cfg->export_json, opt, arg);
}

static int opt_listen(struct wl_config *cfg, const char *opt, const char *arg)
{
	struct sockaddr_storage ss;
	unsigned int len;

	if (util_parse_listen(arg, &ss, &len))
		return cli_bad_value(opt, arg,
				     "expected ADDRESS:PORT, e.g. 127.0.0.1:8080 or [::1]:8080");
	cfg->listen = arg;
	return 0;
}

static int opt_no_web(struct wl_config *cfg, const char *opt, const char *arg)
{
	return opt_flag(&cfg->no_web, opt, arg);
}

static int opt_token_file(struct wl_config *cfg, const char *opt, const char *arg)
{
	return opt_path(&cfg->token_file, opt, arg);
}

static int opt_tls_cert(struct wl_config *cfg, const char *opt, const char *arg)
{
	return opt_path(&cfg->tls_cert, opt, arg);
}

static int opt_tls_key(struct wl_config *cfg, const char *opt, const char *arg)
{
	return opt_path(&cfg->tls_key, opt, arg);
}

static int opt_allow_host(struct wl_config *cfg, const char *opt, const char *arg)
{
	if (!arg[0] || strlen(arg) > 253 || strpbrk(arg, " /:@[]"))
		return cli_bad_value(opt, arg, "expected a host name, without port");
	if (cfg->n_allow_hosts == WL_ALLOW_HOSTS_MAX)
		return cli_bad_value(opt, arg, "at most 16 --allow-host names");
	cfg->allow_hosts[cfg->n_allow_hosts++] = arg;
	return 0;
}

static int opt_report(struct wl_config *cfg, const char *opt, const char *arg)
{
	return opt_path(&cfg->report_file, opt, arg);
}

static int opt_scan_ports(struct wl_config *cfg, const char *opt, const char *arg)
{
	if (util_parse_u64(arg, 2, 65536, &cfg->scan_ports))
		return cli_bad_value(opt, arg, "expected a number of ports from 2 to 65536");
	return 0;
}

static int opt_scan_hosts(struct wl_config *cfg, const char *opt, const char *arg)
{
	if (util_parse_u64(arg, 2, 16777216, &cfg->scan_hosts))
		return cli_bad_value(opt, arg, "expected a number of hosts, at least 2");
	return 0;
}

static int opt_scan_window(struct wl_config *cfg, const char *opt, const char *arg)
{
	if (util_parse_seconds(arg, &cfg->scan_window) || cfg->scan_window > 86400)
		return cli_bad_value(opt, arg, "expected seconds, more than 0 and at most 86400");
	return 0;
}

static int opt_synflood_rate(struct wl_config *cfg, const char *opt, const char *arg)
{
	if (util_parse_u64(arg, 0, 100000000, &cfg->synflood_rate))
		return cli_bad_value(opt, arg,
				     "expected half-open connections per second (0: off)");
	cfg->synflood_set = true;
	return 0;
}

static int opt_flight_recorder(struct wl_config *cfg, const char *opt, const char *arg)
{
	return opt_path(&cfg->flight_dir, opt, arg);
}

static int opt_flight_span(struct wl_config *cfg, const char *opt, const char *arg)
{
	if (util_parse_seconds(arg, &cfg->flight_span) || cfg->flight_span > 3600)
		return cli_bad_value(opt, arg, "expected seconds, more than 0 and at most 3600");
	return 0;
}

static int opt_flight_max(struct wl_config *cfg, const char *opt, const char *arg)
{
	if (util_parse_u64(arg, 1, 1000000, &cfg->flight_max_mb))
		return cli_bad_value(opt, arg, "expected millions of bytes, at least 1");
	return 0;
}

static int opt_rotate_size(struct wl_config *cfg, const char *opt, const char *arg)
{
	if (util_parse_u64(arg, 1, 1000000, &cfg->rotate_mb))
		return cli_bad_value(opt, arg,
				     "expected a file size in millions of bytes, at least 1");
	return 0;
}

static int opt_rotate_files(struct wl_config *cfg, const char *opt, const char *arg)
{
	if (util_parse_u64(arg, 1, 100000, &cfg->rotate_files))
		return cli_bad_value(opt, arg, "expected a number of files from 1 to 100000");
	return 0;
}

static int opt_verbose(struct wl_config *cfg, const char *opt, const char *arg)
{
	uint64_t level;
	bool on;

	if (!arg)
		cfg->verbose++;
	else if (!cli_parse_bool(arg, &on))
		cfg->verbose = on;
	else if (!util_parse_u64(arg, 0, 3, &level))
		cfg->verbose = (int)level;
	else
		return cli_bad_value(opt, arg, "expected true, false or a level from 0 to 3");
	return 0;
}

static int opt_config(struct wl_config *cfg, const char *opt, const char *arg)
{
	return opt_path(&cfg->config_file, opt, arg);
}

static int opt_version(struct wl_config *cfg, const char *opt, const char *arg)
{
	(void)opt;
	(void)arg;
	cfg->show_version = true;
	return 0;
}

static int opt_help(struct wl_config *cfg, const char *opt, const char *arg)
{
	(void)opt;
	(void)arg;
	cfg->show_help = true;
	return 0;
}

static const struct cli_option cli_options[] = {
	{"interface", 'i', "IFACE",
	 "capture live on IFACE (default: the default-route one); several: repeat or use commas; "
	 "any: all that are up",
	 opt_interface},
	{"read", 'r', "FILE", "analyse a pcap or pcapng file instead of capturing live", opt_read},
	{"count", 'c', "N", "stop after N packets", opt_count},
	{"duration", 'd', "SECONDS", "stop after SECONDS (live capture)", opt_duration},
	{"json", 0, NULL, "print the final snapshot as JSON on stdout at exit", opt_json},
	{"list-interfaces", 'D', NULL, "list the interfaces wirelens can capture on and exit",
	 opt_list},
	{"backend", 0, "auto|xdp|pcap",
	 "capture with XDP/TC, or libpcap; auto falls back to pcap when BPF is unavailable",
	 opt_backend},
	{"ingress", 0, "auto|xdp|tc",
	 "ingress hook; auto: XDP on physical NICs, TC on virtual devices (veth, bridge, ...)",
	 opt_ingress},
	{"xdp-mode", 0, "auto|native|generic",
	 "XDP attach mode (implies --ingress xdp); auto tries native, then generic", opt_xdp_mode},
	{"tc-attach", 0, "auto|tcx|clsact",
	 "TC programs as TCX links (auto: where the kernel has them) "
	 "or clsact filters",
	 opt_tc_attach},
	{"pin-path", 0, "DIR", "where the BPF maps are pinned (default " WL_PIN_ROOT ")",
	 opt_pin_path},
	{"flow-table-size", 0, "N",
	 "kernel IPv4 flow table capacity (default 65536; IPv6: a quarter); the least recently "
	 "used "
	 "flows are evicted",
	 opt_flow_table_size},
	{"top", 0, "N", "hosts, conversations and flows listed by --json (default 100)", opt_top},
	{"spike-factor", 0, "X",
	 "flag a second whose bytes exceed X times the trailing minute's mean (default 3)",
	 opt_spike_factor},
	{"filter-file", 'F', "FILE", "read the filter expression from FILE ('#' starts a comment)",
	 opt_filter_file},
	{"dump-filter", 0, NULL, "print the compiled filter program and exit", opt_dump_filter},
	{"sample", 0, "N", "keep 1 in N matching packets as packet records (default 1; 0: none)",
	 opt_sample},
	{"max-samples-per-sec", 0, "N",
	 "at most N packet records per second (default 1000; 0: no limit)", opt_max_samples},
	{"snaplen", 's', "BYTES",
	 "bytes of each sampled packet to keep (default 128, at most 2048)", opt_snaplen},
	{"packet-buffer", 0, "N", "recent packet records kept for exports (default 10000)",
	 opt_packet_buffer},
	{"write", 'w', "FILE", "write the sampled packets to FILE as pcap while capturing",
	 opt_write},
	{"file-size", 'C', "MB",
	 "with -w: start a new file after MB millions of bytes (FILE, "
	 "FILE1, FILE2, ...)",
	 opt_rotate_size},
	{"file-count", 'W', "N", "with -C: keep N files, reusing the oldest (FILE0..FILE<N-1>)",
	 opt_rotate_files},
	{"export-csv", 0, "FILE", "at exit, write the kept packet records to FILE as CSV",
	 opt_export_csv},
	{"export-json", 0, "FILE", "at exit, write the snapshot and the packet records as JSON",
	 opt_export_json},
	{"report", 0, "FILE",
	 "at exit, write a self-contained HTML report (charts and data) to FILE", opt_report},
	{"scan-ports", 0, "N",
	 "port scan: N distinct ports of one host from one source in the window (default 15)",
	 opt_scan_ports},
	{"scan-hosts", 0, "N",
	 "port scan: N distinct hosts on one port from one source in the window (default 25)",
	 opt_scan_hosts},
	{"scan-window", 0, "SECONDS", "the port-scan window (default 300)", opt_scan_window},
	{"synflood-rate", 0, "N",
	 "SYN flood: N half-open connections per second for 3 s (default 1000; 0: off)",
	 opt_synflood_rate},
	{"flight-recorder", 0, "DIR",
	 "write a pcap of the sampled packets around each new anomaly into DIR",
	 opt_flight_recorder},
	{"flight-recorder-span", 0, "SECONDS",
	 "record from SECONDS before an anomaly until SECONDS after it (default 30)",
	 opt_flight_span},
	{"flight-recorder-max", 0, "MB",
	 "keep the recordings under MB millions of bytes, deleting the oldest (default 100)",
	 opt_flight_max},
	{"listen", 0, "ADDR:PORT",
	 "serve the dashboard, API and /metrics there (default " WL_LISTEN_DEFAULT
	 "; with -r only when given)",
	 opt_listen},
	{"no-web", 0, NULL, "no web server", opt_no_web},
	{"auth-token-file", 0, "FILE",
	 "require the token in FILE for API calls (needed to listen beyond loopback)",
	 opt_token_file},
	{"tls-cert", 0, "FILE", "serve HTTPS with this PEM certificate (with --tls-key)",
	 opt_tls_cert},
	{"tls-key", 0, "FILE", "the PEM private key of --tls-cert", opt_tls_key},
	{"allow-host", 0, "NAME",
	 "also accept requests whose Host header is NAME (repeatable; DNS-rebinding guard)",
	 opt_allow_host},
	{"btf", 0, "FILE", "kernel BTF to use when the kernel has none in /sys/kernel/btf",
	 opt_btf},
	{"config", 0, "FILE",
	 "read settings from FILE first, the command line overrides them "
	 "(default " WL_CONFIG_DEFAULT " if it exists)",
	 opt_config},
	{"verbose", 'v', NULL, "more messages; -vv also shows libbpf's debug output", opt_verbose},
	{"version", 'V', NULL, "print the version and exit", opt_version},
	{"help", 'h', NULL, "print this help and exit", opt_help},
};

void cli_print_help(FILE *f)
{
	char left[64];

	fputs("Usage: wirelens [OPTION]... [FILTER EXPRESSION]\n"
	      "Count and classify network traffic in the kernel (XDP/TC) or with libpcap.\n"
	      "\n"
	      "Options:\n",
	      f);
	for (size_t i = 0; i < ARRAY_SIZE(cli_options); i++) {
		const struct cli_option *o = &cli_options[i];
		int n;

		if (o->short_name)
			n = snprintf(left, sizeof(left), "-%c, --%s", o->short_name, o->name);
		else
			n = snprintf(left, sizeof(left), "    --%s", o->name);
		if (o->arg && n > 0 && (size_t)n < sizeof(left))
			snprintf(left + n, sizeof(left) - n, " %s", o->arg);
		if (strlen(left) > 28)
			fprintf(f, "  %s\n  %-28s  %s\n", left, "", o->help);
		else
			fprintf(f, "  %-28s  %s\n", left, o->help);
	}
	fputs("\n"
	      "FILTER EXPRESSION selects the frames to count and sample, in pcap-filter syntax\n"
	      "(tcp, udp, icmp, icmp6, arp, ip, ip6, [src|dst] host ADDR, net ADDR/LEN, port N,\n"
	      "portrange A-B, and, or, not, parentheses) plus application names (dns, http,\n"
	      "tls, quic, ssh, ...). Frames are still seen and reported as \"N of M matched\".\n"
	      "\n"
	      "Without -i or -r, wirelens captures on the interface of the default route.\n"
	      "Exit status: 0 ok, 1 runtime failure, 2 usage error.\n",
	      f);
}

/* Join the trailing arguments (the filter expression) with single spaces. */
static int cli_join_filter(int argc, char **argv, int first, struct wl_config *cfg)
{
	size_t len = 0;
	char *s;

	if (first >= argc)
		return 0;
	for (int i = first; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = calloc(1, len + 1);
	if (!s)
		return -ENOMEM;
	for (int i = first; i < argc; i++) {
		if (i > first)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	cfg->filter = s;
	return 0;
}

/* The option of a getopt_long return value (short name, or 0x100 + table index). */
static const struct cli_option *cli_find(int c)
{
	for (size_t i = 0; i < ARRAY_SIZE(cli_options); i++) {
		if ((cli_options[i].short_name && c == cli_options[i].short_name) ||
		    c == 0x100 + (int)i)
			return &cli_options[i];
	}
	return NULL;
}

/* Options that are actions of one command rather than settings: refused in a file. */
static bool cli_is_action(const struct cli_option *o)
{
	return o->apply == opt_help || o->apply == opt_version || o->apply == opt_config ||
	       o->apply == opt_list || o->apply == opt_dump_filter;
}

int cli_set_option(struct wl_config *cfg, const char *name, const char *value, const char *where)
{
	const struct cli_option *o = NULL;
	int err;

	if (!strcmp(name, "filter")) {
		char *f = value[0] ? strdup(value) : NULL;
		const char *line = strrchr(where, ':');

		if (value[0] && !f)
			return -ENOMEM;
		free(cfg->filter);
		cfg->filter = f;
		/* WHERE is "FILE:LINE": the line, for errors found when the filter is compiled. */
		cfg->filter_line = line ? (unsigned int)strtoul(line + 1, NULL, 10) : 0;
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(cli_options) && !o; i++) {
		if (!strcmp(cli_options[i].name, name))
			o = &cli_options[i];
	}
	if (!o) {
		log_error("%s: unknown option '%s'%s (see wirelens --help)", where, name,
			  name[0] == '-' ? ": write the long option name without dashes" : "");
		return -EINVAL;
	}
	if (cli_is_action(o)) {
		log_error("%s: '%s' is an action of the command line, not a setting: remove it "
			  "from the file",
			  where, name);
		return -EINVAL;
	}
	cli_where = where;
	err = o->apply(cfg, name, value);
	cli_where = NULL;
	return err;
}

/*
 * The configuration file comes first and the command line overrides it, so a first getopt
 * pass only looks for --config (and for -h and -V, which read no file).
 */
static int cli_read_config(int argc, char **argv, struct wl_config *cfg, const char *shortopts,
			   const struct option *longopts)
{
	const char *path = NULL;
	int c, err;

	optind = 1;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		const struct cli_option *o = cli_find(c);

		if (o && (o->apply == opt_help || o->apply == opt_version))
			return 0;
		if (o && o->apply == opt_config) {
			err = opt_config(cfg, "--config", optarg);
			if (err)
				return err;
			path = optarg;
		}
	}
	err = config_load(cfg, path ?: WL_CONFIG_DEFAULT, path != NULL, cli_set_option);
	if (err)
		return err;
	if (cfg->filter && cfg->filter_file) {
		log_error("%s: both filter and filter-file are set: keep one",
			  path ?: WL_CONFIG_DEFAULT);
		return -EINVAL;
	}
	return 0;
}

/* Apply the options of argv to cfg. */
static int cli_getopt(int argc, char **argv, struct wl_config *cfg, const char *shortopts,
		      const struct option *longopts)
{
	int c, err;

	optind = 1;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		const struct cli_option *o;
		char optname[64];

		if (c == '?' || c == ':') {
			const char *bad = argv[optind - 1];

			if (optopt && optopt < 0x100)
				snprintf(optname, sizeof(optname), "-%c", optopt);
			else if (optopt >= 0x100)
				snprintf(optname, sizeof(optname), "--%s",
					 cli_options[optopt - 0x100].name);
			else
				snprintf(optname, sizeof(optname), "%s", bad);
			if (c == ':')
				log_error("option '%s' needs an argument (see wirelens --help)",
					  optname);
			else
				log_error("unrecognized option '%s' (see wirelens --help)",
					  optname);
			return -EINVAL;
		}
		o = cli_find(c);
		if (!o)
			return -EINVAL;
		if (o->short_name)
			snprintf(optname, sizeof(optname), "-%c/--%s", o->short_name, o->name);
		else
			snprintf(optname, sizeof(optname), "--%s", o->name);
		err = o->apply(cfg, optname, optarg);
		if (err)
			return err;
	}
	return cli_join_filter(argc, argv, optind, cfg);
}

/*
 * Settings that the command line replaces as a whole rather than adds to: what to capture
 * (-i or -r), the filter (expression or -F) and the --allow-host list. FILE holds what the
 * configuration file set; cfg what the command line set on top of an emptied copy.
 */
static void cli_merge_file(struct wl_config *cfg, const struct wl_config *file)
{
	if (!cfg->n_ifnames && !cfg->file) {
		memcpy(cfg->ifnames, file->ifnames, sizeof(cfg->ifnames));
		cfg->n_ifnames = file->n_ifnames;
		cfg->file = file->file;
	}
	if (!cfg->filter && !cfg->filter_file) {
		cfg->filter = file->filter;
		cfg->filter_file = file->filter_file;
		cfg->filter_line = file->filter_line;
	} else {
		free(file->filter);
	}
	if (!cfg->n_allow_hosts) {
		memcpy(cfg->allow_hosts, file->allow_hosts, sizeof(cfg->allow_hosts));
		cfg->n_allow_hosts = file->n_allow_hosts;
	}
}

int cli_parse(int argc, char **argv, struct wl_config *cfg)
{
	struct option longopts[ARRAY_SIZE(cli_options) + 1];
	char shortopts[2 * ARRAY_SIZE(cli_options) + 2];
	struct wl_config file;
	size_t ns = 0;
	int err;

	memset(longopts, 0, sizeof(longopts));
	shortopts[ns++] = ':'; /* report a missing argument as ':' */
	for (size_t i = 0; i < ARRAY_SIZE(cli_options); i++) {
		const struct cli_option *o = &cli_options[i];

		longopts[i].name = o->name;
		longopts[i].has_arg = o->arg ? required_argument : no_argument;
		longopts[i].val = o->short_name ? o->short_name : 0x100 + (int)i;
		if (o->short_name) {
			shortopts[ns++] = (char)o->short_name;
			if (o->arg)
				shortopts[ns++] = ':';
		}
	}
	shortopts[ns] = '\0';

	cfg->sample_every = WL_SAMPLE_EVERY_DEFAULT;
	cfg->max_samples_sec = WL_MAX_SAMPLES_DEFAULT;
	cfg->snaplen = WL_SNAPLEN_DEFAULT;
	cfg->packet_buffer = WL_PACKET_BUFFER_DEFAULT;
	opterr = 0;
	err = cli_read_config(argc, argv, cfg, shortopts, longopts);
	if (err)
		return err;
	file = *cfg;
	cfg->n_ifnames = 0;
	cfg->file = NULL;
	cfg->filter = NULL;
	cfg->filter_file = NULL;
	cfg->filter_line = 0;
	cfg->n_allow_hosts = 0;
	err = cli_getopt(argc, argv, cfg, shortopts, longopts);
	cli_merge_file(cfg, &file);
	if (err)
		return err;
	if (cfg->show_help || cfg->show_version)
		return 0;
	if (cfg->file && cfg->n_ifnames) {
		log_error("-i and -r cannot be combined: capture live or read a file");
		return -EINVAL;
	}
	if (cfg->file && cfg->duration > 0) {
		log_error("-d limits a live capture; a file (-r) is always read to its end (use -c "
			  "to stop after N packets)");
		return -EINVAL;
	}
	if (cfg->file && cfg->backend == WL_BACKEND_XDP) {
		log_error("--backend xdp captures live; -r FILE is always read with libpcap");
		return -EINVAL;
	}
	if (cfg->filter_file && cfg->filter) {
		log_error("a filter was given both with -F and on the command line ('%s'): use one",
			  cfg->filter);
		return -EINVAL;
	}
	if ((cfg->rotate_mb || cfg->rotate_files) && !cfg->write_file) {
		log_error("-C and -W rotate the files of -w FILE: add -w");
		return -EINVAL;
	}
	if (cfg->rotate_files && !cfg->rotate_mb) {
		log_error("-W N keeps N files of -C MB each: add -C");
		return -EINVAL;
	}
	if (cfg->backend == WL_BACKEND_PCAP && cfg->xdp_mode != WL_XDP_MODE_AUTO) {
		log_error("--xdp-mode applies to the XDP backend, not --backend pcap");
		return -EINVAL;
	}
	if (cfg->backend == WL_BACKEND_PCAP &&
	    (cfg->ingress != WL_INGRESS_AUTO || cfg->tc_attach != WL_TC_ATTACH_AUTO)) {
		log_error("--ingress and --tc-attach apply to the XDP/TC backend, not --backend "
			  "pcap");
		return -EINVAL;
	}
	if (cfg->ingress == WL_INGRESS_TC && cfg->xdp_mode != WL_XDP_MODE_AUTO) {
		log_error("--xdp-mode %s needs the XDP ingress hook, not --ingress tc",
			  config_xdp_mode_name(cfg->xdp_mode));
		return -EINVAL;
	}
	if (cfg->xdp_mode != WL_XDP_MODE_AUTO)
		cfg->ingress = WL_INGRESS_XDP;
	if (cfg->no_web && (cfg->listen || cfg->token_file || cfg->tls_cert || cfg->tls_key ||
			    cfg->n_allow_hosts)) {
		log_error("--no-web turns the web server off: drop it, or drop --listen, "
			  "--auth-token-file, --tls-cert, --tls-key and --allow-host");
		return -EINVAL;
	}
	if (!cfg->tls_cert != !cfg->tls_key) {
		log_error("HTTPS needs both --tls-cert FILE and --tls-key FILE");
		return -EINVAL;
	}
	if (cfg->file && !cfg->listen && (cfg->token_file || cfg->tls_cert || cfg->n_allow_hosts)) {
		log_error("with -r the web server runs only when --listen ADDR:PORT is given: add "
			  "it");
		return -EINVAL;
	}
	return 0;
}

void cli_config_free(struct wl_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->filter);
	cfg->filter = NULL;
	free(cfg->config_text);
	cfg->config_text = NULL;
}

const char *config_backend_name(enum wl_backend b)
{
	switch (b) {
	case WL_BACKEND_XDP:
		return "xdp";
	case WL_BACKEND_PCAP:
		return "pcap";
	default:
		return "auto";
	}
}

const char *config_ingress_name(enum wl_ingress i)
{
	switch (i) {
	case WL_INGRESS_XDP:
		return "xdp";
	case WL_INGRESS_TC:
		return "tc";
	default:
		return "auto";
	}
}

const char *config_tc_attach_name(enum wl_tc_attach t)
{
	switch (t) {
	case WL_TC_ATTACH_TCX:
		return "tcx";
	case WL_TC_ATTACH_CLSACT:
		return "clsact";
	default:
		return "auto";
	}
}

const char *config_xdp_mode_name(enum wl_xdp_mode m)
{
	switch (m) {
	case WL_XDP_MODE_NATIVE:
		return "native";
	case WL_XDP_MODE_GENERIC:
		return "generic";
	default:
		return "auto";
	}
}
