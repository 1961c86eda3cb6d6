/* SPDX-License-Identifier: MIT */
/*
 * revisions: a change reaches exactly the hosts it affects. A host refetches
 * its config when its revision moves, and a config is kept per revision, so
 * a write that changes a peer's config and moves no revision leaves that
 * host on the old config for good; a revision moved for nothing costs every
 * host a refetch.
 *
 * The test walks every write route once, through api_handle(), and around
 * each one rebuilds what a revision stands for, for every peer: its config
 * (built afresh: the kept ones are dropped first, they are keyed by the
 * revision under test) and its record as admins see it (the ETag of If-Match
 * is the same revision). A peer whose bytes changed must have a new
 * revision, a peer whose bytes did not must keep its own, and the list the
 * write hands out for change notifications (res->revised) must name exactly
 * the peers that moved, with their new revisions.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_harness.h"
#include "statement.h"

#define PEERS_MAX 32

/* What a revision stands for, per peer, at one moment. */
struct seen {
	size_t n;
	struct {
		char id[PEER_ID_LEN];
		char name[64];
		int64_t revision;
		char *bytes;            /* its view and its config, revision left out */
	} v[PEERS_MAX];
};

static void
seen_free(struct seen *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].bytes);
	s->n = 0;
}

/* o as text without its members named in drop (NULL-terminated). */
static char *
without(struct json_object *o, const char *const *drop)
{
	struct json_object *c = NULL;
	char *text;

	ck_assert_int_eq(json_object_deep_copy(o, &c, NULL), 0);
	for (size_t i = 0; drop[i] != NULL; i++)
		json_object_object_del(c, drop[i]);
	text = strdup(json_object_to_json_string_ext(c, JSON_C_TO_STRING_PLAIN));
	json_object_put(c);
	ck_assert_ptr_nonnull(text);
	return text;
}

/* Peer id's config, built now, without its revision member. */
static char *
config_bytes(const char *id)
{
	static const char *const drop[] = { "revision", NULL };
	struct json_object *c;
	char *text;

	OK(admin("GET", path("/admin/peers/%s/config", id), NULL), 200);
	ck_assert_ptr_nonnull(R.text);
	c = json_tokener_parse(R.text);
	ck_assert_ptr_nonnull(c);
	text = without(c, drop);
	json_object_put(c);
	return text;
}

static void
take(struct seen *s)
{
	/* last_seen moves on every poll, and pending_key is the host's own
	 * request waiting for the admin (POST /peer/key changes no config and
	 * no revision: docs/trust.md): neither is part of a revision. */
	static const char *const drop[] = { "revision", "last_seen", "pending_key", NULL };
	struct json_object *peers;

	s->n = 0;
	/* A kept config is served for its revision: it would hide a missed one. */
	exec_sql("DELETE FROM config_cache");
	OK(admin("GET", path("/admin/peers?limit=1000"), NULL), 200);
	peers = json_object_get(jget(R.body, "peers"));
	ck_assert_uint_le(json_object_array_length(peers), PEERS_MAX);
	for (size_t i = 0; i < json_object_array_length(peers); i++) {
		struct json_object *p = json_object_array_get_idx(peers, i);
		char *view = without(p, drop), *conf = NULL, *both;
		size_t len;

		snprintf(s->v[i].id, sizeof(s->v[i].id), "%s", jstr(p, "id"));
		snprintf(s->v[i].name, sizeof(s->v[i].name), "%s", jstr(p, "name"));
		s->v[i].revision = jint(p, "revision");
		if (strcmp(jstr(p, "state"), "accepted") == 0)
			conf = config_bytes(s->v[i].id);
		len = strlen(view) + (conf ? strlen(conf) : 0) + 2;
		both = malloc(len);
		ck_assert_ptr_nonnull(both);
		snprintf(both, len, "%s\n%s", view, conf ? conf : "");
		free(view);
		free(conf);
		s->v[i].bytes = both;
		s->n++;
	}
	json_object_put(peers);
}

/* The (id, revision) list the write handed out, copied out of R. */
struct published {
	size_t n;
	struct store_revision v[PEERS_MAX];
};

