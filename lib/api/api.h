/* SPDX-License-Identifier: MIT */
#ifndef WGCONF_API_H
#define WGCONF_API_H

#include "http.h"
#include "rows.h"
#include "store.h"
#include "views.h"

#define API_PREFIX "/api/v1"

/* Answers one request: routes it, checks its query and body against the
 * route's allow-lists, authenticates it, runs its handler inside one
 * transaction and leaves res with a status and (unless 204/304) a JSON
 * body, errors included. The caller frees res with http_response_free().
 * Never fails otherwise. */
void api_handle(struct request *req, struct response *res);

/*
 * A handler reads and writes through lib/store/ inside the transaction the
 * dispatcher opened (a read snapshot for GET, BEGIN IMMEDIATE for a route
 * that writes), and returns an HTTP status with res filled. The store's
 * writes touch the peers whose configs they change (lib/store/revisions.h);
 * a handler says what it did with api_log(); the dispatcher then stamps
 * the revisions, writes the audit entry and commits. An error status
 * (>= 400) rolls everything back, so a handler just returns it.
 */
typedef int api_handler(const struct request *req, struct response *res);

/* api_peer.c: what anyone or a peer may do. */
api_handler api_health, api_register, api_peer_get, api_peer_config,
	api_peer_endpoint, api_peer_delete, api_peer_watch_auth, api_watch_none;
/* api_admin_peers.c */
api_handler api_admin_peers_list, api_admin_peer_get, api_admin_peer_patch,
	api_admin_peer_delete, api_admin_peer_accept, api_admin_peer_reject,
	api_admin_peer_config;
/* api_trust.c: signed statements, revocations, key rotation (docs/trust.md) */
api_handler api_admin_peer_statement, api_admin_peer_signature, api_admin_revocations_list,
	api_admin_revocation_signature, api_peer_key, api_admin_peer_accept_key;
/* api_policy.c: the signed policy (docs/trust.md) */
api_handler api_admin_policy_get, api_admin_policy_signature;
/* api_jobs.c: pairs made in the background (lib/store/jobs.h) */
api_handler api_admin_jobs_list;
/* api_signatures.c: many statements at once (wgconf admin sign --all) */
api_handler api_admin_statements_list, api_admin_signatures_put;

/* One batch of the oldest running pair job, between requests: 1 a batch
 * was done (there may be more), 0 no job runs, -1 an error. */
int api_jobs_work(void);

/* True when a pair job runs. */
int api_jobs_running(void);

/* A responder's sealer: a thread at nice 10 with a database connection of
 * its own (db_path, kept: the configuration's) that makes the pairs of
 * every job, so that the responder's own thread only answers. NULL when
 * it cannot be made (then api_jobs_work() between requests). */
struct api_sealer;
struct api_sealer *api_sealer_start(const char *db_path);
/* api_pause.c: a peer out of every config and back (issue 20) */
api_handler api_admin_peer_disable, api_admin_peer_enable;
/* api_admin_reject.c: bulk reject of pending peers */
api_handler api_admin_peers_reject;
/* api_pairs.c */
api_handler api_admin_pairs_list, api_admin_pair_put, api_admin_pair_delete;
/* api_rules.c */
api_handler api_admin_rules_list, api_admin_rule_create, api_admin_rule_delete;
/* api_network.c */
api_handler api_admin_network_get, api_admin_network_put;
/* api_invites.c */
api_handler api_admin_invites_list, api_admin_invite_create, api_admin_invite_delete;
/* api_audit.c */
api_handler api_admin_audit;
/* api_links.c: link reports from peers, link status for admins */
api_handler api_peer_links_put, api_admin_links;
/* api_metrics.c */
api_handler api_admin_metrics;
/* api_import.c: a whole network out (no secrets) and in (one transaction),
 * and an imported peer's host taking it over */
api_handler api_admin_export, api_admin_import, api_adopt;

/* An optional "label" of obj (may be NULL): 1 to INVITE_LABEL_MAX printable
 * characters into *label (NULL when absent; points into obj), or 400. */
