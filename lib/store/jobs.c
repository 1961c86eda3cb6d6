/* SPDX-License-Identifier: MIT */
/* Pairs made in the background: the pair_jobs table (jobs.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs.h"
#include "revisions.h"
#include "sql.h"

#define JOB_COLUMNS \
	"SELECT j.rule_id, r.a, r.b, j.total, j.made, j.scanned, j.pass, j.started_at," \
	" coalesce(j.finished_at, 0) FROM pair_jobs j JOIN rules r ON r.id = j.rule_id"

static void
read_job(struct pair_job *j, sqlite3_stmt *st)
{
	memset(j, 0, sizeof(*j));
	j->rule_id = sqlite3_column_int64(st, 0);
	sql_copy_col(j->a, sizeof(j->a), st, 1);
	sql_copy_col(j->b, sizeof(j->b), st, 2);
	j->total = sqlite3_column_int64(st, 3);
	j->made = sqlite3_column_int64(st, 4);
	j->scanned = sqlite3_column_int64(st, 5);
	j->pass = sqlite3_column_int64(st, 6);
	j->started_at = sqlite3_column_int64(st, 7);
	j->finished_at = sqlite3_column_int64(st, 8);
}

int
store_job_start(int64_t rule_id, int64_t total, int64_t now)
{
	static const char sql[] =
		"INSERT OR REPLACE INTO pair_jobs (rule_id, total, started_at) VALUES (?1, ?2, ?3)";
	sqlite3_stmt *st = db_stmt(sql);

	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_int64(st, 1, rule_id);
	sqlite3_bind_int64(st, 2, total);
	sqlite3_bind_int64(st, 3, now);
	return db_exec_stmt(st);
}

int
store_job_get(int64_t rule_id, struct pair_job *j)
{
	static const char sql[] = JOB_COLUMNS " WHERE j.rule_id = ?1";
	sqlite3_stmt *st = db_stmt(sql);
	int rc;

	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_int64(st, 1, rule_id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		read_job(j, st);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? DB_OK : rc == SQLITE_DONE ? DB_NOTFOUND : DB_ERROR;
}

int
store_job_list(struct pair_job_list *out)
{
	static const char sql[] = JOB_COLUMNS " ORDER BY j.finished_at IS NOT NULL, j.rule_id";
	sqlite3_stmt *st = db_stmt(sql);
	size_t cap = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return DB_ERROR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (out->n == cap) {
			struct pair_job *nv = realloc(out->v, (cap ? cap * 2 : 8) * sizeof(*nv));
			if (nv == NULL)
				break;
			out->v = nv;
			cap = cap ? cap * 2 : 8;
		}
		read_job(&out->v[out->n++], st);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(out->v);
		memset(out, 0, sizeof(*out));
		return DB_ERROR;
	}
	return DB_OK;
}

int
store_job_running(void)
{
	static const char sql[] = "SELECT 1 FROM pair_jobs WHERE finished_at IS NULL LIMIT 1";
	sqlite3_stmt *st = db_stmt(sql);
	int rc;

	if (st == NULL)
		return DB_ERROR;
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? DB_OK : rc == SQLITE_DONE ? DB_NOTFOUND : DB_ERROR;
}

/* The oldest running job and its cursor. */
static int
job_next(struct pair_job *j, char ca[PEER_ID_LEN], char cb[PEER_ID_LEN], int64_t *missing)
{
	static const char sql[] =
		"SELECT j.rule_id, r.a, r.b, j.total, j.made, j.scanned, j.pass, j.started_at, 0,"
		" j.cursor_a, j.cursor_b, j.missing FROM pair_jobs j JOIN rules r ON r.id = j.rule_id"
		" WHERE j.finished_at IS NULL ORDER BY j.started_at, j.rule_id LIMIT 1";
	sqlite3_stmt *st = db_stmt(sql);
	int rc;

	if (st == NULL)
		return DB_ERROR;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_job(j, st);
		sql_copy_col(ca, PEER_ID_LEN, st, 9);
		sql_copy_col(cb, PEER_ID_LEN, st, 10);
		*missing = sqlite3_column_int64(st, 11);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? DB_OK : rc == SQLITE_DONE ? DB_NOTFOUND : DB_ERROR;
}

