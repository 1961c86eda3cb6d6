/* SPDX-License-Identifier: MIT */
/* The client's state folder on a real file system: atomic writes with the
 * mode asked for and no temporary file left; the folder made 0700 and a
 * folder others may write to refused; state.json, the key and the sync
 * and held records round-trip; the lock excludes a second holder. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"
#include "state.h"

static char tmp[64];

static void
setup(void)
{
	snprintf(tmp, sizeof(tmp), "/tmp/check_client_state.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	ck_assert_int_eq(keys_init(), 0);
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	ck_assert_int_eq(system(cmd), 0);
}

static unsigned
mode_of(const char *path)
{
	struct stat sb;

	ck_assert_int_eq(stat(path, &sb), 0);
	return sb.st_mode & 07777;
}

/* Entries in dir other than . and .. */
static int
count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

START_TEST(atomic_write)
{
	char path[128], *text = NULL;
	size_t len = 0;

	snprintf(path, sizeof(path), "%s/f.conf", tmp);
	ck_assert_int_eq(state_write_atomic(path, "one\n", 4, 0600), 0);
	ck_assert_uint_eq(mode_of(path), 0600);
	ck_assert_int_eq(state_write_atomic(path, "two, longer\n", 12, 0640), 0);
	ck_assert_uint_eq(mode_of(path), 0640);
	ck_assert_int_eq(state_read_file(path, 4096, &text, &len), 0);
	ck_assert_str_eq(text, "two, longer\n");
	ck_assert_uint_eq(len, 12);
	free(text);
	/* No temporary file stays beside it. */
	ck_assert_int_eq(count_entries(tmp), 1);
	/* A missing file is 1, a too large one an error. */
	snprintf(path, sizeof(path), "%s/none", tmp);
	ck_assert_int_eq(state_read_file(path, 4096, &text, &len), 1);
	snprintf(path, sizeof(path), "%s/f.conf", tmp);
	ck_assert_int_eq(state_read_file(path, 4, &text, &len), -1);
	/* A folder that does not exist: an error, nothing written. */
	snprintf(path, sizeof(path), "%s/no/such/f", tmp);
	ck_assert_int_eq(state_write_atomic(path, "x", 1, 0600), -1);
}
END_TEST

START_TEST(folder_private)
{
	char dir[128];

	snprintf(dir, sizeof(dir), "%s/a/b/state", tmp);
	ck_assert_int_eq(state_dir_prepare(dir), 0);
	ck_assert_uint_eq(mode_of(dir), 0700);
	snprintf(dir, sizeof(dir), "%s/a/b", tmp);
	ck_assert_uint_eq(mode_of(dir), 0700);
	/* Our own folder made too open is made private again. */
	snprintf(dir, sizeof(dir), "%s/a/b/state", tmp);
	ck_assert_int_eq(chmod(dir, 0755), 0);
	ck_assert_int_eq(state_dir_prepare(dir), 0);
	ck_assert_uint_eq(mode_of(dir), 0700);
	/* Someone else's folder that others may write to is refused, by
	 * prepare and by load. Only root can give a folder away. */
	if (geteuid() == 0) {
		struct state st;

		snprintf(dir, sizeof(dir), "%s/other", tmp);
		ck_assert_int_eq(mkdir(dir, 0777), 0);
		ck_assert_int_eq(chmod(dir, 0777), 0);
		ck_assert_int_eq(chown(dir, 65534, 65534), 0);
		ck_assert_int_eq(state_dir_prepare(dir), -1);
		ck_assert_int_eq(chmod(dir, 0770), 0);
		ck_assert_int_eq(state_dir_prepare(dir), -1);
		ck_assert_int_eq(state_load(&st, dir), -1);
		state_free(&st);
	}
}
END_TEST

