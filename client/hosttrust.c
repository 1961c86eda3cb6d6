/* SPDX-License-Identifier: MIT */
/* The host's trust store and the config built from signed statements (see
 * trust.h). Nothing the server says unsigned decides who is a peer, which
 * key it has or what is routed to it: only the endpoint, the keepalive and
 * the sealed PSK come from the unsigned JSON (an intruder can move an
 * endpoint or drop a peer, never let a key in or take a route). */
#include <err.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hosttrust.h"
#include "ipam.h"
#include "model.h"
#include "state.h"
#include "text.h"

#define HOSTTRUST_STORE_MAX (16u * 1024 * 1024)

/* ---- the store ------------------------------------------------------------ */

uint64_t
hosttrust_store_version(const struct hosttrust_store *st, const char *id)
{
	for (size_t i = 0; i < st->n_versions; i++)
		if (strcmp(st->versions[i].id, id) == 0)
			return st->versions[i].version;
	return 0;
}

bool
hosttrust_store_revoked(const struct hosttrust_store *st, const char *key)
{
	for (size_t i = 0; i < st->n_revoked; i++)
		if (strcmp(st->revoked[i], key) == 0)
			return true;
	return false;
}

/* Raises the version remembered for id to v (never lowers it). */
static int
store_see(struct hosttrust_store *st, const char *id, uint64_t v)
{
	struct hosttrust_version *nv;

	for (size_t i = 0; i < st->n_versions; i++) {
		if (strcmp(st->versions[i].id, id) != 0)
			continue;
		if (st->versions[i].version < v) {
			st->versions[i].version = v;
			st->changed = true;
		}
		return 0;
	}
	if (strlen(id) > STATEMENT_ID_MAX)
		return -1;
	nv = realloc(st->versions, (st->n_versions + 1) * sizeof(*nv));
	if (nv == NULL)
		return -1;
	st->versions = nv;
	snprintf(nv[st->n_versions].id, sizeof(nv->id), "%s", id);
	nv[st->n_versions++].version = v;
	st->changed = true;
	return 0;
}

static int
store_revoke(struct hosttrust_store *st, const char *key)
{
	char (*nv)[KEYS_B64_LEN];

	if (hosttrust_store_revoked(st, key))
		return 0;
	if (strlen(key) != KEYS_B64_LEN - 1)
		return -1;
	nv = realloc(st->revoked, (st->n_revoked + 1) * sizeof(*nv));
	if (nv == NULL)
		return -1;
	st->revoked = nv;
	memcpy(nv[st->n_revoked++], key, KEYS_B64_LEN);
	st->changed = true;
	return 0;
}

void
hosttrust_store_free(struct hosttrust_store *st)
{
	if (st == NULL)
		return;
	free(st->versions);
	free(st->revoked);
	memset(st, 0, sizeof(*st));
}

/* A revoked key in trust.json is canonical (keys_parse_public) as every key
 * it is compared with is: true, and a warning naming it, when it is not. */
static bool
revoked_key_bad(const char *key)
{
	uint8_t k[KEYS_LEN];
	char canon[KEYS_B64_LEN];
	int r = keys_parse_public(k, key);

	if (r == 0)
		return false;
	if (r == KEYS_PUBLIC_NOT_CANONICAL && keys_public_canonical(canon, key) == 0)
		warnx(HOSTTRUST_FILE ": the revoked key %s is %s; the key it spells is %s",
		      key, keys_public_why(r), canon);
	else
		warnx(HOSTTRUST_FILE ": the revoked key \"%.64s\" is %s", key, keys_public_why(r));
	return true;
}

