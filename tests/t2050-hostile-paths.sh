#!/bin/sh
# SPDX-License-Identifier: MIT
# t2050-hostile-paths: through the production nginx example, with its own
# rate limits, no spelling of a route escapes the limit. Every encoded,
# doubled, dotted, cased or trailing-slash variant of the register path
# (and of the peer routes) either IS that route after nginx's normalization
# (and then spends its budget: 429 after the burst), or reaches no route at
# all (404 from the catch-all, itself limited from the register budget; 401
# in the UI's location, then 429 from the UI's budget): never an unlimited
# 201. Each variant is sent from
# its own loopback address, so each starts with a full budget of its own;
# then one address shows that the catch-all and the route share one budget.
. "$(dirname "$0")/lib.sh"
need sqlite3
RATE=production PEER_RATE=production ADMIN_RATE=production stack_start

# The burst of the register zone, as the example configures it.
BURST=$(sed -n '/location = \/api\/v1\/register /,/}/s/.*zone=wgconfsrv_register burst=\([0-9]*\).*/\1/p' \
    "$T_ROOT/nginx/wgconfsrv.conf")
[ -n "$BURST" ] && [ "$BURST" -gt 0 ] || die "no burst for wgconfsrv_register in nginx/wgconfsrv.conf"
grep -q 'zone=wgconfsrv_register:[0-9]*m rate=6r/m;' "$RUN/site.conf" ||
    die "the stack does not run the example's register rate"
SEND=$((BURST + 10))
say "# register burst $BURST, $SEND requests per variant"
# The admin UI's location ("/"), where the upper-case /API/... spellings
# land: its own budget (20 a second, this burst), spent before the password
# is asked for. Twice the burst, 8 at a time, outruns the refill.
UI_BURST=$(sed -n '/location \/ {/,/}/s/.*zone=wgconfsrv_admin burst=\([0-9]*\).*/\1/p' \
    "$T_ROOT/nginx/wgconfsrv.conf")
[ -n "$UI_BURST" ] && [ "$UI_BURST" -gt 0 ] || die "no burst for the UI's location in nginx/wgconfsrv.conf"
UI_SEND=$((UI_BURST * 2))

# A peer to aim the peer routes at.
register target 192.0.2.1:51820 || die "register"
TOK=$PEER_TOKEN TID=$PEER_ID
api -a POST "/admin/peers/$TID/accept" '{}'
expect_status 200 || die "accept"

# burst_from ADDR METHOD PATH BODY [TOKEN]: SEND requests on one connection
# from ADDR (PARALLEL=N: N at a time); the statuses, one a line, in
# $T_TMP/codes.
burst_from() {
	_cfg=$T_TMP/burst.cfg
	: >"$_cfg"
	[ -n "${5:-}" ] && echo "header = \"Authorization: Bearer $5\"" >>"$_cfg"
	_i=0
	while [ $_i -lt $SEND ]; do
		printf 'url = "%s"\noutput = "/dev/null"\n' "$URL$3" >>"$_cfg"
		_i=$((_i + 1))
	done
	printf '%s' "$4" >"$T_TMP/burst.body"
	_par=""
	[ -n "${PARALLEL:-}" ] && _par="--parallel --parallel-max $PARALLEL"
	# shellcheck disable=SC2086
	curl -s $_par --path-as-is --http1.1 --interface "$1" --cacert "$CACERT" -K "$_cfg" \
	    -X "$2" -H 'Content-Type: application/json' --data-binary "@$T_TMP/burst.body" \
	    -w '%{http_code}\n' >"$T_TMP/codes" 2>"$T_TMP/curl.err" || true
}

peers() {
	sqlite3 -readonly "$DB" 'SELECT count(*) FROM peers'
}

