/* SPDX-License-Identifier: MIT */
/* wgconf admin pair, unpair: the links of the mesh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "cli.h"
#include "text.h"

static int
pair_action(struct admin *a, char **argv, bool pair)
{
	struct fetch_response resp = { 0 };
	const char *ida, *idb, *na, *nb;
	char path[200], ba[128], bb[128];
	int ret = EXIT_ERR;

	if ((ida = admin_peer_id(a, argv[0], &na)) == NULL || (idb = admin_peer_id(a, argv[1], &nb)) == NULL)
		goto out;
	if (strcmp(ida, idb) == 0) {
		ret = cli_usage_error("a peer cannot be paired with itself");
		goto out;
	}
	snprintf(path, sizeof(path), "/admin/pairs/%s/%s", ida, idb);
	if (admin_request(a, pair ? "PUT" : "DELETE", path, NULL, &resp) != 0)
		goto out;
	text_printable(na, ba, sizeof(ba));
	text_printable(nb, bb, sizeof(bb));
	if (pair && (resp.status == 200 || resp.status == 201)) {
		printf(resp.status == 201 ? "paired %s and %s\n"
		                          : "%s and %s were already paired\n", ba, bb);
	} else if (!pair && resp.status == 204) {
		printf("unpaired %s and %s\n", ba, bb);
	} else if (!pair && resp.status == 200) {
		char rules[ADMIN_CELL];
		admin_join_array(a, resp.json, "rules", false, rules, sizeof(rules));
		printf("%s and %s stay paired by rule %s\n", ba, bb, rules);
	} else {
		fetch_report(&resp, pair ? "pair" : "unpair");
		goto out;
	}
	ret = EXIT_OK;
out:
	fetch_response_free(&resp);
	return ret;
}

int
admin_pair(struct admin *a, int argc, char **argv)
{
	(void)argc;
	return pair_action(a, argv, true);
}

int
admin_unpair(struct admin *a, int argc, char **argv)
{
	(void)argc;
	return pair_action(a, argv, false);
}

/* wgconf admin relay PEER on|off: lets a peer relay for pairs that have no
 * direct path (docs/relays.md), or stops it. */
int
admin_relay(struct admin *a, int argc, char **argv)
{
	struct fetch_response resp = { 0 };
	struct json_object *body = NULL;
	const char *id, *name;
	char path[200], b[128];
	bool on;
	int ret = EXIT_ERR;

	(void)argc;
	if (strcmp(argv[1], "on") != 0 && strcmp(argv[1], "off") != 0)
		return cli_usage_error("say on or off, not '%s'", argv[1]);
	on = strcmp(argv[1], "on") == 0;
	if ((id = admin_peer_id(a, argv[0], &name)) == NULL)
		goto out;
	snprintf(path, sizeof(path), "/admin/peers/%s", id);
	body = json_object_new_object();
	json_object_object_add(body, "relay", json_object_new_boolean(on));
	if (admin_request(a, "PATCH", path, body, &resp) != 0)
		goto out;
	if (resp.status != 200) {
		fetch_report(&resp, "relay");
		goto out;
	}
	text_printable(name, b, sizeof(b));
	printf(on ? "%s may relay (its host must allow it: `wgconf allow-relay`)\n"
	          : "%s no longer relays\n", b);
	ret = EXIT_OK;
out:
	json_object_put(body);
	fetch_response_free(&resp);
	return ret;
}
