/* SPDX-License-Identifier: MIT */
/* statement: the one canonical text of a signed peer statement and of a
 * revocation; every other spelling refused; signatures; the signer's diff. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_harness.h"
#include "statement.h"
#include "unit.h"

/* RFC 7748 section 6.1 public keys (Alice, Bob). */
static const char KEY_A[] = "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=";
static const char KEY_B[] = "3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08=";
static const char MESH[] = "0123456789abcdef0123456789abcdef";

/* The exact bytes docs/trust.md shows: if this changes, every signature
 * ever made stops verifying. */
static const char GOOD[] =
	"wgconfsrv-statement-v2\n"
	"mesh 0123456789abcdef0123456789abcdef\n"
	"peer 00000000000000a1\n"
	"version 7\n"
	"key hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=\n"
	"address 10.77.0.2/24\n"
	"address fd00:77::2/64\n"
	"network 10.9.0.0/16\n"
	"network 192.168.5.0/24\n"
	"mtu 1420\n"
	"dns 10.77.0.1\n"
	"dns fd00:77::1\n"
	"pair 00000000000000b2\n"
	"pair 00000000000000c3\n"
	"end\n";

static void
setup(void)
{
	ck_assert_int_eq(keys_init(), 0);
}

/* The statement GOOD describes, built the way the server builds it: lists
 * in database order, not sorted. */
static void
build_good(struct statement *s)
{
	statement_init(s);
	memcpy(s->mesh, MESH, sizeof(MESH));
	strcpy(s->peer, "00000000000000a1");
	s->version = 7;
	strcpy(s->key, KEY_A);
	ck_assert_int_eq(statement_add_address(s, "fd00:77:0::2/64"), 0);   /* v6 first, long form */
	ck_assert_int_eq(statement_add_address(s, "10.77.0.2/24"), 0);
	ck_assert_int_eq(statement_add_network(s, "192.168.5.0/24"), 0);
	ck_assert_int_eq(statement_add_network(s, "10.9.0.0/16"), 0);
	s->mtu = 1420;
	ck_assert_int_eq(statement_add_dns(s, "10.77.0.1"), 0);
	ck_assert_int_eq(statement_add_dns(s, "fd00:77::1"), 0);
	ck_assert_int_eq(statement_add_pair(s, "00000000000000c3"), 0);
	ck_assert_int_eq(statement_add_pair(s, "00000000000000b2"), 0);
	ck_assert_int_eq(statement_canonicalize(s), 0);
}

START_TEST(build_gives_the_documented_bytes)
{
	struct statement s;
	char out[2048];
	long n;

	build_good(&s);
	ck_assert_uint_le(sizeof(GOOD), statement_text_size(&s));
	n = statement_format(&s, out, sizeof(out));
	ck_assert_int_eq(n, (long)strlen(GOOD));
	ck_assert_str_eq(out, GOOD);
	/* A buffer one byte short is refused, not cut. */
	ck_assert_int_eq(statement_format(&s, out, strlen(GOOD)), -1);
	statement_free(&s);
	statement_free(&s);             /* twice is harmless */
	statement_free(NULL);
}
END_TEST

