/* SPDX-License-Identifier: MIT */
/* The state folder (/var/lib/wgconf): private.key in `wg genkey` form,
 * state.json (server, id, token, TLS trust, the admin's signing key when
 * peer records must be signed), sync-IFACE.json (ETag and the
 * config last written). Folder 0700, files 0600, every write atomic. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "model.h"
#include "state.h"
#include "text.h"

#define STATE_FILE "state.json"
#define KEY_FILE "private.key"
#define STATE_MAX (1024 * 1024)

const char *
state_dir_choose(const char *opt)
{
	const char *env = getenv("WGCONF_STATE_DIR");

	if (opt != NULL)
		return opt;
	if (env != NULL && *env != '\0')
		return env;
	return WGCONF_DEFAULT_STATE_DIR;
}

static char *
join(const char *dir, const char *file)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, file) < 0)
		return NULL;
	return p;
}

int
state_read_file(const char *path, size_t max, char **out, size_t *len)
{
	int fd, ret = -1;
	char *buf = NULL;
	size_t n = 0;
	struct stat sb;

	*out = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return errno == ENOENT ? 1 : -1;
	if (fstat(fd, &sb) != 0)
		goto out;
	if (!S_ISREG(sb.st_mode) || (size_t)sb.st_size > max) {
		errno = S_ISREG(sb.st_mode) ? EFBIG : EINVAL;
		goto out;
	}
	buf = malloc((size_t)sb.st_size + 1);
	if (buf == NULL)
		goto out;
	while (n < (size_t)sb.st_size) {
		ssize_t r = read(fd, buf + n, (size_t)sb.st_size - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			goto out;
		n += (size_t)r;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	buf = NULL;
	ret = 0;
out:
	if (buf) {
		keys_wipe(buf, n);
		free(buf);
	}
	close(fd);
	return ret;
}

int
state_write_atomic(const char *path, const char *data, size_t len, unsigned mode)
{
	char *tmp = NULL, *dcopy = NULL;
	int fd = -1, dfd = -1, ret = -1;

	if (asprintf(&tmp, "%s.wgconf-XXXXXX", path) < 0) {
		tmp = NULL;
		warnx("out of memory");
		goto out;
	}
	/* mkstemp makes the file 0600 before anything is written to it. */
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		warnx("cannot create a file beside %s: %s", path, strerror(errno));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	if (fchmod(fd, (mode_t)mode) != 0 || text_write_all(fd, data, len) != 0 ||
	    fsync(fd) != 0) {
		warnx("cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		warnx("cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		warnx("cannot rename %s to %s: %s", tmp, path, strerror(errno));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	/* The rename itself must survive a crash. */
	dcopy = strdup(path);
	if (dcopy != NULL) {
		dfd = open(dirname(dcopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (tmp != NULL) {
		unlink(tmp);
		free(tmp);
	}
	free(dcopy);
	return ret;
}

/* Whoever may write to the folder may swap private.key or state.json (and
 * with it the server and its pin) for their own, 0600 or not. */
static int
check_private(const char *dir, const struct stat *sb)
{
	if ((sb->st_mode & 022) != 0) {
		warnx("state folder %s is writable by other users: refusing to use it "
		       "(chmod 700 it, or choose another --state-dir)", dir);
		return -1;
	}
	return 0;
}

int
state_dir_prepare(const char *dir)
{
	struct stat sb;
	char *p = strdup(dir);

	/* Missing parents too, as mkdir -p; private like the folder itself. */
	for (char *s = p ? p + 1 : NULL; s && *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST) {
			warnx("cannot create %s: %s", p, strerror(errno));
			free(p);
			return -1;
		}
		*s = '/';
	}
	free(p);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		warnx("cannot create the state folder %s: %s", dir, strerror(errno));
		return -1;
	}
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		warnx("state folder %s is not a folder", dir);
		return -1;
	}
	if (access(dir, W_OK | X_OK) != 0) {
		warnx("cannot write to the state folder %s: %s", dir, strerror(errno));
		return -1;
	}
	if ((sb.st_mode & 077) != 0 && sb.st_uid == geteuid()) {
		if (chmod(dir, 0700) != 0) {
			warnx("cannot make %s private: %s", dir, strerror(errno));
			return -1;
		}
		sb.st_mode &= ~(mode_t)077;
	}
	return check_private(dir, &sb);
}

/* A copy of a string member, or NULL; the caller frees. */
static char *
str_member(struct json_object *obj, const char *key)
{
	const char *v = text_json_str(obj, key);

	return v ? strdup(v) : NULL;
}

int
state_load(struct state *st, const char *dir)
{
	char *path = NULL, *text = NULL;
	size_t len = 0;
	struct json_object *obj = NULL, *v;
	struct stat sb;
	int ret = -1, r;

	memset(st, 0, sizeof(*st));
	st->dir = strdup(dir);
	path = join(dir, STATE_FILE);
	if (st->dir == NULL || path == NULL) {
		warnx("out of memory");
		goto out;
	}
	if (stat(dir, &sb) == 0 && check_private(dir, &sb) != 0)
		goto out;
	r = state_read_file(path, STATE_MAX, &text, &len);
	if (r == 1) {
		ret = 1;
		goto out;
	}
	if (r != 0) {
		warnx("cannot read %s: %s", path, strerror(errno));
		goto out;
	}
	obj = model_parse_json(text, len);
	if (obj == NULL || !json_object_is_type(obj, json_type_object)) {
		warnx("%s is damaged (not a JSON object)", path);
		goto out;
	}
	st->server = str_member(obj, "server");
	st->id = str_member(obj, "id");
	st->token = str_member(obj, "token");
	st->name = str_member(obj, "name");
	st->cacert = str_member(obj, "cacert");
	st->pin = str_member(obj, "pin");
	if (json_object_object_get_ex(obj, "insecure_http", &v))
		st->insecure_http = json_object_get_boolean(v);
	/* A trust key that does not parse must not quietly turn the check off. */
	if (json_object_object_get_ex(obj, "trust_key", &v) && v != NULL) {
		uint8_t pk[KEYS_LEN];

		if (!json_object_is_type(v, json_type_string) ||
		    keys_b64_decode_key(pk, json_object_get_string(v)) != 0) {
			warnx("%s is damaged (trust_key is not a public key); set it "
			       "again with `%s trust-key`", path, program_invocation_short_name);
			goto out;
		}
		if ((st->trust_key = strdup(json_object_get_string(v))) == NULL) {
			warnx("out of memory");
			goto out;
		}
	}
	if (st->server == NULL || st->id == NULL || st->token == NULL ||
	    !text_safe_token(st->id, 64) || !text_safe_token(st->token, 512)) {
		warnx("%s is damaged (no valid server, id or token)", path);
		goto out;
	}
	ret = 0;
out:
	if (text) {
		keys_wipe(text, len);
		free(text);
	}
	if (obj)
		json_object_put(obj);
	free(path);
	return ret;
}

static void
add_str(struct json_object *obj, const char *key, const char *v)
{
	json_object_object_add(obj, key, v ? json_object_new_string(v) : NULL);
}

int
state_save(const struct state *st)
{
	struct json_object *obj = json_object_new_object();
	char *path = join(st->dir, STATE_FILE);
	const char *text;
	int ret = -1;

	if (obj == NULL || path == NULL) {
		warnx("out of memory");
		goto out;
	}
	add_str(obj, "server", st->server);
	add_str(obj, "id", st->id);
	add_str(obj, "token", st->token);
	add_str(obj, "name", st->name);
	add_str(obj, "cacert", st->cacert);
	add_str(obj, "pin", st->pin);
	json_object_object_add(obj, "insecure_http", json_object_new_boolean(st->insecure_http));
	add_str(obj, "trust_key", st->trust_key);
	text = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
	                                           JSON_C_TO_STRING_NOSLASHESCAPE);
	if (state_dir_prepare(st->dir) != 0)
		goto out;
	ret = state_write_atomic(path, text, strlen(text), 0600);
	keys_wipe((void *)text, strlen(text));
out:
	if (obj)
		json_object_put(obj);
	free(path);
	return ret;
}

