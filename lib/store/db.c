/* SPDX-License-Identifier: MIT */
/* The SQLite file: open, migrate, a statement cache, transactions. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "keys.h"
#include "schema.h"
#include "stmt.h"

#define DB_BUSY_MS      5000
#define DB_BUSY_FINE    100             /* retries at DB_BUSY_FINE_US first */
#define DB_BUSY_FINE_US 50
#define DB_BUSY_US      1000            /* then at this */
/* Every distinct statement the program prepares (some 120 SQL strings in
 * lib/ today, tags and rules included) with room to grow: a full cache makes
 * every new statement fail, so it must never fill. */
#define DB_STMT_CACHE   256

/* The only state besides the configuration: the connection and its
 * statements, kept across requests; one per thread (the responder's, and
 * its pair jobs' sealer: lib/api/api_jobs.c), never shared. */
static _Thread_local sqlite3 *db;
static _Thread_local struct {
	const char *sql;
	sqlite3_stmt *st;
} cache[DB_STMT_CACHE];
static _Thread_local size_t ncache;

/*
 * Version 2, operations: what hosts report about their links (the latest
 * report per reporter and partner: one row each, overwritten, neither a
 * revision nor an audit event), and the imported peers that wait to be
 * adopted by their host (`wgconf register --adopt`; their token hash is of
 * a secret nobody knows until then). A report lives as long as the
 * pair it is about.
 */
static const char migration_links[] =
	"CREATE TABLE link_reports ("
	" reporter TEXT NOT NULL REFERENCES peers(id) ON DELETE CASCADE,"
	" partner TEXT NOT NULL REFERENCES peers(id) ON DELETE CASCADE,"
	" latest_handshake INTEGER NOT NULL CHECK (latest_handshake >= 0),"
	" rx INTEGER NOT NULL CHECK (rx >= 0),"
	" tx INTEGER NOT NULL CHECK (tx >= 0),"
	" reported_at INTEGER NOT NULL,"
	" PRIMARY KEY (reporter, partner)) WITHOUT ROWID;"
	"CREATE INDEX link_reports_partner ON link_reports (partner);"
	"CREATE TRIGGER pairs_drop_link_reports AFTER DELETE ON pairs BEGIN"
	" DELETE FROM link_reports WHERE (reporter = old.a AND partner = old.b)"
	" OR (reporter = old.b AND partner = old.a); END;"
	"CREATE TABLE adoptable ("
	" peer_id TEXT PRIMARY KEY REFERENCES peers(id) ON DELETE CASCADE) WITHOUT ROWID;";

/*
 * Version 3: bounds on what anyone can add (lib/store/quota.h). The registration
 * mode and the limits are network settings; peers remember when they last
 * moved their own endpoint; an audit row counts its repeats (count, last_at)
 * and is found by age and by actor cheaply, for pruning and coalescing.
 */
static const char quota_sql[] =
	"ALTER TABLE network ADD COLUMN registration TEXT NOT NULL DEFAULT 'open'"
	"  CHECK (registration IN ('open', 'invite-only', 'closed'));"
	"ALTER TABLE network ADD COLUMN pending_expire_after INTEGER NOT NULL DEFAULT 604800"
	"  CHECK (pending_expire_after BETWEEN 60 AND 31536000);"
	"ALTER TABLE network ADD COLUMN pending_max INTEGER NOT NULL DEFAULT 1024"
	"  CHECK (pending_max BETWEEN 0 AND 100000);"
	"ALTER TABLE network ADD COLUMN endpoint_min_interval INTEGER NOT NULL DEFAULT 60"
	"  CHECK (endpoint_min_interval BETWEEN 0 AND 86400);"
	"ALTER TABLE network ADD COLUMN audit_max_age INTEGER NOT NULL DEFAULT 7776000"
	"  CHECK (audit_max_age BETWEEN 3600 AND 315360000);"
	"ALTER TABLE network ADD COLUMN audit_max_rows INTEGER NOT NULL DEFAULT 100000"
	"  CHECK (audit_max_rows BETWEEN 100 AND 10000000);"
	"ALTER TABLE network ADD COLUMN audit_coalesce_window INTEGER NOT NULL DEFAULT 3600"
	"  CHECK (audit_coalesce_window BETWEEN 0 AND 86400);"
	"ALTER TABLE peers ADD COLUMN endpoint_at INTEGER;"
	"ALTER TABLE audit ADD COLUMN count INTEGER NOT NULL DEFAULT 1 CHECK (count >= 1);"
	"ALTER TABLE audit ADD COLUMN last_at INTEGER;"
	"CREATE INDEX audit_at ON audit (at);"
	"CREATE INDEX audit_actor ON audit (actor, action, at);"
	"CREATE INDEX peers_state ON peers (state, created_at);";

