/* SPDX-License-Identifier: MIT */
/*
 * What the API shows: JSON built from the store's structs (lib/store/
 * loads them). Pure, no database; every result is owned by the caller.
 */
#ifndef WGCONF_VIEWS_H
#define WGCONF_VIEWS_H

#include <stdint.h>
#include <json-c/json.h>

#include "audit.h"
#include "invites.h"
#include "links.h"
#include "pairs.h"
#include "quota.h"
#include "rows.h"

/* A peer as admins and the peer itself see it; its signature state is
 * judged under net (read once per request). */
struct json_object *views_peer(const struct peer *p, const struct network *net);

/* {"peers": [...]} */
struct json_object *views_peer_list(const struct peer_list *l, const struct network *net);

struct json_object *views_network(const struct network *n);

/* Adds the limits (registration mode and bounds) to obj, the network view. */
void views_limits(const struct quota *q, struct json_object *obj);

/* An invite as admins see it (never its code), expired or not at now. */
struct json_object *views_invite(const struct invite *inv, int64_t now);

/* {"invites": [...]} */
struct json_object *views_invite_list(const struct invite_list *l, int64_t now);

/* {"entries": [...], "next": next} (next taken; NULL for null). */
struct json_object *views_audit_list(const struct audit_list *l, struct json_object *next);

/* A pair's link as admins see it: both sides' reports (a first) and its
 * status ("up", "stale", "never"). */
struct json_object *views_link(const struct link_side *a, const struct link_side *b,
                               const char *status);

/* A rule with the number of pairs it implies; {"rules": [...]}. */
struct json_object *views_rule(const struct rule *r);
struct json_object *views_rule_list(const struct rule_list *l);

/* A pair as the API shows it: its ends, when it was made, and why it
 * exists: an admin paired it (explicit) and/or rules imply it (their ids). */
struct json_object *views_pair(const char *a, const char *b, int64_t created, int explicit,
                               const struct strlist *rules);

/* A JSON array of the strings of l. */
struct json_object *views_strlist(const struct strlist *l);

/* RFC 3339 UTC text for a time in seconds, or NULL (JSON null) for 0. */
struct json_object *views_time(int64_t t);

#endif
