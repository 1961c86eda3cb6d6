/* SPDX-License-Identifier: MIT */
/* Devices and device invites. */
#include <stdlib.h>
#include <string.h>

#include "devices.h"
#include "revisions.h"
#include "sql.h"

static void
bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
	if (s != NULL && s[0] != '\0')
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

int
store_device_invite_add(const struct device_invite *inv, const uint8_t code_hash[KEYS_LEN])
{
	static const char ins[] =
		"INSERT INTO device_invites (id, code_hash, uses_left, uses, expires_at, created_at,"
		" created_by, label, name, gateway, tags, routes, replaces)"
		" VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
	sqlite3_stmt *st = db_stmt(ins);

	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, inv->id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, code_hash, KEYS_LEN, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, inv->uses);
	sqlite3_bind_int64(st, 4, inv->expires_at);
	sqlite3_bind_int64(st, 5, inv->created_at);
	sqlite3_bind_text(st, 6, inv->created_by, -1, SQLITE_STATIC);
	bind_text_or_null(st, 7, inv->label);
	bind_text_or_null(st, 8, inv->name);
	sqlite3_bind_text(st, 9, inv->gateway, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, inv->tags, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, inv->routes, -1, SQLITE_STATIC);
	bind_text_or_null(st, 12, inv->replaces);
	return db_exec_stmt(st) == DB_OK ? DB_OK : DB_ERROR;
}

#define INVITE_COLUMNS \
	"SELECT i.id, i.uses, i.uses_left, i.expires_at, i.created_at, i.created_by, i.label," \
	" i.name, i.gateway, g.name, i.tags, i.routes, i.replaces" \
	" FROM device_invites i JOIN peers g ON g.id = i.gateway"

static void
read_invite(struct device_invite *inv, sqlite3_stmt *st)
{
	memset(inv, 0, sizeof(*inv));
	sql_copy_col(inv->id, sizeof(inv->id), st, 0);
	inv->uses = sqlite3_column_int(st, 1);
	inv->uses_left = sqlite3_column_int(st, 2);
	inv->expires_at = sqlite3_column_int64(st, 3);
	inv->created_at = sqlite3_column_int64(st, 4);
	sql_copy_col(inv->created_by, sizeof(inv->created_by), st, 5);
	sql_copy_col(inv->label, sizeof(inv->label), st, 6);
	sql_copy_col(inv->name, sizeof(inv->name), st, 7);
	sql_copy_col(inv->gateway, sizeof(inv->gateway), st, 8);
	sql_copy_col(inv->gateway_name, sizeof(inv->gateway_name), st, 9);
	sql_copy_col(inv->tags, sizeof(inv->tags), st, 10);
	sql_copy_col(inv->routes, sizeof(inv->routes), st, 11);
	sql_copy_col(inv->replaces, sizeof(inv->replaces), st, 12);
}

void
store_device_invite_list_free(struct device_invite_list *l)
{
	if (l == NULL)
		return;
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Grows a list of elements of size sz by one slot: the new slot, or NULL
 * out of memory. */
static void *
list_grow(void **v, size_t *n, size_t *cap, size_t sz)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		void *nv = realloc(*v, nc * sz);
		if (nv == NULL)
			return NULL;
		*v = nv;
		*cap = nc;
	}
	return (char *)*v + (*n)++ * sz;
}

int
store_device_invite_list(struct device_invite_list *out)
{
	static const char sql[] = INVITE_COLUMNS " ORDER BY i.created_at DESC, i.id";
	sqlite3_stmt *st = db_stmt(sql);
	size_t cap = 0;
	int rc = SQLITE_ERROR;

	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return DB_ERROR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct device_invite *inv = list_grow((void **)&out->v, &out->n, &cap, sizeof(*inv));
		if (inv == NULL)
			break;
		read_invite(inv, st);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return DB_OK;
	store_device_invite_list_free(out);
	return DB_ERROR;
}

int
store_device_invite_delete(const char *id)
{
	static const char sql[] = "DELETE FROM device_invites WHERE id = ?1";
	sqlite3_stmt *st = db_stmt(sql);

	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (db_exec_stmt(st) != DB_OK)
		return DB_ERROR;
	return db_changes() > 0 ? DB_OK : DB_NOTFOUND;
}

