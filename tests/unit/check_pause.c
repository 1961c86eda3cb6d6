/* SPDX-License-Identifier: MIT */
/*
 * pause: a disabled peer leaves every config and comes back whole (issue
 * 20): its partners' configs drop it, its own lists no peers and says
 * why, its key, pairs and preshared keys stay; an expiry pauses it by
 * itself; bad input changes nothing; and link reports of a hub with more
 * partners than one request holds arrive page by page, each entry still
 * bound to a pair.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_harness.h"
#include "quota.h"
#include "statement.h"

/* The value of the metric line that starts with prefix, or -1. */
static long long
metric(const char *prefix)
{
	const char *p;

	OK(admin("GET", path("/admin/metrics"), NULL), 200);
	for (p = R.text; p != NULL && (p = strstr(p, prefix)) != NULL; p++)
		if (p == R.text || p[-1] == '\n')
			return strtoll(p + strlen(prefix), NULL, 10);
	return -1;
}

/* The number of audit rows of action on target. */
static int64_t
audited(const char *action, const char *target)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM audit WHERE action = '%s' AND "
	         "target = '%s'", action, target);
	return count(sql);
}

START_TEST(disable_leaves_every_config_and_enable_restores_it)
{
	struct tpeer a, b, c;
	uint8_t before[KEYS_LEN], after[KEYS_LEN];
	struct json_object *warn;
	int64_t rev_b, rev_c;

	member(&a, "alpha", "198.51.100.1:51820");
	member(&b, "bravo", "198.51.100.2:51820");
	member(&c, "charlie", "198.51.100.3:51820");
	pair(&a, &b);
	pair(&a, &c);
	pair(&b, &c);
	OK(config(&b), 200);
	open_psk(&b, &a, before);
	rev_b = jint(R.body, "revision");
	OK(config(&c), 200);
	rev_c = jint(R.body, "revision");

	OK(admin("POST", path("/admin/peers/%s/disable", a.id), NULL), 200);
	ck_assert(json_object_get_boolean(jget(R.body, "disabled")));
	ck_assert_ptr_nonnull(jstr(R.body, "disabled_at"));
	/* Its pairs stay: enabling needs no re-pairing, no new PSK. */
	jarr(R.body, "pairs", 2);
	ck_assert_int_eq(audited("peer.disable", a.id), 1);
	OK(config(&b), 200);
	ck_assert_ptr_null(link_to(&a));
	ck_assert_ptr_nonnull(link_to(&c));
	ck_assert_int_gt(jint(R.body, "revision"), rev_b);
	OK(config(&c), 200);
	ck_assert_ptr_null(link_to(&a));
	ck_assert_int_gt(jint(R.body, "revision"), rev_c);
	/* Its own config: no peers, and why. */
	OK(config(&a), 200);
	jarr(R.body, "peers", 0);
	warn = jarr(R.body, "warnings", 1);
	ck_assert_ptr_nonnull(strstr(jidx_str(warn, 0), "disabled by an admin"));
	ck_assert_int_eq(metric("wgconf_disabled_peers "), 1);
	/* The list filters them; they are still accepted. */
	OK(admin("GET", path("/admin/peers?state=disabled"), NULL), 200);
	ck_assert_str_eq(jstr(json_object_array_get_idx(jarr(R.body, "peers", 1), 0), "id"), a.id);
	OK(admin("GET", path("/admin/peers?state=accepted"), NULL), 200);
	jarr(R.body, "peers", 3);
	ADMIN_FAILS(400, "invalid_state", "GET", path("/admin/peers?state=paused"), NULL);
	/* The link status says why its links are down. */
	OK(admin("GET", path("/admin/links"), NULL), 200);
	{
		struct json_object *links = jarr(R.body, "links", 3);
		for (size_t i = 0; i < 3; i++) {
			struct json_object *l = json_object_array_get_idx(links, i);
			int with_a = strcmp(jstr(jget(l, "a"), "name"), "alpha") == 0 ||
			             strcmp(jstr(jget(l, "b"), "name"), "alpha") == 0;
			ck_assert_int_eq(json_object_get_boolean(jget(l, "paused")), with_a);
		}
	}

	/* Again: nothing changes, nothing is logged. */
	rev_b = count("SELECT revision FROM peers WHERE name = 'bravo'");
	OK(admin("POST", path("/admin/peers/%s/disable", a.id), NULL), 200);
	ck_assert_int_eq(count("SELECT revision FROM peers WHERE name = 'bravo'"), rev_b);
	ck_assert_int_eq(audited("peer.disable", a.id), 1);

	OK(admin("POST", path("/admin/peers/%s/enable", a.id), NULL), 200);
	ck_assert(!json_object_get_boolean(jget(R.body, "disabled")));
	jnull(R.body, "disabled_at");
	ck_assert_int_eq(audited("peer.enable", a.id), 1);
	OK(config(&b), 200);
	ck_assert_ptr_nonnull(link_to(&a));
	open_psk(&b, &a, after);
	ck_assert_mem_eq(before, after, KEYS_LEN);
	OK(config(&a), 200);
	jarr(R.body, "peers", 2);
	jarr(R.body, "warnings", 0);
	ck_assert_int_eq(metric("wgconf_disabled_peers "), 0);
}
END_TEST

