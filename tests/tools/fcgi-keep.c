/* SPDX-License-Identifier: MIT */
/*
 * fcgi-keep SOCKET: what nginx's fastcgi_keep_conn asks of a responder, on
 * its unix socket. Prints one line per step and exits 0 when all held:
 *   1. two requests (GET /api/v1/health) on one connection with
 *      FCGI_KEEP_CONN, both answered 200 on that connection;
 *   2. with that connection left open and idle, a second connection's
 *      request is answered within 5 s (a responder busy with nothing must
 *      not hold everyone else off);
 *   3. the first connection, idle meanwhile, still answers: the responder
 *      keeps both (closing one that nginx may be sending on would turn a
 *      request into a 502).
 * Run it against a single responder: with more, step 2 proves nothing.
 *
 * fcgi-keep SOCKET late: the end of a request's stdin arriving after its
 * body, as nginx may send it. On one kept connection, 20 times: a POST
 * whose body comes whole but whose empty end-of-stdin record follows
 * 50 ms later, then at once a GET /api/v1/health. Both are answered (the
 * POST with its status, the GET 200) and the connection stays open.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define BEGIN_REQUEST 1
#define END_REQUEST   3
#define PARAMS        4
#define STDIN         5
#define STDOUT        6
#define KEEP_CONN     1

static int
dial(const char *path)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		perror("connect");
		exit(1);
	}
	return fd;
}

static size_t
record(unsigned char *out, int type, const unsigned char *body, size_t len)
{
	out[0] = 1;
	out[1] = (unsigned char)type;
	out[2] = 0;
	out[3] = 1;
	out[4] = (unsigned char)(len >> 8);
	out[5] = (unsigned char)len;
	out[6] = 0;
	out[7] = 0;
	memcpy(out + 8, body, len);
	return 8 + len;
}

static size_t
param(unsigned char *out, const char *k, const char *v)
{
	size_t kl = strlen(k), vl = strlen(v);

	out[0] = (unsigned char)kl;
	out[1] = (unsigned char)vl;
	memcpy(out + 2, k, kl);
	memcpy(out + 2 + kl, v, vl);
	return 2 + kl + vl;
}

/* The records that begin a request to /api/v1/health by METHOD with a
 * body of BODY_LEN bytes (not sent here) into buf: their length. */
static size_t
request_head(unsigned char *buf, int keep, const char *method, size_t body_len)
{
	unsigned char params[512], begin[8] = { 0, 1, (unsigned char)keep };
	char clen[24];
	size_t n = 0, p = 0;

	snprintf(clen, sizeof(clen), "%zu", body_len);
	p += param(params + p, "REQUEST_METHOD", method);
	p += param(params + p, "DOCUMENT_URI", "/api/v1/health");
	p += param(params + p, "QUERY_STRING", "");
	p += param(params + p, "CONTENT_LENGTH", body_len ? clen : "");
	n += record(buf + n, BEGIN_REQUEST, begin, sizeof(begin));
	n += record(buf + n, PARAMS, params, p);
	n += record(buf + n, PARAMS, NULL, 0);
	return n;
}

/* 0, or -1 when the connection is closed. */
static int
send_request(int fd, int keep)
{
	unsigned char buf[1024];
	size_t n = request_head(buf, keep, "GET", 0);

	n += record(buf + n, STDIN, NULL, 0);
	return write(fd, buf, n) == (ssize_t)n ? 0 : -1;
}

/* A POST whose body is sent whole and its end-of-stdin record 50 ms
 * later: 0, or -1 when the connection is closed. */
static int
send_post_late_end(int fd)
{
	static const unsigned char body[] = "{\"late\":\"end of stdin\"}";
	unsigned char buf[1024], end[8];
	size_t n = request_head(buf, KEEP_CONN, "POST", sizeof(body) - 1);

	n += record(buf + n, STDIN, body, sizeof(body) - 1);
	if (write(fd, buf, n) != (ssize_t)n)
		return -1;
	usleep(50 * 1000);
	n = record(end, STDIN, NULL, 0);
	return write(fd, end, n) == (ssize_t)n ? 0 : -1;
}

/* Reads exactly len bytes within ms: 1, 0 at EOF, -1 on a timeout. */
static int
read_full(int fd, unsigned char *buf, size_t len, int ms)
{
	size_t got = 0;

	while (got < len) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		ssize_t r;
		if (poll(&pfd, 1, ms) <= 0)
			return -1;
		r = read(fd, buf + got, len - got);
		if (r <= 0)
			return 0;
		got += (size_t)r;
	}
	return 1;
}

/* Reads one answer: its HTTP status, 0 at EOF, -1 on a timeout. */
static int
answer(int fd, int ms)
{
	unsigned char h[8], body[65536 + 256];
	int status = 0, rc;

	for (;;) {
		size_t len;
		if ((rc = read_full(fd, h, 8, ms)) != 1)
			return rc;
		len = (size_t)h[4] << 8 | h[5];
		if ((rc = read_full(fd, body, len + h[6], ms)) != 1)
			return rc;
		body[len] = '\0';
		if (h[1] == STDOUT && status == 0 && strncmp((char *)body, "Status: ", 8) == 0)
			status = atoi((char *)body + 8);
		if (h[1] == END_REQUEST)
			return status;
	}
}

/* The late end-of-stdin runs: 0 when every answer came on the one
 * connection. */
static int
late_end(const char *path)
{
	int fd = dial(path), post = 0, get = 0, failed = 0;

	for (int i = 1; i <= 20 && !failed; i++) {
		post = send_post_late_end(fd) == 0 ? answer(fd, 5000) : 0;
		get = send_request(fd, KEEP_CONN) == 0 ? answer(fd, 5000) : 0;
		failed = post <= 0 || get != 200;
		if (failed || i == 20)
			printf("late end of stdin, round %d: POST %d, then GET %d\n", i, post, get);
	}
	close(fd);
	return failed;
}

int
main(int argc, char **argv)
{
	unsigned char c = 0;
	int a, b, st, failed = 0;

	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && strcmp(argv[2], "late") == 0)
		return late_end(argv[1]);
	if (argc != 2) {
		fputs("usage: fcgi-keep SOCKET [late]\n", stderr);
		return 2;
	}
	a = dial(argv[1]);
	for (int i = 1; i <= 2; i++) {
		send_request(a, KEEP_CONN);
		st = answer(a, 5000);
		printf("kept connection, request %d: %d\n", i, st);
		failed |= st != 200;
	}
	b = dial(argv[1]);
	send_request(b, 0);
	st = answer(b, 5000);
	printf("second connection while the first is idle: %d\n", st);
	failed |= st != 200;
	st = read_full(a, &c, 1, 100);
	printf("idle kept connection: %s\n", st == 0 ? "closed by the responder" :
	       st < 0 ? "still open" : "sent bytes");
	failed |= st >= 0;
	send_request(a, KEEP_CONN);
	st = answer(a, 5000);
	printf("kept connection, request 3: %d\n", st);
	failed |= st != 200;
	st = send_request(b, 0) == 0 ? answer(b, 5000) : 0;
	printf("second connection after its last request: %s\n",
	       st == 0 ? "closed by the responder" : "still answers");
	failed |= st != 0;
	close(a);
	close(b);
	return failed;
}
