/* SPDX-License-Identifier: MIT */
/*
 * How a change reaches a host. A peer's revision names the bytes of its
 * config (and its record as admins see it): a host refetches when it moves,
 * and a config is kept per revision (lib/store/config.c), so a write that
 * changes what a config says and moves no revision leaves that host on the
 * old config for good.
 *
 * So every store write that changes what some peers' configs say marks them
 * here (store_revisions_touch*), inside the write's transaction, and one
 * function, store_revisions_commit(), gives every marked peer one new
 * revision just before the commit. The marks live in a TEMP table of the
 * connection: a rollback drops them with the rest of the write. The list it
 * hands back, each peer's id and new revision, is what a change
 * notification sends once the transaction is committed: that is the one
 * place one starts.
 */
#ifndef WGCONF_REVISIONS_H
#define WGCONF_REVISIONS_H

#include <stddef.h>
#include <stdint.h>

#include "rows.h"

/* Peer id's own config or record changed. DB_OK or DB_ERROR. */
int store_revisions_touch(const char *id);

/* Peer id changed in a way every peer paired with it sees (its key, its
 * endpoint, its addresses): id and its partners as the pairs stand now, so
 * call it before a pair it names is dropped. DB_OK or DB_ERROR. */
int store_revisions_touch_partners(const char *id);

/* Every accepted peer: every config (the MTU, a signed revocation, the
 * signing key). */
int store_revisions_touch_accepted(void);

/* For lib/store/ alone: touches the peers of a static statement
 *   REVISIONS_TOUCH "SELECT id FROM ... WHERE ..."
 * (a statement is cached by its address: a static string, never built). */
#define REVISIONS_TOUCH "INSERT OR IGNORE INTO temp.touched (peer_id) "
int store_revisions_touch_sql(const char *sql);

/* One peer's new revision. */
struct store_revision {
	char id[PEER_ID_LEN];
	int64_t revision;
};

struct store_revisions {
	struct store_revision *v;       /* ordered by id; owned */
	size_t n;
};

/* Stamps every peer touched in this transaction with one new revision (the
 * network's counter moved once) and forgets the marks; out (may be NULL)
 * gets the peers and their revisions. Nothing touched: nothing moves, out
 * is empty. Inside the write transaction, right before its commit. DB_OK
 * or DB_ERROR (then roll back: out is emptied). */
int store_revisions_commit(struct store_revisions *out);

/* Accepts NULL; leaves an empty, reusable list. */
void store_revisions_free(struct store_revisions *r);

#endif
