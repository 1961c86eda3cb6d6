/* SPDX-License-Identifier: MIT */
/* The host under a trusted signing key: a config built only from signed,
 * current statements. Each attack a broken-into server can try (unsigned
 * peer, bad signature, key swap, route widening, other mesh, a statement
 * moved to another peer, rollback, pair injection on either side, revival
 * of a revoked key, overlapping routes, a rolled-back or foreign statement
 * for the host itself) is refused and named; trusted pairs stay; the store
 * remembers versions and revocations across runs, in a 0600 file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"
#include "../../client/hosttrust.h"
#include "../../client/model.h"
#include "../../client/model.h"

#define MESH  "0123456789abcdef0123456789abcdef"
#define MESH2 "fedcba9876543210fedcba9876543210"

static uint8_t admin_pk[KEYS_LEN], admin_sk[KEYS_SIGN_SK_LEN];
static uint8_t other_pk[KEYS_LEN], other_sk[KEYS_SIGN_SK_LEN];
static char host_pub[KEYS_B64_LEN], next_pub[KEYS_B64_LEN];
static char pub[4][KEYS_B64_LEN], sealed[KEYS_SEALED_B64_LEN];

static void
setup(void)
{
	uint8_t sk[KEYS_LEN], pk[KEYS_LEN], box[KEYS_SEALED_LEN], psk[KEYS_LEN] = { 1 };

	ck_assert_int_eq(keys_init(), 0);
	keys_sign_keypair(admin_pk, admin_sk);
	keys_sign_keypair(other_pk, other_sk);
	keys_generate(sk, pk);
	keys_b64_encode(host_pub, sizeof(host_pub), pk, KEYS_LEN);
	ck_assert_int_eq(keys_seal(box, psk, pk), 0);
	keys_b64_encode(sealed, sizeof(sealed), box, sizeof(box));
	keys_generate(sk, pk);
	keys_b64_encode(next_pub, sizeof(next_pub), pk, KEYS_LEN);
	for (int i = 0; i < 4; i++) {
		keys_generate(sk, pk);
		keys_b64_encode(pub[i], sizeof(pub[i]), pk, KEYS_LEN);
	}
}

/* A signed statement as JSON {text, signature}. pairs and nets are
 * space-separated ("" for none). */
static struct json_object *
stmt(const uint8_t *sk, const char *mesh, const char *peer, unsigned version,
     const char *key, const char *addr, const char *nets, const char *pairs)
{
	struct statement s;
	char sig[KEYS_SIG_B64_LEN], buf[512], *text, *tok, *save = NULL;
	struct json_object *o = json_object_new_object();
	size_t len;

	statement_init(&s);
	snprintf(s.mesh, sizeof(s.mesh), "%s", mesh);
	snprintf(s.peer, sizeof(s.peer), "%s", peer);
	s.version = version;
	snprintf(s.key, sizeof(s.key), "%s", key);
	ck_assert_int_eq(statement_add_address(&s, addr), 0);
	snprintf(buf, sizeof(buf), "%s", nets);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		ck_assert_int_eq(statement_add_network(&s, tok), 0);
	snprintf(buf, sizeof(buf), "%s", pairs);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		ck_assert_int_eq(statement_add_pair(&s, tok), 0);
	ck_assert_int_eq(statement_canonicalize(&s), 0);
	text = statement_text(&s, &len);
	ck_assert_ptr_nonnull(text);
	statement_sign(sig, text, len, sk ? sk : admin_sk);
	json_object_object_add(o, "text", json_object_new_string_len(text, (int)len));
	json_object_object_add(o, "signature", json_object_new_string(sig));
	free(text);
	statement_free(&s);
	return o;
}

static struct json_object *
peer_entry(const char *id, const char *name, const char *key, const char *server_ips,
           struct json_object *statement)
{
	struct json_object *p = json_object_new_object(), *ips = json_object_new_array();
	char buf[256], *tok, *save = NULL;

