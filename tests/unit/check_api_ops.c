/* SPDX-License-Identifier: MIT */
/*
 * api_ops: the operations routes (link reports and status, metrics, export,
 * import, adopt) through api_handle(), on a fresh SQLite file per test, with
 * the harness in api_harness.h: failures leave every table as it was, and no
 * secret a test sees is stored anywhere.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>

#include "api.h"
#include "api_harness.h"
#include "db.h"
#include "keys.h"
#include "meshconf.h"
#include "unit.h"

/* Bodies and tokens come from tables of printf formats. */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

/* ---------------------------------------------------------------------- */

static void
make_invite(char code[64])
{
	OK(admin("POST", path("/admin/invites"), "{\"uses\":5,\"expires_in\":3600}"), 201);
	snprintf(code, 64, "%s", jstr(R.body, "code"));
	remember_secret(code, strlen(code));
}

/* printf into one of a few rotating buffers (bodies, SQL). */
static const char *
fmt(const char *f, ...)
{
	static char bufs[4][512];
	static int next;
	char *b = bufs[next++ % 4];
	va_list ap;

	va_start(ap, f);
	vsnprintf(b, sizeof(bufs[0]), f, ap);
	va_end(ap);
	return b;
}

/* An invite for the host of imported peer id to adopt it (5 uses). */
static void
make_invite_for(char code[64], const char *id, bool when_closed)
{
	OK(admin("POST", path("/admin/invites"), fmt("{\"uses\":5,\"for_peer\":\"%s\","
	         "\"when_closed\":%s}", id, when_closed ? "true" : "false")), 201);
	ck_assert_str_eq(jstr(R.body, "for_peer"), id);
	snprintf(code, 64, "%s", jstr(R.body, "code"));
	remember_secret(code, strlen(code));
}

/* The id of the peer with public key pub, from the admin's list. */
static void
id_of_key(const char *pub, char id[PEER_ID_LEN])
{
	struct json_object *arr;

	OK(admin("GET", path("/admin/peers"), NULL), 200);
	arr = jget(R.body, "peers");
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *p = json_object_array_get_idx(arr, i);
		if (strcmp(jstr(p, "public_key"), pub) == 0) {
			snprintf(id, PEER_ID_LEN, "%s", jstr(p, "id"));
			return;
		}
	}
	ck_abort_msg("no peer with key %s", pub);
}

/* PUT /peer/links as p with body; the status. */
static int
report(const struct tpeer *p, const char *fmt, ...)
{
	char body[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	return call(NULL, p->token, "PUT", path("/peer/links"), body);
}

/* The entry of GET /admin/links for the pair of x and y. */
static struct json_object *
link_of(struct json_object *links, const struct tpeer *x, const struct tpeer *y)
{
	struct json_object *arr = jget(links, "links");

	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *l = json_object_array_get_idx(arr, i);
		const char *a = jstr(jget(l, "a"), "id"), *b = jstr(jget(l, "b"), "id");
		if ((strcmp(a, x->id) == 0 && strcmp(b, y->id) == 0) ||
		    (strcmp(a, y->id) == 0 && strcmp(b, x->id) == 0))
			return l;
	}
	return NULL;
}

static const char *
status_of(const struct tpeer *x, const struct tpeer *y)
{
	struct json_object *l;

	OK(admin("GET", path("/admin/links"), NULL), 200);
	ck_assert_ptr_nonnull(l = link_of(R.body, x, y));
	return jstr(l, "status");
}