int api_label_field(struct json_object *obj, const char **label, struct response *res);

/* api_devices.c: device invites, the join page's routes, devices */
api_handler api_admin_device_invites_list, api_admin_device_invite_create,
	api_admin_device_invite_delete, api_admin_devices_list, api_admin_device_delete,
	api_admin_device_reissue, api_join_info, api_join;

/* Checks an invite code and uses it up once: 0 with *use filled, or 403 in
 * res. */
int api_use_invite(const char *code, struct response *res, struct invite_use *use);

/* The age past which a link's latest handshake is stale: 180 s, or
 * WGCONFSRV_LINK_STALE_SECONDS (1 s to 7 days). */
int64_t api_link_stale_after(void);

/* Every pair's relay brought to what the rows say now (lib/store/relays.h),
 * audited as "relay.route" by "server" when it moved something. Inside a
 * write, before its revisions are stamped. DB_OK or DB_ERROR. */
int api_relays_refresh(void);

/* The same in a write of its own, for the responder's periodic check (a
 * relay gone quiet is noticed with no write meanwhile). */
void api_relays_housekeep(void);

/* "up", "stale" or "never" for a pair whose sides last saw handshakes at
 * hs_a and hs_b (0 = never). */
const char *api_link_status(int64_t hs_a, int64_t hs_b, int64_t now, int64_t stale_after);

/* Per-process request counters, by route (api.c): route i's method and
 * pattern, requests and answers >= 400 since this process started; -1
 * past the last route. The last index is for requests no route took (method "", pattern "unrouted"). */
int api_route_stats(size_t i, const char **method, const char **pattern,
                    uint64_t *requests, uint64_t *errors);

/* Shared by handlers (api_common.c; addresses and networks api_addresses.c;
 * the config answer api_config.c). */

/* Validates networks (a JSON array of CIDR strings, may be NULL = none) for
 * peer id: canonical form into out (caller owns), 400 for a bad value, 409
 * when one overlaps the pools or another peer's networks. 0 when fine. */
int api_check_networks(struct json_object *in, const char *id,
                       struct json_object **out, struct response *res);

/* Replaces the networks of a peer with the array nets (canonical strings). */
int api_store_networks(const char *id, struct json_object *nets, struct response *res);

/* Assigns tunnel addresses: `want` is an address string or NULL for the
 * pool's next free one; also takes an IPv6 one when that pool is set and the
 * peer has none. 0, or an error status in res. */
int api_assign_addresses(const char *id, const char *want, struct response *res);

/* A public key that enters (field names it in the message): keys_parse_public()
 * into pk, or 400 invalid_public_key saying why. key may be NULL. */
int api_public_key(const char *field, const char *key, uint8_t pk[KEYS_LEN],
                   struct response *res);

/* Reads an optional endpoint field ("host:port", "[v6]:port", null or "nat")
 * into out ("" for NAT). 0 or 400. */
int api_parse_endpoint(struct json_object *v, char *out, size_t outsz, struct response *res);

/* Reads an optional integer field within [lo, hi]: 0 when absent (*set=0),
 * 0 with *set=1 and *val, or 400 naming the field. Null gives *val = -1. */
int api_int_field(struct json_object *obj, const char *key, int lo, int hi,
                  int *val, int *set, struct response *res);

/* Reads the optional "expires_in" field (seconds from now, 1 to 366
 * days; null: none) into *at (0: none) and *set (present at all): 0, or
 * 400 in res (api_pause.c). */
int api_expiry_field(struct json_object *obj, int64_t *at, int *set, struct response *res);

/* Loads the peer named by the path id: 0, 404 or 500 in res. The caller
 * frees p with rows_peer_free() in every case. */
int api_load_peer(struct peer *p, const char *id, struct response *res);

/* Answers status with the view of peer id (read again: after a write, what
 * is stored now). */
int api_answer_peer(const char *id, int status, struct response *res);

