#!/usr/bin/env bash
# The performance suite in one command: builds what it needs in its own build directory, runs
# -w latency, placement quality, reaction, footprint and sampling cost, each next to numad 0.5
# where a peer figure exists, and writes REPORT.md with PNG plots (gnuplot).
#
#   tests/bench/report.sh [--quick] [--build DIR] [--no-build] [--out DIR]
#
#   --quick      small sizes (about a minute) for the ctest smoke test; plots are skipped when
#                gnuplot is missing, where the full mode installs it (Debian's gnuplot-nox)
#   --build DIR  build directory (default build-bench at the top of the tree)
#   --no-build   use the binaries already in DIR (ctest does this)
#   --out DIR    where REPORT.md and the PNGs go (default tests/bench)
#
# NUMAD05 names numad 0.5's binary (default /usr/bin/numad); SHARED_TOPO_DIR the shared layouts
# (default ../shared/topologies next to the tree). Nothing here asserts a timing.
set -euo pipefail
export LC_ALL=C
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cd "$repo"

args="$*"
quick=0 build_dir=$repo/build-bench build=1 out=$here
usage() { sed -n 's/^#   \{0,1\}//p' "$0" | sed -n '/^tests\/bench\/report.sh/,/^NUMAD05/p' >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1 ;;
	--no-build) build=0 ;;
	--build) [ $# -ge 2 ] || usage; build_dir=$2; shift ;;
	--out) [ $# -ge 2 ] || usage; out=$2; shift ;;
	*) usage ;;
	esac
	shift
done
mkdir -p "$out"
build_dir=$(cd "$(dirname "$build_dir")" && pwd)/$(basename "$build_dir")
out=$(cd "$out" && pwd)
cmd="tests/bench/report.sh${args:+ $args}"
started=$(date +%s)

if [ $quick = 1 ]; then
	w_runs=10 w05_runs=1 w05d_runs=0 trials=100 events=1 idle_guests=16 idle_secs=600
	sleepers=196 bigs=4 big_mb=100 window=8 peer_window=0
	bench_args=(--procs 200 --guests 8 --runs 5 --decisions 20)
else
	w_runs=20 w05_runs=5 w05d_runs=10 trials=1000 events=50 idle_guests=64 idle_secs=3600
	sleepers=980 bigs=20 big_mb=300 window=60 peer_window=20
	bench_args=()
fi
rates=(1G 2G 4G 6G)

