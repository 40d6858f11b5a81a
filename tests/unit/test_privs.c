// SPDX-License-Identifier: MIT
/*
 * privs_drop() in forked children (the test process keeps its capabilities), each checked
 * through /proc/self/status and by what the child can still do. The drops need root with the
 * full capability set; without it those cases are skipped with the reason.
 */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pthread.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <linux/if_ether.h>

#include "log.h"
#include "privs.h"

#define BIT(cap) (1ull << (cap))

/* In a child a failed cmocka assert would run the rest of the suite there: exit instead. */
#define CHILD_CHECK(cond)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "child: %s:%d: failed: %s\n", __FILE__, __LINE__, #cond);  \
			_exit(1);                                                                  \
		}                                                                                  \
	} while (0)

#define CHILD_CHECK_MASK(got, want)                                                                \
	do {                                                                                       \
		unsigned long long g_ = (got), w_ = (want);                                        \
		if (g_ != w_) {                                                                    \
			fprintf(stderr, "child: %s:%d: %s is %#llx, expected %#llx\n", __FILE__,   \
				__LINE__, #got, g_, w_);                                           \
			_exit(1);                                                                  \
		}                                                                                  \
	} while (0)

/* What /proc/self/status says about the calling thread. */
struct status {
	uint64_t inh, prm, eff, bnd, amb;
	int nnp;
	unsigned int uid[4], gid[4];
	unsigned int groups[256];
	int ngroups;
};

static int read_status(struct status *st)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[4096];
	int seen = 0;

	memset(st, 0, sizeof(*st));
	st->nnp = -1;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v;

		if (sscanf(line, "CapInh: %llx", &v) == 1)
			st->inh = v, seen++;
		else if (sscanf(line, "CapPrm: %llx", &v) == 1)
			st->prm = v, seen++;
		else if (sscanf(line, "CapEff: %llx", &v) == 1)
			st->eff = v, seen++;
		else if (sscanf(line, "CapBnd: %llx", &v) == 1)
			st->bnd = v, seen++;
		else if (sscanf(line, "CapAmb: %llx", &v) == 1)
			st->amb = v, seen++;
		else if (sscanf(line, "NoNewPrivs: %d", &st->nnp) == 1)
			seen++;
		else if (sscanf(line, "Uid: %u %u %u %u", &st->uid[0], &st->uid[1], &st->uid[2],
				&st->uid[3]) == 4)
			seen++;
		else if (sscanf(line, "Gid: %u %u %u %u", &st->gid[0], &st->gid[1], &st->gid[2],
				&st->gid[3]) == 4)
			seen++;
		else if (!strncmp(line, "Groups:", 7)) {
			char *p = line + 7, *end;

			for (;;) {
				unsigned long g = strtoul(p, &end, 10);

				if (end == p || st->ngroups == (int)(sizeof(st->groups) /
								     sizeof(st->groups[0])))
					break;
				st->groups[st->ngroups++] = (unsigned int)g;
				p = end;
			}
			seen++;
		}
	}
	fclose(f);
	return seen == 9 ? 0 : -1;
}

/*
 * What must remain, worked out here rather than taken from privs.c: CAP_BPF, CAP_PERFMON,
 * CAP_NET_ADMIN, CAP_NET_RAW; CAP_SYS_ADMIN for the first two before CAP_BPF existed.
 */
static uint64_t needed_caps(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int last = -1;

	if (f) {
		if (fscanf(f, "%d", &last) != 1)
			last = -1;
		fclose(f);
	}
	assert_true(last > 0);
	if (last >= 39)
		return BIT(39) | BIT(38) | BIT(CAP_NET_ADMIN) | BIT(CAP_NET_RAW);
	return BIT(CAP_SYS_ADMIN) | BIT(CAP_NET_ADMIN) | BIT(CAP_NET_RAW);
}

