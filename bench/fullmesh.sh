#!/bin/sh
# SPDX-License-Identifier: MIT
#
# bench/fullmesh.sh: the meshes of issue 19, signed, through the same nginx
# + TLS as `make run`: a full mesh of N hosts by one rule, and a hub of
# SPOKES spokes by one rule. Prints the figures docs/benchmarks.md gives
# ("Signed meshes by rule"); a missed target never fails, a broken harness
# exits 1.
#
#   sh bench/fullmesh.sh
#
# Full mesh: seeds N tagged peers (bench/seed tagged) and one host with a
# real key that trusts the signing key; `wgconf admin sign --all` (N + 1
# statements, timed); the rule (timed: the answer, then its pairs in the
# background, while wrk asks for an unchanging config with If-None-Match
# and records the 304's p99); `admin sign --all` again (the policy: one
# signature); a member's config (bytes per partner), its 200 rate beside
# nginx serving the same bytes as a file; `wgconf sync` of the host (999
# signed partners, CPU time); the database's size, config cache included.
# Hub: seeds SPOKES + 1 peers (10,000 in under a minute is the target),
# the rule, signs, and a spoke's signed config size.
#
# Environment: BENCH_MESH [1000], BENCH_SPOKES [10000], BENCH_SECONDS [5].
. "$(dirname "$0")/../tests/lib.sh"
need wrk jq sqlite3 curl nginx
N=${BENCH_MESH:-1000}
SPOKES=${BENCH_SPOKES:-10000}
SECS=${BENCH_SECONDS:-5}
SEED=$T_ROOT/bench/seed
LUA=$T_ROOT/bench/wrk.lua
[ -x "$SEED" ] || die "$SEED is not built (make bench/seed)"

ms() { # since T0 (ns)
	echo $(( ($(date +%s%N) - $1) / 1000000 ))
}

admin() {
	wgc adm admin --server "$URL" --cacert "$CACERT" --user admin \
	    --password-file "$T_TMP/admin-pass" "$@"
}

# wrk_run NAME URL EXPECT AUTH INM THREADS CONNS: one wrk.lua run, its
# BENCH line into WRK.
wrk_run() {
	BENCH_MODE=get BENCH_EXPECT=$3 BENCH_AUTH=$4 BENCH_INM=$5 BENCH_THREADS=$6 \
	    wrk -t"$6" -c"$7" -d"${SECS}s" --timeout 10s -s "$LUA" "$2" >"$T_TMP/wrk-$1.log" 2>&1 ||
	    die "wrk $1 failed: $(cat "$T_TMP/wrk-$1.log")"
	WRK=$(grep '^BENCH ' "$T_TMP/wrk-$1.log" | tail -n 1)
	[ -n "$WRK" ] || die "wrk $1 printed nothing"
	say "  $1: $WRK"
}

etag_of() { # TOKEN: the ETag of its config, the body into $T_TMP/config.json
	curl -sS -D "$T_TMP/hdr" -o "$T_TMP/config.json" --cacert "$CACERT" \
	    -H "Authorization: Bearer $1" "$API/peer/config" >/dev/null
	awk -F': ' 'tolower($1) == "etag" { print $2 }' "$T_TMP/hdr" | tr -d '\r'
}

jobs_running() {
	api -a GET /admin/jobs
	[ "$(jqr '[.jobs[] | select(.state != "done")] | length')" != 0 ]
}

# ------------------------------------------------------------- full mesh of N
stack_start 2
printf '%s\n' "$ADMIN_PASS" >"$T_TMP/admin-pass"
mkdir -p "$T_TMP/seed" "$T_TMP/home"
say "== a full mesh of $N by one rule"
# Peer 0 is tagged lone: outside the mesh, its config never changes.
"$SEED" tagged "$DB" "$N" "$T_TMP/seed" mesh lone | sed 's/^/  /'
LONE=$(cat "$T_TMP/seed/hub.token")
MEMBER=$(cat "$T_TMP/seed/member.token")
wgc adm admin signing-key generate --out "$T_TMP/k"
K_PUB=$OUT
admin network --signing-key "$K_PUB"
[ "$RC" = 0 ] || die "signing key: $ERR"
wgc_register h host 203.0.113.9:51820 --trust-key "$K_PUB"
H_ID=$ID
admin accept host --tags mesh
[ "$RC" = 0 ] || die "accept host: $ERR"
T0=$(date +%s%N)
admin sign --all --key "$T_TMP/k" --yes
[ "$RC" = 0 ] || die "sign --all: $ERR"
say "  admin sign --all: $(printf '%s\n' "$OUT" | tail -n 1) in $(ms "$T0") ms"
ETAG=$(etag_of "$LONE")
T0=$(date +%s%N)
api -a POST /admin/rules '{"a":"mesh","b":"mesh"}'
[ "$STATUS" = 201 ] || die "rule: $STATUS $BODY"
say "  POST /admin/rules answered in $(ms "$T0") ms: $(jqr '.pairs') pairs, job $(jqr '.job.state')"
P99=0
while jobs_running; do
	wrk_run config304_during_job "$API/peer/config" 304 "Bearer $LONE" "$ETAG" 1 2
	p=$(printf '%s\n' "$WRK" | tr ' ' '\n' | sed -n 's/^p99_ms=//p')
	P99=$(awk -v a="$p" -v b="$P99" 'BEGIN { print (a > b) ? a : b }')
	api -a GET /admin/jobs
	say "  job: $(printf '%s' "$BODY" | jq -c '.jobs[0] | {state, made, progress}') after $(ms "$T0") ms"
