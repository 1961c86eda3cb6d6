/* SPDX-License-Identifier: MIT */
/* wg-quick files in, the import body out. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "text.h"
#include "wgquick.h"

#define WGQ_LINE_MAX    4096
#define WGQ_ALLOWED_MAX 256

/* Settings wg-quick knows that a wgconf mesh sets otherwise (or not). */
static const char *const iface_skipped[] = { "DNS", "MTU", "Table", "PreUp", "PostUp",
	"PreDown", "PostDown", "SaveConfig", "FwMark", NULL };
static const char *const peer_skipped[] = { "PersistentKeepalive", NULL };

static int
note_add(char ***v, size_t *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
note_add(char ***v, size_t *n, const char *fmt, ...)
{
	char *s, **nv;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -1;
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*v)[i], s) == 0) {
			free(s);
			return 0;
		}
	if ((nv = realloc(*v, (*n + 1) * sizeof(*nv))) == NULL) {
		free(s);
		return -1;
	}
	*v = nv;
	nv[(*n)++] = s;
	return 0;
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static bool
listed(const char *const *list, const char *key)
{
	for (size_t i = 0; list[i] != NULL; i++)
		if (strcasecmp(list[i], key) == 0)
			return true;
	return false;
}

/* A comma list of CIDRs (bare addresses allowed) into *out. 0 or -1. */
static int
parse_cidrs(char *val, struct cidr **out, size_t *n, bool strict, char *bad, size_t badsz)
{
	char *save = NULL;

	for (char *t = strtok_r(val, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
		struct cidr c, *nv;
		t = trim(t);
		if (ipam_parse(&c, t, true, strict) != 0 || *n >= WGQ_ALLOWED_MAX) {
			snprintf(bad, badsz, "%s", t);
			return -1;
		}
		if ((nv = realloc(*out, (*n + 1) * sizeof(*nv))) == NULL)
			return -1;
		*out = nv;
		nv[(*n)++] = c;
	}
	return 0;
}

static int
iface_line(struct wgq_file *f, const char *key, char *val, bool *have_key, char *err,
           size_t errsz, int lineno)
{
	char bad[128];

	if (strcasecmp(key, "PrivateKey") == 0) {
		uint8_t sk[KEYS_LEN], pk[KEYS_LEN];
		int r = keys_b64_decode_key(sk, val) == 0 && keys_public(pk, sk) == 0 ? 0 : -1;
		keys_wipe(sk, sizeof(sk));
		if (r != 0) {
			snprintf(err, errsz, "line %d: PrivateKey is not a WireGuard key", lineno);
			return -1;
		}
		keys_b64_encode(f->public_key, sizeof(f->public_key), pk, sizeof(pk));
		*have_key = true;
		return 0;
	}
	if (strcasecmp(key, "ListenPort") == 0) {
		if (text_parse_int(val, 1, 65535, &f->listen_port) != 0) {
			snprintf(err, errsz, "line %d: ListenPort '%.64s' is not a port", lineno, val);
			return -1;
		}
		return 0;
	}
	if (strcasecmp(key, "Address") == 0) {
		struct cidr *v = NULL;
		size_t n = 0;
		if (parse_cidrs(val, &v, &n, false, bad, sizeof(bad)) != 0) {
			free(v);
			snprintf(err, errsz, "line %d: Address '%s' is not an address", lineno, bad);
			return -1;
		}
		for (size_t i = 0; i < n; i++) {
			for (size_t j = 0; j < f->naddresses; j++)
				if (f->addresses[j].family == v[i].family) {
					snprintf(err, errsz, "line %d: more than one IPv%d Address: a "
					         "wgconf peer has one per family", lineno, v[i].family);
					free(v);
					return -1;
				}
			f->addresses[f->naddresses++] = v[i];
		}
		free(v);
		return 0;
	}
	if (listed(iface_skipped, key))
		return note_add(&f->skipped, &f->nskipped, "%s", key);
	snprintf(err, errsz, "line %d: unknown [Interface] setting '%.64s'", lineno, key);
	return -1;
}

static int
peer_line(struct wgq_file *f, struct wgq_peer *p, const char *key, char *val, char *err,
          size_t errsz, int lineno)
{
	char host[VALIDATE_HOST_MAX + 1], bad[128];
	uint8_t k[KEYS_LEN];
	uint16_t port;

	if (strcasecmp(key, "PublicKey") == 0) {
		int r = keys_parse_public(k, val);
		if (r != 0) {
			snprintf(err, errsz, "line %d: PublicKey '%.64s' is %s", lineno, val,
			         keys_public_why(r));
			return -1;
		}
		snprintf(p->public_key, sizeof(p->public_key), "%s", val);
		return 0;
	}
	if (strcasecmp(key, "PresharedKey") == 0) {
		int r = keys_b64_decode_key(k, val);
		keys_wipe(k, sizeof(k));
		if (r != 0) {
			snprintf(err, errsz, "line %d: PresharedKey is not a WireGuard key", lineno);
			return -1;
		}
		p->has_psk = true;
		return 0;
	}
	if (strcasecmp(key, "AllowedIPs") == 0) {
		if (parse_cidrs(val, &p->allowed, &p->nallowed, true, bad, sizeof(bad)) != 0) {
			snprintf(err, errsz, "line %d: AllowedIPs entry '%s' is not a network with "
			         "zero host bits", lineno, bad);
			return -1;
		}
		return 0;
	}
	if (strcasecmp(key, "Endpoint") == 0) {
		if (validate_endpoint(val, host, sizeof(host), &port) != 0) {
			snprintf(err, errsz, "line %d: Endpoint '%.64s' is not HOST:PORT", lineno, val);
			return -1;
		}
		snprintf(p->endpoint, sizeof(p->endpoint), "%s", val);
		return 0;
	}
	if (listed(peer_skipped, key))
		return note_add(&f->skipped, &f->nskipped, "%s", key);
	snprintf(err, errsz, "line %d: unknown [Peer] setting '%.64s'", lineno, key);
	return -1;
}

/* A [Peer] line: the one before must be complete; a new empty peer.
 * -1 with err, or with err left empty when out of memory. */
static int
peer_section(struct wgq_file *f, int lineno, char *err, size_t errsz)
{
	struct wgq_peer *nv;

	if (f->npeers > 0 && f->peers[f->npeers - 1].public_key[0] == '\0') {
		snprintf(err, errsz, "line %d: the [Peer] before has no PublicKey", lineno);
		return -1;
	}
	if ((nv = realloc(f->peers, (f->npeers + 1) * sizeof(*nv))) == NULL)
		return -1;
	f->peers = nv;
	memset(&nv[f->npeers], 0, sizeof(*nv));
	nv[f->npeers++].line = lineno;
	return 0;
}

int
wgquick_parse(const char *text, size_t len, struct wgq_file *f, char *err, size_t errsz)
{
	enum { NONE, IFACE, PEER } sect = NONE;
	char line[WGQ_LINE_MAX];
	bool have_key = false, have_iface = false;
	size_t pos = 0;
	int lineno = 0, ret = -1;

	memset(f, 0, sizeof(*f));
	err[0] = '\0';
	while (pos < len) {
		size_t n = 0;
		char *l, *eq, *key, *val;
		lineno++;
		while (pos < len && text[pos] != '\n') {
			if (n + 1 >= sizeof(line) || text[pos] == '\0') {
				snprintf(err, errsz, "line %d: too long or not text", lineno);
				goto out;
			}
			line[n++] = text[pos++];
		}
		pos++;
		line[n] = '\0';
		line[strcspn(line, "#")] = '\0';
		l = trim(line);
		if (*l == '\0')
			continue;
		if (strcasecmp(l, "[Interface]") == 0) {
			if (have_iface) {
				snprintf(err, errsz, "line %d: a second [Interface]", lineno);
				goto out;
			}
			sect = IFACE;
			have_iface = true;
			continue;
		}
		if (strcasecmp(l, "[Peer]") == 0) {
			if (peer_section(f, lineno, err, errsz) != 0)
				goto out;
			sect = PEER;
			continue;
		}
		if ((eq = strchr(l, '=')) == NULL) {
			snprintf(err, errsz, "line %d: neither a section nor KEY = VALUE", lineno);
			goto out;
		}
		*eq = '\0';
		key = trim(l);
		val = trim(eq + 1);
		if (sect == NONE) {
			snprintf(err, errsz, "line %d: '%.64s' outside a section", lineno, key);
			goto out;
		}
		if ((sect == IFACE ? iface_line(f, key, val, &have_key, err, errsz, lineno)
		                   : peer_line(f, &f->peers[f->npeers - 1], key, val, err, errsz,
		                               lineno)) != 0) {
			if (err[0] == '\0')
				snprintf(err, errsz, "out of memory");
			goto out;
		}
	}
	if (f->npeers > 0 && f->peers[f->npeers - 1].public_key[0] == '\0') {
		snprintf(err, errsz, "line %d: [Peer] has no PublicKey", f->peers[f->npeers - 1].line);
		goto out;
	}
	if (!have_key) {
		snprintf(err, errsz, "no [Interface] PrivateKey: the host's public key is derived "
		         "from it (here; it is never sent)");
		goto out;
	}
	if (f->naddresses == 0) {
		snprintf(err, errsz, "no [Interface] Address");
		goto out;
	}
	ret = 0;
out:
	keys_wipe(line, sizeof(line));
	return ret;
}

int
wgquick_private_key(const char *text, size_t len, uint8_t sk[KEYS_LEN], char *err,
                    size_t errsz)
{
	struct wgq_file f;
	char line[WGQ_LINE_MAX];
	bool in_iface = false;
	int ret = -1;

	memset(sk, 0, KEYS_LEN);
	/* The whole file must be a valid wg-quick file first. */
	if (wgquick_parse(text, len, &f, err, errsz) != 0)
		goto out;
	for (size_t pos = 0; pos < len;) {
		size_t n = 0;
		char *l, *eq;
		while (pos < len && text[pos] != '\n' && n + 1 < sizeof(line))
			line[n++] = text[pos++];
		pos++;
		line[n] = '\0';
		line[strcspn(line, "#")] = '\0';
		l = trim(line);
		if (*l == '[') {
			in_iface = strcasecmp(l, "[Interface]") == 0;
			continue;
		}
		if (!in_iface || (eq = strchr(l, '=')) == NULL)
			continue;
		*eq = '\0';
		if (strcasecmp(trim(l), "PrivateKey") == 0 &&
		    keys_b64_decode_key(sk, trim(eq + 1)) == 0) {
			ret = 0;
			break;
		}
	}
out:
	keys_wipe(line, sizeof(line));
	wgquick_free(&f);
	return ret;
}

void
wgquick_free(struct wgq_file *f)
{
	if (f == NULL)
		return;
	for (size_t i = 0; i < f->npeers; i++)
		free(f->peers[i].allowed);
	free(f->peers);
	for (size_t i = 0; i < f->nskipped; i++)
		free(f->skipped[i]);
	free(f->skipped);
	memset(f, 0, sizeof(*f));
}

static size_t
host_of(const struct wgq_file *files, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n && strcmp(files[i].public_key, key) != 0; i++)
		;
	return i;
}

