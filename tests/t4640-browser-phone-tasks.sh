#!/bin/sh
# SPDX-License-Identifier: MIT
# The peer list on a phone (390 px) with more peers than a screen: the
# first card on the first screen (filters folded behind one control), the
# bulk bar on screen after ticking a card at the bottom, every target of
# the list 44 px, row checkboxes included.
. "$(dirname "$0")/lib.sh"

need node chromium
[ -d "$T_ROOT/node_modules/playwright-core" ] || skip "playwright-core is not installed (make deps)"
stack_start

out=$T_TMP/browser.out
URL=$URL ADMIN_PASS=$ADMIN_PASS NODE_EXTRA_CA_CERTS=$CACERT SHOT=$T_ROOT/tests/out/t4640-phone.png \
    node "$T_ROOT/tests/browser/phone-tasks.mjs" >"$out" 2>&1
rc=$?
cat "$out"
[ $rc -eq 0 ] && ok "the phone walk passed" || fail "the phone walk failed (exit $rc)"
