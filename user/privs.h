/* SPDX-License-Identifier: MIT */
/* Dropping privileges once set up: keep the capabilities the running daemon needs, nothing else. */
#ifndef WL_PRIVS_H
#define WL_PRIVS_H

#include <stdint.h>

/*
 * Reduce the process to what the running daemon needs to attach again after an interface comes
 * back: CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN and CAP_NET_RAW (CAP_SYS_ADMIN instead of the first
 * two on kernels without CAP_BPF), of those it holds. Effective and permitted sets become
 * exactly that, the bounding set too (when CAP_SETPCAP is held), inheritable and ambient sets
 * are cleared, and no_new_privs is set. USER non-NULL (--user): become that user (uid, gid,
 * supplementary groups) keeping those capabilities. A process holding none of them (a run
 * with file capabilities, a test) keeps what it has of them and is not an error.
 *
 * Call once, from the only thread: capabilities belong to threads, so with other threads
 * running it refuses (-EBUSY) rather than leave them privileged. Everything that needs more
 * (reading root-only files, binding ports below 1024, mounting bpffs, writing where only
 * CAP_DAC_OVERRIDE may) must be done before.
 *
 * Returns 0, or -errno after one log_error() line: -ENOENT for an unknown USER and -EBUSY
 * for threads change nothing; after any other error the process is half-dropped: exit.
 */
int privs_drop(const char *user);

/* The calling thread's effective capability set (bit N: capability N); 0 if unreadable. */
uint64_t privs_effective(void);

#endif
