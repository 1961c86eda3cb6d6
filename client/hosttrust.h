/* SPDX-License-Identifier: MIT */
/*
 * The host side of admin-signed statements (docs/trust.md): under a trusted
 * signing key, what the host configures about other peers and about its own
 * interface comes only from statements that verify, are for this host's
 * mesh, are not older than what the host saw before, carry no revoked key,
 * and name the pair on both sides. The trust store (trust.json in the state
 * folder) remembers the mesh, the highest version seen per peer and the
 * revoked keys, so that an older signed statement or a revoked key never
 * comes back, whatever the server sends.
 */
#ifndef WGCONF_CLIENT_HOSTTRUST_H
#define WGCONF_CLIENT_HOSTTRUST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "keys.h"
#include "statement.h"

#define HOSTTRUST_FILE "trust.json"

struct hosttrust_version {
	char id[STATEMENT_ID_MAX + 1];
	uint64_t version;
};

struct hosttrust_store {
	char mesh[STATEMENT_MESH_LEN];          /* "" until pinned */
	int listen_port;                        /* this host's own, 0 until pinned */
	struct hosttrust_version *versions;     /* highest version seen per peer id */
	size_t n_versions;
	char (*revoked)[KEYS_B64_LEN];
	size_t n_revoked;
	bool changed;                           /* to be saved */
};

/* Loads dir/trust.json; an absent file is an empty store. 0, or -1 with a
 * message (a damaged store is an error: it must not quietly forget). The
 * caller frees st with hosttrust_store_free. */
int hosttrust_store_load(struct hosttrust_store *st, const char *dir);

/* Writes dir/trust.json atomically, 0600. 0 or -1 with a message. */
int hosttrust_store_save(const struct hosttrust_store *st, const char *dir);

void hosttrust_store_free(struct hosttrust_store *st);

/* The version last seen for a peer id, 0 for none. */
uint64_t hosttrust_store_version(const struct hosttrust_store *st, const char *id);

bool hosttrust_store_revoked(const struct hosttrust_store *st, const char *key);

struct mesh_config;

struct hosttrust_result {
	char **refused;         /* one line per refusal, naming the peer and why */
	size_t n_refused;
	bool held;              /* the host's own statement is unusable: nothing
	                           from this config may be written or applied */
	int own_key;            /* which of own_keys this host's statement names */
};

/*
 * Rebuilds cfg (parsed from json by model_from_json, PSKs not yet opened)
 * from the signed statements json carries: the interface addresses, MTU and
 * DNS from this host's own statement; each peer's key and AllowedIPs (its
 * addresses as /32 and /128, and its networks) from its statement; peers
 * whose statement is missing, does not verify, is for another mesh or
 * another peer, is older than seen before, names a revoked key, or whose
 * pairing is not signed on both sides are left out and listed in res;
 * peers whose AllowedIPs overlap are all left out. own_keys are this host's
 * public keys in base64 (the current one, and a pending next one during a
 * rotation); its own statement must name one of them. The store learns the
 * mesh (from this host's statement, when not pinned yet), higher versions
 * and signed revocations. The listen port is no statement's: it is the
 * store's (pinned from the first config with a usable own statement when
 * unset), whatever json says. 0, or -1 out of memory. The caller frees res with
 * hosttrust_result_free.
 */
int hosttrust_build(struct hosttrust_store *st, const uint8_t trusted[KEYS_LEN],
                    const char *self_id, const char *const *own_keys, size_t n_own_keys,
                    struct json_object *json, struct mesh_config *cfg,
                    struct hosttrust_result *res);

void hosttrust_result_free(struct hosttrust_result *res);

#endif
