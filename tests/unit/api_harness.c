/* SPDX-License-Identifier: MIT */
/*
 * The API suites' harness (api_harness.h): requests through api_handle() on
 * a fresh SQLite file per test, with the checks every answer must pass.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>

#include "api_harness.h"
#include "statement.h"
#include "db.h"
#include "sql.h"

#define SECRETS_MAX 64

struct response R;
char dbpath[64];

/* Secrets seen during a test; none may be stored anywhere. */
static struct {
	uint8_t bytes[64];
	size_t len;
} secrets[SECRETS_MAX];
static size_t nsecrets;

/* Every table, and how to read its rows in a stable order (the WITHOUT
 * ROWID ones come in key order). */
static const struct {
	const char *name, *order;
} tables[] = {
	{ "network", " ORDER BY rowid" }, { "peers", " ORDER BY rowid" },
	{ "addresses", " ORDER BY rowid" }, { "networks", " ORDER BY rowid" },
	{ "pairs", " ORDER BY rowid" }, { "invites", " ORDER BY rowid" },
	{ "audit", " ORDER BY rowid" }, { "revocations", " ORDER BY rowid" },
	{ "link_reports", "" }, { "adoptable", "" },
	{ "peer_tags", " ORDER BY rowid" }, { "rules", " ORDER BY rowid" },
};

void
remember_secret(const void *p, size_t len)
{
	ck_assert_uint_lt(nsecrets, SECRETS_MAX);
	ck_assert_uint_le(len, sizeof(secrets[0].bytes));
	memcpy(secrets[nsecrets].bytes, p, len);
	secrets[nsecrets].len = len;
	nsecrets++;
}

void
forget_secrets(size_t n)
{
	ck_assert_uint_le(n, nsecrets);
	nsecrets -= n;
}

/* A secret as bytes, and also as the base64 and hex texts it might be stored as. */
void
remember_secret_bytes(const uint8_t *p, size_t len)
{
	char b64[128], hex[130];

	remember_secret(p, len);
	keys_b64_encode(b64, sizeof(b64), p, len);
	remember_secret(b64, strlen(b64));
	sodium_bin2hex(hex, sizeof(hex), p, len);
	remember_secret(hex, strlen(hex));
}

void
harness_setup(void)
{
	int fd;

	ck_assert_int_eq(keys_init(), 0);
	snprintf(dbpath, sizeof(dbpath), "/tmp/wgconf-check-XXXXXX");
	fd = mkstemp(dbpath);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(db_open(dbpath), 0);
	memset(&R, 0, sizeof(R));
	nsecrets = 0;
}

static void scan_secrets(void);

void
harness_teardown(void)
{
	char p[80];

	scan_secrets();
	http_response_free(&R);
	db_close();
	unlink(dbpath);
	snprintf(p, sizeof(p), "%s-wal", dbpath);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", dbpath);
	unlink(p);
}

/* Every row of every table, as text: what "the database did not change" compares. */
char *
snapshot(void)
{
	char *buf = NULL, sql[96];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		sqlite3_stmt *st = NULL;
		snprintf(sql, sizeof(sql), "SELECT * FROM %s%s", tables[t].name, tables[t].order);
		ck_assert_int_eq(sqlite3_prepare_v2(db_handle(), sql, -1, &st, NULL), SQLITE_OK);
		fprintf(f, "[%s]\n", tables[t].name);
		while (sqlite3_step(st) == SQLITE_ROW) {
			for (int c = 0; c < sqlite3_column_count(st); c++) {
				const unsigned char *v = sqlite3_column_blob(st, c);
				int n = sqlite3_column_bytes(st, c);
				fprintf(f, "%s=", sqlite3_column_name(st, c));
				for (int i = 0; i < n; i++)
					fprintf(f, "%02x", v[i]);
				fputc(sqlite3_column_type(st, c) == SQLITE_NULL ? '!' : ' ', f);
			}
			fputc('\n', f);
		}
		sqlite3_finalize(st);
	}
	fclose(f);
	return buf;
}

