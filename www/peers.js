// SPDX-License-Identifier: MIT
// The peer list: search, filters, sort, pages of rows, selection and bulk
// actions. Rows are kept by id and updated in place, so an action never
// loses what was typed in another row, the focus or the scroll position.

import { api, timing, reread } from "./api.js";
import { store, subscribe, putPeer, dropPeer, setPair, warningsOf, signatureOf, linkOf, nameOf, isNat, trafficOf } from "./store.js";
import { openEdit, openConfig } from "./dialog.js";
import { $, el, note, list, ago, when, health, isIPv4, isIPv6, checkCidr, pool, debounce, byName, checkTag } from "./util.js";
import { go, getView, setView } from "./router.js";
import { guard, pairsWord, duration, pairsByTagging, pairsByUntagging, pairsOfPeers } from "./guard.js";
import { pauseBadges, trafficWords, setPaused, remaining, askDisable } from "./pause.js";
import { BIG, freshTag, askMeshByRule, meshByRule, watchJobs } from "./jobs.js";

const PAGE = 50;
const rows = new Map();      // id -> {tr, state, inputs}
const selected = new Set();
let shown = [];              // ids matching the filters, sorted
let page = 0;

function ip4num(p) {
  const a = p.addresses.find(isIPv4);
  return a ? a.split(".").reduce((n, x) => n * 256 + Number(x), 0) : Infinity;
}

function linkState(p) {
  if (!store.links) return null;
  const s = new Set(p.pairs.map((q) => linkOf(p.id, q)?.status ?? "never"));
  return s;
}

function matches(p, f) {
  if (f.state && (f.state === "disabled" ? !p.disabled : p.state !== f.state)) return false;
  if (f.health) {
    const h = health(p);
    if (f.health === "warnings" ? warningsOf(p).length === 0
      : f.health === "unsigned" ? !signatureOf(p) || signatureOf(p).kind === "ok"
      : h !== f.health) return false;
  }
  if (f.link) {
    const s = linkState(p);
    if (!s || !s.has(f.link)) return false;
  }
  if (f.tag && !(p.tags ?? []).includes(f.tag)) return false;
  if (f.terms.length) {
    const hay = [p.name, p.id, p.endpoint ?? "nat", p.state, ...p.addresses, ...p.networks, ...(p.tags ?? [])]
      .join(" ").toLowerCase();
    for (const t of f.terms) if (!hay.includes(t)) return false;
  }
  return true;
}

const SORTS = {
  name: (a, b) => byName(a, b),
  state: (a, b) => (a.state === "pending" ? 0 : 1) - (b.state === "pending" ? 0 : 1) || byName(a, b),
  address: (a, b) => ip4num(a) - ip4num(b) || byName(a, b),
  pairs: (a, b) => b.pairs.length - a.pairs.length || byName(a, b),
  seen: null,     // compute() sorts these two by a key made once per peer
  traffic: null,
};

function filters() {
  const v = getView();
  return {
    terms: (v.q ?? "").toLowerCase().split(/\s+/).filter(Boolean),
    state: v.state ?? "", health: v.health ?? "", link: v.link ?? "", tag: v.tag ?? "",
    sort: Object.hasOwn(SORTS, v.sort ?? "") ? v.sort : "state",
  };
}

// ------------------------------------------------------------------- rows

function cell(label, ...c) {
  return el("td", { dataset: { label } }, ...c);
}

function badge(text, kind, title) {
  return el("span", { class: `badge ${kind}`, title }, text);
}

