# SPDX-License-Identifier: MIT
#
# Shared helpers for the shell tests (POSIX sh; bash tests may source it too).
#
#   . "$(dirname "$0")/lib.sh"
#   stack_start                      # nginx + responders in a temp run dir
#   api -a POST /admin/invites '{}'  # sets STATUS, BODY; headers in $HEADERS
#   expect_status 201
#   expect_str .uses 1
#
# Assertions print what was expected and what came, count the failure and go
# on; the test exits non-zero at the end if any failed (or at once, through
# `|| die`, where going on makes no sense). Exit 77 = skipped (see skip).
# Everything a test starts is stopped by an exit trap; sanitizer reports a
# responder left in the run dir fail the test.

T_ROOT=${T_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
T_NAME=$(basename "$0" .sh)
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/wgconfsrv-$T_NAME.XXXXXX")
T_CHECKS=0
T_FAILS=0
T_STACKS=""
T_STOCKS=""
HEADERS=$T_TMP/headers
STATUS=""
BODY=""
WGCONFSRV_BIN=${WGCONFSRV_BIN:-$T_ROOT/cgi/wgconfsrv}
WGCONF=${WGCONF:-$T_ROOT/client/wgconf}

say() {
	printf '%s\n' "$*"
}

# Stops the test now: a precondition failed.
die() {
	say "FATAL: $*"
	T_FAILS=$((T_FAILS + 1))
	exit 1
}

# Exit 77: the runner counts a skip, with this reason.
skip() {
	say "# skip: $*"
	T_SKIPPED=1
	exit 77
}

ok() {
	T_CHECKS=$((T_CHECKS + 1))
	say "ok $T_CHECKS - $*"
}

fail() {
	T_CHECKS=$((T_CHECKS + 1))
	T_FAILS=$((T_FAILS + 1))
	say "not ok $T_CHECKS - $*"
	return 1
}

# Shows the last request and its answer under a failed check.
show_last() {
	say "    request:  $T_LAST_REQ"
	say "    status:   $STATUS"
	say "    body:     $(printf '%s' "$BODY" | head -c 600)"
}

need() {
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip "$c is not installed (make deps)"
	done
}

t_cleanup() {
	rc=$?
	trap - EXIT INT TERM
	for s in $T_STOCKS; do
		stock_stop "$s"
	done
	for r in $T_STACKS; do
		stack_stop "$r"
	done
	if [ "${T_SKIPPED:-0}" = 1 ]; then
		rm -rf "$T_TMP"
		exit 77
	fi
	[ $rc -ne 0 ] && [ $T_FAILS -eq 0 ] && T_FAILS=1
	say "# $T_CHECKS checks, $T_FAILS failed"
	if [ "${KEEP:-0}" = 1 ]; then
		say "# kept $T_TMP"
	else
		rm -rf "$T_TMP"
	fi
	[ $T_FAILS -eq 0 ] && exit 0
	exit 1
}
trap t_cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- the stack

# free_port (also bench/run.sh's)
. "$T_ROOT/tests/port.sh"

# t_rate SETTING DEFAULT: the rate local.sh gets ("" keeps the example's).
t_rate() {
	case $1 in
	production) echo "" ;;
	"") echo "$2" ;;
	*) echo "$1" ;;
	esac
}

