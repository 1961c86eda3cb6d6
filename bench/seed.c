/* SPDX-License-Identifier: MIT */
/*
 * bench/seed: fills a wgconfsrv database with a benchmark mesh, fast.
 *
 * It drives the server's own request handlers (api_handle) in this process,
 * so every row is what the responder writes: real X25519 keys, real bearer
 * token hashes, PSKs sealed to both sides, addresses from the pool, revision
 * bumps and audit rows. What it skips is nginx, TLS and FastCGI (those are
 * what bench/run.sh measures with wrk), and the fsync of each commit
 * (synchronous=OFF on this connection only: a seed need not survive a power
 * cut, and the rows are the same).
 *
 *   bench/seed mesh DB N OUTDIR   N accepted peers: peer 0 (the hub) paired
 *                                 with all others, and each other peer paired
 *                                 with its 10 ring neighbours on each side
 *                                 (20 pairs, 21 with the hub). Writes
 *                                 OUTDIR/hub.token, OUTDIR/partial.token
 *                                 (0600), OUTDIR/ids (one id a line) and
 *                                 OUTDIR/tokens ("ID TOKEN" a line, 0600:
 *                                 the push benchmark's watching hosts).
 *   bench/seed hosts DB N OUTDIR  the same N accepted peers, unpaired (the
 *                                 push benchmark's idle hosts; fast).
 *   bench/seed pair DB ID M       pairs peer ID with the first M other
 *                                 accepted peers (by id).
 *   bench/seed tagged DB N OUTDIR TAG [HUBTAG]
 *                                 N accepted peers tagged TAG, no pair (a
 *                                 rule makes them: bench/fullmesh.sh); with
 *                                 HUBTAG, peer 0 is tagged HUBTAG instead.
 *                                 Writes OUTDIR/hub.token (peer 0),
 *                                 OUTDIR/member.token (peer 1), OUTDIR/ids.
 *   bench/seed rule DB A B        adds the rule pairing tags A and B, and
 *                                 makes its pairs here, as the responders
 *                                 would between requests (one process, one
 *                                 core: the rate of the background path).
 *
 * SEED_RING in the environment changes the partial mesh's neighbours on
 * each side (default 10); SEED_RING=0 seeds a hub and nothing else (a
 * large config, fast: tests/t2071).
 *
 * Each phase prints one line: "seed: PHASE COUNT in SECONDS s (RATE/s)".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

#include "api.h"
#include "db.h"
#include "sql.h"
#include "keys.h"
#include "text.h"

#define SEED_RING 10            /* neighbours on each side in the partial mesh */
#define SEED_BATCH 500          /* registered, then accepted, at a time */
#define SEED_ROOM 2048          /* free pool addresses left for more peers */

static double
seed_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One line per phase: its count, seconds and rate. */
static void
seed_report(const char *phase, long n, double s)
{
	printf("seed: %s %ld in %.2f s (%.0f/s)\n", phase, n, s, s > 0 ? (double)n / s : 0.0);
	fflush(stdout);
}

/* One admin or anonymous request through the real handlers. Returns the
 * status; *out (if not NULL) gets the body, owned by the caller. */
static int
seed_call(const char *method, const char *path, const char *body, int admin,
          struct json_object **out)
{
	struct request req = {
		.method = method,
		.path = path,
		.remote_user = admin ? "bench" : NULL,
		.content_type = "application/json",
		.host = "localhost",
		.scheme = "https",
		.body = body,
		.body_len = body ? strlen(body) : 0,
	};
	struct response res;
	int status;

	api_handle(&req, &res);
	status = res.status;
	if (out != NULL) {
		*out = res.body;
		res.body = NULL;
	}
	http_response_free(&res);
	return status;
}

