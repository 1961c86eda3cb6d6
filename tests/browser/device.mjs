// SPDX-License-Identifier: MIT
// A phone joins through a device link: the admin makes the link on the
// admin page; a second browser context, phone sized (390 × 844, touch,
// no admin password), opens it, makes the key, and gets the QR code and
// the download. The shell test (tests/t4700-browser-device-join.sh) then
// checks the files this leaves in OUT: device.conf (the download), qr.png
// (the QR code as the screen shows it), responses.txt (every answer the
// server gave either browser), link.txt (the link).
//
// env: URL, ADMIN_PASS, GW_NAME, OUT, DEVICE (the name typed), ROUTES
// ("mesh" or "mesh+lans"), LANS; NODE_EXTRA_CA_CERTS. LINK: a link made
// elsewhere (wgconf admin device-invite): the admin page is skipped.
// FALLBACK=1: the browser has no WebCrypto X25519, so tweetnacl makes the key.

import { writeFileSync, appendFileSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { check, failed, launch, guardedPage, adminContext, URL_ } from "./lib.mjs";

const { GW_NAME, OUT, DEVICE = "alice-phone", ROUTES = "mesh", LANS = "", LINK, FALLBACK } = process.env;
const origin = new URL(URL_).origin;
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

// axe-core's serious and critical findings on the page as it is now. It is
// evaluated through the debugging protocol, which the page's CSP does not
// govern: the page itself loads nothing but its own files.
async function axeFindings(page) {
  await page.evaluate(axeSource);
  const r = await page.evaluate(() => globalThis.axe.run(document, { resultTypes: ["violations"] }));
  return r.violations.filter((v) => ["serious", "critical"].includes(v.impact))
    .map((v) => `${v.id}: ${v.nodes.length}`);
}
const browser = await launch();

// Every answer's body into responses.txt; every request checked to go to
// this server only (the page works without any third party).
function record(ctx, what) {
  const foreign = [];
  ctx.on("request", (r) => {
    if (!r.url().startsWith(origin + "/") && !r.url().startsWith("data:") && !r.url().startsWith("blob:"))
      foreign.push(r.url());
  });
  ctx.on("response", async (r) => {
    try {
      appendFileSync(`${OUT}/responses.txt`, `--- ${what} ${r.status()} ${r.url()}\n${await r.text()}\n`);
    } catch {
      // a download or a redirect has no body to read
    }
  });
  return foreign;
}

async function makeLink() {
  const ctx = await adminContext(browser);
  const foreign = record(ctx, "admin");
  const g = await guardedPage(ctx);
  const { page } = g;
  await page.goto(URL_ + "/#devices");
  await page.locator("body[data-ready]").waitFor();
  const form = page.locator("#device-form");
  await form.locator("select[name=gateway] option", { hasText: GW_NAME }).waitFor({ state: "attached" });
  await form.locator("select[name=gateway]").selectOption({ label: (await form.locator("select[name=gateway] option", { hasText: GW_NAME }).textContent()) });
  await form.locator("input[name=label]").fill("Alice's phone");
  await form.locator("select[name=routes]").selectOption(ROUTES);
  // Two uses: one for a device the admin makes right here, one for the phone.
  await form.locator("input[name=uses]").fill("2");
  if (LANS) await form.locator("input[name=lans]").fill(LANS);
  await form.getByRole("button", { name: "Make device link" }).click();
  await page.locator("#device-link:not([hidden])").waitFor();
  const link = (await page.locator("#device-url").textContent()).trim();
  check(link.startsWith(origin + "/join.html#"), `the admin page shows a join link (${link.slice(0, 40)}…)`);
  check(await page.locator("#device-open").getAttribute("href") === link, "\"Make the device here\" opens the same link");
  // The admin makes a device in this browser: the same page, the same flow.
  const [popup] = await Promise.all([ctx.waitForEvent("page"), page.locator("#device-open").click()]);
  const popupErrors = [];
  popup.on("pageerror", (e) => popupErrors.push(String(e)));
  await popup.locator("#start:not([hidden])").waitFor();
  await popup.locator("#name").fill("admin-laptop");
  await popup.locator("#make").click();
  await popup.locator("#done:not([hidden])").waitFor();
  check(/PrivateKey = /.test(await popup.locator("#conf").textContent()) && popupErrors.length === 0,
    `"Make the device here" makes a device in the admin's browser (${popupErrors.join("; ")})`);
  check(g.problems().length === 0, `the admin page had no errors (${g.problems().join("; ")})`);
  check(foreign.length === 0, `the admin page asked no other server (${foreign.join(", ")})`);
  writeFileSync(`${OUT}/link.txt`, link + "\n");
  await ctx.close();
  return link;
}

const phone = () => browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true,
  deviceScaleFactor: 2, ignoreHTTPSErrors: true, acceptDownloads: true });

