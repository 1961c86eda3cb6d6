// SPDX-License-Identifier: MIT
// The mesh graph on a phone (390 × 844, touch), measured against the 390 px
// screen as phone.mjs does: each node's target (its .target) is at least
// 44 × 44 CSS px, no two targets overlap, the point at a target's centre
// belongs to its node, and nothing reaches past the screen but inside the
// graph's own box (which scrolls sideways). The whole mesh (20 peers, some
// paired), then 70 peers grouped by tag, then one group opened; a tap on a
// peer opens its pairs.
//
// env (from tests/t4685-browser-phone-graph.sh): URL, ADMIN_PASS, SHOT;
// NODE_EXTRA_CA_CERTS.

import { generateKeyPairSync } from "node:crypto";
import { check, failed, launch, guardedPage, adminContext, apiGet, apiCall, URL_ } from "./lib.mjs";

const { SHOT } = process.env;
const W = 390;
const pub = () => generateKeyPairSync("x25519").publicKey.export({ format: "der", type: "spki" }).subarray(-32).toString("base64");
const inv = await apiCall("POST", "/admin/invites", { uses: 100 });
const ids = [];
const reg = async (name, i, tags) => {
  const p = await apiCall("POST", "/register", { name, public_key: pub(), endpoint: `192.0.2.${i + 1}:51820`, invite: inv.code }, false);
  if (tags) await apiCall("PATCH", `/admin/peers/${p.id}`, { tags });
  ids.push(p.id);
  return p.id;
};
for (let i = 0; i < 20; i++) await reg(`phone-host-${String(i).padStart(2, "0")}`, i);
for (let i = 1; i < 20; i += 2) await apiCall("PUT", `/admin/pairs/${ids[0]}/${ids[i]}`);

// Every node's target in the view: its size, overlaps, and whether a tap
// at its centre lands on it (scrolled into view first).
const measure = (page) => page.evaluate(async () => {
  const nodes = [...document.querySelectorAll("#graph-svg .node")];
  const out = { n: nodes.length, small: [], missing: [], miss: [], overlap: [] };
  for (const node of nodes) {
    const name = node.getAttribute("aria-label");
    const t = node.querySelector("rect.target");
    if (!t) {
      out.missing.push(name);
      continue;
    }
    t.scrollIntoView({ block: "center", inline: "center" });
    await new Promise((r) => requestAnimationFrame(r));
    const r = t.getBoundingClientRect();
    if (r.width < 44 || r.height < 44) out.small.push(`${name}: ${r.width.toFixed(2)}×${r.height.toFixed(2)}`);
    const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
    if (hit?.closest(".node") !== node) out.miss.push(`${name} (hit ${hit?.tagName})`);
  }
  // Overlap measured in the picture's own units, scaled as drawn.
  const rects = nodes.map((node) => {
    const t = node.querySelector("rect.target");
    return t && { name: node.getAttribute("aria-label"), x: +t.getAttribute("x"), y: +t.getAttribute("y"),
      w: +t.getAttribute("width"), h: +t.getAttribute("height") };
  }).filter(Boolean);
  for (let i = 0; i < rects.length; i++) for (let j = i + 1; j < rects.length; j++) {
    const a = rects[i], b = rects[j];
    if (a.x < b.x + b.w - 0.5 && b.x < a.x + a.w - 0.5 && a.y < b.y + b.h - 0.5 && b.y < a.y + a.h - 0.5) out.overlap.push(`${a.name} / ${b.name}`);
  }
  window.scrollTo(0, 0);
  return out;
});

