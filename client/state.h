/* SPDX-License-Identifier: MIT */
/* The state folder: key, registration, sync and held records, lock. */
#ifndef WGCONF_CLIENT_STATE_H
#define WGCONF_CLIENT_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "keys.h"

#define WGCONF_DEFAULT_STATE_DIR "/var/lib/wgconf"


struct state {
	char *dir;
	char *server;
	char *id;
	char *token;
	char *name;
	char *cacert;                   /* absolute path or NULL */
	char *pin;
	bool insecure_http;
	char *trust_key;                /* admin's Ed25519 public key (base64) or
	                                   NULL: peer records are not checked */
};

/* The state folder: opt, else $WGCONF_STATE_DIR, else the default. */
const char *state_dir_choose(const char *opt);

/* Loads dir/state.json. 0; 1 when there is no state (not registered);
 * -1 with a message on stderr. st is owned by the caller: state_free. */
int state_load(struct state *st, const char *dir);

/* Creates the folder (0700) if needed and writes state.json (0600). */
int state_save(const struct state *st);

void state_free(struct state *st);

/* The private key: dir/private.key, in `wg genkey` form. */
int state_key_load(const char *dir, uint8_t sk[KEYS_LEN]);
int state_key_save(const char *dir, const uint8_t sk[KEYS_LEN]);

/* Reads a key file in `wg genkey` form (44 base64 characters, optional
 * newline). 0 or -1 with a message. */
int state_key_read_file(const char *path, uint8_t sk[KEYS_LEN]);

/* Makes the folder (0700) and checks it can be written. */
int state_dir_prepare(const char *dir);

/* Reads a whole file (at most max bytes) into a NUL-terminated malloc'd
 * buffer. 0, 1 when it does not exist, -1 on error (errno set). */
int state_read_file(const char *path, size_t max, char **out, size_t *len);

/* Writes data to path atomically: a temporary file in the same folder,
 * fsync, rename, fsync of the folder. mode is set before any byte is
 * written. 0 or -1 with a message on stderr. */
int state_write_atomic(const char *path, const char *data, size_t len, unsigned mode);

/* Per-interface sync record: the ETag and the config that was written. */
int state_sync_load(const char *dir, const char *iface, char **etag, char **path,
                    struct json_object **config);
int state_sync_save(const char *dir, const char *iface, const char *etag,
                    const char *path, struct json_object *config);

/* Changes held for review (sync --review): the same record, held-IFACE.json. */
int state_held_load(const char *dir, const char *iface, char **etag, char **path,
                    struct json_object **config);
int state_held_save(const char *dir, const char *iface, const char *etag,
                    const char *path, struct json_object *config);
int state_held_remove(const char *dir, const char *iface);

/* The interfaces with changes held for review, "wg0, wg1" in out; the count. */
int state_held_list(const char *dir, char *out, size_t outsz);

/* Takes the folder's lock (waits for another wgconf sync to finish): a file
 * descriptor to close when done, or -1 with a message. */
int state_lock(const char *dir);

/* Removes the sync and held records (a new registration: an ETag of the old
 * peer must not be sent for the new one). */
int state_remove_records(const char *dir);

/* Removes every file wgconf keeps in dir (deregister). */
int state_remove_all(const char *dir);

#endif
