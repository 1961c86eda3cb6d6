// SPDX-License-Identifier: MIT
// Small helpers shared by the views: element building (text only, never
// HTML parsing), times, and the field checks the forms run before sending.

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

// el("td", {class: "x", on: {click}}, "text", node): children that are not
// nodes become text nodes, so a peer's name can never become markup.
export function el(tag, props = {}, ...children) {
  const node = tag.startsWith("svg:")
    ? document.createElementNS("http://www.w3.org/2000/svg", tag.slice(4))
    : document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.setAttribute("class", v);
    else if (k === "on") for (const [ev, fn] of Object.entries(v)) node.addEventListener(ev, fn);
    else if (k === "dataset") Object.assign(node.dataset, v);
    else if (k in node && !(node instanceof SVGElement)) node[k] = v;
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

// Peer ids in the server's messages become names; the store knows them
// (setNamer), this module does not.
let namer = (s) => s;
export function setNamer(fn) {
  namer = fn;
}

// A message next to what it concerns: kind "ok", "error", "warn" or "busy".
export function note(target, text, kind = "ok") {
  if (!target) return;
  target.textContent = kind === "error" || kind === "warn" ? namer(text) : text;
  target.className = `msg ${kind}`;
  target.hidden = !text;
}

// Names in the order a person expects: case-insensitive, digit runs by
// value (host-2 before host-10). Plain code, not Intl.Collator: names are
// ASCII (the API allows letters, digits, '.', '-', '_'), and ICU's collator
// costs tens of milliseconds to set up on a cold page.
export function natural(x, y) {
  const a = x.toLowerCase(), b = y.toLowerCase();
  let i = 0, j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.charCodeAt(i), cb = b.charCodeAt(j);
    const da = ca >= 48 && ca <= 57, db = cb >= 48 && cb <= 57;
    if (da && db) {
      let ei = i, ej = j;
      while (ei < a.length && a.charCodeAt(ei) >= 48 && a.charCodeAt(ei) <= 57) ei++;
      while (ej < b.length && b.charCodeAt(ej) >= 48 && b.charCodeAt(ej) <= 57) ej++;
      const na = a.slice(i, ei).replace(/^0+/, ""), nb = b.slice(j, ej).replace(/^0+/, "");
      if (na.length !== nb.length) return na.length - nb.length;
      if (na !== nb) return na < nb ? -1 : 1;
      i = ei;
      j = ej;
    } else {
      if (ca !== cb) return ca - cb;
      i++;
      j++;
    }
  }
  return (a.length - i) - (b.length - j) || (x < y ? -1 : x > y ? 1 : 0);
}

export const byName = (a, b) => natural(a.name, b.name);

export function list(s) {
  return s.split(/[,\s]+/).map((x) => x.trim()).filter(Boolean);
}

export function when(t) {
  return t ? new Date(t).toLocaleString() : "never";
}

// "3 min ago", "2 h ago", "5 d ago"; null -> "never".
export function ago(t, now = Date.now()) {
  if (!t) return "never";
  const s = Math.round((now - Date.parse(t)) / 1000);
  if (s < 45) return "just now";
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400 * 2) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

// A time still to come in words: "in 7 days", "in 5 h", "in 12 min";
// "now" once it has passed.
export function until(t, now = Date.now()) {
  const s = Math.round((Date.parse(t) - now) / 1000);
  if (s < 60) return s <= 0 ? "now" : "in under a minute";
  if (s < 3600) return `in ${Math.round(s / 60)} min`;
  if (s < 86400 * 1.5) return `in ${Math.round(s / 3600)} h`;
  return `in ${Math.round(s / 86400)} days`;
}