/* For a write: answers status with the view of peer id as it is once the
 * dispatcher has stamped the new revisions (so its revision and ETag are
 * the ones a following If-Match must name). */
int api_answer_peer_written(const char *id, int status, struct response *res);

/* Answers 200 with the config accepted peer p gets (one read snapshot: the
 * dispatcher's transaction), or 500 on any database error: never a
 * smaller config. */
int api_answer_config(const struct peer *p, struct response *res);

/* The admin lists' pages: ?limit= (1 to API_PAGE_MAX, API_PAGE_DEF when
 * absent) into *limit, or 400 invalid_limit. */
#define API_PAGE_DEF 100
#define API_PAGE_MAX 1000
int api_page_limit(const struct request *req, size_t *limit, struct response *res);

/* Runs fn with a buffer for a secret shown once (a token, an invite code)
 * and wipes the buffer on every way out. */
typedef int api_secret_handler(const struct request *req, struct response *res,
                               char secret[KEYS_TOKEN_LEN]);
int api_with_secret(const struct request *req, struct response *res, api_secret_handler *fn);

/* Pairs a and b (a->id < b->id; id and public_key are read) explicitly,
 * as an admin or an import does. 0, or an error status in res. */
int api_pair_make(const struct peer *a, const struct peer *b, int64_t now,
                  struct response *res);

/* Gives peer id exactly the address want (one IP, no prefix), which must
 * be a free host address of its family's pool; no other address is
 * assigned. 0, or 400/409 naming it. */
int api_assign_address_exact(const char *id, const char *want, struct response *res);

/* Under a signing key, makes the pending revocation of p's key when it was
 * ever signed (a peer deleted, a key replaced); its id goes into detail
 * (may be NULL) as "revocation". 0 or 500. */
int api_revoke_key(const struct peer *p, struct json_object *detail, struct response *res);

/* Tags and rules (api_rules.c). */

/* Makes peer id's pairs what the rules say (store_rules_sync_peer()):
 * *changed (may be NULL) pairs made or dropped here (more than
 * RULE_INLINE_MAX: in the background). 0, or 500. */
int api_rules_sync_peer(const char *id, size_t *changed, struct response *res);

/* A "tags" value: a list of 1 to TAGS_MAX distinct tags, sorted into out
 * (caller frees, also after an error). 0 or 400. */
int api_tags_parse(struct json_object *v, struct strlist *out, struct response *res);

/* 500: the handlers' single way out of a database error (the dispatcher
 * rolls back). */
int api_db_error(struct response *res);

/* The network's signing key, decoded: 0, or 409 no_signing_key. */
int api_signing_key(const struct network *net, uint8_t pk[KEYS_LEN], struct response *res);

/* The body's "signature" member: 64 bytes of Ed25519 in standard base64
 * into sig. 0 or 400. */
int api_signature_field(struct json_object *obj, uint8_t sig[KEYS_SIG_LEN],
                        struct response *res);

/* The body's "version" member: 1..2^53. 0 or 400. */
int api_version_field(struct json_object *obj, int64_t *version, struct response *res);

/* Keeps sig as peer id's statement at version, when it verifies over the
 * server's proposal at that version under net's signing key (api_trust.c).
 * 0 or the error status (404, 409 peer_pending, no_signing_key,
 * stale_version, 400 invalid_signature, 500). */
int api_sign_statement(const char *id, int64_t version, const uint8_t sig[KEYS_SIG_LEN],
                       const struct network *net, struct response *res);

/* A peers cursor "CREATED.ID" (next_cursor of /admin/peers) into pg; id
 * holds its id. 0, or 400 invalid_cursor. */
int api_peers_cursor(const char *v, struct store_page *pg, char id[PEER_ID_LEN],
                     struct response *res);

/* The audit entry of a write: action (a static string) on target (may be
 * NULL) with detail (consumed; may be NULL). actor overrides the request's
 * actor when not NULL (a new peer registers itself). */
void api_log(struct response *res, const char *action, const char *target,
             struct json_object *detail, const char *actor);

#endif
