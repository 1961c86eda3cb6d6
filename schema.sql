-- SPDX-License-Identifier: MIT
-- wgconfsrv schema, version 12: the current schema, in full. Compiled into the
-- binary (lib/store/schema.h): db_open() creates a new database from it. The
-- migrations in lib/store/db.c are its history; they bring a database of an
-- earlier version here, and tests/unit/check_schema.c proves that one migrated
-- from every earlier version has this schema (columns in this order) and data.
-- Who may touch a table: the file of lib/store/ named after each below.

-- One row: the mesh-wide settings (lib/store/network.c) and the bounds on what
-- anyone can add (lib/store/quota.c). revision is a global counter: a write
-- transaction that changes what some peers' configs say takes its next value
-- and stamps it on those peers (lib/store/revisions.c).
CREATE TABLE network (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    ipv4_pool   TEXT NOT NULL DEFAULT '10.77.0.0/24',
    ipv6_pool   TEXT,
    mtu         INTEGER CHECK (mtu IS NULL OR mtu BETWEEN 1280 AND 9000),
    keepalive   INTEGER NOT NULL DEFAULT 25 CHECK (keepalive BETWEEN 0 AND 65535),
    dns         TEXT NOT NULL DEFAULT '[]',     -- JSON array of addresses
    signing_key TEXT,                           -- admin's Ed25519 public key, base64
    revision    INTEGER NOT NULL DEFAULT 0,
    registration TEXT NOT NULL DEFAULT 'open'
        CHECK (registration IN ('open', 'invite-only', 'closed')),
    pending_expire_after INTEGER NOT NULL DEFAULT 604800
        CHECK (pending_expire_after BETWEEN 60 AND 31536000),
    pending_max INTEGER NOT NULL DEFAULT 1024 CHECK (pending_max BETWEEN 0 AND 100000),
    endpoint_min_interval INTEGER NOT NULL DEFAULT 60
        CHECK (endpoint_min_interval BETWEEN 0 AND 86400),
    audit_max_age INTEGER NOT NULL DEFAULT 7776000
        CHECK (audit_max_age BETWEEN 3600 AND 315360000),
    audit_max_rows INTEGER NOT NULL DEFAULT 100000
        CHECK (audit_max_rows BETWEEN 100 AND 10000000),
    audit_coalesce_window INTEGER NOT NULL DEFAULT 3600
        CHECK (audit_coalesce_window BETWEEN 0 AND 86400),
    mesh_id     TEXT                            -- 32 hex digits: what statements name
        CHECK (mesh_id IS NULL OR (length(mesh_id) = 32 AND mesh_id NOT GLOB '*[^0-9a-f]*')),
    pending_max_per_prefix INTEGER NOT NULL DEFAULT 32  -- from one /24 or /48
        CHECK (pending_max_per_prefix BETWEEN 0 AND 100000)
);
INSERT INTO network (id, mesh_id) VALUES (1, lower(hex(randomblob(16))));

-- Peers (lib/store/peers.c).
CREATE TABLE peers (
    id          TEXT PRIMARY KEY,               -- random, 16 hex digits
    name        TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('pending', 'accepted')),
    public_key  TEXT NOT NULL UNIQUE,           -- base64, 32 bytes
    endpoint    TEXT,                           -- host:port, [v6]:port; NULL = behind NAT
    listen_port INTEGER CHECK (listen_port IS NULL OR listen_port BETWEEN 1 AND 65535),
    keepalive   INTEGER CHECK (keepalive IS NULL OR keepalive BETWEEN 0 AND 65535),
    token_hash  BLOB NOT NULL,                  -- BLAKE2b-256 of the bearer secret
    revision    INTEGER NOT NULL DEFAULT 0,     -- names its config and its record
    created_at  INTEGER NOT NULL,
    last_seen   INTEGER,
    endpoint_at INTEGER,                        -- when the peer last moved its endpoint
    signed_version INTEGER NOT NULL DEFAULT 0
        CHECK (signed_version BETWEEN 0 AND 9007199254740992),
    statement   TEXT,                           -- the last signed statement (docs/trust.md)
    statement_sig BLOB,
    pending_key TEXT,                           -- the key POST /peer/key asks for
    registered_from TEXT,                       -- a pending peer's /24 or /48
    relay       INTEGER NOT NULL DEFAULT 0 CHECK (relay IN (0, 1)),  -- an admin lets it relay
    relay_refused INTEGER NOT NULL DEFAULT 0    -- its host does not allow it (docs/relays.md)
        CHECK (relay_refused IN (0, 1)),
    disabled_at INTEGER,                        -- paused since: in no config (issue 20)
    expires_at  INTEGER                         -- paused by the periodic check then
);

