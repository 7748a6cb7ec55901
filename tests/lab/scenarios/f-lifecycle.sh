#!/bin/bash
# f. Lifecycle.  Guests start and stop under a running numad, and libvirtd is
# restarted in the middle: numad must keep running, reconnect, pick up the
# guest that started after the restart and forget the ones that stopped.
. /lab/common.sh

size=0
for n in $(cpu_nodes); do s=$(node_size "$n"); { [ $size = 0 ] || [ "$s" -lt $size ]; } && size=$s; done
use_peer_binary
sampler_start
numad_start
alive=yes
t_alive() { numad_alive || alive=no; }

dom_xml guest1 1 $((size / 5)) restrictive auto "toucher:32"
dom_xml guest2 1 $((size / 5)) restrictive auto "toucher:32"
virsh start guest1 >/dev/null 2>&1 && log "guest1 started: pid $(dom_pid guest1), nodeset $(dom_mems guest1)"
sleep 5; t_alive
managed1=$(grep -c "domain guest1 .*managed" "$NUMAD_LOG" 2>/dev/null)
conn_before=$(grep -c "connected to libvirt" "$NUMAD_LOG" 2>/dev/null)

log "restarting libvirtd"
t_restart=$(elapsed)
systemctl restart libvirtd
wait_for 60 virsh -q version >/dev/null 2>&1
log "libvirtd is back"
t_alive
t_reconn=""
reconnected() { [ "$(grep -c 'connected to libvirt' "$NUMAD_LOG" 2>/dev/null)" -gt "${conn_before:-0}" ]; }
wait_for 60 reconnected && t_reconn=$(elapsed) && log "numad reconnected"
conn_after=$(grep -c "connected to libvirt" "$NUMAD_LOG" 2>/dev/null)
reconnect=$(grep "connected to libvirt" "$NUMAD_LOG" 2>/dev/null | tail -n1)

virsh start guest2 >/dev/null 2>&1 && log "guest2 started: pid $(dom_pid guest2), nodeset $(dom_mems guest2)"
wait_for 30 grep -q "domain guest2 .*managed" "$NUMAD_LOG"
managed2=$(grep -c "domain guest2 .*managed" "$NUMAD_LOG" 2>/dev/null)
t_alive
log "stopping guest1"
virsh destroy guest1 >/dev/null 2>&1
sleep 8
t_alive
numadctl_record after-stop
listed1=no
[ -f "$OUT/numadctl-after-stop.txt" ] && grep -A3 '== numadctl guests' "$OUT/numadctl-after-stop.txt" | grep -q '^guest1 ' && listed1=yes
# -w still answers while the daemon runs, after the restart
w=$(timeout 30 /usr/bin/numad -w 1:128 2>/dev/null)
t_alive
virsh destroy guest2 >/dev/null 2>&1
sleep 3
t_alive
numad_stop
sampler_stop
perm=$(grep -c "Failed permanently" "$NUMAD_LOG" 2>/dev/null)

reconn=no
[ "${conn_after:-0}" -gt "${conn_before:-0}" ] &&
	reconn="yes, seen $(awk -v a="$t_restart" -v b="$t_reconn" 'BEGIN { printf "%.0f", b - a }') s after the restart began"

table "f. lifecycle with a libvirtd restart" "numad|daemon survived|reconnected|guest started after restart managed|stopped guest forgotten|-w after restart|permanent failures"
row "$(peer_name)|$alive|$reconn|$( [ "${managed2:-0}" -gt 0 ] && echo yes || echo no)|$( [ $listed1 = no ] && echo yes || echo no)|${w:-none}|${perm:-0}"

check "numad ($(peer_name)) ran through guest starts, stops and the libvirtd restart" test "$alive" = yes
expect_ours "guest1 was managed before the restart" test "${managed1:-0}" -gt 0
expect_ours "numad reconnected to libvirtd after the restart: ${reconnect#*: }" test "${conn_after:-0}" -gt "${conn_before:-0}"
expect_ours "guest2, started after the restart, is managed" test "${managed2:-0}" -gt 0
expect_ours "guest1, stopped, is no longer listed by numadctl guests" test "$listed1" = no
check "numad -w answers after the restart (${w:-nothing})" test -n "$w"
expect_ours "no permanent failure logged (${perm:-0})" test "${perm:-0}" = 0
info "OOM kills: $(oom_kills)"
