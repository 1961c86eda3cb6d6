/* SPDX-License-Identifier: MIT */
/* Change notifications: what a write records for the publisher (push.h). */
#include <stdio.h>
#include <string.h>

#include "push.h"

/* Configuration, set once at start-up. */
static int push_on;

/* Publishes since this process started: process statistics, like the
 * request counters of lib/api.c. Atomic: the sealer thread publishes too. */
static _Atomic uint64_t push_ok, push_failed;

void
push_enable(int on)
{
	push_on = on != 0;
}

int
push_enabled(void)
{
	return push_on;
}

void
push_note_peer(struct push_note *n, const char *id, int64_t revision)
{
	if (n->n < PUSH_PEERS_MAX && !n->all) {
		snprintf(n->peer[n->n], sizeof(n->peer[n->n]), "%s", id);
		n->revision[n->n++] = revision;
	} else {
		n->all = 1;
	}
	if (revision > n->all_revision)
		n->all_revision = revision;
}

void
push_note_admin(struct push_note *n, unsigned what)
{
	n->admin |= what;
}

void
push_count(uint64_t ok, uint64_t failed)
{
	push_ok += ok;
	push_failed += failed;
}

void
push_stats(uint64_t *ok, uint64_t *failed)
{
	*ok = push_ok;
	*failed = push_failed;
}
