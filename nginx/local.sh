#!/bin/sh
# SPDX-License-Identifier: MIT
#
# A real local wgconfsrv: nginx (TLS, htpasswd) in front of spawn-fcgi'd
# responders, everything in one run folder, no system file touched.
#
#   sh nginx/local.sh start|stop|status|restart
#
# Environment:
#   WGCONFSRV_RUN_DIR      run folder (default ./run)
#   WGCONFSRV_LISTEN       address:port nginx listens on (default 127.0.0.1:8443)
#   WGCONFSRV_RESPONDERS   responder processes (default 2)
#   WGCONFSRV_CERT_NAMES   extra subjectAltNames, e.g. "IP:10.0.0.1,DNS:wg.lan"
#   WGCONFSRV_BIN          responder binary (default cgi/wgconfsrv of this tree)
#   WGCONFSRV_SITE         nginx site to run (default nginx/wgconfsrv.conf; an
#                          installed copy, whose paths have PREFIX's share/)
#   WGCONFSRV_WWW          the UI folder it serves (default www/ of this tree)
#   WGCONFSRV_REGISTER_RATE  limit_req rate of the register zone: /register
#                          and unknown /api/ paths (default as in
#                          nginx/wgconfsrv.conf; tests raise it)
#   WGCONFSRV_PEER_RATE    the same for the peer routes and /health
#   WGCONFSRV_ADMIN_RATE   the same for the UI and the admin API
#   WGCONFSRV_KEY_RATE     the same for POST /peer/key
#   WGCONFSRV_ADMIN_USER_RATE  the same for the UI and the admin API per
#                          user name, across addresses
#   WGCONFSRV_NCHAN        nginx's Nchan module (default the Debian package's
#                          /usr/lib/nginx/modules/ngx_nchan_module.so); when
#                          it is not there, or set to "none", the site runs
#                          without push (its "BEGIN push" blocks removed) and
#                          hosts poll
#   WGCONFSRV_PUSH_MESSAGE_TIMEOUT  how long the publisher keeps a channel's
#                          last message for a host that (re)subscribes
#                          (nchan_message_timeout; default as in
#                          nginx/wgconfsrv.conf, 60s; tests shorten it)
#
# The nginx site is nginx/wgconfsrv.conf, the production example, with its
# paths replaced: what runs here is what gets deployed.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUN=${WGCONFSRV_RUN_DIR:-./run}
mkdir -p "$RUN"
RUN=$(cd "$RUN" && pwd)
LISTEN=${WGCONFSRV_LISTEN:-127.0.0.1:8443}
RESPONDERS=${WGCONFSRV_RESPONDERS:-2}
CERT_NAMES=${WGCONFSRV_CERT_NAMES:-}
BIN=${WGCONFSRV_BIN:-$ROOT/cgi/wgconfsrv}
SITE=${WGCONFSRV_SITE:-$ROOT/nginx/wgconfsrv.conf}
WWW=${WGCONFSRV_WWW:-$ROOT/www}
RATE=${WGCONFSRV_REGISTER_RATE:-}
PEER_RATE=${WGCONFSRV_PEER_RATE:-}
ADMIN_RATE=${WGCONFSRV_ADMIN_RATE:-}
KEY_RATE=${WGCONFSRV_KEY_RATE:-}
ADMIN_USER_RATE=${WGCONFSRV_ADMIN_USER_RATE:-}
NCHAN=${WGCONFSRV_NCHAN:-/usr/lib/nginx/modules/ngx_nchan_module.so}
MESSAGE_TIMEOUT=${WGCONFSRV_PUSH_MESSAGE_TIMEOUT:-}
ADMIN=admin
BIN_NAME=$(basename "$BIN")

NGINX=$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)
SPAWN=$(command -v spawn-fcgi 2>/dev/null || echo /usr/bin/spawn-fcgi)

die() {
	echo "local.sh: $*" >&2
	exit 1
}

# host and port of LISTEN ("127.0.0.1:8443", "[::1]:8443", "8443")
listen_host() {
	case $LISTEN in
	\[*\]:*) h=${LISTEN%]:*}; echo "${h#[}" ;;
	*:*) echo "${LISTEN%:*}" ;;
	*) echo 127.0.0.1 ;;
	esac
}
listen_port() {
	case $LISTEN in
	*:*) echo "${LISTEN##*:}" ;;
	*) echo "$LISTEN" ;;
	esac
}
url_host() {
	h=$(listen_host)
	case $h in
	0.0.0.0 | '*') echo 127.0.0.1 ;;
	::) echo '[::1]' ;;
	*:*) echo "[$h]" ;;
	*) echo "$h" ;;
	esac
}

