/* SPDX-License-Identifier: MIT */
/* wgconf admin peers, accept, edit, reject, delete, config: one peer at a
 * time, or the list. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "cli.h"
#include "text.h"
#include "validate.h"

enum { COLS = 10 };

/* What is signed of p (docs/trust.md): "none", "v3", "v3 changed" when its
 * proposal has changes to sign, "invalid" when the stored signature is not
 * the network key's. */
static void
signed_cell(struct json_object *p, char *cell)
{
	struct json_object *v, *u;
	const char *sig = text_json_str(p, "signature");
	int64_t version = json_object_object_get_ex(p, "signed_version", &v) ?
	                  json_object_get_int64(v) : 0;
	bool changed = json_object_object_get_ex(p, "unsigned_changes", &u) &&
	               json_object_get_boolean(u);

	if (sig != NULL && strcmp(sig, "invalid") == 0)
		snprintf(cell, ADMIN_CELL, "invalid");
	else if (version < 1)
		snprintf(cell, ADMIN_CELL, "none");
	else
		snprintf(cell, ADMIN_CELL, "v%lld%s", (long long)version, changed ? " changed" : "");
}

/* ", disabled" or ", expires DATE" after the state of p (issue 20). */
static void
state_extra(struct json_object *p, char *cell)
{
	struct json_object *d;
	const char *exp = text_json_str(p, "expires_at");
	char when[64];
	size_t used = strlen(cell);

	if (json_object_object_get_ex(p, "disabled", &d) && json_object_get_boolean(d))
		snprintf(cell + used, ADMIN_CELL - used, ", disabled");
	else if (exp != NULL)
		snprintf(cell + used, ADMIN_CELL - used, ", expires %s",
		         text_printable(exp, when, sizeof(when)));
}

/* One row of `admin peers`: terminal-safe cells. */
static void
peer_row(void *ctx, struct json_object *p, char (*row)[ADMIN_CELL])
{
	struct admin *a = ctx;
	const char *ep = text_json_str(p, "endpoint");

	text_printable(text_json_str(p, "id"), row[0], ADMIN_CELL);
	text_printable(text_json_str(p, "name"), row[1], ADMIN_CELL);
	text_printable(text_json_str(p, "state"), row[2], ADMIN_CELL);
	if (text_json_str(p, "pending_key") != NULL)
		strncat(row[2], ", new key", ADMIN_CELL - strlen(row[2]) - 1);
	state_extra(p, row[2]);
	signed_cell(p, row[3]);
	admin_join_array(a, p, "addresses", false, row[4], ADMIN_CELL);
	if (ep)
		text_printable(ep, row[5], ADMIN_CELL);
	else
		snprintf(row[5], ADMIN_CELL, "nat");
	admin_join_array(a, p, "networks", false, row[6], ADMIN_CELL);
	admin_join_array(a, p, "tags", false, row[7], ADMIN_CELL);
	admin_join_array(a, p, "pairs", true, row[8], ADMIN_CELL);
	text_printable(text_json_str(p, "last_seen"), row[9], ADMIN_CELL);
}

int
admin_peers(struct admin *a, int argc, char **argv)
{
	static const char *const head[COLS] = { "ID", "NAME", "STATE", "SIGNED",
	                                        "ADDRESS", "ENDPOINT", "NETWORKS", "TAGS",
	                                        "PAIRED WITH", "LAST SEEN" };
	struct json_object *arr = NULL, *o;
	char path[64];
	int ret = EXIT_ERR;

	(void)argc;
	(void)argv;
	if (a->state_filter && strcmp(a->state_filter, "pending") != 0 &&
	    strcmp(a->state_filter, "accepted") != 0 && strcmp(a->state_filter, "disabled") != 0)
		return cli_usage_error("invalid --state '%s' (pending, accepted or disabled)",
		                       a->state_filter);
	snprintf(path, sizeof(path), "/admin/peers%s%s", a->state_filter ? "?state=" : "",
	         a->state_filter ? a->state_filter : "");
	/* Every page, however many peers there are. */
	if (admin_get_all(a, path, "peers", "cannot list peers", &arr) != 0)
		goto out;
	if (a->json) {
		o = json_object_new_object();
		json_object_object_add(o, "peers", json_object_get(arr));
		json_object_object_add(o, "next_cursor", NULL);
		ret = admin_print_json(o);
		json_object_put(o);
		goto out;
	}
	/* Pairs show as names: the full list is needed even when filtered. */
	if (a->state_filter == NULL)
		a->peers = json_object_get(arr);
	else if (admin_load_peers(a) != 0)
		goto out;
	ret = admin_print_list(arr, head, COLS, peer_row, a);
out:
	json_object_put(arr);
	return ret;
}

