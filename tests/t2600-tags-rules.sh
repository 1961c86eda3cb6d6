#!/bin/sh
# SPDX-License-Identifier: MIT
# t2600-tags-rules: pairing by tags and rules, and edits that cannot undo a
# change made meanwhile, against a real local stack with curl and wgconf.
# A stale If-Match is 412 with the peer as it is now and keeps the endpoint
# the host set; `admin tag` and `admin rules add` make pairs that both
# hosts' configs (wgconf genconf) carry with one preshared key; deleting
# the rule or a tag removes them from both, an explicit pair stays; bad
# tags and rule ids are refused naming them; concurrent tag edits and rule
# adds through two responders leave exactly the pairs the rules imply; a
# full mesh of 100 peers (4,950 pairs) is made in the background, its
# progress in GET /admin/jobs and `admin rules`, while /health keeps
# answering within a second; export and import into a fresh server keep
# tags, rules and which pairs are explicit; a rule has no bound on its
# size (the 20,000-pair 409 is gone).
. "$(dirname "$0")/lib.sh"
[ -x "$WGCONF" ] || die "$WGCONF is not built (make)"
need wg sqlite3
stack_start

PWFILE=$T_TMP/admin-pass
printf '%s\n' "$ADMIN_PASS" >"$PWFILE"

# wait_jobs: until no pair job runs (GET /admin/jobs), at most 120 s; the
# slowest /health answer meanwhile into SLOWEST_MS.
wait_jobs() {
	_end=$(($(date +%s) + 120))
	SLOWEST_MS=0
	while :; do
		_t0=$(date +%s%N)
		curl -sS -o /dev/null --cacert "$CACERT" "$API/health" || fail "/health during a job"
		_ms=$(( ($(date +%s%N) - _t0) / 1000000 ))
		[ "$_ms" -gt "$SLOWEST_MS" ] && SLOWEST_MS=$_ms
		api -a GET /admin/jobs
		[ "$(jqr '[.jobs[] | select(.state != "done")] | length')" = 0 ] && return 0
		[ "$(date +%s)" -lt "$_end" ] || { fail "pair jobs still running after 120 s: $BODY"; return 1; }
		sleep 0.1
	done
}
mkdir -p "$T_TMP/home"

admin() {
	wgc adm admin --server "$URL" --cacert "$CACERT" --user admin \
	    --password-file "$PWFILE" "$@"
}

# host H NAME ENDPOINT: registers host H with wgconf (its own state folder)
# and accepts it. Sets ID.
host() {
	wgc "$1" register --server "$URL" --cacert "$CACERT" --name "$2" "$3"
	expect_rc 0 "register $2" || die "cannot register $2"
	ID=$(jq -r .id "$T_TMP/$1/state/state.json")
	admin accept "$2"
	expect_rc 0 "accept $2" || die "cannot accept $2"
}

