#!/bin/bash
# c. Strict danger.  The crowded node of b, with <memory mode='strict'
# placement='auto'/>: QEMU binds the guest's memory itself and libvirt refuses
# to change a strict domain's nodeset live.  Ours must warn, with the time to
# exhaustion, and must not try a change libvirt would refuse.  With numad 0.5
# the run records what happens.
. /lab/common.sh

crowd strict
warn=$(grep -m1 -E "domain guest1 \(pid [0-9]+\) is in strict mode" "$NUMAD_LOG" 2>/dev/null)
tte=$(grep -m1 -E "domain guest1: time to exhaustion [0-9.]+ s" "$NUMAD_LOG" 2>/dev/null | sed 's/^.*: domain/domain/')
t_warn=$(log_time "domain guest1: time to exhaustion" || true)
tried=$(grep -cE "Advising pid ${C_PID:-x} \(|(Refused|Failed[^:]*): domain guest1" "$NUMAD_LOG" 2>/dev/null)
refused=$(grep -c "requires restrictive numa mode" "$LIBVIRTD_LOG" 2>/dev/null)

warned=no
[ -n "$warn" ] && warned=yes

table "c. strict danger, mode='strict'" \
	"numad|-w answer|nodeset when crowded|crowding|warning|time to exhaustion logged|changes tried|final nodeset|guest1 MiB by node|OOM kills|guest1|memtester"
row "$(peer_name)|${C_ANSWER:-none}|${C_NODESET0:-?}|${C_HOG} MiB on node ${C_X:-?}|$warned|${tte:-none}${t_warn:+ (at ${t_warn} s; crowded at ${C_T_CROWD%.*} s${C_T_GONE:+, QEMU gone at ${C_T_GONE%.*} s})}|${tried:-0} (libvirt refusals: ${refused:-0})|${C_FINAL_NODESET:--}|$(echo "$C_FINAL_MEM" | nonzero)|${C_OOMS} ${C_VICTIMS}|${C_STATE}|${C_MEMTESTER_ALIVE/yes/running}"
note "guest1: ${C_MIB} MiB touched at ${C_RATE} MiB/s, 1 vCPU, mode strict; free MiB per node when crowded: ${C_FREE_AT_CROWD}. Times are seconds since the scenario began."

check "guest1 started (numad -w answered '${C_ANSWER}')" test -n "$C_ANSWER" -a -n "$C_PID"
if [ "$LAB_PEER" = numad05 ]; then
	check "numad 0.5 daemon was running" test -s /var/run/numad.pid -o -n "$(grep -m1 . "$NUMAD_LOG" 2>/dev/null)"
fi
expect_ours "numad warned that guest1 is strict: ${warn#*: }" test -n "$warn"
expect_ours "numad logged the time to exhaustion: ${tte:-nothing}" test -n "$tte"
if [ -n "$C_T_GONE" ] && [ -n "$t_warn" ]; then
	expect_ours "the warning (at ${t_warn} s) came before guest1's QEMU was gone (${C_T_GONE} s)" \
		awk -v a="$t_warn" -v b="$C_T_GONE" 'BEGIN { exit !(a <= b + 1) }'
fi
expect_ours "numad tried no change libvirt would refuse (decisions for guest1: ${tried:-0}; libvirt refusals: ${refused:-0})" \
	test "${tried:-0}" = 0 -a "${refused:-0}" = 0
expect_ours "guest1's nodeset was left as it was ($C_NODESET0)" test "${C_NODESET1:-$C_NODESET0}" = "$C_NODESET0"
info "OOM kills: ${C_OOMS} ${C_VICTIMS}; guest1 ${C_STATE}; memtester alive: ${C_MEMTESTER_ALIVE}"
info "OOM killer: $(oom_lines | grep -E 'Killed process|invoked' | head -n 4 | tr '\n' ';')"
