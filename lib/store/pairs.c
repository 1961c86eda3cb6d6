/* SPDX-License-Identifier: MIT */
/*
 * Pairs, tags and rules: pairing at scale (lib/store/pairs.h). The pairs
 * rules imply are stored like any pair, each with a fresh preshared key
 * sealed to both ends (the same code as an admin's pair), but not
 * explicit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs.h"
#include "keys.h"
#include "pairs.h"
#include "peers.h"
#include "revisions.h"
#include "sql.h"

#define RULE_WORDS      (RULES_MAX / 64)

/* Whether pairs.a and pairs.b (SQL expressions) are paired by some rule. */
#define IMPLIED(A, B)                                                           \
	"EXISTS (SELECT 1 FROM peer_tags ta JOIN peer_tags tb ON tb.peer_id = " B \
	" JOIN rules r ON (r.a = ta.tag AND r.b = tb.tag) OR (r.a = tb.tag AND r.b = ta.tag)" \
	" WHERE ta.peer_id = " A ")"

/* One end of pairs to make: its id and its WireGuard key (base64). */
struct end {
	char id[PEER_ID_LEN];
	char pk[KEYS_B64_LEN];
};

struct end_list {
	struct end *v;
	size_t n, cap;
};

static int
ends_add(struct end_list *l, const char *id, const char *pk_b64)
{
	struct end *e;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct end *nv = realloc(l->v, cap * sizeof(*nv));
		if (nv == NULL)
			return -1;
		l->v = nv;
		l->cap = cap;
	}
	e = &l->v[l->n++];
	snprintf(e->id, sizeof(e->id), "%s", id ? id : "");
	snprintf(e->pk, sizeof(e->pk), "%s", pk_b64 ? pk_b64 : "");
	return 0;
}

/* Pairs x and y (x < y), not explicitly. */
static int
make_pair(const struct end *x, const struct end *y, int64_t now)
{
	return store_pair_insert(x->id, x->pk, y->id, y->pk, 0, now);
}

static int
end_cmp(const void *x, const void *y)
{
	return strcmp(((const struct end *)x)->id, ((const struct end *)y)->id);
}

static const struct end *
ends_find(const struct end_list *l, const char *id)
{
	struct end key;

	if (l->n == 0)
		return NULL;
	snprintf(key.id, sizeof(key.id), "%s", id);
	return bsearch(&key, l->v, l->n, sizeof(*l->v), end_cmp);
}



/* Runs sql (a static statement over ?1 = a, ?2 = b) on the pair a-b:
 * DB_OK, DB_NOTFOUND when it changed no row, DB_ERROR. */
static int
pair_exec(const char *sql, const char *a, const char *b)
{
	sqlite3_stmt *st = db_stmt(sql);

	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	if (db_exec_stmt(st) != DB_OK)
		return DB_ERROR;
	return db_changes() > 0 ? DB_OK : DB_NOTFOUND;
}

/* The preshared key psk sealed to the keys pka and pkb (base64). */
static int
seal_psk(const uint8_t psk[KEYS_LEN], const char *pka, const char *pkb,
         uint8_t boxa[KEYS_SEALED_LEN], uint8_t boxb[KEYS_SEALED_LEN])
{
	uint8_t ka[KEYS_LEN], kb[KEYS_LEN];

	if (keys_b64_decode_key(ka, pka) != 0 || keys_b64_decode_key(kb, pkb) != 0)
		return DB_ERROR;
	return keys_seal(boxa, psk, ka) != 0 || keys_seal(boxb, psk, kb) != 0 ?
	       DB_ERROR : DB_OK;
}

/* A fresh preshared key: it exists in the clear only here, for the seals. */
int
store_pair_insert(const char *a, const char *pka, const char *b, const char *pkb,
                  int explicit, int64_t now)
{
	uint8_t psk[KEYS_LEN];
	int rc;

	keys_random(psk, sizeof(psk));
	rc = store_pair_insert_psk(a, pka, b, pkb, explicit, now, psk);
	keys_wipe(psk, sizeof(psk));
	return rc;
}

