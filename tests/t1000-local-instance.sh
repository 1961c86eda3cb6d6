#!/bin/sh
# SPDX-License-Identifier: MIT
# t1000-local-instance: `nginx/local.sh start` (what `make run` runs) gives a
# working TLS instance whose printed curl line answers, with the security
# headers and password checks of nginx/wgconfsrv.conf; start is idempotent,
# status tells the truth, stop stops every process it started, and all of it
# lives in the run folder.
. "$(dirname "$0")/lib.sh"
need nginx spawn-fcgi curl jq openssl htpasswd
[ -x "$WGCONFSRV_BIN" ] || die "$WGCONFSRV_BIN is not built (make)"

RUN=$T_TMP/run
PORT=$(free_port) || die "no free port"
T_STACKS=$RUN
export WGCONFSRV_RUN_DIR=$RUN WGCONFSRV_LISTEN=127.0.0.1:$PORT WGCONFSRV_RESPONDERS=3
local_sh() {
	sh "$T_ROOT/nginx/local.sh" "$@"
}

# What a system nginx would write to: local.sh must leave all of it alone.
sys_state() {
	for f in /var/log/nginx/error.log /var/log/nginx/access.log /run/nginx.pid /var/lib/nginx; do
		[ -e "$f" ] && stat -c '%n %s %Y' "$f"
	done
}
SYS_BEFORE=$(sys_state)

local_sh start >"$T_TMP/start.out" 2>&1
expect_eq "$?" 0 "local.sh start succeeds" || { cat "$T_TMP/start.out"; die "no instance"; }
cat "$T_TMP/start.out"
URL=https://127.0.0.1:$PORT
API=$URL/api/v1
CACERT=$RUN/cert.pem
DB=$RUN/wgconfsrv.db
ADMIN_PASS=$(cat "$RUN/admin-password")

grep -q "URL: *$URL/" "$T_TMP/start.out" && ok "start prints the URL" || fail "start does not print $URL"
grep -q "admin: *admin" "$T_TMP/start.out" && ok "start prints the admin user" || fail "no admin user printed"
grep -q "password: *$ADMIN_PASS" "$T_TMP/start.out" && ok "start prints the password" || fail "no password printed"
[ ${#ADMIN_PASS} -ge 16 ] && ok "the password is long (${#ADMIN_PASS} chars)" || fail "password too short: '$ADMIN_PASS'"
perm=$(stat -c %a "$RUN/admin-password")
expect_eq "$perm" 600 "admin-password is mode 0600"

# The curl line, run as a user would paste it.
line=$(grep -E '^ *curl ' "$T_TMP/start.out" | head -n 1)
[ -n "$line" ] || fail "start prints no curl line"
out=$(sh -c "$line -sS -w '\n%{http_code}'" 2>&1)
code=$(printf '%s\n' "$out" | tail -n 1)
BODY=$(printf '%s\n' "$out" | sed '$d')
STATUS=$code T_LAST_REQ="the printed curl line"
expect_status 200 "the printed curl line answers"
expect_true '.peers | type == "array"' "it lists the peers"

# Every responder spawned is recorded, and alive.
RESPONDER_PIDS=$(tr '\n' ' ' <"$RUN/responders.pid")
n=$(echo $RESPONDER_PIDS | wc -w)
expect_eq "$n" 3 "WGCONFSRV_RESPONDERS=3 gives three recorded responders"
expect_responders_alive
NGINX_PID=$(cat "$RUN/nginx.pid")

local_sh status >"$T_TMP/status.out" 2>&1
expect_eq "$?" 0 "status says running"

# Idempotent: a second start keeps the same processes and password.
local_sh start >"$T_TMP/start2.out" 2>&1
expect_eq "$?" 0 "a second start succeeds"
expect_eq "$(tr '\n' ' ' <"$RUN/responders.pid")" "$RESPONDER_PIDS" "a second start keeps the responders"
expect_eq "$(cat "$RUN/nginx.pid")" "$NGINX_PID" "a second start keeps nginx"
expect_eq "$(cat "$RUN/admin-password")" "$ADMIN_PASS" "a second start keeps the password"

# TLS really is verified against the generated certificate.
# Exit 60 is curl's "peer certificate cannot be authenticated with known CA
# certificates": not a refused connection, a timeout or a TLS version error.
curl -sS -o /dev/null --max-time 10 "$API/health" 2>"$T_TMP/untrusted.err"
expect_eq "$?" 60 "without --cacert curl refuses the certificate as untrusted (exit 60)" ||
    sed 's/^/    | /' "$T_TMP/untrusted.err"
curl -sS -o /dev/null --max-time 10 --cacert "$CACERT" "$API/health" 2>"$T_TMP/trusted.err"
expect_eq "$?" 0 "with --cacert the same request succeeds" || sed 's/^/    | /' "$T_TMP/trusted.err"
openssl x509 -in "$CACERT" -noout -ext subjectAltName 2>/dev/null | grep -q 'IP Address:127.0.0.1' &&
    ok "the certificate names IP 127.0.0.1" || fail "no IP:127.0.0.1 in the certificate"

# nginx's part of the security model.
api GET /health
expect_status 200
expect_header Strict-Transport-Security 'max-age=[0-9]+'
expect_header Content-Security-Policy "default-src 'self'"
expect_header Content-Security-Policy "frame-ancestors 'none'"
expect_header X-Content-Type-Options nosniff
expect_header Referrer-Policy .
api -r GET /
expect_status 401 "the UI needs the admin password"
api -r -a GET /
case $STATUS in 200 | 403 | 404) ok "the UI with the password: $STATUS, not 401" ;; *) fail "UI with password: $STATUS" ;; esac
api GET /admin/peers
expect_error 401 unauthorized
expect_header WWW-Authenticate '^Basic '
api -u admin:wrong GET /admin/peers
expect_error 401
api -u root:"$ADMIN_PASS" GET /admin/peers
expect_error 401
api -a GET /admin/peers
expect_status 200
# nginx answers its own errors on API paths as JSON too.
head -c 70000 /dev/zero | tr '\0' ' ' >"$T_TMP/big"
api -f "$T_TMP/big" POST /register
expect_error 413

