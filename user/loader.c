// SPDX-License-Identifier: MIT
/*
 * The XDP/TC backend.
 *
 * A pool loads the BPF object once without its programs: that creates the maps every interface
 * shares (the flow table, the two ring buffers, the scratch space, the settings and filter). Each
 * interface then loads the programs again with those maps reused, its own small counter maps
 * (wl_stats, wl_health, wl_tcp, wl_ident, pinned in its pin directory) and its number in
 * .rodata, so that the kernel's per-frame path stays the same whatever the number of interfaces,
 * and the memory too: 50 interfaces share one flow table.
 *
 * Setup order of an interface: lock the pin directory, decide what its pinned counters are
 * (continued or started again), load, attach ingress (XDP, or TC where XDP would cost the host
 * throughput) and egress (TC), start the guard process if clsact filters were used.
 * loader_stop() undoes it in reverse.
 *
 * XDP and TCX links vanish with the process; clsact filters attached through netlink do not.
 * The guard is a forked child holding only a pipe: when the daemon dies without saying goodbye
 * (kill -9), the pipe reaches EOF and the guard removes our clsact filters (and the qdisc if we
 * made it), so nothing is left attached.
 */
#include "loader.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "analysis.h"
#include "log.h"
#include "privs.h"
#include "talkers.h"
#include "util.h"
#include "filter.h"
#include "wirelens.skel.h"

/* Our clsact filters' identity: handle "WL" and a fixed priority, on ingress and egress. */
#define LOADER_TC_HANDLE   0x574c
#define LOADER_TC_PRIORITY 0xc1e5

/* TCX attach types (kernel 6.6+), not in this libbpf's headers. */
#define LOADER_TCX_INGRESS 46
#define LOADER_TCX_EGRESS  47

/* One TC hook of an interface: a TCX link, or a clsact filter (prog_id to find it again). */
struct loader_tc {
	int link_fd; /* TCX link; -1: none */
	bool clsact; /* a clsact filter is attached */
	__u32 prog_id;
};

struct loader {
	struct wirelens_bpf *skel;
	char ifname[IF_NAMESIZE];
	unsigned int ifindex;
	char pin_path[256];
	int lock_fd;
	int xdp_link_fd;
	__u32 xdp_attach_mode; /* XDP_ATTACHED_DRV or XDP_ATTACHED_SKB; 0: ingress at TC */
	struct loader_tc tc_in, tc_out;
	bool qdisc_created;
	bool counters_continued;
	char driver[32];
	char hooks[384]; /* what runs where, and why */
	pid_t guard_pid;
	int guard_fd; /* write end of the guard's pipe */
	int ncpus;
	struct loader_opts opts;
};

int loader_probe(char *why, size_t whylen)
{
	/* r0 = XDP_PASS; exit. libbpf's own probe reports "unsupported" for EPERM too. */
	const struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS},
		{.code = BPF_JMP | BPF_EXIT},
	};
	int fd, err;

	fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "wl_probe", "GPL", insns, ARRAY_SIZE(insns), NULL);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	err = -errno;
	if (err == -EPERM || err == -EACCES)
		snprintf(why, whylen,
			 "loading BPF programs is not permitted: run as root or grant "
			 "CAP_BPF,CAP_NET_ADMIN,CAP_PERFMON");
	else if (err == -ENOSYS)
		snprintf(why, whylen, "this kernel has no BPF support (bpf() is missing)");
	else if (err == -EINVAL || err == -EOPNOTSUPP)
		snprintf(why, whylen, "this kernel does not support XDP programs");
	else
		snprintf(why, whylen, "BPF is not available: %s", log_bpf_strerror(err));
	return err;
}

/* Make sure the parent of the pin directory is on a bpf filesystem, mounting it if needed. */
static int loader_prepare_bpffs(const char *pin_path)
{
	char parent[256];
	struct statfs st;
	char *slash;

	snprintf(parent, sizeof(parent), "%s", pin_path);
	slash = strrchr(parent, '/');
	if (!slash || slash == parent) {
		log_error("pin path '%s' must be a directory below a bpf filesystem such as "
			  "/sys/fs/bpf",
			  pin_path);
		return -EINVAL;
	}
	*slash = '\0';
	if (statfs(parent, &st)) {
		int err = -errno;

		if (err == -ENOENT && strcmp(parent, "/sys/fs/bpf") != 0)
			log_error("cannot use pin path '%s': its parent %s does not exist (create "
				  "it, or use a directory directly below /sys/fs/bpf)",
				  pin_path, parent);
		else
			log_error("cannot use pin path '%s': %s: %s (is the bpf filesystem "
				  "mounted?)",
				  pin_path, parent, log_bpf_strerror(err));
		return err;
	}
	if (st.f_type == BPF_FS_MAGIC)
		return 0;
	if (strcmp(parent, "/sys/fs/bpf") != 0) {
		log_error("pin path '%s' is not on a bpf filesystem (use a directory below "
			  "/sys/fs/bpf)",
			  pin_path);
		return -EINVAL;
	}
	if (mount("bpf", parent, "bpf", 0, "mode=0700")) {
		int err = -errno;

		log_error("cannot mount the bpf filesystem on %s: %s (run 'mount -t bpf bpf %s')",
			  parent, log_bpf_strerror(err), parent);
		return err;
	}
	log_info("mounted the bpf filesystem on %s", parent);
	return 0;
}

