/* SPDX-License-Identifier: MIT */
#ifndef WGCONF_MESHCONF_H
#define WGCONF_MESHCONF_H

#include <json-c/json.h>

#include "model.h"

/* One accepted peer's view of the mesh, as GET /peer/config returns it.
 * Caller owns the result; NULL on a database error. */
struct json_object *meshconf_build(const struct peer *self);

/* What others route to a peer: its tunnel addresses as /32 and /128, then its
 * routed networks in order. Caller owns it; NULL on a database error. */
struct json_object *meshconf_allowed_ips(const struct peer *p);

/* "none", "valid" or "invalid" (stale: the key or routes changed since, or
 * the signing key did) for a peer's stored signature. */
const char *meshconf_signature_state(const struct peer *p);

#endif
