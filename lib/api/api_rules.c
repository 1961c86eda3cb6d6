/* SPDX-License-Identifier: MIT */
/*
 * Tags and rules: pairing at scale. A peer carries tags; a rule {a, b}
 * pairs every accepted peer tagged a with every accepted peer tagged b (a
 * full mesh of the tag when a = b). The pairs rules imply are stored like
 * any pair, each with a fresh preshared key sealed to both ends (the same
 * code as an admin's pair), but not explicit: they go when no rule implies
 * them any more, while an explicit pair stays whatever the rules say.
 *
 * The invariant every write here keeps, for the peers it touches:
 *   pairs = explicit pairs  ∪  pairs some rule implies between accepted peers
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "db.h"
#include "text.h"

/*
 * A rule may imply at most this many pairs. Each pair costs two sealed
 * boxes (each an X25519 key pair and a scalar multiplication), and a rule
 * makes its pairs in one request, which must end well inside nginx's 60 s
 * fastcgi_read_timeout: 4,950 pairs took 2.7 s (t2600, a shared 2-core
 * machine), so 20,000 take some 11 s and 100,000 would take about a
 * minute. 20,000 is also the budget (1,000 peers, 20,000 pairs).
 */
#define RULE_PAIRS_MAX  20000
#define RULE_WORDS      (API_RULES_MAX / 64)

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

/* Pairs x and y (x < y), not explicitly, and notes both in changed. */
static int
make_pair(const struct end *x, const struct end *y, int64_t now, struct strlist *changed,
          struct response *res)
{
	uint8_t pkx[KEYS_LEN], pky[KEYS_LEN];
	int status;

