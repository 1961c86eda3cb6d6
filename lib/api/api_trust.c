/* SPDX-License-Identifier: MIT */
/*
 * Signed statements, revocations and key rotation (docs/trust.md): the
 * server proposes, the admin signs offline, the server checks a signature
 * against its own proposal before it keeps it. None of this makes the
 * server trusted; it lets the hosts stop trusting it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "proposal.h"
#include "statement.h"

/* The network's signing key, decoded: 0, or 409 no_signing_key. */
static int
signing_key(const struct network *net, uint8_t pk[KEYS_LEN], struct response *res)
{
	if (keys_b64_decode_key(pk, net->signing_key) != 0)
		return http_error(res, 409, "no_signing_key",
		                  "set the network's signing_key before signing");
	return 0;
}

/* The "signature" member: 64 bytes of Ed25519 in standard base64. 0 or 400. */
static int
signature_field(struct json_object *obj, uint8_t sig[KEYS_SIG_LEN], struct response *res)
{
	struct json_object *v;
	size_t len = 0;

	if (!json_object_object_get_ex(obj, "signature", &v))
		return http_error(res, 400, "missing_field", "\"signature\" is required");
	if (!json_object_is_type(v, json_type_string) ||
	    json_object_get_string_len(v) != KEYS_SIG_B64_LEN - 1 ||
	    keys_b64_decode(sig, KEYS_SIG_LEN, &len, json_object_get_string(v)) != 0 ||
	    len != KEYS_SIG_LEN)
		return http_error(res, 400, "invalid_signature",
		                  "signature must be an Ed25519 signature: 64 bytes in base64");
	return 0;
}

/* Names for the pair ids a diff shows, looked up one by one: a diff names
 * few, a mesh may hold many. A peer gone has no name; a database error is
 * remembered, so that the answer is a 500 and never a diff short of names. */
struct names {
	char buf[4][VALIDATE_NAME_MAX + 1];
	unsigned next;
	int failed;
};

static const char *
name_of(const char *id, void *ctx)
{
	struct names *n = ctx;
	char *b = n->buf[n->next++ % 4];
	int rc = store_peer_name(id, b);

	if (rc == DB_ERROR)
		n->failed = 1;
	return rc == DB_OK ? b : NULL;
}

/* The statement of p as it would be signed now, as a 500 when the stored
 * record cannot make one (a row written behind the server's back). Caller
 * frees the text. */
static int
propose(const struct peer *p, const struct network *net, uint64_t version, char **text,
        size_t *len, struct response *res)
{
	if ((*text = proposal_text(p, net, version, len)) == NULL)
		return http_error(res, 500, "bad_statement", "peer %s's stored record does not "
		                  "make a valid statement: a value in the database is not "
		                  "valid", p->id);
	return 0;
}

/* The lines that changed between the signed statement and the proposal, as a
 * JSON array of strings. */
static struct json_object *
changes_json(const struct peer *p, const char *proposed, size_t len, struct names *names)
{
	struct statement old, now;
	struct json_object *arr = json_object_new_array();
	int have_old;
	char *diff, *line, *save = NULL;

	have_old = p->statement != NULL &&
	           statement_parse(&old, p->statement, strlen(p->statement), NULL) == 0;
	if (statement_parse(&now, proposed, len, NULL) != 0) {
		if (have_old)
			statement_free(&old);
		return arr;
	}
	diff = statement_diff(have_old ? &old : NULL, &now, name_of, names);
	for (line = diff ? strtok_r(diff, "\n", &save) : NULL; line != NULL;
	     line = strtok_r(NULL, "\n", &save))
		json_object_array_add(arr, json_object_new_string(line));
	free(diff);
	if (have_old)
		statement_free(&old);
	statement_free(&now);
	return arr;
}

int
api_admin_peer_statement(const struct request *req, struct response *res)
{
	struct names names = { .next = 0 };
	struct json_object *o;
	struct network net;
	struct peer p;
	char *text = NULL;
	size_t len;
	int status;

	if ((status = api_load_peer(&p, req->params[0], res)) != 0)
		goto out;
	if (!p.accepted) {
		status = http_error(res, 409, "peer_pending", "accept peer %s before signing it", p.id);
		goto out;
	}
	if (store_network_get(&net) != DB_OK) {
		status = api_db_error(res);
		goto out;
	}
	if ((status = propose(&p, &net, (uint64_t)p.signed_version + 1, &text, &len, res)) != 0)
		goto out;
	o = views_statement(&p, &net, text, len, changes_json(&p, text, len, &names));
	if (names.failed) {
		json_object_put(o);
		status = api_db_error(res);
		goto out;
	}
	status = http_json(res, 200, o);
out:
	free(text);
	rows_peer_free(&p);
	return status;
}

