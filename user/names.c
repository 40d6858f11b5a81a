// SPDX-License-Identifier: MIT
/* Names of the partition classes and directions, in enum order (bpf/wirelens.h). */
#include "names.h"
#include "decode.h"

const char *const wl_l3_names[WL_L3_MAX] = {"ipv4", "ipv6", "arp", "other"};
const char *const wl_l4_names[WL_L4_MAX] = {"tcp", "udp", "icmp", "icmpv6", "other"};
const char *const wl_app_names[WL_APP_MAX] = {
	[WL_APP_NONE] = "none", [WL_APP_UNKNOWN] = "unknown", [WL_APP_DNS] = "dns",
	[WL_APP_MDNS] = "mdns", [WL_APP_LLMNR] = "llmnr",     [WL_APP_HTTP] = "http",
	[WL_APP_TLS] = "tls",	[WL_APP_QUIC] = "quic",	      [WL_APP_SSH] = "ssh",
	[WL_APP_DHCP] = "dhcp", [WL_APP_DHCPV6] = "dhcpv6",   [WL_APP_NTP] = "ntp",
	[WL_APP_SNMP] = "snmp", [WL_APP_SMTP] = "smtp",	      [WL_APP_IMAP] = "imap",
	[WL_APP_POP3] = "pop3", [WL_APP_SMB] = "smb",	      [WL_APP_RDP] = "rdp",
};
const char *const wl_dir_names[WL_DIR_MAX] = {"in", "out", "none"};

_Static_assert(WL_APP_MAX == 18, "every app needs a name above");

const char *const wl_dec_kind_names[] = {
	[WL_DEC_NONE] = "none",
	[WL_DEC_DNS_QUERY] = "dns_query",
	[WL_DEC_DNS_RESPONSE] = "dns_response",
	[WL_DEC_TLS_HELLO] = "tls_client_hello",
	[WL_DEC_HTTP_REQUEST] = "http_request",
	[WL_DEC_HTTP_RESPONSE] = "http_response",
};

void wl_tcp_flags_text(unsigned int flags, char *buf)
{
	static const char letters[] = "FSRP.UEW";
	int n = 0;

	for (int i = 0; i < 8; i++)
		if (flags & (1u << i))
			buf[n++] = letters[i];
	buf[n] = '\0';
}
