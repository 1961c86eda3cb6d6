#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Runs the shell tests, by layer:
#   sh tests/run.sh [integration|e2e|browser|all ...] [tests/tNNNN-x.sh ...]
#
#   integration  t1*, t2*   nginx + responders + curl/wgconf on 127.0.0.1
#   e2e          t3*        network namespaces and real WireGuard tunnels
#   browser      t4*        chromium driven by playwright-core
#   all          t*.sh      every test (the default)
#
# A test passes with exit 0, is skipped with exit 77 (it says why), and fails
# otherwise. Each test's output goes to tests/out/NAME.log and is shown when
# it fails (or always, with VERBOSE=1). Exit status: 0 when nothing failed.
#
# With SKIP_FAILS=1 (CI sets it: .ci/run) a skip counts as a failure, unless
# the test is named in tests/skips-allowed ("NAME  why it may skip there"):
# on a machine CI set up, a skip is a missing package or a missing feature.
set -u

cd "$(dirname "$0")/.." || exit 1
TESTS_DIR=tests
OUT=$TESTS_DIR/out
mkdir -p "$OUT"

layers=""
files=""
for a in "$@"; do
	case $a in
	integration | e2e | browser | all) layers="$layers $a" ;;
	*.sh) files="$files $a" ;;
	*)
		echo "usage: sh tests/run.sh [integration|e2e|browser|all] [test.sh ...]" >&2
		exit 2
		;;
	esac
done

[ -n "$layers$files" ] || layers=all
pats=""
for l in $layers; do
	case $l in
	integration) pats="$pats t1*.sh t2*.sh" ;;
	e2e) pats="$pats t3*.sh" ;;
	browser) pats="$pats t4*.sh" ;;
	all) pats="$pats t[0-9]*.sh" ;;
	esac
done
layer=$(echo $layers | tr ' ' '+')
[ -n "$layer" ] || layer=selected
if [ -n "$pats" ]; then
	for p in $pats; do
		for f in $TESTS_DIR/$p; do
			# once each, in order, even if two layers name it
			[ -f "$f" ] && case " $files " in *" $f "*) ;; *) files="$files $f" ;; esac
		done
	done
fi

# A test named in tests/skips-allowed, with a reason beside its name.
skip_allowed() {
	[ -r $TESTS_DIR/skips-allowed ] &&
		grep -v '^#' $TESTS_DIR/skips-allowed | awk -v n="$1" '$1 == n && NF > 1 { f = 1 } END { exit !f }'
}

pass=0 fail=0 skip=0 failed=""
start_all=$(date +%s)
for t in $files; do
	name=$(basename "$t" .sh)
	log=$OUT/$name.log
	# The interpreter the test asks for (bash tests exist), sh otherwise.
	shell=sh
	head -n 1 "$t" | grep -q bash && shell=bash
	t0=$(date +%s)
	if [ "${VERBOSE:-0}" = 1 ]; then
		# POSIX sh has no PIPESTATUS: the status goes through the log.
		{ $shell "$t" </dev/null; echo "# exit status: $?"; } 2>&1 | tee "$log"
		rc=$(sed -n 's/^# exit status: //p' "$log" | tail -n 1)
		rc=${rc:-1}
	else
		$shell "$t" </dev/null >"$log" 2>&1
		rc=$?
	fi
	secs=$(($(date +%s) - t0))
	case $rc in
	0)
		pass=$((pass + 1))
		printf 'PASS  %-44s %4ss\n' "$name" "$secs"
		;;
	77)
		why=$(grep -m1 '^# skip: ' "$log" | sed 's/^# skip: //')
		if [ "${SKIP_FAILS:-0}" = 1 ] && ! skip_allowed "$name"; then
			fail=$((fail + 1))
			failed="$failed $name"
			printf 'FAIL  %-44s skipped, and SKIP_FAILS=1: %s\n' "$name" "${why:-}"
		else
			skip=$((skip + 1))
			printf 'SKIP  %-44s %s\n' "$name" "${why:-}"
		fi
		;;
	*)
		fail=$((fail + 1))
		failed="$failed $name"
		printf 'FAIL  %-44s %4ss (exit %s)\n' "$name" "$secs" "$rc"
		if [ "${VERBOSE:-0}" != 1 ]; then
			sed 's/^/    | /' "$log" | tail -n 60
		fi
		;;
	esac
done

echo
echo "$layer tests in $(($(date +%s) - start_all))s, logs in $OUT/"
[ -n "$failed" ] && echo "failed:$failed"
# The last line, in the shape CI reads: "WORD: N passed, N failed, N skipped".
echo "tests: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
