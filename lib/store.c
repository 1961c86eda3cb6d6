/* SPDX-License-Identifier: MIT */
/* Rows to structs; the revision stamp; the audit log. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "push.h"
#include "quota.h"
#include "statement.h"
#include "store.h"

#define PEER_COLUMNS \
	"SELECT id, name, state, public_key, endpoint, listen_port, keepalive," \
	" revision, created_at, last_seen, pending_key," \
	" (SELECT address FROM addresses WHERE peer_id = p.id AND family = 4)," \
	" (SELECT address FROM addresses WHERE peer_id = p.id AND family = 6)," \
	" signed_version, statement, statement_sig" \
	" FROM peers p"

static void
copy_col(char *dst, size_t dstsz, sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	snprintf(dst, dstsz, "%s", t ? (const char *)t : "");
}

/* The current row of a PEER_COLUMNS statement into p (lists left empty).
 * -1 out of memory. */
static int
read_peer_row(struct peer *p, sqlite3_stmt *st)
{
	const unsigned char *state = sqlite3_column_text(st, 2);

	memset(p, 0, sizeof(*p));
	copy_col(p->id, sizeof(p->id), st, 0);
	copy_col(p->name, sizeof(p->name), st, 1);
	p->accepted = state != NULL && strcmp((const char *)state, "accepted") == 0;
	copy_col(p->public_key, sizeof(p->public_key), st, 3);
	copy_col(p->endpoint, sizeof(p->endpoint), st, 4);
	p->listen_port = sqlite3_column_int(st, 5);
	p->keepalive = sqlite3_column_type(st, 6) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 6);
	p->revision = sqlite3_column_int64(st, 7);
	p->created_at = sqlite3_column_int64(st, 8);
	p->last_seen = sqlite3_column_int64(st, 9);
	copy_col(p->pending_key, sizeof(p->pending_key), st, 10);
	copy_col(p->addr4, sizeof(p->addr4), st, 11);
	copy_col(p->addr6, sizeof(p->addr6), st, 12);
	p->signed_version = sqlite3_column_int64(st, 13);
	/* A statement without its signature (or the other way round) is no
	 * signed statement: the peer reads as never signed. */
	if (sqlite3_column_type(st, 14) == SQLITE_TEXT &&
	    sqlite3_column_bytes(st, 15) == KEYS_SIG_LEN) {
		if ((p->statement = strdup((const char *)sqlite3_column_text(st, 14))) == NULL)
			return -1;
		memcpy(p->statement_sig, sqlite3_column_blob(st, 15), KEYS_SIG_LEN);
	}
	return 0;
}

/* The first column of every row of sql, ?1 bound to bind unless NULL. */
static int
strings(const char *sql, const char *bind, struct strlist *out)
{
	sqlite3_stmt *st = db_stmt(sql);
	int rc, ret = DB_ERROR;

	if (st == NULL)
		return DB_ERROR;
	if (bind != NULL)
		sqlite3_bind_text(st, 1, bind, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (model_strlist_add(out, (const char *)sqlite3_column_text(st, 0)) != 0)
			goto out;
	if (rc == SQLITE_DONE)
		ret = DB_OK;
out:
	sqlite3_reset(st);
	return ret;
}

/* Routed networks and pairs of p. */
static int
load_lists(struct peer *p)
{
	static const char nets[] =
		"SELECT cidr FROM networks WHERE peer_id = ?1 ORDER BY position";
	static const char pairs[] =
		"SELECT b FROM pairs WHERE a = ?1 UNION SELECT a FROM pairs WHERE b = ?1 ORDER BY 1";
	static const char tags[] = "SELECT tag FROM peer_tags WHERE peer_id = ?1 ORDER BY tag";

	if (strings(nets, p->id, &p->networks) != DB_OK ||
	    strings(pairs, p->id, &p->pairs) != DB_OK ||
	    strings(tags, p->id, &p->tags) != DB_OK)
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
	static const char sql[] = PEER_COLUMNS " WHERE id = ?1";
	sqlite3_stmt *st = db_stmt(sql);
	int rc;

	memset(p, 0, sizeof(*p));
	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && read_peer_row(p, st) != 0)
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
		PEER_COLUMNS " WHERE ?1 IS NULL OR state = ?1 ORDER BY created_at, id";
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
		if (read_peer_row(&out->v[out->n++], st) != 0) {
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
		model_peer_list_free(out);
	return ret;
}

/* Grows a link list by one zeroed entry: it, or NULL out of memory. */
static struct link *
link_add(struct link_list *l, size_t *cap)
{
	struct link *v;

	if (l->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		if ((v = realloc(l->v, ncap * sizeof(*v))) == NULL)
			return NULL;
		l->v = v;
		*cap = ncap;
	}
	v = &l->v[l->n++];
	memset(v, 0, sizeof(*v));
	return v;
}

/*
 * Two statements whatever the peer count: the other ends with their
 * addresses and the box sealed to id, then all their routed networks,
 * both ordered by the other end's id and merged here. Per-peer lookups
 * cost a B-tree descent (and, outside one transaction, a lock) each: at
 * 1,000 pairs that was 4,000 statements for one config.
 */
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
		if (l != NULL && model_strlist_add(l, (const char *)sqlite3_column_text(st, 1)) != 0)
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
		PEER_COLUMNS " WHERE (created_at, id) > (?1, ?2)"
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
		if (read_peer_row(&out->v[out->n++], st) != 0)
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
		model_peer_list_free(out);
		*more = 0;
	}
	return ret;
}

