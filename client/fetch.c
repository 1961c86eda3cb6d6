/* SPDX-License-Identifier: MIT */
/* HTTPS to the server with libcurl. Named fetch, not http, because lib/api/http.c
 * already owns the http_ prefix in the same link. TLS trust is one of: the
 * system CAs, a CA file (--cacert), or a pinned public key (--pin), which
 * then replaces the CA check (self-signed servers are the common case). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <curl/curl.h>

#include "cli.h"
#include "fetch.h"
#include "keys.h"
#include "model.h"
#include "text.h"

#define FETCH_BODY_MAX (8u * 1024 * 1024)

void
fetch_global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

void
fetch_global_cleanup(void)
{
	curl_global_cleanup();
}

int
fetch_check_pin(const char *pin)
{
	char *copy, *tok, *save = NULL;
	int ret = -1;

	if (pin == NULL || *pin == '\0' || strlen(pin) > 4096 ||
	    (copy = strdup(pin)) == NULL)
		return -1;
	for (tok = strtok_r(copy, ";", &save); tok != NULL; tok = strtok_r(NULL, ";", &save)) {
		uint8_t hash[KEYS_LEN];

		if (strncmp(tok, "sha256//", 8) != 0 ||
		    keys_b64_decode_key(hash, tok + 8) != 0)
			goto out;
	}
	ret = pin[strlen(pin) - 1] == ';' ? -1 : 0;
out:
	free(copy);
	return ret;
}

/* True when the URL has that part (user, query, fragment...). */
static bool
has_part(CURLU *u, CURLUPart what)
{
	char *part = NULL;
	bool has = curl_url_get(u, what, &part, 0) == CURLUE_OK;

	curl_free(part);
	return has;
}

/* The server URL, parsed by libcurl's URL API: https (http only when
 * insecure_http), a host, no user:password, query or fragment; a path
 * prefix is allowed. NULL after saying what is wrong (naming the value);
 * the caller frees with curl_url_cleanup. */
static CURLU *
server_url(const char *url, bool insecure_http)
{
	CURLU *u = curl_url();
	char *scheme = NULL;
	const char *bad = NULL;

	if (u == NULL) {
		warnx("out of memory");
		return NULL;
	}
	if (strlen(url) > 2000 || strpbrk(url, " \t\r\n") != NULL ||
	    curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    !has_part(u, CURLUPART_HOST))
		bad = "want https://HOST[:PORT][/PATH]";
	else if (has_part(u, CURLUPART_USER) || has_part(u, CURLUPART_PASSWORD))
		bad = "no user name or password in it, please (admins give --user and "
		      "--password-file, or use ~/.netrc)";
	else if (has_part(u, CURLUPART_QUERY))
		bad = "no query string, please";
	else if (has_part(u, CURLUPART_FRAGMENT))
		bad = "no #fragment, please";
	else if (strcasecmp(scheme, "https") != 0 && strcasecmp(scheme, "http") != 0)
		bad = "the scheme must be https";
	if (bad) {
		warnx("invalid server URL '%s': %s", url, bad);
	} else if (strcasecmp(scheme, "http") == 0 && !insecure_http) {
		warnx("refusing plain http:// server URL '%s': the token and the config "
		      "would travel unencrypted (use https://, or --insecure-http for a "
		      "loopback test)", url);
		bad = "http";
	}
	curl_free(scheme);
	if (bad) {
		curl_url_cleanup(u);
		return NULL;
	}
	return u;
}

int
fetch_check_url(const char *url, bool insecure_http)
{
	CURLU *u = server_url(url, insecure_http);
	int ret = u ? 0 : -1;

	curl_url_cleanup(u);
	return ret;
}

