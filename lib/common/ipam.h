/* SPDX-License-Identifier: MIT */
#ifndef WGCONF_IPAM_H
#define WGCONF_IPAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IPAM_STRLEN 50   /* INET6_ADDRSTRLEN plus "/128" */

struct cidr {
	int family;             /* 4 or 6 */
	uint8_t addr[16];       /* network order; IPv4 in the first 4 bytes */
	unsigned prefix;
};

/* Parses "A.B.C.D/N" or "X::Y/N". With strict, host bits must be zero.
 * Without a "/N" it is a host route when allow_bare is true. 0 or -1. */
int ipam_parse(struct cidr *c, const char *s, bool allow_bare, bool strict);

/* Canonical text, "10.0.0.0/24"; with_prefix false gives the address alone. */
void ipam_format(char out[IPAM_STRLEN], const struct cidr *c, bool with_prefix);

/* Both prefixes share an address (same family). */
bool ipam_overlap(const struct cidr *a, const struct cidr *b);

/* addr (a host) lies in pool. */
bool ipam_contains(const struct cidr *pool, const struct cidr *addr);

/* True when addr is the network or (IPv4, prefix < 31) broadcast address of pool:
 * not handed to a host. */
bool ipam_reserved(const struct cidr *pool, const struct cidr *addr);

/* The address after a (its prefix kept); false when a was the family's
 * last. */
bool ipam_increment(struct cidr *a);

/* Picks the lowest host address of pool that is not in taken[0..ntaken) (host
 * addresses of the same family, any order). 0, or -1 when the pool is full. */
int ipam_allocate(struct cidr *out, const struct cidr *pool,
                  const struct cidr *taken, size_t ntaken);

#endif