/* Writes text to path, mode 0600. 0 or -1. */
static int
seed_write_file(const char *dir, const char *name, const char *text)
{
	char path[4096];
	int fd, ret = -1;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		perror(path);
		goto out;
	}
	if (text_write_all(fd, text, strlen(text)) != 0 || write(fd, "\n", 1) != 1) {
		perror(path);
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

static int
seed_pair(const char *a, const char *b)
{
	char path[128];
	int status;

	snprintf(path, sizeof(path), API_PREFIX "/admin/pairs/%s/%s", a, b);
	status = seed_call("PUT", path, NULL, 1, NULL);
	if (status != 200 && status != 201 && status != 204) {
		fprintf(stderr, "seed: PUT %s gave %d\n", path, status);
		return -1;
	}
	return 0;
}

/* The smallest IPv4 pool (prefix from /8) that holds n peers and leaves
 * room for SEED_ROOM more (bench/run.sh registers and accepts some). */
static int
seed_pool_prefix(long n)
{
	int prefix = 24;

	while (prefix > 8 && (1L << (32 - prefix)) - 2 < n + SEED_ROOM)
		prefix--;
	return prefix;
}

/* Registers and accepts peers b..end-1 (ids into ids), tagged tag
 * (NULL: none) or, peer 0, hubtag when given; keeps the tokens of peers 0
 * and 1 (or of n / 2, partial) in outdir. The seconds each phase took are
 * added to t[0] and t[1]. */
/* OUTDIR/tokens, mode 0600: every peer's bearer token. NULL after a
 * message. */
static FILE *
seed_open_tokens(const char *dir)
{
	char path[4096];
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "%s/tokens", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
		perror(path);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	return f;
}

/* "ID TOKEN" of a registration's answer o. 0 or -1. */
static int
seed_token(FILE *f, const char *id, struct json_object *o)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, "token", &v)) {
		fprintf(stderr, "seed: no token for %s\n", id);
		return -1;
	}
	return fprintf(f, "%s %s\n", id, json_object_get_string(v)) < 0 ? -1 : 0;
}

static int
seed_peers(char (*ids)[PEER_ID_LEN], long b, long end, long n, const char *outdir,
           const char *tag, const char *hubtag, FILE *tokf, double t[2])
{
	double t0 = seed_now();
	char body[512], path[128], pub[KEYS_B64_LEN];
	uint8_t sk[KEYS_LEN], pk[KEYS_LEN];
	struct json_object *o = NULL, *v;
	long i, keep = tag != NULL ? 1 : n / 2;
	int status;

	for (i = b; i < end; i++) {
		keys_generate(sk, pk);
		keys_wipe(sk, sizeof(sk));
		keys_b64_encode(pub, sizeof(pub), pk, sizeof(pk));
		snprintf(body, sizeof(body), "{\"name\":\"bench-%05ld\",\"public_key\":\"%s\","
		         "\"endpoint\":\"198.18.%ld.%ld:51820\"}", i, pub, (i / 250) % 250,
		         i % 250 + 1);
		status = seed_call("POST", API_PREFIX "/register", body, 0, &o);
		if (status != 201 || !json_object_object_get_ex(o, "id", &v)) {
			fprintf(stderr, "seed: register %ld gave %d: %s\n", i, status,
			        o ? json_object_to_json_string(o) : "");
			json_object_put(o);
			return -1;
		}
		snprintf(ids[i], PEER_ID_LEN, "%s", json_object_get_string(v));
		if (tokf != NULL && seed_token(tokf, ids[i], o) != 0) {
			json_object_put(o);
			return -1;
		}
		if ((i == 0 || i == keep) &&
		    (!json_object_object_get_ex(o, "token", &v) ||
		     seed_write_file(outdir, i == 0 ? "hub.token" : tag != NULL ? "member.token" :
		                     "partial.token", json_object_get_string(v)) != 0)) {
			json_object_put(o);
			return -1;
		}
		json_object_put(o);
		o = NULL;
	}
	t[0] += seed_now() - t0;
	t0 = seed_now();
	for (i = b; i < end; i++) {
		snprintf(path, sizeof(path), API_PREFIX "/admin/peers/%s/accept", ids[i]);
		snprintf(body, sizeof(body), tag ? "{\"tags\":[\"%s\"]}" : "{}",
		         i == 0 && hubtag ? hubtag : tag);
		if ((status = seed_call("POST", path, body, 1, NULL)) != 200) {
			fprintf(stderr, "seed: accept %s gave %d\n", ids[i], status);
			return -1;
		}
	}
	t[1] += seed_now() - t0;
	return 0;
}