int loader_pin_root(const char *pin_path)
{
	int err = loader_prepare_bpffs(pin_path);

	if (err)
		return err;
	if (mkdir(pin_path, 0700) && errno != EEXIST) {
		err = -errno;
		log_error("cannot create pin directory %s: %s", pin_path, log_bpf_strerror(err));
		return err;
	}
	return 0;
}

/* How long a new daemon waits for the pin lock before it gives up. */
#define LOCK_WAIT_MS 3000

/* Create and lock the pin directory so that a second daemon is refused. */
static int loader_lock_pins(struct loader *ld)
{
	bool locked;
	int err;

	if (mkdir(ld->pin_path, 0700) && errno != EEXIST) {
		err = -errno;
		log_error("cannot create pin directory %s: %s", ld->pin_path,
			  log_bpf_strerror(err));
		return err;
	}
	ld->lock_fd = open(ld->pin_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ld->lock_fd < 0) {
		err = -errno;
		log_error("cannot open pin directory %s: %s", ld->pin_path, log_bpf_strerror(err));
		return err;
	}
	/*
	 * The guard of a daemon killed a moment ago holds the lock until it has removed the TC
	 * filter (milliseconds, a little longer on a busy machine): a restart waits for it rather
	 * than failing. A live daemon holds it for good and is refused after the wait.
	 */
	for (int tries = 0;; tries++) {
		locked = !flock(ld->lock_fd, LOCK_EX | LOCK_NB);
		if (locked || errno != EWOULDBLOCK || tries == LOCK_WAIT_MS / 50)
			break;
		nanosleep(&(struct timespec){.tv_nsec = 50 * 1000 * 1000}, NULL);
	}
	if (!locked) {
		err = -errno;
		if (err == -EWOULDBLOCK) {
			log_error("another wirelens is already using the maps in %s (stop it "
				  "first, or give this one its own --pin-path)",
				  ld->pin_path);
			return -EBUSY;
		}
		log_error("cannot lock pin directory %s: %s", ld->pin_path, log_bpf_strerror(err));
		return err;
	}
	return 0;
}

/* Name of the program with this id, or "" when it is gone. */
static void loader_prog_name(__u32 id, char *name, size_t len)
{
	struct bpf_prog_info info = {};
	__u32 ilen = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id);

	name[0] = '\0';
	if (fd < 0)
		return;
	if (!bpf_obj_get_info_by_fd(fd, &info, &ilen))
		snprintf(name, len, "%s", info.name);
	close(fd);
}

/* Refuse when another XDP program is on the interface: we never replace someone's program. */
static int loader_check_xdp_free(struct loader *ld)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int err, fd;

	err = bpf_xdp_query(ld->ifindex, 0, &q);
	if (err) {
		log_error("cannot query XDP state of '%s': %s", ld->ifname, log_bpf_strerror(err));
		return err;
	}
	if (q.attach_mode == XDP_ATTACHED_NONE)
		return 0;
	__u32 id = q.prog_id ? q.prog_id : (q.drv_prog_id ? q.drv_prog_id : q.skb_prog_id);
	fd = bpf_prog_get_fd_by_id(id);
	if (fd >= 0) {
		bpf_obj_get_info_by_fd(fd, &info, &len);
		close(fd);
	}
	if (!strcmp(info.name, "wl_xdp"))
		log_error("another wirelens is already counting on '%s' with XDP (program id %u): "
			  "stop it first, or count beside it with --ingress tc",
			  ld->ifname, id);
	else
		log_error(
			"interface '%s' already has an XDP program (id %u, name '%s'); wirelens "
			"does not replace it (remove it with 'ip link set dev %s xdp off', or use "
			"--ingress tc)",
			ld->ifname, id, info.name[0] ? info.name : "?", ld->ifname);
	return -EBUSY;
}

/*
 * Another wirelens counting at TC ingress (a TCX link) would count every frame twice over:
 * refuse. (Kernels without TCX answer the query with an error: nothing to see there.)
 */