START_TEST(round_trip)
{
	struct statement s, t;
	const char *why = "unset";
	size_t n;
	char *text;

	ck_assert_msg(statement_parse(&s, GOOD, strlen(GOOD), &why) == 0, "%s", why);
	ck_assert_str_eq(s.mesh, MESH);
	ck_assert_str_eq(s.peer, "00000000000000a1");
	ck_assert_uint_eq(s.version, 7);
	ck_assert_str_eq(s.key, KEY_A);
	ck_assert_uint_eq(s.naddresses, 2);
	ck_assert_uint_eq(s.nnetworks, 2);
	ck_assert_int_eq(s.mtu, 1420);
	ck_assert_uint_eq(s.ndns, 2);
	ck_assert_uint_eq(s.npairs, 2);
	ck_assert_str_eq(s.pairs[1], "00000000000000c3");
	text = statement_text(&s, &n);
	ck_assert_ptr_nonnull(text);
	ck_assert_uint_eq(n, strlen(GOOD));
	ck_assert_str_eq(text, GOOD);
	ck_assert_int_eq(statement_parse(&t, text, n, NULL), 0);
	free(text);
	statement_free(&t);
	statement_free(&s);

	/* The smallest statement: no address, network, mtu, dns or pair. */
	static const char MIN[] =
		"wgconfsrv-statement-v2\nmesh 0123456789abcdef0123456789abcdef\n"
		"peer p\nversion 9007199254740992\n"
		"key 3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08=\nend\n";
	ck_assert_msg(statement_parse(&s, MIN, strlen(MIN), &why) == 0, "%s", why);
	ck_assert_uint_eq(s.version, STATEMENT_VERSION_MAX);
	text = statement_text(&s, NULL);
	ck_assert_str_eq(text, MIN);
	free(text);
	statement_free(&s);
}
END_TEST

/* GOOD with the first occurrence of from replaced by to. */
static char *
mutate(const char *from, const char *to)
{
	const char *at = strstr(GOOD, from);
	char *out;

	ck_assert_msg(at != NULL, "\"%s\" is not in the statement", from);
	out = malloc(sizeof(GOOD) + strlen(to));
	memcpy(out, GOOD, (size_t)(at - GOOD));
	strcpy(out + (at - GOOD), to);
	strcat(out, at + strlen(from));
	return out;
}

