/* SPDX-License-Identifier: MIT */
/*
 * The Prometheus text exposition format, version 0.0.4: metric families
 * (# HELP, # TYPE) and their samples, label values and help text escaped
 * as the format says. Values are integers: every metric here counts or
 * measures whole things (peers, bytes, seconds).
 */
#ifndef WGCONF_PROM_H
#define WGCONF_PROM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct prom {
	FILE *f;
	char *buf;
	size_t len;
	int failed;                     /* a write or a name was refused */
};

/* Starts an empty text. 0 or -1 (out of memory). */
int prom_open(struct prom *p);

/* "# HELP name help" and "# TYPE name type" (counter, gauge). A name must
 * be [a-zA-Z_:][a-zA-Z0-9_:]*; a bad one marks the text failed. */
void prom_family(struct prom *p, const char *name, const char *type, const char *help);

/* One sample: name{k1="v1",k2="v2"} value. labels is NULL or pairs of key
 * and value ending in NULL; values are escaped, keys must be names. */
void prom_sample(struct prom *p, const char *name, const char *const *labels, int64_t value);

/* The text, owned by the caller (free), or NULL when anything failed
 * (then nothing is kept). Closes p in both cases. */
char *prom_close(struct prom *p);

/* Escapes a label value (\\, \", \n) into out; 0, or -1 when it does not
 * fit. */
int prom_escape_label(const char *in, char *out, size_t outsz);

#endif
