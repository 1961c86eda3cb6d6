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

/*
 * A report is sent in pages, each a request of its own: the server takes
 * at most 64 KiB of body and 1024 entries per request (a hub of 999
 * partners reported 79.8 KB in one, and was refused). A page stays under
 * both with room to spare: a hub of 10,000 partners sends 11 pages (idle
 * links) to 19 (the largest counters); 16 with gigabyte counters.
 */
#define LINKS_PAGE_MAX   1024           /* entries: the server takes no more */
#define LINKS_PAGE_BYTES (56 * 1024)    /* of JSON: the server takes 64 KiB */

/* The report bodies {links: [...]} for links whose public key is one of
 * the peers of config (a server config JSON; the others are left out),
 * none over LINKS_PAGE_MAX entries or max_bytes of JSON as sent; at least
 * one (empty) page. 0 with *pages (free with links_pages_free()) and
 * *npages, or -1 out of memory. */
int links_report_pages(const struct wg_link *v, size_t n, struct json_object *config,
                       size_t max_bytes, struct json_object ***pages, size_t *npages);
void links_pages_free(struct json_object **pages, size_t npages);

/* After a fetch: when interface iface exists, reads its dump and sends the
 * report (PUT /peer/links, page by page). Quiet when it worked or there is
 * no interface; 0, or -1 after a warning (the config itself is not
 * affected). relay, when not NULL, goes along as "relay": whether this host, asked to
 * relay, forwards ("forwarding") or refuses ("refused"). 1 when the answer
 * says the report moved this host's own config (fetch it again). */
int links_report(const struct state *st, const char *iface, struct json_object *config,
                 const char *relay);

#endif
