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

/* The export document of peers l (complete, as store_peer_list() gives),
 * the network net, the rules' tags (a, b, a, b, ...) and the explicit
 * pairs' ends (a, b, ...), views/export.c. Caller owns it; NULL out of
 * memory. */
struct json_object *views_export(const struct peer_list *l, const struct network *net,
                                 const struct strlist *rules, const struct strlist *pair_ends);

/* A revocation as admins see it. */
struct json_object *views_revocation(const struct revocation *r);

/* {"revocations": [...]} */
struct json_object *views_revocation_list(const struct revocation_list *l);

/* What an admin signs for p next: the proposed statement (proposed, len
 * bytes) at the next version, the last signed one, and changes (taken). */
struct json_object *views_statement(const struct peer *p, const struct network *net,
                                    const char *proposed, size_t len,
                                    struct json_object *changes);

/* The answers that carry what only the write knew: /health's; a new peer's
 * (with its token, shown once); a new invite's (with its code, shown once);
 * an adoption's (the token sealed to the peer's key). */
struct json_object *views_health(void);
struct json_object *views_registered(const struct peer *p, const char *token);
struct json_object *views_invite_created(const struct invite *inv, const char *code);
struct json_object *views_adopted(const char *id, const char *name, const char *state,
                                  const char *token_sealed);

/* {key: items, "next_cursor": next_cursor or null} (items taken). */
struct json_object *views_page(const char *key, struct json_object *items,
                               const char *next_cursor);

/* {"links": links, "stale_after": s} (links taken: views_link()s). */
struct json_object *views_link_list(struct json_object *links, int64_t stale_after);

/* {"count", "rejected": ids} (ids taken). */
struct json_object *views_rejected(struct json_object *ids);

/* One imported peer; {"peers": peers (taken), "pairs": npairs}. */
struct json_object *views_imported_peer(const char *id, const char *name,
                                        const char *public_key);
struct json_object *views_imported(struct json_object *peers, size_t npairs);

/* RFC 3339 UTC text for a time in seconds, or NULL (JSON null) for 0. */
struct json_object *views_time(int64_t t);

#endif
