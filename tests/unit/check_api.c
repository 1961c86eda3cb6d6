/* SPDX-License-Identifier: MIT */
/*
 * api: every route through api_handle(), as the responder calls it, on a fresh
 * SQLite file per test. Each failure is also checked to leave every table as
 * it was, and the secrets a test sees (tokens, invite codes, preshared keys)
 * are looked for in every row at the end of it.
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
#include "sql.h"
#include "keys.h"
#include "schema_v1.h"
#include "statement.h"
#include "text.h"
#include "unit.h"

/* Bodies and tokens come from tables of printf formats. */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

/* An integer member as decimal text (a revision, as an ETag shows it). */
static const char *
jstr_int(struct json_object *o, const char *key)
{
	static char buf[32];

	snprintf(buf, sizeof(buf), "%lld", (long long)jint(o, key));
	return buf;
}

/* ---------------------------------------------------------------------- */

START_TEST(health)
{
	OK(call(NULL, NULL, "GET", path("/health"), NULL), 200);
	ck_assert_str_eq(jstr(R.body, "status"), "ok");
	ANON_FAILS(405, "method_not_allowed", "POST", path("/health"), "{}");
	ck_assert_str_eq(R.allow, "GET");
}
END_TEST

START_TEST(routing)
{
	struct request rq;

	ANON_FAILS(404, "not_found", "GET", "/", NULL);
	ANON_FAILS(404, "not_found", "GET", "/api/v2/health", NULL);
	ANON_FAILS(404, "not_found", "GET", "/api/v1", NULL);
	ANON_FAILS(404, "not_found", "GET", path("/"), NULL);
	ANON_FAILS(404, "not_found", "GET", path("/health/"), NULL);
	ANON_FAILS(404, "not_found", "GET", path("/healthz"), NULL);
	ANON_FAILS(404, "not_found", "GET", path("//health"), NULL);
	ANON_FAILS(404, "not_found", "GET", path("/HEALTH"), NULL);
	ANON_FAILS(404, "not_found", "GET", path("/admin/peers/x/y/z"), NULL);
	ANON_FAILS(404, "not_found", "GET", path("/admin/peers//config"), NULL);
	ADMIN_FAILS(404, "not_found", "GET", path("/admin/nothing"), NULL);
	ANON_FAILS(404, "not_found", "GET", "/api/v1health", NULL);

	/* A known path with another method: 405 and what is allowed. */
	ANON_FAILS(405, "method_not_allowed", "POST", path("/peer"), "{}");
	ck_assert_str_eq(R.allow, "GET, DELETE");
	ANON_FAILS(405, "method_not_allowed", "GET", path("/register"), NULL);
	ck_assert_str_eq(R.allow, "POST");
	ADMIN_FAILS(405, "method_not_allowed", "PATCH", path("/admin/pairs/a/b"), "{}");
	ck_assert_str_eq(R.allow, "PUT, DELETE");
	ADMIN_FAILS(405, "method_not_allowed", "POST", path("/admin/peers/abc"), "{}");
	ck_assert_str_eq(R.allow, "GET, PATCH, DELETE");
	ANON_FAILS(405, "method_not_allowed", "HEAD", path("/health"), NULL);
	ck_assert_str_eq(R.allow, "GET");
	ADMIN_FAILS(405, "method_not_allowed", "get", path("/admin/peers"), NULL);
	ck_assert_str_eq(R.allow, "GET");
	ADMIN_FAILS(405, "method_not_allowed", "DELETE", path("/admin/network"), NULL);
	ck_assert_str_eq(R.allow, "GET, PUT");

	/* No method or no path at all. */
	base_request(&rq, NULL, NULL, "GET", path("/health"), NULL);
	rq.method = NULL;
	fails_req(405, "method_not_allowed", &rq);
	base_request(&rq, NULL, NULL, "GET", path("/health"), NULL);
	rq.path = NULL;
	fails_req(404, "not_found", &rq);

	/* A GET carries no body. */
	ANON_FAILS(400, "body_unexpected", "GET", path("/health"), "{}");

	/* A '?' (or '#') still in the path was encoded in the request
	 * ("/register%3F" decoded by the web server): none of ours, even
	 * where a route's capture would take it. */
	{
		static const char *const odd[] = { API_PREFIX "/register?", API_PREFIX "/health?",
			API_PREFIX "/health?x=1", API_PREFIX "/register#", API_PREFIX "/peer?/config",
			API_PREFIX "/admin/peers/abc?", API_PREFIX "/admin/pairs/a?/b", NULL };
		for (size_t i = 0; odd[i] != NULL; i++) {
			base_request(&rq, ADMIN_USER, NULL, "POST", path("/register"),
			             "{\"name\":\"x\"}");
			rq.path = odd[i];
			fails_req(404, "not_found", &rq);
			base_request(&rq, ADMIN_USER, NULL, "GET", path("/health"), NULL);
			rq.path = odd[i];
			fails_req(404, "not_found", &rq);
		}
	}

	/* Query strings as strict as bodies, before any handler runs. */
	ANON_FAILS(400, "unknown_parameter", "GET", path("/health?x=1"), NULL);
	ADMIN_FAILS(400, "unknown_parameter", "GET", path("/admin/peers?State=pending"), NULL);
	ADMIN_FAILS(400, "unknown_parameter", "GET", path("/admin/peers?state=pending&offset=1"), NULL);
	ADMIN_FAILS(400, "duplicate_parameter", "GET",
	            path("/admin/peers?state=pending&state=accepted"), NULL);
	ADMIN_FAILS(400, "invalid_parameter", "GET", path("/admin/peers?state=pendingpending"), NULL);
	ADMIN_FAILS(400, "invalid_parameter", "GET", path("/admin/peers?state=%s", "pending "), NULL);
	ADMIN_FAILS(400, "invalid_query", "GET", path("/admin/peers?&state=pending"), NULL);
	ADMIN_FAILS(400, "unknown_parameter", "GET", path("/admin/audit?state=pending"), NULL);
	ADMIN_FAILS(400, "unknown_parameter", "POST", path("/admin/invites?uses=3"), "{}");
	OK(admin("GET", path("/admin/peers?state=pending"), NULL), 200);
}
END_TEST

START_TEST(register_ok)
{
	struct tpeer a, b, c;
	struct json_object *addrs;

	reg(&a, "web1", "203.0.113.5:51820");
	OK(call(NULL, a.token, "GET", path("/peer"), NULL), 200);
	ck_assert_str_eq(jstr(R.body, "id"), a.id);
	ck_assert_str_eq(jstr(R.body, "name"), "web1");
	ck_assert_str_eq(jstr(R.body, "state"), "pending");
	ck_assert_str_eq(jstr(R.body, "public_key"), a.pub);
	ck_assert_str_eq(jstr(R.body, "endpoint"), "203.0.113.5:51820");
	jnull(R.body, "listen_port");
	jarr(R.body, "addresses", 0);
	jarr(R.body, "networks", 0);
	jarr(R.body, "pairs", 0);
	ck_assert_uint_eq(strlen(jstr(R.body, "created_at")), 20);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = 'peer.register'"), 1);

	/* Behind NAT, said three ways; a listen port; an IPv6 endpoint. */
	OK(register_with(&b, "nat1", "nat", ",\"listen_port\":51820"), 201);
	OK(call(NULL, b.token, "GET", path("/peer"), NULL), 200);
	jnull(R.body, "endpoint");
	ck_assert_int_eq(jint(R.body, "listen_port"), 51820);
	OK(register_with(&b, "nat2", NULL, ""), 201);
	OK(call(NULL, b.token, "GET", path("/peer"), NULL), 200);
	jnull(R.body, "endpoint");
	new_keys(&c);
	{
		char body[256];
		snprintf(body, sizeof(body), "{\"name\":\"nat3\",\"public_key\":\"%s\"}", c.pub);
		OK(call(NULL, NULL, "POST", path("/register"), body), 201);
		remember_secret(strchr(jstr(R.body, "token"), '.') + 1, KEYS_TOKEN_LEN - 1);
	}
	OK(register_with(&c, "v6", "[2001:db8::5]:51820", ",\"listen_port\":null"), 201);
	OK(call(NULL, c.token, "GET", path("/peer"), NULL), 200);
	ck_assert_str_eq(jstr(R.body, "endpoint"), "[2001:db8::5]:51820");
	jnull(R.body, "listen_port");

	/* The list shows them all pending, with no address yet. */
	OK(admin("GET", path("/admin/peers?state=pending"), NULL), 200);
	addrs = jarr(R.body, "peers", 5);
	(void)addrs;
	OK(admin("GET", path("/admin/peers?state=accepted"), NULL), 200);
	jarr(R.body, "peers", 0);
	ADMIN_FAILS(400, "invalid_state", "GET", path("/admin/peers?state=bogus"), NULL);
}
END_TEST

START_TEST(register_bad)
{
	static const struct { const char *body, *code; } cases[] = {
		{ "{\"public_key\":\"%s\"}", "missing_field" },
		{ "{\"name\":null,\"public_key\":\"%s\"}", "missing_field" },
		{ "{\"name\":\"\",\"public_key\":\"%s\"}", "invalid_name" },
		{ "{\"name\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
		  "\"public_key\":\"%s\"}", "invalid_name" },
		{ "{\"name\":\"web 1\",\"public_key\":\"%s\"}", "invalid_name" },
		{ "{\"name\":\"<b>\",\"public_key\":\"%s\"}", "invalid_name" },
		{ "{\"name\":\"caf\xc3\xa9\",\"public_key\":\"%s\"}", "invalid_name" },
		{ "{\"name\":\"\\u00e9\",\"public_key\":\"%s\"}", "invalid_name" },
		{ "{\"name\":\"web\\u0000x\",\"public_key\":\"%s\"}", "json_invalid" },
		{ "{\"name\":1,\"public_key\":\"%s\"}", "invalid_field" },
		{ "{\"name\":[\"web1\"],\"public_key\":\"%s\"}", "invalid_field" },
		{ "{\"name\":\"web1\",\"endpoint\":\"1.2.3.999:51820\",\"public_key\":\"%s\"}", "invalid_endpoint" },
		{ "{\"name\":\"web1\",\"endpoint\":\"2001:db8::5:51820\",\"public_key\":\"%s\"}", "invalid_endpoint" },
		{ "{\"name\":\"web1\",\"endpoint\":\"2001:db8::5\",\"public_key\":\"%s\"}", "invalid_endpoint" },
		{ "{\"name\":\"web1\",\"endpoint\":\"example.com\",\"public_key\":\"%s\"}", "invalid_endpoint" },
		{ "{\"name\":\"web1\",\"endpoint\":\":51820\",\"public_key\":\"%s\"}", "invalid_endpoint" },
		{ "{\"name\":\"web1\",\"endpoint\":\"example.com:0\",\"public_key\":\"%s\"}", "invalid_endpoint" },
		{ "{\"name\":\"web1\",\"endpoint\":\"example.com:65536\",\"public_key\":\"%s\"}", "invalid_endpoint" },
		{ "{\"name\":\"web1\",\"endpoint\":\"example.com:080\",\"public_key\":\"%s\"}", "invalid_endpoint" },
		{ "{\"name\":\"web1\",\"endpoint\":\"\",\"public_key\":\"%s\"}", "invalid_endpoint" },
		{ "{\"name\":\"web1\",\"endpoint\":51820,\"public_key\":\"%s\"}", "invalid_endpoint" },
		{ "{\"name\":\"web1\",\"endpoint\":false,\"public_key\":\"%s\"}", "invalid_endpoint" },
		{ "{\"name\":\"web1\",\"listen_port\":0,\"public_key\":\"%s\"}", "invalid_field" },
		{ "{\"name\":\"web1\",\"listen_port\":65536,\"public_key\":\"%s\"}", "invalid_field" },
		{ "{\"name\":\"web1\",\"listen_port\":-1,\"public_key\":\"%s\"}", "invalid_field" },
		{ "{\"name\":\"web1\",\"listen_port\":\"51820\",\"public_key\":\"%s\"}", "invalid_field" },
		{ "{\"name\":\"web1\",\"listen_port\":51820.0,\"public_key\":\"%s\"}", "invalid_field" },
		{ "{\"name\":\"web1\",\"listen_port\":1e3,\"public_key\":\"%s\"}", "invalid_field" },
		{ "{\"name\":\"web1\",\"listen_port\":4294967297,\"public_key\":\"%s\"}", "invalid_field" },
		{ "{\"name\":\"web1\",\"listen_port\":99999999999999999999999,\"public_key\":\"%s\"}", "invalid_field" },
		{ "{\"name\":\"web1\",\"listen_port\":-Infinity,\"public_key\":\"%s\"}", "json_invalid" },
		{ "{\"name\":\"web1\",\"state\":\"accepted\",\"public_key\":\"%s\"}", "unknown_field" },
		{ "{\"name\":\"web1\",\"token\":\"x\",\"public_key\":\"%s\"}", "unknown_field" },
		{ "{\"name\":\"web1\",\"invite\":1,\"public_key\":\"%s\"}", "invalid_field" },
		{ "{\"name\":\"web1\",\"name\":\"web2\",\"public_key\":\"%s\"}", "json_duplicate_key" },
		{ "{\"name\":\"web1\",\"na\\u006de\":\"web2\",\"public_key\":\"%s\"}", "json_duplicate_key" },
		{ "{\"name\":\"web1\",\"public_key\":\"%s\"} x", "json_invalid" },
		{ "[{\"name\":\"web1\",\"public_key\":\"%s\"}]", "json_invalid" },
	};
	static const char *const bad_keys[] = {
		"",
		"hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo",
		"hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo==",
		"hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo=",
		"hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066Spjqqb\xc3\xa9o=",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",          /* zero: low order */
		"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",          /* one: low order */
		"4Ot6fDtBuK4WVuP68Z/EatoJjeucMrH9hmIFFl9JuAA=",          /* order 8 */
		"8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
		NULL };
	char body[512];
	struct tpeer p;

	new_keys(&p);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(body, sizeof(body), cases[i].body, p.pub);
		ANON_FAILS(400, cases[i].code, "POST", path("/register"), body);
	}
	for (size_t i = 0; bad_keys[i] != NULL; i++) {
		snprintf(body, sizeof(body), "{\"name\":\"web1\",\"public_key\":\"%s\"}", bad_keys[i]);
		ANON_FAILS(400, "invalid_public_key", "POST", path("/register"), body);
	}
	ANON_FAILS(400, "missing_field", "POST", path("/register"), "{\"name\":\"web1\"}");
	ANON_FAILS(400, "invalid_field", "POST", path("/register"),
	           "{\"name\":\"web1\",\"public_key\":32}");
	ANON_FAILS(400, "body_missing", "POST", path("/register"), NULL);
	ANON_FAILS(400, "body_missing", "POST", path("/register"), "");
	ANON_FAILS(400, "json_invalid", "POST", path("/register"), "name=web1");
	ck_assert_int_eq(count("SELECT count(*) FROM peers"), 0);

	/* A body in another content type is refused before it is parsed. */
	{
		struct request rq;
		snprintf(body, sizeof(body), "{\"name\":\"web1\",\"public_key\":\"%s\"}", p.pub);
		base_request(&rq, NULL, NULL, "POST", path("/register"), body);
		rq.content_type = "application/x-www-form-urlencoded";
		fails_req(415, "content_type_not_json", &rq);
		rq.content_type = NULL;
		fails_req(415, "content_type_not_json", &rq);
		rq.content_type = "application/jsonx";
		fails_req(415, "content_type_not_json", &rq);
		rq.content_type = "Application/JSON; charset=utf-8";
		OK(send_req(&rq), 201);
		remember_secret(strchr(jstr(R.body, "token"), '.') + 1, KEYS_TOKEN_LEN - 1);
	}
}
END_TEST

START_TEST(register_duplicate_key)
{
	struct tpeer a;
	char body[256], alt[KEYS_B64_LEN];

	reg(&a, "web1", "203.0.113.5:51820");
	snprintf(body, sizeof(body), "{\"name\":\"web2\",\"public_key\":\"%s\",\"endpoint\":null}", a.pub);
	ANON_FAILS(409, "public_key_taken", "POST", path("/register"), body);
	/* Accepted or not, the key stays taken. */
	accept_peer(&a, NULL);
	ANON_FAILS(409, "public_key_taken", "POST", path("/register"), body);
	/* The same 32 bytes spelled another way do not get a second seat. */
	memcpy(alt, a.pub, sizeof(alt));
	alt[42] = (char)(alt[42] ^ 1);
	snprintf(body, sizeof(body), "{\"name\":\"web2\",\"public_key\":\"%s\"}", alt);
	{
		char *before = snapshot(), *after;
		int st = call(NULL, NULL, "POST", path("/register"), body);
		ck_assert_msg(st == 400 || st == 409, "a respelled key registered: %d", st);
		after = snapshot();
		ck_assert_str_eq(before, after);
		free(before);
		free(after);
	}
	ck_assert_int_eq(count("SELECT count(*) FROM peers"), 1);
}
END_TEST

/* X25519 ignores bit 255: a key with it set is the same key in other text.
 * Registered, imported or adopted, it is refused, taken or not, and the
 * answer says which field and why. */
