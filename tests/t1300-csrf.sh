#!/bin/sh
# SPDX-License-Identifier: MIT
# t1300-csrf: a browser sends the admin's Basic credentials with any request
# to this origin, also one a hostile page starts. So a state-changing admin
# call needs Content-Type: application/json (415 otherwise: a plain form or
# a "simple" fetch cannot send it) and, when the browser says where the
# request comes from, a same-origin Origin and Sec-Fetch-Site (403
# otherwise). None of the refused requests changes the database; the same
# calls from the UI itself (same origin) and from the CLI (no Origin) work.
# Last, the locations dropped into a server that uses Debian's own
# /etc/nginx/fastcgi_params (HTTP_HOST without the port) on a port other
# than 443: the UI's same-origin change works, another origin is refused.
. "$(dirname "$0")/lib.sh"
stack_start

register target 192.0.2.1:51820 || die "register"
T=$PEER_ID
api -a POST /admin/invites '{"uses":1}'
expect_status 201
INV=$(jqr .id)

# Every state-changing admin route, with a body that would otherwise work.
ROUTES="POST|/admin/peers/$T/accept|{}
POST|/admin/peers/$T/reject|
PATCH|/admin/peers/$T|{\"name\":\"renamed\"}
DELETE|/admin/peers/$T|
PUT|/admin/network|{\"mtu\":1300}
POST|/admin/invites|{}
DELETE|/admin/invites/$INV|
PUT|/admin/pairs/$T/$T|"

each_route() {
	printf '%s\n' "$ROUTES" | while IFS='|' read -r m p b; do
		echo "$m $p $b"
	done >"$T_TMP/routes"
}
each_route

# try EXPECTED_STATUS EXPECTED_CODE api-options...: each route, refused, no change
try() {
	_want=$1 _code=$2
	shift 2
	while read -r m p b; do
		before=$(db_dump)
		if [ -n "$b" ]; then api "$@" "$m" "$p" "$b"; else api "$@" "$m" "$p"; fi
		expect_error "$_want" "$_code"
		expect_db_unchanged "$before"
	done <"$T_TMP/routes"
}

say "# wrong Content-Type -> 415"
try 415 content_type_not_json -a -t text/plain
try 415 content_type_not_json -a -t application/x-www-form-urlencoded
try 415 content_type_not_json -a -t multipart/form-data
try 415 content_type_not_json -a -t -
try 415 content_type_not_json -a -t application/jsonp
try 415 content_type_not_json -a -t text/json

say "# cross-site -> 403"
try 403 cross_site_request -a -h "Origin: https://evil.example"
try 403 cross_site_request -a -h "Origin: null"
try 403 cross_site_request -a -h "Origin: http://127.0.0.1:$PORT"
try 403 cross_site_request -a -h "Origin: https://127.0.0.1:$((PORT + 1))"
try 403 cross_site_request -a -h "Origin: https://127.0.0.1:$PORT.evil.example"
try 403 cross_site_request -a -h "Sec-Fetch-Site: cross-site"
try 403 cross_site_request -a -h "Sec-Fetch-Site: same-site"
try 403 cross_site_request -a -h "Origin: https://127.0.0.1:$PORT" -h "Sec-Fetch-Site: cross-site"
try 403 cross_site_request -a -h "Origin: https://evil.example" -h "Sec-Fetch-Site: same-origin"

# Reading is allowed cross-site (the browser keeps the answer from the
# page: no CORS header is ever sent).
api -a -h "Origin: https://evil.example" -h "Sec-Fetch-Site: cross-site" GET /admin/peers
expect_status 200
[ -z "$(header Access-Control-Allow-Origin)" ] && ok "no CORS header" ||
    fail "Access-Control-Allow-Origin: $(header Access-Control-Allow-Origin)"
api -a -h "Origin: https://evil.example" -h "Access-Control-Request-Method: POST" OPTIONS /admin/invites
[ -z "$(header Access-Control-Allow-Origin)" ] && ok "a preflight is not granted ($STATUS)" ||
    fail "a CORS preflight is granted"

# The UI (same origin, as a browser sends it) and the CLI (no Origin) work.
api -a -h "Origin: https://127.0.0.1:$PORT" -h "Sec-Fetch-Site: same-origin" \
    PATCH "/admin/peers/$T" '{"name":"from-the-ui"}'
expect_status 200 "a same-origin change from the UI"
api -a -t 'application/json; charset=utf-8' PATCH "/admin/peers/$T" '{"name":"from-the-cli"}'
expect_status 200 "a change from the CLI with a charset parameter"
api -a -h "Sec-Fetch-Site: none" PATCH "/admin/peers/$T" '{"name":"typed-url"}'
expect_status 200 "Sec-Fetch-Site: none (the user's own action)"
api -a -h "Origin: https://127.0.0.1:$PORT" DELETE "/admin/invites/$INV"
expect_status 204 "a same-origin DELETE"

# ------------------------------------------------------------------------
# Debian's stock fastcgi_params on a non-default port: the production site
# with the include an existing server would have, a second nginx in front
# of the same responders (stock_start).
say "# Debian's /etc/nginx/fastcgi_params on a port other than 443"
stock_start
[ "$STOCK_HOST_PORTLESS" = 1 ] && ok "this fastcgi_params sends HTTP_HOST as \$host (no port)" ||
    say "# note: this fastcgi_params does not send HTTP_HOST as \$host"
PORT2=$STOCK_PORT
URL2=$STOCK_URL

register debian 192.0.2.7:51820 || die "register"
D=$PEER_ID
api -a -h "Origin: $URL2" -h "Sec-Fetch-Site: same-origin" \
    PATCH "$URL2/api/v1/admin/peers/$D" '{"name":"from-the-ui-elsewhere"}'
expect_status 200 "a same-origin change through the stock fastcgi_params on port $PORT2"
expect_str .name from-the-ui-elsewhere
for o in "https://127.0.0.1:$PORT" "https://127.0.0.1:$((PORT2 + 1))" "http://127.0.0.1:$PORT2" \
    "https://localhost:$PORT2" "https://evil.example:$PORT2"; do
	before=$(db_dump)
	api -a -h "Origin: $o" PATCH "$URL2/api/v1/admin/peers/$D" '{"name":"cross"}'
	expect_error 403 cross_site_request
	expect_db_unchanged "$before"
done
api -a -h "Origin: $URL2" DELETE "$URL2/api/v1/admin/peers/$D"
expect_status 204 "a same-origin DELETE through the stock fastcgi_params"
stock_stop

expect_responders_alive
