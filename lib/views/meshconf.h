/* SPDX-License-Identifier: MIT */
/*
 * One peer's config and what is derived from a peer record (its AllowedIPs,
 * its signed statement). Pure: structs in, JSON out, no database.
 */
#ifndef WGCONF_MESHCONF_H
#define WGCONF_MESHCONF_H

#include <json-c/json.h>

#include "rows.h"

/* The shape of what meshconf_build() makes. Kept configs are keyed by it
 * too (lib/store.h): change it with any change to what a config holds or
 * how it is spelled, so no body of the old shape is served again. */
#define MESHCONF_FORMAT 2

/* One accepted peer's view of the mesh, as GET /peer/config returns it,
 * from its own record, the network settings, its links (store_links()),
 * the revocations (only the signed ones are shown) and the signed policy
 * (pol NULL or unsigned: null). Caller owns the result. */
struct json_object *meshconf_build(const struct peer *self, const struct network *net,
                                   const struct link_list *links,
                                   const struct revocation_list *revs,
                                   const struct policy_row *pol);

/*
 * The same config written as text as it goes, link by link, with no JSON
 * tree and no list of links held: a hub's config at 10,000 peers is 3.5 MB
 * of text, and its json-c tree was ten times that. Byte for byte what
 * json_object_to_json_string_ext(meshconf_build(...), JSON_C_TO_STRING_PLAIN
 * | JSON_C_TO_STRING_NOSLASHESCAPE) gives for the same links in the same
 * order (tests/unit/check_scale.c holds them to it).
 */
struct meshconf_buf {
	char *s;
	size_t len, cap;
	int oom;                        /* a growth failed: the text is lost */
};

struct meshconf_writer {
	const struct peer *self;
	int keepalive;
	size_t npeers;
	struct meshconf_buf out, warnings;
};

/* Starts self's config under net. -1 out of memory (free w anyway). */
int meshconf_text_begin(struct meshconf_writer *w, const struct peer *self,
                        const struct network *net);

/* Appends one link (in the order meshconf_build() takes them). -1 out of
 * memory. */
int meshconf_text_link(struct meshconf_writer *w, const struct link *l);

/* Ends the config with self's statement, the signed revocations revs and
 * the signed policy pol (may be NULL):
 * *text (NUL-terminated, caller frees) of *len bytes, and w is emptied. -1
 * out of memory (w freed). */
int meshconf_text_end(struct meshconf_writer *w, const struct revocation_list *revs,
                      const struct policy_row *pol, char **text, size_t *len);

/* Frees what w holds; safe after meshconf_text_end(). */
void meshconf_text_free(struct meshconf_writer *w);

/* What others route to a peer: its tunnel addresses as /32 and /128, then its
 * routed networks in order. Caller owns it. */
struct json_object *meshconf_allowed_ips(const struct peer *p);

/* The last signed statement of p as {"text", "signature"}, or NULL (JSON
 * null) when it has none. Caller owns it. */
struct json_object *meshconf_statement(const struct peer *p);

/* The signed policy as {"text", "signature"}, or NULL (JSON null) when
 * none was signed. Caller owns it. */
struct json_object *meshconf_policy(const struct policy_row *pol);

#endif
