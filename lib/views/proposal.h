/* SPDX-License-Identifier: MIT */
/*
 * The server's side of signed statements (docs/trust.md): the statement an
 * admin would sign for a peer now (its proposal), and how the last signed
 * one compares. Pure: structs in (lib/store/ loads them), no database.
 */
#ifndef WGCONF_PROPOSAL_H
#define WGCONF_PROPOSAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rows.h"
#include "statement.h"

/* The proposed statement of p at version: its current key, its addresses
 * with the pools' prefixes, its networks, the network's MTU and DNS, the
 * peers it is paired with. 0, or -1 when a stored value does not fit a
 * statement (a row written behind the server's back) or out of memory; s is
 * then empty. The caller frees s with statement_free(). */
int proposal_build(struct statement *s, const struct peer *p, const struct network *net,
                   uint64_t version);

/* The text of that proposal, in a new buffer the caller frees; NULL on
 * error. *len may be NULL. */
char *proposal_text(const struct peer *p, const struct network *net, uint64_t version,
                    size_t *len);

/* "none" (nothing signed), "valid" (the stored statement verifies under the
 * network's signing key) or "invalid". */
const char *proposal_signature_state(const struct peer *p, const struct network *net);

/* True when, under a signing key, accepted peer p was never signed, its
 * stored statement does not verify under that key, or its proposal differs
 * from what was last signed (the signed version aside). */
bool proposal_unsigned_changes(const struct peer *p, const struct network *net);

#endif
