/* SPDX-License-Identifier: MIT */
/* Invite codes (table invites): only the code's hash is kept. */
#ifndef WGCONF_INVITES_H
#define WGCONF_INVITES_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"
#include "result.h"
#include "rows.h"

#define INVITE_LABEL_MAX    64          /* characters */

struct invite {
	char id[PEER_ID_LEN];
	int uses;                               /* made for this many */
	int uses_left;
	int64_t expires_at, created_at;
	char created_by[96];                    /* the admin's actor name */
	char label[INVITE_LABEL_MAX * 4 + 1];   /* UTF-8; "" = none */
	char for_peer[PEER_ID_LEN];             /* the imported peer it is for; "" = any new host */
	int when_closed;                        /* works while registration is closed */
};

struct invite_list {
	struct invite *v;
	size_t n;
};

/* Every invite, newest first. Caller frees with store_invite_list_free(). */
int store_invite_list(struct invite_list *out);
void store_invite_list_free(struct invite_list *l);

/* Stores inv (uses_left = uses) with the hash of its code. */
int store_invite_add(const struct invite *inv, const uint8_t code_hash[KEYS_LEN]);

/* DB_NOTFOUND when there is no invite id. */
int store_invite_delete(const char *id);

/* What a used invite says: its id, the imported peer it was made for
 * ("" for any new host) and whether it works while registration is closed. */
struct invite_use {
	char id[PEER_ID_LEN];
	char for_peer[PEER_ID_LEN];
	int when_closed;
};

/* Uses up once the invite whose code hashes to code_hash, if it is valid
 * at now: DB_OK with *use, DB_NOTFOUND (unknown, used up or expired). */
int store_invite_use(const uint8_t code_hash[KEYS_LEN], int64_t now, struct invite_use *use);

#endif
