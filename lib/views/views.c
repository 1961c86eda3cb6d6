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

struct json_object *
views_strlist(const struct strlist *l)
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
	json_object_object_add(o, "networks", views_strlist(&p->networks));
	json_object_object_add(o, "pairs", views_strlist(&p->pairs));
	json_object_object_add(o, "tags", views_strlist(&p->tags));
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

void
views_limits(const struct quota *q, struct json_object *obj)
{
	const char *key;
	int64_t v;

	json_object_object_add(obj, "registration",
	                       json_object_new_string(quota_registration_name(q->registration)));
	for (size_t i = 0; quota_int(q, i, &key, &v) == 0; i++)
		json_object_object_add(obj, key, json_object_new_int64(v));
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

struct json_object *
views_invite(const struct invite *inv, int64_t now)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_string(inv->id));
	json_object_object_add(o, "uses", json_object_new_int(inv->uses));
	json_object_object_add(o, "uses_left", json_object_new_int(inv->uses_left));
	json_object_object_add(o, "expires_at", views_time(inv->expires_at));
	json_object_object_add(o, "created_at", views_time(inv->created_at));
	json_object_object_add(o, "created_by", json_object_new_string(inv->created_by));
	json_object_object_add(o, "label", string_or_null(inv->label));
	json_object_object_add(o, "expired", json_object_new_boolean(
		inv->expires_at <= now || inv->uses_left == 0));
	json_object_object_add(o, "for_peer", string_or_null(inv->for_peer));
	json_object_object_add(o, "when_closed", json_object_new_boolean(inv->when_closed));
	return o;
}

struct json_object *
views_invite_list(const struct invite_list *l, int64_t now)
{
	struct json_object *arr = json_object_new_array(), *o = json_object_new_object();

	for (size_t i = 0; i < l->n; i++)
		json_object_array_add(arr, views_invite(&l->v[i], now));
	json_object_object_add(o, "invites", arr);
	return o;
}

static struct json_object *
views_audit_entry(const struct audit_entry *a)
{
	struct json_object *e = json_object_new_object();

	json_object_object_add(e, "id", json_object_new_int64(a->id));
	json_object_object_add(e, "at", views_time(a->at));
	json_object_object_add(e, "actor", json_object_new_string(a->actor ? a->actor : ""));
	json_object_object_add(e, "action", json_object_new_string(a->action ? a->action : ""));
	json_object_object_add(e, "target", a->target ? json_object_new_string(a->target) : NULL);
	json_object_object_add(e, "detail", a->detail ? json_tokener_parse(a->detail) : NULL);
	/* Repeats within the coalescing window: how many, the last when. */
	json_object_object_add(e, "count", json_object_new_int64(a->count));
	json_object_object_add(e, "last_at", views_time(a->last_at));
	return e;
}

struct json_object *
views_audit_list(const struct audit_list *l, struct json_object *next)
{
	struct json_object *arr = json_object_new_array(), *o = json_object_new_object();

	for (size_t i = 0; i < l->n; i++)
		json_object_array_add(arr, views_audit_entry(&l->v[i]));
	json_object_object_add(o, "entries", arr);
	json_object_object_add(o, "next", next);
	return o;
}

/* One side of a pair: who, and what it last reported about the link. */
static struct json_object *
link_side_json(const struct link_side *s)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_string(s->id));
	json_object_object_add(o, "name", json_object_new_string(s->name));
	json_object_object_add(o, "latest_handshake",
	                       s->reported ? views_time(s->latest_handshake) : NULL);
	json_object_object_add(o, "rx", s->reported ? json_object_new_int64(s->rx) : NULL);
	json_object_object_add(o, "tx", s->reported ? json_object_new_int64(s->tx) : NULL);
	json_object_object_add(o, "reported_at", s->reported ? views_time(s->reported_at) : NULL);
	return o;
}

struct json_object *
views_link(const struct link_side *a, const struct link_side *b, const char *status)
{
	struct json_object *l = json_object_new_object();
	int64_t ha = a->latest_handshake, hb = b->latest_handshake;

	json_object_object_add(l, "a", link_side_json(a));
	json_object_object_add(l, "b", link_side_json(b));
	json_object_object_add(l, "expected", json_object_new_boolean(1));
	json_object_object_add(l, "status", json_object_new_string(status));
	json_object_object_add(l, "latest_handshake", views_time(ha > hb ? ha : hb));
	return l;
}

struct json_object *
views_rule(const struct rule *r)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_string(r->id));
	json_object_object_add(o, "a", json_object_new_string(r->a));
	json_object_object_add(o, "b", json_object_new_string(r->b));
	json_object_object_add(o, "created_at", views_time(r->created_at));
	json_object_object_add(o, "pairs", json_object_new_int64(r->pairs));
	return o;
}

struct json_object *
views_rule_list(const struct rule_list *l)
{
	struct json_object *arr = json_object_new_array(), *o = json_object_new_object();

	for (size_t i = 0; i < l->n; i++)
		json_object_array_add(arr, views_rule(&l->v[i]));
	json_object_object_add(o, "rules", arr);
	return o;
}

