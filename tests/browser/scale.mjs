// SPDX-License-Identifier: MIT
// The admin page past the size where a matrix works: 90 accepted peers and
// 60 waiting ones, more than the server's page of 100, which the page
// reads by following next_cursor. Pages of 50 rows with the page in the URL, "select all
// matching" and bulk accept / delete, the per-peer pair picker with search
// (no matrix), the grouped mesh graph. Seeds through the API; checks there.
//
// env (from tests/t4200-browser-scale.sh): URL, ADMIN_PASS, SHOT;
// NODE_EXTRA_CA_CERTS.

import { generateKeyPairSync } from "node:crypto";
import { check, failed, launch, guardedPage, adminContext, apiGet, apiAll, apiCall, URL_ } from "./lib.mjs";

const { SHOT } = process.env;
const pub = () => generateKeyPairSync("x25519").publicKey.export({ format: "der", type: "spki" }).subarray(-32).toString("base64");
const pad = (i) => String(i).padStart(2, "0");

// The 60 waiting hosts all register from 127.0.0.1: one network's share of
// the pending queue (pending_max_per_prefix, 32 by default) is lifted.
await apiCall("PUT", "/admin/network", { pending_max_per_prefix: 100 });
const inv = await apiCall("POST", "/admin/invites", { uses: 90 });
const hosts = [];
for (let i = 0; i < 90; i++) {
  hosts.push((await apiCall("POST", "/register", { name: `host-${pad(i)}`, public_key: pub(),
    endpoint: i % 10 === 9 ? null : `192.0.2.${i + 1}:51820`, invite: inv.code }, false)).id);
}
const waiting = [];
for (let i = 0; i < 60; i++) {
  waiting.push((await apiCall("POST", "/register", { name: `wait-${pad(i)}`, public_key: pub(), endpoint: null }, false)).id);
}
// host-00 is a hub paired with 30 others.
for (let i = 1; i <= 30; i++) await apiCall("PUT", `/admin/pairs/${hosts[0]}/${hosts[i]}`);

