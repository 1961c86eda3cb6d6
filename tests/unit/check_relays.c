/* SPDX-License-Identifier: MIT */
/*
 * relays: the server routes pairs with no direct path through relays
 * (lib/store/relays.h, docs/relays.md), through api_handle() on a fresh
 * SQLite file per test: which pairs, which relay (fit, load, id), what each
 * end's config says, exactly whose revisions move, and a host that refuses.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "api_harness.h"
#include "db.h"
#include "store.h"
#include "unit.h"

#pragma GCC diagnostic ignored "-Wformat-nonliteral"

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

static int64_t
revision_of(const struct tpeer *p)
{
	OK(admin("GET", path("/admin/peers/%s", p->id), NULL), 200);
	return jint(R.body, "revision");
}

static void
relay(const struct tpeer *p, int on)
{
	OK(admin("PATCH", path("/admin/peers/%s", p->id), on ? "{\"relay\":true}" :
	         "{\"relay\":false}"), 200);
	ck_assert_int_eq(json_object_get_boolean(jget(R.body, "relay")), on);
}

/* The link entry of x-y in GET /admin/links (held in R). */
static struct json_object *
link_of(const struct tpeer *x, const struct tpeer *y)
{
	struct json_object *arr;

	OK(admin("GET", path("/admin/links"), NULL), 200);
	arr = jget(R.body, "links");
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *l = json_object_array_get_idx(arr, i);
		const char *a = jstr(jget(l, "a"), "id"), *b = jstr(jget(l, "b"), "id");
		if ((strcmp(a, x->id) == 0 && strcmp(b, y->id) == 0) ||
		    (strcmp(a, y->id) == 0 && strcmp(b, x->id) == 0))
			return l;
	}
	ck_abort_msg("no link %s-%s", x->name, y->name);
	return NULL;
}

/* "direct", "down" or the name of the relay x-y goes through. */
static const char *
path_of(const struct tpeer *x, const struct tpeer *y)
{
	static char out[64];
	struct json_object *l = link_of(x, y), *via;
	const char *p = jstr(l, "path");

	if (strcmp(p, "relayed") != 0) {
		snprintf(out, sizeof(out), "%s", p);
		return out;
	}
	via = jget(l, "via");
	snprintf(out, sizeof(out), "%s", jstr(via, "name"));
	return out;
}

/* Whether x's config has an entry for y; and whether y's tunnel address
 * is in the AllowedIPs of x's entry for r. */
static int
has_entry(const struct tpeer *x, const struct tpeer *y)
{
	OK(config(x), 200);
	return link_to(y) != NULL;
}

static int
routed_through(const struct tpeer *x, const struct tpeer *r, const struct tpeer *y)
{
	struct json_object *e, *ips, *rel;
	const char *addr;
	char host[64];
	int found = 0;

	OK(admin("GET", path("/admin/peers/%s", y->id), NULL), 200);
	addr = jidx_str(jget(R.body, "addresses"), 0);
	snprintf(host, sizeof(host), "%s/32", addr);
	OK(config(x), 200);
	if ((e = link_to(r)) == NULL)
		return 0;
	ips = jget(e, "allowed_ips");
	for (size_t i = 0; i < json_object_array_length(ips); i++)
		found |= strcmp(jidx_str(ips, i), host) == 0;
	if (found) {
		rel = jget(e, "relayed");
		found = 0;
		for (size_t i = 0; i < json_object_array_length(rel); i++)
			found |= strcmp(jstr(json_object_array_get_idx(rel, i), "id"), y->id) == 0;
	}
	return found;
}

/* Two hosts behind NAT, paired: down without a relay, through it with one;
 * only the pair's ends (and the relay, whose record changed) move. */
