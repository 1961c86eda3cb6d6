/* SPDX-License-Identifier: MIT */
/*
 * Forwarding between the peers of one WireGuard interface: what a relay (and
 * a gateway) does. A host forwards only when its own state folder allows it
 * (`wgconf allow-relay`, the file allow-relay): a server, or an intruder in
 * it, can never turn a host into a router on its own.
 *
 * Forwarding is switched on for the tunnel interface only (the per-interface
 * sysctls, never net.ipv4.ip_forward), and when a firewall's forward chain
 * drops by default, one rule lets tunnel-to-tunnel traffic through (iifname
 * IFACE oifname IFACE accept, commented "wgconf relay IFACE"). What was
 * there before is kept in the state folder (forward-IFACE) and put back when
 * the host stops forwarding.
 */
#ifndef WGCONF_CLIENT_FORWARD_H
#define WGCONF_CLIENT_FORWARD_H

#include <stdbool.h>

#define FORWARD_ALLOW_FILE "allow-relay"

/* 1 when dir allows forwarding, 0 when not, -1 on error (said). */
int forward_allowed(const char *dir);

/* Allows (on) or forbids forwarding in dir. 0 or -1 (said). */
int forward_allow_set(const char *dir, bool on);

/* Brings iface to want: forwarding on (sysctls, firewall rule) or back to
 * what it was before wgconf switched it on. Idempotent; *changed (may be
 * NULL) says whether something was changed, verbose shows the commands.
 * dir is the state folder that keeps the record of what to undo. 0, or -1
 * after a message on stderr. */
int forward_apply(const char *dir, const char *iface, bool want, bool verbose,
                  bool *changed);

/* Whether iface forwards now (its IPv4 forwarding sysctl is 1): 1, 0, or
 * -1 when it cannot be read (no such interface). */
int forward_active(const char *iface);

#endif
