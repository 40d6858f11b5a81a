// SPDX-License-Identifier: MIT
/*
 * HTTP front of the daemon. libmicrohttpd runs its own threads; every answer comes from
 * api.c, which reads the snapshot under the ctl lock. Control requests (capture start/stop)
 * park their connection until the capture loop has carried them out.
 *
 * Checks, in order: Host header (DNS rebinding), route and method, token (when required),
 * and for control requests JSON content type and same origin. Limits: connections in all and
 * per address, idle timeout, header memory, body size.
 */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "api.h"
#include "assets.h"
#include "log.h"
#include "sse.h"
#include "util.h"

#define TOKEN_MAX 256

/*
 * No inline script or style anywhere (the page loads its script and style files); images
 * only from the page or generated (chart PNG downloads); no framing.
 */
#define CSP                                                                                        \
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "    \
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

enum route_id {
	R_ASSET = 0,
	R_STATUS,
	R_INTERFACES,
	R_STATS,
	R_TIMESERIES,
	R_TALKERS,
	R_PACKETS,
	R_LATENCY,
	R_ANOMALIES,
	R_RECORDING,
	R_FILTER,
	R_CAPTURE_START,
	R_CAPTURE_STOP,
	R_EXPORT,
	R_EVENTS,
	R_METRICS,
	R_DATA,
};

#define M_GET  1u
#define M_POST 2u

struct route {
	const char *path;
	enum route_id id;
	unsigned int methods;
};

static const struct route routes[] = {
	{"/api/v1/status", R_STATUS, M_GET},
	{"/api/v1/interfaces", R_INTERFACES, M_GET},
	{"/api/v1/stats", R_STATS, M_GET},
	{"/api/v1/timeseries", R_TIMESERIES, M_GET},
	{"/api/v1/talkers", R_TALKERS, M_GET},
	{"/api/v1/packets", R_PACKETS, M_GET},
	{"/api/v1/latency", R_LATENCY, M_GET},
	{"/api/v1/anomalies", R_ANOMALIES, M_GET},
	{"/api/v1/anomalies/recording", R_RECORDING, M_GET},
	{"/api/v1/filter", R_FILTER, M_GET | M_POST},
	{"/api/v1/capture/start", R_CAPTURE_START, M_POST},
	{"/api/v1/capture/stop", R_CAPTURE_STOP, M_POST},
	{"/api/v1/export", R_EXPORT, M_GET},
	{"/api/v1/events", R_EVENTS, M_GET},
	{"/metrics", R_METRICS, M_GET},
	{"/data", R_DATA, M_GET},
};

struct http_server {
	struct MHD_Daemon *d;
	struct wl_ctl *ctl;
	char token[TOKEN_MAX + 1];
	size_t token_len;
	bool auth, tls;
	char *cert, *key;
	const char *const *allow_hosts;
	unsigned int n_allow;
	char listen_desc[INET6_ADDRSTRLEN + 16];
	int fd;		    /* bound and listening, before serve */
	unsigned int flags; /* for MHD_start_daemon */
	/* Open connections, for the request deadline (a thread of its own looks every second). */
	pthread_mutex_t conns_lock;
	pthread_cond_t reaper_wake;
	struct http_conn *conns;
	pthread_t reaper;
	bool reaper_on, stopping;
	uint64_t cut; /* connections cut off at the deadline, in all */
};

/*
 * One open connection. since_ns: waiting for a request (its headers, or a POST body) since
 * then; 0 while one is answered (an event stream, a parked control request: no deadline).
 */
struct http_conn {
	struct http_conn *prev, *next;
	int fd;
	uint64_t since_ns;
	bool cut;
};

/* Per request: the body as it arrives, and the wait of a control request. */
struct req {
	struct ctl_waiter w; /* first: api.c hands it back */
	struct http_server *srv;
	struct MHD_Connection *conn;
	const struct route *route;
	bool post;
	char *body;
	size_t len;
	bool too_big;
	bool go; /* the headers passed the checks */
	bool waiting, answered;
};

static void add_headers(struct MHD_Response *r, bool api)
{
	MHD_add_response_header(r, "Content-Security-Policy", CSP);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Cross-Origin-Resource-Policy", "same-origin");
	MHD_add_response_header(r, "Cache-Control", api ? "no-store" : "no-cache");
}

