/* SPDX-License-Identifier: MIT */
/*
 * bench/pushbench: N simulated watching hosts in one process, each holding
 * its own TLS subscription (its own connection and source address
 * 127.x.y.z, so that nginx's per-address limits see N hosts) to its push
 * channel, and doing what `wgconf sync --watch` does on a message: GET
 * /peer/config with its ETag, as an HTTP/2 stream on the subscription's
 * connection (BENCH_PUSH_H2=0: on a new HTTP/1.1 TLS connection, as a cron
 * sync would). It measures:
 *
 *   idle     nginx's memory per subscriber (the sum of Pss of every nginx
 *            process, shared memory included, before and after), and the
 *            CPU the responders and nginx spend while nothing changes;
 *   all      an admin change every host sees (the MTU): from the admin's
 *            200 to each host having fetched its new config; p50, p99, max;
 *   one      a change to one host (its listen port; its ~21 partners see
 *            it too): from the admin's 200 to that host's fetch, TRIALS
 *            times, and to its message alone (before the fetch);
 *   reload   `nginx -s reload` (SIGHUP): how long until every host is
 *            subscribed again, reconnecting as wgconf does (at a random
 *            moment within 10 s, then doubling waits after a failure), and
 *            how many attempts were refused;
 *   restart  the same after the shell command BENCH_PUSH_RESTART (it
 *            stops nginx and starts it again), when set.
 *
 * BENCH_PUSH_HOLD=S holds the subscribed hosts S seconds before the
 * idle phase, to look at nginx from outside (smaps of its workers).
 *
 *   pushbench URL CAFILE TOKENS N ADMINPASSFILE TRIALS NGINXPID RESPONDERPIDS
 *
 * TOKENS has "ID TOKEN" lines (bench/seed writes it). Prints KEY=VALUE
 * lines; bench/push.sh turns them into docs/benchmarks.md's Push section.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <signal.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <curl/curl.h>

#define ADMIN_MAX 64
#define WAIT_ALL_S 60

struct host {
	char id[24], token[96], etag[80], src[32];
	CURL *stream, *fetch;
	struct curl_slist *shdr, *fhdr;
	int up, again, has_data;
	size_t linelen;
	char line[8];
	double fetched;                 /* when the last 200 came */
	double heard;                   /* when the last message came */
	double upsince;                 /* when its subscription last came up */
	double retry_at;                /* reconnect due (0: none) */
	int backoff_ms;
};

static const char *base, *cafile;
static char admin_user[ADMIN_MAX + 8];
static CURLM *multi;
static struct host *hosts;
static long nhosts;
static long refused;                    /* subscription answers other than 200 */
static double first_end;                /* when a subscription first ended (phase_back) */

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* As wgconf sync --watch does, a host's fetch goes as an HTTP/2 stream on
 * its subscription's connection (no handshake); BENCH_PUSH_H2=0: each fetch
 * on a new HTTP/1.1 TLS connection instead, as a cron sync's would. */
static int h2 = 1;

static void
common(CURL *c, const char *url, const char *src)
{
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CAINFO, cafile);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (h2) {
		curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
		curl_easy_setopt(c, CURLOPT_PIPEWAIT, 1L);
	} else {
		curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
		curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
		curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
	}
	if (src != NULL)
		curl_easy_setopt(c, CURLOPT_INTERFACE, src);
}

static size_t
on_stream(char *d, size_t size, size_t nmemb, void *arg)
{
	struct host *h = arg;
	size_t n = size * nmemb;

	if (!h->up)
		h->upsince = now();
	h->up = 1;
	for (size_t i = 0; i < n; i++) {
		if (d[i] == '\r')
			continue;
		if (d[i] != '\n') {
			if (h->linelen < sizeof(h->line))
				h->line[h->linelen] = d[i];
			h->linelen++;
			continue;
		}
		if (h->linelen == 0 && h->has_data) {
			h->has_data = 0;
			h->again = 1;
			h->heard = now();
		} else if (h->linelen >= 5 && memcmp(h->line, "data:", 5) == 0) {
			h->has_data = 1;
		}
		h->linelen = 0;
	}
	return n;
}

