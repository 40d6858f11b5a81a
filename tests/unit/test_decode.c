// SPDX-License-Identifier: MIT
/* Payload decoders (user/decode.c) on real message bytes, cut at every length, and escaping. */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "decode.h"
#include "wirelens.h"

/* A DNS query for example.com, type A (as dig sends it, without the EDNS record). */
static const uint8_t dns_a[] = {0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
				0x00, 0x00, 0x07, 'e',	'x',  'a',  'm',  'p',	'l',  'e',
				0x03, 'c',  'o',  'm',	0x00, 0x00, 0x01, 0x00, 0x01};

/* A response, NXDOMAIN, for www.wirelens.test AAAA, with one answer count. */
static const uint8_t dns_nx[] = {0xab, 0xcd, 0x81, 0x83, 0x00, 0x01, 0x00, 0x01, 0x00,
				 0x00, 0x00, 0x00, 0x03, 'w',  'w',  'w',  0x08, 'w',
				 'i',  'r',  'e',  'l',	 'e',  'n',  's',  0x04, 't',
				 'e',  's',  't',  0x00, 0x00, 0x1c, 0x00, 0x01};

static void name_is(const struct wl_decoded *d, const char *want)
{
	assert_int_equal(d->name_len, strlen(want));
	assert_memory_equal(d->name, want, d->name_len);
}

static void test_dns_query(void **state)
{
	struct wl_decoded d;

	(void)state;
	assert_int_equal(wl_decode(WL_APP_DNS, 17, dns_a, sizeof(dns_a), &d), 0);
	assert_int_equal(d.kind, WL_DEC_DNS_QUERY);
	name_is(&d, "example.com");
	assert_int_equal(d.qtype, 1);
	assert_int_equal(d.truncated, 0);
	assert_string_equal(wl_dns_type_name(d.qtype), "A");
	/* mDNS and LLMNR use the same format. */
	wl_decode(WL_APP_MDNS, 17, dns_a, sizeof(dns_a), &d);
	name_is(&d, "example.com");
	wl_decode(WL_APP_LLMNR, 17, dns_a, sizeof(dns_a), &d);
	assert_int_equal(d.kind, WL_DEC_DNS_QUERY);
}

static void test_dns_response(void **state)
{
	struct wl_decoded d;

	(void)state;
	wl_decode(WL_APP_DNS, 17, dns_nx, sizeof(dns_nx), &d);
	assert_int_equal(d.kind, WL_DEC_DNS_RESPONSE);
	name_is(&d, "www.wirelens.test");
	assert_int_equal(d.qtype, 28);
	assert_int_equal(d.rcode, 3);
	assert_int_equal(d.answers, 1);
	assert_string_equal(wl_dns_type_name(28), "AAAA");
	assert_null(wl_dns_type_name(4242));
}

static void test_dns_tcp(void **state)
{
	uint8_t m[2 + sizeof(dns_a)];
	struct wl_decoded d;

	(void)state;
	m[0] = 0;
	m[1] = sizeof(dns_a);
	memcpy(m + 2, dns_a, sizeof(dns_a));
	wl_decode(WL_APP_DNS, 6, m, sizeof(m), &d);
	assert_int_equal(d.kind, WL_DEC_DNS_QUERY);
	name_is(&d, "example.com");
	assert_int_equal(d.qtype, 1);
	/* Over UDP the same bytes are a different (broken) message: no length prefix there. */
	wl_decode(WL_APP_DNS, 17, m, sizeof(m), &d);
	assert_int_not_equal(d.name_len, 11);
}

static void test_dns_pointers(void **state)
{
	/* Question name is a pointer to itself: a loop. */
	uint8_t loop[] = {0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1};
	/* A pointer forward, past the question: not allowed in a question. */
	uint8_t fwd[] = {0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 16, 0, 1, 1, 'a', 0, 0, 1};
	/* A pointer backwards into the header (odd, but bounded): reads the header bytes. */
	uint8_t back[] = {0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x01, 'x', 0xc0, 11, 0, 1, 0, 1};
	/* An extended label type (0x40). */
	uint8_t ext[] = {0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x41, 'x', 0, 0, 1, 0, 1};
	struct wl_decoded d;

	(void)state;
	wl_decode(WL_APP_DNS, 17, loop, sizeof(loop), &d);
	assert_int_equal(d.kind, WL_DEC_NONE);
	wl_decode(WL_APP_DNS, 17, fwd, sizeof(fwd), &d);
	assert_int_equal(d.kind, WL_DEC_NONE);
	wl_decode(WL_APP_DNS, 17, back, sizeof(back), &d);
	assert_int_equal(d.kind, WL_DEC_DNS_QUERY); /* "x" then the root at offset 11 (a 0) */
	name_is(&d, "x");
	assert_int_equal(d.qtype, 1);
	wl_decode(WL_APP_DNS, 17, ext, sizeof(ext), &d);
	assert_int_equal(d.kind, WL_DEC_NONE);
}

