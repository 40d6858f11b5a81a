// SPDX-License-Identifier: MIT
/*
 * delayline: a transparent delay line and lossy link between two Ethernet interfaces, for tests
 * that need a known RTT and a known number of dropped (hence retransmitted) TCP segments.
 *
 *   delayline --a IFACE --b IFACE [--delay-ab MS] [--delay-ba MS] [--drop-every K]
 *             [--drop-dir ab|ba|both] [--duration SECONDS] [--ready FILE]
 *
 * Frames are read from AF_PACKET sockets bound to each interface (promiscuous), queued FIFO per
 * direction with their arrival time and sent out the other interface once the delay has passed.
 * Prints one JSON line of counters on exit. Exit status: 0 ok, 1 runtime failure, 2 bad arguments.
 */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#define QUEUE_CAP 65536u /* frames queued per direction; a power of two (ring index mask) */
#define FRAME_MAX 65535u /* largest frame forwarded, VLAN tag included */
#define VLAN_HLEN 4
#define DRAIN_MAX 1024 /* frames read per socket per wakeup before due frames are sent */
#define RCVBUF	  (8 << 20)
#define NSEC	  1000000000LL
/*
 * ppoll() can wake up tens of microseconds late even with a timer slack of 1 ns (on a test VM:
 * median 50 us, p99 ~200 us, which put ping RTTs 0.12 ms above the delay). So the loop sleeps
 * until SPIN before the next frame is due and busy-polls (ppoll with a zero timeout, which still
 * reads new frames) for the rest. SPIN follows the lateness measured at run time, within bounds.
 */
#define SPIN_MIN_NS  10000LL
#define SPIN_MAX_NS  190000LL
#define SPIN_INIT_NS 100000LL
#define DELAY_MAX_MS 3600000.0

#define TCPF_SYN     0x02
#define TCPF_RST     0x04

struct slot {
	int64_t due; /* CLOCK_MONOTONIC ns */
	uint32_t len;
	unsigned char *data;
};

struct dir_stats {
	uint64_t forwarded, dropped, overflow, send_errors;
};

/* One direction of the link: frames read on in_fd are sent on out_fd. */
struct dir {
	const char *name, *in_name, *out_name;
	int in_fd, out_fd;
	int64_t delay_ns;
	uint64_t drop_every; /* 0: no drops in this direction */
	uint64_t eligible;   /* TCP data frames seen, the count --drop-every runs on */
	struct slot *ring;
	uint32_t head, count;
	bool blocked; /* out_fd said EAGAIN: wait for POLLOUT */
	struct dir_stats st;
};

static volatile sig_atomic_t stop;
static bool warned_size, warned_csum, warned_send;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