function buildRow(p) {
  const r = { state: p.state, msg: el("p", { class: "msg", role: "status", hidden: true }) };
  r.select = el("input", { type: "checkbox", "aria-label": `select ${p.name}`, checked: selected.has(p.id),
    on: { change: () => { r.select.checked ? selected.add(p.id) : selected.delete(p.id); bulkBar(); } } });
  r.name = el("td", { class: "name", dataset: { label: "Name" } });
  r.stateCell = cell("State");
  r.addr = cell("Address");
  r.endpoint = cell("Endpoint");
  r.nets = cell("Networks");
  r.pairs = cell("Pairs");
  r.seen = cell("Last seen");
  r.traffic = cell("Traffic");
  r.actions = el("td", { class: "actions", dataset: { label: "" } });
  if (p.state === "pending") {
    r.addrIn = el("input", { placeholder: "from the pool", "aria-label": `address for ${p.name}`, autocomplete: "off" });
    r.netsIn = el("input", { placeholder: "192.168.5.0/24", "aria-label": `networks for ${p.name}`, autocomplete: "off" });
    r.addr.append(r.addrIn);
    r.nets.append(r.netsIn);
    r.actions.append(
      el("button", { type: "button", on: { click: () => accept(p.id) } }, "Accept"),
      el("button", { type: "button", class: "danger", on: { click: () => reject(p.id) } }, "Reject"));
  } else {
    r.actions.append(
      el("button", { type: "button", on: { click: () => edit(p.id) } }, "Edit"),
      el("button", { type: "button", on: { click: () => openConfig(store.peers.get(p.id), r.msg) } }, "Config"),
      el("button", { type: "button", on: { click: () => go("pairs", { peer: p.id }) } }, "Pairs"),
      r.pause = el("button", { type: "button", on: { click: () => pause(p.id) } }, "Disable"),
      el("button", { type: "button", class: "danger", on: { click: () => remove(p.id) } }, "Delete"));
  }
  r.actions.append(r.msg);
  r.tr = el("tr", { dataset: { peer: p.id }, class: p.state },
    el("td", { class: "sel", dataset: { label: "" } }, r.select), r.name, r.stateCell, r.addr, r.endpoint,
    r.nets, r.pairs, r.seen, r.traffic, r.actions);
  rows.set(p.id, r);
  fill(r, p);
  return r;
}

function fill(r, p) {
  const now = Date.now();
  const h = health(p, now);
  const badges = [];
  if (p.state === "accepted" && h === "never") badges.push(badge("never seen", "warn", "this host has not fetched its config yet"));
  if (h === "stale") badges.push(badge("stale", "warn", `last seen ${when(p.last_seen)}`));
  const sig = signatureOf(p);
  if (sig) badges.push(badge(sig.text, sig.kind === "ok" ? "ok" : sig.kind, "what the admin has signed of this peer"));
  for (const [text, kind, title] of pauseBadges(p, now)) badges.push(badge(text, kind, title));
  if (p.pending_key) badges.push(badge("asks for a new key", "warn", `wants to rotate to ${p.pending_key}`));
  for (const t of p.tags ?? []) badges.push(badge(t, "tag"));
  const warns = warningsOf(p);
  r.name.replaceChildren(el("span", { class: "pname" }, p.name), ...badges);
  if (p.state === "pending") r.name.append(el("div", { class: "key", title: "public key" }, p.public_key));
  if (warns.length) r.name.append(el("ul", { class: "warnings" }, warns.map((w) => el("li", {}, w))));
  r.stateCell.textContent = p.state;
  if (p.state !== "pending") r.addr.textContent = p.addresses.join(", ");
  // host:port may break after the colon, not inside a number.
  const ep = p.endpoint ?? "behind NAT";
  const colon = ep.lastIndexOf(":");
  r.endpoint.replaceChildren(...(p.endpoint && colon > 0 ? [ep.slice(0, colon + 1), el("wbr"), ep.slice(colon + 1)] : [ep]));
  if (p.state !== "pending") r.nets.textContent = p.networks.join(", ");
  r.pairs.textContent = p.state === "accepted" ? String(p.pairs.length) : "";
  if (p.state === "accepted" && store.links && p.pairs.length) {
    const n = { up: 0, stale: 0, never: 0 };
    for (const q of p.pairs) {
      const s = linkOf(p.id, q)?.status ?? "never";
      n[s] = (n[s] ?? 0) + 1;
    }
    r.pairs.append(el("div", { class: "links" }, Object.entries(n).filter(([, c]) => c)
      .map(([s, c]) => el("span", { class: `badge link-${s}` }, `${c} ${s}`))));
  }
  r.seen.replaceChildren(el("time", { dateTime: p.last_seen ?? "", title: when(p.last_seen) }, ago(p.last_seen, now)));
  const t = trafficWords(p, now);
  r.traffic.replaceChildren(...(t ? [el("span", { class: "bytes" }, t[0]), el("div", { class: "muted" }, t[1])]
    : p.state === "accepted" ? [el("span", { class: "muted" }, "not reported")] : []));
  r.tr.classList.toggle("paused", !!p.disabled);
  if (r.pause) r.pause.textContent = p.disabled ? "Enable" : "Disable";
  r.select.setAttribute("aria-label", `select ${p.name}`);
}

