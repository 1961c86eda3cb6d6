/* SPDX-License-Identifier: MIT */
/* The data model: peers and the network settings, as rows become structs. */
#ifndef WGCONF_ROWS_H
#define WGCONF_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "ipam.h"
#include "keys.h"
#include "validate.h"

#define PEER_ID_LEN 17          /* 16 hex digits and a NUL */
#define TAG_MAX     32          /* bytes of a tag: [a-z0-9_-] */
#define TAGS_MAX    16          /* tags on one peer */

/* A list of short strings (CIDRs, peer ids), each owned by the list. */
struct strlist {
	char **v;
	size_t n;
};

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
	char pending_key[KEYS_B64_LEN];         /* asked for by POST /peer/key; "" = none */
	int64_t signed_version;                 /* 0 = never signed */
	char *statement;                        /* the last signed statement text, owned; NULL = none */
	uint8_t statement_sig[KEYS_SIG_LEN];    /* the admin's signature of it */
	int64_t revision;
	int64_t created_at;
	int64_t last_seen;                      /* 0 = never */
	int relay;                              /* an admin lets it relay, or it is a
	                                         * gateway of devices */
	int relay_refused;                      /* its host said it may not */
	int64_t disabled_at;                    /* paused since (in no config); 0 = not */
	int64_t expires_at;                     /* paused by the periodic check then; 0 = never */
	struct peer_traffic {                   /* what it reported of its links (admin views) */
		int reported;                   /* 0: no report (the rest is 0) */
		int64_t rx, tx, latest_handshake;
	} traffic;
	struct strlist networks;                /* routed networks, in order */
	struct strlist pairs;                   /* ids of paired peers, sorted */
	struct strlist explicit_pairs;          /* those an admin paired, sorted */
	struct strlist tags;                    /* sorted */
	struct strlist vias;                    /* "RELAY/PARTNER" of its relayed pairs, sorted */
};

/* Many peers, owned by the list. */
struct peer_list {
	struct peer *v;
	size_t n;
};

/* One pair as a peer sees it: the other end and the preshared key sealed
 * to this peer, KEYS_SEALED_LEN or KEYS_BOX_LEN bytes (boxlen 0 when
 * absent). */
struct link {
	struct peer other;
	unsigned char box[KEYS_BOX_LEN];
	int boxlen;
	/* The partners reached through other, a relay (docs/relays.md): their
	 * addresses and networks go into other's AllowedIPs. Not owned. */
	const struct peer *relayed;
	size_t n_relayed;
};

struct network {
	char ipv4_pool[IPAM_STRLEN];
	char ipv6_pool[IPAM_STRLEN];            /* "" = none */
	int mtu;                                /* 0 = unset */
	int keepalive;
	char dns[1024];                         /* JSON array text */
	char signing_key[KEYS_B64_LEN];         /* "" = peers are not signed */
	char mesh_id[33];                       /* 32 hex digits: what statements name */
};

/* A key that must never come back (docs/trust.md), and its signature once
 * the admin made it. */
struct revocation {
	char id[PEER_ID_LEN];
	char key[KEYS_B64_LEN];
	char peer_id[PEER_ID_LEN];
	char peer_name[VALIDATE_NAME_MAX + 1];
	char text[160];                         /* statement_revocation_format() */
	uint8_t sig[KEYS_SIG_LEN];
	int has_sig;
	int64_t created_at;
};

struct revocation_list {
	struct revocation *v;
	size_t n;
};

/* The admin-signed policy (docs/trust.md) as last signed: its text names
 * its version. */
struct policy_row {
	int64_t signed_version;                 /* 0 = never signed */
	char *text;                             /* owned; NULL = none */
	uint8_t sig[KEYS_SIG_LEN];
};

/* True when s is a tag: 1 to TAG_MAX of a-z, 0-9, '_' and '-'. */
int rows_tag_valid(const char *s);

/* Appends a copy of s: 0, or -1 out of memory. */
int rows_strlist_add(struct strlist *l, const char *s);

/* The free functions accept NULL and leave a zeroed, reusable value. */
void rows_strlist_free(struct strlist *l);
void rows_peer_free(struct peer *p);
void rows_peer_list_free(struct peer_list *l);
void rows_revocation_list_free(struct revocation_list *l);
void rows_policy_free(struct policy_row *p);

#endif
