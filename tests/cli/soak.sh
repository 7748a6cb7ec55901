#!/usr/bin/env bash
# Soak: numad on the simulated DL980 while guests start and stop all the time (GUESTS
# guests cycling, each living LIFE seconds, about GUESTS*60/LIFE starts a minute) for
# SECONDS of simulated time at SPEED x. Checks, on the running daemon:
#   - memory is flat: RSS at the end within 5% (+512 KiB) of RSS after the warm-up;
#   - no descriptor leak: the same number of open fds at the end as after the warm-up;
#   - no flapping: no guest moved back to the nodes it left within 300 s;
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
{
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

# The fewest open fds over a few looks: a file being read at that instant is not a leak.
fds() {
	local n min=100000
	for _ in 1 2 3 4 5; do
		n=$(ls "/proc/$1/fd" | wc -l)
		[ "$n" -lt "$min" ] && min=$n
		sleep 0.05
	done
	echo "$min"
}
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

"$bin" --config "" --simulate "$here/tests/topologies/dl980-8node.txt" --scenario "$work/soak.scn" \
	--speed "$speed" --log "$work/numad.log" --socket "" --pidfile "" -F -l 5 > "$work/out" 2> "$work/err" &
pid=$!
# Look after a quarter of the run (warm-up) and again at 85% of it.
real=$(awk -v s="$secs" -v l="$life" -v x="$speed" 'BEGIN { print (s + l) / x }')
sleep "$(awk -v r="$real" 'BEGIN { print r * 0.25 }')"
rss0=$(rss $pid); fd0=$(fds $pid)
sleep "$(awk -v r="$real" 'BEGIN { print r * 0.60 }')"
rss1=$(rss $pid); fd1=$(fds $pid)
code=0
wait $pid || code=$?
starts=$(grep -c "managed (placement='auto')" "$work/numad.log" || true)
stops=$(grep -c "stopped" "$work/numad.log" || true)
echo "soak: ${secs} s simulated at ${speed}x: $starts guest starts, $stops stops"
echo "soak: RSS ${rss0} kB after warm-up, ${rss1} kB near the end; fds $fd0 -> $fd1; exit $code"
fail=0
if [ "$code" -ne 0 ]; then echo "FAIL: numad exited $code"; tail -20 "$work/err"; fail=1; fi
# ASan holds freed memory in quarantine, so RSS says nothing there; LeakSanitizer judges instead.
if ldd "$bin" 2>/dev/null | grep -q libasan; then
	echo "soak: ASan build: RSS not compared (quarantine); LeakSanitizer checks the exit"
elif [ "$rss1" -gt $(( rss0 + rss0 / 20 + 512 )) ]; then
	echo "FAIL: RSS grew from $rss0 to $rss1 kB"; fail=1
fi
if [ "$fd1" -ne "$fd0" ]; then echo "FAIL: open fds went from $fd0 to $fd1"; fail=1; fi
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
[ $fail -eq 0 ] && echo "soak: PASS"
exit $fail
