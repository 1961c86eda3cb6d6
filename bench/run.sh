#!/bin/sh
# SPDX-License-Identifier: MIT
#
# make bench: wgconfsrv at 10 to 10,000 peers, through the same nginx + TLS
# as `make run` (nginx/local.sh), measured with wrk beside what that nginx
# does with a plain file in the same run. Machines are noisy, so the figures
# that matter are the ratios to those limits, measured minutes apart.
#
#   sh bench/run.sh
#
# For each mesh size it seeds a fresh database with bench/seed (the server's
# own handlers in process: real keys, real sealed PSKs; see bench/seed.c),
# starts the stack, and measures with wrk (bench/wrk.lua):
#   - GET /peer/config 200 and 304 for the hub (paired with every other peer)
#     and for a partial-mesh peer (about 20 pairs); the same bytes as a file
#     from nginx (200) and nginx's own 304 for that file; GET /health;
#     GET /admin/network (an admin hop: bcrypt basic auth + FastCGI);
#     GET /admin/peers (first page, or the whole list if the server has no
#     paging);
#   - writes through nginx: registrations, accepts, pair writes;
#   - the responders' peak RSS;
#   - at BENCH_PROFILE_SIZE: strace -c and perf on the responders under the
#     hub's config 200 load;
#   - at BENCH_CLIENT_SIZE: `wgconf sync --apply` of a host with that many
#     peers, with wireguard-go in a network namespace (root).
# It prints as it goes and writes BENCH_OUT (docs/benchmarks.md) and
# BENCH_CHART (docs/benchmark-rps.svg). A missed target never fails; a
# broken harness (a tool missing, a run that measured nothing) exits 1.
#
# Environment (defaults in brackets):
#   BENCH_SIZES        mesh sizes ["10 100 1000 10000"]
#   BENCH_SECONDS      seconds per wrk run [5]
#   BENCH_CONNECTIONS  wrk connections [8]; BENCH_THREADS wrk threads [2]
#   BENCH_RESPONDERS   responder processes [2]
#   BENCH_WRITES       registrations (and accepts, pair writes) per size [1000]
#   BENCH_PROFILE_SIZE size to profile at [1000]; "" for none
#   BENCH_CLIENT_SIZE  size to run the client at [1000]; "" for none
#   BENCH_OUT, BENCH_CHART  where the report goes [docs/benchmarks.md,
#                      docs/benchmark-rps.svg]
#   BENCH_NOTE         a sentence for the report (e.g. "the machine was busy")
#   BENCH_KEEP=1       keep the run folders (in $TMPDIR/wgconfsrv-bench.*)
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SIZES=${BENCH_SIZES:-10 100 1000 10000}
SECS=${BENCH_SECONDS:-5}
CONNS=${BENCH_CONNECTIONS:-8}
THREADS=${BENCH_THREADS:-2}
RESPONDERS=${BENCH_RESPONDERS:-2}
WRITES=${BENCH_WRITES:-1000}
PROFILE_SIZE=${BENCH_PROFILE_SIZE-1000}
CLIENT_SIZE=${BENCH_CLIENT_SIZE-1000}
OUT_MD=${BENCH_OUT:-$ROOT/docs/benchmarks.md}
OUT_SVG=${BENCH_CHART:-$ROOT/docs/benchmark-rps.svg}
NOTE=${BENCH_NOTE:-}
SEED=$ROOT/bench/seed
LUA=$ROOT/bench/wrk.lua
WGCONF=$ROOT/client/wgconf
BIN=$ROOT/cgi/wgconfsrv

TMP=$(mktemp -d "${TMPDIR:-/tmp}/wgconfsrv-bench.XXXXXX")
RES=$TMP/results        # SIZE NAME RPS P50 P99 OK BAD
FACTS=$TMP/facts        # SIZE KEY VALUE...
: >"$RES"
: >"$FACTS"
RUN=""
NS_USED=0
T_START=$(date +%s)

die() {
	echo "bench: $*" >&2
	exit 1
}

