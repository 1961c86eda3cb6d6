/* SPDX-License-Identifier: MIT */
/* Keys, sealed preshared keys and secret hashes: libsodium only. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "keys.h"

int
keys_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

void
keys_b64_encode(char *out, size_t outlen, const uint8_t *in, size_t len)
{
	sodium_bin2base64(out, outlen, in, len, sodium_base64_VARIANT_ORIGINAL);
}

int
keys_b64_decode(uint8_t *out, size_t outmax, size_t *outlen, const char *b64)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
	const char *end = NULL;
	size_t len = strlen(b64);

	/* libsodium 1.0.18 reads bytes as signed char, and some bytes >= 0x80
	 * then decode as base64 digits ("Spjqqb\xc3\xa9o=" is a key): only
	 * the alphabet gets that far. */
	if (strspn(b64, alphabet) != len)
		return -1;
	if (sodium_base642bin(out, outmax, b64, len, NULL, outlen, &end,
	                      sodium_base64_VARIANT_ORIGINAL) != 0 || end != b64 + len)
		return -1;
	return 0;
}

int
keys_b64_decode_key(uint8_t out[KEYS_LEN], const char *b64)
{
	size_t len = 0;

	if (b64 == NULL || strlen(b64) != KEYS_B64_LEN - 1 ||
	    keys_b64_decode(out, KEYS_LEN, &len, b64) != 0 || len != KEYS_LEN) {
		sodium_memzero(out, KEYS_LEN);
		return -1;
	}
	return 0;
}

void
keys_generate(uint8_t sk[KEYS_LEN], uint8_t pk[KEYS_LEN])
{
	do {
		randombytes_buf(sk, KEYS_LEN);
		/* Clamp as wg genkey does, so the file reads the same. */
		sk[0] &= 248;
		sk[31] = (sk[31] & 127) | 64;
	} while (keys_public(pk, sk) != 0);
}

int
keys_public(uint8_t pk[KEYS_LEN], const uint8_t sk[KEYS_LEN])
{
	return crypto_scalarmult_base(pk, sk) == 0 ? 0 : -1;
}

int
keys_check_public(const uint8_t pk[KEYS_LEN])
{
	/* Any fixed scalar does: libsodium refuses a point whose product is the
	 * identity, which is what a low-order point gives. */
	static const uint8_t scalar[KEYS_LEN] = { 0x48, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
		11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28,
		29, 30, 0x5f };
	uint8_t out[KEYS_LEN];
	int ret = crypto_scalarmult(out, scalar, pk) == 0 ? 0 : -1;

	sodium_memzero(out, sizeof(out));
	return ret;
}

/* Reduces a key to the number X25519 uses: bit 255 dropped, then modulo
 * p = 2^255 - 19 (a value from p to 2^255 - 1 is p + d, d < 19). */
static void
canonicalize(uint8_t pk[KEYS_LEN])
{
	bool high = true;

	pk[KEYS_LEN - 1] &= 0x7f;
	for (size_t i = 1; i < KEYS_LEN - 1; i++)
		high &= pk[i] == 0xff;
	if (high && pk[KEYS_LEN - 1] == 0x7f && pk[0] >= 0xed) {
		pk[0] -= 0xed;
		memset(pk + 1, 0, KEYS_LEN - 1);
	}
}

int
keys_parse_public(uint8_t out[KEYS_LEN], const char *b64)
{
	uint8_t k[KEYS_LEN];
	int ret = 0;

	if (keys_b64_decode_key(out, b64) != 0)
		return KEYS_PUBLIC_TEXT;
	memcpy(k, out, KEYS_LEN);
	canonicalize(k);
	if (memcmp(k, out, KEYS_LEN) != 0)
		ret = KEYS_PUBLIC_NOT_CANONICAL;
	else if (keys_check_public(out) != 0)
		ret = KEYS_PUBLIC_LOW_ORDER;
	if (ret != 0)
		sodium_memzero(out, KEYS_LEN);
	return ret;
}

const char *
keys_public_why(int reason)
{
	switch (reason) {
	case 0:
		return "a WireGuard public key";
	case KEYS_PUBLIC_NOT_CANONICAL:
		return "not canonical: bit 255 is set (or the number is not below "
		       "2^255-19), so it is a second spelling of another key, which "
		       "wg pubkey never makes";
	case KEYS_PUBLIC_LOW_ORDER:
		return "a point of small order, whose shared secrets anyone knows";
	default:
		return "not a WireGuard public key: 44 characters of base64 for 32 bytes";
	}
}

int
keys_public_canonical(char out[KEYS_B64_LEN], const char *b64)
{
	uint8_t k[KEYS_LEN];

	if (keys_b64_decode_key(k, b64) != 0)
		return -1;
	canonicalize(k);
	keys_b64_encode(out, KEYS_B64_LEN, k, KEYS_LEN);
	return 0;
}

