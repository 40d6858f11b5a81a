/* SPDX-License-Identifier: MIT */
/* Network interfaces: the default-route interface, name lookup and the -D listing. */
#ifndef WL_IFACE_H
#define WL_IFACE_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <cjson/cJSON.h>

/*
 * Find the interface of the IPv4 default route (lowest metric), else of the IPv6 one.
 * Returns 0 and the name in buf, or -ENOENT when there is no default route.
 */
int iface_default_route(char buf[IF_NAMESIZE]);

/* Resolve a name to an ifindex. Returns 0 or -ENODEV with a message naming the fix. */
int iface_lookup(const char *name, unsigned int *ifindex);

/* Print one line per interface: index, name, state, addresses. Returns 0 or -errno. */
int iface_list(FILE *f);

/* Whether name is one of a comma-separated list. */
bool iface_in_list(const char *list, const char *name);

/*
 * A list for a capture: "any", or names separated by commas that all exist now. Else false and
 * why (naming the first that doesn't).
 */
bool iface_names_check(const char *list, char *why, size_t whylen);

/* {"interfaces": [{name, index, up, loopback, default_route, capturing, addresses}]}. */
cJSON *iface_json(const char *capturing);

#endif
