/* SPDX-License-Identifier: MIT */
/* The data model: peers and the network settings, as rows become structs. */
#ifndef WGCONF_MODEL_H
#define WGCONF_MODEL_H

#include <stdint.h>
#include <json-c/json.h>

#include "ipam.h"
#include "keys.h"
#include "validate.h"

#define PEER_ID_LEN 17          /* 16 hex digits and a NUL */

struct peer {
	char id[PEER_ID_LEN];
	char name[VALIDATE_NAME_MAX + 1];
	int accepted;                           /* 0 = pending */
	char public_key[KEYS_B64_LEN];
	char endpoint[VALIDATE_ENDPOINT_MAX + 1];   /* "" = behind NAT */
	int listen_port;                        /* 0 = none */
	int keepalive;                          /* -1 = network default */
	char addr4[IPAM_STRLEN];                /* "" = none */
	char addr6[IPAM_STRLEN];
	uint8_t signature[KEYS_SIG_LEN];        /* admin's, over record_signed_text() */
	int has_signature;
	int64_t revision;
	int64_t created_at;
	int64_t last_seen;                      /* 0 = never */
};

struct network {
	char ipv4_pool[IPAM_STRLEN];
	char ipv6_pool[IPAM_STRLEN];            /* "" = none */
	int mtu;                                /* 0 = unset */
	int keepalive;
	char dns[1024];                         /* JSON array text */
	char signing_key[KEYS_B64_LEN];         /* "" = peers are not signed */
};

/* Loads one peer by id: DB_OK, DB_NOTFOUND or DB_ERROR. */
int store_peer_get(struct peer *p, const char *id);

/* The admin's view of a peer, with networks and pairs. Caller owns it; NULL on error. */
struct json_object *store_peer_json(const struct peer *p);

/* The first column of every row of sql (a static string: the statement is
 * cached), with ?1 bound to bind unless NULL, as a JSON array of strings.
 * Callers that query row by row must collect first and look up after, since
 * statements are shared. Caller owns it; NULL on a database error. */
struct json_object *store_strings(const char *sql, const char *bind);

/* Routed networks of a peer as a JSON array of strings. Caller owns it. */
struct json_object *store_peer_networks(const char *id);

int store_network_get(struct network *n);
struct json_object *store_network_json(const struct network *n);

/* Stamps a new revision on peer id and every peer paired with it (their view
 * of it changed); with id NULL, on every peer. DB_OK or DB_ERROR. */
int store_bump(const char *id);

/* Appends to the audit log; detail (may be NULL) is not consumed. */
int store_audit(const char *actor, const char *action, const char *target,
                struct json_object *detail);

/* Seconds since the epoch, and RFC 3339 UTC text for it (NULL JSON for 0). */
int64_t store_now(void);
struct json_object *store_time_json(int64_t t);

#endif
