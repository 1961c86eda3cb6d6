/* SPDX-License-Identifier: MIT */
/*
 * devices: phones and laptops that join with a device invite and a key
 * their browser made (lib/api/api_devices.c, api_join.c), through
 * api_handle() on a fresh SQLite file per test: bad input refused with
 * nothing written, the PSK box opening to the gateway's PSK, whose configs
 * move, a device reached through its gateway, deletion revoking the key,
 * a re-issued invite replacing the device, and a join all or nothing.
 */
#include <stdio.h>
#include <string.h>
#include <sodium.h>

#include "api.h"
#include "api_harness.h"
#include "statement.h"
#include "store.h"
#include "unit.h"

#pragma GCC diagnostic ignored "-Wformat-nonliteral"

/* A device invite for gateway g (extra: more JSON members or ""); its code
 * into code (remembered: no row may hold it). */
static void
device_invite(const struct tpeer *g, const char *extra, char code[KEYS_TOKEN_LEN])
{
	char body[512];

	snprintf(body, sizeof(body), "{\"gateway\":\"%s\"%s}", g->id, extra);
	OK(admin("POST", path("/admin/device-invites"), body), 201);
	snprintf(code, KEYS_TOKEN_LEN, "%s", jstr(R.body, "code"));
	ck_assert_str_eq(strchr(jstr(R.body, "link"), '#') + 1, code);
	remember_secret(code, strlen(code));
}

/* d joins with code under name: the status; R holds the answer. */
static int
join(struct tpeer *d, const char *code, const char *name)
{
	char body[256];
	int st;

	snprintf(body, sizeof(body), "{\"invite\":\"%s\",\"public_key\":\"%s\",\"name\":\"%s\"}",
	         code, d->pub, name);
	st = call(NULL, NULL, "POST", path("/join"), body);
	if (st == 201)
		snprintf(d->id, sizeof(d->id), "%s", jstr(R.body, "id"));
	return st;
}

/* A link report about peer id: a handshake at 2026-01-01T00:00:00Z. */
static const char *
report_about(const char *id)
{
	static char body[256];

	snprintf(body, sizeof(body), "{\"links\":[{\"peer\":\"%s\",\"latest_handshake\":"
	         "1767225600,\"rx\":1,\"tx\":2}]}", id);
	return body;
}

static int64_t
revision_of(const struct tpeer *p)
{
	OK(admin("GET", path("/admin/peers/%s", p->id), NULL), 200);
	return jint(R.body, "revision");
}

