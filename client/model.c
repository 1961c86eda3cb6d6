/* SPDX-License-Identifier: MIT */
/* Server JSON -> model. Everything that will end up in a config file or on a
 * command line is checked here, once: the server is the weakest link, and a
 * name with a newline in it must not become a config directive. */
#include <arpa/inet.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipam.h"
#include "validate.h"
#include "model.h"
#include "text.h"

static int seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static struct json_object *
get(struct json_object *obj, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(obj, key, &v))
		return NULL;
	return v;
}

/* An integer member in [min, max]; absent or null gives 0. -1 when it is of
 * the wrong type or out of range. */
static int
get_int(struct json_object *obj, const char *key, long long min, long long max,
        long long *out)
{
	struct json_object *v = get(obj, key);

	*out = 0;
	if (v == NULL || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_int))
		return -1;
	*out = json_object_get_int64(v);
	return *out < min || *out > max ? -1 : 0;
}

static void
free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* A DNS entry as wg-quick takes it: an IP address or a search domain. */
static bool
valid_dns(const char *s)
{
	uint8_t buf[16];

	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1 ||
	       validate_hostname(s);
}

enum str_kind { STR_CIDR_STRICT, STR_CIDR_HOST, STR_DNS, STR_TEXT };

/* Copies a JSON array of strings, checking (and canonicalising) each. */
static int
get_strv(struct json_object *obj, const char *key, enum str_kind kind, bool required,
         char ***out, size_t *n, char *err, size_t errlen)
{
	struct json_object *arr = get(obj, key);
	size_t len;

	*out = NULL;
	*n = 0;
	if (arr == NULL || json_object_is_type(arr, json_type_null)) {
		if (required)
			return seterr(err, errlen, "\"%s\" is missing", key);
		return 0;
	}
	if (!json_object_is_type(arr, json_type_array))
		return seterr(err, errlen, "\"%s\" is not an array", key);
	len = json_object_array_length(arr);
	if (len > 4096)
		return seterr(err, errlen, "\"%s\" is too long", key);
	*out = calloc(len + 1, sizeof(char *));
	if (*out == NULL)
		return seterr(err, errlen, "out of memory");
	for (size_t i = 0; i < len; i++) {
		struct json_object *v = json_object_array_get_idx(arr, i);
		const char *s;
		char canon[IPAM_STRLEN];
		struct cidr c;

		if (!json_object_is_type(v, json_type_string))
			goto bad;
		s = json_object_get_string(v);
		switch (kind) {
		case STR_CIDR_STRICT:
		case STR_CIDR_HOST:
			if (ipam_parse(&c, s, true, kind == STR_CIDR_STRICT) != 0)
				goto bad;
			ipam_format(canon, &c, true);
			s = canon;
			break;
		case STR_DNS:
			if (!valid_dns(s))
				goto bad;
			break;
		case STR_TEXT:
			/* Shown on a terminal and written into a comment line:
			 * printable ASCII only, no escape sequences. */
			if (strlen(s) > 512)
				goto bad;
			for (const unsigned char *q = (const unsigned char *)s; *q; q++)
				if (*q < 0x20 || *q > 0x7e)
					goto bad;
			break;
		}
		(*out)[i] = strdup(s);
		if ((*out)[i] == NULL)
			return seterr(err, errlen, "out of memory");
		(*n)++;
	}
	return 0;
bad:
	return seterr(err, errlen, "\"%s\" has an invalid entry", key);
}

