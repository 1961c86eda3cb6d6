#!/bin/sh
# SPDX-License-Identifier: MIT
#
# make bench, the push part: BENCH_PUSH_HOSTS simulated watching hosts
# (bench/pushbench: one process, one TLS subscription and one source
# address per host) against the real stack with nginx's Nchan module, a
# mesh seeded by bench/seed (a hub paired with all, a ring of 20 each).
# Measures nginx's memory per subscriber and the idle CPU, the propagation
# of a change every host sees (the MTU) and of a change to one host, and
# how fast the hosts are back after `nginx -s reload`; then, idle, a
# larger number of unpaired hosts (memory, CPU, reconnects); writes the
# "Push" section of docs/benchmarks.md. Fails nothing.
#
#   sh bench/push.sh     BENCH_PUSH_HOSTS=1000 BENCH_PUSH_TRIALS=20
#                        BENCH_PUSH_IDLE_HOSTS=10000 ("": no idle pass)
#                        BENCH_PUSH_OUT=docs/benchmarks.md BENCH_PUSH_NOTE=...
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${BENCH_PUSH_HOSTS:-1000}
BIG=${BENCH_PUSH_IDLE_HOSTS-10000}
TRIALS=${BENCH_PUSH_TRIALS:-20}
OUT=${BENCH_PUSH_OUT-$ROOT/docs/benchmarks.md}
NOTE=${BENCH_PUSH_NOTE:-}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/wgconfsrv-bench-push.XXXXXX")
RUN=$TMP/run