START_TEST(links)
{
	struct tpeer a, b, c;
	char tag[64], tag2[64];
	int64_t now = store_now(), audits;
	struct json_object *l, *side;

	member(&a, "a", "198.51.100.1:51820");
	member(&b, "b", "198.51.100.2:51820");
	member(&c, "c", NULL);
	pair(&a, &b);
	pair(&a, &c);

	OK(admin("GET", path("/admin/links"), NULL), 200);
	jarr(R.body, "links", 2);
	ck_assert_int_eq(jint(R.body, "stale_after"), 180);
	ck_assert_str_eq(status_of(&a, &b), "never");
	l = link_of(R.body, &a, &b);
	ck_assert(json_object_get_boolean(jget(l, "expected")));
	jnull(l, "latest_handshake");
	jnull(jget(l, "a"), "reported_at");

	/* A report is neither a config change nor an audit event. */
	etag(&a, tag);
	audits = count("SELECT count(*) FROM audit");
	OK(report(&a, "{\"links\":[{\"peer\":\"%s\",\"latest_handshake\":0,\"rx\":0,\"tx\":0},"
	              "{\"peer\":\"%s\",\"latest_handshake\":%lld,\"rx\":1234,\"tx\":5678}]}",
	          c.id, b.id, (long long)now - 5), 204);
	ck_assert_ptr_null(R.body);
	etag(&a, tag2);
	ck_assert_str_eq(tag, tag2);
	ck_assert_int_eq(count("SELECT count(*) FROM audit"), audits);
	ck_assert_int_eq(count("SELECT count(*) FROM link_reports"), 2);

	ck_assert_str_eq(status_of(&a, &b), "up");
	l = link_of(R.body, &a, &b);
	side = strcmp(jstr(jget(l, "a"), "id"), a.id) == 0 ? jget(l, "a") : jget(l, "b");
	ck_assert_int_eq(jint(side, "rx"), 1234);
	ck_assert_int_eq(jint(side, "tx"), 5678);
	ck_assert_str_eq(jstr(side, "name"), "a");
	ck_assert_str_eq(status_of(&a, &c), "never");

	/* The latest report wins; the other side's view counts too. */
	OK(report(&a, "{\"links\":[{\"peer\":\"%s\",\"latest_handshake\":%lld,\"rx\":1,\"tx\":2}]}",
	          b.id, (long long)now - 1000), 204);
	ck_assert_str_eq(status_of(&a, &b), "stale");
	OK(report(&c, "{\"links\":[{\"peer\":\"%s\",\"latest_handshake\":%lld,\"rx\":1,\"tx\":2}]}",
	          a.id, (long long)now - 3), 204);
	ck_assert_str_eq(status_of(&a, &c), "up");
	ck_assert_int_eq(count("SELECT count(*) FROM link_reports"), 3);

	/* The threshold comes from the environment. */
	setenv("WGCONFSRV_LINK_STALE_SECONDS", "2", 1);
	ck_assert_str_eq(status_of(&a, &c), "stale");
	ck_assert_int_eq(jint(R.body, "stale_after"), 2);
	unsetenv("WGCONFSRV_LINK_STALE_SECONDS");

	/* Strict: only paired peers, each once, well-formed, bounded. */
	PEER_FAILS(409, "not_paired", b.token, "PUT", path("/peer/links"), "{\"links\":"
	           "[{\"peer\":\"0000000000000000\",\"latest_handshake\":0,\"rx\":0,\"tx\":0}]}");
	ck_assert_ptr_nonnull(strstr(R.error_message, "0000000000000000"));
	{
		char body[512];
		snprintf(body, sizeof(body), "{\"links\":[{\"peer\":\"%s\",\"latest_handshake\":0,"
		         "\"rx\":0,\"tx\":0}]}", c.id);
		PEER_FAILS(409, "not_paired", b.token, "PUT", path("/peer/links"), body);
		snprintf(body, sizeof(body), "{\"links\":[{\"peer\":\"%s\",\"latest_handshake\":0,"
		         "\"rx\":0,\"tx\":0},{\"peer\":\"%s\",\"latest_handshake\":0,\"rx\":0,"
		         "\"tx\":0}]}", b.id, b.id);
		PEER_FAILS(400, "invalid_links", a.token, "PUT", path("/peer/links"), body);
		snprintf(body, sizeof(body), "{\"links\":[{\"peer\":\"%s\",\"latest_handshake\":0,"
		         "\"rx\":-1,\"tx\":0}]}", b.id);
		PEER_FAILS(400, "invalid_links", a.token, "PUT", path("/peer/links"), body);
		snprintf(body, sizeof(body), "{\"links\":[{\"peer\":\"%s\",\"latest_handshake\":0,"
		         "\"rx\":0,\"tx\":0,\"psk\":\"x\"}]}", b.id);
		PEER_FAILS(400, "unknown_field", a.token, "PUT", path("/peer/links"), body);
		snprintf(body, sizeof(body), "{\"links\":[{\"peer\":\"%s\",\"latest_handshake\":"
		         "\"now\",\"rx\":0,\"tx\":0}]}", b.id);
		PEER_FAILS(400, "invalid_links", a.token, "PUT", path("/peer/links"), body);
		snprintf(body, sizeof(body), "{\"links\":[{\"peer\":\"%s\",\"latest_handshake\":"
		         "%lld,\"rx\":0,\"tx\":0}]}", b.id, (long long)now + 999999);
		PEER_FAILS(400, "invalid_links", a.token, "PUT", path("/peer/links"), body);
	}
	PEER_FAILS(400, "invalid_links", a.token, "PUT", path("/peer/links"), "{\"links\":{}}");
	PEER_FAILS(400, "invalid_links", a.token, "PUT", path("/peer/links"), "{\"links\":[1]}");
	PEER_FAILS(400, "unknown_field", a.token, "PUT", path("/peer/links"), "{\"link\":[]}");
	PEER_FAILS(401, "unauthorized", NULL, "PUT", path("/peer/links"), "{\"links\":[]}");
	ADMIN_FAILS(401, "unauthorized", "PUT", path("/peer/links"), "{\"links\":[]}");
	{
		size_t cap = 1100 * 24 + 64, len;
		char *big = malloc(cap);
		ck_assert_ptr_nonnull(big);
		len = (size_t)snprintf(big, cap, "{\"links\":[");
		for (int i = 0; i < 1025; i++)
			len += (size_t)snprintf(big + len, cap - len, "%s1", i ? "," : "");
		snprintf(big + len, cap - len, "]}");
		PEER_FAILS(400, "invalid_links", a.token, "PUT", path("/peer/links"), big);
		ck_assert_ptr_nonnull(strstr(R.error_message, "1024"));
		free(big);
	}
	OK(report(&a, "{\"links\":[]}"), 204);

	/* Unpairing drops the reports about that pair, and only those. */
	OK(admin("DELETE", path("/admin/pairs/%s/%s", a.id, b.id), NULL), 204);
	ck_assert_int_eq(count("SELECT count(*) FROM link_reports"), 2);
	OK(admin("GET", path("/admin/links"), NULL), 200);
	jarr(R.body, "links", 1);
}
END_TEST

