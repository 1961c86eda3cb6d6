#!/bin/sh
# SPDX-License-Identifier: MIT
# A phone joins through a device link, its key made in its browser: the
# admin makes the link on the admin page, a phone-sized browser without
# the admin's password opens it and gets a QR code and a download
# (tests/browser/device.mjs). Then, on what the phone got: the downloaded
# config's private key derives the public key the server holds; its PSK
# is the one the gateway's sealed box holds; the QR code decodes to
# exactly the downloaded file; neither the private key nor the PSK (nor
# the invite code) is anywhere in the database, the nginx logs or any
# answer the server gave; the gateway's config carries the device, a host
# paired with the device reaches it through the gateway; a deleted device
# is gone from the gateway's config, and its key can never join again.
. "$(dirname "$0")/lib.sh"

need node chromium wg zbarimg python3
[ -d "$T_ROOT/node_modules/playwright-core" ] || skip "playwright-core is not installed (make deps)"
[ -r /usr/share/nodejs/tweetnacl/nacl-fast.min.js ] || skip "node-tweetnacl is not installed (make deps)"
[ -r /usr/share/nodejs/qrcode-generator/qrcode.js ] || skip "node-qrcode-generator is not installed (make deps)"
stack_start

register GW 192.0.2.11:51820 || die "register"
GW=$PEER_ID GW_PRIV=$PEER_PRIV
register H1 192.0.2.12:51820 || die "register"
H1=$PEER_ID
for p in $GW $H1; do
	api -a POST "/admin/peers/$p/accept" '{}'
	expect_status 200 "accept" || die "accept"
done
api -a PUT "/admin/pairs/$GW/$H1"
expect_status 201 "the gateway and H1 are paired" || die "pair"

OUT=$T_TMP/device
mkdir -p "$OUT"
URL=$URL ADMIN_PASS=$ADMIN_PASS GW_NAME=GW OUT=$OUT NODE_EXTRA_CA_CERTS=$CACERT \
    node "$T_ROOT/tests/browser/device.mjs" >"$T_TMP/browser.out" 2>&1
rc=$?
cat "$T_TMP/browser.out"
[ $rc -eq 0 ] && ok "the browser walk passed" || fail "the browser walk failed (exit $rc)"
[ -s "$OUT/device.conf" ] || die "no config was downloaded"
cp "$OUT/qr.png" "$OUT/phone.png" "$T_ROOT/tests/out/" 2>/dev/null
say "# the downloaded config, keys elided:"
sed 's/\(Key = \).*/\1…/' "$OUT/device.conf" | sed 's/^/#   /'

# ---- the downloaded config and what the server holds
priv=$(sed -n 's/^PrivateKey = //p' "$OUT/device.conf")
psk=$(sed -n 's/^PresharedKey = //p' "$OUT/device.conf")
code=$(sed -n 's|.*/join.html#||p' "$OUT/link.txt")
[ -n "$priv" ] && [ -n "$psk" ] && [ -n "$code" ] || die "the config has no private key or PSK"
api -a GET /admin/devices
expect_status 200 "the devices list"
expect_eq "$(jqr '[.devices[].name] | sort | join(",")')" admin-laptop,alice-phone \
    "two devices: the admin's, made on the admin page, and the phone, with the name typed there"
PH='.devices[] | select(.name == "alice-phone")'
DEV=$(jqr "$PH | .id")
expect_eq "$(jqr "$PH | .gateway.name")" GW "its gateway is GW"
expect_eq "$(printf '%s\n' "$priv" | wg pubkey)" "$(jqr "$PH | .public_key")" \
    "the downloaded private key derives the public key the server holds"
addr=$(jqr "$PH | .addresses[0]")
expect_in "$(cat "$OUT/device.conf")" "^Address = $(q "$addr")/32\$" "the config has the device's address"
expect_in "$(cat "$OUT/device.conf")" "^Endpoint = 192\.0\.2\.11:51820\$" "the config's peer is the gateway"
expect_in "$(cat "$OUT/device.conf")" "^AllowedIPs = 10\.77\.0\.0/24\$" "the device sends the mesh into the tunnel"

