#!/bin/sh
# SPDX-License-Identifier: MIT
# t2010-hostile-requests: a table of hostile requests, as an attacker on the
# network would send them through the production nginx example: encoded and
# misspelt paths, loose query strings, overlong UTF-8 and CESU-8, unknown
# and repeated keys, oversize values, bad methods, bad credentials, writes by
# a pending peer, and bad input to the limits' own routes (settings, bulk
# reject). Each gets its expected status (and error code: a JSON error body)
# AND leaves the database exactly as it was (sqlite3 .dump before and
# after); the responders that answered are still the same processes. Then
# the same in the registration modes: invite-only and closed refuse before
# writing anything.
. "$(dirname "$0")/lib.sh"
need sqlite3
stack_start

# The mesh to aim at: accepted A (token TOK) and B, pending P (token PTOK),
# an invite; A has moved its endpoint once.
register alpha 192.0.2.1:51820 || die "register"
A=$PEER_ID TOK=$PEER_TOKEN A_KEY=$PEER_PUB
api -a POST "/admin/peers/$A/accept" '{"networks":["192.168.10.0/24"]}'
expect_status 200 || die "accept"
register bravo 192.0.2.2:51820 || die "register"
B=$PEER_ID BTOK=$PEER_TOKEN
api -a POST "/admin/peers/$B/accept" '{}'
expect_status 200 || die "accept"
api -a PUT "/admin/pairs/$A/$B"
expect_status 201 || die "pair"
register waiting 192.0.2.3:51820 || die "register"
P=$PEER_ID PTOK=$PEER_TOKEN
register leaving || die "register"
GONE_TOK=$PEER_TOKEN
api -b "$GONE_TOK" DELETE /peer
expect_status 204 || die "deregister"
api -a POST /admin/invites '{"uses":3}'
expect_status 201 || die "invite"
CODE=$(jqr .code) INVITE=$(jqr .id)
api -b "$TOK" PUT /peer/endpoint '{"endpoint":"192.0.2.11:51820"}'
expect_status 200 || die "endpoint"

# Bytes no strict UTF-8 parser takes (octal: printf in any POSIX sh).
OVERLONG2=$(printf '\300\256')          # '.' in two bytes
OVERLONG3=$(printf '\340\200\257')      # '/' in three
OVERLONG4=$(printf '\360\200\200\257')  # '/' in four
CESU=$(printf '\355\240\275\355\270\200') # U+1F600 as two surrogates
LONE=$(printf '\355\240\200')           # a lone high surrogate
ABOVE=$(printf '\364\220\200\200')      # U+110000
CONT=$(printf '\200')                   # a continuation byte alone
TRUNC=$(printf '\342\202')              # a cut three-byte sequence
FF=$(printf '\377')
BOM=$(printf '\357\273\277')
C1=$(printf '\302\233')                 # U+009B, CSI: valid UTF-8, no name char
LONG64=$(printf '%064d' 0 | tr 0 n)
LONG1K=$(printf '%01000d' 0 | tr 0 n)
HOST254=$(printf '%0254d' 0 | tr 0 h)
INV129=$(printf '%0129d' 0 | tr 0 i)
KEY10K=$(printf '%010000d' 0 | tr 0 A)
DEEP=$(printf '%020d' 0 | tr 0 '[')1$(printf '%020d' 0 | tr 0 ']')
BIGNUM=1$(printf '%0400d' 0)
IDS1025=$(i=0; while [ $i -lt 1025 ]; do printf '"%016x",' $i; i=$((i + 1)); done | sed 's/,$//')
NETS300=$(i=0; while [ $i -lt 300 ]; do printf '"10.%d.%d.0/24",' $((i / 250 + 100)) $((i % 250)); i=$((i + 1)); done | sed 's/,$//')
DNS9='"192.0.2.53","192.0.2.54","192.0.2.55","192.0.2.56","192.0.2.57","192.0.2.58","192.0.2.59","192.0.2.60","192.0.2.61"'
TOKLONG=$(printf '%04000d' 0 | tr 0 t)
REG='"public_key":"@KEY@","endpoint":null'