/* The peer fields of accept (name, address, networks) and edit (also
 * endpoint and keepalive) into body, only those given. 0 or EXIT_USAGE
 * (said). */
static int
peer_fields(struct admin *a, struct json_object *body, bool edit)
{
	char host[VALIDATE_HOST_MAX + 1];
	struct json_object *nets;
	uint16_t port;
	int ka;

	if (a->name && !validate_name(a->name))
		return cli_usage_error("invalid --name '%s'", a->name);
	if (a->address && admin_check_host_address(a->address) != 0)
		return cli_usage_error("invalid --address '%s'", a->address);
	if (a->networks) {
		nets = admin_split_list(a->networks, "--networks", admin_check_network);
		if (nets == NULL)
			return EXIT_USAGE;
		json_object_object_add(body, "networks", nets);
	}
	if (a->tags) {
		struct json_object *tags = admin_split_list(a->tags, "--tags", admin_check_tag);
		if (tags == NULL)
			return EXIT_USAGE;
		json_object_object_add(body, "tags", tags);
	}
	if (a->name)
		json_object_object_add(body, "name", json_object_new_string(a->name));
	if (a->address)
		json_object_object_add(body, "address", json_object_new_string(a->address));
	if (!edit)
		return 0;
	if (a->endpoint && validate_is_nat(a->endpoint))
		json_object_object_add(body, "endpoint", NULL);
	else if (a->endpoint && validate_endpoint(a->endpoint, host, sizeof(host), &port) != 0)
		return cli_usage_error("invalid --endpoint '%s' (HOST:PORT, [IPv6]:PORT or nat)",
		                       a->endpoint);
	else if (a->endpoint)
		json_object_object_add(body, "endpoint", json_object_new_string(a->endpoint));
	if (a->keepalive && strcmp(a->keepalive, "default") != 0 &&
	    text_parse_int(a->keepalive, 0, 65535, &ka) != 0)
		return cli_usage_error("invalid --keepalive '%s' (seconds, 0-65535, or "
		                       "default)", a->keepalive);
	if (a->keepalive)
		json_object_object_add(body, "keepalive", strcmp(a->keepalive, "default") == 0 ?
		                       NULL : json_object_new_int(ka));
	if (admin_expiry_field(a, body) != 0)
		return EXIT_USAGE;
	if (json_object_object_length(body) == 0)
		return cli_usage_error("give what to change: --name, --address, --networks, "
		                       "--endpoint, --keepalive, --tags or --expires");
	return 0;
}

int
admin_accept(struct admin *a, int argc, char **argv)
{
	struct fetch_response resp = { 0 };
	struct json_object *body = json_object_new_object();
	const char *id, *name;
	char path[128], addrs[256], buf[128];
	int ret = EXIT_ERR;

	(void)argc;
	if ((ret = peer_fields(a, body, false)) != 0)
		goto out;
	ret = EXIT_ERR;
	if ((id = admin_peer_id(a, argv[0], &name)) == NULL)
		goto out;
	snprintf(path, sizeof(path), "/admin/peers/%s/accept", id);
	if (admin_request(a, "POST", path, body, &resp) != 0)
		goto out;
	if (resp.status != 200 && resp.status != 201) {
		fetch_report(&resp, "accept");
		goto out;
	}
	admin_join_array(a, resp.json, "addresses", false, addrs, sizeof(addrs));
	printf("accepted %s (id %s), address %s\n",
	       text_printable(text_json_str(resp.json, "name") ? text_json_str(resp.json, "name") : name,
	                 buf, sizeof(buf)), id, addrs);
	ret = EXIT_OK;
out:
	json_object_put(body);
	fetch_response_free(&resp);
	return ret;
}

