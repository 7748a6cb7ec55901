#!/usr/bin/env bash
# Safety invariants over random simulated runs: for RUNS seeded random scenarios on the
# shared topologies (guests of every mode starting, growing and stopping, other processes
# crowding nodes, at up to 1 GB/s), numad on the simulated host must never leave a nodeset
# that is empty or names a node that is not online, must never let a restrictive guest be
# OOM-killed while a node outside its nodeset has the room it needed (from its start for a
# guest numad -w placed; a guest the scenario pinned with nodes= where it cannot fit gets
# two seconds, for numad to see it), must never change a strict guest's nodeset, and must
# never pre-place a guest on nodes that cannot hold it once the guests already there have
# touched what they still want (as when guests start in the same second: a start storm).
#   invariants.sh NUMAD_BIN [RUNS] [FIRST_SEED]
set -euo pipefail
bin=${1:?usage: invariants.sh NUMAD_BIN [RUNS] [FIRST_SEED]}
runs=${2:-6}
seed0=${3:-1}
here=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/numad-inv.XXXXXX)
trap 'rm -rf "$work"' EXIT
topos=(dl980-8node.txt guest-4node.txt epyc-2s-nps4.txt 2socket-snc2-smt.txt 2s-cxl-memonly.txt)
fail=0
for ((r = 0; r < runs; r++)); do
	seed=$((seed0 + r))
	topo=${topos[$((seed % ${#topos[@]}))]}
	nodes=$(sed -n 's/^available: \([0-9]*\) nodes.*/\1/p' "$here/tests/topologies/$topo")
	awk -v seed="$seed" -v nodes="$nodes" 'BEGIN {
		srand(seed);
		n = 3 + int(rand() * 6);
		for (g = 0; g < n; g++) {
			t = int(rand() * 20); mem = 1 + int(rand() * 6); touch = int(mem * 1024 * (0.2 + 0.6 * rand()));
			m = rand(); node = int(rand() * nodes);
			if (m < 0.15) {
				mode = "interleave"; last = node + 2 < nodes ? node + 2 : nodes - 1;
				printf "%d start g%d vcpus=2 mem=%dG touch=%dM mode=interleave nodes=%d-%d\n", t, g, mem, touch, node, last;
			} else {
				mode = m < 0.25 ? "strict" : "restrictive";
				printf "%d start g%d vcpus=%d mem=%dG touch=%dM mode=%s%s\n", t, g, 1 + int(rand() * 4), mem, touch,
				       mode, rand() < 0.5 ? " nodes=" node : "";
			}
			printf "%d grow g%d rate=%dM until=%dG\n", t + 2 + int(rand() * 10), g, 256 + int(rand() * 768), mem;
			if (rand() < 0.3)
				printf "%d stop g%d\n", t + 30 + int(rand() * 20), g;
		}
		for (h = 0; h < 2 + int(rand() * 3); h++) {
			node = int(rand() * nodes); t = 5 + int(rand() * 30); size = 1 + int(rand() * 4);
			printf "%d hog node=%d size=%dG rate=%dM\n", t, node, size, 256 + int(rand() * 768);
			printf "%d free node=%d size=%dG\n", t + 10 + int(rand() * 20), node, size;
		}
		print "70 end";
	}' | sort -n -s -k1,1 > "$work/s$seed.scn"
	out=$("$bin" --config "" --simulate "$here/tests/topologies/$topo" --scenario "$work/s$seed.scn" --speed 5 \
		--log "$work/s$seed.log" --socket "" --pidfile "" -F -l 3 2>"$work/s$seed.err") || {
		echo "FAIL: seed $seed ($topo): numad exited non-zero"; tail -5 "$work/s$seed.err"; fail=1; continue; }
	line=$(grep '^safety:' <<<"$out")
	bad=$(sed -n 's/^safety: \([0-9]*\) empty.*/\1/p' <<<"$line")
	room=$(sed -n 's/.* nodesets, \([0-9]*\) restrictive.*/\1/p' <<<"$line")
	strict=$(sed -n 's/.* elsewhere, \([0-9]*\) strict nodesets changed.*/\1/p' <<<"$line")
	promised=$(sed -n 's/.* changed, \([0-9]*\) guests placed where what was promised could not fit.*/\1/p' <<<"$line")
	echo "seed $seed ($topo): $line; $(grep '^OOM kills' <<<"$out")"
	if [ "$bad" != 0 ] || [ "$room" != 0 ] || [ "$strict" != 0 ] || [ "$promised" != 0 ]; then
		echo "FAIL: seed $seed ($topo) broke a safety invariant; scenario:"; cat "$work/s$seed.scn"
		grep "safety" "$work/s$seed.err" | head -5 || true
		fail=1
	fi
done
[ $fail -eq 0 ] && echo "invariants: PASS ($runs random runs)"
exit $fail