# stack_start [RESPONDERS]: nginx + spawn-fcgi'd responders through
# nginx/local.sh, in a run dir of this test, on a free port. Sets RUN, PORT,
# URL (https://127.0.0.1:PORT), API (URL/api/v1), ADMIN_PASS, CACERT, DB,
# RESPONDER_PIDS. Requests are not rate-limited unless RATE (the register
# zone), PEER_RATE, ADMIN_RATE, KEY_RATE or ADMIN_USER_RATE is set
# ("production": as in the nginx example, e.g. RATE=production).
stack_start() {
	need nginx spawn-fcgi curl jq openssl htpasswd
	[ -x "$WGCONFSRV_BIN" ] || die "$WGCONFSRV_BIN is not built (make)"
	RUN=$T_TMP/run$(echo "$T_STACKS" | wc -w)
	mkdir -p "$RUN"
	T_STACKS="$T_STACKS $RUN"
	# Other tests (other people's too) take ports: a lost race means
	# another port, not a failure.
	_try=0
	while :; do
		PORT=$(free_port) || die "no free port"
		WGCONFSRV_RUN_DIR=$RUN WGCONFSRV_LISTEN=127.0.0.1:$PORT \
		WGCONFSRV_RESPONDERS=${1:-2} WGCONFSRV_BIN=$WGCONFSRV_BIN \
		WGCONFSRV_REGISTER_RATE=$(t_rate "${RATE:-}" 100000r/m) \
		WGCONFSRV_PEER_RATE=$(t_rate "${PEER_RATE:-}" 100000r/s) \
		WGCONFSRV_ADMIN_RATE=$(t_rate "${ADMIN_RATE:-}" 100000r/s) \
		WGCONFSRV_KEY_RATE=$(t_rate "${KEY_RATE:-}" 100000r/m) \
		WGCONFSRV_ADMIN_USER_RATE=$(t_rate "${ADMIN_USER_RATE:-}" 100000r/s) \
		    sh "$T_ROOT/nginx/local.sh" start >"$T_TMP/start.log" 2>&1 && break
		_try=$((_try + 1))
		if [ $_try -ge 3 ] || ! grep -q 'Address already in use' "$T_TMP/start.log"; then
			cat "$T_TMP/start.log"
			die "nginx/local.sh start failed"
		fi
		say "# port $PORT was taken, trying another"
	done
	URL=https://127.0.0.1:$PORT
	API=$URL/api/v1
	CACERT=$RUN/cert.pem
	DB=$RUN/wgconfsrv.db
	ADMIN_PASS=$(cat "$RUN/admin-password")
	RESPONDER_PIDS=$(tr '\n' ' ' <"$RUN/responders.pid")
	say "# stack on $URL, run dir $RUN, responders $RESPONDER_PIDS"
}

# stack_stop [RUN]: stops it; a sanitizer report from a responder is a failure.
stack_stop() {
	_run=${1:-$RUN}
	[ -d "$_run" ] || return 0
	WGCONFSRV_RUN_DIR=$_run WGCONFSRV_BIN=$WGCONFSRV_BIN \
	    sh "$T_ROOT/nginx/local.sh" stop >/dev/null 2>&1
	T_STACKS=$(echo "$T_STACKS" | tr ' ' '\n' | grep -vx "$_run" | tr '\n' ' ')
	for f in "$_run"/logs/asan* "$_run"/logs/ubsan*; do
		[ -f "$f" ] || continue
		fail "sanitizer report from a responder: $f"
		sed 's/^/    | /' "$f" | head -n 80
	done
	if [ "${VERBOSE:-0}" = 1 ] && [ -s "$_run/logs/responder.log" ]; then
		say "# responder log:"
		sed 's/^/    | /' "$_run/logs/responder.log" | tail -n 40
	fi
}

