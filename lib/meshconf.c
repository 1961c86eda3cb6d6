/* SPDX-License-Identifier: MIT */
/* Builds one peer's config: its interface and a [Peer] per pair. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meshconf.h"

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
	json_object_object_add(o, "statement", meshconf_statement(other));
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

struct json_object *
meshconf_statement(const struct peer *p)
{
	struct json_object *o;
	char sig[KEYS_SIG_B64_LEN];

	if (p->statement == NULL)
		return NULL;
	o = json_object_new_object();
	keys_b64_encode(sig, sizeof(sig), p->statement_sig, KEYS_SIG_LEN);
	json_object_object_add(o, "text", json_object_new_string(p->statement));
	json_object_object_add(o, "signature", json_object_new_string(sig));
	return o;
}

struct json_object *
meshconf_build(const struct peer *self, const struct network *net,
               const struct link_list *links, const struct revocation_list *revs)
{
	struct json_object *conf, *iface, *addrs, *peers, *warnings, *dns, *rv;
	int keepalive = self->keepalive >= 0 ? self->keepalive : net->keepalive;

	conf = json_object_new_object();
	json_object_object_add(conf, "revision", json_object_new_int64(self->revision));
	iface = json_object_new_object();
	addrs = json_object_new_array();
	add_address(addrs, self->addr4, net->ipv4_pool);
	add_address(addrs, self->addr6, net->ipv6_pool);
	json_object_object_add(iface, "addresses", addrs);
	/* The key the server has for this host: a host rotating its key sees
	 * here when the new one was accepted. */
	json_object_object_add(iface, "public_key", json_object_new_string(self->public_key));
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
	/* What a host that trusts the admin's key builds from (docs/trust.md):
	 * its own signed statement, one in each peer entry, and the signed
	 * revocations, every one of them, as a host keeps them for ever. */
	json_object_object_add(conf, "statement", meshconf_statement(self));
	rv = json_object_new_array();
	for (size_t i = 0; i < revs->n; i++) {
		struct json_object *o;
		char sig[KEYS_SIG_B64_LEN];
		if (!revs->v[i].has_sig)
			continue;
		o = json_object_new_object();
		keys_b64_encode(sig, sizeof(sig), revs->v[i].sig, KEYS_SIG_LEN);
		json_object_object_add(o, "text", json_object_new_string(revs->v[i].text));
		json_object_object_add(o, "signature", json_object_new_string(sig));
		json_object_array_add(rv, o);
	}
	json_object_object_add(conf, "revocations", rv);
	return conf;
}
