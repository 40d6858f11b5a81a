/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Connection analysis, shared by the BPF programs and the pcap path: passive RTT (TCP
 * handshake, TCP timestamps, ICMP echo), TCP health (retransmissions, out-of-order segments,
 * duplicate ACKs, zero windows, resets) and port-scan probes. One struct wl_conn per flow holds
 * the state; each frame updates it and may produce up to WL_CONN_EVENTS events (RTT samples and
 * probes) that the caller hands on: to the wl_events ring buffer in the kernel, straight to the
 * aggregators in the pcap path. Nothing here is sampled.
 *
 * Sides: 0 is the flow key's a, 1 is b; a frame from side d goes to side !d. Segment layouts:
 * TCP (RFC 9293), timestamps option (RFC 7323), ICMP echo and errors (RFC 792, RFC 4443).
 */
#ifndef WIRELENS_CONN_H
#define WIRELENS_CONN_H

#include "wirelens.h"
#include "parse.h"

/* Bytes of the transport header the analysis reads: a TCP header with options, or an ICMP
 * header with the start of the datagram it quotes. */
#define WL_CONN_L4_LEN 64

#define WL_TCP_FIN     0x01
#define WL_TCP_SYN     0x02
#define WL_TCP_RST     0x04
#define WL_TCP_PSH     0x08
#define WL_TCP_ACK     0x10
#define WL_TCP_URG     0x20

/*
 * Timestamp RTT samples per flow and direction are at least this far apart (one outstanding
 * TSval at a time also limits them to one per round trip).
 */
#define WL_CONN_TS_GAP_NS 10000000ull
/*
 * An unanswered UDP flow is a probe only when its datagrams are empty, as scanners send them
 * to every port they have no protocol payload for; no protocol talks that way, so one-way
 * datagrams that carry data are not taken for probes. (A closed port's ICMP port-unreachable
 * is a probe whatever the datagram held.)
 */
#define WL_CONN_UDP_PROBE_MAX 0
/* A UDP flow unanswered for this long is a probe of a port that does not answer. */
#define WL_CONN_UDP_QUIET_NS 2000000000ull
/* An echo request unanswered for this long is taken as lost. */
#define WL_CONN_ECHO_LOST_NS 1000000000ull
/* Without a known RTT, a segment filling a hole this soon after the highest one is reordering. */
#define WL_CONN_OOO_NS 3000000ull

/*
 * The time of a frame. In the kernel, every frame reads the cheap coarse clock (updated every
 * tick); the precise clock is read only by a frame that starts or ends a round trip, or that
 * moves a sequence space with a gap open (reordering is told from loss by the time since). Both
 * are CLOCK_MONOTONIC. Offline, both are the frame's timestamp.
 */
struct wl_clock {
	__u64 coarse;
	__u64 fine; /* 0: not read yet */
};

WL_INLINE __u64 wl_clock_fine(struct wl_clock *k)
{
#ifdef __bpf__
	if (!k->fine)
		k->fine = bpf_ktime_get_ns();
#endif
	return k->fine;
}

/* now is at least `gap` after then (clocks of different precision: now may be behind). */
WL_INLINE int wl_after(__u64 now, __u64 then, __u64 gap)
{
	return now > then && now - then >= gap;
}

/* Serial-number comparisons (RFC 1982) of 32-bit sequence numbers and timestamps. */
WL_INLINE int wl_seq_lt(__u32 a, __u32 b)
{
	return (__s32)(a - b) < 0;
}

WL_INLINE __u32 wl_get32(const __u8 *p)
{
	return ((__u32)p[0] << 24) | ((__u32)p[1] << 16) | ((__u32)p[2] << 8) | p[3];
}

/* The probe carried by a TCP segment without ACK that is not a SYN or RST (nmap -sF/-sN/-sX). */
WL_INLINE __u8 wl_conn_stealth_kind(__u8 flags)
{
	if (!(flags & (WL_TCP_FIN | WL_TCP_PSH | WL_TCP_URG)))
		return WL_PROBE_NULL;
	if ((flags & (WL_TCP_FIN | WL_TCP_PSH | WL_TCP_URG)) ==
	    (WL_TCP_FIN | WL_TCP_PSH | WL_TCP_URG))
		return WL_PROBE_XMAS;
	return WL_PROBE_FIN;
}

/* A TCP header with only an MSS option or none: a crafted SYN (nmap -sS, masscan), not connect(). */
WL_INLINE int wl_conn_raw_syn(__u32 hlen)
{
	return hlen <= 24;
}