# stock_start: a second nginx in front of stack_start's responders, its site
# the production one with the spelled-out fastcgi_param block replaced by the
# `include /etc/nginx/fastcgi_params;` a server already running on Debian
# has, on another free port (never 443). Debian's file sends HTTP_HOST as
# $host, without the port: STOCK_HOST_PORTLESS is 1 when this one does. Sets
# STOCK (its folder), STOCK_PORT, STOCK_URL. Skips without Debian's file.
stock_start() {
	[ -n "${RUN:-}" ] && [ -f "$RUN/site.conf" ] || die "stock_start needs stack_start first"
	[ -r /etc/nginx/fastcgi_params ] || skip "no /etc/nginx/fastcgi_params (Debian's nginx)"
	STOCK_HOST_PORTLESS=0
	grep -Eq '^[[:space:]]*fastcgi_param[[:space:]]+HTTP_HOST[[:space:]]+\$host;' \
	    /etc/nginx/fastcgi_params && STOCK_HOST_PORTLESS=1
	STOCK=$T_TMP/stock$(echo "$T_STOCKS" | wc -w)
	mkdir -p "$STOCK/logs" "$STOCK/tmp"
	T_STOCKS="$T_STOCKS $STOCK"
	sed -e "s|$RUN/site.conf|$STOCK/site.conf|" -e "s|$RUN/nginx.pid|$STOCK/nginx.pid|" \
	    -e "s|$RUN/logs|$STOCK/logs|g" -e "s|$RUN/tmp|$STOCK/tmp|g" \
	    "$RUN/nginx.conf" >"$STOCK/nginx.conf"
	_try=0
	while :; do
		STOCK_PORT=$(free_port) || die "no free port"
		[ "$STOCK_PORT" != 443 ] || continue
		# Without push: its publisher socket is the first nginx's, and
		# its subrequest location spells out parameters of its own.
		sed -e '/^[[:space:]]*# BEGIN push/,/^[[:space:]]*# END push/d' \
		    -e '/^[[:space:]]*fastcgi_param QUERY_STRING/,/^[[:space:]]*fastcgi_param HTTP_HOST/c\
	include /etc/nginx/fastcgi_params;' \
		    -e "s|listen [^;]* ssl http2;|listen 127.0.0.1:$STOCK_PORT ssl http2;|" \
		    -e "s|$RUN/logs|$STOCK/logs|g" \
		    "$RUN/site.conf" >"$STOCK/site.conf"
		grep -q 'include /etc/nginx/fastcgi_params;' "$STOCK/site.conf" ||
		    die "no include in $STOCK/site.conf"
		! grep -q '^[[:space:]]*fastcgi_param ' "$STOCK/site.conf" ||
		    die "fastcgi_param left in $STOCK/site.conf"
		grep -q "listen 127.0.0.1:$STOCK_PORT ssl" "$STOCK/site.conf" ||
		    die "no listen on $STOCK_PORT in $STOCK/site.conf"
		nginx -e "$STOCK/logs/error.log" -p "$STOCK" -c "$STOCK/nginx.conf" \
		    >"$STOCK/start.log" 2>&1 && break
		_try=$((_try + 1))
		if [ $_try -ge 3 ] || ! grep -q 'Address already in use' "$STOCK/start.log"; then
			cat "$STOCK/start.log"
			die "nginx with the stock fastcgi_params did not start"
		fi
		say "# port $STOCK_PORT was taken, trying another"
	done
	STOCK_URL=https://127.0.0.1:$STOCK_PORT
	_i=0
	until curl -s -o /dev/null --cacert "$CACERT" "$STOCK_URL/api/v1/health"; do
		[ $_i -lt 50 ] || die "nginx with the stock fastcgi_params does not answer on $STOCK_URL"
		sleep 0.1
		_i=$((_i + 1))
	done
	say "# stock fastcgi_params nginx on $STOCK_URL, folder $STOCK"
}

# stock_stop [STOCK]: stops that nginx.
stock_stop() {
	_st=${1:-$STOCK}
	[ -s "$_st/nginx.pid" ] && kill "$(cat "$_st/nginx.pid")" 2>/dev/null
	rm -f "$_st/nginx.pid"
	T_STOCKS=$(echo "$T_STOCKS" | tr ' ' '\n' | grep -vx "$_st" | tr '\n' ' ')
	return 0
}

# --------------------------------------------------------------------- HTTP

# api [options] METHOD PATH [BODY]
#   PATH "/peer" means $API/peer; "/api/..." or "/..." with -r is from $URL.
#   -a             admin basic auth (admin + the generated password)
#   -u USER:PASS   other basic auth credentials
#   -b TOKEN       Authorization: Bearer TOKEN
#   -t TYPE        Content-Type (default application/json for anything but
#                  GET and HEAD; "-" sends none)
#   -h 'N: v'      one more request header (repeatable)
#   -f FILE        the body is this file
#   -r             PATH is from the server root, not from /api/v1
# Sets STATUS (e.g. 200; 000 when nothing answered) and BODY; headers in
# $HEADERS. Without BODY or -f, no body is sent.
# A value in a curl config file: backslashes and quotes escaped.
t_cfgq() {
	printf '"%s"' "$(printf '%s' "$1" | sed 's/[\\"]/\\&/g')"
}

