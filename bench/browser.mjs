// SPDX-License-Identifier: MIT
// The admin page at scale, measured in Debian's Chromium (see
// bench/browser.sh): seeds PEERS accepted peers, each paired with the next
// PAIRS (PEERS × PAIRS pairs in all), plus waiting ones, through the real
// API; then measures
//   - page ready: navigation start to the first page of the list drawn,
//   - each action from the server's answer to the next frame after the page
//     showed it (the page's own "wgconf:" performance measures),
//   - the longest main-thread task (PerformanceObserver "longtask"),
// and writes them under "## Browser" in OUT (docs/benchmarks.md).
//
// env: URL, ADMIN_PASS, OUT; BENCH_UI_PEERS (1000), BENCH_UI_PAIRS (20 per
// peer), BENCH_UI_PENDING (30); NODE_EXTRA_CA_CERTS for node's fetch.

import { chromium } from "playwright-core";
import { generateKeyPairSync } from "node:crypto";
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { cpus, totalmem } from "node:os";

const { URL, ADMIN_PASS, OUT } = process.env;
const PEERS = Number(process.env.BENCH_UI_PEERS ?? 1000);
const PER = Number(process.env.BENCH_UI_PAIRS ?? 20);
const PENDING = Number(process.env.BENCH_UI_PENDING ?? 30);
const AUTH = "Basic " + Buffer.from(`admin:${ADMIN_PASS}`).toString("base64");

async function api(method, path, body, admin = true) {
  const r = await fetch(`${URL}/api/v1${path}`, {
    method,
    headers: { ...(admin ? { Authorization: AUTH } : {}), "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (r.status >= 400) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
  return r.status === 204 ? null : r.json();
}

async function pool(items, n, fn) {
  let i = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (i < items.length) await fn(items[i++]);
  }));
}

function pubkey() {
  const { publicKey } = generateKeyPairSync("x25519");
  return publicKey.export({ format: "der", type: "spki" }).subarray(-32).toString("base64");
}

// ------------------------------------------------------------------ seed
// BENCH_UI_SEEDED=1: the server already holds this mesh (a second run
// against the same stack); the ids are read back by name.
let ids = new Array(PEERS);
const pairs = [];
for (let i = 0; i < PEERS; i++) for (let j = 1; j <= PER; j++) pairs.push([i, (i + j) % PEERS]);
let seedS = 0, pairRate = 0;
if (process.env.BENCH_UI_SEEDED) {
  const { peers } = await api("GET", "/admin/peers");
  const byName = new Map(peers.map((p) => [p.name.replace(/-r\d+$/, ""), p.id]));
  ids = ids.fill(null).map((_, i) => byName.get(`host-${String(i).padStart(4, "0")}`));
  await pool(peers.filter((p) => p.state === "accepted" && p.name.startsWith("waiting-")), 8,
    (p) => api("DELETE", `/admin/peers/${p.id}`));
  await pool([...Array(PENDING).keys()], 8, (i) => api("POST", "/register", { name: `waiting-${String(i).padStart(3, "0")}-${Date.now() % 100000}`,
    public_key: pubkey(), endpoint: `203.0.113.${i + 1}:51820` }, false));
} else {
  const t0 = Date.now();
  // A /24 holds 254 hosts: a pool for the mesh size.
  await api("PUT", "/admin/network", { ipv4_pool: "10.77.0.0/16" });
  const inv = await api("POST", "/admin/invites", { uses: PEERS, expires_in: 86400 });
  await pool([...Array(PEERS).keys()], 8, async (i) => {
    const nat = i % 7 === 3;
    const r = await api("POST", "/register", { name: `host-${String(i).padStart(4, "0")}`, public_key: pubkey(),
      endpoint: nat ? null : `198.51.${(i >> 8) & 255}.${i & 255}:51820`, invite: inv.code }, false);
    ids[i] = r.id;
  });
  const pending = [];
  await pool([...Array(PENDING).keys()], 8, async (i) => {
    const r = await api("POST", "/register", { name: `waiting-${String(i).padStart(3, "0")}`, public_key: pubkey(),
      endpoint: `203.0.113.${i + 1}:51820` }, false);
    pending.push(r.id);
  });
  const tp = Date.now();
  await pool(pairs, 8, ([a, b]) => api("PUT", `/admin/pairs/${ids[a]}/${ids[b]}`));
  seedS = (Date.now() - t0) / 1000;
  pairRate = pairs.length / ((Date.now() - tp) / 1000);
  console.log(`bench-ui: seeded ${PEERS} peers, ${pairs.length} pairs, ${PENDING} waiting in ${seedS.toFixed(1)} s` +
    ` (${pairRate.toFixed(0)} pairs/s through the API)`);

}