char *
fetch_url(const char *base, const char *path, bool insecure_http)
{
	CURLU *u = server_url(base, insecure_http);
	char *prefix = NULL, *full = NULL, *url = NULL, *out = NULL;
	const char *query = strchr(path, '?'), *api = "/api/v1";
	size_t pl;

	if (u == NULL)
		return NULL;
	if (curl_url_get(u, CURLUPART_PATH, &prefix, 0) != CURLUE_OK)
		goto out;
	/* The prefix is kept; "/api/v1" is added unless it is there. */
	pl = strlen(prefix);
	while (pl > 0 && prefix[pl - 1] == '/')
		pl--;
	if (pl >= 7 && strncmp(prefix + pl - 7, api, 7) == 0)
		api = "";
	if (asprintf(&full, "%.*s%s%.*s", (int)pl, prefix, api,
	             (int)(query ? (size_t)(query - path) : strlen(path)), path) < 0) {
		full = NULL;
		goto out;
	}
	if (curl_url_set(u, CURLUPART_PATH, full, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_QUERY, query ? query + 1 : NULL, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK) {
		warnx("cannot make a request URL from '%s' and '%s'", base, path);
		goto out;
	}
	out = strdup(url);
out:
	curl_free(prefix);
	curl_free(url);
	free(full);
	curl_url_cleanup(u);
	return out;
}

static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct fetch_response *r = arg;
	size_t n = size * nmemb;
	char *p;

	if (r->len + n > FETCH_BODY_MAX)
		return 0;       /* aborts the transfer: CURLE_WRITE_ERROR */
	p = realloc(r->body, r->len + n + 1);
	if (p == NULL)
		return 0;
	r->body = p;
	memcpy(r->body + r->len, data, n);
	r->len += n;
	r->body[r->len] = '\0';
	return n;
}

static size_t
on_header(char *data, size_t size, size_t nmemb, void *arg)
{
	struct fetch_response *r = arg;
	size_t n = size * nmemb, vlen;
	const char *v;

	if (n > 5 && strncasecmp(data, "ETag:", 5) == 0) {
		v = data + 5;
		while (v < data + n && (*v == ' ' || *v == '\t'))
			v++;
		vlen = (size_t)(data + n - v);
		while (vlen > 0 && isspace((unsigned char)v[vlen - 1]))
			vlen--;
		/* It goes back out in If-None-Match: visible ASCII only, so a
		 * server cannot smuggle a header line through our state. */
		for (size_t i = 0; i < vlen; i++)
			if ((unsigned char)v[i] < 0x21 || (unsigned char)v[i] > 0x7e)
				vlen = 0;
		if (vlen > 0 && vlen < sizeof(r->etag)) {
			memcpy(r->etag, v, vlen);
			r->etag[vlen] = '\0';
		}
	}
	return n;
}

/* Says what went wrong in the words an operator needs. */
static void
report_curl(CURLcode rc, const char *url, const char *detail, const struct fetch_tls *tls)
{
	const char *d = detail[0] ? detail : curl_easy_strerror(rc);

	switch (rc) {
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		warnx("%s: the server's public key does not match the pinned key "
		       "(%s): refusing to talk to it. If the server's key was "
		       "replaced on purpose, register again with the new --pin.",
		       url, tls->pin ? tls->pin : "?");
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
#if LIBCURL_VERSION_NUM < 0x073e00
	case CURLE_SSL_CACERT:
#endif
		warnx("%s: the server's TLS certificate is not trusted (%s)%s", url, d,
		       tls->cacert ? "" : "; give its CA with --cacert FILE or its key "
		       "with --pin sha256//...");
		break;
	case CURLE_SSL_CACERT_BADFILE:
		warnx("%s: cannot use the CA file %s (%s)", url,
		       tls->cacert ? tls->cacert : "(system)", d);
		break;
	case CURLE_SSL_CONNECT_ERROR:
		warnx("%s: TLS handshake failed (%s)", url, d);
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
		warnx("%s: cannot resolve the server's name (%s)", url, d);
		break;
	case CURLE_COULDNT_CONNECT:
		warnx("%s: cannot connect to the server (%s)", url, d);
		break;
	case CURLE_OPERATION_TIMEDOUT:
		warnx("%s: the server did not answer in time (%s)", url, d);
		break;
	case CURLE_WRITE_ERROR:
		warnx("%s: the answer is larger than %u bytes", url, FETCH_BODY_MAX);
		break;
	case CURLE_UNSUPPORTED_PROTOCOL:
		warnx("%s: protocol refused (%s)", url, d);
		break;
	default:
		warnx("%s: %s", url, d);
		break;
	}
}

