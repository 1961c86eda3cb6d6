#!/bin/sh
# SPDX-License-Identifier: MIT
# t2400-install: `make install DESTDIR=... PREFIX=/usr` puts exactly the
# files a Debian admin expects, with their modes and PREFIX's paths in the
# units and examples; `systemd-analyze verify` accepts every unit;
# systemd-sysusers and systemd-tmpfiles make the user and the folders from
# the installed files. Then the installed tree runs from its DESTDIR: the
# installed responder under spawn-fcgi behind the installed nginx example,
# driven by the installed wgconf (register, admin peers); the service's own
# ExecStart (multiwatch, several workers) on a socket; the installed lighttpd
# example spawning the installed responder. `make uninstall` removes every
# file install put and nothing else.
. "$(dirname "$0")/lib.sh"
need make systemd-analyze systemd-sysusers systemd-tmpfiles multiwatch spawn-fcgi cgi-fcgi \
    lighttpd nginx curl jq openssl htpasswd unshare wireguard-go wg ip
[ -x "$T_ROOT/cgi/wgconfsrv" ] && [ -x "$T_ROOT/client/wgconf" ] || die "not built (make)"
[ "$(id -u)" -eq 0 ] || skip "needs root (systemd-tmpfiles chown, namespaces for the host)"
[ -e /usr/lib/lighttpd/mod_openssl.so ] || skip "lighttpd-mod-openssl is not installed (make deps)"

DEST=$T_TMP/dest
mk() {
	make -s --no-print-directory -C "$T_ROOT" "$@"
}

# ------------------------------------------------------------- the files
# A root whose umask is 077 still installs a UI nginx (www-data) can read.
(umask 077 && mk install DESTDIR="$DEST" PREFIX=/usr) >"$T_TMP/install.log" 2>&1
expect_eq "$?" 0 "make install DESTDIR=... PREFIX=/usr succeeds (umask 077)" || { cat "$T_TMP/install.log"; die "no install"; }

# What a Debian admin looks for, written out here (not read from the
# Makefile), and the UI files of the tree.
{
	cat <<'EOF'
/usr/sbin/wgconfsrv 755
/usr/bin/wgconf 755
/usr/share/man/man1/wgconf.1 644
/usr/share/man/man8/wgconfsrv.8 644
/usr/share/wgconfsrv/nginx/wgconfsrv.conf 644
/usr/share/wgconfsrv/lighttpd/50-wgconfsrv.conf 644
/usr/lib/systemd/system/wgconfsrv.socket 644
/usr/lib/systemd/system/wgconfsrv.service 644
/usr/lib/systemd/system/wgconf-sync@.service 644
/usr/lib/systemd/system/wgconf-sync@.timer 644
/usr/lib/systemd/system/wgconf-watch@.service 644
/usr/lib/tmpfiles.d/wgconfsrv.conf 644
/usr/lib/sysusers.d/wgconfsrv.conf 644
EOF
	(cd "$T_ROOT/www" && find . -type f | sed 's|^\./|/usr/share/wgconfsrv/www/|; s|$| 644|')
} | LC_ALL=C sort >"$T_TMP/files.want"
(cd "$DEST" && find . ! -type d -printf '/%P %m\n') | LC_ALL=C sort >"$T_TMP/files.got"
if diff "$T_TMP/files.want" "$T_TMP/files.got" >"$T_TMP/files.diff"; then
	ok "exactly the expected $(wc -l <"$T_TMP/files.got") files, with their modes"
else
	fail "installed files differ from the expected ones (- expected, + installed)"
	sed 's/^/    | /' "$T_TMP/files.diff"
fi
expect_eq "$(find "$DEST" -mindepth 1 -type d ! -perm 755)" "" "every folder made is 0755, whatever the umask"
expect_eq "$(mk install-list PREFIX=/usr | awk '{print $2}' | LC_ALL=C sort)" \
    "$(awk '{print $1}' "$T_TMP/files.want")" "make install-list names the same files"
cmp -s "$DEST/usr/sbin/wgconfsrv" "$T_ROOT/cgi/wgconfsrv" && cmp -s "$DEST/usr/bin/wgconf" "$T_ROOT/client/wgconf" &&
    ok "the installed programs are the built ones" || fail "the installed programs differ from the built ones"