static size_t
on_fetch_header(char *d, size_t size, size_t nmemb, void *arg)
{
	struct host *h = arg;
	size_t n = size * nmemb;

	if (n > 6 && strncasecmp(d, "ETag: ", 6) == 0 && n - 6 < sizeof(h->etag)) {
		memcpy(h->etag, d + 6, n - 6);
		h->etag[n - 6] = '\0';
		h->etag[strcspn(h->etag, "\r\n")] = '\0';
	}
	return n;
}

static size_t
discard(char *d, size_t size, size_t nmemb, void *arg)
{
	(void)d;
	(void)arg;
	return size * nmemb;
}

static void
subscribe(struct host *h)
{
	char url[512], auth[160];

	snprintf(url, sizeof(url), "%s/api/v1/peer/watch?peer=%s", base, h->id);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", h->token);
	h->stream = curl_easy_init();
	h->shdr = curl_slist_append(curl_slist_append(NULL, auth), "Accept: text/event-stream");
	common(h->stream, url, h->src);
	curl_easy_setopt(h->stream, CURLOPT_HTTPHEADER, h->shdr);
	curl_easy_setopt(h->stream, CURLOPT_WRITEFUNCTION, on_stream);
	curl_easy_setopt(h->stream, CURLOPT_WRITEDATA, h);
	curl_easy_setopt(h->stream, CURLOPT_PRIVATE, h);
	h->up = 0;
	h->linelen = 0;
	h->has_data = 0;
	curl_multi_add_handle(multi, h->stream);
}

static void
fetch(struct host *h)
{
	char url[512], auth[160], inm[128];

	h->again = 0;
	snprintf(url, sizeof(url), "%s/api/v1/peer/config", base);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", h->token);
	h->fetch = curl_easy_init();
	h->fhdr = curl_slist_append(NULL, auth);
	if (h->etag[0]) {
		snprintf(inm, sizeof(inm), "If-None-Match: %s", h->etag);
		h->fhdr = curl_slist_append(h->fhdr, inm);
	}
	common(h->fetch, url, h->src);
	curl_easy_setopt(h->fetch, CURLOPT_HTTPHEADER, h->fhdr);
	curl_easy_setopt(h->fetch, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(h->fetch, CURLOPT_HEADERFUNCTION, on_fetch_header);
	curl_easy_setopt(h->fetch, CURLOPT_HEADERDATA, h);
	curl_easy_setopt(h->fetch, CURLOPT_PRIVATE, h);
	curl_multi_add_handle(multi, h->fetch);
}

/* A subscription that ended comes back as wgconf's does. */
static void
stream_ended(struct host *h, long status)
{
	curl_multi_remove_handle(multi, h->stream);
	curl_easy_cleanup(h->stream);
	curl_slist_free_all(h->shdr);
	h->stream = NULL;
	h->shdr = NULL;
	if (first_end == 0)
		first_end = now();
	if (status != 200)
		refused++;
	/* As client/watch.c: a subscription the server ended comes back at
	 * a random moment within 10 s; a failed try after a doubling wait. */
	if (h->up) {
		h->backoff_ms = 1000;
		h->retry_at = now() + (rand() % 10000) / 1000.0;
	} else {
		h->backoff_ms = h->backoff_ms ? h->backoff_ms * 2 : 1000;
		if (h->backoff_ms > 60000)
			h->backoff_ms = 60000;
		h->retry_at = now() + (h->backoff_ms / 2 + rand() % h->backoff_ms) / 1000.0;
	}
	h->up = 0;
}

static void
fetch_done(struct host *h, long status)
{
	curl_multi_remove_handle(multi, h->fetch);
	curl_easy_cleanup(h->fetch);
	curl_slist_free_all(h->fhdr);
	h->fetch = NULL;
	h->fhdr = NULL;
	if (status == 200)
		h->fetched = now();
}

/* Runs the transfers for up to ms; then starts what is due. */
static void
step(int ms)
{
	CURLMsg *m;
	int running, left;

	curl_multi_poll(multi, NULL, 0, ms, NULL);
	curl_multi_perform(multi, &running);
	while ((m = curl_multi_info_read(multi, &left)) != NULL) {
		struct host *h = NULL;
		long status = 0;
		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&h);
		curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &status);
		if (h == NULL)
			continue;
		if (m->easy_handle == h->stream)
			stream_ended(h, status);
		else if (m->easy_handle == h->fetch)
			fetch_done(h, status);
	}
	for (long i = 0; i < nhosts; i++) {
		struct host *h = &hosts[i];
		if (h->again && h->fetch == NULL)
			fetch(h);
		if (h->stream == NULL && h->retry_at > 0 && now() >= h->retry_at) {
			h->retry_at = 0;
			subscribe(h);
		}
	}
}

