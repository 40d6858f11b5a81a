// SPDX-License-Identifier: MIT
/*
 * The XDP/TC backend. Setup order: lock the pin directory, open and load the skeleton (maps
 * pinned by name, reused from an earlier run), attach XDP through a BPF link, attach the TC
 * egress filter to clsact, start the guard process. loader_stop() undoes it in reverse.
 *
 * XDP links vanish with the process; TC filters attached through netlink do not. The guard is
 * a forked child holding only a pipe: when the daemon dies without saying goodbye (kill -9),
 * the pipe reaches EOF and the guard removes the TC filter (and the clsact qdisc if we made
 * it), so nothing is left attached.
 */
#include "loader.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
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

/* Our TC filter's identity on clsact egress: handle "WL" and a fixed priority. */
#define LOADER_TC_HANDLE   0x574c
#define LOADER_TC_PRIORITY 0xc1e5
#define LOADER_TC_PROGNAME "wl_tc_egress"

struct loader {
	struct wirelens_bpf *skel;
	char ifname[IF_NAMESIZE];
	unsigned int ifindex;
	char pin_path[256];
	int lock_fd;
	int xdp_link_fd;
	__u32 xdp_attach_mode; /* XDP_ATTACHED_DRV or XDP_ATTACHED_SKB */
	bool tc_attached;
	bool qdisc_created;
	__u32 tc_prog_id;
	bool counters_continued;
	pid_t guard_pid;
	int guard_fd; /* write end of the guard's pipe */
	int ncpus;
	uint64_t flow_table_size;
	uint64_t max_packets;
	struct loader_opts opts;
	struct ring_buffer *rb;
	loader_sample_fn sample_fn;
	void *sample_ctx;
	loader_event_fn event_fn;
	void *event_ctx;
	int64_t boot_to_real;  /* CLOCK_REALTIME - CLOCK_BOOTTIME, refreshed every poll */
	int64_t mono_to_real;  /* CLOCK_REALTIME - CLOCK_MONOTONIC, likewise */
	pthread_mutex_t *lock; /* held while records are handed out; NULL: none */
};

/* strerror() that also knows libbpf's own codes (e.g. "Invalid BPF object format"). */
static const char *loader_errstr(int err)
{
	static char buf[128];

	libbpf_strerror(err, buf, sizeof(buf));
	return buf;
}

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
		snprintf(why, whylen, "BPF is not available: %s", loader_errstr(err));
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
				  pin_path, parent, loader_errstr(err));
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
			  parent, loader_errstr(err), parent);
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
		log_error("cannot create pin directory %s: %s", pin_path, loader_errstr(err));
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
		log_error("cannot create pin directory %s: %s", ld->pin_path, loader_errstr(err));
		return err;
	}
	ld->lock_fd = open(ld->pin_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ld->lock_fd < 0) {
		err = -errno;
		log_error("cannot open pin directory %s: %s", ld->pin_path, loader_errstr(err));
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
		log_error("cannot lock pin directory %s: %s", ld->pin_path, loader_errstr(err));
		return err;
	}
	return 0;
}

/*
 * libbpf refuses to load when a pinned map has another layout (an older wirelens). Counters
 * of a different layout can't be continued: say so, remove the old pin and start from zero.
 */
static int loader_check_pinned(struct loader *ld, struct bpf_map *map)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[512];
	int fd, err;

	snprintf(path, sizeof(path), "%s/%s", ld->pin_path, bpf_map__name(map));
	fd = bpf_obj_get(path);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		err = -errno;
		log_warn("cannot open pinned map %s (%s); replacing it", path, loader_errstr(err));
		goto replace;
	}
	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	close(fd);
	if (err) {
		log_warn("cannot inspect pinned map %s; replacing it", path);
		goto replace;
	}
	if (info.type == bpf_map__type(map) && info.key_size == bpf_map__key_size(map) &&
	    info.value_size == bpf_map__value_size(map) &&
	    info.max_entries == bpf_map__max_entries(map)) {
		ld->counters_continued = true;
		return 0;
	}
	log_warn("pinned map %s has a different layout (from another wirelens version); its "
		 "counters start again from zero",
		 path);
