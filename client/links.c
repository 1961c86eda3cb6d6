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

/* A config peer's key and id, for finding a link's peer by its key. */
struct key_id {
	const char *key, *id;
};

static int
by_key(const void *x, const void *y)
{
	return strcmp(((const struct key_id *)x)->key, ((const struct key_id *)y)->key);
}

/* The peers of config sorted by key (*n of them; caller frees; the
 * strings are borrowed from config). NULL with *n 0 when there are none,
 * or out of memory (*n then SIZE_MAX). */
static struct key_id *
key_index(struct json_object *config, size_t *n)
{
	struct json_object *peers;
	struct key_id *ix;
	size_t np;

	*n = 0;
	if (!json_object_object_get_ex(config, "peers", &peers) ||
	    !json_object_is_type(peers, json_type_array) ||
	    (np = json_object_array_length(peers)) == 0)
		return NULL;
	if ((ix = calloc(np, sizeof(*ix))) == NULL) {
		*n = SIZE_MAX;
		return NULL;
	}
	for (size_t j = 0; j < np; j++) {
		struct json_object *p = json_object_array_get_idx(peers, j);
		const char *k = text_json_str(p, "public_key"), *id = text_json_str(p, "id");
		if (k != NULL && id != NULL)
			ix[(*n)++] = (struct key_id){ k, id };
	}
	qsort(ix, *n, sizeof(*ix), by_key);
	return ix;
}

/* One entry of a report. */
static struct json_object *
entry(const char *id, const struct wg_link *l)
{
	struct json_object *e = json_object_new_object();

	if (e == NULL)
		return NULL;
	json_object_object_add(e, "peer", json_object_new_string(id));
	json_object_object_add(e, "latest_handshake",
	                       json_object_new_int64((int64_t)l->latest_handshake));
	json_object_object_add(e, "rx", json_object_new_int64((int64_t)l->rx));
	json_object_object_add(e, "tx", json_object_new_int64((int64_t)l->tx));
	return e;
}

/* Appends a new, empty page {links: []} to *pages: its array, or NULL. */
static struct json_object *
new_page(struct json_object ***pages, size_t *npages)
{
	struct json_object **nv = realloc(*pages, (*npages + 1) * sizeof(*nv));
	struct json_object *body, *arr;

	if (nv == NULL)
		return NULL;
	*pages = nv;
	body = json_object_new_object();
	arr = json_object_new_array();
	if (body == NULL || arr == NULL) {
		json_object_put(body);
		json_object_put(arr);
		return NULL;
	}
	json_object_object_add(body, "links", arr);
	nv[(*npages)++] = body;
	return arr;
}

void
links_pages_free(struct json_object **pages, size_t npages)
{
	for (size_t i = 0; i < npages; i++)
		json_object_put(pages[i]);
	free(pages);
}

int
links_report_pages(const struct wg_link *v, size_t n, struct json_object *config,
                   size_t max_bytes, struct json_object ***pages, size_t *npages)
{
	size_t nix, used = 0;
	struct key_id *ix = key_index(config, &nix);
	struct json_object *arr = NULL, *e;

	*pages = NULL;
	*npages = 0;
	if (nix == SIZE_MAX)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		struct key_id want = { v[i].public_key, NULL }, *hit;
		size_t len;
		if (nix == 0 || (hit = bsearch(&want, ix, nix, sizeof(*ix), by_key)) == NULL)
			continue;
		if ((e = entry(hit->id, &v[i])) == NULL)
			goto fail;
		/* Its bytes as sent, and a comma. */
		len = strlen(json_object_to_json_string_ext(e, JSON_C_TO_STRING_PLAIN)) + 1;
		if (arr == NULL || json_object_array_length(arr) >= LINKS_PAGE_MAX ||
		    used + len > max_bytes) {
			used = sizeof("{\"links\":[]}");
			if ((arr = new_page(pages, npages)) == NULL) {
				json_object_put(e);
				goto fail;
			}
		}
		json_object_array_add(arr, e);
		used += len;
	}
	/* Nothing to report is still one (empty) report. */
	if (*npages == 0 && new_page(pages, npages) == NULL)
		goto fail;
	free(ix);
	return 0;
fail:
	free(ix);
	links_pages_free(*pages, *npages);
	*pages = NULL;
	*npages = 0;
	return -1;
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

/* Sends the pages in turn, every one even after a refusal (a pair dropped
 * since the fetch refuses only its page), each saying what this host says
 * about relaying (relay, may be NULL). 1 when an answer says the report
 * moved this host's config past config's revision, 0, or -1 after a
 * warning. */
static int
send_pages(const struct state *st, struct json_object **pages, size_t npages,
           struct json_object *config, const char *relay)
{
	struct fetch_response resp = { 0 };
	int ret = 0, failed = 0;

	for (size_t i = 0; i < npages; i++) {
		if (relay != NULL)
			json_object_object_add(pages[i], "relay", json_object_new_string(relay));
		if (peer_request(st, "PUT", "/peer/links", pages[i], NULL, &resp) != 0) {
			failed = 1;
			break;
		}
		if (resp.status != 204 && resp.status != 200) {
			fetch_report(&resp, "link report refused");
			failed = 1;
		} else if (moved(&resp, config)) {
			ret = 1;
		}
		fetch_response_free(&resp);
	}
	fetch_response_free(&resp);
	return failed ? -1 : ret;
}

int
links_report(const struct state *st, const char *iface, struct json_object *config,
             const char *relay)
{
	const char *argv[] = { "wg", "show", iface, "dump", NULL };
	struct json_object **pages = NULL;
	struct wg_link *v = NULL;
	char path[64], *dump = NULL, err[128];
	size_t n = 0, npages = 0;
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
	if (links_report_pages(v, n, config, LINKS_PAGE_BYTES, &pages, &npages) != 0) {
		warnx("out of memory");
		goto out;
	}
	ret = send_pages(st, pages, npages, config, relay);
out:
	if (dump != NULL) {
		/* Its first line is the private key. */
		keys_wipe(dump, strlen(dump));
		free(dump);
	}
	free(v);
	links_pages_free(pages, npages);
	return ret;
}