done
say "  all pairs made in $(ms "$T0") ms; config 304 p99 while they were made: at most $P99 ms"
say "  pairs: $(sqlite3 "$DB" 'SELECT count(*) FROM pairs')"
T0=$(date +%s%N)
admin sign --all --key "$T_TMP/k" --yes
say "  a rule added to the signed mesh: $(printf '%s\n' "$OUT" | tail -n 1) in $(ms "$T0") ms"
etag_of "$MEMBER" >/dev/null
B=$(wc -c <"$T_TMP/config.json")
P=$(jq '.peers | length' "$T_TMP/config.json")
say "  a member's config: $B bytes, $P partners, $((B / P)) bytes a partner"
/usr/bin/time -f '%U %S' -o "$T_TMP/time" \
    env WGCONF_STATE_DIR="$T_TMP/h/state" HOME="$T_TMP/home" "$WGCONF" sync --config-dir "$T_TMP/h/etc" \
    >"$T_TMP/sync.out" 2>&1 </dev/null
say "  wgconf sync of the host (fetch, verify $P statements and the policy, open $P PSKs," \
    "write the file): exit $?, CPU $(awk '{ print $1 + $2 }' "$T_TMP/time") s;" \
    "$(grep -c '^\[Peer\]' "$T_TMP/h/etc/wg0.conf" 2>/dev/null) peers written"
# 200s of a member's config beside nginx serving the same bytes.
mkdir -p "$RUN/www"
cp "$T_TMP/config.json" "$RUN/www/member.json"
sed -i "/server_name localhost;/a\\
	location ^~ /bench-static/ { alias $RUN/www/; }" "$RUN/site.conf"
nginx -p "$RUN" -c "$RUN/nginx.conf" -e "$RUN/logs/error.log" -s reload || die "nginx reload"
sleep 1
wrk_run config200_member "$API/peer/config" 200 "Bearer $MEMBER" "" 2 8
R1=$(printf '%s\n' "$WRK" | tr ' ' '\n' | sed -n 's/^rps=//p')
wrk_run static200_member "$URL/bench-static/member.json" 200 "" "" 2 8
R2=$(printf '%s\n' "$WRK" | tr ' ' '\n' | sed -n 's/^rps=//p')
say "  config 200 / nginx file 200: $(awk -v a="$R1" -v b="$R2" 'BEGIN { printf "%.2f", a / b }')"
# Every member's config once: what the cache holds at most.
for t in "$MEMBER" "$LONE"; do etag_of "$t" >/dev/null; done
sqlite3 "$DB" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
say "  database: $(du -b "$DB" | cut -f1) bytes; config_cache: $(sqlite3 "$DB" \
    'SELECT count(*) || " rows, " || coalesce(sum(length(body)), 0) || " bytes" FROM config_cache')"
say "  pairs table: about $(sqlite3 "$DB" "SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'pairs%' OR name LIKE 'sqlite_autoindex_pairs%'" 2>/dev/null || echo '?') bytes"

# --------------------------------------------------------- hub of SPOKES
say "== a hub of $SPOKES spokes by one rule"
stack_start 2
printf '%s\n' "$ADMIN_PASS" >"$T_TMP/admin-pass"
rm -rf "$T_TMP/seed" && mkdir -p "$T_TMP/seed"
T0=$(date +%s%N)
"$SEED" tagged "$DB" "$((SPOKES + 1))" "$T_TMP/seed" spoke hub | sed 's/^/  /'
say "  seeded $((SPOKES + 1)) peers in $(ms "$T0") ms"
SPOKE=$(cat "$T_TMP/seed/member.token")
wgc adm admin signing-key generate --out "$T_TMP/k2"
admin network --signing-key "$OUT"
T0=$(date +%s%N)
api -a POST /admin/rules '{"a":"hub","b":"spoke"}'
say "  POST /admin/rules answered in $(ms "$T0") ms: $(jqr '.pairs') pairs"
while jobs_running; do sleep 0.5; done
say "  all pairs made in $(ms "$T0") ms"
T0=$(date +%s%N)
admin sign --all --key "$T_TMP/k2" --yes
say "  admin sign --all: $(printf '%s\n' "$OUT" | tail -n 1) in $(ms "$T0") ms"
etag_of "$SPOKE" >/dev/null
say "  a spoke's signed config: $(wc -c <"$T_TMP/config.json") bytes"
etag_of "$(cat "$T_TMP/seed/hub.token")" >/dev/null
say "  the hub's: $(wc -c <"$T_TMP/config.json") bytes, $(jq '.peers | length' "$T_TMP/config.json") partners"
