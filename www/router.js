// SPDX-License-Identifier: MIT
// The current view lives in the URL: #peers?q=web&state=pending&page=2,
// #pairs?peer=ID, #graph, #network, #invites, #audit?q=… A reload or a
// shared link opens the same view.

const VIEWS = ["peers", "pairs", "graph", "network", "invites", "devices", "audit"];
let onShow = () => {};

export function parse() {
  const h = decodeURIComponent(location.hash.slice(1));
  const [name, query] = h.split("?");
  const view = VIEWS.includes(name) ? name : "peers";
  return { view, params: Object.fromEntries(new URLSearchParams(query ?? "")) };
}

function hashOf(view, params) {
  const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== "" && v !== undefined && v !== null)).toString();
  return `#${view}${q ? `?${q}` : ""}`;
}

export function getView() {
  return parse().params;
}

// Records the view's state without showing anything again.
export function setView(view, params) {
  history.replaceState(null, "", hashOf(view, params));
}

// Goes to a view (a history entry, so Back returns).
export function go(view, params = {}) {
  const h = hashOf(view, params);
  if (location.hash === h) onShow(parse());
  else location.hash = h;
}

let started = false;

// Shows the view the URL names now, and from then on at every change.
export function startRouter(show) {
  onShow = show;
  if (!started) addEventListener("hashchange", () => onShow(parse()));
  started = true;
  onShow(parse());
}
