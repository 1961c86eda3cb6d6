/* SPDX-License-Identifier: MIT */
/*
 * Pairs made in the background (lib/store/jobs.h). Why in the responders
 * and not in a worker process of its own: every deployment (spawn-fcgi,
 * the systemd socket unit, lighttpd) already runs the responders and
 * nothing else, and each has its own database connection. Each responder
 * has a sealer: a thread that only seals (no database, no FastCGI), at a
 * lower CPU priority (nice 10), so the responder's own thread keeps
 * answering while a batch is sealed, and wins the CPU over the sealing.
 * The responder claims a batch and puts a sealed one (two short writes,
 * between requests); the thread seals the preshared keys in between. Where
 * no thread can be made, api_jobs_work() does all three between requests.
 *
 * The keys are boxed in bulk (keys_bulk_box(), docs/trust.md): one
 * ephemeral key pair per job and sealer, its secret key wiped when the job
 * ends (or another begins), so a pair costs no X25519 once both its ends
 * were seen.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "api.h"
#include "db.h"
#include "policy_view.h"

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

/* BEGIN IMMEDIATE: for the sealer's responder without waiting for the
 * other responder's write (it answers requests meanwhile), DB_BUSY. */
static int
begin(int wait)
{
	if (wait)
		return db_begin() == 0 ? DB_OK : DB_ERROR;
	return db_begin_try();
}

/* Claims a batch in one short write; DB_NOTFOUND when no job runs. */
static int
claim(struct job_batch *b, int64_t now, int wait)
{
	int rc;

	if ((rc = begin(wait)) != DB_OK)
		return rc;
	rc = store_job_claim(b, now);
	if (rc == DB_OK && db_commit() == 0)
		return DB_OK;
	db_rollback();
	return rc == DB_NOTFOUND ? DB_NOTFOUND : DB_ERROR;
}

/* Puts a sealed batch in one short write, with the revisions it moves. */
static int
put(const struct job_batch *b, int64_t now, int wait)
{
	struct store_revisions revised = { NULL, 0 };
	size_t made = 0;
	int ok;

	if ((ok = begin(wait)) != DB_OK)
		return ok;
	ok = store_job_put(b, now, &made) == DB_OK && store_revisions_commit(&revised) == DB_OK &&
	     db_commit() == 0;
	store_revisions_free(&revised);
	if (!ok) {
		db_rollback();
		return DB_ERROR;
	}
	return DB_OK;
}

/* api_jobs_work()'s boxer: this process makes its batches in one thread. */
static struct bulk work_bulk;

int
api_jobs_work(void)
{
	struct job_batch *b = malloc(sizeof(*b));
	int64_t now = store_now();
	int rc, ret = -1;

	if (b == NULL)
		return -1;
	if ((rc = claim(b, now, 1)) == DB_NOTFOUND) {
		bulk_end(&work_bulk);   /* no job: its secret key goes */
		ret = 0;
		goto out;
	}
	if (rc != DB_OK)
		goto out;
	seal_batch(b, &work_bulk);
	if (b->n > 0 && put(b, now, 1) != DB_OK)
		goto out;
	ret = 1;
out:
	free(b);
	return ret;
}

struct api_sealer {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job_batch *todo;         /* handed to the thread; owned by it */
	struct job_batch *done;         /* sealed, handed back */
	struct job_batch *unput;        /* sealed, its put found the lock taken */
	int in_flight;                  /* a batch is out of the responder's hands */
	int forget;                     /* no job runs: wipe the boxer */
	int efd;                        /* readable when done is set */
	struct bulk bulk;               /* the thread's own */
};

static void *
sealer_main(void *arg)
{
	struct api_sealer *s = arg;
	uint64_t one = 1;

	/* This thread only: the responder's thread keeps its priority. */
	setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);
	for (;;) {
		struct job_batch *b;

		int forget;

		pthread_mutex_lock(&s->mu);
		while (s->todo == NULL && !s->forget)
			pthread_cond_wait(&s->cv, &s->mu);
		b = s->todo;
		s->todo = NULL;
		forget = s->forget;
		s->forget = 0;
		pthread_mutex_unlock(&s->mu);
		if (forget)
			bulk_end(&s->bulk);
		if (b == NULL)
			continue;
		seal_batch(b, &s->bulk);
		pthread_mutex_lock(&s->mu);
		s->done = b;
		pthread_mutex_unlock(&s->mu);
		while (write(s->efd, &one, sizeof(one)) < 0 && errno == EINTR)
			;
	}
	return NULL;
}

struct api_sealer *
api_sealer_start(void)
{
	struct api_sealer *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	if ((s->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0)
		goto fail;
	if (pthread_create(&s->thread, NULL, sealer_main, s) != 0) {
		close(s->efd);
		goto fail;
	}
	pthread_detach(s->thread);
	return s;
fail:
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
	return NULL;
}

int
api_sealer_fd(const struct api_sealer *s)
{
	return s->efd;
}

int
api_sealer_busy(const struct api_sealer *s)
{
	return s->in_flight;
}

/* The sealed batch back from the thread, or NULL while it seals. */
static struct job_batch *
sealer_take(struct api_sealer *s)
{
	struct job_batch *b;
	uint64_t n;

	while (read(s->efd, &n, sizeof(n)) < 0 && errno == EINTR)
		;
	pthread_mutex_lock(&s->mu);
	b = s->done;
	s->done = NULL;
	pthread_mutex_unlock(&s->mu);
	return b;
}

/* No job runs: the thread wipes its boxer (the job's secret key). */
static void
sealer_forget(struct api_sealer *s)
{
	pthread_mutex_lock(&s->mu);
	s->forget = 1;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

/* Puts the sealed batch waiting to be put, if any: DB_OK (or none),
 * DB_BUSY (it waits on), DB_ERROR. */
static int
put_unput(struct api_sealer *s)
{
	int rc;

	if (s->unput == NULL)
		return DB_OK;
	rc = s->unput->n > 0 ? put(s->unput, store_now(), 0) : DB_OK;
	if (rc == DB_BUSY)
		return DB_BUSY;
	free(s->unput);
	s->unput = NULL;
	return rc;
}

int
api_jobs_step(struct api_sealer *s)
{
	struct job_batch *b;
	int rc;

	if (s->in_flight) {
		if ((b = sealer_take(s)) == NULL)
			return API_JOBS_MORE;
		s->in_flight = 0;
		s->unput = b;
	}
	if ((rc = put_unput(s)) != DB_OK)
		return rc == DB_BUSY ? API_JOBS_BUSY : -1;
	if ((b = malloc(sizeof(*b))) == NULL)
		return -1;
	if ((rc = claim(b, store_now(), 0)) != DB_OK) {
		free(b);
		if (rc == DB_NOTFOUND)
			sealer_forget(s);
		return rc == DB_NOTFOUND ? 0 : rc == DB_BUSY ? API_JOBS_BUSY : -1;
	}
	pthread_mutex_lock(&s->mu);
	s->todo = b;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	s->in_flight = 1;
	return API_JOBS_MORE;
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
