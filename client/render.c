/* SPDX-License-Identifier: MIT */
/* Model -> text: wg-quick(8) files, wg(8) setconf files, VyOS 1.4 commands.
 * The text holds the private key and PSKs, so the buffer wipes what it
 * leaves behind when it grows. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipam.h"
#include "validate.h"
#include "render.h"
#include "text.h"

struct buf {
	char *p;
	size_t len, cap;
	bool failed;
};

static void
buf_grow(struct buf *b, size_t need)
{
	size_t cap = b->cap ? b->cap : 1024;
	char *p;

	while (cap < need)
		cap *= 2;
	p = malloc(cap);
	if (p == NULL) {
		b->failed = true;
		return;
	}
	if (b->p != NULL) {
		memcpy(p, b->p, b->len + 1);
		keys_wipe(b->p, b->cap);
		free(b->p);
	}
	b->p = p;
	b->cap = cap;
}

static void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->failed)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = true;
		return;
	}
	if (b->len + (size_t)n + 1 > b->cap) {
		buf_grow(b, b->len + (size_t)n + 1);
		if (b->failed)
			return;
	}
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static void
buf_join(struct buf *b, char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf_printf(b, "%s%s", i ? ", " : "", v[i]);
}

int
render_parse_format(const char *s, enum render_format *fmt)
{
	if (strcmp(s, "wg-quick") == 0)
		*fmt = RENDER_WG_QUICK;
	else if (strcmp(s, "wg") == 0)
		*fmt = RENDER_WG;
	else if (strcmp(s, "vyos") == 0)
		*fmt = RENDER_VYOS;
	else
		return -1;
	return 0;
}

static void
render_warnings(struct buf *b, const struct mesh_config *cfg)
{
	for (size_t i = 0; i < cfg->n_warnings; i++)
		buf_printf(b, "# warning: %s\n", cfg->warnings[i]);
}

static void
render_wg(struct buf *b, const struct mesh_config *cfg, const char *sk, bool quick)
{
	buf_printf(b, "[Interface]\n");
	if (quick && cfg->n_addresses > 0) {
		buf_printf(b, "Address = ");
		buf_join(b, cfg->addresses, cfg->n_addresses);
		buf_printf(b, "\n");
	}
	if (cfg->listen_port)
		buf_printf(b, "ListenPort = %d\n", cfg->listen_port);
	if (quick && cfg->mtu)
		buf_printf(b, "MTU = %d\n", cfg->mtu);
	if (quick && cfg->n_dns > 0) {
		buf_printf(b, "DNS = ");
		buf_join(b, cfg->dns, cfg->n_dns);
		buf_printf(b, "\n");
	}
	buf_printf(b, "PrivateKey = %s\n", sk);
	for (size_t i = 0; i < cfg->n_peers; i++) {
		const struct mesh_peer *p = &cfg->peers[i];

		buf_printf(b, "\n# %s (id %s)%s\n[Peer]\n", p->name, p->id,
		           p->endpoint ? "" : ", behind NAT");
		buf_printf(b, "PublicKey = %s\n", p->public_key);
		buf_printf(b, "PresharedKey = %s\n", p->psk);
		if (p->endpoint)
			buf_printf(b, "Endpoint = %s\n", p->endpoint);
		if (p->n_allowed_ips > 0) {
			buf_printf(b, "AllowedIPs = ");
			buf_join(b, p->allowed_ips, p->n_allowed_ips);
			buf_printf(b, "\n");
		}
		if (p->keepalive)
			buf_printf(b, "PersistentKeepalive = %d\n", p->keepalive);
	}
}

void
render_vyos_name(char *out, size_t outsz, const char *name)
{
	size_t n = 0;

	for (; *name != '\0' && n + 1 < outsz && n < 64; name++) {
		char one[2] = { *name, '\0' };

		out[n++] = text_in_class(one, 1, 1, "-_") ? *name : '_';
	}
	if (n == 0 && outsz > 4) {
		memcpy(out, "peer", 4);
		n = 4;
	}
	out[n] = '\0';
}

#define VYOS_ALIAS_MAX 64

static bool
alias_taken(char (*names)[VYOS_ALIAS_MAX + 1], size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return true;
	return false;
}

/* names[i]: peer p's alias, unique among names[0..i-1] whatever the names
 * are (two peers may share a name, and a name may look like another's
 * alias): the safe name, else NAME-ID, else NAME-ID-2, -3... The name is
 * cut, never the suffix, so the candidates stay distinct. */
