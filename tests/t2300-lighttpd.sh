#!/bin/sh
# SPDX-License-Identifier: MIT
# The same responder under lighttpd, which spawns it itself (mod_fastcgi
# bin-path) and checks admin passwords (mod_auth): registration, 401 without
# the password, the admin's name reaching the audit log, a cross-site change
# refused, and two responders sharing the SQLite file.
. "$(dirname "$0")/lib.sh"

need lighttpd htpasswd curl jq wg sqlite3
LT=$T_TMP/lighttpd
mkdir -p "$LT/logs"
PORT=$(free_port) || die "no free port"
ADMIN_PASS=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
htpasswd -B -b -c "$LT/htpasswd" admin "$ADMIN_PASS" 2>/dev/null || die "htpasswd failed"
DB=$LT/wgconfsrv.db
cat >"$LT/lighttpd.conf" <<EOC
server.modules = ( "mod_auth", "mod_authn_file", "mod_fastcgi" )
server.document-root = "$T_ROOT/www"
server.bind = "127.0.0.1"
server.port = $PORT
server.pid-file = "$LT/lighttpd.pid"
server.errorlog = "$LT/logs/error.log"
server.max-request-size = 64
index-file.names = ( "index.html" )
mimetype.assign = ( ".html" => "text/html", ".js" => "text/javascript", ".css" => "text/css" )
auth.backend = "htpasswd"
auth.backend.htpasswd.userfile = "$LT/htpasswd"
auth.require = ( "/api/v1/admin/" => ( "method" => "basic", "realm" => "wgconfsrv", "require" => "valid-user" ) )
fastcgi.server = ( "/api/" => ( (
	"bin-path" => "$WGCONFSRV_BIN",
	"socket" => "$LT/fcgi.sock",
	"max-procs" => 2,
	"check-local" => "disable",
	"bin-environment" => ( "WGCONFSRV_DB" => "$DB" )
) ) )
EOC
lighttpd -t -f "$LT/lighttpd.conf" >/dev/null 2>&1 || { lighttpd -t -f "$LT/lighttpd.conf"; die "bad lighttpd config"; }
lighttpd -f "$LT/lighttpd.conf" || die "lighttpd did not start"
stop_lighttpd() {
	[ -f "$LT/lighttpd.pid" ] && kill "$(cat "$LT/lighttpd.pid")" 2>/dev/null
	for p in ${RESPONDER_PIDS:-}; do
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
		kill -9 "$p" 2>/dev/null
	done
	return 0
}
# t_cleanup reads the exit status: keep the test's, not stop_lighttpd's.
trap 'rc=$?; stop_lighttpd; (exit $rc); t_cleanup' EXIT

URL=http://127.0.0.1:$PORT
API=$URL/api/v1
CACERT=/dev/null
i=0
until curl -s -o /dev/null "$API/health" || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done

api GET /health
expect_status 200
expect_str .status ok
LT_PID=$(cat "$LT/lighttpd.pid")
RESPONDER_PIDS=$(pgrep -P "$LT_PID" | tr '\n' ' ')
expect_eq "$(echo $RESPONDER_PIDS | wc -w)" 2 "lighttpd spawned two responders itself"

pk=$(wg genkey | wg pubkey)
api POST /register "{\"name\":\"lt1\",\"public_key\":\"$pk\",\"endpoint\":\"192.0.2.7:51820\"}"
expect_status 201
id=$(jqr .id)
token=$(jqr .token)

api GET /admin/peers
expect_status 401 "admin route without the password"
api -a GET /admin/peers
expect_status 200
expect_str '.peers[0].name' lt1
api -a -h "Origin: http://evil.example" POST "/admin/peers/$id/accept" '{}'
expect_error 403 cross_site_request
api -a -h "Origin: $URL" POST "/admin/peers/$id/accept" '{}'
expect_status 200
expect_str .state accepted
api -b "$token" GET /peer/config
expect_status 200
expect_json '.interface.addresses' '["10.77.0.1/24"]'
expect_eq "$(sqlite3 "$DB" "SELECT actor FROM audit WHERE action = 'peer.accept'")" "admin:admin" \
    "lighttpd's REMOTE_USER reaches the audit log"

# lighttpd stops its responders with SIGTERM: they must end cleanly.
stop_lighttpd
for p in $RESPONDER_PIDS; do
	if [ -r "/proc/$p/stat" ] && [ "$(awk '{print $3}' "/proc/$p/stat")" != Z ]; then
		fail "responder $p still runs after lighttpd stopped"
	fi
done
ok "the responders ended with lighttpd"