	if (keys_b64_decode_key(pkx, x->pk) != 0 || keys_b64_decode_key(pky, y->pk) != 0)
		return api_db_error(res);
	if ((status = api_pair_insert(x->id, pkx, y->id, pky, 0, now, res)) != 0)
		return status;
	if (rows_strlist_add(changed, x->id) != 0 || rows_strlist_add(changed, y->id) != 0)
		return api_db_error(res);
	return 0;
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

static int
str_cmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Deletes the pairs (a, b) rows of st yields (bound by the caller), noting
 * both ends in changed. 0, or an error status. */
static int
drop_pairs(sqlite3_stmt *st, struct strlist *changed, size_t *dropped, struct response *res)
{
	static const char del[] = "DELETE FROM pairs WHERE a = ?1 AND b = ?2";
	struct strlist gone = { 0 };
	int rc, status = 0;

	if (st == NULL)
		return api_db_error(res);
	/* Read first, delete after: no write under an open read of the table. */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (rows_strlist_add(&gone, (const char *)sqlite3_column_text(st, 0)) != 0 ||
		    rows_strlist_add(&gone, (const char *)sqlite3_column_text(st, 1)) != 0)
			break;
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		status = api_db_error(res);
		goto out;
	}
	for (size_t i = 0; i + 1 < gone.n; i += 2) {
		sqlite3_stmt *d = db_stmt(del);
		if (d == NULL) {
			status = api_db_error(res);
			goto out;
		}
		sqlite3_bind_text(d, 1, gone.v[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(d, 2, gone.v[i + 1], -1, SQLITE_STATIC);
		if (db_exec_stmt(d) != DB_OK ||
		    store_revisions_touch(gone.v[i]) != DB_OK ||
		    store_revisions_touch(gone.v[i + 1]) != DB_OK ||
		    rows_strlist_add(changed, gone.v[i]) != 0 ||
		    rows_strlist_add(changed, gone.v[i + 1]) != 0) {
			status = api_db_error(res);
			goto out;
		}
	}
	if (dropped != NULL)
		*dropped += gone.n / 2;
out:
	rows_strlist_free(&gone);
	return status;
}

/* How many pairs rule {a, b} implies among the accepted peers now. */
static int
rule_size(const char *a, const char *b, int64_t *n)
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

/* 409 when a rule that peer id's tags take part in would imply more than
 * RULE_PAIRS_MAX pairs. */
static int
check_rules_of(const char *id, struct response *res)
{
	static const char sql[] =
		"SELECT id, a, b FROM rules"
		" WHERE a IN (SELECT tag FROM peer_tags WHERE peer_id = ?1)"
		" OR b IN (SELECT tag FROM peer_tags WHERE peer_id = ?1) ORDER BY id";
	struct strlist rules = { 0 };
	sqlite3_stmt *st = db_stmt(sql);
	int rc, status = 0;

	if (st == NULL)
		return api_db_error(res);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (rows_strlist_add(&rules, (const char *)sqlite3_column_text(st, 0)) != 0 ||
		    rows_strlist_add(&rules, (const char *)sqlite3_column_text(st, 1)) != 0 ||
		    rows_strlist_add(&rules, (const char *)sqlite3_column_text(st, 2)) != 0)
			break;
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		status = api_db_error(res);
	for (size_t i = 0; status == 0 && i + 2 < rules.n; i += 3) {
		int64_t n;
		if (rule_size(rules.v[i + 1], rules.v[i + 2], &n) != DB_OK)
			status = api_db_error(res);
		else if (n > RULE_PAIRS_MAX)
			status = http_error(res, 409, "rule_too_large",
			                    "rule %s (%s, %s) would make %lld pairs, more than %d",
			                    rules.v[i], rules.v[i + 1], rules.v[i + 2], (long long)n,
			                    RULE_PAIRS_MAX);
	}
	rows_strlist_free(&rules);
	return status;
}

int
api_rules_sync_peer(const char *id, struct strlist *changed, struct response *res)
{
	static const char stale[] =
		"SELECT a, b FROM pairs p WHERE a = ?1 AND explicit = 0"
		" AND NOT " IMPLIED("p.a", "p.b")
		" UNION ALL "
		"SELECT a, b FROM pairs p WHERE b = ?1 AND explicit = 0"
		" AND NOT " IMPLIED("p.a", "p.b");
	static const char missing[] =
		"SELECT q.id, q.public_key FROM peers q WHERE q.state = 'accepted' AND q.id != ?1"
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
	int rc, status;

	if ((status = api_load_peer(&p, id, res)) != 0 || !p.accepted)
		goto out;
	snprintf(self.id, sizeof(self.id), "%s", p.id);
	snprintf(self.pk, sizeof(self.pk), "%s", p.public_key);
	if ((st = db_stmt(stale)) != NULL)
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if ((status = drop_pairs(st, changed, NULL, res)) != 0)
		goto out;
	if ((st = db_stmt(missing)) == NULL) {
		status = api_db_error(res);
		goto out;
	}
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (ends_add(&add, (const char *)sqlite3_column_text(st, 0),
		             (const char *)sqlite3_column_text(st, 1)) != 0)
			break;
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		status = api_db_error(res);
		goto out;
	}
	if (add.n > 0 && (status = check_rules_of(id, res)) != 0)
		goto out;
	for (size_t i = 0; i < add.n; i++) {
		const struct end *o = &add.v[i];
		int first = strcmp(id, o->id) < 0;
		status = make_pair(first ? &self : o, first ? o : &self, now, changed, res);
		if (status != 0)
			goto out;
	}
	status = 0;
out:
	free(add.v);
	rows_peer_free(&p);
	return status;
}

int
api_tags_parse(struct json_object *v, struct strlist *out, struct response *res)
{
	size_t n;

	memset(out, 0, sizeof(*out));
	if (v == NULL || !json_object_is_type(v, json_type_array))
		return http_error(res, 400, "invalid_tags", "tags must be a list of strings");
	n = json_object_array_length(v);
	if (n > TAGS_MAX)
		return http_error(res, 400, "invalid_tags", "at most %d tags on a peer, not %zu",
		                  TAGS_MAX, n);
	for (size_t i = 0; i < n; i++) {
		struct json_object *t = json_object_array_get_idx(v, i);
		const char *s = json_object_is_type(t, json_type_string) ?
		                json_object_get_string(t) : NULL;
		char shown[72];
		if (s == NULL || !rows_tag_valid(s)) {
			rows_strlist_free(out);
			return http_error(res, 400, "invalid_tag", "tag \"%s\" is not 1-%d of a-z, "
			                  "0-9, '_' or '-'", s ? text_printable(s, shown, 40) :
			                  "(not a string)", TAG_MAX);
		}
		for (size_t j = 0; j < out->n; j++) {
			if (strcmp(out->v[j], s) == 0) {
				rows_strlist_free(out);
				return http_error(res, 400, "invalid_tag", "tag \"%s\" is listed twice", s);
			}
		}
		if (rows_strlist_add(out, s) != 0) {
			rows_strlist_free(out);
			return api_db_error(res);
		}
	}
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), str_cmp);
	return 0;
}

