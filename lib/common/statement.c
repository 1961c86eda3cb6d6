/* SPDX-License-Identifier: MIT */
/* Signed peer statements and revocations: one canonical text each. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "statement.h"
#include "text.h"

static const char ID_EXTRA[] = "-_.~";

static bool
id_valid(const char *id)
{
	return text_in_class(id, 1, STATEMENT_ID_MAX, ID_EXTRA);
}

bool
statement_mesh_valid(const char *mesh)
{
	if (mesh == NULL || strlen(mesh) != STATEMENT_MESH_LEN - 1)
		return false;
	for (size_t i = 0; mesh[i] != '\0'; i++)
		if (!((mesh[i] >= '0' && mesh[i] <= '9') || (mesh[i] >= 'a' && mesh[i] <= 'f')))
			return false;
	return true;
}

/* A public key in its one canonical text (keys_parse_public): a statement
 * for K with bit 255 set would show "+ key K'" and bring back a revoked K. */
static bool
key_valid(const char *b64)
{
	uint8_t k[KEYS_LEN];

	return keys_parse_public(k, b64) == 0;
}

/* Parses text into c only when ipam_format() gives the same text back.
 * kind: 'a' address (host bits allowed, prefix required), 'n' network (host
 * bits zero), 'd' DNS server (a bare address). */
static int
cidr_canonical(struct cidr *c, const char *text, int kind)
{
	char again[IPAM_STRLEN];

	if (ipam_parse(c, text, kind == 'd', kind == 'n') != 0)
		return -1;
	if (kind == 'd') {
		if (strchr(text, '/') != NULL)
			return -1;
		ipam_format(again, c, false);
	} else {
		if (strchr(text, '/') == NULL)
			return -1;
		ipam_format(again, c, true);
	}
	return strcmp(again, text) == 0 ? 0 : -1;
}

static int
cidr_cmp_text(const struct cidr *a, const struct cidr *b)
{
	char ta[IPAM_STRLEN], tb[IPAM_STRLEN];

	ipam_format(ta, a, true);
	ipam_format(tb, b, true);
	return strcmp(ta, tb);
}

