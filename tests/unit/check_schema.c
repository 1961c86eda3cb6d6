/* SPDX-License-Identifier: MIT */
/*
 * schema: schema.sql is the current schema. A new database is made from it;
 * a database of any earlier version (built here from the first schema,
 * tests/unit/schema_v1.sql, and the migrations up to that version) is
 * migrated by db_open(). Both must have the same schema, as `sqlite3 FILE
 * .schema` prints it (comments and spacing aside: SQLite keeps a table's
 * text as written, and a column a migration added sits after an ALTER's
 * comma), and the same rows (the random mesh id aside). Rows written under
 * an old version come through with the later columns' defaults.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>

#include "db.h"
#include "schema_v1.h"
#include "sql.h"
#include "unit.h"

#define OUT_MAX (1 << 20)

/* What `sqlite3 file arg` prints. Caller frees. */
static char *
cli(const char *file, const char *arg)
{
	char cmd[256], *out = calloc(1, OUT_MAX);
	size_t n = 0, got;
	FILE *p;

	ck_assert_ptr_nonnull(out);
	snprintf(cmd, sizeof(cmd), "sqlite3 '%s' '%s'", file, arg);
	ck_assert_ptr_nonnull(p = popen(cmd, "r"));
	while ((got = fread(out + n, 1, OUT_MAX - 1 - n, p)) > 0)
		n += got;
	ck_assert_int_eq(pclose(p), 0);
	ck_assert_uint_lt(n, OUT_MAX - 1);
	return out;
}

static int
line_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One statement a line, without comments, with one space wherever text had
 * spaces or line breaks and none next to ( ) , ; -- then sorted. */
static char *
normal(const char *text)
{
	size_t len = strlen(text), n = 0, nlines = 0;
	char *out = calloc(1, len + 2), **lines, *res, *save = NULL;
	int space = 0, in_str = 0;

	ck_assert_ptr_nonnull(out);
	for (const char *p = text; *p != '\0'; p++) {
		if (!in_str && p[0] == '-' && p[1] == '-') {
			while (p[1] != '\0' && p[1] != '\n')
				p++;
			continue;
		}
		if (*p == '\'')
			in_str = !in_str;
		if (!in_str && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) {
			space = 1;
			continue;
		}
		if (!in_str && strchr("(),", *p) != NULL) {
			space = 0;
			out[n++] = *p;
			continue;
		}
		if (!in_str && *p == ';') {
			out[n++] = '\n';
			space = 0;
			continue;
		}
		if (space && n > 0 && out[n - 1] != '\n' && strchr("(),", out[n - 1]) == NULL)
			out[n++] = ' ';
		space = 0;
		out[n++] = *p;
	}
	lines = calloc(n + 1, sizeof(*lines));
	ck_assert_ptr_nonnull(lines);
	for (char *l = strtok_r(out, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save))
		lines[nlines++] = l;
	qsort(lines, nlines, sizeof(*lines), line_cmp);
	res = calloc(1, len + nlines + 2);
	ck_assert_ptr_nonnull(res);
	for (size_t i = 0; i < nlines; i++) {
		strcat(res, lines[i]);
		strcat(res, "\n");
	}
	free(lines);
	free(out);
	return res;
}

/* The rows of the database, the mesh id masked: the INSERTs of .dump. */
static char *
rows(const char *file)
{
	char *dump = cli(file, ".dump"), *out = calloc(1, OUT_MAX), *save = NULL;

	ck_assert_ptr_nonnull(out);
	for (char *l = strtok_r(dump, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save)) {
		char *q;
		if (strncmp(l, "INSERT INTO ", 12) != 0)
			continue;
		/* The network's mesh id: 32 random hex digits, quoted. */
		for (q = l; strncmp(l, "INSERT INTO network ", 20) == 0 && *q != '\0'; q++)
			if (q[0] == '\'' && strspn(q + 1, "0123456789abcdef") == 32 && q[33] == '\'')
				memset(q + 1, 'x', 32);
		strcat(out, l);
		strcat(out, "\n");
	}
	free(dump);
	return out;
}

/* The first line where a and b differ, as "a-line | b-line" (static). */
static const char *
first_diff(const char *a, const char *b)
{
	static char buf[600];
	size_t i = 0, la, lb;

	while (a[i] != '\0' && a[i] == b[i])
		i++;
	while (i > 0 && a[i - 1] != '\n')
		i--;
	la = strcspn(a + i, "\n");
	lb = strcspn(b + i, "\n");
	snprintf(buf, sizeof(buf), "%.*s\n  against new: %.*s", (int)(la < 280 ? la : 280), a + i,
	         (int)(lb < 280 ? lb : 280), b + i);
	return buf;
}

