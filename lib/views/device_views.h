/* SPDX-License-Identifier: MIT */
/* What the API shows of devices and device invites. */
#ifndef WGCONF_DEVICE_VIEWS_H
#define WGCONF_DEVICE_VIEWS_H

#include <json-c/json.h>

#include "devices.h"

/* {"id", "uses", "uses_left", "expires_at", "expired", "label", "name",
 * "gateway": {"id", "name"}, "tags", "routes", "replaces"}. */
struct json_object *views_device_invite(const struct device_invite *inv, int64_t now);
struct json_object *views_device_invite_list(const struct device_invite_list *l, int64_t now);

/* {"id", "kind": "device", "name", "public_key", "addresses", "gateway",
 * "routes", "label", "created_at", "latest_handshake", "reported_at"}. */
struct json_object *views_device(const struct device *d);
struct json_object *views_device_list(const struct device_list *l);

#endif