static bool
cidr_same(const struct cidr *a, const struct cidr *b)
{
	return a->family == b->family && a->prefix == b->prefix &&
	       memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

void
statement_init(struct statement *s)
{
	memset(s, 0, sizeof(*s));
}

void
statement_free(struct statement *s)
{
	if (s == NULL)
		return;
	free(s->networks);
	free(s->pairs);
	statement_init(s);
}

int
statement_add_address(struct statement *s, const char *cidr)
{
	struct cidr c;
	char buf[IPAM_STRLEN];

	if (s->naddresses >= 2 || ipam_parse(&c, cidr, false, false) != 0)
		return -1;
	ipam_format(buf, &c, true);             /* any valid spelling becomes canonical */
	if (cidr_canonical(&c, buf, 'a') != 0)
		return -1;
	s->addresses[s->naddresses++] = c;
	return 0;
}

int
statement_add_network(struct statement *s, const char *cidr)
{
	struct cidr c, *grown;

	if (s->nnetworks >= STATEMENT_NETWORKS_MAX || ipam_parse(&c, cidr, false, true) != 0)
		return -1;
	if ((grown = realloc(s->networks, (s->nnetworks + 1) * sizeof(*grown))) == NULL)
		return -1;
	s->networks = grown;
	s->networks[s->nnetworks++] = c;
	return 0;
}

int
statement_add_dns(struct statement *s, const char *addr)
{
	struct cidr c;

	if (s->ndns >= STATEMENT_DNS_MAX || ipam_parse(&c, addr, true, false) != 0 ||
	    c.prefix != (c.family == 4 ? 32u : 128u))
		return -1;
	s->dns[s->ndns++] = c;
	return 0;
}

int
statement_add_pair(struct statement *s, const char *id)
{
	char (*grown)[STATEMENT_ID_MAX + 1];

	if (s->npairs >= STATEMENT_PAIRS_MAX || !id_valid(id))
		return -1;
	/* Capacity is 8, then the next power of two: a hub with thousands of
	 * pairs must not realloc for each one. */
	if (s->pairs == NULL || (s->npairs >= 8 && (s->npairs & (s->npairs - 1)) == 0)) {
		size_t cap = s->pairs == NULL ? 8 : s->npairs * 2;
		if ((grown = realloc(s->pairs, cap * sizeof(*grown))) == NULL)
			return -1;
		s->pairs = grown;
	}
	snprintf(s->pairs[s->npairs++], STATEMENT_ID_MAX + 1, "%s", id);
	return 0;
}

static int
cmp_cidr_qsort(const void *a, const void *b)
{
	return cidr_cmp_text(a, b);
}

static int
cmp_pair_qsort(const void *a, const void *b)
{
	return strcmp(a, b);
}

int
statement_canonicalize(struct statement *s)
{
	if (s->naddresses == 2 && s->addresses[0].family == 6) {
		struct cidr t = s->addresses[0];
		s->addresses[0] = s->addresses[1];
		s->addresses[1] = t;
	}
	if (s->nnetworks > 1)
		qsort(s->networks, s->nnetworks, sizeof(*s->networks), cmp_cidr_qsort);
	if (s->npairs > 1)
		qsort(s->pairs, s->npairs, sizeof(*s->pairs), cmp_pair_qsort);
	return statement_check(s, NULL);
}

int
statement_check(const struct statement *s, const char **why)
{
	const char *w = NULL;

	if (!statement_mesh_valid(s->mesh))
		w = "the mesh id is not 32 lowercase hex digits";
	else if (!id_valid(s->peer))
		w = "the peer id is not a safe token";
	else if (s->version < 1 || s->version > STATEMENT_VERSION_MAX)
		w = "the version is not in 1..2^53";
	else if (!key_valid(s->key))
		w = "the key is not a canonical WireGuard public key";
	else if (s->naddresses > 2 ||
	         (s->naddresses == 2 && (s->addresses[0].family != 4 || s->addresses[1].family != 6)))
		w = "at most one IPv4 then one IPv6 address";
	else if (s->nnetworks > STATEMENT_NETWORKS_MAX || s->npairs > STATEMENT_PAIRS_MAX ||
	         s->ndns > STATEMENT_DNS_MAX)
		w = "too many entries";
	else if (s->mtu != 0 && (s->mtu < STATEMENT_MTU_MIN || s->mtu > STATEMENT_MTU_MAX))
		w = "the MTU is not in 1280..9000";
	if (w == NULL) {
		for (size_t i = 1; i < s->nnetworks && w == NULL; i++)
			if (cidr_cmp_text(&s->networks[i - 1], &s->networks[i]) >= 0)
				w = "networks are not sorted and unique";
		for (size_t i = 1; i < s->npairs && w == NULL; i++)
			if (strcmp(s->pairs[i - 1], s->pairs[i]) >= 0)
				w = "pairs are not sorted and unique";
		for (size_t i = 0; i < s->npairs && w == NULL; i++)
			if (!id_valid(s->pairs[i]) || strcmp(s->pairs[i], s->peer) == 0)
				w = "a pair names a bad id or the peer itself";
		for (size_t i = 0; i < s->ndns && w == NULL; i++) {
			if (s->dns[i].prefix != (s->dns[i].family == 4 ? 32u : 128u))
				w = "a DNS server is not a host address";
			for (size_t j = 0; j < i && w == NULL; j++)
				if (cidr_same(&s->dns[i], &s->dns[j]))
					w = "a DNS server is named twice";
		}
		for (size_t i = 0; i < s->nnetworks && w == NULL; i++) {
			struct cidr c;
			char t[IPAM_STRLEN];
			ipam_format(t, &s->networks[i], true);
			if (cidr_canonical(&c, t, 'n') != 0)
				w = "a network has host bits set";
		}
	}
	if (why != NULL)
		*why = w;
	return w == NULL ? 0 : -1;
}

size_t
statement_text_size(const struct statement *s)
{
	/* Fixed lines with their longest values, then each list line. */
	size_t n = sizeof(STATEMENT_MAGIC) + 5 + STATEMENT_MESH_LEN + 5 + STATEMENT_ID_MAX + 1 +
	           8 + 20 + 4 + KEYS_B64_LEN + 4 + 5 + 4 + 1;

	n += s->naddresses * (8 + IPAM_STRLEN);
	n += s->nnetworks * (8 + IPAM_STRLEN);
	n += s->ndns * (4 + IPAM_STRLEN);
	n += s->npairs * (5 + STATEMENT_ID_MAX + 1);
	return n;
}

/* Appends one "word value\n" line; -1 when out is full. */
static int
put_line(char *out, size_t outsz, size_t *len, const char *word, const char *value)
{
	int n = snprintf(out + *len, outsz - *len, "%s%s%s\n", word, value ? " " : "",
	                 value ? value : "");

	if (n < 0 || (size_t)n >= outsz - *len)
		return -1;
	*len += (size_t)n;
	return 0;
}

long
statement_format(const struct statement *s, char *out, size_t outsz)
{
	char buf[IPAM_STRLEN];
	size_t len = 0;

	if (outsz == 0 || statement_check(s, NULL) != 0)
		return -1;
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)s->version);
	if (put_line(out, outsz, &len, STATEMENT_MAGIC, NULL) != 0 ||
	    put_line(out, outsz, &len, "mesh", s->mesh) != 0 ||
	    put_line(out, outsz, &len, "peer", s->peer) != 0 ||
	    put_line(out, outsz, &len, "version", buf) != 0 ||
	    put_line(out, outsz, &len, "key", s->key) != 0)
		return -1;
	for (size_t i = 0; i < s->naddresses; i++) {
		ipam_format(buf, &s->addresses[i], true);
		if (put_line(out, outsz, &len, "address", buf) != 0)
			return -1;
	}
	for (size_t i = 0; i < s->nnetworks; i++) {
		ipam_format(buf, &s->networks[i], true);
		if (put_line(out, outsz, &len, "network", buf) != 0)
			return -1;
	}
	if (s->mtu != 0) {
		snprintf(buf, sizeof(buf), "%d", s->mtu);
		if (put_line(out, outsz, &len, "mtu", buf) != 0)
			return -1;
	}
	for (size_t i = 0; i < s->ndns; i++) {
		ipam_format(buf, &s->dns[i], false);
		if (put_line(out, outsz, &len, "dns", buf) != 0)
			return -1;
	}
	for (size_t i = 0; i < s->npairs; i++)
		if (put_line(out, outsz, &len, "pair", s->pairs[i]) != 0)
			return -1;
	if (put_line(out, outsz, &len, "end", NULL) != 0)
		return -1;
	return (long)len;
}

