/* SPDX-License-Identifier: MIT */
/* wgconf admin tag, untag, rules: pairing by tags. A rule pairs every peer
 * of one tag with every peer of another (a full mesh when both are the
 * same); the server makes and drops the pairs as peers are tagged. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "cli.h"
#include "text.h"

#define TAG_MAX      32
#define TAG_ATTEMPTS 3          /* edits that met a concurrent change */

int
admin_check_tag(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= TAG_MAX &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n ? 0 : -1;
}

/* A tag, or a usage error naming it (the server checks it too). */
static int
check_tag(const char *s)
{
	if (admin_check_tag(s) != 0)
		return cli_usage_error("invalid tag '%s' (1-%d of a-z, 0-9, '_' and '-')", s,
		                       TAG_MAX);
	return 0;
}

static bool
has_tag(struct json_object *arr, const char *tag)
{
	for (size_t i = 0; i < json_object_array_length(arr); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(arr, i)), tag) == 0)
			return true;
	return false;
}

/* The peer's tags with tags added (add) or taken away: a new array (caller
 * puts), and *changed. */
static struct json_object *
new_tags(struct json_object *now, char **tags, int ntags, bool add, bool *changed)
{
	struct json_object *out = json_object_new_array();

	*changed = false;
	for (size_t i = 0; i < json_object_array_length(now); i++) {
		const char *t = json_object_get_string(json_object_array_get_idx(now, i));
		bool drop = false;
		for (int j = 0; !add && j < ntags; j++)
			drop = drop || strcmp(t, tags[j]) == 0;
		if (drop)
			*changed = true;
		else
			json_object_array_add(out, json_object_new_string(t));
	}
	for (int j = 0; add && j < ntags; j++) {
		if (has_tag(out, tags[j]))
			continue;
		json_object_array_add(out, json_object_new_string(tags[j]));
		*changed = true;
	}
	return out;
}

/*
 * Reads the peer, changes its tags and writes them back with If-Match on
 * the revision read: an admin tagging it at the same time is not undone,
 * the edit is made again on what is there now.
 */
static int
tag_action(struct admin *a, int argc, char **argv, bool add)
{
	struct fetch_response resp = { 0 };
	struct json_object *body = NULL, *cur, *tags;
	const char *id, *name;
	char path[128], ifm[48], buf[128], list[ADMIN_CELL];
	bool changed;
	int ret = EXIT_ERR;

	for (int i = 1; i < argc; i++)
		if (check_tag(argv[i]) != 0)
			return EXIT_USAGE;
	if ((id = admin_peer_id(a, argv[0], &name)) == NULL)
		return EXIT_ERR;
	snprintf(path, sizeof(path), "/admin/peers/%s", id);
	for (int attempt = 0; attempt < TAG_ATTEMPTS; attempt++) {
		fetch_response_free(&resp);
		if (admin_request(a, "GET", path, NULL, &resp) != 0)
			goto out;
		if (resp.status != 200 || resp.json == NULL ||
		    !json_object_object_get_ex(resp.json, "tags", &cur) ||
		    !json_object_is_type(cur, json_type_array) ||
		    !json_object_object_get_ex(resp.json, "revision", &tags)) {
			fetch_report(&resp, add ? "tag" : "untag");
			goto out;
		}
		snprintf(ifm, sizeof(ifm), "\"%lld\"", (long long)json_object_get_int64(tags));
		tags = new_tags(cur, argv + 1, argc - 1, add, &changed);
		for (int i = 1; !add && i < argc; i++)
			if (!has_tag(cur, argv[i]))
				warnx("%s has no tag '%s'", text_printable(name, buf, sizeof(buf)),
				      argv[i]);
		if (!changed) {
			json_object_put(tags);
			break;
		}
		json_object_put(body);
		body = json_object_new_object();
		json_object_object_add(body, "tags", tags);
		fetch_response_free(&resp);
		if (fetch_request_cond(a->server, "PATCH", path, &a->tls, &a->auth, body,
		                       "If-Match", ifm, &resp) != 0)
			goto out;
		if (resp.status != 412)
			break;
	}
	if (resp.status != 200 || resp.json == NULL) {
		fetch_report(&resp, add ? "tag" : "untag");
		goto out;
	}
	if (a->json) {
		ret = admin_print_json(resp.json);
		goto out;
	}
	admin_join_array(a, resp.json, "tags", false, list, sizeof(list));
	printf("%s (id %s) tags: %s\n", text_printable(name, buf, sizeof(buf)), id, list);
	ret = EXIT_OK;
out:
	json_object_put(body);
	fetch_response_free(&resp);
	return ret;
}

int
admin_tag(struct admin *a, int argc, char **argv)
{
	return tag_action(a, argc, argv, true);
}

int
admin_untag(struct admin *a, int argc, char **argv)
{
	return tag_action(a, argc, argv, false);
}

enum { RULE_COLS = 6 };

/* A rule's background job as a cell: "-" (none), "done", or how far
 * ("making 42%", "checking"). */