static const struct store_revision *
published_find(const struct published *pub, const char *id)
{
	for (size_t i = 0; i < pub->n; i++)
		if (strcmp(pub->v[i].id, id) == 0)
			return &pub->v[i];
	return NULL;
}

/* Each peer there before and after: new bytes if and only if a new
 * revision, and published if and only if moved, with the revision it has. */
static void
compare(const char *what, const struct seen *before, const struct seen *after,
        const struct published *pub)
{
	size_t moved = 0;

	for (size_t i = 0; i < after->n; i++) {
		const struct store_revision *r = published_find(pub, after->v[i].id);
		for (size_t j = 0; j < before->n; j++) {
			int changed, bumped;
			if (strcmp(before->v[j].id, after->v[i].id) != 0)
				continue;
			changed = strcmp(before->v[j].bytes, after->v[i].bytes) != 0;
			bumped = before->v[j].revision != after->v[i].revision;
			ck_assert_msg(changed == bumped, "%s: peer %s's config or view %s, but its "
			              "revision %s (%lld -> %lld)\nbefore: %s\nafter:  %s", what,
			              after->v[i].name, changed ? "changed" : "did not change",
			              bumped ? "moved" : "stayed",
			              (long long)before->v[j].revision,
			              (long long)after->v[i].revision, before->v[j].bytes,
			              after->v[i].bytes);
			ck_assert_msg(after->v[i].revision >= before->v[j].revision,
			              "%s: peer %s's revision went back", what, after->v[i].name);
		}
		if (r != NULL) {
			ck_assert_msg(r->revision == after->v[i].revision, "%s: peer %s published "
			              "at %lld, is at %lld", what, after->v[i].name,
			              (long long)r->revision, (long long)after->v[i].revision);
			moved++;
		}
	}
	/* A new peer is published too (its first revision); a gone one is not. */
	ck_assert_msg(moved == pub->n, "%s: %zu published, %zu of them peers now", what,
	              pub->n, moved);
	for (size_t i = 0; i < after->n; i++) {
		int is_new = 1;
		for (size_t j = 0; j < before->n; j++)
			if (strcmp(before->v[j].id, after->v[i].id) == 0)
				is_new = 0;
		ck_assert_msg(!is_new || published_find(pub, after->v[i].id) != NULL,
		              "%s: new peer %s has no first revision", what, after->v[i].name);
	}
	for (size_t i = 0; i < after->n; i++) {
		int was = 0;
		for (size_t j = 0; j < before->n; j++)
			if (strcmp(before->v[j].id, after->v[i].id) == 0 &&
			    before->v[j].revision != after->v[i].revision)
				was = 1;
		ck_assert_msg(!was || published_find(pub, after->v[i].id) != NULL,
		              "%s: peer %s moved but was not published", what, after->v[i].name);
	}
}

/* The last step's answer (a copy: R is reused by the rebuilds). */
static struct json_object *answer;

/* One write, expected to answer want, held to the rule above. */
static void
step(const char *what, int want, const char *user, const char *token, const char *method,
     const char *p, const char *body)
{
	struct seen before, after;
	struct published pub = { 0 };
	char where[256];

	snprintf(where, sizeof(where), "%s", p);
	take(&before);
	OK(call(user, token, method, where, body), want);
	ck_assert_uint_le(R.revised.n, PEERS_MAX);
	pub.n = R.revised.n;
	if (pub.n > 0)
		memcpy(pub.v, R.revised.v, pub.n * sizeof(pub.v[0]));
	json_object_put(answer);
	answer = NULL;
	if (R.body != NULL)
		ck_assert_int_eq(json_object_deep_copy(R.body, &answer, NULL), 0);
	take(&after);
	compare(what, &before, &after, &pub);
	seen_free(&before);
	seen_free(&after);
}

#define ADMIN_STEP(what, want, m, p, b) step((what), (want), ADMIN_USER, NULL, (m), (p), (b))
#define PEER_STEP(what, want, tp, m, p, b) step((what), (want), NULL, (tp)->token, (m), (p), (b))

