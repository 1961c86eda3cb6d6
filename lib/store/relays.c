/* SPDX-License-Identifier: MIT */
/* Relays: who may relay, and which relay each pair without a direct path
 * goes through (relays.h says how it is chosen). */

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "pairs.h"
#include "relays.h"
#include "revisions.h"
#include "sql.h"

int
store_peer_set_relay(const char *id, int relay)
{
	static const char sql[] = "UPDATE peers SET relay = ?2 WHERE id = ?1";
	sqlite3_stmt *st = db_stmt(sql);

	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, relay != 0);
	if (db_exec_stmt(st) != DB_OK)
		return DB_ERROR;
	if (db_changes() == 0)
		return DB_NOTFOUND;
	return store_revisions_touch(id);
}

int
store_peer_set_relay_refused(const char *id, int refused)
{
	static const char sql[] =
		"UPDATE peers SET relay_refused = ?2 WHERE id = ?1 AND relay_refused != ?2";
	sqlite3_stmt *st = db_stmt(sql);

	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, refused != 0);
	if (db_exec_stmt(st) != DB_OK)
		return DB_ERROR;
	/* Its record (relay_refused) changed: the admins' view of it moves. */
	return db_changes() > 0 ? store_revisions_touch(id) : DB_OK;
}

/* Whether any accepted peer may relay: 1, 0, DB_ERROR. */
int
store_relays_any(void)
{
	static const char sql[] =
		"SELECT count(*) FROM peers WHERE relay = 1 AND state = 'accepted'";
	struct strlist n = { 0 };
	int ret = sql_strings(sql, NULL, &n) != DB_OK || n.n != 1 ? DB_ERROR :
	          strcmp(n.v[0], "0") != 0;

	rows_strlist_free(&n);
	return ret;
}

int
store_relays_refused(struct strlist *out)
{
	static const char sql[] =
		"SELECT name FROM peers WHERE relay = 1 AND relay_refused = 1 ORDER BY name, id";

	return sql_strings(sql, NULL, out);
}

/* ---- the choice ---- */

/* A report that says the link was down when it was made: it never shook
 * hands though its reporter sent (handshake initiations count in tx), in a
 * pair ?stale seconds old. A link that shook hands once and went quiet may
 * be idle (WireGuard is silent without traffic): not down. */
#define REPORT_DOWN(r, created) \
	"(" r ".latest_handshake = 0 AND " r ".tx > 0 AND " r ".reported_at - " created " >= ?1)"

/* A device's pairs are not the relays' to route: they go through the
 * device's gateway (lib/store/devices.h), set when the pair is made. */
#define NOT_DEVICE_PAIR " AND NOT EXISTS (SELECT 1 FROM devices d WHERE d.peer_id IN (l.a, l.b))"

/* Pairs with no direct path, a and b accepted, ordered by (a, b), each with
 * its relay now (NULL when direct). Two halves, so that neither walks every
 * pair: the pairs of peers behind NAT (from the peers, by the pairs' key:
 * CROSS JOIN keeps that order, which the planner would otherwise swap for
 * every two peers' pair lookup),
 * and the pairs a report says never came up (link_reports_tried, a partial
 * index of the few reports with no handshake and bytes sent). */
static const char needy_sql[] =
	"SELECT l.a, l.b, l.via FROM peers pa CROSS JOIN pairs l ON l.a = pa.id"
	" CROSS JOIN peers pb ON pb.id = l.b"
	" WHERE pa.endpoint IS NULL AND pa.state = 'accepted'"
	" AND pb.endpoint IS NULL AND pb.state = 'accepted'" NOT_DEVICE_PAIR
	" UNION "
	"SELECT l.a, l.b, l.via FROM link_reports r INDEXED BY link_reports_tried"
	" CROSS JOIN pairs l ON l.a = r.reporter AND l.b = r.partner"
	" CROSS JOIN peers pa ON pa.id = l.a CROSS JOIN peers pb ON pb.id = l.b"
	" WHERE r.latest_handshake = 0 AND r.tx > 0 AND " REPORT_DOWN("r", "l.created_at")
	" AND pa.state = 'accepted' AND pb.state = 'accepted'"
	" AND EXISTS (SELECT 1 FROM link_reports o WHERE o.reporter = l.b AND o.partner = l.a"
	"             AND o.latest_handshake = 0 AND o.tx > 0 AND " REPORT_DOWN("o", "l.created_at") ")"
	NOT_DEVICE_PAIR " ORDER BY 1, 2";