// The peer changed: redraw its row where it is; a new state gets a new row
// in the same place (pending rows have inputs, accepted ones buttons).
function refreshRow(id) {
  const r = rows.get(id);
  const p = store.peers.get(id);
  if (!r || !p) return;
  if (r.state === p.state) return fill(r, p);
  const hadFocus = r.tr.contains(document.activeElement);
  const msg = r.msg;
  rows.delete(id);
  const n = buildRow(p);
  n.msg.replaceWith(msg);
  n.msg = msg;
  r.tr.replaceWith(n.tr);
  if (hadFocus) n.actions.querySelector("button")?.focus();
}

// ----------------------------------------------------------------- actions

function acceptBody(r) {
  const body = {};
  const a = r.addrIn.value.trim();
  const n = list(r.netsIn.value);
  if (a) {
    if (!isIPv4(a) && !isIPv6(a)) return [null, r.addrIn, `"${a}" is not an IP address`];
    body.address = a;
  }
  for (const x of n) {
    const e = checkCidr(x);
    if (e) return [null, r.netsIn, e];
  }
  if (n.length) body.networks = n;
  return [body];
}

async function accept(id) {
  const r = rows.get(id);
  const p = store.peers.get(id);
  const [body, bad, why] = acceptBody(r);
  for (const i of [r.addrIn, r.netsIn]) i.removeAttribute("aria-invalid");
  if (!body) {
    bad.setAttribute("aria-invalid", "true");
    note(r.msg, why, "error");
    bad.focus();
    return;
  }
  note(r.msg, "Accepting…", "busy");
  try {
    const q = await api.accept(id, body);
    putPeer(q);
    note(r.msg, `Accepted ${q.name} as ${q.addresses.join(", ")}.`);
    timing("accept");
  } catch (e) {
    if (e.code === "not_confirmed") return unsureAccept(id, r);
    note(r.msg, `${e.message} (${e.code})`, "error");
    const inp = /network/.test(e.code) ? r.netsIn : /address|pool/.test(e.code) ? r.addrIn : null;
    inp?.setAttribute("aria-invalid", "true");
  }
}

// The accept was not confirmed: read the peer again and show what is.
async function unsureAccept(id, r) {
  note(r.msg, "Not confirmed: the server did not answer in time. Reading the peer again…", "warn");
  let q;
  try {
    q = await reread(() => api.peer(id), (x) => x.state === "accepted");
  } catch {
    return note(r.msg, "Not accepted: the peer is gone (rejected or deleted elsewhere).", "error");
  }
  if (!q) return note(r.msg, "Not confirmed, and the server does not answer: reload later to see whether it was accepted.", "error");
  putPeer(q);
  const row = rows.get(id) ?? r;
  note(row.msg, q.state === "accepted" ? `Accepted ${q.name} after all (the server was slow to confirm).`
    : "Not accepted: reading the peer again shows it still waiting.", q.state === "accepted" ? "ok" : "error");
}

