/* SPDX-License-Identifier: MIT */
/* The signed policy: the rule set in one canonical text (policy.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "text.h"

void
policy_init(struct policy *p)
{
	memset(p, 0, sizeof(*p));
}

void
policy_free(struct policy *p)
{
	if (p == NULL)
		return;
	free(p->rules);
	policy_init(p);
}

int
policy_add_rule(struct policy *p, const char *a, const char *b)
{
	struct policy_rule *grown;

	if (p->nrules >= POLICY_RULES_MAX || !statement_tag_valid(a) || !statement_tag_valid(b))
		return -1;
	if (strcmp(a, b) > 0) {
		const char *t = a;
		a = b;
		b = t;
	}
	/* Capacity doubles from 8, as statement pairs do. */
	if (p->rules == NULL || (p->nrules >= 8 && (p->nrules & (p->nrules - 1)) == 0)) {
		size_t cap = p->rules == NULL ? 8 : p->nrules * 2;
		if ((grown = realloc(p->rules, cap * sizeof(*grown))) == NULL)
			return -1;
		p->rules = grown;
	}
	snprintf(p->rules[p->nrules].a, sizeof(p->rules->a), "%s", a);
	snprintf(p->rules[p->nrules].b, sizeof(p->rules->b), "%s", b);
	p->nrules++;
	return 0;
}

/* Byte order of the "rule a b" line: a space sorts before every tag
 * character, so this is (a, b) in byte order. */
static int
rule_cmp(const struct policy_rule *x, const struct policy_rule *y)
{
	int c = strcmp(x->a, y->a);

	return c != 0 ? c : strcmp(x->b, y->b);
}

static int
rule_cmp_qsort(const void *x, const void *y)
{
	return rule_cmp(x, y);
}

int
policy_canonicalize(struct policy *p)
{
	if (p->nrules > 1)
		qsort(p->rules, p->nrules, sizeof(*p->rules), rule_cmp_qsort);
	return policy_check(p, NULL);
}

int
policy_check(const struct policy *p, const char **why)
{
	const char *w = NULL;

	if (!statement_mesh_valid(p->mesh))
		w = "the mesh id is not 32 lowercase hex digits";
	else if (p->version < 1 || p->version > STATEMENT_VERSION_MAX)
		w = "the version is not in 1..2^53";
	else if (p->nrules > POLICY_RULES_MAX)
		w = "too many rules";
	for (size_t i = 0; w == NULL && i < p->nrules; i++) {
		const struct policy_rule *r = &p->rules[i];
		if (!statement_tag_valid(r->a) || !statement_tag_valid(r->b) ||
		    strcmp(r->a, r->b) > 0)
			w = "a rule is not two tags, the smaller first";
		else if (i > 0 && rule_cmp(&p->rules[i - 1], r) >= 0)
			w = "rules are not sorted and unique";
	}
	if (why != NULL)
		*why = w;
	return w == NULL ? 0 : -1;
}

char *
policy_text(const struct policy *p, size_t *len)
{
	size_t cap = sizeof(POLICY_MAGIC) + 6 + STATEMENT_MESH_LEN + 9 + 20 + 5 +
	             p->nrules * (7 + 2 * STATEMENT_TAG_MAX);
	char *out;
	size_t n = 0;

	if (policy_check(p, NULL) != 0 || (out = malloc(cap)) == NULL)
		return NULL;
	n += (size_t)snprintf(out + n, cap - n, POLICY_MAGIC "\nmesh %s\nversion %llu\n",
	                      p->mesh, (unsigned long long)p->version);
	for (size_t i = 0; i < p->nrules; i++)
		n += (size_t)snprintf(out + n, cap - n, "rule %s %s\n", p->rules[i].a,
		                      p->rules[i].b);
	n += (size_t)snprintf(out + n, cap - n, "end\n");
	if (len != NULL)
		*len = n;
	return out;
}

/* The next line of [*pos, end) into line (NUL-terminated, without "\n"):
 * -1 when there is none, it holds a NUL or CR, or it is too long. */
static int
next_line(const char **pos, const char *end, char *line, size_t linesz)
{
	const char *nl = *pos < end ? memchr(*pos, '\n', (size_t)(end - *pos)) : NULL;
	size_t n;

	if (nl == NULL)
		return -1;
	n = (size_t)(nl - *pos);
	if (n >= linesz || memchr(*pos, '\0', n) != NULL || memchr(*pos, '\r', n) != NULL)
		return -1;
	memcpy(line, *pos, n);
	line[n] = '\0';
	*pos = nl + 1;
	return 0;
}

/* One "rule a b" line into p. */
static int
parse_rule(struct policy *p, const char *line)
{
	char a[STATEMENT_TAG_MAX + 2], b[STATEMENT_TAG_MAX + 2];
	const char *sp;
	size_t na;

	if (strncmp(line, "rule ", 5) != 0 || (sp = strchr(line + 5, ' ')) == NULL)
		return -1;
	na = (size_t)(sp - (line + 5));
	if (na == 0 || na > STATEMENT_TAG_MAX || strlen(sp + 1) > STATEMENT_TAG_MAX)
		return -1;
	memcpy(a, line + 5, na);
	a[na] = '\0';
	snprintf(b, sizeof(b), "%s", sp + 1);
	/* policy_add_rule() would put a swapped pair in order: not the text. */
	if (strcmp(a, b) > 0)
		return -1;
	return policy_add_rule(p, a, b);
}

