/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Application protocol identification, shared by BPF and the pcap path. Payload signatures
 * first (they hold on any port), then well-known ports (either side; the destination first).
 * Each rule is documented in docs/app-protocols.md. Only the first bytes of the payload are
 * read, every read bounds-checked against the end of the frame.
 */
#ifndef WIRELENS_APP_H
#define WIRELENS_APP_H

#include "wirelens.h"

#ifndef WL_INLINE
#define WL_INLINE static inline __attribute__((always_inline))
#endif

/* True when the 4 bytes at p equal a, b, c, d. */
WL_INLINE int wl_app_b4(const __u8 *p, __u8 a, __u8 b, __u8 c, __u8 d)
{
	return p[0] == a && p[1] == b && p[2] == c && p[3] == d;
}

/* HTTP/1.x request methods (RFC 9110 section 9) or a status line ("HTTP/1."). */
WL_INLINE int wl_app_is_http(const __u8 *p, const __u8 *end)
{
	if (p + 8 > end)
		return 0;
	return wl_app_b4(p, 'G', 'E', 'T', ' ') || wl_app_b4(p, 'P', 'O', 'S', 'T') ||
	       wl_app_b4(p, 'H', 'E', 'A', 'D') || wl_app_b4(p, 'P', 'U', 'T', ' ') ||
	       wl_app_b4(p, 'D', 'E', 'L', 'E') || wl_app_b4(p, 'O', 'P', 'T', 'I') ||
	       wl_app_b4(p, 'P', 'A', 'T', 'C') || wl_app_b4(p, 'C', 'O', 'N', 'N') ||
	       (wl_app_b4(p, 'H', 'T', 'T', 'P') && p[4] == '/' && p[5] == '1' && p[6] == '.');
}

/*
 * TLS record header (RFC 8446 section 5.1): content type 20..23, legacy version 3.x with
 * x <= 4, length at most 2^14 + 2048.
 */
WL_INLINE int wl_app_is_tls(const __u8 *p, const __u8 *end)
{
	__u16 len;

	if (p + 5 > end)
		return 0;
	len = (__u16)((p[3] << 8) | p[4]);
	return p[0] >= 20 && p[0] <= 23 && p[1] == 3 && p[2] <= 4 && len && len <= 18432;
}

/* QUIC long header (RFC 8999 invariants, RFC 9000/9369 versions): form bit, fixed bit, version. */
WL_INLINE int wl_app_is_quic_long(const __u8 *p, const __u8 *end)
{
	if (p + 6 > end)
		return 0;
	if ((p[0] & 0xc0) != 0xc0)
		return 0;
	return wl_app_b4(p + 1, 0, 0, 0, 1) || wl_app_b4(p + 1, 0x6b, 0x33, 0x43, 0xcf) ||
	       (p[1] == 0xff && p[2] == 0 && p[3] == 0); /* draft versions */
}

WL_INLINE __u8 wl_app_of_tcp_port(__u16 port)
{
	switch (port) {
	case 53:
		return WL_APP_DNS;
	case 5355:
		return WL_APP_LLMNR;
	case 80:
	case 8080:
		return WL_APP_HTTP;
	case 443:
	case 853:
	case 8443:
		return WL_APP_TLS;
	case 22:
		return WL_APP_SSH;
	case 25:
	case 465:
	case 587:
		return WL_APP_SMTP;
	case 143:
	case 993:
		return WL_APP_IMAP;
	case 110:
	case 995:
		return WL_APP_POP3;
	case 139:
	case 445:
		return WL_APP_SMB;
	case 3389:
		return WL_APP_RDP;
	default:
		return WL_APP_UNKNOWN;
	}
}

WL_INLINE __u8 wl_app_of_udp_port(__u16 port)
{
	switch (port) {
	case 53:
		return WL_APP_DNS;
	case 5353:
		return WL_APP_MDNS;
	case 5355:
		return WL_APP_LLMNR;
	case 443:
		return WL_APP_QUIC;
	case 67:
	case 68:
		return WL_APP_DHCP;
	case 546:
	case 547:
		return WL_APP_DHCPV6;
	case 123:
		return WL_APP_NTP;
	case 161:
	case 162:
		return WL_APP_SNMP;
	case 3389:
		return WL_APP_RDP;
	default:
		return WL_APP_UNKNOWN;
	}
}

/*
 * Identify the application of a TCP segment or UDP datagram whose payload starts at pl. The
 * frame ends at end; plen is the payload length the IP header announces, so that Ethernet
 * padding after a short segment is never mistaken for payload.
 */
WL_INLINE __u8 wl_app_classify(int tcp, __u16 sport, __u16 dport, const __u8 *pl, const __u8 *end,
			       __u32 plen)
{
	__u8 app;

	if (tcp) {
		if (plen >= 5 && wl_app_is_tls(pl, end))
			return WL_APP_TLS;
		if (plen >= 8 && wl_app_is_http(pl, end))
			return WL_APP_HTTP;
		if (plen >= 4 && pl + 4 <= end && wl_app_b4(pl, 'S', 'S', 'H', '-'))
			return WL_APP_SSH;
		/* SMB over NetBIOS session service: 4-byte header, then 0xff or 0xfe "SMB". */
		if (plen >= 8 && pl + 8 <= end && pl[0] == 0 && (pl[4] == 0xff || pl[4] == 0xfe) &&
		    pl[5] == 'S' && pl[6] == 'M' && pl[7] == 'B')
			return WL_APP_SMB;
		app = wl_app_of_tcp_port(dport);
		return app != WL_APP_UNKNOWN ? app : wl_app_of_tcp_port(sport);
	}
	if (dport == 443 || sport == 443 || (plen >= 6 && wl_app_is_quic_long(pl, end)))
		return WL_APP_QUIC;
	app = wl_app_of_udp_port(dport);
	return app != WL_APP_UNKNOWN ? app : wl_app_of_udp_port(sport);
}

#endif /* WIRELENS_APP_H */
