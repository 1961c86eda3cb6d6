/* SPDX-License-Identifier: MIT */
/* The route table, authentication, CSRF checks and dispatch. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "db.h"
#include "keys.h"

enum auth { AUTH_NONE, AUTH_PEER, AUTH_ADMIN };

struct route {
	const char *method;
	const char *pattern;            /* "{}" matches one path segment */
	enum auth auth;
	api_handler *handler;
};

static const struct route routes[] = {
	{ "GET",    "/health",                         AUTH_NONE,  api_health },
	{ "POST",   "/register",                       AUTH_NONE,  api_register },
	{ "GET",    "/peer",                           AUTH_PEER,  api_peer_get },
	{ "DELETE", "/peer",                           AUTH_PEER,  api_peer_delete },
	{ "GET",    "/peer/config",                    AUTH_PEER,  api_peer_config },
	{ "PUT",    "/peer/endpoint",                  AUTH_PEER,  api_peer_endpoint },
	{ "GET",    "/admin/peers",                    AUTH_ADMIN, api_admin_peers_list },
	{ "GET",    "/admin/peers/{}",                 AUTH_ADMIN, api_admin_peer_get },
	{ "PATCH",  "/admin/peers/{}",                 AUTH_ADMIN, api_admin_peer_patch },
	{ "DELETE", "/admin/peers/{}",                 AUTH_ADMIN, api_admin_peer_delete },
	{ "POST",   "/admin/peers/{}/accept",          AUTH_ADMIN, api_admin_peer_accept },
	{ "POST",   "/admin/peers/{}/reject",          AUTH_ADMIN, api_admin_peer_reject },
	{ "GET",    "/admin/peers/{}/config",          AUTH_ADMIN, api_admin_peer_config },
	{ "PUT",    "/admin/peers/{}/signature",       AUTH_ADMIN, api_admin_peer_signature },
	{ "GET",    "/admin/pairs",                    AUTH_ADMIN, api_admin_pairs_list },
	{ "PUT",    "/admin/pairs/{}/{}",              AUTH_ADMIN, api_admin_pair_put },
	{ "DELETE", "/admin/pairs/{}/{}",              AUTH_ADMIN, api_admin_pair_delete },
	{ "GET",    "/admin/network",                  AUTH_ADMIN, api_admin_network_get },
	{ "PUT",    "/admin/network",                  AUTH_ADMIN, api_admin_network_put },
	{ "GET",    "/admin/invites",                  AUTH_ADMIN, api_admin_invites_list },
	{ "POST",   "/admin/invites",                  AUTH_ADMIN, api_admin_invite_create },
	{ "DELETE", "/admin/invites/{}",               AUTH_ADMIN, api_admin_invite_delete },
	{ "GET",    "/admin/audit",                    AUTH_ADMIN, api_admin_audit },
};

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

/*
 * Browsers send basic-auth credentials with any request to this origin, also
 * one a hostile page starts. A cross-site form cannot send application/json
 * without a preflight this server never grants, and a browser says where a
 * request came from in Origin and Sec-Fetch-Site: both must agree it is ours.
 */
static int
csrf_check(const struct request *req, struct response *res)
{
	char self[320];

	if (!is_json(req->content_type))
		return http_error(res, 415, "content_type_not_json",
		                  "admin changes need Content-Type: application/json");
	if (req->sec_fetch_site != NULL && req->sec_fetch_site[0] != '\0' &&
	    strcmp(req->sec_fetch_site, "same-origin") != 0 &&
	    strcmp(req->sec_fetch_site, "none") != 0)
		return http_error(res, 403, "cross_site_request",
		                  "cross-site requests may not change anything");
	if (req->origin != NULL && req->origin[0] != '\0') {
		snprintf(self, sizeof(self), "%s://%s", req->scheme ? req->scheme : "https",
		         req->host ? req->host : "");
		if (req->host == NULL || strcasecmp(req->origin, self) != 0)
			return http_error(res, 403, "cross_site_request",
			                  "the request's Origin is not this server");
	}
	return 0;
}

