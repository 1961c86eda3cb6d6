#!/bin/sh
# SPDX-License-Identifier: MIT
# The breaks that once slipped through the suite (issue 14), kept: each is
# applied to a scratch copy of the tree, the one test that must catch it
# runs there, and the break is reported "caught" (the test failed) or
# "MISSED" (it passed on a broken tree). A break that no longer applies
# (the code it edits moved) or that does not build is reported too: every
# one of them counts as a failure, so this list cannot rot quietly.
#
# Usage: sh tests/tools/mutants.sh [fast|all|NAME...]   (default: all)
#   fast  the unit-level ones and the tools' (a minute): CI runs them
#   all   also those that start nginx, responders, chromium (a few minutes)
# Needs the tree built (make all); the scratch copy is rebuilt where a
# break touches C. MUTANTS_KEEP=1 keeps the scratch copy.
# The breaks are shell text, quoted as written: no expansion meant.
# shellcheck disable=SC2016
set -u
# A skip is not a catch: under SKIP_FAILS=1 it would count as one.
unset SKIP_FAILS
cd "$(dirname "$0")/../.." || exit 1
TOP=$(pwd)

FAST="overlap-read-swallowed tags-read-swallowed invite-delete-error-swallowed audit-search-case longfuncs-one-line longfuncs-upper-type longfuncs-empty-reason skip-hides-missing-tool push-peer-untold"
SLOW="phone-wide-form phone-picker-1fr route-links-renamed route-rules-renamed kill-hits-idle-server first-page-only ui-spelling-unlimited stdin-end-unread answers-unbuffered admin-guessing-per-address unconfirmed-called-unsaved gateway-timeout-as-502 never-badge-faint bulk-bar-scrolls graph-labels-stacked push-other-channel push-never-published push-failures-uncounted push-no-reconnect-check push-offline-no-recheck push-204-not-seen push-subscriptions-unbounded push-page-not-live sort-seen-ignored expiry-conflict-overwritten"

sel=""
for a in "${@:-all}"; do
	case $a in
	fast) sel="$sel $FAST" ;;
	all) sel="$sel $FAST $SLOW" ;;
	*) sel="$sel $a" ;;
	esac
done

S=$(mktemp -d "${TMPDIR:-/tmp}/wgconf-mutants.XXXXXX") || exit 1
trap '[ "${MUTANTS_KEEP:-0}" = 1 ] && echo "kept $S" || rm -rf "$S"; rm -rf "$S.orig"' EXIT
# The tree as it is now (uncommitted changes too), built objects kept with
# their times so only what a break touches is rebuilt.
tar -C "$TOP" --exclude=./.git --exclude=./tests/out --exclude=./run -cf - . | tar -C "$S" -xf - || exit 1
LOG=$TOP/tests/out/mutants
mkdir -p "$LOG"

# subst FILE OLD NEW: replaces the one place OLD is in FILE (not two, not
# none: then the break no longer applies).
subst() {
	python3 - "$S/$1" "$2" "$3" <<'EOF'
import sys
path, old, new = sys.argv[1:4]
text = open(path).read()
if text.count(old) != 1:
    sys.exit(f"{path}: the text to break is there {text.count(old)} times, not once")
open(path, "w").write(text.replace(old, new))
EOF
}

# A function of 85 lines, in the shape given (longfuncs.sh's breaks).
long_body() {
	echo "{"
	i=0
	while [ $i -lt 83 ]; do echo "	x++;"; i=$((i + 1)); done
	echo "}"
}

unit() { echo "make -s tests/unit/$1|CK_FORK=no tests/unit/$1"; }
shell_test() { echo "make -s all|sh tests/run.sh tests/$1"; }

# mutant NAME: makes the break in $S; prints "BUILD|TEST", the commands
# (run in $S) that build what it needs and must then fail.
mutant() {
	case $1 in
	overlap-read-swallowed)
		# A read error in the network-overlap check taken for "no overlap".
		subst lib/store/addresses.c '	return rc == SQLITE_DONE ? DB_OK : DB_ERROR;
}

int
store_networks_set(' '	return DB_OK;
}

