/* SPDX-License-Identifier: MIT */
/* http: strict JSON bodies, the key allow-list, query parameters, error bodies. */
#include <stdio.h>
#include <string.h>

#include "http.h"
#include "unit.h"

/* Parses body; returns the status and leaves the error code in *code. The
 * parsed object is freed here (the tests look at statuses and codes). */
static int
parse_len(const char *body, size_t len, const char **code)
{
	struct response res;
	struct json_object *obj = (struct json_object *)&res;   /* must be reset */
	int status;

	memset(&res, 0, sizeof(res));
	status = http_parse_body(&obj, body, len, &res);
	if (status == 0) {
		ck_assert_ptr_nonnull(obj);
		ck_assert(json_object_is_type(obj, json_type_object));
		ck_assert_ptr_null(res.error_code);
	} else {
		ck_assert_ptr_null(obj);
		ck_assert_ptr_nonnull(res.error_code);
		ck_assert_int_eq(res.status, status);
	}
	if (code != NULL)
		*code = res.error_code;
	json_object_put(obj);
	http_response_free(&res);
	return status;
}

static int
parse(const char *body, const char **code)
{
	return parse_len(body, strlen(body), code);
}

#define ACCEPTS(b)   ck_assert_msg(parse((b), NULL) == 0, "refused %s", (b))
#define REFUSES(b, c) do {                                                     \
		const char *code_ = NULL;                                      \
		ck_assert_msg(parse((b), &code_) == 400, "accepted %s", (b));  \
		ck_assert_str_eq(code_, (c));                                  \
	} while (0)

START_TEST(body_good)
{
	ACCEPTS("{}");
	ACCEPTS("{\"name\":\"web1\"}");
	ACCEPTS(" \t\r\n{\"a\":1} \n\r\t ");
	ACCEPTS("{\"a\":[1,\"x\",null,true,{\"b\":{}}]}");
	ACCEPTS("{\"a\":\"quote \\\" and colon : and 'single'\",\"b\":\"a\"}");
	ACCEPTS("{\"a\":\"a\",\"b\":\"a\"}");           /* equal values are fine */
	ACCEPTS("{\"name\":1,\"Name\":2}");              /* keys are case-sensitive */
}
END_TEST

START_TEST(body_missing_or_not_object)
{
	const char *code;

	ck_assert_int_eq(parse_len(NULL, 0, &code), 400);
	ck_assert_str_eq(code, "body_missing");
	ck_assert_int_eq(parse_len("{}", 0, &code), 400);
	ck_assert_str_eq(code, "body_missing");
	REFUSES("[]", "json_invalid");
	REFUSES("[{\"a\":1}]", "json_invalid");
	REFUSES("\"name\"", "json_invalid");
	REFUSES("1", "json_invalid");
	REFUSES("null", "json_invalid");
	REFUSES("true", "json_invalid");
	REFUSES("   ", "json_invalid");
	REFUSES("{", "json_invalid");
	REFUSES("{\"a\":", "json_invalid");
	REFUSES("{\"a\"}", "json_invalid");
	REFUSES("{a:1}", "json_invalid");
	REFUSES("{\"a\":1,}", "json_invalid");
	REFUSES("{\"a\":[1,]}", "json_invalid");
	REFUSES("{\"a\":01}", "json_invalid");
	REFUSES("{\"a\":+1}", "json_invalid");
	REFUSES("{\"a\":.5}", "json_invalid");
	REFUSES("{\"a\":0x10}", "json_invalid");
	REFUSES("{\"a\":True}", "json_invalid");
	REFUSES("{\"a\":'x'}", "json_invalid");
	REFUSES("{/*c*/\"a\":1}", "json_invalid");
	REFUSES("\xef\xbb\xbf{\"a\":1}", "json_invalid");   /* a byte order mark */
}
END_TEST