static int loader_check_tc_free(struct loader *ld)
{
	__u32 ids[64], cnt = ARRAY_SIZE(ids);
	char name[BPF_OBJ_NAME_LEN];

	if (bpf_prog_query((int)ld->ifindex, LOADER_TCX_INGRESS, 0, NULL, ids, &cnt))
		return 0;
	for (__u32 i = 0; i < cnt && i < ARRAY_SIZE(ids); i++) {
		loader_prog_name(ids[i], name, sizeof(name));
		if (!strcmp(name, "wl_tc_ingress")) {
			log_error("another wirelens is already counting on '%s' at TC ingress "
				  "(program id %u): stop it first, or count beside it with "
				  "--ingress xdp",
				  ld->ifname, ids[i]);
			return -EBUSY;
		}
	}
	return 0;
}

/*
 * Sum the per-CPU values of a per-CPU array entry whose value is `size` bytes of u64 counters
 * into out (zeroed first). Returns 0 or -errno.
 */
static int loader_sum_percpu(struct loader *ld, int fd, __u32 key, void *out, size_t size)
{
	size_t vsize = (size + 7) / 8 * 8;
	__u64 *sum = out;
	char *vals;

	vals = calloc(ld->ncpus, vsize);
	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &key, vals)) {
		int err = -errno;

		free(vals);
		return err;
	}
	memset(out, 0, size);
	for (int c = 0; c < ld->ncpus; c++) {
		const __u64 *v = (const __u64 *)(vals + c * vsize);

		for (size_t i = 0; i < size / sizeof(__u64); i++)
			sum[i] += v[i];
	}
	free(vals);
	return 0;
}

int loader_read_analysis(struct loader *ld, uint64_t *events, uint64_t *events_lost,
			 struct wl_tcp_stats tcp[WL_DIR_MAX])
{
	struct wl_health health;
	int err;

	err = loader_sum_percpu(ld, bpf_map__fd(ld->skel->maps.wl_health), 0, &health,
				sizeof(health));
	if (err)
		return err;
	*events = health.events;
	*events_lost = health.events_lost;
	for (__u32 d = 0; d < WL_DIR_MAX; d++) {
		err = loader_sum_percpu(ld, bpf_map__fd(ld->skel->maps.wl_tcp), d, &tcp[d],
					sizeof(tcp[d]));
		if (err)
			return err;
	}
	return 0;
}

int loader_read(struct loader *ld, struct wl_snapshot *snap)
{
	struct wl_health health;
	int err;

	for (__u32 d = 0; d < WL_DIR_MAX; d++) {
		err = loader_sum_percpu(ld, bpf_map__fd(ld->skel->maps.wl_stats), d, &snap->dir[d],
					sizeof(snap->dir[d]));
		if (err)
			return err;
	}
	snapshot_sum_dirs(snap);
	err = loader_sum_percpu(ld, bpf_map__fd(ld->skel->maps.wl_health), 0, &health,
				sizeof(health));
	if (err)
		return err;
	snap->drops.flow_insert_failed = health.flow_insert_failed;
	if (snap->an) {
		err = loader_read_analysis(ld, &snap->an->events, &snap->an->events_lost,
					   snap->an->tcp);
		if (err)
			return err;
	}
	snap->samples.taken = health.samples;
	snap->samples.lost = health.samples_lost;
	snap->samples.limited = health.samples_limited;
	return 0;
}

/* The pinned maps of an interface (the others are the pool's, or not pinned). */
static bool loader_map_pinned(const struct bpf_map *map)
{
	return bpf_map__pin_path(map) != NULL;
}

/* A pinned map of the same type and sizes as ours (1), of another layout (0), or none (-1). */
static int loader_pin_fits(const struct loader *ld, const struct bpf_map *map)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[512];
	int fd, err;

	snprintf(path, sizeof(path), "%s/%s", ld->pin_path, bpf_map__name(map));
	fd = bpf_obj_get(path);
	if (fd < 0)
		return errno == ENOENT ? -1 : 0;
	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	close(fd);
	return !err && info.type == bpf_map__type(map) && info.key_size == bpf_map__key_size(map) &&
	       info.value_size == bpf_map__value_size(map) &&
	       info.max_entries == bpf_map__max_entries(map);
}

/* The identity an earlier run left in the pin directory; 0, or -errno when there is none. */
static int loader_pinned_ident(const struct loader *ld, struct wl_ident *id)
{
	char path[512];
	__u32 key = 0;
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/%s", ld->pin_path, WL_MAP_IDENT);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	memset(id, 0, sizeof(*id));
	if (bpf_map_lookup_elem(fd, &key, id))
		err = -errno;
	close(fd);
	id->ifname[sizeof(id->ifname) - 1] = '\0';
	return err;
}

/*
 * What becomes of the counters an earlier run pinned here: continued (libbpf then reuses the
 * pinned maps as they are) or removed, so that the load pins new ones from zero. A run that
 * reports only its own frames always starts from zero; a daemon continues the counters of the
 * same interface (name and index) and layout only, and says so in one line.
 */