static int
peer_from_json(struct mesh_peer *p, struct json_object *obj, char *err, size_t errlen)
{
	const char *id, *name, *pub, *sealed, *endpoint;
	struct json_object *ep;
	uint8_t key[KEYS_LEN];
	char host[VALIDATE_HOST_MAX + 1];
	uint16_t port;
	long long ka;
	int r;

	if (!json_object_is_type(obj, json_type_object))
		return seterr(err, errlen, "a peer entry is not an object");
	id = text_json_str(obj, "id");
	name = text_json_str(obj, "name");
	if (id == NULL || !validate_name(id))
		return seterr(err, errlen, "a peer has no valid \"id\"");
	if (name == NULL || !validate_name(name))
		return seterr(err, errlen, "peer %s has no valid \"name\"", id);
	p->id = strdup(id);
	p->name = strdup(name);
	if (p->id == NULL || p->name == NULL)
		return seterr(err, errlen, "out of memory");

	pub = text_json_str(obj, "public_key");
	if ((r = keys_parse_public(key, pub)) != 0)
		return seterr(err, errlen, "peer %s has the public key \"%.64s\", which is %s",
		              name, pub ? pub : "", keys_public_why(r));
	if ((p->public_key = strdup(pub)) == NULL)
		return seterr(err, errlen, "out of memory");

	sealed = text_json_str(obj, "preshared_key_sealed");
	/* Sealed (crypto_box_seal) or boxed (a job's bulk box): keys_open(). */
	if (sealed == NULL || (strlen(sealed) != KEYS_SEALED_B64_LEN - 1 &&
	                       strlen(sealed) != KEYS_BOX_B64_LEN - 1))
		return seterr(err, errlen, "peer %s has no valid sealed preshared key", name);
	if ((p->psk_sealed = strdup(sealed)) == NULL)
		return seterr(err, errlen, "out of memory");

	ep = get(obj, "endpoint");
	if (ep != NULL && !json_object_is_type(ep, json_type_null)) {
		endpoint = text_json_str(obj, "endpoint");
		if (endpoint == NULL ||
		    validate_endpoint(endpoint, host, sizeof(host), &port) != 0)
			return seterr(err, errlen, "peer %s has an invalid endpoint", name);
		p->endpoint = strdup(endpoint);
		if (p->endpoint == NULL)
			return seterr(err, errlen, "out of memory");
	}
	if (get_strv(obj, "allowed_ips", STR_CIDR_STRICT, true, &p->allowed_ips,
	             &p->n_allowed_ips, err, errlen) != 0) {
		char tmp[200];
		snprintf(tmp, sizeof(tmp), "peer %s: %s", name, err);
		return seterr(err, errlen, "%s", tmp);
	}
	if (get_int(obj, "persistent_keepalive", 0, 65535, &ka) != 0)
		return seterr(err, errlen, "peer %s has an invalid persistent_keepalive", name);
	p->keepalive = (int)ka;
	return 0;
}

/* interface.relay: absent (an older server) or a boolean. */
static int
get_relay(struct json_object *iface, bool *relay)
{
	struct json_object *v = get(iface, "relay");

	*relay = false;
	if (v == NULL || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_boolean))
		return -1;
	*relay = json_object_get_boolean(v);
	return 0;
}

static int
parse_config(struct mesh_config *cfg, struct json_object *obj, char *err, size_t errlen)
{
	struct json_object *iface, *peers;
	long long v;
	size_t n;

	memset(cfg, 0, sizeof(*cfg));
	if (obj == NULL || !json_object_is_type(obj, json_type_object))
		return seterr(err, errlen, "the config is not a JSON object");
	if (get_int(obj, "revision", 0, INT64_MAX, &cfg->revision) != 0)
		return seterr(err, errlen, "invalid \"revision\"");
	iface = get(obj, "interface");
	if (iface == NULL || !json_object_is_type(iface, json_type_object))
		return seterr(err, errlen, "\"interface\" is missing");
	if (get_strv(iface, "addresses", STR_CIDR_HOST, true, &cfg->addresses,
	             &cfg->n_addresses, err, errlen) != 0)
		return -1;
	if (get_int(iface, "listen_port", 0, 65535, &v) != 0)
		return seterr(err, errlen, "invalid \"listen_port\"");
	cfg->listen_port = (int)v;
	if (get_int(iface, "mtu", 0, 65535, &v) != 0 || (v != 0 && v < 576))
		return seterr(err, errlen, "invalid \"mtu\"");
	cfg->mtu = (int)v;
	if (get_strv(iface, "dns", STR_DNS, false, &cfg->dns, &cfg->n_dns, err, errlen) != 0)
		return -1;
	if (get_relay(iface, &cfg->relay) != 0)
		return seterr(err, errlen, "invalid \"relay\"");
	if (get_strv(obj, "warnings", STR_TEXT, false, &cfg->warnings, &cfg->n_warnings,
	             err, errlen) != 0)
		return -1;

	peers = get(obj, "peers");
	if (peers == NULL || !json_object_is_type(peers, json_type_array))
		return seterr(err, errlen, "\"peers\" is missing");
	n = json_object_array_length(peers);
	if (n > 65536)
		return seterr(err, errlen, "too many peers");
	cfg->peers = calloc(n + 1, sizeof(*cfg->peers));
	if (cfg->peers == NULL)
		return seterr(err, errlen, "out of memory");
	for (size_t i = 0; i < n; i++) {
		cfg->n_peers++;
		if (peer_from_json(&cfg->peers[i], json_object_array_get_idx(peers, i),
		                   err, errlen) != 0)
			return -1;
		for (size_t j = 0; j < i; j++)
			if (strcmp(cfg->peers[j].public_key, cfg->peers[i].public_key) == 0)
				return seterr(err, errlen, "peers %s and %s have the same public key",
				            cfg->peers[j].name, cfg->peers[i].name);
	}
	return 0;
}

