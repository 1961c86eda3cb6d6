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

# wgc_in NAMESPACE HOME ARGS...: with PATH=$wgc_path_NAMESPACE when the
# test set one (the commands that host has, e.g. no nft).
wgc_in() {
	_n=$1 _home=$2
	shift 2
	echo "\$ [$_n] wgconf $*" >>"$LOG"
	_path=$PATH
	case $_n in
	*[!A-Za-z0-9_]*) ;;
	*) eval "_path=\${wgc_path_$_n:-\$PATH}" ;;
	esac
	nsx "$_n" env PATH="$_path" WGCONF_STATE_DIR="$_home/state" HOME="$_home" \
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

# ---- the frame of an end-to-end mesh test -----------------------------------
# A test sets NS_BASE, NS_PFX and HOSTS (its WireGuard hosts), sources this
# file, and then reads as its scenario:
#
#   mesh_begin t3000-mesh [TOOL...]   root or skip; tools; TMP; cleanup on exit
#   mesh_wan                          the router wan, and srv on it
#   mesh_host A 198.18.1.2            a public host on wan
#   mesh_host C 192.168.33.2 nat 198.18.3.2
#                                     C behind its own NAT router natC
#   mesh_wg $HOSTS                    wireguard-go on each
#   mesh_server [VAR=VALUE...]        nginx + responders in srv
#   mesh_register A 198.18.1.2:51820  (or nat; then wgconf register's options)
#   mesh_accept A [--networks ...]; mesh_pair A-B A-C; mesh_addrs
#   mesh_sync_all; round A B; sync_host A; mesh_pubkeys
#   wgc_path_A=DIRS                   the PATH wgconf runs with on A
#
# TNNNN_KEEP=1 keeps the temporary folder, TNNNN_PAUSE=SECONDS waits that
# long before tearing down a failed run (TNNNN from the test's name). A test
# may define mesh_dump (what a failed run shows) after sourcing this file.

SRV_ADDR=198.18.0.2
SRV_PORT=8443
URL=https://$SRV_ADDR:$SRV_PORT
TMP=""
RUN=""

# mesh_begin NAME [TOOL...]: NAME is the test's (t3000-mesh); TOOLs are what
# it needs besides the mesh's own. Sets TMP, RUN, LOG, WGCONF.
mesh_begin() {
	MESH_NAME=$1
	MESH_ENV=$(printf '%s\n' "$1" | sed 's/^t\([0-9]*\).*/T\1/')
	shift
	if [ "$(id -u)" -ne 0 ]; then
		echo "# skip: needs root (network namespaces, wireguard-go)"
		echo "$MESH_NAME: skipped: needs root (network namespaces, wireguard-go)" >&2
		echo "# exit status: 77"
		exit 77
	fi
	trap mesh_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
	trap 'exit 141' PIPE
	for _t in ip wireguard-go wg ping jq curl nginx spawn-fcgi openssl "$@"; do
		command -v "$_t" >/dev/null 2>&1 || die "$_t is missing (make deps installs it)"
	done
	[ -c /dev/net/tun ] || die "/dev/net/tun is missing: wireguard-go needs it"
	[ -x "$TOP/client/wgconf" ] || die "client/wgconf is not built (make)"
	[ -x "$TOP/cgi/wgconfsrv" ] || die "cgi/wgconfsrv is not built (make)"
	ns_reap_stale "$NS_BASE"
	mesh_tmp
}

