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
let before = null;      // ids of the jobs done at the first look (and dismissed): not news
const followers = new Map(); // rule id -> fn(job): a message elsewhere that follows its job
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

// One line a job, made once and then changed in place (a focused Dismiss
// keeps its focus while another job's line moves each second).
const lines = new Map(); // rule id -> {li, name, bar, text, dismiss}

function line(id) {
  let l = lines.get(id);
  if (l) return l;
  const dismiss = el("button", { type: "button", class: "quiet", hidden: true }, "Dismiss");
  dismiss.addEventListener("click", () => {
    seen.delete(id);
    before?.add(id);
    draw();
    $("#main").focus();
  });
  l = { name: el("span", { class: "rule" }), bar: el("progress", { max: 1 }), text: el("span", { class: "job-state" }), dismiss };
  l.li = el("li", {}, l.name, " ", l.bar, " ", l.text, " ", dismiss);
  lines.set(id, l);
  return l;
}

function draw() {
  const ids = [...seen.keys()];
  $("#jobs").hidden = ids.length === 0;
  for (const id of [...lines.keys()]) if (!seen.has(id)) lines.delete(id);
  for (const id of ids) {
    const j = seen.get(id);
    const l = line(id);
    const done = j.state === "done";
    Object.assign(l.li.dataset, { rule: id, state: j.state, made: j.made, pairs: j.pairs });
    l.name.textContent = ruleName(id);
    l.bar.value = done ? 1 : j.progress ?? 0;
    l.bar.setAttribute("aria-label", `progress of ${ruleName(id)}`);
    l.text.textContent = jobText(j);
    l.dismiss.hidden = !done;
    l.dismiss.setAttribute("aria-label", `dismiss ${ruleName(id)}`);
    followers.get(id)?.(j);
    if (done) followers.delete(id);
  }
  const list = $("#jobs-list");
  ids.forEach((id, i) => {
    if (list.children[i] !== lines.get(id).li) list.insertBefore(lines.get(id).li, list.children[i] ?? null);
  });
  while (list.children.length > ids.length) list.lastChild.remove();
}

// Reads the jobs; keeps asking while one runs. A job that ends reloads the
// peers (their pairs), once.
async function poll() {
  let unknown = false; // a job of a rule the page has not read yet
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
    const jobs = r.jobs ?? [];
    before ??= new Set(jobs.filter((j) => j.state === "done").map((j) => String(j.rule)));
    for (const j of jobs) {
      const id = String(j.rule);
      const was = seen.get(id);
      // A job that ran, even all of it, between two looks is news too.
      const fresh = !was && !before.has(id);
      if (fresh) say(`The server is making the pairs of ${ruleName(id)} in the background.`);
      if ((fresh || (was && was.state !== "done")) && j.state === "done") {
        ended = true;
        say(`${ruleName(id)}: ${jobText(j)}.`);
      }
      if (j.state !== "done" || fresh || was) seen.set(id, j);
    }
    const named = new Set((store.rules ?? []).map((x) => String(x.id)));
    unknown = [...seen.keys()].some((id) => !named.has(id));
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
// the first load); while one runs it keeps looking by itself. job: the one
// a rule just added here has (its answer's "job"), shown even if it ends
// before the first look.
export function watchJobs(job = null) {
  if (job && job.state !== "done" && !seen.has(String(job.rule))) {
    seen.set(String(job.rule), job);
    say(`The server is making the pairs of ${ruleName(job.rule)} in the background.`);
    draw();
  }
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
    "removes the pairs only it made. The progress shows here and at the top of the page.",
    `Tag them and make ${pairsWord(n)} in the background`);
}

// The rule "tag mesh", once its peers have the tag (missed: how many could
// not be tagged); msg says what it did, and then how far its job is (msg
// is in the bulk bar, on screen wherever the list is scrolled).
export async function meshByRule(tag, msg, missed = 0) {
  const left = missed ? ` ${fmt(missed)} of the peers could not be tagged (see their rows): they are not in it.` : "";
  try {
    const r = await api.addRule(tag, tag);
    const said = `Rule added: every peer tagged ${tag} with each other, ${pairsWord(r.pairs ?? 0)}`;
    note(msg, said + (r.job ? ": the server makes them in the background." : ".") + left, missed ? "warn" : "ok");
    if (r.job) followers.set(String(r.job.rule), (j) => note(msg, `${said}: ${jobText(j)}.${left}`,
      missed ? "warn" : j.state === "done" ? "ok" : "busy"));
    watchJobs(r.job);
    await loadRules();
  } catch (e) {
    note(msg, `The peers are tagged ${tag}, but the rule was not added: ${e.message} (${e.code})`, "error");
  }
}