/*
 * Keeps the admin's signature of a peer's statement at a version. The
 * server rebuilds its proposal at that version and keeps the signature only
 * if it verifies over exactly those bytes under the network's signing key:
 * a typo, a stale proposal or another key is caught here rather than on
 * every host. Hosts check again under the key they trust, which is what
 * makes it worth having.
 */
int
api_admin_peer_signature(const struct request *req, struct response *res)
{
	const char *id = req->params[0];
	uint8_t sig[KEYS_SIG_LEN], pk[KEYS_LEN];
	struct json_object *v, *detail;
	struct network net;
	struct peer p;
	char *text = NULL;
	size_t len;
	int64_t version;
	int status;

	memset(&p, 0, sizeof(p));
	if (!json_object_object_get_ex(req->json, "version", &v))
		return http_error(res, 400, "missing_field", "\"version\" is required");
	if (!json_object_is_type(v, json_type_int) || (version = json_object_get_int64(v)) < 1 ||
	    (uint64_t)version > STATEMENT_VERSION_MAX)
		return http_error(res, 400, "invalid_version",
		                  "version must be an integer from 1 to 2^53");
	if ((status = signature_field(req->json, sig, res)) != 0 ||
	    (status = api_load_peer(&p, id, res)) != 0)
		goto out;
	if (!p.accepted) {
		status = http_error(res, 409, "peer_pending", "accept peer %s before signing it", id);
		goto out;
	}
	if (store_network_get(&net) != DB_OK) {
		status = api_db_error(res);
		goto out;
	}
	if ((status = signing_key(&net, pk, res)) != 0)
		goto out;
	if (version <= p.signed_version) {
		status = http_error(res, 409, "stale_version", "peer %s is signed at version %lld: "
		                    "a new signature needs a higher version", id,
		                    (long long)p.signed_version);
		goto out;
	}
	if ((status = propose(&p, &net, (uint64_t)version, &text, &len, res)) != 0)
		goto out;
	if (statement_verify(text, len, sig, pk) != 0) {
		status = http_error(res, 400, "invalid_signature", "the signature does not verify "
		                    "over peer %s's proposed statement at version %lld under the "
		                    "network's signing_key (fetch the statement again: it may "
		                    "have changed)", id, (long long)version);
		goto out;
	}
	if (store_peer_set_statement(id, version, text, sig) != DB_OK) {
		status = api_db_error(res);
		goto out;
	}
	detail = json_object_new_object();
	json_object_object_add(detail, "version", json_object_new_int64(version));
	api_log(res, "peer.sign", id, detail, NULL);
	status = api_answer_peer_written(id, 200, res);
out:
	free(text);
	rows_peer_free(&p);
	return status;
}

int
api_admin_revocations_list(const struct request *req, struct response *res)
{
	struct revocation_list l;
	struct json_object *o;

	(void)req;
	if (store_revocation_list(&l, 0) != DB_OK)
		return api_db_error(res);
	o = views_revocation_list(&l);
	rows_revocation_list_free(&l);
	return http_json(res, 200, o);
}

int
api_admin_revocation_signature(const struct request *req, struct response *res)
{
	const char *id = req->params[0];
	uint8_t sig[KEYS_SIG_LEN], pk[KEYS_LEN];
	struct json_object *detail;
	struct revocation r;
	struct network net;
	int status, rc;

	if ((status = signature_field(req->json, sig, res)) != 0)
		return status;
	rc = store_revocation_get(&r, id);
	if (rc == DB_NOTFOUND)
		return http_error(res, 404, "revocation_not_found", "no revocation with id \"%.32s\"", id);
	if (rc != DB_OK || store_network_get(&net) != DB_OK)
		return api_db_error(res);
	if ((status = signing_key(&net, pk, res)) != 0)
		return status;
	if (statement_verify(r.text, strlen(r.text), sig, pk) != 0)
		return http_error(res, 400, "invalid_signature", "the signature does not verify over "
		                  "revocation %s under the network's signing_key", id);
	if (store_revocation_sign(id, sig) != DB_OK || store_revocation_get(&r, id) != DB_OK)
		return api_db_error(res);
	detail = json_object_new_object();
	json_object_object_add(detail, "key", json_object_new_string(r.key));
	json_object_object_add(detail, "peer_id", json_object_new_string(r.peer_id));
	api_log(res, "revocation.sign", id, detail, NULL);
	return http_json(res, 200, views_revocation(&r));
}

