/* SPDX-License-Identifier: MIT */
/* Pairs: which peers link to which, each with a preshared key sealed to both. */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "db.h"

/* A pair as the API shows it: its ends, when it was made, and why it
 * exists: an admin paired it (explicit) and/or rules imply it (their ids). */
static struct json_object *
pair_json(const char *a, const char *b, int64_t created, int explicit,
          struct json_object *rules)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "a", json_object_new_string(a));
	json_object_object_add(o, "b", json_object_new_string(b));
	json_object_object_add(o, "created_at", views_time(created));
	json_object_object_add(o, "explicit", json_object_new_boolean(explicit));
	json_object_object_add(o, "rules", rules ? rules : json_object_new_array());
	return o;
}

/* An id in a query value: 16 lowercase hex digits. */
static int
is_id(const char *s, size_t len)
{
	return len == PEER_ID_LEN - 1 && strspn(s, "0123456789abcdef") >= len;
}

/*
 * One page of pairs in key order (a, b): ?limit= (default 100, at most
 * 1000), ?cursor= (next_cursor of the page before: "A.B", the last pair
 * shown), ?peer= (only that peer's pairs). A keyset seek on the primary
 * key, so a page costs its rows; one row more than asked says whether
 * another page follows, and is not shown.
 */
int
api_admin_pairs_list(const struct request *req, struct response *res)
{
	static const char sql[] =
		"SELECT a, b, created_at, explicit FROM pairs WHERE (a, b) > (?1, ?2)"
		" AND (?3 IS NULL OR a = ?3 OR b = ?3) ORDER BY a, b LIMIT ?4";
	const char *cur = http_query(req, "cursor"), *peer = http_query(req, "peer"), *dot;
	char a[PEER_ID_LEN] = "", b[PEER_ID_LEN] = "", next[2 * PEER_ID_LEN + 1] = "";
	struct api_rule_index ix;
	struct json_object *arr = NULL, *o;
	sqlite3_stmt *st;
	size_t limit, n = 0;
	int rc, status;

	if ((status = api_page_limit(req, &limit, res)) != 0)
		return status;
	if (cur != NULL) {
		dot = strchr(cur, '.');
		if (dot == NULL || !is_id(cur, (size_t)(dot - cur)) || !is_id(dot + 1, strlen(dot + 1)))
			return http_error(res, 400, "invalid_cursor", "cursor \"%.40s\" is not one this "
			                  "server gave out: pass next_cursor back as it came", cur);
		memcpy(a, cur, PEER_ID_LEN - 1);
		memcpy(b, dot + 1, PEER_ID_LEN - 1);
	}
	if (peer != NULL && !is_id(peer, strlen(peer)))
		return http_error(res, 400, "invalid_peer", "peer must be a peer id");
	if (api_rule_index_load(&ix) != DB_OK || (st = db_stmt(sql)) == NULL) {
		status = api_db_error(res);
		goto out;
	}
	sqlite3_bind_text(st, 1, a, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, b, -1, SQLITE_TRANSIENT);
	if (peer != NULL)
		sqlite3_bind_text(st, 3, peer, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (int64_t)limit + 1);
	arr = json_object_new_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *pa = (const char *)sqlite3_column_text(st, 0);
		const char *pb = (const char *)sqlite3_column_text(st, 1);
		if (n++ == limit)
			continue;       /* the one row more: only says a page follows */
		snprintf(next, sizeof(next), "%s.%s", pa, pb);
		json_object_array_add(arr, pair_json(pa, pb, sqlite3_column_int64(st, 2),
		                                     sqlite3_column_int(st, 3),
		                                     api_rule_index_pair(&ix, pa, pb)));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		status = api_db_error(res);
		goto out;
	}
	o = json_object_new_object();
	json_object_object_add(o, "pairs", arr);
	arr = NULL;
	json_object_object_add(o, "next_cursor", n > limit ? json_object_new_string(next) : NULL);
	status = http_json(res, 200, o);
out:
	json_object_put(arr);
	api_rule_index_free(&ix);
	return status;
}

static int
load_row(struct peer *p, const char *id, struct response *res)
{
	int rc = store_peer_row(p, id);

	if (rc == DB_NOTFOUND)
		return http_error(res, 404, "peer_not_found", "no peer with id \"%.32s\"", id);
	return rc == DB_OK ? 0 : api_db_error(res);
}