START_TEST(body_trailing_bytes)
{
	REFUSES("{\"a\":1}x", "json_invalid");
	REFUSES("{\"a\":1}{\"a\":2}", "json_invalid");
	REFUSES("{\"a\":1} {}", "json_invalid");
	REFUSES("{\"a\":1}\n,", "json_invalid");
	REFUSES("{\"a\":1}}", "json_invalid");
	REFUSES("{\"a\":1}/*c*/", "json_invalid");
	REFUSES("{\"a\":1}\f", "json_invalid");
	/* json-c's strict mode takes these; JSON has no such numbers. */
	REFUSES("{\"a\":NaN}", "json_invalid");
	REFUSES("{\"a\":-Infinity}", "json_invalid");
	REFUSES("{\"a\":[1.]}", "json_invalid");
	ACCEPTS("{\"a\":1.5e3,\"b\":\"NaN. Infinity.\"}");
}
END_TEST

START_TEST(body_nul_byte)
{
	static const char inside[] = "{\"name\":\"we\0b1\"}";
	static const char after[] = "{\"name\":\"web1\"}\0";
	static const char before[] = "\0{\"name\":\"web1\"}";
	const char *code;

	ck_assert_int_eq(parse_len(inside, sizeof(inside) - 1, &code), 400);
	ck_assert_str_eq(code, "json_invalid");
	ck_assert_int_eq(parse_len(after, sizeof(after) - 1, &code), 400);
	ck_assert_int_eq(parse_len(before, sizeof(before) - 1, &code), 400);
	/* An escaped NUL would cut a C string short ("web\u0000x" read as "web"). */
	REFUSES("{\"name\":\"web\\u0000x\"}", "json_invalid");
	REFUSES("{\"a\":[\"\\u0000\"]}", "json_invalid");
	REFUSES("{\"a\":{\"b\\u0000\":1}}", "json_invalid");
	ACCEPTS("{\"name\":\"web\\\\u0000x\"}");     /* a backslash, then u0000 */
	ACCEPTS("{\"name\":\"\\u0001\\u0100\\u1000\"}");
	/* The body is not a C string: what follows len is never read. */
	ck_assert_int_eq(parse_len("{}garbage", 2, NULL), 0);
}
END_TEST

START_TEST(body_depth_limit)
{
	char buf[4096];
	size_t n;

	/* json-c counts every value, the innermost 1 too: the object, arrays
	 * around the 1 and the 1 itself make at most HTTP_JSON_DEPTH levels. */
	for (int depth = 1; depth <= 200; depth++) {
		n = (size_t)snprintf(buf, sizeof(buf), "{\"a\":");
		for (int i = 1; i < depth; i++)
			buf[n++] = '[';
		buf[n++] = '1';
		for (int i = 1; i < depth; i++)
			buf[n++] = ']';
		buf[n++] = '}';
		buf[n] = '\0';
		if (depth + 1 <= HTTP_JSON_DEPTH)
			ck_assert_msg(parse(buf, NULL) == 0, "refused depth %d", depth);
		else
			REFUSES(buf, "json_invalid");
	}
	/* Deeply nested and unclosed, as a hostile client would send it. */
	memset(buf, '[', sizeof(buf) - 1);
	buf[0] = '{';
	buf[sizeof(buf) - 1] = '\0';
	REFUSES(buf, "json_invalid");
	for (size_t i = 1; i + 5 < sizeof(buf); i += 5)
		memcpy(buf + i, "\"a\":{", 5);
	REFUSES(buf, "json_invalid");
}
END_TEST

