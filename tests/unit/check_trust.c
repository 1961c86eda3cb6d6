/* SPDX-License-Identifier: MIT */
/*
 * trust: the server's side of signed statements (docs/trust.md) through
 * api_handle(), as the responder calls it, on a fresh SQLite file per test:
 * proposals, signatures checked against them, revocations, key rotation
 * with fresh preshared keys. Each refusal is checked to leave every table
 * as it was. (The harness is api_harness.h.)
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
#include "unit.h"

/* Bodies and tokens come from tables of printf formats. */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

/* ---------------------------------------------------------------------- */

/* The admin's offline key, and one that is not the network's. */
static uint8_t sign_pk[KEYS_LEN], sign_sk[KEYS_SIGN_SK_LEN];
static uint8_t other_pk[KEYS_LEN], other_sk[KEYS_SIGN_SK_LEN];

static void
set_signing_key(void)
{
	char pk[KEYS_B64_LEN], body[128];

	keys_sign_keypair(sign_pk, sign_sk);
	keys_sign_keypair(other_pk, other_sk);
	remember_secret_bytes(sign_sk, 32);
	keys_b64_encode(pk, sizeof(pk), sign_pk, KEYS_LEN);
	snprintf(body, sizeof(body), "{\"signing_key\":\"%s\"}", pk);
	OK(admin("PUT", path("/admin/network"), body), 200);
}

/* GET the statement of p; R holds it. Copies the proposed text to text. */
static void
statement_of(const struct tpeer *p, char *text, size_t textsz)
{
	OK(admin("GET", path("/admin/peers/%s/statement", p->id), NULL), 200);
	ck_assert_uint_lt(strlen(jstr(R.body, "proposed")), textsz);
	snprintf(text, textsz, "%s", jstr(R.body, "proposed"));
}

/* The body of PUT .../signature: text signed with sk, sent as version. */
static void
sig_body(char *body, size_t bodysz, int64_t version, const char *text, const uint8_t *sk)
{
	char sig[KEYS_SIG_B64_LEN];

	statement_sign(sig, text, strlen(text), sk);
	snprintf(body, bodysz, "{\"version\":%lld,\"signature\":\"%s\"}", (long long)version, sig);
}

/* Fetches p's proposal and signs it as wgconf admin sign does. */
static void
sign_peer(const struct tpeer *p)
{
	char text[8192], body[256];
	int64_t v;

	statement_of(p, text, sizeof(text));
	v = jint(R.body, "version");
	sig_body(body, sizeof(body), v, text, sign_sk);
	OK(admin("PUT", path("/admin/peers/%s/signature", p->id), body), 200);
	ck_assert_int_eq(jint(R.body, "signed_version"), v);
	ck_assert_str_eq(jstr(R.body, "signature"), "valid");
	ck_assert(!json_object_get_boolean(jget(R.body, "unsigned_changes")));
}

/* Does the admin view of p say it has unsigned changes? */
static int
unsigned_changes(const struct tpeer *p)
{
	OK(admin("GET", path("/admin/peers/%s", p->id), NULL), 200);
	return json_object_get_boolean(jget(R.body, "unsigned_changes"));
}

/* The string of R.body's "changes" lines, one per line. */
static void
changes(char *out, size_t outsz)
{
	struct json_object *arr = jget(R.body, "changes");
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < json_object_array_length(arr); i++)
		len += (size_t)snprintf(out + len, outsz - len, "%s\n", jidx_str(arr, i));
}

