/* SPDX-License-Identifier: MIT */
/* The signed policy and the background pair jobs as the API shows them. */
#include <stdlib.h>
#include <string.h>

#include "policy_view.h"
#include "proposal.h"
#include "views.h"

/* The "- rule" and "+ rule" lines between the signed policy and text. */
static struct json_object *
changes_json(const struct policy_row *row, const char *text, size_t len)
{
	struct json_object *arr = json_object_new_array();
	struct policy old, now;
	int have_old = row->text != NULL &&
	               policy_parse(&old, row->text, strlen(row->text), NULL) == 0;
	char *diff = NULL, *line, *save = NULL;

	if (policy_parse(&now, text, len, NULL) == 0) {
		diff = policy_diff(have_old ? &old : NULL, &now);
		policy_free(&now);
	}
	for (line = diff ? strtok_r(diff, "\n", &save) : NULL; line != NULL;
	     line = strtok_r(NULL, "\n", &save))
		json_object_array_add(arr, json_object_new_string(line));
	free(diff);
	if (have_old)
		policy_free(&old);
	return arr;
}

struct json_object *
views_policy(const struct policy_row *row, const struct strlist *rules,
             const struct network *net)
{
	struct json_object *o;
	char *text, sig[KEYS_SIG_B64_LEN];
	size_t len;

	if ((text = proposal_policy_text(rules, net, (uint64_t)row->signed_version + 1, &len)) ==
	    NULL)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "version", json_object_new_int64(row->signed_version + 1));
	json_object_object_add(o, "proposed", json_object_new_string_len(text, (int)len));
	json_object_object_add(o, "rules", json_object_new_int64((int64_t)rules->n));
	json_object_object_add(o, "signed_version", json_object_new_int64(row->signed_version));
	json_object_object_add(o, "signed", row->text ? json_object_new_string(row->text) : NULL);
	if (row->text != NULL)
		keys_b64_encode(sig, sizeof(sig), row->sig, KEYS_SIG_LEN);
	json_object_object_add(o, "signature", row->text ? json_object_new_string(sig) : NULL);
	json_object_object_add(o, "signature_state",
	                       json_object_new_string(proposal_policy_signature_state(row, net)));
	json_object_object_add(o, "unsigned_changes", json_object_new_boolean(
	                       proposal_policy_unsigned_changes(row, rules, net)));
	json_object_object_add(o, "changes", changes_json(row, text, len));
	free(text);
	return o;
}

struct json_object *
views_job(const struct pair_job *j)
{
	struct json_object *o = json_object_new_object();
	double progress = j->finished_at ? 1.0 : j->pass > 1 || j->total <= 0 ? 0.99 :
	                  (double)j->scanned / (double)j->total;

	json_object_object_add(o, "rule", json_object_new_int64(j->rule_id));
	json_object_object_add(o, "state", json_object_new_string(
	                       j->finished_at ? "done" : j->pass > 1 ? "checking" : "making"));
	json_object_object_add(o, "pairs", json_object_new_int64(j->total));
	json_object_object_add(o, "made", json_object_new_int64(j->made));
	json_object_object_add(o, "progress",
	                       json_object_new_double(progress > 0.99 && !j->finished_at ? 0.99 :
	                                              progress));
	json_object_object_add(o, "started_at", views_time(j->started_at));
	json_object_object_add(o, "finished_at", j->finished_at ? views_time(j->finished_at) : NULL);
	return o;
}

struct json_object *
views_job_list(const struct pair_job_list *l)
{
	struct json_object *arr = json_object_new_array(), *o = json_object_new_object();

	for (size_t i = 0; i < l->n; i++)
		json_object_array_add(arr, views_job(&l->v[i]));
	json_object_object_add(o, "jobs", arr);
	return o;
}

struct json_object *
views_statement_entry(const struct peer *p, const struct network *net)
{
	struct json_object *o;
	char *text, sig[KEYS_SIG_B64_LEN];
	size_t len;

	if ((text = proposal_text(p, net, (uint64_t)p->signed_version + 1, &len)) == NULL)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(p->id));
	json_object_object_add(o, "name", json_object_new_string(p->name));
	json_object_object_add(o, "version", json_object_new_int64(p->signed_version + 1));
	json_object_object_add(o, "proposed", json_object_new_string_len(text, (int)len));
	json_object_object_add(o, "signed", p->statement ? json_object_new_string(p->statement) :
	                       NULL);
	if (p->statement != NULL)
		keys_b64_encode(sig, sizeof(sig), p->statement_sig, KEYS_SIG_LEN);
	json_object_object_add(o, "signature", p->statement ? json_object_new_string(sig) : NULL);
	free(text);
	return o;
}
