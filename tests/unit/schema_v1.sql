-- SPDX-License-Identifier: MIT
-- wgconfsrv schema, version 1, as the first release created it: the start of the
-- history that lib/store/db.c's migrations continue. The server no longer runs
-- it (a new database gets schema.sql, the current schema); check_schema builds a
-- database of every earlier version from it and migrates each.

-- One row: the mesh-wide settings. revision is a global counter; every change that
-- alters what some peer's config looks like takes the next value and stamps it on
-- the peers it touches (peers.revision), which makes their ETag change.
CREATE TABLE network (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    ipv4_pool   TEXT NOT NULL DEFAULT '10.77.0.0/24',
    ipv6_pool   TEXT,
    mtu         INTEGER CHECK (mtu IS NULL OR mtu BETWEEN 1280 AND 9000),
    keepalive   INTEGER NOT NULL DEFAULT 25 CHECK (keepalive BETWEEN 0 AND 65535),
    dns         TEXT NOT NULL DEFAULT '[]',     -- JSON array of addresses
    signing_key TEXT,                           -- admin's Ed25519 public key, base64
    revision    INTEGER NOT NULL DEFAULT 0
);
INSERT INTO network (id) VALUES (1);

CREATE TABLE peers (
    id          TEXT PRIMARY KEY,               -- random, 16 hex digits
    name        TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('pending', 'accepted')),
    public_key  TEXT NOT NULL UNIQUE,           -- base64, 32 bytes
    endpoint    TEXT,                           -- host:port, [v6]:port; NULL = behind NAT
    listen_port INTEGER CHECK (listen_port IS NULL OR listen_port BETWEEN 1 AND 65535),
    keepalive   INTEGER CHECK (keepalive IS NULL OR keepalive BETWEEN 0 AND 65535),
    token_hash  BLOB NOT NULL,                  -- BLAKE2b-256 of the bearer secret
    signature   BLOB,                           -- v1 record signature: dropped in version 3
    revision    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    last_seen   INTEGER
);

-- Tunnel addresses, one per family; UNIQUE makes double allocation impossible even
-- if two responders race (the second INSERT fails inside its transaction).
CREATE TABLE addresses (
    peer_id     TEXT NOT NULL REFERENCES peers(id) ON DELETE CASCADE,
    family      INTEGER NOT NULL CHECK (family IN (4, 6)),
    address     TEXT NOT NULL UNIQUE,           -- canonical inet_ntop form, no prefix
    PRIMARY KEY (peer_id, family)
);

-- Extra CIDRs routed to a peer (the proof of concept's "networks").
CREATE TABLE networks (
    peer_id     TEXT NOT NULL REFERENCES peers(id) ON DELETE CASCADE,
    cidr        TEXT NOT NULL,                  -- canonical, host bits zero
    position    INTEGER NOT NULL,
    PRIMARY KEY (peer_id, cidr)
);

-- A pair is stored once, a < b. The preshared key exists only sealed to each side.
CREATE TABLE pairs (
    a           TEXT NOT NULL REFERENCES peers(id) ON DELETE CASCADE,
    b           TEXT NOT NULL REFERENCES peers(id) ON DELETE CASCADE,
    psk_box_a   BLOB NOT NULL,                  -- crypto_box_seal(psk, pk(a))
    psk_box_b   BLOB NOT NULL,                  -- crypto_box_seal(psk, pk(b))
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (a, b),
    CHECK (a < b)
);
CREATE INDEX pairs_b ON pairs (b);

CREATE TABLE invites (
    id          TEXT PRIMARY KEY,
    code_hash   BLOB NOT NULL UNIQUE,           -- BLAKE2b-256 of the code
    uses_left   INTEGER NOT NULL CHECK (uses_left >= 0),
    uses        INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    created_by  TEXT NOT NULL
);

CREATE TABLE audit (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    actor       TEXT NOT NULL,                  -- admin:NAME, peer:ID or anonymous
    action      TEXT NOT NULL,                  -- e.g. peer.accept
    target      TEXT,
    detail      TEXT                            -- JSON, never a secret
);
