/* SPDX-License-Identifier: MIT */
/*
 * What the routes anyone may call can add to the database, bounded: who may
 * register (the registration mode), how many pending peers wait and for how
 * long, how often a peer may move its endpoint, and how long and how big the
 * audit log grows (old rows pruned, repeats coalesced). The settings live in
 * the network row (GET/PUT /admin/network). Every function but
 * quota_housekeep() runs inside the caller's transaction.
 */
#ifndef WGCONF_QUOTA_H
#define WGCONF_QUOTA_H

#include <stdint.h>
#include <json-c/json.h>

#include <stddef.h>

#include "audit.h"
#include "ipam.h"

enum quota_registration {
	QUOTA_OPEN,             /* anyone registers; lands pending (the default) */
	QUOTA_INVITE_ONLY,      /* only with a valid invite code */
	QUOTA_CLOSED,           /* nobody registers, invite or not */
};

struct quota {
	enum quota_registration registration;
	int64_t pending_expire_after;   /* s: a pending peer older than this goes */
	int64_t pending_max;            /* pending peers waiting at most (invites excepted) */
	int64_t endpoint_min_interval;  /* s between two endpoint changes by a peer */
	int64_t audit_max_age;          /* s: older audit rows are pruned */
	int64_t audit_max_rows;         /* the newest rows kept (an admin's only age out) */
	int64_t audit_coalesce_window;  /* s: a repeat within it counts, adds no row */
	int64_t pending_max_per_prefix; /* pending peers from one /24 or /48 at most */
};

/* Reads the settings. DB_OK or DB_ERROR. */
int quota_get(struct quota *q);

/* Writes them. DB_OK or DB_ERROR. */
int quota_put(const struct quota *q);

/* The integer settings one by one, for showing them: i-th's key and
 * value; -1 past the last. */
int quota_int(const struct quota *q, size_t i, const char **key, int64_t *v);

/* Why quota_from_json() refused a body. */
struct quota_error {
	const char *code;               /* static: invalid_registration, invalid_field */
	char message[160];
};

/* Takes the settings obj names (a PUT /admin/network body) into q; the
 * others stay. 0, or -1 with err naming the key and its range. */
int quota_from_json(struct json_object *obj, struct quota *q, struct quota_error *err);

/* "open", "invite-only", "closed". */
const char *quota_registration_name(enum quota_registration r);

/* Deletes the pending peers registered before now - pending_expire_after,
 * with one audit row (actor "system", action "peer.expire") when any went.
 * *n (may be NULL) gets how many. DB_OK or DB_ERROR. */
int quota_expire_pending(const struct quota *q, int64_t now, int *n);

/* How many peers wait for review. DB_OK or DB_ERROR. */
int quota_pending_count(int64_t *n);

/* The audit log's limits among the settings. */
void quota_audit_limits(const struct quota *q, struct audit_limits *lim);

/* The network a client address belongs to, for counting registrations:
 * "a.b.c.0/24" for IPv4 (also IPv4-mapped IPv6), the /48 for IPv6. 0, or -1
 * for NULL or a text that is no address. */
int quota_client_prefix(char out[IPAM_STRLEN], const char *addr);

/* How many peers registered from prefix wait for review. DB_OK or DB_ERROR. */
int quota_pending_count_from(const char *prefix, int64_t *n);

/* Peer id (pending) registered from prefix. DB_OK or DB_ERROR. */
int quota_pending_from_set(const char *id, const char *prefix);

/* May peer id change its endpoint now? DB_OK, or DB_CONFLICT with
 * *retry_after the seconds to wait. DB_ERROR. */
int quota_endpoint_allowed(const struct quota *q, const char *id, int64_t now,
                           int64_t *retry_after);

/* The peer changed its own endpoint (endpoint "" = behind NAT) at now. */
int quota_endpoint_set(const char *id, const char *endpoint, int64_t now);

/* The periodic check: expires pending peers and prunes the audit log in a
 * transaction of its own, taking the write lock only when something is due.
 * For the responder's loop, every few minutes. DB_OK or DB_ERROR. */
int quota_housekeep(int64_t now);

#endif
