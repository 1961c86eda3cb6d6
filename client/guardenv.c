/* SPDX-License-Identifier: MIT */
/* guard's view of this host: `ip -j route` for the default gateways, `ip -j
 * address` for the connected networks, and the allow-list file. */
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "guardenv.h"
#include "model.h"
#include "state.h"

/* `ip -j ARGS...` as a JSON array (caller puts it); NULL after a message. */
static struct json_object *
ip_json(const char *const *argv)
{
	bool ran;
	struct json_object *arr = apply_run_json(argv, &ran);

	if (arr == NULL && !ran)
		warnx("cannot run `%s %s %s %s` to learn this host's routes and addresses",
		       argv[0], argv[1], argv[2], argv[3]);
	else if (arr == NULL)
		warnx("cannot read the output of `%s %s %s %s`", argv[0], argv[1], argv[2],
		       argv[3]);
	return arr;
}

static const char *
str_of(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return NULL;
}

/* Gateways of one route object (single or multipath). */
static int
add_gateways(struct guard_env *env, struct json_object *r)
{
	struct json_object *hops;
	const char *gw = str_of(r, "gateway");

	if (gw && guard_env_protect(env, GUARD_GATEWAY, gw, str_of(r, "dev")) != 0)
		return -1;
	if (json_object_object_get_ex(r, "nexthops", &hops) &&
	    json_object_is_type(hops, json_type_array))
		for (size_t i = 0; i < json_object_array_length(hops); i++) {
			struct json_object *h = json_object_array_get_idx(hops, i);
			if ((gw = str_of(h, "gateway")) != NULL &&
			    guard_env_protect(env, GUARD_GATEWAY, gw, str_of(h, "dev")) != 0)
				return -1;
		}
	return 0;
}

int
guardenv_gather(struct guard_env *env, const char *iface, const char *server_ip)
{
	const char *r4[] = { "ip", "-j", "-4", "route", "show", "default", "table", "all", NULL };
	const char *r6[] = { "ip", "-j", "-6", "route", "show", "default", "table", "all", NULL };
	const char *ad[] = { "ip", "-j", "address", "show", NULL };
	const char *const *cmds[] = { r4, r6 };
	struct json_object *arr = NULL;
	int ret = -1;

	if (server_ip != NULL && *server_ip != '\0' &&
	    guard_env_protect(env, GUARD_SERVER, server_ip, NULL) != 0) {
		warnx("cannot use the server's address '%s'", server_ip);
		return -1;
	}
	for (size_t c = 0; c < 2; c++) {
		if ((arr = ip_json(cmds[c])) == NULL)
			goto out;
		for (size_t i = 0; i < json_object_array_length(arr); i++)
			if (add_gateways(env, json_object_array_get_idx(arr, i)) != 0)
				goto oom;
		json_object_put(arr);
		arr = NULL;
	}
	if ((arr = ip_json(ad)) == NULL)
		goto out;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *link = json_object_array_get_idx(arr, i), *info, *v;
		const char *dev = str_of(link, "ifname");

		if (dev == NULL || strcmp(dev, iface) == 0 ||
		    !json_object_object_get_ex(link, "addr_info", &info) ||
		    !json_object_is_type(info, json_type_array))
			continue;
		for (size_t j = 0; j < json_object_array_length(info); j++) {
			struct json_object *a = json_object_array_get_idx(info, j);
			const char *local = str_of(a, "local"), *scope = str_of(a, "scope");
			char text[IPAM_STRLEN + 8];

			/* 127.0.0.1/8 and ::1 are the kernel's own business. */
			if (local == NULL || (scope && strcmp(scope, "host") == 0) ||
			    !json_object_object_get_ex(a, "prefixlen", &v))
				continue;
			snprintf(text, sizeof(text), "%s/%d", local, json_object_get_int(v));
			if (guard_env_protect(env, GUARD_CONNECTED, text, dev) != 0)
				continue;       /* not an address we understand */
		}
	}
	ret = 0;
	goto out;
oom:
	warnx("out of memory");
out:
	if (arr)
		json_object_put(arr);
	return ret;
}

static char *
allow_path(const char *dir)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, GUARDENV_ALLOW_FILE) < 0)
		return NULL;
	return p;
}

int
guardenv_allow_read(const char *dir, char ***out, size_t *n)
{
	char *path = allow_path(dir), *text = NULL, *line, *save = NULL;
	size_t len = 0;
	int r, ret = -1;

	*out = NULL;
	*n = 0;
	if (path == NULL) {
		warnx("out of memory");
		return -1;
	}
	r = state_read_file(path, 64 * 1024, &text, &len);
	if (r == 1) {
		ret = 0;
		goto out;
	}
	if (r != 0) {
		warnx("cannot read %s: %s", path, strerror(errno));
		goto out;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct cidr c;
		char canon[IPAM_STRLEN], **v;

		if (ipam_parse(&c, line, false, true) != 0) {
			warnx("%s is damaged: '%.60s' is not a CIDR", path, line);
			goto out;
		}
		ipam_format(canon, &c, true);
		if (*n >= GUARDENV_ALLOW_MAX ||
		    (v = realloc(*out, (*n + 1) * sizeof(*v))) == NULL) {
			warnx("%s: too many entries", path);
			goto out;
		}
		*out = v;
		if ((v[*n] = strdup(canon)) == NULL) {
			warnx("out of memory");
			goto out;
		}
		(*n)++;
	}
	ret = 0;
out:
	if (ret != 0) {
		guard_free_lines(*out, *n);
		*out = NULL;
		*n = 0;
	}
	free(text);
	free(path);
	return ret;
}

int
guardenv_allow_load(struct guard_env *env, const char *dir)
{
	char **v = NULL;
	size_t n = 0;
	int ret = 0;

	if (guardenv_allow_read(dir, &v, &n) != 0)
		return -1;
	for (size_t i = 0; i < n && ret == 0; i++)
		if (guard_env_allow(env, v[i]) != 0) {
			warnx("out of memory");
			ret = -1;
		}
	guard_free_lines(v, n);
	return ret;
}

int
guardenv_allow_change(const char *dir, const char *cidr, bool add)
{
	char **v = NULL, *path = NULL, *text = NULL;
	size_t n = 0, len = 0, at = n;
	int ret = -1;

	if (guardenv_allow_read(dir, &v, &n) != 0)
		return -1;
	for (at = 0; at < n && strcmp(v[at], cidr) != 0; at++)
		;
	if ((add && at < n) || (!add && at == n)) {
		ret = 1;
		goto out;
	}
	if (add && n >= GUARDENV_ALLOW_MAX) {
		warnx("at most %d allowed routes", GUARDENV_ALLOW_MAX);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		len += strlen(v[i]) + 1;
	if ((text = malloc(len + strlen(cidr) + 2)) == NULL || (path = allow_path(dir)) == NULL) {
		warnx("out of memory");
		goto out;
	}
	len = 0;
	for (size_t i = 0; i < n; i++)
		if (i != at)
			len += (size_t)sprintf(text + len, "%s\n", v[i]);
	if (add)
		len += (size_t)sprintf(text + len, "%s\n", cidr);
	if (state_dir_prepare(dir) != 0 || state_write_atomic(path, text, len, 0600) != 0)
		goto out;
	ret = 0;
out:
	guard_free_lines(v, n);
	free(text);
	free(path);
	return ret;
}