/* True when c is one of host h's own addresses, as a host route. */
static bool
own_address(const struct wgq_file *h, const struct cidr *c)
{
	for (size_t i = 0; i < h->naddresses; i++)
		if (c->family == h->addresses[i].family &&
		    c->prefix == (c->family == 4 ? 32u : 128u) &&
		    memcmp(c->addr, h->addresses[i].addr, 16) == 0)
			return true;
	return false;
}

static struct json_object *
host_json(const struct wgq_file *files, const char *const *names, size_t n, size_t h,
          char ***notes, size_t *nnotes)
{
	struct json_object *o = json_object_new_object(), *addrs = json_object_new_array();
	struct json_object *nets = json_object_new_array();
	const char *endpoint = NULL;
	char buf[IPAM_STRLEN];

	json_object_object_add(o, "name", json_object_new_string(names[h]));
	json_object_object_add(o, "public_key", json_object_new_string(files[h].public_key));
	for (size_t i = 0; i < files[h].naddresses; i++) {
		ipam_format(buf, &files[h].addresses[i], false);
		json_object_array_add(addrs, json_object_new_string(buf));
	}
	/* What the others route to h beyond its own address, and where they
	 * reach it, is what h is: its networks and its endpoint. */
	for (size_t f = 0; f < n; f++) {
		for (size_t p = 0; f != h && p < files[f].npeers; p++) {
			const struct wgq_peer *pe = &files[f].peers[p];
			if (strcmp(pe->public_key, files[h].public_key) != 0)
				continue;
			if (pe->endpoint[0] != '\0') {
				if (endpoint == NULL)
					endpoint = pe->endpoint;
				else if (strcmp(endpoint, pe->endpoint) != 0)
					note_add(notes, nnotes, "%s: the files give two endpoints (%s, %s): "
					         "%s is taken", names[h], endpoint, pe->endpoint, endpoint);
			}
			for (size_t a = 0; a < pe->nallowed; a++) {
				bool dup = false;
				if (own_address(&files[h], &pe->allowed[a]))
					continue;
				ipam_format(buf, &pe->allowed[a], true);
				for (size_t k = 0; k < json_object_array_length(nets); k++)
					dup |= strcmp(json_object_get_string(json_object_array_get_idx(nets, k)),
					              buf) == 0;
				if (!dup)
					json_object_array_add(nets, json_object_new_string(buf));
			}
		}
	}
	json_object_object_add(o, "addresses", addrs);
	json_object_object_add(o, "networks", nets);
	json_object_object_add(o, "endpoint", endpoint ? json_object_new_string(endpoint) : NULL);
	json_object_object_add(o, "listen_port", files[h].listen_port
	                       ? json_object_new_int(files[h].listen_port) : NULL);
	return o;
}

