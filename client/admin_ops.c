/* SPDX-License-Identifier: MIT */
/* wgconf admin links, export, import: how the mesh is doing, and the whole
 * of it out and in. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "cli.h"
#include "text.h"
#include "wgquick.h"

#define IMPORT_FILE_MAX (1024 * 1024)

/* "12s ago", "5m ago", "3h ago", "2d ago" of an RFC 3339 UTC time; "-" for none. */
static void
age(struct json_object *o, const char *key, char *out, size_t outsz)
{
	const char *t = text_json_str(o, key);
	struct tm tm = { 0 };
	long long d;

	if (t == NULL || strptime(t, "%Y-%m-%dT%H:%M:%SZ", &tm) == NULL) {
		snprintf(out, outsz, "-");
		return;
	}
	d = (long long)(time(NULL) - timegm(&tm));
	if (d < 0)
		d = 0;
	if (d < 120)
		snprintf(out, outsz, "%llds ago", d);
	else if (d < 7200)
		snprintf(out, outsz, "%lldm ago", d / 60);
	else if (d < 172800)
		snprintf(out, outsz, "%lldh ago", d / 3600);
	else
		snprintf(out, outsz, "%lldd ago", d / 86400);
}

/* "rx 1.2 MiB tx 300 B" of one side's report, "-" when it never reported. */
static void
side(struct json_object *s, char *out, size_t outsz)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	struct json_object *rx, *tx;
	char b[2][32];

	if (!json_object_object_get_ex(s, "rx", &rx) || !json_object_object_get_ex(s, "tx", &tx) ||
	    !json_object_is_type(rx, json_type_int) || !json_object_is_type(tx, json_type_int)) {
		snprintf(out, outsz, "-");
		return;
	}
	for (int k = 0; k < 2; k++) {
		double v = (double)json_object_get_int64(k ? tx : rx);
		size_t u = 0;
		while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
			v /= 1024;
			u++;
		}
		snprintf(b[k], sizeof(b[k]), u ? "%.1f %s" : "%.0f %s", v, units[u]);
	}
	snprintf(out, outsz, "rx %s, tx %s", b[0], b[1]);
}

static void
link_row(void *ctx, struct json_object *l, char (*cells)[ADMIN_CELL])
{
	struct json_object *a = NULL, *b = NULL;
	const char *st = text_json_str(l, "status");

	(void)ctx;
	json_object_object_get_ex(l, "a", &a);
	json_object_object_get_ex(l, "b", &b);
	text_printable(text_json_str(a, "name") ? text_json_str(a, "name") : "?", cells[0],
	               ADMIN_CELL);
	text_printable(text_json_str(b, "name") ? text_json_str(b, "name") : "?", cells[1],
	               ADMIN_CELL);
	text_printable(st ? st : "?", cells[2], ADMIN_CELL);
	age(l, "latest_handshake", cells[3], ADMIN_CELL);
	side(a, cells[4], ADMIN_CELL);
	side(b, cells[5], ADMIN_CELL);
}

int
admin_links(struct admin *a, int argc, char **argv)
{
	static const char *const head[] = { "A", "B", "STATUS", "HANDSHAKE", "A SEES", "B SEES" };
	struct fetch_response resp = { 0 };
	struct json_object *arr;
	int ret = EXIT_ERR;

	(void)argc;
	(void)argv;
	if (admin_request(a, "GET", "/admin/links", NULL, &resp) != 0 ||
	    (arr = admin_array(&resp, "links", "cannot list links")) == NULL)
		goto out;
	ret = a->json ? admin_print_json(resp.json)
	              : admin_print_list(arr, head, 6, link_row, NULL);
out:
	fetch_response_free(&resp);
	return ret;
}

