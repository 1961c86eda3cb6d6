#!/bin/sh
# SPDX-License-Identifier: MIT
# t2000-bad-input: every kind of bad request, through nginx to the real
# responders, gets its 4xx with a JSON error body AND leaves the database
# exactly as it was (sqlite3 .dump before and after); the responders that
# answered them are the same processes afterwards and /health still answers.
# Then malformed Content-Length, oversized bodies and random bytes straight
# on the FastCGI socket.
. "$(dirname "$0")/lib.sh"
need sqlite3
stack_start

# A mesh to aim at: an accepted peer with an address and a network, a
# second accepted one, a pending one, an invite.
register taken 192.0.2.1:51820 || die "register"
ID=$PEER_ID TOK=$PEER_TOKEN TAKEN_KEY=$PEER_PUB
api -a POST "/admin/peers/$ID/accept" '{"address":"10.77.0.10","networks":["192.168.10.0/24"]}'
expect_status 200 || die "accept"
register second 192.0.2.2:51820 || die "register"
ID2=$PEER_ID
api -a POST "/admin/peers/$ID2/accept" '{}'
expect_status 200 || die "accept"
register waiting || die "register"
PENDING=$PEER_ID
api -a POST /admin/invites '{}'
expect_status 201 || die "invite"
api -b "$TOK" GET /peer/config
expect_status 200 || die "config"

LONG=$(printf '%064d' 0 | tr 0 a)
HUGE_HOST=$(printf '%0300d' 0 | tr 0 h)
DEEP=$(printf '%0200d' 0 | tr 0 '[')$(printf '%0200d' 0 | tr 0 ']')
BAD_UTF8=$(printf 'n\377\376me')
OVERLONG=$(printf '\300\256')            # '.' in two bytes
OVERLONG3=$(printf '\340\200\257')       # '/' in three bytes
CESU=$(printf '\355\240\200')            # a surrogate, CESU-8
ABOVE=$(printf '\364\220\200\200')       # U+110000
KEY31=$(head -c 31 /dev/urandom | base64)
KEY33=$(head -c 33 /dev/urandom | base64)
KEY_URLSAFE=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_')
case $KEY_URLSAFE in *-* | *_*) ;; *) KEY_URLSAFE="_${KEY_URLSAFE#?}" ;; esac

