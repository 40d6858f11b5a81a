/* SPDX-License-Identifier: MIT */
/* What the fuzz targets share: invariant checks, and files in memory for readers of paths. */
#ifndef WL_FUZZ_H
#define WL_FUZZ_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* An invariant: when it does not hold, say which and crash (libFuzzer keeps the input). */
#define fuzz_check(cond)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s: %s:%d: check failed: %s\n",                           \
				program_invocation_short_name, __FILE__, __LINE__, #cond);         \
			__builtin_trap();                                                          \
		}                                                                                  \
	} while (0)

/* A memfd and a path that opens it (/proc/self/fd/N): the bytes never touch a disk. */
static inline int fuzz_memfd(const char *name, char *path, size_t size)
{
	int fd = memfd_create(name, MFD_CLOEXEC);

	if (fd < 0) {
		perror("memfd_create");
		abort();
	}
	snprintf(path, size, "/proc/self/fd/%d", fd);
	return fd;
}

/* Make the memfd's content exactly these bytes. */
static inline void fuzz_memfd_set(int fd, const void *data, size_t size)
{
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size) {
		perror("fuzz: memfd");
		abort();
	}
}

#endif