# KIND|METHOD|PATH
#   route:  nginx makes it the route itself: it answers, and 429 after the burst
#   none:   no route: 404 (or 405), and 429 after the burst (the catch-all)
#   ui:     the admin UI's location: 401 without a password, never the responder
cat >"$T_TMP/variants" <<'EOF'
route|POST|/api/v1/register
route|POST|/api/v1//register
route|POST|//api/v1/register
route|POST|/api//v1/register
route|POST|/api/v1/./register
route|POST|/api/./v1/register
route|POST|/api/v1/x/../register
route|POST|/api/v1/peer/../register
route|POST|/api/v1/%72egister
route|POST|/api/v1/reg%69ster
route|POST|/api/v1%2Fregister
route|POST|/api/v1/peer/%2E%2E/register
route|POST|/api/v1/peer%2F..%2Fregister
route|POST|/api/v1/register?x=1
none|POST|/api/v1/register%3F
none|POST|/api/v1/register%3f
none|POST|/api/v1/register%3Fx=1
none|POST|/api/v1/register%3F/..
none|POST|/api/v1/register/
none|POST|/api/v1/register//
none|POST|/api/v1/register/.
none|POST|/api/v1/register%2F
none|POST|/api/v1/register%2f
none|POST|/api/v1/register%252F
none|POST|/api/v1/register%2e
none|POST|/api/v1/register.
none|POST|/api/v1/register%20
none|POST|/api/v1/register%09
none|POST|/api/v1/register;x
none|POST|/api/v1/register%3B
none|POST|/api/v1/register%23
none|POST|/api/v1/Register
none|POST|/api/v1/REGISTER
none|POST|/api/V1/register
none|POST|/api/v2/register
none|POST|/api/register
none|POST|/api/v1/register/x
none|POST|/api/v1/peer%3F/../../register
none|POST|/%61pi/v1/register%3F
ui|POST|/API/v1/register
ui|POST|/Api/v1/register
EOF

n=0 addr=10
while IFS='|' read -r kind m p; do
	[ -n "$kind" ] || continue
	n=$((n + 1))
	addr=$((addr + 1))
	keypair
	body="{\"name\":\"v$n\",\"public_key\":\"$PUB\",\"endpoint\":null}"
	before=$(peers)
	if [ "$kind" = ui ]; then
		_send=$SEND
		SEND=$UI_SEND PARALLEL=8
		burst_from "127.0.0.$addr" "$m" "$p" "$body"
		SEND=$_send PARALLEL=""
	else
		burst_from "127.0.0.$addr" "$m" "$p" "$body"
	fi
	codes=$(sort "$T_TMP/codes" | uniq -c | awk '{ printf "%s%s×%s", s, $1, $2; s = " " }')
	total=$(wc -l <"$T_TMP/codes" | tr -d ' ')
	limited=$(grep -c '^429$' "$T_TMP/codes")
	passed=$((total - limited))
	created=$(grep -c '^201$' "$T_TMP/codes")
	grown=$(($(peers) - before))
	what="$m $p ($kind): $codes"
	want=$SEND
	[ "$kind" = ui ] && want=$UI_SEND
	[ "$total" = "$want" ] || { fail "$what: $total answers of $want"; continue; }
	case $kind in
	route)
		# The route answers (201 once for this key, then 409; 400 for a
		# query string it does not take), until the budget is spent; one
		# more may pass as the bucket refills.
		if [ "$limited" -ge 1 ] && [ "$passed" -le $((BURST + 2)) ] &&
		    [ "$created" -le 1 ] && [ "$grown" = "$created" ] &&
		    ! grep -qv '^\(201\|400\|409\|429\)$' "$T_TMP/codes"; then
			ok "$what"
		else
			fail "$what: expected the route, then 429 after $BURST"
		fi
		;;
	none)
		if [ "$limited" -ge 1 ] && [ "$passed" -le $((BURST + 2)) ] && [ "$grown" = 0 ] &&
		    ! grep -qv '^\(404\|405\|429\)$' "$T_TMP/codes"; then
			ok "$what"
		else
			fail "$what: expected 404, then 429 after $BURST, no peer added (peers +$grown)"
		fi
		;;
	ui)
		if [ "$limited" -ge 1 ] && [ "$grown" = 0 ] && ! grep -qv '^\(401\|429\)$' "$T_TMP/codes"; then
			ok "$what"
		else
			fail "$what: expected 401 from nginx, then 429 after $UI_BURST, no peer added (peers +$grown)"
		fi
		;;
	esac
done <"$T_TMP/variants"
say "# $n variants of the register path"