/*
 * The other ends of id's pairs with their addresses and the box sealed to
 * id; and their routed networks. Both ordered by the other end's id, which
 * the indexes give as they are walked (the pairs' key (a, b) and (b, a)):
 * a merge of two ordered halves, no sort, so a hub's 10,000 links are
 * never held in a sorter.
 */
#define LINK_HALF(other, self, box) \
	"SELECT l." other ", p.name, p.state, p.public_key, p.endpoint, p.listen_port," \
	" p.keepalive, p.revision, p.created_at, p.last_seen, p.pending_key, a4.address," \
	" a6.address, p.signed_version, p.statement, p.statement_sig, l." box \
	" FROM pairs l JOIN peers p ON p.id = l." other \
	" LEFT JOIN addresses a4 ON a4.peer_id = p.id AND a4.family = 4" \
	" LEFT JOIN addresses a6 ON a6.peer_id = p.id AND a6.family = 6" \
	" WHERE l." self " = ?1 AND p.state = 'accepted'"
static const char links_sql[] =
	LINK_HALF("b", "a", "psk_box_a") " UNION ALL " LINK_HALF("a", "b", "psk_box_b")
	" ORDER BY 1";
#define NETS_HALF(other, self) \
	"SELECT l." other ", n.cidr, n.position FROM pairs l" \
	" JOIN networks n ON n.peer_id = l." other " WHERE l." self " = ?1"
static const char links_nets_sql[] =
	NETS_HALF("b", "a") " UNION ALL " NETS_HALF("a", "b") " ORDER BY 1, 3";

#define LINK_BOX_COL 16    /* after the PEER_COLUMNS ones */

/* The current row of links_sql into l. -1 out of memory. */
static int
read_link_row(struct link *l, sqlite3_stmt *st)
{
	memset(l, 0, sizeof(*l));
	if (read_peer_row(&l->other, st) != 0)
		return -1;
	l->boxlen = sqlite3_column_bytes(st, LINK_BOX_COL);
	if (l->boxlen == KEYS_SEALED_LEN)
		memcpy(l->box, sqlite3_column_blob(st, LINK_BOX_COL), KEYS_SEALED_LEN);
	else
		l->boxlen = 0;
	return 0;
}

int
store_links_each(const char *id, store_link_fn *fn, void *ctx)
{
	sqlite3_stmt *st = db_stmt(links_sql), *nt = db_stmt(links_nets_sql);
	struct link l;
	int rc = SQLITE_ERROR, nrc = SQLITE_ERROR, ret = DB_ERROR;

	memset(&l, 0, sizeof(l));
	if (st == NULL || nt == NULL)
		goto out;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(nt, 1, id, -1, SQLITE_STATIC);
	nrc = sqlite3_step(nt);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (read_link_row(&l, st) != 0)
			goto out;
		/* The networks statement runs one row ahead: its rows of peers
		 * left out (pending) are passed over. */
		for (; nrc == SQLITE_ROW; nrc = sqlite3_step(nt)) {
			const char *peer = (const char *)sqlite3_column_text(nt, 0);
			int cmp = strcmp(peer ? peer : "", l.other.id);
			if (cmp > 0)
				break;
			if (cmp == 0 && model_strlist_add(&l.other.networks,
			                                  (const char *)sqlite3_column_text(nt, 1)) != 0)
				goto out;
		}
		if (nrc != SQLITE_ROW && nrc != SQLITE_DONE)
			goto out;
		if (fn(&l, ctx) != 0)
			goto out;
		model_peer_free(&l.other);
	}
	if (rc == SQLITE_DONE)
		ret = DB_OK;