START_TEST(an_expiry_pauses_by_itself)
{
	struct tpeer a, b;
	int n = -1;

	member(&a, "alpha", "198.51.100.1:51820");
	member(&b, "bravo", "198.51.100.2:51820");
	pair(&a, &b);
	OK(admin("POST", path("/admin/peers/%s/enable", a.id), "{\"expires_in\":60}"), 200);
	ck_assert_ptr_nonnull(jstr(R.body, "expires_at"));
	ck_assert(!json_object_get_boolean(jget(R.body, "disabled")));
	ck_assert_int_eq(audited("peer.expiry", a.id), 1);
	ck_assert_int_eq(metric("wgconf_expiring_peers "), 1);
	/* Not yet due: nothing happens. */
	ck_assert_int_eq(quota_expire_peers(store_now() + 30, &n), DB_OK);
	ck_assert_int_eq(n, 0);
	OK(config(&b), 200);
	ck_assert_ptr_nonnull(link_to(&a));
	ck_assert_int_eq(quota_expire_peers(store_now() + 61, &n), DB_OK);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = 'peer.disable' AND "
	                       "actor = 'system'"), 1);
	OK(config(&b), 200);
	ck_assert_ptr_null(link_to(&a));
	OK(admin("GET", path("/admin/peers/%s", a.id), NULL), 200);
	ck_assert(json_object_get_boolean(jget(R.body, "disabled")));
	ck_assert_ptr_nonnull(jstr(R.body, "expires_at"));
	ck_assert_int_eq(metric("wgconf_expiring_peers "), 0);
	/* Done once: a second look finds nothing. */
	ck_assert_int_eq(quota_expire_peers(store_now() + 120, &n), DB_OK);
	ck_assert_int_eq(n, 0);
	/* Enabled without an expiry: the old one must not pause it again. */
	OK(admin("POST", path("/admin/peers/%s/enable", a.id), NULL), 200);
	jnull(R.body, "expires_at");
	ck_assert_int_eq(quota_expire_peers(store_now() + 120, &n), DB_OK);
	ck_assert_int_eq(n, 0);
	/* PATCH sets it and drops it. */
	OK(admin("PATCH", path("/admin/peers/%s", a.id), "{\"expires_in\":3600}"), 200);
	ck_assert_ptr_nonnull(jstr(R.body, "expires_at"));
	OK(admin("PATCH", path("/admin/peers/%s", a.id), "{\"expires_in\":null}"), 200);
	jnull(R.body, "expires_at");
}
END_TEST

START_TEST(bad_pauses_change_nothing)
{
	struct tpeer a, p;

	member(&a, "alpha", "198.51.100.1:51820");
	reg(&p, "pending", NULL);
	ADMIN_FAILS(409, "peer_pending", "POST", path("/admin/peers/%s/disable", p.id), NULL);
	ADMIN_FAILS(409, "peer_pending", "POST", path("/admin/peers/%s/enable", p.id), NULL);
	ADMIN_FAILS(404, "peer_not_found", "POST", path("/admin/peers/0123456789abcdef/disable"),
	            NULL);
	ADMIN_FAILS(400, "invalid_field", "POST", path("/admin/peers/%s/enable", a.id),
	            "{\"expires_in\":0}");
	ADMIN_FAILS(400, "invalid_field", "POST", path("/admin/peers/%s/enable", a.id),
	            "{\"expires_in\":31622401}");
	ADMIN_FAILS(400, "invalid_field", "PATCH", path("/admin/peers/%s", a.id),
	            "{\"expires_in\":\"7d\"}");
	ADMIN_FAILS(400, "unknown_field", "POST", path("/admin/peers/%s/disable", a.id),
	            "{\"expires_in\":60}");
	/* A peer's token cannot pause anyone, itself included. */
	PEER_FAILS(403, "admin_required", a.token, "POST", path("/admin/peers/%s/disable", a.id),
	           NULL);
}
END_TEST

