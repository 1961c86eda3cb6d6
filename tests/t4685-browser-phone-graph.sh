#!/bin/sh
# SPDX-License-Identifier: MIT
# The mesh graph on a phone (390 px, touch): every node is a target of at
# least 44 x 44 px, no two targets overlap, a tap at a target's centre hits
# its node, and the picture scrolls inside its box, never the page. Whole
# mesh (20 peers), grouped (70 peers) and one group opened.
. "$(dirname "$0")/lib.sh"

need node chromium
[ -d "$T_ROOT/node_modules/playwright-core" ] || skip "playwright-core is not installed (make deps)"
stack_start

out=$T_TMP/browser.out
URL=$URL ADMIN_PASS=$ADMIN_PASS NODE_EXTRA_CA_CERTS=$CACERT SHOT=$T_ROOT/tests/out/t4685-phone-graph.png \
    node "$T_ROOT/tests/browser/phone-graph.mjs" >"$out" 2>&1
rc=$?
cat "$out"
[ $rc -eq 0 ] && ok "the phone graph walk passed" || fail "the phone graph walk failed (exit $rc)"
