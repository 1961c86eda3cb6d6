#!/bin/sh
# SPDX-License-Identifier: MIT
# Keeps the storage layer the only one that talks to the database
# (docs/design.md, "Who may touch a table"): outside lib/store/, no C file
# of lib/, cgi/ or client/ includes <sqlite3.h>, lib/store/sql.h or stmt.h, calls
# sqlite3_*, or holds SQL naming a table. Lists each offending line as
# "file:line: text" and exits 1 when there is one.
# Usage: sh tests/tools/nosql.sh [FILE...]
set -eu
cd "$(dirname "$0")/../.."
[ $# -gt 0 ] || set -- $(find lib cgi client -name '*.[ch]' ! -path 'lib/store/*' | LC_ALL=C sort)
tables='network|peers|addresses|networks|pairs|invites|audit|revocations|link_reports|adoptable|peer_tags|rules|config_cache|touched'
# SQL as it is written here: a keyword in capitals, then a table.
sql="(FROM|INTO|UPDATE|JOIN|TABLE)[[:space:]]+(temp\\.)?($tables)\\b"
if grep -nE "#include[[:space:]]*[<\"](sqlite3|sql|stmt)\\.h[>\"]|\\bsqlite3_[a-z_]+|$sql" "$@"; then
	echo "nosql: SQL outside lib/store/ (above): move it into the store's file for its table" >&2
	exit 1
fi