static int
store_from_json(struct hosttrust_store *st, struct json_object *obj)
{
	struct json_object *v, *e;

	if (!json_object_is_type(obj, json_type_object))
		return -1;
	if (json_object_object_get_ex(obj, "mesh", &v) && !json_object_is_type(v, json_type_null)) {
		if (!json_object_is_type(v, json_type_string) ||
		    !statement_mesh_valid(json_object_get_string(v)))
			return -1;
		snprintf(st->mesh, sizeof(st->mesh), "%s", json_object_get_string(v));
	}
	if (json_object_object_get_ex(obj, "listen_port", &v) &&
	    !json_object_is_type(v, json_type_null)) {
		if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 1 ||
		    json_object_get_int64(v) > 65535)
			return -1;
		st->listen_port = json_object_get_int(v);
	}
	if (json_object_object_get_ex(obj, "versions", &v)) {
		if (!json_object_is_type(v, json_type_object))
			return -1;
		json_object_object_foreach(v, id, ver) {
			int64_t n;

			if (!json_object_is_type(ver, json_type_int) ||
			    (n = json_object_get_int64(ver)) < 1 ||
			    (uint64_t)n > STATEMENT_VERSION_MAX ||
			    !text_safe_token(id, STATEMENT_ID_MAX) ||
			    store_see(st, id, (uint64_t)n) != 0)
				return -1;
		}
	}
	if (json_object_object_get_ex(obj, "revoked", &v)) {
		if (!json_object_is_type(v, json_type_array))
			return -1;
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			e = json_object_array_get_idx(v, i);
			if (!json_object_is_type(e, json_type_string) ||
			    revoked_key_bad(json_object_get_string(e)) ||
			    store_revoke(st, json_object_get_string(e)) != 0)
				return -1;
		}
	}
	st->changed = false;
	return 0;
}

int
hosttrust_store_load(struct hosttrust_store *st, const char *dir)
{
	char *path = NULL, *text = NULL;
	size_t len = 0;
	struct json_object *obj = NULL;
	int r, ret = -1;

	memset(st, 0, sizeof(*st));
	if (asprintf(&path, "%s/%s", dir, HOSTTRUST_FILE) < 0) {
		path = NULL;
		warnx("out of memory");
		goto out;
	}
	r = state_read_file(path, HOSTTRUST_STORE_MAX, &text, &len);
	if (r == 1) {
		ret = 0;
		goto out;
	}
	if (r != 0) {
		warnx("cannot read %s: %s", path, strerror(errno));
		goto out;
	}
	obj = model_parse_json(text, len);
	if (obj == NULL || store_from_json(st, obj) != 0) {
		hosttrust_store_free(st);
		warnx("%s is damaged: refusing to go on without what it remembers (the "
		       "versions seen and the revoked keys); restore it from a backup, or "
		       "remove it to start trusting afresh", path);
		goto out;
	}
	ret = 0;
out:
	if (obj)
		json_object_put(obj);
	free(text);
	free(path);
	return ret;
}

int
hosttrust_store_save(const struct hosttrust_store *st, const char *dir)
{
	struct json_object *obj = json_object_new_object(), *vers = json_object_new_object();
	struct json_object *rev = json_object_new_array();
	char *path = NULL;
	const char *text;
	int ret = -1;

	if (obj == NULL || vers == NULL || rev == NULL ||
	    asprintf(&path, "%s/%s", dir, HOSTTRUST_FILE) < 0) {
		path = NULL;
		json_object_put(vers);
		json_object_put(rev);
		warnx("out of memory");
		goto out;
	}
	json_object_object_add(obj, "mesh", st->mesh[0] ? json_object_new_string(st->mesh) : NULL);
	json_object_object_add(obj, "listen_port",
	                       st->listen_port ? json_object_new_int(st->listen_port) : NULL);
	for (size_t i = 0; i < st->n_versions; i++)
		json_object_object_add(vers, st->versions[i].id,
		                       json_object_new_int64((int64_t)st->versions[i].version));
	json_object_object_add(obj, "versions", vers);
	for (size_t i = 0; i < st->n_revoked; i++)
		json_object_array_add(rev, json_object_new_string(st->revoked[i]));
	json_object_object_add(obj, "revoked", rev);
	text = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
	                                           JSON_C_TO_STRING_NOSLASHESCAPE);
	ret = state_write_atomic(path, text, strlen(text), 0600);
out:
	if (obj)
		json_object_put(obj);
	free(path);
	return ret;
}