char *
statement_text(const struct statement *s, size_t *len)
{
	size_t sz = statement_text_size(s);
	char *out = malloc(sz);
	long n;

	if (out == NULL)
		return NULL;
	if ((n = statement_format(s, out, sz)) < 0) {
		free(out);
		return NULL;
	}
	if (len != NULL)
		*len = (size_t)n;
	return out;
}

/* ---- parsing ------------------------------------------------------------ */

struct lines {
	const char *p, *end;
	unsigned lineno;
	char word[32];
	char value[STATEMENT_ID_MAX + 16];      /* longer than any valid value */
	int eof;
};

/* Reads the next line into word and value. -1 for a line without "\n", a
 * NUL or CR, no single space between word and value, or one too long. */
static int
next_line(struct lines *l, const char **why)
{
	const char *nl, *sp;
	size_t n;

	l->lineno++;
	if (l->p == l->end) {
		l->eof = 1;
		*why = "the text ends before \"end\"";
		return -1;
	}
	if ((nl = memchr(l->p, '\n', (size_t)(l->end - l->p))) == NULL) {
		*why = "the last line does not end in a newline";
		return -1;
	}
	n = (size_t)(nl - l->p);
	if (memchr(l->p, '\0', n) != NULL || memchr(l->p, '\r', n) != NULL) {
		*why = "a line holds a NUL or a carriage return";
		return -1;
	}
	sp = memchr(l->p, ' ', n);
	if (sp == NULL) {
		if (n == 0 || n >= sizeof(l->word)) {
			*why = "an empty or unknown line";
			return -1;
		}
		memcpy(l->word, l->p, n);
		l->word[n] = '\0';
		l->value[0] = '\0';
	} else {
		size_t wn = (size_t)(sp - l->p), vn = n - wn - 1;
		if (wn == 0 || wn >= sizeof(l->word) || vn == 0 || vn >= sizeof(l->value) ||
		    memchr(sp + 1, ' ', vn) != NULL) {
			*why = "not one word, one space and one value";
			return -1;
		}
		memcpy(l->word, l->p, wn);
		l->word[wn] = '\0';
		memcpy(l->value, sp + 1, vn);
		l->value[vn] = '\0';
	}
	l->p = nl + 1;
	return 0;
}

