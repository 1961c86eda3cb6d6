// SPDX-License-Identifier: MIT
// "Pair with each other" on 201 peers would make 20,100 pairs: more than
// the page sends one by one. The dialog says how many and that the server
// makes them in the background; the page tags the 201 (201 PATCHes: one
// fails, bulk-000 has the most tags a peer may have, and the page says it
// is left out), adds one rule (POST /admin/rules) and sends no PUT
// /admin/pairs; it shows the job running (made of total) and then done;
// the API has every pair of the 200 and none of bulk-000. Then a rule
// added through the API (not the page) between that tag and 20 other
// peers: its job shows in the open page (the live channel says the peers
// changed) and runs to done. Last, 10 peers (45 pairs) are paired one
// request each, as before, with no rule.
//
// env (from tests/t4690-browser-jobs.sh): URL, ADMIN_PASS, SHOT;
// NODE_EXTRA_CA_CERTS.

import { generateKeyPairSync } from "node:crypto";
import { axeCheck, check, failed, launch, guardedPage, adminContext, apiGet, apiAll, apiCall, URL_ } from "./lib.mjs";

const { SHOT } = process.env;

const N = 200, M = 20;
const pub = () => generateKeyPairSync("x25519").publicKey.export({ format: "der", type: "spki" }).subarray(-32).toString("base64");
const inv = await apiCall("POST", "/admin/invites", { uses: N + M + 1 });
const reg = (name, i) => apiCall("POST", "/register", { name, public_key: pub(), endpoint: `198.51.${100 + (i >> 8)}.${i & 255}:51820`,
  invite: inv.code }, false);
// bulk-000 has 16 tags already, the most a peer has: it cannot be tagged.
const stuck = (await reg("bulk-000", 250)).id;
await apiCall("PATCH", `/admin/peers/${stuck}`, { tags: Array.from({ length: 16 }, (_, i) => `t${i}`) });
const many = [];
for (let i = 1; i <= N; i++) many.push((await reg(`bulk-${String(i).padStart(3, "0")}`, i)).id);
const others = [];
for (let i = 0; i < M; i++) others.push((await reg(`other-${String(i).padStart(2, "0")}`, N + i)).id);
for (const id of others) await apiCall("PATCH", `/admin/peers/${id}`, { tags: ["other"] });
const TOTAL = (N * (N - 1)) / 2;
const ASKED = ((N + 1) * N) / 2; // with bulk-000: what the page asks about

