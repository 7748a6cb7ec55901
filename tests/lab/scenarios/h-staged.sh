#!/bin/bash
# h. A staged consolidation.  guest1 (56% of a node) is placed by numad -w on two
# nodes P1 P2 (every other node filled, P1 and P2 left so that one of them does not
# hold guest1 and the pair does), and P1 and P2 are then filled further so that each
# ends up with 40% or more of it.  numad starts once guest1 holds all its memory;
# then the node holding more of guest1 is emptied.  Ours must consolidate guest1 onto
# it with a staged move (widen, move the pages itself at --migrate-rate, narrow), so
# that some 450-700 MiB leave the other node and no cpuset.mems write migrates more
# than 256 MiB, while `numadctl status` keeps answering within 1 s.
#
# Two watchers (guest/stagewatch.c) measure it apart from numad's log: one asks the
# control socket for status every 0.2 s (probe.log), the other reads the domain's
# memory.numa_stat and the cpuset.mems of its libvirt cgroup leaves every 0.1 s
# (mems.log).  numad 0.5 gets the same setup; its facts are INFO lines.
# lab-mem-per-node: 2048
# lab-timeout: 900
. /lab/common.sh

size=0
for n in $(cpu_nodes); do s=$(node_size "$n"); { [ $size = 0 ] || [ "$s" -lt $size ]; } && size=$s; done
mib=${LAB_GUEST_MIB:-$((size * 56 / 100))}
rate=${LAB_RATE:-24}
reserve=$((size * 15 / 100))           # what numad's 85% target keeps free on a node
need=$((mib + ${LAB_MARGIN:-64}))      # what numad asks of a node set for guest1
# P1 P2: the second and third CPU nodes (node 0 keeps the system's memory)
read -r p1 p2 _ < <(cpu_nodes | tr ' ' '\n' | grep -vx 0 | tr '\n' ' ')
if [ -z "$p2" ]; then
	fail "scenario h needs three nodes with CPUs (this topology: $(cpu_nodes))"
	exit 0
fi
use_peer_binary

# fill_to NODE FREE-MIB TAG: a tmpfs bound to NODE takes what is free there but FREE-MIB.
fill_to() {
	local n=$1 want=$2 tag=$3 fill
	fill=$(($(node_free "$n") - want))
	[ "$fill" -ge 16 ] || return 0
	mkdir -p "/run/lab-fill$tag"
	mount -t tmpfs -o "size=${fill}M,mpol=bind:$n" lab-fill "/run/lab-fill$tag"
	# fallocate: the pages are taken (mpol applies) without dd's copying, which takes
	# minutes under TCG
	fallocate -l "${fill}M" "/run/lab-fill$tag/f" 2>/dev/null ||
		dd if=/dev/zero of="/run/lab-fill$tag/f" bs=1M count="$fill" 2>/dev/null
}

# When numad's control socket stops answering: where numad's threads are (user stack
# words into executable mappings, for addr2line on the host), libvirtd's and QEMU's
# kernel stacks, what libvirt says of guest1.  At most 3 times, 20 s apart.
stalls=0 t_stall=0
stall_dump() {
	[ "$LAB_PEER" = ours ] && [ -s "$OUT/probe.log" ] || return 0
	local last
	last=$(tail -n1 "$OUT/probe.log")
	set -- $last
	if [ "$3" = 1 ] && awk -v ms="$2" 'BEGIN { exit !(ms < 1000) }'; then return 0; fi
	[ $stalls -lt 3 ] && [ $(($(date +%s) - t_stall)) -ge 20 ] || return 0
	stalls=$((stalls + 1))
	t_stall=$(date +%s)
	log "numad's control socket did not answer within 1 s (probe: $last): stacks in stall-$stalls.txt"
	{
		echo "== $(elapsed) s: probe $last"
		echo "== numad (pid $NUMAD_PID)"
		/lab/stagewatch stacks "$NUMAD_PID"
		echo "== numad maps"
		cat "/proc/$NUMAD_PID/maps"
		local p
		for p in $(pgrep -x libvirtd) ${pid:+$pid}; do
			echo "== kernel stacks of pid $p ($(cat "/proc/$p/comm" 2>/dev/null))"
			for t in /proc/"$p"/task/*; do
				echo "-- ${t##*/} $(cat "$t/comm" 2>/dev/null) $(cut -d' ' -f3 "$t/stat" 2>/dev/null) $(cat "$t/wchan" 2>/dev/null)"
				cat "$t/stack" 2>/dev/null
			done
		done
		echo "== virsh numatune guest1"
		timeout 20 virsh numatune guest1 2>&1
		echo "== virsh domjobinfo guest1"
		timeout 20 virsh domjobinfo guest1 2>&1
		echo "== blocked tasks"
		ps -eo pid,stat,wchan:32,comm | awk '$2 ~ /D/'
	} >"$OUT/stall-$stalls.txt" 2>&1
}

