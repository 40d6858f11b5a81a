// SPDX-License-Identifier: MIT
/* The interfaces of a live capture: attach, poll, read, sum, and follow them as they change. */
#include "links.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis.h"
#include "iface.h"
#include "log.h"
#include "pcap_source.h"
#include "util.h"

/* A deleted interface is looked for again this often; a failed attach waits longer. */
#define LINKS_RETRY_NS	 (1000000000ull)
#define LINKS_BACKOFF_NS (5000000000ull)
/* -i any: a look for new interfaces this often. */
#define LINKS_SCAN_NS (2000000000ull)

static const char *link_state_name[] = {"up", "down", "gone"};

static bool link_attached(const struct link *k)
{
	return k->ld || k->ps;
}

/* IFF_UP and IFF_RUNNING of an interface, by name: -errno when there is none. */
static int link_flags(const char *name, short *flags)
{
	struct ifreq ifr;
	int fd, err = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr))
		err = -errno;
	else
		*flags = ifr.ifr_flags;
	close(fd);
	return err;
}

static enum link_state link_state_of(const char *name)
{
	short flags = 0;

	if (link_flags(name, &flags))
		return LINK_GONE;
	return (flags & IFF_UP) && (flags & IFF_RUNNING) ? LINK_UP : LINK_DOWN;
}

/* The handles of one attachment, made without the lock and installed with it. */
struct attachment {
	struct loader *ld;
	struct pcap_source *ps;
	struct wl_source src;
};

/*
 * What becomes of counters an earlier run pinned: a run that reports only its own frames (-c,
 * -d, a report at exit, or one started from a terminal) starts from zero; a daemon continues
 * those of the same interface.
 */
static enum loader_pins links_pins_policy(const struct wl_config *cfg)
{
	if (cfg->count || cfg->duration > 0 || cfg->json || cfg->report_file || cfg->export_json ||
	    cfg->export_csv || isatty(STDIN_FILENO) || isatty(STDERR_FILENO))
		return LOADER_PINS_FRESH;
	return LOADER_PINS_SAME_IFACE;
}

static int link_attach(struct links *ls, struct link *k, unsigned int ifindex, struct attachment *a)
{
	const struct wl_config *cfg = ls->cfg;
	struct loader_opts lo = {
		.ifname = k->name,
		.ifindex = ifindex,
		.link = (uint16_t)(k - ls->l),
		.ingress = cfg->ingress,
		.xdp_mode = cfg->xdp_mode,
		.tc_attach = cfg->tc_attach,
		/* Back after a while away: the counters this daemon pinned go on. */
		.pins = k->attaches ? LOADER_PINS_OWN : links_pins_policy(cfg),
		.pin_path = k->pin_path,
		.btf_path = cfg->btf_path,
		.flow_table_size = cfg->flow_table_size,
		.max_packets = cfg->count,
		.filter = &ls->filter,
		.sample_every = (uint32_t)cfg->sample_every,
		.max_samples_per_sec = (uint32_t)cfg->max_samples_sec,
		.snaplen = (uint32_t)cfg->snaplen,
	};
	int err;

	memset(a, 0, sizeof(*a));
	if (ls->use_pcap) {
		err = pcap_source_open_live(k->name, &a->ps);
		if (err)
			return err;
		pcap_source_set_filter(a->ps, &ls->filter);
		pcap_source_set_sampling(a->ps, lo.sample_every, lo.max_samples_per_sec,
					 lo.snaplen);
		pcap_source_describe(a->ps, &a->src);
		if (ls->lock)
			pcap_source_set_lock(a->ps, ls->lock);
		return 0;
	}
	if (!ls->pool) {
		/* The maps every interface shares, made with the first. */
		err = loader_pool_open(&lo, &ls->pool);
		if (!err && ls->sample_fn)
			err = loader_pool_samples(ls->pool, ls->sample_fn, ls->sample_ctx,
						  ls->event_fn, ls->event_ctx);
		if (err) {
			loader_pool_close(ls->pool);
			ls->pool = NULL;
			return err;
		}
		if (ls->lock)
			loader_pool_set_lock(ls->pool, ls->lock);
	}
	err = loader_start(&lo, ls->pool, &a->ld);
	if (err)
		return err;
	loader_describe(a->ld, &a->src);
	return 0;
}

