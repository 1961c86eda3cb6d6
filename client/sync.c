/* SPDX-License-Identifier: MIT */
/* wgconf sync: fetches the config when it changed, writes it atomically,
 * holds sensitive changes for review, and applies it to the live interface. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apply.h"
#include "forward.h"
#include "cli.h"
#include "guardenv.h"
#include "text.h"
#include "links.h"
#include "peer.h"
#include "render.h"
#include "nextkey.h"
#include "state.h"
#include "text.h"
#include "watch.h"

static const char sync_usage[] =
"Usage: wgconf sync [--interface NAME] [--config-dir DIR] [--apply] [--force]\n"
"                   [--review | --approve] [--verbose] [--state-dir DIR]\n"
"                   [--watch [--check-every SECONDS]]\n"
"\n"
"Fetches this host's config when it changed and writes DIR/NAME.conf\n"
"(default /etc/wireguard/wg0.conf) atomically, mode 0600, in wg-quick format.\n"
"Made for cron: prints nothing when nothing changed.\n"
"\n"
"  --watch            keep running: subscribe to the server's change\n"
"                     notifications and sync within a second of each (and\n"
"                     on every reconnect, and every --check-every seconds,\n"
"                     default 600); reconnect with backoff after an outage.\n"
"                     Where the server has no push (HTTP 204, 404 or 405 on its\n"
"                     watch path: lighttpd, plain CGI, nginx without Nchan)\n"
"                     poll every 60 s instead (wgconf-watch@.service)\n"
"  --check-every SECONDS  with --watch: check every SECONDS (1-86400), with\n"
"                     or without push\n"
"  --interface NAME   WireGuard interface (default wg0)\n"
"  --config-dir DIR   where the config goes (default /etc/wireguard)\n"
"  --apply            also bring the live interface to the config: `wg\n"
"                     syncconf` (sessions stay up), addresses, MTU, link up,\n"
"                     routes for AllowedIPs outside the tunnel subnet\n"
"  --force            overwrite a config file that wgconf did not write\n"
"  --review           hold changes that add a peer, change a public key,\n"
"                     AllowedIPs or the interface addresses: print them and\n"
"                     exit 4 instead of writing (quiet while they wait)\n"
"  --approve          write (and --apply) the changes held by --review\n"
"  --verbose          show the commands --apply runs and held changes again\n"
"\n"
"When this host trusts a signing key (`wgconf trust-key`), the config comes\n"
"only from statements the admin signed: a peer whose statement is missing,\n"
"does not verify, is older than one seen before, names a revoked key or does\n"
"not name the pair on both sides is left out (never applied) and named on\n"
"stderr with the reason, and the exit status is 4; the other peers are\n"
"written and applied. When this host's own statement is unusable nothing is\n"
"written. Said again when the config changes, or with --verbose.\n"
"\n"
"Whatever the server says, a config that routes into the tunnel the\n"
"server's address, a default gateway or a network on another interface of\n"
"this host, or gives the tunnel a prefix shorter than /8 (IPv4) or /16\n"
"(IPv6), is held: nothing written or applied, one line per route, exit 4\n"
"(`wgconf allow-route` lets such a route through on purpose). After\n"
"--apply changed something, sync asks the server's /health: when the server\n"
"no longer answers, or when applying failed (a listen port taken on this\n"
"host, say), the previous config, addresses and routes are restored and the\n"
"exit status is 1. Under a signing key the listen port is this host's own\n"
"(`wgconf trust-key --listen-port`), never the server's.\n"
"\n"
"When the server makes this host a relay, --apply switches forwarding on\n"
"for the interface only if `wgconf allow-relay` allows it here (else it\n"
"says why, and forwards nothing), and off again when it stops relaying.\n"
"When a link report moves this host's config (a relay chosen for one of\n"
"its pairs), sync fetches it again at once.\n"
"\n"
"Exit status: 0 done, 1 error (or restored), 2 usage, 3 not yet accepted,\n"
"4 changes held (for review, for a route, or peers left out by the\n"
"signing checks).\n";

static bool
starts_with_header(const char *text)
{
	return strncmp(text, WGCONF_HEADER, strlen(WGCONF_HEADER)) == 0;
}

/* sync --review: holds json when it changes keys or routes against the
 * config last written (cached). 1 when held (printed, with the peers left
 * out for want of a signature, unless it was already held and not
 * verbose), 0 when nothing needs review, -1 on error. */