__attribute__((format(printf, 1, 2))) static void msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("delayline: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static int64_t now_ns(void)
{
	return (int64_t)util_now_mono_ns();
}

/* --- command line ---------------------------------------------------------------------- */

enum {
	OPT_A = 256,
	OPT_B,
	OPT_DELAY_AB,
	OPT_DELAY_BA,
	OPT_DROP_EVERY,
	OPT_DROP_DIR,
	OPT_DURATION,
	OPT_READY
};

/* One table drives both getopt_long and --help. */
static const struct {
	struct option opt;
	const char *arg, *help;
} options[] = {
	{{"a", required_argument, NULL, OPT_A}, "IFACE", "interface A"},
	{{"b", required_argument, NULL, OPT_B}, "IFACE", "interface B"},
	{{"delay-ab", required_argument, NULL, OPT_DELAY_AB},
	 "MS",
	 "delay of frames from A to B in milliseconds, decimals allowed (default 0)"},
	{{"delay-ba", required_argument, NULL, OPT_DELAY_BA},
	 "MS",
	 "delay of frames from B to A in milliseconds (default 0)"},
	{{"drop-every", required_argument, NULL, OPT_DROP_EVERY},
	 "K",
	 "drop every K-th TCP data frame (K >= 2), counted per direction"},
	{{"drop-dir", required_argument, NULL, OPT_DROP_DIR},
	 "ab|ba|both",
	 "directions --drop-every applies to (default both)"},
	{{"duration", required_argument, NULL, OPT_DURATION},
	 "SECONDS",
	 "exit after SECONDS, decimals allowed (default: run until SIGINT/SIGTERM)"},
	{{"ready", required_argument, NULL, OPT_READY},
	 "FILE",
	 "create FILE once both interfaces are open and bound"},
	{{"help", no_argument, NULL, 'h'}, NULL, "show this help and exit"},
};

static void usage(FILE *f)
{
	fputs("usage: delayline --a IFACE --b IFACE [--delay-ab MS] [--delay-ba MS]\n"
	      "                 [--drop-every K] [--drop-dir ab|ba|both] [--duration SECONDS]\n"
	      "                 [--ready FILE]\n"
	      "\n"
	      "Forward Ethernet frames between interfaces A and B (both put in promiscuous mode),\n"
	      "delaying each direction by a fixed time, in order, and optionally dropping TCP "
	      "data.\n"
	      "\n",
	      f);
	for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
		char left[40];

		snprintf(left, sizeof(left), "--%s%s%s", options[i].opt.name,
			 options[i].arg ? " " : "", options[i].arg ? options[i].arg : "");
		fprintf(f, "  %-22s %s\n", left, options[i].help);
	}
	fputs("\n"
	      "--drop-every counts and drops only frames that carry a TCP segment with payload\n"
	      "(Ethernet, up to two 802.1Q/802.1ad tags, IPv4 or IPv6, not fragmented, SYN and "
	      "RST\n"
	      "not set). ARP, handshake and pure ACK frames always pass, so the sender "
	      "retransmits\n"
	      "exactly as many segments as were dropped.\n"
	      "\n"
	      "On exit prints one JSON line on stdout:\n"
	      "  "
	      "{\"ab\":{\"forwarded\":N,\"dropped\":N,\"overflow\":N,\"send_errors\":N},\"ba\":{..."
	      "}}\n"
	      "  forwarded    frames sent out the other interface\n"
	      "  dropped      frames dropped by --drop-every\n"
	      "  overflow     frames lost because the delay line was full: 65536 frames queued in\n"
	      "               that direction, out of memory, or the socket receive buffer "
	      "(kernel)\n"
	      "  send_errors  frames that could not be sent, or were larger than 65535 bytes; "
	      "with\n"
	      "               offloads on (GSO/GRO super-frames, unfinished checksums) run\n"
	      "               `ethtool -K IFACE tso off gso off gro off tx off` on A, B and peers\n"
	      "Frames still queued at exit are discarded and reported on stderr.\n"
	      "\n"
	      "Needs CAP_NET_RAW. Exit status: 0 ok, 1 runtime failure, 2 bad arguments.\n",
	      f);
}

struct config {
	const char *a, *b, *ready;
	double delay_ab_ms, delay_ba_ms, duration_s;
	uint64_t drop_every;
	const char *drop_dir; /* NULL, "ab", "ba" or "both" */
};

/* Milliseconds in [0, DELAY_MAX_MS], decimal only (strtod would also take "0x10" and "inf"). */
static int parse_ms(const char *s, double *out)
{
	char *end;
	double v;

	if (!(s[0] >= '0' && s[0] <= '9') && s[0] != '.')
		return -EINVAL;
	if (s[strspn(s, "0123456789.eE+-")] != '\0')
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end != '\0')
		return -EINVAL;
	if (errno == ERANGE || !(v >= 0 && v <= DELAY_MAX_MS))
		return -ERANGE;
	*out = v;
	return 0;
}

