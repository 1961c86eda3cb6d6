/* SPDX-License-Identifier: MIT */
/* Tunnel addresses from the pools, and routed networks checked against the
 * pools and every other peer's. */
#include <stdlib.h>
#include <string.h>

#include "api.h"

#define NETWORKS_MAX 64

/* Into *got: want when it is a host address of pool that no other peer
 * holds, or else the lowest free host address of pool (from the hint when
 * there is one: store_address_next()). 0 or an error status. */
static int
pick_address(const char *id, const struct cidr *pool, const struct cidr *want,
             struct cidr *got, struct response *res)
{
	struct cidr *taken;
	char buf[IPAM_STRLEN];
	size_t ntaken;
	int rc = 0;

	if (want == NULL && (rc = store_address_next(pool, got)) != DB_NOTFOUND)
		return rc == DB_OK ? 0 : api_db_error(res);
	if (store_addresses_taken(pool->family, id, &taken, &ntaken) != DB_OK) {
		free(taken);
		return api_db_error(res);
	}
	rc = 0;
	if (want != NULL) {
		ipam_format(buf, want, false);
		if (!ipam_contains(pool, want) || ipam_reserved(pool, want))
			rc = http_error(res, 409, "address_outside_pool",
			                "address %s is not a host address of the pool", buf);
		for (size_t i = 0; rc == 0 && i < ntaken; i++)
			if (memcmp(taken[i].addr, want->addr, 16) == 0)
				rc = http_error(res, 409, "address_taken",
				                "address %s belongs to another peer", buf);
		*got = *want;
	} else if (ipam_allocate(got, pool, taken, ntaken) != 0) {
		rc = http_error(res, 409, "pool_exhausted", "the IPv%d pool has no free address",
		                pool->family);
	}
	free(taken);
	return rc;
}

/* Gives peer id an address of pool's family: want, or the next free one. */
static int
assign_one(const char *id, const struct cidr *pool, const struct cidr *want,
           struct response *res)
{
	struct cidr got;
	char buf[IPAM_STRLEN];
	int rc;

	if ((rc = pick_address(id, pool, want, &got, res)) != 0)
		return rc;
	switch (store_address_set(id, &got)) {
	case DB_OK:
		/* The lowest free one is taken: the next is looked for after it. */
		return want != NULL || store_address_hint(pool, &got) == DB_OK ? 0 :
		       api_db_error(res);
	case DB_CONFLICT:
		ipam_format(buf, &got, false);
		return http_error(res, 409, "address_taken", "address %s belongs to another peer", buf);
	default:
		return api_db_error(res);
	}
}

int
api_assign_addresses(const char *id, const char *want, struct response *res)
{
	struct network net;
	struct peer p;
	struct cidr pool4, pool6, w;
	int have6, status;

	if (store_network_get(&net) != DB_OK)
		return api_db_error(res);
	status = store_peer_get(&p, id) == DB_OK ? 0 : api_db_error(res);
	/* Only the addresses are needed. */
	rows_peer_free(&p);
	if (status != 0)
		return status;
	if (ipam_parse(&pool4, net.ipv4_pool, false, true) != 0)
		return api_db_error(res);
	have6 = net.ipv6_pool[0] != '\0' && ipam_parse(&pool6, net.ipv6_pool, false, true) == 0;
	if (want != NULL) {
		if (ipam_parse(&w, want, true, false) != 0 ||
		    w.prefix != (w.family == 4 ? 32u : 128u))
			return http_error(res, 400, "invalid_address",
			                  "address \"%.64s\" is not a single IP address", want);
		if (w.family == 6 && !have6)
			return http_error(res, 409, "address_outside_pool",
			                  "no IPv6 pool is set for address %.64s", want);
		if ((status = assign_one(id, w.family == 4 ? &pool4 : &pool6, &w, res)) != 0)
			return status;
		if (w.family == 4)
			p.addr4[0] = 'x';
		else
			p.addr6[0] = 'x';
	}
	if (p.addr4[0] == '\0' && (status = assign_one(id, &pool4, NULL, res)) != 0)
		return status;
	if (have6 && p.addr6[0] == '\0' && (status = assign_one(id, &pool6, NULL, res)) != 0)
		return status;
	return 0;
}