# 1. Every other node keeps 400 MiB; P1 and P2 keep half of guest1's need above the
#    reserve and 200 MiB more: the pair holds guest1, neither node alone does.
f1=$((need / 2 + reserve + 200))
for n in $(mem_nodes); do
	if [ "$n" = "$p1" ] || [ "$n" = "$p2" ]; then fill_to "$n" "$f1" "$n"; else fill_to "$n" 400 "$n"; fi
done
log "filled: free MiB per node $(free_all) (nodes $p1 and $p2 keep $f1 MiB; guest1 needs $need MiB of a node set)"
sampler_start
# The kernel's automatic NUMA balancing stays as the kernel has it (on, on a NUMA host)
# unless LAB_H_NUMA_BALANCING (NUMAD_LAB_SET_LAB_H_NUMA_BALANCING=0 on the host) says.
nb0=$(cat /proc/sys/kernel/numa_balancing 2>/dev/null)
[ -n "${LAB_H_NUMA_BALANCING:-}" ] && echo "$LAB_H_NUMA_BALANCING" >/proc/sys/kernel/numa_balancing
log "kernel.numa_balancing=$(cat /proc/sys/kernel/numa_balancing 2>/dev/null) (the kernel's: $nb0)"

# 2. guest1 starts; numad -w (no daemon yet) answers; its two nodes are then filled so
#    that neither holds more than 62% of guest1: each ends with 38% of it or more.
dom_xml guest1 1 "$mib" restrictive auto "toucher:$rate"
log "starting guest1: $mib MiB, restrictive, placement auto, touching $rate MiB/s"
virsh start guest1 >"$OUT/virsh-start.log" 2>&1 &
vs=$!
wait_for 180 test -s /run/libvirt/qemu/guest1.pid
pid=$(dom_pid guest1)
has_mems() { [ -n "$(dom_mems guest1)" ]; }
wait_for 60 has_mems
spread=$(dom_mems guest1)
# at most cap MiB of guest1 on either node: what it holds there now, and what stays free
cap=$((mib * 62 / 100))
held=$(dom_mem guest1 | nonzero)
for n in $(expand "$spread"); do fill_to "$n" $((cap - $(dom_mem_on guest1 "$n"))) "$n-2"; done
log "guest1 (pid ${pid:-none}) runs on nodes $spread, holding ${held:-nothing}; each of them now holds at most $cap MiB of it: $(free_all)"
scope=$(dom_scope guest1)
/lab/stagewatch sample "$scope" 100 "$OUT/mems.log" &
sw_sample=$!
wait $vs
rc=$?
answer=$(numad_last_answer)
wait_for $((mib / rate * 3 + 180)) holds_at_least guest1 $((mib - 8)) || log "guest1 did not get all its memory"
mem0=$(dom_mem guest1)
log "guest1: numad -w answered '$answer'; nodeset $spread; memory $mem0"
# The second fills have done their part; gone, they leave neither node crowded (a node
# at its low watermark is one the urgent rules move guest1 off).  LAB_H_KEEP_FILL=1
# keeps them (the first runs' setup: numad made an urgent move there at once).
if [ "${LAB_H_KEEP_FILL:-0}" != 1 ]; then
	for n in $(expand "$spread"); do umount "/run/lab-fill$n-2" 2>/dev/null; done
	log "second fills removed: free MiB per node $(free_all)"
fi

# 3. numad starts and looks at guest1 for a while; the probes begin.
if [ "$LAB_PEER" = numad05 ]; then
	# numad 0.5 evaluates nothing during its first 300 s after boot
	up=$(cut -d. -f1 /proc/uptime)
	numad_start