# STATUS|CODE|AUTH|METHOD|PATH|BODY
#   CODE: the error code, or "-" for any (the status and a JSON error body
#   are always checked). AUTH: - none, a admin, p accepted peer A, q pending
#   peer P, g a deleted peer's token, u:USER:PASS basic auth, h:HEADER one
#   raw Authorization header. PATH from the server root, sent as it is
#   (curl --path-as-is). @KEY@: a fresh valid public key.
cat >"$T_TMP/cases" <<CASES
404|not_found|-|POST|/api/v1/register%3F|{"name":"q1",$REG}
404|not_found|-|POST|/api/v1/register%3f|{"name":"q2",$REG}
404|not_found|-|POST|/api/v1/register%3Fx=1|{"name":"q3",$REG}
404|not_found|-|POST|/api/v1/register%3F%3F|{"name":"q4",$REG}
404|not_found|-|POST|/api/v1/register%23|{"name":"q5",$REG}
404|not_found|-|POST|/api/v1/register%23frag|{"name":"q6",$REG}
404|not_found|-|POST|/api/v1/register/|{"name":"q7",$REG}
404|not_found|-|POST|/api/v1/register//|{"name":"q8",$REG}
404|not_found|-|POST|/api/v1/register/.|{"name":"q9",$REG}
404|not_found|-|POST|/api/v1/register%2F|{"name":"q10",$REG}
404|not_found|-|POST|/api/v1/register%2f|{"name":"q11",$REG}
404|not_found|-|POST|/api/v1/register%252F|{"name":"q12",$REG}
404|not_found|-|POST|/api/v1/register%2e|{"name":"q13",$REG}
404|not_found|-|POST|/api/v1/register.|{"name":"q14",$REG}
404|not_found|-|POST|/api/v1/register%20|{"name":"q15",$REG}
404|not_found|-|POST|/api/v1/register%09|{"name":"q16",$REG}
404|not_found|-|POST|/api/v1/register;x|{"name":"q17",$REG}
404|not_found|-|POST|/api/v1/register%3B|{"name":"q18",$REG}
404|not_found|-|POST|/api/v1/Register|{"name":"q19",$REG}
404|not_found|-|POST|/api/v1/REGISTER|{"name":"q20",$REG}
404|not_found|-|POST|/api/V1/register|{"name":"q21",$REG}
404|not_found|-|POST|/api/v2/register|{"name":"q22",$REG}
404|not_found|-|POST|/api/register|{"name":"q23",$REG}
404|not_found|-|POST|/api/v1/register/x|{"name":"q24",$REG}
404|not_found|-|POST|/api/v1/peer%3F/../../register|{"name":"q25",$REG}
404|not_found|-|POST|/%61pi/v1/register%3F|{"name":"q26",$REG}
404|not_found|-|POST|/api/v1/register%3F/..|{"name":"q27",$REG}
404|not_found|-|POST|/api/v1/register%C0%AE|{"name":"q28",$REG}
404|not_found|-|GET|/api/v1/health%3F|
404|not_found|-|GET|/api/v1/health/|
404|not_found|-|GET|/api/v1/health.|
404|not_found|-|GET|/api/v1/HEALTH|
404|not_found|-|GET|/api/v1/health%3Fx|
404|not_found|p|GET|/api/v1/peer/config%3F|
404|not_found|p|GET|/api/v1/peer/config/|
404|not_found|p|GET|/api/v1/peer%3Fconfig|
404|not_found|p|PUT|/api/v1/peer/endpoint%3F|{"endpoint":"198.51.100.99:1"}
404|not_found|p|PUT|/api/v1/peer/endpoint/|{"endpoint":"198.51.100.99:1"}
404|not_found|p|PUT|/api/v1/peer%2Fendpoint%2F|{"endpoint":"198.51.100.99:1"}
404|not_found|p|DELETE|/api/v1/peer%3F|
404|not_found|p|DELETE|/api/v1/peer/|
404|not_found|p|DELETE|/api/v1/peer%3Fx=1|
404|not_found|q|PUT|/api/v1/peer/endpoint%3F|{"endpoint":"198.51.100.99:1"}
404|not_found|a|GET|/api/v1/admin/peers%3F|
404|not_found|a|GET|/api/v1/admin/peers/|
404|not_found|a|POST|/api/v1/admin/peers/$P/accept%3F|{}
404|not_found|a|POST|/api/v1/admin/peers/$P/accept/|{}
404|not_found|a|DELETE|/api/v1/admin/peers/$A%3F|
404|not_found|a|DELETE|/api/v1/admin/peers/$A/|
401|unauthorized|-|GET|/api/v1/admin/peers|
401|unauthorized|-|GET|/api/v1/%61dmin/peers|
401|unauthorized|-|GET|/api/v1//admin/peers|
401|unauthorized|-|DELETE|/api/v1/admin/peers/$A|
401|unauthorized|-|GET|/api/v1/adminx|
401|unauthorized|-|POST|/api/v1/admin/peers/reject|{"name_pattern":"*"}
401|unauthorized|-|PUT|/api/v1/admin/network|{"registration":"closed"}
400|unknown_parameter|-|GET|/api/v1/health?x=1|
400|unknown_parameter|-|GET|/api/v1/health?debug|
400|unknown_parameter|-|POST|/api/v1/register?invite=$CODE|{"name":"qs1",$REG}
400|unknown_parameter|-|POST|/api/v1/register?name=x|{"name":"qs2",$REG}
400|unknown_parameter|p|GET|/api/v1/peer?x=1|
400|unknown_parameter|p|GET|/api/v1/peer/config?format=wg|
400|unknown_parameter|p|PUT|/api/v1/peer/endpoint?endpoint=198.51.100.9:1|{"endpoint":"198.51.100.99:1"}
400|unknown_parameter|p|DELETE|/api/v1/peer?confirm=1|
400|unknown_parameter|a|GET|/api/v1/admin/peers?State=pending|
400|unknown_parameter|a|GET|/api/v1/admin/peers?state=pending&x=1|
400|unknown_parameter|a|GET|/api/v1/admin/network?x=1|
400|unknown_parameter|a|GET|/api/v1/admin/invites?uses=3|
400|unknown_parameter|a|GET|/api/v1/admin/audit?limit=5&offset=1|
400|unknown_parameter|a|POST|/api/v1/admin/peers/reject?all=1|{"name_pattern":"*"}
400|unknown_parameter|a|PUT|/api/v1/admin/network?registration=closed|{}
400|duplicate_parameter|a|GET|/api/v1/admin/peers?state=pending&state=accepted|
400|duplicate_parameter|a|GET|/api/v1/admin/audit?limit=1&limit=2|
400|duplicate_parameter|a|GET|/api/v1/admin/audit?before=5&before=6|
400|invalid_query|a|GET|/api/v1/admin/peers?&state=pending|
400|invalid_query|a|GET|/api/v1/admin/peers?=pending|
400|invalid_query|a|GET|/api/v1/admin/audit?limit=5&&before=3|
400|invalid_parameter|a|GET|/api/v1/admin/peers?state=pendingpending|
400|invalid_parameter|a|GET|/api/v1/admin/audit?limit=12345|
400|invalid_parameter|a|GET|/api/v1/admin/audit?before=12345678901234567890|
400|-|a|GET|/api/v1/admin/peers?state=%70ending|
400|invalid_state|a|GET|/api/v1/admin/peers?state=|
400|invalid_state|a|GET|/api/v1/admin/peers?state=Pending|
400|-|a|GET|/api/v1/admin/audit?limit=0|
400|-|a|GET|/api/v1/admin/audit?limit=-1|
400|-|a|GET|/api/v1/admin/audit?limit=1e3|
400|-|a|GET|/api/v1/admin/audit?before=0|
400|-|a|GET|/api/v1/admin/audit?before=0x10|
400|-|-|POST|/api/v1/register|{"name":"dot$OVERLONG2",$REG}
400|-|-|POST|/api/v1/register|{"name":"sl$OVERLONG3",$REG}
400|-|-|POST|/api/v1/register|{"name":"sl$OVERLONG4",$REG}
400|-|-|POST|/api/v1/register|{"name":"smile$CESU",$REG}
400|-|-|POST|/api/v1/register|{"name":"half$LONE",$REG}
400|-|-|POST|/api/v1/register|{"name":"big$ABOVE",$REG}
400|-|-|POST|/api/v1/register|{"name":"c$CONT",$REG}
400|-|-|POST|/api/v1/register|{"name":"t$TRUNC",$REG}
400|-|-|POST|/api/v1/register|{"name":"f$FF",$REG}
400|-|-|POST|/api/v1/register|$BOM{"name":"bom",$REG}
400|-|-|POST|/api/v1/register|{"name":"csi$C1",$REG}
400|-|-|POST|/api/v1/register|{"name":"esc\ud800",$REG}
400|-|-|POST|/api/v1/register|{"name":"esc\udc00x",$REG}
400|-|-|POST|/api/v1/register|{"name":"esc\ud83d\ude00",$REG}
400|-|-|POST|/api/v1/register|{"name":"nul\u0000",$REG}
400|-|-|POST|/api/v1/register|{"name":"k",$REG,"invite":"$OVERLONG2$OVERLONG2"}
400|-|-|POST|/api/v1/register|{"na$OVERLONG2me":"k",$REG}
400|-|p|PUT|/api/v1/peer/endpoint|{"endpoint":"h$OVERLONG3.example:51820"}
400|-|p|PUT|/api/v1/peer/endpoint|{"endpoint":"h$CESU:51820"}
400|-|a|PATCH|/api/v1/admin/peers/$A|{"name":"x$LONE"}
400|-|a|POST|/api/v1/admin/peers/reject|{"name_pattern":"$OVERLONG2*"}
400|-|a|PUT|/api/v1/admin/network|{"registration":"open$CESU"}
400|unknown_field|-|POST|/api/v1/register|{"Name":"k",$REG}
400|unknown_field|-|POST|/api/v1/register|{"name":"k",$REG,"token":"x.y"}
400|unknown_field|-|POST|/api/v1/register|{"name":"k",$REG,"revision":9}
400|unknown_field|-|POST|/api/v1/register|{"name":"k",$REG,"__proto__":{}}
400|unknown_field|-|POST|/api/v1/register|{"name":"k",$REG,"name ":"k"}
400|unknown_field|-|POST|/api/v1/register|{"name":"k",$REG,"addresses":["10.77.0.5"]}
400|json_duplicate_key|-|POST|/api/v1/register|{"name":"k",$REG,"endpoint":"192.0.2.9:1"}
400|json_duplicate_key|-|POST|/api/v1/register|{"name":"k",$REG,"invite":"a","invite":"b"}
400|unknown_field|p|PUT|/api/v1/peer/endpoint|{"endpoint":null,"state":"accepted"}
400|unknown_field|p|PUT|/api/v1/peer/endpoint|{"Endpoint":null}
400|json_duplicate_key|p|PUT|/api/v1/peer/endpoint|{"endpoint":null,"endpoint":"192.0.2.9:1"}
400|unknown_field|a|PUT|/api/v1/admin/network|{"revision":1}
400|unknown_field|a|PUT|/api/v1/admin/network|{"pending_maximum":5}
400|json_duplicate_key|a|PUT|/api/v1/admin/network|{"mtu":1400,"mtu":1400}
400|json_duplicate_key|a|PUT|/api/v1/admin/network|{"registration":"open","registration":"closed"}
400|unknown_field|a|POST|/api/v1/admin/invites|{"uses":1,"code":"mine"}
400|json_duplicate_key|a|POST|/api/v1/admin/invites|{"uses":1,"uses":2}
400|unknown_field|a|POST|/api/v1/admin/peers/$P/accept|{"address":"10.77.0.50","state":"x"}
400|unknown_field|a|PATCH|/api/v1/admin/peers/$A|{"state":"pending"}
400|unknown_field|a|PATCH|/api/v1/admin/peers/$A|{"token_hash":"00"}
400|unknown_field|a|POST|/api/v1/admin/peers/reject|{"ids":["$P"],"force":true}
400|json_duplicate_key|a|POST|/api/v1/admin/peers/reject|{"name_pattern":"a*","name_pattern":"*"}
400|invalid_name|-|POST|/api/v1/register|{"name":"$LONG64",$REG}
400|invalid_name|-|POST|/api/v1/register|{"name":"$LONG1K",$REG}
400|invalid_endpoint|-|POST|/api/v1/register|{"name":"k","public_key":"@KEY@","endpoint":"$HOST254:51820"}
403|invite_invalid|-|POST|/api/v1/register|{"name":"k",$REG,"invite":"$INV129"}
400|invalid_public_key|-|POST|/api/v1/register|{"name":"k","public_key":"$KEY10K","endpoint":null}
400|-|-|POST|/api/v1/register|{"name":"k",$REG,"listen_port":$BIGNUM}
400|-|-|POST|/api/v1/register|{"name":"k",$REG,"listen_port":1e400}
400|-|-|POST|/api/v1/register|{"name":$DEEP,$REG}
400|-|a|PUT|/api/v1/admin/network|{"dns":[$DNS9]}
400|-|a|PUT|/api/v1/admin/network|{"pending_max":$BIGNUM}
400|-|a|PUT|/api/v1/admin/network|{"audit_max_rows":1e9}
400|-|a|PATCH|/api/v1/admin/peers/$A|{"networks":[$NETS300]}
400|invalid_ids|a|POST|/api/v1/admin/peers/reject|{"ids":[$IDS1025]}
400|invalid_name_pattern|a|POST|/api/v1/admin/peers/reject|{"name_pattern":"$LONG1K"}
400|invalid_older_than|a|POST|/api/v1/admin/peers/reject|{"older_than":$BIGNUM}
400|-|a|POST|/api/v1/admin/invites|{"uses":$BIGNUM}
400|-|a|POST|/api/v1/admin/invites|{"expires_in":99999999999999999999}
405|method_not_allowed|-|GET|/api/v1/register|
405|method_not_allowed|-|PUT|/api/v1/register|{"name":"k",$REG}
405|method_not_allowed|-|PATCH|/api/v1/register|{"name":"k",$REG}
405|method_not_allowed|-|DELETE|/api/v1/register|
405|method_not_allowed|-|POST|/api/v1/health|{}
405|method_not_allowed|-|BREW|/api/v1/health|
405|method_not_allowed|p|POST|/api/v1/peer|{}
405|method_not_allowed|p|PATCH|/api/v1/peer|{"name":"x"}
405|method_not_allowed|p|PUT|/api/v1/peer|{"state":"accepted"}
405|method_not_allowed|p|GET|/api/v1/peer/endpoint|
405|method_not_allowed|p|POST|/api/v1/peer/endpoint|{"endpoint":null}
405|method_not_allowed|p|DELETE|/api/v1/peer/config|
405|method_not_allowed|a|PUT|/api/v1/admin/audit|{}
405|method_not_allowed|a|DELETE|/api/v1/admin/audit|
405|method_not_allowed|a|DELETE|/api/v1/admin/network|
405|method_not_allowed|a|POST|/api/v1/admin/pairs|{}
405|method_not_allowed|a|PUT|/api/v1/admin/peers/reject|{}
405|method_not_allowed|a|PATCH|/api/v1/admin/invites|{}
405|method_not_allowed|a|GET|/api/v1/admin/peers/$A/accept|
401|unauthorized|h:Bearer|GET|/api/v1/peer|
401|unauthorized|h:Bearer |GET|/api/v1/peer|
401|unauthorized|h:Bearer junk|GET|/api/v1/peer|
401|unauthorized|h:Bearer $A|GET|/api/v1/peer|
401|unauthorized|h:Bearer $A.|GET|/api/v1/peer|
401|unauthorized|h:Bearer $A.x.y|GET|/api/v1/peer|
401|unauthorized|h:Bearer $A.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA|PUT|/api/v1/peer/endpoint|{"endpoint":null}
401|unauthorized|h:Bearer $TOKLONG|GET|/api/v1/peer|
401|unauthorized|h:Basic YWRtaW46eA==|GET|/api/v1/peer|
401|unauthorized|h:Token $TOK|GET|/api/v1/peer|
401|unauthorized|h:Bearer  $TOK|DELETE|/api/v1/peer|
401|unauthorized|g|GET|/api/v1/peer|
401|unauthorized|g|PUT|/api/v1/peer/endpoint|{"endpoint":null}
401|unauthorized|g|DELETE|/api/v1/peer|
401|unauthorized|-|PUT|/api/v1/peer/endpoint|{"endpoint":null}
401|unauthorized|-|DELETE|/api/v1/peer|
401|unauthorized|u:admin:wrong|GET|/api/v1/admin/peers|
401|unauthorized|u:admin:|GET|/api/v1/admin/peers|
401|unauthorized|u:nobody:x|DELETE|/api/v1/admin/peers/$A|
401|unauthorized|u:ADMIN:x|POST|/api/v1/admin/peers/reject|{"name_pattern":"*"}
401|unauthorized|h:Bearer $TOK|GET|/api/v1/admin/peers|
401|unauthorized|h:Bearer $TOK|POST|/api/v1/admin/peers/$P/accept|{}
409|peer_pending|q|PUT|/api/v1/peer/endpoint|{"endpoint":"198.51.100.66:51820"}
409|peer_pending|q|PUT|/api/v1/peer/endpoint|{"endpoint":"192.0.2.3:51820"}
409|peer_pending|q|PUT|/api/v1/peer/endpoint|{"endpoint":null}
409|peer_pending|q|PUT|/api/v1/peer/endpoint|{"endpoint":"nat"}
409|peer_pending|q|GET|/api/v1/peer/config|
401|unauthorized|q|GET|/api/v1/admin/peers|
400|missing_field|a|POST|/api/v1/admin/peers/reject|{}
400|body_missing|a|POST|/api/v1/admin/peers/reject|
400|invalid_field|a|POST|/api/v1/admin/peers/reject|{"ids":["$P"],"older_than":0}
400|invalid_ids|a|POST|/api/v1/admin/peers/reject|{"ids":[]}
400|invalid_ids|a|POST|/api/v1/admin/peers/reject|{"ids":"$P"}
400|invalid_ids|a|POST|/api/v1/admin/peers/reject|{"ids":["$P","$P"]}
400|invalid_ids|a|POST|/api/v1/admin/peers/reject|{"ids":["../$P"]}
400|invalid_ids|a|POST|/api/v1/admin/peers/reject|{"ids":[null]}
404|peer_not_found|a|POST|/api/v1/admin/peers/reject|{"ids":["$P","0123456789abcdef"]}
409|not_pending|a|POST|/api/v1/admin/peers/reject|{"ids":["$P","$A"]}
400|invalid_older_than|a|POST|/api/v1/admin/peers/reject|{"older_than":-1}
400|invalid_older_than|a|POST|/api/v1/admin/peers/reject|{"older_than":"86400"}
400|invalid_name_pattern|a|POST|/api/v1/admin/peers/reject|{"name_pattern":""}
400|invalid_name_pattern|a|POST|/api/v1/admin/peers/reject|{"name_pattern":"a b*"}
400|invalid_name_pattern|a|POST|/api/v1/admin/peers/reject|{"name_pattern":"%"}
415|-|a|POST|/api/v1/admin/peers/reject|{"name_pattern":"*"}|text/plain
403|cross_site_request|a|POST|/api/v1/admin/peers/reject|{"name_pattern":"*"}|origin
400|invalid_registration|a|PUT|/api/v1/admin/network|{"registration":"Open"}
400|invalid_registration|a|PUT|/api/v1/admin/network|{"registration":"invite_only"}
400|invalid_registration|a|PUT|/api/v1/admin/network|{"registration":null}
400|invalid_registration|a|PUT|/api/v1/admin/network|{"registration":true}
400|invalid_field|a|PUT|/api/v1/admin/network|{"pending_expire_after":59}
400|invalid_field|a|PUT|/api/v1/admin/network|{"pending_expire_after":"604800"}
400|invalid_field|a|PUT|/api/v1/admin/network|{"pending_max":-1}
400|invalid_field|a|PUT|/api/v1/admin/network|{"endpoint_min_interval":86401}
400|invalid_field|a|PUT|/api/v1/admin/network|{"audit_max_age":60}
400|invalid_field|a|PUT|/api/v1/admin/network|{"audit_max_rows":10}
400|invalid_field|a|PUT|/api/v1/admin/network|{"audit_coalesce_window":1.5}
400|invalid_field|a|PUT|/api/v1/admin/network|{"registration":"closed","audit_max_rows":0}
400|invalid_field|a|PUT|/api/v1/admin/network|{"pending_max_per_prefix":-1}
400|invalid_field|a|PUT|/api/v1/admin/network|{"pending_max_per_prefix":"32"}
400|invalid_field|a|POST|/api/v1/admin/invites|{"for_peer":5}
400|invalid_field|a|POST|/api/v1/admin/invites|{"for_peer":"../x"}
400|invalid_field|a|POST|/api/v1/admin/invites|{"when_closed":true}
400|invalid_field|a|POST|/api/v1/admin/invites|{"for_peer":"0000000000000000","when_closed":"yes"}
404|peer_not_found|a|POST|/api/v1/admin/invites|{"for_peer":"0000000000000000"}
403|cross_site_request|a|PUT|/api/v1/admin/network|{"registration":"closed"}|origin
CASES

