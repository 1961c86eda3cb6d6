/* SPDX-License-Identifier: MIT */
#ifndef WGCONF_KEYS_H
#define WGCONF_KEYS_H

#include <stddef.h>
#include <stdint.h>

#define KEYS_LEN        32      /* X25519 keys, PSKs, token hashes */
#define KEYS_B64_LEN    45      /* 44 base64 characters and a NUL */
#define KEYS_SEALED_LEN (KEYS_LEN + 48)        /* crypto_box_SEALBYTES */
#define KEYS_SEALED_B64_LEN 109                /* base64 of 80 bytes + NUL */
#define KEYS_TOKEN_LEN  44      /* base64url, no padding, of 32 bytes + NUL */

#define KEYS_WARN_UNUSED __attribute__((warn_unused_result))

/* Must be called once before anything else; -1 if libsodium cannot start. */
int keys_init(void) KEYS_WARN_UNUSED;

/* Standard base64 with padding, as wg(8) writes keys. out must hold
 * sodium_base64_ENCODED_LEN(len, original) bytes. */
void keys_b64_encode(char *out, size_t outlen, const uint8_t *in, size_t len);

/* Decodes a WireGuard key: exactly 44 characters of standard base64 giving
 * exactly 32 bytes. 0 on success, -1 otherwise (out is then zeroed). */
int keys_b64_decode_key(uint8_t out[KEYS_LEN], const char *b64) KEYS_WARN_UNUSED;

/* Decodes standard base64 into at most outmax bytes; *outlen gets the length. */
int keys_b64_decode(uint8_t *out, size_t outmax, size_t *outlen, const char *b64) KEYS_WARN_UNUSED;

/* A fresh private key in `wg genkey` form (random, clamped) and its public key. */
void keys_generate(uint8_t sk[KEYS_LEN], uint8_t pk[KEYS_LEN]);

/* The public key of a private key; -1 for a key that gives the all-zero point. */
int keys_public(uint8_t pk[KEYS_LEN], const uint8_t sk[KEYS_LEN]) KEYS_WARN_UNUSED;

/* -1 for a public key of low order (all-zero shared secrets): refused. */
int keys_check_public(const uint8_t pk[KEYS_LEN]) KEYS_WARN_UNUSED;

/*
 * A peer's X25519 public key as it enters from anywhere (a request, an import,
 * a signed statement or revocation, trust.json, a config from the server):
 * the one rule, so the same key never has two spellings. X25519 reads a key
 * as a number modulo 2^255 - 19 and ignores bit 255, so K and K with bit 255
 * set (or K + 2^255 - 19) are the same key to the handshake, but different
 * text to every comparison. A key generator (wg pubkey, libsodium) only ever
 * makes the canonical one: bit 255 clear, below 2^255 - 19. Such a key is
 * refused, not rewritten: only a hand-made key has it.
 * 0, or one of the KEYS_PUBLIC_* reasons (out is then zeroed); the text of
 * an accepted key is the only text of its bytes.
 */
#define KEYS_PUBLIC_TEXT          (-1)  /* not 44 base64 characters for 32 bytes */
#define KEYS_PUBLIC_NOT_CANONICAL (-2)  /* bit 255 set, or not below 2^255 - 19 */
#define KEYS_PUBLIC_LOW_ORDER     (-3)  /* a point of small order */
int keys_parse_public(uint8_t out[KEYS_LEN], const char *b64) KEYS_WARN_UNUSED;

/* Why keys_parse_public() refused a key, for a message: "is not ...". */
const char *keys_public_why(int reason);

/* The canonical spelling of a public key that may not be: for a key kept
 * from before the rule (a revocation of it must revoke what X25519 sees).
 * -1 if b64 is not a key's text at all. */
int keys_public_canonical(char out[KEYS_B64_LEN], const char *b64) KEYS_WARN_UNUSED;

/* The other text of a key: bit 255 flipped. Only to find what an old
 * database may hold (a revocation of the twin revokes the key too); never a
 * key that enters. -1 if b64 is not a key's text. */
int keys_public_twin(char out[KEYS_B64_LEN], const char *b64) KEYS_WARN_UNUSED;

/* Seals a 32-byte secret to an X25519 public key (anonymous sender). */
int keys_seal(uint8_t box[KEYS_SEALED_LEN], const uint8_t secret[KEYS_LEN],
              const uint8_t pk[KEYS_LEN]) KEYS_WARN_UNUSED;

/*
 * For a browser, which opens a box with tweetnacl's nacl.box.open (no
 * BLAKE2b there, so no crypto_box_seal): a one-time key pair of our own,
 * a random nonce, and crypto_box_easy, sent as epk || nonce || box. The
 * one-time secret key is wiped at once: like a sealed box, nobody but the
 * holder of pk's secret key can open it, the server included.
 */
#define KEYS_BOX_LEN     (KEYS_LEN + 24 + KEYS_LEN + 16)
#define KEYS_BOX_B64_LEN 141    /* base64 of 104 bytes + NUL */
int keys_box(uint8_t out[KEYS_BOX_LEN], const uint8_t secret[KEYS_LEN],
             const uint8_t pk[KEYS_LEN]) KEYS_WARN_UNUSED;

