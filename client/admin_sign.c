/* SPDX-License-Identifier: MIT */
/* wgconf admin signing-key, sign: the admin's offline Ed25519 key and the
 * peer records it signs. The secret key never leaves this machine. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "admin.h"
#include "cli.h"
#include "text.h"
#include "ipam.h"
#include "keys.h"
#include "record.h"

#define SIGNING_KEY_HEADER "# wgconf signing key (Ed25519 secret key): keep it offline\n"
#define SIGNING_KEY_B64_LEN 89         /* base64 of the 64-byte secret key, NUL */

/* Reads a key file that `signing-key generate` wrote: comment lines, then
 * the base64 of the 64-byte secret key. The key is checked by signing and
 * verifying a test text, so a damaged file cannot sign garbage. 0 or -1
 * with a message; sk is wiped on failure. */
static int
signing_key_read(const char *path, uint8_t sk[KEYS_SIGN_SK_LEN], char pkb64[KEYS_B64_LEN])
{
	static const char probe[] = "wgconf signing key check\n";
	uint8_t sig[KEYS_SIG_LEN];
	char *text = NULL, *line, *save = NULL, *b64 = NULL;
	size_t len = 0, sklen = 0;
	int r, ret = -1;

	r = state_read_file(path, 4096, &text, &len);
	if (r != 0) {
		warnx("cannot read the signing key %s: %s", path,
		       r == 1 ? "no such file" : strerror(errno));
		return -1;
	}
	for (line = strtok_r(text, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (b64 != NULL) {
			b64 = NULL;
			break;
		}
		b64 = line;
	}
	if (b64 == NULL || keys_b64_decode(sk, KEYS_SIGN_SK_LEN, &sklen, b64) != 0 ||
	    sklen != KEYS_SIGN_SK_LEN) {
		warnx("%s is not a signing key (as `wgconf admin signing-key generate` "
		       "writes it)", path);
		goto out;
	}
	keys_sign(sig, probe, strlen(probe), sk);
	if (keys_verify(sig, probe, strlen(probe), sk + KEYS_SIGN_SK_LEN - KEYS_LEN) != 0) {
		warnx("%s is damaged: its secret and public halves do not match", path);
		goto out;
	}
	keys_b64_encode(pkb64, KEYS_B64_LEN, sk + KEYS_SIGN_SK_LEN - KEYS_LEN, KEYS_LEN);
	ret = 0;
out:
	if (ret != 0)
		keys_wipe(sk, KEYS_SIGN_SK_LEN);
	keys_wipe(text, len);
	free(text);
	return ret;
}

/* Writes a new key file, 0600; an existing file is never replaced (it may
 * be the only copy of the key every peer trusts). 0 or -1 with a message. */
static int
signing_key_write(const char *path, const uint8_t sk[KEYS_SIGN_SK_LEN])
{
	char b64[SIGNING_KEY_B64_LEN];
	char text[sizeof(SIGNING_KEY_HEADER) + sizeof(b64) + 1];
	size_t len;
	int fd, ok, ret = -1;

	keys_b64_encode(b64, sizeof(b64), sk, KEYS_SIGN_SK_LEN);
	len = (size_t)snprintf(text, sizeof(text), "%s%s\n", SIGNING_KEY_HEADER, b64);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			warnx("%s exists: not replacing a signing key (pick another --out, "
			      "or remove it yourself)", path);
		else
			warn("cannot create %s", path);
		goto out;
	}
	ok = text_write_all(fd, text, len) == 0 && fsync(fd) == 0;
	if (close(fd) != 0)
		ok = 0;
	if (!ok) {
		warnx("cannot write %s: %s", path, strerror(errno));
		unlink(path);
		goto out;
	}
	ret = 0;
out:
	keys_wipe(b64, sizeof(b64));
	keys_wipe(text, sizeof(text));
	return ret;
}

int
admin_signing_key(struct admin *a, int argc, char **argv)
{
	uint8_t pk[KEYS_LEN], sk[KEYS_SIGN_SK_LEN];
	char pkb64[KEYS_B64_LEN];
	int ret = EXIT_ERR;

	(void)argc;
	if (strcmp(argv[0], "generate") == 0) {
		if (a->out == NULL || a->key != NULL)
			return cli_usage_error("generate writes the new key to --out FILE");
		keys_sign_keypair(pk, sk);
		if (signing_key_write(a->out, sk) != 0)
			goto out;
		keys_b64_encode(pkb64, sizeof(pkb64), pk, sizeof(pk));
		printf("%s\n", pkb64);
		fprintf(stderr, "signing key written to %s; its public key is above. Keep "
		        "the file offline. Next: `wgconf admin network --signing-key %s`, "
		        "`wgconf trust-key %s` on every host, then `wgconf admin sign`.\n",
		        a->out, pkb64, pkb64);
	} else if (strcmp(argv[0], "public") == 0) {
		if (a->key == NULL || a->out != NULL)
			return cli_usage_error("public reads the key from --key FILE");
		if (signing_key_read(a->key, sk, pkb64) != 0)
			goto out;
		printf("%s\n", pkb64);
	} else {
		return cli_usage_error("unknown action '%s' (generate or public)", argv[0]);
	}
	ret = EXIT_OK;
out:
	keys_wipe(sk, sizeof(sk));
	return ret;
}

