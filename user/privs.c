// SPDX-License-Identifier: MIT
/*
 * Dropping privileges after setup, like tcpdump -Z: keep the capabilities needed to attach
 * again, shrink the bounding set, clear the ambient set, set no_new_privs, optionally become
 * another user. Raw capget/capset (version 3, 64 bits), so no libcap.
 */
#include "privs.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

/* Older headers than the kernels they run on. */
#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

#define PRIVS_BIT(cap) (1ull << (cap))

/* The capability sets of the calling thread. */
struct privs_caps {
	uint64_t eff, prm, inh;
};

static int privs_get(struct privs_caps *c)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &hdr, d))
		return -errno;
	c->eff = d[0].effective | (uint64_t)d[1].effective << 32;
	c->prm = d[0].permitted | (uint64_t)d[1].permitted << 32;
	c->inh = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
	return 0;
}

static int privs_set(const struct privs_caps *c)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = {
		{(uint32_t)c->eff, (uint32_t)c->prm, (uint32_t)c->inh},
		{(uint32_t)(c->eff >> 32), (uint32_t)(c->prm >> 32), (uint32_t)(c->inh >> 32)},
	};

	return syscall(SYS_capset, &hdr, d) ? -errno : 0;
}

uint64_t privs_effective(void)
{
	struct privs_caps c = {0};

	return privs_get(&c) ? 0 : c.eff;
}

/* The highest capability this kernel knows. */
static int privs_last_cap(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int last = -1;

	if (f) {
		if (fscanf(f, "%d", &last) != 1)
			last = -1;
		fclose(f);
	}
	if (last < 0 || last > 63) {
		/* No /proc: the bounding set answers EINVAL past the last capability. */
		last = 0;
		while (last < 63 && prctl(PR_CAPBSET_READ, last + 1, 0, 0, 0) >= 0)
			last++;
	}
	return last;
}

/* The threads of this process, or -1 if /proc can't tell. */
static int privs_threads(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	int n = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Threads: %d", &n) == 1)
			break;
	fclose(f);
	return n;
}

static const struct {
	int cap;
	const char *name;
} privs_names[] = {
	{CAP_SYS_ADMIN, "cap_sys_admin"}, {CAP_BPF, "cap_bpf"},
	{CAP_PERFMON, "cap_perfmon"},	  {CAP_NET_ADMIN, "cap_net_admin"},
	{CAP_NET_RAW, "cap_net_raw"},
};

/* "cap_bpf,cap_net_raw" for the capabilities of MASK we name (all we ever keep). */
static void privs_describe(uint64_t mask, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(privs_names); i++) {
		if (!(mask & PRIVS_BIT(privs_names[i].cap)) || n >= len)
			continue;
		n += snprintf(buf + n, len - n, "%s%s", n ? "," : "", privs_names[i].name);
	}
}

/*
 * Become UID/GID with USER's supplementary groups, keeping the permitted set: PR_SET_KEEPCAPS
 * across setresuid(), which still clears the effective set (the caller sets it again).
 */
static int privs_switch_user(const char *user, uid_t uid, gid_t gid)
{
	const char *what = NULL;
	int err;

	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0))
		what = "keep the capabilities when switching to";
	else if (initgroups(user, gid))
		what = "set the supplementary groups of";
	else if (setresgid(gid, gid, gid))
		what = "set the group of";
	else if (setresuid(uid, uid, uid))
		what = "switch to";
	err = what ? -errno : 0;
	prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	if (err)
		log_error("cannot %s user '%s' (uid %u, gid %u) for --user: %s (run as root, or "
			  "grant CAP_SETUID,CAP_SETGID)",
			  what, user, (unsigned int)uid, (unsigned int)gid, strerror(-err));
	return err;
}

/* Look USER up before anything changes; a name that is not there is the common mistake. */
static int privs_lookup(const char *user, uid_t *uid, gid_t *gid)
{
	struct passwd *pw;
	int err;

	errno = 0;
	pw = getpwnam(user);
	if (pw) {
		*uid = pw->pw_uid;
		*gid = pw->pw_gid;
		return 0;
	}
	/* Not found is NULL with errno 0, ENOENT, ESRCH, EBADF or EPERM (getpwnam(3)). */
	err = errno;
	switch (err) {
	case EIO:
	case EINTR:
	case EMFILE:
	case ENFILE:
	case ENOMEM:
	case ERANGE:
		log_error("cannot look up user '%s' for --user: %s", user, strerror(err));
		return -err;
	}
	log_error("no such user '%s' for --user (name an existing account, e.g. nobody)", user);
	return -ENOENT;
}