int
store_pair_insert_psk(const char *a, const char *pka, const char *b, const char *pkb,
                      int explicit, int64_t now, const uint8_t psk[KEYS_LEN])
{
	/* A device's pair with anyone but its gateway goes through the
	 * gateway (lib/store/devices.h), the way a relayed pair goes through
	 * its relay: via. */
	static const char ins[] =
		"INSERT INTO pairs (a, b, psk_box_a, psk_box_b, created_at, explicit, via)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, (SELECT gateway FROM devices"
		"  WHERE peer_id IN (?1, ?2) AND gateway NOT IN (?1, ?2) ORDER BY peer_id LIMIT 1))";
	uint8_t boxa[KEYS_SEALED_LEN], boxb[KEYS_SEALED_LEN];
	sqlite3_stmt *st;

	if (seal_psk(psk, pka, pkb, boxa, boxb) != DB_OK || (st = db_stmt(ins)) == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, boxa, sizeof(boxa), SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, boxb, sizeof(boxb), SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now);
	sqlite3_bind_int(st, 6, explicit != 0);
	if (db_exec_stmt(st) != DB_OK || store_revisions_touch(a) != DB_OK ||
	    store_revisions_touch(b) != DB_OK)
		return DB_ERROR;
	return DB_OK;
}

int
store_pair_find(const char *a, const char *b, int *explicit, int64_t *created)
{
	static const char find[] = "SELECT explicit, created_at FROM pairs WHERE a = ?1 AND b = ?2";
	sqlite3_stmt *st = db_stmt(find);
	int rc;

	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (explicit != NULL)
		*explicit = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	if (created != NULL)
		*created = rc == SQLITE_ROW ? sqlite3_column_int64(st, 1) : 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? DB_OK : rc == SQLITE_DONE ? DB_NOTFOUND : DB_ERROR;
}

int
store_pair_set_explicit(const char *a, const char *b, int explicit)
{
	/* Why a pair exists is in nobody's config. */
	return pair_exec(explicit ? "UPDATE pairs SET explicit = 1 WHERE a = ?1 AND b = ?2" :
	                 "UPDATE pairs SET explicit = 0 WHERE a = ?1 AND b = ?2", a, b);
}

int
store_pair_delete(const char *a, const char *b)
{
	int rc = pair_exec("DELETE FROM pairs WHERE a = ?1 AND b = ?2", a, b);

	if (rc != DB_OK)
		return rc;
	if (store_revisions_touch(a) != DB_OK || store_revisions_touch(b) != DB_OK)
		return DB_ERROR;
	return DB_OK;
}

int
store_pair_reseal(const struct peer *p, const char *other_id)
{
	static const char upd[] =
		"UPDATE pairs SET psk_box_a = ?3, psk_box_b = ?4 WHERE a = ?1 AND b = ?2";
	uint8_t boxp[KEYS_SEALED_LEN], boxo[KEYS_SEALED_LEN], psk[KEYS_LEN];
	struct peer o;
	sqlite3_stmt *st;
	int rc, p_is_a = strcmp(p->id, other_id) < 0;

	keys_random(psk, sizeof(psk));
	rc = store_peer_row(&o, other_id);
	if (rc == DB_OK)
		rc = seal_psk(psk, p->public_key, o.public_key, boxp, boxo);
	keys_wipe(psk, sizeof(psk));
	if (rc == DB_OK) {
		rc = DB_ERROR;
		if ((st = db_stmt(upd)) != NULL) {
			sqlite3_bind_text(st, 1, p_is_a ? p->id : o.id, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, p_is_a ? o.id : p->id, -1, SQLITE_STATIC);
			sqlite3_bind_blob(st, 3, p_is_a ? boxp : boxo, KEYS_SEALED_LEN, SQLITE_STATIC);
			sqlite3_bind_blob(st, 4, p_is_a ? boxo : boxp, KEYS_SEALED_LEN, SQLITE_STATIC);
			if (db_exec_stmt(st) == DB_OK && db_changes() == 1)
				rc = DB_OK;
		}
	}
	rows_peer_free(&o);
	return rc == DB_OK ? DB_OK : DB_ERROR;
}

int
store_pair_page(const char *after_a, const char *after_b, const char *peer, size_t limit,
                struct pair_list *out, int *more)
{
	static const char sql[] =
		"SELECT a, b, created_at, explicit FROM pairs WHERE (a, b) > (?1, ?2)"
		" AND (?3 IS NULL OR a = ?3 OR b = ?3) ORDER BY a, b LIMIT ?4";
	sqlite3_stmt *st = db_stmt(sql);
	int rc = SQLITE_ERROR;

