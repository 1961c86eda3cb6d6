// SPDX-License-Identifier: MIT
// Reads GET /admin/links off the page's main thread: at 20,000 pairs the
// answer is megabytes of JSON, whose parsing (and garbage) would stall the
// page. Answers the page with a compact copy: the pair keys as one string,
// statuses, paths and handshake times as typed arrays (moved, not copied),
// the relay of each relayed pair (its id, "" for the others), and each
// side's own report: own has six numbers a pair, rx, tx and handshake as the
// peer whose id sorts first reported them, then its partner's; NaN where a
// side never reported.

const STATUS = ["never", "stale", "up"];
const PATH = ["direct", "relayed", "down"];

self.onmessage = async () => {
  let res;
  try {
    res = await fetch("/api/v1/admin/links", { credentials: "same-origin", headers: { Accept: "application/json" } });
  } catch (e) {
    self.postMessage({ status: 0, error: String(e) });
    return;
  }
  if (!res.ok) {
    self.postMessage({ status: res.status });
    return;
  }
  let data;
  try {
    data = await res.json();
  } catch {
    self.postMessage({ status: res.status, error: "the server answered without JSON" });
    return;
  }
  const links = data.links ?? [];
  const side = (s) => (s && typeof s === "object" ? s.id : s);
  const keys = new Array(links.length);
  const status = new Uint8Array(links.length);
  const handshake = new Float64Array(links.length);
  const path = new Uint8Array(links.length);
  const via = new Array(links.length);
  const own = new Float64Array(links.length * 6).fill(NaN);
  links.forEach((l, i) => {
    const a = side(l.a), b = side(l.b);
    keys[i] = a < b ? `${a}|${b}` : `${b}|${a}`;
    status[i] = Math.max(0, STATUS.indexOf(l.status));
    handshake[i] = l.latest_handshake ? Date.parse(l.latest_handshake) : 0;
    path[i] = Math.max(0, PATH.indexOf(l.path));
    via[i] = l.path === "relayed" ? side(l.via) ?? "" : "";
    (a < b ? [l.a, l.b] : [l.b, l.a]).forEach((s, k) => {
      if (typeof s?.rx !== "number") return;
      own.set([s.rx, s.tx, s.latest_handshake ? Date.parse(s.latest_handshake) : 0], i * 6 + k * 3);
    });
  });
  self.postMessage({ status: 200, keys: keys.join("\n"), codes: status, handshake, path, via: via.join("\n"), own,
    staleAfter: data.stale_after ?? null }, [status.buffer, handshake.buffer, path.buffer, own.buffer]);
};
