/* SPDX-License-Identifier: MIT */
/* The data model: a peer's config as the server sends it, checked, and
 * what can be said about it (signatures, routes, the review diff). */
#ifndef WGCONF_CLIENT_MODEL_H
#define WGCONF_CLIENT_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "keys.h"


struct mesh_peer {
	char *id;
	char *name;
	char *public_key;               /* base64, validated */
	char *psk_sealed;               /* base64 of the sealed box */
	char psk[KEYS_B64_LEN];         /* opened by model_open_psks; wiped on free */
	char *endpoint;                 /* "host:port", "[v6]:port" or NULL (NAT) */
	char **allowed_ips;             /* canonical CIDR text */
	size_t n_allowed_ips;
	int keepalive;                  /* seconds, 0 for none */
};

struct mesh_config {
	long long revision;
	char **addresses;               /* "10.77.0.2/24" */
	size_t n_addresses;
	int listen_port;                /* 0 for none */
	int mtu;                        /* 0 for none */
	char **dns;
	size_t n_dns;
	struct mesh_peer *peers;
	size_t n_peers;
	char **warnings;
	size_t n_warnings;
	bool relay;                     /* the server asks this host to relay */
};

/* Fills cfg from the JSON of GET /peer/config, validating every field that
 * ends up in a config file or a command line (the server is not trusted to
 * send well-formed keys, names or addresses). 0, or -1 with err set (and
 * cfg emptied). cfg is owned by the caller: model_free. */
int model_from_json(struct mesh_config *cfg, struct json_object *obj,
                    char *err, size_t errlen);

/* Opens every peer's sealed PSK with the host's key pair; a box that does
 * not open is an error (-1, err names the peer), never an empty key. */
int model_open_psks(struct mesh_config *cfg, const uint8_t pk[KEYS_LEN],
                    const uint8_t sk[KEYS_LEN], char *err, size_t errlen);

/* True when an AllowedIPs entry needs a route through the interface: it is
 * not inside the subnet of an interface address, and is not a default route
 * (which would swallow the tunnel's own packets; wg-quick's job). */
bool model_needs_route(const struct mesh_config *cfg, const char *cidr);

/* The changes from old (NULL: nothing configured yet) to new that could let
 * someone into the tunnel or redirect traffic: a new peer, a changed
 * public key, changed AllowedIPs, changed interface addresses. Each is one
 * human-readable line appended to *lines (malloc'd, caller frees with
 * model_free_lines). Removals and endpoint, keepalive, MTU or DNS changes
 * are not listed. 0 or -1 (out of memory). */
int model_diff_sensitive(const struct mesh_config *old, const struct mesh_config *new,
                         char ***lines, size_t *n);
void model_free_lines(char **lines, size_t n);
/* "a, b, c" of a list, or empty when there is none, for a message;
 * NULL out of memory, else the caller frees it. */
char *model_join(char **v, size_t n, const char *empty);
/* Appends a line made from fmt to *lines (*n of them; malloc'd, the caller
 * frees with model_free_lines). 0, or -1 out of memory (nothing added). */
int model_add_line(char ***lines, size_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Frees what cfg owns and wipes the opened PSKs; accepts NULL. */
void model_free(struct mesh_config *cfg);
/* Frees what one peer owns and wipes its opened PSK (p itself is not freed). */
void model_mesh_peer_free(struct mesh_peer *p);

/* Parses a JSON document from a server or a file: depth-limited, trailing
 * bytes rejected. NULL on error; the caller puts the object. */
struct json_object *model_parse_json(const char *text, size_t len);

#endif