/* Fill an event about the frame's flow: src is side `from`'s address, dst the other side's. */
WL_INLINE struct wl_event *wl_conn_event(struct wl_conn_out *o, const struct wl_pkt *p, int from,
					 int frame_from, __u8 type, __u8 kind, __u64 now)
{
	struct wl_event *e;

	if (o->nev >= WL_CONN_EVENTS)
		return 0;
	e = &o->ev[o->nev & (WL_CONN_EVENTS - 1)];
	o->nev++;
	__builtin_memset(e, 0, sizeof(*e));
	e->ts_ns = now;
	e->type = type;
	e->kind = kind;
	e->family = p->l3 == WL_L3_IPV4 ? 4 : 6;
	e->proto = p->ip_proto;
	e->dir = o->dir;
	/* The frame goes from frame_from to !frame_from; `from` picks which end is src. */
	if (from == frame_from) {
		__builtin_memcpy(e->src, p->saddr, 16);
		__builtin_memcpy(e->dst, p->daddr, 16);
		e->port = p->dport;
	} else {
		__builtin_memcpy(e->src, p->daddr, 16);
		__builtin_memcpy(e->dst, p->saddr, 16);
		e->port = p->sport;
	}
	return e;
}

/*
 * An RTT sample measured at the sensor: the round trip to `far` (a side), from a frame sent
 * towards it until the answering frame from it (the current one, from side d). In a live
 * capture only round trips over the network count: the answer must be received (WL_DIR_IN); one
 * sent by this host measures its own response time, not the network. Files have no direction:
 * both halves are network.
 */
WL_INLINE void wl_conn_rtt(struct wl_conn *c, struct wl_conn_out *o, const struct wl_pkt *p, int d,
			   __u8 method, __u64 sent, struct wl_clock *k)
{
	struct wl_event *e;
	__u64 rtt, now;

	if (o->dir == WL_DIR_OUT || !sent)
		return;
	now = wl_clock_fine(k);
	if (now < sent)
		return;
	rtt = now - sent;
	/* The far side is the one answering: src = the sender of this frame, port its port. */
	e = wl_conn_event(o, p, d, d, WL_EV_RTT, method, now);
	if (!e)
		return;
	e->value = rtt;
	e->port = p->sport;
	rtt /= 1000;
	if (rtt > 0xffffffffull)
		rtt = 0xffffffffull;
	if (!c->rtt_count || rtt < c->rtt_min_us)
		c->rtt_min_us = (__u32)rtt;
	c->rtt_last_us = (__u32)rtt;
	c->rtt_count++;
}

WL_INLINE void wl_conn_probe(struct wl_conn *c, struct wl_conn_out *o, const struct wl_pkt *p,
			     int d, int scanner, __u8 kind, __u8 outcome, __u64 now)
{
	struct wl_event *e;

	if (c->state & WL_CONN_PROBED)
		return;
	c->state |= WL_CONN_PROBED;
	e = wl_conn_event(o, p, scanner, d, WL_EV_PROBE, kind, now);
	if (e)
		e->outcome = outcome;
}

/* The probe kind of a SYN-started connection: crafted SYN or a full connect(). */
WL_INLINE __u8 wl_conn_syn_kind(const struct wl_conn *c)
{
	return (c->state & WL_CONN_RAW_SYN) ? WL_PROBE_SYN : WL_PROBE_CONNECT;
}

/*
 * The TCP timestamps option of a segment after the handshake (hlen bytes at l4, avail
 * readable). Every common stack (Linux, the BSDs, macOS, Windows) sends it first, as NOP, NOP,
 * TS or as TS alone, so only those two places are looked at: a bounded check instead of a walk
 * through the options. Returns 1 and sets *val and *ecr when present.
 */
WL_INLINE int wl_tcp_timestamps(const __u8 *l4, __u32 hlen, __u32 avail, __u32 *val, __u32 *ecr)
{
	__u32 at;

	if (hlen > avail)
		hlen = avail;
	if (hlen >= 32 && l4[20] == 1 && l4[21] == 1 && l4[22] == 8 && l4[23] == 10)
		at = 24;
	else if (hlen >= 32 && l4[20] == 8 && l4[21] == 10)
		at = 22;
	else
		return 0;
	*val = wl_get32(l4 + at);
	*ecr = wl_get32(l4 + at + 4);
	return 1;
}

