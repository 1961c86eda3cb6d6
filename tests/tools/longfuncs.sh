#!/bin/sh
# SPDX-License-Identifier: MIT
# Lists the C functions longer than MAX lines (default 80) in lib/*/, cgi/ and
# client/, longest first: "lines file:line name", and "(long on purpose)"
# when the comment just above the function says why, in a line
# "Long on purpose: <the reason>" (a reason left empty does not count).
# Exits 1 when a long function has no such reason.
# A function is a body opened by "{" at column 0 and closed by the first
# "}" at column 0; its name is the identifier before the first "(" of the
# line at column 0 that names it, whatever its type ("FILE *", "static
# int") and wherever that type stands (the line above, or before the name).
# Usage: sh tests/tools/longfuncs.sh [MAX] [FILE...]
set -eu
cd "$(dirname "$0")/../.."
max=${1:-80}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] || set -- lib/*/*.c cgi/*.c client/*.c
out=${TMPDIR:-/tmp}/longfuncs.$$
awk -v max="$max" '
function reset_sig() { sig = ""; sigline = 0 }
FNR == 1 { inbody = 0; incomment = 0; why = 0; reset_sig() }
inbody && /^}/ {
	n = FNR - start + 1
	note = ""
	if (why_here == 1) note = " (long on purpose)"
	if (why_here == 2) note = " (\"Long on purpose:\" without a reason)"
	if (n > max)
		printf "%d %s:%d %s%s\n", n, FILENAME, start, name, note
	inbody = 0; why = 0; reset_sig(); next
}
inbody { next }
/^\/\*/ { incomment = 1; why = 0; reset_sig() }
incomment && /Long on purpose:/ {
	r = $0; sub(/.*Long on purpose:/, "", r); sub(/\*\/.*/, "", r); gsub(/[ \t*]/, "", r)
	why = r == "" ? 2 : 1
}
incomment { if ($0 ~ /\*\//) incomment = 0; next }
/^{/ {
	if (sig != "") { inbody = 1; name = sig; start = sigline; why_here = why }
	next
}
/^[A-Za-z_]/ && sig == "" && match($0, /[A-Za-z_][A-Za-z0-9_]*[ \t]*\(/) {
	sig = substr($0, RSTART, RLENGTH); sub(/[ \t]*\($/, "", sig); sigline = FNR
}
/;[ \t]*$/ || /^}/ || /^#/ { why = 0; reset_sig(); next }
/^$/ { why = 0; reset_sig() }
' "$@" | sort -rn > "$out"
cat "$out"
status=0
grep -qv '(long on purpose)$' "$out" && status=1
rm -f "$out"
exit $status