START_TEST(mesh_id_and_migration)
{
	const char *mesh;
	sqlite3 *old;
	char sql[256];

	OK(admin("GET", path("/admin/network"), NULL), 200);
	mesh = jstr(R.body, "mesh_id");
	ck_assert(statement_mesh_valid(mesh));
	ck_assert_int_eq(db_version(), DB_SCHEMA_VERSION);

	/* A version-1 file with a v1 record signature: migrated in place. */
	db_close();
	unlink(dbpath);
	ck_assert_int_eq(sqlite3_open(dbpath, &old), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(old, schema_v1_sql, NULL, NULL, NULL), SQLITE_OK);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = 1; INSERT INTO peers (id, name, state,"
	         " public_key, token_hash, signature, created_at) VALUES ('00000000000000a1', 'a',"
	         " 'accepted', 'k', x'00', x'01', 1)");
	ck_assert_int_eq(sqlite3_exec(old, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(old);
	ck_assert_int_eq(db_open(dbpath), 0);
	ck_assert_int_eq(db_version(), DB_SCHEMA_VERSION);
	ck_assert_int_eq(count("SELECT count(*) FROM peers WHERE signed_version = 0"
	                       " AND statement IS NULL"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM pragma_table_info('peers')"
	                       " WHERE name = 'signature'"), 0);
	ck_assert_int_eq(count("SELECT length(mesh_id) FROM network"), 32);
	ck_assert_int_eq(count("SELECT count(*) FROM revocations"), 0);
}
END_TEST

START_TEST(statement_propose_and_sign)
{
	struct tpeer a, b;
	struct statement s;
	char text[8192], body[256], want[512], got[1024];
	const char *why;

	member(&a, "alpha", "203.0.113.1:51820");
	member(&b, "bravo", NULL);
	pair(&a, &b);
	/* Without a signing key there is nothing to sign. */
	ck_assert(!unsigned_changes(&a));
	statement_of(&a, text, sizeof(text));
	sig_body(body, sizeof(body), 1, text, sign_sk);
	ADMIN_FAILS(409, "no_signing_key", "PUT", path("/admin/peers/%s/signature", a.id), body);

	set_signing_key();
	ck_assert(unsigned_changes(&a));
	statement_of(&a, text, sizeof(text));
	ck_assert_int_eq(jint(R.body, "version"), 1);
	ck_assert_int_eq(jint(R.body, "signed_version"), 0);
	jnull(R.body, "signed");
	jnull(R.body, "signature");
	ck_assert(json_object_get_boolean(jget(R.body, "unsigned_changes")));
	/* The proposal is a valid statement of what the server holds. */
	ck_assert_msg(statement_parse(&s, text, strlen(text), &why) == 0, "%s", why);
	ck_assert_str_eq(s.peer, a.id);
	ck_assert_str_eq(s.key, a.pub);
	ck_assert_uint_eq(s.version, 1);
	ck_assert_uint_eq(s.naddresses, 1);
	ck_assert_uint_eq(s.addresses[0].prefix, 24);     /* with the pool's prefix */
	ck_assert_uint_eq(s.npairs, 1);
	ck_assert_str_eq(s.pairs[0], b.id);
	statement_free(&s);
	changes(got, sizeof(got));
	snprintf(want, sizeof(want), "+ pair %s (bravo)\n", b.id);
	ck_assert_ptr_nonnull(strstr(got, want));
	ck_assert_ptr_nonnull(strstr(got, "+ address 10.77.0."));

	sign_peer(&a);
	ck_assert_int_eq(count("SELECT signed_version FROM peers WHERE id = (SELECT id FROM"
	                       " peers WHERE name = 'alpha')"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = 'peer.sign'"), 1);
	statement_of(&a, text, sizeof(text));
	ck_assert_int_eq(jint(R.body, "version"), 2);
	ck_assert_str_eq(jstr(R.body, "signature"), jstr(R.body, "signature"));
	jarr(R.body, "changes", 0);

	/* A's config carries its own statement; b's entry has none yet. */
	OK(config(&a), 200);
	{
		struct json_object *st = jget(R.body, "statement");
		ck_assert_int_eq(statement_open(&s, jstr(st, "text"), strlen(jstr(st, "text")),
		                                jstr(st, "signature"), sign_pk, &why), 0);
		ck_assert_str_eq(s.key, a.pub);
		statement_free(&s);
		jnull(link_to(&b), "statement");
		jarr(R.body, "revocations", 0);
		ck_assert_str_eq(jstr(jget(R.body, "interface"), "public_key"), a.pub);
	}
	sign_peer(&b);
	OK(config(&a), 200);
	ck_assert_int_eq(statement_open(&s, jstr(jget(link_to(&b), "statement"), "text"),
	                                strlen(jstr(jget(link_to(&b), "statement"), "text")),
	                                jstr(jget(link_to(&b), "statement"), "signature"),
	                                sign_pk, &why), 0);
	ck_assert_str_eq(s.peer, b.id);
	statement_free(&s);

	/* A new route for b: b has unsigned changes, a has none (its statement
	 * does not name b's routes), and the diff says what. */
	OK(admin("PATCH", path("/admin/peers/%s", b.id), "{\"networks\":[\"10.9.0.0/16\"]}"), 200);
	ck_assert(json_object_get_boolean(jget(R.body, "unsigned_changes")));
	ck_assert(!unsigned_changes(&a));
	statement_of(&b, text, sizeof(text));
	changes(got, sizeof(got));
	ck_assert_str_eq(got, "+ network 10.9.0.0/16\n");
	/* Unpairing changes both. */
	OK(admin("DELETE", path("/admin/pairs/%s/%s", a.id, b.id), NULL), 204);
	ck_assert(unsigned_changes(&a));
	statement_of(&a, text, sizeof(text));
	changes(got, sizeof(got));
	snprintf(want, sizeof(want), "- pair %s (bravo)\n", b.id);
	ck_assert_str_eq(got, want);
}
END_TEST

START_TEST(signature_refused)
{
	struct tpeer a, b, p;
	char text[8192], text2[8192], body[512], sig[KEYS_SIG_B64_LEN], sigpath[128];

	member(&a, "alpha", "203.0.113.1:51820");
	member(&b, "bravo", "203.0.113.2:51820");
	reg(&p, "pending", NULL);
	pair(&a, &b);
	set_signing_key();
	snprintf(sigpath, sizeof(sigpath), "%s", path("/admin/peers/%s/signature", a.id));
	statement_of(&a, text, sizeof(text));
	statement_sign(sig, text, strlen(text), sign_sk);

	/* The body. */
	ADMIN_FAILS(400, "missing_field", "PUT", sigpath, "{\"signature\":\"x\"}");
	snprintf(body, sizeof(body), "{\"signature\":\"%s\"}", sig);
	ADMIN_FAILS(400, "missing_field", "PUT", sigpath, body);
	ADMIN_FAILS(400, "missing_field", "PUT", sigpath, "{\"version\":1}");
	snprintf(body, sizeof(body), "{\"version\":\"1\",\"signature\":\"%s\"}", sig);
	ADMIN_FAILS(400, "invalid_version", "PUT", sigpath, body);
	snprintf(body, sizeof(body), "{\"version\":0,\"signature\":\"%s\"}", sig);
	ADMIN_FAILS(400, "invalid_version", "PUT", sigpath, body);
	snprintf(body, sizeof(body), "{\"version\":1.5,\"signature\":\"%s\"}", sig);
	ADMIN_FAILS(400, "invalid_version", "PUT", sigpath, body);
	snprintf(body, sizeof(body), "{\"version\":9007199254740993,\"signature\":\"%s\"}", sig);
	ADMIN_FAILS(400, "invalid_version", "PUT", sigpath, body);
	ADMIN_FAILS(400, "invalid_signature", "PUT", sigpath, "{\"version\":1,\"signature\":\"AAAA\"}");
	ADMIN_FAILS(400, "invalid_signature", "PUT", sigpath, "{\"version\":1,\"signature\":null}");
	snprintf(body, sizeof(body), "{\"version\":1,\"signature\":\"%s\",\"text\":\"x\"}", sig);
	ADMIN_FAILS(400, "unknown_field", "PUT", sigpath, body);

	/* Signatures that are not the admin's of this proposal. */
	sig_body(body, sizeof(body), 1, text, other_sk);
	ADMIN_FAILS(400, "invalid_signature", "PUT", sigpath, body);
	snprintf(text2, sizeof(text2), "%s", text);
	text2[strlen(text2) - 5] = 'x';                 /* "end\n" -> "exd\n" */
	sig_body(body, sizeof(body), 1, text2, sign_sk);
	ADMIN_FAILS(400, "invalid_signature", "PUT", sigpath, body);
	/* The proposal at version 1 signed, sent as version 2. */
	sig_body(body, sizeof(body), 2, text, sign_sk);
	ADMIN_FAILS(400, "invalid_signature", "PUT", sigpath, body);
	/* b's proposal signed, sent for a. */
	statement_of(&b, text2, sizeof(text2));
	sig_body(body, sizeof(body), 1, text2, sign_sk);
	ADMIN_FAILS(400, "invalid_signature", "PUT", sigpath, body);
	/* A proposal that changed since it was fetched. */
	OK(admin("PATCH", path("/admin/peers/%s", a.id), "{\"networks\":[\"10.9.0.0/16\"]}"), 200);
	sig_body(body, sizeof(body), 1, text, sign_sk);
	ADMIN_FAILS(400, "invalid_signature", "PUT", sigpath, body);
	ck_assert_int_eq(count("SELECT count(*) FROM peers WHERE statement IS NOT NULL"), 0);

	/* Peers that cannot be signed. */
	ADMIN_FAILS(404, "peer_not_found", "PUT", path("/admin/peers/0123456789abcdef/signature"), body);
	ADMIN_FAILS(404, "peer_not_found", "GET", path("/admin/peers/0123456789abcdef/statement"), NULL);
	ADMIN_FAILS(409, "peer_pending", "PUT", path("/admin/peers/%s/signature", p.id), body);
	ADMIN_FAILS(409, "peer_pending", "GET", path("/admin/peers/%s/statement", p.id), NULL);
	/* Only admins. */
	PEER_FAILS(403, "admin_required", a.token, "GET", path("/admin/peers/%s/statement", a.id), NULL);

	/* Signed at version 1: 1 again is stale, 3 (skipping 2) is fine. */
	sign_peer(&a);
	statement_of(&a, text, sizeof(text));
	sig_body(body, sizeof(body), 1, text, sign_sk);
	ADMIN_FAILS(409, "stale_version", "PUT", sigpath, body);
	OK(admin("PATCH", path("/admin/peers/%s", a.id), "{\"networks\":[]}"), 200);
	statement_of(&a, text, sizeof(text));
	snprintf(text2, sizeof(text2), "%s", text);
	{
		/* The proposal at version 3 is the one at 2 with the number changed. */
		char *v = strstr(text2, "version 2\n");
		ck_assert_ptr_nonnull(v);
		v[8] = '3';
	}
	sig_body(body, sizeof(body), 3, text2, sign_sk);
	OK(admin("PUT", sigpath, body), 200);
	ck_assert_int_eq(jint(R.body, "signed_version"), 3);
	ck_assert(!json_object_get_boolean(jget(R.body, "unsigned_changes")));
}
END_TEST

/* The revocation of key in R (GET /admin/revocations), or NULL. */
static struct json_object *
revocation_for(const char *key)
{
	struct json_object *arr = jget(R.body, "revocations");

	for (size_t i = 0; i < json_object_array_length(arr); i++)
		if (strcmp(jstr(json_object_array_get_idx(arr, i), "key"), key) == 0)
			return json_object_array_get_idx(arr, i);
	return NULL;
}

START_TEST(revocations)
{
	struct tpeer a, b, c, d;
	struct json_object *r;
	struct statement_revocation rv;
	char id[PEER_ID_LEN], text[256], body[256], sig[KEYS_SIG_B64_LEN], rev_path[128];
	char etag_b[64];
	const char *why;

	member(&a, "alpha", "203.0.113.1:51820");
	member(&b, "bravo", "203.0.113.2:51820");
	member(&c, "charlie", "203.0.113.3:51820");
	member(&d, "delta", "203.0.113.4:51820");
	pair(&a, &b);
	set_signing_key();
	sign_peer(&a);
	sign_peer(&b);

	/* Deleting a peer never signed revokes nothing; a signed one does. */
	OK(admin("DELETE", path("/admin/peers/%s", c.id), NULL), 204);
	OK(admin("GET", path("/admin/revocations"), NULL), 200);
	jarr(R.body, "revocations", 0);
	OK(admin("DELETE", path("/admin/peers/%s", a.id), NULL), 204);
	OK(admin("GET", path("/admin/revocations"), NULL), 200);
	jarr(R.body, "revocations", 1);
	ck_assert_ptr_nonnull(r = revocation_for(a.pub));
	ck_assert_str_eq(jstr(r, "peer_id"), a.id);
	ck_assert_str_eq(jstr(r, "peer_name"), "alpha");
	jnull(r, "signature");
	snprintf(id, sizeof(id), "%s", jstr(r, "id"));
	snprintf(text, sizeof(text), "%s", jstr(r, "text"));
	ck_assert_msg(statement_revocation_parse(&rv, text, strlen(text), &why) == 0, "%s", why);
	ck_assert_str_eq(rv.key, a.pub);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = 'peer.delete'"
	                       " AND detail LIKE '%\"revocation\"%'"), 1);
	/* Not signed: hosts are not told. */
	OK(config(&b), 200);
	jarr(R.body, "revocations", 0);
	etag(&b, etag_b);

	/* The key cannot come back, signed or not. */
	{
		char rb[512];
		snprintf(rb, sizeof(rb), "{\"name\":\"alpha2\",\"public_key\":\"%s\",\"endpoint\":null}",
		         a.pub);
		ANON_FAILS(409, "key_revoked", "POST", path("/register"), rb);
		snprintf(rb, sizeof(rb), "{\"peers\":[{\"name\":\"alpha3\",\"public_key\":"
		         "\"%s\"}],\"pairs\":[]}", a.pub);
		ADMIN_FAILS(409, "key_revoked", "POST", path("/admin/import"), rb);
	}

	/* Signing it: wrong signatures refused, the right one kept. */
	snprintf(rev_path, sizeof(rev_path), "%s", path("/admin/revocations/%s/signature", id));
	statement_sign(sig, text, strlen(text), other_sk);
	snprintf(body, sizeof(body), "{\"signature\":\"%s\"}", sig);
	ADMIN_FAILS(400, "invalid_signature", "PUT", rev_path, body);
	ADMIN_FAILS(400, "invalid_signature", "PUT", rev_path, "{\"signature\":\"AAAA\"}");
	ADMIN_FAILS(400, "missing_field", "PUT", rev_path, "{}");
	{
		/* b's statement signature is no revocation signature. */
		char st[8192];
		statement_of(&b, st, sizeof(st));
		snprintf(body, sizeof(body), "{\"signature\":\"%s\"}", jstr(R.body, "signature"));
		ADMIN_FAILS(400, "invalid_signature", "PUT", rev_path, body);
	}
	statement_sign(sig, text, strlen(text), sign_sk);
	snprintf(body, sizeof(body), "{\"signature\":\"%s\"}", sig);
	ADMIN_FAILS(404, "revocation_not_found", "PUT",
	            path("/admin/revocations/0123456789abcdef/signature"), body);
	OK(admin("PUT", rev_path, body), 200);
	ck_assert_str_eq(jstr(R.body, "signature"), sig);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = 'revocation.sign'"), 1);
	/* Every host gets it now, also one that was never paired with a. */
	OK(config(&b), 200);
	r = json_object_array_get_idx(jarr(R.body, "revocations", 1), 0);
	ck_assert_str_eq(jstr(r, "text"), text);
	ck_assert_int_eq(verify_b64(text, strlen(text), jstr(r, "signature"),
	                                      jstr(jget(R.body, "statement"), "signature")), -1);
	{
		char pk[KEYS_B64_LEN];
		keys_b64_encode(pk, sizeof(pk), sign_pk, KEYS_LEN);
		ck_assert_int_eq(verify_b64(text, strlen(text), jstr(r, "signature"), pk), 0);
	}
	{
		struct request rq;
		base_request(&rq, NULL, b.token, "GET", path("/peer/config"), NULL);
		rq.if_none_match = etag_b;
		OK(send_req(&rq), 200);         /* the revision moved */
	}
	OK(config(&d), 200);
	jarr(R.body, "revocations", 1);

	/* A host that leaves (DELETE /peer) after being signed is revoked too. */
	sign_peer(&d);
	OK(call(NULL, d.token, "DELETE", path("/peer"), NULL), 204);
	OK(admin("GET", path("/admin/revocations"), NULL), 200);
	jarr(R.body, "revocations", 2);
	ck_assert_ptr_nonnull(revocation_for(d.pub));
}
END_TEST

START_TEST(key_rotation)
{
	struct tpeer a, b, c, fresh;
	uint8_t psk_b_before[KEYS_LEN], psk_b_after[KEYS_LEN], psk_a_after[KEYS_LEN];
	uint8_t psk_pending[KEYS_LEN];
	char body[256], etag_b[64];
	struct json_object *r;

	member(&a, "alpha", "203.0.113.1:51820");
	member(&b, "bravo", "203.0.113.2:51820");
	member(&c, "charlie", "203.0.113.3:51820");
	pair(&a, &b);
	set_signing_key();
	sign_peer(&a);
	sign_peer(&b);
	open_psk(&b, &a, psk_b_before);
	etag(&b, etag_b);

	/* Refusals, each changing nothing. */
	new_keys(&fresh);
	PEER_FAILS(400, "missing_field", a.token, "POST", path("/peer/key"), "{}");
	PEER_FAILS(400, "invalid_public_key", a.token, "POST", path("/peer/key"),
	           "{\"public_key\":\"AAAA\"}");
	PEER_FAILS(400, "invalid_public_key", a.token, "POST", path("/peer/key"),
	           "{\"public_key\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}");
	PEER_FAILS(400, "invalid_public_key", a.token, "POST", path("/peer/key"),
	           "{\"public_key\":7}");
	snprintf(body, sizeof(body), "{\"public_key\":\"%s\"}", a.pub);
	PEER_FAILS(409, "same_key", a.token, "POST", path("/peer/key"), body);
	snprintf(body, sizeof(body), "{\"public_key\":\"%s\"}", b.pub);
	PEER_FAILS(409, "public_key_taken", a.token, "POST", path("/peer/key"), body);
	snprintf(body, sizeof(body), "{\"public_key\":\"%s\"}", fresh.pub);
	PEER_FAILS(401, "unauthorized", "nobody.x", "POST", path("/peer/key"), body);
	ADMIN_FAILS(409, "no_pending_key", "POST", path("/admin/peers/%s/accept-key", a.id), NULL);
	ADMIN_FAILS(404, "peer_not_found", "POST",
	            path("/admin/peers/0123456789abcdef/accept-key"), NULL);

	/* Asked for: stored, nothing else changes. */
	OK(call(NULL, a.token, "POST", path("/peer/key"), body), 202);
	ck_assert_str_eq(jstr(R.body, "pending_key"), fresh.pub);
	ck_assert_str_eq(jstr(R.body, "public_key"), a.pub);
	{
		struct request rq;
		base_request(&rq, NULL, b.token, "GET", path("/peer/config"), NULL);
		rq.if_none_match = etag_b;
		OK(send_req(&rq), 304);
	}
	open_psk(&b, &a, psk_pending);
	ck_assert_mem_eq(psk_pending, psk_b_before, KEYS_LEN);
	/* Nobody else may ask for the same key, nor register with it. */
	PEER_FAILS(409, "public_key_taken", c.token, "POST", path("/peer/key"), body);
	{
		char rb[256];
		snprintf(rb, sizeof(rb), "{\"name\":\"thief\",\"public_key\":\"%s\","
		         "\"endpoint\":null}", fresh.pub);
		ANON_FAILS(409, "public_key_taken", "POST", path("/register"), rb);
	}
	/* A peer not accepted yet registers again instead. */
	{
		struct tpeer p;
		char pb[256];
		struct tpeer other;
		reg(&p, "waiting", NULL);
		new_keys(&other);
		snprintf(pb, sizeof(pb), "{\"public_key\":\"%s\"}", other.pub);
		PEER_FAILS(409, "peer_pending", p.token, "POST", path("/peer/key"), pb);
	}

	/* Accepted: the key swaps, the pair gets a fresh PSK sealed to the new
	 * key and to b, the old key's revocation waits for a signature. */
	OK(admin("POST", path("/admin/peers/%s/accept-key", a.id), NULL), 200);
	ck_assert_str_eq(jstr(R.body, "public_key"), fresh.pub);
	jnull(R.body, "pending_key");
	ck_assert(json_object_get_boolean(jget(R.body, "unsigned_changes")));
	ck_assert(!unsigned_changes(&b));
	memcpy(a.pk, fresh.pk, KEYS_LEN);
	memcpy(a.sk, fresh.sk, KEYS_LEN);
	snprintf(a.pub, sizeof(a.pub), "%s", fresh.pub);
	open_psk(&b, &a, psk_b_after);
	open_psk(&a, &b, psk_a_after);
	ck_assert_mem_eq(psk_b_after, psk_a_after, KEYS_LEN);
	ck_assert(memcmp(psk_b_before, psk_b_after, KEYS_LEN) != 0);
	remember_secret_bytes(psk_b_before, KEYS_LEN);
	remember_secret_bytes(psk_b_after, KEYS_LEN);
	OK(config(&b), 200);
	ck_assert_str_eq(jstr(link_to(&a), "public_key"), fresh.pub);
	OK(admin("GET", path("/admin/revocations"), NULL), 200);
	r = json_object_array_get_idx(jarr(R.body, "revocations", 1), 0);
	ck_assert_str_ne(jstr(r, "key"), fresh.pub);
	ck_assert_str_eq(jstr(r, "peer_id"), a.id);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = 'peer.key_accept'"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = 'peer.key_request'"), 1);
	/* The old key is revoked: it cannot be asked for again. */
	{
		char old[KEYS_B64_LEN + 32];
		snprintf(old, sizeof(old), "{\"public_key\":\"%s\"}", jstr(r, "key"));
		PEER_FAILS(409, "key_revoked", a.token, "POST", path("/peer/key"), old);
	}
	sign_peer(&a);
}
END_TEST

