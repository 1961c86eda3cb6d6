/* SPDX-License-Identifier: MIT */
/*
 * The storage layer, lib/store/: every table's SQL, a file per resource,
 * and nothing else in the program includes <sqlite3.h> or names a table
 * (tests/tools/nosql.sh keeps it so). Rows in, structs out (lib/store/rows.h);
 * what the API shows is built from the structs by lib/views/. Nothing here
 * opens or ends a transaction: the dispatcher (lib/api/api.c) does, once per
 * request, and a write's revisions move in one place at its end
 * (lib/store/revisions.h). Every function returns DB_OK, DB_NOTFOUND,
 * DB_CONFLICT or DB_ERROR (lib/store/result.h) unless it says otherwise.
 */
#ifndef WGCONF_STORE_H
#define WGCONF_STORE_H

#include "addresses.h"
#include "audit.h"
#include "config.h"
#include "invites.h"
#include "links.h"
#include "network.h"
#include "pairs.h"
#include "peers.h"
#include "quota.h"
#include "result.h"
#include "revisions.h"
#include "rows.h"
#include "stats.h"
#include "trust.h"

#endif