replace:
	if (unlink(path) && errno != ENOENT) {
		err = -errno;
		log_error("cannot remove stale pinned map %s: %s", path, loader_errstr(err));
		return err;
	}
	return 0;
}

static int loader_load(struct loader *ld, const char *btf_path)
{
	LIBBPF_OPTS(bpf_object_open_opts, oopts, .pin_root_path = ld->pin_path,
		    .btf_custom_path = btf_path);
	struct bpf_map *map;
	int err;

	ld->skel = wirelens_bpf__open_opts(&oopts);
	if (!ld->skel) {
		err = -errno;
		log_error("cannot open the BPF object: %s", loader_errstr(err));
		return err;
	}
	/* Multi-buffer XDP (5.18+): count whole frames; older kernels load without frags. */
	if (libbpf_probe_bpf_helper(BPF_PROG_TYPE_XDP, BPF_FUNC_xdp_get_buff_len, NULL) == 1) {
		ld->skel->rodata->cfg_xdp_frags = 1;
	} else {
		struct bpf_program *p = ld->skel->progs.wl_xdp;

		bpf_program__set_flags(p, bpf_program__flags(p) & ~BPF_F_XDP_HAS_FRAGS);
	}
	ld->skel->rodata->cfg_max_packets = ld->max_packets;
	ld->skel->data->wl_set.sample_every = ld->opts.sample_every;
	ld->skel->data->wl_set.max_samples_per_sec = ld->opts.max_samples_per_sec;
	ld->skel->data->wl_set.snaplen = ld->opts.snaplen;
	ld->skel->data->wl_set.filter_slot = 0;
	if (ld->opts.filter)
		ld->skel->bss->wl_filter[0] = *ld->opts.filter;
	err = bpf_map__set_max_entries(ld->skel->maps.wl_flows, (__u32)ld->flow_table_size);
	if (err) {
		log_error("cannot size the flow table: %s", loader_errstr(err));
		return err;
	}
	bpf_object__for_each_map(map, ld->skel->obj)
	{
		if (bpf_map__pin_path(map) || !strcmp(bpf_map__name(map), WL_MAP_STATS)) {
			err = loader_check_pinned(ld, map);
			if (err)
				return err;
		}
	}
	err = wirelens_bpf__load(ld->skel);
	if (err) {
		if ((err == -EPERM || err == -EACCES) && geteuid() != 0)
			log_error("cannot load the BPF programs: %s (run as root or grant "
				  "CAP_BPF,CAP_NET_ADMIN,CAP_PERFMON)",
				  loader_errstr(err));
		else
			log_error("cannot load the BPF programs: %s (run with -vv to see the "
				  "verifier log)",
				  loader_errstr(err));
		return err;
	}
	ld->ncpus = libbpf_num_possible_cpus();
	if (ld->ncpus <= 0) {
		log_error("cannot count the possible CPUs: %s", loader_errstr(ld->ncpus));
		return ld->ncpus ? ld->ncpus : -EINVAL;
	}
	return 0;
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
		log_error("cannot query XDP state of '%s': %s", ld->ifname, loader_errstr(err));
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
	log_error("interface '%s' already has an XDP program (id %u, name '%s'); wirelens does "
		  "not replace it (remove it with 'ip link set dev %s xdp off', or use "
		  "--backend pcap)",
		  ld->ifname, id, info.name[0] ? info.name : "?", ld->ifname);
	return -EBUSY;
}

