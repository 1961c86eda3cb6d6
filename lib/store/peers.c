/* SPDX-License-Identifier: MIT */
/* Peers: their rows, the lists that hang off them, their tokens. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "peers.h"
#include "revisions.h"
#include "sql.h"

/* Routed networks and pairs of p. */
static int
load_lists(struct peer *p)
{
	static const char nets[] =
		"SELECT cidr FROM networks WHERE peer_id = ?1 ORDER BY position";
	static const char pairs[] =
		"SELECT b FROM pairs WHERE a = ?1 UNION SELECT a FROM pairs WHERE b = ?1 ORDER BY 1";
	static const char tags[] = "SELECT tag FROM peer_tags WHERE peer_id = ?1 ORDER BY tag";

	if (sql_strings(nets, p->id, &p->networks) != DB_OK ||
	    sql_strings(pairs, p->id, &p->pairs) != DB_OK ||
	    sql_strings(tags, p->id, &p->tags) != DB_OK)
		return DB_ERROR;
	return DB_OK;
}

int
store_peer_get(struct peer *p, const char *id)
{
	int rc = store_peer_row(p, id);

	return rc == DB_OK ? load_lists(p) : rc;
}

int
store_peer_row(struct peer *p, const char *id)
{
	static const char sql[] = SQL_PEER_COLUMNS " WHERE id = ?1";
	sqlite3_stmt *st = db_stmt(sql);
	int rc;

	memset(p, 0, sizeof(*p));
	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sql_read_peer(p, st) != 0)
		rc = SQLITE_NOMEM;
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return DB_NOTFOUND;
	return rc == SQLITE_ROW ? DB_OK : DB_ERROR;
}

int
store_peer_list(struct peer_list *out, const char *state)
{
	static const char sql[] =
		SQL_PEER_COLUMNS " WHERE ?1 IS NULL OR state = ?1 ORDER BY created_at, id";
	sqlite3_stmt *st = db_stmt(sql);
	size_t cap = 0;
	int rc, ret = DB_ERROR;

	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return DB_ERROR;
	if (state != NULL)
		sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	/* Rows first, lists after: the list statements are other statements,
	 * but a reader holding this one open would pin the WAL longer. */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (out->n == cap) {
			struct peer *nv = realloc(out->v, (cap ? cap * 2 : 16) * sizeof(*nv));
			if (nv == NULL)
				break;
			out->v = nv;
			cap = cap ? cap * 2 : 16;
		}
		if (sql_read_peer(&out->v[out->n++], st) != 0) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		goto out;
	for (size_t i = 0; i < out->n; i++)
		if (load_lists(&out->v[i]) != DB_OK)
			goto out;
	ret = DB_OK;
out:
	if (ret != DB_OK)
		rows_peer_list_free(out);
	return ret;
}

/* Orders peer pointers by id, for the lookups that group rows. */
static int
by_id(const void *a, const void *b)
{
	return strcmp((*(struct peer *const *)a)->id, (*(struct peer *const *)b)->id);
}

static struct peer *
find_peer(struct peer **index, size_t n, const char *id)
{
	struct peer key, *k = &key, **hit;

	if (id == NULL || strlen(id) >= sizeof(key.id))
		return NULL;
	snprintf(key.id, sizeof(key.id), "%s", id);
	hit = bsearch(&k, index, n, sizeof(*index), by_id);
	return hit ? *hit : NULL;
}

enum group { GROUP_NETWORKS, GROUP_PAIRS, GROUP_TAGS };

/* Appends column 1 of every row of st (column 0 names the peer) to that
 * peer's list g. */
static int
group_rows(sqlite3_stmt *st, struct peer **index, size_t n, enum group g)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct peer *p = find_peer(index, n, (const char *)sqlite3_column_text(st, 0));
		struct strlist *l = p == NULL ? NULL : g == GROUP_PAIRS ? &p->pairs :
		                    g == GROUP_TAGS ? &p->tags : &p->networks;
		if (l != NULL && rows_strlist_add(l, (const char *)sqlite3_column_text(st, 1)) != 0)
			break;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? DB_OK : DB_ERROR;
}

