/* SPDX-License-Identifier: MIT */
/* The links a config lists (lib/store/links.c). */
#ifndef WGCONF_LINKS_H
#define WGCONF_LINKS_H

#include "result.h"
#include "rows.h"

/* The accepted peers paired with id, each with the preshared key sealed to
 * id, ordered by id, one at a time, each handed to fn (a
 * link valid during the call) and none kept: two statements stepped side
 * by side. fn returns 0 to go on, -1 to stop (DB_ERROR then). DB_OK or
 * DB_ERROR; after an error what fn was given must be thrown away. */
typedef int store_link_fn(const struct link *l, void *ctx);
int store_links_each(const char *id, store_link_fn *fn, void *ctx);

#endif
