/* SPDX-License-Identifier: MIT */
/* The client's model and renderers, from a JSON fixture: exact wg-quick, wg
 * and VyOS text; server data that would inject directives is refused; a PSK
 * box sealed to another key is an error; routes and the review diff; peers
 * without a valid signature by the trusted key are left out. Linked
 * against client/libwgclient.a. */
#include <stdio.h>
#include <string.h>

#include "unit.h"
#include "model.h"
#include "render.h"

static uint8_t host_sk[KEYS_LEN], host_pk[KEYS_LEN];
static char host_sk_b64[KEYS_B64_LEN];
static char peer_pub[2][KEYS_B64_LEN], psk_b64[2][KEYS_B64_LEN];
static char sealed[2][KEYS_SEALED_B64_LEN];

/* Two peers with real keys and real sealed PSKs for the host. */
static void
setup(void)
{
	uint8_t sk[KEYS_LEN], pk[KEYS_LEN], psk[KEYS_LEN], box[KEYS_SEALED_LEN];

	ck_assert_int_eq(keys_init(), 0);
	keys_generate(host_sk, host_pk);
	keys_b64_encode(host_sk_b64, sizeof(host_sk_b64), host_sk, KEYS_LEN);
	for (int i = 0; i < 2; i++) {
		keys_generate(sk, pk);
		keys_b64_encode(peer_pub[i], sizeof(peer_pub[i]), pk, KEYS_LEN);
		keys_generate(psk, pk);         /* any 32 random bytes */
		keys_b64_encode(psk_b64[i], sizeof(psk_b64[i]), psk, KEYS_LEN);
		ck_assert_int_eq(keys_seal(box, psk, host_pk), 0);
		keys_b64_encode(sealed[i], sizeof(sealed[i]), box, sizeof(box));
	}
}

/* The fixture as GET /peer/config sends it; extra replaces "warnings". */
static struct json_object *
fixture(const char *name0, const char *extra)
{
	char buf[4096];

	snprintf(buf, sizeof(buf),
	    "{\"revision\": 7,"
	    " \"interface\": {\"addresses\": [\"10.77.0.2/24\", \"fd77::2/64\"],"
	    "   \"listen_port\": 51820, \"mtu\": 1420, \"dns\": [\"10.77.0.1\"]},"
	    " \"peers\": ["
	    "  {\"id\": \"p1\", \"name\": \"%s\", \"public_key\": \"%s\","
	    "   \"preshared_key_sealed\": \"%s\", \"endpoint\": \"203.0.113.5:51820\","
	    "   \"allowed_ips\": [\"10.77.0.3/32\", \"192.168.5.0/24\"],"
	    "   \"persistent_keepalive\": null},"
	    "  {\"id\": \"p2\", \"name\": \"web.1\", \"public_key\": \"%s\","
	    "   \"preshared_key_sealed\": \"%s\", \"endpoint\": null,"
	    "   \"allowed_ips\": [\"10.77.0.4/32\", \"fd77::4/128\"],"
	    "   \"persistent_keepalive\": 25}],"
	    " \"warnings\": [%s]}",
	    name0, peer_pub[0], sealed[0], peer_pub[1], sealed[1], extra ? extra : "");
	return json_tokener_parse(buf);
}

static char *
render(struct mesh_config *cfg, enum render_format fmt, size_t *len)
{
	char *text = render_config(cfg, fmt, "wg0", host_sk_b64, false, len);

	ck_assert_ptr_nonnull(text);
	return text;
}