int privs_drop(const char *user)
{
	char kept[128], missing[128];
	struct privs_caps cur, want;
	uint64_t need, keep;
	uid_t uid = 0;
	gid_t gid = 0;
	int last, threads, err;

	if (user && (err = privs_lookup(user, &uid, &gid)))
		return err;
	threads = privs_threads();
	if (threads > 1) {
		log_error("cannot drop privileges: %d threads are running and capabilities belong "
			  "to threads (drop them before starting any thread)",
			  threads);
		return -EBUSY;
	}
	last = privs_last_cap();
	need = PRIVS_BIT(CAP_NET_ADMIN) | PRIVS_BIT(CAP_NET_RAW);
	if (last >= CAP_BPF)
		need |= PRIVS_BIT(CAP_BPF) | PRIVS_BIT(CAP_PERFMON);
	else
		need |= PRIVS_BIT(CAP_SYS_ADMIN);
	err = privs_get(&cur);
	if (err) {
		log_error("cannot drop privileges: cannot read the capabilities: %s",
			  strerror(-err));
		return err;
	}
	keep = need & cur.prm;
	/*
	 * Started with exactly that set (as the systemd unit does, whose system-call filter denies
	 * capset()): nothing to change but the ambient set and no_new_privs.
	 */
	if (!user && cur.eff == keep && cur.prm == keep && !cur.inh)
		goto done;

	/* Everything permitted made effective: the bounding set and the user switch need it. */
	want = (struct privs_caps){.eff = cur.prm, .prm = cur.prm, .inh = 0};
	err = privs_set(&want);
	if (err) {
		log_error("cannot drop privileges: capset: %s", strerror(-err));
		return err;
	}
	/*
	 * Without CAP_SETPCAP the bounding set stays as it is; no_new_privs below already stops
	 * execve() from granting anything we do not keep.
	 */
	for (int cap = 0; cap <= last && (cur.prm & PRIVS_BIT(CAP_SETPCAP)); cap++) {
		if ((keep & PRIVS_BIT(cap)) || prctl(PR_CAPBSET_READ, cap, 0, 0, 0) != 1)
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)) {
			err = -errno;
			log_error("cannot drop privileges: cannot drop capability %d from the "
				  "bounding set: %s",
				  cap, strerror(-err));
			return err;
		}
	}
	/* EINVAL: a kernel before ambient capabilities (4.3), so there are none. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL) {
		err = -errno;
		log_error("cannot drop privileges: cannot clear the ambient capabilities: %s",
			  strerror(-err));
		return err;
	}
	if (user) {
		uid_t ru, eu, su;
		gid_t rg, eg, sg;

		/* Already that user and unable to set groups (file capabilities): nothing to do. */
		if (getresuid(&ru, &eu, &su) || getresgid(&rg, &eg, &sg) || ru != uid ||
		    eu != uid || su != uid || rg != gid || eg != gid || sg != gid ||
		    (cur.prm & PRIVS_BIT(CAP_SETGID))) {
			err = privs_switch_user(user, uid, gid);
			if (err)
				return err;
		}
	}
	want = (struct privs_caps){.eff = keep, .prm = keep, .inh = 0};
	err = privs_set(&want);
	if (err) {
		log_error("cannot drop privileges: capset: %s", strerror(-err));
		return err;
	}
done:
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL) {
		err = -errno;
		log_error("cannot drop privileges: cannot clear the ambient capabilities: %s",
			  strerror(-err));
		return err;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		err = -errno;
		log_error("cannot drop privileges: cannot set no_new_privs: %s", strerror(-err));
		return err;
	}
	err = privs_get(&cur);
	if (err) {
		log_error("cannot drop privileges: cannot read the capabilities back: %s",
			  strerror(-err));
		return err;
	}
	if (cur.eff != keep || cur.prm != keep || cur.inh) {
		log_error("cannot drop privileges: the capabilities are not as set (effective "
			  "%#llx, wanted %#llx)",
			  (unsigned long long)cur.eff, (unsigned long long)keep);
		return -EPERM;
	}

	privs_describe(keep, kept, sizeof(kept));
	privs_describe(need & ~keep, missing, sizeof(missing));
	log_info("dropped privileges: keeping %s%s%s%s%s%s", keep ? kept : "no capabilities",
		 user ? ", running as user " : "", user ? user : "",
		 keep != need ? " (not held: " : "", keep != need ? missing : "",
		 keep != need ? ")" : "");
	return 0;
}
