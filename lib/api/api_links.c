/* SPDX-License-Identifier: MIT */
/*
 * Link status: hosts report, after each config fetch, what `wg show dump`
 * says about each of their links (latest handshake, bytes); the server keeps
 * the latest report per reporter and partner and shows each pair with both
 * sides' view. A report changes no config: no revision, no audit entry, one
 * small upsert per link.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "text.h"

#define LINKS_MAX               1024    /* per report: more than any peer has pairs */
#define LINK_STALE_DEFAULT      180     /* WireGuard shakes hands every 2 min on a live link */
#define LINK_FUTURE_SLACK       86400   /* host clocks may run ahead, not by days */

int64_t
api_link_stale_after(void)
{
	const char *env = getenv("WGCONFSRV_LINK_STALE_SECONDS");
	unsigned long v;

	if (env != NULL && text_parse_ulong(env, 1, 7 * 86400, &v) == 0)
		return (int64_t)v;
	return LINK_STALE_DEFAULT;
}

const char *
api_link_status(int64_t hs_a, int64_t hs_b, int64_t now, int64_t stale_after)
{
	int64_t hs = hs_a > hs_b ? hs_a : hs_b;

	if (hs <= 0)
		return "never";
	return now - hs < stale_after ? "up" : "stale";
}

/* One element of a report, checked: 0 or 400 naming what is wrong. */
static int
parse_link(struct json_object *o, size_t i, const char **peer, int64_t v[3], int64_t now,
           struct response *res)
{
	static const char *const keys[] = { "peer", "latest_handshake", "rx", "tx", NULL };
	struct json_object *x;
	int status;

	if (!json_object_is_type(o, json_type_object))
		return http_error(res, 400, "invalid_links", "links[%zu] must be an object", i);
	if ((status = http_allow_keys(o, keys, res)) != 0)
		return status;
	if (!json_object_object_get_ex(o, "peer", &x) || !json_object_is_type(x, json_type_string))
		return http_error(res, 400, "invalid_links", "links[%zu].peer must be a peer id", i);
	*peer = json_object_get_string(x);
	if (!text_in_class(*peer, PEER_ID_LEN - 1, PEER_ID_LEN - 1, ""))
		return http_error(res, 400, "invalid_links", "links[%zu].peer \"%.40s\" is not a "
		                  "peer id", i, *peer);
	for (size_t k = 1; k <= 3; k++) {
		if (!json_object_object_get_ex(o, keys[k], &x) || !json_object_is_type(x, json_type_int))
			return http_error(res, 400, "invalid_links", "links[%zu].%s must be a whole "
			                  "number", i, keys[k]);
		v[k - 1] = json_object_get_int64(x);
		if (v[k - 1] < 0 || v[k - 1] == INT64_MAX)
			return http_error(res, 400, "invalid_links", "links[%zu].%s is out of range",
			                  i, keys[k]);
	}
	if (v[0] > now + LINK_FUTURE_SLACK)
		return http_error(res, 400, "invalid_links", "links[%zu].latest_handshake is in "
		                  "the future", i);
	return 0;
}

int
api_peer_links_put(const struct request *req, struct response *res)
{
	struct json_object *links, *prev;
	const char *peer = NULL;
	int64_t v[3], now = store_now();
	size_t n;
	int status, rc;

	if (!json_object_object_get_ex(req->json, "links", &links) ||
	    !json_object_is_type(links, json_type_array))
		return http_error(res, 400, "invalid_links", "\"links\" must be a list");
	if ((n = json_object_array_length(links)) > LINKS_MAX)
		return http_error(res, 400, "invalid_links", "at most %d links per report", LINKS_MAX);
	for (size_t i = 0; i < n; i++) {
		if ((status = parse_link(json_object_array_get_idx(links, i), i, &peer, v, now,
		                         res)) != 0)
			return status;
		for (size_t j = 0; j < i; j++) {
			json_object_object_get_ex(json_object_array_get_idx(links, j), "peer", &prev);
			if (strcmp(json_object_get_string(prev), peer) == 0)
				return http_error(res, 400, "invalid_links", "peer %s is reported twice",
				                  peer);
		}
		rc = store_link_paired(req->peer_id, peer);
		if (rc == DB_NOTFOUND)
			return http_error(res, 409, "not_paired", "peer %s is not paired with this peer",
			                  peer);
		if (rc != DB_OK ||
		    store_link_report(req->peer_id, peer, v[0], v[1], v[2], now) != DB_OK)
			return api_db_error(res);
	}
	res->status = 204;
	return 204;
}

struct links_ctx {
	struct json_object *arr;
	int64_t now, stale;
};

static int
add_link(const struct link_side *a, const struct link_side *b, void *ctx)
{
	struct links_ctx *c = ctx;
	const char *status = api_link_status(a->latest_handshake, b->latest_handshake, c->now,
	                                     c->stale);

	/* Side a is the one whose name sorts first, as people read it. */
	if (strcmp(a->name, b->name) > 0)
		json_object_array_add(c->arr, views_link(b, a, status));
	else
		json_object_array_add(c->arr, views_link(a, b, status));
	return 0;
}

int
api_admin_links(const struct request *req, struct response *res)
{
	struct links_ctx c = { json_object_new_array(), store_now(), api_link_stale_after() };

	(void)req;
	if (store_link_status_each(add_link, &c) != DB_OK) {
		json_object_put(c.arr);
		return api_db_error(res);
	}
	return http_json(res, 200, views_link_list(c.arr, c.stale));
}
