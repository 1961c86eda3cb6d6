/* SPDX-License-Identifier: MIT */
/* The route table, authentication, CSRF checks and dispatch. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "db.h"
#include "keys.h"
#include "text.h"

enum auth { AUTH_NONE, AUTH_PEER, AUTH_ADMIN };

#define ROUTE_WRITE 0x1         /* changes something: BEGIN IMMEDIATE, CSRF check */
#define ROUTE_BODY  0x2         /* needs a JSON object body */
#define ROUTE_SEEN  0x4         /* a peer polling it is seen (last_seen) */
#define ROUTE_PENDING 0x8       /* may add a registration: the admin page's
                                   pending list hears of it (push.h) */
#define ROUTE_LINKS 0x10        /* a link report: the admin page's link status */

#define LAST_SEEN_SLACK 60      /* seconds: last_seen is not worth a write per poll */

/*
 * One row per endpoint, in the spirit of OpenBSD bgplgd: what it answers,
 * who may call it, which query keys (each with its longest value) and body
 * keys it takes, and whether it writes. Everything not listed is refused
 * with 400 naming it before a handler runs.
 */
struct route {
	const char *method;
	const char *pattern;            /* "{}" matches one path segment */
	enum auth auth;
	api_handler *handler;
	unsigned flags;                 /* ROUTE_* */
	const struct http_key *query;   /* allowed query keys; NULL = none */
	const char *const *body;        /* allowed body keys; NULL = none */
};

static const struct http_key q_peers[] = { { "state", 8 }, { "q", 64 }, { "limit", 4 },
                                           { "cursor", 40 }, { "kind", 6 }, { NULL, 0 } };
static const struct http_key q_statements[] = { { "limit", 4 }, { "cursor", 40 }, { NULL, 0 } };
static const struct http_key q_pairs[] = { { "peer", 16 }, { "limit", 4 }, { "cursor", 40 },
                                           { NULL, 0 } };
static const struct http_key q_watch[] = { { "peer", PEER_ID_LEN - 1 }, { NULL, 0 } };
static const struct http_key q_audit[] = { { "limit", 4 }, { "before", 19 }, { "q", 64 },
                                           { NULL, 0 } };

static const char *const b_register[] = { "name", "public_key", "endpoint", "listen_port",
                                          "invite", NULL };
static const char *const b_adopt[] = { "public_key", "invite", NULL };
static const char *const b_endpoint[] = { "endpoint", NULL };
static const char *const b_accept[] = { "name", "address", "networks", "tags", NULL };
static const char *const b_patch[] = { "name", "address", "networks", "endpoint",
                                       "listen_port", "keepalive", "tags", "relay",
                                       "expires_in", NULL };
static const char *const b_enable[] = { "expires_in", NULL };
static const char *const b_rule[] = { "a", "b", NULL };
static const char *const b_signature[] = { "signature", NULL };
static const char *const b_peer_sig[] = { "version", "signature", NULL };
static const char *const b_signatures[] = { "signatures", NULL };
static const char *const b_key[] = { "public_key", NULL };
static const char *const b_network[] = { "ipv4_pool", "ipv6_pool", "mtu", "keepalive", "dns",
                                         "signing_key", "registration", "pending_expire_after",
                                         "pending_max", "endpoint_min_interval", "audit_max_age",
                                         "audit_max_rows", "audit_coalesce_window",
                                         "pending_max_per_prefix", NULL };
static const char *const b_invite[] = { "uses", "expires_in", "label", "for_peer",
                                        "when_closed", NULL };
static const char *const b_links[] = { "links", "relay", NULL };
static const char *const b_import[] = { "peers", "pairs", "rules", NULL };
static const char *const b_device_invite[] = { "uses", "expires_in", "label", "name", "gateway",
                                               "tags", "routes", NULL };
static const char *const b_reissue[] = { "expires_in", NULL };
static const char *const b_join_info[] = { "invite", NULL };
static const char *const b_join[] = { "invite", "public_key", "name", NULL };
static const char *const b_reject[] = { "ids", "older_than", "name_pattern", NULL };

#define W  ROUTE_WRITE
#define WB (ROUTE_WRITE | ROUTE_BODY)
#define WBP (WB | ROUTE_PENDING)

