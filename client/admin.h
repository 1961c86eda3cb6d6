/* SPDX-License-Identifier: MIT */
/* `wgconf admin`: the admin API from a shell. admin.c parses the options,
 * finds the server and the credentials and dispatches; each admin_*.c holds
 * a group of subcommands. Peers may be named by id or by a unique name. */
#ifndef WGCONF_CLIENT_ADMIN_H
#define WGCONF_CLIENT_ADMIN_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

#include "fetch.h"
#include "state.h"

#define ADMIN_ARGS_MAX 64       /* positional arguments of a subcommand */

struct admin {
	const char *server;
	struct fetch_tls tls;
	struct fetch_auth auth;
	char *password;
	size_t password_len;
	struct state st;
	struct json_object *peers;      /* GET /admin/peers, fetched once */

	/* subcommand options, as given (checked by the subcommand) */
	bool json;
	const char *state_filter, *name, *address, *networks, *endpoint, *tags;
	const char *uses, *expires, *since, *limit;
	const char *label;              /* --label of admin invite */
	const char *for_peer;           /* --for of admin invite: an imported peer */
	bool when_closed;               /* --when-closed of admin invite */
	const char *ipv4, *ipv6, *keepalive, *mtu, *dns, *signing_key;
	const char *out, *key;
	bool yes, all;
	/* the limits (network) and bulk reject */
	const char *registration, *pending_max, *pending_max_prefix, *pending_expire;
	const char *endpoint_interval;
	const char *audit_max_age, *audit_max_rows, *audit_coalesce, *older_than;
};

/* One admin request; a 401 is reported (with how to log in) and is -1 like
 * a transport error. 0 when any other answer arrived. */
int admin_request(struct admin *a, const char *method, const char *path,
                  struct json_object *body, struct fetch_response *resp);

/* The array under key in a 200 answer; NULL after reporting the answer as
 * what failed. Borrowed from resp. */
struct json_object *admin_array(const struct fetch_response *resp, const char *key,
                                const char *what);

/* A table of the elements of arr: a header line, then one row each, filled
 * by row (ncols terminal-safe cells), each column as wide as its widest
 * cell. An exit status. */
#define ADMIN_CELL 256
#define ADMIN_COLS_MAX 16
typedef void admin_row_fn(void *ctx, struct json_object *element,
                          char (*cells)[ADMIN_CELL]);
int admin_print_list(struct json_object *arr, const char *const head[], size_t ncols,
                     admin_row_fn *row, void *ctx);

/* Every row of a paged list: GET path (with its query, or none) page by
 * page, following next_cursor, the rows under key gathered into *all
 * (caller puts). 0, or -1 after saying what failed (what). */
int admin_get_all(struct admin *a, const char *path, const char *key, const char *what,
                  struct json_object **all);

/* GET /admin/peers once into a->peers. 0 or -1 (said). */
int admin_load_peers(struct admin *a);

/* The peer an id or a unique name refers to, borrowed from a->peers; NULL
 * after saying why (none, or an ambiguous name). */
struct json_object *admin_find_peer(struct admin *a, const char *ref);

/* The URL-safe id of a referenced peer (and its name in *name, when name
 * is not NULL); borrowed. NULL after saying why. */
const char *admin_peer_id(struct admin *a, const char *ref, const char **name);

/* The name of the peer with id, for showing pairs; the id when unknown. */
const char *admin_name_of(struct admin *a, const char *id);

/* obj as pretty JSON on stdout (--json); EXIT_OK. */
int admin_print_json(struct json_object *obj);

/* "a,b,c" (terminal-safe) of a JSON array of strings in obj's key, or of
 * peer names (names) for pairs; "-" for none. */
void admin_join_array(struct admin *a, struct json_object *obj, const char *key,
                      bool names, char *out, size_t outsz);

/* "a,b,c" -> JSON array after checking each with check; NULL after a usage
 * message when one is bad. "" or "none" gives an empty array. Caller puts. */
struct json_object *admin_split_list(const char *s, const char *opt,
                                     int (*check)(const char *));
int admin_check_network(const char *s);        /* a CIDR network */
int admin_check_host_address(const char *s);   /* an address, prefix optional */
int admin_check_dns(const char *s);            /* one IP address */
int admin_check_tag(const char *s);            /* a tag: 1-32 of a-z 0-9 _ - */

/* The subcommands: argv holds the positional arguments only. */
int admin_peers(struct admin *a, int argc, char **argv);
int admin_accept(struct admin *a, int argc, char **argv);
int admin_edit(struct admin *a, int argc, char **argv);
int admin_reject(struct admin *a, int argc, char **argv);
int admin_delete(struct admin *a, int argc, char **argv);
int admin_config(struct admin *a, int argc, char **argv);
int admin_pair(struct admin *a, int argc, char **argv);
int admin_unpair(struct admin *a, int argc, char **argv);
int admin_tag(struct admin *a, int argc, char **argv);
int admin_untag(struct admin *a, int argc, char **argv);
int admin_rules(struct admin *a, int argc, char **argv);
int admin_invite(struct admin *a, int argc, char **argv);
int admin_invites(struct admin *a, int argc, char **argv);
int admin_network(struct admin *a, int argc, char **argv);
int admin_audit(struct admin *a, int argc, char **argv);
int admin_signing_key(struct admin *a, int argc, char **argv);
int admin_sign(struct admin *a, int argc, char **argv);
int admin_links(struct admin *a, int argc, char **argv);
int admin_export(struct admin *a, int argc, char **argv);
int admin_import(struct admin *a, int argc, char **argv);
int admin_accept_key(struct admin *a, int argc, char **argv);

/* admin_limits.c: the limit options of `network` into body (*put set when
 * any), 0 or EXIT_USAGE (said); their lines of the network display; bulk
 * reject (several peers, --older-than, --name). */
int admin_limit_changes(const struct admin *a, struct json_object *body, bool *put);
void admin_limit_print(struct json_object *net);
int admin_reject_bulk(struct admin *a, int argc, char **argv);

/* "90", "90s", "15m", "24h", "7d", "2w" -> seconds (1 s to 366 days). */
int admin_parse_duration(const char *s, unsigned long *out);
/* "0", "90", "90s", "15m", "24h", "7d", "2w" -> seconds in min..max
 * (the number before the unit counts against min). 0 or -1. */
int admin_parse_seconds(const char *s, unsigned long min, unsigned long max,
                        unsigned long *out);

#endif