static char *
new_file(char path[64])
{
	int fd;

	snprintf(path, 64, "/tmp/wgconf-schema-XXXXXX");
	ck_assert_int_ge(fd = mkstemp(path), 0);
	close(fd);
	unlink(path);
	return path;
}

static void
exec_ok(sqlite3 *h, const char *sql)
{
	char *err = NULL;

	ck_assert_msg(sqlite3_exec(h, sql, NULL, NULL, &err) == SQLITE_OK, "%s", err ? err : "?");
}

/* A database at version v (>= 1), made as that version made it: the first
 * schema, the migrations up to v. A peer and its address go in at version 1. */
static void
make_old(const char *path, int v)
{
	char pragma[64];
	sqlite3 *h;

	ck_assert_int_eq(sqlite3_open(path, &h), SQLITE_OK);
	exec_ok(h, "BEGIN");
	exec_ok(h, schema_v1_sql);
	exec_ok(h, "INSERT INTO peers (id, name, state, public_key, token_hash, created_at)"
	           " VALUES ('00000000000000aa', 'old', 'accepted', 'k', x'00', 1);"
	           "INSERT INTO addresses VALUES ('00000000000000aa', 4, '10.77.0.2')");
	for (int to = 2; to <= v; to++)
		exec_ok(h, db_migration(to));
	snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", v);
	exec_ok(h, pragma);
	exec_ok(h, "COMMIT");
	sqlite3_close(h);
}

START_TEST(migrated_same_as_new)
{
	char fresh[64], old[64], *want_schema, *want_rows, *got;
	sqlite3 *h;

	/* The new database, with the same peer written now. */
	ck_assert_int_eq(db_open(new_file(fresh)), 0);
	ck_assert_int_eq(db_version(), DB_SCHEMA_VERSION);
	db_close();
	ck_assert_int_eq(sqlite3_open(fresh, &h), SQLITE_OK);
	exec_ok(h, "INSERT INTO peers (id, name, state, public_key, token_hash, created_at)"
	           " VALUES ('00000000000000aa', 'old', 'accepted', 'k', x'00', 1);"
	           "INSERT INTO addresses VALUES ('00000000000000aa', 4, '10.77.0.2')");
	sqlite3_close(h);
	want_schema = normal(got = cli(fresh, ".schema"));
	free(got);
	want_rows = rows(fresh);
	ck_assert_ptr_nonnull(strstr(want_rows, "INSERT INTO peers "));

	for (int v = 1; v < DB_SCHEMA_VERSION; v++) {
		char *s;
		make_old(new_file(old), v);
		ck_assert_int_eq(db_open(old), 0);
		ck_assert_int_eq(db_version(), DB_SCHEMA_VERSION);
		db_close();
		s = normal(got = cli(old, ".schema"));
		ck_assert_msg(strcmp(s, want_schema) == 0, "schema migrated from version %d: %s", v,
		              first_diff(s, want_schema));
		free(s);
		free(got);
		got = rows(old);
		ck_assert_msg(strcmp(got, want_rows) == 0, "rows migrated from version %d: %s", v,
		              first_diff(got, want_rows));
		free(got);
		unlink(old);
	}
	free(want_schema);
	free(want_rows);
	unlink(fresh);
}
END_TEST

/* The normal form sees a real difference: a column, a default, an index. */
START_TEST(normal_form_keeps_meaning)
{
	char *a = normal("CREATE TABLE t (\n  x INTEGER, -- note\n  y TEXT DEFAULT 'a  b'\n);");
	char *b = normal("CREATE TABLE t (x INTEGER\n, y TEXT DEFAULT 'a  b');");
	char *c = normal("CREATE TABLE t (x INTEGER, y TEXT DEFAULT 'a b');");

	ck_assert_str_eq(a, b);
	ck_assert_str_ne(a, c);
	free(a);
	free(b);
	free(c);
}
END_TEST

static Suite *
schema_suite(void)
{
	Suite *s = suite_create("schema");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, normal_form_keeps_meaning);
	tcase_add_test(tc, migrated_same_as_new);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(schema_suite)
