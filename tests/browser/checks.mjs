// SPDX-License-Identifier: MIT
// The admin page's field checks (www/util.js) run in node as they run in
// the page: what the forms refuse before sending, and the name order.

import { isIPv4, isIPv6, checkInt, checkCidr, checkEndpoint, checkName, checkTag, checkTags, checkLabel, natural, list, ago, duration } from "../../www/util.js";

let n = 0, bad = 0;
const check = (cond, what) => {
  n++;
  if (!cond) bad++;
  console.log(`${cond ? "ok" : "not ok"} ${n} - ${what}`);
};

for (const a of ["10.0.0.1", "0.0.0.0", "255.255.255.255"]) check(isIPv4(a), `${a} is IPv4`);
for (const a of ["256.1.1.1", "1.2.3", "01.2.3.4", "1.2.3.4 ", "1.2.3.4/32", "a.b.c.d", ""]) check(!isIPv4(a), `"${a}" is not IPv4`);
for (const a of ["fd77::1", "::", "2001:db8::1", "::ffff:1.2.3.4", "fe80:0:0:0:0:0:0:1"]) check(isIPv6(a), `${a} is IPv6`);
for (const a of ["fd77::zz", "1:2:3:4:5:6:7:8:9", "fd77:::1", "10.0.0.1", "fd77::1%eth0", "[fd77::1]", ""]) check(!isIPv6(a), `"${a}" is not IPv6`);
check(checkInt("14OO", 1280, 9000, "the MTU") !== null, "MTU '14OO' is refused, not unset");
check(checkInt("1279", 1280, 9000, "the MTU") !== null && checkInt("9001", 1280, 9000, "the MTU") !== null, "MTU outside 1280–9000 is refused");
check(checkInt("1420", 1280, 9000, "the MTU") === null, "MTU 1420 passes");
check(checkInt("abc", 0, 65535, "keepalive") !== null && checkInt("-1", 0, 65535, "keepalive") !== null, "keepalive 'abc' and -1 are refused");
check(checkInt("0", 0, 65535, "keepalive") === null, "keepalive 0 (off) passes");
check(checkInt("1.5", 1, 65535, "the port") !== null && checkInt("0", 1, 65535, "the port") !== null, "port 1.5 and 0 are refused");
for (const e of ["203.0.113.5:51820", "vpn.example.org:51820", "[2001:db8::1]:51820", "h:1"]) check(checkEndpoint(e) === null, `endpoint ${e} passes`);
for (const e of ["203.0.113.5", "203.0.113.5:5182O", "203.0.113.5:70000", "2001:db8::1:51820", "[fd77::zz]:1", "a b:1", ":51820", "x;rm -rf /:1"])
  check(checkEndpoint(e) !== null, `endpoint "${e}" is refused`);
for (const c of ["10.0.0.0/8", "192.168.5.0/24", "fd77::/64", "10.0.0.1/32"]) check(checkCidr(c) === null, `network ${c} passes`);
for (const c of ["10.0.0.0/33", "fd77::/129", "10.0.0.0", "10.0.0.0/", "x/8"]) check(checkCidr(c) !== null, `network "${c}" is refused`);
check(checkName("web1.example-2_b") === null && checkName("a".repeat(64)) !== null && checkName("a b") !== null && checkName("") !== null,
  "names: letters, digits, '.', '-', '_', 1 to 63");
check(["host-10", "host-2", "Host-1", "alpha", "host-002b"].sort(natural).join(" ") === "alpha Host-1 host-2 host-002b host-10",
  "names sort as a person expects (case-insensitive, numbers by value)");
check(JSON.stringify(list(" 10.0.0.0/8, 192.168.1.0/24  fd77::/64,,")) === '["10.0.0.0/8","192.168.1.0/24","fd77::/64"]',
  "a list field splits on commas and spaces");
const now = Date.parse("2026-11-30T12:00:00Z");
check(ago(null, now) === "never" && ago("2026-11-30T11:59:50Z", now) === "just now" && ago("2026-11-30T11:55:00Z", now) === "5 min ago" &&
  ago("2026-11-30T09:00:00Z", now) === "3 h ago" && ago("2026-11-27T12:00:00Z", now) === "3 d ago", "relative times read as people say them");
for (const t of ["web", "db-2", "a_b", "x".repeat(32)]) check(checkTag(t) === null, `tag ${t} passes`);
for (const t of ["Web", "a.b", "a b", "", "x".repeat(33), "é"]) check(checkTag(t) !== null, `tag "${t}" is refused`);
check(checkTags(Array.from({ length: 16 }, (_, i) => `t${i}`)) === null && checkTags(Array.from({ length: 17 }, (_, i) => `t${i}`)) !== null,
  "a peer has at most 16 tags");
check(checkLabel("") === null && checkLabel("for web9 <b>") === null && checkLabel("é".repeat(64)) === null,
  "labels: empty (none), text, 64 characters pass");
for (const l of ["é".repeat(65), "a\tb", "a\nb", "\u001b[31m", "a\u007f", "a\u0085"]) check(checkLabel(l) !== null, `label ${JSON.stringify(l)} is refused`);
for (const [s, w] of [[0, "0 s"], [45, "45 s"], [60, "1 min"], [5400, "1 h 30 min"], [86400, "1 day"], [604800, "7 days"],
  [7776000, "90 days"], [90061, "1 day 1 h"]]) check(duration(s) === w, `${s} seconds read "${w}" (${duration(s)})`);
console.log(`# ${n} checks, ${bad} failed`);
process.exit(bad ? 1 : 0);
