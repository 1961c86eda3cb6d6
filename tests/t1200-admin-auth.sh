#!/bin/sh
# SPDX-License-Identifier: MIT
# t1200-admin-auth: every admin route needs the admin password at nginx (401
# and a JSON error without it, however the path is spelled); the responder
# itself refuses admin routes with 403 when REMOTE_USER is empty (straight
# to its FastCGI socket, and as plain CGI), so a misconfigured nginx fails
# closed; Basic credentials never make an admin outside the admin location;
# peers need a valid bearer token.
. "$(dirname "$0")/lib.sh"
stack_start

register peer1 192.0.2.1:51820 || die "register"
P1=$PEER_ID P1_TOK=$PEER_TOKEN

# --- nginx: no password, no admin route
for r in "GET /admin/peers" "GET /admin/peers/$P1" "PATCH /admin/peers/$P1" \
    "DELETE /admin/peers/$P1" "POST /admin/peers/$P1/accept" "POST /admin/peers/$P1/reject" \
    "GET /admin/peers/$P1/config" "GET /admin/pairs" "PUT /admin/pairs/$P1/0000000000000000" \
    "DELETE /admin/pairs/$P1/0000000000000000" "GET /admin/network" "PUT /admin/network" \
    "GET /admin/invites" "POST /admin/invites" "DELETE /admin/invites/x" "GET /admin/audit"; do
	# shellcheck disable=SC2086
	set -- $r
	case $1 in GET) api "$1" "$2" ;; *) api "$1" "$2" '{}' ;; esac
	expect_error 401 unauthorized
done
api -u admin:wrong GET /admin/peers
expect_error 401
api -u "admin:${ADMIN_PASS}x" GET /admin/peers
expect_error 401
api -b "$P1_TOK" GET /admin/peers
expect_error 401 "" "a peer token is no admin password"

# Spellings of the admin path that must not slip past auth_basic.
for p in /api/v1/admin /api/v1/admin/ /api/v1//admin/peers /api/v1/./admin/peers \
    /api/v1/%61dmin/peers /api/v1/peer/../admin/peers /api/v1/adminx /api//v1/admin/peers \
    /api/v1/admin/peers%2f..%2f..%2fnetwork; do
	code=$(curl -s --path-as-is --cacert "$CACERT" -o "$T_TMP/out" -w '%{http_code}' "$URL$p")
	case $code in
	401 | 404 | 400) ok "$p without a password: $code" ;;
	*) fail "$p without a password: $code $(head -c 200 "$T_TMP/out")" ;;
	esac
	grep -q '"peers"' "$T_TMP/out" && fail "$p lists peers without a password"
done

# --- Basic credentials outside the admin location are ignored
api -u "admin:$ADMIN_PASS" GET /peer
expect_error 401 unauthorized "admin credentials are no peer token"
keypair
api -u admin:not-checked POST /register "{\"name\":\"sneaky\",\"public_key\":\"$PUB\",\"endpoint\":null}"
expect_status 201
SNEAKY=$(jqr .id)
api -a GET '/admin/audit?limit=50'
expect_true "[.entries[] | select(.target == \"$SNEAKY\") | .actor] | all(startswith(\"admin:\") | not)" \
    "an unchecked Basic header on /register is not taken as an admin"

# --- the responder fails closed without REMOTE_USER
before=$(db_dump)
fcgi GET /api/v1/admin/peers
expect_error 403 admin_required
fcgi REMOTE_USER= GET /api/v1/admin/peers
expect_error 403 admin_required
fcgi CONTENT_TYPE=application/json POST "/api/v1/admin/peers/$P1/accept" '{}'
expect_error 403 admin_required
fcgi CONTENT_TYPE=application/json DELETE "/api/v1/admin/peers/$P1"
expect_error 403 admin_required
fcgi CONTENT_TYPE=application/json PUT /api/v1/admin/network '{"mtu":1300}'
expect_error 403 admin_required
expect_db_unchanged "$before"
# The same request with REMOTE_USER set works: the 403 above is about it.
fcgi REMOTE_USER=admin GET /api/v1/admin/peers
expect_status 200 "with REMOTE_USER the socket answers"
expect_true '.peers | type == "array"'

cgi GET /api/v1/admin/peers
expect_error 403 admin_required
cgi REMOTE_USER= GET /api/v1/admin/network
expect_error 403 admin_required
cgi CONTENT_TYPE=application/json POST /api/v1/admin/invites '{}'
expect_error 403 admin_required
expect_db_unchanged "$before"
cgi REMOTE_USER=admin GET /api/v1/admin/network
expect_status 200 "as CGI with REMOTE_USER"

# --- peers: bearer tokens only
api GET /peer
expect_error 401 unauthorized
expect_header WWW-Authenticate '^Bearer'
api -b "" GET /peer
expect_error 401
api -b "$P1" GET /peer
expect_error 401 "" "the id alone"
api -b "$P1.0000000000000000000000000000000000000000000000000000000000000000" GET /peer
expect_error 401 "" "the id with a wrong secret"
api -b "${P1_TOK}x" GET /peer
expect_error 401 "" "the token with a byte more"
api -b "$(echo "$P1_TOK" | sed 's/.$//')" GET /peer
expect_error 401 "" "the token with a byte less"
api -h "Authorization: Basic $(printf 'x:%s' "$P1_TOK" | base64 -w0)" GET /peer
expect_error 401 "" "the token as Basic credentials"
api -h "Authorization: bearer $P1_TOK" GET /peer
case $STATUS in 200 | 401) ok "lower-case bearer scheme: $STATUS" ;; *) fail "lower-case bearer: $STATUS" ;; esac
api -b "$P1_TOK" GET /peer
expect_status 200
expect_str .id "$P1"

expect_responders_alive
