#!/bin/bash
# g. Scan cost on a real /proc.  N processes that look like idle guests to a /proc
# scanner (comm qemu-system-x86, 4 threads busy 1% each, RSS SCAN_MIB each,
# guest/fakeguest.c) for N in SCAN_STEPS; at each N numad 0.5 (numad -i 1:1) and
# ours (-i 1:1 -S 1, so that it scans processes that are not libvirt guests too)
# run in turn for the same wall time, and the CPU time each used in that time is
# read from /proc/PID/stat.  Then one process as large as the VM allows, its
# numa_maps against its cgroup's memory.numa_stat.  Nothing here is a placement
# check: the numbers go to out/section.md (RESULTS.md's scan-cost section).
# lab-timeout: 1700
# lab-mem-per-node: 3072
. /lab/common.sh

W=${SCAN_WINDOW:-40}         # seconds each daemon is measured, at each N
MIB=${SCAN_MIB:-310}         # RSS of each process (numad's threshold is 300 MB)
STEPS=${SCAN_STEPS:-}
BIG=${SCAN_BIG:-1}           # 0: skip the one-large-process part
# ours' options, one measured window each ("-S 1" is the comparison; "-S 0" shows
# what -S 1 adds): SCAN_OURS="-S 1,-S 0"
IFS=, read -r -a OURS_VARIANTS <<<"${SCAN_OURS:--S 1}"
FG=/usr/local/lib/lab-scan/qemu-system-x86_64   # not under /run: it is noexec
HZ=$(getconf CLK_TCK)
mkdir -p /usr/local/lib/lab-scan /run/numad
install -m 0755 /lab/fakeguest "$FG" || { fail "no /lab/fakeguest (lab.sh builds it with cc)"; exit 0; }

total_free() { awk '/MemAvailable/ { print int($2 / 1024) }' /proc/meminfo; }
if [ -z "$STEPS" ]; then
	# from 16 up to what the VM holds, keeping 1.2 GiB for libvirtd and the rest
	max=$((($(total_free) - 1200) / MIB))
	STEPS="16 $(((16 + max) / 2)) $max"
	[ "$max" -le 16 ] && STEPS=$max
fi
log "memory available: $(total_free) MiB; steps N = $STEPS, $MIB MiB each, window $W s"

PIDS=()
spawn() { # spawn COUNT MIB [CHUNK]
	local i
	for i in $(seq "$1"); do
		"$FG" "$2" 4 10 ${3:-} >/dev/null 2>&1 &
		PIDS+=($!)
	done
	# wait until every one holds its memory
	local want=$(($2 * 1024 * 90 / 100)) p ok
	for i in $(seq 600); do
		ok=1
		for p in "${PIDS[@]}"; do
			kill -0 "$p" 2>/dev/null || { log "process $p died"; return 1; }
			[ "$(awk '/VmRSS/ { print $2 }' "/proc/$p/status" 2>/dev/null || echo 0)" -ge "$want" ] || { ok=0; break; }
		done
		[ $ok = 1 ] && return 0
		sleep 1
	done
	return 1
}
killall_fake() { local p; for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; PIDS=(); }

ticks() { cut -d')' -f2 "/proc/$1/stat" 2>/dev/null | awk '{ print $12 + $13 }'; }
scans_ours() { timeout 10 /lab/numadctl --socket /run/numad/numad.sock metrics 2>/dev/null | awk '$1 == "numad_full_scans_total" || $1 == "numad_full_scans" { print $2; exit }'; }
uptime_s() { awk '{ printf "%d", $1 }' /proc/uptime; }

