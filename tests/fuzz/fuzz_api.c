/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness: arbitrary requests into api_handle() on a real SQLite
 * file, restored to the same seeded state before every input.
 *
 * Input: newline-separated fields, then the body (the rest, any bytes):
 *   method \n path[?query] \n REMOTE_USER \n Authorization \n Content-Type \n
 *   Origin \n Sec-Fetch-Site \n Host \n If-None-Match \n body
 * An empty field is an absent header. So that the fuzzer reaches past the
 * authentication, "%A", "%B", "%C" in the path or body stand for the ids of
 * the seeded peers (A and B accepted and paired, C pending), "%I" for the
 * code of the seeded invite (3 uses), and an Authorization of "@A", "@B" or
 * "@C" for that peer's bearer token. The network has a signing key, A's and
 * B's statements are signed, and B has asked for a new key (docs/trust.md).
 *
 * FUZZ_API_VERBOSE=1 in the environment prints each request's answer.
 *
 * Besides crashes, leaks and undefined behaviour, it stops on: a 5xx, an
 * error without its JSON body, a transaction left open, and a failed request
 * that changed the database.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "db.h"
#include "sql.h"
#include "keys.h"
#include "statement.h"

#define NFIELDS 9

static sqlite3 *pristine;       /* the seeded database, in memory */
static char *pristine_rows;     /* and its rows, as snapshot() writes them */
static int dirty = 1;           /* the file may differ from pristine */
static char ids[3][PEER_ID_LEN];
static char tokens[3][128];
static char invite[64];

static void
die(const char *what)
{
	fprintf(stderr, "fuzz_api: %s\n", what);
	abort();
}

static int
seed_call(const char *method, const char *path, const char *body, const char *token,
          struct json_object **out)
{
	struct request rq;
	struct response rs;
	char auth[160];
	int status;

	memset(&rq, 0, sizeof(rq));
	rq.method = method;
	rq.path = path;
	rq.remote_user = "admin";
	rq.host = "wg.example";
	rq.scheme = "https";
	rq.content_type = "application/json";
	rq.body = body;
	rq.body_len = body ? strlen(body) : 0;
	if (token != NULL) {
		snprintf(auth, sizeof(auth), "Bearer %s", token);
		rq.authorization = auth;
	}
	api_handle(&rq, &rs);
	status = rs.status;
	if (out != NULL)
		*out = json_object_get(rs.body);
	http_response_free(&rs);
	return status;
}

/* A signing key, A's and B's statements signed with it, a new key asked
 * for by B: so that the statement, signature, accept-key and revocation
 * routes have something to work on. */
static void
seed_signed(void)
{
	uint8_t spk[KEYS_LEN], ssk[KEYS_SIGN_SK_LEN], sk[KEYS_LEN], pk[KEYS_LEN];
	char path[128], body[256], pub[KEYS_B64_LEN], sig[KEYS_SIG_B64_LEN];
	struct json_object *o, *t, *ver;

	keys_sign_keypair(spk, ssk);
	keys_b64_encode(pub, sizeof(pub), spk, KEYS_LEN);
	snprintf(body, sizeof(body), "{\"signing_key\":\"%s\"}", pub);
	if (seed_call("PUT", API_PREFIX "/admin/network", body, NULL, NULL) != 200)
		die("seed: signing key");
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), API_PREFIX "/admin/peers/%s/statement", ids[i]);
		if (seed_call("GET", path, NULL, NULL, &o) != 200 ||
		    !json_object_object_get_ex(o, "proposed", &t) ||
		    !json_object_object_get_ex(o, "version", &ver))
			die("seed: statement");
		statement_sign(sig, json_object_get_string(t),
		               (size_t)json_object_get_string_len(t), ssk);
		snprintf(body, sizeof(body), "{\"version\":%lld,\"signature\":\"%s\"}",
		         (long long)json_object_get_int64(ver), sig);
		json_object_put(o);
		snprintf(path, sizeof(path), API_PREFIX "/admin/peers/%s/signature", ids[i]);
		if (seed_call("PUT", path, body, NULL, NULL) != 200)
			die("seed: signature");
	}
	keys_wipe(ssk, sizeof(ssk));
	keys_generate(sk, pk);
	keys_b64_encode(pub, sizeof(pub), pk, KEYS_LEN);
	snprintf(body, sizeof(body), "{\"public_key\":\"%s\"}", pub);
	if (seed_call("POST", API_PREFIX "/peer/key", body, tokens[1], NULL) != 202)
		die("seed: peer key");
}