/* Registers p through a step; p keeps its id and token. */
static void
reg_step(struct tpeer *p, const char *name, const char *extra)
{
	char body[512];

	new_keys(p);
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(body, sizeof(body), "{\"name\":\"%s\",\"public_key\":\"%s\",\"endpoint\":null%s}",
	         name, p->pub, extra);
	step("register", 201, NULL, NULL, "POST", path("/register"), body);
	snprintf(p->id, sizeof(p->id), "%s", jstr(answer, "id"));
	snprintf(p->token, sizeof(p->token), "%s", jstr(answer, "token"));
	remember_secret(p->token, strlen(p->token));
}

/* An invite code (body: what it is for), made by a step. */
static void
invite_step(const char *body, char *code, size_t codesz, char *id, size_t idsz)
{
	ADMIN_STEP("invite create", 201, "POST", path("/admin/invites"), body);
	snprintf(code, codesz, "%s", jstr(answer, "code"));
	snprintf(id, idsz, "%s", jstr(answer, "id"));
	remember_secret(code, strlen(code));
}

/* The walk's first part: peers, pairs, tags, rules, edits. */
static void
walk_mesh(struct tpeer *x, struct tpeer *y, struct tpeer *z, struct tpeer *w)
{
	char code[128], inv[32], body[512], rule[24];

	reg_step(x, "xray", "");
	ADMIN_STEP("accept with tags", 200, "POST", path("/admin/peers/%s/accept", x->id),
	           "{\"tags\":[\"web\"]}");
	reg_step(y, "yankee", ",\"listen_port\":51820");
	ADMIN_STEP("accept with networks", 200, "POST", path("/admin/peers/%s/accept", y->id),
	           "{\"tags\":[\"db\"],\"networks\":[\"192.168.40.0/24\"]}");
	reg_step(z, "zulu", "");
	ADMIN_STEP("accept", 200, "POST", path("/admin/peers/%s/accept", z->id), NULL);
	invite_step("{}", code, sizeof(code), inv, sizeof(inv));
	snprintf(body, sizeof(body), ",\"invite\":\"%s\"", code);
	reg_step(w, "whiskey", body);
	ADMIN_STEP("pair", 201, "PUT", path("/admin/pairs/%s/%s", x->id, z->id), NULL);
	ADMIN_STEP("pair again", 200, "PUT", path("/admin/pairs/%s/%s", x->id, z->id), NULL);
	ADMIN_STEP("rule create", 201, "POST", path("/admin/rules"), "{\"a\":\"web\",\"b\":\"db\"}");
	snprintf(rule, sizeof(rule), "%s", jstr(answer, "id"));
	ADMIN_STEP("pair a rule pair", 200, "PUT", path("/admin/pairs/%s/%s", x->id, y->id), NULL);
	ADMIN_STEP("unpair, rules keep it", 200, "DELETE", path("/admin/pairs/%s/%s", x->id, y->id),
	           NULL);
	ADMIN_STEP("rename", 200, "PATCH", path("/admin/peers/%s", x->id), "{\"name\":\"xenon\"}");
	ADMIN_STEP("tags alone", 200, "PATCH", path("/admin/peers/%s", y->id),
	           "{\"tags\":[\"db\",\"ops\"]}");
	ADMIN_STEP("tags make rule pairs", 200, "PATCH", path("/admin/peers/%s", z->id),
	           "{\"tags\":[\"web\"]}");
	ADMIN_STEP("tags drop rule pairs", 200, "PATCH", path("/admin/peers/%s", z->id),
	           "{\"tags\":[]}");
	ADMIN_STEP("link fields", 200, "PATCH", path("/admin/peers/%s", z->id),
	           "{\"endpoint\":\"198.51.100.7:51820\",\"listen_port\":51821,\"keepalive\":25}");
	ADMIN_STEP("keepalive alone", 200, "PATCH", path("/admin/peers/%s", z->id),
	           "{\"keepalive\":20}");
	ADMIN_STEP("listen port alone", 200, "PATCH", path("/admin/peers/%s", z->id),
	           "{\"listen_port\":51822}");
	ADMIN_STEP("address", 200, "PATCH", path("/admin/peers/%s", x->id),
	           "{\"address\":\"10.77.0.50\"}");
	ADMIN_STEP("networks", 200, "PATCH", path("/admin/peers/%s", x->id),
	           "{\"networks\":[\"192.168.50.0/24\"]}");
	ADMIN_STEP("accept with tags of a rule", 200, "PATCH", path("/admin/peers/%s", w->id),
	           "{\"tags\":[\"db\"]}");
	PEER_STEP("endpoint", 200, x, "PUT", path("/peer/endpoint"),
	          "{\"endpoint\":\"203.0.113.9:51820\"}");
	PEER_STEP("same endpoint", 200, x, "PUT", path("/peer/endpoint"),
	          "{\"endpoint\":\"203.0.113.9:51820\"}");
	snprintf(body, sizeof(body), "{\"links\":[{\"peer\":\"%s\",\"latest_handshake\":0,"
	         "\"rx\":1,\"tx\":2}]}", z->id);
	PEER_STEP("link report", 204, x, "PUT", path("/peer/links"), body);
	ADMIN_STEP("invite delete", 204, "DELETE", path("/admin/invites/%s", inv), NULL);
	ADMIN_STEP("rule delete", 204, "DELETE", path("/admin/rules/%s", rule), NULL);
	ADMIN_STEP("unpair", 204, "DELETE", path("/admin/pairs/%s/%s", x->id, z->id), NULL);
	ADMIN_STEP("pair back", 201, "PUT", path("/admin/pairs/%s/%s", x->id, z->id), NULL);
}