START_TEST(body_duplicate_keys)
{
	REFUSES("{\"name\":\"a\",\"name\":\"b\"}", "json_duplicate_key");
	REFUSES("{\"name\":\"a\",\"name\":\"a\"}", "json_duplicate_key");
	REFUSES("{\"name\":\"a\",\"x\":1,\"name\":\"b\"}", "json_duplicate_key");
	REFUSES("{\"name\" : \"a\" , \"name\"\n:\"b\"}", "json_duplicate_key");
	/* The same key spelled with escapes is the same key. */
	REFUSES("{\"name\":\"a\",\"na\\u006de\":\"b\"}", "json_duplicate_key");
	REFUSES("{\"na\\u006De\":\"a\",\"name\":\"b\"}", "json_duplicate_key");
	REFUSES("{\"\\u006e\\u0061\\u006d\\u0065\":\"a\",\"name\":\"b\"}", "json_duplicate_key");
	REFUSES("{\"a/b\":1,\"a\\/b\":2}", "json_duplicate_key");
	REFUSES("{\"a\\\"b\":1,\"a\\\"b\":2}", "json_duplicate_key");
	REFUSES("{\"a\\\\\":1,\"a\\\\\":2}", "json_duplicate_key");
	REFUSES("{\"\\u00e9\":1,\"\xc3\xa9\":2}", "json_duplicate_key");
	REFUSES("{\"\":1,\"\":2}", "json_duplicate_key");
	/* A duplicate after a nested object is still at the top. */
	REFUSES("{\"a\":{\"name\":1},\"name\":2,\"name\":3}", "json_duplicate_key");
	REFUSES("{\"a\":[{\"x\":\"]}\"}],\"name\":2,\"name\":3}", "json_duplicate_key");
	/* Keys json-c reads though JSON has no such key cannot sneak past the scan. */
	REFUSES("{\"name\":\"a\",'name':\"b\"}", "json_invalid");
	REFUSES("{'name':\"a\"}", "json_invalid");
	REFUSES("{\"name\\u0000x\":\"a\"}", "json_invalid");
	REFUSES("{\"name\":\"a\",\"name\\u0000\":\"b\"}", "json_invalid");
	/* Not duplicates: the same key in two nested objects, or as a value. */
	ACCEPTS("{\"a\":{\"name\":1},\"b\":{\"name\":2}}");
	ACCEPTS("{\"name\":\"name\",\"x\":\"name\"}");
	ACCEPTS("{\"a\\\\\":1,\"a\":2}");
	ACCEPTS("{\"name\":1,\"name \":2}");
}
END_TEST

START_TEST(allow_list)
{
	static const char *const keys[] = { "name", "endpoint", NULL };
	static const char *const none[] = { NULL };
	struct response res;
	struct json_object *o;

	memset(&res, 0, sizeof(res));
	o = json_tokener_parse("{\"name\":\"a\",\"endpoint\":null}");
	ck_assert_int_eq(http_allow_keys(o, keys, &res), 0);
	ck_assert_ptr_null(res.error_code);
	json_object_put(o);

	o = json_tokener_parse("{}");
	ck_assert_int_eq(http_allow_keys(o, keys, &res), 0);
	ck_assert_int_eq(http_allow_keys(o, none, &res), 0);
	json_object_put(o);

	static const char *const bad[] = { "{\"name\":\"a\",\"admin\":true}", "{\"Name\":\"a\"}",
		"{\"name \":\"a\"}", "{\"nam\":\"a\"}", "{\"names\":\"a\"}", "{\"\":1}",
		"{\"endpoint\":null,\"state\":\"accepted\"}", NULL };
	for (size_t i = 0; bad[i] != NULL; i++) {
		memset(&res, 0, sizeof(res));
		o = json_tokener_parse(bad[i]);
		ck_assert_ptr_nonnull(o);
		ck_assert_msg(http_allow_keys(o, keys, &res) == 400, "allowed %s", bad[i]);
		ck_assert_str_eq(res.error_code, "unknown_field");
		ck_assert_int_eq(res.status, 400);
		json_object_put(o);
	}
	/* The message names the key, shortened. */
	memset(&res, 0, sizeof(res));
	o = json_tokener_parse("{\"admin\":1}");
	ck_assert_int_eq(http_allow_keys(o, none, &res), 400);
	ck_assert_ptr_nonnull(strstr(res.error_message, "\"admin\""));
	json_object_put(o);
}
END_TEST

/* Parses query against {limit(3), before(19)}: the status, the code in *code. */
static int
query(const char *q, const char **code, struct request *rq)
{
	static const struct http_key keys[] = { { "limit", 3 }, { "before", 19 }, { NULL, 0 } };
	struct response res;
	int status;

	memset(rq, 0, sizeof(*rq));
	memset(&res, 0, sizeof(res));
	rq->query = q;
	status = http_parse_query(rq, keys, &res);
	*code = res.error_code;
	if (status != 0) {
		ck_assert_int_eq(res.status, status);
		ck_assert_uint_gt(strlen(res.error_message), 0);
	}
	return status;
}

