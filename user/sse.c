// SPDX-License-Identifier: MIT
/* Server-Sent Events for the dashboard: see sse.h. */
#include "sse.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <microhttpd.h>

#include "util.h"

struct sse_event {
	int refs;
	uint64_t seq;
	size_t len;
	char data[];
};

struct sse_client {
	struct sse_client *prev, *next;
	struct sse_hub *hub;
	struct MHD_Connection *conn;
	struct sse_event *cur; /* being sent; a reference */
	size_t off;	       /* bytes of cur sent */
	uint64_t next_seq;     /* the delta to send after cur */
	uint64_t last_write_ns;
	bool suspended;
	bool want_snapshot;
	bool greeted; /* the retry: line is out */
};

struct sse_hub {
	pthread_mutex_t lock;
	struct sse_event *ring[SSE_RING];
	uint64_t last_seq; /* of the newest delta; 0: none yet */
	struct sse_event *snapshot;
	struct sse_client *clients;
	unsigned int nclients;
	bool closing;
};

static const char sse_greeting[] = "retry: 2000\n\n";
static const char sse_heartbeat[] = ": keep-alive\n\n";

static struct sse_event *event_new(const char *text, uint64_t seq)
{
	size_t len = strlen(text);
	struct sse_event *e = malloc(sizeof(*e) + len + 1);

	if (!e)
		return NULL;
	e->refs = 1;
	e->seq = seq;
	e->len = len;
	memcpy(e->data, text, len + 1);
	return e;
}

static void event_put(struct sse_event *e)
{
	if (e && --e->refs == 0)
		free(e);
}

struct sse_hub *sse_hub_new(void)
{
	struct sse_hub *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	if (pthread_mutex_init(&h->lock, NULL)) {
		free(h);
		return NULL;
	}
	return h;
}

