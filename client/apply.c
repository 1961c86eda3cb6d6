/* SPDX-License-Identifier: MIT */
/* Brings a live interface to a config without dropping sessions:
 * `wg syncconf` changes only what differs, then addresses, MTU, link state
 * and routes, which wg(8) leaves alone. Commands run with fork/execvp: no
 * shell ever sees a value that came from the server. Routes wgconf adds
 * carry their own protocol number, so removing stale ones never touches a
 * route an operator added by hand. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ipam.h"
#include "apply.h"
#include "cli.h"
#include "text.h"

#define APPLY_RT_PROTO "87"     /* unassigned in /etc/iproute2/rt_protos */
#define APPLY_DEFAULT_MTU 1420  /* wg-quick's and the kernel's default */
#define APPLY_OUT_MAX (4u * 1024 * 1024)

static int
read_all(int fd, char **out)
{
	char *buf = NULL, *p;
	size_t len = 0, cap = 0;

	for (;;) {
		ssize_t r;
		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			if (cap > APPLY_OUT_MAX || (p = realloc(buf, cap)) == NULL) {
				free(buf);
				return -1;
			}
			buf = p;
		}
		r = read(fd, buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(buf);
			return -1;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	buf[len] = '\0';
	*out = buf;
	return 0;
}

int
apply_run(const char *const argv[], const char *in, size_t inlen, char **out)
{
	int inpipe[2] = { -1, -1 }, outpipe[2] = { -1, -1 }, status = 0, ret = -1;
	pid_t pid;

	if (out)
		*out = NULL;
	if ((in && pipe2(inpipe, O_CLOEXEC) != 0) || (out && pipe2(outpipe, O_CLOEXEC) != 0)) {
		warnx("pipe: %s", strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		warnx("fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		if (in && dup2(inpipe[0], STDIN_FILENO) < 0)
			_exit(127);
		if (out && dup2(outpipe[1], STDOUT_FILENO) < 0)
			_exit(127);
		execvp(argv[0], (char *const *)argv);
		warn("cannot run %s", argv[0]);
		_exit(127);
	}
	if (in) {
		close(inpipe[0]);
		inpipe[0] = -1;
		while (inlen > 0) {
			ssize_t w = write(inpipe[1], in, inlen);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				break;  /* the child's exit status tells */
			in += w;
			inlen -= (size_t)w;
		}
		close(inpipe[1]);
		inpipe[1] = -1;
	}
	if (out) {
		close(outpipe[1]);
		outpipe[1] = -1;
		if (read_all(outpipe[0], out) != 0)
			*out = NULL;
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			warnx("waitpid: %s", strerror(errno));
			goto out;
		}
	}
	if (WIFEXITED(status))
		ret = WEXITSTATUS(status) == 127 ? -1 : WEXITSTATUS(status);
	else
		ret = 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	if (out && *out == NULL && ret == 0)
		ret = -1;
out:
	for (int i = 0; i < 2; i++) {
		if (inpipe[i] >= 0)
			close(inpipe[i]);
		if (outpipe[i] >= 0)
			close(outpipe[i]);
	}
	if (ret != 0 && out && *out) {
		free(*out);
		*out = NULL;
	}
	return ret;
}

struct json_object *
apply_run_json(const char *const argv[], bool *ran)
{
	struct json_object *arr;
	char *out = NULL;

	*ran = false;
	if (apply_run(argv, NULL, 0, &out) != 0)
		return NULL;
	*ran = true;
	arr = model_parse_json(out, strlen(out));
	free(out);
	if (arr != NULL && !json_object_is_type(arr, json_type_array)) {
		json_object_put(arr);
		arr = NULL;
	}
	return arr;
}

/* Runs a command that must succeed; says which one failed. */
static int
must(const char *const argv[], bool verbose)
{
	int r;

	if (verbose) {
		fprintf(stderr, "+");
		for (size_t i = 0; argv[i]; i++)
			fprintf(stderr, " %s", argv[i]);
		fprintf(stderr, "\n");
	}
	r = apply_run(argv, NULL, 0, NULL);
	if (r != 0) {
		warnx("`%s %s %s %s ...` failed%s", argv[0], argv[1] ? argv[1] : "",
		       argv[1] && argv[2] ? argv[2] : "",
		       argv[1] && argv[2] && argv[3] ? argv[3] : "",
		       r < 0 ? " (could not run it)" : "");
		return -1;
	}
	return 0;
}

/* A list of canonical CIDR strings. */
struct strset {
	char **v;
	size_t n;
};

static bool
set_has(const struct strset *s, const char *x)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], x) == 0)
			return true;
	return false;
}

static int
set_add(struct strset *s, const char *x)
{
	char **v;

	if (set_has(s, x))
		return 0;
	v = realloc(s->v, (s->n + 1) * sizeof(*v));
	if (v == NULL)
		return -1;
	s->v = v;
	if ((s->v[s->n] = strdup(x)) == NULL)
		return -1;
	s->n++;
	return 0;
}