else
	numad_start --guest-interval 30
	/lab/stagewatch probe /run/numad/numad.sock 200 "$OUT/probe.log" &
	sw_probe=$!
fi
for i in $(seq 15); do sleep 1; stall_dump; done
numadctl_record before

# 4. Empty the node of P1 P2 that holds more of guest1; the other one's share must leave.
read -r x xs y ys < <(for n in $(expand "$spread"); do echo "$n $(dom_mem_on guest1 "$n")"; done | sort -k2,2nr | tr '\n' ' ')
t_free=$(elapsed)
umount "/run/lab-fill$x" "/run/lab-fill$x-2" 2>/dev/null
log "emptied node $x (guest1 holds $xs MiB there, $ys MiB on node $y): free MiB per node $(free_all)"

# 5. Until the move ends (ours: 240 s; numad 0.5: until 420 s of uptime, 150 s at least).
end=$(($(date +%s) + 240))
if [ "$LAB_PEER" = numad05 ]; then
	up=$(cut -d. -f1 /proc/uptime)
	end=$(($(date +%s) + 150))
	[ $((420 - up)) -gt 150 ] && end=$(($(date +%s) + 420 - up))
fi
t_one="" i=0 ended=""
staged_re="(Applied through libvirt|Stopped): domain guest1, consolidate move: staged:"
while [ "$(date +%s)" -lt "$end" ]; do
	i=$((i + 1))
	if [ -z "$ended" ] && grep -qE "$staged_re|Applied through libvirt: domain guest1, consolidate move" "$NUMAD_LOG" 2>/dev/null; then
		ended=$(elapsed)
		log "numad: $(grep -E "$staged_re|Applied through libvirt: domain guest1" "$NUMAD_LOG" | tail -n1 | sed 's/^.*: \(Applied\|Stopped\)/\1/')"
	fi
	# the daemon's own table of the move, with the time numadctl took (its start included)
	if [ "$LAB_PEER" = ours ] && [ -z "$ended" ] && [ $((i % 3)) = 0 ] &&
		grep -q 'Staging through libvirt: domain guest1' "$NUMAD_LOG" 2>/dev/null; then
		a=$(date +%s.%N)
		{ echo "== numadctl status at $(elapsed) s"; timeout 10 /lab/numadctl --socket /run/numad/numad.sock status 2>&1; } >>"$OUT/numadctl-during.txt"
		echo "(took $(awk -v a="$a" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }') s)" >>"$OUT/numadctl-during.txt"
	fi
	m=$(dom_mem guest1)
	if [ -z "$t_one" ] && echo "$m" | tr ' ' '\n' | awk -F= '{ t += $2; if ($2 > x) x = $2 } END { exit !(t > 0 && x >= 0.9 * t) }'; then
		t_one=$(elapsed)
		log "guest1 is on one node: $m"
	fi
	[ -n "$ended" ] && [ -n "$t_one" ] && break
	kill -0 "$pid" 2>/dev/null || { log "guest1's QEMU (pid $pid) is gone"; break; }
	stall_dump
	# numad silent for 90 s: the stall is recorded, waiting longer shows nothing more
	if [ "$LAB_PEER" = ours ] && [ $stalls -ge 3 ] &&
		awk -v now="$(elapsed)" '!/^#/ && $3 { t = $1 } END { exit !(now - t > 90) }' "$OUT/probe.log"; then
		log "numad has not answered for 90 s: giving up the wait"
		break
	fi
	sleep 1
done
sleep 5
final=$(dom_mems guest1)
mem1=$(dom_mem guest1)
state=$(dom_state guest1)
ooms=$(oom_kills)
stall_dump
[ -n "${sw_probe:-}" ] && kill "$sw_probe" 2>/dev/null
numadctl_record end
if [ "$LAB_PEER" = ours ]; then
	timeout 10 /lab/numadctl --socket /run/numad/numad.sock --json status >"$OUT/numadctl-status-end.json" 2>&1
fi
kill "$sw_sample" 2>/dev/null
wait "$sw_sample" ${sw_probe:+"$sw_probe"} 2>/dev/null
# whether numad ends on SIGTERM (its loop handles it) within 10 s; numad_stop then
# kills what is left
term_ok=no
if [ "$LAB_PEER" = ours ] && [ -n "$NUMAD_PID" ]; then
	numadctl_record final
	kill -TERM "$NUMAD_PID" 2>/dev/null
	for i in $(seq 50); do
		kill -0 "$NUMAD_PID" 2>/dev/null || { term_ok=yes; break; }
		sleep 0.2
	done
	[ $term_ok = yes ] || log "numad (pid $NUMAD_PID) did not end within 10 s of SIGTERM"