-- Tunnel addresses, one per family (lib/store/addresses.c); UNIQUE makes double
-- allocation impossible even if two responders race (the second INSERT fails
-- inside its transaction).
CREATE TABLE addresses (
    peer_id     TEXT NOT NULL REFERENCES peers(id) ON DELETE CASCADE,
    family      INTEGER NOT NULL CHECK (family IN (4, 6)),
    address     TEXT NOT NULL UNIQUE,           -- canonical inet_ntop form, no prefix
    PRIMARY KEY (peer_id, family)
);

-- Networks routed to a peer, in order (lib/store/addresses.c).
CREATE TABLE networks (
    peer_id     TEXT NOT NULL REFERENCES peers(id) ON DELETE CASCADE,
    cidr        TEXT NOT NULL,                  -- canonical, host bits zero
    position    INTEGER NOT NULL,
    PRIMARY KEY (peer_id, cidr)
);

-- A pair is stored once, a < b (lib/store/pairs.c). The preshared key exists only
-- sealed to each side. An admin's pair is explicit; one that only rules imply is
-- not, and goes when no rule implies it any more.
CREATE TABLE pairs (
    a           TEXT NOT NULL REFERENCES peers(id) ON DELETE CASCADE,
    b           TEXT NOT NULL REFERENCES peers(id) ON DELETE CASCADE,
    psk_box_a   BLOB NOT NULL,                  -- psk boxed to pk(a): 80 or 104 bytes (docs/trust.md)
    psk_box_b   BLOB NOT NULL,                  -- psk boxed to pk(b)
    created_at  INTEGER NOT NULL,
    explicit    INTEGER NOT NULL DEFAULT 1 CHECK (explicit IN (0, 1)),
    via         TEXT REFERENCES peers(id) ON DELETE SET NULL,  -- the relay, lib/store/relays.c
    PRIMARY KEY (a, b),
    CHECK (a < b)
);

-- Invite codes, kept as their hash (lib/store/invites.c).
CREATE TABLE invites (
    id          TEXT PRIMARY KEY,
    code_hash   BLOB NOT NULL UNIQUE,           -- BLAKE2b-256 of the code
    uses_left   INTEGER NOT NULL CHECK (uses_left >= 0),
    uses        INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    created_by  TEXT NOT NULL,
    label       TEXT CHECK (label IS NULL OR length(label) BETWEEN 1 AND 64),
    for_peer    TEXT REFERENCES peers(id) ON DELETE CASCADE,  -- only its host adopts
    when_closed INTEGER NOT NULL DEFAULT 0 CHECK (when_closed IN (0, 1))
);

-- Who did what (lib/store/audit.c); a repeat within the coalescing window
-- counts on its row (count, last_at).
CREATE TABLE audit (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    actor       TEXT NOT NULL,                  -- admin:NAME, peer:ID or anonymous
    action      TEXT NOT NULL,                  -- e.g. peer.accept
    target      TEXT,
    detail      TEXT,                           -- JSON, never a secret
    count       INTEGER NOT NULL DEFAULT 1 CHECK (count >= 1),
    last_at     INTEGER
);

