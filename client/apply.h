/* SPDX-License-Identifier: MIT */
/* Brings a live interface to a config (ip, wg). */
#ifndef WGCONF_CLIENT_APPLY_H
#define WGCONF_CLIENT_APPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "model.h"


/* Runs argv (no shell) and waits. in/inlen go to its stdin when in is set;
 * out, when set, gets its stdout (malloc'd, caller frees). Returns the exit
 * status, or -1 when it could not run. */
int apply_run(const char *const argv[], const char *in, size_t inlen, char **out);
/* Runs argv and reads its output as a JSON array: the array (the caller
 * puts it), or NULL, with *ran false when argv could not be run and true
 * when its output is not a JSON array. */
struct json_object *apply_run_json(const char *const argv[], bool *ran);

/* Brings interface iface to cfg: `wg syncconf` with wg_text (the stripped
 * config), addresses, MTU, link up, routes for AllowedIPs outside the
 * interface subnets (and removal of routes wgconf added that are no longer
 * wanted). Sessions stay up. 0 or -1 with messages on stderr. */
int apply_config(const char *iface, const struct mesh_config *cfg,
                 const char *wg_text, size_t wg_len, bool verbose);

#endif