/* ---- building the config ---------------------------------------------------- */

void
hosttrust_result_free(struct hosttrust_result *res)
{
	if (res == NULL)
		return;
	for (size_t i = 0; i < res->n_refused; i++)
		free(res->refused[i]);
	free(res->refused);
	memset(res, 0, sizeof(*res));
}

/* The {text, signature} member key of obj: 0 with both set, 1 when absent
 * or null, -1 when malformed. Borrowed from obj. */
static int
signed_member(struct json_object *obj, const char *key, const char **text, size_t *len,
              const char **sig)
{
	struct json_object *v, *t, *s;

	*text = *sig = NULL;
	*len = 0;
	if (!json_object_object_get_ex(obj, key, &v) || json_object_is_type(v, json_type_null))
		return 1;
	if (!json_object_is_type(v, json_type_object) ||
	    !json_object_object_get_ex(v, "text", &t) || !json_object_is_type(t, json_type_string) ||
	    !json_object_object_get_ex(v, "signature", &s) ||
	    !json_object_is_type(s, json_type_string))
		return -1;
	*text = json_object_get_string(t);
	*len = (size_t)json_object_get_string_len(t);
	*sig = json_object_get_string(s);
	return 0;
}

static bool
has_pair(const struct statement *s, const char *id)
{
	for (size_t i = 0; i < s->npairs; i++)
		if (strcmp(s->pairs[i], id) == 0)
			return true;
	return false;
}

/* Opens a signed member and checks what every statement must satisfy
 * before it says anything: a valid signature, this host's mesh, not older
 * than seen, a key not revoked. Raises the remembered version. 0 with *s
 * filled; 1 refused with *why set (in buf, or static); -1 out of memory. */
static int
open_statement(struct hosttrust_store *st, const uint8_t trusted[KEYS_LEN],
               struct json_object *obj, struct statement *s, char *buf, size_t bufsz,
               const char **why)
{
	const char *text, *sig, *perr = NULL;
	size_t len;
	uint64_t seen;
	int r;

	statement_init(s);
	r = signed_member(obj, "statement", &text, &len, &sig);
	if (r == 1) {
		*why = "unsigned: it carries no signed statement";
		return 1;
	}
	if (r < 0) {
		*why = "bad statement: its \"statement\" is not {text, signature}";
		return 1;
	}
	if (statement_open(s, text, len, sig, trusted, &perr) != 0) {
		if (perr == NULL || strcmp(perr, "bad signature") == 0)
			snprintf(buf, bufsz, "bad signature: its statement does not verify "
			         "under the trusted key");
		else
			snprintf(buf, bufsz, "bad statement: %s", perr);
		*why = buf;
		return 1;
	}
	if (st->mesh[0] != '\0' && strcmp(s->mesh, st->mesh) != 0) {
		snprintf(buf, bufsz, "other mesh: its statement is for mesh %s, this host "
		         "belongs to mesh %s", s->mesh, st->mesh);
		*why = buf;
		goto refused;
	}
	seen = hosttrust_store_version(st, s->peer);
	if (s->version < seen) {
		snprintf(buf, bufsz, "rollback: its statement has version %llu, older than "
		         "version %llu seen before", (unsigned long long)s->version,
		         (unsigned long long)seen);
		*why = buf;
		goto refused;
	}
	if (st->mesh[0] != '\0' && store_see(st, s->peer, s->version) != 0)
		return -1;
	if (hosttrust_store_revoked(st, s->key)) {
		snprintf(buf, bufsz, "revoked: its key %s was revoked by the admin", s->key);
		*why = buf;
		goto refused;
	}
	return 0;
refused:
	statement_free(s);
	return 1;
}

