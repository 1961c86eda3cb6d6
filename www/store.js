// SPDX-License-Identifier: MIT
// What the page knows: peers by id, pairs (from the peers' own lists), the
// network, link status and rules when the server has them. Views subscribe
// and redraw only what an event names, so a change never redraws the page.

import { api } from "./api.js";
import { ago, bytes, setNamer } from "./util.js";

export const store = {
  peers: new Map(),      // id -> peer as the API shows it
  network: null,
  links: null,           // null: the server has no link status; else Map pairKey -> link
  rules: undefined,      // undefined: not known yet; null: the server has no rules
  why: null,             // null: unknown; else Map pairKey -> {explicit, rules: [rule id]}
  loaded: false,
};

const listeners = new Set();

// fn(event): {type: "peer", id} | {type: "gone", id} | {type: "pairs", a, b}
// | {type: "all"} | {type: "network"}
export function subscribe(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function emit(ev) {
  for (const fn of listeners) fn(ev);
}

export const pairKey = (a, b) => (a < b ? `${a}|${b}` : `${b}|${a}`);

export function nameOf(id) {
  return store.peers.get(id)?.name ?? id;
}

// "peer 49d206609f1e79d7 is already accepted" reads "peer web1 is …".
setNamer((s) => s.replace(/\b[0-9a-f]{16}\b/g, nameOf));

export function accepted() {
  return [...store.peers.values()].filter((p) => p.state === "accepted");
}

export function isNat(p) {
  return p && p.state === "accepted" && !p.endpoint;
}

export function pairCount() {
  let n = 0;
  for (const p of store.peers.values()) n += p.pairs.length;
  return n / 2;
}

// A pair's link status in words: "up, handshake 2 min ago, rx 2.0 KiB,
// tx 3.0 MiB".
export function linkText(l) {
  if (!l) return "never: no handshake reported";
  const hs = l.latest_handshake ? `, handshake ${ago(l.latest_handshake)}` : ": no handshake reported";
  const via = l.path === "relayed" ? ` (relayed via ${nameOf(l.via)})` : l.path === "down" ? " (down)" : "";
  return `${l.status}${via}${hs}${l.rx === null || l.rx === undefined ? "" : `, rx ${bytes(l.rx)}, tx ${bytes(l.tx)}`}`;
}

// {status, latest_handshake, path, via, rx, tx} of a pair as a sees it, or
// null when nothing is known. path: "direct", "relayed" (via: the relay's
// id) or "down". rx: what a received from b, by a's own report, else b's
// with the two swapped; null when neither side reported.
export function linkOf(a, b) {
  const i = store.links?.get(pairKey(a, b));
  if (i === undefined) return null;
  const hs = linkData.handshake[i];
  const mine = i * 6 + (a < b ? 0 : 3), theirs = i * 6 + (a < b ? 3 : 0);
  const own = linkData.own;
  let rx = own?.[mine] ?? NaN, tx = own?.[mine + 1] ?? NaN;
  if (Number.isNaN(rx) && own) [rx, tx] = [own[theirs + 1], own[theirs]];
  return { status: STATUS[linkData.codes[i]], latest_handshake: hs ? new Date(hs).toISOString() : null,
    path: PATH[linkData.path?.[i] ?? 0], via: linkData.via?.[i] || null,
    rx: Number.isNaN(rx) ? null : rx, tx: Number.isNaN(tx) ? null : tx };
}

// A peer's traffic {rx, tx, latest_handshake}: the sums of its own reports
// on its links, newer than the peer view's when a link report came in since
// (the live channel reads only the links again then); the peer view's
// traffic before the links are loaded or when it reported none of them.
export function trafficOf(p) {
  if (!store.links || !p.pairs?.length) return p.traffic ?? null;
  let rx = 0, tx = 0, hs = 0, any = false;
  for (const q of p.pairs) {
    const i = store.links.get(pairKey(p.id, q));
    if (i === undefined) continue;
    const k = i * 6 + (p.id < q ? 0 : 3);
    if (Number.isNaN(linkData.own[k])) continue;
    any = true;
    rx += linkData.own[k];
    tx += linkData.own[k + 1];
    hs = Math.max(hs, linkData.own[k + 2]);
  }
  return any ? { rx, tx, latest_handshake: hs ? new Date(hs).toISOString() : null } : p.traffic ?? null;
}

// The relay a pair goes through (its id), or null: linkOf's via, without
// making an object (the grouped graph asks it of every pair).
export function relayOf(a, b) {
  const i = store.links?.get(pairKey(a, b));
  return i !== undefined && PATH[linkData.path?.[i]] === "relayed" ? linkData.via?.[i] || null : null;
}

// The peer's config problems the page can see: pairs with no path (both
// behind NAT), no pair at all, a signature that no longer matches.
export function warningsOf(p) {
  const w = [];
  if (Array.isArray(p.warnings)) w.push(...p.warnings);
  if (p.state !== "accepted") return w;
  if (isNat(p)) {
    // A pair the server routes through a relay has its path.
    const stuck = p.pairs.filter((id) => isNat(store.peers.get(id)) && linkOf(p.id, id)?.path !== "relayed");
    if (stuck.length === 1) w.push(`no path to ${nameOf(stuck[0])}: both are behind NAT`);
    else if (stuck.length > 1) w.push(`no path to ${stuck.length} partners: they and this peer are behind NAT`);
  }
  if (p.pairs.length === 0) w.push("not paired with anyone: its config has no peers");
  return w;
}

// What is signed of a peer (docs/trust.md): its signed version, and whether
// the server holds changes the admin has not signed (wgconf admin sign).
// null: nothing to say (no signing key, nothing signed).
export function signatureOf(p) {
  if (p.state !== "accepted") return null;
  if (p.signature === "invalid") return { text: "invalid: sign again", kind: "bad" };
  if ("unsigned_changes" in p || "signed_version" in p) {
    if (!p.signed_version) return p.unsigned_changes ? { text: "unsigned", kind: "warn" } : null;
    if (p.unsigned_changes) return { text: `v${p.signed_version}, changed: sign again`, kind: "bad" };
    return { text: `v${p.signed_version}`, kind: "ok" };
  }
  if (p.signature === "valid") return { text: "signed", kind: "ok" };
  if (store.network?.signing_key) return { text: "unsigned", kind: "warn" };
  return null;
}

// The peers and the network: what the first screen needs.
export async function load() {
  const [peers, network] = await Promise.all([api.peers(), api.network()]);
  const old = store.peers;
  store.peers = new Map(peers.map((p) => [p.id, p]));
  store.network = network;
  store.loaded = true;
  const gone = [...old.keys()].filter((id) => !store.peers.has(id));
  emit({ type: "all", gone });
}

// Rules, where the server has them (404: it has not), and then why each
// pair is there (GET /admin/pairs: explicit, rule ids); emits {type: "rules"}.
// A read that fails otherwise (a timeout, no responder) says nothing about
// rules: what the page knew stays.
export async function loadRules() {
  let rules;
  try {
    rules = (await api.rules()).rules ?? [];
  } catch (e) {
    if (e.status !== 404) return;
    rules = null;
  }
  store.rules = rules;
  store.why = null;
  if (store.rules !== null) {
    try {
      const pairs = await api.pairs();
      store.why = new Map(pairs.map((x) => [pairKey(x.a, x.b), { explicit: !!x.explicit, rules: x.rules ?? [] }]));
    } catch {
      store.why = null;
    }
  }
  emit({ type: "rules" });
}

let whyTimer = 0;
function whyLater() {
  clearTimeout(whyTimer);
  whyTimer = setTimeout(() => loadRules(), 50);
}

// The server's answer for one pair (PUT, or a DELETE a rule kept).
export function putWhy(a, b, pair) {
  if (!store.why) return;
  if (pair) store.why.set(pairKey(a, b), { explicit: !!pair.explicit, rules: pair.rules ?? [] });
  else store.why.delete(pairKey(a, b));
}

// Why a and b are paired, in words: "explicit", "rule web ↔ db", or both.
// null when the page does not know (a server without rules).
export function whyText(a, b) {
  const w = store.why?.get(pairKey(a, b));
  if (!w) return null;
  const byId = new Map((store.rules ?? []).map((r) => [String(r.id), r]));
  const parts = [];
  if (w.explicit) parts.push("explicit");
  for (const id of w.rules) {
    const r = byId.get(String(id));
    parts.push(r ? (r.a === r.b ? `rule ${r.a} mesh` : `rule ${r.a} ↔ ${r.b}`) : `rule ${id}`);
  }
  return parts.join(", ");
}

const STATUS = ["never", "stale", "up"];
const PATH = ["direct", "relayed", "down"];
let worker = null;
let linkIndex = null; // pair key -> index into linkData
let linkData = null;  // {codes: Uint8Array, handshake: Float64Array, path: Uint8Array (PATH), via: [relay id or ""]}

// Link status comes after the first screen, read by a worker (links-worker.js):
// megabytes at scale. Emits {type: "links"}; a server without it leaves
// store.links null.
export function loadLinks() {
  return new Promise((resolve) => {
    const done = (msg) => {
      if (msg.status === 200) {
        const keys = msg.keys ? msg.keys.split("\n") : [];
        linkIndex = new Map();
        for (let i = 0; i < keys.length; i++) linkIndex.set(keys[i], i);
        linkData = { codes: msg.codes, handshake: msg.handshake, path: msg.path, via: msg.via ? msg.via.split("\n") : null,
          own: msg.own };
        store.links = linkIndex;
      } else if (msg.status === 404 || msg.status === 405) {
        store.links = null;
      }
      emit({ type: "links" });
      resolve(store.links !== null);
    };
    try {
      worker ??= new Worker(new URL("./links-worker.js", import.meta.url));
      worker.onmessage = (ev) => done(ev.data);
      worker.postMessage("load");
    } catch {
      // No worker: read it here.
      api.links().then((l) => done(l ? { status: 200, keys: (l.links ?? []).map((x) => pairKey(x.a.id ?? x.a, x.b.id ?? x.b)).join("\n"),
        codes: (l.links ?? []).map((x) => Math.max(0, STATUS.indexOf(x.status))),
        handshake: (l.links ?? []).map((x) => (x.latest_handshake ? Date.parse(x.latest_handshake) : 0)),
        path: (l.links ?? []).map((x) => Math.max(0, PATH.indexOf(x.path))),
        via: (l.links ?? []).map((x) => (x.path === "relayed" ? x.via?.id ?? "" : "")).join("\n"),
        ...sideBytes(l.links ?? []) } : { status: 404 }),
      () => done({ status: 0 }));
    }
  });
}

// links-worker.js's own reports, read here when there is no worker.
function sideBytes(links) {
  const own = new Float64Array(links.length * 6).fill(NaN);
  links.forEach((l, i) => (l.a.id < l.b.id ? [l.a, l.b] : [l.b, l.a]).forEach((s, k) => {
    if (typeof s.rx === "number") own.set([s.rx, s.tx, s.latest_handshake ? Date.parse(s.latest_handshake) : 0], i * 6 + k * 3);
  }));
  return { own };
}

// The server's answer for one peer (accept, edit, a fresh read).
export function putPeer(p) {
  const before = store.peers.get(p.id);
  store.peers.set(p.id, p);
  // New tags make and drop pairs by rule: read why each pair is there again.
  if (before && store.rules !== null && (before.tags ?? []).join() !== (p.tags ?? []).join()) whyLater();
  emit({ type: "peer", id: p.id });
  // Pairs are listed on both sides: a partner whose list changed redraws too.
  if (before) {
    const was = new Set(before.pairs);
    for (const id of p.pairs) if (!was.has(id)) linkSide(id, p.id, true);
    for (const id of before.pairs) if (!p.pairs.includes(id)) linkSide(id, p.id, false);
  }
}

function linkSide(id, other, on) {
  const q = store.peers.get(id);
  if (!q) return;
  const has = q.pairs.includes(other);
  if (on && !has) q.pairs = [...q.pairs, other];
  else if (!on && has) q.pairs = q.pairs.filter((x) => x !== other);
  else return;
  emit({ type: "peer", id });
}

export function dropPeer(id) {
  const p = store.peers.get(id);
  if (!p) return;
  store.peers.delete(id);
  for (const other of p.pairs) linkSide(other, id, false);
  emit({ type: "gone", id });
}

export function setPair(a, b, on) {
  linkSide(a, b, on);
  linkSide(b, a, on);
  emit({ type: "pairs", a, b });
}

export function setNetwork(n) {
  store.network = n;
  emit({ type: "network" });
}
