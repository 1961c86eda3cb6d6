/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the parsers that see untrusted text: JSON bodies,
 * names, ports, host names, endpoints, CIDRs, keys and query strings. Besides
 * crashes it checks that what a parser accepts is what it claims: a parsed
 * CIDR formats and parses back to itself, an accepted endpoint has a valid
 * host and port, an accepted key re-encodes to the same text, and a public
 * key is refused as not canonical exactly when X25519 would read it as
 * another text's key.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "ipam.h"
#include "keys.h"
#include "validate.h"

static void
check(int ok, const char *what, const char *input)
{
	if (!ok) {
		fprintf(stderr, "fuzz_parse: %s: \"%s\"\n", what, input);
		abort();
	}
}

static void
fuzz_cidr(const char *s)
{
	for (int bare = 0; bare < 2; bare++) {
		for (int strict = 0; strict < 2; strict++) {
			struct cidr c, d, pool, got, taken[2];
			char buf[IPAM_STRLEN], buf2[IPAM_STRLEN];

			if (ipam_parse(&c, s, bare, strict) != 0)
				continue;
			check(c.family == 4 || c.family == 6, "family", s);
			check(c.prefix <= (c.family == 4 ? 32u : 128u), "prefix", s);
			ipam_format(buf, &c, true);
			check(ipam_parse(&d, buf, false, strict) == 0, "format does not parse back", s);
			check(memcmp(&c, &d, sizeof(c)) == 0, "format changed the value", s);
			ipam_format(buf2, &d, true);
			check(strcmp(buf, buf2) == 0, "format is not canonical", s);
			check(ipam_overlap(&c, &d), "overlaps itself", s);
			if (strict && c.prefix > 0) {
				/* Lowest free address, then the next: in the pool, distinct. */
				pool = c;
				if (ipam_allocate(&got, &pool, NULL, 0) == 0) {
					check(ipam_contains(&pool, &got), "allocated outside", s);
					check(!ipam_reserved(&pool, &got), "allocated reserved", s);
					taken[0] = got;
					if (ipam_allocate(&taken[1], &pool, taken, 1) == 0)
						check(memcmp(taken[0].addr, taken[1].addr, 16) != 0,
						      "allocated twice", s);
				}
			}
		}
	}
}

static void
fuzz_endpoint(const char *s)
{
	char host[VALIDATE_HOST_MAX + 1];
	uint16_t port = 0;
	struct in6_addr a6;

	if (validate_endpoint(s, host, sizeof(host), &port) != 0)
		return;
	check(port >= 1, "port 0", s);
	check(host[0] != '\0', "empty host", s);
	if (s[0] == '[')
		check(inet_pton(AF_INET6, host, &a6) == 1, "bracketed host not IPv6", s);
	else
		check(validate_hostname(host), "host not a host name", s);
	check(strlen(s) <= VALIDATE_ENDPOINT_MAX, "endpoint too long", s);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (keys_init() != 0)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object *obj = NULL;
	struct response res;
	char *s, enc[KEYS_B64_LEN];
	uint8_t key[KEYS_LEN], raw[256];
	uint16_t port;
	size_t len;

	if (size > HTTP_BODY_MAX)
		return 0;
	/* The body parser gets the bytes as they are, NULs included. */
	memset(&res, 0, sizeof(res));
	if (http_parse_body(&obj, (const char *)data, size, &res) == 0) {
		static const char *const allowed[] = { "name", "public_key", "endpoint", NULL };
		check(obj != NULL && json_object_is_type(obj, json_type_object), "not an object", "");
		check(memchr(data, '\0', size) == NULL, "accepted a NUL byte", "");
		(void)http_allow_keys(obj, allowed, &res);
		json_object_put(obj);
	} else {
		check(obj == NULL && res.error_code != NULL && res.status >= 400, "error not set", "");
	}
	http_response_free(&res);

	/* The rest read C strings. */
	s = malloc(size + 1);
	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';

	if (validate_name(s)) {
		len = strlen(s);
		check(len >= 1 && len <= VALIDATE_NAME_MAX, "name length", s);
		check(strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-_")
		      == len, "name characters", s);
	}
	if (validate_port(s, &port) == 0) {
		char back[8];
		snprintf(back, sizeof(back), "%u", port);
		check(port >= 1 && strcmp(back, s) == 0, "port not canonical", s);
	}
	if (validate_hostname(s))
		check(strlen(s) <= VALIDATE_HOST_MAX, "host name too long", s);
	fuzz_endpoint(s);
	(void)validate_is_nat(s);
	fuzz_cidr(s);
	if (keys_b64_decode_key(key, s) == 0) {
		keys_b64_encode(enc, sizeof(enc), key, KEYS_LEN);
		check(strcmp(enc, s) == 0, "a key with a second spelling", s);
		(void)keys_check_public(key);
		/* One spelling: an accepted public key is below 2^255 - 19, so
		 * its canonical text is itself; a refused one has another. */
		check((keys_parse_public(key, s) == KEYS_PUBLIC_NOT_CANONICAL) ==
		      (keys_public_canonical(enc, s) == 0 && strcmp(enc, s) != 0),
		      "a public key accepted with a second spelling, or refused without", s);
	}
	if (keys_b64_decode(raw, sizeof(raw), &len, s) == 0)
		check(len <= sizeof(raw), "decoded past the buffer", s);
	{
		static const struct http_key keys[] = { { "limit", 4 }, { "before", 19 },
		                                        { "state", 8 }, { NULL, 0 } };
		struct request rq;
		struct response res;

		memset(&rq, 0, sizeof(rq));
		memset(&res, 0, sizeof(res));
		rq.query = s;
		if (http_parse_query(&rq, keys, &res) == 0) {
			for (size_t k = 0; keys[k].name != NULL; k++) {
				const char *v = http_query(&rq, keys[k].name);
				check(v == NULL || strlen(v) <= keys[k].max, "query value too long", s);
			}
		} else {
			check(res.status == 400 && res.error_code != NULL, "query refused oddly", s);
		}
	}
	free(s);
	return 0;
}
