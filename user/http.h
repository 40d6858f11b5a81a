/* SPDX-License-Identifier: MIT */
/*
 * The web server (libmicrohttpd): dashboard files, the JSON API, events, /metrics and /data,
 * with the checks a server-side tool needs (Host, token, same-origin control, limits, TLS).
 */
#ifndef WL_HTTP_H
#define WL_HTTP_H

#include "config.h"
#include "ctl.h"

struct http_server;

/* Connection limits: in all, and per client address. */
#define HTTP_MAX_CONNECTIONS	    512
#define HTTP_MAX_CONNECTIONS_PER_IP 128
/* Seconds a connection may stay idle before it is closed. */
#define HTTP_TIMEOUT_S 10
/* Seconds a connection has to send a whole request (headers and body), however slowly. */
#define HTTP_REQUEST_DEADLINE_S 10
/* Server threads at most (one per CPU below that). */
#define HTTP_MAX_THREADS 4
/* Memory per connection: bounds the request line and headers. */
#define HTTP_CONNECTION_MEMORY (32 * 1024)

/*
 * Start serving on cfg->listen (or the default) for ctl. Refuses (with one message) a
 * non-loopback address without --auth-token-file, unreadable TLS or token files, and an
 * address in use. Returns 0 or -errno.
 */
int http_start(const struct wl_config *cfg, struct wl_ctl *ctl, struct http_server **out);

/*
 * http_start() in two steps, so that privileges can go in between: http_bind() reads the
 * token and TLS files and binds the address (a port below 1024 needs privileges); http_serve()
 * starts the server's threads. A failed http_serve() leaves s to http_stop().
 */
int http_bind(const struct wl_config *cfg, struct wl_ctl *ctl, struct http_server **out);
int http_serve(struct http_server *s);

/* End the event streams and stop serving. */
void http_stop(struct http_server *s);

#endif
