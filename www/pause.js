// SPDX-License-Identifier: MIT
// Pausing a peer without deleting it, and its expiry (docs/api.md: /disable,
// /enable, PATCH expires_in), from its row, the bulk bar and the edit
// dialog; and what its links carried (rx/tx, last handshake) in words. A
// write that is not confirmed (504, the page's own timeout) reads the peer
// again and says what the server has; a 412 on an expiry is set again on
// the new revision unless someone changed the expiry itself meanwhile.

import { api, ApiError, reread } from "./api.js";
import { store, subscribe, putPeer, dropPeer, nameOf, linkOf, linkText, trafficOf } from "./store.js";
import { guard, pairsOfPeers } from "./guard.js";
import { $, el, note, ago, when, until, bytes, byName, checkInt } from "./util.js";

const DAY = 86400;
const EXPIRES_MAX = 366 * DAY;
const LINKS_SHOWN = 30;

// The row's badges: [text, kind, title] each.
export function pauseBadges(p, now = Date.now()) {
  if (p.state !== "accepted") return [];
  if (p.disabled) return [["paused", "bad", `disabled ${when(p.disabled_at)}: it is in no partner's config`]];
  if (p.expires_at) return [[`expires ${until(p.expires_at, now)}`, "warn", `paused by itself at ${when(p.expires_at)}`]];
  return [];
}

// The dialog's sentence about it.
function pauseText(p, now = Date.now()) {
  if (p.disabled) {
    return `Paused since ${when(p.disabled_at)} (${ago(p.disabled_at, now)}): it is in no partner's config; ` +
      "its key, pairs and addresses stay." + (p.expires_at ? ` Enabling it keeps its expiry, ${until(p.expires_at, now)}.` : "");
  }
  if (p.expires_at) return `Active; expires ${until(p.expires_at, now)} (${when(p.expires_at)}), then it is paused by itself.`;
  return "Active, with no expiry.";
}

// "rx 2.0 KiB, tx 3.0 MiB"; what its own reports summed (the peer view's
// traffic, or one link's sides).
export function bytesText(t) {
  return `rx ${bytes(t.rx)}, tx ${bytes(t.tx)}`;
}

// The peer's traffic as its row shows it: [bytes, handshake] in words, or
// null when it never reported its links.
export function trafficWords(p, now = Date.now()) {
  const t = trafficOf(p);
  if (!t) return null;
  return [bytesText(t), t.latest_handshake ? `handshake ${ago(t.latest_handshake, now)}` : "no handshake"];
}

// Seconds until an expiry still to come (kept when enabling), or 0.
export function remaining(p) {
  const s = p.expires_at ? Math.floor((Date.parse(p.expires_at) - Date.now()) / 1000) : 0;
  return s >= 60 ? Math.min(s, EXPIRES_MAX) : 0;
}

// Disabling takes every link of these peers out of the configs: more than
// a few are said and asked first (guard.js), as for any action on pairs.
export function askDisable(ids) {
  const n = pairsOfPeers(ids);
  const who = ids.length === 1 ? nameOf(ids[0]) : `${ids.length} peers`;
  return guard(n, `Disable ${who}?`,
    `${n.toLocaleString("en")} links leave the configs of ${ids.length === 1 ? "its" : "their"} partners at their next sync. ` +
    "The pairs stay: Enable brings every link back.", `Disable ${who}, ${n.toLocaleString("en")} links`);
}

// Disables (on) or enables a peer; says what happened in msg. true when the
// server has it so.
export async function setPaused(id, on, msg) {
  const p = store.peers.get(id);
  if (!p) return false;
  note(msg, on ? `Disabling ${p.name}…` : `Enabling ${p.name}…`, "busy");
  try {
    putPeer(await (on ? api.disable(id) : api.enable(id, remaining(p))));
  } catch (e) {
    if (e instanceof ApiError && e.code === "not_confirmed") return unsurePaused(id, on, msg);
    if (e instanceof ApiError && e.status === 404) dropPeer(id);
    note(msg, `${e.message} (${e.code})`, "error");
    throw e;
  }
  note(msg, on ? `Disabled ${p.name}: it is in no partner's config now.` : `Enabled ${p.name}: it is back in its partners' configs.`);
  return true;
}

