/* SPDX-License-Identifier: MIT */
/*
 * The signed policy (docs/trust.md): the rule set as one document the admin
 * signs offline, so that a rule is one signature whatever the number of
 * pairs it makes. As for statements, the server proposes, and keeps a
 * signature only when it verifies over its own proposal at that version.
 */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "policy_view.h"
#include "proposal.h"

/* What the proposal needs: the network, the rules, the policy as signed.
 * 0, or a 500. */
static int
load(struct network *net, struct strlist *rules, struct policy_row *row, struct response *res)
{
	memset(rules, 0, sizeof(*rules));
	memset(row, 0, sizeof(*row));
	if (store_network_get(net) != DB_OK || store_policy_rules(rules) != DB_OK ||
	    store_policy_get(row) != DB_OK)
		return api_db_error(res);
	return 0;
}

/* The proposal at version, or a 500 when a stored rule does not make one. */
static int
propose(const struct strlist *rules, const struct network *net, uint64_t version, char **text,
        size_t *len, struct response *res)
{
	if ((*text = proposal_policy_text(rules, net, version, len)) == NULL)
		return http_error(res, 500, "bad_policy", "the stored rules do not make a valid "
		                  "policy: a value in the database is not valid");
	return 0;
}

int
api_admin_policy_get(const struct request *req, struct response *res)
{
	struct network net;
	struct strlist rules;
	struct policy_row row;
	struct json_object *o;
	int status;

	(void)req;
	if ((status = load(&net, &rules, &row, res)) != 0)
		goto out;
	if ((o = views_policy(&row, &rules, &net)) == NULL)
		status = http_error(res, 500, "bad_policy", "the stored rules do not make a valid "
		                    "policy: a value in the database is not valid");
	else
		status = http_json(res, 200, o);
out:
	rows_strlist_free(&rules);
	rows_policy_free(&row);
	return status;
}

/* {"version"} of the body: 1..2^53. 0 or 400. */
static int
version_field(struct json_object *obj, int64_t *version, struct response *res)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, "version", &v))
		return http_error(res, 400, "missing_field", "\"version\" is required");
	if (!json_object_is_type(v, json_type_int) || (*version = json_object_get_int64(v)) < 1 ||
	    (uint64_t)*version > STATEMENT_VERSION_MAX)
		return http_error(res, 400, "invalid_version",
		                  "version must be an integer from 1 to 2^53");
	return 0;
}

/* Keeps the admin's signature of the policy at a version: only over the
 * server's own proposal at that version, under the network's key, above
 * the version signed before. Every host's config then carries it. */
int
api_admin_policy_signature(const struct request *req, struct response *res)
{
	uint8_t sig[KEYS_SIG_LEN], pk[KEYS_LEN];
	struct json_object *detail, *o;
	struct network net;
	struct strlist rules = { 0 };
	struct policy_row row = { 0 };
	char *text = NULL;
	size_t len;
	int64_t version = 0;
	int status;

	if ((status = version_field(req->json, &version, res)) != 0 ||
	    (status = api_signature_field(req->json, sig, res)) != 0 ||
	    (status = load(&net, &rules, &row, res)) != 0 ||
	    (status = api_signing_key(&net, pk, res)) != 0)
		goto out;
	if (version <= row.signed_version) {
		status = http_error(res, 409, "stale_version", "the policy is signed at version "
		                    "%lld: a new signature needs a higher version",
		                    (long long)row.signed_version);
		goto out;
	}
	if ((status = propose(&rules, &net, (uint64_t)version, &text, &len, res)) != 0)
		goto out;
	if (statement_verify(text, len, sig, pk) != 0) {
		status = http_error(res, 400, "invalid_signature", "the signature does not verify "
		                    "over the proposed policy at version %lld under the network's "
		                    "signing_key (fetch the policy again: the rules may have "
		                    "changed)", (long long)version);
		goto out;
	}
	if (store_policy_sign(version, text, sig) != DB_OK) {
		status = api_db_error(res);
		goto out;
	}
	detail = json_object_new_object();
	json_object_object_add(detail, "version", json_object_new_int64(version));
	json_object_object_add(detail, "rules", json_object_new_int64((int64_t)rules.n));
	api_log(res, "policy.sign", NULL, detail, NULL);
	o = json_object_new_object();
	json_object_object_add(o, "signed_version", json_object_new_int64(version));
	status = http_json(res, 200, o);
out:
	free(text);
	rows_strlist_free(&rules);
	rows_policy_free(&row);
	return status;
}
