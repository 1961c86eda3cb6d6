/* SPDX-License-Identifier: MIT */
/* The links a config lists (lib/store/links.c). */
#ifndef WGCONF_LINKS_H
#define WGCONF_LINKS_H

#include <stdint.h>

#include "result.h"
#include "rows.h"

/* The accepted peers paired with id, each with the preshared key sealed to
 * id, ordered by id, one at a time, each handed to fn (a
 * link valid during the call) and none kept: two statements stepped side
 * by side. fn returns 0 to go on, -1 to stop (DB_ERROR then). DB_OK or
 * DB_ERROR; after an error what fn was given must be thrown away. */
typedef int store_link_fn(const struct link *l, void *ctx);
int store_links_each(const char *id, store_link_fn *fn, void *ctx);

/*
 * What hosts report about their links (table link_reports: the latest
 * report per reporter and partner, overwritten; no revision, no audit).
 */

/* DB_OK when a and b are paired, DB_NOTFOUND when not. */
int store_link_paired(const char *a, const char *b);

/* Keeps reporter's latest report about partner, made at now. */
int store_link_report(const char *reporter, const char *partner, int64_t latest_handshake,
                      int64_t rx, int64_t tx, int64_t now);

/* One end of a pair and what it last said about the link. */
struct link_side {
	char id[PEER_ID_LEN];
	char name[VALIDATE_NAME_MAX + 1];
	int reported;                   /* 0: never reported (the rest is 0) */
	int64_t latest_handshake, rx, tx, reported_at;
};

/* Every pair with both sides' reports, ordered by the names of its ends,
 * each handed to fn (valid during the call). fn returns 0 to go on, -1 to
 * stop (DB_ERROR then). */
typedef int store_link_status_fn(const struct link_side *a, const struct link_side *b,
                                 void *ctx);
int store_link_status_each(store_link_status_fn *fn, void *ctx);

#endif