START_TEST(every_other_form_is_refused)
{
	static const struct { const char *from, *to, *what; } bad[] = {
		/* order */
		{ "mesh 0123456789abcdef0123456789abcdef\npeer 00000000000000a1\n",
		  "peer 00000000000000a1\nmesh 0123456789abcdef0123456789abcdef\n", "peer before mesh" },
		{ "version 7\nkey hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=\n",
		  "key hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=\nversion 7\n", "key before version" },
		{ "address 10.77.0.2/24\naddress fd00:77::2/64\n",
		  "address fd00:77::2/64\naddress 10.77.0.2/24\n", "IPv6 address first" },
		{ "network 10.9.0.0/16\nnetwork 192.168.5.0/24\n",
		  "network 192.168.5.0/24\nnetwork 10.9.0.0/16\n", "networks unsorted" },
		{ "network 10.9.0.0/16\nnetwork 192.168.5.0/24\n",
		  "network 10.9.0.0/16\nnetwork 10.9.0.0/16\nnetwork 192.168.5.0/24\n", "network twice" },
		{ "pair 00000000000000b2\npair 00000000000000c3\n",
		  "pair 00000000000000c3\npair 00000000000000b2\n", "pairs unsorted" },
		{ "pair 00000000000000b2\n", "pair 00000000000000b2\npair 00000000000000b2\n",
		  "pair twice" },
		{ "pair 00000000000000b2\n", "pair 00000000000000a1\n", "paired with itself" },
		{ "mtu 1420\n", "mtu 1420\nmtu 1420\n", "mtu twice" },
		{ "mtu 1420\ndns 10.77.0.1\n", "dns 10.77.0.1\nmtu 1420\n", "mtu after dns" },
		{ "pair 00000000000000b2\n", "pair 00000000000000b2\nnetwork 10.10.0.0/16\n",
		  "network after pair" },
		{ "peer 00000000000000a1\n", "peer 00000000000000a1\npeer 00000000000000a1\n", "peer twice" },
		{ "mesh 0123456789abcdef0123456789abcdef\n", "", "no mesh" },
		{ "version 7\n", "", "no version" },
		{ "key hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=\n", "", "no key" },
		{ "end\n", "", "no end" },
		{ "end\n", "end\nend\n", "bytes after end" },
		{ "end\n", "end", "no final newline" },
		{ "end\n", "end \n", "end with a space" },
		/* spaces and line ends */
		{ "mesh 0123", "mesh  0123", "two spaces" },
		{ "version 7\n", "version 7 \n", "trailing space" },
		{ "version 7\n", " version 7\n", "leading space" },
		{ "version 7\n", "version\t7\n", "a tab" },
		{ "version 7\n", "version 7\r\n", "CRLF on one line" },
		{ "wgconfsrv-statement-v2\n", "wgconfsrv-statement-v2\r\n", "CRLF on the first line" },
		{ "version 7\n", "version 7\n\n", "an empty line" },
		{ "version 7\n", "version 7@\n", "a NUL" },         /* '@' becomes NUL */
		/* unknown lines and words */
		{ "mtu 1420\n", "mtu 1420\nfoo bar\n", "unknown line" },
		{ "mtu 1420\n", "MTU 1420\n", "upper-case word" },
		{ "wgconfsrv-statement-v2\n", "wgconfsrv-statement-v1\n", "other version of the format" },
		{ "wgconfsrv-statement-v2\n", "wgconfsrv-revocation-v1\n", "a revocation header" },
		{ "peer 00000000000000a1\n", "peer 0000/000000000a1\n", "unsafe peer id" },
		/* numbers */
		{ "version 7\n", "version 0\n", "version 0" },
		{ "version 7\n", "version 07\n", "leading zero" },
		{ "version 7\n", "version +7\n", "plus sign" },
		{ "version 7\n", "version -7\n", "negative" },
		{ "version 7\n", "version 9007199254740993\n", "above 2^53" },
		{ "version 7\n", "version 99999999999999999999\n", "overflow" },
		{ "mtu 1420\n", "mtu 1279\n", "mtu too small" },
		{ "mtu 1420\n", "mtu 01420\n", "mtu leading zero" },
		/* keys, ids */
		{ "mesh 0123456789abcdef0123456789abcdef\n", "mesh 0123456789ABCDEF0123456789abcdef\n",
		  "upper-case mesh" },
		{ "mesh 0123456789abcdef0123456789abcdef\n", "mesh 0123456789abcdef0123456789abcde\n",
		  "short mesh" },
		{ "Tmo=\n", "Tmo\n", "key without padding" },
		{ "Tmo=\n", "Tmp=\n", "key with non-zero trailing bits" },
		{ "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=",
		  "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "a key of low order" },
		{ "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=",
		  "hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo=", "URL-safe key" },
		/* addresses */
		{ "address 10.77.0.2/24\n", "address 10.77.0.2\n", "address without prefix" },
		{ "address 10.77.0.2/24\n", "address 10.77.0.02/24\n", "address not canonical" },
		{ "address 10.77.0.2/24\n", "address 10.77.0.2/024\n", "prefix with a leading zero" },
		{ "address fd00:77::2/64\n", "address fd00:77:0::2/64\n", "IPv6 not canonical" },
		{ "address fd00:77::2/64\n", "address FD00:77::2/64\n", "IPv6 upper case" },
		{ "address fd00:77::2/64\n", "address 10.77.0.3/24\n", "two IPv4 addresses" },
		{ "network 10.9.0.0/16\n", "network 10.9.0.1/16\n", "network host bits" },
		{ "network 10.9.0.0/16\n", "network 10.9.0.0\n", "network without prefix" },
		{ "dns 10.77.0.1\n", "dns 10.77.0.1/32\n", "dns with a prefix" },
		{ "dns fd00:77::1\n", "dns 10.77.0.1\n", "dns twice" },
	};
	char *text;
	struct statement s;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *why = NULL;
		size_t len;
		text = mutate(bad[i].from, bad[i].to);
		/* The NUL case: the length counts past it. */
		len = strlen(text);
		if (strcmp(bad[i].what, "a NUL") == 0) {
			*strchr(text, '@') = '\0';
			len = sizeof(GOOD);
		}
		ck_assert_msg(statement_parse(&s, text, len, &why) == -1,
		              "accepted: %s", bad[i].what);
		ck_assert_msg(why != NULL && why[0] != '\0', "no reason for: %s", bad[i].what);
		if (getenv("STATEMENT_WHY"))
			fprintf(stderr, "%-32s %s\n", bad[i].what, why);
		ck_assert_ptr_null(s.pairs);
		ck_assert_ptr_null(s.networks);
		free(text);
	}
	{
		const char *why = NULL;
		ck_assert_int_eq(statement_parse(&s, GOOD, 0, &why), -1);
		ck_assert_int_eq(statement_parse(&s, GOOD, strlen(GOOD) - 1, &why), -1);
		ck_assert_str_eq(why, "line 15: the last line does not end in a newline");
	}
}
END_TEST