START_TEST(register_twin_key)
{
	struct tpeer a, fresh;
	char body[512], twin[KEYS_B64_LEN];

	reg(&a, "web1", "203.0.113.5:51820");
	accept_peer(&a, NULL);
	key_twin(twin, a.pub);
	snprintf(body, sizeof(body), "{\"name\":\"web2\",\"public_key\":\"%s\"}", twin);
	ANON_FAILS(400, "invalid_public_key", "POST", path("/register"), body);
	ck_assert_ptr_nonnull(strstr(R.error_message, "public_key"));
	ck_assert_ptr_nonnull(strstr(R.error_message, twin));
	ck_assert_ptr_nonnull(strstr(R.error_message, "bit 255"));
	new_keys(&fresh);
	key_twin(twin, fresh.pub);
	snprintf(body, sizeof(body), "{\"name\":\"web3\",\"public_key\":\"%s\"}", twin);
	ANON_FAILS(400, "invalid_public_key", "POST", path("/register"), body);
	snprintf(body, sizeof(body), "{\"peers\":[{\"name\":\"imp\",\"public_key\":\"%s\"}],"
	         "\"pairs\":[]}", twin);
	ADMIN_FAILS(400, "invalid_public_key", "POST", path("/admin/import"), body);
	ck_assert_ptr_nonnull(strstr(R.error_message, "peers[0].public_key"));
	snprintf(body, sizeof(body), "{\"public_key\":\"%s\",\"invite\":\"x\"}", twin);
	ANON_FAILS(400, "invalid_public_key", "POST", path("/adopt"), body);
	ck_assert_int_eq(count("SELECT count(*) FROM peers"), 1);
}
END_TEST

START_TEST(register_pending_limit)
{
	char body[256];
	struct tpeer p;

	/* Open registration cannot fill the disk: past 1024 waiting peers, 429. */
	for (int i = 0; i < 1024; i++) {
		new_keys(&p);
		forget_secrets(3);  /* too many to remember; the scan has others */
		snprintf(body, sizeof(body), "{\"name\":\"p%d\",\"public_key\":\"%s\"}", i, p.pub);
		OK(call(NULL, NULL, "POST", path("/register"), body), 201);
	}
	new_keys(&p);
	snprintf(body, sizeof(body), "{\"name\":\"one-more\",\"public_key\":\"%s\"}", p.pub);
	ANON_FAILS(429, "too_many_pending", "POST", path("/register"), body);
}
END_TEST

static void
make_invite(const char *body, char code[64], char id[PEER_ID_LEN])
{
	OK(admin("POST", path("/admin/invites"), body), 201);
	snprintf(code, 64, "%s", jstr(R.body, "code"));
	snprintf(id, PEER_ID_LEN, "%s", jstr(R.body, "id"));
	ck_assert_uint_ge(strlen(code), 32);
	remember_secret(code, strlen(code));
}

/* An invite's label: stored as sent, listed, refused (400, nothing written)
 * when it is no 1..64 printable characters. */
START_TEST(invite_labels)
{
	char code[64], id[PEER_ID_LEN], body[512], long64[200], long65[200];
	struct json_object *arr, *inv;

	make_invite("{\"label\":\"for web9 \u00e9t\u00e9 <b>\"}", code, id);
	ck_assert_str_eq(jstr(R.body, "label"), "for web9 \xc3\xa9t\xc3\xa9 <b>");
	/* Neither uses nor expires_in: one use, 24 hours (admin invite --help). */
	ck_assert_int_eq(count("SELECT count(*) FROM invites WHERE uses = 1 AND uses_left = 1 "
	                       "AND expires_at - created_at = 86400"), 1);
	OK(admin("GET", path("/admin/invites"), NULL), 200);
	inv = json_object_array_get_idx(jarr(R.body, "invites", 1), 0);
	ck_assert_str_eq(jstr(inv, "id"), id);
	ck_assert_str_eq(jstr(inv, "label"), "for web9 \xc3\xa9t\xc3\xa9 <b>");

	/* Without one, or null: no label, listed as null. */
	make_invite("{\"uses\":1}", code, id);
	jnull(R.body, "label");
	make_invite("{\"label\":null}", code, id);
	OK(admin("GET", path("/admin/invites"), NULL), 200);
	arr = jarr(R.body, "invites", 3);
	for (size_t i = 0; i < 3; i++) {
		inv = json_object_array_get_idx(arr, i);
		if (strcmp(jstr(inv, "id"), id) == 0)
			jnull(inv, "label");
	}

	/* 64 characters (two bytes each) are fine, 65 are not. */
	memset(long64, 0, sizeof(long64));
	memset(long65, 0, sizeof(long65));
	for (size_t i = 0; i < 64; i++)
		memcpy(long64 + 2 * i, "\xc3\xa9", 2);
	memcpy(long65, long64, 128);
	long65[128] = 'x';
	snprintf(body, sizeof(body), "{\"label\":\"%s\"}", long64);
	make_invite(body, code, id);
	ck_assert_str_eq(jstr(R.body, "label"), long64);
	snprintf(body, sizeof(body), "{\"label\":\"%s\"}", long65);
	ADMIN_FAILS(400, "invalid_label", "POST", path("/admin/invites"), body);

	/* A NUL never gets that far: the body parser refuses it. */
	ADMIN_FAILS(400, "json_invalid", "POST", path("/admin/invites"), "{\"label\":\"a\\u0000b\"}");
	static const char *const bad[] = { "\"\"", "\"tab\\there\"",
		"\"line\\n\"", "\"esc\\u001b[31m\"", "\"del\\u007f\"", "\"c1\\u0085\"",
		"42", "true", "[\"a\"]", "{}", NULL };
	for (size_t i = 0; bad[i] != NULL; i++) {
		snprintf(body, sizeof(body), "{\"label\":%s}", bad[i]);
		ADMIN_FAILS(400, "invalid_label", "POST", path("/admin/invites"), body);
	}
	/* A long one is named cut at a character, never inside one. */
	{
		char big[400] = "";
		for (size_t i = 0; i < 100; i++)
			strcat(big, "\xc3\xa9");
		snprintf(body, sizeof(body), "{\"label\":\"%s\"}", big);
		ADMIN_FAILS(400, "invalid_label", "POST", path("/admin/invites"), body);
		ck_assert(text_utf8_valid(R.error_message, strlen(R.error_message)));
		ck_assert_ptr_nonnull(strstr(R.error_message, "..."));
	}
	/* The refusal names the value. */
	ADMIN_FAILS(400, "invalid_label", "POST", path("/admin/invites"), "{\"label\":\"a\\tb\"}");
	ck_assert_ptr_nonnull(strstr(R.error_message, "a\\tb"));
}
END_TEST

START_TEST(invites)
{
	char code[64], code2[64], id[PEER_ID_LEN], id2[PEER_ID_LEN], extra[128];
	struct tpeer a, b, c;
	struct json_object *arr, *inv;

	make_invite("{\"uses\":2,\"expires_in\":3600}", code, id);
	ck_assert_int_eq(jint(R.body, "uses"), 2);
	ck_assert_uint_eq(strlen(jstr(R.body, "expires_at")), 20);

	/* A valid code lets a peer in at once, with an address from the pool. */
	snprintf(extra, sizeof(extra), ",\"invite\":\"%s\"", code);
	OK(register_with(&a, "inv1", "198.51.100.1:51820", extra), 201);
	ck_assert_str_eq(jstr(R.body, "state"), "accepted");
	OK(call(NULL, a.token, "GET", path("/peer"), NULL), 200);
	ck_assert_str_eq(jstr(R.body, "state"), "accepted");
	ck_assert_str_eq(jidx_str(jarr(R.body, "addresses", 1), 0), "10.77.0.1");
	OK(config(&a), 200);

	OK(admin("GET", path("/admin/invites"), NULL), 200);
	arr = jarr(R.body, "invites", 1);
	inv = json_object_array_get_idx(arr, 0);
	ck_assert_str_eq(jstr(inv, "id"), id);
	ck_assert_int_eq(jint(inv, "uses"), 2);
	ck_assert_int_eq(jint(inv, "uses_left"), 1);
	ck_assert_str_eq(jstr(inv, "created_by"), "admin:" ADMIN_USER);
	ck_assert_ptr_null(strstr(json_object_to_json_string(R.body), code));

	OK(register_with(&b, "inv2", NULL, extra), 201);
	ck_assert_str_eq(jstr(R.body, "state"), "accepted");

	/* Used up: refused, and nothing changes (no peer, no use taken). */
	new_keys(&c);
	{
		char body[1024];
		snprintf(body, sizeof(body), "{\"name\":\"inv3\",\"public_key\":\"%s\",\"invite\":\"%s\"}",
		         c.pub, code);
		ANON_FAILS(403, "invite_invalid", "POST", path("/register"), body);

		/* Expired. */
		make_invite(NULL, code2, id2);
		ck_assert_int_eq(jint(R.body, "uses"), 1);
		exec_sql("UPDATE invites SET expires_at = strftime('%s','now') - 1");
		snprintf(body, sizeof(body), "{\"name\":\"inv3\",\"public_key\":\"%s\",\"invite\":\"%s\"}",
		         c.pub, code2);
		ANON_FAILS(403, "invite_invalid", "POST", path("/register"), body);
		exec_sql("UPDATE invites SET expires_at = strftime('%s','now') + 60");

		/* Unknown, empty, too long, almost right. */
		static const char *const bad[] = { "nope", "", "x", "%s ", " %s", "%.42s",
			"%s%s%s%s", NULL };
		for (size_t i = 0; bad[i] != NULL; i++) {
			char inv_code[600];
			snprintf(inv_code, sizeof(inv_code), bad[i], code2, code2, code2, code2);
			snprintf(body, sizeof(body), "{\"name\":\"inv3\",\"public_key\":\"%s\","
			         "\"invite\":\"%s\"}", c.pub, inv_code);
			ANON_FAILS(403, "invite_invalid", "POST", path("/register"), body);
		}
		/* A deleted invite is gone. */
		OK(admin("DELETE", path("/admin/invites/%s", id2), NULL), 204);
		ADMIN_FAILS(404, "invite_not_found", "DELETE", path("/admin/invites/%s", id2), NULL);
		snprintf(body, sizeof(body), "{\"name\":\"inv3\",\"public_key\":\"%s\",\"invite\":\"%s\"}",
		         c.pub, code2);
		ANON_FAILS(403, "invite_invalid", "POST", path("/register"), body);

		/* An invite of null is no invite: the peer waits. */
		snprintf(body, sizeof(body), "{\"name\":\"inv3\",\"public_key\":\"%s\",\"invite\":null}",
		         c.pub);
		OK(call(NULL, NULL, "POST", path("/register"), body), 201);
		ck_assert_str_eq(jstr(R.body, "state"), "pending");
		remember_secret(strchr(jstr(R.body, "token"), '.') + 1, KEYS_TOKEN_LEN - 1);
	}

	/* Bad invite requests. */
	ADMIN_FAILS(400, "invalid_field", "POST", path("/admin/invites"), "{\"uses\":0}");
	ADMIN_FAILS(400, "invalid_field", "POST", path("/admin/invites"), "{\"uses\":1001}");
	ADMIN_FAILS(400, "invalid_field", "POST", path("/admin/invites"), "{\"uses\":\"2\"}");
	ADMIN_FAILS(400, "invalid_field", "POST", path("/admin/invites"), "{\"uses\":null}");
	ADMIN_FAILS(400, "invalid_field", "POST", path("/admin/invites"), "{\"expires_in\":59}");
	ADMIN_FAILS(400, "invalid_field", "POST", path("/admin/invites"), "{\"expires_in\":31622401}");
	ADMIN_FAILS(400, "invalid_field", "POST", path("/admin/invites"), "{\"expires_in\":-60}");
	ADMIN_FAILS(400, "unknown_field", "POST", path("/admin/invites"), "{\"code\":\"mine\"}");
	ADMIN_FAILS(400, "unknown_field", "DELETE", path("/admin/invites/%s", id), "{\"x\":1}");
	ADMIN_FAILS(404, "invite_not_found", "DELETE", path("/admin/invites/nope"), NULL);
}
END_TEST

START_TEST(invite_without_free_address)
{
	char code[64], id[PEER_ID_LEN], extra[128];
	struct tpeer a, b, c;

	OK(admin("PUT", path("/admin/network"), "{\"ipv4_pool\":\"10.77.0.0/30\"}"), 200);
	member(&a, "a", NULL);
	member(&b, "b", NULL);
	make_invite("{\"uses\":5}", code, id);
	snprintf(extra, sizeof(extra), ",\"invite\":\"%s\"", code);
	/* The pool is full: the invite is not used up, no peer stays behind. */
	{
		char *before = snapshot(), *after;
		OK(register_with(&c, "c", NULL, extra), 409);
		ck_assert_str_eq(R.error_code, "pool_exhausted");
		after = snapshot();
		ck_assert_str_eq(before, after);
		free(before);
		free(after);
	}
	ck_assert_int_eq(count("SELECT uses_left FROM invites"), 5);
}
END_TEST

START_TEST(peer_auth)
{
	struct tpeer a, b;
	char tok[512];
	struct request rq;
	static const char *const bad[] = { "", "x", ".", "Bearer", "Bearer ", "Basic cm9vdDpyb290",
		NULL };

	member(&a, "web1", "203.0.113.5:51820");
	reg(&b, "web2", NULL);

	/* A missing or malformed Authorization header. */
	base_request(&rq, NULL, NULL, "GET", path("/peer"), NULL);
	fails_req(401, "unauthorized", &rq);
	ck_assert_int_eq(R.www_authenticate, 1);
	for (size_t i = 0; bad[i] != NULL; i++) {
		rq.authorization = bad[i];
		fails_req(401, "unauthorized", &rq);
		ck_assert_int_eq(R.www_authenticate, 1);
	}
	/* The scheme is case-insensitive, the token is not. */
	snprintf(tok, sizeof(tok), "bEaReR %s", a.token);
	rq.authorization = tok;
	OK(send_req(&rq), 200);

	/* Tokens that are almost right. */
	static const char *const forms[] = {
		"%s.",                  /* id, no secret */
		"%.16s",                /* id alone */
		"%.16s.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",   /* wrong secret */
		"%sA",                  /* longer */
		"%.58s",                /* shorter */
		" %s",
		"%s ",
		"%s\n",
		NULL };
	for (size_t i = 0; forms[i] != NULL; i++) {
		char t[512];
		snprintf(t, sizeof(t), forms[i], a.token);
		PEER_FAILS(401, "unauthorized", t, "GET", path("/peer"), NULL);
		PEER_FAILS(401, "unauthorized", t, "GET", path("/peer/config"), NULL);
	}
	/* Another peer's id with this peer's secret, and an unknown id. */
	snprintf(tok, sizeof(tok), "%s%s", b.id, a.token + PEER_ID_LEN - 1);
	PEER_FAILS(401, "unauthorized", tok, "GET", path("/peer"), NULL);
	snprintf(tok, sizeof(tok), "0000000000000000%s", a.token + PEER_ID_LEN - 1);
	PEER_FAILS(401, "unauthorized", tok, "GET", path("/peer"), NULL);
	snprintf(tok, sizeof(tok), "%s", a.token);
	tok[PEER_ID_LEN + 5] = tok[PEER_ID_LEN + 5] == 'A' ? 'B' : 'A';
	PEER_FAILS(401, "unauthorized", tok, "GET", path("/peer"), NULL);
	PEER_FAILS(401, "unauthorized", tok, "PUT", path("/peer/endpoint"), "{\"endpoint\":null}");
	PEER_FAILS(401, "unauthorized", tok, "DELETE", path("/peer"), NULL);

	/* A peer token is no admin credential, and an admin is no peer. */
	PEER_FAILS(403, "admin_required", a.token, "GET", path("/admin/peers"), NULL);
	fails(401, "unauthorized", ADMIN_USER, NULL, "GET", path("/peer"), NULL);

	/* A deleted peer's token stops working. */
	OK(call(NULL, a.token, "DELETE", path("/peer"), NULL), 204);
	PEER_FAILS(401, "unauthorized", a.token, "GET", path("/peer"), NULL);
	OK(admin("DELETE", path("/admin/peers/%s", b.id), NULL), 204);
	PEER_FAILS(401, "unauthorized", b.token, "GET", path("/peer"), NULL);
}
END_TEST

START_TEST(config_pending_and_etag)
{
	struct tpeer a;
	char tag[64], other[80];
	struct request rq;

	reg(&a, "web1", "203.0.113.5:51820");
	OK(config(&a), 409);
	ck_assert_str_eq(R.error_code, "peer_pending");
	ADMIN_FAILS(409, "peer_pending", "GET", path("/admin/peers/%s/config", a.id), NULL);
	accept_peer(&a, NULL);

	etag(&a, tag);
	ck_assert_int_eq(jint(R.body, "revision"), atoll(R.etag + 1));
	base_request(&rq, NULL, a.token, "GET", path("/peer/config"), NULL);
	rq.if_none_match = tag;
	OK(send_req(&rq), 304);
	ck_assert_uint_eq(strlen(R.etag), strlen(tag) - 2);
	ck_assert(strncmp(R.etag, tag + 1, strlen(R.etag)) == 0);
	rq.if_none_match = "*";
	OK(send_req(&rq), 304);
	snprintf(other, sizeof(other), "\"r0\", W/%s", tag);
	rq.if_none_match = other;
	OK(send_req(&rq), 304);
	snprintf(other, sizeof(other), "\"x\", %s", tag);
	rq.if_none_match = other;
	OK(send_req(&rq), 304);
	/* A different, longer or unquoted tag gets the config. */
	snprintf(other, sizeof(other), "%.*s9\"", (int)strlen(tag) - 1, tag);
	rq.if_none_match = other;
	OK(send_req(&rq), 200);
	snprintf(other, sizeof(other), "%.*s", (int)strlen(tag) - 2, tag + 1);
	rq.if_none_match = other;
	OK(send_req(&rq), 200);
	rq.if_none_match = "";
	OK(send_req(&rq), 200);
}
END_TEST