# The [Peer] block for public key PUB in host H's wg-quick config, or "".
peer_block() {
	wgc "$1" genconf
	[ "$RC" = 0 ] || fail "genconf on $1 exited $RC: $ERR"
	printf '%s\n' "$OUT" | awk -v k="$2" '
		/^\[/ { if (blk != "" && hit) print blk; blk = ""; hit = 0 }
		{ blk = blk $0 "\n" }
		$0 == "PublicKey = " k { hit = 1 }
		END { if (blk != "" && hit) print blk }'
}

pub() {
	wg pubkey <"$T_TMP/$1/state/private.key"
}

# linked H1 H2 WHAT: each host's config has the other, with the same PSK.
linked() {
	_b1=$(peer_block "$1" "$(pub "$2")")
	_b2=$(peer_block "$2" "$(pub "$1")")
	_k1=$(printf '%s\n' "$_b1" | sed -n 's/^PresharedKey = //p')
	_k2=$(printf '%s\n' "$_b2" | sed -n 's/^PresharedKey = //p')
	if [ -n "$_k1" ] && [ "$_k1" = "$_k2" ]; then
		ok "$3: $1 and $2 have each other, with one preshared key"
	else
		fail "$3: $1 and $2 are not linked both ways (keys '$_k1' '$_k2')"
	fi
}

# unlinked H1 H2 WHAT: neither host's config has the other.
unlinked() {
	if [ -z "$(peer_block "$1" "$(pub "$2")")" ] && [ -z "$(peer_block "$2" "$(pub "$1")")" ]; then
		ok "$3: $1 and $2 are not in each other's config"
	else
		fail "$3: $1 and $2 are still in a config"
	fi
}

# --- If-Match: an old view cannot undo the host's endpoint ---------------
host w1 web1 203.0.113.1:51820
W1=$ID
api -a GET "/admin/peers/$W1"
expect_status 200
OLD=$(jqr .revision)
expect_header ETag "^\"$OLD\"\$"
wgc w1 endpoint 198.51.100.77:4500
expect_rc 0 "the host moves its endpoint (PUT /peer/endpoint)"
BEFORE=$(db_dump_but_last_seen)
api -a -h "If-Match: \"$OLD\"" PATCH "/admin/peers/$W1" '{"name":"renamed"}'
expect_error 412 precondition_failed
expect_str .error.current.endpoint 198.51.100.77:4500
expect_str .error.current.name web1
NOW=$(jqr .error.current.revision)
expect_header ETag "^\"$NOW\"\$"
expect_db_unchanged "$BEFORE" db_dump_but_last_seen
api -a -h "If-Match: \"$NOW\"" PATCH "/admin/peers/$W1" '{"name":"web1b"}'
expect_status 200
expect_str .name web1b
expect_str .endpoint 198.51.100.77:4500
NEXT=$(jqr .revision)
expect_header ETag "^\"$NEXT\"\$"
api -a -h "If-Match: \"$NEXT\"" PATCH "/admin/peers/$W1" '{"name":"web1"}'
expect_status 200 "the revision a PATCH answers with is the one the next edit names"
api -a -h "If-Match: $NEXT" PATCH "/admin/peers/$W1" '{"name":"x"}'
expect_error 400 invalid_if_match
# Without If-Match, as before: only the fields sent change.
api -a PATCH "/admin/peers/$W1" '{"keepalive":7}'
expect_status 200
expect_json '[.name, .endpoint, .keepalive]' '["web1", "198.51.100.77:4500", 7]'
api -a -h 'If-Match: "1"' DELETE "/admin/peers/$W1"
expect_error 412 precondition_failed
api -a GET "/admin/peers/$W1"
expect_status 200 "a stale DELETE deletes nothing"

# --- tags and rules through wgconf admin ----------------------------------
for c in tag untag rules; do
	admin "$c" --help
	expect_rc 0 "admin $c --help"
	expect_in "$OUT" "^Usage: wgconf admin $c " "admin $c --help prints its usage"
done
admin rules add x y --state pending
expect_rc 2 "rules: an option it does not take"
host w2 web2 203.0.113.2:51820
W2=$ID
host d1 db1 203.0.113.3:51820
D1=$ID
host x1 other 203.0.113.4:51820

admin tag web1 web
expect_rc 0 "tag web1 web"
expect_in "$OUT" "^web1 \(id $W1\) tags: web$" "tag prints the peer's tags"
admin tag web2 web edge --json
expect_rc 0 "tag web2 with two tags, --json"
expect_eq "$(printf '%s' "$OUT" | jq -c .tags)" '["edge","web"]' "--json prints the peer, tags sorted"
admin tag db1 db
expect_rc 0 "tag db1 db"
admin tag web1 Web
expect_rc 2 "tag with an upper-case letter"
expect_in "$ERR" "invalid tag 'Web'" "the message names the tag"
admin tag web1 "$(printf 'x%.0s' $(seq 33))"
expect_rc 2 "a 33-character tag"
admin tag web1
expect_rc 2 "tag without a tag"
admin tag nosuch web
expect_rc 1 "tag an unknown peer"
expect_in "$ERR" "no peer with id or name 'nosuch'" "the message names it"
admin peers
expect_in "$OUT" "^ID +NAME +STATE .* TAGS +PAIRED WITH" "admin peers has a TAGS column"
expect_in "$OUT" "^$W2 +web2 .* edge,web +- " "with web2's tags"
unlinked w1 d1 "before any rule"

admin rules add web db
expect_rc 0 "rules add web db"
expect_in "$OUT" "^rule [0-9]+: every peer tagged db with every peer tagged web \(2 pairs\)$" \
    "add says what the rule pairs and how many"
R1=$(printf '%s' "$OUT" | sed -n 's/^rule \([0-9]*\):.*/\1/p')
linked w1 d1 "a rule-made pair"
linked w2 d1 "a rule-made pair"
unlinked w1 w2 "two web peers under web<->db"
# What an admin signs (docs/trust.md): a peer's tags in its statement, the
# rule in the policy; the pairs a rule makes are in neither.
api -a GET "/admin/peers/$D1/statement"
expect_status 200
expect_in "$(jqr .proposed)" "^tag db\$" "db1's statement proposal names its tag"
expect_not_in "$(jqr .proposed)" "^pair " "and none of the pairs the rule makes"
api -a GET /admin/policy
expect_status 200
expect_in "$(jqr .proposed)" "^rule db web\$" "the policy proposal names the rule"
api -a GET /admin/pairs
expect_eq "$(jqr "[.pairs[] | select(.explicit == false and .rules == [\"$R1\"])] | length")" 2 \
    "the pairs say they come from rule $R1"
admin rules
expect_rc 0 "rules"
expect_in "$OUT" "^ID +TAG A +TAG B +PAIRS +JOB +CREATED" "rules prints a table"
expect_in "$OUT" "^$R1 +db +web +2 " "with the rule and its pairs"
admin rules list --json
expect_eq "$(printf '%s' "$OUT" | jq -c '[.rules[] | [.a, .b, .pairs]]')" '[["db","web",2]]' \
    "rules --json"
admin rules add db web
expect_rc 1 "the same rule again"
expect_in "$ERR" "already pairs" "the server's message is shown"
admin rules add web
expect_rc 2 "rules add with one tag"
admin rules add web D.B
expect_rc 2 "rules add with a bad tag"
expect_in "$ERR" "invalid tag 'D.B'" "the message names it"
admin rules add web 'd b'
expect_rc 2 "rules add with a space in a tag"
expect_in "$ERR" "'d b'" "the message names it"
admin rules delete x
expect_rc 2 "rules delete x"
admin rules delete 9999
expect_rc 1 "rules delete an unknown id"
expect_in "$ERR" "no rule with id" "the server says so"

# An explicit pair stays when its rule goes; a rule-only one goes.
admin pair web1 db1
expect_rc 0 "pair web1 db1 by hand too"
admin unpair web2 db1
expect_rc 1 "a pair only a rule makes cannot be unpaired by hand"
expect_in "$ERR" "rule $R1" "the message names the rule"
# A tagged peer joins the rule's pairs at once, an untagged one leaves them.
admin tag other db
expect_rc 0 "tag other db"
linked x1 w2 "tagging joins the rule's pairs"
admin untag other db nosuch
expect_rc 0 "untag other db (and a tag it lacks)"
expect_in "$ERR" "other has no tag 'nosuch'" "untag says which tag was not there"
unlinked x1 w2 "untagging leaves them"
wgc y1 register --server "$URL" --cacert "$CACERT" --name late 203.0.113.5:51820
expect_rc 0 "register late"
admin accept late --tags 'db,Bad'
expect_rc 2 "accept --tags with a bad tag"
expect_in "$ERR" "invalid --tags entry 'Bad'" "the message names it"
admin accept late --tags db
expect_rc 0 "accept late --tags db"
linked y1 w1 "a peer accepted with a tag is paired by the rule at once"
linked y1 w2 "by the rule, with each web peer"
admin edit late --tags none
expect_rc 0 "edit late --tags none"
unlinked y1 w1 "edit --tags none takes it out again"
admin edit late --tags web,edge --json
expect_eq "$(printf '%s' "$OUT" | jq -c .tags)" '["edge","web"]' "edit --tags replaces the tags"
linked y1 d1 "and pairs it as a web peer now"
admin delete late
expect_rc 0 "delete late"
admin rules delete "$R1"
expect_rc 0 "rules delete $R1"
linked w1 d1 "an explicit pair stays when its rule goes"
unlinked w2 d1 "a rule-only pair goes from both configs with its rule"
api -a GET /admin/pairs
expect_json '[.pairs[] | [.explicit, .rules]]' '[[true, []]]'

# A full mesh of one tag; unpair of a pair a rule also makes keeps it.
admin rules add web web --json
expect_rc 0 "a full mesh of web"
R2=$(printf '%s' "$OUT" | jq -r .id)
expect_eq "$(printf '%s' "$OUT" | jq .pairs)" 1 "one pair"
linked w1 w2 "full mesh"
admin pair web1 web2
admin unpair web1 web2
expect_rc 0 "unpair a pair the rule also makes"
expect_in "$OUT" "stay paired by rule $R2" "unpair says the rule keeps it"
linked w1 w2 "the rule keeps the pair"
admin rules delete "$R2"
unlinked w1 w2 "gone with the rule"

# --- concurrent edits through two responders keep pairs = rules ----------
# Every pair that is not explicit is implied by a rule between accepted
# peers, and every pair a rule implies exists.
rules_hold() {
	_implied="SELECT min(x.peer_id, y.peer_id), max(x.peer_id, y.peer_id)
	    FROM rules r JOIN peer_tags x ON x.tag = r.a JOIN peer_tags y ON y.tag = r.b
	    JOIN peers px ON px.id = x.peer_id AND px.state = 'accepted'
	    JOIN peers py ON py.id = y.peer_id AND py.state = 'accepted'
	    WHERE x.peer_id != y.peer_id"
	_extra=$(sqlite3 "$DB" "SELECT count(*) FROM (SELECT a, b FROM pairs WHERE explicit = 0
	    EXCEPT $_implied)")
	_missing=$(sqlite3 "$DB" "SELECT count(*) FROM ($_implied EXCEPT SELECT a, b FROM pairs)")
	expect_eq "$_extra $_missing" "0 0" "$1: no pair without a reason, none missing"
}
admin rules add web db
expect_rc 0 "web <-> db for the concurrent edits"
printf 'user = "admin:%s"\ncacert = "%s"\nheader = "Content-Type: application/json"\n' \
    "$ADMIN_PASS" "$CACERT" >"$T_TMP/par.cfg"
i=0
for round in 1 2 3 4 5 6; do
	for id in "$W1" "$W2" "$D1" "$(jq -r .id "$T_TMP/x1/state/state.json")"; do
		case $(((i + round) % 4)) in
		0) tags='["web"]' ;; 1) tags='["db"]' ;; 2) tags='["web","db"]' ;; *) tags='[]' ;;
		esac
		curl -sS -K "$T_TMP/par.cfg" -X PATCH -d "{\"tags\":$tags}" -o /dev/null \
		    -w '%{http_code}\n' "$API/admin/peers/$id" >>"$T_TMP/par.codes" &
		i=$((i + 1))
	done
	curl -sS -K "$T_TMP/par.cfg" -X POST -d '{"a":"web","b":"web"}' -o /dev/null \
	    -w '%{http_code}\n' "$API/admin/rules" >>"$T_TMP/par.codes" &
