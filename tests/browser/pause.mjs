// SPDX-License-Identifier: MIT
// Pause, expiry and traffic in the admin page (issue 20): the list shows
// what a link report said (rx/tx, handshake in words), per peer and per
// pair in the edit dialog; Disable and Enable from the dialog, the row and
// the bulk bar reach the API and the badge follows; an expiry is set and
// cleared, shown in words; a 412 on an expiry is set again on the new
// revision, someone else's expiry is a conflict shown; with the responders
// stopped a Disable is "not confirmed" and then what the API has; on a
// phone (390 px) every new control is a 44 px target on the screen.
//
// env (from tests/t4650-browser-pause.sh): URL, ADMIN_PASS, A, B, C (A is
// paired with B and C and reported its links), RESPONDER_PIDS, SHOT;
// NODE_EXTRA_CA_CERTS.

import { check, failed, launch, guardedPage, adminContext, apiGet, apiCall, URL_ } from "./lib.mjs";

const { A, B, C, D, H, TA, SHOT, RESPONDER_PIDS } = process.env;
const pids = RESPONDER_PIDS.trim().split(/\s+/).map(Number);
const signal = (sig) => { for (const pid of pids) process.kill(pid, sig); };
const peer = async (id) => (await apiGet(`/admin/peers/${id}`))[1];
const DAY = 86400000;

