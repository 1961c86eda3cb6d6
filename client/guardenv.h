/* SPDX-License-Identifier: MIT */
/* What guard protects, as this host knows it (`ip -j`), and the routes the
 * operator allows anyway (`wgconf allow-route`, the file allowed-routes in
 * the state folder: one canonical CIDR a line, 0600). */
#ifndef WGCONF_CLIENT_GUARDENV_H
#define WGCONF_CLIENT_GUARDENV_H

#include "guard.h"

#define GUARDENV_ALLOW_FILE "allowed-routes"
#define GUARDENV_ALLOW_MAX 1024

/* Adds to env the server's address (server_ip, as libcurl reached it; may be
 * NULL or ""), the default gateways of every routing table, and the networks
 * of the addresses on every interface but iface (the tunnel itself). 0, or
 * -1 with a message when `ip` cannot tell: then nothing can be checked, and
 * the caller must not go on. */
int guardenv_gather(struct guard_env *env, const char *iface, const char *server_ip);

/* The allowed routes in dir: *out (caller frees with guard_free_lines) and
 * their number. A file that does not exist is an empty list. 0, or -1 with
 * a message (a damaged file is an error, never an empty list). */
int guardenv_allow_read(const char *dir, char ***out, size_t *n);

/* Loads the allowed routes into env. 0 or -1 with a message. */
int guardenv_allow_load(struct guard_env *env, const char *dir);

/* Adds (add true) or removes a canonical CIDR; 1 when nothing changed
 * (already there, or not there), 0 done, -1 with a message. */
int guardenv_allow_change(const char *dir, const char *cidr, bool add);

#endif