UNITS=$DEST/usr/lib/systemd/system
SHARE=$DEST/usr/share/wgconfsrv
# PREFIX's paths everywhere, no template marker left.
left=$(grep -vh '^[[:space:]]*#' "$UNITS"/* "$SHARE"/nginx/* "$SHARE"/lighttpd/* | grep -E '/usr/local|@[A-Z]+@')
expect_eq "$left" "" "no /usr/local path or @MARKER@ left in the units and examples"
unit_val() { # FILE KEY: the value of KEY= (the last one)
	sed -n "s/^$2=//p" "$1" | tail -n 1
}
expect_eq "$(unit_val "$UNITS/wgconfsrv.service" ExecStart)" \
    '/usr/bin/multiwatch -f ${WGCONFSRV_WORKERS} -s TERM -- /usr/sbin/wgconfsrv' \
    "wgconfsrv.service runs WGCONFSRV_WORKERS responders under multiwatch"
expect_eq "$(unit_val "$UNITS/wgconfsrv.service" StandardInput)" socket "the responders get the socket on stdin"
expect_eq "$(unit_val "$UNITS/wgconfsrv.service" User)" wgconfsrv "the service runs as wgconfsrv"
expect_eq "$(unit_val "$UNITS/wgconfsrv.service" ProtectSystem)" strict "the service keeps its sandbox (ProtectSystem=strict)"
expect_eq "$(unit_val "$UNITS/wgconfsrv.service" PrivateNetwork)" yes "the service has no network (PrivateNetwork=yes)"
expect_eq "$(unit_val "$UNITS/wgconfsrv.service" StateDirectory)" wgconfsrv "only its StateDirectory is writable"
expect_eq "$(unit_val "$UNITS/wgconfsrv.service" Restart)" on-failure "systemd restarts multiwatch (Restart=on-failure)"
expect_eq "$(sed -n 's/^Environment=WGCONFSRV_DB=//p' "$UNITS/wgconfsrv.service")" /var/lib/wgconfsrv/wgconfsrv.db \
    "the database is /var/lib/wgconfsrv/wgconfsrv.db"
expect_eq "$(unit_val "$UNITS/wgconfsrv.socket" ListenStream)" /run/wgconfsrv/fcgi.sock "the socket is /run/wgconfsrv/fcgi.sock"
expect_eq "$(unit_val "$UNITS/wgconfsrv.socket" SocketUser):$(unit_val "$UNITS/wgconfsrv.socket" SocketGroup) $(unit_val "$UNITS/wgconfsrv.socket" SocketMode)" \
    "wgconfsrv:www-data 0660" "the socket is wgconfsrv:www-data 0660"
expect_eq "$(unit_val "$UNITS/wgconf-sync@.service" ExecStart)" \
    '/usr/bin/wgconf sync --apply --interface %i' "wgconf-sync@IFACE.service runs wgconf sync --apply for IFACE"
expect_eq "$(unit_val "$UNITS/wgconf-sync@.timer" OnCalendar)" minutely "the sync timer fires every minute"
expect_eq "$(unit_val "$UNITS/wgconf-watch@.service" ExecStart) $(unit_val "$UNITS/wgconf-watch@.service" Restart)" \
    '/usr/bin/wgconf sync --watch --apply --interface %i always' "wgconf-watch@IFACE.service runs wgconf sync --watch --apply, restarted always"
expect_eq "$(unit_val "$UNITS/wgconf-watch@.service" Conflicts)" 'wgconf-sync@%i.timer' \
    "the watch unit and the sync timer conflict: one or the other (README)"
expect_eq "$(unit_val "$UNITS/wgconf-sync@.timer" RandomizedDelaySec) $(unit_val "$UNITS/wgconf-sync@.timer" FixedRandomDelay)" \
    "50s yes" "with a random delay of up to 50 s, fixed per host"
expect_in "$(grep -o 'root [^;]*;' "$SHARE/nginx/wgconfsrv.conf")" '^root /usr/share/wgconfsrv/www;$' \
    "the nginx example serves PREFIX's www"
expect_in "$(grep -o '"bin-path" => "[^"]*"' "$SHARE/lighttpd/50-wgconfsrv.conf")" '"/usr/sbin/wgconfsrv"' \
    "the lighttpd example spawns PREFIX's wgconfsrv"

# ---------------------------------------------------- systemd reads them
# A root to verify in: the installed tree, plus the one Debian command the
# units call that this project does not install.
VROOT=$T_TMP/vroot
cp -a "$DEST" "$VROOT"
mkdir -p "$VROOT/usr/bin"
cp /usr/bin/multiwatch "$VROOT/usr/bin/multiwatch"
# Without systemd as PID 1 the standard targets are not in the root:
# --recursive-errors=no verifies these units, not what they depend on.
verify() { # UNIT...: systemd-analyze verify in VROOT; sets VOUT
	VOUT=$(cd / && systemd-analyze verify --man=no --recursive-errors=no --root="$VROOT" \
	    $(for u in "$@"; do echo "/usr/lib/systemd/system/$u"; done) 2>&1)
}
for u in wgconfsrv.socket wgconfsrv.service wgconf-sync@.service wgconf-sync@.timer \
    wgconf-sync@wg0.service wgconf-sync@wg0.timer wgconf-watch@.service \
    wgconf-watch@wg0.service; do
	verify "$u"
	rc=$?
	if [ $rc -eq 0 ] && [ -z "$VOUT" ]; then
		ok "systemd-analyze verify $u: clean"
	else
		fail "systemd-analyze verify $u: exit $rc"
		printf '%s\n' "$VOUT" | sed 's/^/    | /'
	fi
done
# The same verification does catch a broken unit here.
sed 's/^PrivateTmp=yes/PrivateTmp=sometimes/' "$VROOT/usr/lib/systemd/system/wgconf-sync@.service" \
    >"$VROOT/usr/lib/systemd/system/broken@.service"
verify broken@x.service
[ $? -ne 0 ] && ok "systemd-analyze verify refuses a broken unit" ||
    fail "systemd-analyze verify accepts PrivateTmp=sometimes: the checks above prove nothing"
rm -f "$VROOT/usr/lib/systemd/system/broken@.service"
# The service needs the socket that exists, and the sync service its timer.
expect_eq "$(unit_val "$UNITS/wgconfsrv.service" Requires)" wgconfsrv.socket "wgconfsrv.service requires wgconfsrv.socket"

# sysusers and tmpfiles, applied to a root with Debian's base users.
mkdir -p "$VROOT/etc"
printf 'root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n' >"$VROOT/etc/passwd"
printf 'root:x:0:\nwww-data:x:33:\n' >"$VROOT/etc/group"
systemd-sysusers --root="$VROOT" >"$T_TMP/sysusers.log" 2>&1
expect_eq "$?" 0 "systemd-sysusers takes sysusers.d/wgconfsrv.conf" || cat "$T_TMP/sysusers.log"
expect_in "$(grep '^wgconfsrv:' "$VROOT/etc/passwd")" '^wgconfsrv:x:[0-9]+:[0-9]+:[^:]*:/var/lib/wgconfsrv:/usr/sbin/nologin$' \
    "it makes the system user wgconfsrv, home /var/lib/wgconfsrv, no shell"
WUID=$(awk -F: '$1 == "wgconfsrv" { print $3 }' "$VROOT/etc/passwd")
systemd-tmpfiles --root="$VROOT" --create >"$T_TMP/tmpfiles.log" 2>&1
expect_eq "$?" 0 "systemd-tmpfiles --create takes tmpfiles.d/wgconfsrv.conf" || cat "$T_TMP/tmpfiles.log"
expect_eq "$(stat -c '%a %u' "$VROOT/var/lib/wgconfsrv" 2>&1)" "700 $WUID" \
    "/var/lib/wgconfsrv is wgconfsrv's, 0700"
expect_eq "$(stat -c '%a %u %g' "$VROOT/run/wgconfsrv" 2>&1)" "750 $WUID 33" \
    "/run/wgconfsrv is wgconfsrv:www-data, 0750"

# ------------------------------------- the installed tree, behind nginx
export WGCONFSRV_SITE="$SHARE/nginx/wgconfsrv.conf" WGCONFSRV_WWW="$SHARE/www"
WGCONFSRV_BIN=$DEST/usr/sbin/wgconfsrv
WGCONF=$DEST/usr/bin/wgconf
stack_start 2
for p in $RESPONDER_PIDS; do
	[ "$(readlink "/proc/$p/exe")" = "$WGCONFSRV_BIN" ] || fail "responder $p runs $(readlink "/proc/$p/exe")"
done
ok "the responders are the installed $WGCONFSRV_BIN"
expect_in "$(cat "$RUN/site.conf")" "root $SHARE/www;" "nginx serves the installed www"
api -r -a GET /index.html
expect_status 200 "the installed UI is served"
expect_eq "$BODY" "$(cat "$SHARE/www/index.html")" "it is the installed index.html"
api GET /health
expect_status 200
expect_header Content-Security-Policy "default-src 'self'"
SEC_HEADERS="Strict-Transport-Security Content-Security-Policy X-Content-Type-Options X-Frame-Options
Referrer-Policy Cross-Origin-Opener-Policy Cross-Origin-Resource-Policy"
sec_headers() {
	for h in $SEC_HEADERS; do printf '%s: %s\n' "$h" "$(header "$h")"; done
}
NGINX_SEC=$(sec_headers)

PWFILE=$T_TMP/admin-pass
printf '%s\n' "$ADMIN_PASS" >"$PWFILE"
mkdir -p "$T_TMP/home" "$T_TMP/h1"
wgc h1 register --server "$URL" --cacert "$CACERT" --name installed1 203.0.113.40:51820
expect_rc 0 "the installed wgconf registers with the installed server"
H1_ID=$(jq -r .id "$T_TMP/h1/state/state.json" 2>/dev/null)
wgc adm admin --server "$URL" --cacert "$CACERT" --user admin --password-file "$PWFILE" peers --json
expect_rc 0 "the installed wgconf admin peers"
expect_eq "$(printf '%s' "$OUT" | jq -r '.peers[] | "\(.id) \(.name) \(.state)"' 2>&1)" \
    "$H1_ID installed1 pending" "it lists the registered host, pending"
wgc adm admin --server "$URL" --cacert "$CACERT" --user admin --password-file "$PWFILE" accept installed1
expect_rc 0 "the installed wgconf admin accepts it"
api -a GET "/admin/peers/$H1_ID"
expect_str .state accepted
NGINX_ADMIN_PASS=$ADMIN_PASS
NGINX_RUN=$RUN

# ----------------------- the service's ExecStart, on a socket, as systemd
# spawn-fcgi binds the socket and hands it over as stdin, as systemd's
# StandardInput=socket does, then runs the unit's command line (with its
# Environment= applied and the installed tree's path).
SVC=$T_TMP/svc
mkdir -p "$SVC"
workers=$(sed -n 's/^Environment=WGCONFSRV_WORKERS=//p' "$UNITS/wgconfsrv.service")
cmd=$(unit_val "$UNITS/wgconfsrv.service" ExecStart | sed -e "s|\${WGCONFSRV_WORKERS}|$workers|" \
    -e "s| /usr/sbin/wgconfsrv$| $DEST/usr/sbin/wgconfsrv|")
say "# ExecStart as run here: $cmd"
# shellcheck disable=SC2086
WGCONFSRV_DB=$SVC/wgconfsrv.db spawn-fcgi -s "$SVC/fcgi.sock" -M 0600 -P "$SVC/pid" -- $cmd \
    >"$SVC/spawn.log" 2>&1 || { cat "$SVC/spawn.log"; die "spawn-fcgi of the ExecStart failed"; }
MW=$(tr -d '\n ' <"$SVC/pid")
stop_svc() {
	[ -n "${MW:-}" ] && kill -TERM "$MW" 2>/dev/null
	MW=""
}
trap 'rc=$?; stop_svc; stop_lt; (exit $rc); t_cleanup' EXIT
stop_lt() { :; }
children() {
	pgrep -P "$MW" -x wgconfsrv | LC_ALL=C sort | tr '\n' ' '
}
i=0
while [ "$(children | wc -w)" -lt "$workers" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
KIDS=$(children)
expect_eq "$(echo $KIDS | wc -w)" "$workers" "multiwatch runs WGCONFSRV_WORKERS=$workers responders"
SAVED_RUN=$RUN
RUN=$SVC
fcgi GET /api/v1/health
expect_status 200 "the ExecStart's responders answer on the socket"
fcgi REMOTE_USER=admin GET /api/v1/admin/peers
expect_status 200
expect_json '.peers' '[]'
first=$(echo $KIDS | awk '{print $1}')
kill -KILL "$first"
i=0
while { [ "$(children | wc -w)" -lt "$workers" ] || children | grep -qw "$first"; } && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
expect_eq "$(children | wc -w)" "$workers" "multiwatch restarts a responder that dies"
fcgi GET /api/v1/health
expect_status 200
KIDS=$(children)
stop_svc
alive_kids() {
	for p in $KIDS; do kill -0 "$p" 2>/dev/null && printf ' %s' "$p"; done
}
i=0
while [ -n "$(alive_kids)" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
left=$(alive_kids)
expect_eq "$left" "" "stopping multiwatch (SIGTERM, as systemctl stop) stops the responders"
RUN=$SAVED_RUN

# --------------------------------- the installed lighttpd example
LT=$T_TMP/lighttpd
mkdir -p "$LT/logs" "$LT/empty"
LPORT=$(free_port) || die "no free port"
HPORT=$(free_port) || die "no free port"
# The paths an admin changes, as nginx/local.sh does for the nginx example;
# the certificate and passwords are those local.sh made.
sed -e "s|/etc/ssl/wgconfsrv/fullchain.pem|$NGINX_RUN/cert.pem|" \
    -e "s|/etc/ssl/wgconfsrv/privkey.pem|$NGINX_RUN/key.pem|" \
    -e "s|\"/usr/share/wgconfsrv/www\"|\"$SHARE/www\"|" \
    -e "s|\"/usr/sbin/wgconfsrv\"|\"$DEST/usr/sbin/wgconfsrv\"|" \
    -e "s|/etc/lighttpd/wgconfsrv.htpasswd|$NGINX_RUN/htpasswd|" \
    -e "s|/run/lighttpd/wgconfsrv.sock|$LT/fcgi.sock|" \
    -e "s|/var/lib/wgconfsrv/wgconfsrv.db|$LT/wgconfsrv.db|" \
    -e 's|\^wg\\\.example\\\.com|^127\\.0\\.0\\.1|' \
    -e "s|== \":443\"|== \"127.0.0.1:$LPORT\"|" \
    -e '/^\$SERVER\["socket"\] == "\[::\]:443"/,/^}/d' \
    "$SHARE/lighttpd/50-wgconfsrv.conf" >"$LT/50-wgconfsrv.conf"
# The join page's two libraries are read where Debian installs them, as in
# production (read only): those file paths stay.
if grep -v '^[[:space:]]*#' "$LT/50-wgconfsrv.conf" |
    sed 's|"/usr/share/nodejs/[a-z-]*/[a-z.-]*\.js"||g' |
    grep -E "\"(/etc|/run|/var|/usr)/|wg\\\\.example|:443\"" >&2; then
	fail "the lighttpd example has a path this test does not replace (above)"
fi
cat >"$LT/lighttpd.conf" <<EOC
# Debian's /etc/lighttpd/lighttpd.conf, reduced: plain HTTP on one port,
# the site in the included example.
server.modules = ( "mod_indexfile", "mod_access", "mod_alias", "mod_redirect" )
server.document-root = "$LT/empty"
server.bind = "127.0.0.1"
server.port = $HPORT
server.pid-file = "$LT/lighttpd.pid"
server.errorlog = "$LT/logs/error.log"
mimetype.assign = ( ".html" => "text/html", ".js" => "text/javascript", ".css" => "text/css" )
include "$LT/50-wgconfsrv.conf"
server.modules += ( "mod_staticfile" )
EOC
lighttpd -tt -f "$LT/lighttpd.conf" >"$LT/check.log" 2>&1
expect_eq "$?" 0 "lighttpd accepts the installed example" || cat "$LT/check.log"
[ -s "$LT/check.log" ] && { fail "lighttpd -tt warns"; sed 's/^/    | /' "$LT/check.log"; }
lighttpd -f "$LT/lighttpd.conf" || die "lighttpd did not start"
LT_PID=""
stop_lt() {
	[ -n "$LT_PID" ] || return 0
	kill "$LT_PID" 2>/dev/null
	for p in ${LT_KIDS:-}; do
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
		kill -9 "$p" 2>/dev/null
	done
	LT_PID=""
	return 0
}
i=0
while [ ! -s "$LT/lighttpd.pid" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
LT_PID=$(cat "$LT/lighttpd.pid")
URL=https://127.0.0.1:$LPORT
API=$URL/api/v1
ADMIN_PASS=$NGINX_ADMIN_PASS
i=0
until curl -s -o /dev/null --cacert "$CACERT" "$API/health" || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done
api GET /health
expect_status 200 "lighttpd with the installed example answers over TLS"
LT_KIDS=$(pgrep -P "$LT_PID" | tr '\n' ' ')
for p in $LT_KIDS; do
	[ "$(readlink "/proc/$p/exe")" = "$DEST/usr/sbin/wgconfsrv" ] || fail "lighttpd's child $p runs $(readlink "/proc/$p/exe")"
done
expect_eq "$(echo $LT_KIDS | wc -w)" 2 "lighttpd spawned two installed responders itself"
expect_eq "$(sec_headers)" "$NGINX_SEC" "lighttpd sends the same security headers as the nginx example"
api -r GET /
expect_status 401 "the UI needs the admin password"
api -r -a GET /index.html
expect_status 200 "the UI with the password"
expect_eq "$BODY" "$(cat "$SHARE/www/index.html")" "it is the installed index.html"
api GET /admin/peers
expect_status 401 "the admin API needs the password"
api -r GET /api/v1/adminx
expect_status 401 "and so does anything spelled like it"
api -u admin:wrong GET /admin/peers
expect_status 401 "a wrong password is refused"
# Spellings that reach the same route once normalized still need the password.
for p in /api/v1//admin/peers /api/v1/%61dmin/peers; do
	api -r -u admin:wrong GET "$p"
	case $STATUS in 401 | 400 | 404) ok "$p with a wrong password: $STATUS" ;; *) fail "$p with a wrong password: $STATUS" ;; esac
