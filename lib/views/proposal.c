/* SPDX-License-Identifier: MIT */
/* What the admin would sign for a peer now, and how it compares. */
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "proposal.h"

/* The address with the pool's prefix: what the host's interface gets (as
 * the config says it). Without a pool of its family, a host route. */
static int
add_address(struct statement *s, const char *addr, const char *pool)
{
	struct cidr c, p;
	char buf[IPAM_STRLEN];

	if (addr[0] == '\0')
		return 0;
	if (ipam_parse(&c, addr, true, false) != 0)
		return -1;
	if (pool[0] != '\0' && ipam_parse(&p, pool, false, true) == 0 && p.family == c.family)
		c.prefix = p.prefix;
	ipam_format(buf, &c, true);
	return statement_add_address(s, buf);
}

static int
add_dns(struct statement *s, const char *dns_json)
{
	struct json_object *arr = json_tokener_parse(dns_json);
	int ret = -1;

	if (arr == NULL || !json_object_is_type(arr, json_type_array))
		goto out;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(e, json_type_string) ||
		    statement_add_dns(s, json_object_get_string(e)) != 0)
			goto out;
	}
	ret = 0;
out:
	json_object_put(arr);
	return ret;
}

int
proposal_build(struct statement *s, const struct peer *p, const struct network *net,
               uint64_t version)
{
	statement_init(s);
	if (strlen(net->mesh_id) != STATEMENT_MESH_LEN - 1 || strlen(p->id) > STATEMENT_ID_MAX ||
	    strlen(p->public_key) != KEYS_B64_LEN - 1)
		goto fail;
	memcpy(s->mesh, net->mesh_id, STATEMENT_MESH_LEN);
	memcpy(s->peer, p->id, strlen(p->id) + 1);
	memcpy(s->key, p->public_key, KEYS_B64_LEN);
	s->version = version;
	s->mtu = net->mtu;
	if (add_address(s, p->addr4, net->ipv4_pool) != 0 ||
	    add_address(s, p->addr6, net->ipv6_pool) != 0 ||
	    add_dns(s, net->dns) != 0)
		goto fail;
	for (size_t i = 0; i < p->networks.n; i++)
		if (statement_add_network(s, p->networks.v[i]) != 0)
			goto fail;
	for (size_t i = 0; i < p->pairs.n; i++)
		if (statement_add_pair(s, p->pairs.v[i]) != 0)
			goto fail;
	if (statement_canonicalize(s) != 0)
		goto fail;
	return 0;
fail:
	statement_free(s);
	return -1;
}

char *
proposal_text(const struct peer *p, const struct network *net, uint64_t version, size_t *len)
{
	struct statement s;
	char *text;

	if (proposal_build(&s, p, net, version) != 0)
		return NULL;
	text = statement_text(&s, len);
	statement_free(&s);
	return text;
}

const char *
proposal_signature_state(const struct peer *p, const struct network *net)
{
	uint8_t pk[KEYS_LEN];

	if (p->statement == NULL)
		return "none";
	if (keys_b64_decode_key(pk, net->signing_key) != 0 ||
	    statement_verify(p->statement, strlen(p->statement), p->statement_sig, pk) != 0)
		return "invalid";
	return "valid";
}

bool
proposal_unsigned_changes(const struct peer *p, const struct network *net)
{
	size_t len;
	char *text;
	bool changed;

	if (net->signing_key[0] == '\0' || !p->accepted)
		return false;
	/* Never signed, or not by the network's key now (the admin changed it,
	 * or the row was written behind the server's back): sign it again. */
	if (p->statement == NULL || p->signed_version < 1 ||
	    strcmp(proposal_signature_state(p, net), "valid") != 0)
		return true;
	text = proposal_text(p, net, (uint64_t)p->signed_version, &len);
	changed = text == NULL || len != strlen(p->statement) || memcmp(text, p->statement, len) != 0;
	free(text);
	return changed;
}