# hostile_req AUTH METHOD PATH BODY [EXTRA]: one request, the path as it is.
hostile_req() {
	_cfg=$T_TMP/h.cfg
	: >"$_cfg"
	case $1 in
	a) echo "user = $(t_cfgq "admin:$ADMIN_PASS")" >>"$_cfg" ;;
	p) echo "header = $(t_cfgq "Authorization: Bearer $TOK")" >>"$_cfg" ;;
	q) echo "header = $(t_cfgq "Authorization: Bearer $PTOK")" >>"$_cfg" ;;
	g) echo "header = $(t_cfgq "Authorization: Bearer $GONE_TOK")" >>"$_cfg" ;;
	u:*) echo "user = $(t_cfgq "${1#u:}")" >>"$_cfg" ;;
	h:*) echo "header = $(t_cfgq "Authorization: ${1#h:}")" >>"$_cfg" ;;
	esac
	_ct=application/json
	case ${5:-} in
	text/plain) _ct=text/plain ;;
	origin) echo 'header = "Origin: https://evil.example"' >>"$_cfg" ;;
	esac
	if [ -n "$4" ]; then
		printf '%s' "$4" >"$T_TMP/h.body"
		echo "data-binary = $(t_cfgq "@$T_TMP/h.body")" >>"$_cfg"
		echo "header = $(t_cfgq "Content-Type: $_ct")" >>"$_cfg"
	elif [ "$2" != GET ] && [ "$2" != DELETE ]; then
		echo "header = $(t_cfgq "Content-Type: $_ct")" >>"$_cfg"
	fi
	T_LAST_REQ="$2 $3"
	STATUS=$(curl -sS -K "$_cfg" --path-as-is --cacert "$CACERT" --max-time 20 \
	    -X "$2" -o "$T_TMP/resp-body" -D "$HEADERS" -w '%{http_code}' \
	    "$URL$3" 2>"$T_TMP/curl.err") || STATUS=${STATUS:-000}
	BODY=$(cat "$T_TMP/resp-body" 2>/dev/null)
}

