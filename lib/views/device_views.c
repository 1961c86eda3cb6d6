/* SPDX-License-Identifier: MIT */
/* Devices and device invites as the admin routes show them. */
#include <stdio.h>
#include <string.h>

#include "device_views.h"
#include "views.h"

static struct json_object *
string_or_null(const char *s)
{
	return s[0] != '\0' ? json_object_new_string(s) : NULL;
}

/* Stored JSON text (written by the server) back as JSON; [] if unreadable. */
static struct json_object *
json_text(const char *s)
{
	struct json_object *o = json_tokener_parse(s);

	return o != NULL ? o : json_object_new_array();
}

static struct json_object *
gateway(const char *id, const char *name)
{
	struct json_object *o;

	if (id[0] == '\0')
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "name", json_object_new_string(name));
	return o;
}

struct json_object *
views_device_invite(const struct device_invite *inv, int64_t now)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_string(inv->id));
	json_object_object_add(o, "uses", json_object_new_int(inv->uses));
	json_object_object_add(o, "uses_left", json_object_new_int(inv->uses_left));
	json_object_object_add(o, "expires_at", views_time(inv->expires_at));
	json_object_object_add(o, "expired", json_object_new_boolean(inv->expires_at <= now));
	json_object_object_add(o, "created_at", views_time(inv->created_at));
	json_object_object_add(o, "created_by", json_object_new_string(inv->created_by));
	json_object_object_add(o, "label", string_or_null(inv->label));
	json_object_object_add(o, "name", string_or_null(inv->name));
	json_object_object_add(o, "gateway", gateway(inv->gateway, inv->gateway_name));
	json_object_object_add(o, "tags", json_text(inv->tags));
	json_object_object_add(o, "routes", json_text(inv->routes));
	json_object_object_add(o, "replaces", string_or_null(inv->replaces));
	return o;
}

struct json_object *
views_device_invite_list(const struct device_invite_list *l, int64_t now)
{
	struct json_object *o = json_object_new_object(), *arr = json_object_new_array();

	for (size_t i = 0; i < l->n; i++)
		json_object_array_add(arr, views_device_invite(&l->v[i], now));
	json_object_object_add(o, "invites", arr);
	return o;
}

struct json_object *
views_device(const struct device *d)
{
	struct json_object *o = json_object_new_object(), *addrs = json_object_new_array();

	if (d->addr4[0] != '\0')
		json_object_array_add(addrs, json_object_new_string(d->addr4));
	if (d->addr6[0] != '\0')
		json_object_array_add(addrs, json_object_new_string(d->addr6));
	json_object_object_add(o, "id", json_object_new_string(d->id));
	json_object_object_add(o, "kind", json_object_new_string("device"));
	json_object_object_add(o, "name", json_object_new_string(d->name));
	json_object_object_add(o, "public_key", json_object_new_string(d->public_key));
	json_object_object_add(o, "addresses", addrs);
	json_object_object_add(o, "gateway", gateway(d->gateway, d->gateway_name));
	json_object_object_add(o, "routes", json_text(d->routes));
	json_object_object_add(o, "label", string_or_null(d->label));
	json_object_object_add(o, "created_at", views_time(d->created_at));
	json_object_object_add(o, "latest_handshake", views_time(d->latest_handshake));
	json_object_object_add(o, "reported_at", views_time(d->reported_at));
	return o;
}

struct json_object *
views_device_list(const struct device_list *l)
{
	struct json_object *o = json_object_new_object(), *arr = json_object_new_array();

	for (size_t i = 0; i < l->n; i++)
		json_object_array_add(arr, views_device(&l->v[i]));
	json_object_object_add(o, "devices", arr);
	return o;
}

/* Adds the AllowedIPs the device sends to its gateway, from routes. */
static void
add_routes(struct json_object *arr, const char *routes, const struct network *net)
{
	struct json_object *r = json_tokener_parse(routes);
	size_t n = r != NULL ? json_object_array_length(r) : 0;

	for (size_t i = 0; i < n; i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(r, i));
		if (strcmp(s, "mesh") == 0) {
			json_object_array_add(arr, json_object_new_string(net->ipv4_pool));
			if (net->ipv6_pool[0] != '\0')
				json_object_array_add(arr, json_object_new_string(net->ipv6_pool));
		} else if (strcmp(s, "all") == 0) {
			json_object_array_add(arr, json_object_new_string("0.0.0.0/0"));
			json_object_array_add(arr, json_object_new_string("::/0"));
		} else {
			json_object_array_add(arr, json_object_new_string(s));
		}
	}
	json_object_put(r);
}

static struct json_object *
gateway_view(const struct peer *g, const char *routes, const struct network *net,
             const uint8_t box[KEYS_BOX_LEN])
{
	struct json_object *o = json_object_new_object(), *ips = json_object_new_array();
	char b64[KEYS_BOX_B64_LEN];

	keys_b64_encode(b64, sizeof(b64), box, KEYS_BOX_LEN);
	add_routes(ips, routes, net);
	json_object_object_add(o, "name", json_object_new_string(g->name));
	json_object_object_add(o, "public_key", json_object_new_string(g->public_key));
	json_object_object_add(o, "endpoint", json_object_new_string(g->endpoint));
	json_object_object_add(o, "allowed_ips", ips);
	json_object_object_add(o, "persistent_keepalive",
	                       net->keepalive > 0 ? json_object_new_int(net->keepalive) : NULL);
	json_object_object_add(o, "preshared_key_box", json_object_new_string(b64));
	return o;
}

struct json_object *
views_device_joined(const struct peer *d, const struct peer *g, const struct network *net,
                    const char *routes, const uint8_t box[KEYS_BOX_LEN])
{
	struct json_object *o = json_object_new_object(), *itf = json_object_new_object();
	struct json_object *addrs = json_object_new_array(), *peers = json_object_new_array();
	char a[IPAM_STRLEN + 8];

	if (d->addr4[0] != '\0' && snprintf(a, sizeof(a), "%s/32", d->addr4) > 0)
		json_object_array_add(addrs, json_object_new_string(a));
	if (d->addr6[0] != '\0' && snprintf(a, sizeof(a), "%s/128", d->addr6) > 0)
		json_object_array_add(addrs, json_object_new_string(a));
	json_object_object_add(itf, "addresses", addrs);
	json_object_object_add(itf, "dns", json_tokener_parse(net->dns));
	json_object_object_add(itf, "mtu", net->mtu ? json_object_new_int(net->mtu) : NULL);
	json_object_array_add(peers, gateway_view(g, routes, net, box));
	json_object_object_add(o, "id", json_object_new_string(d->id));
	json_object_object_add(o, "name", json_object_new_string(d->name));
	json_object_object_add(o, "public_key", json_object_new_string(d->public_key));
	json_object_object_add(o, "interface", itf);
	json_object_object_add(o, "peers", peers);
	return o;
}

struct json_object *
views_device_invite_created(const struct device_invite *inv, const char *code, int64_t now)
{
	struct json_object *o = views_device_invite(inv, now);
	char link[64 + KEYS_TOKEN_LEN];

	snprintf(link, sizeof(link), "/join.html#%s", code);
	json_object_object_add(o, "code", json_object_new_string(code));
	json_object_object_add(o, "link", json_object_new_string(link));
	keys_wipe(link, sizeof(link));
	return o;
}
