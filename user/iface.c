// SPDX-License-Identifier: MIT
/* Network interfaces: the default-route interface, name lookup and the -D listing. */
#include "iface.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* /proc/net/route: "Iface Destination Gateway Flags RefCnt Use Metric Mask ..." in hex. */
static int iface_default_v4(char buf[IF_NAMESIZE])
{
	unsigned long best_metric = ~0ul;
	char line[512];
	int found = 0;
	FILE *f;

	f = fopen("/proc/net/route", "re");
	if (!f)
		return -errno;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return -ENOENT;
	}
	while (fgets(line, sizeof(line), f)) {
		char name[64];
		unsigned long dest, gw, flags, refcnt, use, metric, mask;

		if (sscanf(line, "%63s %lx %lx %lx %lu %lu %lu %lx", name, &dest, &gw, &flags,
			   &refcnt, &use, &metric, &mask) != 8)
			continue;
		if (dest != 0 || mask != 0 || !(flags & 0x1) /* RTF_UP */)
			continue;
		if (strlen(name) >= IF_NAMESIZE || metric >= best_metric)
			continue;
		best_metric = metric;
		strcpy(buf, name);
		found = 1;
	}
	fclose(f);
	return found ? 0 : -ENOENT;
}

/* /proc/net/ipv6_route: "dest plen src plen nexthop metric refcnt use flags iface". */
static int iface_default_v6(char buf[IF_NAMESIZE])
{
	unsigned long best_metric = ~0ul;
	char line[512];
	int found = 0;
	FILE *f;

	f = fopen("/proc/net/ipv6_route", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char dest[40], src[40], nh[40], name[64];
		unsigned int plen, splen;
		unsigned long metric, refcnt, use, flags;

		if (sscanf(line, "%39s %x %39s %x %39s %lx %lx %lx %lx %63s", dest, &plen, src,
			   &splen, nh, &metric, &refcnt, &use, &flags, name) != 10)
			continue;
		if (plen != 0 || strspn(dest, "0") != 32 || !strcmp(name, "lo"))
			continue;
		if (!(flags & 0x1) || (flags & 0x200) /* RTF_REJECT */)
			continue;
		if (strlen(name) >= IF_NAMESIZE || metric >= best_metric)
			continue;
		best_metric = metric;
		strcpy(buf, name);
		found = 1;
	}
	fclose(f);
	return found ? 0 : -ENOENT;
}

int iface_default_route(char buf[IF_NAMESIZE])
{
	if (!iface_default_v4(buf))
		return 0;
	if (!iface_default_v6(buf))
		return 0;
	return -ENOENT;
}

int iface_lookup(const char *name, unsigned int *ifindex)
{
	unsigned int idx;

	if (strlen(name) >= IF_NAMESIZE) {
		log_error("interface name '%s' is too long (at most %d characters)", name,
			  IF_NAMESIZE - 1);
		return -ENODEV;
	}
	idx = if_nametoindex(name);
	if (!idx) {
		log_error("no such interface '%s' (list them with wirelens -D)", name);
		return -ENODEV;
	}
	*ifindex = idx;
	return 0;
}

/* The address text of one ifaddrs entry of interface name; false for other entries. */
static bool iface_addr_text(const struct ifaddrs *a, const char *name, char text[INET6_ADDRSTRLEN])
{
	const void *src;

	if (!a->ifa_addr || strcmp(a->ifa_name, name))
		return false;
	if (a->ifa_addr->sa_family == AF_INET)
		src = &((struct sockaddr_in *)a->ifa_addr)->sin_addr;
	else if (a->ifa_addr->sa_family == AF_INET6)
		src = &((struct sockaddr_in6 *)a->ifa_addr)->sin6_addr;
	else
		return false;
	return inet_ntop(a->ifa_addr->sa_family, src, text, INET6_ADDRSTRLEN) != NULL;
}

static void iface_print_addrs(FILE *f, struct ifaddrs *all, const char *name)
{
	char text[INET6_ADDRSTRLEN];

	for (struct ifaddrs *a = all; a; a = a->ifa_next)
		if (iface_addr_text(a, name, text))
			fprintf(f, " %s", text);
}

