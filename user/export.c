// SPDX-License-Identifier: MIT
/* Exports at exit: packet records as CSV, snapshot plus records as JSON; written atomically. */
#include "export.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <pcap/pcap.h>

#include "json.h"
#include "log.h"
#include "names.h"
#include "packets.h"

int export_atomic(const char *path, int (*write)(FILE *f, const void *ctx), const void *ctx)
{
	size_t n = strlen(path) + 16;
	char *tmp = malloc(n);
	FILE *f = NULL;
	int fd, err = 0;

	if (!tmp)
		return -ENOMEM;
	snprintf(tmp, n, "%s.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		err = -errno;
		log_error("cannot write '%s': %s", path, strerror(-err));
		free(tmp);
		return err;
	}
	f = fdopen(fd, "w");
	if (!f) {
		err = -errno;
		close(fd);
		goto fail;
	}
	err = write(f, ctx);
	if (!err && (fflush(f) || ferror(f) || fsync(fd)))
		err = -(errno ? errno : EIO);
	if (fclose(f) && !err)
		err = -(errno ? errno : EIO);
	f = NULL;
	/* mkstemp makes the file 0600; an export is as readable as any file the user writes. */
	if (!err) {
		mode_t mask = umask(0);

		umask(mask);
		chmod(tmp, 0666 & ~mask);
	}
	if (!err && rename(tmp, path))
		err = -errno;
	if (!err) {
		free(tmp);
		return 0;
	}
fail:
	log_error("cannot write '%s': %s (nothing was written)", path, strerror(-err));
	unlink(tmp);
	free(tmp);
	return err;
}

