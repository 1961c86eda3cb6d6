/* SPDX-License-Identifier: MIT */
/* `wg show IFACE dump` in, the link report out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply.h"
#include "cli.h"
#include "links.h"
#include "peer.h"
#include "text.h"

#define LINKS_REPORT_MAX 1024   /* the server takes no more */

/* Field i (0-based) of a tab-separated line into out; -1 when missing or too long. */
static int
field(const char *line, size_t linelen, int i, char *out, size_t outsz)
{
	const char *p = line, *end = line + linelen;

	for (; i > 0; i--) {
		const char *t = memchr(p, '\t', (size_t)(end - p));
		if (t == NULL)
			return -1;
		p = t + 1;
	}
	const char *t = memchr(p, '\t', (size_t)(end - p));
	size_t n = (size_t)((t ? t : end) - p);
	if (n + 1 > outsz)
		return -1;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

int
links_parse_dump(const char *text, struct wg_link **out, size_t *n, char *err, size_t errsz)
{
	const char *p = text;
	struct wg_link *v = NULL;
	size_t nv = 0;
	int lineno = 0;

	*out = NULL;
	*n = 0;
	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p), tabs = 0;
		char key[64], hs[32], rx[32], tx[32];
		uint8_t k[KEYS_LEN];
		struct wg_link *nvp;

		lineno++;
		for (size_t i = 0; i < len; i++)
			tabs += p[i] == '\t';
		if (lineno == 1) {
			/* The interface: private key, public key, port, fwmark. */
			if (tabs != 3) {
				snprintf(err, errsz, "line 1 is not an interface line");
				goto fail;
			}
		} else if (len > 0) {
			if (tabs != 7 || field(p, len, 0, key, sizeof(key)) != 0 ||
			    keys_b64_decode_key(k, key) != 0 ||
			    field(p, len, 4, hs, sizeof(hs)) != 0 ||
			    field(p, len, 5, rx, sizeof(rx)) != 0 ||
			    field(p, len, 6, tx, sizeof(tx)) != 0 ||
			    (nvp = realloc(v, (nv + 1) * sizeof(*v))) == NULL) {
				snprintf(err, errsz, "line %d is not a peer line", lineno);
				goto fail;
			}
			v = nvp;
			memset(&v[nv], 0, sizeof(v[nv]));
			/* A decoded key is exactly KEYS_B64_LEN - 1 characters. */
			memcpy(v[nv].public_key, key, KEYS_B64_LEN - 1);
			if (text_parse_u64(hs, 0, UINT64_MAX / 2, &v[nv].latest_handshake) != 0 ||
			    text_parse_u64(rx, 0, UINT64_MAX / 2, &v[nv].rx) != 0 ||
			    text_parse_u64(tx, 0, UINT64_MAX / 2, &v[nv].tx) != 0) {
				snprintf(err, errsz, "line %d: a handshake time or byte count is not "
				         "a number", lineno);
				goto fail;
			}
			nv++;
		}
		p += len + (nl != NULL);
	}
	if (lineno == 0) {
		snprintf(err, errsz, "empty");
		goto fail;
	}
	*out = v;
	*n = nv;
	return 0;
fail:
	free(v);
	return -1;
}

struct json_object *
links_report_body(const struct wg_link *v, size_t n, struct json_object *config)
{
	struct json_object *body = json_object_new_object(), *arr = json_object_new_array();
	struct json_object *peers = NULL;

	if (body == NULL || arr == NULL) {
		json_object_put(body);
		json_object_put(arr);
		return NULL;
	}
	if (!json_object_object_get_ex(config, "peers", &peers) ||
	    !json_object_is_type(peers, json_type_array))
		peers = NULL;
	for (size_t i = 0; i < n; i++) {
		const char *id = NULL;
		for (size_t j = 0; peers && j < json_object_array_length(peers); j++) {
			struct json_object *p = json_object_array_get_idx(peers, j);
			const char *k = text_json_str(p, "public_key");
			if (k && strcmp(k, v[i].public_key) == 0)
				id = text_json_str(p, "id");
		}
		if (id == NULL || json_object_array_length(arr) >= LINKS_REPORT_MAX)
			continue;
		struct json_object *l = json_object_new_object();
		json_object_object_add(l, "peer", json_object_new_string(id));
		json_object_object_add(l, "latest_handshake",
		                       json_object_new_int64((int64_t)v[i].latest_handshake));
		json_object_object_add(l, "rx", json_object_new_int64((int64_t)v[i].rx));
		json_object_object_add(l, "tx", json_object_new_int64((int64_t)v[i].tx));
		json_object_array_add(arr, l);
	}
	json_object_object_add(body, "links", arr);
	return body;
}

/* 1 when the answer says the report moved this host's config past the
 * revision of config (the server chose a relay for one of its pairs). */
static int
moved(const struct fetch_response *resp, struct json_object *config)
{
	struct json_object *now, *had;

	return resp->status == 200 && resp->json != NULL &&
	       json_object_object_get_ex(resp->json, "revision", &now) &&
	       json_object_object_get_ex(config, "revision", &had) &&
	       json_object_get_int64(now) > json_object_get_int64(had);
}

int
links_report(const struct state *st, const char *iface, struct json_object *config,
             const char *relay)
{
	const char *argv[] = { "wg", "show", iface, "dump", NULL };
	struct fetch_response resp = { 0 };
	struct json_object *body = NULL;
	struct wg_link *v = NULL;
	char path[64], *dump = NULL, err[128];
	size_t n = 0;
	int ret = -1;

	/* No interface (not up yet, or the config is used some other way):
	 * nothing to report, and nothing to say. */
	snprintf(path, sizeof(path), "/sys/class/net/%s", iface);
	if (access(path, F_OK) != 0)
		return 0;
	if (apply_run(argv, NULL, 0, &dump) != 0 || dump == NULL) {
		warnx("link report: `wg show %s dump` failed", iface);
		goto out;
	}
	if (links_parse_dump(dump, &v, &n, err, sizeof(err)) != 0) {
		warnx("link report: cannot read `wg show %s dump`: %s", iface, err);
		goto out;
	}
	if ((body = links_report_body(v, n, config)) == NULL) {
		warnx("out of memory");
		goto out;
	}
	if (relay != NULL)
		json_object_object_add(body, "relay", json_object_new_string(relay));
	if (peer_request(st, "PUT", "/peer/links", body, NULL, &resp) != 0)
		goto out;
	if (resp.status != 204 && resp.status != 200) {
		fetch_report(&resp, "link report refused");
		goto out;
	}
	ret = moved(&resp, config);
out:
	if (dump != NULL) {
		/* Its first line is the private key. */
		keys_wipe(dump, strlen(dump));
		free(dump);
	}
	free(v);
	json_object_put(body);
	fetch_response_free(&resp);
	return ret;
}