done
wait
expect_eq "$(grep -cv '^\(200\|201\|409\)$' "$T_TMP/par.codes")" 0 \
    "30 concurrent tag edits and rule adds: each 200, 201 or 409 (rule_exists)"
rules_hold "after concurrent tag edits and rule adds"
admin rules delete "$(sqlite3 "$DB" "SELECT id FROM rules WHERE a = 'web' AND b = 'web'")"
rules_hold "after deleting web <-> web"
admin rules delete "$(sqlite3 "$DB" "SELECT id FROM rules WHERE a = 'db' AND b = 'web'")"
expect_eq "$(sqlite3 "$DB" "SELECT count(*) FROM pairs WHERE explicit = 0")" 0 "no rule, no rule pairs"
linked w1 d1 "the explicit pair outlived them all"
# Back to the tags the rest of the test expects.
for t in "$W1 [\"web\"]" "$W2 [\"edge\",\"web\"]" "$D1 [\"db\"]" \
    "$(jq -r .id "$T_TMP/x1/state/state.json") []"; do
	api -a PATCH "/admin/peers/${t%% *}" "{\"tags\":${t#* }}"
	expect_status 200
done

# --- scale: 100 peers in a full mesh, one request ------------------------
i=0
while [ $i -lt 100 ]; do
	keypair
	api POST /register "{\"name\":\"m$i\",\"public_key\":\"$PUB\",\"endpoint\":\"192.0.2.1:$((20000 + i))\"}"
	[ "$STATUS" = 201 ] || die "register m$i: $STATUS $BODY"
	api -a POST "/admin/peers/$(jqr .id)/accept" '{"tags":["all"]}'
	[ "$STATUS" = 200 ] || die "accept m$i: $STATUS $BODY"
	[ "$i" = 0 ] && M0_PRIV=$PRIV && M0=$(jqr .id)
	i=$((i + 1))
