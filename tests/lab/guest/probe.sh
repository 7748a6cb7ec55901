#!/bin/bash
# probe: what the lab guest looks like (no daemon, no domains).  lab.sh run TOPO probe
. /lab/common.sh
log "free MiB per node: $(free_all)"
for n in $(mem_nodes); do log "node $n: size $(node_size "$n") MiB, distances $(cat /sys/devices/system/node/node$n/distance)"; done
/usr/bin/numad -h 2>&1 | head -n 40
/usr/bin/numad -V 2>&1
for req in 1:256 2:512 1:700 4:1500; do
	s=$(date +%s.%N); a=$(/usr/bin/numad -w "$req" 2>/dev/null); e=$(date +%s.%N)
	log "numad 0.5 -w $req -> '$a' ($(awk -v a="$s" -v b="$e" 'BEGIN{printf "%.2f", b-a}') s)"
	s=$(date +%s.%N); a=$(/lab/numad -w "$req" 2>/dev/null); e=$(date +%s.%N)
	log "ours     -w $req -> '$a' ($(awk -v a="$s" -v b="$e" 'BEGIN{printf "%.2f", b-a}') s)"
done
/lab/numad -w 1:600 --explain 2>&1 | head -n 30
systemctl is-enabled numad.service libvirtd.service 2>&1
systemctl --failed --no-legend 2>&1
check "probe ran" true