int
model_from_json(struct mesh_config *cfg, struct json_object *obj, char *err, size_t errlen)
{
	if (parse_config(cfg, obj, err, errlen) == 0)
		return 0;
	model_free(cfg);
	return -1;
}

int
model_open_psks(struct mesh_config *cfg, const uint8_t pk[KEYS_LEN],
                const uint8_t sk[KEYS_LEN], char *err, size_t errlen)
{
	uint8_t box[KEYS_BOX_LEN + 4], psk[KEYS_LEN];
	struct keys_opener o;
	size_t boxlen = 0;
	int ret = -1;

	/* The boxes of one job share a sender key: one X25519 for all. */
	keys_opener_init(&o, pk, sk);
	for (size_t i = 0; i < cfg->n_peers; i++) {
		struct mesh_peer *p = &cfg->peers[i];

		if (keys_b64_decode(box, sizeof(box), &boxlen, p->psk_sealed) != 0 ||
		    keys_opener_open(&o, psk, box, boxlen) != 0) {
			seterr(err, errlen, "the preshared key for peer %s does not open with "
			     "this host's key (sealed to another key, or tampered with)", p->name);
			goto out;
		}
		keys_b64_encode(p->psk, sizeof(p->psk), psk, sizeof(psk));
	}
	ret = 0;
out:
	keys_opener_wipe(&o);
	keys_wipe(psk, sizeof(psk));
	return ret;
}

void
model_mesh_peer_free(struct mesh_peer *p)
{
	free(p->id);
	free(p->name);
	free(p->public_key);
	free(p->psk_sealed);
	free(p->endpoint);
	free_strv(p->allowed_ips, p->n_allowed_ips);
	keys_wipe(p->psk, sizeof(p->psk));
}

void
model_free(struct mesh_config *cfg)
{
	if (cfg == NULL)
		return;
	free_strv(cfg->addresses, cfg->n_addresses);
	free_strv(cfg->dns, cfg->n_dns);
	free_strv(cfg->warnings, cfg->n_warnings);
	for (size_t i = 0; i < cfg->n_peers; i++)
		model_mesh_peer_free(&cfg->peers[i]);
	free(cfg->peers);
	memset(cfg, 0, sizeof(*cfg));
}

bool
model_needs_route(const struct mesh_config *cfg, const char *cidr_text)
{
	struct cidr c, a;

	if (ipam_parse(&c, cidr_text, true, false) != 0 || c.prefix == 0)
		return false;   /* a default route would swallow the tunnel itself */
	for (size_t i = 0; i < cfg->n_addresses; i++)
		if (ipam_parse(&a, cfg->addresses[i], true, false) == 0 &&
		    ipam_contains(&a, &c))
			return false;
	return true;
}

int
model_add_line(char ***lines, size_t *n, const char *fmt, ...)
{
	va_list ap;
	char **v, *line;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -1;
	v = realloc(*lines, (*n + 1) * sizeof(*v));
	if (v == NULL) {
		free(line);
		return -1;
	}
	v[(*n)++] = line;
	*lines = v;
	return 0;
}