# The responders' stderr is kept: a failed request leaves a line.
api GET /no/such/thing
expect_error 404
sleep 0.2
[ -s "$RUN/logs/responder.log" ] && ok "the responder log has lines" ||
    fail "nothing in $RUN/logs/responder.log after a 404"

# Stop: every process gone, the socket too.
local_sh stop >"$T_TMP/stop.out" 2>&1
expect_eq "$?" 0 "stop succeeds"
T_STACKS=""
sleep 0.2
for p in $RESPONDER_PIDS $NGINX_PID; do
	if [ -r "/proc/$p/cmdline" ] && [ -s "/proc/$p/cmdline" ]; then
		fail "process $p ($(tr '\0' ' ' <"/proc/$p/cmdline")) survived stop"
	else
		ok "process $p is gone"
	fi
done
[ -e "$RUN/fcgi.sock" ] && fail "the socket is still there" || ok "the socket is gone"
api GET /health
expect_eq "$STATUS" 000 "nothing answers after stop"
local_sh status >/dev/null 2>&1
[ $? -ne 0 ] && ok "status says stopped" || fail "status says running after stop"
local_sh stop >/dev/null 2>&1
expect_eq "$?" 0 "stop twice is fine"
for f in asan ubsan; do
	ls "$RUN"/logs/$f* >/dev/null 2>&1 && fail "sanitizer report: $(ls "$RUN"/logs/$f*)"
done

# Restarting keeps the data and the password.
local_sh start >/dev/null 2>&1 || die "restart failed"
T_STACKS=$RUN
expect_eq "$(cat "$RUN/admin-password")" "$ADMIN_PASS" "a restart keeps the password"
api -a GET /admin/peers
expect_status 200 "the restarted instance answers"

# A low registration rate is enforced by nginx (limit_req on /register):
# the burst passes, then 429 with a JSON error.
local_sh stop >/dev/null 2>&1
WGCONFSRV_REGISTER_RATE=1r/m local_sh start >/dev/null 2>&1 || die "start with a rate failed"
got429=0
i=0
while [ $i -lt 30 ]; do
	api POST /register '{}'
	[ "$STATUS" = 429 ] && { got429=1; break; }
	i=$((i + 1))
done
expect_eq "$got429" 1 "registration is rate-limited after the burst ($i requests passed)"
expect_error 429

local_sh stop >/dev/null 2>&1
T_STACKS=""
expect_eq "$(sys_state)" "$SYS_BEFORE" "no system nginx file was touched"
