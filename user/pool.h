/* SPDX-License-Identifier: MIT */
/*
 * The maps every interface of a live capture shares (the flow tables, the ring buffers, the
 * scratch space, the settings), created once; each interface's programs (user/loader.h) reuse
 * them. Records and events are read, the flow tables harvested and the settings changed here.
 */
#ifndef WL_POOL_H
#define WL_POOL_H

#include <pthread.h>
#include <stdint.h>

struct loader_opts;
struct loader_pool;
struct talkers;
struct wirelens_bpf;
struct wl_event;
struct wl_filter_prog;
struct wl_sample;

/* Called for each packet record from the kernel: the record, its bytes, wall-clock time. */
typedef void (*loader_sample_fn)(void *ctx, const struct wl_sample *s, const uint8_t *data,
				 uint64_t real_ns);

/*
 * Create the shared maps (flow tables of opts->flow_table_size, ring buffers, settings with
 * opts' filter and sampling). Returns 0 or -errno after one line (NULL in *out).
 */
int loader_pool_open(const struct loader_opts *opts, struct loader_pool **out);

/* Free the pool (after every loader that uses it). Accepts NULL. */
void loader_pool_close(struct loader_pool *pool);

/* Make an interface's object (opened, not loaded) use the pool's maps. 0 or -errno (one line). */
int loader_pool_share(const struct loader_pool *pool, struct wirelens_bpf *skel);

/* The IPv4 flow table's capacity. */
uint64_t loader_pool_flow_table_size(const struct loader_pool *pool);

/* Account what changed in the shared kernel flow table since the last harvest. 0 or -errno. */
int loader_pool_harvest(struct loader_pool *pool, struct talkers *t);

/* Called for each connection-analysis event (RTT sample, probe), with wall-clock time. */
typedef void (*loader_event_fn)(void *ctx, const struct wl_event *e, uint64_t real_ns);

/*
 * Receive packet records through fn and events through efn. Returns 0 or a negative errno
 * (after one line).
 */
int loader_pool_samples(struct loader_pool *pool, loader_sample_fn fn, void *ctx,
			loader_event_fn efn, void *ectx);

/* An fd to poll(2) for records and events (an epoll fd; -1: none yet). */
int loader_pool_poll_fd(const struct loader_pool *pool);

/*
 * Wait up to timeout_ms for packet records and pass each to fn (set with loader_pool_samples).
 * Returns the number of records, or a negative errno.
 */
int loader_pool_poll(struct loader_pool *pool, int timeout_ms);

/*
 * From now on, loader_pool_poll() waits without and hands out records with this mutex held (the
 * record callbacks change what the web server reads).
 */
void loader_pool_set_lock(struct loader_pool *pool, pthread_mutex_t *lock);

/* Replace the capture filter while the programs run: no reattaching, no counts lost. */
void loader_pool_set_filter(struct loader_pool *pool, const struct wl_filter_prog *prog);

/* Change sampling while the programs run. */
void loader_pool_set_sampling(struct loader_pool *pool, uint32_t every, uint32_t max_per_sec,
			      uint32_t snaplen);

#endif
