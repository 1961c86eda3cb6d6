// SPDX-License-Identifier: MIT
// Accessibility through axe-core (the standard engine, from npm): every view
// of the admin page, with a dialog open too, in the light and the dark
// theme, at desktop and phone size (390 px); any serious or critical
// violation fails. Plus what axe does not see: a skip link to the content,
// the focus kept on the list after picking a peer, and a visible focus ring
// on an invalid field.
//
// env (from tests/t4620-browser-a11y.sh): URL, ADMIN_PASS; NODE_EXTRA_CA_CERTS.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { generateKeyPairSync } from "node:crypto";
import { check, failed, launch, guardedPage, adminContext, apiGet, apiCall, URL_ } from "./lib.mjs";

const axe = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const pub = () => generateKeyPairSync("x25519").publicKey.export({ format: "der", type: "spki" }).subarray(-32).toString("base64");

const inv = await apiCall("POST", "/admin/invites", { uses: 6, label: "for the rack" });
const P = {}, token = {};
for (const [i, name] of ["web1", "web2", "db1", "nat1"].entries()) {
  const r = await apiCall("POST", "/register", { name, public_key: pub(),
    endpoint: name === "nat1" ? null : `192.0.2.${i + 1}:51820`, invite: inv.code }, false);
  [P[name], token[name]] = [r.id, r.token];
}
await apiCall("POST", "/register", { name: "waiting1", public_key: pub(), endpoint: null }, false);
await apiCall("PATCH", `/admin/peers/${P.web1}`, { tags: ["web"] });
await apiCall("PUT", `/admin/pairs/${P.web1}/${P.db1}`);
await apiCall("PUT", `/admin/pairs/${P.web2}/${P.nat1}`);
// A paused peer, an expiring one with its links reported: their badges,
// the Traffic column and the dialog's pause and links sections are audited.
await apiCall("POST", `/admin/peers/${P.web2}/disable`);
await apiCall("PATCH", `/admin/peers/${P.web1}`, { expires_in: 7 * 86400 });
const sent = await fetch(`${URL_}/api/v1/peer/links`, { method: "PUT",
  headers: { Authorization: `Bearer ${token.web1}`, "Content-Type": "application/json" },
  body: JSON.stringify({ links: [{ peer: P.db1, latest_handshake: Math.floor(Date.now() / 1000), rx: 2048, tx: 4096 }] }) });
if (sent.status !== 204) throw new Error(`PUT /peer/links: ${sent.status}`);

const VIEWS = ["peers", "pairs", "graph", "network", "invites", "audit"];