/* The AllowedIPs other peers configure for peer p, as the server builds
 * them (meshconf_allowed_ips): tunnel addresses as /32 and /128, IPv4
 * first, then the routed networks in order, all canonical. Caller owns it;
 * NULL with a message when the server's entry is bad. */
static struct json_object *
allowed_ips_of(struct json_object *p, const char *name)
{
	struct json_object *out = json_object_new_array(), *addrs, *nets;
	char buf[IPAM_STRLEN], nb[128];
	struct cidr c;

	if (out == NULL ||
	    !json_object_object_get_ex(p, "addresses", &addrs) ||
	    !json_object_is_type(addrs, json_type_array) ||
	    !json_object_object_get_ex(p, "networks", &nets) ||
	    !json_object_is_type(nets, json_type_array))
		goto bad;
	for (int family = 4; family <= 6; family += 2)
		for (size_t i = 0; i < json_object_array_length(addrs); i++) {
			const char *s = json_object_get_string(json_object_array_get_idx(addrs, i));
			if (s == NULL || ipam_parse(&c, s, true, false) != 0 ||
			    c.prefix != (c.family == 4 ? 32u : 128u))
				goto bad;
			if (c.family != family)
				continue;
			ipam_format(buf, &c, true);
			json_object_array_add(out, json_object_new_string(buf));
		}
	for (size_t i = 0; i < json_object_array_length(nets); i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(nets, i));
		if (s == NULL || ipam_parse(&c, s, false, true) != 0)
			goto bad;
		ipam_format(buf, &c, true);
		json_object_array_add(out, json_object_new_string(buf));
	}
	return out;
bad:
	warnx("the server lists peer %s with invalid addresses or networks",
	       text_printable(name, nb, sizeof(nb)));
	json_object_put(out);
	return NULL;
}

/* Asks on the terminal; true for y or yes. */
static bool
confirm(const char *question)
{
	char line[16];

	fprintf(stderr, "%s [y/N] ", question);
	fflush(stderr);
	if (fgets(line, sizeof(line), stdin) == NULL)
		return false;
	line[strcspn(line, "\r\n")] = '\0';
	return strcmp(line, "y") == 0 || strcmp(line, "Y") == 0 || strcmp(line, "yes") == 0;
}

/* Shows peer p's record, asks (unless --yes), signs it here and sends only
 * the signature. 0 signed, 1 declined, -1 error. */
static int
sign_peer(struct admin *a, struct json_object *p, const uint8_t sk[KEYS_SIGN_SK_LEN])
{
	struct fetch_response resp = { 0 };
	struct json_object *allowed = NULL, *body = NULL;
	const char *id = text_json_str(p, "id"), *name = text_json_str(p, "name");
	const char *pub = text_json_str(p, "public_key"), *state = text_json_str(p, "state");
	uint8_t key[KEYS_LEN], sig[KEYS_SIG_LEN];
	char nb[128], text[4096], sigb64[KEYS_SIG_B64_LEN], path[128];
	int n, ret = -1;

	text_printable(name, nb, sizeof(nb));
	if (id == NULL || !text_safe_token(id, 64)) {
		warnx("the server lists peer %s with an unusable id", nb);
		goto out;
	}
	if (state == NULL || strcmp(state, "accepted") != 0) {
		warnx("peer %s (id %s) is not accepted: accept it before signing it", nb, id);
		goto out;
	}
	if (pub == NULL || keys_b64_decode_key(key, pub) != 0) {
		warnx("the server lists peer %s (id %s) with an invalid public key", nb, id);
		goto out;
	}
	if ((allowed = allowed_ips_of(p, name)) == NULL)
		goto out;
	n = record_signed_text(text, sizeof(text), pub, allowed);
	if (n < 0) {
		warnx("peer %s (id %s) has too many routes to sign", nb, id);
		goto out;
	}
	printf("peer %s (id %s)\n  public key   %s\n  allowed IPs  ", nb, id, pub);
	for (size_t i = 0; i < json_object_array_length(allowed); i++)
		printf("%s%s", i ? ", " : "",
		       json_object_get_string(json_object_array_get_idx(allowed, i)));
	printf("%s\n", json_object_array_length(allowed) ? "" : "-");
	fflush(stdout);
	if (!a->yes && !confirm("Is that the host's public key (`wg pubkey < "
	                        "private.key` on it)? Sign this record?")) {
		printf("not signed %s (id %s)\n", nb, id);
		ret = 1;
		goto out;
	}
	keys_sign(sig, text, (size_t)n, sk);
	keys_b64_encode(sigb64, sizeof(sigb64), sig, sizeof(sig));
	body = json_object_new_object();
	json_object_object_add(body, "signature", json_object_new_string(sigb64));
	snprintf(path, sizeof(path), "/admin/peers/%s/signature", id);
	if (admin_request(a, "PUT", path, body, &resp) != 0)
		goto out;
	if (resp.status != 200) {
		fetch_report(&resp, "sign");
		goto out;
	}
	if (text_json_str(resp.json, "signature") == NULL ||
	    strcmp(text_json_str(resp.json, "signature"), "valid") != 0) {
		warnx("the server took the signature of %s (id %s) but does not list it "
		       "as valid", nb, id);
		goto out;
	}
	printf("signed %s (id %s)\n", nb, id);
	ret = 0;
out:
	if (allowed)
		json_object_put(allowed);
	if (body)
		json_object_put(body);
	fetch_response_free(&resp);
	return ret;
}

