/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The kernel/user contract: enums, counter layouts and map sizes shared by BPF and userspace. */
#ifndef WIRELENS_H
#define WIRELENS_H

#ifdef __bpf__
/* vmlinux.h provides __u8..__u64 for the BPF side. */
#else
#include <linux/types.h>
#endif

/* Direction of a frame. WL_DIR_NONE is used by offline files, which carry no direction. */
enum wl_dir {
	WL_DIR_IN = 0,
	WL_DIR_OUT = 1,
	WL_DIR_NONE = 2,
	WL_DIR_MAX = 3,
};

/* The l3 partition of DESIGN.md. Order matches struct wl_l3_stats. */
enum wl_l3 {
	WL_L3_IPV4 = 0,
	WL_L3_IPV6 = 1,
	WL_L3_ARP = 2,
	WL_L3_OTHER = 3,
	WL_L3_MAX = 4,
};

/* The l4 partition: by IP protocol number after IPv6 extension headers. */
enum wl_l4 {
	WL_L4_TCP = 0,
	WL_L4_UDP = 1,
	WL_L4_ICMP = 2,
	WL_L4_ICMPV6 = 3,
	WL_L4_OTHER = 4,
	WL_L4_MAX = 5,
};

/*
 * The app partition: application protocols identified by payload signature or port (bpf/app.h,
 * rules in docs/app-protocols.md). `unknown`: TCP/UDP not identified; `none`: not TCP/UDP.
 * New values go before WL_APP_MAX and into struct wl_app_stats in the same order.
 */
enum wl_app {
	WL_APP_NONE = 0,
	WL_APP_UNKNOWN,
	WL_APP_DNS,
	WL_APP_MDNS,
	WL_APP_LLMNR,
	WL_APP_HTTP,
	WL_APP_TLS,
	WL_APP_QUIC,
	WL_APP_SSH,
	WL_APP_DHCP,
	WL_APP_DHCPV6,
	WL_APP_NTP,
	WL_APP_SNMP,
	WL_APP_SMTP,
	WL_APP_IMAP,
	WL_APP_POP3,
	WL_APP_SMB,
	WL_APP_RDP,
	WL_APP_MAX,
};

struct wl_counter {
	__u64 packets;
	__u64 bytes;
};

/* Named fields so `bpftool map dump` prints readable records; indexed via wl_stats_l3() etc. */
struct wl_l3_stats {
	struct wl_counter ipv4;
	struct wl_counter ipv6;
	struct wl_counter arp;
	struct wl_counter other;
};

struct wl_l4_stats {
	struct wl_counter tcp;
	struct wl_counter udp;
	struct wl_counter icmp;
	struct wl_counter icmpv6;
	struct wl_counter other;
};

struct wl_app_stats {
	struct wl_counter none;
	struct wl_counter unknown;
	struct wl_counter dns;
	struct wl_counter mdns;
	struct wl_counter llmnr;
	struct wl_counter http;
	struct wl_counter tls;
	struct wl_counter quic;
	struct wl_counter ssh;
	struct wl_counter dhcp;
	struct wl_counter dhcpv6;
	struct wl_counter ntp;
	struct wl_counter snmp;
	struct wl_counter smtp;
	struct wl_counter imap;
	struct wl_counter pop3;
	struct wl_counter smb;
	struct wl_counter rdp;
};

/*
 * Value of the wl_stats map (one per direction, per CPU). total, l3, l4 and app count the
 * frames that match the capture filter (all frames without one) and each sum to the same
 * packets/bytes; seen counts every frame. truncated/malformed count frames whose headers ended early or were
 * inconsistent; they are still counted in the partitions (by what could be parsed).
 */
struct wl_stats {
	struct wl_counter total;
	struct wl_l3_stats l3;
	struct wl_l4_stats l4;
	struct wl_app_stats app;
	struct wl_counter truncated;
	struct wl_counter malformed;
	struct wl_counter seen; /* every frame at the hook, matching the filter or not */
};