#define Q_OK(q) do {                                                           \
		const char *code_ = NULL;                                      \
		ck_assert_msg(query((q), &code_, &rq) == 0, "refused %s: %s", (q), code_); \
	} while (0)
#define Q_REFUSES(q, c) do {                                                   \
		const char *code_ = NULL;                                      \
		ck_assert_msg(query((q), &code_, &rq) == 400, "accepted %s", (q)); \
		ck_assert_str_eq(code_, (c));                                  \
	} while (0)

START_TEST(query_params)
{
	struct request rq;

	{
		const char *code = NULL;
		ck_assert_int_eq(query(NULL, &code, &rq), 0);
		ck_assert_ptr_null(http_query(&rq, "limit"));
	}
	Q_OK("");
	ck_assert_ptr_null(http_query(&rq, "limit"));
	Q_OK("limit=10");
	ck_assert_str_eq(http_query(&rq, "limit"), "10");
	ck_assert_ptr_null(http_query(&rq, "before"));
	Q_OK("before=5&limit=10");
	ck_assert_str_eq(http_query(&rq, "limit"), "10");
	ck_assert_str_eq(http_query(&rq, "before"), "5");
	Q_OK("limit=");
	ck_assert_str_eq(http_query(&rq, "limit"), "");
	Q_OK("limit");
	ck_assert_str_eq(http_query(&rq, "limit"), "");
	/* A key the route did not list is no key at all. */
	ck_assert_ptr_null(http_query(&rq, "state"));
	/* Values arrive raw: no decoding behind the caller's back. */
	Q_OK("limit=%35");
	ck_assert_str_eq(http_query(&rq, "limit"), "%35");
	Q_OK("before=1234567890123456789");
	ck_assert_str_eq(http_query(&rq, "before"), "1234567890123456789");

	/* As strict as a body: unknown, repeated, empty or over-long is 400. */
	Q_REFUSES("state=pending", "unknown_parameter");
	Q_REFUSES("limit=1&x=2", "unknown_parameter");
	Q_REFUSES("xlimit=10", "unknown_parameter");
	Q_REFUSES("limitx=10", "unknown_parameter");
	Q_REFUSES("Limit=10", "unknown_parameter");
	Q_REFUSES("limit10", "unknown_parameter");
	Q_REFUSES("lim%69t=10", "unknown_parameter");
	Q_REFUSES("limit=1&limit=2", "duplicate_parameter");
	Q_REFUSES("limit=1&limit=1", "duplicate_parameter");
	Q_REFUSES("limit=1&before=2&limit=3", "duplicate_parameter");
	Q_REFUSES("&limit=3", "invalid_query");
	Q_REFUSES("limit=3&&before=1", "invalid_query");
	Q_REFUSES("=3", "invalid_query");
	Q_REFUSES("limit=1000", "invalid_parameter");
	Q_REFUSES("limit=99999999999999999999", "invalid_parameter");
	Q_REFUSES("before=12345678901234567890", "invalid_parameter");
	Q_REFUSES("limit=1\x01", "invalid_parameter");
	Q_REFUSES("limit=\xc3\xa9", "invalid_parameter");
	Q_REFUSES("limit=a b", "invalid_parameter");
	/* The message names the key. */
	{
		struct response res;
		static const struct http_key none[] = { { NULL, 0 } };
		memset(&res, 0, sizeof(res));
		memset(&rq, 0, sizeof(rq));
		rq.query = "admin=1";
		ck_assert_int_eq(http_parse_query(&rq, none, &res), 400);
		ck_assert_ptr_nonnull(strstr(res.error_message, "\"admin\""));
		memset(&res, 0, sizeof(res));
		rq.query = "admin=1";
		ck_assert_int_eq(http_parse_query(&rq, NULL, &res), 400);
		ck_assert_str_eq(res.error_code, "unknown_parameter");
	}
}
END_TEST