/*
 * Version 4, admin-signed statements (docs/trust.md): the mesh id every
 * statement names, per peer the last signed statement and its version, a
 * key a host asked to rotate to, and the revocations of keys that must
 * never come back. The v1 record signature goes: it signed too little
 * (no version, no pairs, no interface) to be worth keeping.
 */
static const char migration_statements[] =
	"ALTER TABLE network ADD COLUMN mesh_id TEXT"
	"  CHECK (mesh_id IS NULL OR (length(mesh_id) = 32 AND mesh_id NOT GLOB '*[^0-9a-f]*'));"
	"UPDATE network SET mesh_id = lower(hex(randomblob(16)));"
	"ALTER TABLE peers DROP COLUMN signature;"
	"ALTER TABLE peers ADD COLUMN signed_version INTEGER NOT NULL DEFAULT 0"
	"  CHECK (signed_version BETWEEN 0 AND 9007199254740992);"
	"ALTER TABLE peers ADD COLUMN statement TEXT;"
	"ALTER TABLE peers ADD COLUMN statement_sig BLOB;"
	"ALTER TABLE peers ADD COLUMN pending_key TEXT;"
	"CREATE UNIQUE INDEX peers_pending_key ON peers (pending_key);"
	"CREATE TABLE revocations ("
	"  id TEXT PRIMARY KEY,"
	"  key TEXT NOT NULL UNIQUE,"
	"  peer_id TEXT NOT NULL,"
	"  peer_name TEXT NOT NULL,"
	"  text TEXT NOT NULL,"
	"  signature BLOB,"
	"  created_at INTEGER NOT NULL,"
	"  signed_at INTEGER"
	");";

/*
 * Version 5: tags and rules. A peer carries tags; a rule pairs every peer
 * tagged a with every peer tagged b (a full mesh when a = b). A pair made
 * by an admin is explicit; one that only rules imply is not, and goes when
 * no rule implies it any more.
 */
static const char migration_tags[] =
	"CREATE TABLE peer_tags ("
	"  peer_id TEXT NOT NULL REFERENCES peers(id) ON DELETE CASCADE,"
	"  tag     TEXT NOT NULL CHECK (length(tag) BETWEEN 1 AND 32),"
	"  PRIMARY KEY (peer_id, tag));"
	"CREATE INDEX peer_tags_tag ON peer_tags (tag, peer_id);"
	"CREATE TABLE rules ("
	"  id         INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  a          TEXT NOT NULL,"
	"  b          TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  UNIQUE (a, b),"
	"  CHECK (a <= b));"
	"CREATE INDEX rules_b ON rules (b);"
	"ALTER TABLE pairs ADD COLUMN explicit INTEGER NOT NULL DEFAULT 1"
	"  CHECK (explicit IN (0, 1));";

/*
 * Version 7, invite labels: what an admin wrote to remember an invite by
 * ("for web9", "the lab"), shown in the list, never needed to use it.
 */
static const char migration_invite_label[] =
	"ALTER TABLE invites ADD COLUMN label TEXT"
	"  CHECK (label IS NULL OR length(label) BETWEEN 1 AND 64);";

/*
 * Version 8, bounds on who adopts and on open registration (issue 21): an
 * invite may be made for one imported peer (only its host adopts with it;
 * when_closed: also while registration is closed); a pending peer
 * remembers the network prefix it registered from (/24, /48), so that one
 * prefix cannot fill the queue; and the bound per prefix.
 */
