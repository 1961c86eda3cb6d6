#!/bin/sh
# SPDX-License-Identifier: MIT
# t2900-bench-smoke: `make bench` still runs. A tiny bench (one 10-peer
# mesh, 1 s per wrk run, 50 writes, no profile, no client) through the real
# nginx + TLS stack writes a report whose table has a figure, with its
# ratio, for every request it measures, and a chart; a bad setting is
# refused naming the value. It proves the harness works, not any figure.
. "$(dirname "$0")/lib.sh"
need wrk gnuplot nginx spawn-fcgi curl jq sqlite3 openssl htpasswd
[ -x "$WGCONFSRV_BIN" ] || die "$WGCONFSRV_BIN is not built (make)"
# The seeder links the server library as it is built: under the CI's
# sanitizer build (make all SANITIZE=...) it needs the same runtime.
san=""
nm "$T_ROOT/lib/libwgserver.a" 2>/dev/null | grep -q __asan_init && san=address
nm "$T_ROOT/lib/libwgserver.a" 2>/dev/null | grep -q __ubsan_handle && san=${san:+$san,}undefined
make --no-print-directory -C "$T_ROOT" bench/seed ${san:+SANITIZE=$san} >"$T_TMP/make.log" 2>&1 ||
    { cat "$T_TMP/make.log"; die "cannot build bench/seed"; }

MD=$T_TMP/out/benchmarks.md
SVG=$T_TMP/out/benchmark-rps.svg
t0=$(date +%s)
BENCH_SIZES=10 BENCH_SECONDS=1 BENCH_WRITES=50 BENCH_PROFILE_SIZE= BENCH_CLIENT_SIZE= \
BENCH_OUT=$MD BENCH_CHART=$SVG TMPDIR=$T_TMP \
    sh "$T_ROOT/bench/run.sh" >"$T_TMP/bench.out" 2>&1
rc=$?
sed 's/^/    | /' "$T_TMP/bench.out"
expect_eq "$rc" 0 "bench/run.sh exits 0"
say "# the tiny bench took $(($(date +%s) - t0)) s"

[ -s "$MD" ] && ok "the report is written" || fail "no report at $MD"
[ -s "$SVG" ] && grep -q '<svg' "$SVG" && ok "the chart is an SVG" || fail "no SVG chart at $SVG"
grep -q "($(basename "$SVG"))" "$MD" && ok "the report shows the chart" ||
    fail "the report does not link $(basename "$SVG")"
grep -q "^- machine: $(nproc) cores" "$MD" && ok "the report names the machine" ||
    fail "no machine line in the report"

# Each measured row: a positive req/s, and the ratio to its limit.
row() { # LABEL PATTERN: the row's req/s column
	grep -F "| $1 |" "$MD" | head -n 1 | awk -F'|' '{ gsub(/[ ,]/, "", $3); print $3 }'
}
for label in "GET /peer/config, hub, 200" "GET /peer/config, partial peer, 200" \
    "GET /peer/config, hub, 304" "GET /health (the bare FastCGI hop)" \
    "nginx: the hub's config bytes as a file, 200 (limit)" \
    "nginx: its own 304 for the file (limit)" "GET /admin/peers (see above)" \
    "POST /register (writes)" "POST /admin/peers/{id}/accept (writes)" \
    "PUT /admin/pairs/{a}/{b} (writes)"; do
	v=$(row "$label")
	case $v in
	'' | *[!0-9.]* | 0) fail "row '$label': req/s is '${v:-missing}'" ;;
	*) ok "row '$label': $v req/s" ;;
	esac
done
grep -F "| GET /peer/config, hub, 200 |" "$MD" | grep -q '[0-9]\.[0-9][0-9] of the file' &&
    ok "config 200 stands beside its ratio to the file" || fail "config 200 has no ratio"
grep -F "| GET /peer/config, hub, 304 |" "$MD" | grep -q 'of /health' &&
    ok "config 304 stands beside its ratio to /health" || fail "config 304 has no ratio"
grep -q '^Hub config [0-9,]* bytes (9 peers)' "$MD" &&
    ok "the hub is paired with the 9 others" || fail "the hub's config does not list 9 peers"
grep -q 'seed: registrations 10 in' "$T_TMP/bench.out" && ok "the seeding time is printed" ||
    fail "no seeding figure in the output"

# The harness stops on what it cannot measure, saying why.
BENCH_SIZES=1 BENCH_OUT=$T_TMP/x.md BENCH_CHART=$T_TMP/x.svg \
    sh "$T_ROOT/bench/run.sh" >"$T_TMP/bad.out" 2>&1
rc=$?
[ $rc -eq 1 ] && grep -q "not 1" "$T_TMP/bad.out" &&
    ok "BENCH_SIZES=1 is refused naming the value (exit $rc)" ||
    fail "BENCH_SIZES=1: exit $rc, $(cat "$T_TMP/bad.out")"
[ ! -e "$T_TMP/x.md" ] && ok "and no report is written" || fail "a report was written anyway"