out:
	model_peer_free(&l.other);
	if (st != NULL)
		sqlite3_reset(st);
	if (nt != NULL)
		sqlite3_reset(nt);
	return ret;
}

int
store_links(struct link_list *out, const char *id)
{
	static const char *const sql = links_sql, *const nets = links_nets_sql;
	sqlite3_stmt *st = db_stmt(sql);
	size_t cap = 0, i = 0;
	int rc = SQLITE_ERROR, ret = DB_ERROR;

	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct link *l = link_add(out, &cap);
		if (l == NULL || read_link_row(l, st) != 0)
			break;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE || (st = db_stmt(nets)) == NULL)
		goto out;
	/* Both lists are ordered by peer id: one walk hands each network to
	 * its peer (a pending peer's are skipped, as the peer is). Any error
	 * fails the lot: a config missing a route must never look complete. */
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *peer = (const char *)sqlite3_column_text(st, 0);
		int cmp = 1;
		while (i < out->n && (cmp = strcmp(out->v[i].other.id, peer ? peer : "")) < 0)
			i++;
		if (cmp == 0 && model_strlist_add(&out->v[i].other.networks,
		                                  (const char *)sqlite3_column_text(st, 1)) != 0)
			break;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		ret = DB_OK;
out:
	if (ret != DB_OK)
		model_link_list_free(out);
	return ret;
}

