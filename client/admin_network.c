/* SPDX-License-Identifier: MIT */
/* wgconf admin network: the settings every peer's config derives from. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "cli.h"
#include "text.h"
#include "ipam.h"
#include "keys.h"

/* The changes the options ask for, checked, into body; *put says whether
 * there are any. 0 or EXIT_USAGE (said). */
static int
network_changes(const struct admin *a, struct json_object *body, bool *put)
{
	struct json_object *arr;
	uint8_t pk[KEYS_LEN];
	struct cidr c;
	int n;

	*put = a->ipv4 || a->ipv6 || a->keepalive || a->mtu || a->dns || a->signing_key;
	if ((n = admin_limit_changes(a, body, put)) != 0)
		return n;
	if (a->ipv4 && (ipam_parse(&c, a->ipv4, false, true) != 0 || c.family != 4 ||
	                c.prefix > 30))
		return cli_usage_error("invalid --ipv4 '%s' (an IPv4 network such as "
		                       "10.77.0.0/24)", a->ipv4);
	if (a->ipv4)
		json_object_object_add(body, "ipv4_pool", json_object_new_string(a->ipv4));
	if (a->ipv6 && strcmp(a->ipv6, "none") != 0 &&
	    (ipam_parse(&c, a->ipv6, false, true) != 0 || c.family != 6 || c.prefix > 126))
		return cli_usage_error("invalid --ipv6 '%s' (an IPv6 network such as "
		                       "fd77::/64, or none)", a->ipv6);
	if (a->ipv6)
		json_object_object_add(body, "ipv6_pool", strcmp(a->ipv6, "none") == 0 ? NULL :
		                       json_object_new_string(a->ipv6));
	if (a->keepalive && text_parse_int(a->keepalive, 0, 65535, &n) != 0)
		return cli_usage_error("invalid --keepalive '%s' (seconds, 0-65535)",
		                       a->keepalive);
	if (a->keepalive)
		json_object_object_add(body, "keepalive", json_object_new_int(n));
	if (a->mtu && strcmp(a->mtu, "none") != 0 && text_parse_int(a->mtu, 1280, 9000, &n) != 0)
		return cli_usage_error("invalid --mtu '%s' (1280-9000, or none)", a->mtu);
	if (a->mtu)
		json_object_object_add(body, "mtu", strcmp(a->mtu, "none") == 0 ? NULL :
		                       json_object_new_int(n));
	if (a->dns) {
		if ((arr = admin_split_list(a->dns, "--dns", admin_check_dns)) == NULL)
			return EXIT_USAGE;
		json_object_object_add(body, "dns", arr);
	}
	if (a->signing_key && strcmp(a->signing_key, "none") != 0 &&
	    keys_b64_decode_key(pk, a->signing_key) != 0)
		return cli_usage_error("invalid --signing-key '%s' (a public key from `wgconf "
		                       "admin signing-key`, or none)", a->signing_key);
	if (a->signing_key)
		json_object_object_add(body, "signing_key",
		                       strcmp(a->signing_key, "none") == 0 ? NULL :
		                       json_object_new_string(a->signing_key));
	return 0;
}

/* A member shown as text (strings, numbers), "-" when absent or null. */
static const char *
member_text(struct json_object *obj, const char *key, char *buf, size_t bufsz)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || v == NULL)
		return "-";
	return text_printable(json_object_get_string(v), buf, bufsz);
}

int
admin_network(struct admin *a, int argc, char **argv)
{
	struct fetch_response resp = { 0 };
	struct json_object *body = json_object_new_object();
	bool put;
	char buf[256];
	int ret;

	(void)argc;
	(void)argv;
	if ((ret = network_changes(a, body, &put)) != 0)
		goto out;
	ret = EXIT_ERR;
	if (admin_request(a, put ? "PUT" : "GET", "/admin/network", put ? body : NULL,
	                  &resp) != 0)
		goto out;
	if (resp.status != 200 || resp.json == NULL) {
		fetch_report(&resp, "network");
		goto out;
	}
	if (a->json) {
		ret = admin_print_json(resp.json);
		goto out;
	}
	printf("%-12s%s\n", "ipv4", member_text(resp.json, "ipv4_pool", buf, sizeof(buf)));
	printf("%-12s%s\n", "ipv6", member_text(resp.json, "ipv6_pool", buf, sizeof(buf)));
	printf("%-12s%s\n", "mtu", member_text(resp.json, "mtu", buf, sizeof(buf)));
	printf("%-12s%s\n", "keepalive", member_text(resp.json, "keepalive", buf, sizeof(buf)));
	admin_join_array(a, resp.json, "dns", false, buf, sizeof(buf));
	printf("%-12s%s\n", "dns", buf);
	printf("%-12s%s\n", "signing key",
	       member_text(resp.json, "signing_key", buf, sizeof(buf)));
	admin_limit_print(resp.json);
	if (a->signing_key && strcmp(a->signing_key, "none") != 0)
		fprintf(stderr, "peers signed with another key now show as invalid; sign "
		        "them with `wgconf admin sign --all --key FILE`\n");
	ret = EXIT_OK;
out:
	json_object_put(body);
	fetch_response_free(&resp);
	return ret;
}
