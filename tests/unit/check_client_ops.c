/* SPDX-License-Identifier: MIT */
/* client links and wgquick: `wg show dump` and wg-quick files read strictly,
 * the link report and the import body built from them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "links.h"
#include "unit.h"
#include "wgquick.h"

/* Bad inputs come from tables of printf formats. */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

/* Three hosts' keys, made fresh per run. */
static char sk[3][KEYS_B64_LEN], pk[3][KEYS_B64_LEN];

static void
setup(void)
{
	uint8_t s[KEYS_LEN], p[KEYS_LEN];

	ck_assert_int_eq(keys_init(), 0);
	for (int i = 0; i < 3; i++) {
		keys_generate(s, p);
		keys_b64_encode(sk[i], sizeof(sk[i]), s, KEYS_LEN);
		keys_b64_encode(pk[i], sizeof(pk[i]), p, KEYS_LEN);
	}
}

START_TEST(dump_parsed)
{
	char text[2048], err[128];
	struct wg_link *v = NULL;
	size_t n = 0;

	snprintf(text, sizeof(text),
	         "%s\t%s\t51820\toff\n"
	         "%s\t(none)\t198.51.100.2:51820\t10.77.0.2/32\t1764500000\t1024\t2048\toff\n"
	         "%s\tpsk\t(none)\t10.77.0.3/32,192.168.5.0/24\t0\t0\t0\t25\n",
	         sk[0], pk[0], pk[1], pk[2]);
	ck_assert_int_eq(links_parse_dump(text, &v, &n, err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(v[0].public_key, pk[1]);
	ck_assert_uint_eq(v[0].latest_handshake, 1764500000);
	ck_assert_uint_eq(v[0].rx, 1024);
	ck_assert_uint_eq(v[0].tx, 2048);
	ck_assert_uint_eq(v[1].latest_handshake, 0);
	/* The interface line (the private key) is nowhere in what is kept. */
	ck_assert_ptr_null(memmem(v, n * sizeof(*v), sk[0], strlen(sk[0])));
	free(v);

	/* An interface with no peers. */
	snprintf(text, sizeof(text), "%s\t%s\t51820\toff\n", sk[0], pk[0]);
	ck_assert_int_eq(links_parse_dump(text, &v, &n, err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 0);
	free(v);
}
END_TEST

START_TEST(dump_refused)
{
	char text[2048], err[128];
	struct wg_link *v = NULL;
	size_t n = 9;
	const char *bad[] = {
		"",
		"not an interface line\n",
		"%s\t%s\t51820\toff\n%s\t(none)\t(none)\t(none)\t12x\t0\t0\toff\n",
		"%s\t%s\t51820\toff\n%s\t(none)\t(none)\t(none)\t1\t-1\t0\toff\n",
		"%s\t%s\t51820\toff\n%s\t(none)\t(none)\t(none)\t1\t0\n",
		"%s\t%s\t51820\toff\nnotakey\t(none)\t(none)\t(none)\t1\t0\t0\toff%s\n",
		NULL };

	for (size_t i = 0; bad[i] != NULL; i++) {
		snprintf(text, sizeof(text), bad[i], sk[0], pk[0], pk[1]);
		ck_assert_msg(links_parse_dump(text, &v, &n, err, sizeof(err)) == -1, "took %s", text);
		ck_assert_ptr_null(v);
		ck_assert_uint_eq(n, 0);
		ck_assert_uint_gt(strlen(err), 0);
	}
}
END_TEST

START_TEST(report_body_maps_keys_to_ids)
{
	struct wg_link v[2] = { 0 };
	struct json_object *cfg, *body, *arr, *l;
	char js[1024];

	snprintf(v[0].public_key, sizeof(v[0].public_key), "%s", pk[1]);
	v[0].latest_handshake = 1764500000;
	v[0].rx = 5;
	v[0].tx = 6;
	/* A peer the interface still has but the config no longer lists. */
	snprintf(v[1].public_key, sizeof(v[1].public_key), "%s", pk[2]);
	snprintf(js, sizeof(js), "{\"peers\":[{\"id\":\"00000000000000b1\",\"public_key\":\"%s\"}]}",
	         pk[1]);
	ck_assert_ptr_nonnull(cfg = json_tokener_parse(js));
	ck_assert_ptr_nonnull(body = links_report_body(v, 2, cfg));
	ck_assert(json_object_object_get_ex(body, "links", &arr));
	ck_assert_uint_eq(json_object_array_length(arr), 1);
	l = json_object_array_get_idx(arr, 0);
	ck_assert_str_eq(json_object_to_json_string_ext(l, JSON_C_TO_STRING_PLAIN),
	                 "{\"peer\":\"00000000000000b1\",\"latest_handshake\":1764500000,"
	                 "\"rx\":5,\"tx\":6}");
	json_object_put(body);
	json_object_put(cfg);
}
END_TEST

/* Host i's wg-quick file in a three-host mesh 10.99.0.0/24: 0-1, 0-2, 1-2;
 * host 2 routes 192.168.70.0/24, host 1 is behind NAT (no endpoint). */
static void
mesh_file(int i, char *out, size_t outsz)
{
	size_t len = (size_t)snprintf(out, outsz,
	    "# hand-made\n[Interface]\nPrivateKey = %s\nAddress = 10.99.0.%d/24\n"
	    "%sDNS = 10.99.0.1\nPostUp = echo up\n", sk[i], i + 1,
	    i == 1 ? "" : (i == 0 ? "ListenPort = 51820\n" : "ListenPort = 51822\n"));
	for (int j = 0; j < 3; j++) {
		if (j == i)
			continue;
		len += (size_t)snprintf(out + len, outsz - len,
		    "\n[Peer]\n# host %d\nPublicKey = %s\nPresharedKey = %s\nAllowedIPs = 10.99.0.%d/32%s\n"
		    "%s%s%s", j, pk[j], sk[2], j + 1, j == 2 ? ", 192.168.70.0/24" : "",
		    j == 1 ? "" : "Endpoint = ", j == 0 ? "198.51.100.1:51820\n" :
		    j == 2 ? "198.51.100.3:51822\n" : "", j == 1 ? "PersistentKeepalive = 25\n" : "");
	}
}

START_TEST(wgquick_three_hosts)
{
	struct wgq_file f[3];
	const char *names[3] = { "h0", "h1", "h2" };
	char text[3][4096], err[256], **notes = NULL, *js;
	size_t nnotes = 0;
	struct json_object *body, *peers, *pairs, *p;

	for (int i = 0; i < 3; i++) {
		mesh_file(i, text[i], sizeof(text[i]));
		ck_assert_msg(wgquick_parse(text[i], strlen(text[i]), &f[i], err, sizeof(err)) == 0,
		              "%s", err);
		ck_assert_str_eq(f[i].public_key, pk[i]);
	}
	ck_assert_int_eq(f[0].listen_port, 51820);
	ck_assert_uint_eq(f[0].npeers, 2);
	ck_assert(f[0].peers[0].has_psk);
	body = wgquick_import(f, names, 3, &notes, &nnotes, err, sizeof(err));
	ck_assert_ptr_nonnull(body);
	js = strdup(json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN));
	/* No private key and no preshared key in what is sent. */
	for (int i = 0; i < 3; i++)
		ck_assert_ptr_null(strstr(js, sk[i]));
	ck_assert(json_object_object_get_ex(body, "peers", &peers));
	ck_assert(json_object_object_get_ex(body, "pairs", &pairs));
	ck_assert_uint_eq(json_object_array_length(peers), 3);
	ck_assert_uint_eq(json_object_array_length(pairs), 3);
	p = json_object_array_get_idx(peers, 2);
	{
		char want[512];
		snprintf(want, sizeof(want), "{\"name\":\"h2\",\"public_key\":\"%s\",\"addresses\":"
		         "[\"10.99.0.3\"],\"networks\":[\"192.168.70.0/24\"],\"endpoint\":"
		         "\"198.51.100.3:51822\",\"listen_port\":51822}", pk[2]);
		ck_assert_str_eq(json_object_to_json_string_ext(p, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE), want);
		p = json_object_array_get_idx(peers, 1);
		snprintf(want, sizeof(want), "{\"name\":\"h1\",\"public_key\":\"%s\",\"addresses\":"
		         "[\"10.99.0.2\"],\"networks\":[],\"endpoint\":null,\"listen_port\":null}", pk[1]);
		ck_assert_str_eq(json_object_to_json_string_ext(p, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE), want);
	}
	/* What was not taken over is said. */
	{
		int psk = 0, dns = 0, priv = 0, ka = 0;
		for (size_t i = 0; i < nnotes; i++) {
			psk += strstr(notes[i], "PresharedKey") != NULL;
			dns += strstr(notes[i], "DNS") != NULL;
			priv += strstr(notes[i], "private keys") != NULL;
			ka += strstr(notes[i], "PersistentKeepalive") != NULL;
			free(notes[i]);
		}
		free(notes);
		ck_assert_int_eq(psk, 3);
		ck_assert_int_eq(dns, 3);
		ck_assert_int_eq(priv, 1);
		ck_assert_int_ge(ka, 1);
	}
	free(js);
	json_object_put(body);

	/* Same name twice, or a [Peer] without a file: said. */
	names[1] = "h0";
	notes = NULL;
	ck_assert_ptr_null(wgquick_import(f, names, 3, &notes, &nnotes, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "NAME=FILE"));
	for (size_t i = 0; i < nnotes; i++)
		free(notes[i]);
	free(notes);
	names[1] = "h1";
	ck_assert_ptr_nonnull(body = wgquick_import(f, names, 2, &notes, &nnotes, err, sizeof(err)));
	ck_assert(json_object_object_get_ex(body, "pairs", &pairs));
	ck_assert_uint_eq(json_object_array_length(pairs), 1);
	{
		int nofile = 0;
		for (size_t i = 0; i < nnotes; i++) {
			nofile += strstr(notes[i], "has no file of its own") != NULL;
			free(notes[i]);
		}
		free(notes);
		ck_assert_int_eq(nofile, 2);
	}
	json_object_put(body);
	for (int i = 0; i < 3; i++)
		wgquick_free(&f[i]);
}
END_TEST

START_TEST(wgquick_refused)
{
	char text[1024], err[256];
	struct wgq_file f;
	uint8_t k[KEYS_LEN];
	const char *bad[][2] = {
		{ "[Interface]\nAddress = 10.0.0.1/24\n", "no [Interface] PrivateKey" },
		{ "[Interface]\nPrivateKey = %s\n", "no [Interface] Address" },
		{ "[Interface]\nPrivateKey = %s\nAddress = 10.0.0.1/24\nFoo = 1\n", "unknown [Interface]" },
		{ "[Interface]\nPrivateKey = %s\nAddress = 10.0.0.1/24\nListenPort = 70000\n", "ListenPort" },
		{ "[Interface]\nPrivateKey = %s\nAddress = 10.0.0.1/24, 10.0.0.2/24\n", "more than one IPv4" },
		{ "[Interface]\nPrivateKey = %s\nAddress = 10.0.0.1/24\n[Peer]\nAllowedIPs = 10.0.0.2/32\n", "no PublicKey" },
		{ "[Interface]\nPrivateKey = %s\nAddress = 10.0.0.1/24\n[Peer]\nPublicKey = x\n", "PublicKey 'x'" },
		{ "[Interface]\nPrivateKey = %s\nAddress = 10.0.0.1/24\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.0.0.2/24\n", "AllowedIPs entry '10.0.0.2/24'" },
		{ "[Interface]\nPrivateKey = %s\nAddress = 10.0.0.1/24\n[Peer]\nPublicKey = %s\nEndpoint = nowhere\n", "Endpoint 'nowhere'" },
		{ "PrivateKey = %s\n", "outside a section" },
		{ "[Interface]\nPrivateKey = short\nAddress = 10.0.0.1/24\n", "PrivateKey is not" },
		{ "[Interface]\n[Interface]\n", "a second [Interface]" },
		{ NULL, NULL } };

	for (size_t i = 0; bad[i][0] != NULL; i++) {
		snprintf(text, sizeof(text), bad[i][0], sk[0], pk[1]);
		ck_assert_msg(wgquick_parse(text, strlen(text), &f, err, sizeof(err)) == -1, "took %s",
		              text);
		ck_assert_msg(strstr(err, bad[i][1]) != NULL, "%s: said '%s', want '%s'", text, err,
		              bad[i][1]);
		/* A refused file's private key is not in the message. */
		ck_assert_ptr_null(strstr(err, sk[0]));
		wgquick_free(&f);
	}
	/* A partner's key with bit 255 set: the same key to X25519, other text. */
	{
		char twin[KEYS_B64_LEN];
		ck_assert_int_eq(keys_b64_decode_key(k, pk[1]), 0);
		k[KEYS_LEN - 1] |= 0x80;
		keys_b64_encode(twin, sizeof(twin), k, KEYS_LEN);
		snprintf(text, sizeof(text), "[Interface]\nPrivateKey = %s\nAddress = 10.0.0.1/24\n"
		         "[Peer]\nPublicKey = %s\n", sk[0], twin);
		ck_assert_int_eq(wgquick_parse(text, strlen(text), &f, err, sizeof(err)), -1);
		ck_assert_msg(strstr(err, twin) != NULL && strstr(err, "bit 255") != NULL, "%s", err);
		wgquick_free(&f);
	}
	snprintf(text, sizeof(text), "[Interface]\n  privatekey=%s # mine\nAddress=10.0.0.1/24\n",
	         sk[0]);
	ck_assert_int_eq(wgquick_private_key(text, strlen(text), k, err, sizeof(err)), 0);
	{
		char b64[KEYS_B64_LEN];
		keys_b64_encode(b64, sizeof(b64), k, KEYS_LEN);
		ck_assert_str_eq(b64, sk[0]);
	}
	ck_assert_int_eq(wgquick_private_key("[Peer]\n", 7, k, err, sizeof(err)), -1);
}
END_TEST

static Suite *
client_ops_suite(void)
{
	Suite *s = suite_create("client_ops");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, dump_parsed);
	tcase_add_test(tc, dump_refused);
	tcase_add_test(tc, report_body_maps_keys_to_ids);
	tcase_add_test(tc, wgquick_three_hosts);
	tcase_add_test(tc, wgquick_refused);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(client_ops_suite)