	memset(out, 0, sizeof(*out));
	*more = 0;
	if (st == NULL || (out->v = calloc(limit ? limit : 1, sizeof(*out->v))) == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, after_a, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, after_b, -1, SQLITE_TRANSIENT);
	if (peer != NULL)
		sqlite3_bind_text(st, 3, peer, -1, SQLITE_STATIC);
	/* One row more than asked says whether another page follows. */
	sqlite3_bind_int64(st, 4, (int64_t)limit + 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct pair_row *r;
		if (out->n == limit) {
			*more = 1;
			continue;
		}
		r = &out->v[out->n++];
		sql_copy_col(r->a, sizeof(r->a), st, 0);
		sql_copy_col(r->b, sizeof(r->b), st, 1);
		r->created_at = sqlite3_column_int64(st, 2);
		r->explicit = sqlite3_column_int(st, 3);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return DB_OK;
	free(out->v);
	memset(out, 0, sizeof(*out));
	return DB_ERROR;
}

int
store_pair_rules(const char *a, const char *b, struct strlist *out)
{
	static const char sql[] =
		"SELECT DISTINCT r.id FROM peer_tags ta JOIN peer_tags tb ON tb.peer_id = ?2"
		" JOIN rules r ON (r.a = ta.tag AND r.b = tb.tag) OR (r.a = tb.tag AND r.b = ta.tag)"
		" WHERE ta.peer_id = ?1 ORDER BY r.id";
	sqlite3_stmt *st = db_stmt(sql);
	int rc;

	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (rows_strlist_add(out, (const char *)sqlite3_column_text(st, 0)) != 0)
			break;
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? DB_OK : DB_ERROR;
}

/* ---- the index of which rules pair whom, for listing every pair ---- */

struct store_rule_peer {
	char id[PEER_ID_LEN];
	uint64_t ma[RULE_WORDS], mb[RULE_WORDS];   /* bit r: has rule r's tag a / b */
};

static int
rule_peer_cmp(const void *x, const void *y)
{
	return strcmp(((const struct store_rule_peer *)x)->id, ((const struct store_rule_peer *)y)->id);
}

int
store_rule_index_load(struct store_rule_index *ix)
{
	static const char rules[] = "SELECT id, a, b FROM rules ORDER BY id";
	static const char tags[] = "SELECT peer_id, tag FROM peer_tags ORDER BY peer_id";
	struct strlist ab = { 0 };
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc, ret = DB_ERROR;

	memset(ix, 0, sizeof(*ix));
	if ((st = db_stmt(rules)) == NULL)
		return DB_ERROR;
	/* The server never keeps more than RULES_MAX: one more is an error. */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && ix->nrules < RULES_MAX) {
		ix->rule_ids[ix->nrules++] = sqlite3_column_int64(st, 0);
		if (rows_strlist_add(&ab, (const char *)sqlite3_column_text(st, 1)) != 0 ||
		    rows_strlist_add(&ab, (const char *)sqlite3_column_text(st, 2)) != 0)
			break;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		goto out;
	if (ix->nrules == 0) {
		ret = DB_OK;
		goto out;
	}
	if ((st = db_stmt(tags)) == NULL)
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		const char *tag = (const char *)sqlite3_column_text(st, 1);
		struct store_rule_peer *p;
		if (ix->npeers == 0 || strcmp(ix->peers[ix->npeers - 1].id, id) != 0) {
			if (ix->npeers == cap) {
				size_t ncap = cap ? cap * 2 : 64;
				struct store_rule_peer *nv = realloc(ix->peers, ncap * sizeof(*nv));
				if (nv == NULL)
					break;
				ix->peers = nv;
				cap = ncap;
			}
			p = &ix->peers[ix->npeers++];
			memset(p, 0, sizeof(*p));
			snprintf(p->id, sizeof(p->id), "%s", id);
		}
		p = &ix->peers[ix->npeers - 1];
		for (size_t r = 0; r < ix->nrules; r++) {
			if (strcmp(ab.v[2 * r], tag) == 0)
				p->ma[r / 64] |= UINT64_C(1) << (r % 64);
			if (strcmp(ab.v[2 * r + 1], tag) == 0)
				p->mb[r / 64] |= UINT64_C(1) << (r % 64);
		}
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		ret = DB_OK;
out:
	rows_strlist_free(&ab);
	if (ret != DB_OK)
		store_rule_index_free(ix);
	return ret;
}

int
store_rule_index_pair(const struct store_rule_index *ix, const char *a, const char *b,
                      struct strlist *out)
{
	struct store_rule_peer key, *x, *y;
	char buf[24];

