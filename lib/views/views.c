/* SPDX-License-Identifier: MIT */
/* The JSON the API answers with, from structs. */
#include <time.h>

#include "meshconf.h"
#include "proposal.h"
#include "views.h"

static struct json_object *
string_or_null(const char *s)
{
	return s[0] != '\0' ? json_object_new_string(s) : NULL;
}

static struct json_object *
strlist_json(const struct strlist *l)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; i < l->n; i++)
		json_object_array_add(arr, json_object_new_string(l->v[i]));
	return arr;
}

struct json_object *
views_peer(const struct peer *p, const struct network *net)
{
	struct json_object *o = json_object_new_object(), *addrs;

	json_object_object_add(o, "id", json_object_new_string(p->id));
	json_object_object_add(o, "name", json_object_new_string(p->name));
	json_object_object_add(o, "state", json_object_new_string(p->accepted ? "accepted" : "pending"));
	json_object_object_add(o, "public_key", json_object_new_string(p->public_key));
	json_object_object_add(o, "endpoint", string_or_null(p->endpoint));
	json_object_object_add(o, "listen_port",
	                       p->listen_port ? json_object_new_int(p->listen_port) : NULL);
	json_object_object_add(o, "keepalive",
	                       p->keepalive >= 0 ? json_object_new_int(p->keepalive) : NULL);
	addrs = json_object_new_array();
	if (p->addr4[0] != '\0')
		json_object_array_add(addrs, json_object_new_string(p->addr4));
	if (p->addr6[0] != '\0')
		json_object_array_add(addrs, json_object_new_string(p->addr6));
	json_object_object_add(o, "addresses", addrs);
	json_object_object_add(o, "networks", strlist_json(&p->networks));
	json_object_object_add(o, "pairs", strlist_json(&p->pairs));
	json_object_object_add(o, "tags", strlist_json(&p->tags));
	json_object_object_add(o, "revision", json_object_new_int64(p->revision));
	json_object_object_add(o, "pending_key", string_or_null(p->pending_key));
	/* docs/trust.md: what the admin signed last, and whether there is more
	 * to sign. */
	json_object_object_add(o, "signature",
	                       json_object_new_string(proposal_signature_state(p, net)));
	json_object_object_add(o, "signed_version", json_object_new_int64(p->signed_version));
	json_object_object_add(o, "unsigned_changes",
	                       json_object_new_boolean(proposal_unsigned_changes(p, net)));
	json_object_object_add(o, "created_at", views_time(p->created_at));
	json_object_object_add(o, "last_seen", views_time(p->last_seen));
	return o;
}

struct json_object *
views_peer_list(const struct peer_list *l, const struct network *net)
{
	struct json_object *arr = json_object_new_array(), *o = json_object_new_object();

	for (size_t i = 0; i < l->n; i++)
		json_object_array_add(arr, views_peer(&l->v[i], net));
	json_object_object_add(o, "peers", arr);
	return o;
}

struct json_object *
views_network(const struct network *n)
{
	struct json_object *o = json_object_new_object(), *dns;

	json_object_object_add(o, "ipv4_pool", json_object_new_string(n->ipv4_pool));
	json_object_object_add(o, "ipv6_pool", string_or_null(n->ipv6_pool));
	json_object_object_add(o, "mtu", n->mtu ? json_object_new_int(n->mtu) : NULL);
	json_object_object_add(o, "keepalive", json_object_new_int(n->keepalive));
	dns = json_tokener_parse(n->dns);
	json_object_object_add(o, "dns", dns ? dns : json_object_new_array());
	json_object_object_add(o, "signing_key", string_or_null(n->signing_key));
	json_object_object_add(o, "mesh_id", string_or_null(n->mesh_id));
	return o;
}

struct json_object *
views_time(int64_t t)
{
	char buf[32];
	struct tm tm;
	time_t tt = (time_t)t;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL)
		return NULL;
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_object_new_string(buf);
}
