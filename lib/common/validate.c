/* SPDX-License-Identifier: MIT */
/* Strict parsers for what peers and admins send: allow-lists, no guessing. */
#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "validate.h"

bool
validate_name(const char *s)
{
	size_t n;

	if (s == NULL)
		return false;
	for (n = 0; s[n] != '\0'; n++) {
		unsigned char c = (unsigned char)s[n];
		if (n >= VALIDATE_NAME_MAX)
			return false;
		if (!isascii(c) || !(isalnum(c) || c == '.' || c == '-' || c == '_'))
			return false;
	}
	return n > 0;
}

int
validate_port(const char *s, uint16_t *port)
{
	unsigned long v = 0;
	size_t n;

	if (s == NULL || s[0] == '\0' || s[0] == '0')
		return -1;
	for (n = 0; s[n] != '\0'; n++) {
		if (s[n] < '0' || s[n] > '9' || n >= 5)
			return -1;
		v = v * 10 + (unsigned long)(s[n] - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

bool
validate_hostname(const char *s)
{
	struct in_addr a4;
	size_t len, label = 0;
	bool alpha = false;

	if (s == NULL || (len = strlen(s)) == 0 || len > VALIDATE_HOST_MAX)
		return false;
	if (inet_pton(AF_INET, s, &a4) == 1)
		return true;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!isascii(c) || !(isalnum(c) || c == '-'))
			return false;
		if (c == '-' && label == 0)
			return false;
		if (isalpha(c) || c == '-')
			alpha = true;
		if (++label > 63)
			return false;
	}
	/* A trailing dot is fine; a trailing '-' or an all-numeric name that
	 * inet_pton refused (such as 1.2.3.999) is not. */
	if (label > 0 && s[len - 1] == '-')
		return false;
	return alpha;
}

int
validate_endpoint(const char *s, char *host, size_t hostsz, uint16_t *port)
{
	const char *colon;
	size_t hlen;

	if (s == NULL || strlen(s) > VALIDATE_ENDPOINT_MAX)
		return -1;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		struct in6_addr a6;
		if (close == NULL || close[1] != ':')
			return -1;
		hlen = (size_t)(close - s - 1);
		if (hlen == 0 || hlen >= hostsz)
			return -1;
		memcpy(host, s + 1, hlen);
		host[hlen] = '\0';
		if (inet_pton(AF_INET6, host, &a6) != 1)
			return -1;
		return validate_port(close + 2, port);
	}
	colon = strrchr(s, ':');
	if (colon == NULL || memchr(s, ':', (size_t)(colon - s)) != NULL)
		return -1;      /* bare IPv6 without brackets is ambiguous */
	hlen = (size_t)(colon - s);
	if (hlen == 0 || hlen >= hostsz)
		return -1;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (!validate_hostname(host))
		return -1;
	return validate_port(colon + 1, port);
}

bool
validate_is_nat(const char *s)
{
	return s != NULL && strcasecmp(s, "nat") == 0;
}
