// SPDX-License-Identifier: MIT
// Pairing. A small mesh gets the matrix (every pair one box); beyond a few
// dozen peers that is no way to work, so each peer has a picker: search its
// possible partners, tick or untick, page through them. Both update in place.

import { api, timing, reread } from "./api.js";
import { guard, pairsWord, pairsByRule, pairsOfRule } from "./guard.js";
import { watchJobs } from "./jobs.js";
import { store, subscribe, setPair, putPeer, dropPeer, accepted, isNat, linkOf, linkText, putWhy, whyText, load, loadRules } from "./store.js";
import { $, el, note, debounce, byName, checkTag } from "./util.js";
import { go, getView } from "./router.js";

export const MATRIX_MAX = 24;
const PAGE = 50;
const boxes = new Map(); // "a|b" (ordered as drawn) -> checkbox, matrix and picker
let partnerPage = 0;

// The relay a pair goes through (GET /admin/links), by name; or null.
function relayName(a, b) {
  const l = linkOf(a.id, b.id);
  return l?.path === "relayed" && l.via ? store.peers.get(l.via)?.name ?? l.via : null;
}

function natWarning(a, b) {
  if (!isNat(a) || !isNat(b) || relayName(a, b)) return null;
  return `${a.name} and ${b.name} are both behind NAT: they have no direct path, so this pair cannot carry traffic.`;
}

// Pairs or unpairs from a checkbox; the box keeps the focus, the message
// goes to msg (next to the box).
async function toggle(box, a, b, msg) {
  const on = box.checked;
  box.setAttribute("aria-busy", "true");
  note(msg, on ? "Pairing…" : "Unpairing…", "busy");
  try {
    // PUT answers the pair; DELETE 204, or 200 with the pair when rules
    // still imply it (it stays, no longer explicit).
    const pair = on ? await api.pair(a.id, b.id) : await api.unpair(a.id, b.id);
    putWhy(a.id, b.id, pair);
    if (!on && pair) {
      box.checked = true;
      setPair(a.id, b.id, true);
      whyBadge(box, a.id, b.id);
      note(msg, `${a.name} and ${b.name} stay paired: ${whyText(a.id, b.id) || "a rule implies it"}.`, "warn");
      return;
    }
    setPair(a.id, b.id, on);
    whyBadge(box, a.id, b.id);
    const w = on ? natWarning(store.peers.get(a.id), store.peers.get(b.id)) : null;
    note(msg, w ?? (on ? `Paired ${a.name} and ${b.name}.` : `Unpaired ${a.name} and ${b.name}.`), w ? "warn" : "ok");
    timing(on ? "pair" : "unpair");
  } catch (e) {
    box.checked = !on;
    if (e.code === "not_confirmed") return await unsure(box, a, b, on, msg);
    note(msg, `${e.message} (${e.code})`, "error");
  } finally {
    box.removeAttribute("aria-busy");
  }
}

// The pairing was not confirmed: read a again and show what is.
async function unsure(box, a, b, on, msg) {
  note(msg, "Not confirmed: the server did not answer in time. Reading the pair again…", "warn");
  let p;
  try {
    p = await reread(() => api.peer(a.id), (x) => x.pairs.includes(b.id) === on);
  } catch {
    dropPeer(a.id);
    return note(msg, `Not done: ${a.name} is gone (deleted elsewhere).`, "error");
  }
  if (!p) return note(msg, "Not confirmed, and the server does not answer: reload later to see whether it was done.", "error");
  putPeer(p);
  const is = p.pairs.includes(b.id);
  box.checked = is;
  whyBadge(box, a.id, b.id);
  note(msg, is === on
    ? `${on ? "Paired" : "Unpaired"} ${a.name} and ${b.name} after all: the server was slow to confirm.`
    : `Not ${on ? "paired" : "unpaired"}: reading again shows ${a.name} and ${b.name} ${is ? "paired" : "not paired"}.`,
  is === on ? "ok" : "error");
}

