// SPDX-License-Identifier: MIT
// Drives the admin UI in a real headless Chromium at desktop size, as an
// admin would, and checks through the API what each step did. Prints one
// "ok"/"not ok" line per check; exit status 1 when any failed.
//
// env (from tests/t4000-browser.sh): URL, ADMIN_PASS, SHOT, A_ID, A_TOKEN,
// B_ID, C_ID, D_ID, E_ID, EVIL_ID; NODE_EXTRA_CA_CERTS for node's fetch.

import { check, failed, launch, guardedPage, adminContext, apiGet, apiCall, URL_ } from "./lib.mjs";

const { SHOT, A_ID, A_TOKEN, B_ID, C_ID, D_ID, E_ID, EVIL_ID, S_ID } = process.env;
const browser = await launch();
let lastPage = null;
let ready = "";
let code = "";
try {
  // Without credentials nginx refuses the page itself.
  const anon = await browser.newContext({ ignoreHTTPSErrors: true });
  const r = await anon.request.get(URL_ + "/");
  check(r.status() === 401, `the page without a password answers 401 (got ${r.status()})`);
  await anon.close();

  const ctx = await adminContext(browser, { viewport: { width: 1280, height: 800 } });
  await ctx.grantPermissions(["clipboard-read", "clipboard-write"], { origin: URL_ });
  const g = await guardedPage(ctx);
  const { page } = g;
  lastPage = page;
  const dialogs = [];
  let alerted = false;
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    if (d.type() === "alert") alerted = true;
    d.accept();
  });
  const doc = await page.goto(URL_ + "/");
  await page.locator("body[data-ready]").waitFor();
  check(/default-src 'self'/.test(doc.headers()["content-security-policy"] ?? ""),
    "the page runs under the CSP (default-src 'self'): no inline script or style would pass");

  const row = (id) => page.locator(`#peers tr[data-peer="${id}"]`);
  const msgOf = (id) => row(id).locator("td.actions .msg");
  check(await row(A_ID).count() === 1 && await row(B_ID).count() === 1 && await row(C_ID).count() === 1,
    "the waiting peers are listed for review");
  const aPub = (await apiGet(`/admin/peers/${A_ID}`))[1].public_key;
  check(await row(A_ID).locator(".key").textContent() === aPub, "a waiting peer shows its public key to compare");
  check(g.responses.some(([s, p]) => p === "/favicon.svg" && s === 200), "the favicon loads (200)");
  check(!g.responses.some(([s, p]) => s === 404 && !p.startsWith("/api/")), "no page resource is missing (404)");

  // A name planted in the database with markup shows as text, runs nothing.
  check(await row(EVIL_ID).locator(".pname").textContent() === '<img src=x onerror="window.pwned=1">',
    "a hostile peer name is shown as plain text");
  check(await page.locator("#peers img").count() === 0, "no element was made from the hostile name");
  check(!(await page.evaluate(() => window.pwned)) && !alerted, "the hostile name ran no script");

  // ---- rows update in place: typed text, scroll and other rows survive.
  await page.setViewportSize({ width: 1280, height: 300 });
  await row(C_ID).locator('input[aria-label^="address for"]').fill("10.77.0.99");
  const rowB = await row(B_ID).elementHandle();
  await page.evaluate(() => window.scrollTo(0, 120));
  const y0 = await page.evaluate(() => scrollY);
  await row(A_ID).locator('input[aria-label^="address for"]').fill("10.77.0.50");
  await page.evaluate(() => window.scrollTo(0, 120));
  await row(A_ID).getByRole("button", { name: "Accept" }).click();
  await msgOf(A_ID).filter({ hasText: "Accepted" }).waitFor();
  check(/Accepted A-host as 10\.77\.0\.50/.test(await msgOf(A_ID).textContent()),
    "the message is next to the accepted row");
  check(await row(A_ID).locator("td").nth(3).textContent() === "10.77.0.50", "A's row shows the address typed in");
  check(await row(C_ID).locator('input[aria-label^="address for"]').inputValue() === "10.77.0.99",
    "what was typed in another row survives the action");
  check(await page.evaluate((b) => b.isConnected, rowB), "the other rows are the same elements (no redraw)");
  check(await page.evaluate(() => scrollY) === y0, `the scroll position survives (${y0})`);
  check(await page.locator("#status").isHidden(), "nothing is reported at the top of the page");
  await page.setViewportSize({ width: 1280, height: 800 });

  // A bad address: refused before sending when it is no address at all,
  // by the server (message at the row) when it is outside the pool.
  const evilAddr = row(EVIL_ID).locator('input[aria-label^="address for"]');
  await evilAddr.fill("10.77.0.x");
  await row(EVIL_ID).getByRole("button", { name: "Accept" }).click();
  check(/is not an IP address/.test(await msgOf(EVIL_ID).textContent()) &&
    await evilAddr.getAttribute("aria-invalid") === "true", "a malformed address is refused at the row, before sending");
  g.expectApi(/\/accept$/, 409);
  await evilAddr.fill("10.99.0.1");
  await row(EVIL_ID).getByRole("button", { name: "Accept" }).click();
  await msgOf(EVIL_ID).filter({ hasText: "pool" }).waitFor();
  check(/not a host address of the pool/.test(await msgOf(EVIL_ID).textContent()),
    "an address outside the pool shows the server's error next to the row");
  check((await apiGet(`/admin/peers/${EVIL_ID}`))[1].state === "pending", "the refused peer still waits");

  // ---- bulk: accept B, D and E in one go; reject C.
  await row(C_ID).locator('input[aria-label^="address for"]').fill("");
  for (const id of [B_ID, D_ID, E_ID]) await row(id).locator('input[aria-label^="select"]').check();
  check(await page.locator("#bulk-count").textContent() === "3 selected", "the selection is counted");
  await page.locator("#bulk-accept").click();
  await page.locator("#bulk-msg.ok").waitFor();
  check(/Accepted: 3 done/.test(await page.locator("#bulk-msg").textContent()), "bulk accept reports 3 done");
  check((await Promise.all([B_ID, D_ID, E_ID].map(async (id) => (await apiGet(`/admin/peers/${id}`))[1].state)))
    .every((s) => s === "accepted"), "the API has B, D and E accepted");
  await page.locator("#bulk-clear").click();
  await row(C_ID).getByRole("button", { name: "Reject" }).click();
  await page.locator(`#peers tr[data-gone="${C_ID}"]`).waitFor();
  check(/Rejected C-host/.test(await page.locator(`#peers tr[data-gone="${C_ID}"]`).textContent()),
    "a rejected row leaves its message in its place");
  check((await apiGet(`/admin/peers/${C_ID}`))[0] === 404, "the API no longer has C");

  // ---- health at a glance.
  check(/2 d ago/.test(await row(B_ID).locator("td").nth(7).textContent()) &&
    await row(B_ID).locator(".badge", { hasText: "stale" }).count() === 1, "B, last seen two days ago, is stale");
  check(await row(D_ID).locator(".badge", { hasText: "never seen" }).count() === 1, "D has never been seen");
  check(await row(A_ID).locator(".badge", { hasText: "unsigned" }).count() === 1,
    "with a signing key set, an unsigned peer is flagged");
  check(await row(S_ID).locator(".badge.bad", { hasText: "v1, changed: sign again" }).count() === 1,
    "a peer signed at version 1, then changed, shows its unsigned change");
  await page.locator("#peer-health").selectOption("unsigned");
  await page.waitForFunction(() => document.querySelectorAll("#peers tbody tr[data-peer]").length === 5);
  check(await row(S_ID).count() === 1 && await row(A_ID).count() === 1,
    "the filter 'unsigned or changed' finds them (A, B, D, E unsigned; S changed)");
  await page.locator("#peer-health").selectOption("");
  await page.waitForFunction(() => document.querySelectorAll("#peers tbody tr[data-peer]").length === 6);
  check(/not paired with anyone/.test(await row(A_ID).locator("ul.warnings").textContent()),
    "a config warning shows on the peer (no pairs)");
  await fetch(`${URL_}/api/v1/peer/config`, { headers: { Authorization: `Bearer ${A_TOKEN}` } });
  await page.locator("#reload").click();
  await row(A_ID).locator("td", { hasText: "just now" }).waitFor();
  check(await row(A_ID).locator(".badge", { hasText: "never seen" }).count() === 0,
    "after A fetched its config, it is seen just now");

  // ---- the edit dialog: checked fields, Enter saves, errors at the field.
  const dlg = page.locator("#edit-dialog");
  const field = (n) => dlg.locator(`input[name="${n}"]`);
  const errAt = (n) => dlg.locator(`[data-error="${n}"]`);
  await row(A_ID).getByRole("button", { name: "Edit" }).click();
  await dlg.waitFor();
  await field("keepalive").fill("abc");
  await field("listen_port").fill("5182O");
  await field("name").press("Enter");
  check(await dlg.isVisible(), "a bad field keeps the dialog open");
  check(/whole number/.test(await errAt("keepalive").textContent()) &&
    await field("keepalive").getAttribute("aria-invalid") === "true", "keepalive 'abc' is an error at the field");
  check(/whole number/.test(await errAt("listen_port").textContent()), "port '5182O' is an error at the field");
  let a = (await apiGet(`/admin/peers/${A_ID}`))[1];
  check(a.keepalive === null && a.listen_port === null, "nothing was sent: keepalive and port are as they were");
  await field("listen_port").fill("70000");
  await field("keepalive").fill("15");
  await field("name").press("Enter");
  check(/from 1 to 65535/.test(await errAt("listen_port").textContent()), "port 70000 is out of range at the field");
  // A server refusal: B's address is taken.
  const bAddr = (await apiGet(`/admin/peers/${B_ID}`))[1].addresses[0];
  g.expectApi(new RegExp(`^/admin/peers/${A_ID}$`), 409);
  await field("listen_port").fill("");
  await field("address4").fill(bAddr);
  await field("name").press("Enter");
  await errAt("address4").filter({ hasText: /./ }).waitFor();
  check(await dlg.isVisible() && await field("keepalive").inputValue() === "15",
    "a server error keeps the dialog open with what was typed");
  check(/taken|in use|already|belongs to another/.test(await errAt("address4").textContent()),
    `the server's message is at the address field (${await errAt("address4").textContent()})`);
  await field("address4").fill("10.77.0.50");
  await field("name").press("Enter");
  await dlg.waitFor({ state: "hidden" });
  check(/Saved keepalive/.test(await msgOf(A_ID).textContent()), "Enter saved; the message is at the row");
  a = (await apiGet(`/admin/peers/${A_ID}`))[1];
  check(a.keepalive === 15 && a.endpoint === "192.0.2.1:51820" && a.name === "A-host",
    "only keepalive changed on the server");

  // ---- the stale edit: the host moves its endpoint while the admin has
  // the dialog open and renames it. The server refuses the rename (412,
  // If-Match); the move did not touch the name, so the page saves the
  // rename again on the new revision, says so, and keeps the endpoint.
  const revBefore = (await apiGet(`/admin/peers/${A_ID}`))[1].revision;
  await row(A_ID).getByRole("button", { name: "Edit" }).click();
  await dlg.waitFor();
  await page.waitForTimeout(300); // the dialog's fresh read is in
  const moved = await fetch(`${URL_}/api/v1/peer/endpoint`, { method: "PUT",
    headers: { Authorization: `Bearer ${A_TOKEN}`, "Content-Type": "application/json" },
    body: JSON.stringify({ endpoint: "198.51.100.7:51820" }) });
  check(moved.status === 200, "the host moved its endpoint");
  check(await field("endpoint").inputValue() === "192.0.2.1:51820", "the open dialog still shows the old endpoint");
  g.expectApi(new RegExp(`^/admin/peers/${A_ID}$`), 412);
  const sent = [];
  const onReq = (r) => {
    if (r.method() === "PATCH") sent.push([r.headers()["if-match"], r.postData()]);
  };
  page.on("request", onReq);
  await field("name").fill("A-temp");
  await field("name").press("Enter");
  await dlg.waitFor({ state: "hidden" });
  a = (await apiGet(`/admin/peers/${A_ID}`))[1];
  check(sent.length === 2 && sent[0][0] === `"${revBefore}"` && sent[0][1] === '{"name":"A-temp"}' &&
    sent[1][0] !== sent[0][0] && sent[1][1] === '{"name":"A-temp"}',
    `the rename went with the revision the dialog read, then again on the new one (${JSON.stringify(sent)})`);
  check(a.name === "A-temp" && a.endpoint === "198.51.100.7:51820", "the rename kept the endpoint the host set");
  check(/endpoint meanwhile.*saved again on the new revision/.test(await msgOf(A_ID).textContent()),
    `the row says the page saved again and why (${await msgOf(A_ID).textContent()})`);

  // ---- a real conflict: another admin renames the peer while this one
  // does. Refused (412): the page shows what changed meanwhile, keeps what
  // was typed, and only a second Save puts it over.
  sent.length = 0;
  await row(A_ID).getByRole("button", { name: "Edit" }).click();
  await dlg.waitFor();
  await page.waitForTimeout(300);
  await apiCall("PATCH", `/admin/peers/${A_ID}`, { name: "A-other" });
  await field("name").fill("A-renamed");
  await field("name").press("Enter");
  const changedName = dlg.locator('[data-changed="name"]');
  await changedName.filter({ hasText: /./ }).waitFor();
  check(sent.length === 1, `a conflict is not retried by the page (${sent.length} PATCH)`);
  check(await dlg.isVisible(), "the stale edit keeps the dialog open");
  check(/was "A-temp", now "A-other"; saving again puts yours over it/.test(await changedName.textContent()),
    `the page shows the name that changed meanwhile (${await changedName.textContent()})`);
  check(await field("name").inputValue() === "A-renamed", "what the admin typed is still there");
  check(/changed this peer while you edited/.test(await dlg.locator("#edit-msg").textContent()),
    "the dialog says someone changed the peer meanwhile");
  a = (await apiGet(`/admin/peers/${A_ID}`))[1];
  check(a.name === "A-other", "the refused edit changed nothing");
  await field("name").press("Enter");
  await dlg.waitFor({ state: "hidden" });
  page.off("request", onReq);
  check(sent.length === 2 && sent[1][0] === `"${a.revision}"` && sent[1][1] === '{"name":"A-renamed"}',
    `saving again sends the rename with the new revision (${JSON.stringify(sent[1])})`);
  a = (await apiGet(`/admin/peers/${A_ID}`))[1];
  check(a.name === "A-renamed" && a.endpoint === "198.51.100.7:51820",
    `the rename kept the endpoint the host set (${a.endpoint})`);
  check(await row(A_ID).locator("td").nth(4).textContent() === "198.51.100.7:51820",
    "the row shows the endpoint the server has now");

  // ---- search, filters and the URL.
  await page.locator("#peer-search").fill("B-host");
  await page.waitForFunction(() => document.querySelectorAll("#peers tbody tr[data-peer]").length === 1);
  check(await row(B_ID).count() === 1, "search finds B by name");
  check(/q=B-host/.test(page.url()), "the search is in the URL");
  await page.locator("#peer-search").fill("");
  await page.locator("#peer-state").selectOption("pending");
  await page.waitForFunction(() => document.querySelectorAll("#peers tbody tr[data-peer]").length === 1);
  check(await row(EVIL_ID).count() === 1, "the state filter shows only the waiting peer");
  await page.reload();
  await page.locator("body[data-ready]").waitFor();
  check(await page.locator("#peer-state").inputValue() === "pending" && await row(EVIL_ID).count() === 1 &&
    await row(A_ID).count() === 0, "a reload keeps the view from the URL");
  await page.locator("#peer-state").selectOption("");
  await page.locator("#peer-sort").selectOption("name");
  await page.waitForFunction(() => document.querySelector("#peers tbody tr[data-peer] .pname")?.textContent === "<img src=x onerror=\"window.pwned=1\">");
  check(await page.locator("#peers tbody tr[data-peer] .pname").first().textContent() === '<img src=x onerror="window.pwned=1">',
    "sort by name puts '<img…' first");
  await page.locator("#peer-health").selectOption("never");
  await page.waitForFunction(() => document.querySelectorAll("#peers tbody tr[data-peer]").length === 4);
  check(await row(D_ID).count() === 1 && await row(E_ID).count() === 1 && await row(EVIL_ID).count() === 1 &&
    await row(S_ID).count() === 1, "the health filter finds the never-seen peers (D, E, S and the waiting one)");
  await page.locator("#peer-health").selectOption("");

  // ---- pairing: the matrix (small mesh) and the picker with the NAT warning.
  await page.getByRole("link", { name: "Pairs" }).click();
  const box = page.getByRole("checkbox", { name: "pair A-renamed with B-host" });
  await box.check();
  await page.locator("#matrix-msg.ok").waitFor();
  check(await page.getByRole("checkbox", { name: "pair B-host with A-renamed" }).isChecked(),
    "the matrix shows the pair from both sides");
  check(JSON.stringify((await apiGet(`/admin/peers/${A_ID}`))[1].pairs) === JSON.stringify([B_ID]), "the API has A paired with B");
  await page.locator("#pick-search").fill("D-n");
  await page.locator("#pick-results button", { hasText: "D-nat" }).click();
  await page.locator("#partner-title", { hasText: "D-nat" }).waitFor();
  check(/peer=/.test(page.url()), "the chosen peer is in the URL");
  await page.locator("#partner-search").fill("E-n");
  await page.waitForFunction(() => document.querySelectorAll("#partners li").length === 1);
  const pick = page.locator("#partners").getByRole("checkbox", { name: "pair D-nat with E-nat" });
  await pick.focus();
  await page.keyboard.press("Space");
  const pmsg = page.locator(`#partners li[data-partner="${E_ID}"] .msg`);
  await pmsg.filter({ hasText: /NAT/ }).waitFor();
  check(/both behind NAT: they have no direct path/.test(await pmsg.textContent()) &&
    (await pmsg.getAttribute("class")).includes("warn"), "pairing two NAT peers warns at the pair, not in JSON");
  check(await page.evaluate(() => document.activeElement?.getAttribute("aria-label")) === "pair D-nat with E-nat",
    "the focus stays on the box after the server answered");
  // A change made elsewhere redraws the list through the live channel: the
  // focus stays on the same box.
  await page.evaluate(() => { window.boxBefore = document.activeElement; });
  await apiCall("PATCH", `/admin/peers/${B_ID}`, { keepalive: 21 });
  await page.waitForFunction(() => !document.contains(window.boxBefore), null, { timeout: 15000 });
  check(await page.evaluate(() => document.activeElement?.getAttribute("aria-label")) === "pair D-nat with E-nat",
    "the focus stays on the box through a live redraw");
  const mx = page.locator("#matrix");
  check(await mx.getByRole("checkbox", { name: "pair D-nat with E-nat" }).isChecked() &&
    await mx.getByRole("checkbox", { name: "pair E-nat with D-nat" }).isChecked(), "the matrix mirrors the picker");

  // ---- the mesh graph.
  await page.getByRole("link", { name: "Mesh graph" }).click();
  await page.locator("#graph-svg .node").first().waitFor();
  check(await page.locator("#graph-svg .node").count() === 5, "the graph has a node per accepted peer");
  check(await page.locator("#graph-svg line.edge").count() === 2, "and a line per pair");
  check(await page.locator(`#graph-svg line.edge.nat`).count() === 1, "the NAT↔NAT pair is drawn as one");
  check(await page.locator("#graph-svg text", { hasText: "A-renamed" }).count() === 1, "nodes are labelled by name");

  // ---- the config preview: WireGuard text without secrets.
  await page.getByRole("link", { name: "Peers" }).click();
  await row(A_ID).getByRole("button", { name: "Config" }).click();
  await page.locator("#config-dialog").waitFor();
  const conf = await page.locator("#config-text").textContent();
  const apiConf = (await apiGet(`/admin/peers/${A_ID}/config`))[1];
  const bPub = (await apiGet(`/admin/peers/${B_ID}`))[1].public_key;
  check(/\[Interface\]/.test(conf) && /\[Peer\]/.test(conf) && conf.includes(`PublicKey = ${bPub}`) &&
    /AllowedIPs = /.test(conf), "the config preview is WireGuard text");
  check(!conf.includes(apiConf.peers[0].preshared_key_sealed) && !/PrivateKey =/.test(conf),
    "the preview leaves the secrets out");
  await page.locator("#config-close").click();

  // ---- network: MTU is checked at the field.
  await page.getByRole("link", { name: "Network" }).click();
  const nf = (n) => page.locator(`#network-form input[name="${n}"]`);
  await nf("mtu").fill("14OO");
  await page.getByRole("button", { name: "Save network" }).click();
  check(/whole number/.test(await page.locator('[data-error="net-mtu"]').textContent()),
    "MTU '14OO' is an error at the field");
  check((await apiGet("/admin/network"))[1].mtu === null, "and the MTU was not unset or changed");
  await nf("mtu").fill("1420");
  await nf("keepalive").fill("17");
  await nf("keepalive").press("Enter");
  await page.locator("#network-msg.ok").waitFor();
  const net = (await apiGet("/admin/network"))[1];
  check(net.mtu === 1420 && net.keepalive === 17, "the network has MTU 1420 and keepalive 17");
  await nf("ipv6_pool").fill("fd77::/64x");
  await nf("ipv6_pool").press("Enter");
  check(/IPv6|network like/.test(await page.locator('[data-error="net-ipv6_pool"]').textContent()),
    "a malformed IPv6 pool is an error at the field");
  await nf("ipv6_pool").fill("fd77::/64");
  await nf("ipv6_pool").press("Enter");
  await page.locator("#network-msg.ok").waitFor();
  check((await apiGet("/admin/network"))[1].ipv6_pool === "fd77::/64", "the network has the IPv6 pool");

  // With an IPv6 pool the edit dialog has an IPv6 address field, checked too.
  await page.getByRole("link", { name: "Peers" }).click();
  await row(A_ID).getByRole("button", { name: "Edit" }).click();
  await dlg.waitFor();
  check(await field("address6").isVisible(), "the dialog shows the IPv6 address field");
  await field("address6").fill("fd77::zz");
  await field("address6").press("Enter");
  check(/not an IPv6 address/.test(await errAt("address6").textContent()) && await dlg.isVisible(),
    "'fd77::zz' is an error at the IPv6 field");
  await field("address6").fill("fd77::50");
  await field("address6").press("Enter");
  await dlg.waitFor({ state: "hidden" });
  a = (await apiGet(`/admin/peers/${A_ID}`))[1];
  check(JSON.stringify(a.addresses) === JSON.stringify(["10.77.0.50", "fd77::50"]) && a.name === "A-renamed",
    `A has the IPv6 address, the rest unchanged (${a.addresses})`);
  check(/IPv6 address/.test(await msgOf(A_ID).textContent()), "the row says the IPv6 address was saved");
  await page.getByRole("link", { name: "Network" }).click();

  // ---- invites: the code, the ready command, the copy button.
  await page.getByRole("link", { name: "Invites" }).click();
  const invForm = page.locator("#invite-form");
  // A label with a control character is refused at the field, unsent.
  await invForm.locator('input[name="label"]').fill("web9\tlab");
  await page.getByRole("button", { name: "Make invite" }).click();
  check(/control character/.test(await invForm.locator('[data-error="label"]').textContent()) &&
    await invForm.locator('input[name="label"]').getAttribute("aria-invalid") === "true",
    "a label with a tab is an error at the field");
  check((await apiGet("/admin/invites"))[1].invites.length === 0, "and no invite was made");
  const label = '<b>web9</b> été';
  await invForm.locator('input[name="label"]').fill(label);
  await page.getByRole("button", { name: "Make invite" }).click();
  await page.locator("#invite-code:not([hidden])").waitFor();
  code = await page.locator("#invite-code code").textContent();
  check(/^[A-Za-z0-9_-]{43}$/.test(code), "the new invite code is shown");
  const invs = (await apiGet("/admin/invites"))[1].invites;
  check(invs.length === 1 && invs[0].label === label, `the API has the invite with its label (${invs[0]?.label})`);
  await page.locator(`#invites tr[data-invite="${invs[0].id}"]`).waitFor();
  check(await page.locator(`#invites tr[data-invite="${invs[0].id}"] td`).first().textContent() === label &&
    await page.locator("#invites b").count() === 0, "the list shows the label, as text");
  const line = await page.locator("#invite-line").textContent();
  check(line.startsWith(`wgconf register --server ${URL_}`) && line.includes(`--invite ${code}`),
    `the ready command line is shown (${line})`);
  check(/--name "\$\(hostname\)" nat$/.test(line), "by default it names the host by its hostname, behind NAT");
  await page.locator("#invite-host-name").fill("web9");
  await page.locator("#invite-host-endpoint").fill("203.0.113.9:51820");
  check((await page.locator("#invite-line").textContent()).endsWith(`--invite ${code} --name web9 203.0.113.9:51820`),
    "the host's name and endpoint go into the command as typed");
  await page.locator("#invite-host-endpoint").fill("203.0.113.9:5182O");
  check(/whole number/.test(await page.locator("#invite-host-msg").textContent()) &&
    (await page.locator("#invite-line").textContent()).endsWith("--name web9 nat"),
    "a bad endpoint is said at the field and stays out of the command");
  await page.locator("#invite-host-endpoint").fill("203.0.113.9:51820");
  // The server's key pin, remembered by this browser, goes into the line.
  await page.locator("details.pin summary").click();
  await page.locator("#invite-pin").fill(process.env.PIN);
  await page.locator("#invite-pin").press("Tab");
  ready = await page.locator("#invite-line").textContent();
  check(ready.includes(` --pin ${process.env.PIN} `), "the pin is in the command");
  await page.locator("#invite-copy").click();
  await page.locator("#copy-msg:not([hidden])").waitFor();
  check(await page.evaluate(() => navigator.clipboard.readText()) === ready, "Copy puts the command on the clipboard");
  await page.locator("#invites tbody tr").first().waitFor();
  check(await page.locator("#invites tbody tr").count() === 1, "the invite is listed");

  // ---- audit: names, readable changes, a filter.
  await page.getByRole("link", { name: "Audit log" }).click();
  await page.locator("#audit tbody tr").first().waitFor();
  const audit = await page.locator("#audit").textContent();
  check(audit.includes("A-renamed") && !audit.includes(A_ID), "the audit log names peers, not ids");
  check(await page.locator("#audit tbody tr", { hasText: "paired (pair.create)" }).filter({ hasText: "B-host" })
    .filter({ hasText: "A-renamed" }).count() === 1, "the pairing reads 'paired' with both names") ||
    console.log((await page.locator("#audit tbody tr").allTextContents()).join("\n"));
  check(await page.locator("#audit tbody tr", { hasText: "name A-other → A-renamed" }).count() === 1,
    "an edit shows its change: the name before and after");
  check(await page.locator("#audit tbody tr", { hasText: "endpoint 192.0.2.1:51820 → 198.51.100.7:51820" }).count() === 1,
    "the host's endpoint move shows before and after");
  check(!audit.includes(code), "the audit log does not show the invite code");
  await page.locator("#audit-search").fill("invite");
  await page.waitForFunction(() => [...document.querySelectorAll("#audit tbody tr")].every((r) => /invite/.test(r.textContent)));
  check(await page.locator("#audit tbody tr").count() === 1, "the filter narrows the log to the invite");

  // ---- no sideways scrolling on a desktop screen either.
  await page.getByRole("link", { name: "Peers" }).click();
  for (const w of [1280, 1024]) {
    await page.setViewportSize({ width: w, height: 800 });
    const [sw, iw] = await page.evaluate(() => [document.scrollingElement.scrollWidth, innerWidth]);
    check(sw <= iw, `at ${w} px the peer list fits the window (${sw} <= ${iw})`);
  }
  await page.setViewportSize({ width: 1280, height: 800 });

  // ---- dark mode.
  await page.emulateMedia({ colorScheme: "dark" });
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  check(bg === "rgb(13, 17, 23)", `prefers-color-scheme: dark gives a dark page (${bg})`);
  await page.emulateMedia({ colorScheme: "light" });

  check(g.problems().length === 0, `no console or script errors (${g.problems().join("; ")})`);
  console.log(`# API refusals the page handled: ${g.apiErrors.join(", ")}`);
  if (SHOT) {
    await page.getByRole("link", { name: "Peers" }).click();
    await page.screenshot({ path: SHOT, fullPage: true });
  }
  console.log(`CODE=${code}`);
  console.log(`LINE=${ready}`);
} catch (e) {
  check(false, `the walk went through (${e.message.split("\n")[0]})`);
  console.log(`# ${e.stack}`);
  if (SHOT) await lastPage?.screenshot({ path: SHOT.replace(/\.png$/, "-failed.png"), fullPage: true }).catch(() => {});
} finally {
  await browser.close();
}
process.exit(failed() ? 1 : 0);