/* 409 when key is revoked, in use or asked for by another peer than id. */
static int
key_free(const char *key, const char *id, struct response *res)
{
	int rc = store_key_revoked(key);

	if (rc == DB_OK)
		return http_error(res, 409, "key_revoked", "public key %s was revoked: it cannot "
		                  "come back (make a new key)", key);
	if (rc != DB_NOTFOUND)
		return api_db_error(res);
	if ((rc = store_peer_key_taken(key, id)) == DB_OK)
		return http_error(res, 409, "public_key_taken",
		                  "another peer has or asked for this public key");
	return rc == DB_NOTFOUND ? 0 : api_db_error(res);
}

int
api_peer_key(const struct request *req, struct response *res)
{
	const char *key = NULL;
	struct json_object *v, *detail;
	uint8_t pk[KEYS_LEN];
	struct peer p;
	int status;

	memset(&p, 0, sizeof(p));
	if (!json_object_object_get_ex(req->json, "public_key", &v))
		return http_error(res, 400, "missing_field", "\"public_key\" is required");
	if (json_object_is_type(v, json_type_string))
		key = json_object_get_string(v);
	if ((status = api_public_key("public_key", key, pk, res)) != 0)
		return status;
	if ((status = api_load_peer(&p, req->peer_id, res)) != 0)
		goto out;
	if (!p.accepted) {
		status = http_error(res, 409, "peer_pending", "this peer waits for an admin to "
		                    "accept it: register again with the new key instead");
		goto out;
	}
	if (strcmp(key, p.public_key) == 0) {
		status = http_error(res, 409, "same_key", "that is this peer's key already");
		goto out;
	}
	if ((status = key_free(key, p.id, res)) != 0)
		goto out;
	if (store_peer_set_pending_key(p.id, key) != DB_OK) {
		status = api_db_error(res);
		goto out;
	}
	detail = json_object_new_object();
	json_object_object_add(detail, "pending_key", json_object_new_string(key));
	api_log(res, "peer.key_request", p.id, detail, NULL);
	status = api_answer_peer(p.id, 202, res);
out:
	rows_peer_free(&p);
	return status;
}

int
api_revoke_key(const struct peer *p, struct json_object *detail, struct response *res)
{
	struct network net;
	char rid[PEER_ID_LEN], key[KEYS_B64_LEN];

	if (store_network_get(&net) != DB_OK)
		return api_db_error(res);
	/* Only a key some host may have trusted needs revoking. */
	if (net.signing_key[0] == '\0' || p->signed_version < 1)
		return 0;
	/* A key kept from before the one-spelling rule is revoked as the key
	 * X25519 sees: a revocation of its other spelling would not parse. */
	if (keys_public_canonical(key, p->public_key) != 0 ||
	    store_revocation_add(&net, key, p->id, p->name, rid) != DB_OK)
		return api_db_error(res);
	if (detail != NULL && rid[0] != '\0')
		json_object_object_add(detail, "revocation", json_object_new_string(rid));
	return 0;
}

int
api_admin_peer_accept_key(const struct request *req, struct response *res)
{
	const char *id = req->params[0];
	struct json_object *detail = NULL;
	char old[KEYS_B64_LEN], newkey[KEYS_B64_LEN];
	uint8_t pk[KEYS_LEN];
	struct peer p;
	int status;

	if ((status = api_load_peer(&p, id, res)) != 0)
		goto out;
	if (p.pending_key[0] == '\0') {
		status = http_error(res, 409, "no_pending_key", "peer %s has not asked for a new key "
		                    "(wgconf rotate on that host)", id);
		goto out;
	}
	memcpy(old, p.public_key, sizeof(old));
	memcpy(newkey, p.pending_key, sizeof(newkey));
	/* One asked for before the one-spelling rule may not be canonical. */
	if ((status = api_public_key("pending_key", newkey, pk, res)) != 0 ||
	    (status = key_free(newkey, id, res)) != 0)
		goto out;
	detail = json_object_new_object();
	json_object_object_add(detail, "old_key", json_object_new_string(old));
	json_object_object_add(detail, "new_key", json_object_new_string(newkey));
	if ((status = api_revoke_key(&p, detail, res)) != 0)
		goto out;
	/* Its key is in every partner's config, and each pair's key is new:
	 * both touch it and its partners. */
	if (store_peer_take_pending_key(id) != DB_OK) {
		status = api_db_error(res);
		goto out;
	}
	memcpy(p.public_key, newkey, sizeof(p.public_key));
	for (size_t i = 0; i < p.pairs.n; i++)
		if (store_pair_reseal(&p, p.pairs.v[i]) != DB_OK) {
			status = api_db_error(res);
			goto out;
		}
	json_object_object_add(detail, "pairs", json_object_new_int((int)p.pairs.n));
	api_log(res, "peer.key_accept", id, detail, NULL);
	detail = NULL;
	status = api_answer_peer_written(id, 200, res);
out:
	json_object_put(detail);
	rows_peer_free(&p);
	return status;
}