static void
seed(void)
{
	char path[128], body[256], pub[KEYS_B64_LEN];
	uint8_t sk[KEYS_LEN], pk[KEYS_LEN];
	struct json_object *o, *v;

	for (int i = 0; i < 3; i++) {
		keys_generate(sk, pk);
		keys_b64_encode(pub, sizeof(pub), pk, KEYS_LEN);
		snprintf(body, sizeof(body), "{\"name\":\"peer%c\",\"public_key\":\"%s\",\"endpoint\":%s}",
		         'A' + i, pub, i == 0 ? "\"203.0.113.1:51820\"" : "null");
		if (seed_call("POST", API_PREFIX "/register", body, NULL, &o) != 201)
			die("seed: register");
		json_object_object_get_ex(o, "id", &v);
		snprintf(ids[i], sizeof(ids[i]), "%s", json_object_get_string(v));
		json_object_object_get_ex(o, "token", &v);
		snprintf(tokens[i], sizeof(tokens[i]), "%s", json_object_get_string(v));
		json_object_put(o);
	}
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), API_PREFIX "/admin/peers/%s/accept", ids[i]);
		if (seed_call("POST", path, i ? "{\"networks\":[\"192.168.7.0/24\"]}" : NULL,
		              NULL, NULL) != 200)
			die("seed: accept");
	}
	snprintf(path, sizeof(path), API_PREFIX "/admin/pairs/%s/%s", ids[0], ids[1]);
	if (seed_call("PUT", path, NULL, NULL, NULL) != 201 ||
	    seed_call("PUT", API_PREFIX "/admin/network", "{\"ipv6_pool\":\"fd77::/64\"}",
	              NULL, NULL) != 200 ||
	    seed_call("POST", API_PREFIX "/admin/invites", "{\"uses\":3}", NULL, &o) != 201)
		die("seed: pair, network, invite");
	json_object_object_get_ex(o, "code", &v);
	snprintf(invite, sizeof(invite), "%s", json_object_get_string(v));
	json_object_put(o);
	seed_signed();
}

static int
copy_db(sqlite3 *to, sqlite3 *from)
{
	sqlite3_backup *b = sqlite3_backup_init(to, "main", from, "main");
	int rc;

	if (b == NULL)
		return -1;
	rc = sqlite3_backup_step(b, -1);
	sqlite3_backup_finish(b);
	return rc == SQLITE_DONE ? 0 : -1;
}

static char *snapshot(void);

int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[] = "/tmp/wgconf-fuzz-api-XXXXXX", aux[64];
	int fd;

	(void)argc;
	(void)argv;
	if (keys_init() != 0)
		die("libsodium");
	if ((fd = mkstemp(path)) < 0)
		die("mkstemp");
	close(fd);
	if (db_open(path) != 0)
		die("db_open");
	/* The file is only reached through the open handle from here on. */
	unlink(path);
	snprintf(aux, sizeof(aux), "%s-wal", path);
	unlink(aux);
	snprintf(aux, sizeof(aux), "%s-shm", path);
	unlink(aux);
	/* Only this process uses the file, and it is gone after a crash. */
	sqlite3_exec(db_handle(), "PRAGMA synchronous = OFF", NULL, NULL, NULL);
	seed();
	if (sqlite3_open(":memory:", &pristine) != SQLITE_OK || copy_db(pristine, db_handle()) != 0)
		die("cannot keep the seeded database");
	pristine_rows = snapshot();
	return 0;
}

/* Every row but peers.last_seen (a failed config poll still counts as seen). */
static char *
snapshot(void)
{
	static const char *const sql[] = {
		"SELECT * FROM network", "SELECT * FROM addresses ORDER BY rowid",
		"SELECT id, name, state, public_key, endpoint, listen_port, keepalive, token_hash,"
		" revision, created_at, pending_key, signed_version, statement, statement_sig"
		" FROM peers ORDER BY rowid",
		"SELECT * FROM networks ORDER BY rowid", "SELECT * FROM pairs ORDER BY rowid",
		"SELECT * FROM invites ORDER BY rowid", "SELECT * FROM audit ORDER BY rowid",
		"SELECT * FROM link_reports ORDER BY reporter, partner",
		"SELECT * FROM adoptable ORDER BY peer_id",
		"SELECT * FROM revocations ORDER BY rowid",
		"SELECT * FROM peer_tags ORDER BY peer_id, tag", "SELECT * FROM rules ORDER BY id", NULL };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		die("open_memstream");
	for (size_t t = 0; sql[t] != NULL; t++) {
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(db_handle(), sql[t], -1, &st, NULL) != SQLITE_OK)
			die("snapshot");
		while (sqlite3_step(st) == SQLITE_ROW) {
			for (int c = 0; c < sqlite3_column_count(st); c++) {
				const unsigned char *v = sqlite3_column_blob(st, c);
				int n = sqlite3_column_bytes(st, c);
				for (int i = 0; i < n; i++)
					fprintf(f, "%02x", v[i]);
				fputc(sqlite3_column_type(st, c) == SQLITE_NULL ? '!' : ',', f);
			}
			fputc('\n', f);
		}
		sqlite3_finalize(st);
		fputc('|', f);
	}
	fclose(f);
	return buf;
}