/* curl_easy_setopt, checked: an option that does not take (an old
 * libcurl, a TLS backend without pinning, no memory) aborts the request,
 * so that it never goes out without the trust it was meant to have. */
#define SETOPT(c, opt, val)                                                  \
	do {                                                                  \
		CURLcode rc_ = curl_easy_setopt((c), (opt), (val));            \
		if (rc_ != CURLE_OK) {                                         \
			warnx("cannot set %s (%s): not sending the request", #opt, \
			      curl_easy_strerror(rc_));                        \
			goto out;                                              \
		}                                                              \
	} while (0)

/* Transport and TLS trust: a pin alone replaces the CA check (self-signed
 * servers are the common case); with --cacert both hold. 0 or -1. */
/* Connections and TLS sessions kept from one request to the next in this
 * run: `wgconf admin sign --all` makes two requests a peer, and a new TLS
 * connection each took most of its time. libcurl reuses a connection only
 * for the same server under the same TLS settings (CA, pin, verification).
 * NULL (no sharing) when it cannot be made. */
static CURLSH *
fetch_share(void)
{
	static CURLSH *share;
	static int tried;

	if (!tried) {
		tried = 1;
		if ((share = curl_share_init()) != NULL &&
		    (curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT) != CURLSHE_OK ||
		     curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) !=
		     CURLSHE_OK)) {
			curl_share_cleanup(share);
			share = NULL;
		}
	}
	return share;
}

