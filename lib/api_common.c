/* SPDX-License-Identifier: MIT */
/* What several handlers share: field readers, address and network checks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "db.h"
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
	model_peer_free(&p);
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
		model_revocation_list_free(&revs);
		return api_db_error(res);
	}
	/* Written as the rows come: no JSON tree, no list of links. */
	if (meshconf_text_begin(&w, p, &net) != 0) {
		meshconf_text_free(&w);
		model_revocation_list_free(&revs);
		return http_error(res, 500, "internal", "out of memory");
	}
	if (store_links_each(p->id, write_link, &w) != DB_OK) {
		meshconf_text_free(&w);
		model_revocation_list_free(&revs);
		return api_db_error(res);
	}
	rc = meshconf_text_end(&w, &revs, &text, &len);
	model_revocation_list_free(&revs);
	if (rc != 0)
		return http_error(res, 500, "internal", "out of memory");
	snprintf(res->keep.peer, sizeof(res->keep.peer), "%s", p->id);
	res->keep.revision = p->revision;
	res->keep.format = MESHCONF_FORMAT;
	return http_json_text(res, 200, text, len);
}

int
api_answer_rows(sqlite3_stmt *st, const char *key, api_row_view *row, struct response *res)
{
	struct json_object *arr, *o;
	int rc;

	if (st == NULL)
		return api_db_error(res);
	arr = json_object_new_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_object_array_add(arr, row(st));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_object_put(arr);
		return api_db_error(res);
	}
	o = json_object_new_object();
	json_object_object_add(o, key, arr);
	return http_json(res, 200, o);
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

void
api_bump(struct response *res, const char *id)
{
	if (id == NULL) {
		res->change.bump_all = 1;
		return;
	}
	for (size_t i = 0; i < 2; i++) {
		if (res->change.bump[i][0] == '\0' || strcmp(res->change.bump[i], id) == 0) {
			snprintf(res->change.bump[i], sizeof(res->change.bump[i]), "%s", id);
			return;
		}
	}
	/* Never more than two: a third would be a handler's bug. */
	res->change.bump_all = 1;
}

void
api_bump_pair(struct response *res, const char *a, const char *b)
{
	snprintf(res->change.bump[0], sizeof(res->change.bump[0]), "%s", a);
	snprintf(res->change.bump[1], sizeof(res->change.bump[1]), "%s", b);
	res->change.bump_ends = 1;
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

/* Host addresses of a family held by peers other than id, into *out (the
 * caller frees it, also after an error). DB_OK or DB_ERROR: an address
 * missed here could be handed out twice. */
static int
taken_addresses(int family, const char *id, struct cidr **out, size_t *n)
{
	static const char sql[] =
		"SELECT address FROM addresses WHERE family = ?1 AND peer_id != ?2";
	sqlite3_stmt *st = db_stmt(sql);
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_int(st, 1, family);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			struct cidr *nv = realloc(*out, (cap ? cap * 2 : 64) * sizeof(**out));
			if (nv == NULL)
				break;
			*out = nv;
			cap = cap ? cap * 2 : 64;
		}
		if (ipam_parse(&(*out)[*n], (const char *)sqlite3_column_text(st, 0), true, false) == 0)
			(*n)++;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? DB_OK : DB_ERROR;
}

static int
set_address(const char *id, const struct cidr *a)
{
	/* An upsert on the peer's own row only: OR REPLACE would also resolve a
	 * clash on the UNIQUE address by deleting the other peer's row. */
	static const char sql[] =
		"INSERT INTO addresses (peer_id, family, address) VALUES (?1, ?2, ?3)"
		" ON CONFLICT (peer_id, family) DO UPDATE SET address = excluded.address";
	sqlite3_stmt *st = db_stmt(sql);
	char buf[IPAM_STRLEN];

	if (st == NULL)
		return DB_ERROR;
	ipam_format(buf, a, false);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, a->family);
	sqlite3_bind_text(st, 3, buf, -1, SQLITE_TRANSIENT);
	return db_exec_stmt(st);
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

	if (taken_addresses(pool->family, id, &taken, &ntaken) != DB_OK) {
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
	switch (set_address(id, &got)) {
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
	model_peer_free(&p);
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
	static const char sql[] =
		"SELECT cidr, (SELECT name FROM peers WHERE id = peer_id) FROM networks"
		" WHERE peer_id != ?1";
	struct cidr nets[NETWORKS_MAX], pools[2];
	struct network net;
	sqlite3_stmt *st;
	size_t n, npools = 0;
	char buf[IPAM_STRLEN];
	int status = 0, rc = SQLITE_DONE;

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
	if ((st = db_stmt(sql)) == NULL)
		return api_db_error(res);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while (status == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct cidr other;
		if (ipam_parse(&other, (const char *)sqlite3_column_text(st, 0), false, false) != 0)
			continue;
		for (size_t i = 0; i < n; i++) {
			if (ipam_overlap(&nets[i], &other)) {
				ipam_format(buf, &nets[i], true);
				status = http_error(res, 409, "network_overlap",
				                    "network %s overlaps %s of peer %.64s", buf,
				                    sqlite3_column_text(st, 0), sqlite3_column_text(st, 1));
				break;
			}
		}
	}
	sqlite3_reset(st);
	if (status != 0)
		return status;
	if (rc != SQLITE_DONE)
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
	static const char del[] = "DELETE FROM networks WHERE peer_id = ?1";
	static const char ins[] =
		"INSERT INTO networks (peer_id, cidr, position) VALUES (?1, ?2, ?3)";
	sqlite3_stmt *st;

	if ((st = db_stmt(del)) == NULL)
		return api_db_error(res);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (db_exec_stmt(st) != DB_OK)
		return api_db_error(res);
	for (size_t i = 0; i < json_object_array_length(nets); i++) {
		if ((st = db_stmt(ins)) == NULL)
			return api_db_error(res);
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, json_object_get_string(json_object_array_get_idx(nets, i)),
		                  -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(st, 3, (int)i);
		if (db_exec_stmt(st) != DB_OK)
			return api_db_error(res);
	}
	return 0;
}
