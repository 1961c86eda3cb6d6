// SPDX-License-Identifier: MIT
// Guardrails: an action that makes or removes more than a few pairs says how
// many before it runs, and asks in a real dialog (not confirm(), which a
// browser may suppress and which cannot say much). The counts come from what
// the page knows: the peers with their tags and pairs, the rules, and why
// each pair is there (store.why).

import { store, pairKey } from "./store.js";
import { $ } from "./util.js";

// Up to this many pairs an action just asks as before (or not at all).
export const FEW = 10;

// The admin limit of the nginx example (20 requests a second after a burst).
const RATE = 20;

const fmt = (n) => n.toLocaleString("en");
export const pairsWord = (n) => `${fmt(n)} ${n === 1 ? "pair" : "pairs"}`;

// "about 3 min" for n requests at the admin rate.
export function duration(n) {
  const s = Math.ceil(n / RATE);
  if (s < 90) return `about ${s} s`;
  if (s < 5400) return `about ${Math.round(s / 60)} min`;
  return `about ${Math.round(s / 3600)} h`;
}

// Asks in #ask-dialog; resolves true when the admin pressed the OK button.
// The dialog names the action on its button, so Enter is never a surprise.
export function ask(title, text, okLabel) {
  const d = $("#ask-dialog");
  $("#ask-title").textContent = title;
  $("#ask-text").textContent = text;
  $("#ask-ok").textContent = okLabel;
  const back = document.activeElement;
  return new Promise((resolve) => {
    const done = () => {
      d.removeEventListener("close", done);
      back?.focus?.();
      resolve(d.returnValue === "ok");
    };
    d.returnValue = "";
    d.addEventListener("close", done);
    d.showModal();
    $("#ask-cancel").focus();
  });
}

// Asks when more than FEW pairs are at stake; fewer go through `small`
// (confirm() as before, or nothing).
export async function guard(n, title, text, okLabel, small = () => true) {
  if (n <= FEW) return small();
  return ask(title, text, okLabel);
}

function taggedWith(tag, extra, without) {
  const out = [];
  for (const p of store.peers.values()) {
    if (p.state !== "accepted") continue;
    const has = (p.tags ?? []).includes(tag);
    if ((has && !without.has(p.id)) || extra.has(p.id)) out.push(p.id);
  }
  return out;
}

// Pairs that do not exist yet between every peer of xs and every one of ys.
function newPairs(xs, ys, into) {
  for (const x of xs) {
    const paired = new Set(store.peers.get(x).pairs);
    for (const y of ys) if (x !== y && !paired.has(y)) into.add(pairKey(x, y));
  }
  return into;
}

// How many pairs the rules make when `ids` get `tag`.
export function pairsByTagging(ids, tag) {
  const got = new Set(ids.filter((id) => store.peers.get(id)?.state === "accepted"));
  const made = new Set();
  for (const r of store.rules ?? []) {
    if (r.a !== tag && r.b !== tag) continue;
    const other = r.a === tag ? r.b : r.a;
    newPairs([...got], taggedWith(other, other === tag ? got : new Set(), new Set()), made);
  }
  return made.size;
}

// Does some rule pair x and y, given their tags?
function ruled(tx, ty) {
  return (store.rules ?? []).some((r) => (tx.has(r.a) && ty.has(r.b)) || (tx.has(r.b) && ty.has(r.a)));
}

// How many pairs go when `ids` lose `tag`: those no rule implies any more
// and that were not made by hand.
export function pairsByUntagging(ids, tag) {
  const losing = new Set(ids);
  const tagsOf = (id) => new Set((store.peers.get(id)?.tags ?? []).filter((t) => !(losing.has(id) && t === tag)));
  const gone = new Set();
  for (const x of losing) {
    const p = store.peers.get(x);
    if (!p || !(p.tags ?? []).includes(tag)) continue;
    for (const y of p.pairs) {
      const w = store.why?.get(pairKey(x, y));
      if (!w || w.explicit || w.rules.length === 0) continue;
      if (!ruled(tagsOf(x), tagsOf(y))) gone.add(pairKey(x, y));
    }
  }
  return gone.size;
}

// How many pairs a new rule a ↔ b makes.
export function pairsByRule(a, b) {
  const none = new Set();
  return newPairs(taggedWith(a, none, none), taggedWith(b, none, none), new Set()).size;
}

// How many pairs go with a rule: those it alone made.
export function pairsOfRule(id) {
  let n = 0;
  for (const w of store.why?.values() ?? []) if (!w.explicit && w.rules.length === 1 && String(w.rules[0]) === String(id)) n++;
  return n;
}

// How many pairs go when these peers are deleted.
export function pairsOfPeers(ids) {
  const gone = new Set();
  for (const id of ids) for (const q of store.peers.get(id)?.pairs ?? []) gone.add(pairKey(id, q));
  return gone.size;
}
