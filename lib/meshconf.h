/* SPDX-License-Identifier: MIT */
/*
 * One peer's config and what is derived from a peer record (its AllowedIPs,
 * its signed statement). Pure: structs in, JSON out, no database.
 */
#ifndef WGCONF_MESHCONF_H
#define WGCONF_MESHCONF_H

#include <json-c/json.h>

#include "model.h"

/* The shape of what meshconf_build() makes. Kept configs are keyed by it
 * too (lib/store.h): change it with any change to what a config holds or
 * how it is spelled, so no body of the old shape is served again. */
#define MESHCONF_FORMAT 1

/* One accepted peer's view of the mesh, as GET /peer/config returns it,
 * from its own record, the network settings, its links (store_links()) and
 * the revocations (only the signed ones are shown). Caller owns the result. */
struct json_object *meshconf_build(const struct peer *self, const struct network *net,
                                   const struct link_list *links,
                                   const struct revocation_list *revs);

/* What others route to a peer: its tunnel addresses as /32 and /128, then its
 * routed networks in order. Caller owns it. */
struct json_object *meshconf_allowed_ips(const struct peer *p);

/* The last signed statement of p as {"text", "signature"}, or NULL (JSON
 * null) when it has none. Caller owns it. */
struct json_object *meshconf_statement(const struct peer *p);

#endif