static char why_buf[128];

static const char *
at_line(unsigned lineno, const char *what)
{
	snprintf(why_buf, sizeof(why_buf), "line %u: %s", lineno, what);
	return why_buf;
}

/* The version: digits without a leading zero, in 1..2^53. */
static int
parse_version(const char *v, uint64_t *out)
{
	if (v[0] == '0')
		return -1;
	return text_parse_u64(v, 1, STATEMENT_VERSION_MAX, out);
}

/* One line's value into s, checked against what came before it: NULL, or
 * what is wrong with it (a static string). */
static const char *
parse_field(struct statement *s, const char *word, const char *value)
{
	if (strcmp(word, "mesh") == 0) {
		if (!statement_mesh_valid(value))
			return "the mesh id is not 32 lowercase hex digits";
		memcpy(s->mesh, value, STATEMENT_MESH_LEN);
	} else if (strcmp(word, "peer") == 0) {
		if (!id_valid(value))
			return "the peer id is not a safe token";
		memcpy(s->peer, value, strlen(value) + 1);   /* id_valid: <= 64 */
	} else if (strcmp(word, "version") == 0) {
		if (parse_version(value, &s->version) != 0)
			return "the version is not a number in 1..2^53 without leading zeros";
	} else if (strcmp(word, "key") == 0) {
		if (!key_valid(value))
			return "not a canonical WireGuard public key";
		memcpy(s->key, value, KEYS_B64_LEN);
	} else if (strcmp(word, "address") == 0) {
		struct cidr c;
		if (s->naddresses >= 2 || cidr_canonical(&c, value, 'a') != 0 ||
		    (s->naddresses == 1 && (s->addresses[0].family != 4 || c.family != 6)))
			return "not a canonical address with prefix, or not one IPv4 then one IPv6";
		s->addresses[s->naddresses++] = c;
	} else if (strcmp(word, "network") == 0) {
		struct cidr c;
		if (cidr_canonical(&c, value, 'n') != 0 ||
		    statement_add_network(s, value) != 0)
			return "not a canonical network with zero host bits";
		if (s->nnetworks > 1 &&
		    cidr_cmp_text(&s->networks[s->nnetworks - 2], &c) >= 0)
			return "networks are not sorted and unique";
	} else if (strcmp(word, "mtu") == 0) {
		if (value[0] == '0' || text_parse_int(value, STATEMENT_MTU_MIN,
		                                      STATEMENT_MTU_MAX, &s->mtu) != 0)
			return "the MTU is not a number in 1280..9000";
	} else if (strcmp(word, "dns") == 0) {
		struct cidr c;
		if (cidr_canonical(&c, value, 'd') != 0 || statement_add_dns(s, value) != 0)
			return "not a canonical IP address, or too many";
		for (size_t j = 0; j + 1 < s->ndns; j++)
			if (cidr_same(&s->dns[j], &c))
				return "a DNS server is named twice";
	} else if (strcmp(word, "pair") == 0) {
		if (statement_add_pair(s, value) != 0)
			return "not a peer id, or too many pairs";
		if (s->npairs > 1 && strcmp(s->pairs[s->npairs - 2], value) >= 0)
			return "pairs are not sorted and unique";
		if (strcmp(value, s->peer) == 0)
			return "a peer cannot be paired with itself";
	}
	return NULL;
}