say() {
	printf '%s\n' "$*"
}

cleanup() {
	rc=$?
	trap - EXIT INT TERM
	if [ -n "$RUN" ] && [ -d "$RUN" ]; then
		if [ $rc -ne 0 ]; then
			for f in "$RUN/logs/error.log" "$RUN/logs/responder.log"; do
				[ -s "$f" ] && { echo "bench: the end of $f:"; tail -n 15 "$f"; } >&2
			done
		fi
		stack_stop
	fi
	if [ "$NS_USED" = 1 ]; then
		ns_cleanup
	fi
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		echo "bench: kept $TMP"
	else
		rm -rf "$TMP"
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for c in wrk curl jq sqlite3 nginx spawn-fcgi openssl htpasswd gnuplot awk; do
	command -v $c >/dev/null 2>&1 || die "$c is missing (make deps)"
done
for f in "$SEED" "$BIN" "$WGCONF"; do
	[ -x "$f" ] || die "$f is not built (make all bench/seed)"
done
case $SECS in '' | *[!0-9]*) die "BENCH_SECONDS '$SECS' is not a number of seconds" ;; esac
[ "$SECS" -ge 1 ] || die "BENCH_SECONDS must be at least 1"
case $WRITES in '' | *[!0-9]*) die "BENCH_WRITES '$WRITES' is not a count" ;; esac
# bench/seed leaves room in the address pool for 2,048 more peers.
[ "$WRITES" -ge 1 ] && [ "$WRITES" -le 2000 ] || die "BENCH_WRITES must be 1 to 2000"
for n in $SIZES; do
	case $n in '' | *[!0-9]*) die "BENCH_SIZES: '$n' is not a peer count" ;; esac
	[ "$n" -ge 2 ] || die "BENCH_SIZES: a mesh needs at least 2 peers, not $n"
done

# a / b to 2 places, "n/a" when b is 0 or missing
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0) printf "%.2f", a / b; else print "n/a" }'
}

fact() { # SIZE KEY VALUE
	echo "$1 $2 $3" >>"$FACTS"
}

getfact() { # SIZE KEY
	awk -v n="$1" -v k="$2" '$1 == n && $2 == k { v = $3 } END { print v }' "$FACTS"
}

getres() { # SIZE NAME FIELD(3=rps 4=p50 5=p99)
	awk -v n="$1" -v k="$2" -v f="$3" '$1 == n && $2 == k { v = $f } END { print v }' "$RES"
}

# ------------------------------------------------------------------ the stack

# free_port
. "$ROOT/tests/port.sh"

# stack_start [in-namespace command prefix...]
# The example's rate limits are raised: the bench measures the server, not
# nginx's limit_req (which holds one address to ~10 requests a second).
stack_start() {
	tries=0
	while :; do
		PORT=$(free_port) || die "no free port"
		WGCONFSRV_RUN_DIR=$RUN WGCONFSRV_LISTEN=127.0.0.1:$PORT \
		WGCONFSRV_RESPONDERS=$RESPONDERS WGCONFSRV_BIN=$BIN \
		WGCONFSRV_REGISTER_RATE=6000000r/m WGCONFSRV_PEER_RATE=6000000r/m \
		WGCONFSRV_ADMIN_RATE=6000000r/m WGCONFSRV_ADMIN_USER_RATE=6000000r/m \
		WGCONFSRV_KEY_RATE=6000000r/m \
		    "$@" sh "$ROOT/nginx/local.sh" start >"$RUN/start.log" 2>&1 && break
		tries=$((tries + 1))
		if [ $tries -ge 3 ] || ! grep -q 'Address already in use' "$RUN/start.log"; then
			cat "$RUN/start.log" >&2
			die "nginx/local.sh start failed"
		fi
	done
	URL=https://127.0.0.1:$PORT
	API=$URL/api/v1
	umask 077
	printf 'user = "admin:%s"\n' "$(cat "$RUN/admin-password")" >"$RUN/admin.curl"
	umask 022
	BASIC="Basic $(printf 'admin:%s' "$(cat "$RUN/admin-password")" | base64 -w0)"
}