char *
model_join(char **v, size_t n, const char *empty)
{
	size_t len = strlen(empty) + 1;
	char *out;

	for (size_t i = 0; i < n; i++)
		len += strlen(v[i]) + 2;
	if ((out = malloc(len)) == NULL)
		return NULL;
	strcpy(out, n ? "" : empty);
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(out, ", ");
		strcat(out, v[i]);
	}
	return out;
}

static bool
list_has(char **v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

/* The same set of entries, either way round: the lengths alone would let a
 * list that repeats an entry ([A, A]) pass for one that adds another
 * ([A, B]), and the server chooses both. */
static bool
same_list(char **a, size_t na, char **b, size_t nb)
{
	for (size_t i = 0; i < na; i++)
		if (!list_has(b, nb, a[i]))
			return false;
	for (size_t i = 0; i < nb; i++)
		if (!list_has(a, na, b[i]))
			return false;
	return true;
}

int
model_diff_sensitive(const struct mesh_config *old, const struct mesh_config *new,
                     char ***lines, size_t *n)
{
	char *x = NULL, *y = NULL;
	int ret = -1;

	*lines = NULL;
	*n = 0;
	if (old == NULL || !same_list(old->addresses, old->n_addresses, new->addresses,
	                              new->n_addresses)) {
		x = old ? model_join(old->addresses, old->n_addresses, "") : strdup("none");
		y = model_join(new->addresses, new->n_addresses, "");
		if (x == NULL || y == NULL ||
		    model_add_line(lines, n, "interface addresses: %s -> %s", x, y) != 0)
			goto out;
		free(x);
		free(y);
		x = y = NULL;
	}
	for (size_t i = 0; i < new->n_peers; i++) {
		const struct mesh_peer *p = &new->peers[i], *o = NULL;

		for (size_t j = 0; old && j < old->n_peers && o == NULL; j++)
			if (strcmp(old->peers[j].id, p->id) == 0)
				o = &old->peers[j];
		y = model_join(p->allowed_ips, p->n_allowed_ips, "");
		if (y == NULL)
			goto out;
		if (o == NULL) {
			if (model_add_line(lines, n, "new peer %s (id %s): public key %s, allowed IPs %s",
			             p->name, p->id, p->public_key, y) != 0)
				goto out;
		} else {
			if (strcmp(o->public_key, p->public_key) != 0 &&
			    model_add_line(lines, n, "peer %s (id %s): public key %s -> %s", p->name,
			             p->id, o->public_key, p->public_key) != 0)
				goto out;
			if (!same_list(o->allowed_ips, o->n_allowed_ips, p->allowed_ips,
			               p->n_allowed_ips)) {
				x = model_join(o->allowed_ips, o->n_allowed_ips, "");
				if (x == NULL || model_add_line(lines, n, "peer %s (id %s): allowed IPs "
				                          "%s -> %s", p->name, p->id, x, y) != 0)
					goto out;
				free(x);
				x = NULL;
			}
		}
		free(y);
		y = NULL;
	}
	ret = 0;
out:
	free(x);
	free(y);
	if (ret != 0) {
		model_free_lines(*lines, *n);
		*lines = NULL;
		*n = 0;
	}
	return ret;
}

void
model_free_lines(char **lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

struct json_object *
model_parse_json(const char *text, size_t len)
{
	struct json_tokener *tok = json_tokener_new_ex(32);
	struct json_object *obj;
	size_t end;

	if (tok == NULL || len > INT_MAX) {
		if (tok)
			json_tokener_free(tok);
		return NULL;
	}
	obj = json_tokener_parse_ex(tok, text, (int)len);
	if (obj == NULL || json_tokener_get_error(tok) != json_tokener_success) {
		if (obj)
			json_object_put(obj);
		json_tokener_free(tok);
		return NULL;
	}
	for (end = json_tokener_get_parse_end(tok); end < len; end++)
		if (strchr(" \t\r\n", text[end]) == NULL) {
			json_object_put(obj);
			obj = NULL;
			break;
		}
	json_tokener_free(tok);
	return obj;
}
