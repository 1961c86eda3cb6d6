/* SPDX-License-Identifier: MIT */
/* Configs kept per revision (lib/store/config.c). */
#ifndef WGCONF_CONFIG_H
#define WGCONF_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "result.h"

/*
 * The most bytes of kept configs (docs/operations.md): a body past
 * CONFIG_CACHE_MAX / 8 is not kept (one peer must not push everyone out),
 * and keeping one drops the bodies kept longest ago until the rest fit. A
 * full mesh of 1,000 has 1,000 configs of some 650 KB: kept whole they
 * would be 650 MB of the database for what a rebuild of a few ms gives.
 */
#define CONFIG_CACHE_MAX (64u << 20)

/* The config body kept for peer id, if it was built at exactly revision
 * and format: DB_OK with *body (NUL-terminated, caller frees) and *len,
 * DB_NOTFOUND when none is kept for them, DB_ERROR. */
int store_config_cached(const char *id, int64_t revision, int format, char **body,
                        size_t *len);

/* Keeps body as peer id's config at revision and format, replacing an
 * older one; nothing when the peer is gone or has moved past revision, or
 * the body is past CONFIG_CACHE_MAX / 8; then drops the oldest bodies past
 * CONFIG_CACHE_MAX in all. Inside a write transaction. */
int store_config_keep(const char *id, int64_t revision, int format, const char *body,
                      size_t len);

#endif
