#!/usr/bin/env bash
# The fast tier's reads with idle guests: GUESTS guests of 512 MB that touched all their
# memory at their start (TOUCH=M for less: they keep memory untouched), two or more on each
# node of the simulated EPYC (8 nodes of 128 GB), for DURATION simulated seconds at SPEED x.
# Prints numad's reads of memory.numa_stat and of node meminfo per simulated second (from
# the simulator's summary), its fast ticks, and its CPU apart from the simulator's.
#   tests/bench/quiet.sh [GUESTS] [DURATION]
# NUMAD names the binary (default ./build/daemon/numad). A numad whose summary gives no read
# counts reads every guest at every tick: its reads are given as guests x fast ticks.
set -euo pipefail
cd "$(dirname "$0")/../.."
guests=${1:-1000}
duration=${2:-120}
speed=${SPEED:-2}
touch=${TOUCH:+ touch=$TOUCH}
bin=${NUMAD:-./build/daemon/numad}
work=$(mktemp -d /tmp/numad-quiet.XXXXXX)
trap 'rm -rf "$work"' EXIT
for ((i = 0; i < guests; i++)); do
	echo "0 start q$i vcpus=1 mem=512M$touch mode=restrictive nodes=$((i % 8))"
done > "$work/s.scn"
echo "$duration end" >> "$work/s.scn"
"$bin" --simulate tests/topologies/epyc-2s-nps4.txt --scenario "$work/s.scn" --speed "$speed" --config "" \
	--log "" --socket "" --pidfile "" -F -l 3 > "$work/out" 2>/dev/null
ticks=$(sed -n 's/.*numad ran \([0-9]*\) fast ticks.*/\1/p' "$work/out")
loop=$(sed -n 's/^CPU: numad [0-9.]* s (its event loop \([0-9.]*\) s.*/\1/p' "$work/out")
reads=$(sed -n 's/^fast tier reads: \([0-9]*\) of memory.numa_stat.*/\1/p' "$work/out")
meminfo=$(sed -n 's/^fast tier reads: .*, \([0-9]*\) of node meminfo (\([0-9]*\) files opened).*/\1 \2/p' "$work/out")
counted="counted"
if [ -z "$reads" ]; then
	reads=$((guests * ticks))
	meminfo="$((8 * ticks)) $((8 * ticks))"
	counted="guests x ticks"
fi
echo "# Fast tier, $guests idle guests of 512 MB${TOUCH:+ ($TOUCH touched)} on the simulated EPYC, $duration s at ${speed}x ($(date -u +%F), $(nproc) CPUs)"
echo
echo "| binary | fast ticks | memory.numa_stat reads a second | node meminfo reads, opens | numad's event loop CPU | CPU per fast tick |"
echo "| --- | --- | --- | --- | --- | --- |"
set -- $meminfo
awk -v b="$bin" -v t="$ticks" -v r="$reads" -v c="$counted" -v d="$duration" -v m="$1" -v o="$2" -v l="$loop" 'BEGIN {
	printf "| %s | %d | %.0f (%s) | %d, %d | %.2f s | %.2f ms |\n", b, t, r / d, c, m, o, l, 1000 * l / t }'