done
register lt1 192.0.2.50:51820
api GET /peer/config
expect_error 401 "" "a peer route without a token"
api -a GET /admin/peers
expect_status 200 "the admin API with the password"
expect_str '.peers[0].name' lt1
api -a -h "Origin: https://evil.example" POST "/admin/peers/$PEER_ID/accept" '{}'
expect_error 403 cross_site_request
api -a -h "Origin: $URL" POST "/admin/peers/$PEER_ID/accept" '{}'
expect_status 200 "an admin change from the UI's origin"
expect_eq "$(sqlite3 "$LT/wgconfsrv.db" "SELECT actor FROM audit WHERE action = 'peer.accept'")" "admin:admin" \
    "lighttpd's checked user reaches the audit log"
api -b "$PEER_TOKEN" GET /peer/config
expect_status 200 "the peer fetches its config with its token"
head -c 70000 /dev/zero | tr '\0' ' ' >"$T_TMP/big"
code=$(curl -s --http1.1 -o /dev/null -w '%{http_code}' --cacert "$CACERT" -H 'Content-Type: application/json' \
    --data-binary @"$T_TMP/big" "$API/register")
expect_eq "$code" 413 "a body over 64 KiB is refused with 413 (HTTP/1.1)"
# Over HTTP/2 lighttpd resets the stream instead: refused all the same.
api -f "$T_TMP/big" POST /register
case $STATUS in 2??) fail "HTTP/2: a body over 64 KiB was taken ($STATUS)" ;; *) ok "HTTP/2: a body over 64 KiB is refused ($STATUS)" ;; esac
code=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "http://127.0.0.1:$HPORT/api/v1/health" -H "Host: 127.0.0.1")
expect_in "$code" '^301 https://127\.0\.0\.1/api/v1/health$' "plain HTTP only redirects to https"
# A responder that dies is started again by lighttpd.
dead=$(echo $LT_KIDS | awk '{print $1}')
kill -KILL "$dead"
i=0
while [ $i -lt 50 ]; do
	api GET /health
	now=$(pgrep -P "$LT_PID" | tr '\n' ' ')
	[ "$(echo $now | wc -w)" -ge 2 ] && ! echo " $now " | grep -q " $dead " && break
	sleep 0.1
	i=$((i + 1))
