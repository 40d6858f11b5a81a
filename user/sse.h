/* SPDX-License-Identifier: MIT */
/*
 * Server-Sent Events: the capture loop publishes one event a second (a JSON merge patch of
 * the light snapshot, the newest time-series point and the new packet records); each client
 * connection reads them from a ring at its own pace, parked (suspended) while it has
 * nothing to send, woken when something arrives.
 */
#ifndef WL_SSE_H
#define WL_SSE_H

#include <stddef.h>
#include <stdint.h>

struct sse_hub;
struct MHD_Connection;
struct MHD_Response;

/* Events kept for clients that fall behind; further behind, a client gets a fresh snapshot. */
#define SSE_RING	64
#define SSE_MAX_CLIENTS 256
/* A comment line after this long without an event, so that proxies keep the stream open. */
#define SSE_HEARTBEAT_NS (15ull * 1000000000ull)

struct sse_hub *sse_hub_new(void);
void sse_hub_free(struct sse_hub *h);

/* The sequence number the next published event will carry. */
uint64_t sse_next_seq(struct sse_hub *h);

/*
 * Publish the event numbered sse_next_seq() (delta: a whole "event: ...\n\n" block) and the
 * snapshot event a new client starts with; either may be NULL (then only the other
 * changes). Wakes the parked clients. Returns 0 or -ENOMEM.
 */
int sse_publish(struct sse_hub *h, const char *delta, const char *snapshot);

/* Every client's next event is the snapshot (the capture started or stopped). */
void sse_reset(struct sse_hub *h);

/* Wake clients that owe a heartbeat; call about once a second. */
void sse_tick(struct sse_hub *h, uint64_t now_mono_ns);

/* End every stream (shutdown): clients get end-of-stream at their next read. */
void sse_close(struct sse_hub *h);

/*
 * A response streaming events to one connection. NULL with *busy set when there are
 * SSE_MAX_CLIENTS already, NULL otherwise on ENOMEM.
 */
struct MHD_Response *sse_response(struct sse_hub *h, struct MHD_Connection *conn, int *busy);

/* Connected clients now. */
unsigned int sse_clients(struct sse_hub *h);

#endif
