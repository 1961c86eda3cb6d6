# SPDX-License-Identifier: MIT
# Hosts running `wgconf sync --watch` for the push tests (t17xx), sourced
# after tests/lib.sh. Each host's config goes to $T_TMP/HOST/conf/wgHOST.conf,
# its output to $T_TMP/HOST/watch.log; every watcher is stopped on exit.

T_WATCHERS=""

# watch_start HOST [ARGS...]: starts HOST's watcher (extra sync ARGS).
watch_start() {
	_h=$1
	shift
	WGCONF_STATE_DIR=$T_TMP/$_h/state HOME=$T_TMP/home \
	    "$WGCONF" sync --watch --config-dir "$T_TMP/$_h/conf" --interface "wg$_h" "$@" \
	    >"$T_TMP/$_h/watch.log" 2>&1 </dev/null &
	T_WATCHERS="$T_WATCHERS $!"
	eval "WATCH_PID_$_h=$!"
}

# watch_stop_all: stops every watcher this test started.
watch_stop_all() {
	for _p in $T_WATCHERS; do
		kill "$_p" 2>/dev/null
	done
	for _p in $T_WATCHERS; do
		wait "$_p" 2>/dev/null
	done
	T_WATCHERS=""
}
trap 'rc=$?; watch_stop_all; (exit $rc); t_cleanup' EXIT

# expect_watchers_stop: SIGTERM ends every watcher cleanly (exit 0), and
# none left a sanitizer report (a leak shows at that exit) in its log.
expect_watchers_stop() {
	_bad=""
	for _p in $T_WATCHERS; do
		kill -TERM "$_p" 2>/dev/null
		wait "$_p"
		_rc=$?
		[ "$_rc" = 0 ] || _bad="$_bad $_p:exit-$_rc"
	done
	T_WATCHERS=""
	for _l in "$T_TMP"/*/watch.log; do
		grep -q 'Sanitizer' "$_l" 2>/dev/null && _bad="$_bad $_l" && sed 's/^/    | /' "$_l" | head -n 40
	done
	if [ -z "$_bad" ]; then
		ok "the watchers stop cleanly on SIGTERM, no sanitizer report"
	else
		fail "watchers that did not stop cleanly:$_bad"
	fi
}

# watch_conf HOST: HOST's config file.
watch_conf() {
	echo "$T_TMP/$1/conf/wg$1.conf"
}

# watch_wait HOST PATTERN SECONDS: until HOST's watch log matches (grep -E).
watch_wait() {
	_i=0
	while [ $_i -lt $(($3 * 10)) ]; do
		grep -Eq -- "$2" "$T_TMP/$1/watch.log" 2>/dev/null && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	say "# $1's watch log:"
	sed 's/^/    | /' "$T_TMP/$1/watch.log" | tail -n 20
	return 1
}

# watch_until HOST PATTERN SECONDS: until HOST's config matches (grep -E).
watch_until() {
	_i=0
	while [ $_i -lt $(($3 * 10)) ]; do
		grep -Eq -- "$2" "$(watch_conf "$1")" 2>/dev/null && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	say "# $1's watch log:"
	sed 's/^/    | /' "$T_TMP/$1/watch.log" | tail -n 20
	return 1
}

# expect_current HOST: HOST's config is the server's current one: a plain
# sync to the same file finds nothing to write.
expect_current() {
	wgc "$1" sync --config-dir "$T_TMP/$1/conf" --interface "wg$1"
	if [ "$RC" = 0 ] && [ -z "$OUT" ] && [ -s "$(watch_conf "$1")" ]; then
		ok "$1's config is the server's"
	else
		fail "$1's config is not the server's: sync wrote: $OUT $ERR (exit $RC)"
	fi
}

# expect_str_in_file FILE STRING WHAT
expect_str_in_file() {
	if grep -qF -- "$2" "$1" 2>/dev/null; then
		ok "$3"
	else
		fail "$3: '$2' not in $(head -c 300 "$1" 2>/dev/null)"
	fi
}

# The two-host push tests (t1710, t1740): hosts a and b, b's id in $B.
# metric NAME: its value in /admin/metrics
metric() {
	curl -sS --cacert "$CACERT" -u "admin:$ADMIN_PASS" "$API/admin/metrics" |
	    sed -n "s/^$1{[^}]*} //p"
}
# change K: a change of b both hosts see: its listening port (in b's
# config) and its endpoint's port (in a's), both 50000 + K
change() {
	echo "{\"listen_port\":$((50000 + $1)),\"endpoint\":\"192.0.2.2:$((50000 + $1))\"}"
}
# seen HOST K SECONDS: until HOST's config has change K
seen() {
	case $1 in
	a) watch_until a "Endpoint = 192\.0\.2\.2:$((50000 + $2))" "$3" ;;
	b) watch_until b "ListenPort = $((50000 + $2))" "$3" ;;
	esac
}
# timed_write K: makes change K; says how long it took (ms)
timed_write() {
	_t=$(curl -sS --cacert "$CACERT" -u "admin:$ADMIN_PASS" -X PATCH \
	    -H 'Content-Type: application/json' --data-binary "$(change "$1")" -o "$T_TMP/w.body" \
	    -w '%{http_code} %{time_total}' "$API/admin/peers/$B" 2>/dev/null)
	WCODE=${_t% *}
	WMS=$(echo "${_t#* }" | awk '{ printf "%d", $1 * 1000 }')
}