/* The free callback of a response that sends a shared text: its data is the buffer. */
static void put_shared(void *data)
{
	ctl_put_text((struct ctl_text *)((char *)data - offsetof(struct ctl_text, data)));
}

/* Queue a's answer (its body or shared text is handed over). */
static enum MHD_Result send_answer(struct MHD_Connection *conn, struct api_answer *a)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (a->shared)
		r = MHD_create_response_from_buffer_with_free_callback(a->len, a->shared->data,
								       put_shared);
	else
		r = MHD_create_response_from_buffer(a->len, a->body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(a->body);
		ctl_put_text(a->shared);
		return MHD_NO;
	}
	add_headers(r, true);
	MHD_add_response_header(r, "Content-Type", a->ctype ? a->ctype : "application/json");
	if (a->filename) {
		char cd[128];

		snprintf(cd, sizeof(cd), "attachment; filename=\"%s\"", a->filename);
		MHD_add_response_header(r, "Content-Disposition", cd);
	}
	if (a->status == 401)
		MHD_add_response_header(r, "WWW-Authenticate", "Bearer realm=\"wirelens\"");
	if (a->allow)
		MHD_add_response_header(r, "Allow", a->allow);
	ret = MHD_queue_response(conn, (unsigned int)a->status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result send_error(struct MHD_Connection *conn, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum MHD_Result send_error(struct MHD_Connection *conn, int status, const char *fmt, ...)
{
	struct api_answer a = {0};
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	api_error(&a, status, "%s", msg);
	return send_answer(conn, &a);
}

static enum MHD_Result send_asset(struct MHD_Connection *conn, const struct wl_asset *as)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(as->len, (void *)as->data, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	add_headers(r, false);
	MHD_add_response_header(r, "Content-Type", as->ctype);
	ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result send_events(struct http_server *s, struct MHD_Connection *conn)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	int busy;

	r = sse_response(s->ctl->hub, conn, &busy);
	if (!r)
		return busy ? send_error(conn, 503, "too many event streams; try again later")
			    : MHD_NO;
	add_headers(r, true);
	MHD_add_response_header(r, "Content-Type", "text/event-stream; charset=utf-8");
	MHD_add_response_header(r, "X-Accel-Buffering", "no");
	ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* Is this Host header one we answer to? IP literals, localhost and --allow-host names. */
static bool host_allowed(const struct http_server *s, const char *host)
{
	char name[256];
	const char *end;
	size_t n;
	struct in6_addr a6;
	struct in_addr a4;

	if (host[0] == '[') {
		end = strchr(host, ']');
		if (!end || (end[1] && end[1] != ':'))
			return false;
		n = (size_t)(end - host - 1);
		if (n >= sizeof(name))
			return false;
		memcpy(name, host + 1, n);
		name[n] = 0;
		return inet_pton(AF_INET6, name, &a6) == 1;
	}
	end = strchr(host, ':');
	n = end ? (size_t)(end - host) : strlen(host);
	if (!n || n >= sizeof(name) || (end && strchr(end + 1, ':')))
		return false;
	memcpy(name, host, n);
	name[n] = 0;
	if (inet_pton(AF_INET, name, &a4) == 1 || !strcasecmp(name, "localhost"))
		return true;
	for (unsigned int i = 0; i < s->n_allow; i++)
		if (!strcasecmp(name, s->allow_hosts[i]))
			return true;
	return false;
}

/* Constant-time comparison of a presented token with ours. */
static bool token_ok(const struct http_server *s, const char *t)
{
	size_t n = t ? strlen(t) : 0;
	unsigned char diff = (unsigned char)(n != s->token_len);

	for (size_t i = 0; i < s->token_len; i++)
		diff |= (unsigned char)(s->token[i] ^ (i < n ? t[i] : 0));
	return t && !diff;
}

static bool authorized(const struct http_server *s, struct MHD_Connection *conn,
		       const struct route *rt)
{
	const char *h;

	if (!s->auth)
		return true;
	h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
	if (h && !strncasecmp(h, "Bearer ", 7) && token_ok(s, h + 7))
		return true;
	/* EventSource can't send headers: the stream alone takes the token as a parameter. */
	if (rt->id == R_EVENTS)
		return token_ok(s,
				MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "token"));
	return false;
}

/* A control request from a page of another origin (CSRF) is refused; curl sends no Origin. */
static bool same_origin(const struct http_server *s, struct MHD_Connection *conn)
{
	const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Host");
	const char *origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
	const char *referer = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Referer");
	char self[300];
	size_t n;

	snprintf(self, sizeof(self), "%s://%s", s->tls ? "https" : "http", host ? host : "");
	n = strlen(self);
	if (origin)
		return host && !strcasecmp(origin, self);
	if (referer)
		return host && !strncasecmp(referer, self, n) && referer[n] == '/';
	return true;
}

static const struct route *find_route(const char *url)
{
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (!strcmp(routes[i].path, url))
			return &routes[i];
	return NULL;
}

static const char *arg(struct MHD_Connection *conn, const char *name)
{
	return MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, name);
}

/* Runs with the ctl lock held, from the capture loop: wake the parked connection. */
static void waiter_done(struct ctl_waiter *w)
{
	struct req *r = (struct req *)w;

	r->answered = true;
	MHD_resume_connection(r->conn);
}

static enum MHD_Result dispatch(struct http_server *s, struct req *r)
{
	struct MHD_Connection *conn = r->conn;
	struct wl_ctl *c = s->ctl;
	struct api_answer a = {0};

	switch (r->route->id) {
	case R_STATUS:
		api_status(c, &a);
		break;
	case R_INTERFACES:
		api_interfaces(c, &a);
		break;
	case R_STATS:
		api_stats(c, &a);
		break;
	case R_TIMESERIES:
		api_timeseries(c, arg(conn, "window"), &a);
		break;
	case R_TALKERS:
		api_talkers(c, arg(conn, "by"), arg(conn, "dir"), arg(conn, "sort"),
			    arg(conn, "limit"), &a);
		break;
	case R_PACKETS:
		api_packets(c, arg(conn, "limit"), arg(conn, "filter"), arg(conn, "after"), &a);
		break;
	case R_LATENCY:
		api_latency(c, &a);
		break;
	case R_ANOMALIES:
		api_anomalies(c, &a);
		break;
	case R_RECORDING:
		api_recording(c, arg(conn, "id"), &a);
		break;
	case R_FILTER:
		if (r->post)
			api_filter_set(c, r->body, r->len, &a);
		else
			api_filter_get(c, &a);
		break;
	case R_CAPTURE_START:
	case R_CAPTURE_STOP:
		r->w.done = waiter_done;
		/* Suspend before the loop can answer: it resumes under the same lock. */
		ctl_lock(c);
		if (r->route->id == R_CAPTURE_START
			    ? api_capture_start(c, r->body, r->len, &r->w, &a)
			    : api_capture_stop(c, &r->w, &a)) {
			r->waiting = true;
			MHD_suspend_connection(conn);
			ctl_unlock(c);
			return MHD_YES;
		}
		ctl_unlock(c);
		break;
	case R_EXPORT:
		api_export(c, arg(conn, "format"), &a);
		break;
	case R_EVENTS:
		return send_events(s, conn);
	case R_METRICS:
		api_metrics(c, &a);
		break;
	case R_DATA:
		api_data(c, &a);
		break;
	case R_ASSET:
		return send_error(conn, 404, "no such page");
	}
	return send_answer(conn, &a);
}

/* The checks of a request's headers. Sets r->go when nothing was queued and it may go on. */
static enum MHD_Result check_request(struct http_server *s, struct req *r, const char *url,
				     const char *method)
{
	struct MHD_Connection *conn = r->conn;
	const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Host");
	const char *ctype, *clen;
	struct wl_asset as;
	unsigned int m;

	if (host && !host_allowed(s, host))
		return send_error(conn, 403,
				  "this server does not answer to the host name in the request "
				  "(start it with --allow-host NAME to allow a name)");
	if (!strcmp(method, "GET") || !strcmp(method, "HEAD"))
		m = M_GET;
	else if (!strcmp(method, "POST"))
		m = M_POST;
	else
		m = 0;
	r->route = find_route(url);
	if (!r->route) {
		if (m == M_GET && assets_find(url, &as))
			return send_asset(conn, &as);
		return send_error(conn, 404, "no such page or API route: see docs/api.md");
	}
	if (!(r->route->methods & m)) {
		struct api_answer a = {0};
		bool get = r->route->methods & M_GET, post = r->route->methods & M_POST;

		api_error(&a, 405, "%s is not allowed here; use %s", method,
			  post ? (get ? "GET or POST" : "POST") : "GET");
		a.allow = post ? (get ? "GET, HEAD, POST" : "POST") : "GET, HEAD";
		return send_answer(conn, &a);
	}
	if (!authorized(s, conn, r->route))
		return send_error(conn, 401,
				  "this API needs the token: Authorization: Bearer TOKEN");
	r->post = m == M_POST;
	if (!r->post) {
		r->go = true;
		return MHD_YES;
	}
	ctype = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
	if (!ctype || strncasecmp(ctype, "application/json", 16))
		return send_error(conn, 415, "send the body as Content-Type: application/json");
	if (!same_origin(s, conn))
		return send_error(conn, 403, "control requests from other origins are refused");
	clen = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
	if (clen && (strlen(clen) > 9 || atol(clen) > API_MAX_BODY))
		return send_error(conn, 413, "the body is larger than %d bytes", API_MAX_BODY);
	r->go = true;
	return MHD_YES;
}

/* The connection now waits for a request (or its body), or answers one. */
static void conn_waits(struct MHD_Connection *conn, bool waits)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct http_conn *c = ci ? ci->socket_context : NULL;

	if (c)
		__atomic_store_n(&c->since_ns, waits ? util_now_mono_ns() : 0, __ATOMIC_RELAXED);
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct http_server *s = cls;
	struct http_conn *c = *socket_context;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);

		/* Without memory for it, a connection has MHD's idle timeout only. */
		if (!ci || !(c = calloc(1, sizeof(*c))))
			return;
		c->fd = ci->connect_fd;
		c->since_ns = util_now_mono_ns();
		pthread_mutex_lock(&s->conns_lock);
		c->next = s->conns;
		if (s->conns)
			s->conns->prev = c;
		s->conns = c;
		pthread_mutex_unlock(&s->conns_lock);
		*socket_context = c;
		return;
	}
	if (!c)
		return;
	/* Unlisted before MHD closes the socket: the reaper never shuts a reused descriptor. */
	pthread_mutex_lock(&s->conns_lock);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	pthread_mutex_unlock(&s->conns_lock);
	free(c);
	*socket_context = NULL;
}

