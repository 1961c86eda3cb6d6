#!/bin/sh
# SPDX-License-Identifier: MIT
# Big pairings run as the server's background job, with progress in the
# page (issues 19 and 20): "Select all matching" + "Pair with each other"
# on 201 peers (20,100 pairs) asks in a dialog that says how many and how,
# tags them and adds one rule instead of 20,100 pair requests (a peer that
# cannot be tagged is said to be left out); the page shows the job's
# progress until it is done, and every pair exists in the API. A rule
# added elsewhere (the API) shows its job in the open page too; 45 pairs
# are still made one request each.
. "$(dirname "$0")/lib.sh"

need node chromium
[ -d "$T_ROOT/node_modules/playwright-core" ] || skip "playwright-core is not installed (make deps)"
stack_start

out=$T_TMP/browser.out
URL=$URL ADMIN_PASS=$ADMIN_PASS NODE_EXTRA_CA_CERTS=$CACERT SHOT=$T_ROOT/tests/out/t4690-jobs.png \
    node "$T_ROOT/tests/browser/jobs.mjs" >"$out" 2>&1
rc=$?
cat "$out"
[ $rc -eq 0 ] && ok "the background pairing walk passed" || fail "the background pairing walk failed (exit $rc)"