/* Loads both ends, ordered a < b as stored: 0, or 400/404/409 in res. The
 * caller frees a and b in every case. */
static int
load_ends(const struct request *req, struct peer *a, struct peer *b, int need_accepted,
          struct response *res)
{
	const char *x = req->params[0], *y = req->params[1];
	int status;

	memset(a, 0, sizeof(*a));
	memset(b, 0, sizeof(*b));
	if (strcmp(x, y) == 0)
		return http_error(res, 400, "pair_self", "a peer cannot be paired with itself");
	if (strcmp(x, y) > 0) {
		const char *t = x;
		x = y;
		y = t;
	}
	/* The rows alone: a hub's pairs list (every other peer) is not needed
	 * to pair it once more. */
	if ((status = load_row(a, x, res)) != 0 || (status = load_row(b, y, res)) != 0)
		return status;
	if (need_accepted && (!a->accepted || !b->accepted))
		return http_error(res, 409, "peer_pending", "peer %s is pending: accept it first",
		                  a->accepted ? b->id : a->id);
	return 0;
}

int
api_pair_insert(const char *a, const uint8_t pka[KEYS_LEN], const char *b,
                const uint8_t pkb[KEYS_LEN], int explicit, int64_t now, struct response *res)
{
	static const char ins[] =
		"INSERT INTO pairs (a, b, psk_box_a, psk_box_b, created_at, explicit)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
	uint8_t psk[KEYS_LEN], boxa[KEYS_SEALED_LEN], boxb[KEYS_SEALED_LEN];
	sqlite3_stmt *st;
	int rc;

	/* The key exists in the clear only here, for the two seals. */
	keys_random(psk, sizeof(psk));
	rc = keys_seal(boxa, psk, pka) != 0 || keys_seal(boxb, psk, pkb) != 0;
	keys_wipe(psk, sizeof(psk));
	if (rc)
		return http_error(res, 500, "seal_failed", "the preshared key could not be sealed");
	if ((st = db_stmt(ins)) == NULL)
		return api_db_error(res);
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, boxa, sizeof(boxa), SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, boxb, sizeof(boxb), SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now);
	sqlite3_bind_int(st, 6, explicit != 0);
	if (db_exec_stmt(st) != DB_OK || store_revisions_touch(a) != DB_OK ||
	    store_revisions_touch(b) != DB_OK)
		return api_db_error(res);
	return 0;
}

/* An explicit pair: an admin's, or an imported one. */
int
api_insert_pair(const struct peer *a, const struct peer *b, int64_t now, struct response *res)
{
	uint8_t pka[KEYS_LEN], pkb[KEYS_LEN];

	if (keys_b64_decode_key(pka, a->public_key) != 0 ||
	    keys_b64_decode_key(pkb, b->public_key) != 0)
		return api_db_error(res);
	return api_pair_insert(a->id, pka, b->id, pkb, 1, now, res);
}

/* The pair view of a and b as stored now. */
static int
answer_pair(const char *a, const char *b, int status, struct response *res)
{
	static const char find[] = "SELECT created_at, explicit FROM pairs WHERE a = ?1 AND b = ?2";
	struct json_object *rules = NULL;
	sqlite3_stmt *st;
	int64_t created;
	int rc, explicit;

	if ((st = db_stmt(find)) == NULL)
		return api_db_error(res);
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	created = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	explicit = rc == SQLITE_ROW ? sqlite3_column_int(st, 1) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW || api_pair_rules(a, b, &rules) != DB_OK)
		return api_db_error(res);
	return http_json(res, status, pair_json(a, b, created, explicit, rules));
}

/* Whether a and b (a < b) are paired: DB_OK with *explicit (the admin
 * made it, not only rules), DB_NOTFOUND, or DB_ERROR. */
static int
pair_find(const char *a, const char *b, int *explicit)
{
	static const char find[] = "SELECT explicit FROM pairs WHERE a = ?1 AND b = ?2";
	sqlite3_stmt *st = db_stmt(find);
	int rc;

	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	*explicit = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? DB_OK : rc == SQLITE_DONE ? DB_NOTFOUND : DB_ERROR;
}

/* Runs sql (a static statement over ?1 = a, ?2 = b) on the pair a-b:
 * DB_OK or DB_ERROR. */
