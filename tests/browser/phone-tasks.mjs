// SPDX-License-Identifier: MIT
// The peer list on a phone (390 × 844, touch) with a list longer than the
// screen: the filters fold behind one control, so the first card is on the
// first screen; ticking a card at the bottom of the page keeps the bulk bar
// on screen; every target, row checkboxes included, is 44 px.
//
// env (from tests/t4640-browser-phone-tasks.sh): URL, ADMIN_PASS, SHOT;
// NODE_EXTRA_CA_CERTS.

import { generateKeyPairSync } from "node:crypto";
import { check, failed, launch, guardedPage, adminContext, apiGet, apiCall, URL_ } from "./lib.mjs";

const { SHOT } = process.env;
const pub = () => generateKeyPairSync("x25519").publicKey.export({ format: "der", type: "spki" }).subarray(-32).toString("base64");
const inv = await apiCall("POST", "/admin/invites", { uses: 30 });
for (let i = 0; i < 30; i++) {
  await apiCall("POST", "/register", { name: `phone-${String(i).padStart(2, "0")}`, public_key: pub(),
    endpoint: `192.0.2.${i + 1}:51820`, invite: inv.code }, false);
}
await apiCall("POST", "/register", { name: "waiting-1", public_key: pub(), endpoint: null }, false);

const SCREEN = { width: 390, height: 844 };
const browser = await launch();
let lastPage = null;
try {
  const ctx = await adminContext(browser, { viewport: SCREEN, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  const g = await guardedPage(ctx);
  const { page } = g;
  lastPage = page;
  if ((await apiGet("/admin/links"))[0] === 404) g.expectApi(/^\/admin\/links$/, 404);
  if ((await apiGet("/admin/rules"))[0] === 404) g.expectApi(/^\/admin\/rules$/, 404);
  await page.goto(URL_ + "/");
  await page.locator("body[data-ready]").waitFor();

  // ---- the first card on the first screen; the filters behind one control.
  const first = await page.locator("#peers tbody tr[data-peer]").first().boundingBox();
  check(first.y + 120 <= SCREEN.height, `the first card starts ${Math.round(first.y)} px down: on the first screen (844 px)`);
  check(await page.locator("#peer-search").isVisible(), "search is at hand");
  check(await page.locator("#peer-state").isHidden() && await page.locator("#peer-sort").isHidden(),
    "the filters are folded away");
  await page.locator("#peer-filters summary").tap();
  await page.locator("#peer-state").selectOption("accepted");
  await page.locator("#peer-range", { hasText: /of 30$/ }).waitFor();
  check(/1 on/.test(await page.locator("#peer-filters summary").textContent()), "the control says one filter is on");
  await page.locator("#peer-state").selectOption("");
  await page.locator("#peer-filters summary").tap();

  // ---- every target of the list is 44 px, checkboxes too.
  const small = await page.evaluate(() => [...document.querySelectorAll(
    "#tab-peers button, #tab-peers select, #tab-peers input, #tab-peers summary, nav a")].filter((e) => {
    const r = e.getBoundingClientRect();
    return r.width && r.height && !e.closest("[hidden]") && (r.height < 44 || r.width < 44);
  }).map((e) => `${e.tagName} ${e.getAttribute("aria-label") ?? e.textContent.trim().slice(0, 16)} ${Math.round(e.getBoundingClientRect().height)}`));
  check(small.length === 0, `every target in the list is at least 44 × 44 px (${small.slice(0, 5).join("; ")})`);

  // ---- tick the last card: the bulk bar is on screen.
  const last = page.locator("#peers tbody tr[data-peer]").last();
  await last.scrollIntoViewIfNeeded();
  await last.locator('input[type="checkbox"]').tap();
  await page.locator("#bulk:not([hidden])").waitFor();
  const bar = await page.locator("#bulk").boundingBox();
  const cb = await last.locator('input[type="checkbox"]').boundingBox();
  check(cb.y >= 0 && cb.y + cb.height <= SCREEN.height, "the ticked box is on screen");
  check(bar.y >= 0 && bar.y + Math.min(bar.height, 60) <= SCREEN.height,
    `the bulk bar is on screen after ticking a card at the bottom (top at ${Math.round(bar.y)} px)`);
  check(bar.height <= 200, `the bar takes little of the screen (${Math.round(bar.height)} px)`);
  check(await page.locator("#bulk-count").textContent() === "1 selected", "it counts the ticked card");
  const [sw, iw] = await page.evaluate(() => [document.scrollingElement.scrollWidth, innerWidth]);
  check(sw <= SCREEN.width, `nothing wider than the screen (${sw} <= ${SCREEN.width}, innerWidth ${iw})`);
  if (SHOT) await page.screenshot({ path: SHOT });
  check(g.problems().length === 0, `no console or script errors (${g.problems().join("; ")})`);
} catch (e) {
  check(false, `the walk went through (${e.message.split("\n")[0]})`);
  console.log(`# ${e.stack}`);
  if (SHOT) await lastPage?.screenshot({ path: SHOT.replace(/\.png$/, "-failed.png"), fullPage: true }).catch(() => {});
} finally {
  await browser.close();
}
process.exit(failed() ? 1 : 0);
