/* SPDX-License-Identifier: MIT */
/* The data model's lists and their free functions. */
#include <stdlib.h>
#include <string.h>

#include "rows.h"

int
rows_strlist_add(struct strlist *l, const char *s)
{
	char **nv, *copy;

	if ((copy = strdup(s)) == NULL)
		return -1;
	if ((nv = realloc(l->v, (l->n + 1) * sizeof(*nv))) == NULL) {
		free(copy);
		return -1;
	}
	l->v = nv;
	l->v[l->n++] = copy;
	return 0;
}

void
rows_strlist_free(struct strlist *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void
rows_peer_free(struct peer *p)
{
	if (p == NULL)
		return;
	rows_strlist_free(&p->networks);
	rows_strlist_free(&p->pairs);
	free(p->statement);
	p->statement = NULL;
	rows_strlist_free(&p->tags);
}

int
rows_tag_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > TAG_MAX)
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

void
rows_peer_list_free(struct peer_list *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++)
		rows_peer_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void
rows_revocation_list_free(struct revocation_list *l)
{
	if (l == NULL)
		return;
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