static void
free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* A new array of text for cidrs (with prefix, or as host routes). */
static char **
cidr_texts(const struct cidr *c, size_t n, bool host, const struct cidr *more, size_t nmore)
{
	char **v = calloc(n + nmore + 1, sizeof(*v));
	char buf[IPAM_STRLEN];

	if (v == NULL)
		return NULL;
	for (size_t i = 0; i < n + nmore; i++) {
		struct cidr x = i < n ? c[i] : more[i - n];

		if (i < n && host)
			x.prefix = x.family == 4 ? 32 : 128;
		ipam_format(buf, &x, true);
		if ((v[i] = strdup(buf)) == NULL) {
			free_strv(v, i);
			return NULL;
		}
	}
	return v;
}

/* The same set of texts either way round. */
static bool
same_set(char **a, size_t na, char **b, size_t nb)
{
	for (size_t i = 0; i < na + nb; i++) {
		const char *x = i < na ? a[i] : b[i - na];
		char **in = i < na ? b : a;
		size_t nin = i < na ? nb : na;
		bool found = false;

		for (size_t j = 0; j < nin && !found; j++)
			found = strcmp(in[j], x) == 0;
		if (!found)
			return false;
	}
	return true;
}

/* When the server says other than what is signed (an intruder, or a change
 * the admin has not signed yet), the signed text is what is configured, and
 * the difference is a refusal said on its own line. 0 or -1 (memory). */
static int
refuse_unsigned(struct hosttrust_result *res, const char *who, const char *what,
                char **server, size_t nserver, char **signd, size_t nsigned)
{
	char *x, *y;
	int r;

	if (same_set(server, nserver, signd, nsigned))
		return 0;
	x = model_join(server, nserver, "none");
	y = model_join(signd, nsigned, "none");
	r = x && y ? model_add_line(&res->refused, &res->n_refused, "%s: refused the server's %s "
	                      "%s: not what its signed statement says; configured as "
	                      "signed: %s", who, what, x, y) : -1;
	free(x);
	free(y);
	return r;
}

/* This host's interface from its own statement. 0 or -1 (memory). */
static int
own_interface(struct mesh_config *cfg, const struct statement *s)
{
	char **addrs = cidr_texts(s->addresses, s->naddresses, false, NULL, 0);
	char **dns = NULL;
	char buf[IPAM_STRLEN];

	if (addrs == NULL)
		return -1;
	if ((dns = calloc(s->ndns + 1, sizeof(*dns))) == NULL) {
		free_strv(addrs, s->naddresses);
		return -1;
	}
	for (size_t i = 0; i < s->ndns; i++) {
		ipam_format(buf, &s->dns[i], false);
		if ((dns[i] = strdup(buf)) == NULL) {
			free_strv(addrs, s->naddresses);
			free_strv(dns, i);
			return -1;
		}
	}
	free_strv(cfg->addresses, cfg->n_addresses);
	cfg->addresses = addrs;
	cfg->n_addresses = s->naddresses;
	free_strv(cfg->dns, cfg->n_dns);
	cfg->dns = dns;
	cfg->n_dns = s->ndns;
	cfg->mtu = s->mtu;
	return 0;
}

struct candidate {
	bool ok;
	struct statement s;
	const char *why;
	char buf[400];
};

/* One line per refused peer. */
static int
refuse_peer(struct hosttrust_result *res, const struct mesh_peer *p, const char *why)
{
	return model_add_line(&res->refused, &res->n_refused, "peer %s (id %s): refused: %s",
	                p->name, p->id, why);
}

/* Any address of a overlaps any of b. */
static bool
overlaps(const struct statement *a, const struct statement *b, char *out, size_t outsz)
{
	for (size_t i = 0; i < a->naddresses + a->nnetworks; i++) {
		struct cidr x = i < a->naddresses ? a->addresses[i] : a->networks[i - a->naddresses];
		if (i < a->naddresses)
			x.prefix = x.family == 4 ? 32 : 128;
		for (size_t j = 0; j < b->naddresses + b->nnetworks; j++) {
			struct cidr y = j < b->naddresses ? b->addresses[j] :
			                b->networks[j - b->naddresses];
			char t1[IPAM_STRLEN], t2[IPAM_STRLEN];

			if (j < b->naddresses)
				y.prefix = y.family == 4 ? 32 : 128;
			if (x.family != y.family || !ipam_overlap(&x, &y))
				continue;
			ipam_format(t1, &x, true);
			ipam_format(t2, &y, true);
			snprintf(out, outsz, "%s overlaps %s", t1, t2);
			return true;
		}
	}
	return false;
}

