#!/usr/bin/env bash
# Start storms: where guests started together land, and what -w costs with its ledger.
#  1. The start-storm scenarios (tests/scenarios/storm3.scn, storm200.scn on
#     tests/topologies/4x16g.txt, stormmix.scn on the EPYC NPS4 layout) run in the simulator
#     three ways: this numad; this numad with --ledger "" (no reservations: every -w answer
#     sees the same free memory, as numad 0.5's do); and with --numad05-timing. The table
#     gives the guests per node, OOM kills and the safety counts of the summary.
#  2. The -w front end's latency on a fixture tree of each shared layout: N calls with the
#     ledger file (locked, read, written back) and N with --ledger "".
#
#   tests/bench/storm.sh [--quick] [--build DIR] [--no-build] [--calls N] [--out FILE]
#
#   --quick      storm3 only, and 20 calls (a smoke test)
#   --build DIR  build directory (default build-bench at the top of the tree)
#   --no-build   use the binaries already in DIR
#   --calls N    -w calls per layout and way (default 200)
#   --out FILE   the report (default tests/bench/STORM.md)
#
# Nothing here asserts a timing.
set -euo pipefail
export LC_ALL=C
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cd "$repo"

args=""
[ $# -eq 0 ] || args=$(printf ' %q' "$@")
quick=0 build_dir=$repo/build-bench build=1 out=$here/STORM.md calls=200
usage() { sed -n 's/^#   \{0,1\}//p' "$0" | sed -n '/^tests\/bench\/storm.sh/,/^--out/p' >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1 calls=20 ;;
	--no-build) build=0 ;;
	--build) [ $# -ge 2 ] || usage; build_dir=$2; shift ;;
	--calls) [ $# -ge 2 ] || usage; calls=$2; shift ;;
	--out) [ $# -ge 2 ] || usage; out=$2; shift ;;
	*) usage ;;
	esac
	shift
done
log() { printf '[storm %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

if [ $build = 1 ]; then
	log "building in $build_dir"
	cmake -S "$repo" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build "$build_dir" -j "$(nproc)" --target numad numad-sim numad_front mkfixture >/dev/null
fi
numad=$build_dir/daemon/numad
front=$build_dir/daemon/front/numad
mkfixture=$build_dir/tests/fixture/mkfixture
for b in "$numad" "$front" "$mkfixture"; do
	[ -x "$b" ] || die "$b: not built"
done
work=$(mktemp -d /tmp/numad-storm.XXXXXX)
trap 'rm -rf "$work"' EXIT

# sim TOPO SCEN WAY...: the summary of one simulated run on stdout
sim() {
	local topo=$1 scen=$2
	shift 2
	"$numad" --config "" --simulate "tests/topologies/$topo" --scenario "tests/scenarios/$scen" --speed 20 \
		--log "" --socket "" --pidfile "" -F "$@" 2>"$work/err" || { tail -3 "$work/err" >&2; return 1; }
}

# guests per node of a summary's rows whose name starts with PREFIX: "0:50 1:50 ..."
per_node() {
	awk -v p="$1" '$1 ~ "^" p "[0-9]+$" && NF >= 5 { n[$3]++ } END { for (k in n) printf "%s:%d\n", k, n[k] }' |
		sort -t: -k1,1 | paste -sd' '
}

if [ $quick = 1 ]; then
	storms=("storm3.scn 4x16g.txt s")
else
	storms=("storm3.scn 4x16g.txt s" "storm200.scn 4x16g.txt g" "stormmix.scn epyc-2s-nps4.txt m")
fi

{
	if [ $quick = 1 ]; then
		echo "Written by \`tests/bench/storm.sh$args\` (the quick smoke test: do not quote these figures)."
	else
		echo "# Start storms"
		echo
		echo "Written by \`tests/bench/storm.sh$args\`."
	fi
	echo
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); tree: $(git -C "$repo" describe --always --dirty 2>/dev/null || echo unknown)"
	echo "- machine: $(nproc) CPUs, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
	echo
	echo "## Where the guests land"
	echo
	echo "Guests started at time 0 are pre-placed before the daemon is up, as at boot, by the \`-w\`"
	echo "front end and its ledger file; stormmix's start at 10 a second while the daemon runs."
	echo "\"nodes: guests\" counts each guest on every node of its final nodeset."
	echo
	echo "| scenario | numad | nodes: guests | OOM kills | OOM-killed with room elsewhere | placed where the promised could not fit |"
	echo "| --- | --- | --- | --- | --- | --- |"
	for s in "${storms[@]}"; do
		read -r scen topo prefix <<<"$s"
		for way in ours noledger numad05; do
			case $way in
			ours) label="this tree"; extra=() ;;
			noledger) label='--ledger "" (no reservations)'; extra=(--ledger "") ;;
			numad05) label="--numad05-timing (the daemon's timing only)"; extra=(--numad05-timing) ;;
			esac
			log "$scen: $label"
			sim "$topo" "$scen" "${extra[@]}" >"$work/out" || die "$scen ($label): the simulation failed"
			placed=$(per_node "$prefix" <"$work/out")
			ooms=$(sed -n 's/.*OOM kills: \([0-9]*\).*/\1/p' "$work/out" | head -1)
			room=$(sed -n 's/.*, \([0-9]*\) restrictive guests OOM-killed with room elsewhere.*/\1/p' "$work/out")
			over=$(sed -n 's/.*, \([0-9]*\) guests placed where what was promised could not fit.*/\1/p' "$work/out")
			echo "| $scen | $label | ${placed:--} | ${ooms:--} | ${room:--} | ${over:--} |"
		done
	done
	echo
	echo "## -w latency with the ledger"
	echo
	echo "$calls calls of \`numad -w 2:1024\` (the front end libvirt runs, no daemon) per layout and way,"
	echo "each through a fresh process; the ledger file is locked, read and written back by each."
	echo
	echo "| layout | ledger | p50 (ms) | p99 (ms) | max (ms) |"
	echo "| --- | --- | --- | --- | --- |"
	for t in tests/topologies/*.txt; do
		name=$(basename "$t" .txt)
		root=$work/$name
		"$mkfixture" --topology "$t" --out "$root" >/dev/null
		for way in file none; do
			if [ $way = file ]; then led=(--ledger "$work/$name.ledger"); else led=(--ledger ""); fi
			rm -f "$work/$name.ledger"
			: >"$work/ms"
			for _ in $(seq "$calls"); do
				t0=$(date +%s%N)
				"$front" --config "" --log "" --socket "" --root "$root" "${led[@]}" -w 2:1024 >/dev/null 2>&1 || true
				t1=$(date +%s%N)
				echo $(((t1 - t0) / 1000)) >>"$work/ms"
			done
			sort -n "$work/ms" | awk -v l="$name" -v w="$way" '{ v[NR] = $1 } END {
				p50 = v[int((NR + 1) / 2)]; i = int(NR * 0.99); if (i < 1) i = 1; p99 = v[i]
				printf "| %s | %s | %.2f | %.2f | %.2f |\n", l, w == "file" ? "file (reserves)" : "none", p50 / 1000, p99 / 1000, v[NR] / 1000 }'
		done
	done
	echo
	echo "A ledger that fills (more than 256 answers within 120 s) drops its oldest entry; the"
	echo "file stays under 64 KiB."
} >"$out.tmp"
mv "$out.tmp" "$out"
log "wrote $out"
