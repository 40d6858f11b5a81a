// SPDX-License-Identifier: MIT
/* Sampled packet records: the sampler of the pcap path, the store of recent records, -w. */
#include "packets.h"
#include "recorder.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pcapw.h"
#include "talkers.h"

int packets_init(struct packets *p, size_t cap, uint32_t snaplen, int linktype)
{
	memset(p, 0, sizeof(*p));
	p->linktype = linktype;
	p->cap = cap;
	p->snaplen = snaplen;
	if (!cap)
		return 0;
	p->recs = calloc(cap, sizeof(*p->recs));
	p->data = malloc(cap * snaplen);
	if (!p->recs || !p->data) {
		packets_free(p);
		return -ENOMEM;
	}
	return 0;
}

void packets_free(struct packets *p)
{
	free(p->recs);
	free(p->data);
	p->recs = NULL;
	p->data = NULL;
	p->cap = p->count = 0;
}

void packets_add(struct packets *p, const struct wl_sample *s, const uint8_t *data,
		 uint64_t real_ns, uint32_t payload_off)
{
	uint32_t caplen = s->caplen, keep;
	struct wl_record *r, tmp;
	uint8_t *dst;

	p->received++;
	r = p->cap ? &p->recs[p->next] : &tmp;
	memset(r, 0, sizeof(*r));
	r->seq = p->received;
	r->ts_ns = real_ns;
	r->ifindex = s->ifindex;
	r->len = s->len;
	r->dir = s->dir;
	r->l3 = s->l3;
	r->l4 = s->l4;
	r->app = s->app;
	r->flags = s->flags;
	r->tcp_flags = s->tcp_flags;
	r->ip_proto = s->ip_proto;
	r->icmp_type = s->icmp_type;
	r->sport = s->sport;
	r->dport = s->dport;
	r->vlan_id = s->vlan_id;
	r->ethertype = s->ethertype;
	if (s->flags & WL_PF_ADDRS) {
		r->family = s->l3 == WL_L3_IPV6 ? 6 : 4;
		memcpy(r->saddr, s->saddr, 16);
		memcpy(r->daddr, s->daddr, 16);
	}
	/* Names from the payload: the record may carry more than the snaplen for this. */
	if (payload_off == PACKETS_PARSE_ETHER) {
		struct wl_pkt pk;

		payload_off = PACKETS_NO_PAYLOAD;
		if (s->l4 == WL_L4_TCP || s->l4 == WL_L4_UDP) {
			wl_parse_frame(data, data + caplen, &pk);
			payload_off = pk.payload_off;
		}
	}
	if (payload_off && payload_off <= caplen)
		wl_decode(s->app, s->ip_proto, data + payload_off, caplen - payload_off, &r->dec);
	/* The server a client named (SNI, Host) is the destination: talkers show the name. */
	if (p->talkers && r->family && r->dec.name_len &&
	    (r->dec.kind == WL_DEC_TLS_HELLO || r->dec.kind == WL_DEC_HTTP_REQUEST))
		talkers_name_host(p->talkers, r->daddr, r->family, r->dec.name, r->dec.name_len);
	keep = caplen < s->snaplen ? caplen : s->snaplen;
	if (p->writer)
		pcapw_write(p->writer, real_ns, data, keep, s->len);
	if (!p->cap) {
		r->data = data;
		r->caplen = keep;
		if (p->recorder)
			recorder_packet(p->recorder, r);
		return;
	}
	if (keep > p->snaplen)
		keep = p->snaplen;
	dst = p->data + p->next * p->snaplen;
	memcpy(dst, data, keep);
	r->data = dst;
	r->caplen = keep;
	p->next = (p->next + 1) % p->cap;
	if (p->count < p->cap)
		p->count++;
	if (p->recorder)
		recorder_packet(p->recorder, r);
}

const struct wl_record *packets_get(const struct packets *p, size_t i)
{
	size_t first = (p->next + p->cap - p->count) % p->cap;

	return &p->recs[(first + i) % p->cap];
}

bool sampler_admit(struct sampler *s, uint64_t ts_ns)
{
	uint64_t sec = ts_ns / 1000000000ull;

	if (!s->every || ++s->nth < s->every)
		return false;
	s->nth = 0;
	if (s->cap) {
		if (sec != s->sec) {
			s->sec = sec;
			s->count = 0;
		}
		if (s->count++ >= s->cap) {
			s->limited++;
			return false;
		}
	}
	s->taken++;
	return true;
}
