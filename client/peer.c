/* SPDX-License-Identifier: MIT */
/* What the peer commands share: the registered host's state, its requests
 * to the server and the answers they all treat alike, and a config from the
 * server made ready to render (signatures checked, PSKs opened). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "hosttrust.h"
#include "keys.h"
#include "peer.h"
#include "nextkey.h"
#include "state.h"
#include "text.h"

/* Loads state, or explains what to do when there is none. */
int
peer_load_state(struct state *st, const char *dir)
{
	int r = state_load(st, dir);

	if (r == 1)
		warnx("not registered (no state in %s): run `wgconf register` first", dir);
	return r == 0 ? 0 : -1;
}

static void
tls_from_state(struct fetch_tls *tls, const struct state *st)
{
	tls->cacert = st->cacert;
	tls->pin = st->pin;
	tls->insecure_http = st->insecure_http;
}

/* One request as the registered peer. */
int
peer_request(const struct state *st, const char *method, const char *path,
             struct json_object *body, const char *inm, struct fetch_response *resp)
{
	struct fetch_tls tls = { 0 };
	struct fetch_auth auth = { 0 };

	tls_from_state(&tls, st);
	auth.bearer = st->token;
	return fetch_request(st->server, method, path, &tls, &auth, body, inm, resp);
}

/* The answers every peer command treats the same way. */
int
peer_failure(const struct fetch_response *resp, const char *what, const struct state *st)
{
	if (resp->status == 409 && strcmp(fetch_error_code(resp), "peer_pending") == 0) {
		warnx("%s: this host (id %s) is registered but not yet accepted; an "
		       "admin runs `wgconf admin accept %s`", what, st->id, st->id);
		return EXIT_PENDING;
	}
	if (resp->status == 401) {
		fetch_report(resp, what);
		warnx("the server does not know this host's token any more (deleted or "
		       "rejected?); `wgconf register --force` registers it again");
		return EXIT_ERR;
	}
	fetch_report(resp, what);
	return EXIT_ERR;
}

/* The host's key pairs: the current one, and a pending next one (wgconf
 * rotate) when there is one. *n is 1 or 2. 0 or -1 (said). */
static int
own_keys(const struct state *st, uint8_t sk[2][KEYS_LEN], uint8_t pk[2][KEYS_LEN],
         char b64[2][KEYS_B64_LEN], size_t *n)
{
	int r;

	*n = 0;
	if (state_key_load(st->dir, sk[0]) != 0)
		return -1;
	if (keys_public(pk[0], sk[0]) != 0) {
		warnx("the private key in %s is not usable", st->dir);
		return -1;
	}
	*n = 1;
	if ((r = nextkey_load(st->dir, sk[1])) < 0)
		return -1;
	if (r == 0 && keys_public(pk[1], sk[1]) == 0)
		*n = 2;
	for (size_t i = 0; i < *n; i++)
		keys_b64_encode(b64[i], KEYS_B64_LEN, pk[i], KEYS_LEN);
	return 0;
}

/* Under a trusted key: cfg rebuilt from the statements json carries
 * (hosttrust_build). With scratch, the store's versions are not used nor
 * saved (a base to compare with, not a config to install). 0 ready, 1 held,
 * -1 error; *own_key is the key this host's statement names. */
static int
from_statements(const struct state *st, struct json_object *json, struct mesh_config *cfg,
                const char b64[2][KEYS_B64_LEN], size_t nkeys, bool scratch,
                char ***refused, size_t *nrefused, int *own_key)
{
	struct hosttrust_store store = { 0 };
	struct hosttrust_result res = { 0 };
	const char *keys[2] = { b64[0], b64[1] };
	uint8_t pk[KEYS_LEN];
	int ret = -1;

	if (keys_b64_decode_key(pk, st->trust_key) != 0) {
		warnx("the trusted signing key in %s is not a key", st->dir);
		return -1;
	}
	if (hosttrust_store_load(&store, st->dir) != 0)
		return -1;
	if (scratch) {
		free(store.versions);
		store.versions = NULL;
		store.n_versions = 0;
	}
	if (hosttrust_build(&store, pk, st->id, keys, nkeys, json, cfg, &res) != 0) {
		warnx("out of memory");
		goto out;
	}
	/* What was learnt is true whatever happens next (each fact is signed):
	 * kept at once, so a later failure cannot make the host forget it. */
	if (!scratch && store.changed && hosttrust_store_save(&store, st->dir) != 0)
		goto out;
	*refused = res.refused;
	*nrefused = res.n_refused;
	res.refused = NULL;
	res.n_refused = 0;
	*own_key = res.own_key;
	ret = res.held ? 1 : 0;
out:
	hosttrust_result_free(&res);
	hosttrust_store_free(&store);
	return ret;
}

int
peer_check_signatures(const struct state *st, struct json_object *json,
                      struct mesh_config *cfg, char ***refused, size_t *nrefused)
{
	uint8_t sk[2][KEYS_LEN], pk[2][KEYS_LEN];
	char b64[2][KEYS_B64_LEN];
	size_t nkeys = 0;
	int own_key, r = -1;

