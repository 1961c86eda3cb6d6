/* SPDX-License-Identifier: MIT */
/* Address pools: CIDR parsing, overlap checks, lowest-free allocation. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipam.h"

static unsigned
family_bits(int family)
{
	return family == 4 ? 32 : 128;
}

static bool
bit_set(const uint8_t *a, unsigned i)
{
	return (a[i / 8] >> (7 - i % 8)) & 1;
}

static void
mask_host_bits(uint8_t *a, int family, unsigned prefix)
{
	for (unsigned i = prefix; i < family_bits(family); i++)
		a[i / 8] &= (uint8_t)~(1u << (7 - i % 8));
}

int
ipam_parse(struct cidr *c, const char *s, bool allow_bare, bool strict)
{
	char buf[IPAM_STRLEN];
	const char *slash;
	size_t alen;

	if (s == NULL)
		return -1;
	memset(c, 0, sizeof(*c));
	slash = strchr(s, '/');
	alen = slash ? (size_t)(slash - s) : strlen(s);
	if (alen == 0 || alen >= sizeof(buf))
		return -1;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (inet_pton(AF_INET, buf, c->addr) == 1)
		c->family = 4;
	else if (inet_pton(AF_INET6, buf, c->addr) == 1)
		c->family = 6;
	else
		return -1;
	if (slash == NULL) {
		if (!allow_bare)
			return -1;
		c->prefix = family_bits(c->family);
		return 0;
	}
	{
		const char *p = slash + 1;
		unsigned v = 0;
		size_t n;
		for (n = 0; p[n] != '\0'; n++) {
			if (p[n] < '0' || p[n] > '9' || n >= 3)
				return -1;
			v = v * 10 + (unsigned)(p[n] - '0');
		}
		if (n == 0 || (n > 1 && p[0] == '0') || v > family_bits(c->family))
			return -1;
		c->prefix = v;
	}
	if (strict) {
		uint8_t masked[16];
		memcpy(masked, c->addr, sizeof(masked));
		mask_host_bits(masked, c->family, c->prefix);
		if (memcmp(masked, c->addr, sizeof(masked)) != 0)
			return -1;
	}
	return 0;
}

void
ipam_format(char out[IPAM_STRLEN], const struct cidr *c, bool with_prefix)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(c->family == 4 ? AF_INET : AF_INET6, c->addr, a, sizeof(a));
	if (with_prefix)
		snprintf(out, IPAM_STRLEN, "%s/%u", a, c->prefix);
	else
		snprintf(out, IPAM_STRLEN, "%s", a);
}

bool
ipam_overlap(const struct cidr *a, const struct cidr *b)
{
	unsigned p = a->prefix < b->prefix ? a->prefix : b->prefix;

	if (a->family != b->family)
		return false;
	for (unsigned i = 0; i < p; i++)
		if (bit_set(a->addr, i) != bit_set(b->addr, i))
			return false;
	return true;
}

bool
ipam_contains(const struct cidr *pool, const struct cidr *addr)
{
	return pool->family == addr->family && addr->prefix >= pool->prefix &&
	       ipam_overlap(pool, addr);
}

bool
ipam_reserved(const struct cidr *pool, const struct cidr *addr)
{
	unsigned bits = family_bits(pool->family);
	bool all0 = true, all1 = true;

	if (pool->prefix >= bits - 1)
		return false;   /* /31, /32, /127, /128: every address is usable */
	for (unsigned i = pool->prefix; i < bits; i++) {
		if (bit_set(addr->addr, i))
			all0 = false;
		else
			all1 = false;
	}
	return all0 || (pool->family == 4 && all1);
}

static int
cmp_addr(const void *x, const void *y)
{
	return memcmp(((const struct cidr *)x)->addr, ((const struct cidr *)y)->addr, 16);
}

/* Adds one to a 128-bit big-endian number; false on wrap-around. */
static bool
increment(uint8_t *a, size_t len)
{
	for (size_t i = len; i-- > 0;)
		if (++a[i] != 0)
			return true;
	return false;
}

bool
ipam_increment(struct cidr *a)
{
	return increment(a->addr, a->family == 4 ? 4 : 16);
}

int
ipam_allocate(struct cidr *out, const struct cidr *pool,
              const struct cidr *taken, size_t ntaken)
{
	struct cidr *sorted = NULL, cand;
	size_t alen = pool->family == 4 ? 4 : 16, j = 0;
	int ret = -1;

	if (ntaken > 0) {
		sorted = malloc(ntaken * sizeof(*sorted));
		if (sorted == NULL)
			return -1;
		memcpy(sorted, taken, ntaken * sizeof(*sorted));
		qsort(sorted, ntaken, sizeof(*sorted), cmp_addr);
	}
	cand = *pool;
	cand.prefix = family_bits(pool->family);
	mask_host_bits(cand.addr, cand.family, pool->prefix);
	for (;;) {
		if (!ipam_contains(pool, &cand))
			break;
		if (!ipam_reserved(pool, &cand)) {
			while (j < ntaken && memcmp(sorted[j].addr, cand.addr, 16) < 0)
				j++;
			if (j >= ntaken || memcmp(sorted[j].addr, cand.addr, 16) != 0) {
				*out = cand;
				ret = 0;
				break;
			}
		}
		if (!increment(cand.addr, alen))
			break;
	}
	free(sorted);
	return ret;
}