# Restarting in another namespace keeps the port (the client has it).
stack_restart_in() { # command prefix...
	WGCONFSRV_RUN_DIR=$RUN sh "$ROOT/nginx/local.sh" stop >/dev/null 2>&1 || true
	WGCONFSRV_RUN_DIR=$RUN WGCONFSRV_LISTEN=127.0.0.1:$PORT \
	WGCONFSRV_RESPONDERS=$RESPONDERS WGCONFSRV_BIN=$BIN \
	WGCONFSRV_REGISTER_RATE=6000000r/m WGCONFSRV_PEER_RATE=6000000r/m \
	WGCONFSRV_ADMIN_RATE=6000000r/m WGCONFSRV_ADMIN_USER_RATE=6000000r/m \
	WGCONFSRV_KEY_RATE=6000000r/m \
	    "$@" sh "$ROOT/nginx/local.sh" start >"$RUN/start.log" 2>&1 ||
	    { cat "$RUN/start.log" >&2; die "nginx/local.sh start failed"; }
}

stack_stop() {
	WGCONFSRV_RUN_DIR=$RUN WGCONFSRV_BIN=$BIN sh "$ROOT/nginx/local.sh" stop >/dev/null 2>&1 || true
}

# The same nginx serves the configs' bytes as files: the limit the API is
# measured against. The location goes into this run's copy of the site; the
# server-level headers (HSTS, CSP, ...) apply to it as to the API.
add_static() {
	mkdir -p "$RUN/www"
	sed -i "/server_name localhost;/a\\
	location ^~ /bench-static/ { alias $RUN/www/; }" "$RUN/site.conf"
	nginx -q -t -p "$RUN" -c "$RUN/nginx.conf" -e "$RUN/logs/error.log" ||
	    die "nginx rejects the static location"
	nginx -p "$RUN" -c "$RUN/nginx.conf" -e "$RUN/logs/error.log" -s reload ||
	    die "nginx reload failed"
	echo ok >"$RUN/www/ready.txt"
	i=0
	while [ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$RUN/cert.pem" \
	    "$URL/bench-static/ready.txt")" != 200 ]; do
		i=$((i + 1))
		[ $i -lt 50 ] || die "nginx does not serve $RUN/www after a reload"
		sleep 0.1
	done
}

responder_pids() {
	tr -s ' \n' '\n\n' <"$RUN/responders.pid" | grep .
}

# Peak resident set of the responders (VmHWM: the most each one ever held).
responder_hwm_kib() {
	m=0
	for p in $(responder_pids); do
		v=$(awk '/^VmHWM:/ { print $2 }' "/proc/$p/status" 2>/dev/null || echo 0)
		[ "${v:-0}" -gt "$m" ] && m=$v
	done
	echo "$m"
}

# ----------------------------------------------------------------- measuring

# Waits until the responders are idle: wrk stops with requests in flight,
# and a 10,000-peer answer still being built would slow the next run.
wait_idle() {
	prev=-1
	i=0
	while [ $i -lt 300 ]; do
		cur=0
		for p in $(responder_pids); do
			t=$(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0)
			cur=$((cur + t))
		done
		[ "$cur" = "$prev" ] && return 0
		prev=$cur
		sleep 0.3
		i=$((i + 1))
	done
	echo "bench: the responders were still busy after 90 s" >&2
}

