// SPDX-License-Identifier: MIT
// What every browser test shares: Chromium from Debian, TAP-like checks,
// and a page that fails the test on any console error, script error or
// failed request.
//
// An answer of the API with an error status shows in Chromium's console as
// "Failed to load resource: the server responded with a status of N". The
// only ones allowed are the refusals a test provokes on purpose: it names
// each with expectApi(pathRegex, status) just before (and a request the page
// abandons on its own timeout with expectAbort(pathRegex)). There is no allowance
// for a route the server lacks: a feature missing is a failure.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

let failures = 0;
let n = 0;

export function check(cond, what) {
  n++;
  if (cond) console.log(`ok ${n} - ${what}`);
  else {
    failures++;
    console.log(`not ok ${n} - ${what}`);
  }
  return cond;
}

export function failed() {
  return failures;
}

export async function launch() {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

// A page that records its problems: guard.problems() lists the console
// errors, script errors, failed requests and error answers (>= 400) of the
// page that were not expected.
export async function guardedPage(ctx) {
  const page = await ctx.newPage();
  const expected = [];
  const problems = [];
  const apiErrors = [];
  const isExpected = (path, status) => expected.some(([re, s]) => re.test(path) && s === status);
  page.on("pageerror", (e) => problems.push(`page error: ${e}`));
  page.on("console", (m) => {
    if (m.type() !== "error" && m.type() !== "warning") return;
    const url = m.location()?.url ?? "";
    const st = /status of (\d+)/.exec(m.text());
    if (m.type() === "error" && st && /\/api\/v1\//.test(url)) {
      const path = new URL(url).pathname.replace(/^\/api\/v1/, "");
      apiErrors.push(`${st[1]} ${path}`);
      if (isExpected(path, Number(st[1]))) return;
    }
    if (m.type() === "error") problems.push(`console: ${m.text()} (${url})`);
  });
  // A request the page gave up on itself (its own timeout: the write is
  // "not confirmed") is expected only where a test provokes it.
  const aborts = [];
  // Leaving or reloading the page aborts the reads it still had in flight
  // (a live update's re-read, say): no failure of the page, when the test
  // itself navigated a moment before. A write aborted that way still counts.
  let navigatedAt = -Infinity;
  page.on("request", (r) => {
    if (r.isNavigationRequest() && r.frame() === page.mainFrame()) navigatedAt = Date.now();
  });
  page.on("requestfailed", (r) => {
    const path = new URL(r.url()).pathname.replace(/^\/api\/v1/, "");
    if (r.failure()?.errorText === "net::ERR_ABORTED" && aborts.some((re) => re.test(path))) return;
    if (r.failure()?.errorText === "net::ERR_ABORTED" && r.method() === "GET" &&
        Date.now() - navigatedAt < 5000) return;
    // The admin channel's EventSource (push) is open as long as the page
    // is: leaving or reloading the page aborts it, which is no failure.
    // Any other way it fails (refused, reset) still is.
    if (r.resourceType() === "eventsource" && r.failure()?.errorText === "net::ERR_ABORTED") return;
    problems.push(`request failed: ${r.method()} ${r.url()} (${r.failure()?.errorText})`);
  });
  const responses = [];
  page.on("response", (r) => {
    const path = new URL(r.url()).pathname;
    responses.push([r.status(), path]);
    if (r.status() < 400) return;
    if (path.startsWith("/api/v1/") && isExpected(path.replace(/^\/api\/v1/, ""), r.status())) return;
    problems.push(`answer ${r.status()}: ${r.request().method()} ${path}`);
  });
  return {
    page,
    responses,
    apiErrors,
    expectApi: (re, status) => expected.push([re, status]),
    expectAbort: (re) => aborts.push(re),
    problems: () => problems,
  };
}

// A locator's box once it is on the page: a live update may redraw the
// element between finding it and measuring it (boundingBox() is then null).
export async function boxOf(locator, ms = 5000) {
  for (const end = Date.now() + ms; ; ) {
    await locator.waitFor();
    const b = await locator.boundingBox();
    if (b || Date.now() > end) return b;
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const ADMIN = process.env.ADMIN_PASS;
export const URL_ = process.env.URL;

export async function adminContext(browser, opts = {}) {
  return browser.newContext({
    ignoreHTTPSErrors: true,
    httpCredentials: { username: "admin", password: ADMIN },
    ...opts,
  });
}

// The API from the test itself (node's fetch), to check what the clicks did.
export async function apiGet(path) {
  const r = await fetch(`${URL_}/api/v1${path}`, {
    headers: { Authorization: "Basic " + Buffer.from(`admin:${ADMIN}`).toString("base64") },
  });
  return [r.status, r.status === 204 ? null : await r.json()];
}

// A whole list that the server may send in pages (next_cursor).
export async function apiAll(path, key) {
  const out = [];
  let cursor = null;
  for (;;) {
    const sep = path.includes("?") ? "&" : "?";
    const [st, body] = await apiGet(cursor ? `${path}${sep}cursor=${encodeURIComponent(cursor)}` : path);
    if (st !== 200) throw new Error(`GET ${path}: ${st}`);
    out.push(...body[key]);
    if (!body.next_cursor) return out;
    cursor = body.next_cursor;
  }
}

// Any API call from the test (admin unless admin is false).
export async function apiCall(method, path, body, admin = true) {
  const r = await fetch(`${URL_}/api/v1${path}`, {
    method,
    headers: { ...(admin ? { Authorization: "Basic " + Buffer.from(`admin:${ADMIN}`).toString("base64") } : {}),
      "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = r.status === 204 ? null : await r.json();
  if (r.status >= 400) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(data)}`);
  return data;
}

// axe-core (as a11y.mjs runs it): no serious or critical violation in the
// page. Its context needs bypassCSP: the script is put in from the test.
let axeSrc = null; // read when first needed: a test without axe does not need it installed
export async function axeCheck(page, what) {
  axeSrc ??= readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
  await page.addScriptTag({ content: axeSrc });
  const res = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ["violations"] });
    return r.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")}`);
  });
  check(res.length === 0, `axe: ${what}: no serious or critical violation${res.length ? ` (${res.join("; ")})` : ""}`);
}
