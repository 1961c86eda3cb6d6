# SPDX-License-Identifier: MIT
# Network-namespace helpers for the end-to-end tests (sourced, POSIX sh).
#
# Every namespace, and every wireguard-go interface, is named with $NS_PFX
# (set it before sourcing; it should carry the test's PID) so that two runs,
# or two tests, never share a name. What a run creates is recorded in
# $NS_LIST so that ns_cleanup removes exactly that, also after a failure.
# ns_reap_stale removes what a previous run of the same test left behind when
# it was killed too hard to clean up (its PID is gone).

: "${NS_PFX:?NS_PFX must be set before sourcing tests/netns.sh}"
NS_LIST=""

# ns NAME: the full namespace name of a short host name.
ns() {
	printf '%s%s\n' "$NS_PFX" "$1"
}

# nsx NAME CMD...: run CMD inside host NAME's namespace.
nsx() {
	_n=$1
	shift
	ip netns exec "$NS_PFX$_n" "$@"
}

# ns_add NAME: a new namespace with loopback up.
ns_add() {
	ip netns add "$NS_PFX$1" || return 1
	NS_LIST="$NS_PFX$1 $NS_LIST"
	ip -n "$NS_PFX$1" link set lo up
}

# ns_link NS1 IF1 ADDR1/LEN NS2 IF2 ADDR2/LEN: a veth pair between two
# namespaces, addressed and up. Both ends are created inside the namespaces,
# so nothing appears in the host's own interface list.
ns_link() {
	ip link add "$2" netns "$NS_PFX$1" type veth peer name "$5" netns "$NS_PFX$4" || return 1
	ip -n "$NS_PFX$1" addr add "$3" dev "$2" &&
	ip -n "$NS_PFX$4" addr add "$6" dev "$5" &&
	ip -n "$NS_PFX$1" link set "$2" up &&
	ip -n "$NS_PFX$4" link set "$5" up
}

# ns_forward NAME: make host NAME a router.
ns_forward() {
	nsx "$1" sysctl -q -w net.ipv4.ip_forward=1
}

# ns_kill_procs FULLNAME: end the processes living in that namespace (all of
# them were started by this test: wireguard-go, nginx, the responders).
ns_kill_procs() {
	_p=$(ip netns pids "$1" 2>/dev/null | tr '\n' ' ')
	[ -n "$_p" ] || return 0
	# shellcheck disable=SC2086
	kill $_p 2>/dev/null
	_i=0
	while [ $_i -lt 30 ]; do
		_p=$(ip netns pids "$1" 2>/dev/null | tr '\n' ' ')
		[ -n "$_p" ] || return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	# shellcheck disable=SC2086
	kill -9 $_p 2>/dev/null
	sleep 0.2
}

# ns_del FULLNAME: processes first (a namespace lives as long as one of its
# processes does), then the namespace, which takes its veths along.
ns_del() {
	ns_kill_procs "$1"
	ip netns del "$1" 2>/dev/null
	# The wireguard-go control sockets are not per namespace.
	rm -f /var/run/wireguard/"$1".sock
}

ns_cleanup() {
	for _n in $NS_LIST; do
		ns_del "$_n"
	done
	NS_LIST=""
}

# ns_reap_stale BASE: BASE is $NS_PFX without the PID (e.g. "t3k"); removes
# BASE<pid>* namespaces and sockets whose run is no longer alive.
ns_reap_stale() {
	for _n in $(ip netns list 2>/dev/null | sed -n "s/^\($1[0-9][0-9]*[A-Za-z][A-Za-z0-9]*\).*/\1/p"); do
		_pid=$(printf '%s\n' "$_n" | sed "s/^$1\([0-9]*\).*/\1/")
		if ! kill -0 "$_pid" 2>/dev/null; then
			echo "# removing namespace $_n left by dead run $_pid"
			ns_del "$_n"
		fi
	done
	for _s in /var/run/wireguard/"$1"[0-9]*.sock; do
		[ -e "$_s" ] || continue
		_n=$(basename "$_s" .sock)
		_pid=$(printf '%s\n' "$_n" | sed "s/^$1\([0-9]*\).*/\1/")
		kill -0 "$_pid" 2>/dev/null || rm -f "$_s"
	done
}

# ns_wg_up NAME IFNAME: a wireguard-go interface inside host NAME, up, no
# config yet (wgconf gives it one).
ns_wg_up() {
	# wireguard-go prints a banner on kernels with the module; it is noise.
	nsx "$1" wireguard-go "$2" >/dev/null 2>&1 || return 1
	_i=0
	while ! ip -n "$NS_PFX$1" link show "$2" >/dev/null 2>&1; do
		[ $_i -lt 50 ] || return 1
		sleep 0.1
		_i=$((_i + 1))
	done
	ip -n "$NS_PFX$1" link set "$2" up
}

# ns_ping NAME ADDR [SECONDS]: true once ADDR answers from host NAME, trying
# for up to SECONDS (default 10): a first handshake takes a moment.
ns_ping() {
	nsx "$1" ping -n -q -c 1 -i 0.5 -w "${3:-10}" "$2" >/dev/null 2>&1
}

# ns_noping NAME ADDR: true when ADDR stays silent for 7 seconds. WireGuard
# retries a lost handshake after 5 seconds (REKEY_TIMEOUT); a shorter wait
# could miss a tunnel that exists but had its first handshake dropped.
ns_noping() {
	! ns_ping "$1" "$2" 7
}

# ---- reporting (TAP) for the end-to-end tests: a check that fails is
# reported and counted, and the test goes on so that one run shows
# everything that is wrong; die bails out. ----------------------------------

FAILED=0
FAILED_LIST=""

note() {
	echo "# $*"
}

ok() {
	echo "ok - $*"
}

notok() {
	echo "not ok - $*"
	FAILED=$((FAILED + 1))
	FAILED_LIST="$FAILED_LIST
#   $*"
}

check() {
	_what=$1
	shift
	if "$@"; then ok "$_what"; else notok "$_what"; fi
}

die() {
	echo "Bail out! $*"
	exit 1
}

# ---- running wgconf in a namespace (needs TMP, LOG, WGCONF; admin also URL,
# CACERT, PWFILE; show_fail the test's notok) --------------------------------

# wgc HOST ARGS...: wgconf on a host, with that host's state folder. Output
# goes to $OUT (stdout) and $ERR (stderr), the status to $RC; all is logged.
wgc() {
	_h=$1
	shift
	wgc_in "$_h" "$TMP/$_h" "$@"
}

# wgc_in NAMESPACE HOME ARGS...
wgc_in() {
	_n=$1 _home=$2
	shift 2
	echo "\$ [$_n] wgconf $*" >>"$LOG"
	nsx "$_n" env WGCONF_STATE_DIR="$_home/state" HOME="$_home" \
		"$WGCONF" "$@" >"$TMP/out" 2>"$TMP/err"
	RC=$?
	OUT=$(cat "$TMP/out")
	ERR=$(cat "$TMP/err")
	cat "$TMP/out" "$TMP/err" >>"$LOG"
	echo "[exit $RC]" >>"$LOG"
	return $RC
}

# admin ARGS...: `wgconf admin` from the server's own namespace (the admin's
# seat), with the generated password.
admin() {
	wgc_in srv "$TMP/admin" admin --server "$URL" --cacert "$CACERT" --user admin \
		--password-file "$PWFILE" "$@"
}

# show_fail WHAT: the last command's output, under a failed check.
show_fail() {
	notok "$1 (exit $RC)"
	printf '%s\n%s\n' "$OUT" "$ERR" | sed '/^$/d; s/^/#   /'
}
