// SPDX-License-Identifier: MIT
// Write outcomes the page reports truly. With every responder stopped
// (SIGSTOP) a save is "not confirmed" (the page's own timeout, not "the
// server is down"); once they run again (SIGCONT) the page reads the peer
// and shows what really happened, which is what the API has. The edit
// dialog reads the peer fresh when it opens; a 412 caused by a change that
// does not touch the edited fields (a pairing made elsewhere) is saved
// again on the new revision, and the page says so; a peer deleted
// elsewhere leaves the dialog with Save off. Last, with the responders
// gone (killed), a save says nothing is running and nothing was done.
//
// env (from tests/t4600-browser-outcomes.sh): URL, ADMIN_PASS, RESPONDER_PIDS,
// SHOT; NODE_EXTRA_CA_CERTS.

import { generateKeyPairSync } from "node:crypto";
import { check, failed, launch, guardedPage, adminContext, apiGet, apiCall, URL_ } from "./lib.mjs";

const { SHOT, RESPONDER_PIDS } = process.env;
const pids = RESPONDER_PIDS.trim().split(/\s+/).map(Number);
const pub = () => generateKeyPairSync("x25519").publicKey.export({ format: "der", type: "spki" }).subarray(-32).toString("base64");
const signal = (sig) => { for (const pid of pids) process.kill(pid, sig); };

const inv = await apiCall("POST", "/admin/invites", { uses: 4 });
const P = {};
for (const [i, name] of ["slow", "other", "third", "doomed"].entries()) {
  P[name] = (await apiCall("POST", "/register", { name, public_key: pub(),
    endpoint: `192.0.2.${i + 1}:51820`, invite: inv.code }, false)).id;
}
P.late = (await apiCall("POST", "/register", { name: "late", public_key: pub(), endpoint: null }, false)).id;