const browser = await launch();
let lastPage = null;
try {
  const ctx = await adminContext(browser, { viewport: { width: 1440, height: 900 }, bypassCSP: true });
  const g = await guardedPage(ctx);
  const { page } = g;
  lastPage = page;
  const writes = [];
  page.on("request", (r) => r.method() !== "GET" && writes.push(`${r.method()} ${new URL(r.url()).pathname.replace(/^\/api\/v1/, "")}`));
  await page.goto(URL_ + "/");
  await page.locator("body[data-ready]").waitFor();
  // Every state the jobs box shows, as it shows it.
  await page.evaluate(() => {
    window.jobStates = [];
    new MutationObserver(() => {
      for (const li of document.querySelectorAll("#jobs-list li"))
        window.jobStates.push({ rule: li.dataset.rule, state: li.dataset.state, made: Number(li.dataset.made),
          pairs: Number(li.dataset.pairs), text: li.textContent });
    }).observe(document.querySelector("#jobs"), { subtree: true, childList: true, attributes: true });
  });
  check(await page.locator("#jobs").isHidden(), "no job runs: no jobs box");

  // ---- Pair with each other, on all 201.
  await page.locator("#peer-search").fill("bulk-");
  await page.locator("#peer-range", { hasText: new RegExp(` of ${N + 1}$`) }).waitFor();
  await page.locator("#select-all").click();
  await page.locator("#bulk-mesh").click();
  const ask = page.locator("#ask-dialog");
  await ask.waitFor();
  const said = (await ask.textContent()).replace(/,/g, "");
  check(said.includes(`${ASKED} pairs`) && /background/.test(said), `the dialog says ${ASKED} pairs, made in the background (${said.slice(0, 160)}…)`);
  const tag = /get the tag (mesh-[0-9-]+)/.exec(said)?.[1];
  check(!!tag, `and names the tag the peers get (${tag})`);
  g.expectApi(new RegExp(`^/admin/peers/${stuck}$`), 400);
  await ask.locator("#ask-ok").click();
  await page.locator('#jobs-list li[data-state="done"]').waitFor({ timeout: 90000 });
  const states = await page.evaluate(() => window.jobStates);
  const running = states.filter((s) => s.state !== "done");
  check(running.length > 0 && running[0].made < running[0].pairs,
    `the page showed the job running before it was done (first seen: ${running[0]?.text})`);
  check(running.every((s) => s.pairs === TOTAL) && running.some((s) => /\d+ made of 19,900/.test(s.text)),
    "with its pairs made out of 19,900");
  check(running.some((s) => s.text.includes(`every peer tagged ${tag} with each other`)), "named by its rule while it ran");
  const done = page.locator('#jobs-list li[data-state="done"]');
  check(await done.count() === 1 && (await done.textContent()).includes("done: all 19,900 pairs of the rule exist"),
    `then done (${await done.textContent()})`);
  check(await done.locator("progress").evaluate((p) => p.value === p.max), "its progress bar full");
  await axeCheck(page, "the jobs box");
  const puts = writes.filter((w) => w.startsWith("PUT /admin/pairs"));
  const patches = writes.filter((w) => w.startsWith("PATCH /admin/peers/"));
  const rules = writes.filter((w) => w === "POST /admin/rules");
  check(puts.length === 0 && patches.length === N + 1 && rules.length === 1,
    `${N + 1} tag edits and one rule, no pair request (${puts.length} PUT, ${patches.length} PATCH, ${rules.length} POST rules)`);
  const said2 = await page.locator("#bulk-msg").textContent();
  check(said2.includes("done: all 19,900 pairs of the rule exist"), "the bulk bar's message followed the job to done");
  check(/1 of the peers could not be tagged/.test(said2) && await page.locator("#bulk-msg.warn").count() === 1,
    `the peer that could not be tagged is named as left out (${said2})`);
  check((await apiGet(`/admin/peers/${stuck}`))[1].pairs.length === 0, "and is not paired");
  const [, jobs] = await apiGet("/admin/jobs");
  check(jobs.jobs.length === 1 && jobs.jobs[0].state === "done" && jobs.jobs[0].made === TOTAL,
    `the API's job is done with ${TOTAL} made (${JSON.stringify(jobs.jobs[0])})`);
  const pairs = await apiAll("/admin/pairs", "pairs");
  const inMany = new Set(many);
  check(pairs.filter((p) => inMany.has(p.a) && inMany.has(p.b)).length === TOTAL, `the API has all ${TOTAL} pairs among the 200`);
  const peers = await apiAll("/admin/peers", "peers");
  check(peers.filter((p) => inMany.has(p.id)).every((p) => p.pairs.length === N - 1 && p.tags.includes(tag)),
    `each of them has ${N - 1} pairs and the tag`);
  await page.locator(`#peers tr[data-peer="${many[0]}"]`).waitFor();
  await page.waitForFunction(([id, n]) => document.querySelector(`#peers tr[data-peer="${id}"]`)?.textContent.includes(String(n)),
    [many[0], N - 1], { timeout: 10000 }).catch(() => {});
  check((await page.locator(`#peers tr[data-peer="${many[0]}"]`).textContent()).includes(String(N - 1)),
    "the page shows the pairs once the job is done");
  if (SHOT) await page.screenshot({ path: SHOT, fullPage: false });

  // ---- a rule added elsewhere: its job shows in the open page.
  await done.getByRole("button", { name: /dismiss/i }).click();
  check(await page.locator("#jobs").isHidden(), "a finished job can be dismissed");
  await page.evaluate(() => { window.jobStates = []; });
  const r = await apiCall("POST", "/admin/rules", { a: tag, b: "other" });
  check(r.job && r.job.state !== "done", `the API's rule ${tag} ↔ other makes ${r.pairs} pairs in a job (${r.job?.state})`);
  const theirs = page.locator(`#jobs-list li[data-rule="${r.id}"]`);
  await theirs.waitFor({ timeout: 20000 });
  await page.locator(`#jobs-list li[data-rule="${r.id}"] .rule`, { hasText: "other" }).waitFor({ timeout: 5000 }).catch(() => {});
  check(/tag other ↔ tag mesh-|tag mesh-[0-9-]+ ↔ tag other/.test(await theirs.textContent()), `the page shows it by the rule's tags (${await theirs.textContent()})`);
  await page.locator(`#jobs-list li[data-rule="${r.id}"][data-state="done"]`).waitFor({ timeout: 90000 });
  check((await theirs.textContent()).includes(`done: all ${(N * M).toLocaleString("en")} pairs of the rule exist`),
    `and runs to done (${await theirs.textContent()})`);
  const inOthers = new Set(others);
  const cross = (await apiAll("/admin/pairs", "pairs")).filter((p) => (inMany.has(p.a) && inOthers.has(p.b)) ||
    (inOthers.has(p.a) && inMany.has(p.b))).length;
  check(cross === N * M, `the API has all ${N * M} pairs of that rule (${cross})`);

  // ---- a few pairs (45, up to BIG) are still made one request each, no rule.
  await page.locator("#bulk-clear").click();
  await page.locator("#peer-search").fill("other-0");
  await page.locator("#peer-range", { hasText: / of 10$/ }).waitFor();
  await page.locator("#select-all").click();
  const before = writes.length;
  await page.locator("#bulk-mesh").click();
  await ask.waitFor();
  const said3 = (await ask.textContent()).replace(/,/g, "");
  check(said3.includes("45 pairs") && !/background/.test(said3), `10 peers: the dialog says 45 pairs, one request each (${said3.trim().slice(0, 120)}…)`);
  await ask.locator("#ask-ok").click();
  await page.locator("#bulk-msg", { hasText: /Paired: 45 done/ }).waitFor({ timeout: 30000 });
  const mine = writes.slice(before);
  check(mine.filter((w) => w.startsWith("PUT /admin/pairs/")).length === 45 && !mine.includes("POST /admin/rules"),
    `45 pair requests and no rule (${mine.length} writes)`);
  const ten = new Set(others.slice(0, 10));
  const among = (await apiAll("/admin/pairs", "pairs")).filter((p) => ten.has(p.a) && ten.has(p.b)).length;
  check(among === 45, `the API has the 45 pairs among them (${among})`);
  check(g.problems().length === 0, `no console or script errors (${g.problems().join("; ")})`);
} catch (e) {
  check(false, `the walk went through (${e.message.split("\n")[0]})`);
  console.log(`# ${e.stack}`);
  if (SHOT) await lastPage?.screenshot({ path: SHOT.replace(/\.png$/, "-failed.png"), fullPage: true }).catch(() => {});
} finally {
  await browser.close();
}
process.exit(failed() ? 1 : 0);
