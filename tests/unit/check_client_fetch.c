/* SPDX-License-Identifier: MIT */
/* The client's transport against a real HTTP server: a small one on
 * 127.0.0.1 in a child process that answers canned responses (http://, as
 * --insecure-http allows for loopback tests). Status, ETag and
 * If-None-Match, strict JSON, a body over the cap refused; request URLs
 * built from a server URL with a path prefix; server URLs refused when
 * they carry a fragment, query or password. C1 control bytes sent by the
 * server (raw 0x9b and UTF-8 \xc2\x9b) never reach stdout or stderr. */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>

#include "unit.h"
#include "cli.h"
#include "fetch.h"
#include "state.h"

static char tmp[64], base[64], reqlog[96];
static pid_t server_pid;

/* fetch.c's calls of curl_easy_setopt land here (the executable's own
 * definition comes first), so that a test can make one option fail, as
 * a TLS backend without pinning would. Every option value is one 64-bit
 * word on the platforms this runs on (long, pointer, curl_off_t). */
static CURLoption fail_option = (CURLoption)-1;

#undef curl_easy_setopt
CURLcode curl_easy_setopt(CURL *c, CURLoption option, ...);

CURLcode
curl_easy_setopt(CURL *c, CURLoption option, ...)
{
	static CURLcode (*real)(CURL *, CURLoption, ...);
	va_list ap;
	void *value;

	va_start(ap, option);
	value = va_arg(ap, void *);
	va_end(ap);
	if (option == fail_option)
		return CURLE_NOT_BUILT_IN;
	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "curl_easy_setopt");
	return real(c, option, value);
}

#define C1_NAME "db\xc2\x9b" "31mred\x9b" "0m"

static const char config_json[] = "{\"revision\": 7, \"peers\": []}";
static const char peer_json[] =
	"{\"id\": \"abc\", \"name\": \"" C1_NAME "\", \"state\": \"accepted\","
	" \"addresses\": [\"10.0.0.1\xc2\x9b\"], \"networks\": [], \"endpoint\": \"\x9b" "2J\","
	" \"pairs\": [], \"last_seen\": \"\xc2\x9b" "2J\"}";
static const char error_json[] =
	"{\"error\": {\"code\": \"c\xc2\x9b\", \"message\": \"no " C1_NAME "\"}}";

static void
respond(int fd, const char *status, const char *extra, const char *body)
{
	char head[512];
	int n = snprintf(head, sizeof(head), "HTTP/1.1 %s\r\nConnection: close\r\n%s"
	                 "Content-Length: %zu\r\n\r\n", status, extra, strlen(body));

	if (write(fd, head, (size_t)n) < 0 || write(fd, body, strlen(body)) < 0)
		return;
}

/* 9 MiB, more than the client takes (8 MiB). */
static void
respond_big(int fd)
{
	static char chunk[65536];
	const char head[] = "HTTP/1.1 200 OK\r\nConnection: close\r\n"
	                    "Content-Length: 9437184\r\n\r\n";

	memset(chunk, 'a', sizeof(chunk));
	if (write(fd, head, sizeof(head) - 1) < 0)
		return;
	for (int i = 0; i < 144; i++)
		if (write(fd, chunk, sizeof(chunk)) < 0)
			return;
}

