// SPDX-License-Identifier: MIT
// Relayed pairs in the mesh graph: relay-r (an endpoint, may relay), nat-a
// and nat-b (behind NAT, paired), and a few direct peers, all through the
// API. GET /admin/links says the pair nat-a – nat-b is relayed via relay-r;
// the graph draws it as a path through relay-r's node (not a straight line
// between the two, not the red "no path" of two NAT peers), relay-r is
// ringed. With 60 more peers the graph is grouped: the group holding the
// three counts one relayed pair, and opened it draws the pair through
// relay-r's row.
//
// env (from tests/t4680-browser-relay-graph.sh): URL, ADMIN_PASS, SHOT;
// NODE_EXTRA_CA_CERTS.

import { generateKeyPairSync } from "node:crypto";
import { axeCheck, check, failed, launch, guardedPage, adminContext, apiGet, apiCall, URL_ } from "./lib.mjs";

const { SHOT } = process.env;

const pub = () => generateKeyPairSync("x25519").publicKey.export({ format: "der", type: "spki" }).subarray(-32).toString("base64");
const inv = await apiCall("POST", "/admin/invites", { uses: 100 });
const reg = async (name, endpoint, tags) => {
  const p = await apiCall("POST", "/register", { name, public_key: pub(), endpoint, invite: inv.code }, false);
  if (tags) await apiCall("PATCH", `/admin/peers/${p.id}`, { tags });
  return p.id;
};
const R = await reg("relay-r", "203.0.113.5:51820");
const A = await reg("nat-a", null);
const B = await reg("nat-b", null);
const D = await reg("direct-d", "203.0.113.6:51820");
await apiCall("PUT", `/admin/pairs/${A}/${B}`);
await apiCall("PUT", `/admin/pairs/${A}/${D}`);
await apiCall("PATCH", `/admin/peers/${R}`, { relay: true });
const key = A < B ? `${A}|${B}` : `${B}|${A}`;
const links = (await apiGet("/admin/links"))[1].links;
const ab = links.find((l) => [l.a.id, l.b.id].sort().join("|") === key);
check(ab?.path === "relayed" && ab.via?.id === R, `the API reports nat-a – nat-b relayed via relay-r (${ab?.path}, ${ab?.via?.name})`);

// How far the pair's drawing passes from relay-r's dot, and from its ends.
const geometry = (page, pair, via, ends) => page.evaluate(([pair, via, ends]) => {
  const e = document.querySelector(`#graph-svg .edge[data-pair="${pair}"]`);
  if (!e) return null;
  const centre = (id) => {
    const c = document.querySelector(`#graph-svg .node[data-peer="${id}"] circle:not(.relay-ring)`);
    return [Number(c.getAttribute("cx")), Number(c.getAttribute("cy"))];
  };
  const pts = [];
  if (e.getTotalLength) {
    const n = e.getTotalLength();
    for (let i = 0; i <= 400; i++) {
      const p = e.getPointAtLength((n * i) / 400);
      pts.push([p.x, p.y]);
    }
  }
  const near = ([x, y]) => Math.min(...pts.map((p) => Math.hypot(p[0] - x, p[1] - y)));
  return { tag: e.tagName, cls: e.getAttribute("class"), via: e.dataset.via ?? null, title: e.textContent,
    toRelay: near(centre(via)), start: Math.hypot(pts[0][0] - centre(ends[0])[0], pts[0][1] - centre(ends[0])[1]),
    end: Math.hypot(pts.at(-1)[0] - centre(ends[1])[0], pts.at(-1)[1] - centre(ends[1])[1]) };
}, [pair, via, ends]);