int
keys_public_twin(char out[KEYS_B64_LEN], const char *b64)
{
	uint8_t k[KEYS_LEN];

	if (keys_b64_decode_key(k, b64) != 0)
		return -1;
	k[KEYS_LEN - 1] ^= 0x80;
	keys_b64_encode(out, KEYS_B64_LEN, k, KEYS_LEN);
	return 0;
}

int
keys_seal(uint8_t box[KEYS_SEALED_LEN], const uint8_t secret[KEYS_LEN],
          const uint8_t pk[KEYS_LEN])
{
	return crypto_box_seal(box, secret, KEYS_LEN, pk) == 0 ? 0 : -1;
}

int
keys_box(uint8_t out[KEYS_BOX_LEN], const uint8_t secret[KEYS_LEN], const uint8_t pk[KEYS_LEN])
{
	uint8_t esk[crypto_box_SECRETKEYBYTES];
	uint8_t *epk = out, *nonce = out + KEYS_LEN, *box = nonce + crypto_box_NONCEBYTES;
	int rc;

	if (crypto_box_keypair(epk, esk) != 0)
		return -1;
	randombytes_buf(nonce, crypto_box_NONCEBYTES);
	rc = crypto_box_easy(box, secret, KEYS_LEN, nonce, pk, esk);
	sodium_memzero(esk, sizeof(esk));
	return rc == 0 ? 0 : -1;
}

/* Each slot: a recipient's public key and E's shared key with it. */
#define BULK_SLOTS 4096                 /* a power of two */
#define BULK_FULL  (BULK_SLOTS * 3 / 4) /* then the cache starts again */

struct keys_bulk {
	uint8_t epk[KEYS_LEN], esk[crypto_box_SECRETKEYBYTES];
	uint8_t hashkey[crypto_shorthash_KEYBYTES];     /* a peer picks its key */
	struct {
		uint8_t pk[KEYS_LEN], shared[crypto_box_BEFORENMBYTES];
		bool used;
	} slot[BULK_SLOTS];
	size_t used;
};

struct keys_bulk *
keys_bulk_new(void)
{
	struct keys_bulk *k = calloc(1, sizeof(*k));

	if (k == NULL)
		return NULL;
	randombytes_buf(k->hashkey, sizeof(k->hashkey));
	if (crypto_box_keypair(k->epk, k->esk) != 0) {
		keys_bulk_free(k);
		return NULL;
	}
	return k;
}

void
keys_bulk_free(struct keys_bulk *k)
{
	if (k == NULL)
		return;
	sodium_memzero(k, sizeof(*k));
	free(k);
}

/* E's shared key with pk, from the cache or made (and kept); NULL when pk
 * is a point of small order. */
static const uint8_t *
bulk_shared(struct keys_bulk *k, const uint8_t pk[KEYS_LEN])
{
	uint8_t h[crypto_shorthash_BYTES];
	size_t i;

	crypto_shorthash(h, pk, KEYS_LEN, k->hashkey);
	i = ((size_t)h[0] | (size_t)h[1] << 8 | (size_t)h[2] << 16) % BULK_SLOTS;
	for (; k->slot[i].used; i = (i + 1) % BULK_SLOTS)
		if (memcmp(k->slot[i].pk, pk, KEYS_LEN) == 0)
			return k->slot[i].shared;
	if (k->used >= BULK_FULL) {
		sodium_memzero(k->slot, sizeof(k->slot));
		k->used = 0;
		return bulk_shared(k, pk);
	}
	if (crypto_box_beforenm(k->slot[i].shared, pk, k->esk) != 0)
		return NULL;
	memcpy(k->slot[i].pk, pk, KEYS_LEN);
	k->slot[i].used = true;
	k->used++;
	return k->slot[i].shared;
}

int
keys_bulk_box(struct keys_bulk *k, uint8_t out[KEYS_BOX_LEN], const uint8_t secret[KEYS_LEN],
              const uint8_t pk[KEYS_LEN])
{
	uint8_t *nonce = out + KEYS_LEN, *box = nonce + crypto_box_NONCEBYTES;
	const uint8_t *shared = bulk_shared(k, pk);

	if (shared == NULL)
		return -1;
	memcpy(out, k->epk, KEYS_LEN);
	randombytes_buf(nonce, crypto_box_NONCEBYTES);
	return crypto_box_easy_afternm(box, secret, KEYS_LEN, nonce, shared) == 0 ? 0 : -1;
}

/* The box of a KEYS_BOX_LEN box: after epk and the nonce. */
#define BOX_AT      (KEYS_LEN + crypto_box_NONCEBYTES)
#define BOX_CIPHER  (KEYS_BOX_LEN - BOX_AT)