START_TEST(invite_bad_input)
{
	struct tpeer g, nat, pend;
	char code[KEYS_TOKEN_LEN], body[1024];
	static const struct { const char *body, *code; } bad[] = {
		{ "{}", "missing_field" },
		{ "{\"gateway\":7}", "invalid_field" },
		{ "{\"gateway\":\"%s\",\"uses\":0}", "invalid_field" },
		{ "{\"gateway\":\"%s\",\"uses\":101}", "invalid_field" },
		{ "{\"gateway\":\"%s\",\"expires_in\":59}", "invalid_field" },
		/* at most 30 days (wgconf admin device-invite --help) */
		{ "{\"gateway\":\"%s\",\"expires_in\":2592001}", "invalid_field" },
		{ "{\"gateway\":\"%s\",\"routes\":[]}", "invalid_routes" },
		{ "{\"gateway\":\"%s\",\"routes\":\"mesh\"}", "invalid_routes" },
		{ "{\"gateway\":\"%s\",\"routes\":[\"10.0.0.1/24\"]}", "invalid_routes" },
		{ "{\"gateway\":\"%s\",\"routes\":[\"everything\"]}", "invalid_routes" },
		{ "{\"gateway\":\"%s\",\"routes\":[1]}", "invalid_routes" },
		{ "{\"gateway\":\"%s\",\"tags\":[\"Bad Tag\"]}", "invalid_tag" },
		{ "{\"gateway\":\"%s\",\"name\":\"a b\"}", "invalid_name" },
		{ "{\"gateway\":\"%s\",\"label\":\"\"}", "invalid_label" },
		{ "{\"gateway\":\"%s\",\"label\":\"a\\u0007\"}", "invalid_label" },
		{ "{\"gateway\":\"%s\",\"code\":\"x\"}", "unknown_field" },
	};

	member(&g, "gw", "192.0.2.1:51820");
	member(&nat, "nat", NULL);
	reg(&pend, "pend", "192.0.2.3:51820");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(body, sizeof(body), bad[i].body, g.id);
		ADMIN_FAILS(400, bad[i].code, "POST", path("/admin/device-invites"), body);
	}
	ADMIN_FAILS(404, "peer_not_found", "POST", path("/admin/device-invites"),
	            "{\"gateway\":\"0123456789abcdef\"}");
	snprintf(body, sizeof(body), "{\"gateway\":\"%s\"}", nat.id);
	ADMIN_FAILS(409, "gateway_invalid", "POST", path("/admin/device-invites"), body);
	snprintf(body, sizeof(body), "{\"gateway\":\"%s\"}", pend.id);
	ADMIN_FAILS(409, "gateway_invalid", "POST", path("/admin/device-invites"), body);
	/* A device is no gateway. */
	device_invite(&g, "", code);
	/* The defaults device-invite --help states: one use, 24 hours. */
	ck_assert_int_eq(count("SELECT count(*) FROM device_invites WHERE uses = 1 AND "
	                       "uses_left = 1 AND expires_at - created_at = 86400"), 1);
	snprintf(body, sizeof(body), "{\"gateway\":\"%s\",\"expires_in\":2592000}", g.id);
	OK(admin("POST", path("/admin/device-invites"), body), 201);
	remember_secret(jstr(R.body, "code"), strlen(jstr(R.body, "code")));
	new_keys(&nat);
	OK(join(&nat, code, "phone"), 201);
	snprintf(body, sizeof(body), "{\"gateway\":\"%s\"}", nat.id);
	ADMIN_FAILS(409, "gateway_invalid", "POST", path("/admin/device-invites"), body);
}
END_TEST

START_TEST(join_bad_input)
{
	struct tpeer g, d, h;
	char code[KEYS_TOKEN_LEN], body[512];

	member(&g, "gw", "192.0.2.1:51820");
	device_invite(&g, "", code);
	new_keys(&d);
	ANON_FAILS(400, "missing_field", "POST", path("/join"), "{\"public_key\":\"x\"}");
	ANON_FAILS(403, "invite_invalid", "POST", path("/join/info"), "{\"invite\":\"nope\"}");
	snprintf(body, sizeof(body), "{\"invite\":\"%sx\",\"public_key\":\"%s\",\"name\":\"p\"}",
	         code, d.pub);
	ANON_FAILS(403, "invite_invalid", "POST", path("/join"), body);
	snprintf(body, sizeof(body), "{\"invite\":\"%s\",\"public_key\":\"abc\",\"name\":\"p\"}", code);
	ANON_FAILS(400, "invalid_public_key", "POST", path("/join"), body);
	snprintf(body, sizeof(body), "{\"invite\":\"%s\",\"public_key\":\"%s\",\"name\":\"a b\"}",
	         code, d.pub);
	ANON_FAILS(400, "invalid_name", "POST", path("/join"), body);
	snprintf(body, sizeof(body), "{\"invite\":\"%s\",\"public_key\":\"%s\",\"x\":1}", code, d.pub);
	ANON_FAILS(400, "unknown_field", "POST", path("/join"), body);
	/* A key a host has. */
	member(&h, "host", "192.0.2.2:51820");
	snprintf(body, sizeof(body), "{\"invite\":\"%s\",\"public_key\":\"%s\",\"name\":\"p\"}",
	         code, h.pub);
	ANON_FAILS(409, "public_key_taken", "POST", path("/join"), body);
	/* Expired: the page's clear message, nothing used. */
	exec_sql("UPDATE device_invites SET expires_at = 1");
	snprintf(body, sizeof(body), "{\"invite\":\"%s\"}", code);
	ANON_FAILS(403, "invite_invalid", "POST", path("/join/info"), body);
	exec_sql("UPDATE device_invites SET expires_at = 9999999999");
	OK(call(NULL, NULL, "POST", path("/join/info"), body), 200);
	ck_assert_str_eq(jstr(R.body, "gateway"), "gw");
	OK(join(&d, code, "phone"), 201);
	ANON_FAILS(403, "invite_invalid", "POST", path("/join/info"), body);
}
END_TEST

