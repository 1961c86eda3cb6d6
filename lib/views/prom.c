/* SPDX-License-Identifier: MIT */
/* The Prometheus text format: families, samples, escaping. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "prom.h"

static int
valid_name(const char *s, int label)
{
	if (s == NULL || *s == '\0')
		return 0;
	for (size_t i = 0; s[i] != '\0'; i++) {
		char c = s[i];
		int alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
		            (!label && c == ':');
		if (!alpha && !(i > 0 && c >= '0' && c <= '9'))
			return 0;
	}
	/* Label names starting with __ are Prometheus's own. */
	return !label || strncmp(s, "__", 2) != 0;
}

int
prom_open(struct prom *p)
{
	memset(p, 0, sizeof(*p));
	p->f = open_memstream(&p->buf, &p->len);
	return p->f != NULL ? 0 : -1;
}

int
prom_escape_label(const char *in, char *out, size_t outsz)
{
	size_t o = 0;

	for (; *in != '\0'; in++) {
		const char *rep = NULL;
		char one[2] = { *in, '\0' };
		switch (*in) {
		case '\\': rep = "\\\\"; break;
		case '"': rep = "\\\""; break;
		case '\n': rep = "\\n"; break;
		default: rep = one; break;
		}
		size_t n = strlen(rep);
		if (o + n >= outsz)
			return -1;
		memcpy(out + o, rep, n);
		o += n;
	}
	if (outsz == 0)
		return -1;
	out[o] = '\0';
	return 0;
}

void
prom_family(struct prom *p, const char *name, const char *type, const char *help)
{
	if (p->failed || p->f == NULL)
		return;
	if (!valid_name(name, 0) || (strcmp(type, "counter") != 0 && strcmp(type, "gauge") != 0)) {
		p->failed = 1;
		return;
	}
	/* HELP escapes only \ and newline. */
	fprintf(p->f, "# HELP %s ", name);
	for (; *help != '\0'; help++) {
		if (*help == '\\')
			fputs("\\\\", p->f);
		else if (*help == '\n')
			fputs("\\n", p->f);
		else
			fputc(*help, p->f);
	}
	fprintf(p->f, "\n# TYPE %s %s\n", name, type);
}

void
prom_sample(struct prom *p, const char *name, const char *const *labels, int64_t value)
{
	char esc[512];

	if (p->failed || p->f == NULL)
		return;
	if (!valid_name(name, 0)) {
		p->failed = 1;
		return;
	}
	fputs(name, p->f);
	for (size_t i = 0; labels != NULL && labels[i] != NULL; i += 2) {
		if (labels[i + 1] == NULL || !valid_name(labels[i], 1) ||
		    prom_escape_label(labels[i + 1], esc, sizeof(esc)) != 0) {
			p->failed = 1;
			return;
		}
		fprintf(p->f, "%s%s=\"%s\"", i == 0 ? "{" : ",", labels[i], esc);
	}
	fprintf(p->f, "%s %" PRId64 "\n", labels != NULL && labels[0] != NULL ? "}" : "", value);
}

char *
prom_close(struct prom *p)
{
	char *text = NULL;

	if (p->f != NULL && fclose(p->f) == 0 && !p->failed)
		text = p->buf;
	else
		free(p->buf);
	memset(p, 0, sizeof(*p));
	return text;
}
