/* SPDX-License-Identifier: MIT */
/*
 * Route safety: a host never lets a config (from a server it does not fully
 * trust) route its way to the server, its default gateway or a directly
 * connected network into the tunnel, nor give the tunnel interface an
 * address whose prefix makes the kernel route half the internet into it.
 * Pure: the caller gathers what the host knows (guardenv.c) and passes it
 * in; every refusal comes back as a line naming the peer, the route and
 * the reason.
 */
#ifndef WGCONF_CLIENT_GUARD_H
#define WGCONF_CLIENT_GUARD_H

#include <stdbool.h>
#include <stddef.h>

#include "ipam.h"

/* Shortest interface prefixes taken without a local allowance. */
#define GUARD_MIN_PREFIX4 8
#define GUARD_MIN_PREFIX6 16

enum guard_kind {
	GUARD_SERVER,           /* the server's address, as the last request reached it */
	GUARD_GATEWAY,          /* a default gateway */
	GUARD_CONNECTED,        /* a network on another interface of this host */
};

struct guard_item {
	enum guard_kind kind;
	struct cidr net;        /* a host address for SERVER and GATEWAY */
	char dev[16];           /* the interface it is on, "" when unknown */
};

/* What the host protects, and what it allows anyway (`wgconf allow-route`). */
struct guard_env {
	struct guard_item *items;
	size_t n_items;
	struct cidr *allowed;
	size_t n_allowed;
};

struct mesh_config;

/* Adds a protected address or network (text as `ip` prints it: "a.b.c.d",
 * "a.b.c.d/len", IPv6 likewise; host bits are dropped for a network). dev
 * may be NULL. 0, -1 when the text does not parse or out of memory. */
int guard_env_protect(struct guard_env *env, enum guard_kind kind, const char *text,
                      const char *dev);

/* Adds an allowed CIDR (canonical, host bits zero). 0 or -1. */
int guard_env_allow(struct guard_env *env, const char *cidr);

/* Frees what env owns; accepts NULL. */
void guard_env_free(struct guard_env *env);

/* True when cidr lies inside an allowed CIDR. */
bool guard_allowed(const struct guard_env *env, const struct cidr *c);

/* Checks one route (an AllowedIPs entry or the network of an interface
 * address) that `who` would bring: appends a line to *lines when it covers
 * the server's address or a gateway, or overlaps a connected network, and
 * is not allowed. 1 refused, 0 fine, -1 out of memory. */
int guard_check_route(const struct guard_env *env, const char *who, const char *cidr,
                      char ***lines, size_t *n);

/* Checks an interface address ("10.77.0.2/24"): its prefix must be at
 * least /8 (IPv4) or /16 (IPv6), and its network is checked like a route.
 * 1 refused, 0 fine, -1 out of memory. */
int guard_check_address(const struct guard_env *env, const char *addr,
                        char ***lines, size_t *n);

/* Checks a whole config: every interface address and every peer's
 * AllowedIPs (wg-quick routes them all, `sync --apply` those outside the
 * tunnel subnet). The number of refusals (lines appended to *lines, caller
 * frees with guard_free_lines), or -1 out of memory. */
int guard_check_config(const struct guard_env *env, const struct mesh_config *cfg,
                       char ***lines, size_t *n);

void guard_free_lines(char **lines, size_t n);

#endif