/* Returns 0, 1 (--help shown) or -EINVAL (message printed). */
static int parse_args(int argc, char **argv, struct config *cfg)
{
	struct option longopts[ARRAY_SIZE(options) + 1];
	int c;

	for (size_t i = 0; i < ARRAY_SIZE(options); i++)
		longopts[i] = options[i].opt;
	memset(&longopts[ARRAY_SIZE(options)], 0, sizeof(longopts[0]));

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_A:
			cfg->a = optarg;
			break;
		case OPT_B:
			cfg->b = optarg;
			break;
		case OPT_DELAY_AB:
		case OPT_DELAY_BA:
			if (parse_ms(optarg,
				     c == OPT_DELAY_AB ? &cfg->delay_ab_ms : &cfg->delay_ba_ms)) {
				msg("--delay-%s: invalid value '%s' (milliseconds from 0 to %.0f, "
				    "e.g. 2.5)",
				    c == OPT_DELAY_AB ? "ab" : "ba", optarg, DELAY_MAX_MS);
				return -EINVAL;
			}
			break;
		case OPT_DROP_EVERY:
			if (util_parse_u64(optarg, 2, UINT32_MAX, &cfg->drop_every)) {
				msg("--drop-every: invalid value '%s' (an integer K >= 2)", optarg);
				return -EINVAL;
			}
			break;
		case OPT_DROP_DIR:
			if (strcmp(optarg, "ab") && strcmp(optarg, "ba") &&
			    strcmp(optarg, "both")) {
				msg("--drop-dir: invalid value '%s' (ab, ba or both)", optarg);
				return -EINVAL;
			}
			cfg->drop_dir = optarg;
			break;
		case OPT_DURATION:
			if (util_parse_seconds(optarg, &cfg->duration_s)) {
				msg("--duration: invalid value '%s' (seconds > 0, e.g. 3 or 0.5)",
				    optarg);
				return -EINVAL;
			}
			break;
		case OPT_READY:
			cfg->ready = optarg;
			break;
		case 'h':
			usage(stdout);
			return 1;
		case ':':
			msg("option '%s' needs a value (see --help)", argv[optind - 1]);
			return -EINVAL;
		default:
			msg("unknown option '%s' (see --help)", argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		msg("unexpected argument '%s' (see --help)", argv[optind]);
		return -EINVAL;
	}
	if (!cfg->a || !cfg->b) {
		msg("both --a IFACE and --b IFACE are required (see --help)");
		return -EINVAL;
	}
	if (!strcmp(cfg->a, cfg->b)) {
		msg("--a and --b name the same interface '%s'", cfg->a);
		return -EINVAL;
	}
	if (cfg->drop_dir && !cfg->drop_every) {
		msg("--drop-dir needs --drop-every K");
		return -EINVAL;
	}
	return 0;
}

/* --- which frames --drop-every may drop -------------------------------------------------- */

static uint16_t rd16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* seg: the TCP segment as the IP header delimits it, all of it inside the frame. RFC 9293. */
static bool tcp_has_payload(const unsigned char *seg, size_t len)
{
	size_t doff;

	if (len < 20)
		return false;
	doff = (size_t)(seg[12] >> 4) * 4;
	if (doff < 20 || doff > len)
		return false;
	if (seg[13] & (TCPF_SYN | TCPF_RST))
		return false;
	return len > doff;
}

/* RFC 791. Fragments never count: only the first carries the TCP header. */
static bool ipv4_tcp_data(const unsigned char *p, size_t len)
{
	size_t ihl, tot;

	if (len < 20 || p[0] >> 4 != 4)
		return false;
	ihl = (size_t)(p[0] & 0x0f) * 4;
	tot = rd16(p + 2);
	if (ihl < 20 || tot < ihl || tot > len)
		return false;
	if (rd16(p + 6) & 0x3fff || p[9] != IPPROTO_TCP)
		return false;
	return tcp_has_payload(p + ihl, tot - ihl);
}

