/* SPDX-License-Identifier: MIT */
/* The wgconf client: the data model (a peer's config as the server sends it)
 * and the interfaces between the client's modules. */
#ifndef WGCONF_CLIENT_H
#define WGCONF_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <json-c/json.h>

#include "keys.h"

/* Exit status, as DESIGN.md fixes it. */
enum {
	EXIT_OK = 0,
	EXIT_ERR = 1,
	EXIT_USAGE = 2,
	EXIT_PENDING = 3,       /* registered, not yet accepted by an admin */
	EXIT_REVIEW = 4,        /* changes held for a human to review */
};

#define WGCONF_DEFAULT_STATE_DIR "/var/lib/wgconf"
#define WGCONF_DEFAULT_CONFIG_DIR "/etc/wireguard"
#define WGCONF_HEADER "# Written by wgconf"
#define WGCONF_IFNAME_MAX 15

/* ---- model (model.c) ---------------------------------------------------- */

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
	char *signature;                /* base64 as the server sent it, or NULL */
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

/* With a trusted Ed25519 key (the admin's offline signing key): leaves out
 * of cfg every peer whose "signature" is not that key's signature of the
 * peer's record, record_signed_text() over its public key and AllowedIPs
 * exactly as they will be configured. Nothing the server says is taken on
 * trust here: an entry that is unsigned, malformed, signed by another key or
 * changed since it was signed is dropped. One line per peer left out, naming
 * it and why, goes to *lines (caller frees with model_free_lines). Returns
 * how many were left out, or -1 when out of memory (the peers are left out
 * all the same, but *lines is incomplete). */
int model_check_signatures(struct mesh_config *cfg, const uint8_t trusted[KEYS_LEN],
                           char ***lines, size_t *n);

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

/* Frees what cfg owns and wipes the opened PSKs; accepts NULL. */
void model_free(struct mesh_config *cfg);

/* ---- render (render.c) -------------------------------------------------- */

enum render_format { RENDER_WG_QUICK, RENDER_WG, RENDER_VYOS };

/* Parses "wg-quick", "wg", "vyos"; -1 for anything else. */
int render_parse_format(const char *s, enum render_format *fmt);

/* Renders cfg (PSKs opened) with the private key. header adds the
 * "written by wgconf" marker line. Returns a malloc'd string owned by the
 * caller, who wipes it (it holds secrets) with render_free; NULL on error. */
char *render_config(const struct mesh_config *cfg, enum render_format fmt,
                    const char *iface, const char *private_key_b64, bool header,
                    size_t *len);

/* Wipes and frees a rendered config; accepts NULL. */
void render_free(char *text, size_t len);

/* A VyOS-safe peer alias: letters, digits, '-', '_', at most 64 chars. */
void render_vyos_name(char *out, size_t outsz, const char *name);

/* ---- fetch (fetch.c: libcurl) ------------------------------------------- */

struct fetch_tls {
	const char *cacert;             /* CA bundle file, or NULL for system CAs */
	const char *pin;                /* "sha256//BASE64[;sha256//...]" or NULL */
	bool insecure_http;             /* allow http:// (loopback tests) */
};

struct fetch_auth {
	const char *bearer;             /* peer token, or NULL */
	const char *user;               /* admin basic auth */
	const char *password;
	bool netrc;                     /* fill what is missing from ~/.netrc */
	const char *netrc_file;         /* instead of ~/.netrc */
};

struct fetch_response {
	long status;
	char *body;                     /* NUL-terminated, owned */
	size_t len;
	char etag[64];
	struct json_object *json;       /* parsed body when it is JSON, owned */
};

/* Checks a --pin value; 0 or -1. */
int fetch_check_pin(const char *pin);

/* Checks a server URL (https://, or http:// with insecure); -1 with a
 * message on stderr. */
int fetch_check_url(const char *url, bool insecure_http);

/* One request to base + "/api/v1" + path. body (may be NULL) is sent as
 * JSON; with json_body_always, an empty object is sent when it is NULL (the
 * admin API wants Content-Type on every state-changing request).
 * 0 when a response arrived (any status), -1 on a transport or TLS error,
 * reported on stderr. resp is owned by the caller: fetch_response_free. */
int fetch_request(const char *base, const char *method, const char *path,
                  const struct fetch_tls *tls, const struct fetch_auth *auth,
                  struct json_object *body, const char *if_none_match,
                  struct fetch_response *resp);

/* The error code of an error body ("peer_pending"), or "" */
const char *fetch_error_code(const struct fetch_response *resp);

/* Prints "wgconf: WHAT: MESSAGE (HTTP N, code)" from an error response. */
void fetch_report(const struct fetch_response *resp, const char *what);

void fetch_response_free(struct fetch_response *resp);

void fetch_global_init(void);
void fetch_global_cleanup(void);

/* ---- state (state.c) ---------------------------------------------------- */

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

/* ---- apply (apply.c) ---------------------------------------------------- */

/* Runs argv (no shell) and waits. in/inlen go to its stdin when in is set;
 * out, when set, gets its stdout (malloc'd, caller frees). Returns the exit
 * status, or -1 when it could not run. */
int apply_run(const char *const argv[], const char *in, size_t inlen, char **out);

/* Brings interface iface to cfg: `wg syncconf` with wg_text (the stripped
 * config), addresses, MTU, link up, routes for AllowedIPs outside the
 * interface subnets (and removal of routes wgconf added that are no longer
 * wanted). Sessions stay up. 0 or -1 with messages on stderr. */
int apply_config(const char *iface, const struct mesh_config *cfg,
                 const char *wg_text, size_t wg_len, bool verbose);

/* ---- admin (admin.c) ---------------------------------------------------- */

int admin_main(int argc, char **argv);

/* ---- shared helpers (wgconf.c) ------------------------------------------ */

extern const char *progname;

void warnx_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define errmsg warnx_

/* Strict parsing of a decimal number in [min, max]; -1 otherwise. */
int parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out);

/* A valid interface name (1–15 of letters, digits, '.', '-', '_'). */
bool valid_ifname(const char *s);

/* Parses a JSON document from a server or a file: depth-limited, trailing
 * bytes rejected. NULL on error. */
struct json_object *parse_json(const char *text, size_t len);

/* A string member of obj, or NULL. Borrowed from obj. */
const char *json_str(struct json_object *obj, const char *key);

/* Letters, digits, '-', '_', '.', '~' only, 1..max long: safe in a URL path
 * and an HTTP header. */
bool safe_token(const char *s, size_t max);

/* s with everything but printable ASCII replaced by '?', in buf; "-" for
 * NULL. For server text shown on a terminal. */
const char *printable(const char *s, char *buf, size_t bufsz);

#endif