done
ok "100 peers accepted with the tag all"
T0=$(date +%s%N)
api -a POST /admin/rules '{"a":"all","b":"all"}'
T1=$(date +%s%N)
expect_status 201 "a full mesh of 100 peers: the rule at once"
expect_str .pairs 4950
expect_str .job.state making
say "# the rule of 4,950 pairs answered in $(( (T1 - T0) / 1000000 )) ms"
admin rules
expect_in "$OUT" "all +all +4950 +(making [0-9]+%|checking|done)" "admin rules shows the job"
wait_jobs
T2=$(date +%s%N)
say "# 4,950 pairs made in the background in $(( (T2 - T0) / 1000000 )) ms; slowest /health meanwhile $SLOWEST_MS ms"
[ "$SLOWEST_MS" -lt 1000 ] && ok "no /health answer took a second while the pairs were made" ||
    fail "a /health answer took $SLOWEST_MS ms while the pairs were made"
api -a GET /admin/jobs
expect_json '.jobs[0] | [.state, .pairs, .made, .progress]' '["done", 4950, 4950, 1]'
admin rules
expect_in "$OUT" "all +all +4950 +done" "admin rules shows the job done"
expect_eq "$(sqlite3 "$DB" "SELECT count(*) FROM pairs WHERE explicit = 0")" 4950 "4,950 pairs stored"
api -a GET "/admin/peers/$M0/config"
expect_eq "$(jqr '.peers | length')" 99 "one of them is configured with the 99 others"
S=$(jqr '.peers[0].preshared_key_sealed')
psk_open "$M0_PRIV" "$S" >/dev/null && ok "its sealed preshared key opens with its key" ||
    fail "the sealed PSK of a rule pair does not open"
