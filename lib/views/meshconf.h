/* SPDX-License-Identifier: MIT */
/*
 * One peer's config, the text GET /peer/config answers. Pure: structs in,
 * text out, no database.
 */
#ifndef WGCONF_MESHCONF_H
#define WGCONF_MESHCONF_H

#include <json-c/json.h>

#include "rows.h"

/* The shape of what the writer makes. Kept configs are keyed by it too
 * (lib/store/config.h): change it with any change to what a config holds
 * or how it is spelled, so no body of the old shape is served again. */
#define MESHCONF_FORMAT 1

/*
 * One accepted peer's view of the mesh, as GET /peer/config returns it:
 * its own record, the network settings, its links (store_links_each(),
 * ordered by id) and the signed revocations. Written as text as it goes,
 * link by link, with no JSON tree and no list of links held: a hub's
 * config at 10,000 peers is 3.5 MB of text, and a json-c tree of it was
 * ten times that. Spelled as json_object_to_json_string_ext() with
 * JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE spells it (the
 * one writer: the server and the tests use it).
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

/* Appends one link (in peer id order). -1 out of memory. */
int meshconf_text_link(struct meshconf_writer *w, const struct link *l);

/* Ends the config with self's statement and the signed revocations revs:
 * *text (NUL-terminated, caller frees) of *len bytes, and w is emptied. -1
 * out of memory (w freed). */
int meshconf_text_end(struct meshconf_writer *w, const struct revocation_list *revs,
                      char **text, size_t *len);

/* Frees what w holds; safe after meshconf_text_end(). */
void meshconf_text_free(struct meshconf_writer *w);

#endif
