/* SPDX-License-Identifier: MIT */
/* Requests, responses and the one place that turns a status into a JSON error. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "keys.h"
#include "text.h"

const char http_json_type[] = "application/json";

int
http_error(struct response *res, int status, const char *code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(res->error_message, sizeof(res->error_message), fmt, ap);
	va_end(ap);
	/* Messages quote what the client sent, cut to a length ("%.64s"): a
	 * byte that is not printable ASCII, or half a UTF-8 sequence, would make
	 * the answer invalid JSON text. */
	for (char *p = res->error_message; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
	res->error_code = code;
	res->status = status;
	if (res->body != NULL) {
		json_object_put(res->body);
		res->body = NULL;
	}
	free(res->text);
	res->text = NULL;
	res->text_len = 0;
	res->keep.peer[0] = '\0';
	return status;
}

int
http_json(struct response *res, int status, struct json_object *body)
{
	if (res->body != NULL)
		json_object_put(res->body);
	free(res->text);
	res->text = NULL;
	res->text_len = 0;
	res->body = body;
	res->status = status;
	return status;
}

int
http_text(struct response *res, int status, char *text, const char *type)
{
	json_object_put(res->body);
	res->body = NULL;
	free(res->text);
	res->text = text;
	res->text_len = text ? strlen(text) : 0;
	res->text_type = type;
	res->status = status;
	return status;
}

int
http_json_text(struct response *res, int status, char *text, size_t len)
{
	http_text(res, status, text, http_json_type);
	res->text_len = len;
	return status;
}

void
http_finish(struct response *res)
{
	struct json_object *err, *wrap;

	if (res->error_code == NULL)
		return;
	/* An error is JSON, whatever the route answers when it works. */
	free(res->text);
	res->text = NULL;
	err = json_object_new_object();
	json_object_object_add(err, "code", json_object_new_string(res->error_code));
	json_object_object_add(err, "message", json_object_new_string(res->error_message));
	if (res->error_current != NULL) {
		json_object_object_add(err, "current", res->error_current);
		res->error_current = NULL;
	}
	wrap = json_object_new_object();
	json_object_object_add(wrap, "error", err);
	if (res->body != NULL)
		json_object_put(res->body);
	res->body = wrap;
}

/* Overwrites every string of a top-level object in place. */
static void
wipe_strings(struct json_object *obj)
{
	if (!json_object_is_type(obj, json_type_object))
		return;
	json_object_object_foreach(obj, key, val) {
		(void)key;
		if (json_object_is_type(val, json_type_string))
			keys_wipe((char *)(uintptr_t)json_object_get_string(val),
			          (size_t)json_object_get_string_len(val));
	}
}

void
http_response_wipe(struct response *res)
{
	const char *out;

	if (res == NULL || !res->secret || res->body == NULL)
		return;
	/* The same flags give the same buffer back: wipe what was sent. */
	out = json_object_to_json_string_ext(res->body, HTTP_JSON_FLAGS);
	keys_wipe((char *)(uintptr_t)out, strlen(out));
	wipe_strings(res->body);
}

void
http_response_free(struct response *res)
{
	if (res == NULL)
		return;
	json_object_put(res->body);
	res->body = NULL;
	free(res->text);
	res->text = NULL;
	json_object_put(res->error_current);
	res->error_current = NULL;
	res->text_len = 0;
	json_object_put(res->change.detail);
	res->change.detail = NULL;
	store_revisions_free(&res->revised);
}

const char *
http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default:  return "Unknown";
	}
}

/*
 * json-c keeps the last of duplicate keys silently; a proxy and this server
 * could then disagree about what a request says. So every object's keys are
 * scanned once more here, decoded by json-c itself, and compared.
 * 1 for a duplicate, -1 for what json-c takes though it must not (NaN,
 * Infinity, "1."), a
 * 'single-quoted' key (json-c 0.16 allows it even in strict mode, and this
 * scan would not see it) or any string holding "\u0000" (C strings end
 * there: "web\u0000x" would be read as the name "web", "name\u0000x" as the
 * key "name").
 */