/* Whether text is what statement_text() writes for s. */
static bool
is_own_text(const struct statement *s, const char *text, size_t len)
{
	size_t n;
	char *again = statement_text(s, &n);
	bool same = again != NULL && n == len && memcmp(again, text, len) == 0;

	free(again);
	return same;
}

int
statement_parse(struct statement *s, const char *text, size_t len, const char **why)
{
	/* The order of the lines; a list word may repeat. */
	static const struct { const char *word; int list; } order[] = {
		{ "mesh", 0 }, { "peer", 0 }, { "version", 0 }, { "key", 0 },
		{ "address", 1 }, { "network", 1 }, { "mtu", 0 }, { "dns", 1 },
		{ "pair", 1 }, { "end", 0 },
	};
	struct lines l = { .p = text, .end = text + len };
	const char *w = NULL, *dummy, *msg;
	size_t stage = 0;
	int ret = -1;

	statement_init(s);
	if (why == NULL)
		why = &dummy;
	if (text == NULL || len > STATEMENT_TEXT_MAX) {
		*why = "the statement is too long";
		goto out;
	}
	if (next_line(&l, &w) != 0 || strcmp(l.word, STATEMENT_MAGIC) != 0 || l.value[0] != '\0') {
		w = at_line(l.lineno, "not a " STATEMENT_MAGIC " statement");
		goto fail;
	}
	for (;;) {
		size_t i;
		if (next_line(&l, &w) != 0) {
			w = at_line(l.lineno, w);
			goto fail;
		}
		for (i = stage; i < sizeof(order) / sizeof(order[0]); i++)
			if (strcmp(l.word, order[i].word) == 0)
				break;
		if (i == sizeof(order) / sizeof(order[0])) {
			w = at_line(l.lineno, "unknown, repeated or misplaced line");
			goto fail;
		}
		/* mesh, peer, version and key are required, in that order. */
		if (stage < 4 && i != stage) {
			w = at_line(l.lineno, "a required line is missing or misplaced");
			goto fail;
		}
		stage = order[i].list ? i : i + 1;
		if (strcmp(l.word, "end") == 0) {
			if (l.value[0] != '\0') {
				w = at_line(l.lineno, "\"end\" takes no value");
				goto fail;
			}
			break;
		}
		if (l.value[0] == '\0') {
			w = at_line(l.lineno, "a line without a value");
			goto fail;
		}
		if ((msg = parse_field(s, l.word, l.value)) != NULL) {
			w = at_line(l.lineno, msg);
			goto fail;
		}
	}
	if (l.p != l.end) {
		w = "bytes after \"end\"";
		goto fail;
	}
	if (statement_check(s, &w) != 0)
		goto fail;
	/* Belt and braces: the one text of this statement is the text we got. */
	if (!is_own_text(s, text, len)) {
		w = "not the canonical text";
		goto fail;
	}
	ret = 0;
	goto out;
fail:
	*why = w;
	statement_free(s);
out:
	return ret;
}

/* ---- signatures ----------------------------------------------------------- */

int
statement_verify(const char *text, size_t len, const uint8_t sig[KEYS_SIG_LEN],
                 const uint8_t pk[KEYS_LEN])
{
	return keys_verify(sig, text, len, pk);
}

int
statement_open(struct statement *s, const char *text, size_t len, const char *sig_b64,
               const uint8_t pk[KEYS_LEN], const char **why)
{
	uint8_t sig[KEYS_SIG_LEN];
	size_t n = 0;

	statement_init(s);
	if (text == NULL || sig_b64 == NULL || strlen(sig_b64) != KEYS_SIG_B64_LEN - 1 ||
	    keys_b64_decode(sig, sizeof(sig), &n, sig_b64) != 0 || n != KEYS_SIG_LEN ||
	    statement_verify(text, len, sig, pk) != 0) {
		if (why != NULL)
			*why = "bad signature";
		return -1;
	}
	return statement_parse(s, text, len, why);
}