/* Revocations: each must verify and be for this mesh. */
static int
take_revocations(struct hosttrust_store *st, const uint8_t trusted[KEYS_LEN],
                 struct json_object *json, struct hosttrust_result *res)
{
	struct json_object *arr;

	if (!json_object_object_get_ex(json, "revocations", &arr) ||
	    json_object_is_type(arr, json_type_null))
		return 0;
	if (!json_object_is_type(arr, json_type_array))
		return model_add_line(&res->refused, &res->n_refused,
		                "revocations: refused: not a list");
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *e = json_object_array_get_idx(arr, i), *t, *sg;
		struct statement_revocation rv;
		const char *why = NULL;
		uint8_t sig[KEYS_SIG_LEN];
		size_t siglen = 0;

		if (!json_object_is_type(e, json_type_object) ||
		    !json_object_object_get_ex(e, "text", &t) ||
		    !json_object_is_type(t, json_type_string) ||
		    !json_object_object_get_ex(e, "signature", &sg) ||
		    !json_object_is_type(sg, json_type_string)) {
			why = "not {text, signature}";
		} else if (keys_b64_decode(sig, sizeof(sig), &siglen,
		                           json_object_get_string(sg)) != 0 ||
		           siglen != KEYS_SIG_LEN ||
		           statement_verify(json_object_get_string(t),
		                            (size_t)json_object_get_string_len(t), sig,
		                            trusted) != 0) {
			why = "its signature does not verify under the trusted key";
		} else if (statement_revocation_parse(&rv, json_object_get_string(t),
		                                      (size_t)json_object_get_string_len(t),
		                                      &why) != 0) {
			/* why set */
		} else if (strcmp(rv.mesh, st->mesh) != 0) {
			why = "it is for another mesh";
		} else {
			if (store_revoke(st, rv.key) != 0)
				return -1;
			continue;
		}
		if (model_add_line(&res->refused, &res->n_refused, "revocation %zu: ignored: %s",
		             i + 1, why ? why : "invalid") != 0)
			return -1;
	}
	return 0;
}

/*
 * This host's own statement from json into own->s: 0 it is this host's
 * (*own_key: which of own_keys it names), 1 it is not (own->why says why),
 * -1 error.
 */
static int
open_own(struct hosttrust_store *st, const uint8_t trusted[KEYS_LEN],
         struct json_object *json, const char *self_id, const char *const *own_keys,
         size_t n_own_keys, struct candidate *own, int *own_key)
{
	int r = open_statement(st, trusted, json, &own->s, own->buf, sizeof(own->buf),
	                       &own->why);

	if (r != 0)
		return r;
	if (strcmp(own->s.peer, self_id) != 0) {
		snprintf(own->buf, sizeof(own->buf), "its statement is for peer %s", own->s.peer);
		own->why = own->buf;
		return 1;
	}
	for (size_t i = 0; i < n_own_keys; i++)
		if (strcmp(own_keys[i], own->s.key) == 0)
			*own_key = (int)i;
	if (*own_key < 0) {
		snprintf(own->buf, sizeof(own->buf), "its statement names key %s, which is not "
		         "this host's", own->s.key);
		own->why = own->buf;
		return 1;
	}
	return 0;
}

/* Peer p (its entry pj in the server's JSON) on its own statement, against
 * this host's (own): c->ok, or c->why. 0, or -1 error. */