/* Skip unless root with every capability the drop gives up or keeps. */
static void need_root(void)
{
	uint64_t want = needed_caps() | BIT(CAP_SETPCAP) | BIT(CAP_SETUID) | BIT(CAP_SETGID) |
			BIT(CAP_CHOWN);

	if (geteuid() != 0 || (privs_effective() & want) != want) {
		print_message("SKIP: not run as root with full capabilities (effective %#llx)\n",
			      (unsigned long long)privs_effective());
		skip();
	}
}

/* Run FN in a child; the test fails unless it exits 0. */
static void in_child(void (*fn)(void *), void *arg)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		fn(arg);
		fflush(NULL);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* What the drop leaves, whoever the process is afterwards. */
static void check_dropped(const struct status *st, uint64_t need)
{
	CHILD_CHECK_MASK(st->eff, need);
	CHILD_CHECK_MASK(st->prm, need);
	CHILD_CHECK_MASK(st->bnd, need);
	CHILD_CHECK_MASK(st->inh, 0);
	CHILD_CHECK_MASK(st->amb, 0);
	CHILD_CHECK(st->nnp == 1);
	CHILD_CHECK_MASK(privs_effective(), need);
	CHILD_CHECK(prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0) == 0);
}

/* The kept CAP_NET_RAW works: a packet socket opens (and is closed at once). */
static void check_packet_socket(void)
{
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));

	CHILD_CHECK(fd >= 0);
	close(fd);
}

static void child_drop_root(void *arg)
{
	uint64_t need = *(uint64_t *)arg;
	struct status st;

	CHILD_CHECK(privs_drop(NULL) == 0);
	CHILD_CHECK(read_status(&st) == 0);
	check_dropped(&st, need);
	for (int i = 0; i < 4; i++)
		CHILD_CHECK(st.uid[i] == 0);
	/* CAP_SETUID is gone: uid 0 can no longer become anyone else. */
	CHILD_CHECK(setresuid(1, 1, 1) == -1 && errno == EPERM);
	check_packet_socket();
}

/* Without --user: still root, with only the needed capabilities, bounding set included. */
static void test_drop_keeps_needed(void **state)
{
	uint64_t need = needed_caps();

	(void)state;
	need_root();
	in_child(child_drop_root, &need);
}

struct user_case {
	uint64_t need;
	uid_t uid;
	gid_t gid;
	gid_t groups[256];
	int ngroups;
};

static void child_drop_user(void *arg)
{
	const struct user_case *uc = arg;
	struct status st;

	CHILD_CHECK(privs_drop("nobody") == 0);
	CHILD_CHECK(read_status(&st) == 0);
	for (int i = 0; i < 4; i++) {
		CHILD_CHECK(st.uid[i] == uc->uid);
		CHILD_CHECK(st.gid[i] == uc->gid);
	}
	/* The supplementary groups are the user's (initgroups), root's are gone. */
	CHILD_CHECK(st.ngroups == uc->ngroups);
	for (int i = 0; i < st.ngroups; i++) {
		bool found = false;

		CHILD_CHECK(st.groups[i] != 0 || uc->gid == 0);
		for (int j = 0; j < uc->ngroups; j++)
			found = found || st.groups[i] == uc->groups[j];
		CHILD_CHECK(found);
	}
	check_dropped(&st, uc->need);
	CHILD_CHECK(setresuid(0, 0, 0) == -1 && errno == EPERM);
	/* The capabilities survived setuid (PR_SET_KEEPCAPS and capset again). */
	check_packet_socket();
}

/* --user nobody: its uid, gid and groups, and still the needed capabilities. */
static void test_drop_to_user(void **state)
{
	struct user_case uc = {.need = needed_caps(), .ngroups = 256};
	struct passwd *pw;

	(void)state;
	need_root();
	pw = getpwnam("nobody");
	if (!pw) {
		print_message("SKIP: no user 'nobody' on this system\n");
		skip();
	}
	uc.uid = pw->pw_uid;
	uc.gid = pw->pw_gid;
	assert_true(getgrouplist("nobody", uc.gid, uc.groups, &uc.ngroups) >= 0);
	in_child(child_drop_user, &uc);
}