static void
job_cell(struct json_object *r, char *cell, size_t sz)
{
	struct json_object *job, *v;
	const char *state;

	if (!json_object_object_get_ex(r, "job", &job) || job == NULL ||
	    (state = text_json_str(job, "state")) == NULL) {
		snprintf(cell, sz, "-");
		return;
	}
	if (strcmp(state, "making") == 0 && json_object_object_get_ex(job, "progress", &v))
		snprintf(cell, sz, "making %d%%", (int)(json_object_get_double(v) * 100));
	else
		text_printable(state, cell, sz);
}

static void
rule_row(void *ctx, struct json_object *r, char (*row)[ADMIN_CELL])
{
	struct json_object *v;

	(void)ctx;
	text_printable(text_json_str(r, "id"), row[0], ADMIN_CELL);
	text_printable(text_json_str(r, "a"), row[1], ADMIN_CELL);
	text_printable(text_json_str(r, "b"), row[2], ADMIN_CELL);
	snprintf(row[3], ADMIN_CELL, "%s", json_object_object_get_ex(r, "pairs", &v) ?
	         json_object_get_string(v) : "?");
	job_cell(r, row[4], ADMIN_CELL);
	text_printable(text_json_str(r, "created_at"), row[5], ADMIN_CELL);
}

static int
rules_list(struct admin *a)
{
	static const char *const head[RULE_COLS] = { "ID", "TAG A", "TAG B", "PAIRS", "JOB",
	                                             "CREATED" };
	struct fetch_response resp = { 0 };
	struct json_object *arr;
	int ret = EXIT_ERR;

	if (admin_request(a, "GET", "/admin/rules", NULL, &resp) != 0 ||
	    (arr = admin_array(&resp, "rules", "cannot list rules")) == NULL)
		goto out;
	if (a->json)
		ret = admin_print_json(resp.json);
	else
		ret = admin_print_list(arr, head, RULE_COLS, rule_row, NULL);
out:
	fetch_response_free(&resp);
	return ret;
}

static int
rules_add(struct admin *a, const char *ta, const char *tb)
{
	struct fetch_response resp = { 0 };
	struct json_object *body, *v;
	char id[64], x[64], y[64];
	int ret = EXIT_ERR;

	if (check_tag(ta) != 0 || check_tag(tb) != 0)
		return EXIT_USAGE;
	body = json_object_new_object();
	json_object_object_add(body, "a", json_object_new_string(ta));
	json_object_object_add(body, "b", json_object_new_string(tb));
	if (admin_request(a, "POST", "/admin/rules", body, &resp) != 0)
		goto out;
	if (resp.status != 201 || resp.json == NULL) {
		fetch_report(&resp, "rules add");
		goto out;
	}
	if (a->json) {
		ret = admin_print_json(resp.json);
		goto out;
	}
	text_printable(text_json_str(resp.json, "id"), id, sizeof(id));
	text_printable(text_json_str(resp.json, "a"), x, sizeof(x));
	text_printable(text_json_str(resp.json, "b"), y, sizeof(y));
	if (strcmp(x, y) == 0)
		printf("rule %s: a full mesh of the peers tagged %s", id, x);
	else
		printf("rule %s: every peer tagged %s with every peer tagged %s", id, x, y);
	printf(" (%s pairs)\n", json_object_object_get_ex(resp.json, "pairs", &v) ?
	       json_object_get_string(v) : "?");
	if (json_object_object_get_ex(resp.json, "job", &v) && v != NULL)
		printf("its pairs are being made in the background; `wgconf admin rules` shows "
		       "how far; hosts take them as they are made (watching hosts when it is done)\n");
	ret = EXIT_OK;
out:
	json_object_put(body);
	fetch_response_free(&resp);
	return ret;
}

static int
rules_delete(struct admin *a, const char *id)
{
	struct fetch_response resp = { 0 };
	char path[64];
	unsigned long n;
	int ret = EXIT_ERR;

	if (text_parse_ulong(id, 1, 999999999999UL, &n) != 0)
		return cli_usage_error("invalid rule ID '%s' (a number, see `wgconf admin rules`)",
		                       id);
	snprintf(path, sizeof(path), "/admin/rules/%lu", n);
	if (admin_request(a, "DELETE", path, NULL, &resp) != 0)
		goto out;
	if (resp.status != 204 && resp.status != 200) {
		fetch_report(&resp, "rules delete");
		goto out;
	}
	printf("deleted rule %lu; the pairs only it made are gone\n", n);
	ret = EXIT_OK;
out:
	fetch_response_free(&resp);
	return ret;
}

int
admin_rules(struct admin *a, int argc, char **argv)
{
	if (argc == 0 || (argc == 1 && strcmp(argv[0], "list") == 0))
		return rules_list(a);
	if (strcmp(argv[0], "add") == 0 && argc == 3)
		return rules_add(a, argv[1], argv[2]);
	if (strcmp(argv[0], "delete") == 0 && argc == 2)
		return rules_delete(a, argv[1]);
	return cli_usage_error("usage: wgconf admin rules [list] | add TAG TAG | delete ID");
}