START_TEST(nat_pair_goes_through_the_relay)
{
	struct tpeer r, a, b, c, n;
	int64_t ra, rb, rc;

	member(&r, "relay1", "198.51.100.1:51820");
	member(&a, "alpha", NULL);
	member(&b, "bravo", NULL);
	member(&c, "charlie", "198.51.100.3:51820");
	member(&n, "nat9", NULL);
	pair(&a, &b);
	pair(&a, &c);
	ck_assert_str_eq(path_of(&a, &b), "down");
	ck_assert_ptr_nonnull(strstr(jstr(link_of(&a, &b), "reason"), "no peer may relay"));
	ck_assert_str_eq(path_of(&a, &c), "direct");
	ck_assert(has_entry(&a, &b));
	ck_assert_int_eq(json_object_array_length(jget(R.body, "warnings")), 1);

	/* A relay must be reachable. */
	ADMIN_FAILS(409, "relay_needs_endpoint", "PATCH", path("/admin/peers/%s", n.id),
	            "{\"relay\":true}");
	ADMIN_FAILS(400, "invalid_relay", "PATCH", path("/admin/peers/%s", r.id),
	            "{\"relay\":1}");

	rc = revision_of(&c);
	relay(&r, 1);
	ck_assert_str_eq(path_of(&a, &b), "relay1");
	ck_assert_str_eq(path_of(&a, &c), "direct");
	/* The relay was paired with both ends, with a PSK each opens. */
	ck_assert_str_eq(path_of(&r, &a), "direct");
	ck_assert_str_eq(path_of(&r, &b), "direct");
	ck_assert(!has_entry(&a, &b));
	ck_assert_int_eq(json_object_array_length(jget(R.body, "warnings")), 0);
	ck_assert(routed_through(&a, &r, &b));
	ck_assert(routed_through(&b, &r, &a));
	ck_assert(has_entry(&r, &a) && has_entry(&r, &b));
	ck_assert(json_object_get_boolean(jget(jget(R.body, "interface"), "relay")));
	OK(config(&a), 200);
	ck_assert(!json_object_get_boolean(jget(jget(R.body, "interface"), "relay")));
	ck_assert_int_eq(revision_of(&c), rc);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = 'relay.route'"), 1);

	/* An unrelated write moves nobody else. */
	ra = revision_of(&a);
	rb = revision_of(&b);
	OK(admin("PATCH", path("/admin/peers/%s", n.id), "{\"name\":\"nat10\"}"), 200);
	ck_assert_int_eq(revision_of(&a), ra);
	ck_assert_int_eq(revision_of(&b), rb);

	/* The relay stops: the pair is down again, its ends move. */
	relay(&r, 0);
	ck_assert_str_eq(path_of(&a, &b), "down");
	ck_assert(has_entry(&a, &b));
	ck_assert(!routed_through(&a, &r, &b));
	ck_assert_int_gt(revision_of(&a), ra);
	ck_assert_int_gt(revision_of(&b), rb);
}
END_TEST

/* Pairs spread over relays; one reported down hands its pairs over; a host
 * that refuses to relay gets none, and the pair says why. */
START_TEST(load_failover_and_refusal)
{
	struct tpeer r1, r2, a, b, d, e;
	int64_t now = store_now();

	member(&r1, "relay1", "198.51.100.1:51820");
	member(&r2, "relay2", "198.51.100.2:51820");
	member(&a, "alpha", NULL);
	member(&b, "bravo", NULL);
	member(&d, "delta", NULL);
	member(&e, "echo", NULL);
	relay(&r1, 1);
	relay(&r2, 1);
	pair(&a, &b);
	pair(&d, &e);
	/* The two pairs land on different relays. */
	{
		char ab[64];
		snprintf(ab, sizeof(ab), "%s", path_of(&a, &b));
		ck_assert_str_ne(ab, path_of(&d, &e));
		ck_assert_str_ne(ab, "down");
	}

	/* Whatever a-b uses is reported down by a (a handshake 1000 s old). */
	{
		const struct tpeer *cur = strcmp(path_of(&a, &b), "relay1") == 0 ? &r1 : &r2;
		const struct tpeer *other = cur == &r1 ? &r2 : &r1;
		OK(report(&a, "{\"links\":[{\"peer\":\"%s\",\"latest_handshake\":%lld,\"rx\":1,"
		          "\"tx\":1}]}", cur->id, (long long)(now - 1000)), 200);
		ck_assert_str_eq(path_of(&a, &b), other->name);
		ck_assert(routed_through(&a, other, &b));
		/* The other relay refuses: nobody can take a-b. */
		OK(report(other, "{\"links\":[],\"relay\":\"refused\"}"), 200);
		ck_assert_str_eq(path_of(&a, &b), "down");
		ck_assert_ptr_nonnull(strstr(jstr(link_of(&a, &b), "reason"), other->name));
		ck_assert_ptr_nonnull(strstr(jstr(link_of(&a, &b), "reason"), "allow-relay"));
		OK(admin("GET", path("/admin/peers/%s", other->id), NULL), 200);
		ck_assert(json_object_get_boolean(jget(R.body, "relay_refused")));
		/* d-e moved to the first relay (the second refuses). */
		ck_assert_str_eq(path_of(&d, &e), cur->name);
		OK(report(other, "{\"links\":[],\"relay\":\"forwarding\"}"), 200);
		ck_assert_str_eq(path_of(&a, &b), other->name);
	}
	PEER_FAILS(400, "invalid_relay", r1.token, "PUT", path("/peer/links"),
	           "{\"links\":[],\"relay\":\"yes\"}");
}
END_TEST