api -a GET "/admin/peers/$GW/config"
expect_eq "$(jqr "[.peers[] | select(.id == \"$DEV\") | .allowed_ips[]] | join(\",\")")" "$addr/32" \
    "the gateway's config carries the device"
expect_eq "$(jqr .interface.relay)" true "the gateway is asked to forward (with its host's allow-relay)"
gbox=$(jqr ".peers[] | select(.id == \"$DEV\") | .preshared_key_sealed")
expect_eq "$(psk_open "$GW_PRIV" "$gbox")" "$psk" "the gateway and the device share the PSK"
api -a GET "/admin/peers/$H1/config"
expect_eq "$(jqr "[.peers[] | select(.id == \"$DEV\")] | length")" 0 "H1, not paired with the device, has no way to it"
expect_not_in "$(jqr "[.peers[] | select(.id == \"$GW\") | .allowed_ips[]] | join(\",\")")" "$(q "$addr")/" \
    "nor the device's address in the gateway's AllowedIPs"
api -a PUT "/admin/pairs/$H1/$DEV"
expect_status 201 "the admin pairs H1 with the device"
api -a GET "/admin/peers/$H1/config"
expect_eq "$(jqr "[.peers[] | select(.id == \"$DEV\")] | length")" 0 "H1 still has no peer entry of the device"
expect_eq "$(jqr "[.peers[] | select(.id == \"$GW\") | .allowed_ips[]] | join(\",\")")" \
    "$(jqr "[.peers[] | select(.id == \"$GW\") | .allowed_ips[0]] | join(\",\")"),$addr/32" \
    "H1 reaches the device through the gateway: its address is in the gateway's AllowedIPs"
api -a GET /admin/peers
expect_eq "$(jqr "[.peers[] | select(.id == \"$DEV\")] | length")" 0 "devices are listed apart from hosts"

# ---- the QR code is the file
zbarimg --raw -q "$OUT/qr.png" >"$OUT/qr.txt" 2>"$T_TMP/zbar.err" || say "# zbarimg: $(cat "$T_TMP/zbar.err")"
# zbarimg ends what it read with one newline of its own.
head -c -1 "$OUT/qr.txt" >"$OUT/qr.data"
if cmp -s "$OUT/qr.data" "$OUT/device.conf"; then
	ok "the QR code decodes to exactly the downloaded file"
else
	fail "the QR code decodes to something else than the downloaded file"
	diff "$OUT/qr.data" "$OUT/device.conf" | sed 's/Key = .*/Key = …/; s/^/    /' | head -20
fi

# ---- no secret anywhere on the server's side
api -a GET /admin/export
printf '%s\n' "$BODY" >"$OUT/export.json"
api -a GET /admin/audit
printf '%s\n' "$BODY" >"$OUT/audit.json"
for f in "$OUT/export.json" "$OUT/audit.json"; do
	printf -- '--- %s\n' "$f" >>"$OUT/responses.txt"
	cat "$f" >>"$OUT/responses.txt"
done
sqlite3 "$DB" .dump >"$OUT/db.sql"
# The raw file too (and its WAL): a key stored as a blob would not show
# in the dump's hex.
secrets_in() {
	python3 - "$@" <<'PY'
import base64, sys
names = ["private key", "PSK", "invite code"]
vals = sys.argv[1:4]
found = []
for path in sys.argv[4:]:
    try:
        data = open(path, "rb").read()
    except OSError:
        continue
    for n, v in zip(names, vals):
        forms = [v.encode()]
        if v == "-":
            continue
        if n != "invite code":
            raw = base64.b64decode(v)
            forms += [raw, raw.hex().encode(), raw.hex().upper().encode()]
        if any(f in data for f in forms):
            found.append(f"{n} in {path}")
print("; ".join(found))
PY
}
where=$(secrets_in "$priv" "$psk" "$code" "$DB" "$DB-wal" "$OUT/db.sql" "$RUN"/logs/*)
expect_eq "$where" "" "no private key, PSK or invite code in the database or the nginx logs"
# The code is in one answer, the one that made it (shown once).
where=$(secrets_in "$priv" "$psk" "-" "$OUT/responses.txt")
expect_eq "$where" "" "no private key or PSK in any answer the server gave"
grep -q "$DEV" "$OUT/db.sql" && ok "(the database does hold the device: the search looked in the right file)" ||
    fail "the device is not in the dump: the secret search looked at the wrong file"
grep -q '/api/v1/join' "$RUN/logs/access.log" && ok "(the access log has the join: the search looked in the right log)" ||
    fail "the join is not in the access log"

# ---- deleted: gone from the gateway, its key never back
pub=$(printf '%s\n' "$priv" | wg pubkey)
api -a DELETE "/admin/devices/$DEV"
expect_status 204 "the admin deletes the device"
api -a GET "/admin/peers/$GW/config"
expect_eq "$(jqr "[.peers[] | select(.public_key == \"$pub\")] | length")" 0 "the gateway's config no longer has the device"
expect_eq "$(jqr .interface.relay)" true "it still routes for the admin's device"
api -a GET /admin/devices
api -a DELETE "/admin/devices/$(jqr '.devices[0].id')"
expect_status 204 "the admin deletes its own device too"
api -a GET "/admin/peers/$GW/config"
expect_eq "$(jqr .interface.relay)" false "a gateway of no device is not asked to forward"
api -a GET "/admin/peers/$H1/config"
expect_not_in "$(jqr '[.peers[].allowed_ips[]] | join(",")')" "$(q "$addr")/" "nor H1's"
api -a POST /admin/device-invites "{\"gateway\":\"$GW\"}"
expect_status 201 "a new device link"
code2=$(jqr .code)
api POST /join "{\"invite\":\"$code2\",\"public_key\":\"$pub\",\"name\":\"again\"}"
expect_error 409 key_revoked "the deleted device's key cannot join again"
api POST /register "{\"name\":\"again\",\"public_key\":\"$pub\",\"endpoint\":null}"
expect_error 409 key_revoked "nor register as a host"
api POST /join/info "{\"invite\":\"$code\"}"
expect_error 403 invite_invalid "the used link stays used"

# ---- the join routes spend the register budget (nginx, as in production)
RATE=production stack_start 1
n429=0
for i in $(seq 1 25); do
	api POST /join/info '{"invite":"nothing-valid-here-at-all"}'
	[ "$STATUS" = 429 ] && n429=$((n429 + 1))
done
expect_error 429 rate_limited "the 25th join attempt from one address is refused by nginx"
api POST /join '{"invite":"nothing-valid-here-at-all"}'
expect_error 429 rate_limited "and /join shares that budget"
expect_eq "$([ "$n429" -ge 4 ] && echo yes)" yes "at most the burst of 20 (and a few at 6 a minute) pass ($((25 - n429)) passed)"