static int
hold_for_review(const struct state *st, const char *iface, const char *target,
                struct json_object *cached, struct json_object *json,
                const struct mesh_config *cfg, const char *etag, bool verbose,
                char **refused, size_t nrefused)
{
	struct mesh_config base = { 0 };
	struct json_object *held = NULL;
	char **lines = NULL, *hetag = NULL, *hpath = NULL, err[256], **left = NULL;
	size_t n = 0, nleft = 0;
	bool have_base, same;
	int ret = -1;

	have_base = cached && model_from_json(&base, cached, err, sizeof(err)) == 0;
	/* Compared with what was written: a peer left out then for want of a
	 * signature is new now that it carries one. */
	if (have_base && peer_check_signatures(st, cached, &base, &left, &nleft) != 0)
		goto out;
	if (model_diff_sensitive(have_base ? &base : NULL, cfg, &lines, &n) != 0) {
		warnx("out of memory");
		goto out;
	}
	if (n == 0) {
		ret = state_held_remove(st->dir, iface) == 0 ? 0 : -1;
		goto out;
	}
	same = state_held_load(st->dir, iface, &hetag, &hpath, &held) == 0 && held &&
	       json_object_equal(held, json);
	if (!same && state_held_save(st->dir, iface, etag, target, json) != 0)
		goto out;
	if (!same || verbose) {
		printf("%s: changes for %s held for review (revision %lld):\n",
		       program_invocation_short_name, iface, cfg->revision);
		for (size_t i = 0; i < n; i++)
			printf("  %s\n", lines[i]);
		printf("%s: apply them with `wgconf sync --approve --interface %s` (and the "
		       "same --config-dir and --apply)\n", program_invocation_short_name, iface);
		peer_print_refused(refused, nrefused);
	}
	ret = 1;
out:
	model_free_lines(lines, n);
	model_free_lines(left, nleft);
	model_free(&base);
	if (held)
		json_object_put(held);
	free(hetag);
	free(hpath);
	return ret;
}

struct sync_run {
	/* options */
	const char *dir, *iface, *confdir;
	bool apply, force, review, approve, verbose, watch;
	int check_every;                /* --watch: seconds between full checks */
	/* what is there now */
	struct state st;
	char *target;                   /* CONFDIR/IFACE.conf */
	char *old;                      /* its text (wiped: it holds keys) */
	size_t oldlen;
	bool have_old;
	struct json_object *cached;     /* the config last written, or NULL */
	char *etag, *recpath;           /* from the sync record */
	const char *inm;                /* etag, when it is for this file */
	char server_ip[64];             /* where the server answered from, or "" */
	int lockfd;
	bool again;                     /* the link report moved this config */
};

/* 0, or an exit status (-1 for --help). */
static int
sync_parse_opts(struct sync_run *run, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "config-dir", required_argument, NULL, 'd' },
		{ "apply", no_argument, NULL, 'a' },
		{ "force", no_argument, NULL, 'f' },
		{ "review", no_argument, NULL, 'r' },
		{ "approve", no_argument, NULL, 'A' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "watch", no_argument, NULL, 'w' },
		{ "check-every", required_argument, NULL, 'c' },
		CLI_STATE_OPTION, CLI_HELP_OPTION, { 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, ":hv", opts, NULL)) != -1) {
		switch (c) {
		case 'i': run->iface = optarg; break;
		case 'd': run->confdir = optarg; break;
		case 'a': run->apply = true; break;
		case 'f': run->force = true; break;
		case 'r': run->review = true; break;
		case 'A': run->approve = true; break;
		case 'v': run->verbose = true; break;
		case 'w': run->watch = true; break;
		case 'c':
			if (text_parse_int(optarg, 1, 86400, &run->check_every) != 0)
				return cli_usage_error("invalid --check-every '%s' (1-86400 "
				                       "seconds)", optarg);
			break;
		case 'S': run->dir = optarg; break;
		case 'h': cli_help(sync_usage); return -1;
		default: return cli_bad_option(c, argv);
		}
	}
	if (optind != argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (!cli_valid_ifname(run->iface))
		return cli_usage_error("invalid --interface '%s' (1-15 letters, digits, "
		                       "'-', '_', '.')", run->iface);
	if (*run->confdir == '\0')
		return cli_usage_error("invalid --config-dir ''");
	if (run->review && run->approve)
		return cli_usage_error("--review and --approve exclude each other");
	if (run->watch && run->approve)
		return cli_usage_error("--watch and --approve exclude each other");
	if (run->check_every && !run->watch)
		return cli_usage_error("--check-every needs --watch");
	return 0;
}

