#!/usr/bin/env bash
# Writes a multi-socket host layout as `numactl -H` text on standard output.
#   tests/topologies/mktopo.sh SOCKETS NODES_PER_SOCKET CPUS_PER_NODE MB_PER_NODE [FREE_MB]
# FREE_MB is each node's free memory (default: MB_PER_NODE less 2%, as a booted host's).
# CPUs are numbered node by node, with no SMT siblings.
# The SLIT is a real multi-socket host's shape: 10 local; within a socket 12 between the two
# nodes of a pair (nodes 2k and 2k+1), 14 within a group of four, 16 within one of eight,
# and so on (10 + 2 x the bit length of a XOR b); across sockets, the sockets sit on a ring
# and a hop costs 4 more: 20 to a neighbouring socket, 24 two hops away, up to 32 at four
# hops (8 sockets).
# The committed 16- and 64-node layouts are:
#   tests/topologies/mktopo.sh 4 4 16 65536 > tests/topologies/4s-16node.txt
#   tests/topologies/mktopo.sh 8 8 4 32768 > tests/topologies/8s-64node.txt
set -euo pipefail
if [ $# -lt 4 ] || [ $# -gt 5 ]; then
	echo "usage: $0 SOCKETS NODES_PER_SOCKET CPUS_PER_NODE MB_PER_NODE [FREE_MB]" >&2
	exit 2
fi
for v in "$@"; do
	case $v in '' | *[!0-9]*) echo "$0: $v is not a positive whole number" >&2; exit 2 ;; esac
	if [ "$v" -lt 1 ]; then echo "$0: $v is not a positive whole number" >&2; exit 2; fi
done
awk -v S="$1" -v P="$2" -v C="$3" -v M="$4" -v F="${5:-}" 'BEGIN {
	n = S * P
	if (n > 1024) { print "mktopo.sh: more than 1024 nodes" > "/dev/stderr"; exit 2 }
	free = F != "" ? F : int(M * 0.98)
	if (free > M) { print "mktopo.sh: FREE_MB is over MB_PER_NODE" > "/dev/stderr"; exit 2 }
	printf "available: %d nodes (0-%d)\n", n, n - 1
	for (i = 0; i < n; i++) {
		line = "node " i " cpus:"
		for (c = 0; c < C; c++)
			line = line " " (i * C + c)
		print line
		printf "node %d size: %d MB\n", i, M
		printf "node %d free: %d MB\n", i, free
	}
	print "node distances:"
	line = "node "
	for (j = 0; j < n; j++)
		line = line sprintf(" %3d", j)
	print line
	for (i = 0; i < n; i++) {
		line = sprintf("%3d:", i)
		for (j = 0; j < n; j++)
			line = line sprintf(" %3d", dist(i, j))
		print line
	}
}
function xor(a, b,   r, bit) {
	r = 0
	for (bit = 1; a > 0 || b > 0; bit *= 2) {
		if ((a % 2) != (b % 2))
			r += bit
		a = int(a / 2)
		b = int(b / 2)
	}
	return r
}
function bitlen(x,   l) {
	for (l = 0; x > 0; l++)
		x = int(x / 2)
	return l
}
function dist(i, j,   si, sj, h) {
	if (i == j)
		return 10
	si = int(i / P)
	sj = int(j / P)
	if (si == sj)
		return 10 + 2 * bitlen(xor(i % P, j % P))
	h = si > sj ? si - sj : sj - si
	if (S - h < h)
		h = S - h
	return 20 + 4 * (h - 1)
}'
