#!/usr/bin/env bash
# Soak: numad on the simulated DL980 while guests start and stop all the time (GUESTS
# guests cycling, each living LIFE seconds, about GUESTS*60/LIFE starts a minute) and
# other processes come and go in the simulated /proc (PROCS a minute, each living PLIFE
# seconds with PMEM on two nodes and one CPU busy), for SECONDS of simulated time at
# SPEED x. numad runs with -S 1, so every full scan reads all of that /proc and considers
# the processes numad-style (advice only: the simulated host is not the live one).
# Checks, on the running daemon:
#   - memory is flat: RSS at the end within 5% (+512 KiB) of RSS after the warm-up;
#   - no descriptor leak: the same number of open fds at the end as after the warm-up;
#   - no flapping: no guest or process moved back to the nodes it left within 300 s, and
#     no short-lived process advised twice;
#   - the churn reached numad: the simulator started the processes the scenario asks for,
#     numad advised some of them, each only as advice, and never a QEMU process this way;
#   - a clean exit (under ASan, LeakSanitizer's verdict is part of the exit code).
#   soak.sh NUMAD_BIN [SECONDS] [SPEED]
set -euo pipefail
bin=${1:?usage: soak.sh NUMAD_BIN [SECONDS] [SPEED]}
secs=${2:-600}
speed=${3:-30}
here=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/numad-soak.XXXXXX)
trap 'kill "$pid" 2>/dev/null || true; [ -n "${SOAK_KEEP:-}" ] || rm -rf "$work"' EXIT
guests=24 life=60
procs=300 plife=20 pmem=320M
{
	echo "0 procs per_min=$procs life=$plife mem=$pmem cpu=1"
	t=0
	while [ "$t" -lt "$secs" ]; do
		for ((g = 0; g < guests; g++)); do
			start=$((t + g * life / guests))
			[ "$start" -lt "$secs" ] || continue
			node=$(((t / life + g) % 8))
			echo "$start start s$g vcpus=2 mem=2G touch=1G mode=restrictive nodes=$node"
			[ $((g % 4)) -eq 0 ] && echo "$start grow s$g rate=256M until=2G"
			echo "$((start + life - 1)) stop s$g"
		done
		t=$((t + life))
	done | sort -n -s -k1,1
	echo "$((secs + life)) end"
} > "$work/soak.scn"

# Open fds, counted so that what a moment shows is not a leak, over twenty looks in a second:
# descriptors into the simulated tree other than the nodes' meminfo (a scan opens a process's
# files, /proc itself and the guests' cgroup files, and a loaded machine can stretch a scan)
# count at their fewest, since a leaked one stays open through all the looks; the others at
# their most, since numad closes a node's meminfo and opens it again when the simulator
# replaced the file, and a look in between sees one fewer.
fds() {
	local l brief kept bmin=100000 kmax=0
	for _ in $(seq 20); do
		[ -d "/proc/$1/fd" ] || break # it ended during the looks: the ones before count
		l=$(ls -l "/proc/$1/fd" 2>/dev/null | grep -- ' -> ' || true)
		brief=$(grep -E 'numad-sim\.[^/]*/root/' <<< "$l" | grep -vc '/meminfo$' || true)
		kept=$(( $(grep -c . <<< "$l" || true) - brief ))
		[ "$brief" -lt "$bmin" ] && bmin=$brief
		[ "$kept" -gt "$kmax" ] && kmax=$kept
		sleep 0.05
	done
	echo $((bmin + kmax))
}
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

"$bin" --config "" --simulate "$here/tests/topologies/dl980-8node.txt" --scenario "$work/soak.scn" \
	--speed "$speed" -S 1 --log "$work/numad.log" --socket "" --pidfile "" -F -l 5 > "$work/out" 2> "$work/err" &
