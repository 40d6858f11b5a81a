// SPDX-License-Identifier: MIT
/*
 * The libpcap backend. Live: two handles on the interface, one per direction
 * (pcap_setdirection), polled together. Files: pcap and pcapng through libpcap, with the link
 * types below mapped onto the shared parser. Bytes are the original frame length (frame.len).
 */
#include "pcap_source.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/stat.h>

#include <pcap/pcap.h>

#include "log.h"
#include "parse.h"
#include "flow.h"
#include "filter.h"
#include "analysis.h"
#include "packets.h"
#include "talkers.h"
#include "timeseries.h"
#include "util.h"

/* Link types that libpcap may not define on every platform. */
#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

#define PCAP_SOURCE_SNAPLEN 65535
#define PCAP_SOURCE_BUFSIZE (16 << 20)

struct pcap_handle {
	pcap_t *p;
	enum wl_dir dir;
	int fd;
};

struct pcap_source {
	struct pcap_handle h[2];
	int nh;
	bool live;
	char ifname[IF_NAMESIZE];
	char path[4096];
	int linktype;
	uint64_t file_size;
	bool pcapng;
	volatile sig_atomic_t stop;
	/* Per-run state used by the packet callback. */
	struct wl_snapshot *snap;
	enum wl_dir cur_dir;
	uint64_t limit;
	uint64_t counted; /* packets counted by this source */
	uint64_t caplen_over_len;
	/*
	 * Classic pcap: file offset after the previous record, to spot records whose caplen
	 * exceeded the file's snapshot length (libpcap silently cuts them to the snaplen).
	 */
	uint64_t rec_end;
	int snapshot;
	uint64_t caplen_over_snaplen;
	/* Offline peak rates: packets and bytes in the current second of capture time. */
	uint64_t sec, sec_packets, sec_bytes;
	struct wl_filter_prog filter;
	struct sampler sampler;
	__u32 snaplen;
	__u32 ifindex;
	pthread_mutex_t *lock; /* held while frames are counted; NULL: none */
};

static int pcap_source_alloc(struct pcap_source **out)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	return 0;
}

static int pcap_open_live_dir(const char *ifname, pcap_direction_t pdir, struct pcap_handle *h)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	int ret;

	h->p = pcap_create(ifname, errbuf);
	if (!h->p) {
		log_error("cannot capture on '%s': %s", ifname, errbuf);
		return -ENODEV;
	}
	pcap_set_snaplen(h->p, PCAP_SOURCE_SNAPLEN);
	pcap_set_promisc(h->p, 0);
	pcap_set_timeout(h->p, 50);
	pcap_set_buffer_size(h->p, PCAP_SOURCE_BUFSIZE);
	ret = pcap_activate(h->p);
	if (ret < 0) {
		const char *msg = pcap_geterr(h->p);

		switch (ret) {
		case PCAP_ERROR_PERM_DENIED:
			log_error("no permission to capture on '%s' (run as root or grant "
				  "CAP_NET_RAW,CAP_NET_ADMIN)",
				  ifname);
			return -EPERM;
		case PCAP_ERROR_NO_SUCH_DEVICE:
			log_error("no such interface '%s' (list them with wirelens -D)", ifname);
			return -ENODEV;
		case PCAP_ERROR_IFACE_NOT_UP:
			log_error("interface '%s' is down (bring it up with 'ip link set dev %s "
				  "up')",
				  ifname, ifname);
			return -ENETDOWN;
		default:
			log_error("cannot capture on '%s': %s", ifname, msg);
			return -EIO;
		}
	}
	if (ret > 0)
		log_warn("capture on '%s': %s", ifname, pcap_statustostr(ret));
	if (pcap_setdirection(h->p, pdir)) {
		log_error("cannot select the capture direction on '%s': %s", ifname,
			  pcap_geterr(h->p));
		return -EIO;
	}
	if (pcap_setnonblock(h->p, 1, errbuf)) {
		log_error("cannot make the capture on '%s' non-blocking: %s", ifname, errbuf);
		return -EIO;
	}
	h->fd = pcap_get_selectable_fd(h->p);
	if (h->fd < 0) {
		log_error("capture on '%s' has no pollable descriptor", ifname);
		return -EIO;
	}
	return 0;
}

