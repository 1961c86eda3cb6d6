// SPDX-License-Identifier: MIT
// The join page: a phone or laptop joins with a device invite link
// (/join.html#CODE; the code is in the fragment, so it reaches no server
// log). The device's X25519 key pair is made here, by WebCrypto where the
// browser has X25519, else by tweetnacl (Debian's node-tweetnacl); only
// the public key is sent. The answer's preshared key is in a box
// (crypto_box: a one-time server key, a nonce, XSalsa20-Poly1305) that
// only this private key opens, with tweetnacl's nacl.box.open. The config
// is written here and shown as a QR code (node-qrcode-generator), a
// download and text; nothing of it goes back to the server.

const nacl = globalThis.nacl;
const qrcode = globalThis.qrcode;
const $ = (s) => document.querySelector(s);
// A malformed %-escape is no code: the page says the link cannot be used.
const code = (() => {
  try {
    return decodeURIComponent(location.hash.slice(1));
  } catch {
    return "";
  }
})();
const KEEP = "wgconfsrv.device." + code;

function b64(bytes) {
  return btoa(String.fromCharCode(...bytes));
}

function unb64(s) {
  return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
}

function say(text, kind = "") {
  const s = $("#status");
  s.textContent = text;
  s.className = "msg " + kind;
  s.hidden = text === "";
}

async function post(path, body) {
  const res = await fetch("/api/v1" + path, {
    method: "POST", credentials: "omit", cache: "no-store",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body),
  });
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    const e = new Error(data?.error?.message ?? `the server answered ${res.status}`);
    e.status = res.status;
    e.code = data?.error?.code;
    throw e;
  }
  return data;
}

// WireGuard's form of a private key (what `wg genkey` prints): clamped.
// Clamping does not change the public key: X25519 clamps anyway.
function clamp(sk) {
  sk[0] &= 248;
  sk[31] = (sk[31] & 127) | 64;
  return sk;
}

// The key pair: WebCrypto X25519 where the browser has it (the private
// key is the last 32 bytes of its PKCS#8 form), checked against tweetnacl;
// otherwise tweetnacl's, from the browser's random source.
async function makeKeys() {
  try {
    const kp = await crypto.subtle.generateKey({ name: "X25519" }, true, ["deriveBits"]);
    const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", kp.privateKey));
    const pk = new Uint8Array(await crypto.subtle.exportKey("raw", kp.publicKey));
    const sk = clamp(pkcs8.slice(pkcs8.length - 32));
    pkcs8.fill(0);
    if (pk.length === 32 && nacl.verify(nacl.scalarMult.base(sk), pk)) return { sk, pk, by: "WebCrypto" };
    sk.fill(0);
  } catch {
    // No X25519 in this browser's WebCrypto.
  }
  const kp = nacl.box.keyPair();
  return { sk: clamp(kp.secretKey), pk: kp.publicKey, by: "tweetnacl" };
}

// Opens the box of a preshared key: epk (32) || nonce (24) || box.
function openBox(s, sk) {
  const b = unb64(s);
  const psk = nacl.box.open(b.subarray(56), b.subarray(32, 56), b.subarray(0, 32), sk);
  if (psk === null || psk.length !== 32) throw new Error("a preshared key did not open: the answer was not made for this key");
  return psk;
}

// The wg-quick file, as the WireGuard apps import it.
function writeConfig(ans, sk) {
  const itf = ans.interface;
  const lines = ["[Interface]", `PrivateKey = ${b64(sk)}`, `Address = ${itf.addresses.join(", ")}`];
  if (itf.dns?.length) lines.push(`DNS = ${itf.dns.join(", ")}`);
  if (itf.mtu) lines.push(`MTU = ${itf.mtu}`);
  for (const p of ans.peers) {
    const psk = openBox(p.preshared_key_box, sk);
    lines.push("", "[Peer]", `PublicKey = ${p.public_key}`, `PresharedKey = ${b64(psk)}`);
    psk.fill(0);
    lines.push(`AllowedIPs = ${p.allowed_ips.join(", ")}`, `Endpoint = ${p.endpoint}`);
    if (p.persistent_keepalive) lines.push(`PersistentKeepalive = ${p.persistent_keepalive}`);
  }
  return lines.join("\n") + "\n";
}

// The WireGuard apps name a tunnel after the file: at most 15 of these.
function fileName(name) {
  return (name.replace(/[^A-Za-z0-9_=+.-]/g, "-").slice(0, 15) || "wireguard") + ".conf";
}

function show(conf, name, remembered) {
  const qr = qrcode(0, "M");
  qr.addData(conf, "Byte");
  qr.make();
  $("#qr").src = qr.createDataURL(4, 16);
  const a = $("#download");
  a.href = URL.createObjectURL(new Blob([conf], { type: "application/octet-stream" }));
  a.download = fileName(name);
  a.textContent = `Download ${a.download}`;
  $("#conf").textContent = conf;
  $("#remember").checked = remembered;
  $("#remember").onchange = () => {
    if ($("#remember").checked) localStorage.setItem(KEEP, JSON.stringify({ name, conf }));
    else localStorage.removeItem(KEEP);
  };
  $("#start").hidden = true;
  $("#done").hidden = false;
}

async function join(ev) {
  ev.preventDefault();
  const name = $("#name").value.trim();
  if (!$("#name").readOnly && !/^[A-Za-z0-9._-]{1,63}$/.test(name)) {
    $("#name-msg").textContent = "1 to 63 letters, digits, '.', '-' or '_'";
    $("#name-msg").className = "msg error";
    $("#name-msg").hidden = false;
    return;
  }
  $("#name-msg").hidden = true;
  $("#make").disabled = true;
  say("Making the key…");
  const keys = await makeKeys();
  try {
    say("Joining…");
    const ans = await post("/join", { invite: code, public_key: b64(keys.pk), name });
    const conf = writeConfig(ans, keys.sk);
    show(conf, ans.name, false);
    $("#key-note").textContent = `Key made by ${keys.by} in this browser.`;
    document.body.dataset.keys = keys.by;
    say("");
  } catch (e) {
    say(`Cannot join: ${e.message}`, "error");
    if (e.code === "invite_invalid") showInvalid();
    $("#make").disabled = false;
  } finally {
    keys.sk.fill(0);
  }
}

function showInvalid() {
  $("#start").hidden = true;
  $("#invalid").hidden = false;
  document.title = "Invite link not valid";
}

async function start() {
  const kept = JSON.parse(localStorage.getItem(KEEP) ?? "null");
  if (kept) {
    show(kept.conf, kept.name, true);
    say("This config was remembered on this device.");
    return;
  }
  if (!/^[A-Za-z0-9_-]{20,128}$/.test(code)) {
    say("");
    return showInvalid();
  }
  try {
    const info = await post("/join/info", { invite: code });
    const what = [`This link adds a device to the WireGuard network through ${info.gateway}.`];
    if (info.label) what.push(`It is for: ${info.label}.`);
    $("#what").textContent = what.join(" ");
    if (info.name) {
      $("#name").value = info.name;
      $("#name").readOnly = true;
    }
    $("#join-form").addEventListener("submit", join);
    $("#start").hidden = false;
    say("");
  } catch (e) {
    if (e.code === "invite_invalid") {
      say("");
      return showInvalid();
    }
    say(`Cannot check the invite: ${e.message}`, "error");
  } finally {
    document.body.dataset.ready = "1";
  }
}

start();
