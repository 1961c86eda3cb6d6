// SPDX-License-Identifier: MIT
// The admin page. Everything a peer sent (names, endpoints, keys) reaches the
// page through textContent or an attribute value, never through HTML parsing.

import { api } from "./api.js";

const $ = (sel, root = document) => root.querySelector(sel);

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "class") node.className = v;
    else if (k === "on") for (const [ev, fn] of Object.entries(v)) node.addEventListener(ev, fn);
    else if (k in node) node[k] = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c ?? "")));
  return node;
}

function say(text, kind = "ok") {
  const s = $("#status");
  s.textContent = text;
  s.className = kind;
}

function when(t) {
  return t ? new Date(t).toLocaleString() : "never";
}

function list(s) {
  return s.split(",").map((x) => x.trim()).filter(Boolean);
}

// Runs a change, reloads, and only then says it is done, so what the status
// line claims is already on the page.
async function act(what, fn) {
  try {
    await fn();
  } catch (e) {
    say(`${e.message} (${e.code ?? "error"})`, "error");
    return;
  }
  if (await refresh()) say(what);
}

let peers = [];

function fillTable(table, rows, empty) {
  const body = $("tbody", table);
  body.replaceChildren(...rows);
  table.hidden = rows.length === 0;
  $(empty).hidden = rows.length !== 0;
}

function pendingRow(p) {
  const addr = el("input", { placeholder: "from the pool", "aria-label": `address for ${p.name}` });
  const nets = el("input", { placeholder: "192.168.5.0/24", "aria-label": `networks for ${p.name}` });
  const accept = el("button", { type: "button", on: { click: () => act(`Accepted ${p.name}.`, () => {
    const body = {};
    if (addr.value.trim()) body.address = addr.value.trim();
    if (nets.value.trim()) body.networks = list(nets.value);
    return api.accept(p.id, body);
  }) } }, "Accept");
  const reject = el("button", { type: "button", class: "danger", on: { click: () => {
    if (confirm(`Reject ${p.name}?`)) act(`Rejected ${p.name}.`, () => api.reject(p.id));
  } } }, "Reject");
  return el("tr", { "data-peer": p.id },
    el("td", {}, p.name), el("td", { class: "key" }, p.public_key),
    el("td", {}, p.endpoint ?? "behind NAT"), el("td", {}, when(p.created_at)),
    el("td", {}, addr), el("td", {}, nets), el("td", {}, accept, " ", reject));
}

// What is signed of a peer (docs/trust.md): its signed version, and whether
// the server holds changes the admin has not signed yet (wgconf admin sign).
function signedCell(p) {
  if (p.signature === "invalid") return el("td", { class: "sig-invalid" }, "invalid: sign again");
  if (!p.signed_version) return el("td", { class: "sig-none" }, p.unsigned_changes ? "unsigned" : "-");
  if (p.unsigned_changes) return el("td", { class: "sig-invalid" }, `v${p.signed_version}, changed: sign again`);
  return el("td", { class: "sig-valid" }, `v${p.signed_version}`);
}

function acceptedRow(p) {
  const names = p.pairs.map((id) => peers.find((q) => q.id === id)?.name ?? id);
  return el("tr", { "data-peer": p.id },
    el("td", {}, p.name), el("td", {}, p.addresses.join(", ")),
    el("td", {}, p.endpoint ?? "behind NAT"), el("td", {}, p.networks.join(", ")),
    el("td", {}, names.join(", ")),
    signedCell(p),
    el("td", {}, when(p.last_seen)),
    el("td", {},
      el("button", { type: "button", on: { click: () => edit(p) } }, "Edit"), " ",
      el("button", { type: "button", on: { click: () => showConfig(p) } }, "Config"), " ",
      el("button", { type: "button", class: "danger", on: { click: () => {
        if (confirm(`Delete ${p.name}? Its pairs go with it.`)) act(`Deleted ${p.name}.`, () => api.remove(p.id));
      } } }, "Delete")));
}

function edit(p) {
  const dlg = $("#edit-dialog");
  const f = $("#edit-form");
  $("#edit-title").textContent = p.name;
  f.name.value = p.name;
  f.address.value = p.addresses.find((a) => !a.includes(":")) ?? "";
  f.endpoint.value = p.endpoint ?? "";
  f.listen_port.value = p.listen_port ?? "";
  f.keepalive.value = p.keepalive ?? "";
  f.networks.value = p.networks.join(", ");
  f.onsubmit = (ev) => {
    if (ev.submitter?.value !== "save") return;
    const body = { name: f.name.value.trim(), endpoint: f.endpoint.value.trim() || null,
      listen_port: f.listen_port.value.trim() ? Number(f.listen_port.value) : null,
      keepalive: f.keepalive.value.trim() ? Number(f.keepalive.value) : null,
      networks: list(f.networks.value) };
    const a = f.address.value.trim();
    if (a && !p.addresses.includes(a)) body.address = a;
    act(`Saved ${body.name}.`, () => api.patch(p.id, body));
  };
  dlg.showModal();
}