/*
 * MHD's timeout is for idle connections: one that sends a byte now and then (slowloris) would
 * hold its slot for ever. A request must be in within HTTP_REQUEST_DEADLINE_S of the
 * connection's start (or the previous answer); past that, the socket is shut down and MHD
 * closes the connection.
 */
static void *reaper_main(void *arg)
{
	struct http_server *s = arg;
	const uint64_t deadline = (uint64_t)HTTP_REQUEST_DEADLINE_S * 1000000000ull;

	pthread_mutex_lock(&s->conns_lock);
	while (!s->stopping) {
		uint64_t now = util_now_mono_ns(), n = 0;
		struct timespec ts;

		for (struct http_conn *c = s->conns; c; c = c->next) {
			uint64_t since = __atomic_load_n(&c->since_ns, __ATOMIC_RELAXED);

			if (!since || c->cut || now - since < deadline)
				continue;
			shutdown(c->fd, SHUT_RDWR);
			c->cut = true;
			n++;
		}
		if (n) {
			s->cut += n;
			log_warn_ratelimited("web server: closed %" PRIu64
					     " connection%s that sent no "
					     "whole request within %d s (%" PRIu64 " so far)",
					     n, n == 1 ? "" : "s", HTTP_REQUEST_DEADLINE_S, s->cut);
		}
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&s->reaper_wake, &s->conns_lock, &ts);
	}
	pthread_mutex_unlock(&s->conns_lock);
	return NULL;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct http_server *s = cls;
	struct req *r = *con_cls;
	enum MHD_Result ret;

	(void)version;
	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r)
			return MHD_NO;
		r->srv = s;
		r->conn = conn;
		*con_cls = r;
		ret = check_request(s, r, url, method);
		/* Something queued (an error, a page), or a refusal: done. */
		if (!r->go)
			return ret;
		if (r->post)
			return MHD_YES; /* the body comes in the next calls */
		conn_waits(conn, false);
		return dispatch(s, r);
	}
	if (*upload_size) {
		if (!r->too_big && r->len + *upload_size <= API_MAX_BODY) {
			char *b = realloc(r->body, r->len + *upload_size + 1);

			if (!b)
				return MHD_NO;
			memcpy(b + r->len, upload, *upload_size);
			r->len += *upload_size;
			b[r->len] = 0;
			r->body = b;
		} else {
			r->too_big = true;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	conn_waits(conn, false); /* the whole request is in */
	if (r->waiting) {
		struct api_answer a = {0};

		if (!r->answered)
			return MHD_YES;
		r->waiting = false;
		api_capture_result(s->ctl, &r->w, &a);
		return send_answer(conn, &a);
	}
	if (r->too_big)
		return send_error(conn, 413, "the body is larger than %d bytes", API_MAX_BODY);
	return dispatch(s, r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct http_server *s = cls;
	struct req *r = *con_cls;

	(void)toe;
	conn_waits(conn, true); /* for the next request on this connection */
	if (!r)
		return;
	if (r->waiting && !r->answered) {
		/* Still listed as a waiter (the daemon is stopping): unlist it. */
		ctl_lock(s->ctl);
		for (struct ctl_waiter **p = &s->ctl->waiters; *p; p = &(*p)->next) {
			if (*p == &r->w) {
				*p = r->w.next;
				break;
			}
		}
		ctl_unlock(s->ctl);
	}
	free(r->body);
	free(r);
	*con_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = 0;
	log_debug("http: %s", msg);
}

/* Read a small file whole (PEM, token). NULL after one message. */
static char *read_small_file(const char *path, const char *what, size_t max)
{
	char *buf;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		log_error("cannot read the %s '%s': %s", what, path, strerror(errno));
		return NULL;
	}
	buf = malloc(max + 1);
	n = buf ? read(fd, buf, max + 1) : -1;
	close(fd);
	if (n < 0 || (size_t)n > max) {
		log_error("cannot read the %s '%s': %s", what, path,
			  n < 0 ? strerror(errno) : "the file is too large");
		free(buf);
		return NULL;
	}
	buf[n] = 0;
	return buf;
}

static int load_token(struct http_server *s, const char *path)
{
	char *t = read_small_file(path, "token file", 4096);
	size_t n;
	struct stat st;

	if (!t)
		return -EINVAL;
	n = strlen(t);
	while (n && (t[n - 1] == '\n' || t[n - 1] == '\r' || t[n - 1] == ' ' || t[n - 1] == '\t'))
		t[--n] = 0;
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)t[i] <= ' ' || (unsigned char)t[i] >= 0x7f) {
			log_error("the token in '%s' must be one line of printable characters "
				  "without spaces",
				  path);
			free(t);
			return -EINVAL;
		}
	}
	if (n < 16 || n > TOKEN_MAX) {
		log_error("the token in '%s' must be 16 to %d characters long (it has %zu)", path,
			  TOKEN_MAX, n);
		free(t);
		return -EINVAL;
	}
	memcpy(s->token, t, n + 1);
	s->token_len = n;
	free(t);
	if (!stat(path, &st) && (st.st_mode & 0044))
		log_warn("the token file '%s' is readable by other users: chmod 600 it", path);
	return 0;
}