void
state_free(struct state *st)
{
	if (st == NULL)
		return;
	free(st->dir);
	free(st->server);
	free(st->id);
	if (st->token) {
		keys_wipe(st->token, strlen(st->token));
		free(st->token);
	}
	free(st->name);
	free(st->cacert);
	free(st->pin);
	free(st->trust_key);
	memset(st, 0, sizeof(*st));
}

int
state_key_read_file(const char *path, uint8_t sk[KEYS_LEN])
{
	char *text = NULL;
	size_t len = 0;
	int r, ret = -1;

	r = state_read_file(path, 4096, &text, &len);
	if (r != 0) {
		warnx("cannot read the private key %s: %s", path,
		       r == 1 ? "no such file" : strerror(errno));
		return -1;
	}
	if (len > 0 && text[len - 1] == '\n')
		text[--len] = '\0';
	if (keys_b64_decode_key(sk, text) != 0) {
		warnx("%s does not hold a WireGuard private key (44 base64 "
		       "characters, as `wg genkey` writes)", path);
		goto out;
	}
	ret = 0;
out:
	keys_wipe(text, len);
	free(text);
	return ret;
}

int
state_key_load(const char *dir, uint8_t sk[KEYS_LEN])
{
	char *path = join(dir, KEY_FILE);
	int ret;

	if (path == NULL)
		return -1;
	ret = state_key_read_file(path, sk);
	free(path);
	return ret;
}

int
state_key_save(const char *dir, const uint8_t sk[KEYS_LEN])
{
	char b64[KEYS_B64_LEN + 1];
	char *path = join(dir, KEY_FILE);
	int ret = -1;

	if (path == NULL)
		return -1;
	keys_b64_encode(b64, KEYS_B64_LEN, sk, KEYS_LEN);
	strcat(b64, "\n");
	if (state_dir_prepare(dir) == 0)
		ret = state_write_atomic(path, b64, strlen(b64), 0600);
	keys_wipe(b64, sizeof(b64));
	free(path);
	return ret;
}