START_TEST(builders_refuse_bad_values)
{
	struct statement s;

	build_good(&s);
	ck_assert_int_eq(statement_add_address(&s, "10.77.0.9/24"), -1);      /* a third */
	ck_assert_int_eq(statement_add_network(&s, "10.9.0.1/16"), -1);
	ck_assert_int_eq(statement_add_network(&s, "banana"), -1);
	ck_assert_int_eq(statement_add_dns(&s, "10.0.0.0/8"), -1);
	ck_assert_int_eq(statement_add_pair(&s, "a b"), -1);
	ck_assert_int_eq(statement_add_pair(&s, ""), -1);
	ck_assert_uint_eq(s.nnetworks, 2);
	ck_assert_uint_eq(s.npairs, 2);
	/* A duplicate is refused by canonicalize, and format refuses the result. */
	ck_assert_int_eq(statement_add_pair(&s, "00000000000000b2"), 0);
	ck_assert_int_eq(statement_canonicalize(&s), -1);
	{
		char out[4096];
		ck_assert_int_eq(statement_format(&s, out, sizeof(out)), -1);
		ck_assert_ptr_null(statement_text(&s, NULL));
	}
	statement_free(&s);

	build_good(&s);
	s.version = 0;
	ck_assert_int_eq(statement_canonicalize(&s), -1);
	s.version = STATEMENT_VERSION_MAX + 1;
	ck_assert_int_eq(statement_canonicalize(&s), -1);
	s.version = 1;
	strcpy(s.key, "not a key");
	ck_assert_int_eq(statement_canonicalize(&s), -1);
	statement_free(&s);
}
END_TEST

START_TEST(many_pairs)
{
	struct statement s, t;
	char id[32];
	char *text;
	size_t n;

	build_good(&s);
	for (int i = 0; i < 10000; i++) {
		snprintf(id, sizeof(id), "%016x", 0x10000 + i * 7919 % 10000);
		ck_assert_int_eq(statement_add_pair(&s, id), 0);
	}
	ck_assert_int_eq(statement_canonicalize(&s), 0);
	text = statement_text(&s, &n);
	ck_assert_ptr_nonnull(text);
	ck_assert_uint_lt(n, 10002 * 22 + 400);         /* 22 bytes a pair */
	ck_assert_int_eq(statement_parse(&t, text, n, NULL), 0);
	ck_assert_uint_eq(t.npairs, 10002);
	free(text);
	statement_free(&s);
	statement_free(&t);
}
END_TEST

