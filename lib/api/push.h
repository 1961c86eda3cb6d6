/* SPDX-License-Identifier: MIT */
/*
 * Change notifications ("push"): what a committed write tells nginx's
 * Nchan publisher, so that watching hosts and admin pages learn of it at
 * once instead of at their next poll. lib/ only records them in the
 * response (struct push_note); the responder publishes after the answer
 * went out (cgi/push.c). A message carries no secret: "revision N" on a
 * peer's channel, "changed: WHAT" on the admin channel.
 */
#ifndef WGCONF_PUSH_H
#define WGCONF_PUSH_H

#include <stddef.h>
#include <stdint.h>

/* Peers named one by one; a write that moves more tells every host at
 * once on the "all" channel (each fetches with its ETag: 304 if unmoved). */
#define PUSH_PEERS_MAX 32

/* What changed for the admin page (bits of push_note.admin). */
#define PUSH_ADMIN_PEERS   0x1          /* peers, pairs, network: reload them */
#define PUSH_ADMIN_PENDING 0x2          /* a registration waits */
#define PUSH_ADMIN_LINKS   0x4          /* a host reported its links */

struct push_note {
	size_t n;                       /* peers named below */
	char peer[PUSH_PEERS_MAX][24];
	int64_t revision[PUSH_PEERS_MAX];
	int all;                        /* more than PUSH_PEERS_MAX moved */
	int64_t all_revision;           /* the newest of them */
	unsigned admin;                 /* PUSH_ADMIN_* */
};

/* Turns push on for this process (the responder knows a publisher). Off,
 * a write records nothing and costs nothing more. Set once at start. */
void push_enable(int on);
int push_enabled(void);

/* Records that peer id is now at revision; past PUSH_PEERS_MAX, the
 * note becomes "all". */
void push_note_peer(struct push_note *n, const char *id, int64_t revision);

/* Records what changed for the admin page (PUSH_ADMIN_* bits). */
void push_note_admin(struct push_note *n, unsigned what);

/* Counts publishes, per process like the request counters: ok succeeded,
 * failed did not (nginx down, no module, a timeout). */
void push_count(uint64_t ok, uint64_t failed);
void push_stats(uint64_t *ok, uint64_t *failed);

#endif