static void child_missing_user(void *arg)
{
	struct status before, after;
	int err;

	(void)arg;
	CHILD_CHECK(read_status(&before) == 0);
	log_set_quiet(true);
	err = privs_drop("no-such-user-xyz");
	log_set_quiet(false);
	CHILD_CHECK(err == -ENOENT);
	CHILD_CHECK(strstr(log_last_error(), "no such user 'no-such-user-xyz' for --user"));
	/* Refused before anything changed. */
	CHILD_CHECK(read_status(&after) == 0);
	CHILD_CHECK_MASK(after.eff, before.eff);
	CHILD_CHECK_MASK(after.prm, before.prm);
	CHILD_CHECK_MASK(after.bnd, before.bnd);
	CHILD_CHECK(after.nnp == before.nnp);
	CHILD_CHECK(after.uid[1] == before.uid[1]);
}

/* An unknown --user is an error with a clear message, for root and anyone else. */
static void test_drop_missing_user(void **state)
{
	(void)state;
	in_child(child_missing_user, NULL);
}

static void child_partial(void *arg)
{
	uint64_t held = *(uint64_t *)arg;
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = {
		{(uint32_t)held, (uint32_t)held, 0},
		{(uint32_t)(held >> 32), (uint32_t)(held >> 32), 0},
	};
	struct status before, st;

	/* Like a run with file capabilities: only HELD, no CAP_SETPCAP for the bounding set. */
	CHILD_CHECK(syscall(SYS_capset, &hdr, d) == 0);
	CHILD_CHECK(read_status(&before) == 0);
	CHILD_CHECK(privs_drop(NULL) == 0);
	CHILD_CHECK(read_status(&st) == 0);
	CHILD_CHECK_MASK(st.eff, held & BIT(CAP_NET_RAW));
	CHILD_CHECK_MASK(st.prm, held & BIT(CAP_NET_RAW));
	CHILD_CHECK_MASK(st.inh, 0);
	CHILD_CHECK_MASK(st.amb, 0);
	CHILD_CHECK_MASK(st.bnd, before.bnd);
	CHILD_CHECK(st.nnp == 1);
}

/* Holding only part of the needed set (or none of it) is not an error: the rest goes. */
static void test_drop_keeps_what_it_has(void **state)
{
	uint64_t some = BIT(CAP_NET_RAW) | BIT(CAP_CHOWN) | BIT(CAP_DAC_OVERRIDE), none = 0;

	(void)state;
	need_root();
	in_child(child_partial, &some);
	in_child(child_partial, &none);
}

static int pipe_fds[2];

static void *blocked_thread(void *arg)
{
	char c;

	(void)arg;
	if (read(pipe_fds[0], &c, 1) < 0)
		return NULL;
	return NULL;
}

static void child_threads(void *arg)
{
	uint64_t before = privs_effective();
	pthread_t t;
	int err;

	(void)arg;
	CHILD_CHECK(pipe(pipe_fds) == 0);
	CHILD_CHECK(pthread_create(&t, NULL, blocked_thread, NULL) == 0);
	log_set_quiet(true);
	err = privs_drop(NULL);
	log_set_quiet(false);
	CHILD_CHECK(err == -EBUSY);
	CHILD_CHECK(strstr(log_last_error(), "threads"));
	CHILD_CHECK_MASK(privs_effective(), before);
	CHILD_CHECK(write(pipe_fds[1], "x", 1) == 1);
	CHILD_CHECK(pthread_join(t, NULL) == 0);
}

/* With other threads running, which would keep every capability, the drop refuses. */
static void test_drop_refuses_threads(void **state)
{
	(void)state;
	in_child(child_threads, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drop_keeps_needed),
		cmocka_unit_test(test_drop_to_user),
		cmocka_unit_test(test_drop_missing_user),
		cmocka_unit_test(test_drop_keeps_what_it_has),
		cmocka_unit_test(test_drop_refuses_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