static int
set_transport(CURL *c, const char *url, const struct fetch_tls *tls, char *errbuf,
              struct fetch_response *resp)
{
	if (fetch_share() != NULL)
		SETOPT(c, CURLOPT_SHARE, fetch_share());
	SETOPT(c, CURLOPT_URL, url);
	SETOPT(c, CURLOPT_ERRORBUFFER, errbuf);
	SETOPT(c, CURLOPT_PROTOCOLS_STR, tls->insecure_http ? "http,https" : "https");
	SETOPT(c, CURLOPT_FOLLOWLOCATION, 0L);
	SETOPT(c, CURLOPT_NOSIGNAL, 1L);
	SETOPT(c, CURLOPT_CONNECTTIMEOUT, 15L);
	SETOPT(c, CURLOPT_TIMEOUT, 60L);
	SETOPT(c, CURLOPT_USERAGENT, "wgconf/1");
	SETOPT(c, CURLOPT_WRITEFUNCTION, on_body);
	SETOPT(c, CURLOPT_WRITEDATA, resp);
	SETOPT(c, CURLOPT_HEADERFUNCTION, on_header);
	SETOPT(c, CURLOPT_HEADERDATA, resp);
	SETOPT(c, CURLOPT_SSL_VERIFYPEER, 1L);
	SETOPT(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (tls->cacert)
		SETOPT(c, CURLOPT_CAINFO, tls->cacert);
	if (tls->pin) {
		SETOPT(c, CURLOPT_PINNEDPUBLICKEY, tls->pin);
		if (tls->cacert == NULL) {
			SETOPT(c, CURLOPT_SSL_VERIFYPEER, 0L);
			SETOPT(c, CURLOPT_SSL_VERIFYHOST, 0L);
		}
	}
	return 0;
out:
	return -1;
}

/* Credentials: a bearer token (header), or basic auth from the options and
 * ~/.netrc. *authz is the header line, for the caller to wipe. 0 or -1. */
static int
set_auth(CURL *c, const struct fetch_auth *auth, struct curl_slist **hdr, char **authz)
{
	struct curl_slist *h;

	if (auth->bearer) {
		if (asprintf(authz, "Authorization: Bearer %s", auth->bearer) < 0) {
			*authz = NULL;
			goto out;
		}
		if ((h = curl_slist_append(*hdr, *authz)) == NULL)
			goto out;
		*hdr = h;
	}
	if (auth->user || auth->password || auth->netrc) {
		SETOPT(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		if (auth->user)
			SETOPT(c, CURLOPT_USERNAME, auth->user);
		if (auth->password)
			SETOPT(c, CURLOPT_PASSWORD, auth->password);
		if (auth->netrc && auth->password == NULL) {
			SETOPT(c, CURLOPT_NETRC, (long)CURL_NETRC_OPTIONAL);
			if (auth->netrc_file)
				SETOPT(c, CURLOPT_NETRC_FILE, auth->netrc_file);
		}
	}
	return 0;
out:
	return -1;
}

/* Appends line to *hdr; -1 when out of memory. */
static int
add_header(struct curl_slist **hdr, const char *line)
{
	struct curl_slist *h = curl_slist_append(*hdr, line);

	if (h == NULL)
		return -1;
	*hdr = h;
	return 0;
}

/* Method, headers and body. *inm is the conditional header line (caller
 * frees): cond (If-None-Match, If-Match) naming etag. 0 or -1. */
static int
set_request(CURL *c, const char *method, struct json_object *body,
            const char *cond, const char *etag, struct curl_slist **hdr, char **inm)
{
	const char *payload;

	SETOPT(c, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "HEAD") == 0)
		SETOPT(c, CURLOPT_NOBODY, 1L);
	if (add_header(hdr, "Accept: application/json") != 0)
		goto out;
	if (etag && *etag) {
		if (asprintf(inm, "%s: %s", cond, etag) < 0) {
			*inm = NULL;
			goto out;
		}
		if (add_header(hdr, *inm) != 0)
			goto out;
	}
	if (body != NULL || strcmp(method, "GET") != 0) {
		payload = body ? json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN) : "{}";
		if (add_header(hdr, "Content-Type: application/json") != 0)
			goto out;
		SETOPT(c, CURLOPT_POSTFIELDSIZE, (long)strlen(payload));
		SETOPT(c, CURLOPT_COPYPOSTFIELDS, payload);
	}
	/* No "Expect: 100-continue" round trip. */
	if (add_header(hdr, "Expect:") != 0)
		goto out;
	SETOPT(c, CURLOPT_HTTPHEADER, *hdr);
	return 0;
out:
	return -1;
}

/* A long-lived GET whose body is handed over as it comes (fetch_stream_*). */
struct fetch_stream {
	CURLM *multi;
	CURL *easy;
	struct curl_slist *hdr;
	char *url;
	struct fetch_response resp;     /* headers; the body is not kept */
	fetch_stream_fn *on_data;
	void *arg;
	char errbuf[CURL_ERROR_SIZE];
	int ended;                      /* it ended while a request ran (below) */
	CURLcode result;
};

/* The subscription this process holds (sync --watch), or NULL. While there
 * is one, requests go as HTTP/2 streams on its connection: a host told of
 * a change fetches without a new TCP and TLS handshake, which is most of
 * what a mesh-wide change costs the server (docs/benchmarks.md, Push). */
static struct fetch_stream *shared;

/* Runs c to its end: on the subscription's connection when there is one
 * (PIPEWAIT: a new connection only when that one cannot take it), else
 * on its own. */
static CURLcode
fetch_perform(CURL *c)
{
	CURLcode rc = CURLE_OK;
	CURLMsg *m;
	int running, left, done = 0;

	if (shared == NULL || curl_easy_setopt(c, CURLOPT_PIPEWAIT, 1L) != CURLE_OK ||
	    curl_multi_add_handle(shared->multi, c) != CURLM_OK)
		return curl_easy_perform(c);
	while (!done) {
		if (curl_multi_perform(shared->multi, &running) != CURLM_OK) {
			rc = CURLE_RECV_ERROR;
			break;
		}
		while ((m = curl_multi_info_read(shared->multi, &left)) != NULL) {
			if (m->msg != CURLMSG_DONE)
				continue;
			if (m->easy_handle == c) {
				rc = m->data.result;
				done = 1;
			} else {
				/* The subscription ended meanwhile: its loop learns
				 * it from here (fetch_stream_step). */
				shared->ended = 1;
				shared->result = m->data.result;
			}
		}
		if (!done && curl_multi_poll(shared->multi, NULL, 0, 1000, NULL) != CURLM_OK) {
			rc = CURLE_RECV_ERROR;
			break;
		}
	}
	curl_multi_remove_handle(shared->multi, c);
	return rc;
}

