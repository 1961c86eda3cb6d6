/* SPDX-License-Identifier: MIT */
/*
 * Peers (tables peers, and the addresses, networks, pairs and tags read
 * with them): rows in, structs out. DB_OK, DB_NOTFOUND or DB_ERROR.
 */
#ifndef WGCONF_PEERS_H
#define WGCONF_PEERS_H

#include <stddef.h>
#include <stdint.h>

#include "result.h"
#include "rows.h"

/* Loads one peer by id, with its routed networks and pairs. The caller
 * frees it with rows_peer_free(), also after an error. */
int store_peer_get(struct peer *p, const char *id);

/* Loads peer id's own row only (no networks, no pairs): what a config's
 * interface and its ETag need. The caller frees p with rows_peer_free(). */
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

/* The ids of every accepted peer. Caller frees the list. */
int store_accepted_ids(struct strlist *out);

/* For bearer tokens: the stored token hash of peer id and when it was last
 * seen. DB_NOTFOUND for an unknown id (hash zeroed). */
int store_peer_token(const char *id, uint8_t hash[KEYS_LEN], int64_t *last_seen);

/* Records that peer id was seen at now. */
int store_peer_seen(const char *id, int64_t now);

/* Deletes peer id (its addresses, networks and pairs go with it), after
 * touching every peer it was paired with (lib/store/revisions.h): their
 * view of the mesh loses it. DB_NOTFOUND when there was no such peer. */
int store_peer_delete(const char *id);

/* The name of peer id alone (for showing pair ids to a human). */
int store_peer_name(const char *id, char name[VALIDATE_NAME_MAX + 1]);

/* Stores the new peer p (id, name, accepted, public_key, endpoint,
 * listen_port, keepalive: -1 for none) with the hash of its token, made at
 * now; it is touched (its first revision). DB_OK, DB_CONFLICT (the key is
 * registered), DB_ERROR. */
int store_peer_insert(const struct peer *p, const uint8_t token_hash[KEYS_LEN], int64_t now);

/* DB_OK when a peer other than except_id (NULL: any) has key or asked for
 * it (or its twin spelling, docs/trust.md), DB_NOTFOUND when none. */
int store_peer_key_taken(const char *key, const char *except_id);

/* The name of the peer that has key or asked for it (or its twin):
 * DB_OK, DB_NOTFOUND. */
int store_peer_key_holder(const char *key, char name[VALIDATE_NAME_MAX + 1]);

/* Writes to peer id's row; those that change what its partners see touch
 * it and them. DB_NOTFOUND when there is no such peer. */
int store_peer_set_name(const char *id, const char *name);
int store_peer_accept(const char *id);
/* p's endpoint, listen port and keepalive (""/0/-1: unset) as they are;
 * its partners are touched when the endpoint moves, else it alone. */
int store_peer_set_link(const struct peer *p);
/* A new key the host asks for (no config changes until it is taken). */
int store_peer_set_pending_key(const char *id, const char *key);
/* The key asked for becomes the peer's key. */
int store_peer_take_pending_key(const char *id);
int store_peer_set_token(const char *id, const uint8_t token_hash[KEYS_LEN]);

/* Whether peer id is accepted: DB_OK with *accepted, DB_NOTFOUND. */
int store_peer_state(const char *id, int *accepted);

/* The pending peers made at or before older_than whose name matches the
 * glob pattern (NULL: any), oldest first. Caller frees out. */
int store_pending_ids(int64_t older_than, const char *pattern, struct strlist *out);

/* Deletes peer id if it is pending (it has no pairs, nobody's config
 * changes). DB_NOTFOUND when it is not. */
int store_pending_delete(const char *id);

/* Imported peers wait to be adopted by their host (table adoptable). */

/* DB_OK when peer id was imported and waits for its host to adopt it,
 * DB_CONFLICT when the peer exists but does not, DB_NOTFOUND, DB_ERROR. */
int store_peer_adoptable(const char *id);

int store_adoptable_add(const char *id);
/* The peer whose key is key (a row only: rows_peer_free() it) and whether
 * it still waits: DB_OK, DB_NOTFOUND. */
int store_adoptable_find(const char *key, struct peer *p, int *adoptable);
/* Its host adopts peer id: its token becomes token_hash's; it waits no more. */
int store_adoptable_take(const char *id, const uint8_t token_hash[KEYS_LEN]);

#endif
