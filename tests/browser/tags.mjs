// SPDX-License-Identifier: MIT
// Tags and rules in the admin page, end to end: tag one peer in its edit
// dialog and two in bulk (and untag one in bulk), add a rule, see the pairs it made (API, both
// peers' configs) and, per peer, why each pair is there (rule or explicit);
// a pair only the rule makes cannot be unticked; deleting the rule in the
// page removes its pairs and leaves the explicit one.
//
// env (from tests/t4500-tags-rules.sh): URL, ADMIN_PASS, SHOT;
// NODE_EXTRA_CA_CERTS.

import { generateKeyPairSync } from "node:crypto";
import { check, failed, launch, guardedPage, adminContext, apiGet, apiAll, apiCall, URL_ } from "./lib.mjs";

const { SHOT } = process.env;
const pub = () => generateKeyPairSync("x25519").publicKey.export({ format: "der", type: "spki" }).subarray(-32).toString("base64");

const inv = await apiCall("POST", "/admin/invites", { uses: 4 });
const P = {};
for (const [i, name] of ["web1", "web2", "db1", "misc"].entries()) {
  P[name] = (await apiCall("POST", "/register", { name, public_key: pub(),
    endpoint: `192.0.2.${i + 1}:51820`, invite: inv.code }, false)).id;
}
// One pair an admin made by hand.
await apiCall("PUT", `/admin/pairs/${P.web1}/${P.misc}`);

const key = (a, b) => (a < b ? `${a}|${b}` : `${b}|${a}`);
async function pairsNow() {
  return new Map((await apiAll("/admin/pairs", "pairs")).map((x) => [key(x.a, x.b), x]));
}
async function configPeers(id) {
  const [st, conf] = await apiGet(`/admin/peers/${id}/config`);
  return st === 200 ? conf.peers.map((q) => q.id) : [`status ${st}`];
}

