// SPDX-License-Identifier: MIT
// The edit dialog and the config preview. The edit sends only the fields the
// admin changed, with the revision the page saw; it stays open until the
// server has said yes, and shows a refusal at the field it concerns.

import { api, ApiError, reread } from "./api.js";
import { store, putPeer, dropPeer } from "./store.js";
import { showPauseOf } from "./pause.js";
import { $, $$, el, note, list, isIPv4, isIPv6, checkInt, checkCidr, checkEndpoint, checkName, checkTags } from "./util.js";

const FIELDS = ["name", "address4", "address6", "endpoint", "listen_port", "keepalive", "networks", "tags"];
const LABEL = { name: "name", address4: "IPv4 address", address6: "IPv6 address", endpoint: "endpoint",
  listen_port: "listen port", keepalive: "keepalive", networks: "routed networks", tags: "tags" };

// A peer as the form shows it: every field a string.
function fieldsOf(p) {
  return {
    name: p.name,
    address4: p.addresses.find((a) => !a.includes(":")) ?? "",
    address6: p.addresses.find((a) => a.includes(":")) ?? "",
    endpoint: p.endpoint ?? "",
    listen_port: p.listen_port === null || p.listen_port === undefined ? "" : String(p.listen_port),
    keepalive: p.keepalive === null || p.keepalive === undefined ? "" : String(p.keepalive),
    networks: p.networks.join(", "),
    tags: (p.tags ?? []).join(", "),
  };
}

const sorted = (v) => [...new Set(list(v))].sort().join(",");
const same = (k, a, b) => (k === "networks" ? list(a).join(",") === list(b).join(",") :
  k === "tags" ? sorted(a) === sorted(b) : a.trim() === b.trim());

function check(k, v, orig) {
  if (k === "name") return checkName(v);
  if (k === "address4") {
    if (!v) return orig ? "an address cannot be removed, only changed" : null;
    return isIPv4(v) ? null : `"${v}" is not an IPv4 address`;
  }
  if (k === "address6") {
    if (!v) return orig ? "an address cannot be removed, only changed" : null;
    return isIPv6(v) ? null : `"${v}" is not an IPv6 address`;
  }
  if (k === "endpoint") return v ? checkEndpoint(v) : null;
  if (k === "listen_port") return v ? checkInt(v, 1, 65535, "the port") : null;
  if (k === "keepalive") return v ? checkInt(v, 0, 65535, "keepalive") : null;
  if (k === "networks") {
    for (const n of list(v)) {
      const e = checkCidr(n);
      if (e) return e;
    }
  }
  if (k === "tags") return checkTags(list(v));
  return null;
}

function value(k, v) {
  if (k === "endpoint") return v || null;
  if (k === "listen_port" || k === "keepalive") return v ? Number(v) : null;
  if (k === "networks") return list(v);
  if (k === "tags") return [...new Set(list(v))];
  return v;
}

// Which field a server error code is about.
function fieldOfError(code, sent) {
  if (/tag|rule/.test(code)) return "tags";
  if (/name/.test(code)) return "name";
  if (/address|pool/.test(code)) return sent.includes("address6") && !sent.includes("address4") ? "address6" : "address4";
  if (/endpoint/.test(code)) return "endpoint";
  if (/listen_port|port/.test(code)) return "listen_port";
  if (/keepalive/.test(code)) return "keepalive";
  if (/network/.test(code)) return "networks";
  return null;
}

let current = null; // {id, orig: fields, revision, onSaved, ready, gone}

function fieldError(k, text) {
  const f = $("#edit-form");
  const input = f.elements[k];
  const out = $(`[data-error="${k}"]`, f);
  input.setAttribute("aria-invalid", text ? "true" : "false");
  note(out, text ?? "", "error");
}

function clearMarks() {
  for (const k of FIELDS) {
    fieldError(k, null);
    note($(`[data-changed="${k}"]`), "", "warn");
  }
  note($("#edit-msg"), "");
}

// The peer was deleted elsewhere: nothing to save any more.
function goneNow(cur) {
  cur.gone = true;
  dropPeer(cur.id);
  if (current !== cur) return;
  $("#edit-save").disabled = true;
  note($("#edit-msg"), "This peer was deleted elsewhere: there is nothing to save.", "error");
}

// The dialog opens at once with what the page has, and reads the peer
// fresh: a field the admin has not typed into yet takes the server's value,
// and the revision is the server's, so an edit is never refused for a
// change the page had not seen before the dialog opened.
async function readFresh(cur) {
  let p;
  try {
    p = await api.peer(cur.id);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return goneNow(cur);
    if (current === cur) note($("#edit-msg"), `Showing the page's copy: the peer cannot be read again (${e.message}).`, "warn");
    return;
  }
  putPeer(p);
  if (current !== cur) return;
  const f = $("#edit-form");
  const fresh = fieldsOf(p);
  for (const k of FIELDS) if (f.elements[k].value === cur.orig[k]) f.elements[k].value = fresh[k];
  cur.orig = fresh;
  cur.revision = p.revision;
  $("#edit-title").textContent = p.name;
}