/* The networks, pairs and tags of every peer of a page: three statements
 * for the whole page, grouped here by id. DB_OK or DB_ERROR. */
static int
page_lists(struct peer_list *out)
{
	static const char nets[] =
		"SELECT peer_id, cidr FROM networks WHERE peer_id IN (SELECT value FROM json_each(?1))"
		" ORDER BY peer_id, position";
	static const char pairs[] =
		"SELECT a, b FROM pairs WHERE a IN (SELECT value FROM json_each(?1))"
		" UNION ALL SELECT b, a FROM pairs WHERE b IN (SELECT value FROM json_each(?1))"
		" ORDER BY 1, 2";
	static const char tags[] =
		"SELECT peer_id, tag FROM peer_tags WHERE peer_id IN (SELECT value FROM json_each(?1))"
		" ORDER BY peer_id, tag";
	static const char *const sql[] = { nets, pairs, tags };
	static const enum group group[] = { GROUP_NETWORKS, GROUP_PAIRS, GROUP_TAGS };
	struct json_object *ids = json_object_new_array();
	struct peer **index = malloc(out->n * sizeof(*index));
	sqlite3_stmt *st;
	int ret = DB_ERROR;

	if (ids == NULL || index == NULL)
		goto out;
	for (size_t i = 0; i < out->n; i++) {
		index[i] = &out->v[i];
		json_object_array_add(ids, json_object_new_string(out->v[i].id));
	}
	qsort(index, out->n, sizeof(*index), by_id);
	for (size_t g = 0; g < 3; g++) {
		if ((st = db_stmt(sql[g])) == NULL)
			goto out;
		sqlite3_bind_text(st, 1, json_object_to_json_string_ext(ids, JSON_C_TO_STRING_PLAIN),
		                  -1, SQLITE_TRANSIENT);
		if (group_rows(st, index, out->n, group[g]) != DB_OK)
			goto out;
	}
	ret = DB_OK;
out:
	json_object_put(ids);
	free(index);
	return ret;
}

int
store_peer_page(struct peer_list *out, const struct store_page *pg, int *more)
{
	/* The keyset seek uses peers_created; the filters are checked on the
	 * rows it walks. A first page starts after (-1, ''), before any row. */
	static const char sql[] =
		SQL_PEER_COLUMNS " WHERE (created_at, id) > (?1, ?2)"
		" AND (?3 IS NULL OR state = ?3)"
		" AND (?4 IS NULL OR instr(lower(name), lower(?4)) > 0 OR EXISTS"
		"      (SELECT 1 FROM addresses WHERE peer_id = p.id AND instr(address, lower(?4)) > 0))"
		" ORDER BY created_at, id LIMIT ?5";
	sqlite3_stmt *st = db_stmt(sql);
	size_t cap = 0;
	int rc = SQLITE_ERROR, ret = DB_ERROR;

	memset(out, 0, sizeof(*out));
	*more = 0;
	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_int64(st, 1, pg->after_id ? pg->after_created : -1);
	sqlite3_bind_text(st, 2, pg->after_id ? pg->after_id : "", -1, SQLITE_STATIC);
	if (pg->state != NULL)
		sqlite3_bind_text(st, 3, pg->state, -1, SQLITE_STATIC);
	if (pg->q != NULL)
		sqlite3_bind_text(st, 4, pg->q, -1, SQLITE_STATIC);
	/* One row more than asked says whether another page follows. */
	sqlite3_bind_int64(st, 5, (int64_t)pg->limit + 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (out->n == pg->limit) {
			*more = 1;
			continue;
		}
		if (out->n == cap) {
			struct peer *nv = realloc(out->v, (cap ? cap * 2 : 16) * sizeof(*nv));
			if (nv == NULL)
				break;
			out->v = nv;
			cap = cap ? cap * 2 : 16;
		}
		if (sql_read_peer(&out->v[out->n++], st) != 0)
			break;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		goto out;
	ret = DB_OK;
	if (out->n == 0)
		goto out;
	ret = page_lists(out);
out:
	if (ret != DB_OK) {
		rows_peer_list_free(out);
		*more = 0;
	}
	return ret;
}

int
store_accepted_ids(struct strlist *out)
{
	static const char sql[] = "SELECT id FROM peers WHERE state = 'accepted' ORDER BY created_at, rowid";

	memset(out, 0, sizeof(*out));
	if (sql_strings(sql, NULL, out) != DB_OK) {
		rows_strlist_free(out);
		return DB_ERROR;
	}
	return DB_OK;
}

int
store_peer_token(const char *id, uint8_t hash[KEYS_LEN], int64_t *last_seen)
{
	static const char sql[] = "SELECT token_hash, last_seen FROM peers WHERE id = ?1";
	sqlite3_stmt *st = db_stmt(sql);
	int rc, ret = DB_ERROR;

	memset(hash, 0, KEYS_LEN);
	*last_seen = 0;
	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == KEYS_LEN) {
		memcpy(hash, sqlite3_column_blob(st, 0), KEYS_LEN);
		*last_seen = sqlite3_column_int64(st, 1);
		ret = DB_OK;
	} else if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
		ret = DB_NOTFOUND;
	}
	sqlite3_reset(st);
	return ret;
}

