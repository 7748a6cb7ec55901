#!/usr/bin/env bash
# Idle footprint: numad on a simulated DL980 with GUESTS idle restrictive guests for DURATION
# simulated seconds (one hour by default, at SPEED x). numad's CPU is the process's CPU minus
# what the simulator spends on itself; it is also given per fast tick, and scaled to the 14,400
# fast ticks and 240+ full scans of a real hour. Also reports numad's peak RSS.
#   tests/bench/idle.sh [GUESTS] [DURATION]
# NUMAD names the binary (default ./build/daemon/numad).
set -euo pipefail
cd "$(dirname "$0")/../.."
guests=${1:-64}
duration=${2:-3600}
speed=${SPEED:-60}
bin=${NUMAD:-./build/daemon/numad}
work=$(mktemp -d /tmp/numad-idle.XXXXXX)
trap 'rm -rf "$work"' EXIT
for ((i = 0; i < guests; i++)); do
	echo "0 start g$i vcpus=2 mem=1G touch=768M mode=restrictive nodes=$((i % 8))"
done > "$work/s.scn"
echo "$duration end" >> "$work/s.scn"
/usr/bin/time -f "maxrss_kb %M" -o "$work/time" "$bin" --simulate tests/topologies/dl980-8node.txt \
	--scenario "$work/s.scn" --speed "$speed" --config "" --log "" --socket "" --pidfile "" -F -l 3 > "$work/out" 2>/dev/null
cpu=$(sed -n 's/^CPU: numad \([0-9.]*\) s.*/\1/p' "$work/out")
ticks=$(sed -n 's/.*numad ran \([0-9]*\) fast ticks.*/\1/p' "$work/out")
scans=$(sed -n 's/.* and \([0-9]*\) full scans.*/\1/p' "$work/out")
rss=$(sed -n 's/^maxrss_kb //p' "$work/time")
echo "# Idle footprint, $guests guests on the simulated DL980 ($(date -u +%F), $(nproc) CPUs)"
echo
echo "| numad CPU over $duration simulated s | fast ticks | full scans | CPU per fast tick | CPU per real hour (14,400 ticks) | peak RSS (process, simulator included) |"
echo "| --- | --- | --- | --- | --- | --- |"
awk -v c="$cpu" -v t="$ticks" -v s="$scans" -v r="$rss" 'BEGIN {
	printf "| %.2f s | %d | %d | %.3f ms | %.1f s | %.1f MB |\n", c, t, s, 1000 * c / t, 14400 * c / t, r / 1024 }'