static long
count_up(void)
{
	long n = 0;

	for (long i = 0; i < nhosts; i++)
		n += hosts[i].up;
	return n;
}

/* One admin request, blocking (nothing else moves meanwhile but the
 * kernel's buffers); the time its answer came. */
static double
admin(const char *method, const char *path, const char *body, long *status)
{
	char url[512];
	CURL *c = curl_easy_init();
	struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");

	snprintf(url, sizeof(url), "%s/api/v1%s", base, path);
	common(c, url, NULL);
	curl_easy_setopt(c, CURLOPT_USERPWD, admin_user);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	*status = curl_easy_perform(c) == CURLE_OK ? 0 : -1;
	if (*status == 0)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	return now();
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
report(const char *name, double *v, long n, long want)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	printf("%s_done=%ld\n%s_want=%ld\n", name, n, name, want);
	if (n == 0)
		return;
	printf("%s_p50_ms=%.0f\n%s_p99_ms=%.0f\n%s_max_ms=%.0f\n", name, v[n / 2] * 1000,
	       name, v[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1] * 1000, name, v[n - 1] * 1000);
}

/* The change every host sees: from the admin's 200 to each host's fetch. */
static void
phase_all(void)
{
	double *lat = calloc((size_t)nhosts, sizeof(*lat)), t0, t200, end;
	long status, n = 0;

	for (long i = 0; i < nhosts; i++)
		hosts[i].fetched = hosts[i].heard = 0;
	t0 = now();
	t200 = admin("PUT", "/admin/network", "{\"mtu\":1380}", &status);
	if (status != 200)
		fprintf(stderr, "pushbench: PUT /admin/network gave %ld\n", status);
	end = t200 + WAIT_ALL_S;
	while (now() < end) {
		n = 0;
		for (long i = 0; i < nhosts; i++)
			n += hosts[i].fetched > t0;
		if (n == nhosts)
			break;
		step(20);
	}
	n = 0;
	for (long i = 0; i < nhosts; i++)
		if (hosts[i].fetched > t0)
			lat[n++] = hosts[i].fetched > t200 ? hosts[i].fetched - t200 : 0;
	report("all", lat, n, nhosts);
	/* The message alone, without the fetch it starts. */
	n = 0;
	for (long i = 0; i < nhosts; i++)
		if (hosts[i].heard > t0)
			lat[n++] = hosts[i].heard > t200 ? hosts[i].heard - t200 : 0;
	report("all_heard", lat, n, nhosts);
	free(lat);
}

/* A change to one host, trials times, spread over the hosts. */
static void
phase_one(long trials)
{
	double *lat = calloc((size_t)trials, sizeof(*lat));
	double *heard = calloc((size_t)trials, sizeof(*heard));
	long n = 0, nh = 0;

	for (long k = 0; k < trials; k++) {
		struct host *h = &hosts[(k * 7919) % nhosts];
		char path[128], body[64];
		double t0, t200, end;
		long status;
		/* The fetches of the last trial settle first. */
		for (double q = now() + 1; now() < q;)
			step(20);
		snprintf(path, sizeof(path), "/admin/peers/%s", h->id);
		snprintf(body, sizeof(body), "{\"listen_port\":%ld}", 40000 + k);
		t0 = now();
		t200 = admin("PATCH", path, body, &status);
		end = t200 + 10;
		while (h->fetched < t0 && now() < end)
			step(5);
		if (h->fetched >= t0)
			lat[n++] = h->fetched > t200 ? h->fetched - t200 : 0;
		if (h->heard >= t0)
			heard[nh++] = h->heard > t200 ? h->heard - t200 : 0;
	}
	report("one", lat, n, trials);
	/* The message alone: what is left is the fetch. */
	report("one_heard", heard, nh, trials);
	free(lat);
	free(heard);
}