struct need {
	char a[PEER_ID_LEN], b[PEER_ID_LEN], via[PEER_ID_LEN], chosen[PEER_ID_LEN];
	int needy;                      /* 0: relayed now, but has a direct path */
};

struct relay {
	char id[PEER_ID_LEN];
	char public_key[KEYS_B64_LEN];
	size_t load;
	struct strlist paired;          /* its partners' ids, sorted */
	struct strlist stale;           /* those whose link with it is stale, sorted */
};

struct plan {
	struct need *v;
	size_t n;
	struct relay *r;
	size_t nr;
};

static void
plan_free(struct plan *p)
{
	for (size_t i = 0; i < p->nr; i++) {
		rows_strlist_free(&p->r[i].paired);
		rows_strlist_free(&p->r[i].stale);
	}
	free(p->v);
	free(p->r);
	memset(p, 0, sizeof(*p));
}

static int
plan_add(struct plan *p, sqlite3_stmt *st, int needy)
{
	struct need *v = realloc(p->v, (p->n + 1) * sizeof(*v));

	if (v == NULL)
		return -1;
	p->v = v;
	v = &p->v[p->n++];
	memset(v, 0, sizeof(*v));
	sql_copy_col(v->a, sizeof(v->a), st, 0);
	sql_copy_col(v->b, sizeof(v->b), st, 1);
	sql_copy_col(v->via, sizeof(v->via), st, 2);
	v->needy = needy;
	return 0;
}

static int
cmp_need(const void *x, const void *y)
{
	const struct need *a = x, *b = y;
	int c = strcmp(a->a, b->a);

	return c != 0 ? c : strcmp(a->b, b->b);
}

/* The pairs that need a relay, then those relayed that no longer do. */
static int
plan_load_pairs(struct plan *p, int64_t stale)
{
	/* Any order (they are only cleared): pairs_via, not a walk of every pair. */
	static const char relayed[] = "SELECT l.a, l.b, l.via FROM pairs l WHERE l.via IS NOT NULL"
		NOT_DEVICE_PAIR;
	sqlite3_stmt *st = db_stmt(needy_sql);
	int rc = SQLITE_ERROR;
	size_t nneedy;

	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_int64(st, 1, stale);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && plan_add(p, st, 1) == 0)
		;
	sqlite3_reset(st);
	if (rc != SQLITE_DONE || (st = db_stmt(relayed)) == NULL)
		return DB_ERROR;
	nneedy = p->n;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct need key;
		sql_copy_col(key.a, sizeof(key.a), st, 0);
		sql_copy_col(key.b, sizeof(key.b), st, 1);
		/* The needy ones are in (a, b) order: a relayed pair among them
		 * is found by bisection. */
		if (bsearch(&key, p->v, nneedy, sizeof(*p->v), cmp_need) == NULL &&
		    plan_add(p, st, 0) != 0)
			break;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? DB_OK : DB_ERROR;
}

/*
 * A relay's partners, and those whose link with it is stale (a handshake,
 * none since cutoff, by either side's latest report): two statements per
 * relay, so the choice asks no question per pair.
 */
static int
relay_load_links(struct relay *r, int64_t cutoff)
{
	static const char paired[] =
		"SELECT b FROM pairs WHERE a = ?1 UNION ALL SELECT a FROM pairs WHERE b = ?1 ORDER BY 1";
	static const char stale[] =
		"SELECT x FROM (SELECT CASE WHEN reporter = ?1 THEN partner ELSE reporter END AS x,"
		" max(latest_handshake) AS hs FROM link_reports WHERE reporter = ?1 OR partner = ?1"
		" GROUP BY x) WHERE hs > 0 AND hs <= ?2 ORDER BY 1";
	sqlite3_stmt *st;
	int rc;

	if (sql_strings(paired, r->id, &r->paired) != DB_OK || (st = db_stmt(stale)) == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, cutoff);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	       rows_strlist_add(&r->stale, (const char *)sqlite3_column_text(st, 0)) == 0)
		;
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? DB_OK : DB_ERROR;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Whether the sorted list l holds id. */
static bool
holds(const struct strlist *l, const char *id)
{
	return l->n > 0 && bsearch(&id, l->v, l->n, sizeof(*l->v), cmp_str) != NULL;
}

