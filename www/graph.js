// SPDX-License-Identifier: MIT
// A picture of the mesh, drawn by the page as SVG. A small mesh is drawn
// whole: peers on a circle, a line per pair, coloured by link status when
// the server reports it. A larger one is drawn as groups (by tag, or by what
// the admin picks), each line between two groups labelled with its pairs;
// a group opens into its peers, with a line from each peer to every other
// group it has pairs in (so a hub shows all of its pairs). Labels sit in
// columns beside the picture, so they never overlap; search finds a peer,
// the wheel, the buttons or +/- zoom, dragging pans. A pair the server
// routes through a relay (GET /admin/links: path "relayed") is drawn as
// two segments through its relay, and the relays are ringed.

import { store, subscribe, accepted, linkOf, linkText, isNat, relayOf } from "./store.js";
import { $, el, byName, natural } from "./util.js";
import { go, getView, setView } from "./router.js";

const SMALL = 60;      // drawn whole up to this many peers; a group is split past it
const MAX_GROUPS = 30; // more are merged into "other"
const W = 760;         // the picture's width in SVG units
const LINE = 18;       // a label's line height
const TOUCH_LINE = 48; // the same on a phone, where the picture is drawn at 1:1: a target of 44 px and more a row
const PHONE = "(max-width: 700px)"; // style.css's phone layout
let touch = false;     // this drawing is for a phone
let line = LINE;       // this drawing's line height
const NAME = 22;       // label length in characters; the full name is in the title

const short = (s, n = NAME) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function ipv4Net(p) {
  const a = p.addresses.find((x) => /^\d+\.\d+\.\d+\.\d+$/.test(x));
  return a ? `${a.split(".").slice(0, 3).join(".")}.0/24` : "no IPv4";
}

// What a peer is grouped by; the admin picks it (#graph-by).
const KEYS = {
  tag: (p) => (p.tags?.length ? [...p.tags].sort()[0] : "untagged"),
  prefix: (p) => /^[A-Za-z]*/.exec(p.name)[0].toLowerCase() || "other",
  nat: (p) => (isNat(p) ? "behind NAT" : "public endpoint"),
  subnet: ipv4Net,
};

function groupBy() {
  const v = getView().by;
  if (KEYS[v]) return v;
  return accepted().some((p) => p.tags?.length) ? "tag" : "prefix";
}

// Peers into groups of at most SMALL (a larger one is split into runs of
// names, "web 1/3"), at most MAX_GROUPS (the smallest merged into "other").
export function groups(peers, by) {
  const key = KEYS[by];
  const raw = new Map();
  for (const p of peers) {
    const k = key(p);
    if (!raw.has(k)) raw.set(k, []);
    raw.get(k).push(p);
  }
  let list = [...raw.entries()].sort((a, b) => b[1].length - a[1].length || natural(a[0], b[0]));
  if (list.length > MAX_GROUPS) {
    const rest = list.slice(MAX_GROUPS - 1);
    list = list.slice(0, MAX_GROUPS - 1).concat([[`other (${rest.length} groups)`, rest.flatMap((x) => x[1])]]);
  }
  const out = new Map();
  for (const [k, ps] of list) {
    ps.sort(byName);
    const parts = Math.ceil(ps.length / SMALL);
    if (parts <= 1) out.set(k, ps);
    else for (let i = 0; i < parts; i++) out.set(`${k} ${i + 1}/${parts}`, ps.slice(i * SMALL, (i + 1) * SMALL));
  }
  return out;
}

// Labels in a column: each wants the y of its node; they are pushed apart
// to a line apart and kept inside [top, bottom] as far as they fit.
function column(items, top) {
  items.sort((a, b) => a.want - b.want);
  let y = top;
  for (const it of items) {
    it.y = Math.max(it.want, y);
    y = it.y + line;
  }
  return y;
}

function linkClass(a, b) {
  const l = linkOf(a.id, b.id);
  const status = store.links ? ` link-${l?.status ?? "never"}` : "";
  if (l?.path === "relayed") return `edge relayed${status}`;
  if (isNat(a) && isNat(b)) return "edge nat";
  return `edge${status}`;
}