static const struct route routes[] = {
	{ "GET",    "/health",                   AUTH_NONE,  api_health,              0,  NULL, NULL },
	{ "POST",   "/register",                 AUTH_NONE,  api_register,            WBP, NULL, b_register },
	{ "GET",    "/peer",                     AUTH_PEER,  api_peer_get,            0,  NULL, NULL },
	{ "DELETE", "/peer",                     AUTH_PEER,  api_peer_delete,         W,  NULL, NULL },
	{ "GET",    "/peer/config",              AUTH_PEER,  api_peer_config,  ROUTE_SEEN, NULL, NULL },
	{ "PUT",    "/peer/endpoint",            AUTH_PEER,  api_peer_endpoint,       WB, NULL, b_endpoint },
	{ "POST",   "/peer/key",                 AUTH_PEER,  api_peer_key,            WB, NULL, b_key },
	{ "GET",    "/admin/peers",              AUTH_ADMIN, api_admin_peers_list,    0,  q_peers, NULL },
	{ "GET",    "/admin/peers/{}",           AUTH_ADMIN, api_admin_peer_get,      0,  NULL, NULL },
	{ "PATCH",  "/admin/peers/{}",           AUTH_ADMIN, api_admin_peer_patch,    WB, NULL, b_patch },
	{ "DELETE", "/admin/peers/{}",           AUTH_ADMIN, api_admin_peer_delete,   W,  NULL, NULL },
	{ "POST",   "/admin/peers/reject",       AUTH_ADMIN, api_admin_peers_reject,  WB, NULL, b_reject },
	{ "POST",   "/admin/peers/{}/accept",    AUTH_ADMIN, api_admin_peer_accept,   W,  NULL, b_accept },
	{ "POST",   "/admin/peers/{}/reject",    AUTH_ADMIN, api_admin_peer_reject,   W,  NULL, NULL },
	{ "POST",   "/admin/peers/{}/disable",   AUTH_ADMIN, api_admin_peer_disable,  W,  NULL, NULL },
	{ "POST",   "/admin/peers/{}/enable",    AUTH_ADMIN, api_admin_peer_enable,   W,  NULL, b_enable },
	{ "GET",    "/admin/peers/{}/config",    AUTH_ADMIN, api_admin_peer_config,   0,  NULL, NULL },
	{ "GET",    "/admin/peers/{}/statement", AUTH_ADMIN, api_admin_peer_statement, 0, NULL, NULL },
	{ "PUT",    "/admin/peers/{}/signature", AUTH_ADMIN, api_admin_peer_signature, WB, NULL, b_peer_sig },
	{ "POST",   "/admin/peers/{}/accept-key", AUTH_ADMIN, api_admin_peer_accept_key, W, NULL, NULL },
	{ "GET",    "/admin/statements",         AUTH_ADMIN, api_admin_statements_list, 0, q_statements, NULL },
	{ "PUT",    "/admin/signatures",         AUTH_ADMIN, api_admin_signatures_put, WB, NULL, b_signatures },
	{ "GET",    "/admin/jobs",               AUTH_ADMIN, api_admin_jobs_list,     0,  NULL, NULL },
	{ "GET",    "/admin/policy",             AUTH_ADMIN, api_admin_policy_get,    0,  NULL, NULL },
	{ "PUT",    "/admin/policy/signature",   AUTH_ADMIN, api_admin_policy_signature, WB, NULL, b_peer_sig },
	{ "GET",    "/admin/revocations",        AUTH_ADMIN, api_admin_revocations_list, 0, NULL, NULL },
	{ "PUT",    "/admin/revocations/{}/signature", AUTH_ADMIN, api_admin_revocation_signature, WB, NULL, b_signature },
	{ "GET",    "/admin/pairs",              AUTH_ADMIN, api_admin_pairs_list,    0,  q_pairs, NULL },
	{ "PUT",    "/admin/pairs/{}/{}",        AUTH_ADMIN, api_admin_pair_put,      W,  NULL, NULL },
	{ "DELETE", "/admin/pairs/{}/{}",        AUTH_ADMIN, api_admin_pair_delete,   W,  NULL, NULL },
	{ "GET",    "/admin/rules",              AUTH_ADMIN, api_admin_rules_list,    0,  NULL, NULL },
	{ "POST",   "/admin/rules",              AUTH_ADMIN, api_admin_rule_create,   WB, NULL, b_rule },
	{ "DELETE", "/admin/rules/{}",           AUTH_ADMIN, api_admin_rule_delete,   W,  NULL, NULL },
	{ "GET",    "/admin/network",            AUTH_ADMIN, api_admin_network_get,   0,  NULL, NULL },
	{ "PUT",    "/admin/network",            AUTH_ADMIN, api_admin_network_put,   WB, NULL, b_network },
	{ "GET",    "/admin/invites",            AUTH_ADMIN, api_admin_invites_list,  0,  NULL, NULL },
	{ "POST",   "/admin/invites",            AUTH_ADMIN, api_admin_invite_create, W,  NULL, b_invite },
	{ "DELETE", "/admin/invites/{}",         AUTH_ADMIN, api_admin_invite_delete, W,  NULL, NULL },
	{ "GET",    "/admin/audit",              AUTH_ADMIN, api_admin_audit,         0,  q_audit, NULL },
	{ "PUT",    "/peer/links",               AUTH_PEER,  api_peer_links_put, WB | ROUTE_LINKS, NULL, b_links },
	{ "GET",    "/admin/links",              AUTH_ADMIN, api_admin_links,         0,  NULL, NULL },
	{ "GET",    "/admin/metrics",            AUTH_ADMIN, api_admin_metrics,       0,  NULL, NULL },
	{ "GET",    "/admin/export",             AUTH_ADMIN, api_admin_export,        0,  NULL, NULL },
	{ "POST",   "/admin/import",             AUTH_ADMIN, api_admin_import,        WB, NULL, b_import },
	{ "POST",   "/adopt",                    AUTH_NONE,  api_adopt,               WBP,NULL, b_adopt },
	{ "GET",    "/admin/device-invites",     AUTH_ADMIN, api_admin_device_invites_list, 0, NULL, NULL },
	{ "POST",   "/admin/device-invites",     AUTH_ADMIN, api_admin_device_invite_create, WB, NULL, b_device_invite },
	{ "DELETE", "/admin/device-invites/{}",  AUTH_ADMIN, api_admin_device_invite_delete, W, NULL, NULL },
	{ "GET",    "/admin/devices",            AUTH_ADMIN, api_admin_devices_list,  0,  NULL, NULL },
	{ "DELETE", "/admin/devices/{}",         AUTH_ADMIN, api_admin_device_delete, W,  NULL, NULL },
	{ "POST",   "/admin/devices/{}/reissue", AUTH_ADMIN, api_admin_device_reissue, W, NULL, b_reissue },
	{ "POST",   "/join/info",                AUTH_NONE,  api_join_info,           WB, NULL, b_join_info },
	{ "POST",   "/join",                     AUTH_NONE,  api_join,                WBP,NULL, b_join },
	{ "GET",    "/peer/watch-auth",          AUTH_PEER,  api_peer_watch_auth,     0,  q_watch, NULL },
	{ "GET",    "/peer/watch",               AUTH_PEER,  api_watch_none,          0,  q_watch, NULL },
	{ "GET",    "/admin/watch",              AUTH_ADMIN, api_watch_none,          0,  NULL, NULL },
};

