// SPDX-License-Identifier: MIT
// The network settings form: checked before sending, only changed fields
// sent, a refusal shown at its field.

import { api, timing } from "./api.js";
import { store, setNetwork, load } from "./store.js";
import { $, el, note, list, isIPv4, isIPv6, checkInt, checkCidr, duration } from "./util.js";

const FIELDS = ["ipv4_pool", "ipv6_pool", "mtu", "keepalive", "dns"];

function fieldsOf(n) {
  return { ipv4_pool: n.ipv4_pool, ipv6_pool: n.ipv6_pool ?? "", mtu: n.mtu === null ? "" : String(n.mtu),
    keepalive: String(n.keepalive), dns: n.dns.join(", ") };
}

function check(k, v) {
  if (k === "ipv4_pool") return !v ? "an IPv4 pool is required" : checkCidr(v) ?? (isIPv4(v.split("/")[0]) ? null : "an IPv4 network, like 10.77.0.0/24");
  if (k === "ipv6_pool") return !v ? null : checkCidr(v) ?? (isIPv6(v.split("/")[0]) ? null : "an IPv6 network, like fd77::/64");
  if (k === "mtu") return v ? checkInt(v, 1280, 9000, "the MTU") : null;
  if (k === "keepalive") return checkInt(v, 0, 65535, "keepalive");
  if (k === "dns") {
    for (const a of list(v)) if (!isIPv4(a) && !isIPv6(a)) return `"${a}" is not an IP address`;
  }
  return null;
}

function value(k, v) {
  if (k === "ipv6_pool") return v || null;
  if (k === "mtu") return v ? Number(v) : null;
  if (k === "keepalive") return Number(v);
  if (k === "dns") return list(v);
  return v;
}

const REGISTRATION = { open: "open: anyone may register and waits for an admin",
  "invite-only": "with an invite only", closed: "closed: nobody new may register" };

// Who may join and the limits (read only here), as words.
function limits(n) {
  const rows = [
    ["Registration", n.registration === undefined ? null : REGISTRATION[n.registration] ?? n.registration],
    ["Waiting peers, at most", n.pending_max],
    ["A waiting peer is dropped after", n.pending_expire_after === undefined ? null : duration(n.pending_expire_after)],
    ["A host may move its endpoint once per", n.endpoint_min_interval === undefined ? null : duration(n.endpoint_min_interval)],
    ["Audit entries kept for", n.audit_max_age === undefined ? null : duration(n.audit_max_age)],
    ["Audit entries kept, at most", n.audit_max_rows],
    ["Repeats merged within", n.audit_coalesce_window === undefined ? null : duration(n.audit_coalesce_window)],
  ].filter(([, v]) => v !== null && v !== undefined);
  $("#network-limits").replaceChildren(...rows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, typeof v === "number" ? v.toLocaleString("en") : v)]));
}

export function showNetwork() {
  const n = store.network;
  if (!n) return;
  limits(n);
  const f = $("#network-form");
  for (const [k, v] of Object.entries(fieldsOf(n))) f.elements[k].value = v;
  $("#signing-key").textContent = n.signing_key ?? "none: peers' records are not signed";
}

function mark(k, text) {
  const f = $("#network-form");
  f.elements[k].setAttribute("aria-invalid", text ? "true" : "false");
  note($(`[data-error="net-${k}"]`), text ?? "", "error");
}

async function save(ev) {
  ev.preventDefault();
  const f = $("#network-form");
  const orig = fieldsOf(store.network);
  const msg = $("#network-msg");
  const body = {};
  let bad = null;
  for (const k of FIELDS) {
    mark(k, null);
    const v = f.elements[k].value.trim();
    const same = k === "dns" ? list(v).join() === list(orig[k]).join() : v === orig[k];
    if (same) continue;
    const e = check(k, v);
    if (e) {
      mark(k, e);
      bad ??= k;
    } else {
      body[k] = value(k, v);
    }
  }
  if (bad) return f.elements[bad].focus();
  if (!Object.keys(body).length) return note(msg, "Nothing changed.");
  note(msg, "Saving…", "busy");
  try {
    setNetwork(await api.setNetwork(body));
    // A network change is a change of every peer (new addresses, a new
    // revision): an edit made on the peers read before it would be refused
    // as stale (If-Match), so read them again.
    await load();
    showNetwork();
    // A new pool, MTU or keepalive changes the peers too (an IPv6 address
    // each, a new revision): read them again, or the next edit of one
    // would name a revision that is gone and be refused.
    await load();
    note(msg, "Network saved.");
    timing("network");
  } catch (e) {
    const k = FIELDS.find((x) => e.code.includes(x.replace("_pool", ""))) ??
      (/pool/.test(e.code) ? Object.keys(body).find((x) => x.endsWith("pool")) : null);
    if (k) mark(k, e.message);
    note(msg, `${e.message} (${e.code})`, "error");
  }
}

export function setupNetwork() {
  $("#network-form").addEventListener("submit", save);
}