static int
plan_load_relays(struct plan *p, int64_t cutoff)
{
	static const char sql[] =
		"SELECT id, public_key FROM peers WHERE relay = 1 AND relay_refused = 0"
		" AND state = 'accepted' AND endpoint IS NOT NULL ORDER BY id";
	sqlite3_stmt *st = db_stmt(sql);
	struct relay *r;
	int rc = SQLITE_ERROR;

	if (st == NULL)
		return DB_ERROR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((r = realloc(p->r, (p->nr + 1) * sizeof(*r))) == NULL)
			break;
		p->r = r;
		r = &p->r[p->nr++];
		memset(r, 0, sizeof(*r));
		sql_copy_col(r->id, sizeof(r->id), st, 0);
		sql_copy_col(r->public_key, sizeof(r->public_key), st, 1);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return DB_ERROR;
	for (size_t i = 0; i < p->nr; i++)
		if (relay_load_links(&p->r[i], cutoff) != DB_OK)
			return DB_ERROR;
	return DB_OK;
}

/* How relay r fits pair n: 0 paired with both ends, 1 with one, 2 with
 * neither, 3 it cannot take it (it is an end, or its link with one is
 * stale). */
static int
fit(const struct relay *r, const struct need *n)
{
	const char *ends[2] = { n->a, n->b };
	int tier = 0;

	if (strcmp(r->id, n->a) == 0 || strcmp(r->id, n->b) == 0)
		return 3;
	for (size_t e = 0; e < 2; e++) {
		if (holds(&r->stale, ends[e]))
			return 3;
		tier += !holds(&r->paired, ends[e]);
	}
	return tier;
}

/* The best relay for n: its index, or -1 for none. */
static int
choose(struct plan *p, const struct need *n, int *best_tier)
{
	int best = -1, tier;

	*best_tier = 3;
	for (size_t i = 0; i < p->nr; i++) {
		tier = fit(&p->r[i], n);
		if (tier < *best_tier ||
		    (tier == *best_tier && tier < 3 && p->r[i].load < p->r[best].load)) {
			best = (int)i;
			*best_tier = tier;
		}
	}
	return *best_tier < 3 ? best : -1;
}

static struct relay *
relay_by_id(struct plan *p, const char *id)
{
	for (size_t i = 0; i < p->nr; i++)
		if (strcmp(p->r[i].id, id) == 0)
			return &p->r[i];
	return NULL;
}

/* Pairs relay r with end x when they are not paired yet (and keeps its
 * list of partners sorted). */
static int
pair_with(struct relay *r, const char *x, int64_t now, size_t *paired)
{
	static const char key[] = "SELECT public_key FROM peers WHERE id = ?1";
	struct strlist pk = { 0 };
	int rc;

	if (holds(&r->paired, x))
		return DB_OK;
	if (rows_strlist_add(&r->paired, x) != 0)
		return DB_ERROR;
	qsort(r->paired.v, r->paired.n, sizeof(*r->paired.v), cmp_str);
	if (sql_strings(key, x, &pk) != DB_OK || pk.n != 1) {
		rows_strlist_free(&pk);
		return DB_ERROR;
	}
	rc = strcmp(r->id, x) < 0 ? store_pair_insert(r->id, r->public_key, x, pk.v[0], 1, now)
	                          : store_pair_insert(x, pk.v[0], r->id, r->public_key, 1, now);
	rows_strlist_free(&pk);
	if (rc == DB_OK)
		(*paired)++;
	return rc == DB_OK ? DB_OK : DB_ERROR;
}

/* Pass 1 keeps every relay that still fits with both ends paired; pass 2
 * chooses for the rest. chosen[] gets the result ("" for direct). */
static int
plan_choose(struct plan *p, int64_t now, struct relays_change *out)
{
	struct relay *r;
	int tier, i;

	for (size_t k = 0; k < p->n; k++) {
		struct need *n = &p->v[k];
		if (!n->needy || n->via[0] == '\0' || (r = relay_by_id(p, n->via)) == NULL)
			continue;
		if (fit(r, n) == 0) {
			memcpy(n->chosen, n->via, sizeof(n->chosen));
			r->load++;
		}
	}
	for (size_t k = 0; k < p->n; k++) {
		struct need *n = &p->v[k];
		if (!n->needy || n->chosen[0] != '\0' || (i = choose(p, n, &tier)) < 0)
			continue;
		r = &p->r[i];
		if (tier > 0 && (pair_with(r, n->a, now, &out->paired) != DB_OK ||
		                 pair_with(r, n->b, now, &out->paired) != DB_OK))
			return DB_ERROR;
		memcpy(n->chosen, r->id, sizeof(n->chosen));
		r->load++;
	}
	return DB_OK;
}

