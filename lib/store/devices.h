/* SPDX-License-Identifier: MIT */
/*
 * Devices (tables devices, device_invites): phones and laptops that join
 * by an invite link with a key their browser made, and never sync. A
 * device is a peer with a devices row; its gateway routes for it
 * (its other pairs go through the gateway: pairs.via, set in lib/store/pairs.c,
 * as a relayed pair goes through its relay). DB_OK, DB_NOTFOUND, DB_CONFLICT
 * or DB_ERROR.
 */
#ifndef WGCONF_DEVICES_H
#define WGCONF_DEVICES_H

#include <stddef.h>
#include <stdint.h>

#include "invites.h"
#include "keys.h"
#include "result.h"
#include "rows.h"

#define DEVICE_JSON_MAX 1024    /* tags and routes, stored as JSON text */

struct device_invite {
	char id[PEER_ID_LEN];
	int uses, uses_left;
	int64_t expires_at, created_at;
	char created_by[96];
	char label[INVITE_LABEL_MAX * 4 + 1];   /* "" = none */
	char name[VALIDATE_NAME_MAX + 1];       /* "" = the device names itself */
	char gateway[PEER_ID_LEN];
	char gateway_name[VALIDATE_NAME_MAX + 1];       /* read only */
	char tags[DEVICE_JSON_MAX];             /* JSON array of tags */
	char routes[DEVICE_JSON_MAX];           /* JSON array: "mesh", "all", CIDRs */
	char replaces[PEER_ID_LEN];             /* "" = none */
};

struct device_invite_list {
	struct device_invite *v;
	size_t n;
};

/* Stores inv (uses_left = uses) with the hash of its code. */
int store_device_invite_add(const struct device_invite *inv, const uint8_t code_hash[KEYS_LEN]);

/* Every device invite, newest first. Caller frees the list. */
int store_device_invite_list(struct device_invite_list *out);
void store_device_invite_list_free(struct device_invite_list *l);

/* DB_NOTFOUND when there is no such invite. */
int store_device_invite_delete(const char *id);

/* The invite whose code hashes to code_hash if it is valid at now (uses
 * left, not expired): DB_OK with *inv, DB_NOTFOUND. */
int store_device_invite_find(const uint8_t code_hash[KEYS_LEN], int64_t now,
                             struct device_invite *inv);

/* Uses invite id up once (it was found valid in this transaction). */
int store_device_invite_use(const char *id);

/* Marks peer id a device routed by gateway, sending routes (JSON text). */
int store_device_add(const char *id, const char *gateway, const char *routes,
                     const char *label);

/* One device as the admin sees it. */
struct device {
	char id[PEER_ID_LEN];
	char name[VALIDATE_NAME_MAX + 1];
	char public_key[KEYS_B64_LEN];
	char addr4[IPAM_STRLEN], addr6[IPAM_STRLEN];
	char gateway[PEER_ID_LEN];              /* "" = its gateway is gone */
	char gateway_name[VALIDATE_NAME_MAX + 1];
	char routes[DEVICE_JSON_MAX];
	char label[INVITE_LABEL_MAX * 4 + 1];
	int64_t created_at;
	int64_t latest_handshake;               /* the gateway's report; 0 = none */
	int64_t reported_at;                    /* 0 = never reported */
};

struct device_list {
	struct device *v;
	size_t n;
};

/* Every device, oldest first; one device when id is not NULL (DB_NOTFOUND
 * when it is not one). Caller frees the list. */
int store_device_list(struct device_list *out, const char *id);
void store_device_list_free(struct device_list *l);

/* DB_OK when peer id is a device, DB_NOTFOUND when not. */
int store_device_is(const char *id);

#endif
