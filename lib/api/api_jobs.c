/* SPDX-License-Identifier: MIT */
/*
 * Pairs made in the background (lib/store/jobs.h). Why in the responders,
 * between requests, and not in a worker process of its own: every
 * deployment (spawn-fcgi, the systemd socket unit, lighttpd) already runs
 * the responders and nothing else, each has its own database connection
 * and core, and an idle responder is exactly the spare capacity a large
 * rule needs. A responder with a request waiting serves it first
 * (cgi/main.c polls with no wait while a job runs, and does a batch only
 * when nothing is there), so a request waits at most for one batch: some
 * 5 ms of sealing (JOBS_BATCH) and two short writes.
 */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "db.h"

/* Seals a fresh preshared key of each pair to both ends; a pair whose key
 * will not decode is dropped (its peer cannot have one). */
static void
seal_batch(struct job_batch *b)
{
	size_t kept = 0;

	for (size_t i = 0; i < b->n; i++) {
		struct job_pair *p = &b->v[i];
		uint8_t psk[KEYS_LEN], ka[KEYS_LEN], kb[KEYS_LEN];
		int bad = keys_b64_decode_key(ka, p->pka) != 0 ||
		          keys_b64_decode_key(kb, p->pkb) != 0;

		if (!bad) {
			keys_random(psk, sizeof(psk));
			bad = keys_seal(p->boxa, psk, ka) != 0 || keys_seal(p->boxb, psk, kb) != 0;
			keys_wipe(psk, sizeof(psk));
		}
		if (!bad && kept != i)
			b->v[kept] = *p;
		kept += !bad;
	}
	b->n = kept;
}

/* Claims a batch in one short write; DB_NOTFOUND when no job runs. */
static int
claim(struct job_batch *b, int64_t now)
{
	int rc;

	if (db_begin() != 0)
		return DB_ERROR;
	rc = store_job_claim(b, now);
	if (rc == DB_OK && db_commit() == 0)
		return DB_OK;
	db_rollback();
	return rc == DB_NOTFOUND ? DB_NOTFOUND : DB_ERROR;
}

/* Puts a sealed batch in one short write, with the revisions it moves. */
static int
put(const struct job_batch *b, int64_t now)
{
	struct store_revisions revised = { NULL, 0 };
	size_t made = 0;
	int ok;

	if (db_begin() != 0)
		return DB_ERROR;
	ok = store_job_put(b, now, &made) == DB_OK && store_revisions_commit(&revised) == DB_OK &&
	     db_commit() == 0;
	store_revisions_free(&revised);
	if (!ok) {
		db_rollback();
		return DB_ERROR;
	}
	return DB_OK;
}

int
api_jobs_work(void)
{
	struct job_batch *b = malloc(sizeof(*b));
	int64_t now = store_now();
	int rc, ret = -1;

	if (b == NULL)
		return -1;
	if ((rc = claim(b, now)) == DB_NOTFOUND) {
		ret = 0;
		goto out;
	}
	if (rc != DB_OK)
		goto out;
	seal_batch(b);
	if (b->n > 0 && put(b, now) != DB_OK)
		goto out;
	ret = 1;
out:
	free(b);
	return ret;
}

int
api_jobs_running(void)
{
	return store_job_running() == DB_OK;
}

struct json_object *
api_job_json(const struct pair_job *j)
{
	struct json_object *o = json_object_new_object();
	double progress = j->finished_at ? 1.0 : j->pass > 1 || j->total <= 0 ? 0.99 :
	                  (double)j->scanned / (double)j->total;

	json_object_object_add(o, "rule", json_object_new_int64(j->rule_id));
	json_object_object_add(o, "state", json_object_new_string(
	                       j->finished_at ? "done" : j->pass > 1 ? "checking" : "making"));
	json_object_object_add(o, "pairs", json_object_new_int64(j->total));
	json_object_object_add(o, "made", json_object_new_int64(j->made));
	json_object_object_add(o, "progress",
	                       json_object_new_double(progress > 0.99 && !j->finished_at ? 0.99 :
	                                              progress));
	json_object_object_add(o, "started_at", views_time(j->started_at));
	json_object_object_add(o, "finished_at", j->finished_at ? views_time(j->finished_at) : NULL);
	return o;
}

int
api_admin_jobs_list(const struct request *req, struct response *res)
{
	struct pair_job_list l;
	struct json_object *arr, *o;

	(void)req;
	if (store_job_list(&l) != DB_OK)
		return api_db_error(res);
	arr = json_object_new_array();
	for (size_t i = 0; i < l.n; i++)
		json_object_array_add(arr, api_job_json(&l.v[i]));
	free(l.v);
	o = json_object_new_object();
	json_object_object_add(o, "jobs", arr);
	return http_json(res, 200, o);
}