const browser = await launch();
let lastPage = null;
try {
  const ctx = await adminContext(browser, { viewport: { width: 1280, height: 900 } });
  const g = await guardedPage(ctx);
  const { page } = g;
  lastPage = page;
  if ((await apiGet("/admin/rules"))[0] === 404) g.expectApi(/^\/admin\/rules$/, 404);
  // No live channel on this page: a change made from here behind its back
  // must meet the page's old revision (412), not a copy the channel
  // refreshed first. (t4600 checks the outcomes with the channel on.)
  await page.route(/\/api\/v1\/admin\/watch/, (r) => r.abort("aborted"));
  await page.goto(URL_ + "/");
  await page.locator("body[data-ready]").waitFor();
  const row = (id) => page.locator(`#peers tr[data-peer="${id}"]`);
  const dlg = page.locator("#edit-dialog");
  const pmsg = dlg.locator("#edit-pause-msg");
  const badge = (id, re) => row(id).locator("td.name .badge", { hasText: re });
  const edit = async (id) => {
    await row(id).getByRole("button", { name: "Edit" }).click();
    await dlg.waitFor();
    await page.waitForTimeout(300); // the fresh read is in
  };

  // ---- traffic in the list: what A's link report said.
  await row(A).locator("td .links .badge").first().waitFor(); // link status is loaded
  const traffic = (id) => row(id).locator('td[data-label="Traffic"]').textContent();
  const ta = await traffic(A);
  check(/rx 2\.0 KiB, tx 3\.0 MiB/.test(ta) && /handshake (just now|1 min ago)/.test(ta),
    `A's row shows its bytes and handshake in words (${ta})`);
  check(/not reported/.test(await traffic(B)), `B, which never reported, says so (${await traffic(B)})`);
  // Sorted by traffic (its column header): D, who moved the most, first.
  const order = () => page.locator("#peers tbody tr[data-peer]").evaluateAll((trs) => trs.map((t) => t.dataset.peer));
  await page.locator('#peers th[data-sort="traffic"] button').click();
  check(JSON.stringify((await order()).slice(0, 2)) === JSON.stringify([D, A]), "sorted by traffic: delta (10 MiB), then alpha");
  check(await page.locator('#peers th[data-sort="traffic"]').getAttribute("aria-sort") === "descending", "the Traffic header says it sorts, most first");
  await page.locator('#peers th[data-sort="seen"] button').click();
  check((await order())[0] === D, "sorted by last seen: delta, the one seen, first");
  await page.locator('#peers th[data-sort="name"] button').click();
  check(JSON.stringify((await order()).slice(0, 4)) === JSON.stringify([A, B, C, D]), "sorted by name again");

  // ---- per pair in the dialog, as each side sees it.
  await edit(A);
  const li = (id) => dlg.locator(`#edit-link-list li[data-partner="${id}"]`);
  const ab = await li(B).textContent();
  check(/\bup\b/.test(ab) && /rx 2\.0 KiB, tx 3\.0 MiB/.test(ab) && /handshake/.test(ab), `A's dialog: the link to B, up, with bytes (${ab})`);
  check(/never/.test(await li(C).textContent()), `A's dialog: the link to C never came up (${await li(C).textContent()})`);
  check(/rx 2\.0 KiB, tx 3\.0 MiB/.test(await dlg.locator("#edit-traffic").textContent()), "A's dialog sums its links");
  await dlg.locator("#edit-cancel").click();
  await edit(B);
  const ba = await li(A).textContent();
  check(/rx 3\.0 MiB, tx 2\.0 KiB/.test(ba), `B's dialog: the same link from B's side, bytes swapped (${ba})`);
  await dlg.locator("#edit-cancel").click();

  // ---- Disable in the dialog: the API has it, B's config loses A, the badge shows.
  await edit(A);
  await dlg.locator("#edit-disable").click();
  await pmsg.filter({ hasText: /^Disabled/ }).waitFor();
  const a1 = await peer(A);
  check(a1.disabled === true, "Disable in the dialog: the API shows A disabled");
  const bconf = (await apiGet(`/admin/peers/${B}/config`))[1];
  check(!bconf.peers.some((q) => q.public_key === a1.public_key), "B's config no longer has A");
  check(/Paused since/.test(await dlg.locator("#edit-pause-state").textContent()), "the dialog says A is paused");
  check(await dlg.locator("#edit-enable").isVisible() && await dlg.locator("#edit-disable").isHidden(), "the dialog offers Enable now");
  check(await page.evaluate(() => document.activeElement?.id) === "edit-enable", "the focus moved from Disable to Enable");
  await dlg.locator("#edit-cancel").click();
  await badge(A, /^paused$/).waitFor();
  check(/1 paused/.test(await page.locator("#peer-summary").textContent()), "the summary counts it");

  // ---- Enable from the row: gone.
  await row(A).getByRole("button", { name: "Enable" }).click();
  await row(A).locator(".msg", { hasText: /^Enabled/ }).waitFor();
  check((await peer(A)).disabled === false, "Enable on the row: the API shows A enabled");
  check(await badge(A, /^paused$/).count() === 0, "the paused badge is gone");

  // ---- a hub's 11 links: said and asked first; Cancel sends nothing.
  const ask = page.locator("#ask-dialog");
  const disables = [];
  page.on("request", (q) => q.method() === "POST" && q.url().endsWith(`/admin/peers/${H}/disable`) && disables.push(q.url()));
  await row(H).getByRole("button", { name: "Disable" }).click();
  await ask.waitFor();
  const asked = await ask.locator("#ask-text").textContent();
  check(/^11 links leave the configs/.test(asked) && /Enable brings every link back/.test(asked), `disabling the hub says how many links first (${asked})`);
  await ask.locator("#ask-cancel").click();
  await page.waitForTimeout(300);
  check(disables.length === 0 && (await peer(H)).disabled === false, "Cancel sent nothing: the hub is enabled");
  await row(H).getByRole("button", { name: "Disable" }).click();
  await ask.locator("#ask-ok").click();
  await row(H).locator(".msg", { hasText: /^Disabled hub/ }).waitFor();
  check((await peer(H)).disabled === true, "OK disabled the hub");
  await row(H).getByRole("button", { name: "Enable" }).click();
  await row(H).locator(".msg", { hasText: /^Enabled hub/ }).waitFor();
  check((await peer(H)).disabled === false, "Enable needs no question: the hub is back");

  // ---- an expiry, set and cleared, in words.
  await edit(A);
  await dlg.locator("#edit-expires-days").fill("7");
  await dlg.locator("#edit-expiry-set").click();
  await pmsg.filter({ hasText: /^Expiry set/ }).waitFor();
  const exp = Date.parse((await peer(A)).expires_at);
  check(Math.abs(exp - (Date.now() + 7 * DAY)) < 120000, `the API has the expiry 7 days on (${new Date(exp).toISOString()})`);
  check(/expires in 7 days/.test(await dlg.locator("#edit-pause-state").textContent()), "the dialog says it in words");
  check(await badge(A, /^expires in 7 days$/).count() === 1, "the row's badge says \"expires in 7 days\"");
  if (SHOT) await page.screenshot({ path: SHOT.replace(/\.png$/, "-dialog.png") });
  // 412, someone else's rename: set again on the new revision, and said.
  const refused = [];
  page.on("response", (r) => r.status() === 412 && refused.push(r.url()));
  await apiCall("PATCH", `/admin/peers/${A}`, { name: "alpha-2" });
  g.expectApi(new RegExp(`^/admin/peers/${A}$`), 412);
  await dlg.locator("#edit-expires-days").fill("5");
  await dlg.locator("#edit-expiry-set").click();
  await pmsg.filter({ hasText: /^Expiry set/ }).waitFor();
  const a2 = await peer(A);
  check(a2.name === "alpha-2" && Math.abs(Date.parse(a2.expires_at) - (Date.now() + 5 * DAY)) < 120000,
    "after an unrelated change the API has both the rename and the new expiry");
  check(refused.length === 1 && /set it again on the new revision/.test(await pmsg.textContent()),
    `refused once (412), the page set it again and says so (${refused.length} refused: ${await pmsg.textContent()})`);
  // 412, someone else's expiry: a conflict, shown, theirs kept.
  await apiCall("PATCH", `/admin/peers/${A}`, { expires_in: 3 * 86400 });
  await dlg.locator("#edit-expires-days").fill("9");
  await dlg.locator("#edit-expiry-set").click();
  const said = await pmsg.filter({ hasText: /Changed meanwhile|^Expiry set/ }).textContent();
  const a3 = await peer(A);
  check(Math.abs(Date.parse(a3.expires_at) - (Date.now() + 3 * DAY)) < 120000, "someone else's expiry is not overwritten");
  check(/Changed meanwhile: the expiry was in 5 days .*now in 3 days/.test(said), `the conflict is shown, was and now (${said})`);
  await dlg.locator("#edit-expiry-clear").click();
  await pmsg.filter({ hasText: /^Expiry cleared/ }).waitFor();
  check((await peer(A)).expires_at === null, "Clear expiry: the API has none");
  await dlg.locator("#edit-cancel").click();
  check(await badge(A, /^expires/).count() === 0, "the expiry badge is gone");

  // ---- the responders stop during a Disable: not confirmed, then the truth.
  await edit(C);
  g.expectAbort(new RegExp(`^/admin/peers/${C}/disable$`));
  signal("SIGSTOP");
  let unsure = "";
  try {
    await dlg.locator("#edit-disable").click();
    await pmsg.filter({ hasText: /not confirmed/i }).waitFor({ timeout: 30000 });
    unsure = await pmsg.textContent();
  } finally {
    signal("SIGCONT");
  }
  check(/not confirmed/i.test(unsure), `a Disable with no answer is "not confirmed" (${unsure})`);
  await pmsg.filter({ hasText: /after all|^Not disabled/ }).waitFor({ timeout: 60000 });
  const c1 = await peer(C);
  check(c1.disabled ? /after all/.test(await pmsg.textContent()) : /^Not disabled/.test(await pmsg.textContent()),
    `the page tells what the API has (disabled ${c1.disabled}): ${await pmsg.textContent()}`);
  if (c1.disabled) {
    await dlg.locator("#edit-enable").click();
    await pmsg.filter({ hasText: /^Enabled/ }).waitFor();
  }
  // The same for an expiry.
  await dlg.locator("#edit-expires-days").fill("2");
  g.expectAbort(new RegExp(`^/admin/peers/${C}$`));
  signal("SIGSTOP");
  try {
    await dlg.locator("#edit-expiry-set").click();
    await pmsg.filter({ hasText: /not confirmed/i }).waitFor({ timeout: 30000 });
  } finally {
    signal("SIGCONT");
  }
  await pmsg.filter({ hasText: /after all|^Not set/ }).waitFor({ timeout: 60000 });
  const c2 = await peer(C);
  check(c2.expires_at ? /^The expiry is in 2 days .*after all/.test(await pmsg.textContent()) : /^Not set/.test(await pmsg.textContent()),
    `an expiry with no answer: the page tells what the API has (${c2.expires_at}): ${await pmsg.textContent()}`);
  await dlg.locator("#edit-cancel").click();

  // ---- bulk: disable and enable the selection; the paused filter.
  for (const id of [A, B]) await row(id).locator('td.sel input[type="checkbox"]').check();
  await page.locator("#bulk-disable").click();
  await page.locator("#bulk-msg", { hasText: /^Disabled: 2 done/ }).waitFor();
  check((await peer(A)).disabled && (await peer(B)).disabled, "bulk Disable: the API shows both disabled");
  check(await badge(A, /^paused$/).count() === 1 && await badge(B, /^paused$/).count() === 1, "both rows have the badge");
  await page.locator("#peer-state").selectOption("disabled");
  await page.locator("#peer-range", { hasText: /of 2$/ }).waitFor();
  check(await row(C).count() === 0, "the paused filter shows only the paused peers");
  await page.locator("#bulk-enable").click();
  await page.locator("#bulk-msg", { hasText: /^Enabled: 2 done/ }).waitFor();
  check(!(await peer(A)).disabled && !(await peer(B)).disabled, "bulk Enable: the API shows both enabled");
  check(await page.locator("#peers td.name .badge", { hasText: /^paused$/ }).count() === 0, "no paused badge is left");
  await page.locator("#peer-state").selectOption("");
  check(g.problems().length === 0, `no console or script errors (${g.problems().join("; ")})`);

  // ---- the phone: the new controls are 44 px targets on the 390 px screen.
  const W = 390;
  const pctx = await adminContext(browser, { viewport: { width: W, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  const pg = await guardedPage(pctx);
  const ph = pg.page;
  lastPage = ph;
  if ((await apiGet("/admin/rules"))[0] === 404) pg.expectApi(/^\/admin\/rules$/, 404);
  await ph.goto(URL_ + "/");
  await ph.locator("body[data-ready]").waitFor();
  check(await ph.evaluate(() => screen.width) === W, `the screen is ${W} px wide`);
  const small = (sel) => ph.evaluate(([sel, W]) => [...document.querySelectorAll(sel)].filter((e) => {
    const r = e.getBoundingClientRect();
    if (!r.width || !r.height || e.closest("[hidden]")) return false;
    return r.height < 44 || r.width < 44 || r.left + scrollX < 0 || r.right + scrollX > W;
  }).map((e) => `${e.tagName} "${(e.textContent || e.getAttribute("aria-label") || e.id).trim().slice(0, 20)}" ${Math.round(e.getBoundingClientRect().height)}`), [sel, W]);
  const wide = () => ph.evaluate(() => document.scrollingElement.scrollWidth);
  const card = ph.locator(`#peers tr[data-peer="${A}"]`);
  await card.locator('td[data-label="Traffic"]', { hasText: /rx 2\.0 KiB/ }).waitFor();
  const inCards = await small("#peers tbody button, #peers tbody input");
  check(inCards.length === 0, `every button and box on the cards is 44 px, Disable and checkboxes too (${inCards.join(", ")})`);
  await card.getByRole("button", { name: "Edit" }).tap();
  await ph.locator("#edit-dialog").waitFor();
  await ph.locator("#edit-link-list li").first().waitFor();
  const inDialog = await small("#edit-pause button, #edit-pause input, #edit-dialog .buttons button");
  if (SHOT) await ph.screenshot({ path: SHOT.replace(/\.png$/, "-phone-dialog.png"), fullPage: true });
  check(inDialog.length === 0, `the dialog's pause controls are 44 px and on screen (${inDialog.join(", ")})`);
  check(await wide() <= W, `nothing wider than the screen with the dialog open (${await wide()})`);
  await ph.locator("#edit-disable").tap();
  await ph.locator("#edit-pause-msg", { hasText: /^Disabled/ }).waitFor();
  check((await peer(A)).disabled === true, "a tap on Disable disabled A");
  await ph.locator("#edit-enable").tap();
  await ph.locator("#edit-pause-msg", { hasText: /^Enabled/ }).waitFor();
  check((await peer(A)).disabled === false, "a tap on Enable enabled A");
  // A new link report reaches the card through the live channel, with no
  // reload and no request per row: the channel says "links", the page
  // reads the links again (once) and the card sums A's own reports. First
  // the reads the Enable set off are done.
  await ph.waitForTimeout(1500);
  const reads = [];
  ph.on("request", (q) => q.method() === "GET" && /\/api\/v1\/admin\//.test(q.url()) && reads.push(new URL(q.url()).pathname));
  const r = await fetch(`${URL_}/api/v1/peer/links`, { method: "PUT",
    headers: { Authorization: `Bearer ${TA}`, "Content-Type": "application/json" },
    body: JSON.stringify({ links: [{ peer: B, latest_handshake: Math.floor(Date.now() / 1000), rx: 4096, tx: 5 * 1048576 }] }) });
  check(r.status === 204, `A reports its links again (${r.status})`);
  await ph.locator("#edit-cancel").tap();
  await card.locator('td[data-label="Traffic"]', { hasText: /rx 4\.0 KiB, tx 5\.0 MiB/ }).waitFor({ timeout: 15000 });
  check(reads.every((x) => x === "/api/v1/admin/links"), `the card shows the new report from the links alone (${reads.join(" ")})`);
  if (SHOT) await ph.screenshot({ path: SHOT, fullPage: true });
  check(pg.problems().length === 0, `no console or script errors on the phone (${pg.problems().join("; ")})`);
} catch (e) {
  check(false, `the walk went through (${e.message.split("\n")[0]})`);
  console.log(`# ${e.stack}`);
  if (SHOT) await lastPage?.screenshot({ path: SHOT.replace(/\.png$/, "-failed.png"), fullPage: true }).catch(() => {});
} finally {
  await browser.close();
}
process.exit(failed() ? 1 : 0);
