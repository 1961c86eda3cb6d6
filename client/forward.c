/* SPDX-License-Identifier: MIT */
/* Forwarding between the peers of one WireGuard interface (forward.h). */
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply.h"
#include "forward.h"
#include "model.h"
#include "state.h"
#include "text.h"

#define FORWARD_RECORD "forward-"       /* + IFACE: the values before wgconf */

static const char *const families[] = { "ipv4", "ipv6" };

/* /proc/sys/net/FAMILY/conf/IFACE/forwarding: a path, never `sysctl`
 * (whose dots would split an interface name holding one). */
static void
sysctl_path(char *buf, size_t sz, const char *family, const char *iface)
{
	snprintf(buf, sz, "/proc/sys/net/%s/conf/%s/forwarding", family, iface);
}

/* The value of a forwarding sysctl: 0 or 1, -1 when unreadable. */
static int
sysctl_get(const char *family, const char *iface)
{
	char path[128], v[8] = "";
	FILE *f;

	sysctl_path(path, sizeof(path), family, iface);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	if (fgets(v, sizeof(v), f) == NULL)
		v[0] = '\0';
	fclose(f);
	return v[0] == '1' ? 1 : v[0] == '0' ? 0 : -1;
}

static int
sysctl_set(const char *family, const char *iface, int value, bool verbose)
{
	char path[128];
	FILE *f;
	int ok;

	sysctl_path(path, sizeof(path), family, iface);
	if (verbose)
		printf("+ echo %d > %s\n", value, path);
	if ((f = fopen(path, "w")) == NULL) {
		warn("cannot write %s", path);
		return -1;
	}
	ok = fprintf(f, "%d\n", value) > 0;
	if (fclose(f) != 0 || !ok) {
		warn("cannot write %s", path);
		return -1;
	}
	return 0;
}

int
forward_active(const char *iface)
{
	return sysctl_get("ipv4", iface);
}

static void
file_path(char *buf, size_t sz, const char *dir, const char *name, const char *iface)
{
	snprintf(buf, sz, "%s/%s%s", dir, name, iface ? iface : "");
}

int
forward_allowed(const char *dir)
{
	char path[4096];

	file_path(path, sizeof(path), dir, FORWARD_ALLOW_FILE, NULL);
	if (access(path, F_OK) == 0)
		return 1;
	if (errno == ENOENT)
		return 0;
	warn("cannot read %s", path);
	return -1;
}

int
forward_allow_set(const char *dir, bool on)
{
	static const char text[] = "This host may forward between its tunnel peers "
	                           "(wgconf allow-relay).\n";
	char path[4096];

	file_path(path, sizeof(path), dir, FORWARD_ALLOW_FILE, NULL);
	if (on)
		return state_dir_prepare(dir) == 0 &&
		       state_write_atomic(path, text, sizeof(text) - 1, 0600) == 0 ? 0 : -1;
	if (unlink(path) != 0 && errno != ENOENT) {
		warn("cannot remove %s", path);
		return -1;
	}
	return 0;
}

/* ---- the firewall: nftables when `nft` is there, else iptables ---- */

static bool
have_program(const char *name)
{
	const char *path = getenv("PATH");
	char buf[4096];

	if (path == NULL || *path == '\0')
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");
		if (n > 0 && n + strlen(name) + 2 < sizeof(buf)) {
			snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, name);
			if (access(buf, X_OK) == 0)
				return true;
		}
		path += n + (path[n] == ':');
	}
	return false;
}

static int
run_cmd(const char *const argv[], bool verbose)
{
	if (verbose) {
		printf("+");
		for (size_t i = 0; argv[i]; i++)
			printf(" %s", argv[i]);
		printf("\n");
	}
	return apply_run(argv, NULL, 0, NULL);
}

/* `nft -j ARGS...` as the array under "nftables" (a reference into *root,
 * which the caller puts), or NULL. */
