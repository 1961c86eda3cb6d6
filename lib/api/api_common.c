/* SPDX-License-Identifier: MIT */
/* What several handlers share: field readers, address and network checks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "meshconf.h"
#include "text.h"

#define NETWORKS_MAX 64

int
api_db_error(struct response *res)
{
	return http_error(res, 500, "database_error", "the database could not be used");
}

int
api_load_peer(struct peer *p, const char *id, struct response *res)
{
	int rc = store_peer_get(p, id);

	if (rc == DB_NOTFOUND)
		return http_error(res, 404, "peer_not_found", "no peer with id \"%.32s\"", id);
	if (rc != DB_OK)
		return api_db_error(res);
	return 0;
}

int
api_answer_peer(const char *id, int status, struct response *res)
{
	struct network net;
	struct peer p;
	int st;

	if ((st = api_load_peer(&p, id, res)) == 0) {
		if (store_network_get(&net) != DB_OK) {
			st = api_db_error(res);
		} else {
			st = http_json(res, status, views_peer(&p, &net));
			/* What If-Match on a PATCH or DELETE of it names. */
			snprintf(res->etag, sizeof(res->etag), "%lld", (long long)p.revision);
		}
	}
	rows_peer_free(&p);
	return st;
}

/*
 * A config is the same bytes for as long as its peer's revision stays: the
 * one kept for that revision is sent as it is. Otherwise it is built from
 * this snapshot and kept by the dispatcher once the read is over; an error
 * on either way is a 500, and nothing half-built is ever kept.
 */
/* Each link into the config's text as it is read. */
static int
write_link(const struct link *l, void *ctx)
{
	return meshconf_text_link(ctx, l);
}

int
api_answer_peer_written(const char *id, int status, struct response *res)
{
	snprintf(res->change.answer, sizeof(res->change.answer), "%s", id);
	res->status = status;
	return status;
}

int
api_answer_config(const struct peer *p, struct response *res)
{
	struct revocation_list revs = { NULL, 0 };
	struct meshconf_writer w;
	struct network net;
	char *text;
	size_t len;
	int rc;

	rc = store_config_cached(p->id, p->revision, MESHCONF_FORMAT, &text, &len);
	if (rc == DB_OK)
		return http_json_text(res, 200, text, len);
	if (rc != DB_NOTFOUND || store_network_get(&net) != DB_OK ||
	    store_revocation_list(&revs, 1) != DB_OK) {
		rows_revocation_list_free(&revs);
		return api_db_error(res);
	}
	/* Written as the rows come: no JSON tree, no list of links. */
	if (meshconf_text_begin(&w, p, &net) != 0) {
		meshconf_text_free(&w);
		rows_revocation_list_free(&revs);
		return http_error(res, 500, "internal", "out of memory");
	}
	/* A paused peer keeps its pairs, but is sent none of them. */
	if (p->disabled_at == 0 && store_links_each(p->id, write_link, &w) != DB_OK) {
		meshconf_text_free(&w);
		rows_revocation_list_free(&revs);
		return api_db_error(res);
	}
	rc = meshconf_text_end(&w, &revs, &text, &len);
	rows_revocation_list_free(&revs);
	if (rc != 0)
		return http_error(res, 500, "internal", "out of memory");
	snprintf(res->keep.peer, sizeof(res->keep.peer), "%s", p->id);
	res->keep.revision = p->revision;
	res->keep.format = MESHCONF_FORMAT;
	return http_json_text(res, 200, text, len);
}

int
api_page_limit(const struct request *req, size_t *limit, struct response *res)
{
	const char *v = http_query(req, "limit");
	uint64_t n = API_PAGE_DEF;

	if (v != NULL && text_parse_u64(v, 1, API_PAGE_MAX, &n) != 0)
		return http_error(res, 400, "invalid_limit", "limit must be from 1 to %d",
		                  API_PAGE_MAX);
	*limit = (size_t)n;
	return 0;
}