int
admin_export(struct admin *a, int argc, char **argv)
{
	struct fetch_response resp = { 0 };
	int ret = EXIT_ERR;

	(void)argc;
	(void)argv;
	if (admin_request(a, "GET", "/admin/export", NULL, &resp) != 0)
		goto out;
	if (resp.status != 200 || resp.json == NULL ||
	    !json_object_is_type(resp.json, json_type_object)) {
		fetch_report(&resp, "export");
		goto out;
	}
	/* The server sorted keys and arrays: printed as they came, two exports
	 * of the same mesh are the same text. */
	printf("%s\n", json_object_to_json_string_ext(resp.json, JSON_C_TO_STRING_PRETTY |
	                                              JSON_C_TO_STRING_SPACED |
	                                              JSON_C_TO_STRING_NOSLASHESCAPE));
	ret = EXIT_OK;
out:
	fetch_response_free(&resp);
	return ret;
}

/* NAME=FILE or FILE: the host's name is NAME, else the file's name without
 * its folder and ".conf". */
static int
split_arg(char *arg, const char **name, const char **file, char *buf, size_t bufsz)
{
	char *eq = strchr(arg, '=');
	const char *base;

	if (eq != NULL && strchr(eq, '/') != NULL && strchr(arg, '/') < eq)
		eq = NULL;
	if (eq != NULL) {
		*eq = '\0';
		*name = arg;
		*file = eq + 1;
	} else {
		*file = arg;
		base = strrchr(arg, '/') ? strrchr(arg, '/') + 1 : arg;
		snprintf(buf, bufsz, "%s", base);
		if (strlen(buf) > 5 && strcmp(buf + strlen(buf) - 5, ".conf") == 0)
			buf[strlen(buf) - 5] = '\0';
		*name = buf;
	}
	if (!validate_name(*name))
		return cli_usage_error("invalid host name '%s' for %s (1-63 letters, digits, '.', "
		                       "'-', '_'): give NAME=FILE", *name, *file);
	return 0;
}

/* An export (JSON) brought back: its network settings first, then its peers
 * and pairs in one import. */
static int
import_export(struct admin *a, struct json_object *exp, const char *file,
              struct json_object **body)
{
	static const char *const netkeys[] = { "ipv4_pool", "ipv6_pool", "mtu", "keepalive",
		"dns", NULL };
	struct fetch_response resp = { 0 };
	struct json_object *net, *peers, *pairs, *rules, *put;
	const char *fmt = text_json_str(exp, "format");
	int ret = -1;

	if (fmt == NULL || strcmp(fmt, "wgconfsrv-export") != 0 ||
	    !json_object_object_get_ex(exp, "network", &net) ||
	    !json_object_object_get_ex(exp, "peers", &peers) ||
	    !json_object_object_get_ex(exp, "pairs", &pairs)) {
		warnx("%s is JSON but not a `wgconf admin export`", file);
		return -1;
	}
	put = json_object_new_object();
	for (size_t i = 0; netkeys[i] != NULL; i++) {
		struct json_object *v;
		if (json_object_object_get_ex(net, netkeys[i], &v))
			json_object_object_add(put, netkeys[i], json_object_get(v));
	}
	if (admin_request(a, "PUT", "/admin/network", put, &resp) == 0) {
		if (resp.status == 200)
			ret = 0;
		else
			fetch_report(&resp, "cannot take over the network settings");
	}
	json_object_put(put);
	fetch_response_free(&resp);
	if (ret == 0) {
		*body = json_object_new_object();
		json_object_object_add(*body, "peers", json_object_get(peers));
		json_object_object_add(*body, "pairs", json_object_get(pairs));
		/* Tags ride on the peers; the rules make the other pairs. */
		if (json_object_object_get_ex(exp, "rules", &rules))
			json_object_object_add(*body, "rules", json_object_get(rules));
	}
	return ret;
}

/* What was imported (res, its peers arr), what was not taken over, and
 * how each host takes its peer over. */