static int
judge_peer(struct hosttrust_store *st, const uint8_t trusted[KEYS_LEN],
           struct json_object *pj, const struct mesh_peer *p, const char *self_id,
           const struct statement *own, struct candidate *c)
{
	int r = open_statement(st, trusted, pj, &c->s, c->buf, sizeof(c->buf), &c->why);

	if (r != 0)
		return r < 0 ? -1 : 0;
	if (strcmp(c->s.peer, p->id) != 0) {
		snprintf(c->buf, sizeof(c->buf), "its statement is for peer %s", c->s.peer);
		c->why = c->buf;
	} else if (strcmp(c->s.peer, self_id) == 0) {
		c->why = "it is this host";
	} else if (strcmp(c->s.key, p->public_key) != 0) {
		snprintf(c->buf, sizeof(c->buf), "not signed: the server gives key "
		         "%s, its signed statement key %s", p->public_key, c->s.key);
		c->why = c->buf;
	} else if (!has_pair(&c->s, self_id)) {
		c->why = "not paired: its statement does not name this host";
	} else if (!has_pair(own, p->id)) {
		c->why = "not paired: this host's statement does not name it";
	} else {
		c->ok = true;
	}
	return 0;
}

/* Two entries for one peer, or two peers that would share a route:
 * neither can be told apart from an intruder. */
static void
refuse_clashes(const struct mesh_config *cfg, struct candidate *c)
{
	for (size_t i = 0; i < cfg->n_peers; i++) {
		for (size_t j = i + 1; j < cfg->n_peers; j++) {
			char ov[2 * IPAM_STRLEN + 16];

			if (!c[i].ok || !c[j].ok)
				continue;
			if (strcmp(cfg->peers[i].id, cfg->peers[j].id) == 0) {
				c[i].ok = c[j].ok = false;
				c[i].why = c[j].why = "the server lists this peer twice";
			} else if (overlaps(&c[i].s, &c[j].s, ov, sizeof(ov))) {
				c[i].ok = c[j].ok = false;
				snprintf(c[i].buf, sizeof(c[i].buf), "overlap: its AllowedIPs and "
				         "those of peer %s (id %s) overlap (%s)", cfg->peers[j].name,
				         cfg->peers[j].id, ov);
				snprintf(c[j].buf, sizeof(c[j].buf), "overlap: its AllowedIPs and "
				         "those of peer %s (id %s) overlap", cfg->peers[i].name,
				         cfg->peers[i].id);
				c[i].why = c[i].buf;
				c[j].why = c[j].buf;
			}
		}
	}
}

/* A refused peer's fields freed (its PSK wiped), the entry left empty. */
static void
drop_peer(struct mesh_peer *p)
{
	model_mesh_peer_free(p);
	memset(p, 0, sizeof(*p));
}

/* This host's interface addresses from its statement; the server's other
 * ones are said (refuse_unsigned). 0 or -1. */
static int
signed_interface(struct mesh_config *cfg, struct hosttrust_result *res, const char *self_id,
                 const struct statement *own)
{
	char **server = cfg->addresses, who[STATEMENT_ID_MAX + 32];
	size_t nserver = cfg->n_addresses;
	int r;

	cfg->addresses = NULL;
	cfg->n_addresses = 0;
	snprintf(who, sizeof(who), "this host (id %s)", self_id);
	r = own_interface(cfg, own);
	if (r == 0)
		r = refuse_unsigned(res, who, "interface addresses", server, nserver,
		                    cfg->addresses, cfg->n_addresses);
	free_strv(server, nserver);
	return r;
}

/* A kept peer's AllowedIPs from its statement s; the server's other ones
 * are said (refuse_unsigned). 0 or -1. */
static int
signed_allowed_ips(struct hosttrust_result *res, struct mesh_peer *p, const struct statement *s)
{
	size_t n = s->naddresses + s->nnetworks;
	char **ips = cidr_texts(s->addresses, s->naddresses, true, s->networks, s->nnetworks);
	char who[200];

	if (ips == NULL)
		return -1;
	snprintf(who, sizeof(who), "peer %s (id %s)", p->name, p->id);
	if (refuse_unsigned(res, who, "AllowedIPs", p->allowed_ips, p->n_allowed_ips, ips,
	                    n) != 0) {
		free_strv(ips, n);
		return -1;
	}
	free_strv(p->allowed_ips, p->n_allowed_ips);
	p->allowed_ips = ips;
	p->n_allowed_ips = n;
	return 0;
}