# measure PEER N [OURS-OPTIONS]: start the daemon, let it settle 5 s, measure W s, stop it.
# Appends "peer n uptime cpu_ms scans ms_per_scan advising" to $OUT/scancost.txt.
measure() {
	local peer=$1 n=$2 opts=${3:--S 1} pid t0 t1 s0 s1 up adv0 adv1 log
	if [ "$peer" = numad05 ]; then
		log=/var/log/numad.log
		rm -f /var/run/numad.pid
		/usr/bin/numad -i 1:1 >>"$OUT/numad.stderr" 2>&1
		sleep 1
		pid=$(cat /var/run/numad.pid 2>/dev/null)
	else
		log=/var/log/numad-ours.log
		# shellcheck disable=SC2086
		/lab/numad -F --log "$log" --pidfile "" --socket /run/numad/numad.sock -i 1:1 $opts >>"$OUT/numad.stderr" 2>&1 &
		pid=$!
	fi
	sleep 5
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || { fail "$peer did not start at N=$n"; return; }
	adv0=$(grep -c 'Advising pid [0-9]' "$log" 2>/dev/null || true)
	up=$(uptime_s)
	t0=$(ticks "$pid")
	[ "$peer" = ours ] && s0=$(scans_ours)
	sleep "$W"
	t1=$(ticks "$pid")
	[ "$peer" = ours ] && s1=$(scans_ours)
	adv1=$(grep -c 'Advising pid [0-9]' "$log" 2>/dev/null || true)
	if [ "$peer" = numad05 ]; then timeout 10 /usr/bin/numad -i 0 >/dev/null 2>&1; sleep 1; fi
	kill "$pid" 2>/dev/null
	for _ in $(seq 25); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
	kill -9 "$pid" 2>/dev/null
	t0=${t0:-0} t1=${t1:-0} adv0=${adv0:-0} adv1=${adv1:-0}
	local scans=$W
	[ "$peer" = ours ] && [ -n "$s0" ] && [ -n "$s1" ] && scans=$((s1 - s0))
	local ms=$(((t1 - t0) * 1000 / HZ))
	local label=$peer
	[ "$peer" = ours ] && [ "$opts" != "-S 1" ] && label="ours(${opts// /})"
	echo "$label $n $up $ms $scans $(awk -v a="$ms" -v b="$scans" 'BEGIN { printf "%.2f", b ? a / b : 0 }') $((adv1 - adv0))" >>"$OUT/scancost.txt"
	log "$label, N=$n, uptime $up s: $ms ms of CPU in $W s, $scans scans ($((adv1 - adv0)) Advising lines)"
}

