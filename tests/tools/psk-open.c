/* SPDX-License-Identifier: MIT */
/*
 * psk-open PRIVATE_KEY SEALED: opens a preshared key sealed to a WireGuard
 * key, as the client does (80 bytes: crypto_box_seal; 104: a job's bulk
 * box, epk || nonce || crypto_box_easy; docs/trust.md), and prints it in
 * base64. The
 * tests use it to prove both ends of a pair get the same key, and that a
 * stranger's key opens nothing. Exit 1 when the box does not open.
 */
#include <stdio.h>
#include <string.h>
#include <sodium.h>

int
main(int argc, char **argv)
{
	unsigned char sk[32], pk[32], box[32 + 24 + 32 + crypto_box_MACBYTES], psk[32];
	char out[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
	size_t sklen, boxlen;
	int ret = 1;

	if (argc != 3 || sodium_init() < 0)
		return 2;
	if (sodium_base642bin(sk, sizeof(sk), argv[1], strlen(argv[1]), NULL, &sklen, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) != 0 || sklen != sizeof(sk) ||
	    sodium_base642bin(box, sizeof(box), argv[2], strlen(argv[2]), NULL, &boxlen, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    (boxlen != 32 + crypto_box_SEALBYTES && boxlen != sizeof(box))) {
		fputs("psk-open: bad base64 or length\n", stderr);
		return 2;
	}
	crypto_scalarmult_base(pk, sk);
	if (boxlen == sizeof(box) ?
	    crypto_box_open_easy(psk, box + 56, boxlen - 56, box + 32, box, sk) == 0 :
	    crypto_box_seal_open(psk, box, boxlen, pk, sk) == 0) {
		puts(sodium_bin2base64(out, sizeof(out), psk, sizeof(psk),
		                       sodium_base64_VARIANT_ORIGINAL));
		ret = 0;
	}
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(psk, sizeof(psk));
	return ret;
}