int
store_networks_set(' &&
		unit check_api ;;
	tags-read-swallowed)
		# A read error in a peer's tags taken for "no tags".
		subst lib/store/peers.c '	    sql_strings(tags, p->id, &p->tags) != DB_OK || (st = db_stmt(traffic)) == NULL)' \
		    '	    (sql_strings(tags, p->id, &p->tags), 0) || (st = db_stmt(traffic)) == NULL)' &&
		unit check_api ;;
	invite-delete-error-swallowed)
		# A failed DELETE of an invite answered as "no such invite".
		subst lib/store/invites.c '	if (db_exec_stmt(st) != DB_OK)
		return DB_ERROR;
	return db_changes() > 0 ? DB_OK : DB_NOTFOUND;' '	(void)db_exec_stmt(st);
	return db_changes() > 0 ? DB_OK : DB_NOTFOUND;' &&
		unit check_api_ops ;;
	longfuncs-one-line)
		{ printf '\nstatic int mutant_long(void)\n'; long_body; } >>"$S/lib/common/text.c" &&
		echo "|sh tests/tools/longfuncs.sh" ;;
	longfuncs-upper-type)
		{ printf '\nFILE *\nmutant_long(void)\n'; long_body; } >>"$S/lib/common/text.c" &&
		echo "|sh tests/tools/longfuncs.sh" ;;
	longfuncs-empty-reason)
		{ printf '\n/* Long on purpose:\n */\nstatic void\nmutant_long(void)\n'
		  long_body; } >>"$S/lib/common/text.c" &&
		echo "|sh tests/tools/longfuncs.sh" ;;
	skip-hides-missing-tool)
		# A package CI no longer installs: the test skips, and CI
		# (SKIP_FAILS=1) must fail.
		subst tests/t4110-ui-checks.sh 'need node' 'need node-no-longer-installed' &&
		echo "|SKIP_FAILS=1 sh tests/run.sh tests/t4110-ui-checks.sh" ;;
	phone-wide-form)
		echo '#network-form { min-width: 700px; }' >>"$S/www/style.css" &&
		shell_test t4100-browser-phone.sh ;;
	phone-picker-1fr)
		# The pairs view 429 px wide on a 390 px phone, as it once was.
		subst www/style.css '.picker { grid-template-columns: minmax(0, 1fr); }' \
		    '.picker { grid-template-columns: 1fr; }' &&
		subst www/style.css '  #pick-results, .partners { overflow-wrap: anywhere; }
' '' &&
		shell_test t4100-browser-phone.sh ;;
	route-links-renamed)
		# The link status route gone: a feature test fails, never skips.
		subst lib/api/api.c '"/admin/links", ' '"/admin/linkz", ' &&
		shell_test t4300-browser-links.sh ;;
	route-rules-renamed)
		# The page's 404s for it: console errors, never filtered.
		subst lib/api/api.c '{ "GET",    "/admin/rules", ' '{ "GET",    "/admin/rulez", ' &&
		subst lib/api/api.c '{ "POST",   "/admin/rules", ' '{ "POST",   "/admin/rulez", ' &&
		shell_test t4000-browser.sh ;;
	kill-hits-idle-server)
		# The writers hold still around the kill: no write in flight. A
		# writer marks itself busy, then looks for the hold and steps back
		# if it is there; the test holds, then waits for no busy mark: so
		# no write can slip in between (each side looks after it marks).
		subst tests/t1500-concurrency-faults.sh 'kill_writer() {
' 'hold_gate() {
	while :; do
		touch "$T_TMP/busy-$1"
		[ -e "$T_TMP/hold" ] || return 0
		rm -f "$T_TMP/busy-$1"
		while [ -e "$T_TMP/hold" ]; do sleep 0.05; done
	done
}
kill_writer() {
' &&
		subst tests/t1500-concurrency-faults.sh '_s=$(phase)
		touch "$T_TMP/busy-$1"
' '_s=$(phase)
		hold_gate $1
' &&
		subst tests/t1500-concurrency-faults.sh '_s=$(phase)
			touch "$T_TMP/busy-$1"
' '_s=$(phase)
			hold_gate $1
' &&
		subst tests/t1500-concurrency-faults.sh 'stuck="" tries=0
' 'touch "$T_TMP/hold"
while [ -n "$(find "$T_TMP" -maxdepth 1 -name "busy-*")" ]; do sleep 0.05; done
stuck="" tries=0
' &&
		subst tests/t1500-concurrency-faults.sh 'touch "$T_TMP/killed"
' 'touch "$T_TMP/killed"
sleep 1
rm -f "$T_TMP/hold"
' &&
		shell_test t1500-concurrency-faults.sh ;;
	first-page-only)
		subst tests/lib.sh '		[ -n "$_cur" ] || break' '		break' &&
		shell_test t2500-operations.sh ;;
	ui-spelling-unlimited)
		# The admin UI's location, where /API/v1/register lands, limits
		# nothing.
		subst nginx/wgconfsrv.conf '		limit_req zone=wgconfsrv_admin_user burst=200 nodelay;
		auth_basic "wgconfsrv admin";
		auth_basic_user_file /etc/nginx/wgconfsrv.htpasswd;
		# www/*.gz' '		limit_req zone=wgconfsrv_admin_user burst=200 nodelay;
		limit_req_dry_run on;
		auth_basic "wgconfsrv admin";
		auth_basic_user_file /etc/nginx/wgconfsrv.htpasswd;
		# www/*.gz' &&
		shell_test t2050-hostile-paths.sh ;;
	stdin-end-unread)
		# The responder answers without reading stdin to its end record
		# (issue 21): a late end record broke the next request on the
		# kept connection.
		subst cgi/main.c '	conn_drain(c);