/* State, lock (overlapping cron runs take turns), the file on disk now and
 * whether it is ours to replace, the record of what was last written. */
static int
sync_open(struct sync_run *run)
{
	int r;

	if (peer_load_state(&run->st, state_dir_choose(run->dir)) != 0)
		return -1;
	if (asprintf(&run->target, "%s/%s.conf", run->confdir, run->iface) < 0) {
		run->target = NULL;
		return -1;
	}
	if ((run->lockfd = state_lock(run->st.dir)) < 0)
		return -1;
	r = state_read_file(run->target, 1024 * 1024, &run->old, &run->oldlen);
	if (r < 0) {
		warn("cannot read %s", run->target);
		return -1;
	}
	run->have_old = r == 0;
	if (run->have_old && !starts_with_header(run->old) && !run->force) {
		warnx("refusing to overwrite %s: wgconf did not write it (no \"%s\" "
		      "line on top); move it away or use --force", run->target, WGCONF_HEADER);
		return -1;
	}
	/* The cached config lets a 304 still repair a damaged or deleted file,
	 * and is what --review compares with; its ETag is sent only when it
	 * was written to this same file. */
	if (state_sync_load(run->st.dir, run->iface, &run->etag, &run->recpath,
	                    &run->cached) == 0 && run->cached && run->etag && run->recpath &&
	    strcmp(run->recpath, run->target) == 0)
		run->inm = run->etag;
	return 0;
}

static void
sync_close(struct sync_run *run)
{
	if (run->old) {
		keys_wipe(run->old, run->oldlen);
		free(run->old);
	}
	if (run->cached)
		json_object_put(run->cached);
	free(run->etag);
	free(run->recpath);
	free(run->target);
	if (run->lockfd >= 0)
		close(run->lockfd);
	state_free(&run->st);
}

/* Writes cfg to the target when its text differs; *changed says whether it
 * did. 0 or -1. */
static int
write_config(struct sync_run *run, const struct mesh_config *cfg, const char *skb64,
             bool *changed)
{
	struct stat sb;
	size_t len = 0;
	char *text = render_config(cfg, RENDER_WG_QUICK, run->iface, skb64, true, &len);
	int ret = -1;

	*changed = false;
	if (text == NULL)
		return -1;
	if (run->have_old && run->oldlen == len && memcmp(run->old, text, len) == 0) {
		ret = 0;
		goto out;
	}
	if (stat(run->confdir, &sb) != 0 && errno == ENOENT && mkdir(run->confdir, 0700) != 0) {
		warn("cannot create %s", run->confdir);
		goto out;
	}
	if (state_write_atomic(run->target, text, len, 0600) != 0)
		goto out;
	*changed = true;
	ret = 0;
out:
	render_free(text, len);
	return ret;
}

/* The port iface listens on now, 0 when it cannot be told. */
static int
current_port(const char *iface)
{
	const char *argv[] = { "wg", "show", iface, "listen-port", NULL };
	char *out = NULL, path[64];
	unsigned long v = 0;

	snprintf(path, sizeof(path), "/sys/class/net/%s", iface);
	if (access(path, F_OK) != 0)
		return 0;               /* no interface yet: nothing to keep */
	if (apply_run(argv, NULL, 0, &out) != 0 || out == NULL ||
	    text_parse_ulong(strtok(out, "\n") ? out : "", 1, 65535, &v) != 0)
		v = 0;
	free(out);
	return (int)v;
}

static int
apply_live(const struct sync_run *run, const struct mesh_config *cfg, const char *skb64,
           bool changed)
{
	/* No port in the config: the one the interface has stays. `wg
	 * syncconf` without ListenPort makes wireguard-go take a new random
	 * port each time, and a host behind NAT then gets a new mapping its
	 * peers (a relay above all) only learn from its next keepalive. */
	struct mesh_config keep = *cfg;
	size_t len = 0;
	char *text;
	int ret = -1;

	if (keep.listen_port == 0)
		keep.listen_port = current_port(run->iface);
	text = render_config(&keep, RENDER_WG, run->iface, skb64, false, &len);

	if (text != NULL && apply_config(run->iface, cfg, text, len, run->verbose) == 0) {
		if (changed)
			printf("%s: applied to %s\n", program_invocation_short_name, run->iface);
		ret = 0;
	}
	render_free(text, len);
	return ret;
}