static int loader_attach_xdp(struct loader *ld, enum wl_xdp_mode mode)
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
			  loader_errstr(err));
	}
	if (err == -EPERM || err == -EACCES)
		log_error("cannot attach XDP to '%s': %s (run as root or grant "
			  "CAP_BPF,CAP_NET_ADMIN)",
			  ld->ifname, loader_errstr(err));
	else if (mode == WL_XDP_MODE_NATIVE)
		log_error("cannot attach XDP to '%s' in native mode: %s (the driver may not "
			  "support XDP; try --xdp-mode generic)",
			  ld->ifname, loader_errstr(err));
	else
		log_error("cannot attach XDP to '%s': %s (try --backend pcap)", ld->ifname,
			  loader_errstr(err));
	return err;
}

static void loader_tc_opts(struct bpf_tc_hook *hook, struct bpf_tc_opts *opts, int ifindex)
{
	memset(hook, 0, sizeof(*hook));
	hook->sz = sizeof(*hook);
	hook->ifindex = ifindex;
	hook->attach_point = BPF_TC_EGRESS;
	memset(opts, 0, sizeof(*opts));
	opts->sz = sizeof(*opts);
	opts->handle = LOADER_TC_HANDLE;
	opts->priority = LOADER_TC_PRIORITY;
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

static int loader_attach_tc(struct loader *ld)
{
	struct bpf_tc_hook hook;
	struct bpf_tc_opts opts;
	struct bpf_prog_info info = {};
	__u32 ilen = sizeof(info);
	int err;

	loader_tc_opts(&hook, &opts, ld->ifindex);
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		log_error("cannot create the clsact qdisc on '%s': %s", ld->ifname,
			  loader_errstr(err));
		return err;
	}
	ld->qdisc_created = err == 0;

	/*
	 * A filter with our handle and priority that runs a wirelens program is left over from
	 * a daemon that died before its guard could clean up. No live wirelens can own it: we
	 * already hold the interface's XDP hook. Anything else there is not ours: refuse.
	 */
	if (!bpf_tc_query(&hook, &opts)) {
		char name[BPF_OBJ_NAME_LEN];

		loader_prog_name(opts.prog_id, name, sizeof(name));
		if (strcmp(name, LOADER_TC_PROGNAME) != 0) {
			log_error("the TC egress filter handle 0x%x priority %u on '%s' is used by "
				  "another program ('%s'); remove it with 'tc filter del dev %s "
				  "egress'",
				  LOADER_TC_HANDLE, LOADER_TC_PRIORITY, ld->ifname, name,
				  ld->ifname);
			return -EBUSY;
		}
		loader_tc_opts(&hook, &opts, ld->ifindex);
		err = bpf_tc_detach(&hook, &opts);
		if (err) {
			log_error("cannot remove a stale wirelens TC filter from '%s': %s",
				  ld->ifname, loader_errstr(err));
			return err;
		}
		log_info("removed a TC filter left by an earlier wirelens on '%s'", ld->ifname);
	}

	loader_tc_opts(&hook, &opts, ld->ifindex);
	opts.prog_fd = bpf_program__fd(ld->skel->progs.wl_tc_egress);
	err = bpf_tc_attach(&hook, &opts);
	if (err) {
		log_error("cannot attach the TC egress program to '%s': %s", ld->ifname,
			  loader_errstr(err));
		return err;
	}
	ld->tc_attached = true;
	if (!bpf_obj_get_info_by_fd(bpf_program__fd(ld->skel->progs.wl_tc_egress), &info, &ilen))
		ld->tc_prog_id = info.id;
	return 0;
}

/* Remove our TC filter if it is still ours, then the qdisc if we created it. */
static void loader_detach_tc(int ifindex, __u32 prog_id, bool qdisc_created)
{
	struct bpf_tc_hook hook;
	struct bpf_tc_opts opts;

	loader_tc_opts(&hook, &opts, ifindex);
	if (!bpf_tc_query(&hook, &opts) && opts.prog_id == prog_id) {
		loader_tc_opts(&hook, &opts, ifindex);
		bpf_tc_detach(&hook, &opts);
	}
	if (qdisc_created) {
		loader_tc_opts(&hook, &opts, ifindex);
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook);
	}
}

