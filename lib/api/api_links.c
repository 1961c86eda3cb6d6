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

int
api_peer_links_put(const struct request *req, struct response *res)
{
	static const char paired[] =
		"SELECT 1 FROM pairs WHERE (a = ?1 AND b = ?2) OR (a = ?2 AND b = ?1)";
	static const char upsert[] =
		"INSERT INTO link_reports (reporter, partner, latest_handshake, rx, tx, reported_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (reporter, partner) DO UPDATE SET"
		" latest_handshake = excluded.latest_handshake, rx = excluded.rx,"
		" tx = excluded.tx, reported_at = excluded.reported_at";
	struct json_object *links, *prev;
	const char *peer = NULL;
	int64_t v[3], now = store_now();
	sqlite3_stmt *st;
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
		if ((st = db_stmt(paired)) == NULL)
			return api_db_error(res);
		sqlite3_bind_text(st, 1, req->peer_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, peer, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc == SQLITE_DONE)
			return http_error(res, 409, "not_paired", "peer %s is not paired with this peer",
			                  peer);
		if (rc != SQLITE_ROW || (st = db_stmt(upsert)) == NULL)
			return api_db_error(res);
		sqlite3_bind_text(st, 1, req->peer_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, peer, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, v[0]);
		sqlite3_bind_int64(st, 4, v[1]);
		sqlite3_bind_int64(st, 5, v[2]);
		sqlite3_bind_int64(st, 6, now);
		if (db_exec_stmt(st) != DB_OK)
			return api_db_error(res);
	}
	res->status = 204;
	return 204;
}

sqlite3_stmt *
api_links_stmt(void)
{
	static const char sql[] =
		"SELECT p.a, pa.name, ra.latest_handshake, ra.rx, ra.tx, ra.reported_at,"
		" p.b, pb.name, rb.latest_handshake, rb.rx, rb.tx, rb.reported_at"
		" FROM pairs p JOIN peers pa ON pa.id = p.a JOIN peers pb ON pb.id = p.b"
		" LEFT JOIN link_reports ra ON ra.reporter = p.a AND ra.partner = p.b"
		" LEFT JOIN link_reports rb ON rb.reporter = p.b AND rb.partner = p.a"
		" ORDER BY min(pa.name, pb.name), max(pa.name, pb.name), p.a, p.b";

	return db_stmt(sql);
}

/* One side of a pair: who, and what it last reported about the link. */
static struct json_object *
side_json(sqlite3_stmt *st, int col)
{
	struct json_object *o = json_object_new_object();
	int reported = sqlite3_column_type(st, col + 5) != SQLITE_NULL;

	json_object_object_add(o, "id", json_object_new_string((const char *)sqlite3_column_text(st, col)));
	json_object_object_add(o, "name",
	                       json_object_new_string((const char *)sqlite3_column_text(st, col + 1)));
	json_object_object_add(o, "latest_handshake",
	                       reported ? views_time(sqlite3_column_int64(st, col + 2)) : NULL);
	json_object_object_add(o, "rx", reported ? json_object_new_int64(sqlite3_column_int64(st, col + 3)) : NULL);
	json_object_object_add(o, "tx", reported ? json_object_new_int64(sqlite3_column_int64(st, col + 4)) : NULL);
	json_object_object_add(o, "reported_at",
	                       reported ? views_time(sqlite3_column_int64(st, col + 5)) : NULL);
	return o;
}

int
api_admin_links(const struct request *req, struct response *res)
{
	struct json_object *arr = NULL, *o;
	int64_t now = store_now(), stale = api_link_stale_after(), ha, hb;
	sqlite3_stmt *st;
	int rc;

	(void)req;
	if ((st = api_links_stmt()) == NULL)
		return api_db_error(res);
	arr = json_object_new_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct json_object *l = json_object_new_object();
		ha = sqlite3_column_int64(st, 2);
		hb = sqlite3_column_int64(st, 8);
		/* Side a is the one whose name sorts first, as people read it. */
		int swap = strcmp((const char *)sqlite3_column_text(st, 1),
		                  (const char *)sqlite3_column_text(st, 7)) > 0;
		json_object_object_add(l, "a", side_json(st, swap ? 6 : 0));
		json_object_object_add(l, "b", side_json(st, swap ? 0 : 6));
		json_object_object_add(l, "expected", json_object_new_boolean(1));
		json_object_object_add(l, "status",
		                       json_object_new_string(api_link_status(ha, hb, now, stale)));
		json_object_object_add(l, "latest_handshake", views_time(ha > hb ? ha : hb));
		json_object_array_add(arr, l);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_object_put(arr);
		return api_db_error(res);
	}
	o = json_object_new_object();
	json_object_object_add(o, "links", arr);
	json_object_object_add(o, "stale_after", json_object_new_int64(stale));
	return http_json(res, 200, o);
}
