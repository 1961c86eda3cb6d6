/* SPDX-License-Identifier: MIT */
/*
 * scale: what makes large meshes cheap must not change what anyone sees.
 * The set-based config builder against the per-peer one it replaced, the
 * kept configs (config_cache) against fresh builds after every kind of
 * change, and the admin lists' cursors under concurrent inserts. Every
 * route goes through api_handle(), on a fresh SQLite file per test.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "db.h"
#include "sql.h"
#include "keys.h"
#include "meshconf.h"
#include "statement.h"
#include "unit.h"

/* The changes come from a table of printf formats. */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

#define ADMIN_USER "root"

static char dbpath[64];
static struct response R;       /* the last answer: valid until the next call */

struct tpeer {
	char id[PEER_ID_LEN];
	char token[128];
	char pub[KEYS_B64_LEN];
};

static void
setup(void)
{
	int fd;

	ck_assert_int_eq(keys_init(), 0);
	snprintf(dbpath, sizeof(dbpath), "/tmp/wgconf-check-scale-XXXXXX");
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

static int
vcall(const char *user, const char *token, const char *method, const char *body,
      const char *fmt, va_list ap)
{
	char pathbuf[512], auth[256];
	struct request rq;
	char *q;

	memset(&rq, 0, sizeof(rq));
	memcpy(pathbuf, API_PREFIX, sizeof(API_PREFIX));
	vsnprintf(pathbuf + sizeof(API_PREFIX) - 1, sizeof(pathbuf) - sizeof(API_PREFIX), fmt, ap);
	if ((q = strchr(pathbuf, '?')) != NULL) {
		*q = '\0';
		rq.query = q + 1;
	}
	rq.method = method;
	rq.path = pathbuf;
	rq.remote_user = user;
	if (token != NULL) {
		snprintf(auth, sizeof(auth), "Bearer %s", token);
		rq.authorization = auth;
	}
	rq.host = "wg.example";
	rq.scheme = "https";
	rq.content_type = "application/json";
	if (body != NULL) {
		rq.body = body;
		rq.body_len = strlen(body);
	}
	http_response_free(&R);
	api_handle(&rq, &R);
	ck_assert(sqlite3_get_autocommit(db_handle()));
	if (R.text != NULL && R.text_type == http_json_type) {
		ck_assert_ptr_null(R.body);
		ck_assert_uint_eq(strlen(R.text), R.text_len);
		R.body = json_tokener_parse(R.text);
		ck_assert_ptr_nonnull(R.body);
	}
	return R.status;
}

static int
admin(const char *method, const char *body, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
admin(const char *method, const char *body, const char *fmt, ...)
{
	va_list ap;
	int st;

	va_start(ap, fmt);
	st = vcall(ADMIN_USER, NULL, method, body, fmt, ap);
	va_end(ap);
	return st;
}

static int
as_peer(const struct tpeer *p, const char *method, const char *body, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
as_peer(const struct tpeer *p, const char *method, const char *body, const char *fmt, ...)
{
	va_list ap;
	int st;

	va_start(ap, fmt);
	st = vcall(NULL, p->token, method, body, fmt, ap);
	va_end(ap);
	return st;
}

static int
anon(const char *method, const char *body, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
anon(const char *method, const char *body, const char *fmt, ...)
{
	va_list ap;
	int st;

	va_start(ap, fmt);
	st = vcall(NULL, NULL, method, body, fmt, ap);
	va_end(ap);
	return st;
}

#define OK(expr, want) do {                                                            \
		int got_ = (expr);                                                     \
		ck_assert_msg(got_ == (want), "%s: got %d (%s: %s), want %d", #expr, got_, \
		              R.error_code ? R.error_code : "-", R.error_message, (want)); \
	} while (0)

static const char *
jstr(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	ck_assert_msg(json_object_object_get_ex(o, key, &v) &&
	              json_object_is_type(v, json_type_string), "no string \"%s\" in %s", key,
	              json_object_to_json_string(o));
	return json_object_get_string(v);
}

static void
exec_sql(const char *sql)
{
	ck_assert_int_eq(sqlite3_exec(db_handle(), sql, NULL, NULL, NULL), SQLITE_OK);
}

/* Registers (endpoint NULL = behind NAT) and, unless pending, accepts p. */
static void
join(struct tpeer *p, const char *name, const char *endpoint, int accept)
{
	uint8_t sk[KEYS_LEN], pk[KEYS_LEN];
	char body[512], ep[96];

	keys_generate(sk, pk);
	keys_b64_encode(p->pub, sizeof(p->pub), pk, KEYS_LEN);
	snprintf(ep, sizeof(ep), endpoint ? "\"%s\"" : "null", endpoint);
	snprintf(body, sizeof(body), "{\"name\":\"%s\",\"public_key\":\"%s\",\"endpoint\":%s}",
	         name, p->pub, ep);
	OK(anon("POST", body, "/register"), 201);
	snprintf(p->id, sizeof(p->id), "%s", jstr(R.body, "id"));
	snprintf(p->token, sizeof(p->token), "%s", jstr(R.body, "token"));
	if (accept)
		OK(admin("POST", NULL, "/admin/peers/%s/accept", p->id), 200);
}

static void
pair(const struct tpeer *a, const struct tpeer *b)
{
	int st = admin("PUT", NULL, "/admin/pairs/%s/%s", a->id, b->id);

	ck_assert_msg(st == 201 || st == 200, "pairing gave %d", st);
}

/* Links held whole, as only a test does (the server streams them). */
struct links {
	struct link *v;
	size_t n;
};

static void
links_free(struct links *l)
{
	for (size_t i = 0; i < l->n; i++)
		rows_peer_free(&l->v[i].other);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* The config the server's one writer makes of self and links. Caller frees. */
static char *
write_config(const struct peer *self, const struct network *net, const struct links *links,
             const struct revocation_list *revs)
{
	struct meshconf_writer w;
	char *text;
	size_t len;

	ck_assert_int_eq(meshconf_text_begin(&w, self, net), 0);
	for (size_t i = 0; i < links->n; i++)
		ck_assert_int_eq(meshconf_text_link(&w, &links->v[i]), 0);
	ck_assert_int_eq(meshconf_text_end(&w, revs, &text, &len), 0);
	ck_assert_uint_eq(len, strlen(text));
	return text;
}

/*
 * The config of peer id as the builder before the set-based one made it:
 * the peer whole, then each paired peer read on its own (store_peer_get),
 * its box looked up pair by pair, in id order, pending ones left out.
 * Serialised as the responder does. Caller frees.
 */
static char *
per_peer_config(const char *id)
{
	static const char box_sql[] =
		"SELECT CASE WHEN a = ?1 THEN psk_box_a ELSE psk_box_b END FROM pairs"
		" WHERE (a = ?1 AND b = ?2) OR (a = ?2 AND b = ?1)";
	struct links links = { NULL, 0 };
	struct revocation_list revs = { NULL, 0 };
	struct network net;
	struct peer self;
	char *text;

	ck_assert_int_eq(db_begin_read(), 0);
	ck_assert_int_eq(store_peer_get(&self, id), DB_OK);
	ck_assert_int_eq(store_network_get(&net), DB_OK);
	links.v = calloc(self.pairs.n + 1, sizeof(*links.v));
	ck_assert_ptr_nonnull(links.v);
	for (size_t i = 0; i < self.pairs.n; i++) {
		struct link *l = &links.v[links.n];
		sqlite3_stmt *st = NULL;
		ck_assert_int_eq(store_peer_get(&l->other, self.pairs.v[i]), DB_OK);
		if (!l->other.accepted) {
			rows_peer_free(&l->other);
			continue;
		}
		ck_assert_int_eq(sqlite3_prepare_v2(db_handle(), box_sql, -1, &st, NULL), SQLITE_OK);
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, self.pairs.v[i], -1, SQLITE_STATIC);
		ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
		ck_assert_int_eq(sqlite3_column_bytes(st, 0), KEYS_SEALED_LEN);
		memcpy(l->box, sqlite3_column_blob(st, 0), KEYS_SEALED_LEN);
		l->boxlen = KEYS_SEALED_LEN;
		sqlite3_finalize(st);
		links.n++;
	}
	ck_assert_int_eq(store_revocation_list(&revs, 1), DB_OK);
	text = write_config(&self, &net, &links, &revs);
	rows_revocation_list_free(&revs);
	links_free(&links);
	rows_peer_free(&self);
	db_rollback();
	return text;
}

static int
kept_rows(const char *id)
{
	sqlite3_stmt *st = NULL;
	int n;

	ck_assert_int_eq(sqlite3_prepare_v2(db_handle(),
	                 "SELECT count(*) FROM config_cache WHERE peer_id = ?1", -1, &st, NULL),
	                 SQLITE_OK);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* Signs p's proposed statement with sk, as `wgconf admin sign` does. */
static void
sign(const struct tpeer *p, const uint8_t sk[KEYS_SIGN_SK_LEN])
{
	struct json_object *v;
	char b64[KEYS_SIG_B64_LEN], body[256];
	const char *text;

	OK(admin("GET", NULL, "/admin/peers/%s/statement", p->id), 200);
	text = jstr(R.body, "proposed");
	ck_assert(json_object_object_get_ex(R.body, "version", &v));
	statement_sign(b64, text, strlen(text), sk);
	snprintf(body, sizeof(body), "{\"version\":%lld,\"signature\":\"%s\"}",
	         (long long)json_object_get_int64(v), b64);
	OK(admin("PUT", body, "/admin/peers/%s/signature", p->id), 200);
}

/*
 * GET /peer/config as p twice (built, then kept) and the admin preview:
 * all three byte for byte what the per-peer builder makes now. Returns
 * the text (caller frees).
 */
static char *
config_matches(const struct tpeer *p)
{
	char *want = per_peer_config(p->id), *got;

	OK(as_peer(p, "GET", NULL, "/peer/config"), 200);
	ck_assert_str_eq(R.text, want);
	ck_assert_int_eq(kept_rows(p->id), 1);
	OK(as_peer(p, "GET", NULL, "/peer/config"), 200);
	ck_assert_str_eq(R.text, want);
	got = strdup(R.text);
	OK(admin("GET", NULL, "/admin/peers/%s/config", p->id), 200);
	ck_assert_str_eq(R.text, want);
	free(want);
	return got;
}

/* A mesh with IPv4 and IPv6, routed networks, NAT peers (two of them
 * paired: a warning), a pending peer, signatures: every field a config
 * has. a is paired with everyone accepted. */
static void
rich_mesh(struct tpeer *a, struct tpeer *b, struct tpeer *c, struct tpeer *d,
          struct tpeer *pend, uint8_t sk[KEYS_SIGN_SK_LEN])
{
	uint8_t pk[KEYS_LEN];
	char pkb64[KEYS_B64_LEN], body[256];

	keys_sign_keypair(pk, sk);
	keys_b64_encode(pkb64, sizeof(pkb64), pk, sizeof(pk));
	snprintf(body, sizeof(body), "{\"signing_key\":\"%s\",\"ipv6_pool\":\"fd77::/64\","
	         "\"mtu\":1400,\"dns\":[\"10.77.0.1\"]}", pkb64);
	OK(admin("PUT", body, "/admin/network"), 200);
	join(a, "a", NULL, 1);
	join(b, "b", "192.0.2.2:51820", 0);
	OK(admin("POST", "{\"networks\":[\"192.168.50.0/24\",\"10.9.0.0/16\"]}",
	         "/admin/peers/%s/accept", b->id), 200);
	join(c, "c", NULL, 1);
	join(d, "d", "[2001:db8::4]:51820", 1);
	join(pend, "pend", "192.0.2.9:51820", 0);
	pair(a, b);
	pair(a, c);
	pair(a, d);
	pair(b, c);
	sign(b, sk);
	sign(d, sk);
}

START_TEST(builder_same_as_per_peer)
{
	struct tpeer a, b, c, d, pend;
	uint8_t sk[KEYS_SIGN_SK_LEN];
	struct tpeer *all[] = { &a, &b, &c, &d };

	rich_mesh(&a, &b, &c, &d, &pend, sk);
	for (size_t i = 0; i < 4; i++)
		free(config_matches(all[i]));
	/* What the fields hold, so "same as before" is not "same nothing". */
	OK(as_peer(&a, "GET", NULL, "/peer/config"), 200);
	ck_assert_uint_eq(json_object_array_length(json_object_object_get(R.body, "peers")), 3);
	ck_assert_ptr_nonnull(strstr(R.text, "192.168.50.0/24\",\"10.9.0.0/16"));
	ck_assert_ptr_nonnull(strstr(R.text, "fd77::"));
	ck_assert_ptr_nonnull(strstr(R.text, "[2001:db8::4]:51820"));
	ck_assert_ptr_nonnull(strstr(R.text, "both behind NAT"));
	ck_assert_ptr_null(strstr(R.text, pend.id));
}
END_TEST


/* The text writer against json-c, on strings no API route lets in today
 * (quotes, backslashes, slashes, control characters, UTF-8) and on empty
 * and odd shapes: what it writes parses, every string comes back as it
 * went in, and json-c spells the parse exactly as the writer did. */
START_TEST(text_writer_same_as_json_c)
{
	static const char *const names[] = {
		"plain", "q\"uote", "back\\slash", "sl/ash", "tab\tnl\ncr\rbs\bff\f",
		"\x01\x1f\x7f", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "",
	};
	struct network net;
	struct peer self;
	struct links links = { NULL, 0 };
	struct revocation_list revs = { NULL, 0 };
	size_t n = sizeof(names) / sizeof(names[0]);

	memset(&net, 0, sizeof(net));
	snprintf(net.ipv4_pool, sizeof(net.ipv4_pool), "10.77.0.0/24");
	snprintf(net.ipv6_pool, sizeof(net.ipv6_pool), "fd77::/64");
	snprintf(net.dns, sizeof(net.dns), "[ \"10.77.0.1\", \"fd77::1\" ]");
	net.keepalive = 25;
	for (int shape = 0; shape < 4; shape++) {
		struct json_object *conf, *peers;
		char *text;

		memset(&self, 0, sizeof(self));
		snprintf(self.id, sizeof(self.id), "00000000000000aa");
		snprintf(self.name, sizeof(self.name), "%s", names[shape]);
		self.keepalive = shape == 1 ? 0 : -1;
		self.revision = 42 + shape;
		if (shape != 3)
			snprintf(self.addr4, sizeof(self.addr4), "10.77.0.1");
		if (shape == 0 || shape == 3)
			snprintf(self.addr6, sizeof(self.addr6), "fd77::1");
		if (shape == 2) {
			snprintf(self.endpoint, sizeof(self.endpoint), "192.0.2.1:51820");
			self.listen_port = 51820;
			net.mtu = 1400;
			snprintf(net.dns, sizeof(net.dns), "not json");
		}
		links.n = shape == 3 ? 0 : n;
		links.v = calloc(n, sizeof(*links.v));
		for (size_t i = 0; i < links.n; i++) {
			struct peer *o = &links.v[i].other;
			snprintf(o->id, sizeof(o->id), "%016zx", i);
			snprintf(o->name, sizeof(o->name), "%s", names[i]);
			snprintf(o->public_key, sizeof(o->public_key), "key%zu/+=", i);
			if (i % 2)
				snprintf(o->endpoint, sizeof(o->endpoint), "[2001:db8::%zu]:51820", i);
			if (i % 3)
				snprintf(o->addr4, sizeof(o->addr4), "10.77.0.%zu", i + 2);
			if (i % 4 == 0)
				snprintf(o->addr6, sizeof(o->addr6), "fd77::%zu", i + 2);
			if (i % 2 == 0)
				ck_assert_int_eq(rows_strlist_add(&o->networks, "192.168.0.0/24"), 0);
			if (i == 4)
				ck_assert_int_eq(rows_strlist_add(&o->networks, "2001:db8:1::/48"), 0);
			if (i % 3 == 1) {
				o->statement = strdup(names[i]);
				memset(o->statement_sig, (int)i, sizeof(o->statement_sig));
			}
			if (i != 5) {
				memset(links.v[i].box, (int)(i + 1), sizeof(links.v[i].box));
				links.v[i].boxlen = KEYS_SEALED_LEN;
			}
		}
		if (shape == 1) {
			self.statement = strdup("self \"statement\"\n");
			memset(self.statement_sig, 7, sizeof(self.statement_sig));
		}
		revs.n = shape == 3 ? 0 : 3;
		revs.v = calloc(3, sizeof(*revs.v));
		for (size_t i = 0; i < revs.n; i++) {
			snprintf(revs.v[i].text, sizeof(revs.v[i].text), "revoke %zu %s", i, names[i]);
			memset(revs.v[i].sig, (int)i + 1, sizeof(revs.v[i].sig));
			revs.v[i].has_sig = i != 1;
		}
		text = write_config(&self, &net, &links, &revs);
		rows_revocation_list_free(&revs);
		ck_assert_ptr_nonnull(conf = json_tokener_parse(text));
		ck_assert_str_eq(text, json_object_to_json_string_ext(conf, HTTP_JSON_FLAGS));
		ck_assert(json_object_object_get_ex(conf, "peers", &peers));
		ck_assert_uint_eq(json_object_array_length(peers), links.n);
		for (size_t i = 0; i < links.n; i++)
			ck_assert_str_eq(json_object_get_string(json_object_object_get(
			                 json_object_array_get_idx(peers, i), "name")), names[i]);
		if (shape == 1)
			ck_assert_str_eq(json_object_get_string(json_object_object_get(
			                 json_object_object_get(conf, "statement"), "text")),
			                 self.statement);
		ck_assert_int_eq(json_object_get_int64(json_object_object_get(conf, "revision")),
		                 42 + shape);
		rows_peer_free(&self);
		free(text);
		json_object_put(conf);
		links.n = n;
		links_free(&links);
	}
}
END_TEST

/*
 * Every kind of change to any input of a's config gives a's next fetch a
 * new body, equal to a fresh per-peer build; the kept body of the old
 * revision is never sent again.
 */
START_TEST(kept_config_follows_every_change)
{
	struct tpeer a, b, c, d, pend, e;
	uint8_t sk[KEYS_SIGN_SK_LEN];
	char *prev, *now;
	const struct {
		const char *method, *fmt, *body;
		int who, status;        /* who: the path's peer, 0 = none */
	} changes[] = {
		{ "PATCH", "/admin/peers/%s", "{\"endpoint\":\"192.0.2.22:51821\"}", 'b', 200 },
		{ "PATCH", "/admin/peers/%s", "{\"networks\":[\"192.168.51.0/24\"]}", 'b', 200 },
		{ "PATCH", "/admin/peers/%s", "{\"name\":\"bee\"}", 'b', 200 },
		/* The default keepalive while a (behind NAT) has none of its own:
		 * once it has, the default is no input of its config. */
		{ "PUT", "/admin/network", "{\"keepalive\":33}", 0, 200 },
		{ "PATCH", "/admin/peers/%s", "{\"keepalive\":7}", 'a', 200 },
		{ "PATCH", "/admin/peers/%s", "{\"address\":\"10.77.0.99\"}", 'c', 200 },
		{ "PATCH", "/admin/peers/%s", "{\"listen_port\":51999}", 'a', 200 },
		{ "PUT", "/admin/network", "{\"mtu\":1380}", 0, 200 },
		{ "PUT", "/admin/network", "{\"dns\":[\"10.77.0.2\"]}", 0, 200 },
		{ "PUT", "/admin/pairs/%s/%s", NULL, 'e', 201 },
		{ "DELETE", "/admin/pairs/%s/%s", NULL, 'e', 204 },
		{ "DELETE", "/admin/peers/%s", NULL, 'd', 204 },
	};

	rich_mesh(&a, &b, &c, &d, &pend, sk);
	join(&e, "e", "192.0.2.5:51820", 1);
	prev = config_matches(&a);
	for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
		const struct tpeer *who = changes[i].who == 'a' ? &a : changes[i].who == 'b' ? &b :
		                          changes[i].who == 'c' ? &c : changes[i].who == 'd' ? &d :
		                          changes[i].who == 'e' ? &e : NULL;
		if (changes[i].who == 'e')
			OK(admin(changes[i].method, changes[i].body, changes[i].fmt, a.id, e.id),
			   changes[i].status);
		else if (who != NULL)
			OK(admin(changes[i].method, changes[i].body, changes[i].fmt, who->id),
			   changes[i].status);
		else
			OK(admin(changes[i].method, changes[i].body, "%s", changes[i].fmt),
			   changes[i].status);
		now = config_matches(&a);
		ck_assert_msg(strcmp(prev, now) != 0, "change %zu (%s %s) left a's config as it was",
		              i, changes[i].method, changes[i].fmt);
		free(prev);
		prev = now;
	}
	/* A new signed statement of a partner. */
	sign(&b, sk);
	now = config_matches(&a);
	ck_assert_str_ne(prev, now);
	free(prev);
	prev = now;
	/* A peer's own endpoint, through its own route. */
	OK(as_peer(&c, "PUT", "{\"endpoint\":\"198.51.100.3:51820\"}", "/peer/endpoint"), 200);
	now = config_matches(&a);
	ck_assert_str_ne(prev, now);
	free(prev);
	prev = now;

	/* A kept body of another shape (an older program's) is not sent: it
	 * is rebuilt, and kept anew. */
	exec_sql("UPDATE config_cache SET format = format + 1, body = CAST('{}' AS BLOB)");
	now = config_matches(&a);
	ck_assert_str_eq(prev, now);
	free(now);
	/* Nor is one of an older revision, whatever it holds. */
	exec_sql("UPDATE config_cache SET revision = revision - 1, body = CAST('{}' AS BLOB)");
	now = config_matches(&a);
	ck_assert_str_eq(prev, now);
	free(now);
	free(prev);
	/* Deleting a peer drops its kept body with it. */
	ck_assert_int_eq(kept_rows(c.id), 0);
	OK(as_peer(&c, "GET", NULL, "/peer/config"), 200);
	ck_assert_int_eq(kept_rows(c.id), 1);
	OK(admin("DELETE", NULL, "/admin/peers/%s", c.id), 204);
	ck_assert_int_eq(kept_rows(c.id), 0);
}
END_TEST

/* An unchanged config is 304 on its ETag, kept or not, and a kept body is
 * never sent under another revision's ETag. */
START_TEST(kept_config_etag)
{
	struct tpeer a, b, c, d, pend;
	uint8_t sk[KEYS_SIGN_SK_LEN];
	char etag[64], inm[80], auth[200];
	struct request rq;

	rich_mesh(&a, &b, &c, &d, &pend, sk);
	OK(as_peer(&a, "GET", NULL, "/peer/config"), 200);
	snprintf(etag, sizeof(etag), "%s", R.etag);
	ck_assert_int_eq(etag[0], 'r');
	ck_assert_int_eq(atoll(etag + 1), json_object_get_int64(json_object_object_get(R.body,
	                 "revision")));
	snprintf(inm, sizeof(inm), "\"%s\"", etag);
	snprintf(auth, sizeof(auth), "Bearer %s", a.token);
	memset(&rq, 0, sizeof(rq));
	rq.method = "GET";
	rq.path = API_PREFIX "/peer/config";
	rq.authorization = auth;
	rq.if_none_match = inm;
	http_response_free(&R);
	api_handle(&rq, &R);
	ck_assert_int_eq(R.status, 304);
	ck_assert_ptr_null(R.text);
	ck_assert_ptr_null(R.body);
	ck_assert_str_eq(R.etag, etag);
	/* A change: the old ETag gets the new body, whose revision is the
	 * new ETag's. */
	pair(&b, &d);
	OK(as_peer(&b, "GET", NULL, "/peer/config"), 200);
	http_response_free(&R);
	api_handle(&rq, &R);
	ck_assert_int_eq(R.status, 304);        /* a's view did not change */
	OK(admin("PATCH", "{\"name\":\"bb\"}", "/admin/peers/%s", b.id), 200);
	http_response_free(&R);
	api_handle(&rq, &R);
	ck_assert_int_eq(R.status, 200);
	ck_assert_str_ne(R.etag, etag);
	R.body = json_tokener_parse(R.text);
	ck_assert_int_eq(atoll(R.etag + 1), json_object_get_int64(json_object_object_get(R.body,
	                 "revision")));
	ck_assert_ptr_nonnull(strstr(R.text, "\"bb\""));
}
END_TEST


/* Walks GET /admin/peers (or pairs) page by page from base (a path with
 * its query, ending in '?' or '&'), calling between pages; each page's
 * rows go through seen(). Returns the pages walked. */
typedef void walk_fn(struct json_object *row, void *ctx);

static int
walk(const char *base, const char *key, size_t limit, walk_fn *seen, void *ctx,
     void (*between)(void *), void *bctx)
{
	char cursor[128] = "";
	int pages = 0;

	for (;;) {
		struct json_object *rows, *next;
		if (cursor[0] != '\0')
			OK(admin("GET", NULL, "%slimit=%zu&cursor=%s", base, limit, cursor), 200);
		else
			OK(admin("GET", NULL, "%slimit=%zu", base, limit), 200);
		pages++;
		ck_assert(json_object_object_get_ex(R.body, key, &rows));
		ck_assert_uint_le(json_object_array_length(rows), limit);
		for (size_t i = 0; i < json_object_array_length(rows); i++)
			seen(json_object_array_get_idx(rows, i), ctx);
		ck_assert(json_object_object_get_ex(R.body, "next_cursor", &next));
		if (next == NULL)
			break;
		/* A cursor comes only after a full page. */
		ck_assert_uint_eq(json_object_array_length(rows), limit);
		snprintf(cursor, sizeof(cursor), "%s", json_object_get_string(next));
		if (between != NULL)
			between(bctx);
	}
	return pages;
}

#define NPEERS 23

struct tally {
	char ids[4 * NPEERS][PEER_ID_LEN];
	int times[4 * NPEERS];
	size_t n;
};

static void
count_peer(struct json_object *row, void *ctx)
{
	struct tally *t = ctx;
	const char *id = jstr(row, "id");
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->ids[i], id) == 0)
			break;
	if (i == t->n) {
		ck_assert_uint_lt(t->n, 4 * NPEERS);
		snprintf(t->ids[t->n++], PEER_ID_LEN, "%s", id);
	}
	t->times[i]++;
}

/* Another admin works between two pages: a peer registers (every other
 * one accepted), and the one that registered before it is deleted. */
static int inserted;

static void
insert_one(void *ctx)
{
	struct tpeer *p = ctx;
	char name[32], gone[PEER_ID_LEN];

	snprintf(gone, sizeof(gone), "%s", p->id);
	snprintf(name, sizeof(name), "late%d", inserted++);
	join(p, name, NULL, inserted % 2);
	if (inserted > 1)
		OK(admin("DELETE", NULL, "/admin/peers/%s", gone), 204);
}

/* The created_at of every peer is the same second in a fast test: the
 * keyset's tie-break on id is what is tested, so spread some out too. */
START_TEST(peer_pages_walk_everyone_once)
{
	struct tpeer p[NPEERS], late;
	struct tally t;
	int pages;

	for (int i = 0; i < NPEERS; i++) {
		char name[16];
		snprintf(name, sizeof(name), "peer%02d", i);
		join(&p[i], name, i % 3 ? "192.0.2.1:51820" : NULL, i % 4 != 0);
	}
	exec_sql("UPDATE peers SET created_at = created_at - (rowid % 3)");
	/* Pages of 5: every peer once, in the order of the unpaged list. */
	memset(&t, 0, sizeof(t));
	pages = walk("/admin/peers?", "peers", 5, count_peer, &t, NULL, NULL);
	ck_assert_int_eq(pages, (NPEERS + 4) / 5);
	ck_assert_uint_eq(t.n, NPEERS);
	for (size_t i = 0; i < t.n; i++)
		ck_assert_int_eq(t.times[i], 1);
	/* Under inserts and deletes between pages: each peer that was there
	 * throughout is seen once, none twice. */
	memset(&t, 0, sizeof(t));
	inserted = 0;
	walk("/admin/peers?", "peers", 4, count_peer, &t, insert_one, &late);
	ck_assert_int_gt(inserted, 4);
	ck_assert_uint_ge(t.n, NPEERS);
	for (size_t i = 0; i < t.n; i++)
		ck_assert_msg(t.times[i] == 1, "peer %s seen %d times", t.ids[i], t.times[i]);
	for (int i = 0; i < NPEERS; i++) {
		size_t j;
		for (j = 0; j < t.n && strcmp(t.ids[j], p[i].id) != 0; j++)
			;
		ck_assert_msg(j < t.n, "peer %s was missed", p[i].id);
	}
	/* Filters page too: only pending ones, each once. */
	memset(&t, 0, sizeof(t));
	walk("/admin/peers?state=pending&", "peers", 2, count_peer, &t, NULL, NULL);
	ck_assert_uint_eq(t.n, (NPEERS + 3) / 4 + (inserted % 2 ? 0 : 1));
	/* The default page is 100; the largest 1000. */
	OK(admin("GET", NULL, "/admin/peers"), 200);
	ck_assert_uint_eq(json_object_array_length(json_object_object_get(R.body, "peers")),
	                  NPEERS + 1);
	ck_assert_ptr_null(json_object_object_get(R.body, "next_cursor"));
	ck_assert(json_object_object_get_ex(R.body, "next_cursor", NULL));
	OK(admin("GET", NULL, "/admin/peers?limit=1000"), 200);
}
END_TEST

START_TEST(peer_search)
{
	struct tpeer a, b, c;
	struct json_object *peers;

	join(&a, "web-1", NULL, 1);
	join(&b, "Web-2", NULL, 1);
	join(&c, "db", NULL, 0);
	OK(admin("GET", NULL, "/admin/peers?q=WEB"), 200);
	peers = json_object_object_get(R.body, "peers");
	ck_assert_uint_eq(json_object_array_length(peers), 2);
	ck_assert(strcmp(jstr(json_object_array_get_idx(peers, 0), "id"), a.id) == 0 ||
	          strcmp(jstr(json_object_array_get_idx(peers, 1), "id"), a.id) == 0);
	/* An address substring: b's (the second from the pool). */
	OK(admin("GET", NULL, "/admin/peers?q=10.77.0.2"), 200);
	peers = json_object_object_get(R.body, "peers");
	ck_assert_uint_eq(json_object_array_length(peers), 1);
	ck_assert_str_eq(jstr(json_object_array_get_idx(peers, 0), "id"), b.id);
	OK(admin("GET", NULL, "/admin/peers?q=db&state=accepted"), 200);
	ck_assert_uint_eq(json_object_array_length(json_object_object_get(R.body, "peers")), 0);
	OK(admin("GET", NULL, "/admin/peers?q=db&state=pending"), 200);
	ck_assert_uint_eq(json_object_array_length(json_object_object_get(R.body, "peers")), 1);
	/* Wildcards are plain characters: nothing matches "%". */
	OK(admin("GET", NULL, "/admin/peers?q=_"), 200);
	ck_assert_uint_eq(json_object_array_length(json_object_object_get(R.body, "peers")), 0);
}
END_TEST

static void
count_pair(struct json_object *row, void *ctx)
{
	struct tally *t = ctx;
	char key[2 * PEER_ID_LEN + 1];
	size_t i;

	snprintf(key, sizeof(key), "%s%s", jstr(row, "a"), jstr(row, "b"));
	for (i = 0; i < t->n; i += 2)
		if (memcmp(t->ids[i], key, PEER_ID_LEN - 1) == 0 &&
		    strcmp(t->ids[i + 1], key + PEER_ID_LEN - 1) == 0)
			break;
	if (i >= t->n) {
		ck_assert_uint_lt(t->n + 2, 4 * NPEERS);
		snprintf(t->ids[t->n], PEER_ID_LEN, "%s", jstr(row, "a"));
		snprintf(t->ids[t->n + 1], PEER_ID_LEN, "%s", jstr(row, "b"));
		i = t->n;
		t->n += 2;
	}
	t->times[i]++;
}

START_TEST(pair_pages)
{
	struct tpeer p[7];
	struct tally t;
	size_t npairs = 0;

	for (int i = 0; i < 7; i++) {
		char name[16];
		snprintf(name, sizeof(name), "n%d", i);
		join(&p[i], name, NULL, 1);
	}
	for (int i = 0; i < 7; i++)
		for (int j = i + 1; j < 7; j += 2, npairs++)
			pair(&p[i], &p[j]);
	memset(&t, 0, sizeof(t));
	walk("/admin/pairs?", "pairs", 3, count_pair, &t, NULL, NULL);
	ck_assert_uint_eq(t.n / 2, npairs);
	for (size_t i = 0; i < t.n; i += 2)
		ck_assert_int_eq(t.times[i], 1);
	/* One peer's pairs. */
	OK(admin("GET", NULL, "/admin/pairs?peer=%s", p[0].id), 200);
	ck_assert_uint_eq(json_object_array_length(json_object_object_get(R.body, "pairs")), 3);
	OK(admin("GET", NULL, "/admin/pairs"), 200);
	ck_assert_uint_eq(json_object_array_length(json_object_object_get(R.body, "pairs")), npairs);
}
END_TEST

/* A bad cursor, limit or filter: 400 with a JSON error naming it. */
START_TEST(page_bad_input)
{
	static const struct {
		const char *path, *code;
	} bad[] = {
		{ "/admin/peers?cursor=x", "invalid_cursor" },
		{ "/admin/peers?cursor=12.0123456789abcdeg", "invalid_cursor" },
		{ "/admin/peers?cursor=12.0123456789abcde", "invalid_cursor" },
		{ "/admin/peers?cursor=-1.0123456789abcdef", "invalid_cursor" },
		{ "/admin/peers?cursor=.0123456789abcdef", "invalid_cursor" },
		{ "/admin/peers?cursor=99999999999999999999.0123456789abcdef", "invalid_cursor" },
		{ "/admin/peers?cursor=", "invalid_cursor" },
		{ "/admin/peers?limit=0", "invalid_limit" },
		{ "/admin/peers?limit=1001", "invalid_limit" },
		{ "/admin/peers?limit=ten", "invalid_limit" },
		{ "/admin/peers?q=a%25", "invalid_q" },
		{ "/admin/peers?q=", "invalid_q" },
		{ "/admin/peers?offset=10", "unknown_parameter" },
		{ "/admin/pairs?cursor=0123456789abcdef", "invalid_cursor" },
		{ "/admin/pairs?cursor=0123456789abcdef.x", "invalid_cursor" },
		{ "/admin/pairs?limit=0", "invalid_limit" },
		{ "/admin/pairs?peer=web", "invalid_peer" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		OK(admin("GET", NULL, "%s", bad[i].path), 400);
		ck_assert_msg(strcmp(R.error_code, bad[i].code) == 0, "%s gave %s, want %s",
		              bad[i].path, R.error_code, bad[i].code);
		ck_assert_ptr_nonnull(json_object_object_get(R.body, "error"));
	}
	/* A well-formed cursor past the end: an empty last page. */
	OK(admin("GET", NULL, "/admin/peers?cursor=9999999999.ffffffffffffffff"), 200);
	ck_assert_uint_eq(json_object_array_length(json_object_object_get(R.body, "peers")), 0);
	ck_assert_ptr_null(json_object_object_get(R.body, "next_cursor"));
}
END_TEST

static Suite *
scale_suite(void)
{
	Suite *s = suite_create("scale");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, builder_same_as_per_peer);
	tcase_add_test(tc, text_writer_same_as_json_c);
	tcase_add_test(tc, kept_config_follows_every_change);
	tcase_add_test(tc, kept_config_etag);
	tcase_add_test(tc, peer_pages_walk_everyone_once);
	tcase_add_test(tc, peer_search);
	tcase_add_test(tc, pair_pages);
	tcase_add_test(tc, page_bad_input);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(scale_suite)