const browser = await launch();
let lastPage = null;
try {
  const ctx = await adminContext(browser, { viewport: { width: 1280, height: 900 } });
  const g = await guardedPage(ctx);
  const { page } = g;
  lastPage = page;
  page.on("dialog", (d) => d.accept());
  // nginx's limit on admin requests: a bulk action may be told to wait.
  g.expectApi(/\/accept$|^\/admin\/peers\/[0-9a-f]+$/, 429);
  const peerReads = [];
  page.on("request", (r) => {
    const u = new URL(r.url());
    if (u.pathname === "/api/v1/admin/peers") peerReads.push(u.search);
  });
  await page.goto(URL_ + "/");
  await page.locator("body[data-ready]").waitFor();
  const rows = page.locator("#peers tbody tr[data-peer]");

  // The server sends 100 peers a page: the page follows next_cursor.
  const [, first] = await apiGet("/admin/peers");
  check(first.peers.length < 150 && typeof first.next_cursor === "string",
    `the server pages the list (${first.peers.length} peers, then a cursor)`);
  check(peerReads.length === 2 && peerReads[0] === "" && /^\?limit=1000&cursor=[^&]+$/.test(peerReads[1]),
    `the page read the list in 2 pages, the second by next_cursor and as large as the server gives (${peerReads.join(" ")})`);

  // Pages of 50.
  check(await rows.count() === 50, "the list shows 50 rows, not 150");
  check(await page.locator("#peer-range").textContent() === "1–50 of 150", "the range says 1–50 of 150");
  await page.locator("#peer-next").click();
  await page.locator("#peer-range", { hasText: "51–100" }).waitFor();
  check(/page=2/.test(page.url()), "the page is in the URL");
  await page.reload();
  await page.locator("body[data-ready]").waitFor();
  check(await page.locator("#peer-range").textContent() === "51–100 of 150", "a reload stays on page 2");

  // Select every waiting peer through a search, accept them in one go.
  await page.locator("#peer-search").fill("wait-");
  await page.locator("#peer-range", { hasText: "of 60" }).waitFor();
  await page.locator("#select-all").click();
  check(await page.locator("#bulk-count").textContent() === "60 selected", "select all matching takes all 60, not one page");
  // Another admin client on the same address fills nginx's bucket for
  // admin requests (20 a second after a burst of 100) just before the bulk
  // accept: it runs into the limit and must wait until the bucket drains.
  let busy = true;
  const seen = [];
  const other = (async () => {
    while (busy) {
      apiGet("/admin/network").then(([st]) => seen.push(st));
      await new Promise((r) => setTimeout(r, 33));
    }
  })();
  await new Promise((r) => setTimeout(r, 1500));
  await Promise.all(Array.from({ length: 200 }, () => apiGet("/admin/network").then(([st]) => seen.push(st))));
  busy = false;
  await other;
  await page.locator("#bulk-accept").click();
  await page.locator("#bulk-msg.ok, #bulk-msg.error").waitFor({ timeout: 120000 });
  check(seen.includes(429), "the admin limit was reached meanwhile");
  check(/Accepted: 60 done\./.test(await page.locator("#bulk-msg").textContent()),
    `bulk accept reports 60 done (${await page.locator("#bulk-msg").textContent()})`);
  await new Promise((r) => setTimeout(r, 5000)); // the bucket drains for the checks below
  const peers = await apiAll("/admin/peers", "peers");
  check(peers.filter((p) => p.state === "accepted").length === 150, "the API has all 150 accepted");
  const waited = g.apiErrors.filter((e) => e.startsWith("429")).length;
  check(waited > 0, `the bulk accept was told to wait ${waited} times and still accepted all 60`);
  check(await page.locator("#peers tbody tr.accepted").count() === 50, "the rows turned accepted in place");
  await page.locator("#bulk-clear").click();

  // Bulk delete three.
  await page.locator("#peer-search").fill("wait-5");
  await page.locator("#peer-range", { hasText: "of 10" }).waitFor();
  for (const i of [57, 58, 59]) await page.locator(`#peers tr[data-peer="${waiting[i]}"] input[aria-label^="select"]`).check();
  check(await page.locator("#bulk-count").textContent() === "3 selected", "three picked by hand");
  await page.locator("#bulk-delete").click();
  await page.locator("#bulk-msg", { hasText: "Deleted: 3 done" }).waitFor();
  check((await Promise.all([57, 58, 59].map(async (i) => (await apiGet(`/admin/peers/${waiting[i]}`))[0]))).every((s) => s === 404),
    "the three are gone from the API");
  check(await page.locator("#peers tr[data-gone]").count() === 3, "each deleted row says so in its place");

  // Pairs: no matrix at 147 peers, the picker instead.
  await page.getByRole("link", { name: "Pairs" }).click();
  await page.locator("#pick-search").waitFor();
  check(await page.locator("#matrix-box").isHidden() && await page.locator("#matrix input").count() === 0,
    "no matrix beyond a few dozen peers");
  await page.locator("#pick-search").fill("host-00");
  await page.locator("#pick-results button", { hasText: "host-00" }).first().click();
  await page.locator("#partner-title", { hasText: "host-00" }).waitFor();
  check(/30 pairs/.test(await page.locator("#partner-count").textContent()), "the hub's 30 pairs are counted");
  check(await page.locator("#partners li").count() === 50, "the partner list is paged (50 of 146)");
  await page.locator("#partner-filter").selectOption("paired");
  await page.waitForFunction(() => document.querySelectorAll("#partners li").length === 30);
  check(await page.locator("#partners input:checked").count() === 30, "filter 'paired' shows the 30 ticked");
  await page.locator("#partner-filter").selectOption("");
  await page.locator("#partner-search").fill("host-77");
  await page.waitForFunction(() => document.querySelectorAll("#partners li").length === 1);
  await page.locator("#partners").getByRole("checkbox", { name: "pair host-00 with host-77" }).check();
  await page.locator("#partners .msg.ok").waitFor();
  check((await apiGet(`/admin/peers/${hosts[0]}`))[1].pairs.includes(hosts[77]), "the picker paired host-00 with host-77");
  check(/31 pairs/.test(await page.locator("#partner-count").textContent()), "the count follows in place");

  // The graph, grouped.
  await page.getByRole("link", { name: "Mesh graph" }).click();
  await page.locator("#graph-svg .node.group").first().waitFor();
  const groups = await page.locator("#graph-svg .node.group").count();
  check(groups > 1 && groups <= 30, `147 peers are drawn as ${groups} groups`);
  check(await page.locator("#graph-svg line.edge.group").count() > 0, "lines join groups that have pairs between them");
  await page.locator("#graph-svg .node.group").first().click();
  await page.locator("#graph-svg .node:not(.group)").first().waitFor();
  const inGroup = await page.locator("#graph-svg .node:not(.group)").count();
  check(inGroup > 1 && inGroup <= 60, `a group opens into its ${inGroup} peers`);
  check(/group=/.test(page.url()), "the open group is in the URL");
  await page.locator("#graph-back").click();
  await page.locator("#graph-svg .node.group").first().waitFor();

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
