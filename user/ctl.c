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
	c->cfg = cfg;
	c->started_mono_ns = util_now_mono_ns();
	c->hub = sse_hub_new();
	if (!c->hub) {
		pthread_mutex_destroy(&c->lock);
		return -ENOMEM;
	}
	return 0;
}

void ctl_free(struct wl_ctl *c)
{
	sse_hub_free(c->hub);
	cJSON_Delete(c->prev_light);
	free(c->stats_text);
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
