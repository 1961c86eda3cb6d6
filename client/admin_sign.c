/* SPDX-License-Identifier: MIT */
/* wgconf admin signing-key, sign: the admin's offline Ed25519 key and the
 * statements and revocations it signs (docs/trust.md). The secret key never
 * leaves this machine; what is signed is checked and shown here, never
 * taken on the server's word. */
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
#include "policy.h"
#include "statement.h"

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

/* What signing needs besides the key: the network's mesh id, learned with
 * the check that the server holds this very key. */
struct signer {
	struct admin *a;
	uint8_t sk[KEYS_SIGN_SK_LEN];
	uint8_t pk[KEYS_LEN];
	char pkb64[KEYS_B64_LEN];
	char mesh[STATEMENT_MESH_LEN];
	size_t signed_n, declined, failed;
};

/* Pair names in a diff: the server's names, made safe for a terminal. */
static const char *
diff_name(const char *id, void *ctx)
{
	static char bufs[4][128];
	static unsigned next;
	struct signer *s = ctx;
	const char *name;

	/* The peer list is read when a diff first names a pair: with --all
	 * after a rule change there is none, and the list of a large full
	 * mesh is long (every member's pair ids). */
	if (admin_load_peers(s->a) != 0)
		return NULL;
	name = admin_name_of(s->a, id);

	if (name == NULL || strcmp(name, id) == 0)
		return NULL;
	return text_printable(name, bufs[next++ % 4], sizeof(bufs[0]));
}

/* A string member with its length (a NUL inside it stays visible as a
 * length mismatch, and the strict parsers refuse it). */
static const char *
str_len(struct json_object *obj, const char *key, size_t *len)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	*len = (size_t)json_object_get_string_len(v);
	return json_object_get_string(v);
}

/*
 * The last statement signed with this key, from the server's answer st,
 * into old: 1 there is one (and proposed is the version after it), 0 none
 * that verifies (everything is shown), -1 the proposal is refused. The
 * baseline of the diff counts only when this key signed it: a server could
 * otherwise show a made-up "last signed" that hides a change.
 */
static int
signed_baseline(struct signer *s, struct json_object *st, const char *id, const char *nb,
                const struct statement *proposed, struct statement *old)
{
	const char *prev, *sigb64, *why = NULL;
	size_t prevlen = 0;

	prev = str_len(st, "signed", &prevlen);
	sigb64 = text_json_str(st, "signature");
	if (prev == NULL)
		return 0;
	if (statement_open(old, prev, prevlen, sigb64, s->pk, &why) != 0 ||
	    strcmp(old->peer, id) != 0 || strcmp(old->mesh, s->mesh) != 0) {
		statement_free(old);
		printf("peer %s (id %s): the statement the server says was signed last "
		       "does not verify under this key; showing everything\n", nb, id);
		return 0;
	}
	if (proposed->version != old->version + 1) {
		/* Not above: no host would take it. Far above: it would use
		 * up the versions (2^53 is the last one) for nothing. */
		warnx("the server proposes version %llu of peer %s (id %s), not the "
		      "one after the signed version %llu: not signing it",
		      (unsigned long long)proposed->version, nb, id,
		      (unsigned long long)old->version);
		return -1;
	}
	return 1;
}

/* Shows a diff, two spaces in. */
static void
print_diff(const char *diff)
{
	for (const char *line = diff, *nl; *line != '\0'; line = nl + 1) {
		nl = strchr(line, '\n');
		printf("  %.*s\n", (int)(nl - line), line);
	}
	fflush(stdout);
}

/* Sends the signature sig of version of peer id (named nb); the server
 * must then list it as signed. 0 or -1 (said). */