#define N_ROUTES (sizeof(routes) / sizeof(routes[0]))

/* Requests and error answers per route since this process started (the
 * last slot: requests no route took). Per process on purpose: counting in
 * the database would make every read a write. */
static struct {
	uint64_t requests, errors;
} route_stats[N_ROUTES + 1];

int
api_route_stats(size_t i, const char **method, const char **pattern, uint64_t *requests,
                uint64_t *errors)
{
	if (i > N_ROUTES)
		return -1;
	*method = i < N_ROUTES ? routes[i].method : "";
	*pattern = i < N_ROUTES ? routes[i].pattern : "unrouted";
	*requests = route_stats[i].requests;
	*errors = route_stats[i].errors;
	return 0;
}

#undef W
#undef WB
#undef WBP

/* Matches path against pattern; segment captures point into path and are
 * copied into buf (each NUL-terminated). */
static int
match(const char *pattern, const char *path, char *buf, size_t bufsz,
      const char *params[HTTP_MAX_PARAMS])
{
	size_t np = 0, used = 0;

	while (*pattern != '\0') {
		if (pattern[0] == '{' && pattern[1] == '}') {
			size_t n = strcspn(path, "/");
			if (n == 0 || np >= HTTP_MAX_PARAMS || used + n + 1 > bufsz)
				return 0;
			memcpy(buf + used, path, n);
			buf[used + n] = '\0';
			params[np++] = buf + used;
			used += n + 1;
			path += n;
			pattern += 2;
			continue;
		}
		if (*pattern != *path)
			return 0;
		pattern++;
		path++;
	}
	return *path == '\0';
}