/* A query whose name has `labels` labels of 63 bytes. */
static size_t dns_long(uint8_t *m, int labels, uint8_t fill)
{
	size_t n = 12;

	memset(m, 0, 12);
	m[2] = 1;
	m[5] = 1;
	for (int l = 0; l < labels; l++) {
		m[n++] = 63;
		memset(m + n, fill, 63);
		n += 63;
	}
	m[n++] = 0;
	m[n++] = 0;
	m[n++] = 16; /* TXT */
	m[n++] = 0;
	m[n++] = 1;
	return n;
}

static void test_dns_long_and_binary(void **state)
{
	uint8_t m[1024];
	struct wl_decoded d;
	size_t n;

	(void)state;
	n = dns_long(m, 4, 'a'); /* 4 * 63 + 3 dots = 255 bytes: fits exactly */
	wl_decode(WL_APP_DNS, 17, m, n, &d);
	assert_int_equal(d.name_len, 255);
	assert_int_equal(d.truncated, 0);
	assert_int_equal(d.qtype, 16);
	n = dns_long(m, 5, 'b'); /* longer than a name may be: cut at 255, flagged */
	wl_decode(WL_APP_DNS, 17, m, n, &d);
	assert_int_equal(d.name_len, 255);
	assert_int_equal(d.truncated, 1);
	/* Labels are bytes: a dot, a NUL and 0xff inside a label are kept as they are. */
	{
		uint8_t b[] = {0, 1,   1,   0, 0,    1, 0,   0, 0, 0, 0, 0,
			       4, 'a', '.', 0, 0xff, 1, 'z', 0, 0, 1, 0, 1};
		char text[64];

		wl_decode(WL_APP_DNS, 17, b, sizeof(b), &d);
		assert_int_equal(d.name_len, 6);
		assert_memory_equal(d.name, "a.\0\xff.z", 6);
		wl_escape_bytes(d.name, d.name_len, text, sizeof(text));
		assert_string_equal(text, "a.\\x00\\xff.z");
	}
}

/* Every prefix of a message decodes without reading past it (ASan checks the reads). */
static void every_prefix(int app, int proto, const uint8_t *msg, size_t len)
{
	for (size_t n = 0; n <= len; n++) {
		uint8_t *copy = malloc(n ? n : 1);
		struct wl_decoded d;

		assert_non_null(copy);
		memcpy(copy, msg, n);
		wl_decode(app, proto, copy, n, &d);
		assert_true(d.name_len <= WL_DEC_NAME_MAX);
		/* Cut before the last field it reads (DNS: the type; TLS: the name, which the
		 * test messages put last): flagged, never presented as complete. */
		if (d.kind != WL_DEC_NONE && app == WL_APP_DNS && n < len - 2)
			assert_true(d.truncated);
		if (d.kind != WL_DEC_NONE && app == WL_APP_TLS && n < len)
			assert_true(d.truncated);
		free(copy);
	}
}

static void test_dns_every_cut(void **state)
{
	struct wl_decoded d;

	(void)state;
	every_prefix(WL_APP_DNS, 17, dns_a, sizeof(dns_a));
	every_prefix(WL_APP_DNS, 17, dns_nx, sizeof(dns_nx));
	/* Cut inside the second label: the first label and what there is, flagged. */
	wl_decode(WL_APP_DNS, 17, dns_a, 22, &d);
	assert_int_equal(d.kind, WL_DEC_DNS_QUERY);
	assert_int_equal(d.truncated, 1);
	name_is(&d, "example.c");
	/* Cut before the type. */
	wl_decode(WL_APP_DNS, 17, dns_a, 26, &d);
	assert_int_equal(d.truncated, 1);
	name_is(&d, "example.com");
	assert_int_equal(d.qtype, 0);
}

/*
 * A TLS 1.3 ClientHello as a client sends it: record header, handshake header, version,
 * random, session id, two cipher suites, compression, then extensions: supported_versions
 * before server_name.
 */