static int
put_signature(struct signer *s, const char *id, const char *nb, uint64_t version,
              const char *sig)
{
	struct fetch_response put = { 0 };
	struct json_object *body, *v;
	char path[128];
	int ret = -1;

	body = json_object_new_object();
	json_object_object_add(body, "version", json_object_new_int64((int64_t)version));
	json_object_object_add(body, "signature", json_object_new_string(sig));
	snprintf(path, sizeof(path), "/admin/peers/%s/signature", id);
	if (admin_request(s->a, "PUT", path, body, &put) != 0)
		goto out;
	if (put.status != 200 || put.json == NULL) {
		fetch_report(&put, "sign");
		goto out;
	}
	if (!json_object_object_get_ex(put.json, "signed_version", &v) ||
	    json_object_get_int64(v) != (int64_t)version) {
		warnx("the server took the signature of %s (id %s) but does not list "
		      "version %llu as signed", nb, id, (unsigned long long)version);
		goto out;
	}
	printf("signed %s (id %s) at version %llu\n", nb, id, (unsigned long long)version);
	ret = 0;
out:
	json_object_put(body);
	fetch_response_free(&put);
	return ret;
}

/*
 * Reviews the statement st proposes for peer id (named nb): checks that it
 * is a canonical statement for this peer and this mesh, shows what changed
 * since the last statement signed with this key (computed here: the
 * server's own diff is not trusted), asks (unless --yes) and signs it here
 * into sig at *version. 0 signed, 1 declined or nothing to sign, -1 error
 * (said; counted in s).
 */
static int
review_statement(struct signer *s, struct json_object *st, const char *id, const char *nb,
                 char sig[KEYS_SIG_B64_LEN], uint64_t *version)
{
	struct statement proposed, old;
	const char *text, *why = NULL;
	char question[256], *diff = NULL;
	size_t len = 0;
	int have_old = 0, ret = -1;

	statement_init(&proposed);
	statement_init(&old);
	if ((text = str_len(st, "proposed", &len)) == NULL ||
	    statement_parse(&proposed, text, len, &why) != 0) {
		warnx("the server's proposed statement of peer %s (id %s) is not a valid "
		      "statement (%s): not signing it", nb, id, why ? why : "missing");
		goto out;
	}
	if (strcmp(proposed.peer, id) != 0 || strcmp(proposed.mesh, s->mesh) != 0) {
		warnx("the server's proposed statement of peer %s (id %s) is for peer %s of "
		      "mesh %s, not this peer of mesh %s: not signing it", nb, id, proposed.peer,
		      proposed.mesh, s->mesh);
		goto out;
	}
	if ((have_old = signed_baseline(s, st, id, nb, &proposed, &old)) < 0)
		goto out;
	if ((diff = statement_diff(have_old ? &old : NULL, &proposed, diff_name, s)) == NULL) {
		warnx("out of memory");
		goto out;
	}
	if (have_old && diff[0] == '\0') {
		printf("peer %s (id %s): nothing to sign (signed at version %llu)\n", nb, id,
		       (unsigned long long)old.version);
		ret = 1;
		goto out;
	}
	printf("peer %s (id %s), version %llu%s:\n", nb, id,
	       (unsigned long long)proposed.version, have_old ? ", changes since the last "
	       "signed version" : ", first signature: all of it");
	print_diff(diff);
	snprintf(question, sizeof(question), "Sign version %llu of %s? Check the key with "
	         "`wg pubkey < private.key` on the host.", (unsigned long long)proposed.version, nb);
	if (!s->a->yes && !confirm(question)) {
		printf("not signed %s (id %s)\n", nb, id);
		s->declined++;
		ret = 1;
		goto out;
	}
	statement_sign(sig, text, len, s->sk);
	*version = proposed.version;
	ret = 0;
out:
	if (ret < 0)
		s->failed++;
	free(diff);
	statement_free(&proposed);
	statement_free(&old);
	return ret;
}

/* Signs one peer: fetches its statement, reviews it, sends only the
 * signature and the version. 0 signed, 1 not, -1 error. */
