/* SPDX-License-Identifier: MIT */
#ifndef WGCONF_MESHCONF_H
#define WGCONF_MESHCONF_H

#include <json-c/json.h>

#include "model.h"

/* One accepted peer's view of the mesh, as GET /peer/config returns it.
 * Caller owns the result; NULL on a database error. */
struct json_object *meshconf_build(const struct peer *self);

#endif