START_TEST(config_revision_changes)
{
	struct tpeer a, b, c;
	char t0[64], t1[64];

	member(&a, "a", "203.0.113.1:51820");
	member(&b, "b", "203.0.113.2:51820");
	etag(&a, t0);

	/* Nothing about a changes: same tag. */
	member(&c, "c", "203.0.113.3:51820");
	OK(call(NULL, c.token, "PUT", path("/peer/endpoint"), "{\"endpoint\":\"203.0.113.33:1\"}"), 200);
	etag(&a, t1);
	ck_assert_str_eq(t0, t1);

#define CHANGES(what) do {                                              \
		what;                                                   \
		etag(&a, t1);                                           \
		ck_assert_msg(strcmp(t0, t1) != 0, "%s kept the ETag", #what); \
		memcpy(t0, t1, sizeof(t0));                             \
	} while (0)

	CHANGES(pair(&a, &b));
	ck_assert_ptr_nonnull(link_to(&b));
	CHANGES(OK(call(NULL, b.token, "PUT", path("/peer/endpoint"),
	                "{\"endpoint\":\"203.0.113.22:51820\"}"), 200));
	ck_assert_str_eq(jstr(link_to(&b), "endpoint"), "203.0.113.22:51820");
	CHANGES(OK(admin("PATCH", path("/admin/peers/%s", b.id), "{\"name\":\"bee\"}"), 200));
	ck_assert_str_eq(jstr(link_to(&b), "name"), "bee");
	CHANGES(OK(admin("PATCH", path("/admin/peers/%s", b.id),
	                 "{\"address\":\"10.77.0.99\",\"networks\":[\"192.168.5.0/24\"]}"), 200));
	ck_assert_str_eq(jidx_str(jarr(link_to(&b), "allowed_ips", 2), 0), "10.77.0.99/32");
	ck_assert_str_eq(jidx_str(jarr(link_to(&b), "allowed_ips", 2), 1), "192.168.5.0/24");
	/* The default keepalive is only in the links of a peer behind NAT
	 * (lib/store/network.c): a, with an endpoint, keeps its config and
	 * tag; once behind NAT, a new default changes both. */
	OK(admin("PUT", path("/admin/network"), "{\"keepalive\":30}"), 200);
	etag(&a, t1);
	ck_assert_str_eq(t0, t1);
	CHANGES(OK(admin("PUT", path("/admin/network"), "{\"mtu\":1380}"), 200));
	ck_assert_int_eq(jint(jget(R.body, "interface"), "mtu"), 1380);
	CHANGES(OK(call(NULL, a.token, "PUT", path("/peer/endpoint"), "{\"endpoint\":null}"), 200));
	ck_assert_int_eq(jint(link_to(&b), "persistent_keepalive"), 30);
	CHANGES(OK(admin("PUT", path("/admin/network"), "{\"keepalive\":40}"), 200));
	ck_assert_int_eq(jint(link_to(&b), "persistent_keepalive"), 40);
	CHANGES(pair(&a, &c));
	CHANGES(OK(admin("DELETE", path("/admin/pairs/%s/%s", a.id, b.id), NULL), 204));
	ck_assert_ptr_null(link_to(&b));
	CHANGES(OK(call(NULL, c.token, "DELETE", path("/peer"), NULL), 204));
	jarr(R.body, "peers", 0);
#undef CHANGES

	/* A failing change keeps the tag. */
	ADMIN_FAILS(409, "address_taken", "PATCH", path("/admin/peers/%s", b.id),
	            "{\"address\":\"10.77.0.1\"}");
	etag(&a, t1);
	ck_assert_str_eq(t0, t1);
}
END_TEST

START_TEST(config_contents)
{
	struct tpeer a, b, c;
	struct json_object *iface, *e, *allowed;

	member(&a, "pub", "203.0.113.1:51820");
	OK(admin("PATCH", path("/admin/peers/%s", a.id), "{\"listen_port\":51820}"), 200);
	member(&b, "natb", NULL);
	member(&c, "natc", "nat");
	pair(&a, &b);
	pair(&b, &c);
	OK(admin("PUT", path("/admin/network"), "{\"dns\":[\"10.77.0.1\",\"2606:4700::1111\"]}"), 200);

	OK(config(&a), 200);
	ck_assert_int_gt(jint(R.body, "revision"), 0);
	iface = jget(R.body, "interface");
	ck_assert_str_eq(jidx_str(jarr(iface, "addresses", 1), 0), "10.77.0.1/24");
	ck_assert_int_eq(jint(iface, "listen_port"), 51820);
	jnull(iface, "mtu");
	ck_assert_str_eq(jidx_str(jarr(iface, "dns", 2), 1), "2606:4700::1111");
	jarr(R.body, "peers", 1);
	jarr(R.body, "warnings", 0);
	e = link_to(&b);
	ck_assert_str_eq(jstr(e, "name"), "natb");
	ck_assert_str_eq(jstr(e, "public_key"), b.pub);
	jnull(e, "endpoint");
	allowed = jarr(e, "allowed_ips", 1);
	ck_assert_str_eq(jidx_str(allowed, 0), "10.77.0.2/32");
	/* A public peer need not keep a link alive: the NAT side does. */
	jnull(e, "persistent_keepalive");

	OK(config(&b), 200);
	jarr(R.body, "peers", 2);
	jnull(jget(R.body, "interface"), "listen_port");
	e = link_to(&a);
	ck_assert_str_eq(jstr(e, "endpoint"), "203.0.113.1:51820");
	ck_assert_int_eq(jint(e, "persistent_keepalive"), 25);
	/* Two NAT peers: still listed, no endpoint, and a warning says why. */
	e = link_to(&c);
	ck_assert_ptr_nonnull(e);
	jnull(e, "endpoint");
	jarr(R.body, "warnings", 1);
	ck_assert_ptr_nonnull(strstr(jidx_str(jget(R.body, "warnings"), 0), "natc"));
	OK(config(&c), 200);
	jarr(R.body, "warnings", 1);

	/* The keepalive interval follows the network, then the peer's own. */
	OK(admin("PUT", path("/admin/network"), "{\"keepalive\":40}"), 200);
	OK(config(&b), 200);
	ck_assert_int_eq(jint(link_to(&a), "persistent_keepalive"), 40);
	OK(admin("PATCH", path("/admin/peers/%s", b.id), "{\"keepalive\":15}"), 200);
	OK(config(&b), 200);
	ck_assert_int_eq(jint(link_to(&a), "persistent_keepalive"), 15);
	OK(admin("PATCH", path("/admin/peers/%s", b.id), "{\"keepalive\":0}"), 200);
	OK(config(&b), 200);
	jnull(link_to(&a), "persistent_keepalive");
	OK(admin("PATCH", path("/admin/peers/%s", b.id), "{\"keepalive\":null}"), 200);
	OK(config(&b), 200);
	ck_assert_int_eq(jint(link_to(&a), "persistent_keepalive"), 40);

	/* The admin preview is what the peer gets. */
	{
		char *mine;
		OK(config(&b), 200);
		mine = strdup(json_object_to_json_string(R.body));
		OK(admin("GET", path("/admin/peers/%s/config", b.id), NULL), 200);
		ck_assert_str_eq(json_object_to_json_string(R.body), mine);
		free(mine);
	}
	ADMIN_FAILS(404, "peer_not_found", "GET", path("/admin/peers/0123456789abcdef/config"), NULL);
}
END_TEST

static void keyed_peers_from(int first, int n, const char *tag_name);

/* The next address is found from a hint (address_hints), not by reading
 * every address: still the lowest free one, a freed one reused first, and
 * right past a run of taken addresses longer than the hint looks at. */
START_TEST(accept_address_hint)
{
	struct tpeer p[7];
	char want[32];

	for (int i = 0; i < 7; i++) {
		char name[8];
		snprintf(name, sizeof(name), "h%d", i);
		reg(&p[i], name, NULL);
	}
	for (int i = 0; i < 3; i++) {
		accept_peer(&p[i], NULL);
		snprintf(want, sizeof(want), "10.77.0.%d", i + 1);
		ck_assert_str_eq(jidx_str(jarr(R.body, "addresses", 1), 0), want);
	}
	ck_assert_int_eq(count("SELECT count(*) FROM address_hints WHERE family = 4"
	                       " AND pool = '10.77.0.0/24' AND low = '10.77.0.4'"), 1);
	/* 70 addresses taken after it, as an import would (the hint stays):
	 * more than the hint looks at, so all are read, and the next is .74. */
	keyed_peers_from(100, 70, "x");
	exec_sql("INSERT INTO addresses (peer_id, family, address)"
	         " SELECT peer_id, 4, '10.77.0.' || (row_number() OVER (ORDER BY peer_id) + 3)"
	         " FROM peer_tags WHERE tag = 'x'");
	ck_assert_int_eq(count("SELECT count(*) FROM address_hints"), 1);
	accept_peer(&p[3], NULL);
	ck_assert_str_eq(jidx_str(jarr(R.body, "addresses", 1), 0), "10.77.0.74");
	ck_assert_int_eq(count("SELECT count(*) FROM address_hints WHERE low = '10.77.0.75'"), 1);
	/* A freed address drops the hint, and is given again first. */
	OK(admin("DELETE", path("/admin/peers/%s", p[1].id), NULL), 204);
	ck_assert_int_eq(count("SELECT count(*) FROM address_hints"), 0);
	accept_peer(&p[4], NULL);
	ck_assert_str_eq(jidx_str(jarr(R.body, "addresses", 1), 0), "10.77.0.2");
	accept_peer(&p[5], NULL);
	ck_assert_str_eq(jidx_str(jarr(R.body, "addresses", 1), 0), "10.77.0.75");
	/* A moved address drops it too; a hint for another pool is not read. */
	OK(admin("PATCH", path("/admin/peers/%s", p[0].id), "{\"address\":\"10.77.0.200\"}"), 200);
	ck_assert_int_eq(count("SELECT count(*) FROM address_hints"), 0);
	exec_sql("INSERT INTO address_hints VALUES (4, '10.78.0.0/24', '10.77.0.201')");
	accept_peer(&p[6], NULL);
	ck_assert_str_eq(jidx_str(jarr(R.body, "addresses", 1), 0), "10.77.0.1");
	ck_assert_int_eq(count("SELECT count(*) FROM addresses"),
	                 count("SELECT count(DISTINCT address) FROM addresses"));
}
END_TEST

START_TEST(accept_addresses)
{
	struct tpeer p[6], q;
	char want[32];

	for (int i = 0; i < 6; i++) {
		char name[8];
		snprintf(name, sizeof(name), "p%d", i);
		reg(&p[i], name, NULL);
	}
	/* Lowest free, never twice. */
	for (int i = 0; i < 3; i++) {
		accept_peer(&p[i], NULL);
		snprintf(want, sizeof(want), "10.77.0.%d", i + 1);
		ck_assert_str_eq(jidx_str(jarr(R.body, "addresses", 1), 0), want);
	}
	/* An explicit address, a name and networks on the way in. */
	accept_peer(&p[3], "{\"address\":\"10.77.0.50\",\"name\":\"renamed\","
	                   "\"networks\":[\"192.168.5.0/24\",\"fd00:5::/64\"]}");
	ck_assert_str_eq(jidx_str(jarr(R.body, "addresses", 1), 0), "10.77.0.50");
	ck_assert_str_eq(jstr(R.body, "name"), "renamed");
	ck_assert_str_eq(jidx_str(jarr(R.body, "networks", 2), 1), "fd00:5::/64");

	/* Refusals, each leaving the database as it was. */
#define ACCEPT_FAILS(st, code, body) \
	ADMIN_FAILS((st), (code), "POST", path("/admin/peers/%s/accept", p[4].id), (body))
	ACCEPT_FAILS(409, "address_outside_pool", "{\"address\":\"10.78.0.1\"}");
	ACCEPT_FAILS(409, "address_outside_pool", "{\"address\":\"10.77.0.0\"}");
	ACCEPT_FAILS(409, "address_outside_pool", "{\"address\":\"10.77.0.255\"}");
	ACCEPT_FAILS(409, "address_outside_pool", "{\"address\":\"fd77::5\"}");
	ACCEPT_FAILS(409, "address_taken", "{\"address\":\"10.77.0.2\"}");
	ACCEPT_FAILS(409, "address_taken", "{\"address\":\"10.77.0.50\",\"name\":\"x\"}");
	ACCEPT_FAILS(400, "invalid_address", "{\"address\":\"10.77.0.9/24\"}");
	ACCEPT_FAILS(400, "invalid_address", "{\"address\":\"10.77.0.8/31\"}");
	ACCEPT_FAILS(400, "invalid_address", "{\"address\":\"ten\"}");
	ACCEPT_FAILS(400, "invalid_address", "{\"address\":\"\"}");
	ACCEPT_FAILS(400, "invalid_address", "{\"address\":\"010.77.0.9\"}");
	ACCEPT_FAILS(400, "invalid_address", "{\"address\":7}");
	ACCEPT_FAILS(400, "invalid_name", "{\"name\":\"bad name\"}");
	ACCEPT_FAILS(400, "invalid_name", "{\"name\":null}");
	ACCEPT_FAILS(400, "unknown_field", "{\"state\":\"accepted\"}");
	ACCEPT_FAILS(400, "invalid_networks", "{\"networks\":\"192.168.6.0/24\"}");
	ACCEPT_FAILS(400, "invalid_network", "{\"networks\":[\"192.168.6.1/24\"]}");
	ACCEPT_FAILS(400, "invalid_network", "{\"networks\":[\"192.168.6.0\"]}");
	ACCEPT_FAILS(400, "invalid_network", "{\"networks\":[5]}");
	ACCEPT_FAILS(400, "invalid_network", "{\"networks\":[\"192.168.0.0/16\",\"192.168.6.0/24\"]}");
	ACCEPT_FAILS(409, "network_overlap", "{\"networks\":[\"192.168.5.128/25\"]}");
	ACCEPT_FAILS(409, "network_overlap", "{\"networks\":[\"192.168.0.0/16\"]}");
	ACCEPT_FAILS(409, "network_overlap", "{\"networks\":[\"0.0.0.0/0\"]}");
	ACCEPT_FAILS(409, "network_overlap", "{\"networks\":[\"fd00::/16\"]}");
	ACCEPT_FAILS(409, "network_overlap", "{\"networks\":[\"10.77.0.128/25\"]}");
	ACCEPT_FAILS(409, "network_overlap", "{\"networks\":[\"10.0.0.0/8\"]}");
	/* A good address with a bad network: neither is kept. */
	ACCEPT_FAILS(409, "network_overlap", "{\"address\":\"10.77.0.60\",\"networks\":[\"192.168.5.0/24\"]}");
#undef ACCEPT_FAILS
	ADMIN_FAILS(409, "not_pending", "POST", path("/admin/peers/%s/accept", p[0].id), NULL);
	ADMIN_FAILS(409, "not_pending", "POST", path("/admin/peers/%s/accept", p[3].id),
	            "{\"address\":\"10.77.0.70\"}");
	ADMIN_FAILS(404, "peer_not_found", "POST", path("/admin/peers/0123456789abcdef/accept"), NULL);
	ADMIN_FAILS(404, "peer_not_found", "POST", path("/admin/peers/x'%%20OR%%201=1/accept"), NULL);

	/* The next pool address skips the explicit one; a freed one comes back. */
	accept_peer(&p[4], "{}");
	ck_assert_str_eq(jidx_str(jarr(R.body, "addresses", 1), 0), "10.77.0.4");
	OK(admin("DELETE", path("/admin/peers/%s", p[1].id), NULL), 204);
	accept_peer(&p[5], NULL);
	ck_assert_str_eq(jidx_str(jarr(R.body, "addresses", 1), 0), "10.77.0.2");
	ck_assert_int_eq(count("SELECT count(DISTINCT address) FROM addresses"),
	                 count("SELECT count(*) FROM addresses"));

	/* A full pool says so. */
	OK(admin("PUT", path("/admin/network"), "{\"ipv4_pool\":\"10.77.0.0/27\"}"), 409);
	ck_assert_str_eq(R.error_code, "addresses_outside_pool");
	OK(admin("PATCH", path("/admin/peers/%s", p[3].id), "{\"address\":\"10.77.0.5\"}"), 200);
	OK(admin("PUT", path("/admin/network"), "{\"ipv4_pool\":\"10.77.0.0/29\"}"), 200);
	/* 10.77.0.1-6 are hosts; 1, 2, 3, 4, 5 are taken. */
	reg(&q, "q", NULL);
	accept_peer(&q, NULL);
	ck_assert_str_eq(jidx_str(jarr(R.body, "addresses", 1), 0), "10.77.0.6");
	reg(&q, "r", NULL);
	ADMIN_FAILS(409, "pool_exhausted", "POST", path("/admin/peers/%s/accept", q.id), NULL);
}
END_TEST

START_TEST(reject)
{
	struct tpeer a, b;

	reg(&a, "a", NULL);
	member(&b, "b", NULL);
	ADMIN_FAILS(409, "not_pending", "POST", path("/admin/peers/%s/reject", b.id), NULL);
	ADMIN_FAILS(400, "unknown_field", "POST", path("/admin/peers/%s/reject", a.id), "{\"x\":1}");
	OK(admin("POST", path("/admin/peers/%s/reject", a.id), "{}"), 204);
	ADMIN_FAILS(404, "peer_not_found", "POST", path("/admin/peers/%s/reject", a.id), NULL);
	PEER_FAILS(401, "unauthorized", a.token, "GET", path("/peer"), NULL);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = 'peer.reject'"), 1);
}
END_TEST

