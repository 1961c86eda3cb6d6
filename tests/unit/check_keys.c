/* SPDX-License-Identifier: MIT */
/* keys: WireGuard key text, key pairs as wg makes them, sealed preshared keys. */
#include <string.h>
#include <sodium.h>

#include "keys.h"
#include "unit.h"

/* RFC 7748 section 6.1 (Alice), checked with `echo SK | wg pubkey`. */
static const char vec_sk[] = "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=";
static const char vec_pk[] = "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=";

static void
setup(void)
{
	ck_assert_int_eq(keys_init(), 0);
}

START_TEST(decode_key)
{
	uint8_t k[KEYS_LEN];
	char enc[KEYS_B64_LEN];
	static const uint8_t want[KEYS_LEN] = {
		0x85, 0x20, 0xf0, 0x09, 0x89, 0x30, 0xa7, 0x54, 0x74, 0x8b, 0x7d, 0xdc,
		0xb4, 0x3e, 0xf7, 0x5a, 0x0d, 0xbf, 0x3a, 0x0d, 0x26, 0x38, 0x1a, 0xf4,
		0xeb, 0xa4, 0xa9, 0x8e, 0xaa, 0x9b, 0x4e, 0x6a };

	ck_assert_int_eq(keys_b64_decode_key(k, vec_pk), 0);
	ck_assert_mem_eq(k, want, KEYS_LEN);
	keys_b64_encode(enc, sizeof(enc), k, KEYS_LEN);
	ck_assert_str_eq(enc, vec_pk);
}
END_TEST

START_TEST(decode_key_refuses)
{
	static const char *const bad[] = {
		"",
		"hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo",          /* 43: no padding */
		"hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo==",        /* 45 */
		"hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTm==",         /* 31 bytes */
		"hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmoA",         /* 33 bytes, 44 chars */
		"hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo=",         /* URL-safe alphabet */
		"hSDwCYkwp1R0i33ctD73Wg2-Og0mOBr066SpjqqbTmo=",
		"hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTm o=",
		" hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo",
		"hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=\n",
		"hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066Spjqqb\xc3\xa9o=",
		"hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTm=o",
		"=SDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo",
		"8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
		NULL };
	uint8_t k[KEYS_LEN], zero[KEYS_LEN] = { 0 };

	for (size_t i = 0; bad[i] != NULL; i++) {
		memset(k, 0xaa, sizeof(k));
		ck_assert_msg(keys_b64_decode_key(k, bad[i]) == -1, "accepted key \"%s\"", bad[i]);
		ck_assert_msg(memcmp(k, zero, KEYS_LEN) == 0, "key \"%s\" left bytes behind", bad[i]);
	}
	ck_assert_int_eq(keys_b64_decode_key(k, NULL), -1);
}
END_TEST

/* libsodium 1.0.18 decodes some bytes >= 0x80 as base64 digits: a key text
 * must hold nothing but the alphabet, whichever byte stands anywhere. */
START_TEST(decode_key_bytes_outside_alphabet)
{
	char s[KEYS_B64_LEN];
	uint8_t k[KEYS_LEN], buf[64];
	size_t len;

	for (int c = 1; c < 256; c++) {
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=", c))
			continue;
		for (size_t pos = 0; pos < 43; pos++) {
			memcpy(s, vec_pk, sizeof(s));
			s[pos] = (char)c;
			ck_assert_msg(keys_b64_decode_key(k, s) == -1,
			              "accepted byte 0x%02x at %zu", c, pos);
			ck_assert_msg(keys_b64_decode(buf, sizeof(buf), &len, s) == -1,
			              "generic decoder accepted byte 0x%02x at %zu", c, pos);
		}
	}
}
END_TEST

/* The last character of a 32-byte key carries two spare bits. Were they not
 * checked, one key would have four spellings, and the database's UNIQUE
 * constraint on the text would let the same key register four times. */
START_TEST(decode_key_canonical_only)
{
	char alt[KEYS_B64_LEN];
	uint8_t k[KEYS_LEN];

	memcpy(alt, vec_pk, sizeof(alt));
	ck_assert_int_eq(alt[42], 'o');
	for (char c = 'p'; c <= 'r'; c++) {
		alt[42] = c;
		ck_assert_msg(keys_b64_decode_key(k, alt) == -1, "accepted \"%s\"", alt);
	}
}
END_TEST