export function openEdit(p, onSaved) {
  const f = $("#edit-form");
  current = { id: p.id, orig: fieldsOf(p), revision: p.revision, onSaved, gone: false };
  $("#edit-title").textContent = p.name;
  for (const [k, v] of Object.entries(current.orig)) f.elements[k].value = v;
  $("#edit-address6").hidden = !store.network?.ipv6_pool && !current.orig.address6;
  // Tags where the server has them (it lists rules); elsewhere the field
  // stays empty and unchanged, so it is never sent.
  $("#edit-tags").hidden = store.rules === null;
  clearMarks();
  $("#edit-save").disabled = false;
  showPauseOf(p);
  current.ready = readFresh(current);
  $("#edit-dialog").showModal();
  f.elements.name.focus();
}

async function save(ev) {
  ev.preventDefault();
  const f = $("#edit-form");
  // The edit this save is for: the dialog may be closed (Esc) while the
  // server thinks, and opened again for another peer.
  const cur = current;
  if (!cur || cur.gone) return;
  await cur.ready;
  if (current !== cur || cur.gone) return;
  clearMarks();
  const typed = Object.fromEntries(FIELDS.map((k) => [k, f.elements[k].value.trim()]));
  const changed = FIELDS.filter((k) => !same(k, typed[k], cur.orig[k]));
  let bad = null;
  for (const k of changed) {
    const e = check(k, typed[k], cur.orig[k]);
    if (e) {
      fieldError(k, e);
      bad ??= k;
    }
  }
  if (bad) {
    f.elements[bad].focus();
    return;
  }
  if (changed.length === 0) {
    $("#edit-dialog").close();
    cur.onSaved?.(null);
    return;
  }
  await send(cur, typed, changed, null);
}

// The PATCHes of one save: one PATCH takes one address, a second one
// carries the IPv6 address. retried: the fields someone else changed when
// this is the page's own second try after a 412 that did not touch them.
async function send(cur, typed, changed, retried) {
  const f = $("#edit-form");
  const first = {};
  for (const k of changed) if (k !== "address4" && k !== "address6") first[k] = value(k, typed[k]);
  const steps = [];
  if (changed.includes("address4")) first.address = typed.address4;
  if (Object.keys(first).length) steps.push([first, changed.filter((k) => k !== "address6")]);
  if (changed.includes("address6")) steps.push([{ address: typed.address6 }, ["address6"]]);
  const btn = $("#edit-save");
  btn.disabled = true;
  note($("#edit-msg"), retried ? "Saving again on the new revision…" : "Saving…", "busy");
  let peer = null;
  for (const [body, sent] of steps) {
    try {
      peer = await api.patch(cur.id, body, cur.revision);
      cur.orig = fieldsOf(peer);
      cur.revision = peer.revision;
      putPeer(peer);
    } catch (e) {
      btn.disabled = false;
      if (current !== cur) return;
      if (e instanceof ApiError && e.status === 412) return stale(cur, typed, changed, e, retried);
      if (e instanceof ApiError && e.code === "not_confirmed") return unconfirmed(cur, typed, changed);
      if (e instanceof ApiError && e.status === 404) return goneNow(cur);
      const k = e instanceof ApiError ? fieldOfError(e.code, sent) : null;
      if (k) {
        fieldError(k, e.message);
        f.elements[k].focus();
        note($("#edit-msg"), peer ? "Part of the change was saved; the rest was refused (see the field)." : "", "error");
      } else {
        note($("#edit-msg"), `${e.message} (${e.code ?? "error"})`, "error");
      }
      return;
    }
  }
  btn.disabled = false;
  if (current === cur) $("#edit-dialog").close();
  cur.onSaved?.(peer, changed.map((k) => LABEL[k]), retried
    ? ` Someone changed ${retried.length ? retried.join(", ") : "its pairs"} meanwhile; that did not touch your fields, so the page saved again on the new revision.`
    : "");
}

const said = (v) => (v ? `"${v}"` : "empty");