int pcap_source_open_live(const char *ifname, struct pcap_source **out)
{
	struct pcap_source *ps;
	int err;

	err = pcap_source_alloc(&ps);
	if (err)
		return err;
	ps->live = true;
	snprintf(ps->ifname, sizeof(ps->ifname), "%s", ifname);
	ps->ifindex = if_nametoindex(ifname);
	ps->h[0].dir = WL_DIR_IN;
	ps->h[1].dir = WL_DIR_OUT;
	ps->nh = 2;
	err = pcap_open_live_dir(ifname, PCAP_D_IN, &ps->h[0]);
	if (!err)
		err = pcap_open_live_dir(ifname, PCAP_D_OUT, &ps->h[1]);
	if (!err) {
		ps->linktype = pcap_datalink(ps->h[0].p);
		if (ps->linktype != DLT_EN10MB && ps->linktype != DLT_RAW &&
		    ps->linktype != DLT_LINUX_SLL && ps->linktype != DLT_NULL) {
			log_error("interface '%s' has link type %s, which wirelens does not "
				  "decode",
				  ifname, pcap_datalink_val_to_name(ps->linktype));
			err = -EPROTONOSUPPORT;
		}
	}
	if (err) {
		pcap_source_close(ps);
		return err;
	}
	*out = ps;
	return 0;
}

static bool pcap_linktype_supported(int lt)
{
	switch (lt) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
	case DLT_NULL:
	case DLT_LOOP:
		return true;
	default:
		return false;
	}
}

int pcap_source_open_file(const char *path, struct pcap_source **out)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct pcap_source *ps;
	struct stat st;
	int err;

	if (stat(path, &st)) {
		err = -errno;
		log_error("cannot read '%s': %s", path, strerror(-err));
		return err;
	}
	if (S_ISDIR(st.st_mode)) {
		log_error("cannot read '%s': it is a directory, not a pcap file", path);
		return -EISDIR;
	}
	if (S_ISREG(st.st_mode) && st.st_size == 0) {
		log_error("cannot read '%s': the file is empty (expected a pcap or pcapng capture "
			  "file)",
			  path);
		return -EINVAL;
	}
	err = pcap_source_alloc(&ps);
	if (err)
		return err;
	snprintf(ps->path, sizeof(ps->path), "%s", path);
	ps->file_size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
	ps->h[0].dir = WL_DIR_NONE;
	ps->nh = 1;
	ps->h[0].p =
		pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!ps->h[0].p) {
		log_error("cannot read '%s': %s (expected a pcap or pcapng capture file)", path,
			  errbuf);
		pcap_source_close(ps);
		return -EINVAL;
	}
	ps->linktype = pcap_datalink(ps->h[0].p);
	ps->snapshot = pcap_snapshot(ps->h[0].p);
	ps->rec_end = 24; /* classic pcap file header */
	if (!pcap_linktype_supported(ps->linktype)) {
		const char *name = pcap_datalink_val_to_name(ps->linktype);

		log_error("cannot read '%s': link type %s (%d) is not supported (wirelens decodes "
			  "Ethernet, Linux cooked capture, raw IP and BSD loopback)",
			  path, name ? name : "unknown", ps->linktype);
		pcap_source_close(ps);
		return -EPROTONOSUPPORT;
	}
	/* libpcap hides the format; the first four bytes tell: pcapng starts with 0x0a0d0d0a. */
	{
		FILE *f = fopen(path, "rb");
		unsigned char magic[4] = {0};

		if (f) {
			if (fread(magic, 1, 4, f) == 4)
				ps->pcapng = magic[0] == 0x0a && magic[1] == 0x0d &&
					     magic[2] == 0x0d && magic[3] == 0x0a;
			fclose(f);
		}
	}
	*out = ps;
	return 0;
}

/*
 * Parse a frame of the given link type into pkt. Returns the length of the link-layer
 * header: the parser's offsets count from there.
 */
static __u32 pcap_classify(int linktype, const __u8 *data, __u32 caplen, struct wl_pkt *pkt)
{
	const __u8 *end = data + caplen;

	switch (linktype) {
	case DLT_EN10MB:
		wl_parse_frame(data, end, pkt);
		return 0;
	case DLT_LINUX_SLL: /* 16-byte header, protocol in the last two bytes */
		if (caplen < 16)
			break;
		wl_parse_raw(data + 16, end, wl_get16(data + 14), pkt);
		return 16;
	case DLT_LINUX_SLL2: /* 20-byte header, protocol in the first two bytes */
		if (caplen < 20)
			break;
		wl_parse_raw(data + 20, end, wl_get16(data), pkt);
		return 20;
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		if (caplen < 1)
			break;
		wl_parse_raw(data, end, wl_link_raw_ethertype(data), pkt);
		return 0;
	case DLT_NULL:
	case DLT_LOOP:
		if (caplen < 4)
			break;
		wl_parse_raw(data + 4, end, wl_link_null_ethertype(linktype, data), pkt);
		return 4;
	}
	wl_pkt_init(pkt);
	pkt->flags |= WL_PF_TRUNCATED;
	return 0;
}