/* Pss of every process named nginx whose parent is master (and master). */
static long
nginx_pss_kib(pid_t master)
{
	char cmd[160], buf[64];
	long total = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd),
	         "for p in %d $(pgrep -P %d); do awk '/^Pss:/ {print $2}' /proc/$p/smaps_rollup; done",
	         (int)master, (int)master);
	if ((p = popen(cmd, "r")) == NULL)
		return -1;
	while (fgets(buf, sizeof(buf), p) != NULL)
		total += atol(buf);
	pclose(p);
	return total;
}

/* CPU ticks (user + system) of the processes listed in pids. */
static long
cpu_ticks(const char *pids)
{
	char cmd[512], buf[64];
	long total = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd),
	         "for p in %s; do awk '{print $14 + $15}' /proc/$p/stat; done", pids);
	if ((p = popen(cmd, "r")) == NULL)
		return -1;
	while (fgets(buf, sizeof(buf), p) != NULL)
		total += atol(buf);
	pclose(p);
	return total;
}

static int
load_hosts(const char *path, long n)
{
	FILE *f = fopen(path, "r");
	long i = 0;

	if (f == NULL || (hosts = calloc((size_t)n, sizeof(*hosts))) == NULL)
		return -1;
	while (i < n && fscanf(f, "%23s %95s", hosts[i].id, hosts[i].token) == 2) {
		snprintf(hosts[i].src, sizeof(hosts[i].src), "host!127.%d.%d.%d",
		         1 + (int)(i / 62500) % 200, (int)(i / 250) % 250, (int)(i % 250) + 1);
		i++;
	}
	fclose(f);
	nhosts = i;
	return i == n ? 0 : -1;
}

/* Every host subscribed, then its first fetch (the ETag to send). */
static double
subscribe_all(void)
{
	double t0 = now(), end = t0 + WAIT_ALL_S;

	for (long i = 0; i < nhosts; i++) {
		subscribe(&hosts[i]);
		hosts[i].again = 1;
		if (i % 50 == 49)
			step(0);
	}
	while (count_up() < nhosts && now() < end)
		step(20);
	for (double q = now() + 2; now() < q;)
		step(20);
	return now() - t0;
}

static void
phase_idle(pid_t master, const char *responders, long pss0)
{
	char pids[96];
	long r0, r1, g0, g1, pss1 = nginx_pss_kib(master);
	long hz = sysconf(_SC_CLK_TCK);

	printf("idle_pss_before_kib=%ld\nidle_pss_after_kib=%ld\n", pss0, pss1);
	printf("idle_bytes_per_subscriber=%.0f\n", (double)(pss1 - pss0) * 1024 / nhosts);
	snprintf(pids, sizeof(pids), "%d $(pgrep -P %d)", (int)master, (int)master);
	r0 = cpu_ticks(responders);
	g0 = cpu_ticks(pids);
	for (double q = now() + 10; now() < q;)
		step(100);
	r1 = cpu_ticks(responders);
	g1 = cpu_ticks(pids);
	printf("idle_responder_cpu_ms_per_10s=%ld\nidle_nginx_cpu_ms_per_10s=%ld\n",
	       (r1 - r0) * 1000 / hz, (g1 - g0) * 1000 / hz);
}

/* After `nginx -s reload` (cmd NULL: SIGHUP to master) or a restart
 * (cmd: a shell command that stops and starts nginx), how long until every
 * host is subscribed again, and how many attempts were refused. */