# Is PID alive and running the named program? (pids get reused)
alive() {
	[ -n "$1" ] && [ -r "/proc/$1/cmdline" ] || return 1
	tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q "$2"
}

nginx_pid() {
	[ -s "$RUN/nginx.pid" ] && cat "$RUN/nginx.pid" || true
}

responder_pids() {
	[ -s "$RUN/responders.pid" ] && tr -s ' \n' '\n\n' <"$RUN/responders.pid" || true
}

running() {
	alive "$(nginx_pid)" nginx || return 1
	n=0
	for p in $(responder_pids); do
		alive "$p" "$BIN_NAME" || return 1
		n=$((n + 1))
	done
	[ "$n" -gt 0 ]
}

make_cert() {
	sans="IP:127.0.0.1,IP:::1,DNS:localhost"
	h=$(listen_host)
	case $h in
	127.0.0.1 | ::1 | 0.0.0.0 | :: | localhost) ;;
	*[!0-9a-fA-F.:]*) sans="$sans,DNS:$h" ;;
	*) sans="$sans,IP:$h" ;;
	esac
	[ -n "$CERT_NAMES" ] && sans="$sans,$CERT_NAMES"
	if [ -s "$RUN/cert.pem" ] && [ -s "$RUN/key.pem" ] &&
	    [ "$(cat "$RUN/cert-names" 2>/dev/null)" = "$sans" ]; then
		return 0
	fi
	echo "local.sh: making a self-signed certificate for $sans"
	(umask 077 && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	    -nodes -days 825 -subj "/CN=wgconfsrv local" \
	    -addext "subjectAltName=$sans" \
	    -addext "basicConstraints=critical,CA:TRUE" \
	    -keyout "$RUN/key.pem" -out "$RUN/cert.pem" 2>"$RUN/logs/openssl.log") ||
	    die "openssl failed, see $RUN/logs/openssl.log"
	chmod 0644 "$RUN/cert.pem"
	echo "$sans" >"$RUN/cert-names"
}

make_htpasswd() {
	if [ -s "$RUN/admin-password" ] && [ -s "$RUN/htpasswd" ]; then
		return 0
	fi
	(
		umask 077
		openssl rand -base64 24 | tr -d '/+=\n' | cut -c1-24 >"$RUN/admin-password"
		# -i reads the password from stdin: never on a command line (ps).
		htpasswd -i -B -c "$RUN/htpasswd" "$ADMIN" <"$RUN/admin-password" 2>/dev/null
	) || die "htpasswd failed (apache2-utils installed?)"
	# nginx workers read it; they run as this user (see nginx.conf).
	chmod 0644 "$RUN/htpasswd"
	chmod 0600 "$RUN/admin-password"
}

# The pin of the certificate's key, as wgconf register --pin takes it.
tls_pin() {
	printf 'sha256//%s' "$(openssl x509 -in "$RUN/cert.pem" -pubkey -noout |
	    openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)"
}