static size_t tls_hello(uint8_t *m, const char *sni, bool with_sni)
{
	size_t n = 0, hs, ext;

	m[n++] = 22, m[n++] = 3, m[n++] = 1, m[n++] = 0, m[n++] = 0; /* length later */
	hs = n;
	m[n++] = 1, m[n++] = 0, m[n++] = 0, m[n++] = 0; /* length later */
	m[n++] = 3, m[n++] = 3;				/* legacy version */
	memset(m + n, 0x5a, 32), n += 32;		/* random */
	m[n++] = 32, memset(m + n, 0x11, 32), n += 32;	/* session id */
	m[n++] = 0, m[n++] = 4, m[n++] = 0x13, m[n++] = 1, m[n++] = 0x13, m[n++] = 2;
	m[n++] = 1, m[n++] = 0; /* compression */
	ext = n;
	n += 2;
	m[n++] = 0, m[n++] = 43, m[n++] = 0, m[n++] = 3, m[n++] = 2, m[n++] = 3, m[n++] = 4;
	if (with_sni) {
		size_t l = strlen(sni);

		m[n++] = 0, m[n++] = 0;					     /* server_name */
		m[n++] = 0, m[n++] = (uint8_t)(l + 5);			     /* extension length */
		m[n++] = 0, m[n++] = (uint8_t)(l + 3);			     /* list length */
		m[n++] = 0, m[n++] = (uint8_t)(l >> 8), m[n++] = (uint8_t)l; /* host_name */
		memcpy(m + n, sni, l), n += l;
	}
	m[ext] = (uint8_t)((n - ext - 2) >> 8), m[ext + 1] = (uint8_t)(n - ext - 2);
	m[hs + 2] = (uint8_t)((n - hs - 4) >> 8), m[hs + 3] = (uint8_t)(n - hs - 4);
	m[3] = (uint8_t)((n - 5) >> 8), m[4] = (uint8_t)(n - 5);
	return n;
}

static void test_tls_sni(void **state)
{
	uint8_t m[512];
	struct wl_decoded d;
	size_t n;

	(void)state;
	n = tls_hello(m, "sni.wirelens.test", true);
	wl_decode(WL_APP_TLS, 6, m, n, &d);
	assert_int_equal(d.kind, WL_DEC_TLS_HELLO);
	name_is(&d, "sni.wirelens.test");
	assert_int_equal(d.truncated, 0);
	every_prefix(WL_APP_TLS, 6, m, n);
	/* Cut before the name: a ClientHello, flagged, no name. */
	wl_decode(WL_APP_TLS, 6, m, 100, &d);
	assert_int_equal(d.kind, WL_DEC_TLS_HELLO);
	assert_int_equal(d.truncated, 1);
	assert_int_equal(d.name_len, 0);
	/* Cut in the middle of the name: what was there. */
	wl_decode(WL_APP_TLS, 6, m, n - 5, &d);
	name_is(&d, "sni.wirelens");
	/* No SNI extension: a complete hello without a name. */
	n = tls_hello(m, "", false);
	wl_decode(WL_APP_TLS, 6, m, n, &d);
	assert_int_equal(d.kind, WL_DEC_TLS_HELLO);
	assert_int_equal(d.truncated, 0);
	assert_int_equal(d.name_len, 0);
	/* Another handshake message (ServerHello, type 2) and application data: nothing. */
	n = tls_hello(m, "x", true);
	m[5] = 2;
	wl_decode(WL_APP_TLS, 6, m, n, &d);
	assert_int_equal(d.kind, WL_DEC_NONE);
	m[5] = 1;
	m[0] = 23;
	wl_decode(WL_APP_TLS, 6, m, n, &d);
	assert_int_equal(d.kind, WL_DEC_NONE);
	/* Over UDP (not TLS there): nothing. */
	m[0] = 22;
	wl_decode(WL_APP_TLS, 17, m, n, &d);
	assert_int_equal(d.kind, WL_DEC_NONE);
}