cleanup() {
	WGCONFSRV_RUN_DIR=$RUN sh "$ROOT/nginx/local.sh" stop >/dev/null 2>&1 || true
	[ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

if [ ! -r /usr/lib/nginx/modules/ngx_nchan_module.so ]; then
	echo "bench: nginx's Nchan module is missing (libnginx-mod-nchan), no push figures" >&2
	exit 0
fi
for b in bench/seed bench/pushbench cgi/wgconfsrv; do
	[ -x "$ROOT/$b" ] || { echo "bench: $b is not built (make bench)" >&2; exit 1; }
done

. "$ROOT/tests/port.sh"

# bench_run SEEDMODE HOSTS TRIALS OUT: seeds a stack in $RUN (bench/seed
# SEEDMODE), runs pushbench against it into OUT, stops it.
bench_run() {
	WGCONFSRV_RUN_DIR=$RUN sh "$ROOT/nginx/local.sh" stop >/dev/null 2>&1 || true
	rm -rf "$RUN"
	mkdir -p "$RUN"
	echo "bench: push: seeding $2 hosts ($1)"
	"$ROOT/bench/seed" "$1" "$RUN/wgconfsrv.db" "$2" "$TMP" >"$TMP/seed.log" ||
		{ cat "$TMP/seed.log"; exit 1; }
	PORT=$(free_port)
	WGCONFSRV_RUN_DIR=$RUN WGCONFSRV_LISTEN=127.0.0.1:$PORT WGCONFSRV_RESPONDERS=2 \
	WGCONFSRV_REGISTER_RATE=6000000r/m WGCONFSRV_PEER_RATE=6000000r/m \
	WGCONFSRV_ADMIN_RATE=6000000r/m \
		sh "$ROOT/nginx/local.sh" start >"$TMP/start.log" 2>&1 ||
		{ cat "$TMP/start.log"; echo "bench: the stack did not start" >&2; exit 1; }
	echo "bench: push: $2 watching hosts, $3 single-host changes"
	# A restart: nginx stopped (its subscribers dropped), a second, started.
	BENCH_PUSH_RESTART="kill -TERM \$(cat '$RUN/nginx.pid'); while [ -s '$RUN/nginx.pid' ]; do sleep 0.05; done; sleep 1; nginx -e '$RUN/logs/error.log' -p '$RUN' -c '$RUN/nginx.conf'"
	export BENCH_PUSH_RESTART
	"$ROOT/bench/pushbench" "https://127.0.0.1:$PORT" "$RUN/cert.pem" "$TMP/tokens" "$2" \
		"$RUN/admin-password" "$3" "$(cat "$RUN/nginx.pid")" \
		"$(tr '\n' ' ' <"$RUN/responders.pid")" | tee "$4"
	WGCONFSRV_RUN_DIR=$RUN sh "$ROOT/nginx/local.sh" stop >/dev/null 2>&1 || true
}

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
load0=$(cut -d' ' -f1 /proc/loadavg)
bench_run mesh "$N" "$TRIALS" "$TMP/push.out"
load1=$(cut -d' ' -f1 /proc/loadavg)

# Idle at scale: BIG unpaired hosts held open (no config changes), their
# memory, idle CPU and reconnects.
: >"$TMP/big.out"
if [ -n "$BIG" ]; then
	BENCH_PUSH_IDLE_ONLY=1 bench_run hosts "$BIG" 0 "$TMP/big.out"
fi

# With real tunnels: tests/t3400-push-tunnel.sh (root: network namespaces,
# wireguard-go) says how long the first ping over a new pairing took.
tunnel_ms=""
if [ "$(id -u)" -eq 0 ] && command -v wireguard-go >/dev/null 2>&1; then
	echo "bench: push: the first ping over a pushed pairing (tests/t3400-push-tunnel.sh)"
	sh "$ROOT/tests/t3400-push-tunnel.sh" >"$TMP/t3400.out" 2>"$TMP/t3400.err" || true
	tunnel_ms=$(sed -n 's/^t3400: first ping after pairing: \([0-9]*\) ms$/\1/p' "$TMP/t3400.err")
fi
echo "tunnel_first_ping_ms=$tunnel_ms" >>"$TMP/push.out"

v() { sed -n "s/^$1=//p" "$TMP/push.out" | head -n 1; }
b() { sed -n "s/^$1=//p" "$TMP/big.out" | head -n 1; }
ms() { [ -n "$(v "$1")" ] && echo "$(v "$1") ms" || echo "-"; }
# verdict VALUE LIMIT: "met" when VALUE < LIMIT, "missed" otherwise, "-" without one.
verdict() { awk -v x="$1" -v l="$2" 'BEGIN { if (x == "") print "-"; else if (x + 0 < l + 0) print "met"; else print "missed" }'; }
kib=$(awk -v b="$(v idle_bytes_per_subscriber)" 'BEGIN { if (b == "") print "-"; else printf "%.1f KiB", b / 1024 }')
section=$TMP/section.md
{
	echo "## Push"
	echo
	echo "\`sh bench/push.sh\` ($(date -u +%Y-%m-%d), $(nproc) cores, nginx $(nginx -v 2>&1 | sed 's|.*/||'), Nchan from libnginx-mod-nchan): $(v hosts) simulated watching hosts (bench/pushbench: one process, each host its own TLS connection and source address), 2 responders, a mesh from bench/seed (a hub paired with every host, a ring of 20 partners each). A host fetches its config on each message, with its ETag, $(if [ "$(v h2)" = 1 ]; then echo "as an HTTP/2 stream on its subscription's connection, as \`wgconf sync --watch\` does"; else echo "on a new HTTP/1.1 TLS connection each time (BENCH_PUSH_H2=0: what a fetch costs without the subscription's connection)"; fi). The load average was $load0 when the hosts subscribed and $load1 at the end.${NOTE:+ $NOTE}"
	echo
	echo "| what | measured | target |"
	echo "| --- | --- | --- |"
	echo "| hosts subscribed | $(v subscribed) of $(v hosts) in $(v subscribe_s) s ($(v subscribe_refused) refused) | all |"
	echo "| a change every host sees (MTU): admin's 200 to each host's fetched config, p50 | $(ms all_p50_ms) ($(v all_done) of $(v all_want) fetched) | |"
	echo "| the same, p99 / max | $(ms all_p99_ms) / $(ms all_max_ms) | p99 < 1 s: $(verdict "$(v all_p99_ms)" 1000) |"
	echo "| the message alone (admin's 200 to each host's event, before its fetch), p50 / p99 | $(ms all_heard_p50_ms) / $(ms all_heard_p99_ms) | |"
	echo "| real tunnels (two hosts in network namespaces running \`wgconf sync --watch --apply\`, tests/t3400): the admin's pairing request to the first ping over the new tunnel | $(ms tunnel_first_ping_ms) | < 3 s: $(verdict "$tunnel_ms" 3000) (the test asserts < 10 s) |"
	echo "| a change to one host (its ~21 partners see it too), p50 over $(v one_want) | $(ms one_p50_ms) | |"
	echo "| the same, p99 / max | $(ms one_p99_ms) / $(ms one_max_ms) | p99 < 200 ms: $(verdict "$(v one_p99_ms)" 200) |"
	echo "| … of which its message (admin's 200 to the host's event), p50 / p99 | $(ms one_heard_p50_ms) / $(ms one_heard_p99_ms) | |"
	echo "| nginx memory per idle subscriber (Pss of all nginx processes, shared memory included) | $kib | <= 16 KiB: $(verdict "$(v idle_bytes_per_subscriber)" 16385) |"
	echo "| responders' CPU while nothing changes | $(v idle_responder_cpu_ms_per_10s) ms per 10 s | ~0 |"
	echo "| nginx's CPU while nothing changes | $(v idle_nginx_cpu_ms_per_10s) ms per 10 s | |"
	echo "| \`nginx -s reload\` (Nchan ends every subscription): first dropped, last subscribed again, after | $(v reload_first_drop_s) s, $(v reload_all_back_s) s ($(v reload_reconnected) reconnected, $(v reload_back) up at the end, $(v reload_refused) attempts refused) | no failed request |"
	echo "| nginx stopped, started again a second later: the last host subscribed again after | $(v restart_all_back_s) s ($(v restart_reconnected) reconnected, $(v restart_back) up at the end, $(v restart_refused) attempts failed while it was down) | no failed request once it is up |"
	if [ -s "$TMP/big.out" ]; then
		echo "| idle at scale: $(b hosts) unpaired hosts subscribed | $(b subscribed) in $(b subscribe_s) s ($(b subscribe_refused) refused) | |"
		echo "| nginx memory per idle subscriber among $(b hosts) | $(awk -v x="$(b idle_bytes_per_subscriber)" 'BEGIN { if (x == "") print "-"; else printf "%.1f KiB", x / 1024 }') | <= 16 KiB: $(verdict "$(b idle_bytes_per_subscriber)" 16385) |"
		echo "| responders' / nginx's CPU while $(b hosts) hosts wait | $(b idle_responder_cpu_ms_per_10s) / $(b idle_nginx_cpu_ms_per_10s) ms per 10 s | ~0 |"
		echo "| \`nginx -s reload\` with $(b hosts): first dropped, last subscribed again | $(b reload_first_drop_s) s, $(b reload_all_back_s) s ($(b reload_reconnected) reconnected, $(b reload_refused) attempts refused) | no failed request |"
		echo "| nginx restarted with $(b hosts): last subscribed again | $(b restart_all_back_s) s ($(b restart_reconnected) reconnected, $(b restart_refused) attempts failed while it was down) | |"
	fi
	echo
	echo "Reading it: a message reaches every subscriber in one fan-out by nginx (the \"message alone\" row); what follows is each host's fetch, a FastCGI request that builds its new config, so a mesh-wide change costs what N config fetches cost (see the figures above for config 200 at each size). For a change to one host, compare its two rows: the message and the fetch it starts; where the rest of the time goes, and the memory, is in the next section (measured by hand). Idle, nothing runs: the responders are not involved until a message."
	echo
} >"$section"
cat "$section"
if [ -n "$OUT" ]; then
	awk -v sec="$section" '
		/^## Push$/ { skip = 1; while ((getline l < sec) > 0) print l; done = 1; next }
		skip && /^## / { skip = 0 }
		!skip { print }
		END { if (!done) { print ""; while ((getline l < sec) > 0) print l } }
	' "$OUT" >"$TMP/out.md" && cat "$TMP/out.md" >"$OUT"
	echo "bench: push: wrote $OUT"
fi