int
store_accepted_ids(struct strlist *out)
{
	static const char sql[] = "SELECT id FROM peers WHERE state = 'accepted' ORDER BY created_at, rowid";

	memset(out, 0, sizeof(*out));
	if (strings(sql, NULL, out) != DB_OK) {
		model_strlist_free(out);
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

	/* Partners are stamped while the pairs still link them. */
	if (store_bump(id) != DB_OK || (st = db_stmt(sql)) == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (db_exec_stmt(st) != DB_OK)
		return DB_ERROR;
	return db_changes() > 0 ? DB_OK : DB_NOTFOUND;
}

int
store_network_get(struct network *n)
{
	static const char sql[] =
		"SELECT ipv4_pool, ipv6_pool, mtu, keepalive, dns, signing_key, mesh_id"
		" FROM network WHERE id = 1";
	sqlite3_stmt *st = db_stmt(sql);
	int rc;

	memset(n, 0, sizeof(*n));
	if (st == NULL)
		return DB_ERROR;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		copy_col(n->ipv4_pool, sizeof(n->ipv4_pool), st, 0);
		copy_col(n->ipv6_pool, sizeof(n->ipv6_pool), st, 1);
		n->mtu = sqlite3_column_int(st, 2);
		n->keepalive = sqlite3_column_int(st, 3);
		copy_col(n->dns, sizeof(n->dns), st, 4);
		copy_col(n->signing_key, sizeof(n->signing_key), st, 5);
		copy_col(n->mesh_id, sizeof(n->mesh_id), st, 6);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? DB_OK : DB_ERROR;
}

int
store_bump(const char *id)
{
	static const char inc[] = "UPDATE network SET revision = revision + 1 WHERE id = 1";
	static const char one[] =
		"UPDATE peers SET revision = (SELECT revision FROM network WHERE id = 1)"
		" WHERE id = ?1 OR id IN (SELECT b FROM pairs WHERE a = ?1"
		"                         UNION SELECT a FROM pairs WHERE b = ?1)";
	static const char all[] =
		"UPDATE peers SET revision = (SELECT revision FROM network WHERE id = 1)";
	sqlite3_stmt *st;

	if (db_exec_stmt(db_stmt(inc)) != DB_OK)
		return DB_ERROR;
	if (id != NULL) {
		if ((st = db_stmt(one)) == NULL)
			return DB_ERROR;
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	} else {
		st = db_stmt(all);
	}
	return db_exec_stmt(st) == DB_OK ? DB_OK : DB_ERROR;
}

int
store_bump_ids(const struct strlist *ids)
{
	static const char inc[] = "UPDATE network SET revision = revision + 1 WHERE id = 1";
	static const char one[] =
		"UPDATE peers SET revision = (SELECT revision FROM network WHERE id = 1)"
		" WHERE id = ?1";
	sqlite3_stmt *st;

	if (ids->n == 0)
		return DB_OK;
	if (db_exec_stmt(db_stmt(inc)) != DB_OK)
		return DB_ERROR;
	for (size_t i = 0; i < ids->n; i++) {
		if ((st = db_stmt(one)) == NULL)
			return DB_ERROR;
		sqlite3_bind_text(st, 1, ids->v[i], -1, SQLITE_STATIC);
		if (db_exec_stmt(st) != DB_OK)
			return DB_ERROR;
	}
	return DB_OK;
}

int
store_bump_ends(const char *a, const char *b)
{
	static const char inc[] = "UPDATE network SET revision = revision + 1 WHERE id = 1";
	static const char ends[] =
		"UPDATE peers SET revision = (SELECT revision FROM network WHERE id = 1)"
		" WHERE id IN (?1, ?2)";
	sqlite3_stmt *st;

	if (db_exec_stmt(db_stmt(inc)) != DB_OK || (st = db_stmt(ends)) == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	if (b != NULL)
		sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	return db_exec_stmt(st) == DB_OK ? DB_OK : DB_ERROR;
}

/*
 * Kept bodies go in and out through SQLite's incremental blob I/O: a plain
 * column read assembles a 3.5 MB body in a buffer of SQLite's before it is
 * copied, and a plain insert copies it into a record first. Either way the
 * responder held twice the body; this way it holds it once.
 */
int
store_config_cached(const char *id, int64_t revision, int format, char **body, size_t *len)
{
	static const char sql[] =
		"SELECT rowid, length(body) FROM config_cache"
		" WHERE peer_id = ?1 AND revision = ?2 AND format = ?3";
	sqlite3_stmt *st = db_stmt(sql);
	sqlite3_blob *blob = NULL;
	sqlite3_int64 rowid = 0;
	size_t n = 0;
	int rc, ret = DB_ERROR;

	*body = NULL;
	*len = 0;
	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, revision);
	sqlite3_bind_int(st, 3, format);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		rowid = sqlite3_column_int64(st, 0);
		n = (size_t)sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return DB_NOTFOUND;
	if (rc != SQLITE_ROW || n > INT_MAX)
		return DB_ERROR;
	if ((*body = malloc(n + 1)) == NULL)
		return DB_ERROR;
	if (sqlite3_blob_open(db_handle(), "main", "config_cache", "body", rowid, 0, &blob) ==
	    SQLITE_OK && (size_t)sqlite3_blob_bytes(blob) == n &&
	    (n == 0 || sqlite3_blob_read(blob, *body, (int)n, 0) == SQLITE_OK)) {
		(*body)[n] = '\0';
		*len = n;
		ret = DB_OK;
	}
	sqlite3_blob_close(blob);
	if (ret != DB_OK) {
		free(*body);
		*body = NULL;
	}
	return ret;
}

int
store_config_keep(const char *id, int64_t revision, int format, const char *body, size_t len)
{
	/* The guard on the peer's current revision: a responder that built
	 * from an older snapshot must not overwrite a newer body. The new row
	 * is made with room for the body (a zeroblob, which SQLite writes
	 * without making it in memory: an upsert would), then filled. */
	static const char cur[] = "SELECT revision FROM peers WHERE id = ?1";
	static const char del[] = "DELETE FROM config_cache WHERE peer_id = ?1";
	static const char ins[] =
		"INSERT INTO config_cache (peer_id, revision, format, body) VALUES (?1, ?2, ?3, ?4)";
	sqlite3_stmt *st = db_stmt(cur);
	sqlite3_blob *blob = NULL;
	int rc;

	if (st == NULL || len > INT_MAX)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_int64(st, 0) != revision)
		rc = SQLITE_DONE;
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return DB_OK;           /* the peer moved on (or is gone) */
	if (rc != SQLITE_ROW || (st = db_stmt(del)) == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (db_exec_stmt(st) != DB_OK || (st = db_stmt(ins)) == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, revision);
	sqlite3_bind_int(st, 3, format);
	sqlite3_bind_zeroblob64(st, 4, (sqlite3_uint64)len);
	if (db_exec_stmt(st) != DB_OK)
		return DB_ERROR;
	rc = sqlite3_blob_open(db_handle(), "main", "config_cache", "body",
	                       sqlite3_last_insert_rowid(db_handle()), 1, &blob);
	if (rc == SQLITE_OK && len > 0)
		rc = sqlite3_blob_write(blob, body, (int)len, 0);
	sqlite3_blob_close(blob);
	return rc == SQLITE_OK ? DB_OK : DB_ERROR;
}

int
store_audit(const char *actor, const char *action, const char *target,
            struct json_object *detail)
{
	static const char sql[] =
		"INSERT INTO audit (at, actor, action, target, detail) VALUES (?1, ?2, ?3, ?4, ?5)";
	const char *text = detail != NULL ?
		json_object_to_json_string_ext(detail, JSON_C_TO_STRING_PLAIN) : NULL;
	int64_t now = store_now();
	struct quota q;
	sqlite3_stmt *st;
	int rc;

	/* A repeat of an event within the window counts on its row: a flood
	 * of identical events is one row, not one each. A peer asking for
	 * one new key after another is one row too, naming the latest. */
	if (quota_get(&q) != DB_OK)
		return DB_ERROR;
	rc = strcmp(action, "peer.key_request") == 0 ?
	     quota_audit_latest(&q, actor, action, target, text, now) :
	     quota_audit_repeat(&q, actor, action, target, text, now);
	if (rc != DB_NOTFOUND)
		return rc == DB_OK ? DB_OK : DB_ERROR;
	if ((st = db_stmt(sql)) == NULL)
		return DB_ERROR;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_text(st, 2, actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, action, -1, SQLITE_STATIC);
	if (target != NULL)
		sqlite3_bind_text(st, 4, target, -1, SQLITE_STATIC);
	if (text != NULL)
		sqlite3_bind_text(st, 5, text, -1, SQLITE_TRANSIENT);
	if (db_exec_stmt(st) != DB_OK)
		return DB_ERROR;
	/* Pruned as it grows: its size never waits for a periodic job. */
	return quota_prune_audit(&q, now) == DB_OK ? DB_OK : DB_ERROR;
}

int64_t
store_now(void)
{
	return (int64_t)time(NULL);
}

/* ---- signed statements and revocations (docs/trust.md) ------------------ */

int
store_peer_set_statement(const char *id, int64_t version, const char *text,
                         const uint8_t sig[KEYS_SIG_LEN])
{
	static const char sql[] =
		"UPDATE peers SET signed_version = ?2, statement = ?3, statement_sig = ?4"
		" WHERE id = ?1";
	sqlite3_stmt *st = db_stmt(sql);

	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, version);
	sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, sig, KEYS_SIG_LEN, SQLITE_STATIC);
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
		copy_col(name, VALIDATE_NAME_MAX + 1, st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? DB_OK : rc == SQLITE_DONE ? DB_NOTFOUND : DB_ERROR;
}

#define REVOCATION_COLUMNS \
	"SELECT id, key, peer_id, peer_name, text, signature, created_at FROM revocations"

static void
read_revocation_row(struct revocation *r, sqlite3_stmt *st)
{
	memset(r, 0, sizeof(*r));
	copy_col(r->id, sizeof(r->id), st, 0);
	copy_col(r->key, sizeof(r->key), st, 1);
	copy_col(r->peer_id, sizeof(r->peer_id), st, 2);
	copy_col(r->peer_name, sizeof(r->peer_name), st, 3);
	copy_col(r->text, sizeof(r->text), st, 4);
	if (sqlite3_column_bytes(st, 5) == KEYS_SIG_LEN) {
		memcpy(r->sig, sqlite3_column_blob(st, 5), KEYS_SIG_LEN);
		r->has_sig = 1;
	}
	r->created_at = sqlite3_column_int64(st, 6);
}

int
store_revocation_list(struct revocation_list *out, int signed_only)
{
	static const char sql[] = REVOCATION_COLUMNS
		" WHERE ?1 = 0 OR signature IS NOT NULL ORDER BY created_at, id";
	sqlite3_stmt *st = db_stmt(sql);
	size_t cap = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_int(st, 1, signed_only != 0);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (out->n == cap) {
			struct revocation *nv = realloc(out->v, (cap ? cap * 2 : 8) * sizeof(*nv));
			if (nv == NULL)
				break;
			out->v = nv;
			cap = cap ? cap * 2 : 8;
		}
		read_revocation_row(&out->v[out->n++], st);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		model_revocation_list_free(out);
		return DB_ERROR;
	}
	return DB_OK;
}