/* RFC 8200: walks at most 8 extension headers; fragments and ESP never count. */
static bool ipv6_tcp_data(const unsigned char *p, size_t len)
{
	size_t off = 40, end, hl;
	uint8_t nh;

	if (len < 40 || p[0] >> 4 != 6)
		return false;
	end = 40 + (size_t)rd16(p + 4);
	if (end == 40 || end > len) /* payload length 0: jumbogram (RFC 2675) */
		return false;
	nh = p[6];
	for (int i = 0; i < 8; i++) {
		switch (nh) {
		case IPPROTO_TCP:
			return tcp_has_payload(p + off, end - off);
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
			if (end - off < 8)
				return false;
			hl = ((size_t)p[off + 1] + 1) * 8;
			break;
		case IPPROTO_AH: /* RFC 4302: length in 4-octet units, minus 2 */
			if (end - off < 8)
				return false;
			hl = ((size_t)p[off + 1] + 2) * 4;
			break;
		default:
			return false;
		}
		if (hl > end - off)
			return false;
		nh = p[off];
		off += hl;
	}
	return false;
}

/* Does this Ethernet frame carry a TCP segment with payload (not SYN, not RST)? */
static bool frame_is_tcp_data(const unsigned char *p, size_t len)
{
	size_t off = ETH_HLEN;
	uint16_t type;

	if (len < ETH_HLEN)
		return false;
	type = rd16(p + 12);
	for (int i = 0; i < 2 && (type == ETH_P_8021Q || type == ETH_P_8021AD); i++) {
		if (len < off + VLAN_HLEN)
			return false;
		type = rd16(p + off + 2);
		off += VLAN_HLEN;
	}
	if (type == ETH_P_IP)
		return ipv4_tcp_data(p + off, len - off);
	if (type == ETH_P_IPV6)
		return ipv6_tcp_data(p + off, len - off);
	return false;
}

/* --- sockets ------------------------------------------------------------------------------ */

static void warn_size(const struct dir *d, size_t len, const char *why)
{
	if (warned_size)
		return;
	warned_size = true;
	msg("cannot forward a %zu-byte frame from %s to %s: %s (offload super-frame? run `ethtool "
	    "-K IFACE tso off gso off gro off tx off` on %s, %s and their peers)",
	    len, d->in_name, d->out_name, why, d->in_name, d->out_name);
}

/*
 * Opens an unbound packet socket for ifname (it receives nothing yet) and checks that ifname
 * exists, is Ethernet and is up. Changes nothing on the interface.
 */
static int link_open(const char *ifname, int *fdp)
{
	struct ifreq ifr = {0};
	int fd, err;

	if (strlen(ifname) >= IFNAMSIZ || !if_nametoindex(ifname)) {
		msg("no interface '%s' (in this network namespace)", ifname);
		return -ENODEV;
	}
	/* Protocol 0 until bind(): with ETH_P_ALL the socket would first see every interface. */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = -errno;
		msg("cannot open a packet socket for '%s': %s (run as root or grant CAP_NET_RAW)",
		    ifname, strerror(errno));
		return err;
	}
	memcpy(ifr.ifr_name, ifname, strlen(ifname) + 1);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) == 0 && ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
		msg("'%s' is not an Ethernet interface (link type %u)", ifname,
		    ifr.ifr_hwaddr.sa_family);
		close(fd);
		return -EINVAL;
	}
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0 && !(ifr.ifr_flags & IFF_UP)) {
		msg("interface '%s' is down (ip link set %s up)", ifname, ifname);
		close(fd);
		return -ENETDOWN;
	}
	*fdp = fd;
	return 0;
}

/* Binds fd to ifname with auxdata and receive timestamps, and makes ifname promiscuous. */
static int link_attach(int fd, const char *ifname)
{
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL)};
	struct packet_mreq mr = {.mr_type = PACKET_MR_PROMISC};
	int one = 1, rcvbuf = RCVBUF, err;

	sll.sll_ifindex = (int)if_nametoindex(ifname);
	/* Best effort (Linux >= 4.20): our own sends then never reach the receive buffer. */
	setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	/* Auxdata: the kernel strips VLAN tags before packet sockets see a frame. */
	if (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		err = -errno;
		msg("cannot bind a packet socket to '%s': %s", ifname, strerror(errno));
		return err;
	}
	/* Dropped by the kernel when fd is closed. */
	mr.mr_ifindex = sll.sll_ifindex;
	if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr))) {
		err = -errno;
		msg("cannot put '%s' in promiscuous mode: %s", ifname, strerror(errno));
		return err;
	}
	return 0;
}