/* No remembered secret in any column of any row, as text or as bytes. */
static void
scan_secrets(void)
{
	char sql[96];

	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		sqlite3_stmt *st = NULL;
		snprintf(sql, sizeof(sql), "SELECT * FROM %s", tables[t].name);
		ck_assert_int_eq(sqlite3_prepare_v2(db_handle(), sql, -1, &st, NULL), SQLITE_OK);
		while (sqlite3_step(st) == SQLITE_ROW) {
			for (int c = 0; c < sqlite3_column_count(st); c++) {
				const void *v = sqlite3_column_blob(st, c);
				size_t n = (size_t)sqlite3_column_bytes(st, c);
				for (size_t s = 0; s < nsecrets && v != NULL; s++)
					ck_assert_msg(memmem(v, n, secrets[s].bytes, secrets[s].len) == NULL,
					              "a secret is stored in %s.%s", tables[t].name,
					              sqlite3_column_name(st, c));
			}
		}
		sqlite3_finalize(st);
	}
}

/* "/admin/peers/%s" with arguments; a few rotating buffers. */
const char *
path(const char *fmt, ...)
{
	static char bufs[4][256];
	static int next;
	char *b = bufs[next++ % 4];
	va_list ap;

	memcpy(b, API_PREFIX, sizeof(API_PREFIX));
	va_start(ap, fmt);
	vsnprintf(b + sizeof(API_PREFIX) - 1, sizeof(bufs[0]) - sizeof(API_PREFIX), fmt, ap);
	va_end(ap);
	return b;
}

/* A request as the responder fills it: JSON content type when there is a body. */
void
base_request(struct request *rq, const char *user, const char *token, const char *method,
             const char *p, const char *body)
{
	static char pathbuf[512], auth[256];
	const char *q;

	memset(rq, 0, sizeof(*rq));
	rq->method = method;
	snprintf(pathbuf, sizeof(pathbuf), "%s", p);
	if ((q = strchr(p, '?')) != NULL) {
		pathbuf[q - p] = '\0';
		rq->query = q + 1;
	}
	rq->path = pathbuf;
	rq->remote_user = user;
	if (token != NULL) {
		snprintf(auth, sizeof(auth), "Bearer %s", token);
		rq->authorization = auth;
	}
	rq->host = HOST;
	rq->scheme = "https";
	if (body != NULL) {
		rq->body = body;
		rq->body_len = strlen(body);
		rq->content_type = "application/json";
	} else if (strcmp(method, "GET") != 0) {
		rq->content_type = "application/json";
	}
}

int
send_req(struct request *rq)
{
	http_response_free(&R);
	api_handle(rq, &R);
	ck_assert_msg(sqlite3_get_autocommit(db_handle()), "%s %s left a transaction open",
	              rq->method ? rq->method : "-", rq->path ? rq->path : "-");
	/* JSON sent as text (a config, built or kept) is read as a client
	 * reads it: one JSON value, exactly its length. */
	if (R.text != NULL && R.text_type == http_json_type) {
		ck_assert_uint_eq(strlen(R.text), R.text_len);
		R.body = json_tokener_parse(R.text);
		ck_assert_msg(R.body != NULL, "the body text is not JSON: %.80s", R.text);
	}
	/* What every answer shares: an error has its JSON, a 204/304 has no body. */
	if (R.status >= 400) {
		struct json_object *e, *v;
		ck_assert_ptr_nonnull(R.error_code);
		ck_assert(json_object_object_get_ex(R.body, "error", &e));
		ck_assert(json_object_object_get_ex(e, "code", &v));
		ck_assert_str_eq(json_object_get_string(v), R.error_code);
		ck_assert(json_object_object_get_ex(e, "message", &v));
		ck_assert_uint_gt(strlen(json_object_get_string(v)), 0);
	} else if (R.status == 204 || R.status == 304) {
		ck_assert_ptr_null(R.body);
	} else {
		/* JSON, or a text body (metrics) with its type: exactly one. */
		ck_assert_ptr_null(R.error_code);
		ck_assert_msg((R.body != NULL) != (R.text != NULL) || R.text_type == http_json_type,
		              "%s %s: %s", rq->method, rq->path,
		              R.body ? "both a JSON and a text body" : "no body");
		ck_assert(R.text == NULL || R.text_type != NULL);
	}
	return R.status;
}