/* s with %A %B %C replaced by the seeded ids, %I by the invite code (caller frees). */
static char *
expand(const char *s, size_t len, size_t *outlen)
{
	char *out = malloc(len * sizeof(invite) / 2 + 1);
	size_t o = 0;

	if (out == NULL)
		die("malloc");
	for (size_t i = 0; i < len; i++) {
		const char *with = NULL;
		if (s[i] == '%' && i + 1 < len && s[i + 1] >= 'A' && s[i + 1] <= 'C')
			with = ids[s[i + 1] - 'A'];
		else if (s[i] == '%' && i + 1 < len && s[i + 1] == 'I')
			with = invite;
		if (with != NULL) {
			memcpy(out + o, with, strlen(with));
			o += strlen(with);
			i++;
			continue;
		}
		out[o++] = s[i];
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *field[NFIELDS] = { NULL };
	char *buf, *p, *end, *path = NULL, *body = NULL, *after, *q;
	char auth[160];
	struct request rq;
	struct response rs;
	size_t n = 0, bodylen = 0, pathlen;
	int changes;

	if (size > HTTP_BODY_MAX + 4096)
		return 0;       /* the responder answers 413 before api_handle */
	/* Every input starts from the seeded state, so each finding replays. */
	if (dirty && copy_db(db_handle(), pristine) != 0)
		die("cannot restore the seeded database");
	dirty = 0;
	buf = malloc(size + 1);
	if (buf == NULL)
		die("malloc");
	memcpy(buf, data, size);
	buf[size] = '\0';
	p = buf;
	end = buf + size;
	while (n < NFIELDS && p <= end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL) {
			field[n++] = p;
			p = end + 1;
			break;
		}
		*nl = '\0';
		field[n++] = p;
		p = nl + 1;
	}
	for (size_t i = 0; i < NFIELDS; i++)
		if (field[i] != NULL && field[i][0] == '\0')
			field[i] = NULL;

	memset(&rq, 0, sizeof(rq));
	rq.method = field[0];
	if (field[1] != NULL) {
		path = expand(field[1], strlen(field[1]), &pathlen);
		if ((q = strchr(path, '?')) != NULL) {
			*q = '\0';
			rq.query = q + 1;
		}
		rq.path = path;
	}
	rq.remote_user = field[2];
	rq.authorization = field[3];
	if (field[3] != NULL && field[3][0] == '@' && field[3][1] >= 'A' && field[3][1] <= 'C' &&
	    field[3][2] == '\0') {
		snprintf(auth, sizeof(auth), "Bearer %s", tokens[field[3][1] - 'A']);
		rq.authorization = auth;
	}
	rq.content_type = field[4];
	rq.origin = field[5];
	rq.sec_fetch_site = field[6];
	rq.host = field[7];
	rq.scheme = "https";
	rq.if_none_match = field[8];
	if (n == NFIELDS && p <= end) {
		body = expand(p, (size_t)(end - p), &bodylen);
		rq.body = body;
		rq.body_len = bodylen;
	}

	changes = sqlite3_total_changes(db_handle());
	api_handle(&rq, &rs);
	/* Counts statements that were rolled back too: a cheap "maybe". */
	dirty = sqlite3_total_changes(db_handle()) != changes;
	if (getenv("FUZZ_API_VERBOSE") != NULL)
		fprintf(stderr, "fuzz_api: %s %s -> %d %s\n", rq.method ? rq.method : "-",
		        rq.path ? rq.path : "-", rs.status, rs.error_code ? rs.error_code : "");

	if (rs.status < 200 || rs.status > 599)
		die("a status out of range");
	if (rs.status >= 500) {
		fprintf(stderr, "fuzz_api: %d %s: %s\n", rs.status,
		        rs.error_code ? rs.error_code : "-", rs.error_message);
		die("a request made the server fail");
	}
	if (!sqlite3_get_autocommit(db_handle()))
		die("a transaction was left open");
	if (rs.status >= 400) {
		struct json_object *e, *v;
		if (rs.error_code == NULL || !json_object_object_get_ex(rs.body, "error", &e) ||
		    !json_object_object_get_ex(e, "code", &v) ||
		    strcmp(json_object_get_string(v), rs.error_code) != 0)
			die("an error without its JSON body");
		if (dirty) {
			after = snapshot();
			if (strcmp(pristine_rows, after) != 0) {
				fprintf(stderr, "fuzz_api: %d %s changed the database\n", rs.status,
				        rs.error_code);
				die("a failed request changed the database");
			}
			free(after);
		}
	} else if (rs.status == 204 || rs.status == 304) {
		if (rs.body != NULL)
			die("a body on 204/304");
	} else if (rs.body == NULL && (rs.text == NULL || rs.text_type == NULL)) {
		die("a success without a body");
	}
	if (rs.body != NULL) {
		/* What the responder writes: must serialize, and as valid JSON. */
		const char *text = json_object_to_json_string_ext(rs.body, JSON_C_TO_STRING_PLAIN |
		                                                  JSON_C_TO_STRING_NOSLASHESCAPE);
		struct json_tokener *tok = json_tokener_new();
		struct json_object *again;
		if (tok == NULL)
			die("json_tokener_new");
		json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
		again = json_tokener_parse_ex(tok, text, (int)strlen(text));
		if (again == NULL)
			die("an answer that is not JSON in UTF-8");
		json_object_put(again);
		json_tokener_free(tok);
	}
	http_response_free(&rs);
	free(body);
	free(path);
	free(buf);
	return 0;
}