// The "why" of a picker row, updated in place (the box keeps the focus).
function whyBadge(box, a, b) {
  const li = box.closest("li[data-partner]");
  if (!li) return;
  const text = store.peers.get(a)?.pairs.includes(b) ? whyText(a, b) : null;
  let span = li.querySelector(".why");
  if (!text) return span?.remove();
  if (!span) {
    span = el("span", { class: "badge why", title: "why they are paired" });
    li.querySelector(".muted").after(span);
  }
  span.textContent = text;
}

// ------------------------------------------------------------------ matrix

function matrix() {
  const acc = accepted().sort(byName);
  const table = $("#matrix");
  const small = acc.length <= MATRIX_MAX;
  $("#matrix-box").hidden = !small || acc.length < 2;
  const had = [...boxes].find(([k, b]) => k.startsWith("m:") && b === document.activeElement)?.[0];
  for (const k of [...boxes.keys()]) if (k.startsWith("m:")) boxes.delete(k);
  if (!small) {
    $("thead", table).replaceChildren();
    $("tbody", table).replaceChildren();
    return;
  }
  const head = el("tr", {}, el("th"), ...acc.map((p) => el("th", { class: "rot", scope: "col" }, p.name)));
  $("thead", table).replaceChildren(head);
  const msg = $("#matrix-msg");
  $("tbody", table).replaceChildren(...acc.map((a) => el("tr", {}, el("th", { scope: "row" }, a.name),
    ...acc.map((b) => {
      if (a.id === b.id) return el("td", {}, "—");
      const box = el("input", { type: "checkbox", checked: a.pairs.includes(b.id), "aria-label": `pair ${a.name} with ${b.name}` });
      box.addEventListener("change", () => toggle(box, a, b, msg));
      boxes.set(`m:${a.id}|${b.id}`, box);
      const td = el("td", {}, box);
      if (store.links && a.pairs.includes(b.id)) td.className = `link-${linkOf(a.id, b.id)?.status ?? "never"}`;
      return td;
    }))));
  if (had) boxes.get(had)?.focus();
}

// ------------------------------------------------------------------ picker

// Picking a peer, or typing, redraws the list: a focused button's focus
// goes to the same peer's button in the new list; a picked peer that is no
// longer listed leaves the focus on the partner search.
let picked = null;
function pick(id) {
  picked = id;
  go("pairs", { peer: id });
}

function pickResults() {
  const q = $("#pick-search").value.trim().toLowerCase();
  const acc = accepted();
  const hits = (q ? acc.filter((p) => `${p.name} ${p.addresses.join(" ")}`.toLowerCase().includes(q)) : acc)
    .sort(byName);
  const had = document.activeElement?.closest?.("#pick-results [data-pick]")?.dataset.pick;
  $("#pick-results").replaceChildren(...hits.slice(0, 12).map((p) =>
    el("li", {}, el("button", { type: "button", class: "link", dataset: { pick: p.id }, on: { click: () => pick(p.id) } },
      p.name, el("span", { class: "muted" }, ` ${p.addresses[0] ?? ""} · ${p.pairs.length} pairs`)))));
  $("#pick-more").textContent = hits.length > 12 ? `and ${hits.length - 12} more: type to narrow` : "";
  if (had && !picked) $(`#pick-results [data-pick="${had}"]`)?.focus();
}

// A picker row's message, kept across redraws: a live reload (push) or a
// link report redraws the list while an answer, or the re-read after an
// unconfirmed one, may still be coming, and it must land where it is seen.
const rowMsgs = new Map();

