#!/bin/sh
# SPDX-License-Identifier: MIT
# The admin page at 1,000 peers (bench/seed's mesh, tagged in 20 teams):
# the mesh graph grouped by tag with no two labels overlapping, lines
# between groups with their counts, under 100 ms to draw; search finds the
# hub and its 999 pairs are drawn; zoom. Guardrails: pairing all of them or
# tagging 100 into a meshed tag says how many pairs first, in a dialog, and
# a cancel sends nothing.
. "$(dirname "$0")/lib.sh"

need node chromium
[ -d "$T_ROOT/node_modules/playwright-core" ] || skip "playwright-core is not installed (make deps)"
[ -x "$WGCONFSRV_BIN" ] || die "$WGCONFSRV_BIN is not built (make)"
# The seeder links the server library as it is built (see t2900).
san=""
nm "$T_ROOT/lib/libwgserver.a" 2>/dev/null | grep -q __asan_init && san=address
nm "$T_ROOT/lib/libwgserver.a" 2>/dev/null | grep -q __ubsan_handle && san=${san:+$san,}undefined
make --no-print-directory -C "$T_ROOT" bench/seed ${san:+SANITIZE=$san} >"$T_TMP/make.log" 2>&1 ||
    { cat "$T_TMP/make.log"; die "cannot build bench/seed"; }
# stack_start's first run dir: seeded before the responders open it.
mkdir -p "$T_TMP/run0/seed"
"$T_ROOT/bench/seed" mesh "$T_TMP/run0/wgconfsrv.db" 1000 "$T_TMP/run0/seed" >"$T_TMP/seed.log" 2>&1 ||
    { cat "$T_TMP/seed.log"; die "bench/seed failed"; }
stack_start
[ "$RUN" = "$T_TMP/run0" ] || die "the stack is not on the seeded database"

out=$T_TMP/browser.out
URL=$URL ADMIN_PASS=$ADMIN_PASS IDS=$RUN/seed/ids NODE_EXTRA_CA_CERTS=$CACERT \
SHOT=$T_ROOT/tests/out/t4610-graph.png \
    node "$T_ROOT/tests/browser/graph.mjs" >"$out" 2>&1
rc=$?
cat "$out"
[ $rc -eq 0 ] && ok "the walk at 1,000 peers passed" || fail "the walk at 1,000 peers failed (exit $rc)"