' '' &&
		shell_test t2070-fastcgi-stdin-end.sh ;;
	answers-unbuffered)
		# nginx passes a large answer on at the client's pace again: a
		# zero-window client holds the responder writing it.
		subst nginx/wgconfsrv.conf 'fastcgi_max_temp_file_size 256m;' \
		    'fastcgi_max_temp_file_size 0;' &&
		shell_test t2071-slow-clients.sh ;;
	admin-guessing-per-address)
		# Password guessing bounded per address only, as before issue 21.
		subst nginx/wgconfsrv.conf '	location ^~ /api/v1/admin {
		limit_req zone=wgconfsrv_admin burst=100 nodelay;
		limit_req zone=wgconfsrv_admin_user burst=200 nodelay;
' '	location ^~ /api/v1/admin {
		limit_req zone=wgconfsrv_admin burst=100 nodelay;
' &&
		shell_test t2073-key-admin-limits.sh ;;
	audit-search-case)
		# ?q= of the audit log matching case as typed (issue 20).
		subst lib/store/audit.c "coalesce(detail, '')), lower(?3)) > 0" "coalesce(detail, '')), ?3) > 0" &&
		subst lib/store/audit.c "OR target IN (SELECT id FROM peers WHERE instr(lower(name), lower(?3)) > 0))" \
		    "OR target IN (SELECT id FROM peers WHERE instr(name, ?3) > 0))" &&
		unit check_api ;;
	unconfirmed-called-unsaved)
		# A save that landed after a timeout reported as not saved.
		subst www/dialog.js '  if (landed(now)) {' '  if (false) {' &&
		shell_test t4600-browser-outcomes.sh ;;
	gateway-timeout-as-502)
		# nginx's 504 with the 502 body ("not running"), as before issue 20.
		subst nginx/wgconfsrv.conf '		error_page 504 @wgconfsrv_504;' '		error_page 504 @wgconfsrv_502;' &&
		shell_test t4630-gzip-pin-network.sh ;;
	never-badge-faint)
		# The "never" link colour at 3.0:1, as it was.
		subst www/style.css '--never: #656d76;' '--never: #8c959f;' &&
		shell_test t4620-browser-a11y.sh ;;
	bulk-bar-scrolls)
		# The bulk bar scrolls away with the list again.
		subst www/style.css '.bulk { position: sticky; top: 0;' '.bulk { position: static; top: 0;' &&
		shell_test t4640-browser-phone-tasks.sh ;;
	graph-labels-stacked)
		# Labels at their nodes' height, not pushed apart.
		subst www/graph.js '    it.y = Math.max(it.want, y);' '    it.y = it.want;' &&
		shell_test t4610-browser-graph.sh ;;
	sort-seen-ignored)
		# "seen" was no key of SORTS: sorting by last seen sorted waiting first.
		subst www/peers.js '    sort: Object.hasOwn(SORTS, v.sort ?? "") ? v.sort : "state",' '    sort: SORTS[v.sort] ? v.sort : "state",' &&
		shell_test t4650-browser-pause.sh ;;
	expiry-conflict-overwritten)
		# Someone else's expiry, changed meanwhile, put over without a word.
		subst www/pause.js '  if ((now.expires_at ?? null) !== (seen.expires_at ?? null)) {' '  if (false) {' &&
		shell_test t4650-browser-pause.sh ;;
	push-peer-untold)
		# One of the peers a write moved is not told.
		subst lib/api/api.c '	for (size_t i = 0; i < res->revised.n; i++)
		push_note_peer' \
		    '	for (size_t i = 1; i < res->revised.n; i++)
		push_note_peer' &&
		unit check_push ;;
	push-other-channel)
		# A peer's token lets it watch any peer's channel.
		subst lib/api/api_peer.c '	if (strcmp(want, req->peer_id) != 0)' '	if (0)' &&
		shell_test t1700-push-watch.sh ;;
	push-never-published)
		subst cgi/publish.c '	if (!push_enabled() || (note->n == 0' '	if (1 || !push_enabled() || (note->n == 0' &&
		shell_test t1700-push-watch.sh ;;
	push-failures-uncounted)
		subst cgi/publish.c '	push_count((uint64_t)ok, (uint64_t)(n - ok));' '	push_count((uint64_t)ok, 0);' &&
		shell_test t1710-push-faults.sh ;;
	push-no-reconnect-check)
		# A host that reconnects waits for the next message (or its
		# periodic check) instead of checking at once.
		subst client/watch.c '		if ((w->up && !checked) || w->changed ||' '		if (w->changed ||' &&
		shell_test t1710-push-faults.sh ;;
	push-offline-no-recheck)
		# Only the first connect checks: a host back from an outage
		# waits for a message that is no longer there.
		subst client/watch.c '	int checked = 0, r;' '	static int checked; int r;' &&
		shell_test t1740-push-offline.sh ;;
	push-204-not-seen)
		subst client/watch.c '		if (status == 204 || status == 404 || status == 405) {' \
		    '		if (status == 404 || status == 405) {' &&
		shell_test t1730-push-fallback.sh ;;
	push-subscriptions-unbounded)
		subst nginx/wgconfsrv.conf '		limit_req zone=wgconfsrv_peer burst=200 delay=50;
		limit_conn wgconfsrv_watch 256;' '		limit_req zone=wgconfsrv_peer burst=200 delay=50;
		limit_conn wgconfsrv_watch 1000;' &&
		shell_test t1700-push-watch.sh ;;
	push-page-not-live)
		# The admin page hears of a change and does not reload.
		subst www/app.js '      if (what.has("peers") || what.has("pending")) {' \
		    '      if (0) {' &&
		shell_test t1720-push-admin-page.sh ;;
	*)
		echo "no such break: $1" >&2
		return 1 ;;
	esac
}

