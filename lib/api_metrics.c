/* SPDX-License-Identifier: MIT */
/*
 * GET /admin/metrics: the state of the mesh in the Prometheus text format,
 * read in one snapshot (the dispatcher's read transaction). Request counters
 * are this responder process's own (see api_route_stats()).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "db.h"
#include "prom.h"
#include "push.h"

/* The single integer a query answers; -1 on error. */
static int64_t
scalar(const char *sql)
{
	sqlite3_stmt *st = db_stmt(sql);
	int64_t v = -1;

	if (st != NULL && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	if (st != NULL)
		sqlite3_reset(st);
	return v;
}

static int
peers_and_pairs(struct prom *p)
{
	static const char pending[] = "SELECT count(*) FROM peers WHERE state = 'pending'";
	static const char accepted[] = "SELECT count(*) FROM peers WHERE state = 'accepted'";
	static const char adoptable[] = "SELECT count(*) FROM adoptable";
	static const char pairs[] = "SELECT count(*) FROM pairs";
	int64_t np = scalar(pending), na = scalar(accepted), nd = scalar(adoptable);
	int64_t npairs = scalar(pairs);

	if (np < 0 || na < 0 || nd < 0 || npairs < 0)
		return -1;
	prom_family(p, "wgconf_peers", "gauge", "Peers by state.");
	prom_sample(p, "wgconf_peers", (const char *const[]){ "state", "pending", NULL }, np);
	prom_sample(p, "wgconf_peers", (const char *const[]){ "state", "accepted", NULL }, na);
	prom_family(p, "wgconf_pending_peers", "gauge",
	            "Registrations waiting for an admin to accept or reject them.");
	prom_sample(p, "wgconf_pending_peers", NULL, np);
	prom_family(p, "wgconf_adoptable_peers", "gauge",
	            "Imported peers whose host has not adopted them yet (register --adopt).");
	prom_sample(p, "wgconf_adoptable_peers", NULL, nd);
	prom_family(p, "wgconf_pairs", "gauge", "Pairs of peers (links the admin asked for).");
	prom_sample(p, "wgconf_pairs", NULL, npairs);
	return 0;
}

static int
links(struct prom *p, int64_t now)
{
	static const char *const names[] = { "up", "stale", "never" };
	int64_t n[3] = { 0, 0, 0 }, stale = api_link_stale_after();
	sqlite3_stmt *st = api_links_stmt();
	char help[200];
	int rc;

	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *s = api_link_status(sqlite3_column_int64(st, 2),
		                                sqlite3_column_int64(st, 8), now, stale);
		for (size_t i = 0; i < 3; i++)
			if (strcmp(s, names[i]) == 0)
				n[i]++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return -1;
	snprintf(help, sizeof(help), "Pairs by link status: up (a side saw a handshake in the "
	         "last %" PRId64 " s), stale (longer ago), never.", stale);
	prom_family(p, "wgconf_links", "gauge", help);
	for (size_t i = 0; i < 3; i++)
		prom_sample(p, "wgconf_links", (const char *const[]){ "status", names[i], NULL },
		            n[i]);
	return 0;
}

static int
fetch_ages(struct prom *p, int64_t now)
{
	static const char sql[] =
		"SELECT id, name, last_seen FROM peers WHERE state = 'accepted'"
		" AND last_seen IS NOT NULL ORDER BY id";
	sqlite3_stmt *st = db_stmt(sql);
	int rc;

	if (st == NULL)
		return -1;
	prom_family(p, "wgconf_peer_last_config_fetch_age_seconds", "gauge",
	            "Seconds since the peer last fetched its config (recorded at most once a "
	            "minute); peers that never did are left out.");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		const char *name = (const char *)sqlite3_column_text(st, 1);
		int64_t age = now - sqlite3_column_int64(st, 2);
		prom_sample(p, "wgconf_peer_last_config_fetch_age_seconds",
		            (const char *const[]){ "peer", id, "name", name, NULL },
		            age < 0 ? 0 : age);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static void
requests(struct prom *p)
{
	const char *method, *pattern;
	uint64_t nreq, nerr;
	char route[96], pid[24];

	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	prom_family(p, "wgconf_http_requests_total", "counter",
	            "Requests answered by this responder process since it started, by route "
	            "(per process: each scrape reaches one of the responders, named by pid).");
	for (size_t i = 0; api_route_stats(i, &method, &pattern, &nreq, &nerr) == 0; i++) {
		snprintf(route, sizeof(route), "%s%s%s", method, method[0] ? " " : "", pattern);
		prom_sample(p, "wgconf_http_requests_total",
		            (const char *const[]){ "route", route, "pid", pid, NULL }, (int64_t)nreq);
	}
	prom_family(p, "wgconf_http_errors_total", "counter",
	            "Answers with a status of 400 or more by this responder process since it "
	            "started, by route (per process, named by pid).");
	for (size_t i = 0; api_route_stats(i, &method, &pattern, &nreq, &nerr) == 0; i++) {
		snprintf(route, sizeof(route), "%s%s%s", method, method[0] ? " " : "", pattern);
		prom_sample(p, "wgconf_http_errors_total",
		            (const char *const[]){ "route", route, "pid", pid, NULL }, (int64_t)nerr);
	}
}

/* Change notifications this process published to nginx (push.h). */
static void
pushes(struct prom *p)
{
	uint64_t ok, failed;
	char pid[24];

	push_stats(&ok, &failed);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	prom_family(p, "wgconf_push_published_total", "counter",
	            "Change notifications this responder process published to nginx's "
	            "Nchan publisher since it started (per process, named by pid).");
	prom_sample(p, "wgconf_push_published_total", (const char *const[]){ "pid", pid, NULL },
	            (int64_t)ok);
	prom_family(p, "wgconf_push_failed_total", "counter",
	            "Change notifications that could not be published (publisher down or "
	            "slow): hosts learn of those changes at their next poll. Per process.");
	prom_sample(p, "wgconf_push_failed_total", (const char *const[]){ "pid", pid, NULL },
	            (int64_t)failed);
}

int
api_admin_metrics(const struct request *req, struct response *res)
{
	static const char pages[] = "PRAGMA page_count";
	static const char page_size[] = "PRAGMA page_size";
	struct prom p;
	int64_t now = store_now(), npages, psize;
	char *text;

	(void)req;
	if (prom_open(&p) != 0)
		return api_db_error(res);
	npages = scalar(pages);
	psize = scalar(page_size);
	if (npages < 0 || psize < 0 || peers_and_pairs(&p) != 0 || links(&p, now) != 0 ||
	    fetch_ages(&p, now) != 0) {
		free(prom_close(&p));
		return api_db_error(res);
	}
	prom_family(&p, "wgconf_database_bytes", "gauge",
	            "Size of the SQLite database file (page_count * page_size), without its WAL.");
	prom_sample(&p, "wgconf_database_bytes", NULL, npages * psize);
	/* Counted before this request is: it is not answered yet. */
	requests(&p);
	pushes(&p);
	if ((text = prom_close(&p)) == NULL)
		return api_db_error(res);
	return http_text(res, 200, text, PROM_CONTENT_TYPE);
}