make_nginx_conf() {
	for f in mime.types; do
		if [ -r "/etc/nginx/$f" ]; then
			cp "/etc/nginx/$f" "$RUN/$f"
		else
			echo 'types { text/html html; text/css css; application/javascript js mjs; application/json json; image/svg+xml svg; image/png png; }' >"$RUN/$f"
		fi
	done
	site=$RUN/site.conf
	# Without the module, the push blocks go (every one of them: a sed
	# range starts again after its end).
	nopush='/^[[:space:]]*# BEGIN push/,/^[[:space:]]*# END push/d'
	push_on && nopush=''
	sed -e "$nopush" "$SITE" |
	sed -e '/^# BEGIN port-80-redirect/,/^# END port-80-redirect/d' \
	    -e '/listen \[::\]:443/d' \
	    -e "s|listen 443 ssl http2;|listen $LISTEN ssl http2;|" \
	    -e "s|/etc/ssl/wgconfsrv/fullchain.pem|$RUN/cert.pem|" \
	    -e "s|/etc/ssl/wgconfsrv/privkey.pem|$RUN/key.pem|" \
	    -e "s|/var/log/nginx/wgconfsrv.access.log|$RUN/logs/access.log|" \
	    -e "s|/var/log/nginx/wgconfsrv.error.log|$RUN/logs/error.log|" \
	    -e "s|^\([[:space:]]*root\) /[^;]*/share/wgconfsrv/www;|\1 $WWW;|" \
	    -e "s|/etc/nginx/wgconfsrv.htpasswd|$RUN/htpasswd|" \
	    -e "s|unix:/run/wgconfsrv/fcgi.sock|unix:$RUN/fcgi.sock|" \
	    -e "s|unix:/run/wgconfsrv/push.sock|unix:$RUN/push.sock|" \
	    -e "s|server_name wg.example.com;|server_name localhost;|" \
	    -e "s|sha256//REPLACE_WITH_THE_PIN|$(tls_pin)|" \
	    >"$site.tmp"
	for zr in "register:$RATE" "peer:$PEER_RATE" "admin:$ADMIN_RATE" "key:$KEY_RATE" \
	    "admin_user:$ADMIN_USER_RATE"; do
		[ -n "${zr#*:}" ] || continue
		grep -q "zone=wgconfsrv_${zr%%:*}:[0-9]*[km]* rate=" "$site.tmp" ||
		    die "$SITE has no limit_req_zone wgconfsrv_${zr%%:*}"
		sed -i "s|\(zone=wgconfsrv_${zr%%:*}:[0-9]*[km]*\) rate=[^;]*;|\1 rate=${zr#*:};|" "$site.tmp"
	done
	if [ -n "$MESSAGE_TIMEOUT" ] && push_on; then
		grep -q 'nchan_message_timeout [0-9]*[smhd]*;' "$site.tmp" ||
		    die "$SITE has no nchan_message_timeout"
		sed -i "s|nchan_message_timeout [0-9]*[smhd]*;|nchan_message_timeout $MESSAGE_TIMEOUT;|" "$site.tmp"
	fi
	# A path the substitutions missed would make nginx touch the system.
	# The join page's two libraries are read where Debian installs them,
	# as in production (read only: an alias of a file).
	if grep -v '^[[:space:]]*#' "$site.tmp" | grep -v '^[[:space:]]*alias /usr/share/nodejs/[a-z-]*/[a-z.-]*;$' |
	    grep -E "(^|[[:space:]:\"'])(/etc/ssl|/etc/nginx|/var/log|/run/wgconfsrv|/usr/(local/)?share)" >&2; then
		die "$SITE has a path local.sh does not replace (above)"
	fi
	mv "$site.tmp" "$site"

	# Room for many connections, as docs/operations.md asks of nginx.conf:
	# slow clients and push subscribers must not exhaust them. A
	# connection to the responders and a temporary file take descriptors
	# too: two per connection, within what this shell may raise to.
	nofile=40000
	hard=$(ulimit -Hn)
	[ "$hard" != unlimited ] && [ "$hard" -lt "$nofile" ] && nofile=$hard
	conns=$((nofile / 2 < 16384 ? nofile / 2 : 16384))
	user=""
	if [ "$(id -u)" -eq 0 ]; then
		# Workers as the user who owns the run folder and the socket.
		user="user $(id -un) $(id -gn);"
	fi
	load=""
	push_on && load="load_module $NCHAN;"
	cat >"$RUN/nginx.conf" <<EOF
# Generated by nginx/local.sh; edits are lost on the next start.
$load
$user
worker_processes 2;
worker_rlimit_nofile $nofile;
pid $RUN/nginx.pid;
error_log $RUN/logs/error.log warn;
events {
	worker_connections $conns;
}
http {
	include $RUN/mime.types;
	default_type application/octet-stream;
	sendfile on;
	access_log $RUN/logs/access.log;
	client_body_temp_path $RUN/tmp/client_body;
	fastcgi_temp_path $RUN/tmp/fastcgi;
	proxy_temp_path $RUN/tmp/proxy;
	uwsgi_temp_path $RUN/tmp/uwsgi;
	scgi_temp_path $RUN/tmp/scgi;
	include $site;
}
EOF
}

# Is push on: the Nchan module there, not turned off?
push_on() {
	[ "$NCHAN" != none ] && [ -r "$NCHAN" ]
}

start_responders() {
	rm -f "$RUN/fcgi.sock" "$RUN/responders.pid"
	push=""
	push_on && push=$RUN/push.sock
	# spawn-fcgi sends the children's stderr to /dev/null: the shell in
	# front puts it in the log, then exec's, so the recorded pid is the
	# responder's own. Sanitizer reports go to files the tests look for.
	ASAN_OPTIONS="log_path=$RUN/logs/asan:detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}" \
	UBSAN_OPTIONS="log_path=$RUN/logs/ubsan:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}" \
	WGCONFSRV_DB="$RUN/wgconfsrv.db" \
	WGCONFSRV_PUSH="$push" \
	WGCONFSRV_LOG="$RUN/logs/responder.log" \
	    "$SPAWN" -F "$RESPONDERS" -s "$RUN/fcgi.sock" -M 0600 -P "$RUN/responders.pid" \
	    -d "$RUN" -- /bin/sh -c 'exec "$0" "$@" 2>>"$WGCONFSRV_LOG"' "$BIN" \
	    >>"$RUN/logs/spawn-fcgi.log" 2>&1 ||
	    die "spawn-fcgi failed, see $RUN/logs/spawn-fcgi.log"
	# spawn-fcgi writes the pids without a final newline.
	echo >>"$RUN/responders.pid"
}

