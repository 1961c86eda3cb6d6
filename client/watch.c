/* SPDX-License-Identifier: MIT */
/*
 * wgconf sync --watch. The server (nginx with the Nchan module) holds an
 * EventSource subscription per host: "revision N" on the host's channel
 * or on "all" says its config moved, and the host then syncs as cron
 * would, with its ETag. A message carries nothing the host acts on by
 * itself, so a message lost (while disconnected, or a publish that
 * failed) costs only time: every (re)connect starts with a full check, and
 * a check runs every check_every seconds regardless.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

#include "cli.h"
#include "fetch.h"
#include "watch.h"

#define WATCH_IDLE      90      /* seconds of silence: the server pings every 30 */
#define WATCH_BACKOFF_MAX 60000 /* ms: the longest wait between reconnects */
#define WATCH_REPROBE   600     /* seconds: without push, ask for it again */
#define WATCH_STEADY    60      /* seconds up after which backoff starts over */
#define WATCH_REJOIN_MS 10000   /* after the server ended a subscription that
                                   was up (a reload, a restart), the first
                                   try comes anywhere in this window: a whole
                                   mesh does not knock in the same second */

/* What the event stream said since it was last looked at. */
struct watch_events {
	int up;                         /* the stream delivered something */
	int changed;                    /* an event ended: a check is due */
	int has_data;                   /* the event being read has data: */
	char line[8];                   /* the start of the line being read */
	size_t linelen;
};

/* SIGTERM (systemd's stop), SIGINT: the loop ends after the sync in hand. */
static volatile sig_atomic_t stopping;

static void
on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(int64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000 };

	while (ms > 0 && !stopping && nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* ms, spread evenly over [ms/2, ms*3/2): hosts that lost the server
 * together do not come back together. */
static int64_t
jitter(int64_t ms)
{
	return ms / 2 + (int64_t)randombytes_uniform((uint32_t)(ms > 0 ? ms : 1));
}

/* EventSource framing: lines; "data:" lines make an event, which an empty
 * line ends. Comments (": hi", pings) and ids only show the stream is up. */
static void
on_data(const char *data, size_t len, void *arg)
{
	struct watch_events *w = arg;

	w->up = 1;
	for (size_t i = 0; i < len; i++) {
		char ch = data[i];
		if (ch == '\r')
			continue;
		if (ch != '\n') {
			if (w->linelen < sizeof(w->line))
				w->line[w->linelen] = ch;
			w->linelen++;
			continue;
		}
		if (w->linelen == 0 && w->has_data) {
			w->changed = 1;
			w->has_data = 0;
		} else if (w->linelen >= 5 && memcmp(w->line, "data:", 5) == 0) {
			w->has_data = 1;
		}
		w->linelen = 0;
	}
}

/* Reads the stream until it ends, checking on each event, on connect and
 * every check_every seconds. The HTTP status it ended with (0: none). */
static long
follow(struct fetch_stream *s, const struct watch_opts *o, watch_check_fn *check,
       void *ctx, struct watch_events *w, int64_t *last_check)
{
	long status = 0;
	int checked = 0, r;

	while (!stopping && (r = fetch_stream_step(s, 1000, &status)) == 1) {
		if ((w->up && !checked) || w->changed ||
		    (w->up && mono_ms() - *last_check >= (int64_t)o->check_every * 1000)) {
			checked = 1;
			w->changed = 0;
			check(ctx);
			*last_check = mono_ms();
		}
	}
	return r < 0 ? 0 : status;
}

/* Without push: a check every poll_every seconds (jittered) for
 * WATCH_REPROBE seconds. */
static void
poll_for_a_while(const struct watch_opts *o, watch_check_fn *check, void *ctx,
                 int64_t *last_check)
{
	int64_t until = mono_ms() + (int64_t)WATCH_REPROBE * 1000;

	while (!stopping && mono_ms() < until) {
		check(ctx);
		*last_check = mono_ms();
		sleep_ms(jitter((int64_t)o->poll_every * 1000));
	}
}

/* Between reconnects: waits delay ms, checking meanwhile if one is due
 * (the API may answer while the subscription does not). */
static void
wait_reconnect(int64_t delay, const struct watch_opts *o, watch_check_fn *check, void *ctx,
               int64_t *last_check)
{
	int64_t until = mono_ms() + delay;

	while (!stopping && mono_ms() < until) {
		if (mono_ms() - *last_check >= (int64_t)o->poll_every * 1000) {
			check(ctx);
			*last_check = mono_ms();
		}
		sleep_ms(until - mono_ms() < 1000 ? until - mono_ms() : 1000);
	}
}

/* No SA_RESTART: a waiting poll or sleep returns at once. */
static void
catch_stop(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

int
watch_run(const struct state *st, const struct watch_opts *o, watch_check_fn *check,
          void *ctx)
{
	struct fetch_tls tls = { st->cacert, st->pin, st->insecure_http };
	int64_t last_check = mono_ms() - (int64_t)o->poll_every * 1000, backoff = 1000;
	char path[64];

	snprintf(path, sizeof(path), "/peer/watch?peer=%s", st->id);
	catch_stop();
	while (!stopping) {
		struct watch_events w = { 0 };
		struct fetch_stream *s;
		int64_t opened = mono_ms(), delay;
		long status = 0;

		s = fetch_stream_open(st->server, path, &tls, st->token, WATCH_IDLE, on_data, &w);
		if (s == NULL)
			return -1;
		status = follow(s, o, check, ctx, &w, &last_check);
		fetch_stream_close(s);
		if (stopping)
			break;
		if (status == 204 || status == 404 || status == 405) {
			warnx("the server has no push (HTTP %ld on the watch path): polling "
			      "every %d s", status, o->poll_every);
			poll_for_a_while(o, check, ctx, &last_check);
			continue;
		}
		if (w.up && mono_ms() - opened >= (int64_t)WATCH_STEADY * 1000)
			backoff = 1000;
		delay = w.up ? (int64_t)randombytes_uniform(WATCH_REJOIN_MS) : jitter(backoff);
		if (status == 0)
			warnx("the watch subscription failed: reconnecting");
		else
			warnx("the watch subscription ended (HTTP %ld): reconnecting", status);
		wait_reconnect(delay, o, check, ctx, &last_check);
		if (!w.up)
			backoff = backoff * 2 > WATCH_BACKOFF_MAX ? WATCH_BACKOFF_MAX : backoff * 2;
	}
	return 0;
}