/*
 * What an interface's snapshot shares with the capture's: the tables (the pcap path fills them
 * frame by frame; the XDP path's kernel counters are read per interface and summed) and the
 * sampling settings.
 */
static void link_share(struct links *ls, struct link *k)
{
	k->snap.talkers = ls->snap->talkers;
	k->snap.ts = ls->use_pcap ? ls->snap->ts : NULL;
	k->snap.packets = ls->snap->packets;
	k->snap.an = ls->use_pcap ? ls->snap->an : NULL;
	k->snap.samples.every = ls->snap->samples.every;
	k->snap.samples.max_per_sec = ls->snap->samples.max_per_sec;
	k->snap.samples.snaplen = ls->snap->samples.snaplen;
}

static void link_install(struct links *ls, struct link *k, unsigned int ifindex,
			 struct attachment *a)
{
	k->ld = a->ld;
	k->ps = a->ps;
	k->ifindex = ifindex;
	k->attaches++;
	k->state = link_state_of(k->name);
	if (k->state == LINK_GONE)
		k->state = LINK_DOWN; /* gone between the attach and now: the next watch sees it */
	k->changed_ns = util_now_real_ns();
	k->snap.source = a->src;
	k->snap.source.ifindex = ifindex;
	link_share(ls, k);
}

static void link_say(const struct link *k, const char *how)
{
	if (k->ld)
		log_info("counting on '%s'%s: %s", k->name, how, loader_hooks_text(k->ld));
	else
		log_info("counting on '%s' with libpcap%s", k->name, how);
}

static struct link *link_add(struct links *ls, const char *name)
{
	const char *root = ls->cfg->pin_path ? ls->cfg->pin_path : WL_PIN_ROOT;
	struct link *k;

	if (ls->n == LINKS_MAX)
		return NULL;
	k = &ls->l[ls->n];
	memset(k, 0, sizeof(*k));
	snprintf(k->name, sizeof(k->name), "%s", name);
	/* One interface keeps its maps in the pin directory itself, as always; several, below. */
	if (ls->subdirs)
		snprintf(k->pin_path, sizeof(k->pin_path), "%s/%s", root, name);
	else
		snprintf(k->pin_path, sizeof(k->pin_path), "%s", root);
	ls->n++;
	return k;
}

/* -i any: the interfaces that are up, not loopback, and not counted yet. */
static void links_scan(struct links *ls, bool at_start)
{
	struct if_nameindex *ifs = if_nameindex(), *i;

	if (!ifs) {
		log_warn_ratelimited("cannot list the interfaces: %s", strerror(errno));
		return;
	}
	for (i = ifs; i->if_index; i++) {
		struct attachment a;
		struct link *k = NULL;
		short flags = 0;
		bool known = false;

		for (unsigned int j = 0; j < ls->n; j++)
			known |= ls->l[j].ifindex == i->if_index ||
				 (!link_attached(&ls->l[j]) && !strcmp(ls->l[j].name, i->if_name));
		if (known || link_flags(i->if_name, &flags) || (flags & IFF_LOOPBACK) ||
		    !(flags & IFF_UP))
			continue;
		for (unsigned int j = 0; j < ls->nskip; j++)
			known |= ls->skip[j] == i->if_index;
		if (known)
			continue;
		if (ls->n == LINKS_MAX) {
			log_warn_ratelimited(
				"new interface '%s' is not counted: wirelens counts at "
				"most %d interfaces",
				i->if_name, LINKS_MAX);
			continue;
		}
		k = link_add(ls, i->if_name);
		if (link_attach(ls, k, i->if_index, &a)) {
			/* Reported by the attach; not tried again while this interface exists. */
			log_warn("not counting on '%s' (see above)", i->if_name);
			ls->n--;
			if (ls->nskip < LINKS_MAX)
				ls->skip[ls->nskip++] = i->if_index;
			continue;
		}
		if (ls->lock)
			pthread_mutex_lock(ls->lock);
		link_install(ls, k, i->if_index, &a);
		if (ls->lock)
			pthread_mutex_unlock(ls->lock);
		link_say(k, at_start ? "" : " (a new interface)");
	}
	if_freenameindex(ifs);
}

