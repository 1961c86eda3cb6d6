/* SPDX-License-Identifier: MIT */
/*
 * What the API shows: JSON built from the model's structs (lib/store.h
 * loads them). Pure, no database; every result is owned by the caller.
 */
#ifndef WGCONF_VIEWS_H
#define WGCONF_VIEWS_H

#include <stdint.h>
#include <json-c/json.h>

#include "rows.h"

/* A peer as admins and the peer itself see it; its signature state is
 * judged under net (read once per request). */
struct json_object *views_peer(const struct peer *p, const struct network *net);

/* {"peers": [...]} */
struct json_object *views_peer_list(const struct peer_list *l, const struct network *net);

struct json_object *views_network(const struct network *n);

/* RFC 3339 UTC text for a time in seconds, or NULL (JSON null) for 0. */
struct json_object *views_time(int64_t t);

#endif