static void loader_guard_run(int fd, int ifindex, __u32 prog_id, bool qdisc_created)
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
	loader_detach_tc(ifindex, prog_id, qdisc_created);
	_exit(0);
}

static int loader_start_guard(struct loader *ld)
{
	int pfd[2];
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC)) {
		int err = -errno;

		log_error("cannot create the guard pipe: %s", loader_errstr(err));
		return err;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		int err = -errno;

		close(pfd[0]);
		close(pfd[1]);
		log_error("cannot start the guard process: %s", loader_errstr(err));
		return err;
	}
	if (pid == 0) {
		/*
		 * Keep only the pipe's read end and the pin lock: the XDP link must die with the
		 * daemon, not with us, and a new daemon must wait until we have cleaned up.
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
		loader_guard_run(pfd[0], ld->ifindex, ld->tc_prog_id, ld->qdisc_created);
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

int loader_start(const struct loader_opts *o, struct loader **out)
{
	struct loader *ld;
	int err;

	*out = NULL;
	ld = calloc(1, sizeof(*ld));
	if (!ld)
		return -ENOMEM;
	ld->lock_fd = -1;
	ld->xdp_link_fd = -1;
	ld->guard_fd = -1;
	ld->ifindex = o->ifindex;
	ld->flow_table_size = o->flow_table_size ? o->flow_table_size : WL_FLOW_TABLE_DEFAULT;
	ld->max_packets = o->max_packets;
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
				  o->btf_path, loader_errstr(err));
			free(ld);
			return err;
		}
		btf__free(btf);
	}
	err = loader_prepare_bpffs(ld->pin_path);
	if (!err)
		err = loader_lock_pins(ld);
	if (!err)
		err = loader_load(ld, o->btf_path);
	if (!err)
		err = loader_check_xdp_free(ld);
	if (!err)
		err = loader_attach_xdp(ld, o->xdp_mode);
	if (!err)
		err = loader_attach_tc(ld);
	if (!err)
		err = loader_start_guard(ld);
	if (err) {
		loader_stop(ld);
		return err;
	}
	*out = ld;
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
	snap->flow_table_size = ld->flow_table_size;
	return 0;
}

int loader_harvest(struct loader *ld, struct talkers *t, uint32_t link)
{
	int64_t mono_to_real = (int64_t)(util_now_real_ns() - util_now_mono_ns());

	return talkers_harvest(t, bpf_map__fd(ld->skel->maps.wl_flows), link, mono_to_real,
			       ld->lock);
}

void loader_describe(const struct loader *ld, struct wl_source *src)
{
	src->backend = "xdp";
	snprintf(src->ifname, sizeof(src->ifname), "%s", ld->ifname);
	src->ifindex = ld->ifindex;
	src->xdp_mode = ld->xdp_attach_mode == XDP_ATTACHED_DRV ? "native" : "generic";
	src->tc_attached = ld->tc_attached;
	src->qdisc_created = ld->qdisc_created;
	snprintf(src->pin_path, sizeof(src->pin_path), "%s", ld->pin_path);
	src->counters_continued = ld->counters_continued;
}

static uint64_t loader_clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int loader_on_sample(void *ctx, void *data, size_t size)
{
	struct loader *ld = ctx;
	const struct wl_sample *s = data;

	if (size < sizeof(*s) || size < sizeof(*s) + s->caplen)
		return 0; /* cannot happen: the kernel wrote it */
	ld->sample_fn(ld->sample_ctx, s, (const uint8_t *)(s + 1),
		      (uint64_t)((int64_t)s->ts_ns + ld->boot_to_real));
	return 0;
}

static int loader_on_event(void *ctx, void *data, size_t size)
{
	struct loader *ld = ctx;
	const struct wl_event *e = data;

	if (size < sizeof(*e) || !ld->event_fn)
		return 0;
	ld->event_fn(ld->event_ctx, e, (uint64_t)((int64_t)e->ts_ns + ld->mono_to_real));
	return 0;
}