int
fetch_request(const char *base, const char *method, const char *path,
              const struct fetch_tls *tls, const struct fetch_auth *auth,
              struct json_object *body, const char *if_none_match,
              struct fetch_response *resp)
{
	return fetch_request_cond(base, method, path, tls, auth, body, "If-None-Match",
	                          if_none_match, resp);
}

int
fetch_request_cond(const char *base, const char *method, const char *path,
                   const struct fetch_tls *tls, const struct fetch_auth *auth,
                   struct json_object *body, const char *cond, const char *etag,
                   struct fetch_response *resp)
{
	CURL *c = NULL;
	struct curl_slist *hdr = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	char *url = NULL, *authz = NULL, *inm = NULL;
	CURLcode rc;
	int ret = -1;

	memset(resp, 0, sizeof(*resp));
	if ((url = fetch_url(base, path, tls->insecure_http)) == NULL)
		return -1;
	if ((c = curl_easy_init()) == NULL) {
		warnx("out of memory");
		goto out;
	}
	if (set_transport(c, url, tls, errbuf, resp) != 0 ||
	    set_auth(c, auth, &hdr, &authz) != 0 ||
	    set_request(c, method, body, cond, etag, &hdr, &inm) != 0)
		goto out;
	rc = fetch_perform(c);
	if (rc != CURLE_OK) {
		report_curl(rc, url, errbuf, tls);
		goto out;
	}
	if (curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status) != CURLE_OK)
		goto out;
	/* The route-safety checks protect the way to the server: the
	 * address this very answer came from. */
	{
		char *ip = NULL;

		if (curl_easy_getinfo(c, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK && ip != NULL)
			snprintf(resp->primary_ip, sizeof(resp->primary_ip), "%s", ip);
	}
	if (resp->body != NULL && resp->len > 0)
		resp->json = model_parse_json(resp->body, resp->len);
	ret = 0;
out:
	if (ret != 0 && (resp->body || resp->json))
		fetch_response_free(resp);
	if (authz) {
		keys_wipe(authz, strlen(authz));
		free(authz);
	}
	free(inm);
	free(url);
	curl_slist_free_all(hdr);
	if (c)
		curl_easy_cleanup(c);
	return ret;
}

const char *
fetch_error_code(const struct fetch_response *resp)
{
	struct json_object *e, *code;

	if (resp->json && json_object_object_get_ex(resp->json, "error", &e) &&
	    json_object_object_get_ex(e, "code", &code) &&
	    json_object_is_type(code, json_type_string))
		return json_object_get_string(code);
	return "";
}

void
fetch_report(const struct fetch_response *resp, const char *what)
{
	struct json_object *e, *msg;
	const char *m = NULL;

	if (resp->json && json_object_object_get_ex(resp->json, "error", &e) &&
	    json_object_object_get_ex(e, "message", &msg) &&
	    json_object_is_type(msg, json_type_string))
		m = json_object_get_string(msg);
	if (m != NULL) {
		/* The server's words go to a terminal: no control characters. */
		char clean[512], code[64];

		warnx("%s: %s (HTTP %ld, %s)", what, text_printable(m, clean, sizeof(clean)),
		      resp->status,
		       text_printable(fetch_error_code(resp), code, sizeof(code)));
	}
	else
		warnx("%s: the server answered HTTP %ld%s", what, resp->status,
		       resp->status == 401 ? " (authentication failed)" :
		       resp->status == 502 || resp->status == 503 ? " (server not ready)" : "");
}

