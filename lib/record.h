/* SPDX-License-Identifier: MIT */
/* The bytes an admin signs about a peer: shared by the server (which stores
 * and reports signatures) and the client (which checks them). */
#ifndef WGCONF_RECORD_H
#define WGCONF_RECORD_H

#include <stddef.h>
#include <json-c/json.h>

/*
 * The text an admin signs with the offline Ed25519 key, so that a peer can
 * refuse a record the server made up or changed: the two things that let a
 * forged record intercept traffic, the key and the routes.
 *
 *   "wgconfsrv-peer-v1\n" PUBLIC_KEY "\n" ALLOWED_IP "," ALLOWED_IP ... "\n"
 *
 * Returns the length written to out (NUL-terminated), or -1 when it does not fit.
 */
int record_signed_text(char *out, size_t outsz, const char *public_key,
                       struct json_object *allowed_ips);

#endif
