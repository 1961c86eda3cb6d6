/* SPDX-License-Identifier: MIT */
/* wgconf admin device-invite, devices: phones and laptops that join with a
 * link (the server's join page), never with wgconf. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "cli.h"
#include "text.h"

/* A --routes entry: "mesh", "all" or a network. */
static int
check_route(const char *s)
{
	return strcmp(s, "mesh") == 0 || strcmp(s, "all") == 0 ? 0 : admin_check_network(s);
}

/* Prints the link of a 201 answer (the server's URL and the page's path,
 * with the code in its fragment) and what it is. An exit status. */
static int
print_link(struct admin *a, const struct fetch_response *resp, const char *what)
{
	const char *link = text_json_str(resp->json, "link");
	char buf[128], ebuf[64];

	if (resp->status != 201) {
		fetch_report(resp, what);
		return EXIT_ERR;
	}
	if (a->json)
		return admin_print_json(resp->json);
	if (link == NULL || strncmp(link, "/join.html#", 11) != 0 ||
	    !text_safe_token(link + 11, 256)) {
		warnx("the server's answer has no valid device link");
		return EXIT_ERR;
	}
	printf("%s%s\n", a->server, link);
	fprintf(stderr, "device link %s, expires %s; shown once. Open it on the phone or "
	        "laptop (or send it there): its browser makes the key.\n",
	        text_printable(text_json_str(resp->json, "id"), buf, sizeof(buf)),
	        text_printable(text_json_str(resp->json, "expires_at"), ebuf, sizeof(ebuf)));
	return EXIT_OK;
}

/* --uses and --expires into body: 0, or a usage error's status. */
static int
uses_expires(struct admin *a, struct json_object *body)
{
	unsigned long uses = 1, secs = 86400;

	if (a->uses && text_parse_ulong(a->uses, 1, 100, &uses) != 0)
		return cli_usage_error("invalid --uses '%s' (1 to 100)", a->uses);
	if (a->expires && admin_parse_seconds(a->expires, 60, 30UL * 86400, &secs) != 0)
		return cli_usage_error("invalid --expires '%s' (like 30m, 24h, 7d; 60s to 30d)",
		                       a->expires);
	if (a->uses)
		json_object_object_add(body, "uses", json_object_new_int64((int64_t)uses));
	json_object_object_add(body, "expires_in", json_object_new_int64((int64_t)secs));
	return 0;
}

/* The device invite's fields into body: 0, or an exit status (said). */
static int
invite_body(struct admin *a, struct json_object *body)
{
	struct json_object *l;
	const char *gw;
	int ret;

	if (a->gateway == NULL)
		return cli_usage_error("--gateway PEER is required: the host that routes for the device");
	if ((gw = admin_peer_id(a, a->gateway, NULL)) == NULL)
		return EXIT_ERR;
	json_object_object_add(body, "gateway", json_object_new_string(gw));
	if ((ret = uses_expires(a, body)) != 0)
		return ret;
	if (a->name)
		json_object_object_add(body, "name", json_object_new_string(a->name));
	if (a->label)
		json_object_object_add(body, "label", json_object_new_string(a->label));
	if (a->routes) {
		if ((l = admin_split_list(a->routes, "--routes", check_route)) == NULL)
			return EXIT_USAGE;
		json_object_object_add(body, "routes", l);
	}
	if (a->tags) {
		if ((l = admin_split_list(a->tags, "--tags", admin_check_tag)) == NULL)
			return EXIT_USAGE;
		json_object_object_add(body, "tags", l);
	}
	return 0;
}

int
admin_device_invite(struct admin *a, int argc, char **argv)
{
	struct fetch_response resp = { 0 };
	struct json_object *body = json_object_new_object();
	int ret;

	(void)argc;
	(void)argv;
	if ((ret = invite_body(a, body)) == 0) {
		ret = EXIT_ERR;
		if (admin_request(a, "POST", "/admin/device-invites", body, &resp) == 0)
			ret = print_link(a, &resp, "device-invite");
	}
	json_object_put(body);
	fetch_response_free(&resp);
	return ret;
}

