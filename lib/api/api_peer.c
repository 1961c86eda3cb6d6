/* SPDX-License-Identifier: MIT */
/* Routes for anyone (health, registration) and for an authenticated peer. */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "db.h"

int
api_health(const struct request *req, struct response *res)
{
	(void)req;
	if (db_ping() != 0)
		return http_error(res, 503, "database_unavailable", "the database cannot be read");
	return http_json(res, 200, views_health());
}

static int
string_field(struct json_object *obj, const char *key, int required,
             const char **out, struct response *res)
{
	struct json_object *v;

	*out = NULL;
	if (!json_object_object_get_ex(obj, key, &v) || v == NULL) {
		if (required)
			return http_error(res, 400, "missing_field", "\"%s\" is required", key);
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return http_error(res, 400, "invalid_field", "\"%s\" must be a string", key);
	*out = json_object_get_string(v);
	return 0;
}

int
api_use_invite(const char *code, struct response *res, struct invite_use *use)
{
	uint8_t h[KEYS_LEN];
	int rc;

	keys_hash(h, code, strlen(code));
	rc = store_invite_use(h, store_now(), use);
	if (rc == DB_NOTFOUND)
		return http_error(res, 403, "invite_invalid",
		                  "the invite code is unknown, used up or expired");
	return rc == DB_OK ? 0 : api_db_error(res);
}

static api_secret_handler register_peer;

/* The bearer secret lives in a frame that wipes it on every way out; the
 * answer carrying it is marked for wiping too. */
int
api_register(const struct request *req, struct response *res)
{
	return api_with_secret(req, res, register_peer);
}

/* Without an invite: expired pending peers make room first (lazily, here,
 * and in the responder's periodic check), then 429 when too many wait for
 * review in all, or from the network prefix the request came from (prefix,
 * "" when unknown): a few addresses cannot fill the queue for everyone. */
static int
queue_room(const struct quota *q, const char *prefix, struct response *res)
{
	int64_t pending, from = 0;

	if (quota_expire_pending(q, store_now(), NULL) != DB_OK ||
	    quota_pending_count(&pending) != DB_OK ||
	    (prefix[0] != '\0' && quota_pending_count_from(prefix, &from) != DB_OK))
		return api_db_error(res);
	if (pending >= q->pending_max)
		return http_error(res, 429, "too_many_pending",
		                  "too many peers wait for review; try again later");
	if (prefix[0] != '\0' && from >= q->pending_max_per_prefix)
		return http_error(res, 429, "too_many_pending", "too many peers from your "
		                  "network (%s) wait for review; try again later", prefix);
	return 0;
}

/* May this key join now? 403 when the registration mode says no; 409 for a
 * key already registered; with an invite, uses it up (403 when it is not
 * valid, or was made for adopting an imported peer) and is never refused
 * for a full queue; without, queue_room(). 0 when it may. */
static int
admit(const char *pubkey, const char *invite, const char *prefix, struct invite_use *use,
      struct response *res)
{
	struct quota q;
	int rc;

	if (quota_get(&q) != DB_OK)
		return api_db_error(res);
	if (q.registration == QUOTA_CLOSED)
		return http_error(res, 403, "registration_closed",
		                  "registration is closed on this server; ask its admin");
	if (q.registration == QUOTA_INVITE_ONLY && invite == NULL)
		return http_error(res, 403, "invite_required",
		                  "this server registers peers with an invite code only");
	if ((rc = store_peer_key_taken(pubkey, NULL)) == DB_OK)
		return http_error(res, 409, "public_key_taken",
		                  "a peer with this public key is already registered");
	if (rc != DB_NOTFOUND)
		return api_db_error(res);
	if ((rc = store_key_revoked(pubkey)) == DB_OK)
		return http_error(res, 409, "key_revoked", "this public key was revoked: it "
		                  "cannot come back (make a new key)");
	if (rc != DB_NOTFOUND)
		return api_db_error(res);
	if (invite == NULL)
		return queue_room(&q, prefix, res);
	if ((rc = api_use_invite(invite, res, use)) != 0)
		return rc;
	if (use->for_peer[0] != '\0')
		return http_error(res, 403, "invite_for_adoption", "this invite was made for "
		                  "the host of an imported peer to adopt it (wgconf register "
		                  "--adopt), not for a new peer");
	return 0;
}

/* Stores the new peer p with the hash of its token. 0, 409 or 500. */
static int
insert_peer(const struct peer *p, const uint8_t token_hash[KEYS_LEN], struct response *res)
{
	int rc = store_peer_insert(p, token_hash, store_now());

	if (rc == DB_CONFLICT)
		return http_error(res, 409, "public_key_taken",
		                  "a peer with this public key is already registered");
	return rc == DB_OK ? 0 : api_db_error(res);
}

static int
register_peer(const struct request *req, struct response *res, char secret[KEYS_TOKEN_LEN])
{
	const char *name, *pubkey, *invite;
	char token[PEER_ID_LEN + KEYS_TOKEN_LEN + 1], prefix[IPAM_STRLEN];
	char actor[PEER_ID_LEN + 8];
	struct invite_use use = { 0 };
	uint8_t pk[KEYS_LEN], th[KEYS_LEN];
	struct json_object *ep = NULL, *o, *detail;
	struct peer p;
	int port = 0, port_set = 0, status;

	memset(&p, 0, sizeof(p));
	if ((status = string_field(req->json, "name", 1, &name, res)) != 0 ||
	    (status = string_field(req->json, "public_key", 1, &pubkey, res)) != 0 ||
	    (status = string_field(req->json, "invite", 0, &invite, res)) != 0)
		return status;
	if (!validate_name(name))
		return http_error(res, 400, "invalid_name", "name \"%.64s\" must be 1-63 letters, "
		                  "digits, '.', '-' or '_'", name);
	if ((status = api_public_key("public_key", pubkey, pk, res)) != 0)
		return status;
	json_object_object_get_ex(req->json, "endpoint", &ep);
	if ((status = api_parse_endpoint(ep, p.endpoint, sizeof(p.endpoint), res)) != 0 ||
	    (status = api_int_field(req->json, "listen_port", 1, 65535, &port, &port_set, res)) != 0)
		return status;
	if (invite != NULL && (strlen(invite) == 0 || strlen(invite) > 128))
		return http_error(res, 403, "invite_invalid",
		                  "the invite code is unknown, used up or expired");
	if (quota_client_prefix(prefix, req->remote_addr) != 0)
		prefix[0] = '\0';
	if ((status = admit(pubkey, invite, prefix, &use, res)) != 0)
		return status;

	keys_random_hex(p.id, (PEER_ID_LEN - 1) / 2);
	snprintf(p.name, sizeof(p.name), "%s", name);
	snprintf(p.public_key, sizeof(p.public_key), "%s", pubkey);
	p.accepted = invite != NULL;
	p.listen_port = port > 0 ? port : 0;
	p.keepalive = -1;
	keys_random_secret(secret);
	keys_hash(th, secret, strlen(secret));
	if ((status = insert_peer(&p, th, res)) != 0 ||
	    (p.accepted && (status = api_assign_addresses(p.id, NULL, res)) != 0))
		return status;
	if (!p.accepted && prefix[0] != '\0' && quota_pending_from_set(p.id, prefix) != DB_OK)
		return api_db_error(res);
	detail = json_object_new_object();
	json_object_object_add(detail, "name", json_object_new_string(p.name));
	json_object_object_add(detail, "public_key", json_object_new_string(p.public_key));
	json_object_object_add(detail, "endpoint",
	                       p.endpoint[0] ? json_object_new_string(p.endpoint) : NULL);
	if (use.id[0] != '\0')
		json_object_object_add(detail, "invite", json_object_new_string(use.id));
	snprintf(actor, sizeof(actor), "peer:%s", p.id);
	api_log(res, "peer.register", p.id, detail, actor);

	snprintf(token, sizeof(token), "%s.%s", p.id, secret);
	o = views_registered(&p, token);
	keys_wipe(token, sizeof(token));
	res->secret = 1;
	return http_json(res, 201, o);
}

int
api_peer_get(const struct request *req, struct response *res)
{
	return api_answer_peer(req->peer_id, 200, res);
}

/*
 * GET /peer/watch-auth?peer=ID: nginx asks it (nchan_authorize_request)
 * before it holds a host's subscription to channel "peer/ID". The token
 * was checked by the dispatcher; the channel must be the token's own. 200
 * lets nginx subscribe, anything else refuses the subscriber at once.
 */
int
api_peer_watch_auth(const struct request *req, struct response *res)
{
	const char *want = http_query(req, "peer");
	struct json_object *o;

	if (want == NULL)
		return http_error(res, 400, "peer_missing", "the query names no peer channel");
	if (strcmp(want, req->peer_id) != 0)
		return http_error(res, 403, "not_your_channel",
		                  "a peer may only watch its own channel");
	if ((o = json_object_new_object()) == NULL ||
	    json_object_object_add(o, "channel", json_object_new_string(want)) != 0) {
		json_object_put(o);
		return http_error(res, 500, "internal", "out of memory");
	}
	return http_json(res, 200, o);
}

/*
 * GET /peer/watch, GET /admin/watch reach the responder only where the web
 * server has no push (no Nchan: nginx answers them itself when it has).
 * 204 says so: an EventSource stops on it without an error, and `wgconf
 * sync --watch` polls instead.
 */
int
api_watch_none(const struct request *req, struct response *res)
{
	(void)req;
	res->status = 204;
	return 204;
}

/* True when the If-None-Match header names etag (or is "*"). */
static int
etag_matches(const char *header, const char *etag)
{
	char quoted[64];
	const char *p;
	size_t n;

	if (header == NULL)
		return 0;
	if (strcmp(header, "*") == 0)
		return 1;
	n = (size_t)snprintf(quoted, sizeof(quoted), "\"%s\"", etag);
	for (p = header; (p = strstr(p, quoted)) != NULL; p += n) {
		char after = p[n];
		if (after == '\0' || after == ',' || after == ' ')
			return 1;
	}
	return 0;
}

/*
 * The config is built from one read snapshot (the dispatcher's transaction)
 * and any database error fails the whole answer: a config that silently
 * misses a peer, under a valid ETag, would be cached and applied.
 */
int
api_peer_config(const struct request *req, struct response *res)
{
	struct peer p;
	int status, rc;

	/* The row alone: the ETag, and on a kept config all there is to read. */
	if ((rc = store_peer_row(&p, req->peer_id)) != DB_OK) {
		status = rc == DB_NOTFOUND ?
		         http_error(res, 404, "peer_not_found", "this peer is gone") :
		         api_db_error(res);
		goto out;
	}
	if (!p.accepted) {
		status = http_error(res, 409, "peer_pending",
		                    "this peer waits for an admin to accept it");
		goto out;
	}
	snprintf(res->etag, sizeof(res->etag), "r%lld", (long long)p.revision);
	if (etag_matches(req->if_none_match, res->etag))
		res->status = status = 304;
	else
		status = api_answer_config(&p, res);
out:
	/* No ETag on an error: nothing about it may be cached. */
	if (status >= 400)
		res->etag[0] = '\0';
	rows_peer_free(&p);
	return status;
}

/*
 * A host whose address changed says so. Only an accepted peer: a pending one
 * (anyone can make one) may not write. The same endpoint again is no change
 * (nothing written, no revision, no audit); a new one at most once per
 * endpoint_min_interval, 429 with Retry-After before.
 */
int
api_peer_endpoint(const struct request *req, struct response *res)
{
	char endpoint[VALIDATE_ENDPOINT_MAX + 1];
	struct json_object *ep, *detail;
	struct quota q;
	struct peer p;
	int64_t now = store_now(), wait;
	int status, rc, same;

	if (!json_object_object_get_ex(req->json, "endpoint", &ep))
		return http_error(res, 400, "missing_field", "\"endpoint\" is required");
	if ((status = api_parse_endpoint(ep, endpoint, sizeof(endpoint), res)) != 0)
		return status;
	status = api_load_peer(&p, req->peer_id, res);
	same = status == 0 && strcmp(p.endpoint, endpoint) == 0;
	if (status == 0 && !p.accepted)
		status = http_error(res, 409, "peer_pending",
		                    "this peer waits for an admin to accept it");
	rows_peer_free(&p);
	if (status != 0)
		return status;
	if (same)
		return api_answer_peer(req->peer_id, 200, res);
	if (quota_get(&q) != DB_OK)
		return api_db_error(res);
	rc = quota_endpoint_allowed(&q, req->peer_id, now, &wait);
	if (rc == DB_CONFLICT) {
		res->retry_after = wait;
		return http_error(res, 429, "endpoint_rate_limited", "the endpoint changed less "
		                  "than %lld s ago; try again in %lld s",
		                  (long long)q.endpoint_min_interval, (long long)wait);
	}
	if (rc != DB_OK || quota_endpoint_set(req->peer_id, endpoint, now) != DB_OK)
		return api_db_error(res);
	detail = json_object_new_object();
	json_object_object_add(detail, "endpoint",
	                       endpoint[0] ? json_object_new_string(endpoint) : NULL);
	api_log(res, "peer.endpoint", req->peer_id, detail, NULL);
	return api_answer_peer(req->peer_id, 200, res);
}

int
api_peer_delete(const struct request *req, struct response *res)
{
	struct json_object *detail = json_object_new_object();
	struct peer p;
	int status;

	/* A host that leaves takes its key with it: under a signing key, one
	 * that was signed is revoked, as when an admin deletes it. */
	if ((status = api_load_peer(&p, req->peer_id, res)) == 0 &&
	    (status = api_revoke_key(&p, detail, res)) == 0 &&
	    (status = store_peer_delete(req->peer_id) != DB_OK ? api_db_error(res) : 0) == 0) {
		api_log(res, "peer.deregister", req->peer_id, detail, NULL);
		detail = NULL;
		res->status = status = 204;
	}
	json_object_put(detail);
	rows_peer_free(&p);
	return status;
}
