/* SPDX-License-Identifier: MIT */
/*
 * Pairs made in the background (lib/store/jobs.h). Why in the responders
 * and not in a worker process of its own: every deployment (spawn-fcgi,
 * the systemd socket unit, lighttpd) already runs the responders and
 * nothing else, and each has its own database connection. Each responder
 * has a sealer: a thread with a database connection of its own, at a
 * lower CPU priority (nice 10), that claims a batch (one short write),
 * boxes its preshared keys and puts it (a second short write), so the
 * responder's own thread does nothing but answer, and wins the CPU over
 * the job. A config fetch is a read: in WAL mode a writer never makes it
 * wait. Where no thread can be made, api_jobs_work() does all three
 * between requests.
 *
 * The keys are boxed in bulk (keys_bulk_box(), docs/trust.md): one
 * ephemeral key pair per job and sealer, its secret key wiped when the job
 * ends (or another begins), so a pair costs no X25519 once both its ends
 * were seen.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "db.h"
#include "policy_view.h"

#define JOBS_IDLE_MS 500        /* how often the thread looks for a job */

/* A sealer's bulk boxer: for one job at a time. */
struct bulk {
	struct keys_bulk *k;            /* NULL: none yet, or wiped */
	int64_t rule_id;
};

/* Wipes the job's ephemeral secret key (and the shared keys). */
static void
bulk_end(struct bulk *u)
{
	keys_bulk_free(u->k);
	u->k = NULL;
}

/* The boxer of b's job: a fresh one when the job changed. NULL out of
 * memory. */
static struct keys_bulk *
bulk_for(struct bulk *u, const struct job_batch *b)
{
	if (u->k != NULL && u->rule_id == b->rule_id)
		return u->k;
	bulk_end(u);
	u->k = keys_bulk_new();
	u->rule_id = b->rule_id;
	return u->k;
}

/* Boxes a fresh preshared key of each pair to both ends; a pair with a
 * key of small order is dropped (its peer cannot have one), and so is the
 * whole batch when no boxer can be made (a later pass makes it again). */
static void
seal_batch(struct job_batch *b, struct bulk *u)
{
	struct keys_bulk *k = bulk_for(u, b);
	size_t kept = 0;

	if (k == NULL) {
		b->n = 0;
		return;
	}
	for (size_t i = 0; i < b->n; i++) {
		struct job_pair *p = &b->v[i];
		uint8_t psk[KEYS_LEN];
		int bad;

		keys_random(psk, sizeof(psk));
		bad = keys_bulk_box(k, p->boxa, psk, p->ka) != 0 ||
		      keys_bulk_box(k, p->boxb, psk, p->kb) != 0;
		keys_wipe(psk, sizeof(psk));
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

/* One batch of the oldest running job with boxer u: 1 made, 0 no job
 * (the boxer wiped), -1 an error. */
static int
work(struct bulk *u)
{
	struct job_batch *b = malloc(sizeof(*b));
	int64_t now = store_now();
	int rc, ret = -1;

	if (b == NULL)
		return -1;
	if ((rc = claim(b, now)) == DB_NOTFOUND) {
		bulk_end(u);            /* no job: its secret key goes */
		ret = 0;
		goto out;
	}
	if (rc != DB_OK)
		goto out;
	seal_batch(b, u);
	if (b->n > 0 && put(b, now) != DB_OK)
		goto out;
	ret = 1;
out:
	free(b);
	return ret;
}

/* api_jobs_work()'s boxer: for the thread that calls it. */
static struct bulk work_bulk;

int
api_jobs_work(void)
{
	return work(&work_bulk);
}

struct api_sealer {
	pthread_t thread;
	const char *db_path;            /* not owned: the configuration's */
	struct bulk bulk;               /* the thread's own */
};

/* The thread: its own database connection (lib/store/db.c keeps one per
 * thread), looks for a job every JOBS_IDLE_MS and makes its batches one
 * after another, waiting for the write lock as any writer does. */
static void *
sealer_main(void *arg)
{
	struct api_sealer *s = arg;
	const struct timespec idle = { JOBS_IDLE_MS / 1000, (JOBS_IDLE_MS % 1000) * 1000000L };

	/* This thread only: the responder's thread keeps its priority. */
	setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);
	for (;;) {
		if (db_open(s->db_path) == 0 && store_job_running() == DB_OK)
			while (work(&s->bulk) > 0)
				;
		bulk_end(&s->bulk);
		nanosleep(&idle, NULL);
	}
	return NULL;
}

struct api_sealer *
api_sealer_start(const char *db_path)
{
	struct api_sealer *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->db_path = db_path;
	if (pthread_create(&s->thread, NULL, sealer_main, s) != 0) {
		free(s);
		return NULL;
	}
	pthread_detach(s->thread);
	return s;
}

int
api_jobs_running(void)
{
	return store_job_running() == DB_OK;
}

int
api_admin_jobs_list(const struct request *req, struct response *res)
{
	struct pair_job_list l;
	struct json_object *o;

	(void)req;
	if (store_job_list(&l) != DB_OK)
		return api_db_error(res);
	o = views_job_list(&l);
	free(l.v);
	return http_json(res, 200, o);
}
