/* SPDX-License-Identifier: MIT */
/* What every store function returns, and the clock rows are stamped by. */
#ifndef WGCONF_RESULT_H
#define WGCONF_RESULT_H

#include <stdint.h>
#include <time.h>

#define DB_OK        0
#define DB_ERROR    -1
#define DB_NOTFOUND -2
#define DB_CONFLICT -3          /* a UNIQUE or CHECK constraint said no */


/* Seconds since the epoch. */
static inline int64_t
store_now(void)
{
	return (int64_t)time(NULL);
}

#endif
