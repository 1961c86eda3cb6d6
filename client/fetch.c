/* SPDX-License-Identifier: MIT */
/* HTTPS to the server with libcurl. Named fetch, not http, because lib/http.c
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

int
fetch_check_url(const char *url, bool insecure_http)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *query = NULL;
	int ret = -1;

	if (u == NULL)
		return -1;
	if (strlen(url) > 2000 || strpbrk(url, " \t\r\n") != NULL ||
	    curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		warnx("invalid server URL '%s' (want https://HOST[:PORT][/PATH])", url);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK) {
		warnx("invalid server URL '%s': no query string, please", url);
		goto out;
	}
	if (strcasecmp(scheme, "http") == 0 && !insecure_http) {
		warnx("refusing plain http:// server URL '%s': the token and the "
		       "config would travel unencrypted (use https://, or "
		       "--insecure-http for a loopback test)", url);
		goto out;
	}
	if (strcasecmp(scheme, "https") != 0 && strcasecmp(scheme, "http") != 0) {
		warnx("invalid server URL '%s': the scheme must be https", url);
		goto out;
	}
	ret = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(query);
	curl_url_cleanup(u);
	return ret;
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

/* base + "/api/v1" + path, unless base already ends in /api/v1. Owned by
 * the caller. */
static char *
make_url(const char *base, const char *path)
{
	size_t bl = strlen(base);
	const char *api = "/api/v1";
	char *url;

	while (bl > 0 && base[bl - 1] == '/')
		bl--;
	if (bl >= 7 && strncmp(base + bl - 7, api, 7) == 0)
		api = "";
	if (asprintf(&url, "%.*s%s%s", (int)bl, base, api, path) < 0)
		return NULL;
	return url;
}

int
fetch_request(const char *base, const char *method, const char *path,
              const struct fetch_tls *tls, const struct fetch_auth *auth,
              struct json_object *body, const char *if_none_match,
              struct fetch_response *resp)
{
	CURL *c = NULL;
	struct curl_slist *hdr = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	char *url = NULL, *authz = NULL, *inm = NULL;
	const char *payload = NULL;
	CURLcode rc;
	int ret = -1;

	memset(resp, 0, sizeof(*resp));
	if (fetch_check_url(base, tls->insecure_http) != 0)
		return -1;
	url = make_url(base, path);
	c = curl_easy_init();
	if (url == NULL || c == NULL) {
		warnx("out of memory");
		goto out;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, tls->insecure_http ? "http,https" : "https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 15L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "wgconf/1");
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, resp);

	/* Trust: a pin alone replaces the CA check; with --cacert both hold. */
	if (tls->cacert)
		curl_easy_setopt(c, CURLOPT_CAINFO, tls->cacert);
	if (tls->pin) {
		curl_easy_setopt(c, CURLOPT_PINNEDPUBLICKEY, tls->pin);
		if (tls->cacert == NULL) {
			curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
			curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
		}
	}

	if (auth->bearer) {
		if (asprintf(&authz, "Authorization: Bearer %s", auth->bearer) < 0) {
			authz = NULL;
			goto out;
		}
		hdr = curl_slist_append(hdr, authz);
	}
	if (auth->user || auth->password || auth->netrc) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		if (auth->user)
			curl_easy_setopt(c, CURLOPT_USERNAME, auth->user);
		if (auth->password)
			curl_easy_setopt(c, CURLOPT_PASSWORD, auth->password);
		if (auth->netrc && auth->password == NULL) {
			curl_easy_setopt(c, CURLOPT_NETRC, (long)CURL_NETRC_OPTIONAL);
			if (auth->netrc_file)
				curl_easy_setopt(c, CURLOPT_NETRC_FILE, auth->netrc_file);
		}
	}
	hdr = curl_slist_append(hdr, "Accept: application/json");
	if (if_none_match && *if_none_match) {
		if (asprintf(&inm, "If-None-Match: %s", if_none_match) < 0) {
			inm = NULL;
			goto out;
		}
		hdr = curl_slist_append(hdr, inm);
	}
	if (body != NULL || strcmp(method, "GET") != 0) {
		payload = body ? json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN) : "{}";
		hdr = curl_slist_append(hdr, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(payload));
	}
	/* No "Expect: 100-continue" round trip. */
	hdr = curl_slist_append(hdr, "Expect:");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);

	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		report_curl(rc, url, errbuf, tls);
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
	if (resp->body != NULL && resp->len > 0)
		resp->json = model_parse_json(resp->body, resp->len);
	ret = 0;
out:
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
		size_t i;
		for (i = 0; m[i] != '\0' && i + 1 < sizeof(clean); i++)
			clean[i] = iscntrl((unsigned char)m[i]) ? '?' : m[i];
		clean[i] = '\0';
		warnx("%s: %s (HTTP %ld, %s)", what, clean, resp->status,
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