int links_open(struct links *ls, const struct wl_config *cfg, const char *fallback, bool use_pcap,
	       const struct wl_filter_prog *filter, struct wl_snapshot *snap)
{
	const char *root = cfg->pin_path ? cfg->pin_path : WL_PIN_ROOT;
	int err;

	/* (The callbacks are set before: interfaces attached here deliver to them.) */
	loader_sample_fn fn = ls->sample_fn;
	loader_event_fn efn = ls->event_fn;
	void *ctx = ls->sample_ctx, *ectx = ls->event_ctx;

	memset(ls, 0, sizeof(*ls));
	links_set_callbacks(ls, fn, ctx, efn, ectx);
	ls->cfg = cfg;
	if (filter)
		ls->filter = *filter;
	ls->snap = snap;
	ls->use_pcap = use_pcap;
	ls->any = cfg->n_ifnames == 1 && !strcmp(cfg->ifnames[0], "any");
	ls->subdirs = ls->any || cfg->n_ifnames > 1;
	if (!use_pcap && ls->subdirs) {
		err = loader_pin_root(root);
		if (err)
			return err;
	}
	if (ls->any) {
		links_scan(ls, true);
		if (!ls->n) {
			log_error("-i any: no interface is up (other than loopback) to count on");
			links_free(ls);
			return -ENODEV;
		}
		ls->scan_ns = util_now_mono_ns();
		return 0;
	}
	/* Every name first: a missing one is refused before anything is attached. */
	for (unsigned int i = 0; i < cfg->n_ifnames; i++) {
		unsigned int ifindex;

		err = iface_lookup(cfg->ifnames[i], &ifindex);
		if (err)
			return err;
	}
	for (unsigned int i = 0; i < (cfg->n_ifnames ? cfg->n_ifnames : 1); i++) {
		const char *name = cfg->n_ifnames ? cfg->ifnames[i] : fallback;
		struct attachment a;
		unsigned int ifindex;
		struct link *k;

		err = iface_lookup(name, &ifindex);
		if (err) {
			links_close(ls);
			links_free(ls);
			return err;
		}
		k = link_add(ls, name);
		err = link_attach(ls, k, ifindex, &a);
		if (err) {
			ls->n--;
			links_close(ls);
			links_free(ls);
			return err;
		}
		link_install(ls, k, ifindex, &a);
		link_say(k, "");
	}
	return 0;
}

void links_set_callbacks(struct links *ls, loader_sample_fn fn, void *ctx, loader_event_fn efn,
			 void *ectx)
{
	ls->sample_fn = fn;
	ls->sample_ctx = ctx;
	ls->event_fn = efn;
	ls->event_ctx = ectx;
}

void links_set_lock(struct links *ls, pthread_mutex_t *lock)
{
	ls->lock = lock;
	if (ls->pool)
		loader_pool_set_lock(ls->pool, lock);
	for (unsigned int i = 0; i < ls->n; i++) {
		if (ls->l[i].ps)
			pcap_source_set_lock(ls->l[i].ps, lock);
	}
}

int links_poll(struct links *ls, uint64_t limit, int timeout_ms)
{
	struct pollfd pfd[2 * LINKS_MAX];
	int nfd = 0, ret = 0;

	if (ls->pool && loader_pool_poll_fd(ls->pool) >= 0)
		pfd[nfd++] = (struct pollfd){.fd = loader_pool_poll_fd(ls->pool), .events = POLLIN};
	for (unsigned int i = 0; i < ls->n; i++) {
		struct link *k = &ls->l[i];
		int fds[2], n = 0;

		if (k->ps)
			n = pcap_source_fds(k->ps, fds);
		for (int j = 0; j < n; j++)
			pfd[nfd++] = (struct pollfd){.fd = fds[j], .events = POLLIN};
	}
	if (poll(pfd, (nfds_t)nfd, timeout_ms) < 0 && errno != EINTR)
		return -errno;
	if (ls->pool) {
		int r = loader_pool_poll(ls->pool, 0);

		if (r < 0) {
			log_error("cannot read packet records: %s", strerror(-r));
			return r;
		}
	}
	for (unsigned int i = 0; i < ls->n; i++) {
		struct link *k = &ls->l[i];
		int r;

		if (k->ps) {
			/* Both wait without the lock and count with it; a failure waits for watch. */
			link_share(ls, k);
			r = pcap_source_run(k->ps, &k->snap, limit, 0);
			if (r == PCAP_SOURCE_LIMIT || r == PCAP_SOURCE_STOPPED)
				ret = r;
			else if (r < 0) {
				k->lost = true;
				k->lost_err = -r;
			}
		}
	}
	return ret;
}

