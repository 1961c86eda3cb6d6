/* SPDX-License-Identifier: MIT */
#ifndef WGCONF_VALIDATE_H
#define WGCONF_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VALIDATE_NAME_MAX     63
#define VALIDATE_HOST_MAX     253
#define VALIDATE_ENDPOINT_MAX (VALIDATE_HOST_MAX + 8)

/* 1–63 characters: letters, digits, '.', '-', '_'. */
bool validate_name(const char *s);

/* A decimal port 1–65535, digits only, no sign, no leading zeros beyond "0". */
int validate_port(const char *s, uint16_t *port);

/* A DNS host name (labels of letters, digits, '-', not starting or ending with
 * '-', total at most 253) or an IPv4 address. Names are not resolved. */
bool validate_hostname(const char *s);

/* Parses an endpoint "host:port" or "[v6]:port". host gets the host without
 * brackets (hostsz >= VALIDATE_HOST_MAX + 1). 0 or -1. */
int validate_endpoint(const char *s, char *host, size_t hostsz, uint16_t *port);

/* True for "nat" (any case) */
bool validate_is_nat(const char *s);

#endif
