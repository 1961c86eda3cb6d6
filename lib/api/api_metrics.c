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
#include "prom.h"
#include "push.h"

static void
peers_and_pairs(struct prom *p, const struct store_stats *s)
{
	int64_t np = s->pending, na = s->accepted, nd = s->adoptable, npairs = s->pairs;

	prom_family(p, "wgconf_peers", "gauge", "Peers by state.");
	prom_sample(p, "wgconf_peers", (const char *const[]){ "state", "pending", NULL }, np);
	prom_sample(p, "wgconf_peers", (const char *const[]){ "state", "accepted", NULL }, na);
	prom_family(p, "wgconf_pending_peers", "gauge",
	            "Registrations waiting for an admin to accept or reject them.");
	prom_sample(p, "wgconf_pending_peers", NULL, np);
	prom_family(p, "wgconf_disabled_peers", "gauge",
	            "Accepted peers paused by an admin or by their expiry: in no config.");
	prom_sample(p, "wgconf_disabled_peers", NULL, s->disabled);
	prom_family(p, "wgconf_expiring_peers", "gauge",
	            "Accepted peers not paused yet that have an expiry time.");
	prom_sample(p, "wgconf_expiring_peers", NULL, s->expiring);
	prom_family(p, "wgconf_adoptable_peers", "gauge",
	            "Imported peers whose host has not adopted them yet (register --adopt).");
	prom_sample(p, "wgconf_adoptable_peers", NULL, nd);
	prom_family(p, "wgconf_pairs", "gauge", "Pairs of peers (links the admin asked for).");
	prom_sample(p, "wgconf_pairs", NULL, npairs);
}

struct link_counts {
	int64_t n[3], now, stale;
};

static const char *const link_names[] = { "up", "stale", "never" };

static int
count_link(const struct link_side *a, const struct link_side *b, void *ctx)
{
	struct link_counts *c = ctx;
	const char *s = api_link_status(a->latest_handshake, b->latest_handshake, c->now,
	                                c->stale);

	for (size_t i = 0; i < 3; i++)
		if (strcmp(s, link_names[i]) == 0)
			c->n[i]++;
	return 0;
}

static int
links(struct prom *p, int64_t now)
{
	struct link_counts c = { { 0, 0, 0 }, now, api_link_stale_after() };
	char help[200];

	if (store_link_status_each(count_link, &c) != DB_OK)
		return -1;
	snprintf(help, sizeof(help), "Pairs by link status: up (a side saw a handshake in the "
	         "last %" PRId64 " s), stale (longer ago), never.", c.stale);
	prom_family(p, "wgconf_links", "gauge", help);
	for (size_t i = 0; i < 3; i++)
		prom_sample(p, "wgconf_links", (const char *const[]){ "status", link_names[i], NULL },
		            c.n[i]);
	return 0;
}

struct age_ctx {
	struct prom *p;
	int64_t now;
};

static int
fetch_age(const char *id, const char *name, int64_t last_seen, void *ctx)
{
	struct age_ctx *c = ctx;
	int64_t age = c->now - last_seen;

	prom_sample(c->p, "wgconf_peer_last_config_fetch_age_seconds",
	            (const char *const[]){ "peer", id, "name", name, NULL }, age < 0 ? 0 : age);
	return 0;
}

static int
fetch_ages(struct prom *p, int64_t now)
{
	struct age_ctx c = { p, now };

	prom_family(p, "wgconf_peer_last_config_fetch_age_seconds", "gauge",
	            "Seconds since the peer last fetched its config (recorded at most once a "
	            "minute); peers that never did are left out.");
	return store_stats_last_seen_each(fetch_age, &c) == DB_OK ? 0 : -1;
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
	struct store_stats s;
	struct prom p;
	int64_t now = store_now();
	char *text;

	(void)req;
	if (store_stats(&s) != DB_OK || prom_open(&p) != 0)
		return api_db_error(res);
	peers_and_pairs(&p, &s);
	if (links(&p, now) != 0 || fetch_ages(&p, now) != 0) {
		free(prom_close(&p));
		return api_db_error(res);
	}
	prom_family(&p, "wgconf_database_bytes", "gauge",
	            "Size of the SQLite database file (page_count * page_size), without its WAL.");
	prom_sample(&p, "wgconf_database_bytes", NULL, s.db_bytes);
	/* Counted before this request is: it is not answered yet. */
	requests(&p);
	pushes(&p);
	if ((text = prom_close(&p)) == NULL)
		return api_db_error(res);
	return http_text(res, 200, text, PROM_CONTENT_TYPE);
}