	if (ix->npeers == 0)
		return DB_OK;
	snprintf(key.id, sizeof(key.id), "%s", a);
	x = bsearch(&key, ix->peers, ix->npeers, sizeof(key), rule_peer_cmp);
	snprintf(key.id, sizeof(key.id), "%s", b);
	y = bsearch(&key, ix->peers, ix->npeers, sizeof(key), rule_peer_cmp);
	if (x == NULL || y == NULL)
		return DB_OK;
	for (size_t r = 0; r < ix->nrules; r++) {
		uint64_t bit = UINT64_C(1) << (r % 64);
		size_t w = r / 64;
		if (((x->ma[w] & y->mb[w]) | (x->mb[w] & y->ma[w])) & bit) {
			snprintf(buf, sizeof(buf), "%lld", (long long)ix->rule_ids[r]);
			if (rows_strlist_add(out, buf) != 0)
				return DB_ERROR;
		}
	}
	return DB_OK;
}

void
store_rule_index_free(struct store_rule_index *ix)
{
	if (ix == NULL)
		return;
	free(ix->peers);
	ix->peers = NULL;
	ix->npeers = 0;
	ix->nrules = 0;
}

int
store_tags_set(const char *id, const struct strlist *tags)
{
	static const char del[] = "DELETE FROM peer_tags WHERE peer_id = ?1";
	static const char ins[] = "INSERT INTO peer_tags (peer_id, tag) VALUES (?1, ?2)";
	sqlite3_stmt *st;

	if ((st = db_stmt(del)) == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (db_exec_stmt(st) != DB_OK)
		return DB_ERROR;
	for (size_t i = 0; i < tags->n; i++) {
		if ((st = db_stmt(ins)) == NULL)
			return DB_ERROR;
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, tags->v[i], -1, SQLITE_STATIC);
		if (db_exec_stmt(st) != DB_OK)
			return DB_ERROR;
	}
	/* Its tags are in its record, in nobody's config. */
	return store_revisions_touch(id);
}

/* Deletes the pairs (a, b) rows of st yields (bound by the caller); *dropped
 * (may be NULL) counts them. */
static int
drop_pairs(sqlite3_stmt *st, size_t *dropped)
{
	struct strlist gone = { 0 };
	int rc, status = DB_OK;

	if (st == NULL)
		return DB_ERROR;
	/* Read first, delete after: no write under an open read of the table. */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (rows_strlist_add(&gone, (const char *)sqlite3_column_text(st, 0)) != 0 ||
		    rows_strlist_add(&gone, (const char *)sqlite3_column_text(st, 1)) != 0)
			break;
	sqlite3_reset(st);
	if (rc != SQLITE_DONE || gone.n % 2 != 0) {
		status = DB_ERROR;
		goto out;
	}
	for (size_t i = 0; i + 1 < gone.n && status == DB_OK; i += 2)
		if (store_pair_delete(gone.v[i], gone.v[i + 1]) != DB_OK)
			status = DB_ERROR;
	if (status != DB_OK)
		goto out;
	if (dropped != NULL)
		*dropped += gone.n / 2;
out:
	rows_strlist_free(&gone);
	return status;
}

int
store_rule_size(const char *a, const char *b, int64_t *n)
{
	static const char sql[] =
		"SELECT (SELECT count(*) FROM peer_tags t JOIN peers p ON p.id = t.peer_id"
		"        WHERE t.tag = ?1 AND p.state = 'accepted'),"
		"       (SELECT count(*) FROM peer_tags t JOIN peers p ON p.id = t.peer_id"
		"        WHERE t.tag = ?2 AND p.state = 'accepted'),"
		"       (SELECT count(*) FROM peer_tags t JOIN peer_tags u"
		"        ON u.peer_id = t.peer_id AND u.tag = ?2 JOIN peers p ON p.id = t.peer_id"
		"        WHERE t.tag = ?1 AND p.state = 'accepted')";
	sqlite3_stmt *st = db_stmt(sql);
	int64_t na, nb, both;
	int rc;

	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	na = sqlite3_column_int64(st, 0);
	nb = sqlite3_column_int64(st, 1);
	both = sqlite3_column_int64(st, 2);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return DB_ERROR;
	/* Ordered pairs x in A, y in B, x != y; a pair with both ends in A and
	 * B was counted twice. For a = b: na * (na - 1) / 2. */
	*n = na * nb - both - both * (both - 1) / 2;
	return DB_OK;
}

/* Too many pairs for a request: (re)starts the job of every rule peer id's
 * tags take part in; each finds the pairs missing and makes them. */
static int
defer_rules_of(const char *id)
{
	static const char sql[] =
		"SELECT id, a, b FROM rules"
		" WHERE a IN (SELECT tag FROM peer_tags WHERE peer_id = ?1)"
		" OR b IN (SELECT tag FROM peer_tags WHERE peer_id = ?1) ORDER BY id";
	struct strlist rules = { 0 };
	sqlite3_stmt *st = db_stmt(sql);
	int rc, status = DB_OK;

	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (rows_strlist_add(&rules, (const char *)sqlite3_column_text(st, 0)) != 0 ||
		    rows_strlist_add(&rules, (const char *)sqlite3_column_text(st, 1)) != 0 ||
		    rows_strlist_add(&rules, (const char *)sqlite3_column_text(st, 2)) != 0)
			break;
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		status = DB_ERROR;
	for (size_t i = 0; status == DB_OK && i + 2 < rules.n; i += 3) {
		int64_t n;
		if (store_rule_size(rules.v[i + 1], rules.v[i + 2], &n) != DB_OK ||
		    store_job_start(strtoll(rules.v[i], NULL, 10), n, store_now()) != DB_OK)
			status = DB_ERROR;
	}
	rows_strlist_free(&rules);
	return status;
}

int
store_rules_sync_peer(const char *id, size_t *changed, int *deferred)
{
	static const char stale[] =
		"SELECT a, b FROM pairs p WHERE a = ?1 AND explicit = 0"
		" AND NOT " IMPLIED("p.a", "p.b")
		" UNION ALL "
		"SELECT a, b FROM pairs p WHERE b = ?1 AND explicit = 0"
		" AND NOT " IMPLIED("p.a", "p.b");
	static const char missing[] =
		/* +q.state: found from the tags' peers, never by reading every
		 * accepted peer (the index on state) */
		"SELECT q.id, q.public_key FROM peers q WHERE +q.state = 'accepted' AND q.id != ?1"
		" AND q.id IN (SELECT y.peer_id FROM peer_tags x JOIN rules r ON r.a = x.tag"
		"              JOIN peer_tags y ON y.tag = r.b WHERE x.peer_id = ?1"
		"              UNION SELECT y.peer_id FROM peer_tags x JOIN rules r ON r.b = x.tag"
		"              JOIN peer_tags y ON y.tag = r.a WHERE x.peer_id = ?1)"
		" AND NOT EXISTS (SELECT 1 FROM pairs"
		"                 WHERE a = min(?1, q.id) AND b = max(?1, q.id))"
		" ORDER BY q.id";
	struct end_list add = { 0 };
	struct end self;
	struct peer p;
	sqlite3_stmt *st;
	int64_t now = store_now();
	size_t dropped = 0;
	int rc, status;

	if (changed != NULL)
		*changed = 0;
	*deferred = 0;
	if ((status = store_peer_row(&p, id)) != DB_OK || !p.accepted)
		goto out;
	snprintf(self.id, sizeof(self.id), "%s", p.id);
	snprintf(self.pk, sizeof(self.pk), "%s", p.public_key);
	if ((st = db_stmt(stale)) != NULL)
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if ((status = drop_pairs(st, &dropped)) != DB_OK)
		goto out;
	if ((st = db_stmt(missing)) == NULL) {
		status = DB_ERROR;
		goto out;
	}
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (ends_add(&add, (const char *)sqlite3_column_text(st, 0),
		             (const char *)sqlite3_column_text(st, 1)) != 0)
			break;
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		status = DB_ERROR;
		goto out;
	}
	if (add.n > RULE_INLINE_MAX) {
		*deferred = 1;
		add.n = 0;
		if ((status = defer_rules_of(id)) != DB_OK)
			goto out;
	}
	for (size_t i = 0; i < add.n; i++) {
		const struct end *o = &add.v[i];
		int first = strcmp(id, o->id) < 0;
		if ((status = make_pair(first ? &self : o, first ? o : &self, now)) != DB_OK)
			goto out;
	}
	if (changed != NULL)
		*changed = dropped + add.n;
	status = DB_OK;
out:
	free(add.v);
	rows_peer_free(&p);
	return status;
}