static char *
record_path(const char *dir, const char *kind, const char *iface)
{
	char *p;

	if (asprintf(&p, "%s/%s-%s.json", dir, kind, iface) < 0)
		return NULL;
	return p;
}

static int
record_load(const char *dir, const char *kind, const char *iface, char **etag,
            char **path, struct json_object **config)
{
	char *file = record_path(dir, kind, iface), *text = NULL;
	struct json_object *obj = NULL, *v;
	size_t len = 0;
	int r;

	*etag = *path = NULL;
	*config = NULL;
	if (file == NULL)
		return -1;
	r = state_read_file(file, 16 * 1024 * 1024, &text, &len);
	free(file);
	if (r != 0)
		return r == 1 ? 1 : -1;
	obj = model_parse_json(text, len);
	free(text);
	if (obj == NULL || !json_object_is_type(obj, json_type_object)) {
		if (obj)
			json_object_put(obj);
		return 1;       /* a damaged record only costs a full fetch */
	}
	*etag = str_member(obj, "etag");
	*path = str_member(obj, "path");
	if (json_object_object_get_ex(obj, "config", &v) &&
	    json_object_is_type(v, json_type_object))
		*config = json_object_get(v);
	json_object_put(obj);
	return 0;
}

static int
record_save(const char *dir, const char *kind, const char *iface, const char *etag,
            const char *path, struct json_object *config)
{
	struct json_object *obj = json_object_new_object();
	char *file = record_path(dir, kind, iface);
	const char *text;
	int ret = -1;

	if (obj == NULL || file == NULL)
		goto out;
	add_str(obj, "etag", etag && *etag ? etag : NULL);
	add_str(obj, "path", path);
	json_object_object_add(obj, "config", config ? json_object_get(config) : NULL);
	text = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
	                                           JSON_C_TO_STRING_NOSLASHESCAPE);
	ret = state_write_atomic(file, text, strlen(text), 0600);
out:
	if (obj)
		json_object_put(obj);
	free(file);
	return ret;
}

int
state_sync_load(const char *dir, const char *iface, char **etag, char **path,
                struct json_object **config)
{
	return record_load(dir, "sync", iface, etag, path, config);
}

int
state_sync_save(const char *dir, const char *iface, const char *etag,
                const char *path, struct json_object *config)
{
	return record_save(dir, "sync", iface, etag, path, config);
}

int
state_held_load(const char *dir, const char *iface, char **etag, char **path,
                struct json_object **config)
{
	return record_load(dir, "held", iface, etag, path, config);
}

int
state_held_save(const char *dir, const char *iface, const char *etag,
                const char *path, struct json_object *config)
{
	return record_save(dir, "held", iface, etag, path, config);
}

int
state_held_remove(const char *dir, const char *iface)
{
	char *file = record_path(dir, "held", iface);
	int ret = 0;

	if (file == NULL)
		return -1;
	if (unlink(file) != 0 && errno != ENOENT) {
		warnx("cannot remove %s: %s", file, strerror(errno));
		ret = -1;
	}
	free(file);
	return ret;
}

int
state_lock(const char *dir)
{
	char *path = join(dir, "lock");
	int fd;

	if (path == NULL)
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || flock(fd, LOCK_EX) != 0) {
		warnx("cannot lock %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	free(path);
	return fd;
}

int
state_held_list(const char *dir, char *out, size_t outsz)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;
	int count = 0;

	out[0] = '\0';
	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		if (strncmp(de->d_name, "held-", 5) != 0 || l <= 10 ||
		    strcmp(de->d_name + l - 5, ".json") != 0)
			continue;
		if (n + (l - 10) + 3 < outsz) {
			n += (size_t)snprintf(out + n, outsz - n, "%s%.*s", count ? ", " : "",
			                      (int)(l - 10), de->d_name + 5);
		}
		count++;
	}
	closedir(d);
	return count;
}

int
state_remove_all(const char *dir)
{
	const char *fixed[] = { STATE_FILE, KEY_FILE, "next.key", "lock", NULL };
	char *p;
	int ret = 0;

	for (size_t i = 0; fixed[i]; i++) {
		p = join(dir, fixed[i]);
		if (p == NULL || (unlink(p) != 0 && errno != ENOENT)) {
			warnx("cannot remove %s: %s", p ? p : fixed[i], strerror(errno));
			ret = -1;
		}
		free(p);
	}
	return state_remove_records(dir) == 0 ? ret : -1;
}

int
state_remove_records(const char *dir)
{
	char *p;
	int ret = 0;
	DIR *d;
	struct dirent *de;

	d = opendir(dir);
	if (d == NULL)
		return ret;
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		if ((strncmp(de->d_name, "sync-", 5) != 0 &&
		     strncmp(de->d_name, "held-", 5) != 0) || l < 6 ||
		    strcmp(de->d_name + l - 5, ".json") != 0)
			continue;
		p = join(dir, de->d_name);
		if (p == NULL || (unlink(p) != 0 && errno != ENOENT)) {
			warnx("cannot remove %s: %s", p ? p : de->d_name, strerror(errno));
			ret = -1;
		}
		free(p);
	}
	closedir(d);
	return ret;
}
