#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds the libFuzzer harnesses with clang (ASan, UBSan) and runs each for a
# bounded time. Independent of the Makefile; run from anywhere.
#
#   sh tests/fuzz/run.sh [SECONDS] [HARNESS...]     (default: 60 s, all)
#
# Environment: CLANG (default clang), FUZZ_OUT (build and work folder, default
# tests/fuzz/out), FUZZ_JOBS (parallel workers per harness, default 1).
# The seeds in tests/fuzz/corpus/NAME/ are read, never written: what the
# fuzzer learns goes to $FUZZ_OUT/corpus-NAME/. A crash leaves its input in
# $FUZZ_OUT/crash-* and makes this script fail; reproduce it with
#   $FUZZ_OUT/NAME $FUZZ_OUT/crash-...
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
secs=${1:-60}
[ $# -gt 0 ] && shift
harnesses=${*:-"fuzz_parse fuzz_api fuzz_statement"}
clang=${CLANG:-clang}
out=${FUZZ_OUT:-$here/out}
jobs=${FUZZ_JOBS:-1}

case $secs in
''|*[!0-9]*) echo "usage: sh tests/fuzz/run.sh [SECONDS] [HARNESS...]" >&2; exit 2 ;;
esac
command -v "$clang" >/dev/null 2>&1 || {
	echo "fuzz: $clang not found (apt-get install clang)" >&2; exit 1; }
mkdir -p "$out"

# lib/ is compiled here with coverage instrumentation; lib/store/schema.h is a
# build product of make, so it is generated into $out when make has not run.
if [ ! -f "$top/lib/store/schema.h" ]; then
	sh "$top/lib/store/embed.sh" schema_sql < "$top/schema.sql" > "$out/schema.h"
fi
cflags="-g -O1 -std=c11 -D_GNU_SOURCE -Wall -Wextra -fno-omit-frame-pointer
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
	-I$top/lib/common -I$top/lib/store -I$top/lib/views -I$top/lib/api -I$out $(pkg-config --cflags libsodium json-c sqlite3)"
libs=$(pkg-config --libs libsodium json-c sqlite3)

status=0
for h in $harnesses; do
	src=$here/$h.c
	[ -f "$src" ] || { echo "fuzz: no harness $src" >&2; exit 2; }
	echo "  CLANG   $out/$h"
	# shellcheck disable=SC2086
	"$clang" $cflags -o "$out/$h" "$src" "$top"/lib/*/*.c $libs
	mkdir -p "$out/corpus-$h"
	seeds=
	[ -d "$here/corpus/$h" ] && seeds=$here/corpus/$h
	echo "  FUZZ    $h for ${secs}s"
	par=
	[ "$jobs" -gt 1 ] && par="-jobs=$jobs -workers=$jobs"
	# shellcheck disable=SC2086
	if ! (cd "$out" && "./$h" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	        -max_len=8192 -print_final_stats=1 $par \
	        -artifact_prefix="$out/" "corpus-$h" $seeds > "$out/$h.log" 2>&1); then
		echo "fuzz: $h FAILED; see $out/$h.log" >&2
		tail -n 40 "$out/$h.log" >&2
		status=1
	else
		grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$out/$h.log" |
			sed "s/^/  $h: /" || true
	fi
done
exit $status