// Bytes as wg show counts them: "0 B", "2.0 KiB", "3.0 MiB".
export function bytes(n) {
  if (typeof n !== "number" || !Number.isFinite(n)) return "?";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${n.toFixed(1)} ${units[i]}`;
}

// Seconds in words: "90 days", "1 h 30 min", "45 s".
export function duration(s) {
  if (typeof s !== "number" || !Number.isFinite(s)) return String(s);
  const units = [[86400, "day"], [3600, "h"], [60, "min"], [1, "s"]];
  const parts = [];
  let rest = Math.round(s);
  for (const [n, u] of units) {
    if (rest >= n && parts.length < 2) {
      const k = Math.floor(rest / n);
      parts.push(u === "day" ? `${k} ${k === 1 ? "day" : "days"}` : `${k} ${u}`);
      rest -= k * n;
    }
  }
  return parts.length ? parts.join(" ") : "0 s";
}

// A host that syncs from a timer talks to the server every minute or so.
export const STALE_MS = 15 * 60 * 1000;

export function health(p, now = Date.now()) {
  if (p.state !== "accepted") return p.last_seen ? "alive" : "never";
  if (!p.last_seen) return "never";
  return now - Date.parse(p.last_seen) > STALE_MS ? "stale" : "fresh";
}

// ----------------------------------------------------------------- checks
// Each returns null when the value is good, or a sentence saying why not.

export function isIPv4(s) {
  return /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(s);
}

export function isIPv6(s) {
  if (!s.includes(":") || !/^[0-9A-Fa-f:.]+$/.test(s)) return false;
  try {
    new URL(`http://[${s}]/`);
    return true;
  } catch {
    return false;
  }
}

export function checkInt(s, lo, hi, what) {
  if (!/^\d+$/.test(s)) return `${what} must be a whole number from ${lo} to ${hi}, not "${s}"`;
  const n = Number(s);
  if (n < lo || n > hi) return `${what} must be from ${lo} to ${hi}, not ${n}`;
  return null;
}

export function checkCidr(s) {
  const m = /^(.+)\/(\d{1,3})$/.exec(s);
  if (!m) return `"${s}" is not a network like 192.168.5.0/24`;
  if (isIPv4(m[1])) return Number(m[2]) <= 32 ? null : `"${s}": an IPv4 prefix is at most 32`;
  if (isIPv6(m[1])) return Number(m[2]) <= 128 ? null : `"${s}": an IPv6 prefix is at most 128`;
  return `"${s}" is not a network like 192.168.5.0/24`;
}

export function checkEndpoint(s) {
  let host, port;
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(s);
  if (v6) {
    [, host, port] = v6;
    if (!isIPv6(host)) return `"${host}" is not an IPv6 address`;
  } else {
    const i = s.lastIndexOf(":");
    if (i <= 0) return `"${s}" is not host:port`;
    host = s.slice(0, i);
    port = s.slice(i + 1);
    if (!isIPv4(host) && !/^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?)+$/.test(host))
      return `"${host}" is not a host name or IPv4 address`;
  }
  return checkInt(port, 1, 65535, "the port");
}

export function checkName(s) {
  return /^[A-Za-z0-9._-]{1,63}$/.test(s) ? null : "a name is 1 to 63 letters, digits, '.', '-' or '_'";
}

// Runs fn over items, n at a time; onEach(item, error|null) after each.
export async function pool(items, n, fn, onEach) {
  let i = 0;
  const worker = async () => {
    while (i < items.length) {
      const item = items[i++];
      let err = null;
      try {
        await fn(item);
      } catch (e) {
        err = e;
      }
      onEach?.(item, err);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
}

export function debounce(fn, ms) {
  let t;
  return (...a) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...a), ms);
  };
}

// Tags as the server takes them: 1-32 of a-z, 0-9, '_', '-'; 16 at most.
export const TAG_RE = /^[a-z0-9_-]{1,32}$/;

export function checkTag(t) {
  return TAG_RE.test(t) ? null : `"${t}" is no tag: 1 to 32 of a-z, 0-9, '_', '-'`;
}

export function checkTags(tags) {
  for (const t of tags) {
    const e = checkTag(t);
    if (e) return e;
  }
  return new Set(tags).size > 16 ? "a peer has at most 16 tags" : null;
}

// What the server takes as a label: 1 to 64 characters, none a control
// character. Empty is no label.
export function checkLabel(v) {
  if (!v) return null;
  if ([...v].length > 64) return `the label is ${[...v].length} characters; at most 64`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(v)) return "the label has a control character (tab, newline…)";
  return null;
}
