# SPDX-License-Identifier: MIT
#
# Sourced by bench/run.sh once every size ran: writes the chart (gnuplot)
# and the report (markdown) from $RES and $FACTS. Hand-written notes between
# "<!-- notes -->" and "<!-- /notes -->" in the previous report are kept.

# A number with thousands separators ("12,345"); decimals kept below 100.
report_num() {
	awk -v x="$1" 'BEGIN {
		if (x == "" || x == "n/a") { print "n/a"; exit }
		if (x + 0 < 100 && x != int(x)) { printf "%.1f\n", x; exit }
		s = sprintf("%.0f", x); out = ""
		while (length(s) > 3) { out = "," substr(s, length(s) - 2) out; s = substr(s, 1, length(s) - 3) }
		print s out
	}'
}

# "0.42" and a verdict against a floor: "0.42 (target ≥ 0.50: missed)"
report_target() { # VALUE FLOOR
	awk -v v="$1" -v f="$2" 'BEGIN {
		if (v == "n/a" || v == "") { print "not measured"; exit }
		printf "%.2f (target ≥ %.2f: %s)\n", v, f, (v + 0 >= f + 0) ? "met" : "missed"
	}'
}

report_chart() {
	dat=$TMP/chart.dat
	: >"$dat"
	for n in $SIZES; do
		printf '%s' "$n" >>"$dat"
		for k in file200_hub config200_hub file200_partial config200_partial file304 \
		    config304_hub health; do
			v=$(getres "$n" "$k" 3)
			printf ' %s' "${v:-NaN}" >>"$dat"
		done
		echo >>"$dat"
	done
	mkdir -p "$(dirname "$OUT_SVG")"
	gnuplot >"$TMP/gnuplot.log" 2>&1 <<EOF || { cat "$TMP/gnuplot.log" >&2; die "gnuplot failed"; }
set terminal svg size 860,600 dynamic enhanced font "sans,12" background rgb "white"
set output "$OUT_SVG.tmp"
set title "wgconfsrv through nginx + TLS: requests/s against mesh size ($(date -u +%Y-%m-%d), $(nproc) cores)"
set logscale xy
set xlabel "peers in the mesh"
set ylabel "requests per second"
set grid
set key below maxrows 3
set xrange [*:*]
set format x "%.0f"
plot "$dat" using 1:2 with linespoints lw 2 dt 2 lc rgb "#1f77b4" title "file 200 (hub's bytes, nginx)", \
     "" using 1:3 with linespoints lw 2 lc rgb "#1f77b4" title "config 200, hub", \
     "" using 1:4 with linespoints lw 2 dt 2 lc rgb "#17becf" title "file 200 (partial peer's bytes)", \
     "" using 1:5 with linespoints lw 2 lc rgb "#17becf" title "config 200, partial peer", \
     "" using 1:6 with linespoints lw 2 dt 2 lc rgb "#d62728" title "file 304 (nginx)", \
     "" using 1:7 with linespoints lw 2 lc rgb "#d62728" title "config 304, hub", \
     "" using 1:8 with linespoints lw 2 lc rgb "#2ca02c" title "/health"
EOF
	mv "$OUT_SVG.tmp" "$OUT_SVG"
}

# One row: | what | req/s | p50 | p99 | ratio |
report_row() { # SIZE NAME LABEL [LIMIT_NAME LIMIT_LABEL]
	rps=$(getres "$1" "$2" 3)
	[ -n "$rps" ] || return 0
	r=""
	if [ -n "${4:-}" ]; then
		r="$(ratio "$rps" "$(getres "$1" "$4" 3)") of $5"
	fi
	printf '| %s | %s | %s | %s | %s |\n' "$3" "$(report_num "$rps")" \
	    "$(getres "$1" "$2" 4)" "$(getres "$1" "$2" 5)" "$r"
}

report_size() { # SIZE
	n=$1
	printf '\n### %s peers\n\n' "$(report_num "$n")"
	printf 'Hub config %s bytes (%s peers); partial peer'"'"'s config %s bytes (%s peers); ' \
	    "$(report_num "$(getfact "$n" bytes_hub)")" "$(getfact "$n" peers_hub)" \
	    "$(report_num "$(getfact "$n" bytes_partial)")" "$(getfact "$n" peers_partial)"
	printf '`/admin/peers` measured as: %s (%s bytes). Responders'"'"' peak RSS: %s KiB after the config reads, %s KiB after the admin list and the writes.\n\n' \
	    "$(getfact "$n" admin_peers_what | tr '-' ' ')" \
	    "$(report_num "$(getfact "$n" bytes_admin_peers)")" \
	    "$(report_num "$(getfact "$n" rss_config_kib)")" "$(report_num "$(getfact "$n" rss_kib)")"
	echo '| what | requests/s | p50 ms | p99 ms | ratio |'
	echo '| --- | ---: | ---: | ---: | --- |'
	report_row "$n" file200_hub "nginx: the hub's config bytes as a file, 200 (limit)"
	report_row "$n" config200_hub "GET /peer/config, hub, 200" file200_hub "the file"
	report_row "$n" file200_partial "nginx: the partial peer's bytes as a file, 200 (limit)"
	report_row "$n" config200_partial "GET /peer/config, partial peer, 200" file200_partial "the file"
	report_row "$n" file304 "nginx: its own 304 for the file (limit)"
	report_row "$n" health "GET /health (the bare FastCGI hop)" file304 "nginx's 304"
	report_row "$n" config304_hub "GET /peer/config, hub, 304" health "/health"
	report_row "$n" config304_partial "GET /peer/config, partial peer, 304" health "/health"
	report_row "$n" admin_network "GET /admin/network (bcrypt basic auth + FastCGI)" health "/health"
	report_row "$n" admin_peers "GET /admin/peers (see above)" admin_network "/admin/network"
	report_row "$n" register "POST /register (writes)"
	report_row "$n" accept "POST /admin/peers/{id}/accept (writes)"
	report_row "$n" pair "PUT /admin/pairs/{a}/{b} (writes)"
}

