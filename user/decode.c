// SPDX-License-Identifier: MIT
/*
 * Names from the payload of sampled packets: DNS question (RFC 1035 4.1), TLS ClientHello
 * server name (RFC 8446 4.1.2, RFC 6066 3), HTTP/1.x request line and Host, status line
 * (RFC 9112). The bytes are untrusted and may end anywhere: every read is checked against the
 * end, compression pointers are followed a bounded number of times, and names are kept as raw
 * bytes to be escaped on output (wl_escape_bytes).
 */
#include "decode.h"

#include <stdbool.h>
#include <string.h>

#include "wirelens.h"

#define DNS_HDR		   12
#define DNS_MAX_JUMPS	   16
#define TLS_HANDSHAKE	   22
#define TLS_CLIENT_HELLO   1
#define TLS_EXT_SERVERNAME 0

static unsigned int get16(const uint8_t *p)
{
	return (unsigned int)p[0] << 8 | p[1];
}

static void name_add(struct wl_decoded *d, const uint8_t *s, size_t n)
{
	size_t room = WL_DEC_NAME_MAX - d->name_len;

	if (n > room) {
		n = room;
		d->truncated = 1;
	}
	memcpy(d->name + d->name_len, s, n);
	d->name_len = (uint16_t)(d->name_len + n);
}

/*
 * The first question's name starting at msg + off. Returns the offset just past the name in
 * the question (not where a pointer led), or -1 when the message ends first (name keeps what
 * was read, truncated set) or is malformed (a pointer loop, a bad label type).
 */
static long dns_name(const uint8_t *msg, size_t len, size_t off, struct wl_decoded *d)
{
	long end = -1;
	int jumps = 0;

	for (;;) {
		unsigned int l;

		if (off >= len) {
			d->truncated = 1;
			return -1;
		}
		l = msg[off];
		if (l == 0) {
			if (end < 0)
				end = (long)off + 1;
			if (!d->name_len)
				name_add(d, (const uint8_t *)".", 1);
			return end;
		}
		if ((l & 0xc0) == 0xc0) {
			size_t to;

			if (off + 1 >= len) {
				d->truncated = 1;
				return -1;
			}
			to = (size_t)(l & 0x3f) << 8 | msg[off + 1];
			/* Only backwards, and only so often: no loops. */
			if (to >= off || ++jumps > DNS_MAX_JUMPS)
				return -2;
			if (end < 0)
				end = (long)off + 2;
			off = to;
			continue;
		}
		if (l & 0xc0)
			return -2; /* extended label types (RFC 6891): not in a question */
		if (d->name_len)
			name_add(d, (const uint8_t *)".", 1);
		if (off + 1 + l > len) {
			name_add(d, msg + off + 1, len - off - 1);
			d->truncated = 1;
			return -1;
		}
		name_add(d, msg + off + 1, l);
		off += 1 + l;
	}
}

static void decode_dns(const uint8_t *p, size_t len, bool tcp, struct wl_decoded *d)
{
	long end;

	if (tcp) { /* a 2-byte length before each message (RFC 1035 4.2.2) */
		if (len < 2)
			return;
		if (get16(p) < len - 2)
			len = get16(p) + 2;
		p += 2;
		len -= 2;
	}
	if (len < DNS_HDR || get16(p + 4) == 0)
		return; /* no header, or no question */
	d->kind = p[2] & 0x80 ? WL_DEC_DNS_RESPONSE : WL_DEC_DNS_QUERY;
	d->rcode = p[3] & 0x0f;
	d->answers = (uint16_t)get16(p + 6);
	end = dns_name(p, len, DNS_HDR, d);
	if (end == -2) {
		memset(d, 0, sizeof(*d));
		return;
	}
	if (end < 0 || (size_t)end + 2 > len) {
		d->truncated = 1;
		return;
	}
	d->qtype = (uint16_t)get16(p + end);
}

/* Skip a length-prefixed vector of `lbytes` length bytes at *off; false when cut short. */
static bool tls_skip(const uint8_t *p, size_t len, size_t *off, int lbytes)
{
	size_t n;

	if (*off + lbytes > len)
		return false;
	n = lbytes == 1 ? p[*off] : get16(p + *off);
	*off += lbytes + n;
	return *off <= len;
}

static void decode_tls(const uint8_t *p, size_t len, struct wl_decoded *d)
{
	size_t off, ext_end, hs_end;

	/* Record header: type 22, version 3.x, length; handshake header: type 1, length. */
	if (len < 6 || p[0] != TLS_HANDSHAKE || p[1] != 3 || p[5] != TLS_CLIENT_HELLO)
		return;
	d->kind = WL_DEC_TLS_HELLO;
	d->truncated = 1; /* until the extensions were walked */
	if (len < 9)
		return;
	hs_end = 9 + ((size_t)p[6] << 16 | (size_t)p[7] << 8 | p[8]);
	if (hs_end < len)
		len = hs_end;			       /* the rest is another message */
	off = 9 + 2 + 32;			       /* client version, random */
	if (off > len || !tls_skip(p, len, &off, 1) || /* session id */
	    !tls_skip(p, len, &off, 2) ||	       /* cipher suites */
	    !tls_skip(p, len, &off, 1))		       /* compression methods */
		return;
	if (off == hs_end) { /* no extensions at all */
		d->truncated = 0;
		return;
	}
	if (off + 2 > len)
		return;
	ext_end = off + 2 + get16(p + off);
	off += 2;
	while (off + 4 <= len && off + 4 <= ext_end) {
		unsigned int type = get16(p + off), n = get16(p + off + 2);
		size_t e = off + 4, list_end;

		if (type != TLS_EXT_SERVERNAME) {
			off = e + n;
			continue;
		}
		/* server_name_list: length, then entries of type(1) length(2) name */
		if (e + 2 > len)
			return;
		list_end = e + 2 + get16(p + e);
		e += 2;
		while (e + 3 <= list_end) {
			unsigned int nt, nl;

			if (e + 3 > len)
				return;
			nt = p[e];
			nl = get16(p + e + 1);
			e += 3;
			if (nt == 0) { /* host_name */
				if (e + nl > len) {
					name_add(d, p + e, len - e);
					return;
				}
				name_add(d, p + e, nl);
				d->truncated = 0;
				return;
			}
			e += nl;
		}
		d->truncated = 0;
		return;
	}
	/* Walked every extension there was: no server name. */
	if (off >= ext_end)
		d->truncated = 0;
}