int links_harvest(struct links *ls, struct talkers *t)
{
	return ls->pool ? loader_pool_harvest(ls->pool, t) : 0;
}

static void tcp_add(struct wl_tcp_stats *dst, const struct wl_tcp_stats *src)
{
	dst->segments += src->segments;
	dst->retransmissions += src->retransmissions;
	dst->out_of_order += src->out_of_order;
	dst->duplicate_acks += src->duplicate_acks;
	dst->zero_windows += src->zero_windows;
	dst->resets += src->resets;
	dst->syns += src->syns;
	dst->synacks += src->synacks;
	dst->handshakes += src->handshakes;
}

static int link_read(struct link *k)
{
	int err;

	if (k->ps) {
		snapshot_sum_dirs(&k->snap);
		pcap_source_drops(k->ps, &k->snap);
		return 0;
	}
	if (!k->ld)
		return 0; /* gone: its last counts stay */
	err = loader_read(k->ld, &k->snap);
	if (!err)
		err = loader_read_analysis(k->ld, &k->events, &k->events_lost, k->tcp);
	if (err)
		log_error_ratelimited("cannot read the counters of '%s': %s", k->name,
				      strerror(-err));
	return err;
}

/* The capture's snapshot: the sum of its interfaces', and one entry per interface. */
static void links_sum(struct links *ls)
{
	struct wl_snapshot *s = ls->snap;
	size_t len = 0;

	memset(s->dir, 0, sizeof(s->dir));
	memset(&s->drops, 0, sizeof(s->drops));
	s->samples.taken = s->samples.lost = s->samples.limited = 0;
	s->flow_table_size = ls->pool ? loader_pool_flow_table_size(ls->pool) : 0;
	if (!ls->use_pcap && s->an) {
		memset(s->an->tcp, 0, sizeof(s->an->tcp));
		s->an->events = s->an->events_lost = 0;
	}
	s->source.ifname[0] = 0;
	for (unsigned int i = 0; i < ls->n; i++) {
		const struct link *k = &ls->l[i];
		struct wl_iface *f = &ls->ifaces[i];

		for (int d = 0; d < WL_DIR_MAX; d++) {
			snapshot_stats_add(&s->dir[d], &k->snap.dir[d]);
			f->dir[d] = k->snap.dir[d].total;
		}
		s->drops.flow_insert_failed += k->snap.drops.flow_insert_failed;
		s->drops.pcap_received += k->snap.drops.pcap_received;
		s->drops.pcap_kernel += k->snap.drops.pcap_kernel;
		s->drops.pcap_ifdrop += k->snap.drops.pcap_ifdrop;
		s->samples.taken += k->snap.samples.taken;
		s->samples.lost += k->snap.samples.lost;
		s->samples.limited += k->snap.samples.limited;
		if (!ls->use_pcap && s->an) {
			for (int d = 0; d < WL_DIR_MAX; d++)
				tcp_add(&s->an->tcp[d], &k->tcp[d]);
			s->an->events += k->events;
			s->an->events_lost += k->events_lost;
		}
		/* Both IF_NAMESIZE and NUL-terminated (snprintf here upsets gcc's -Wrestrict). */
		_Static_assert(sizeof(f->name) == sizeof(k->name), "interface name sizes");
		memcpy(f->name, k->name, sizeof(f->name));
		f->ifindex = k->ifindex;
		f->state = link_state_name[k->state];
		f->backend = ls->use_pcap ? "pcap" : "xdp";
		f->ingress = k->snap.source.ingress;
		f->xdp_mode = k->snap.source.xdp_mode;
		f->drops = k->snap.drops;
		f->samples_lost = k->snap.samples.lost;
		f->pps = k->snap.rates.pps;
		f->bps = k->snap.rates.bps;
		f->attaches = k->attaches;
		f->changed_ns = k->changed_ns;
		if (len + strlen(k->name) + 2 < sizeof(s->source.ifname))
			len += (size_t)snprintf(s->source.ifname + len,
						sizeof(s->source.ifname) - len, "%s%s",
						len ? "," : "", k->name);
	}
	s->ifaces = ls->ifaces;
	s->n_ifaces = ls->n;
	snapshot_sum_dirs(s);
}