// A row that goes away leaves a line saying so, in its place.
function gone(id, text) {
  const r = rows.get(id);
  if (!r) return;
  rows.delete(id);
  selected.delete(id);
  const td = el("td", { colSpan: 10 }, el("p", { class: "msg ok", role: "status" }, text));
  const tr = el("tr", { class: "gone", dataset: { gone: id } }, td);
  r.tr.replaceWith(tr);
}

async function reject(id) {
  const p = store.peers.get(id);
  if (!confirm(`Reject ${p.name}?`)) return;
  const r = rows.get(id);
  note(r.msg, "Rejecting…", "busy");
  try {
    await api.reject(id);
    gone(id, `Rejected ${p.name}.`);
    dropPeer(id);
    timing("reject");
  } catch (e) {
    note(r.msg, `${e.message} (${e.code})`, "error");
  }
}

async function remove(id) {
  const p = store.peers.get(id);
  const n = p.pairs.length;
  if (!await guard(n, `Delete ${p.name}?`, `Its ${pairsWord(n)} go with it: ${n} partners lose it from their configs.`,
    `Delete ${p.name} and ${pairsWord(n)}`, () => confirm(`Delete ${p.name}? Its pairs go with it.`))) return;
  const r = rows.get(id);
  note(r.msg, "Deleting…", "busy");
  try {
    await api.remove(id);
    gone(id, `Deleted ${p.name}.`);
    dropPeer(id);
    timing("delete");
  } catch (e) {
    note(r.msg, `${e.message} (${e.code})`, "error");
  }
}

// Disable or enable from the row: the badge says the outcome, the message
// how it went (a 504 reads the peer again, see pause.js).
async function pause(id) {
  const p = store.peers.get(id);
  const r = rows.get(id);
  if (!p || !r || (!p.disabled && !await askDisable([id]))) return;
  r.pause.disabled = true;
  try {
    if (await setPaused(id, !p.disabled, r.msg)) timing(p.disabled ? "enable" : "disable");
  } catch {
    // said in the row's message
  } finally {
    r.pause.disabled = false;
  }
}

function edit(id) {
  if (!store.peers.has(id)) return;
  openEdit(store.peers.get(id), (p, what, how = "") => {
    const row = rows.get(id);
    if (!row) return;
    note(row.msg, p ? `Saved ${what.join(", ")}.${how}` : "Nothing changed.");
    if (p) timing("edit");
    row.actions.querySelector("button")?.focus();
  });
}

// ------------------------------------------------------------------- bulk

function bulkBar() {
  const n = selected.size;
  // The bar stays while it reports what the last bulk action did.
  $("#bulk").hidden = n === 0 && $("#bulk-msg").hidden && $("#bulk-warn").hidden;
  $("#bulk-count").textContent = `${n} selected`;
  const sel = [...selected].map((id) => store.peers.get(id)).filter(Boolean);
  $("#bulk-accept").disabled = !sel.some((p) => p.state === "pending");
  $("#bulk-reject").disabled = !sel.some((p) => p.state === "pending");
  $("#bulk-mesh").disabled = sel.filter((p) => p.state === "accepted").length < 2;
  $("#bulk-delete").disabled = sel.length === 0;
  $("#bulk-disable").disabled = !sel.some((p) => p.state === "accepted" && !p.disabled);
  $("#bulk-enable").disabled = !sel.some((p) => p.disabled);
  $("#bulk-tag-add").disabled = sel.length === 0;
  $("#bulk-tag-remove").disabled = sel.length === 0;
  $("#bulk-clear").disabled = false;
  const all = $("#select-page");
  const onPage = shown.slice(page * PAGE, page * PAGE + PAGE);
  all.checked = onPage.length > 0 && onPage.every((id) => selected.has(id));
  all.indeterminate = !all.checked && onPage.some((id) => selected.has(id));
}

// nginx limits admin requests per address (20/s after a burst of 100 in
// the example): a bulk action that outruns it gets 429s, which never
// reached the server, so it waits and asks again.
async function patient(fn, item) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(item);
    } catch (e) {
      if (e.status !== 429 || attempt >= 10) throw e;
      await new Promise((r) => setTimeout(r, 250 * attempt));
    }
  }
}

