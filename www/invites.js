// SPDX-License-Identifier: MIT
// Invites: make one, copy its ready `wgconf register` line, list and delete.

import { api, timing } from "./api.js";
import { $, el, note, when, checkInt, checkName, checkEndpoint, checkLabel } from "./util.js";

const PIN_KEY = "wgconfsrv.pin";
const PIN_RE = /^sha256\/\/[A-Za-z0-9+/]{43}=$/;

// The server's own pin, where its nginx says it (GET /api/v1/admin/tls-pin,
// a block of the nginx example for certificates no public CA signed); null
// when it does not, undefined until asked.
let serverPin;
async function askPin() {
  if (serverPin !== undefined) return;
  try {
    const r = await api.tlsPin();
    serverPin = r && PIN_RE.test(r.pin ?? "") ? r.pin : null;
  } catch {
    serverPin = null;
  }
}

// The command for the host, ready to paste: every part is checked, so
// nothing in it is a shell metacharacter but the quoted [v6] of an endpoint.
export function registerLine(code) {
  const pin = serverPin ?? localStorage.getItem(PIN_KEY) ?? "";
  // Without a pin the host must trust the certificate some other way.
  note($("#invite-trust"), pin ? "" : "No pin is known for this server: if the host does not trust its certificate " +
    "(self-signed, or a private CA), add --pin sha256//… (see the pin below) or --cacert FILE to the command.", "warn");
  const name = $("#invite-host-name").value.trim();
  const ep = $("#invite-host-endpoint").value.trim();
  const bad = (name && checkName(name)) || (ep && ep !== "nat" && checkEndpoint(ep));
  note($("#invite-host-msg"), bad || "", "error");
  const nm = name && !checkName(name) ? name : '"$(hostname)"';
  const where = ep && ep !== "nat" && !checkEndpoint(ep) ? (ep.startsWith("[") ? `'${ep}'` : ep) : "nat";
  return `wgconf register --server ${location.origin}` + (pin ? ` --pin ${pin}` : "") +
    ` --invite ${code} --name ${nm} ${where}`;
}

export async function loadInvites() {
  await askPin();
  const { invites } = await api.invites();
  const labelled = invites.some((i) => "label" in i);
  $("#invites th.label").hidden = !labelled;
  $("#invites tbody").replaceChildren(...invites.map((i) => {
    const msg = el("p", { class: "msg", role: "status", hidden: true });
    const tr = el("tr", { dataset: { invite: i.id } },
      labelled ? el("td", { dataset: { label: "Label" } }, i.label ?? "") : null,
      el("td", { class: "key", dataset: { label: "Id" } }, i.id),
      el("td", { dataset: { label: "Uses left" } }, `${i.uses_left} of ${i.uses}`),
      el("td", { dataset: { label: "Expires" } }, i.expired ? "expired" : when(i.expires_at)),
      el("td", { dataset: { label: "Made by" } }, (i.created_by ?? "").replace(/^admin:(.+)$/, "$1 (admin)")),
      el("td", { class: "actions" }, el("button", { type: "button", class: "danger", on: { click: async () => {
        note(msg, "Deleting…", "busy");
        try {
          await api.dropInvite(i.id);
          tr.replaceWith(el("tr", { class: "gone" }, el("td", { colSpan: 6 }, el("p", { class: "msg ok" }, "Invite deleted."))));
          timing("invite-delete");
        } catch (e) {
          note(msg, `${e.message} (${e.code})`, "error");
        }
      } } }, "Delete"), msg));
    return tr;
  }));
  $("#invites").hidden = invites.length === 0;
  $("#invites-empty").hidden = invites.length !== 0;
}

async function copy(text, msg) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // No clipboard permission: select the text so Ctrl+C takes it.
    const r = document.createRange();
    r.selectNodeContents($("#invite-line"));
    getSelection().removeAllRanges();
    getSelection().addRange(r);
    return note(msg, "Selected: press Ctrl+C to copy.", "warn");
  }
  note(msg, "Copied.");
}

export function setupInvites() {
  const pin = $("#invite-pin");
  pin.value = localStorage.getItem(PIN_KEY) ?? "";
  pin.addEventListener("change", () => {
    const v = pin.value.trim();
    if (v && !PIN_RE.test(v)) {
      pin.setAttribute("aria-invalid", "true");
      return note($("#pin-msg"), "a pin looks like sha256// and 44 characters of base64", "error");
    }
    pin.removeAttribute("aria-invalid");
    note($("#pin-msg"), "");
    v ? localStorage.setItem(PIN_KEY, v) : localStorage.removeItem(PIN_KEY);
    const code = $("#invite-code code").textContent;
    if (code) $("#invite-line").textContent = registerLine(code);
  });
  $("#invite-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = ev.target;
    const msg = $("#invite-msg");
    const e1 = checkInt(f.uses.value.trim(), 1, 1000, "uses");
    const e2 = /^\d+(\.\d+)?$/.test(f.hours.value.trim()) && Number(f.hours.value) > 0 ? null : "hours must be a number above 0";
    note($("[data-error=uses]"), e1 ?? "", "error");
    note($("[data-error=hours]"), e2 ?? "", "error");
    const label = f.label.value.trim();
    const e3 = checkLabel(label);
    note($("[data-error=label]"), e3 ?? "", "error");
    f.uses.setAttribute("aria-invalid", e1 ? "true" : "false");
    f.hours.setAttribute("aria-invalid", e2 ? "true" : "false");
    f.label.setAttribute("aria-invalid", e3 ? "true" : "false");
    if (e1 || e2 || e3) return;
    note(msg, "Making the invite…", "busy");
    try {
      const body = { uses: Number(f.uses.value), expires_in: Math.round(Number(f.hours.value) * 3600) };
      if (label) body.label = label;
      const inv = await api.invite(body);
      $("#invite-code code").textContent = inv.code;
      $("#invite-line").textContent = registerLine(inv.code);
      $("#invite-code").hidden = false;
      note(msg, "Invite made" + (inv.label ? ` (${inv.label})` : "") + ": copy the code now, it is not shown again.");
      f.label.value = "";
      await loadInvites();
      timing("invite");
    } catch (e) {
      if (e.code === "invalid_label") {
        note($("[data-error=label]"), e.message, "error");
        f.label.setAttribute("aria-invalid", "true");
        return note(msg, "");
      }
      note(msg, `${e.message} (${e.code})`, "error");
    }
  });
  for (const s of ["#invite-host-name", "#invite-host-endpoint"]) $(s).addEventListener("input", () => {
    const code = $("#invite-code code").textContent;
    if (code) $("#invite-line").textContent = registerLine(code);
  });
  $("#invite-copy").addEventListener("click", () => copy($("#invite-line").textContent, $("#copy-msg")));
  $("#invite-copy-code").addEventListener("click", () => copy($("#invite-code code").textContent, $("#copy-msg")));
}
