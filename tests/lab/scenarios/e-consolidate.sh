#!/bin/bash
# e. Consolidation back onto near nodes.  Every node is filled (tmpfs) until no
# single node holds the guest, so libvirt's numad -w places it on a set of nodes
# and it spreads over them.  Then the first node of that set is emptied again:
# ours must pull the guest onto fewer, nearer nodes through libvirt (a
# consolidate move) and its memory must follow.  numad 0.5 is watched past its
# first 300 s after boot.
. /lab/common.sh

size=0
for n in $(cpu_nodes); do s=$(node_size "$n"); { [ $size = 0 ] || [ "$s" -lt $size ]; } && size=$s; done
mib=$((size * 45 / 100))
rate=${LAB_RATE:-32}
use_peer_binary
# leave 45% of every CPU node free: a node offers 30% at numad's 85% target
for n in $(cpu_nodes); do
	fill=$(($(node_free "$n") - size * 45 / 100))
	[ "$fill" -ge 16 ] || continue
	mkdir -p "/run/lab-fill$n"
	mount -t tmpfs -o "size=${fill}M,mpol=bind:$n" lab-fill "/run/lab-fill$n"
	dd if=/dev/zero of="/run/lab-fill$n/f" bs=1M count="$fill" 2>/dev/null
done
log "filled: free MiB per node $(free_all)"
sampler_start
numad_start --guest-interval 30
dom_xml guest1 1 "$mib" restrictive auto "toucher:$rate"
log "starting guest1: $mib MiB, restrictive, placement auto, touching $rate MiB/s"
virsh start guest1 >"$OUT/virsh-start.log" 2>&1
rc=$?
pid=$(dom_pid guest1)
answer=$(numad_last_answer)
wait_for $((mib / rate + 120)) holds_at_least guest1 $((mib - 8)) || log "guest1 did not get all its memory"
spread=$(dom_mems guest1)
mem0=$(dom_mem guest1)
log "guest1 (pid $pid): numad -w answered '$answer'; nodeset $spread; memory $mem0"
first=$(expand "$spread" | awk '{ print $1 }')
t_free=$(elapsed)
umount "/run/lab-fill$first" 2>/dev/null
log "emptied node $first: free MiB per node $(free_all)"
# Ours: up to 150 s for a consolidation; numad 0.5: until 420 s of uptime, and 150 s at least.
end=$(($(date +%s) + 150))
if [ "$LAB_PEER" = numad05 ]; then
	up=$(cut -d. -f1 /proc/uptime)
	[ $((420 - up)) -gt 150 ] && end=$(($(date +%s) + 420 - up))
fi
t_one=""
while [ "$(date +%s)" -lt "$end" ]; do
	m=$(dom_mem guest1)
	# 90% or more of guest1 on one node
	if echo "$m" | tr ' ' '\n' | awk -F= '{ t += $2; if ($2 > x) x = $2 } END { exit !(t > 0 && x >= 0.9 * t) }'; then
		t_one=$(elapsed)
		log "guest1 is on one node: $m"
		sleep 5
		break
	fi
	kill -0 "$pid" 2>/dev/null || break
	sleep 2
done
final=$(dom_mems guest1)
mem1=$(dom_mem guest1)
state=$(dom_state guest1)
numadctl_record end
numad_stop
sampler_stop
unfill
adv=$(grep -E "Advising pid ${pid:-x} \(" "$NUMAD_LOG" 2>/dev/null | tail -n1)
cons=$(grep -E "Applied through libvirt: domain guest1, consolidate move" "$NUMAD_LOG" 2>/dev/null | tail -n1 | sed 's/^.*: Applied/Applied/')
dist() { local a b m=10; for a in $(expand "$1"); do for b in $(expand "$1"); do d=$(node_dist "$a" "$b"); [ "$d" -gt $m ] && m=$d; done; done; echo $m; }
took=never
[ -n "$t_one" ] && took=$(awk -v a="$t_free" -v b="$t_one" 'BEGIN { printf "%.0f s", b - a }')

table "e. consolidation" "numad|-w answer|spread over (max distance)|memory spread|after emptying node $first|final nodeset (max distance)|final memory|on one node after|guest1"
row "$(peer_name)|${answer:-none}|${spread} ($(dist "$spread"))|$(echo "$mem0" | nonzero)|$(echo "$mem1" | nonzero)|${final} ($(dist "$final"))|$(echo "$mem1" | nonzero)|$took|$state"
note "guest1: ${mib} MiB, restrictive, placement auto; every CPU node had 45% of its memory free when it started. Decision: ${adv#*: } ${cons}"

check "guest1 started on several nodes (numad -w answered '$answer', nodeset $spread)" \
	test "$rc" = 0 -a "$(expand "$spread" | wc -w)" -ge 2
expect_ours "numad consolidated guest1 through libvirt: ${cons:-no consolidate move logged}" test -n "$cons"
expect_ours "guest1 ended on fewer nodes: $spread -> $final" \
	test "$(expand "$final" | wc -w)" -lt "$(expand "$spread" | wc -w)"
expect_ours "guest1's memory followed: 90% or more on one node ($(echo "$mem1" | nonzero))" test -n "$t_one"
expect_ours "guest1 still runs" test "$state" = running
info "OOM kills: $(oom_kills)"