api() {
	_cfg=$T_TMP/curl.cfg
	: >"$_cfg"
	_ctype="" _ctype_set=0 _file="" _root=0
	OPTIND=1
	while getopts 'au:b:t:h:f:r' _o; do
		case $_o in
		a) echo "user = $(t_cfgq "admin:$ADMIN_PASS")" >>"$_cfg" ;;
		u) echo "user = $(t_cfgq "$OPTARG")" >>"$_cfg" ;;
		b) echo "header = $(t_cfgq "Authorization: Bearer $OPTARG")" >>"$_cfg" ;;
		t) _ctype=$OPTARG _ctype_set=1 ;;
		h) echo "header = $(t_cfgq "$OPTARG")" >>"$_cfg" ;;
		f) _file=$OPTARG ;;
		r) _root=1 ;;
		*) die "api: bad option" ;;
		esac
	done
	shift $((OPTIND - 1))
	_m=$1 _p=$2
	case $_p in
	http*) _u=$_p ;;
	*) if [ $_root = 1 ]; then _u=$URL$_p; else _u=$API$_p; fi ;;
	esac
	if [ $# -ge 3 ]; then
		printf '%s' "$3" >"$T_TMP/req-body"
		_file=$T_TMP/req-body
	fi
	if [ $_ctype_set = 0 ]; then
		case $_m in
		GET | HEAD) ;;
		*) _ctype=application/json ;;
		esac
	fi
	# "Content-Type:" with nothing after it makes curl drop its own.
	if [ "$_ctype" = - ]; then
		echo 'header = "Content-Type:"' >>"$_cfg"
	elif [ -n "$_ctype" ]; then
		echo "header = $(t_cfgq "Content-Type: $_ctype")" >>"$_cfg"
	elif [ -n "$_file" ]; then
		echo 'header = "Content-Type:"' >>"$_cfg"
	fi
	[ -n "$_file" ] && echo "data-binary = $(t_cfgq "@$_file")" >>"$_cfg"
	T_LAST_REQ="$_m $_u"
	rm -f "$T_TMP/resp-body" "$HEADERS"
	STATUS=$(curl -sS -K "$_cfg" --cacert "$CACERT" --max-time 20 \
	    -X "$_m" -o "$T_TMP/resp-body" -D "$HEADERS" -w '%{http_code}' \
	    "$_u" 2>"$T_TMP/curl.err") || STATUS=${STATUS:-000}
	BODY=$(cat "$T_TMP/resp-body" 2>/dev/null)
	say "> $_m $_u -> $STATUS"
}

# header NAME: the value of a response header of the last request.
header() {
	grep -i "^$1:" "$HEADERS" | head -n 1 | sed 's/^[^:]*:[[:space:]]*//' | tr -d '\r'
}

# api_all PATH KEY: every page of an admin list (GET PATH, following
# next_cursor), joined: BODY is {"KEY": [all of them]}, STATUS that of the
# first page that was not 200, or 200.
api_all() {
	_all=$T_TMP/api-all
	printf '[]' >"$_all"
	_cur=""
	while :; do
		case $1 in *\?*) _sep='&' ;; *) _sep='?' ;; esac
		if [ -n "$_cur" ]; then api -a GET "$1${_sep}cursor=$_cur"; else api -a GET "$1"; fi
		[ "$STATUS" = 200 ] || return 1
		printf '%s' "$BODY" | jq --slurpfile a "$_all" --arg k "$2" '$a[0] + .[$k]' >"$_all.new" &&
		    mv "$_all.new" "$_all" || return 1
		_cur=$(jqr '.next_cursor // empty | @uri')
		[ -n "$_cur" ] || break
	done
	BODY=$(jq -c --arg k "$2" '{($k): .}' "$_all")
}

# jqr FILTER: jq -r on the last body (empty on bad JSON).
jqr() {
	printf '%s' "$BODY" | jq -r "$1" 2>/dev/null
}

# ------------------------------------------------------------- assertions

expect_status() {
	if [ "$STATUS" = "$1" ]; then
		ok "${2:-$T_LAST_REQ} -> $1"
	else
		fail "${2:-$T_LAST_REQ}: expected status $1, got $STATUS"
		show_last
		return 1
	fi
}

