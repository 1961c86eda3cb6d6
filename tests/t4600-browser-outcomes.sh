#!/bin/sh
# SPDX-License-Identifier: MIT
# Write outcomes in the admin UI (headless Chromium, the real stack): with
# the responders stopped (SIGSTOP) a save is "not confirmed", and after
# SIGCONT the page reads the peer again and shows what the API has; edit
# reads the peer fresh; a 412 from an unrelated change is saved again on
# the new revision and says so; a peer deleted elsewhere turns Save off;
# with no responder (killed) a save says nothing was done (502).
. "$(dirname "$0")/lib.sh"

need node chromium
[ -d "$T_ROOT/node_modules/playwright-core" ] || skip "playwright-core is not installed (make deps)"
stack_start

out=$T_TMP/browser.out
URL=$URL ADMIN_PASS=$ADMIN_PASS RESPONDER_PIDS=$RESPONDER_PIDS NODE_EXTRA_CA_CERTS=$CACERT \
SHOT=$T_ROOT/tests/out/t4600-outcomes.png \
    node "$T_ROOT/tests/browser/outcomes.mjs" >"$out" 2>&1
rc=$?
cat "$out"
[ $rc -eq 0 ] && ok "the write-outcome walk passed" || fail "the write-outcome walk failed (exit $rc)"
