/* SPDX-License-Identifier: MIT */
/* The network settings (lib/store/network.c). */
#ifndef WGCONF_NETWORK_H
#define WGCONF_NETWORK_H

#include "result.h"
#include "rows.h"

/* The network settings (one row). */
int store_network_get(struct network *n);

/* Writes n over old (as store_network_get() read it in this transaction),
 * touching the peers whose configs or records change with what differs;
 * without an IPv6 pool any more, the IPv6 addresses go too. */
int store_network_put(const struct network *old, const struct network *n);

#endif
