/* SPDX-License-Identifier: MIT */
/* Signed statements and revocations (lib/store/trust.c, docs/trust.md). */
#ifndef WGCONF_TRUST_H
#define WGCONF_TRUST_H

#include <stdint.h>

#include "result.h"
#include "rows.h"

/* Signed statements (docs/trust.md). The last signed statement of peer id:
 * its version, text and signature, as PUT .../signature verified them; id
 * and its partners are touched. */
int store_peer_set_statement(const char *id, int64_t version, const char *text,
                             const uint8_t sig[KEYS_SIG_LEN]);

/* Every revocation, or the signed ones only, oldest first. Caller frees. */
int store_revocation_list(struct revocation_list *out, int signed_only);

/* One revocation by id. */
int store_revocation_get(struct revocation *r, const char *id);

/* DB_OK when key has a revocation (signed or still pending), DB_NOTFOUND
 * when not. */
int store_key_revoked(const char *key);

/* Makes a pending revocation of key, for mesh net->mesh_id; the peer it was
 * is named for the admin. A key revoked already keeps its first revocation
 * (id is then ""). */
int store_revocation_add(const struct network *net, const char *key, const char *peer_id,
                         const char *peer_name, char id[PEER_ID_LEN]);

/* Stores the admin's signature of revocation id; every peer is touched. */
int store_revocation_sign(const char *id, const uint8_t sig[KEYS_SIG_LEN]);

#endif