static int loader_settle_pins(struct loader *ld)
{
	struct bpf_map *map;
	struct wl_ident id;
	bool any = false, fits = true, same;
	int err, f;

	bpf_object__for_each_map(map, ld->skel->obj)
	{
		if (!loader_map_pinned(map))
			continue;
		f = loader_pin_fits(ld, map);
		any |= f >= 0;
		fits &= f != 0;
	}
	if (!any)
		return 0;
	err = loader_pinned_ident(ld, &id);
	same = !err && id.daemon && !strcmp(id.ifname, ld->ifname) && id.ifindex == ld->ifindex;
	if (fits && !err && id.layout == WL_LAYOUT &&
	    (ld->opts.pins == LOADER_PINS_OWN ||
	     (ld->opts.pins == LOADER_PINS_SAME_IFACE && same))) {
		ld->counters_continued = true;
		if (ld->opts.pins == LOADER_PINS_SAME_IFACE)
			log_info("continuing the counters pinned in %s by an earlier run on '%s' "
				 "(index %u)",
				 ld->pin_path, ld->ifname, ld->ifindex);
		return 0;
	}
	if (ld->opts.pins == LOADER_PINS_SAME_IFACE) {
		if (!fits || err || id.layout != WL_LAYOUT)
			log_info("the counters pinned in %s are of another wirelens version: "
				 "starting from zero",
				 ld->pin_path);
		else if (strcmp(id.ifname, ld->ifname) || id.ifindex != ld->ifindex)
			log_info("the counters pinned in %s are of '%s' (index %u), not of '%s' "
				 "(index %u): starting from zero",
				 ld->pin_path, id.ifname, id.ifindex, ld->ifname, ld->ifindex);
		else
			log_info(
				"the counters pinned in %s are of a run that reported only its own "
				"frames: starting from zero",
				ld->pin_path);
	}
	bpf_object__for_each_map(map, ld->skel->obj)
	{
		char path[512];

		if (!loader_map_pinned(map))
			continue;
		snprintf(path, sizeof(path), "%s/%s", ld->pin_path, bpf_map__name(map));
		if (unlink(path) && errno != ENOENT) {
			err = -errno;
			log_error("cannot remove the pinned map %s: %s", path,
				  log_bpf_strerror(err));
			return err;
		}
	}
	return 0;
}

/* Record whose counters these are, for the next run. */
static int loader_write_ident(struct loader *ld)
{
	struct wl_ident id = {.ifindex = ld->ifindex,
			      .layout = WL_LAYOUT,
			      .daemon = ld->opts.pins != LOADER_PINS_FRESH};
	__u32 key = 0;

	snprintf(id.ifname, sizeof(id.ifname), "%s", ld->ifname);
	if (bpf_map_update_elem(bpf_map__fd(ld->skel->maps.wl_ident), &key, &id, BPF_ANY)) {
		int err = -errno;

		log_error("cannot write %s/%s: %s", ld->pin_path, WL_MAP_IDENT,
			  log_bpf_strerror(err));
		return err;
	}
	return 0;
}

static void loader_say_load_error(int err)
{
	if ((err == -EPERM || err == -EACCES) && geteuid() != 0)
		log_error("cannot load the BPF programs: %s (run as root or grant "
			  "CAP_BPF,CAP_NET_ADMIN,CAP_PERFMON)",
			  log_bpf_strerror(err));
	else
		log_error("cannot load the BPF programs: %s (run with -vv to see the verifier log)",
			  log_bpf_strerror(err));
}

/* Load-time settings every instance of the object gets. */
static void loader_set_rodata(struct wirelens_bpf *skel, const struct loader_opts *o)
{
	/* Multi-buffer XDP (5.18+): count whole frames; older kernels load without frags. */
	if (libbpf_probe_bpf_helper(BPF_PROG_TYPE_XDP, BPF_FUNC_xdp_get_buff_len, NULL) == 1) {
		skel->rodata->cfg_xdp_frags = 1;
	} else {
		struct bpf_program *p = skel->progs.wl_xdp;

		bpf_program__set_flags(p, bpf_program__flags(p) & ~BPF_F_XDP_HAS_FRAGS);
	}
	skel->rodata->cfg_max_packets = o->max_packets;
	skel->rodata->cfg_link = o->link;
}

/* --- the hooks of one interface ------------------------------------------------------- */

/*
 * Drivers of paravirtual NICs that turn off offloads (LRO, GRO_HW, checksums) or copy each frame
 * when a native XDP program is attached: TC costs them less.
 */
static const char *const loader_xdp_costly[] = {"virtio_net", "vif", "hv_netvsc", "vmxnet3"};

