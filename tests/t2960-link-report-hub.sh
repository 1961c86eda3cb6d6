#!/bin/sh
# SPDX-License-Identifier: MIT
# t2960-link-report-hub: a hub with 1,100 partners reports every link.
#
# Issue 20: a hub's report of 999 links was 79.8 KB in one request, over the
# 64 KiB body limit, and was refused 413, so the host whose links matter most
# never showed any. Here, in a network and mount namespace of its own (as
# t2400 runs a host), a real stack serves a mesh seeded by bench/seed; a
# host registered with `wgconf register` is paired with 1,100 of its peers,
# runs wireguard-go, and one `wgconf sync --apply` configures all 1,100 and
# reports them: in several requests, none refused, each under the body
# limit and the example site's rate limits, and every link lands (one row
# per partner, no more). The admin view then shows the hub's traffic.
. "$(dirname "$0")/lib.sh"
need unshare wireguard-go wg ip nginx spawn-fcgi curl jq sqlite3 openssl htpasswd
[ "$(id -u)" -eq 0 ] || skip "needs root (a network namespace, wireguard-go)"
[ -c /dev/net/tun ] || skip "/dev/net/tun is missing: wireguard-go needs it"
[ -x "$WGCONFSRV_BIN" ] || die "$WGCONFSRV_BIN is not built (make)"
[ -x "$WGCONF" ] || die "$WGCONF is not built (make)"
san=""
nm "$T_ROOT/lib/libwgserver.a" 2>/dev/null | grep -q __asan_init && san=address
nm "$T_ROOT/lib/libwgserver.a" 2>/dev/null | grep -q __ubsan_handle && san=${san:+$san,}undefined
make --no-print-directory -C "$T_ROOT" bench/seed ${san:+SANITIZE=$san} >"$T_TMP/make.log" 2>&1 ||
    { cat "$T_TMP/make.log"; die "cannot build bench/seed"; }

PARTNERS=1100
NS=$T_TMP/ns
mkdir -p "$NS/seed"
chmod 0755 "$T_TMP" "$NS"
cat >"$NS/host.sh" <<EOS
set -u
ip link set lo up
mount -t tmpfs -o mode=0755 tmpfs /run || exit 1
# /sys/class/net shows the namespace of whoever mounted sysfs.
mount -t sysfs sysfs /sys || exit 1
export WGCONFSRV_RUN_DIR=$NS/run WGCONFSRV_LISTEN=127.0.0.1:8443 WGCONFSRV_RESPONDERS=2
# The example's own request limits: a hub's pages must pass them too.
export WGCONFSRV_BIN=$WGCONFSRV_BIN
sh "$T_ROOT/nginx/local.sh" start >"$NS/start.log" 2>&1 || exit 1
DB=$NS/run/wgconfsrv.db
"$T_ROOT/bench/seed" mesh "\$DB" $PARTNERS "$NS/seed" >"$NS/seed.log" 2>&1 || exit 2
W=$WGCONF
A="--server https://127.0.0.1:8443 --cacert $NS/run/cert.pem --state-dir $NS/state"
\$W register \$A --name bighub 127.0.0.1:51820 >"$NS/register.log" 2>&1
\$W admin \$A --user admin --password-file "$NS/run/admin-password" accept bighub \
    >>"$NS/register.log" 2>&1 || exit 3
ID=\$(jq -r .id "$NS/state/state.json")
echo "\$ID" >"$NS/id"
"$T_ROOT/bench/seed" pair "\$DB" "\$ID" $PARTNERS >>"$NS/seed.log" 2>&1 || exit 4
WG_PROCESS_FOREGROUND=1 wireguard-go wg0 >"$NS/wireguard-go.log" 2>&1 &
wgpid=\$!
i=0
while [ ! -S /run/wireguard/wg0.sock ] && [ \$i -lt 50 ]; do sleep 0.1; i=\$((i + 1)); done
: >"$NS/run/logs/access.log"
date +%s.%N >"$NS/sync.t0"
\$W sync --state-dir "$NS/state" --interface wg0 --config-dir "$NS/etc" --apply \
    >"$NS/sync.out" 2>"$NS/sync.err"