// Two segments from a through the relay r to b, each bowed a little so
// that it is not mistaken for the straight line of the pair a–r or r–b.
function viaPath(a, r, b) {
  const bow = (p, q) => {
    const [dx, dy] = [q[0] - p[0], q[1] - p[1]];
    return [(p[0] + q[0]) / 2 - dy * 0.12, (p[1] + q[1]) / 2 + dx * 0.12];
  };
  const [c1, c2] = [bow(a, r), bow(r, b)];
  return `M${a[0]},${a[1]} Q${c1[0]},${c1[1]} ${r[0]},${r[1]} Q${c2[0]},${c2[1]} ${b[0]},${b[1]}`;
}

function pairTitle(a, b) {
  return `${a.name} – ${b.name}` + (store.links ? `: link ${linkText(linkOf(a.id, b.id))}` : "");
}

// Nodes on a circle, labels in two columns (left and right) with a leader
// line to their node. Returns the positions and the picture's height.
function ringLayout(items, r) {
  const cy0 = Math.max(r + 40, (items.length / 2) * line / 2 + 40);
  const cx = W / 2;
  const pts = items.map((_, i) => {
    const t = (2 * Math.PI * i) / items.length - Math.PI / 2;
    return [cx + r * Math.cos(t), cy0 + r * Math.sin(t)];
  });
  const left = [], right = [];
  items.forEach((it, i) => (pts[i][0] < cx - 0.01 || (pts[i][0] <= cx + 0.01 && i > items.length / 2) ? left : right)
    .push({ i, want: pts[i][1] + 4 }));
  const h = Math.max(column(left, 20), column(right, 20), cy0 + r + 40);
  const lab = new Array(items.length);
  for (const it of left) lab[it.i] = { x: cx - r - 60, y: it.y, anchor: "end" };
  for (const it of right) lab[it.i] = { x: cx + r + 60, y: it.y, anchor: "start" };
  return { pts, lab, h: h + 20 };
}

function label(pt, lab, text, cls = "label") {
  return [
    el("svg:polyline", { class: "leader", points: `${pt[0]},${pt[1]} ${lab.x + (lab.anchor === "end" ? 4 : -4)},${lab.y - 4}` }),
    el("svg:text", { class: cls, x: lab.x, y: lab.y, "text-anchor": lab.anchor }, text),
    target(lab, text),
  ];
}

// What a finger or a pointer hits: the label's row, a line high (44 px on
// a phone), as wide as its text; rows are a line apart, so no two meet.
function target(lab, text) {
  const w = Math.max(TOUCH_LINE, text.length * (touch ? 8.5 : 7.5) + 12);
  const x = lab.anchor === "end" ? lab.x - w + 6 : lab.x - 6;
  return el("svg:rect", { class: "target", x, y: lab.y - 4 - line / 2, width: w, height: line });
}

function peerNode(p, pt, lab, hit) {
  const ring = p.relay ? [el("svg:circle", { class: "relay-ring", cx: pt[0], cy: pt[1], r: 12 })] : [];
  return el("svg:g", { class: `node${isNat(p) ? " nat" : ""}${p.relay ? " relay" : ""}${hit === p.id ? " hit" : ""}`, "data-peer": p.id,
    tabindex: 0, role: "link", "aria-label": `${p.name}${p.relay ? " (relay)" : ""}, ${p.pairs.length} pairs`,
    on: { click: () => go("pairs", { peer: p.id }), keydown: (e) => e.key === "Enter" && go("pairs", { peer: p.id }) } },
  // The leader line under the dot, the name beside it.
  ...label(pt, lab, short(p.name)).toSpliced(1, 0, ...ring, el("svg:circle", { cx: pt[0], cy: pt[1], r: hit === p.id ? 9 : 7 })),
  el("svg:title", {}, `${p.name}: ${p.pairs.length} pairs, ${p.addresses.join(" ")} ${p.endpoint ?? "behind NAT"}` +
    (p.relay ? ", may relay" : "")));
}

