// SPDX-License-Identifier: MIT
// The audit log: who did what to which peer, by name, with what changed as
// readable lines, filtered by text or action.

import { api } from "./api.js";
import { store } from "./store.js";
import { $, el, when, ago, debounce, duration } from "./util.js";
import { getView, setView } from "./router.js";

let entries = [];
let next = null;
const known = new Map(); // ids of deleted peers -> the name the log recorded

const ACTIONS = {
  "peer.register": "registered", "peer.accept": "accepted", "peer.reject": "rejected",
  "peer.delete": "deleted", "peer.edit": "edited", "peer.endpoint": "moved its endpoint",
  "peer.deregister": "left the mesh", "peer.sign": "signed", "peer.unsign": "removed the signature of",
  "pair.create": "paired", "pair.delete": "unpaired", "network.edit": "changed the network",
  "invite.create": "made an invite", "invite.delete": "deleted an invite",
  "pair.explicit": "made explicit the pair", "rule.create": "added a rule", "rule.delete": "deleted a rule",
  "network.import": "imported a mesh", "peer.adopt": "adopted", "peer.key_request": "asked for a new key",
  "peer.key_accept": "accepted the new key of", "peers.reject": "rejected waiting peers",
  "revocation.sign": "signed a revocation", "policy.sign": "signed the policy",
  "peers.sign": "signed peers' statements",
  "peer.disable": "disabled", "peer.enable": "enabled", "peer.expiry": "set the expiry of",
};

function name(id) {
  return store.peers.get(id)?.name ?? known.get(id) ?? null;
}

function who(actor) {
  const m = /^peer:(.+)$/.exec(actor ?? "");
  if (m) return `peer ${name(m[1]) ?? m[1]}`;
  const a = /^admin:(.+)$/.exec(actor ?? "");
  return a ? `${a[1]} (admin)` : actor ?? "";
}

// Detail members that are seconds.
const SECONDS = /(^|_)(expires_in|expire_after|max_age|interval|window|keepalive)$/;

// What an entry is about, by name: a peer, a rule by its tags, an invite by
// its label.
function onWhat(e) {
  if (!e.target) return "";
  const d = e.detail && typeof e.detail === "object" ? e.detail : {};
  if (/^rule\./.test(e.action)) {
    const r = (store.rules ?? []).find((x) => String(x.id) === String(e.target)) ?? (typeof d.a === "string" ? d : null);
    return r ? (r.a === r.b ? `rule ${r.a} mesh` : `rule ${r.a} ↔ ${r.b}`) : `rule ${e.target}`;
  }
  if (/^invite\./.test(e.action)) return d.label ? `invite "${d.label}"` : "an invite";
  return name(e.target) ?? e.target;
}

function show(v, k = "") {
  if (typeof v === "number" && SECONDS.test(k)) return duration(v);
  if (v === null) return "none";
  if (Array.isArray(v)) return v.length ? v.map(show).join(", ") : "none";
  if (typeof v === "string" && name(v)) return name(v);
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

// What each peer's fields were before each entry, as far as the loaded
// entries tell: entry id -> {field: value before}. Rebuilt when entries load.
let before = new Map();

function track() {
  before = new Map();
  const state = new Map(); // peer id -> {field: value}
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i];
    if (!e.target || !e.detail || typeof e.detail !== "object" || !/^peer\./.test(e.action)) continue;
    const s = state.get(e.target) ?? {};
    const was = {};
    for (const k of Object.keys(e.detail)) if (k in s) was[k] = s[k];
    before.set(e.id, was);
    state.set(e.target, { ...s, ...e.detail });
  }
}

