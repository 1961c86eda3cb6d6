/* SPDX-License-Identifier: MIT */
/* The network settings (lib/store/network.c). */
#ifndef WGCONF_NETWORK_H
#define WGCONF_NETWORK_H

#include "result.h"
#include "rows.h"

/* The network settings (one row). */
int store_network_get(struct network *n);

#endif