static unsigned int iface_flags(struct ifaddrs *all, const char *name)
{
	for (struct ifaddrs *a = all; a; a = a->ifa_next)
		if (!strcmp(a->ifa_name, name))
			return a->ifa_flags;
	return 0;
}

bool iface_in_list(const char *list, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ",");

		if (n == len && !strncmp(p, name, len))
			return true;
		p += n + (p[n] == ',');
	}
	return false;
}

bool iface_names_check(const char *list, char *why, size_t whylen)
{
	char name[IF_NAMESIZE];

	if (!strcmp(list, "any"))
		return true;
	for (const char *p = list;;) {
		size_t n = strcspn(p, ",");

		if (!n || n >= IF_NAMESIZE) {
			snprintf(why, whylen, "'%s' is not a list of interface names", list);
			return false;
		}
		snprintf(name, sizeof(name), "%.*s", (int)n, p);
		if (!if_nametoindex(name)) {
			snprintf(why, whylen, "no interface named '%s'", name);
			return false;
		}
		if (!p[n])
			return true;
		p += n + 1;
	}
}

cJSON *iface_json(const char *capturing)
{
	struct if_nameindex *names, *n;
	struct ifaddrs *addrs = NULL;
	char def[IF_NAMESIZE] = "", text[INET6_ADDRSTRLEN];
	cJSON *root = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(root, "interfaces");
	bool ok = arr != NULL;

	names = if_nameindex();
	if (!names || !ok) {
		cJSON_Delete(root);
		if (names)
			if_freenameindex(names);
		return NULL;
	}
	if (getifaddrs(&addrs))
		addrs = NULL;
	iface_default_route(def);
	for (n = names; ok && n->if_index; n++) {
		unsigned int flags = iface_flags(addrs, n->if_name);
		cJSON *o = cJSON_CreateObject(), *list;

		ok = o && cJSON_AddItemToArray(arr, o) &&
		     cJSON_AddStringToObject(o, "name", n->if_name) &&
		     cJSON_AddNumberToObject(o, "index", n->if_index) &&
		     cJSON_AddBoolToObject(o, "up", flags & IFF_UP) &&
		     cJSON_AddBoolToObject(o, "loopback", flags & IFF_LOOPBACK) &&
		     cJSON_AddBoolToObject(o, "default_route", !strcmp(def, n->if_name)) &&
		     cJSON_AddBoolToObject(o, "capturing",
					   capturing && iface_in_list(capturing, n->if_name)) &&
		     (list = cJSON_AddArrayToObject(o, "addresses"));
		for (struct ifaddrs *a = addrs; ok && a; a = a->ifa_next) {
			if (iface_addr_text(a, n->if_name, text))
				ok = cJSON_AddItemToArray(list, cJSON_CreateString(text));
		}
	}
	if (addrs)
		freeifaddrs(addrs);
	if_freenameindex(names);
	if (!ok) {
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

int iface_list(FILE *f)
{
	struct if_nameindex *names, *n;
	struct ifaddrs *addrs = NULL;
	char def[IF_NAMESIZE] = "";

	names = if_nameindex();
	if (!names) {
		int err = -errno;

		log_error("cannot list interfaces: %s", strerror(-err));
		return err;
	}
	if (getifaddrs(&addrs))
		addrs = NULL;
	iface_default_route(def);
	for (n = names; n->if_index; n++) {
		unsigned int flags = iface_flags(addrs, n->if_name);

		fprintf(f, "%u.%s [%s%s%s]", n->if_index, n->if_name,
			flags & IFF_UP ? "Up" : "Down", flags & IFF_LOOPBACK ? ", Loopback" : "",
			!strcmp(def, n->if_name) ? ", Default route" : "");
		iface_print_addrs(f, addrs, n->if_name);
		fputc('\n', f);
	}
	if (addrs)
		freeifaddrs(addrs);
	if_freenameindex(names);
	return 0;
}
