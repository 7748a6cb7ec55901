#!/usr/bin/env bash
# numad at scale on the simulated host: its CPU and memory with many guests.
#   tests/bench/scale.sh [--quick] [--topo FILE] [--guests N] [--duration S] [--speed X] [--seed N] [idle|active|both]
#
#   idle    GUESTS (1,000) idle guests of 1 GB on the 64-node layout (tests/topologies/8s-64node.txt),
#           DURATION (3,600) simulated seconds at SPEED (4) x.
#   active  GUESTS (200) active guests on the 16-node layout (tests/topologies/4s-16node.txt),
#           DURATION (300) s at SPEED (1) x: 1-8 vCPUs that keep 5-35% of them busy, 2-16 GB
#           (half of them 2 GB, 30% 4, 15% 8, 5% 16) with 40-80% touched at their start,
#           started over the first 60 s and pre-placed by numad -w; a quarter grow to 90-100%
#           of their memory at 64-512 MB/s; ten other processes (hogs) take 4-12 GB each on
#           ten different nodes at 256-1024 MB/s, five of them freeing it again later.
#   both    (the default) idle, then active.
#
# --topo FILE (or SCALE_TOPO=FILE) runs both on another numactl -H layout; the guests' nodes
# and the hogs' are drawn from its nodes with memory. --seed (default 1) draws the scenario.
# --quick is the smoke test ctest runs: 100 idle guests for 120 s at 10x and 40 active
# guests for 60 s at 2x, both on their default layouts; it checks that both run, end, and
# report no OOM kill and no safety count, and asserts no timing.
# NUMAD names the binary (default ./build/daemon/numad). The table goes to standard output;
# SCALE_KEEP=DIR keeps each run's scenario, summary and log there.
#
# How the figures are computed:
#   numad CPU: the simulator's summary, from thread CPU clocks: the process's CPU less what the
#     simulator spends on its own steps (on the event loop's thread) and on migration (in numad's
#     worker threads). "event loop" is numad's part of the loop's thread, "other threads" the
#     rest (libvirt calls, which run libvirt's test driver in the process here).
#   % of one CPU = numad CPU seconds / simulated seconds x 100: CPU per simulated second. The
#     daemon's timers run on the simulated clock, so at SPEED x it does a simulated hour's work
#     in 1/SPEED of the real time, and this is its CPU per hour of a real host's time. It holds
#     only while the loop keeps up: the table gives the fast ticks against the 4 a second the
#     daemon asks for, and says when it fell behind (lower --speed then).
#   Private_Dirty: the largest of /proc/PID/smaps_rollup over the run, sampled every 2 s. The
#     simulator is in the same process (its host model, libvirt's test driver and the domains
#     it defines there); its tree is on tmpfs, outside the process. The summary's heap line
#     counts the heap the simulator's own work left allocated (the change in malloc's heap in
#     use across its steps); numad's Private_Dirty is given as the process's less that: an
#     upper bound, since it still holds the libraries' data, the stacks and malloc's free space.
set -euo pipefail
here=$(pwd)
cd "$(dirname "$0")/../.."
usage() { sed -n 's/^#   \{0,1\}//p' "$0" | sed -n '/^tests\/bench\/scale.sh/p' >&2; exit 2; }
quick=0 topo=${SCALE_TOPO:-} guests="" duration="" speed="" seed=1 what=both
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1 ;;
	--topo) topo=${2:?}; shift ;;
	--guests) guests=${2:?}; shift ;;
	--duration) duration=${2:?}; shift ;;
	--speed) speed=${2:?}; shift ;;
	--seed) seed=${2:?}; shift ;;
	idle | active | both) what=$1 ;;
	*) usage ;;
	esac
	shift
done
bin=${NUMAD:-./build/daemon/numad}
if [ ! -x "$bin" ]; then
	echo "scale.sh: no numad at $bin (NUMAD=PATH names another)" >&2
	exit 2
fi
if [ -n "$topo" ] && [ "${topo#/}" = "$topo" ] && [ -r "$here/$topo" ]; then
	topo=$here/$topo # relative to where it was run from
fi
if [ -n "$topo" ] && [ ! -r "$topo" ]; then
	echo "scale.sh: cannot read the layout $topo" >&2
	exit 2