/* The box opens with the device's key to the PSK the gateway's sealed box
 * holds; the gateway's config and nobody else's moves. */
START_TEST(join_box_and_revisions)
{
	struct tpeer g, h, d;
	struct json_object *peer;
	char code[KEYS_TOKEN_LEN];
	uint8_t box[KEYS_BOX_LEN], psk[KEYS_LEN], gpsk[KEYS_LEN];
	size_t n;
	int64_t rg, rh;

	member(&g, "gw", "192.0.2.1:51820");
	member(&h, "host", "192.0.2.2:51820");
	device_invite(&g, ",\"routes\":[\"mesh\",\"192.168.5.0/24\"]", code);
	rg = revision_of(&g);
	rh = revision_of(&h);
	new_keys(&d);
	OK(join(&d, code, "phone"), 201);
	peer = json_object_array_get_idx(jarr(R.body, "peers", 1), 0);
	ck_assert_str_eq(jstr(peer, "public_key"), g.pub);
	ck_assert_str_eq(jidx_str(jget(peer, "allowed_ips"), 1), "192.168.5.0/24");
	ck_assert_int_eq(keys_b64_decode(box, sizeof(box), &n, jstr(peer, "preshared_key_box")), 0);
	ck_assert_uint_eq(n, KEYS_BOX_LEN);
	ck_assert_int_eq(crypto_box_open_easy(psk, box + 56, KEYS_LEN + 16, box + 32, box, d.sk), 0);
	remember_secret_bytes(psk, KEYS_LEN);
	open_psk(&g, &d, gpsk);
	ck_assert_int_eq(sodium_memcmp(psk, gpsk, KEYS_LEN), 0);
	ck_assert_int_gt(revision_of(&g), rg);
	ck_assert_int_eq(revision_of(&h), rh);
	OK(config(&g), 200);
	ck_assert(json_object_get_boolean(jget(jget(R.body, "interface"), "relay")));
	ck_assert_int_eq(count("SELECT count(*) FROM devices"), 1);
	/* The device reports nothing; its gateway's report is its handshake. */
	OK(admin("GET", path("/admin/devices"), NULL), 200);
	jnull(json_object_array_get_idx(jarr(R.body, "devices", 1), 0), "latest_handshake");
	OK(call(NULL, g.token, "PUT", path("/peer/links"), report_about(d.id)), 204);
	OK(admin("GET", path("/admin/devices"), NULL), 200);
	ck_assert_str_eq(jstr(json_object_array_get_idx(jarr(R.body, "devices", 1), 0),
	                      "latest_handshake"), "2026-01-01T00:00:00Z");
}
END_TEST

/* A host paired with the device reaches it through the gateway: no entry
 * of its own, the device's address in the gateway's AllowedIPs. */