echo \$? >"$NS/sync.rc"
date +%s.%N >"$NS/sync.t1"
wg show wg0 peers | wc -l >"$NS/wg.peers"
curl -s --cacert "$NS/run/cert.pem" -u "admin:\$(cat "$NS/run/admin-password")" \
    "https://127.0.0.1:8443/api/v1/admin/peers/\$ID" >"$NS/hub.json"
kill \$wgpid
sh "$T_ROOT/nginx/local.sh" stop >/dev/null 2>&1
wait
EOS
mkdir -p "$NS/etc"
t0=$(date +%s)
unshare --net --mount sh "$NS/host.sh" >"$NS/host.log" 2>&1
rc=$?
say "# the namespaced run took $(($(date +%s) - t0)) s"
expect_eq "$rc" 0 "the namespaced host ran (1 stack, 2 seeding, 3 accept, 4 pairing)" ||
    { sed 's/^/    | /' "$NS/host.log" "$NS/start.log" "$NS/seed.log" "$NS/register.log" 2>/dev/null; }
sed 's/^/    | /' "$NS/seed.log"
ID=$(cat "$NS/id" 2>/dev/null)
say "# the hub's sync --apply (config of $PARTNERS peers, wg syncconf, report) took" \
    "$(cat "$NS/sync.t0" "$NS/sync.t1" 2>/dev/null | awk 'NR == 1 { a = $1 } NR == 2 { printf "%.2f", $1 - a }') s"
DB=$NS/run/wgconfsrv.db

expect_eq "$(cat "$NS/sync.rc" 2>/dev/null)" 0 "the hub's sync succeeds" ||
    sed 's/^/    | /' "$NS/sync.out" "$NS/sync.err"
expect_not_in "$(cat "$NS/sync.err" 2>/dev/null)" "link report" "no link report was refused"
expect_eq "$(tr -d ' ' <"$NS/wg.peers")" "$PARTNERS" "wg0 has all $PARTNERS partners"

# The report as the server saw it: several PUTs, each taken (204) and
# under the 64 KiB body limit nginx and the responder hold to.
puts=$(grep -c '"PUT /api/v1/peer/links ' "$NS/run/logs/access.log")
taken=$(grep '"PUT /api/v1/peer/links ' "$NS/run/logs/access.log" | grep -c '" 204 ')
[ "$puts" -ge 2 ] && ok "the report went in $puts requests" ||
    fail "the report went in $puts request(s), not pages"
expect_eq "$taken" "$puts" "every page was answered 204" ||
    grep '"PUT /api/v1/peer/links ' "$NS/run/logs/access.log" | head -n 5 | sed 's/^/    | /'

# Every link landed, once: the server's bound (a row per partner) holds.
rows=$(sqlite3 "$DB" "SELECT count(*) FROM link_reports WHERE reporter = '$ID'")
expect_eq "$rows" "$PARTNERS" "the hub's report is stored in full: one row per partner"
strays=$(sqlite3 "$DB" "SELECT count(*) FROM link_reports r WHERE reporter = '$ID' AND NOT EXISTS
    (SELECT 1 FROM pairs WHERE (a = r.reporter AND b = r.partner) OR (b = r.reporter AND a = r.partner))")
expect_eq "$strays" 0 "no row names a peer the hub is not paired with"

# The admin view: the hub's traffic, summed over what it reported.
expect_eq "$(jq -r '.traffic | type' "$NS/hub.json" 2>/dev/null)" object \
    "GET /admin/peers/{hub} shows its traffic" || sed 's/^/    | /' "$NS/hub.json"
expect_eq "$(jq -r '.pairs | length' "$NS/hub.json" 2>/dev/null)" "$PARTNERS" \
    "and its $PARTNERS pairs"

# Under a sanitizer build (make all SANITIZE=...), a responder's report is a
# failure, as stack_stop has it.
for f in "$NS"/run/logs/asan* "$NS"/run/logs/ubsan*; do
	[ -f "$f" ] || continue
	fail "sanitizer report from a responder: $f"
	sed 's/^/    | /' "$f" | head -n 80
done
