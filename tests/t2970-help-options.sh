#!/bin/sh
# SPDX-License-Identifier: MIT
# t2970-help-options: every `wgconf CMD --help` and `wgconf admin SUB
# --help` names exactly the long options its parser accepts. Each option
# any help, the man page wgconf(1) or the client's option tables know is
# tried on each command: one the help names must be taken (not "unknown
# option", not "does not apply"), one it does not name must be refused.
# Then every option wgconf(1) names is one some command takes, and every
# option a help names is in wgconf(1); so are those README.md and
# docs/*.md name. Nothing
# here reaches a server: the state folder is empty and no --server is
# given. (Layer: no browser, the number is only free here.)
. "$(dirname "$0")/lib.sh"
[ -x "$WGCONF" ] || die "$WGCONF is not built (make)"

MAN=$T_ROOT/docs/wgconf.1
mkdir -p "$T_TMP/home" "$T_TMP/none/state"
cd "$T_TMP" || die "no temp folder"

# The long options named in TEXT on stdin, one a line.
long_opts() {
	grep -oE -- '--[a-z][a-z0-9-]*[a-z0-9]' | sed 's/^--//' | sort -u
}

# Every long option anybody knows: helps, man page, option tables.
{
	"$WGCONF" --help
	for c in $("$WGCONF" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z-]*\).*/\1/p'); do
		"$WGCONF" "$c" --help
	done
	for s in $("$WGCONF" admin --help | sed -n 's/^  \([a-z-]*\) .*/\1/p'); do
		"$WGCONF" admin "$s" --help
	done
	sed 's/\\-/-/g' "$MAN"
	sed -n 's/.*{ "\([a-z-]*\)", \(no\|required\)_argument.*/--\1/p' \
	    "$T_ROOT"/client/*.c
} 2>/dev/null | long_opts | grep -vx help >all-opts
[ "$(wc -l <all-opts)" -gt 40 ] || die "too few options found: $(cat all-opts)"

# taken HELP CMD... OPT: 0 when the parser of CMD takes --OPT (with a
# value or without). With HELP=1 --help follows it, so nothing runs (a
# command's options are all read before its --help is acted on); admin
# subcommands check what applies after that, so they go without, and stop
# at a missing argument or at the missing server.
taken() {
	_help=$1
	shift
	_o=$(eval "printf '%s' \"\${$#}\"")
	_n=$(($# - 1))
	# shellcheck disable=SC2046
	set -- $(printf '%s\n' "$@" | head -n "$_n")
	for _form in "--$_o=1" "--$_o"; do
		if [ "$_help" = 1 ]; then
			wgc none "$@" "$_form" --help
		else
			wgc none "$@" "$_form"
		fi
		# (a wgconf that did not run says nothing of its options)
		[ "$RC" -lt 126 ] || die "wgconf $* $_form did not run (exit $RC): $ERR"
		case $ERR in
		# (--OPT alone "needs a value": --OPT=1 was refused above)
		*"unknown option"* | *"does not apply"* | *"needs a value"*) continue ;;
		esac
		return 0
	done
	return 1
}

# check HELP CMD...: the options the help of CMD names (in its Usage
# lines, or opening a line of its option list) are the ones it takes.
check() {
	_help=$1
	shift
	wgc none "$@" --help
	[ "$RC" = 0 ] || { fail "wgconf $* --help: exit $RC"; return; }
	expect_in "$OUT" "^Usage: wgconf $*( |$)" "wgconf $* --help starts with its usage"
	printf '%s\n' "$OUT" | sed -n '/^Usage:/,/^$/p; /^  --/s/^  \(--[a-z0-9-]*\).*/\1/p' |
	    long_opts | grep -vx help >named
	_bad=""
	while read -r o; do
		if grep -qx -- "$o" named; then
			taken "$_help" "$@" "$o" || _bad="$_bad named-but-refused:--$o"
		elif ! grep -q -- "^$o" named; then
			# (not a prefix of a named one: getopt takes those as it)
			! taken "$_help" "$@" "$o" || _bad="$_bad taken-but-not-named:--$o"
		fi
	done <all-opts
	if [ -z "$_bad" ]; then
		ok "wgconf $* --help names exactly the options it takes"
	else
		fail "wgconf $* --help:$_bad"
	fi
}

COMMANDS=$("$WGCONF" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z-]*\).*/\1/p')
SUBS=$("$WGCONF" admin --help | sed -n '/^Subcommands:/,/^$/s/^  \([a-z-]*\).*/\1/p')
[ -n "$COMMANDS" ] && [ -n "$SUBS" ] || die "no commands in the helps"
for c in $COMMANDS; do
	[ "$c" = admin ] || check 1 "$c"
done
for s in $SUBS; do
	check 0 admin "$s"
done

# Every option the man page names is one some command takes (but
# systemctl's --now).
sed 's/\\-/-/g' "$MAN" | long_opts | grep -vx -e help -e now >man-opts
for c in $COMMANDS; do
	[ "$c" = admin ] || { wgc none "$c" --help; printf '%s\n' "$OUT"; }
done >helps
for s in $SUBS; do
	wgc none admin "$s" --help
	printf '%s\n' "$OUT"
done >>helps
long_opts <helps >help-opts
MISSING=$(grep -vxF -f help-opts man-opts | tr '\n' ' ')
expect_eq "$MISSING" "" "every option wgconf(1) names is in some --help"
MISSING=$(grep -vx help help-opts | grep -vxF -f man-opts | tr '\n' ' ')
expect_eq "$MISSING" "" "every option a --help names is in wgconf(1)"

# The options README.md and docs/*.md name for wgconf are ones a --help
# names (the others named there are systemd's and certbot's).
for f in README.md docs/operations.md docs/trust.md docs/design.md; do
	MISSING=$(long_opts <"$T_ROOT/$f" | grep -vx -e help -e now -e create -e failed -e reuse-key |
	    grep -vxF -f help-opts | tr '\n' ' ')
	expect_eq "$MISSING" "" "every wgconf option $f names is in some --help"
done