START_TEST(wg_quick_exact)
{
	struct json_object *j = fixture("db1", "\"peers web.1 and you are both behind NAT\"");
	struct mesh_config cfg;
	char err[256], want[4096], *text;
	size_t len;

	ck_assert_int_eq(model_from_json(&cfg, j, err, sizeof(err)), 0);
	ck_assert_int_eq(model_open_psks(&cfg, host_pk, host_sk, err, sizeof(err)), 0);
	text = render(&cfg, RENDER_WG_QUICK, &len);
	snprintf(want, sizeof(want),
	    "# warning: peers web.1 and you are both behind NAT\n"
	    "[Interface]\n"
	    "Address = 10.77.0.2/24, fd77::2/64\n"
	    "ListenPort = 51820\n"
	    "MTU = 1420\n"
	    "DNS = 10.77.0.1\n"
	    "PrivateKey = %s\n"
	    "\n# db1 (id p1)\n[Peer]\n"
	    "PublicKey = %s\n"
	    "PresharedKey = %s\n"
	    "Endpoint = 203.0.113.5:51820\n"
	    "AllowedIPs = 10.77.0.3/32, 192.168.5.0/24\n"
	    "\n# web.1 (id p2), behind NAT\n[Peer]\n"
	    "PublicKey = %s\n"
	    "PresharedKey = %s\n"
	    "AllowedIPs = 10.77.0.4/32, fd77::4/128\n"
	    "PersistentKeepalive = 25\n",
	    host_sk_b64, peer_pub[0], psk_b64[0], peer_pub[1], psk_b64[1]);
	ck_assert_str_eq(text, want);
	ck_assert_uint_eq(len, strlen(want));
	render_free(text, len);

	/* With the mark sync puts on top. */
	text = render_config(&cfg, RENDER_WG_QUICK, "wg0", host_sk_b64, true, &len);
	ck_assert(strncmp(text, WGCONF_HEADER ";", strlen(WGCONF_HEADER) + 1) == 0);
	render_free(text, len);
	model_free(&cfg);
	json_object_put(j);
}
END_TEST

START_TEST(wg_setconf_only)
{
	struct json_object *j = fixture("db1", NULL);
	struct mesh_config cfg;
	char err[256], *text;
	size_t len;

	ck_assert_int_eq(model_from_json(&cfg, j, err, sizeof(err)), 0);
	ck_assert_int_eq(model_open_psks(&cfg, host_pk, host_sk, err, sizeof(err)), 0);
	text = render(&cfg, RENDER_WG, &len);
	ck_assert_ptr_null(strstr(text, "Address"));
	ck_assert_ptr_null(strstr(text, "MTU"));
	ck_assert_ptr_null(strstr(text, "DNS"));
	ck_assert_ptr_nonnull(strstr(text, "ListenPort = 51820\n"));
	ck_assert_ptr_nonnull(strstr(text, "PresharedKey = "));
	render_free(text, len);
	model_free(&cfg);
	json_object_put(j);
}
END_TEST

START_TEST(vyos_commands)
{
	struct json_object *j = fixture("web:1", NULL);  /* not a valid name */
	struct mesh_config cfg;
	char err[256], line[512], *text;
	size_t len;

	ck_assert_int_eq(model_from_json(&cfg, j, err, sizeof(err)), -1);
	json_object_put(j);

	/* Two names that collide once made safe: both stay distinct. */
	j = fixture("web_1", NULL);
	ck_assert_int_eq(model_from_json(&cfg, j, err, sizeof(err)), 0);
	ck_assert_int_eq(model_open_psks(&cfg, host_pk, host_sk, err, sizeof(err)), 0);
	text = render(&cfg, RENDER_VYOS, &len);
	ck_assert_ptr_nonnull(strstr(text, "set interfaces wireguard wg0 address '10.77.0.2/24'\n"));
	ck_assert_ptr_nonnull(strstr(text, "set interfaces wireguard wg0 address 'fd77::2/64'\n"));
	snprintf(line, sizeof(line), "set interfaces wireguard wg0 private-key '%s'\n", host_sk_b64);
	ck_assert_ptr_nonnull(strstr(text, line));
	ck_assert_ptr_nonnull(strstr(text, "set interfaces wireguard wg0 port '51820'\n"));
	snprintf(line, sizeof(line), "set interfaces wireguard wg0 peer web_1 public-key '%s'\n",
	         peer_pub[0]);
	ck_assert_ptr_nonnull(strstr(text, line));
	snprintf(line, sizeof(line), "set interfaces wireguard wg0 peer web_1 preshared-key '%s'\n",
	         psk_b64[0]);
	ck_assert_ptr_nonnull(strstr(text, line));
	ck_assert_ptr_nonnull(strstr(text, "peer web_1 address '203.0.113.5'\n"));
	ck_assert_ptr_nonnull(strstr(text, "peer web_1 port '51820'\n"));
	ck_assert_ptr_nonnull(strstr(text, "peer web_1 allowed-ips '192.168.5.0/24'\n"));
	snprintf(line, sizeof(line), "set interfaces wireguard wg0 peer web_1-p2 public-key '%s'\n",
	         peer_pub[1]);
	ck_assert_ptr_nonnull(strstr(text, line));
	ck_assert_ptr_nonnull(strstr(text, "peer web_1-p2 persistent-keepalive '25'\n"));
	ck_assert_ptr_null(strstr(text, "peer web_1-p2 address"));
	ck_assert_ptr_nonnull(strstr(text, "set protocols static route 192.168.5.0/24 interface wg0\n"));
	/* Tunnel addresses inside the interface subnets need no route. */
	ck_assert_ptr_null(strstr(text, "static route 10.77.0.3/32"));
	ck_assert_ptr_null(strstr(text, "route6 fd77::4/128"));
	/* Every line is a comment or a set command. */
	for (char *p = text; *p; p = strchr(p, '\n') + 1)
		ck_assert(strncmp(p, "set ", 4) == 0 || *p == '#');
	render_free(text, len);
	model_free(&cfg);
	json_object_put(j);
}
END_TEST