/* One CSV field: quoted when it holds a comma, quote or line break (RFC 4180). */
static void csv_field(FILE *f, const char *s, bool last)
{
	if (strpbrk(s, ",\"\r\n")) {
		fputc('"', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else {
		fputs(s, f);
	}
	fputs(last ? "\r\n" : ",", f);
}

static const char *const csv_columns[] = {
	"seq",	"time", "dir",	"ifindex",   "len",	    "caplen",	   "l3",	"l4",
	"app",	"src",	"dst",	"sport",     "dport",	    "ip_proto",	   "tcp_flags", "icmp_type",
	"vlan", "info", "name", "dns_qtype", "http_method", "http_status",
};

int export_csv(FILE *f, const void *ctx)
{
	const struct packets *p = ctx;
	size_t ncol = sizeof(csv_columns) / sizeof(csv_columns[0]);

	for (size_t i = 0; i < ncol; i++)
		csv_field(f, csv_columns[i], i == ncol - 1);
	for (size_t i = 0; i < p->count; i++) {
		const struct wl_record *r = packets_get(p, i);
		const struct wl_decoded *d = &r->dec;
		char num[32], time[48], src[INET6_ADDRSTRLEN] = "", dst[INET6_ADDRSTRLEN] = "";
		char flags[12] = "", name[4 * WL_DEC_NAME_MAX + 8] = "";
		bool ports = (r->l4 == WL_L4_TCP || r->l4 == WL_L4_UDP) && (r->sport || r->dport);
		const char *qtype;

		snprintf(num, sizeof(num), "%llu", (unsigned long long)r->seq);
		csv_field(f, num, false);
		json_time_ns(r->ts_ns, time, sizeof(time));
		csv_field(f, time, false);
		csv_field(f, wl_dir_names[r->dir < WL_DIR_MAX ? r->dir : WL_DIR_NONE], false);
		fprintf(f, "%u,%u,%u,", r->ifindex, r->len, r->caplen);
		csv_field(f, wl_l3_names[r->l3 % WL_L3_MAX], false);
		csv_field(f, wl_l4_names[r->l4 % WL_L4_MAX], false);
		csv_field(f, wl_app_names[r->app % WL_APP_MAX], false);
		if (r->family) {
			inet_ntop(r->family == 4 ? AF_INET : AF_INET6, r->saddr, src, sizeof(src));
			inet_ntop(r->family == 4 ? AF_INET : AF_INET6, r->daddr, dst, sizeof(dst));
		}
		csv_field(f, src, false);
		csv_field(f, dst, false);
		if (ports)
			fprintf(f, "%u,%u,", r->sport, r->dport);
		else
			fputs(",,", f);
		if (r->family)
			fprintf(f, "%u,", r->ip_proto);
		else
			fputs(",", f);
		if (r->l4 == WL_L4_TCP)
			wl_tcp_flags_text(r->tcp_flags, flags);
		csv_field(f, flags, false);
		if (r->l4 == WL_L4_ICMP || r->l4 == WL_L4_ICMPV6)
			fprintf(f, "%u,", r->icmp_type);
		else
			fputs(",", f);
		if (r->vlan_id)
			fprintf(f, "%u,", r->vlan_id);
		else
			fputs(",", f);
		csv_field(f, d->kind ? wl_dec_kind_names[d->kind] : "", false);
		if (d->kind == WL_DEC_DNS_QUERY || d->kind == WL_DEC_DNS_RESPONSE ||
		    d->kind == WL_DEC_TLS_HELLO || d->kind == WL_DEC_HTTP_REQUEST)
			wl_escape_bytes(d->name, d->name_len, name, sizeof(name));
		csv_field(f, name, false);
		qtype = NULL;
		num[0] = 0;
		if (d->kind == WL_DEC_DNS_QUERY || d->kind == WL_DEC_DNS_RESPONSE) {
			qtype = wl_dns_type_name(d->qtype);
			if (!qtype)
				snprintf(num, sizeof(num), "%u", d->qtype);
		}
		csv_field(f, qtype ? qtype : num, false);
		csv_field(f, d->kind == WL_DEC_HTTP_REQUEST ? d->method : "", false);
		if (d->kind == WL_DEC_HTTP_RESPONSE)
			fprintf(f, "%u\r\n", d->status);
		else
			fputs("\r\n", f);
		if (ferror(f))
			return -(errno ? errno : EIO);
	}
	return 0;
}

int export_json(FILE *f, const void *ctx)
{
	const struct wl_snapshot *snap = ctx;
	cJSON *root = json_snapshot(snap), *arr;
	char *text;

	if (!root)
		return -ENOMEM;
	arr = snap->packets ? json_records(snap->packets, snap->packets->count)
			    : cJSON_CreateArray();
	if (!arr) {
		cJSON_Delete(root);
		return -ENOMEM;
	}
	cJSON_AddItemToObject(root, "packets", arr);
	text = cJSON_Print(root);
	cJSON_Delete(root);
	if (!text)
		return -ENOMEM;
	fputs(text, f);
	fputc('\n', f);
	free(text);
	return ferror(f) ? -(errno ? errno : EIO) : 0;
}

int export_pcap_mem(const struct packets *p, char **buf, size_t *len)
{
	pcap_t *dead;
	pcap_dumper_t *d;
	FILE *f;

	*buf = NULL;
	*len = 0;
	dead = pcap_open_dead_with_tstamp_precision(
		p->linktype, (int)(p->snaplen ? p->snaplen : 65535), PCAP_TSTAMP_PRECISION_NANO);
	if (!dead)
		return -ENOMEM;
	f = open_memstream(buf, len);
	if (!f) {
		pcap_close(dead);
		return -errno;
	}
	d = pcap_dump_fopen(dead, f);
	if (!d) {
		fclose(f);
		pcap_close(dead);
		free(*buf);
		*buf = NULL;
		return -ENOMEM;
	}
	for (size_t i = 0; i < p->count; i++) {
		const struct wl_record *r = packets_get(p, i);
		struct pcap_pkthdr h = {
			.ts = {.tv_sec = (time_t)(r->ts_ns / 1000000000ull),
			       .tv_usec = (suseconds_t)(r->ts_ns % 1000000000ull)},
			.caplen = r->caplen,
			.len = r->len,
		};

		pcap_dump((u_char *)d, &h, r->data);
	}
	/* Closes the memory stream too, which sets *buf and *len. */
	pcap_dump_close(d);
	pcap_close(dead);
	return *buf ? 0 : -ENOMEM;
}
