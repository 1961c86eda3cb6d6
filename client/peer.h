/* SPDX-License-Identifier: MIT */
/* What the peer commands (register aside) share: the host's state, its
 * requests as the registered peer, and a server config made ready. */
#ifndef WGCONF_CLIENT_PEER_H
#define WGCONF_CLIENT_PEER_H

#include "fetch.h"
#include "keys.h"
#include "model.h"
#include "state.h"

/* Loads the state in dir, or explains that this host is not registered.
 * 0 or -1 (said on stderr). st is the caller's: state_free. */
int peer_load_state(struct state *st, const char *dir);

/* One request as the registered peer (its token, its TLS trust); as
 * fetch_request. */
int peer_request(const struct state *st, const char *method, const char *path,
                 struct json_object *body, const char *inm, struct fetch_response *resp);

/* Says what a failed answer means for this host (pending, token no longer
 * known, anything else) and returns the exit status for it. */
int peer_failure(const struct fetch_response *resp, const char *what, const struct state *st);

/* A base for --review to compare with: under a trusted signing key, cfg
 * (model_from_json of json) rebuilt from json's statements as they stand
 * (the versions remembered are not applied, nothing is saved), the peers
 * left out listed in *refused (caller frees with model_free_lines); no peer
 * at all when the host's own statement is unusable. Without a key nothing
 * changes. 0 or -1. */
int peer_check_signatures(const struct state *st, struct json_object *json,
                          struct mesh_config *cfg, char ***refused, size_t *nrefused);

/* The refusals, one line each on stderr, and what to do. */
void peer_print_refused(char **refused, size_t n);

/* The model of a config JSON with the PSKs opened, ready to render; the
 * private key in base64 goes to skb64 (the caller wipes it). Under a
 * trusted signing key the config comes only from signed statements
 * (hosttrust.h): peers refused are listed in *refused, and the trust store
 * is updated. 0 ready, 1 held (this host's own statement is unusable:
 * nothing may be written or applied; why is in *refused), -1 error.
 * *next_key (may be NULL) is set when the config is for the pending next
 * key of `wgconf rotate`: the caller makes it the host's key
 * (nextkey_promote) once the config is written. */
int peer_prepare_config(const struct state *st, struct json_object *json,
                        struct mesh_config *cfg, char skb64[KEYS_B64_LEN],
                        char ***refused, size_t *nrefused, bool *next_key);

/* The config last installed (json, the cached one), ready to render again
 * to restore it: as peer_prepare_config, but the trust store is neither
 * applied for versions nor changed, and refusals are dropped silently. */
int peer_prepare_previous(const struct state *st, struct json_object *json,
                          struct mesh_config *cfg, char skb64[KEYS_B64_LEN]);

/* GET /health with the host's TLS trust (no token): 0 when the server
 * answers 200; ip gets the address the answer came from ("" when none).
 * -1 otherwise, said on stderr. */
int peer_health(const struct state *st, char ip[64]);

/* The server's warnings about cfg, on stderr. */
void peer_print_warnings(const struct mesh_config *cfg);

#endif
