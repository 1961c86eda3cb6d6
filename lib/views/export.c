/* SPDX-License-Identifier: MIT */
/*
 * GET /admin/export: a whole network as a document (no secrets, no ids, no
 * times), sorted so that two exports of the same mesh are the same bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "views.h"

#define EXPORT_FORMAT     "wgconfsrv-export"
#define EXPORT_VERSION    1

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
cmp_peer_key(const void *a, const void *b)
{
	return strcmp((*(const struct peer *const *)a)->public_key,
	              (*(const struct peer *const *)b)->public_key);
}

/* A JSON array of l's strings, sorted. */
static struct json_object *
sorted_strings(const struct strlist *l)
{
	struct json_object *arr = json_object_new_array();
	const char **v = l->n ? calloc(l->n, sizeof(*v)) : NULL;

	if (l->n && v == NULL)
		return arr;
	for (size_t i = 0; i < l->n; i++)
		v[i] = l->v[i];
	if (l->n)
		qsort(v, l->n, sizeof(*v), cmp_str);
	for (size_t i = 0; i < l->n; i++)
		json_object_array_add(arr, json_object_new_string(v[i]));
	free(v);
	return arr;
}

/* Keys are added in sorted order: json-c keeps insertion order. */
static struct json_object *
export_peer(const struct peer *p)
{
	struct json_object *o = json_object_new_object(), *addrs = json_object_new_array();

	if (p->addr4[0] != '\0')
		json_object_array_add(addrs, json_object_new_string(p->addr4));
	if (p->addr6[0] != '\0')
		json_object_array_add(addrs, json_object_new_string(p->addr6));
	json_object_object_add(o, "addresses", addrs);
	json_object_object_add(o, "endpoint",
	                       p->endpoint[0] ? json_object_new_string(p->endpoint) : NULL);
	json_object_object_add(o, "keepalive",
	                       p->keepalive >= 0 ? json_object_new_int(p->keepalive) : NULL);
	json_object_object_add(o, "listen_port",
	                       p->listen_port ? json_object_new_int(p->listen_port) : NULL);
	json_object_object_add(o, "name", json_object_new_string(p->name));
	json_object_object_add(o, "networks", sorted_strings(&p->networks));
	json_object_object_add(o, "public_key", json_object_new_string(p->public_key));
	json_object_object_add(o, "state",
	                       json_object_new_string(p->accepted ? "accepted" : "pending"));
	json_object_object_add(o, "tags", sorted_strings(&p->tags));
	return o;
}

/* [[a, b], ...]: every rule (ab: a, b, a, b, ...; sorted, a <= b in each). */
static struct json_object *
export_rules(const struct strlist *ab)
{
	struct json_object *out = json_object_new_array();

	for (size_t i = 0; i + 1 < ab->n; i += 2) {
		struct json_object *r = json_object_new_array();
		json_object_array_add(r, json_object_new_string(ab->v[i]));
		json_object_array_add(r, json_object_new_string(ab->v[i + 1]));
		json_object_array_add(out, r);
	}
	return out;
}

static struct json_object *
export_network(const struct network *n)
{
	struct json_object *o = json_object_new_object(), *dns = json_tokener_parse(n->dns);

	json_object_object_add(o, "dns", dns ? dns : json_object_new_array());
	json_object_object_add(o, "ipv4_pool", json_object_new_string(n->ipv4_pool));
	json_object_object_add(o, "ipv6_pool",
	                       n->ipv6_pool[0] ? json_object_new_string(n->ipv6_pool) : NULL);
	json_object_object_add(o, "keepalive", json_object_new_int(n->keepalive));
	json_object_object_add(o, "mtu", n->mtu ? json_object_new_int(n->mtu) : NULL);
	return o;
}

/* The public key of the peer with id in l, or NULL. */
static const char *
key_of(const struct peer_list *l, const char *id)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].id, id) == 0)
			return l->v[i].public_key;
	return NULL;
}

/* The explicit pairs (their ends: a, b, a, b, ...) as a sorted JSON array
 * of [keyA, keyB] with keyA < keyB; the pairs only rules make follow from
 * tags and rules. Caller owns it; NULL out of memory. */
static struct json_object *
export_pairs(const struct peer_list *l, const struct strlist *ends)
{
	char **pairs = NULL;
	size_t npairs = 0, cap = 0, i;
	struct json_object *arr = NULL;

	for (i = 0; i + 1 < ends->n; i += 2) {
		const char *mine = key_of(l, ends->v[i]);
		const char *other = key_of(l, ends->v[i + 1]);
		char *s;
		if (mine == NULL || other == NULL)
			continue;
		if (strcmp(mine, other) > 0) {
			const char *t = mine;
			mine = other;
			other = t;
		}
		if (npairs == cap) {
			char **n = realloc(pairs, (cap ? cap * 2 : 16) * sizeof(*n));
			if (n == NULL)
				break;
			pairs = n;
			cap = cap ? cap * 2 : 16;
		}
		if (asprintf(&s, "%s %s", mine, other) < 0)
			break;
		pairs[npairs++] = s;
	}
	if (i + 1 < ends->n)
		goto out;
	if (npairs)
		qsort(pairs, npairs, sizeof(*pairs), cmp_str);
	arr = json_object_new_array();
	for (i = 0; i < npairs; i++) {
		struct json_object *pr = json_object_new_array();
		char *sp = strchr(pairs[i], ' ');
		*sp = '\0';
		json_object_array_add(pr, json_object_new_string(pairs[i]));
		json_object_array_add(pr, json_object_new_string(sp + 1));
		json_object_array_add(arr, pr);
	}
out:
	for (i = 0; i < npairs; i++)
		free(pairs[i]);
	free(pairs);
	return arr;
}

struct json_object *
views_export(const struct peer_list *l, const struct network *net, const struct strlist *rules,
             const struct strlist *pair_ends)
{
	const struct peer **byk = NULL;
	struct json_object *o, *arr, *pairs;

	if ((pairs = export_pairs(l, pair_ends)) == NULL ||
	    (l->n && (byk = calloc(l->n, sizeof(*byk))) == NULL)) {
		json_object_put(pairs);
		return NULL;
	}
	for (size_t i = 0; i < l->n; i++)
		byk[i] = &l->v[i];
	if (l->n)
		qsort(byk, l->n, sizeof(*byk), cmp_peer_key);
	o = json_object_new_object();
	json_object_object_add(o, "format", json_object_new_string(EXPORT_FORMAT));
	json_object_object_add(o, "network", export_network(net));
	json_object_object_add(o, "pairs", pairs);
	arr = json_object_new_array();
	for (size_t i = 0; i < l->n; i++)
		json_object_array_add(arr, export_peer(byk[i]));
	json_object_object_add(o, "peers", arr);
	json_object_object_add(o, "rules", export_rules(rules));
	json_object_object_add(o, "version", json_object_new_int(EXPORT_VERSION));
	free(byk);
	return o;
}
