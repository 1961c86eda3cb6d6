/* SPDX-License-Identifier: MIT */
/*
 * Pairs, tags and rules (tables pairs, peer_tags, rules): which peers link
 * to which. A peer carries tags; a rule {a, b} pairs every accepted peer
 * tagged a with every accepted peer tagged b (a full mesh of the tag when
 * a = b). A pair made by rules is not explicit: it goes when no rule
 * implies it any more, while an explicit one (an admin's) stays. Every
 * write here keeps, for the peers it touches:
 *   pairs = explicit pairs  ∪  pairs some rule implies between accepted peers
 * and touches the two ends of every pair it makes or drops
 * (lib/store/revisions.h): nobody else's config sees a pair.
 */
#ifndef WGCONF_PAIRS_H
#define WGCONF_PAIRS_H

#include <stddef.h>
#include <stdint.h>

#include "result.h"
#include "rows.h"

#define RULES_MAX 256           /* rules the server keeps */

/*
 * A rule may imply at most this many pairs. Each pair costs two sealed
 * boxes (each an X25519 key pair and a scalar multiplication), and a rule
 * makes its pairs in one request, which must end well inside nginx's 60 s
 * fastcgi_read_timeout: 4,950 pairs took 2.7 s (t2600, a shared 2-core
 * machine), so 20,000 take some 11 s and 100,000 would take about a
 * minute. 20,000 is also the budget (1,000 peers, 20,000 pairs).
 */
#define RULE_PAIRS_MAX 20000

/* ---- pairs ---- */

/* Pairs a and b (a < b; keys in base64) with a fresh preshared key sealed
 * to both; explicit: an admin made it (else rules imply it). */
int store_pair_insert(const char *a, const char *pka, const char *b, const char *pkb,
                      int explicit, int64_t now);

/* Whether a and b (a < b) are paired: DB_OK with *explicit and *created
 * (either may be NULL), DB_NOTFOUND, DB_ERROR. */
int store_pair_find(const char *a, const char *b, int *explicit, int64_t *created);

/* Marks the pair a-b explicit or not (nobody's config changes). */
int store_pair_set_explicit(const char *a, const char *b, int explicit);

/* Unpairs a and b (a < b). */
int store_pair_delete(const char *a, const char *b);

/* A fresh preshared key for the pair of p and other (p with its new key),
 * sealed to both: the old one was sealed to a key that is going away. Part
 * of a key change, which touches p and its partners already
 * (store_peer_take_pending_key()): this touches nobody. */
int store_pair_reseal(const struct peer *p, const char *other_id);

struct pair_row {
	char a[PEER_ID_LEN], b[PEER_ID_LEN];
	int64_t created_at;
	int explicit;
};

struct pair_list {
	struct pair_row *v;
	size_t n;
};

/* At most limit pairs after (after_a, after_b) in key order, only peer's
 * when it is not NULL; *more when rows follow. Caller frees out->v. */
int store_pair_page(const char *after_a, const char *after_b, const char *peer, size_t limit,
                    struct pair_list *out, int *more);

/* The ids of the rules that pair a and b, in order, appended to out. */
int store_pair_rules(const char *a, const char *b, struct strlist *out);

/* Which rules pair whom, loaded once to show every pair's rules. */
struct store_rule_peer;
struct store_rule_index {
	int64_t rule_ids[RULES_MAX];
	size_t nrules;
	struct store_rule_peer *peers;  /* sorted by id; owned */
	size_t npeers;
};
int store_rule_index_load(struct store_rule_index *ix);
/* The ids of the rules that pair a and b, appended to out. */
int store_rule_index_pair(const struct store_rule_index *ix, const char *a, const char *b,
                          struct strlist *out);
void store_rule_index_free(struct store_rule_index *ix);

/* ---- tags and rules ---- */

/* Replaces peer id's tags with tags (its record changes: it is touched). */
int store_tags_set(const char *id, const struct strlist *tags);

struct rule {
	char id[24];
	char a[TAG_MAX + 1], b[TAG_MAX + 1];
	int64_t created_at;
	int64_t pairs;                  /* how many it implies now */
};

struct rule_list {
	struct rule *v;
	size_t n;
};

/* Every rule, or the one rule id (DB_NOTFOUND when none), each with its
 * pair count. Caller frees out->v. */
int store_rule_list(const char *id, struct rule_list *out);

/* How many rules there are; the id of the rule a-b (DB_NOTFOUND: none);
 * how many pairs a rule a-b implies among the accepted peers now. */
int store_rule_count(int64_t *n);
int store_rule_find(const char *a, const char *b, char id[24]);
int store_rule_size(const char *a, const char *b, int64_t *n);

/* Makes rule a-b (a <= b) and every pair it implies that does not exist
 * yet: *made of them. Its id into id. */
int store_rule_insert(const char *a, const char *b, int64_t now, char id[24], int64_t *made);

/* Deletes rule id (its tags into a and b) and the pairs only it implied
 * (*dropped of them). DB_NOTFOUND when there is no such rule. */
int store_rule_delete(int64_t id, char a[TAG_MAX + 1], char b[TAG_MAX + 1], size_t *dropped);

/* A rule that would imply more than RULE_PAIRS_MAX pairs. */
struct rule_excess {
	char id[24], a[TAG_MAX + 1], b[TAG_MAX + 1];
	int64_t pairs;
};

/* Makes peer id's pairs what the rules say, when it is accepted: drops the
 * pairs only rules made that no rule implies now, makes the ones they imply
 * and it lacks. *changed (may be NULL) gets how many pairs were made or
 * dropped. DB_CONFLICT (with *excess) when a rule its tags take part in
 * would pass RULE_PAIRS_MAX. */
int store_rules_sync_peer(const char *id, size_t *changed, struct rule_excess *excess);

/* Rule a-b (a <= b) from an import, kept once if the server has it; no
 * pairs made (store_rules_sync_peer() does, per peer). */
int store_rule_import(const char *a, const char *b, int64_t now);

/* Every rule's tags (a, b, a, b, ...), ordered by a, b; the ends of every
 * explicit pair (a, b, ...). Appended to out. */
int store_rule_tags(struct strlist *out);
int store_pair_explicit_ends(struct strlist *out);

#endif
