/* SPDX-License-Identifier: MIT */
/*
 * wgconfsrv: the FastCGI responder. It reads a request, hands it to
 * api_handle() and writes the answer; everything else lives in lib/. Started
 * with no FastCGI socket on stdin it answers one request as plain CGI.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>

#include <fcgiapp.h>

#include "api.h"
#include "db.h"
#include "keys.h"
#include "publish.h"
#include "quota.h"

#define HOUSEKEEP_EVERY 300     /* seconds between periodic checks */
#define JOBS_CHECK_MS   1000    /* an idle responder looks for pair jobs this often */
/* Seconds between looks for peers whose expiry came: an index seek, so a
 * peer is paused within this much of its expires_at (given requests). */
#define EXPIRE_EVERY    10

/* The configuration: where the database is. Set once at start-up. */
static const char *db_path;

/* One request's connection: FastCGI streams, or stdin/stdout for CGI. */
struct conn {
	FCGX_Request *fcgi;
};

static const char *
param(const struct conn *c, const char *name)
{
	const char *v = c->fcgi ? FCGX_GetParam(name, c->fcgi->envp) : getenv(name);

	return v;
}

static size_t
conn_read(const struct conn *c, char *buf, size_t len)
{
	size_t got = 0;

	if (c->fcgi) {
		while (got < len) {
			int n = FCGX_GetStr(buf + got, (int)(len - got), c->fcgi->in);
			if (n <= 0)
				break;
			got += (size_t)n;
		}
		return got;
	}
	while (got < len) {
		size_t n = fread(buf + got, 1, len - got, stdin);
		if (n == 0)
			break;
		got += n;
	}
	return got;
}

/*
 * Reads what is left of the request's FastCGI stdin, to its end-of-stdin
 * record, and drops it: a body longer than CONTENT_LENGTH, one refused
 * unread (413, 400), and the empty record that ends every stdin, which
 * nginx may send after the body's last byte. Left unread on a kept
 * connection, it would be the first record the next request is read from:
 * libfcgi calls that a protocol error and closes the connection, and nginx
 * answers 502 to the request it has just sent on it. nginx sends the whole
 * body it buffered and the end record at once, so this waits for bytes
 * already on their way.
 */
static void
conn_drain(const struct conn *c)
{
	char scrap[4096];

	if (c->fcgi == NULL)
		return;
	while (FCGX_GetStr(scrap, (int)sizeof(scrap), c->fcgi->in) > 0)
		;
}

#define FCGI_STDOUT_TYPE 6
#define FCGI_RECORD_MAX  65528          /* content per record, 8-aligned */
#define FCGI_DIRECT_MIN  (16 * 1024)