static bool addr_is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
	return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)ss)->sin6_addr);
}

/* One server thread per CPU, at most HTTP_MAX_THREADS. */
static unsigned int http_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > HTTP_MAX_THREADS ? HTTP_MAX_THREADS : (unsigned int)n;
}

int http_bind(const struct wl_config *cfg, struct wl_ctl *ctl, struct http_server **out)
{
	const char *where = cfg->listen ? cfg->listen : WL_LISTEN_DEFAULT;
	struct sockaddr_storage ss;
	unsigned int sslen, flags;
	struct http_server *s;
	int fd;

	*out = NULL;
	if (util_parse_listen(where, &ss, &sslen)) {
		log_error("invalid --listen '%s': expected ADDRESS:PORT", where);
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->ctl = ctl;
	s->allow_hosts = cfg->allow_hosts;
	s->n_allow = cfg->n_allow_hosts;
	snprintf(s->listen_desc, sizeof(s->listen_desc), "%s", where);
	if (cfg->token_file) {
		if (load_token(s, cfg->token_file))
			goto fail;
		s->auth = true;
	} else if (!addr_is_loopback(&ss)) {
		log_error("listening on %s (beyond loopback) needs a token: give "
			  "--auth-token-file FILE, or listen on 127.0.0.1",
			  where);
		goto fail;
	}
	flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (cfg->tls_cert) {
		if (!MHD_is_feature_supported(MHD_FEATURE_TLS)) {
			log_error(
				"this libmicrohttpd has no TLS support: drop --tls-cert/--tls-key");
			goto fail;
		}
		s->cert = read_small_file(cfg->tls_cert, "TLS certificate", 1 << 20);
		s->key = s->cert ? read_small_file(cfg->tls_key, "TLS key", 1 << 20) : NULL;
		if (!s->key)
			goto fail;
		flags |= MHD_USE_TLS;
		s->tls = true;
	}
	/* Bind ourselves, so that "address in use" and friends get a clear message. */
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		int one = 1;

		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (ss.ss_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	}
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, sslen) || listen(fd, 128)) {
		int e = errno;

		log_error("cannot listen on %s: %s%s", where, strerror(e),
			  e == EADDRINUSE ? " (another program uses it: pick another port with "
					    "--listen, or --no-web)"
					  : "");
		if (fd >= 0)
			close(fd);
		goto fail;
	}
	s->fd = fd;
	s->flags = flags;
	*out = s;
	return 0;