static void
read_rule(struct rule *r, sqlite3_stmt *st)
{
	memset(r, 0, sizeof(*r));
	sql_copy_col(r->id, sizeof(r->id), st, 0);
	sql_copy_col(r->a, sizeof(r->a), st, 1);
	sql_copy_col(r->b, sizeof(r->b), st, 2);
	r->created_at = sqlite3_column_int64(st, 3);
}

int
store_rule_list(const char *id, struct rule_list *out)
{
	static const char all[] = "SELECT id, a, b, created_at FROM rules ORDER BY id";
	static const char one[] = "SELECT id, a, b, created_at FROM rules WHERE id = ?1";
	sqlite3_stmt *st = db_stmt(id ? one : all);
	size_t cap = 0;
	int rc = SQLITE_ERROR;

	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return DB_ERROR;
	if (id != NULL)
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	/* Sizes are other statements: read the rows first. */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (out->n == cap) {
			struct rule *nv = realloc(out->v, (cap ? cap * 2 : 16) * sizeof(*nv));
			if (nv == NULL)
				break;
			out->v = nv;
			cap = cap ? cap * 2 : 16;
		}
		read_rule(&out->v[out->n++], st);
	}
	sqlite3_reset(st);
	for (size_t i = 0; rc == SQLITE_DONE && i < out->n; i++)
		if (store_rule_size(out->v[i].a, out->v[i].b, &out->v[i].pairs) != DB_OK)
			rc = SQLITE_ERROR;
	if (rc == SQLITE_DONE && (id == NULL || out->n == 1))
		return DB_OK;
	free(out->v);
	memset(out, 0, sizeof(*out));
	return rc == SQLITE_DONE ? DB_NOTFOUND : DB_ERROR;
}