done
expect_eq "$(echo $now | wc -w)" 2 "lighttpd replaces a responder that died ($dead -> $now)"
api GET /health
expect_status 200
LT_KIDS=$now
stop_lt
for p in $LT_KIDS; do
	if [ -r "/proc/$p/stat" ] && [ "$(awk '{print $3}' "/proc/$p/stat")" != Z ]; then
		fail "responder $p still runs after lighttpd stopped"
	fi
done

# ---------------------------------------------- the default PREFIX
DEST2=$T_TMP/dest-local
mk install DESTDIR="$DEST2" >"$T_TMP/install2.log" 2>&1 || { cat "$T_TMP/install2.log"; fail "make install (default PREFIX) failed"; }
expect_eq "$(unit_val "$DEST2/usr/local/lib/systemd/system/wgconfsrv.service" ExecStart)" \
    '/usr/bin/multiwatch -f ${WGCONFSRV_WORKERS} -s TERM -- /usr/local/sbin/wgconfsrv' \
    "with the default PREFIX the unit runs /usr/local/sbin/wgconfsrv"
expect_eq "$(unit_val "$DEST2/usr/local/lib/systemd/system/wgconf-sync@.service" ExecStart)" \
    '/usr/local/bin/wgconf sync --apply --interface %i' "and the sync unit /usr/local/bin/wgconf"