# run_cases FILE: every line, its status, its JSON error, the database as it was.
run_cases() {
	_n=0
	while IFS='|' read -r want code auth m p b extra; do
		[ -n "$want" ] || continue
		_n=$((_n + 1))
		case $b in *@KEY@*) keypair; b=$(printf '%s' "$b" | sed "s|@KEY@|$PUB|g") ;; esac
		dumper=db_dump
		case $auth in p | q | g) dumper=db_dump_but_last_seen ;; esac
		before=$($dumper)
		hostile_req "$auth" "$m" "$p" "$b" "$extra"
		if [ "$code" = - ]; then expect_error "$want"; else expect_error "$want" "$code"; fi
		expect_db_unchanged "$before" "$dumper"
		case $want in
		429) expect_header Retry-After '^[1-9][0-9]*$' ;;
		esac
	done <"$1"
	CASES_RUN=$((${CASES_RUN:-0} + _n))
}

run_cases "$T_TMP/cases"

# A moved its endpoint a moment ago (said here, not at the start: the table
# above may take longer than the minute): moving again is refused.
sqlite3 "$DB" "UPDATE peers SET endpoint_at = CAST(strftime('%s', 'now') AS INTEGER)
    WHERE id = '$A'" || die "poke"
cat >"$T_TMP/moved" <<CASES
429|endpoint_rate_limited|p|PUT|/api/v1/peer/endpoint|{"endpoint":"198.51.100.12:51820"}
429|endpoint_rate_limited|p|PUT|/api/v1/peer/endpoint|{"endpoint":null}
CASES
run_cases "$T_TMP/moved"
say "# $CASES_RUN hostile requests through nginx"

