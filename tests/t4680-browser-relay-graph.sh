#!/bin/sh
# SPDX-License-Identifier: MIT
# The mesh graph draws relayed pairs through their relay (issue 17,
# "Visible"): a relay R with an endpoint and two peers behind NAT, paired,
# set up through the API (no tunnels: both ends behind NAT is enough for
# the server to route the pair through R). The pair is drawn as two
# segments through R's node, R is marked; with 60 more peers the grouped
# view counts the relayed pair, and the group opened draws it through R.
. "$(dirname "$0")/lib.sh"

need node chromium
[ -d "$T_ROOT/node_modules/playwright-core" ] || skip "playwright-core is not installed (make deps)"
stack_start

out=$T_TMP/browser.out
URL=$URL ADMIN_PASS=$ADMIN_PASS NODE_EXTRA_CA_CERTS=$CACERT SHOT=$T_ROOT/tests/out/t4680-relay-graph.png \
    node "$T_ROOT/tests/browser/relay-graph.mjs" >"$out" 2>&1
rc=$?
cat "$out"
[ $rc -eq 0 ] && ok "the relay graph walk passed" || fail "the relay graph walk failed (exit $rc)"
