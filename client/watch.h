/* SPDX-License-Identifier: MIT */
/* wgconf sync --watch: stays subscribed to the server's change
 * notifications (push, docs/operations.md) and syncs on each. */
#ifndef WGCONF_CLIENT_WATCH_H
#define WGCONF_CLIENT_WATCH_H

#include "state.h"

/* One full check: a sync with the cached ETag (a 304 when nothing moved). */
typedef void watch_check_fn(void *ctx);

struct watch_opts {
	int check_every;                /* seconds between checks while subscribed */
	int poll_every;                 /* seconds between checks without push */
};

/* Checks now, then whenever the server says this host's config moved,
 * after every (re)connect, every check_every seconds while subscribed, and
 * every poll_every seconds while not (server down, or no push: a 204,
 * 404 or 405 on the watch path, tried again every WATCH_REPROBE seconds).
 * Reconnects with exponential backoff and jitter. Returns 0 once SIGTERM
 * or SIGINT stopped it, -1 on a setup error. */
int watch_run(const struct state *st, const struct watch_opts *o, watch_check_fn *check,
              void *ctx);

#endif