static struct json_object *
nft_json(const char *const argv[], struct json_object **root)
{
	struct json_object *arr;
	char *out = NULL;

	*root = NULL;
	if (apply_run(argv, NULL, 0, &out) != 0 || out == NULL) {
		free(out);
		return NULL;
	}
	*root = model_parse_json(out, strlen(out));
	free(out);
	if (*root == NULL || !json_object_object_get_ex(*root, "nftables", &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return NULL;
	return arr;
}

/* The handle of the rule commented comment in chain fam/table/name, 0
 * when there is none. */
static int64_t
nft_rule_handle(const char *fam, const char *table, const char *name, const char *comment)
{
	const char *argv[] = { "nft", "-j", "-a", "list", "chain", fam, table, name, NULL };
	struct json_object *root, *arr = nft_json(argv, &root), *r, *h;
	int64_t handle = 0;

	for (size_t i = 0; arr && i < json_object_array_length(arr) && !handle; i++) {
		const char *c;
		if (!json_object_object_get_ex(json_object_array_get_idx(arr, i), "rule", &r))
			continue;
		c = text_json_str(r, "comment");
		if (c && strcmp(c, comment) == 0 && json_object_object_get_ex(r, "handle", &h))
			handle = json_object_get_int64(h);
	}
	json_object_put(root);
	return handle;
}

/* One forward base chain: our rule in (want, when its policy drops) or out. */
static int
nft_chain(struct json_object *c, const char *iface, bool want, bool verbose, bool *changed)
{
	const char *fam = text_json_str(c, "family"), *table = text_json_str(c, "table");
	const char *name = text_json_str(c, "name"), *hook = text_json_str(c, "hook");
	const char *policy = text_json_str(c, "policy");
	char comment[64], quoted[80], handle[24];
	int64_t h;

	if (!fam || !table || !name || !hook || strcmp(hook, "forward") != 0 ||
	    (strcmp(fam, "ip") != 0 && strcmp(fam, "ip6") != 0 && strcmp(fam, "inet") != 0))
		return 0;
	snprintf(comment, sizeof(comment), "wgconf relay %s", iface);
	snprintf(quoted, sizeof(quoted), "\"%s\"", comment);
	h = nft_rule_handle(fam, table, name, comment);
	if (want && h == 0 && policy && strcmp(policy, "drop") == 0) {
		const char *argv[] = { "nft", "insert", "rule", fam, table, name, "iifname", iface,
		                       "oifname", iface, "accept", "comment", quoted, NULL };
		*changed = true;
		return run_cmd(argv, verbose) == 0 ? 0 : -1;
	}
	if (!want && h > 0) {
		snprintf(handle, sizeof(handle), "%lld", (long long)h);
		const char *argv[] = { "nft", "delete", "rule", fam, table, name, "handle", handle,
		                       NULL };
		*changed = true;
		return run_cmd(argv, verbose) == 0 ? 0 : -1;
	}
	return 0;
}

static int
nft_apply(const char *iface, bool want, bool verbose, bool *changed)
{
	const char *argv[] = { "nft", "-j", "list", "chains", NULL };
	struct json_object *root, *arr = nft_json(argv, &root), *c;
	int ret = 0;

	if (arr == NULL) {
		json_object_put(root);
		warnx("cannot read the nftables chains (`nft -j list chains`)");
		return -1;
	}
	for (size_t i = 0; i < json_object_array_length(arr); i++)
		if (json_object_object_get_ex(json_object_array_get_idx(arr, i), "chain", &c) &&
		    nft_chain(c, iface, want, verbose, changed) != 0)
			ret = -1;
	json_object_put(root);
	if (ret != 0)
		warnx("cannot %s the nftables forward rule for %s", want ? "add" : "remove", iface);
	return ret;
}

/* iptables or ip6tables: our rule first in FORWARD when its policy is DROP
 * (want), or every copy of it gone. */
static int
ipt_apply(const char *prog, const char *iface, bool want, bool verbose, bool *changed)
{
	char comment[64], *out = NULL;
	const char *list[] = { prog, "-S", "FORWARD", NULL };
	bool drops;

	snprintf(comment, sizeof(comment), "wgconf relay %s", iface);
	const char *check[] = { prog, "-C", "FORWARD", "-i", iface, "-o", iface, "-m", "comment",
	                        "--comment", comment, "-j", "ACCEPT", NULL };
	const char *ins[] = { prog, "-I", "FORWARD", "-i", iface, "-o", iface, "-m", "comment",
	                      "--comment", comment, "-j", "ACCEPT", NULL };
	const char *del[] = { prog, "-D", "FORWARD", "-i", iface, "-o", iface, "-m", "comment",
	                      "--comment", comment, "-j", "ACCEPT", NULL };
	if (apply_run(list, NULL, 0, &out) != 0 || out == NULL) {
		free(out);
		return 0;               /* no such table here: nothing filters */
	}
	drops = strstr(out, "-P FORWARD DROP") != NULL;
	free(out);
	if (want && drops && apply_run(check, NULL, 0, NULL) != 0) {
		*changed = true;
		return run_cmd(ins, verbose) == 0 ? 0 : -1;
	}
	for (int i = 0; !want && i < 16 && apply_run(check, NULL, 0, NULL) == 0; i++) {
		*changed = true;
		if (run_cmd(del, verbose) != 0)
			return -1;
	}
	return 0;
}

static int
firewall_apply(const char *iface, bool want, bool verbose, bool *changed)
{
	if (have_program("nft"))
		return nft_apply(iface, want, verbose, changed);
	if (have_program("iptables") &&
	    ipt_apply("iptables", iface, want, verbose, changed) != 0)
		return -1;
	if (have_program("ip6tables") &&
	    ipt_apply("ip6tables", iface, want, verbose, changed) != 0)
		return -1;
	return 0;
}

/* ---- the sysctls, with the record of what they were ---- */

/* Reads the record: 1 with prev[] filled, 0 when there is none, -1. */
static int
record_load(const char *dir, const char *iface, int prev[2])
{
	char path[4096], *text = NULL;
	size_t len;
	int r;

	file_path(path, sizeof(path), dir, FORWARD_RECORD, iface);
	if ((r = state_read_file(path, 256, &text, &len)) != 0) {
		if (r < 0)
			warn("cannot read %s", path);
		return r > 0 ? 0 : -1;
	}
	prev[0] = prev[1] = 0;
	if (sscanf(text, "ipv4 %d\nipv6 %d", &prev[0], &prev[1]) != 2) {
		warnx("%s is damaged: taken as forwarding off before", path);
		prev[0] = prev[1] = 0;
	}
	free(text);
	return 1;
}

static int
sysctls_on(const char *dir, const char *iface, bool verbose, bool *changed)
{
	char path[4096], text[64];
	int prev[2], have = record_load(dir, iface, prev);

	if (have < 0)
		return -1;
	if (!have) {
		for (size_t f = 0; f < 2; f++)
			prev[f] = sysctl_get(families[f], iface) == 1;
		snprintf(text, sizeof(text), "ipv4 %d\nipv6 %d\n", prev[0], prev[1]);
		file_path(path, sizeof(path), dir, FORWARD_RECORD, iface);
		if (state_write_atomic(path, text, strlen(text), 0600) != 0)
			return -1;
	}
	for (size_t f = 0; f < 2; f++) {
		int v = sysctl_get(families[f], iface);
		/* No IPv6 on this host (or interface): nothing to switch on. */
		if (v < 0 && f == 1)
			continue;
		if (v != 1) {
			if (sysctl_set(families[f], iface, 1, verbose) != 0)
				return -1;
			*changed = true;
		}
	}
	return 0;
}

static int
sysctls_off(const char *dir, const char *iface, bool verbose, bool *changed)
{
	char path[4096];
	int prev[2], have = record_load(dir, iface, prev);

	if (have <= 0)
		return have;            /* wgconf never switched it on: 0 */
	for (size_t f = 0; f < 2; f++) {
		int v = sysctl_get(families[f], iface);
		if (v >= 0 && v != prev[f]) {
			if (sysctl_set(families[f], iface, prev[f], verbose) != 0)
				return -1;
			*changed = true;
		}
	}
	file_path(path, sizeof(path), dir, FORWARD_RECORD, iface);
	if (unlink(path) != 0 && errno != ENOENT) {
		warn("cannot remove %s", path);
		return -1;
	}
	return 1;
}

int
forward_apply(const char *dir, const char *iface, bool want, bool verbose, bool *changed)
{
	bool dummy = false;
	int have;

	if (changed == NULL)
		changed = &dummy;
	*changed = false;
	if (want) {
		/* The firewall first: forwarding on with the rule missing would
		 * drop quietly, which is harder to see than an error. */
		if (firewall_apply(iface, true, verbose, changed) != 0)
			return -1;
		return sysctls_on(dir, iface, verbose, changed);
	}
	/* Only what wgconf switched on is switched off: a host that never
	 * relayed runs nothing here. */
	if ((have = sysctls_off(dir, iface, verbose, changed)) <= 0)
		return have;
	return firewall_apply(iface, false, verbose, changed);
}