/* Signing, key rotation, revocations. */
static void
walk_trust(const struct tpeer *x, struct tpeer *nx)
{
	uint8_t spk[KEYS_LEN], ssk[KEYS_SIGN_SK_LEN];
	char pk[KEYS_B64_LEN], body[512], sig[KEYS_SIG_B64_LEN], *text, rid[PEER_ID_LEN];
	int64_t version;

	keys_sign_keypair(spk, ssk);
	remember_secret_bytes(ssk, 32);
	keys_b64_encode(pk, sizeof(pk), spk, KEYS_LEN);
	snprintf(body, sizeof(body), "{\"signing_key\":\"%s\"}", pk);
	ADMIN_STEP("signing key", 200, "PUT", path("/admin/network"), body);
	OK(admin("GET", path("/admin/peers/%s/statement", x->id), NULL), 200);
	text = strdup(jstr(R.body, "proposed"));
	version = jint(R.body, "version");
	statement_sign(sig, text, strlen(text), ssk);
	free(text);
	snprintf(body, sizeof(body), "{\"version\":%lld,\"signature\":\"%s\"}",
	         (long long)version, sig);
	ADMIN_STEP("sign", 200, "PUT", path("/admin/peers/%s/signature", x->id), body);
	new_keys(nx);
	snprintf(body, sizeof(body), "{\"public_key\":\"%s\"}", nx->pub);
	PEER_STEP("key request", 202, x, "POST", path("/peer/key"), body);
	ADMIN_STEP("key accept", 200, "POST", path("/admin/peers/%s/accept-key", x->id), NULL);
	OK(admin("GET", path("/admin/revocations"), NULL), 200);
	{
		struct json_object *r = json_object_array_get_idx(jarr(R.body, "revocations", 1), 0);
		snprintf(rid, sizeof(rid), "%s", jstr(r, "id"));
		text = strdup(jstr(r, "text"));
	}
	statement_sign(sig, text, strlen(text), ssk);
	free(text);
	snprintf(body, sizeof(body), "{\"signature\":\"%s\"}", sig);
	ADMIN_STEP("revocation sign", 200, "PUT", path("/admin/revocations/%s/signature", rid), body);
}