-- What hosts report about their links (lib/store/links.c): the latest report per
-- reporter and partner, overwritten; it lives as long as the pair it is about.
CREATE TABLE link_reports (
    reporter    TEXT NOT NULL REFERENCES peers(id) ON DELETE CASCADE,
    partner     TEXT NOT NULL REFERENCES peers(id) ON DELETE CASCADE,
    latest_handshake INTEGER NOT NULL CHECK (latest_handshake >= 0),
    rx          INTEGER NOT NULL CHECK (rx >= 0),
    tx          INTEGER NOT NULL CHECK (tx >= 0),
    reported_at INTEGER NOT NULL,
    PRIMARY KEY (reporter, partner)
) WITHOUT ROWID;
CREATE INDEX link_reports_partner ON link_reports (partner);
CREATE TRIGGER pairs_drop_link_reports AFTER DELETE ON pairs BEGIN
    DELETE FROM link_reports WHERE (reporter = old.a AND partner = old.b)
        OR (reporter = old.b AND partner = old.a);
END;

-- Imported peers that wait for their host to adopt them (lib/store/peers.c);
-- their token hash is of a secret nobody knows until then.
CREATE TABLE adoptable (
    peer_id     TEXT PRIMARY KEY REFERENCES peers(id) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE INDEX audit_at ON audit (at);
CREATE INDEX audit_actor ON audit (actor, action, at);
CREATE INDEX peers_state ON peers (state, created_at);
CREATE UNIQUE INDEX peers_pending_key ON peers (pending_key);

-- Keys that must never come back, and the admin's signature of each
-- (lib/store/trust.c, docs/trust.md).
CREATE TABLE revocations (
    id          TEXT PRIMARY KEY,
    key         TEXT NOT NULL UNIQUE,
    peer_id     TEXT NOT NULL,
    peer_name   TEXT NOT NULL,
    text        TEXT NOT NULL,
    signature   BLOB,
    created_at  INTEGER NOT NULL,
    signed_at   INTEGER
);

-- Tags and rules (lib/store/pairs.c): a rule pairs every accepted peer tagged a
-- with every accepted peer tagged b (a full mesh of the tag when a = b).
CREATE TABLE peer_tags (
    peer_id     TEXT NOT NULL REFERENCES peers(id) ON DELETE CASCADE,
    tag         TEXT NOT NULL CHECK (length(tag) BETWEEN 1 AND 32),
    PRIMARY KEY (peer_id, tag)
);
CREATE INDEX peer_tags_tag ON peer_tags (tag, peer_id);
CREATE TABLE rules (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    a           TEXT NOT NULL,
    b           TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (a, b),
    CHECK (a <= b)
);
CREATE INDEX rules_b ON rules (b);

-- Each peer's config as it was built for a revision (lib/store/config.c): a
-- second fetch of an unchanged config copies these bytes. A row of an older
-- revision is never served, only overwritten.
CREATE TABLE config_cache (
    peer_id     TEXT PRIMARY KEY REFERENCES peers(id) ON DELETE CASCADE,
    revision    INTEGER NOT NULL,
    format      INTEGER NOT NULL,
    body        BLOB NOT NULL
);

-- The admin lists' keyset order; the pending peers, counted at each open
-- registration; a peer's pairs where it is b, in a's order (with the primary
-- key (a, b), a config's links come ordered without a sort).
CREATE INDEX peers_created ON peers (created_at, id);
CREATE INDEX peers_pending ON peers (state) WHERE state = 'pending';
CREATE INDEX pairs_b_a ON pairs (b, a);

-- A pending peer's prefix, counted at each open registration.
CREATE INDEX peers_pending_from ON peers (registered_from) WHERE state = 'pending';
-- The relays (lib/store/relays.c): relayed pairs, and the links that never
-- came up though their reporter tried.
CREATE INDEX pairs_via ON pairs (via) WHERE via IS NOT NULL;
CREATE INDEX link_reports_tried ON link_reports (reporter, partner)
    WHERE latest_handshake = 0 AND tx > 0;

-- Devices (lib/store/devices.c): phones and laptops that joined with a device
-- invite and a key their browser made; they never sync. A devices row makes a
-- peer one and names its gateway, the host that routes for it: its other
-- partners reach it through the gateway (pairs.via, lib/store/pairs.c). routes: what its
-- config sends into the tunnel (JSON: "mesh", "all", CIDRs).
CREATE TABLE devices (
    peer_id     TEXT PRIMARY KEY REFERENCES peers(id) ON DELETE CASCADE,
    gateway     TEXT REFERENCES peers(id) ON DELETE SET NULL,
    routes      TEXT NOT NULL,
    label       TEXT CHECK (label IS NULL OR length(label) BETWEEN 1 AND 64)
) WITHOUT ROWID;
CREATE INDEX devices_gateway ON devices (gateway);

-- Device invites: what a device joining with the code gets; replaces: the
-- device a re-issued invite takes the place of. Only the code's hash is kept.
CREATE TABLE device_invites (
    id          TEXT PRIMARY KEY,
    code_hash   BLOB NOT NULL UNIQUE,           -- BLAKE2b-256 of the code
    uses_left   INTEGER NOT NULL CHECK (uses_left >= 0),
    uses        INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    created_by  TEXT NOT NULL,
    label       TEXT CHECK (label IS NULL OR length(label) BETWEEN 1 AND 64),
    name        TEXT,
    gateway     TEXT NOT NULL REFERENCES peers(id) ON DELETE CASCADE,
    tags        TEXT NOT NULL,
    routes      TEXT NOT NULL,
    replaces    TEXT REFERENCES peers(id) ON DELETE SET NULL
);

-- The admin-signed policy as last signed (lib/store/signed_policy.c,
-- docs/trust.md): the rules as one document, its signature and version.
CREATE TABLE policy (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    signed_version INTEGER NOT NULL DEFAULT 0
      CHECK (signed_version BETWEEN 0 AND 9007199254740992),
    text           TEXT,
    signature      BLOB,
    signed_at      INTEGER
);
INSERT INTO policy (id) VALUES (1);

-- The pairs of a large rule, made in the background (lib/store/jobs.c): how
-- far each rule's job is. A job goes with its rule.
CREATE TABLE pair_jobs (
    rule_id     INTEGER PRIMARY KEY REFERENCES rules(id) ON DELETE CASCADE,
    total       INTEGER NOT NULL,
    made        INTEGER NOT NULL DEFAULT 0,
    scanned     INTEGER NOT NULL DEFAULT 0,
    missing     INTEGER NOT NULL DEFAULT 0,
    pass        INTEGER NOT NULL DEFAULT 1,
    cursor_a    TEXT NOT NULL DEFAULT '',
    cursor_b    TEXT NOT NULL DEFAULT '',
    started_at  INTEGER NOT NULL,
    finished_at INTEGER
);

-- The peers whose expiry the periodic check watches (lib/store/peers.c).
CREATE INDEX peers_expiry ON peers (expires_at)
    WHERE disabled_at IS NULL AND expires_at IS NOT NULL;

-- Where the next tunnel address is looked for (lib/store/addresses.c): every
-- host address of `pool` below `low` is taken, so an accept finds the lowest
-- free one from here through the UNIQUE index instead of reading every
-- address. An address freed (its peer deleted, or moved) drops the hint of its
-- family; the next accept reads them all once and sets it again.
CREATE TABLE address_hints (
    family      INTEGER PRIMARY KEY CHECK (family IN (4, 6)),
    pool        TEXT NOT NULL,                  -- canonical CIDR the hint is for
    low         TEXT NOT NULL                   -- canonical address text
);
CREATE TRIGGER addresses_freed AFTER DELETE ON addresses BEGIN
    DELETE FROM address_hints WHERE family = old.family;
END;
CREATE TRIGGER addresses_moved AFTER UPDATE OF address ON addresses BEGIN
    DELETE FROM address_hints WHERE family = old.family;
END;

-- What an accept read in full at 10,000 peers (issue 19): whether any peer
-- relays (lib/store/relays.c), and an audit event's repeat within the
-- coalescing window (lib/store/audit.c: one admin accepting many peers).
CREATE INDEX peers_relays ON peers (id) WHERE relay = 1;
CREATE INDEX audit_repeat ON audit (actor, action, target, at);