START_TEST(verify_right_and_wrong_key)
{
	uint8_t pk[KEYS_LEN], sk[KEYS_SIGN_SK_LEN], pk2[KEYS_LEN], sk2[KEYS_SIGN_SK_LEN];
	char sig[KEYS_SIG_B64_LEN], pkb64[KEYS_B64_LEN], pk2b64[KEYS_B64_LEN];
	char text[sizeof(GOOD)];
	struct statement s;
	const char *why;
	size_t len = strlen(GOOD);

	keys_sign_keypair(pk, sk);
	keys_sign_keypair(pk2, sk2);
	keys_b64_encode(pkb64, sizeof(pkb64), pk, KEYS_LEN);
	keys_b64_encode(pk2b64, sizeof(pk2b64), pk2, KEYS_LEN);
	statement_sign(sig, GOOD, len, sk);
	ck_assert_uint_eq(strlen(sig), KEYS_SIG_B64_LEN - 1);
	ck_assert_int_eq(verify_b64(GOOD, len, sig, pkb64), 0);
	ck_assert_int_eq(verify_b64(GOOD, len, sig, pk2b64), -1);
	ck_assert_int_eq(verify_b64(GOOD, len, "AAAA", pkb64), -1);
	ck_assert_int_eq(verify_b64(GOOD, len, sig, "nope"), -1);
	ck_assert_int_eq(verify_b64(GOOD, len, NULL, pkb64), -1);

	ck_assert_int_eq(statement_open(&s, GOOD, len, sig, pk, &why), 0);
	ck_assert_uint_eq(s.npairs, 2);
	statement_free(&s);
	ck_assert_int_eq(statement_open(&s, GOOD, len, sig, pk2, &why), -1);
	ck_assert_str_eq(why, "bad signature");

	/* One flipped bit anywhere in the text, or in the signature, fails. */
	for (size_t i = 0; i < len; i++) {
		memcpy(text, GOOD, sizeof(GOOD));
		text[i] ^= 0x01;
		ck_assert_msg(verify_b64(text, len, sig, pkb64) == -1,
		              "a flipped bit at byte %zu still verifies", i);
		ck_assert_int_eq(statement_open(&s, text, len, sig, pk, NULL), -1);
	}
	for (size_t i = 0; i < KEYS_SIG_B64_LEN - 3; i++) {
		char bad[KEYS_SIG_B64_LEN];
		memcpy(bad, sig, sizeof(bad));
		bad[i] = bad[i] == 'A' ? 'B' : 'A';
		ck_assert_msg(verify_b64(GOOD, len, bad, pkb64) == -1,
		              "a changed signature character %zu still verifies", i);
	}
	/* A signature is over the whole text: not over a prefix of it. */
	ck_assert_int_eq(verify_b64(GOOD, len - 1, sig, pkb64), -1);

	/* Signed but not canonical: the signature alone is not enough. */
	{
		char *t = mutate("version 7\n", "version 07\n");
		statement_sign(sig, t, strlen(t), sk);
		ck_assert_int_eq(statement_open(&s, t, strlen(t), sig, pk, &why), -1);
		ck_assert_ptr_nonnull(strstr(why, "version"));
		free(t);
	}
}
END_TEST

static const char *
names(const char *id, void *ctx)
{
	(void)ctx;
	return strcmp(id, "00000000000000d4") == 0 ? "web1" : NULL;
}

START_TEST(diff_lines)
{
	struct statement a, b;
	char *d;

	build_good(&a);
	build_good(&b);
	b.version = 8;
	d = statement_diff(&a, &b, names, NULL);
	ck_assert_str_eq(d, "");                /* only the version changed */
	free(d);

	strcpy(b.key, KEY_B);
	statement_free(&b);
	build_good(&b);
	strcpy(b.key, KEY_B);
	b.addresses[0].addr[3] = 3;             /* 10.77.0.3/24 */
	b.mtu = 0;
	statement_free(&a);
	statement_init(&a);
	build_good(&a);
	/* b: networks 10.9.0.0/16 -> 10.0.0.0/8, pair c3 -> d4, dns order swapped */
	b.networks[0].addr[1] = 0;
	b.networks[0].prefix = 8;
	strcpy(b.pairs[1], "00000000000000d4");
	{
		struct cidr t = b.dns[0];
		b.dns[0] = b.dns[1];
		b.dns[1] = t;
	}
	ck_assert_int_eq(statement_canonicalize(&b), 0);
	d = statement_diff(&a, &b, names, NULL);
	ck_assert_str_eq(d,
		"- key hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=\n"
		"+ key 3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08=\n"
		"- address 10.77.0.2/24\n"
		"+ address 10.77.0.3/24\n"
		"- network 10.9.0.0/16\n"
		"+ network 10.0.0.0/8\n"
		"- mtu 1420\n"
		"~ dns order fd00:77::1 10.77.0.1\n"
		"- pair 00000000000000c3\n"
		"+ pair 00000000000000d4 (web1)\n");
	free(d);

	/* Nothing signed yet: everything is new. */
	d = statement_diff(NULL, &a, NULL, NULL);
	ck_assert_str_eq(d,
		"+ mesh 0123456789abcdef0123456789abcdef\n"
		"+ peer 00000000000000a1\n"
		"+ key hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=\n"
		"+ address 10.77.0.2/24\n"
		"+ address fd00:77::2/64\n"
		"+ network 10.9.0.0/16\n"
		"+ network 192.168.5.0/24\n"
		"+ mtu 1420\n"
		"+ dns 10.77.0.1\n"
		"+ dns fd00:77::1\n"
		"+ pair 00000000000000b2\n"
		"+ pair 00000000000000c3\n");
	free(d);
	statement_free(&a);
	statement_free(&b);
}
END_TEST