/*
 * Boxes in bulk, for the pairs a rule makes in the background
 * (lib/api/api_jobs.c): the bytes of keys_box(), but one ephemeral key pair
 * E for a whole job, and E's shared key with each recipient
 * (crypto_box_beforenm) computed once and kept, so a box costs no X25519
 * at all once its recipient was seen: a full mesh of 1,000 needs 1,000
 * instead of 999,000 (two per pair in crypto_box_seal, plus a key pair).
 * Each box still has a random nonce. Nobody but the recipient opens one
 * (E's secret key and the shared keys are wiped by keys_bulk_free()), and
 * the sender stays anonymous, as with a sealed box. Not thread-safe: one
 * per sealer.
 */
struct keys_bulk;

/* A fresh E and an empty cache; NULL out of memory. Owned by the caller:
 * keys_bulk_free() it. */
struct keys_bulk *keys_bulk_new(void);

/* A box of secret for pk (KEYS_BOX_LEN bytes into out); -1 when pk is no
 * usable key (a point of small order). */
int keys_bulk_box(struct keys_bulk *k, uint8_t out[KEYS_BOX_LEN],
                  const uint8_t secret[KEYS_LEN], const uint8_t pk[KEYS_LEN]) KEYS_WARN_UNUSED;

/* Wipes E's secret key and every shared key, and frees k. NULL is fine. */
void keys_bulk_free(struct keys_bulk *k);

/* Opens a sealed box (KEYS_SEALED_LEN bytes: crypto_box_seal) or a box
 * (KEYS_BOX_LEN: keys_box(), keys_bulk_box()), told apart by length, with
 * the recipient's key pair; -1 if it is not for us or was tampered with
 * (secret is then zeroed). */
int keys_open(uint8_t secret[KEYS_LEN], const uint8_t *box, size_t boxlen,
              const uint8_t pk[KEYS_LEN], const uint8_t sk[KEYS_LEN]) KEYS_WARN_UNUSED;

/*
 * keys_open() for many boxes to one recipient: the shared key with each of
 * the last few senders' ephemeral keys is kept, so the boxes of one job cost
 * one X25519 in all. Lives on the caller's stack: keys_opener_init() it,
 * and keys_opener_wipe() it when done (it holds shared keys).
 */
#define KEYS_OPENER_SLOTS 8
struct keys_opener {
	const uint8_t *pk, *sk;         /* the recipient's; not owned */
	uint8_t epk[KEYS_OPENER_SLOTS][KEYS_LEN];
	uint8_t shared[KEYS_OPENER_SLOTS][KEYS_LEN];
	unsigned used, next;
};

void keys_opener_init(struct keys_opener *o, const uint8_t pk[KEYS_LEN],
                      const uint8_t sk[KEYS_LEN]);
int keys_opener_open(struct keys_opener *o, uint8_t secret[KEYS_LEN], const uint8_t *box,
                     size_t boxlen) KEYS_WARN_UNUSED;
void keys_opener_wipe(struct keys_opener *o);

#define KEYS_SIG_LEN      64    /* Ed25519 signature */
#define KEYS_SIG_B64_LEN  89
#define KEYS_SIGN_SK_LEN  64    /* Ed25519 secret key (seed and public key) */

/* An Ed25519 key pair for signing peer records offline. */
void keys_sign_keypair(uint8_t pk[KEYS_LEN], uint8_t sk[KEYS_SIGN_SK_LEN]);

/* Detached Ed25519 signature of msg. */
void keys_sign(uint8_t sig[KEYS_SIG_LEN], const char *msg, size_t len,
               const uint8_t sk[KEYS_SIGN_SK_LEN]);

/* 0 when sig is pk's signature of msg. */
int keys_verify(const uint8_t sig[KEYS_SIG_LEN], const char *msg, size_t len,
                const uint8_t pk[KEYS_LEN]) KEYS_WARN_UNUSED;

/* BLAKE2b-256 of a secret string (bearer token secret, invite code). */
void keys_hash(uint8_t out[KEYS_LEN], const char *secret, size_t len);

/* Constant-time comparison of two hashes: 0 when equal. */
int keys_hash_equal(const uint8_t a[KEYS_LEN], const uint8_t b[KEYS_LEN]);

/* len random bytes (preshared keys). */
void keys_random(uint8_t *out, size_t len);

/* nbytes random bytes as 2*nbytes lowercase hex digits plus NUL. */
void keys_random_hex(char *out, size_t nbytes);

/* 32 random bytes as base64url without padding (43 characters plus NUL). */
void keys_random_secret(char out[KEYS_TOKEN_LEN]);

/* 32 secret bytes as base64url without padding: what keys_random_secret()
 * makes, from bytes the caller has (to seal them first). */
void keys_secret_encode(char out[KEYS_TOKEN_LEN], const uint8_t raw[KEYS_LEN]);

/* Wipes a secret; the compiler may not drop it. */
void keys_wipe(void *p, size_t len);

#endif