/* The value of the sample line that starts with prefix ("name{...} "), or -1. */
static long long
metric(const char *text, const char *prefix)
{
	const char *p = text;
	size_t n = strlen(prefix);

	while ((p = strstr(p, prefix)) != NULL) {
		if (p == text || p[-1] == '\n')
			return strtoll(p + n, NULL, 10);
		p += n;
	}
	return -1;
}

START_TEST(metrics)
{
	struct tpeer a, b, c;
	int64_t now = store_now();
	char *text;

	member(&a, "a", "198.51.100.1:51820");
	member(&b, "b", "198.51.100.2:51820");
	reg(&c, "c", NULL);
	pair(&a, &b);
	OK(config(&a), 200);
	OK(report(&a, "{\"links\":[{\"peer\":\"%s\",\"latest_handshake\":%lld,\"rx\":1,\"tx\":2}]}",
	          b.id, (long long)now - 5), 204);
	ADMIN_FAILS(404, "not_found", "GET", path("/admin/metric"), NULL);
	OK(admin("GET", path("/admin/metrics"), NULL), 200);
	ck_assert_ptr_null(R.body);
	ck_assert_ptr_nonnull(R.text);
	ck_assert_str_eq(R.text_type, "text/plain; version=0.0.4; charset=utf-8");
	text = R.text;
	ck_assert_int_eq(metric(text, "wgconf_peers{state=\"pending\"} "), 1);
	ck_assert_int_eq(metric(text, "wgconf_peers{state=\"accepted\"} "), 2);
	ck_assert_int_eq(metric(text, "wgconf_pending_peers "), 1);
	ck_assert_int_eq(metric(text, "wgconf_pairs "), 1);
	ck_assert_int_eq(metric(text, "wgconf_links{status=\"up\"} "), 1);
	ck_assert_int_eq(metric(text, "wgconf_links{status=\"never\"} "), 0);
	ck_assert_int_ge(metric(text, "wgconf_database_bytes "), 4096);
	ck_assert_ptr_nonnull(strstr(text, "# TYPE wgconf_http_requests_total counter\n"));
	ck_assert_ptr_nonnull(strstr(text, "wgconf_peer_last_config_fetch_age_seconds{peer=\""));
	ck_assert_ptr_nonnull(strstr(text, "route=\"PUT /peer/links\""));
	ck_assert_int_eq(text[strlen(text) - 1], '\n');
	/* An error is JSON, as anywhere else. */
	ADMIN_FAILS(400, "unknown_parameter", "GET", path("/admin/metrics?x=1"), NULL);
	ck_assert_ptr_null(R.text);
}
END_TEST

