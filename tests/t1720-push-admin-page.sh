#!/bin/sh
# SPDX-License-Identifier: MIT
# t1720-push-admin-page: with push, the admin page hears of changes made
# elsewhere (a registration, another admin's accept) through the admin
# channel and shows them without a reload, and reads nothing while nothing
# changes (tests/browser/live.mjs).
. "$(dirname "$0")/lib.sh"
[ -r /usr/lib/nginx/modules/ngx_nchan_module.so ] ||
    skip "nginx's Nchan module is not installed (libnginx-mod-nchan; make deps)"
need node chromium
[ -d "$T_ROOT/node_modules/playwright-core" ] || skip "playwright-core is not installed (make deps)"
stack_start

out=$T_TMP/browser.out
URL=$URL ADMIN_PASS=$ADMIN_PASS NODE_EXTRA_CA_CERTS=$CACERT \
SHOT=$T_ROOT/tests/out/t1720-live.png node "$T_ROOT/tests/browser/live.mjs" >"$out" 2>&1
rc=$?
cat "$out"
[ $rc -eq 0 ] && ok "the live walk passed" || fail "the live walk failed (exit $rc)"
