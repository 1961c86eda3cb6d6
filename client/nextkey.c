/* SPDX-License-Identifier: MIT */
/* The next key `wgconf rotate` keeps (see nextkey.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "nextkey.h"
#include "state.h"

static char *
next_path(const char *dir, const char *file)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, file) < 0)
		return NULL;
	return p;
}

int
nextkey_load(const char *dir, uint8_t sk[KEYS_LEN])
{
	char *path = next_path(dir, NEXTKEY_FILE);
	int ret;

	if (path == NULL)
		return -1;
	if (access(path, F_OK) != 0 && errno == ENOENT)
		ret = 1;
	else
		ret = state_key_read_file(path, sk);
	free(path);
	return ret;
}

int
nextkey_promote(const char *dir)
{
	char *from = next_path(dir, NEXTKEY_FILE), *to = next_path(dir, "private.key");
	int ret = -1;

	if (from == NULL || to == NULL)
		warnx("out of memory");
	else if (rename(from, to) != 0)
		warn("cannot make %s the host's key %s", from, to);
	else
		ret = 0;
	free(from);
	free(to);
	return ret;
}

int
nextkey_save(const char *dir, const uint8_t sk[KEYS_LEN])
{
	char skb64[KEYS_B64_LEN + 1], *path = next_path(dir, NEXTKEY_FILE);
	int ret = -1;

	keys_b64_encode(skb64, KEYS_B64_LEN, sk, KEYS_LEN);
	strcat(skb64, "\n");
	if (path == NULL)
		warnx("out of memory");
	else
		ret = state_write_atomic(path, skb64, strlen(skb64), 0600);
	keys_wipe(skb64, sizeof(skb64));
	free(path);
	return ret;
}