report_write() {
	report_chart
	notes=""
	if [ -f "$OUT_MD" ]; then
		notes=$(sed -n '/^<!-- notes -->$/,/^<!-- \/notes -->$/p' "$OUT_MD")
	fi
	[ -n "$notes" ] || notes="<!-- notes -->
<!-- /notes -->"
	cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
	last_size=""
	for n in $SIZES; do last_size=$n; done
	mkdir -p "$(dirname "$OUT_MD")"
	{
		echo "# Benchmarks"
		echo
		echo "Written by \`make bench\` (\`bench/run.sh\`); do not edit by hand except between"
		echo "the notes markers, which a re-run keeps. Issue 9 sets the targets."
		echo
		echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'), whole run ${TOTAL} s"
		echo "- machine: $(nproc) cores, ${cpu:-unknown CPU}, Linux $(uname -r)"
		echo "- load average before / after: $LOAD0 / $LOAD1"
		echo "- wrk: $THREADS threads, $CONNS connections, $SECS s a run; $RESPONDERS responders"
		echo "  (spawn-fcgi), nginx/local.sh (2 workers, TLS, HTTP/1.1 keep-alive)"
		[ -n "$NOTE" ] && echo "- note: $NOTE"
		echo
		echo "How to read it: every figure stands beside a limit measured in the same run, on"
		echo "the same nginx with the same TLS: the same bytes served by nginx from a file,"
		echo "and nginx's own 304 for that file. The ratios are what to compare between"
		echo "machines; the absolute figures depend on the machine and its load. The mesh is"
		echo "seeded by \`bench/seed\`, which runs the server's own handlers in process (real"
		echo "keys, PSKs sealed to both sides, audit rows), so the database holds exactly what"
		echo "the API writes. The hub is paired with every other peer; every other peer has its"
		echo "20 ring neighbours (fewer in small meshes) and the hub. Writes are measured"
		echo "through nginx: $WRITES registrations at most (the server caps pending peers),"
		echo "then accepting them, then up to $WRITES pairs each joining a new peer to a seeded"
		echo "one. Latencies are wrk's (p50, p99, milliseconds)."
		echo
		echo "## Against the targets"
		echo
		echo "| target | figure |"
		echo "| --- | --- |"
		for n in $SIZES; do
			case $n in
			1000) echo "| config 200 at 1,000 peers ≥ 50 % of the file | $(report_target "$(ratio "$(getres 1000 config200_hub 3)" "$(getres 1000 file200_hub 3)")" 0.5) |" ;;
			10000) echo "| config 200 at 10,000 peers ≥ 20 % of the file | $(report_target "$(ratio "$(getres 10000 config200_hub 3)" "$(getres 10000 file200_hub 3)")" 0.2) |" ;;
			esac
		done
		for n in $SIZES; do
			echo "| config 304 ≥ 80 % of /health, $(report_num "$n") peers (hub) | $(report_target "$(ratio "$(getres "$n" config304_hub 3)" "$(getres "$n" health 3)")" 0.8) |"
		done
		for n in $SIZES; do
			echo "| /health ≥ 60 % of nginx's 304, $(report_num "$n") peers run | $(report_target "$(ratio "$(getres "$n" health 3)" "$(getres "$n" file304 3)")" 0.6) |"
		done
		line="| cost per config linear in its peers: peers sent per second (hub, config 200) |"
		for n in $SIZES; do
			pps=$(awk -v r="$(getres "$n" config200_hub 3)" -v p="$(getfact "$n" peers_hub)" \
			    'BEGIN { printf "%.0f", r * p }')
			line="$line $(report_num "$n"): $(report_num "$pps");"
		done
		echo "$line flat if linear |"
		rss=$(getfact "$last_size" rss_kib)
		rssc=$(getfact "$last_size" rss_config_kib)
		echo "| each responder under 10 MiB RSS at $(report_num "$last_size") peers | $(report_num "$rssc") KiB peak after the config reads ($(awk -v r="$rssc" 'BEGIN { print (r < 10240) ? "met" : "missed" }')), $(report_num "$rss") KiB after the admin list and writes ($(awk -v r="$rss" 'BEGIN { print (r < 10240) ? "met" : "missed" }')) |"
		if [ -n "$CLIENT_SIZE" ] && [ -n "$(getfact "$CLIENT_SIZE" client_user)" ]; then
			cpu_s=$(awk -v u="$(getfact "$CLIENT_SIZE" client_user)" -v s="$(getfact "$CLIENT_SIZE" client_sys)" 'BEGIN { printf "%.2f", u + s }')
			echo "| \`wgconf sync --apply\` of $(report_num "$(getfact "$CLIENT_SIZE" client_peers)") peers under 1 s of CPU | $cpu_s s user+sys, wg and ip included ($(awk -v c="$cpu_s" 'BEGIN { print (c < 1) ? "met" : "missed" }')) |"
		elif [ -n "$CLIENT_SIZE" ]; then
			echo "| \`wgconf sync --apply\` of $CLIENT_SIZE peers under 1 s of CPU | not measured: $(getfact "$CLIENT_SIZE" client_skip) |"
		fi
		for n in $SIZES; do
			echo "| writes ≥ 2,000/s, $(report_num "$n") peers: register / accept / pair (an admin read, /admin/network: the bcrypt ceiling) | $(report_num "$(getres "$n" register 3)") / $(report_num "$(getres "$n" accept 3)") / $(report_num "$(getres "$n" pair 3)") per second ($(report_num "$(getres "$n" admin_network 3)")) |"
		done
		echo
		echo "## Requests per second against mesh size"
		echo
		echo "![requests per second against mesh size]($(basename "$OUT_SVG"))"
		echo
		echo "## Figures"
		for n in $SIZES; do
			report_size "$n"
		done
		echo
		echo "## Seeding (in process, no HTTP: bench/seed)"
		echo
		echo "The server's handlers called directly with synchronous=OFF on the seeder's own"
		echo "connection; a pair write stamps a new revision on both peers and on every peer"
		echo "paired with either, so the hub's pairs grow dearer as the hub gains peers."
		echo
		echo '| peers | registrations | accepts | partial-mesh pairs | hub pairs | whole size (s) |'
		echo '| ---: | --- | --- | --- | --- | ---: |'
		for n in $SIZES; do
			row="| $(report_num "$n") |"
			for k in registrations accepts partial-pairs hub-pairs; do
				v=$(getfact "$n" "seed_$k")
				row="$row $(echo "$v" | awk -F/ '{ printf "%s in %s s (%s/s)", $1, $2, $3 }') |"
			done
			echo "$row $(getfact "$n" size_secs) |"
		done
		if [ -n "$CLIENT_SIZE" ] && [ -n "$(getfact "$CLIENT_SIZE" client_user)" ]; then
			n=$CLIENT_SIZE
			echo
			echo "## The client at scale"
			echo
			echo "\`wgconf sync --apply\` for a host paired with $(report_num "$(getfact "$n" client_peers)")"
			echo "peers, against a wireguard-go interface in a network namespace (the stack moved"
			echo "into the namespace, same run folder); times from /usr/bin/time, so they include"
			echo "the \`wg\` and \`ip\` processes wgconf runs. The config file is"
			echo "$(report_num "$(getfact "$n" client_bytes)") bytes; routes on the interface after it: $(getfact "$n" client_routes)."
			echo
			echo '| run | user s | sys s | wall s |'
			echo '| --- | ---: | ---: | ---: |'
			echo "| first sync: render, write, wg syncconf, addresses and routes | $(getfact "$n" client_user) | $(getfact "$n" client_sys) | $(getfact "$n" client_wall) |"
			echo "| second sync, nothing changed (304) | $(getfact "$n" client2_user) | $(getfact "$n" client2_sys) | $(getfact "$n" client2_wall) |"
		fi
		if [ -n "$PROFILE_SIZE" ] && [ -f "$TMP/strace-$PROFILE_SIZE.txt" ]; then
			n=$PROFILE_SIZE
			echo
			echo "## Where the time goes: config 200 for the hub at $(report_num "$n") peers"
			echo
			echo "\`strace -c -f\` on every responder during a $SECS s wrk run of the hub's config 200"
			echo "(the traced run is slower; the counts per request are what matter):"
			echo
			echo '```'
			cat "$TMP/strace-$n.txt"
			echo '```'
			echo
			echo "\`perf record -g\` on the responders during another such run (self time):"
			echo
			echo '```'
			cat "$TMP/perf-$n.txt"
			echo '```'
			if [ -f "$TMP/callgrind-$n.txt" ]; then
				echo
				echo "\`valgrind --tool=callgrind\` on one hub config request to the responder run as"
				echo "plain CGI (inclusive instructions per function):"
				echo
				echo '```'
				cat "$TMP/callgrind-$n.txt"
				echo '```'
			fi
		fi
		echo
		echo "## Notes"
		echo
		printf '%s\n' "$notes"
	} >"$OUT_MD.tmp"
	mv "$OUT_MD.tmp" "$OUT_MD"
}
