#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs the Debian packages that building, `make run` and every test layer
# need. As root it installs only what is missing (and runs apt-get update only
# then, so a machine that has everything stays offline-friendly and fast); as
# anyone else it prints the exact command to run and fails.
set -eu

PKGS="
libfcgi-dev libfcgi-bin libjson-c-dev libsqlite3-dev libsodium-dev libcurl4-openssl-dev
check pkg-config make gcc
nginx libnginx-mod-nchan spawn-fcgi apache2-utils openssl curl ca-certificates jq sqlite3 lighttpd
python3-prometheus-client
lighttpd-mod-openssl multiwatch systemd
wireguard-go wireguard-tools iproute2 nftables iptables iputils-ping procps
valgrind clang libclang-rt-14-dev
wrk gnuplot-nox strace linux-perf time
chromium nodejs npm
node-tweetnacl node-qrcode-generator zbar-tools
"

missing=""
for p in $PKGS; do
	# Node may come from elsewhere than Debian (its own nodejs ships npm and
	# conflicts with Debian's npm): the commands are what the tests need.
	case $p in
	nodejs) command -v node >/dev/null 2>&1 && continue ;;
	npm) command -v npm >/dev/null 2>&1 && continue ;;
	esac
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = "installed" ] || missing="$missing $p"
done

if [ -z "$missing" ]; then
	exit 0
fi

cmd="DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing Debian packages:$missing" >&2
	echo "deps: as root, run:" >&2
	echo "  apt-get update && $cmd" >&2
	exit 1
fi

echo "deps: installing:$missing"
apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