# mesh_tmp: the run's folder (stale ones of dead runs removed), with a copy
# of the binaries under test: one run tests one build even when the tree is
# rebuilt meanwhile.
mesh_tmp() {
	for _d in "${TMPDIR:-/tmp}/$MESH_NAME".*.*; do
		[ -d "$_d" ] || continue
		_pid=${_d##*/"$MESH_NAME".}
		_pid=${_pid%%.*}
		kill -0 "$_pid" 2>/dev/null || rm -rf "$_d"
	done
	TMP=$(mktemp -d "${TMPDIR:-/tmp}/$MESH_NAME.$$.XXXXXX") || die "mktemp"
	chmod 0755 "$TMP"
	RUN=$TMP/srv
	LOG=$TMP/commands.log
	mkdir -p "$TMP/bin" "$TMP/admin"
	cp "$TOP/client/wgconf" "$TOP/cgi/wgconfsrv" "$TMP/bin/" || die "cannot copy the binaries"
	WGCONF=$TMP/bin/wgconf
}

# mesh_dump: what a failed run shows of each host, of the server, and of
# the last wgconf commands.
mesh_dump() {
	for _h in $HOSTS; do
		ip netns list | grep -qE "^$NS_PFX$_h( |\$)" || continue
		echo "# --- host $_h: wg show, addresses, routes"
		nsx "$_h" wg show "$NS_PFX$_h" 2>&1 | sed 's/^/#   /'
		ip -n "$NS_PFX$_h" -br addr 2>&1 | sed 's/^/#   /'
		ip -n "$NS_PFX$_h" route 2>&1 | sed 's/^/#   /'
	done
	if [ -n "$RUN" ] && [ -d "$RUN/logs" ]; then
		echo "# --- server logs (last lines)"
		tail -n 15 "$RUN/logs/responder.log" "$RUN/logs/error.log" 2>/dev/null | sed 's/^/#   /'
	fi
	if [ -n "$TMP" ] && [ -f "$TMP/commands.log" ]; then
		echo "# --- the last wgconf commands"
		tail -n 40 "$TMP/commands.log" | sed 's/^/#   /'
	fi
}

mesh_cleanup() {
	_rc=$?
	trap - EXIT INT TERM HUP
	# Output may go to a closed pipe (| head): cleaning up matters more.
	trap '' PIPE
	set +e
	[ "$_rc" -eq 0 ] && [ "$FAILED" -ne 0 ] && _rc=1
	[ "$_rc" -ne 0 ] && mesh_dump
	eval "_pause=\${${MESH_ENV}_PAUSE:-} _keep=\${${MESH_ENV}_KEEP:-}"
	if [ "$_rc" -ne 0 ] && [ -n "$_pause" ]; then
		note "${MESH_ENV}_PAUSE: the namespaces stay for $_pause s (ip netns list)"
		sleep "$_pause"
	fi
	mesh_server_stop
	# Whatever local.sh missed dies with the namespace's processes.
	ns_cleanup
	if [ -n "$TMP" ] && [ -n "$_keep" ]; then
		note "kept $TMP"
	elif [ -n "$TMP" ]; then
		rm -rf "$TMP"
	fi
	[ "$FAILED" -ne 0 ] && echo "# $FAILED check(s) failed:$FAILED_LIST"
	echo "# exit status: $_rc"
	exit "$_rc"
}

# ---- the underlay ----------------------------------------------------------

# mesh_wan: the router wan, and the server's namespace srv on it.
mesh_wan() {
	ns_add wan && ns_add srv || die "cannot create the namespaces wan and srv"
	ns_forward wan
	mesh_uplink srv eth0 "$SRV_ADDR" || die "cannot link srv to wan"
}

# mesh_uplink NAME IF ADDR: NAME's IF on wan at ADDR/24, its default route
# through wan (.1 of that /24); wan's end is named like the host.
mesh_uplink() {
	ns_link wan "$1" "${3%.*}.1/24" "$1" "$2" "$3/24" &&
		ip -n "$NS_PFX$1" route add default via "${3%.*}.1"
}

# mesh_host NAME ADDR: a host on wan at ADDR.
# mesh_host NAME ADDR nat PUBLIC: NAME at ADDR behind a router natNAME of its
# own, at PUBLIC on wan, which masquerades out and lets nothing new in (a
# home router, nftables).
mesh_host() {
	if [ "${3:-}" != nat ]; then
		ns_add "$1" && mesh_uplink "$1" eth0 "$2" || die "cannot set up host $1 at $2"
		return 0
	fi
	ns_add "nat$1" && mesh_uplink "nat$1" wan0 "$4" && ns_forward "nat$1" &&
		ns_add "$1" && ns_link "nat$1" lan0 "${2%.*}.1/24" "$1" eth0 "$2/24" &&
		ip -n "$NS_PFX$1" route add default via "${2%.*}.1" ||
		die "cannot set up host $1 at $2 behind nat$1 at $4"
	nsx "nat$1" nft -f - <<'EOF' || die "nftables NAT on nat$1"
table ip meshnat {
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "wan0" masquerade
	}
	chain forward {
		type filter hook forward priority filter; policy drop;
		ct state established,related accept
		iifname "lan0" accept
	}
}
EOF
}