api -a GET /admin/rules
MESH=$(jqr '.rules[] | select(.a == "all") | .id')
# One more peer joins the 100 by its tag, and leaves again.
admin tag web1 all
expect_rc 0 "web1 joins the mesh of 100 by its tag"
expect_eq "$(sqlite3 "$DB" "SELECT count(*) FROM pairs WHERE explicit = 0 AND '$W1' IN (a, b)")" 100 \
    "web1 is paired with the 100"
admin untag web1 all
expect_rc 0 "and leaves it"
expect_eq "$(sqlite3 "$DB" "SELECT count(*) FROM pairs WHERE explicit = 0")" 4950 "its 100 pairs are gone"
T0=$(date +%s%N)
admin rules delete "$MESH"
T1=$(date +%s%N)
expect_rc 0 "delete the rule of 4,950 pairs"
say "# 4,950 pairs dropped in $(( (T1 - T0) / 1000000 )) ms (wgconf included)"
expect_eq "$(sqlite3 "$DB" "SELECT count(*) FROM pairs WHERE explicit = 0")" 0 "all its pairs are gone"
api -a GET "/admin/peers/$M0/config"
expect_eq "$(jqr '.peers | length')" 0 "and so are they from the configs"

# --- export and import keep tags, rules and which pairs are explicit -----
admin rules add web db
expect_rc 0 "web <-> db again"
admin export
expect_rc 0 "admin export"
E1=$OUT
printf '%s\n' "$E1" >"$T_TMP/export1.json"
expect_eq "$(printf '%s' "$E1" | jq -c .rules)" '[["db","web"]]' "the export has the rule"
expect_eq "$(printf '%s' "$E1" | jq -c '.peers[] | select(.name == "web2") | .tags')" \
    '["edge","web"]' "and the peers' tags"
