// SPDX-License-Identifier: MIT
/* The practical floor of offline analysis: a minimal libpcap loop that counts packets/bytes. */
#include <stdio.h>

#include <pcap/pcap.h>

static void count(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
	unsigned long long *c = (unsigned long long *)user;

	(void)data;
	c[0]++;
	c[1] += h->len;
}

int main(int argc, char **argv)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	unsigned long long c[2] = {0, 0};
	pcap_t *p;

	if (argc != 2) {
		fprintf(stderr, "usage: pcap_count FILE\n");
		return 2;
	}
	p = pcap_open_offline(argv[1], errbuf);
	if (!p) {
		fprintf(stderr, "pcap_count: %s\n", errbuf);
		return 1;
	}
	if (pcap_loop(p, -1, count, (u_char *)c) == -1) {
		fprintf(stderr, "pcap_count: %s\n", pcap_geterr(p));
		return 1;
	}
	pcap_close(p);
	printf("%llu %llu\n", c[0], c[1]);
	return 0;
}