int
admin_edit(struct admin *a, int argc, char **argv)
{
	struct fetch_response resp = { 0 };
	struct json_object *body = json_object_new_object();
	const char *id;
	char path[128], name[128], addrs[256], nets[256], ep[128];
	int ret;

	(void)argc;
	if ((ret = peer_fields(a, body, true)) != 0)
		goto out;
	ret = EXIT_ERR;
	if ((id = admin_peer_id(a, argv[0], NULL)) == NULL)
		goto out;
	snprintf(path, sizeof(path), "/admin/peers/%s", id);
	if (admin_request(a, "PATCH", path, body, &resp) != 0)
		goto out;
	if (resp.status != 200 || resp.json == NULL) {
		fetch_report(&resp, "edit");
		goto out;
	}
	if (a->json) {
		ret = admin_print_json(resp.json);
		goto out;
	}
	admin_join_array(a, resp.json, "addresses", false, addrs, sizeof(addrs));
	admin_join_array(a, resp.json, "networks", false, nets, sizeof(nets));
	text_printable(text_json_str(resp.json, "endpoint"), ep, sizeof(ep));
	printf("edited %s (id %s): address %s, networks %s, endpoint %s\n",
	       text_printable(text_json_str(resp.json, "name"), name, sizeof(name)), id, addrs,
	       nets, text_json_str(resp.json, "endpoint") ? ep : "nat");
	ret = EXIT_OK;
out:
	json_object_put(body);
	fetch_response_free(&resp);
	return ret;
}

/* reject, delete, accept-key: one peer, no body, 204 or 200. */
static int
simple_peer_action(struct admin *a, const char *ref, const char *method,
                   const char *suffix, const char *done)
{
	struct fetch_response resp = { 0 };
	const char *id, *name;
	char path[128], buf[128];
	int ret = EXIT_ERR;

	if ((id = admin_peer_id(a, ref, &name)) == NULL)
		goto out;
	snprintf(path, sizeof(path), "/admin/peers/%s%s", id, suffix);
	if (admin_request(a, method, path, NULL, &resp) != 0)
		goto out;
	if (resp.status != 204 && resp.status != 200) {
		fetch_report(&resp, done);
		goto out;
	}
	printf("%s %s (id %s)\n", done, text_printable(name, buf, sizeof(buf)), id);
	ret = EXIT_OK;
out:
	fetch_response_free(&resp);
	return ret;
}

int
admin_reject(struct admin *a, int argc, char **argv)
{
	/* One peer by name or id: its own route. Several, or by age or
	 * pattern: the bulk one (admin_limits.c). */
	if (argc == 1 && a->older_than == NULL && a->name == NULL)
		return simple_peer_action(a, argv[0], "POST", "/reject", "rejected");
	return admin_reject_bulk(a, argc, argv);
}

int
admin_accept_key(struct admin *a, int argc, char **argv)
{
	(void)argc;
	return simple_peer_action(a, argv[0], "POST", "/accept-key", "accepted the new key of");
}

int
admin_delete(struct admin *a, int argc, char **argv)
{
	(void)argc;
	return simple_peer_action(a, argv[0], "DELETE", "", "deleted");
}

int
admin_config(struct admin *a, int argc, char **argv)
{
	struct fetch_response resp = { 0 };
	const char *id;
	char path[128];
	int ret = EXIT_ERR;

	(void)argc;
	if ((id = admin_peer_id(a, argv[0], NULL)) == NULL)
		goto out;
	snprintf(path, sizeof(path), "/admin/peers/%s/config", id);
	if (admin_request(a, "GET", path, NULL, &resp) != 0)
		goto out;
	if (resp.status != 200 || resp.json == NULL) {
		fetch_report(&resp, "config");
		goto out;
	}
	ret = admin_print_json(resp.json);
out:
	fetch_response_free(&resp);
	return ret;
}