int
store_revocation_get(struct revocation *r, const char *id)
{
	static const char sql[] = REVOCATION_COLUMNS " WHERE id = ?1";
	sqlite3_stmt *st = db_stmt(sql);
	int rc;

	memset(r, 0, sizeof(*r));
	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_revocation_row(r, st);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? DB_OK : rc == SQLITE_DONE ? DB_NOTFOUND : DB_ERROR;
}

int
store_key_revoked(const char *key)
{
	static const char sql[] = "SELECT 1 FROM revocations WHERE key IN (?1, ?2)";
	sqlite3_stmt *st = db_stmt(sql);
	char twin[KEYS_B64_LEN];
	int rc;

	if (st == NULL)
		return DB_ERROR;
	/* A revocation kept from before the one-spelling rule may name the
	 * key with bit 255 set: the same key to X25519 (docs/trust.md). */
	if (keys_public_twin(twin, key) != 0)
		snprintf(twin, sizeof(twin), "%s", key);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, twin, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? DB_OK : rc == SQLITE_DONE ? DB_NOTFOUND : DB_ERROR;
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

int
store_revocation_add(const struct network *net, const char *key, const char *peer_id,
                     const char *peer_name, char id[PEER_ID_LEN])
{
	static const char sql[] =
		"INSERT INTO revocations (id, key, peer_id, peer_name, text, created_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (key) DO NOTHING";
	struct statement_revocation r;
	char text[STATEMENT_REVOKE_MAX];
	sqlite3_stmt *st;

	id[0] = '\0';
	snprintf(r.mesh, sizeof(r.mesh), "%s", net->mesh_id);
	snprintf(r.key, sizeof(r.key), "%s", key);
	if (statement_revocation_format(&r, text, sizeof(text)) < 0 ||
	    (st = db_stmt(sql)) == NULL)
		return DB_ERROR;
	keys_random_hex(id, (PEER_ID_LEN - 1) / 2);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, peer_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, peer_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, store_now());
	if (db_exec_stmt(st) != DB_OK)
		return DB_ERROR;
	if (db_changes() == 0)
		id[0] = '\0';
	return DB_OK;
}