/* One frame is one flow delta: the pcap path feeds the talkers exactly, frame by frame. */
static void pcap_source_flow(struct wl_snapshot *snap, const struct wl_pkt *pkt, enum wl_dir dir,
			     uint64_t len, uint64_t ts, const __u8 *frame, __u32 caplen)
{
	struct wl_counter one = {.packets = 1, .bytes = len};
	struct flow_delta d;
	struct wl_flow_key k;
	int from_b;

	if (!wl_flow_key_of(pkt, &k, &from_b))
		return;
	memset(&d, 0, sizeof(d));
	if (from_b) {
		d.ba = one;
		d.tcp_flags_ba = pkt->l4 == WL_L4_TCP ? pkt->tcp_flags : 0;
		d.flags = WL_FLOW_F_B_FIRST;
	} else {
		d.ab = one;
		d.tcp_flags_ab = pkt->l4 == WL_L4_TCP ? pkt->tcp_flags : 0;
	}
	if (dir == WL_DIR_IN)
		d.in = one;
	else if (dir == WL_DIR_OUT)
		d.out = one;
	d.first_ns = d.last_ns = ts;
	d.app = pkt->app;
	/* The connection analysis the kernel does for the XDP backend (bpf/conn.h). */
	if (snap->an && pkt->l4_off && pkt->l4_off < caplen)
		analysis_frame(snap->an, &k, from_b, pkt, frame + pkt->l4_off, caplen - pkt->l4_off,
			       dir, ts, &d);
	talkers_account(snap->talkers, &k, &d);
}

/* Fold the finished second of capture time into the peak rates. */
static void pcap_source_close_second(struct pcap_source *ps)
{
	struct wl_rates *r = &ps->snap->rates;

	if ((double)ps->sec_packets > r->peak_pps)
		r->peak_pps = (double)ps->sec_packets;
	if ((double)ps->sec_bytes * 8 > r->peak_bps)
		r->peak_bps = (double)ps->sec_bytes * 8;
	ps->sec_packets = 0;
	ps->sec_bytes = 0;
}

/* Classic pcap files: records whose caplen exceeded the file's snapshot length. */
static void pcap_source_file_checks(struct pcap_source *ps, const struct pcap_pkthdr *hdr)
{
	if (hdr->caplen > hdr->len)
		ps->caplen_over_len++;
	if (ps->live || ps->pcapng)
		return;
	if ((int)hdr->caplen == ps->snapshot && hdr->len > hdr->caplen) {
		FILE *f = pcap_file(ps->h[0].p);
		long end = f ? ftell(f) : -1;

		if (end > 0 && (uint64_t)end - ps->rec_end - 16 > hdr->caplen)
			ps->caplen_over_snaplen++;
		ps->rec_end = end > 0 ? (uint64_t)end : ps->rec_end + 16 + hdr->caplen;
	} else {
		ps->rec_end += 16 + hdr->caplen;
	}
}

