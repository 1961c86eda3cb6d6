// SPDX-License-Identifier: MIT
// The admin API, as the browser calls it. The browser sends the basic-auth
// credentials nginx asked for; every change goes as application/json, which
// the responder requires (a cross-site form cannot send it).

const BASE = "/api/v1";

export class ApiError extends Error {
  constructor(status, code, message, data) {
    super(message);
    this.status = status;
    this.code = code;
    this.data = data;
  }
}

// When the last answer arrived (performance.now()), for the "reflected after
// the server answered" measure (see timing()).
export let answeredAt = 0;

// How long the page waits for an answer. A write that takes longer is not
// confirmed: it may still land (nginx has passed it on), so the caller reads
// the object again instead of calling it failed.
export const TIMEOUT_MS = { read: 30000, write: 10000 };

// What a status the page did not get from the responder means. 502: nginx
// reached no responder, nothing was done. 504, or the page's own timeout: the
// request may have been done, nobody knows yet.
function unanswered(status, method) {
  if (status === 502) return new ApiError(502, "backend_unavailable", "no responder is running: nothing was done");
  const write = method !== "GET";
  return new ApiError(status, write ? "not_confirmed" : "timeout", write
    ? "not confirmed: the server did not answer in time; the change may still have been made"
    : "the server did not answer in time");
}

export async function call(method, path, body, headers = {}) {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), method === "GET" ? TIMEOUT_MS.read : TIMEOUT_MS.write);
  const init = { method, credentials: "same-origin", signal: ctl.signal, headers: { Accept: "application/json", ...headers } };
  if (method !== "GET") {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body ?? {});
  }
  let res;
  try {
    res = await fetch(BASE + path, init);
  } catch (e) {
    if (ctl.signal.aborted) throw unanswered(0, method);
    throw new ApiError(0, "network", `the server cannot be reached (${e.message})`);
  } finally {
    clearTimeout(timer);
  }
  answeredAt = performance.now();
  if (res.status === 502 || res.status === 504) throw unanswered(res.status, method);
  if (res.status === 204) return null;
  let data = null;
  try {
    data = await res.json();
  } catch {
    throw new ApiError(res.status, "bad_answer", `the server answered ${res.status} without JSON`);
  }
  if (!res.ok) {
    const err = data && data.error ? data.error : { code: "error", message: `HTTP ${res.status}` };
    throw new ApiError(res.status, err.code, err.message, data);
  }
  return data;
}

// After a write that was not confirmed: reads the object until the server
// answers, and twice more a second apart while the answer does not show the
// write (it may be queued behind the read). The last answer, or null when
// the server never answered; a 404 is thrown.
export async function reread(read, landed) {
  let last = null;
  for (let tries = 0, seen = 0; tries < 40; tries++) {
    try {
      last = await read();
      if (landed(last) || ++seen >= 3) return last;
    } catch (e) {
      if (e.status === 404) throw e;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  return last;
}

// Reads a list that may come in pages: when the answer has a next_cursor,
// the rest follows by ?cursor=…. The first page is the server's own size
// (a server that does not page sends everything and knows no limit); the
// ones after it are as large as the server gives (1000), so 20,000 pairs
// are 21 requests, not 200 against the admin rate limit.
export const PAGE_MAX = 1000;

export async function all(path, key) {
  const out = [];
  let cursor = null;
  const sep = path.includes("?") ? "&" : "?";
  for (let guard = 0; guard < 100000; guard++) {
    const page = await call("GET", cursor ? `${path}${sep}limit=${PAGE_MAX}&cursor=${encodeURIComponent(cursor)}` : path);
    const items = page[key] ?? [];
    for (const x of items) out.push(x);
    if (!page.next_cursor || items.length === 0) break;
    cursor = page.next_cursor;
  }
  return out;
}

// An optional route: its answer, or null when the server does not have it.
export async function optional(path) {
  try {
    return await call("GET", path);
  } catch (e) {
    if (e.status === 404 || e.status === 405) return null;
    throw e;
  }
}

const id = encodeURIComponent;

export const api = {
  peers: () => all("/admin/peers", "peers"),
  peer: (p) => call("GET", `/admin/peers/${id(p)}`),
  accept: (p, body) => call("POST", `/admin/peers/${id(p)}/accept`, body),
  reject: (p) => call("POST", `/admin/peers/${id(p)}/reject`),
  // Only the changed fields; with the revision the admin saw, when the
  // server gives one, so that a stale edit is refused (412), not applied.
  patch: (p, body, revision) => call("PATCH", `/admin/peers/${id(p)}`, body,
    revision === undefined || revision === null ? {} : { "If-Match": `"${revision}"` }),
  remove: (p) => call("DELETE", `/admin/peers/${id(p)}`),
  // Pausing (docs/api.md): out of every config, and back; enable may set
  // an expiry (seconds from now), without one it drops any.
  disable: (p) => call("POST", `/admin/peers/${id(p)}/disable`),
  enable: (p, expiresIn) => call("POST", `/admin/peers/${id(p)}/enable`, expiresIn ? { expires_in: expiresIn } : {}),
  config: (p) => call("GET", `/admin/peers/${id(p)}/config`),
  pairs: () => all("/admin/pairs", "pairs"),
  pair: (a, b) => call("PUT", `/admin/pairs/${id(a)}/${id(b)}`),
  unpair: (a, b) => call("DELETE", `/admin/pairs/${id(a)}/${id(b)}`),
  network: () => call("GET", "/admin/network"),
  setNetwork: (body) => call("PUT", "/admin/network", body),
  invites: () => call("GET", "/admin/invites"),
  invite: (body) => call("POST", "/admin/invites", body),
  dropInvite: (i) => call("DELETE", `/admin/invites/${id(i)}`),
  audit: (before, q, limit = 100) => call("GET", `/admin/audit?limit=${limit}` + (before ? `&before=${before}` : "") +
    (q ? `&q=${encodeURIComponent(q)}` : "")),
  links: () => optional("/admin/links"),
  tlsPin: () => optional("/admin/tls-pin"),
  rules: () => optional("/admin/rules"),
  addRule: (a, b) => call("POST", "/admin/rules", { a, b }),
  dropRule: (r) => call("DELETE", `/admin/rules/${id(r)}`),
  jobs: () => optional("/admin/jobs"),
};

// Records how long the page took to show what the server answered: from
// the answer to the next frame after the DOM was changed. bench/browser.mjs
// reads these measures ("wgconf:" + what).
export function timing(what) {
  const start = answeredAt;
  requestAnimationFrame(() => setTimeout(() => {
    try {
      performance.measure(`wgconf:${what}`, { start, end: performance.now() });
    } catch {
      // an old browser without measure options: no figure, no harm
    }
  }, 0));
}