/* The interface's driver name (ethtool), "" when it has none to report. */
static void loader_driver(const char *ifname, char *driver, size_t len)
{
	struct ethtool_drvinfo info = {.cmd = ETHTOOL_GDRVINFO};
	struct ifreq ifr;
	int fd;

	driver[0] = '\0';
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&info;
	if (!ioctl(fd, SIOCETHTOOL, &ifr)) {
		size_t n = strnlen((const char *)info.driver, sizeof(info.driver));

		n = n < len ? n : len - 1;
		memcpy(driver, info.driver, n);
		driver[n] = '\0';
	}
	close(fd);
}

/*
 * Whether ingress goes to XDP. auto: native XDP on a NIC of its own whose driver handles it
 * well; TC on virtual devices (veth, bridges, tunnels: native XDP there makes the peer segment
 * every GSO packet, or copies it) and on paravirtual NICs. The reason goes into ld->hooks.
 */
static bool loader_ingress_is_xdp(struct loader *ld, char *why, size_t len)
{
	char path[64 + IF_NAMESIZE];
	bool device;

	loader_driver(ld->ifname, ld->driver, sizeof(ld->driver));
	if (ld->opts.ingress == WL_INGRESS_XDP) {
		snprintf(why, len, "as asked");
		return true;
	}
	if (ld->opts.ingress == WL_INGRESS_TC) {
		snprintf(why, len, "as asked");
		return false;
	}
	snprintf(path, sizeof(path), "/sys/class/net/%s/device", ld->ifname);
	device = !access(path, F_OK);
	if (!device) {
		snprintf(why, len, "a virtual device (%s), where native XDP would cost throughput",
			 ld->driver[0] ? ld->driver : "no driver");
		return false;
	}
	for (size_t i = 0; i < ARRAY_SIZE(loader_xdp_costly); i++) {
		if (!strcmp(ld->driver, loader_xdp_costly[i])) {
			snprintf(why, len,
				 "a paravirtual NIC (%s), where native XDP would turn off offloads",
				 ld->driver);
			return false;
		}
	}
	snprintf(why, len, "a NIC (%s)", ld->driver[0] ? ld->driver : "driver unknown");
	return true;
}

/* Attach XDP. auto mode within --ingress xdp: native, then generic; plain auto: native only. */
static int loader_attach_xdp(struct loader *ld, enum wl_xdp_mode mode, bool quiet)
{
	static const struct {
		enum wl_xdp_mode mode;
		__u32 flags;
		const char *name;
	} tries[] = {
		{WL_XDP_MODE_NATIVE, XDP_FLAGS_DRV_MODE, "native"},
		{WL_XDP_MODE_GENERIC, XDP_FLAGS_SKB_MODE, "generic"},
	};
	int prog_fd = bpf_program__fd(ld->skel->progs.wl_xdp);
	int err = -EINVAL;

	for (size_t i = 0; i < ARRAY_SIZE(tries); i++) {
		LIBBPF_OPTS(bpf_link_create_opts, lopts, .flags = tries[i].flags);
		int fd;

		if (mode != WL_XDP_MODE_AUTO && mode != tries[i].mode)
			continue;
		if (quiet && tries[i].mode == WL_XDP_MODE_GENERIC)
			break; /* --ingress auto: TC beats generic XDP */
		fd = bpf_link_create(prog_fd, ld->ifindex, BPF_XDP, &lopts);
		if (fd >= 0) {
			ld->xdp_link_fd = fd;
			ld->xdp_attach_mode = tries[i].mode == WL_XDP_MODE_NATIVE
						      ? XDP_ATTACHED_DRV
						      : XDP_ATTACHED_SKB;
			log_debug("attached XDP to '%s' in %s mode", ld->ifname, tries[i].name);
			return 0;
		}
		err = fd;
		log_debug("%s XDP on '%s' failed: %s", tries[i].name, ld->ifname,
			  log_bpf_strerror(err));
	}
	if (quiet)
		return err;
	if (err == -EPERM || err == -EACCES)
		log_error("cannot attach XDP to '%s': %s (run as root or grant "
			  "CAP_BPF,CAP_NET_ADMIN)",
			  ld->ifname, log_bpf_strerror(err));
	else if (mode == WL_XDP_MODE_NATIVE)
		log_error("cannot attach XDP to '%s' in native mode: %s (the driver may not "
			  "support XDP; try --xdp-mode generic or --ingress tc)",
			  ld->ifname, log_bpf_strerror(err));
	else
		log_error("cannot attach XDP to '%s': %s (try --ingress tc or --backend pcap)",
			  ld->ifname, log_bpf_strerror(err));
	return err;
}

static void loader_tc_opts(struct bpf_tc_hook *hook, struct bpf_tc_opts *opts, int ifindex,
			   bool ingress)
{
	memset(hook, 0, sizeof(*hook));
	hook->sz = sizeof(*hook);
	hook->ifindex = ifindex;
	hook->attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS;
	memset(opts, 0, sizeof(*opts));
	opts->sz = sizeof(*opts);
	opts->handle = LOADER_TC_HANDLE;
	opts->priority = LOADER_TC_PRIORITY;
}

