#!/bin/sh
# SPDX-License-Identifier: MIT
# t2100-plain-cgi: the same binary answers as a plain CGI program (one
# process per request, as lighttpd or Apache run it): it creates its
# database on first use (0600 under umask 022), registers, serves the admin routes only with
# REMOTE_USER, checks CSRF, caps bodies, answers 304, and exits cleanly. It
# refuses to start without WGCONFSRV_DB, and says 503 when the database is
# unusable. `wgconfsrv -h` exits 0, a bad option 2; its help and
# wgconfsrv(8) name every variable the responder reads.
. "$(dirname "$0")/lib.sh"
need sqlite3
[ -x "$WGCONFSRV_BIN" ] || die "$WGCONFSRV_BIN is not built (make)"
DB=$T_TMP/cgi.db
PORT=443
umask 022

cgi GET /api/v1/health
expect_status 200
expect_str .status ok
expect_eq "$CGI_RC" 0 "the CGI process exits 0"
expect_header Content-Type '^application/json'
[ -f "$DB" ] && ok "the database was created on first use" || fail "no database at $DB"
expect_eq "$(stat -c %a "$DB")" 600 "the database is the service user's alone (0600), under umask 022"
expect_eq "$(sqlite3 "$DB" 'PRAGMA journal_mode')" wal "the database is in WAL mode"
[ "$(sqlite3 "$DB" 'PRAGMA user_version')" -ge 1 ] && ok "schema version set" ||
    fail "PRAGMA user_version is $(sqlite3 "$DB" 'PRAGMA user_version')"

keypair
cgi CONTENT_TYPE=application/json POST /api/v1/register \
    "{\"name\":\"cgi-peer\",\"public_key\":\"$PUB\",\"endpoint\":\"192.0.2.7:51820\"}"
expect_status 201
ID=$(jqr .id) TOK=$(jqr .token)
cgi "HTTP_AUTHORIZATION=Bearer $TOK" GET /api/v1/peer
expect_status 200
expect_str .name cgi-peer

before=$(db_dump)
cgi GET /api/v1/admin/peers
expect_error 403 admin_required
cgi REMOTE_USER=admin CONTENT_TYPE=text/plain POST "/api/v1/admin/peers/$ID/accept" '{}'
expect_error 415
cgi REMOTE_USER=admin CONTENT_TYPE=application/json HTTP_ORIGIN=https://evil.example \
    POST "/api/v1/admin/peers/$ID/accept" '{}'
expect_error 403 cross_site_request
cgi REMOTE_USER=admin CONTENT_TYPE=application/json HTTP_SEC_FETCH_SITE=cross-site \
    POST "/api/v1/admin/peers/$ID/accept" '{}'
expect_error 403 cross_site_request
cgi CONTENT_TYPE=application/json POST /api/v1/register "$(head -c 65537 /dev/zero | tr '\0' ' ')"
expect_error 413 body_too_large
cgi CONTENT_TYPE=application/json POST /api/v1/register '{"name":'
expect_error 400 json_invalid
cgi DELETE /api/v1/health
expect_error 405
expect_header Allow GET
cgi GET /api/v1/nothing
expect_error 404
expect_db_unchanged "$before"

cgi REMOTE_USER=admin CONTENT_TYPE=application/json HTTP_ORIGIN=https://127.0.0.1 \
    POST "/api/v1/admin/peers/$ID/accept" '{}'
expect_status 200 "a same-origin accept as CGI"
expect_str .state accepted
cgi "HTTP_AUTHORIZATION=Bearer $TOK" GET /api/v1/peer/config
expect_status 200
ETAG=$(header ETag)
cgi "HTTP_AUTHORIZATION=Bearer $TOK" "HTTP_IF_NONE_MATCH=$ETAG" GET /api/v1/peer/config
expect_status 304 "If-None-Match as CGI"

# Mounted the RFC 3875 way (ScriptAlias /api): only SCRIPT_NAME + PATH_INFO.
cgi -REQUEST_URI -DOCUMENT_URI SCRIPT_NAME=/api PATH_INFO=/v1/health GET /api/v1/health
expect_status 200 "SCRIPT_NAME=/api PATH_INFO=/v1/health (no REQUEST_URI)"

# No database path: a clear refusal, not a crash or a file in the cwd.
(
	cd "$T_TMP" && env -i PATH="$PATH" REQUEST_METHOD=GET REQUEST_URI=/api/v1/health \
	    GATEWAY_INTERFACE=CGI/1.1 "$WGCONFSRV_BIN" </dev/null >"$T_TMP/nodb.out" 2>"$T_TMP/nodb.err"
)
rc=$?
expect_eq "$rc" 1 "without WGCONFSRV_DB it refuses with exit 1 (wgconfsrv(8))"
grep -q WGCONFSRV_DB "$T_TMP/nodb.err" && ok "and says why" || fail "no word of WGCONFSRV_DB: $(cat "$T_TMP/nodb.err")"

# wgconfsrv(8): -h and --help exit 0, anything else is a usage error (2);
# the help and the man page name every variable the responder reads.
for o in -h --help; do
	"$WGCONFSRV_BIN" $o >/dev/null 2>"$T_TMP/help"
	expect_eq "$?" 0 "wgconfsrv $o exits 0"
done
"$WGCONFSRV_BIN" --bogus >/dev/null 2>&1
expect_eq "$?" 2 "wgconfsrv --bogus is a usage error (exit 2)"
MAN8=$(sed 's/\\-/-/g' "$T_ROOT/docs/wgconfsrv.8")
for v in $(grep -rhoE --include='*.c' 'getenv\("WGCONFSRV_[A-Z_]+"\)' "$T_ROOT/cgi" "$T_ROOT/lib" | cut -d'"' -f2 | sort -u); do
	expect_in "$(cat "$T_TMP/help")" "$v" "wgconfsrv --help names $v"
	expect_in "$MAN8" "^\.It Ev $v\$" "wgconfsrv(8) describes $v"
done
for v in $(grep -hoE 'param\(c, "[A-Z_]+"\)' "$T_ROOT/cgi/main.c" | cut -d'"' -f2 | sort -u); do
	expect_in "$MAN8" "^\.Ev $v( |\$)" "wgconfsrv(8) names the request variable $v"
done

# An unusable database: 503 with a JSON error, not a crash.
mkdir -p "$T_TMP/ro"
printf 'this is not a database, just some text long enough to be noticed\n' >"$T_TMP/ro/bad.db"
cgi WGCONFSRV_DB="$T_TMP/ro/bad.db" GET /api/v1/health
expect_error 503
cgi WGCONFSRV_DB=/nonexistent/dir/x.db GET /api/v1/health
expect_error 503
# The log says why (docs/operations.md, Logs), and nothing that is not so.
expect_in "$(cat "$T_TMP/cgi.err")" '-> 503 database_unavailable' "the log names the 503"
expect_not_in "$(cat "$T_TMP/cgi.err")" 'out of memory' "the log blames no lack of memory"