static void pcap_source_packet(u_char *user, const struct pcap_pkthdr *hdr, const u_char *data)
{
	struct pcap_source *ps = (struct pcap_source *)user;
	struct wl_snapshot *snap = ps->snap;
	struct wl_stats *st = &snap->dir[ps->cur_dir];
	struct wl_pkt pkt;
	uint64_t ts;
	__u32 link;

	link = pcap_classify(ps->linktype, data, hdr->caplen, &pkt);
	/* Live handles use microseconds, files were opened with nanosecond precision. */
	ts = (uint64_t)hdr->ts.tv_sec * 1000000000ull +
	     (uint64_t)hdr->ts.tv_usec * (ps->live ? 1000u : 1u);
	st->seen.packets++;
	st->seen.bytes += hdr->len;
	pcap_source_file_checks(ps, hdr);
	if (!ps->live) {
		if (!snap->first_ts_ns || ts < snap->first_ts_ns)
			snap->first_ts_ns = ts;
		if (ts > snap->last_ts_ns)
			snap->last_ts_ns = ts;
	}
	if (ps->filter.len) {
		struct wl_filter_env env = {.caplen = hdr->caplen, .app = pkt.app};

		if (!wl_filter_run(&ps->filter, data, &env))
			return;
	}
	wl_stats_add(st, &pkt, hdr->len);
	if (snap->talkers)
		pcap_source_flow(snap, &pkt, ps->cur_dir, hdr->len, ts, data + link,
				 hdr->caplen - link);
	if (snap->an)
		analysis_tick(snap->an, ts);
	if (snap->ts)
		timeseries_add(snap->ts, ts / 1000000000ull, pkt.l4, pkt.app, 1, hdr->len);
	if (snap->packets && sampler_admit(&ps->sampler, ts)) {
		struct wl_sample rec = {0};
		__u32 n = hdr->caplen, want = ps->snaplen;

		wl_sample_classify(&rec, &pkt);
		if (want < WL_DECODE_LEN &&
		    (pkt.app == WL_APP_DNS || pkt.app == WL_APP_MDNS || pkt.app == WL_APP_LLMNR ||
		     pkt.app == WL_APP_HTTP || pkt.app == WL_APP_TLS))
			want = WL_DECODE_LEN;
		rec.ts_ns = ts;
		rec.ifindex = ps->ifindex;
		rec.len = hdr->len;
		rec.caplen = (__u16)(n < want ? n : want);
		rec.snaplen = (__u16)ps->snaplen;
		rec.dir = (__u8)ps->cur_dir;
		packets_add(snap->packets, &rec, data, ts,
			    pkt.payload_off ? link + pkt.payload_off : PACKETS_NO_PAYLOAD);
		snap->samples.taken = snap->samples.received = ps->sampler.taken;
		snap->samples.limited = ps->sampler.limited;
	} else if (snap->packets) {
		snap->samples.limited = ps->sampler.limited;
	}
	ps->counted++;
	if (!ps->live) {
		if (ts / 1000000000ull != ps->sec) {
			pcap_source_close_second(ps);
			ps->sec = ts / 1000000000ull;
		}
		ps->sec_packets++;
		ps->sec_bytes += hdr->len;
	}
	if (ps->limit && ps->counted >= ps->limit)
		pcap_breakloop(ps->h[ps->cur_dir == WL_DIR_OUT ? 1 : 0].p);
}

/* Read up to 4096 packets, then return so that the caller can draw progress. */
static int pcap_source_run_file(struct pcap_source *ps)
{
	pcap_t *p = ps->h[0].p;
	int n, ret = 0;

	ps->cur_dir = WL_DIR_NONE;
	if (ps->stop)
		return PCAP_SOURCE_STOPPED;
	n = pcap_dispatch(p, 4096, pcap_source_packet, (u_char *)ps);
	if (n == PCAP_ERROR_BREAK) {
		ret = ps->limit && ps->counted >= ps->limit ? PCAP_SOURCE_LIMIT
							    : PCAP_SOURCE_STOPPED;
	} else if (n < 0) {
		log_error("cannot read '%s' after %" PRIu64 " packets: %s (the file is damaged "
			  "or cut short; counts cover the packets before it)",
			  ps->path, ps->counted, pcap_geterr(p));
		ret = -EIO;
	} else if (n == 0) {
		ret = PCAP_SOURCE_EOF;
	} else if (ps->limit && ps->counted >= ps->limit) {
		ret = PCAP_SOURCE_LIMIT;
	}
	if (ret)
		pcap_source_close_second(ps);
	return ret;
}

static int pcap_source_dispatch(struct pcap_source *ps, const struct pollfd *pfd);

static int pcap_source_run_live(struct pcap_source *ps, int timeout_ms)
{
	struct pollfd pfd[2];
	int ret;

	for (int i = 0; i < ps->nh; i++) {
		pfd[i].fd = ps->h[i].fd;
		pfd[i].events = POLLIN;
		pfd[i].revents = 0;
	}
	if (ps->stop)
		return PCAP_SOURCE_STOPPED;
	ret = poll(pfd, ps->nh, timeout_ms);
	if (ret < 0) {
		if (errno == EINTR)
			return ps->stop ? PCAP_SOURCE_STOPPED : 0;
		ret = -errno;
		log_error("cannot poll the capture on '%s': %s", ps->ifname, strerror(-ret));
		return ret;
	}
	/* Read both handles even without POLLIN: TPACKET_V3 blocks may be ready on timeout. */
	if (ps->lock)
		pthread_mutex_lock(ps->lock);
	ret = pcap_source_dispatch(ps, pfd);
	if (ps->lock)
		pthread_mutex_unlock(ps->lock);
	return ret;
}