int
api_tags_store(const char *id, const struct strlist *tags, struct response *res)
{
	static const char del[] = "DELETE FROM peer_tags WHERE peer_id = ?1";
	static const char ins[] = "INSERT INTO peer_tags (peer_id, tag) VALUES (?1, ?2)";
	sqlite3_stmt *st;

	if ((st = db_stmt(del)) == NULL)
		return api_db_error(res);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (db_exec_stmt(st) != DB_OK)
		return api_db_error(res);
	for (size_t i = 0; i < tags->n; i++) {
		if ((st = db_stmt(ins)) == NULL)
			return api_db_error(res);
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, tags->v[i], -1, SQLITE_STATIC);
		if (db_exec_stmt(st) != DB_OK)
			return api_db_error(res);
	}
	return 0;
}

int
api_pair_rules(const char *a, const char *b, struct json_object **out)
{
	static const char sql[] =
		"SELECT DISTINCT r.id FROM peer_tags ta JOIN peer_tags tb ON tb.peer_id = ?2"
		" JOIN rules r ON (r.a = ta.tag AND r.b = tb.tag) OR (r.a = tb.tag AND r.b = ta.tag)"
		" WHERE ta.peer_id = ?1 ORDER BY r.id";
	sqlite3_stmt *st = db_stmt(sql);
	int rc;

	*out = NULL;
	if (st == NULL)
		return DB_ERROR;
	*out = json_object_new_array();
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_object_array_add(*out, json_object_new_string(
		                      (const char *)sqlite3_column_text(st, 0)));
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return DB_OK;
	json_object_put(*out);
	*out = NULL;
	return DB_ERROR;
}

/* ---- the index of which rules pair whom, for listing every pair ---- */

struct api_rule_peer {
	char id[PEER_ID_LEN];
	uint64_t ma[RULE_WORDS], mb[RULE_WORDS];   /* bit r: has rule r's tag a / b */
};

static int
rule_peer_cmp(const void *x, const void *y)
{
	return strcmp(((const struct api_rule_peer *)x)->id, ((const struct api_rule_peer *)y)->id);
}

int
api_rule_index_load(struct api_rule_index *ix)
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
	/* The server never keeps more than API_RULES_MAX: one more is an error. */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && ix->nrules < API_RULES_MAX) {
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
		struct api_rule_peer *p;
		if (ix->npeers == 0 || strcmp(ix->peers[ix->npeers - 1].id, id) != 0) {
			if (ix->npeers == cap) {
				size_t ncap = cap ? cap * 2 : 64;
				struct api_rule_peer *nv = realloc(ix->peers, ncap * sizeof(*nv));
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
		api_rule_index_free(ix);
	return ret;
}

struct json_object *
api_rule_index_pair(const struct api_rule_index *ix, const char *a, const char *b)
{
	struct json_object *arr = json_object_new_array();
	struct api_rule_peer key, *x, *y;
	char buf[24];

	if (ix->npeers == 0)
		return arr;
	snprintf(key.id, sizeof(key.id), "%s", a);
	x = bsearch(&key, ix->peers, ix->npeers, sizeof(key), rule_peer_cmp);
	snprintf(key.id, sizeof(key.id), "%s", b);
	y = bsearch(&key, ix->peers, ix->npeers, sizeof(key), rule_peer_cmp);
	if (x == NULL || y == NULL)
		return arr;
	for (size_t r = 0; r < ix->nrules; r++) {
		uint64_t bit = UINT64_C(1) << (r % 64);
		size_t w = r / 64;
		if (((x->ma[w] & y->mb[w]) | (x->mb[w] & y->ma[w])) & bit) {
			snprintf(buf, sizeof(buf), "%lld", (long long)ix->rule_ids[r]);
			json_object_array_add(arr, json_object_new_string(buf));
		}
	}
	return arr;
}

void
api_rule_index_free(struct api_rule_index *ix)
{
	if (ix == NULL)
		return;
	free(ix->peers);
	ix->peers = NULL;
	ix->npeers = 0;
	ix->nrules = 0;
}

/* ---- the routes ---- */

static struct json_object *
rule_json(sqlite3_stmt *st, int64_t pairs)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_string(
	                       (const char *)sqlite3_column_text(st, 0)));
	json_object_object_add(o, "a", json_object_new_string(
	                       (const char *)sqlite3_column_text(st, 1)));
	json_object_object_add(o, "b", json_object_new_string(
	                       (const char *)sqlite3_column_text(st, 2)));
	json_object_object_add(o, "created_at", views_time(sqlite3_column_int64(st, 3)));
	json_object_object_add(o, "pairs", json_object_new_int64(pairs));
	return o;
}