log() { printf '[report %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# gnuplot: the full mode needs it and installs it as .ci/deps installs the rest.
plot=1
if ! command -v gnuplot >/dev/null; then
	if [ $quick = 1 ]; then
		plot=0
	elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		log "installing gnuplot-nox"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gnuplot-nox >/dev/null ||
			{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gnuplot-nox >/dev/null; }
	else
		die "gnuplot is missing (apt-get install gnuplot-nox, as root)"
	fi
fi

if [ $build = 1 ]; then
	log "building in $build_dir"
	cmake -S "$repo" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build "$build_dir" -j "$(nproc)" --target numad numad-sim numad_front numadctl numad_bench numad_quality numad_procs mkfixture >/dev/null
fi
numad=$build_dir/daemon/numad
front=$build_dir/daemon/front/numad  # installed as /usr/bin/numad, what libvirt runs
numadctl=$build_dir/daemon/numadctl
qual=$build_dir/tests/bench/numad_quality
benchbin=$build_dir/tests/bench/numad_bench
procsbin=$build_dir/tests/bench/numad_procs
mkfix=$build_dir/tests/fixture/mkfixture
for b in "$numad" "$numadctl" "$qual" "$benchbin" "$procsbin" "$mkfix"; do
	[ -x "$b" ] || die "$b is missing (build it, or drop --no-build)"
done

peer=${NUMAD05:-/usr/bin/numad}
peer_version=""
if [ -x "$peer" ] && "$peer" -V 2>&1 | grep -q 'version: 20[0-9]\{6\}'; then
	peer_version=$("$peer" -V 2>&1 | head -1)
	deb=$(dpkg-query -W -f='${Version}' numad 2>/dev/null || true)
	[ -n "$deb" ] && peer_version="$peer_version (Debian package numad $deb)"
fi

work=$(mktemp -d /tmp/numad-report.XXXXXX)
pids=()
peer_started=0 peer_pid=""
cleanup() {
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	if [ $peer_started = 1 ]; then
		stop_peer
	fi
	rm -rf "$work"
}
trap cleanup EXIT
forget() { # pid: no longer ours to clean up
	local keep=() p
	for p in "${pids[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	pids=("${keep[@]}")
}

# --- helpers -------------------------------------------------------------------------------
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
# median, min and max of the numbers in a file, one a line
stats() { sort -g "$1" | awk '{ v[NR] = $1 } END {
	if (!NR) { print "- - -"; exit }
	m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.1f %.1f %.1f\n", m, v[1], v[NR] }'; }
# run a command, append its wall time in ms to a file; its stdout goes to $work/last
timed() {
	local file=$1 a b
	shift
	a=$EPOCHREALTIME
	"$@" >"$work/last" 2>>"$work/timed.err" || return 1
	b=$EPOCHREALTIME
	awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f\n", (b - a) * 1000 }' >>"$file"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b <= 0) print "-"; else printf "%.0f\n", a / b }'; }
wait_for() { # seconds, then a test command
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.2
	done
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
metric() { "$numadctl" --socket "$1" metrics 2>/dev/null | awk -v m="$2" '$1 == m { print $2 }'; }
# numad 0.5's daemon: started by us only when none ran, so the pid in its pid file is ours
start_peer() {
	timeout 10 "$peer" "$@" >/dev/null 2>&1 || true
	peer_started=1
	wait_for 10 peer_running || return 1
	peer_pid=$(cat /var/run/numad.pid)
}
stop_peer() {
	timeout 10 "$peer" -i 0 >/dev/null 2>&1 || true
	if [ -n "$peer_pid" ] && ! wait_for 5 peer_gone; then
		kill "$peer_pid" 2>/dev/null || true
	fi
	peer_started=0 peer_pid=""
}
peer_gone() { [ ! -d "/proc/$peer_pid" ] || grep -q '^Z' <(awk '{ print $3 }' "/proc/$peer_pid/stat" 2>/dev/null); }
peer_running() { [ -f /var/run/numad.pid ] && kill -0 "$(cat /var/run/numad.pid)" 2>/dev/null; }
# May numad 0.5 run as a daemon here? Only as root, and only when no numad holds its pid file.
peer_daemon_ok() { [ -n "$peer_version" ] && [ "$(id -u)" = 0 ] && ! peer_running; }

# --- the machine ---------------------------------------------------------------------------
cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
[ -n "$cpu_model" ] || cpu_model=$(uname -m)
mem_gib=$(awk '/^MemTotal/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)
nnodes=$(find /sys/devices/system/node -maxdepth 1 -name 'node[0-9]*' 2>/dev/null | wc -l)
machine="$(nproc) CPUs (nproc), $cpu_model, $mem_gib GiB memory, kernel $(uname -r), $nnodes NUMA node(s)"
short_machine="$(nproc) CPUs $cpu_model, $mem_gib GiB, Linux $(uname -r)"
date_utc=$(date -u '+%Y-%m-%d %H:%M UTC')
commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$repo" diff --quiet HEAD -- lib daemon tests 2>/dev/null || commit="$commit with uncommitted changes"
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build_dir/CMakeCache.txt" 2>/dev/null || true)
grep -q '^NUMAD_SANITIZE:BOOL=ON' "$build_dir/CMakeCache.txt" 2>/dev/null && build_type="$build_type, ASan+UBSan (slow)"
load_start=$(loadavg)
caption="$cmd\n$short_machine, $date_utc"
log "machine: $machine; load $load_start"

# --- 1. -w latency -------------------------------------------------------------------------
s1() {
	local fx=$work/dl980 sock=$work/sim.sock scn=$work/quiet.scn p r peer_d_file=$work/w05d
	log "1. -w latency"
	"$mkfix" --topology tests/topologies/dl980-8node.txt --out "$fx" >/dev/null
	# a ledger of its own: each answer pays for the file as on a host, and the host's
	# /run/numad/ledger gets no reservation of a guest that never starts
	local w=("$front" -w 4:4096 --config "" --log "$work/w.log" --ledger "$work/ledger")
	local wfull=("$numad" -w 4:4096 --config "" --log "$work/w.log" --ledger "$work/ledger")
	: >"$work/w_host"; : >"$work/w_full"; : >"$work/w_fx"; : >"$work/w_d"; : >"$work/w05"; : >"$peer_d_file"
	for ((r = 0; r < w_runs; r++)); do
		timed "$work/w_host" "${w[@]}" --socket "$work/none.sock" || die "numad -w failed: $(tail -1 "$work/timed.err")"
	done
	ans_host=$(cat "$work/last")
	for ((r = 0; r < w_runs; r++)); do
		timed "$work/w_full" "${wfull[@]}" --socket "$work/none.sock" || die "numad -w failed: $(tail -1 "$work/timed.err")"
	done
	ans_full=$(cat "$work/last")
	for ((r = 0; r < w_runs; r++)); do
		timed "$work/w_fx" "${w[@]}" --socket "$work/none.sock" --root "$fx" || die "numad -w --root failed"
	done
	ans_fx=$(cat "$work/last")
	# a daemon on the simulated DL980, quiet (no guests), answering on its control socket
	echo "100000 end" >"$scn"
	"$numad" --simulate tests/topologies/dl980-8node.txt --scenario "$scn" --config "" --socket "$sock" \
		--pidfile "" --log "" -F -l 3 >/dev/null 2>&1 &
	p=$!
	pids+=("$p")
	wait_for 30 "$numadctl" --socket "$sock" nodes >/dev/null 2>&1 || die "the simulated daemon does not answer"
	for ((r = 0; r < w_runs; r++)); do
		timed "$work/w_d" "${w[@]}" --socket "$sock" || die "numad -w through the daemon failed"
	done
	ans_d=$(cat "$work/last")
	ans_ctl=$("$numadctl" --socket "$sock" --json advise 4:4096 2>/dev/null | tr -d ' \n' |
		sed -n 's/^{"nodes":"\([^"]*\)".*/\1/p')
	kill "$p"; wait "$p" 2>/dev/null || true; forget "$p"
	peer_note=""
	if [ -n "$peer_version" ]; then
		for ((r = 0; r < w05_runs; r++)); do
			timed "$work/w05" timeout 10 "$peer" -w 4:4096 || true
		done
		ans_05=$(cat "$work/last")
		if [ $w05d_runs -gt 0 ] && peer_daemon_ok; then
			# numad 0.5's daemon, managing no process (-S 0), answers -w over its message queue
			if start_peer -S 0 -i 15; then
				sleep 1
				for ((r = 0; r < w05d_runs; r++)); do
					timed "$peer_d_file" timeout 10 "$peer" -w 4:4096 || echo "hung" >>"$work/w05d_hung"
				done
			fi
			stop_peer
		elif [ $w05d_runs -gt 0 ]; then
			peer_note="numad 0.5's daemon was not started (not root, or a numad already holds /var/run/numad.pid)."
		else
			peer_note="numad 0.5 with its daemon is not run in --quick mode (it takes the host-wide pid file and message queue)."
		fi
	fi
	read -r m_host n_host x_host <<<"$(stats "$work/w_host")"
	read -r m_full n_full x_full <<<"$(stats "$work/w_full")"
	read -r m_fx n_fx x_fx <<<"$(stats "$work/w_fx")"
	read -r m_d n_d x_d <<<"$(stats "$work/w_d")"
	read -r m_05 n_05 x_05 <<<"$(stats "$work/w05")"
	read -r m_05d n_05d x_05d <<<"$(stats "$peer_d_file")"
	{
		echo "## 1. \`numad -w 4:4096\` latency"
		echo
		echo "The whole process as libvirt runs it, fork and exec included, timed by the shell"
		echo "(\`\$EPOCHREALTIME\` around each run): numad $w_runs times per row, numad 0.5 $w05_runs time(s) without"
		with_d=""
		if [ $w05d_runs -gt 0 ]; then
			with_d=" and $w05d_runs times with it"
		fi
		echo "its daemon (it sleeps 2 s there)$with_d. Load average at the start: $(loadavg). \"numad\" is"
		echo "the front end installed as /usr/bin/numad (\`daemon/front/numad\`), the path libvirt runs."
		echo
		echo "| what | runs | median ms | min ms | max ms | answer |"
		echo "| --- | --- | --- | --- | --- | --- |"
		echo "| numad, no daemon, this host's sysfs | $(wc -l <"$work/w_host") | $m_host | $n_host | $x_host | $ans_host |"
		echo "| the full numad (/usr/sbin/numad, libvirt's libraries loaded), no daemon, this host's sysfs | $(wc -l <"$work/w_full") | $m_full | $n_full | $x_full | $ans_full |"
		echo "| numad, no daemon, DL980 fixture tree (\`--root\`) | $(wc -l <"$work/w_fx") | $m_fx | $n_fx | $x_fx | $ans_fx |"
		echo "| numad, daemon running (simulated DL980, asked over its control socket) | $(wc -l <"$work/w_d") | $m_d | $n_d | $x_d | $ans_d (numadctl advise: ${ans_ctl:-?}) |"
		if [ -n "$peer_version" ]; then
			echo "| numad 0.5, no daemon, this host | $(wc -l <"$work/w05") | $m_05 | $n_05 | $x_05 | ${ans_05:-} |"
			if [ -s "$peer_d_file" ] || [ -s "$work/w05d_hung" ]; then
				echo "| numad 0.5, its daemon running (\`-S 0 -i 15\`), this host | $(wc -l <"$peer_d_file") | $m_05d | $n_05d | $x_05d | $(cat "$work/last") |"
			fi
		fi
		echo
		w_ratio=$(ratio "$m_05" "$m_host")
		w_ratio_d=$(ratio "$m_05d" "$m_d")
		if [ -n "$peer_version" ]; then
			echo "- Without a daemon numad 0.5 takes **${w_ratio}x** as long as numad (median $m_05 ms against $m_host ms on the same sysfs)."
			if [ -s "$peer_d_file" ]; then
				echo "- With its daemon running numad 0.5 answers in $m_05d ms (median), **${w_ratio_d}x** numad's $m_d ms with a daemon;"
				echo "  the two daemons differ (numad's is a simulated DL980, numad 0.5's this host), the client paths are what is compared."
			fi
			if [ -s "$work/w05d_hung" ]; then
				echo "- numad 0.5's \`-w\` hung past 10 s $(wc -l <"$work/w05d_hung") time(s) with its daemon running."
			fi
			if [ -n "$peer_note" ]; then
				echo "- $peer_note"
			fi
		else
			echo "- numad 0.5 is not installed at $peer: no peer figure."
		fi
		echo
	} >"$work/s1.md"
}

# --- 2. placement quality ------------------------------------------------------------------
s2() {
	local topos=() f t seen shared=${SHARED_TOPO_DIR:-$repo/../shared/topologies} same=0 extra=0
	log "2. placement quality"
	for f in tests/topologies/*.txt; do
		topos+=(--topo "$f")
	done
	# the shared layouts, when present, unless tests/topologies has the same text
	if [ -d "$shared" ]; then
		for f in "$shared"/*.txt; do
			seen=0
			for t in tests/topologies/*.txt; do
				if cmp -s "$f" "$t"; then
					seen=1
				fi
			done
			if [ $seen = 1 ]; then
				same=$((same + 1))
			else
				topos+=(--topo "$f") extra=$((extra + 1))
			fi
		done
		shared_note="Of the $((same + extra)) shared layouts in \`$(cd "$shared" && pwd)\`, $same are the same text as one in tests/topologies and are counted once; $extra are added."
	else
		shared_note="No shared layout directory (\`$shared\`, or SHARED_TOPO_DIR): the layouts are tests/topologies'."
	fi
	"$qual" --trials "$trials" --random "${topos[@]}" --ratios "$work/ratios" >"$work/quality.md"
	read -r q_ours q_base q_worse q_better <<<"$(awk -F'|' '$2 ~ /random/ { print $4 + 0, $7 + 0, $9, $11 }' "$work/quality.md")"
	{
		echo "## 2. Placement quality against the exact optimum"
		echo
		echo "\`numad_quality --trials $trials --random ${topos[*]}\` (\`tests/bench/quality.c\`): $trials seeded"
		echo "scenarios per layout (its CPUs, node sizes and SLIT, with each node's free memory drawn anew"
		echo "in every scenario) and $trials random hosts of 2-16 nodes. Each scenario asks for 1-8 vCPUs and"
		echo "5-55% of the free memory. The cost model is written apart from the engine: residency-weighted"
		echo "SLIT distance between the guest's vCPUs and its memory, the memory placed local first and never"
		echo "past 85% of a node, times the slowdown of vCPUs beyond 85% of the set's CPUs (why: QUALITY.md)."
		echo "Its exact optimum (every subset) is compared with numad's choice and with the greedy baseline"
		echo "of numad 0.5's kind: the node with the most free memory, then its nearest nodes until the guest"
		echo "fits below 85%. $shared_note"
		echo
		cat "$work/quality.md"
		echo
		awk -F'|' 'NR > 2 { sub(/, seed .*/, "", $2); gsub(/^ +| +$/, "", $2); n = $4 + 0; b = $7 + 0
			if (b < n) printf "%s%s", (k++ ? ", " : ""), $2 }
			END { if (k) printf "\n" }' "$work/quality.md" >"$work/quality_better"
		if [ -s "$work/quality_better" ]; then
			echo "- Under this model the baseline's mean cost is lower than numad's on: $(cat "$work/quality_better")."
			echo "  [QUALITY.md](QUALITY.md) gives the cases where the two models disagree and which one is right."
		else
			echo "- numad's mean cost is at or below the baseline's on every layout under this model."
		fi
		echo "- \"baseline cost over numad's, when worse\" is the mean excess of the baseline's cost over numad's"
		echo "  in the scenarios where the baseline is worse; \"baseline better\" counts the scenarios where it is cheaper."
		if [ $plot = 1 ]; then
			echo
			echo "![numad/optimum and baseline/optimum, cumulative, per layout](quality.png)"
		fi
		echo
	} >"$work/s2.md"
}

# --- 3. reaction ---------------------------------------------------------------------------
s3() {
	log "3. reaction ($events events per rate)"
	local load0
	load0=$(loadavg)
	NUMAD=$numad tests/bench/reaction.sh "$events" "${rates[@]}" >"$work/reaction.out"
	grep '^|' "$work/reaction.out" >"$work/reaction.md"
	# rate GB/s, mode, events, p50, p99, max, headroom, ooms
	awk -F'|' 'NR > 2 { for (i = 2; i <= 10; i++) { gsub(/ /, "", $i); if ($i == "-") $i = "NaN" }
		g = $2; sub(/\/s$/, "", g); if (g ~ /G$/) { sub(/G$/, "", g) } else { sub(/M$/, "", g); g /= 1024 }
		print g, $3, $4, $5, $6, $7, $8, $10 }' "$work/reaction.md" >"$work/reaction.dat"
	read -r r_oom r_oom05 r_rounds <<<"$(awk -v n="$events" '$2 == "numad" { o += $8; e += n } $2 == "numad05" { p += $8 }
		END { print o, p, e }' "$work/reaction.dat")"
	# per rate: the p99 of the rounds whose risk opened before numad moved, and how many moved before
	r_cells=$(awk -v n="$events" '$2 == "numad" { printf "%s%s ms (%d of %d before)", sep, ($5 == "NaN" ? "-" : $5), n - $3, n; sep = " / " }' "$work/reaction.dat")
	{
		echo "## 3. Reaction in the simulated host"
		echo
		echo "\`NUMAD=... tests/bench/reaction.sh $events ${rates[*]}\`: on the simulated DL980 at 25x, $events rounds per rate in"
		echo "which another process fills a restrictive guest's node at the given rate and the guest then grows."
		echo "The simulator knows the true consumption, so the latency runs from the moment the true time to"
		echo "exhaustion of the guest's nodes drops under the 2 s horizon to the moment its nodeset changed."
		echo "Minimum headroom is derived from the same ground truth: the crossing leaves 2 s x rate on the"
		echo "guest's nodes and the fill goes on at that rate, so the slowest reaction L leaves (2 s - L) x rate;"
		echo "0 where a guest was OOM-killed. \"numad05\" is this daemon with \`--numad05-timing\` (15 s scans, one"
		echo "move per scan, 300 s per process, no fast tier). \"Moves outside a risk\" are nodeset changes while"
		echo "the guest's nodes as a whole were not about to run out: a widening ahead of the horizon, or, after"
		echo "an extension, the move off the guest's first node once the filling process has run that node down"
		echo "to the margin (numad cannot tell a process bound to the node, whose failed allocation would"
		echo "OOM-kill the guest, from one that would fall back). Load average at the start: $load0."
		echo
		cat "$work/reaction.md"
		echo
		awk -v n="$events" '$2 == "numad" { o += $8; e += n } $2 == "numad05" { p += $8; f += n }
			END { printf "- OOM kills over all rates: numad %d of %d rounds, numad 0.5 timing %d of %d.\n", o, e, p, f }' "$work/reaction.dat"
		echo "- numad 0.5's timing reacts to none of these in time: it scans every 15 s, and a node fills in 2-13 s."
		if [ $plot = 1 ]; then
			echo
			echo "![reaction time and OOM kills against fill rate](reaction.png)"
		fi
		echo
	} >"$work/s3.md"
}

# --- 4. footprint --------------------------------------------------------------------------
s4() {
	local p hp sock=$work/fp.sock c0 c1 k0 k1 t0 t1 hz rss hwm nproc_host scan_s pc0 pc1 ppid
	log "4. footprint: idle.sh $idle_guests guests, $idle_secs simulated s"
	NUMAD=$numad tests/bench/idle.sh "$idle_guests" "$idle_secs" | grep '^|' >"$work/idle.md"
	log "4. footprint: $((sleepers + bigs)) real processes, $window s"
	hz=$(getconf CLK_TCK)
: >"$work/procs.out"
	"$procsbin" "$sleepers" "$bigs" "$big_mb" qemu-system-x86 >"$work/procs.out" &
	hp=$!
	pids+=("$hp")
	wait_for 600 grep -q '^ready' "$work/procs.out" || die "the $((sleepers + bigs)) processes did not start"
	nproc_host=$(find /proc -maxdepth 1 -name '[0-9]*' | wc -l)
	"$numad" -F -i 1:1 -S 1 --advise-only --config "" --socket "$sock" --pidfile "" --log "" >/dev/null 2>&1 &
	p=$!
	pids+=("$p")
	wait_for 30 "$numadctl" --socket "$sock" nodes >/dev/null 2>&1 || die "the daemon on this host does not answer"
	sleep 2 # past start-up and the first scans
	c0=$(cpu_ticks "$p"); k0=$(metric "$sock" numad_full_scans_total); t0=$EPOCHREALTIME
	sleep "$window"
	c1=$(cpu_ticks "$p"); k1=$(metric "$sock" numad_full_scans_total); t1=$EPOCHREALTIME
	scan_s=$(metric "$sock" numad_full_scan_duration_seconds)
	k0=${k0:-0} k1=${k1:-0} scan_s=${scan_s:-0}
	rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$p/status")
	hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$p/status")
	kill "$p"; wait "$p" 2>/dev/null || true; forget "$p"
	peer_row=""
	if [ $peer_window -gt 0 ] && [ "$nnodes" -eq 1 ] && peer_daemon_ok; then
		# one node: numad 0.5 can move nothing here, so it is safe to let it look at the same processes
		if start_peer -i 1:1; then
			ppid=$peer_pid
			sleep 2
			pc0=$(cpu_ticks "$ppid")
			sleep "$peer_window"
			pc1=$(cpu_ticks "$ppid")
			peer_row=$(awk -v c="$((pc1 - pc0))" -v hz="$hz" -v w="$peer_window" 'BEGIN {
				printf "%.2f s of CPU in %d s (%.1f s per hour)", c / hz, w, 3600 * c / hz / w }')
		fi
		stop_peer
	fi
	kill "$hp"; wait "$hp" 2>/dev/null || true; forget "$hp"
	idle_hour=$(awk -F'|' '{ gsub(/^ +| +$/, "", $6); print $6 }' "$work/idle.md" | tail -1)
	read -r fp_scan fp_hour <<<"$(awk -v c="$((c1 - c0))" -v hz="$hz" -v k="$((k1 - k0))" -v t0="$t0" -v t1="$t1" 'BEGIN {
		cpu = c / hz; printf "%.1f %.0f\n", (k > 0 ? 1000 * cpu / k : 0), 3600 * cpu / (t1 - t0) }')"
	{
		echo "## 4. Footprint"
		echo
		echo "### Idle, $idle_guests simulated guests"
		echo
		echo "\`NUMAD=... tests/bench/idle.sh $idle_guests $idle_secs\`: the daemon on a simulated DL980 with $idle_guests idle restrictive"
		echo "guests for $idle_secs simulated seconds at 60x. numad's CPU is the process's CPU less the simulator's own."
		echo
		cat "$work/idle.md"
		echo
		echo "### $((sleepers + bigs)) real processes on this host"
		echo
		echo "\`numad_procs $sleepers $bigs $big_mb qemu-system-x86\` starts $sleepers sleeping processes and $bigs that touch $big_mb MB"
		echo "each and are named \`qemu-system-x86\` ($nproc_host processes on the host in all, other users' included)."
		echo "Then \`numad -F -i 1:1 -S 1 --advise-only --config \"\" --socket TMP --pidfile \"\" --log \"\"\` runs"
		echo "for $window s after a 2 s start; its CPU time comes from \`/proc/PID/stat\` (utime + stime) and its"
		echo "scans from its \`numad_full_scans_total\` metric. \`--advise-only\` keeps it from moving anything on"
		echo "a multi-node host; it changes nothing in what is read. Load average at the end: $(loadavg)."
		echo
		echo "| window | full scans | CPU | CPU per scan | CPU per hour | share of one CPU | last scan took | RSS | peak RSS |"
		echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
		awk -v c="$((c1 - c0))" -v hz="$hz" -v k="$((k1 - k0))" -v t0="$t0" -v t1="$t1" -v s="$scan_s" -v r="$rss" -v h="$hwm" 'BEGIN {
			w = t1 - t0; cpu = c / hz; per = k > 0 ? 1000 * cpu / k : 0
			printf "| %.1f s | %d | %.2f s | %.1f ms | %.0f s | %.2f%% | %.0f ms | %.1f MB | %.1f MB |\n",
				w, k, cpu, per, 3600 * cpu / w, 100 * cpu / w, 1000 * s, r / 1024, h / 1024 }'
		echo
		if [ "$nnodes" -eq 1 ]; then
			echo "numad 0.5 has nothing to compare here: on a one-node host it wakes every interval and logs"
			echo "its node table, but scans no process (it only looks at processes with two or more nodes)."
			if [ -n "$peer_row" ]; then
				echo "Run with \`-i 1:1\` on the same processes it used $peer_row."
			fi
		else
			echo "This host has $nnodes nodes; numad 0.5 was not run here (it would move real processes)."
		fi
		echo
		echo "### Scan cost side by side with numad 0.5 on a real multi-node /proc"
		echo
		echo "Placeholder: this needs a kernel with several nodes, which the NUMA lab provides."
		echo "\`tests/lab/lab.sh run guest-4node g\` runs ours (\`-i 1:1 -S 1\`) and numad 0.5 (\`-i 1:1\`) on the same"
		echo "crowd of \`qemu-system-x86\` processes inside a 4-node VM and writes the figures to the scan-cost"
		echo "section of [tests/lab/RESULTS.md](../lab/RESULTS.md)."
		if [ -f tests/lab/RESULTS.md ] && grep -qi 'scan' tests/lab/RESULTS.md; then
			echo "That file has a scan-cost section in this tree."
		else
			echo "It has not been run for this tree yet."
		fi
		echo
	} >"$work/s4.md"
}

