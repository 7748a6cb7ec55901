#!/usr/bin/env bash
# What a guest's move costs everyone else: numadctl status latency (p50/p99/max) and the
# longest gap between two fast-tier ticks, while the simulated EPYC (tests/topologies/
# epyc-2s-nps4.txt, 8 nodes of 128 GB, 2 GB/s page migration) consolidates a guest of 4, 16
# and 64 GB across its sockets: most of its memory migrates. With --baseline the same
# scenarios run with a second numad binary, for a table of both.
#
#   tests/bench/moves.sh [--quick] [--build DIR] [--no-build] [--baseline BIN] [--label TEXT] [--out FILE]
#
#   --quick         the 4 GB move only, at 5x simulated speed (a smoke test)
#   --build DIR     build directory (default build-bench at the top of the tree)
#   --no-build      use the binaries already in DIR
#   --baseline BIN  a numad binary to run the same scenarios with (say, a build of an older commit)
#   --label TEXT    its name in the table (default: its path)
#   --out FILE      the report (default tests/bench/MOVES.md)
#
# Each run lasts the move at --migrate-rate's default (512 MB/s) plus 20 s, so the 64 GB
# move takes about 2.5 minutes per binary. Nothing here asserts a timing.
set -euo pipefail
export LC_ALL=C
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cd "$repo"

args=$(printf ' %q' "$@")
quick=0 build_dir=$repo/build-bench build=1 out=$here/MOVES.md baseline="" label=""
usage() { sed -n 's/^#   \{0,1\}//p' "$0" | sed -n '/^tests\/bench\/moves.sh/,/^--out/p' >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1 ;;
	--no-build) build=0 ;;
	--build) [ $# -ge 2 ] || usage; build_dir=$2; shift ;;
	--baseline) [ $# -ge 2 ] || usage; baseline=$2; shift ;;
	--label) [ $# -ge 2 ] || usage; label=$2; shift ;;
	--out) [ $# -ge 2 ] || usage; out=$2; shift ;;
	*) usage ;;
	esac
	shift
done
log() { printf '[moves %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

if [ $build = 1 ]; then
	log "building in $build_dir"
	cmake -S "$repo" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build "$build_dir" -j "$(nproc)" --target numad numad-sim numad_probe >/dev/null
fi
numad=$build_dir/daemon/numad
probe=$build_dir/tests/bench/numad_probe
for b in "$numad" "$probe" ${baseline:+"$baseline"}; do
	[ -x "$b" ] || die "$b is missing"
done
[ -n "$label" ] || label=$baseline
topo=$repo/tests/topologies/epyc-2s-nps4.txt
if [ $quick = 1 ]; then sizes=(4) speed=5; else sizes=(4 16 64) speed=1; fi
work=$(mktemp -d /tmp/numad-moves.XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT

# The guest of SIZE GB starts on nodes 2 and 6 while other processes hold most of nodes 4, 5
# and 7, all but 15% of SIZE on node 2 and all but 85% of it (and 2 GB) on node 6; node 2 is
# freed at 10 s and the guest consolidates there, the one node with room for all of it,
# migrating what it holds on node 6.
scenario() { # size_gb file
	local s=$1 left six
	left=$(awk -v s="$1" 'BEGIN { printf "%d", s * 1024 * 0.15 }')
	six=$(awk -v s="$1" 'BEGIN { printf "%d", 60450 - s * 1024 * 0.85 - 2048 - 64 }')
	{
		echo "0   hog node=2 size=$((125330 - left))M rate=64G"
		echo "0   hog node=6 size=${six}M rate=64G"
		echo "0   hog node=4 size=110G rate=64G"
		echo "0   hog node=5 size=110G rate=64G"
		echo "0   hog node=7 size=110G rate=64G"
		echo "8   start big vcpus=8 mem=${s}G touch=${s}G mode=restrictive nodes=2,6"
		echo "10  free node=2 size=$((125330 - left))M"
		echo "$(awk -v s="$s" 'BEGIN { printf "%d", 12 + s * 1024 * 0.85 / 512 + 20 }') end"
	} >"$2"
}

# One run: the daemon under --simulate with a probe every 100 ms (real time) on its socket.
run() { # binary name size
	local bin=$1 name=$2 s=$3 d=$work/$2-$3
	mkdir -p "$d"
	scenario "$s" "$d/scn"
	"$bin" --config "" -F --simulate "$topo" --scenario "$d/scn" --speed "$speed" --socket "$d/sock" \
		--pidfile "" --log "$d/log" >"$d/out" 2>"$d/err" &
	local pid=$!
	for _ in $(seq 100); do [ -S "$d/sock" ] && break; sleep 0.1; done
	"$probe" "$d/sock" 100 3600 "$d/lat" >"$d/probe" || true
	wait "$pid" || true
	local p row largest hold fate
	p=$(cat "$d/probe")
	largest=$(sed -n 's/.*the largest \([0-9]*\) MB.*/\1/p' "$d/out")
	hold=$(sed -n 's/.*holding the cgroup lock \([0-9.]*\) s at most.*/\1/p' "$d/out")
	fate=$(awk '$1 == "big" { print $3, $5 }' "$d/out")
	row=$(echo "$p" | awk -v n="$name" -v s="$s" -v w="${largest:--}" -v h="${hold:--}" -v f="${fate:-?}" \
		'{ printf "| %s GB | %s | %s | %s | %s | %s | %s | %s ms | %s MB | %s s | %s |\n", s, n, $2, $4, $7, $9, $11, $13, w, h, f }')
	echo "$row" >>"$work/rows"
	log "$name, $s GB: $p; largest write ${largest:-?} MB, cgroup lock ${hold:-?} s; big: $fate"
}

for s in "${sizes[@]}"; do
	run "$numad" "this tree" "$s"
	[ -z "$baseline" ] || run "$baseline" "$label" "$s"
done

commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$repo" diff --quiet HEAD -- lib daemon tests 2>/dev/null || commit="$commit with uncommitted changes"
{
	echo "# Moves and the loop"
	echo
	if [ $quick = 1 ]; then
		echo "Written by \`tests/bench/moves.sh$args\` (the quick smoke test: do not quote these figures)."
	else
		echo "Written by \`tests/bench/moves.sh$args\`."
	fi
	echo
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); tree: commit $commit"
	echo "- machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), load $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "- scenario: the simulated EPYC at ${speed}x time, 2 GB/s page migration; a guest of the size"
	echo "  below consolidates from nodes 2,6 onto node 2 (most of it migrates); a probe asks"
	echo "  \`status\` every 100 ms of real time and reads the fast-tier tick counter"
	echo
	echo "| move | numad | probes | answered | status p50 (ms) | p99 (ms) | max (ms) | longest tick gap | largest nodeset write | longest cgroup lock hold (simulated) | guest ends on, fate |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
	cat "$work/rows"
	echo
	echo "The fast tier ticks every 250 ms; a gap far above that is time the loop could not"
	echo "protect any guest. A nodeset write that migrates holds the host's cgroup lock (every"
	echo "cgroup join and every other nodeset write waits) for as long as it migrates."
} >"$out"
log "wrote $out"
