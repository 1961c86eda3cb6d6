// SPDX-License-Identifier: MIT
// A picture of the mesh, drawn by the page as SVG: peers on a circle, a line
// per pair, coloured by link status when the server reports it. A large mesh
// is drawn as groups (by tag, else by name prefix); a group opens on click.

import { store, subscribe, accepted, linkOf, linkText, isNat } from "./store.js";
import { $, el, byName } from "./util.js";
import { go, getView, setView } from "./router.js";

const SMALL = 60;
const SIZE = 640;

function groupOf(p) {
  if (p.tags?.length) return p.tags[0];
  const m = /^[A-Za-z]+/.exec(p.name);
  return m ? m[0].toLowerCase() : "other";
}

// Peers into at most ~30 groups: by tag or name prefix; if that makes one
// huge group or too many, by blocks of consecutive names.
function groups(peers) {
  let by = new Map();
  for (const p of peers) {
    const g = groupOf(p);
    if (!by.has(g)) by.set(g, []);
    by.get(g).push(p);
  }
  const biggest = Math.max(...[...by.values()].map((x) => x.length));
  if (by.size > 30 || biggest > SMALL) {
    const sorted = [...peers].sort(byName);
    const size = Math.max(SMALL / 2, Math.ceil(sorted.length / 24));
    by = new Map();
    for (let i = 0; i < sorted.length; i += size) {
      const part = sorted.slice(i, i + size);
      by.set(`${part[0].name}…${part[part.length - 1].name}`, part);
    }
  }
  return by;
}

function ring(n, r, c = SIZE / 2) {
  return Array.from({ length: n }, (_, i) => {
    const t = (2 * Math.PI * i) / n - Math.PI / 2;
    return [c + r * Math.cos(t), c + r * Math.sin(t)];
  });
}

// Labels stay inside the picture; the full name is in the node's title.
const short = (s, n = 16) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function linkClass(a, b) {
  if (isNat(a) && isNat(b)) return "edge nat";
  if (!store.links) return "edge";
  return `edge link-${linkOf(a.id, b.id)?.status ?? "never"}`;
}

function drawPeers(svg, peers, title) {
  const pos = new Map();
  const pts = ring(peers.length, SIZE / 2 - 130);
  peers.forEach((p, i) => pos.set(p.id, pts[i]));
  const edges = el("svg:g", { class: "edges" });
  let count = 0;
  for (const a of peers) for (const id of a.pairs) {
    if (id < a.id || !pos.has(id)) continue;
    const b = store.peers.get(id);
    const [x1, y1] = pos.get(a.id);
    const [x2, y2] = pos.get(id);
    edges.append(el("svg:line", { x1, y1, x2, y2, class: linkClass(a, b), "data-pair": `${a.id}|${id}` },
      el("svg:title", {}, `${a.name} – ${b.name}` + (store.links ? `: link ${linkText(linkOf(a.id, id))}` : ""))));
    count++;
  }
  const nodes = el("svg:g", { class: "nodes" });
  for (const p of peers) {
    const [x, y] = pos.get(p.id);
    const left = x < SIZE / 2;
    nodes.append(el("svg:g", { class: `node${isNat(p) ? " nat" : ""}`, "data-peer": p.id, tabindex: 0, role: "link",
      "aria-label": `${p.name}, ${p.pairs.length} pairs`,
      on: { click: () => go("pairs", { peer: p.id }), keydown: (e) => e.key === "Enter" && go("pairs", { peer: p.id }) } },
      el("svg:circle", { cx: x, cy: y, r: 7 }),
      el("svg:text", { x: x + (left ? -11 : 11), y: y + 4, "text-anchor": left ? "end" : "start" }, short(p.name)),
      el("svg:title", {}, `${p.name} ${p.addresses.join(" ")} ${p.endpoint ?? "behind NAT"}`)));
  }
  svg.replaceChildren(edges, nodes);
  $("#graph-caption").textContent = `${title}${peers.length} peers, ${count} pairs drawn.`;
}

function drawGroups(svg, by) {
  const names = [...by.keys()];
  const gid = new Map();
  names.forEach((g, i) => by.get(g).forEach((p) => gid.set(p.id, i)));
  const w = new Map(); // "i|j" -> pairs between groups i and j (i <= j)
  for (const ps of by.values()) for (const p of ps) for (const q of p.pairs) {
    if (q < p.id || !gid.has(q)) continue;
    let i = gid.get(p.id), j = gid.get(q);
    if (i > j) [i, j] = [j, i];
    const k = `${i}|${j}`;
    w.set(k, (w.get(k) ?? 0) + 1);
  }
  const pts = ring(names.length, SIZE / 2 - 110);
  const edges = el("svg:g", { class: "edges" });
  let total = 0;
  for (const [k, n] of w) {
    total += n;
    const [i, j] = k.split("|").map(Number);
    if (i === j) continue;
    edges.append(el("svg:line", { x1: pts[i][0], y1: pts[i][1], x2: pts[j][0], y2: pts[j][1], class: "edge group",
      "stroke-width": Math.min(12, 1 + Math.log2(n)) }, el("svg:title", {}, `${names[i]} – ${names[j]}: ${n} pairs`)));
  }
  const nodes = el("svg:g", { class: "nodes" });
  names.forEach((g, i) => {
    const n = by.get(g).length;
    const inner = w.get(`${i}|${i}`) ?? 0;
    const [x, y] = pts[i];
    const r = Math.min(40, 6 + 2 * Math.sqrt(n));
    nodes.append(el("svg:g", { class: "node group", tabindex: 0, role: "button", "data-group": g,
      "aria-label": `group ${g}: ${n} peers, ${inner} pairs inside`,
      on: { click: () => open(g), keydown: (e) => e.key === "Enter" && open(g) } },
      el("svg:circle", { cx: x, cy: y, r }),
      el("svg:text", { x, y: y + r + 14, "text-anchor": "middle" }, short(g, 24)),
      el("svg:text", { x, y: y + r + 28, "text-anchor": "middle", class: "sub" }, `${n} peers, ${inner} pairs inside`),
      el("svg:title", {}, `${g}: ${n} peers, ${inner} pairs inside the group`)));
  });
  svg.replaceChildren(edges, nodes);
  $("#graph-caption").textContent = `${by.size} groups of ${gid.size} peers, ${total} pairs. Open a group to see its peers.`;
}

function open(g) {
  setView("graph", { group: g });
  drawGraph();
}

export function drawGraph() {
  const svg = $("#graph-svg");
  const peers = accepted();
  const g = getView().group;
  $("#graph-back").hidden = !g;
  $("#graph-legend-links").hidden = !store.links;
  if (peers.length <= SMALL) return drawPeers(svg, peers.sort(byName), "");
  const by = groups(peers);
  if (g && by.has(g)) return drawPeers(svg, by.get(g), `Group ${g}: `);
  drawGroups(svg, by);
}

export function setupGraph() {
  $("#graph-back").addEventListener("click", () => { setView("graph", {}); drawGraph(); });
  let queued = false;
  subscribe((ev) => {
    if ($("#tab-graph").hidden || queued || ev.type === "rules") return;
    queued = true;
    requestAnimationFrame(() => { queued = false; drawGraph(); });
  });
}
