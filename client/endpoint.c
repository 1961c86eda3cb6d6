/* SPDX-License-Identifier: MIT */
/* wgconf endpoint and wgconf deregister: the host tells the server where
 * it is now, or that it leaves. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "peer.h"
#include "validate.h"

static const char endpoint_usage[] =
"Usage: wgconf endpoint [--state-dir DIR] HOST:PORT|nat\n"
"\n"
"Tells the server this host's new public endpoint (or that it is now behind\n"
"NAT). The other peers pick it up at their next sync.\n";

int
cmd_endpoint(int argc, char **argv)
{
	static const struct option opts[] = { CLI_STATE_OPTION, CLI_HELP_OPTION, { 0 } };
	const char *dir = NULL, *endpoint;
	char host[VALIDATE_HOST_MAX + 1];
	uint16_t port;
	struct state st = { 0 };
	struct fetch_response resp = { 0 };
	struct json_object *body = NULL;
	int c, ret = EXIT_ERR;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'S': dir = optarg; break;
		case 'h': return cli_help(endpoint_usage);
		default: return cli_bad_option(c, argv);
		}
	}
	if (optind == argc)
		return cli_usage_error("give the endpoint (HOST:PORT or nat)");
	if (optind != argc - 1)
		return cli_usage_error("unexpected argument '%s'", argv[optind + 1]);
	endpoint = argv[optind];
	if (validate_is_nat(endpoint))
		endpoint = NULL;
	else if (validate_endpoint(endpoint, host, sizeof(host), &port) != 0)
		return cli_usage_error("invalid endpoint '%s' (want HOST:PORT, [IPv6]:PORT or nat)",
		                   endpoint);
	if (peer_load_state(&st, state_dir_choose(dir)) != 0)
		goto out;
	body = json_object_new_object();
	json_object_object_add(body, "endpoint", endpoint ? json_object_new_string(endpoint) : NULL);
	if (peer_request(&st, "PUT", "/peer/endpoint", body, NULL, &resp) != 0)
		goto out;
	if (resp.status != 200) {
		ret = peer_failure(&resp, "endpoint", &st);
		goto out;
	}
	printf("endpoint of %s is now %s\n", st.id, endpoint ? endpoint : "nat (none)");
	ret = EXIT_OK;
out:
	if (body)
		json_object_put(body);
	fetch_response_free(&resp);
	state_free(&st);
	return ret;
}

static const char deregister_usage[] =
"Usage: wgconf deregister [--force] [--state-dir DIR]\n"
"\n"
"Removes this host from the mesh on the server and deletes the local state\n"
"(token and private key). Config files written by sync stay; take the\n"
"interface down yourself. --force removes the local state even when the\n"
"server no longer knows this host.\n";

int
cmd_deregister(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' }, CLI_STATE_OPTION, CLI_HELP_OPTION, { 0 }
	};
	const char *dir = NULL;
	bool force = false;
	struct state st = { 0 };
	struct fetch_response resp = { 0 };
	int c, ret = EXIT_ERR;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'f': force = true; break;
		case 'S': dir = optarg; break;
		case 'h': return cli_help(deregister_usage);
		default: return cli_bad_option(c, argv);
		}
	}
	if (optind != argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (peer_load_state(&st, state_dir_choose(dir)) != 0)
		goto out;
	if (peer_request(&st, "DELETE", "/peer", NULL, NULL, &resp) != 0) {
		if (!force)
			goto out;
	} else if (resp.status != 204 && resp.status != 200) {
		if (!force || (resp.status != 401 && resp.status != 404)) {
			fetch_report(&resp, "deregister");
			goto out;
		}
		warnx("the server does not know this host; removing the local state");
	}
	if (state_remove_all(st.dir) != 0)
		goto out;
	printf("deregistered %s from %s\n", st.id, st.server);
	ret = EXIT_OK;
out:
	fetch_response_free(&resp);
	state_free(&st);
	return ret;
}
