/* SPDX-License-Identifier: MIT */
/*
 * The harness the API suites share (check_api, check_api_ops, check_trust,
 * check_hostile): a fresh SQLite file per test, requests filled as the
 * responder fills them and sent through api_handle(), test peers that keep
 * their key pairs, "this failure changed no row" snapshots, a scan for
 * stored secrets at the end of each test, and database faults injected at
 * every step of a request. The names are short on purpose: they are the
 * vocabulary the tests are written in.
 */
#ifndef WGCONF_API_HARNESS_H
#define WGCONF_API_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "api.h"
#include "keys.h"
#include "unit.h"

#define ADMIN_USER "root"
#define HOST       "wg.example"

/* The last answer: valid until the next call. */
extern struct response R;
/* The test's database file (a test may rebuild it, closed, in place). */
extern char dbpath[64];

/* Check fixture: keys_init, a new database file, no secrets seen yet; the
 * teardown scans every table for them, then removes the file. */
void harness_setup(void);
void harness_teardown(void);

/* A secret seen by the test (a token, an invite code): no row may hold it. */
void remember_secret(const void *p, size_t len);
/* The same, also as the base64 and hex texts it might be stored as. */
void remember_secret_bytes(const uint8_t *p, size_t len);
/* Drops the last n remembered (a test that registers more peers than fit:
 * new_keys remembers 3, a registration 1 more). */
void forget_secrets(size_t n);

/* Every row of every table, as text: what "the database did not change"
 * compares. Owned by the caller (free). */
char *snapshot(void);

/* API_PREFIX + fmt with arguments, in one of four rotating static buffers. */
const char *path(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Fills rq as the responder does (JSON content type when there is a body).
 * The path and Authorization header live in static buffers until the next
 * call. */
void base_request(struct request *rq, const char *user, const char *token, const char *method,
                  const char *p, const char *body);
/* Sends rq into R, checks what every answer shares; the status. */
int send_req(struct request *rq);
int call(const char *user, const char *token, const char *method, const char *p,
         const char *body);
int admin(const char *method, const char *p, const char *body);

/* A failing call: its status, its error code, and not one row changed. */
void fails_req(int want, const char *code, struct request *rq);
void fails(int want, const char *code, const char *user, const char *token, const char *method,
           const char *p, const char *body);

#define ADMIN_FAILS(st, code, m, p, b)      fails((st), (code), ADMIN_USER, NULL, (m), (p), (b))
#define PEER_FAILS(st, code, tok, m, p, b)  fails((st), (code), NULL, (tok), (m), (p), (b))
#define ANON_FAILS(st, code, m, p, b)       fails((st), (code), NULL, NULL, (m), (p), (b))
#define OK(expr, want) do {                                                            \
		int got_ = (expr);                                                     \
		ck_assert_msg(got_ == (want), "%s: got %d (%s: %s), want %d", #expr, got_, \
		              R.error_code ? R.error_code : "-", R.error_message, (want)); \
	} while (0)

/* JSON readers that insist the field is there and of its type. Pointers
 * are borrowed from o. */
struct json_object *jget(struct json_object *o, const char *key);
const char *jstr(struct json_object *o, const char *key);
int64_t jint(struct json_object *o, const char *key);
void jnull(struct json_object *o, const char *key);
struct json_object *jarr(struct json_object *o, const char *key, size_t want_len);
const char *jidx_str(struct json_object *arr, size_t i);

/* The one integer sql selects; sql run as it is. */
int64_t count(const char *sql);
void exec_sql(const char *sql);

/* A test peer: its key pair stays here, as on a real host. */
struct tpeer {
	char id[PEER_ID_LEN];
	char token[128];
	char name[64];
	char pub[KEYS_B64_LEN];
	uint8_t sk[KEYS_LEN], pk[KEYS_LEN];
};

void new_keys(struct tpeer *p);
/* pub with bit 255 set: the same key to X25519, other text (issue 21). */
void key_twin(char out[KEYS_B64_LEN], const char *pub);
/* Registers p (endpoint NULL = behind NAT; extra = more JSON members or ""):
 * returns the status; on 201 p holds id and token. */
int register_with(struct tpeer *p, const char *name, const char *endpoint, const char *extra);
void reg(struct tpeer *p, const char *name, const char *endpoint);
void accept_peer(const struct tpeer *p, const char *body);
/* Registered and accepted with an address from the pool. */
void member(struct tpeer *p, const char *name, const char *endpoint);
void pair(const struct tpeer *a, const struct tpeer *b);
/* GET /peer/config as p: the status; R holds the config. */
int config(const struct tpeer *p);
/* The ETag of p's config now (quoted, as a client echoes it). */
void etag(const struct tpeer *p, char out[64]);
/* The config entry of other in R (p's config), or NULL; borrowed from R. */
struct json_object *link_to(const struct tpeer *other);
/* Opens p's sealed PSK for other from p's config. */
void open_psk(const struct tpeer *p, const struct tpeer *other, uint8_t psk[KEYS_LEN]);

/*
 * Sends rq with a database error injected at every possible point in turn
 * (the k-th VM step, for k = 1, 2, ... until a run meets no fault): each
 * answer is either exactly want (status, body and ETag) or a 500
 * database_error without ETag. Never anything in between: a smaller
 * config, a signature shown as "invalid". Returns how many runs failed.
 */
int faults_never_half(struct request *rq, int want_status, const char *want_body,
                      const char *want_etag);
/*
 * Sends one write with a database error injected at every VM step in turn
 * until a run meets none, which must answer want. Each run that meets its
 * fault answers 500 database_error (one that answers otherwise swallowed
 * it) and leaves each table exactly as it was, except when the fault hit
 * the COMMIT itself: SQLite may have committed then (the outcome is
 * unknown, as when a connection drops after it), and the change must be
 * there whole; the loop ends there. Returns the last status: want, or 500
 * after such a COMMIT.
 */
int all_or_nothing(int want, const char *user, const char *token, const char *method,
                   const char *p, const char *body);

/* statement_verify() with the signature and the key in base64, as JSON
 * carries them: -1 also when either does not decode to its length. */
int verify_b64(const char *text, size_t len, const char *sig_b64, const char *pk_b64);

#endif
