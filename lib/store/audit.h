/* SPDX-License-Identifier: MIT */
/* The audit log (lib/store/audit.c). */
#ifndef WGCONF_AUDIT_H
#define WGCONF_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "result.h"

/* How long and how big the log grows (the network's limits, lib/store/quota.h). */
struct audit_limits {
	int64_t max_age;                /* s: older rows are pruned */
	int64_t max_rows;               /* the newest rows kept (an admin's only age out) */
	int64_t coalesce_window;        /* s: a repeat within it counts, adds no row */
};

/* Appends to the audit log, or counts a repeat on the same event's entry
 * within the coalescing window, then prunes the log to its limits; detail
 * (may be NULL) is not consumed. */
int store_audit(const struct audit_limits *lim, const char *actor, const char *action,
                const char *target, struct json_object *detail);

/* Drops rows older than max_age, and all but the newest max_rows except an
 * admin's (those only age out). Cheap when there is nothing to drop (index
 * seeks). */
int store_audit_prune(const struct audit_limits *lim, int64_t now);

/* One entry; the strings are owned. */
struct audit_entry {
	int64_t id, at;
	char *actor, *action;
	char *target;                   /* NULL = none */
	char *detail;                   /* JSON text; NULL = none */
	int64_t count, last_at;         /* repeats within the coalescing window */
};

struct audit_list {
	struct audit_entry *v;
	size_t n;
};

/* At most limit entries with an id below before, newest first. Caller
 * frees with store_audit_list_free(). */
int store_audit_page(int64_t before, size_t limit, struct audit_list *out);
void store_audit_list_free(struct audit_list *l);

#endif
