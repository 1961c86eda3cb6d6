/* SPDX-License-Identifier: MIT */
/* Pairs: which peers link to which, each with a preshared key sealed to both. */
#include <stdio.h>
#include <string.h>

#include "api.h"

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
	const char *cur = http_query(req, "cursor"), *peer = http_query(req, "peer"), *dot;
	char a[PEER_ID_LEN] = "", b[PEER_ID_LEN] = "", next[2 * PEER_ID_LEN + 1];
	struct store_rule_index ix;
	struct pair_list l = { NULL, 0 };
	struct json_object *arr = NULL;
	size_t limit;
	int status, more;

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
	if (store_rule_index_load(&ix) != DB_OK ||
	    store_pair_page(a, b, peer, limit, &l, &more) != DB_OK) {
		status = api_db_error(res);
		goto out;
	}
	arr = json_object_new_array();
	for (size_t i = 0; i < l.n; i++) {
		struct strlist rules = { 0 };
		if (store_rule_index_pair(&ix, l.v[i].a, l.v[i].b, &rules) != DB_OK) {
			rows_strlist_free(&rules);
			status = api_db_error(res);
			goto out;
		}
		json_object_array_add(arr, views_pair(l.v[i].a, l.v[i].b, l.v[i].created_at,
		                                      l.v[i].explicit, &rules));
		rows_strlist_free(&rules);
	}
	if (more && l.n > 0)
		snprintf(next, sizeof(next), "%s.%s", l.v[l.n - 1].a, l.v[l.n - 1].b);
	status = http_json(res, 200, views_page("pairs", arr, more && l.n > 0 ? next : NULL));
	arr = NULL;
out:
	json_object_put(arr);
	free(l.v);
	store_rule_index_free(&ix);
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
api_pair_make(const struct peer *a, const struct peer *b, int64_t now, struct response *res)
{
	if (store_pair_insert(a->id, a->public_key, b->id, b->public_key, 1, now) != DB_OK)
		return api_db_error(res);
	return 0;
}

/* The pair view of a and b as stored now. */
static int
answer_pair(const char *a, const char *b, int status, struct response *res)
{
	struct strlist rules = { 0 };
	int64_t created;
	int explicit;

	if (store_pair_find(a, b, &explicit, &created) != DB_OK ||
	    store_pair_rules(a, b, &rules) != DB_OK) {
		rows_strlist_free(&rules);
		return api_db_error(res);
	}
	status = http_json(res, status, views_pair(a, b, created, explicit, &rules));
	rows_strlist_free(&rules);
	return status;
}

/* Pairs a and b: a fresh pair (201), or makes a pair that only rules
 * implied explicit, so that it stays when they go (200). */
int
api_admin_pair_put(const struct request *req, struct response *res)
{
	struct json_object *detail;
	struct peer a, b;
	int64_t now = store_now();
	int status, rc, explicit;

	if ((status = load_ends(req, &a, &b, 1, res)) != 0)
		goto out;
	rc = store_pair_find(a.id, b.id, &explicit, NULL);
	if (rc == DB_OK && explicit) {
		/* Already paired: nothing changes, nothing is logged. */
		status = answer_pair(a.id, b.id, 200, res);
		goto out;
	}
	if (rc == DB_OK) {
		/* Made by rules: now also the admin's. Nothing a peer sees changes. */
		if (store_pair_set_explicit(a.id, b.id, 1) != DB_OK) {
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
	if ((status = api_pair_make(&a, &b, now, res)) != 0)
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
	struct strlist rules = { 0 };
	struct json_object *detail;
	struct peer a, b;
	int status, rc, explicit, implied;

	if ((status = load_ends(req, &a, &b, 0, res)) != 0)
		goto out;
	rc = store_pair_find(a.id, b.id, &explicit, NULL);
	if (rc == DB_NOTFOUND) {
		status = http_error(res, 404, "not_paired", "peers %s and %s are not paired",
		                    a.id, b.id);
		goto out;
	}
	if (rc != DB_OK || store_pair_rules(a.id, b.id, &rules) != DB_OK) {
		status = api_db_error(res);
		goto out;
	}
	implied = rules.n > 0;
	if (implied && !explicit) {
		status = http_error(res, 409, "paired_by_rule", "peers %s and %s are paired by "
		                    "rule %s: delete the rule or a tag instead", a.id, b.id,
		                    rules.v[0]);
		goto out;
	}
	if ((implied ? store_pair_set_explicit(a.id, b.id, 0) :
	     store_pair_delete(a.id, b.id)) != DB_OK) {
		status = api_db_error(res);
		goto out;
	}
	detail = json_object_new_object();
	json_object_object_add(detail, "with", json_object_new_string(b.id));
	if (implied) {
		/* Still paired, by rules: nobody's config changes. */
		json_object_object_add(detail, "kept_by_rules", views_strlist(&rules));
		api_log(res, "pair.delete", a.id, detail, NULL);
		status = answer_pair(a.id, b.id, 200, res);
		goto out;
	}
	api_log(res, "pair.delete", a.id, detail, NULL);
	res->status = status = 204;
out:
	rows_strlist_free(&rules);
	rows_peer_free(&a);
	rows_peer_free(&b);
	return status;
}