const browser = await launch();
let lastPage = null;
try {
  const ctx = await adminContext(browser, { viewport: { width: W, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  const g = await guardedPage(ctx);
  let { page } = g;
  lastPage = page;
  if ((await apiGet("/admin/links"))[0] === 404) g.expectApi(/^\/admin\/links$/, 404);
  await page.goto(URL_ + "/#graph");
  await page.locator("body[data-ready]").waitFor();
  await page.locator("body[data-links]").waitFor({ state: "attached" });
  check(await page.evaluate(() => screen.width) === W, `the screen is ${W} px wide`);

  // Nothing past the screen's edges but inside a box that scrolls or clips
  // sideways (the box itself is measured), as phone.mjs checks it.
  const fits = async (what) => {
    const bad = await page.evaluate((W) => {
      const clipped = (e) => {
        for (let a = e.parentElement; a && a !== document.body; a = a.parentElement)
          if (getComputedStyle(a).overflowX !== "visible") return true;
        return false;
      };
      return [...document.querySelectorAll("body *")].filter((e) => {
        const r = e.getBoundingClientRect();
        return r.width && r.height && !clipped(e) && (r.right + scrollX > W + 0.5 || r.left + scrollX < -0.5);
      }).map((e) => `${e.tagName.toLowerCase()}${e.id ? "#" + e.id : ""}`).concat(
        document.scrollingElement.scrollWidth > W ? [`page ${document.scrollingElement.scrollWidth} px wide`] : []);
    }, W);
    check(bad.length === 0, `${what}: nothing wider than the ${W} px screen (${bad.slice(0, 5).join(", ")})`);
  };
  const targets = async (what, least) => {
    const m = await measure(page);
    check(m.n >= least && m.missing.length === 0, `${what}: ${m.n} nodes, each with a target (${m.missing.slice(0, 3).join("; ")})`);
    check(m.small.length === 0, `${what}: every target is at least 44 × 44 px (${m.small.slice(0, 4).join("; ")})`);
    check(m.overlap.length === 0, `${what}: no two targets overlap (${m.overlap.slice(0, 3).join("; ")})`);
    check(m.miss.length === 0, `${what}: a tap at a target's centre lands on its node (${m.miss.slice(0, 3).join("; ")})`);
  };

  await page.locator("#graph-svg .node").first().waitFor();
  await targets("the whole mesh", 20);
  await fits("the whole mesh");
  if (SHOT) await page.screenshot({ path: SHOT, fullPage: true });

  // ---- a tap on a peer's target opens its pairs.
  const t = page.locator(`#graph-svg .node[data-peer="${ids[0]}"] rect.target`);
  await t.scrollIntoViewIfNeeded();
  await t.tap();
  await page.waitForURL(/#pairs/);
  check(new URL(page.url()).hash.includes(ids[0]), "a tap on phone-host-00 opens its pairs");

  // ---- 70 peers: grouped; one group opened. In a page of its own: a
  // reload could abort the icon the browser fetches again on navigation.
  check(g.problems().length === 0, `no console or script errors (${g.problems().join("; ")})`);
  for (let i = 20; i < 70; i++) await reg(`phone-more-${String(i).padStart(2, "0")}`, i, [`team-${i % 5}`]);
  const g2 = await guardedPage(ctx);
  page = g2.page;
  lastPage = page;
  await page.goto(URL_ + "/#graph");
  await page.locator("body[data-ready]").waitFor();
  await page.locator("body[data-links]").waitFor({ state: "attached" });
  await page.locator("#graph-svg .node.group").first().waitFor();
  await targets("the groups", 5);
  await fits("the groups");
  await page.locator('#graph-svg .node.group[data-group="team-1"] rect.target').tap();
  await page.locator("#graph-back:not([hidden])").waitFor();
  await targets("the group team-1 opened", 10);
  await fits("the group team-1 opened");
  check(g2.problems().length === 0, `no console or script errors (${g2.problems().join("; ")})`);
} catch (e) {
  check(false, `the walk went through (${e.message.split("\n")[0]})`);
  console.log(`# ${e.stack}`);
  if (SHOT) await lastPage?.screenshot({ path: SHOT.replace(/\.png$/, "-failed.png"), fullPage: true }).catch(() => {});
} finally {
  await browser.close();
}
process.exit(failed() ? 1 : 0);
