/* SPDX-License-Identifier: MIT */
/* Configs kept per revision (lib/store/config.c). */
#ifndef WGCONF_CONFIG_H
#define WGCONF_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "result.h"

/* The config body kept for peer id, if it was built at exactly revision
 * and format: DB_OK with *body (NUL-terminated, caller frees) and *len,
 * DB_NOTFOUND when none is kept for them, DB_ERROR. */
int store_config_cached(const char *id, int64_t revision, int format, char **body,
                        size_t *len);

/* Keeps body as peer id's config at revision and format, replacing an
 * older one; nothing when the peer is gone or has moved past revision.
 * Inside a write transaction. */
int store_config_keep(const char *id, int64_t revision, int format, const char *body,
                      size_t len);

#endif