/* One connection: the request head is logged, the answer picked by path. */
static void
serve(int fd)
{
	char req[8192];
	size_t len = 0;
	ssize_t r;
	FILE *log;

	while (len + 1 < sizeof(req) && (r = read(fd, req + len, sizeof(req) - 1 - len)) > 0) {
		len += (size_t)r;
		req[len] = '\0';
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	req[len] = '\0';
	if ((log = fopen(reqlog, "a")) != NULL) {
		fprintf(log, "%s", req);
		fclose(log);
	}
	if (strncmp(req, "GET /mesh/api/v1/peer/config ", 29) == 0) {
		if (strstr(req, "\r\nIf-None-Match: \"r7\"\r\n"))
			respond(fd, "304 Not Modified", "ETag: \"r7\"\r\n", "");
		else
			respond(fd, "200 OK", "ETag: \"r7\"\r\nContent-Type: application/json\r\n",
			        config_json);
	} else if (strncmp(req, "GET /mesh/api/v1/peer ", 22) == 0) {
		respond(fd, "200 OK", "", peer_json);
	} else if (strncmp(req, "GET /mesh/api/v1/big ", 21) == 0) {
		respond_big(fd);
	} else if (strncmp(req, "GET /mesh/api/v1/trailing ", 26) == 0) {
		respond(fd, "200 OK", "ETag: \"b\x01" "d\"\r\n", "{} {}");
	} else {
		respond(fd, "403 Forbidden", "", error_json);
	}
}

static void
setup(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int ls;

	ck_assert_int_eq(keys_init(), 0);
	fetch_global_init();
	snprintf(tmp, sizeof(tmp), "/tmp/check_client_fetch.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	snprintf(reqlog, sizeof(reqlog), "%s/requests", tmp);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(ls, 0);
	ck_assert_int_eq(bind(ls, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(ls, 16), 0);
	ck_assert_int_eq(getsockname(ls, (struct sockaddr *)&sa, &sl), 0);
	snprintf(base, sizeof(base), "http://127.0.0.1:%u/mesh", ntohs(sa.sin_port));
	server_pid = fork();
	if (server_pid == 0) {
		/* No Check call in here: its messages and signal handlers
		 * belong to the test process. */
		signal(SIGPIPE, SIG_IGN);
		for (;;) {
			int fd = accept(ls, NULL, NULL);
			if (fd < 0)
				continue;
			serve(fd);
			close(fd);
		}
	}
	close(ls);
	ck_assert_int_gt(server_pid, 0);
}

static void
teardown(void)
{
	char cmd[128];

	if (server_pid > 0) {
		kill(server_pid, SIGKILL);     /* not TERM: Check's handler may still be set */
		waitpid(server_pid, NULL, 0);
		server_pid = 0;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	ck_assert_int_eq(system(cmd), 0);
	fetch_global_cleanup();
}

static const struct fetch_tls plain = { .insecure_http = true };
static const struct fetch_auth bearer = { .bearer = "tok" };

START_TEST(status_etag_json)
{
	struct fetch_response r;
	char *log = NULL;
	size_t len;

	ck_assert_int_eq(fetch_request(base, "GET", "/peer/config", &plain, &bearer, NULL,
	                               NULL, &r), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.etag, "\"r7\"");
	ck_assert_ptr_nonnull(r.json);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(r.json, "revision")), 7);
	fetch_response_free(&r);
	/* The ETag goes back; the answer is a 304 without a body. */
	ck_assert_int_eq(fetch_request(base, "GET", "/peer/config", &plain, &bearer, NULL,
	                               "\"r7\"", &r), 0);
	ck_assert_int_eq(r.status, 304);
	ck_assert_ptr_null(r.json);
	fetch_response_free(&r);
	/* What the server saw: the prefix kept, the token, no body on GET. */
	ck_assert_int_eq(state_read_file(reqlog, 65536, &log, &len), 0);
	ck_assert_ptr_nonnull(strstr(log, "GET /mesh/api/v1/peer/config HTTP/1.1\r\n"));
	ck_assert_ptr_nonnull(strstr(log, "\r\nAuthorization: Bearer tok\r\n"));
	ck_assert_ptr_nonnull(strstr(log, "\r\nIf-None-Match: \"r7\"\r\n"));
	ck_assert_ptr_null(strstr(log, "Content-Type"));
	free(log);
}
END_TEST

START_TEST(strict_answers)
{
	struct fetch_response r;

	/* Trailing bytes after the JSON: no JSON; a header line with a control
	 * character is not taken as the ETag. */
	ck_assert_int_eq(fetch_request(base, "GET", "/trailing", &plain, &bearer, NULL, NULL,
	                               &r), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_null(r.json);
	ck_assert_str_eq(r.etag, "");
	fetch_response_free(&r);
	/* Larger than the cap: refused, nothing kept. */
	ck_assert_int_eq(fetch_request(base, "GET", "/big", &plain, &bearer, NULL, NULL, &r), -1);
	ck_assert_ptr_null(r.body);
	ck_assert_ptr_null(r.json);
	/* Nothing listens there: a transport error, -1. */
	ck_assert_int_eq(fetch_request("http://127.0.0.1:1", "GET", "/peer", &plain, &bearer,
	                               NULL, NULL, &r), -1);
	/* http:// without --insecure-http never leaves the host. */
	ck_assert_int_eq(fetch_request(base, "GET", "/peer", &(struct fetch_tls){ 0 }, &bearer,
	                               NULL, NULL, &r), -1);
}
END_TEST

START_TEST(urls)
{
	static const struct { const char *base, *path, *want; } ok[] = {
		{ "https://h.example:8443", "/peer/config",
		  "https://h.example:8443/api/v1/peer/config" },
		{ "https://h.example/mesh/", "/admin/audit?limit=5&before=9",
		  "https://h.example/mesh/api/v1/admin/audit?limit=5&before=9" },
		{ "https://h.example/api/v1", "/peer", "https://h.example/api/v1/peer" },
		{ "https://[2001:db8::1]:8443", "/peer", "https://[2001:db8::1]:8443/api/v1/peer" },
	};
	static const char *const bad[] = {
		"https://host:8443#frag", "https://host/?q=1", "https://u:p@host",
		"https://u@host", "ftp://host", "http://host", "https://", "not a url",
		"https://host/a b",
	};
	char *u;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ck_assert_int_eq(fetch_check_url(ok[i].base, false), 0);
		u = fetch_url(ok[i].base, ok[i].path, false);
		ck_assert_ptr_nonnull(u);
		ck_assert_str_eq(u, ok[i].want);
		free(u);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(fetch_check_url(bad[i], false) == -1, "%s taken", bad[i]);
		ck_assert_ptr_null(fetch_url(bad[i], "/peer", false));
	}
	ck_assert_int_eq(fetch_check_url("http://127.0.0.1:8080", true), 0);
}
END_TEST

/* Runs fn with fd (1 or 2) going to a file; returns what was written. */
static char *
capture(int fd, int (*fn)(void), int *rc)
{
	char path[128], *text = NULL;
	size_t len;
	int saved, f;

	snprintf(path, sizeof(path), "%s/captured-%d", tmp, fd);
	fflush(stdout);
	fflush(stderr);
	saved = dup(fd);
	f = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ge(f, 0);
	dup2(f, fd);
	close(f);
	*rc = fn();
	fflush(stdout);
	fflush(stderr);
	dup2(saved, fd);
	close(saved);
	ck_assert_int_eq(state_read_file(path, 1 << 20, &text, &len), 0);
	return text;
}

static int
run_status(void)
{
	char dir[96], *argv[] = { (char *)"status", (char *)"--state-dir", dir, NULL };

	snprintf(dir, sizeof(dir), "%s/state", tmp);
	optind = 1;
	opterr = 0;
	return cmd_status(3, argv);
}

static int
run_report(void)
{
	struct fetch_response r;

	ck_assert_int_eq(fetch_request(base, "GET", "/elsewhere", &plain, &bearer, NULL, NULL,
	                               &r), 0);
	ck_assert_int_eq(r.status, 403);
	fetch_report(&r, "status");
	fetch_response_free(&r);
	return 0;
}

START_TEST(no_c1_on_the_terminal)
{
	char dir[96], *out;
	struct state st = { .dir = dir, .server = base, .id = (char *)"abc",
	                    .token = (char *)"tok", .insecure_http = true };
	int rc;

	snprintf(dir, sizeof(dir), "%s/state", tmp);
	ck_assert_int_eq(state_save(&st), 0);
	out = capture(STDOUT_FILENO, run_status, &rc);
	ck_assert_int_eq(rc, EXIT_OK);
	ck_assert_ptr_nonnull(strstr(out, "name      db?31mred?0m\n"));
	ck_assert_ptr_nonnull(strstr(out, "endpoint  ?2J\n"));
	ck_assert_ptr_null(strchr(out, '\x9b'));
	ck_assert_ptr_null(strchr(out, '\x1b'));
	free(out);
	out = capture(STDERR_FILENO, run_report, &rc);
	ck_assert_ptr_nonnull(strstr(out, "status: no db?31mred?0m (HTTP 403, c?)"));
	ck_assert_ptr_null(strchr(out, '\x9b'));
	free(out);
}
END_TEST

/* Issue 7: an option that does not take aborts the request; nothing is
 * sent without the trust it was meant to have. */
START_TEST(setopt_fails_closed)
{
	static const CURLoption trust[] = {
		CURLOPT_PINNEDPUBLICKEY, CURLOPT_CAINFO, CURLOPT_SSL_VERIFYPEER,
		CURLOPT_SSL_VERIFYHOST, CURLOPT_PROTOCOLS_STR, CURLOPT_URL,
		CURLOPT_FOLLOWLOCATION, CURLOPT_HTTPHEADER, CURLOPT_USERNAME,
	};
	const struct fetch_tls pinned = { .insecure_http = true, .cacert = "/dev/null",
	                                  .pin = "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" };
	const struct fetch_auth user = { .user = "admin", .password = "pw" };
	struct fetch_response r;
	char *log = NULL;
	size_t len;

	for (size_t i = 0; i < sizeof(trust) / sizeof(trust[0]); i++) {
		fail_option = trust[i];
		ck_assert_int_eq(fetch_request(base, "GET", "/peer/config", &pinned, &user, NULL,
		                               NULL, &r), -1);
		ck_assert_int_eq(r.status, 0);
	}
	fail_option = (CURLoption)-1;
	/* Not one request reached the server. */
	ck_assert_int_eq(state_read_file(reqlog, 65536, &log, &len), 1);
	/* And with every option taken, the same request goes out. */
	ck_assert_int_eq(fetch_request(base, "GET", "/peer/config", &plain, &user, NULL, NULL,
	                               &r), 0);
	ck_assert_int_eq(r.status, 200);
	fetch_response_free(&r);
}
END_TEST

static Suite *
fetch_suite(void)
{
	Suite *s = suite_create("client-fetch");
	TCase *tc = tcase_create("fetch");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, status_etag_json);
	tcase_add_test(tc, strict_answers);
	tcase_add_test(tc, urls);
	tcase_add_test(tc, no_c1_on_the_terminal);
	tcase_add_test(tc, setopt_fails_closed);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(fetch_suite)