wait_ready() {
	url="https://$(url_host):$(listen_port)/api/v1/health"
	i=0
	while [ $i -lt 100 ]; do
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
		    --cacert "$RUN/cert.pem" "$url" 2>/dev/null || true)
		[ "$code" = 200 ] && return 0
		i=$((i + 1))
		sleep 0.1
	done
	echo "local.sh: $url answers ${code:-nothing}, not 200" >&2
	tail -n 20 "$RUN/logs/responder.log" "$RUN/logs/error.log" >&2 2>/dev/null || true
	return 1
}

print_info() {
	url="https://$(url_host):$(listen_port)"
	pass=$(cat "$RUN/admin-password")
	cat <<EOF
wgconfsrv is running
  URL:       $url/
  API:       $url/api/v1/
  admin:     $ADMIN
  password:  $pass   (also in $RUN/admin-password)
  CA cert:   $RUN/cert.pem
  database:  $RUN/wgconfsrv.db
  logs:      $RUN/logs/
try:
  curl -sS --cacert $RUN/cert.pem -u $ADMIN:$pass $url/api/v1/admin/peers
stop:
  make stop   (or: sh nginx/local.sh stop)
EOF
}

do_start() {
	if running; then
		print_info
		return 0
	fi
	# Half up (a process died): start clean.
	do_stop >/dev/null 2>&1 || true
	[ -x "$BIN" ] || die "$BIN is not built: run make"
	[ -x "$NGINX" ] || die "nginx is not installed: run make deps"
	[ -x "$SPAWN" ] || die "spawn-fcgi is not installed: run make deps"
	mkdir -p "$RUN/logs" "$RUN/tmp"
	chmod 0700 "$RUN"
	make_cert
	make_htpasswd
	make_nginx_conf
	"$NGINX" -t -q -e "$RUN/logs/error.log" -p "$RUN" -c "$RUN/nginx.conf" ||
	    die "nginx rejects $RUN/nginx.conf"
	start_responders
	"$NGINX" -e "$RUN/logs/error.log" -p "$RUN" -c "$RUN/nginx.conf" || {
		do_stop >/dev/null 2>&1 || true
		die "nginx did not start, see $RUN/logs/error.log"
	}
	if ! wait_ready; then
		do_stop >/dev/null 2>&1 || true
		die "the instance does not answer"
	fi
	print_info
}

# Sends SIG to each pid that still runs PROG, waits up to SECS, then kills.
stop_pids() {
	prog=$1 secs=$2
	shift 2
	left=""
	for p in "$@"; do
		if alive "$p" "$prog"; then
			kill -TERM "$p" 2>/dev/null || true
			left="$left $p"
		fi
	done
	i=0
	while [ -n "$left" ] && [ $i -lt $((secs * 10)) ]; do
		still=""
		for p in $left; do
			alive "$p" "$prog" && still="$still $p"
		done
		left=$still
		[ -n "$left" ] || break
		sleep 0.1
		i=$((i + 1))
	done
	for p in $left; do
		echo "local.sh: $prog $p ignored SIGTERM for ${secs}s, killing it" >&2
		kill -KILL "$p" 2>/dev/null || true
	done
}

do_stop() {
	pid=$(nginx_pid)
	if [ -n "$pid" ]; then
		stop_pids nginx 10 "$pid"
	fi
	rm -f "$RUN/nginx.pid"
	# shellcheck disable=SC2046
	stop_pids "$BIN_NAME" 15 $(responder_pids)
	rm -f "$RUN/responders.pid" "$RUN/fcgi.sock" "$RUN/push.sock"
	echo "wgconfsrv stopped ($RUN)"
}

do_status() {
	rc=0
	pid=$(nginx_pid)
	if alive "$pid" nginx; then
		echo "nginx: running (pid $pid) on https://$(url_host):$(listen_port)/"
	else
		echo "nginx: stopped"
		rc=1
	fi
	n=0
	for p in $(responder_pids); do
		n=$((n + 1))
		if alive "$p" "$BIN_NAME"; then
			echo "responder: running (pid $p)"
		else
			echo "responder: dead (pid $p)"
			rc=1
		fi
	done
	if [ $n -eq 0 ]; then
		echo "responders: stopped"
		rc=1
	fi
	return $rc
}

case ${1:-} in
start) do_start ;;
stop) do_stop ;;
restart) do_stop && do_start ;;
status) do_status ;;
*)
	echo "usage: sh nginx/local.sh start|stop|status|restart" >&2
	exit 2
	;;
esac