START_TEST(state_round_trip)
{
	static char server[] = "https://example.org:8443/mesh", id[] = "abc123",
	            token[] = "tok-en_1.~", name[] = "db1", pin[] = "sha256//x",
	            trust[] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
	struct state st = { .server = server, .id = id, .token = token, .name = name,
	                    .pin = pin, .insecure_http = true, .trust_key = trust };
	struct state back;
	uint8_t sk[KEYS_LEN], pk[KEYS_LEN], sk2[KEYS_LEN];
	static const char bad_token[] =
		"{\"server\":\"https://h\",\"id\":\"a\",\"token\":\"a\\r\\nX: y\"}";
	char dir[128], path[160];

	snprintf(dir, sizeof(dir), "%s/state", tmp);
	ck_assert_int_eq(state_load(&back, dir), 1);      /* not registered */
	state_free(&back);
	st.dir = dir;
	ck_assert_int_eq(state_save(&st), 0);
	snprintf(path, sizeof(path), "%s/state.json", dir);
	ck_assert_uint_eq(mode_of(path), 0600);
	ck_assert_uint_eq(mode_of(dir), 0700);
	ck_assert_int_eq(state_load(&back, dir), 0);
	ck_assert_str_eq(back.server, server);
	ck_assert_str_eq(back.id, id);
	ck_assert_str_eq(back.token, token);
	ck_assert_str_eq(back.name, name);
	ck_assert_str_eq(back.pin, pin);
	ck_assert_str_eq(back.trust_key, trust);
	ck_assert_ptr_null(back.cacert);
	ck_assert(back.insecure_http);
	state_free(&back);

	keys_generate(sk, pk);
	ck_assert_int_eq(state_key_save(dir, sk), 0);
	snprintf(path, sizeof(path), "%s/private.key", dir);
	ck_assert_uint_eq(mode_of(path), 0600);
	ck_assert_int_eq(state_key_load(dir, sk2), 0);
	ck_assert_mem_eq(sk, sk2, KEYS_LEN);

	/* A damaged state.json is an error, not "not registered". */
	snprintf(path, sizeof(path), "%s/state.json", dir);
	ck_assert_int_eq(state_write_atomic(path, "{\"server\": 1", 12, 0600), 0);
	ck_assert_int_eq(state_load(&back, dir), -1);
	state_free(&back);
	/* So is a token that would not be safe in a header. */
	ck_assert_int_eq(state_write_atomic(path, bad_token, strlen(bad_token), 0600), 0);
	ck_assert_int_eq(state_load(&back, dir), -1);
	state_free(&back);
}
END_TEST

START_TEST(records_round_trip)
{
	struct json_object *cfg = json_tokener_parse("{\"revision\": 3, \"peers\": []}");
	struct json_object *back = NULL;
	char *etag = NULL, *path = NULL, list[64];

	ck_assert_int_eq(state_sync_load(tmp, "wg0", &etag, &path, &back), 1);
	ck_assert_int_eq(state_sync_save(tmp, "wg0", "\"r3\"", "/etc/wireguard/wg0.conf", cfg), 0);
	ck_assert_int_eq(state_sync_load(tmp, "wg0", &etag, &path, &back), 0);
	ck_assert_str_eq(etag, "\"r3\"");
	ck_assert_str_eq(path, "/etc/wireguard/wg0.conf");
	ck_assert(json_object_equal(back, cfg));
	free(etag);
	free(path);
	json_object_put(back);

	ck_assert_int_eq(state_held_list(tmp, list, sizeof(list)), 0);
	ck_assert_int_eq(state_held_save(tmp, "wg0", "\"r4\"", "/x/wg0.conf", cfg), 0);
	ck_assert_int_eq(state_held_save(tmp, "wg1", NULL, "/x/wg1.conf", cfg), 0);
	ck_assert_int_eq(state_held_list(tmp, list, sizeof(list)), 2);
	ck_assert(strcmp(list, "wg0, wg1") == 0 || strcmp(list, "wg1, wg0") == 0);
	ck_assert_int_eq(state_held_load(tmp, "wg1", &etag, &path, &back), 0);
	ck_assert_ptr_null(etag);
	ck_assert_str_eq(path, "/x/wg1.conf");
	free(path);
	json_object_put(back);
	ck_assert_int_eq(state_held_remove(tmp, "wg1"), 0);
	ck_assert_int_eq(state_held_remove(tmp, "wg1"), 0);       /* already gone */
	ck_assert_int_eq(state_held_list(tmp, list, sizeof(list)), 1);
	ck_assert_str_eq(list, "wg0");

	/* A new registration forgets every record. */
	ck_assert_int_eq(state_remove_records(tmp), 0);
	ck_assert_int_eq(state_held_list(tmp, list, sizeof(list)), 0);
	ck_assert_int_eq(state_sync_load(tmp, "wg0", &etag, &path, &back), 1);
	ck_assert_int_eq(count_entries(tmp), 0);
	json_object_put(cfg);
}
END_TEST

START_TEST(lock_excludes)
{
	char path[128];
	int fd, other;

	fd = state_lock(tmp);
	ck_assert_int_ge(fd, 0);
	snprintf(path, sizeof(path), "%s/lock", tmp);
	ck_assert_uint_eq(mode_of(path), 0600);
	other = open(path, O_RDWR | O_CLOEXEC);
	ck_assert_int_ge(other, 0);
	ck_assert_int_eq(flock(other, LOCK_EX | LOCK_NB), -1);
	close(fd);
	ck_assert_int_eq(flock(other, LOCK_EX | LOCK_NB), 0);
	close(other);
}
END_TEST

static Suite *
state_suite(void)
{
	Suite *s = suite_create("client-state");
	TCase *tc = tcase_create("state");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, atomic_write);
	tcase_add_test(tc, folder_private);
	tcase_add_test(tc, state_round_trip);
	tcase_add_test(tc, records_round_trip);
	tcase_add_test(tc, lock_excludes);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(state_suite)