static int loader_attach_clsact(struct loader *ld, struct bpf_program *prog, bool ingress,
				struct loader_tc *t)
{
	const char *hookname = ingress ? "ingress" : "egress";
	struct bpf_prog_info info = {};
	__u32 ilen = sizeof(info);
	struct bpf_tc_hook hook;
	struct bpf_tc_opts opts;
	int err;

	loader_tc_opts(&hook, &opts, ld->ifindex, ingress);
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		log_error("cannot create the clsact qdisc on '%s': %s", ld->ifname,
			  log_bpf_strerror(err));
		return err;
	}
	ld->qdisc_created |= err == 0;

	/*
	 * A filter with our handle and priority that runs a wirelens program is left over from
	 * a daemon that died before its guard could clean up. No live wirelens can own it: we
	 * hold the interface's pin lock. Anything else there is not ours: refuse.
	 */
	if (!bpf_tc_query(&hook, &opts)) {
		char name[BPF_OBJ_NAME_LEN];

		loader_prog_name(opts.prog_id, name, sizeof(name));
		if (strcmp(name, "wl_tc_ingress") != 0 && strcmp(name, "wl_tc_egress") != 0) {
			log_error(
				"the TC %s filter handle 0x%x priority %u on '%s' is used by "
				"another program ('%s'); remove it with 'tc filter del dev %s %s'",
				hookname, LOADER_TC_HANDLE, LOADER_TC_PRIORITY, ld->ifname, name,
				ld->ifname, hookname);
			return -EBUSY;
		}
		loader_tc_opts(&hook, &opts, ld->ifindex, ingress);
		err = bpf_tc_detach(&hook, &opts);
		if (err) {
			log_error("cannot remove a stale wirelens TC filter from '%s': %s",
				  ld->ifname, log_bpf_strerror(err));
			return err;
		}
		log_info("removed a TC filter left by an earlier wirelens on '%s'", ld->ifname);
	}

	loader_tc_opts(&hook, &opts, ld->ifindex, ingress);
	opts.prog_fd = bpf_program__fd(prog);
	err = bpf_tc_attach(&hook, &opts);
	if (err) {
		log_error("cannot attach the TC %s program to '%s': %s", hookname, ld->ifname,
			  log_bpf_strerror(err));
		return err;
	}
	t->clsact = true;
	if (!bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &ilen))
		t->prog_id = info.id;
	return 0;
}

/* A TC program: a TCX link where the kernel has them (and --tc-attach allows), else clsact. */
static int loader_attach_tc(struct loader *ld, struct bpf_program *prog, bool ingress,
			    struct loader_tc *t)
{
	int fd;

	if (ld->opts.tc_attach != WL_TC_ATTACH_CLSACT) {
		fd = bpf_link_create(bpf_program__fd(prog), ld->ifindex,
				     ingress ? LOADER_TCX_INGRESS : LOADER_TCX_EGRESS, NULL);
		if (fd >= 0) {
			t->link_fd = fd;
			return 0;
		}
		if (fd == -EPERM || fd == -EACCES || ld->opts.tc_attach == WL_TC_ATTACH_TCX) {
			log_error("cannot attach the TC %s program to '%s' as a TCX link: %s%s",
				  ingress ? "ingress" : "egress", ld->ifname, log_bpf_strerror(fd),
				  fd == -EPERM || fd == -EACCES
					  ? " (run as root or grant CAP_BPF,CAP_NET_ADMIN)"
					  : " (TCX needs Linux 6.6; try --tc-attach clsact)");
			return fd;
		}
		log_debug("no TCX on '%s' (%s): clsact instead", ld->ifname, log_bpf_strerror(fd));
	}
	return loader_attach_clsact(ld, prog, ingress, t);
}

/* Remove our clsact filters if they are still ours, then the qdisc if we created it. */
static void loader_detach_clsact(int ifindex, __u32 in_id, __u32 out_id, bool qdisc_created)
{
	struct bpf_tc_hook hook;
	struct bpf_tc_opts opts;

	for (int ingress = 0; ingress < 2; ingress++) {
		__u32 id = ingress ? in_id : out_id;

		loader_tc_opts(&hook, &opts, ifindex, ingress);
		if (id && !bpf_tc_query(&hook, &opts) && opts.prog_id == id) {
			loader_tc_opts(&hook, &opts, ifindex, ingress);
			bpf_tc_detach(&hook, &opts);
		}
	}
	if (qdisc_created) {
		loader_tc_opts(&hook, &opts, ifindex, false);
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook);
	}
}

