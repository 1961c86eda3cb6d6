#!/bin/sh
# SPDX-License-Identifier: MIT
# Tags and rules in the admin UI (headless Chromium, the real stack): a peer
# tagged in its dialog and two in bulk, a rule added in the page makes the
# pairs (the API and both ends' configs have them), each peer shows why it
# is paired (rule or explicit), a pair only a rule makes cannot be unticked,
# deleting the rule in the page removes its pairs and keeps the
# explicit one, the audit log names the rule; it fits a phone. No console
# error.
. "$(dirname "$0")/lib.sh"

need node chromium
[ -d "$T_ROOT/node_modules/playwright-core" ] || skip "playwright-core is not installed (make deps)"
stack_start

out=$T_TMP/browser.out
URL=$URL ADMIN_PASS=$ADMIN_PASS NODE_EXTRA_CA_CERTS=$CACERT SHOT=$T_ROOT/tests/out/t4500-tags.png \
    node "$T_ROOT/tests/browser/tags.mjs" >"$out" 2>&1
rc=$?
cat "$out"
[ $rc -eq 0 ] && ok "the tags and rules walk passed" || fail "the tags and rules walk failed (exit $rc)"