START_TEST(body_strict_utf8)
{
	/* Valid UTF-8, raw and escaped, including a pair above U+FFFF. */
	ACCEPTS("{\"n\":\"caf\xc3\xa9\"}");
	ACCEPTS("{\"n\":\"\xf0\x9f\x98\x80\"}");
	ACCEPTS("{\"n\":\"\xf4\x8f\xbf\xbf\"}");
	ACCEPTS("{\"n\":\"\\u00e9\"}");
	ACCEPTS("{\"n\":\"\\ud83d\\ude00\"}");
	ACCEPTS("{\"n\":\"\\uD83D\\uDE00\"}");
	ACCEPTS("{\"n\":\"\\\\ud800\"}");               /* an escaped backslash, then text */
	ACCEPTS("{\"n\":\"\\uffff\"}");
	/* Overlong forms: '.' as 2 bytes, '/' as 3, NUL as 2. */
	REFUSES("{\"n\":\"\xc0\xae\"}", "json_invalid");
	REFUSES("{\"n\":\"\xc1\xbf\"}", "json_invalid");
	REFUSES("{\"n\":\"\xe0\x80\xaf\"}", "json_invalid");
	REFUSES("{\"n\":\"\xf0\x80\x80\xaf\"}", "json_invalid");
	REFUSES("{\"n\":\"\xc0\x80\"}", "json_invalid");
	/* CESU-8: surrogates encoded as 3-byte sequences, alone or paired. */
	REFUSES("{\"n\":\"\xed\xa0\x80\"}", "json_invalid");
	REFUSES("{\"n\":\"\xed\xbf\xbf\"}", "json_invalid");
	REFUSES("{\"n\":\"\xed\xa0\xbd\xed\xb8\x80\"}", "json_invalid");
	/* Above U+10FFFF, and bytes that never start anything. */
	REFUSES("{\"n\":\"\xf4\x90\x80\x80\"}", "json_invalid");
	REFUSES("{\"n\":\"\xf5\x80\x80\x80\"}", "json_invalid");
	REFUSES("{\"n\":\"\xff\"}", "json_invalid");
	REFUSES("{\"n\":\"\x80\"}", "json_invalid");
	REFUSES("{\"n\":\"\xc3\"}", "json_invalid");
	/* In a key as in a value. */
	REFUSES("{\"\xc0\xae\":1}", "json_invalid");
	REFUSES("{\"\xed\xa0\x80\":1}", "json_invalid");
	/* \u escapes that decode to a lone surrogate. */
	REFUSES("{\"n\":\"\\ud800\"}", "json_invalid");
	REFUSES("{\"n\":\"\\uDBFF\"}", "json_invalid");
	REFUSES("{\"n\":\"\\udc00\"}", "json_invalid");
	REFUSES("{\"n\":\"\\ude00\\ud83d\"}", "json_invalid");
	REFUSES("{\"n\":\"\\ud83dx\"}", "json_invalid");
	REFUSES("{\"n\":\"\\ud83d\\u0041\"}", "json_invalid");
	REFUSES("{\"n\":\"\\ud83d\\ud83d\"}", "json_invalid");
	REFUSES("{\"\\ud800\":1}", "json_invalid");
	REFUSES("{\"n\":\"\\u12\"}", "json_invalid");
}
END_TEST

