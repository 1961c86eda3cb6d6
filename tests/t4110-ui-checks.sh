#!/bin/sh
# SPDX-License-Identifier: MIT
# The admin page's field checks (www/util.js), in node: the values the forms
# refuse before sending (MTU '14OO', port '5182O', a bad IPv6 address …)
# and the ones they let through, tags and invite labels as the server takes
# them, the name order, relative times. No page is loaded (util.js runs in
# node), so there is no browser console to watch here; the browser tests
# (t4000-t4500) fail on any console error of the page.
. "$(dirname "$0")/lib.sh"

need node
node "$T_ROOT/tests/browser/checks.mjs" >"$T_TMP/checks.out" 2>&1
rc=$?
cat "$T_TMP/checks.out"
[ $rc -eq 0 ] && ok "the field checks hold" || fail "a field check is wrong (exit $rc)"