/* N tagged peers, no pair: a rule makes them later. */
static int
seed_tagged(long n, const char *outdir, const char *tag, const char *hubtag)
{
	char (*ids)[PEER_ID_LEN] = calloc((size_t)n, sizeof(*ids));
	char body[128];
	struct json_object *o = NULL;
	FILE *idf = NULL;
	double t[2] = { 0, 0 };
	int ret = -1;

	if (ids == NULL)
		goto out;
	snprintf(body, sizeof(body), "{\"ipv4_pool\":\"10.0.0.0/%d\"}", seed_pool_prefix(n));
	if (seed_call("PUT", API_PREFIX "/admin/network", body, 1, &o) != 200)
		goto out;
	for (long b = 0; b < n; b += SEED_BATCH)
		if (seed_peers(ids, b, b + SEED_BATCH < n ? b + SEED_BATCH : n, n, outdir, tag,
		               hubtag, NULL, t) != 0)
			goto out;
	seed_report("registrations", n, t[0]);
	seed_report("accepts", n, t[1]);
	snprintf(body, sizeof(body), "%s/ids", outdir);
	if ((idf = fopen(body, "w")) == NULL)
		goto out;
	for (long i = 0; i < n; i++)
		fprintf(idf, "%s\n", ids[i]);
	ret = fclose(idf) == 0 ? 0 : -1;
out:
	if (ret != 0)
		fprintf(stderr, "seed: tagged peers failed\n");
	json_object_put(o);
	free(ids);
	return ret;
}

/* The partial mesh's neighbours on each side: SEED_RING, or 10. */
static long
seed_ring(void)
{
	const char *s = getenv("SEED_RING");
	unsigned long v;

	if (s == NULL || text_parse_ulong(s, 0, 1000, &v) != 0)
		return SEED_RING;
	return (long)v;
}

static int
seed_mesh(long n, const char *outdir, int paired)
{
	char (*ids)[PEER_ID_LEN] = NULL;
	char body[512], path[128];
	struct json_object *o = NULL;
	FILE *idf = NULL, *tokf = NULL;
	long i, b, pairs = 0;
	double t0, t[2] = { 0, 0 };
	int ret = -1, status;

	if ((ids = calloc((size_t)n, sizeof(*ids))) == NULL ||
	    (tokf = seed_open_tokens(outdir)) == NULL)
		goto out;
	snprintf(body, sizeof(body), "{\"ipv4_pool\":\"10.0.0.0/%d\"}", seed_pool_prefix(n));
	if ((status = seed_call("PUT", API_PREFIX "/admin/network", body, 1, &o)) != 200) {
		fprintf(stderr, "seed: PUT /admin/network %s gave %d: %s\n", body, status,
		        o ? json_object_to_json_string(o) : "");
		goto out;
	}
	json_object_put(o);
	o = NULL;

	/* At most SEED_BATCH pending at a time: the server caps how many peers
	 * may wait for review. */
	for (b = 0; b < n; b += SEED_BATCH)
		if (seed_peers(ids, b, b + SEED_BATCH < n ? b + SEED_BATCH : n, n, outdir, NULL,
		               NULL, tokf, t) != 0)
			goto out;
	seed_report("registrations", n, t[0]);
	seed_report("accepts", n, t[1]);

	/* The partial mesh among peers 1..n-1: each with the next SEED_RING
	 * (so SEED_RING on each side), fewer when the mesh is small. */
	t0 = seed_now();
	for (i = paired ? 1 : n; i < n; i++) {
		long ring = n - 1, k, reach = seed_ring();
		if (2 * reach > ring - 1)
			reach = (ring - 1) / 2;
		for (k = 1; k <= reach; k++) {
			long j = 1 + (i - 1 + k) % ring;
			if (seed_pair(ids[i], ids[j]) != 0)
				goto out;
			pairs++;
		}
	}
	seed_report("partial-pairs", pairs, seed_now() - t0);

	t0 = seed_now();
	for (i = paired ? 1 : n; i < n; i++) {
		/* Small meshes: the ring may already pair everyone. */
		if (seed_pair(ids[0], ids[i]) != 0)
			goto out;
	}
	seed_report("hub-pairs", n - 1, seed_now() - t0);

	snprintf(path, sizeof(path), "%s/ids", outdir);
	if ((idf = fopen(path, "w")) == NULL) {
		perror(path);
		goto out;
	}
	for (i = 0; i < n; i++)
		fprintf(idf, "%s\n", ids[i]);
	if (fclose(idf) != 0) {
		idf = NULL;
		perror(path);
		goto out;
	}
	idf = NULL;
	ret = 0;
out:
	if (idf != NULL)
		fclose(idf);
	if (tokf != NULL && fclose(tokf) != 0) {
		perror("seed: tokens");
		ret = -1;
	}
	json_object_put(o);
	free(ids);
	return ret;
}