async function bulk(what, ids, fn, done, after = "") {
  const msg = $("#bulk-msg");
  let ok = 0;
  const failed = [];
  note(msg, `${what}: 0 of ${ids.length}…`, "busy");
  for (const b of $("#bulk").querySelectorAll("button")) b.disabled = true;
  await pool(ids, 4, (item) => patient(fn, item), (id, err) => {
    if (err) {
      failed.push(`${nameOf(id)}: ${err.message}`);
      const r = rows.get(id);
      if (r) note(r.msg, `${err.message} (${err.code})`, "error");
    } else {
      ok++;
    }
    note(msg, `${what}: ${ok + failed.length} of ${ids.length}…`, "busy");
  });
  done?.();
  note(msg, `${what}: ${ok} done` + (failed.length ? `, ${failed.length} failed (${failed.slice(0, 3).join("; ")}${failed.length > 3 ? "; …" : ""})` : ".") +
    (failed.length ? "" : after),
    failed.length ? "error" : "ok");
  timing(`bulk-${what.toLowerCase()}`);
  bulkBar();
}

// Very many pairs: the server makes them in the background, by a rule over
// a new tag given to these peers (jobs.js).
async function meshInBackground(ids, n) {
  const tag = freshTag();
  if (!await askMeshByRule(ids.length, n, tag)) return;
  await bulk("Tagged", ids, async (id) => {
    const p = store.peers.get(id);
    putPeer(await api.patch(id, { tags: [...(p.tags ?? []), tag] }, p.revision));
  });
  const missed = ids.filter((id) => !(store.peers.get(id)?.tags ?? []).includes(tag)).length;
  await meshByRule(tag, $("#bulk-msg"), missed);
}

function bulkIds(state) {
  return [...selected].filter((id) => store.peers.get(id)?.state === state || (!state && store.peers.has(id)));
}

