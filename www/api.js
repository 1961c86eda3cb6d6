// SPDX-License-Identifier: MIT
// The admin API, as the browser calls it. The browser sends the basic-auth
// credentials nginx asked for; every change goes as application/json, which
// the responder requires (a cross-site form cannot send it).

const BASE = "/api/v1";

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export async function call(method, path, body) {
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
  if (method !== "GET") {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body ?? {});
  }
  const res = await fetch(BASE + path, init);
  if (res.status === 204) return null;
  let data = null;
  try {
    data = await res.json();
  } catch {
    throw new ApiError(res.status, "bad_answer", `the server answered ${res.status} without JSON`);
  }
  if (!res.ok) {
    const err = data && data.error ? data.error : { code: "error", message: `HTTP ${res.status}` };
    throw new ApiError(res.status, err.code, err.message);
  }
  return data;
}

export const api = {
  peers: () => call("GET", "/admin/peers"),
  accept: (id, body) => call("POST", `/admin/peers/${encodeURIComponent(id)}/accept`, body),
  reject: (id) => call("POST", `/admin/peers/${encodeURIComponent(id)}/reject`),
  patch: (id, body) => call("PATCH", `/admin/peers/${encodeURIComponent(id)}`, body),
  remove: (id) => call("DELETE", `/admin/peers/${encodeURIComponent(id)}`),
  config: (id) => call("GET", `/admin/peers/${encodeURIComponent(id)}/config`),
  pair: (a, b) => call("PUT", `/admin/pairs/${encodeURIComponent(a)}/${encodeURIComponent(b)}`),
  unpair: (a, b) => call("DELETE", `/admin/pairs/${encodeURIComponent(a)}/${encodeURIComponent(b)}`),
  network: () => call("GET", "/admin/network"),
  setNetwork: (body) => call("PUT", "/admin/network", body),
  invites: () => call("GET", "/admin/invites"),
  invite: (body) => call("POST", "/admin/invites", body),
  dropInvite: (id) => call("DELETE", `/admin/invites/${encodeURIComponent(id)}`),
  audit: (before) => call("GET", "/admin/audit?limit=50" + (before ? `&before=${before}` : "")),
};