/* One rule ({id, a, b, created_at, pairs: how many it implies now}), or
 * every rule when id is NULL ({"rules": [...]}). */
static int
answer_rules(const char *id, int status, struct response *res)
{
	static const char all[] = "SELECT id, a, b, created_at FROM rules ORDER BY id";
	static const char one[] = "SELECT id, a, b, created_at FROM rules WHERE id = ?1";
	struct json_object *arr = json_object_new_array(), *o;
	sqlite3_stmt *st = db_stmt(id ? one : all);
	int rc = SQLITE_ERROR;

	if (st == NULL)
		goto fail;
	if (id != NULL)
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	/* Sizes are other statements: read the rows first. */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_object_array_add(arr, rule_json(st, 0));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		goto fail;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *r = json_object_array_get_idx(arr, i);
		int64_t n;
		if (rule_size(text_json_str(r, "a"), text_json_str(r, "b"), &n) != DB_OK)
			goto fail;
		json_object_object_add(r, "pairs", json_object_new_int64(n));
	}
	if (id == NULL) {
		o = json_object_new_object();
		json_object_object_add(o, "rules", arr);
		return http_json(res, status, o);
	}
	if (json_object_array_length(arr) != 1)
		goto fail;
	o = json_object_get(json_object_array_get_idx(arr, 0));
	json_object_put(arr);
	return http_json(res, status, o);
fail:
	json_object_put(arr);
	return api_db_error(res);
}

int
api_admin_rules_list(const struct request *req, struct response *res)
{
	(void)req;
	return answer_rules(NULL, 200, res);
}

/* A tag field of a rule body: 0, or 400 naming it. */
static int
rule_tag(struct json_object *body, const char *key, const char **out, struct response *res)
{
	struct json_object *v;
	char shown[72];

	if (!json_object_object_get_ex(body, key, &v))
		return http_error(res, 400, "missing_field", "\"%s\" is required", key);
	if (v == NULL || !json_object_is_type(v, json_type_string) ||
	    !rows_tag_valid(json_object_get_string(v)))
		return http_error(res, 400, "invalid_tag", "\"%s\" must be a tag (1-%d of a-z, "
		                  "0-9, '_' or '-'), not %s", key, TAG_MAX,
		                  v && json_object_is_type(v, json_type_string) ?
		                  text_printable(json_object_get_string(v), shown, 40) :
		                  json_object_to_json_string(v));
	*out = json_object_get_string(v);
	return 0;
}

/* Whether a rule pairing a with b may be made: room for one more rule, no
 * such rule yet, and not more pairs than RULE_PAIRS_MAX. 0, or the status. */
static int
rule_admissible(const char *a, const char *b, struct response *res)
{
	static const char nrules[] = "SELECT count(*) FROM rules";
	static const char find[] = "SELECT id FROM rules WHERE a = ?1 AND b = ?2";
	sqlite3_stmt *st;
	int64_t n, count;
	char id[24];
	int rc;

	if ((st = db_stmt(nrules)) == NULL)
		return api_db_error(res);
	rc = sqlite3_step(st);
	count = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return api_db_error(res);
	if (count >= API_RULES_MAX)
		return http_error(res, 409, "too_many_rules", "there are %d rules already, the most "
		                  "this server keeps", API_RULES_MAX);
	if ((st = db_stmt(find)) == NULL)
		return api_db_error(res);
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		snprintf(id, sizeof(id), "%lld", (long long)sqlite3_column_int64(st, 0));
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return http_error(res, 409, "rule_exists", "rule %s already pairs %s with %s", id, a, b);
	if (rc != SQLITE_DONE)
		return api_db_error(res);
	if (rule_size(a, b, &n) != DB_OK)
		return api_db_error(res);
	if (n > RULE_PAIRS_MAX)
		return http_error(res, 409, "rule_too_large", "a rule pairing %s with %s would make "
		                  "%lld pairs, more than %d", a, b, (long long)n, RULE_PAIRS_MAX);
	return 0;
}

/* Makes every pair the rule a-b implies that does not exist yet, each with
 * a fresh sealed PSK; the peers whose pairs changed go to *changed, the
 * number made to *made. 0, or the status. */