static int
seed_pair_many(const char *id, long m)
{
	static const char sql[] =
		"SELECT id FROM peers WHERE state = 'accepted' AND id <> ?1 ORDER BY id LIMIT ?2";
	struct json_object *list = NULL;
	sqlite3_stmt *st;
	double t0;
	size_t i, n;
	int ret = -1;

	/* Collect first: the handlers reuse the cached statements. */
	if ((st = db_stmt(sql)) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, m);
	list = json_object_new_array();
	while (sqlite3_step(st) == SQLITE_ROW)
		json_object_array_add(list, json_object_new_string(
			(const char *)sqlite3_column_text(st, 0)));
	sqlite3_reset(st);
	n = json_object_array_length(list);
	t0 = seed_now();
	for (i = 0; i < n; i++)
		if (seed_pair(id, json_object_get_string(json_object_array_get_idx(list, i))) != 0)
			goto out;
	seed_report("pairs", (long)n, seed_now() - t0);
	ret = 0;
out:
	json_object_put(list);
	return ret;
}

/* Rule a-b through the handler, then its job run to the end here. */
static int
seed_rule(const char *a, const char *b)
{
	char body[128];
	long batches = 0, pairs;
	double t0 = seed_now();
	int r;

	snprintf(body, sizeof(body), "{\"a\":\"%s\",\"b\":\"%s\"}", a, b);
	if (seed_call("POST", API_PREFIX "/admin/rules", body, 1, NULL) != 201)
		return -1;
	while ((r = api_jobs_work()) > 0)
		batches++;
	{
		sqlite3_stmt *st = db_stmt("SELECT count(*) FROM pairs");
		if (st == NULL || sqlite3_step(st) != SQLITE_ROW)
			return -1;
		pairs = (long)sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	}
	seed_report("rule-pairs", pairs, seed_now() - t0);
	printf("seed: %ld batches\n", batches);
	return r;
}

static void
seed_usage(void)
{
	fprintf(stderr, "usage: seed mesh|hosts DB N OUTDIR | seed pair DB ID M |"
	        " seed tagged DB N OUTDIR TAG [HUBTAG] | seed rule DB A B\n");
}

int
main(int argc, char **argv)
{
	unsigned long n = 0;
	int ret = 1;

	int tagged = argc >= 2 && strcmp(argv[1], "tagged") == 0;
	int many = argc == 5 && (strcmp(argv[1], "mesh") == 0 || strcmp(argv[1], "hosts") == 0);

	if (argc == 5 && strcmp(argv[1], "rule") == 0) {
		if (keys_init() != 0 || db_open(argv[2]) != 0)
			return 1;
		ret = seed_rule(argv[3], argv[4]) == 0 ? 0 : 1;
		db_close();
		return ret;
	}
	if (tagged ? argc != 6 && argc != 7 :
	    argc != 5 || (!many && strcmp(argv[1], "pair") != 0)) {
		seed_usage();
		return 2;
	}
	if (text_parse_ulong(argv[strcmp(argv[1], "pair") != 0 ? 3 : 4], 1, 1000000, &n) != 0) {
		fprintf(stderr, "seed: %s is not a count from 1 to 1000000\n",
		        argv[strcmp(argv[1], "pair") != 0 ? 3 : 4]);
		return 2;
	}
	if (keys_init() != 0 || db_open(argv[2]) != 0) {
		fprintf(stderr, "seed: cannot open %s\n", argv[2]);
		return 1;
	}
	if (sqlite3_exec(db_handle(), "PRAGMA synchronous=OFF", NULL, NULL, NULL) != SQLITE_OK)
		goto out;
	if (tagged) {
		if (n < 2 || seed_tagged((long)n, argv[4], argv[5], argc == 7 ? argv[6] : NULL) != 0)
			goto out;
	} else if (many) {
		if (n < 2) {
			fprintf(stderr, "seed: a mesh needs at least 2 peers\n");
			goto out;
		}
		if (seed_mesh((long)n, argv[4], strcmp(argv[1], "mesh") == 0) != 0)
			goto out;
	} else if (seed_pair_many(argv[3], (long)n) != 0) {
		goto out;
	}
	ret = 0;
out:
	db_close();
	return ret;
}