START_TEST(public_key_vector)
{
	uint8_t sk[KEYS_LEN], pk[KEYS_LEN], want[KEYS_LEN];

	ck_assert_int_eq(keys_b64_decode_key(sk, vec_sk), 0);
	ck_assert_int_eq(keys_b64_decode_key(want, vec_pk), 0);
	ck_assert_int_eq(keys_public(pk, sk), 0);
	ck_assert_mem_eq(pk, want, KEYS_LEN);
	/* wg clamps a private key before use: so must we (the vector is unclamped). */
	sk[0] &= 248;
	sk[31] = (sk[31] & 127) | 64;
	ck_assert_int_eq(keys_public(pk, sk), 0);
	ck_assert_mem_eq(pk, want, KEYS_LEN);
}
END_TEST

START_TEST(generate_like_wg_genkey)
{
	uint8_t sk[KEYS_LEN], pk[KEYS_LEN], pk2[KEYS_LEN], sk_prev[KEYS_LEN] = { 0 };
	char b64[KEYS_B64_LEN];

	for (int i = 0; i < 64; i++) {
		keys_generate(sk, pk);
		ck_assert_uint_eq(sk[0] & 7, 0);
		ck_assert_uint_eq(sk[31] & 128, 0);
		ck_assert_uint_eq(sk[31] & 64, 64);
		ck_assert_int_eq(keys_public(pk2, sk), 0);
		ck_assert_mem_eq(pk, pk2, KEYS_LEN);
		ck_assert_int_eq(keys_check_public(pk), 0);
		ck_assert(memcmp(sk, sk_prev, KEYS_LEN) != 0);
		memcpy(sk_prev, sk, KEYS_LEN);
		keys_b64_encode(b64, sizeof(b64), sk, KEYS_LEN);
		ck_assert_uint_eq(strlen(b64), 44);
		ck_assert_int_eq(b64[43], '=');
	}
}
END_TEST

START_TEST(low_order_points)
{
	/* The points of small order on Curve25519 and their non-canonical
	 * spellings (libsodium's blocklist): a DH with any of them gives a
	 * shared secret an attacker knows. */
	static const char *const low[] = {
		"0000000000000000000000000000000000000000000000000000000000000000",
		"0100000000000000000000000000000000000000000000000000000000000000",
		"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
		"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"0000000000000000000000000000000000000000000000000000000000000080",
		"0100000000000000000000000000000000000000000000000000000000000080",
		"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b880",
		"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f11d7",
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
		"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
		NULL };
	uint8_t pk[KEYS_LEN];

	for (size_t i = 0; low[i] != NULL; i++) {
		ck_assert_int_eq(sodium_hex2bin(pk, sizeof(pk), low[i], 64, NULL, NULL, NULL), 0);
		ck_assert_msg(keys_check_public(pk) == -1, "accepted low-order point %s", low[i]);
	}
	ck_assert_int_eq(keys_b64_decode_key(pk, vec_pk), 0);
	ck_assert_int_eq(keys_check_public(pk), 0);
}
END_TEST

/* X25519 drops bit 255 and reads a key modulo p = 2^255 - 19: K with bit 255
 * set, or K + p, is K to the handshake but other text to every comparison,
 * so a revoked or taken key could come back as its twin (issue 21). */
