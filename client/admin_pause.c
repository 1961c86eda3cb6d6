/* SPDX-License-Identifier: MIT */
/* wgconf admin disable, enable, and edit --expires: a peer paused without
 * being deleted (POST /admin/peers/{id}/disable|enable). */
#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "cli.h"
#include "text.h"

int
admin_expiry_field(const struct admin *a, struct json_object *body)
{
	unsigned long secs;

	if (a->expires == NULL)
		return 0;
	if (strcmp(a->expires, "never") == 0) {
		json_object_object_add(body, "expires_in", NULL);
		return 0;
	}
	if (admin_parse_duration(a->expires, &secs) != 0)
		return cli_usage_error("invalid --expires '%s' (like 3600, 30m, 24h, 7d; at "
		                       "most 366d; or never)", a->expires);
	json_object_object_add(body, "expires_in", json_object_new_int64((int64_t)secs));
	return 0;
}

/* POST /admin/peers/{id}/what with body (may be NULL), then one line:
 * "disabled web1 (id ...): ...". An exit status. */
static int
pause_action(struct admin *a, const char *ref, const char *what, struct json_object *body)
{
	struct fetch_response resp = { 0 };
	const char *id, *name, *expires;
	char path[128], buf[128], when[64];
	int ret = EXIT_ERR;

	if ((id = admin_peer_id(a, ref, &name)) == NULL)
		goto out;
	snprintf(path, sizeof(path), "/admin/peers/%s/%s", id, what);
	if (admin_request(a, "POST", path, body, &resp) != 0)
		goto out;
	if (resp.status != 200 || resp.json == NULL) {
		fetch_report(&resp, what);
		goto out;
	}
	expires = text_json_str(resp.json, "expires_at");
	text_printable(expires ? expires : "", when, sizeof(when));
	printf("%s %s (id %s): %s%s%s\n", strcmp(what, "disable") == 0 ? "disabled" : "enabled",
	       text_printable(name, buf, sizeof(buf)), id,
	       strcmp(what, "disable") == 0 ? "in no config until enabled" :
	       "back in its partners' configs",
	       expires && strcmp(what, "enable") == 0 ? ", disabled again at " : "",
	       expires && strcmp(what, "enable") == 0 ? when : "");
	ret = EXIT_OK;
out:
	fetch_response_free(&resp);
	return ret;
}

int
admin_disable(struct admin *a, int argc, char **argv)
{
	(void)argc;
	return pause_action(a, argv[0], "disable", NULL);
}

int
admin_enable(struct admin *a, int argc, char **argv)
{
	struct json_object *body = json_object_new_object();
	int ret;

	(void)argc;
	if ((ret = admin_expiry_field(a, body)) == 0)
		ret = pause_action(a, argv[0], "enable", body);
	json_object_put(body);
	return ret;
}