/* Adds the candidate of st's row to out when its pair is missing. */
static void
take_candidate(struct job_batch *out, sqlite3_stmt *st)
{
	const char *x = (const char *)sqlite3_column_text(st, 0);
	const char *y = (const char *)sqlite3_column_text(st, 1);
	int swap = strcmp(x, y) > 0;
	struct job_pair *p = &out->v[out->n];

	if (sqlite3_column_int(st, 4))
		return;                 /* paired already */
	memset(p, 0, sizeof(*p));
	/* A key that does not decode (a row written behind the server's
	 * back) can have no pair: not missing, or no pass would end. */
	if (keys_b64_decode_key(p->ka, (const char *)sqlite3_column_text(st, swap ? 3 : 2)) != 0 ||
	    keys_b64_decode_key(p->kb, (const char *)sqlite3_column_text(st, swap ? 2 : 3)) != 0)
		return;
	snprintf(p->a, sizeof(p->a), "%s", swap ? y : x);
	snprintf(p->b, sizeof(p->b), "%s", swap ? x : y);
	sql_copy_col(p->pka, sizeof(p->pka), st, swap ? 3 : 2);
	sql_copy_col(p->pkb, sizeof(p->pkb), st, swap ? 2 : 3);
	out->n++;
}

/* Up to JOBS_BATCH missing pairs of j after cursor (ca, cb), looking at no
 * more than JOBS_SCAN candidates; the cursor moves to the last one looked
 * at, *scanned of them; *end when the pass is over. */
static int
scan(const struct pair_job *j, char ca[PEER_ID_LEN], char cb[PEER_ID_LEN],
     struct job_batch *out, int64_t *scanned, int *end)
{
	/* x in a, y in b, both accepted, in (x, y) order after the cursor;
	 * a full mesh (a = b) takes each pair once. */
	static const char sql[] =
		"SELECT x.peer_id, y.peer_id, px.public_key, py.public_key,"
		" EXISTS (SELECT 1 FROM pairs WHERE a = min(x.peer_id, y.peer_id)"
		"         AND b = max(x.peer_id, y.peer_id))"
		" FROM peer_tags x JOIN peers px ON px.id = x.peer_id"
		" JOIN peer_tags y ON y.tag = ?2 JOIN peers py ON py.id = y.peer_id"
		" WHERE x.tag = ?1 AND px.state = 'accepted' AND py.state = 'accepted'"
		" AND x.peer_id != y.peer_id AND (?1 != ?2 OR x.peer_id < y.peer_id)"
		" AND x.peer_id >= ?3 AND (x.peer_id > ?3 OR y.peer_id > ?4)"
		" ORDER BY x.peer_id, y.peer_id LIMIT ?5";
	sqlite3_stmt *st = db_stmt(sql);
	int rc = SQLITE_DONE;

