/* SPDX-License-Identifier: MIT */
/* Builds one peer's config: its interface and a [Peer] per pair. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meshconf.h"
#include "record.h"

/* The interface address carries the pool's prefix length, so the kernel routes
 * the whole mesh subnet to the interface. */
static void
add_address(struct json_object *arr, const char *addr, const char *pool)
{
	struct cidr c, p;
	char buf[IPAM_STRLEN];

	if (addr[0] == '\0')
		return;
	if (ipam_parse(&c, addr, true, false) != 0)
		return;
	if (pool[0] != '\0' && ipam_parse(&p, pool, false, true) == 0 && p.family == c.family)
		c.prefix = p.prefix;
	ipam_format(buf, &c, true);
	json_object_array_add(arr, json_object_new_string(buf));
}

static void
add_host_route(struct json_object *arr, const char *addr)
{
	char buf[IPAM_STRLEN];

	if (addr[0] == '\0')
		return;
	snprintf(buf, sizeof(buf), "%s/%s", addr, strchr(addr, ':') ? "128" : "32");
	json_object_array_add(arr, json_object_new_string(buf));
}

static struct json_object *
link_json(const struct peer *self, const struct link *l, int keepalive,
          struct json_object *warnings)
{
	const struct peer *other = &l->other;
	struct json_object *o = json_object_new_object();
	char b64[KEYS_SEALED_B64_LEN];

	json_object_object_add(o, "id", json_object_new_string(other->id));
	json_object_object_add(o, "name", json_object_new_string(other->name));
	json_object_object_add(o, "public_key", json_object_new_string(other->public_key));
	if (l->boxlen == KEYS_SEALED_LEN) {
		keys_b64_encode(b64, sizeof(b64), l->box, KEYS_SEALED_LEN);
		json_object_object_add(o, "preshared_key_sealed", json_object_new_string(b64));
	} else {
		json_object_object_add(o, "preshared_key_sealed", NULL);
	}
	json_object_object_add(o, "endpoint",
	                       other->endpoint[0] ? json_object_new_string(other->endpoint) : NULL);
	json_object_object_add(o, "allowed_ips", meshconf_allowed_ips(other));
	if (other->has_signature) {
		char sig[KEYS_SIG_B64_LEN];
		keys_b64_encode(sig, sizeof(sig), other->signature, KEYS_SIG_LEN);
		json_object_object_add(o, "signature", json_object_new_string(sig));
	} else {
		json_object_object_add(o, "signature", NULL);
	}
	/* Only the side behind NAT must keep the mapping open; a public peer
	 * cannot reach a NAT peer first anyway. */
	json_object_object_add(o, "persistent_keepalive",
	                       self->endpoint[0] == '\0' && keepalive > 0 ?
	                       json_object_new_int(keepalive) : NULL);
	if (self->endpoint[0] == '\0' && other->endpoint[0] == '\0') {
		char msg[256];
		snprintf(msg, sizeof(msg), "%s and %s are both behind NAT: they have no "
		         "direct path and will not reach each other", self->name, other->name);
		json_object_array_add(warnings, json_object_new_string(msg));
	}
	return o;
}

struct json_object *
meshconf_allowed_ips(const struct peer *p)
{
	struct json_object *allowed = json_object_new_array();

	add_host_route(allowed, p->addr4);
	add_host_route(allowed, p->addr6);
	for (size_t i = 0; i < p->networks.n; i++)
		json_object_array_add(allowed, json_object_new_string(p->networks.v[i]));
	return allowed;
}

int
meshconf_verify(const struct peer *p, const struct network *net,
                const uint8_t sig[KEYS_SIG_LEN])
{
	struct json_object *allowed;
	uint8_t pk[KEYS_LEN];
	char text[4096];
	int n;

	if (keys_b64_decode_key(pk, net->signing_key) != 0)
		return -1;
	allowed = meshconf_allowed_ips(p);
	n = record_signed_text(text, sizeof(text), p->public_key, allowed);
	json_object_put(allowed);
	if (n < 0 || keys_verify(sig, text, (size_t)n, pk) != 0)
		return -1;
	return 0;
}

const char *
meshconf_signature_state(const struct peer *p, const struct network *net)
{
	if (!p->has_signature)
		return "none";
	return meshconf_verify(p, net, p->signature) == 0 ? "valid" : "invalid";
}

struct json_object *
meshconf_build(const struct peer *self, const struct network *net,
               const struct link_list *links)
{
	struct json_object *conf, *iface, *addrs, *peers, *warnings, *dns;
	int keepalive = self->keepalive >= 0 ? self->keepalive : net->keepalive;

	conf = json_object_new_object();
	json_object_object_add(conf, "revision", json_object_new_int64(self->revision));
	iface = json_object_new_object();
	addrs = json_object_new_array();
	add_address(addrs, self->addr4, net->ipv4_pool);
	add_address(addrs, self->addr6, net->ipv6_pool);
	json_object_object_add(iface, "addresses", addrs);
	json_object_object_add(iface, "listen_port",
	                       self->listen_port ? json_object_new_int(self->listen_port) : NULL);
	json_object_object_add(iface, "mtu", net->mtu ? json_object_new_int(net->mtu) : NULL);
	dns = json_tokener_parse(net->dns);
	json_object_object_add(iface, "dns", dns ? dns : json_object_new_array());
	json_object_object_add(conf, "interface", iface);
	peers = json_object_new_array();
	warnings = json_object_new_array();
	for (size_t i = 0; i < links->n; i++)
		json_object_array_add(peers, link_json(self, &links->v[i], keepalive, warnings));
	json_object_object_add(conf, "peers", peers);
	json_object_object_add(conf, "warnings", warnings);
	return conf;
}
