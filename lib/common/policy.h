/* SPDX-License-Identifier: MIT */
/*
 * The admin-signed policy (docs/trust.md): the rule set as one document, so
 * that a rule pairing every peer tagged a with every peer tagged b is one
 * signature, and a peer's statement carries its tags, not the pairs rules
 * make. Shared by the server (which proposes and stores it), `wgconf admin
 * sign` (which shows a diff and signs) and the host (which pairs two signed
 * statements when a signed rule pairs their signed tags).
 *
 *   wgconfsrv-policy-v1
 *   mesh <32 lowercase hex digits>
 *   version <1..2^53, no leading zero>
 *   rule <tag a> <tag b>                            0..4096, a <= b, sorted, unique
 *   end
 *
 * Every line ends in "\n", single spaces; "sorted" is byte order of the
 * line text (LC_ALL=C sort). One text per policy: the parser takes only
 * the text policy_text() writes. Pure; keys_init() must have run.
 */
#ifndef WGCONF_POLICY_H
#define WGCONF_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keys.h"
#include "statement.h"

#define POLICY_MAGIC     "wgconfsrv-policy-v1"
#define POLICY_RULES_MAX 4096
#define POLICY_TEXT_MAX  (1u << 20)

struct policy_rule {
	char a[STATEMENT_TAG_MAX + 1];          /* a <= b */
	char b[STATEMENT_TAG_MAX + 1];
};

struct policy {
	char mesh[STATEMENT_MESH_LEN];
	uint64_t version;
	struct policy_rule *rules;              /* owned, see policy_free() */
	size_t nrules;
};

/* An empty policy, ready for policy_add_rule(). */
void policy_init(struct policy *p);

/* Frees the rules and empties p; accepts NULL. */
void policy_free(struct policy *p);

/* Adds the rule pairing tags a and b (either order). -1 for a bad tag or a
 * full list (p unchanged). */
int policy_add_rule(struct policy *p, const char *a, const char *b) STATEMENT_WARN_UNUSED;

/* Sorts the rules; -1 when one is there twice or p is otherwise not valid. */
int policy_canonicalize(struct policy *p) STATEMENT_WARN_UNUSED;

/* 0 when p is complete and canonical; *why (may be NULL) says why not. */
int policy_check(const struct policy *p, const char **why) STATEMENT_WARN_UNUSED;

/* The signed text of canonical p, in a new buffer the caller frees; NULL
 * when p is not canonical or out of memory. *len may be NULL. */
char *policy_text(const struct policy *p, size_t *len);

/* Strict parse of len bytes: exactly the text policy_text() gives. On -1 p
 * is empty and *why (may be NULL, static storage) says what was wrong. The
 * caller frees p. */
int policy_parse(struct policy *p, const char *text, size_t len,
                 const char **why) STATEMENT_WARN_UNUSED;

/* Verify (base64 signature) under pk, then parse; *why is "bad signature"
 * or the parse error. The caller frees p. */
int policy_open(struct policy *p, const char *text, size_t len, const char *sig_b64,
                const uint8_t pk[KEYS_LEN], const char **why) STATEMENT_WARN_UNUSED;

/* True when a rule of p pairs a tag of x with a tag of y (either way). */
bool policy_pairs(const struct policy *p, const struct statement *x, const struct statement *y);

/* What a signer must see: "- rule a b" / "+ rule a b" lines of new over old
 * (NULL: nothing signed yet). "" when only the version differs; a new string
 * the caller frees, NULL out of memory. */
char *policy_diff(const struct policy *old, const struct policy *new);

#endif
