/* SPDX-License-Identifier: MIT */
/* What the live interface says about each link (`wg show IFACE dump`), and
 * the report of it sync sends after the config fetch. */
#ifndef WGCONF_CLIENT_LINKS_H
#define WGCONF_CLIENT_LINKS_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "keys.h"
#include "state.h"

struct wg_link {
	char public_key[KEYS_B64_LEN];
	uint64_t latest_handshake;      /* seconds since the epoch; 0 = never */
	uint64_t rx, tx;                /* bytes */
};

/* Parses the text of `wg show IFACE dump`: the interface line first (it
 * holds the private key: skipped, never copied), then one line per peer,
 * eight tab-separated fields. 0 with *out (caller frees) and *n, or -1
 * with err naming the line. */
int links_parse_dump(const char *text, struct wg_link **out, size_t *n, char *err,
                     size_t errsz);

/* The report body {links: [...]} for links whose public key is one of the
 * peers of config (a server config JSON); the others are left out. Caller
 * puts it; NULL out of memory. */
struct json_object *links_report_body(const struct wg_link *v, size_t n,
                                      struct json_object *config);

/* After a fetch: when interface iface exists, reads its dump and sends the
 * report (PUT /peer/links). Quiet when it worked or there is no interface;
 * 0, or -1 after a warning (the config itself is not affected). */
/* relay, when not NULL, goes along as "relay": whether this host, asked to
 * relay, forwards ("forwarding") or refuses ("refused"). 1 when the answer
 * says the report moved this host's own config (fetch it again). */
int links_report(const struct state *st, const char *iface, struct json_object *config,
                 const char *relay);

#endif