const browser = await launch();
let lastPage = null;
try {
  const ctx = await adminContext(browser, { viewport: { width: 1280, height: 900 } });
  const g = await guardedPage(ctx);
  const { page } = g;
  lastPage = page;
  page.on("dialog", (d) => d.accept());
  await page.goto(URL_ + "/");
  await page.locator("body[data-ready]").waitFor();
  const row = (id) => page.locator(`#peers tr[data-peer="${id}"]`);

  // ---- one peer tagged in its dialog.
  const dlg = page.locator("#edit-dialog");
  await row(P.db1).getByRole("button", { name: "Edit" }).click();
  await dlg.waitFor();
  const tags = dlg.locator('input[name="tags"]');
  check(await tags.isVisible(), "the edit dialog has a tags field");
  await tags.fill("DB!");
  await tags.press("Enter");
  check(/no tag/.test(await dlg.locator('[data-error="tags"]').textContent()) && await dlg.isVisible(),
    "a malformed tag is an error at the field");
  await tags.fill("db");
  await tags.press("Enter");
  await dlg.waitFor({ state: "hidden" });
  check(JSON.stringify((await apiGet(`/admin/peers/${P.db1}`))[1].tags) === '["db"]', "the API has db1 tagged db");
  check(await row(P.db1).locator(".badge.tag", { hasText: "db" }).count() === 1, "db1's row shows its tag");

  // ---- two peers tagged at once.
  for (const id of [P.web1, P.web2]) await row(id).locator('input[aria-label^="select"]').check();
  await page.locator("#bulk-tag").fill("web");
  await page.locator("#bulk-tag-add").click();
  await page.locator("#bulk-msg.ok").waitFor();
  check(/Tagged: 2 done/.test(await page.locator("#bulk-msg").textContent()), "bulk tagging reports 2 done");
  for (const n of ["web1", "web2"])
    check(JSON.stringify((await apiGet(`/admin/peers/${P[n]}`))[1].tags) === '["web"]', `the API has ${n} tagged web`);
  await page.locator("#bulk-clear").click();

  // ---- a rule, added in the page.
  await page.getByRole("link", { name: "Pairs" }).click();
  await page.locator("#rules-box").waitFor();
  await page.locator("#rule-a").fill("web");
  await page.locator("#rule-b").fill("db");
  await page.locator("#rule-add").click();
  await page.locator("#rule-msg.ok").waitFor();
  check(/Rule added: tag db ↔ tag web, 2 pairs/.test(await page.locator("#rule-msg").textContent()),
    `the page says the rule made 2 pairs (${await page.locator("#rule-msg").textContent()})`);
  const rules = (await apiGet("/admin/rules"))[1].rules;
  check(rules.length === 1 && rules[0].a === "db" && rules[0].b === "web", "the API has the rule");
  const rid = rules[0].id;
  check(await page.locator(`#rules li[data-rule="${rid}"]`, { hasText: "2 pairs" }).count() === 1, "the rule is listed with its 2 pairs");
  let pairs = await pairsNow();
  for (const w of ["web1", "web2"]) {
    const x = pairs.get(key(P[w], P.db1));
    check(x && x.explicit === false && JSON.stringify(x.rules) === JSON.stringify([rid]), `${w}–db1 is paired by the rule`);
  }
  check(!pairs.has(key(P.web1, P.web2)), "web1 and web2 are not paired with each other");
  check(pairs.get(key(P.web1, P.misc))?.explicit === true, "the hand-made pair is still explicit");
  const dbConf = await configPeers(P.db1);
  check(dbConf.includes(P.web1) && dbConf.includes(P.web2) && dbConf.length === 2,
    "db1's config has web1 and web2");
  check((await configPeers(P.web1)).includes(P.db1) && (await configPeers(P.web2)).includes(P.db1),
    "web1's and web2's configs have db1");

  // ---- why each pair is there, per peer.
  await page.locator("#pick-search").fill("web1");
  await page.locator("#pick-results button", { hasText: "web1" }).click();
  await page.locator("#partner-title", { hasText: "web1" }).waitFor();
  const why = (id) => page.locator(`#partners li[data-partner="${id}"] .why`);
  check(await why(P.db1).textContent() === "rule db ↔ web", `web1–db1: paired by the rule (${await why(P.db1).textContent()})`);
  check(await why(P.misc).textContent() === "explicit", "web1–misc: paired explicitly");
  check(await why(P.web2).count() === 0, "web1–web2: not paired, no reason shown");
  // A pair only the rule makes cannot be unticked by hand.
  g.expectApi(new RegExp(`^/admin/pairs/`), 409);
  const box = page.locator("#partners").getByRole("checkbox", { name: "pair web1 with db1" });
  await box.click(); // not uncheck(): the refusal ticks it again at once
  const msg = page.locator(`#partners li[data-partner="${P.db1}"] .msg`);
  await msg.filter({ hasText: /./ }).waitFor();
  await page.waitForFunction(() => !document.querySelector("#partners [aria-busy]"));
  check(/rule/.test(await msg.textContent()) && await box.isChecked(),
    `unticking a pair the rule makes is refused at the pair (${await msg.textContent()})`);
  check((await pairsNow()).has(key(P.web1, P.db1)), "and the pair stays");
  // The same in db1's view.
  await page.locator("#pick-search").fill("db1");
  await page.locator("#pick-results button", { hasText: "db1" }).click();
  await page.locator("#partner-title", { hasText: "db1" }).waitFor();
  check(await why(P.web1).textContent() === "rule db ↔ web" && await why(P.web2).textContent() === "rule db ↔ web",
    "db1's partners show the rule as the reason");

  // ---- a tag taken off in bulk drops the pairs its rule made for that peer.
  await page.getByRole("link", { name: "Peers" }).click();
  await row(P.web2).locator('input[aria-label^="select"]').check();
  await page.locator("#bulk-tag").fill("web");
  await page.locator("#bulk-tag-remove").click();
  await page.locator("#bulk-msg.ok", { hasText: "Untagged" }).waitFor();
  check(JSON.stringify((await apiGet(`/admin/peers/${P.web2}`))[1].tags) === "[]", "the API has web2 untagged");
  pairs = await pairsNow();
  check(!pairs.has(key(P.web2, P.db1)) && pairs.has(key(P.web1, P.db1)), "web2–db1 went with the tag; web1–db1 stays");
  check(JSON.stringify(await configPeers(P.db1)) === JSON.stringify([P.web1]), "db1's config has web1 only");
  await page.locator("#bulk-clear").click();
  await page.getByRole("link", { name: "Pairs" }).click();
  await page.locator(`#rules li[data-rule="${rid}"]`, { hasText: "1 pair " }).waitFor();
  await page.locator("#pick-search").fill("db1");
  await page.locator("#pick-results button", { hasText: "db1" }).click();
  await page.locator("#partner-title", { hasText: "db1" }).waitFor();
  check(!(await page.locator("#partners").getByRole("checkbox", { name: "pair db1 with web2" }).isChecked()) &&
    await why(P.web2).count() === 0, "db1's picker shows web2 unpaired");

  // ---- the rule deleted in the page takes its pairs with it.
  await page.locator(`#rules li[data-rule="${rid}"]`).getByRole("button", { name: /delete rule/ }).click();
  await page.locator("#rule-msg", { hasText: "Rule deleted" }).waitFor();
  check(await page.locator(`#rules li[data-rule="${rid}"]`).count() === 0, "the rule is no longer listed");
  check((await apiGet("/admin/rules"))[1].rules.length === 0, "the API has no rule");
  pairs = await pairsNow();
  check(!pairs.has(key(P.web1, P.db1)) && !pairs.has(key(P.web2, P.db1)), "the pairs the rule made are gone");
  check(pairs.get(key(P.web1, P.misc))?.explicit === true, "the explicit pair stays");
  check((await configPeers(P.db1)).length === 0, "db1's config has no peers any more");
  await page.locator("#partners li").first().waitFor();
  check(await why(P.web1).count() === 0 && !(await page.locator("#partners").getByRole("checkbox", { name: "pair db1 with web1" }).isChecked()),
    "db1's picker shows web1 unpaired");

  // The audit log reads the rule's life in words.
  await page.getByRole("link", { name: "Audit log" }).click();
  await page.locator("#audit tbody tr").first().waitFor();
  check(await page.locator("#audit tbody tr", { hasText: "added a rule" }).filter({ hasText: "tag db ↔ tag web: 2 pairs made" }).count() === 1 &&
    await page.locator("#audit tbody tr", { hasText: "deleted a rule" }).filter({ hasText: "tag db ↔ tag web: 1 pair removed" }).count() === 1,
    "the audit log says which rule was added and deleted, and how many pairs went with it");

  // At phone width the rules and the picker fit the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole("link", { name: "Pairs" }).click();
  await page.locator("#rule-form").waitFor();
  const [sw, iw] = await page.evaluate(() => [document.scrollingElement.scrollWidth, innerWidth]);
  check(sw <= iw, `at 390 px the rules form and the picker fit (${sw} <= ${iw})`);

  check(g.problems().length === 0, `no console or script errors (${g.problems().join("; ")})`);
  if (SHOT) await page.screenshot({ path: SHOT, fullPage: true });
} catch (e) {
  check(false, `the walk went through (${e.message.split("\n")[0]})`);
  console.log(`# ${e.stack}`);
  if (SHOT) await lastPage?.screenshot({ path: SHOT.replace(/\.png$/, "-failed.png"), fullPage: true }).catch(() => {});
} finally {
  await browser.close();
}
process.exit(failed() ? 1 : 0);