: >"$OUT/scancost.txt"
first=1
for n in $STEPS; do
	need=$((n - ${#PIDS[@]}))
	log "N=$n: starting $need more processes of $MIB MiB"
	spawn "$need" "$MIB" || fail "the processes did not reach $MIB MiB at N=$n"
	log "N=$n: $(ls /proc | grep -c '^[0-9]') processes in all; free MiB per node $(free_all)"
	if [ $first = 1 ]; then
		# numad 0.5 evaluates nothing in the first 300 s after boot: is the scan paid then?
		measure numad05 "$n"
		first=0
	fi
	for v in "${OURS_VARIANTS[@]}"; do measure ours "$n" "$v"; done
	while [ "$(uptime_s)" -lt 310 ]; do sleep 5; done
	measure numad05 "$n"
done
killall_fake

# One process as large as the VM allows, its memory in one mapping and in 2 MiB
# chunks; the direct cost of numa_maps against memory.numa_stat, and both daemons.
big=$(($(total_free) - 1200))
for chunk in 0 2; do
	[ "$BIG" = 1 ] || break
	mkdir -p /sys/fs/cgroup/scanbig
	spawn 1 "$big" "$chunk" || fail "the large process did not reach $big MiB"
	p=${PIDS[0]}
	echo "$p" >/sys/fs/cgroup/scanbig/cgroup.procs
	lines=$(wc -l <"/proc/$p/numa_maps")
	# each read is one cat; the time of cat /dev/null (starting a process: about
	# 100 ms under TCG) is taken off
	rd() { local t0 t1; t0=$(date +%s%N); for _ in $(seq 10); do cat "$1" >/dev/null; done; t1=$(date +%s%N); echo $(((t1 - t0) / 10000)); }
	base=$(rd /dev/null)
	t=$(rd "/proc/$p/numa_maps")
	ns="n/a"
	[ -f /sys/fs/cgroup/scanbig/memory.numa_stat ] && ns=$(($(rd /sys/fs/cgroup/scanbig/memory.numa_stat) - base))
	mm=$(((t - base) / 1000))
	echo "big $big $chunk $lines $mm $ns $((base / 1000))" >>"$OUT/scanbig.txt"
	log "one process of $big MiB (chunks: $chunk MiB, 0: one mapping): numa_maps $lines lines, $mm ms a read; memory.numa_stat $ns us a read (cat itself: $((base / 1000)) ms, taken off)"
	measure numad05 "big$chunk"
	measure ours "big$chunk"
	killall_fake
	rmdir /sys/fs/cgroup/scanbig 2>/dev/null
done

cp /var/log/numad-ours.log "$OUT/" 2>/dev/null

# The section for RESULTS.md.
{
	echo "## Scan cost on a real /proc ($LAB_TOPOLOGY, $(nproc) vCPUs, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), QEMU TCG)"
	echo
	echo "N processes named qemu-system-x86_64 (comm \`qemu-system-x86\`, 4 threads busy 1% each, $MIB MiB RSS each, not"
	echo "libvirt domains; \`tests/lab/guest/fakeguest.c\`). At each N, numad 0.5 (\`numad -i 1:1\`) and ours"
	echo "(\`numad -i 1:1 -S 1\`) run in turn for $W s after a 5 s start; CPU is utime+stime from /proc/PID/stat"
	echo "over those $W s (10 ms ticks). Scans: ours from its \`numad_full_scans\` counter, numad 0.5 taken as one"
	echo "a second (\`-i 1:1\`). 'uptime' is the guest's when the window began: numad 0.5 evaluates nothing before 300 s."
	echo
	echo "| N | numad | guest uptime | CPU ms in ${W} s | scans | CPU ms per scan | Advising lines | ours / numad 0.5 |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
	awk '
	{ key = $2; if ($1 == "numad05") { if ($3 >= 300 || !(key in o5)) o5[key] = $6 }; rows[NR] = $0 }
	END {
		for (i = 1; i <= NR; i++) {
			split(rows[i], f, " ")
			r = ""
			if (f[1] ~ /^ours/ && (f[2] in o5) && o5[f[2]] > 0) r = sprintf("%.2f", f[6] / o5[f[2]])
			printf "| %s | %s | %s s | %s | %s | %s | %s | %s |\n", f[2], (f[1] == "numad05" ? "numad 0.5" : f[1]), f[3], f[4], f[5], f[6], f[7], r
		}
	}' "$OUT/scancost.txt"
	echo
	echo "'bigK': one process of the size below (K: its memory as one mapping, or in K MiB mappings)."
	echo "Reading its /proc/PID/numa_maps and its cgroup's memory.numa_stat directly, 10 reads each:"
	echo
	[ -s "$OUT/scanbig.txt" ] || echo "(not measured in this run: SCAN_BIG=0)"
	echo
	echo "| process MiB | mapping | numa_maps lines | numa_maps ms a read | memory.numa_stat µs a read | cat /dev/null ms (taken off) |"
	echo "| --- | --- | --- | --- | --- | --- |"
	awk '{ printf "| %s | %s | %s | %s | %s | %s |\n", $2, ($3 == 0 ? "one" : $3 " MiB chunks"), $4, $5, $6, ($7 == "" ? "not taken off" : $7) }' "$OUT/scanbig.txt" 2>/dev/null
} >"$OUT/section.md"
cat "$OUT/section.md"
check "scan-cost measurements recorded ($(wc -l <"$OUT/scancost.txt") windows)" test -s "$OUT/scancost.txt"
