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

int
admin_network(struct admin *a, int argc, char **argv)
{
	struct fetch_response resp = { 0 };
	struct json_object *body = json_object_new_object(), *arr, *v;
	unsigned long n;
	struct cidr c;
	bool put = false;
	char buf[256];
	int ret = EXIT_ERR;

	(void)argc;
	(void)argv;
	if (a->ipv4) {
		if (ipam_parse(&c, a->ipv4, false, true) != 0 || c.family != 4 || c.prefix > 30) {
			ret = cli_usage_error("invalid --ipv4 '%s' (an IPv4 network such as "
			                        "10.77.0.0/24)", a->ipv4);
			goto out;
		}
		json_object_object_add(body, "ipv4_pool", json_object_new_string(a->ipv4));
		put = true;
	}
	if (a->ipv6) {
		if (strcmp(a->ipv6, "none") == 0) {
			json_object_object_add(body, "ipv6_pool", NULL);
		} else if (ipam_parse(&c, a->ipv6, false, true) != 0 || c.family != 6 ||
		           c.prefix > 126) {
			ret = cli_usage_error("invalid --ipv6 '%s' (an IPv6 network such as "
			                        "fd77::/64, or none)", a->ipv6);
			goto out;
		} else {
			json_object_object_add(body, "ipv6_pool", json_object_new_string(a->ipv6));
		}
		put = true;
	}
	if (a->keepalive) {
		if (text_parse_ulong(a->keepalive, 0, 65535, &n) != 0) {
			ret = cli_usage_error("invalid --keepalive '%s' (seconds, 0-65535)",
			                        a->keepalive);
			goto out;
		}
		json_object_object_add(body, "keepalive", json_object_new_int((int)n));
		put = true;
	}
	if (a->mtu) {
		if (strcmp(a->mtu, "none") == 0) {
			json_object_object_add(body, "mtu", NULL);
		} else if (text_parse_ulong(a->mtu, 1280, 9000, &n) != 0) {
			ret = cli_usage_error("invalid --mtu '%s' (1280-9000, or none)", a->mtu);
			goto out;
		} else {
			json_object_object_add(body, "mtu", json_object_new_int((int)n));
		}
		put = true;
	}
	if (a->dns) {
		if ((arr = admin_split_list(a->dns, "--dns", admin_check_dns)) == NULL) {
			ret = EXIT_USAGE;
			goto out;
		}
		json_object_object_add(body, "dns", arr);
		put = true;
	}
	if (a->signing_key) {
		uint8_t pk[KEYS_LEN];

		if (strcmp(a->signing_key, "none") == 0) {
			json_object_object_add(body, "signing_key", NULL);
		} else if (keys_b64_decode_key(pk, a->signing_key) != 0) {
			ret = cli_usage_error("invalid --signing-key '%s' (a public key from "
			                        "`wgconf admin signing-key`, or none)",
			                        a->signing_key);
			goto out;
		} else {
			json_object_object_add(body, "signing_key",
			                       json_object_new_string(a->signing_key));
		}
		put = true;
	}
	if (admin_request(a, put ? "PUT" : "GET", "/admin/network", put ? body : NULL, &resp) != 0)
		goto out;
	if (resp.status != 200 || resp.json == NULL) {
		fetch_report(&resp, "network");
		goto out;
	}
	if (a->json) {
		ret = admin_print_json(resp.json);
		goto out;
	}
	printf("%-12s%s\n", "ipv4", text_printable(text_json_str(resp.json, "ipv4_pool"), buf, sizeof(buf)));
	printf("%-12s%s\n", "ipv6", text_printable(text_json_str(resp.json, "ipv6_pool"), buf, sizeof(buf)));
	printf("%-12s%s\n", "mtu", json_object_object_get_ex(resp.json, "mtu", &v) && v ?
	       text_printable(json_object_get_string(v), buf, sizeof(buf)) : "-");
	printf("%-12s%s\n", "keepalive",
	       json_object_object_get_ex(resp.json, "keepalive", &v) && v ?
	       text_printable(json_object_get_string(v), buf, sizeof(buf)) : "-");
	admin_join_array(a, resp.json, "dns", false, buf, sizeof(buf));
	printf("%-12s%s\n", "dns", buf);
	printf("%-12s%s\n", "signing key",
	       text_printable(text_json_str(resp.json, "signing_key"), buf, sizeof(buf)));
	if (a->signing_key && strcmp(a->signing_key, "none") != 0)
		fprintf(stderr, "peers signed with another key now show as invalid; sign "
		        "them with `wgconf admin sign --all --key FILE`\n");
	ret = EXIT_OK;
out:
	json_object_put(body);
	fetch_response_free(&resp);
	return ret;
}
