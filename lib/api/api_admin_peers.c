/* SPDX-License-Identifier: MIT */
/* Admin routes on peers: list, read, edit, accept, reject, delete, preview. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "text.h"

/* A peers cursor is "CREATED.ID", the keyset of the last row shown:
 * opaque to clients, checked strictly here. 0, or 400 invalid_cursor. */
static int
parse_cursor(const char *v, struct store_page *pg, char id[PEER_ID_LEN], struct response *res)
{
	const char *dot = v ? strchr(v, '.') : NULL;
	char num[24];
	uint64_t created;

	if (v == NULL)
		return 0;
	if (dot == NULL || (size_t)(dot - v) >= sizeof(num) ||
	    strlen(dot + 1) != PEER_ID_LEN - 1 ||
	    strspn(dot + 1, "0123456789abcdef") != PEER_ID_LEN - 1)
		goto bad;
	memcpy(num, v, (size_t)(dot - v));
	num[dot - v] = '\0';
	if (text_parse_u64(num, 0, INT64_MAX, &created) != 0)
		goto bad;
	memcpy(id, dot + 1, PEER_ID_LEN);
	pg->after_created = (int64_t)created;
	pg->after_id = id;
	return 0;
bad:
	return http_error(res, 400, "invalid_cursor", "cursor \"%.40s\" is not one this server "
	                  "gave out: pass next_cursor back as it came", v);
}

/*
 * One page of peers, oldest first: ?limit= (default 100, at most 1000),
 * ?cursor= (next_cursor of the page before), filtered by ?state= and ?q=
 * (a substring of the name or an address). A page costs its rows: a
 * keyset seek, not an offset walked past.
 */
int
api_admin_peers_list(const struct request *req, struct response *res)
{
	struct store_page pg = { 0 };
	struct peer_list list;
	struct network net;
	char after[PEER_ID_LEN], cursor[48];
	int status, more;

	pg.state = http_query(req, "state");
	pg.q = http_query(req, "q");
	if (pg.state != NULL && strcmp(pg.state, "pending") != 0 && strcmp(pg.state, "accepted") != 0)
		return http_error(res, 400, "invalid_state", "state must be pending or accepted");
	if (pg.q != NULL && !text_in_class(pg.q, 1, 64, ".:-_"))
		return http_error(res, 400, "invalid_q", "q must be part of a name or an address: "
		                  "letters, digits, '.', ':', '-' or '_'");
	if ((status = api_page_limit(req, &pg.limit, res)) != 0 ||
	    (status = parse_cursor(http_query(req, "cursor"), &pg, after, res)) != 0)
		return status;
	if (store_network_get(&net) != DB_OK || store_peer_page(&list, &pg, &more) != DB_OK)
		return api_db_error(res);
	status = http_json(res, 200, views_peer_list(&list, &net));
	if (more && list.n > 0) {
		const struct peer *last = &list.v[list.n - 1];
		snprintf(cursor, sizeof(cursor), "%lld.%s", (long long)last->created_at, last->id);
		json_object_object_add(res->body, "next_cursor", json_object_new_string(cursor));
	} else {
		json_object_object_add(res->body, "next_cursor", NULL);
	}
	rows_peer_list_free(&list);
	return status;
}

int
api_admin_peer_get(const struct request *req, struct response *res)
{
	return api_answer_peer(req->params[0], 200, res);
}

static int
update_name(const char *id, const char *name, struct response *res)
{
	return store_peer_set_name(id, name) == DB_OK ? 0 : api_db_error(res);
}

static int
set_tags(const char *id, const struct strlist *tags, struct response *res)
{
	return store_tags_set(id, tags) == DB_OK ? 0 : api_db_error(res);
}

/* Optional name field: 0 (maybe *name set), or 400. */
static int
name_field(struct json_object *obj, const char **name, struct response *res)
{
	struct json_object *v;

	*name = NULL;
	if (!json_object_object_get_ex(obj, "name", &v))
		return 0;
	if (v == NULL || !json_object_is_type(v, json_type_string) ||
	    !validate_name(json_object_get_string(v)))
		return http_error(res, 400, "invalid_name", "name must be 1-63 letters, digits, "
		                  "'.', '-' or '_'");
	*name = json_object_get_string(v);
	return 0;
}

