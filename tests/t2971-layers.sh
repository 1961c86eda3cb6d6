#!/bin/sh
# SPDX-License-Identifier: MIT
# t2971-layers: what docs/design.md (Modules) says of the layers holds.
# "An arrow only ever points down": a file of lib/common, lib/store,
# lib/views or lib/api includes headers of its own layer and the layers
# below only; and the client links no SQLite (`ldd client/wgconf`). No
# server is started. (Layer: no browser, the number is only free here.)
. "$(dirname "$0")/lib.sh"
[ -x "$WGCONF" ] || die "$WGCONF is not built (make)"
need ldd

LAYERS="common store views api"

# layer_of HEADER: the layer whose folder holds HEADER, or nothing.
layer_of() {
	for _l in $LAYERS; do
		[ -f "$T_ROOT/lib/$_l/$1" ] && { echo "$_l"; return; }
	done
}

# rank LAYER: its place from the bottom, 1 for common.
rank() {
	_i=1
	for _l in $LAYERS; do
		[ "$_l" = "$1" ] && { echo $_i; return; }
		_i=$((_i + 1))
	done
}

UP=""
for l in $LAYERS; do
	for f in "$T_ROOT"/lib/$l/*.c "$T_ROOT"/lib/$l/*.h; do
		for h in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f"); do
			o=$(layer_of "$h")
			[ -n "$o" ] || continue
			[ "$(rank "$o")" -le "$(rank "$l")" ] ||
			    UP="$UP lib/$l/$(basename "$f")->lib/$o/$h"
		done
	done
done
expect_eq "$UP" "" "no file of lib/ includes a header of a layer above its own"

expect_eq "$(ldd "$WGCONF" | grep -c sqlite)" 0 "the client links no SQLite (ldd client/wgconf)"