void sse_hub_free(struct sse_hub *h)
{
	if (!h)
		return;
	for (int i = 0; i < SSE_RING; i++)
		event_put(h->ring[i]);
	event_put(h->snapshot);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

uint64_t sse_next_seq(struct sse_hub *h)
{
	uint64_t s;

	pthread_mutex_lock(&h->lock);
	s = h->last_seq + 1;
	pthread_mutex_unlock(&h->lock);
	return s;
}

/* Wake every parked client (lock held). */
static void hub_wake(struct sse_hub *h, uint64_t older_than_ns)
{
	for (struct sse_client *c = h->clients; c; c = c->next) {
		if (c->suspended && (!older_than_ns || c->last_write_ns < older_than_ns)) {
			c->suspended = false;
			MHD_resume_connection(c->conn);
		}
	}
}

int sse_publish(struct sse_hub *h, const char *delta, const char *snapshot)
{
	struct sse_event *d = NULL, *s = NULL;
	uint64_t seq;

	pthread_mutex_lock(&h->lock);
	seq = h->last_seq + 1;
	if ((delta && !(d = event_new(delta, seq))) ||
	    (snapshot && !(s = event_new(snapshot, delta ? seq : h->last_seq)))) {
		pthread_mutex_unlock(&h->lock);
		event_put(d);
		event_put(s);
		return -ENOMEM;
	}
	if (d) {
		event_put(h->ring[seq % SSE_RING]);
		h->ring[seq % SSE_RING] = d;
		h->last_seq = seq;
	}
	if (s) {
		event_put(h->snapshot);
		h->snapshot = s;
	}
	hub_wake(h, 0);
	pthread_mutex_unlock(&h->lock);
	return 0;
}

void sse_reset(struct sse_hub *h)
{
	pthread_mutex_lock(&h->lock);
	for (struct sse_client *c = h->clients; c; c = c->next)
		c->want_snapshot = true;
	pthread_mutex_unlock(&h->lock);
}

void sse_tick(struct sse_hub *h, uint64_t now_mono_ns)
{
	pthread_mutex_lock(&h->lock);
	if (now_mono_ns > SSE_HEARTBEAT_NS)
		hub_wake(h, now_mono_ns - SSE_HEARTBEAT_NS);
	pthread_mutex_unlock(&h->lock);
}

void sse_close(struct sse_hub *h)
{
	pthread_mutex_lock(&h->lock);
	h->closing = true;
	hub_wake(h, 0);
	pthread_mutex_unlock(&h->lock);
}

unsigned int sse_clients(struct sse_hub *h)
{
	unsigned int n;

	pthread_mutex_lock(&h->lock);
	n = h->nclients;
	pthread_mutex_unlock(&h->lock);
	return n;
}

/* Pick what the client sends next (lock held). false: nothing now. */
static bool client_next(struct sse_hub *h, struct sse_client *c)
{
	/* A client that missed deltas no longer in the ring starts over from a snapshot. */
	bool lost = h->last_seq >= SSE_RING && c->next_seq <= h->last_seq - SSE_RING;

	if ((c->want_snapshot || lost) && h->snapshot) {
		c->cur = h->snapshot;
		c->cur->refs++;
		c->next_seq = h->snapshot->seq + 1;
		c->want_snapshot = false;
	} else if (!c->want_snapshot && c->next_seq && c->next_seq <= h->last_seq) {
		c->cur = h->ring[c->next_seq % SSE_RING];
		c->cur->refs++;
		c->next_seq++;
	} else {
		return false;
	}
	c->off = 0;
	return true;
}

static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct sse_client *c = cls;
	struct sse_hub *h = c->hub;
	ssize_t n;

	(void)pos;
	pthread_mutex_lock(&h->lock);
	if (h->closing) {
		pthread_mutex_unlock(&h->lock);
		return MHD_CONTENT_READER_END_OF_STREAM;
	}
	if (!c->greeted && max >= sizeof(sse_greeting) - 1) {
		c->greeted = true;
		memcpy(buf, sse_greeting, sizeof(sse_greeting) - 1);
		n = (ssize_t)(sizeof(sse_greeting) - 1);
	} else if (c->cur || client_next(h, c)) {
		size_t len = c->cur->len - c->off;

		if (len > max)
			len = max;
		memcpy(buf, c->cur->data + c->off, len);
		c->off += len;
		if (c->off == c->cur->len) {
			event_put(c->cur);
			c->cur = NULL;
		}
		n = (ssize_t)len;
	} else if (util_now_mono_ns() - c->last_write_ns >= SSE_HEARTBEAT_NS &&
		   max >= sizeof(sse_heartbeat) - 1) {
		memcpy(buf, sse_heartbeat, sizeof(sse_heartbeat) - 1);
		n = (ssize_t)(sizeof(sse_heartbeat) - 1);
	} else {
		/* Nothing to send: park the connection until sse_publish() or sse_tick(). */
		c->suspended = true;
		MHD_suspend_connection(c->conn);
		pthread_mutex_unlock(&h->lock);
		return 0;
	}
	c->last_write_ns = util_now_mono_ns();
	pthread_mutex_unlock(&h->lock);
	return n;
}

static void sse_client_free(void *cls)
{
	struct sse_client *c = cls;
	struct sse_hub *h = c->hub;

	pthread_mutex_lock(&h->lock);
	if (c->prev)
		c->prev->next = c->next;
	else
		h->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	h->nclients--;
	event_put(c->cur);
	pthread_mutex_unlock(&h->lock);
	free(c);
}

struct MHD_Response *sse_response(struct sse_hub *h, struct MHD_Connection *conn, int *busy)
{
	struct MHD_Response *r;
	struct sse_client *c;

	*busy = 0;
	pthread_mutex_lock(&h->lock);
	if (h->nclients >= SSE_MAX_CLIENTS || h->closing) {
		pthread_mutex_unlock(&h->lock);
		*busy = 1;
		return NULL;
	}
	pthread_mutex_unlock(&h->lock);
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->hub = h;
	c->conn = conn;
	c->want_snapshot = true;
	c->last_write_ns = util_now_mono_ns();
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, sse_read, c,
					      sse_client_free);
	if (!r) {
		free(c);
		return NULL;
	}
	pthread_mutex_lock(&h->lock);
	c->next = h->clients;
	if (h->clients)
		h->clients->prev = c;
	h->clients = c;
	h->nclients++;
	pthread_mutex_unlock(&h->lock);
	return r;
}