// 412: someone changed the peer after the page read it. A change that did
// not touch the fields being saved is taken over and the save tried again,
// once, on the new revision. A real conflict shows each field that changed
// meanwhile, keeps what the admin typed, and takes the new revision so
// that saving again is a deliberate choice.
async function stale(cur, typed, mine, refusal, retried) {
  // The refusal carries the peer as it is now; read it only when it does not.
  let now = refusal?.data?.error?.current ?? null;
  if (!now || now.id !== cur.id) {
    try {
      now = await api.peer(cur.id);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return goneNow(cur);
      note($("#edit-msg"), `The peer changed meanwhile and cannot be read again: ${e.message}`, "error");
      return;
    }
  }
  putPeer(now);
  if (current !== cur) return;
  const f = $("#edit-form");
  const theirs = fieldsOf(now);
  const moved = FIELDS.filter((k) => !same(k, theirs[k], cur.orig[k]));
  const conflict = moved.some((k) => mine.includes(k));
  for (const k of moved) {
    const mineToo = mine.includes(k);
    note($(`[data-changed="${k}"]`),
      `Changed meanwhile: was ${said(cur.orig[k])}, now ${said(theirs[k])}` +
      (mineToo ? "; saving again puts yours over it." : "."), mineToo ? "error" : "warn");
    if (!mineToo) f.elements[k].value = theirs[k];
  }
  cur.orig = theirs;
  cur.revision = now.revision;
  if (!conflict && !retried) return send(cur, typed, mine, moved.map((k) => LABEL[k]));
  note($("#edit-msg"), moved.length
    ? "Someone changed this peer while you edited it (marked above). Check, then Save again."
    : "The peer changed while you edited it. Save again to apply your change.", "error");
}

// No answer in time (504, or the page's own timeout): the change may have
// been made. Read the peer until the server answers, and say what it shows.
async function unconfirmed(cur, typed, changed) {
  const msg = $("#edit-msg");
  const btn = $("#edit-save");
  btn.disabled = true;
  note(msg, "Not confirmed: the server did not answer in time. Reading the peer again to see what happened…", "warn");
  const landed = (p) => changed.every((k) => same(k, typed[k], fieldsOf(p)[k]));
  let now;
  try {
    now = await reread(() => api.peer(cur.id), landed);
  } catch (e) {
    return goneNow(cur);
  }
  btn.disabled = false;
  if (!now) return note(msg, "Not confirmed, and the server still does not answer: reload the page later to see whether the change was made.", "error");
  putPeer(now);
  if (current !== cur) return;
  cur.orig = fieldsOf(now);
  cur.revision = now.revision;
  if (landed(now)) {
    $("#edit-dialog").close();
    cur.onSaved?.(now, changed.map((k) => LABEL[k]), " The server was slow to confirm; reading the peer again shows the change was made.");
    return;
  }
  note(msg, "Not saved: reading the peer again shows it without your change. What you typed is still here; Save again to try once more.", "error");
}

// ------------------------------------------------------------ config preview

// The config as WireGuard text, with the secrets left out: the private key
// never leaves the host and the preshared keys are sealed to it.
export function wgText(p, conf) {
  const lines = [`# ${p.name}: what wgconf sync writes, revision ${conf.revision}`, "[Interface]",
    "# PrivateKey stays on the host"];
  const i = conf.interface;
  if (i.addresses?.length) lines.push(`Address = ${i.addresses.join(", ")}`);
  if (i.listen_port) lines.push(`ListenPort = ${i.listen_port}`);
  if (i.mtu) lines.push(`MTU = ${i.mtu}`);
  if (i.dns?.length) lines.push(`DNS = ${i.dns.join(", ")}`);
  for (const q of conf.peers) {
    lines.push("", `[Peer]`, `# ${q.name}`, `PublicKey = ${q.public_key}`);
    if (q.preshared_key_sealed) lines.push("# PresharedKey: sealed to this host, opened there");
    if (q.endpoint) lines.push(`Endpoint = ${q.endpoint}`);
    lines.push(`AllowedIPs = ${q.allowed_ips.join(", ")}`);
    if (q.persistent_keepalive) lines.push(`PersistentKeepalive = ${q.persistent_keepalive}`);
  }
  return lines.join("\n") + "\n";
}

export async function openConfig(p, msg) {
  note(msg, "Reading the config…", "busy");
  let conf;
  try {
    conf = await api.config(p.id);
  } catch (e) {
    note(msg, `${e.message} (${e.code})`, "error");
    return;
  }
  note(msg, "");
  $("#config-title").textContent = p.name;
  const w = conf.warnings ?? [];
  $("#config-warnings").replaceChildren(...w.map((t) => el("li", {}, t)));
  $("#config-warnings").hidden = w.length === 0;
  $("#config-text").textContent = wgText(p, conf);
  $("#config-dialog").showModal();
}

export function setupDialogs() {
  $("#edit-form").addEventListener("submit", save);
  $("#edit-cancel").addEventListener("click", () => $("#edit-dialog").close());
  $("#config-close").addEventListener("click", () => $("#config-dialog").close());
  for (const d of $$("dialog")) d.addEventListener("close", () => {
    if (d.id === "edit-dialog") current = null;
  });
}
