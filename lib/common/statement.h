/* SPDX-License-Identifier: MIT */
/*
 * Admin-signed peer statements and key revocations (docs/trust.md): the exact
 * bytes the offline Ed25519 key signs, shared by the server (which proposes
 * and stores them), `wgconf admin sign` (which shows a diff and signs) and the
 * host (which builds its config only from them).
 *
 *   wgconfsrv-statement-v2
 *   mesh <32 lowercase hex digits>
 *   peer <peer id>
 *   version <1..2^53, no leading zero>
 *   key <WireGuard public key, 44 characters of standard base64>
 *   address <interface address with its prefix>     0..2, IPv4 first
 *   network <routed CIDR, host bits zero>           0..n, sorted, unique
 *   mtu <1280..9000>                                0..1
 *   dns <IP address>                                0..8, unique, in use order
 *   pair <peer id>                                  0..n, sorted, unique
 *   end
 *
 * Every line ends in "\n"; one space between word and value; addresses and
 * networks in ipam_format() text; "sorted" is byte order of the value text
 * (LC_ALL=C sort). There is exactly one text for a statement: a parser takes
 * only that text, so a signature can never be moved to a different meaning.
 *
 *   wgconfsrv-revocation-v1
 *   mesh <32 lowercase hex digits>
 *   key <WireGuard public key>
 *   end
 *
 * Everything here is pure: no I/O, no global state. 0/-1 unless said.
 * keys_init() must have run (keys are checked to be of full order).
 */
#ifndef WGCONF_STATEMENT_H
#define WGCONF_STATEMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipam.h"
#include "keys.h"

#define STATEMENT_MAGIC        "wgconfsrv-statement-v2"
#define STATEMENT_REVOKE_MAGIC "wgconfsrv-revocation-v1"
#define STATEMENT_MESH_LEN     33              /* 32 lowercase hex digits and a NUL */
#define STATEMENT_ID_MAX       64              /* peer ids: text_safe_token() */
#define STATEMENT_VERSION_MAX  (UINT64_C(1) << 53)   /* exact in a JSON number */
#define STATEMENT_NETWORKS_MAX 1024
#define STATEMENT_DNS_MAX      8
#define STATEMENT_PAIRS_MAX    65536
#define STATEMENT_MTU_MIN      1280
#define STATEMENT_MTU_MAX      9000
/* The longest statement text: pairs dominate (6 + 64 + 1 bytes each). */
#define STATEMENT_TEXT_MAX     (5u << 20)
#define STATEMENT_REVOKE_MAX   160             /* a revocation is ~110 bytes */

#define STATEMENT_WARN_UNUSED __attribute__((warn_unused_result))

struct statement {
	char mesh[STATEMENT_MESH_LEN];
	char peer[STATEMENT_ID_MAX + 1];
	uint64_t version;
	char key[KEYS_B64_LEN];
	struct cidr addresses[2];               /* with the pool's prefix */
	size_t naddresses;
	struct cidr *networks;                  /* owned, see statement_free() */
	size_t nnetworks;
	int mtu;                                /* 0 = not given */
	struct cidr dns[STATEMENT_DNS_MAX];     /* host addresses, in use order */
	size_t ndns;
	char (*pairs)[STATEMENT_ID_MAX + 1];    /* owned */
	size_t npairs;
};

struct statement_revocation {
	char mesh[STATEMENT_MESH_LEN];
	char key[KEYS_B64_LEN];
};

/* An empty statement (no lists), ready for the statement_add_*() calls. */
void statement_init(struct statement *s);

/* Frees the lists and empties s; accepts NULL. */
void statement_free(struct statement *s);

/* Builders for the server: each value is checked and put in canonical form;
 * statement_canonicalize() then sorts and refuses duplicates. An address may
 * have host bits set ("10.77.0.2/24"); a network may not; a DNS entry is a
 * bare address. -1 for a bad value or a full list (s unchanged). */