expect_eq "$(printf '%s' "$E1" | jq -c '[.peers[] | select(.tags == ["all"])] | length')" 100 \
    "the 100 peers tagged all"
expect_eq "$(printf '%s' "$E1" | jq -c '.pairs | length')" 1 \
    "and only the explicit pair (web1-db1): the rule's follow from tags and rules"
stack_start
printf '%s\n' "$ADMIN_PASS" >"$PWFILE"
admin import "$T_TMP/export1.json"
expect_rc 0 "import the export into a fresh server"
admin export
expect_eq "$OUT" "$E1" "export -> fresh server -> import -> export: the same text"
api -a GET /admin/pairs
expect_json '[.pairs[] | [.explicit, (.rules | length)]] | sort' '[[false, 1], [true, 1]]'
admin rules delete "$(sqlite3 "$DB" "SELECT id FROM rules")"
expect_rc 0 "delete the imported rule"
api -a GET /admin/pairs
expect_json '[.pairs[] | [.explicit, .rules]]' '[[true, []]]'

# --- no bound: a rule past 2,000 pairs, peers added straight into the
# database, some with keys that cannot be used (a row written behind the
# server's back): the job makes the pairs it can and ends.
sqlite3 "$DB" "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
    INSERT INTO peers (id, name, state, public_key, token_hash, created_at)
    SELECT printf('f%015x', i), 'big' || i, 'accepted', 'bigkey' || i, zeroblob(32), 1 FROM n;
    INSERT INTO peer_tags SELECT id, 'big' FROM peers WHERE name LIKE 'big%';" ||
    die "cannot add the bulk peers"
i=0
while [ $i -lt 70 ]; do
	sqlite3 "$DB" "UPDATE peers SET public_key = '$(wg genkey | wg pubkey)' WHERE name = 'big$i'" ||
	    die "cannot key big$i"
	i=$((i + 1))
done
api -a POST /admin/rules '{"a":"big","b":"big"}'
expect_status 201 "a rule of 20,100 pairs is taken"
expect_str .pairs 20100
wait_jobs
expect_eq "$(sqlite3 "$DB" "SELECT count(*) FROM pairs p JOIN peers x ON x.id = p.a
    JOIN peers y ON y.id = p.b WHERE x.name LIKE 'big%' AND y.name LIKE 'big%'")" 2415 \
    "the 2,415 pairs between peers with usable keys are made, and the job ends"
expect_responders_alive
