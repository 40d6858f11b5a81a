// SPDX-License-Identifier: MIT
/*
 * The maps every interface of a live capture shares: the BPF object loaded once without its
 * programs creates the flow tables (IPv4 and IPv6), the two ring buffers, the per-CPU scratch
 * space and the settings (.data, .bss: sampling and the filter). Each interface's programs
 * (user/loader.c) are loaded with these maps reused. Here too: reading the ring buffers,
 * harvesting the flow tables, and changing the settings while the programs run.
 */
#include "pool.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "filter.h"
#include "loader.h"
#include "log.h"
#include "talkers.h"
#include "util.h"
#include "wirelens.skel.h"

struct loader_pool {
	struct wirelens_bpf *skel; /* its maps only: no program loaded */
	uint64_t flow_table_size;
	struct ring_buffer *rb;
	loader_sample_fn sample_fn;
	void *sample_ctx;
	loader_event_fn event_fn;
	void *event_ctx;
	int64_t boot_to_real;  /* CLOCK_REALTIME - CLOCK_BOOTTIME, refreshed every poll */
	int64_t mono_to_real;  /* CLOCK_REALTIME - CLOCK_MONOTONIC, likewise */
	pthread_mutex_t *lock; /* held while records are handed out; NULL: none */
};

int loader_pool_open(const struct loader_opts *o, struct loader_pool **out)
{
	struct loader_pool *pool;
	struct bpf_program *prog;
	struct bpf_map *map;
	int err;

	*out = NULL;
	pool = calloc(1, sizeof(*pool));
	if (!pool)
		return -ENOMEM;
	pool->flow_table_size = o->flow_table_size ? o->flow_table_size : WL_FLOW_TABLE_DEFAULT;
	pool->skel = wirelens_bpf__open();
	if (!pool->skel) {
		err = -errno;
		log_error("cannot open the BPF object: %s", log_bpf_strerror(err));
		free(pool);
		return err;
	}
	/* Only maps: each interface loads the programs, and pins its own counters. */
	bpf_object__for_each_program(prog, pool->skel->obj) bpf_program__set_autoload(prog, false);
	bpf_object__for_each_map(map, pool->skel->obj) bpf_map__set_pin_path(map, NULL);
	pool->skel->data->wl_set.sample_every = o->sample_every;
	pool->skel->data->wl_set.max_samples_per_sec = o->max_samples_per_sec;
	pool->skel->data->wl_set.snaplen = o->snaplen;
	pool->skel->data->wl_set.filter_slot = 0;
	if (o->filter)
		pool->skel->bss->wl_filter[0] = *o->filter;
	err = bpf_map__set_max_entries(pool->skel->maps.wl_flows4, (__u32)pool->flow_table_size);
	if (!err)
		err = bpf_map__set_max_entries(pool->skel->maps.wl_flows6,
					       wl_flow6_size(pool->flow_table_size));
	if (err) {
		log_error("cannot size the flow table: %s", log_bpf_strerror(err));
		goto fail;
	}
	err = wirelens_bpf__load(pool->skel);
	if (err) {
		if ((err == -EPERM || err == -EACCES) && geteuid() != 0)
			log_error("cannot create the BPF maps: %s (run as root or grant "
				  "CAP_BPF,CAP_NET_ADMIN,CAP_PERFMON)",
				  log_bpf_strerror(err));
		else
			log_error("cannot create the BPF maps: %s", log_bpf_strerror(err));
		goto fail;
	}
	*out = pool;
	return 0;
fail:
	wirelens_bpf__destroy(pool->skel);
	free(pool);
	return err;
}

void loader_pool_close(struct loader_pool *pool)
{
	if (!pool)
		return;
	ring_buffer__free(pool->rb);
	wirelens_bpf__destroy(pool->skel);
	free(pool);
}

int loader_pool_share(const struct loader_pool *pool, struct wirelens_bpf *skel)
{
	struct bpf_map *mine[] = {skel->maps.wl_flows4,	 skel->maps.wl_flows6,
				  skel->maps.wl_samples, skel->maps.wl_events,
				  skel->maps.wl_scratch, skel->maps.bss,
				  skel->maps.data};
	const struct bpf_map *shared[] = {pool->skel->maps.wl_flows4,  pool->skel->maps.wl_flows6,
					  pool->skel->maps.wl_samples, pool->skel->maps.wl_events,
					  pool->skel->maps.wl_scratch, pool->skel->maps.bss,
					  pool->skel->maps.data};

	for (size_t i = 0; i < ARRAY_SIZE(mine); i++) {
		int err = bpf_map__reuse_fd(mine[i], bpf_map__fd(shared[i]));

		if (err) {
			log_error("cannot share the map %s between interfaces: %s",
				  bpf_map__name(mine[i]), log_bpf_strerror(err));
			return err;
		}
	}
	return 0;
}