fail:
	free(s->cert);
	free(s->key);
	free(s);
	return -EINVAL;
}

int http_serve(struct http_server *s)
{
	pthread_condattr_t ca;

	pthread_mutex_init(&s->conns_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->reaper_wake, &ca);
	pthread_condattr_destroy(&ca);
	s->d = MHD_start_daemon(
		s->flags, 0, NULL, NULL, on_request, s, MHD_OPTION_LISTEN_SOCKET, s->fd,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)HTTP_MAX_CONNECTIONS,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)HTTP_MAX_CONNECTIONS_PER_IP,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)HTTP_TIMEOUT_S,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONNECTION_MEMORY,
		MHD_OPTION_THREAD_POOL_SIZE, http_threads(), MHD_OPTION_NOTIFY_COMPLETED,
		on_completed, s, MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL, MHD_OPTION_HTTPS_MEM_CERT,
		s->tls ? s->cert : NULL, MHD_OPTION_HTTPS_MEM_KEY, s->tls ? s->key : NULL,
		MHD_OPTION_END);
	if (!s->d) {
		log_error("cannot start the web server on %s%s", s->listen_desc,
			  s->tls ? " (is the TLS certificate/key pair valid PEM?)" : "");
		return -EINVAL;
	}
	s->fd = -1; /* the daemon's now */
	if (pthread_create(&s->reaper, NULL, reaper_main, s)) {
		log_error("cannot start the web server on %s: no thread for its request deadline",
			  s->listen_desc);
		return -EAGAIN;
	}
	s->reaper_on = true;
	s->ctl->listen_desc = s->listen_desc;
	s->ctl->tls = s->tls;
	s->ctl->auth = s->auth;
	log_info("dashboard on %s://%s/%s", s->tls ? "https" : "http", s->listen_desc,
		 s->auth ? " (API token required)" : "");
	return 0;
}

int http_start(const struct wl_config *cfg, struct wl_ctl *ctl, struct http_server **out)
{
	int err = http_bind(cfg, ctl, out);

	if (!err && (err = http_serve(*out))) {
		http_stop(*out);
		*out = NULL;
	}
	return err;
}

void http_stop(struct http_server *s)
{
	if (!s)
		return;
	if (!s->d) { /* bound, never served */
		close(s->fd);
		free(s->cert);
		free(s->key);
		free(s);
		return;
	}
	sse_close(s->ctl->hub);
	/* Control requests still parked get an answer before the server goes. */
	ctl_lock(s->ctl);
	ctl_answer(s->ctl, 503, "wirelens is shutting down");
	ctl_unlock(s->ctl);
	if (s->reaper_on) {
		pthread_mutex_lock(&s->conns_lock);
		s->stopping = true;
		pthread_cond_signal(&s->reaper_wake);
		pthread_mutex_unlock(&s->conns_lock);
		pthread_join(s->reaper, NULL);
	}
	MHD_stop_daemon(s->d);
	pthread_cond_destroy(&s->reaper_wake);
	pthread_mutex_destroy(&s->conns_lock);
	s->ctl->listen_desc = NULL;
	free(s->cert);
	free(s->key);
	free(s);
}