static void
set_free(struct strset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

/* Canonical "addr/prefix" of a CIDR written loosely (a host route may come
 * without its prefix); 0 or -1. */
static int
canon(char out[IPAM_STRLEN], const char *s, bool strict)
{
	struct cidr c;

	if (ipam_parse(&c, s, true, strict) != 0)
		return -1;
	ipam_format(out, &c, true);
	return 0;
}

/* Runs an `ip -j ... show` command and returns its JSON array (caller
 * puts it), or NULL after saying what could not be read. */
static struct json_object *
ip_json(const char *const *argv, const char *what, const char *iface)
{
	bool ran;
	struct json_object *arr = apply_run_json(argv, &ran);

	if (arr == NULL && !ran)
		warnx("cannot list the %s of %s", what, iface);
	else if (arr == NULL)
		warnx("cannot read the output of `%s %s %s ...` for %s", argv[0], argv[1],
		       argv[2], iface);
	return arr;
}

/* The global addresses on iface now, from `ip -j address show`. */
static int
current_addresses(const char *iface, struct strset *set)
{
	const char *argv[] = { "ip", "-j", "address", "show", "dev", iface, NULL };
	struct json_object *arr = ip_json(argv, "addresses", iface);
	int ret = -1;

	if (arr == NULL)
		return -1;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *link = json_object_array_get_idx(arr, i), *info;
		if (!json_object_object_get_ex(link, "addr_info", &info) ||
		    !json_object_is_type(info, json_type_array))
			continue;
		for (size_t j = 0; j < json_object_array_length(info); j++) {
			struct json_object *a = json_object_array_get_idx(info, j), *v;
			const char *local, *scope = "";
			char text[IPAM_STRLEN + 8], c[IPAM_STRLEN];
			int plen;

			if (!json_object_object_get_ex(a, "local", &v))
				continue;
			local = json_object_get_string(v);
			if (!json_object_object_get_ex(a, "prefixlen", &v))
				continue;
			plen = json_object_get_int(v);
			if (json_object_object_get_ex(a, "scope", &v))
				scope = json_object_get_string(v);
			if (strcmp(scope, "link") == 0 || strcmp(scope, "host") == 0)
				continue;       /* link-local addresses are not ours */
			snprintf(text, sizeof(text), "%s/%d", local, plen);
			if (canon(c, text, false) == 0 && set_add(set, c) != 0)
				goto out;
		}
	}
	ret = 0;
out:
	json_object_put(arr);
	return ret;
}

/* The routes through iface that wgconf added (our protocol number). */
static int
current_routes(const char *iface, const char *family, struct strset *set)
{
	const char *argv[] = { "ip", "-j", family, "route", "show", "table", "main",
	                 "dev", iface, "proto", APPLY_RT_PROTO, NULL };
	struct json_object *arr = ip_json(argv, "routes", iface);
	int ret = -1;

	if (arr == NULL)
		return -1;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *r = json_object_array_get_idx(arr, i), *v;
		char c[IPAM_STRLEN];

		if (!json_object_object_get_ex(r, "dst", &v))
			continue;
		if (canon(c, json_object_get_string(v), false) == 0 && set_add(set, c) != 0)
			goto out;
	}
	ret = 0;
out:
	json_object_put(arr);
	return ret;
}

/* One line of /sys/class/net/IFACE/ATTR into buf, newline cut; 0 or -1. */
static int
read_sysfs(const char *iface, const char *attr, char *buf, size_t bufsz)
{
	char path[96];
	FILE *f;
	int ret = -1;

	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", iface, attr);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	if (fgets(buf, (int)bufsz, f) != NULL) {
		buf[strcspn(buf, "\n")] = '\0';
		ret = 0;
	}
	fclose(f);
	return ret;
}

/* The MTU of iface now; -1 when unknown. */
static int
current_mtu(const char *iface)
{
	char buf[16];
	int v;

	if (read_sysfs(iface, "mtu", buf, sizeof(buf)) != 0 ||
	    text_parse_int(buf, 0, 1000000, &v) != 0)
		return -1;
	return v;
}

/* Whether iface is administratively up (IFF_UP in its flags). */
static bool
is_up(const char *iface)
{
	char buf[16], *end;
	unsigned long flags;

	if (read_sysfs(iface, "flags", buf, sizeof(buf)) != 0)
		return false;
	errno = 0;
	flags = strtoul(buf, &end, 16);
	return errno == 0 && end != buf && *end == '\0' && (flags & IFF_UP) != 0;
}

static bool
iface_exists(const char *iface)
{
	char path[64];
	struct stat sb;

	snprintf(path, sizeof(path), "/sys/class/net/%s", iface);
	return stat(path, &sb) == 0;
}