static int
rule_make_pairs(const char *a, const char *b, int64_t now, struct strlist *changed,
                int64_t *made, struct response *res)
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
	int rc, status = 0;

	/* Every accepted end's key, decoded once; then the pairs to make. */
	if ((st = db_stmt(ends)) == NULL) {
		status = api_db_error(res);
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
		status = api_db_error(res);
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
		status = api_db_error(res);
		goto out;
	}
	for (size_t i = 0; i + 1 < todo.n; i += 2) {
		const struct end *x = ends_find(&keys, todo.v[i]), *y = ends_find(&keys, todo.v[i + 1]);
		if (x == NULL || y == NULL) {
			status = api_db_error(res);
			goto out;
		}
		if ((status = make_pair(x, y, now, changed, res)) != 0)
			goto out;
	}
	*made = (int64_t)todo.n / 2;
out:
	free(keys.v);
	rows_strlist_free(&todo);
	return status;
}

int
api_admin_rule_create(const struct request *req, struct response *res)
{
	static const char ins[] = "INSERT INTO rules (a, b, created_at) VALUES (?1, ?2, ?3)";
	struct strlist changed = { 0 };
	struct json_object *detail;
	const char *a, *b;
	sqlite3_stmt *st;
	int64_t now = store_now(), made = 0;
	char id[24];
	int status;

	if ((status = rule_tag(req->json, "a", &a, res)) != 0 ||
	    (status = rule_tag(req->json, "b", &b, res)) != 0)
		return status;
	if (strcmp(a, b) > 0) {
		const char *t = a;
		a = b;
		b = t;
	}
	if ((status = rule_admissible(a, b, res)) != 0)
		return status;
	if ((st = db_stmt(ins)) == NULL)
		return api_db_error(res);
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	if (db_exec_stmt(st) != DB_OK)
		return api_db_error(res);
	snprintf(id, sizeof(id), "%lld", (long long)sqlite3_last_insert_rowid(db_handle()));
	if ((status = rule_make_pairs(a, b, now, &changed, &made, res)) != 0)
		goto out;
	detail = json_object_new_object();
	json_object_object_add(detail, "a", json_object_new_string(a));
	json_object_object_add(detail, "b", json_object_new_string(b));
	json_object_object_add(detail, "pairs_made", json_object_new_int64(made));
	api_log(res, "rule.create", id, detail, NULL);
	status = answer_rules(id, 201, res);
out:
	rows_strlist_free(&changed);
	return status;
}

int
api_admin_rule_delete(const struct request *req, struct response *res)
{
	static const char find[] = "SELECT a, b FROM rules WHERE id = ?1";
	static const char del[] = "DELETE FROM rules WHERE id = ?1";
	/* Rule pairs among the peers tagged a or b that no rule implies now. */
	static const char stale[] =
		"SELECT a, b FROM pairs p WHERE explicit = 0"
		" AND a IN (SELECT peer_id FROM peer_tags WHERE tag IN (?1, ?2))"
		" AND b IN (SELECT peer_id FROM peer_tags WHERE tag IN (?1, ?2))"
		" AND NOT " IMPLIED("p.a", "p.b");
	struct strlist changed = { 0 };
	struct json_object *detail;
	char a[TAG_MAX + 1], b[TAG_MAX + 1], idbuf[24];
	uint64_t id;
	sqlite3_stmt *st;
	size_t dropped = 0;
	int rc, status;

	if (text_parse_u64(req->params[0], 1, INT64_MAX, &id) != 0)
		return http_error(res, 404, "rule_not_found", "no rule with id \"%.32s\"",
		                  req->params[0]);
	if ((st = db_stmt(find)) == NULL)
		return api_db_error(res);
	sqlite3_bind_int64(st, 1, (int64_t)id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(a, sizeof(a), "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(b, sizeof(b), "%s", (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return http_error(res, 404, "rule_not_found", "no rule with id \"%.32s\"",
		                  req->params[0]);
	if (rc != SQLITE_ROW || (st = db_stmt(del)) == NULL)
		return api_db_error(res);
	sqlite3_bind_int64(st, 1, (int64_t)id);
	if (db_exec_stmt(st) != DB_OK)
		return api_db_error(res);
	if ((st = db_stmt(stale)) != NULL) {
		sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	}
	if ((status = drop_pairs(st, &changed, &dropped, res)) != 0)
		goto out;
	detail = json_object_new_object();
	json_object_object_add(detail, "a", json_object_new_string(a));
	json_object_object_add(detail, "b", json_object_new_string(b));
	json_object_object_add(detail, "pairs_removed", json_object_new_int64((int64_t)dropped));
	snprintf(idbuf, sizeof(idbuf), "%llu", (unsigned long long)id);
	api_log(res, "rule.delete", idbuf, detail, NULL);
	res->status = status = 204;
out:
	rows_strlist_free(&changed);
	return status;
}