static bool is_upper(uint8_t c)
{
	return c >= 'A' && c <= 'Z';
}

/* The value of the Host header in the header block starting at p[off]. */
static void http_host(const uint8_t *p, size_t len, size_t off, struct wl_decoded *d)
{
	while (off < len) {
		size_t eol = off, v, e;

		while (eol < len && p[eol] != '\n')
			eol++;
		if (eol == len) { /* the block goes on past what was captured */
			d->truncated = 1;
			return;
		}
		e = eol;
		if (e > off && p[e - 1] == '\r')
			e--;
		if (e == off)
			return; /* the empty line: end of the headers, no Host */
		if (e - off >= 5 && (p[off] | 0x20) == 'h' && (p[off + 1] | 0x20) == 'o' &&
		    (p[off + 2] | 0x20) == 's' && (p[off + 3] | 0x20) == 't' && p[off + 4] == ':') {
			v = off + 5;
			while (v < e && (p[v] == ' ' || p[v] == '\t'))
				v++;
			while (e > v && (p[e - 1] == ' ' || p[e - 1] == '\t'))
				e--;
			name_add(d, p + v, e - v);
			return;
		}
		off = eol + 1;
	}
	d->truncated = 1;
}

static void decode_http(const uint8_t *p, size_t len, struct wl_decoded *d)
{
	size_t i = 0;

	if (len >= 12 && !memcmp(p, "HTTP/1.", 7) && p[8] == ' ') {
		unsigned int st = 0;

		for (i = 9; i < 12; i++) {
			if (p[i] < '0' || p[i] > '9')
				return;
			st = st * 10 + (p[i] - '0');
		}
		if (st < 100 || st > 599 ||
		    (len > 12 && p[12] != ' ' && p[12] != '\r' && p[12] != '\n'))
			return;
		d->kind = WL_DEC_HTTP_RESPONSE;
		d->status = (uint16_t)st;
		return;
	}
	while (i < len && i < sizeof(d->method) - 1 && is_upper(p[i]))
		i++;
	if (i == 0 || i >= len || p[i] != ' ')
		return;
	/* METHOD SP target SP HTTP/1.x: the request line must end well formed. */
	{
		size_t sp = i + 1, eol;

		while (sp < len && p[sp] != ' ' && p[sp] != '\r' && p[sp] != '\n')
			sp++;
		if (sp < len && p[sp] != ' ')
			return;
		eol = sp + 1;
		if (eol + 8 <= len && memcmp(p + eol, "HTTP/1.", 7))
			return;
		while (eol < len && p[eol] != '\n')
			eol++;
		d->kind = WL_DEC_HTTP_REQUEST;
		memcpy(d->method, p, i);
		d->method[i] = 0;
		if (eol >= len) {
			d->truncated = 1;
			return;
		}
		http_host(p, len, eol + 1, d);
	}
}

int wl_decode(int app, int ip_proto, const uint8_t *payload, size_t len, struct wl_decoded *out)
{
	memset(out, 0, sizeof(*out));
	if (!payload || !len)
		return 0;
	switch (app) {
	case WL_APP_DNS:
	case WL_APP_MDNS:
	case WL_APP_LLMNR:
		decode_dns(payload, len, ip_proto == 6, out);
		break;
	case WL_APP_TLS:
		if (ip_proto == 6)
			decode_tls(payload, len, out);
		break;
	case WL_APP_HTTP:
		if (ip_proto == 6)
			decode_http(payload, len, out);
		break;
	default:
		break;
	}
	return 0;
}

size_t wl_escape_bytes(const uint8_t *in, size_t len, char *out, size_t out_size)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (!out_size)
		return 0;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = in[i];
		size_t need = c == '\\' ? 2 : (c >= 0x20 && c < 0x7f) ? 1 : 4;

		if (o + need >= out_size)
			break;
		if (c == '\\') {
			out[o++] = '\\';
			out[o++] = '\\';
		} else if (need == 1) {
			out[o++] = (char)c;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = 0;
	return o;
}

const char *wl_dns_type_name(unsigned int qtype)
{
	switch (qtype) {
	case 1:
		return "A";
	case 2:
		return "NS";
	case 5:
		return "CNAME";
	case 6:
		return "SOA";
	case 12:
		return "PTR";
	case 15:
		return "MX";
	case 16:
		return "TXT";
	case 28:
		return "AAAA";
	case 33:
		return "SRV";
	case 35:
		return "NAPTR";
	case 43:
		return "DS";
	case 48:
		return "DNSKEY";
	case 64:
		return "SVCB";
	case 65:
		return "HTTPS";
	case 255:
		return "ANY";
	case 257:
		return "CAA";
	default:
		return NULL;
	}
}