static void loader_guard_run(int fd, int ifindex, __u32 in_id, __u32 out_id, bool qdisc_created)
{
	struct sigaction sa = {.sa_handler = SIG_IGN};
	char byte = 0;
	ssize_t n;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	prctl(PR_SET_NAME, "wirelens-guard", 0, 0, 0);
	do {
		n = read(fd, &byte, 1);
	} while (n < 0 && errno == EINTR);
	if (n == 1 && byte == 'd')
		_exit(0);
	/* The daemon is gone without cleaning up: remove what it attached. */
	loader_detach_clsact(ifindex, in_id, out_id, qdisc_created);
	_exit(0);
}

static int loader_start_guard(struct loader *ld)
{
	int pfd[2];
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC)) {
		int err = -errno;

		log_error("cannot create the guard pipe: %s", log_bpf_strerror(err));
		return err;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		int err = -errno;

		close(pfd[0]);
		close(pfd[1]);
		log_error("cannot start the guard process: %s", log_bpf_strerror(err));
		return err;
	}
	if (pid == 0) {
		/*
		 * Keep only the pipe's read end and the pin lock: the XDP and TCX links must die
		 * with the daemon, not with us, and a new daemon must wait until we have cleaned
		 * up.
		 */
		int lo = min(pfd[0], ld->lock_fd), hi = max(pfd[0], ld->lock_fd);

		if (lo > 3)
			close_range(3, lo - 1, 0);
		if (hi > lo + 1)
			close_range(lo + 1, hi - 1, 0);
		close_range(hi + 1, ~0u, 0);
		/* Nor hold the caller's terminal or pipes open. */
		int null = open("/dev/null", O_RDWR);

		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
			if (null > 2)
				close(null);
		}
		/*
		 * Detaching takes no more than the daemon keeps (its messages go nowhere: a
		 * failure leaves the guard as it was, still able to clean up).
		 */
		privs_drop(NULL);
		loader_guard_run(pfd[0], ld->ifindex, ld->tc_in.clsact ? ld->tc_in.prog_id : 0,
				 ld->tc_out.clsact ? ld->tc_out.prog_id : 0, ld->qdisc_created);
	}
	close(pfd[0]);
	ld->guard_pid = pid;
	ld->guard_fd = pfd[1];
	return 0;
}

static void loader_stop_guard(struct loader *ld)
{
	if (ld->guard_fd >= 0) {
		ssize_t n = write(ld->guard_fd, "d", 1);

		(void)n;
		close(ld->guard_fd);
		ld->guard_fd = -1;
	}
	if (ld->guard_pid > 0) {
		while (waitpid(ld->guard_pid, NULL, 0) < 0 && errno == EINTR)
			;
		ld->guard_pid = 0;
	}
}

static const char *loader_tc_kind(const struct loader_tc *t)
{
	return t->link_fd >= 0 ? "TCX" : "clsact";
}

/* Load the programs of one interface, sharing the pool's maps. */
static int loader_load(struct loader *ld, const struct loader_pool *pool, bool xdp, bool tc_in)
{
	LIBBPF_OPTS(bpf_object_open_opts, oopts, .pin_root_path = ld->pin_path,
		    .btf_custom_path = ld->opts.btf_path);
	int err;

	ld->skel = wirelens_bpf__open_opts(&oopts);
	if (!ld->skel) {
		err = -errno;
		log_error("cannot open the BPF object: %s", log_bpf_strerror(err));
		return err;
	}
	loader_set_rodata(ld->skel, &ld->opts);
	bpf_program__set_autoload(ld->skel->progs.wl_xdp, xdp);
	bpf_program__set_autoload(ld->skel->progs.wl_tc_ingress, tc_in);
	err = loader_pool_share(pool, ld->skel);
	if (!err)
		err = loader_settle_pins(ld);
	if (err)
		return err;
	err = wirelens_bpf__load(ld->skel);
	if (err) {
		loader_say_load_error(err);
		return err;
	}
	ld->ncpus = libbpf_num_possible_cpus();
	if (ld->ncpus <= 0) {
		log_error("cannot count the possible CPUs: %s", log_bpf_strerror(ld->ncpus));
		return ld->ncpus ? ld->ncpus : -EINVAL;
	}
	return loader_write_ident(ld);
}

