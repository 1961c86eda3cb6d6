/* SPDX-License-Identifier: MIT */
/* Mesh-wide settings: address pools, MTU, keepalive, DNS. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

#define DNS_MAX 8

/* The settings as stored now: the mesh's and the limits (lib/store/quota.h). */
static int
answer(struct response *res)
{
	struct json_object *o;
	struct network n;
	struct quota q;

	if (store_network_get(&n) != DB_OK || quota_get(&q) != DB_OK)
		return api_db_error(res);
	o = views_network(&n);
	views_limits(&q, o);
	return http_json(res, 200, o);
}

int
api_admin_network_get(const struct request *req, struct response *res)
{
	(void)req;
	return answer(res);
}

/* A pool field: strict CIDR of family, prefix within [lo, hi]. */
static int
pool_field(struct json_object *obj, const char *key, int family, unsigned lo, unsigned hi,
           int nullable, char *out, size_t outsz, struct response *res)
{
	struct json_object *v;
	struct cidr c;

	if (!json_object_object_get_ex(obj, key, &v))
		return 0;
	if (v == NULL && nullable) {
		out[0] = '\0';
		return 0;
	}
	if (v == NULL || !json_object_is_type(v, json_type_string) ||
	    ipam_parse(&c, json_object_get_string(v), false, true) != 0 ||
	    c.family != family || c.prefix < lo || c.prefix > hi)
		return http_error(res, 400, "invalid_pool", "%s must be an IPv%d network with "
		                  "zero host bits and a prefix from /%u to /%u", key, family, lo, hi);
	ipam_format(out, &c, true);
	(void)outsz;
	return 0;
}

static int
dns_field(struct json_object *obj, char *out, size_t outsz, struct response *res)
{
	struct json_object *v, *arr;
	size_t n;

	if (!json_object_object_get_ex(obj, "dns", &v))
		return 0;
	if (v == NULL) {
		snprintf(out, outsz, "[]");
		return 0;
	}
	if (!json_object_is_type(v, json_type_array) || (n = json_object_array_length(v)) > DNS_MAX)
		return http_error(res, 400, "invalid_dns", "dns must be a list of at most %d "
		                  "IP addresses", DNS_MAX);
	arr = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(v, i);
		char buf[IPAM_STRLEN];
		struct cidr c;
		if (!json_object_is_type(e, json_type_string) ||
		    ipam_parse(&c, json_object_get_string(e), true, false) != 0 ||
		    c.prefix != (c.family == 4 ? 32u : 128u)) {
			json_object_put(arr);
			return http_error(res, 400, "invalid_dns", "dns entry \"%.64s\" is not an "
			                  "IP address", json_object_is_type(e, json_type_string) ?
			                  json_object_get_string(e) : "(not a string)");
		}
		ipam_format(buf, &c, false);
		json_object_array_add(arr, json_object_new_string(buf));
	}
	snprintf(out, outsz, "%s", json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN));
	json_object_put(arr);
	return 0;
}

/* The admin's Ed25519 public key (base64, 32 bytes) or null for none. */
static int
signing_key_field(struct json_object *obj, char *out, size_t outsz, struct response *res)
{
	struct json_object *v;
	uint8_t pk[KEYS_LEN];

	if (!json_object_object_get_ex(obj, "signing_key", &v))
		return 0;
	if (v == NULL) {
		out[0] = '\0';
		return 0;
	}
	if (!json_object_is_type(v, json_type_string) ||
	    keys_b64_decode_key(pk, json_object_get_string(v)) != 0)
		return http_error(res, 400, "invalid_signing_key",
		                  "signing_key must be an Ed25519 public key: 32 bytes in base64");
	snprintf(out, outsz, "%s", json_object_get_string(v));
	return 0;
}

/* Every assigned address of a family must lie in its (new) pool, and no routed
 * network may overlap it. 0 or 409 in res. */
static int
check_pool(const char *pooltext, int family, struct response *res)
{
	char what[IPAM_STRLEN], who[VALIDATE_NAME_MAX + 1];
	struct cidr pool;
	size_t which;
	int rc;

	if (ipam_parse(&pool, pooltext, false, true) != 0)
		return 0;
	rc = store_addresses_outside(&pool, family, what, who);
	if (rc == DB_CONFLICT)
		return http_error(res, 409, "addresses_outside_pool", "peer %.64s has address %s "
		                  "outside %s: move it first", who, what, pooltext);
	if (rc == DB_OK)
		rc = store_networks_overlap(&pool, 1, NULL, &which, what, who);
	if (rc == DB_CONFLICT)
		return http_error(res, 409, "network_overlap", "network %s of peer %.64s overlaps %s",
		                  what, who, pooltext);
	return rc == DB_OK ? 0 : api_db_error(res);
}

/* Gives every accepted peer the addresses it lacks (a new IPv6 pool). */
static int
fill_addresses(struct response *res)
{
	struct strlist ids;
	int status = 0;

	if (store_accepted_ids(&ids) != DB_OK)
		return api_db_error(res);
	for (size_t i = 0; i < ids.n && status == 0; i++)
		status = api_assign_addresses(ids.v[i], NULL, res);
	rows_strlist_free(&ids);
	return status;
}

int
api_admin_network_put(const struct request *req, struct response *res)
{
	struct network n, old;
	struct quota_error qerr;
	struct quota q;
	int status, mtu = 0, mtu_set, ka = 0, ka_set;

	if (store_network_get(&n) != DB_OK)
		return api_db_error(res);
	old = n;
	if ((status = pool_field(req->json, "ipv4_pool", 4, 8, 30, 0, n.ipv4_pool,
	                         sizeof(n.ipv4_pool), res)) != 0 ||
	    (status = pool_field(req->json, "ipv6_pool", 6, 48, 126, 1, n.ipv6_pool,
	                         sizeof(n.ipv6_pool), res)) != 0 ||
	    (status = api_int_field(req->json, "mtu", 1280, 9000, &mtu, &mtu_set, res)) != 0 ||
	    (status = api_int_field(req->json, "keepalive", 0, 65535, &ka, &ka_set, res)) != 0 ||
	    (status = dns_field(req->json, n.dns, sizeof(n.dns), res)) != 0 ||
	    (status = signing_key_field(req->json, n.signing_key, sizeof(n.signing_key), res)) != 0)
		return status;
	if (ka_set && ka < 0)
		return http_error(res, 400, "invalid_field", "\"keepalive\" cannot be null");
	if (mtu_set)
		n.mtu = mtu < 0 ? 0 : mtu;
	if (ka_set)
		n.keepalive = ka;
	if ((status = check_pool(n.ipv4_pool, 4, res)) != 0)
		return status;
	if ((n.ipv6_pool[0] != '\0' || old.ipv6_pool[0] == '\0') &&
	    (status = check_pool(n.ipv6_pool, 6, res)) != 0)
		return status;
	if (store_network_put(&old, &n) != DB_OK)
		return api_db_error(res);
	if ((status = fill_addresses(res)) != 0)
		return status;
	if (quota_get(&q) != DB_OK)
		return api_db_error(res);
	if (quota_from_json(req->json, &q, &qerr) != 0)
		return http_error(res, 400, qerr.code, "%s", qerr.message);
	if (quota_put(&q) != DB_OK)
		return api_db_error(res);
	api_log(res, "network.edit", NULL, json_object_get(req->json), NULL);
	return answer(res);
}
