/* SPDX-License-Identifier: MIT */
/* Key rotation on the host: with a pending next key (next.key beside
 * private.key), a config is rendered with the key it is for. Unsigned, the
 * preshared-key boxes tell (sealed to the next key once the server took it);
 * under a trusted signing key, this host's own statement tells, and boxes
 * still sealed to the old key open all the same. nextkey_promote then makes
 * the next key the host's key. The config's own interface.public_key,
 * when the server sends it, says it outright. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"
#include "../../client/hosttrust.h"
#include "../../client/model.h"
#include "../../client/peer.h"
#include "../../client/nextkey.h"
#include "../../client/state.h"

#define MESH "0123456789abcdef0123456789abcdef"

static char dir[64];
static uint8_t cur_sk[KEYS_LEN], cur_pk[KEYS_LEN], next_sk[KEYS_LEN], next_pk[KEYS_LEN];
static char cur_pub[KEYS_B64_LEN], next_pub[KEYS_B64_LEN], peer_pub[KEYS_B64_LEN];
static char cur_b64[KEYS_B64_LEN], next_b64[KEYS_B64_LEN];
static uint8_t admin_pk[KEYS_LEN], admin_sk[KEYS_SIGN_SK_LEN];

static void
put_key(const char *file, const uint8_t sk[KEYS_LEN])
{
	char path[128], b64[KEYS_B64_LEN + 1];

	keys_b64_encode(b64, KEYS_B64_LEN, sk, KEYS_LEN);
	strcat(b64, "\n");
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	ck_assert_int_eq(state_write_atomic(path, b64, strlen(b64), 0600), 0);
}

static void
setup(void)
{
	uint8_t sk[KEYS_LEN], pk[KEYS_LEN];

	ck_assert_int_eq(keys_init(), 0);
	snprintf(dir, sizeof(dir), "/tmp/check_client_rotate.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	keys_generate(cur_sk, cur_pk);
	keys_generate(next_sk, next_pk);
	keys_generate(sk, pk);
	keys_b64_encode(cur_pub, sizeof(cur_pub), cur_pk, KEYS_LEN);
	keys_b64_encode(next_pub, sizeof(next_pub), next_pk, KEYS_LEN);
	keys_b64_encode(peer_pub, sizeof(peer_pub), pk, KEYS_LEN);
	keys_b64_encode(cur_b64, sizeof(cur_b64), cur_sk, KEYS_LEN);
	keys_b64_encode(next_b64, sizeof(next_b64), next_sk, KEYS_LEN);
	keys_sign_keypair(admin_pk, admin_sk);
	put_key("private.key", cur_sk);
	put_key("next.key", next_sk);
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* {text, signature} of a statement by the admin. */
static struct json_object *
signed_stmt(const char *peer, unsigned version, const char *key, const char *addr,
            const char *pair)
{
	struct statement s;
	struct json_object *o = json_object_new_object();
	char sig[KEYS_SIG_B64_LEN], *text;
	size_t len;

	statement_init(&s);
	snprintf(s.mesh, sizeof(s.mesh), "%s", MESH);
	snprintf(s.peer, sizeof(s.peer), "%s", peer);
	s.version = version;
	snprintf(s.key, sizeof(s.key), "%s", key);
	ck_assert_int_eq(statement_add_address(&s, addr), 0);
	ck_assert_int_eq(statement_add_pair(&s, pair), 0);
	ck_assert_int_eq(statement_canonicalize(&s), 0);
	text = statement_text(&s, &len);
	ck_assert_ptr_nonnull(text);
	statement_sign(sig, text, len, admin_sk);
	json_object_object_add(o, "text", json_object_new_string_len(text, (int)len));
	json_object_object_add(o, "signature", json_object_new_string(sig));
	free(text);
	statement_free(&s);
	return o;
}

/* A config for host "h" with one peer "b" whose PSK box is sealed to
 * sealed_to; with own_key, signed statements naming own_key for h. */
