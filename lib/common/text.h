/* SPDX-License-Identifier: MIT */
/*
 * Small parsers and sanitisers shared by the server and the client: the one
 * place where a decimal number, a character class, UTF-8 or text shown on a
 * terminal is checked. Everything here is pure (no I/O but text_write_all).
 */
#ifndef WGCONF_TEXT_H
#define WGCONF_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

/* A decimal number in [min, max]: digits only (no sign, no space, no
 * leading '+'), at most 19 digits. 0, or -1 leaving *out alone. */
int text_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
int text_parse_ulong(const char *s, unsigned long min, unsigned long max,
                     unsigned long *out);
int text_parse_int(const char *s, int min, int max, int *out);

/* True when s is min..max bytes long and every byte is a letter, a digit or
 * one of extra. */
bool text_in_class(const char *s, size_t min, size_t max, const char *extra);

/* Letters, digits, '-', '_', '.', '~', 1..max long: safe in a URL path and
 * an HTTP header without escaping (ids, tokens, invite codes). */
bool text_safe_token(const char *s, size_t max);

/* Strict UTF-8 (RFC 3629): no overlong forms, no surrogates (so no CESU-8),
 * nothing above U+10FFFF, no NUL. */
bool text_utf8_valid(const char *s, size_t len);

/* Text from elsewhere (a server, a peer) made safe for a terminal, in buf:
 * printable ASCII and valid UTF-8 are kept; C0 and C1 controls (so no
 * escape sequence, whatever its encoding), DEL and invalid bytes become '?'.
 * A multi-byte character is never cut. "-" for NULL. Returns buf (or "-"). */
const char *text_printable(const char *s, char *buf, size_t bufsz);

/* A string member of obj, or NULL (absent, or not a string). Borrowed. */
const char *text_json_str(struct json_object *obj, const char *key);

/* write(2) until len bytes are written or an error other than EINTR. 0/-1. */
int text_write_all(int fd, const void *data, size_t len);

#endif
