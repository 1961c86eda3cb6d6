/* SPDX-License-Identifier: MIT */
/* What several handlers share: loading and answering with a peer, field
 * readers, the audit line, the one 500. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "text.h"

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

int
api_answer_peer_written(const char *id, int status, struct response *res)
{
	snprintf(res->change.answer, sizeof(res->change.answer), "%s", id);
	res->status = status;
	return status;
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