static int
has_duplicate_keys(const char *s, size_t len)
{
	/* One key set per open object, NULL for an open array; the body has
	 * already parsed within HTTP_JSON_DEPTH. */
	struct json_object *seen[HTTP_JSON_DEPTH + 1] = { NULL };
	int depth = 0, dup = 0;
	size_t i = 0;

	while (i < len && !dup) {
		char c = s[i];
		if (c == '\'') {
			dup = -1;
			break;
		}
		if (c == '"') {
			size_t start = i++;
			while (i < len && s[i] != '"') {
				if (s[i] == '\\' && len - i > 5 && s[i + 1] == 'u' &&
				    memcmp(s + i + 2, "0000", 4) == 0)
					dup = -1;
				i += (s[i] == '\\') ? 2 : 1;
			}
			if (i >= len || dup != 0)
				break;
			i++;
			if (depth > 0 && seen[depth - 1] != NULL) {
				size_t j = i;
				while (j < len && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r'))
					j++;
				if (j < len && s[j] == ':') {
					char *raw = strndup(s + start, i - start);
					struct json_object *key = raw ? json_tokener_parse(raw) : NULL;
					const char *ks = key ? json_object_get_string(key) : NULL;

					if (ks != NULL) {
						if (json_object_object_get_ex(seen[depth - 1], ks, NULL))
							dup = 1;
						else
							json_object_object_add(seen[depth - 1], ks, NULL);
					}
					json_object_put(key);
					free(raw);
				}
			}
			continue;
		}
		/* Outside strings, json-c's strict mode still takes NaN, Infinity
		 * and "1.": none of them is JSON. */
		if (c == 'N' || c == 'I' ||
		    (c == '.' && (i + 1 >= len || s[i + 1] < '0' || s[i + 1] > '9'))) {
			dup = -1;
			break;
		}
		if (c == '{' || c == '[') {
			if (depth >= HTTP_JSON_DEPTH + 1) {
				dup = -1;
				break;
			}
			seen[depth++] = c == '{' ? json_object_new_object() : NULL;
		} else if ((c == '}' || c == ']') && depth > 0) {
			json_object_put(seen[--depth]);
			seen[depth] = NULL;
		}
		i++;
	}
	while (depth > 0)
		json_object_put(seen[--depth]);
	return dup;
}

/* The 4 hex digits at s as a number, or -1. */
static long
hex4(const char *s)
{
	long v = 0;

	for (int i = 0; i < 4; i++) {
		int c = (unsigned char)s[i], d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/*
 * The raw bytes are checked by text_utf8_valid(); a \u escape can still
 * spell a surrogate, which json-c turns into CESU-8 bytes (or U+FFFD) when
 * alone. So every escape is read here: a high surrogate must be followed by
 * a low one (a valid pair is one character above U+FFFF), a low one never
 * stands alone. 0 when fine, -1 otherwise.
 */
static int
escapes_valid(const char *s, size_t len)
{
	int in_string = 0;

	for (size_t i = 0; i < len; i++) {
		long cp, lo;
		if (s[i] == '"') {
			in_string = !in_string;
			continue;
		}
		if (!in_string || s[i] != '\\')
			continue;
		if (i + 1 < len && s[i + 1] != 'u') {
			i++;
			continue;
		}
		if (len - i < 6 || (cp = hex4(s + i + 2)) < 0)
			return -1;
		i += 5;
		if (cp >= 0xdc00 && cp <= 0xdfff)
			return -1;
		if (cp >= 0xd800 && cp <= 0xdbff) {
			if (len - i < 7 || s[i + 1] != '\\' || s[i + 2] != 'u' ||
			    (lo = hex4(s + i + 3)) < 0xdc00 || lo > 0xdfff)
				return -1;
			i += 6;
		}
	}
	return 0;
}

int
http_parse_body(struct json_object **out, const char *body, size_t len,
                struct response *res)
{
	struct json_tokener *tok;
	struct json_object *obj;
	size_t end;
	int dup;

	*out = NULL;
	if (body == NULL || len == 0)
		return http_error(res, 400, "body_missing", "a JSON object body is required");
	if (memchr(body, '\0', len) != NULL)
		return http_error(res, 400, "json_invalid", "the body holds a NUL byte");
	if (!text_utf8_valid(body, len) || escapes_valid(body, len) != 0)
		return http_error(res, 400, "json_invalid", "the body is not strict UTF-8: no "
		                  "overlong forms, no surrogates (raw or \\u-escaped), nothing "
		                  "above U+10FFFF");
	tok = json_tokener_new_ex(HTTP_JSON_DEPTH);
	if (tok == NULL)
		return http_error(res, 500, "internal", "out of memory");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, body, (int)len);
	end = json_tokener_get_parse_end(tok);
	if (obj == NULL || json_tokener_get_error(tok) != json_tokener_success) {
		enum json_tokener_error e = json_tokener_get_error(tok);
		json_object_put(obj);
		json_tokener_free(tok);
		if (e == json_tokener_continue)
			return http_error(res, 400, "json_invalid", "the JSON body ends early");
		return http_error(res, 400, "json_invalid", "the body is not valid JSON: %s",
		                  json_tokener_error_desc(e));
	}
	json_tokener_free(tok);
	while (end < len && (body[end] == ' ' || body[end] == '\n' ||
	                     body[end] == '\r' || body[end] == '\t'))
		end++;
	if (end != len) {
		json_object_put(obj);
		return http_error(res, 400, "json_invalid", "trailing bytes after the JSON value");
	}
	if (!json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		return http_error(res, 400, "json_invalid", "the body must be a JSON object");
	}
	if ((dup = has_duplicate_keys(body, len)) != 0) {
		json_object_put(obj);
		if (dup < 0)
			return http_error(res, 400, "json_invalid", "not strict JSON: keys must be "
			                  "double-quoted, numbers finite and no string may hold a "
			                  "NUL character");
		return http_error(res, 400, "json_duplicate_key", "a key appears twice in the body");
	}
	*out = obj;
	return 0;
}

int
http_allow_keys(struct json_object *obj, const char *const *allowed, struct response *res)
{
	json_object_object_foreach(obj, key, val) {
		const char *const *a;
		(void)val;
		for (a = allowed; *a != NULL; a++)
			if (strcmp(*a, key) == 0)
				break;
		if (*a == NULL)
			return http_error(res, 400, "unknown_field", "unknown field \"%.64s\"", key);
	}
	return 0;
}

/* Copies a raw query value (no %-decoding behind the handler's back) into
 * out: its length, or -1 for a byte that is not printable ASCII or no room. */
static long
copy_value(const char *s, size_t len, char *out, size_t outsz)
{
	if (len >= outsz)
		return -1;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return -1;
	memcpy(out, s, len);
	out[len] = '\0';
	return (long)len;
}

int
http_parse_query(struct request *req, const struct http_key *allowed, struct response *res)
{
	const char *p = req->query;
	size_t used = 0;

	req->query_keys = allowed;
	memset(req->query_vals, 0, sizeof(req->query_vals));
	while (p != NULL && *p != '\0') {
		const char *amp = strchr(p, '&');
		size_t seg = amp ? (size_t)(amp - p) : strlen(p);
		size_t klen = strcspn(p, "=&");
		size_t k;
		long vlen;

		if (klen > seg)
			klen = seg;
		for (k = 0; allowed != NULL && allowed[k].name != NULL; k++)
			if (strlen(allowed[k].name) == klen && strncmp(allowed[k].name, p, klen) == 0)
				break;
		if (klen == 0)
			return http_error(res, 400, "invalid_query", "the query string has an "
			                  "empty parameter");
		if (allowed == NULL || allowed[k].name == NULL)
			return http_error(res, 400, "unknown_parameter", "unknown query parameter "
			                  "\"%.*s\"", (int)(klen < 64 ? klen : 64), p);
		if (req->query_vals[k] != NULL)
			return http_error(res, 400, "duplicate_parameter", "query parameter \"%s\" "
			                  "appears twice", allowed[k].name);
		vlen = copy_value(p + klen + (klen < seg), seg - klen - (klen < seg),
		                  req->query_buf + used, sizeof(req->query_buf) - used);
		if (vlen < 0 || (size_t)vlen > allowed[k].max)
			return http_error(res, 400, "invalid_parameter", "query parameter \"%s\" "
			                  "must be at most %zu printable characters", allowed[k].name,
			                  allowed[k].max);
		req->query_vals[k] = req->query_buf + used;
		used += (size_t)vlen + 1;
		p = amp ? amp + 1 : NULL;
	}
	return 0;
}

const char *
http_query(const struct request *req, const char *name)
{
	for (size_t k = 0; req->query_keys != NULL && req->query_keys[k].name != NULL &&
	     k < HTTP_MAX_QUERY; k++)
		if (strcmp(req->query_keys[k].name, name) == 0)
			return req->query_vals[k];
	return NULL;
}
