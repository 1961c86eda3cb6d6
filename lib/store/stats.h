/* SPDX-License-Identifier: MIT */
/* Counts for GET /admin/metrics (lib/store/stats.c). */
#ifndef WGCONF_STATS_H
#define WGCONF_STATS_H

#include <stdint.h>

#include "result.h"
#include "rows.h"

struct store_stats {
	int64_t pending, accepted, adoptable, pairs;
	int64_t db_bytes;               /* the file (page_count * page_size), no WAL */
};

int store_stats(struct store_stats *s);

/* Every accepted peer that fetched its config at least once, by id:
 * handed to fn with its last_seen (valid during the call). fn returns 0 to
 * go on, -1 to stop (DB_ERROR then). */
typedef int store_seen_fn(const char *id, const char *name, int64_t last_seen, void *ctx);
int store_stats_last_seen_each(store_seen_fn *fn, void *ctx);

#endif