// Every peer, every pair.
function drawPeers(svg, peers, hit) {
  const { pts, lab, h } = ringLayout(peers, Math.min(260, 60 + peers.length * 4));
  const pos = new Map(peers.map((p, i) => [p.id, pts[i]]));
  const edges = el("svg:g", { class: "edges" });
  let count = 0, relayed = 0;
  for (const a of peers) for (const id of a.pairs) {
    if (id < a.id || !pos.has(id)) continue;
    const b = store.peers.get(id);
    const [pa, pb] = [pos.get(a.id), pos.get(id)];
    const r = relayOf(a.id, id);
    const attrs = { class: linkClass(a, b), "data-pair": `${a.id}|${id}` };
    if (r && pos.has(r)) {
      edges.append(el("svg:path", { ...attrs, d: viaPath(pa, pos.get(r), pb), "data-via": r }, el("svg:title", {}, pairTitle(a, b))));
    } else {
      edges.append(el("svg:line", { ...attrs, x1: pa[0], y1: pa[1], x2: pb[0], y2: pb[1] }, el("svg:title", {}, pairTitle(a, b))));
    }
    count++;
    relayed += r ? 1 : 0;
  }
  const nodes = el("svg:g", { class: "nodes" }, peers.map((p, i) => peerNode(p, pts[i], lab[i], hit)));
  svg.replaceChildren(edges, nodes);
  return { h, caption: `${peers.length} peers, ${count} pairs drawn` + (relayed ? `, ${relayed} of them relayed.` : ".") };
}

// Pairs between groups: Map "i|j" (i <= j) -> count, the same of the
// relayed ones (rw), and per peer the pairs it has into each other group.
function tally(names, by) {
  const gid = new Map();
  names.forEach((g, i) => by.get(g).forEach((p) => gid.set(p.id, i)));
  const w = new Map(), rw = new Map();
  const add = (m, k) => m.set(k, (m.get(k) ?? 0) + 1);
  for (const ps of by.values()) for (const p of ps) for (const q of p.pairs) {
    if (q < p.id || !gid.has(q)) continue;
    let i = gid.get(p.id), j = gid.get(q);
    if (i > j) [i, j] = [j, i];
    add(w, `${i}|${j}`);
    if (relayOf(p.id, q)) add(rw, `${i}|${j}`);
  }
  return { gid, w, rw };
}

const relayedWord = (n) => (n ? `, ${n} relayed` : "");

const width = (n) => Math.min(10, 1 + Math.log2(n));

function drawGroups(svg, by, hitGroup) {
  const names = [...by.keys()];
  const { gid, w, rw } = tally(names, by);
  const { pts, lab, h } = ringLayout(names, Math.min(240, 80 + names.length * 8));
  const edges = el("svg:g", { class: "edges" });
  const counts = el("svg:g", { class: "counts" });
  let total = 0, relayed = 0;
  for (const [k, n] of w) {
    total += n;
    const nr = rw.get(k) ?? 0;
    relayed += nr;
    const [i, j] = k.split("|").map(Number);
    if (i === j) continue;
    const [a, b] = [pts[i], pts[j]];
    edges.append(el("svg:line", { x1: a[0], y1: a[1], x2: b[0], y2: b[1], class: `edge group${nr ? " has-relayed" : ""}`,
      "data-groups": `${names[i]}|${names[j]}`, "data-relayed": nr, "stroke-width": width(n) },
    el("svg:title", {}, `${names[i]} – ${names[j]}: ${n} pairs${relayedWord(nr)}`)));
    counts.append(el("svg:text", { class: "count", x: (a[0] + b[0]) / 2, y: (a[1] + b[1]) / 2 + 4, "text-anchor": "middle" }, String(n)));
  }
  const nodes = el("svg:g", { class: "nodes" });
  names.forEach((g, i) => {
    const n = by.get(g).length;
    const inner = w.get(`${i}|${i}`) ?? 0;
    const innerRelayed = rw.get(`${i}|${i}`) ?? 0;
    const relays = by.get(g).filter((p) => p.relay).length;
    const relaysWord = relays === 1 ? "1 relay" : `${relays} relays`;
    const [x, y] = pts[i];
    nodes.append(el("svg:g", { class: `node group${relays ? " relay" : ""}${hitGroup === g ? " hit" : ""}`, tabindex: 0, role: "button",
      "data-group": g, "data-relayed": innerRelayed,
      "aria-label": `group ${g}: ${n} peers${relays ? ` (${relaysWord})` : ""}, ${inner} pairs inside${relayedWord(innerRelayed)}`,
      on: { click: () => open(g), keydown: (e) => e.key === "Enter" && open(g) } },
    ...label(pts[i], lab[i], `${short(g)} · ${n}`).toSpliced(1, 0, el("svg:circle", { cx: x, cy: y, r: Math.min(22, 5 + 1.5 * Math.sqrt(n)) })),
    el("svg:title", {}, `${g}: ${n} peers${relays ? `, ${relaysWord}` : ""}, ${inner} pairs inside the group${relayedWord(innerRelayed)}`)));
  });
  svg.replaceChildren(edges, counts, nodes);
  return { h, caption: `${names.length} groups of ${gid.size} peers, ${total} pairs${relayed ? ` (${relayed} relayed)` : ""}; ` +
    "each line is labelled with the pairs between its groups. Open a group to see its peers." };
}