# expect_str FILTER VALUE: jq -r FILTER of the body is VALUE.
expect_str() {
	_got=$(jqr "$1")
	if [ "$_got" = "$2" ]; then
		ok "$1 is '$2'"
	else
		fail "$T_LAST_REQ: expected $1 to be '$2', got '$_got'"
		show_last
		return 1
	fi
}

# expect_json FILTER JSON: FILTER of the body equals JSON (compared as JSON).
expect_json() {
	_got=$(printf '%s' "$BODY" | jq -cS "$1" 2>&1)
	_want=$(printf '%s' "$2" | jq -cS . 2>&1)
	if [ "$_got" = "$_want" ]; then
		ok "$1 == $2"
	else
		fail "$T_LAST_REQ: expected $1 == $_want, got $_got"
		show_last
		return 1
	fi
}

# expect_true JQEXPR [what]: the expression holds on the body.
expect_true() {
	if printf '%s' "$BODY" | jq -e "$1" >/dev/null 2>&1; then
		ok "${2:-$1}"
	else
		fail "$T_LAST_REQ: expected ${2:-$1} ($1)"
		show_last
		return 1
	fi
}

# expect_error STATUS [CODE]: the status, and the JSON error shape
# {"error":{"code":"snake_case","message":"..."}} with that code.
expect_error() {
	expect_status "$1" "${3:-$T_LAST_REQ}" || return 1
	if ! printf '%s' "$BODY" | jq -e '(.error.code | type == "string" and test("^[a-z0-9_]+$"))
	    and (.error.message | type == "string" and length > 0)' >/dev/null 2>&1; then
		fail "$T_LAST_REQ: expected a JSON error body, got: $(printf '%s' "$BODY" | head -c 300)"
		return 1
	fi
	if [ -n "${2:-}" ]; then
		_got=$(jqr .error.code)
		if [ "$_got" != "$2" ]; then
			fail "$T_LAST_REQ: expected error code $2, got $_got"
			show_last
			return 1
		fi
	fi
	ok "error $1 ${2:-$(jqr .error.code)}"
}

# expect_header NAME REGEX (grep -E on the value)
expect_header() {
	_v=$(header "$1")
	if printf '%s' "$_v" | grep -Eq -- "$2"; then
		ok "header $1: $_v"
	else
		fail "$T_LAST_REQ: expected header $1 matching /$2/, got '$_v'"
		return 1
	fi
}

# expect_eq GOT WANT WHAT
expect_eq() {
	if [ "$1" = "$2" ]; then
		ok "$3"
	else
		fail "$3: expected '$2', got '$1'"
		return 1
	fi
}

# ------------------------------------------------------ database, processes

# The whole database as SQL text, to compare before and after.
db_dump() {
	[ -f "$DB" ] || return 0
	sqlite3 -readonly "$DB" .dump
}

# Same, with peers.last_seen (a peer's reads may touch it) blanked, on a
# copy: the column's place in a row depends on the schema version.
db_dump_but_last_seen() {
	[ -f "$DB" ] || return 0
	rm -f "$T_TMP/dump.db"
	sqlite3 -readonly "$DB" ".backup '$T_TMP/dump.db'" &&
	    sqlite3 "$T_TMP/dump.db" 'UPDATE peers SET last_seen = NULL' &&
	    sqlite3 -readonly "$T_TMP/dump.db" .dump
}

# expect_db_unchanged BEFORE [dumper]: the dump now equals BEFORE.
expect_db_unchanged() {
	_now=$(${2:-db_dump})
	if [ "$_now" = "$1" ]; then
		ok "database unchanged after $T_LAST_REQ"
	else
		fail "database changed by $T_LAST_REQ"
		printf '%s\n' "$1" >"$T_TMP/db.before"
		printf '%s\n' "$_now" >"$T_TMP/db.after"
		diff "$T_TMP/db.before" "$T_TMP/db.after" | head -n 20 | sed 's/^/    | /'
		return 1
	fi
}

