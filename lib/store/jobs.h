/* SPDX-License-Identifier: MIT */
/*
 * Pairs made in the background (lib/store/jobs.c, table pair_jobs): a rule
 * too large to make in the request that adds it gets a job, and the
 * responders make its pairs between requests, a batch at a time
 * (lib/api/api_jobs.c). A batch is claimed in one short write (the cursor
 * moves past it, so two responders never seal the same pairs), sealed
 * outside any transaction, and put in a second short write that touches the
 * two ends of each pair made: hosts pick their pairs up as they are made.
 * A pass that reaches the end starts another; the job is done when a whole
 * pass finds no pair missing (a batch lost to a crash is made again).
 */
#ifndef WGCONF_JOBS_H
#define WGCONF_JOBS_H

#include <stddef.h>
#include <stdint.h>

#include "result.h"
#include "rows.h"

#define JOBS_BATCH 256          /* pairs boxed per claim: about 1 ms of one core */
#define JOBS_SCAN  2048         /* candidate pairs looked at per claim, at most */

struct pair_job {
	int64_t rule_id;
	char a[TAG_MAX + 1], b[TAG_MAX + 1];
	int64_t total;                  /* pairs the rule implied when it began */
	int64_t made;                   /* pairs it made */
	int64_t scanned;                /* candidates looked at in this pass */
	int64_t pass;                   /* 1: making; 2 and on: checking */
	int64_t started_at, finished_at;        /* finished_at 0: running */
};

struct pair_job_list {
	struct pair_job *v;
	size_t n;
};

struct job_pair {
	char a[PEER_ID_LEN], b[PEER_ID_LEN];    /* a < b */
	char pka[KEYS_B64_LEN], pkb[KEYS_B64_LEN];
	uint8_t ka[KEYS_LEN], kb[KEYS_LEN];     /* pka and pkb, decoded */
	uint8_t boxa[KEYS_BOX_LEN], boxb[KEYS_BOX_LEN];        /* keys_bulk_box() */
};

/* One claimed batch: the pairs of rule_id to seal and put. */
struct job_batch {
	int64_t rule_id;
	struct job_pair v[JOBS_BATCH];
	size_t n;
};

/* Starts (or restarts) the job of rule rule_id, which implies total pairs. */
int store_job_start(int64_t rule_id, int64_t total, int64_t now);

/* The job of rule rule_id (DB_NOTFOUND: none). */
int store_job_get(int64_t rule_id, struct pair_job *j);

/* Every job, the running ones first. Caller frees out->v. */
int store_job_list(struct pair_job_list *out);

/* DB_OK when a job is running, DB_NOTFOUND when none. */
int store_job_running(void);

/* Inside a write transaction: the next batch of the oldest running job
 * (pairs missing now, keys read now), its cursor moved past them; a pass
 * that ends starts another or finishes the job. DB_NOTFOUND: no job runs. */
int store_job_claim(struct job_batch *out, int64_t now);

/* Inside a write transaction: puts the sealed pairs of b that are still
 * wanted (both ends accepted with the keys they were sealed to, the job
 * still there, no such pair yet) and touches their ends; *made of them. */
int store_job_put(const struct job_batch *b, int64_t now, size_t *made);

#endif
