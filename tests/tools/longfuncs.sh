#!/bin/sh
# SPDX-License-Identifier: MIT
# Lists the C functions longer than MAX lines (default 80) in lib/*/, cgi/ and
# client/, longest first: "lines file:line name", and "(long on purpose)"
# when the comment just above the function says why, in a line starting
# "Long on purpose:". Exits 1 when a long function has no such reason.
# Reads the K&R layout the tree uses: the type on its own line, then
# "name(" at column 0, the body ending at the first "}" at column 0.
# Usage: sh tests/tools/longfuncs.sh [MAX] [FILE...]
set -eu
cd "$(dirname "$0")/../.."
max=${1:-80}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] || set -- lib/*/*.c cgi/*.c client/*.c
awk -v max="$max" '
FNR == 1 { name = ""; why = 0; incomment = 0; prev = "" }
name == "" && /^\/\*/ { incomment = 1; why = 0 }
name == "" && incomment && /Long on purpose:/ { why = 1 }
name == "" && incomment && /\*\// { incomment = 0; prev = $0; next }
name == "" && /^[a-z_][a-z0-9_]*\(/ && prev ~ /^[a-z]/ && prev !~ /;[ \t]*$/ {
	name = $0; sub(/\(.*/, "", name); start = FNR; why_here = why; prev = $0; next
}
name != "" && /^}/ {
	n = FNR - start + 1
	if (n > max)
		printf "%d %s:%d %s%s\n", n, FILENAME, start, name,
		       why_here ? " (long on purpose)" : ""
	name = ""; why = 0
}
name == "" && !incomment && (($0 !~ /^[a-z]/ && $0 != "") || $0 ~ /;[ \t]*$/) { why = 0 }
{ prev = $0 }
' "$@" | sort -rn > "${TMPDIR:-/tmp}/longfuncs.$$"
cat "${TMPDIR:-/tmp}/longfuncs.$$"
status=0
grep -qv 'long on purpose' "${TMPDIR:-/tmp}/longfuncs.$$" && status=1
rm -f "${TMPDIR:-/tmp}/longfuncs.$$"
exit $status