static int
is_json(const char *ct)
{
	static const char want[] = "application/json";
	size_t n = sizeof(want) - 1;

	if (ct == NULL || strncasecmp(ct, want, n) != 0)
		return 0;
	return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

/* True when host (a Host header) names a port: "h:1", "[v6]:1". */
static int
host_has_port(const char *host)
{
	if (host[0] == '[')
		return strstr(host, "]:") != NULL;
	return strchr(host, ':') != NULL;
}

/*
 * The request's Origin names this server. Host is compared as the browser
 * sent it; but Debian's stock fastcgi_params passes HTTP_HOST as nginx's
 * $host, without the port, while the browser's Origin keeps a port that is
 * not the scheme's default: then SERVER_PORT, the port the request really
 * came in on, stands in for it.
 */
static int
same_origin(const struct request *req)
{
	const char *scheme = req->scheme ? req->scheme : "https";
	char self[320];
	int port;

	if (req->host == NULL || req->host[0] == '\0')
		return 0;
	snprintf(self, sizeof(self), "%s://%s", scheme, req->host);
	if (strcasecmp(req->origin, self) == 0)
		return 1;
	if (host_has_port(req->host) || req->server_port == NULL ||
	    text_parse_int(req->server_port, 1, 65535, &port) != 0 ||
	    port == (strcmp(scheme, "https") == 0 ? 443 : 80))
		return 0;
	snprintf(self, sizeof(self), "%s://%s:%d", scheme, req->host, port);
	return strcasecmp(req->origin, self) == 0;
}

/*
 * Browsers send basic-auth credentials with any request to this origin, also
 * one a hostile page starts. A cross-site form cannot send application/json
 * without a preflight this server never grants, and a browser says where a
 * request came from in Origin and Sec-Fetch-Site: both must agree it is ours.
 */
static int
csrf_check(const struct request *req, struct response *res)
{
	if (!is_json(req->content_type))
		return http_error(res, 415, "content_type_not_json",
		                  "admin changes need Content-Type: application/json");
	if (req->sec_fetch_site != NULL && req->sec_fetch_site[0] != '\0' &&
	    strcmp(req->sec_fetch_site, "same-origin") != 0 &&
	    strcmp(req->sec_fetch_site, "none") != 0)
		return http_error(res, 403, "cross_site_request",
		                  "cross-site requests may not change anything");
	if (req->origin != NULL && req->origin[0] != '\0' && !same_origin(req))
		return http_error(res, 403, "cross_site_request",
		                  "the request's Origin is not this server");
	return 0;
}

/* A bearer token is "ID.SECRET"; only BLAKE2b(SECRET) is stored. A peer's
 * read (its config, polled by every host) checks the token in the same read
 * transaction as the answer, begun here: one snapshot, one set of locks. A
 * write checks it before taking the write lock. */
static int
peer_auth(struct request *req, int writes, int64_t *last_seen, struct response *res)
{
	const char *tok, *dot;
	uint8_t want[KEYS_LEN], got[KEYS_LEN];
	size_t idlen;
	int rc;

	if (req->authorization == NULL || strncasecmp(req->authorization, "Bearer ", 7) != 0)
		goto unauthorized;
	tok = req->authorization + 7;
	dot = strchr(tok, '.');
	idlen = dot ? (size_t)(dot - tok) : 0;
	if (idlen != PEER_ID_LEN - 1 || strlen(dot + 1) != KEYS_TOKEN_LEN - 1)
		goto unauthorized;
	memcpy(req->peer_id, tok, idlen);
	req->peer_id[idlen] = '\0';
	if (!writes && db_begin_read() != 0)
		return api_db_error(res);
	rc = store_peer_token(req->peer_id, want, last_seen);
	if (rc == DB_ERROR)
		return api_db_error(res);
	/* Hash and compare also for an unknown id (want is zeroed then): the
	 * time taken says nothing. */
	keys_hash(got, dot + 1, strlen(dot + 1));
	if (keys_hash_equal(want, got) != 0 || rc != DB_OK)
		goto unauthorized;
	snprintf(req->actor, sizeof(req->actor), "peer:%s", req->peer_id);
	return 0;
unauthorized:
	req->peer_id[0] = '\0';
	res->www_authenticate = 1;
	return http_error(res, 401, "unauthorized", "a valid peer token is required");
}

/* Who hears of a committed write (push.h): the peers whose revision it
 * moved, as the one revision path stamped them, and the admin page. */
static void
note_push(unsigned flags, struct response *res)
{
	if (!push_enabled())
		return;
	for (size_t i = 0; i < res->revised.n; i++)
		push_note_peer(&res->push, res->revised.v[i].id, res->revised.v[i].revision);
	push_note_admin(&res->push, (flags & ROUTE_LINKS) ? PUSH_ADMIN_LINKS :
	                (flags & ROUTE_PENDING) ? PUSH_ADMIN_PENDING | PUSH_ADMIN_PEERS :
	                PUSH_ADMIN_PEERS);
}

/* The write's audit entry, under the network's limits for the log. */
static int
audit(const char *actor, const struct response *res)
{
	struct audit_limits lim;
	struct quota q;

	if (quota_get(&q) != DB_OK)
		return DB_ERROR;
	quota_audit_limits(&q, &lim);
	return store_audit(&lim, actor, res->change.action,
	                   res->change.target[0] ? res->change.target : NULL, res->change.detail);
}

/* A peer whose report moved its own config (a relay chosen for one of its
 * pairs) learns it in the answer, and fetches again in the same run. */
static int
own_revision(const struct request *req, struct response *res)
{
	struct json_object *o;

	if (!res->change.own_revision || res->status != 204)
		return res->status;
	for (size_t i = 0; i < res->revised.n; i++) {
		if (strcmp(res->revised.v[i].id, req->peer_id) != 0)
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "revision", json_object_new_int64(res->revised.v[i].revision));
		return http_json(res, 200, o);
	}
	return res->status;
}

