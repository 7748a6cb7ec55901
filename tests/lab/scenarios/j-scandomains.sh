#!/bin/bash
# j. Scan cost with real libvirt domains.  N domains (restrictive, placement='auto', one
# vCPU, guest/toucher as their OS) of the largest size the VM holds eight of, for N in
# SCAN_DOMAINS (default 4 8); at each N ours and numad 0.5 run in turn at their defaults
# (ours: numad -F, numad 0.5: numad) for the same wall time, as an administrator would
# compare them, and the CPU time each used is read from /proc/PID/stat.  numad 0.5 is
# measured once the VM has been up 300 s (before that it evaluates nothing).  Nothing
# here is a placement check: the numbers go to out/section.md (RESULTS.md's sections).
# lab-timeout: 1800
# lab-mem-per-node: 3072
. /lab/common.sh

W=${SCAN_WINDOW:-120}        # seconds each daemon is measured, at each N
STEPS=${SCAN_DOMAINS:-4 8}
RATE=${SCAN_RATE:-128}       # MiB/s each domain touches its memory at
HZ=$(getconf CLK_TCK)
mkdir -p /run/numad
# -w at the domains' starts is numad 0.5's /usr/bin/numad (left in place): both daemons then
# find the same placements

total_free() { awk '/MemAvailable/ { print int($2 / 1024) }' /proc/meminfo; }
smallest=0
for n in $(cpu_nodes); do
	s=$(node_size "$n")
	if [ "$smallest" = 0 ] || [ "$s" -lt "$smallest" ]; then smallest=$s; fi
done
max_n=0
for n in $STEPS; do [ "$n" -gt "$max_n" ] && max_n=$n; done
# eight of them fill 70% of what the VM has left after 1.5 GiB for the system and libvirtd
# (an idle host: no node near its watermarks), and one fits a node at numad's 85% target
MIB=$((($(total_free) - 1500) * 70 / 100 / max_n))
[ "$MIB" -gt $((smallest * 60 / 100)) ] && MIB=$((smallest * 60 / 100))
log "memory available: $(total_free) MiB; smallest node $smallest MiB; domains of $MIB MiB, N = $STEPS, window $W s"