/* A bearer token is "ID.SECRET"; only BLAKE2b(SECRET) is stored. */
static int
peer_auth(struct request *req, struct response *res)
{
	static const char sql[] = "SELECT token_hash FROM peers WHERE id = ?1";
	static const uint8_t dummy[KEYS_LEN];
	const char *tok, *dot;
	uint8_t want[KEYS_LEN], got[KEYS_LEN];
	sqlite3_stmt *st;
	size_t idlen;
	int found = 0, rc;

	if (req->authorization == NULL || strncasecmp(req->authorization, "Bearer ", 7) != 0)
		goto unauthorized;
	tok = req->authorization + 7;
	dot = strchr(tok, '.');
	idlen = dot ? (size_t)(dot - tok) : 0;
	if (idlen != PEER_ID_LEN - 1 || strlen(dot + 1) != KEYS_TOKEN_LEN - 1)
		goto unauthorized;
	memcpy(req->peer_id, tok, idlen);
	req->peer_id[idlen] = '\0';
	if ((st = db_stmt(sql)) == NULL)
		return api_db_error(res);
	sqlite3_bind_text(st, 1, req->peer_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == KEYS_LEN) {
		memcpy(want, sqlite3_column_blob(st, 0), KEYS_LEN);
		found = 1;
	} else {
		memcpy(want, dummy, KEYS_LEN);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return api_db_error(res);
	/* Hash and compare also for an unknown id: the time taken says nothing. */
	keys_hash(got, dot + 1, strlen(dot + 1));
	if (keys_hash_equal(want, got) != 0 || !found)
		goto unauthorized;
	snprintf(req->actor, sizeof(req->actor), "peer:%s", req->peer_id);
	return 0;
unauthorized:
	req->peer_id[0] = '\0';
	res->www_authenticate = 1;
	return http_error(res, 401, "unauthorized", "a valid peer token is required");
}

static int
dispatch(struct request *req, struct response *res)
{
	const struct route *r = NULL;
	const char *path = req->path;
	char capture[256];
	size_t n = sizeof(API_PREFIX) - 1, allowlen = 0;
	int changes, status;

	if (path == NULL || strncmp(path, API_PREFIX, n) != 0)
		return http_error(res, 404, "not_found", "no such resource");
	path += n;
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		const char *params[HTTP_MAX_PARAMS] = { NULL };
		if (!match(routes[i].pattern, path, capture, sizeof(capture), params))
			continue;
		if (strcmp(routes[i].method, req->method ? req->method : "") == 0) {
			r = &routes[i];
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

	changes = strcmp(r->method, "GET") != 0;
	switch (r->auth) {
	case AUTH_ADMIN:
		/* nginx checks the password; an empty REMOTE_USER means it did not. */
		if (req->remote_user == NULL || req->remote_user[0] == '\0')
			return http_error(res, 403, "admin_required",
			                  "admin routes need an authenticated admin");
		snprintf(req->actor, sizeof(req->actor), "admin:%.80s", req->remote_user);
		if (changes && (status = csrf_check(req, res)) != 0)
			return status;
		break;
	case AUTH_PEER:
		if ((status = peer_auth(req, res)) != 0)
			return status;
		break;
	case AUTH_NONE:
		snprintf(req->actor, sizeof(req->actor), "anonymous");
		break;
	}

	if (req->body_len > 0) {
		if (!changes)
			return http_error(res, 400, "body_unexpected", "%s takes no body", r->method);
		if (!is_json(req->content_type))
			return http_error(res, 415, "content_type_not_json",
			                  "the body must be sent as application/json");
		if ((status = http_parse_body(&req->json, req->body, req->body_len, res)) != 0)
			return status;
	}
	status = r->handler(req, res);
	/* A handler that bailed out mid-transaction must not leave it, or a
	 * half-read statement, open for the next request on this connection. */
	db_reset_all();
	db_rollback();
	return status;
}

void
api_handle(struct request *req, struct response *res)
{
	memset(res, 0, sizeof(*res));
	req->json = NULL;
	req->actor[0] = '\0';
	req->peer_id[0] = '\0';
	dispatch(req, res);
	json_object_put(req->json);
	req->json = NULL;
	if (res->status == 0)
		http_error(res, 500, "internal", "the handler gave no answer");
	http_finish(res);
}
