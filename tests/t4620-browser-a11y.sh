#!/bin/sh
# SPDX-License-Identifier: MIT
# Accessibility of the admin UI: axe-core on every view (and the edit
# dialog with an invalid field), light and dark theme, desktop and phone
# size; fails on any serious or critical violation. Also the skip link, the
# focus after picking a peer and the focus ring on an invalid field.
. "$(dirname "$0")/lib.sh"

need node chromium
[ -d "$T_ROOT/node_modules/playwright-core" ] || skip "playwright-core is not installed (make deps)"
[ -d "$T_ROOT/node_modules/axe-core" ] || skip "axe-core is not installed (make deps)"
stack_start

out=$T_TMP/browser.out
URL=$URL ADMIN_PASS=$ADMIN_PASS NODE_EXTRA_CA_CERTS=$CACERT \
    node "$T_ROOT/tests/browser/a11y.mjs" >"$out" 2>&1
rc=$?
cat "$out"
[ $rc -eq 0 ] && ok "the accessibility walk passed" || fail "the accessibility walk failed (exit $rc)"