int
call(const char *user, const char *token, const char *method, const char *p, const char *body)
{
	struct request rq;

	base_request(&rq, user, token, method, p, body);
	return send_req(&rq);
}

int
admin(const char *method, const char *p, const char *body)
{
	return call(ADMIN_USER, NULL, method, p, body);
}

/* A failing call: its status, its error code, and not one row changed. */
void
fails_req(int want, const char *code, struct request *rq)
{
	char *before = snapshot(), *after;
	int got = send_req(rq);

	ck_assert_msg(got == want, "%s %s%s%s %.*s: got %d (%s: %s), want %d %s", rq->method,
	              rq->path, rq->query ? "?" : "", rq->query ? rq->query : "",
	              (int)rq->body_len, rq->body ? rq->body : "", got,
	              R.error_code ? R.error_code : "-", R.error_message, want, code);
	ck_assert_str_eq(R.error_code, code);
	after = snapshot();
	ck_assert_msg(strcmp(before, after) == 0, "%s %s failed with %d but changed the database",
	              rq->method, rq->path, got);
	free(before);
	free(after);
}

void
fails(int want, const char *code, const char *user, const char *token, const char *method,
      const char *p, const char *body)
{
	struct request rq;

	base_request(&rq, user, token, method, p, body);
	fails_req(want, code, &rq);
}

/* JSON readers that insist the field is there and of its type. */
struct json_object *
jget(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	ck_assert_msg(json_object_object_get_ex(o, key, &v), "no \"%s\" in %s", key,
	              json_object_to_json_string(o));
	return v;
}

const char *
jstr(struct json_object *o, const char *key)
{
	struct json_object *v = jget(o, key);

	ck_assert_msg(json_object_is_type(v, json_type_string), "\"%s\" is not a string", key);
	return json_object_get_string(v);
}

int64_t
jint(struct json_object *o, const char *key)
{
	struct json_object *v = jget(o, key);

	ck_assert_msg(json_object_is_type(v, json_type_int), "\"%s\" is not an integer", key);
	return json_object_get_int64(v);
}

void
jnull(struct json_object *o, const char *key)
{
	ck_assert_msg(jget(o, key) == NULL, "\"%s\" is not null", key);
}

struct json_object *
jarr(struct json_object *o, const char *key, size_t want_len)
{
	struct json_object *v = jget(o, key);

	ck_assert_msg(json_object_is_type(v, json_type_array), "\"%s\" is not an array", key);
	ck_assert_msg(json_object_array_length(v) == want_len, "\"%s\" has %zu entries, want %zu: %s",
	              key, json_object_array_length(v), want_len, json_object_to_json_string(v));
	return v;
}

const char *
jidx_str(struct json_object *arr, size_t i)
{
	struct json_object *v = json_object_array_get_idx(arr, i);

	ck_assert(json_object_is_type(v, json_type_string));
	return json_object_get_string(v);
}