static const char migration_bounds[] =
	"ALTER TABLE invites ADD COLUMN for_peer TEXT REFERENCES peers(id) ON DELETE CASCADE;"
	"ALTER TABLE invites ADD COLUMN when_closed INTEGER NOT NULL DEFAULT 0"
	"  CHECK (when_closed IN (0, 1));"
	"ALTER TABLE peers ADD COLUMN registered_from TEXT;"
	"CREATE INDEX peers_pending_from ON peers (registered_from) WHERE state = 'pending';"
	"ALTER TABLE network ADD COLUMN pending_max_per_prefix INTEGER NOT NULL DEFAULT 32"
	"  CHECK (pending_max_per_prefix BETWEEN 0 AND 100000);";

/*
 * Version 9, relays (docs/relays.md): a peer an admin lets relay, whether
 * its host refused to (no `wgconf allow-relay` there), and for a pair
 * whose ends cannot reach each other the relay its traffic goes through
 * (lib/store/relays.c keeps it).
 */
static const char migration_relays[] =
	"ALTER TABLE peers ADD COLUMN relay INTEGER NOT NULL DEFAULT 0 CHECK (relay IN (0, 1));"
	"ALTER TABLE peers ADD COLUMN relay_refused INTEGER NOT NULL DEFAULT 0"
	"  CHECK (relay_refused IN (0, 1));"
	"ALTER TABLE pairs ADD COLUMN via TEXT REFERENCES peers(id) ON DELETE SET NULL;"
	"CREATE INDEX pairs_via ON pairs (via) WHERE via IS NOT NULL;"
	"CREATE INDEX link_reports_tried ON link_reports (reporter, partner)"
	"  WHERE latest_handshake = 0 AND tx > 0;";

/*
 * Version 10, devices (phones, laptops): a peer that never syncs, made from
 * a device invite with a key its own browser made. A devices row marks the
 * peer as one and names its gateway, the peer that routes for it (its
 * partners reach it through the gateway: pairs.via, lib/store/pairs.c), and the routes
 * its config sends into the tunnel. A device invite says all of that
 * before the device exists; replaces: the device a re-issued invite
 * takes the place of when it is used.
 */
static const char migration_devices[] =
	"CREATE TABLE devices ("
	"  peer_id TEXT PRIMARY KEY REFERENCES peers(id) ON DELETE CASCADE,"
	"  gateway TEXT REFERENCES peers(id) ON DELETE SET NULL,"
	"  routes  TEXT NOT NULL,"
	"  label   TEXT CHECK (label IS NULL OR length(label) BETWEEN 1 AND 64)"
	") WITHOUT ROWID;"
	"CREATE INDEX devices_gateway ON devices (gateway);"
	"CREATE TABLE device_invites ("
	"  id         TEXT PRIMARY KEY,"
	"  code_hash  BLOB NOT NULL UNIQUE,"
	"  uses_left  INTEGER NOT NULL CHECK (uses_left >= 0),"
	"  uses       INTEGER NOT NULL,"
	"  expires_at INTEGER NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  created_by TEXT NOT NULL,"
	"  label      TEXT CHECK (label IS NULL OR length(label) BETWEEN 1 AND 64),"
	"  name       TEXT,"
	"  gateway    TEXT NOT NULL REFERENCES peers(id) ON DELETE CASCADE,"
	"  tags       TEXT NOT NULL,"
	"  routes     TEXT NOT NULL,"
	"  replaces   TEXT REFERENCES peers(id) ON DELETE SET NULL"
	");";

/*
 * Version 11, the signed policy (docs/trust.md): the rule set as one
 * document the admin signs, as last signed. One row, like network. And
 * the jobs that make a large rule's pairs in the background.
 */
static const char migration_policy[] =
	"CREATE TABLE policy ("
	"  id             INTEGER PRIMARY KEY CHECK (id = 1),"
	"  signed_version INTEGER NOT NULL DEFAULT 0"
	"    CHECK (signed_version BETWEEN 0 AND 9007199254740992),"
	"  text           TEXT,"
	"  signature      BLOB,"
	"  signed_at      INTEGER);"
	"INSERT INTO policy (id) VALUES (1);"
	/* And the pairs of a large rule made in the background (lib/store/
	 * jobs.h): one job per rule, gone with it. */
	"CREATE TABLE pair_jobs ("
	"  rule_id     INTEGER PRIMARY KEY REFERENCES rules(id) ON DELETE CASCADE,"
	"  total       INTEGER NOT NULL,"
	"  made        INTEGER NOT NULL DEFAULT 0,"
	"  scanned     INTEGER NOT NULL DEFAULT 0,"
	"  missing     INTEGER NOT NULL DEFAULT 0,"
	"  pass        INTEGER NOT NULL DEFAULT 1,"
	"  cursor_a    TEXT NOT NULL DEFAULT '',"
	"  cursor_b    TEXT NOT NULL DEFAULT '',"
	"  started_at  INTEGER NOT NULL,"
	"  finished_at INTEGER);";