START_TEST(reached_through_gateway)
{
	struct tpeer g, h, d;
	struct json_object *e, *ips;
	char code[KEYS_TOKEN_LEN], want[64];
	int64_t rh;

	member(&g, "gw", "192.0.2.1:51820");
	member(&h, "host", "192.0.2.2:51820");
	OK(admin("PATCH", path("/admin/peers/%s", h.id), "{\"tags\":[\"lab\"]}"), 200);
	OK(admin("POST", path("/admin/rules"), "{\"a\":\"lab\",\"b\":\"phones\"}"), 201);
	pair(&g, &h);
	device_invite(&g, ",\"tags\":[\"phones\"]", code);
	rh = revision_of(&h);
	new_keys(&d);
	OK(join(&d, code, "phone"), 201);
	ck_assert_int_gt(revision_of(&h), rh);
	OK(admin("GET", path("/admin/devices"), NULL), 200);
	snprintf(want, sizeof(want), "%s/32",
	         jidx_str(jget(json_object_array_get_idx(jarr(R.body, "devices", 1), 0), "addresses"), 0));
	OK(config(&h), 200);
	ck_assert_ptr_null(link_to(&d));
	ck_assert_ptr_nonnull(e = link_to(&g));
	ips = jget(e, "allowed_ips");
	ck_assert_str_eq(jidx_str(ips, json_object_array_length(ips) - 1), want);
	/* The same path a relayed pair takes (docs/relays.md): named, with
	 * the device's statement, on the gateway's entry. */
	ck_assert_str_eq(jstr(json_object_array_get_idx(jarr(e, "relayed", 1), 0), "id"), d.id);
	ck_assert_int_eq(count("SELECT count(*) FROM pairs WHERE via IS NOT NULL"), 1);
	/* A report of a down link moves no device pair to a relay. */
	OK(admin("PATCH", path("/admin/peers/%s", h.id), "{\"relay\":true}"), 200);
	OK(call(NULL, g.token, "PUT", path("/peer/links"), report_about(d.id)), 204);
	ck_assert_int_eq(count("SELECT count(*) FROM pairs WHERE via IS NOT NULL"), 1);
	OK(config(&h), 200);
	ck_assert_ptr_nonnull(link_to(&g));
	ck_assert_ptr_null(link_to(&d));
	OK(admin("GET", path("/admin/peers"), NULL), 200);
	ck_assert_uint_eq(json_object_array_length(jget(R.body, "peers")), 2);
	OK(admin("GET", path("/admin/peers?kind=device"), NULL), 200);
	ck_assert_str_eq(jstr(json_object_array_get_idx(jarr(R.body, "peers", 1), 0), "id"), d.id);
	OK(admin("GET", path("/admin/peers?kind=all"), NULL), 200);
	jarr(R.body, "peers", 3);
	ADMIN_FAILS(400, "invalid_kind", "GET", path("/admin/peers?kind=phone"), NULL);
}
END_TEST

START_TEST(delete_revokes_reissue_replaces)
{
	struct tpeer g, d, d2;
	char code[KEYS_TOKEN_LEN], body[256];

	member(&g, "gw", "192.0.2.1:51820");
	device_invite(&g, "", code);
	new_keys(&d);
	OK(join(&d, code, "phone"), 201);
	/* Re-issued: the new device replaces the old, whose key is revoked. */
	OK(admin("POST", path("/admin/devices/%s/reissue", d.id), "{}"), 201);
	ck_assert_str_eq(jstr(R.body, "replaces"), d.id);
	snprintf(code, sizeof(code), "%s", jstr(R.body, "code"));
	remember_secret(code, strlen(code));
	OK(admin("GET", path("/admin/devices"), NULL), 200);
	jarr(R.body, "devices", 1);
	new_keys(&d2);
	OK(join(&d2, code, "ignored"), 201);
	ck_assert_str_eq(jstr(R.body, "name"), "phone");
	OK(admin("GET", path("/admin/devices"), NULL), 200);
	ck_assert_str_eq(jstr(json_object_array_get_idx(jarr(R.body, "devices", 1), 0), "id"), d2.id);
	device_invite(&g, "", code);
	snprintf(body, sizeof(body), "{\"invite\":\"%s\",\"public_key\":\"%s\",\"name\":\"p\"}",
	         code, d.pub);
	ANON_FAILS(409, "key_revoked", "POST", path("/join"), body);
	/* Deleted: gone, its key revoked too. */
	OK(admin("DELETE", path("/admin/devices/%s", d2.id), NULL), 204);
	ADMIN_FAILS(404, "device_not_found", "DELETE", path("/admin/devices/%s", d2.id), NULL);
	ADMIN_FAILS(404, "device_not_found", "DELETE", path("/admin/devices/%s", g.id), NULL);
	snprintf(body, sizeof(body), "{\"invite\":\"%s\",\"public_key\":\"%s\",\"name\":\"p\"}",
	         code, d2.pub);
	ANON_FAILS(409, "key_revoked", "POST", path("/join"), body);
	ck_assert_int_eq(count("SELECT count(*) FROM revocations"), 2);
}
END_TEST