/* POST /peer/key as p with key; the status. */
static int
ask_key(const struct tpeer *p, const char *key)
{
	char body[128];

	snprintf(body, sizeof(body), "{\"public_key\":\"%s\"}", key);
	return call(NULL, p->token, "POST", path("/peer/key"), body);
}

/* A revoked key, a taken key and a rotation target, each with bit 255 set:
 * the same keys to X25519, other text to a comparison. None gets in. */
START_TEST(twin_keys_do_not_come_back)
{
	struct tpeer a, b, c, fresh;
	char body[512], twin[KEYS_B64_LEN];

	member(&a, "alpha", "203.0.113.1:51820");
	member(&b, "bravo", "203.0.113.2:51820");
	member(&c, "charlie", "203.0.113.3:51820");
	pair(&a, &b);
	set_signing_key();
	sign_peer(&a);
	sign_peer(&b);
	OK(admin("DELETE", path("/admin/peers/%s", a.id), NULL), 204);
	OK(admin("GET", path("/admin/revocations"), NULL), 200);
	ck_assert_ptr_nonnull(revocation_for(a.pub));

	/* The revoked key: neither registered nor asked for. */
	key_twin(twin, a.pub);
	snprintf(body, sizeof(body), "{\"name\":\"alpha2\",\"public_key\":\"%s\"}", twin);
	ANON_FAILS(400, "invalid_public_key", "POST", path("/register"), body);
	snprintf(body, sizeof(body), "{\"public_key\":\"%s\"}", twin);
	PEER_FAILS(400, "invalid_public_key", c.token, "POST", path("/peer/key"), body);
	/* A key another peer has, and the key's own peer. */
	key_twin(twin, b.pub);
	snprintf(body, sizeof(body), "{\"public_key\":\"%s\"}", twin);
	PEER_FAILS(400, "invalid_public_key", c.token, "POST", path("/peer/key"), body);
	PEER_FAILS(400, "invalid_public_key", b.token, "POST", path("/peer/key"), body);
	/* A key another peer asked to rotate to. */
	new_keys(&fresh);
	OK(ask_key(&b, fresh.pub), 202);
	key_twin(twin, fresh.pub);
	snprintf(body, sizeof(body), "{\"public_key\":\"%s\"}", twin);
	PEER_FAILS(400, "invalid_public_key", c.token, "POST", path("/peer/key"), body);
	ck_assert_ptr_nonnull(strstr(R.error_message, "bit 255"));
	snprintf(body, sizeof(body), "{\"name\":\"thief\",\"public_key\":\"%s\"}", twin);
	ANON_FAILS(400, "invalid_public_key", "POST", path("/register"), body);
}
END_TEST