int
store_rule_count(int64_t *n)
{
	sqlite3_stmt *st = db_stmt("SELECT count(*) FROM rules");
	int rc;

	if (st == NULL)
		return DB_ERROR;
	rc = sqlite3_step(st);
	*n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? DB_OK : DB_ERROR;
}

int
store_rule_find(const char *a, const char *b, char id[24])
{
	sqlite3_stmt *st = db_stmt("SELECT id FROM rules WHERE a = ?1 AND b = ?2");
	int rc;

	id[0] = '\0';
	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		sql_copy_col(id, 24, st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? DB_OK : rc == SQLITE_DONE ? DB_NOTFOUND : DB_ERROR;
}

/* Makes every pair the rule a-b implies that does not exist yet, each with
 * a fresh sealed PSK; the number made to *made. */
static int
rule_make_pairs(const char *a, const char *b, int64_t now, int64_t *made)
{
	static const char ends[] =
		"SELECT DISTINCT p.id, p.public_key FROM peer_tags t JOIN peers p ON p.id = t.peer_id"
		" WHERE t.tag IN (?1, ?2) AND p.state = 'accepted' ORDER BY p.id";
	static const char missing[] =
		"SELECT DISTINCT min(x.peer_id, y.peer_id), max(x.peer_id, y.peer_id)"
		" FROM peer_tags x JOIN peer_tags y ON y.tag = ?2 AND y.peer_id != x.peer_id"
		" JOIN peers px ON px.id = x.peer_id JOIN peers py ON py.id = y.peer_id"
		" WHERE x.tag = ?1 AND px.state = 'accepted' AND py.state = 'accepted'"
		" AND NOT EXISTS (SELECT 1 FROM pairs WHERE a = min(x.peer_id, y.peer_id)"
		"                 AND b = max(x.peer_id, y.peer_id))";
	struct end_list keys = { 0 };
	struct strlist todo = { 0 };
	sqlite3_stmt *st;
	int rc, status = DB_OK;

	/* Every accepted end's key, decoded once; then the pairs to make. */
	if ((st = db_stmt(ends)) == NULL) {
		status = DB_ERROR;
		goto out;
	}
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (ends_add(&keys, (const char *)sqlite3_column_text(st, 0),
		             (const char *)sqlite3_column_text(st, 1)) != 0)
			break;
	sqlite3_reset(st);
	if (rc != SQLITE_DONE || (st = db_stmt(missing)) == NULL) {
		status = DB_ERROR;
		goto out;
	}
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (rows_strlist_add(&todo, (const char *)sqlite3_column_text(st, 0)) != 0 ||
		    rows_strlist_add(&todo, (const char *)sqlite3_column_text(st, 1)) != 0)
			break;
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		status = DB_ERROR;
		goto out;
	}
	for (size_t i = 0; i + 1 < todo.n; i += 2) {
		const struct end *x = ends_find(&keys, todo.v[i]), *y = ends_find(&keys, todo.v[i + 1]);
		if (x == NULL || y == NULL) {
			status = DB_ERROR;
			goto out;
		}
		if ((status = make_pair(x, y, now)) != DB_OK)
			goto out;
	}
	*made = (int64_t)todo.n / 2;
out:
	free(keys.v);
	rows_strlist_free(&todo);
	return status;
}