/*
 * Version 12, paused peers (issue 20): disabled_at is when an admin (or its
 * expiry) took a peer out of every config, NULL while it is in them; its
 * key, pairs and addresses stay. expires_at is when the periodic check
 * pauses it (NULL: never); the index holds only the peers it must watch.
 */
static const char migration_pause[] =
	"ALTER TABLE peers ADD COLUMN disabled_at INTEGER;"
	"ALTER TABLE peers ADD COLUMN expires_at INTEGER;"
	"CREATE INDEX peers_expiry ON peers (expires_at)"
	"  WHERE disabled_at IS NULL AND expires_at IS NOT NULL;";

/*
 * Version 13, an accept that does not read every peer (issue 19): where to
 * look for the next tunnel address from, dropped by any address freed
 * (schema.sql), and two indexes.
 */
static const char migration_address_hints[] =
	"CREATE TABLE address_hints ("
	"  family INTEGER PRIMARY KEY CHECK (family IN (4, 6)),"
	"  pool   TEXT NOT NULL,"
	"  low    TEXT NOT NULL);"
	"CREATE TRIGGER addresses_freed AFTER DELETE ON addresses BEGIN"
	"  DELETE FROM address_hints WHERE family = old.family;"
	"END;"
	"CREATE TRIGGER addresses_moved AFTER UPDATE OF address ON addresses BEGIN"
	"  DELETE FROM address_hints WHERE family = old.family;"
	"END;"
	/* What else an accept read in full: whether any peer relays, an audit
	 * event's repeat. */
	"CREATE INDEX peers_relays ON peers (id) WHERE relay = 1;"
	"CREATE INDEX audit_repeat ON audit (actor, action, target, at);";

/* Migrations from version N-1 to N live at index N: the schema's history.
 * Version 1 was the first schema (tests/unit/schema_v1.sql); a new database
 * gets the current one, schema.sql, whole. */
static const char *const migrations[] = {
	NULL,
	NULL,
	migration_links,
	quota_sql,
	migration_statements,
	migration_tags,
	/*
	 * 6: the rendered config of each peer, kept for the revision it was
	 * built at (lib/store/config.h store_config_cached): a second fetch of an
	 * unchanged config copies these bytes instead of building them again.
	 * A row for an older revision is never served, only overwritten.
	 * And the admin lists' keyset order (created_at, id), so a page costs
	 * its rows, not a scan and sort of every peer; and the pending peers.
	 */
	"CREATE TABLE config_cache ("
	"    peer_id  TEXT PRIMARY KEY REFERENCES peers(id) ON DELETE CASCADE,"
	"    revision INTEGER NOT NULL,"
	"    format   INTEGER NOT NULL,"
	"    body     BLOB NOT NULL"
	");"
	"CREATE INDEX peers_created ON peers (created_at, id);"
	/* Open registration counts the pending peers each time: the count
	 * reads this index, not every peer. */
	"CREATE INDEX peers_pending ON peers (state) WHERE state = 'pending';"
	/* A peer's pairs where it is b, in a's order: with the primary key
	 * (a, b), a config's links come ordered without a sort. */
	"DROP INDEX pairs_b;"
	"CREATE INDEX pairs_b_a ON pairs (b, a);",
	migration_invite_label,
	migration_bounds,
	migration_relays,
	migration_devices,
	migration_policy,
	migration_pause,
	migration_address_hints,
};

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == DB_SCHEMA_VERSION + 1,
               "schema.sql is version DB_SCHEMA_VERSION: a migration to it is its last");

/*
 * Waiting for another responder's write lock. SQLite's own busy timeout
 * sleeps 1, 2, 5, 10 ... ms between tries, while a write here holds the
 * lock for a few dozen microseconds: two responders registering peers
 * spent their time asleep. So retry every 50 us for the first 5 ms, then
 * every millisecond, until DB_BUSY_MS in all; count says how many tries
 * came before, which is all the state needed.
 */