START_TEST(pairing)
{
	struct tpeer a, b, c, d;
	uint8_t psk_a[KEYS_LEN], psk_b[KEYS_LEN], psk_c[KEYS_LEN], out[KEYS_LEN];
	struct json_object *arr;

	member(&a, "a", "203.0.113.1:51820");
	member(&b, "b", "203.0.113.2:51820");
	member(&c, "c", NULL);
	reg(&d, "d", NULL);

	OK(admin("PUT", path("/admin/pairs/%s/%s", b.id, a.id), NULL), 201);
	ck_assert_str_eq(jstr(R.body, "a"), strcmp(a.id, b.id) < 0 ? a.id : b.id);
	ck_assert_uint_eq(strlen(jstr(R.body, "created_at")), 20);
	/* Again, either way round: the same pair, 200, and the same key. */
	open_psk(&a, &b, psk_a);
	OK(admin("PUT", path("/admin/pairs/%s/%s", a.id, b.id), "{}"), 200);
	OK(admin("PUT", path("/admin/pairs/%s/%s", b.id, a.id), NULL), 200);
	ck_assert_int_eq(count("SELECT count(*) FROM pairs"), 1);

	/* Each side opens its box, to the same 32 bytes; not the other's box. */
	open_psk(&b, &a, psk_b);
	ck_assert_mem_eq(psk_a, psk_b, KEYS_LEN);
	remember_secret_bytes(psk_a, KEYS_LEN);
	{
		uint8_t box[KEYS_SEALED_LEN + 8];
		size_t len;
		OK(config(&a), 200);
		ck_assert_int_eq(keys_b64_decode(box, sizeof(box), &len,
		                 jstr(link_to(&b), "preshared_key_sealed")), 0);
		ck_assert_int_eq(keys_open(out, box, len, b.pk, b.sk), -1);
		ck_assert_int_eq(keys_open(out, box, len, c.pk, c.sk), -1);
	}
	/* A second pair has a key of its own. */
	pair(&a, &c);
	open_psk(&c, &a, psk_c);
	ck_assert(memcmp(psk_a, psk_c, KEYS_LEN) != 0);
	remember_secret_bytes(psk_c, KEYS_LEN);

	OK(admin("GET", path("/admin/pairs"), NULL), 200);
	arr = jarr(R.body, "pairs", 2);
	(void)arr;
	OK(admin("GET", path("/admin/peers/%s", a.id), NULL), 200);
	jarr(R.body, "pairs", 2);

	/* Refusals. */
	ADMIN_FAILS(400, "pair_self", "PUT", path("/admin/pairs/%s/%s", a.id, a.id), NULL);
	ADMIN_FAILS(409, "peer_pending", "PUT", path("/admin/pairs/%s/%s", a.id, d.id), NULL);
	ADMIN_FAILS(409, "peer_pending", "PUT", path("/admin/pairs/%s/%s", d.id, a.id), NULL);
	ADMIN_FAILS(404, "peer_not_found", "PUT", path("/admin/pairs/%s/0123456789abcdef", a.id), NULL);
	ADMIN_FAILS(404, "peer_not_found", "PUT", path("/admin/pairs/zzz/%s", a.id), NULL);
	ADMIN_FAILS(400, "unknown_field", "PUT", path("/admin/pairs/%s/%s", b.id, c.id), "{\"psk\":\"x\"}");

	/* Unpairing. */
	OK(admin("DELETE", path("/admin/pairs/%s/%s", c.id, a.id), NULL), 204);
	ADMIN_FAILS(404, "not_paired", "DELETE", path("/admin/pairs/%s/%s", a.id, c.id), NULL);
	ADMIN_FAILS(404, "not_paired", "DELETE", path("/admin/pairs/%s/%s", b.id, c.id), NULL);
	ADMIN_FAILS(404, "peer_not_found", "DELETE", path("/admin/pairs/%s/0123456789abcdef", a.id), NULL);
	ADMIN_FAILS(400, "pair_self", "DELETE", path("/admin/pairs/%s/%s", a.id, a.id), NULL);
	OK(config(&c), 200);
	jarr(R.body, "peers", 0);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = 'pair.create'"), 2);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = 'pair.delete'"), 1);
}
END_TEST

START_TEST(delete_removes_pairs)
{
	struct tpeer a, b, c;

	member(&a, "a", "203.0.113.1:51820");
	member(&b, "b", "203.0.113.2:51820");
	member(&c, "c", "203.0.113.3:51820");
	OK(admin("PATCH", path("/admin/peers/%s", b.id), "{\"networks\":[\"192.168.9.0/24\"]}"), 200);
	pair(&a, &b);
	pair(&b, &c);
	pair(&a, &c);
	ADMIN_FAILS(400, "unknown_field", "DELETE", path("/admin/peers/%s", b.id), "{\"force\":true}");
	OK(admin("DELETE", path("/admin/peers/%s", b.id), NULL), 204);
	ADMIN_FAILS(404, "peer_not_found", "GET", path("/admin/peers/%s", b.id), NULL);
	ADMIN_FAILS(404, "peer_not_found", "DELETE", path("/admin/peers/%s", b.id), NULL);
	ck_assert_int_eq(count("SELECT count(*) FROM pairs"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM networks"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM addresses"), 2);
	OK(config(&a), 200);
	jarr(R.body, "peers", 1);
	ck_assert_ptr_nonnull(link_to(&c));
	OK(admin("GET", path("/admin/peers/%s", c.id), NULL), 200);
	ck_assert_str_eq(jidx_str(jarr(R.body, "pairs", 1), 0), a.id);
	/* Its network is free for another peer now. */
	OK(admin("PATCH", path("/admin/peers/%s", c.id), "{\"networks\":[\"192.168.9.0/24\"]}"), 200);

	/* A peer leaving by itself takes its pairs along too. */
	OK(call(NULL, c.token, "DELETE", path("/peer"), "{}"), 204);
	ck_assert_int_eq(count("SELECT count(*) FROM pairs"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = 'peer.deregister' "
	                       "AND actor = 'peer:' || target"), 1);
}
END_TEST

START_TEST(patch_peer)
{
	struct tpeer a, b;

	member(&a, "a", "203.0.113.1:51820");
	reg(&b, "b", NULL);
	OK(admin("PATCH", path("/admin/peers/%s", a.id),
	         "{\"name\":\"alpha\",\"endpoint\":\"[2001:db8::1]:443\",\"listen_port\":443,"
	         "\"keepalive\":10}"), 200);
	ck_assert_str_eq(jstr(R.body, "name"), "alpha");
	ck_assert_str_eq(jstr(R.body, "endpoint"), "[2001:db8::1]:443");
	ck_assert_int_eq(jint(R.body, "listen_port"), 443);
	ck_assert_int_eq(jint(R.body, "keepalive"), 10);
	/* Absent fields stay, null ones clear. */
	OK(admin("PATCH", path("/admin/peers/%s", a.id), "{\"listen_port\":null}"), 200);
	ck_assert_str_eq(jstr(R.body, "endpoint"), "[2001:db8::1]:443");
	jnull(R.body, "listen_port");
	ck_assert_int_eq(jint(R.body, "keepalive"), 10);
	OK(admin("PATCH", path("/admin/peers/%s", a.id), "{\"endpoint\":null,\"keepalive\":null}"), 200);
	jnull(R.body, "endpoint");
	jnull(R.body, "keepalive");
	ck_assert_str_eq(jstr(R.body, "name"), "alpha");
	OK(admin("PATCH", path("/admin/peers/%s", a.id), "{}"), 200);
	OK(admin("PATCH", path("/admin/peers/%s", a.id), "{\"address\":\"10.77.0.1\"}"), 200);
	OK(admin("PATCH", path("/admin/peers/%s", a.id), "{\"networks\":[]}"), 200);

#define PATCH_FAILS(st, code, id, body) \
	ADMIN_FAILS((st), (code), "PATCH", path("/admin/peers/%s", (id)), (body))
	PATCH_FAILS(400, "body_missing", a.id, NULL);
	PATCH_FAILS(400, "unknown_field", a.id, "{\"state\":\"pending\"}");
	PATCH_FAILS(400, "unknown_field", a.id, "{\"public_key\":\"x\"}");
	PATCH_FAILS(400, "invalid_name", a.id, "{\"name\":\"\"}");
	PATCH_FAILS(400, "invalid_name", a.id, "{\"name\":\"a b\"}");
	PATCH_FAILS(400, "invalid_endpoint", a.id, "{\"endpoint\":\"fe80::1:5\"}");
	PATCH_FAILS(400, "invalid_field", a.id, "{\"listen_port\":0}");
	PATCH_FAILS(400, "invalid_field", a.id, "{\"keepalive\":65536}");
	PATCH_FAILS(400, "invalid_field", a.id, "{\"keepalive\":-1}");
	PATCH_FAILS(400, "invalid_address", a.id, "{\"address\":\"x\"}");
	PATCH_FAILS(409, "address_outside_pool", a.id, "{\"address\":\"10.1.0.1\"}");
	PATCH_FAILS(409, "peer_pending", b.id, "{\"address\":\"10.77.0.9\"}");
	PATCH_FAILS(409, "peer_pending", b.id, "{\"networks\":[\"192.168.1.0/24\"]}");
	PATCH_FAILS(404, "peer_not_found", "0123456789abcdef", "{\"name\":\"x\"}");
	/* One bad field spoils the whole edit. */
	PATCH_FAILS(409, "address_outside_pool", a.id, "{\"name\":\"zzz\",\"address\":\"10.1.0.1\"}");
	PATCH_FAILS(400, "invalid_field", a.id, "{\"name\":\"zzz\",\"keepalive\":\"1\"}");
#undef PATCH_FAILS
	OK(admin("PATCH", path("/admin/peers/%s", b.id), "{\"name\":\"still-pending\"}"), 200);
	ck_assert_str_eq(jstr(R.body, "state"), "pending");
	jarr(R.body, "addresses", 0);
}
END_TEST

START_TEST(peer_endpoint)
{
	struct tpeer a;
	struct request rq;

	member(&a, "a", "203.0.113.1:51820");
	/* Here: the parsing. The once-a-minute limit is check_hostile's. */
	OK(admin("PUT", path("/admin/network"), "{\"endpoint_min_interval\":0}"), 200);
	OK(call(NULL, a.token, "PUT", path("/peer/endpoint"), "{\"endpoint\":\"198.51.100.7:4500\"}"), 200);
	ck_assert_str_eq(jstr(R.body, "endpoint"), "198.51.100.7:4500");
	ck_assert_str_eq(jstr(R.body, "state"), "accepted");
	OK(call(NULL, a.token, "PUT", path("/peer/endpoint"), "{\"endpoint\":\"NAT\"}"), 200);
	jnull(R.body, "endpoint");
	OK(call(NULL, a.token, "PUT", path("/peer/endpoint"), "{\"endpoint\":\"[::1]:5\"}"), 200);
	ck_assert_str_eq(jstr(R.body, "endpoint"), "[::1]:5");
	OK(call(NULL, a.token, "PUT", path("/peer/endpoint"), "{\"endpoint\":null}"), 200);
	jnull(R.body, "endpoint");
	ck_assert_int_eq(count("SELECT sum(count) FROM audit WHERE action = 'peer.endpoint'"), 4);

	PEER_FAILS(400, "body_missing", a.token, "PUT", path("/peer/endpoint"), NULL);
	PEER_FAILS(400, "missing_field", a.token, "PUT", path("/peer/endpoint"), "{}");
	PEER_FAILS(400, "unknown_field", a.token, "PUT", path("/peer/endpoint"),
	           "{\"endpoint\":null,\"name\":\"x\"}");
	PEER_FAILS(400, "invalid_endpoint", a.token, "PUT", path("/peer/endpoint"),
	           "{\"endpoint\":\"1.2.3.999:5\"}");
	PEER_FAILS(400, "invalid_endpoint", a.token, "PUT", path("/peer/endpoint"),
	           "{\"endpoint\":\"::1:5\"}");
	PEER_FAILS(400, "invalid_endpoint", a.token, "PUT", path("/peer/endpoint"),
	           "{\"endpoint\":[\"1.2.3.4:5\"]}");
	PEER_FAILS(400, "json_duplicate_key", a.token, "PUT", path("/peer/endpoint"),
	           "{\"endpoint\":null,\"endpoint\":\"1.2.3.4:5\"}");
	base_request(&rq, NULL, a.token, "PUT", path("/peer/endpoint"), "{\"endpoint\":null}");
	rq.content_type = "text/plain";
	fails_req(415, "content_type_not_json", &rq);
}
END_TEST

START_TEST(network)
{
	struct tpeer a, b, c;
	struct json_object *iface;

	OK(admin("GET", path("/admin/network"), NULL), 200);
	ck_assert_str_eq(jstr(R.body, "ipv4_pool"), "10.77.0.0/24");
	jnull(R.body, "ipv6_pool");
	jnull(R.body, "mtu");
	ck_assert_int_eq(jint(R.body, "keepalive"), 25);
	jarr(R.body, "dns", 0);

	member(&a, "a", "203.0.113.1:51820");
	member(&b, "b", "203.0.113.2:51820");
	pair(&a, &b);
	reg(&c, "c", NULL);

	/* An IPv6 pool gives every accepted peer an IPv6 address. */
	OK(admin("PUT", path("/admin/network"), "{\"ipv6_pool\":\"FD77:0::/64\"}"), 200);
	ck_assert_str_eq(jstr(R.body, "ipv6_pool"), "fd77::/64");
	ck_assert_str_eq(jstr(R.body, "ipv4_pool"), "10.77.0.0/24");
	OK(admin("GET", path("/admin/peers/%s", a.id), NULL), 200);
	ck_assert_str_eq(jidx_str(jarr(R.body, "addresses", 2), 1), "fd77::1");
	OK(config(&a), 200);
	iface = jget(R.body, "interface");
	ck_assert_str_eq(jidx_str(jarr(iface, "addresses", 2), 1), "fd77::1/64");
	ck_assert_str_eq(jidx_str(jarr(link_to(&b), "allowed_ips", 2), 1), "fd77::2/128");
	accept_peer(&c, NULL);
	ck_assert_str_eq(jidx_str(jarr(R.body, "addresses", 2), 1), "fd77::3");
	ck_assert_int_eq(count("SELECT count(*) FROM addresses WHERE family = 6"), 3);
	OK(admin("PATCH", path("/admin/peers/%s", c.id), "{\"address\":\"fd77::99\"}"), 200);
	ck_assert_str_eq(jidx_str(jarr(R.body, "addresses", 2), 1), "fd77::99");
	ck_assert_str_eq(jidx_str(jget(R.body, "addresses"), 0), "10.77.0.3");
	ADMIN_FAILS(409, "address_taken", "PATCH", path("/admin/peers/%s", c.id),
	            "{\"address\":\"fd77::1\"}");
	ADMIN_FAILS(409, "address_outside_pool", "PATCH", path("/admin/peers/%s", c.id),
	            "{\"address\":\"fd78::1\"}");
	ADMIN_FAILS(409, "address_outside_pool", "PATCH", path("/admin/peers/%s", c.id),
	            "{\"address\":\"fd77::\"}");

	/* A pool change that would orphan an address is refused as a whole. */
	ADMIN_FAILS(409, "addresses_outside_pool", "PUT", path("/admin/network"),
	            "{\"ipv4_pool\":\"10.78.0.0/24\",\"mtu\":1400}");
	ADMIN_FAILS(409, "addresses_outside_pool", "PUT", path("/admin/network"),
	            "{\"ipv6_pool\":\"fd78::/64\"}");
	ADMIN_FAILS(409, "addresses_outside_pool", "PUT", path("/admin/network"),
	            "{\"ipv4_pool\":\"10.77.0.0/30\"}");
	/* A wider pool keeps everyone, and the prefix follows. */
	OK(admin("PUT", path("/admin/network"), "{\"ipv4_pool\":\"10.77.0.0/16\"}"), 200);
	OK(config(&a), 200);
	ck_assert_str_eq(jidx_str(jarr(jget(R.body, "interface"), "addresses", 2), 0), "10.77.0.1/16");
	/* A pool that would swallow a routed network is refused. */
	OK(admin("PATCH", path("/admin/peers/%s", b.id), "{\"networks\":[\"10.78.0.0/24\"]}"), 200);
	ADMIN_FAILS(409, "network_overlap", "PUT", path("/admin/network"), "{\"ipv4_pool\":\"10.76.0.0/14\"}");

	/* Dropping the IPv6 pool takes the IPv6 addresses along. */
	OK(admin("PUT", path("/admin/network"), "{\"ipv6_pool\":null}"), 200);
	jnull(R.body, "ipv6_pool");
	ck_assert_int_eq(count("SELECT count(*) FROM addresses WHERE family = 6"), 0);
	OK(config(&a), 200);
	jarr(jget(R.body, "interface"), "addresses", 1);

	/* Settings. */
	OK(admin("PUT", path("/admin/network"),
	         "{\"mtu\":1420,\"keepalive\":0,\"dns\":[\"10.77.0.1\",\"2606:4700:0::1111\"]}"), 200);
	ck_assert_int_eq(jint(R.body, "mtu"), 1420);
	ck_assert_int_eq(jint(R.body, "keepalive"), 0);
	ck_assert_str_eq(jidx_str(jarr(R.body, "dns", 2), 1), "2606:4700::1111");
	OK(admin("PUT", path("/admin/network"), "{\"mtu\":null,\"dns\":null}"), 200);
	jnull(R.body, "mtu");
	jarr(R.body, "dns", 0);
	OK(admin("GET", path("/admin/network"), NULL), 200);
	jnull(R.body, "mtu");
	ck_assert_str_eq(jstr(R.body, "ipv4_pool"), "10.77.0.0/16");

#define NET_FAILS(code, body) ADMIN_FAILS(400, (code), "PUT", path("/admin/network"), (body))
	NET_FAILS("body_missing", NULL);
	NET_FAILS("unknown_field", "{\"revision\":1}");
	NET_FAILS("invalid_pool", "{\"ipv4_pool\":\"10.77.0.1/24\"}");
	NET_FAILS("invalid_pool", "{\"ipv4_pool\":\"10.77.0.0/31\"}");
	NET_FAILS("invalid_pool", "{\"ipv4_pool\":\"10.0.0.0/7\"}");
	NET_FAILS("invalid_pool", "{\"ipv4_pool\":\"fd77::/64\"}");
	NET_FAILS("invalid_pool", "{\"ipv4_pool\":null}");
	NET_FAILS("invalid_pool", "{\"ipv4_pool\":\"\"}");
	NET_FAILS("invalid_pool", "{\"ipv4_pool\":24}");
	NET_FAILS("invalid_pool", "{\"ipv6_pool\":\"10.77.0.0/24\"}");
	NET_FAILS("invalid_pool", "{\"ipv6_pool\":\"fd77::/127\"}");
	NET_FAILS("invalid_pool", "{\"ipv6_pool\":\"fd77::1/64\"}");
	NET_FAILS("invalid_field", "{\"mtu\":1279}");
	NET_FAILS("invalid_field", "{\"mtu\":9001}");
	NET_FAILS("invalid_field", "{\"mtu\":\"1420\"}");
	NET_FAILS("invalid_field", "{\"keepalive\":null}");
	NET_FAILS("invalid_field", "{\"keepalive\":-1}");
	NET_FAILS("invalid_dns", "{\"dns\":\"1.1.1.1\"}");
	NET_FAILS("invalid_dns", "{\"dns\":[\"one.one.one.one\"]}");
	NET_FAILS("invalid_dns", "{\"dns\":[\"1.1.1.0/24\"]}");
	NET_FAILS("invalid_dns", "{\"dns\":[1]}");
	NET_FAILS("invalid_dns", "{\"dns\":[\"1.1.1.1\",\"1.1.1.2\",\"1.1.1.3\",\"1.1.1.4\","
	          "\"1.1.1.5\",\"1.1.1.6\",\"1.1.1.7\",\"1.1.1.8\",\"1.1.1.9\"]}");
	/* A good field next to a bad one is not kept. */
	NET_FAILS("invalid_dns", "{\"mtu\":1400,\"dns\":[\"x\"]}");
#undef NET_FAILS
}
END_TEST