int
api_assign_address_exact(const char *id, const char *want, struct response *res)
{
	struct network net;
	struct cidr pool, w;

	if (ipam_parse(&w, want, true, false) != 0 || w.prefix != (w.family == 4 ? 32u : 128u))
		return http_error(res, 400, "invalid_address",
		                  "address \"%.64s\" is not a single IP address", want);
	if (store_network_get(&net) != DB_OK)
		return api_db_error(res);
	if (ipam_parse(&pool, w.family == 4 ? net.ipv4_pool : net.ipv6_pool, false, true) != 0)
		return http_error(res, 409, "address_outside_pool",
		                  "no IPv%d pool is set for address %.64s", w.family, want);
	return assign_one(id, &pool, &w, res);
}

int
api_check_networks(struct json_object *in, const char *id, struct json_object **out,
                   struct response *res)
{
	struct cidr nets[NETWORKS_MAX], pools[2];
	struct network net;
	size_t n, npools = 0, which;
	char buf[IPAM_STRLEN], what[IPAM_STRLEN], who[VALIDATE_NAME_MAX + 1];
	int rc;

	*out = NULL;
	if (in == NULL) {
		*out = json_object_new_array();
		return 0;
	}
	if (!json_object_is_type(in, json_type_array))
		return http_error(res, 400, "invalid_networks", "networks must be a list of CIDRs");
	n = json_object_array_length(in);
	if (n > NETWORKS_MAX)
		return http_error(res, 400, "invalid_networks", "at most %d networks", NETWORKS_MAX);
	for (size_t i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(in, i);
		const char *s = json_object_is_type(v, json_type_string) ?
		                json_object_get_string(v) : NULL;
		if (s == NULL || ipam_parse(&nets[i], s, false, true) != 0)
			return http_error(res, 400, "invalid_network", "network \"%.64s\" is not a CIDR "
			                  "with zero host bits", s ? s : "(not a string)");
		for (size_t j = 0; j < i; j++)
			if (ipam_overlap(&nets[i], &nets[j]))
				return http_error(res, 400, "invalid_network",
				                  "network %.64s overlaps another in the list", s);
	}
	if (store_network_get(&net) != DB_OK)
		return api_db_error(res);
	if (ipam_parse(&pools[npools], net.ipv4_pool, false, true) == 0)
		npools++;
	if (ipam_parse(&pools[npools], net.ipv6_pool, false, true) == 0)
		npools++;
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < npools; j++) {
			if (ipam_overlap(&nets[i], &pools[j])) {
				ipam_format(buf, &nets[i], true);
				return http_error(res, 409, "network_overlap",
				                  "network %s overlaps the mesh address pool", buf);
			}
		}
	}
	rc = store_networks_overlap(nets, n, id, &which, what, who);
	if (rc == DB_CONFLICT) {
		ipam_format(buf, &nets[which], true);
		return http_error(res, 409, "network_overlap", "network %s overlaps %s of peer %.64s",
		                  buf, what, who);
	}
	if (rc != DB_OK)
		return api_db_error(res);
	*out = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		ipam_format(buf, &nets[i], true);
		json_object_array_add(*out, json_object_new_string(buf));
	}
	return 0;
}

int
api_store_networks(const char *id, struct json_object *nets, struct response *res)
{
	struct strlist l = { 0 };
	int rc = DB_OK;

	for (size_t i = 0; rc == DB_OK && i < json_object_array_length(nets); i++)
		if (rows_strlist_add(&l, json_object_get_string(json_object_array_get_idx(nets, i))) != 0)
			rc = DB_ERROR;
	if (rc == DB_OK)
		rc = store_networks_set(id, &l);
	rows_strlist_free(&l);
	return rc == DB_OK ? 0 : api_db_error(res);
}
