// SPDX-License-Identifier: MIT
// The admin page served by an nginx whose site uses Debian's stock
// `include fastcgi_params` (HTTP_HOST without the port) on a port other
// than 443: the admin logs in, accepts a waiting peer and renames it. Each
// change goes out with the browser's own Origin, https://127.0.0.1:PORT,
// and must be taken; no console error.
//
// env (from tests/t4400-stock-fastcgi-params.sh): URL (the stock nginx),
// ADMIN_PASS, P_ID (a pending peer), P_NAME (its name), NEW_NAME, SHOT;
// NODE_EXTRA_CA_CERTS for node's fetch.

import { check, failed, launch, guardedPage, adminContext, apiGet, apiCall, URL_ } from "./lib.mjs";

const { P_ID, P_NAME, NEW_NAME, SHOT } = process.env;
const browser = await launch();
let lastPage = null;
try {
  // The page itself is behind auth_basic.
  const anon = await browser.newContext({ ignoreHTTPSErrors: true });
  const r = await anon.request.get(URL_ + "/");
  check(r.status() === 401, `the page without a password answers 401 (got ${r.status()})`);
  await anon.close();

  const ctx = await adminContext(browser, { viewport: { width: 1280, height: 800 } });
  const g = await guardedPage(ctx);
  const { page } = g;
  lastPage = page;
  page.setDefaultTimeout(15000);
  // Optional routes this server may not have yet: the page asks, copes.
  // Every change the page sends, with the headers Chromium really put on it
  // (Origin and Sec-Fetch-Site are added by the network stack) and the answer.
  const changes = [];
  page.on("requestfinished", (q) => {
    if (q.method() === "GET" || !new URL(q.url()).pathname.startsWith("/api/")) return;
    changes.push((async () => {
      const h = await q.allHeaders();
      const res = await q.response();
      return { what: `${q.method()} ${new URL(q.url()).pathname}`, origin: h.origin,
        site: h["sec-fetch-site"], status: res?.status() };
    })());
  });

  await page.goto(URL_ + "/");
  await page.locator("body[data-ready]").waitFor();
  const row = page.locator(`#peers tr[data-peer="${P_ID}"]`);
  const msg = row.locator("td.actions .msg");
  check(await row.count() === 1 && await row.locator(".pname").textContent() === P_NAME,
    `the waiting peer ${P_NAME} is listed`);

  // ---- accept: the message at the row is the page's answer either way.
  await row.getByRole("button", { name: "Accept" }).click();
  await page.waitForFunction((id) => {
    const m = document.querySelector(`#peers tr[data-peer="${id}"] td.actions .msg`);
    return m && m.textContent !== "" && !m.classList.contains("busy");
  }, P_ID);
  const acc = await msg.textContent();
  check(new RegExp(`^Accepted ${P_NAME} as `).test(acc), `the page says the peer was accepted (${acc})`);
  if (!check((await apiGet(`/admin/peers/${P_ID}`))[1].state === "accepted", "the API has the peer accepted")) {
    // Refused: accept it past the browser, so that the rename is tried too.
    await apiCall("POST", `/admin/peers/${P_ID}/accept`, {});
    await page.reload();
    await page.locator("body[data-ready]").waitFor();
  }

  // ---- rename it in the edit dialog.
  const dlg = page.locator("#edit-dialog");
  await row.getByRole("button", { name: "Edit" }).click();
  await dlg.waitFor();
  await dlg.locator('input[name="name"]').fill(NEW_NAME);
  await dlg.locator('input[name="name"]').press("Enter");
  // Saved: the dialog closes. Refused: it stays, with the server's message.
  await page.waitForFunction(() => !document.querySelector("#edit-dialog").open ||
    [...document.querySelectorAll("#edit-dialog .msg, #edit-dialog [data-error]")]
      .some((e) => !e.hidden && e.textContent !== ""));
  const errs = await dlg.locator("[data-error]:not([hidden]), .msg.error:not([hidden])").allTextContents();
  check(!(await dlg.isVisible()), `the edit dialog closed: saved (${errs.join("; ") || "no error"})`);
  check(/^Saved name/.test(await msg.textContent()), `the row says the name was saved (${await msg.textContent()})`);
  check(await row.locator(".pname").textContent() === NEW_NAME, "the row shows the new name");
  check((await apiGet(`/admin/peers/${P_ID}`))[1].name === NEW_NAME, "the API has the new name");

  // ---- what the browser sent: its own origin, port included.
  const sent = await Promise.all(changes);
  for (const c of sent) console.log(`# ${c.what}: Origin ${c.origin}, Sec-Fetch-Site ${c.site} -> ${c.status}`);
  const acceptReq = sent.find((c) => c.what === `POST /api/v1/admin/peers/${P_ID}/accept`);
  const editReq = sent.find((c) => c.what === `PATCH /api/v1/admin/peers/${P_ID}`);
  check(acceptReq && editReq, `the page sent the accept and the edit (${sent.map((c) => c.what).join(", ")})`);
  check(sent.length > 0 && sent.every((c) => c.origin === URL_ && c.site === "same-origin"),
    `each change carried Origin ${URL_} (port included) and Sec-Fetch-Site same-origin`);
  check(sent.length > 0 && sent.every((c) => c.status >= 200 && c.status < 300),
    `each change was taken (${sent.map((c) => c.status).join(", ")})`);

  check(g.problems().length === 0, `no console or script errors (${g.problems().join("; ")})`);
  check(g.apiErrors.length === 0, `no API call failed (${g.apiErrors.join(", ")})`);
  if (SHOT) await page.screenshot({ path: SHOT, fullPage: true });
} catch (e) {
  check(false, `the walk went through (${e.message.split("\n")[0]})`);
  console.log(`# ${e.stack}`);
  if (SHOT) await lastPage?.screenshot({ path: SHOT.replace(/\.png$/, "-failed.png"), fullPage: true }).catch(() => {});
} finally {
  await browser.close();
}
process.exit(failed() ? 1 : 0);