int
store_rule_insert(const char *a, const char *b, int64_t now, char id[24], int64_t *made)
{
	static const char ins[] = "INSERT INTO rules (a, b, created_at) VALUES (?1, ?2, ?3)";
	sqlite3_stmt *st = db_stmt(ins);

	*made = 0;
	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	if (db_exec_stmt(st) != DB_OK)
		return DB_ERROR;
	snprintf(id, 24, "%lld", (long long)sqlite3_last_insert_rowid(db_handle()));
	return rule_make_pairs(a, b, now, made);
}

int
store_rule_insert_deferred(const char *a, const char *b, int64_t now, int64_t total,
                           char id[24])
{
	static const char ins[] = "INSERT INTO rules (a, b, created_at) VALUES (?1, ?2, ?3)";
	sqlite3_stmt *st = db_stmt(ins);
	int64_t rowid;

	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	if (db_exec_stmt(st) != DB_OK)
		return DB_ERROR;
	rowid = sqlite3_last_insert_rowid(db_handle());
	snprintf(id, 24, "%lld", (long long)rowid);
	return store_job_start(rowid, total, now);
}

int
store_rule_delete(int64_t id, char a[TAG_MAX + 1], char b[TAG_MAX + 1], size_t *dropped)
{
	static const char find[] = "SELECT a, b FROM rules WHERE id = ?1";
	static const char del[] = "DELETE FROM rules WHERE id = ?1";
	/* Rule pairs among the peers tagged a or b that no rule implies now. */
	static const char stale[] =
		"SELECT a, b FROM pairs p WHERE explicit = 0"
		" AND a IN (SELECT peer_id FROM peer_tags WHERE tag IN (?1, ?2))"
		" AND b IN (SELECT peer_id FROM peer_tags WHERE tag IN (?1, ?2))"
		" AND NOT " IMPLIED("p.a", "p.b");
	sqlite3_stmt *st = db_stmt(find);
	int rc;

	*dropped = 0;
	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		sql_copy_col(a, TAG_MAX + 1, st, 0);
		sql_copy_col(b, TAG_MAX + 1, st, 1);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return DB_NOTFOUND;
	if (rc != SQLITE_ROW || (st = db_stmt(del)) == NULL)
		return DB_ERROR;
	sqlite3_bind_int64(st, 1, id);
	if (db_exec_stmt(st) != DB_OK)
		return DB_ERROR;
	if ((st = db_stmt(stale)) != NULL) {
		sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	}
	return drop_pairs(st, dropped);
}

int
store_rule_import(const char *a, const char *b, int64_t now)
{
	static const char ins[] =
		"INSERT INTO rules (a, b, created_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING";
	sqlite3_stmt *st = db_stmt(ins);

	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	return db_exec_stmt(st) == DB_OK ? DB_OK : DB_ERROR;
}

/* Columns 0 and 1 of every row of sql, appended to out in turn. */
static int
two_columns(const char *sql, struct strlist *out)
{
	sqlite3_stmt *st = db_stmt(sql);
	int rc;

	if (st == NULL)
		return DB_ERROR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (rows_strlist_add(out, (const char *)sqlite3_column_text(st, 0)) != 0 ||
		    rows_strlist_add(out, (const char *)sqlite3_column_text(st, 1)) != 0)
			break;
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? DB_OK : DB_ERROR;
}

int
store_rule_tags(struct strlist *out)
{
	return two_columns("SELECT a, b FROM rules ORDER BY a, b", out);
}

int
store_pair_explicit_ends(struct strlist *out)
{
	return two_columns("SELECT a, b FROM pairs WHERE explicit = 1", out);
}
