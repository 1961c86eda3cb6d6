/* SPDX-License-Identifier: MIT */
/*
 * What a peer routes (tables addresses and networks): its tunnel addresses
 * and the networks behind it. Both are in every partner's config (its
 * AllowedIPs) and in its own, so each write here touches the peer and its
 * partners (lib/store/revisions.h).
 */
#ifndef WGCONF_ADDRESSES_H
#define WGCONF_ADDRESSES_H

#include <stddef.h>

#include "ipam.h"
#include "result.h"
#include "rows.h"

/* Host addresses of family held by peers other than id, into *out (the
 * caller frees it, also after an error). DB_OK or DB_ERROR: an address
 * missed here could be handed out twice. */
int store_addresses_taken(int family, const char *id, struct cidr **out, size_t *n);

/*
 * The lowest free host address of pool, found from its hint: the table
 * address_hints says, per family and pool, that every host address below
 * `low` is taken (any address freed drops it: schema.sql's triggers), so the
 * free one is looked for from there through the UNIQUE index, a few
 * lookups, not by reading every address (an accept was O(peers)).
 * DB_NOTFOUND when there is no hint for this pool or the addresses after
 * it are taken as far as it looks: then store_addresses_taken() and
 * ipam_allocate(). Inside the write transaction that takes the address.
 */
int store_address_next(const struct cidr *pool, struct cidr *out);

/* After got, the lowest free host address of pool, was taken: every host
 * address of pool up to got is taken now. */
int store_address_hint(const struct cidr *pool, const struct cidr *got);

/* Gives peer id address a (of a's family, replacing the one it had).
 * DB_OK, DB_CONFLICT when another peer holds it, DB_ERROR. */
int store_address_set(const char *id, const struct cidr *a);

/* The first assigned address of family (who[] its peer's name) not a host
 * address of pool: DB_CONFLICT with what and who, DB_OK when there is none. */
int store_addresses_outside(const struct cidr *pool, int family, char what[IPAM_STRLEN],
                            char who[VALIDATE_NAME_MAX + 1]);

/* The first routed network of a peer other than id (NULL: of any peer) that
 * overlaps one of nets[n]: DB_CONFLICT with *which (its index in nets),
 * what (the network) and who (its peer's name); DB_OK when none does. */
int store_networks_overlap(const struct cidr *nets, size_t n, const char *id, size_t *which,
                           char what[IPAM_STRLEN], char who[VALIDATE_NAME_MAX + 1]);

/* Replaces the routed networks of peer id with nets (canonical CIDR text,
 * in order). */
int store_networks_set(const char *id, const struct strlist *nets);

#endif