# mesh_wg HOST...: wireguard-go on each, its interface named like its
# namespace (the control sockets in /var/run/wireguard are shared by all).
mesh_wg() {
	for _mh in "$@"; do
		ns_wg_up "$_mh" "$NS_PFX$_mh" || die "wireguard-go $NS_PFX$_mh in $_mh"
	done
}

# ---- the server --------------------------------------------------------------

# mesh_server [VAR=VALUE...]: nginx and the responders in srv (nginx/local.sh),
# listening on every address there with a certificate for $SRV_ADDR; each
# VAR=VALUE adds to their environment. Sets CACERT, PWFILE, DB.
mesh_server() {
	env WGCONFSRV_RUN_DIR="$RUN" WGCONFSRV_LISTEN=0.0.0.0:$SRV_PORT \
		WGCONFSRV_CERT_NAMES=IP:$SRV_ADDR WGCONFSRV_RESPONDERS=2 \
		WGCONFSRV_REGISTER_RATE=600r/m WGCONFSRV_BIN="$TMP/bin/wgconfsrv" "$@" \
		ip netns exec "${NS_PFX}srv" sh "$TOP/nginx/local.sh" start \
		>"$TMP/local-start.log" 2>&1 ||
		{ cat "$TMP/local-start.log"; die "nginx/local.sh start in the server namespace"; }
	CACERT=$RUN/cert.pem
	PWFILE=$RUN/admin-password
	DB=$RUN/wgconfsrv.db
}

mesh_server_stop() {
	[ -n "$RUN" ] && [ -f "$RUN/nginx.conf" ] || return 0
	WGCONFSRV_RUN_DIR=$RUN nsx srv sh "$TOP/nginx/local.sh" stop >/dev/null 2>&1
}

# ---- hosts join ----------------------------------------------------------------

# hname HOST: the name a host registers under (the admin uses it too).
hname() {
	echo "host-$1" | tr '[:upper:]' '[:lower:]'
}

# mesh_register HOST ENDPOINT [ARG...]: `wgconf register` on HOST, trusting
# the server's CA (or the --pin that ARG starts with). It exits 0 whether
# the host is accepted or pending (wgconf register --help); else the test
# bails out.
mesh_register() {
	_mh=$1 _mep=$2
	shift 2
	case ${1:-} in
	--pin) ;;
	*) set -- --cacert "$CACERT" "$@" ;;
	esac
	mkdir -p "$TMP/$_mh/wireguard"
	if wgc "$_mh" register --state-dir "$TMP/$_mh/state" --server "$URL" \
		--name "$(hname "$_mh")" "$@" "$_mep"; then
		ok "register: $_mh registers ($_mep)"
	else
		show_fail "register: $_mh registers ($_mep)"
		die "cannot go on without $_mh"
	fi
}

# mesh_accept HOST [ARG...]: the admin accepts HOST (ARGs: --networks, --tags).
mesh_accept() {
	_mh=$1
	shift
	admin accept "$(hname "$_mh")" "$@" || { show_fail "admin: accept $_mh"; die "cannot go on"; }
}