_Static_assert(sizeof(struct wl_counter) == 16, "wl_counter layout");
_Static_assert(sizeof(struct wl_l3_stats) == WL_L3_MAX * sizeof(struct wl_counter), "l3 layout");
_Static_assert(sizeof(struct wl_l4_stats) == WL_L4_MAX * sizeof(struct wl_counter), "l4 layout");
_Static_assert(sizeof(struct wl_app_stats) == WL_APP_MAX * sizeof(struct wl_counter), "app layout");
_Static_assert(sizeof(struct wl_stats) == 16 * (1 + WL_L3_MAX + WL_L4_MAX + WL_APP_MAX + 3),
	       "wl_stats layout");

/*
 * One flow: a 5-tuple normalised so that (a, port_a) is the smaller endpoint (addresses compared
 * byte by byte in network order, then ports). IPv4 addresses fill the first 4 bytes of a and b.
 * Frames without addresses (ARP, truncated IP) have no flow.
 */
struct wl_flow_key {
	__u8 a[16];
	__u8 b[16];
	__u16 port_a; /* host byte order; 0 when the protocol has no ports */
	__u16 port_b;
	__u8 proto;  /* IP protocol number after extension headers */
	__u8 family; /* 4 or 6 */
	__u16 link;  /* the interface's number in the daemon (one flow table serves them all) */
} __attribute__((aligned(8))); /* copied and compared in words */

/*
 * The kernel keeps IPv4 flows apart, under this 16-byte key: hashing it costs a third of hashing
 * a wl_flow_key, on every frame. Its fields are those of a wl_flow_key of family 4
 * (wl_flow_key4_build in bpf/flow.h; wl_flow_key_of4 below turns it back for userspace).
 */
struct wl_flow_key4 {
	__u8 a[4];
	__u8 b[4];
	__u16 port_a;
	__u16 port_b;
	__u8 proto;
	__u8 pad;
	__u16 link;
} __attribute__((aligned(8)));

_Static_assert(sizeof(struct wl_flow_key4) == 16, "wl_flow_key4 layout");

static inline void wl_flow_key_of4(const struct wl_flow_key4 *k4, struct wl_flow_key *k)
{
	__builtin_memset(k, 0, sizeof(*k));
	__builtin_memcpy(k->a, k4->a, 4);
	__builtin_memcpy(k->b, k4->b, 4);
	k->port_a = k4->port_a;
	k->port_b = k4->port_b;
	k->proto = k4->proto;
	k->family = 4;
	k->link = k4->link;
}

/* WL_FLOW_F_* */
#define WL_FLOW_F_B_FIRST 0x01 /* the first frame seen went from b to a */

/* wl_conn.state (bpf/conn.h). Side bits: the a bit shifted left by the side (0 a, 1 b). */
#define WL_CONN_SYN	0x0001 /* a SYN (UDP: a first datagram) opened the flow */
#define WL_CONN_INIT_B	0x0002 /* ... from side b */
#define WL_CONN_SYNACK	0x0004 /* the other side answered (SYN-ACK; UDP: any datagram) */
#define WL_CONN_ESTAB	0x0008 /* the opener acknowledged the SYN-ACK */
#define WL_CONN_DATA_A	0x0010 /* a sent payload */
#define WL_CONN_DATA_B	0x0020
#define WL_CONN_SEQ_A	0x0040 /* seq_next[0] is valid */
#define WL_CONN_SEQ_B	0x0080
#define WL_CONN_PROBED	0x0100 /* the flow's probe event was sent */
#define WL_CONN_RAW_SYN 0x0200 /* the SYN had no option but MSS: crafted, not connect() */
#define WL_CONN_ACKED_A 0x0400 /* ack_last[0] and win_last[0] are valid */
#define WL_CONN_ACKED_B 0x0800
#define WL_CONN_HOLE_A	0x1000 /* hole_lo/hi[0]: a range of a's not seen yet */
#define WL_CONN_HOLE_B	0x2000

/*
 * Per-flow connection analysis (bpf/conn.h): handshake, sequence space, timestamp echo and
 * ICMP echo state, and what it found. Arrays are indexed by side: 0 is a, 1 is b.
 */
