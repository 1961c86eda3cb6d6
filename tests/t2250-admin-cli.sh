#!/bin/sh
# SPDX-License-Identifier: MIT
# t2250-admin-cli: `wgconf admin edit`, `admin audit` and `admin invites`
# against a real local stack, each checked through the API: edit changes
# only the fields given (name, address, networks, endpoint or nat,
# keepalive) and refuses bad values naming them; audit shows the newest
# entries first, pages past the server's 500-entry page, honours --since
# and --limit; invite --label, and its defaults (one use, 24 hours);
# invites lists the codes with their labels and deletes one; every one
# prints the server's JSON with --json. Then a pause and an expiry as
# `wgconf status`, `admin peers` (--state disabled) and `admin links` show
# them, and enable on a peer that is not disabled.
. "$(dirname "$0")/lib.sh"
[ -x "$WGCONF" ] || die "$WGCONF is not built (make)"
stack_start

PWFILE=$T_TMP/admin-pass
printf '%s\n' "$ADMIN_PASS" >"$PWFILE"
mkdir -p "$T_TMP/home"

admin() {
	wgc adm admin --server "$URL" --cacert "$CACERT" --user admin \
	    --password-file "$PWFILE" "$@"
}

register web1 203.0.113.1:51820 || die "cannot register web1"
P1=$PEER_ID
register web2 || die "cannot register web2"
P2=$PEER_ID

# --- edit ---------------------------------------------------------------
admin edit web2 --address 10.77.0.50
expect_rc 1 "edit: the address of a pending peer"
expect_in "$ERR" "accept" "the message says to accept it first"
admin accept web1
expect_rc 0 "accept web1"
api -a GET "/admin/peers/$P1"
BEFORE=$BODY

admin edit web1 --name db1 --networks 10.20.0.0/16,192.168.7.0/24 \
    --endpoint 198.51.100.7:51821 --keepalive 15
expect_rc 0 "edit name, networks, endpoint and keepalive"
expect_in "$OUT" "edited db1 \(id $P1\)" "edit says what it edited"
api -a GET "/admin/peers/$P1"
expect_json .name '"db1"'
expect_json .networks '["10.20.0.0/16","192.168.7.0/24"]'
expect_json .endpoint '"198.51.100.7:51821"'
expect_json .keepalive 15
expect_json .addresses "$(printf '%s' "$BEFORE" | jq -c .addresses)"

admin edit db1 --address 10.77.0.42
expect_rc 0 "edit the address alone"
api -a GET "/admin/peers/$P1"
expect_json .addresses '["10.77.0.42"]'
expect_json .name '"db1"'
expect_json .networks '["10.20.0.0/16","192.168.7.0/24"]'
expect_json .keepalive 15

admin edit "$P1" --endpoint nat --networks none --json
expect_rc 0 "edit by id: nat, no networks, --json"
expect_eq "$(printf '%s' "$OUT" | jq -c '[.endpoint, .networks, .id]')" \
    "[null,[],\"$P1\"]" "--json prints the peer as the server answers"
api -a GET "/admin/peers/$P1"
expect_json .endpoint null
expect_json .networks '[]'

admin edit db1 --keepalive default
expect_rc 0 "edit: keepalive back to the network default"
api -a GET "/admin/peers/$P1"
expect_json .keepalive null
admin edit db1 --keepalive 15
expect_rc 0 "edit: keepalive 15 again"