function partners() {
  const id = getView().peer;
  const me = store.peers.get(id);
  $("#partner-box").hidden = !me || me.state !== "accepted";
  if (!me || me.state !== "accepted") {
    $("#partner-title").textContent = "";
    return;
  }
  $("#partner-title").textContent = me.name;
  $("#partner-count").textContent = `${me.pairs.length} pairs` + (isNat(me) ? " · behind NAT" : "");
  const q = $("#partner-search").value.trim().toLowerCase();
  const f = $("#partner-filter").value;
  const mine = new Set(me.pairs);
  const list = accepted().filter((p) => p.id !== me.id &&
    (f === "" || (f === "paired") === mine.has(p.id)) &&
    (!q || `${p.name} ${p.addresses.join(" ")} ${p.endpoint ?? "nat"}`.toLowerCase().includes(q)))
    .sort((x, y) => (mine.has(y.id) - mine.has(x.id)) || byName(x, y));
  const pages = Math.max(1, Math.ceil(list.length / PAGE));
  partnerPage = Math.min(partnerPage, pages - 1);
  // A redraw (a live update) must not take the focus from a partner's box.
  const had = [...boxes].find(([k, b]) => k.startsWith("p:") && b === document.activeElement)?.[0];
  for (const k of [...boxes.keys()]) if (k.startsWith("p:")) boxes.delete(k);
  for (const k of [...rowMsgs.keys()]) if (!k.startsWith(`${me.id}|`)) rowMsgs.delete(k);
  const slice = list.slice(partnerPage * PAGE, partnerPage * PAGE + PAGE);
  $("#partners").replaceChildren(...slice.map((p) => {
    const key = `${me.id}|${p.id}`;
    const msg = rowMsgs.get(key) ?? el("p", { class: "msg", role: "status", hidden: true });
    rowMsgs.set(key, msg);
    const box = el("input", { type: "checkbox", checked: mine.has(p.id), "aria-label": `pair ${me.name} with ${p.name}` });
    box.addEventListener("change", () => toggle(box, me, p, msg));
    boxes.set(`p:${me.id}|${p.id}`, box);
    const link = mine.has(p.id) && store.links ? linkOf(me.id, p.id)?.status ?? "never" : null;
    const w = natWarning(me, p);
    const via = mine.has(p.id) ? relayName(me, p) : null;
    const why = mine.has(p.id) ? whyText(me.id, p.id) : null;
    return el("li", { dataset: { partner: p.id } },
      el("label", {}, box, el("span", { class: "pname" }, p.name)),
      el("span", { class: "muted" }, `${p.addresses[0] ?? ""} · ${p.endpoint ?? "behind NAT"}`),
      why ? el("span", { class: "badge why", title: "why they are paired" }, why) : null,
      link ? el("span", { class: `badge link-${link}`, title: linkText(linkOf(me.id, p.id)) }, `link ${link}`) : null,
      w ? el("span", { class: "badge warn", title: w }, "both behind NAT") : null,
      via ? el("span", { class: "badge", title: `no direct path: the server routes this pair through ${via}` }, `relayed via ${via}`) : null,
      msg);
  }));
  if (had) boxes.get(had)?.focus();
  $("#partner-range").textContent = list.length ? `${partnerPage * PAGE + 1}–${partnerPage * PAGE + slice.length} of ${list.length}` : "none";
  $("#partner-prev").disabled = partnerPage === 0;
  $("#partner-next").disabled = partnerPage >= pages - 1;
}

function rules() {
  const box = $("#rules-box");
  box.hidden = !store.rules;
  if (!store.rules) return;
  $("#rules").replaceChildren(...store.rules.map((r) => {
    const msg = el("p", { class: "msg", role: "status", hidden: true });
    const del = el("button", { type: "button", class: "danger", "aria-label": `delete rule ${r.a} with ${r.b}` }, "Delete");
    del.addEventListener("click", () => dropRule(r, del, msg));
    return el("li", { dataset: { rule: r.id } },
      el("span", { class: "rule" }, r.a === r.b ? `every peer tagged ${r.a} with each other` : `tag ${r.a} ↔ tag ${r.b}`),
      el("span", { class: "muted" }, ` · ${r.pairs ?? 0} ${r.pairs === 1 ? "pair" : "pairs"} `), del, msg);
  }));
  $("#rules-empty").hidden = store.rules.length !== 0;
}

// A rule changes the pairs of every peer with its tags: read them again.
async function afterRules() {
  await load();
  await loadRules();
}