/* The tail every write shares: revisions, the audit entry, one commit.
 * res->revised then names the peers whose configs changed: a change
 * notification goes out from here, after the commit, never before. */
static int
finish_write(const struct request *req, unsigned flags, struct response *res)
{
	const char *actor = res->change.actor[0] ? res->change.actor : req->actor;
	int rc = api_relays_refresh();

	if (rc == DB_OK)
		rc = store_revisions_commit(&res->revised);

	if (rc == DB_OK && res->change.action != NULL)
		rc = audit(actor, res);
	if (rc == DB_OK && res->change.answer[0] != '\0' &&
	    api_answer_peer(res->change.answer, res->status, res) >= 400)
		rc = DB_ERROR;
	if (rc == DB_OK && db_commit() == 0) {
		note_push(flags, res);
		return own_revision(req, res);
	}
	/* Not written: an answer made for it (a token, say) must not go out. */
	store_revisions_free(&res->revised);
	http_response_wipe(res);
	return api_db_error(res);
}

/* A polling peer is seen; once a minute is enough to say it is alive. Seen
 * is a config fetched (status below 400): a pending peer's refused poll is
 * not, so junk registrations that poll cannot pass for hosts that are up. */
static void
mark_seen(const char *id, int64_t last_seen, int status)
{
	int64_t now = store_now();

	if (status >= 400 || now - last_seen < LAST_SEEN_SLACK)
		return;
	if (db_begin() == 0 && store_peer_seen(id, now) == DB_OK && db_commit() == 0)
		return;
	db_rollback();
}

/* A config built by this request is kept for its revision, in a write
 * transaction of its own after the read one: a read snapshot cannot take
 * the write lock once another responder has committed. Not kept is only
 * slower, never wrong, so a failure here changes nothing in the answer. */
static void
keep_config(struct response *res)
{
	if (res->status != 200 || res->keep.peer[0] == '\0' || res->text == NULL)
		return;
	if (db_begin() == 0 &&
	    store_config_keep(res->keep.peer, res->keep.revision, res->keep.format,
	                      res->text, res->text_len) == DB_OK &&
	    db_commit() == 0)
		return;
	db_rollback();
}

/* Runs r's handler inside one transaction: a snapshot for a read, the write
 * lock for a write, which commits only when the handler succeeded. */
static int
run(const struct route *r, struct request *req, struct response *res)
{
	int writes = (r->flags & ROUTE_WRITE) != 0, status;

	/* A peer's read is in its transaction already (dispatch()). */
	if (!writes && db_in_transaction())
		status = r->handler(req, res);
	else if ((writes ? db_begin() : db_begin_read()) != 0)
		status = api_db_error(res);
	else
		status = r->handler(req, res);
	if (writes && status < 400)
		status = finish_write(req, r->flags, res);
	/* A handler that bailed out mid-transaction must not leave it, or a
	 * half-read statement, open for the next request on this connection. */
	db_reset_all();
	db_rollback();
	keep_config(res);
	return status;
}