/* The peers judged ok kept, on their signed AllowedIPs, in order; the others
 * refused and dropped. 0 or -1. */
static int
keep_signed(struct mesh_config *cfg, struct hosttrust_result *res, const struct candidate *c)
{
	size_t kept = 0;

	for (size_t i = 0; i < cfg->n_peers; i++) {
		struct mesh_peer *p = &cfg->peers[i];

		if (!c[i].ok) {
			if (refuse_peer(res, p, c[i].why) != 0)
				return -1;
			drop_peer(p);
			continue;
		}
		if (signed_allowed_ips(res, p, &c[i].s) != 0)
			return -1;
		if (kept != i) {
			cfg->peers[kept] = *p;
			memset(p, 0, sizeof(*p));
		}
		kept++;
	}
	cfg->n_peers = kept;
	return 0;
}

int
hosttrust_build(struct hosttrust_store *st, const uint8_t trusted[KEYS_LEN],
                const char *self_id, const char *const *own_keys, size_t n_own_keys,
                struct json_object *json, struct mesh_config *cfg,
                struct hosttrust_result *res)
{
	struct json_object *peers = NULL;
	struct candidate own = { 0 }, *c = NULL;
	size_t nc = 0;
	int r, ret = -1;

	memset(res, 0, sizeof(*res));
	res->own_key = -1;
	statement_init(&own.s);

	/* This host's own statement first: it pins the mesh, and without it
	 * nothing can be configured. */
	r = open_own(st, trusted, json, self_id, own_keys, n_own_keys, &own, &res->own_key);
	if (r < 0)
		goto out;
	if (r != 0) {
		res->held = true;
		if (model_add_line(&res->refused, &res->n_refused, "this host (id %s): held, nothing "
		             "written or applied: %s", self_id, own.why) != 0)
			goto out;
		ret = 0;
		goto out;
	}
	if (st->mesh[0] == '\0') {
		memcpy(st->mesh, own.s.mesh, sizeof(st->mesh));
		st->changed = true;
		if (store_see(st, own.s.peer, own.s.version) != 0)
			goto out;
	}
	if (take_revocations(st, trusted, json, res) != 0)
		goto out;
	if (hosttrust_store_revoked(st, own.s.key)) {
		res->held = true;
		ret = model_add_line(&res->refused, &res->n_refused, "this host (id %s): held, nothing "
		               "written or applied: its key %s was revoked", self_id,
		               own.s.key) == 0 ? 0 : -1;
		goto out;
	}
	if (signed_interface(cfg, res, self_id, &own.s) != 0)
		goto out;
	/* The port this host listens on is its own setting, like the mesh
	 * pinned once: a server that sends a port taken on this host (or
	 * closed in its firewall) must not take every tunnel down. */
	if (st->listen_port == 0 && cfg->listen_port != 0) {
		st->listen_port = cfg->listen_port;
		st->changed = true;
	}
	cfg->listen_port = st->listen_port;

	/* The peers, each on its own statement. */
	if (!json_object_object_get_ex(json, "peers", &peers) ||
	    json_object_array_length(peers) != cfg->n_peers)
		goto out;       /* model_from_json took this very JSON */
	if ((c = calloc(cfg->n_peers + 1, sizeof(*c))) == NULL)
		goto out;
	nc = cfg->n_peers;
	for (size_t i = 0; i < cfg->n_peers; i++) {
		const struct mesh_peer *p = &cfg->peers[i];

		statement_init(&c[i].s);
		if (judge_peer(st, trusted, json_object_array_get_idx(peers, i), p, self_id,
		               &own.s, &c[i]) != 0)
			goto out;
	}
	refuse_clashes(cfg, c);
	if (keep_signed(cfg, res, c) != 0)
		goto out;
	ret = 0;
out:
	for (size_t i = 0; c != NULL && i < nc; i++)
		statement_free(&c[i].s);
	free(c);
	statement_free(&own.s);
	return ret;
}
