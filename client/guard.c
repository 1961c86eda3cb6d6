/* SPDX-License-Identifier: MIT */
/* Route safety checks (see guard.h). A route is judged by what the kernel
 * would do with it: one that covers the server's address or a default
 * gateway takes the host's way out into the tunnel; one that overlaps a
 * network on another interface takes (part of) that network. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guard.h"
#include "model.h"

void
guard_free_lines(char **lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

/* The network of c (host bits cleared). */
static void
network_of(struct cidr *c)
{
	unsigned bits = c->family == 4 ? 32 : 128;

	for (unsigned i = c->prefix; i < bits; i++)
		c->addr[i / 8] &= (uint8_t)~(1u << (7 - i % 8));
}

int
guard_env_protect(struct guard_env *env, enum guard_kind kind, const char *text,
                  const char *dev)
{
	struct guard_item *v, it;

	memset(&it, 0, sizeof(it));
	if (ipam_parse(&it.net, text, true, false) != 0)
		return -1;
	if (kind != GUARD_CONNECTED)
		it.net.prefix = it.net.family == 4 ? 32 : 128;
	network_of(&it.net);
	it.kind = kind;
	if (dev != NULL)
		snprintf(it.dev, sizeof(it.dev), "%s", dev);
	for (size_t i = 0; i < env->n_items; i++)
		if (env->items[i].kind == kind &&
		    memcmp(&env->items[i].net, &it.net, sizeof(it.net)) == 0)
			return 0;
	v = realloc(env->items, (env->n_items + 1) * sizeof(*v));
	if (v == NULL)
		return -1;
	v[env->n_items++] = it;
	env->items = v;
	return 0;
}

int
guard_env_allow(struct guard_env *env, const char *cidr)
{
	struct cidr c, *v;

	if (ipam_parse(&c, cidr, false, true) != 0)
		return -1;
	v = realloc(env->allowed, (env->n_allowed + 1) * sizeof(*v));
	if (v == NULL)
		return -1;
	v[env->n_allowed++] = c;
	env->allowed = v;
	return 0;
}

void
guard_env_free(struct guard_env *env)
{
	if (env == NULL)
		return;
	free(env->items);
	free(env->allowed);
	memset(env, 0, sizeof(*env));
}

bool
guard_allowed(const struct guard_env *env, const struct cidr *c)
{
	for (size_t i = 0; i < env->n_allowed; i++)
		if (env->allowed[i].family == c->family && env->allowed[i].prefix <= c->prefix &&
		    ipam_overlap(&env->allowed[i], c))
			return true;
	return false;
}

/* Why route r is refused, in out; false when it is not. */
static bool
route_problem(const struct guard_env *env, const struct cidr *r, char *out, size_t outsz)
{
	char a[IPAM_STRLEN];

	for (int pass = 0; pass < 3; pass++) {
		for (size_t i = 0; i < env->n_items; i++) {
			const struct guard_item *it = &env->items[i];

			if ((int)it->kind != pass || it->net.family != r->family)
				continue;
			switch (it->kind) {
			case GUARD_SERVER:
			case GUARD_GATEWAY:
				if (!ipam_overlap(r, &it->net))
					continue;
				ipam_format(a, &it->net, false);
				snprintf(out, outsz, "covers the %s %s%s%s",
				         it->kind == GUARD_SERVER ? "server's address" :
				         "default gateway", a, it->dev[0] ? " on " : "", it->dev);
				return true;
			case GUARD_CONNECTED:
				if (!ipam_overlap(r, &it->net))
					continue;
				ipam_format(a, &it->net, true);
				snprintf(out, outsz, "overlaps the directly connected network %s%s%s",
				         a, it->dev[0] ? " on " : "", it->dev);
				return true;
			}
		}
	}
	return false;
}

int
guard_check_route(const struct guard_env *env, const char *who, const char *cidr,
                  char ***lines, size_t *n)
{
	struct cidr c;
	char canon[IPAM_STRLEN], why[160];

	if (ipam_parse(&c, cidr, true, false) != 0) {
		/* The model only lets valid CIDRs through; refuse, never guess. */
		return model_add_line(lines, n, "%s: route '%s' is not a CIDR", who, cidr) ? -1 : 1;
	}
	network_of(&c);
	if (guard_allowed(env, &c) || !route_problem(env, &c, why, sizeof(why)))
		return 0;
	ipam_format(canon, &c, true);
	if (model_add_line(lines, n, "%s: route %s %s (allow it with `wgconf allow-route %s`)",
	             who, canon, why, canon) != 0)
		return -1;
	return 1;
}

int
guard_check_address(const struct guard_env *env, const char *addr, char ***lines, size_t *n)
{
	struct cidr c;
	char canon[IPAM_STRLEN], who[IPAM_STRLEN + 32];
	unsigned min;

	if (ipam_parse(&c, addr, true, false) != 0)
		return model_add_line(lines, n, "interface address '%s' is not an address", addr) ? -1 : 1;
	min = c.family == 4 ? GUARD_MIN_PREFIX4 : GUARD_MIN_PREFIX6;
	network_of(&c);
	ipam_format(canon, &c, true);
	if (c.prefix < min && !guard_allowed(env, &c)) {
		if (model_add_line(lines, n, "interface address %s: prefix /%u is shorter than /%u "
		             "and would route %s into the tunnel (allow it with `wgconf "
		             "allow-route %s`)", addr, c.prefix, min, canon, canon) != 0)
			return -1;
		return 1;
	}
	snprintf(who, sizeof(who), "interface address %s", addr);
	return guard_check_route(env, who, canon, lines, n);
}

int
guard_check_config(const struct guard_env *env, const struct mesh_config *cfg,
                   char ***lines, size_t *n)
{
	int refused = 0, r;

	for (size_t i = 0; i < cfg->n_addresses; i++) {
		if ((r = guard_check_address(env, cfg->addresses[i], lines, n)) < 0)
			return -1;
		refused += r;
	}
	for (size_t i = 0; i < cfg->n_peers; i++) {
		const struct mesh_peer *p = &cfg->peers[i];
		char who[200];

		snprintf(who, sizeof(who), "peer %s (id %s)", p->name, p->id);
		for (size_t k = 0; k < p->n_allowed_ips; k++) {
			if ((r = guard_check_route(env, who, p->allowed_ips[k], lines, n)) < 0)
				return -1;
			refused += r;
		}
	}
	return refused;
}