START_TEST(network_v6_pool_for_new_peers)
{
	struct tpeer a;

	OK(admin("PUT", path("/admin/network"), "{\"ipv6_pool\":\"fd00:77::/120\"}"), 200);
	member(&a, "a", NULL);
	ck_assert_str_eq(jidx_str(jarr(R.body, "addresses", 2), 0), "10.77.0.1");
	ck_assert_str_eq(jidx_str(jget(R.body, "addresses"), 1), "fd00:77::1");
	/* An explicit IPv6 address on accept; the IPv4 one comes from the pool. */
	reg(&a, "b", NULL);
	accept_peer(&a, "{\"address\":\"fd00:77::42\"}");
	ck_assert_str_eq(jidx_str(jarr(R.body, "addresses", 2), 0), "10.77.0.2");
	ck_assert_str_eq(jidx_str(jget(R.body, "addresses"), 1), "fd00:77::42");
	OK(config(&a), 200);
	ck_assert_str_eq(jidx_str(jarr(jget(R.body, "interface"), "addresses", 2), 1), "fd00:77::42/120");
}
END_TEST

START_TEST(audit)
{
	struct tpeer a, b;
	char code[64], id[PEER_ID_LEN], actor[64], extra[128];
	struct json_object *entries, *e;
	int64_t first, next;

	reg(&a, "a", "203.0.113.1:51820");
	accept_peer(&a, NULL);
	make_invite(NULL, code, id);
	snprintf(extra, sizeof(extra), ",\"invite\":\"%s\"", code);
	OK(register_with(&b, "b", NULL, extra), 201);
	pair(&a, &b);
	OK(call(NULL, a.token, "PUT", path("/peer/endpoint"), "{\"endpoint\":\"203.0.113.9:1\"}"), 200);
	OK(admin("PUT", path("/admin/network"), "{\"keepalive\":20}"), 200);
	OK(admin("PATCH", path("/admin/peers/%s", b.id), "{\"name\":\"bee\"}"), 200);
	OK(admin("DELETE", path("/admin/pairs/%s/%s", a.id, b.id), NULL), 204);
	OK(admin("DELETE", path("/admin/invites/%s", id), NULL), 204);
	OK(call(NULL, b.token, "DELETE", path("/peer"), NULL), 204);
	/* Reads write nothing. */
	{
		int64_t n = count("SELECT count(*) FROM audit");
		OK(admin("GET", path("/admin/peers"), NULL), 200);
		OK(config(&a), 200);
		OK(call(NULL, a.token, "GET", path("/peer"), NULL), 200);
		ck_assert_int_eq(count("SELECT count(*) FROM audit"), n);
	}

	OK(admin("GET", path("/admin/audit"), NULL), 200);
	entries = jarr(R.body, "entries", 11);
	jnull(R.body, "next");
	static const struct { const char *action, *actor; } want[] = {
		{ "peer.deregister", "b" }, { "invite.delete", NULL }, { "pair.delete", NULL },
		{ "peer.edit", NULL }, { "network.edit", NULL }, { "peer.endpoint", "a" },
		{ "pair.create", NULL }, { "peer.register", "b" }, { "invite.create", NULL },
		{ "peer.accept", NULL }, { "peer.register", "a" } };
	for (size_t i = 0; i < 11; i++) {
		e = json_object_array_get_idx(entries, i);
		ck_assert_str_eq(jstr(e, "action"), want[i].action);
		if (want[i].actor == NULL)
			snprintf(actor, sizeof(actor), "admin:%s", ADMIN_USER);
		else
			snprintf(actor, sizeof(actor), "peer:%s", want[i].actor[0] == 'a' ? a.id : b.id);
		ck_assert_str_eq(jstr(e, "actor"), actor);
		ck_assert_uint_eq(strlen(jstr(e, "at")), 20);
	}
	e = json_object_array_get_idx(entries, 10);
	ck_assert_str_eq(jstr(e, "target"), a.id);
	ck_assert_str_eq(jstr(jget(e, "detail"), "name"), "a");
	e = json_object_array_get_idx(entries, 4);
	jnull(e, "target");
	ck_assert_int_eq(jint(jget(e, "detail"), "keepalive"), 20);
	e = json_object_array_get_idx(entries, 8);
	ck_assert_str_eq(jstr(e, "target"), id);
	first = jint(json_object_array_get_idx(entries, 0), "id");

	/* Paging: newest first, `next` points on. */
	OK(admin("GET", path("/admin/audit?limit=4"), NULL), 200);
	entries = jarr(R.body, "entries", 4);
	ck_assert_int_eq(jint(json_object_array_get_idx(entries, 0), "id"), first);
	next = jint(R.body, "next");
	OK(admin("GET", path("/admin/audit?limit=4&before=%lld", (long long)next), NULL), 200);
	entries = jarr(R.body, "entries", 4);
	ck_assert_int_lt(jint(json_object_array_get_idx(entries, 0), "id"), next);
	ck_assert_str_eq(jstr(json_object_array_get_idx(entries, 0), "action"), "network.edit");
	next = jint(R.body, "next");
	OK(admin("GET", path("/admin/audit?before=%lld&limit=4", (long long)next), NULL), 200);
	jarr(R.body, "entries", 3);
	jnull(R.body, "next");
	OK(admin("GET", path("/admin/audit?before=1"), NULL), 200);
	jarr(R.body, "entries", 0);

	ADMIN_FAILS(400, "invalid_limit", "GET", path("/admin/audit?limit=0"), NULL);
	ADMIN_FAILS(400, "invalid_limit", "GET", path("/admin/audit?limit=1001"), NULL);
	OK(admin("GET", path("/admin/audit?limit=1000"), NULL), 200);

	/* ?q= searches the whole log: actor, action, target, detail, and the
	 * target's name now, ignoring case. */
	OK(admin("GET", path("/admin/audit?q=NETWORK.edit"), NULL), 200);
	e = json_object_array_get_idx(jarr(R.body, "entries", 1), 0);
	ck_assert_str_eq(jstr(e, "action"), "network.edit");
	OK(admin("GET", path("/admin/audit?q=peer.register&limit=1"), NULL), 200);
	jarr(R.body, "entries", 1);
	next = jint(R.body, "next");
	OK(admin("GET", path("/admin/audit?q=peer.register&before=%lld", (long long)next), NULL), 200);
	ck_assert_str_eq(jstr(json_object_array_get_idx(jarr(R.body, "entries", 1), 0), "action"), "peer.register");
	jnull(R.body, "next");
	OK(admin("GET", path("/admin/audit?q=no-such-thing"), NULL), 200);
	jarr(R.body, "entries", 0);
	ADMIN_FAILS(400, "invalid_q", "GET", path("/admin/audit?q="), NULL);
	ADMIN_FAILS(400, "invalid_limit", "GET", path("/admin/audit?limit=-1"), NULL);
	ADMIN_FAILS(400, "invalid_limit", "GET", path("/admin/audit?limit=1x"), NULL);
	ADMIN_FAILS(400, "invalid_limit", "GET", path("/admin/audit?limit="), NULL);
	/* Longer than the route allows for the key: refused before the handler. */
	ADMIN_FAILS(400, "invalid_parameter", "GET", path("/admin/audit?limit=99999999999999999999"), NULL);
	ADMIN_FAILS(400, "invalid_before", "GET", path("/admin/audit?before=0"), NULL);
	ADMIN_FAILS(400, "invalid_before", "GET", path("/admin/audit?before=x"), NULL);

	/* Secrets never: the teardown scans every table for tokens, codes, PSKs and
	 * private keys; here no audit detail even has a member named like one.
	 * GLOB, not LIKE: LIKE ignores case, and a base64 public key in a detail
	 * spells "pSk" or "CODE" now and then. */
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE detail GLOB '*\"token*' "
	                       "OR detail GLOB '*\"code*' OR detail GLOB '*\"psk*' "
	                       "OR detail GLOB '*\"secret*' OR detail GLOB '*sealed\"*'"), 0);
}
END_TEST