/* One TCP segment from side d. */
WL_INLINE void wl_conn_tcp(struct wl_conn *c, struct wl_conn_out *o, const struct wl_pkt *p,
			   const __u8 *l4, __u32 avail, int d, struct wl_clock *k)
{
	__u64 now = k->coarse;
	__u32 hlen, seq, ack, paylen, end, tsval = 0, tsecr = 0;
	__u8 flags = p->tcp_flags;
	__u16 win;
	int o_side = !d, init, has_ts;

	if (avail < 20)
		return;
	hlen = (l4[12] >> 4) * 4;
	seq = wl_get32(l4 + 4);
	ack = wl_get32(l4 + 8);
	win = wl_get16(l4 + 14);
	paylen = p->payload_off ? wl_payload_len(p) : 0;
	o->marks |= WL_CM_SEGMENT;
	if (flags & WL_TCP_RST) {
		c->rst[d]++;
		o->marks |= WL_CM_RST;
	}

	/* Handshake. */
	if ((flags & (WL_TCP_SYN | WL_TCP_ACK | WL_TCP_RST)) == WL_TCP_SYN) {
		o->marks |= WL_CM_SYN;
		if ((c->state & WL_CONN_SYN) && (!!(c->state & WL_CONN_INIT_B)) == d &&
		    c->isn == seq) {
			/* The same SYN again: unanswered so far, or lost. */
			c->retrans[d]++;
			o->marks |= WL_CM_RETRANS;
			if (!(c->state & WL_CONN_SYNACK))
				wl_conn_probe(c, o, p, d, d, wl_conn_syn_kind(c), WL_OUT_NOREPLY,
					      now);
			return;
		}
		/* A new connection (or a reused port): start over, keeping the counters. */
		c->state = WL_CONN_SYN | (d ? WL_CONN_INIT_B : 0) |
			   (d ? WL_CONN_SEQ_B : WL_CONN_SEQ_A);
		if (wl_conn_raw_syn(hlen))
			c->state |= WL_CONN_RAW_SYN;
		c->isn = seq;
		c->t_syn = wl_clock_fine(k);
		c->t_synack = 0;
		c->seq_next[d] = seq + 1;
		c->t_adv[d] = c->t_syn;
		c->ts_time[0] = c->ts_time[1] = 0;
		return;
	}
	init = !!(c->state & WL_CONN_INIT_B);
	if ((flags & (WL_TCP_SYN | WL_TCP_ACK | WL_TCP_RST)) == (WL_TCP_SYN | WL_TCP_ACK)) {
		o->marks |= WL_CM_SYNACK;
		if (c->state & WL_CONN_SYNACK) {
			c->retrans[d]++;
			o->marks |= WL_CM_RETRANS;
			return;
		}
		if ((c->state & WL_CONN_SYN) && d != init) {
			c->state |= WL_CONN_SYNACK | (d ? WL_CONN_SEQ_B : WL_CONN_SEQ_A);
			c->t_synack = wl_clock_fine(k);
			c->seq_next[d] = seq + 1;
			c->t_adv[d] = c->t_synack;
			c->ack_last[d] = ack;
			/* SYN -> SYN-ACK: the round trip to the responder. */
			wl_conn_rtt(c, o, p, d, WL_RTT_HANDSHAKE, c->t_syn, k);
		}
		return;
	}
	if ((c->state & (WL_CONN_SYNACK | WL_CONN_ESTAB)) == WL_CONN_SYNACK && d == init &&
	    !(flags & WL_TCP_SYN)) {
		if (flags & WL_TCP_RST) {
			/* SYN, SYN-ACK, RST: a half-open probe (nmap -sS on an open port). */
			wl_conn_probe(c, o, p, d, d, WL_PROBE_SYN, WL_OUT_HALFOPEN, now);
		} else if (flags & WL_TCP_ACK) {
			c->state |= WL_CONN_ESTAB;
			o->marks |= WL_CM_ESTAB;
			/* SYN-ACK -> ACK: the round trip to the initiator. */
			wl_conn_rtt(c, o, p, d, WL_RTT_HANDSHAKE, c->t_synack, k);
		}
	}
	if ((flags & WL_TCP_RST) && (c->state & WL_CONN_SYN)) {
		if (!(c->state & WL_CONN_SYNACK) && d != init)
			/* SYN answered by RST: a closed port. */
			wl_conn_probe(c, o, p, d, init, wl_conn_syn_kind(c), WL_OUT_RST, now);
	}
	if (!(flags & (WL_TCP_ACK | WL_TCP_SYN | WL_TCP_RST))) {
		/* No ACK on anything but a SYN or RST: FIN, NULL and Xmas probes. */
		wl_conn_probe(c, o, p, d, d, wl_conn_stealth_kind(flags), WL_OUT_SENT, now);
		return;
	}
	if (paylen)
		c->state |= d ? WL_CONN_DATA_B : WL_CONN_DATA_A;
	/* An established connection closed by its initiator without a byte either way. */
	if ((c->state & WL_CONN_ESTAB) && d == init && (flags & (WL_TCP_RST | WL_TCP_FIN)) &&
	    !(c->state & (WL_CONN_DATA_A | WL_CONN_DATA_B)))
		wl_conn_probe(c, o, p, d, d, WL_PROBE_CONNECT, WL_OUT_EMPTY, now);

	/* Zero window: the receiver has no room (not on RST, whose window means nothing). */
	if (!win && !(flags & WL_TCP_RST)) {
		c->zerowin[d]++;
		o->marks |= WL_CM_ZEROWIN;
	}

	/*
	 * Sequence space of this direction. Below the highest sequence number seen, a segment
	 * was either seen already (a retransmission) or fills the latest gap: soon after the
	 * gap opened, that is reordering; later, the sender resent what was lost before the
	 * sensor (a retransmission too).
	 */
	end = seq + paylen + ((flags & WL_TCP_FIN) ? 1 : 0);
	if (end != seq && !(flags & WL_TCP_RST)) {
		__u32 bit = d ? WL_CONN_SEQ_B : WL_CONN_SEQ_A;
		__u32 hole = d ? WL_CONN_HOLE_B : WL_CONN_HOLE_A;

		if (!(c->state & bit)) {
			c->state |= bit;
			c->seq_next[d] = end;
			c->t_adv[d] = now;
		} else if (wl_seq_lt(seq, c->seq_next[d])) {
			/* Keep-alives (one byte below the next) are not retransmissions. */
			if (!(paylen <= 1 && seq + 1 == c->seq_next[d] && !(flags & WL_TCP_FIN))) {
				__u64 gap =
					c->rtt_count ? (__u64)c->rtt_min_us * 1000 : WL_CONN_OOO_NS;

				if (gap > WL_CONN_OOO_NS)
					gap = WL_CONN_OOO_NS;
				/* Into the open gap soon after it opened: reordering (precise clock). */
				if ((c->state & hole) && !wl_seq_lt(seq, c->hole_lo[d]) &&
				    wl_seq_lt(seq, c->hole_hi[d]) &&
				    wl_clock_fine(k) - c->t_adv[d] < gap) {
					c->ooo[d]++;
					o->marks |= WL_CM_OOO;
				} else {
					c->retrans[d]++;
					o->marks |= WL_CM_RETRANS;
				}
				if ((c->state & hole) && seq == c->hole_lo[d]) {
					c->hole_lo[d] = end;
					if (!wl_seq_lt(c->hole_lo[d], c->hole_hi[d]))
						c->state &= ~hole;
				}
			}
			if (wl_seq_lt(c->seq_next[d], end)) {
				c->seq_next[d] = end;
				c->t_adv[d] = (c->state & hole) ? wl_clock_fine(k) : now;
			}
		} else {
			if (wl_seq_lt(c->seq_next[d], seq)) {
				/* A gap: frames lost before the sensor, or reordered. */
				c->hole_lo[d] = c->seq_next[d];
				c->hole_hi[d] = seq;
				c->state |= hole;
			}
			c->seq_next[d] = end;
			/* While a gap is open, the time of the highest segment tells reordering. */
			c->t_adv[d] = (c->state & hole) ? wl_clock_fine(k) : now;
		}
	}

	/* Duplicate ACKs: the same ACK and window again, no data, while the other side has data
	 * outstanding. */
	if ((flags & WL_TCP_ACK) && !paylen && !(flags & (WL_TCP_SYN | WL_TCP_FIN | WL_TCP_RST))) {
		if ((c->state & WL_CONN_ACKED_A << d) && ack == c->ack_last[d] &&
		    win == c->win_last[d] && (c->state & (WL_CONN_SEQ_A << o_side)) &&
		    wl_seq_lt(ack, c->seq_next[o_side])) {
			c->dupack[d]++;
			o->marks |= WL_CM_DUPACK;
		}
	}
	if (flags & WL_TCP_ACK) {
		c->state |= WL_CONN_ACKED_A << d;
		c->ack_last[d] = ack;
		c->win_last[d] = win;
	}

	/* Timestamps: the first segment echoing a remembered TSval closes a round trip. */
	has_ts = hlen > 20 && wl_tcp_timestamps(l4, hlen, avail, &tsval, &tsecr);
	if (!has_ts || (flags & WL_TCP_RST))
		return;
	if (c->ts_time[o_side] && (flags & WL_TCP_ACK)) {
		if (tsecr == c->ts_val[o_side]) {
			wl_conn_rtt(c, o, p, d, WL_RTT_TIMESTAMP, c->ts_time[o_side], k);
			c->ts_time[o_side] = 0;
			c->ts_last[o_side] = wl_clock_fine(k);
		} else if (wl_seq_lt(c->ts_val[o_side], tsecr)) {
			c->ts_time[o_side] =
				0; /* a later TSval was echoed: this one never will be */
		}
	}
	if (!c->ts_time[d] && tsval != c->ts_val[d] &&
	    (!c->ts_last[d] || wl_after(now, c->ts_last[d], WL_CONN_TS_GAP_NS))) {
		c->ts_val[d] = tsval;
		c->ts_time[d] = wl_clock_fine(k);
	}
}