for bad in "--networks 10.0.0.0/33" "--networks 10.0.0.0/8,,10.1.0.0/16" \
    "--keepalive 70000" "--endpoint 1.2.3.4:0" "--name a/b" "--address 10.77.0.300"; do
	# shellcheck disable=SC2086
	admin edit db1 $bad
	expect_rc 2 "edit $bad"
	_v=${bad#* }
	expect_in "$ERR" "$(q "${_v%%,,*}")" "the message names the value of $bad"
done
admin edit db1
expect_rc 2 "edit without a field"
admin edit nosuchpeer --name x
expect_rc 1 "edit an unknown peer"
expect_in "$ERR" "no peer with id or name 'nosuchpeer'" "the message names it"
api -a GET "/admin/peers/$P1"
expect_json '[.name, .endpoint, .networks, .keepalive, .addresses]' \
    '["db1", null, [], 15, ["10.77.0.42"]]'

# --- invites ------------------------------------------------------------
admin invite --uses 2
expect_rc 0 "make an invite"
admin invite --json --label 'for web9 (lab)'
expect_rc 0 "make another, with a label"
I2=$(printf '%s' "$OUT" | jq -r .id)
expect_eq "$(printf '%s' "$OUT" | jq -r .label)" "for web9 (lab)" "the label comes back"
api -a GET /admin/invites
expect_eq "$(jqr ".invites[] | select(.id == \"$I2\") | [.uses, (.expires_at | fromdateiso8601) - (.created_at | fromdateiso8601)]" | tr -d ' \n')" \
    "[1,86400]" "without --uses and --expires: one use, 24 hours (admin invite --help)"
admin invite --label "$(printf 'bad\tlabel')"
expect_rc 1 "a label with a tab is refused"
expect_in "$ERR" 'bad\\tlabel' "the message names the label"
admin invites
expect_rc 0 "admin invites"
expect_in "$OUT" "^ID +USES LEFT +EXPIRES +CREATED BY +CREATED +LABEL" "invites prints a table"
expect_in "$OUT" "^$I2 +1 of 1 .* for web9 \(lab\)$" "with the second invite, its uses and label"
expect_in "$OUT" " -$" "an invite without a label shows a dash"
expect_eq "$(printf '%s\n' "$OUT" | wc -l)" 3 "a header and two invites"
admin invites list --json
expect_rc 0 "admin invites list --json"
expect_eq "$(printf '%s' "$OUT" | jq '.invites | length')" 2 "--json lists both"
expect_not_in "$OUT" '"code"' "no code is ever listed"
admin invites delete "$I2"
expect_rc 0 "delete an invite"
api -a GET /admin/invites
expect_eq "$(jqr "[.invites[] | select(.id == \"$I2\")] | length")" 0 "the invite is gone"
expect_eq "$(jqr '.invites | length')" 1 "one invite is left"
admin invites delete "$I2"
expect_rc 1 "deleting it again"
# The shortest invite lives a minute: age one in the database instead.
admin invite --expires 60 --json
I3=$(printf '%s' "$OUT" | jq -r .id)
sqlite3 "$DB" "UPDATE invites SET expires_at = strftime('%s', 'now') - 10 WHERE id = '$I3'" ||
    fail "cannot age the invite"
admin invites
expect_in "$OUT" "^$I3 +1 of 1 +[0-9T:Z-]+ \(expired\) " "an expired invite says so"
admin invites delete "$I3"
expect_rc 0 "delete the expired one"
admin invites delete
expect_rc 2 "delete without an ID"
admin invites frob
expect_rc 2 "an unknown invites action"
expect_in "$ERR" "'frob'" "the message names it"

# --- audit --------------------------------------------------------------
admin audit --limit 3
expect_rc 0 "admin audit --limit 3"
expect_in "$OUT" "^AT +ACTOR +ACTION +TARGET +DETAIL" "audit prints a table"
expect_eq "$(printf '%s\n' "$OUT" | sed -n 2p | awk '{print $3}')" invite.delete \
    "the newest entry first"
expect_eq "$(printf '%s\n' "$OUT" | wc -l)" 4 "a header and three entries"
admin audit --json --limit 5
expect_rc 0 "admin audit --json"
api -a GET "/admin/audit?limit=5"
expect_eq "$(printf '%s' "$OUT" | jq -c .entries)" "$(printf '%s' "$BODY" | jq -c .entries)" \
    "--json has the entries the API lists"
admin audit --since 2999-01-01
expect_rc 0 "audit --since the future"
expect_eq "$(printf '%s\n' "$OUT" | wc -l)" 1 "nothing after the header"
admin audit --since 1h --json --limit 10000
expect_eq "$(printf '%s' "$OUT" | jq '[.entries[] | select(.action == "peer.edit")] | length')" \
    5 "--since 1h has the five edits"
admin audit --since yesterday
expect_rc 2 "audit: bad --since"
expect_in "$ERR" "'yesterday'" "the message names it"
admin audit --limit 0
expect_rc 2 "audit: bad --limit"

# More than one page of the server's (500): 510 edits in one curl run.
: >"$T_TMP/many.cfg"
i=1
while [ $i -le 510 ]; do
	[ $i = 1 ] || echo next >>"$T_TMP/many.cfg"
	printf 'url = "%s/admin/peers/%s"\ncacert = "%s"\nrequest = "PATCH"\nuser = "admin:%s"\nheader = "Content-Type: application/json"\ndata = "{\\"keepalive\\":%d}"\noutput = "/dev/null"\n' \
	    "$API" "$P2" "$CACERT" "$ADMIN_PASS" "$i" >>"$T_TMP/many.cfg"
	i=$((i + 1))
done
curl -sS -K "$T_TMP/many.cfg" || fail "the 510 edits"
api -a GET "/admin/peers/$P2"
expect_json .keepalive 510
admin audit --limit 515 --json
expect_rc 0 "audit --limit 515"
expect_eq "$(printf '%s' "$OUT" | jq '.entries | length')" 515 "515 entries over two pages"
expect_eq "$(printf '%s' "$OUT" | jq '[.entries[].id] | . == (sort | reverse) and (unique | length) == 515')" \
    true "newest first, none twice"
expect_eq "$(printf '%s' "$OUT" | jq -c '.entries[0].detail')" '{"keepalive":510}' \
    "the first is the last edit"
expect_eq "$(printf '%s' "$OUT" | jq -c '[.entries[499].id - .entries[500].id, .entries[509].detail]')" \
    '[1,{"keepalive":1}]' "the second page goes on where the first ended"
admin audit --since 1h --limit 10000 --json
expect_eq "$(printf '%s' "$OUT" | jq '[.entries[] | select(.action == "peer.edit")] | length')" \
    515 "all pages up to --since"
admin audit --json
expect_eq "$(printf '%s' "$OUT" | jq '.entries | length')" 50 "without --limit: 50 entries (audit --help)"


# --- pause and expiry, as `wgconf status` shows them (wgconf(1) status,
# `admin enable --help`: on a peer that is not disabled, --expires sets
# its expiry only, and enable without it drops the expiry) ---------------
wgc_register h9 h9 nat
admin accept h9
expect_rc 0 "accept h9"
admin enable h9 --expires 1h
expect_rc 0 "enable --expires on a peer that is not disabled"
api -a GET "/admin/peers/$ID"
expect_json .disabled false
expect_true '.expires_at != null' "it has an expiry"
wgc h9 status
expect_rc 0 "status of a peer with an expiry"
expect_in "$OUT" '^state +accepted, disabled by itself at 20[0-9-]+T' \
    "status says when the expiry will pause it"
admin peers
expect_in "$OUT" "^$ID +h9 +accepted, expires 20[0-9-]+T" "admin peers: its row says when it expires"
admin enable h9
expect_rc 0 "enable without --expires"
api -a GET "/admin/peers/$ID"
expect_true '.expires_at == null' "the expiry is dropped"
wgc h9 status
expect_in "$OUT" '^state +accepted$' "status: accepted, nothing more"
admin disable h9
expect_rc 0 "disable h9"
wgc h9 status
expect_in "$OUT" '^state +accepted, disabled by an admin' "status says it is paused"
# admin peers --state disabled lists the paused peer alone; its table row
# says ", disabled" after the state (wgconf(1) peers)
admin peers --state disabled --json
expect_rc 0 "peers --state disabled"
expect_eq "$(printf '%s' "$OUT" | jq -r '[.peers[].name] | join(",")')" h9 "only h9 is disabled"
admin peers --state disabled
expect_in "$OUT" "^$ID +h9 +accepted, disabled " "its row says accepted, disabled"
admin peers --state paused
expect_rc 2 "peers --state paused: a usage error"
# admin links: a pair with a paused side says ", paused" (wgconf(1) links)
admin pair h9 "$P1"
expect_rc 0 "pair the paused h9 with $P1"
api -a GET /admin/links
expect_true "[.links[] | select(.paused)] | length == 1" "the API marks the pair paused"
admin links
expect_in "$OUT" "never, paused" "admin links says the pair is paused"
