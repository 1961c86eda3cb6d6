/* SPDX-License-Identifier: MIT */
/* Builds one peer's config: its interface and a [Peer] per pair. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meshconf.h"

/* The interface address carries the pool's prefix length, so the kernel routes
 * the whole mesh subnet to the interface. 0 with buf filled, -1 for none. */
static int
iface_address(char buf[IPAM_STRLEN], const char *addr, const char *pool)
{
	struct cidr c, p;

	if (addr[0] == '\0')
		return -1;
	if (ipam_parse(&c, addr, true, false) != 0)
		return -1;
	if (pool[0] != '\0' && ipam_parse(&p, pool, false, true) == 0 && p.family == c.family)
		c.prefix = p.prefix;
	ipam_format(buf, &c, true);
	return 0;
}

/* addr/32 or addr/128: 0 with buf filled, -1 for no address. */
static int
host_route(char buf[IPAM_STRLEN + 8], const char *addr)
{
	if (addr[0] == '\0')
		return -1;
	snprintf(buf, IPAM_STRLEN + 8, "%s/%s", addr, strchr(addr, ':') ? "128" : "32");
	return 0;
}

/* The warning about two peers behind NAT, in buf. */
static void
nat_warning(char *buf, size_t bufsz, const struct peer *self, const struct peer *other)
{
	snprintf(buf, bufsz, "%s and %s are both behind NAT: they have no "
	         "direct path and will not reach each other", self->name, other->name);
}

/* The config is written as text as it goes (meshconf.h says why), spelled
 * as json-c would spell it: tests/unit/check_scale.c parses it back. */