# The peer routes: their spellings are no way around anything either. A
# variant that is not the route itself is 404 and limited like the rest;
# the endpoint never moves through one.
cat >"$T_TMP/pvariants" <<'EOF'
none|PUT|/api/v1/peer/endpoint%3F
none|PUT|/api/v1/peer/endpoint/
none|PUT|/api/v1/peer%2Fendpoint%2F
none|PUT|/api/v1/peer/Endpoint
none|PUT|/api/v1/peer/endpoint;
none|GET|/api/v1/peer/config%3F
none|GET|/api/v1/peer/config/
none|GET|/api/v1/health/
none|GET|/api/v1/health%3F
none|DELETE|/api/v1/peer/
none|DELETE|/api/v1/peer%3F
EOF
while IFS='|' read -r kind m p; do
	[ -n "$kind" ] || continue
	addr=$((addr + 1))
	ep_before=$(sqlite3 -readonly "$DB" "SELECT ifnull(endpoint,'-') FROM peers WHERE id = '$TID'")
	body=""
	[ "$m" = PUT ] && body='{"endpoint":"198.51.100.77:51820"}'
	burst_from "127.0.0.$addr" "$m" "$p" "$body" "$TOK"
	codes=$(sort "$T_TMP/codes" | uniq -c | awk '{ printf "%s%s×%s", s, $1, $2; s = " " }')
	limited=$(grep -c '^429$' "$T_TMP/codes")
	ep_after=$(sqlite3 -readonly "$DB" "SELECT ifnull(endpoint,'-') FROM peers WHERE id = '$TID'")
	if [ "$limited" -ge 1 ] && [ "$ep_after" = "$ep_before" ] &&
	    [ -n "$(sqlite3 -readonly "$DB" "SELECT 1 FROM peers WHERE id = '$TID'")" ] &&
	    ! grep -qv '^\(404\|405\|429\)$' "$T_TMP/codes"; then
		ok "$m $p: $codes"
	else
		fail "$m $p: $codes: expected 404, then 429 after $BURST, the peer untouched"
	fi
done <"$T_TMP/pvariants"

# One address, one budget: spent on the route, the catch-all is spent too,
# and the other way round (from two more addresses).
addr=$((addr + 1))
keypair
burst_from "127.0.0.$addr" POST /api/v1/register "{\"name\":\"b1\",\"public_key\":\"$PUB\",\"endpoint\":null}"
grep -q '^429$' "$T_TMP/codes" || fail "the register budget of 127.0.0.$addr is not spent"
curl -s -o /dev/null -w '%{http_code}' --interface "127.0.0.$addr" --cacert "$CACERT" \
    -X POST "$URL/api/v1/register%3F" >"$T_TMP/code"
expect_eq "$(cat "$T_TMP/code")" 429 "register budget spent: /api/v1/register%3F is 429 at once"
curl -s -o /dev/null -w '%{http_code}' --interface "127.0.0.$addr" --cacert "$CACERT" \
    "$URL/api/v1/nope" >"$T_TMP/code"
expect_eq "$(cat "$T_TMP/code")" 429 "register budget spent: /api/v1/nope is 429 at once"
addr=$((addr + 1))
burst_from "127.0.0.$addr" POST /api/v1/register/ '{}'
grep -q '^429$' "$T_TMP/codes" || fail "the catch-all budget of 127.0.0.$addr is not spent"
keypair
curl -s -o /dev/null -w '%{http_code}' --interface "127.0.0.$addr" --cacert "$CACERT" \
    -X POST -H 'Content-Type: application/json' \
    --data "{\"name\":\"b2\",\"public_key\":\"$PUB\",\"endpoint\":null}" \
    "$URL/api/v1/register" >"$T_TMP/code"
expect_eq "$(cat "$T_TMP/code")" 429 "catch-all budget spent: /api/v1/register is 429 at once"

# nginx says so in its error log, which is how an admin sees a flood.
if grep -q 'limiting requests.*zone "wgconfsrv_register"' "$RUN/logs/error.log"; then
	ok "error.log names the register zone's refusals"
else
	fail "no 'limiting requests' line for wgconfsrv_register in error.log"
fi
grep -q ' 429 ' "$RUN/logs/access.log" && ok "access.log has the 429s" ||
    fail "no 429 in access.log"

# The peer routes have a limit of their own: /health from one address,
# 300 at once, runs into it (burst 200, of which 50 at once, the rest
# queued at 10/s).
addr=$((addr + 1))
SEND=300 PARALLEL=300
burst_from "127.0.0.$addr" GET /api/v1/health ""
limited=$(grep -c '^429$' "$T_TMP/codes")
passed=$(grep -c '^200$' "$T_TMP/codes")
if [ "$limited" -ge 1 ] && [ "$passed" -le 260 ]; then
	ok "/health from one address: $passed × 200, then $limited × 429"
else
	fail "/health is not limited: $passed × 200, $limited × 429"
fi
expect_responders_alive
