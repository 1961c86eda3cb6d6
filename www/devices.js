// SPDX-License-Identifier: MIT
// Devices: phones and laptops that join with a link (www/join.html). Make
// a device link, open it here to make the device in this browser, list the
// devices with their gateway and last handshake, re-issue or delete one.

import { call, timing } from "./api.js";
import { store, accepted } from "./store.js";
import { $, el, note, when, ago, list, checkInt, checkName, checkCidr, checkTags, checkLabel } from "./util.js";

const id = encodeURIComponent;

// Hosts that can route for a device: accepted, with an endpoint.
function gateways() {
  return accepted().filter((p) => p.endpoint).sort((a, b) => a.name.localeCompare(b.name));
}

function fillGateways() {
  const sel = $("#device-form").gateway;
  const was = sel.value;
  sel.replaceChildren(...gateways().map((p) => el("option", { value: p.id }, `${p.name} (${p.endpoint})`)));
  if (was) sel.value = was;
}

function showLink(inv, msg) {
  const url = location.origin + inv.link;
  $("#device-url").textContent = url;
  $("#device-open").href = url;
  $("#device-link").hidden = false;
  note(msg, "Device link made: copy it now, it is not shown again.");
}

function deviceRow(d) {
  const msg = el("p", { class: "msg", role: "status", hidden: true });
  const act = (label, cls, fn) => el("button", { type: "button", class: cls, on: { click: async () => {
    try {
      await fn();
    } catch (e) {
      note(msg, `${e.message} (${e.code})`, "error");
    }
  } } }, label);
  const tr = el("tr", { dataset: { device: d.id } },
    el("td", { dataset: { label: "Name" } }, d.name, d.label ? el("small", { class: "muted" }, ` ${d.label}`) : null),
    el("td", { dataset: { label: "Gateway" } }, d.gateway ? d.gateway.name : "gone"),
    el("td", { dataset: { label: "Address" } }, d.addresses.join(", ")),
    el("td", { dataset: { label: "Last handshake" } }, d.latest_handshake ? ago(d.latest_handshake) : "none reported"),
    el("td", { class: "actions" },
      act("Re-issue", "", async () => {
        showLink(await call("POST", `/admin/devices/${id(d.id)}/reissue`, {}), msg);
        await loadDeviceInvites();
      }),
      act("Delete", "danger", async () => {
        if (!confirm(`Delete ${d.name}? Its key is revoked for good.`)) return;
        await call("DELETE", `/admin/devices/${id(d.id)}`);
        tr.replaceWith(el("tr", { class: "gone" }, el("td", { colSpan: 5 }, el("p", { class: "msg ok" }, `${d.name} deleted; its key is revoked.`))));
        timing("device-delete");
      }), msg));
  return tr;
}

async function loadDeviceInvites() {
  const { invites } = await call("GET", "/admin/device-invites");
  const open = invites.filter((i) => i.uses_left > 0 && !i.expired);
  $("#device-invites tbody").replaceChildren(...open.map((i) => el("tr", { dataset: { invite: i.id } },
    el("td", { dataset: { label: "Label" } }, i.label ?? i.name ?? i.id),
    el("td", { dataset: { label: "Gateway" } }, i.gateway?.name ?? ""),
    el("td", { dataset: { label: "Uses left" } }, `${i.uses_left} of ${i.uses}`),
    el("td", { dataset: { label: "Expires" } }, when(i.expires_at)),
    el("td", { class: "actions" }, el("button", { type: "button", class: "danger", on: { click: async (ev) => {
      await call("DELETE", `/admin/device-invites/${id(i.id)}`);
      ev.target.closest("tr").remove();
    } } }, "Delete")))));
  $("#device-invites").hidden = open.length === 0;
}

export async function loadDevices() {
  fillGateways();
  const { devices } = await call("GET", "/admin/devices");
  $("#devices tbody").replaceChildren(...devices.map(deviceRow));
  $("#devices").hidden = devices.length === 0;
  $("#devices-empty").hidden = devices.length !== 0;
  await loadDeviceInvites();
}

// The form's fields checked as the server checks them: {body} or {errors}.
function readForm(f) {
  const errors = {};
  const body = { gateway: f.gateway.value, uses: Number(f.uses.value), routes: [] };
  const name = f.name.value.trim(), label = f.label.value.trim();
  const lans = list(f.lans.value), tags = list(f.tags.value);
  if (!body.gateway) errors.gateway = "no host can be a gateway yet: accept one with a public endpoint";
  if (name) errors.name = checkName(name), body.name = name;
  if (label) errors.label = checkLabel(label), body.label = label;
  if (tags.length) errors.tags = checkTags(tags), body.tags = tags;
  errors.uses = checkInt(f.uses.value.trim(), 1, 100, "uses");
  errors.hours = /^\d+(\.\d+)?$/.test(f.hours.value.trim()) && Number(f.hours.value) > 0 &&
    Number(f.hours.value) <= 720 ? null : "hours must be a number above 0, at most 720";
  body.expires_in = Math.max(60, Math.round(Number(f.hours.value) * 3600));
  if (f.routes.value === "all") body.routes = ["all"];
  else body.routes = ["mesh", ...(f.routes.value === "mesh+lans" ? lans : [])];
  if (f.routes.value === "mesh+lans") errors.lans = lans.length ? lans.map(checkCidr).find((e) => e) : "name at least one network";
  for (const k of ["gateway", "name", "label", "tags", "uses", "hours", "lans"]) {
    note($(`[data-error="dev-${k}"]`), errors[k] ?? "", "error");
    f[k].setAttribute("aria-invalid", errors[k] ? "true" : "false");
  }
  return Object.values(errors).some((e) => e) ? { errors } : { body };
}

export function setupDevices() {
  $("#device-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const msg = $("#device-msg");
    const { body } = readForm(ev.target);
    if (!body) return;
    note(msg, "Making the link…", "busy");
    try {
      showLink(await call("POST", "/admin/device-invites", body), msg);
      await loadDeviceInvites();
      timing("device-invite");
    } catch (e) {
      note(msg, `${e.message} (${e.code})`, "error");
    }
  });
  $("#device-copy").addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText($("#device-url").textContent);
      note($("#device-copy-msg"), "Copied.");
    } catch {
      note($("#device-copy-msg"), "Select the link and copy it.", "warn");
    }
  });
  // The gateway list follows the peers the page knows.
  if (store.loaded) fillGateways();
}
