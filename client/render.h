/* SPDX-License-Identifier: MIT */
/* Model -> text: wg-quick(8) files, wg(8) setconf files, VyOS 1.4 commands. */
#ifndef WGCONF_CLIENT_RENDER_H
#define WGCONF_CLIENT_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "model.h"

#define WGCONF_HEADER "# Written by wgconf"


enum render_format { RENDER_WG_QUICK, RENDER_WG, RENDER_VYOS };

/* Parses "wg-quick", "wg", "vyos"; -1 for anything else. */
int render_parse_format(const char *s, enum render_format *fmt);

/* Renders cfg (PSKs opened) with the private key. header adds the
 * "written by wgconf" marker line. Returns a malloc'd string owned by the
 * caller, who wipes it (it holds secrets) with render_free; NULL on error. */
char *render_config(const struct mesh_config *cfg, enum render_format fmt,
                    const char *iface, const char *private_key_b64, bool header,
                    size_t *len);

/* Wipes and frees a rendered config; accepts NULL. */
void render_free(char *text, size_t len);

/* A VyOS-safe peer alias: letters, digits, '-', '_', at most 64 chars. */
void render_vyos_name(char *out, size_t outsz, const char *name);

#endif
