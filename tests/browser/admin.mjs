// SPDX-License-Identifier: MIT
// Drives the admin UI in a real headless Chromium, as an admin would: review
// the waiting peers, accept one with a chosen address, reject another, pair
// through the mesh matrix, change the network, make an invite. Prints one
// "ok"/"not ok" line per check; exit status 1 when any failed.
//
// env: URL, ADMIN_PASS, SHOT (screenshot path), EVIL_ID (peer with a hostile
// name planted in the database), A_ID, B_ID, C_ID, D_ID (accepted, signed at
// version 1, then changed).

import { chromium } from "playwright-core";

const { URL, ADMIN_PASS, SHOT, EVIL_ID, A_ID, B_ID, C_ID, D_ID } = process.env;
let failures = 0;
let n = 0;
function check(cond, what) {
  n++;
  if (cond) console.log(`ok ${n} - ${what}`);
  else { failures++; console.log(`not ok ${n} - ${what}`); }
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  // Without credentials nginx refuses the page itself.
  const anon = await browser.newContext({ ignoreHTTPSErrors: true });
  const r = await anon.request.get(URL + "/");
  check(r.status() === 401, `the page without a password answers 401 (got ${r.status()})`);
  await anon.close();

  const ctx = await browser.newContext({
    ignoreHTTPSErrors: true,
    httpCredentials: { username: "admin", password: ADMIN_PASS },
  });
  const page = await ctx.newPage();
  const dialogs = [];
  let alerted = false;
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    if (d.type() === "alert") alerted = true;
    d.accept();
  });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(URL + "/");

  const pendingRow = (id) => page.locator(`#pending tr[data-peer="${id}"]`);
  const acceptedRow = (id) => page.locator(`#accepted tr[data-peer="${id}"]`);
  await pendingRow(A_ID).waitFor();
  check(await pendingRow(B_ID).count() === 1 && await pendingRow(C_ID).count() === 1,
    "the three waiting peers are listed for review");

  // A name planted in the database with markup shows as text, runs nothing.
  const evil = pendingRow(EVIL_ID);
  check(await evil.locator("td").first().textContent() === '<img src=x onerror="window.pwned=1">',
    "a hostile peer name is shown as plain text");
  check(await page.locator("#pending img").count() === 0, "no element was made from the hostile name");
  check(!(await page.evaluate(() => window.pwned)) && !alerted, "the hostile name ran no script");

  // Accept A with a chosen address, B from the pool; reject C.
  await pendingRow(A_ID).locator("input").first().fill("10.77.0.50");
  await pendingRow(A_ID).getByRole("button", { name: "Accept" }).click();
  await acceptedRow(A_ID).waitFor();
  check((await acceptedRow(A_ID).locator("td").nth(1).textContent()) === "10.77.0.50",
    "A is accepted with the address typed in");
  await pendingRow(B_ID).getByRole("button", { name: "Accept" }).click();
  await acceptedRow(B_ID).waitFor();
  // The network has a signing key (t4000 set it): nothing is signed yet.
  check((await acceptedRow(A_ID).locator("td").nth(5).textContent()) === "unsigned",
    "A shows as unsigned under the network's signing key");
  check((await acceptedRow(D_ID).locator("td").nth(5).textContent()) === "v1, changed: sign again",
    "D, signed and then changed, shows its unsigned change");
  await pendingRow(C_ID).getByRole("button", { name: "Reject" }).click();
  await pendingRow(C_ID).waitFor({ state: "detached" });
  check(await pendingRow(C_ID).count() === 0 && await acceptedRow(C_ID).count() === 0,
    "C is gone after Reject");

  // A bad address is refused with the server's message, nothing changes.
  await pendingRow(EVIL_ID).locator("input").first().fill("10.99.0.1");
  await pendingRow(EVIL_ID).getByRole("button", { name: "Accept" }).click();
  await page.locator("#status.error").waitFor();
  check(/not a host address of the pool/.test(await page.locator("#status").textContent()),
    "an address outside the pool shows the server's error");
  check(await pendingRow(EVIL_ID).count() === 1, "the refused peer still waits");

  // Pair A and B in the matrix.
  await page.getByRole("button", { name: "Mesh" }).click();
  const box = page.getByRole("checkbox", { name: /pair A-host with B-host/ });
  await box.check();
  await page.locator("#status.ok").filter({ hasText: "Paired" }).waitFor();
  check(await page.getByRole("checkbox", { name: /pair B-host with A-host/ }).isChecked(),
    "the matrix shows the pair from both sides");

  // Network: keepalive.
  await page.getByRole("button", { name: "Network" }).click();
  await page.locator('#network-form input[name="keepalive"]').fill("17");
  await page.getByRole("button", { name: "Save network" }).click();
  await page.locator("#status.ok").filter({ hasText: "Network saved" }).waitFor();
  check(await page.locator('#network-form input[name="keepalive"]').inputValue() === "17",
    "the network form shows the saved keepalive");

  // Invite: the code is shown once.
  await page.getByRole("button", { name: "Invites" }).click();
  await page.getByRole("button", { name: "Make invite" }).click();
  await page.locator("#invite-code:not([hidden])").waitFor();
  const code = await page.locator("#invite-code code").textContent();
  check(/^[A-Za-z0-9_-]{43}$/.test(code), "the new invite code is shown");
  // The list reloads after the code appears: wait for it, then count.
  await page.locator("#invites tbody tr").first().waitFor();
  check(await page.locator("#invites tbody tr").count() === 1, "the invite is listed");

  await page.getByRole("button", { name: "Audit log" }).click();
  await page.locator("#audit tbody tr").filter({ hasText: "invite.create" }).waitFor();
  check(await page.locator("#audit tbody tr").filter({ hasText: "pair.create" }).count() === 1,
    "the audit log shows the pairing");
  check(!(await page.locator("#audit").textContent()).includes(code),
    "the audit log does not show the invite code");
  check(errors.length === 0, `no script errors on the page (${errors.join("; ")})`);
  if (SHOT) await page.screenshot({ path: SHOT, fullPage: true });
  console.log(`CODE=${code}`);
} finally {
  await browser.close();
}
process.exit(failures ? 1 : 0);
