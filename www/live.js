// SPDX-License-Identifier: MIT
// Live updates: the server's admin channel (push, docs/operations.md) says
// what changed ("changed: peers,pending,links"), and the page reads it
// again, a moment later so that a burst of changes (every host reporting
// its links after a mesh-wide change) costs one read. No polling: without
// push (the path answers 404 and the EventSource gives up) the page stays
// as it is until the Reload button.

const SETTLE_MS = 400;

// onChange(what: Set of "peers", "pending", "links") after changes settle.
export function startLive(onChange) {
  if (typeof EventSource === "undefined") return;
  const es = new EventSource("/api/v1/admin/watch");
  let what = new Set();
  let timer = null;
  es.onopen = () => { document.body.dataset.live = "1"; };
  es.onerror = () => {
    // The browser reconnects by itself unless it gave up (CLOSED: no push).
    document.body.dataset.live = es.readyState === EventSource.CLOSED ? "off" : "0";
  };
  es.onmessage = (ev) => {
    const m = /^changed: ([a-z,]+)$/.exec(ev.data);
    if (!m) return;
    for (const w of m[1].split(",")) what.add(w);
    clearTimeout(timer);
    timer = setTimeout(() => {
      const now = what;
      what = new Set();
      onChange(now);
    }, SETTLE_MS);
  };
}