/* Under a signing key a device is signed like any peer; its partner's
 * statement names the path through the gateway (via GATEWAY/DEVICE). */
START_TEST(signed_like_any_peer)
{
	struct tpeer g, h, d;
	uint8_t pk[KEYS_LEN], sk[KEYS_SIGN_SK_LEN];
	char b64[KEYS_B64_LEN], body[256], text[8192], sig[KEYS_SIG_B64_LEN], via[64];
	char code[KEYS_TOKEN_LEN];
	int64_t v;

	keys_sign_keypair(pk, sk);
	remember_secret_bytes(sk, 32);
	keys_b64_encode(b64, sizeof(b64), pk, KEYS_LEN);
	snprintf(body, sizeof(body), "{\"signing_key\":\"%s\"}", b64);
	OK(admin("PUT", path("/admin/network"), body), 200);
	member(&g, "gw", "192.0.2.1:51820");
	member(&h, "host", "192.0.2.2:51820");
	pair(&g, &h);
	device_invite(&g, "", code);
	new_keys(&d);
	OK(join(&d, code, "phone"), 201);
	pair(&h, &d);
	OK(admin("GET", path("/admin/peers/%s/statement", h.id), NULL), 200);
	snprintf(via, sizeof(via), "\nvia %s/%s\n", g.id, d.id);
	ck_assert_ptr_nonnull(strstr(jstr(R.body, "proposed"), via));
	/* The gateway relays for its device: its statement says so. */
	OK(admin("GET", path("/admin/peers/%s/statement", g.id), NULL), 200);
	ck_assert_ptr_nonnull(strstr(jstr(R.body, "proposed"), "\nrelay\n"));
	OK(admin("GET", path("/admin/peers/%s/statement", d.id), NULL), 200);
	snprintf(text, sizeof(text), "%s", jstr(R.body, "proposed"));
	v = jint(R.body, "version");
	statement_sign(sig, text, strlen(text), sk);
	snprintf(body, sizeof(body), "{\"version\":%lld,\"signature\":\"%s\"}", (long long)v, sig);
	OK(admin("PUT", path("/admin/peers/%s/signature", d.id), body), 200);
	ck_assert_str_eq(jstr(R.body, "signature"), "valid");
	/* Deleted, a signed device's revocation is the admin's to sign, as any. */
	OK(admin("DELETE", path("/admin/devices/%s", d.id), NULL), 204);
	ck_assert_int_eq(count("SELECT count(*) FROM revocations WHERE signature IS NULL"), 1);
}
END_TEST

/* Whether an entry of arr has id id. */
static bool
listed(struct json_object *arr, const char *id)
{
	for (size_t i = 0; i < json_object_array_length(arr); i++)
		if (strcmp(jstr(json_object_array_get_idx(arr, i), "id"), id) == 0)
			return true;
	return false;
}

/* The signature of what GET get proposes, PUT to put, with sk: 200. */
static void
sign_proposed(const char *get, const char *put, const uint8_t *sk)
{
	char body[256], sig[KEYS_SIG_B64_LEN], *text;
	int64_t v;

	OK(admin("GET", get, NULL), 200);
	text = strdup(jstr(R.body, "proposed"));
	v = jint(R.body, "version");
	statement_sign(sig, text, strlen(text), sk);
	free(text);
	snprintf(body, sizeof(body), "{\"version\":%lld,\"signature\":\"%s\"}", (long long)v,
	         sig);
	OK(admin("PUT", put, body), 200);
}

/* Issue 19 under issue 18: a device paired by a rule is signed by its tags
 * and the signed policy, not by pair lines; its path through the gateway
 * is still a via line on both ends (docs/trust.md). */