[ -f "$DEST2/usr/local/lib/tmpfiles.d/wgconfsrv.conf" ] && [ -f "$DEST2/usr/local/lib/sysusers.d/wgconfsrv.conf" ] &&
    ok "tmpfiles.d and sysusers.d go to /usr/local/lib, where systemd looks too" ||
    fail "no tmpfiles.d/sysusers.d under /usr/local/lib"
case " $(systemd-analyze unit-paths 2>/dev/null | tr '\n' ' ') " in
*" /usr/local/lib/systemd/system "*) ok "systemd reads units from /usr/local/lib/systemd/system" ;;
*) fail "/usr/local/lib/systemd/system is not in systemd's unit path" ;;
esac
VROOT2=$T_TMP/vroot-local
cp -a "$DEST2" "$VROOT2"
mkdir -p "$VROOT2/etc"
cp "$VROOT/etc/group" "$VROOT2/etc/group"
head -n 2 "$VROOT/etc/passwd" >"$VROOT2/etc/passwd"
systemd-sysusers --root="$VROOT2" >/dev/null 2>&1 && systemd-tmpfiles --root="$VROOT2" --create >/dev/null 2>&1
[ $? -eq 0 ] && grep -q '^wgconfsrv:' "$VROOT2/etc/passwd" && [ -d "$VROOT2/var/lib/wgconfsrv" ] &&
    ok "systemd-sysusers and systemd-tmpfiles read them from /usr/local/lib" ||
    fail "sysusers/tmpfiles under /usr/local/lib are not read"