# --- 5. sampling and decisions -------------------------------------------------------------
s5() {
	log "5. numad_bench ${bench_args[*]:-}"
	"$benchbin" "${bench_args[@]}" >"$work/bench.out"
	{
		echo "## 5. Sampling and decision cost"
		echo
		echo "\`numad_bench${bench_args[*]:+ ${bench_args[*]}}\` (see README.md next to this file): one full sample of a fixture"
		echo "host tree, and one engine decision on 8, 16 and 64 nodes. The fixture measures numad's own"
		echo "parsing and system calls, not the kernel's cost of producing \`numa_maps\` on a real host."
		echo "numad 0.5 has no such entry points, so there is no peer figure. Load average: $(loadavg)."
		echo
		sed -n '/^## (a)/,$p' "$work/bench.out" | sed 's/^## /### /'
	} >"$work/s5.md"
}

# --- plots ---------------------------------------------------------------------------------
plots() {
	[ $plot = 1 ] || return 0
	log "plots"
	awk '$2 == "numad" { print $1, $4, $5, $6 }' "$work/reaction.dat" >"$work/r_ours.dat"
	awk '$2 == "numad05" { print $1, $4, $5, $6 }' "$work/reaction.dat" >"$work/r_05.dat"
	awk -v n="$events" '{ print $1, 100 * $8 / n, $2 }' "$work/reaction.dat" >"$work/r_oom.dat"
	awk '$3 == "numad" { print $1, $2 }' "$work/r_oom.dat" >"$work/r_oom_ours.dat"
	awk '$3 == "numad05" { print $1, $2 }' "$work/r_oom.dat" >"$work/r_oom_05.dat"
	local no05=""
	if ! awk '$2 != "NaN" { f = 1 } END { exit !f }' "$work/r_05.dat"; then
		no05='set label 1 "numad 0.5 timing: no nodeset change\nbefore the OOM kill at any rate" at graph 0.03, graph 0.52 left'
	fi
	gnuplot <<-EOF
		set terminal pngcairo size 1100,480 font "sans,10"
		set output "$out/reaction.png"
		set multiplot layout 1,2 title "Reaction on the simulated DL980, $events rounds per rate\n$caption" font "sans,11"
		set tmargin 4
		set logscale x 2
		set xtics ("0.5" 0.5, "1" 1, "2" 2, "4" 4)
		set xrange [0.4:5]
		set xlabel "fill rate on the guest's node (GB/s)"
		set ylabel "horizon crossing to nodeset applied (ms)"
		set yrange [0:*]
		set offsets 0, 0, 1000, 0
		set key top left opaque box
		set grid
		$no05
		plot "$work/r_ours.dat" using 1:2 with linespoints lw 2 pt 7 title "numad p50", \
		     "$work/r_ours.dat" using 1:3 with linespoints lw 2 pt 5 title "numad p99", \
		     "$work/r_ours.dat" using 1:4 with linespoints lw 1 dt 2 pt 4 title "numad max", \
		     2000 with lines lc rgb "red" lw 1.5 dt 2 title "2 s horizon"
		unset label
		set offsets 0, 0, 0, 0
		set ylabel "guests OOM-killed (% of rounds)"
		set yrange [0:105]
		set key center right
		plot "$work/r_oom_ours.dat" using 1:2 with linespoints lw 2 pt 7 title "numad", \
		     "$work/r_oom_05.dat" using 1:2 with linespoints lw 2 pt 9 title "numad, numad 0.5 timing"
		unset multiplot
	EOF
	# cumulative distributions of numad/optimum and baseline/optimum per model
	local labels=() l plot_a="" plot_b=""
	mapfile -t labels < <(awk '{ print $1 }' "$work/ratios" | awk '!s[$0]++')
	for l in "${labels[@]}"; do
		awk -v l="$l" '$1 == l { print $2 }' "$work/ratios" | sort -g | awk '{ v[NR] = $1 } END { for (i = 1; i <= NR; i++) print v[i], i / NR }' >"$work/cdf_a_$l"
		awk -v l="$l" '$1 == l { print $3 }' "$work/ratios" | sort -g | awk '{ v[NR] = $1 } END { for (i = 1; i <= NR; i++) print v[i], i / NR }' >"$work/cdf_b_$l"
		plot_a+="${plot_a:+, }\"$work/cdf_a_$l\" using 1:2 with steps lw 2 title \"${l%.txt}\""
		plot_b+="${plot_b:+, }\"$work/cdf_b_$l\" using 1:2 with steps lw 2 title \"${l%.txt}\""
	done
	gnuplot <<-EOF
		set terminal pngcairo size 1100,480 font "sans,10"
		set output "$out/quality.png"
		set multiplot layout 1,2 title "Cost over the exact optimum, $trials scenarios per layout\n$caption" font "sans,11"
		set tmargin 4
		set xrange [1:2.5]
		set yrange [0:1]
		set grid
		set key bottom right
		set xlabel "cost / optimum"
		set ylabel "share of scenarios at or under x"
		set title "numad"
		plot $plot_a
		set title "greedy baseline (most free memory, then nearest)"
		plot $plot_b
		unset multiplot
	EOF
}

