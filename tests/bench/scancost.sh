#!/bin/bash
# scancost.sh [--window S] [--reps N] [--procs N] [--mib M] NUMAD...: CPU per second of
# numad 0.5 (/usr/bin/numad -i 1:1) and of each given build of ours (-i 1:1 -S 1) on the same
# processes, side by side. Needs root (a mount namespace) and numad 0.5 as /usr/bin/numad
# (NUMAD05=PATH for another). numad 0.5 scans nothing on a one-node host, so both daemons
# run in a private mount namespace whose /sys/devices/system/node shows 4 nodes, each with
# node0's real meminfo bind-mounted (the kernel still makes every read), CPUs 0 and 1 shared
# out; /proc is the real one. N processes of M MiB named qemu-system-x86_64 (fakeguest.c) are
# started first. CPU is task-clock from perf stat when perf runs, else utime+stime from
# /proc/PID/stat, over the window after a 5 s start. Only one daemon runs at a time. It
# reports; it asserts nothing about time.
set -euo pipefail
W=30 REPS=3 N=16 MIB=310
while [ $# -gt 0 ]; do
	case $1 in
	--window) W=$2; shift 2 ;;
	--reps) REPS=$2; shift 2 ;;
	--procs) N=$2; shift 2 ;;
	--mib) MIB=$2; shift 2 ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || { echo "usage: $0 [--window S] [--reps N] [--procs N] [--mib M] NUMAD..." >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "$0: needs root (unshare -m)" >&2; exit 77; }
N05=${NUMAD05:-/usr/bin/numad}
[ -x "$N05" ] || { echo "$0: no numad 0.5 at $N05" >&2; exit 77; }
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d /tmp/scancost.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$TMP"; }
trap cleanup EXIT

cat >"$TMP/ns4.sh" <<'NS'
#!/bin/bash
set -e
R=/sys/devices/system/node S=$NS_TMP/node0
mkdir -p "$S"
mount --make-rprivate /
mount --bind $R/node0 "$S"
mount -t tmpfs none $R
for f in online possible has_cpu has_memory has_normal_memory; do echo 0-3 >$R/$f; done
for n in 0 1 2 3; do
	mkdir $R/node$n
	for f in meminfo vmstat numastat; do touch $R/node$n/$f; mount --bind "$S/$f" $R/node$n/$f; done
	c=$((n % $(nproc))); echo $c >$R/node$n/cpulist; printf '%x\n' $((1 << c)) >$R/node$n/cpumap
	row=; for m in 0 1 2 3; do [ $m = $n ] && row="$row 10" || row="$row 20"; done
	echo ${row# } >$R/node$n/distance
done
exec "$@"
NS
chmod +x "$TMP/ns4.sh"
export NS_TMP=$TMP
cc -O2 -pthread -o "$TMP/qemu-system-x86_64" "$HERE/../lab/guest/fakeguest.c"
for _ in $(seq "$N"); do "$TMP/qemu-system-x86_64" "$MIB" 4 10 >/dev/null 2>&1 & PIDS+=($!); done
for _ in $(seq 120); do
	ok=1
	for p in "${PIDS[@]}"; do
		[ "$(awk '/VmRSS/ { print $2 }' "/proc/$p/status")" -ge $((MIB * 1024 * 9 / 10)) ] || { ok=0; break; }
	done
	[ $ok = 1 ] && break
	sleep 1
done

ticks() { cut -d')' -f2 "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
# cpu PID: CPU ms of PID over W s
cpu() {
	local t0 t1 ms
	t0=$(ticks "$1")
	ms=$(perf stat -x, -e task-clock -p "$1" -- sleep "$W" 2>&1 | awk -F, '/task-clock/ { printf "%.1f", $1 }' || true)
	t1=$(ticks "$1")
	[ -n "$ms" ] || ms=$(((t1 - t0) * 1000 / $(getconf CLK_TCK)))
	echo "$ms"
}
run() { # run n05|NUMAD: prints CPU ms per second
	local pid ms
	if [ "$1" = n05 ]; then
		[ ! -e /var/run/numad.pid ] || { echo "$0: /var/run/numad.pid exists: is a numad running?" >&2; exit 1; }
		unshare -m "$TMP/ns4.sh" "$N05" -i 1:1
		sleep 1
		pid=$(cat /var/run/numad.pid)
	else
		unshare -m "$TMP/ns4.sh" "$1" -F --config "" --log "" --pidfile "" --socket "$TMP/sock" -i 1:1 -S 1 \
			>"$TMP/ours.out" 2>&1 &
		sleep 1
		pid=$(pgrep -n -f "^$1 -F --config") # the daemon, not unshare (which execs it anyway)
	fi
	sleep 5
	ms=$(cpu "$pid")
	kill "$pid"
	while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
	awk -v a="$ms" -v w="$W" 'BEGIN { printf "%.2f", a / w }'
}

echo "$N processes of $MIB MiB, $W s windows, CPU ms per second of wall time (-i 1:1: one scan a second)"
for r in $(seq "$REPS"); do
	base=$(run n05)
	line="rep $r: numad 0.5 $base"
	for b in "$@"; do
		v=$(run "$b")
		line="$line; $b $v ($(awk -v a="$v" -v b="$base" 'BEGIN { printf "%.2fx", a / b }'))"
	done
	echo "$line"
done