static void
buf_put(struct meshconf_buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *ns;
		while (b->len + n + 1 > cap)
			cap *= 2;
		if ((ns = realloc(b->s, cap)) == NULL) {
			b->oom = 1;
			return;
		}
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void
buf_lit(struct meshconf_buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

/* A JSON string as json-c writes it with JSON_C_TO_STRING_NOSLASHESCAPE:
 * '"', '\\' and the control characters escaped (lowercase \u00xx), all
 * else as it is. */
static void
buf_str(struct meshconf_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t start = 0, i;

	buf_put(b, "\"", 1);
	for (i = 0; s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = NULL;
		char u[7];
		switch (c) {
		case '\b': esc = "\\b"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		case '\f': esc = "\\f"; break;
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		default:
			if (c < 0x20) {
				u[0] = '\\';
				u[1] = 'u';
				u[2] = '0';
				u[3] = '0';
				u[4] = hex[c >> 4];
				u[5] = hex[c & 0xf];
				u[6] = '\0';
				esc = u;
			}
		}
		if (esc == NULL)
			continue;
		buf_put(b, s + start, i - start);
		buf_lit(b, esc);
		start = i + 1;
	}
	buf_put(b, s + start, i - start);
	buf_put(b, "\"", 1);
}

static void
buf_key(struct meshconf_buf *b, const char *key, int first)
{
	if (!first)
		buf_put(b, ",", 1);
	buf_str(b, key);
	buf_put(b, ":", 1);
}

static void
buf_int(struct meshconf_buf *b, long long v)
{
	char n[24];

	snprintf(n, sizeof(n), "%lld", v);
	buf_lit(b, n);
}

/* A peer's last signed statement as {"text", "signature"}, or null. */
static void
buf_statement(struct meshconf_buf *b, const struct peer *p)
{
	char sig[KEYS_SIG_B64_LEN];

	if (p->statement == NULL) {
		buf_lit(b, "null");
		return;
	}
	keys_b64_encode(sig, sizeof(sig), p->statement_sig, KEYS_SIG_LEN);
	buf_lit(b, "{\"text\":");
	buf_str(b, p->statement);
	buf_lit(b, ",\"signature\":");
	buf_str(b, sig);
	buf_put(b, "}", 1);
}

int
meshconf_text_begin(struct meshconf_writer *w, const struct peer *self,
                    const struct network *net)
{
	struct json_object *dns;
	char a[IPAM_STRLEN];
	int n = 0;

	memset(w, 0, sizeof(*w));
	w->self = self;
	w->keepalive = self->keepalive >= 0 ? self->keepalive : net->keepalive;
	buf_lit(&w->out, "{\"revision\":");
	buf_int(&w->out, (long long)self->revision);
	buf_lit(&w->out, ",\"interface\":{\"addresses\":[");
	if (iface_address(a, self->addr4, net->ipv4_pool) == 0) {
		buf_str(&w->out, a);
		n++;
	}
	if (iface_address(a, self->addr6, net->ipv6_pool) == 0) {
		if (n > 0)
			buf_put(&w->out, ",", 1);
		buf_str(&w->out, a);
	}
	buf_lit(&w->out, "],\"public_key\":");
	buf_str(&w->out, self->public_key);
	buf_lit(&w->out, ",\"listen_port\":");
	if (self->listen_port)
		buf_int(&w->out, self->listen_port);
	else
		buf_lit(&w->out, "null");
	buf_lit(&w->out, ",\"mtu\":");
	if (net->mtu)
		buf_int(&w->out, net->mtu);
	else
		buf_lit(&w->out, "null");
	/* The DNS list is stored as JSON text: written as json-c writes what
	 * it parses. */
	buf_lit(&w->out, ",\"dns\":");
	dns = json_tokener_parse(net->dns);
	buf_lit(&w->out, dns ? json_object_to_json_string_ext(dns, JSON_C_TO_STRING_PLAIN |
	                                                    JSON_C_TO_STRING_NOSLASHESCAPE) : "[]");
	json_object_put(dns);
	/* Whether an admin lets this host relay (or it is a gateway of
	 * devices): its host forwards only if it allows it too (`wgconf
	 * allow-relay`). */
	buf_lit(&w->out, self->relay ? ",\"relay\":true" : ",\"relay\":false");
	buf_lit(&w->out, "},\"peers\":[");
	/* A paused peer is told why it has no peers (its links come back,
	 * unchanged, when it is enabled). */
	if (self->disabled_at != 0)
		buf_str(&w->warnings, "this peer is disabled by an admin: it is in no other "
		        "peer's config and gets no peers until it is enabled again");
	return w->out.oom || w->warnings.oom ? -1 : 0;
}

/* p's host routes and networks as AllowedIPs, after n entries; the count. */
static int
buf_routes(struct meshconf_buf *b, const struct peer *p, int n)
{
	char buf[IPAM_STRLEN + 8];

	if (host_route(buf, p->addr4) == 0) {
		buf_lit(b, n++ ? "," : "");
		buf_str(b, buf);
	}
	if (host_route(buf, p->addr6) == 0) {
		buf_lit(b, n++ ? "," : "");
		buf_str(b, buf);
	}
	for (size_t i = 0; i < p->networks.n; i++) {
		buf_lit(b, n++ ? "," : "");
		buf_str(b, p->networks.v[i]);
	}
	return n;
}

/* "relayed": [{id, name, allowed_ips, statement}]: who is behind the relay
 * l->other, with the statement a host checks their routes against. */
static void
buf_relayed(struct meshconf_buf *b, const struct link *l)
{
	buf_key(b, "relayed", 0);
	buf_put(b, "[", 1);
	for (size_t i = 0; i < l->n_relayed; i++) {
		const struct peer *p = &l->relayed[i];
		buf_lit(b, i ? ",{" : "{");
		buf_key(b, "id", 1);
		buf_str(b, p->id);
		buf_key(b, "name", 0);
		buf_str(b, p->name);
		buf_key(b, "public_key", 0);
		buf_str(b, p->public_key);
		buf_key(b, "allowed_ips", 0);
		buf_put(b, "[", 1);
		buf_routes(b, p, 0);
		buf_put(b, "]", 1);
		buf_key(b, "statement", 0);
		buf_statement(b, p);
		buf_put(b, "}", 1);
	}
	buf_put(b, "]", 1);
}

int
meshconf_text_link(struct meshconf_writer *w, const struct link *l)
{
	const struct peer *self = w->self, *other = &l->other;
	struct meshconf_buf *b = &w->out;
	char buf[KEYS_BOX_B64_LEN + KEYS_SIG_B64_LEN + IPAM_STRLEN + 8];
	int n = 0;

	buf_lit(b, w->npeers++ ? ",{" : "{");
	buf_key(b, "id", 1);
	buf_str(b, other->id);
	buf_key(b, "name", 0);
	buf_str(b, other->name);
	buf_key(b, "public_key", 0);
	buf_str(b, other->public_key);
	buf_key(b, "preshared_key_sealed", 0);
	if (l->boxlen > 0) {
		keys_b64_encode(buf, sizeof(buf), l->box, (size_t)l->boxlen);
		buf_str(b, buf);
	} else {
		buf_lit(b, "null");
	}
	buf_key(b, "endpoint", 0);
	if (other->endpoint[0])
		buf_str(b, other->endpoint);
	else
		buf_lit(b, "null");
	buf_key(b, "allowed_ips", 0);
	buf_put(b, "[", 1);
	n = buf_routes(b, other, n);
	/* Partners reached through this peer, a relay: their addresses and
	 * networks are routed to it (docs/relays.md). */
	for (size_t i = 0; i < l->n_relayed; i++)
		n = buf_routes(b, &l->relayed[i], n);
	buf_put(b, "]", 1);
	buf_key(b, "statement", 0);
	buf_statement(b, other);
	if (l->n_relayed > 0)
		buf_relayed(b, l);
	buf_key(b, "persistent_keepalive", 0);
	/* Behind NAT, or reaching partners through this relay: the link is
	 * kept alive, so a relay that stops answering shows (relays.h). */
	if ((self->endpoint[0] == '\0' || l->n_relayed > 0) && w->keepalive > 0)
		buf_int(b, w->keepalive);
	else
		buf_lit(b, "null");
	buf_put(b, "}", 1);
	if (self->endpoint[0] == '\0' && other->endpoint[0] == '\0') {
		char msg[256];
		nat_warning(msg, sizeof(msg), self, other);
		buf_lit(&w->warnings, w->warnings.len ? "," : "");
		buf_str(&w->warnings, msg);
	}
	return b->oom || w->warnings.oom ? -1 : 0;
}

int
meshconf_text_end(struct meshconf_writer *w, const struct revocation_list *revs,
                  const struct policy_row *pol, char **text, size_t *len)
{
	char sig[KEYS_SIG_B64_LEN];
	int n = 0;

	*text = NULL;
	*len = 0;
	buf_lit(&w->out, "],\"warnings\":[");
	if (w->warnings.len > 0)
		buf_put(&w->out, w->warnings.s, w->warnings.len);
	buf_lit(&w->out, "],\"statement\":");
	buf_statement(&w->out, w->self);
	buf_lit(&w->out, ",\"revocations\":[");
	for (size_t i = 0; i < revs->n; i++) {
		if (!revs->v[i].has_sig)
			continue;
		keys_b64_encode(sig, sizeof(sig), revs->v[i].sig, KEYS_SIG_LEN);
		buf_lit(&w->out, n++ ? ",{\"text\":" : "{\"text\":");
		buf_str(&w->out, revs->v[i].text);
		buf_lit(&w->out, ",\"signature\":");
		buf_str(&w->out, sig);
		buf_put(&w->out, "}", 1);
	}
	buf_lit(&w->out, "],\"policy\":");
	if (pol == NULL || pol->text == NULL) {
		buf_lit(&w->out, "null}");
	} else {
		keys_b64_encode(sig, sizeof(sig), pol->sig, KEYS_SIG_LEN);
		buf_lit(&w->out, "{\"text\":");
		buf_str(&w->out, pol->text);
		buf_lit(&w->out, ",\"signature\":");
		buf_str(&w->out, sig);
		buf_lit(&w->out, "}}");
	}
	if (w->out.oom || w->warnings.oom) {
		meshconf_text_free(w);
		return -1;
	}
	*text = w->out.s;
	*len = w->out.len;
	w->out.s = NULL;
	meshconf_text_free(w);
	return 0;
}

void
meshconf_text_free(struct meshconf_writer *w)
{
	free(w->out.s);
	free(w->warnings.s);
	memset(&w->out, 0, sizeof(w->out));
	memset(&w->warnings, 0, sizeof(w->warnings));
}