async function unsurePaused(id, on, msg) {
  const what = on ? "disabled" : "enabled";
  note(msg, `Not confirmed: the server did not answer in time. Reading ${nameOf(id)} again…`, "warn");
  let q;
  try {
    q = await reread(() => api.peer(id), (x) => !!x.disabled === on);
  } catch {
    dropPeer(id);
    return note(msg, `Not ${what}: the peer is gone (deleted elsewhere).`, "error"), false;
  }
  if (!q) return note(msg, `Not confirmed, and the server does not answer: reload later to see whether it was ${what}.`, "error"), false;
  putPeer(q);
  const landed = !!q.disabled === on;
  note(msg, landed ? `${on ? "Disabled" : "Enabled"} ${q.name} after all (the server was slow to confirm).`
    : `Not ${what}: reading the peer again shows it ${q.disabled ? "paused" : "active"}.`, landed ? "ok" : "error");
  return landed;
}

const expiryWords = (t) => (t ? `${until(t)} (${when(t)})` : "none");

// Sets (secs) or clears (null) the expiry with the revision the admin saw.
async function setExpiry(id, secs, msg, retried = false) {
  const seen = store.peers.get(id);
  if (!seen) return false;
  const t0 = Date.now();
  note(msg, retried ? "Setting the expiry again on the new revision…" : secs ? "Setting the expiry…" : "Clearing the expiry…", "busy");
  try {
    putPeer(await api.patch(id, { expires_in: secs }, seen.revision));
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    if (e.status === 412) return staleExpiry(id, secs, msg, seen, e, retried);
    if (e.code === "not_confirmed") return unsureExpiry(id, secs, msg, t0);
    if (e.status === 404) dropPeer(id);
    note(msg, `${e.message} (${e.code})`, "error");
    return false;
  }
  const p = store.peers.get(id);
  note(msg, (secs ? `Expiry set: ${p.name} is paused ${expiryWords(p.expires_at)}.` : `Expiry cleared: ${p.name} stays as it is.`) +
    (retried ? " Someone changed the peer meanwhile (not its expiry), so the page set it again on the new revision." : ""));
  return true;
}

// 412: the peer moved on since the page read it. Someone else's expiry is
// a real conflict, shown; any other change is not, and the page sets the
// expiry again, once.
async function staleExpiry(id, secs, msg, seen, refusal, retried) {
  let now = refusal.data?.error?.current ?? null;
  if (!now || now.id !== id) {
    try {
      now = await api.peer(id);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) dropPeer(id);
      return note(msg, `The peer changed meanwhile and cannot be read again: ${e.message}`, "error"), false;
    }
  }
  putPeer(now);
  if ((now.expires_at ?? null) !== (seen.expires_at ?? null)) {
    return note(msg, `Changed meanwhile: the expiry was ${expiryWords(seen.expires_at)}, now ${expiryWords(now.expires_at)}. ` +
      "Set it again to put yours over it.", "error"), false;
  }
  if (retried) return note(msg, "The peer keeps changing: try again.", "error"), false;
  return setExpiry(id, secs, msg, true);
}

async function unsureExpiry(id, secs, msg, t0) {
  note(msg, "Not confirmed: the server did not answer in time. Reading the peer again…", "warn");
  const landed = (p) => (secs ? !!p.expires_at && Math.abs(Date.parse(p.expires_at) - (t0 + secs * 1000)) < 120000 : !p.expires_at);
  let q;
  try {
    q = await reread(() => api.peer(id), landed);
  } catch {
    dropPeer(id);
    return note(msg, "Not set: the peer is gone (deleted elsewhere).", "error"), false;
  }
  if (!q) return note(msg, "Not confirmed, and the server does not answer: reload later to see the expiry.", "error"), false;
  putPeer(q);
  note(msg, landed(q) ? `The expiry is ${expiryWords(q.expires_at)} after all (the server was slow to confirm).`
    : `Not set: reading the peer again shows the expiry ${expiryWords(q.expires_at)}.`, landed(q) ? "ok" : "error");
  return landed(q);
}

// ------------------------------------------------------------ the dialog

let shown = null; // the id the edit dialog is about

function drawPause(p) {
  $("#edit-pause-state").textContent = pauseText(p);
  $("#edit-disable").hidden = !!p.disabled;
  $("#edit-enable").hidden = !p.disabled;
  $("#edit-expiry-clear").disabled = !p.expires_at;
}