int links_read(struct links *ls)
{
	int err = 0, e;

	for (unsigned int i = 0; i < ls->n; i++)
		if ((e = link_read(&ls->l[i])))
			err = err ? err : e;
	links_sum(ls);
	return err;
}

void links_sample(struct links *ls, uint64_t now_ns)
{
	for (unsigned int i = 0; i < ls->n; i++) {
		struct link *k = &ls->l[i];

		snapshot_sum_dirs(&k->snap);
		poller_sample(&k->pl, &k->snap, now_ns);
		ls->ifaces[i].pps = k->snap.rates.pps;
		ls->ifaces[i].bps = k->snap.rates.bps;
	}
}

/*
 * The last counts of an interface, then its handles closed. st: LINK_GONE (it went away: looked
 * for again by name) or LINK_DOWN (its libpcap capture stopped while it is there: looked at
 * again by index, so that a rename while down is followed).
 */
static void link_detach(struct links *ls, struct link *k, enum link_state st)
{
	struct loader *ld = k->ld;
	struct pcap_source *ps = k->ps;

	if (ld) {
		loader_pool_poll(ls->pool, 0);
		if (ls->snap->talkers)
			loader_pool_harvest(ls->pool, ls->snap->talkers);
	}
	if (ls->lock)
		pthread_mutex_lock(ls->lock);
	link_read(k);
	k->ld = NULL;
	k->ps = NULL;
	if (st == LINK_GONE)
		k->ifindex = 0;
	k->state = st;
	k->lost = false;
	k->changed_ns = util_now_real_ns();
	links_sum(ls);
	if (ls->lock)
		pthread_mutex_unlock(ls->lock);
	pcap_source_close(ps);
	loader_stop(ld);
}

/* The interface at k's index is now called name. */
static void link_renamed(struct links *ls, struct link *k, const char *name)
{
	if (!strcmp(name, k->name))
		return;
	log_info("interface '%s' (index %u) is now called '%s': still counting on it", k->name,
		 k->ifindex, name);
	if (ls->lock)
		pthread_mutex_lock(ls->lock);
	snprintf(k->name, sizeof(k->name), "%s", name);
	k->changed_ns = util_now_real_ns();
	if (ls->lock)
		pthread_mutex_unlock(ls->lock);
}

static void link_went_away(struct links *ls, struct link *k, uint64_t now_ns)
{
	log_warn("interface '%s' went away (deleted, or moved to another network namespace): its "
		 "counts so far stay; counting resumes when an interface of that name returns",
		 k->name);
	link_detach(ls, k, LINK_GONE);
	k->retry_ns = now_ns + LINKS_RETRY_NS;
}

/*
 * Not attached: a libpcap capture that stopped on an interface still there (k->ifindex kept)
 * starts again once that interface is up; one that went away, once one of its name returns.
 */
static void link_reattach(struct links *ls, struct link *k, uint64_t now_ns)
{
	char name[IF_NAMESIZE];
	unsigned int ifindex = k->ifindex;
	bool was_down = ifindex != 0;
	struct attachment a;
	int err;

	if (was_down) {
		if (!if_indextoname(ifindex, name)) {
			link_went_away(ls, k, now_ns);
			return;
		}
		link_renamed(ls, k, name);
		if (now_ns < k->retry_ns || link_state_of(k->name) != LINK_UP)
			return;
	} else if (now_ns < k->retry_ns || !(ifindex = if_nametoindex(k->name))) {
		return;
	}
	log_set_quiet(k->attaches > 1 && k->retry_ns > 0);
	err = link_attach(ls, k, ifindex, &a);
	log_set_quiet(false);
	if (err) {
		log_warn_ratelimited("interface '%s' is %s (index %u) but cannot be counted again: "
				     "%s; trying again in %llu s",
				     k->name, was_down ? "up again" : "back", ifindex,
				     log_last_error(), LINKS_BACKOFF_NS / 1000000000ull);
		k->retry_ns = now_ns + LINKS_BACKOFF_NS;
		return;
	}
	if (ls->lock)
		pthread_mutex_lock(ls->lock);
	link_install(ls, k, ifindex, &a);
	links_sum(ls);
	if (ls->lock)
		pthread_mutex_unlock(ls->lock);
	if (was_down)
		log_info("interface '%s' is up again", k->name);
	else
		log_info("interface '%s' is back (index %u): counting again", k->name, ifindex);
}