# ------------- the README's steps, into Debian's own nginx and lighttpd
# In a mount namespace where /usr/local is the default-PREFIX install,
# /etc/nginx and /etc/lighttpd are copies of this machine's, /etc/ssl and
# the log folders empty: the README's cp, ln and lighty-enable-mod, word
# for word, then the servers' own config checks on Debian's stock main
# files (which include the sites and modules).
DEB=$T_TMP/debian
mkdir -p "$DEB"
cat >"$DEB/steps.sh" <<EOS
set -u
mount --bind "$DEST2/usr/local" /usr/local || exit 1
cp -a /etc/nginx "$DEB/nginx" && mount --bind "$DEB/nginx" /etc/nginx || exit 1
cp -a /etc/lighttpd "$DEB/lighttpd" && mount --bind "$DEB/lighttpd" /etc/lighttpd || exit 1
mount -t tmpfs tmpfs /etc/ssl && mkdir /etc/ssl/wgconfsrv || exit 1
cp "$NGINX_RUN/cert.pem" /etc/ssl/wgconfsrv/fullchain.pem && cp "$NGINX_RUN/key.pem" /etc/ssl/wgconfsrv/privkey.pem || exit 1
for d in /var/log/nginx /var/log/lighttpd /run; do mount -t tmpfs tmpfs "\$d" || exit 1; done
# The README's step 2 (systemd-tmpfiles) makes the socket folder, where
# nginx makes the push publisher's socket.
mkdir -m 0750 /run/wgconfsrv || exit 1
cp /usr/local/share/wgconfsrv/nginx/wgconfsrv.conf /etc/nginx/sites-available/
htpasswd -b -B -c /etc/nginx/wgconfsrv.htpasswd admin pw 2>/dev/null
ln -s ../sites-available/wgconfsrv.conf /etc/nginx/sites-enabled/
nginx -t >"$DEB/nginx.log" 2>&1
echo \$? >"$DEB/nginx.rc"
cp /usr/local/share/wgconfsrv/lighttpd/50-wgconfsrv.conf /etc/lighttpd/conf-available/
lighty-enable-mod wgconfsrv >"$DEB/enable.log" 2>&1
echo \$? >"$DEB/enable.rc"
readlink /etc/lighttpd/conf-enabled/50-wgconfsrv.conf >"$DEB/enabled"
htpasswd -b -B -c /etc/lighttpd/wgconfsrv.htpasswd admin pw 2>/dev/null
lighttpd -tt -f /etc/lighttpd/lighttpd.conf >"$DEB/lighttpd.log" 2>&1
echo \$? >"$DEB/lighttpd.rc"
EOS
unshare --mount sh "$DEB/steps.sh" >"$DEB/steps.log" 2>&1
expect_eq "$?" 0 "the README's steps ran in a namespace" || cat "$DEB/steps.log"
expect_eq "$(cat "$DEB/nginx.rc")" 0 "Debian's nginx takes the installed example (nginx -t)" ||
    sed 's/^/    | /' "$DEB/nginx.log"
