/* SPDX-License-Identifier: MIT */
/* What the API shows of devices and device invites. */
#ifndef WGCONF_DEVICE_VIEWS_H
#define WGCONF_DEVICE_VIEWS_H

#include <json-c/json.h>

#include "devices.h"
#include "rows.h"

/* {"id", "uses", "uses_left", "expires_at", "expired", "label", "name",
 * "gateway": {"id", "name"}, "tags", "routes", "replaces"}. */
struct json_object *views_device_invite(const struct device_invite *inv, int64_t now);
struct json_object *views_device_invite_list(const struct device_invite_list *l, int64_t now);

/* {"id", "kind": "device", "name", "public_key", "addresses", "gateway",
 * "routes", "label", "created_at", "latest_handshake", "reported_at"}. */
struct json_object *views_device(const struct device *d);
struct json_object *views_device_list(const struct device_list *l);

/* What POST /join answers: the device's addresses (host routes), the
 * network's DNS and MTU, and its gateway as its one peer, with the
 * AllowedIPs its routes ("mesh", "all", CIDRs: JSON text) give and the
 * pair's preshared key in box (keys_box()) as "preshared_key_box". */
struct json_object *views_device_joined(const struct peer *d, const struct peer *g,
                                        const struct network *net, const char *routes,
                                        const uint8_t box[KEYS_BOX_LEN]);

/* A device invite just made, with its code and the join page's path (the
 * code in the fragment), shown this once. */
struct json_object *views_device_invite_created(const struct device_invite *inv,
                                                const char *code, int64_t now);

#endif