field() { # KEY LINE: the value of KEY=VALUE in LINE
	printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# bench_wrk SIZE NAME URL MODE EXPECT AUTH INM [IDS PARTNERS LIMIT]
# Runs wrk with bench/wrk.lua and records "SIZE NAME RPS P50 P99 OK BAD".
bench_wrk() {
	log=$RUN/wrk-$2.log
	wait_idle
	(
		export BENCH_MODE="$4" BENCH_EXPECT="$5" BENCH_AUTH="$6" BENCH_INM="$7" \
		    BENCH_IDS="${8:-}" BENCH_PARTNERS="${9:-}" BENCH_LIMIT="${10:-0}" \
		    BENCH_THREADS="$THREADS"
		wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" --timeout 10s -s "$LUA" "$3"
	) >"$log" 2>&1 || { cat "$log" >&2; die "wrk failed for $2"; }
	line=$(grep '^BENCH ' "$log" | tail -n 1)
	[ -n "$line" ] || { cat "$log" >&2; die "wrk printed no result for $2"; }
	ok=$(field ok "$line") bad=$(field bad "$line") rps=$(field rps "$line")
	p50=$(field p50_ms "$line") p99=$(field p99_ms "$line") st=$(field status "$line")
	[ "$ok" -gt 0 ] || { cat "$log" >&2; die "$2: no request got the expected answer (first other status: $st)"; }
	echo "$1 $2 $rps $p50 $p99 $ok $bad" >>"$RES"
	warn=""
	[ "$bad" -gt 0 ] && warn="  ($bad other answers, first status $st: not counted)"
	printf '  %-34s %10s req/s  p50 %8s ms  p99 %8s ms%s\n' "$2" "$rps" "$p50" "$p99" "$warn"
}

# The current ETag of a peer's config, with its body into FILE. Tried three
# times: a 3 MB answer on a loaded machine has been seen cut short once.
fetch_config() { # TOKEN FILE
	h=$TMP/config-headers
	try=1
	while :; do
		code=$(printf 'header = "Authorization: Bearer %s"\n' "$1" |
		    curl -sS -K - -D "$h" -o "$2" -w '%{http_code}' --cacert "$RUN/cert.pem" \
		    "$API/peer/config" 2>"$TMP/curl.err") || code="failed: $(cat "$TMP/curl.err")"
		[ "$code" = 200 ] && break
		echo "bench: GET /peer/config (try $try): $code" >&2
		try=$((try + 1))
		[ $try -le 3 ] || die "GET /peer/config answers $code: $(head -c 300 "$2")"
		sleep 1
	done
	awk -F': ' 'tolower($1) == "etag" { print $2 }' "$h" | tr -d '\r'
}

# A reload leaves old workers that may still take a connection for a moment
# (and answer 404 without the new location): ask until a 200 with an ETag.
file_etag() { # URL
	try=1
	while :; do
		code=$(curl -sS -D "$TMP/file.h" -o /dev/null -w '%{http_code}' \
		    --cacert "$RUN/cert.pem" "$1" 2>"$TMP/curl.err") ||
		    code="failed: $(cat "$TMP/curl.err")"
		etag=$(awk -F': ' 'tolower($1) == "etag" { print $2 }' "$TMP/file.h" | tr -d '\r')
		[ "$code" = 200 ] && [ -n "$etag" ] && break
		try=$((try + 1))
		if [ $try -gt 50 ]; then
			echo "bench: GET $1 answers $code, headers:" >&2
			cat "$TMP/file.h" >&2
			return 0
		fi
		sleep 0.1
	done
	echo "$etag"
}

# ------------------------------------------------------------------ profiling

profile_size() { # SIZE TOKEN
	n=$1 tok=$2
	pids=$(responder_pids | tr '\n' ' ')
	say "  profiling the responders ($pids) under the hub's config 200 load"
	if command -v strace >/dev/null 2>&1; then
		set --
		for p in $pids; do set -- "$@" -p "$p"; done
		strace -c -f -o "$RUN/strace.txt" "$@" 2>"$RUN/strace.err" &
		spid=$!
		sleep 1
		bench_wrk "$n" strace_config200_hub "$API/peer/config" get 200 "Bearer $tok" ""
		kill -INT "$spid" 2>/dev/null || true
		wait "$spid" 2>/dev/null || true
		reqs=$(awk -v n="$n" '$1 == n && $2 == "strace_config200_hub" { print $6 }' "$RES")
		{
			echo "requests served while traced: $reqs"
			echo
			printf '%-16s %12s %14s %8s\n' syscall calls calls/request "% time"
			awk -v r="$reqs" '
			    /^-/ { next }
			    $1 ~ /^[0-9.]+$/ && NF >= 5 {
				name = $NF; calls = (NF == 6) ? $4 : $4
				if (name == "total") next
				printf "%-16s %12d %14.1f %8s\n", name, calls, calls / r, $1
			    }' "$RUN/strace.txt" | sort -k2,2nr | head -n 12
		} >"$TMP/strace-$n.txt"
		cp "$RUN/strace.txt" "$TMP/strace-raw-$n.txt"
		sed 's/^/    /' "$TMP/strace-$n.txt"
	else
		echo "strace is not installed" >"$TMP/strace-$n.txt"
	fi
	if command -v perf >/dev/null 2>&1; then
		perf record -q -F 499 -g -o "$RUN/perf.data" -p "$(echo $pids | tr ' ' ',')" \
		    -- sleep "$SECS" >"$RUN/perf.log" 2>&1 &
		ppid=$!
		bench_wrk "$n" perf_config200_hub "$API/peer/config" get 200 "Bearer $tok" ""
		wait "$ppid" 2>/dev/null || true
		if [ -s "$RUN/perf.data" ]; then
			{
				echo "by library (self time):"
				perf report -i "$RUN/perf.data" --stdio --no-children --sort dso \
				    -g none --percent-limit 1 2>/dev/null | grep -v '^#' | grep . | head -n 10
				echo
				echo "by function (self time):"
				perf report -i "$RUN/perf.data" --stdio --no-children --sort dso,symbol \
				    -g none --percent-limit 1 2>/dev/null | grep -v '^#' | grep . | head -n 25
			} | sed 's/[[:space:]]*-[[:space:]]*-[[:space:]]*$//' >"$TMP/perf-$n.txt"
		else
			{ echo "perf recorded nothing:"; cat "$RUN/perf.log"; } >"$TMP/perf-$n.txt"
		fi
		sed 's/^/    /' "$TMP/perf-$n.txt" | head -n 45
	else
		echo "perf is not installed" >"$TMP/perf-$n.txt"
	fi
	# One config request as plain CGI under callgrind: inclusive cost per
	# function of the whole request, start-up included, with call counts.
	if command -v valgrind >/dev/null 2>&1 && command -v callgrind_annotate >/dev/null 2>&1; then
		(
			umask 077
			printf 'HTTP_AUTHORIZATION=Bearer %s\n' "$tok" >"$RUN/cgi.env"
		)
		(
			while IFS= read -r kv; do export "$kv"; done <"$RUN/cgi.env"
			env -u BENCH_AUTH REQUEST_METHOD=GET REQUEST_URI=/api/v1/peer/config \
			    SCRIPT_NAME= PATH_INFO=/api/v1/peer/config GATEWAY_INTERFACE=CGI/1.1 \
			    SERVER_PROTOCOL=HTTP/1.1 REQUEST_SCHEME=https HTTPS=on \
			    HTTP_HOST=127.0.0.1 WGCONFSRV_DB="$RUN/wgconfsrv.db" \
			    valgrind --tool=callgrind --callgrind-out-file="$RUN/callgrind.out" \
			    "$BIN" </dev/null >"$RUN/cgi.out" 2>"$RUN/callgrind.log"
		) || true
		rm -f "$RUN/cgi.env"
		if head -n 1 "$RUN/cgi.out" | grep -q 'Status: 200\|^Content-Type' &&
		    [ -s "$RUN/callgrind.out" ]; then
			{
				echo "instructions of one config 200 request as plain CGI (start-up included):"
				callgrind_annotate --inclusive=yes "$RUN/callgrind.out" 2>/dev/null |
				    awk '/PROGRAM TOTALS/ { print "  " $1 " total"; next }
				         /file:function/ { f = 1; next }
				         f && /\[/ && !/below main/ && !/^ *[0-9,]+ +\( *[0-9.]+%\) +[?]*:?0x/ {
					ir = $1; pct = $0; sub(/^[^(]*\(/, "", pct); sub(/\).*/, "", pct)
					rest = $0; sub(/^[^)]*\) +/, "", rest)
					obj = rest; sub(/.*\[/, "", obj); sub(/\].*/, "", obj); sub(/.*\//, "", obj)
					fn = rest; sub(/ \[.*/, "", fn); sub(/.*:/, "", fn)
					printf "  %12s %7s  %s (%s)\n", ir, pct, fn, obj
					if (++k >= 25) exit
				    }'
			} >"$TMP/callgrind-$n.txt"
		else
			{ echo "callgrind: the CGI run failed:"; head -n 5 "$RUN/cgi.out" "$RUN/callgrind.log"; } \
			    >"$TMP/callgrind-$n.txt"
		fi
		sed 's/^/    /' "$TMP/callgrind-$n.txt"
	fi
}

# ------------------------------------------------------------------ the client

client_size() { # SIZE
	n=$1
	if [ "$(id -u)" -ne 0 ]; then
		fact "$n" client_skip "not-root"
		say "  client: skipped (network namespaces need root)"
		return 0
	fi
	for c in ip wireguard-go wg flock; do
		command -v $c >/dev/null 2>&1 || { fact "$n" client_skip "no-$c"; return 0; }
	done
	cs=$RUN/client
	mkdir -p "$cs/state" "$cs/etc"
	"$WGCONF" register --state-dir "$cs/state" --server "$URL" --cacert "$RUN/cert.pem" \
	    --name bench-client 198.18.255.254:51820 >"$cs/register.log" 2>&1 ||
	    { cat "$cs/register.log" >&2; die "wgconf register failed"; }
	cid=$(sqlite3 "$RUN/wgconfsrv.db" "SELECT id FROM peers WHERE name = 'bench-client'")
	[ -n "$cid" ] || die "the client's peer is not in the database"
	code=$(curl -sS -K "$RUN/admin.curl" -o "$cs/accept.json" -w '%{http_code}' \
	    --cacert "$RUN/cert.pem" -H 'Content-Type: application/json' --data '{}' \
	    "$API/admin/peers/$cid/accept")
	[ "$code" = 200 ] || die "accepting the client answers $code: $(cat "$cs/accept.json")"
	"$SEED" pair "$RUN/wgconfsrv.db" "$cid" "$n" >"$cs/seed.log" 2>&1 ||
	    { cat "$cs/seed.log" >&2; die "pairing the client failed"; }

	# The namespaces' names collide with the end-to-end tests': hold their lock.
	exec 9>/tmp/wgconf-e2e.lock
	if ! flock -w 300 9; then
		fact "$n" client_skip "e2e-lock-busy"
		say "  client: skipped (/tmp/wgconf-e2e.lock held for 5 minutes)"
		exec 9>&-
		return 0
	fi
	NS_PFX=wgb$$
	# shellcheck source=../tests/netns.sh
	. "$ROOT/tests/netns.sh"
	NS_USED=1
	ns_add c || die "ip netns add failed"
	ifc=$(ns c)
	ns_wg_up c "$ifc" || die "wireguard-go $ifc did not start"
	# The stack moves into the namespace (same run folder, same port): the
	# client reaches it on loopback, and no route or address of the host's
	# own namespace is touched.
	stack_restart_in ip netns exec "$ifc"
	for round in 1 2; do
		nsx c /usr/bin/time -f '%U %S %e' -o "$cs/time$round" \
		    "$WGCONF" sync --apply --interface "$ifc" --config-dir "$cs/etc" \
		    --state-dir "$cs/state" >"$cs/sync$round.log" 2>&1 ||
		    { cat "$cs/sync$round.log" >&2; die "wgconf sync --apply (round $round) failed"; }
	done
	live=$(nsx c wg show "$ifc" peers | wc -l)
	routes=$(nsx c ip -4 route show dev "$ifc" | wc -l)
	set -- $(tail -n 1 "$cs/time1")
	fact "$n" client_user "$1"
	fact "$n" client_sys "$2"
	fact "$n" client_wall "$3"
	set -- $(tail -n 1 "$cs/time2")
	fact "$n" client2_user "$1"
	fact "$n" client2_sys "$2"
	fact "$n" client2_wall "$3"
	fact "$n" client_peers "$live"
	fact "$n" client_routes "$routes"
	fact "$n" client_bytes "$(wc -c <"$cs/etc/$ifc.conf" 2>/dev/null || echo 0)"
	say "  client: sync --apply of $live peers: user $(getfact "$n" client_user) s," \
	    "sys $(getfact "$n" client_sys) s, wall $(getfact "$n" client_wall) s;" \
	    "unchanged re-run: user $(getfact "$n" client2_user) s, sys $(getfact "$n" client2_sys) s"
	stack_stop
	ns_cleanup
	NS_USED=0
	exec 9>&-
}

# --------------------------------------------------------------------- a size

size_run() { # SIZE
	n=$1
	RUN=$TMP/run-$n
	mkdir -p "$RUN/seed"
	say ""
	say "== $n peers"
	t0=$(date +%s)
	"$SEED" mesh "$RUN/wgconfsrv.db" "$n" "$RUN/seed" >"$RUN/seed.log" 2>&1 ||
	    { cat "$RUN/seed.log" >&2; die "bench/seed failed"; }
	sed 's/^/  /' "$RUN/seed.log"
	sed -n 's/^seed: \([a-z-]*\) \([0-9]*\) in \([0-9.]*\) s (\([0-9]*\)\/s)/\1 \2 \3 \4/p' \
	    "$RUN/seed.log" | while read -r what cnt s r; do
		fact "$n" "seed_$what" "$cnt/$s/$r"
	done
	fact "$n" seed_secs $(($(date +%s) - t0))
	stack_start
	add_static
	hub=$(cat "$RUN/seed/hub.token")
	part=$(cat "$RUN/seed/partial.token")
	etag_hub=$(fetch_config "$hub" "$RUN/www/hub.json")
	etag_part=$(fetch_config "$part" "$RUN/www/partial.json")
	[ -n "$etag_hub" ] && [ -n "$etag_part" ] || die "the config has no ETag"
	fact "$n" bytes_hub "$(wc -c <"$RUN/www/hub.json")"
	fact "$n" bytes_partial "$(wc -c <"$RUN/www/partial.json")"
	fact "$n" peers_hub "$(jq '.peers | length' "$RUN/www/hub.json")"
	fact "$n" peers_partial "$(jq '.peers | length' "$RUN/www/partial.json")"
	fetag=$(file_etag "$URL/bench-static/hub.json")
	[ -n "$fetag" ] || die "nginx gives the static file no ETag"
	say "  hub config $(getfact "$n" bytes_hub) bytes ($(getfact "$n" peers_hub) peers)," \
	    "partial peer's $(getfact "$n" bytes_partial) bytes ($(getfact "$n" peers_partial) peers)"

	S=$URL/bench-static
	bench_wrk "$n" file200_hub "$S/hub.json" get 200 "" ""
	bench_wrk "$n" config200_hub "$API/peer/config" get 200 "Bearer $hub" ""
	bench_wrk "$n" file200_partial "$S/partial.json" get 200 "" ""
	bench_wrk "$n" config200_partial "$API/peer/config" get 200 "Bearer $part" ""
	bench_wrk "$n" file304 "$S/hub.json" get 304 "" "$fetag"
	bench_wrk "$n" config304_hub "$API/peer/config" get 304 "Bearer $hub" "$etag_hub"
	bench_wrk "$n" config304_partial "$API/peer/config" get 304 "Bearer $part" "$etag_part"
	bench_wrk "$n" health "$API/health" get 200 "" ""
	bench_wrk "$n" admin_network "$API/admin/network" get 200 "$BASIC" ""

	# Peak memory after the config reads, before the admin list and writes.
	fact "$n" rss_config_kib "$(responder_hwm_kib)"

	# The first page of the peer list, if the server pages it.
	total=$(sqlite3 "$RUN/wgconfsrv.db" 'SELECT count(*) FROM peers')
	code=$(curl -sS -K "$RUN/admin.curl" -o "$RUN/peers-page.json" -w '%{http_code}' \
	    --cacert "$RUN/cert.pem" "$API/admin/peers?limit=100")
	got=$(jq '.peers | length' "$RUN/peers-page.json" 2>/dev/null || echo -1)
	if [ "$code" = 200 ] && [ "$got" -ge 0 ] && [ "$got" -le 100 ] && [ "$total" -gt 100 ]; then
		peers_url="$API/admin/peers?limit=100"
		fact "$n" admin_peers_what "first-page-of-100"
	elif [ "$code" = 200 ] && [ "$total" -le 100 ]; then
		peers_url="$API/admin/peers?limit=100"
		fact "$n" admin_peers_what "all-$total-(fit-one-page)"
	else
		peers_url="$API/admin/peers"
		fact "$n" admin_peers_what "whole-list-of-$total"
	fi
	curl -sS -K "$RUN/admin.curl" -o "$RUN/peers.json" --cacert "$RUN/cert.pem" "$peers_url"
	fact "$n" bytes_admin_peers "$(wc -c <"$RUN/peers.json")"
	bench_wrk "$n" admin_peers "$peers_url" get 200 "$BASIC" ""

	# Writes. Registration stops at BENCH_WRITES: the server caps how many
	# peers may wait for review. Those are then accepted, and each new pair
	# joins one of them to a seeded partial-mesh peer. wrk registers from
	# one address: the bound per network prefix is lifted for it.
	curl -sS -K "$RUN/admin.curl" -o /dev/null --cacert "$RUN/cert.pem" -X PUT \
	    -H 'Content-Type: application/json' --data '{"pending_max_per_prefix":100000}' \
	    "$API/admin/network"
	bench_wrk "$n" register "$API/register" register 201 "" "" "" "" "$WRITES"
	sqlite3 "$RUN/wgconfsrv.db" "SELECT id FROM peers WHERE state = 'pending' ORDER BY id" \
	    >"$RUN/pending.ids"
	bench_wrk "$n" accept "$URL/" accept 200 "$BASIC" "" "$RUN/pending.ids"
	sqlite3 "$RUN/wgconfsrv.db" "SELECT id FROM peers WHERE state = 'accepted'
	    AND name NOT LIKE 'bench-%' ORDER BY id" >"$RUN/new.ids"
	tail -n +2 "$RUN/seed/ids" >"$RUN/partners.ids"
	bench_wrk "$n" pair "$URL/" pair 2xx "$BASIC" "" "$RUN/new.ids" "$RUN/partners.ids" "$WRITES"

	fact "$n" rss_kib "$(responder_hwm_kib)"
	say "  responders' peak RSS: $(getfact "$n" rss_config_kib) KiB after the config reads," \
	    "$(getfact "$n" rss_kib) KiB after the admin list and the writes"
	if [ "$n" = "$PROFILE_SIZE" ]; then
		profile_size "$n" "$hub"
	fi
	if [ "$n" = "$CLIENT_SIZE" ]; then
		client_size "$n"
	fi
	stack_stop
	fact "$n" size_secs $(($(date +%s) - t0))
	if [ "${BENCH_KEEP:-0}" != 1 ]; then
		rm -rf "$RUN"
	fi
	RUN=""
}

# ----------------------------------------------------------------------- main

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
say "bench: sizes $SIZES; $SECS s per run, wrk $THREADS threads $CONNS connections;" \
    "$RESPONDERS responders"
for n in $SIZES; do
	size_run "$n"
done
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
TOTAL=$(($(date +%s) - T_START))

. "$ROOT/bench/report.sh"
report_write
say ""
say "bench: done in ${TOTAL}s; wrote $OUT_MD and $OUT_SVG"