/* Attach ingress where the choice says, falling back from native XDP to TC in auto mode. */
static int loader_attach_ingress(struct loader *ld, bool xdp, const char *why)
{
	bool auto_mode = ld->opts.ingress == WL_INGRESS_AUTO;
	char tried[160] = "";
	int err;

	if (xdp) {
		err = loader_check_xdp_free(ld);
		if (!err)
			err = loader_attach_xdp(
				ld, auto_mode ? WL_XDP_MODE_NATIVE : ld->opts.xdp_mode, auto_mode);
		if (!err) {
			snprintf(ld->hooks, sizeof(ld->hooks), "ingress XDP (%s), %s",
				 ld->xdp_attach_mode == XDP_ATTACHED_DRV ? "native" : "generic",
				 why);
			return 0;
		}
		if (!auto_mode || err == -EBUSY || err == -EPERM || err == -EACCES)
			return err;
		snprintf(tried, sizeof(tried), ": native XDP was refused (%s)",
			 log_bpf_strerror(err));
	}
	err = loader_check_tc_free(ld);
	if (!err)
		err = loader_attach_tc(ld, ld->skel->progs.wl_tc_ingress, true, &ld->tc_in);
	if (!err)
		snprintf(ld->hooks, sizeof(ld->hooks), "ingress TC (%s), %s%s",
			 loader_tc_kind(&ld->tc_in), why, tried);
	return err;
}

int loader_start(const struct loader_opts *o, struct loader_pool *pool, struct loader **out)
{
	char why[128];
	struct loader *ld;
	bool xdp;
	int err;

	*out = NULL;
	ld = calloc(1, sizeof(*ld));
	if (!ld)
		return -ENOMEM;
	ld->lock_fd = -1;
	ld->xdp_link_fd = -1;
	ld->tc_in.link_fd = ld->tc_out.link_fd = -1;
	ld->guard_fd = -1;
	ld->ifindex = o->ifindex;
	ld->opts = *o;
	snprintf(ld->ifname, sizeof(ld->ifname), "%s", o->ifname);
	snprintf(ld->pin_path, sizeof(ld->pin_path), "%s", o->pin_path);

	if (o->btf_path) {
		/* libbpf reads the file only when it needs it: check it now, not never. */
		struct btf *btf = btf__parse(o->btf_path, NULL);

		if (!btf) {
			err = -errno;
			log_error("cannot use BTF file '%s': %s (expected a vmlinux image or a raw "
				  "BTF file, e.g. from /sys/kernel/btf/vmlinux)",
				  o->btf_path, log_bpf_strerror(err));
			free(ld);
			return err;
		}
		btf__free(btf);
	}
	xdp = loader_ingress_is_xdp(ld, why, sizeof(why));
	err = loader_prepare_bpffs(ld->pin_path);
	if (!err)
		err = loader_lock_pins(ld);
	/* auto with XDP: the TC ingress program is loaded too, in case the driver refuses. */
	if (!err)
		err = loader_load(ld, pool, xdp, !xdp || o->ingress == WL_INGRESS_AUTO);
	if (!err)
		err = loader_attach_ingress(ld, xdp, why);
	if (!err)
		err = loader_attach_tc(ld, ld->skel->progs.wl_tc_egress, false, &ld->tc_out);
	if (!err && (ld->tc_in.clsact || ld->tc_out.clsact))
		err = loader_start_guard(ld);
	if (err) {
		loader_stop(ld);
		return err;
	}
	*out = ld;
	return 0;
}

void loader_describe(const struct loader *ld, struct wl_source *src)
{
	src->backend = "xdp";
	snprintf(src->ifname, sizeof(src->ifname), "%s", ld->ifname);
	src->ifindex = ld->ifindex;
	src->ingress = ld->xdp_link_fd >= 0 ? "xdp" : "tc";
	src->xdp_mode = ld->xdp_link_fd < 0			  ? NULL
			: ld->xdp_attach_mode == XDP_ATTACHED_DRV ? "native"
								  : "generic";
	src->tc_attach = ld->tc_out.link_fd >= 0 ? "tcx" : "clsact";
	src->tc_attached = true;
	src->qdisc_created = ld->qdisc_created;
	snprintf(src->pin_path, sizeof(src->pin_path), "%s", ld->pin_path);
	src->counters_continued = ld->counters_continued;
}

const char *loader_hooks_text(const struct loader *ld)
{
	static char text[sizeof(ld->hooks) + 32];

	snprintf(text, sizeof(text), "%s; egress TC (%s)", ld->hooks, loader_tc_kind(&ld->tc_out));
	return text;
}

void loader_stop(struct loader *ld)
{
	if (!ld)
		return;
	if (ld->tc_in.link_fd >= 0)
		close(ld->tc_in.link_fd);
	if (ld->tc_out.link_fd >= 0)
		close(ld->tc_out.link_fd);
	if (ld->tc_in.clsact || ld->tc_out.clsact || ld->qdisc_created)
		loader_detach_clsact(ld->ifindex, ld->tc_in.clsact ? ld->tc_in.prog_id : 0,
				     ld->tc_out.clsact ? ld->tc_out.prog_id : 0, ld->qdisc_created);
	loader_stop_guard(ld);
	if (ld->xdp_link_fd >= 0)
		close(ld->xdp_link_fd);
	wirelens_bpf__destroy(ld->skel);
	if (ld->lock_fd >= 0)
		close(ld->lock_fd); /* releases the flock */
	free(ld);
}