/* A key kept in a database from before the rule: said at start, and its
 * revocation revokes the key X25519 sees, which a host can parse. */
START_TEST(twin_key_in_old_database)
{
	struct tpeer a, b, c, fresh;
	char sql[256], twin[KEYS_B64_LEN], log[] = "/tmp/wgconf-check-log-XXXXXX", text[1024];
	int fd, saved;
	ssize_t n;

	member(&a, "alpha", "203.0.113.1:51820");
	member(&b, "bravo", "203.0.113.2:51820");
	member(&c, "charlie", "203.0.113.3:51820");
	pair(&a, &b);
	set_signing_key();
	sign_peer(&a);
	key_twin(twin, a.pub);
	snprintf(sql, sizeof(sql), "UPDATE peers SET public_key = '%s' WHERE id = '%s'", twin, a.id);
	exec_sql(sql);

	db_close();
	ck_assert_int_ge(fd = mkstemp(log), 0);
	saved = dup(2);
	dup2(fd, 2);
	ck_assert_int_eq(db_open(dbpath), 0);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, text, sizeof(text) - 1, 0);
	close(fd);
	unlink(log);
	ck_assert_int_gt(n, 0);
	text[n] = '\0';
	ck_assert_ptr_nonnull(strstr(text, a.id));
	ck_assert_ptr_nonnull(strstr(text, twin));
	ck_assert_ptr_nonnull(strstr(text, "not canonical"));

	OK(admin("DELETE", path("/admin/peers/%s", a.id), NULL), 204);
	OK(admin("GET", path("/admin/revocations"), NULL), 200);
	ck_assert_ptr_nonnull(revocation_for(a.pub));
	ck_assert_ptr_null(revocation_for(twin));

	/* A rotation to a twin asked for before: not accepted. And a key an
	 * old database holds as its twin is taken. */
	new_keys(&fresh);
	key_twin(twin, fresh.pub);
	snprintf(sql, sizeof(sql), "UPDATE peers SET pending_key = '%s' WHERE id = '%s'", twin, b.id);
	exec_sql(sql);
	ADMIN_FAILS(400, "invalid_public_key", "POST", path("/admin/peers/%s/accept-key", b.id), NULL);
	ck_assert_ptr_nonnull(strstr(R.error_message, "pending_key"));
	snprintf(sql, sizeof(sql), "{\"name\":\"fresh\",\"public_key\":\"%s\"}", fresh.pub);
	ANON_FAILS(409, "public_key_taken", "POST", path("/register"), sql);
	snprintf(sql, sizeof(sql), "{\"public_key\":\"%s\"}", fresh.pub);
	PEER_FAILS(409, "public_key_taken", c.token, "POST", path("/peer/key"), sql);
	snprintf(sql, sizeof(sql), "{\"peers\":[{\"name\":\"imp\",\"public_key\":\"%s\"}],"
	         "\"pairs\":[]}", fresh.pub);
	ADMIN_FAILS(409, "import_conflict", "POST", path("/admin/import"), sql);
	exec_sql("UPDATE peers SET pending_key = NULL");

	/* A revocation of b's twin, kept from before: b's key is revoked too. */
	key_twin(twin, b.pub);
	snprintf(sql, sizeof(sql), "INSERT INTO revocations (id, key, peer_id, peer_name, text,"
	         " created_at) VALUES ('0123456789abcdef', '%s', 'gone', 'gone', 'x', 1)", twin);
	exec_sql(sql);
	OK(admin("DELETE", path("/admin/peers/%s", b.id), NULL), 204);
	snprintf(sql, sizeof(sql), "{\"name\":\"bravo2\",\"public_key\":\"%s\"}", b.pub);
	ANON_FAILS(409, "key_revoked", "POST", path("/register"), sql);
}
END_TEST

