#!/bin/sh
# SPDX-License-Identifier: MIT
# Two responders sharing one SQLite file under many concurrent writers: no
# address is handed out twice, every 201 is really stored, nothing is half
# written. Then a responder is killed with SIGKILL in the middle of a stream
# of writes: the file stays consistent and the other responder goes on.
. "$(dirname "$0")/lib.sh"

need wg sqlite3
stack_start 2
WRITERS=8
EACH=6

api -a POST /admin/invites '{"uses": 1000}'
expect_status 201 || die "no invite"
CODE=$(jqr .code)

# Each writer registers with the invite (accept + address allocation in one
# transaction), moves its endpoint, and pairs with its previous peer.
writer() { # N
	_prev=""
	_i=0
	while [ $_i -lt $EACH ]; do
		_pk=$(wg genkey | wg pubkey)
		_r=$(curl -sS --cacert "$CACERT" -H 'Content-Type: application/json' -w '\n%{http_code}' \
		    --data "{\"name\":\"w$1-$_i\",\"public_key\":\"$_pk\",\"endpoint\":\"192.0.2.$1:$((51000 + _i))\",\"invite\":\"$CODE\"}" \
		    "$API/register")
		_code=$(printf '%s' "$_r" | tail -n 1)
		_id=$(printf '%s' "$_r" | head -n 1 | jq -r .id)
		_tok=$(printf '%s' "$_r" | head -n 1 | jq -r .token)
		echo "register $_code $_id"
		_c=$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$CACERT" -X PUT \
		    -H "Authorization: Bearer $_tok" -H 'Content-Type: application/json' \
		    --data "{\"endpoint\":\"198.51.100.$1:$((52000 + _i))\"}" "$API/peer/endpoint")
		echo "endpoint $_c $_id"
		if [ -n "$_prev" ]; then
			_c=$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$CACERT" -X PUT \
			    -u "admin:$ADMIN_PASS" -H 'Content-Type: application/json' \
			    "$API/admin/pairs/$_prev/$_id")
			echo "pair $_c $_prev $_id"
		fi
		_prev=$_id
		_i=$((_i + 1))
	done
}

w=1
while [ $w -le $WRITERS ]; do
	writer $w >"$T_TMP/writer$w" 2>&1 &
	w=$((w + 1))
done
wait
cat "$T_TMP"/writer* >"$T_TMP/all"

total=$((WRITERS * EACH))
expect_eq "$(grep -c '^register 201 ' "$T_TMP/all")" "$total" "all $total concurrent registrations answered 201"
expect_eq "$(grep -c '^endpoint 200 ' "$T_TMP/all")" "$total" "all $total endpoint changes answered 200"
expect_eq "$(grep -c '^pair 201 ' "$T_TMP/all")" "$((WRITERS * (EACH - 1)))" "every pairing answered 201"
expect_eq "$(sqlite3 "$DB" "SELECT count(*) FROM peers WHERE state = 'accepted'")" "$total" \
    "every registered peer is stored, accepted"
expect_eq "$(sqlite3 "$DB" "SELECT count(DISTINCT address) FROM addresses WHERE family = 4")" "$total" \
    "$total peers hold $total distinct addresses"
expect_eq "$(sqlite3 "$DB" "SELECT count(*) FROM peers WHERE endpoint LIKE '198.51.100.%'")" "$total" \
    "every endpoint change is stored"
expect_eq "$(sqlite3 "$DB" "SELECT count(*) FROM pairs")" "$((WRITERS * (EACH - 1)))" "every pair is stored"
expect_eq "$(sqlite3 "$DB" "SELECT uses_left FROM invites")" "$((1000 - total))" \
    "the invite was used exactly once per registration"

# A responder killed mid-stream: writes keep going through the other one.
victim=$(echo "$RESPONDER_PIDS" | awk '{print $1}')
survivor=$(echo "$RESPONDER_PIDS" | awk '{print $2}')
writer 9 >"$T_TMP/writer9" 2>&1 &
wpid=$!
sleep 0.3
kill -9 "$victim"
wait $wpid
expect_eq "$(sqlite3 "$DB" 'PRAGMA integrity_check')" "ok" "the database is intact after SIGKILL"
expect_eq "$(sqlite3 "$DB" "SELECT count(*) FROM peers p WHERE state = 'accepted' AND NOT EXISTS
    (SELECT 1 FROM addresses a WHERE a.peer_id = p.id)")" "0" "no accepted peer is left without an address"
expect_eq "$(sqlite3 "$DB" "SELECT count(*) FROM pairs WHERE a NOT IN (SELECT id FROM peers)
    OR b NOT IN (SELECT id FROM peers)")" "0" "no pair points at a missing peer"
kill -0 "$survivor" 2>/dev/null && ok "the other responder still runs" || fail "the other responder died"
api GET /health
expect_status 200
# Whatever answered 201 in the killed stream is stored.
for id in $(sed -n 's/^register 201 //p' "$T_TMP/writer9"); do
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM peers WHERE id = '$id'")" = 1 ] ||
	    fail "peer $id answered 201 but is not stored"
done
ok "every registration answered 201 during the kill is stored"