# --- registration modes: refused before anything is written --------------
api -a PUT /admin/network '{"registration":"invite-only"}'
expect_status 200 || die "invite-only"
cat >"$T_TMP/invite-only" <<CASES
403|invite_required|-|POST|/api/v1/register|{"name":"walk-in",$REG}
403|invite_required|-|POST|/api/v1/register|{"name":"walk-in",$REG,"listen_port":51820}
403|invite_invalid|-|POST|/api/v1/register|{"name":"walk-in",$REG,"invite":"guess"}
403|invite_invalid|-|POST|/api/v1/register|{"name":"walk-in",$REG,"invite":"$INVITE"}
409|public_key_taken|-|POST|/api/v1/register|{"name":"dup","public_key":"$A_KEY","endpoint":null,"invite":"$CODE"}
404|not_found|-|POST|/api/v1/register%3F|{"name":"walk-in",$REG}
CASES
run_cases "$T_TMP/invite-only"
api -a PUT /admin/network '{"registration":"closed"}'
expect_status 200 || die "closed"
cat >"$T_TMP/closed" <<CASES
403|registration_closed|-|POST|/api/v1/register|{"name":"walk-in",$REG}
403|registration_closed|-|POST|/api/v1/register|{"name":"invited",$REG,"invite":"$CODE"}
403|registration_closed|-|POST|/api/v1/register|{"name":"invited",$REG,"invite":"guess"}
CASES
run_cases "$T_TMP/closed"
say "# $CASES_RUN hostile requests in all"
[ "$CASES_RUN" -ge 200 ] && ok "at least 200 distinct hostile requests ($CASES_RUN)" ||
    fail "only $CASES_RUN hostile requests"

# The invite was not spent by any of it; open again, it works.
api -a PUT /admin/network '{"registration":"open"}'
expect_status 200
api -a GET /admin/invites
expect_str ".invites[] | select(.id == \"$INVITE\") | .uses_left" 3
expect_responders_alive
api -b "$TOK" GET /peer/config
expect_status 200 "the mesh still serves configs"