START_TEST(secrets_stored_only_as_hashes)
{
	struct tpeer a, b;
	uint8_t psk[KEYS_LEN], h[KEYS_LEN];
	char code[64], id[PEER_ID_LEN];
	sqlite3_stmt *st = NULL;

	member(&a, "a", "203.0.113.1:51820");
	member(&b, "b", "203.0.113.2:51820");
	pair(&a, &b);
	open_psk(&a, &b, psk);
	remember_secret_bytes(psk, KEYS_LEN);
	make_invite(NULL, code, id);

	/* The token's hash is what is kept, and the boxes open to the PSK. */
	keys_hash(h, a.token + PEER_ID_LEN, strlen(a.token + PEER_ID_LEN));
	ck_assert_int_eq(sqlite3_prepare_v2(db_handle(), "SELECT token_hash FROM peers WHERE id = ?1",
	                 -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, a.id, -1, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_bytes(st, 0), KEYS_LEN);
	ck_assert_mem_eq(sqlite3_column_blob(st, 0), h, KEYS_LEN);
	sqlite3_finalize(st);
	keys_hash(h, code, strlen(code));
	ck_assert_int_eq(sqlite3_prepare_v2(db_handle(), "SELECT count(*) FROM invites WHERE code_hash = ?1",
	                 -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_blob(st, 1, h, KEYS_LEN, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_int(st, 0), 1);
	sqlite3_finalize(st);
	ck_assert_int_eq(sqlite3_prepare_v2(db_handle(), "SELECT a, psk_box_a, psk_box_b FROM pairs",
	                 -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	{
		const struct tpeer *x = strcmp((const char *)sqlite3_column_text(st, 0), a.id) == 0 ? &a : &b;
		const struct tpeer *y = x == &a ? &b : &a;
		uint8_t got[KEYS_LEN];
		ck_assert_int_eq(keys_open(got, sqlite3_column_blob(st, 1),
		                 (size_t)sqlite3_column_bytes(st, 1), x->pk, x->sk), 0);
		ck_assert_mem_eq(got, psk, KEYS_LEN);
		ck_assert_int_eq(keys_open(got, sqlite3_column_blob(st, 2),
		                 (size_t)sqlite3_column_bytes(st, 2), y->pk, y->sk), 0);
		ck_assert_mem_eq(got, psk, KEYS_LEN);
		ck_assert_int_eq(keys_open(got, sqlite3_column_blob(st, 1),
		                 (size_t)sqlite3_column_bytes(st, 1), y->pk, y->sk), -1);
	}
	sqlite3_finalize(st);
	/* The invite's code is shown once: never in the list or the audit. */
	OK(admin("GET", path("/admin/invites"), NULL), 200);
	ck_assert_ptr_null(strstr(json_object_to_json_string(R.body), code));
	OK(admin("GET", path("/admin/audit"), NULL), 200);
	ck_assert_ptr_null(strstr(json_object_to_json_string(R.body), code));
	ck_assert_ptr_null(strstr(json_object_to_json_string(R.body), a.token + PEER_ID_LEN));
}
END_TEST

START_TEST(admin_needs_remote_user)
{
	static const struct { const char *method, *p, *body; } routes[] = {
		{ "GET", "/admin/peers", NULL },
		{ "GET", "/admin/peers/0123456789abcdef", NULL },
		{ "PATCH", "/admin/peers/0123456789abcdef", "{\"name\":\"x\"}" },
		{ "DELETE", "/admin/peers/0123456789abcdef", NULL },
		{ "POST", "/admin/peers/0123456789abcdef/accept", "{}" },
		{ "POST", "/admin/peers/0123456789abcdef/reject", "{}" },
		{ "GET", "/admin/peers/0123456789abcdef/config", NULL },
		{ "GET", "/admin/pairs", NULL },
		{ "PUT", "/admin/pairs/0123456789abcdef/fedcba9876543210", NULL },
		{ "DELETE", "/admin/pairs/0123456789abcdef/fedcba9876543210", NULL },
		{ "GET", "/admin/network", NULL },
		{ "PUT", "/admin/network", "{\"keepalive\":1}" },
		{ "GET", "/admin/invites", NULL },
		{ "POST", "/admin/invites", "{}" },
		{ "DELETE", "/admin/invites/0123456789abcdef", NULL },
		{ "GET", "/admin/audit", NULL },
	};
	struct tpeer a;

	reg(&a, "a", NULL);
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		fails(403, "admin_required", NULL, NULL, routes[i].method, path("%s", routes[i].p),
		      routes[i].body);
		fails(403, "admin_required", "", NULL, routes[i].method, path("%s", routes[i].p),
		      routes[i].body);
		fails(403, "admin_required", NULL, a.token, routes[i].method, path("%s", routes[i].p),
		      routes[i].body);
	}
	/* With an admin the same list answers (or refuses for its own reasons). */
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		int st = admin(routes[i].method, path("%s", routes[i].p), routes[i].body);
		ck_assert_msg(st != 403 && st != 401 && st != 405 && st < 500, "%s %s gave %d",
		              routes[i].method, routes[i].p, st);
		if (st == 201 && strcmp(routes[i].p, "/admin/invites") == 0)
			remember_secret(jstr(R.body, "code"), strlen(jstr(R.body, "code")));
	}
	OK(admin("GET", path("/admin/audit"), NULL), 200);
	ck_assert_str_eq(jstr(json_object_array_get_idx(jget(R.body, "entries"), 0), "actor"),
	                 "admin:" ADMIN_USER);
}
END_TEST

START_TEST(csrf)
{
	struct tpeer a;
	struct request rq;
	const char *p;

	reg(&a, "a", NULL);
	p = path("/admin/peers/%s/accept", a.id);

	/* Not JSON: a form could have sent it. */
	base_request(&rq, ADMIN_USER, NULL, "POST", p, "{}");
	rq.content_type = "text/plain";
	fails_req(415, "content_type_not_json", &rq);
	rq.content_type = "application/x-www-form-urlencoded";
	fails_req(415, "content_type_not_json", &rq);
	rq.content_type = "multipart/form-data; boundary=x";
	fails_req(415, "content_type_not_json", &rq);
	rq.content_type = "application/json-seq";
	fails_req(415, "content_type_not_json", &rq);
	rq.content_type = NULL;
	fails_req(415, "content_type_not_json", &rq);
	/* Even without a body: DELETE and PUT need it too. */
	base_request(&rq, ADMIN_USER, NULL, "DELETE", path("/admin/peers/%s", a.id), NULL);
	rq.content_type = NULL;
	fails_req(415, "content_type_not_json", &rq);
	base_request(&rq, ADMIN_USER, NULL, "PUT", path("/admin/pairs/%s/0123456789abcdef", a.id), NULL);
	rq.content_type = "text/plain";
	fails_req(415, "content_type_not_json", &rq);

	/* A browser says where the request came from. */
	base_request(&rq, ADMIN_USER, NULL, "POST", p, "{}");
	rq.origin = "https://evil.example";
	fails_req(403, "cross_site_request", &rq);
	rq.origin = "null";
	fails_req(403, "cross_site_request", &rq);
	rq.origin = "http://" HOST;             /* another scheme is another origin */
	fails_req(403, "cross_site_request", &rq);
	rq.origin = "https://" HOST ":8443";
	fails_req(403, "cross_site_request", &rq);
	rq.origin = "https://" HOST ".evil.example";
	fails_req(403, "cross_site_request", &rq);
	rq.origin = "https://" HOST;
	rq.host = NULL;
	fails_req(403, "cross_site_request", &rq);
	rq.host = HOST;
	rq.origin = NULL;
	rq.sec_fetch_site = "cross-site";
	fails_req(403, "cross_site_request", &rq);
	rq.sec_fetch_site = "same-site";
	fails_req(403, "cross_site_request", &rq);
	rq.origin = "https://" HOST;
	rq.sec_fetch_site = "cross-site";
	fails_req(403, "cross_site_request", &rq);
	/* A read is not a change: a cross-site GET is answered (CORS keeps the
	 * page from reading it). */
	base_request(&rq, ADMIN_USER, NULL, "GET", path("/admin/peers"), NULL);
	rq.origin = "https://evil.example";
	rq.sec_fetch_site = "cross-site";
	OK(send_req(&rq), 200);

	/* Same origin, said either way, and a typed-in request. */
	base_request(&rq, ADMIN_USER, NULL, "POST", p, "{}");
	rq.origin = "https://WG.example";
	rq.sec_fetch_site = "same-origin";
	rq.content_type = "application/json; charset=utf-8";
	OK(send_req(&rq), 200);
	base_request(&rq, ADMIN_USER, NULL, "PATCH", path("/admin/peers/%s", a.id), "{\"name\":\"b\"}");
	rq.sec_fetch_site = "none";
	OK(send_req(&rq), 200);
	base_request(&rq, ADMIN_USER, NULL, "PATCH", path("/admin/peers/%s", a.id), "{\"name\":\"c\"}");
	rq.scheme = "http";
	rq.origin = "http://" HOST;
	OK(send_req(&rq), 200);

	/*
	 * Debian's stock fastcgi_params sends HTTP_HOST as nginx's $host: no
	 * port. The browser's Origin keeps a port that is not the scheme's
	 * default, and SERVER_PORT (where the request came in) stands in.
	 */
	base_request(&rq, ADMIN_USER, NULL, "PATCH", path("/admin/peers/%s", a.id), "{\"name\":\"d\"}");
	rq.origin = "https://" HOST ":8443";
	rq.server_port = "8443";
	OK(send_req(&rq), 200);
	rq.origin = "https://WG.EXAMPLE:8443";
	OK(send_req(&rq), 200);
	/* The Host as sent still counts (a proxy on 443 in front of an nginx
	 * on 8443 sends both without port). */
	rq.origin = "https://" HOST;
	OK(send_req(&rq), 200);
	rq.origin = "https://" HOST ":8444";
	fails_req(403, "cross_site_request", &rq);
	rq.origin = "https://" HOST ":08443";
	fails_req(403, "cross_site_request", &rq);
	rq.origin = "http://" HOST ":8443";     /* same port, other scheme */
	fails_req(403, "cross_site_request", &rq);
	rq.origin = "https://evil.example:8443";
	fails_req(403, "cross_site_request", &rq);
	rq.origin = "https://" HOST ":8443";
	rq.sec_fetch_site = "cross-site";
	fails_req(403, "cross_site_request", &rq);
	rq.sec_fetch_site = NULL;
	/* A Host that names its port is compared as it is, SERVER_PORT unused. */
	rq.host = HOST ":9000";
	fails_req(403, "cross_site_request", &rq);
	rq.origin = "https://" HOST ":9000";
	OK(send_req(&rq), 200);
	rq.host = HOST;
	/* The default port in SERVER_PORT: the Origin has none. */
	rq.server_port = "443";
	rq.origin = "https://" HOST ":443";
	fails_req(403, "cross_site_request", &rq);
	rq.origin = "https://" HOST;
	OK(send_req(&rq), 200);
	/* A SERVER_PORT that is not a port stands in for nothing. */
	rq.origin = "https://" HOST ":8443";
	rq.server_port = "8443x";
	fails_req(403, "cross_site_request", &rq);
	rq.server_port = "";
	fails_req(403, "cross_site_request", &rq);
	rq.server_port = "99999";
	fails_req(403, "cross_site_request", &rq);
	/* An IPv6 literal without port, and with it. */
	rq.host = "[2001:db8::1]";
	rq.server_port = "8443";
	rq.origin = "https://[2001:db8::1]:8443";
	OK(send_req(&rq), 200);
	rq.origin = "https://[2001:db8::1]:8444";
	fails_req(403, "cross_site_request", &rq);
	rq.host = "[2001:db8::1]:8444";
	OK(send_req(&rq), 200);
}
END_TEST

/* Signs p's proposed statement (docs/trust.md) with an admin key the
 * network trusts, as wgconf admin sign does: GET /statement, PUT /signature. */
static void
sign_peer(const struct tpeer *p, const uint8_t sk[KEYS_SIGN_SK_LEN])
{
	char b64[KEYS_SIG_B64_LEN], body[256];
	const char *text;
	int64_t version;

	OK(admin("GET", path("/admin/peers/%s/statement", p->id), NULL), 200);
	text = jstr(R.body, "proposed");
	version = jint(R.body, "version");
	statement_sign(b64, text, strlen(text), sk);
	snprintf(body, sizeof(body), "{\"version\":%lld,\"signature\":\"%s\"}",
	         (long long)version, b64);
	OK(admin("PUT", path("/admin/peers/%s/signature", p->id), body), 200);
	ck_assert_str_eq(jstr(R.body, "signature"), "valid");
}

/* A mesh of three accepted peers, a paired with b and c, b with a routed
 * network, all signed under the network's signing key. */
static void
signed_mesh(struct tpeer *a, struct tpeer *b, struct tpeer *c)
{
	uint8_t pk[KEYS_LEN], sk[KEYS_SIGN_SK_LEN];
	char pkb64[KEYS_B64_LEN], body[256];

	keys_sign_keypair(pk, sk);
	keys_b64_encode(pkb64, sizeof(pkb64), pk, sizeof(pk));
	snprintf(body, sizeof(body), "{\"signing_key\":\"%s\"}", pkb64);
	OK(admin("PUT", path("/admin/network"), body), 200);
	member(a, "a", "192.0.2.1:51820");
	reg(b, "b", "192.0.2.2:51820");
	accept_peer(b, "{\"networks\":[\"192.168.50.0/24\"]}");
	member(c, "c", NULL);
	pair(a, b);
	pair(a, c);
	sign_peer(a, sk);
	sign_peer(b, sk);
	sign_peer(c, sk);
}

/* A call while a table is renamed away (no snapshot possible): its
 * status and code. */
static void
broken(int want, const char *code, const char *user, const char *token, const char *method,
       const char *p)
{
	OK(call(user, token, method, p, NULL), want);
	ck_assert_str_eq(R.error_code, code);
}


START_TEST(config_fails_closed)
{
	struct tpeer a, b, c;
	struct request rq;
	char *want, etag_want[48];

	signed_mesh(&a, &b, &c);
	OK(config(&a), 200);
	ck_assert_uint_eq(json_object_array_length(jget(R.body, "peers")), 2);
	want = strdup(json_object_to_json_string(R.body));
	snprintf(etag_want, sizeof(etag_want), "%s", R.etag);
	base_request(&rq, NULL, a.token, "GET", path("/peer/config"), NULL);
	faults_never_half(&rq, 200, want, etag_want);
	/* The admin's preview of it too. */
	base_request(&rq, ADMIN_USER, NULL, "GET", path("/admin/peers/%s/config", a.id), NULL);
	faults_never_half(&rq, 200, want, "");
	free(want);

	/* A table gone mid-life: 500, no ETag, not a config without peers.
	 * A kept body would be sent without reading them, so it goes first;
	 * and the kept bodies' table gone is a 500 too, not a rebuild. */
	exec_sql("DELETE FROM config_cache");
	exec_sql("ALTER TABLE networks RENAME TO networks_gone");
	broken(500, "database_error", NULL, a.token, "GET", path("/peer/config"));
	ck_assert_str_eq(R.etag, "");
	exec_sql("ALTER TABLE networks_gone RENAME TO networks");
	exec_sql("ALTER TABLE pairs RENAME TO pairs_gone");
	broken(500, "database_error", NULL, a.token, "GET", path("/peer/config"));
	ck_assert_str_eq(R.etag, "");
	exec_sql("ALTER TABLE pairs_gone RENAME TO pairs");
	ck_assert_int_eq(count("SELECT count(*) FROM config_cache"), 0);
	exec_sql("ALTER TABLE config_cache RENAME TO config_cache_gone");
	broken(500, "database_error", NULL, a.token, "GET", path("/peer/config"));
	ck_assert_str_eq(R.etag, "");
	exec_sql("ALTER TABLE config_cache_gone RENAME TO config_cache");
	OK(config(&a), 200);
	ck_assert_uint_eq(json_object_array_length(jget(R.body, "peers")), 2);
}
END_TEST

START_TEST(signature_state_fails_closed)
{
	struct tpeer a, b, c;
	struct json_object *peers;
	struct request rq;
	char *want, etag_want[48];

	signed_mesh(&a, &b, &c);
	OK(admin("GET", path("/admin/peers"), NULL), 200);
	peers = jarr(R.body, "peers", 3);
	for (size_t i = 0; i < 3; i++)
		ck_assert_str_eq(jstr(json_object_array_get_idx(peers, i), "signature"), "valid");
	want = strdup(json_object_to_json_string(R.body));
	base_request(&rq, ADMIN_USER, NULL, "GET", path("/admin/peers"), NULL);
	faults_never_half(&rq, 200, want, "");
	free(want);

	OK(admin("GET", path("/admin/peers/%s", b.id), NULL), 200);
	want = strdup(json_object_to_json_string(R.body));
	snprintf(etag_want, sizeof(etag_want), "%s", R.etag);
	ck_assert_str_eq(etag_want, jstr_int(R.body, "revision"));
	base_request(&rq, ADMIN_USER, NULL, "GET", path("/admin/peers/%s", b.id), NULL);
	faults_never_half(&rq, 200, want, etag_want);
	free(want);

	/* The network row unreadable: an error, not "invalid". */
	exec_sql("ALTER TABLE network RENAME TO network_gone");
	broken(500, "database_error", ADMIN_USER, NULL, "GET", path("/admin/peers"));
	broken(500, "database_error", NULL, b.token, "GET", path("/peer"));
	exec_sql("ALTER TABLE network_gone RENAME TO network");
	exec_sql("ALTER TABLE networks RENAME TO networks_gone");
	broken(500, "database_error", ADMIN_USER, NULL, "GET", path("/admin/peers/%s", b.id));
	exec_sql("ALTER TABLE networks_gone RENAME TO networks");
	OK(admin("GET", path("/admin/peers/%s", b.id), NULL), 200);
	ck_assert_str_eq(jstr(R.body, "signature"), "valid");
}
END_TEST

/* ---- If-Match, tags and rules ---------------------------------------- */

/* An admin request with If-Match (NULL: none). */
static void
if_match_request(struct request *rq, const char *method, const char *p, const char *body,
                 const char *if_match)
{
	base_request(rq, ADMIN_USER, NULL, method, p, body);
	rq->if_match = if_match;
}

static int64_t
revision_of(const struct tpeer *p)
{
	OK(admin("GET", path("/admin/peers/%s", p->id), NULL), 200);
	ck_assert_str_eq(R.etag, jstr_int(R.body, "revision"));
	return jint(R.body, "revision");
}

START_TEST(if_match)
{
	struct tpeer a, b;
	struct request rq;
	struct json_object *e, *cur;
	char old[64], now[64], etag_after[64], list[160];

	member(&a, "a", "203.0.113.1:51820");
	member(&b, "b", "203.0.113.2:51820");
	snprintf(old, sizeof(old), "\"%lld\"", (long long)revision_of(&a));
	/* The host moves; an edit from the view before that is refused whole,
	 * and the answer shows the peer as it is now. */
	OK(call(NULL, a.token, "PUT", path("/peer/endpoint"), "{\"endpoint\":\"198.51.100.9:4500\"}"), 200);
	if_match_request(&rq, "PATCH", path("/admin/peers/%s", a.id), "{\"name\":\"alpha\"}", old);
	fails_req(412, "precondition_failed", &rq);
	ck_assert(json_object_object_get_ex(R.body, "error", &e));
	cur = jget(e, "current");
	ck_assert_str_eq(jstr(cur, "endpoint"), "198.51.100.9:4500");
	ck_assert_str_eq(jstr(cur, "name"), "a");
	ck_assert_str_eq(R.etag, jstr_int(cur, "revision"));
	snprintf(now, sizeof(now), "\"%s\"", jstr_int(cur, "revision"));
	ck_assert_str_ne(now, old);
	/* Weak tags never match; a list matches when one of it does. */
	if_match_request(&rq, "PATCH", path("/admin/peers/%s", a.id), "{\"name\":\"alpha\"}", "W/\"999\"");
	fails_req(412, "precondition_failed", &rq);
	if_match_request(&rq, "PATCH", path("/admin/peers/%s", a.id), "{\"name\":\"alpha\"}", "1x");
	fails_req(400, "invalid_if_match", &rq);
	if_match_request(&rq, "PATCH", path("/admin/peers/%s", a.id), "{\"name\":\"alpha\"}", "\"1\" \"2\"");
	fails_req(400, "invalid_if_match", &rq);

	/* With the current revision: the name changes, the endpoint is the host's. */
	snprintf(list, sizeof(list), "\"1\", %s", now);
	if_match_request(&rq, "PATCH", path("/admin/peers/%s", a.id), "{\"name\":\"alpha\"}", list);
	OK(send_req(&rq), 200);
	ck_assert_str_eq(jstr(R.body, "name"), "alpha");
	ck_assert_str_eq(jstr(R.body, "endpoint"), "198.51.100.9:4500");
	/* The answer carries the revision the edit made: the next edit with it
	 * goes through, the one before it does not. */
	snprintf(etag_after, sizeof(etag_after), "\"%s\"", R.etag);
	ck_assert_str_eq(R.etag, jstr_int(R.body, "revision"));
	ck_assert_str_ne(etag_after, now);
	ck_assert_int_eq(revision_of(&a), jint(R.body, "revision"));
	if_match_request(&rq, "PATCH", path("/admin/peers/%s", a.id), "{\"keepalive\":5}", now);
	fails_req(412, "precondition_failed", &rq);
	if_match_request(&rq, "PATCH", path("/admin/peers/%s", a.id), "{\"keepalive\":5}", etag_after);
	OK(send_req(&rq), 200);
	ck_assert_str_eq(jstr(R.body, "endpoint"), "198.51.100.9:4500");
	ck_assert_str_eq(jstr(R.body, "name"), "alpha");
	if_match_request(&rq, "PATCH", path("/admin/peers/%s", a.id), "{\"keepalive\":6}", "*");
	OK(send_req(&rq), 200);
	/* Without If-Match, as before: the edit applies. */
	OK(admin("PATCH", path("/admin/peers/%s", a.id), "{\"name\":\"alpha2\"}"), 200);
	ck_assert_str_eq(jstr(R.body, "endpoint"), "198.51.100.9:4500");

	/* A partner's change is a change of this peer's view too. */
	snprintf(old, sizeof(old), "\"%lld\"", (long long)revision_of(&b));
	pair(&a, &b);
	if_match_request(&rq, "DELETE", path("/admin/peers/%s", b.id), NULL, old);
	fails_req(412, "precondition_failed", &rq);
	snprintf(now, sizeof(now), "\"%lld\"", (long long)revision_of(&b));
	if_match_request(&rq, "DELETE", path("/admin/peers/%s", b.id), NULL, now);
	OK(send_req(&rq), 204);
	ADMIN_FAILS(404, "peer_not_found", "GET", path("/admin/peers/%s", b.id), NULL);
}
END_TEST

/* The pair of x and y as GET /admin/pairs lists it, or NULL. R is reloaded. */
static struct json_object *
listed_pair(const struct tpeer *x, const struct tpeer *y)
{
	const char *a = strcmp(x->id, y->id) < 0 ? x->id : y->id;
	const char *b = strcmp(x->id, y->id) < 0 ? y->id : x->id;
	struct json_object *arr;

	OK(admin("GET", path("/admin/pairs"), NULL), 200);
	arr = jget(R.body, "pairs");
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *p = json_object_array_get_idx(arr, i);
		if (strcmp(jstr(p, "a"), a) == 0 && strcmp(jstr(p, "b"), b) == 0)
			return p;
	}
	return NULL;
}

/* "explicit" and the rule ids of the listed pair of x and y: "e:1,2", "-:3". */
static const char *
why(const struct tpeer *x, const struct tpeer *y)
{
	static char buf[128];
	struct json_object *p = listed_pair(x, y), *rules;
	size_t len;

	if (p == NULL)
		return "unpaired";
	rules = jget(p, "rules");
	len = (size_t)snprintf(buf, sizeof(buf), "%s:",
	                       json_object_get_boolean(jget(p, "explicit")) ? "e" : "-");
	for (size_t i = 0; i < json_object_array_length(rules); i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s", i ? "," : "",
		                        jidx_str(rules, i));
	return buf;
}

/* Both configs have the other, with the same preshared key. */
static void
linked(const struct tpeer *x, const struct tpeer *y)
{
	uint8_t px[KEYS_LEN], py[KEYS_LEN];

	open_psk(x, y, px);
	open_psk(y, x, py);
	ck_assert_mem_eq(px, py, KEYS_LEN);
	remember_secret_bytes(px, KEYS_LEN);
}

static void
not_linked(const struct tpeer *x, const struct tpeer *y)
{
	OK(config(x), 200);
	ck_assert_ptr_null(link_to(y));
	OK(config(y), 200);
	ck_assert_ptr_null(link_to(x));
}

static void
tag(const struct tpeer *p, const char *tags)
{
	char body[256];

	snprintf(body, sizeof(body), "{\"tags\":%s}", tags);
	OK(admin("PATCH", path("/admin/peers/%s", p->id), body), 200);
}

static const char *
new_rule(const char *a, const char *b, int64_t want_pairs)
{
	static char id[4][24];
	static int next;
	char body[128], *out = id[next++ % 4];

	snprintf(body, sizeof(body), "{\"a\":\"%s\",\"b\":\"%s\"}", a, b);
	OK(admin("POST", path("/admin/rules"), body), 201);
	ck_assert_int_eq(jint(R.body, "pairs"), want_pairs);
	snprintf(out, 24, "%s", jstr(R.body, "id"));
	return out;
}

START_TEST(tags)
{
	struct tpeer a, b;

	reg(&a, "a", "203.0.113.1:51820");
	accept_peer(&a, "{\"tags\":[\"web\",\"db-1\",\"x_y\"]}");
	ck_assert_str_eq(json_object_to_json_string(jget(R.body, "tags")),
	                 "[ \"db-1\", \"web\", \"x_y\" ]");
	reg(&b, "b", NULL);
	/* A pending peer may be tagged; it has no pairs before it is accepted. */
	tag(&b, "[\"web\"]");
	OK(admin("GET", path("/admin/peers?state=pending"), NULL), 200);
	ck_assert_str_eq(jstr(json_object_array_get_idx(jarr(R.body, "peers", 1), 0), "name"), "b");
	ck_assert_str_eq(jidx_str(jarr(json_object_array_get_idx(jget(R.body, "peers"), 0),
	                               "tags", 1), 0), "web");
	tag(&a, "[]");
	jarr(R.body, "tags", 0);
	tag(&a, "[\"0123456789abcdef0123456789abcdef\"]");

#define TAG_FAILS(code, body) \
	ADMIN_FAILS(400, (code), "PATCH", path("/admin/peers/%s", a.id), (body))
	TAG_FAILS("invalid_tag", "{\"tags\":[\"Web\"]}");
	TAG_FAILS("invalid_tag", "{\"tags\":[\"\"]}");
	TAG_FAILS("invalid_tag", "{\"tags\":[\"a b\"]}");
	TAG_FAILS("invalid_tag", "{\"tags\":[\"a.b\"]}");
	TAG_FAILS("invalid_tag", "{\"tags\":[\"0123456789abcdef0123456789abcdefg\"]}");
	TAG_FAILS("invalid_tag", "{\"tags\":[1]}");
	TAG_FAILS("invalid_tag", "{\"tags\":[\"web\",\"web\"]}");
	TAG_FAILS("invalid_tags", "{\"tags\":\"web\"}");
	TAG_FAILS("invalid_tags", "{\"tags\":null}");
	TAG_FAILS("invalid_tags", "{\"tags\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\","
	          "\"i\",\"j\",\"k\",\"l\",\"m\",\"n\",\"o\",\"p\",\"q\"]}");
	/* One bad field spoils the edit: the name is not changed either. */
	TAG_FAILS("invalid_tag", "{\"name\":\"zz\",\"tags\":[\"UP\"]}");
#undef TAG_FAILS
	ADMIN_FAILS(400, "invalid_tag", "POST", path("/admin/peers/%s/accept", b.id),
	            "{\"tags\":[\"-\",\"ok\",\"\\u00e9\"]}");
	tag(&a, "[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\",\"k\",\"l\",\"m\","
	    "\"n\",\"o\",\"p\"]");
	jarr(R.body, "tags", 16);
	/* A deleted peer's tags go with it. */
	OK(admin("DELETE", path("/admin/peers/%s", a.id), NULL), 204);
	ck_assert_int_eq(count("SELECT count(*) FROM peer_tags"), 1);
}
END_TEST

START_TEST(rules)
{
	struct tpeer w1, w2, d1, x, n;
	int64_t rx, rw1;
	const char *r1, *r2;
	char rid[24];

	member(&w1, "w1", "203.0.113.1:51820");
	member(&w2, "w2", "203.0.113.2:51820");
	member(&d1, "d1", NULL);
	member(&x, "x", "203.0.113.4:51820");
	tag(&w1, "[\"web\"]");
	tag(&w2, "[\"web\"]");
	tag(&d1, "[\"db\"]");
	tag(&x, "[\"other\"]");
	ck_assert_int_eq(count("SELECT count(*) FROM pairs"), 0);
	rx = revision_of(&x);
	rw1 = revision_of(&w1);

	/* web <-> db: each web peer with each db peer, both configs, one key. */
	r1 = new_rule("web", "db", 2);
	ck_assert_str_eq(jstr(R.body, "a"), "db");      /* stored in order */
	ck_assert_str_eq(jstr(R.body, "b"), "web");
	snprintf(rid, sizeof(rid), "-:%s", r1);
	ck_assert_str_eq(why(&w1, &d1), rid);
	ck_assert_str_eq(why(&w2, &d1), rid);
	ck_assert_str_eq(why(&w1, &w2), "unpaired");
	ck_assert_int_eq(count("SELECT count(*) FROM pairs"), 2);
	linked(&w1, &d1);
	linked(&w2, &d1);
	not_linked(&w1, &w2);
	/* Only the peers whose pairs changed have a new revision. */
	ck_assert_int_eq(revision_of(&x), rx);
	ck_assert_int_gt(revision_of(&w1), rw1);
	OK(admin("GET", path("/admin/rules"), NULL), 200);
	ck_assert_str_eq(jstr(json_object_array_get_idx(jarr(R.body, "rules", 1), 0), "id"), r1);
	ck_assert_int_eq(jint(json_object_array_get_idx(jget(R.body, "rules"), 0), "pairs"), 2);

	ADMIN_FAILS(409, "rule_exists", "POST", path("/admin/rules"), "{\"a\":\"db\",\"b\":\"web\"}");
	ADMIN_FAILS(400, "missing_field", "POST", path("/admin/rules"), "{\"a\":\"db\"}");
	ADMIN_FAILS(400, "invalid_tag", "POST", path("/admin/rules"), "{\"a\":\"DB\",\"b\":\"web\"}");
	ADMIN_FAILS(400, "invalid_tag", "POST", path("/admin/rules"), "{\"a\":null,\"b\":\"web\"}");
	ADMIN_FAILS(400, "unknown_field", "POST", path("/admin/rules"),
	            "{\"a\":\"db\",\"b\":\"web\",\"c\":\"x\"}");
	ADMIN_FAILS(400, "body_missing", "POST", path("/admin/rules"), NULL);
	ADMIN_FAILS(404, "rule_not_found", "DELETE", path("/admin/rules/999"), NULL);
	ADMIN_FAILS(404, "rule_not_found", "DELETE", path("/admin/rules/x1"), NULL);
	ADMIN_FAILS(404, "rule_not_found", "DELETE", path("/admin/rules/0"), NULL);
	ADMIN_FAILS(405, "method_not_allowed", "PUT", path("/admin/rules/%s", r1), NULL);

	/* A rule pair made explicit stays when the rule goes; a pair only the
	 * rule made goes, from both configs. */
	OK(admin("PUT", path("/admin/pairs/%s/%s", w1.id, d1.id), NULL), 200);
	ck_assert(json_object_get_boolean(jget(R.body, "explicit")));
	jarr(R.body, "rules", 1);
	snprintf(rid, sizeof(rid), "e:%s", r1);
	ck_assert_str_eq(why(&w1, &d1), rid);
	/* Unpairing a pair only rules make is refused, naming the rule. */
	ADMIN_FAILS(409, "paired_by_rule", "DELETE", path("/admin/pairs/%s/%s", w2.id, d1.id), NULL);
	ck_assert_ptr_nonnull(strstr(R.error_message, r1));
	rx = revision_of(&x);
	OK(admin("DELETE", path("/admin/rules/%s", r1), NULL), 204);
	ck_assert_str_eq(why(&w1, &d1), "e:");
	ck_assert_str_eq(why(&w2, &d1), "unpaired");
	linked(&w1, &d1);
	not_linked(&w2, &d1);
	ck_assert_int_eq(revision_of(&x), rx);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = 'rule.delete'"
	                       " AND json_extract(detail, '$.pairs_removed') = 1"), 1);

	/* A full mesh of a tag; tagging joins it, untagging leaves it. */
	r2 = new_rule("web", "web", 1);
	snprintf(rid, sizeof(rid), "-:%s", r2);
	ck_assert_str_eq(why(&w1, &w2), rid);
	linked(&w1, &w2);
	tag(&x, "[\"other\",\"web\"]");
	ck_assert_str_eq(why(&x, &w1), rid);
	ck_assert_str_eq(why(&x, &w2), rid);
	linked(&x, &w2);
	rw1 = revision_of(&d1);
	tag(&w2, "[]");
	ck_assert_str_eq(why(&w2, &w1), "unpaired");
	ck_assert_str_eq(why(&w2, &x), "unpaired");
	not_linked(&w2, &x);
	ck_assert_int_eq(revision_of(&d1), rw1);     /* not one of its pairs changed */
	tag(&w2, "[\"web\"]");
	linked(&w2, &x);

	/* An explicit pair the rule also makes: unpairing keeps it, by the rule. */
	pair(&w1, &x);
	ck_assert_str_eq(why(&w1, &x), (snprintf(rid, sizeof(rid), "e:%s", r2), rid));
	OK(admin("DELETE", path("/admin/pairs/%s/%s", w1.id, x.id), NULL), 200);
	ck_assert(!json_object_get_boolean(jget(R.body, "explicit")));
	ck_assert_str_eq(why(&w1, &x), (snprintf(rid, sizeof(rid), "-:%s", r2), rid));
	linked(&w1, &x);

	/* A peer accepted with a tag gets its rule pairs at once; a pending
	 * one gets none. */
	reg(&n, "n", "203.0.113.9:51820");
	tag(&n, "[\"web\"]");
	ck_assert_int_eq(count("SELECT count(*) FROM pairs WHERE a = (SELECT id FROM peers WHERE name = 'n')"
	                       " OR b = (SELECT id FROM peers WHERE name = 'n')"), 0);
	accept_peer(&n, "{\"tags\":[\"web\",\"db\"]}");
	jarr(R.body, "pairs", 3);
	linked(&n, &w1);
	linked(&n, &w2);
	linked(&n, &x);
	ck_assert_int_eq(count("SELECT json_extract(detail, '$.rule_pairs') FROM audit"
	                       " WHERE action = 'peer.accept' AND target = "
	                       "(SELECT id FROM peers WHERE name = 'n')"), 3);
	/* Deleting a peer drops its rule pairs like any. */
	OK(admin("DELETE", path("/admin/peers/%s", n.id), NULL), 204);
	OK(config(&w1), 200);
	ck_assert_ptr_null(link_to(&n));
	OK(admin("DELETE", path("/admin/rules/%s", r2), NULL), 204);
	/* w1-d1 stays, explicit; w1-x was left to the rule and went with it. */
	ck_assert_int_eq(count("SELECT count(*) FROM pairs"), 1);
	ck_assert_str_eq(why(&w1, &d1), "e:");
	not_linked(&w1, &x);
}
END_TEST

