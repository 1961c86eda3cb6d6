# SPDX-License-Identifier: MIT
# free_port, sourced by tests/lib.sh and bench/run.sh (POSIX sh).

# Prints a TCP port no socket uses, below the kernel's ephemeral range (a
# port there may be taken by any outgoing connection at any moment).
free_port() {
	_lo=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
	[ "$_lo" -gt 12000 ] 2>/dev/null || _lo=32768
	i=0
	while [ $i -lt 100 ]; do
		p=$(($(od -An -N2 -tu2 /dev/urandom) % (_lo - 11000) + 10000))
		if ! ss -Htan "sport = :$p" 2>/dev/null | grep -q .; then
			echo "$p"
			return 0
		fi
		i=$((i + 1))
	done
	return 1
}
