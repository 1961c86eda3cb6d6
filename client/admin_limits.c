/* SPDX-License-Identifier: MIT */
/* wgconf admin: the limits on what anyone can add (network --registration
 * and friends) and bulk reject of pending peers (reject --older-than,
 * --name, or several peers at once). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "cli.h"
#include "text.h"

#define TEN_YEARS (3650UL * 86400)

/* Each limit option: where its text is, its JSON key, duration or count,
 * its range (the server's, so that a bad value is named here). */
static const struct {
	const char *opt, *key;
	size_t off;
	bool duration;
	unsigned long lo, hi;
	const char *what;
} limits[] = {
	{ "--pending-max", "pending_max", offsetof(struct admin, pending_max), false,
	  0, 100000, "a number of peers, 0-100000" },
	{ "--pending-max-per-prefix", "pending_max_per_prefix",
	  offsetof(struct admin, pending_max_prefix), false, 0, 100000,
	  "a number of peers, 0-100000" },
	{ "--pending-expire", "pending_expire_after", offsetof(struct admin, pending_expire),
	  true, 60, 365UL * 86400, "a duration such as 7d or 12h, 60s-365d" },
	{ "--endpoint-interval", "endpoint_min_interval",
	  offsetof(struct admin, endpoint_interval), true, 0, 86400,
	  "a duration such as 60 or 5m, 0-24h; 0: no limit" },
	{ "--audit-max-age", "audit_max_age", offsetof(struct admin, audit_max_age), true,
	  3600, TEN_YEARS, "a duration such as 90d, 1h-3650d" },
	{ "--audit-max-rows", "audit_max_rows", offsetof(struct admin, audit_max_rows), false,
	  100, 10000000, "a number of entries, 100-10000000" },
	{ "--audit-coalesce", "audit_coalesce_window", offsetof(struct admin, audit_coalesce),
	  true, 0, 86400, "a duration such as 1h, 0-24h; 0: every event its own entry" },
};

#define NLIMITS (sizeof(limits) / sizeof(limits[0]))

static const char *
option_text(const struct admin *a, size_t i)
{
	return *(const char *const *)(const void *)((const char *)a + limits[i].off);
}

int
admin_limit_changes(const struct admin *a, struct json_object *body, bool *put)
{
	if (a->registration) {
		if (strcmp(a->registration, "open") != 0 &&
		    strcmp(a->registration, "invite-only") != 0 &&
		    strcmp(a->registration, "closed") != 0)
			return cli_usage_error("invalid --registration '%s' (open, invite-only "
			                       "or closed)", a->registration);
		json_object_object_add(body, "registration",
		                       json_object_new_string(a->registration));
		*put = true;
	}
	for (size_t i = 0; i < NLIMITS; i++) {
		const char *s = option_text(a, i);
		unsigned long v;
		int bad;

		if (s == NULL)
			continue;
		bad = limits[i].duration ? admin_parse_seconds(s, 0, limits[i].hi, &v) :
		                           text_parse_ulong(s, 0, limits[i].hi, &v);
		if (bad != 0 || v < limits[i].lo || v > limits[i].hi)
			return cli_usage_error("invalid %s '%s' (%s)", limits[i].opt, s,
			                       limits[i].what);
		json_object_object_add(body, limits[i].key, json_object_new_int64((int64_t)v));
		*put = true;
	}
	return 0;
}

void
admin_limit_print(struct json_object *net)
{
	char buf[64];

	printf("%-24s%s\n", "registration",
	       text_printable(text_json_str(net, "registration"), buf, sizeof(buf)));
	for (size_t i = 0; i < NLIMITS; i++) {
		struct json_object *v;
		if (!json_object_object_get_ex(net, limits[i].key, &v) ||
		    !json_object_is_type(v, json_type_int))
			continue;
		printf("%-24s%lld%s\n", limits[i].key, (long long)json_object_get_int64(v),
		       limits[i].duration ? " s" : "");
	}
}

/* A glob of name characters, '*', '?' and [...], as the server takes it. */
static bool
valid_pattern(const char *s)
{
	return text_in_class(s, 1, 64, ".-_*?[]^");
}

int
admin_reject_bulk(struct admin *a, int argc, char **argv)
{
	struct fetch_response resp = { 0 };
	struct json_object *body = json_object_new_object(), *ids = NULL, *rejected;
	unsigned long age = 0;
	char buf[128];
	int ret = EXIT_USAGE;

	if (argc > 0 && (a->older_than || a->name)) {
		ret = cli_usage_error("give peers, or --older-than and/or --name, not both");
		goto out;
	}
	if (argc == 0 && a->older_than == NULL && a->name == NULL) {
		ret = cli_usage_error("say which: PEER..., --older-than AGE or --name PATTERN");
		goto out;
	}
	if (a->older_than && admin_parse_seconds(a->older_than, 0, TEN_YEARS, &age) != 0) {
		ret = cli_usage_error("invalid --older-than '%s' (an age such as 1d, 12h or "
		                      "3600; 0 for all)", a->older_than);
		goto out;
	}
	if (a->name && !valid_pattern(a->name)) {
		ret = cli_usage_error("invalid --name '%s' (a pattern of name characters, '*', "
		                      "'?' and [...], such as 'junk*')", a->name);
		goto out;
	}
	ret = EXIT_ERR;
	if (argc > 0) {
		ids = json_object_new_array();
		for (int i = 0; i < argc; i++) {
			const char *id = admin_peer_id(a, argv[i], NULL);
			if (id == NULL)
				goto out;
			json_object_array_add(ids, json_object_new_string(id));
		}
		json_object_object_add(body, "ids", ids);
	}
	if (a->older_than)
		json_object_object_add(body, "older_than", json_object_new_int64((int64_t)age));
	if (a->name)
		json_object_object_add(body, "name_pattern", json_object_new_string(a->name));
	if (admin_request(a, "POST", "/admin/peers/reject", body, &resp) != 0)
		goto out;
	if (resp.status != 200 || resp.json == NULL ||
	    !json_object_object_get_ex(resp.json, "rejected", &rejected) ||
	    !json_object_is_type(rejected, json_type_array)) {
		fetch_report(&resp, "reject");
		goto out;
	}
	if (a->json) {
		ret = admin_print_json(resp.json);
		goto out;
	}
	for (size_t i = 0; i < json_object_array_length(rejected); i++)
		printf("rejected %s\n", text_printable(json_object_get_string(
		       json_object_array_get_idx(rejected, i)), buf, sizeof(buf)));
	if (json_object_array_length(rejected) == 0)
		printf("no pending peer matched\n");
	ret = EXIT_OK;
out:
	json_object_put(body);
	fetch_response_free(&resp);
	return ret;
}
