// SPDX-License-Identifier: MIT
// Link status on the admin page: what the hosts reported (PUT /peer/links)
// shows on the peer rows, filters the list, marks the pairs in the picker
// and colours the mesh graph.
//
// env (from tests/t4300-browser-links.sh): URL, ADMIN_PASS, L1, L2, L3
// (L1–L2 up, L2–L3 stale, L1–L3 never), SHOT; NODE_EXTRA_CA_CERTS.

import { check, failed, launch, guardedPage, adminContext, apiGet, URL_ } from "./lib.mjs";

const { L1, L2, L3, SHOT } = process.env;
const browser = await launch();
let lastPage = null;
try {
  const ctx = await adminContext(browser, { viewport: { width: 1280, height: 900 } });
  const g = await guardedPage(ctx);
  const { page } = g;
  lastPage = page;
  await page.goto(URL_ + "/");
  await page.locator("body[data-ready]").waitFor();
  // Link status comes after the first screen (a worker reads it).
  await page.locator('body[data-links="1"]').waitFor();
  const row = (id) => page.locator(`#peers tr[data-peer="${id}"]`);

  const cell = await row(L1).locator("td").nth(6).textContent();
  check(/1 up/.test(cell) && /1 never/.test(cell), `L1's pairs: one link up, one never (${cell})`);
  check(/1 stale/.test(await row(L3).locator("td").nth(6).textContent()), "L3 has a stale link");
  await page.locator("#peer-link").selectOption("stale");
  await page.waitForFunction(() => document.querySelectorAll("#peers tbody tr[data-peer]").length === 2);
  check(await row(L2).count() === 1 && await row(L3).count() === 1, "the link filter finds the two sides of the stale link");
  check(/link=stale/.test(page.url()), "the link filter is in the URL");

  await page.goto(`${URL_}/#pairs?peer=${L1}`);
  await page.locator('body[data-links="1"]').waitFor();
  await page.locator("#partners li .badge").first().waitFor();
  check(await page.locator(`#partners li[data-partner="${L2}"] .badge.link-up`).count() === 1, "the picker marks L1–L2 up");
  check(await page.locator(`#partners li[data-partner="${L3}"] .badge.link-never`).count() === 1, "and L1–L3 never");
  check(/handshake .* ago|just now/.test(await page.locator(`#partners li[data-partner="${L2}"] .badge.link-up`).getAttribute("title")),
    "the badge tells when the last handshake was");

  await page.getByRole("link", { name: "Mesh graph" }).click();
  await page.locator("#graph-svg line.edge").first().waitFor({ state: "attached" }); // a level line has no height: "hidden" to Playwright
  check(await page.locator("#graph-svg line.edge.link-up").count() === 1 &&
    await page.locator("#graph-svg line.edge.link-stale").count() === 1 &&
    await page.locator("#graph-svg line.edge.link-never").count() === 1, "the graph colours each pair by its link");
  const up = await page.locator("#graph-svg line.edge.link-up").evaluate((e) => getComputedStyle(e).stroke);
  const stale = await page.locator("#graph-svg line.edge.link-stale").evaluate((e) => getComputedStyle(e).stroke);
  check(up !== stale, `up and stale are drawn in different colours (${up}, ${stale})`);
  check(await page.locator("#graph-legend-links").isVisible(), "the legend explains the colours");
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
