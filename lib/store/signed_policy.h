/* SPDX-License-Identifier: MIT */
/* The signed policy (lib/store/signed_policy.c, docs/trust.md): the rule set the
 * admin signs as one document, and the rules it is proposed from. */
#ifndef WGCONF_STORE_POLICY_H
#define WGCONF_STORE_POLICY_H

#include <stdint.h>

#include "result.h"
#include "rows.h"

/* The policy as last signed (text NULL and version 0 before the first
 * signature). The caller frees out with rows_policy_free(). */
int store_policy_get(struct policy_row *out);

/* Every rule as its two tags "a b" (a <= b), in (a, b) order: what the
 * proposed policy says. Appended to out; the caller frees it. */
int store_policy_rules(struct strlist *out);

/* Stores the admin's signature of the policy text at version, as PUT
 * /admin/policy/signature verified it; every accepted peer's config
 * carries it, so each is touched. */
int store_policy_sign(int64_t version, const char *text, const uint8_t sig[KEYS_SIG_LEN]);

#endif