// Half a circle on the line x from y1 to y2 (a path segment).
const arc = (x, y1, y2) => `A${Math.abs(y2 - y1) / 2},${Math.abs(y2 - y1) / 2} 0 0 ${y1 < y2 ? 0 : 1} ${x},${y2}`;

// One group's peers on the left, the other groups on the right: a line
// from each peer to each group it has pairs in (its count in the title and
// beside the group), and the pairs inside the group as arcs.
function drawGroup(svg, by, g, hit) {
  const peers = by.get(g);
  const others = [...by.keys()].filter((x) => x !== g);
  const gidx = new Map();
  others.forEach((x, i) => by.get(x).forEach((p) => gidx.set(p.id, i)));
  const px = 260, gx = W - 200;
  const top = 30;
  const py = (i) => top + i * line;
  const out = new Map(); // "peer|group index" -> pairs
  const into = new Array(others.length).fill(0);
  const inside = new Set(peers.map((p) => p.id));
  const edges = el("svg:g", { class: "edges" });
  const rowOf = new Map(peers.map((p, i) => [p.id, i]));
  let arcs = 0, relayed = 0;
  for (const p of peers) for (const q of p.pairs) {
    if (inside.has(q)) {
      if (q < p.id) continue;
      const [y1, y2] = [py(rowOf.get(p.id)), py(rowOf.get(q))];
      const b = store.peers.get(q);
      // A relayed pair: an arc to its relay and one on, when the relay is here.
      const r = relayOf(p.id, q);
      const d = r && rowOf.has(r) ? `M${px},${y1} ${arc(px, y1, py(rowOf.get(r)))} ${arc(px, py(rowOf.get(r)), y2)}`
        : `M${px},${y1} ${arc(px, y1, y2)}`;
      edges.append(el("svg:path", { class: linkClass(p, b), d, "data-pair": `${p.id}|${q}`, ...(r ? { "data-via": r } : {}) },
        el("svg:title", {}, pairTitle(p, b))));
      arcs++;
      relayed += r ? 1 : 0;
    } else if (gidx.has(q)) {
      const k = `${p.id}|${gidx.get(q)}`;
      out.set(k, (out.get(k) ?? 0) + 1);
      into[gidx.get(q)]++;
    }
  }
  const gy = (i) => top + i * Math.max(line, ((peers.length - 1) * line) / Math.max(1, others.length - 1));
  for (const [k, n] of out) {
    const [id, i] = k.split("|");
    const p = store.peers.get(id);
    edges.append(el("svg:line", { class: "edge out", x1: px, y1: py(rowOf.get(id)), x2: gx, y2: gy(Number(i)), "stroke-width": width(n),
      "data-peer": id, "data-group": others[i] }, el("svg:title", {}, `${p.name} – group ${others[i]}: ${n} pairs`)));
  }
  const nodes = el("svg:g", { class: "nodes" });
  peers.forEach((p, i) => nodes.append(peerNode(p, [px, py(i)], { x: px - 14, y: py(i) + 4, anchor: "end" }, hit)));
  others.forEach((x, i) => {
    const n = into[i];
    nodes.append(el("svg:g", { class: "node group", tabindex: 0, role: "button", "data-group": x,
      "aria-label": `group ${x}: ${n} pairs with ${g}`,
      on: { click: () => open(x), keydown: (e) => e.key === "Enter" && open(x) } },
    el("svg:circle", { cx: gx, cy: gy(i), r: 6 }),
    el("svg:text", { class: "label", x: gx + 12, y: gy(i) + 4 }, `${short(x, 18)} · ${n}`),
    target({ x: gx - 6, y: gy(i) + 4, anchor: "start" }, `   ${short(x, 18)} · ${n}`), // from the dot on
    el("svg:title", {}, `${x}: ${n} pairs with peers of ${g}`)));
  });
  svg.replaceChildren(edges, nodes);
  const h = Math.max(py(peers.length), gy(others.length)) + 20;
  const pairsOut = into.reduce((s, n) => s + n, 0);
  return { h, caption: `Group ${g}: ${peers.length} peers, ${arcs} pairs inside (arcs${relayed ? `, ${relayed} relayed` : ""}), ${pairsOut} pairs with ${others.length} other groups (lines, with their counts on the right).` };
}