async function showConfig(p) {
  try {
    const conf = await api.config(p.id);
    $("#config-title").textContent = p.name;
    $("#config-text").textContent = JSON.stringify(conf, null, 2);
    $("#config-dialog").showModal();
  } catch (e) {
    say(e.message, "error");
  }
}

function matrix(accepted) {
  const table = $("#matrix");
  const head = el("tr", {}, el("th"), ...accepted.map((p) => el("th", { class: "rot", scope: "col" }, p.name)));
  $("thead", table).replaceChildren(head);
  const rows = accepted.map((a) => el("tr", {}, el("th", { scope: "row" }, a.name),
    ...accepted.map((b) => {
      if (a.id === b.id) return el("td", {}, "—");
      const box = el("input", { type: "checkbox", checked: a.pairs.includes(b.id),
        "aria-label": `pair ${a.name} with ${b.name}` });
      box.addEventListener("change", () => box.checked
        ? act(`Paired ${a.name} and ${b.name}.`, () => api.pair(a.id, b.id))
        : act(`Unpaired ${a.name} and ${b.name}.`, () => api.unpair(a.id, b.id)));
      return el("td", {}, box);
    })));
  $("tbody", table).replaceChildren(...rows);
  table.hidden = accepted.length < 2;
  $("#mesh-empty").hidden = accepted.length >= 2;
}

async function loadNetwork() {
  const n = await api.network();
  const f = $("#network-form");
  f.ipv4_pool.value = n.ipv4_pool;
  f.ipv6_pool.value = n.ipv6_pool ?? "";
  f.mtu.value = n.mtu ?? "";
  f.keepalive.value = n.keepalive;
  f.dns.value = n.dns.join(", ");
}

async function loadInvites() {
  const { invites } = await api.invites();
  $("#invites tbody").replaceChildren(...invites.map((i) => el("tr", {},
    el("td", { class: "key" }, i.id), el("td", {}, `${i.uses_left} of ${i.uses}`),
    el("td", {}, i.expired ? "expired" : when(i.expires_at)), el("td", {}, i.created_by),
    el("td", {}, el("button", { type: "button", class: "danger", on: { click: () =>
      act("Invite deleted.", () => api.dropInvite(i.id)) } }, "Delete")))));
}

let auditNext = null;

async function loadAudit(more = false) {
  const page = await api.audit(more ? auditNext : null);
  const rows = page.entries.map((e) => el("tr", {}, el("td", {}, when(e.at)), el("td", {}, e.actor),
    el("td", {}, e.action), el("td", { class: "key" }, e.target ?? ""),
    el("td", { class: "key" }, e.detail ? JSON.stringify(e.detail) : "")));
  const body = $("#audit tbody");
  if (more) body.append(...rows);
  else body.replaceChildren(...rows);
  auditNext = page.next;
  $("#audit-more").hidden = !auditNext;
}

async function refresh() {
  try {
    peers = (await api.peers()).peers;
    const pending = peers.filter((p) => p.state === "pending");
    const accepted = peers.filter((p) => p.state === "accepted");
    fillTable($("#pending"), pending.map(pendingRow), "#pending-empty");
    fillTable($("#accepted"), accepted.map(acceptedRow), "#accepted-empty");
    matrix(accepted);
    await Promise.all([loadNetwork(), loadInvites(), loadAudit()]);
    return true;
  } catch (e) {
    say(`Cannot load: ${e.message}`, "error");
    return false;
  }
}

function show(tab) {
  for (const b of document.querySelectorAll("nav button")) b.setAttribute("aria-pressed", String(b.dataset.tab === tab));
  for (const s of document.querySelectorAll("[data-panel]")) s.hidden = s.dataset.panel !== tab;
}

document.addEventListener("DOMContentLoaded", () => {
  for (const b of document.querySelectorAll("nav button")) b.addEventListener("click", () => show(b.dataset.tab));
  $("#network-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const f = ev.target;
    const body = { ipv4_pool: f.ipv4_pool.value.trim(), ipv6_pool: f.ipv6_pool.value.trim() || null,
      mtu: f.mtu.value.trim() ? Number(f.mtu.value) : null, keepalive: Number(f.keepalive.value),
      dns: list(f.dns.value) };
    act("Network saved.", () => api.setNetwork(body));
  });
  $("#invite-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const f = ev.target;
    act("Invite made: copy the code now, it is not shown again.", async () => {
      const inv = await api.invite({ uses: Number(f.uses.value), expires_in: Math.round(Number(f.hours.value) * 3600) });
      $("#invite-code code").textContent = inv.code;
      $("#invite-code").hidden = false;
    });
  });
  $("#audit-more").addEventListener("click", () => loadAudit(true).catch((e) => say(e.message, "error")));
  refresh();
});
