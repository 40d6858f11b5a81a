/* SPDX-License-Identifier: MIT */
/*
 * Crafted test frames with their classification declared by hand (the oracle the parser is
 * checked against), and a deterministic realistic mix for load tests.
 */
#ifndef WL_TEST_FRAMES_H
#define WL_TEST_FRAMES_H

#include <stdbool.h>
#include <stdint.h>

#include "wirelens.h"

#define TFRAME_MAX 2048
/* Shortest frame a veth (and BPF_PROG_TEST_RUN) takes: a whole Ethernet header. */
#define TFRAME_WIRE_MIN 14

struct tframe {
	const char *name;
	uint8_t data[TFRAME_MAX];
	uint32_t len;
	/* Declared classification: enum wl_l3, enum wl_l4, enum wl_app. */
	uint8_t l3, l4, app;
	bool truncated, malformed;
	/* At least TFRAME_WIRE_MIN bytes: tcpreplay can send it over a veth. */
	bool wire_safe;
};

/*
 * The catalogue: every kind of frame once, in a fixed order. Sets *out to a static array and
 * returns the number of frames, or -E2BIG if the catalogue outgrew its storage (a bug in
 * frames.c).
 */
int frames_catalog(const struct tframe **out);

/* The catalogue frame called `name`, or NULL (errno ENOENT). */
const struct tframe *frames_find(const char *name);

/*
 * Frame i of a realistic mix seeded by `seed`: TCP/UDP/ICMP/ICMPv6/ARP over IPv4/IPv6, some
 * with a VLAN tag, 60..1514 bytes with payload. The same (i, seed) always gives the same frame.
 */
void frames_bulk(uint32_t i, uint32_t seed, struct tframe *f);

/* Add a frame of f->len bytes with its declared classes to a wl_stats record. */
void frames_expect_add(struct wl_stats *s, const struct tframe *f);

#endif /* WL_TEST_FRAMES_H */