START_TEST(public_key_one_spelling)
{
	static const char twin[] = "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTuo=";
	static const char base[] = "CQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
	static const char base_plus_p[] = "9v///////////////////////////////////////38=";
	uint8_t k[KEYS_LEN], zero[KEYS_LEN] = { 0 }, sk[KEYS_LEN], pk[KEYS_LEN];
	char canon[KEYS_B64_LEN], b64[KEYS_B64_LEN];

	ck_assert_int_eq(keys_parse_public(k, vec_pk), 0);
	ck_assert_int_eq(keys_parse_public(k, base), 0);
	memset(k, 0xaa, sizeof(k));
	ck_assert_int_eq(keys_parse_public(k, twin), KEYS_PUBLIC_NOT_CANONICAL);
	ck_assert_mem_eq(k, zero, KEYS_LEN);
	ck_assert_int_eq(keys_parse_public(k, base_plus_p), KEYS_PUBLIC_NOT_CANONICAL);
	ck_assert_int_eq(keys_parse_public(k, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="),
	                 KEYS_PUBLIC_LOW_ORDER);
	ck_assert_int_eq(keys_parse_public(k, "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmp="),
	                 KEYS_PUBLIC_TEXT);
	ck_assert_int_eq(keys_parse_public(k, NULL), KEYS_PUBLIC_TEXT);
	ck_assert_ptr_nonnull(strstr(keys_public_why(KEYS_PUBLIC_NOT_CANONICAL), "bit 255"));

	/* The same key to X25519: one shared secret with either spelling. */
	ck_assert_int_eq(keys_b64_decode_key(pk, twin), 0);
	ck_assert_int_eq(keys_public_canonical(canon, twin), 0);
	ck_assert_str_eq(canon, vec_pk);
	ck_assert_int_eq(keys_public_canonical(canon, base_plus_p), 0);
	ck_assert_str_eq(canon, base);
	ck_assert_int_eq(keys_public_canonical(canon, vec_pk), 0);
	ck_assert_str_eq(canon, vec_pk);
	ck_assert_int_eq(keys_public_canonical(canon, "not a key"), -1);
	ck_assert_int_eq(keys_public_twin(canon, vec_pk), 0);
	ck_assert_str_eq(canon, twin);
	ck_assert_int_eq(keys_public_twin(canon, twin), 0);
	ck_assert_str_eq(canon, vec_pk);
	ck_assert_int_eq(keys_public_twin(canon, "not a key"), -1);

	/* What a key generator makes is always canonical. */
	for (int i = 0; i < 64; i++) {
		keys_generate(sk, pk);
		keys_b64_encode(b64, sizeof(b64), pk, KEYS_LEN);
		ck_assert_int_eq(keys_parse_public(k, b64), 0);
	}
}
END_TEST

START_TEST(twin_is_the_same_key_to_x25519)
{
	uint8_t sk[KEYS_LEN], pk[KEYS_LEN], s1[KEYS_LEN], s2[KEYS_LEN], other[KEYS_LEN];

	keys_generate(sk, other);
	keys_generate(sk, pk);
	ck_assert_int_eq(crypto_scalarmult(s1, sk, other), 0);
	other[KEYS_LEN - 1] |= 0x80;
	ck_assert_int_eq(crypto_scalarmult(s2, sk, other), 0);
	ck_assert_mem_eq(s1, s2, KEYS_LEN);
}
END_TEST

START_TEST(sealed_psk)
{
	uint8_t sk1[KEYS_LEN], pk1[KEYS_LEN], sk2[KEYS_LEN], pk2[KEYS_LEN];
	uint8_t psk[KEYS_LEN], got[KEYS_LEN], box[KEYS_SEALED_LEN], box2[KEYS_SEALED_LEN];
	uint8_t zero[KEYS_LEN] = { 0 };

	keys_generate(sk1, pk1);
	keys_generate(sk2, pk2);
	keys_random(psk, sizeof(psk));
	ck_assert(memcmp(psk, zero, KEYS_LEN) != 0);
	ck_assert_int_eq(keys_seal(box, psk, pk1), 0);
	ck_assert(memmem(box, sizeof(box), psk, sizeof(psk)) == NULL);

	/* The right key pair opens it. */
	ck_assert_int_eq(keys_open(got, box, sizeof(box), pk1, sk1), 0);
	ck_assert_mem_eq(got, psk, KEYS_LEN);

	/* Another key pair does not, nor the right public key with a wrong private key. */
	memset(got, 0xaa, sizeof(got));
	ck_assert_int_eq(keys_open(got, box, sizeof(box), pk2, sk2), -1);
	ck_assert_mem_eq(got, zero, KEYS_LEN);
	ck_assert_int_eq(keys_open(got, box, sizeof(box), pk1, sk2), -1);
	ck_assert_int_eq(keys_open(got, box, sizeof(box), pk2, sk1), -1);

	/* Every flipped bit is noticed. */
	for (size_t i = 0; i < sizeof(box); i++) {
		memcpy(box2, box, sizeof(box));
		box2[i] ^= 1;
		ck_assert_msg(keys_open(got, box2, sizeof(box2), pk1, sk1) == -1,
		              "a flipped bit in byte %zu went unnoticed", i);
		ck_assert_mem_eq(got, zero, KEYS_LEN);
	}
	/* Short and long boxes are refused before libsodium sees them. */
	ck_assert_int_eq(keys_open(got, box, sizeof(box) - 1, pk1, sk1), -1);
	ck_assert_int_eq(keys_open(got, box, 0, pk1, sk1), -1);

	/* Two seals of one secret differ (fresh ephemeral key each time). */
	ck_assert_int_eq(keys_seal(box2, psk, pk1), 0);
	ck_assert(memcmp(box, box2, sizeof(box)) != 0);
	ck_assert_int_eq(keys_open(got, box2, sizeof(box2), pk1, sk1), 0);
	ck_assert_mem_eq(got, psk, KEYS_LEN);
}
END_TEST

/* A box of keys_bulk_box() opens (keys_open() and an opener) with the
 * recipient's key pair only, and not when any bit of it changed. */
static void
bulk_opens_only_for(const uint8_t *box, const uint8_t psk[KEYS_LEN],
                    const uint8_t pk[KEYS_LEN], const uint8_t sk[KEYS_LEN],
                    const uint8_t pk2[KEYS_LEN], const uint8_t sk2[KEYS_LEN])
{
	uint8_t got[KEYS_LEN], box2[KEYS_BOX_LEN], zero[KEYS_LEN] = { 0 };
	struct keys_opener o, o2;

	keys_opener_init(&o, pk, sk);
	keys_opener_init(&o2, pk2, sk2);
	ck_assert_int_eq(keys_open(got, box, KEYS_BOX_LEN, pk, sk), 0);
	ck_assert_mem_eq(got, psk, KEYS_LEN);
	memset(got, 0, sizeof(got));
	ck_assert_int_eq(keys_opener_open(&o, got, box, KEYS_BOX_LEN), 0);
	ck_assert_mem_eq(got, psk, KEYS_LEN);
	memset(got, 0xaa, sizeof(got));
	ck_assert_int_eq(keys_open(got, box, KEYS_BOX_LEN, pk2, sk2), -1);
	ck_assert_mem_eq(got, zero, KEYS_LEN);
	ck_assert_int_eq(keys_opener_open(&o2, got, box, KEYS_BOX_LEN), -1);
	ck_assert_int_eq(keys_open(got, box, KEYS_BOX_LEN, pk, sk2), -1);
	for (size_t i = 0; i < KEYS_BOX_LEN; i++) {
		memcpy(box2, box, KEYS_BOX_LEN);
		box2[i] ^= 1;
		ck_assert_msg(keys_open(got, box2, KEYS_BOX_LEN, pk, sk) == -1,
		              "a flipped bit in byte %zu went unnoticed", i);
		ck_assert_mem_eq(got, zero, KEYS_LEN);
		ck_assert_msg(keys_opener_open(&o, got, box2, KEYS_BOX_LEN) == -1,
		              "the opener missed a flipped bit in byte %zu", i);
	}
	ck_assert_int_eq(keys_open(got, box, KEYS_BOX_LEN - 1, pk, sk), -1);
	ck_assert_int_eq(keys_opener_open(&o, got, box, KEYS_BOX_LEN - 1), -1);
	/* Still opens: a failed box left the opener's kept keys as they were. */
	ck_assert_int_eq(keys_opener_open(&o, got, box, KEYS_BOX_LEN), 0);
	ck_assert_mem_eq(got, psk, KEYS_LEN);
	keys_opener_wipe(&o);
	keys_opener_wipe(&o2);
}

START_TEST(bulk_boxed_psk)
{
	uint8_t sk1[KEYS_LEN], pk1[KEYS_LEN], sk2[KEYS_LEN], pk2[KEYS_LEN], low[KEYS_LEN];
	uint8_t psk[KEYS_LEN], box[KEYS_BOX_LEN], box2[KEYS_BOX_LEN], box3[KEYS_BOX_LEN];
	struct keys_bulk *k = keys_bulk_new(), *k2 = keys_bulk_new();

	ck_assert_ptr_nonnull(k);
	ck_assert_ptr_nonnull(k2);
	keys_generate(sk1, pk1);
	keys_generate(sk2, pk2);
	keys_random(psk, sizeof(psk));
	ck_assert_int_eq(keys_bulk_box(k, box, psk, pk1), 0);
	ck_assert(memmem(box, sizeof(box), psk, sizeof(psk)) == NULL);
	bulk_opens_only_for(box, psk, pk1, sk1, pk2, sk2);
	/* The same job's next box (its shared key kept): the same sender key,
	 * another nonce, and it opens. */
	ck_assert_int_eq(keys_bulk_box(k, box2, psk, pk1), 0);
	ck_assert_mem_eq(box2, box, KEYS_LEN);
	ck_assert(memcmp(box2 + KEYS_LEN, box + KEYS_LEN, 24) != 0);
	bulk_opens_only_for(box2, psk, pk1, sk1, pk2, sk2);
	ck_assert_int_eq(keys_bulk_box(k, box2, psk, pk2), 0);
	bulk_opens_only_for(box2, psk, pk2, sk2, pk1, sk1);
	/* Another job has another sender key. */
	ck_assert_int_eq(keys_bulk_box(k2, box3, psk, pk1), 0);
	ck_assert(memcmp(box3, box, KEYS_LEN) != 0);
	bulk_opens_only_for(box3, psk, pk1, sk1, pk2, sk2);
	/* A point of small order gets no box. */
	memset(low, 0, sizeof(low));
	ck_assert_int_eq(keys_bulk_box(k, box3, psk, low), -1);
	keys_bulk_free(k);
	keys_bulk_free(k2);
	keys_bulk_free(NULL);
}
END_TEST

/* More recipients than the boxer keeps, and more senders than an opener
 * keeps: every box still opens. */
START_TEST(bulk_boxes_past_the_caches)
{
	enum { N = 5000 };
	static uint8_t sk[N][KEYS_LEN], pk[N][KEYS_LEN], box[N][KEYS_BOX_LEN];
	struct keys_bulk *jobs[KEYS_OPENER_SLOTS + 3];
	uint8_t psk[KEYS_LEN], got[KEYS_LEN];
	struct keys_opener o;

	keys_random(psk, sizeof(psk));
	for (size_t i = 0; i < KEYS_OPENER_SLOTS + 3; i++)
		ck_assert_ptr_nonnull(jobs[i] = keys_bulk_new());
	for (size_t i = 0; i < N; i++) {
		keys_generate(sk[i], pk[i]);
		ck_assert_int_eq(keys_bulk_box(jobs[0], box[i], psk, pk[i]), 0);
	}
	/* The first ones again, after the boxer started its cache again. */
	for (size_t i = 0; i < 50; i++)
		ck_assert_int_eq(keys_bulk_box(jobs[0], box[i], psk, pk[i]), 0);
	for (size_t i = 0; i < N; i += 7) {
		ck_assert_int_eq(keys_open(got, box[i], KEYS_BOX_LEN, pk[i], sk[i]), 0);
		ck_assert_mem_eq(got, psk, KEYS_LEN);
	}
	keys_opener_init(&o, pk[0], sk[0]);
	for (size_t round = 0; round < 3; round++)
		for (size_t j = 0; j < KEYS_OPENER_SLOTS + 3; j++) {
			ck_assert_int_eq(keys_bulk_box(jobs[j], box[0], psk, pk[0]), 0);
			memset(got, 0, sizeof(got));
			ck_assert_int_eq(keys_opener_open(&o, got, box[0], KEYS_BOX_LEN), 0);
			ck_assert_mem_eq(got, psk, KEYS_LEN);
		}
	keys_opener_wipe(&o);
	for (size_t i = 0; i < KEYS_OPENER_SLOTS + 3; i++)
		keys_bulk_free(jobs[i]);
}
END_TEST

START_TEST(hashes_and_randoms)
{
	uint8_t h1[KEYS_LEN], h2[KEYS_LEN];
	char hex[33], hex2[33], sec[KEYS_TOKEN_LEN], sec2[KEYS_TOKEN_LEN];

	keys_hash(h1, "secret", 6);
	keys_hash(h2, "secret", 6);
	ck_assert_int_eq(keys_hash_equal(h1, h2), 0);
	keys_hash(h2, "secreT", 6);
	ck_assert_int_eq(keys_hash_equal(h1, h2), -1);
	keys_hash(h2, "secret", 5);
	ck_assert_int_eq(keys_hash_equal(h1, h2), -1);

	keys_random_hex(hex, 16);
	keys_random_hex(hex2, 16);
	ck_assert_uint_eq(strlen(hex), 32);
	ck_assert_uint_eq(strspn(hex, "0123456789abcdef"), 32);
	ck_assert_str_ne(hex, hex2);

	keys_random_secret(sec);
	keys_random_secret(sec2);
	ck_assert_uint_eq(strlen(sec), KEYS_TOKEN_LEN - 1);
	ck_assert_uint_eq(strspn(sec, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                         "0123456789-_"), KEYS_TOKEN_LEN - 1);
	ck_assert_str_ne(sec, sec2);

	keys_wipe(sec, sizeof(sec));
	for (size_t i = 0; i < sizeof(sec); i++)
		ck_assert_int_eq(sec[i], 0);
}
END_TEST

static Suite *
keys_suite(void)
{
	Suite *s = suite_create("keys");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, decode_key);
	tcase_add_test(tc, decode_key_refuses);
	tcase_add_test(tc, decode_key_bytes_outside_alphabet);
	tcase_add_test(tc, decode_key_canonical_only);
	tcase_add_test(tc, public_key_vector);
	tcase_add_test(tc, generate_like_wg_genkey);
	tcase_add_test(tc, low_order_points);
	tcase_add_test(tc, public_key_one_spelling);
	tcase_add_test(tc, twin_is_the_same_key_to_x25519);
	tcase_add_test(tc, sealed_psk);
	tcase_add_test(tc, bulk_boxed_psk);
	tcase_add_test(tc, bulk_boxes_past_the_caches);
	tcase_add_test(tc, hashes_and_randoms);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(keys_suite)
