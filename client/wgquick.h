/* SPDX-License-Identifier: MIT */
/*
 * Reading a hand-made mesh: wg-quick files (each host's wg0.conf) parsed
 * strictly, and the peers and pairs they describe put together as the body
 * of POST /admin/import. A PrivateKey is read only to derive its public key
 * here, then wiped; it is never part of what is built.
 */
#ifndef WGCONF_CLIENT_WGQUICK_H
#define WGCONF_CLIENT_WGQUICK_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

#include "ipam.h"
#include "keys.h"
#include "validate.h"

struct wgq_peer {
	char public_key[KEYS_B64_LEN];
	struct cidr *allowed;
	size_t nallowed;
	char endpoint[VALIDATE_ENDPOINT_MAX + 1];       /* "" = none */
	bool has_psk;
	int line;
};

struct wgq_file {
	char public_key[KEYS_B64_LEN];          /* derived from PrivateKey */
	struct cidr addresses[2];               /* one per family, prefix as written */
	size_t naddresses;
	int listen_port;                        /* 0 = none */
	struct wgq_peer *peers;
	size_t npeers;
	char **skipped;                         /* settings not taken over ("DNS", ...) */
	size_t nskipped;
};

/* Parses one wg-quick file. 0, or -1 with err naming the line and what is
 * wrong. The text is the caller's (it holds a private key: wipe it). f is
 * freed with wgquick_free() in both cases. */
int wgquick_parse(const char *text, size_t len, struct wgq_file *f, char *err, size_t errsz);

void wgquick_free(struct wgq_file *f);

/* The [Interface] PrivateKey of a wg-quick file, for a host adopting its
 * imported peer. 0, or -1 with err set (sk zeroed). */
int wgquick_private_key(const char *text, size_t len, uint8_t sk[KEYS_LEN], char *err,
                        size_t errsz);

/* The import body {peers, pairs} for hosts named names[i] with files
 * files[i]; notes (caller frees each and the array) say what was not taken
 * over (preshared keys, settings, peers without a file of their own).
 * NULL with err set when the files contradict each other. */
struct json_object *wgquick_import(const struct wgq_file *files, const char *const *names,
                                   size_t n, char ***notes, size_t *nnotes,
                                   char *err, size_t errsz);

#endif
