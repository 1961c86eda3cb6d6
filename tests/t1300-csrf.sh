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
# Debian's stock fastcgi_params on a non-default port. The production site,
# its spelled-out fastcgi_param block replaced by the include an existing
# server would have; a second nginx in front of the same responders.
say "# Debian's /etc/nginx/fastcgi_params on a port other than 443"
[ -r /etc/nginx/fastcgi_params ] || skip "no /etc/nginx/fastcgi_params (Debian's nginx)"
grep -Eq '^[[:space:]]*fastcgi_param[[:space:]]+HTTP_HOST[[:space:]]+\$host;' \
    /etc/nginx/fastcgi_params && ok "this fastcgi_params sends HTTP_HOST as \$host (no port)" ||
    say "# note: this fastcgi_params does not send HTTP_HOST as \$host"
DEB=$T_TMP/debian
mkdir -p "$DEB/logs" "$DEB/tmp"
PORT2=$(free_port) || die "no free port"
sed -e '/^[[:space:]]*fastcgi_param QUERY_STRING/,/^[[:space:]]*fastcgi_param HTTP_HOST/c\
	include /etc/nginx/fastcgi_params;' \
    -e "s|listen [^;]* ssl http2;|listen 127.0.0.1:$PORT2 ssl http2;|" \
    -e "s|$RUN/logs|$DEB/logs|g" \
    "$RUN/site.conf" >"$DEB/site.conf"
grep -q 'include /etc/nginx/fastcgi_params;' "$DEB/site.conf" || die "no include in $DEB/site.conf"
! grep -q '^[[:space:]]*fastcgi_param ' "$DEB/site.conf" || die "fastcgi_param left in $DEB/site.conf"
sed -e "s|$RUN/site.conf|$DEB/site.conf|" -e "s|$RUN/nginx.pid|$DEB/nginx.pid|" \
    -e "s|$RUN/logs|$DEB/logs|g" -e "s|$RUN/tmp|$DEB/tmp|g" \
    "$RUN/nginx.conf" >"$DEB/nginx.conf"
deb_stop() {
	[ -s "$DEB/nginx.pid" ] && kill "$(cat "$DEB/nginx.pid")" 2>/dev/null
	rm -f "$DEB/nginx.pid"
}
trap 'rc_=$?; deb_stop; (exit $rc_); t_cleanup' EXIT
nginx -e "$DEB/logs/error.log" -p "$DEB" -c "$DEB/nginx.conf" ||
    die "nginx with the stock fastcgi_params did not start: $(tail -n 5 "$DEB/logs/error.log")"
URL2=https://127.0.0.1:$PORT2
i=0
until curl -s -o /dev/null --cacert "$CACERT" "$URL2/api/v1/health" || [ $i -ge 50 ]; do
	sleep 0.1
	i=$((i + 1))
done

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
deb_stop

expect_responders_alive