function setupBulk() {
  $("#bulk-accept").addEventListener("click", () => bulk("Accepted", bulkIds("pending"), async (id) => {
    putPeer(await api.accept(id, {}));
  }));
  $("#bulk-reject").addEventListener("click", () => {
    const ids = bulkIds("pending");
    if (!confirm(`Reject ${ids.length} waiting peers?`)) return;
    bulk("Rejected", ids, async (id) => {
      const name = nameOf(id);
      await api.reject(id);
      gone(id, `Rejected ${name}.`);
      dropPeer(id);
    });
  });
  // Tags exist where the server has rules (GET /admin/rules); a peer's tags
  // are one of its fields.
  $("#bulk-tag-add").addEventListener("click", async () => {
    const tag = $("#bulk-tag").value.trim();
    const bad = checkTag(tag);
    if (bad) return note($("#bulk-msg"), bad, "error");
    const ids = bulkIds(null).filter((id) => !(store.peers.get(id).tags ?? []).includes(tag));
    const n = pairsByTagging(ids, tag);
    if (!await guard(n, `Tag ${ids.length} peers ${tag}?`,
      `The rules on tag ${tag} make ${pairsWord(n)} when these ${ids.length} peers get it.`, `Tag them and make ${pairsWord(n)}`)) return;
    bulk("Tagged", ids, async (id) => {
      const p = store.peers.get(id);
      putPeer(await api.patch(id, { tags: [...(p.tags ?? []), tag] }, p.revision));
    }, n ? watchJobs : null, n ? ` The rules made ${pairsWord(n)}.` : "");
  });
  // Taking a tag off drops the pairs only its rules made.
  $("#bulk-tag-remove").addEventListener("click", async () => {
    const tag = $("#bulk-tag").value.trim();
    const bad = checkTag(tag);
    if (bad) return note($("#bulk-msg"), bad, "error");
    const ids = bulkIds(null).filter((id) => (store.peers.get(id).tags ?? []).includes(tag));
    const n = pairsByUntagging(ids, tag);
    if (!await guard(n, `Take tag ${tag} off ${ids.length} peers?`,
      `${pairsWord(n)} that only the rules on tag ${tag} made go with it.`, `Untag them and remove ${pairsWord(n)}`)) return;
    bulk("Untagged", ids, async (id) => {
      const p = store.peers.get(id);
      putPeer(await api.patch(id, { tags: p.tags.filter((t) => t !== tag) }, p.revision));
    }, null, n ? ` The rules dropped ${pairsWord(n)}.` : "");
  });
  // Pausing keeps every pair, yet takes their links out of the configs.
  $("#bulk-disable").addEventListener("click", async () => {
    const ids = bulkIds("accepted").filter((id) => !store.peers.get(id).disabled);
    if (await askDisable(ids)) bulk("Disabled", ids, async (id) => putPeer(await api.disable(id)));
  });
  $("#bulk-enable").addEventListener("click", () => bulk("Enabled",
    bulkIds("accepted").filter((id) => store.peers.get(id).disabled), async (id) => putPeer(await api.enable(id, remaining(store.peers.get(id))))));
  $("#bulk-delete").addEventListener("click", async () => {
    const ids = bulkIds(null);
    const n = pairsOfPeers(ids);
    if (!await guard(n, `Delete ${ids.length} peers?`, `Their ${pairsWord(n)} go with them.`,
      `Delete ${ids.length} peers and ${pairsWord(n)}`, () => confirm(`Delete ${ids.length} peers? Their pairs go with them.`))) return;
    bulk("Deleted", ids, async (id) => {
      const name = nameOf(id);
      await api.remove(id);
      gone(id, `Deleted ${name}.`);
      dropPeer(id);
    });
  });
  $("#bulk-mesh").addEventListener("click", async () => {
    const ids = bulkIds("accepted");
    // The pairs to make, one request each; past BIG, where the server
    // makes them (it has rules), only counted.
    const todo = [];
    let n = 0;
    for (let i = 0; i < ids.length; i++) {
      const paired = new Set(store.peers.get(ids[i]).pairs);
      for (let j = i + 1; j < ids.length; j++) {
        if (!paired.has(ids[j]) && (++n <= BIG || store.rules === null)) todo.push([ids[i], ids[j]]);
      }
    }
    if (n === 0) return note($("#bulk-msg"), "They are all paired with each other already.");
    if (n > BIG && store.rules !== null) return meshInBackground(ids, n);
    if (!await guard(n, `Pair ${ids.length} peers with each other?`,
      `This makes ${pairsWord(n)}, one request each: ${duration(n)} at the admin rate limit. ` +
      "Each of these peers gets every other one in its config.",
      `Make ${pairsWord(n)}`, () => confirm(`Make ${n} pairs among ${ids.length} peers?`))) return;
    const nat = todo.filter(([a, b]) => isNat(store.peers.get(a)) && isNat(store.peers.get(b))).length;
    bulk("Paired", todo, async ([a, b]) => {
      await api.pair(a, b);
      setPair(a, b, true);
    }, () => nat && note($("#bulk-warn"), `${nat} of these pairs join two peers behind NAT: they have no direct path.`, "warn"));
  });
  $("#bulk-clear").addEventListener("click", () => {
    selected.clear();
    for (const r of rows.values()) r.select.checked = false;
    note($("#bulk-msg"), "");
    note($("#bulk-warn"), "");
    bulkBar();
  });
  $("#select-page").addEventListener("change", (ev) => {
    const onPage = shown.slice(page * PAGE, page * PAGE + PAGE);
    for (const id of onPage) {
      ev.target.checked ? selected.add(id) : selected.delete(id);
      const r = rows.get(id);
      if (r) r.select.checked = ev.target.checked;
    }
    bulkBar();
  });
  $("#select-all").addEventListener("click", () => {
    for (const id of shown) selected.add(id);
    for (const r of rows.values()) r.select.checked = selected.has(r.tr.dataset.peer);
    bulkBar();
  });
}