/* ICMP/ICMPv6: echo round trips, and port-unreachable errors as answers to UDP probes. */
WL_INLINE void wl_conn_icmp(struct wl_conn *c, struct wl_conn_out *o, const struct wl_pkt *p,
			    const __u8 *l4, __u32 avail, int d, struct wl_clock *k)
{
	__u64 now = k->coarse;
	int v6 = p->l4 == WL_L4_ICMPV6, o_side = !d;
	__u8 type, code;
	__u32 idseq;

	/* (Nothing read before this: a frame cut inside the ICMP header has fewer bytes.) */
	if (avail < 8)
		return;
	type = l4[0];
	code = l4[1];
	idseq = wl_get32(l4 + 4);
	if ((!v6 && type == 8) || (v6 && type == 128)) {
		/*
		 * One request at a time: a newer one of the same pinger (identifier) replaces it
		 * only once it looks lost; another pinger's replaces it at once.
		 */
		if (!c->ts_time[d] || (c->ts_val[d] >> 16) != (idseq >> 16) ||
		    wl_after(now, c->ts_time[d], WL_CONN_ECHO_LOST_NS + 1)) {
			c->ts_val[d] = idseq;
			c->ts_time[d] = wl_clock_fine(k);
		}
		return;
	}
	if ((!v6 && type == 0) || (v6 && type == 129)) {
		if (c->ts_time[o_side] && c->ts_val[o_side] == idseq) {
			wl_conn_rtt(c, o, p, d, WL_RTT_ICMP, c->ts_time[o_side], k);
			c->ts_time[o_side] = 0;
		}
		return;
	}
	/* Destination unreachable, port unreachable (v4 3/3, v6 1/4): the quoted datagram went
	 * from the prober to this frame's sender, to a closed UDP port. */
	if ((!v6 && type == 3 && code == 3) || (v6 && type == 1 && code == 4)) {
		__u32 ip = 8, l4o, hl;
		struct wl_event *e;

		if (!v6) {
			if (avail < ip + 20 + 4)
				return;
			hl = (l4[ip & (WL_CONN_L4_LEN - 1)] & 0x0f) * 4;
			if (hl < 20 || l4[(ip + 9) & (WL_CONN_L4_LEN - 1)] != WL_IPPROTO_UDP)
				return;
			l4o = ip + hl;
		} else {
			if (avail < ip + 40 + 4 ||
			    l4[(ip + 6) & (WL_CONN_L4_LEN - 1)] != WL_IPPROTO_UDP)
				return;
			l4o = ip + 40;
		}
		if (l4o + 4 > avail || l4o + 4 > WL_CONN_L4_LEN)
			return;
		/* The prober is the quoted source (this frame's receiver): src = !d. */
		e = wl_conn_event(o, p, o_side, d, WL_EV_PROBE, WL_PROBE_UDP, now);
		if (!e)
			return;
		e->proto = WL_IPPROTO_UDP;
		e->outcome = WL_OUT_UNREACH;
		e->port = wl_get16(&l4[(l4o + 2) & (WL_CONN_L4_LEN - 1)]);
	}
}

