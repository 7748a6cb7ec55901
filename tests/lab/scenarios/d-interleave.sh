#!/bin/bash
# d. Interleave across nodes 0-2.  A guest with <memory mode='interleave'
# nodeset='0-2'/> takes equal shares of nodes 0, 1 and 2 (the article's 35 GB as
# 11.5 GB each).  numad observes it and must not break it up: no move, and the
# shares stay even.  numad 0.5 (which merges interleaved memory with -K 0, its
# default) is watched past its first 300 s after boot.
. /lab/common.sh

size=0
for n in $(cpu_nodes); do s=$(node_size "$n"); { [ $size = 0 ] || [ "$s" -lt $size ]; } && size=$s; done
mib=$((size * 60 / 100))
rate=${LAB_RATE:-16}
use_peer_binary
sampler_start
numad_start
dom_xml guestil 1 "$mib" interleave 0-2 "toucher:$rate"
log "starting guestil: $mib MiB, interleave over 0-2, touching $rate MiB/s"
virsh start guestil >"$OUT/virsh-start.log" 2>&1
rc=$?
pid=$(dom_pid guestil)
wait_for $((mib / rate + 120)) holds_at_least guestil $((mib - 8)) || log "guestil did not get all its memory"
mem0=$(dom_mem guestil)
log "guestil holds $(dom_mem_total guestil) MiB: $mem0"
# Watch: ours for 40 s (several full scans); numad 0.5 until the guest has been up
# 420 s, so that its 300 s start-up quiet time is over.
if [ "$LAB_PEER" = ours ]; then
	sleep 40
else
	up=$(cut -d. -f1 /proc/uptime)
	[ "$up" -lt 420 ] && { log "waiting $((420 - up)) s for numad 0.5's quiet time to pass"; sleep $((420 - up)); }
fi
mem1=$(dom_mem guestil)
mems=$(dom_nodeset guestil)
state=$(dom_state guestil)
numadctl_record end
numad_stop
sampler_stop
decisions=$(grep -c "Advising pid ${pid:-x} (" "$NUMAD_LOG" 2>/dev/null)
observed=$(grep -m1 -E "domain guestil .*interleave" "$NUMAD_LOG" 2>/dev/null)
# even: each of 0-2 within 20% of the mean, the rest under 5% of the total
even() {
	echo "$1" | tr ' ' '\n' | awk -F= '{ m[$1] = $2; t += $2 } END {
		mean = (m[0] + m[1] + m[2]) / 3; if (mean <= 0) exit 1
		for (n = 0; n <= 2; n++) if (m[n] < 0.8 * mean || m[n] > 1.2 * mean) exit 1
		for (n in m) if (n > 2 && m[n] > 0.05 * t) exit 1 }'
}
table "d. interleave across 0-2" "numad|guest memory|after touching (MiB by node)|at the end (MiB by node)|nodeset (virsh numatune)|decisions for it|guestil"
row "$(peer_name)|${mib} MiB, interleave 0-2|$(echo "$mem0" | nonzero)|$(echo "$mem1" | nonzero)|${mems}|${decisions:-0}|${state}"

check "guestil started (interleave 0-2)" test "$rc" = 0 -a -n "$pid"
check "guestil's memory was spread evenly over 0-2 after touching ($(echo "$mem0" | nonzero))" even "$mem0"
expect_ours "numad saw guestil as an interleaved guest: ${observed#*: }" test -n "$observed"
expect_ours "numad made no decision for guestil (Advising lines: ${decisions:-0})" test "${decisions:-0}" = 0
expect_ours "guestil is still spread evenly over 0-2 at the end ($(echo "$mem1" | nonzero))" even "$mem1"
expect_ours "guestil's nodeset is still 0-2 ($mems)" test "$mems" = 0-2
info "OOM kills: $(oom_kills)"
