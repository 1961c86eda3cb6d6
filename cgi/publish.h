/* SPDX-License-Identifier: MIT */
/* Publishing change notifications to nginx's Nchan publisher (lib/push.h). */
#ifndef WGCONFSRV_CGI_PUBLISH_H
#define WGCONFSRV_CGI_PUBLISH_H

#include "push.h"

/* Publishes to the unix socket at path (WGCONFSRV_PUSH). 0, or -1 when the
 * path cannot be a socket's; push stays off then. */
int publish_set(const char *path);

/* Publishes what note records, in one connection, within a short time.
 * Called after the answer went out: no request waits on it, and a failure
 * is only counted (push_count), never reported to anyone. */
void publish_note(const struct push_note *note);

#endif
