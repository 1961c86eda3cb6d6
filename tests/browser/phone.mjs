// SPDX-License-Identifier: MIT
// The admin page on a phone (390 × 844, touch): cards instead of table rows,
// targets of at least 44 px, nothing wider than the screen in any view, and
// the main tasks (accept, edit, pair) done by tapping.
//
// env (from tests/t4100-browser-phone.sh): URL, ADMIN_PASS, P_ID (pending),
// Q_ID, R_ID (accepted, behind NAT), SHOT; NODE_EXTRA_CA_CERTS.

import { check, failed, launch, guardedPage, adminContext, apiGet, boxOf, URL_ } from "./lib.mjs";

const { P_ID, Q_ID, R_ID, SHOT } = process.env;
const browser = await launch();
let lastPage = null;
try {
  const ctx = await adminContext(browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true,
    deviceScaleFactor: 2 });
  const g = await guardedPage(ctx);
  const { page } = g;
  lastPage = page;
  page.on("dialog", (d) => d.accept());
  await page.goto(URL_ + "/");
  await page.locator("body[data-ready]").waitFor();

  // The phone's width in CSS px. Not innerWidth: under mobile emulation
  // the layout viewport grows to the content (a 429 px page gives
  // innerWidth 429), as a phone zooms out, so that check could not fail.
  const W = 390;
  check(await page.evaluate(() => screen.width) === W, `the screen is ${W} px wide`);
  // Nothing reaches past the screen's right edge (or its left): the page
  // scrolls no wider than it, nor does any element that shows. An element
  // inside a box that clips or scrolls sideways is that box's business;
  // the box itself is measured.
  const fits = async (what) => {
    const [sw, vw, bad] = await page.evaluate((W) => {
      const clipped = (e) => {
        for (let a = e.parentElement; a && a !== document.body; a = a.parentElement)
          if (getComputedStyle(a).overflowX !== "visible") return true;
        return false;
      };
      const out = [...document.querySelectorAll("body *")].filter((e) => {
        const r = e.getBoundingClientRect();
        if (!r.width || !r.height || clipped(e)) return false;
        return r.right + scrollX > W + 0.5 || r.left + scrollX < -0.5;
      }).map((e) => {
        const r = e.getBoundingClientRect();
        return `${e.tagName.toLowerCase()}${e.id ? "#" + e.id : ""}${e.className && typeof e.className === "string" ? "." + e.className.split(" ")[0] : ""} ${Math.round(r.left)}..${Math.round(r.right)}`;
      });
      return [document.scrollingElement.scrollWidth, visualViewport.width, out];
    }, W);
    check(sw <= W && bad.length === 0,
      `${what}: nothing wider than the ${W} px screen (page ${sw}, visual viewport ${Math.round(vw)}${bad.length ? "; " + bad.slice(0, 6).join(", ") : ""})`);
  };
  // Every visible button, link, select and text field in the view: 44 px
  // high and inside the screen.
  const targets = async (what, sel) => {
    const bad = await page.evaluate(([sel, W]) => [...document.querySelectorAll(sel)].filter((e) => {
      const r = e.getBoundingClientRect();
      if (!r.width || !r.height || e.closest("[hidden]")) return false;
      return r.height < 44 || r.left + scrollX < 0 || r.right + scrollX > W;
    }).map((e) => `${e.tagName} "${(e.textContent || e.getAttribute("aria-label") || e.name || "").trim().slice(0, 20)}"`), [sel, W]);
    check(bad.length === 0, `${what}: targets are 44 px and on screen (${bad.join(", ")})`);
  };
  const row = (id) => page.locator(`#peers tr[data-peer="${id}"]`);

  await fits("peers");
  await targets("peers", "main section:not([hidden]) button, main section:not([hidden]) select, main section:not([hidden]) input:not([type=checkbox]), nav a");
  const card = await boxOf(row(P_ID));
  check(card.width <= W && card.height > 100, "a peer is a card as wide as the screen");
  const acc = row(P_ID).getByRole("button", { name: "Accept" });
  const box = await boxOf(acc);
  check(box.x >= 0 && box.x + box.width <= W, "Accept is on screen");
  await acc.tap();
  await row(P_ID).locator(".msg", { hasText: "Accepted" }).waitFor();
  check((await apiGet(`/admin/peers/${P_ID}`))[1].state === "accepted", "a tap on Accept accepted the peer");
  await fits("peers after accepting");
  for (const name of ["Edit", "Config", "Pairs", "Delete"]) {
    const b = await boxOf(row(P_ID).getByRole("button", { name }));
    check(b && b.x >= 0 && b.x + b.width <= W && b.height >= 44, `${name} is on screen and 44 px high`);
  }

  // The edit dialog fits; Save saves.
  await row(Q_ID).getByRole("button", { name: "Edit" }).tap();
  const dlg = page.locator("#edit-dialog");
  await dlg.waitFor();
  const d = await boxOf(dlg);
  check(d.x >= 0 && d.x + d.width <= W, "the edit dialog fits the screen");
  await fits("the edit dialog open");
  await targets("the edit dialog", "#edit-dialog button, #edit-dialog select, #edit-dialog input:not([type=checkbox])");
  await dlg.locator('input[name="keepalive"]').fill("20");
  await page.locator("#edit-save").tap();
  await dlg.waitFor({ state: "hidden" });
  check((await apiGet(`/admin/peers/${Q_ID}`))[1].keepalive === 20, "Save in the dialog saved on the phone");

  // Pairs: the picker by tapping; the NAT warning shows.
  await page.getByRole("link", { name: "Pairs" }).tap();
  await fits("pairs");
  await page.locator("#pick-search").fill("phone-q");
  await page.locator("#pick-results button", { hasText: "phone-q" }).tap();
  const label = page.locator(`#partners li[data-partner="${R_ID}"] label`);
  await label.waitFor();
  const lb = await boxOf(label);
  check(lb.height >= 44, `a partner's tick box has a 44 px target (${lb.height})`);
  await label.tap();
  await page.locator(`#partners li[data-partner="${R_ID}"] .msg.warn`).waitFor();
  check(JSON.stringify((await apiGet(`/admin/peers/${Q_ID}`))[1].pairs) === JSON.stringify([R_ID]), "the tap paired the two");
  await fits("pairs after pairing");
  await targets("pairs", "#tab-pairs button:not(:disabled), #tab-pairs select, #tab-pairs input:not([type=checkbox])");

  for (const [name, sel] of [["Mesh graph", "#graph-svg .node"], ["Network", "#network-form input"],
    ["Invites", "#invite-form input"], ["Devices", "#device-form select"], ["Audit log", "#audit tbody tr"]]) {
    await page.getByRole("link", { name }).tap();
    await page.locator(sel).first().waitFor();
    await fits(name);
  }
  await page.getByRole("link", { name: "Peers" }).tap();
  await page.locator(`#peers tr[data-peer="${R_ID}"]`).waitFor();
  await fits("peers after pairing");
  await page.getByRole("link", { name: "Invites" }).tap();
  await page.getByRole("button", { name: "Make invite" }).tap();
  await page.locator("#invite-code:not([hidden])").waitFor();
  await fits("invites with a code and its command line");
  await targets("invites", "#tab-invites button, #tab-invites input");
  await page.getByRole("link", { name: "Devices" }).tap();
  await page.getByRole("button", { name: "Make device link" }).tap();
  await page.locator("#device-link:not([hidden])").waitFor();
  await fits("devices with a link");
  await targets("devices", "#tab-devices button, #tab-devices input, #tab-devices select, #tab-devices a");
  if (SHOT) {
    await page.getByRole("link", { name: "Peers" }).tap();
    await page.screenshot({ path: SHOT, fullPage: true });
  }
  check(g.problems().length === 0, `no console or script errors (${g.problems().join("; ")})`);
} catch (e) {
  check(false, `the walk went through (${e.message.split("\n")[0]})`);
  console.log(`# ${e.stack}`);
  if (SHOT) await lastPage?.screenshot({ path: SHOT.replace(/\.png$/, "-failed.png"), fullPage: true }).catch(() => {});
} finally {
  await browser.close();
}
process.exit(failed() ? 1 : 0);