static int
busy_wait(void *arg, int count)
{
	long waited_us = count < DB_BUSY_FINE ? (long)count * DB_BUSY_FINE_US :
	                 (long)DB_BUSY_FINE * DB_BUSY_FINE_US +
	                 (long)(count - DB_BUSY_FINE) * DB_BUSY_US;
	struct timespec d = { 0, (count < DB_BUSY_FINE ? DB_BUSY_FINE_US : DB_BUSY_US) * 1000L };

	(void)arg;
	if (waited_us >= DB_BUSY_MS * 1000L)
		return 0;
	nanosleep(&d, NULL);
	return 1;
}

static int
exec(const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "wgconfsrv: sqlite: %s\n", err ? err : sqlite3_errmsg(db));
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

const char *
db_migration(int to)
{
	if (to < 2 || to >= (int)(sizeof(migrations) / sizeof(migrations[0])))
		return NULL;
	return migrations[to];
}

int
db_version(void)
{
	sqlite3_stmt *st = NULL;
	int v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int
migrate(void)
{
	int v, target = (int)(sizeof(migrations) / sizeof(migrations[0])) - 1;
	char pragma[64];

	/* The version is read under the write lock, so two responders starting
	 * on a fresh file do not both create the schema. */
	if (exec("BEGIN IMMEDIATE") != 0)
		return -1;
	v = db_version();
	if (v < 0 || v > target) {
		fprintf(stderr, "wgconfsrv: database schema version %d is newer than this "
		        "program (%d)\n", v, target);
		exec("ROLLBACK");
		return -1;
	}
	if (v == 0) {
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", target);
		if (exec(schema_sql) != 0 || exec(pragma) != 0) {
			exec("ROLLBACK");
			return -1;
		}
		v = target;
	}
	for (; v < target; v++) {
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", v + 1);
		if (exec(migrations[v + 1]) != 0 || exec(pragma) != 0) {
			exec("ROLLBACK");
			return -1;
		}
	}
	return exec("COMMIT");
}

/*
 * Keys kept from before the one-spelling rule (keys_parse_public): a key
 * with bit 255 set was made by hand to pass for another. Not rewritten: a
 * revocation's text is signed, and the other spelling may be taken or
 * revoked. Said at every start instead, for the admin to delete that peer
 * (hosts refuse a config that holds it). Decoding only: no curve arithmetic,
 * so a start with many peers stays quick.
 */
static void
report_key_spellings(void)
{
	static const char sql[] =
		"SELECT 'peer ' || id || ' (' || name || ')', public_key FROM peers"
		" UNION ALL SELECT 'peer ' || id || ' (' || name || ') asked for', pending_key"
		"  FROM peers WHERE pending_key IS NOT NULL"
		" UNION ALL SELECT 'revocation ' || id, key FROM revocations";
	sqlite3_stmt *st = NULL;
	char canon[KEYS_B64_LEN];

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		goto out;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *who = (const char *)sqlite3_column_text(st, 0);
		const char *key = (const char *)sqlite3_column_text(st, 1);

		if (who != NULL && key != NULL && keys_public_canonical(canon, key) == 0 &&
		    strcmp(canon, key) != 0)
			fprintf(stderr, "wgconfsrv: %s has the key %s, which is not canonical "
			        "(a second spelling of %s) and which hosts refuse: see "
			        "docs/trust.md, \"One spelling per key\"\n", who, key, canon);
	}
out:
	sqlite3_finalize(st);
}