static void
report_import(const struct admin *a, struct json_object *res, struct json_object *arr,
              char *const *notes, size_t nnotes)
{
	if (a->json) {
		admin_print_json(res);
	} else {
		struct json_object *np = NULL;
		json_object_object_get_ex(res, "pairs", &np);
		printf("imported %zu peers and %lld pairs:\n", json_object_array_length(arr),
		       (long long)json_object_get_int64(np));
		for (size_t i = 0; i < json_object_array_length(arr); i++) {
			struct json_object *p = json_object_array_get_idx(arr, i);
			char n[128], id[64], k[64];
			printf("  %s  id %s  key %s\n",
			       text_printable(text_json_str(p, "name"), n, sizeof(n)),
			       text_printable(text_json_str(p, "id"), id, sizeof(id)),
			       text_printable(text_json_str(p, "public_key"), k, sizeof(k)));
		}
	}
	if (nnotes > 0) {
		fprintf(stderr, "not taken over:\n");
		for (size_t i = 0; i < nnotes; i++)
			fprintf(stderr, "  %s\n", notes[i]);
	}
	fprintf(stderr, "each host takes its peer over with `wgconf register --adopt "
	        "--private-key-file /etc/wireguard/wg0.conf --invite CODE --server URL` "
	        "(an invite made for that peer: `wgconf admin invite --for NAME`), then "
	        "syncs once with `wgconf sync --apply --force`.\n");
}

int
admin_import(struct admin *a, int argc, char **argv)
{
	struct wgq_file *files = calloc((size_t)argc, sizeof(*files));
	const char **names = calloc((size_t)argc, sizeof(*names));
	char (*namebuf)[VALIDATE_NAME_MAX + 8] = calloc((size_t)argc, sizeof(*namebuf));
	struct fetch_response resp = { 0 };
	struct json_object *body = NULL, *arr;
	char **notes = NULL, err[300];
	size_t nnotes = 0;
	int ret = EXIT_ERR;

	if (files == NULL || names == NULL || namebuf == NULL) {
		warnx("out of memory");
		goto out;
	}
	for (int i = 0; i < argc; i++) {
		const char *file;
		char *text = NULL;
		size_t len = 0;
		int r;

		if ((r = split_arg(argv[i], &names[i], &file, namebuf[i], sizeof(namebuf[i]))) != 0) {
			ret = r;
			goto out;
		}
		if ((r = state_read_file(file, IMPORT_FILE_MAX, &text, &len)) != 0) {
			warnx("cannot read %s: %s", file, r > 0 ? "no such file" : strerror(errno));
			goto out;
		}
		if (argc == 1 && len > 0 && text[strspn(text, " \t\r\n")] == '{') {
			struct json_object *exp = json_tokener_parse(text);
			free(text);
			if (exp == NULL) {
				warnx("%s is not valid JSON", file);
				goto out;
			}
			r = import_export(a, exp, file, &body);
			json_object_put(exp);
			if (r != 0)
				goto out;
			break;
		}
		r = wgquick_parse(text, len, &files[i], err, sizeof(err));
		/* It held a private key. */
		keys_wipe(text, len);
		free(text);
		if (r != 0) {
			warnx("%s: %s", file, err);
			goto out;
		}
	}
	if (body == NULL &&
	    (body = wgquick_import(files, names, (size_t)argc, &notes, &nnotes, err,
	                           sizeof(err))) == NULL) {
		warnx("cannot import: %s", err);
		goto out;
	}
	if (admin_request(a, "POST", "/admin/import", body, &resp) != 0)
		goto out;
	if (resp.status != 201 || resp.json == NULL ||
	    !json_object_object_get_ex(resp.json, "peers", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		fetch_report(&resp, "import refused, nothing was imported");
		goto out;
	}
	report_import(a, resp.json, arr, notes, nnotes);
	ret = EXIT_OK;
out:
	for (int i = 0; files != NULL && i < argc; i++)
		wgquick_free(&files[i]);
	for (size_t i = 0; i < nnotes; i++)
		free(notes[i]);
	free(notes);
	free(files);
	free(names);
	free(namebuf);
	json_object_put(body);
	fetch_response_free(&resp);
	return ret;
}