async function addRule(ev) {
  ev.preventDefault();
  const msg = $("#rule-msg");
  const a = $("#rule-a").value.trim();
  const b = $("#rule-b").value.trim() || a;
  const bad = checkTag(a) ?? checkTag(b);
  if (bad) return note(msg, bad, "error");
  const n = pairsByRule(a, b);
  if (!await guard(n, `Add the rule ${a === b ? `${a} mesh` : `${a} ↔ ${b}`}?`,
    `It makes ${pairsWord(n)} now, and more for every peer tagged later.`, `Add it and make ${pairsWord(n)}`)) return;
  $("#rule-add").disabled = true;
  note(msg, "Adding the rule…", "busy");
  try {
    const r = await api.addRule(a, b);
    if (r.job) watchJobs(r.job);
    await afterRules();
    note(msg, `Rule added: ${r.a === r.b ? `every peer tagged ${r.a} with each other` : `tag ${r.a} ↔ tag ${r.b}`}, ${r.pairs} ${r.pairs === 1 ? "pair" : "pairs"}` +
      (r.job ? ": the server makes them in the background (progress at the top of the page)." : "."), "ok");
    $("#rule-a").value = "";
    $("#rule-b").value = "";
    timing("rule-add");
  } catch (e) {
    note(msg, `${e.message} (${e.code})`, "error");
  } finally {
    $("#rule-add").disabled = false;
  }
}

async function dropRule(r, btn, msg) {
  const n = pairsOfRule(r.id);
  if (!await guard(n, `Delete the rule ${r.a === r.b ? `${r.a} mesh` : `${r.a} ↔ ${r.b}`}?`,
    `${pairsWord(n)} that only this rule made go with it.`, `Delete it and ${pairsWord(n)}`)) return;
  btn.disabled = true;
  note(msg, "Deleting…", "busy");
  try {
    await api.dropRule(r.id);
    await afterRules();
    note($("#rule-msg"), `Rule deleted: ${r.a} ↔ ${r.b}; the pairs only it made are gone.`, "ok");
    timing("rule-delete");
  } catch (e) {
    btn.disabled = false;
    note(msg, `${e.message} (${e.code})`, "error");
  }
}

export function drawPairs() {
  matrix();
  pickResults();
  partners();
  rules();
  // After partners(): the partner search is shown only now.
  if (picked) ($(`#pick-results [data-pick="${picked}"]`) ?? $("#partner-search")).focus();
  picked = null;
}

export function setupPairs() {
  $("#rule-form").addEventListener("submit", addRule);
  $("#pick-search").addEventListener("input", debounce(pickResults, 100));
  const again = debounce(() => { partnerPage = 0; partners(); }, 100);
  $("#partner-search").addEventListener("input", again);
  $("#partner-filter").addEventListener("change", again);
  $("#partner-prev").addEventListener("click", () => { partnerPage--; partners(); });
  $("#partner-next").addEventListener("click", () => { partnerPage++; partners(); });
  subscribe((ev) => {
    if (ev.type === "all" || ev.type === "links" || ev.type === "rules") {
      if (!$("#tab-pairs").hidden) drawPairs();
    } else if (ev.type === "pairs") {
      // The other boxes for the same pair follow (matrix mirror, picker).
      const on = store.peers.get(ev.a)?.pairs.includes(ev.b) ?? false;
      for (const k of [`m:${ev.a}|${ev.b}`, `m:${ev.b}|${ev.a}`, `p:${ev.a}|${ev.b}`, `p:${ev.b}|${ev.a}`]) {
        const b = boxes.get(k);
        if (b) b.checked = on;
      }
      const me = store.peers.get(getView().peer);
      if (me && (ev.a === me.id || ev.b === me.id)) $("#partner-count").textContent = `${me.pairs.length} pairs` + (isNat(me) ? " · behind NAT" : "");
    } else if (ev.type === "gone" && !$("#tab-pairs").hidden) {
      drawPairs();
    }
  });
}

export function showPairs() {
  partnerPage = 0;
  drawPairs();
}
