/* SPDX-License-Identifier: MIT */
/* wgconf admin invite, invites: codes that let a host join without review. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "cli.h"
#include "text.h"

int
admin_parse_seconds(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	static const struct { char unit; unsigned long mul; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 'w', 604800 },
	};
	char num[24];
	size_t len = strlen(s);
	unsigned long mul = 1, v;

	if (len == 0 || len >= sizeof(num))
		return -1;
	memcpy(num, s, len + 1);
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (num[len - 1] == units[i].unit) {
			mul = units[i].mul;
			num[len - 1] = '\0';
			break;
		}
	if (text_parse_ulong(num, min, max, &v) != 0 || v > max / mul)
		return -1;
	*out = v * mul;
	return 0;
}

int
admin_parse_duration(const char *s, unsigned long *out)
{
	return admin_parse_seconds(s, 1, 366UL * 86400, out);
}

int
admin_invite(struct admin *a, int argc, char **argv)
{
	struct fetch_response resp = { 0 };
	struct json_object *body = json_object_new_object(), *v;
	unsigned long uses = 1, secs = 86400;
	const char *code;
	char buf[128], ebuf[64];
	int ret = EXIT_ERR;

	(void)argc;
	(void)argv;
	if (a->uses && text_parse_ulong(a->uses, 1, 1000000, &uses) != 0) {
		ret = cli_usage_error("invalid --uses '%s' (a number from 1)", a->uses);
		goto out;
	}
	if (a->expires && admin_parse_duration(a->expires, &secs) != 0) {
		ret = cli_usage_error("invalid --expires '%s' (like 3600, 30m, 24h, 7d; "
		                        "at most 366d)", a->expires);
		goto out;
	}
	json_object_object_add(body, "uses", json_object_new_int64((int64_t)uses));
	json_object_object_add(body, "expires_in", json_object_new_int64((int64_t)secs));
	/* The server checks the label (and names it when it refuses). */
	if (a->label)
		json_object_object_add(body, "label", json_object_new_string(a->label));
	if (a->when_closed && a->for_peer == NULL) {
		ret = cli_usage_error("--when-closed goes with --for PEER");
		goto out;
	}
	if (a->for_peer) {
		const char *id = admin_peer_id(a, a->for_peer, NULL);

		if (id == NULL)
			goto out;
		json_object_object_add(body, "for_peer", json_object_new_string(id));
		json_object_object_add(body, "when_closed", json_object_new_boolean(a->when_closed));
	}
	if (admin_request(a, "POST", "/admin/invites", body, &resp) != 0)
		goto out;
	if (resp.status != 201 && resp.status != 200) {
		fetch_report(&resp, "invite");
		goto out;
	}
	if (a->json) {
		ret = admin_print_json(resp.json);
		goto out;
	}
	code = text_json_str(resp.json, "code");
	if (code == NULL || !text_safe_token(code, 256)) {
		warnx("the server's answer has no valid invite code");
		goto out;
	}
	printf("%s\n", code);
	fprintf(stderr, "invite %s: %lu use%s, expires %s; shown once. On the %s: wgconf "
	        "register --server URL --invite CODE %s\n",
	        text_printable(text_json_str(resp.json, "id"), buf, sizeof(buf)), uses,
	        uses == 1 ? "" : "s",
	        json_object_object_get_ex(resp.json, "expires_at", &v) ?
	        text_printable(json_object_get_string(v), ebuf, sizeof(ebuf)) : "?",
	        a->for_peer ? "imported peer's host" : "new host",
	        a->for_peer ? "--adopt --private-key-file FILE" : "ENDPOINT|nat");
	ret = EXIT_OK;
out:
	json_object_put(body);
	fetch_response_free(&resp);
	return ret;
}

enum { INVITE_COLS = 6 };

/* One row of `admin invites`: terminal-safe cells. */
static void
invite_row(void *ctx, struct json_object *inv, char (*row)[ADMIN_CELL])
{
	struct json_object *v;

	(void)ctx;
	text_printable(text_json_str(inv, "id"), row[0], ADMIN_CELL);
	snprintf(row[1], ADMIN_CELL, "%s of %s",
	         json_object_object_get_ex(inv, "uses_left", &v) ? json_object_get_string(v) : "?",
	         json_object_object_get_ex(inv, "uses", &v) ? json_object_get_string(v) : "?");
	text_printable(text_json_str(inv, "expires_at"), row[2], ADMIN_CELL);
	if (json_object_object_get_ex(inv, "expired", &v) && json_object_get_boolean(v))
		snprintf(row[2] + strlen(row[2]), ADMIN_CELL - strlen(row[2]), " (expired)");
	text_printable(text_json_str(inv, "created_by"), row[3], ADMIN_CELL);
	text_printable(text_json_str(inv, "created_at"), row[4], ADMIN_CELL);
	/* Last: the only free text, so the columns before it stay aligned. */
	if (text_json_str(inv, "label") != NULL)
		text_printable(text_json_str(inv, "label"), row[5], ADMIN_CELL);
	else
		snprintf(row[5], ADMIN_CELL, "-");
}

static int
invites_list(struct admin *a)
{
	static const char *const head[INVITE_COLS] = { "ID", "USES LEFT", "EXPIRES",
	                                               "CREATED BY", "CREATED", "LABEL" };
	struct fetch_response resp = { 0 };
	struct json_object *arr;
	int ret = EXIT_ERR;

	if (admin_request(a, "GET", "/admin/invites", NULL, &resp) != 0 ||
	    (arr = admin_array(&resp, "invites", "cannot list invites")) == NULL)
		goto out;
	if (a->json) {
		ret = admin_print_json(resp.json);
		goto out;
	}
	if (json_object_array_length(arr) == 0) {
		printf("no invites\n");
		ret = EXIT_OK;
	} else {
		ret = admin_print_list(arr, head, INVITE_COLS, invite_row, NULL);
	}
out:
	fetch_response_free(&resp);
	return ret;
}

static int
invites_delete(struct admin *a, const char *id)
{
	struct fetch_response resp = { 0 };
	char path[128];
	int ret = EXIT_ERR;

	snprintf(path, sizeof(path), "/admin/invites/%s", id);
	if (admin_request(a, "DELETE", path, NULL, &resp) != 0)
		goto out;
	if (resp.status != 204 && resp.status != 200) {
		fetch_report(&resp, "delete invite");
		goto out;
	}
	printf("deleted invite %s\n", id);
	ret = EXIT_OK;
out:
	fetch_response_free(&resp);
	return ret;
}

int
admin_invites(struct admin *a, int argc, char **argv)
{
	if (argc == 0 || (argc == 1 && strcmp(argv[0], "list") == 0))
		return invites_list(a);
	if (strcmp(argv[0], "delete") == 0) {
		if (argc != 2)
			return cli_usage_error("delete takes the invite's ID (from `wgconf admin "
			                       "invites`)");
		if (a->json)
			return cli_usage_error("--json is for list");
		return invites_delete(a, argv[1]);
	}
	if (strcmp(argv[0], "list") == 0)
		return cli_usage_error("unexpected argument '%s'", argv[1]);
	return cli_usage_error("unknown action '%s' (list or delete ID)", argv[0]);
}