START_TEST(views_show_unsigned_changes)
{
	struct tpeer a, p;
	struct json_object *peers;

	member(&a, "alpha", "203.0.113.1:51820");
	reg(&p, "pending", NULL);
	set_signing_key();
	OK(admin("GET", path("/admin/peers"), NULL), 200);
	peers = jarr(R.body, "peers", 2);
	for (size_t i = 0; i < 2; i++) {
		struct json_object *e = json_object_array_get_idx(peers, i);
		int accepted = strcmp(jstr(e, "state"), "accepted") == 0;
		ck_assert_int_eq(json_object_get_boolean(jget(e, "unsigned_changes")), accepted);
		ck_assert_str_eq(jstr(e, "signature"), "none");
		ck_assert_int_eq(jint(e, "signed_version"), 0);
	}
	sign_peer(&a);
	/* The network's DNS is in every statement: a change is unsigned. */
	OK(admin("PUT", path("/admin/network"), "{\"dns\":[\"10.77.0.1\"]}"), 200);
	ck_assert(unsigned_changes(&a));
	OK(admin("GET", path("/admin/peers/%s/statement", a.id), NULL), 200);
	{
		char got[256];
		changes(got, sizeof(got));
		ck_assert_str_eq(got, "+ dns 10.77.0.1\n");
	}
	/* A changed signing key: the stored statement no longer verifies. */
	set_signing_key();
	OK(admin("GET", path("/admin/peers/%s", a.id), NULL), 200);
	ck_assert_str_eq(jstr(R.body, "signature"), "invalid");
	ck_assert(json_object_get_boolean(jget(R.body, "unsigned_changes")));
	/* The statement text changed behind the server's back: the same. */
	set_signing_key();
	sign_peer(&a);
	ck_assert(!unsigned_changes(&a));
	exec_sql("UPDATE peers SET statement = replace(statement, 'dns 10.77.0.1', 'dns 10.77.0.9')"
	         " WHERE statement IS NOT NULL");
	ck_assert(unsigned_changes(&a));
	OK(admin("GET", path("/admin/peers/%s", a.id), NULL), 200);
	ck_assert_str_eq(jstr(R.body, "signature"), "invalid");
}
END_TEST


