/* SPDX-License-Identifier: MIT */
/*
 * hostile: the bounds on what anyone can add to the database (lib/quota.h),
 * through api_handle() as the responder calls it, on a fresh SQLite file per
 * test: the registration modes, pending expiry and the pending cap (never
 * for an invite), bulk reject, a pending peer's writes, the endpoint rate,
 * audit coalescing and pruning, and every new setting's bad values (the
 * right 4xx, a JSON error, not one row changed).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "db.h"
#include "keys.h"
#include "quota.h"
#include "unit.h"

/* Bodies come from printf formats. */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

#define ADMIN_USER "root"
#define HOST       "wg.example"
#define DAY        86400

static char dbpath[64];
static struct response R;       /* the last answer: valid until the next call */

static void
setup(void)
{
	int fd;

	ck_assert_int_eq(keys_init(), 0);
	snprintf(dbpath, sizeof(dbpath), "/tmp/wgconf-check-hostile-XXXXXX");
	fd = mkstemp(dbpath);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(db_open(dbpath), 0);
	memset(&R, 0, sizeof(R));
}

static void
teardown(void)
{
	char p[80];

	http_response_free(&R);
	db_close();
	unlink(dbpath);
	snprintf(p, sizeof(p), "%s-wal", dbpath);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", dbpath);
	unlink(p);
}

/* Every row of every table, as text: what "the database did not change" compares. */
static char *
snapshot(void)
{
	static const char *const tables[] = { "network", "peers", "addresses", "networks",
		"pairs", "invites", "audit", NULL };
	char *buf = NULL, sql[96];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	for (size_t t = 0; tables[t] != NULL; t++) {
		sqlite3_stmt *st = NULL;
		snprintf(sql, sizeof(sql), "SELECT * FROM %s ORDER BY rowid", tables[t]);
		ck_assert_int_eq(sqlite3_prepare_v2(db_handle(), sql, -1, &st, NULL), SQLITE_OK);
		fprintf(f, "[%s]\n", tables[t]);
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

/* "/admin/peers/%s" with arguments; a few rotating buffers. */
static const char *
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
static void
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

static int
send_req(struct request *rq)
{
	http_response_free(&R);
	api_handle(rq, &R);
	ck_assert_msg(sqlite3_get_autocommit(db_handle()), "%s %s left a transaction open",
	              rq->method ? rq->method : "-", rq->path ? rq->path : "-");
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
		ck_assert_ptr_null(R.error_code);
		ck_assert_ptr_nonnull(R.body);
	}
	return R.status;
}

static int
call(const char *user, const char *token, const char *method, const char *p, const char *body)
{
	struct request rq;

	base_request(&rq, user, token, method, p, body);
	return send_req(&rq);
}

static int
admin(const char *method, const char *p, const char *body)
{
	return call(ADMIN_USER, NULL, method, p, body);
}

/* A failing call: its status, its error code, and not one row changed. */
static void
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

static void
fails(int want, const char *code, const char *user, const char *token, const char *method,
      const char *p, const char *body)
{
	struct request rq;

	base_request(&rq, user, token, method, p, body);
	fails_req(want, code, &rq);
}

#define ADMIN_FAILS(st, code, m, p, b)      fails((st), (code), ADMIN_USER, NULL, (m), (p), (b))
#define PEER_FAILS(st, code, tok, m, p, b)  fails((st), (code), NULL, (tok), (m), (p), (b))
#define ANON_FAILS(st, code, m, p, b)       fails((st), (code), NULL, NULL, (m), (p), (b))
#define OK(expr, want) do {                                                            \
		int got_ = (expr);                                                     \
		ck_assert_msg(got_ == (want), "%s: got %d (%s: %s), want %d", #expr, got_, \
		              R.error_code ? R.error_code : "-", R.error_message, (want)); \
	} while (0)

/* JSON readers that insist the field is there and of its type. */
static struct json_object *
jget(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	ck_assert_msg(json_object_object_get_ex(o, key, &v), "no \"%s\" in %s", key,
	              json_object_to_json_string(o));
	return v;
}

static const char *
jstr(struct json_object *o, const char *key)
{
	struct json_object *v = jget(o, key);

	ck_assert_msg(json_object_is_type(v, json_type_string), "\"%s\" is not a string", key);
	return json_object_get_string(v);
}

static int64_t
jint(struct json_object *o, const char *key)
{
	struct json_object *v = jget(o, key);

	ck_assert_msg(json_object_is_type(v, json_type_int), "\"%s\" is not an integer", key);
	return json_object_get_int64(v);
}

static void
jnull(struct json_object *o, const char *key)
{
	ck_assert_msg(jget(o, key) == NULL, "\"%s\" is not null", key);
}