# mesh_pair X-Y...: the admin pairs each.
mesh_pair() {
	for _mp in "$@"; do
		admin pair "$(hname "${_mp%-*}")" "$(hname "${_mp#*-}")" ||
			{ show_fail "admin: pair $_mp"; die "cannot pair"; }
	done
}

# mesh_addrs: addr_HOST, each host's tunnel address, from `admin peers`.
mesh_addrs() {
	admin peers --json || { show_fail "admin peers --json"; die "no peer list"; }
	printf '%s\n' "$OUT" >"$TMP/peers.json"
	for _mh in $HOSTS; do
		_ma=$(jq -r --arg n "$(hname "$_mh")" \
			'(.peers // .)[] | select(.name == $n) | .addresses[0]' \
			"$TMP/peers.json" | sed 's|/.*||')
		case $_ma in
		[0-9]*.*.*.*) eval "addr_$_mh=\$_ma" && note "$_mh is $_ma in the tunnel" ;;
		*) die "admin peers --json gives no IPv4 address for $_mh: $(cat "$TMP/peers.json")" ;;
		esac
	done
}

# ---- cron runs sync ----------------------------------------------------------

# sync_host HOST [ARG...]: one cron run of `wgconf sync --apply` on HOST.
sync_host() {
	_sh=$1
	shift
	wgc "$_sh" sync --state-dir "$TMP/$_sh/state" --interface "$NS_PFX$_sh" \
		--config-dir "$TMP/$_sh/wireguard" --apply "$@"
}

# round_rc HOST...: one cron run on each, in that order; each one's exit
# status, output and errors in rc_HOST, out_HOST and err_HOST.
round_rc() {
	for _rh in "$@"; do
		sync_host "$_rh"
		eval "rc_$_rh=\$RC out_$_rh=\$OUT err_$_rh=\$ERR"
	done
}

# round HOST...: round_rc, and a sync that fails is a failed check.
round() {
	for _rh in "$@"; do
		round_rc "$_rh"
		[ "$RC" = 0 ] || show_fail "sync on $_rh"
	done
}

mesh_sync_all() {
	# shellcheck disable=SC2086
	round $HOSTS
}

# ---- what wg shows ----------------------------------------------------------------

pubkey() {
	nsx "$1" wg show "$NS_PFX$1" public-key
}

# mesh_pubkeys: pub_HOST, each host's WireGuard public key.
mesh_pubkeys() {
	for _mh in $HOSTS; do
		eval "pub_$_mh=\$(pubkey $_mh)"
	done
}

# wgfield HOST PEERHOST FIELD: one column of `wg show IF FIELD` for a peer.
wgfield() {
	eval "_k=\$pub_$2"
	nsx "$1" wg show "$NS_PFX$1" "$3" | awk -v k="$_k" '$1 == k { print $2 }'
}

haspeer() {
	eval "_k=\$pub_$2"
	nsx "$1" wg show "$NS_PFX$1" peers | grep -qxF "$_k"
}

npeers() {
	nsx "$1" wg show "$NS_PFX$1" peers | grep -c .
}

# rxtx HOST PEERHOST: "RX TX", HOST's byte counts for PEERHOST.
rxtx() {
	eval "_k=\$pub_$2"
	nsx "$1" wg show "$NS_PFX$1" transfer | awk -v k="$_k" '$1 == k { print $2, $3 }'
}

# allowed HOST PEERHOST: HOST's AllowedIPs for PEERHOST, space-separated.
allowed() {
	eval "_k=\$pub_$2"
	nsx "$1" wg show "$NS_PFX$1" allowed-ips | awk -v k="$_k" '$1 == k { $1 = ""; print }'
}

# fwd HOST: whether HOST's WireGuard interface forwards IPv4 (0 or 1).
fwd() {
	nsx "$1" cat /proc/sys/net/ipv4/conf/"$NS_PFX$1"/forwarding
}

# link X Y EXPR: jq EXPR over the `admin links --json` entry of X-Y (null
# when there is none).
link() {
	admin links --json || { echo "error"; return; }
	printf '%s\n' "$OUT" | jq -r --arg x "$(hname "$1")" --arg y "$(hname "$2")" "
		[.links[] | select((.a.name == \$x and .b.name == \$y) or
		                   (.a.name == \$y and .b.name == \$x))] | .[0] | $3"
}