static int
sign_peer(struct signer *s, struct json_object *p)
{
	struct fetch_response resp = { 0 };
	const char *id = text_json_str(p, "id");
	char nb[128], path[128], sig[KEYS_SIG_B64_LEN];
	uint64_t version = 0;
	int r = -1;

	text_printable(text_json_str(p, "name"), nb, sizeof(nb));
	if (id == NULL || !text_safe_token(id, STATEMENT_ID_MAX)) {
		warnx("the server lists peer %s with an unusable id", nb);
		s->failed++;
		return -1;
	}
	snprintf(path, sizeof(path), "/admin/peers/%s/statement", id);
	if (admin_request(s->a, "GET", path, NULL, &resp) != 0 ||
	    resp.status != 200 || resp.json == NULL) {
		if (resp.status != 0)
			fetch_report(&resp, "statement");
		s->failed++;
		goto out;
	}
	if ((r = review_statement(s, resp.json, id, nb, sig, &version)) != 0)
		goto out;
	if ((r = put_signature(s, id, nb, version, sig)) != 0)
		s->failed++;
	else
		s->signed_n++;
out:
	fetch_response_free(&resp);
	return r;
}

/* Signatures reviewed and made, waiting to go in one PUT /admin/signatures. */
struct batch {
	struct json_object *list;               /* [{id, version, signature}] */
	char (*names)[128];
	size_t n;
};

#define BATCH_MAX 300                   /* the server's bound on one PUT */

/* Sends the batch; every one signed, or none (said). 0 or -1. */
static int
batch_flush(struct signer *s, struct batch *b)
{
	struct fetch_response put = { 0 };
	struct json_object *body, *arr;
	int ret = -1;

	if (b->n == 0)
		return 0;
	body = json_object_new_object();
	json_object_object_add(body, "signatures", b->list);
	b->list = json_object_new_array();
	if (admin_request(s->a, "PUT", "/admin/signatures", body, &put) != 0)
		goto out;
	if (put.status != 200 || put.json == NULL ||
	    (arr = admin_array(&put, "signed", "signatures")) == NULL ||
	    json_object_array_length(arr) != b->n) {
		if (put.status != 200)
			fetch_report(&put, "sign");
		goto out;
	}
	for (size_t i = 0; i < b->n; i++) {
		struct json_object *e = json_object_array_get_idx(arr, i), *v;
		printf("signed %s (id %s) at version %lld\n", b->names[i], text_json_str(e, "id"),
		       json_object_object_get_ex(e, "signed_version", &v) ?
		       (long long)json_object_get_int64(v) : 0LL);
	}
	s->signed_n += b->n;
	ret = 0;
out:
	if (ret != 0)
		s->failed += b->n;
	b->n = 0;
	json_object_put(body);
	fetch_response_free(&put);
	return ret;
}

/* --all: every statement the server says has changes, reviewed one by one,
 * signed here, sent BATCH_MAX at a time. */
static int
sign_all_statements(struct signer *s)
{
	struct json_object *all = NULL;
	struct batch b = { json_object_new_array(), calloc(BATCH_MAX, sizeof(*b.names)), 0 };
	int ret = -1;

	if (b.names == NULL ||
	    admin_get_all(s->a, "/admin/statements", "statements", "cannot list statements",
	                  &all) != 0)
		goto out;
	for (size_t i = 0; i < json_object_array_length(all); i++) {
		struct json_object *st = json_object_array_get_idx(all, i), *e;
		const char *id = text_json_str(st, "id");
		char sig[KEYS_SIG_B64_LEN];
		uint64_t version = 0;

		text_printable(text_json_str(st, "name"), b.names[b.n], sizeof(b.names[0]));
		if (id == NULL || !text_safe_token(id, STATEMENT_ID_MAX)) {
			warnx("the server lists a statement with an unusable id");
			s->failed++;
			continue;
		}
		if (review_statement(s, st, id, b.names[b.n], sig, &version) != 0)
			continue;
		e = json_object_new_object();
		json_object_object_add(e, "id", json_object_new_string(id));
		json_object_object_add(e, "version", json_object_new_int64((int64_t)version));
		json_object_object_add(e, "signature", json_object_new_string(sig));
		json_object_array_add(b.list, e);
		if (++b.n == BATCH_MAX)
			batch_flush(s, &b);
	}
	batch_flush(s, &b);
	ret = 0;
out:
	json_object_put(b.list);
	json_object_put(all);
	free(b.names);
	return ret;
}

/* Signs one pending revocation: the text is checked to be a revocation of
 * this mesh and shown, then signed like a statement. */
