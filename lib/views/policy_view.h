/* SPDX-License-Identifier: MIT */
/* What the API shows of the signed policy and of the background pair jobs
 * (lib/views/policy_view.c). Caller owns what is returned. */
#ifndef WGCONF_POLICY_VIEW_H
#define WGCONF_POLICY_VIEW_H

#include <json-c/json.h>

#include "jobs.h"
#include "rows.h"

/* GET /admin/policy: {version, proposed, rules, signed_version, signed,
 * signature, signature_state, unsigned_changes, changes}, the proposal built
 * from rules (store_policy_rules()) at the version after row's. NULL when
 * the stored rules make no valid policy. */
struct json_object *views_policy(const struct policy_row *row, const struct strlist *rules,
                                 const struct network *net);

/* A job's progress: {rule, state, pairs, made, progress, started_at,
 * finished_at}. */
struct json_object *views_job(const struct pair_job *j);

/* {"jobs": [...]}. */
struct json_object *views_job_list(const struct pair_job_list *l);

/* One entry of GET /admin/statements: {id, name, version, proposed, signed,
 * signature}, the proposal at the version after p's. NULL when p's record
 * makes no valid statement. */
struct json_object *views_statement_entry(const struct peer *p, const struct network *net);

#endif