void
fetch_response_free(struct fetch_response *resp)
{
	if (resp == NULL)
		return;
	if (resp->body) {
		keys_wipe(resp->body, resp->len);    /* may hold a fresh token */
		free(resp->body);
	}
	if (resp->json)
		json_object_put(resp->json);
	memset(resp, 0, sizeof(*resp));
}

static size_t
on_stream(char *data, size_t size, size_t nmemb, void *arg)
{
	struct fetch_stream *s = arg;
	long status = 0;

	curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
	/* An error answer's body (a 404 without push) is no event. */
	if (status == 200)
		s->on_data(data, size * nmemb, s->arg);
	return size * nmemb;
}

/* The stream's request on top of set_transport(): the token, no overall
 * timeout, but a connection silent for idle_s (the server pings more
 * often) is dead. 0 or -1. */
static int
set_stream(struct fetch_stream *s, const struct fetch_tls *tls, const char *bearer,
           long idle_s)
{
	struct fetch_auth auth = { .bearer = bearer };
	CURL *c = s->easy;
	char *authz = NULL;
	int ret = -1;

	if (set_transport(c, s->url, tls, s->errbuf, &s->resp) != 0 ||
	    set_auth(c, &auth, &s->hdr, &authz) != 0 ||
	    add_header(&s->hdr, "Accept: text/event-stream") != 0)
		goto out;
	SETOPT(c, CURLOPT_HTTPHEADER, s->hdr);
	SETOPT(c, CURLOPT_TIMEOUT, 0L);
	SETOPT(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	SETOPT(c, CURLOPT_LOW_SPEED_TIME, idle_s);
	SETOPT(c, CURLOPT_WRITEFUNCTION, on_stream);
	SETOPT(c, CURLOPT_WRITEDATA, s);
	ret = 0;
out:
	if (authz) {
		keys_wipe(authz, strlen(authz));
		free(authz);
	}
	return ret;
}

struct fetch_stream *
fetch_stream_open(const char *base, const char *path, const struct fetch_tls *tls,
                  const char *bearer, long idle_s, fetch_stream_fn *on_data, void *arg)
{
	struct fetch_stream *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->on_data = on_data;
	s->arg = arg;
	if ((s->url = fetch_url(base, path, tls->insecure_http)) == NULL ||
	    (s->easy = curl_easy_init()) == NULL || (s->multi = curl_multi_init()) == NULL ||
	    set_stream(s, tls, bearer, idle_s) != 0 ||
	    curl_multi_add_handle(s->multi, s->easy) != CURLM_OK) {
		fetch_stream_close(s);
		return NULL;
	}
	shared = s;
	return s;
}

int
fetch_stream_step(struct fetch_stream *s, int timeout_ms, long *status)
{
	CURLMsg *m;
	int running = 0, left;

	if (!s->ended) {
		if (curl_multi_poll(s->multi, NULL, 0, timeout_ms, NULL) != CURLM_OK ||
		    curl_multi_perform(s->multi, &running) != CURLM_OK)
			return -1;
		while (!s->ended && (m = curl_multi_info_read(s->multi, &left)) != NULL) {
			if (m->msg != CURLMSG_DONE)
				continue;
			s->ended = 1;
			s->result = m->data.result;
		}
	}
	curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, status);
	if (!s->ended)
		return 1;
	if (s->result != CURLE_OK && *status == 0) {
		report_curl(s->result, s->url, s->errbuf, &(struct fetch_tls){ 0 });
		return -1;
	}
	return 0;
}

void
fetch_stream_close(struct fetch_stream *s)
{
	if (s == NULL)
		return;
	if (shared == s)
		shared = NULL;
	if (s->multi && s->easy)
		curl_multi_remove_handle(s->multi, s->easy);
	if (s->easy)
		curl_easy_cleanup(s->easy);
	if (s->multi)
		curl_multi_cleanup(s->multi);
	curl_slist_free_all(s->hdr);
	free(s->url);
	free(s);
}