// One partner: name, status, handshake and bytes as this peer sees them.
function linkItem(p, q) {
  const l = linkOf(p.id, q.id);
  const status = l?.status ?? "never";
  const words = [l?.latest_handshake ? `handshake ${ago(l.latest_handshake)}` : "no handshake reported"];
  if (l && l.rx !== null) words.push(bytesText(l));
  if (p.disabled || q.disabled) words.push(`${p.disabled ? "this peer" : "partner"} paused: out of both configs`);
  return el("li", { dataset: { partner: q.id }, title: linkText(l) }, el("span", { class: "pname" }, q.name), " ",
    el("span", { class: `badge link-${status}` }, status), " ", el("span", { class: "muted" }, words.join(" · ")));
}

function drawLinks(p) {
  const t = trafficWords(p);
  $("#edit-traffic").textContent = t ? `All its links: ${t[0]}; ${t[1].replace("handshake", "latest handshake")}.`
    : "It has not reported its links yet (wgconf sync reports them after each fetch).";
  const partners = p.pairs.map((id) => store.peers.get(id)).filter(Boolean);
  if (!store.links) {
    $("#edit-link-list").replaceChildren();
    $("#edit-links-more").textContent = partners.length ? "" : "It is paired with no one.";
    return;
  }
  const hs = (q) => Date.parse(linkOf(p.id, q.id)?.latest_handshake ?? 0) || 0;
  partners.sort((a, b) => hs(b) - hs(a) || byName(a, b));
  $("#edit-link-list").replaceChildren(...partners.slice(0, LINKS_SHOWN).map((q) => linkItem(p, q)));
  $("#edit-links-more").textContent = partners.length === 0 ? "It is paired with no one."
    : partners.length > LINKS_SHOWN ? `and ${partners.length - LINKS_SHOWN} more (the Pairs view lists them all).` : "";
}

// The edit dialog opened for p: its pause state and links.
export function showPauseOf(p) {
  shown = p.id;
  note($("#edit-pause-msg"), "");
  $("#edit-expires-days").value = "";
  $("#edit-expires-days").removeAttribute("aria-invalid");
  drawPause(p);
  drawLinks(p);
}

export function setupPause() {
  const msg = () => $("#edit-pause-msg");
  // The buttons are off while the server thinks; the focus comes back to
  // the one pressed, or to Enable for Disable (which is hidden then).
  const act = (fn) => async () => {
    const id = shown;
    if (!id || !store.peers.has(id)) return;
    const had = document.activeElement;
    const buttons = [$("#edit-disable"), $("#edit-enable"), $("#edit-expiry-set")];
    for (const b of buttons) b.disabled = true;
    try {
      await fn(id);
    } catch {
      // said in the message already
    } finally {
      for (const b of buttons) b.disabled = false;
      if (shown === id && store.peers.has(id)) drawPause(store.peers.get(id));
      if (shown === id && buttons.includes(had)) {
        (had.hidden ? (had === buttons[0] ? buttons[1] : buttons[0]) : had).focus();
      }
    }
  };
  $("#edit-disable").addEventListener("click", act(async (id) => (await askDisable([id])) && setPaused(id, true, msg())));
  $("#edit-enable").addEventListener("click", act((id) => setPaused(id, false, msg())));
  $("#edit-expiry-clear").addEventListener("click", act((id) => setExpiry(id, null, msg())));
  $("#edit-expiry").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const input = $("#edit-expires-days");
    const bad = checkInt(input.value.trim(), 1, 366, "the days");
    input.setAttribute("aria-invalid", bad ? "true" : "false");
    if (bad) return note(msg(), bad, "error"), input.focus();
    act((id) => setExpiry(id, Number(input.value.trim()) * DAY, msg()))();
  });
  $("#edit-dialog").addEventListener("close", () => { shown = null; });
  subscribe((ev) => {
    if (!shown || !store.peers.has(shown)) return;
    const p = store.peers.get(shown);
    if (ev.type === "peer" && ev.id === shown) {
      drawPause(p);
      drawLinks(p);
    } else if (ev.type === "links" || ev.type === "all") {
      drawLinks(p);
    }
  });
}
