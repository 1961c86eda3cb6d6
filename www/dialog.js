// SPDX-License-Identifier: MIT
// The edit dialog and the config preview. The edit sends only the fields the
// admin changed, with the revision the page saw; it stays open until the
// server has said yes, and shows a refusal at the field it concerns.

import { api, ApiError } from "./api.js";
import { store, putPeer } from "./store.js";
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

let current = null; // {id, orig: fields, revision, onSaved}

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

export function openEdit(p, onSaved) {
  const f = $("#edit-form");
  current = { id: p.id, orig: fieldsOf(p), revision: p.revision, onSaved };
  $("#edit-title").textContent = p.name;
  for (const [k, v] of Object.entries(current.orig)) f.elements[k].value = v;
  $("#edit-address6").hidden = !store.network?.ipv6_pool && !current.orig.address6;
  // Tags where the server has them (it lists rules); elsewhere the field
  // stays empty and unchanged, so it is never sent.
  $("#edit-tags").hidden = store.rules === null;
  clearMarks();
  $("#edit-save").disabled = false;
  $("#edit-dialog").showModal();
  f.elements.name.focus();
}

async function save(ev) {
  ev.preventDefault();
  const f = $("#edit-form");
  // The edit this save is for: the dialog may be closed (Esc) while the
  // server thinks, and opened again for another peer.
  const cur = current;
  if (!cur) return;
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
  // One PATCH takes one address: a second one carries the IPv6 address.
  const first = {};
  for (const k of changed) if (k !== "address4" && k !== "address6") first[k] = value(k, typed[k]);
  const steps = [];
  if (changed.includes("address4")) first.address = typed.address4;
  if (Object.keys(first).length) steps.push([first, changed.filter((k) => k !== "address6")]);
  if (changed.includes("address6")) steps.push([{ address: typed.address6 }, ["address6"]]);
  const btn = $("#edit-save");
  btn.disabled = true;
  note($("#edit-msg"), "Saving…", "busy");
  const { id } = cur;
  let revision = cur.revision;
  let peer = null;
  for (const [body, sent] of steps) {
    try {
      peer = await api.patch(id, body, revision);
      revision = peer.revision;
      cur.orig = fieldsOf(peer);
      cur.revision = peer.revision;
      putPeer(peer);
    } catch (e) {
      btn.disabled = false;
      if (current !== cur) return;
      if (e instanceof ApiError && e.status === 412) return stale(cur, changed, e);
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
  cur.onSaved?.(peer, changed.map((k) => LABEL[k]));
}

// 412: someone changed the peer after the page read it. Show each field
// that changed meanwhile, keep what the admin typed, and take the new
// revision so that saving again is a deliberate choice.
async function stale(cur, mine, refusal) {
  // The refusal carries the peer as it is now; read it only when it does not.
  let now = refusal?.data?.error?.current ?? null;
  if (!now || now.id !== cur.id) {
    try {
      now = await api.peer(cur.id);
    } catch (e) {
      note($("#edit-msg"), `The peer changed meanwhile and cannot be read again: ${e.message}`, "error");
      return;
    }
  }
  putPeer(now);
  if (current !== cur) return;
  const f = $("#edit-form");
  const theirs = fieldsOf(now);
  const moved = FIELDS.filter((k) => !same(k, theirs[k], cur.orig[k]));
  for (const k of moved) {
    const conflict = mine.includes(k);
    const said = (v) => (v ? `"${v}"` : "empty");
    note($(`[data-changed="${k}"]`),
      `Changed meanwhile: was ${said(cur.orig[k])}, now ${said(theirs[k])}` +
      (conflict ? "; saving again puts yours over it." : "."), conflict ? "error" : "warn");
    if (!conflict) f.elements[k].value = theirs[k];
  }
  cur.orig = theirs;
  cur.revision = now.revision;
  note($("#edit-msg"), moved.length
    ? "Someone changed this peer while you edited it (marked above). Check, then Save again."
    : "The peer changed while you edited it. Save again to apply your change.", "error");
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