	json_object_object_add(p, "id", json_object_new_string(id));
	json_object_object_add(p, "name", json_object_new_string(name));
	json_object_object_add(p, "public_key", json_object_new_string(key));
	json_object_object_add(p, "preshared_key_sealed", json_object_new_string(sealed));
	json_object_object_add(p, "endpoint", json_object_new_string("198.18.2.2:51820"));
	snprintf(buf, sizeof(buf), "%s", server_ips);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		json_object_array_add(ips, json_object_new_string(tok));
	json_object_object_add(p, "allowed_ips", ips);
	json_object_object_add(p, "persistent_keepalive", NULL);
	json_object_object_add(p, "statement", statement);
	return p;
}

/* A config for host "h" (10.77.0.2), paired by signature with b, c and d. */
static struct json_object *
config(struct json_object *own, struct json_object *peers)
{
	struct json_object *o = json_object_new_object(), *ifc = json_object_new_object();
	struct json_object *a = json_object_new_array();

	json_object_array_add(a, json_object_new_string("10.77.0.2/24"));
	json_object_object_add(ifc, "addresses", a);
	json_object_object_add(ifc, "listen_port", json_object_new_int(51820));
	json_object_object_add(o, "revision", json_object_new_int(3));
	json_object_object_add(o, "interface", ifc);
	json_object_object_add(o, "peers", peers ? peers : json_object_new_array());
	json_object_object_add(o, "statement", own);
	return o;
}

static struct json_object *
own_stmt(unsigned version, const char *pairs)
{
	return stmt(NULL, MESH, "h", version, host_pub, "10.77.0.2/24", "", pairs);
}

struct run {
	struct mesh_config cfg;
	struct hosttrust_result res;
	char all[8192];
};

