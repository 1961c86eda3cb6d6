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

/* With a trusted signing key, leaves out of cfg the peers whose records it
 * did not sign; they are listed in *refused (NULL for none; caller frees
 * with model_free_lines). Without one, nothing is checked. 0 or -1. */
int peer_check_signatures(const struct state *st, struct mesh_config *cfg, char ***refused,
                          size_t *nrefused);

/* The peers left out, one line each on stderr, and what to do. */
void peer_print_refused(char **refused, size_t n);

/* The model of a config JSON with the PSKs opened, ready to render; the
 * private key in base64 goes to skb64 (the caller wipes it). Peers left
 * out for want of a valid signature are listed in *refused. 0 or -1. */
int peer_prepare_config(const struct state *st, struct json_object *json,
                        struct mesh_config *cfg, char skb64[KEYS_B64_LEN],
                        char ***refused, size_t *nrefused);

/* The server's warnings about cfg, on stderr. */
void peer_print_warnings(const struct mesh_config *cfg);

#endif