fi
work=$(mktemp -d /tmp/numad-scale.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail=0

# The ids of the layout's nodes with memory, one a line.
mem_nodes() { awk '/^node [0-9]+ size:/ && $4 > 0 { print $2 }' "$1"; }

idle_scenario() { # GUESTS DURATION LAYOUT
	mem_nodes "$3" > "$work/nodes"
	awk -v n="$1" -v d="$2" 'NR == FNR { id[k++] = $1; next } END {
		for (i = 0; i < n; i++)
			printf "0 start idle%d vcpus=%d mem=1G mode=restrictive nodes=%d\n", i, 1 + i % 2, id[i % k]
		printf "%d end\n", d
	}' "$work/nodes" /dev/null
}

active_scenario() { # GUESTS DURATION LAYOUT SEED
	mem_nodes "$3" > "$work/nodes"
	awk -v n="$1" -v d="$2" -v seed="$4" 'NR == FNR { id[k++] = $1; next }
	function u(a, b) { return a + (b - a) * rand() }
	function ev(t, text) { lines[nl++] = sprintf("%09.3f %s", t, text) }
	END {
		srand(seed)
		start_end = d < 100 ? d * 0.2 : 60
		for (i = 0; i < n; i++) {
			r = rand()
			gb = r < 0.5 ? 2 : r < 0.8 ? 4 : r < 0.95 ? 8 : 16
			vcpus = 1 + int(rand() * 8)
			touch = int(gb * 1024 * u(0.4, 0.8))
			t0 = start_end * i / n
			ev(t0, sprintf("start vm%d vcpus=%d mem=%dG touch=%dM cpu=%.1f mode=restrictive", i, vcpus, gb,
				       touch, vcpus * u(0.05, 0.35)))
			if (rand() < 0.25) {
				until = int(gb * 1024 * u(0.9, 1.0))
				ev(u(start_end + 5, d * 0.7), sprintf("grow vm%d rate=%dM until=%dM", i, int(u(64, 512)), until))
			}
		}
		# ten hogs on ten different nodes (fewer on a smaller layout)
		for (j = 0; j < k; j++) perm[j] = id[j]
		for (j = k - 1; j > 0; j--) { x = int(rand() * (j + 1)); t = perm[j]; perm[j] = perm[x]; perm[x] = t }
		for (h = 0; h < 10 && h < k; h++) {
			size = int(u(4, 12) * 1024)
			at = u(start_end, d * 0.7)
			ev(at, sprintf("hog node=%d size=%dM rate=%dM", perm[h], size, int(u(256, 1024))))
			if (h % 2 == 0)
				ev(at + u(30, d * 0.25), sprintf("free node=%d size=%dM rate=%dM", perm[h], size, int(u(256, 1024))))
		}
		ev(d, "end")
		for (j = 0; j < nl; j++) print lines[j]
	}' "$work/nodes" /dev/null | sort -n | awk '{ $1 = $1 + 0; print }'
}