static void link_watch(struct links *ls, struct link *k, uint64_t now_ns)
{
	char name[IF_NAMESIZE];
	enum link_state st;

	if (!link_attached(k)) {
		link_reattach(ls, k, now_ns);
		return;
	}
	if (!if_indextoname(k->ifindex, name)) {
		link_went_away(ls, k, now_ns);
		return;
	}
	link_renamed(ls, k, name);
	st = link_state_of(k->name);
	if (k->lost) {
		/* libpcap's capture ends when its interface goes down: open it again once up. */
		if (st == LINK_UP)
			log_warn_ratelimited(
				"capture on '%s' stopped (%s): opening it again in %llu s", k->name,
				strerror(k->lost_err), LINKS_BACKOFF_NS / 1000000000ull);
		else
			log_warn("interface '%s' is down: nothing to count there until it is up",
				 k->name);
		link_detach(ls, k, LINK_DOWN);
		k->retry_ns = st == LINK_UP ? now_ns + LINKS_BACKOFF_NS : 0;
		return;
	}
	if (st == LINK_GONE || st == k->state)
		return; /* gone: the next look detaches */
	if (st == LINK_DOWN)
		log_warn("interface '%s' is down: nothing to count there until it is up", k->name);
	else
		log_info("interface '%s' is up again", k->name);
	if (ls->lock)
		pthread_mutex_lock(ls->lock);
	k->state = st;
	k->changed_ns = util_now_real_ns();
	if (ls->lock)
		pthread_mutex_unlock(ls->lock);
}

void links_watch(struct links *ls, uint64_t now_ns)
{
	for (unsigned int i = 0; i < ls->n; i++)
		link_watch(ls, &ls->l[i], now_ns);
	if (!ls->any || now_ns - ls->scan_ns < LINKS_SCAN_NS)
		return;
	ls->scan_ns = now_ns;
	/* Forget the skipped interfaces that are gone: a new one may take their index. */
	for (unsigned int j = 0; j < ls->nskip;) {
		char name[IF_NAMESIZE];

		if (if_indextoname(ls->skip[j], name))
			j++;
		else
			ls->skip[j] = ls->skip[--ls->nskip];
	}
	links_scan(ls, false);
}

void links_set_filter(struct links *ls, const struct wl_filter_prog *prog)
{
	if (prog)
		ls->filter = *prog;
	else
		memset(&ls->filter, 0, sizeof(ls->filter));
	if (ls->pool)
		loader_pool_set_filter(ls->pool, prog);
	for (unsigned int i = 0; i < ls->n; i++)
		if (ls->l[i].ps)
			pcap_source_set_filter(ls->l[i].ps, prog);
}

void links_set_sampling(struct links *ls, uint32_t every, uint32_t max_per_sec, uint32_t snaplen)
{
	if (ls->pool)
		loader_pool_set_sampling(ls->pool, every, max_per_sec, snaplen);
	for (unsigned int i = 0; i < ls->n; i++)
		if (ls->l[i].ps)
			pcap_source_set_sampling(ls->l[i].ps, every, max_per_sec, snaplen);
}

unsigned int links_attached(const struct links *ls)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < ls->n; i++)
		n += link_attached(&ls->l[i]);
	return n;
}

void links_close(struct links *ls)
{
	if (ls->pool)
		loader_pool_poll(ls->pool, 0); /* the records still in the ring */
	for (unsigned int i = 0; i < ls->n; i++) {
		struct link *k = &ls->l[i];

		pcap_source_close(k->ps);
		loader_stop(k->ld);
		k->ld = NULL;
		k->ps = NULL;
	}
}

void links_free(struct links *ls)
{
	loader_pool_close(ls->pool);
	ls->pool = NULL;
}
