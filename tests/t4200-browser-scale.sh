#!/bin/sh
# SPDX-License-Identifier: MIT
# The admin UI past the size of a matrix (150 peers, more than the server's
# page of 100: the page follows next_cursor): pages of rows with the
# page in the URL, select all matching, bulk accept and delete, the per-peer
# pair picker with search, the grouped mesh graph; checked through the API,
# under the example's limit on admin requests.
. "$(dirname "$0")/lib.sh"

need node chromium
[ -d "$T_ROOT/node_modules/playwright-core" ] || skip "playwright-core is not installed (make deps)"
# The admin requests are limited as in the nginx example (20/s after a
# burst of 100): bulk actions must get through it.
ADMIN_RATE=production stack_start

out=$T_TMP/browser.out
URL=$URL ADMIN_PASS=$ADMIN_PASS NODE_EXTRA_CA_CERTS=$CACERT SHOT=$T_ROOT/tests/out/t4200-scale.png \
    node "$T_ROOT/tests/browser/scale.mjs" >"$out" 2>&1
rc=$?
cat "$out"
[ $rc -eq 0 ] && ok "the walk at 150 peers passed" || fail "the walk at 150 peers failed (exit $rc)"
