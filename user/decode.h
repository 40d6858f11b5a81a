/* SPDX-License-Identifier: MIT */
/* Names from sampled packets: DNS question, TLS server name, HTTP method/Host/status. */
#ifndef WL_DECODE_H
#define WL_DECODE_H

#include <stddef.h>
#include <stdint.h>

enum wl_dec_kind {
	WL_DEC_NONE = 0,
	WL_DEC_DNS_QUERY,     /* DNS, mDNS or LLMNR message with QR = 0 */
	WL_DEC_DNS_RESPONSE,  /* QR = 1 */
	WL_DEC_TLS_HELLO,     /* TLS ClientHello; name: the SNI host name (may be empty) */
	WL_DEC_HTTP_REQUEST,  /* method, and name: the Host header */
	WL_DEC_HTTP_RESPONSE, /* status */
};

#define WL_DEC_NAME_MAX 255

struct wl_decoded {
	uint8_t kind;	   /* enum wl_dec_kind */
	uint8_t truncated; /* the bytes ended before the field did; name holds what was there */
	uint16_t qtype;	   /* DNS: type of the first question */
	uint16_t rcode;	   /* DNS: response code */
	uint16_t status;   /* HTTP response status */
	uint16_t answers;  /* DNS: answer count */
	uint16_t name_len;
	char method[12]; /* HTTP method, NUL-terminated, A-Z only */
	/*
	 * Raw bytes from the network, not text: DNS: the query name, labels joined with '.'
	 * ("." for the root); TLS: the SNI; HTTP: the Host value. Escape before output.
	 */
	uint8_t name[WL_DEC_NAME_MAX + 1];
};

/*
 * Decode the transport payload of one sampled packet of application class app (enum wl_app)
 * over ip_proto (6 TCP, 17 UDP). payload/len: what was captured, possibly cut anywhere. Fills
 * *out (kind WL_DEC_NONE when there is nothing to decode); never reads outside the payload.
 * Returns 0.
 */
int wl_decode(int app, int ip_proto, const uint8_t *payload, size_t len, struct wl_decoded *out);

/*
 * Escape untrusted bytes for output: printable ASCII (0x20-0x7e) is copied, a backslash becomes
 * "\\\\", every other byte "\\xHH". The result is NUL-terminated printable ASCII, safe in JSON
 * strings, CSV fields and terminals; it is cut before an escape that would not fit. Returns
 * its length.
 */
size_t wl_escape_bytes(const uint8_t *in, size_t len, char *out, size_t out_size);

/* "A", "AAAA", "MX", ... for a DNS type; NULL when not a common one (print the number). */
const char *wl_dns_type_name(unsigned int qtype);

#endif
