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

struct tframe {
	const char *name;
	uint8_t data[TFRAME_MAX];
	uint32_t len;
	/* Declared classification. */
	uint8_t l3, l4, app;
	bool truncated, malformed;
};

/* The catalogue: every kind of frame once. Returns the number of frames; *out is static. */
int frames_catalog(const struct tframe **out);

/* Frame i of a realistic mix (TCP/UDP/ICMP/ICMPv6/ARP, v4/v6, VLAN, 60..1514 bytes). */
void frames_bulk(uint32_t i, uint32_t seed, struct tframe *f);

/* Add a frame of `len` bytes with declared classes to a wl_stats record. */
void frames_expect_add(struct wl_stats *s, const struct tframe *f);

#endif
