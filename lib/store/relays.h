/* SPDX-License-Identifier: MIT */
/*
 * Relays (docs/relays.md): peers an admin lets carry the traffic of pairs
 * whose two ends cannot reach each other, and which relay each such pair
 * goes through (pairs.via).
 *
 * A pair needs a relay when both ends are accepted and either both are
 * behind NAT (no endpoint), or both ends reported the link and each report
 * says it never came up though its reporter tried (no handshake, bytes
 * sent) in a pair older than stale_after: its reporter was up to send it. A relay can take a pair
 * when an admin marked it, it is accepted, has an endpoint, its host did
 * not refuse (no `wgconf allow-relay`), it is neither end, and neither of
 * its links with the ends is stale (a handshake, but none for stale_after
 * seconds: the ends keep their links to a relay alive, see meshconf.c).
 *
 * The choice is a function of the rows and the time: a pair keeps its
 * relay while that relay can take it and is paired with both ends; the
 * others, in (a, b) order, take the relay paired with both ends, else with
 * one, else any; then the one carrying the fewest relayed pairs; then the
 * lowest id. A relay not paired with an end gets paired with it, with a
 * fresh preshared key like any pair. Each pair whose relay changes touches
 * its two ends (and a new pair its two ends): nobody else's config moves.
 */
#ifndef WGCONF_RELAYS_H
#define WGCONF_RELAYS_H

#include <stddef.h>
#include <stdint.h>

#include "result.h"
#include "rows.h"

/* Lets peer id relay, or not (its config says so: it is touched).
 * DB_NOTFOUND when there is no such peer. */
int store_peer_set_relay(const char *id, int relay);

/* What peer id's host said about relaying: refused (1) or forwarding (0).
 * A change touches id (its record shows it); the pairs it relays follow
 * in store_relays_refresh(). */
int store_peer_set_relay_refused(const char *id, int refused);

/* What a refresh did. */
struct relays_change {
	size_t moved;                   /* pairs whose relay changed (or went) */
	size_t paired;                  /* pairs made with a relay */
};

/* Brings every pair's relay to what the rules above say at now, inside
 * the write transaction (before store_revisions_commit()). Cheap when no
 * peer may relay and no pair is relayed. DB_OK or DB_ERROR. */
int store_relays_refresh(int64_t now, int64_t stale_after, struct relays_change *out);

/* One pair's path, for the link status: via (id and name, "" when
 * direct), and whether it has no direct path (both behind NAT, or reported
 * down as above). */
struct relay_path {
	char via[PEER_ID_LEN];
	char via_name[VALIDATE_NAME_MAX + 1];
	int no_direct;
	int64_t via_hs_a, via_hs_b;     /* latest handshakes a-via and via-b */
};
int store_relay_path(const char *a, const char *b, int64_t stale_after, struct relay_path *out);

/* The names of the peers that may relay but whose hosts refused, into out. */
int store_relays_refused(struct strlist *out);

/* Whether any accepted peer may relay: 1, 0, or DB_ERROR. */
int store_relays_any(void);

#endif