/* Signs p's proposed statement with ssk, as `wgconf admin sign` does. */
static void
sign_peer(const struct tpeer *p, const uint8_t ssk[KEYS_SIGN_SK_LEN])
{
	char body[256], sig[KEYS_SIG_B64_LEN], *text;
	int64_t version;

	OK(admin("GET", path("/admin/peers/%s/statement", p->id), NULL), 200);
	text = strdup(jstr(R.body, "proposed"));
	ck_assert_ptr_nonnull(text);
	version = jint(R.body, "version");
	statement_sign(sig, text, strlen(text), ssk);
	free(text);
	snprintf(body, sizeof(body), "{\"version\":%lld,\"signature\":\"%s\"}",
	         (long long)version, sig);
	OK(admin("PUT", path("/admin/peers/%s/signature", p->id), body), 200);
}

/* Whether p has changes to sign now. */
static int
unsigned_changes(const struct tpeer *p)
{
	OK(admin("GET", path("/admin/peers/%s", p->id), NULL), 200);
	return json_object_get_boolean(jget(R.body, "unsigned_changes"));
}

/* docs/trust.md: a pause changes no statement, and the partner's config
 * keeps serving the signed statements, paused or not. */
START_TEST(a_pause_needs_no_signature)
{
	struct tpeer a, b;
	uint8_t spk[KEYS_LEN], ssk[KEYS_SIGN_SK_LEN];
	char pk[KEYS_B64_LEN], body[128];

	member(&a, "alpha", "198.51.100.1:51820");
	member(&b, "bravo", "198.51.100.2:51820");
	pair(&a, &b);
	keys_sign_keypair(spk, ssk);
	remember_secret_bytes(ssk, 32);
	keys_b64_encode(pk, sizeof(pk), spk, KEYS_LEN);
	snprintf(body, sizeof(body), "{\"signing_key\":\"%s\"}", pk);
	OK(admin("PUT", path("/admin/network"), body), 200);
	sign_peer(&a, ssk);
	sign_peer(&b, ssk);
	ck_assert(!unsigned_changes(&a) && !unsigned_changes(&b));
	OK(admin("POST", path("/admin/peers/%s/disable", a.id), NULL), 200);
	ck_assert(!unsigned_changes(&a) && !unsigned_changes(&b));
	OK(config(&b), 200);
	ck_assert_ptr_null(link_to(&a));
	/* b's own statement still names a: enabling needs no new one. */
	ck_assert_ptr_nonnull(strstr(jstr(jget(R.body, "statement"), "text"), a.id));
	OK(admin("POST", path("/admin/peers/%s/enable", a.id), NULL), 200);
	ck_assert(!unsigned_changes(&a) && !unsigned_changes(&b));
	OK(config(&b), 200);
	ck_assert_ptr_nonnull(jstr(jget(link_to(&a), "statement"), "signature"));
}
END_TEST

/* An export keeps the pause, and an import brings it back. */
START_TEST(export_and_import_keep_the_pause)
{
	struct tpeer a, b, c, d;
	struct json_object *peers;
	char body[1024];

	member(&a, "alpha", "198.51.100.1:51820");
	member(&b, "bravo", "198.51.100.2:51820");
	OK(admin("POST", path("/admin/peers/%s/disable", a.id), NULL), 200);
	OK(admin("GET", path("/admin/export"), NULL), 200);
	peers = jarr(R.body, "peers", 2);
	for (size_t i = 0; i < 2; i++) {
		struct json_object *p = json_object_array_get_idx(peers, i);
		ck_assert_int_eq(json_object_get_boolean(jget(p, "disabled")),
		                 strcmp(jstr(p, "name"), "alpha") == 0);
	}
	new_keys(&c);
	new_keys(&d);
	snprintf(body, sizeof(body), "{\"peers\":[{\"name\":\"charlie\",\"public_key\":"
	         "\"%s\",\"disabled\":true},{\"name\":\"delta\",\"public_key\":\"%s\"}],"
	         "\"pairs\":[[\"%s\",\"%s\"]]}", c.pub, d.pub, c.pub, d.pub);
	OK(admin("POST", path("/admin/import"), body), 201);
	ck_assert_int_eq(count("SELECT count(*) FROM peers WHERE name = 'charlie' AND "
	                       "disabled_at IS NOT NULL"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM peers WHERE name = 'delta' AND "
	                       "disabled_at IS NULL"), 1);
	snprintf(body, sizeof(body), "{\"peers\":[{\"name\":\"echo\",\"public_key\":"
	         "\"%s\",\"state\":\"pending\",\"disabled\":true}]}", b.pub);
	ADMIN_FAILS(400, "invalid_import", "POST", path("/admin/import"), body);
	snprintf(body, sizeof(body), "{\"peers\":[{\"name\":\"echo\",\"public_key\":"
	         "\"%s\",\"disabled\":1}]}", b.pub);
	ADMIN_FAILS(400, "invalid_import", "POST", path("/admin/import"), body);
}
END_TEST