	*scanned = 0;
	*end = 0;
	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_text(st, 1, j->a, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, j->b, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, ca, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, cb, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 5, JOBS_SCAN);
	while (out->n < JOBS_BATCH && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		take_candidate(out, st);
		sql_copy_col(ca, PEER_ID_LEN, st, 0);
		sql_copy_col(cb, PEER_ID_LEN, st, 1);
		(*scanned)++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return DB_ERROR;
	*end = rc == SQLITE_DONE;
	return DB_OK;
}

/* The job's cursor after a claim: on at (ca, cb); or, at the end of a
 * pass, finished when the pass found nothing missing, else a new pass. */
static int
job_move(const struct pair_job *j, const char *ca, const char *cb, int64_t scanned,
         int64_t missing, int end, int64_t now)
{
	static const char on[] =
		"UPDATE pair_jobs SET cursor_a = ?2, cursor_b = ?3, scanned = scanned + ?4,"
		" missing = missing + ?5 WHERE rule_id = ?1";
	static const char again[] =
		"UPDATE pair_jobs SET cursor_a = '', cursor_b = '', scanned = 0, missing = 0,"
		" pass = pass + 1 WHERE rule_id = ?1";
	static const char done[] =
		"UPDATE pair_jobs SET finished_at = ?2, cursor_a = '', cursor_b = ''"
		" WHERE rule_id = ?1";
	sqlite3_stmt *st = db_stmt(!end ? on : missing > 0 ? again : done);

	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_int64(st, 1, j->rule_id);
	if (!end) {
		sqlite3_bind_text(st, 2, ca, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, cb, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, scanned);
		sqlite3_bind_int64(st, 5, missing);
	} else if (missing == 0) {
		sqlite3_bind_int64(st, 2, now);
	}
	return db_exec_stmt(st);
}

int
store_job_claim(struct job_batch *out, int64_t now)
{
	struct pair_job j;
	char ca[PEER_ID_LEN], cb[PEER_ID_LEN];
	int64_t missing = 0, scanned = 0;
	int rc, end = 0;

	out->n = 0;
	if ((rc = job_next(&j, ca, cb, &missing)) != DB_OK)
		return rc;
	out->rule_id = j.rule_id;
	if (scan(&j, ca, cb, out, &scanned, &end) != DB_OK)
		return DB_ERROR;
	/* The end of a pass counts what this pass found missing, this batch
	 * included: only a pass that found nothing ends the job. */
	return job_move(&j, ca, cb, scanned, end ? missing + (int64_t)out->n : (int64_t)out->n,
	                end, now);
}

int
store_job_put(const struct job_batch *b, int64_t now, size_t *made)
{
	/* A device's pair goes through its gateway, as store_pair_insert_psk()
	 * makes it (lib/store/pairs.c): via. */
	static const char ins[] =
		"INSERT INTO pairs (a, b, psk_box_a, psk_box_b, created_at, explicit, via)"
		" SELECT ?1, ?2, ?3, ?4, ?5, 0, (SELECT gateway FROM devices"
		"  WHERE peer_id IN (?1, ?2) AND gateway NOT IN (?1, ?2) ORDER BY peer_id LIMIT 1)"
		" WHERE EXISTS (SELECT 1 FROM peers WHERE id = ?1 AND public_key = ?6"
		"               AND state = 'accepted')"
		" AND EXISTS (SELECT 1 FROM peers WHERE id = ?2 AND public_key = ?7"
		"             AND state = 'accepted')"
		" AND EXISTS (SELECT 1 FROM pair_jobs WHERE rule_id = ?8)"
		" ON CONFLICT DO NOTHING";
	static const char count[] = "UPDATE pair_jobs SET made = made + ?2 WHERE rule_id = ?1";
	sqlite3_stmt *st;

	*made = 0;
	for (size_t i = 0; i < b->n; i++) {
		const struct job_pair *p = &b->v[i];

		if ((st = db_stmt(ins)) == NULL)
			return DB_ERROR;
		sqlite3_bind_text(st, 1, p->a, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, p->b, -1, SQLITE_STATIC);
		sqlite3_bind_blob(st, 3, p->boxa, sizeof(p->boxa), SQLITE_STATIC);
		sqlite3_bind_blob(st, 4, p->boxb, sizeof(p->boxb), SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, now);
		sqlite3_bind_text(st, 6, p->pka, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, p->pkb, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 8, b->rule_id);
		if (db_exec_stmt(st) != DB_OK)
			return DB_ERROR;
		if (db_changes() == 0)
			continue;
		if (store_revisions_touch(p->a) != DB_OK || store_revisions_touch(p->b) != DB_OK)
			return DB_ERROR;
		(*made)++;
	}
	if ((st = db_stmt(count)) == NULL)
		return DB_ERROR;
	sqlite3_bind_int64(st, 1, b->rule_id);
	sqlite3_bind_int64(st, 2, (int64_t)*made);
	return db_exec_stmt(st);
}