static int
address_field(struct json_object *obj, const char **addr, struct response *res)
{
	struct json_object *v;

	*addr = NULL;
	if (!json_object_object_get_ex(obj, "address", &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return http_error(res, 400, "invalid_address", "address must be a string");
	*addr = json_object_get_string(v);
	return 0;
}

int
api_admin_peer_accept(const struct request *req, struct response *res)
{
	const char *id = req->params[0], *name = NULL, *addr = NULL;
	struct json_object *nets_in = NULL, *nets = NULL, *tags_in = NULL, *detail;
	struct strlist tags = { 0 };
	struct peer p;
	size_t changed = 0;
	int status, has_tags = 0;

	if (req->json != NULL &&
	    ((status = name_field(req->json, &name, res)) != 0 ||
	     (status = address_field(req->json, &addr, res)) != 0))
		return status;
	if (req->json != NULL) {
		json_object_object_get_ex(req->json, "networks", &nets_in);
		has_tags = json_object_object_get_ex(req->json, "tags", &tags_in);
	}
	if (has_tags && (status = api_tags_parse(tags_in, &tags, res)) != 0)
		goto out;
	status = api_load_peer(&p, id, res);
	rows_peer_free(&p);
	if (status != 0)
		goto out;
	if (p.accepted) {
		status = http_error(res, 409, "not_pending", "peer %s is already accepted", id);
		goto out;
	}
	if ((status = api_check_networks(nets_in, id, &nets, res)) != 0)
		goto out;
	if ((name != NULL && (status = update_name(id, name, res)) != 0) ||
	    (status = api_assign_addresses(id, addr, res)) != 0 ||
	    (status = api_store_networks(id, nets, res)) != 0 ||
	    (has_tags && (status = set_tags(id, &tags, res)) != 0))
		goto out;
	if (store_peer_accept(id) != DB_OK) {
		status = api_db_error(res);
		goto out;
	}
	/* The pairs its tags' rules imply. */
	if ((status = api_rules_sync_peer(id, &changed, res)) != 0)
		goto out;
	detail = json_object_new_object();
	if (name != NULL)
		json_object_object_add(detail, "name", json_object_new_string(name));
	json_object_object_add(detail, "networks", nets);
	nets = NULL;
	if (has_tags)
		json_object_object_add(detail, "tags", json_object_get(tags_in));
	json_object_object_add(detail, "rule_pairs", json_object_new_int64((int64_t)changed));
	api_log(res, "peer.accept", id, detail, NULL);
	status = api_answer_peer_written(id, 200, res);
out:
	json_object_put(nets);
	rows_strlist_free(&tags);
	return status;
}

int
api_admin_peer_reject(const struct request *req, struct response *res)
{
	const char *id = req->params[0];
	struct peer p;
	int status;

	status = api_load_peer(&p, id, res);
	rows_peer_free(&p);
	if (status != 0)
		return status;
	if (p.accepted)
		return http_error(res, 409, "not_pending",
		                  "peer %s is accepted: delete it instead", id);
	/* A pending peer has no pairs: nobody's view changes. */
	if (store_peer_delete(id) != DB_OK)
		return api_db_error(res);
	api_log(res, "peer.reject", id, NULL, NULL);
	res->status = 204;
	return 204;
}

/* True when the If-Match header (a list of entity tags, or "*") names
 * the revision. Weak tags never match: If-Match compares strongly. */
static int
if_match_names(const char *header, int64_t revision, int *malformed)
{
	char want[32];
	const char *s = header;
	size_t wn = (size_t)snprintf(want, sizeof(want), "%lld", (long long)revision);
	int hit = 0;

	*malformed = 0;
	while (*s == ' ' || *s == '\t')
		s++;
	if (strcmp(s, "*") == 0)
		return 1;
	for (;;) {
		const char *q;
		int weak = 0;
		while (*s == ' ' || *s == '\t')
			s++;
		if (s[0] == 'W' && s[1] == '/') {
			weak = 1;
			s += 2;
		}
		if (*s != '"' || (q = strchr(s + 1, '"')) == NULL) {
			*malformed = 1;
			return 0;
		}
		if (!weak && (size_t)(q - s - 1) == wn && memcmp(s + 1, want, wn) == 0)
			hit = 1;
		s = q + 1;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0')
			return hit;
		if (*s != ',') {
			*malformed = 1;
			return 0;
		}
		s++;
	}
}

/*
 * An edit made on a view that is out of date would undo what changed
 * since (a host moved its endpoint; the admin renames it in an old tab):
 * with If-Match naming the revision that view showed, such an edit gets
 * 412 and the peer as it is now. Without If-Match the edit applies.
 */
static int
check_if_match(const struct request *req, const struct peer *p, struct response *res)
{
	struct network net;
	int malformed;

	if (req->if_match == NULL || req->if_match[0] == '\0')
		return 0;
	if (if_match_names(req->if_match, p->revision, &malformed))
		return 0;
	if (malformed)
		return http_error(res, 400, "invalid_if_match", "If-Match must be \"*\" or a "
		                  "list of quoted revisions, as the peer's ETag");
	if (store_network_get(&net) != DB_OK)
		return api_db_error(res);
	json_object_put(res->error_current);
	res->error_current = views_peer(p, &net);
	snprintf(res->etag, sizeof(res->etag), "%lld", (long long)p->revision);
	return http_error(res, 412, "precondition_failed", "peer %s changed since revision %.40s "
	                  "(now %lld): see \"current\"", p->id, req->if_match,
	                  (long long)p->revision);
}

int
api_admin_peer_delete(const struct request *req, struct response *res)
{
	const char *id = req->params[0];
	struct json_object *detail;
	struct peer p;
	int status;

	if ((status = api_load_peer(&p, id, res)) == 0 &&
	    (status = check_if_match(req, &p, res)) == 0) {
		detail = json_object_new_object();
		json_object_object_add(detail, "name", json_object_new_string(p.name));
		json_object_object_add(detail, "public_key", json_object_new_string(p.public_key));
		if ((status = api_revoke_key(&p, detail, res)) != 0) {
			json_object_put(detail);
			goto out;
		}
		api_log(res, "peer.delete", id, detail, NULL);
		status = store_peer_delete(id) == DB_OK ? 204 : api_db_error(res);
		if (status == 204)
			res->status = 204;
	}
out:
	rows_peer_free(&p);
	return status;
}

/*
 * Changes only the fields the body names; absent ones stay as stored (the
 * write lock is held from the read to the write). Tags replace the peer's
 * tags, and its pairs follow its rules. With If-Match, a stale revision is
 * 412 and changes nothing.
 */
int
api_admin_peer_patch(const struct request *req, struct response *res)
{
	const char *id = req->params[0], *name = NULL, *addr = NULL;
	char endpoint[VALIDATE_ENDPOINT_MAX + 1];
	struct json_object *nets_in = NULL, *nets = NULL, *ep = NULL, *tags_in = NULL;
	struct strlist tags = { 0 };
	struct peer p = { .keepalive = -1 };
	int status, port = 0, port_set, ka = 0, ka_set, has_nets, has_ep, has_tags;

	if ((status = name_field(req->json, &name, res)) != 0 ||
	    (status = address_field(req->json, &addr, res)) != 0 ||
	    (status = api_int_field(req->json, "listen_port", 1, 65535, &port, &port_set, res)) != 0 ||
	    (status = api_int_field(req->json, "keepalive", 0, 65535, &ka, &ka_set, res)) != 0)
		return status;
	has_ep = json_object_object_get_ex(req->json, "endpoint", &ep);
	if ((status = api_parse_endpoint(ep, endpoint, sizeof(endpoint), res)) != 0)
		return status;
	has_nets = json_object_object_get_ex(req->json, "networks", &nets_in);
	has_tags = json_object_object_get_ex(req->json, "tags", &tags_in);
	if (has_tags && (status = api_tags_parse(tags_in, &tags, res)) != 0)
		goto out;

	if ((status = api_load_peer(&p, id, res)) != 0 ||
	    (status = check_if_match(req, &p, res)) != 0)
		goto out;
	if ((addr != NULL || has_nets) && !p.accepted) {
		status = http_error(res, 409, "peer_pending",
		                    "accept peer %s before giving it addresses or networks", id);
		goto out;
	}
	if (has_nets && (status = api_check_networks(nets_in, id, &nets, res)) != 0)
		goto out;
	if ((name != NULL && (status = update_name(id, name, res)) != 0) ||
	    (addr != NULL && (status = api_assign_addresses(id, addr, res)) != 0) ||
	    (nets != NULL && (status = api_store_networks(id, nets, res)) != 0) ||
	    (has_tags && (status = set_tags(id, &tags, res)) != 0) ||
	    (has_tags && (status = api_rules_sync_peer(id, NULL, res)) != 0))
		goto out;
	if (has_ep)
		snprintf(p.endpoint, sizeof(p.endpoint), "%s", endpoint);
	if (port_set)
		p.listen_port = port < 0 ? 0 : port;
	if (ka_set)
		p.keepalive = ka;
	if ((has_ep || port_set || ka_set) && store_peer_set_link(&p) != DB_OK) {
		status = api_db_error(res);
		goto out;
	}
	api_log(res, "peer.edit", id, json_object_get(req->json), NULL);
	status = api_answer_peer_written(id, 200, res);
out:
	json_object_put(nets);
	rows_strlist_free(&tags);
	rows_peer_free(&p);
	return status;
}

/* The config peer id would get: the same build as GET /peer/config. */
int
api_admin_peer_config(const struct request *req, struct response *res)
{
	struct peer p;
	int status;

	if ((status = api_load_peer(&p, req->params[0], res)) == 0) {
		if (!p.accepted)
			status = http_error(res, 409, "peer_pending", "peer %s is not accepted yet",
			                    p.id);
		else
			status = api_answer_config(&p, res);
	}
	rows_peer_free(&p);
	return status;
}