uint64_t loader_pool_flow_table_size(const struct loader_pool *pool)
{
	return pool->flow_table_size;
}

int loader_pool_harvest(struct loader_pool *pool, struct talkers *t)
{
	int64_t mono_to_real = (int64_t)(util_now_real_ns() - util_now_mono_ns());

	return talkers_harvest(t, bpf_map__fd(pool->skel->maps.wl_flows4),
			       bpf_map__fd(pool->skel->maps.wl_flows6), mono_to_real, pool->lock);
}

static uint64_t loader_clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int loader_on_sample(void *ctx, void *data, size_t size)
{
	struct loader_pool *pool = ctx;
	const struct wl_sample *s = data;

	if (size < sizeof(*s) || size < sizeof(*s) + s->caplen)
		return 0; /* cannot happen: the kernel wrote it */
	pool->sample_fn(pool->sample_ctx, s, (const uint8_t *)(s + 1),
			(uint64_t)((int64_t)s->ts_ns + pool->boot_to_real));
	return 0;
}

static int loader_on_event(void *ctx, void *data, size_t size)
{
	struct loader_pool *pool = ctx;
	const struct wl_event *e = data;

	if (size < sizeof(*e) || !pool->event_fn)
		return 0;
	pool->event_fn(pool->event_ctx, e, (uint64_t)((int64_t)e->ts_ns + pool->mono_to_real));
	return 0;
}

int loader_pool_samples(struct loader_pool *pool, loader_sample_fn fn, void *ctx,
			loader_event_fn efn, void *ectx)
{
	int err;

	pool->sample_fn = fn;
	pool->sample_ctx = ctx;
	pool->event_fn = efn;
	pool->event_ctx = ectx;
	pool->rb = ring_buffer__new(bpf_map__fd(pool->skel->maps.wl_samples), loader_on_sample,
				    pool, NULL);
	if (!pool->rb) {
		err = -errno;
		log_error("cannot read the packet-record ring buffer: %s", log_bpf_strerror(err));
		return err;
	}
	err = ring_buffer__add(pool->rb, bpf_map__fd(pool->skel->maps.wl_events), loader_on_event,
			       pool);
	if (err) {
		log_error("cannot read the event ring buffer: %s", log_bpf_strerror(err));
		return err;
	}
	return 0;
}

int loader_pool_poll_fd(const struct loader_pool *pool)
{
	return pool->rb ? ring_buffer__epoll_fd(pool->rb) : -1;
}

int loader_pool_poll(struct loader_pool *pool, int timeout_ms)
{
	int n;

	if (!pool->rb) {
		struct timespec ts = {timeout_ms / 1000, (timeout_ms % 1000) * 1000000L};

		nanosleep(&ts, NULL);
		return 0;
	}
	pool->boot_to_real =
		(int64_t)(loader_clock_ns(CLOCK_REALTIME) - loader_clock_ns(CLOCK_BOOTTIME));
	pool->mono_to_real =
		(int64_t)(loader_clock_ns(CLOCK_REALTIME) - loader_clock_ns(CLOCK_MONOTONIC));
	if (!pool->lock) {
		n = ring_buffer__poll(pool->rb, timeout_ms);
		return n == -EINTR ? 0 : n;
	}
	/* Wait without the lock; hand the records out with it. */
	struct epoll_event ev;

	n = epoll_wait(ring_buffer__epoll_fd(pool->rb), &ev, 1, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	pthread_mutex_lock(pool->lock);
	n = ring_buffer__consume(pool->rb);
	pthread_mutex_unlock(pool->lock);
	return n == -EINTR ? 0 : n;
}

void loader_pool_set_lock(struct loader_pool *pool, pthread_mutex_t *lock)
{
	pool->lock = lock;
}

void loader_pool_set_filter(struct loader_pool *pool, const struct wl_filter_prog *prog)
{
	static const struct wl_filter_prog none;
	__u32 next = (pool->skel->data->wl_set.filter_slot + 1) & 1;

	/*
	 * Fill the slot not in use, then switch with one aligned store: a program never sees
	 * a half-written filter. A CPU still running the old slot finishes within one frame;
	 * the next change waits for that (changes come at human speed). Every interface's
	 * programs read these same words.
	 */
	pool->skel->bss->wl_filter[next] = prog ? *prog : none;
	__atomic_store_n(&pool->skel->data->wl_set.filter_slot, next, __ATOMIC_RELEASE);
}

void loader_pool_set_sampling(struct loader_pool *pool, uint32_t every, uint32_t max_per_sec,
			      uint32_t snaplen)
{
	__atomic_store_n(&pool->skel->data->wl_set.sample_every, every, __ATOMIC_RELAXED);
	__atomic_store_n(&pool->skel->data->wl_set.max_samples_per_sec, max_per_sec,
			 __ATOMIC_RELAXED);
	__atomic_store_n(&pool->skel->data->wl_set.snaplen, snaplen, __ATOMIC_RELAXED);
}