static void
vyos_alias(char (*names)[VYOS_ALIAS_MAX + 1], size_t i, const struct mesh_peer *p)
{
	char base[VYOS_ALIAS_MAX + 1], id[33], suffix[64];
	int room;

	render_vyos_name(base, sizeof(base), p->name);
	render_vyos_name(id, sizeof(id), p->id);
	for (size_t k = 0; k <= i + 1; k++) {
		if (k == 0)
			suffix[0] = '\0';
		else if (k == 1)
			snprintf(suffix, sizeof(suffix), "-%s", id);
		else
			snprintf(suffix, sizeof(suffix), "-%s-%zu", id, k);
		room = VYOS_ALIAS_MAX - (int)strlen(suffix);
		snprintf(names[i], sizeof(names[i]), "%.*s%s", room, base, suffix);
		if (!alias_taken(names, i, names[i]))
			return;
	}
}

static void
render_vyos(struct buf *b, const struct mesh_config *cfg, const char *iface,
            const char *sk)
{
	char (*names)[VYOS_ALIAS_MAX + 1] = calloc(cfg->n_peers + 1, sizeof(*names));
	const char *pre = "set interfaces wireguard";

	if (names == NULL) {
		b->failed = true;
		return;
	}
	buf_printf(b, "# VyOS 1.4 configuration commands for %s; paste them in "
	           "configuration mode, then commit and save.\n", iface);
	for (size_t i = 0; i < cfg->n_addresses; i++)
		buf_printf(b, "%s %s address '%s'\n", pre, iface, cfg->addresses[i]);
	buf_printf(b, "%s %s private-key '%s'\n", pre, iface, sk);
	if (cfg->listen_port)
		buf_printf(b, "%s %s port '%d'\n", pre, iface, cfg->listen_port);
	if (cfg->mtu)
		buf_printf(b, "%s %s mtu '%d'\n", pre, iface, cfg->mtu);
	if (cfg->n_dns > 0)
		buf_printf(b, "# DNS servers of the mesh (not an interface setting on "
		           "VyOS): %s\n", cfg->dns[0]);
	for (size_t i = 0; i < cfg->n_peers; i++) {
		const struct mesh_peer *p = &cfg->peers[i];
		char host[VALIDATE_HOST_MAX + 1];
		uint16_t port = 0;
		struct cidr c;
		char *n = names[i];

		vyos_alias(names, i, p);
		buf_printf(b, "%s %s peer %s public-key '%s'\n", pre, iface, n, p->public_key);
		buf_printf(b, "%s %s peer %s preshared-key '%s'\n", pre, iface, n, p->psk);
		for (size_t k = 0; k < p->n_allowed_ips; k++)
			buf_printf(b, "%s %s peer %s allowed-ips '%s'\n", pre, iface, n,
			           p->allowed_ips[k]);
		if (p->endpoint &&
		    validate_endpoint(p->endpoint, host, sizeof(host), &port) == 0) {
			if (ipam_parse(&c, host, true, false) == 0)
				buf_printf(b, "%s %s peer %s address '%s'\n", pre, iface, n, host);
			else
				buf_printf(b, "# peer %s: endpoint %s is a host name; VyOS 1.4 "
				           "takes an address here: resolve it and set\n"
				           "# %s %s peer %s address 'ADDRESS'\n",
				           n, host, pre, iface, n);
			buf_printf(b, "%s %s peer %s port '%u'\n", pre, iface, n, port);
		}
		if (p->keepalive)
			buf_printf(b, "%s %s peer %s persistent-keepalive '%d'\n", pre, iface,
			           n, p->keepalive);
	}
	/* VyOS does not route AllowedIPs by itself. */
	for (size_t i = 0; i < cfg->n_peers; i++) {
		const struct mesh_peer *p = &cfg->peers[i];

		for (size_t k = 0; k < p->n_allowed_ips; k++) {
			struct cidr c;

			if (!model_needs_route(cfg, p->allowed_ips[k]) ||
			    ipam_parse(&c, p->allowed_ips[k], true, true) != 0)
				continue;
			buf_printf(b, "set protocols static %s %s interface %s\n",
			           c.family == 4 ? "route" : "route6", p->allowed_ips[k], iface);
		}
	}
	free(names);
}

char *
render_config(const struct mesh_config *cfg, enum render_format fmt, const char *iface,
              const char *private_key_b64, bool header, size_t *len)
{
	struct buf b = { 0 };

	buf_grow(&b, 4096);
	if (b.failed)
		return NULL;
	b.p[0] = '\0';
	if (header)
		buf_printf(&b, "%s; changes here are overwritten by the next "
		           "`wgconf sync`.\n", WGCONF_HEADER);
	render_warnings(&b, cfg);
	switch (fmt) {
	case RENDER_WG_QUICK:
		render_wg(&b, cfg, private_key_b64, true);
		break;
	case RENDER_WG:
		render_wg(&b, cfg, private_key_b64, false);
		break;
	case RENDER_VYOS:
		render_vyos(&b, cfg, iface, private_key_b64);
		break;
	}
	if (b.failed) {
		render_free(b.p, b.cap);
		return NULL;
	}
	*len = b.len;
	return b.p;
}

void
render_free(char *text, size_t len)
{
	if (text == NULL)
		return;
	keys_wipe(text, len);
	free(text);
}
