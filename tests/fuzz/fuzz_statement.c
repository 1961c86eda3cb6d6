/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the signed statement and revocation parsers
 * (lib/common/statement.c), which a host runs on whatever the server sends. Besides
 * crashes it checks the property the signatures rest on: an accepted text
 * is the one canonical text of what was parsed (formatting it gives the
 * same bytes), a statement differs from itself in nothing, and a text is
 * never both a statement and a revocation.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "statement.h"

static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_statement: %s\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct statement s, t;
	struct statement_revocation r;
	const char *text = (const char *)data;
	int is_statement = 0;

	if (!ready) {
		check(keys_init() == 0, "keys_init");
		ready = 1;
	}
	if (statement_parse(&s, text, size, NULL) == 0) {
		size_t len = 0;
		char *again = statement_text(&s, &len);
		char *diff;

		is_statement = 1;
		check(again != NULL, "an accepted statement does not format");
		check(len == size && memcmp(again, data, size) == 0,
		      "an accepted statement is not its canonical text");
		check(statement_parse(&t, again, len, NULL) == 0, "the canonical text does not parse");
		statement_free(&t);
		diff = statement_diff(&s, &s, NULL, NULL);
		check(diff != NULL && diff[0] == '\0', "a statement differs from itself");
		free(diff);
		diff = statement_diff(NULL, &s, NULL, NULL);
		check(diff != NULL, "the diff from nothing failed");
		free(diff);
		free(again);
		statement_free(&s);
	}
	check(s.pairs == NULL && s.networks == NULL, "a refused or freed statement keeps lists");
	if (statement_revocation_parse(&r, text, size, NULL) == 0) {
		char again[STATEMENT_REVOKE_MAX];
		int n = statement_revocation_format(&r, again, sizeof(again));

		check(!is_statement, "a text is both a statement and a revocation");
		check(n >= 0 && (size_t)n == size && memcmp(again, data, size) == 0,
		      "an accepted revocation is not its canonical text");
	}
	return 0;
}