static void
phase_back(const char *name, pid_t master, const char *cmd)
{
	double t0, end;
	long r0 = refused;

	double last = 0;
	long moved = 0;

	first_end = 0;
	t0 = now();
	if (cmd == NULL) {
		kill(master, SIGHUP);
	} else {
		/* In the background: the hosts keep trying meanwhile. */
		char bg[1024];
		snprintf(bg, sizeof(bg), "(%s) >/dev/null 2>&1 &", cmd);
		if (system(bg) != 0)
			fprintf(stderr, "pushbench: %s failed\n", cmd);
	}
	/* Done when hosts came back, every host is up, and none came back
	 * for 3 s (the old workers of a reload drop their subscribers as they
	 * go, some time after the signal on a busy machine). */
	end = t0 + 60;
	for (;;) {
		step(20);
		moved = 0;
		last = t0;
		for (long i = 0; i < nhosts; i++)
			if (hosts[i].upsince > t0) {
				moved++;
				if (hosts[i].upsince > last)
					last = hosts[i].upsince;
			}
		if (now() >= end || (moved > 0 && count_up() == nhosts && now() - last >= 3))
			break;
	}
	printf("%s_first_drop_s=%.2f\n", name, first_end > 0 ? first_end - t0 : 0);
	printf("%s_all_back_s=%.2f\n%s_reconnected=%ld\n%s_back=%ld\n%s_refused=%ld\n", name,
	       last - t0, name, moved, name, count_up(), name, refused - r0);
}

/* BENCH_PUSH_HOLD=S: the hosts held S seconds before anything is
 * measured, for a look at nginx from outside (pmap, smaps). */
static void
hold(void)
{
	const char *s = getenv("BENCH_PUSH_HOLD");

	if (s == NULL || atoi(s) <= 0)
		return;
	printf("holding=%d\n", atoi(s));
	fflush(stdout);
	for (double q = now() + atoi(s); now() < q;)
		step(100);
}

int
main(int argc, char **argv)
{
	struct rlimit rl;
	char pass[ADMIN_MAX] = "";
	FILE *pf;
	long n, trials, pss0;
	double took;
	pid_t master;

	if (argc != 9) {
		fprintf(stderr, "usage: pushbench URL CAFILE TOKENS N ADMINPASSFILE TRIALS "
		        "NGINXPID RESPONDERPIDS\n");
		return 2;
	}
	base = argv[1];
	cafile = argv[2];
	n = atol(argv[4]);
	trials = atol(argv[6]);
	master = (pid_t)atol(argv[7]);
	if ((pf = fopen(argv[5], "r")) == NULL || fgets(pass, sizeof(pass), pf) == NULL)
		return 1;
	fclose(pf);
	pass[strcspn(pass, "\n")] = '\0';
	snprintf(admin_user, sizeof(admin_user), "admin:%s", pass);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	srand((unsigned)getpid());
	if (n < 1 || load_hosts(argv[3], n) != 0) {
		fprintf(stderr, "pushbench: cannot read %ld hosts from %s\n", n, argv[3]);
		return 1;
	}
	h2 = getenv("BENCH_PUSH_H2") == NULL || strcmp(getenv("BENCH_PUSH_H2"), "0") != 0;
	printf("h2=%d\n", h2);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	multi = curl_multi_init();
	curl_multi_setopt(multi, CURLMOPT_PIPELINING, h2 ? CURLPIPE_MULTIPLEX : CURLPIPE_NOTHING);
	curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, (long)(3 * n));
	pss0 = nginx_pss_kib(master);
	printf("hosts=%ld\n", n);
	took = subscribe_all();
	printf("subscribe_s=%.2f\nsubscribed=%ld\nsubscribe_refused=%ld\n", took, count_up(),
	       refused);
	fflush(stdout);
	hold();
	phase_idle(master, argv[8], pss0);
	fflush(stdout);
	/* BENCH_PUSH_IDLE_ONLY=1: hosts held open, no change made. */
	if (getenv("BENCH_PUSH_IDLE_ONLY") == NULL) {
		phase_all();
		fflush(stdout);
		phase_one(trials);
		fflush(stdout);
	}
	phase_back("reload", master, NULL);
	fflush(stdout);
	if (getenv("BENCH_PUSH_RESTART") != NULL)
		phase_back("restart", master, getenv("BENCH_PUSH_RESTART"));
	return 0;
}