void
statement_sign(char sig_b64[KEYS_SIG_B64_LEN], const char *text, size_t len,
               const uint8_t sk[KEYS_SIGN_SK_LEN])
{
	uint8_t sig[KEYS_SIG_LEN];

	keys_sign(sig, text, len, sk);
	keys_b64_encode(sig_b64, KEYS_SIG_B64_LEN, sig, KEYS_SIG_LEN);
}

/* ---- diff ------------------------------------------------------------------ */

struct buf {
	char *p;
	size_t len, cap;
	int failed;
};

static void
buf_add(struct buf *b, const char *sign, const char *word, const char *value,
        const char *name)
{
	size_t need = strlen(sign) + strlen(word) + strlen(value) + (name ? strlen(name) + 3 : 0) + 4;

	if (b->failed)
		return;
	if (b->len + need > b->cap) {
		size_t cap = (b->cap ? b->cap * 2 : 256) + need;
		char *p = realloc(b->p, cap);
		if (p == NULL) {
			b->failed = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	b->len += (size_t)snprintf(b->p + b->len, b->cap - b->len, "%s%s %s%s%s%s\n", sign, word,
	                           value, name ? " (" : "", name ? name : "", name ? ")" : "");
}

static bool
cidr_in(const struct cidr *c, const struct cidr *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (cidr_same(c, &list[i]))
			return true;
	return false;
}

/* Lines of a CIDR list present in a but not in b, with sign. */
static void
diff_cidrs(struct buf *b, const char *sign, const char *word, const struct cidr *a, size_t na,
           const struct cidr *other, size_t nother, bool with_prefix)
{
	char t[IPAM_STRLEN];

	for (size_t i = 0; i < na; i++)
		if (!cidr_in(&a[i], other, nother)) {
			ipam_format(t, &a[i], with_prefix);
			buf_add(b, sign, word, t, NULL);
		}
}

/* A single-valued line that changed: the old one (if any) out, the new in. */
static void
diff_word(struct buf *b, const char *word, const char *old, const char *new)
{
	if (strcmp(old, new) == 0)
		return;
	if (old[0])
		buf_add(b, "- ", word, old, NULL);
	buf_add(b, "+ ", word, new, NULL);
}

/* The same DNS servers in another order: one "~ dns order" line. */
static void
diff_dns_order(struct buf *b, const struct statement *old, const struct statement *new)
{
	char order[STATEMENT_DNS_MAX * (IPAM_STRLEN + 1)] = "", t[IPAM_STRLEN];
	bool same_set = true, same_order = true;

	if (old->ndns != new->ndns || old->ndns < 2)
		return;
	for (size_t i = 0; i < new->ndns; i++) {
		same_set = same_set && cidr_in(&new->dns[i], old->dns, old->ndns);
		same_order = same_order && cidr_same(&new->dns[i], &old->dns[i]);
	}
	if (!same_set || same_order)
		return;
	for (size_t i = 0; i < new->ndns; i++) {
		ipam_format(t, &new->dns[i], false);
		if (i)
			strcat(order, " ");
		strcat(order, t);
	}
	buf_add(b, "~ ", "dns order", order, NULL);
}

static const char *
pair_name(statement_name_fn name, void *ctx, const char *id)
{
	return name ? name(id, ctx) : NULL;
}

char *
statement_diff(const struct statement *old, const struct statement *new,
               statement_name_fn name, void *ctx)
{
	static const struct statement none;
	struct buf b = { 0 };
	size_t i, j;

	if (old == NULL)
		old = &none;
	diff_word(&b, "mesh", old->mesh, new->mesh);
	diff_word(&b, "peer", old->peer, new->peer);
	diff_word(&b, "key", old->key, new->key);
	diff_cidrs(&b, "- ", "address", old->addresses, old->naddresses,
	           new->addresses, new->naddresses, true);
	diff_cidrs(&b, "+ ", "address", new->addresses, new->naddresses,
	           old->addresses, old->naddresses, true);
	diff_cidrs(&b, "- ", "network", old->networks, old->nnetworks,
	           new->networks, new->nnetworks, true);
	diff_cidrs(&b, "+ ", "network", new->networks, new->nnetworks,
	           old->networks, old->nnetworks, true);
	if (old->mtu != new->mtu) {
		char t[16];
		if (old->mtu) {
			snprintf(t, sizeof(t), "%d", old->mtu);
			buf_add(&b, "- ", "mtu", t, NULL);
		}
		if (new->mtu) {
			snprintf(t, sizeof(t), "%d", new->mtu);
			buf_add(&b, "+ ", "mtu", t, NULL);
		}
	}
	diff_cidrs(&b, "- ", "dns", old->dns, old->ndns, new->dns, new->ndns, false);
	diff_cidrs(&b, "+ ", "dns", new->dns, new->ndns, old->dns, old->ndns, false);
	diff_dns_order(&b, old, new);
	/* Both pair lists are sorted: one merge pass. */
	for (i = 0, j = 0; i < old->npairs || j < new->npairs;) {
		int c = i == old->npairs ? 1 : j == new->npairs ? -1 :
		        strcmp(old->pairs[i], new->pairs[j]);
		if (c < 0) {
			buf_add(&b, "- ", "pair", old->pairs[i], pair_name(name, ctx, old->pairs[i]));
			i++;
		} else if (c > 0) {
			buf_add(&b, "+ ", "pair", new->pairs[j], pair_name(name, ctx, new->pairs[j]));
			j++;
		} else {
			i++;
			j++;
		}
	}
	if (b.failed) {
		free(b.p);
		return NULL;
	}
	if (b.p == NULL)
		return strdup("");
	return b.p;
}

/* ---- revocations ----------------------------------------------------------- */

int
statement_revocation_format(const struct statement_revocation *r, char *out, size_t outsz)
{
	int n;

	if (!statement_mesh_valid(r->mesh) || !key_valid(r->key))
		return -1;
	n = snprintf(out, outsz, STATEMENT_REVOKE_MAGIC "\nmesh %s\nkey %s\nend\n", r->mesh, r->key);
	if (n < 0 || (size_t)n >= outsz)
		return -1;
	return n;
}

int
statement_revocation_parse(struct statement_revocation *r, const char *text, size_t len,
                           const char **why)
{
	char again[STATEMENT_REVOKE_MAX];
	struct lines l = { .p = text, .end = text + len };
	const char *w = NULL, *dummy;
	int n;

	memset(r, 0, sizeof(*r));
	if (why == NULL)
		why = &dummy;
	if (text == NULL || len >= STATEMENT_REVOKE_MAX) {
		*why = "the revocation is too long";
		return -1;
	}
	if (next_line(&l, &w) != 0 || strcmp(l.word, STATEMENT_REVOKE_MAGIC) != 0 ||
	    l.value[0] != '\0') {
		w = at_line(l.lineno, "not a " STATEMENT_REVOKE_MAGIC " revocation");
		goto fail;
	}
	if (next_line(&l, &w) != 0 || strcmp(l.word, "mesh") != 0 ||
	    !statement_mesh_valid(l.value)) {
		w = at_line(l.lineno, w ? w : "expected \"mesh\" and a mesh id");
		goto fail;
	}
	memcpy(r->mesh, l.value, STATEMENT_MESH_LEN);
	if (next_line(&l, &w) != 0 || strcmp(l.word, "key") != 0 || !key_valid(l.value)) {
		w = at_line(l.lineno, w ? w : "expected \"key\" and a canonical public key");
		goto fail;
	}
	memcpy(r->key, l.value, KEYS_B64_LEN);
	if (next_line(&l, &w) != 0 || strcmp(l.word, "end") != 0 || l.value[0] != '\0' ||
	    l.p != l.end) {
		w = at_line(l.lineno, w ? w : "expected \"end\" as the last line");
		goto fail;
	}
	n = statement_revocation_format(r, again, sizeof(again));
	if (n < 0 || (size_t)n != len || memcmp(again, text, len) != 0) {
		w = "not the canonical text";
		goto fail;
	}
	return 0;
fail:
	*why = w;
	memset(r, 0, sizeof(*r));
	return -1;
}