static struct json_object *
config(const uint8_t sealed_to[KEYS_LEN], const char *own_key)
{
	uint8_t psk[KEYS_LEN] = { 7 }, box[KEYS_SEALED_LEN];
	char sealed[KEYS_SEALED_B64_LEN], text[2048];
	struct json_object *j, *peers;

	ck_assert_int_eq(keys_seal(box, psk, sealed_to), 0);
	keys_b64_encode(sealed, sizeof(sealed), box, sizeof(box));
	snprintf(text, sizeof(text),
	    "{\"revision\": 1, \"interface\": {\"addresses\": [\"10.77.0.2/24\"]},"
	    " \"peers\": [{\"id\": \"b\", \"name\": \"web1\", \"public_key\": \"%s\","
	    "  \"preshared_key_sealed\": \"%s\", \"endpoint\": null,"
	    "  \"allowed_ips\": [\"10.77.0.3/32\"]}]}", peer_pub, sealed);
	j = json_tokener_parse(text);
	ck_assert_ptr_nonnull(j);
	if (own_key) {
		json_object_object_add(j, "statement",
		                       signed_stmt("h", 1, own_key, "10.77.0.2/24", "b"));
		json_object_object_get_ex(j, "peers", &peers);
		json_object_object_add(json_object_array_get_idx(peers, 0), "statement",
		                       signed_stmt("b", 1, peer_pub, "10.77.0.3/24", "h"));
	}
	return j;
}

/* peer_prepare_config on j (consumed): the private key it chose, and
 * whether it is the next one. */
static void
prepare(struct state *st, struct json_object *j, char skb64[KEYS_B64_LEN], bool *next)
{
	struct mesh_config cfg = { 0 };
	char **refused = NULL;
	size_t n = 0;

	ck_assert_int_eq(peer_prepare_config(st, j, &cfg, skb64, &refused, &n, next), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(cfg.n_peers, 1);
	model_free_lines(refused, n);
	model_free(&cfg);
	json_object_put(j);
}

START_TEST(unsigned_boxes_tell)
{
	struct state st = { .dir = dir, .id = (char[]){ "h" } };
	char skb64[KEYS_B64_LEN];
	bool next = true;

	/* Not taken yet: the boxes are sealed to the current key. */
	prepare(&st, config(cur_pk, NULL), skb64, &next);
	ck_assert(!next);
	ck_assert_str_eq(skb64, cur_b64);
	/* Taken: fresh boxes sealed to the next key. */
	prepare(&st, config(next_pk, NULL), skb64, &next);
	ck_assert(next);
	ck_assert_str_eq(skb64, next_b64);
}
END_TEST

START_TEST(config_says)
{
	struct state st = { .dir = dir, .id = (char[]){ "h" } };
	char skb64[KEYS_B64_LEN];
	bool next = false;
	struct json_object *j, *ifc;

	/* The server says the config is for the next key: that one is used,
	 * whichever key the boxes still open with. */
	j = config(cur_pk, NULL);
	json_object_object_get_ex(j, "interface", &ifc);
	json_object_object_add(ifc, "public_key", json_object_new_string(next_pub));
	prepare(&st, j, skb64, &next);
	ck_assert(next);
	ck_assert_str_eq(skb64, next_b64);
	/* ...or for the current one. */
	j = config(cur_pk, NULL);
	json_object_object_get_ex(j, "interface", &ifc);
	json_object_object_add(ifc, "public_key", json_object_new_string(cur_pub));
	prepare(&st, j, skb64, &next);
	ck_assert(!next);
	ck_assert_str_eq(skb64, cur_b64);
}
END_TEST

START_TEST(statement_tells)
{
	char trust[KEYS_B64_LEN], path[128];
	struct state st = { .dir = dir, .id = (char[]){ "h" }, .trust_key = trust };
	char skb64[KEYS_B64_LEN];
	bool next = false;
	uint8_t sk[KEYS_LEN];
	struct stat sb;

	keys_b64_encode(trust, sizeof(trust), admin_pk, KEYS_LEN);
	prepare(&st, config(cur_pk, cur_pub), skb64, &next);
	ck_assert(!next);
	ck_assert_str_eq(skb64, cur_b64);
	/* Signed for the next key, the boxes still sealed to the old one. */
	prepare(&st, config(cur_pk, next_pub), skb64, &next);
	ck_assert(next);
	ck_assert_str_eq(skb64, next_b64);

	ck_assert_int_eq(nextkey_promote(dir), 0);
	ck_assert_int_eq(state_key_load(dir, sk), 0);
	ck_assert_mem_eq(sk, next_sk, KEYS_LEN);
	ck_assert_int_eq(nextkey_load(dir, sk), 1);
	snprintf(path, sizeof(path), "%s/private.key", dir);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	keys_wipe(sk, sizeof(sk));
}
END_TEST

static Suite *
rotate_suite(void)
{
	Suite *s = suite_create("client_rotate");
	TCase *tc = tcase_create("rotate");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, unsigned_boxes_tell);
	tcase_add_test(tc, config_says);
	tcase_add_test(tc, statement_tells);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(rotate_suite)
