/* SPDX-License-Identifier: MIT */
/*
 * Pausing a peer without deleting it (issue 20): a disabled peer is in no
 * other peer's config and its own config lists no peers, while its key,
 * pairs, addresses, tags and signed statement stay as they are; enabling
 * it puts every pair back as it was. An expiry time pauses it by itself
 * (quota_expire_peers(), the responder's periodic look). Pausing is no
 * signed fact (docs/trust.md): it only takes links away.
 */
#include <stdio.h>

#include "api.h"

#define EXPIRES_IN_MAX (366 * 86400)    /* as an invite's */

int
api_expiry_field(struct json_object *obj, int64_t *at, int *set, struct response *res)
{
	int secs = 0, status;

	*at = 0;
	if ((status = api_int_field(obj, "expires_in", 1, EXPIRES_IN_MAX, &secs, set,
	                            res)) != 0)
		return status;
	if (*set && secs > 0)
		*at = store_now() + secs;
	return 0;
}

/* The peer of the path, accepted (a pending peer is in no config to leave):
 * 0, or 404/409/500 in res. The caller frees p. */
static int
load_accepted(struct peer *p, const char *id, struct response *res)
{
	int status = api_load_peer(p, id, res);

	if (status == 0 && !p->accepted)
		status = http_error(res, 409, "peer_pending",
		                    "peer %s is not accepted: there is nothing to pause", id);
	return status;
}

/* POST /admin/peers/{id}/disable: out of every config now. Disabling a
 * disabled peer changes nothing (no revision, no audit row). */
int
api_admin_peer_disable(const struct request *req, struct response *res)
{
	const char *id = req->params[0];
	struct json_object *detail;
	struct peer p;
	int status;

	if ((status = load_accepted(&p, id, res)) != 0)
		goto out;
	if (p.disabled_at == 0) {
		if (store_peer_set_disabled(id, store_now()) != DB_OK) {
			status = api_db_error(res);
			goto out;
		}
		detail = json_object_new_object();
		json_object_object_add(detail, "name", json_object_new_string(p.name));
		json_object_object_add(detail, "partners", json_object_new_int64((int64_t)p.pairs.n));
		api_log(res, "peer.disable", id, detail, NULL);
	}
	status = api_answer_peer_written(id, 200, res);
out:
	rows_peer_free(&p);
	return status;
}

/* POST /admin/peers/{id}/enable {expires_in?}: back in every config its
 * pairs name. The expiry is the one given, or none: an expired peer's old
 * expiry would pause it again at once. */
int
api_admin_peer_enable(const struct request *req, struct response *res)
{
	const char *id = req->params[0];
	struct json_object *detail;
	struct peer p;
	int64_t expires = 0;
	int status, set = 0;

	if (req->json != NULL && (status = api_expiry_field(req->json, &expires, &set, res)) != 0)
		return status;
	if ((status = load_accepted(&p, id, res)) != 0)
		goto out;
	if ((p.disabled_at != 0 && store_peer_set_disabled(id, 0) != DB_OK) ||
	    (p.expires_at != expires && store_peer_set_expiry(id, expires) != DB_OK)) {
		status = api_db_error(res);
		goto out;
	}
	if (p.disabled_at != 0 || p.expires_at != expires) {
		detail = json_object_new_object();
		json_object_object_add(detail, "name", json_object_new_string(p.name));
		json_object_object_add(detail, "expires_at", views_time(expires));
		api_log(res, p.disabled_at != 0 ? "peer.enable" : "peer.expiry", id, detail, NULL);
	}
	status = api_answer_peer_written(id, 200, res);
out:
	rows_peer_free(&p);
	return status;
}