/* n accepted peers (ids from first on) tagged tag with real keys, straight
 * into the database. */
static void
keyed_peers_from(int first, int n, const char *tag_name)
{
	char sql[512];

	exec_sql("BEGIN");
	for (int i = first; i < first + n; i++) {
		uint8_t sk[KEYS_LEN], pk[KEYS_LEN];
		char pub[KEYS_B64_LEN];
		keys_generate(sk, pk);
		keys_wipe(sk, sizeof(sk));
		keys_b64_encode(pub, sizeof(pub), pk, KEYS_LEN);
		snprintf(sql, sizeof(sql), "INSERT INTO peers (id, name, state, public_key, token_hash,"
		         " created_at) VALUES (printf('f%%015x', %d), 'bulk%d', 'accepted', '%s',"
		         " zeroblob(32), 1);"
		         "INSERT INTO peer_tags VALUES (printf('f%%015x', %d), '%s')",
		         i, i, pub, i, tag_name);
		exec_sql(sql);
	}
	exec_sql("COMMIT");
}

/* n accepted peers tagged tag with real keys, straight into the database. */
static void
keyed_peers(int n, const char *tag_name)
{
	keyed_peers_from(0, n, tag_name);
}

START_TEST(rule_any_size)
{
	struct json_object *job;
	struct tpeer a;
	int64_t rev0;
	int r, batches = 0;

	/* 71 peers in a full mesh: 2,485 pairs, more than a request makes
	 * itself: the rule is made at once, its pairs in the background. */
	keyed_peers(71, "all");
	/* One of them a device (issue 18) whose gateway is another: its
	 * pairs go through the gateway, made in the background as in a
	 * request (pairs.via). */
	exec_sql("INSERT INTO devices (peer_id, gateway, routes) VALUES"
	         " (printf('f%015x', 1), printf('f%015x', 0), '[\"mesh\"]')");
	rev0 = count("SELECT revision FROM peers WHERE id = printf('f%015x', 70)");
	OK(admin("POST", path("/admin/rules"), "{\"a\":\"all\",\"b\":\"all\"}"), 201);
	ck_assert_int_eq(jint(R.body, "pairs"), 2485);
	job = jget(R.body, "job");
	ck_assert_str_eq(jstr(job, "state"), "making");
	ck_assert_int_eq(jint(job, "pairs"), 2485);
	ck_assert_int_eq(jint(job, "made"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM pairs"), 0);
	while ((r = api_jobs_work()) > 0)
		batches++;
	ck_assert_int_eq(r, 0);
	/* 2,485 pairs in batches of JOBS_BATCH, then one pass that checks. */
	ck_assert_int_ge(batches, 2485 / JOBS_BATCH);
	ck_assert_int_eq(count("SELECT count(*) FROM pairs WHERE NOT explicit"), 2485);
	ck_assert_int_eq(count("SELECT count(*) FROM pairs WHERE via = printf('f%015x', 0)"), 69);
	ck_assert_int_eq(count("SELECT count(*) FROM pairs WHERE via IS NOT NULL"), 69);
	ck_assert_int_gt(count("SELECT revision FROM peers WHERE id = printf('f%015x', 70)"), rev0);
	OK(admin("GET", path("/admin/jobs"), NULL), 200);
	job = json_object_array_get_idx(jarr(R.body, "jobs", 1), 0);
	ck_assert_str_eq(jstr(job, "state"), "done");
	ck_assert_int_eq(jint(job, "made"), 2485);
	ck_assert(!api_jobs_running());
	/* One more member: its 71 pairs are made in its own request. */
	member(&a, "a", NULL);
	OK(admin("PATCH", path("/admin/peers/%s", a.id), "{\"tags\":[\"all\"]}"), 200);
	ck_assert_int_eq(count("SELECT count(*) FROM pairs WHERE NOT explicit"), 2485 + 71);
	/* The rule gone, its job goes with it. */
	exec_sql("DELETE FROM rules");
	ck_assert_int_eq(count("SELECT count(*) FROM pair_jobs"), 0);
	exec_sql("DELETE FROM rules");
	for (int i = 0; i < RULES_MAX; i++) {
		char sql[160];
		snprintf(sql, sizeof(sql), "INSERT INTO rules (a, b, created_at) VALUES ('t%d', 't%d', 1)",
		         i, i);
		exec_sql(sql);
	}
	ADMIN_FAILS(409, "too_many_rules", "POST", path("/admin/rules"), "{\"a\":\"x\",\"b\":\"x\"}");
}
END_TEST

/* The pairs a job makes have their keys boxed in bulk (docs/trust.md): each
 * box opens with its own end's key to the pair's one key, with no other
 * key, and one job's boxes share their sender key. */
START_TEST(rule_pairs_boxed_in_bulk)
{
	enum { N = 71 };
	static uint8_t sk[N][KEYS_LEN];
	sqlite3_stmt *st;
	uint8_t epk[KEYS_LEN], ka[KEYS_LEN], kb[KEYS_LEN], got[KEYS_LEN];
	char sql[512];
	int pairs = 0;

	exec_sql("BEGIN");
	for (int i = 0; i < N; i++) {
		uint8_t pk[KEYS_LEN];
		char pub[KEYS_B64_LEN];
		keys_generate(sk[i], pk);
		keys_b64_encode(pub, sizeof(pub), pk, KEYS_LEN);
		snprintf(sql, sizeof(sql), "INSERT INTO peers (id, name, state, public_key, token_hash,"
		         " created_at) VALUES (printf('f%%015x', %d), 'bulk%d', 'accepted', '%s',"
		         " zeroblob(32), 1); INSERT INTO peer_tags VALUES (printf('f%%015x', %d), 'm')",
		         i, i, pub, i);
		exec_sql(sql);
	}
	exec_sql("COMMIT");
	OK(admin("POST", path("/admin/rules"), "{\"a\":\"m\",\"b\":\"m\"}"), 201);
	ck_assert_ptr_nonnull(jget(R.body, "job"));
	while (api_jobs_work() > 0)
		;
	ck_assert_int_eq(sqlite3_prepare_v2(db_handle(), "SELECT a, b, psk_box_a, psk_box_b,"
	                 " p.public_key, q.public_key FROM pairs JOIN peers p ON p.id = a"
	                 " JOIN peers q ON q.id = b", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int x = (int)strtol((const char *)sqlite3_column_text(st, 0) + 1, NULL, 16);
		int y = (int)strtol((const char *)sqlite3_column_text(st, 1) + 1, NULL, 16);
		const uint8_t *ba = sqlite3_column_blob(st, 2), *bb = sqlite3_column_blob(st, 3);
		uint8_t psk[KEYS_LEN];

		ck_assert_int_eq(sqlite3_column_bytes(st, 2), KEYS_BOX_LEN);
		ck_assert_int_eq(sqlite3_column_bytes(st, 3), KEYS_BOX_LEN);
		if (pairs++ == 0)
			memcpy(epk, ba, KEYS_LEN);
		ck_assert_mem_eq(ba, epk, KEYS_LEN);
		ck_assert_mem_eq(bb, epk, KEYS_LEN);
		ck_assert_int_eq(keys_b64_decode_key(ka, (const char *)sqlite3_column_text(st, 4)), 0);
		ck_assert_int_eq(keys_b64_decode_key(kb, (const char *)sqlite3_column_text(st, 5)), 0);
		ck_assert_int_eq(keys_open(psk, ba, KEYS_BOX_LEN, ka, sk[x]), 0);
		ck_assert_int_eq(keys_open(got, bb, KEYS_BOX_LEN, kb, sk[y]), 0);
		ck_assert_mem_eq(got, psk, KEYS_LEN);
		ck_assert_int_eq(keys_open(got, ba, KEYS_BOX_LEN, kb, sk[y]), -1);
		ck_assert_int_eq(keys_open(got, bb, KEYS_BOX_LEN, ka, sk[(y + 1) % N]), -1);
	}
	sqlite3_finalize(st);
	ck_assert_int_eq(pairs, N * (N - 1) / 2);
}
END_TEST

START_TEST(peer_joins_large_rule)
{
	struct json_object *job;
	struct tpeer a;
	char sql[160];

	/* A rule web-db with 2,001 db peers and no web peer yet: no pair. */
	keyed_peers_from(0, 2001, "db");
	OK(admin("POST", path("/admin/rules"), "{\"a\":\"web\",\"b\":\"db\"}"), 201);
	jnull(R.body, "job");
	/* A peer tagged web needs 2,001 pairs: more than a request makes, so
	 * the rule's job makes them, and the request answers at once. */
	member(&a, "a", NULL);
	OK(admin("PATCH", path("/admin/peers/%s", a.id), "{\"tags\":[\"web\"]}"), 200);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM pairs WHERE '%s' IN (a, b)", a.id);
	ck_assert_int_eq(count(sql), 0);
	ck_assert(api_jobs_running());
	while (api_jobs_work() > 0)
		;
	ck_assert_int_eq(count(sql), 2001);
	OK(admin("GET", path("/admin/rules"), NULL), 200);
	job = jget(json_object_array_get_idx(jarr(R.body, "rules", 1), 0), "job");
	ck_assert_str_eq(jstr(job, "state"), "done");
	ck_assert_int_eq(jint(job, "made"), 2001);
}
END_TEST


START_TEST(config_cache_bounded)
{
	struct tpeer p[10];
	size_t big = CONFIG_CACHE_MAX / 8;
	char *body = malloc(big + 1), sql[4096], name[16];
	int64_t rev[10];

	ck_assert_ptr_nonnull(body);
	memset(body, 'x', big + 1);
	for (int i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "c%d", i);
		member(&p[i], name, NULL);
		snprintf(sql, sizeof(sql), "SELECT revision FROM peers WHERE id = '%s'", p[i].id);
		rev[i] = count(sql);
	}
	exec_sql("DELETE FROM config_cache");
	/* Ten bodies of an eighth of the bound each: the two kept first go. */
	ck_assert_int_eq(db_begin(), 0);
	for (int i = 0; i < 10; i++)
		ck_assert_int_eq(store_config_keep(p[i].id, rev[i], 1, body, big), DB_OK);
	ck_assert_int_eq(db_commit(), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM config_cache"), 8);
	ck_assert_int_le(count("SELECT sum(length(body)) FROM config_cache"), CONFIG_CACHE_MAX);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM config_cache WHERE peer_id IN ('%s', '%s')",
	         p[0].id, p[1].id);
	ck_assert_int_eq(count(sql), 0);
	/* One byte more than an eighth is never kept. */
	ck_assert_int_eq(db_begin(), 0);
	ck_assert_int_eq(store_config_keep(p[0].id, rev[0], 1, body, big + 1), DB_OK);
	ck_assert_int_eq(db_commit(), 0);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM config_cache WHERE peer_id = '%s'", p[0].id);
	ck_assert_int_eq(count(sql), 0);
	free(body);
}
END_TEST

START_TEST(write_fails_closed)
{
	struct tpeer a, b, c, d;
	char body[512];
	int st;

	member(&a, "a", "192.0.2.1:51820");
	reg(&b, "b", "192.0.2.2:51820");
	member(&c, "c", NULL);
	st = all_or_nothing(200, ADMIN_USER, NULL, "POST", path("/admin/peers/%s/accept", b.id),
	                    "{\"name\":\"bee\",\"networks\":[\"192.168.60.0/24\"]}");
	ck_assert(st == 200 || st == 500);
	st = all_or_nothing(201, ADMIN_USER, NULL, "PUT", path("/admin/pairs/%s/%s", a.id, b.id), NULL);
	ck_assert(st == 201 || st == 500);
	/* Whatever the last answer was, the change is there, and whole. */
	ck_assert_int_eq(count("SELECT count(*) FROM pairs"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = 'pair.create'"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM peers WHERE revision ="
	                       " (SELECT revision FROM network)"), 2);
	all_or_nothing(200, ADMIN_USER, NULL, "PATCH", path("/admin/peers/%s", a.id),
	               "{\"address\":\"10.77.0.50\",\"networks\":[\"192.168.70.0/24\"]}");
	all_or_nothing(200, ADMIN_USER, NULL, "PUT", path("/admin/network"),
	               "{\"ipv6_pool\":\"fd77::/64\",\"mtu\":1400}");
	ck_assert_int_eq(count("SELECT count(*) FROM addresses WHERE family = 6"), 3);
	all_or_nothing(200, NULL, c.token, "PUT", path("/peer/endpoint"),
	               "{\"endpoint\":\"192.0.2.3:51820\"}");
	OK(admin("POST", path("/admin/invites"), "{\"uses\":1}"), 201);
	new_keys(&d);
	snprintf(body, sizeof(body), "{\"name\":\"d\",\"public_key\":\"%s\",\"endpoint\":null,"
	         "\"invite\":\"%s\"}", d.pub, jstr(R.body, "code"));
	remember_secret(jstr(R.body, "code"), strlen(jstr(R.body, "code")));
	all_or_nothing(201, NULL, NULL, "POST", path("/register"), body);
	ck_assert_int_eq(count("SELECT count(*) FROM peers WHERE name = 'd'"), 1);
	ck_assert_int_eq(count("SELECT uses_left FROM invites"), 0);
	all_or_nothing(204, ADMIN_USER, NULL, "DELETE", path("/admin/peers/%s", a.id), NULL);
	ck_assert_int_eq(count("SELECT count(*) FROM pairs"), 0);

	/* The limits' writes (lib/store/quota.h): the settings, a registration that
	 * expires an old pending peer first, an endpoint change that counts on
	 * an earlier audit entry, bulk reject. */
	all_or_nothing(200, ADMIN_USER, NULL, "PUT", path("/admin/network"),
	               "{\"endpoint_min_interval\":0,\"audit_max_rows\":100,\"pending_max\":5}");
	ck_assert_int_eq(count("SELECT endpoint_min_interval FROM network"), 0);
	reg(&d, "junk-old", NULL);
	exec_sql("UPDATE peers SET created_at = created_at - 8 * 86400 WHERE name = 'junk-old'");
	new_keys(&d);
	snprintf(body, sizeof(body), "{\"name\":\"junk-new\",\"public_key\":\"%s\","
	         "\"endpoint\":null}", d.pub);
	all_or_nothing(201, NULL, NULL, "POST", path("/register"), body);
	ck_assert_int_eq(count("SELECT count(*) FROM peers WHERE name LIKE 'junk-%'"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = 'peer.expire'"), 1);
	OK(call(NULL, c.token, "PUT", path("/peer/endpoint"), "{\"endpoint\":null}"), 200);
	all_or_nothing(200, NULL, c.token, "PUT", path("/peer/endpoint"),
	               "{\"endpoint\":\"192.0.2.3:51820\"}");
	ck_assert_int_eq(count("SELECT max(count) FROM audit WHERE action = 'peer.endpoint'"), 2);
	all_or_nothing(200, ADMIN_USER, NULL, "POST", path("/admin/peers/reject"),
	               "{\"name_pattern\":\"junk-*\"}");
	ck_assert_int_eq(count("SELECT count(*) FROM peers WHERE name LIKE 'junk-%'"), 0);
}
END_TEST


START_TEST(rules_fail_closed)
{
	struct tpeer a, b, c, d;
	int st;

	member(&a, "a", "192.0.2.1:51820");
	member(&b, "b", "192.0.2.2:51820");
	member(&c, "c", NULL);
	reg(&d, "d", NULL);
	tag(&a, "[\"web\"]");
	tag(&b, "[\"web\"]");
	st = all_or_nothing(201, ADMIN_USER, NULL, "POST", path("/admin/rules"),
	                    "{\"a\":\"web\",\"b\":\"web\"}");
	ck_assert(st == 201 || st == 500);
	/* Whatever the last answer was, the rule is there with its pair, once. */
	ck_assert_int_eq(count("SELECT count(*) FROM rules"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM pairs"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = 'rule.create'"), 1);
	linked(&a, &b);
	all_or_nothing(200, ADMIN_USER, NULL, "PATCH", path("/admin/peers/%s", c.id), "{\"tags\":[\"web\"]}");
	ck_assert_int_eq(count("SELECT count(*) FROM pairs"), 3);
	all_or_nothing(200, ADMIN_USER, NULL, "PATCH", path("/admin/peers/%s", b.id), "{\"tags\":[]}");
	ck_assert_int_eq(count("SELECT count(*) FROM pairs"), 1);
	linked(&a, &c);
	all_or_nothing(200, ADMIN_USER, NULL, "POST", path("/admin/peers/%s/accept", d.id),
	               "{\"tags\":[\"web\"]}");
	ck_assert_int_eq(count("SELECT count(*) FROM pairs"), 3);
	linked(&d, &c);
	all_or_nothing(204, ADMIN_USER, NULL, "DELETE", path("/admin/rules/%lld",
	               (long long)count("SELECT id FROM rules")), NULL);
	ck_assert_int_eq(count("SELECT count(*) FROM pairs"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM rules"), 0);
}
END_TEST


START_TEST(migrate_keeps_pairs_explicit)
{
	sqlite3 *raw = NULL;
	char *err = NULL;
	int rc;

	/* A file as version 1 left it, with a pair: after the upgrade the pair
	 * is the admin's, and no rule can take it away. */
	db_close();
	unlink(dbpath);
	ck_assert_int_eq(sqlite3_open(dbpath, &raw), SQLITE_OK);
	rc = sqlite3_exec(raw, schema_v1_sql, NULL, NULL, &err);
	ck_assert_msg(rc == SQLITE_OK, "schema: %s", err ? err : "?");
	rc = sqlite3_exec(raw, "PRAGMA user_version = 1;"
	                  "INSERT INTO peers (id, name, state, public_key, token_hash, created_at)"
	                  " VALUES ('aaaaaaaaaaaaaaaa', 'a', 'accepted', 'ka', zeroblob(32), 1),"
	                  "        ('bbbbbbbbbbbbbbbb', 'b', 'accepted', 'kb', zeroblob(32), 1);"
	                  "INSERT INTO pairs (a, b, psk_box_a, psk_box_b, created_at)"
	                  " VALUES ('aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb', x'00', x'00', 1);",
	                  NULL, NULL, &err);
	ck_assert_msg(rc == SQLITE_OK, "v1 rows: %s", err ? err : "?");
	sqlite3_close(raw);
	ck_assert_int_eq(db_open(dbpath), 0);
	ck_assert_int_eq(db_version(), DB_SCHEMA_VERSION);
	ck_assert_int_eq(count("SELECT count(*) FROM pairs WHERE explicit = 1"), 1);
	OK(admin("PATCH", path("/admin/peers/aaaaaaaaaaaaaaaa"), "{\"tags\":[\"t\"]}"), 200);
	OK(admin("PATCH", path("/admin/peers/bbbbbbbbbbbbbbbb"), "{\"tags\":[\"t\"]}"), 200);
	exec_sql("INSERT INTO rules (a, b, created_at) VALUES ('t', 't', 1)");
	OK(admin("DELETE", path("/admin/rules/%lld", (long long)count("SELECT id FROM rules")), NULL), 204);
	ck_assert_int_eq(count("SELECT count(*) FROM pairs"), 1);
}
END_TEST


/* An import of peers x and y tagged as given, with rules as given. */
static const char *
import_tagged(const struct tpeer *x, const struct tpeer *y, const char *tagv, const char *rulev)
{
	static char body[1024];

	snprintf(body, sizeof(body), "{\"peers\":[{\"name\":\"%s\",\"public_key\":\"%s\","
	         "\"tags\":%s},{\"name\":\"%s\",\"public_key\":\"%s\",\"tags\":%s}],"
	         "\"pairs\":[],\"rules\":%s}", x->name, x->pub, tagv, y->name, y->pub, tagv, rulev);
	return body;
}

START_TEST(import_tags_rules)
{
	struct tpeer x, y, z, w;

	new_keys(&x);
	new_keys(&y);
	snprintf(x.name, sizeof(x.name), "x");
	snprintf(y.name, sizeof(y.name), "y");
#define IMPORT_FAILS(st, code, tags, rules) \
	ADMIN_FAILS((st), (code), "POST", path("/admin/import"), import_tagged(&x, &y, (tags), (rules)))
	IMPORT_FAILS(400, "invalid_import", "[\"t\"]", "\"t\"");
	IMPORT_FAILS(400, "invalid_import", "[\"t\"]", "[[\"t\"]]");
	IMPORT_FAILS(400, "invalid_import", "[\"t\"]", "[[\"t\",1]]");
	IMPORT_FAILS(400, "invalid_tag", "[\"t\"]", "[[\"t\",\"T\"]]");
	IMPORT_FAILS(400, "invalid_tag", "[\"T\"]", "[]");
	IMPORT_FAILS(400, "invalid_tags", "\"t\"", "[]");
#undef IMPORT_FAILS
	OK(admin("POST", path("/admin/import"), import_tagged(&x, &y, "[\"t\"]", "[[\"t\",\"t\"]]")), 201);
	ck_assert_int_eq(count("SELECT count(*) FROM rules"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM pairs WHERE explicit = 0"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM peer_tags WHERE tag = 't'"), 2);
	/* A second import with the same rule: kept once; its peers join the mesh. */
	new_keys(&z);
	new_keys(&w);
	snprintf(z.name, sizeof(z.name), "z");
	snprintf(w.name, sizeof(w.name), "w");
	OK(admin("POST", path("/admin/import"), import_tagged(&z, &w, "[\"t\"]", "[[\"t\",\"t\"]]")), 201);
	ck_assert_int_eq(count("SELECT count(*) FROM rules"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM pairs WHERE explicit = 0"), 6);
}
END_TEST


static Suite *
api_suite(void)
{
	Suite *s = suite_create("api");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_add_test(tc, health);
	tcase_add_test(tc, routing);
	tcase_add_test(tc, register_ok);
	tcase_add_test(tc, register_bad);
	tcase_add_test(tc, register_duplicate_key);
	tcase_add_test(tc, register_twin_key);
	tcase_add_test(tc, register_pending_limit);
	tcase_add_test(tc, invites);
	tcase_add_test(tc, invite_labels);
	tcase_add_test(tc, invite_without_free_address);
	tcase_add_test(tc, peer_auth);
	tcase_add_test(tc, config_pending_and_etag);
	tcase_add_test(tc, config_revision_changes);
	tcase_add_test(tc, config_contents);
	tcase_add_test(tc, accept_addresses);
	tcase_add_test(tc, accept_address_hint);
	tcase_add_test(tc, reject);
	tcase_add_test(tc, pairing);
	tcase_add_test(tc, delete_removes_pairs);
	tcase_add_test(tc, patch_peer);
	tcase_add_test(tc, peer_endpoint);
	tcase_add_test(tc, network);
	tcase_add_test(tc, network_v6_pool_for_new_peers);
	tcase_add_test(tc, audit);
	tcase_add_test(tc, secrets_stored_only_as_hashes);
	tcase_add_test(tc, admin_needs_remote_user);
	tcase_add_test(tc, csrf);
	tcase_add_test(tc, config_fails_closed);
	tcase_add_test(tc, signature_state_fails_closed);
	tcase_add_test(tc, write_fails_closed);
	tcase_add_test(tc, if_match);
	tcase_add_test(tc, tags);
	tcase_add_test(tc, rules);
	tcase_add_test(tc, rule_any_size);
	tcase_add_test(tc, peer_joins_large_rule);
	tcase_add_test(tc, rule_pairs_boxed_in_bulk);
	tcase_add_test(tc, config_cache_bounded);
	tcase_add_test(tc, rules_fail_closed);
	tcase_add_test(tc, migrate_keeps_pairs_explicit);
	tcase_add_test(tc, import_tags_rules);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(api_suite)