static void test_http(void **state)
{
	static const char get[] = "GET /a/b?c=1 HTTP/1.1\r\nUser-Agent: x\r\nhost:   "
				  "web.wirelens.test  \r\nAccept: */*\r\n\r\n";
	static const char nohost[] = "POST /x HTTP/1.0\r\nContent-Length: 0\r\n\r\n";
	static const char resp[] = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
	struct wl_decoded d;

	(void)state;
	wl_decode(WL_APP_HTTP, 6, (const uint8_t *)get, strlen(get), &d);
	assert_int_equal(d.kind, WL_DEC_HTTP_REQUEST);
	assert_string_equal(d.method, "GET");
	name_is(&d, "web.wirelens.test");
	assert_int_equal(d.truncated, 0);
	every_prefix(WL_APP_HTTP, 6, (const uint8_t *)get, strlen(get));
	/* Cut inside the headers before Host: a request, flagged. */
	wl_decode(WL_APP_HTTP, 6, (const uint8_t *)get, 30, &d);
	assert_int_equal(d.kind, WL_DEC_HTTP_REQUEST);
	assert_int_equal(d.truncated, 1);
	assert_int_equal(d.name_len, 0);
	wl_decode(WL_APP_HTTP, 6, (const uint8_t *)nohost, strlen(nohost), &d);
	assert_int_equal(d.kind, WL_DEC_HTTP_REQUEST);
	assert_string_equal(d.method, "POST");
	assert_int_equal(d.name_len, 0);
	assert_int_equal(d.truncated, 0);
	wl_decode(WL_APP_HTTP, 6, (const uint8_t *)resp, strlen(resp), &d);
	assert_int_equal(d.kind, WL_DEC_HTTP_RESPONSE);
	assert_int_equal(d.status, 404);
	every_prefix(WL_APP_HTTP, 6, (const uint8_t *)resp, strlen(resp));
}

static void test_http_not(void **state)
{
	static const char *const junk[] = {
		"GET",		      /* no space */
		"get / HTTP/1.1\r\n", /* lower case */
		"VERYLONGMETHOD / HTTP/1.1\r\n",
		"GET / SPDY/3\r\n",	 /* not HTTP/1.x */
		"HTTP/1.1 999 Nope\r\n", /* status out of range */
		"HTTP/1.1 20x OK\r\n",
		"HTTP/1.1 2000 OK\r\n",
		"\x16\x03\x01\x00\x05\x01", /* TLS on port 80 */
	};
	struct wl_decoded d;

	(void)state;
	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		wl_decode(WL_APP_HTTP, 6, (const uint8_t *)junk[i], strlen(junk[i]), &d);
		if (d.kind != WL_DEC_NONE)
			fail_msg("'%s' decoded as kind %d", junk[i], d.kind);
	}
	/* Other application classes are not decoded. */
	wl_decode(WL_APP_SSH, 6, (const uint8_t *)"SSH-2.0-x\r\n", 11, &d);
	assert_int_equal(d.kind, WL_DEC_NONE);
	wl_decode(WL_APP_DNS, 17, NULL, 0, &d);
	assert_int_equal(d.kind, WL_DEC_NONE);
}

static void test_escape(void **state)
{
	static const uint8_t in[] = {'a', '"', '\\', 0, 0x1f, 0x7f, 0x80, 0xff, ',', '\n', 'z'};
	char out[64];
	size_t n;

	(void)state;
	n = wl_escape_bytes(in, sizeof(in), out, sizeof(out));
	assert_string_equal(out, "a\"\\\\\\x00\\x1f\\x7f\\x80\\xff,\\x0az");
	assert_int_equal(n, strlen(out));
	for (size_t i = 0; i < n; i++)
		assert_true(out[i] >= 0x20 && out[i] < 0x7f);
	/* A buffer too small cuts before an escape, never inside one. */
	n = wl_escape_bytes(in, sizeof(in), out, 6); /* room for 5: a " \\ then \x00 won't fit */
	assert_string_equal(out, "a\"\\\\");
	assert_int_equal(n, 4);
	n = wl_escape_bytes(in, sizeof(in), out, 9); /* 8: a " \\ \x00 */
	assert_string_equal(out, "a\"\\\\\\x00");
	n = wl_escape_bytes(in, sizeof(in), out, 1);
	assert_string_equal(out, "");
	assert_int_equal(wl_escape_bytes(in, 0, out, sizeof(out)), 0);
	assert_int_equal(wl_escape_bytes(in, sizeof(in), out, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dns_query),
		cmocka_unit_test(test_dns_response),
		cmocka_unit_test(test_dns_tcp),
		cmocka_unit_test(test_dns_pointers),
		cmocka_unit_test(test_dns_long_and_binary),
		cmocka_unit_test(test_dns_every_cut),
		cmocka_unit_test(test_tls_sni),
		cmocka_unit_test(test_http),
		cmocka_unit_test(test_http_not),
		cmocka_unit_test(test_escape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