/* PUT /peer/links as p with the links of partners v[from, to). */
static int
report_range(const struct tpeer *p, const struct tpeer *v, size_t from, size_t to,
             int64_t rx)
{
	size_t cap = (to - from) * 96 + 32, len;
	char *body = malloc(cap);
	int status;

	ck_assert_ptr_nonnull(body);
	len = (size_t)snprintf(body, cap, "{\"links\":[");
	for (size_t i = from; i < to; i++)
		len += (size_t)snprintf(body + len, cap - len, "%s{\"peer\":\"%s\",\"latest_handshake\""
		                        ":0,\"rx\":%lld,\"tx\":1}", i > from ? "," : "", v[i].id,
		                        (long long)rx);
	snprintf(body + len, cap - len, "]}");
	status = call(NULL, p->token, "PUT", path("/peer/links"), body);
	free(body);
	return status;
}

#define HUB_PARTNERS 1100       /* more than one request holds (1024) */

START_TEST(a_big_hub_reports_in_pages)
{
	static struct tpeer v[HUB_PARTNERS];
	struct tpeer hub, stranger;
	struct json_object *t;

	member(&hub, "hub", "198.51.100.1:51820");
	member(&stranger, "stranger", "198.51.100.2:51820");
	/* Partners made directly, as bench/seed.c does: the harness's
	 * registration per peer would take minutes at this size. */
	for (size_t i = 0; i < HUB_PARTNERS; i++) {
		char sql[512];
		snprintf(v[i].id, sizeof(v[i].id), "%016zx", i + 1);
		snprintf(sql, sizeof(sql), "INSERT INTO peers (id, name, state, public_key, "
		         "token_hash, created_at) VALUES ('%.16s', 'p%zu', 'accepted', 'k%zu', x'00', 1);"
		         "INSERT INTO pairs (a, b, psk_box_a, psk_box_b, created_at) VALUES "
		         "(min('%.16s', '%.16s'), max('%.16s', '%.16s'), x'00', x'00', 1)", v[i].id, i, i,
		         v[i].id, hub.id, v[i].id, hub.id);
		exec_sql(sql);
	}
	/* One request holds at most 1024 entries: the rest comes in a second. */
	ck_assert_int_eq(report_range(&hub, v, 0, HUB_PARTNERS, 5), 400);
	ck_assert_int_eq(report_range(&hub, v, 0, 1000, 5), 204);
	ck_assert_int_eq(report_range(&hub, v, 1000, HUB_PARTNERS, 5), 204);
	ck_assert_int_eq(count("SELECT count(*) FROM link_reports"), HUB_PARTNERS);
	/* A page is no way around the bound: only partners, once each. */
	PEER_FAILS(409, "not_paired", hub.token, "PUT", path("/peer/links"),
	           "{\"links\":[{\"peer\":\"0000000000000001\",\"latest_handshake\":0,"
	           "\"rx\":1,\"tx\":1},{\"peer\":\"ffffffffffffffff\",\"latest_handshake\":0,"
	           "\"rx\":1,\"tx\":1}]}");
	ck_assert_int_eq(report_range(&hub, &stranger, 0, 1, 5), 409);
	/* A later page overwrites, never adds. */
	ck_assert_int_eq(report_range(&hub, v, 0, 1000, 7), 204);
	ck_assert_int_eq(count("SELECT count(*) FROM link_reports"), HUB_PARTNERS);
	/* The hub's traffic, summed, in the admin view. */
	OK(admin("GET", path("/admin/peers/%s", hub.id), NULL), 200);
	t = jget(R.body, "traffic");
	ck_assert_int_eq(jint(t, "rx"), 1000 * 7 + 100 * 5);
	ck_assert_int_eq(jint(t, "tx"), HUB_PARTNERS);
	OK(admin("GET", path("/admin/peers?q=hub"), NULL), 200);
	t = jget(json_object_array_get_idx(jarr(R.body, "peers", 1), 0), "traffic");
	ck_assert_int_eq(jint(t, "rx"), 1000 * 7 + 100 * 5);
	OK(admin("GET", path("/admin/peers?q=stranger"), NULL), 200);
	jnull(json_object_array_get_idx(jarr(R.body, "peers", 1), 0), "traffic");
}
END_TEST

static Suite *
pause_suite(void)
{
	Suite *s = suite_create("pause");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, disable_leaves_every_config_and_enable_restores_it);
	tcase_add_test(tc, an_expiry_pauses_by_itself);
	tcase_add_test(tc, bad_pauses_change_nothing);
	tcase_add_test(tc, a_pause_needs_no_signature);
	tcase_add_test(tc, export_and_import_keep_the_pause);
	tcase_add_test(tc, a_big_hub_reports_in_pages);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(pause_suite)