int
store_revocation_sign(const char *id, const uint8_t sig[KEYS_SIG_LEN])
{
	static const char sql[] =
		"UPDATE revocations SET signature = ?2, signed_at = ?3 WHERE id = ?1";
	sqlite3_stmt *st = db_stmt(sql);

	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, sig, KEYS_SIG_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, store_now());
	if (db_exec_stmt(st) != DB_OK)
		return DB_ERROR;
	return db_changes() > 0 ? DB_OK : DB_NOTFOUND;
}

int
store_revision(int64_t *revision)
{
	static const char sql[] = "SELECT revision FROM network WHERE id = 1";
	sqlite3_stmt *st = db_stmt(sql);
	int rc;

	if (st == NULL)
		return DB_ERROR;
	rc = sqlite3_step(st);
	*revision = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? DB_OK : DB_ERROR;
}

int
store_moved_since(int64_t since, struct push_note *note)
{
	/* One past the most a note names: then it says "all". */
	static const char sql[] =
		"SELECT id, revision FROM peers WHERE revision > ?1 AND state = 'accepted'"
		" LIMIT ?2";
	sqlite3_stmt *st = db_stmt(sql);
	int rc;

	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_int64(st, 1, since);
	sqlite3_bind_int(st, 2, PUSH_PEERS_MAX + 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		push_note_peer(note, (const char *)sqlite3_column_text(st, 0),
		               sqlite3_column_int64(st, 1));
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? DB_OK : DB_ERROR;
}