static struct json_object *
jarr(struct json_object *o, const char *key, size_t want_len)
{
	struct json_object *v = jget(o, key);

	ck_assert_msg(json_object_is_type(v, json_type_array), "\"%s\" is not an array", key);
	ck_assert_msg(json_object_array_length(v) == want_len, "\"%s\" has %zu entries, want %zu: %s",
	              key, json_object_array_length(v), want_len, json_object_to_json_string(v));
	return v;
}

static const char *
jidx_str(struct json_object *arr, size_t i)
{
	struct json_object *v = json_object_array_get_idx(arr, i);

	ck_assert(json_object_is_type(v, json_type_string));
	return json_object_get_string(v);
}

static int64_t
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

static void
exec_sql(const char *sql)
{
	ck_assert_int_eq(sqlite3_exec(db_handle(), sql, NULL, NULL, NULL), SQLITE_OK);
}

/* A test peer: its key pair stays here, as on a real host. */
struct tpeer {
	char id[PEER_ID_LEN];
	char token[128];
	char name[64];
	char pub[KEYS_B64_LEN];
	uint8_t sk[KEYS_LEN], pk[KEYS_LEN];
};

static void
new_keys(struct tpeer *p)
{
	keys_generate(p->sk, p->pk);
	keys_b64_encode(p->pub, sizeof(p->pub), p->pk, KEYS_LEN);
}

/* Registers p (endpoint NULL = behind NAT; extra = more JSON members or ""):
 * returns the status; on 201 p holds id and token. */
static int
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
	return 201;
}

static void
reg(struct tpeer *p, const char *name, const char *endpoint)
{
	OK(register_with(p, name, endpoint, ""), 201);
	ck_assert_str_eq(jstr(R.body, "state"), "pending");
}

static void
accept_peer(const struct tpeer *p, const char *body)
{
	OK(admin("POST", path("/admin/peers/%s/accept", p->id), body), 200);
	ck_assert_str_eq(jstr(R.body, "state"), "accepted");
}

/* Registered and accepted with an address from the pool. */
static void
member(struct tpeer *p, const char *name, const char *endpoint)
{
	reg(p, name, endpoint);
	accept_peer(p, NULL);
}

static void
make_invite(char code[64])
{
	OK(admin("POST", path("/admin/invites"), "{\"uses\":5}"), 201);
	snprintf(code, 64, "%s", jstr(R.body, "code"));
}

/* Registers a pending peer named name with an invite code (NULL: none). */
static int
register_invited(struct tpeer *p, const char *name, const char *code)
{
	char extra[128] = "";

	if (code != NULL)
		snprintf(extra, sizeof(extra), ",\"invite\":\"%s\"", code);
	return register_with(p, name, NULL, extra);
}

static void
set_network(const char *body)
{
	OK(admin("PUT", path("/admin/network"), body), 200);
}

