/* SPDX-License-Identifier: MIT */
/* The config answer: the hot path of every host's poll. */
#include <stdio.h>

#include "api.h"
#include "meshconf.h"

/* Each link into the config's text as it is read. */
static int
write_link(const struct link *l, void *ctx)
{
	return meshconf_text_link(ctx, l);
}

/*
 * A config is the same bytes for as long as its peer's revision stays: the
 * one kept for that revision is sent as it is. Otherwise it is built from
 * this snapshot and kept by the dispatcher once the read is over; an error
 * on either way is a 500, and nothing half-built is ever kept.
 */
int
api_answer_config(const struct peer *p, struct response *res)
{
	struct revocation_list revs = { NULL, 0 };
	struct meshconf_writer w;
	struct network net;
	char *text;
	size_t len;
	int rc;

	rc = store_config_cached(p->id, p->revision, MESHCONF_FORMAT, &text, &len);
	if (rc == DB_OK)
		return http_json_text(res, 200, text, len);
	if (rc != DB_NOTFOUND || store_network_get(&net) != DB_OK ||
	    store_revocation_list(&revs, 1) != DB_OK) {
		rows_revocation_list_free(&revs);
		return api_db_error(res);
	}
	/* Written as the rows come: no JSON tree, no list of links. */
	if (meshconf_text_begin(&w, p, &net) != 0) {
		meshconf_text_free(&w);
		rows_revocation_list_free(&revs);
		return http_error(res, 500, "internal", "out of memory");
	}
	if (store_links_each(p->id, write_link, &w) != DB_OK) {
		meshconf_text_free(&w);
		rows_revocation_list_free(&revs);
		return api_db_error(res);
	}
	rc = meshconf_text_end(&w, &revs, &text, &len);
	rows_revocation_list_free(&revs);
	if (rc != 0)
		return http_error(res, 500, "internal", "out of memory");
	snprintf(res->keep.peer, sizeof(res->keep.peer), "%s", p->id);
	res->keep.revision = p->revision;
	res->keep.format = MESHCONF_FORMAT;
	return http_json_text(res, 200, text, len);
}