struct wl_conn {
	__u64 t_syn; /* the SYN, the SYN-ACK (same clock as the flow's stamps) */
	__u64 t_synack;
	__u64 t_adv[2];	   /* when seq_next last advanced */
	__u64 ts_time[2];  /* when the pending TSval (ICMP: echo request) was sent; 0: none */
	__u64 ts_last[2];  /* the last timestamp RTT sample */
	__u32 ts_val[2];   /* the pending TSval (ICMP: identifier << 16 | sequence) */
	__u32 seq_next[2]; /* highest sequence number sent + 1 */
	__u32 ack_last[2];
	__u32 isn;	  /* the opener's initial sequence number */
	__u32 hole_lo[2]; /* the latest gap in each direction's sequence space: [lo, hi) */
	__u32 hole_hi[2];
	__u16 win_last[2];
	__u16 state;   /* WL_CONN_* */
	__u16 udp_max; /* UDP: the largest payload the opener sent */
	/* What each side sent: retransmitted and reordered segments, duplicate ACKs, zero
	 * windows, resets. */
	__u32 retrans[2];
	__u32 ooo[2];
	__u32 dupack[2];
	__u32 zerowin[2];
	__u32 rst[2];
	/* RTT samples of the flow (any method), microseconds. */
	__u32 rtt_min_us;
	__u32 rtt_last_us;
	__u32 rtt_count;
	__u32 pad2;
};

/*
 * A flow's value. The hot part comes first: each frame adds to one counter, chosen by the side
 * it comes from and its hook. The adds are plain, not atomic: a counter has one writer at a
 * time, because the frames of one flow, one direction and one hook are handled by one CPU at a
 * time (one receive queue per flow; one sender per TCP socket, under its lock). What could
 * race (several threads sending the same UDP flow at the same instant) can lose an increment
 * of that flow's counter only; the per-CPU totals of wl_stats are exact whatever happens.
 */
struct wl_flow_val {
	struct wl_counter ctr[2][2]; /* [0: a to b, 1: b to a][WL_DIR_IN, WL_DIR_OUT] */
	__u64 last_ns;		     /* CLOCK_MONOTONIC (coarse) of the last frame */
	__u8 tcp_flags_ab;	     /* TCP flags seen, ORed, per direction */
	__u8 tcp_flags_ba;
	__u8 app;   /* enum wl_app of the first frame that identified one */
	__u8 flags; /* WL_FLOW_F_* */
	__u8 pad[4];
	/* Cold: written when the flow starts, and by the connection analysis. */
	__u64 first_ns; /* CLOCK_MONOTONIC (coarse) of the first frame */
	struct wl_conn conn;
};

_Static_assert(sizeof(struct wl_flow_key) == 40, "wl_flow_key layout");
_Static_assert(sizeof(struct wl_conn) == 176, "wl_conn layout");
_Static_assert(sizeof(struct wl_flow_val) == 264, "wl_flow_val layout");

/* Value of the wl_health map: sensor self-monitoring counters (per CPU). */
struct wl_health {
	__u64 flow_insert_failed; /* frames not attributed to a flow: the table could not take it */
	__u64 samples;		  /* packet records submitted to the ring buffer */
	__u64 samples_lost;	  /* records the ring buffer had no room for */
	__u64 samples_limited;	  /* records skipped by --max-samples-per-sec */
	__u64 events;		  /* RTT and probe events submitted to wl_events */
	__u64 events_lost;	  /* events the ring buffer had no room for */
	__u64 reserved[2];
};

/*
 * Value of the wl_tcp map (one per direction, per CPU): TCP health and handshakes over all
 * flows, as bpf/conn.h finds them. Offline files count under WL_DIR_NONE.
 */
struct wl_tcp_stats {
	__u64 segments;	       /* TCP segments analysed */
	__u64 retransmissions; /* segments whose sequence range was already seen */
	__u64 out_of_order;    /* segments filling a hole right after a later one */
	__u64 duplicate_acks;
	__u64 zero_windows;
	__u64 resets;
	__u64 syns; /* SYN without ACK */
	__u64 synacks;
	__u64 handshakes; /* opener's ACK of a SYN-ACK: completed three-way handshakes */
};

