#!/bin/sh
# SPDX-License-Identifier: MIT
# t2260-admin-pages: the admin lists at scale, through nginx. With 2,100
# peers and 2,099 pairs, GET /admin/peers answers a page of 100 with a
# next_cursor, walking the cursors gives every peer exactly once, a bad
# cursor is a 400 JSON error naming it, ?q= and ?state= filter; `wgconf
# admin peers` follows the cursor and shows all 2,100 (table and --json),
# and `wgconf admin pair` and `unpair` find peers by names on the last page. A
# config fetched twice is the same bytes, and a pair made since changes it.
. "$(dirname "$0")/lib.sh"
[ -x "$WGCONF" ] || die "$WGCONF is not built (make)"
need sqlite3
stack_start

PWFILE=$T_TMP/admin-pass
printf '%s\n' "$ADMIN_PASS" >"$PWFILE"
mkdir -p "$T_TMP/home"
admin() {
	wgc adm admin --server "$URL" --cacert "$CACERT" --user admin \
	    --password-file "$PWFILE" "$@"
}

register hub 203.0.113.1:51820 || die "cannot register hub"
HUB=$PEER_ID HUB_TOKEN=$PEER_TOKEN
api -a POST "/admin/peers/$HUB/accept" '{}'
expect_status 200 "accept the hub"

# 2,100 peers in one go, as rows (registering each through the API would
# take minutes): distinct keys, ids and times, a third of them pending,
# the others accepted with an address and each paired with the hub. Their keys are not real keys: they
# are only listed here, never sealed to.
N=2099
sqlite3 "$DB" <<EOF || die "cannot seed $N peers"
PRAGMA foreign_keys = ON;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $N)
INSERT INTO peers (id, name, state, public_key, token_hash, created_at)
SELECT printf('%016x', 1099511627776 + i), printf('bulk%04d', i),
       CASE WHEN i % 3 = 0 THEN 'pending' ELSE 'accepted' END,
       printf('bulk-key-%04d', i), zeroblob(32), 1700000000 + i / 7 FROM n;
INSERT INTO addresses (peer_id, family, address)
SELECT id, 4, printf('10.77.%d.%d', (rowid + 10) / 250, (rowid + 10) % 250 + 1)
FROM peers WHERE state = 'accepted' AND id != '$HUB';
INSERT INTO pairs (a, b, psk_box_a, psk_box_b, created_at)
SELECT min(id, '$HUB'), max(id, '$HUB'), zeroblob(80), zeroblob(80), 1700000000
FROM peers WHERE state = 'accepted' AND id != '$HUB';
UPDATE network SET ipv4_pool = '10.77.0.0/16', revision = revision + 1;
UPDATE peers SET revision = (SELECT revision FROM network);
COMMIT;
EOF
TOTAL=$((N + 1))
PAIRS=$(sqlite3 "$DB" 'SELECT count(*) FROM pairs')

# --- the API, page by page -------------------------------------------
api -a GET /admin/peers
expect_status 200 "the first page"
expect_json '.peers | length' 100
expect_true '.next_cursor | type == "string"' "a full page has a next_cursor"

: >"$T_TMP/ids"
CUR="" PAGES=0
while :; do
	if [ -n "$CUR" ]; then api -a GET "/admin/peers?limit=1000&cursor=$CUR"
	else api -a GET "/admin/peers?limit=1000"; fi
	[ "$STATUS" = 200 ] || { expect_status 200; break; }
	jqr '.peers[].id' >>"$T_TMP/ids"
	PAGES=$((PAGES + 1))
	CUR=$(jqr '.next_cursor // empty')
	[ -n "$CUR" ] || break
	[ $PAGES -lt 10 ] || { fail "the cursor walk does not end"; break; }
done
expect_eq "$PAGES" 3 "2,100 peers are three pages of 1,000"
expect_eq "$(wc -l <"$T_TMP/ids" | tr -d ' ')" "$TOTAL" "the walk shows every peer"
expect_eq "$(sort -u "$T_TMP/ids" | wc -l | tr -d ' ')" "$TOTAL" "and each once"

api -a GET "/admin/peers?cursor=nonsense"
expect_error 400 invalid_cursor
expect_in "$(jqr .error.message)" "nonsense" "the message names the bad cursor"
api -a GET "/admin/peers?limit=5000"
expect_error 400 invalid_limit
api -a GET "/admin/peers?q=bulk2098"
expect_json '.peers | length' 1
expect_str '.peers[0].name' bulk2098
api -a GET "/admin/peers?state=pending&limit=500"
expect_json '.peers | length' 500
expect_true '.next_cursor | type == "string"' "filtered pages go on too"
api -a GET "/admin/pairs?peer=$HUB&limit=1000"
expect_json '.pairs | length' 1000
expect_true '.next_cursor | type == "string"' "the hub's pairs go on"

# --- the CLI follows the cursor ----------------------------------------
admin peers
expect_rc 0 "admin peers"
expect_eq "$(printf '%s\n' "$OUT" | grep -c '^[0-9a-f]\{16\} ')" "$TOTAL" \
    "admin peers shows every peer, not a page"
expect_in "$OUT" "bulk2099" "the last one too"
admin peers --json
expect_rc 0 "admin peers --json"
expect_eq "$(printf '%s' "$OUT" | jq '.peers | length')" "$TOTAL" "--json holds every peer"
admin peers --state pending
expect_rc 0 "admin peers --state pending"
expect_eq "$(printf '%s\n' "$OUT" | grep -c ' pending ')" 699 "every pending peer"
# A name on the last page resolves (the CLI's own lookups page too).
admin unpair hub bulk2098
expect_rc 0 "unpair by a name from the last page"
expect_in "$OUT" "unpaired hub and bulk2098" "it says what it did"
expect_eq "$(sqlite3 "$DB" 'SELECT count(*) FROM pairs')" "$((PAIRS - 1))" "one pair fewer"

# --- a config, kept and then changed -------------------------------------
api -b "$HUB_TOKEN" GET /peer/config
expect_status 200 "the hub's config"
FIRST=$BODY
ETAG=$(header ETag)
expect_json '.peers | length' $((PAIRS - 1))
api -b "$HUB_TOKEN" GET /peer/config
expect_eq "$BODY" "$FIRST" "fetched again: the same bytes"
expect_eq "$(sqlite3 "$DB" "SELECT count(*) FROM config_cache WHERE peer_id = '$HUB'")" 1 \
    "the config is kept"
api -b "$HUB_TOKEN" -h "If-None-Match: $ETAG" GET /peer/config
expect_status 304 "unchanged: 304"
register zlate 203.0.113.9:51820 || die "cannot register zlate"
api -a POST "/admin/peers/$PEER_ID/accept" '{}'
expect_status 200 "accept zlate, the newest peer"
admin pair hub zlate
expect_rc 0 "pair by a name on the last page"
api -b "$HUB_TOKEN" -h "If-None-Match: $ETAG" GET /peer/config
expect_status 200 "a pair made since: the config again"
expect_json '.peers | length' "$PAIRS"
expect_true '[.peers[].name] | index("zlate") != null' "with the new pair in it"
[ "$(header ETag)" != "$ETAG" ] && ok "under a new ETag" || fail "the ETag did not change"

expect_responders_alive