/* The lines into p, without the canonical check. NULL, or what is wrong. */
static const char *
parse_lines(struct policy *p, const char *text, size_t len)
{
	const char *pos = text, *end = text + len;
	char line[2 * STATEMENT_TAG_MAX + 16];

	if (next_line(&pos, end, line, sizeof(line)) != 0 || strcmp(line, POLICY_MAGIC) != 0)
		return "not a " POLICY_MAGIC " policy";
	if (next_line(&pos, end, line, sizeof(line)) != 0 || strncmp(line, "mesh ", 5) != 0 ||
	    !statement_mesh_valid(line + 5))
		return "line 2: expected \"mesh\" and a mesh id";
	memcpy(p->mesh, line + 5, STATEMENT_MESH_LEN);
	if (next_line(&pos, end, line, sizeof(line)) != 0 || strncmp(line, "version ", 8) != 0 ||
	    line[8] == '0' || text_parse_u64(line + 8, 1, STATEMENT_VERSION_MAX, &p->version) != 0)
		return "line 3: expected \"version\" and a number in 1..2^53";
	for (;;) {
		if (next_line(&pos, end, line, sizeof(line)) != 0)
			return "a line too long, holding a NUL or CR, or the text ends before \"end\"";
		if (strcmp(line, "end") == 0)
			break;
		if (parse_rule(p, line) != 0)
			return "a line that is not \"rule TAG TAG\", or too many rules";
	}
	if (pos != end)
		return "bytes after \"end\"";
	return NULL;
}

int
policy_parse(struct policy *p, const char *text, size_t len, const char **why)
{
	const char *w, *dummy;
	char *again = NULL;
	size_t n = 0;

	policy_init(p);
	if (why == NULL)
		why = &dummy;
	if (text == NULL || len > POLICY_TEXT_MAX)
		w = "the policy is too long";
	else if ((w = parse_lines(p, text, len)) == NULL && policy_check(p, &w) == 0 &&
	         ((again = policy_text(p, &n)) == NULL || n != len || memcmp(again, text, len) != 0))
		w = "not the canonical text";
	free(again);
	if (w != NULL) {
		*why = w;
		policy_free(p);
		return -1;
	}
	return 0;
}

int
policy_open(struct policy *p, const char *text, size_t len, const char *sig_b64,
            const uint8_t pk[KEYS_LEN], const char **why)
{
	uint8_t sig[KEYS_SIG_LEN];
	size_t n = 0;

	policy_init(p);
	if (text == NULL || sig_b64 == NULL || strlen(sig_b64) != KEYS_SIG_B64_LEN - 1 ||
	    keys_b64_decode(sig, sizeof(sig), &n, sig_b64) != 0 || n != KEYS_SIG_LEN ||
	    statement_verify(text, len, sig, pk) != 0) {
		if (why != NULL)
			*why = "bad signature";
		return -1;
	}
	return policy_parse(p, text, len, why);
}

bool
policy_pairs(const struct policy *p, const struct statement *x, const struct statement *y)
{
	for (size_t i = 0; i < p->nrules; i++) {
		const struct policy_rule *r = &p->rules[i];

		if ((statement_has_tag(x, r->a) && statement_has_tag(y, r->b)) ||
		    (statement_has_tag(x, r->b) && statement_has_tag(y, r->a)))
			return true;
	}
	return false;
}

/* Appends "SIGN rule a b\n" to *out (of *len bytes); -1 out of memory. */
static int
diff_line(char **out, size_t *len, char sign, const struct policy_rule *r)
{
	size_t need = strlen("- rule  \n") + strlen(r->a) + strlen(r->b) + 1;
	char *grown = realloc(*out, *len + need);

	if (grown == NULL)
		return -1;
	*out = grown;
	*len += (size_t)snprintf(*out + *len, need, "%c rule %s %s\n", sign, r->a, r->b);
	return 0;
}

char *
policy_diff(const struct policy *old, const struct policy *new)
{
	static const struct policy none;
	char *out = strdup("");
	size_t len = 0, i = 0, j = 0;

	if (old == NULL)
		old = &none;
	while (out != NULL && (i < old->nrules || j < new->nrules)) {
		int c = i == old->nrules ? 1 : j == new->nrules ? -1 :
		        rule_cmp(&old->rules[i], &new->rules[j]);
		int r = 0;

		if (c < 0)
			r = diff_line(&out, &len, '-', &old->rules[i++]);
		else if (c > 0)
			r = diff_line(&out, &len, '+', &new->rules[j++]);
		else
			i++, j++;
		if (r != 0) {
			free(out);
			out = NULL;
		}
	}
	return out;
}