// ----------------------------------------------------------------- browse
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const ctx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 },
  httpCredentials: { username: "admin", password: ADMIN_PASS } });
await ctx.addInitScript(() => {
  window.__long = [];
  try {
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) window.__long.push([Math.round(e.duration), Math.round(e.startTime)]);
    }).observe({ type: "longtask", buffered: true });
  } catch {
    // no longtask support: no figure
  }
});
const page = await ctx.newPage();
page.on("dialog", (d) => d.accept());
const errors = [];
page.on("pageerror", (e) => errors.push(String(e)));

const worst = (xs) => (xs.length ? Math.max(...xs.map((x) => x[0])) : 0);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const readies = [];
const fetches = [];
const linksAt = [];
let linksBytes = 0;
let bytes = 0;
page.on("response", async (r) => {
  if (r.url().endsWith("/admin/links")) linksBytes = Math.max(linksBytes, (await r.body().catch(() => "")).length);
  if (r.url().includes("/admin/peers")) bytes = Math.max(bytes, Number(r.headers()["content-length"] ?? 0) || (await r.body().catch(() => "")).length);
});
// What one load moves, every request until the link badges show (the
// worker's read of the links included): over the wire and decoded.
let wire = 0, decoded = 0, counting = true;
page.on("requestfinished", async (req) => {
  if (!counting) return;
  const sz = await req.sizes().catch(() => null);
  const body = await (await req.response())?.body().catch(() => null);
  if (sz) wire += sz.responseBodySize + sz.responseHeadersSize;
  if (body) decoded += body.length;
});
for (let k = 0; k < 3; k++) {
  await page.goto(`${URL}/#peers`);
  await page.locator("body[data-ready]").waitFor({ timeout: 60000 });
  readies.push(await page.evaluate(() => performance.getEntriesByName("wgconf-ready")[0].startTime));
  await page.locator("body[data-links]").waitFor({ timeout: 60000 });
  counting = false;
  linksAt.push(await page.evaluate(() => performance.getEntriesByName("wgconf-links")[0]?.startTime ?? 0));
  fetches.push(await page.evaluate(() => {
    const r = performance.getEntriesByType("resource").find((e) => /\/admin\/peers/.test(e.name));
    return r ? [r.startTime, r.responseStart - r.startTime, r.responseEnd - r.responseStart] : [0, 0, 0];
  }));
}
const rows = [];
const long = async () => page.evaluate(() => window.__long.splice(0));
const longReady = await long();
const mid = readies.indexOf(median(readies));
const [fStart, fWait, fBody] = fetches[mid];
rows.push(["page ready (navigation start to the first page of the list; median of 3)", `${median(readies).toFixed(0)} ms`,
  `${worst(longReady)} ms`]);
rows.push(["… of which the page's request for the peer list started at", `${fStart.toFixed(0)} ms`, ""]);
rows.push(["… the server's time to the first byte of \`GET /admin/peers\`", `${fWait.toFixed(0)} ms`, ""]);
rows.push(["… its body (download)", `${fBody.toFixed(0)} ms`, ""]);
rows.push(["… the page's own work after the list arrived", `${(median(readies) - fStart - fWait - fBody).toFixed(0)} ms`, ""]);
rows.push([`bytes of one load, every request until the link badges (before issue 20: 5.6 MB, none compressed)`,
  `${(wire / 2 ** 20).toFixed(2)} MiB over the wire, ${(decoded / 2 ** 20).toFixed(2)} MiB decoded`, ""]);
if (median(linksAt)) rows.push([`link status shown (a worker reads \`GET /admin/links\`, ${(linksBytes / 2 ** 20).toFixed(1)} MiB, after the first screen)`,
  `${median(linksAt).toFixed(0)} ms`, ""]);