int
store_device_invite_find(const uint8_t code_hash[KEYS_LEN], int64_t now,
                         struct device_invite *inv)
{
	static const char sql[] = INVITE_COLUMNS
		" WHERE i.code_hash = ?1 AND i.uses_left > 0 AND i.expires_at > ?2";
	sqlite3_stmt *st = db_stmt(sql);
	int rc;

	memset(inv, 0, sizeof(*inv));
	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_blob(st, 1, code_hash, KEYS_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_invite(inv, st);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? DB_OK : rc == SQLITE_DONE ? DB_NOTFOUND : DB_ERROR;
}

int
store_device_invite_use(const char *id)
{
	static const char sql[] =
		"UPDATE device_invites SET uses_left = uses_left - 1 WHERE id = ?1 AND uses_left > 0";
	sqlite3_stmt *st = db_stmt(sql);

	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (db_exec_stmt(st) != DB_OK)
		return DB_ERROR;
	return db_changes() > 0 ? DB_OK : DB_NOTFOUND;
}

/* The device's partners see it through its gateway from now on. */
int
store_device_add(const char *id, const char *gateway, const char *routes, const char *label)
{
	static const char ins[] =
		"INSERT INTO devices (peer_id, gateway, routes, label) VALUES (?1, ?2, ?3, ?4)";
	sqlite3_stmt *st = db_stmt(ins);

	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, gateway, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, routes, -1, SQLITE_STATIC);
	bind_text_or_null(st, 4, label);
	if (db_exec_stmt(st) != DB_OK)
		return DB_ERROR;
	return store_revisions_touch_partners(id);
}

static void
read_device(struct device *d, sqlite3_stmt *st)
{
	memset(d, 0, sizeof(*d));
	sql_copy_col(d->id, sizeof(d->id), st, 0);
	sql_copy_col(d->name, sizeof(d->name), st, 1);
	sql_copy_col(d->public_key, sizeof(d->public_key), st, 2);
	sql_copy_col(d->addr4, sizeof(d->addr4), st, 3);
	sql_copy_col(d->addr6, sizeof(d->addr6), st, 4);
	sql_copy_col(d->gateway, sizeof(d->gateway), st, 5);
	sql_copy_col(d->gateway_name, sizeof(d->gateway_name), st, 6);
	sql_copy_col(d->routes, sizeof(d->routes), st, 7);
	sql_copy_col(d->label, sizeof(d->label), st, 8);
	d->created_at = sqlite3_column_int64(st, 9);
	d->latest_handshake = sqlite3_column_int64(st, 10);
	d->reported_at = sqlite3_column_int64(st, 11);
}

void
store_device_list_free(struct device_list *l)
{
	if (l == NULL)
		return;
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* The last handshake is what the gateway reported about the device: the
 * device itself reports nothing. */
#define DEVICE_COLUMNS \
	"SELECT p.id, p.name, p.public_key," \
	" (SELECT address FROM addresses WHERE peer_id = p.id AND family = 4)," \
	" (SELECT address FROM addresses WHERE peer_id = p.id AND family = 6)," \
	" d.gateway, g.name, d.routes, d.label, p.created_at," \
	" r.latest_handshake, r.reported_at" \
	" FROM devices d JOIN peers p ON p.id = d.peer_id" \
	" LEFT JOIN peers g ON g.id = d.gateway" \
	" LEFT JOIN link_reports r ON r.reporter = d.gateway AND r.partner = d.peer_id"

int
store_device_list(struct device_list *out, const char *id)
{
	static const char all[] = DEVICE_COLUMNS " ORDER BY p.created_at, p.id";
	static const char one[] = DEVICE_COLUMNS " WHERE d.peer_id = ?1";
	sqlite3_stmt *st = db_stmt(id != NULL ? one : all);
	size_t cap = 0;
	int rc = SQLITE_ERROR;

	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return DB_ERROR;
	if (id != NULL)
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct device *d = list_grow((void **)&out->v, &out->n, &cap, sizeof(*d));
		if (d == NULL)
			break;
		read_device(d, st);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_device_list_free(out);
		return DB_ERROR;
	}
	return id != NULL && out->n == 0 ? DB_NOTFOUND : DB_OK;
}

int
store_device_is(const char *id)
{
	static const char sql[] = "SELECT 1 FROM devices WHERE peer_id = ?1";
	sqlite3_stmt *st = db_stmt(sql);
	int rc;

	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? DB_OK : rc == SQLITE_DONE ? DB_NOTFOUND : DB_ERROR;
}