/*
 * UDP: a flow whose opener sends again before any answer came back probes a port that does not
 * answer. (Scanners that retry from another port open a new flow each time: the daemon reports
 * flows left unanswered for WL_CONN_UDP_QUIET_NS as probes when it reads the flow table.)
 */
WL_INLINE void wl_conn_udp(struct wl_conn *c, struct wl_conn_out *o, const struct wl_pkt *p, int d,
			   __u64 now)
{
	__u32 len = p->payload_off ? wl_payload_len(p) : 0;

	if (!(c->state & WL_CONN_SYN)) {
		c->state = WL_CONN_SYN | (d ? WL_CONN_INIT_B : 0);
		c->t_syn = now;
		c->udp_max = (__u16)(len < 0xffff ? len : 0xffff);
		return;
	}
	if ((!!(c->state & WL_CONN_INIT_B)) != d) {
		c->state |= WL_CONN_SYNACK; /* answered */
		return;
	}
	if (len > c->udp_max)
		c->udp_max = (__u16)(len < 0xffff ? len : 0xffff);
	if (!(c->state & WL_CONN_SYNACK) && c->udp_max <= WL_CONN_UDP_PROBE_MAX)
		wl_conn_probe(c, o, p, d, d, WL_PROBE_UDP, WL_OUT_NOREPLY, now);
}