# The responders started by stack_start are all still running, and the
# stack still answers /health.
expect_responders_alive() {
	_dead=""
	for p in $RESPONDER_PIDS; do
		[ -r "/proc/$p/cmdline" ] && tr '\0' ' ' <"/proc/$p/cmdline" | grep -q wgconfsrv ||
		    _dead="$_dead $p"
	done
	if [ -z "$_dead" ]; then
		ok "responders $RESPONDER_PIDS all alive"
	else
		fail "responders died:$_dead (see $RUN/logs/responder.log)"
		tail -n 20 "$RUN/logs/responder.log" 2>/dev/null | sed 's/^/    | /'
	fi
	api GET /health
	expect_status 200 "/health still answers"
}

# ------------------------------------------------------------------- peers

# keypair: sets PRIV and PUB (a WireGuard key pair).
keypair() {
	if command -v wg >/dev/null 2>&1; then
		PRIV=$(wg genkey)
		PUB=$(printf '%s\n' "$PRIV" | wg pubkey)
	else
		PRIV=$(openssl genpkey -algorithm X25519 -outform DER | tail -c 32 | base64)
		PUB=$(printf '%s' "$PRIV" | base64 -d |
		    { printf '\060\056\002\001\000\060\005\006\003\053\145\156\004\042\004\040'; cat; } |
		    openssl pkey -inform DER -pubout -outform DER | tail -c 32 | base64)
	fi
}

# register NAME [ENDPOINT|null]: registers a new peer, expects 201. Sets
# PEER_ID, PEER_TOKEN, PEER_PUB, PEER_PRIV.
register() {
	keypair
	_ep=${2:-null}
	[ "$_ep" = null ] || _ep="\"$_ep\""
	api POST /register "{\"name\":\"$1\",\"public_key\":\"$PUB\",\"endpoint\":$_ep}"
	expect_status 201 "register $1" || return 1
	PEER_ID=$(jqr .id)
	PEER_TOKEN=$(jqr .token)
	PEER_PUB=$PUB
	PEER_PRIV=$PRIV
}

# ------------------------------------------- the responder without nginx

# Common CGI variables for a request: METHOD PATH[?QUERY] BODYFILE
t_cgi_env() {
	_path=${2%%\?*}
	_query=""
	case $2 in *\?*) _query=${2#*\?} ;; esac
	_len=0
	[ -n "$3" ] && _len=$(wc -c <"$3" | tr -d ' ')
	echo "GATEWAY_INTERFACE=CGI/1.1"
	echo "SERVER_PROTOCOL=HTTP/1.1"
	echo "REQUEST_METHOD=$1"
	echo "SCRIPT_NAME="
	echo "PATH_INFO=$_path"
	echo "REQUEST_URI=$2"
	echo "DOCUMENT_URI=$_path"
	echo "QUERY_STRING=$_query"
	echo "CONTENT_LENGTH=$_len"
	echo "REMOTE_ADDR=127.0.0.1"
	echo "REQUEST_SCHEME=https"
	echo "HTTPS=on"
	# As a browser sends it: no port when it is the default one.
	if [ "${PORT:-443}" = 443 ]; then
		echo "HTTP_HOST=127.0.0.1"
	else
		echo "HTTP_HOST=127.0.0.1:$PORT"
	fi
	echo "SERVER_NAME=127.0.0.1"
	echo "SERVER_PORT=${PORT:-443}"
}

# Parses the CGI answer in $T_TMP/cgi-out into STATUS, BODY, $HEADERS.
t_cgi_parse() {
	# Headers end at the first empty line (CRLF or LF).
	awk '{ sub(/\r$/, "") } /^$/ { exit } { print }' "$T_TMP/cgi-out" >"$HEADERS"
	BODY=$(awk 'h { print; next } { sub(/\r$/, "") } /^$/ { h = 1 }' "$T_TMP/cgi-out")
	STATUS=$(header Status | cut -c1-3)
	if [ -z "$STATUS" ]; then
		if [ -s "$HEADERS" ]; then STATUS=200; else STATUS=000; fi
	fi
}