/* wl_conn_out.marks: what one frame was found to be (bpf/conn.h). */
#define WL_CM_SEGMENT 0x001
#define WL_CM_RETRANS 0x002
#define WL_CM_OOO     0x004
#define WL_CM_DUPACK  0x008
#define WL_CM_ZEROWIN 0x010
#define WL_CM_RST     0x020
#define WL_CM_SYN     0x040
#define WL_CM_SYNACK  0x080
#define WL_CM_ESTAB   0x100

/* wl_event.type */
enum wl_event_type {
	WL_EV_RTT = 1,
	WL_EV_PROBE = 2,
};

/* wl_event.kind of WL_EV_RTT: how the round trip was measured. */
enum wl_rtt_method {
	WL_RTT_HANDSHAKE = 0,
	WL_RTT_TIMESTAMP = 1,
	WL_RTT_ICMP = 2,
	WL_RTT_METHODS = 3,
};

/* wl_event.kind of WL_EV_PROBE: the kind of connection attempt. */
enum wl_probe_kind {
	WL_PROBE_SYN = 0,     /* a crafted SYN (half-open scanning) */
	WL_PROBE_CONNECT = 1, /* a full connect() */
	WL_PROBE_FIN = 2,
	WL_PROBE_NULL = 3,
	WL_PROBE_XMAS = 4,
	WL_PROBE_UDP = 5,
	WL_PROBE_KINDS = 6,
};

/* wl_event.outcome of WL_EV_PROBE: how the attempt failed. */
enum wl_probe_outcome {
	WL_OUT_RST = 0,	     /* the port answered with RST: closed */
	WL_OUT_UNREACH = 1,  /* ICMP port unreachable: closed */
	WL_OUT_HALFOPEN = 2, /* SYN-ACK answered by the prober's RST */
	WL_OUT_EMPTY = 3,    /* connected, closed without a byte */
	WL_OUT_NOREPLY = 4,  /* sent again before any answer */
	WL_OUT_SENT = 5,     /* the segment itself is a probe (FIN/NULL/Xmas) */
	WL_OUTCOMES = 6,
};

/*
 * One event of the wl_events ring buffer: an RTT sample or a failed connection attempt. RTT:
 * src is the far end whose round trip was measured (port: its port), dst the near end.
 * Probe: src is the prober, dst the target, port the target port.
 */
struct wl_event {
	__u64 ts_ns; /* the flow clock: CLOCK_MONOTONIC in the kernel, wall clock offline */
	__u64 value; /* RTT: nanoseconds */
	__u8 type;   /* enum wl_event_type */
	__u8 kind;   /* enum wl_rtt_method or enum wl_probe_kind */
	__u8 outcome;
	__u8 family; /* 4 or 6 */
	__u8 proto;
	__u8 dir; /* enum wl_dir of the frame that produced it */
	__u16 port;
	__u8 src[16];
	__u8 dst[16];
};

_Static_assert(sizeof(struct wl_event) == 56, "wl_event layout");

/* Events one frame can produce; the result of bpf/conn.h for one frame. */
#define WL_CONN_EVENTS 2

struct wl_conn_out {
	struct wl_event ev[WL_CONN_EVENTS];
	__u32 nev;
	__u32 marks; /* WL_CM_* */
	__u8 dir;    /* enum wl_dir of the frame: set by the caller */
	__u8 pad[7];
};

/*
 * Settings the daemon may change while the programs run (a global of the BPF object, written
 * through its memory map): sampling and the capture filter.
 */
struct wl_settings {
	__u32 sample_every;	   /* sample 1 in N matching frames; 0: no samples */
	__u32 max_samples_per_sec; /* 0: no limit */
	__u32 snaplen;		   /* bytes of each sampled frame to keep */
	__u32 filter_slot;	   /* which of the two filter programs is in use */
};