int
store_peer_seen(const char *id, int64_t now)
{
	static const char sql[] = "UPDATE peers SET last_seen = ?2 WHERE id = ?1";
	sqlite3_stmt *st = db_stmt(sql);

	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	return db_exec_stmt(st) == DB_OK ? DB_OK : DB_ERROR;
}

int
store_peer_delete(const char *id)
{
	static const char sql[] = "DELETE FROM peers WHERE id = ?1";
	sqlite3_stmt *st;

	/* Partners are touched while the pairs still link them. */
	if (store_revisions_touch_partners(id) != DB_OK || (st = db_stmt(sql)) == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (db_exec_stmt(st) != DB_OK)
		return DB_ERROR;
	return db_changes() > 0 ? DB_OK : DB_NOTFOUND;
}

int
store_peer_name(const char *id, char name[VALIDATE_NAME_MAX + 1])
{
	static const char sql[] = "SELECT name FROM peers WHERE id = ?1";
	sqlite3_stmt *st = db_stmt(sql);
	int rc;

	name[0] = '\0';
	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		sql_copy_col(name, VALIDATE_NAME_MAX + 1, st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? DB_OK : rc == SQLITE_DONE ? DB_NOTFOUND : DB_ERROR;
}

int
store_peer_insert(const struct peer *p, const uint8_t token_hash[KEYS_LEN], int64_t now)
{
	static const char insert[] =
		"INSERT INTO peers (id, name, state, public_key, endpoint, listen_port, keepalive,"
		" token_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
	sqlite3_stmt *st = db_stmt(insert);
	int rc;

	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, p->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, p->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, p->accepted ? "accepted" : "pending", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, p->public_key, -1, SQLITE_STATIC);
	if (p->endpoint[0] != '\0')
		sqlite3_bind_text(st, 5, p->endpoint, -1, SQLITE_STATIC);
	if (p->listen_port > 0)
		sqlite3_bind_int(st, 6, p->listen_port);
	if (p->keepalive >= 0)
		sqlite3_bind_int(st, 7, p->keepalive);
	sqlite3_bind_blob(st, 8, token_hash, KEYS_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, now);
	if ((rc = db_exec_stmt(st)) != DB_OK)
		return rc;
	return store_revisions_touch(p->id);
}

int
store_peer_key_taken(const char *key, const char *except_id)
{
	static const char sql[] =
		"SELECT 1 FROM peers WHERE (public_key IN (?1, ?3) OR pending_key IN (?1, ?3))"
		" AND (?2 IS NULL OR id != ?2)";
	sqlite3_stmt *st = db_stmt(sql);
	char twin[KEYS_B64_LEN];
	int rc;

	/* A key an old database holds as its twin is taken too (docs/trust.md). */
	if (st == NULL || keys_public_twin(twin, key) != 0)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (except_id != NULL)
		sqlite3_bind_text(st, 2, except_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, twin, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? DB_OK : rc == SQLITE_DONE ? DB_NOTFOUND : DB_ERROR;
}

int
store_peer_key_holder(const char *key, char name[VALIDATE_NAME_MAX + 1])
{
	static const char sql[] =
		"SELECT name FROM peers WHERE public_key IN (?1, ?2) OR pending_key IN (?1, ?2)";
	sqlite3_stmt *st = db_stmt(sql);
	char twin[KEYS_B64_LEN];
	int rc;

	name[0] = '\0';
	/* A key an old database holds as its twin is known too. */
	if (st == NULL || keys_public_twin(twin, key) != 0)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, twin, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		sql_copy_col(name, VALIDATE_NAME_MAX + 1, st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? DB_OK : rc == SQLITE_DONE ? DB_NOTFOUND : DB_ERROR;
}

/* Runs sql (?1 = id, ?2 = text, may be NULL) on peer id's row: DB_OK,
 * DB_NOTFOUND when there is no such peer, DB_ERROR. */
static int
update(const char *sql, const char *id, const char *text)
{
	sqlite3_stmt *st = db_stmt(sql);

	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (text != NULL)
		sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
	if (db_exec_stmt(st) != DB_OK)
		return DB_ERROR;
	return db_changes() > 0 ? DB_OK : DB_NOTFOUND;
}

int
store_peer_set_name(const char *id, const char *name)
{
	int rc = update("UPDATE peers SET name = ?2 WHERE id = ?1", id, name);

	/* Its name is in every partner's config. */
	return rc == DB_OK ? store_revisions_touch_partners(id) : rc;
}

int
store_peer_accept(const char *id)
{
	int rc = update("UPDATE peers SET state = 'accepted' WHERE id = ?1", id, NULL);

	return rc == DB_OK ? store_revisions_touch_partners(id) : rc;
}

/* Whether peer id's stored endpoint differs from endpoint ("" = none):
 * 1, 0, or -1 on an error. */
static int
endpoint_moves(const char *id, const char *endpoint)
{
	static const char sql[] = "SELECT endpoint IS NOT ?2 FROM peers WHERE id = ?1";
	sqlite3_stmt *st = db_stmt(sql);
	int rc, moves = -1;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (endpoint[0] != '\0')
		sqlite3_bind_text(st, 2, endpoint, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		moves = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? moves : -1;
}

int
store_peer_set_link(const struct peer *p)
{
	static const char upd[] =
		"UPDATE peers SET endpoint = ?2, listen_port = ?3, keepalive = ?4 WHERE id = ?1";
	sqlite3_stmt *st;
	int moves = endpoint_moves(p->id, p->endpoint);

	if (moves < 0 || (st = db_stmt(upd)) == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, p->id, -1, SQLITE_STATIC);
	if (p->endpoint[0] != '\0')
		sqlite3_bind_text(st, 2, p->endpoint, -1, SQLITE_STATIC);
	if (p->listen_port > 0)
		sqlite3_bind_int(st, 3, p->listen_port);
	if (p->keepalive >= 0)
		sqlite3_bind_int(st, 4, p->keepalive);
	if (db_exec_stmt(st) != DB_OK)
		return DB_ERROR;
	/* Its endpoint is in its partners' configs; its listen port and its
	 * keepalive only in its own. */
	return moves ? store_revisions_touch_partners(p->id) : store_revisions_touch(p->id);
}

int
store_peer_set_pending_key(const char *id, const char *key)
{
	/* The host's own request, for the admin: in no config, no revision. */
	return update("UPDATE peers SET pending_key = ?2 WHERE id = ?1", id, key);
}

int
store_peer_take_pending_key(const char *id)
{
	int rc = update("UPDATE peers SET public_key = pending_key, pending_key = NULL"
	                " WHERE id = ?1", id, NULL);

	/* Its key is in every partner's config. */
	return rc == DB_OK ? store_revisions_touch_partners(id) : rc;
}

int
store_peer_set_token(const char *id, const uint8_t token_hash[KEYS_LEN])
{
	static const char sql[] = "UPDATE peers SET token_hash = ?2 WHERE id = ?1";
	sqlite3_stmt *st = db_stmt(sql);

	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, token_hash, KEYS_LEN, SQLITE_STATIC);
	if (db_exec_stmt(st) != DB_OK)
		return DB_ERROR;
	return db_changes() > 0 ? DB_OK : DB_NOTFOUND;
}

int
store_peer_state(const char *id, int *accepted)
{
	static const char sql[] = "SELECT state FROM peers WHERE id = ?1";
	sqlite3_stmt *st = db_stmt(sql);
	int rc;

	*accepted = 0;
	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*accepted = strcmp((const char *)sqlite3_column_text(st, 0), "accepted") == 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? DB_OK : rc == SQLITE_DONE ? DB_NOTFOUND : DB_ERROR;
}

int
store_pending_ids(int64_t older_than, const char *pattern, struct strlist *out)
{
	static const char sql[] =
		"SELECT id FROM peers WHERE state = 'pending' AND created_at <= ?1"
		" AND (?2 IS NULL OR name GLOB ?2) ORDER BY created_at, id";
	sqlite3_stmt *st = db_stmt(sql);
	int rc;

	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_int64(st, 1, older_than);
	if (pattern != NULL)
		sqlite3_bind_text(st, 2, pattern, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (rows_strlist_add(out, (const char *)sqlite3_column_text(st, 0)) != 0)
			break;
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return DB_OK;
	rows_strlist_free(out);
	return DB_ERROR;
}

int
store_pending_delete(const char *id)
{
	static const char del[] = "DELETE FROM peers WHERE id = ?1 AND state = 'pending'";

	/* A pending peer has no pairs and no config: nobody's changes. */
	return update(del, id, NULL);
}

int
store_adoptable_add(const char *id)
{
	static const char sql[] = "INSERT INTO adoptable (peer_id) VALUES (?1)";
	sqlite3_stmt *st = db_stmt(sql);

	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	return db_exec_stmt(st) == DB_OK ? DB_OK : DB_ERROR;
}

int
store_adoptable_find(const char *key, struct peer *p, int *adoptable)
{
	static const char find[] =
		SQL_PEER_COLUMNS " WHERE public_key = ?1";
	static const char waits[] = "SELECT 1 FROM adoptable WHERE peer_id = ?1";
	sqlite3_stmt *st = db_stmt(find);
	int rc;

	memset(p, 0, sizeof(*p));
	*adoptable = 0;
	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sql_read_peer(p, st) != 0)
		rc = SQLITE_NOMEM;
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return DB_NOTFOUND;
	if (rc != SQLITE_ROW || (st = db_stmt(waits)) == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, p->id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	*adoptable = rc == SQLITE_ROW;
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? DB_OK : DB_ERROR;
}

int
store_adoptable_take(const char *id, const uint8_t token_hash[KEYS_LEN])
{
	static const char adopted[] = "DELETE FROM adoptable WHERE peer_id = ?1";
	sqlite3_stmt *st;

	if (store_peer_set_token(id, token_hash) != DB_OK || (st = db_stmt(adopted)) == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	return db_exec_stmt(st) == DB_OK ? DB_OK : DB_ERROR;
}

int
store_peer_adoptable(const char *id)
{
	static const char sql[] =
		"SELECT id IN (SELECT peer_id FROM adoptable) FROM peers WHERE id = ?1";
	sqlite3_stmt *st = db_stmt(sql);
	int rc, adoptable = 0;

	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		adoptable = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return DB_NOTFOUND;
	if (rc != SQLITE_ROW)
		return DB_ERROR;
	return adoptable ? DB_OK : DB_CONFLICT;
}