/* Runs hosttrust_build on j (consumed) with store st; all refusals joined. */
static void
run(struct run *r, struct hosttrust_store *st, struct json_object *j)
{
	const char *keys[] = { host_pub, next_pub };
	char err[256];

	memset(r, 0, sizeof(*r));
	ck_assert_msg(model_from_json(&r->cfg, j, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(hosttrust_build(st, admin_pk, "h", keys, 2, j, &r->cfg, &r->res), 0);
	for (size_t i = 0; i < r->res.n_refused; i++) {
		strncat(r->all, r->res.refused[i], sizeof(r->all) - strlen(r->all) - 2);
		strcat(r->all, "\n");
	}
	json_object_put(j);
}

static void
run_free(struct run *r)
{
	model_free(&r->cfg);
	hosttrust_result_free(&r->res);
}

static const struct mesh_peer *
find(const struct run *r, const char *id)
{
	for (size_t i = 0; i < r->cfg.n_peers; i++)
		if (strcmp(r->cfg.peers[i].id, id) == 0)
			return &r->cfg.peers[i];
	return NULL;
}

static bool
refused(const struct run *r, const char *text)
{
	return strstr(r->all, text) != NULL;
}

START_TEST(trusted_pairs)
{
	struct hosttrust_store st = { 0 };
	struct json_object *peers = json_object_new_array();
	const struct mesh_peer *p;
	struct run r;

	/* The server's AllowedIPs say one thing, the statement another: the
	 * statement wins, and so does its prefix for the interface. */
	json_object_array_add(peers, peer_entry("b", "web1", pub[0], "0.0.0.0/0",
	    stmt(NULL, MESH, "b", 4, pub[0], "10.77.0.3/24", "192.168.5.0/24", "h")));
	run(&r, &st, config(own_stmt(2, "b"), peers));
	ck_assert_msg(r.res.n_refused == 1, "%s", r.all);
	ck_assert_msg(refused(&r, "peer web1 (id b): refused the server's AllowedIPs 0.0.0.0/0: "
	                      "not what its signed statement says; configured as signed: "
	                      "10.77.0.3/32, 192.168.5.0/24"), "%s", r.all);
	ck_assert(!r.res.held);
	ck_assert_int_eq(r.res.own_key, 0);
	ck_assert_str_eq(st.mesh, MESH);
	ck_assert(st.changed);
	ck_assert_uint_eq(hosttrust_store_version(&st, "b"), 4);
	ck_assert_uint_eq(hosttrust_store_version(&st, "h"), 2);
	ck_assert_uint_eq(r.cfg.n_peers, 1);
	p = find(&r, "b");
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(p->n_allowed_ips, 2);
	ck_assert_str_eq(p->allowed_ips[0], "10.77.0.3/32");
	ck_assert_str_eq(p->allowed_ips[1], "192.168.5.0/24");
	ck_assert_uint_eq(r.cfg.n_addresses, 1);
	ck_assert_str_eq(r.cfg.addresses[0], "10.77.0.2/24");
	run_free(&r);
	hosttrust_store_free(&st);
}
END_TEST

/* The statement carries no listen port: the host keeps its own, pinned from
 * the first config with a usable own statement, and a server that then
 * sends another (one taken on the host, say) changes nothing. */
START_TEST(listen_port_is_the_hosts)
{
	struct hosttrust_store st = { 0 }, back = { 0 };
	struct json_object *j;
	char dir[] = "/tmp/check-hosttrust-XXXXXX", path[64];
	struct run r;

	run(&r, &st, config(own_stmt(2, ""), NULL));
	ck_assert_int_eq(r.cfg.listen_port, 51820);
	ck_assert_int_eq(st.listen_port, 51820);
	ck_assert(st.changed);
	run_free(&r);

	j = config(own_stmt(3, ""), NULL);
	json_object_object_add(json_object_object_get(j, "interface"), "listen_port",
	                       json_object_new_int(5355));
	run(&r, &st, j);
	ck_assert_msg(!r.res.held, "%s", r.all);
	ck_assert_int_eq(r.cfg.listen_port, 51820);
	ck_assert_int_eq(st.listen_port, 51820);
	run_free(&r);

	/* It survives trust.json. */
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(hosttrust_store_save(&st, dir), 0);
	ck_assert_int_eq(hosttrust_store_load(&back, dir), 0);
	ck_assert_int_eq(back.listen_port, 51820);
	hosttrust_store_free(&back);
	hosttrust_store_free(&st);
	snprintf(path, sizeof(path), "%s/%s", dir, HOSTTRUST_FILE);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(attacks_refused)
{
	struct hosttrust_store st = { 0 };
	struct json_object *peers = json_object_new_array();
	struct run r;

	/* Seen before: b at version 5, and e's key revoked. */
	memcpy(st.mesh, MESH, sizeof(st.mesh));
	json_object_array_add(peers, peer_entry("b", "rolled", pub[0], "10.77.0.3/32",
	    stmt(NULL, MESH, "b", 4, pub[0], "10.77.0.3/24", "0.0.0.0/1", "h")));
	/* c: the admin signed it, never paired with h. */
	json_object_array_add(peers, peer_entry("c", "injected", pub[1], "10.77.0.4/32",
	    stmt(NULL, MESH, "c", 1, pub[1], "10.77.0.4/24", "", "b")));
	/* d: unsigned. */
	json_object_array_add(peers, peer_entry("d", "unsigned", pub[2], "10.77.0.5/32", NULL));
	/* e: signed by another key. */
	json_object_array_add(peers, peer_entry("e", "forged", pub[3], "10.77.0.6/32",
	    stmt(other_sk, MESH, "e", 9, pub[3], "10.77.0.6/24", "", "h")));
	run(&r, &st, config(own_stmt(3, "b c d e f g"), peers));
	ck_assert_msg(r.cfg.n_peers == 1, "%s", r.all);
	ck_assert_ptr_nonnull(find(&r, "b"));
	ck_assert_msg(refused(&r, "peer injected (id c): refused: not paired: its statement "
	                      "does not name this host"), "%s", r.all);
	ck_assert_msg(refused(&r, "peer unsigned (id d): refused: unsigned"), "%s", r.all);
	ck_assert_msg(refused(&r, "peer forged (id e): refused: bad signature"), "%s", r.all);
	run_free(&r);

	/* Rollback: b was seen at version 5. */
	ck_assert_uint_eq(hosttrust_store_version(&st, "b"), 4);
	for (size_t i = 0; i < st.n_versions; i++)
		if (strcmp(st.versions[i].id, "b") == 0)
			st.versions[i].version = 5;
	peers = json_object_new_array();
	json_object_array_add(peers, peer_entry("b", "rolled", pub[0], "10.77.0.3/32",
	    stmt(NULL, MESH, "b", 4, pub[0], "10.77.0.3/24", "0.0.0.0/1", "h")));
	run(&r, &st, config(own_stmt(3, "b"), peers));
	ck_assert_msg(refused(&r, "peer rolled (id b): refused: rollback: its statement has "
	                      "version 4, older than version 5 seen before"), "%s", r.all);
	ck_assert_uint_eq(r.cfg.n_peers, 0);
	run_free(&r);
	hosttrust_store_free(&st);
}
END_TEST

START_TEST(pairing_both_sides)
{
	struct hosttrust_store st = { 0 };
	struct json_object *peers = json_object_new_array();
	struct run r;

	/* b names h, but h's own statement does not name b. */
	json_object_array_add(peers, peer_entry("b", "web1", pub[0], "10.77.0.3/32",
	    stmt(NULL, MESH, "b", 1, pub[0], "10.77.0.3/24", "", "c h")));
	json_object_array_add(peers, peer_entry("c", "web2", pub[1], "10.77.0.4/32",
	    stmt(NULL, MESH, "c", 1, pub[1], "10.77.0.4/24", "", "b h")));
	run(&r, &st, config(own_stmt(1, "c"), peers));
	ck_assert_msg(refused(&r, "peer web1 (id b): refused: not paired: this host's "
	                      "statement does not name it"), "%s", r.all);
	ck_assert_ptr_nonnull(find(&r, "c"));
	ck_assert_uint_eq(r.cfg.n_peers, 1);
	run_free(&r);
	hosttrust_store_free(&st);
}
END_TEST

START_TEST(key_swap_and_moves)
{
	struct hosttrust_store st = { 0 };
	struct json_object *peers = json_object_new_array();
	struct run r;

	/* The server swaps b's key; and puts c's statement on d's entry. */
	json_object_array_add(peers, peer_entry("b", "web1", pub[3], "10.77.0.3/32",
	    stmt(NULL, MESH, "b", 1, pub[0], "10.77.0.3/24", "", "h")));
	json_object_array_add(peers, peer_entry("d", "web3", pub[1], "10.77.0.4/32",
	    stmt(NULL, MESH, "c", 1, pub[1], "10.77.0.4/24", "", "h")));
	json_object_array_add(peers, peer_entry("x", "elsewhere", pub[2], "10.77.0.9/32",
	    stmt(NULL, MESH2, "x", 1, pub[2], "10.77.0.9/24", "", "h")));
	run(&r, &st, config(own_stmt(1, "b c d x"), peers));
	ck_assert_uint_eq(r.cfg.n_peers, 0);
	ck_assert_msg(refused(&r, "peer web1 (id b): refused: not signed: the server gives "
	                      "key"), "%s", r.all);
	ck_assert_msg(refused(&r, "peer web3 (id d): refused: its statement is for peer c"),
	              "%s", r.all);
	ck_assert_msg(refused(&r, "peer elsewhere (id x): refused: other mesh"), "%s", r.all);
	run_free(&r);
	hosttrust_store_free(&st);
}
END_TEST

START_TEST(overlap_refused)
{
	struct hosttrust_store st = { 0 };
	struct json_object *peers = json_object_new_array();
	struct run r;

	/* Each signed, but their routes overlap: neither is safe to take. */
	json_object_array_add(peers, peer_entry("b", "web1", pub[0], "",
	    stmt(NULL, MESH, "b", 1, pub[0], "10.77.0.3/24", "192.168.0.0/16", "h")));
	json_object_array_add(peers, peer_entry("c", "web2", pub[1], "",
	    stmt(NULL, MESH, "c", 1, pub[1], "10.77.0.4/24", "192.168.5.0/24", "h")));
	/* d: a deleted peer's old statement, its address since given to f. */
	json_object_array_add(peers, peer_entry("d", "revived", pub[2], "",
	    stmt(NULL, MESH, "d", 1, pub[2], "10.77.0.7/24", "", "h")));
	json_object_array_add(peers, peer_entry("f", "newer", next_pub, "",
	    stmt(NULL, MESH, "f", 1, next_pub, "10.77.0.7/24", "", "h")));
	json_object_array_add(peers, peer_entry("e", "fine", pub[3], "",
	    stmt(NULL, MESH, "e", 1, pub[3], "10.77.0.6/24", "", "h")));
	run(&r, &st, config(own_stmt(1, "b c d e f"), peers));
	ck_assert_msg(refused(&r, "peer web1 (id b): refused: overlap"), "%s", r.all);
	ck_assert_msg(refused(&r, "peer web2 (id c): refused: overlap"), "%s", r.all);
	ck_assert_msg(refused(&r, "peer revived (id d): refused: overlap"), "%s", r.all);
	ck_assert_uint_eq(r.cfg.n_peers, 1);
	ck_assert_ptr_nonnull(find(&r, "e"));
	run_free(&r);
	hosttrust_store_free(&st);
}
END_TEST

static struct json_object *
revocation(const uint8_t *sk, const char *mesh, const char *key)
{
	struct statement_revocation rv;
	struct json_object *o = json_object_new_object();
	char text[STATEMENT_REVOKE_MAX], sig[KEYS_SIG_B64_LEN];
	int len;

	snprintf(rv.mesh, sizeof(rv.mesh), "%s", mesh);
	snprintf(rv.key, sizeof(rv.key), "%s", key);
	len = statement_revocation_format(&rv, text, sizeof(text));
	ck_assert_int_gt(len, 0);
	statement_sign(sig, text, (size_t)len, sk ? sk : admin_sk);
	json_object_object_add(o, "text", json_object_new_string_len(text, len));
	json_object_object_add(o, "signature", json_object_new_string(sig));
	return o;
}

START_TEST(revival_refused)
{
	struct hosttrust_store st = { 0 };
	struct json_object *peers = json_object_new_array(), *j, *revs;
	struct run r;
	char dir[] = "/tmp/check_trust.XXXXXX", path[64];
	struct stat sb;

	/* The admin deleted b: its key is revoked (signed). A forged
	 * revocation of c is ignored and said. */
	json_object_array_add(peers, peer_entry("c", "web2", pub[1], "",
	    stmt(NULL, MESH, "c", 1, pub[1], "10.77.0.4/24", "", "h")));
	j = config(own_stmt(1, "b c"), peers);
	revs = json_object_new_array();
	json_object_array_add(revs, revocation(NULL, MESH, pub[0]));
	json_object_array_add(revs, revocation(other_sk, MESH, pub[1]));
	json_object_array_add(revs, revocation(NULL, MESH2, pub[1]));
	json_object_object_add(j, "revocations", revs);
	run(&r, &st, j);
	ck_assert(hosttrust_store_revoked(&st, pub[0]));
	ck_assert(!hosttrust_store_revoked(&st, pub[1]));
	ck_assert_msg(refused(&r, "revocation 2: ignored: its signature does not verify"),
	              "%s", r.all);
	ck_assert_msg(refused(&r, "revocation 3: ignored: it is for another mesh"), "%s", r.all);
	ck_assert_ptr_nonnull(find(&r, "c"));
	run_free(&r);

	/* Kept across runs, 0600. */
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(hosttrust_store_save(&st, dir), 0);
	hosttrust_store_free(&st);
	snprintf(path, sizeof(path), "%s/trust.json", dir);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	ck_assert_int_eq(hosttrust_store_load(&st, dir), 0);
	ck_assert_str_eq(st.mesh, MESH);
	ck_assert(hosttrust_store_revoked(&st, pub[0]));
	ck_assert_uint_eq(hosttrust_store_version(&st, "c"), 1);

	/* The server brings b back with its old, valid statement and no
	 * revocation: still refused. */
	peers = json_object_new_array();
	json_object_array_add(peers, peer_entry("b", "revived", pub[0], "",
	    stmt(NULL, MESH, "b", 7, pub[0], "10.77.0.3/24", "", "h")));
	run(&r, &st, config(own_stmt(1, "b c"), peers));
	ck_assert_msg(refused(&r, "peer revived (id b): refused: revoked: its key"), "%s", r.all);
	ck_assert_uint_eq(r.cfg.n_peers, 0);
	run_free(&r);
	hosttrust_store_free(&st);

	/* A damaged store is an error, not a fresh start. */
	{
		FILE *f = fopen(path, "w");
		ck_assert_ptr_nonnull(f);
		fputs("{\"mesh\": 5}", f);
		fclose(f);
	}
	ck_assert_int_eq(hosttrust_store_load(&st, dir), -1);
	unlink(path);
	rmdir(dir);
}
END_TEST

/* key with bit 255 set: the same key to X25519, other text. */
static void
twin_of(char out[KEYS_B64_LEN], const char *key)
{
	uint8_t k[KEYS_LEN];

	ck_assert_int_eq(keys_b64_decode_key(k, key), 0);
	k[KEYS_LEN - 1] |= 0x80;
	keys_b64_encode(out, KEYS_B64_LEN, k, KEYS_LEN);
}

/* A signed {text, signature} (consumed) with its key line spelled twin,
 * signed again by the admin: what a server holding the twin would get
 * signed, since the admin sees only "+ key twin". */
static struct json_object *
respelled(struct json_object *o, const char *key, const char *twin)
{
	char text[1024], sig[KEYS_SIG_B64_LEN], *at;

	snprintf(text, sizeof(text), "%s", json_object_get_string(json_object_object_get(o, "text")));
	json_object_put(o);
	ck_assert_ptr_nonnull(at = strstr(text, key));
	memcpy(at, twin, KEYS_B64_LEN - 1);
	statement_sign(sig, text, strlen(text), admin_sk);
	o = json_object_new_object();
	json_object_object_add(o, "text", json_object_new_string(text));
	json_object_object_add(o, "signature", json_object_new_string(sig));
	return o;
}

/* A revoked key comes back with bit 255 set, admin-signed: the config that
 * holds it is refused, and so is its statement, a revocation spelled so,
 * and a trust.json that remembers one. */
START_TEST(twin_of_revoked_key_refused)
{
	struct hosttrust_store st = { 0 };
	struct json_object *peers = json_object_new_array(), *j, *revs, *sj;
	struct statement s;
	struct mesh_config cfg;
	struct run r;
	char twin[KEYS_B64_LEN], err[256], dir[] = "/tmp/check_trust.XXXXXX", path[64];
	const char *why = NULL;

	/* b's key pub[0] is revoked on this host. */
	j = config(own_stmt(1, "b c"), peers);
	revs = json_object_new_array();
	json_object_array_add(revs, revocation(NULL, MESH, pub[0]));
	json_object_object_add(j, "revocations", revs);
	run(&r, &st, j);
	ck_assert(hosttrust_store_revoked(&st, pub[0]));
	run_free(&r);

	/* It registers again as its twin and the admin signs "+ key twin". */
	twin_of(twin, pub[0]);
	sj = respelled(stmt(NULL, MESH, "b", 2, pub[0], "10.77.0.3/24", "", "h"), pub[0], twin);
	ck_assert_int_eq(statement_open(&s, json_object_get_string(json_object_object_get(sj,
	    "text")), strlen(json_object_get_string(json_object_object_get(sj, "text"))),
	    json_object_get_string(json_object_object_get(sj, "signature")), admin_pk, &why), -1);
	ck_assert_msg(why != NULL && strstr(why, "canonical") != NULL, "%s", why ? why : "-");
	peers = json_object_new_array();
	json_object_array_add(peers, peer_entry("b", "back", twin, "", sj));
	j = config(own_stmt(1, "b c"), peers);
	memset(&cfg, 0, sizeof(cfg));
	ck_assert_int_eq(model_from_json(&cfg, j, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, twin) != NULL && strstr(err, "bit 255") != NULL, "%s", err);
	model_free(&cfg);
	json_object_put(j);

	/* A revocation spelled so is not a revocation of anything. */
	j = config(own_stmt(1, "b c"), json_object_new_array());
	revs = json_object_new_array();
	twin_of(twin, pub[1]);
	json_object_array_add(revs, respelled(revocation(NULL, MESH, pub[1]), pub[1], twin));
	json_object_object_add(j, "revocations", revs);
	run(&r, &st, j);
	ck_assert(!hosttrust_store_revoked(&st, twin));
	ck_assert_msg(refused(&r, "revocation 1: ignored"), "%s", r.all);
	run_free(&r);

	/* trust.json is read by the same rule. */
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/trust.json", dir);
	{
		FILE *f = fopen(path, "w");
		ck_assert_ptr_nonnull(f);
		fprintf(f, "{\"mesh\":\"%s\",\"versions\":{},\"revoked\":[\"%s\"]}", MESH, twin);
		fclose(f);
	}
	hosttrust_store_free(&st);
	ck_assert_int_eq(hosttrust_store_load(&st, dir), -1);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(own_statement_held)
{
	struct hosttrust_store st = { 0 };
	struct run r;

	/* No statement for the host itself: nothing is written. */
	run(&r, &st, config(NULL, NULL));
	ck_assert(r.res.held);
	ck_assert_msg(refused(&r, "this host (id h): held, nothing written or applied: "
	                      "unsigned"), "%s", r.all);
	ck_assert_str_eq(st.mesh, "");
	run_free(&r);

	/* Pinned by the first good one; then an older one is a rollback. */
	run(&r, &st, config(own_stmt(5, ""), NULL));
	ck_assert(!r.res.held);
	run_free(&r);
	run(&r, &st, config(own_stmt(4, ""), NULL));
	ck_assert(r.res.held);
	ck_assert_msg(refused(&r, "rollback: its statement has version 4, older than "
	                      "version 5"), "%s", r.all);
	run_free(&r);

	/* Another peer's statement, a key not ours, another mesh, a short
	 * prefix signed under another mesh. */
	run(&r, &st, config(stmt(NULL, MESH, "b", 9, pub[0], "10.77.0.3/24", "", ""), NULL));
	ck_assert(r.res.held);
	ck_assert_msg(refused(&r, "its statement is for peer b"), "%s", r.all);
	run_free(&r);
	run(&r, &st, config(stmt(NULL, MESH, "h", 9, pub[0], "10.77.0.2/24", "", ""), NULL));
	ck_assert(r.res.held);
	ck_assert_msg(refused(&r, "which is not this host's"), "%s", r.all);
	run_free(&r);
	run(&r, &st, config(stmt(NULL, MESH2, "h", 9, host_pub, "200.1.2.3/1", "", ""), NULL));
	ck_assert(r.res.held);
	ck_assert_msg(refused(&r, "other mesh"), "%s", r.all);
	run_free(&r);

	/* The server gives a /1 interface address: the signed one is used,
	 * and the difference said. */
	{
		struct json_object *j = config(own_stmt(9, ""), NULL), *ifc, *a;

		json_object_object_get_ex(j, "interface", &ifc);
		a = json_object_new_array();
		json_object_array_add(a, json_object_new_string("10.77.0.2/1"));
		json_object_object_add(ifc, "addresses", a);
		run(&r, &st, j);
		ck_assert(!r.res.held);
		ck_assert_msg(refused(&r, "this host (id h): refused the server's interface "
		                      "addresses 10.77.0.2/1: not what its signed statement says; "
		                      "configured as signed: 10.77.0.2/24"), "%s", r.all);
		ck_assert_uint_eq(r.cfg.n_addresses, 1);
		ck_assert_str_eq(r.cfg.addresses[0], "10.77.0.2/24");
		run_free(&r);
	}

	/* Rotation: the statement names the pending next key (a version
	 * above the 9 seen for h, key and all, just before). */
	run(&r, &st, config(stmt(NULL, MESH, "h", 10, next_pub, "10.77.0.2/24", "", ""), NULL));
	ck_assert_msg(!r.res.held, "%s", r.all);
	ck_assert_int_eq(r.res.own_key, 1);
	run_free(&r);
	hosttrust_store_free(&st);
}
END_TEST

static Suite *
trust_suite(void)
{
	Suite *s = suite_create("client_hosttrust");
	TCase *tc = tcase_create("trust");

	tcase_add_unchecked_fixture(tc, setup, NULL);
	tcase_add_test(tc, trusted_pairs);
	tcase_add_test(tc, attacks_refused);
	tcase_add_test(tc, listen_port_is_the_hosts);
	tcase_add_test(tc, pairing_both_sides);
	tcase_add_test(tc, key_swap_and_moves);
	tcase_add_test(tc, overlap_refused);
	tcase_add_test(tc, revival_refused);
	tcase_add_test(tc, twin_of_revoked_key_refused);
	tcase_add_test(tc, own_statement_held);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(trust_suite)
