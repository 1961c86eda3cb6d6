/* SPDX-License-Identifier: MIT */
/* Key rotation on the host: `wgconf rotate` (rotate.c) makes a new key
 * pair, keeps it as the next key (next.key in the state folder, 0600) and
 * asks the server to register it (POST /peer/key). Until an admin accepts
 * it, nothing changes; the host switches to it at the first sync whose
 * config is for it (its own signed statement names it, or the preshared
 * keys are sealed to it), and the old key is then gone from the host. */
#ifndef WGCONF_CLIENT_NEXTKEY_H
#define WGCONF_CLIENT_NEXTKEY_H

#include <stdint.h>

#include "keys.h"

#define NEXTKEY_FILE "next.key"

/* The pending next private key: 0, 1 when there is none, -1 with a message. */
int nextkey_load(const char *dir, uint8_t sk[KEYS_LEN]);

/* Keeps sk as the next key (0600, atomically). 0 or -1 with a message. */
int nextkey_save(const char *dir, const uint8_t sk[KEYS_LEN]);

/* Makes the next key the host's key (an atomic rename over private.key).
 * 0 or -1 with a message. */
int nextkey_promote(const char *dir);

#endif