/* Kernel-side receive drops (buffer full) since the last call; the kernel resets them. */
static uint64_t link_kernel_drops(int fd)
{
	struct tpacket_stats st = {0};
	socklen_t len = sizeof(st);

	if (fd < 0 || getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &len))
		return 0;
	return st.tp_drops;
}

/* --- the delay line ------------------------------------------------------------------------ */

/* Arrival time in CLOCK_MONOTONIC from the kernel's CLOCK_REALTIME receive timestamp. */
static int64_t arrival_ns(const struct timespec *kts, int64_t mono_now)
{
	int64_t age;

	if (!kts)
		return mono_now;
	age = (int64_t)util_now_real_ns() - ((int64_t)kts->tv_sec * NSEC + kts->tv_nsec);
	/* A clock step would make the age meaningless: then use the time we read the frame. */
	if (age < 0 || age > NSEC)
		return mono_now;
	return mono_now - age;
}

/*
 * Reads the frames ready on d->in_fd (at most DRAIN_MAX, and stops early once a queued frame in
 * either direction is due at *due_first) and queues or drops them. Returns 0 or a negative errno.
 */
static int dir_receive(struct dir *d, unsigned char *buf, int64_t *due_first)
{
	for (int i = 0; i < DRAIN_MAX; i++) {
		union {
			struct cmsghdr h;
			char b[CMSG_SPACE(sizeof(struct tpacket_auxdata)) +
			       CMSG_SPACE(sizeof(struct timespec))];
		} cbuf;
		struct sockaddr_ll sll;
		struct iovec iov = {.iov_base = buf + VLAN_HLEN, .iov_len = FRAME_MAX + 1};
		struct msghdr mh = {.msg_name = &sll,
				    .msg_namelen = sizeof(sll),
				    .msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = cbuf.b,
				    .msg_controllen = sizeof(cbuf.b)};
		const struct tpacket_auxdata *aux = NULL;
		const struct timespec *kts = NULL;
		unsigned char *frame = buf + VLAN_HLEN, *copy;
		struct slot *s;
		int64_t now;
		size_t len;
		ssize_t n;

		n = recvmsg(d->in_fd, &mh, MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return 0;
			return -errno;
		}
		now = now_ns();
		if (sll.sll_pkttype == PACKET_OUTGOING)
			continue;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA)
				aux = (const struct tpacket_auxdata *)CMSG_DATA(c);
			else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS)
				kts = (const struct timespec *)CMSG_DATA(c);
		}
		len = (size_t)n;
		if (aux && aux->tp_status & TP_STATUS_VLAN_VALID && len >= 12 && len <= FRAME_MAX) {
			uint16_t tpid = aux->tp_status & TP_STATUS_VLAN_TPID_VALID
						? aux->tp_vlan_tpid
						: ETH_P_8021Q;

			/* Put the tag back between the MAC addresses and the EtherType. */
			memmove(buf, frame, 12);
			frame = buf;
			frame[12] = tpid >> 8;
			frame[13] = tpid & 0xff;
			frame[14] = aux->tp_vlan_tci >> 8;
			frame[15] = aux->tp_vlan_tci & 0xff;
			len += VLAN_HLEN;
		}
		if (len > FRAME_MAX) {
			d->st.send_errors++;
			warn_size(d, len, "larger than 65535 bytes");
			continue;
		}
		if (aux && aux->tp_status & TP_STATUS_CSUMNOTREADY && !warned_csum) {
			warned_csum = true;
			msg("frames from %s carry unfinished checksums (checksum offload on the "
			    "sender): "
			    "the receiver will drop them; run `ethtool -K IFACE tx off` on the "
			    "peer of %s",
			    d->in_name, d->in_name);
		}
		if (d->drop_every && frame_is_tcp_data(frame, len) &&
		    ++d->eligible % d->drop_every == 0) {
			d->st.dropped++;
			continue;
		}
		if (d->count == QUEUE_CAP || !(copy = malloc(len))) {
			d->st.overflow++;
			continue;
		}
		memcpy(copy, frame, len);
		s = &d->ring[(d->head + d->count) & (QUEUE_CAP - 1)];
		s->due = arrival_ns(kts, now) + d->delay_ns;
		s->len = (uint32_t)len;
		s->data = copy;
		d->count++;
		*due_first = min(*due_first, s->due);
		if (now >= *due_first)
			return 0;
	}
	return 0;
}