expect_eq "$(cat "$DEB/enable.rc"):$(cat "$DEB/enabled")" "0:../conf-available/50-wgconfsrv.conf" \
    "lighty-enable-mod wgconfsrv enables the installed lighttpd example" || sed 's/^/    | /' "$DEB/enable.log"
expect_eq "$(cat "$DEB/lighttpd.rc"):$(cat "$DEB/lighttpd.log")" "0:" \
    "Debian's lighttpd takes it, with no warning (lighttpd -tt)" || true
[ -e /etc/nginx/sites-enabled/wgconfsrv.conf ] || [ -e /etc/lighttpd/conf-enabled/50-wgconfsrv.conf ] &&
    fail "the namespace leaked: this machine's /etc changed" || ok "this machine's /etc is untouched"

mk uninstall DESTDIR="$DEST2" >/dev/null 2>&1
expect_eq "$(find "$DEST2" ! -type d | wc -l)" 0 "make uninstall (default PREFIX) leaves no file"

# ------------------------------- the hosts' unit, as systemd would run it
# wgconf-sync@wg0.service's ExecStart, as it is (default state folder,
# /etc/wireguard), on a host of its own: a new network namespace (its wg0,
# its routes, a server on its 127.0.0.1) and mount namespace (a tmpfs on
# /var/lib, /etc/wireguard and /run, a sysfs of its own, so nothing of this
# machine's is read or written).
NS=$T_TMP/ns
mkdir -p "$NS"
sync_cmd=$(unit_val "$UNITS/wgconf-sync@.service" ExecStart | sed -e 's/%i/wg0/g' -e "s|^/usr/bin/wgconf |$DEST/usr/bin/wgconf |")
say "# sync ExecStart as run here: $sync_cmd"
cat >"$NS/host.sh" <<EOS
set -u
ip link set lo up
mount -t tmpfs -o mode=0755 tmpfs /var/lib && mkdir -m 0700 /var/lib/wgconf || exit 1
# Debian's nginx package makes /var/lib/nginx; the Nchan module (push)
# insists on its default temp folder there, whatever the config says.
mkdir -p /var/lib/nginx || exit 1
mkdir -p /etc/wireguard && mount -t tmpfs -o mode=0700 tmpfs /etc/wireguard || exit 1
mount -t tmpfs -o mode=0755 tmpfs /run || exit 1
# /sys/class/net shows the namespace of whoever mounted sysfs (as ip netns
# exec does it, so wgconf sees this namespace's wg0).
mount -t sysfs sysfs /sys || exit 1
export WGCONFSRV_RUN_DIR=$NS/run WGCONFSRV_LISTEN=127.0.0.1:8443 WGCONFSRV_RESPONDERS=1
export WGCONFSRV_BIN=$DEST/usr/sbin/wgconfsrv
sh "$T_ROOT/nginx/local.sh" start >"$NS/start.log" 2>&1 || exit 1
W=$DEST/usr/bin/wgconf
A="--server https://127.0.0.1:8443 --cacert $NS/run/cert.pem"
\$W register \$A --name nshost 192.0.2.9:51820 >"$NS/register.log" 2>&1
$sync_cmd >"$NS/sync0.out" 2>&1
echo \$? >"$NS/sync0.rc"
\$W admin \$A --user admin --password-file "$NS/run/admin-password" accept nshost >>"$NS/register.log" 2>&1
echo \$? >"$NS/register.rc"
WG_PROCESS_FOREGROUND=1 wireguard-go wg0 >"$NS/wireguard-go.log" 2>&1 &
wgpid=\$!
i=0
while [ ! -S /run/wireguard/wg0.sock ] && [ \$i -lt 50 ]; do sleep 0.1; i=\$((i + 1)); done
$sync_cmd >"$NS/sync.out" 2>"$NS/sync.err"
echo \$? >"$NS/sync.rc"
stat -c %a /etc/wireguard/wg0.conf >"$NS/conf.mode" 2>&1
ip -4 -o addr show dev wg0 >"$NS/addr" 2>&1
wg show wg0 private-key >"$NS/wg.priv" 2>&1
cat /var/lib/wgconf/private.key >"$NS/state.priv" 2>&1
$sync_cmd >"$NS/sync2.out" 2>&1
echo \$? >"$NS/sync2.rc"
kill \$wgpid
sh "$T_ROOT/nginx/local.sh" stop >/dev/null 2>&1
wait
EOS
unshare --net --mount sh "$NS/host.sh" >"$NS/host.log" 2>&1
expect_eq "$?" 0 "the namespaced host ran" || { cat "$NS/host.log" "$NS/start.log" 2>/dev/null; }
expect_eq "$(cat "$NS/register.rc" 2>/dev/null)" 0 "the host registered and the admin accepted it" ||
    cat "$NS/register.log"