fi
numad_stop
sampler_stop

# ---------------------------------------------------------------- what happened

adv=$(grep -E "Advising pid ${pid:-x} \(" "$NUMAD_LOG" 2>/dev/null | tail -n1 | sed 's/^.*: Advising/Advising/')
staging=$(grep -E "Staging through libvirt: domain guest1, consolidate move" "$NUMAD_LOG" 2>/dev/null | tail -n1 | sed 's/^.*: Staging/Staging/')
concl=$(grep -E "$staged_re" "$NUMAD_LOG" 2>/dev/null | tail -n1 | sed 's/^.*: \(Applied\|Stopped\)/\1/')
single=$(grep -E "Applied through libvirt: domain guest1, consolidate move" "$NUMAD_LOG" 2>/dev/null | grep -v 'staged:' | tail -n1 | sed 's/^.*: Applied/Applied/')
nstaged=$(grep -cE "Staging through libvirt: domain guest1" "$NUMAD_LOG" 2>/dev/null)
moved=$(echo "$concl" | sed -n 's/.*staged: \([0-9]*\) of \([0-9]*\) MB moved.*/\1/p')
tomove=$(echo "$concl" | sed -n 's/.*staged: \([0-9]*\) of \([0-9]*\) MB moved.*/\2/p')
applied_staged=no
echo "$concl" | grep -q '^Applied through libvirt: domain guest1, consolidate move: staged:' && applied_staged=yes
staged_order=no
if [ -n "$staging" ] && [ "$applied_staged" = yes ]; then
	ls=$(grep -nE "Staging through libvirt: domain guest1, consolidate move" "$NUMAD_LOG" | tail -n1 | cut -d: -f1)
	la=$(grep -nE "Applied through libvirt: domain guest1, consolidate move: staged:" "$NUMAD_LOG" | tail -n1 | cut -d: -f1)
	[ "$ls" -lt "$la" ] && staged_order=yes
fi
# numad's moves of guest1, as windows in seconds since the scenario began: from 5 s
# before each Advising line (numad logs it when its first libvirt call is back) to the
# end of the second of the outcome that ends it (numad's log has whole seconds)
t0s=${LAB_T0%.*}
while IFS= read -r l; do
	when=$(date -d "${l%%: *}" +%s 2>/dev/null) || continue
	case $l in
	*"Advising pid $pid "*) ws=$((when - t0s - 5)) ;;  # logged once the first libvirt call is back
	*"Staging through libvirt: domain guest1,"*) ;;
	*": domain guest1, "*" move: "*) [ -n "${ws:-}" ] && echo "$ws $((when - t0s + 1))"; ws="" ;;
	esac
done < <(grep -E "Advising pid ${pid:-x} \(|(Applied through libvirt|Stopped|Staging through libvirt|Failed[^:]*|Refused[^:]*|Advice only[^:]*): domain guest1, " "$NUMAD_LOG" 2>/dev/null) >"$OUT/move-windows.txt"
[ -n "${ws:-}" ] && echo "$ws $(($(date +%s) - t0s))" >>"$OUT/move-windows.txt"   # a move that never ended
nwin=$(wc -l <"$OUT/move-windows.txt")

# The VM's own stalls (TCG on a busy host): gaps of more than 0.5 s between samples of
# mems.log, whose sampler does nothing but read two cgroup files
awk '!/^#/ { if (p != "" && $1 - p > 0.5) printf "%.3f %.3f\n", p, $1; p = $1 }' "$OUT/mems.log" 2>/dev/null >"$OUT/vm-stalls.txt"

