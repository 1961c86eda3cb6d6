/* SPDX-License-Identifier: MIT */
/*
 * Many statements at once (docs/trust.md): what `wgconf admin sign --all`
 * reads and writes, so that signing a thousand peers is a few requests,
 * not two a peer (each one checked by nginx against a bcrypt password).
 * Each signature is checked exactly as PUT /admin/peers/{id}/signature
 * checks one; a batch is kept whole or not at all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "policy_view.h"
#include "proposal.h"
#include "text.h"

#define SIGNATURES_MAX 300      /* a batch: some 150 bytes each, under the 64 KiB body */

/* The entries of a page: the peers with changes to sign. */
static int
page_entries(const struct peer_list *list, const struct network *net, struct json_object *arr,
             struct response *res)
{
	for (size_t i = 0; i < list->n; i++) {
		struct json_object *e;

		if (!proposal_unsigned_changes(&list->v[i], net))
			continue;
		if ((e = views_statement_entry(&list->v[i], net)) == NULL)
			return http_error(res, 500, "bad_statement", "peer %s's stored record does not "
			                  "make a valid statement", list->v[i].id);
		json_object_array_add(arr, e);
	}
	return 0;
}

/*
 * GET /admin/statements: a page of accepted peers, hosts and devices alike
 * (?limit=, ?cursor= as for /admin/peers), and of them the ones with
 * changes to sign under the signing key, each with its proposal and its
 * last signed statement.
 */
int
api_admin_statements_list(const struct request *req, struct response *res)
{
	struct store_page pg = { .state = "accepted", .kind = "all" };
	struct json_object *o, *arr;
	struct peer_list list;
	struct network net;
	char after[PEER_ID_LEN], cursor[48];
	int status, more;

	if ((status = api_page_limit(req, &pg.limit, res)) != 0 ||
	    (status = api_peers_cursor(http_query(req, "cursor"), &pg, after, res)) != 0)
		return status;
	if (store_network_get(&net) != DB_OK || store_peer_page(&list, &pg, &more) != DB_OK)
		return api_db_error(res);
	arr = json_object_new_array();
	if ((status = page_entries(&list, &net, arr, res)) != 0) {
		json_object_put(arr);
		rows_peer_list_free(&list);
		return status;
	}
	o = json_object_new_object();
	json_object_object_add(o, "statements", arr);
	if (more && list.n > 0) {
		snprintf(cursor, sizeof(cursor), "%lld.%s",
		         (long long)list.v[list.n - 1].created_at, list.v[list.n - 1].id);
		json_object_object_add(o, "next_cursor", json_object_new_string(cursor));
	} else {
		json_object_object_add(o, "next_cursor", NULL);
	}
	rows_peer_list_free(&list);
	return http_json(res, 200, o);
}

/* One {"id", "version", "signature"} of the batch (exactly those keys),
 * kept. 0 or the error status, naming the entry. */
static int
sign_entry(struct json_object *e, size_t i, const struct network *net, struct response *res)
{
	uint8_t sig[KEYS_SIG_LEN];
	struct json_object *id;
	int64_t version = 0;
	int status;

	if (!json_object_is_type(e, json_type_object) || json_object_object_length(e) != 3 ||
	    !json_object_object_get_ex(e, "id", &id) || !json_object_is_type(id, json_type_string) ||
	    !text_safe_token(json_object_get_string(id), PEER_ID_LEN - 1))
		return http_error(res, 400, "invalid_signatures", "signatures[%zu] is not {\"id\", "
		                  "\"version\", \"signature\"}", i);
	if ((status = api_version_field(e, &version, res)) != 0 ||
	    (status = api_signature_field(e, sig, res)) != 0 ||
	    (status = api_sign_statement(json_object_get_string(id), version, sig, net, res)) != 0)
		return status;
	return 0;
}

/*
 * PUT /admin/signatures {"signatures": [{"id", "version", "signature"}, ...]}
 * (1 to 300): every one checked as PUT /admin/peers/{id}/signature checks
 * it, and kept only if all are (else the first error, and nothing kept).
 * Answer {"signed": [{"id", "signed_version"}, ...]}; one audit entry.
 */
int
api_admin_signatures_put(const struct request *req, struct response *res)
{
	struct json_object *arr, *signed_arr, *detail, *o;
	struct network net;
	size_t n;
	int status;

	if (!json_object_object_get_ex(req->json, "signatures", &arr) ||
	    !json_object_is_type(arr, json_type_array) || (n = json_object_array_length(arr)) < 1 ||
	    n > SIGNATURES_MAX)
		return http_error(res, 400, "invalid_signatures", "\"signatures\" must be a list of "
		                  "1 to %d {\"id\", \"version\", \"signature\"}", SIGNATURES_MAX);
	if (store_network_get(&net) != DB_OK)
		return api_db_error(res);
	signed_arr = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);
		if ((status = sign_entry(e, i, &net, res)) != 0) {
			json_object_put(signed_arr);
			return status;
		}
		o = json_object_new_object();
		json_object_object_add(o, "id", json_object_get(json_object_object_get(e, "id")));
		json_object_object_add(o, "signed_version",
		                       json_object_get(json_object_object_get(e, "version")));
		json_object_array_add(signed_arr, o);
	}
	detail = json_object_new_object();
	json_object_object_add(detail, "count", json_object_new_int64((int64_t)n));
	api_log(res, "peers.sign", NULL, detail, NULL);
	o = json_object_new_object();
	json_object_object_add(o, "signed", signed_arr);
	return http_json(res, 200, o);
}