# STATUS|CODE|AUTH|METHOD|PATH|BODY   (CODE "-": any code; AUTH: - a p)
# @KEY@ is a fresh valid public key each time.
cat >"$T_TMP/cases" <<CASES
400|invalid_name|-|POST|/register|{"name":"","public_key":"@KEY@","endpoint":null}
400|invalid_name|-|POST|/register|{"name":"a b","public_key":"@KEY@","endpoint":null}
400|invalid_name|-|POST|/register|{"name":"$LONG","public_key":"@KEY@","endpoint":null}
400|invalid_name|-|POST|/register|{"name":"<script>","public_key":"@KEY@","endpoint":null}
400|invalid_name|-|POST|/register|{"name":"../etc","public_key":"@KEY@","endpoint":null}
400|invalid_name|-|POST|/register|{"name":"caf\u00e9","public_key":"@KEY@","endpoint":null}
400|-|-|POST|/register|{"name":"a\u0000b","public_key":"@KEY@","endpoint":null}
400|-|-|POST|/register|{"name":"$BAD_UTF8","public_key":"@KEY@","endpoint":null}
400|json_invalid|-|POST|/register|{"name":"a${OVERLONG}b","public_key":"@KEY@","endpoint":null}
400|json_invalid|-|POST|/register|{"name":"a${OVERLONG3}b","public_key":"@KEY@","endpoint":null}
400|json_invalid|-|POST|/register|{"name":"a${CESU}b","public_key":"@KEY@","endpoint":null}
400|json_invalid|-|POST|/register|{"name":"a${ABOVE}b","public_key":"@KEY@","endpoint":null}
400|json_invalid|-|POST|/register|{"name":"a\ud800b","public_key":"@KEY@","endpoint":null}
400|json_invalid|-|POST|/register|{"name":"a\udc00","public_key":"@KEY@","endpoint":null}
400|json_invalid|a|PATCH|/admin/peers/$ID|{"name":"x${CESU}"}
400|json_invalid|p|PUT|/peer/endpoint|{"endpoint":"h${OVERLONG}st:51820"}
400|-|-|POST|/register|{"name":42,"public_key":"@KEY@","endpoint":null}
400|-|-|POST|/register|{"name":null,"public_key":"@KEY@","endpoint":null}
400|-|-|POST|/register|{"public_key":"@KEY@","endpoint":null}
400|invalid_public_key|-|POST|/register|{"name":"k","public_key":"abc","endpoint":null}
400|invalid_public_key|-|POST|/register|{"name":"k","public_key":"$KEY31","endpoint":null}
400|invalid_public_key|-|POST|/register|{"name":"k","public_key":"$KEY33","endpoint":null}
400|invalid_public_key|-|POST|/register|{"name":"k","public_key":"$KEY_URLSAFE","endpoint":null}
400|invalid_public_key|-|POST|/register|{"name":"k","public_key":"!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!=","endpoint":null}
400|invalid_public_key|-|POST|/register|{"name":"k","public_key":" @KEY@","endpoint":null}
400|invalid_public_key|-|POST|/register|{"name":"k","public_key":"","endpoint":null}
400|-|-|POST|/register|{"name":"k","public_key":"@KEY@\u0000x","endpoint":null}
400|-|-|POST|/register|{"name":"k","public_key":12,"endpoint":null}
400|-|-|POST|/register|{"name":"k","endpoint":null}
409|public_key_taken|-|POST|/register|{"name":"again","public_key":"$TAKEN_KEY","endpoint":null}
400|invalid_endpoint|-|POST|/register|{"name":"e","public_key":"@KEY@","endpoint":"host"}
400|invalid_endpoint|-|POST|/register|{"name":"e","public_key":"@KEY@","endpoint":"host:"}
400|invalid_endpoint|-|POST|/register|{"name":"e","public_key":"@KEY@","endpoint":":51820"}
400|invalid_endpoint|-|POST|/register|{"name":"e","public_key":"@KEY@","endpoint":"192.0.2.9:0"}
400|invalid_endpoint|-|POST|/register|{"name":"e","public_key":"@KEY@","endpoint":"192.0.2.9:65536"}
400|invalid_endpoint|-|POST|/register|{"name":"e","public_key":"@KEY@","endpoint":"192.0.2.9:-1"}
400|invalid_endpoint|-|POST|/register|{"name":"e","public_key":"@KEY@","endpoint":"192.0.2.9:51820x"}
400|invalid_endpoint|-|POST|/register|{"name":"e","public_key":"@KEY@","endpoint":"192.0.2.9:99999999999999999999"}
400|invalid_endpoint|-|POST|/register|{"name":"e","public_key":"@KEY@","endpoint":"[::1:51820"}
400|invalid_endpoint|-|POST|/register|{"name":"e","public_key":"@KEY@","endpoint":"[zz::1]:51820"}
400|invalid_endpoint|-|POST|/register|{"name":"e","public_key":"@KEY@","endpoint":"a b:51820"}
400|-|-|POST|/register|{"name":"e","public_key":"@KEY@","endpoint":"192.0.2.9:51820\u0000x"}
400|invalid_endpoint|-|POST|/register|{"name":"e","public_key":"@KEY@","endpoint":"$HUGE_HOST:51820"}
400|-|-|POST|/register|{"name":"e","public_key":"@KEY@","endpoint":51820}
400|-|-|POST|/register|{"name":"e","public_key":"@KEY@","endpoint":null,"listen_port":0}
400|-|-|POST|/register|{"name":"e","public_key":"@KEY@","endpoint":null,"listen_port":65536}
400|-|-|POST|/register|{"name":"e","public_key":"@KEY@","endpoint":null,"listen_port":-1}
400|-|-|POST|/register|{"name":"e","public_key":"@KEY@","endpoint":null,"listen_port":"51820"}
400|-|-|POST|/register|{"name":"e","public_key":"@KEY@","endpoint":null,"listen_port":1.5}
400|-|-|POST|/register|{"name":"e","public_key":"@KEY@","endpoint":null,"listen_port":4294967297}
403|invite_invalid|-|POST|/register|{"name":"e","public_key":"@KEY@","endpoint":null,"invite":"nope"}
400|unknown_field|-|POST|/register|{"name":"u","public_key":"@KEY@","endpoint":null,"state":"accepted"}
400|unknown_field|-|POST|/register|{"name":"u","public_key":"@KEY@","endpoint":null,"id":"0000000000000000"}
400|json_duplicate_key|-|POST|/register|{"name":"d","name":"e","public_key":"@KEY@","endpoint":null}
400|json_duplicate_key|-|POST|/register|{"name":"d","public_key":"@KEY@","public_key":"@KEY@","endpoint":null}
400|json_invalid|-|POST|/register|{
400|json_invalid|-|POST|/register|{"name":"t","public_key":"@KEY@","endpoint":null,}
400|json_invalid|-|POST|/register|{"name":"t","public_key":"@KEY@","endpoint":null}x
400|json_invalid|-|POST|/register|{"name":"t","public_key":"@KEY@","endpoint":null}{}
400|json_invalid|-|POST|/register|{'name':'t'}
400|-|-|POST|/register|[]
400|-|-|POST|/register|"register me"
400|-|-|POST|/register|null
400|-|-|POST|/register|{"name":$DEEP,"public_key":"@KEY@","endpoint":null}
400|-|-|POST|/register|
405|method_not_allowed|-|GET|/register|
405|method_not_allowed|-|DELETE|/health|
405|method_not_allowed|-|PUT|/peer/config|{}
405|method_not_allowed|a|PUT|/admin/peers|{}
405|method_not_allowed|a|POST|/admin/network|{}
404|not_found|-|GET|/nope|
404|not_found|-|GET|/health/|
404|not_found|-|GET|/peer/config/x|
404|not_found|-|GET|/api/v2/health|
404|not_found|-|GET|/|
404|-|a|GET|/admin/peers/$ID/bogus|
404|-|a|GET|/admin/peers/0000000000000000|
404|-|a|POST|/admin/peers/0000000000000000/accept|{}
400|invalid_state|a|GET|/admin/peers?state=bogus|
400|invalid_parameter|a|GET|/admin/peers?state=$LONG|
400|invalid_parameter|a|GET|/admin/peers?state=pending$LONG|
400|unknown_parameter|a|GET|/admin/peers?bogus=1|
400|unknown_parameter|a|GET|/admin/peers?State=pending|
400|duplicate_parameter|a|GET|/admin/peers?state=pending&state=pending|
400|invalid_query|a|GET|/admin/peers?&state=pending|
400|unknown_parameter|-|GET|/health?x=1|
400|unknown_parameter|p|GET|/peer/config?revision=1|
400|unknown_parameter|a|GET|/admin/audit?limit=5&offset=1|
400|duplicate_parameter|a|GET|/admin/audit?limit=5&limit=6|
400|invalid_parameter|a|GET|/admin/audit?before=$LONG|
400|unknown_parameter|-|POST|/register?invite=x|{"name":"q","public_key":"@KEY@","endpoint":null}
400|-|a|POST|/admin/peers/$PENDING/accept|{"address":"10.77.0.1000"}
409|-|a|POST|/admin/peers/$PENDING/accept|{"address":"10.99.0.5"}
409|address_taken|a|POST|/admin/peers/$PENDING/accept|{"address":"10.77.0.10"}
400|-|a|POST|/admin/peers/$PENDING/accept|{"networks":["10.0.0.0/33"]}
400|-|a|POST|/admin/peers/$PENDING/accept|{"networks":"10.0.0.0/8"}
409|network_overlap|a|POST|/admin/peers/$PENDING/accept|{"networks":["192.168.10.128/25"]}
409|network_overlap|a|POST|/admin/peers/$PENDING/accept|{"networks":["192.168.0.0/16"]}
400|unknown_field|a|POST|/admin/peers/$PENDING/accept|{"state":"accepted"}
400|json_duplicate_key|a|POST|/admin/peers/$PENDING/accept|{"name":"a","name":"b"}
409|not_pending|a|POST|/admin/peers/$ID/reject|
400|invalid_name|a|PATCH|/admin/peers/$ID|{"name":"no spaces"}
400|unknown_field|a|PATCH|/admin/peers/$ID|{"public_key":"@KEY@"}
400|-|a|PATCH|/admin/peers/$ID|{"keepalive":-1}
400|-|a|PATCH|/admin/peers/$ID|{"keepalive":65536}
400|-|a|PATCH|/admin/peers/$ID|{"listen_port":0}
400|invalid_endpoint|a|PATCH|/admin/peers/$ID|{"endpoint":"192.0.2.1:65536"}
409|address_taken|a|PATCH|/admin/peers/$ID2|{"address":"10.77.0.10"}
409|-|a|PATCH|/admin/peers/$ID2|{"address":"172.16.0.1"}
409|network_overlap|a|PATCH|/admin/peers/$ID2|{"networks":["192.168.10.0/24"]}
400|pair_self|a|PUT|/admin/pairs/$ID/$ID|
404|-|a|PUT|/admin/pairs/$ID/0000000000000000|
409|peer_pending|a|PUT|/admin/pairs/$ID/$PENDING|
404|not_paired|a|DELETE|/admin/pairs/$ID/$ID2|
400|-|a|PUT|/admin/network|{"ipv4_pool":"10.0.0.0/33"}
400|-|a|PUT|/admin/network|{"ipv4_pool":"banana"}
400|-|a|PUT|/admin/network|{"ipv6_pool":"10.0.0.0/8"}
400|-|a|PUT|/admin/network|{"mtu":100}
400|-|a|PUT|/admin/network|{"mtu":100000}
400|-|a|PUT|/admin/network|{"keepalive":-1}
400|-|a|PUT|/admin/network|{"dns":["not an address"]}
400|-|a|PUT|/admin/network|{"dns":"192.0.2.53"}
400|unknown_field|a|PUT|/admin/network|{"revision":0}
409|-|a|PUT|/admin/network|{"ipv4_pool":"172.31.0.0/24"}
400|-|a|POST|/admin/invites|{"uses":0}
400|-|a|POST|/admin/invites|{"uses":-1}
400|-|a|POST|/admin/invites|{"uses":"1"}
400|-|a|POST|/admin/invites|{"expires_in":0}
400|-|a|POST|/admin/invites|{"expires_in":-5}
400|unknown_field|a|POST|/admin/invites|{"code":"mine"}
404|-|a|DELETE|/admin/invites/nope|
400|-|a|GET|/admin/audit?limit=abc|
400|-|a|GET|/admin/audit?limit=0|
400|-|a|GET|/admin/audit?limit=-1|
400|-|a|GET|/admin/audit?limit=1000000|
400|-|a|GET|/admin/audit?before=x|
400|invalid_endpoint|p|PUT|/peer/endpoint|{"endpoint":"nowhere"}
400|invalid_endpoint|p|PUT|/peer/endpoint|{"endpoint":"192.0.2.1:0"}
400|-|p|PUT|/peer/endpoint|{}
400|unknown_field|p|PUT|/peer/endpoint|{"endpoint":null,"name":"x"}
400|json_invalid|p|PUT|/peer/endpoint|{"endpoint":
400|body_unexpected|p|GET|/peer|{}
CASES

n=0
while IFS='|' read -r want code auth m p b; do
	[ -n "$want" ] || continue
	n=$((n + 1))
	case $b in *@KEY@*) keypair; b=$(printf '%s' "$b" | sed "s|@KEY@|$PUB|g") ;; esac
	set --
	dumper=db_dump
	case $auth in
	a) set -- -a ;;
	p) set -- -b "$TOK"; dumper=db_dump_but_last_seen ;;
	esac
	case $p in /api/*) set -- "$@" -r ;; /) set -- "$@" -r; p=/api/v1/ ;; esac
	before=$($dumper)
	if [ -n "$b" ] || [ "$m" != GET ] && [ "$m" != DELETE ]; then
		api "$@" "$m" "$p" "$b"
	else
		api "$@" "$m" "$p"
	fi
	if [ "$code" = - ]; then expect_error "$want"; else expect_error "$want" "$code"; fi
	expect_db_unchanged "$before" "$dumper"
done <"$T_TMP/cases"
say "# $n bad requests through nginx"

# The register path spelled every other way, through the production nginx
# example: the responder routes on exactly the path nginx located, so each is
# either the register route itself (its handler answers the empty body with
# 400 missing_field, or its query check with 400) or nothing at all (404,
# or nginx's own refusal) -- never another route. "%3F" was the hole: nginx
# decodes it into $uri, so the request missed the rate-limited location,
# and the responder cut the path at the '?' and registered anyway.
# WANT|PATH   (WANT: 404 = the responder's not_found, handler, query,
#              nginx = an error nginx makes itself, auth = the UI's password)
cat >"$T_TMP/paths" <<'PATHS'
404|/api/v1/register%3F
404|/api/v1/register%3f
404|/api/v1/register%3Fx=1
404|/api/v1/register%3F%3F
404|/api/v1/register%23
404|/api/v1/register%23x
404|/api/v1/register/
404|/api/v1/register//
404|/api/v1/register/.
404|/api/v1/register%2F
404|/api/v1/REGISTER
404|/api/v1/Register
404|/api/V1/register
404|/api/v1/register%20
404|/api/v1/register.
404|/api/v1/register;x
404|/api/v1/register%3B
404|/api/v1/register/x/..%3F
handler|/api/v1/register
handler|/api/v1//register
handler|//api/v1/register
handler|/api/v1/./register
handler|/api/v1/x/../register
handler|/api/v1%2Fregister
handler|/api%2Fv1%2Fregister
handler|/api/v1/regist%65r
handler|/api/v1/%72egister
query|/api/v1/register?%3F
query|/api/v1/register?x=1
nginx|/api/v1/register%00
nginx|/api/v1/../../api/v1/register/..%2F..%2F..%2F..
auth|/API/v1/register
auth|/Api/v1/register
PATHS
before=$(db_dump)
n=0
while IFS='|' read -r want p; do
	[ -n "$p" ] || continue
	n=$((n + 1))
	STATUS=$(curl -sS --path-as-is --cacert "$CACERT" --max-time 20 -X POST \
	    -H 'Content-Type: application/json' --data-binary '{}' \
	    -o "$T_TMP/resp-body" -w '%{http_code}' "$URL$p" 2>"$T_TMP/curl.err") || STATUS=000
	BODY=$(cat "$T_TMP/resp-body" 2>/dev/null)
	code=$(printf '%s' "$BODY" | jq -r '.error.code // empty' 2>/dev/null)
	got="$STATUS $code"
	case $want in
	404) expected="404 not_found" ;;
	handler) expected="400 missing_field" ;;
	query) expected="400 unknown_parameter" ;;
	nginx) expected="400 " ;;
	auth) expected="401 " ;;
	esac
	[ "$got" = "$expected" ] && ok "POST $p -> $got" ||
	    fail "POST $p -> $got, want $expected ($want): $BODY"
done <"$T_TMP/paths"
expect_db_unchanged "$before"
say "# $n spellings of the register path through nginx"

# Bodies past 64 KiB: nginx refuses them (JSON error), and so does the
# responder itself when reached directly.
head -c 70000 /dev/zero | tr '\0' ' ' >"$T_TMP/big"
before=$(db_dump)
api -f "$T_TMP/big" POST /register
expect_error 413
api -a -f "$T_TMP/big" PUT /admin/network
expect_error 413
api -b "$TOK" -f "$T_TMP/big" PUT /peer/endpoint
expect_error 413
expect_db_unchanged "$before"

# Straight on the socket: what nginx would never let through.
before=$(db_dump)
fcgi CONTENT_TYPE=application/json POST /api/v1/register "$(head -c 65537 /dev/zero | tr '\0' ' ')"
expect_error 413 body_too_large
fcgi CONTENT_TYPE=application/json CONTENT_LENGTH=999999999 POST /api/v1/register '{}'
expect_error 413
fcgi CONTENT_TYPE=application/json CONTENT_LENGTH=abc POST /api/v1/register '{}'
expect_error 400
fcgi CONTENT_TYPE=application/json CONTENT_LENGTH=-1 POST /api/v1/register '{}'
expect_error 400
fcgi CONTENT_TYPE=application/json CONTENT_LENGTH=100 POST /api/v1/register '{"name":"short"}'
expect_error 400
fcgi CONTENT_TYPE=application/json REQUEST_METHOD= POST /api/v1/health
case $STATUS in 4??) ok "no method: $STATUS" ;; *) fail "no method: $STATUS" ;; esac
fcgi CONTENT_TYPE=application/json DOCUMENT_URI= REQUEST_URI= GET ''
case $STATUS in 4??) ok "no path: $STATUS" ;; *) fail "no path: $STATUS" ;; esac
expect_db_unchanged "$before"

# Random bytes as bodies of every kind of write.
before=$(db_dump_but_last_seen)
i=0
while [ $i -lt 40 ]; do
	head -c $((i * 37 + 1)) /dev/urandom >"$T_TMP/rand"
	case $((i % 4)) in
	0) api -f "$T_TMP/rand" POST /register ;;
	1) api -a -f "$T_TMP/rand" PATCH "/admin/peers/$ID" ;;
	2) api -a -f "$T_TMP/rand" PUT /admin/network ;;
	3) api -b "$TOK" -f "$T_TMP/rand" PUT /peer/endpoint ;;
	esac
	case $STATUS in 4??) ;; *) fail "random body $i: $STATUS $BODY" ;; esac
	i=$((i + 1))
done
ok "40 random bodies answered with 4xx"
expect_db_unchanged "$before" db_dump_but_last_seen

# The same responders answered everything, and still do.
expect_responders_alive
api -b "$TOK" GET /peer/config
expect_status 200 "the mesh still serves configs"