START_TEST(errors_become_json)
{
	struct response res;
	struct json_object *err, *v;
	char longmsg[600];

	memset(&res, 0, sizeof(res));
	ck_assert_int_eq(http_json(&res, 200, json_object_new_object()), 200);
	ck_assert_int_eq(http_error(&res, 409, "address_taken", "address %s is taken", "10.0.0.1"),
	                 409);
	ck_assert_ptr_null(res.body);   /* an error drops a body set before it */
	http_finish(&res);
	ck_assert_int_eq(res.status, 409);
	ck_assert(json_object_object_get_ex(res.body, "error", &err));
	ck_assert(json_object_object_get_ex(err, "code", &v));
	ck_assert_str_eq(json_object_get_string(v), "address_taken");
	ck_assert(json_object_object_get_ex(err, "message", &v));
	ck_assert_str_eq(json_object_get_string(v), "address 10.0.0.1 is taken");
	ck_assert_int_eq(json_object_object_length(res.body), 1);
	http_response_free(&res);
	ck_assert_ptr_null(res.body);
	http_response_free(&res);       /* twice is harmless */
	http_response_free(NULL);

	/* A long message is cut to the buffer, never past it. */
	memset(longmsg, 'x', sizeof(longmsg) - 1);
	longmsg[sizeof(longmsg) - 1] = '\0';
	memset(&res, 0, sizeof(res));
	http_error(&res, 400, "invalid_name", "%s", longmsg);
	ck_assert_uint_eq(strlen(res.error_message), sizeof(res.error_message) - 1);
	http_finish(&res);
	http_response_free(&res);

	/* What a client sent is quoted as printable ASCII only: no control
	 * characters, no bytes of a UTF-8 sequence that "%.64s" may have cut. */
	memset(&res, 0, sizeof(res));
	http_error(&res, 400, "invalid_name", "name \"%.4s\" is bad", "a\xc3\xa9\xc3\xa9\x01\n\xff");
	ck_assert_str_eq(res.error_message, "name \"a???\" is bad");
	http_error(&res, 400, "invalid_name", "%s", "\x7f\t\r\x1b[31m");
	ck_assert_str_eq(res.error_message, "????[31m");
	http_response_free(&res);

	/* Without an error, http_finish leaves the body alone. */
	memset(&res, 0, sizeof(res));
	http_json(&res, 201, json_object_new_string("x"));
	http_finish(&res);
	ck_assert_str_eq(json_object_get_string(res.body), "x");
	http_response_free(&res);
}
END_TEST

START_TEST(reasons)
{
	static const int known[] = { 200, 201, 204, 304, 400, 401, 403, 404, 405, 409, 411,
		413, 415, 429, 500, 503 };

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		ck_assert_str_ne(http_reason(known[i]), "Unknown");
	ck_assert_str_eq(http_reason(404), "Not Found");
	ck_assert_str_eq(http_reason(429), "Too Many Requests");
	ck_assert_str_eq(http_reason(299), "Unknown");
}
END_TEST

/* A secret answer is overwritten in place once sent; any other is left be. */
START_TEST(secret_wiped)
{
	static const char token[] = "0123456789abcdef.SECRETSECRETSECRETSECRETSECRETSECRETSECR";
	struct response res;
	struct json_object *o = json_object_new_object();
	const char *tok, *text;
	size_t tlen;

	json_object_object_add(o, "token", json_object_new_string(token));
	memset(&res, 0, sizeof(res));
	http_json(&res, 201, o);
	tok = json_object_get_string(json_object_object_get(o, "token"));
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	                                      JSON_C_TO_STRING_NOSLASHESCAPE);
	tlen = strlen(text);
	ck_assert_ptr_nonnull(strstr(text, "SECRET"));

	http_response_wipe(&res);               /* not marked: untouched */
	ck_assert_str_eq(tok, token);

	res.secret = 1;
	http_response_wipe(&res);
	for (size_t i = 0; i < sizeof(token) - 1; i++)
		ck_assert_int_eq(tok[i], 0);
	for (size_t i = 0; i < tlen; i++)
		ck_assert_int_eq(text[i], 0);
	http_response_free(&res);
}
END_TEST

static Suite *
http_suite(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, body_good);
	tcase_add_test(tc, body_missing_or_not_object);
	tcase_add_test(tc, body_trailing_bytes);
	tcase_add_test(tc, body_nul_byte);
	tcase_add_test(tc, body_depth_limit);
	tcase_add_test(tc, body_duplicate_keys);
	tcase_add_test(tc, allow_list);
	tcase_add_test(tc, query_params);
	tcase_add_test(tc, body_strict_utf8);
	tcase_add_test(tc, errors_become_json);
	tcase_add_test(tc, reasons);
	tcase_add_test(tc, secret_wiped);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(http_suite)
