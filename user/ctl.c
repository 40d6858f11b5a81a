// SPDX-License-Identifier: MIT
/* The state the capture loop shares with the web server. */
#include "ctl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sse.h"
#include "util.h"

int ctl_init(struct wl_ctl *c, struct wl_config *cfg)
{
	int err;

	memset(c, 0, sizeof(*c));
	err = pthread_mutex_init(&c->lock, NULL);
	if (err)
		return -err;
	err = pthread_mutex_init(&c->stats_lock, NULL);
	if (err) {
		pthread_mutex_destroy(&c->lock);
		return -err;
	}
	c->cfg = cfg;
	c->started_mono_ns = util_now_mono_ns();
	c->hub = sse_hub_new();
	if (!c->hub) {
		pthread_mutex_destroy(&c->stats_lock);
		pthread_mutex_destroy(&c->lock);
		return -ENOMEM;
	}
	return 0;
}

void ctl_free(struct wl_ctl *c)
{
	sse_hub_free(c->hub);
	cJSON_Delete(c->prev_light);
	ctl_put_text(c->stats);
	pthread_mutex_destroy(&c->stats_lock);
	pthread_mutex_destroy(&c->lock);
	memset(c, 0, sizeof(*c));
}

void ctl_changed(struct wl_ctl *c)
{
	if (c)
		c->gen++;
}

void ctl_answer(struct wl_ctl *c, int status, const char *error)
{
	struct ctl_waiter *w = c->waiters, *next;

	c->waiters = NULL;
	for (; w; w = next) {
		next = w->next;
		w->status = status;
		snprintf(w->error, sizeof(w->error), "%s", error ? error : "");
		w->done(w);
	}
}

const char *ctl_state_name(enum wl_ctl_state s)
{
	switch (s) {
	case WL_CTL_STARTING:
		return "starting";
	case WL_CTL_CAPTURING:
		return "capturing";
	case WL_CTL_STOPPED:
		return "stopped";
	case WL_CTL_FINISHED:
		return "finished";
	}
	return "unknown";
}

int ctl_set_stats(struct wl_ctl *c, char *text)
{
	size_t len = strlen(text);
	struct ctl_text *t = malloc(sizeof(*t) + len + 1), *old;

	if (!t) {
		free(text);
		return -ENOMEM;
	}
	t->refs = 1;
	t->len = len;
	memcpy(t->data, text, len + 1);
	free(text);
	pthread_mutex_lock(&c->stats_lock);
	old = c->stats;
	c->stats = t;
	pthread_mutex_unlock(&c->stats_lock);
	ctl_put_text(old);
	return 0;
}

struct ctl_text *ctl_get_stats(struct wl_ctl *c)
{
	struct ctl_text *t;

	pthread_mutex_lock(&c->stats_lock);
	t = c->stats;
	if (t)
		__atomic_add_fetch(&t->refs, 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&c->stats_lock);
	return t;
}

void ctl_put_text(struct ctl_text *t)
{
	if (t && __atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL) == 0)
		free(t);
}