START_TEST(settings_defaults_and_edits)
{
	struct tpeer a;
	int64_t rev;

	OK(admin("GET", path("/admin/network"), NULL), 200);
	ck_assert_str_eq(jstr(R.body, "registration"), "open");
	ck_assert_int_eq(jint(R.body, "pending_expire_after"), 7 * DAY);
	ck_assert_int_eq(jint(R.body, "pending_max"), 1024);
	ck_assert_int_eq(jint(R.body, "endpoint_min_interval"), 60);
	ck_assert_int_eq(jint(R.body, "audit_max_age"), 90 * DAY);
	ck_assert_int_eq(jint(R.body, "audit_max_rows"), 100000);
	ck_assert_int_eq(jint(R.body, "audit_coalesce_window"), 3600);

	member(&a, "a", "192.0.2.1:51820");
	rev = count("SELECT revision FROM peers");
	set_network("{\"registration\":\"invite-only\",\"pending_expire_after\":3600,"
	            "\"pending_max\":10,\"endpoint_min_interval\":0,\"audit_max_age\":86400,"
	            "\"audit_max_rows\":500,\"audit_coalesce_window\":0}");
	ck_assert_str_eq(jstr(R.body, "registration"), "invite-only");
	ck_assert_int_eq(jint(R.body, "pending_expire_after"), 3600);
	ck_assert_int_eq(jint(R.body, "pending_max"), 10);
	ck_assert_int_eq(jint(R.body, "endpoint_min_interval"), 0);
	ck_assert_int_eq(jint(R.body, "audit_max_age"), 86400);
	ck_assert_int_eq(jint(R.body, "audit_max_rows"), 500);
	ck_assert_int_eq(jint(R.body, "audit_coalesce_window"), 0);
	/* The mesh settings are left as they were, and so is every config:
	 * the limits are in nobody's config, no revision for them. */
	ck_assert_str_eq(jstr(R.body, "ipv4_pool"), "10.77.0.0/24");
	ck_assert_int_eq(count("SELECT revision FROM peers"), rev);
	OK(admin("GET", path("/admin/network"), NULL), 200);
	ck_assert_str_eq(jstr(R.body, "registration"), "invite-only");
	ck_assert_int_eq(jint(R.body, "audit_max_rows"), 500);
	/* One setting at a time leaves the others. */
	set_network("{\"registration\":\"closed\"}");
	ck_assert_str_eq(jstr(R.body, "registration"), "closed");
	ck_assert_int_eq(jint(R.body, "pending_max"), 10);
	set_network("{\"registration\":\"open\",\"pending_max\":0}");
	ck_assert_int_eq(jint(R.body, "pending_max"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = 'network.edit'"), 3);
}
END_TEST

START_TEST(settings_bad_values)
{
	static const struct {
		const char *code, *body;
	} bad[] = {
		{ "invalid_registration", "{\"registration\":\"Open\"}" },
		{ "invalid_registration", "{\"registration\":\"invite_only\"}" },
		{ "invalid_registration", "{\"registration\":\"\"}" },
		{ "invalid_registration", "{\"registration\":null}" },
		{ "invalid_registration", "{\"registration\":1}" },
		{ "invalid_registration", "{\"registration\":[\"open\"]}" },
		{ "invalid_registration", "{\"registration\":\"open \"}" },
		{ "invalid_field", "{\"pending_expire_after\":59}" },
		{ "invalid_field", "{\"pending_expire_after\":31536001}" },
		{ "invalid_field", "{\"pending_expire_after\":\"3600\"}" },
		{ "invalid_field", "{\"pending_expire_after\":3600.5}" },
		{ "invalid_field", "{\"pending_expire_after\":null}" },
		{ "invalid_field", "{\"pending_expire_after\":-1}" },
		{ "invalid_field", "{\"pending_expire_after\":99999999999999999999999}" },
		{ "invalid_field", "{\"pending_max\":-1}" },
		{ "invalid_field", "{\"pending_max\":100001}" },
		{ "invalid_field", "{\"pending_max\":true}" },
		{ "invalid_field", "{\"endpoint_min_interval\":86401}" },
		{ "invalid_field", "{\"endpoint_min_interval\":-60}" },
		{ "invalid_field", "{\"audit_max_age\":3599}" },
		{ "invalid_field", "{\"audit_max_age\":315360001}" },
		{ "invalid_field", "{\"audit_max_rows\":99}" },
		{ "invalid_field", "{\"audit_max_rows\":10000001}" },
		{ "invalid_field", "{\"audit_max_rows\":{}}" },
		{ "invalid_field", "{\"audit_coalesce_window\":-1}" },
		{ "invalid_field", "{\"audit_coalesce_window\":86401}" },
		{ "unknown_field", "{\"pending_maximum\":5}" },
		{ "unknown_field", "{\"Registration\":\"open\"}" },
		/* One bad value spoils the whole edit. */
		{ "invalid_field", "{\"registration\":\"closed\",\"pending_max\":-1}" },
		{ "invalid_field", "{\"mtu\":1400,\"audit_max_rows\":1}" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ADMIN_FAILS(400, bad[i].code, "PUT", path("/admin/network"), bad[i].body);
	/* The settings are the admin's. */
	fails(403, "admin_required", NULL, NULL, "PUT", path("/admin/network"),
	      "{\"registration\":\"open\"}");
}
END_TEST

START_TEST(registration_modes)
{
	char code[64], body[256];
	struct tpeer p;

	make_invite(code);
	set_network("{\"registration\":\"invite-only\"}");
	new_keys(&p);
	snprintf(body, sizeof(body), "{\"name\":\"x\",\"public_key\":\"%s\",\"endpoint\":null}", p.pub);
	ANON_FAILS(403, "invite_required", "POST", path("/register"), body);
	snprintf(body, sizeof(body), "{\"name\":\"x\",\"public_key\":\"%s\",\"endpoint\":null,"
	         "\"invite\":\"nope\"}", p.pub);
	ANON_FAILS(403, "invite_invalid", "POST", path("/register"), body);
	OK(register_invited(&p, "invited", code), 201);
	ck_assert_str_eq(jstr(R.body, "state"), "accepted");

	/* Closed: nobody, not even with a valid invite (whose use is not spent). */
	set_network("{\"registration\":\"closed\"}");
	new_keys(&p);
	snprintf(body, sizeof(body), "{\"name\":\"y\",\"public_key\":\"%s\",\"endpoint\":null}", p.pub);
	ANON_FAILS(403, "registration_closed", "POST", path("/register"), body);
	snprintf(body, sizeof(body), "{\"name\":\"y\",\"public_key\":\"%s\",\"endpoint\":null,"
	         "\"invite\":\"%s\"}", p.pub, code);
	ANON_FAILS(403, "registration_closed", "POST", path("/register"), body);
	ck_assert_int_eq(count("SELECT uses_left FROM invites"), 4);

	set_network("{\"registration\":\"open\"}");
	reg(&p, "open-again", NULL);
	ck_assert_int_eq(count("SELECT count(*) FROM peers"), 2);
}
END_TEST

START_TEST(full_queue_never_refuses_an_invite)
{
	char code[64], body[256];
	struct tpeer p;

	make_invite(code);
	set_network("{\"pending_max\":3}");
	for (int i = 0; i < 3; i++) {
		char name[16];
		snprintf(name, sizeof(name), "junk%d", i);
		reg(&p, name, NULL);
	}
	new_keys(&p);
	snprintf(body, sizeof(body), "{\"name\":\"late\",\"public_key\":\"%s\",\"endpoint\":null}", p.pub);
	ANON_FAILS(429, "too_many_pending", "POST", path("/register"), body);
	OK(register_invited(&p, "real-host", code), 201);
	ck_assert_str_eq(jstr(R.body, "state"), "accepted");
	/* Even with no pending seat at all. */
	set_network("{\"pending_max\":0}");
	OK(register_invited(&p, "real-host2", code), 201);
	ck_assert_int_eq(count("SELECT count(*) FROM peers WHERE state = 'accepted'"), 2);
}
END_TEST

START_TEST(pending_expiry)
{
	struct tpeer old1, old2, fresh, acc;
	char sql[256];

	member(&acc, "acc", NULL);
	set_network("{\"pending_max\":3}");
	reg(&old1, "old1", NULL);
	reg(&old2, "old2", NULL);
	reg(&fresh, "fresh", NULL);
	/* Eight days ago, past the default seven; the accepted one is older. */
	snprintf(sql, sizeof(sql), "UPDATE peers SET created_at = created_at - %d WHERE id IN "
	         "('%s', '%s', '%s')", 8 * DAY, old1.id, old2.id, acc.id);
	exec_sql(sql);
	snprintf(sql, sizeof(sql), "UPDATE peers SET created_at = created_at - %d WHERE id = '%s'",
	         6 * DAY, fresh.id);
	exec_sql(sql);
	/* The queue is full, but a registration makes room by expiring first. */
	reg(&old1, "newcomer", NULL);
	ck_assert_int_eq(count("SELECT count(*) FROM peers WHERE state = 'pending'"), 2);
	ck_assert_int_eq(count("SELECT count(*) FROM peers WHERE name IN ('old1', 'old2')"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM peers WHERE name IN ('fresh', 'acc')"), 2);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = 'peer.expire' AND "
	                       "actor = 'system' AND json_extract(detail, '$.count') = 2"), 1);
	/* An expired peer's token says so: it is gone. */
	PEER_FAILS(401, "unauthorized", old2.token, "GET", path("/peer"), NULL);

	/* The periodic check does the same without a registration. */
	snprintf(sql, sizeof(sql), "UPDATE peers SET created_at = created_at - %d WHERE id = '%s'",
	         2 * DAY, fresh.id);
	exec_sql(sql);
	ck_assert_int_eq(quota_housekeep(store_now()), DB_OK);
	ck_assert_int_eq(count("SELECT count(*) FROM peers WHERE name = 'fresh'"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM peers WHERE name = 'acc'"), 1);
	/* Nothing due: nothing written. */
	{
		char *before = snapshot(), *after;
		ck_assert_int_eq(quota_housekeep(store_now()), DB_OK);
		after = snapshot();
		ck_assert_str_eq(before, after);
		free(before);
		free(after);
	}
	/* The setting decides. */
	set_network("{\"pending_expire_after\":3600}");
	exec_sql("UPDATE peers SET created_at = created_at - 3601 WHERE state = 'pending'");
	ck_assert_int_eq(quota_housekeep(store_now()), DB_OK);
	ck_assert_int_eq(count("SELECT count(*) FROM peers WHERE state = 'pending'"), 0);
}
END_TEST

START_TEST(pending_peer_cannot_write)
{
	struct tpeer p;

	reg(&p, "waiting", "192.0.2.7:51820");
	PEER_FAILS(409, "peer_pending", p.token, "PUT", path("/peer/endpoint"),
	           "{\"endpoint\":\"198.51.100.1:51820\"}");
	PEER_FAILS(409, "peer_pending", p.token, "PUT", path("/peer/endpoint"),
	           "{\"endpoint\":\"192.0.2.7:51820\"}");
	PEER_FAILS(409, "peer_pending", p.token, "PUT", path("/peer/endpoint"), "{\"endpoint\":null}");
	/* What it may do: read its state, leave. */
	OK(call(NULL, p.token, "GET", path("/peer"), NULL), 200);
	ck_assert_str_eq(jstr(R.body, "state"), "pending");
	OK(call(NULL, p.token, "DELETE", path("/peer"), NULL), 204);
	ck_assert_int_eq(count("SELECT count(*) FROM peers"), 0);
}
END_TEST

START_TEST(endpoint_rate_and_noop)
{
	struct tpeer a;
	char sql[256];
	int64_t rev, audit;

	member(&a, "a", "192.0.2.1:51820");
	rev = count("SELECT revision FROM peers");
	audit = count("SELECT count(*) FROM audit");
	/* The same endpoint again: no write at all. */
	{
		char *before = snapshot(), *after;
		OK(call(NULL, a.token, "PUT", path("/peer/endpoint"), "{\"endpoint\":\"192.0.2.1:51820\"}"), 200);
		ck_assert_str_eq(jstr(R.body, "endpoint"), "192.0.2.1:51820");
		after = snapshot();
		ck_assert_str_eq(before, after);
		free(before);
		free(after);
	}
	/* A change: once. */
	OK(call(NULL, a.token, "PUT", path("/peer/endpoint"), "{\"endpoint\":\"192.0.2.2:51820\"}"), 200);
	ck_assert_int_gt(count("SELECT revision FROM peers"), rev);
	ck_assert_int_eq(count("SELECT count(*) FROM audit"), audit + 1);
	/* Another within the minute: 429, with when to come back. */
	PEER_FAILS(429, "endpoint_rate_limited", a.token, "PUT", path("/peer/endpoint"),
	           "{\"endpoint\":\"192.0.2.3:51820\"}");
	ck_assert_int_ge(R.retry_after, 1);
	ck_assert_int_le(R.retry_after, 60);
	/* The unchanged one is still no write, limited or not. */
	OK(call(NULL, a.token, "PUT", path("/peer/endpoint"), "{\"endpoint\":\"192.0.2.2:51820\"}"), 200);
	ck_assert_int_eq(R.retry_after, 0);
	/* A minute later it may move again. */
	snprintf(sql, sizeof(sql), "UPDATE peers SET endpoint_at = endpoint_at - 60 WHERE id = '%s'", a.id);
	exec_sql(sql);
	OK(call(NULL, a.token, "PUT", path("/peer/endpoint"), "{\"endpoint\":null}"), 200);
	jnull(R.body, "endpoint");
	PEER_FAILS(429, "endpoint_rate_limited", a.token, "PUT", path("/peer/endpoint"),
	           "{\"endpoint\":\"192.0.2.3:51820\"}");
	/* The admin is not limited, and does not use up the peer's minute. */
	OK(admin("PATCH", path("/admin/peers/%s", a.id), "{\"endpoint\":\"192.0.2.9:1\"}"), 200);
	OK(admin("PATCH", path("/admin/peers/%s", a.id), "{\"endpoint\":\"192.0.2.9:2\"}"), 200);
	/* The interval is a setting; 0 is no limit. */
	set_network("{\"endpoint_min_interval\":0}");
	for (int i = 1; i <= 5; i++) {
		char body[64];
		snprintf(body, sizeof(body), "{\"endpoint\":\"198.51.100.%d:51820\"}", i);
		OK(call(NULL, a.token, "PUT", path("/peer/endpoint"), body), 200);
	}
}
END_TEST

START_TEST(audit_coalesces_repeats)
{
	struct tpeer a;

	member(&a, "a", "192.0.2.1:51820");
	set_network("{\"endpoint_min_interval\":0}");
	for (int i = 0; i < 50; i++) {
		OK(call(NULL, a.token, "PUT", path("/peer/endpoint"), "{\"endpoint\":\"192.0.2.2:1\"}"), 200);
		OK(call(NULL, a.token, "PUT", path("/peer/endpoint"), "{\"endpoint\":\"192.0.2.3:1\"}"), 200);
	}
	/* 100 changes, two rows: each counts its repeats. */
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = 'peer.endpoint'"), 2);
	ck_assert_int_eq(count("SELECT sum(count) FROM audit WHERE action = 'peer.endpoint'"), 100);
	OK(admin("GET", path("/admin/audit?limit=1"), NULL), 200);
	{
		struct json_object *e = json_object_array_get_idx(jarr(R.body, "entries", 1), 0);
		ck_assert_str_eq(jstr(e, "action"), "peer.endpoint");
		ck_assert_int_eq(jint(e, "count"), 50);
		ck_assert_uint_gt(strlen(jstr(e, "last_at")), 0);
	}
	/* An older row is out of the window: a repeat is a row of its own. */
	exec_sql("UPDATE audit SET at = at - 3601");
	OK(call(NULL, a.token, "PUT", path("/peer/endpoint"), "{\"endpoint\":\"192.0.2.2:1\"}"), 200);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = 'peer.endpoint'"), 3);
	/* Window 0: every event is a row. */
	set_network("{\"audit_coalesce_window\":0}");
	OK(call(NULL, a.token, "PUT", path("/peer/endpoint"), "{\"endpoint\":\"192.0.2.3:1\"}"), 200);
	OK(call(NULL, a.token, "PUT", path("/peer/endpoint"), "{\"endpoint\":\"192.0.2.2:1\"}"), 200);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = 'peer.endpoint'"), 5);
	/* A fresh row reads count 1 and no last_at. */
	OK(admin("GET", path("/admin/audit?limit=1"), NULL), 200);
	{
		struct json_object *e = json_object_array_get_idx(jarr(R.body, "entries", 1), 0);
		ck_assert_int_eq(jint(e, "count"), 1);
		jnull(e, "last_at");
	}
}
END_TEST

START_TEST(audit_pruned_by_rows_and_age)
{
	struct tpeer a;
	int64_t newest;

	member(&a, "a", NULL);
	set_network("{\"endpoint_min_interval\":0,\"audit_coalesce_window\":0,\"audit_max_rows\":100}");
	for (int i = 1; i <= 150; i++) {
		char body[64];
		snprintf(body, sizeof(body), "{\"endpoint\":\"198.51.100.1:%d\"}", i);
		OK(call(NULL, a.token, "PUT", path("/peer/endpoint"), body), 200);
	}
	/* 100 of the peer's, and the admin's two (accept, network) besides. */
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE actor NOT LIKE 'admin:%'"), 100);
	ck_assert_int_eq(count("SELECT count(*) FROM audit"), 102);
	/* The newest are kept. */
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE detail = "
	                       "'{\"endpoint\":\"198.51.100.1:150\"}'"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE detail = "
	                       "'{\"endpoint\":\"198.51.100.1:50\"}'"), 0);
	/* By age: rows older than audit_max_age go with the next write. */
	newest = count("SELECT max(id) FROM audit");
	exec_sql("UPDATE audit SET at = at - 91 * 86400");
	OK(call(NULL, a.token, "PUT", path("/peer/endpoint"), "{\"endpoint\":null}"), 200);
	ck_assert_int_eq(count("SELECT count(*) FROM audit"), 1);
	ck_assert_int_gt(count("SELECT min(id) FROM audit"), newest);
	/* ... or with the periodic check. */
	exec_sql("UPDATE audit SET at = at - 91 * 86400");
	ck_assert_int_eq(quota_housekeep(store_now()), DB_OK);
	ck_assert_int_eq(count("SELECT count(*) FROM audit"), 0);
}
END_TEST

START_TEST(audit_flood_keeps_admin_entries)
{
	struct tpeer p;
	int64_t admin_rows;

	/* What admins did stays whatever a flood adds after it: the row cap
	 * takes only other entries; an admin's go by age alone. */
	set_network("{\"audit_max_rows\":100}");
	for (int i = 0; i < 5; i++) {
		OK(admin("POST", path("/admin/invites"), "{\"uses\":1}"), 201);
	}
	admin_rows = count("SELECT count(*) FROM audit WHERE actor LIKE 'admin:%'");
	ck_assert_int_eq(admin_rows, 6);
	for (int i = 0; i < 200; i++) {
		reg(&p, "flood", NULL);
		OK(call(NULL, p.token, "DELETE", path("/peer"), NULL), 204);
	}
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE actor LIKE 'admin:%'"), admin_rows);
	ck_assert_int_le(count("SELECT count(*) FROM audit WHERE actor NOT LIKE 'admin:%'"), 100);
	ck_assert_int_le(count("SELECT count(*) FROM audit"), 100 + admin_rows);
	/* Nothing more to prune: the periodic check writes nothing. */
	{
		char *before = snapshot(), *after;
		ck_assert_int_eq(quota_housekeep(store_now()), DB_OK);
		after = snapshot();
		ck_assert_str_eq(before, after);
		free(before);
		free(after);
	}
	/* By age, they go too. */
	exec_sql("UPDATE audit SET at = at - 91 * 86400 WHERE actor LIKE 'admin:%'");
	ck_assert_int_eq(quota_housekeep(store_now()), DB_OK);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE actor LIKE 'admin:%'"), 0);
}
END_TEST

START_TEST(register_delete_cycles_are_bounded)
{
	struct tpeer p;

	/* Registering and leaving over and over: the peers go, the audit log
	 * keeps its newest rows only. */
	set_network("{\"audit_max_rows\":100}");
	for (int i = 0; i < 300; i++) {
		reg(&p, "cycler", NULL);
		OK(call(NULL, p.token, "DELETE", path("/peer"), NULL), 204);
	}
	ck_assert_int_eq(count("SELECT count(*) FROM peers"), 0);
	ck_assert_int_le(count("SELECT count(*) FROM audit WHERE actor NOT LIKE 'admin:%'"), 100);
	ck_assert_int_le(count("SELECT count(*) FROM audit"), 101);
}
END_TEST

START_TEST(bulk_reject)
{
	struct tpeer j1, j2, j3, r1, r2, acc;
	char body[256], sql[256];

	reg(&j1, "junk-1", NULL);
	reg(&j2, "junk-2", NULL);
	reg(&j3, "junk-3", NULL);
	reg(&r1, "real1", NULL);
	reg(&r2, "real2", NULL);
	member(&acc, "junk-accepted", NULL);

	/* By name pattern: the pending ones only. */
	OK(admin("POST", path("/admin/peers/reject"), "{\"name_pattern\":\"junk-*\"}"), 200);
	ck_assert_int_eq(jint(R.body, "count"), 3);
	jarr(R.body, "rejected", 3);
	ck_assert_int_eq(count("SELECT count(*) FROM peers WHERE name LIKE 'junk%'"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = 'peers.reject' AND "
	                       "json_extract(detail, '$.count') = 3"), 1);
	PEER_FAILS(401, "unauthorized", j1.token, "GET", path("/peer"), NULL);

	/* Nothing matches: 200, count 0, nothing written. */
	{
		char *before = snapshot(), *after;
		OK(admin("POST", path("/admin/peers/reject"), "{\"name_pattern\":\"junk-*\"}"), 200);
		ck_assert_int_eq(jint(R.body, "count"), 0);
		after = snapshot();
		ck_assert_str_eq(before, after);
		free(before);
		free(after);
	}

	/* By age. */
	snprintf(sql, sizeof(sql), "UPDATE peers SET created_at = created_at - 7200 WHERE id = '%s'", r1.id);
	exec_sql(sql);
	OK(admin("POST", path("/admin/peers/reject"), "{\"older_than\":3600}"), 200);
	ck_assert_int_eq(jint(R.body, "count"), 1);
	ck_assert_str_eq(jidx_str(jarr(R.body, "rejected", 1), 0), r1.id);

	/* By ids: all or nothing. */
	reg(&j1, "x1", NULL);
	snprintf(body, sizeof(body), "{\"ids\":[\"%s\",\"%s\"]}", j1.id, acc.id);
	ADMIN_FAILS(409, "not_pending", "POST", path("/admin/peers/reject"), body);
	snprintf(body, sizeof(body), "{\"ids\":[\"%s\",\"0123456789abcdef\"]}", j1.id);
	ADMIN_FAILS(404, "peer_not_found", "POST", path("/admin/peers/reject"), body);
	snprintf(body, sizeof(body), "{\"ids\":[\"%s\",\"%s\"]}", j1.id, j1.id);
	ADMIN_FAILS(400, "invalid_ids", "POST", path("/admin/peers/reject"), body);
	snprintf(body, sizeof(body), "{\"ids\":[\"%s\",\"%s\"]}", j1.id, r2.id);
	OK(admin("POST", path("/admin/peers/reject"), body), 200);
	ck_assert_int_eq(jint(R.body, "count"), 2);
	ck_assert_int_eq(count("SELECT count(*) FROM peers"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM peers WHERE state = 'accepted'"), 1);

	/* Age and pattern together: both must hold. */
	reg(&j1, "old-junk", NULL);
	reg(&j2, "new-junk", NULL);
	reg(&j3, "old-real", NULL);
	exec_sql("UPDATE peers SET created_at = created_at - 100000 WHERE name LIKE 'old-%'");
	OK(admin("POST", path("/admin/peers/reject"), "{\"older_than\":86400,\"name_pattern\":\"*-junk\"}"), 200);
	ck_assert_int_eq(jint(R.body, "count"), 1);
	ck_assert_str_eq(jidx_str(jarr(R.body, "rejected", 1), 0), j1.id);
}
END_TEST

START_TEST(bulk_reject_bad_input)
{
	static const struct {
		int status;
		const char *code, *body;
	} bad[] = {
		{ 400, "body_missing", NULL },
		{ 400, "missing_field", "{}" },
		{ 400, "unknown_field", "{\"all\":true}" },
		{ 400, "unknown_field", "{\"state\":\"accepted\"}" },
		{ 400, "json_duplicate_key", "{\"older_than\":1,\"older_than\":2}" },
		{ 400, "invalid_field", "{\"ids\":[\"0123456789abcdef\"],\"older_than\":0}" },
		{ 400, "invalid_field", "{\"ids\":[\"0123456789abcdef\"],\"name_pattern\":\"*\"}" },
		{ 400, "invalid_ids", "{\"ids\":[]}" },
		{ 400, "invalid_ids", "{\"ids\":\"0123456789abcdef\"}" },
		{ 400, "invalid_ids", "{\"ids\":null}" },
		{ 400, "invalid_ids", "{\"ids\":[1]}" },
		{ 400, "invalid_ids", "{\"ids\":[\"0123456789ABCDEF\"]}" },
		{ 400, "invalid_ids", "{\"ids\":[\"0123456789abcde\"]}" },
		{ 400, "invalid_ids", "{\"ids\":[\"0123456789abcdef0\"]}" },
		{ 400, "invalid_ids", "{\"ids\":[\"../../../etc/pass\"]}" },
		{ 400, "invalid_ids", "{\"ids\":[\"'; DROP TABLE x;--\"]}" },
		{ 400, "invalid_ids", "{\"ids\":[[\"0123456789abcdef\"]]}" },
		{ 400, "invalid_older_than", "{\"older_than\":-1}" },
		{ 400, "invalid_older_than", "{\"older_than\":\"3600\"}" },
		{ 400, "invalid_older_than", "{\"older_than\":1.5}" },
		{ 400, "invalid_older_than", "{\"older_than\":null}" },
		{ 400, "invalid_older_than", "{\"older_than\":315360001}" },
		{ 400, "invalid_older_than", "{\"older_than\":99999999999999999999}" },
		{ 400, "invalid_name_pattern", "{\"name_pattern\":\"\"}" },
		{ 400, "invalid_name_pattern", "{\"name_pattern\":\"a b\"}" },
		{ 400, "invalid_name_pattern", "{\"name_pattern\":null}" },
		{ 400, "invalid_name_pattern", "{\"name_pattern\":5}" },
		{ 400, "invalid_name_pattern", "{\"name_pattern\":\"%\"}" },
		{ 400, "invalid_name_pattern", "{\"name_pattern\":\"caf\\u00e9*\"}" },
		{ 400, "invalid_name_pattern",
		  "{\"name_pattern\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}" },
		{ 400, "json_invalid", "{\"name_pattern\":\"a\\u0000b\"}" },
	};
	struct tpeer p, acc;
	char tok[160];

	reg(&p, "pending", NULL);
	member(&acc, "acc", NULL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ADMIN_FAILS(bad[i].status, bad[i].code, "POST", path("/admin/peers/reject"), bad[i].body);
	/* Admins only; a peer's token is nothing here. */
	snprintf(tok, sizeof(tok), "%s", acc.token);
	PEER_FAILS(403, "admin_required", tok, "POST", path("/admin/peers/reject"), "{\"name_pattern\":\"*\"}");
	ANON_FAILS(403, "admin_required", "POST", path("/admin/peers/reject"), "{\"name_pattern\":\"*\"}");
	ADMIN_FAILS(405, "method_not_allowed", "PUT", path("/admin/peers/reject"), "{}");
	ADMIN_FAILS(400, "unknown_parameter", "POST", path("/admin/peers/reject?all=1"),
	            "{\"name_pattern\":\"*\"}");
	/* "reject" is no peer id. */
	ADMIN_FAILS(404, "peer_not_found", "GET", path("/admin/peers/reject"), NULL);
	ADMIN_FAILS(404, "peer_not_found", "DELETE", path("/admin/peers/reject"), NULL);
	/* A browser form cannot do it (CSRF). */
	{
		struct request rq;
		base_request(&rq, ADMIN_USER, NULL, "POST", path("/admin/peers/reject"),
		             "{\"name_pattern\":\"*\"}");
		rq.content_type = "text/plain";
		fails_req(415, "content_type_not_json", &rq);
		base_request(&rq, ADMIN_USER, NULL, "POST", path("/admin/peers/reject"),
		             "{\"name_pattern\":\"*\"}");
		rq.origin = "https://evil.example";
		fails_req(403, "cross_site_request", &rq);
	}
	ck_assert_int_eq(count("SELECT count(*) FROM peers"), 2);
}
END_TEST

static Suite *
hostile_suite(void)
{
	Suite *s = suite_create("hostile");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, settings_defaults_and_edits);
	tcase_add_test(tc, settings_bad_values);
	tcase_add_test(tc, registration_modes);
	tcase_add_test(tc, full_queue_never_refuses_an_invite);
	tcase_add_test(tc, pending_expiry);
	tcase_add_test(tc, pending_peer_cannot_write);
	tcase_add_test(tc, endpoint_rate_and_noop);
	tcase_add_test(tc, audit_coalesces_repeats);
	tcase_add_test(tc, audit_pruned_by_rows_and_age);
	tcase_add_test(tc, audit_flood_keeps_admin_entries);
	tcase_add_test(tc, register_delete_cycles_are_bounded);
	tcase_add_test(tc, bulk_reject);
	tcase_add_test(tc, bulk_reject_bad_input);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(hostile_suite)