START_TEST(signed_by_tags_and_policy)
{
	struct tpeer g, h, d;
	uint8_t pk[KEYS_LEN], sk[KEYS_SIGN_SK_LEN];
	char b64[KEYS_B64_LEN], body[256], line[64], code[KEYS_TOKEN_LEN];
	const char *text;

	keys_sign_keypair(pk, sk);
	remember_secret_bytes(sk, 32);
	keys_b64_encode(b64, sizeof(b64), pk, KEYS_LEN);
	snprintf(body, sizeof(body), "{\"signing_key\":\"%s\"}", b64);
	OK(admin("PUT", path("/admin/network"), body), 200);
	member(&g, "gw", "192.0.2.1:51820");
	member(&h, "host", "192.0.2.2:51820");
	OK(admin("PATCH", path("/admin/peers/%s", h.id), "{\"tags\":[\"lab\"]}"), 200);
	OK(admin("POST", path("/admin/rules"), "{\"a\":\"lab\",\"b\":\"phones\"}"), 201);
	pair(&g, &h);
	device_invite(&g, ",\"tags\":[\"phones\"]", code);
	new_keys(&d);
	OK(join(&d, code, "phone"), 201);
	OK(admin("GET", path("/admin/peers/%s/statement", d.id), NULL), 200);
	text = jstr(R.body, "proposed");
	ck_assert_ptr_nonnull(strstr(text, "\ntag phones\n"));
	snprintf(line, sizeof(line), "\npair %s\n", h.id);
	ck_assert_ptr_null(strstr(text, line));
	snprintf(line, sizeof(line), "\nvia %s/%s\n", g.id, h.id);
	ck_assert_ptr_nonnull(strstr(text, line));
	OK(admin("GET", path("/admin/peers/%s/statement", h.id), NULL), 200);
	text = jstr(R.body, "proposed");
	snprintf(line, sizeof(line), "\nvia %s/%s\n", g.id, d.id);
	ck_assert_ptr_nonnull(strstr(text, line));
	snprintf(line, sizeof(line), "\npair %s\n", d.id);
	ck_assert_ptr_null(strstr(text, line));
	OK(admin("GET", path("/admin/policy"), NULL), 200);
	ck_assert_ptr_nonnull(strstr(jstr(R.body, "proposed"), "\nrule lab phones\n"));
	/* `wgconf admin sign --all` reads this: the device is on it too. */
	OK(admin("GET", path("/admin/statements"), NULL), 200);
	ck_assert(listed(jarr(R.body, "statements", 3), d.id));
	sign_proposed(path("/admin/peers/%s/statement", d.id),
	              path("/admin/peers/%s/signature", d.id), sk);
	ck_assert_str_eq(jstr(R.body, "signature"), "valid");
	sign_proposed(path("/admin/policy"), path("/admin/policy/signature"), sk);
	ck_assert_int_eq(jint(R.body, "signed_version"), 1);
}
END_TEST

/* A database fault at any step of a join leaves nothing behind. */
START_TEST(join_all_or_nothing)
{
	struct tpeer g, d;
	char code[KEYS_TOKEN_LEN], body[256];

	member(&g, "gw", "192.0.2.1:51820");
	device_invite(&g, ",\"tags\":[\"phones\"]", code);
	new_keys(&d);
	snprintf(body, sizeof(body), "{\"invite\":\"%s\",\"public_key\":\"%s\",\"name\":\"p\"}",
	         code, d.pub);
	all_or_nothing(201, NULL, NULL, "POST", path("/join"), body);
	ck_assert_int_eq(count("SELECT count(*) FROM devices"), 1);
}
END_TEST

static Suite *
devices_suite(void)
{
	Suite *s = suite_create("devices");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_add_test(tc, invite_bad_input);
	tcase_add_test(tc, join_bad_input);
	tcase_add_test(tc, join_box_and_revisions);
	tcase_add_test(tc, reached_through_gateway);
	tcase_add_test(tc, delete_revokes_reissue_replaces);
	tcase_add_test(tc, join_all_or_nothing);
	tcase_add_test(tc, signed_like_any_peer);
	tcase_add_test(tc, signed_by_tags_and_policy);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(devices_suite)
