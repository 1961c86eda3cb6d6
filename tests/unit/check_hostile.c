/* SPDX-License-Identifier: MIT */
/*
 * hostile: the bounds on what anyone can add to the database (lib/store/quota.h),
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
#include "api_harness.h"
#include "db.h"
#include "keys.h"
#include "quota.h"
#include "unit.h"

/* Bodies come from printf formats. */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

#define DAY        86400

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

/* POST /register of a fresh key as p, from address addr (REMOTE_ADDR). */
static int
register_from(struct tpeer *p, const char *addr, const char *name)
{
	struct request rq;
	char body[256];

	new_keys(p);
	snprintf(body, sizeof(body), "{\"name\":\"%s\",\"public_key\":\"%s\",\"endpoint\":null}",
	         name, p->pub);
	base_request(&rq, NULL, NULL, "POST", path("/register"), body);
	rq.remote_addr = addr;
	if (send_req(&rq) != 201)
		return R.status;
	snprintf(p->id, sizeof(p->id), "%s", jstr(R.body, "id"));
	snprintf(p->token, sizeof(p->token), "%s", jstr(R.body, "token"));
	forget_secrets(3);      /* the keys of a junk registration are no secret here */
	return 201;
}

/*
 * Open registration: a few addresses of one network cannot fill the queue
 * for everyone. At most pending_max_per_prefix pending peers from one /24
 * (IPv4, IPv4-mapped IPv6 too) or /48 (IPv6); other networks, invites and
 * accepted peers are not counted against it.
 */
START_TEST(pending_bounded_per_prefix)
{
	struct tpeer p, q;
	char code[64];

	OK(admin("GET", path("/admin/network"), NULL), 200);
	ck_assert_int_eq(jint(R.body, "pending_max_per_prefix"), 32);
	ADMIN_FAILS(400, "invalid_field", "PUT", path("/admin/network"),
	            "{\"pending_max_per_prefix\":100001}");
	set_network("{\"pending_max_per_prefix\":3}");
	ck_assert_int_eq(jint(R.body, "pending_max_per_prefix"), 3);
	OK(register_from(&q, "203.0.113.5", "j1"), 201);
	OK(register_from(&p, "203.0.113.6", "j2"), 201);
	OK(register_from(&p, "203.0.113.200", "j3"), 201);
	ck_assert_int_eq(register_from(&p, "203.0.113.9", "j4"), 429);
	ck_assert_str_eq(R.error_code, "too_many_pending");
	ck_assert_ptr_nonnull(strstr(R.error_message, "203.0.113.0/24"));
	ck_assert_int_eq(register_from(&p, "::ffff:203.0.113.10", "j5"), 429);
	/* Another network still gets in; so does an invite from this one. */
	OK(register_from(&p, "203.0.114.5", "other"), 201);
	make_invite(code);
	OK(register_invited(&p, "invited", code), 201);
	/* An accepted peer frees its seat. */
	accept_peer(&q, NULL);
	OK(register_from(&p, "203.0.113.9", "j4"), 201);
	/* IPv6: the /48. */
	OK(register_from(&p, "2001:db8:1:2::1", "v1"), 201);
	OK(register_from(&p, "2001:db8:1:ffff::2", "v2"), 201);
	OK(register_from(&p, "2001:db8:1:a::3", "v3"), 201);
	ck_assert_int_eq(register_from(&p, "2001:db8:1::4", "v4"), 429);
	ck_assert_ptr_nonnull(strstr(R.error_message, "2001:db8:1::/48"));
	OK(register_from(&p, "2001:db8:2::4", "v5"), 201);
	ck_assert_int_eq(count("SELECT count(*) FROM peers WHERE state = 'pending' AND "
	                       "registered_from = '203.0.113.0/24'"), 3);
}
END_TEST

/* "Never seen" is honest: a pending peer's refused config poll does not
 * stamp last_seen; a fetched config does. */
START_TEST(pending_poll_is_not_seen)
{
	struct tpeer p;

	reg(&p, "junk", NULL);
	PEER_FAILS(409, "peer_pending", p.token, "GET", path("/peer/config"), NULL);
	ck_assert_int_eq(count("SELECT count(*) FROM peers WHERE last_seen IS NULL"), 1);
	OK(admin("GET", path("/admin/peers/%s", p.id), NULL), 200);
	jnull(R.body, "last_seen");
	accept_peer(&p, NULL);
	OK(config(&p), 200);
	ck_assert_int_eq(count("SELECT count(*) FROM peers WHERE last_seen IS NOT NULL"), 1);
}
END_TEST

/* A peer asking for one new key after another adds one audit row per
 * coalescing window (counting them, naming the latest key), like any
 * other repeated event: within the documented per-peer bound. */
START_TEST(key_requests_bounded)
{
	struct tpeer p, k;
	char body[128], want[256];

	member(&p, "rotator", NULL);
	for (int i = 0; i < 50; i++) {
		new_keys(&k);
		forget_secrets(3);      /* only the public key is sent */
		snprintf(body, sizeof(body), "{\"public_key\":\"%s\"}", k.pub);
		OK(call(NULL, p.token, "POST", path("/peer/key"), body), 202);
	}
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = 'peer.key_request'"), 1);
	ck_assert_int_eq(count("SELECT count FROM audit WHERE action = 'peer.key_request'"), 50);
	snprintf(want, sizeof(want), "SELECT count(*) FROM audit WHERE action = 'peer.key_request'"
	         " AND json_extract(detail, '$.pending_key') = '%s'", k.pub);
	ck_assert_int_eq(count(want), 1);
	/* Without coalescing, each is its own entry, as documented. */
	set_network("{\"audit_coalesce_window\":0}");
	new_keys(&k);
	snprintf(body, sizeof(body), "{\"public_key\":\"%s\"}", k.pub);
	OK(call(NULL, p.token, "POST", path("/peer/key"), body), 202);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = 'peer.key_request'"), 2);
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
		forget_secrets(4);       /* too many to remember */
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
		forget_secrets(4);       /* too many to remember */
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

	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, settings_defaults_and_edits);
	tcase_add_test(tc, settings_bad_values);
	tcase_add_test(tc, registration_modes);
	tcase_add_test(tc, full_queue_never_refuses_an_invite);
	tcase_add_test(tc, pending_expiry);
	tcase_add_test(tc, pending_peer_cannot_write);
	tcase_add_test(tc, pending_bounded_per_prefix);
	tcase_add_test(tc, pending_poll_is_not_seen);
	tcase_add_test(tc, key_requests_bounded);
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