/* Two peers named web and a third named web-<id of the second>: three
 * distinct aliases, each with its own public key and AllowedIPs (issue 8).
 * The model is built by hand: the names are what the server may send. */
START_TEST(vyos_aliases_unique)
{
	static char ip0[] = "10.9.0.1/32", ip1[] = "10.9.0.2/32", ip2[] = "10.9.0.3/32";
	static char *ips[3][1] = { { ip0 }, { ip1 }, { ip2 } };
	static const char *names[3][2] = {
		{ "web", "aaaa" }, { "web", "bbbb" }, { "web-bbbb", "cccc" },
	};
	struct mesh_peer peers[3];
	struct mesh_config cfg = { .peers = peers, .n_peers = 3 };
	char keys_b64[3][KEYS_B64_LEN], alias[3][80], line[512], *text;
	size_t len;

	memset(peers, 0, sizeof(peers));
	for (int order = 0; order < 2; order++) {
		for (int i = 0; i < 3; i++) {
			/* The second round puts web-bbbb first. */
			int k = order ? (i + 2) % 3 : i;
			uint8_t sk[KEYS_LEN], pk[KEYS_LEN];

			keys_generate(sk, pk);
			keys_b64_encode(keys_b64[k], KEYS_B64_LEN, pk, KEYS_LEN);
			peers[i].name = (char *)names[k][0];
			peers[i].id = (char *)names[k][1];
			peers[i].public_key = keys_b64[k];
			peers[i].allowed_ips = ips[k];
			peers[i].n_allowed_ips = 1;
			snprintf(peers[i].psk, sizeof(peers[i].psk), "%s", psk_b64[0]);
		}
		text = render(&cfg, RENDER_VYOS, &len);
		for (int k = 0; k < 3; k++) {
			/* The alias that carries peer k's key... */
			char *p, *q;

			snprintf(line, sizeof(line), " public-key '%s'\n", keys_b64[k]);
			p = strstr(text, line);
			ck_assert_ptr_nonnull(p);
			for (q = p; q > text && q[-1] != '\n'; q--)
				;
			ck_assert_int_eq(sscanf(q, "set interfaces wireguard wg0 peer %79s", alias[k]), 1);
			/* ...has that key once, and routes only peer k's address. */
			snprintf(line, sizeof(line), "peer %s public-key", alias[k]);
			ck_assert_ptr_eq(strstr(text, line), q + strlen("set interfaces wireguard wg0 "));
			ck_assert_ptr_null(strstr(strstr(text, line) + 1, line));
			for (int m = 0; m < 3; m++) {
				snprintf(line, sizeof(line), "peer %s allowed-ips '%s'\n", alias[k],
				         ips[m][0]);
				if (m == k)
					ck_assert_ptr_nonnull(strstr(text, line));
				else
					ck_assert_ptr_null(strstr(text, line));
			}
		}
		ck_assert_str_ne(alias[0], alias[1]);
		ck_assert_str_ne(alias[0], alias[2]);
		ck_assert_str_ne(alias[1], alias[2]);
		render_free(text, len);
	}
}
END_TEST