expect_eq "$(cat "$NS/sync0.rc" 2>/dev/null) $(unit_val "$UNITS/wgconf-sync@.service" SuccessExitStatus)" "3 3" \
    "before the admin accepts it, the sync exits 3, which the unit counts as success" ||
    sed 's/^/    | /' "$NS/sync0.out"
expect_eq "$(cat "$NS/sync.rc" 2>/dev/null)" 0 "wgconf-sync@wg0.service's command succeeds" ||
    sed 's/^/    | /' "$NS/sync.out" "$NS/sync.err"
expect_eq "$(cat "$NS/conf.mode")" 600 "it wrote /etc/wireguard/wg0.conf, mode 0600"
expect_in "$(cat "$NS/addr")" ' inet 10\.77\.0\.1/24 ' "wg0 has the host's mesh address"
expect_eq "$(cat "$NS/wg.priv")" "$(cat "$NS/state.priv")" "wg0 runs with the host's own private key"
expect_eq "$(cat "$NS/sync2.rc"):$(cat "$NS/sync2.out")" "0:" "the next run, with nothing changed, is silent"

# ---------------------------------------------------- uninstall
stack_stop "$NGINX_RUN"
mkdir -p "$DEST/usr/share/doc/other"
echo keep >"$DEST/usr/bin/other-program"
echo keep >"$DEST/usr/share/doc/other/README"
mk uninstall DESTDIR="$DEST" PREFIX=/usr >"$T_TMP/uninstall.log" 2>&1
expect_eq "$?" 0 "make uninstall DESTDIR=... PREFIX=/usr succeeds" || cat "$T_TMP/uninstall.log"
expect_eq "$(cd "$DEST" && find . ! -type d | LC_ALL=C sort | tr '\n' ' ')" \
    "./usr/bin/other-program ./usr/share/doc/other/README " \
    "make uninstall removes every file install put, and only those"
[ -e "$DEST/usr/share/wgconfsrv" ] && fail "usr/share/wgconfsrv is still there" ||
    ok "the folder of its own (share/wgconfsrv) is gone"
mk uninstall DESTDIR="$DEST" PREFIX=/usr >/dev/null 2>&1
expect_eq "$?" 0 "make uninstall twice is fine"