const browser = await launch();
let lastPage = null;
try {
  const ctx = await adminContext(browser, { viewport: { width: 1440, height: 900 }, bypassCSP: true });
  let g = await guardedPage(ctx);
  let { page } = g;
  lastPage = page;
  await page.goto(URL_ + "/#graph");
  await page.locator("body[data-ready]").waitFor();
  await page.locator("body[data-links]").waitFor({ state: "attached" });
  await page.locator(`#graph-svg .edge.relayed[data-pair="${key}"]`).waitFor();

  // ---- the whole mesh: the pair through relay-r.
  const ends = A < B ? [A, B] : [B, A];
  let geo = await geometry(page, key, R, ends);
  check(geo && /\brelayed\b/.test(geo.cls) && !/\bnat\b/.test(geo.cls) && geo.via === R,
    `nat-a – nat-b is drawn as a relayed pair via relay-r (${geo?.tag}.${geo?.cls}, via ${geo?.via})`);
  check(geo && geo.toRelay < 1, `its drawing passes through relay-r's dot (${geo?.toRelay.toFixed(2)} units from its centre)`);
  check(geo && geo.start < 1 && geo.end < 1, "and runs from one end's dot to the other's");
  check(geo && /relayed via relay-r/.test(geo.title), `its title says so ("${geo?.title}")`);
  const relayNode = page.locator(`#graph-svg .node.relay[data-peer="${R}"]`);
  check(await relayNode.count() === 1 && await relayNode.locator("circle.relay-ring").count() === 1,
    "relay-r is marked as a relay (ringed)");
  check(/relay/.test(await relayNode.getAttribute("aria-label")), "and says so to a screen reader");
  check(await page.locator("#graph-svg .node.relay").count() === 1, "no other peer is marked as a relay");
  const direct = A < D ? `${A}|${D}` : `${D}|${A}`;
  check(await page.locator(`#graph-svg line.edge[data-pair="${direct}"]:not(.relayed)`).count() === 1,
    "a direct pair stays a straight line");
  check(/1 of them relayed/.test(await page.locator("#graph-caption").textContent()), "the caption counts the relayed pair");
  if (SHOT) await page.screenshot({ path: SHOT, fullPage: true });
  await axeCheck(page, "the graph with a relay");

  // ---- nat-a's pairs: nat-b is relayed via relay-r, not "both behind NAT".
  await page.locator(`#graph-svg .node[data-peer="${A}"] rect.target`).click();
  const partner = page.locator(`#partners li[data-partner="${B}"]`);
  await partner.waitFor();
  check(await partner.locator(".badge", { hasText: "relayed via relay-r" }).count() === 1 &&
    await partner.locator(".badge.warn", { hasText: "both behind NAT" }).count() === 0,
  `nat-a's pairs say nat-b is relayed via relay-r, with no "no path" warning (${(await partner.textContent()).trim()})`);

  // ---- 60 more peers: the graph is grouped; the group "site" holds the three.
  for (const id of [R, A, B, D]) await apiCall("PATCH", `/admin/peers/${id}`, { tags: ["site"] });
  for (let i = 0; i < 60; i++) await reg(`filler-${String(i).padStart(2, "0")}`, `198.51.100.${i + 1}:51820`, ["filler"]);
  // A page of its own: a reload could abort the icon the browser fetches.
  check(g.problems().length === 0, `no console or script errors (${g.problems().join("; ")})`);
  g = await guardedPage(ctx);
  page = g.page;
  lastPage = page;
  await page.goto(URL_ + "/#graph");
  await page.locator("body[data-ready]").waitFor();
  await page.locator("body[data-links]").waitFor({ state: "attached" });
  const site = page.locator('#graph-svg .node.group[data-group="site"]');
  await site.waitFor();
  check(await site.getAttribute("data-relayed") === "1", `the group "site" counts its relayed pair (${await site.getAttribute("data-relayed")})`);
  check(/1 relayed/.test(await site.getAttribute("aria-label")) && /\(1 relay\)/.test(await site.getAttribute("aria-label")),
    `and says it holds a relay and a relayed pair ("${await site.getAttribute("aria-label")}")`);
  check(/\(1 relayed\)/.test(await page.locator("#graph-caption").textContent()), "the grouped caption counts it");
  await site.click();
  await page.locator("#graph-back:not([hidden])").waitFor();
  geo = await geometry(page, key, R, ends);
  check(geo && /\brelayed\b/.test(geo.cls) && geo.via === R && geo.toRelay < 1,
    `the group opened draws the pair through relay-r's row (${geo?.cls}, ${geo?.toRelay.toFixed(2)} units)`);
  check(/inside \(arcs, 1 relayed\)/.test(await page.locator("#graph-caption").textContent()), "its caption counts the relayed pair");
  check(g.problems().length === 0, `no console or script errors (${g.problems().join("; ")})`);
} catch (e) {
  check(false, `the walk went through (${e.message.split("\n")[0]})`);
  console.log(`# ${e.stack}`);
  if (SHOT) await lastPage?.screenshot({ path: SHOT.replace(/\.png$/, "-failed.png"), fullPage: true }).catch(() => {});
} finally {
  await browser.close();
}
process.exit(failed() ? 1 : 0);