struct json_object *
views_pair(const char *a, const char *b, int64_t created, int explicit,
           const struct strlist *rules)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "a", json_object_new_string(a));
	json_object_object_add(o, "b", json_object_new_string(b));
	json_object_object_add(o, "created_at", views_time(created));
	json_object_object_add(o, "explicit", json_object_new_boolean(explicit));
	json_object_object_add(o, "rules", views_strlist(rules));
	return o;
}

struct json_object *
views_revocation(const struct revocation *r)
{
	struct json_object *o = json_object_new_object();
	char sig[KEYS_SIG_B64_LEN];

	json_object_object_add(o, "id", json_object_new_string(r->id));
	json_object_object_add(o, "key", json_object_new_string(r->key));
	json_object_object_add(o, "peer_id", json_object_new_string(r->peer_id));
	json_object_object_add(o, "peer_name", json_object_new_string(r->peer_name));
	json_object_object_add(o, "text", json_object_new_string(r->text));
	if (r->has_sig)
		keys_b64_encode(sig, sizeof(sig), r->sig, KEYS_SIG_LEN);
	json_object_object_add(o, "signature", r->has_sig ? json_object_new_string(sig) : NULL);
	json_object_object_add(o, "created_at", views_time(r->created_at));
	return o;
}

struct json_object *
views_revocation_list(const struct revocation_list *l)
{
	struct json_object *arr = json_object_new_array(), *o = json_object_new_object();

	for (size_t i = 0; i < l->n; i++)
		json_object_array_add(arr, views_revocation(&l->v[i]));
	json_object_object_add(o, "revocations", arr);
	return o;
}

struct json_object *
views_statement(const struct peer *p, const struct network *net, const char *proposed,
                size_t len, struct json_object *changes)
{
	struct json_object *o = json_object_new_object();
	char sig[KEYS_SIG_B64_LEN];

	json_object_object_add(o, "id", json_object_new_string(p->id));
	json_object_object_add(o, "name", json_object_new_string(p->name));
	json_object_object_add(o, "version", json_object_new_int64(p->signed_version + 1));
	json_object_object_add(o, "proposed", json_object_new_string_len(proposed, (int)len));
	json_object_object_add(o, "signed_version", json_object_new_int64(p->signed_version));
	json_object_object_add(o, "signed",
	                       p->statement ? json_object_new_string(p->statement) : NULL);
	if (p->statement != NULL)
		keys_b64_encode(sig, sizeof(sig), p->statement_sig, KEYS_SIG_LEN);
	json_object_object_add(o, "signature", p->statement ? json_object_new_string(sig) : NULL);
	json_object_object_add(o, "unsigned_changes",
	                       json_object_new_boolean(proposal_unsigned_changes(p, net)));
	json_object_object_add(o, "changes", changes);
	return o;
}

struct json_object *
views_health(void)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "status", json_object_new_string("ok"));
	return o;
}

struct json_object *
views_registered(const struct peer *p, const char *token)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_string(p->id));
	json_object_object_add(o, "state", json_object_new_string(p->accepted ? "accepted" : "pending"));
	json_object_object_add(o, "token", json_object_new_string(token));
	return o;
}

struct json_object *
views_invite_created(const struct invite *inv, const char *code)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_string(inv->id));
	json_object_object_add(o, "code", json_object_new_string(code));
	json_object_object_add(o, "uses", json_object_new_int(inv->uses));
	json_object_object_add(o, "expires_at", views_time(inv->expires_at));
	json_object_object_add(o, "label", string_or_null(inv->label));
	json_object_object_add(o, "for_peer", string_or_null(inv->for_peer));
	json_object_object_add(o, "when_closed", json_object_new_boolean(inv->when_closed));
	return o;
}

struct json_object *
views_adopted(const char *id, const char *name, const char *state, const char *token_sealed)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "state", json_object_new_string(state));
	json_object_object_add(o, "token_sealed", json_object_new_string(token_sealed));
	return o;
}

struct json_object *
views_page(const char *key, struct json_object *items, const char *next_cursor)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, key, items);
	json_object_object_add(o, "next_cursor",
	                       next_cursor != NULL ? json_object_new_string(next_cursor) : NULL);
	return o;
}

struct json_object *
views_link_list(struct json_object *links, int64_t stale_after)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "links", links);
	json_object_object_add(o, "stale_after", json_object_new_int64(stale_after));
	return o;
}

struct json_object *
views_rejected(struct json_object *ids)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "count", json_object_new_int64((int64_t)json_object_array_length(ids)));
	json_object_object_add(o, "rejected", ids);
	return o;
}

struct json_object *
views_imported_peer(const char *id, const char *name, const char *public_key)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "public_key", json_object_new_string(public_key));
	return o;
}

struct json_object *
views_imported(struct json_object *peers, size_t npairs)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "peers", peers);
	json_object_object_add(o, "pairs", json_object_new_int64((int64_t)npairs));
	return o;
}
