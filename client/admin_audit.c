/* SPDX-License-Identifier: MIT */
/* wgconf admin audit: the audit log, newest first, paged through
 * GET /admin/audit?limit=N&before=ID until --limit entries or --since. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "cli.h"
#include "text.h"

#define AUDIT_PAGE_MAX 500              /* the server's largest page */
#define AUDIT_LIMIT_MAX 10000
#define AUDIT_TIME_LEN sizeof("2026-11-25T19:06:05Z")

enum { AUDIT_COLS = 5 };

/* --since: "2026-11-25T19:06:05Z", "2026-11-25", or an age ("24h") before
 * now, as the server writes times, so that they compare as text. 0 or -1. */
static int
parse_since(const char *s, char out[AUDIT_TIME_LEN])
{
	struct tm tm = { 0 };
	unsigned long age;
	const char *end;
	time_t t;

	if (admin_parse_duration(s, &age) == 0) {
		t = time(NULL) - (time_t)age;
		if (gmtime_r(&t, &tm) == NULL)
			return -1;
	} else if (!((end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm)) != NULL && *end == '\0') &&
	           !((end = strptime(s, "%Y-%m-%d", &tm)) != NULL && *end == '\0')) {
		return -1;
	}
	return strftime(out, AUDIT_TIME_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0 ? -1 : 0;
}

/* Appends to out (references) the entries of pages from the newest on,
 * until limit entries, one older than since (when set), or the last page.
 * 0 or -1 (said). */
static int
collect(struct admin *a, unsigned long limit, const char *since, struct json_object *out)
{
	struct fetch_response resp = { 0 };
	struct json_object *arr, *next = NULL;
	long long before = 0;
	char path[96];
	int ret = -1;

	while (json_object_array_length(out) < limit) {
		size_t want = limit - json_object_array_length(out);

		snprintf(path, sizeof(path), "/admin/audit?limit=%zu", want < AUDIT_PAGE_MAX ?
		         want : (size_t)AUDIT_PAGE_MAX);
		if (before > 0)
			snprintf(path + strlen(path), sizeof(path) - strlen(path), "&before=%lld",
			         before);
		fetch_response_free(&resp);
		if (admin_request(a, "GET", path, NULL, &resp) != 0 ||
		    (arr = admin_array(&resp, "entries", "cannot read the audit log")) == NULL)
			goto out;
		for (size_t i = 0; i < json_object_array_length(arr); i++) {
			struct json_object *e = json_object_array_get_idx(arr, i);
			const char *at = text_json_str(e, "at");

			if (since && (at == NULL || strcmp(at, since) < 0)) {
				ret = 0;
				goto out;
			}
			json_object_array_add(out, json_object_get(e));
		}
		if (!json_object_object_get_ex(resp.json, "next", &next) ||
		    !json_object_is_type(next, json_type_int) ||
		    (before = json_object_get_int64(next)) <= 0)
			break;
	}
	ret = 0;
out:
	fetch_response_free(&resp);
	return ret;
}

/* One row: terminal-safe cells; the detail as compact JSON. */
static void
audit_row(void *ctx, struct json_object *e, char (*row)[ADMIN_CELL])
{
	struct json_object *d = NULL;

	(void)ctx;
	text_printable(text_json_str(e, "at"), row[0], ADMIN_CELL);
	text_printable(text_json_str(e, "actor"), row[1], ADMIN_CELL);
	text_printable(text_json_str(e, "action"), row[2], ADMIN_CELL);
	text_printable(text_json_str(e, "target"), row[3], ADMIN_CELL);
	json_object_object_get_ex(e, "detail", &d);
	text_printable(d ? json_object_to_json_string_ext(d, JSON_C_TO_STRING_PLAIN |
	                                                     JSON_C_TO_STRING_NOSLASHESCAPE)
	                 : NULL, row[4], ADMIN_CELL);
}

int
admin_audit(struct admin *a, int argc, char **argv)
{
	static const char *const head[AUDIT_COLS] = { "AT", "ACTOR", "ACTION", "TARGET",
	                                              "DETAIL" };
	struct json_object *entries = json_object_new_array(), *o = NULL;
	char since[AUDIT_TIME_LEN];
	unsigned long limit = 50;
	int ret = EXIT_ERR;

	(void)argc;
	(void)argv;
	if (a->limit && text_parse_ulong(a->limit, 1, AUDIT_LIMIT_MAX, &limit) != 0) {
		ret = cli_usage_error("invalid --limit '%s' (1-%d)", a->limit, AUDIT_LIMIT_MAX);
		goto out;
	}
	if (a->since && parse_since(a->since, since) != 0) {
		ret = cli_usage_error("invalid --since '%s' (like 2026-11-25T19:06:05Z, "
		                      "2026-11-25, or an age: 90s, 15m, 24h, 7d)", a->since);
		goto out;
	}
	if (entries == NULL || collect(a, limit, a->since ? since : NULL, entries) != 0)
		goto out;
	if (a->json) {
		o = json_object_new_object();
		json_object_object_add(o, "entries", json_object_get(entries));
		ret = admin_print_json(o);
		goto out;
	}
	ret = admin_print_list(entries, head, AUDIT_COLS, audit_row, NULL);
out:
	if (o)
		json_object_put(o);
	if (entries)
		json_object_put(entries);
	return ret;
}