/* An import body of n peers (keys from ps) with addresses 10.77.0.(10+i). */
static char *
import_body(struct tpeer *ps, size_t n, const char *pairs)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fprintf(f, "{\"peers\":[");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s{\"name\":\"imp%zu\",\"public_key\":\"%s\",\"addresses\":[\"10.77.0.%zu\"],"
		        "\"networks\":%s,\"endpoint\":%s,\"listen_port\":%d}", i ? "," : "", i,
		        ps[i].pub, 10 + i, i == 2 ? "[\"192.168.60.0/24\"]" : "[]",
		        i == 1 ? "null" : "\"198.51.100.9:51820\"", 51820 + (int)i);
	fprintf(f, "],\"pairs\":%s}", pairs);
	fclose(f);
	return buf;
}

/*
 * Adoption is bound to the peer (issue 21): an invite made for ps[0]
 * (code gets it) adopts nothing else, is no invite for a new peer, and
 * while registration is closed works only when made with when_closed.
 * Invites for a peer that is no imported one waiting are refused.
 */
static void
adopt_bound_to_peer(struct tpeer ps[3], const struct tpeer *other, char code[64])
{
	char adopt[512], closed[64], reg[512];
	struct tpeer fresh;

	ADMIN_FAILS(404, "peer_not_found", "POST", path("/admin/invites"),
	            "{\"for_peer\":\"0000000000000000\"}");
	ADMIN_FAILS(409, "not_adoptable", "POST", path("/admin/invites"),
	            fmt("{\"for_peer\":\"%s\"}", other->id));
	ADMIN_FAILS(400, "invalid_field", "POST", path("/admin/invites"), "{\"when_closed\":true}");
	ADMIN_FAILS(400, "invalid_field", "POST", path("/admin/invites"),
	            fmt("{\"for_peer\":\"%s\",\"when_closed\":1}", ps[0].id));
	make_invite_for(code, ps[0].id, false);
	/* Made for ps[0]: ps[1]'s key gets nothing with it. */
	snprintf(adopt, sizeof(adopt), "{\"public_key\":\"%s\",\"invite\":\"%s\"}", ps[1].pub, code);
	ANON_FAILS(403, "invite_not_for_peer", "POST", path("/adopt"), adopt);
	/* Nor is it an invite to register a new peer. */
	new_keys(&fresh);
	snprintf(reg, sizeof(reg), "{\"name\":\"newhost\",\"public_key\":\"%s\",\"endpoint\":null,"
	         "\"invite\":\"%s\"}", fresh.pub, code);
	ANON_FAILS(403, "invite_for_adoption", "POST", path("/register"), reg);
	/* Registration closed: only an invite made to work then adopts. */
	OK(admin("PUT", path("/admin/network"), "{\"registration\":\"closed\"}"), 200);
	snprintf(adopt, sizeof(adopt), "{\"public_key\":\"%s\",\"invite\":\"%s\"}", ps[0].pub, code);
	ANON_FAILS(403, "registration_closed", "POST", path("/adopt"), adopt);
	make_invite_for(closed, ps[1].id, true);
	snprintf(adopt, sizeof(adopt), "{\"public_key\":\"%s\",\"invite\":\"%s\"}", ps[1].pub, closed);
	OK(call(NULL, NULL, "POST", path("/adopt"), adopt), 200);
	ck_assert_str_eq(jstr(R.body, "id"), ps[1].id);
	OK(admin("PUT", path("/admin/network"), "{\"registration\":\"open\"}"), 200);
	OK(admin("GET", path("/admin/invites"), NULL), 200);
	ck_assert_int_eq(count(fmt("SELECT count(*) FROM invites WHERE for_peer = '%s'"
	                            " AND when_closed = 0", ps[0].id)), 1);
}