	*refused = NULL;
	*nrefused = 0;
	if (st->trust_key == NULL)
		return 0;
	if (own_keys(st, sk, pk, b64, &nkeys) == 0)
		r = from_statements(st, json, cfg, b64, nkeys, true, refused, nrefused,
		                    &own_key);
	keys_wipe(sk, sizeof(sk));
	if (r == 1) {
		/* Nothing of it can be trusted: compare with nothing. */
		model_free(cfg);
		r = 0;
	}
	return r;
}

void
peer_print_refused(char **refused, size_t n)
{
	for (size_t i = 0; i < n; i++)
		warnx("%s", refused[i]);
	if (n > 0)
		warnx("held: %s not configured until an admin signs what the server says "
		      "(`wgconf admin sign --key FILE`), or the server stops saying it",
		      n == 1 ? "that is" : "those are");
}

/* Opens the PSKs with key k, or else with the other one: right after a key
 * change the boxes may still be sealed to the old key. The index of the key
 * that opened them, or -1 with err set. */
static int
open_psks(struct mesh_config *cfg, uint8_t sk[2][KEYS_LEN], uint8_t pk[2][KEYS_LEN],
          size_t nkeys, size_t k, char *err, size_t errlen)
{
	if (model_open_psks(cfg, pk[k], sk[k], err, errlen) == 0)
		return (int)k;
	if (nkeys == 2 && model_open_psks(cfg, pk[1 - k], sk[1 - k], err, errlen) == 0)
		return (int)(1 - k);
	return -1;
}

/* peer_prepare_config; with scratch, the trust store is neither used for
 * versions nor saved (see from_statements). */
static int
prepare(const struct state *st, struct json_object *json, struct mesh_config *cfg,
        char skb64[KEYS_B64_LEN], char ***refused, size_t *nrefused, bool *next_key,
        bool scratch)
{
	uint8_t sk[2][KEYS_LEN], pk[2][KEYS_LEN];
	char err[256], b64[2][KEYS_B64_LEN];
	size_t nkeys = 0, use = 0;
	int r, ret = -1;

	*refused = NULL;
	*nrefused = 0;
	if (next_key)
		*next_key = false;
	if (model_from_json(cfg, json, err, sizeof(err)) != 0) {
		warnx("the server sent an invalid config: %s", err);
		goto out;
	}
	if (own_keys(st, sk, pk, b64, &nkeys) != 0)
		goto out;
	if (st->trust_key != NULL) {
		int own_key = 0;

		/* Before the PSKs are opened, so a forged entry cannot fail the
		 * whole config either. */
		r = from_statements(st, json, cfg, b64, nkeys, scratch, refused, nrefused,
		                    &own_key);
		if (r != 0) {
			ret = r;
			goto out;
		}
		use = (size_t)own_key;
		if (open_psks(cfg, sk, pk, nkeys, use, err, sizeof(err)) < 0) {
			warnx("%s", err);
			goto out;
		}
	} else {
		struct json_object *ifc = NULL;
		const char *says = NULL;

		/* Unsigned, the config says which key it is for
		 * (interface.public_key); from a server that does not, the PSKs
		 * tell: once it took the next key, every box is sealed to it. */
		if (json_object_object_get_ex(json, "interface", &ifc))
			says = text_json_str(ifc, "public_key");
		if (says != NULL && nkeys == 2 && strcmp(says, b64[1]) == 0)
			use = 1;
		if ((r = open_psks(cfg, sk, pk, nkeys, use, err, sizeof(err))) < 0) {
			warnx("%s", err);
			goto out;
		}
		if (says == NULL || (strcmp(says, b64[0]) != 0 && strcmp(says, b64[1]) != 0))
			use = (size_t)r;
	}
	if (next_key)
		*next_key = use == 1;
	keys_b64_encode(skb64, KEYS_B64_LEN, sk[use], KEYS_LEN);
	ret = 0;
out:
	keys_wipe(sk, sizeof(sk));
	return ret;
}

int
peer_prepare_config(const struct state *st, struct json_object *json, struct mesh_config *cfg,
                    char skb64[KEYS_B64_LEN], char ***refused, size_t *nrefused,
                    bool *next_key)
{
	return prepare(st, json, cfg, skb64, refused, nrefused, next_key, false);
}

int
peer_prepare_previous(const struct state *st, struct json_object *json,
                      struct mesh_config *cfg, char skb64[KEYS_B64_LEN])
{
	char **refused = NULL;
	size_t n = 0;
	int r = prepare(st, json, cfg, skb64, &refused, &n, NULL, true);

	model_free_lines(refused, n);
	return r == 0 ? 0 : -1;
}

int
peer_health(const struct state *st, char ip[64])
{
	struct fetch_tls tls = { 0 };
	struct fetch_auth auth = { 0 };
	struct fetch_response resp = { 0 };
	int ret = -1;

	tls_from_state(&tls, st);
	ip[0] = '\0';
	if (fetch_request(st->server, "GET", "/health", &tls, &auth, NULL, NULL, &resp) == 0) {
		memcpy(ip, resp.primary_ip, sizeof(resp.primary_ip));
		ret = resp.status == 200 ? 0 : -1;
		if (ret != 0)
			fetch_report(&resp, "health check");
	}
	fetch_response_free(&resp);
	return ret;
}

void
peer_print_warnings(const struct mesh_config *cfg)
{
	for (size_t i = 0; i < cfg->n_warnings; i++)
		warnx("warning: %s", cfg->warnings[i]);
}