int loader_samples(struct loader *ld, loader_sample_fn fn, void *ctx, loader_event_fn efn,
		   void *ectx)
{
	int err;

	ld->sample_fn = fn;
	ld->sample_ctx = ctx;
	ld->event_fn = efn;
	ld->event_ctx = ectx;
	ld->rb = ring_buffer__new(bpf_map__fd(ld->skel->maps.wl_samples), loader_on_sample, ld,
				  NULL);
	if (!ld->rb) {
		err = -errno;
		log_error("cannot read the packet-record ring buffer: %s", loader_errstr(err));
		return err;
	}
	err = ring_buffer__add(ld->rb, bpf_map__fd(ld->skel->maps.wl_events), loader_on_event, ld);
	if (err) {
		log_error("cannot read the event ring buffer: %s", loader_errstr(err));
		return err;
	}
	return 0;
}

int loader_poll_fd(const struct loader *ld)
{
	return ld->rb ? ring_buffer__epoll_fd(ld->rb) : -1;
}

int loader_poll(struct loader *ld, int timeout_ms)
{
	int n;

	if (!ld->rb) {
		struct timespec ts = {timeout_ms / 1000, (timeout_ms % 1000) * 1000000L};

		nanosleep(&ts, NULL);
		return 0;
	}
	ld->boot_to_real =
		(int64_t)(loader_clock_ns(CLOCK_REALTIME) - loader_clock_ns(CLOCK_BOOTTIME));
	ld->mono_to_real =
		(int64_t)(loader_clock_ns(CLOCK_REALTIME) - loader_clock_ns(CLOCK_MONOTONIC));
	if (!ld->lock) {
		n = ring_buffer__poll(ld->rb, timeout_ms);
		return n == -EINTR ? 0 : n;
	}
	/* Wait without the lock; hand the records out with it. */
	struct epoll_event ev;

	n = epoll_wait(ring_buffer__epoll_fd(ld->rb), &ev, 1, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	pthread_mutex_lock(ld->lock);
	n = ring_buffer__consume(ld->rb);
	pthread_mutex_unlock(ld->lock);
	return n == -EINTR ? 0 : n;
}

void loader_set_lock(struct loader *ld, pthread_mutex_t *lock)
{
	ld->lock = lock;
}

void loader_set_filter(struct loader *ld, const struct wl_filter_prog *prog)
{
	static const struct wl_filter_prog none;
	__u32 next = (ld->skel->data->wl_set.filter_slot + 1) & 1;

	/*
	 * Fill the slot not in use, then switch with one aligned store: a program never sees
	 * a half-written filter. A CPU still running the old slot finishes within one frame;
	 * the next change waits for that (changes come at human speed).
	 */
	ld->skel->bss->wl_filter[next] = prog ? *prog : none;
	__atomic_store_n(&ld->skel->data->wl_set.filter_slot, next, __ATOMIC_RELEASE);
}

void loader_set_sampling(struct loader *ld, uint32_t every, uint32_t max_per_sec, uint32_t snaplen)
{
	__atomic_store_n(&ld->skel->data->wl_set.sample_every, every, __ATOMIC_RELAXED);
	__atomic_store_n(&ld->skel->data->wl_set.max_samples_per_sec, max_per_sec,
			 __ATOMIC_RELAXED);
	__atomic_store_n(&ld->skel->data->wl_set.snaplen, snaplen, __ATOMIC_RELAXED);
}

void loader_stop(struct loader *ld)
{
	if (!ld)
		return;
	ring_buffer__free(ld->rb);
	if (ld->tc_attached)
		loader_detach_tc(ld->ifindex, ld->tc_prog_id, ld->qdisc_created);
	else if (ld->qdisc_created)
		loader_detach_tc(ld->ifindex, 0, true);
	loader_stop_guard(ld);
	if (ld->xdp_link_fd >= 0)
		close(ld->xdp_link_fd);
	wirelens_bpf__destroy(ld->skel);
	if (ld->lock_fd >= 0)
		close(ld->lock_fd); /* releases the flock */
	free(ld);
}