/* The network, the limits, import, adoption, rejections, deletions. */
static void
walk_rest(const struct tpeer *y, const struct tpeer *z, const struct tpeer *w)
{
	struct tpeer p, q, imp;
	char body[512], code[128], inv[32];

	ADMIN_STEP("mtu", 200, "PUT", path("/admin/network"), "{\"mtu\":1380}");
	/* w is behind NAT with no keepalive of its own: the default is in its
	 * links; z sets its own, y has no link. */
	ADMIN_STEP("pair one behind NAT", 201, "PUT", path("/admin/pairs/%s/%s",
	           strcmp(w->id, z->id) < 0 ? w->id : z->id, strcmp(w->id, z->id) < 0 ? z->id : w->id),
	           NULL);
	ADMIN_STEP("keepalive", 200, "PUT", path("/admin/network"), "{\"keepalive\":30}");
	ADMIN_STEP("dns", 200, "PUT", path("/admin/network"), "{\"dns\":[\"10.77.0.1\"]}");
	ADMIN_STEP("limits alone", 200, "PUT", path("/admin/network"), "{\"pending_max\":50}");
	ADMIN_STEP("ipv6 pool", 200, "PUT", path("/admin/network"), "{\"ipv6_pool\":\"fd77::/64\"}");
	ADMIN_STEP("ipv6 pool dropped", 200, "PUT", path("/admin/network"), "{\"ipv6_pool\":null}");
	ADMIN_STEP("ipv6 pool again", 200, "PUT", path("/admin/network"),
	           "{\"ipv6_pool\":\"fd78::/64\"}");
	reg_step(&p, "papa", "");
	ADMIN_STEP("reject", 204, "POST", path("/admin/peers/%s/reject", p.id), NULL);
	reg_step(&q, "quebec", "");
	snprintf(body, sizeof(body), "{\"ids\":[\"%s\"]}", q.id);
	ADMIN_STEP("bulk reject", 200, "POST", path("/admin/peers/reject"), body);
	new_keys(&imp);
	snprintf(body, sizeof(body), "{\"peers\":[{\"name\":\"india\",\"public_key\":\"%s\","
	         "\"tags\":[\"db\"]}],\"pairs\":[],\"rules\":[[\"db\",\"db\"]]}", imp.pub);
	ADMIN_STEP("import", 201, "POST", path("/admin/import"), body);
	snprintf(body, sizeof(body), "{\"for_peer\":\"%s\"}",
	         jstr(json_object_array_get_idx(jget(answer, "peers"), 0), "id"));
	invite_step(body, code, sizeof(code), inv, sizeof(inv));
	snprintf(body, sizeof(body), "{\"public_key\":\"%s\",\"invite\":\"%s\"}", imp.pub, code);
	step("adopt", 200, NULL, NULL, "POST", path("/adopt"), body);
	PEER_STEP("deregister", 204, z, "DELETE", path("/peer"), NULL);
	ADMIN_STEP("delete", 204, "DELETE", path("/admin/peers/%s", y->id), NULL);
}

START_TEST(every_write_moves_exactly_the_revisions_it_changes)
{
	struct tpeer x, y, z, w, nx, bystander;

	/* A pending peer all along: no config, and a record no mesh-wide
	 * change but the signing key is in. */
	reg_step(&bystander, "pending", "");
	walk_mesh(&x, &y, &z, &w);
	walk_trust(&x, &nx);
	walk_rest(&y, &z, &w);
	ADMIN_STEP("reject the bystander", 204, "POST",
	           path("/admin/peers/%s/reject", bystander.id), NULL);
	json_object_put(answer);
	answer = NULL;
}
END_TEST

START_TEST(a_failed_write_moves_nothing)
{
	struct tpeer x, y;
	struct seen before, after;

	member(&x, "xray", "203.0.113.1:51820");
	member(&y, "yankee", "203.0.113.2:51820");
	pair(&x, &y);
	take(&before);
	/* Touches x and its partner, then fails on the address: rolled back,
	 * marks and all; the next write moves only what it changes. */
	ADMIN_FAILS(409, "address_outside_pool", "PATCH", path("/admin/peers/%s", x.id),
	            "{\"endpoint\":\"198.51.100.1:1\",\"address\":\"10.99.0.1\"}");
	ck_assert_uint_eq(R.revised.n, 0);
	take(&after);
	for (size_t i = 0; i < after.n; i++)
		ck_assert_int_eq(after.v[i].revision, before.v[i].revision);
	seen_free(&before);
	seen_free(&after);
	ADMIN_STEP("invite after a failure", 201, "POST", path("/admin/invites"), "{}");
	remember_secret(jstr(answer, "code"), strlen(jstr(answer, "code")));
	json_object_put(answer);
	answer = NULL;
}
END_TEST

static Suite *
revisions_suite(void)
{
	Suite *s = suite_create("revisions");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, every_write_moves_exactly_the_revisions_it_changes);
	tcase_add_test(tc, a_failed_write_moves_nothing);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(revisions_suite)