int
db_open(const char *path)
{
	if (db != NULL)
		return 0;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	                    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		fprintf(stderr, "wgconfsrv: cannot open database %s: %s\n", path,
		        db ? sqlite3_errmsg(db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_handler(db, busy_wait, NULL);
	sqlite3_extended_result_codes(db, 1);
	if (exec("PRAGMA journal_mode = WAL") != 0 ||
	    exec("PRAGMA synchronous = NORMAL") != 0 ||
	    exec("PRAGMA foreign_keys = ON") != 0 ||
	    exec("PRAGMA secure_delete = ON") != 0 ||
	    exec("PRAGMA temp_store = MEMORY") != 0 ||
	    migrate() != 0 ||
	    /* The peers a write transaction changed (lib/store/revisions.h):
	     * the connection's own, rolled back with the write. */
	    exec("CREATE TEMP TABLE touched (peer_id TEXT PRIMARY KEY) WITHOUT ROWID") != 0)
		goto fail;
	report_key_spellings();
	return 0;
fail:
	db_close();
	return -1;
}

void
db_close(void)
{
	for (size_t i = 0; i < ncache; i++)
		sqlite3_finalize(cache[i].st);
	ncache = 0;
	if (db != NULL)
		sqlite3_close(db);
	db = NULL;
}

sqlite3_stmt *
db_stmt(const char *sql)
{
	sqlite3_stmt *st = NULL;
	size_t i;

	for (i = 0; i < ncache; i++) {
		if (cache[i].sql == sql) {
			sqlite3_reset(cache[i].st);
			sqlite3_clear_bindings(cache[i].st);
			return cache[i].st;
		}
	}
	/* Not open (the file is unusable): the request that tried said why;
	 * sqlite3_errmsg(NULL) would blame memory. */
	if (db == NULL)
		return NULL;
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "wgconfsrv: sqlite prepare: %s\n", sqlite3_errmsg(db));
		return NULL;
	}
	if (ncache < DB_STMT_CACHE) {
		cache[ncache].sql = sql;
		cache[ncache].st = st;
		ncache++;
	} else {
		/* Never expected: the program has fewer statements than slots. */
		fprintf(stderr, "wgconfsrv: statement cache full\n");
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

/* A transaction statement, prepared once per process like the others: every
 * request runs two or three of them, and parsing each anew was work done
 * per request that could be done once. */
static int
exec_cached(const char *sql)
{
	sqlite3_stmt *st = db_stmt(sql);
	int rc;

	if (st == NULL)
		return exec(sql);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	fprintf(stderr, "wgconfsrv: sqlite: %s: %s\n", sql, sqlite3_errmsg(db));
	return -1;
}

int
db_begin(void)
{
	static const char sql[] = "BEGIN IMMEDIATE";

	return exec_cached(sql);
}

int
db_begin_read(void)
{
	static const char sql[] = "BEGIN";

	return exec_cached(sql);
}

int
db_commit(void)
{
	static const char sql[] = "COMMIT";

	if (exec_cached(sql) != 0) {
		db_rollback();
		return -1;
	}
	return 0;
}

int
db_in_transaction(void)
{
	return db != NULL && !sqlite3_get_autocommit(db);
}

void
db_rollback(void)
{
	static const char sql[] = "ROLLBACK";

	/* A ROLLBACK that fails (interrupted, out of memory) must not leave the
	 * transaction to the next request on this connection: try once more,
	 * the second time parsed afresh. */
	if (db != NULL && !sqlite3_get_autocommit(db))
		exec_cached(sql);
	if (db != NULL && !sqlite3_get_autocommit(db))
		exec(sql);
}

void
db_reset_all(void)
{
	sqlite3_stmt *st = NULL;

	if (db == NULL)
		return;
	while ((st = sqlite3_next_stmt(db, st)) != NULL)
		if (sqlite3_stmt_busy(st))
			sqlite3_reset(st);
}

int
db_ping(void)
{
	sqlite3_stmt *st;
	int ok;

	if (db == NULL || (st = db_stmt("SELECT revision FROM network WHERE id = 1")) == NULL)
		return -1;
	ok = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	return ok ? 0 : -1;
}

int
db_exec_stmt(sqlite3_stmt *st)
{
	int rc;

	if (st == NULL)
		return DB_ERROR;
	/* Every write runs inside BEGIN IMMEDIATE. A transaction SQLite rolled
	 * back by itself (SQLITE_INTERRUPT, SQLITE_FULL, ...) must not let the
	 * rest of a change commit statement by statement. */
	if (sqlite3_get_autocommit(db)) {
		sqlite3_reset(st);
		fprintf(stderr, "wgconfsrv: a write outside a transaction was refused\n");
		return DB_ERROR;
	}
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		return DB_OK;
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return DB_CONFLICT;
	fprintf(stderr, "wgconfsrv: sqlite: %s\n", sqlite3_errmsg(db));
	return DB_ERROR;
}

int
db_changes(void)
{
	return sqlite3_changes(db);
}

sqlite3 *
db_handle(void)
{
	return db;
}