// The change as lines: "endpoint 192.0.2.1:51820 → 203.0.113.9:51820",
// or "endpoint → …" when the log loaded so far does not say what it was.
function diff(e) {
  const d = e.detail;
  if (!d || typeof d !== "object") return [];
  if (e.action === "pair.create" || e.action === "pair.delete") return [`with ${show(d.with)}`];
  if (/^rule\./.test(e.action) && typeof d.a === "string") {
    const n = d.pairs_made ?? d.pairs_removed;
    return [(d.a === d.b ? `every peer tagged ${d.a} with each other` : `tag ${d.a} ↔ tag ${d.b}`) +
      (n === undefined ? "" : `: ${n} ${n === 1 ? "pair" : "pairs"} ${"pairs_made" in d ? "made" : "removed"}`)];
  }
  const arrow = /edit|endpoint|accept/.test(e.action);
  const was = before.get(e.id) ?? {};
  return Object.entries(d).filter(([k]) => k !== "public_key" || e.action !== "peer.edit")
    .map(([k, v]) => `${k.replace(/_/g, " ")} ` + (!arrow ? `= ${show(v, k)}`
      : k in was ? `${show(was[k], k)} → ${show(v, k)}` : `→ ${show(v, k)}`));
}

function learn(list) {
  for (const e of list) if (e.target && e.detail?.name && !known.has(e.target)) known.set(e.target, e.detail.name);
}

function matches(e, q, action) {
  if (action && e.action !== action) return false;
  // The server searched actor, action, target and detail; the names the
  // page shows are searched here too.
  if (!q) return true;
  return [e.actor, who(e.actor), e.action, ACTIONS[e.action], e.target, onWhat(e), ...diff(e)]
    .join(" ").toLowerCase().includes(q);
}

function draw() {
  const v = getView();
  const q = (v.q ?? "").toLowerCase();
  const action = v.action ?? "";
  const shown = entries.filter((e) => matches(e, "", action)); // q: the server searched
  $("#audit tbody").replaceChildren(...shown.map((e) => el("tr", { dataset: { entry: e.id } },
    el("td", { dataset: { label: "When" } }, el("time", { dateTime: e.at, title: when(e.at) }, ago(e.at))),
    el("td", { dataset: { label: "Who" } }, who(e.actor)),
    el("td", { dataset: { label: "What" } }, ACTIONS[e.action] ?? e.action, el("span", { class: "muted" }, ` (${e.action})`),
      e.count > 1 ? el("span", { class: "badge", title: `the same ${e.count} times, the last ${when(e.last_at)}` },
        `×${e.count}, last ${ago(e.last_at)}`) : null),
    el("td", { dataset: { label: "On" } }, onWhat(e)),
    el("td", { dataset: { label: "Change" } }, el("ul", { class: "diff" }, diff(e).map((l) => el("li", {}, l)))))));
  const actions = [...new Set(entries.map((e) => e.action))].sort();
  const sel = $("#audit-action");
  sel.replaceChildren(el("option", { value: "" }, "every action"), ...actions.map((a) => el("option", { value: a }, ACTIONS[a] ?? a)));
  sel.value = action;
  const times = shown.reduce((n, e) => n + (e.count > 1 ? e.count : 1), 0);
  $("#audit-count").textContent = `${shown.length} entries` + (times > shown.length ? ` (${times} events, repeats merged)` : "") +
    (v.q ? ` matching "${v.q}" in the whole log` : "") + (next ? ", more below" : "");
  $("#audit-more").hidden = !next;
}

// The search runs on the server (?q=) over the whole log; the action
// filter picks among the entries loaded.
let asked = "";
export async function loadAudit(more = false) {
  const q = (getView().q ?? "").trim();
  asked = q;
  const page = await api.audit(more ? next : null, q);
  if (asked !== q) return;
  learn(page.entries);
  entries = more ? entries.concat(page.entries) : page.entries;
  next = page.next;
  track();
  draw();
}

export function showAudit(v) {
  $("#audit-search").value = v.q ?? "";
  return loadAudit().catch((e) => { $("#audit-count").textContent = `Cannot load: ${e.message}`; });
}

export function setupAudit() {
  const apply = () => {
    setView("audit", { q: $("#audit-search").value.trim(), action: $("#audit-action").value });
    draw();
  };
  const search = () => {
    setView("audit", { q: $("#audit-search").value.trim(), action: $("#audit-action").value });
    loadAudit().catch((e) => { $("#audit-count").textContent = `Cannot load: ${e.message}`; });
  };
  $("#audit-search").addEventListener("input", debounce(search, 250));
  $("#audit-action").addEventListener("change", apply);
  $("#audit-more").addEventListener("click", () => loadAudit(true).catch((e) => { $("#audit-count").textContent = e.message; }));
}
