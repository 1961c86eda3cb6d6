/* SPDX-License-Identifier: MIT */
/* The audit log (lib/store/audit.c). */
#ifndef WGCONF_AUDIT_H
#define WGCONF_AUDIT_H

#include <json-c/json.h>

#include "result.h"

/* Appends to the audit log, or counts a repeat on the same event's entry
 * within the coalescing window, then prunes the log to its limits
 * (lib/quota.h); detail (may be NULL) is not consumed. */
int store_audit(const char *actor, const char *action, const char *target,
                struct json_object *detail);

#endif