# The files a break may touch, to put back after it.
SAVED="lib/store/addresses.c lib/store/invites.c lib/store/peers.c lib/common/text.c lib/api/api.c
www/style.css tests/lib.sh cgi/main.c lib/store/audit.c www/dialog.js www/graph.js
tests/t1500-concurrency-faults.sh tests/t4110-ui-checks.sh nginx/wgconfsrv.conf
lib/api/api_peer.c cgi/publish.c client/watch.c www/app.js"
mkdir -p "$S.orig"
for f in $SAVED; do
	mkdir -p "$S.orig/$(dirname "$f")"
	cp -p "$S/$f" "$S.orig/$f"
done
restore() {
	for f in $SAVED; do
		cmp -s "$S.orig/$f" "$S/$f" || { cp "$S.orig/$f" "$S/$f"; touch "$S/$f"; }
	done
}

caught=0 missed=0 broken=0 bad=""
for m in $sel; do
	t0=$(date +%s)
	log=$LOG/$m.log
	if ! cmds=$(mutant "$m" 2>"$log"); then
		broken=$((broken + 1)) bad="$bad $m"
		printf 'BROKEN  %-30s does not apply: %s\n' "$m" "$(tail -n 1 "$log")"
		restore
		continue
	fi
	build=${cmds%%|*} test=${cmds#*|}
	if [ -n "$build" ] && ! (cd "$S" && sh -c "$build") >>"$log" 2>&1; then
		broken=$((broken + 1)) bad="$bad $m"
		printf 'BROKEN  %-30s does not build (%s)\n' "$m" "$log"
	elif (cd "$S" && sh -c "$test") >>"$log" 2>&1; then
		missed=$((missed + 1)) bad="$bad $m"
		printf 'MISSED  %-30s %s passed on the broken tree (%ss)\n' "$m" "$test" "$(($(date +%s) - t0))"
	else
		caught=$((caught + 1))
		printf 'caught  %-30s by %s (%ss)\n' "$m" "$test" "$(($(date +%s) - t0))"
	fi
	restore
done
echo "mutants: $caught caught, $missed missed, $broken broken; logs in tests/out/mutants/"
[ -z "$bad" ] || { echo "not caught:$bad"; exit 1; }