# t_cgi_request BASE_LINE [VAR=VALUE|-VAR ...] METHOD PATH [BODY]: what fcgi and
# cgi share. Writes $T_TMP/cgi-env (the CGI variables, BASE_LINE unless empty,
# then the extra ones, one a line) and sets _m, _p and _body (a file or "").
t_cgi_request() {
	_base=$1
	shift
	_extra=""
	while [ $# -gt 0 ]; do
		case $1 in
		*=* | -[A-Z]*) _extra="$_extra
$1"; shift ;;
		*) break ;;
		esac
	done
	_body=""
	if [ $# -ge 3 ]; then
		printf '%s' "$3" >"$T_TMP/req-body"
		_body=$T_TMP/req-body
	fi
	_m=$1 _p=$2
	{ t_cgi_env "$_m" "$_p" "$_body"; [ -n "$_base" ] && echo "$_base"
	  printf '%s\n' "$_extra" | sed '/^$/d'; } >"$T_TMP/cgi-env"
}

# fcgi [VAR=VALUE|-VAR ...] METHOD PATH [BODY]: one request straight to the
# responders' FastCGI socket with cgi-fcgi, past nginx (so no REMOTE_USER
# unless given). Sets STATUS and BODY like api.
fcgi() {
	need cgi-fcgi
	t_cgi_request "" "$@"
	T_LAST_REQ="fastcgi $_m $_p"
	(
		# cgi-fcgi sends its whole environment as the request's.
		for v in $(env | sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=.*/\1/p'); do
			case $v in PATH | HOME) ;; *) unset "$v" 2>/dev/null ;; esac
		done
		# One variable a line; values may hold spaces.
		while IFS= read -r kv; do
			case $kv in -*) unset "${kv#-}" ;; *) export "$kv" ;; esac
		done <"$T_TMP/cgi-env"
		if [ -n "$_body" ]; then
			exec cgi-fcgi -bind -connect "$RUN/fcgi.sock" <"$_body"
		else
			exec cgi-fcgi -bind -connect "$RUN/fcgi.sock" </dev/null
		fi
	) >"$T_TMP/cgi-out" 2>"$T_TMP/fcgi.err"
	t_cgi_parse
	say "> fastcgi $_m $_p -> $STATUS"
}

# cgi [VAR=VALUE|-VAR ...] METHOD PATH [BODY]: runs the responder as plain CGI
# (one process per request), on $DB or $WGCONFSRV_DB. Sets STATUS and BODY;
# CGI_RC is the process's exit status.
cgi() {
	t_cgi_request "WGCONFSRV_DB=${DB:-$T_TMP/cgi.db}" "$@"
	T_LAST_REQ="cgi $_m $_p"
	_bin=$WGCONFSRV_BIN
	(
		# A clean environment, as a web server gives a CGI program.
		for v in $(env | sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=.*/\1/p'); do
			case $v in PATH | HOME | ASAN_OPTIONS | UBSAN_OPTIONS | LSAN_OPTIONS) ;; *) unset "$v" 2>/dev/null ;; esac
		done
		while IFS= read -r kv; do
			case $kv in -*) unset "${kv#-}" ;; *) export "$kv" ;; esac
		done <"$T_TMP/cgi-env"
		export ASAN_OPTIONS="log_path=$T_TMP/cgi-asan${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
		export UBSAN_OPTIONS="log_path=$T_TMP/cgi-ubsan:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
		if [ -n "$_body" ]; then
			"$_bin" <"$_body"
		else
			"$_bin" </dev/null
		fi
		echo $? >"$T_TMP/cgi-rc"
	) >"$T_TMP/cgi-out" 2>"$T_TMP/cgi.err"
	t_cgi_parse
	CGI_RC=$(cat "$T_TMP/cgi-rc" 2>/dev/null || echo 1)
	for f in "$T_TMP"/cgi-asan* "$T_TMP"/cgi-ubsan*; do
		[ -f "$f" ] || continue
		fail "sanitizer report from the CGI run of $T_LAST_REQ"
		sed 's/^/    | /' "$f" | head -n 60
		rm -f "$f"
	done
	say "> cgi $_m $_p -> $STATUS (exit $CGI_RC)"
}

