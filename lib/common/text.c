/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "text.h"

int
text_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t n;

	if (s == NULL || (n = strlen(s)) == 0 || n > 19)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');    /* 19 digits cannot overflow */
	}
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
text_parse_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	uint64_t v;

	if (text_parse_u64(s, min, max, &v) != 0)
		return -1;
	*out = (unsigned long)v;
	return 0;
}

int
text_parse_int(const char *s, int min, int max, int *out)
{
	uint64_t v;

	if (min < 0 || max < min || text_parse_u64(s, (uint64_t)min, (uint64_t)max, &v) != 0)
		return -1;
	*out = (int)v;
	return 0;
}

static bool
is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool
text_in_class(const char *s, size_t min, size_t max, const char *extra)
{
	size_t n = s ? strlen(s) : 0;

	if (s == NULL || n < min || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(s[i]) && (extra == NULL || strchr(extra, s[i]) == NULL))
			return false;
	return true;
}

bool
text_safe_token(const char *s, size_t max)
{
	return text_in_class(s, 1, max, "-_.~");
}

/* Length of the UTF-8 sequence at s (at most len bytes), or 0 when it is not
 * a valid, shortest-form encoding of a scalar value. */
static size_t
utf8_seq(const unsigned char *s, size_t len)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t cp, lo;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2; cp = c & 0x1f; lo = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3; cp = c & 0x0f; lo = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4; cp = c & 0x07; lo = 0x10000;
	} else {
		return 0;                       /* continuation, 0xc0/0xc1, 0xf5.. */
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < lo || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

bool
text_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < len;) {
		size_t n;
		if (p[i] == 0 || (n = utf8_seq(p + i, len - i)) == 0)
			return false;
		i += n;
	}
	return true;
}

const char *
text_printable(const char *s, char *buf, size_t bufsz)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len, i = 0, o = 0;

	if (s == NULL)
		return "-";
	if (bufsz == 0)
		return "";
	len = strlen(s);
	while (i < len && o + 1 < bufsz) {
		size_t n = utf8_seq(p + i, len - i);
		uint32_t cp = 0;

		if (n == 2)     /* U+0080..U+009F are the C1 controls */
			cp = ((uint32_t)(p[i] & 0x1f) << 6) | (p[i + 1] & 0x3f);
		if (n == 0 || (n == 1 && (p[i] < 0x20 || p[i] == 0x7f)) ||
		    (n == 2 && cp < 0xa0)) {
			buf[o++] = '?';
			i += n ? n : 1;
			continue;
		}
		if (o + n >= bufsz)
			break;
		memcpy(buf + o, p + i, n);
		o += n;
		i += n;
	}
	buf[o] = '\0';
	return buf;
}

const char *
text_json_str(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (obj && json_object_object_get_ex(obj, key, &v) &&
	    json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return NULL;
}

int
text_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}
