// SPDX-License-Identifier: MIT
// What the page knows: peers by id, pairs (from the peers' own lists), the
// network, link status and rules when the server has them. Views subscribe
// and redraw only what an event names, so a change never redraws the page.

import { api } from "./api.js";
import { ago } from "./util.js";

export const store = {
  peers: new Map(),      // id -> peer as the API shows it
  network: null,
  links: null,           // null: the server has no link status; else Map pairKey -> link
  rules: null,           // null: the server has no rules
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

// A pair's link status in words: "up, handshake 2 min ago".
export function linkText(l) {
  if (!l) return "never: no handshake reported";
  const hs = l.latest_handshake ? `, handshake ${ago(l.latest_handshake)}` : ": no handshake reported";
  return `${l.status}${hs}`;
}

export function linkOf(a, b) {
  return store.links?.get(pairKey(a, b)) ?? null;
}

// The peer's config problems the page can see: pairs with no path (both
// behind NAT), no pair at all, a signature that no longer matches.
export function warningsOf(p) {
  const w = [];
  if (Array.isArray(p.warnings)) w.push(...p.warnings);
  if (p.state !== "accepted") return w;
  if (isNat(p)) {
    const stuck = p.pairs.filter((id) => isNat(store.peers.get(id)));
    if (stuck.length === 1) w.push(`no path to ${nameOf(stuck[0])}: both are behind NAT`);
    else if (stuck.length > 1) w.push(`no path to ${stuck.length} partners: they and this peer are behind NAT`);
  }
  if (p.pairs.length === 0) w.push("not paired with anyone: its config has no peers");
  return w;
}

export function signatureOf(p) {
  if (p.state !== "accepted") return null;
  if (p.signature === "invalid") return { text: "changed since signed", kind: "bad" };
  if (p.signature === "valid") return { text: "signed", kind: "ok" };
  if (store.network?.signing_key) return { text: "unsigned", kind: "warn" };
  return null;
}

export async function load() {
  const [peers, network, links, rules] = await Promise.all([
    api.peers(), api.network(), api.links().catch(() => null), api.rules().catch(() => null)]);
  const old = store.peers;
  store.peers = new Map(peers.map((p) => [p.id, p]));
  store.network = network;
  // GET /admin/links: each side is {id, name, latest_handshake, …}.
  const side = (s) => (s && typeof s === "object" ? s.id : s);
  store.links = links ? new Map((links.links ?? []).map((l) => [pairKey(side(l.a), side(l.b)), l])) : null;
  store.rules = rules ? rules.rules ?? [] : null;
  store.loaded = true;
  const gone = [...old.keys()].filter((id) => !store.peers.has(id));
  emit({ type: "all", gone });
}

// The server's answer for one peer (accept, edit, a fresh read).
export function putPeer(p) {
  const before = store.peers.get(p.id);
  store.peers.set(p.id, p);
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
