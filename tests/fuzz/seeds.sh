#!/usr/bin/env bash
# Regenerate the seed files of tests/fuzz/corpus that come from real kernel files:
# host-* from this machine's /proc and /sys, fix-* from host trees that the fixture tool
# builds for tests/topologies/*.txt (plus a sparse-id host). Hand-written seeds (hand-*)
# and inputs libFuzzer added (40-hex-digit names) are left alone.
#
#   tests/fuzz/seeds.sh [BUILD_DIR]      (default: build; needs BUILD_DIR/tests/fixture/mkfixture)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${1:-$top/build}
mkfixture=$build/tests/fixture/mkfixture
corpus=$here/corpus
[ -x "$mkfixture" ] || { echo "seeds.sh: no $mkfixture: build the project first" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/numad-seeds.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# a file into corpus/TARGET/NAME, cut to at most 16 KiB (seeds stay small)
put() { # TARGET NAME SRC
	mkdir -p "$corpus/$1"
	head -c 16384 "$3" >"$corpus/$1/$2"
}
# "@NAME" records for fuzz_topology from a tree: put_topo NAME ROOT
put_topo() {
	local name=$1 root=$2 nd=$2/sys/devices/system/node out=$tmp/topo.$1
	{
		for f in online has_memory; do
			[ -r "$nd/$f" ] && { echo "@$f"; cat "$nd/$f"; }
		done
		for d in "$nd"/node[0-9]*; do
			for f in cpulist distance meminfo; do
				[ -r "$d/$f" ] && { echo "@$(basename "$d")/$f"; cat "$d/$f"; }
			done
		done
		[ -r "$root/proc/meminfo" ] && { echo "@meminfo"; grep -E '^(MemTotal|MemFree|Hugepagesize)' "$root/proc/meminfo"; }
		for c in "$root"/sys/devices/system/cpu/cpu[0-3]; do
			[ -r "$c/topology/thread_siblings_list" ] &&
				{ echo "@$(basename "$c")/siblings"; cat "$c/topology/thread_siblings_list"; }
		done
	} >"$out" 2>/dev/null || true
	put topology "$name" "$out"
}

# ---- this machine ----
cat /proc/self/stat >"$tmp/stat"; put proc_stat host-self-stat "$tmp/stat"
cat /proc/self/status >"$tmp/status"; put proc_status host-self-status "$tmp/status"
if cat /proc/self/numa_maps >"$tmp/numa_maps" 2>/dev/null && [ -s "$tmp/numa_maps" ]; then
	put numa_maps host-self-numa_maps "$tmp/numa_maps"
fi
cat /proc/zoneinfo >"$tmp/zoneinfo"; put zoneinfo host-zoneinfo "$tmp/zoneinfo"
cat /proc/stat >"$tmp/pstat"; put cpustat host-proc-stat "$tmp/pstat"
sleep 0.2
{ cat "$tmp/pstat"; printf '\0'; cat /proc/stat; } >"$tmp/pstat2"; put cpustat host-proc-stat-pair "$tmp/pstat2"
nd=/sys/devices/system/node
if [ -r $nd/node0/meminfo ]; then
	cat $nd/node0/meminfo >"$tmp/mi"; put meminfo host-node0-meminfo "$tmp/mi"
	i=0
	for f in $nd/online $nd/possible $nd/has_cpu $nd/has_memory $nd/node0/cpulist /sys/devices/system/cpu/online \
		/sys/devices/system/cpu/cpu0/topology/thread_siblings_list; do
		[ -r "$f" ] && { cat "$f" >"$tmp/l"; put nodeset "host-list-$i" "$tmp/l"; i=$((i + 1)); }
	done
	put_topo host-sysfs /
fi
# cgroup v1: the memory controller's root and this process's group; v2: this process's group
if [ -r /sys/fs/cgroup/memory/memory.numa_stat ]; then
	cat /sys/fs/cgroup/memory/memory.numa_stat >"$tmp/ns"; put numa_stat host-v1-root "$tmp/ns"
	g=$(sed -n 's/^[0-9]*:memory:\(.*\)/\1/p' /proc/self/cgroup)
	if [ -n "$g" ] && [ -r "/sys/fs/cgroup/memory$g/memory.numa_stat" ]; then
		cat "/sys/fs/cgroup/memory$g/memory.numa_stat" >"$tmp/ns"; put numa_stat host-v1-self "$tmp/ns"
	fi
fi
g2=$(sed -n 's/^0::\(.*\)/\1/p' /proc/self/cgroup)
for base in /sys/fs/cgroup /sys/fs/cgroup/unified; do
	if [ -r "$base$g2/memory.numa_stat" ] && [ -z "$(ls /sys/fs/cgroup/memory 2>/dev/null)" ]; then
		cat "$base$g2/memory.numa_stat" >"$tmp/ns"; put numa_stat host-v2-self "$tmp/ns"
		break
	fi
done

# ---- fixture trees ----
cat >"$tmp/desc" <<'DESC'
proc pid=4321 comm=qemu-system-x86 threads=8 vcpus=4 mem=0:1024,1:512 huge=1:512 policy=interleave:0-1 cgroup=machine.slice/machine-qemu\x2d1\x2dvm1.scope
proc pid=5000 comm="qemu (x) y" vcpus=2 mem=1:300 policy=bind:1 cgroup=machine.slice/machine-qemu\x2d2\x2dvm2.scope cgroupv=1
proc pid=6000 comm="a b)) c" mem=0:20 policy=prefer:0 state=R
node 1 inactive_file_mb=1024 hugepages_total=64 min_pages=100
cpu 1 user=500 system=20 idle=100
cpu all steal=5
DESC
cat >"$tmp/sparse.txt" <<'TOPO'
available: 4 nodes (1,3,64-65)
node 1 cpus: 0 1 2 3
node 1 size: 8192 MB
node 1 free: 4000 MB
node 3 cpus: 4 5 6 7
node 3 size: 8192 MB
node 3 free: 7000 MB
node 64 cpus:
node 64 size: 65536 MB
node 64 free: 65000 MB
node 65 cpus: 8 9
node 65 size: 0 MB
node 65 free: 0 MB
node distances:
node    1   3  64  65
  1:   10  16  30  22
  3:   16  10  30  22
 64:   28  28  10  40
 65:   22  22  40  10
TOPO
cat >"$tmp/desc-sparse" <<'DESC'
proc pid=777 comm=qemu-kvm vcpus=2 mem=1:100,64:2000 huge=3:64 policy=bind:1,64 cgroup=machine.slice/machine-qemu\x2d7\x2dsparse.scope
proc pid=800 comm=qemu-kvm vcpus=1 mem=3:10 cgroup=machine.slice/machine-qemu\x2d8\x2dv1.scope cgroupv=1
DESC
topos=("$top"/tests/topologies/*.txt "$tmp/sparse.txt")
for t in "${topos[@]}"; do
	n=$(basename "$t" .txt)
	r=$tmp/tree-$n
	d=$tmp/desc; [ "$n" = sparse ] && d=$tmp/desc-sparse
	"$mkfixture" --topology "$t" --desc "$d" --out "$r" >/dev/null 2>&1 ||
		"$mkfixture" --topology "$t" --out "$r" >/dev/null
	put_topo "fix-$n" "$r"
	put zoneinfo "fix-$n" "$r/proc/zoneinfo"
	put cpustat "fix-$n" "$r/proc/stat"
	put nodeset "fix-$n-online" "$r/sys/devices/system/node/online"
	put nodeset "fix-$n-has_memory" "$r/sys/devices/system/node/has_memory"
	first=$(ls -d "$r"/sys/devices/system/node/node[0-9]* | tail -1)
	put meminfo "fix-$n" "$first/meminfo"
	put nodeset "fix-$n-cpulist" "$first/cpulist"
	# processes: from two trees only, the others repeat them
	case $n in dl980-8node | sparse) ;; *) continue ;; esac
	for p in "$r"/proc/[0-9]*; do
		[ -d "$p" ] || continue
		pid=$(basename "$p")
		put proc_stat "fix-$n-$pid" "$p/stat"
		put proc_status "fix-$n-$pid" "$p/status"
		put numa_maps "fix-$n-$pid" "$p/numa_maps"
		# the main thread's comm and the first vCPU's ("CPU 0/KVM")
		[ -r "$p/task/$((pid + 1))/comm" ] && put proc_stat "fix-$n-$pid-comm-vcpu" "$p/task/$((pid + 1))/comm"
	done
	find "$r/sys/fs/cgroup" -name memory.numa_stat | sort | head -2 | while read -r f; do
		v=v2; case $f in */memory/*) v=v1 ;; esac
		put numa_stat "fix-$n-$v-$(basename "$(dirname "$f")" | tr -c 'a-zA-Z0-9.\n-' _)" "$f"
	done
done
# two samples of the same tree, the second one busier
"$mkfixture" --topology "$top/tests/topologies/dl980-8node.txt" --out "$tmp/a" >/dev/null
printf 'cpu all user=900 system=50 idle=1100\n' >"$tmp/busy"
"$mkfixture" --topology "$top/tests/topologies/dl980-8node.txt" --desc "$tmp/busy" --out "$tmp/b" >/dev/null
{ cat "$tmp/a/proc/stat"; printf '\0'; cat "$tmp/b/proc/stat"; } >"$tmp/pair"; put cpustat fix-dl980-pair "$tmp/pair"
echo "seeds written under $corpus"