/* Answers req; *ri says which route took it (N_ROUTES: none). */
static int
dispatch(struct request *req, struct response *res, size_t *ri)
{
	static const char *const no_keys[] = { NULL };
	const struct route *r = NULL;
	const char *path = req->path;
	char capture[256];
	size_t n = sizeof(API_PREFIX) - 1, allowlen = 0;
	int64_t last_seen = 0;
	int writes, status;

	if (path == NULL || strncmp(path, API_PREFIX, n) != 0)
		return http_error(res, 404, "not_found", "no such resource");
	path += n;
	/* The path is what the web server routed on, decoded: a '?' (or '#')
	 * left in it was encoded in the request ("/register%3F"), and such a
	 * path is none of ours, whatever a route's capture would take. */
	if (strpbrk(path, "?#") != NULL)
		return http_error(res, 404, "not_found", "no such resource");
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		const char *params[HTTP_MAX_PARAMS] = { NULL };
		if (!match(routes[i].pattern, path, capture, sizeof(capture), params))
			continue;
		if (strcmp(routes[i].method, req->method ? req->method : "") == 0) {
			r = &routes[i];
			*ri = i;
			memcpy(req->params, params, sizeof(params));
			break;
		}
		allowlen += (size_t)snprintf(res->allow + allowlen, sizeof(res->allow) - allowlen,
		                             "%s%s", allowlen ? ", " : "", routes[i].method);
		if (allowlen >= sizeof(res->allow))
			allowlen = sizeof(res->allow) - 1;
	}
	if (r == NULL) {
		if (allowlen > 0)
			return http_error(res, 405, "method_not_allowed",
			                  "%s is not allowed here", req->method ? req->method : "");
		return http_error(res, 404, "not_found", "no such resource");
	}
	res->allow[0] = '\0';

	writes = (r->flags & ROUTE_WRITE) != 0;
	switch (r->auth) {
	case AUTH_ADMIN:
		/* nginx checks the password; an empty REMOTE_USER means it did not. */
		if (req->remote_user == NULL || req->remote_user[0] == '\0')
			return http_error(res, 403, "admin_required",
			                  "admin routes need an authenticated admin");
		snprintf(req->actor, sizeof(req->actor), "admin:%.80s", req->remote_user);
		if (writes && (status = csrf_check(req, res)) != 0)
			return status;
		break;
	case AUTH_PEER:
		if ((status = peer_auth(req, writes, &last_seen, res)) != 0)
			return status;
		break;
	case AUTH_NONE:
		snprintf(req->actor, sizeof(req->actor), "anonymous");
		break;
	}

	if ((status = http_parse_query(req, r->query, res)) != 0)
		return status;
	if (req->body_len > 0) {
		if (!writes)
			return http_error(res, 400, "body_unexpected", "%s takes no body", r->method);
		if (!is_json(req->content_type))
			return http_error(res, 415, "content_type_not_json",
			                  "the body must be sent as application/json");
		if ((status = http_parse_body(&req->json, req->body, req->body_len, res)) != 0 ||
		    (status = http_allow_keys(req->json, r->body ? r->body : no_keys, res)) != 0)
			return status;
	} else if (r->flags & ROUTE_BODY) {
		return http_error(res, 400, "body_missing", "a JSON object body is required");
	}
	status = run(r, req, res);
	if (r->flags & ROUTE_SEEN)
		mark_seen(req->peer_id, last_seen, status);
	return status;
}

void
api_handle(struct request *req, struct response *res)
{
	memset(res, 0, sizeof(*res));
	req->json = NULL;
	req->actor[0] = '\0';
	req->peer_id[0] = '\0';
	size_t ri = N_ROUTES;

	dispatch(req, res, &ri);
	/* A request refused after its read began (a bad token, a bad query)
	 * leaves no transaction behind. */
	db_reset_all();
	db_rollback();
	json_object_put(req->json);
	req->json = NULL;
	if (res->status == 0)
		http_error(res, 500, "internal", "the handler gave no answer");
	route_stats[ri].requests++;
	if (res->status >= 400)
		route_stats[ri].errors++;
	http_finish(res);
}
