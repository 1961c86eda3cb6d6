/* SPDX-License-Identifier: MIT */
/*
 * Tags and rules: pairing at scale (the rows and the invariant they keep:
 * lib/store/pairs.h). A rule {a, b} pairs every accepted peer tagged a with
 * every accepted peer tagged b.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "text.h"

static int
str_cmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
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

/* 409 rule_too_large naming the rule e. */
static int
rule_excess(const struct rule_excess *e, struct response *res)
{
	return http_error(res, 409, "rule_too_large", "rule %s (%s, %s) would make %lld pairs, "
	                  "more than %d", e->id, e->a, e->b, (long long)e->pairs, RULE_PAIRS_MAX);
}

int
api_rules_sync_peer(const char *id, size_t *changed, struct response *res)
{
	struct rule_excess e;
	int rc = store_rules_sync_peer(id, changed, &e);

	if (rc == DB_CONFLICT)
		return rule_excess(&e, res);
	return rc == DB_OK ? 0 : api_db_error(res);
}

/* One rule, or every rule when id is NULL ({"rules": [...]}). */
static int
answer_rules(const char *id, int status, struct response *res)
{
	struct rule_list l;
	struct json_object *o;

	if (store_rule_list(id, &l) != DB_OK)
		return api_db_error(res);
	o = id != NULL ? views_rule(&l.v[0]) : views_rule_list(&l);
	free(l.v);
	return http_json(res, status, o);
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
	int64_t n, count;
	char id[24];
	int rc;

	if (store_rule_count(&count) != DB_OK)
		return api_db_error(res);
	if (count >= RULES_MAX)
		return http_error(res, 409, "too_many_rules", "there are %d rules already, the most "
		                  "this server keeps", RULES_MAX);
	if ((rc = store_rule_find(a, b, id)) == DB_OK)
		return http_error(res, 409, "rule_exists", "rule %s already pairs %s with %s", id, a, b);
	if (rc != DB_NOTFOUND || store_rule_size(a, b, &n) != DB_OK)
		return api_db_error(res);
	if (n > RULE_PAIRS_MAX)
		return http_error(res, 409, "rule_too_large", "a rule pairing %s with %s would make "
		                  "%lld pairs, more than %d", a, b, (long long)n, RULE_PAIRS_MAX);
	return 0;
}

int
api_admin_rule_create(const struct request *req, struct response *res)
{
	struct json_object *detail;
	const char *a, *b;
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
	if (store_rule_insert(a, b, now, id, &made) != DB_OK)
		return api_db_error(res);
	detail = json_object_new_object();
	json_object_object_add(detail, "a", json_object_new_string(a));
	json_object_object_add(detail, "b", json_object_new_string(b));
	json_object_object_add(detail, "pairs_made", json_object_new_int64(made));
	api_log(res, "rule.create", id, detail, NULL);
	return answer_rules(id, 201, res);
}

int
api_admin_rule_delete(const struct request *req, struct response *res)
{
	struct json_object *detail;
	char a[TAG_MAX + 1], b[TAG_MAX + 1], idbuf[24];
	uint64_t id;
	size_t dropped = 0;
	int rc;

	if (text_parse_u64(req->params[0], 1, INT64_MAX, &id) != 0 ||
	    (rc = store_rule_delete((int64_t)id, a, b, &dropped)) == DB_NOTFOUND)
		return http_error(res, 404, "rule_not_found", "no rule with id \"%.32s\"",
		                  req->params[0]);
	if (rc != DB_OK)
		return api_db_error(res);
	detail = json_object_new_object();
	json_object_object_add(detail, "a", json_object_new_string(a));
	json_object_object_add(detail, "b", json_object_new_string(b));
	json_object_object_add(detail, "pairs_removed", json_object_new_int64((int64_t)dropped));
	snprintf(idbuf, sizeof(idbuf), "%llu", (unsigned long long)id);
	api_log(res, "rule.delete", idbuf, detail, NULL);
	res->status = 204;
	return 204;
}