static int
sign_revocation(struct signer *s, struct json_object *r)
{
	struct fetch_response put = { 0 };
	struct statement_revocation rv;
	struct json_object *body = NULL;
	const char *id = text_json_str(r, "id"), *text, *why = NULL;
	char nb[128], path[128], sig[KEYS_SIG_B64_LEN], question[256];
	size_t len = 0;
	int ret = -1;

	text_printable(text_json_str(r, "peer_name"), nb, sizeof(nb));
	if (id == NULL || !text_safe_token(id, STATEMENT_ID_MAX) ||
	    (text = str_len(r, "text", &len)) == NULL ||
	    statement_revocation_parse(&rv, text, len, &why) != 0 ||
	    strcmp(rv.mesh, s->mesh) != 0) {
		warnx("the server lists a revocation (of peer %s) that is not a valid revocation "
		      "of this mesh (%s): not signing it", nb, why ? why : "other mesh or no id");
		goto out;
	}
	printf("revoke key %s (was peer %s): hosts will never take it again\n", rv.key, nb);
	fflush(stdout);
	snprintf(question, sizeof(question), "Sign the revocation of %s's old key?", nb);
	if (!s->a->yes && !confirm(question)) {
		printf("not revoked %s\n", rv.key);
		s->declined++;
		ret = 1;
		goto out;
	}
	statement_sign(sig, text, len, s->sk);
	body = json_object_new_object();
	json_object_object_add(body, "signature", json_object_new_string(sig));
	snprintf(path, sizeof(path), "/admin/revocations/%s/signature", id);
	if (admin_request(s->a, "PUT", path, body, &put) != 0)
		goto out;
	if (put.status != 200) {
		fetch_report(&put, "revoke");
		goto out;
	}
	printf("revoked %s (was peer %s)\n", rv.key, nb);
	s->signed_n++;
	ret = 0;
out:
	if (ret < 0)
		s->failed++;
	if (body)
		json_object_put(body);
	fetch_response_free(&put);
	return ret;
}

/* The last policy signed with this key, from the server's answer, into
 * old: 1 there is one (and proposed is the version after it), 0 none that
 * verifies (everything is shown), -1 the proposal is refused. */
static int
policy_baseline(struct signer *s, struct json_object *resp, const struct policy *proposed,
                struct policy *old)
{
	const char *prev, *why = NULL;
	size_t prevlen = 0;

	if ((prev = str_len(resp, "signed", &prevlen)) == NULL)
		return 0;
	if (policy_open(old, prev, prevlen, text_json_str(resp, "signature"), s->pk, &why) != 0 ||
	    strcmp(old->mesh, s->mesh) != 0) {
		policy_free(old);
		printf("policy: the policy the server says was signed last does not verify "
		       "under this key; showing everything\n");
		return 0;
	}
	if (proposed->version != old->version + 1) {
		warnx("the server proposes version %llu of the policy, not the one after the "
		      "signed version %llu: not signing it", (unsigned long long)proposed->version,
		      (unsigned long long)old->version);
		return -1;
	}
	return 1;
}

/* Signs text, the policy at version, here and sends only the signature.
 * 0 or -1 (said). */
static int
put_policy_signature(struct signer *s, uint64_t version, const char *text, size_t len)
{
	struct fetch_response put = { 0 };
	struct json_object *body, *v;
	char sig[KEYS_SIG_B64_LEN];
	int ret = -1;

	statement_sign(sig, text, len, s->sk);
	body = json_object_new_object();
	json_object_object_add(body, "version", json_object_new_int64((int64_t)version));
	json_object_object_add(body, "signature", json_object_new_string(sig));
	if (admin_request(s->a, "PUT", "/admin/policy/signature", body, &put) != 0)
		goto out;
	if (put.status != 200 || put.json == NULL) {
		fetch_report(&put, "sign the policy");
		goto out;
	}
	if (!json_object_object_get_ex(put.json, "signed_version", &v) ||
	    json_object_get_int64(v) != (int64_t)version) {
		warnx("the server took the policy's signature but does not list version %llu "
		      "as signed", (unsigned long long)version);
		goto out;
	}
	printf("signed the policy at version %llu\n", (unsigned long long)version);
	ret = 0;
out:
	json_object_put(body);
	fetch_response_free(&put);
	return ret;
}