START_TEST(revocation)
{
	static const char WANT[] =
		"wgconfsrv-revocation-v1\n"
		"mesh 0123456789abcdef0123456789abcdef\n"
		"key hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=\n"
		"end\n";
	static const char *const bad[] = {
		"wgconfsrv-revocation-v1\nmesh 0123456789abcdef0123456789abcdef\n"
		"key hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=\nend",
		"wgconfsrv-revocation-v1\r\nmesh 0123456789abcdef0123456789abcdef\n"
		"key hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=\nend\n",
		"wgconfsrv-revocation-v1\nkey hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=\n"
		"mesh 0123456789abcdef0123456789abcdef\nend\n",
		"wgconfsrv-revocation-v1\nmesh 0123456789abcdef0123456789abcdef\n"
		"key  hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=\nend\n",
		"wgconfsrv-revocation-v1\nmesh 0123456789abcdef0123456789abcdef\n"
		"key hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmp=\nend\n",
		"wgconfsrv-revocation-v1\nmesh 0123456789abcdef0123456789abcdef\n"
		"key hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=\nend\nend\n",
		"wgconfsrv-revocation-v1\nmesh 0123456789abcdef0123456789abcdef\n"
		"key hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=\nfoo bar\nend\n",
		"wgconfsrv-statement-v2\nmesh 0123456789abcdef0123456789abcdef\n"
		"key hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=\nend\n",
	};
	struct statement_revocation r = { .mesh = "", .key = "" }, back;
	struct statement s;
	char out[STATEMENT_REVOKE_MAX];
	const char *why;
	int n;

	memcpy(r.mesh, MESH, sizeof(MESH));
	memcpy(r.key, KEY_A, sizeof(KEY_A));
	n = statement_revocation_format(&r, out, sizeof(out));
	ck_assert_int_eq(n, (int)strlen(WANT));
	ck_assert_str_eq(out, WANT);
	ck_assert_int_eq(statement_revocation_parse(&back, WANT, strlen(WANT), &why), 0);
	ck_assert_str_eq(back.key, KEY_A);
	ck_assert_str_eq(back.mesh, MESH);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(statement_revocation_parse(&back, bad[i], strlen(bad[i]), &why) == -1,
		              "revocation %zu accepted", i);
	/* A revocation is never a statement and the other way round: a
	 * signature on one cannot be passed off as the other. */
	ck_assert_int_eq(statement_parse(&s, WANT, strlen(WANT), &why), -1);
	ck_assert_int_eq(statement_revocation_parse(&back, GOOD, strlen(GOOD), &why), -1);
	strcpy(r.key, "short");
	ck_assert_int_eq(statement_revocation_format(&r, out, sizeof(out)), -1);
}
END_TEST

static Suite *
statement_suite(void)
{
	Suite *s = suite_create("statement");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, build_gives_the_documented_bytes);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, every_other_form_is_refused);
	tcase_add_test(tc, builders_refuse_bad_values);
	tcase_add_test(tc, many_pairs);
	tcase_add_test(tc, verify_right_and_wrong_key);
	tcase_add_test(tc, diff_lines);
	tcase_add_test(tc, revocation);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(statement_suite)