static int pcap_source_dispatch(struct pcap_source *ps, const struct pollfd *pfd)
{
	for (int i = 0; i < ps->nh; i++) {
		int n;

		ps->cur_dir = ps->h[i].dir;
		n = pcap_dispatch(ps->h[i].p, -1, pcap_source_packet, (u_char *)ps);
		if (n == PCAP_ERROR_BREAK) {
			if (ps->limit && ps->counted >= ps->limit)
				return PCAP_SOURCE_LIMIT;
			return PCAP_SOURCE_STOPPED;
		}
		if (n < 0) {
			/* Gone: the caller says so (and waits for it to come back). */
			if (!if_nametoindex(ps->ifname))
				return -ENODEV;
			if (n == PCAP_ERROR_IFACE_NOT_UP)
				return -ENETDOWN; /* the caller says so */
			log_error("capture on '%s' failed: %s", ps->ifname,
				  pcap_geterr(ps->h[i].p));
			return -EIO;
		}
		if (pfd[i].revents & (POLLERR | POLLHUP | POLLNVAL))
			return -ENODEV;
	}
	return ps->stop ? PCAP_SOURCE_STOPPED : 0;
}

int pcap_source_fds(const struct pcap_source *ps, int fds[2])
{
	int n = 0;

	for (int i = 0; ps->live && i < ps->nh; i++)
		fds[n++] = ps->h[i].fd;
	return n;
}

int pcap_source_run(struct pcap_source *ps, struct wl_snapshot *snap, uint64_t limit,
		    int timeout_ms)
{
	ps->snap = snap;
	ps->limit = limit;
	if (ps->live)
		return pcap_source_run_live(ps, timeout_ms);
	return pcap_source_run_file(ps);
}

void pcap_source_drops(struct pcap_source *ps, struct wl_snapshot *snap)
{
	struct wl_drops d = {0};

	if (!ps->live)
		return;
	for (int i = 0; i < ps->nh; i++) {
		struct pcap_stat st;

		if (pcap_stats(ps->h[i].p, &st))
			continue;
		d.pcap_received += st.ps_recv;
		d.pcap_kernel += st.ps_drop;
		d.pcap_ifdrop += st.ps_ifdrop;
	}
	snap->drops = d;
}

void pcap_source_set_filter(struct pcap_source *ps, const struct wl_filter_prog *prog)
{
	if (prog)
		ps->filter = *prog;
	else
		memset(&ps->filter, 0, sizeof(ps->filter));
}

void pcap_source_set_sampling(struct pcap_source *ps, uint32_t every, uint32_t max_per_sec,
			      uint32_t snaplen)
{
	ps->sampler.every = every;
	ps->sampler.cap = max_per_sec;
	ps->snaplen = snaplen;
}

int pcap_source_linktype(const struct pcap_source *ps)
{
	return ps->linktype;
}

void pcap_source_describe(const struct pcap_source *ps, struct wl_source *src)
{
	const char *lt = pcap_datalink_val_to_name(ps->linktype);

	src->backend = "pcap";
	src->linktype = lt ? lt : "unknown";
	if (ps->live) {
		snprintf(src->ifname, sizeof(src->ifname), "%s", ps->ifname);
	} else {
		src->kind = WL_SOURCE_FILE;
		snprintf(src->file, sizeof(src->file), "%s", ps->path);
		src->file_format = ps->pcapng ? "pcapng" : "pcap";
	}
}

void pcap_source_progress(const struct pcap_source *ps, uint64_t *pos, uint64_t *size)
{
	FILE *f;
	long off;

	*pos = 0;
	*size = ps->file_size;
	if (ps->live || !ps->h[0].p)
		return;
	f = pcap_file(ps->h[0].p);
	off = f ? ftell(f) : -1;
	if (off > 0)
		*pos = (uint64_t)off;
}

void pcap_source_break(struct pcap_source *ps)
{
	if (!ps)
		return;
	ps->stop = 1;
	for (int i = 0; i < ps->nh; i++)
		if (ps->h[i].p)
			pcap_breakloop(ps->h[i].p);
}

void pcap_source_close(struct pcap_source *ps)
{
	if (!ps)
		return;
	if (ps->caplen_over_len)
		log_warn("'%s': %" PRIu64 " records claim more captured bytes than the frame had; "
			 "counted with their original length",
			 ps->path, ps->caplen_over_len);
	if (ps->caplen_over_snaplen)
		log_warn("'%s': %" PRIu64 " records are longer than the file's snapshot length "
			 "(%d bytes) and were cut to it; they are counted with their original "
			 "length",
			 ps->path, ps->caplen_over_snaplen, ps->snapshot);
	for (int i = 0; i < 2; i++)
		if (ps->h[i].p)
			pcap_close(ps->h[i].p);
	free(ps);
}

void pcap_source_set_lock(struct pcap_source *ps, pthread_mutex_t *lock)
{
	ps->lock = lock;
}