enum { DEVICE_COLS = 6 };

/* One row of `admin devices`: terminal-safe cells. */
static void
device_row(void *ctx, struct json_object *d, char (*row)[ADMIN_CELL])
{
	struct json_object *g;
	const char *hs = text_json_str(d, "latest_handshake");

	text_printable(text_json_str(d, "id"), row[0], ADMIN_CELL);
	text_printable(text_json_str(d, "name"), row[1], ADMIN_CELL);
	admin_join_array(ctx, d, "addresses", false, row[2], ADMIN_CELL);
	if (json_object_object_get_ex(d, "gateway", &g) && g != NULL)
		text_printable(text_json_str(g, "name"), row[3], ADMIN_CELL);
	else
		snprintf(row[3], ADMIN_CELL, "(gone)");
	text_printable(hs ? hs : "never", row[4], ADMIN_CELL);
	text_printable(text_json_str(d, "label") ? text_json_str(d, "label") : "-", row[5], ADMIN_CELL);
}

static int
devices_list(struct admin *a)
{
	static const char *const head[DEVICE_COLS] = { "ID", "NAME", "ADDRESS", "GATEWAY",
	                                               "LAST HANDSHAKE", "LABEL" };
	struct fetch_response resp = { 0 };
	struct json_object *arr;
	int ret = EXIT_ERR;

	if (admin_request(a, "GET", "/admin/devices", NULL, &resp) != 0 ||
	    (arr = admin_array(&resp, "devices", "cannot list devices")) == NULL)
		goto out;
	if (a->json)
		ret = admin_print_json(resp.json);
	else if (json_object_array_length(arr) == 0)
		ret = printf("no devices\n") > 0 ? EXIT_OK : EXIT_ERR;
	else
		ret = admin_print_list(arr, head, DEVICE_COLS, device_row, a);
out:
	fetch_response_free(&resp);
	return ret;
}

/* delete ID or reissue ID. */
static int
device_act(struct admin *a, const char *act, const char *id)
{
	struct fetch_response resp = { 0 };
	struct json_object *body = NULL;
	char path[128];
	int ret = EXIT_ERR, del = strcmp(act, "delete") == 0;

	if (!text_safe_token(id, 64))
		return cli_usage_error("invalid device id '%s'", id);
	snprintf(path, sizeof(path), "/admin/devices/%s%s", id, del ? "" : "/reissue");
	if (!del) {
		body = json_object_new_object();
		if ((ret = uses_expires(a, body)) != 0)
			goto out;
		json_object_object_del(body, "uses");
		ret = EXIT_ERR;
	}
	if (admin_request(a, del ? "DELETE" : "POST", path, body, &resp) != 0)
		goto out;
	if (!del) {
		ret = print_link(a, &resp, "reissue device");
	} else if (resp.status != 204) {
		fetch_report(&resp, "delete device");
	} else {
		printf("deleted device %s; its key is revoked\n", id);
		ret = EXIT_OK;
	}
out:
	json_object_put(body);
	fetch_response_free(&resp);
	return ret;
}

int
admin_devices(struct admin *a, int argc, char **argv)
{
	if (argc == 0 || (argc == 1 && strcmp(argv[0], "list") == 0))
		return devices_list(a);
	if (strcmp(argv[0], "delete") == 0 || strcmp(argv[0], "reissue") == 0) {
		if (argc != 2)
			return cli_usage_error("%s takes the device's ID (from `wgconf admin devices`)",
			                       argv[0]);
		if (a->json && strcmp(argv[0], "delete") == 0)
			return cli_usage_error("--json is for list and reissue");
		return device_act(a, argv[0], argv[1]);
	}
	return cli_usage_error("unknown action '%s' (list, delete ID or reissue ID)", argv[0]);
}