// --------------------------------------------------------------- view box

let view = null; // {x, y, w, h} of the picture shown; null: all of it
let full = { w: W, h: W };

function applyView(svg) {
  const v = view ?? { x: 0, y: 0, w: full.w, h: full.h };
  svg.setAttribute("viewBox", `${v.x} ${v.y} ${v.w} ${v.h}`);
  $("#graph-zoom-reset").disabled = !view;
}

function zoom(svg, factor, cx, cy) {
  const v = view ?? { x: 0, y: 0, w: full.w, h: full.h };
  const w = Math.min(full.w, Math.max(full.w / 16, v.w / factor));
  const h = (w / v.w) * v.h;
  cx ??= v.x + v.w / 2;
  cy ??= v.y + v.h / 2;
  view = w >= full.w ? null : { x: cx - ((cx - v.x) * w) / v.w, y: cy - ((cy - v.y) * h) / v.h, w, h };
  applyView(svg);
}

// Shows (x, y) of the picture in the middle: a picture taller than about
// 30 labels is zoomed to that, a smaller one is shown whole.
function centre(svg, x, y) {
  const most = 30 * line;
  if (full.h <= most) return;
  const h = most;
  const w = (h / full.h) * full.w;
  view = { x: x - w / 2, y: y - h / 2, w, h };
  applyView(svg);
}

// Hides a count that would touch a label or another count: labels never
// overlap (the test measures it). Runs on real boxes, after drawing.
function unclutter(svg) {
  const taken = [...svg.querySelectorAll("text.label, .node circle")].map((t) => t.getBBox());
  const hit = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
  for (const t of svg.querySelectorAll("text.count")) {
    const b = t.getBBox();
    if (taken.some((x) => hit(x, b))) t.remove();
    else taken.push(b);
  }
}

// ------------------------------------------------------------------- draw

function find(q, peers) {
  if (!q) return null;
  const s = q.toLowerCase();
  return peers.find((p) => p.name.toLowerCase() === s) ?? peers.find((p) => p.name.toLowerCase().includes(s) ||
    p.addresses.some((a) => a === s)) ?? null;
}

