/* SPDX-License-Identifier: MIT */
/* Builds one peer's config: its interface and a [Peer] per pair. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
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
link_json(const struct peer *self, const struct peer *other, const void *box,
          int boxlen, int keepalive, struct json_object *warnings)
{
	struct json_object *o = json_object_new_object(), *allowed;
	char b64[KEYS_SEALED_B64_LEN];

	json_object_object_add(o, "id", json_object_new_string(other->id));
	json_object_object_add(o, "name", json_object_new_string(other->name));
	json_object_object_add(o, "public_key", json_object_new_string(other->public_key));
	if (boxlen == KEYS_SEALED_LEN) {
		keys_b64_encode(b64, sizeof(b64), box, KEYS_SEALED_LEN);
		json_object_object_add(o, "preshared_key_sealed", json_object_new_string(b64));
	} else {
		json_object_object_add(o, "preshared_key_sealed", NULL);
	}
	json_object_object_add(o, "endpoint",
	                       other->endpoint[0] ? json_object_new_string(other->endpoint) : NULL);
	allowed = meshconf_allowed_ips(other);
	json_object_object_add(o, "allowed_ips", allowed ? allowed : json_object_new_array());
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
	struct json_object *allowed, *nets;

	if ((nets = store_peer_networks(p->id)) == NULL)
		return NULL;
	allowed = json_object_new_array();
	add_host_route(allowed, p->addr4);
	add_host_route(allowed, p->addr6);
	for (size_t i = 0; i < json_object_array_length(nets); i++)
		json_object_array_add(allowed, json_object_get(json_object_array_get_idx(nets, i)));
	json_object_put(nets);
	return allowed;
}

const char *
meshconf_signature_state(const struct peer *p)
{
	struct network net;
	struct json_object *allowed;
	uint8_t pk[KEYS_LEN];
	char text[4096];
	int n;

	if (!p->has_signature)
		return "none";
	if (store_network_get(&net) != DB_OK || keys_b64_decode_key(pk, net.signing_key) != 0 ||
	    (allowed = meshconf_allowed_ips(p)) == NULL)
		return "invalid";
	n = record_signed_text(text, sizeof(text), p->public_key, allowed);
	json_object_put(allowed);
	if (n < 0 || keys_verify(p->signature, text, (size_t)n, pk) != 0)
		return "invalid";
	return "valid";
}

struct json_object *
meshconf_build(const struct peer *self)
{
	static const char sql[] =
		"SELECT b, psk_box_a FROM pairs WHERE a = ?1"
		" UNION ALL SELECT a, psk_box_b FROM pairs WHERE b = ?1 ORDER BY 1";
	struct json_object *conf = NULL, *iface, *addrs, *peers, *warnings, *dns;
	struct network net;
	sqlite3_stmt *st;
	int keepalive, rc;
	/* The pair list is read first: store_peer_get() reuses its own statement. */
	struct {
		char id[PEER_ID_LEN];
		unsigned char box[KEYS_SEALED_LEN];
		int boxlen;
	} *links = NULL;
	size_t nlinks = 0, cap = 0;

	if (store_network_get(&net) != DB_OK || (st = db_stmt(sql)) == NULL)
		return NULL;
	sqlite3_bind_text(st, 1, self->id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (nlinks == cap) {
			void *n = realloc(links, (cap ? cap * 2 : 16) * sizeof(*links));
			if (n == NULL)
				break;
			links = n;
			cap = cap ? cap * 2 : 16;
		}
		snprintf(links[nlinks].id, PEER_ID_LEN, "%s", sqlite3_column_text(st, 0));
		links[nlinks].boxlen = sqlite3_column_bytes(st, 1);
		if (links[nlinks].boxlen == KEYS_SEALED_LEN)
			memcpy(links[nlinks].box, sqlite3_column_blob(st, 1), KEYS_SEALED_LEN);
		nlinks++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		goto out;

	keepalive = self->keepalive >= 0 ? self->keepalive : net.keepalive;
	conf = json_object_new_object();
	json_object_object_add(conf, "revision", json_object_new_int64(self->revision));
	iface = json_object_new_object();
	addrs = json_object_new_array();
	add_address(addrs, self->addr4, net.ipv4_pool);
	add_address(addrs, self->addr6, net.ipv6_pool);
	json_object_object_add(iface, "addresses", addrs);
	json_object_object_add(iface, "listen_port",
	                       self->listen_port ? json_object_new_int(self->listen_port) : NULL);
	json_object_object_add(iface, "mtu", net.mtu ? json_object_new_int(net.mtu) : NULL);
	dns = json_tokener_parse(net.dns);
	json_object_object_add(iface, "dns", dns ? dns : json_object_new_array());
	json_object_object_add(conf, "interface", iface);
	peers = json_object_new_array();
	warnings = json_object_new_array();
	for (size_t i = 0; i < nlinks; i++) {
		struct peer other;
		if (store_peer_get(&other, links[i].id) != DB_OK || !other.accepted)
			continue;
		json_object_array_add(peers, link_json(self, &other, links[i].box,
		                                       links[i].boxlen, keepalive, warnings));
	}
	json_object_object_add(conf, "peers", peers);
	json_object_object_add(conf, "warnings", warnings);
out:
	free(links);
	return conf;
}
