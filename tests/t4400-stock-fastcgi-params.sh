#!/bin/sh
# SPDX-License-Identifier: MIT
# The admin page in headless Chromium through an nginx whose site uses
# Debian's own `include /etc/nginx/fastcgi_params;` (HTTP_HOST is $host: no
# port) on a random port other than 443, serving the real www/ behind
# auth_basic. A host registers with wgconf through it; the admin logs in,
# accepts the host and renames it. The browser's Origin,
# https://127.0.0.1:PORT, must be taken as this server's (the responder
# falls back on SERVER_PORT); the API shows each change, the audit log names
# the admin, and the page logs no console error.
. "$(dirname "$0")/lib.sh"

need node chromium
[ -d "$T_ROOT/node_modules/playwright-core" ] || skip "playwright-core is not installed (make deps)"
stack_start
stock_start
case $STOCK_URL in
*:443 | *:443/*) die "the stock nginx must not be on 443 ($STOCK_URL)" ;;
esac
[ "$STOCK_HOST_PORTLESS" = 1 ] && ok "Debian's fastcgi_params sends HTTP_HOST as \$host (no port)" ||
    say "# note: this fastcgi_params does not send HTTP_HOST as \$host: the port fallback is not exercised"

# A host registers through the stock nginx with the real client: it waits.
wgc host register --server "$STOCK_URL" --cacert "$CACERT" --name stock-host 192.0.2.44:51820
expect_rc 0 "wgconf registers through the stock fastcgi_params" || die "register: $ERR"
P=$(jq -r .id "$T_TMP/host/state/state.json")
api -a GET "$STOCK_URL/api/v1/admin/peers/$P"
expect_str .state pending

out=$T_TMP/browser.out
URL=$STOCK_URL ADMIN_PASS=$ADMIN_PASS P_ID=$P P_NAME=stock-host NEW_NAME=stock-renamed \
NODE_EXTRA_CA_CERTS=$CACERT SHOT=$T_ROOT/tests/out/t4400-stock.png \
    node "$T_ROOT/tests/browser/stock.mjs" >"$out" 2>&1
rc=$?
cat "$out"
[ $rc -eq 0 ] && ok "the browser walk through the stock fastcgi_params passed" ||
    fail "the browser walk through the stock fastcgi_params failed (exit $rc)"
expect_in "$(cat "$out")" "^# PATCH /api/v1/admin/peers/$P: Origin $(q "$STOCK_URL"), Sec-Fetch-Site same-origin -> 200\$" \
    "the rename went out with Origin $STOCK_URL and was taken"

# What the clicks did, as the API sees it (curl, through the stock nginx).
api -a GET "$STOCK_URL/api/v1/admin/peers/$P"
expect_status 200
expect_str .state accepted
expect_str .name stock-renamed
expect_str .endpoint 192.0.2.44:51820
expect_true '.addresses | length >= 1' "the accepted peer got an address"
api -a GET "$STOCK_URL/api/v1/admin/audit?limit=100"
expect_status 200
for a in peer.accept peer.edit; do
	expect_true "[.entries[] | select(.actor == \"admin:admin\" and .target == \"$P\" and .action == \"$a\")] | length == 1" \
	    "the audit log has the browser's $a, by admin:admin"
done
# The host, waiting until now, is in (exit 3 while pending).
wgc host status
expect_rc 0 "wgconf status of the accepted host, through the stock fastcgi_params"
stock_stop
expect_responders_alive