async function join(link) {
  const ctx = await phone();
  const foreign = record(ctx, "phone");
  const g = await guardedPage(ctx);
  const { page } = g;
  if (FALLBACK === "1") await page.addInitScript(() => {
    const generate = crypto.subtle.generateKey.bind(crypto.subtle);
    crypto.subtle.generateKey = (alg, ...rest) => (alg?.name === "X25519" || alg === "X25519")
      ? Promise.reject(new DOMException("X25519 is not supported", "NotSupportedError"))
      : generate(alg, ...rest);
  });
  await page.goto(link);
  await page.locator("#start:not([hidden])").waitFor();
  check(/never\s+leaves/.test(await page.locator("#start").textContent()), "the page says the private key never leaves the browser");
  check((await page.locator("#what").textContent()).includes(GW_NAME), "the page names the gateway");
  let found = await axeFindings(page);
  check(found.length === 0, `axe finds nothing serious on the join form (${found.join(", ")})`);
  await page.locator("#name").fill(DEVICE);
  await page.locator("#make").tap();
  await page.locator("#done:not([hidden])").waitFor();
  check(/not be shown again/.test(await page.locator("#done").textContent()), "the page says the config will not be shown again");
  const [sw, iw] = await page.evaluate(() => [document.scrollingElement.scrollWidth, innerWidth]);
  check(sw <= iw && iw === 390, `the page fits a 390 px screen (${sw} <= ${iw})`);
  const qr = await page.locator("#qr").boundingBox();
  check(qr && qr.width >= 200 && qr.x >= 0 && qr.x + qr.width <= 390, `the QR code is on screen and large enough (${qr?.width} px)`);
  const [dl] = await Promise.all([page.waitForEvent("download"), page.locator("#download").tap()]);
  check(dl.suggestedFilename() === `${DEVICE.slice(0, 15)}.conf`, `the download is named after the device (${dl.suggestedFilename()})`);
  await dl.saveAs(`${OUT}/device.conf`);
  await page.locator("#qr").screenshot({ path: `${OUT}/qr.png` });
  found = await axeFindings(page);
  check(found.length === 0, `axe finds nothing serious on the config page (${found.join(", ")})`);
  const by = await page.evaluate(() => document.body.dataset.keys);
  check(by === (FALLBACK === "1" ? "tweetnacl" : "WebCrypto"), `the key was made by ${by}`);
  check(g.problems().length === 0, `the join page had no errors (${g.problems().join("; ")})`);
  check(foreign.length === 0, `the join page asked no other server (${foreign.join(", ")})`);
  await page.screenshot({ path: `${OUT}/phone.png`, fullPage: true });
  await ctx.close();
}

// The same link again, in a fresh browser: used up, a clear page.
async function again(link) {
  const ctx = await phone();
  record(ctx, "again");
  const g = await guardedPage(ctx);
  g.expectApi(/^\/join\/info$/, 403);
  const { page } = g;
  await page.goto(link);
  await page.locator("#invalid:not([hidden])").waitFor();
  check(/used up or expired/.test(await page.locator("#invalid").textContent()), "a used link shows a clear page");
  check(await page.locator("#start").isHidden(), "a used link offers no key making");
  // A link cut short or mangled: the same clear page, no request at all.
  await page.goto(origin + "/join.html#%E0%A4%A");
  await page.locator("#invalid:not([hidden])").waitFor();
  check(g.problems().length === 0, `the used link's page had no errors (${g.problems().join("; ")})`);
  await ctx.close();
}

// The admin sees the phone among the devices, apart from the hosts, with
// its gateway, and can make a new link for its owner.
async function adminAfter() {
  const ctx = await adminContext(browser);
  record(ctx, "admin");
  const g = await guardedPage(ctx);
  const { page } = g;
  page.on("dialog", (d) => d.accept());
  await page.goto(URL_ + "/#devices");
  await page.locator("body[data-ready]").waitFor();
  const row = page.locator("#devices tbody tr", { hasText: DEVICE });
  await row.waitFor();
  check((await row.textContent()).includes(GW_NAME), "the Devices view lists the phone with its gateway");
  await row.getByRole("button", { name: "Re-issue" }).click();
  await page.locator("#device-link:not([hidden])").waitFor();
  const again = (await page.locator("#device-url").textContent()).trim();
  check(again.startsWith(origin + "/join.html#") && again !== (LINK ?? ""), "Re-issue shows a new link");
  await page.goto(URL_ + "/#peers");
  await page.locator("#peers tbody tr").first().waitFor();
  check(await page.locator("#peers tbody tr", { hasText: DEVICE }).count() === 0, "the Peers view lists hosts only");
  check(g.problems().length === 0, `the admin page had no errors (${g.problems().join("; ")})`);
  await ctx.close();
}

try {
  const link = LINK || await makeLink();
  await join(link);
  await again(link);
  if (!LINK) await adminAfter();
} catch (e) {
  check(false, `the walk ran to its end (${e.message})`);
} finally {
  await browser.close();
}
process.exit(failed() ? 1 : 0);