ticks() { cut -d')' -f2 "/proc/$1/stat" 2>/dev/null | awk '{ print $12 + $13 }'; }
sys_ticks() { cut -d')' -f2 "/proc/$1/stat" 2>/dev/null | awk '{ print $13 }'; }
private_dirty() { awk '/^Private_Dirty:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/smaps_rollup" 2>/dev/null; }
metric_ours() { timeout 10 /lab/numadctl --socket /run/numad/numad.sock metrics 2>/dev/null | awk -v m="$1" '$1 == m "_total" || $1 == m { print $2; exit }'; }
uptime_s() { awk '{ printf "%d", $1 }' /proc/uptime; }

STARTED=0
start_domains() { # start_domains N: define and start domains up to N, wait until they hold their memory
	local i want=$((MIB * 90 / 100)) ok
	for i in $(seq $((STARTED + 1)) "$1"); do
		dom_xml "scan$i" 1 "$MIB" restrictive auto "toucher:$RATE"
		timeout 300 virsh start "scan$i" >>"$OUT/virsh-start.log" 2>&1 || fail "virsh start scan$i failed"
	done
	STARTED=$1
	for _ in $(seq 600); do
		ok=1
		for i in $(seq "$STARTED"); do [ "$(dom_mem_total "scan$i")" -ge "$want" ] || { ok=0; break; }; done
		[ $ok = 1 ] && return 0
		sleep 1
	done
	return 1
}

# measure PEER N: start the daemon at its defaults, wait until it has made no move for 30 s,
# measure W s, stop it.
# Appends "peer n uptime cpu_ms scans fast_ticks private_dirty_mb advising sys_ms" to $OUT/scandomains.txt.
measure() {
	local peer=$1 n=$2 pid t0 t1 s0="" s1="" f0="" f1="" up adv0 adv1 log pd
	if [ "$peer" = numad05 ]; then
		log=/var/log/numad.log
		rm -f /var/run/numad.pid
		/usr/bin/numad >>"$OUT/numad.stderr" 2>&1
		sleep 1
		pid=$(cat /var/run/numad.pid 2>/dev/null)
	else
		log=/var/log/numad-ours.log
		/lab/numad -F --log "$log" --pidfile "" --socket /run/numad/numad.sock >>"$OUT/numad.stderr" 2>&1 &
		pid=$!
	fi
	sleep 10
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || { fail "$peer did not start at N=$n"; return; }
	# the moves a daemon makes when it starts are not its scan cost: measure once it has
	# made none for 30 s (at most 300 s of waiting)
	local quiet=0 last
	last=$(grep -c 'Advising pid [0-9]' "$log" 2>/dev/null || true)
	for _ in $(seq 60); do
		sleep 5
		adv0=$(grep -c 'Advising pid [0-9]' "$log" 2>/dev/null || true)
		if [ "$adv0" = "$last" ]; then quiet=$((quiet + 5)); else quiet=0; last=$adv0; fi
		[ $quiet -ge 30 ] && break
	done
	[ "${adv0:-0}" -gt 0 ] && info "$peer, N=$n: $adv0 Advising line(s) before the window (its moves at start)"
	up=$(uptime_s)
	t0=$(ticks "$pid")
	local k0 k1
	k0=$(sys_ticks "$pid")
	if [ "$peer" = ours ]; then s0=$(metric_ours numad_full_scans); f0=$(metric_ours numad_fast_ticks); fi
	sleep "$W"
	t1=$(ticks "$pid")
	k1=$(sys_ticks "$pid")
	if [ "$peer" = ours ]; then s1=$(metric_ours numad_full_scans); f1=$(metric_ours numad_fast_ticks); fi
	pd=$(private_dirty "$pid")
	adv1=$(grep -c 'Advising pid [0-9]' "$log" 2>/dev/null || true)
	if [ "$peer" = numad05 ]; then timeout 10 /usr/bin/numad -i 0 >/dev/null 2>&1; sleep 1; fi
	kill "$pid" 2>/dev/null
	for _ in $(seq 25); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
	kill -9 "$pid" 2>/dev/null
	local ms=$(((${t1:-0} - ${t0:-0}) * 1000 / HZ)) scans=- fast=-
	[ -n "$s0" ] && [ -n "$s1" ] && scans=$((s1 - s0))
	[ -n "$f0" ] && [ -n "$f1" ] && fast=$((f1 - f0))
	local sys_ms=$(((${k1:-0} - ${k0:-0}) * 1000 / HZ))
	echo "$peer $n $up $ms $scans $fast ${pd:--} $((${adv1:-0} - ${adv0:-0})) $sys_ms" >>"$OUT/scandomains.txt"
	log "$peer, N=$n domains, uptime $up s: $ms ms of CPU in $W s ($sys_ms in the kernel), scans $scans, fast ticks $fast, Private_Dirty ${pd:-?} MB ($((${adv1:-0} - ${adv0:-0})) Advising lines in the window)"
}

: >"$OUT/scandomains.txt"
for n in $STEPS; do
	log "N=$n: starting domains up to $n"
	start_domains "$n" || fail "the domains did not reach $MIB MiB at N=$n"
	log "N=$n: free MiB per node $(free_all); $(for i in $(seq "$n"); do printf 'scan%s=%s ' "$i" "$(dom_mems "scan$i")"; done)"
	if [ "$LAB_PEER" = ours ]; then measure ours "$n"; fi
	while [ "$(uptime_s)" -lt 310 ]; do sleep 5; done
	measure numad05 "$n"
	if [ "$LAB_PEER" != ours ]; then info "numad 0.5 only (--peer numad05): run with ours for the comparison"; fi
done
cp /var/log/numad-ours.log "$OUT/" 2>/dev/null

# The section for RESULTS.md.
{
	echo "## Scan cost with real libvirt domains ($LAB_TOPOLOGY, $(nproc) vCPUs, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), QEMU TCG)"
	echo
	echo "N libvirt domains of $MIB MiB (restrictive, placement='auto', 1 vCPU, \`guest/toucher.S\` as their OS, all"
	echo "memory touched, then idle), started with \`virsh start\`. At each N, ours at its defaults (\`numad -F\`:"
	echo "full scans between 1 and 15 s, the fast tier every 250 ms) and numad 0.5 at its defaults (\`numad\`: a scan"
	echo "every 5 to 15 s) run in turn for $W s, once each has made no move for 30 s; CPU is utime+stime from"
	echo "/proc/PID/stat (10 ms ticks), stime also apart. Ours' scans and fast ticks from its counters; numad 0.5 has no counter, so its CPU per scan is given"
	echo "for its two interval bounds (5 s and 15 s). Private_Dirty from /proc/PID/smaps_rollup at the window's end."
	echo "numad 0.5 is measured once the VM has been up 300 s: before that it evaluates nothing."
	echo
	echo "| N | numad | VM uptime | CPU ms in $W s (kernel) | CPU s per hour | full scans | fast ticks | CPU ms per full scan | Private_Dirty | moves in the window | ours / numad 0.5, per hour |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
	awk -v w="$W" '
	{ rows[NR] = $0; if ($1 == "numad05") o5[$2] = $4 }
	END {
		for (i = 1; i <= NR; i++) {
			split(rows[i], f, " ")
			hour = f[4] * 3600 / w / 1000
			if (f[1] == "numad05") {
				per = sprintf("%.1f-%.1f (interval 5-15 s)", f[4] / (w / 5), f[4] / (w / 15))
				name = "numad 0.5"
			} else {
				per = f[5] > 0 ? sprintf("%.1f (fast ticks included)", f[4] / f[5]) : "-"
				name = "ours"
			}
			r = ""
			if (f[1] == "ours" && (f[2] in o5) && o5[f[2]] > 0) r = sprintf("%.2f", f[4] / o5[f[2]])
			printf "| %s | %s | %s s | %s (%s) | %.1f | %s | %s | %s | %s MB | %s | %s |\n", f[2], name, f[3], f[4], f[9], hour, f[5], f[6], per, f[7], f[8], r
		}
	}' "$OUT/scandomains.txt"
} >"$OUT/section.md"
cat "$OUT/section.md"
check "scan-cost measurements with domains recorded ($(wc -l <"$OUT/scandomains.txt") windows)" test -s "$OUT/scandomains.txt"