/*
 * Signs the policy as sign_peer() signs a statement: the proposal checked
 * to be a canonical policy of this mesh, the rules that changed since the
 * last policy this key signed shown, asked, signed here. only_changed
 * (--all): nothing is fetched again when the server says nothing changed.
 * 0 signed, 1 declined or nothing to sign, -1 error.
 */
static int
sign_policy(struct signer *s, bool only_changed)
{
	struct fetch_response resp = { 0 };
	struct policy proposed, old;
	struct json_object *u;
	const char *text, *why = NULL;
	char question[160], *diff = NULL;
	size_t len = 0;
	int have_old = 0, ret = -1;

	policy_init(&proposed);
	policy_init(&old);
	if (admin_request(s->a, "GET", "/admin/policy", NULL, &resp) != 0)
		goto out;
	if (resp.status != 200 || resp.json == NULL) {
		fetch_report(&resp, "policy");
		goto out;
	}
	if (only_changed && (!json_object_object_get_ex(resp.json, "unsigned_changes", &u) ||
	                     !json_object_get_boolean(u))) {
		ret = 1;
		goto out;
	}
	if ((text = str_len(resp.json, "proposed", &len)) == NULL ||
	    policy_parse(&proposed, text, len, &why) != 0 || strcmp(proposed.mesh, s->mesh) != 0) {
		warnx("the server's proposed policy is not a valid policy of mesh %s (%s): not "
		      "signing it", s->mesh, why ? why : "missing, or another mesh");
		goto out;
	}
	if ((have_old = policy_baseline(s, resp.json, &proposed, &old)) < 0)
		goto out;
	if ((diff = policy_diff(have_old ? &old : NULL, &proposed)) == NULL) {
		warnx("out of memory");
		goto out;
	}
	if (have_old && diff[0] == '\0') {
		printf("policy: nothing to sign (signed at version %llu)\n",
		       (unsigned long long)old.version);
		ret = 1;
		goto out;
	}
	printf("policy, version %llu%s:\n", (unsigned long long)proposed.version,
	       have_old ? ", changes since the last signed version" : ", first signature: "
	       "all of it");
	print_diff(diff[0] ? diff : "(no rules)\n");
	snprintf(question, sizeof(question), "Sign version %llu of the policy? Each rule pairs "
	         "every peer of one tag with every peer of the other.",
	         (unsigned long long)proposed.version);
	if (!s->a->yes && !confirm(question)) {
		printf("not signed the policy\n");
		s->declined++;
		ret = 1;
		goto out;
	}
	if (put_policy_signature(s, proposed.version, text, len) != 0)
		goto out;
	s->signed_n++;
	ret = 0;
out:
	if (ret < 0)
		s->failed++;
	free(diff);
	policy_free(&proposed);
	policy_free(&old);
	fetch_response_free(&resp);
	return ret;
}

/* The revocations still to sign: with --all every one, else those of the
 * named peers (a rotated key). */
static int
sign_revocations(struct signer *s, const char *const *ids, size_t nids)
{
	struct fetch_response resp = { 0 };
	struct json_object *arr;
	int ret = -1;

	if (admin_request(s->a, "GET", "/admin/revocations", NULL, &resp) != 0)
		goto out;
	if ((arr = admin_array(&resp, "revocations", "revocations")) == NULL)
		goto out;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *r = json_object_array_get_idx(arr, i), *sig;
		const char *peer = text_json_str(r, "peer_id");
		bool wanted = s->a->all;

		if (json_object_object_get_ex(r, "signature", &sig) && sig != NULL)
			continue;
		for (size_t j = 0; !wanted && j < nids; j++)
			wanted = peer != NULL && strcmp(ids[j], peer) == 0;
		if (wanted)
			sign_revocation(s, r);
	}
	ret = 0;
out:
	fetch_response_free(&resp);
	return ret;
}