# psk_open PRIVATE_KEY SEALED: prints the opened preshared key; fails when
# the box does not open with that key (tests/tools/psk-open.c).
psk_open() {
	if [ ! -x "$T_TMP/psk-open" ]; then
		cc -o "$T_TMP/psk-open" "$T_ROOT/tests/tools/psk-open.c" \
		    $(pkg-config --cflags --libs libsodium) || die "cannot build psk-open"
	fi
	"$T_TMP/psk-open" "$1" "$2"
}

# ------------------------------------------------------------ the wgconf client

# wgc HOST ARGS...: runs wgconf with HOST's state folder (and a HOME of the
# test's, for ~/.netrc), stdin closed. Sets OUT, ERR, RC; never fails itself.
wgc() {
	_h=$1
	shift
	WGCONF_STATE_DIR=$T_TMP/$_h/state HOME=$T_TMP/home \
	    "$WGCONF" "$@" >"$T_TMP/out" 2>"$T_TMP/err" </dev/null
	RC=$?
	OUT=$(cat "$T_TMP/out")
	ERR=$(cat "$T_TMP/err")
	T_LAST_REQ="wgconf $*"
	return 0
}

# wgc_register HOST NAME ENDPOINT [ARGS...]: registers HOST's peer with the
# stack's server and CA (dies if it fails); sets PUB and ID of the new peer.
wgc_register() {
	_h=$1 _n=$2 _e=$3
	shift 3
	wgc "$_h" register --server "$URL" --cacert "$CACERT" --name "$_n" "$@" "$_e"
	[ "$RC" = 0 ] || die "register $_n failed: $ERR"
	PUB=$(printf '%s\n' "$OUT" | sed -n 's/^public key //p')
	ID=$(jq -r .id "$T_TMP/$_h/state/state.json")
}

# expect_rc N WHAT: the last wgc exited N.
expect_rc() {
	if [ "$RC" = "$1" ]; then
		ok "$2 (exit $1)"
	else
		fail "$2: expected exit $1, got $RC"
		say "    command: $T_LAST_REQ"
		say "    stdout:  $(printf '%s' "$OUT" | head -c 600)"
		say "    stderr:  $(printf '%s' "$ERR" | head -c 600)"
		return 1
	fi
}

# expect_in TEXT PATTERN WHAT: grep -E PATTERN finds something in TEXT.
expect_in() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		ok "$3"
	else
		fail "$3: /$2/ not in: $(printf '%s' "$1" | head -c 600)"
		return 1
	fi
}

# expect_not_in TEXT PATTERN WHAT: grep -E PATTERN finds nothing in TEXT.
expect_not_in() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		fail "$3: /$2/ found in: $(printf '%s' "$1" | head -c 600)"
		return 1
	fi
	ok "$3"
}

# q TEXT: TEXT as a literal in an extended regular expression (keys have '+').
q() {
	printf '%s' "$1" | sed 's/[]\\/$*.^|[+?(){}]/\\&/g'
}

# seed_hub N: before stack_start, a database for it holding a hub paired
# with N-1 accepted peers and nothing else (bench/seed, SEED_RING=0): a
# config of ~350 bytes a peer, fast. Sets HUB_TOKEN.
seed_hub() {
	need nm
	_san=""
	nm "$T_ROOT/lib/libwgserver.a" 2>/dev/null | grep -q __asan_init && _san=address
	nm "$T_ROOT/lib/libwgserver.a" 2>/dev/null | grep -q __ubsan_handle &&
	    _san=${_san:+$_san,}undefined
	make --no-print-directory -C "$T_ROOT" bench/seed ${_san:+SANITIZE=$_san} \
	    >"$T_TMP/make.log" 2>&1 || { cat "$T_TMP/make.log"; die "cannot build bench/seed"; }
	_run=$T_TMP/run$(echo "$T_STACKS" | wc -w)
	mkdir -p "$_run" "$T_TMP/seed"
	SEED_RING=0 "$T_ROOT/bench/seed" mesh "$_run/wgconfsrv.db" "$1" "$T_TMP/seed" \
	    >"$T_TMP/seed.log" 2>&1 || { cat "$T_TMP/seed.log"; die "bench/seed failed"; }
	sed 's/^/# /' "$T_TMP/seed.log"
	HUB_TOKEN=$(cat "$T_TMP/seed/hub.token")
}
