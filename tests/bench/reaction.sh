#!/usr/bin/env bash
# Reaction benchmark on the simulated DL980: EVENTS rounds in which a restrictive guest's
# node is filled by another process at RATE, after which the guest grows. Measured by the
# simulator's ground truth: from the moment the true time to exhaustion of the guest's
# nodes crosses the horizon (2 s) to the moment its nodeset changed. Runs numad, then
# numad with numad 0.5's timing, on the same scenario.
#   tests/bench/reaction.sh [EVENTS] [RATES...]     e.g. tests/bench/reaction.sh 100 1G
set -euo pipefail
cd "$(dirname "$0")/../.."
events=${1:-100}
shift || true
rates=("$@")
[ ${#rates[@]} -gt 0 ] || rates=(1G)
speed=${SPEED:-25}
horizon=2
bin=${NUMAD:-./build/daemon/numad}
work=$(mktemp -d /tmp/numad-reaction.XXXXXX)
trap 'rm -rf "$work"' EXIT

gen() { # rate events -> scenario
	awk -v rate="$1" -v n="$2" 'BEGIN {
		r = rate; mult = 1;
		if (r ~ /G$/) { sub(/G$/, "", r); mult = 1 } else if (r ~ /M$/) { sub(/M$/, "", r); mult = 1/1024 }
		gbs = r * mult; fill = 13 / gbs; t = 0;
		for (i = 0; i < n; i++) {
			node = i % 8;
			printf "%.1f start g%d vcpus=2 mem=4G touch=3584M mode=restrictive nodes=%d\n", t, i, node;
			printf "%.1f hog node=%d size=13G rate=%s\n", t + 1, node, rate;
			printf "%.1f grow g%d rate=512M until=4G\n", t + 1 + fill, i;
			printf "%.1f stop g%d\n", t + 4 + fill, i;
			printf "%.1f free node=%d size=13G\n", t + 4 + fill, node;
			t += 5 + fill;
		}
		printf "%.1f end\n", t + 1;
	}'
}

echo "# Reaction on the simulated DL980 ($(date -u +%F), $(nproc) CPUs, speed ${speed}x)"
echo
echo "| fill rate | daemon | events | p50 ms | p99 ms | max ms | min headroom MB | moves outside a risk | OOM kills |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for rate in "${rates[@]}"; do
	gen "$rate" "$events" > "$work/s.scn"
	for mode in numad numad05; do
		extra=()
		[ $mode = numad05 ] && extra=(--numad05-timing)
		out=$("$bin" --simulate tests/topologies/dl980-8node.txt --scenario "$work/s.scn" --speed "$speed" \
			--horizon "$horizon" --config "" --log "" --socket "" --pidfile "" -F -l 3 "${extra[@]}" 2>/dev/null)
		p50=$(sed -n 's/^reaction: .* p50 \([0-9]*\) ms.*/\1/p' <<<"$out")
		p99=$(sed -n 's/^reaction: .* p99 \([0-9]*\) ms.*/\1/p' <<<"$out")
		max=$(sed -n 's/^reaction: .* max \([0-9]*\) ms.*/\1/p' <<<"$out")
		n=$(sed -n 's/^reaction: \([0-9]*\) events.*/\1/p' <<<"$out")
		ahead=$(sed -n 's/^widened before any risk: \([0-9]*\);.*/\1/p' <<<"$out")
		ooms=$(sed -n 's/^OOM kills: //p' <<<"$out")
		room=$(awk -v r="$rate" -v h="$horizon" -v m="${max:-}" -v o="$ooms" 'BEGIN {
			mb = r; if (mb ~ /G$/) { sub(/G$/, "", mb); mb *= 1024 } else sub(/M$/, "", mb);
			if (o > 0) print 0; else if (m == "") print "-";
			else { x = (h - m / 1000) * mb; print (x > 0 ? int(x) : 0) } }')
		echo "| $rate/s | $mode | ${n:-0} | ${p50:--} | ${p99:--} | ${max:--} | $room | ${ahead:-0} | $ooms |"
	done
done