// -------------------------------------------------------------- the list

function summary() {
  let pending = 0, acc = 0, stale = 0, never = 0, paused = 0;
  const now = Date.now();
  for (const p of store.peers.values()) {
    if (p.state === "pending") pending++;
    else acc++;
    const h = health(p, now);
    if (p.state === "accepted" && h === "stale") stale++;
    if (p.state === "accepted" && h === "never") never++;
    if (p.disabled) paused++;
  }
  $("#peer-summary").textContent = `${store.peers.size} peers: ${acc} accepted, ${pending} waiting` +
    (paused ? `, ${paused} paused` : "") + (stale ? `, ${stale} stale` : "") + (never ? `, ${never} never seen` : "");
}

let summaryQueued = false;
function summaryLater() {
  if (summaryQueued) return;
  summaryQueued = true;
  requestAnimationFrame(() => {
    summaryQueued = false;
    summary();
    bulkBar();
    // A tag given in a dialog or in bulk is in the Tag filter at once.
    tagOptions();
  });
}

// Recomputes which peers show, in which order; keeps the page when it can.
function compute() {
  const f = filters();
  const ps = [...store.peers.values()].filter((p) => matches(p, f));
  if (f.sort === "seen" || f.sort === "traffic") {
    // Each key once, not in every comparison: a time parsed, or bytes
    // summed over a peer's links.
    const key = f.sort === "seen" ? (p) => (p.last_seen ? Date.parse(p.last_seen) : 0)
      : (p) => { const t = trafficOf(p); return t ? t.rx + t.tx : -1; };
    const t = new Map(ps.map((p) => [p.id, key(p)]));
    ps.sort((a, b) => t.get(b.id) - t.get(a.id) || byName(a, b));
  } else {
    ps.sort(SORTS[f.sort]);
  }
  shown = ps.map((p) => p.id);
}

function draw() {
  const pages = Math.max(1, Math.ceil(shown.length / PAGE));
  page = Math.min(Math.max(0, Number(getView().page ?? 1) - 1), pages - 1);
  shown = shown.filter((id) => store.peers.has(id));
  const ids = shown.slice(page * PAGE, page * PAGE + PAGE);
  const trs = ids.map((id) => (rows.get(id) ?? buildRow(store.peers.get(id))).tr);
  // Rows off the page are dropped from the cache unless something was typed.
  const keep = new Set(ids);
  for (const [id, r] of rows) if (!keep.has(id) && !(r.addrIn?.value || r.netsIn?.value)) rows.delete(id);
  $("#peers tbody").replaceChildren(...trs);
  $("#peers").hidden = shown.length === 0;
  $("#peers-empty").hidden = shown.length !== 0;
  $("#peers-empty").textContent = store.peers.size ? "No peer matches." : "No peer has registered yet.";
  const from = shown.length ? page * PAGE + 1 : 0;
  $("#peer-range").textContent = `${from}–${page * PAGE + ids.length} of ${shown.length}`;
  $("#peer-prev").disabled = page === 0;
  $("#peer-next").disabled = page >= pages - 1;
  summary();
  bulkBar();
}

export function redraw() {
  compute();
  draw();
}

const tagOptions = () => {
  const tags = new Set();
  for (const p of store.peers.values()) for (const t of p.tags ?? []) tags.add(t);
  const sel = $("#peer-tag");
  sel.hidden = tags.size === 0;
  $("label[for=peer-tag]").hidden = tags.size === 0;
  const v = sel.value;
  sel.replaceChildren(el("option", { value: "" }, "any tag"), ...[...tags].sort().map((t) => el("option", { value: t }, t)));
  sel.value = v;
};