async function audit(page, what) {
  const res = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ["violations"] });
    return r.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(" ") + " " + (n.failureSummary ?? "").split("\n")[1]).join(" | ")}`);
  });
  check(res.length === 0, `axe: ${what}: no serious or critical violation${res.length ? ` (${res.join("; ")})` : ""}`);
}

const browser = await launch();
try {
  for (const [size, viewport] of [["desktop", { width: 1280, height: 900 }], ["phone", { width: 390, height: 844 }]]) {
    for (const scheme of ["light", "dark"]) {
      // axe is put into the page from the test: past the page's CSP.
      const ctx = await adminContext(browser, { viewport, colorScheme: scheme, bypassCSP: true,
        ...(size === "phone" ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}) });
      const g = await guardedPage(ctx);
      const { page } = g;
      if ((await apiGet("/admin/links"))[0] === 404) g.expectApi(/^\/admin\/links$/, 404);
      await page.goto(URL_ + "/");
      await page.locator("body[data-ready]").waitFor();
      await page.addScriptTag({ content: axe });
      if (size === "desktop") {
        // Borders of fields and buttons at 3:1 against the page (axe checks text only).
        const ratios = await page.evaluate(() => {
          const lum = (c) => {
            const [r, g, b] = c.match(/[\d.]+/g).slice(0, 3).map((v) => {
              const x = Number(v) / 255;
              return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
            });
            return 0.2126 * r + 0.7152 * g + 0.0722 * b;
          };
          const bg = lum(getComputedStyle(document.body).backgroundColor);
          return ["#peer-search", "#peer-state", "#peers tbody button", "#reload"].map((sel) => {
            const c = lum(getComputedStyle(document.querySelector(sel)).borderTopColor);
            return [sel, (Math.max(c, bg) + 0.05) / (Math.min(c, bg) + 0.05)];
          });
        });
        const low = ratios.filter(([, r]) => r < 3);
        check(low.length === 0, `${scheme}: field and button borders at 3:1 or more (${ratios.map(([s, r]) => `${s} ${r.toFixed(2)}`).join(", ")})`);
      }
      for (const v of VIEWS) {
        await page.evaluate((h) => { location.hash = h; }, v);
        await page.locator(`[data-panel="${v}"]:not([hidden])`).waitFor();
        if (v === "pairs") {
          await page.locator("#pick-search").fill("web1");
          await page.locator("#pick-results button").first().click();
          await page.locator("#partner-box:not([hidden])").waitFor();
        }
        if (v === "audit") await page.locator("#audit tbody tr").first().waitFor();
        await page.waitForTimeout(150);
        await audit(page, `${v}, ${scheme}, ${size}`);
      }
      await page.evaluate(() => { location.hash = "peers"; });
      await page.locator(`#peers tr[data-peer="${P.web1}"]`).getByRole("button", { name: "Edit" }).click();
      await page.locator("#edit-dialog").waitFor();
      await page.locator('#edit-form input[name="keepalive"]').fill("x");
      await page.locator('#edit-form input[name="name"]').press("Enter");
      await audit(page, `the edit dialog with an invalid field, ${scheme}, ${size}`);
      if (size === "desktop" && scheme === "light") {
        // The invalid field, focused, still shows a focus ring beside its red border.
        const inp = page.locator('#edit-form input[name="keepalive"]');
        await inp.focus();
        const ring = await inp.evaluate((e) => { const s = getComputedStyle(e); return [s.outlineStyle, parseFloat(s.outlineWidth), s.outlineColor, s.borderColor]; });
        check(ring[0] !== "none" && ring[1] >= 2 && ring[2] !== ring[3], `a focused invalid field shows a focus ring apart from its border (${ring.join(", ")})`);
      }
      await page.keyboard.press("Escape");
      if (size === "desktop" && scheme === "light") {
        // Skip link: the first Tab reaches it, Enter moves to the content.
        await page.reload();
        await page.locator("body[data-ready]").waitFor();
        await page.keyboard.press("Tab");
        const first = await page.evaluate(() => [document.activeElement.textContent, document.activeElement.getAttribute("href")]);
        check(/skip/i.test(first[0]) && first[1] === "#main", `the first Tab reaches a skip link (${first.join(" ")})`);
        await page.keyboard.press("Enter");
        check(await page.evaluate(() => document.activeElement.id === "main" || document.activeElement.closest("#main") !== null),
          "Enter on it moves the focus to the content");
        // Picking a peer in the pair picker keeps the focus in the picker.
        await page.evaluate(() => { location.hash = "pairs"; });
        await page.locator("#pick-search").fill("web");
        await page.waitForFunction(() => [...document.querySelectorAll("#pick-results button")].every((b) => /web/.test(b.textContent)));
        await page.locator("#pick-results button").first().focus();
        await page.keyboard.press("Enter");
        await page.locator("#partner-box:not([hidden])").waitFor();
        const at = await page.evaluate(() => document.activeElement?.closest("#tab-pairs") !== null && document.activeElement !== document.body);
        check(at, `the focus stays in the picker after picking a peer (${await page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName)})`);
      }
      check(g.problems().length === 0, `no console or script errors, ${scheme}, ${size} (${g.problems().join("; ")})`);
      await ctx.close();
    }
  }
} catch (e) {
  check(false, `the walk went through (${e.message.split("\n")[0]})`);
  console.log(`# ${e.stack}`);
} finally {
  await browser.close();
}
process.exit(failed() ? 1 : 0);