/* Default and largest --snaplen; decoded protocols are captured at least WL_DECODE_LEN deep. */
#define WL_SNAPLEN_DEFAULT 128
#define WL_SNAPLEN_MAX	   2048
#define WL_DECODE_LEN	   512

/* WL_SAMPLE_F_*: flags of a packet record (the parser's WL_PF_* in the low bits). */
#define WL_SAMPLE_F_PARSE 0x1f

/*
 * One sampled frame in the ring buffer, followed by caplen bytes of the frame. The first
 * min(caplen, snaplen) of them are the capture proper; DNS, HTTP and TLS frames carry up to
 * WL_DECODE_LEN bytes so that names can be decoded whatever the snaplen.
 */
struct wl_sample {
	__u64 ts_ns; /* CLOCK_BOOTTIME in the kernel; the daemon turns it into wall-clock time */
	__u32 ifindex;
	__u32 len;	/* frame length */
	__u16 caplen;	/* bytes that follow */
	__u16 snaplen;	/* the snaplen in force */
	__u8 dir;	/* enum wl_dir */
	__u8 l3;	/* enum wl_l3 */
	__u8 l4;	/* enum wl_l4 */
	__u8 app;	/* enum wl_app */
	__u8 flags;	/* WL_PF_* of bpf/parse.h */
	__u8 tcp_flags; /* TCP flags byte */
	__u8 ip_proto;
	__u8 icmp_type;
	__u16 sport; /* host byte order */
	__u16 dport;
	__u16 vlan_id;
	__u16 ethertype;
	__u8 saddr[16];
	__u8 daddr[16];
};

_Static_assert(sizeof(struct wl_sample) == 72, "wl_sample layout");

/*
 * Default capacity of the kernel's IPv4 flow table (--flow-table-size); the IPv6 table holds a
 * quarter of it, at least WL_FLOW6_MIN.
 */
#define WL_FLOW_TABLE_DEFAULT 65536
#define WL_FLOW6_MIN	      1024

static inline __u32 wl_flow6_size(__u64 v4)
{
	return v4 / 4 > WL_FLOW6_MIN ? (__u32)(v4 / 4) : WL_FLOW6_MIN;
}

/*
 * Whose counters a pin directory holds (the wl_ident map, written by the daemon): a restarted
 * daemon continues them only on the same interface, name and index, and the same layout.
 */
struct wl_ident {
	char ifname[16];
	__u32 ifindex;
	__u32 layout; /* WL_LAYOUT of the daemon that pinned them */
	__u32 daemon; /* 1: pinned by a daemon, whose restart may continue them */
	__u32 pad;
};

/* The meaning of the pinned maps: raised whenever it changes, even at the same sizes. */
#define WL_LAYOUT 2

/* Map and pin names (BPF map names are at most 15 characters). */
#define WL_MAP_STATS   "wl_stats"
#define WL_MAP_FLOWS4  "wl_flows4"
#define WL_MAP_FLOWS6  "wl_flows6"
#define WL_MAP_HEALTH  "wl_health"
#define WL_MAP_SAMPLES "wl_samples"
#define WL_MAP_TCP     "wl_tcp"
#define WL_MAP_EVENTS  "wl_events"
#define WL_MAP_IDENT   "wl_ident"
#define WL_PIN_ROOT    "/sys/fs/bpf/wirelens"

static inline struct wl_counter *wl_stats_l3(struct wl_stats *s, unsigned int idx)
{
	return &((struct wl_counter *)&s->l3)[idx < WL_L3_MAX ? idx : WL_L3_OTHER];
}

static inline struct wl_counter *wl_stats_l4(struct wl_stats *s, unsigned int idx)
{
	return &((struct wl_counter *)&s->l4)[idx < WL_L4_MAX ? idx : WL_L4_OTHER];
}

static inline struct wl_counter *wl_stats_app(struct wl_stats *s, unsigned int idx)
{
	return &((struct wl_counter *)&s->app)[idx < WL_APP_MAX ? idx : WL_APP_UNKNOWN];
}

#endif /* WIRELENS_H */
