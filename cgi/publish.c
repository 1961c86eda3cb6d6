/* SPDX-License-Identifier: MIT */
/*
 * The publisher side of push (lib/push.h): each message is an HTTP POST to
 * nginx's Nchan publisher location, "/pub/CHANNEL", on a unix socket that
 * only the responder's user can reach (nginx/wgconfsrv.conf). All of a
 * write's messages go pipelined on one connection, the last one asking nginx
 * to close it; the answers are read until then or until PUSH_TIMEOUT_MS.
 * A message not answered 2xx in time is counted as failed: the hosts it was
 * for still see the change at their next check.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "push.h"
#include "publish.h"

#define PUSH_TIMEOUT_MS 300
#define PUSH_MSGS_MAX   (PUSH_PEERS_MAX + 2)
#define PUSH_BUF        (PUSH_MSGS_MAX * 192)

/* The configuration: where the publisher listens. Set once at start-up. */
static struct sockaddr_un publisher;

int
publish_set(const char *path)
{
	if (path == NULL || path[0] == '\0' || strlen(path) >= sizeof(publisher.sun_path))
		return -1;
	publisher.sun_family = AF_UNIX;
	memcpy(publisher.sun_path, path, strlen(path) + 1);
	push_enable(1);
	return 0;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Appends one POST of text to channel; 0, or -1 when buf is full. */
static int
add_message(char *buf, size_t *len, const char *channel, const char *text, int last)
{
	int n = snprintf(buf + *len, PUSH_BUF - *len,
	                 "POST /pub/%s HTTP/1.1\r\nHost: wgconfsrv\r\n"
	                 "Content-Type: text/plain\r\nContent-Length: %zu\r\n%s\r\n%s",
	                 channel, strlen(text), last ? "Connection: close\r\n" : "", text);

	if (n < 0 || (size_t)n >= PUSH_BUF - *len)
		return -1;
	*len += (size_t)n;
	return 0;
}

/* "changed: peers,pending,links", the parts note->admin names. */
static void
admin_text(unsigned admin, char *out, size_t size)
{
	snprintf(out, size, "changed: %s%s%s%s%s",
	         (admin & PUSH_ADMIN_PEERS) ? "peers" : "",
	         (admin & PUSH_ADMIN_PEERS) && (admin & ~PUSH_ADMIN_PEERS) ? "," : "",
	         (admin & PUSH_ADMIN_PENDING) ? "pending" : "",
	         (admin & PUSH_ADMIN_PENDING) && (admin & PUSH_ADMIN_LINKS) ? "," : "",
	         (admin & PUSH_ADMIN_LINKS) ? "links" : "");
}

/* The requests for note, in buf; how many, or -1. */
static int
build(const struct push_note *note, char *buf, size_t *len)
{
	size_t total = note->n + (note->all ? 1 : 0) + (note->admin ? 1 : 0), k = 0;
	char channel[40], text[64];

	*len = 0;
	for (size_t i = 0; i < note->n && !note->all; i++, k++) {
		snprintf(channel, sizeof(channel), "peer/%s", note->peer[i]);
		snprintf(text, sizeof(text), "revision %lld", (long long)note->revision[i]);
		if (add_message(buf, len, channel, text, k + 1 == total) != 0)
			return -1;
	}
	if (note->all) {
		total = 1 + (note->admin ? 1 : 0);
		k = 0;
		*len = 0;
		snprintf(text, sizeof(text), "revision %lld", (long long)note->all_revision);
		if (add_message(buf, len, "all", text, ++k == total) != 0)
			return -1;
	}
	if (note->admin) {
		admin_text(note->admin, text, sizeof(text));
		if (add_message(buf, len, "admin", text, 1) != 0)
			return -1;
	}
	return (int)total;
}

/* Waits for fd to be ready for ev until deadline: 0, or -1. */
static int
wait_fd(int fd, short ev, int64_t deadline)
{
	struct pollfd p = { fd, ev, 0 };
	int64_t left;

	while ((left = deadline - now_ms()) > 0) {
		int r = poll(&p, 1, (int)left);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
	}
	return -1;
}

static int
send_all(int fd, const char *buf, size_t len, int64_t deadline)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (wait_fd(fd, POLLOUT, deadline) != 0)
				return -1;
			continue;
		}
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Takes the complete answers at the head of buf[0..*len): counts the 2xx
 * ones in *ok and moves what is left to the front. -1 on a malformed one. */
static int
take_answers(char *buf, size_t *len, int *ok, int *seen)
{
	size_t off = 0;

	for (;;) {
		char *head = buf + off, *end, *cl;
		size_t hlen, blen = 0;
		buf[*len] = '\0';
		if ((end = strstr(head, "\r\n\r\n")) == NULL)
			break;
		hlen = (size_t)(end - head) + 4;
		if (strncmp(head, "HTTP/1.", 7) != 0 || hlen < 12)
			return -1;
		for (cl = head; (cl = strchr(cl, '\n')) != NULL && cl < end; cl++)
			if (strncasecmp(cl + 1, "Content-Length:", 15) == 0)
				blen = strtoul(cl + 16, NULL, 10);
		if (off + hlen + blen > *len)
			break;
		if (head[9] == '2')
			(*ok)++;
		(*seen)++;
		off += hlen + blen;
	}
	memmove(buf, buf + off, *len - off);
	*len -= off;
	return 0;
}

/* Reads the answers to n requests: how many were 2xx. */
static int
read_answers(int fd, int n, int64_t deadline)
{
	static char buf[PUSH_BUF + 1];
	size_t len = 0;
	int ok = 0, seen = 0;

	while (seen < n && len < PUSH_BUF) {
		ssize_t r = recv(fd, buf + len, PUSH_BUF - len, 0);
		if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (wait_fd(fd, POLLIN, deadline) != 0)
				break;
			continue;
		}
		if (r <= 0)
			break;
		len += (size_t)r;
		if (take_answers(buf, &len, &ok, &seen) != 0)
			break;
	}
	return ok;
}

void
publish_note(const struct push_note *note)
{
	/* Each thread its own: the sealer publishes too (api_sealer_start). */
	static _Thread_local char buf[PUSH_BUF];
	int64_t deadline = now_ms() + PUSH_TIMEOUT_MS;
	size_t len;
	int n, ok = 0, fd = -1;

	if (!push_enabled() || (note->n == 0 && !note->all && note->admin == 0))
		return;
	if ((n = build(note, buf, &len)) <= 0)
		return;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	/* A unix socket connects at once or not at all (EAGAIN: nginx's
	 * backlog is full; it is not waited for). */
	if (fd >= 0 && connect(fd, (struct sockaddr *)&publisher, sizeof(publisher)) == 0 &&
	    send_all(fd, buf, len, deadline) == 0)
		ok = read_answers(fd, n, deadline);
	if (fd >= 0)
		close(fd);
	push_count((uint64_t)ok, (uint64_t)(n - ok));
}