/* A relay forwards only with this host's consent (forward.h): switched on
 * when the server asks and allow-relay is there, else off (undoing what
 * wgconf once switched on). say: tell why a relay does not forward. 0 or
 * -1 (said). */
static int
sync_forwarding(const struct sync_run *run, const struct mesh_config *cfg, bool say)
{
	int allowed = forward_allowed(run->st.dir);
	bool want, changed = false;

	if (allowed < 0)
		return -1;
	want = cfg->relay && allowed;
	if (cfg->relay && !allowed && (say || run->verbose))
		warnx("the server makes this host a relay, but relaying is not allowed here: "
		      "%s forwards nothing (`wgconf allow-relay` allows it)", run->iface);
	if (forward_apply(run->st.dir, run->iface, want, run->verbose, &changed) != 0)
		return -1;
	if (changed)
		printf("%s: %s forwards between its peers: %s\n", program_invocation_short_name,
		       run->iface, want ? "on (this host relays)" : "off");
	return 0;
}

/* The route-safety checks (guard.h) on cfg: 0 when it may be installed, 1
 * held (said, one line per route), -1 error. */
static int
guard_config(const struct sync_run *run, const struct mesh_config *cfg)
{
	struct guard_env env = { 0 };
	char **lines = NULL;
	size_t n = 0;
	int r, ret = -1;

	/* Without the server's address there is nothing to protect it by:
	 * fail closed rather than check the rest. */
	if (run->server_ip[0] == '\0') {
		warnx("cannot tell which address the server answered from: the route "
		      "checks cannot protect it, so nothing is written");
		goto out;
	}
	if (guardenv_gather(&env, run->iface, run->server_ip) != 0 ||
	    guardenv_allow_load(&env, run->st.dir) != 0)
		goto out;
	if ((r = guard_check_config(&env, cfg, &lines, &n)) < 0) {
		warnx("out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		warnx("held: %s", lines[i]);
	if (r > 0)
		warnx("held: nothing written or applied for %s (revision %lld): the config "
		      "would cut this host off from the server or its own networks",
		      run->iface, cfg->revision);
	ret = r > 0 ? 1 : 0;
out:
	guard_free_lines(lines, n);
	guard_env_free(&env);
	return ret;
}

/* After --apply cut the host off from the server: the previous config
 * (cached), its addresses and routes back on the interface, and the
 * previous file. Said on stderr. 0 or -1. */
static int
restore_previous(struct sync_run *run)
{
	struct mesh_config prev = { 0 };
	char skb64[KEYS_B64_LEN] = "";
	int ret = -1;

	if (run->cached != NULL) {
		if (peer_prepare_previous(&run->st, run->cached, &prev, skb64) != 0)
			goto out;
	} else {
		uint8_t sk[KEYS_LEN];

		/* Nothing was configured before: no peer, no address, no route. */
		if (state_key_load(run->st.dir, sk) != 0)
			goto out;
		keys_b64_encode(skb64, KEYS_B64_LEN, sk, KEYS_LEN);
		keys_wipe(sk, sizeof(sk));
	}
	if (apply_live(run, &prev, skb64, false) != 0)
		goto out;
	if (run->have_old) {
		if (state_write_atomic(run->target, run->old, run->oldlen, 0600) != 0)
			goto out;
	} else if (unlink(run->target) != 0 && errno != ENOENT) {
		warn("cannot remove %s", run->target);
		goto out;
	}
	ret = 0;
out:
	keys_wipe(skb64, sizeof(skb64));
	model_free(&prev);
	return ret;
}

/* Puts the previous config back after applying cfg went wrong (why says
 * how), and says so on stderr; the caller exits 1. */
static void
roll_back(struct sync_run *run, const struct mesh_config *cfg, const char *why)
{
	warnx("revision %lld for %s: %s: restoring the previous config, addresses and "
	      "routes", cfg->revision, run->iface, why);
	if (restore_previous(run) != 0)
		warnx("could not restore the previous config of %s: check it by hand",
		      run->iface);
	else
		warnx("restored the previous config of %s", run->iface);
}

/* Brings the file (and with --apply the interface) to json. fresh: json is
 * not the cached config, so the record is saved with new_etag. With
 * --review, a fresh config that changes keys or routes is held instead.
 * Quiet unless something changed (or --verbose). An exit status. */
static int
sync_install(struct sync_run *run, struct json_object *json, const char *new_etag,
             bool fresh)
{
	struct mesh_config cfg = { 0 };
	char skb64[KEYS_B64_LEN] = "", **refused = NULL;
	char ip[64];
	size_t nrefused = 0;
	bool changed = false, next_key = false;
	int r, ret = EXIT_ERR;

	r = peer_prepare_config(&run->st, json, &cfg, skb64, &refused, &nrefused, &next_key);
	if (r != 0) {
		/* Held: this host's own signed statement is not usable. */
		peer_print_refused(refused, nrefused);
		ret = r > 0 ? EXIT_REVIEW : EXIT_ERR;
		goto out;
	}
	if ((r = guard_config(run, &cfg)) != 0) {
		peer_print_refused(refused, nrefused);
		ret = r > 0 ? EXIT_REVIEW : EXIT_ERR;
		goto out;
	}
	if (run->review && fresh) {
		r = hold_for_review(&run->st, run->iface, run->target, run->cached, json, &cfg,
		                    new_etag, run->verbose, refused, nrefused);
		if (r != 0) {
			ret = r > 0 ? EXIT_REVIEW : EXIT_ERR;
			goto out;
		}
	}
	if (write_config(run, &cfg, skb64, &changed) != 0)
		goto out;
	if (changed) {
		printf("%s: wrote %s (revision %lld, %zu peer%s)\n", program_invocation_short_name,
		       run->target, cfg.revision, cfg.n_peers, cfg.n_peers == 1 ? "" : "s");
		peer_print_warnings(&cfg);
	}
	/* Like --review: said when something changed, quiet while it waits. */
	if (changed || fresh || run->verbose)
		peer_print_refused(refused, nrefused);
	/* A config the interface refuses (a listen port taken on this host, a
	 * route the kernel will not have) may have left it half changed, even
	 * without a socket: the previous one comes back. */
	if (run->apply && (apply_live(run, &cfg, skb64, changed) != 0 ||
	                   sync_forwarding(run, &cfg, changed || fresh) != 0)) {
		if (changed || fresh)
			roll_back(run, &cfg, "applying it failed");
		goto out;
	}
	/* Like `netplan try`: a config that cuts the host off from its server
	 * could never be corrected from there; the previous one comes back. */
	if (run->apply && (changed || fresh) && peer_health(&run->st, ip) != 0) {
		roll_back(run, &cfg, "the server does not answer after applying it");
		goto out;
	}
	/* Only what was installed (and, with --apply, kept the server in
	 * reach) becomes the config the next run compares with. */
	if (fresh && state_sync_save(run->st.dir, run->iface, new_etag, run->target, json) != 0)
		goto out;
	/* Applied without review, or the server is back at what was last
	 * written (304): whatever waited is superseded. */
	if ((!run->review || !fresh) && state_held_remove(run->st.dir, run->iface) != 0)
		goto out;
	if (next_key) {
		if (nextkey_promote(run->st.dir) != 0)
			goto out;
		printf("%s: this host now uses its new key\n", program_invocation_short_name);
	}
	ret = nrefused > 0 ? EXIT_REVIEW : EXIT_OK;
out:
	model_free_lines(refused, nrefused);
	keys_wipe(skb64, sizeof(skb64));
	model_free(&cfg);
	return ret;
}

/* sync --approve: the changes --review held, to the file they were for. */
static int
sync_approve(struct sync_run *run)
{
	struct json_object *held = NULL;
	char *hetag = NULL, *hpath = NULL;
	int ret = EXIT_ERR;

	if (state_held_load(run->st.dir, run->iface, &hetag, &hpath, &held) != 0 ||
	    held == NULL) {
		warnx("no changes are held for review for %s", run->iface);
		goto out;
	}
	/* What was reviewed is a change to one file: approve it there. */
	if (hpath == NULL || strcmp(hpath, run->target) != 0) {
		warnx("the changes held for %s were for %s, not %s: approve with the "
		      "--config-dir used for --review", run->iface, hpath ? hpath : "(unknown)",
		      run->target);
		goto out;
	}
	/* No request was made: where the server is comes from a health check. */
	if (peer_health(&run->st, run->server_ip) != 0)
		goto out;
	ret = sync_install(run, held, hetag, true);
out:
	if (held)
		json_object_put(held);
	free(hetag);
	free(hpath);
	return ret;
}

/* What this host tells the server about relaying, when it is asked to:
 * "forwarding" or "refused" (no allow-relay); NULL when not a relay. */
static const char *
relay_state(const struct sync_run *run, struct json_object *config)
{
	struct json_object *iface, *v;

	if (!json_object_object_get_ex(config, "interface", &iface) ||
	    !json_object_object_get_ex(iface, "relay", &v) || !json_object_get_boolean(v))
		return NULL;
	return forward_allowed(run->st.dir) == 1 ? "forwarding" : "refused";
}

/* sync, sync --review: asks the server, with the cached ETag; a 304 puts
 * the cached config back (it repairs a damaged or deleted file). */
static int
sync_fetch(struct sync_run *run)
{
	struct fetch_response resp = { 0 };
	const char *inm = run->inm;
	int r, ret;

	struct json_object *config = NULL;

	r = peer_request(&run->st, "GET", "/peer/config", NULL, inm, &resp);
	memcpy(run->server_ip, resp.primary_ip, sizeof(run->server_ip));
	if (r != 0)
		ret = EXIT_ERR;
	else if (resp.status == 304 && inm)
		ret = sync_install(run, (config = run->cached), NULL, false);
	else if (resp.status == 200 && resp.json)
		ret = sync_install(run, (config = resp.json), resp.etag, true);
	else
		ret = peer_failure(&resp, "sync", &run->st);
	/* Then, in a small request of its own, what the interface says about
	 * each link: a failure is said, but the config is in place all the
	 * same, so it does not change the exit status. */
	if (config != NULL && (ret == EXIT_OK || ret == EXIT_REVIEW))
		run->again = links_report(&run->st, run->iface, config,
		                          relay_state(run, config)) == 1;
	fetch_response_free(&resp);
	return ret;
}

/* The report moved this host's config (the server chose a relay for one
 * of its pairs): a second pass now, not at the next cron run. */
static int
sync_again(struct sync_run *run)
{
	struct sync_run next = { .dir = run->dir, .iface = run->iface, .confdir = run->confdir,
	                         .apply = run->apply, .force = run->force,
	                         .review = run->review, .verbose = run->verbose,
	                         .lockfd = -1 };
	int ret;

	sync_close(run);
	*run = next;
	if (sync_open(run) != 0)
		return EXIT_ERR;
	ret = sync_fetch(run);
	run->again = false;
	return ret;
}

/* One sync with the options of opts, as a cron run would do it; for
 * --watch, whose every check is one (the lock taken and given back, so a
 * cron run or `wgconf sync --approve` takes turns with it). */
static void
sync_once(void *opts)
{
	const struct sync_run *o = opts;
	struct sync_run run = { .dir = o->dir, .iface = o->iface, .confdir = o->confdir,
	                        .apply = o->apply, .force = o->force, .review = o->review,
	                        .verbose = o->verbose, .lockfd = -1 };

	/* A report that moved this host's config gets its second pass here
	 * too, as in a cron run. */
	if (sync_open(&run) == 0 && sync_fetch(&run) == EXIT_OK && run.again)
		sync_again(&run);
	sync_close(&run);
	fflush(stdout);
}

/* sync --watch: runs until stopped (systemd: wgconf-watch@.service). */
static int
sync_watch(struct sync_run *opts)
{
	struct watch_opts wo = { opts->check_every ? opts->check_every : 600,
	                         opts->check_every ? opts->check_every : 60 };
	struct state st = { 0 };
	int ret;

	if (peer_load_state(&st, state_dir_choose(opts->dir)) != 0)
		return EXIT_ERR;
	ret = watch_run(&st, &wo, sync_once, opts) == 0 ? EXIT_OK : EXIT_ERR;
	state_free(&st);
	return ret;
}

int
cmd_sync(int argc, char **argv)
{
	struct sync_run run = { .iface = "wg0", .confdir = "/etc/wireguard", .lockfd = -1 };
	int ret;

	if ((ret = sync_parse_opts(&run, argc, argv)) != 0)
		return ret < 0 ? EXIT_OK : ret;
	if (run.watch)
		return sync_watch(&run);
	if (sync_open(&run) != 0)
		ret = EXIT_ERR;
	else if (run.approve)
		ret = sync_approve(&run);
	else if ((ret = sync_fetch(&run)) == EXIT_OK && run.again)
		ret = sync_again(&run);
	sync_close(&run);
	return ret;
}