int
api_with_secret(const struct request *req, struct response *res, api_secret_handler *fn)
{
	char secret[KEYS_TOKEN_LEN] = "";
	int status = fn(req, res, secret);

	keys_wipe(secret, sizeof(secret));
	return status;
}

void
api_log(struct response *res, const char *action, const char *target,
        struct json_object *detail, const char *actor)
{
	res->change.action = action;
	snprintf(res->change.target, sizeof(res->change.target), "%s", target ? target : "");
	snprintf(res->change.actor, sizeof(res->change.actor), "%s", actor ? actor : "");
	json_object_put(res->change.detail);
	res->change.detail = detail;
}

int
api_parse_endpoint(struct json_object *v, char *out, size_t outsz, struct response *res)
{
	char host[VALIDATE_HOST_MAX + 1];
	uint16_t port;
	const char *s;

	out[0] = '\0';
	if (v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return http_error(res, 400, "invalid_endpoint",
		                  "endpoint must be \"host:port\", \"[v6]:port\", \"nat\" or null");
	s = json_object_get_string(v);
	if (validate_is_nat(s))
		return 0;
	if (validate_endpoint(s, host, sizeof(host), &port) != 0 || strlen(s) >= outsz)
		return http_error(res, 400, "invalid_endpoint", "endpoint \"%.64s\" is not "
		                  "host:port or [v6]:port with a port from 1 to 65535", s);
	snprintf(out, outsz, "%s", s);
	return 0;
}

int
api_public_key(const char *field, const char *key, uint8_t pk[KEYS_LEN], struct response *res)
{
	int r = keys_parse_public(pk, key);

	if (r == 0)
		return 0;
	if (key == NULL)
		return http_error(res, 400, "invalid_public_key", "%s must be a WireGuard "
		                  "public key: 44 characters of base64", field);
	return http_error(res, 400, "invalid_public_key", "%s \"%.64s\" is %s", field, key,
	                  keys_public_why(r));
}

int
api_int_field(struct json_object *obj, const char *key, int lo, int hi,
              int *val, int *set, struct response *res)
{
	struct json_object *v;
	int64_t n;

	*set = 0;
	if (!json_object_object_get_ex(obj, key, &v))
		return 0;
	*set = 1;
	if (v == NULL) {
		*val = -1;
		return 0;
	}
	if (!json_object_is_type(v, json_type_int))
		return http_error(res, 400, "invalid_field", "\"%s\" must be an integer", key);
	errno = 0;
	n = json_object_get_int64(v);
	if (errno != 0 || n < lo || n > hi)
		return http_error(res, 400, "invalid_field",
		                  "\"%s\" must be from %d to %d", key, lo, hi);
	*val = (int)n;
	return 0;
}

/* Gives peer id an address of pool's family: want, or the next free one. */
static int
assign_one(const char *id, const struct cidr *pool, const struct cidr *want,
           struct response *res)
{
	struct cidr *taken, got;
	char buf[IPAM_STRLEN];
	size_t ntaken;
	int rc = 0;

	if (store_addresses_taken(pool->family, id, &taken, &ntaken) != DB_OK) {
		free(taken);
		return api_db_error(res);
	}
	if (want != NULL) {
		ipam_format(buf, want, false);
		if (!ipam_contains(pool, want) || ipam_reserved(pool, want))
			rc = http_error(res, 409, "address_outside_pool",
			                "address %s is not a host address of the pool", buf);
		for (size_t i = 0; rc == 0 && i < ntaken; i++)
			if (memcmp(taken[i].addr, want->addr, 16) == 0)
				rc = http_error(res, 409, "address_taken",
				                "address %s belongs to another peer", buf);
		got = *want;
	} else if (ipam_allocate(&got, pool, taken, ntaken) != 0) {
		rc = http_error(res, 409, "pool_exhausted", "the IPv%d pool has no free address",
		                pool->family);
	}
	free(taken);
	if (rc != 0)
		return rc;
	switch (store_address_set(id, &got)) {
	case DB_OK:
		return 0;
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