/*
 * A UDP flow that its opener started at least WL_CONN_UDP_QUIET_NS before `now` and that was
 * never answered nor reported: fill e with its probe (src the opener, dst and port the other
 * end) and return 1.
 */
WL_INLINE int wl_conn_udp_quiet(const struct wl_conn *c, const struct wl_flow_key *k, __u64 now,
				struct wl_event *e)
{
	int init;

	if (k->proto != WL_IPPROTO_UDP ||
	    (c->state & (WL_CONN_SYN | WL_CONN_SYNACK | WL_CONN_PROBED)) != WL_CONN_SYN ||
	    now < c->t_syn + WL_CONN_UDP_QUIET_NS || c->udp_max > WL_CONN_UDP_PROBE_MAX)
		return 0;
	init = !!(c->state & WL_CONN_INIT_B);
	__builtin_memset(e, 0, sizeof(*e));
	e->ts_ns = now;
	e->type = WL_EV_PROBE;
	e->kind = WL_PROBE_UDP;
	e->outcome = WL_OUT_NOREPLY;
	e->family = k->family;
	e->proto = WL_IPPROTO_UDP;
	e->dir = WL_DIR_NONE;
	__builtin_memcpy(e->src, init ? k->b : k->a, 16);
	__builtin_memcpy(e->dst, init ? k->a : k->b, 16);
	e->port = init ? k->port_a : k->port_b;
	return 1;
}

/*
 * Update a flow's analysis with one frame from side d (WL_FLOW side: 0 = a, 1 = b). l4 holds
 * `avail` bytes (at most WL_CONN_L4_LEN) of the transport header. o->dir must be set; o->nev
 * and o->marks are reset here.
 */
WL_INLINE void wl_conn_update_clk(struct wl_conn *c, struct wl_conn_out *o, const struct wl_pkt *p,
				  const __u8 *l4, __u32 avail, int d, struct wl_clock *k)
{
	o->nev = 0;
	o->marks = 0;
	if (p->flags & WL_PF_LATER_FRAGMENT || !p->l4_off)
		return;
	if (avail > WL_CONN_L4_LEN)
		avail = WL_CONN_L4_LEN;
	if (p->l4 == WL_L4_TCP)
		wl_conn_tcp(c, o, p, l4, avail, d, k);
	else if (p->l4 == WL_L4_ICMP || p->l4 == WL_L4_ICMPV6)
		wl_conn_icmp(c, o, p, l4, avail, d, k);
	else if (p->l4 == WL_L4_UDP)
		wl_conn_udp(c, o, p, d, k->coarse);
}

/* The same with one clock: a frame's timestamp (the pcap path). */
WL_INLINE void wl_conn_update(struct wl_conn *c, struct wl_conn_out *o, const struct wl_pkt *p,
			      const __u8 *l4, __u32 avail, int d, __u64 now)
{
	struct wl_clock k = {.coarse = now, .fine = now};

	wl_conn_update_clk(c, o, p, l4, avail, d, &k);
}

#endif /* WIRELENS_CONN_H */
