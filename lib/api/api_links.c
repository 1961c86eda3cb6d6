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
#include "db.h"
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

static int relay_report(const struct request *req, struct response *res);

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
	if ((status = relay_report(req, res)) != 0)
		return status;
	res->change.own_revision = 1;
	res->status = 204;
	return 204;
}

/* "relay": what a host the server makes a relay says: "forwarding", or
 * "refused" (its state folder does not allow it). 0 or 400. */
static int
relay_report(const struct request *req, struct response *res)
{
	struct json_object *v;
	const char *s;

	if (!json_object_object_get_ex(req->json, "relay", &v))
		return 0;
	s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
	if (strcmp(s, "forwarding") != 0 && strcmp(s, "refused") != 0)
		return http_error(res, 400, "invalid_relay", "\"relay\" must be \"forwarding\" or "
		                  "\"refused\"");
	if (store_peer_set_relay_refused(req->peer_id, strcmp(s, "refused") == 0) != DB_OK)
		return api_db_error(res);
	return 0;
}

int
api_relays_refresh(void)
{
	struct relays_change c;
	struct audit_limits lim;
	struct json_object *d;
	struct quota q;
	int rc = store_relays_refresh(store_now(), api_link_stale_after(), &c);

	if (rc != DB_OK || (c.moved == 0 && c.paired == 0))
		return rc;
	/* The server decided this, not the writer of the request. */
	if (quota_get(&q) != DB_OK)
		return DB_ERROR;
	quota_audit_limits(&q, &lim);
	d = json_object_new_object();
	json_object_object_add(d, "moved", json_object_new_int64((int64_t)c.moved));
	json_object_object_add(d, "paired", json_object_new_int64((int64_t)c.paired));
	rc = store_audit(&lim, "server", "relay.route", NULL, d);
	json_object_put(d);
	return rc;
}

struct links_ctx {
	struct json_object *arr;
	int64_t now, stale;
	int relays;                     /* some peer may relay */
	struct strlist refused;         /* names of relays whose hosts refuse */
};

/* Why a pair with no direct path has no relay either. */
static void
why_down(const struct links_ctx *c, char *buf, size_t sz)
{
	if (c->refused.n > 0)
		snprintf(buf, sz, "no direct path, and %s refuses to relay (no `wgconf "
		         "allow-relay` on that host)", c->refused.v[0]);
	else if (!c->relays)
		snprintf(buf, sz, "no direct path (both behind NAT, or the link is down), "
		         "and no peer may relay");
	else
		snprintf(buf, sz, "no direct path, and no relay reaches both ends");
}

/* The path of a-b into l (views_link_path()): a relayed pair's status is
 * its relay's links'. */
static int
add_path(struct links_ctx *c, const struct link_side *a, const struct link_side *b,
         struct json_object *l)
{
	struct relay_path rp;
	int64_t hs;
	char why[200] = "";

	if (store_relay_path(a->id, b->id, c->stale, &rp) != DB_OK)
		return -1;
	hs = rp.via_hs_a < rp.via_hs_b ? rp.via_hs_a : rp.via_hs_b;
	if (rp.via[0] == '\0' && rp.no_direct)
		why_down(c, why, sizeof(why));
	views_link_path(l, &rp, api_link_status(hs, 0, c->now, c->stale), why);
	return 0;
}

static int
add_link(const struct link_side *a, const struct link_side *b, void *ctx)
{
	struct links_ctx *c = ctx;
	const char *status = api_link_status(a->latest_handshake, b->latest_handshake, c->now,
	                                     c->stale);
	struct json_object *l;

	/* Side a is the one whose name sorts first, as people read it. */
	if (strcmp(a->name, b->name) > 0)
		l = views_link(b, a, status);
	else
		l = views_link(a, b, status);
	json_object_array_add(c->arr, l);
	return add_path(c, a, b, l);
}

int
api_admin_links(const struct request *req, struct response *res)
{
	struct links_ctx c = { json_object_new_array(), store_now(), api_link_stale_after(),
	                       0, { 0 } };

	(void)req;
	if ((c.relays = store_relays_any()) < 0 || store_relays_refused(&c.refused) != DB_OK ||
	    store_link_status_each(add_link, &c) != DB_OK) {
		rows_strlist_free(&c.refused);
		json_object_put(c.arr);
		return api_db_error(res);
	}
	rows_strlist_free(&c.refused);
	return http_json(res, 200, views_link_list(c.arr, c.stale));
}

void
api_relays_housekeep(void)
{
	struct store_revisions rev = { NULL, 0 };

	/* A relay that went quiet is noticed by time alone: without any write
	 * meanwhile, its pairs move here. */
	if (db_begin() == 0 && api_relays_refresh() == DB_OK &&
	    store_revisions_commit(&rev) == DB_OK && db_commit() == 0) {
		store_revisions_free(&rev);
		return;
	}
	store_revisions_free(&rev);
	db_reset_all();
	db_rollback();
}