/* Signing with a key the server does not hold would only earn a 400 per
 * peer: say what is wrong once, before anything is shown or asked. Learns
 * the mesh id. */
static int
check_network_key(struct signer *s)
{
	struct fetch_response resp = { 0 };
	const char *have, *mesh;
	char buf[128];
	int ret = -1;

	if (admin_request(s->a, "GET", "/admin/network", NULL, &resp) != 0)
		goto out;
	if (resp.status != 200 || resp.json == NULL) {
		fetch_report(&resp, "network");
		goto out;
	}
	have = text_json_str(resp.json, "signing_key");
	if (have == NULL) {
		warnx("the network has no signing key yet: `wgconf admin network "
		      "--signing-key %s` first", s->pkb64);
		goto out;
	}
	if (strcmp(have, s->pkb64) != 0) {
		warnx("this key (public key %s) is not the network's signing key (%s); "
		      "if nobody changed it on purpose, the server is not to be trusted",
		      s->pkb64, text_printable(have, buf, sizeof(buf)));
		goto out;
	}
	mesh = text_json_str(resp.json, "mesh_id");
	if (mesh == NULL || !statement_mesh_valid(mesh)) {
		warnx("the server gives no valid mesh id: is it older than this wgconf?");
		goto out;
	}
	memcpy(s->mesh, mesh, STATEMENT_MESH_LEN);
	ret = 0;
out:
	fetch_response_free(&resp);
	return ret;
}

int
admin_sign(struct admin *a, int argc, char **argv)
{
	struct signer s = { .a = a };
	struct json_object *p;
	const char **ids = NULL;
	size_t nids = 0;
	int ret = EXIT_ERR;

	if (a->key == NULL)
		return cli_usage_error("--key FILE (the signing key) is required");
	if (a->all ? argc >= 1 || a->policy : argc == 0 && !a->policy)
		return cli_usage_error("give the PEERs to sign, --policy, or --all");
	/* Nothing is asked of the server before the key is known to be good. */
	if (signing_key_read(a->key, s.sk, s.pkb64) != 0)
		goto out;
	memcpy(s.pk, s.sk + KEYS_SIGN_SK_LEN - KEYS_LEN, KEYS_LEN);
	if (!a->yes && !isatty(STDIN_FILENO)) {
		warnx("not signing without a confirmation: run on a terminal, or give "
		      "--yes");
		goto out;
	}
	if (check_network_key(&s) != 0 || (!a->all && admin_load_peers(a) != 0))
		goto out;
	if (!a->all) {
		if ((ids = calloc((size_t)argc, sizeof(*ids))) == NULL) {
			warnx("out of memory");
			goto out;
		}
		for (int i = 0; i < argc; i++) {
			const char *state;
			if ((p = admin_find_peer(a, argv[i])) == NULL) {
				s.failed++;
				continue;
			}
			if (text_json_str(p, "id") != NULL)
				ids[nids++] = text_json_str(p, "id");
			state = text_json_str(p, "state");
			if (state == NULL || strcmp(state, "accepted") != 0) {
				char nb[128];
				warnx("peer %s is not accepted: accept it before signing it",
				      text_printable(text_json_str(p, "name"), nb, sizeof(nb)));
				s.failed++;
				continue;
			}
			sign_peer(&s, p);
		}
	} else if (sign_all_statements(&s) != 0) {
		s.failed++;
	}
	if (a->all || a->policy)
		sign_policy(&s, a->all);
	if (sign_revocations(&s, ids, nids) != 0)
		s.failed++;
	if (s.signed_n + s.declined + s.failed == 0 && a->all)
		printf("nothing to sign: every accepted peer's statement, the policy and every "
		       "revocation is signed\n");
	else if (s.signed_n + s.declined + s.failed == 0)
		printf("nothing to sign\n");
	else
		printf("signed %zu, declined %zu, failed %zu\n", s.signed_n, s.declined, s.failed);
	ret = s.failed ? EXIT_ERR : s.declined && !s.signed_n ? EXIT_ERR : EXIT_OK;
out:
	free(ids);
	keys_wipe(s.sk, sizeof(s.sk));
	return ret;
}