/* Signing with a key the server does not hold would only earn a 400 per
 * peer: say what is wrong once, before anything is shown or asked. */
static int
check_network_key(struct admin *a, const char *pkb64)
{
	struct fetch_response resp = { 0 };
	const char *have;
	char buf[128];
	int ret = -1;

	if (admin_request(a, "GET", "/admin/network", NULL, &resp) != 0)
		goto out;
	if (resp.status != 200 || resp.json == NULL) {
		fetch_report(&resp, "network");
		goto out;
	}
	have = text_json_str(resp.json, "signing_key");
	if (have == NULL) {
		warnx("the network has no signing key yet: `wgconf admin network "
		       "--signing-key %s` first", pkb64);
		goto out;
	}
	if (strcmp(have, pkb64) != 0) {
		warnx("this key (public key %s) is not the network's signing key (%s); "
		       "if nobody changed it on purpose, the server is not to be trusted",
		       pkb64, text_printable(have, buf, sizeof(buf)));
		goto out;
	}
	ret = 0;
out:
	fetch_response_free(&resp);
	return ret;
}

int
admin_sign(struct admin *a, int argc, char **argv)
{
	uint8_t sk[KEYS_SIGN_SK_LEN];
	char pkb64[KEYS_B64_LEN];
	size_t signed_n = 0, declined = 0, failed = 0;
	struct json_object *p;
	int r, ret = EXIT_ERR;

	if (a->key == NULL)
		return cli_usage_error("--key FILE (the signing key) is required");
	if (a->all == (argc == 1))
		return cli_usage_error("give the PEER to sign, or --all");
	/* Nothing is asked of the server before the key is known to be good. */
	if (signing_key_read(a->key, sk, pkb64) != 0)
		goto out;
	if (!a->yes && !isatty(STDIN_FILENO)) {
		warnx("not signing without a confirmation: run on a terminal, or give "
		       "--yes");
		goto out;
	}
	if (check_network_key(a, pkb64) != 0 || admin_load_peers(a) != 0)
		goto out;
	if (!a->all) {
		if ((p = admin_find_peer(a, argv[0])) == NULL)
			goto out;
		r = sign_peer(a, p, sk);
		ret = r == 0 ? EXIT_OK : EXIT_ERR;
		goto out;
	}
	for (size_t i = 0; i < json_object_array_length(a->peers); i++) {
		const char *state, *sig;

		p = json_object_array_get_idx(a->peers, i);
		state = text_json_str(p, "state");
		sig = text_json_str(p, "signature");
		if (state == NULL || strcmp(state, "accepted") != 0 ||
		    (sig != NULL && strcmp(sig, "valid") == 0))
			continue;
		r = sign_peer(a, p, sk);
		if (r == 0)
			signed_n++;
		else if (r > 0)
			declined++;
		else
			failed++;
	}
	if (signed_n + declined + failed == 0)
		printf("nothing to sign: every accepted peer carries a valid signature\n");
	else
		printf("signed %zu peer%s%s", signed_n, signed_n == 1 ? "" : "s",
		       declined || failed ? "" : "\n");
	if (declined || failed)
		printf(", %zu declined, %zu failed\n", declined, failed);
	ret = failed ? EXIT_ERR : EXIT_OK;
out:
	keys_wipe(sk, sizeof(sk));
	return ret;
}