/* Sends the frames that are due, in order, until the socket would block. */
static void dir_send_due(struct dir *d, int64_t now)
{
	while (d->count && !d->blocked) {
		struct slot *s = &d->ring[d->head];
		ssize_t n;

		if (s->due > now)
			return;
		n = send(d->out_fd, s->data, s->len, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			d->blocked = true;
			return;
		}
		if (n >= 0) {
			d->st.forwarded++;
		} else if (errno == EMSGSIZE) {
			d->st.send_errors++;
			warn_size(d, s->len, strerror(errno));
		} else {
			d->st.send_errors++;
			if (!warned_send) {
				warned_send = true;
				msg("cannot send a %u-byte frame on %s: %s (counted as "
				    "send_errors)",
				    s->len, d->out_name, strerror(errno));
			}
		}
		free(s->data);
		s->data = NULL;
		d->head = (d->head + 1) & (QUEUE_CAP - 1);
		d->count--;
	}
}

static int64_t dir_next_due(const struct dir *d)
{
	return d->count && !d->blocked ? d->ring[d->head].due : INT64_MAX;
}

/* Frees what is still queued; returns how many frames that was. */
static uint32_t dir_discard(struct dir *d)
{
	uint32_t n = d->count;

	if (!d->ring)
		return 0;
	for (; d->count; d->count--) {
		free(d->ring[d->head].data);
		d->head = (d->head + 1) & (QUEUE_CAP - 1);
	}
	free(d->ring);
	d->ring = NULL;
	return n;
}

static void stats_print(const struct dir *ab, const struct dir *ba)
{
	const struct dir *d[2] = {ab, ba};

	for (int i = 0; i < 2; i++)
		printf("%s\"%s\":{\"forwarded\":%" PRIu64 ",\"dropped\":%" PRIu64
		       ",\"overflow\":%" PRIu64 ",\"send_errors\":%" PRIu64 "}",
		       i ? "," : "{", d[i]->name, d[i]->st.forwarded, d[i]->st.dropped,
		       d[i]->st.overflow, d[i]->st.send_errors);
	printf("}\n");
	fflush(stdout);
}