/* Two public hosts whose link both ends report down go through a relay. */
START_TEST(down_link_is_relayed)
{
	struct tpeer r, x, y;
	int64_t now = store_now();

	member(&r, "relay1", "198.51.100.1:51820");
	member(&x, "xray", "198.51.100.7:51820");
	member(&y, "yankee", "198.51.100.8:51820");
	pair(&x, &y);
	relay(&r, 1);
	ck_assert_str_eq(path_of(&x, &y), "direct");
	/* A link that shook hands and went quiet may only be idle. */
	exec_sql("UPDATE pairs SET created_at = created_at - 1000");
	OK(report(&x, "{\"links\":[{\"peer\":\"%s\",\"latest_handshake\":%lld,\"rx\":0,"
	          "\"tx\":9}]}", y.id, (long long)(now - 1000)), 204);
	OK(report(&y, "{\"links\":[{\"peer\":\"%s\",\"latest_handshake\":%lld,\"rx\":0,"
	          "\"tx\":9}]}", x.id, (long long)(now - 1000)), 204);
	ck_assert_str_eq(path_of(&x, &y), "direct");
	/* Never came up though x tried; y never tried (no bytes): not yet. */
	OK(report(&x, "{\"links\":[{\"peer\":\"%s\",\"latest_handshake\":0,\"rx\":0,"
	          "\"tx\":148}]}", y.id), 204);
	OK(report(&y, "{\"links\":[{\"peer\":\"%s\",\"latest_handshake\":0,\"rx\":0,"
	          "\"tx\":0}]}", x.id), 204);
	ck_assert_str_eq(path_of(&x, &y), "direct");
	/* The report that moved y's own config says so: y fetches again. */
	OK(report(&y, "{\"links\":[{\"peer\":\"%s\",\"latest_handshake\":0,\"rx\":0,"
	          "\"tx\":148}]}", x.id), 200);
	{
		int64_t said = jint(R.body, "revision");
		ck_assert_int_eq(said, revision_of(&y));
	}
	ck_assert_str_eq(path_of(&x, &y), "relay1");
	ck_assert(routed_through(&x, &r, &y));
	/* x keeps its link to the relay alive, though x is public. */
	OK(config(&x), 200);
	ck_assert_int_gt(jint(link_to(&r), "persistent_keepalive"), 0);
}
END_TEST

/* The responder's periodic check moves the pairs of a relay gone quiet
 * though nobody wrote anything meanwhile. */
START_TEST(housekeeping_moves_a_quiet_relay)
{
	struct tpeer r, a, b;
	char sql[512];
	int64_t ra;

	member(&r, "relay1", "198.51.100.1:51820");
	member(&a, "alpha", NULL);
	member(&b, "bravo", NULL);
	pair(&a, &b);
	relay(&r, 1);
	ck_assert_str_eq(path_of(&a, &b), "relay1");
	ra = revision_of(&a);
	/* What a's last report said, 1000 s ago, written behind the API. */
	snprintf(sql, sizeof(sql), "INSERT INTO link_reports (reporter, partner, latest_handshake,"
	         " rx, tx, reported_at) VALUES ('%s', '%s', %lld, 1, 1, %lld)", a.id, r.id,
	         (long long)(store_now() - 1000), (long long)(store_now() - 900));
	exec_sql(sql);
	ck_assert_str_eq(path_of(&a, &b), "relay1");
	api_relays_housekeep();
	ck_assert_str_eq(path_of(&a, &b), "down");
	ck_assert_int_gt(revision_of(&a), ra);
	ck_assert(has_entry(&a, &b));
}
END_TEST

static Suite *
relays_suite(void)
{
	Suite *s = suite_create("relays");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_add_test(tc, nat_pair_goes_through_the_relay);
	tcase_add_test(tc, load_failover_and_refusal);
	tcase_add_test(tc, down_link_is_relayed);
	tcase_add_test(tc, housekeeping_moves_a_quiet_relay);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(relays_suite)
