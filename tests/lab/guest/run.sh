#!/bin/bash
# Entry point inside the lab guest (lab-boot runs it from the 9p share): check
# the emulated topology, run the scenario with a time limit, collect the logs,
# clean up, print "N passed, N failed".
cd /lab || exit 1
LAB_T0=$(date +%s.%N)
export LAB_T0
# shellcheck source=/dev/null
. /lab/lab.env
export LAB_TOPOLOGY LAB_SCENARIO LAB_PEER LAB_MEM_PER_NODE LAB_CPUS_PER_NODE LAB_INSTALL
# shellcheck source=common.sh
. /lab/common.sh
: >"$OUT/checks"
: >"$OUT/result.md"

log "scenario $LAB_SCENARIO, topology $LAB_TOPOLOGY, peer $LAB_PEER, kernel $(uname -r)"
numactl -H >"$OUT/numactl-H.txt"
# libvirtd probes QEMU on its first use after boot: give it time, but not forever
timeout 300 virsh capabilities >"$OUT/capabilities.xml" 2>&1 || log "virsh capabilities failed or timed out"
dpkg-query -W -f '${Package} ${Version}\n' numad libvirt-daemon qemu-system-x86 >"$OUT/versions.txt" 2>&1
[ -x /lab/numad ] && ldd /lab/numad >"$OUT/ldd-numad.txt" 2>&1

# The guest's node count and SLIT must be the topology text's.
slit() { awk '/^node distances:/ { d = 1; next } d && /^ *[0-9]+:/ { $1 = ""; print }' "$1" | tr -s ' ' | sed 's/^ //'; }
check "guest has the SLIT of $LAB_TOPOLOGY ($(mem_nodes | wc -w) nodes)" \
	test "$(slit /lab/topology.txt)" = "$(slit "$OUT/numactl-H.txt")"
check "no numad runs at boot (numad.service disabled)" \
	bash -c '! pgrep -x numad >/dev/null'
check "libvirtd answers" timeout 120 virsh -q version
log "free MiB per node at start: $(free_all)"

timeout -k 10 "${LAB_SCENARIO_TIMEOUT:-660}" bash /lab/scenario.sh
rc=$?
[ $rc = 124 ] && fail "scenario timed out after ${LAB_SCENARIO_TIMEOUT:-660} s"
[ $rc != 0 ] && [ $rc != 124 ] && info "scenario script exited with status $rc"

# Collect, whatever happened.
for d in $(virsh list --name 2>/dev/null); do virsh destroy "$d" >/dev/null 2>&1; done
for p in $(pgrep -x memtester); do kill "$p" 2>/dev/null; done
if [ -f /var/run/numad.pid ]; then kill "$(cat /var/run/numad.pid)" 2>/dev/null; fi
for p in $(pgrep -f '^/lab/numad '); do kill "$p" 2>/dev/null; done
sleep 1
cp /var/log/numad.log "$OUT/numad.log" 2>/dev/null
advising >"$OUT/advising.log"
cp "$LIBVIRTD_LOG" "$OUT/libvirtd.log" 2>/dev/null
grep -E 'numad|Nodeset|nodeset|SetNumaParameters|cpuset.mems' "$LIBVIRTD_LOG" >"$OUT/libvirtd-numa.log" 2>/dev/null
mkdir -p "$OUT/qemu" && cp /var/log/libvirt/qemu/*.log "$OUT/qemu/" 2>/dev/null
dmesg >"$OUT/dmesg.log"
oom_lines >"$OUT/oom.log"
journalctl -b --no-pager >"$OUT/journal.log" 2>&1

np=$(grep -c '^PASS' "$OUT/checks")
nf=$(grep -c '^FAIL' "$OUT/checks")
log "done"
echo "$np passed, $nf failed"
[ "$nf" = 0 ]
