/* SPDX-License-Identifier: MIT */
/* What the peer commands share: the registered host's state, its requests
 * to the server and the answers they all treat alike, and a config from the
 * server made ready to render (signatures checked, PSKs opened). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "keys.h"
#include "peer.h"
#include "state.h"

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

/* With a trusted signing key, leaves out of cfg the peers whose records it
 * did not sign; they are listed in *refused (NULL for none; caller frees
 * with model_free_lines). Without one, nothing is checked. 0 or -1. */
int
peer_check_signatures(const struct state *st, struct mesh_config *cfg, char ***refused,
                 size_t *nrefused)
{
	uint8_t pk[KEYS_LEN];

	*refused = NULL;
	*nrefused = 0;
	if (st->trust_key == NULL)
		return 0;
	if (keys_b64_decode_key(pk, st->trust_key) != 0) {
		warnx("the trusted signing key in %s is not a key", st->dir);
		return -1;
	}
	if (model_check_signatures(cfg, pk, refused, nrefused) < 0) {
		model_free_lines(*refused, *nrefused);
		*refused = NULL;
		*nrefused = 0;
		warnx("out of memory");
		return -1;
	}
	return 0;
}

void
peer_print_refused(char **refused, size_t n)
{
	for (size_t i = 0; i < n; i++)
		warnx("left out %s", refused[i]);
	if (n > 0)
		warnx("held for review: %s not configured until an admin signs %s "
		       "(`wgconf admin sign PEER --key FILE`)", n == 1 ? "it is" : "they are",
		       n == 1 ? "it" : "them");
}

/* The model of a config JSON with the PSKs opened, ready to render; the
 * private key in base64 goes to skb64. Peers left out for want of a valid
 * signature are listed in *refused (see check_signatures): before the PSKs
 * are opened, so a forged entry cannot fail the whole config either. */
int
peer_prepare_config(const struct state *st, struct json_object *json, struct mesh_config *cfg,
               char skb64[KEYS_B64_LEN], char ***refused, size_t *nrefused)
{
	uint8_t sk[KEYS_LEN], pk[KEYS_LEN];
	char err[256];
	int ret = -1;

	*refused = NULL;
	*nrefused = 0;
	if (model_from_json(cfg, json, err, sizeof(err)) != 0) {
		warnx("the server sent an invalid config: %s", err);
		goto out;
	}
	if (peer_check_signatures(st, cfg, refused, nrefused) != 0)
		goto out;
	if (state_key_load(st->dir, sk) != 0)
		goto out;
	if (keys_public(pk, sk) != 0) {
		warnx("the private key in %s is not usable", st->dir);
		goto out;
	}
	if (model_open_psks(cfg, pk, sk, err, sizeof(err)) != 0) {
		warnx("%s", err);
		goto out;
	}
	keys_b64_encode(skb64, KEYS_B64_LEN, sk, sizeof(sk));
	ret = 0;
out:
	keys_wipe(sk, sizeof(sk));
	return ret;
}

void
peer_print_warnings(const struct mesh_config *cfg)
{
	for (size_t i = 0; i < cfg->n_warnings; i++)
		warnx("warning: %s", cfg->warnings[i]);
}