# The probes: over the whole run, and during numad's moves; each probe over 1 s with
# whether a VM stall overlaps it
pn=0 pbad=0 p50=- pmax=- pslow=0 pwin=0 pwinbad=0 pwinslow=0 pw50=- pwmax=- pgap=- pslowvm=0 last_ok=no
if [ -s "$OUT/probe.log" ]; then
	awk -v wf="$OUT/move-windows.txt" -v sf="$OUT/vm-stalls.txt" '
	BEGIN { while ((getline l < wf) > 0) { split(l, a, " "); ws[++nw] = a[1]; we[nw] = a[2] }
		while ((getline l < sf) > 0) { split(l, a, " "); ss[++ns] = a[1]; se[ns] = a[2] } }
	function inwin(t,   i) { for (i = 1; i <= nw; i++) if (t >= ws[i] && t <= we[i]) return i; return 0 }
	function vm(t, d,   i) { for (i = 1; i <= ns; i++) if (ss[i] < t + d && se[i] > t) return 1; return 0 }
	!/^#/ { w = inwin($1); slow = !$3 || $2 >= 1000; v = slow ? vm($1, $2 / 1000) : 0
		print $1, $2, $3, w, slow, v
		if (w) { if (lastw[w] != "" && $1 - lastw[w] > gap) gap = $1 - lastw[w]; lastw[w] = $1 } }
	END { printf "# maxgap %.2f\n", gap }' "$OUT/probe.log" >"$OUT/probes.txt"
	pn=$(grep -vc '^#' "$OUT/probes.txt")
	pbad=$(awk '!/^#/ && !$3' "$OUT/probes.txt" | wc -l)
	pslow=$(awk '!/^#/ && $5' "$OUT/probes.txt" | wc -l)
	pslowvm=$(awk '!/^#/ && $5 && $6' "$OUT/probes.txt" | wc -l)
	read -r p50 pmax < <(awk '!/^#/ { print $2 }' "$OUT/probes.txt" | sort -n |
		awk '{ a[++k] = $1 } END { if (k) printf "%.0f %.0f\n", a[int((k + 1) / 2)], a[k]; else print "- -" }')
	pwin=$(awk '!/^#/ && $4' "$OUT/probes.txt" | wc -l)
	pwinbad=$(awk '!/^#/ && $4 && !$3' "$OUT/probes.txt" | wc -l)
	pwinslow=$(awk '!/^#/ && $4 && $5' "$OUT/probes.txt" | wc -l)
	pwinslowvm=$(awk '!/^#/ && $4 && $5 && $6' "$OUT/probes.txt" | wc -l)
	read -r pw50 pwmax < <(awk '!/^#/ && $4 { print $2 }' "$OUT/probes.txt" | sort -n |
		awk '{ a[++k] = $1 } END { if (k) printf "%.0f %.0f\n", a[int((k + 1) / 2)], a[k]; else print "- -" }')
	pgap=$(sed -n 's/^# maxgap //p' "$OUT/probes.txt")
	[ "$(awk '!/^#/ { v = $3 } END { print v }' "$OUT/probes.txt")" = 1 ] && last_ok=yes
fi
probes_by_stage=$(awk '!/^#/ && $4 != "-" { c[$4]++ } END { for (s in c) printf "%s%s %d", (n++ ? ", " : ""), s, c[s] }' "$OUT/probe.log" 2>/dev/null)
moved_total=$(awk '!/^#/ && $6 >= 0 { v = $6 } END { print (v == "" ? "-" : v) }' "$OUT/probe.log" 2>/dev/null)
[ -n "$moved_total" ] || moved_total=-