START_TEST(import_export_adopt)
{
	struct tpeer ps[3], other;
	char pairs[512], code[64], *body, *exp1;
	struct json_object *arr, *p;
	uint8_t box[KEYS_SEALED_LEN + 8], raw[KEYS_LEN];
	char secret[KEYS_TOKEN_LEN], adopt[512];
	size_t len;

	for (size_t i = 0; i < 3; i++)
		new_keys(&ps[i]);
	snprintf(pairs, sizeof(pairs), "[[\"%s\",\"%s\"],[\"%s\",\"%s\"]]", ps[0].pub, ps[1].pub,
	         ps[2].pub, ps[0].pub);
	member(&other, "other", "198.51.100.20:51820");

	/* All or nothing: a pair naming a key not in the import, a taken
	 * address, an overlapping network, a known key: nothing is written. */
	{
		char bad[512];
		snprintf(bad, sizeof(bad), "[[\"%s\",\"%s\"]]", ps[0].pub, other.pub);
		body = import_body(ps, 3, bad);
		ADMIN_FAILS(400, "invalid_import", "POST", path("/admin/import"), body);
		free(body);
		snprintf(bad, sizeof(bad), "[[\"%s\",\"%s\"],[\"%s\",\"%s\"]]", ps[0].pub, ps[1].pub,
		         ps[1].pub, ps[0].pub);
		body = import_body(ps, 3, bad);
		ADMIN_FAILS(400, "invalid_import", "POST", path("/admin/import"), body);
		free(body);
	}
	OK(admin("PATCH", path("/admin/peers/%s", other.id), "{\"address\":\"10.77.0.11\"}"), 200);
	body = import_body(ps, 3, pairs);
	ADMIN_FAILS(409, "address_taken", "POST", path("/admin/import"), body);
	ck_assert_ptr_nonnull(strstr(R.error_message, "10.77.0.11"));
	OK(admin("PATCH", path("/admin/peers/%s", other.id), "{\"address\":\"10.77.0.50\","
	         "\"networks\":[\"192.168.60.0/25\"]}"), 200);
	ADMIN_FAILS(409, "network_overlap", "POST", path("/admin/import"), body);
	OK(admin("PATCH", path("/admin/peers/%s", other.id), "{\"networks\":[]}"), 200);
	memcpy(&ps[2], &other, sizeof(other));
	free(body);
	body = import_body(ps, 3, "[]");
	ADMIN_FAILS(409, "import_conflict", "POST", path("/admin/import"), body);
	ck_assert_ptr_nonnull(strstr(R.error_message, "imp2 (other)"));
	free(body);
	new_keys(&ps[2]);
	snprintf(pairs, sizeof(pairs), "[[\"%s\",\"%s\"],[\"%s\",\"%s\"]]", ps[0].pub, ps[1].pub,
	         ps[2].pub, ps[0].pub);
	ADMIN_FAILS(400, "invalid_import", "POST", path("/admin/import"), "{\"peers\":[]}");
	body = import_body(ps, 3, "{}");
	ADMIN_FAILS(400, "invalid_import", "POST", path("/admin/import"), body);
	free(body);
	body = import_body(ps, 3, "[[\"x\"]]");
	ADMIN_FAILS(400, "invalid_import", "POST", path("/admin/import"), body);
	free(body);
	ADMIN_FAILS(400, "invalid_import", "POST", path("/admin/import"), "{\"peers\":{}}");
	ADMIN_FAILS(400, "invalid_import", "POST", path("/admin/import"), "{\"peers\":[1]}");
	ADMIN_FAILS(400, "unknown_field", "POST", path("/admin/import"),
	            "{\"peers\":[{\"name\":\"x\",\"public_key\":\"x\",\"private_key\":\"y\"}]}");

	body = import_body(ps, 3, pairs);
	OK(admin("POST", path("/admin/import"), body), 201);
	free(body);
	jarr(R.body, "peers", 3);
	ck_assert_int_eq(jint(R.body, "pairs"), 2);
	for (size_t i = 0; i < 3; i++)
		snprintf(ps[i].id, sizeof(ps[i].id), "%s",
		         jstr(json_object_array_get_idx(jget(R.body, "peers"), i), "id"));
	ck_assert_int_eq(count("SELECT count(*) FROM adoptable"), 3);
	ck_assert_int_eq(count("SELECT count(*) FROM pairs"), 2);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = 'network.import'"), 1);

	/* Export: sorted, no ids, no times, no secrets. */
	OK(admin("GET", path("/admin/export"), NULL), 200);
	exp1 = strdup(json_object_to_json_string_ext(R.body, JSON_C_TO_STRING_PRETTY));
	ck_assert_str_eq(jstr(R.body, "format"), "wgconfsrv-export");
	arr = jarr(R.body, "peers", 4);
	for (size_t i = 1; i < 4; i++)
		ck_assert_int_lt(strcmp(jstr(json_object_array_get_idx(arr, i - 1), "public_key"),
		                        jstr(json_object_array_get_idx(arr, i), "public_key")), 0);
	arr = jarr(R.body, "pairs", 2);
	for (size_t i = 0; i < 2; i++) {
		struct json_object *pr = json_object_array_get_idx(arr, i);
		ck_assert_int_lt(strcmp(jidx_str(pr, 0), jidx_str(pr, 1)), 0);
	}
	ck_assert_ptr_null(strstr(exp1, "\"id\""));
	ck_assert_ptr_null(strstr(exp1, "created_at"));
	ck_assert_ptr_null(strstr(exp1, other.id));
	for (size_t i = 0; i < json_object_array_length(jget(R.body, "peers")); i++) {
		p = json_object_array_get_idx(jget(R.body, "peers"), i);
		if (strcmp(jstr(p, "name"), "imp2") == 0) {
			ck_assert_str_eq(jidx_str(jarr(p, "networks", 1), 0), "192.168.60.0/24");
			ck_assert_str_eq(jidx_str(jarr(p, "addresses", 1), 0), "10.77.0.12");
			ck_assert_int_eq(jint(p, "listen_port"), 51822);
		}
		if (strcmp(jstr(p, "name"), "imp1") == 0)
			jnull(p, "endpoint");
	}
	OK(admin("GET", path("/admin/export"), NULL), 200);
	ck_assert_str_eq(exp1, json_object_to_json_string_ext(R.body, JSON_C_TO_STRING_PRETTY));
	free(exp1);

	/* An imported peer has no usable token until its host adopts it. */
	snprintf(adopt, sizeof(adopt), "{\"public_key\":\"%s\"}", ps[0].pub);
	ANON_FAILS(400, "missing_field", "POST", path("/adopt"), adopt);
	ANON_FAILS(400, "invalid_public_key", "POST", path("/adopt"),
	           "{\"public_key\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\",\"invite\":\"x\"}");
	snprintf(adopt, sizeof(adopt), "{\"public_key\":\"%s\",\"invite\":\"nope\"}", ps[0].pub);
	ANON_FAILS(403, "invite_invalid", "POST", path("/adopt"), adopt);
	/* Any invite and a public key (in every partner's config) is not
	 * enough: the invite must be made for that very peer. */
	make_invite(code);
	snprintf(adopt, sizeof(adopt), "{\"public_key\":\"%s\",\"invite\":\"%s\"}", ps[0].pub, code);
	ANON_FAILS(403, "invite_not_for_peer", "POST", path("/adopt"), adopt);
	adopt_bound_to_peer(ps, &other, code);
	snprintf(adopt, sizeof(adopt), "{\"public_key\":\"%s\",\"invite\":\"%s\"}", other.pub, code);
	ANON_FAILS(409, "already_adopted", "POST", path("/adopt"), adopt);
	new_keys(&other);
	snprintf(adopt, sizeof(adopt), "{\"public_key\":\"%s\",\"invite\":\"%s\"}", other.pub, code);
	ANON_FAILS(404, "not_imported", "POST", path("/adopt"), adopt);

	snprintf(adopt, sizeof(adopt), "{\"public_key\":\"%s\",\"invite\":\"%s\"}", ps[0].pub, code);
	OK(call(NULL, NULL, "POST", path("/adopt"), adopt), 200);
	ck_assert_str_eq(jstr(R.body, "id"), ps[0].id);
	ck_assert_str_eq(jstr(R.body, "name"), "imp0");
	ck_assert_str_eq(jstr(R.body, "state"), "accepted");
	jget(R.body, "token_sealed");
	ck_assert(!json_object_object_get_ex(R.body, "token", NULL));
	ck_assert_int_eq(keys_b64_decode(box, sizeof(box), &len, jstr(R.body, "token_sealed")), 0);
	ck_assert_int_eq(keys_open(raw, box, len, ps[0].pk, ps[0].sk), 0);
	/* Only the private key opens it. */
	ck_assert_int_ne(keys_open(raw + 0, box, len, ps[1].pk, ps[1].sk), 0);
	ck_assert_int_eq(keys_open(raw, box, len, ps[0].pk, ps[0].sk), 0);
	keys_secret_encode(secret, raw);
	remember_secret(secret, strlen(secret));
	snprintf(ps[0].token, sizeof(ps[0].token), "%s.%s", ps[0].id, secret);
	OK(config(&ps[0]), 200);
	jarr(R.body, "peers", 2);
	ck_assert_str_eq(jidx_str(jget(jget(R.body, "interface"), "addresses"), 0), "10.77.0.10/24");
	ANON_FAILS(409, "already_adopted", "POST", path("/adopt"), adopt);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = 'peer.adopt'"), 2);
	ck_assert_int_eq(count("SELECT count(*) FROM adoptable"), 1);
	/* Deleting an imported peer takes its adoption, and its invites, along. */
	make_invite_for(code, ps[2].id, false);
	OK(admin("DELETE", path("/admin/peers/%s", ps[2].id), NULL), 204);
	ck_assert_int_eq(count("SELECT count(*) FROM adoptable"), 0);
	ck_assert_int_eq(count(fmt("SELECT count(*) FROM invites WHERE for_peer = '%s'",
	                            ps[2].id)), 0);
}
END_TEST