/* Writes every pair whose relay changed, touching its ends. */
static int
plan_write(const struct plan *p, struct relays_change *out)
{
	static const char sql[] = "UPDATE pairs SET via = ?3 WHERE a = ?1 AND b = ?2";
	sqlite3_stmt *st;

	for (size_t k = 0; k < p->n; k++) {
		const struct need *n = &p->v[k];
		if (strcmp(n->via, n->chosen) == 0)
			continue;
		if ((st = db_stmt(sql)) == NULL)
			return DB_ERROR;
		sqlite3_bind_text(st, 1, n->a, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, n->b, -1, SQLITE_STATIC);
		if (n->chosen[0] != '\0')
			sqlite3_bind_text(st, 3, n->chosen, -1, SQLITE_STATIC);
		if (db_exec_stmt(st) != DB_OK || store_revisions_touch(n->a) != DB_OK ||
		    store_revisions_touch(n->b) != DB_OK)
			return DB_ERROR;
		out->moved++;
	}
	return DB_OK;
}

/* Whether any peer may relay or any pair is relayed: 1, 0, or DB_ERROR. */
static int
any_relaying(void)
{
	static const char any[] =
		"SELECT EXISTS (SELECT 1 FROM peers WHERE relay = 1)"
		" OR EXISTS (SELECT 1 FROM pairs WHERE via IS NOT NULL)";
	struct strlist flag = { 0 };
	int ret = sql_strings(any, NULL, &flag) != DB_OK || flag.n != 1 ? DB_ERROR :
	          strcmp(flag.v[0], "1") == 0;

	rows_strlist_free(&flag);
	return ret;
}

int
store_relays_refresh(int64_t now, int64_t stale_after, struct relays_change *out)
{
	struct plan p = { 0 };
	int any = any_relaying(), ret = DB_ERROR;

	memset(out, 0, sizeof(*out));
	if (any <= 0)
		return any == 0 ? DB_OK : DB_ERROR;     /* 0: the cheap, common case */
	if (plan_load_pairs(&p, stale_after) == DB_OK &&
	    plan_load_relays(&p, now - stale_after) == DB_OK &&
	    plan_choose(&p, now, out) == DB_OK && plan_write(&p, out) == DB_OK)
		ret = DB_OK;
	plan_free(&p);
	return ret;
}

int
store_relay_path(const char *a, const char *b, int64_t stale_after, struct relay_path *out)
{
	static const char sql[] =
		"SELECT l.via, v.name, (pa.endpoint IS NULL AND pb.endpoint IS NULL) OR ("
		"  EXISTS (SELECT 1 FROM link_reports r WHERE r.reporter = l.a AND r.partner = l.b"
		"          AND " REPORT_DOWN("r", "l.created_at") ") AND"
		"  EXISTS (SELECT 1 FROM link_reports r WHERE r.reporter = l.b AND r.partner = l.a"
		"          AND " REPORT_DOWN("r", "l.created_at") ")),"
		" (SELECT max(latest_handshake) FROM link_reports WHERE (reporter = l.a AND"
		"  partner = l.via) OR (reporter = l.via AND partner = l.a)),"
		" (SELECT max(latest_handshake) FROM link_reports WHERE (reporter = l.b AND"
		"  partner = l.via) OR (reporter = l.via AND partner = l.b))"
		" FROM pairs l JOIN peers pa ON pa.id = l.a JOIN peers pb ON pb.id = l.b"
		" LEFT JOIN peers v ON v.id = l.via WHERE l.a = ?2 AND l.b = ?3";
	sqlite3_stmt *st = db_stmt(sql);
	int rc;

	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_int64(st, 1, stale_after);
	sqlite3_bind_text(st, 2, strcmp(a, b) < 0 ? a : b, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, strcmp(a, b) < 0 ? b : a, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		sql_copy_col(out->via, sizeof(out->via), st, 0);
		sql_copy_col(out->via_name, sizeof(out->via_name), st, 1);
		out->no_direct = sqlite3_column_int(st, 2);
		out->via_hs_a = sqlite3_column_int64(st, 3);
		out->via_hs_b = sqlite3_column_int64(st, 4);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? DB_OK : rc == SQLITE_DONE ? DB_NOTFOUND : DB_ERROR;
}