# The headline figures, side by side, and where numad 0.5 is as good or better.
summary() {
	local peer_fp="-"
	if [ -n "$peer_row" ]; then
		peer_fp=${peer_row##*(}
		peer_fp="${peer_fp% per hour)} (it does not scan a one-node host)"
	elif [ "$nnodes" -eq 1 ]; then
		peer_fp="nothing (it does not scan a one-node host)"
	fi
	echo "## Headlines"
	echo
	echo "| | numad | numad 0.5 | ratio |"
	echo "| --- | --- | --- | --- |"
	if [ -n "$peer_version" ]; then
		echo "| \`-w 4:4096\`, no daemon, median | $m_host ms | $m_05 ms | ${w_ratio}x |"
		if [ -s "$work/w05d" ]; then
			echo "| \`-w 4:4096\`, daemon running, median | $m_d ms | $m_05d ms | ${w_ratio_d}x |"
		fi
	else
		echo "| \`-w 4:4096\`, no daemon / daemon running, median | $m_host / $m_d ms | not installed | |"
	fi
	echo "| placement cost over the optimum, random hosts, mean | $q_ours | $q_base (greedy baseline: worse than numad on $q_worse of hosts, better on $q_better) | |"
	echo "| OOM kills, reaction rounds at ${rates[*]}/s | $r_oom of $r_rounds | $r_oom05 of $r_rounds (numad 0.5 timing) | |"
	echo "| reaction at ${rates[*]}/s: p99 from the true horizon crossing to the nodeset change (rounds where numad moved before the crossing) | $r_cells | never before the OOM kill | |"
	echo "| CPU per hour, $((sleepers + bigs)) real processes, scans every 1 s | $fp_hour s ($fp_scan ms a scan) | $peer_fp | |"
	echo "| CPU per hour, $idle_guests idle simulated guests | $idle_hour | | |"
	grep '^| [^-]' "$here/apart.md" | grep -v '^| *|' || true # rows measured apart, by hand
	echo
	echo "The last $(grep '^| [^-]' "$here/apart.md" | grep -vc '^| *|') rows were measured apart, by hand ([apart.md](apart.md) names where each comes from)."
	echo "Where numad 0.5 is as good or better:"
	echo
	if [ -s "$work/quality_better" ]; then
		echo "- Placement, under the independent cost model: the greedy baseline of its kind has the lower mean"
		echo "  cost on $(cat "$work/quality_better"); on random hosts it is cheaper than numad in $q_better of the scenarios."
	else
		echo "- Placement, under the independent cost model: the greedy baseline is cheaper than numad in $q_better of"
		echo "  the random scenarios, though never on average for a layout."
	fi
	if [ "$nnodes" -eq 1 ]; then
		echo "- Footprint on this one-node host: numad 0.5 does no work here, numad scans $((sleepers + bigs)) processes."
	fi
	if [ -s "$work/w05d" ]; then
		awk -v a="$n_05d" -v b="$n_d" 'BEGIN { if (a < b) printf "- `-w` with a daemon: numad 0.5'"'"'s fastest answer (%s ms) beat numad'"'"'s fastest (%s ms).\n", a, b }'
	fi
	if [ "$r_oom" -gt 0 ]; then
		echo "- Neither keeps every guest alive at the fastest fill rate: numad lost $r_oom of $r_rounds rounds."
	fi
	echo "- On a host whose guests never grow or crowd each other both leave guests where pre-placement put them."
	echo
}

s1
s2
s3
s4
s5
plots

elapsed=$(($(date +%s) - started))
{
	echo "# numad performance report"
	echo
	if [ $quick = 1 ]; then
		echo "Written by \`$cmd\` (small sizes, a smoke test: do not quote these figures)."
	else
		echo "Written by \`$cmd\`."
	fi
	echo
	echo "- date: $date_utc; the run took $((elapsed / 60)) min $((elapsed % 60)) s"
	echo "- machine: $machine"
	echo "- load average: $load_start at the start, $(loadavg) at the end; the CPUs were shared with other"
	echo "  builds and tests, so compare ratios and medians, not absolute times"
	echo "- tree: commit $commit, built ${build_type:-?} in \`$(basename "$build_dir")\`"
	echo "- peer: ${peer_version:-numad 0.5 not installed}"
	if [ $plot = 0 ]; then
		echo "- plots: skipped, gnuplot is not installed"
	fi
	echo
	summary
	cat "$work/s1.md" "$work/s2.md" "$work/s3.md" "$work/s4.md" "$work/s5.md"
} >"$out/REPORT.md"
log "wrote $out/REPORT.md in $elapsed s"