/* Runs until a signal, the end time (0: none) or a socket error. Returns 0 or a negative errno. */
static int run(struct dir *ab, struct dir *ba, int64_t end, const sigset_t *waitmask)
{
	static unsigned char buf[VLAN_HLEN + FRAME_MAX + 1];
	struct dir *dirs[2] = {ab, ba};
	int64_t spin = SPIN_INIT_NS;
	int err;

	while (!stop) {
		struct pollfd pfd[2];
		struct timespec ts, *tsp = NULL;
		int64_t now = now_ns(), due_ab, due_ba, due, wake;
		int n;

		if (end && now >= end)
			return 0;
		dir_send_due(ab, now);
		dir_send_due(ba, now);
		due_ab = dir_next_due(ab);
		due_ba = dir_next_due(ba);
		due = min(due_ab, due_ba);
		wake = due == INT64_MAX ? INT64_MAX : due - spin;
		if (end)
			wake = min(wake, end);
		if (wake != INT64_MAX) {
			/* One clock read: min()/max() evaluate their arguments twice. */
			int64_t t = wake - now_ns();

			t = max(t, 0);
			ts.tv_sec = t / NSEC;
			ts.tv_nsec = t % NSEC;
			tsp = &ts;
		}
		for (int i = 0; i < 2; i++) {
			pfd[i].fd = dirs[i]->in_fd;
			/* dirs[i]->in_fd is the other direction's out_fd */
			pfd[i].events = POLLIN | (dirs[1 - i]->blocked ? POLLOUT : 0);
			pfd[i].revents = 0;
		}
		n = ppoll(pfd, 2, tsp, waitmask);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			msg("poll failed: %s", strerror(errno));
			return err;
		}
		if (n == 0 && tsp && (ts.tv_sec || ts.tv_nsec) && wake == due - spin) {
			/* Woke up by timeout: learn how late, keep SPIN at ~2x the average. */
			int64_t late = now_ns() - wake;

			spin += (2 * late + SPIN_MIN_NS - spin) / 8;
			spin = min(max(spin, SPIN_MIN_NS), SPIN_MAX_NS);
		}
		for (int i = 0; i < 2; i++) {
			if (pfd[i].revents & POLLOUT)
				dirs[1 - i]->blocked = false;
			if (!(pfd[i].revents & (POLLIN | POLLERR | POLLHUP)))
				continue;
			err = dir_receive(dirs[i], buf, &due);
			if (err) {
				msg("cannot receive on %s: %s", dirs[i]->in_name, strerror(-err));
				return err;
			}
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct config cfg = {0};
	struct dir ab = {.name = "ab", .in_fd = -1, .out_fd = -1};
	struct dir ba = {.name = "ba", .in_fd = -1, .out_fd = -1};
	struct sigaction sa = {.sa_handler = on_signal};
	sigset_t block, waitmask;
	int fd_a = -1, fd_b = -1, ret = 1, err;
	uint32_t left_ab, left_ba;
	int64_t end = 0;

	err = parse_args(argc, argv, &cfg);
	if (err)
		return err > 0 ? 0 : 2;

	/* Signals are blocked except inside ppoll(), so none is lost between checks. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGHUP);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* Default slack (50 us) would add to every delay. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);

	/* Both interfaces are checked before either is touched. */
	if (link_open(cfg.a, &fd_a) || link_open(cfg.b, &fd_b) || link_attach(fd_a, cfg.a) ||
	    link_attach(fd_b, cfg.b))
		goto cleanup;
	ab.in_name = ba.out_name = cfg.a;
	ab.out_name = ba.in_name = cfg.b;
	ab.in_fd = ba.out_fd = fd_a;
	ab.out_fd = ba.in_fd = fd_b;
	ab.delay_ns = (int64_t)(cfg.delay_ab_ms * 1e6 + 0.5);
	ba.delay_ns = (int64_t)(cfg.delay_ba_ms * 1e6 + 0.5);
	if (!cfg.drop_dir || strcmp(cfg.drop_dir, "ba"))
		ab.drop_every = cfg.drop_every;
	if (!cfg.drop_dir || strcmp(cfg.drop_dir, "ab"))
		ba.drop_every = cfg.drop_every;
	ab.ring = calloc(QUEUE_CAP, sizeof(*ab.ring));
	ba.ring = calloc(QUEUE_CAP, sizeof(*ba.ring));
	if (!ab.ring || !ba.ring) {
		msg("out of memory for the frame queues");
		goto cleanup;
	}
	if (cfg.ready) {
		int fd = open(cfg.ready, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (fd < 0) {
			msg("cannot create ready file '%s': %s", cfg.ready, strerror(errno));
			goto cleanup;
		}
		close(fd);
	}
	if (cfg.duration_s > 0)
		end = now_ns() + (int64_t)(cfg.duration_s * 1e9);

	err = run(&ab, &ba, end, &waitmask);
	ab.st.overflow += link_kernel_drops(fd_a);
	ba.st.overflow += link_kernel_drops(fd_b);
	stats_print(&ab, &ba);
	ret = err ? 1 : 0;

cleanup:
	left_ab = dir_discard(&ab);
	left_ba = dir_discard(&ba);
	if (left_ab || left_ba)
		msg("discarded frames still queued at exit: ab %u, ba %u", left_ab, left_ba);
	if (fd_a >= 0)
		close(fd_a);
	if (fd_b >= 0)
		close(fd_b);
	return ret;
}