static int
pair_exec(const char *sql, const char *a, const char *b)
{
	sqlite3_stmt *st = db_stmt(sql);

	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	return db_exec_stmt(st) == DB_OK ? DB_OK : DB_ERROR;
}

/* Pairs a and b: a fresh pair (201), or makes a pair that only rules
 * implied explicit, so that it stays when they go (200). */
int
api_admin_pair_put(const struct request *req, struct response *res)
{
	static const char mark[] = "UPDATE pairs SET explicit = 1 WHERE a = ?1 AND b = ?2";
	struct json_object *detail;
	struct peer a, b;
	int64_t now = store_now();
	int status, rc, explicit;

	if ((status = load_ends(req, &a, &b, 1, res)) != 0)
		goto out;
	rc = pair_find(a.id, b.id, &explicit);
	if (rc == DB_OK && explicit) {
		/* Already paired: nothing changes, nothing is logged. */
		status = answer_pair(a.id, b.id, 200, res);
		goto out;
	}
	if (rc == DB_OK) {
		/* Made by rules: now also the admin's. Nothing a peer sees changes. */
		if (pair_exec(mark, a.id, b.id) != DB_OK) {
			status = api_db_error(res);
			goto out;
		}
		detail = json_object_new_object();
		json_object_object_add(detail, "with", json_object_new_string(b.id));
		api_log(res, "pair.explicit", a.id, detail, NULL);
		status = answer_pair(a.id, b.id, 200, res);
		goto out;
	}
	if (rc != DB_NOTFOUND) {
		status = api_db_error(res);
		goto out;
	}
	if ((status = api_insert_pair(&a, &b, now, res)) != 0)
		goto out;
	detail = json_object_new_object();
	json_object_object_add(detail, "with", json_object_new_string(b.id));
	api_log(res, "pair.create", a.id, detail, NULL);
	status = answer_pair(a.id, b.id, 201, res);
out:
	rows_peer_free(&a);
	rows_peer_free(&b);
	return status;
}

/*
 * Unpairs a and b. A pair that rules also imply stays, no longer explicit
 * (200 with its view: it goes when they stop implying it); a pair that only
 * rules imply cannot be unpaired by hand (409 naming them).
 */
int
api_admin_pair_delete(const struct request *req, struct response *res)
{
	static const char del[] = "DELETE FROM pairs WHERE a = ?1 AND b = ?2";
	static const char unmark[] = "UPDATE pairs SET explicit = 0 WHERE a = ?1 AND b = ?2";
	struct json_object *detail, *rules = NULL;
	struct peer a, b;
	int status, rc, explicit, implied;

	if ((status = load_ends(req, &a, &b, 0, res)) != 0)
		goto out;
	rc = pair_find(a.id, b.id, &explicit);
	if (rc == DB_NOTFOUND) {
		status = http_error(res, 404, "not_paired", "peers %s and %s are not paired",
		                    a.id, b.id);
		goto out;
	}
	if (rc != DB_OK || api_pair_rules(a.id, b.id, &rules) != DB_OK) {
		status = api_db_error(res);
		goto out;
	}
	implied = json_object_array_length(rules) > 0;
	if (implied && !explicit) {
		status = http_error(res, 409, "paired_by_rule", "peers %s and %s are paired by "
		                    "rule %s: delete the rule or a tag instead", a.id, b.id,
		                    json_object_get_string(json_object_array_get_idx(rules, 0)));
		goto out;
	}
	if (pair_exec(implied ? unmark : del, a.id, b.id) != DB_OK) {
		status = api_db_error(res);
		goto out;
	}
	detail = json_object_new_object();
	json_object_object_add(detail, "with", json_object_new_string(b.id));
	if (implied) {
		/* Still paired, by rules: nobody's config changes. */
		json_object_object_add(detail, "kept_by_rules", json_object_get(rules));
		api_log(res, "pair.delete", a.id, detail, NULL);
		status = answer_pair(a.id, b.id, 200, res);
		goto out;
	}
	if (store_revisions_touch(a.id) != DB_OK || store_revisions_touch(b.id) != DB_OK) {
		json_object_put(detail);
		status = api_db_error(res);
		goto out;
	}
	api_log(res, "pair.delete", a.id, detail, NULL);
	res->status = status = 204;
out:
	json_object_put(rules);
	rows_peer_free(&a);
	rows_peer_free(&b);
	return status;
}