/* Values that would turn into config directives or shell words. */
START_TEST(hostile_server_data)
{
	static const char *const bad[] = {
		"{\"revision\":1,\"interface\":{\"addresses\":[\"10.0.0.1/24\\nPostUp = id\"]},\"peers\":[]}",
		"{\"revision\":1,\"interface\":{\"addresses\":[\"10.0.0.1/33\"]},\"peers\":[]}",
		"{\"revision\":1,\"interface\":{\"addresses\":[]},\"peers\":[],\"warnings\":[\"x\\n[Peer]\"]}",
		"{\"revision\":1,\"interface\":{\"addresses\":[]},\"peers\":[],\"warnings\":[\"x\\r[Peer]\"]}",
		"{\"revision\":1,\"interface\":{\"addresses\":[]},\"peers\":[],\"warnings\":[\"\\u001b]0;owned\\u0007\"]}",
		"{\"revision\":1,\"interface\":{\"addresses\":[]},\"peers\":[],\"warnings\":[\"\\u009b2J\"]}",
		"{\"revision\":1,\"interface\":{\"addresses\":[],\"mtu\":100},\"peers\":[]}",
		"{\"revision\":1,\"interface\":{\"addresses\":[],\"dns\":[\"1.1.1.1; rm\"]},\"peers\":[]}",
		"{\"revision\":1,\"interface\":{\"addresses\":[],\"listen_port\":\"51820\"},\"peers\":[]}",
		"{\"revision\":1,\"peers\":[]}",
		"[]",
		NULL
	};
	struct mesh_config cfg;
	char err[256];

	for (size_t i = 0; bad[i]; i++) {
		struct json_object *j = json_tokener_parse(bad[i]);
		ck_assert_ptr_nonnull(j);
		ck_assert_msg(model_from_json(&cfg, j, err, sizeof(err)) == -1, "accepted %s", bad[i]);
		model_free(&cfg);
		json_object_put(j);
	}
}
END_TEST

START_TEST(hostile_peer_fields)
{
	static const char *const subst[][2] = {
		{ "203.0.113.5:51820", "203.0.113.5:51820\\nEndpoint = 1.2.3.4:1" },
		{ "203.0.113.5:51820", "203.0.113.5" },
		{ "192.168.5.0/24", "192.168.5.1/24" },         /* host bits set */
		{ "\"persistent_keepalive\": null", "\"persistent_keepalive\": 70000" },
		{ "\"id\": \"p1\"", "\"id\": \"p/1\"" },
		{ NULL, NULL }
	};
	struct mesh_config cfg;
	char err[256];

	for (size_t i = 0; subst[i][0]; i++) {
		struct json_object *good = fixture("db1", NULL), *j;
		const char *text = json_object_to_json_string_ext(good, JSON_C_TO_STRING_SPACED |
		                                                        JSON_C_TO_STRING_NOSLASHESCAPE);
		char buf[8192], *at;

		/* The fixture is printed back spaced; match either spelling. */
		snprintf(buf, sizeof(buf), "%s", text);
		at = strstr(buf, subst[i][0]);
		if (at == NULL) {
			/* json-c writes "key": value with one space, as the pattern */
			ck_abort_msg("pattern %s not in fixture", subst[i][0]);
		}
		{
			char out[8192];
			size_t pre = (size_t)(at - buf);
			snprintf(out, sizeof(out), "%.*s%s%s", (int)pre, buf, subst[i][1],
			         at + strlen(subst[i][0]));
			j = json_tokener_parse(out);
		}
		ck_assert_ptr_nonnull(j);
		ck_assert_msg(model_from_json(&cfg, j, err, sizeof(err)) == -1,
		              "accepted %s", subst[i][1]);
		model_free(&cfg);
		json_object_put(j);
		json_object_put(good);
	}
}
END_TEST

START_TEST(psk_for_another_key)
{
	struct json_object *j = fixture("db1", NULL);
	uint8_t sk[KEYS_LEN], pk[KEYS_LEN];
	struct mesh_config cfg;
	char err[256];

	keys_generate(sk, pk);
	ck_assert_int_eq(model_from_json(&cfg, j, err, sizeof(err)), 0);
	ck_assert_int_eq(model_open_psks(&cfg, pk, sk, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "db1"));
	ck_assert_str_eq(cfg.peers[0].psk, "");
	model_free(&cfg);
	json_object_put(j);
}
END_TEST

START_TEST(routes_needed)
{
	struct json_object *j = fixture("db1", NULL);
	struct mesh_config cfg;
	char err[256];

	ck_assert_int_eq(model_from_json(&cfg, j, err, sizeof(err)), 0);
	ck_assert(!model_needs_route(&cfg, "10.77.0.3/32"));
	ck_assert(!model_needs_route(&cfg, "10.77.0.0/24"));
	ck_assert(model_needs_route(&cfg, "10.77.0.0/16"));
	ck_assert(model_needs_route(&cfg, "192.168.5.0/24"));
	ck_assert(!model_needs_route(&cfg, "fd77::4/128"));
	ck_assert(model_needs_route(&cfg, "fd78::/64"));
	ck_assert(!model_needs_route(&cfg, "0.0.0.0/0"));
	ck_assert(!model_needs_route(&cfg, "::/0"));
	model_free(&cfg);
	json_object_put(j);
}
END_TEST