export function drawGraph() {
  const t0 = performance.now();
  const svg = $("#graph-svg");
  // On a phone the picture is drawn at 1:1 in a box that scrolls sideways,
  // a row 44 px high: every node a target a finger can hit.
  touch = matchMedia(PHONE).matches;
  line = touch ? TOUCH_LINE : LINE;
  svg.classList.toggle("touch", touch);
  const peers = accepted();
  const v = getView();
  const by = groupBy();
  $("#graph-by").value = by;
  const hit = find(v.find, peers);
  if (document.activeElement !== $("#graph-search")) $("#graph-search").value = v.find ?? "";
  $("#graph-find-msg").textContent = v.find && !hit ? `No accepted peer matches "${v.find}".` : "";
  $("#graph-legend-links").hidden = !store.links;
  let r;
  let g = v.group;
  const small = peers.length <= SMALL;
  $("#graph-by-box").hidden = small;
  if (small) {
    g = null;
    r = drawPeers(svg, peers.sort(byName), hit?.id);
  } else {
    const gs = groups(peers, by);
    if (hit) g = [...gs.keys()].find((k) => gs.get(k).includes(hit));
    if (g && gs.has(g)) r = drawGroup(svg, gs, g, hit?.id);
    else {
      g = null;
      r = drawGroups(svg, gs);
    }
  }
  $("#graph-back").hidden = !g;
  full = { w: W, h: Math.max(320, r.h) };
  view = null;
  applyView(svg);
  unclutter(svg);
  if (hit) {
    const c = svg.querySelector(`.node[data-peer="${hit.id}"] circle`);
    if (c) centre(svg, Number(c.getAttribute("cx")), Number(c.getAttribute("cy")));
  }
  $("#graph-caption").textContent = r.caption;
  svg.dataset.drawMs = String(Math.round(performance.now() - t0));
}

function open(g) {
  setView("graph", { ...keep(), group: g });
  drawGraph();
  $("#graph-back").focus();
}

// What stays in the URL when the view changes: how peers are grouped.
function keep() {
  const v = getView();
  return v.by ? { by: v.by } : {};
}

function setupZoom(svg) {
  $("#graph-zoom-in").addEventListener("click", () => zoom(svg, 2));
  $("#graph-zoom-out").addEventListener("click", () => zoom(svg, 0.5));
  $("#graph-zoom-reset").addEventListener("click", () => { view = null; applyView(svg); });
  const at = (e) => {
    const m = svg.getScreenCTM().inverse();
    const p = new DOMPoint(e.clientX, e.clientY).matrixTransform(m);
    return [p.x, p.y];
  };
  svg.addEventListener("wheel", (e) => {
    e.preventDefault();
    const [x, y] = at(e);
    zoom(svg, e.deltaY < 0 ? 1.25 : 0.8, x, y);
  }, { passive: false });
  let drag = null;
  svg.addEventListener("pointerdown", (e) => {
    if (!view || e.target.closest(".node")) return;
    drag = at(e);
    svg.setPointerCapture(e.pointerId);
  });
  svg.addEventListener("pointermove", (e) => {
    if (!drag) return;
    const [x, y] = at(e);
    view = { ...view, x: view.x - (x - drag[0]), y: view.y - (y - drag[1]) };
    applyView(svg);
  });
  svg.addEventListener("pointerup", () => { drag = null; });
  $("#tab-graph").addEventListener("keydown", (e) => {
    if (e.target.matches("input, select")) return;
    if (e.key === "+" || e.key === "=") zoom(svg, 2);
    else if (e.key === "-") zoom(svg, 0.5);
  });
}

export function setupGraph() {
  const svg = $("#graph-svg");
  $("#graph-back").addEventListener("click", () => { setView("graph", keep()); drawGraph(); });
  $("#graph-by").addEventListener("change", () => { setView("graph", { by: $("#graph-by").value }); drawGraph(); });
  $("#graph-find").addEventListener("submit", (e) => {
    e.preventDefault();
    const q = $("#graph-search").value.trim();
    setView("graph", { ...keep(), ...(q ? { find: q } : {}) });
    drawGraph();
  });
  setupZoom(svg);
  matchMedia(PHONE).addEventListener("change", () => !$("#tab-graph").hidden && drawGraph());
  let queued = false;
  subscribe((ev) => {
    if ($("#tab-graph").hidden || queued || ev.type === "rules") return;
    queued = true;
    requestAnimationFrame(() => { queued = false; drawGraph(); });
  });
}