/* The writes no other fault loop sends: a pending peer rejected, a pair
 * undone, an invite made and withdrawn. Each meets its faults and answers
 * 500 for each, or its own status once none is left. */
START_TEST(more_writes_fail_closed)
{
	struct tpeer a, b, c;
	char id[64];

	member(&a, "a", "198.51.100.1:51820");
	member(&b, "b", "198.51.100.2:51820");
	reg(&c, "c", NULL);
	pair(&a, &b);
	all_or_nothing(204, ADMIN_USER, NULL, "POST", path("/admin/peers/%s/reject", c.id), NULL);
	ck_assert_int_eq(count("SELECT count(*) FROM peers"), 2);
	all_or_nothing(204, ADMIN_USER, NULL, "DELETE", path("/admin/pairs/%s/%s", a.id, b.id), NULL);
	ck_assert_int_eq(count("SELECT count(*) FROM pairs"), 0);
	/* 500 when the fault hit the COMMIT: made, its code never shown. */
	if (all_or_nothing(201, ADMIN_USER, NULL, "POST", path("/admin/invites"), "{\"uses\":2}") == 201)
		remember_secret(jstr(R.body, "code"), strlen(jstr(R.body, "code")));
	ck_assert_int_eq(count("SELECT count(*) FROM invites"), 1);
	OK(admin("GET", path("/admin/invites"), NULL), 200);
	snprintf(id, sizeof(id), "%s", jstr(json_object_array_get_idx(jget(R.body, "invites"), 0), "id"));
	all_or_nothing(204, ADMIN_USER, NULL, "DELETE", path("/admin/invites/%s", id), NULL);
	ck_assert_int_eq(count("SELECT count(*) FROM invites"), 0);
}
END_TEST