int
keys_open(uint8_t secret[KEYS_LEN], const uint8_t *box, size_t boxlen,
          const uint8_t pk[KEYS_LEN], const uint8_t sk[KEYS_LEN])
{
	int rc = -1;

	if (boxlen == KEYS_SEALED_LEN)
		rc = crypto_box_seal_open(secret, box, boxlen, pk, sk);
	else if (boxlen == KEYS_BOX_LEN)
		rc = crypto_box_open_easy(secret, box + BOX_AT, BOX_CIPHER, box + KEYS_LEN, box, sk);
	if (rc != 0) {
		sodium_memzero(secret, KEYS_LEN);
		return -1;
	}
	return 0;
}

void
keys_opener_init(struct keys_opener *o, const uint8_t pk[KEYS_LEN], const uint8_t sk[KEYS_LEN])
{
	memset(o, 0, sizeof(*o));
	o->pk = pk;
	o->sk = sk;
}

void
keys_opener_wipe(struct keys_opener *o)
{
	sodium_memzero(o, sizeof(*o));
}

/* The shared key with the sender's ephemeral key epk, kept or made; NULL
 * when epk is a point of small order. */
static const uint8_t *
opener_shared(struct keys_opener *o, const uint8_t epk[KEYS_LEN])
{
	uint8_t fresh[crypto_box_BEFORENMBYTES];
	unsigned i;

	for (i = 0; i < o->used; i++)
		if (memcmp(o->epk[i], epk, KEYS_LEN) == 0)
			return o->shared[i];
	i = o->next;
	/* A slot is changed only by a key that worked. */
	if (crypto_box_beforenm(fresh, epk, o->sk) != 0) {
		sodium_memzero(fresh, sizeof(fresh));
		return NULL;
	}
	memcpy(o->shared[i], fresh, KEYS_LEN);
	sodium_memzero(fresh, sizeof(fresh));
	memcpy(o->epk[i], epk, KEYS_LEN);
	o->next = (i + 1) % KEYS_OPENER_SLOTS;
	if (o->used < KEYS_OPENER_SLOTS)
		o->used++;
	return o->shared[i];
}

int
keys_opener_open(struct keys_opener *o, uint8_t secret[KEYS_LEN], const uint8_t *box,
                 size_t boxlen)
{
	const uint8_t *shared;

	if (boxlen != KEYS_BOX_LEN)
		return keys_open(secret, box, boxlen, o->pk, o->sk);
	if ((shared = opener_shared(o, box)) == NULL ||
	    crypto_box_open_easy_afternm(secret, box + BOX_AT, BOX_CIPHER, box + KEYS_LEN,
	                                 shared) != 0) {
		sodium_memzero(secret, KEYS_LEN);
		return -1;
	}
	return 0;
}

void
keys_sign_keypair(uint8_t pk[KEYS_LEN], uint8_t sk[KEYS_SIGN_SK_LEN])
{
	crypto_sign_keypair(pk, sk);
}

void
keys_sign(uint8_t sig[KEYS_SIG_LEN], const char *msg, size_t len,
          const uint8_t sk[KEYS_SIGN_SK_LEN])
{
	crypto_sign_detached(sig, NULL, (const unsigned char *)msg, len, sk);
}

int
keys_verify(const uint8_t sig[KEYS_SIG_LEN], const char *msg, size_t len,
            const uint8_t pk[KEYS_LEN])
{
	return crypto_sign_verify_detached(sig, (const unsigned char *)msg, len, pk) == 0 ? 0 : -1;
}

void
keys_hash(uint8_t out[KEYS_LEN], const char *secret, size_t len)
{
	crypto_generichash(out, KEYS_LEN, (const unsigned char *)secret, len, NULL, 0);
}

int
keys_hash_equal(const uint8_t a[KEYS_LEN], const uint8_t b[KEYS_LEN])
{
	return sodium_memcmp(a, b, KEYS_LEN) == 0 ? 0 : -1;
}

void
keys_random(uint8_t *out, size_t len)
{
	randombytes_buf(out, len);
}

void
keys_random_hex(char *out, size_t nbytes)
{
	unsigned char buf[64];

	if (nbytes > sizeof(buf))
		nbytes = sizeof(buf);
	randombytes_buf(buf, nbytes);
	sodium_bin2hex(out, nbytes * 2 + 1, buf, nbytes);
}

void
keys_random_secret(char out[KEYS_TOKEN_LEN])
{
	unsigned char buf[KEYS_LEN];

	randombytes_buf(buf, sizeof(buf));
	keys_secret_encode(out, buf);
	sodium_memzero(buf, sizeof(buf));
}

void
keys_secret_encode(char out[KEYS_TOKEN_LEN], const uint8_t raw[KEYS_LEN])
{
	sodium_bin2base64(out, KEYS_TOKEN_LEN, raw, KEYS_LEN,
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

void
keys_wipe(void *p, size_t len)
{
	sodium_memzero(p, len);
}
