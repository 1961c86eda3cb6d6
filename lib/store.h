/* SPDX-License-Identifier: MIT */
/*
 * Storage: rows in, structs out. Nothing here builds what the API shows
 * (lib/views.c does, from these structs) and nothing here opens or ends a
 * transaction (the dispatcher in lib/api.c does, once per request).
 * Every function returns DB_OK, DB_NOTFOUND or DB_ERROR (lib/db.h).
 */
#ifndef WGCONF_STORE_H
#define WGCONF_STORE_H

#include <stdint.h>
#include <json-c/json.h>

#include "model.h"

/* Loads one peer by id, with its routed networks and pairs. The caller
 * frees it with model_peer_free(), also after an error. */
int store_peer_get(struct peer *p, const char *id);

/* Loads peer id's own row only (no networks, no pairs): what a config's
 * interface and its ETag need. The caller frees p with model_peer_free(). */
int store_peer_row(struct peer *p, const char *id);

/* Every peer (state "pending", "accepted" or NULL for all), oldest first,
 * each complete as from store_peer_get(). Caller frees the list. */
int store_peer_list(struct peer_list *out, const char *state);

/* One page of the admin list, in keyset order (created_at, id). */
struct store_page {
	const char *state;              /* "pending", "accepted" or NULL for all */
	const char *q;                  /* name or address substring, or NULL */
	int64_t after_created;          /* the page starts after this key; */
	const char *after_id;           /* after_id NULL: from the start */
	size_t limit;                   /* rows wanted, >= 1 */
};

/* The peers of page pg, each complete as from store_peer_get(), and *more
 * set when rows follow it. A fixed few statements whatever the page size:
 * the rows, then their networks and pairs (grouped here). Caller frees. */
int store_peer_page(struct peer_list *out, const struct store_page *pg, int *more);

/* The accepted peers paired with id, each with the preshared key sealed to
 * id, ordered by id. Caller frees the list. */
int store_links(struct link_list *out, const char *id);

/* The same links one at a time, in the same order, each handed to fn (a
 * link valid during the call) and none kept: two statements stepped side
 * by side. fn returns 0 to go on, -1 to stop (DB_ERROR then). DB_OK or
 * DB_ERROR; after an error what fn was given must be thrown away. */
typedef int store_link_fn(const struct link *l, void *ctx);
int store_links_each(const char *id, store_link_fn *fn, void *ctx);

/* The ids of every accepted peer. Caller frees the list. */
int store_accepted_ids(struct strlist *out);

/* For bearer tokens: the stored token hash of peer id and when it was last
 * seen. DB_NOTFOUND for an unknown id (hash zeroed). */
int store_peer_token(const char *id, uint8_t hash[KEYS_LEN], int64_t *last_seen);

/* Records that peer id was seen at now. */
int store_peer_seen(const char *id, int64_t now);

/* Deletes peer id (its addresses, networks and pairs go with it), after
 * stamping a new revision on every peer it was paired with: their view of
 * the mesh loses it. DB_NOTFOUND when there was no such peer. */
int store_peer_delete(const char *id);

/* The network settings (one row). */
int store_network_get(struct network *n);

/* Stamps a new revision on peer id and every peer paired with it (their view
 * of it changed); with id NULL, on every peer. */
int store_bump(const char *id);

/* Stamps one new revision on each peer of ids, and on no other: for a
 * change (pairs made or dropped by rules) that only these peers see. */
int store_bump_ids(const struct strlist *ids);

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

/* The network's revision: every stamp moves it, so a peer whose revision
 * is above the one read when a write began was moved by that write. */
int store_revision(int64_t *revision);

/* Records in note (lib/push.h) each peer the running write moved past
 * since, with its new revision: every way a revision moves is seen, since
 * all of them stamp the network's. Inside the write transaction. */
struct push_note;
int store_moved_since(int64_t since, struct push_note *note);

/* Stamps one new revision on peers a and b (b may be NULL) alone: a pair
 * made or removed changes the view of its two ends, nobody else's. */
int store_bump_ends(const char *a, const char *b);

/* Appends to the audit log, or counts a repeat on the same event's entry
 * within the coalescing window, then prunes the log to its limits
 * (lib/quota.h); detail (may be NULL) is not consumed. */
int store_audit(const char *actor, const char *action, const char *target,
                struct json_object *detail);

/* Signed statements (docs/trust.md). The last signed statement of peer id:
 * its version, text and signature, as PUT .../signature verified them. */
int store_peer_set_statement(const char *id, int64_t version, const char *text,
                             const uint8_t sig[KEYS_SIG_LEN]);

/* The name of peer id alone (for showing pair ids to a human). */
int store_peer_name(const char *id, char name[VALIDATE_NAME_MAX + 1]);

/* Every revocation, or the signed ones only, oldest first. Caller frees. */
int store_revocation_list(struct revocation_list *out, int signed_only);

/* One revocation by id. */
int store_revocation_get(struct revocation *r, const char *id);

/* DB_OK when key has a revocation (signed or still pending), DB_NOTFOUND
 * when not. */
int store_key_revoked(const char *key);

/* DB_OK when peer id was imported and waits for its host to adopt it,
 * DB_CONFLICT when the peer exists but does not, DB_NOTFOUND, DB_ERROR. */
int store_peer_adoptable(const char *id);

/* Makes a pending revocation of key, for mesh net->mesh_id; the peer it was
 * is named for the admin. A key revoked already keeps its first revocation
 * (id is then ""). */
int store_revocation_add(const struct network *net, const char *key, const char *peer_id,
                         const char *peer_name, char id[PEER_ID_LEN]);

/* Stores the admin's signature of revocation id. */
int store_revocation_sign(const char *id, const uint8_t sig[KEYS_SIG_LEN]);

/* Seconds since the epoch. */
int64_t store_now(void);

#endif