pid=$!
# Look after a quarter of the run (warm-up) and again at about 75% of it.
real=$(awk -v s="$secs" -v l="$life" -v x="$speed" 'BEGIN { print (s + l) / x }')
sleep "$(awk -v r="$real" 'BEGIN { print r * 0.25 }')"
[ -d "/proc/$pid" ] || { echo "FAIL: numad is gone after a quarter of the run"; tail -20 "$work/err"; exit 1; }
rss0=$(rss $pid); fd0=$(fds $pid); ls -l "/proc/$pid/fd" > "$work/fd0" 2>&1 || true
sleep "$(awk -v r="$real" 'BEGIN { print r * 0.45 }')"
[ -d "/proc/$pid" ] || { echo "FAIL: numad is gone before 75% of the run"; tail -20 "$work/err"; exit 1; }
rss1=$(rss $pid); fd1=$(fds $pid); ls -l "/proc/$pid/fd" > "$work/fd1" 2>&1 || true
code=0
wait $pid || code=$?
starts=$(grep -c "managed (placement='auto')" "$work/numad.log" || true)
stops=$(grep -c "stopped" "$work/numad.log" || true)
started=$(sed -n 's/^other processes: \([0-9]*\) started.*/\1/p' "$work/out")
styled=$(grep -c "Advising pid [0-9]* (batch)" "$work/numad.log" || true)
echo "soak: ${secs} s simulated at ${speed}x: $starts guest starts, $stops stops;" \
	"${started:-0} other processes started ($procs a minute, ${plife} s each), $styled advised numad-style"
echo "soak: RSS ${rss0} kB after warm-up, ${rss1} kB near the end; fds $fd0 -> $fd1; exit $code"
fail=0
if [ "$code" -ne 0 ]; then echo "FAIL: numad exited $code"; tail -20 "$work/err"; fail=1; fi
# ASan holds freed memory in quarantine, so RSS says nothing there; LeakSanitizer judges instead.
if ldd "$bin" 2>/dev/null | grep -q libasan; then
	echo "soak: ASan build: RSS not compared (quarantine); LeakSanitizer checks the exit"
elif [ "$rss1" -gt $(( rss0 + rss0 / 20 + 512 )) ]; then
	echo "FAIL: RSS grew from $rss0 to $rss1 kB"; fail=1
fi
# A leak makes the count grow.
if [ "$fd1" -ne "$fd0" ]; then
	echo "FAIL: open fds went from $fd0 to $fd1; after the warm-up, then near the end:"
	cat "$work/fd0" "$work/fd1"; fail=1
fi
want=$(grep -c " start " "$work/soak.scn")
if [ "$starts" -lt "$want" ]; then echo "FAIL: $starts guest starts seen of $want"; fail=1; fi
# Flapping: a pid moved from X to Y and later from Y back to X within 300 s of the first move.
flaps=$(awk -F'Advising pid ' 'NF > 1 {
	split($1, t, " "); hms = t[4]; split(hms, c, ":"); s = c[1] * 3600 + c[2] * 60 + c[3];
	n = split($2, w, " "); pid = w[1];
	from = $2; sub(/.*from nodes \(/, "", from); sub(/\).*/, "", from);
	to = $2; sub(/.*to nodes \(/, "", to); sub(/\).*/, "", to);
	if (pid != -1 && (pid SUBSEP to SUBSEP from) in seen && s - seen[pid, to, from] < 300) flaps++;
	seen[pid, from, to] = s } END { print flaps + 0 }' "$work/numad.log")
if [ "$flaps" -ne 0 ]; then echo "FAIL: $flaps moves undid a move of the same guest within 300 s"; fail=1; fi
# The processes run from 0 to the end of the scenario: PROCS a minute of it, give or take one.
want=$(awk -v p="$procs" -v s="$secs" -v l="$life" 'BEGIN { printf "%d", p * (s + l) / 60 }')
if [ "${started:-0}" -lt $((want - 1)) ] || [ "${started:-0}" -gt $((want + 1)) ]; then
	echo "FAIL: ${started:-0} other processes started, the scenario asks for $want"; fail=1
fi
if [ "$styled" -lt 1 ]; then echo "FAIL: numad advised none of the other processes (-S 1)"; fail=1; fi
notonly=$(grep -A1 "Advising pid [0-9]* (batch)" "$work/numad.log" | grep -vc "Advising pid\|Advice only, not applied: process\|^--" || true)
if [ "$notonly" -ne 0 ]; then echo "FAIL: $notonly numad-style moves were not advice only"; fail=1; fi
twice=$(grep -o "Advising pid [0-9]* (batch)" "$work/numad.log" | sort | uniq -d | wc -l)
if [ "$twice" -ne 0 ]; then echo "FAIL: $twice short-lived processes advised twice"; fail=1; fi
qemu=$(grep -c ": process [0-9]* (qemu" "$work/numad.log" || true)
if [ "$qemu" -ne 0 ]; then echo "FAIL: $qemu QEMU processes handled numad-style"; fail=1; fi
[ $fail -eq 0 ] && echo "soak: PASS"
exit $fail
