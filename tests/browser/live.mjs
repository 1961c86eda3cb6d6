// SPDX-License-Identifier: MIT
// The admin page follows the server's admin channel (push): a host that
// registers elsewhere shows in the list, and its acceptance by another
// admin too, without a reload and without the page polling.
//
// env (from tests/t1720-push-admin-page.sh): URL, ADMIN_PASS, SHOT;
// NODE_EXTRA_CA_CERTS.

import { generateKeyPairSync } from "node:crypto";
import { check, failed, launch, guardedPage, adminContext, apiCall, apiGet, URL_ } from "./lib.mjs";

const { SHOT } = process.env;

function publicKey() {
  const { publicKey } = generateKeyPairSync("x25519");
  return Buffer.from(publicKey.export({ format: "jwk" }).x, "base64url").toString("base64");
}

const browser = await launch();
let lastPage = null;
try {
  const ctx = await adminContext(browser, { viewport: { width: 1280, height: 900 } });
  const g = await guardedPage(ctx);
  const { page } = g;
  lastPage = page;
  if ((await apiGet("/admin/rules"))[0] === 404) g.expectApi(/^\/admin\/rules$/, 404);
  await page.goto(URL_ + "/");
  await page.locator("body[data-ready]").waitFor();
  await page.locator('body[data-live="1"]').waitFor({ timeout: 10000 });
  check(true, "the page subscribed to the admin channel");

  const reads = () => g.responses.filter(([, p]) => p === "/api/v1/admin/peers").length;
  const idle0 = reads();
  await page.waitForTimeout(4000);
  check(reads() === idle0, `no reads of the peer list while nothing changes (${reads() - idle0} in 4 s)`);

  const t0 = Date.now();
  const reg = await apiCall("POST", "/register", { name: "live1", public_key: publicKey(), endpoint: null }, false);
  const row = page.locator(`#peers tr[data-peer="${reg.id}"]`);
  await row.waitFor({ timeout: 5000 }).catch(() => {});
  check(await row.count() === 1, `a host that registered elsewhere shows without a reload (${Date.now() - t0} ms)`);

  const before = await row.textContent();
  await apiCall("POST", `/admin/peers/${reg.id}/accept`, {});
  await page.waitForFunction(([id, text]) => {
    const r = document.querySelector(`#peers tr[data-peer="${id}"]`);
    return r && r.textContent !== text;
  }, [reg.id, before], { timeout: 5000 }).catch(() => {});
  check(await row.textContent() !== before, "its acceptance by another admin shows too");
  check(g.problems().length === 0, `no console or script errors (${g.problems().join("; ")})`);
} catch (e) {
  check(false, `the live walk ran: ${e.message}`);
} finally {
  if (SHOT && lastPage) await lastPage.screenshot({ path: SHOT, fullPage: true }).catch(() => {});
  await browser.close();
}
process.exit(failed() ? 1 : 0);