struct json_object *
wgquick_import(const struct wgq_file *files, const char *const *names, size_t n,
               char ***notes, size_t *nnotes, char *err, size_t errsz)
{
	struct json_object *body = json_object_new_object(), *peers = json_object_new_array();
	struct json_object *pairs = json_object_new_array();

	*notes = NULL;
	*nnotes = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < i; j++) {
			if (strcmp(files[i].public_key, files[j].public_key) == 0) {
				snprintf(err, errsz, "%s and %s have the same private key", names[j],
				         names[i]);
				goto fail;
			}
			if (strcmp(names[i], names[j]) == 0) {
				snprintf(err, errsz, "two hosts are named %s: give NAME=FILE", names[i]);
				goto fail;
			}
		}
	for (size_t h = 0; h < n; h++)
		json_object_array_add(peers, host_json(files, names, n, h, notes, nnotes));
	for (size_t f = 0; f < n; f++) {
		for (size_t p = 0; p < files[f].npeers; p++) {
			const struct wgq_peer *pe = &files[f].peers[p];
			size_t o = host_of(files, n, pe->public_key), back = 0;
			bool dup = false;
			if (o == n) {
				note_add(notes, nnotes, "%s: [Peer] %s (line %d) has no file of its own: "
				         "not imported", names[f], pe->public_key, pe->line);
				continue;
			}
			if (o == f) {
				snprintf(err, errsz, "%s lists itself as a [Peer] (line %d)", names[f],
				         pe->line);
				goto fail;
			}
			for (size_t q = 0; q < files[o].npeers; q++)
				back += strcmp(files[o].peers[q].public_key, files[f].public_key) == 0;
			if (back == 0)
				note_add(notes, nnotes, "%s lists %s but not the other way round: paired "
				         "all the same", names[f], names[o]);
			if (pe->has_psk)
				note_add(notes, nnotes, "%s-%s: the PresharedKey is not taken over: a fresh "
				         "one reaches both hosts at their next sync", f < o ? names[f] :
				         names[o], f < o ? names[o] : names[f]);
			for (size_t k = 0; k < json_object_array_length(pairs); k++) {
				struct json_object *pr = json_object_array_get_idx(pairs, k);
				const char *x = json_object_get_string(json_object_array_get_idx(pr, 0));
				const char *y = json_object_get_string(json_object_array_get_idx(pr, 1));
				dup |= (strcmp(x, files[f].public_key) == 0 &&
				        strcmp(y, pe->public_key) == 0) ||
				       (strcmp(y, files[f].public_key) == 0 &&
				        strcmp(x, pe->public_key) == 0);
			}
			if (!dup) {
				struct json_object *pr = json_object_new_array();
				json_object_array_add(pr, json_object_new_string(files[f].public_key));
				json_object_array_add(pr, json_object_new_string(pe->public_key));
				json_object_array_add(pairs, pr);
			}
		}
		for (size_t s = 0; s < files[f].nskipped; s++)
			note_add(notes, nnotes, "%s: %s is not taken over (the server's network "
			         "settings apply)", names[f], files[f].skipped[s]);
	}
	note_add(notes, nnotes, "private keys: read here only to derive the public keys, "
	         "never sent");
	json_object_object_add(body, "peers", peers);
	json_object_object_add(body, "pairs", pairs);
	return body;
fail:
	json_object_put(peers);
	json_object_put(pairs);
	json_object_put(body);
	return NULL;
}