/* Brings the set of addresses or routes (object: "address" or "route") on
 * iface from have to want: adds what is missing first, then removes what is
 * stale, so that a renumbering never leaves the interface without an
 * address. Routes carry proto (our protocol number); addresses none. */
static int
reconcile(const char *iface, const char *object, const char *proto,
          const struct strset *have, const struct strset *want, bool verbose)
{
	for (int del = 0; del <= 1; del++) {
		const struct strset *from = del ? have : want, *other = del ? want : have;

		for (size_t i = 0; i < from->n; i++) {
			const char *argv[] = { "ip", object, del ? "del" : "replace", from->v[i],
			                       "dev", iface, proto ? "proto" : NULL, proto, NULL };
			if (!set_has(other, from->v[i]) && must(argv, verbose) != 0)
				return -1;
		}
	}
	return 0;
}

/* The interface exists, or is created (a kernel with WireGuard). */
static int
ensure_iface(const char *iface, bool verbose)
{
	const char *add[] = { "ip", "link", "add", "dev", iface, "type", "wireguard", NULL };

	if (iface_exists(iface))
		return 0;
	if (apply_run(add, NULL, 0, NULL) != 0 || !iface_exists(iface)) {
		warnx("interface %s does not exist and cannot be created here (no "
		      "WireGuard in this kernel?); start it first, for example with "
		      "`wireguard-go %s`", iface, iface);
		return -1;
	}
	if (verbose)
		fprintf(stderr, "+ ip link add dev %s type wireguard\n", iface);
	return 0;
}

/* `wg syncconf`: changes only what differs, so sessions stay up. */
static int
sync_wg(const char *iface, const char *wg_text, size_t wg_len, bool verbose)
{
	const char *argv[] = { "wg", "syncconf", iface, "/dev/stdin", NULL };
	int r;

	if (verbose)
		fprintf(stderr, "+ wg syncconf %s /dev/stdin\n", iface);
	r = apply_run(argv, wg_text, wg_len, NULL);
	if (r != 0)
		warnx("`wg syncconf %s` failed%s", iface, r < 0 ? " (is wg installed?)" : "");
	return r == 0 ? 0 : -1;
}

/* MTU (no MTU from the server means WireGuard's own default, also after an
 * admin clears one that was set) and link up; nothing when both already
 * are as wanted. */
static int
link_settings(const char *iface, const struct mesh_config *cfg, bool verbose)
{
	int want = cfg->mtu ? cfg->mtu : APPLY_DEFAULT_MTU;
	char mtu[16];
	const char *set_mtu[] = { "ip", "link", "set", "dev", iface, "mtu", mtu, NULL };
	const char *up[] = { "ip", "link", "set", "dev", iface, "up", NULL };

	snprintf(mtu, sizeof(mtu), "%d", want);
	if (current_mtu(iface) != want && must(set_mtu, verbose) != 0)
		return -1;
	return is_up(iface) ? 0 : must(up, verbose);
}

/* What cfg wants: its interface addresses, and routes for the AllowedIPs
 * that lie outside the interface subnets. 0 or -1. */
static int
wanted(const struct mesh_config *cfg, struct strset *addrs, struct strset *routes)
{
	char c[IPAM_STRLEN];

	for (size_t i = 0; i < cfg->n_addresses; i++)
		if (canon(c, cfg->addresses[i], false) != 0 || set_add(addrs, c) != 0)
			return -1;
	for (size_t i = 0; i < cfg->n_peers; i++) {
		const struct mesh_peer *p = &cfg->peers[i];

		for (size_t k = 0; k < p->n_allowed_ips; k++) {
			if (!model_needs_route(cfg, p->allowed_ips[k]))
				continue;
			if (canon(c, p->allowed_ips[k], true) != 0 || set_add(routes, c) != 0)
				return -1;
		}
	}
	return 0;
}

int
apply_config(const char *iface, const struct mesh_config *cfg, const char *wg_text,
             size_t wg_len, bool verbose)
{
	struct strset have_addr = { 0 }, want_addr = { 0 }, have_rt = { 0 }, want_rt = { 0 };
	int ret = -1;

	if (ensure_iface(iface, verbose) != 0 || sync_wg(iface, wg_text, wg_len, verbose) != 0 ||
	    wanted(cfg, &want_addr, &want_rt) != 0 || current_addresses(iface, &have_addr) != 0 ||
	    reconcile(iface, "address", NULL, &have_addr, &want_addr, verbose) != 0 ||
	    link_settings(iface, cfg, verbose) != 0 ||
	    current_routes(iface, "-4", &have_rt) != 0 ||
	    current_routes(iface, "-6", &have_rt) != 0 ||
	    reconcile(iface, "route", APPLY_RT_PROTO, &have_rt, &want_rt, verbose) != 0)
		goto out;
	ret = 0;
out:
	set_free(&have_addr);
	set_free(&want_addr);
	set_free(&have_rt);
	set_free(&want_rt);
	return ret;
}