START_TEST(writes_fail_closed)
{
	struct tpeer a, b, c, fresh;
	char text[8192], body[512], sig[KEYS_SIG_B64_LEN], id[PEER_ID_LEN];
	int st;

	member(&a, "alpha", "203.0.113.1:51820");
	member(&b, "bravo", "203.0.113.2:51820");
	member(&c, "charlie", "203.0.113.3:51820");
	pair(&a, &b);
	set_signing_key();

	/* A signature: stored whole with its version, its audit line and the
	 * new revisions, or not at all. */
	statement_of(&a, text, sizeof(text));
	sig_body(body, sizeof(body), 1, text, sign_sk);
	st = all_or_nothing(200, ADMIN_USER, NULL, "PUT", path("/admin/peers/%s/signature", a.id), body);
	ck_assert(st == 200 || st == 500);
	ck_assert_int_eq(count("SELECT count(*) FROM peers WHERE signed_version = 1"
	                       " AND statement IS NOT NULL AND statement_sig IS NOT NULL"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = 'peer.sign'"), 1);
	sign_peer(&b);
	sign_peer(&c);

	/* A key asked for, and accepted: the key, every PSK, the revocation. */
	new_keys(&fresh);
	snprintf(body, sizeof(body), "{\"public_key\":\"%s\"}", fresh.pub);
	all_or_nothing(202, NULL, a.token, "POST", path("/peer/key"), body);
	ck_assert_int_eq(count("SELECT count(*) FROM peers WHERE pending_key IS NOT NULL"), 1);
	all_or_nothing(200, ADMIN_USER, NULL, "POST", path("/admin/peers/%s/accept-key", a.id), NULL);
	ck_assert_int_eq(count("SELECT count(*) FROM peers WHERE pending_key IS NOT NULL"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM revocations"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = 'peer.key_accept'"), 1);
	memcpy(a.pk, fresh.pk, KEYS_LEN);
	memcpy(a.sk, fresh.sk, KEYS_LEN);
	{
		uint8_t p1[KEYS_LEN], p2[KEYS_LEN];
		open_psk(&a, &b, p1);
		open_psk(&b, &a, p2);
		ck_assert_mem_eq(p1, p2, KEYS_LEN);
		remember_secret_bytes(p1, KEYS_LEN);
	}

	/* A revocation signed; a signed peer deleted, and one that leaves. */
	OK(admin("GET", path("/admin/revocations"), NULL), 200);
	{
		struct json_object *r = json_object_array_get_idx(jget(R.body, "revocations"), 0);
		snprintf(id, sizeof(id), "%s", jstr(r, "id"));
		snprintf(text, sizeof(text), "%s", jstr(r, "text"));
	}
	statement_sign(sig, text, strlen(text), sign_sk);
	snprintf(body, sizeof(body), "{\"signature\":\"%s\"}", sig);
	all_or_nothing(200, ADMIN_USER, NULL, "PUT", path("/admin/revocations/%s/signature", id), body);
	ck_assert_int_eq(count("SELECT count(*) FROM revocations WHERE signature IS NOT NULL"), 1);
	all_or_nothing(204, ADMIN_USER, NULL, "DELETE", path("/admin/peers/%s", b.id), NULL);
	ck_assert_int_eq(count("SELECT count(*) FROM revocations"), 2);
	ck_assert_int_eq(count("SELECT count(*) FROM peers"), 2);
	all_or_nothing(204, NULL, c.token, "DELETE", path("/peer"), NULL);
	ck_assert_int_eq(count("SELECT count(*) FROM revocations"), 3);
	ck_assert_int_eq(count("SELECT count(*) FROM peers"), 1);
}
END_TEST

START_TEST(reads_fail_closed)
{
	struct tpeer a, b, c;
	struct request rq;
	char *want, etag_want[48];

	member(&a, "alpha", "203.0.113.1:51820");
	member(&b, "bravo", "203.0.113.2:51820");
	member(&c, "charlie", "203.0.113.3:51820");
	pair(&a, &b);
	set_signing_key();
	sign_peer(&a);
	sign_peer(&b);
	sign_peer(&c);
	OK(admin("DELETE", path("/admin/peers/%s", c.id), NULL), 204);
	pair(&a, &b);
	OK(admin("DELETE", path("/admin/pairs/%s/%s", a.id, b.id), NULL), 204);

	/* The statement with its diff (a pair removed, named). */
	OK(admin("GET", path("/admin/peers/%s/statement", a.id), NULL), 200);
	ck_assert_ptr_nonnull(strstr(json_object_to_json_string(R.body), "(bravo)"));
	want = strdup(json_object_to_json_string(R.body));
	base_request(&rq, ADMIN_USER, NULL, "GET", path("/admin/peers/%s/statement", a.id), NULL);
	faults_never_half(&rq, 200, want, "");
	free(want);

	/* The revocations, one pending. */
	OK(admin("GET", path("/admin/revocations"), NULL), 200);
	jarr(R.body, "revocations", 1);
	want = strdup(json_object_to_json_string(R.body));
	base_request(&rq, ADMIN_USER, NULL, "GET", path("/admin/revocations"), NULL);
	faults_never_half(&rq, 200, want, "");
	free(want);

	/* A config with statements and a signed revocation. */
	pair(&a, &b);
	sign_peer(&a);
	{
		char text[256], body[256], sig[KEYS_SIG_B64_LEN], id[PEER_ID_LEN];
		OK(admin("GET", path("/admin/revocations"), NULL), 200);
		snprintf(id, sizeof(id), "%s", jstr(revocation_for(c.pub), "id"));
		snprintf(text, sizeof(text), "%s", jstr(revocation_for(c.pub), "text"));
		statement_sign(sig, text, strlen(text), sign_sk);
		snprintf(body, sizeof(body), "{\"signature\":\"%s\"}", sig);
		OK(admin("PUT", path("/admin/revocations/%s/signature", id), body), 200);
	}
	OK(config(&b), 200);
	jarr(R.body, "revocations", 1);
	ck_assert(jget(link_to(&a), "statement") != NULL);
	want = strdup(json_object_to_json_string(R.body));
	snprintf(etag_want, sizeof(etag_want), "%s", R.etag);
	base_request(&rq, NULL, b.token, "GET", path("/peer/config"), NULL);
	faults_never_half(&rq, 200, want, etag_want);
	free(want);
}
END_TEST

static Suite *
trust_suite(void)
{
	Suite *s = suite_create("trust");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, harness_setup, harness_teardown);
	tcase_add_test(tc, mesh_id_and_migration);
	tcase_add_test(tc, statement_propose_and_sign);
	tcase_add_test(tc, signature_refused);
	tcase_add_test(tc, revocations);
	tcase_add_test(tc, key_rotation);
	tcase_add_test(tc, twin_keys_do_not_come_back);
	tcase_add_test(tc, twin_key_in_old_database);
	tcase_add_test(tc, views_show_unsigned_changes);
	tcase_add_test(tc, reads_fail_closed);
	tcase_add_test(tc, writes_fail_closed);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(trust_suite)
