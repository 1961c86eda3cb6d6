/* SPDX-License-Identifier: MIT */
#ifndef WGCONF_HTTP_H
#define WGCONF_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "revisions.h"
#include "push.h"

#define HTTP_BODY_MAX      (64 * 1024)
#define HTTP_MAX_PARAMS    2
#define HTTP_JSON_DEPTH    16
#define HTTP_MAX_QUERY     8            /* keys one route may take */
#define HTTP_QUERY_MAX     256          /* bytes of query values, NULs included */

/* One allowed query key and the longest value it takes, in bytes. */
struct http_key {
	const char *name;
	size_t max;
};

/* One request, as the responder (or a unit test) hands it to api_handle().
 * Every string is borrowed from the caller and lives as long as the call. */
struct request {
	const char *method;
	const char *path;               /* without the query string */
	const char *query;              /* after '?', or NULL */
	const char *remote_user;        /* set by nginx auth_basic; NULL or "" = none */
	const char *remote_addr;        /* the client's address (REMOTE_ADDR), or NULL */
	const char *authorization;      /* the Authorization header */
	const char *content_type;
	const char *origin;             /* Origin header, NULL when absent */
	const char *sec_fetch_site;     /* Sec-Fetch-Site header, NULL when absent */
	const char *host;               /* Host header */
	const char *server_port;        /* the port the request came in on */
	const char *scheme;             /* "https" or "http" */
	const char *if_none_match;
	const char *if_match;           /* If-Match header, NULL when absent */
	const char *body;
	size_t body_len;

	/* Filled by the router: */
	const char *params[HTTP_MAX_PARAMS];   /* {id}-style path captures */
	const struct http_key *query_keys;     /* the route's allow-list */
	const char *query_vals[HTTP_MAX_QUERY]; /* per key: its value or NULL */
	char query_buf[HTTP_QUERY_MAX];        /* holds those values */
	struct json_object *json;              /* the parsed body, when there is one */
	char actor[96];                        /* admin:NAME, peer:ID, anonymous */
	char peer_id[24];                      /* the authenticated peer, if any */
};

/* How every JSON answer is serialised: a body kept as text (a cached
 * config) must be byte for byte what the same JSON gives. */
#define HTTP_JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* The Content-Type of JSON answers, also of JSON sent as text. */
extern const char http_json_type[];

/* What a handler produces. body is owned by the response (json_object_put). */
struct response {
	int status;
	struct json_object *body;
	char etag[48];                  /* without quotes; empty for none */
	char allow[64];                 /* Allow header for 405 */
	const char *error_code;         /* snake_case, static string */
	char error_message[256];
	struct json_object *error_current;  /* owned; may be NULL: the resource as
	                                       it is now, shown in the error as
	                                       "current" (a 412 on If-Match) */
	int www_authenticate;           /* 401 for peers: Bearer challenge */
	long long retry_after;          /* seconds, for a Retry-After header; 0 = none */
	int secret;                     /* the body holds a secret shown once:
	                                   wiped from memory when freed */
	char *text;                     /* a body as text, owned, NUL-terminated;
	                                   NULL = none: not JSON (metrics), or
	                                   JSON already serialised (a config) */
	size_t text_len;                /* its length */
	const char *text_type;          /* its Content-Type, a static string */
	/* What a write changed, set through api_log(): the dispatcher stamps
	 * the revisions of the peers the store's writes touched, appends the
	 * audit entry and commits, once, after the handler. */
	struct {
		const char *action;             /* audit action; NULL = none */
		char target[24];                /* audit target; "" = none */
		char actor[96];                 /* "" = the request's actor */
		struct json_object *detail;     /* owned; may be NULL */
		char answer[24];                /* a peer whose view is the answer,
		                                   built once its revision is stamped */
		int own_revision;               /* a 204 becomes 200 {revision} when
		                                   the write moved the caller's config */
	} change;
	/* The peers a committed write gave a new revision, and those
	 * revisions (lib/store/revisions.h): what a change notification
	 * publishes, once the commit is done. */
	struct store_revisions revised;
	/* Who to tell once the write is committed and answered (push.h):
	 * made of revised by lib/api/api.c when the write commits. */
	struct push_note push;
	/* A config built by this request (text), to keep for the revision it
	 * was built at: lib/api/api.c stores it once the read is over. */
	struct {
		char peer[24];                  /* "" = nothing to keep */
		int64_t revision;
		int format;
	} keep;
};

/* Records an error on res and returns status, so a handler says
 *   return http_error(res, 409, "address_taken", "address %s is taken", a);
 * The JSON body is made later, in one place: http_finish(). */
int http_error(struct response *res, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Sets a JSON body (taking ownership) and returns status. */
int http_json(struct response *res, int status, struct json_object *body);

/* Sets a body that is not JSON: text (taken, freed with the response) of
 * Content-Type type (static). Returns status. */
int http_text(struct response *res, int status, char *text, const char *type);

/* Sets an already serialised JSON body: text (malloc'd, NUL-terminated,
 * len bytes; taken) sent as application/json exactly as http_json() would
 * send the same JSON. Returns status. */
int http_json_text(struct response *res, int status, char *text, size_t len);

/* Turns an error into its JSON body; called once per request by api_handle(). */
void http_finish(struct response *res);

/* For a response marked secret, overwrites the body's strings and their
 * serialised text in place. Only for the last holder of the body (the
 * responder, once it has written the answer): it changes the object. */
void http_response_wipe(struct response *res);

/* Frees what the response owns; accepts a zeroed response. */
void http_response_free(struct response *res);

/* The reason phrase of a status, "Not Found". */
const char *http_reason(int status);

/* Parses a JSON object body: depth-limited, no trailing bytes, no duplicate
 * keys, strict UTF-8 (no overlong forms, no surrogates, raw or as \u
 * escapes, nothing above U+10FFFF). On failure fills res and returns its
 * status; 0 on success. */
int http_parse_body(struct json_object **out, const char *body, size_t len,
                    struct response *res);

/* Checks obj against an allow-list of keys (NULL-terminated): 0, or 400 with
 * res filled naming the unknown key. */
int http_allow_keys(struct json_object *obj, const char *const *allowed,
                    struct response *res);

/* Parses req->query ("k=v&k=v") against allowed (ended by a NULL name),
 * as strictly as a body: an unknown, repeated or empty key, or a value
 * longer than its key's max or not printable ASCII, is 400 naming the key.
 * Values stay raw (no %-decoding). Fills req->query_keys and
 * req->query_vals (copies in req->query_buf). */
int http_parse_query(struct request *req, const struct http_key *allowed,
                     struct response *res);

/* The value of query key name after http_parse_query(), or NULL
 * when the request did not give it. Borrowed from req. */
const char *http_query(const struct request *req, const char *name);

#endif