const browser = await launch();
let lastPage = null;
try {
  const ctx = await adminContext(browser, { viewport: { width: 1280, height: 900 } });
  const g = await guardedPage(ctx);
  const { page } = g;
  lastPage = page;
  if ((await apiGet("/admin/links"))[0] === 404) g.expectApi(/^\/admin\/links$/, 404);
  if ((await apiGet("/admin/rules"))[0] === 404) g.expectApi(/^\/admin\/rules$/, 404);
  await page.goto(URL_ + "/");
  await page.locator("body[data-ready]").waitFor();
  const row = (id) => page.locator(`#peers tr[data-peer="${id}"]`);
  const dlg = page.locator("#edit-dialog");
  const field = (n) => dlg.locator(`input[name="${n}"]`);
  const dmsg = dlg.locator("#edit-msg");

  // ---- errors name peers, not ids: accepted elsewhere meanwhile.
  await apiCall("POST", `/admin/peers/${P.late}/accept`, {});
  g.expectApi(new RegExp(`^/admin/peers/${P.late}/accept$`), 409);
  await row(P.late).getByRole("button", { name: "Accept" }).click();
  const lateMsg = row(P.late).locator(".msg.error");
  await lateMsg.waitFor();
  check(/late/.test(await lateMsg.textContent()) && !(await lateMsg.textContent()).includes(P.late),
    `the refusal names the peer, not its id (${await lateMsg.textContent()})`);

  // ---- Edit reads the peer fresh: a rename made elsewhere after the page
  // loaded is what the dialog shows.
  await apiCall("PATCH", `/admin/peers/${P.other}`, { name: "other-renamed" });
  await row(P.other).getByRole("button", { name: "Edit" }).click();
  await dlg.waitFor();
  await page.waitForFunction(() => document.querySelector('#edit-form input[name="name"]').value === "other-renamed",
    null, { timeout: 5000 }).catch(() => {});
  check(await field("name").inputValue() === "other-renamed", "the edit dialog shows the name the server has now, not the page's copy");
  await dlg.locator("#edit-cancel").click();

  // ---- a pairing made elsewhere moves the revision: the rename, which
  // does not touch pairs, is saved again on the new revision, and says so.
  await row(P.third).getByRole("button", { name: "Edit" }).click();
  await dlg.waitFor();
  await page.waitForTimeout(300); // the fresh read is in
  await apiCall("PUT", `/admin/pairs/${P.third}/${P.doomed}`);
  const paired = (await apiGet(`/admin/peers/${P.third}`))[1].revision;
  const sent = [];
  const onReq = (r) => r.method() === "PATCH" && sent.push(r.headers()["if-match"]);
  page.on("request", onReq);
  g.expectApi(new RegExp(`^/admin/peers/${P.third}$`), 412);
  await field("name").fill("third-renamed");
  await field("name").press("Enter");
  await dlg.waitFor({ state: "hidden" });
  page.off("request", onReq);
  const third = (await apiGet(`/admin/peers/${P.third}`))[1];
  check(sent.length === 2 && sent[0] !== sent[1] && sent[1] === `"${paired}"`,
    `the page sent the rename twice, the second time on the new revision (${sent.join(" then ")})`);
  check(third.name === "third-renamed" && third.pairs.includes(P.doomed), "the API has the rename and the pair");
  check(/saved again on the new revision/.test(await row(P.third).locator(".msg").textContent()),
    `the row says it was saved again (${await row(P.third).locator(".msg").textContent()})`);

  // ---- a peer deleted elsewhere while its dialog is open.
  await row(P.doomed).getByRole("button", { name: "Edit" }).click();
  await dlg.waitFor();
  await page.waitForTimeout(300);
  await apiCall("DELETE", `/admin/peers/${P.doomed}`);
  g.expectApi(new RegExp(`^/admin/peers/${P.doomed}$`), 404);
  await field("name").fill("doomed-2");
  await field("name").press("Enter");
  await dmsg.filter({ hasText: "deleted elsewhere" }).waitFor();
  check(await dlg.locator("#edit-save").isDisabled(), "a peer deleted elsewhere leaves the dialog with Save off");
  await dlg.locator("#edit-cancel").click();
  // Its row says it was deleted elsewhere; or, where the delete was pushed
  // to the page (its live channel) before the save, the page had already
  // read the list again and the row is gone. Either way it is not shown as
  // a peer that still exists.
  const goneRow = page.locator(`#peers tr[data-gone="${P.doomed}"]`);
  const liveRow = page.locator(`#peers tr[data-peer="${P.doomed}"]`);
  const goneText = await goneRow.count() ? await goneRow.textContent() : "";
  check(/doomed was deleted elsewhere/.test(goneText) ||
        (goneText === "" && await liveRow.count() === 0 && await page.locator("body[data-live='1']").count() === 1),
    `and its row says it was deleted elsewhere, or is gone with the live reload (${goneText || "no row"})`);

  // ---- the audit log: repeats counted, names not ids, seconds in words,
  // the search done by the server over the whole log.
  for (let i = 0; i < 3; i++) await apiCall("PATCH", `/admin/peers/${P.slow}`, { keepalive: 40 + i % 2 });
  await apiCall("PATCH", `/admin/peers/${P.slow}`, { keepalive: 40 });
  await apiCall("PATCH", `/admin/peers/${P.slow}`, { keepalive: 40 });
  const rulesOk = (await apiGet("/admin/rules"))[0] === 200;
  if (rulesOk) await apiCall("POST", "/admin/rules", { a: "web", b: "db" });
  await apiCall("POST", "/admin/invites", { uses: 1, expires_in: 5400, label: "for the lab" });
  const reads = [];
  const onAudit = (r) => /\/admin\/audit/.test(r.url()) && reads.push(new URL(r.url()).search);
  page.on("request", onAudit);
  await page.getByRole("link", { name: "Audit log" }).click();
  await page.locator("#audit tbody tr").first().waitFor();
  const log = await page.locator("#audit").textContent();
  check(await page.locator("#audit tbody tr", { hasText: "keepalive" }).filter({ hasText: /×4, last/ }).count() === 1,
    "a repeated change shows how many times it happened");
  check(/invite "for the lab"/.test(log) && /expires in = 1 h 30 min/.test(log), `an invite is named by its label, its expiry in words`);
  if (rulesOk) check(/rule (web ↔ db|db ↔ web)/.test(log), "a rule is named by its tags, not its id");
  await page.locator("#audit-search").fill("third-renamed");
  await page.waitForFunction(() => [...document.querySelectorAll("#audit tbody tr")].length > 0 &&
    [...document.querySelectorAll("#audit tbody tr")].every((r) => /third/.test(r.textContent)));
  check(reads.some((q) => /[?&]q=third-renamed/.test(q)), `the search asked the server (?q=): ${reads.join(" ")}`);
  page.off("request", onAudit);
  await page.getByRole("link", { name: "Peers" }).click();

  // ---- the responders stop during a save.
  await row(P.slow).getByRole("button", { name: "Edit" }).click();
  await dlg.waitFor();
  await page.waitForTimeout(300);
  await field("name").fill("slow-renamed");
  g.expectAbort(new RegExp(`^/admin/peers/${P.slow}$`));
  signal("SIGSTOP");
  const t0 = Date.now();
  await field("name").press("Enter");
  let said = "";
  try {
    await dmsg.filter({ hasText: /not confirmed/i }).waitFor({ timeout: 30000 });
    said = await dmsg.textContent();
  } finally {
    signal("SIGCONT");
  }
  check(/not confirmed/i.test(said) && !/not running|nothing was done/.test(said),
    `a save with no answer is "not confirmed", not "not running" (${said}, after ${Date.now() - t0} ms)`);
  // The page reads the peer again and says what it found.
  const outcome = page.locator(`#peers tr[data-peer="${P.slow}"] .msg, #edit-msg`)
    .filter({ hasText: /slow to confirm|Not saved/ });
  await outcome.first().waitFor({ timeout: 60000 });
  const told = await outcome.first().textContent();
  const slow = (await apiGet(`/admin/peers/${P.slow}`))[1];
  const landed = slow.name === "slow-renamed";
  check(landed ? /slow to confirm/.test(told) : /Not saved/.test(told),
    `the page tells what the API has (name ${slow.name}): ${told}`);
  check(await row(P.slow).locator(".pname").textContent() === slow.name, "the row shows the name the server has");
  if (await dlg.isVisible()) await dlg.locator("#edit-cancel").click();

  // ---- the same for a pairing ticked in the picker.
  await page.getByRole("link", { name: "Pairs" }).click();
  await page.locator("#pick-search").fill("slow");
  await page.locator("#pick-results button", { hasText: "slow-renamed" }).click();
  await page.locator("#partner-title", { hasText: "slow-renamed" }).waitFor();
  await page.locator("#partner-box:not([hidden])").waitFor();
  const box = page.locator("#partners").getByRole("checkbox", { name: /with other/ });
  g.expectAbort(new RegExp(`^/admin/pairs/`));
  signal("SIGSTOP");
  let pmsg = "";
  try {
    await box.check({ trial: false }).catch(() => {});
    const m = page.locator("#partners .msg").filter({ hasText: /Not confirmed/ });
    await m.waitFor({ timeout: 30000 });
    pmsg = await m.textContent();
  } finally {
    signal("SIGCONT");
  }
  check(/Not confirmed/.test(pmsg), `a pairing with no answer is "not confirmed" (${pmsg})`);
  const after = page.locator("#partners .msg").filter({ hasText: /after all|Not paired/ });
  await after.waitFor({ timeout: 60000 });
  const isPaired = (await apiGet(`/admin/peers/${P.slow}`))[1].pairs.includes(P.other);
  check(isPaired ? /Paired .* after all/.test(await after.textContent()) : /Not paired/.test(await after.textContent()),
    `the picker tells what the API has (paired: ${isPaired}): ${await after.textContent()}`);
  check(await box.isChecked() === isPaired, "the box shows it");
  await page.getByRole("link", { name: "Peers" }).click();

  // ---- no responder at all: 502, "nothing was done".
  // The pairing above landed and was pushed: the page's live reload (a
  // moment later) may meet the killed responders too. Only these reads,
  // and only with 502.
  g.expectApi(/^\/admin\/(peers|network|rules|links)$/, 502);
  signal("SIGKILL");
  await page.waitForTimeout(500);
  g.expectApi(new RegExp(`^/admin/peers/${P.other}$`), 502);
  await row(P.other).getByRole("button", { name: "Edit" }).click();
  await dlg.waitFor();
  await field("name").fill("other-3");
  await field("name").press("Enter");
  await dmsg.filter({ hasText: /no responder/ }).waitFor({ timeout: 40000 });
  check(/nothing was done/.test(await dmsg.textContent()), `502 is told apart: ${await dmsg.textContent()}`);

  check(g.problems().length === 0, `no console or script errors (${g.problems().join("; ")})`);
  if (SHOT) await page.screenshot({ path: SHOT, fullPage: true });
} catch (e) {
  signal("SIGCONT");
  check(false, `the walk went through (${e.message.split("\n")[0]})`);
  console.log(`# ${e.stack}`);
  if (SHOT) await lastPage?.screenshot({ path: SHOT.replace(/\.png$/, "-failed.png"), fullPage: true }).catch(() => {});
} finally {
  await browser.close();
}
process.exit(failed() ? 1 : 0);