START_TEST(review_diff)
{
	struct json_object *a = fixture("db1", NULL), *b;
	struct mesh_config old, cur;
	char err[256], **lines;
	size_t n;

	ck_assert_int_eq(model_from_json(&old, a, err, sizeof(err)), 0);
	ck_assert_int_eq(model_from_json(&cur, a, err, sizeof(err)), 0);
	ck_assert_int_eq(model_diff_sensitive(&old, &cur, &lines, &n), 0);
	ck_assert_uint_eq(n, 0);
	model_free_lines(lines, n);

	/* First sync: everything is new. */
	ck_assert_int_eq(model_diff_sensitive(NULL, &cur, &lines, &n), 0);
	ck_assert_uint_eq(n, 3);
	model_free_lines(lines, n);

	/* An endpoint change is not held; a key or a route change is. */
	free(cur.peers[0].endpoint);
	cur.peers[0].endpoint = strdup("198.51.100.1:1");
	ck_assert_int_eq(model_diff_sensitive(&old, &cur, &lines, &n), 0);
	ck_assert_uint_eq(n, 0);
	model_free_lines(lines, n);
	free(cur.peers[1].public_key);
	cur.peers[1].public_key = strdup(peer_pub[0]);
	free(cur.peers[0].allowed_ips[1]);
	cur.peers[0].allowed_ips[1] = strdup("0.0.0.0/1");
	ck_assert_int_eq(model_diff_sensitive(&old, &cur, &lines, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_ptr_nonnull(strstr(lines[0], "allowed IPs"));
	ck_assert_ptr_nonnull(strstr(lines[1], "public key"));
	model_free_lines(lines, n);

	/* A route added where the last config repeated one is still a change:
	 * [A, A] -> [A, B] must not pass for the same list. */
	model_free(&cur);
	ck_assert_int_eq(model_from_json(&cur, a, err, sizeof(err)), 0);
	free(old.peers[0].allowed_ips[1]);
	old.peers[0].allowed_ips[1] = strdup(old.peers[0].allowed_ips[0]);
	free(cur.peers[0].allowed_ips[1]);
	cur.peers[0].allowed_ips[1] = strdup("0.0.0.0/1");
	free(old.addresses[1]);
	old.addresses[1] = strdup(old.addresses[0]);
	ck_assert_int_eq(model_diff_sensitive(&old, &cur, &lines, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_ptr_nonnull(strstr(lines[0], "interface addresses"));
	ck_assert_ptr_nonnull(strstr(lines[1], "0.0.0.0/1"));
	model_free_lines(lines, n);
	model_free(&old);
	ck_assert_int_eq(model_from_json(&old, a, err, sizeof(err)), 0);

	/* A peer that went away is not held either. */
	b = json_tokener_parse("{\"revision\":8,\"interface\":{\"addresses\":"
	                       "[\"10.77.0.2/24\",\"fd77::2/64\"]},\"peers\":[]}");
	model_free(&cur);
	ck_assert_int_eq(model_from_json(&cur, b, err, sizeof(err)), 0);
	ck_assert_int_eq(model_diff_sensitive(&old, &cur, &lines, &n), 0);
	ck_assert_uint_eq(n, 0);
	model_free_lines(lines, n);

	model_free(&old);
	model_free(&cur);
	json_object_put(a);
	json_object_put(b);
}
END_TEST

static Suite *
client_suite(void)
{
	Suite *s = suite_create("client");
	TCase *tc = tcase_create("model-render");

	tcase_add_unchecked_fixture(tc, setup, NULL);
	tcase_add_test(tc, wg_quick_exact);
	tcase_add_test(tc, wg_setconf_only);
	tcase_add_test(tc, vyos_commands);
	tcase_add_test(tc, vyos_aliases_unique);
	tcase_add_test(tc, hostile_server_data);
	tcase_add_test(tc, hostile_peer_fields);
	tcase_add_test(tc, psk_for_another_key);
	tcase_add_test(tc, routes_needed);
	tcase_add_test(tc, review_diff);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(client_suite)