// An action: do(), then wait for the page's own measure of it.
async function measured(name, what, act) {
  await page.evaluate(() => performance.clearMeasures());
  await act();
  const h = await page.waitForFunction((n) => performance.getEntriesByName(`wgconf:${n}`).slice(-1)[0]?.duration, name, { timeout: 120000 })
    .catch(async (e) => {
      console.log(`bench-ui: ${name} not measured; the page shows: ${await page.locator("main").innerText()}`.slice(0, 3000));
      throw e;
    });
  rows.push([what, `${(await h.jsonValue()).toFixed(0)} ms`, `${worst(await long())} ms`]);
}
// A purely local step (search, open a view): from the input to the next frame.
async function local(what, act, until, arg = null) {
  const t = await page.evaluate(() => performance.now());
  await act();
  await page.waitForFunction(until, arg, { timeout: 60000 });
  const t2 = await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(() => r(performance.now()), 0))));
  rows.push([what, `${(t2 - t).toFixed(0)} ms`, `${worst(await long())} ms`]);
}

const nm = (i) => `host-${String(i % PEERS).padStart(4, "0")}`;
const at = (i) => ids[i % PEERS];
await local(`search '${nm(421)}' over ${PEERS + PENDING} peers (incl. the 120 ms typing debounce)`,
  () => page.locator("#peer-search").fill(nm(421)),
  () => document.querySelectorAll("#peers tbody tr[data-peer]").length === 1);
await local("clear the search, sort by last seen (all rows again)", async () => {
  await page.locator("#peer-search").fill("");
  await page.locator("#peer-sort").selectOption("seen");
}, () => document.querySelectorAll("#peers tbody tr[data-peer]").length === 50);
await page.locator("#peer-sort").selectOption("state");
await page.waitForFunction(() => document.querySelector("#peers tbody tr[data-peer]")?.classList.contains("pending"));
const first = await page.locator("#peers tbody tr.pending").first().getAttribute("data-peer");
await measured("accept", "accept one waiting peer (server answer to shown)",
  () => page.locator(`#peers tr[data-peer="${first}"]`).getByRole("button", { name: "Accept" }).click());
const ten = await page.locator("#peers tbody tr.pending input[aria-label^='select']").evaluateAll((xs) => xs.slice(0, 10).map((x) => x.closest("tr").dataset.peer));
for (const id of ten) await page.locator(`#peers tr[data-peer="${id}"] input[aria-label^='select']`).check();
await measured("bulk-accepted", "bulk accept of 10 waiting peers (last answer to shown)", () => page.locator("#bulk-accept").click());
await page.locator("#bulk-clear").click();
const victim = at(5);
await page.goto(`${URL}/#peers?q=${nm(5)}`);
await page.locator(`#peers tr[data-peer="${victim}"]`).waitFor();
await measured("edit", "rename a peer in the edit dialog (answer to shown)", async () => {
  await page.locator(`#peers tr[data-peer="${victim}"]`).getByRole("button", { name: "Edit" }).click();
  await page.locator('#edit-form input[name="name"]').fill(`${nm(5)}-r${Date.now() % 10000}`);
  await page.locator('#edit-form input[name="name"]').press("Enter");
});
await local(`open the pair picker of a peer with ${2 * PER} pairs among ${PEERS}`, () => page.evaluate((id) => { location.hash = `#pairs?peer=${id}`; }, at(500)),
  (n) => document.querySelectorAll("#partners li").length === n, Math.min(50, PEERS - 1));
await page.locator("#partner-search").fill(nm(777));
await page.waitForFunction(() => document.querySelectorAll("#partners li").length === 1);
await measured("pair", "pair two peers in the picker (answer to shown)",
  () => page.locator("#partners input[type=checkbox]").first().check());
await measured("unpair", "unpair them again (answer to shown)",
  () => page.locator("#partners input[type=checkbox]").first().uncheck());
await local(`open the mesh graph of ${PEERS} peers and ${pairs.length} pairs`, () => page.evaluate(() => { location.hash = "#graph"; }),
  () => document.querySelectorAll("#graph-svg .node").length > 0);