int64_t
count(const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t n;

	ck_assert_int_eq(sqlite3_prepare_v2(db_handle(), sql, -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

void
exec_sql(const char *sql)
{
	ck_assert_int_eq(sqlite3_exec(db_handle(), sql, NULL, NULL, NULL), SQLITE_OK);
}

void
new_keys(struct tpeer *p)
{
	keys_generate(p->sk, p->pk);
	keys_b64_encode(p->pub, sizeof(p->pub), p->pk, KEYS_LEN);
	remember_secret_bytes(p->sk, KEYS_LEN);
}

void
key_twin(char out[KEYS_B64_LEN], const char *pub)
{
	uint8_t k[KEYS_LEN];

	ck_assert_int_eq(keys_b64_decode_key(k, pub), 0);
	k[KEYS_LEN - 1] |= 0x80;
	keys_b64_encode(out, KEYS_B64_LEN, k, KEYS_LEN);
}

/* Registers p (endpoint NULL = behind NAT; extra = more JSON members or ""):
 * returns the status; on 201 p holds id and token. */
int
register_with(struct tpeer *p, const char *name, const char *endpoint, const char *extra)
{
	char body[1024], ep[300];
	const char *tok;

	new_keys(p);
	snprintf(p->name, sizeof(p->name), "%s", name);
	if (endpoint != NULL)
		snprintf(ep, sizeof(ep), "\"%s\"", endpoint);
	else
		snprintf(ep, sizeof(ep), "null");
	snprintf(body, sizeof(body), "{\"name\":\"%s\",\"public_key\":\"%s\",\"endpoint\":%s%s}",
	         name, p->pub, ep, extra);
	if (call(NULL, NULL, "POST", path("/register"), body) != 201)
		return R.status;
	snprintf(p->id, sizeof(p->id), "%s", jstr(R.body, "id"));
	tok = jstr(R.body, "token");
	snprintf(p->token, sizeof(p->token), "%s", tok);
	ck_assert_uint_eq(strlen(p->id), PEER_ID_LEN - 1);
	ck_assert_uint_eq(strspn(p->id, "0123456789abcdef"), PEER_ID_LEN - 1);
	ck_assert_uint_eq(strlen(tok), PEER_ID_LEN + KEYS_TOKEN_LEN - 1);
	ck_assert(strncmp(tok, p->id, PEER_ID_LEN - 1) == 0 && tok[PEER_ID_LEN - 1] == '.');
	remember_secret(tok + PEER_ID_LEN, strlen(tok + PEER_ID_LEN));
	return 201;
}

void
reg(struct tpeer *p, const char *name, const char *endpoint)
{
	OK(register_with(p, name, endpoint, ""), 201);
	ck_assert_str_eq(jstr(R.body, "state"), "pending");
}

void
accept_peer(const struct tpeer *p, const char *body)
{
	OK(admin("POST", path("/admin/peers/%s/accept", p->id), body), 200);
	ck_assert_str_eq(jstr(R.body, "state"), "accepted");
}

/* Registered and accepted with an address from the pool. */
void
member(struct tpeer *p, const char *name, const char *endpoint)
{
	reg(p, name, endpoint);
	accept_peer(p, NULL);
}

void
pair(const struct tpeer *a, const struct tpeer *b)
{
	int st = admin("PUT", path("/admin/pairs/%s/%s", a->id, b->id), NULL);

	ck_assert_msg(st == 201 || st == 200, "pairing gave %d", st);
}

/* GET /peer/config as p: the status; R holds the config. */
int
config(const struct tpeer *p)
{
	return call(NULL, p->token, "GET", path("/peer/config"), NULL);
}

/* The ETag of p's config now (quoted, as a client echoes it). */
void
etag(const struct tpeer *p, char out[64])
{
	OK(config(p), 200);
	ck_assert_uint_gt(strlen(R.etag), 1);
	ck_assert_int_eq(R.etag[0], 'r');
	snprintf(out, 64, "\"%s\"", R.etag);
}

/* The config entry of other in R (p's config), or NULL. */
struct json_object *
link_to(const struct tpeer *other)
{
	struct json_object *peers = jget(R.body, "peers");

	for (size_t i = 0; i < json_object_array_length(peers); i++) {
		struct json_object *e = json_object_array_get_idx(peers, i);
		if (strcmp(jstr(e, "id"), other->id) == 0)
			return e;
	}
	return NULL;
}

/* Opens p's sealed PSK for other from p's config. */
void
open_psk(const struct tpeer *p, const struct tpeer *other, uint8_t psk[KEYS_LEN])
{
	uint8_t box[KEYS_SEALED_LEN + 8];
	size_t len = 0;
	struct json_object *e;

	OK(config(p), 200);
	ck_assert_ptr_nonnull(e = link_to(other));
	ck_assert_int_eq(keys_b64_decode(box, sizeof(box), &len, jstr(e, "preshared_key_sealed")), 0);
	ck_assert_uint_eq(len, KEYS_SEALED_LEN);
	ck_assert_int_eq(keys_open(psk, box, len, p->pk, p->sk), 0);
}

/* Fails the step-th SQLite VM step from now, once (then lets all run), and
 * notes that it did (fault_met) and which statement it hit. */
static long fault_at, fault_steps;
static bool fault_met, fault_in_write, in_write;
static char running_sql[128], fault_sql[128];

static int
fault_progress(void *arg)
{
	(void)arg;
	if (++fault_steps != fault_at)
		return 0;
	fault_met = true;
	fault_in_write = in_write;
	memcpy(fault_sql, running_sql, sizeof(fault_sql));
	return 1;
}

static int
trace_stmt(unsigned type, void *ctx, void *stmt, void *x)
{
	const char *sql = sqlite3_sql(stmt);

	(void)type;
	(void)ctx;
	(void)x;
	snprintf(running_sql, sizeof(running_sql), "%s", sql ? sql : "");
	if (strcmp(running_sql, "BEGIN IMMEDIATE") == 0)
		in_write = true;
	else if (strcmp(running_sql, "BEGIN") == 0)
		in_write = false;
	return 0;
}

static void
faults_on(void)
{
	fault_steps = 0;
	fault_met = fault_in_write = in_write = false;
	fault_sql[0] = '\0';
	sqlite3_trace_v2(db_handle(), SQLITE_TRACE_STMT, trace_stmt, NULL);
	sqlite3_progress_handler(db_handle(), 1, fault_progress, NULL);
}

static void
faults_off(void)
{
	sqlite3_progress_handler(db_handle(), 0, NULL, NULL);
	sqlite3_trace_v2(db_handle(), 0, NULL, NULL);
}

/* Recovered from, not swallowed, when no transaction is left open for the
 * next request: a fault in a read's closing ROLLBACK (db_rollback() tries
 * again), or in the writes a read makes besides its answer, each in a
 * write transaction of its own and "only slower, never wrong" when it
 * fails (lib/api/api.c keep_config, mark_seen). A fault in the read's own
 * transaction must answer 500. */
static bool
read_fault_recovered(void)
{
	return (fault_in_write || strcmp(fault_sql, "ROLLBACK") == 0) && !db_in_transaction();
}

/*
 * Sends rq with a database error injected at every possible point in turn
 * (the k-th VM step, for k = 1, 2, ... until a run meets no fault): each
 * answer is either exactly want (status, body and ETag) or a 500
 * database_error without ETag. Never anything in between: a smaller
 * config, a signature shown as "invalid". Returns how many runs failed.
 */
int
faults_never_half(struct request *rq, int want_status, const char *want_body,
                  const char *want_etag)
{
	int failed = 0;

	for (fault_at = 1;; fault_at++) {
		int got;
		/* No config kept: each run builds it and meets the fault there;
		 * a run that fails must keep nothing. */
		exec_sql("DELETE FROM config_cache");
		faults_on();
		got = send_req(rq);
		faults_off();
		if (got == 500) {
			ck_assert_str_eq(R.error_code, "database_error");
			ck_assert_msg(R.etag[0] == '\0', "a 500 with ETag %s (fault at %ld)",
			              R.etag, fault_at);
			ck_assert_msg(count("SELECT count(*) FROM config_cache") == 0,
			              "a config that failed was kept (fault at %ld)", fault_at);
			failed++;
			continue;
		}
		ck_assert_msg(!fault_met || read_fault_recovered(), "a fault in \"%s\" (step %ld) was "
		              "swallowed: answered %d", fault_sql, fault_at, got);
		ck_assert_msg(got == want_status, "fault at step %ld gave %d (%s)", fault_at, got,
		              R.error_code ? R.error_code : "-");
		ck_assert_str_eq(json_object_to_json_string(R.body), want_body);
		ck_assert_str_eq(R.etag, want_etag);
		if (!fault_met)
			break;          /* ran to the end without meeting the fault */
	}
	ck_assert_int_gt(failed, 10);
	return failed;
}

/* One faulted run of a write: a 500 database_error that leaves each table
 * as it was, unless the fault hit the COMMIT itself (then it is done). */
static bool
write_fault_run(const char *method, const char *p, const char *before, const char *after)
{
	ck_assert_msg(fault_met, "%s %s: answered 500 with no fault met (step %ld)", method, p,
	              fault_at);
	ck_assert_str_eq(R.error_code, "database_error");
	if (strcmp(before, after) == 0)
		return false;
	ck_assert_msg(strcmp(fault_sql, "COMMIT") == 0, "%s %s: a fault in \"%s\" (step %ld) "
	              "answered 500 but changed the database", method, p, fault_sql, fault_at);
	return true;
}

/*
 * Sends one write with a database error injected at every VM step in turn
 * until a run meets none; that run must answer want. Every run that meets
 * its fault answers a 500 (a fault met and answered otherwise was
 * swallowed), and leaves each table exactly as it was, except when the
 * fault hit the COMMIT itself: SQLite may have committed then (the outcome
 * is unknown, as when a connection drops after it), and the change must be
 * there whole; the loop ends there. Returns the last status: want, or 500
 * after such a COMMIT.
 */
int
all_or_nothing(int want, const char *user, const char *token, const char *method,
               const char *p, const char *body)
{
	static char pbuf[256], bbuf[8192];
	int failed = 0, got;

	snprintf(pbuf, sizeof(pbuf), "%s", p);
	ck_assert_uint_lt(body ? strlen(body) : 0, sizeof(bbuf));
	snprintf(bbuf, sizeof(bbuf), "%s", body ? body : "");
	for (fault_at = 1;; fault_at++) {
		char *before = snapshot(), *after;
		struct request rq;
		bool done = false;
		base_request(&rq, user, token, method, pbuf, body ? bbuf : NULL);
		faults_on();
		got = send_req(&rq);
		faults_off();
		after = snapshot();
		if (got == 500)
			done = write_fault_run(method, pbuf, before, after);
		free(before);
		free(after);
		if (got != 500) {
			ck_assert_msg(!fault_met, "%s %s: a fault in \"%s\" (step %ld) was swallowed: "
			              "answered %d", method, pbuf, fault_sql, fault_at, got);
			ck_assert_msg(got == want, "%s %s answered %d, not %d (%s)", method, pbuf, got,
			              want, R.error_code ? R.error_code : "-");
			break;
		}
		failed++;
		if (done)
			break;
	}
	ck_assert_msg(failed > 10, "%s %s met only %d faults", method, pbuf, failed);
	return got;
}
/* Same with the signature and the key in base64 (the form JSON carries):
 * -1 also when either does not decode to exactly its length. */
int
verify_b64(const char *text, size_t len, const char *sig_b64, const char *pk_b64)
{
	uint8_t sig[KEYS_SIG_LEN], pk[KEYS_LEN];
	size_t n = 0;

	if (sig_b64 == NULL || strlen(sig_b64) != KEYS_SIG_B64_LEN - 1 ||
	    keys_b64_decode(sig, sizeof(sig), &n, sig_b64) != 0 || n != KEYS_SIG_LEN ||
	    keys_b64_decode_key(pk, pk_b64) != 0)
		return -1;
	return statement_verify(text, len, sig, pk);
}
