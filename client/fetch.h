/* SPDX-License-Identifier: MIT */
/* HTTPS to the server with libcurl. */
#ifndef WGCONF_CLIENT_FETCH_H
#define WGCONF_CLIENT_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>


struct fetch_tls {
	const char *cacert;             /* CA bundle file, or NULL for system CAs */
	const char *pin;                /* "sha256//BASE64[;sha256//...]" or NULL */
	bool insecure_http;             /* allow http:// (loopback tests) */
};

struct fetch_auth {
	const char *bearer;             /* peer token, or NULL */
	const char *user;               /* admin basic auth */
	const char *password;
	bool netrc;                     /* fill what is missing from ~/.netrc */
	const char *netrc_file;         /* instead of ~/.netrc */
};

struct fetch_response {
	long status;
	char *body;                     /* NUL-terminated, owned */
	size_t len;
	char etag[64];
	char primary_ip[64];            /* the address the answer came from, or "" */
	struct json_object *json;       /* parsed body when it is JSON, owned */
};

/* Checks a --pin value; 0 or -1. */
int fetch_check_pin(const char *pin);

/* Checks a server URL with libcurl's URL API: https (http only with
 * insecure_http), a host, an optional port and path prefix; no user name,
 * password, query or fragment. 0, or -1 with a message naming the URL. */
int fetch_check_url(const char *url, bool insecure_http);

/* The URL of an API path ("/peer/config", "/admin/audit?limit=5") on the
 * server at base: base's path prefix, "/api/v1" (unless the prefix ends in
 * it), then path and its query, built with the URL API. NULL after a
 * message. The caller frees it. */
char *fetch_url(const char *base, const char *path, bool insecure_http);

/* One request to fetch_url(base, path). body (may be NULL) is sent as
 * JSON; with json_body_always, an empty object is sent when it is NULL (the
 * admin API wants Content-Type on every state-changing request).
 * 0 when a response arrived (any status), -1 on a transport or TLS error,
 * reported on stderr. resp is owned by the caller: fetch_response_free. */
int fetch_request(const char *base, const char *method, const char *path,
                  const struct fetch_tls *tls, const struct fetch_auth *auth,
                  struct json_object *body, const char *if_none_match,
                  struct fetch_response *resp);

/* fetch_request() with a conditional header: cond ("If-Match",
 * "If-None-Match") naming etag (a quoted entity tag; NULL or "" = none). */
int fetch_request_cond(const char *base, const char *method, const char *path,
                       const struct fetch_tls *tls, const struct fetch_auth *auth,
                       struct json_object *body, const char *cond, const char *etag,
                       struct fetch_response *resp);

/* The error code of an error body ("peer_pending"), or "" */
const char *fetch_error_code(const struct fetch_response *resp);

/* Prints "wgconf: WHAT: MESSAGE (HTTP N, code)" from an error response. */
void fetch_report(const struct fetch_response *resp, const char *what);

void fetch_response_free(struct fetch_response *resp);

/* A subscription: a GET of path with the peer's token, kept open, whose
 * body goes to on_data(data, len, arg) piece by piece as it arrives (only
 * a 200's body). */
typedef void fetch_stream_fn(const char *data, size_t len, void *arg);
struct fetch_stream;

/* Starts it: NULL after a message. idle_s: seconds without a byte after
 * which the connection counts as dead. Caller closes it. */
struct fetch_stream *fetch_stream_open(const char *base, const char *path,
                                       const struct fetch_tls *tls, const char *bearer,
                                       long idle_s, fetch_stream_fn *on_data, void *arg);

/* Waits up to timeout_ms for bytes and hands them over: 1 while open, 0
 * once it ended (*status: the HTTP status, 0 when none came), -1 on a
 * transport error (said on stderr). */
int fetch_stream_step(struct fetch_stream *s, int timeout_ms, long *status);

void fetch_stream_close(struct fetch_stream *s);

void fetch_global_init(void);
void fetch_global_cleanup(void);

#endif