START_TEST(writes_fail_closed)
{
	struct tpeer a, b, ps[3];
	char pairs[512], code[64], body[512], *imp;
	int st;

	member(&a, "a", "198.51.100.1:51820");
	member(&b, "b", "198.51.100.2:51820");
	pair(&a, &b);
	snprintf(body, sizeof(body), "{\"links\":[{\"peer\":\"%s\",\"latest_handshake\":%lld,"
	         "\"rx\":1,\"tx\":2}]}", b.id, (long long)store_now());
	st = all_or_nothing(204, NULL, a.token, "PUT", path("/peer/links"), body);
	ck_assert(st == 204 || st == 500);
	ck_assert_int_eq(count("SELECT count(*) FROM link_reports"), 1);

	for (size_t i = 0; i < 3; i++)
		new_keys(&ps[i]);
	snprintf(pairs, sizeof(pairs), "[[\"%s\",\"%s\"],[\"%s\",\"%s\"]]", ps[0].pub, ps[1].pub,
	         ps[2].pub, ps[0].pub);
	imp = import_body(ps, 3, pairs);
	st = all_or_nothing(201, ADMIN_USER, NULL, "POST", path("/admin/import"), imp);
	free(imp);
	ck_assert(st == 201 || st == 500);
	ck_assert_int_eq(count("SELECT count(*) FROM peers"), 5);
	ck_assert_int_eq(count("SELECT count(*) FROM pairs"), 3);
	ck_assert_int_eq(count("SELECT count(*) FROM adoptable"), 3);
	ck_assert_int_eq(count("SELECT count(*) FROM networks"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = 'network.import'"), 1);

	id_of_key(ps[1].pub, ps[1].id);
	make_invite_for(code, ps[1].id, false);
	snprintf(body, sizeof(body), "{\"public_key\":\"%s\",\"invite\":\"%s\"}", ps[1].pub, code);
	st = all_or_nothing(200, NULL, NULL, "POST", path("/adopt"), body);
	ck_assert(st == 200 || st == 500);
	ck_assert_int_eq(count("SELECT count(*) FROM adoptable"), 2);
	ck_assert_int_eq(count("SELECT uses_left FROM invites"), 4);
}
END_TEST

static Suite *
api_ops_suite(void)
{
	Suite *s = suite_create("api_ops");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 300);
	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_add_test(tc, links);
	tcase_add_test(tc, metrics);
	tcase_add_test(tc, import_export_adopt);
	tcase_add_test(tc, writes_fail_closed);
	tcase_add_test(tc, more_writes_fail_closed);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(api_ops_suite)