export function setupPeers() {
  setupBulk();
  const controls = { q: "#peer-search", state: "#peer-state", health: "#peer-health", link: "#peer-link", tag: "#peer-tag", sort: "#peer-sort" };
  const apply = () => {
    const v = {};
    for (const [k, s] of Object.entries(controls)) if ($(s).value) v[k] = $(s).value;
    setView("peers", v);
    filtersOn(v);
    redraw();
  };
  for (const th of document.querySelectorAll("#peers th[data-sort]")) th.querySelector("button").addEventListener("click", () => {
    $("#peer-sort").value = th.dataset.sort;
    apply();
  });
  // On a phone the filters fold behind one control; it says how many are on.
  if (matchMedia("(max-width: 700px)").matches) $("#peer-filters").open = false;
  const later = debounce(apply, 120);
  for (const s of Object.values(controls)) $(s).addEventListener(s === "#peer-search" ? "input" : "change", s === "#peer-search" ? later : apply);
  // Another page starts at its top: the list is scrolled there and takes
  // the focus (it is where the next Tab goes on from).
  const turn = (to) => {
    setView("peers", { ...getView(), page: to });
    draw();
    $("#peers").focus({ preventScroll: true });
    $("#peers").scrollIntoView({ block: "start" });
  };
  $("#peer-prev").addEventListener("click", () => turn(page));
  $("#peer-next").addEventListener("click", () => turn(page + 2));

  subscribe((ev) => {
    if (ev.type === "all") {
      for (const id of ev.gone) rows.delete(id);
      for (const [id, r] of rows) if (store.peers.has(id)) {
        if (r.state === store.peers.get(id).state) fill(r, store.peers.get(id));
        else rows.delete(id);
      }
      tagOptions();
      redraw();
    } else if (ev.type === "rules") {
      $("#bulk-tagging").hidden = store.rules === null;
    } else if (ev.type === "peer") {
      // Only rows on the page change; the order stays until the admin
      // changes the filters, so nothing jumps under the pointer.
      refreshRow(ev.id);
      summaryLater();
    } else if (ev.type === "gone") {
      // Deleted elsewhere (found by a read that got 404): its row says so.
      const r = rows.get(ev.id);
      if (r) gone(ev.id, `${r.name.querySelector(".pname")?.textContent ?? "This peer"} was deleted elsewhere.`);
      shown = shown.filter((id) => id !== ev.id);
      selected.delete(ev.id);
      summaryLater();
    } else if (ev.type === "links") {
      $("#peer-link").hidden = !store.links;
      $("label[for=peer-link]").hidden = !store.links;
      for (const [id, r] of rows) if (store.peers.has(id)) fill(r, store.peers.get(id));
      if (getView().link) redraw();
    } else if (ev.type === "network") {
      for (const [id, r] of rows) fill(r, store.peers.get(id));
    }
  });
  // Relative times age: once a minute, the visible rows say so.
  setInterval(() => {
    for (const [id, r] of rows) if (store.peers.has(id)) fill(r, store.peers.get(id));
  }, 60000);
}

// The column headers sort too (the Sort control says the same); the
// sorted column is marked for screen readers. Names, addresses go up,
// pairs and last seen with the most first.
function sortMarks(sort) {
  for (const th of document.querySelectorAll("#peers th[data-sort]")) {
    if (th.dataset.sort === sort) th.setAttribute("aria-sort", sort === "pairs" || sort === "seen" || sort === "traffic" ? "descending" : "ascending");
    else th.removeAttribute("aria-sort");
  }
}

function filtersOn(v) {
  sortMarks(v.sort ?? "state");
  const n = ["state", "health", "link", "tag"].filter((k) => v[k]).length;
  $("#peer-filters-on").textContent = n ? `(${n} on)` : "";
}

// The view's controls follow the URL (#peers?q=…&state=…).
export function showPeers(v) {
  const map = { q: "#peer-search", state: "#peer-state", health: "#peer-health", link: "#peer-link", tag: "#peer-tag", sort: "#peer-sort" };
  for (const [k, s] of Object.entries(map)) $(s).value = v[k] ?? (k === "sort" ? "state" : "");
  filtersOn(v);
  if (store.loaded) redraw();
}