let del = PEERS - 1;
while (!ids[del]) del--;
await page.goto(`${URL}/#peers?q=${nm(del)}`);
await page.locator(`#peers tr[data-peer="${ids[del]}"]`).waitFor();
await measured("delete", `delete a peer with ${2 * PER} pairs (answer to shown)`,
  async () => {
    await page.locator(`#peers tr[data-peer="${ids[del]}"]`).getByRole("button", { name: "Delete" }).click();
    // More than a few pairs go with it: the page asks in its own dialog.
    await page.locator("#ask-ok").click();
  });
await local("audit log: first 100 entries, named", () => page.evaluate(() => { location.hash = "#audit"; }),
  () => document.querySelectorAll("#audit tbody tr").length === 100);
// The slow phone of issue 20: 390 × 844, the CPU 4× slower, 9 Mbit/s with
// 40 ms latency; from navigation to the first screen and to the link badges.
const phone = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 390, height: 844 }, isMobile: true,
  hasTouch: true, httpCredentials: { username: "admin", password: ADMIN_PASS } });
const pp = await phone.newPage();
const cdp = await phone.newCDPSession(pp);
await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
await cdp.send("Network.enable");
await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 40,
  downloadThroughput: 9e6 / 8, uploadThroughput: 9e6 / 8 });
await pp.goto(`${URL}/#peers`);
await pp.locator("body[data-ready]").waitFor({ timeout: 120000 });
await pp.locator("body[data-links]").waitFor({ timeout: 120000 });
const [phoneReady, phoneLinks] = await pp.evaluate(() => [performance.getEntriesByName("wgconf-ready")[0].startTime,
  performance.getEntriesByName("wgconf-links")[0]?.startTime ?? 0]);
rows.push(["slow phone (390 px, CPU 4× slower, 9 Mbit/s, 40 ms): first screen of rows", `${(phoneReady / 1000).toFixed(1)} s`, ""]);
rows.push(["… the link badges (before issue 20: 7 s)", `${(phoneLinks / 1000).toFixed(1)} s`, ""]);
await phone.close();
const chromiumVersion = browser.version();
await browser.close();
if (errors.length) console.log(`bench-ui: page errors: ${errors.join("; ")}`);

let chromiumV = "";
try {
  chromiumV = `Chromium ${chromiumVersion}`;
} catch {
  chromiumV = "chromium";
}
const cpu = cpus()[0]?.model ?? "cpu";
const section = [
  "## Browser",
  "",
  `The admin page in headless ${chromiumV} (Debian's, driven by playwright-core), 1280 × 900, against the real stack`,
  `(nginx, TLS, 2 FastCGI responders, SQLite) on ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB,`,
  `shared with other work. Seeded through the API: ${PEERS} accepted peers, each paired with the next ${PER}`,
  `(${pairs.length} pairs), every 7th behind NAT, and ${PENDING} waiting peers; the peer list`,
  `(\`GET /admin/peers\`, ${(bytes / 1024).toFixed(0)} KiB) is read once; the page shows 50 rows at a time. Made by`,
  "`sh bench/browser.sh` (part of `make bench`); an action is measured by the page itself from the",
  "moment the server's answer arrived to the next frame after the DOM showed it. Budget (issue 11):",
  "ready < 1 s, every action < 200 ms after the answer, no main-thread task > 100 ms. A local",
  "step (search, open a view) is timed from the test's input to the next frame, Playwright's own",
  "round trips included; the longest task is from PerformanceObserver(\"longtask\"), 0 when none",
  "took over 50 ms.",
  "",
  "| what | time | longest main-thread task in it |",
  "| --- | --- | --- |",
  ...rows.map(([a, b, c]) => `| ${a} | ${b} | ${c || ""} |`),
  "",
  ...(seedS ? [`Seeding took ${seedS.toFixed(0)} s (${pairRate.toFixed(0)} pair writes/s through nginx, 8 at a time).`, ""] : []),
].join("\n");
console.log(section);
if (OUT) {
  const old = existsSync(OUT) ? readFileSync(OUT, "utf8") : "# Benchmarks\n";
  const i = old.indexOf("\n## Browser\n");
  let doc;
  if (i < 0) doc = old.replace(/\n*$/, "\n\n") + section;
  else {
    const j = old.indexOf("\n## ", i + 1);
    doc = old.slice(0, i + 1) + section + (j < 0 ? "" : old.slice(j + 1));
  }
  writeFileSync(OUT, doc);
  console.log(`bench-ui: wrote ${OUT}`);
}