int statement_add_address(struct statement *s, const char *cidr) STATEMENT_WARN_UNUSED;
int statement_add_network(struct statement *s, const char *cidr) STATEMENT_WARN_UNUSED;
int statement_add_dns(struct statement *s, const char *addr) STATEMENT_WARN_UNUSED;
int statement_add_pair(struct statement *s, const char *id) STATEMENT_WARN_UNUSED;

/* Puts IPv4 before IPv6 among the addresses and sorts networks and pairs;
 * -1 when a list holds a duplicate or the statement is otherwise not valid
 * (statement_check()). */
int statement_canonicalize(struct statement *s) STATEMENT_WARN_UNUSED;

/* 0 when s is a complete, canonical statement (what statement_format()
 * needs); *why (may be NULL) gets a static reason otherwise. */
int statement_check(const struct statement *s, const char **why) STATEMENT_WARN_UNUSED;

/* The number of bytes statement_format() needs, NUL included. */
size_t statement_text_size(const struct statement *s);

/* The signed text of a canonical statement into out (NUL-terminated).
 * Returns its length, or -1 when s is not canonical or out is too small. */
long statement_format(const struct statement *s, char *out, size_t outsz) STATEMENT_WARN_UNUSED;

/* Same, in a new buffer the caller frees; NULL on error. *len may be NULL. */
char *statement_text(const struct statement *s, size_t *len);

/* Strict parse of len bytes (no NUL needed, none allowed): exactly the text
 * statement_format() gives, nothing else. On -1 s is empty and *why (may be
 * NULL) says what was wrong ("line 4: ..."; static storage, overwritten by
 * the next failing call in the same thread). The caller frees s. */
int statement_parse(struct statement *s, const char *text, size_t len,
                    const char **why) STATEMENT_WARN_UNUSED;

/* 0 when sig is the Ed25519 signature of text by pk. */
int statement_verify(const char *text, size_t len, const uint8_t sig[KEYS_SIG_LEN],
                     const uint8_t pk[KEYS_LEN]) STATEMENT_WARN_UNUSED;

/* Verify, then parse: what a host does with each statement it receives.
 * *why says "bad signature" or the parse error. The caller frees s. */
int statement_open(struct statement *s, const char *text, size_t len,
                   const char *sig_b64, const uint8_t pk[KEYS_LEN],
                   const char **why) STATEMENT_WARN_UNUSED;

/* The base64 Ed25519 signature of text with the 64-byte secret key. */
void statement_sign(char sig_b64[KEYS_SIG_B64_LEN], const char *text, size_t len,
                    const uint8_t sk[KEYS_SIGN_SK_LEN]);

/* Names a peer id for a human, or returns NULL (the id is shown alone). */
typedef const char *(*statement_name_fn)(const char *id, void *ctx);

/*
 * What a signer must see before signing proposed over signed (NULL: nothing
 * signed yet, everything is new): one line per change, "- " or "+ " then the
 * statement line ("+ network 10.1.0.0/16", "- key AAA...="), pair lines with
 * " (NAME)" when name gives one, "~ dns order ..." when only the order of
 * the DNS servers changed. The version line is not compared. "" when nothing
 * but the version differs. A new string the caller frees; NULL when out of
 * memory.
 */
char *statement_diff(const struct statement *signed_st, const struct statement *proposed,
                     statement_name_fn name, void *ctx);

/* True for 32 lowercase hex digits. */
bool statement_mesh_valid(const char *mesh);

/* The text of a revocation (length, or -1 for a bad mesh/key or small out). */
int statement_revocation_format(const struct statement_revocation *r, char *out,
                                size_t outsz) STATEMENT_WARN_UNUSED;

/* Strict parse, as statement_parse(). */
int statement_revocation_parse(struct statement_revocation *r, const char *text,
                               size_t len, const char **why) STATEMENT_WARN_UNUSED;

#endif