# Every change of cpuset.mems that removes nodes, in the domain's libvirt leaves
# (mems.log): the changes within 5 s of each other are one nodeset change (one
# libvirt call writes emulator, vcpu0, then libvirt); what it migrated is the memory
# on the removed nodes in the last sample before it, less the least left there in any
# sample after it until the next change (30 s at most).  A sample reads numa_stat
# before cpuset.mems, so "before" cannot already be partly migrated; taking the least
# after it counts a migration that ends after the new value is visible.
awk '
function expand(s, out,   n, i, j, p, r) {
	delete out
	if (s == "-" || s == "none") return
	n = split(s, p, ",")
	for (i = 1; i <= n; i++) { if (split(p[i], r, "-") == 2) { for (j = r[1]; j <= r[2]; j++) out[j] = 1 } else out[p[i] + 0] = 1 }
}
function on(k, set,   s, n) { s = 0; for (n in set) s += mem[k, n]; return s }
!/^#/ {
	k++; t[k] = $1
	for (c = 2; c <= 4; c++) ms[k, c] = $c
	for (i = 5; i <= NF; i++) { split($i, a, "="); mem[k, a[1]] = a[2] }
}
END {
	g = 0
	for (i = 2; i <= k; i++) {
		for (c = 2; c <= 4; c++) {
			if (ms[i, c] == ms[i - 1, c] || ms[i, c] == "-" || ms[i - 1, c] == "-") continue
			expand(ms[i - 1, c], old); expand(ms[i, c], new)
			rm = ""
			for (n in old) if (!(n in new)) rm = rm " " n
			if (rm == "") continue
			if (g == 0 || t[i] - t[gs[g]] > 5) { g++; gs[g] = i; desc[g] = "" }
			split(rm, r, " "); for (j in r) if (r[j] != "") rmset[g, r[j]] = 1
			desc[g] = desc[g] (desc[g] == "" ? "" : "; ") (c == 2 ? "emulator" : c == 3 ? "vcpu0" : "libvirt") " " ms[i - 1, c] "->" ms[i, c]
		}
	}
	for (h = 1; h <= g; h++) {
		delete set
		for (key in rmset) { split(key, q, SUBSEP); if (q[1] == h) set[q[2]] = 1 }
		rs = ""; for (n in set) rs = rs (rs == "" ? "" : ",") n
		before = on(gs[h] - 1, set)
		stop = (h < g) ? gs[h + 1] : k + 1
		least = -1
		for (i = gs[h]; i < stop && t[i] - t[gs[h]] <= 30; i++) { v = on(i, set); if (least < 0 || v < least) least = v }
		printf "%.1f %s %d %d %d %s\n", t[gs[h]], rs, before / 1024, least / 1024, (before - least) / 1024, desc[h]
	}
}' "$OUT/mems.log" 2>/dev/null >"$OUT/writes.txt"
nwrites=$(wc -l <"$OUT/writes.txt")
largest=$(awk 'BEGIN { m = 0 } { if ($5 > m) m = $5 } END { print m }' "$OUT/writes.txt")
[ -s "$OUT/mems.log" ] || largest=-
# What node y held of guest1 at most, and at the end, by the same samples
left_y=$(awk -v y="$y" '!/^#/ { for (i = 5; i <= NF; i++) { split($i, a, "="); if (a[1] == y) { v = a[2]; if (max == "" || v > max) max = v } } }
	END { printf "%d -> %d", max / 1024, v / 1024 }' "$OUT/mems.log" 2>/dev/null)
onenode=no
echo "$mem1" | tr ' ' '\n' | awk -F= '{ t += $2; if ($2 > x) x = $2 } END { exit !(t > 0 && x >= 0.9 * t) }' && onenode=yes
took=never
[ -n "$t_one" ] && took=$(awk -v a="$t_free" -v b="$t_one" 'BEGIN { printf "%.0f s", b - a }')

# When numad's move did not take guest1's memory: where its pages are (numa_maps) and
# whether the kernel moves them when asked as numad asks (64 MB at most; after every
# measurement above)
if [ "$LAB_PEER" = ours ] && [ "$onenode" = no ] && kill -0 "$pid" 2>/dev/null; then
	cp "/proc/$pid/numa_maps" "$OUT/qemu-numa_maps.txt" 2>/dev/null
	{
		echo "== /proc/$pid/smaps_rollup"; cat "/proc/$pid/smaps_rollup"
		echo "== THP: $(cat /sys/kernel/mm/transparent_hugepage/enabled) defrag $(cat /sys/kernel/mm/transparent_hugepage/defrag)"
		echo "== /proc/$pid/status"; grep -E 'Cpus_allowed_list|Mems_allowed_list' "/proc/$pid/status"
		echo "== free per node: $(free_all)"
	} >"$OUT/qemu-memory.txt" 2>&1
	/lab/stagewatch movetest "$pid" "$y" "$x" 64 >"$OUT/movetest.txt" 2>&1
	echo "guest1 after the movetest: $(dom_mem guest1)" >>"$OUT/movetest.txt"
	log "movetest (pages of pid $pid from node $y to node $x): $(grep -E '^  |^asked' "$OUT/movetest.txt" | tr '\n' ';' | tr -s ' ')"
fi
unfill

log "staged move: ${moved:-?} of ${tomove:-?} MB ($nstaged staged moves); probes during the moves: $pwin, p50 $pw50 ms, max $pwmax ms; all probes: $pn, p50 $p50 ms, max $pmax ms, $pslow over 1 s ($pslowvm in a VM stall), $pbad unanswered; largest nodeset write $largest MiB ($nwrites that removed nodes); node $y's share of guest1 $left_y MiB; kernel.numa_balancing=$(cat /proc/sys/kernel/numa_balancing 2>/dev/null)"

table "h. staged consolidation" "numad|-w answer|memory before|emptied|decision|staged move (numad's log)|largest write (MiB)|status probes during the moves: n, p50/max ms (all: n, p50/max)|final nodeset|final memory|on one node after|guest1"
row "$(peer_name)|${answer:-none}|$(echo "$mem0" | nonzero)|$x|${adv:+${adv#Advising pid * move from nodes }}|${moved:-?} of ${tomove:-?} MB moved by numad|$largest|$pwin, $pw50/$pwmax ($pn, $p50/$pmax)|$final|$(echo "$mem1" | nonzero)|$took|$state"
note "guest1: ${mib} MiB, restrictive, placement auto, on nodes $spread (each held to $cap MiB of it by a second fill while it grew); node $x emptied, node $y's share went ${left_y} MiB. Writes that removed nodes (time, nodes, MiB there before, least after, migrated, leaves): $(tr '\n' '|' <"$OUT/writes.txt" | sed 's/|$//; s/|/ || /g'). Probes by stage seen: ${probes_by_stage:-none}; $pslow of $pn over 1 s or unanswered ($pslowvm during a VM stall, vm-stalls.txt). numad's actuator moved ${moved_total} MB itself (move_pages(2); migrate_pages(2) for the pages NUMA balancing hides from it: $(grep -c "move with migrate_pages" "$NUMAD_LOG" 2>/dev/null) such calls). ${staging} ${concl}${single}"

check "guest1 started on two nodes, $spread (numad -w answered '$answer')" \
	test "$rc" = 0 -a "$(expand "$spread" | wc -w)" = 2
# each node of the pair holds 30% of guest1 or more (62% at most by the fills, a little
# more where the kernel reclaimed page cache), and together all of it
split_ok() {
	echo "$mem0" | tr ' ' '\n' | awk -F= -v set=" $(expand "$spread") " -v t="$mib" \
		'index(set, " " $1 " ") { if ($2 >= 0.3 * t) n++; s += $2 } END { exit !(n == 2 && s >= t - 8) }'
}
check "guest1 holds all its memory, 30% or more on each of its nodes ($(echo "$mem0" | nonzero))" split_ok
expect_ours "numad consolidated guest1 with a staged move: ${staging:-no Staging line}" test -n "$staging"
expect_ours "the staged move ended applied, after its Staging line: ${concl:-no staged outcome}${single:+ (one write: $single)}" \
	test "$staged_order" = yes
expect_ours "more than 256 MB moved by numad itself, not by a nodeset write (${moved:-?} of ${tomove:-?} MB, node $y's share went $left_y MiB)" \
	test "${moved:-0}" -gt 256
expect_ours "every status probe during numad's moves answered within 1 s: $pwin probes in $nwin moves, p50 $pw50 ms, max $pwmax ms, $pwinslow over 1 s or unanswered (${pwinslowvm:-0} of them in a VM stall)" \
	test "$pwin" -gt 0 -a "$pwinslow" = 0
expect_ours "probes every 0.2 s throughout the moves: $pwin, the longest gap between two ${pgap:-?} s" \
	awk -v n="$pwin" -v g="${pgap:-99}" 'BEGIN { exit !(n >= 3 && g <= 1.2) }'
expect_ours "numad's control socket still answers at the end, and numad stops on SIGTERM (all probes: $pn, p50 $p50 ms, max $pmax ms, $pbad unanswered)" \
	test "$last_ok" = yes -a "$term_ok" = yes
expect_ours "no nodeset write migrated more than 256 MiB: largest $largest MiB of $nwrites that removed nodes (mems.log)" \
	test "$largest" != - -a "$nwrites" -ge 1 -a "${largest:-999}" -le 256
expect_ours "guest1's memory followed: 90% or more on one node ($(echo "$mem1" | nonzero), nodeset $final)" test "$onenode" = yes
check "nothing was OOM-killed ($ooms)" test "$ooms" = 0
expect_ours "guest1 still runs" test "$state" = running
