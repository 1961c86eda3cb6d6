// SPDX-License-Identifier: MIT
// The admin page: loads what the server knows, then shows one view at a
// time (the view is in the URL). Everything a peer sent (names, endpoints,
// keys) reaches the page through textContent or an attribute value, never
// through HTML parsing.

import { load, loadLinks, loadRules, store } from "./store.js";
import { setupDialogs } from "./dialog.js";
import { setupPause } from "./pause.js";
import { setupPeers, showPeers } from "./peers.js";
import { setupPairs, showPairs } from "./pairs.js";
import { setupGraph, drawGraph } from "./graph.js";
import { setupNetwork, showNetwork } from "./network.js";
import { setupInvites, loadInvites } from "./invites.js";
import { setupDevices, loadDevices } from "./devices.js";
import { setupAudit, showAudit } from "./audit.js";
import { startRouter, parse } from "./router.js";
import { startLive } from "./live.js";
import { watchJobs } from "./jobs.js";
import { $, $$, note } from "./util.js";

function show({ view, params }) {
  for (const b of $$("nav a")) b.setAttribute("aria-current", b.dataset.tab === view ? "page" : "false");
  for (const s of $$("[data-panel]")) s.hidden = s.dataset.panel !== view;
  const fail = (e) => note($("#status"), `Cannot load: ${e.message}`, "error");
  // Before the first load the views only take their controls from the URL;
  // the load's "all" event draws them.
  if (view === "peers") showPeers(params);
  else if (!store.loaded) return;
  else if (view === "pairs") showPairs(params);
  else if (view === "graph") drawGraph();
  else if (view === "network") showNetwork();
  else if (view === "invites") loadInvites().catch(fail);
  else if (view === "devices") loadDevices().catch(fail);
  else if (view === "audit") showAudit(params);
}

async function reload() {
  const btn = $("#reload");
  btn.disabled = true;
  try {
    await load();
    note($("#status"), "");
    // Then the jobs (named by their rules), after what the views need.
    loadRules().then(() => watchJobs());
    delete document.body.dataset.links;
    loadLinks().then((has) => {
      performance.mark("wgconf-links");
      document.body.dataset.links = has ? "1" : "0";
    });
  } catch (e) {
    note($("#status"), `Cannot load: ${e.message} (${e.code ?? "error"})`, "error");
    return false;
  } finally {
    btn.disabled = false;
  }
  return true;
}

// Peers, pairs and graph draw themselves on a load ("all"); the other views
// read their own lists when shown.
function others() {
  const { view, params } = parse();
  if (!["peers", "pairs", "graph"].includes(view)) show({ view, params });
}

// Module scripts run after the document is parsed: the page can start now,
// and the peer list is asked for before anything else is set up.
const first = reload();

(async () => {
  setupDialogs();
  setupPause();
  setupPeers();
  setupPairs();
  setupGraph();
  setupNetwork();
  setupInvites();
  setupDevices();
  setupAudit();
  $("#reload").addEventListener("click", async () => {
    if (await reload()) others();
  });
  // The skip link moves the focus; it must not become a view in the URL.
  $("a.skip").addEventListener("click", (e) => {
    e.preventDefault();
    $("#main").focus();
  });
  startRouter(show);
  if (await first) {
    others();
    performance.mark("wgconf-ready");
    document.body.dataset.ready = "1";
    // Changes made elsewhere (a host registering, another admin, link
    // reports) show without a reload. Only the store is read again: its
    // views redraw from it, and a form being filled in (network, invites)
    // is left alone.
    startLive(async (what) => {
      if (what.has("peers") || what.has("pending")) {
        try {
          await load();
        } catch {
          return;
        }
        loadRules();
        // A rule added elsewhere may make its pairs in the background.
        watchJobs();
      }
      loadLinks();
    });
  }
})();