# run LABEL LAYOUT SCENARIO SPEED: runs the simulation, samples Private_Dirty, prints a table row.
run() {
	local label=$1 layout=$2 scn=$3 spd=$4 out="$work/$1.out" err="$work/$1.log" pid pd peak=0 t0 t1
	t0=$(date +%s.%N)
	"$bin" --simulate "$layout" --scenario "$scn" --speed "$spd" --config "" --log "" --socket "" \
		--pidfile "" -F -l 5 > "$out" 2> "$err" &
	pid=$!
	while kill -0 "$pid" 2> /dev/null; do
		pd=$(awk '/^Private_Dirty:/ { print $2 }' "/proc/$pid/smaps_rollup" 2> /dev/null || true)
		if [ -n "$pd" ] && [ "$pd" -gt "$peak" ]; then peak=$pd; fi
		sleep 2
	done
	wait "$pid" || { echo "scale.sh: the $label run failed (exit $?): $(tail -3 "$err")" >&2; fail=1; return; }
	t1=$(date +%s.%N)
	if [ -n "${SCALE_KEEP:-}" ]; then mkdir -p "$SCALE_KEEP" && cp "$scn" "$out" "$err" "$SCALE_KEEP/"; fi
	awk -v label="$label" -v layout="$(basename "$layout")" -v nodes="$(mem_nodes "$layout" | wc -l)" \
	    -v guests="$(grep -c ' start ' "$scn")" -v real="$(echo "$t1 - $t0" | bc)" -v pd="$peak" \
	    -v moves="$(grep -c '^.*Applied through libvirt: domain ' "$err" || true)" -v speed="$spd" '
	/^simulation summary after/ { sim = $4 + 0 }
	/^CPU: numad/ { cpu = $3
		match($0, /its event loop [0-9.]+/); loop = substr($0, RSTART + 15, RLENGTH - 15)
		match($0, /its other threads [0-9.]+/); other = substr($0, RSTART + 18, RLENGTH - 18)
		match($0, /simulator [0-9.]+/); simcpu = substr($0, RSTART + 10, RLENGTH - 10)
		match($0, /numad ran [0-9]+ fast ticks/); ticks = substr($0, RSTART + 10, RLENGTH - 21) }
	/^heap:/ { match($0, /the simulator.s [0-9.]+ MB/); simheap = substr($0, RSTART + 16, RLENGTH - 19)
		match($0, /numad.s [0-9.]+ MB/); nheap = substr($0, RSTART + 8, RLENGTH - 11)
		match($0, /at most [0-9.]+ MB/); npeak = substr($0, RSTART + 8, RLENGTH - 11) }
	/^safety:/ { empty = $2 + 0
		match($0, /[0-9]+ restrictive guests OOM/); oomroom = substr($0, RSTART, RLENGTH) + 0
		match($0, /[0-9]+ strict nodesets/); strict = substr($0, RSTART, RLENGTH) + 0
		match($0, /[0-9]+ guests placed where/); over = substr($0, RSTART, RLENGTH) + 0 }
	/^OOM kills:/ { ooms = $3 }
	END {
		want = sim * 4
		behind = ticks < 0.95 * want ? sprintf(" (behind: %d of %d)", ticks, want) : ""
		printf "| %s | %d | %s, %d nodes | %.0f s at %sx, %.0f s real | %.2f s, %.2f s | %.3f%%%s | %d | %.1f MB, %.1f MB | %.1f MB (%.1f MB in use, at most %.1f) | %d | %d | %d, %d, %d |\n",
			label, guests, layout, nodes, sim, speed, real, loop, other, 100 * cpu / sim, behind, ticks,
			pd / 1024, simheap, (pd / 1024) - simheap, nheap, npeak, ooms, moves, oomroom, empty, over
		if (ooms != "" && ooms + oomroom + empty + strict + over > 0) exit 3
		if (ooms == "") exit 4
	}' "$out" >> "$work/rows" || { echo "scale.sh: $label: OOM kills or safety counts, or no summary (see SCALE_KEEP)" >&2; fail=1; }
}

if [ "$quick" = 1 ]; then
	idle_g=${guests:-100} idle_d=${duration:-120} idle_s=${speed:-10}
	act_g=${guests:-40} act_d=${duration:-60} act_s=${speed:-2}
else
	idle_g=${guests:-1000} idle_d=${duration:-3600} idle_s=${speed:-4}
	act_g=${guests:-200} act_d=${duration:-300} act_s=${speed:-1}
fi
idle_topo=${topo:-tests/topologies/8s-64node.txt}
act_topo=${topo:-tests/topologies/4s-16node.txt}
if [ "$what" != active ]; then
	idle_scenario "$idle_g" "$idle_d" "$idle_topo" > "$work/idle.scn"
	run idle "$idle_topo" "$work/idle.scn" "$idle_s"
fi
if [ "$what" != idle ]; then
	active_scenario "$act_g" "$act_d" "$act_topo" "$seed" > "$work/active.scn"
	run active "$act_topo" "$work/active.scn" "$act_s"
fi
echo "# numad at scale ($(date -u '+%F %H:%M') UTC, $(nproc) CPUs, $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $bin)"
echo
echo "| run | guests | layout | simulated, real | numad CPU: event loop, other threads | % of one CPU (numad CPU / simulated s) | fast ticks | Private_Dirty: process, simulator's heap | numad's Private_Dirty bound (its heap in use, largest) | OOM kills | moves applied | safety: OOM with room, empty nodesets, over-promised |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
cat "$work/rows" 2> /dev/null || true
exit $fail
