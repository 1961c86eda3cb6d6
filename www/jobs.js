// SPDX-License-Identifier: MIT
// Pairs the server makes in the background (GET /admin/jobs): the job of a
// large rule, whether the admin added it here, with "Pair with each other"
// on many peers, or elsewhere (the CLI, another admin: the live channel
// says the peers changed, and the page looks). Shown at the top of every
// view with its progress; the page asks for the jobs once a second only
// while one runs, and reads the peers again when it is done.

import { api } from "./api.js";
import { store, subscribe, load, loadRules } from "./store.js";
import { $, el, note } from "./util.js";
import { ask, duration, pairsWord } from "./guard.js";

const POLL_MS = 1000;

const seen = new Map(); // rule id -> the job as last read, for jobs seen running here
let timer = 0;
let asking = false;
let again = false; // asked while a read was under way: read once more

const fmt = (n) => Number(n).toLocaleString("en");

function ruleName(id) {
  const r = (store.rules ?? []).find((x) => String(x.id) === String(id));
  if (!r) return `rule ${id}`;
  return r.a === r.b ? `every peer tagged ${r.a} with each other` : `tag ${r.a} ↔ tag ${r.b}`;
}

// "making: 1,234 pairs made of 19,900 (6 %)".
export function jobText(j) {
  const pct = Math.floor((j.progress ?? 0) * 100);
  // Done: a whole pass found no pair of the rule missing.
  if (j.state === "done") return `done: all ${fmt(j.pairs)} pairs of the rule exist` + (j.made !== j.pairs ? ` (${fmt(j.made)} made by this job)` : "");
  if (j.state === "checking") return `checking that none is missing: ${fmt(j.made)} pairs made of ${fmt(j.pairs)}`;
  return `making pairs: ${fmt(j.made)} made of ${fmt(j.pairs)} (${pct} %)`;
}

// Said to a screen reader once, when a job starts or ends (not each second).
function say(text) {
  $("#jobs-said").textContent = text;
}

function draw() {
  const box = $("#jobs");
  const list = [...seen.values()];
  box.hidden = list.length === 0;
  $("#jobs-list").replaceChildren(...list.map((j) => {
    const done = j.state === "done";
    const bar = el("progress", { max: 1, value: done ? 1 : j.progress ?? 0, "aria-label": `progress of ${ruleName(j.rule)}` });
    const dismiss = done ? el("button", { type: "button", class: "quiet", "aria-label": `dismiss ${ruleName(j.rule)}`,
      on: { click: () => { seen.delete(String(j.rule)); draw(); } } }, "Dismiss") : null;
    return el("li", { dataset: { rule: j.rule, state: j.state, made: j.made, pairs: j.pairs } },
      el("span", { class: "rule" }, ruleName(j.rule)), " ", bar, " ", el("span", { class: "job-state" }, jobText(j)), " ", dismiss);
  }));
}

// Reads the jobs; keeps asking while one runs. A job that ends reloads the
// peers (their pairs), once.
async function poll() {
  let unknown = false;
  timer = 0;
  if (asking) {
    again = true;
    return;
  }
  asking = true;
  let ended = false;
  try {
    const r = await api.jobs();
    if (!r) return;
    for (const j of r.jobs ?? []) {
      const id = String(j.rule);
      const before = seen.get(id);
      if (!before && j.state !== "done") say(`The server is making the pairs of ${ruleName(id)} in the background.`);
      if (before && before.state !== "done" && j.state === "done") say(`${ruleName(id)}: ${jobText(j)}.`);
      unknown ||= j.state !== "done" && !(store.rules ?? []).some((r) => String(r.id) === id);
      if (j.state !== "done") seen.set(id, j);
      else if (before) {
        if (before.state !== "done") ended = true;
        seen.set(id, j);
      }
    }
    // A job whose rule went is gone too.
    const live = new Set((r.jobs ?? []).map((j) => String(j.rule)));
    for (const id of seen.keys()) if (!live.has(id)) seen.delete(id);
    draw();
    if ([...seen.values()].some((j) => j.state !== "done")) timer = setTimeout(poll, POLL_MS);
  } catch {
    // The next change (live channel, a reload) looks again.
  } finally {
    asking = false;
  }
  if (ended) {
    await load().catch(() => {});
    loadRules();
  } else if (unknown) {
    loadRules();
  }
  if (again) {
    again = false;
    if (!timer) poll();
  }
}

// Looks for running jobs now (after a rule is added, a change elsewhere,
// the first load); while one runs it keeps looking by itself.
export function watchJobs() {
  if (timer) return;
  poll();
}

// A job's rule is named once the rules are read.
subscribe((ev) => {
  if (ev.type === "rules" && seen.size) draw();
});

// ------------------------------------------- pairing many peers by a rule

// More pairs than this among selected peers are not sent one request each:
// the server makes them, by a rule over a tag given to those peers.
export const BIG = 1000;

// A tag no peer has and no rule names: "mesh-20261206-1612" (then -2, -3).
export function freshTag(now = new Date()) {
  const used = new Set((store.rules ?? []).flatMap((r) => [r.a, r.b]));
  for (const p of store.peers.values()) for (const t of p.tags ?? []) used.add(t);
  const base = `mesh-${now.toISOString().slice(0, 16).replace(/[-:]/g, "").replace("T", "-")}`;
  let tag = base;
  for (let i = 2; used.has(tag); i++) tag = `${base}-${i}`;
  return tag;
}

export function askMeshByRule(k, n, tag) {
  return ask(`Pair ${fmt(k)} peers with each other?`,
    `This makes ${pairsWord(n)}: too many to send one by one (${duration(n)} at the admin rate limit). ` +
    `The server makes them in the background instead: these ${fmt(k)} peers get the tag ${tag}, and a rule pairs ` +
    `every peer tagged ${tag} with each other. A peer given ${tag} later joins this mesh; deleting the rule ` +
    "removes the pairs only it made. The progress shows at the top of the page.",
    `Tag them and make ${pairsWord(n)} in the background`);
}

// The rule "tag mesh", once its peers have the tag (missed: how many could
// not be tagged); msg says what it did.
export async function meshByRule(tag, msg, missed = 0) {
  const left = missed ? ` ${fmt(missed)} of the peers could not be tagged (see their rows): they are not in it.` : "";
  try {
    const r = await api.addRule(tag, tag);
    note(msg, `Rule added: every peer tagged ${tag} with each other, ${pairsWord(r.pairs ?? 0)}` +
      (r.job ? ": the server makes them in the background (progress at the top of the page)." : ".") + left, missed ? "warn" : "ok");
    watchJobs();
    await loadRules();
  } catch (e) {
    note(msg, `The peers are tagged ${tag}, but the rule was not added: ${e.message} (${e.code})`, "error");
  }
}