/* Writes all of len bytes from the iovecs to fd: 0, or -1. */
static int
write_all_iov(int fd, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t w = writev(fd, iov, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

/*
 * A large body (a hub's config: 350 bytes a peer) goes out as FastCGI
 * STDOUT records of up to 64 KiB written straight to the connection, after
 * flushing what libfcgi holds: its own stream copies every byte into an
 * 8 KiB buffer first and writes a record per 8 KiB (43 writes for 350 KB).
 * -1 when the connection failed (libfcgi finds out too when it ends the
 * request).
 */
static int
fcgi_write_direct(FCGX_Request *r, const char *s, size_t len)
{
	unsigned char h[8];
	struct iovec iov[2];

	if (FCGX_FFlush(r->out) != 0 || r->ipcFd < 0)
		return -1;
	while (len > 0) {
		size_t n = len < FCGI_RECORD_MAX ? len : FCGI_RECORD_MAX;
		h[0] = 1;
		h[1] = FCGI_STDOUT_TYPE;
		h[2] = (unsigned char)(r->requestId >> 8);
		h[3] = (unsigned char)r->requestId;
		h[4] = (unsigned char)(n >> 8);
		h[5] = (unsigned char)n;
		h[6] = 0;
		h[7] = 0;
		iov[0].iov_base = h;
		iov[0].iov_len = sizeof(h);
		iov[1].iov_base = (void *)(uintptr_t)s;
		iov[1].iov_len = n;
		if (write_all_iov(r->ipcFd, iov, 2) != 0)
			return -1;
		s += n;
		len -= n;
	}
	return 0;
}

static void
conn_write(const struct conn *c, const char *s, size_t len)
{
	if (c->fcgi && len >= FCGI_DIRECT_MIN)
		fcgi_write_direct(c->fcgi, s, len);
	else if (c->fcgi)
		FCGX_PutStr(s, (int)len, c->fcgi->out);
	else
		fwrite(s, 1, len, stdout);
}

static void
conn_printf(const struct conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
conn_printf(const struct conn *c, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		conn_write(c, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* CONTENT_LENGTH: digits only. -1 when malformed. */
static long
content_length(const char *s)
{
	char *end;
	long v;

	if (s == NULL || s[0] == '\0')
		return 0;
	if (s[0] < '0' || s[0] > '9' || strlen(s) > 12)
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	return (errno != 0 || *end != '\0') ? -1 : v;
}

/* The path a log line may show: printable ASCII only, shortened. */
static void
log_failure(const struct request *req, const struct response *res)
{
	char path[128];
	size_t i;

	for (i = 0; req->path && req->path[i] != '\0' && i < sizeof(path) - 1; i++)
		path[i] = (req->path[i] > 0x20 && req->path[i] < 0x7f) ? req->path[i] : '?';
	path[i] = '\0';
	fprintf(stderr, "wgconfsrv: %.8s %s -> %d %s%s%s\n",
	        req->method ? req->method : "-", path, res->status,
	        res->error_code ? res->error_code : "",
	        req->actor[0] ? " by " : "", req->actor);
}

static void
write_response(const struct conn *c, struct response *res)
{
	const char *body = NULL;
	size_t len = 0;
	int json;

	conn_printf(c, "Status: %d %s\r\n", res->status, http_reason(res->status));
	conn_printf(c, "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n");
	if (res->etag[0] != '\0')
		conn_printf(c, "ETag: \"%s\"\r\n", res->etag);
	if (res->allow[0] != '\0')
		conn_printf(c, "Allow: %s\r\n", res->allow);
	if (res->www_authenticate)
		conn_printf(c, "WWW-Authenticate: Bearer realm=\"wgconfsrv\"\r\n");
	if (res->retry_after > 0)
		conn_printf(c, "Retry-After: %lld\r\n", (long long)res->retry_after);
	if (res->status != 204 && res->status != 304 && res->text != NULL) {
		body = res->text;
		len = res->text_len;
	} else if (res->status != 204 && res->status != 304 && res->body != NULL) {
		body = json_object_to_json_string_ext(res->body, HTTP_JSON_FLAGS);
		len = strlen(body);
	}
	/* A JSON body is the JSON text and a newline, both counted (a length
	 * one short made nginx drop the newline and log the excess). */
	json = body != NULL && (res->text == NULL || res->text_type == http_json_type);
	if (body != NULL)
		conn_printf(c, "Content-Type: %s\r\nContent-Length: %zu\r\n",
		            res->text ? res->text_type : http_json_type, len + (json ? 1 : 0));
	conn_write(c, "\r\n", 2);
	if (body != NULL) {
		conn_write(c, body, len);
		if (json)
			conn_write(c, "\n", 1);
	}
}

/*
 * The path to route on: exactly the one the web server routed on, so that a
 * location's rules (auth_basic, limit_req) and this responder agree on what
 * was asked for. nginx matched its locations against $uri, decoded and
 * normalised, and passes it as DOCUMENT_URI (in its stock fastcgi_params
 * and in nginx/wgconfsrv.conf): it is taken whole, never cut at a '?', which
 * in a decoded path was "%3F" in the request (the router answers 404).
 * Without it (plain CGI, lighttpd) RFC 3875's SCRIPT_NAME + PATH_INFO,
 * and as a last resort REQUEST_URI up to its query string. Caller frees.
 */
static char *
request_path(const struct conn *c)
{
	const char *doc = param(c, "DOCUMENT_URI"), *uri;
	const char *sn = param(c, "SCRIPT_NAME"), *pi = param(c, "PATH_INFO");
	char *path = NULL;

	if (doc != NULL && doc[0] != '\0')
		return strdup(doc);
	if ((sn != NULL && sn[0] != '\0') || (pi != NULL && pi[0] != '\0')) {
		if (asprintf(&path, "%s%s", sn ? sn : "", pi ? pi : "") < 0)
			return NULL;
		return path;
	}
	uri = param(c, "REQUEST_URI");
	if (uri != NULL && uri[0] != '\0')
		return strndup(uri, strcspn(uri, "?"));
	return NULL;
}

/* Answers one request; *note gets whom to tell of what it committed
 * (published by the caller once the answer is out). */
static void
serve(const struct conn *c, struct push_note *note)
{
	struct request req;
	struct response res;
	char *body = NULL, *path = NULL;
	const char *https;
	long clen;

	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	req.method = param(c, "REQUEST_METHOD");
	path = request_path(c);
	req.path = path;
	if ((req.query = param(c, "QUERY_STRING")) != NULL && req.query[0] == '\0')
		req.query = NULL;
	req.remote_user = param(c, "REMOTE_USER");
	req.remote_addr = param(c, "REMOTE_ADDR");
	req.authorization = param(c, "HTTP_AUTHORIZATION");
	req.content_type = param(c, "CONTENT_TYPE");
	req.origin = param(c, "HTTP_ORIGIN");
	req.sec_fetch_site = param(c, "HTTP_SEC_FETCH_SITE");
	req.host = param(c, "HTTP_HOST");
	req.server_port = param(c, "SERVER_PORT");
	req.if_none_match = param(c, "HTTP_IF_NONE_MATCH");
	req.if_match = param(c, "HTTP_IF_MATCH");
	https = param(c, "HTTPS");
	req.scheme = param(c, "REQUEST_SCHEME");
	if (req.scheme == NULL || req.scheme[0] == '\0')
		req.scheme = (https != NULL && https[0] != '\0' && strcmp(https, "off") != 0) ?
		             "https" : "http";

	clen = content_length(param(c, "CONTENT_LENGTH"));
	if (clen < 0) {
		http_error(&res, 400, "bad_content_length", "Content-Length is not a number");
		http_finish(&res);
	} else if (clen > HTTP_BODY_MAX) {
		http_error(&res, 413, "body_too_large", "the body is larger than %d bytes",
		           HTTP_BODY_MAX);
		http_finish(&res);
	} else if (path == NULL) {
		http_error(&res, 400, "bad_request", "the request has no path");
		http_finish(&res);
	} else if (clen > 0 && ((body = malloc((size_t)clen)) == NULL ||
	                        conn_read(c, body, (size_t)clen) != (size_t)clen)) {
		http_error(&res, 400, "body_short", "the body is shorter than Content-Length");
		http_finish(&res);
	} else if (db_open(db_path) != 0) {
		http_error(&res, 503, "database_unavailable", "the database cannot be opened");
		http_finish(&res);
	} else {
		req.body = body;
		req.body_len = (size_t)clen;
		api_handle(&req, &res);
	}
	conn_drain(c);
	if (res.status >= 400)
		log_failure(&req, &res);
	write_response(c, &res);
	if (res.status < 400)
		*note = res.push;
	http_response_wipe(&res);
	http_response_free(&res);
	if (body != NULL) {
		/* A register body holds no secret, but an invite code might. */
		keys_wipe(body, (size_t)clen);
		free(body);
	}
	free(path);
}

static volatile sig_atomic_t stopping;

static void
on_term(int sig)
{
	(void)sig;
	stopping = 1;
	FCGX_ShutdownPending();
}

/*
 * The FastCGI connections this responder holds. nginx with fastcgi_keep_conn
 * keeps a connection for its next request (FCGI_KEEP_CONN), which saves a
 * connect, an accept, libfcgi's accept lock and a close per request. But
 * nginx opens as many connections as it has requests in flight, more than
 * there are responders under load, and keeps them; a responder that served
 * one connection at a time would leave the others waiting in the listen
 * backlog behind an idle one. And it may not close a kept connection to
 * free itself: nginx may have just sent a request on it, and a POST that
 * meets a closed connection is a 502, never retried. So each responder
 * holds up to POOL_MAX connections, waits on all of them and on the
 * listening socket, and answers whichever has a request, in turn; a
 * connection ends when nginx closes it (or did not ask to keep it).
 */
#define POOL_MAX 64

/* Pair jobs between requests (lib/api/api_jobs.c). */
struct jobs {
	struct api_sealer *sealer;      /* NULL: batches made in this thread */
	int running;                    /* a job was running when last looked at */
	int64_t checked;                /* when it was last looked for (ms) */
};

struct pool {
	FCGX_Request r[POOL_MAX];       /* ipcFd < 0: a free slot */
	size_t next;                    /* where the next round starts */
	int64_t swept;                  /* when housekeeping last ran */
	struct jobs jobs;
	int64_t expired;                /* when expiries were last looked for */
};

#define SLOT_LISTEN POOL_MAX            /* poll slots past the connections */

/* Takes a waiting connection into a free slot; nothing when another
 * responder took it first (the listening socket does not block). */
static void
pool_accept(struct pool *p, int listen_fd)
{
	int fd;

	for (size_t i = 0; i < POOL_MAX; i++) {
		if (p->r[i].ipcFd >= 0)
			continue;
		if ((fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC)) < 0)
			return;
		p->r[i].ipcFd = fd;
		/* FCGX_Accept_r() begins by ending the last request, which closes
		 * the connection unless it was to be kept: this one is. */
		p->r[i].keepConnection = 1;
		return;
	}
}

/* Answers the request waiting on slot i, or drops the connection nginx
 * closed (or one that broke the protocol). */
static void
pool_serve(struct pool *p, size_t i)
{
	FCGX_Request *r = &p->r[i];
	struct conn c = { r };
	struct push_note note = { 0 };
	char byte;
	ssize_t n = recv(r->ipcFd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		FCGX_Free(r, 1);
		return;
	}
	if (n < 0)
		return;
	/* The connection is open and has bytes: FCGX_Accept_r() reads the
	 * request from it. On a protocol error it closes it and would accept
	 * another, which the non-blocking socket refuses when none waits. */
	if (FCGX_Accept_r(r) < 0) {
		FCGX_Free(r, 1);
		return;
	}
	serve(&c, &note);
	FCGX_Finish_r(r);       /* closes it unless nginx asked to keep it */
	/* The answer is out: the publish delays no client (lib/push.h). */
	publish_note(&note);
	/* Expired registrations and old audit rows go every few minutes,
	 * after an answer went out (no client waits for it); most times it
	 * is a read that finds nothing due. */
	if (store_now() - p->swept >= HOUSEKEEP_EVERY) {
		p->swept = store_now();
		quota_housekeep(p->swept);
		api_relays_housekeep();
	}
	if (store_now() - p->expired >= EXPIRE_EVERY) {
		p->expired = store_now();
		quota_expire_peers(p->expired, NULL);
	}
}

/* Milliseconds of the monotonic clock. */
static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* How long poll() may wait: without a sealer thread, not at all while a
 * job wants a batch made. A job is looked for once a second, however busy
 * the responder is. With the thread, the thread does it all. */
static int
jobs_timeout(struct jobs *j)
{
	if (j->sealer != NULL)
		return -1;
	if (!j->running && now_ms() - j->checked >= JOBS_CHECK_MS) {
		j->checked = now_ms();
		j->running = api_jobs_running();
	}
	return j->running ? 0 : JOBS_CHECK_MS;
}

/* Nothing to answer, and no sealer thread: the job's next batch. */
static void
jobs_step(struct jobs *j)
{
	if (j->sealer == NULL && j->running)
		j->running = api_jobs_work() > 0;
}

/* The poll set: every held connection, the listening socket while a slot
 * is free. Returns how many. */
static size_t
pool_fds(struct pool *p, int listen_fd, struct pollfd *fds, size_t *slot)
{
	size_t nfds = 0;

	for (size_t k = 0; k < POOL_MAX; k++) {
		size_t i = (p->next + k) % POOL_MAX;
		if (p->r[i].ipcFd < 0)
			continue;
		fds[nfds].fd = p->r[i].ipcFd;
		fds[nfds].events = POLLIN;
		slot[nfds++] = i;
	}
	if (nfds < POOL_MAX) {
		fds[nfds].fd = listen_fd;
		fds[nfds].events = POLLIN;
		slot[nfds++] = SLOT_LISTEN;
	}
	return nfds;
}

/* Serves connections until SIGTERM. 0, or -1 when it cannot start. */
static int
pool_run(void)
{
	struct pool *p = calloc(1, sizeof(*p));
	struct pollfd fds[POOL_MAX + 1];
	size_t slot[POOL_MAX + 1];
	int listen_fd = 0, flags, ready;

	if (p == NULL)
		return -1;
	p->jobs.sealer = api_sealer_start(db_path, publish_note);
	for (size_t i = 0; i < POOL_MAX; i++)
		if (FCGX_InitRequest(&p->r[i], listen_fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0)
			goto fail;
	/* Every responder on this socket runs this loop and takes connections
	 * only when poll() says one waits: one that another took first must
	 * not block the others it holds. */
	if ((flags = fcntl(listen_fd, F_GETFL)) < 0 ||
	    fcntl(listen_fd, F_SETFL, flags | O_NONBLOCK) != 0)
		goto fail;
	while (!stopping) {
		size_t nfds = pool_fds(p, listen_fd, fds, slot);

		if ((ready = poll(fds, nfds, jobs_timeout(&p->jobs))) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (ready == 0) {
			jobs_step(&p->jobs);
			continue;
		}
		/* Each connection with a request gets one answer a round, starting
		 * after the last one served: none waits behind a busy one. */
		for (size_t k = 0; k < nfds && !stopping; k++) {
			if (fds[k].revents == 0)
				continue;
			if (slot[k] == SLOT_LISTEN) {
				pool_accept(p, listen_fd);
				continue;
			}
			pool_serve(p, slot[k]);
			p->next = (slot[k] + 1) % POOL_MAX;
		}
	}
	for (size_t i = 0; i < POOL_MAX; i++)
		FCGX_Free(&p->r[i], 1);
	free(p);
	return 0;
fail:
	fputs("wgconfsrv: FastCGI initialisation failed\n", stderr);
	free(p);
	return -1;
}

static void
usage(void)
{
	fputs("usage: wgconfsrv [-h]\n"
	      "FastCGI responder of wgconfsrv (plain CGI when started by a CGI server).\n"
	      "Environment: WGCONFSRV_DB    path of the SQLite database (required)\n"
	      "             WGCONFSRV_PUSH  nginx's Nchan publisher socket (optional):\n"
	      "                             committed changes are pushed to watching hosts\n"
	      "             WGCONFSRV_LINK_STALE_SECONDS  how long a handshake counts as up\n"
	      "                             (1-604800, default 180)\n",
	      stderr);
}

int
main(int argc, char **argv)
{
	struct conn c = { NULL };
	const char *push_path;

	if (argc > 1) {
		usage();
		return strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ? 0 : 2;
	}
	/* The database (and its -wal, -shm) is the service user's alone,
	 * whatever umask the process manager left. */
	umask(077);
	db_path = getenv("WGCONFSRV_DB");
	if (db_path == NULL || db_path[0] == '\0') {
		fputs("wgconfsrv: WGCONFSRV_DB is not set: the database path is required\n", stderr);
		return 1;
	}
	if (keys_init() != 0) {
		fputs("wgconfsrv: libsodium failed to start\n", stderr);
		return 1;
	}
	/* A hub's config is megabytes, built and sent once in a while: such
	 * buffers are mapped and unmapped, not kept in the heap (glibc would
	 * raise its threshold after the first one), so a responder's memory
	 * goes back down after each, and a growing buffer is remapped, not
	 * copied. */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	signal(SIGPIPE, SIG_IGN);
	/* SIGTERM (spawn-fcgi's and systemd's stop) ends the loop after the
	 * request in hand: no SA_RESTART, so a waiting poll() returns, and
	 * main() closes the database cleanly. */
	{
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_term;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
	}
	/* Open now to fail loudly in the log; a failure is retried per request,
	 * which then answers 503 until the file is usable. */
	if (db_open(db_path) != 0)
		fprintf(stderr, "wgconfsrv: database %s is not usable yet\n", db_path);
	/* Push (lib/push.h) is on when nginx's publisher socket is named. */
	push_path = getenv("WGCONFSRV_PUSH");
	if (push_path != NULL && push_path[0] != '\0' && publish_set(push_path) != 0)
		fprintf(stderr, "wgconfsrv: WGCONFSRV_PUSH is too long for a socket path: "
		        "push is off\n");

	if (FCGX_IsCGI()) {
		struct push_note note = { 0 };
		serve(&c, &note);
		/* The CGI answer ends when stdout closes: then publish. */
		fclose(stdout);
		publish_note(&note);
		quota_housekeep(store_now());
		quota_expire_peers(store_now(), NULL);
		db_close();
		return 0;
	}
	if (FCGX_Init() != 0 || pool_run() != 0) {
		db_close();
		return 1;
	}
	db_close();
	return 0;
}
