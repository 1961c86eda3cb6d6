#!/bin/sh
# SPDX-License-Identifier: MIT
# The admin page's field checks (www/util.js), in node: the values the forms
# refuse before sending (MTU '14OO', port '5182O', a bad IPv6 address …)
# and the ones they let through, tags and invite labels as the server takes
# them, the name order, relative times.
. "$(dirname "$0")/lib.sh"

need node
node "$T_ROOT/tests/browser/checks.mjs" >"$T_TMP/checks.out" 2>&1
rc=$?
cat "$T_TMP/checks.out"
[ $rc -eq 0 ] && ok "the field checks hold" || fail "a field check is wrong (exit $rc)"
