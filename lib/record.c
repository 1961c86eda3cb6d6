/* SPDX-License-Identifier: MIT */
#include <stdio.h>

#include "record.h"

int
record_signed_text(char *out, size_t outsz, const char *public_key,
                     struct json_object *allowed_ips)
{
	size_t len;
	int n;

	n = snprintf(out, outsz, "wgconfsrv-peer-v1\n%s\n", public_key);
	if (n < 0 || (size_t)n >= outsz)
		return -1;
	len = (size_t)n;
	for (size_t i = 0; i < json_object_array_length(allowed_ips); i++) {
		n = snprintf(out + len, outsz - len, "%s%s", i ? "," : "",
		             json_object_get_string(json_object_array_get_idx(allowed_ips, i)));
		if (n < 0 || (size_t)n >= outsz - len)
			return -1;
		len += (size_t)n;
	}
	if (len + 2 > outsz)
		return -1;
	out[len++] = '\n';
	out[len] = '\0';
	return (int)len;
}
