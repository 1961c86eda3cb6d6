/* SPDX-License-Identifier: MIT */
/*
 * One peer's config and what is derived from a peer record (its AllowedIPs,
 * its signature state). Pure: structs in, JSON out, no database.
 */
#ifndef WGCONF_MESHCONF_H
#define WGCONF_MESHCONF_H

#include <json-c/json.h>

#include "model.h"

/* One accepted peer's view of the mesh, as GET /peer/config returns it,
 * from its own record, the network settings and its links (store_links()).
 * Caller owns the result. */
struct json_object *meshconf_build(const struct peer *self, const struct network *net,
                                   const struct link_list *links);

/* What others route to a peer: its tunnel addresses as /32 and /128, then its
 * routed networks in order. Caller owns it. */
struct json_object *meshconf_allowed_ips(const struct peer *p);

/* Checks sig against the bytes an admin signs for p (record_signed_text())
 * under the network's signing key: 0 when it matches, -1 otherwise (also
 * when the network has no signing key). */
int meshconf_verify(const struct peer *p, const struct network *net,
                    const uint8_t sig[KEYS_SIG_LEN]);

/* "none", "valid" or "invalid" (stale: the key or routes changed since, or
 * the signing key did) for p's stored signature under net. */
const char *meshconf_signature_state(const struct peer *p, const struct network *net);

#endif
