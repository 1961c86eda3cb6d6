/* SPDX-License-Identifier: MIT */
/* Rows to structs and JSON; the revision stamp; the audit log. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "meshconf.h"
#include "model.h"

static void
copy_col(char *dst, size_t dstsz, sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	snprintf(dst, dstsz, "%s", t ? (const char *)t : "");
}

int
store_peer_get(struct peer *p, const char *id)
{
	static const char sql[] =
		"SELECT id, name, state, public_key, endpoint, listen_port, keepalive,"
		" revision, created_at, last_seen, signature,"
		" (SELECT address FROM addresses WHERE peer_id = p.id AND family = 4),"
		" (SELECT address FROM addresses WHERE peer_id = p.id AND family = 6)"
		" FROM peers p WHERE id = ?1";
	sqlite3_stmt *st = db_stmt(sql);
	int rc;

	memset(p, 0, sizeof(*p));
	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		copy_col(p->id, sizeof(p->id), st, 0);
		copy_col(p->name, sizeof(p->name), st, 1);
		p->accepted = strcmp((const char *)sqlite3_column_text(st, 2), "accepted") == 0;
		copy_col(p->public_key, sizeof(p->public_key), st, 3);
		copy_col(p->endpoint, sizeof(p->endpoint), st, 4);
		p->listen_port = sqlite3_column_int(st, 5);
		p->keepalive = sqlite3_column_type(st, 6) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 6);
		p->revision = sqlite3_column_int64(st, 7);
		p->created_at = sqlite3_column_int64(st, 8);
		p->last_seen = sqlite3_column_int64(st, 9);
		if (sqlite3_column_bytes(st, 10) == KEYS_SIG_LEN) {
			memcpy(p->signature, sqlite3_column_blob(st, 10), KEYS_SIG_LEN);
			p->has_signature = 1;
		}
		copy_col(p->addr4, sizeof(p->addr4), st, 11);
		copy_col(p->addr6, sizeof(p->addr6), st, 12);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return DB_OK;
	return rc == SQLITE_DONE ? DB_NOTFOUND : DB_ERROR;
}

struct json_object *
store_strings(const char *sql, const char *bind)
{
	sqlite3_stmt *st = db_stmt(sql);
	struct json_object *arr;
	int rc;

	if (st == NULL)
		return NULL;
	arr = json_object_new_array();
	if (bind != NULL)
		sqlite3_bind_text(st, 1, bind, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_object_array_add(arr, json_object_new_string(
			(const char *)sqlite3_column_text(st, 0)));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_object_put(arr);
		return NULL;
	}
	return arr;
}

struct json_object *
store_peer_networks(const char *id)
{
	static const char sql[] =
		"SELECT cidr FROM networks WHERE peer_id = ?1 ORDER BY position";

	return store_strings(sql, id);
}

static struct json_object *
peer_pairs(const char *id)
{
	static const char sql[] =
		"SELECT b FROM pairs WHERE a = ?1 UNION SELECT a FROM pairs WHERE b = ?1 ORDER BY 1";

	return store_strings(sql, id);
}

static struct json_object *
string_or_null(const char *s)
{
	return s[0] != '\0' ? json_object_new_string(s) : NULL;
}

struct json_object *
store_peer_json(const struct peer *p)
{
	struct json_object *o, *addrs, *nets, *pairs;

	nets = store_peer_networks(p->id);
	pairs = peer_pairs(p->id);
	if (nets == NULL || pairs == NULL) {
		json_object_put(nets);
		json_object_put(pairs);
		return NULL;
	}
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(p->id));
	json_object_object_add(o, "name", json_object_new_string(p->name));
	json_object_object_add(o, "state", json_object_new_string(p->accepted ? "accepted" : "pending"));
	json_object_object_add(o, "public_key", json_object_new_string(p->public_key));
	json_object_object_add(o, "endpoint", string_or_null(p->endpoint));
	json_object_object_add(o, "listen_port",
	                       p->listen_port ? json_object_new_int(p->listen_port) : NULL);
	json_object_object_add(o, "keepalive",
	                       p->keepalive >= 0 ? json_object_new_int(p->keepalive) : NULL);
	addrs = json_object_new_array();
	if (p->addr4[0] != '\0')
		json_object_array_add(addrs, json_object_new_string(p->addr4));
	if (p->addr6[0] != '\0')
		json_object_array_add(addrs, json_object_new_string(p->addr6));
	json_object_object_add(o, "addresses", addrs);
	json_object_object_add(o, "networks", nets);
	json_object_object_add(o, "pairs", pairs);
	json_object_object_add(o, "signature", json_object_new_string(meshconf_signature_state(p)));
	json_object_object_add(o, "created_at", store_time_json(p->created_at));
	json_object_object_add(o, "last_seen", store_time_json(p->last_seen));
	return o;
}

int
store_network_get(struct network *n)
{
	static const char sql[] =
		"SELECT ipv4_pool, ipv6_pool, mtu, keepalive, dns, signing_key FROM network WHERE id = 1";
	sqlite3_stmt *st = db_stmt(sql);
	int rc;

	memset(n, 0, sizeof(*n));
	if (st == NULL)
		return DB_ERROR;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		copy_col(n->ipv4_pool, sizeof(n->ipv4_pool), st, 0);
		copy_col(n->ipv6_pool, sizeof(n->ipv6_pool), st, 1);
		n->mtu = sqlite3_column_int(st, 2);
		n->keepalive = sqlite3_column_int(st, 3);
		copy_col(n->dns, sizeof(n->dns), st, 4);
		copy_col(n->signing_key, sizeof(n->signing_key), st, 5);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? DB_OK : DB_ERROR;
}

struct json_object *
store_network_json(const struct network *n)
{
	struct json_object *o = json_object_new_object(), *dns;

	json_object_object_add(o, "ipv4_pool", json_object_new_string(n->ipv4_pool));
	json_object_object_add(o, "ipv6_pool", string_or_null(n->ipv6_pool));
	json_object_object_add(o, "mtu", n->mtu ? json_object_new_int(n->mtu) : NULL);
	json_object_object_add(o, "keepalive", json_object_new_int(n->keepalive));
	dns = json_tokener_parse(n->dns);
	json_object_object_add(o, "dns", dns ? dns : json_object_new_array());
	json_object_object_add(o, "signing_key", string_or_null(n->signing_key));
	return o;
}

int
store_bump(const char *id)
{
	static const char inc[] = "UPDATE network SET revision = revision + 1 WHERE id = 1";
	static const char one[] =
		"UPDATE peers SET revision = (SELECT revision FROM network WHERE id = 1)"
		" WHERE id = ?1 OR id IN (SELECT b FROM pairs WHERE a = ?1"
		"                         UNION SELECT a FROM pairs WHERE b = ?1)";
	static const char all[] =
		"UPDATE peers SET revision = (SELECT revision FROM network WHERE id = 1)";
	sqlite3_stmt *st;

	if (db_exec_stmt(db_stmt(inc)) != DB_OK)
		return DB_ERROR;
	if (id != NULL) {
		if ((st = db_stmt(one)) == NULL)
			return DB_ERROR;
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	} else {
		st = db_stmt(all);
	}
	return db_exec_stmt(st) == DB_OK ? DB_OK : DB_ERROR;
}

int
store_audit(const char *actor, const char *action, const char *target,
            struct json_object *detail)
{
	static const char sql[] =
		"INSERT INTO audit (at, actor, action, target, detail) VALUES (?1, ?2, ?3, ?4, ?5)";
	sqlite3_stmt *st = db_stmt(sql);

	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_int64(st, 1, store_now());
	sqlite3_bind_text(st, 2, actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, action, -1, SQLITE_STATIC);
	if (target != NULL)
		sqlite3_bind_text(st, 4, target, -1, SQLITE_STATIC);
	if (detail != NULL)
		sqlite3_bind_text(st, 5, json_object_to_json_string_ext(detail,
		                  JSON_C_TO_STRING_PLAIN), -1, SQLITE_TRANSIENT);
	return db_exec_stmt(st) == DB_OK ? DB_OK : DB_ERROR;
}

int64_t
store_now(void)
{
	return (int64_t)time(NULL);
}

struct json_object *
store_time_json(int64_t t)
{
	char buf[32];
	struct tm tm;
	time_t tt = (time_t)t;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL)
		return NULL;
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_object_new_string(buf);
}
