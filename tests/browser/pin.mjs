// SPDX-License-Identifier: MIT
// The invite's register line carries the server's pin, as nginx gives it
// (no pin typed into the page); the Network page shows who may join and the
// limits, in words.
//
// env (from tests/t4630-gzip-pin-network.sh): URL, ADMIN_PASS, PIN;
// NODE_EXTRA_CA_CERTS.

import { check, failed, launch, guardedPage, adminContext, apiGet, URL_ } from "./lib.mjs";

const browser = await launch();
try {
  const ctx = await adminContext(browser, { viewport: { width: 1280, height: 900 } });
  const g = await guardedPage(ctx);
  const { page } = g;
  if ((await apiGet("/admin/links"))[0] === 404) g.expectApi(/^\/admin\/links$/, 404);
  if ((await apiGet("/admin/rules"))[0] === 404) g.expectApi(/^\/admin\/rules$/, 404);
  await page.goto(URL_ + "/#invites");
  await page.locator("body[data-ready]").waitFor();
  await page.getByRole("button", { name: "Make invite" }).click();
  await page.locator("#invite-code:not([hidden])").waitFor();
  const line = await page.locator("#invite-line").textContent();
  check(line.includes(` --pin ${process.env.PIN} `), `the register line has the server's pin without typing it (${line})`);
  check(await page.locator("#invite-trust").isHidden(), "and no warning that a pin may be needed");

  await page.getByRole("link", { name: "Network" }).click();
  const dl = page.locator("#network-limits");
  await dl.locator("dt").first().waitFor();
  const text = await dl.textContent();
  check(/Registrationopen: anyone may register/.test(text), `the Network page says who may register (${text})`);
  check(/Waiting peers, at most1,024/.test(text) && /dropped after7 days/.test(text) && /once per1 min/.test(text),
    "and the limits, in words");
  check(g.problems().length === 0, `no console or script errors (${g.problems().join("; ")})`);
} catch (e) {
  check(false, `the walk went through (${e.message.split("\n")[0]})`);
  console.log(`# ${e.stack}`);
} finally {
  await browser.close();
}
process.exit(failed() ? 1 : 0);
