#!/usr/bin/env bash
# The NUMA lab: real libvirtd, real QEMU and numad 0.5 inside an emulated
# multi-node host (QEMU TCG), running the article's scenarios with this tree's
# numad or with numad 0.5.  See tests/lab/README.md.
#
#   lab.sh image [--force]                       build (or reuse) the guest image
#   lab.sh run TOPOLOGY SCENARIO [--peer numad05] [options]
#   lab.sh smoke                                 4-node, scenario b, ours
#   lab.sh ci                                    smoke for CI: exit 0 pass, 1 fail,
#                                                77 lab unavailable (skipped)
#   lab.sh all [TOPOLOGY...]                     a-f, h and i, ours and numad 0.5
#   lab.sh results                               write tests/lab/RESULTS.md again
#   lab.sh topo TOPOLOGY                         print the QEMU topology flags
#   lab.sh list                                  topologies and scenarios
set -euo pipefail

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TREE=$(cd "$LAB_DIR/../.." && pwd)
CACHE=${NUMAD_LAB_CACHE:-/var/cache/numad-lab}
SUITE=bookworm
# What the guest needs: LAB.md's list, plus the shared libraries of the numad
# built here (ldd build/daemon/numad) so that binary runs inside the guest.
PACKAGES=linux-image-amd64,systemd-sysv,udev,dbus,libpam-systemd,numactl,libvirt-daemon-system,libvirt-clients,qemu-system-x86,numad,memtester,kmod,iproute2,procps,libvirt0,libevent-2.1-7,libevent-pthreads-2.1-7,libnuma1,libjson-c5,libsystemd0
IMAGE_SIZE=3G

MEM_PER_NODE=${NUMAD_LAB_MEM_PER_NODE:-1024}  # MiB of the largest node; others scale
CPUS_PER_NODE=${NUMAD_LAB_CPUS_PER_NODE:-1}   # vCPUs per node (at most the text's)
VM_TIMEOUT=${NUMAD_LAB_VM_TIMEOUT:-900}       # seconds, whole VM run
BOOT_TIMEOUT=${NUMAD_LAB_BOOT_TIMEOUT:-300}   # seconds until the scenario starts
RESULTS=${NUMAD_LAB_RESULTS:-$LAB_DIR/RESULTS.md}  # written from the runs after each run
LAB_BOOT_FAILED=0                             # set when the guest never came up

say() { printf 'lab: %s\n' "$*" >&2; }
die() { printf 'lab: error: %s\n' "$*" >&2; exit 2; }
now() { date +%s; }

usage() {
	sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
	cat <<EOF

run options:
  --peer ours|numad05    which numad the scenario runs (default ours)
  --mem-per-node MIB     memory of the largest node (default $MEM_PER_NODE)
  --cpus-per-node N      vCPUs per node, at most the text's count (default $CPUS_PER_NODE)
  --numad PATH           use this numad binary instead of building the tree (started by hand,
                         also in a scenario that installs the package)
  --deb PATH             the package a "# lab-install: deb" scenario installs (default: built
                         from this tree with .ci/package, in $CACHE/pkg-*)
  --out DIR              results directory (default $CACHE/runs/DATE-TOPO-SCEN-PEER)
  --timeout S            kill the VM after S seconds (default $VM_TIMEOUT)
EOF
}

# ---------------------------------------------------------------- image

mirror() {
	# The Debian mirror apt already uses on this machine (or NUMAD_LAB_MIRROR).
	local m
	[ -n "${NUMAD_LAB_MIRROR:-}" ] && { echo "$NUMAD_LAB_MIRROR"; return; }
	m=$(grep -hsE '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list \
		/etc/apt/sources.list.d/*.list 2>/dev/null |
		grep -oE 'https?://[^ ]*/debian/?( |$)' | grep -v security | head -n1 | tr -d ' ')
	echo "${m:-http://deb.debian.org/debian}"
}

image_hash() {
	{
		echo "suite=$SUITE packages=$PACKAGES size=$IMAGE_SIZE mirror=$(mirror)"
		cat "$LAB_DIR/image/setup.sh" "$LAB_DIR/image/lab-boot" "$LAB_DIR/image/lab-run.service"
		sed -n '/^build_image()/,/^}/p' "${BASH_SOURCE[0]}"
	} | sha256sum | cut -c1-16
}

image_dir() { echo "$CACHE/image-$(image_hash)"; }

need_root() { [ "$(id -u)" = 0 ] || die "the lab needs root (debootstrap, mkfs, 9p)"; }

need_tools() {
	local missing=() t
	for t in debootstrap mkfs.ext4 qemu-system-x86_64 sha256sum timeout as ld; do
		command -v "$t" >/dev/null || missing+=("$t")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		say "installing: debootstrap qemu-system-x86 e2fsprogs binutils (for ${missing[*]})"
		apt-get install -y --no-install-recommends debootstrap qemu-system-x86 e2fsprogs binutils \
			>/dev/null
	fi
}

build_image() {
	local dir=$1 tmp root t0
	tmp="$dir.tmp.$$"
	root="$tmp/rootfs"
	rm -rf "$tmp"
	mkdir -p "$tmp" "$CACHE/debs"
	t0=$(now)
	say "debootstrap $SUITE from $(mirror) (a few minutes)"
	if ! debootstrap --variant=minbase --include="$PACKAGES" --cache-dir="$CACHE/debs" \
		"$SUITE" "$root" "$(mirror)" >"$tmp/debootstrap.log" 2>&1; then
		tail -n 20 "$tmp/debootstrap.log" >&2
		die "debootstrap failed, log in $tmp/debootstrap.log"
	fi
	install -m 0755 "$LAB_DIR/image/lab-boot" "$root/usr/local/sbin/lab-boot"
	install -m 0644 "$LAB_DIR/image/lab-run.service" "$root/etc/systemd/system/lab-run.service"
	install -m 0755 "$LAB_DIR/image/setup.sh" "$root/tmp/setup.sh"
	chroot "$root" /tmp/setup.sh >"$tmp/setup.log" 2>&1 ||
		{ tail -n 20 "$tmp/setup.log" >&2; die "image setup failed"; }
	rm -f "$root/tmp/setup.sh"
	chroot "$root" dpkg-query -W -f '${Package} ${Version}\n' >"$tmp/packages.txt"
	cp "$root"/boot/vmlinuz-* "$tmp/vmlinuz"
	cp "$root"/boot/initrd.img-* "$tmp/initrd.img"
	mkfs.ext4 -q -F -L labroot -d "$root" "$tmp/rootfs.img" "$IMAGE_SIZE" >/dev/null
	rm -rf "$root"
	echo "$(($(now) - t0))" >"$tmp/build-seconds"
	rm -rf "$dir"
	mv "$tmp" "$dir"
	ln -sfn "$(basename "$dir")" "$CACHE/image-current"
	say "image built in $(cat "$dir/build-seconds") s: $dir"
}

cmd_image() {
	local force=0 dir
	[ "${1:-}" = --force ] && force=1
	need_root
	need_tools
	mkdir -p "$CACHE"
	dir=$(image_dir)
	if [ $force = 1 ] || [ ! -f "$dir/rootfs.img" ]; then
		build_image "$dir"
		# Keep only the current image (each is about 1 GB).
		find "$CACHE" -maxdepth 1 -name 'image-*' ! -name "$(basename "$dir")" \
			! -name image-current -exec rm -rf {} +
	else
		say "image is current: $dir"
	fi
	echo "$dir"
}

# ---------------------------------------------------------------- topology

topo_file() {
	local t=$1 f
	for f in "$t" "$TREE/tests/topologies/$t" "$TREE/tests/topologies/$t.txt"; do
		[ -f "$f" ] && { echo "$f"; return; }
	done
	case $t in
	dl980 | 8node | dl980-8node) f="$TREE/tests/topologies/dl980-8node.txt" ;;
	4node | guest-4node) f="$TREE/tests/topologies/guest-4node.txt" ;;
	*) f=$(ls "$TREE"/tests/topologies/"$t"*.txt 2>/dev/null | head -n1) ;;
	esac
	[ -n "$f" ] && [ -f "$f" ] || die "no topology '$t' (a numactl -H text, or one of: $(topo_names))"
	echo "$f"
}

topo_names() { (cd "$TREE/tests/topologies" && ls *.txt | sed 's/\.txt$//' | tr '\n' ' '); }

cmd_topo() {
	[ $# -ge 1 ] || die "usage: lab.sh topo TOPOLOGY"
	awk -v mem="$MEM_PER_NODE" -v cpn="$CPUS_PER_NODE" -f "$LAB_DIR/topo.awk" "$(topo_file "$1")"
}

# ---------------------------------------------------------------- scenarios

scenario_file() {
	local s=$1 f
	[ -f "$LAB_DIR/scenarios/$s.sh" ] && { echo "$LAB_DIR/scenarios/$s.sh"; return; }
	case $s in
	a | preplace | pre-placement) s=a ;;
	b | crowded) s=b ;;
	c | strict) s=c ;;
	d | interleave) s=d ;;
	e | consolidate | consolidation) s=e ;;
	f | lifecycle) s=f ;;
	g | scancost | scan-cost) s=g ;;
	h | staged | staged-move) s=h ;;
	i | storm | start-storm) s=i ;;
	j | scandomains | scan-domains) s=j ;;
	probe) echo "$LAB_DIR/guest/probe.sh"; return ;;
	esac
	f=$(ls "$LAB_DIR"/scenarios/"$s"-*.sh 2>/dev/null | head -n1)
	[ -n "$f" ] || die "no scenario '$1' (one of: $(scenario_names))"
	echo "$f"
}

scenario_names() { (cd "$LAB_DIR/scenarios" && ls *.sh | sed 's/\.sh$//' | tr '\n' ' '); }

cmd_list() {
	echo "topologies: $(topo_names)(or any numactl -H text)"
	echo "scenarios:  $(scenario_names)"
}

build_numad() {
	# A private build of this tree, so that other builds in the tree can't
	# change the binary under a running lab; one per tree (CMake ties a build
	# directory to its source directory).
	local b
	b="$CACHE/build-$(printf '%s' "$TREE" | sha256sum | cut -c1-12)"
	mkdir -p "$b"
	command -v cmake >/dev/null || die "cmake missing: bash .ci/deps installs the build dependencies"
	cmake -S "$TREE" -B "$b" -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$b/cmake.log" 2>&1 ||
		{ tail -n 20 "$b/cmake.log" >&2; die "cmake failed"; }
	cmake --build "$b" --target numad -j"$(nproc)" >"$b/build.log" 2>&1 ||
		{ tail -n 30 "$b/build.log" >&2; die "building numad failed"; }
	# numadctl lets a scenario record the daemon's own view; optional
	cmake --build "$b" --target numadctl -j"$(nproc)" >>"$b/build.log" 2>&1 || true
	cmake --build "$b" --target numad_front -j"$(nproc)" >>"$b/build.log" 2>&1 || true
	echo "$b/daemon/numad"
}

# The Debian package of this tree, built as .ci/package builds it, in a private build
# directory (as build_numad's); prints its path.
build_deb() {
	local b out
	b="$CACHE/pkg-$(printf '%s' "$TREE" | sha256sum | cut -c1-12)"
	command -v dpkg-buildflags >/dev/null && command -v cpack >/dev/null ||
		die "dpkg-dev or cmake missing: bash .ci/deps installs them"
	out=$(BUILD_DIR="$b" bash "$TREE/.ci/package" 2>"$CACHE/pkg-build.log") ||
		{ tail -n 30 "$CACHE/pkg-build.log" >&2; die "building the package failed (.ci/package)"; }
	echo "$out" | tail -n1
}

# The inner guests' kernel: touches its RAM at a given rate (guest/toucher.S).
build_toucher() {
	local o
	o=$(mktemp)
	as --32 -o "$o" "$LAB_DIR/guest/toucher.S" && ld -m elf_i386 -n -Ttext=0x100000 -o "$1" "$o" ||
		die "cannot assemble guest/toucher.S (binutils)"
	rm -f "$o"
}

# boot_vm RUNDIR IMAGEDIR TIMEOUT QEMU-TOPOLOGY-FLAGS...: run the VM until it powers
# off.  Status 3 when the guest did not come up within BOOT_TIMEOUT (under TCG a
# boot now and then hangs in the kernel), 124 when it ran past TIMEOUT.
boot_vm() {
	local run=$1 img=$2 timeout=$3 qpid waited=0
	shift 3
	: >"$run/console.log"
	timeout -k 10 "$timeout" qemu-system-x86_64 \
		-machine q35,accel=tcg -cpu max "$@" \
		-kernel "$img/vmlinuz" -initrd "$img/initrd.img" \
		-append "root=/dev/vda rw console=ttyS0 systemd.mask=serial-getty@ttyS0.service numadlab=1 quiet mitigations=off modprobe.blacklist=ahci,libahci" \
		-drive "file=$img/rootfs.img,if=virtio,format=raw,cache=unsafe" -snapshot \
		-fsdev "local,id=lab,path=$run,security_model=none" \
		-device virtio-9p-pci,fsdev=lab,mount_tag=lab \
		-nodefaults -display none -serial "file:$run/console.log" -no-reboot \
		>"$run/qemu.log" 2>&1 &
	qpid=$!
	while kill -0 "$qpid" 2>/dev/null && ! grep -q 'lab-boot: guest up' "$run/console.log"; do
		if [ $waited -ge "$BOOT_TIMEOUT" ]; then
			kill "$qpid" 2>/dev/null
			wait "$qpid" 2>/dev/null
			return 3
		fi
		sleep 2
		waited=$((waited + 2))
	done
	wait "$qpid"
}

# run TOPOLOGY SCENARIO [options]: boot the VM and run one scenario in it.
cmd_run() {
	local topo="" scen="" peer=ours numad="" out="" timeout=$VM_TIMEOUT numad_given="" mem_given=""
	local timeout_given="" deb=""
	[ -n "${NUMAD_LAB_MEM_PER_NODE:-}" ] && mem_given=1
	RUN_ARGS=("$@")
	while [ $# -gt 0 ]; do
		case $1 in
		--peer) peer=$2; shift 2 ;;
		--peer=*) peer=${1#*=}; shift ;;
		--mem-per-node) MEM_PER_NODE=$2; mem_given=1; shift 2 ;;
		--cpus-per-node) CPUS_PER_NODE=$2; shift 2 ;;
		--numad) numad=$2; numad_given=$2; shift 2 ;;
		--deb) deb=$2; shift 2 ;;
		--out) out=$2; shift 2 ;;
		--timeout) timeout=$2; timeout_given=1; shift 2 ;;
		-*) die "unknown option $1" ;;
		*) if [ -z "$topo" ]; then topo=$1; elif [ -z "$scen" ]; then scen=$1; else die "extra argument $1"; fi; shift ;;
		esac
	done
	[ -n "$topo" ] && [ -n "$scen" ] || die "usage: lab.sh run TOPOLOGY SCENARIO [--peer numad05]"
	case $peer in ours | numad05) ;; numad0.5 | 0.5) peer=numad05 ;; *) die "--peer: ours or numad05" ;; esac
	need_root
	local tfile sfile img run t0 tname sname
	tfile=$(topo_file "$topo")
	sfile=$(scenario_file "$scen")
	tname=$(basename "$tfile" .txt)
	sname=$(basename "$sfile" .sh)
	# A scenario may ask for more time or memory: "# lab-timeout: S" (its own
	# limit in the guest; the VM gets 400 s more), "# lab-mem-per-node: MIB".
	local stimeout smem
	stimeout=$(sed -n 's/^# lab-timeout: *\([0-9]*\).*/\1/p' "$sfile" | head -n1)
	smem=$(sed -n 's/^# lab-mem-per-node: *\([0-9]*\).*/\1/p' "$sfile" | head -n1)
	[ -n "$smem" ] && [ -z "$mem_given" ] && MEM_PER_NODE=$smem
	if [ -n "$stimeout" ] && [ -z "$timeout_given" ] && [ $((stimeout + 400)) -gt "$timeout" ]; then
		timeout=$((stimeout + 400))
	fi
	img=$(cmd_image | tail -n1)
	# "# lab-install: deb": with ours, the scenario installs the Debian package over numad
	# 0.5 and runs numad as its service (systemctl), unless --numad names a binary.
	local install=""
	if [ "$peer" = ours ] && [ -z "$numad" ] && grep -q '^# lab-install: deb' "$sfile"; then
		install=deb
		[ -n "$deb" ] || deb=$(build_deb) || exit 2
		[ -f "$deb" ] || die "--deb: no file $deb"
	fi
	if [ "$peer" = ours ] && [ -z "$numad" ] && [ -z "$install" ]; then numad=$(build_numad) || exit 2; fi
	run=${out:-$CACHE/runs/$(date +%Y%m%d-%H%M%S)-$tname-$sname-$peer}
	rm -rf "$run"
	mkdir -p "$run/out"
	run=$(cd "$run" && pwd)
	[ -n "${RUNDIR_FILE:-}" ] && echo "$run" >"$RUNDIR_FILE"

	# The 9p share: the scenario, its helpers, the topology, our binary.
	install -m 0755 "$LAB_DIR/guest/run.sh" "$run/run.sh"
	install -m 0644 "$LAB_DIR/guest/common.sh" "$run/common.sh"
	install -m 0755 "$sfile" "$run/scenario.sh"
	install -m 0644 "$tfile" "$run/topology.txt"
	if [ -n "$numad" ]; then
		install -m 0755 "$numad" "$run/numad"
		[ -x "$(dirname "$numad")/numadctl" ] && install -m 0755 "$(dirname "$numad")/numadctl" "$run/numadctl"
		# the -w front end (what /usr/bin/numad is when installed), when this tree has one
		[ -x "$(dirname "$numad")/front/numad" ] && install -m 0755 "$(dirname "$numad")/front/numad" "$run/numad-front"
	fi
	[ -n "$install" ] && install -m 0644 "$deb" "$run/numad.deb"
	build_toucher "$run/toucher"
	# g-scancost's processes (guest/fakeguest.c), static so that the guest runs it
	if grep -q /lab/fakeguest "$sfile"; then
		cc -O2 -static -pthread -o "$run/fakeguest" "$LAB_DIR/guest/fakeguest.c" ||
			die "cannot build guest/fakeguest.c (cc, static glibc: libc6-dev)"
	fi
	# h-staged's watchers (guest/stagewatch.c: status probes, cpuset.mems and numa_stat samples)
	if grep -q /lab/stagewatch "$sfile"; then
		cc -O2 -static -o "$run/stagewatch" "$LAB_DIR/guest/stagewatch.c" ||
			die "cannot build guest/stagewatch.c (cc, static glibc: libc6-dev)"
	fi
	record_run "$run" "$peer" "$numad" "$install" "${RUN_ARGS[@]}"
	cat >"$run/lab.env" <<EOF
LAB_TOPOLOGY=$tname
LAB_SCENARIO=$sname
LAB_PEER=$peer
LAB_MEM_PER_NODE=$MEM_PER_NODE
LAB_CPUS_PER_NODE=$CPUS_PER_NODE
LAB_SCENARIO_TIMEOUT=${stimeout:-660}
LAB_INSTALL=$install
EOF
	# NUMAD_LAB_SET_NAME=VALUE on the host: NAME=VALUE in the scenario's environment
	local kv
	while IFS= read -r kv; do
		kv=${kv#NUMAD_LAB_SET_}
		printf 'export %s=%q\n' "${kv%%=*}" "${kv#*=}" >>"$run/lab.env"
	done < <(env | grep -E '^NUMAD_LAB_SET_[A-Za-z_][A-Za-z0-9_]*=' || true)
	local -a qflags
	mapfile -t qflags < <(awk -v mem="$MEM_PER_NODE" -v cpn="$CPUS_PER_NODE" \
		-f "$LAB_DIR/topo.awk" "$tfile" | tr ' ' '\n' | grep -v '^$')
	printf '%s\n' "${qflags[@]}" >"$run/qemu-topology.txt"

	say "run $tname / $sname / $peer -> $run"
	local rc attempt
	for attempt in 1 2; do
		rm -rf "$run/out" && mkdir -p "$run/out"
		t0=$(now)
		rc=0
		boot_vm "$run" "$img" "$timeout" "${qflags[@]}" || rc=$?
		[ $rc = 3 ] || break
		say "the guest did not come up within $BOOT_TIMEOUT s (a TCG boot hang, see console.log)"
		[ "$attempt" = 1 ] && say "booting once more"
	done
	if [ $rc = 3 ]; then LAB_BOOT_FAILED=1; : >"$run/boot-failed"; fi
	local secs=$(($(now) - t0))
	echo "$secs" >"$run/vm-seconds"
	LAST_RUN=$run
	[ $rc = 124 ] && say "VM killed after ${timeout} s"
	cp "$run/console.log" "$run/out/console.log" 2>/dev/null || true
	local status=0
	report "$run" "$secs" || status=$?
	[ "${NUMAD_LAB_NO_RESULTS:-0}" = 1 ] || cmd_results || true
	return $status
}

# record_run RUNDIR PEER NUMAD INSTALL ARGS...: the command, the machine and the numad
# binary (or package) of a run, for RESULTS.md.
record_run() {
	local run=$1 peer=$2 numad=$3 install=$4 v
	shift 4
	local e
	e=$(env | grep -E '^NUMAD_LAB_(MEM_PER_NODE|CPUS_PER_NODE|VM_TIMEOUT|BOOT_TIMEOUT|CACHE|SET_[A-Za-z0-9_]*)=' | sort |
		sed "s/=\(.*[ ,].*\)/='\1'/" | tr '\n' ' ' || true)
	echo "${e}tests/lab/lab.sh run $*" >"$run/command"
	echo "$(hostname), $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r), QEMU $(qemu-system-x86_64 --version | head -n1 | grep -o '[0-9][0-9.]*' | head -n1) TCG" >"$run/host.txt"
	if [ "$peer" = numad05 ]; then
		echo "numad 0.5 (Debian 12 package in the guest)" >"$run/numad.txt"
	elif [ -n "${NUMAD_LAB_NUMAD_DESC:-}" ]; then
		echo "$NUMAD_LAB_NUMAD_DESC" >"$run/numad.txt"
	else
		v=$(git -C "$TREE" describe --always --dirty 2>/dev/null || echo unknown)
		if [ "$install" = deb ]; then
			echo "the package $(dpkg-deb -f "$run/numad.deb" Package)_$(dpkg-deb -f "$run/numad.deb" Version) (sha256 $(sha256sum "$run/numad.deb" | cut -c1-12)) as a systemd service; tree at $v" >"$run/numad.txt"
		elif [ -n "$numad_given" ]; then
			echo "--numad $numad_given (sha256 $(sha256sum "$numad" | cut -c1-12)); tree at $v" >"$run/numad.txt"
		else
			echo "this tree at $v (built in $CACHE/build-*)" >"$run/numad.txt"
		fi
	fi
}

cmd_results() {
	[ -d "$CACHE/runs" ] || die "no runs under $CACHE/runs"
	bash "$LAB_DIR/results.sh" "$CACHE/runs" "$RESULTS" "$LAB_DIR"
}

# Print a run's table and verdict; status 0 only if it ran and nothing failed.
report() {
	local run=$1 secs=$2 log="$1/out/run.log" line
	echo
	if [ -f "$run/out/result.md" ]; then cat "$run/out/result.md"; echo; fi
	if [ -f "$log" ]; then grep -E '^(PASS|FAIL|INFO): ' "$log" || true; fi
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" 2>/dev/null | tail -n1 || true)
	local boot
	boot=$(grep -o 'guest up after [0-9.]*' "$run/console.log" 2>/dev/null | grep -o '[0-9.]*$' || true)
	echo "run: $run (VM ${secs} s, guest up after ${boot:-?} s)"
	if [ -z "$line" ]; then
		echo "0 passed, 1 failed"
		echo "FAIL: the scenario did not finish (see $run/console.log, $run/out/run.log)"
		return 1
	fi
	echo "$line"
	[ "${line#* passed, }" = "0 failed" ]
}

cmd_smoke() {
	local t0 rc=0
	t0=$(now)
	cmd_image >/dev/null
	local ti=$(($(now) - t0))
	cmd_run guest-4node b --peer ours "$@" || rc=$?
	say "smoke: image ${ti} s, total $(($(now) - t0)) s"
	return $rc
}

# ci: the smoke run for CI.  Exit 0 when scenario b passes with our numad, 1 when
# a check fails (or numad does not build), 77 when the lab itself is unavailable
# here: not root, no Debian mirror reachable, tools or the image not installable
# for network reasons, or a guest that did not boot after the retry.
skip() {
	{
		echo
		echo "lab: ************************************************************"
		echo "lab: SKIPPED: the NUMA lab did not run: $*"
		echo "lab: (exit 77: the lab is unavailable here; this is not a pass)"
		echo "lab: ************************************************************"
	} >&2
	exit 77
}

network_error() {
	grep -qiE "Couldn't download|Failed getting release|Failed to fetch|Temporary failure resolving|Could not resolve|Connection (refused|timed out)|Network is unreachable|Unable to connect|No route to host|Cannot initiate the connection|Unable to locate package|Release signed by unknown key|Invalid Release file" "$@" 2>/dev/null
}

cmd_ci() {
	local t0 rc=0 dir ti run
	t0=$(now)
	[ "$(id -u)" = 0 ] || skip "it needs root (debootstrap, mkfs, 9p)"
	if ! need_tools_quietly; then skip "the lab's tools (debootstrap, qemu-system-x86, e2fsprogs, binutils) could not be installed"; fi
	dir=$(image_dir)
	if [ ! -f "$dir/rootfs.img" ]; then
		curl -fsS -m 20 -o /dev/null "$(mirror)/dists/$SUITE/Release" 2>/dev/null ||
			skip "no Debian mirror reachable ($(mirror)/dists/$SUITE/Release)"
		if ! (cmd_image >/dev/null); then
			if network_error "$dir.tmp."*/debootstrap.log; then
				skip "the image could not be built for network reasons (see $dir.tmp.*/debootstrap.log)"
			fi
			say "ci: the image build failed (not a network error)"
			return 1
		fi
	fi
	ti=$(($(now) - t0))
	RUNDIR_FILE=$(mktemp)
	(cmd_run guest-4node b --peer ours "$@") || rc=$?
	run=$(cat "$RUNDIR_FILE")
	rm -f "$RUNDIR_FILE"
	say "ci: image ${ti} s, total $(($(now) - t0)) s, status $rc"
	[ -n "$run" ] && [ -f "$run/boot-failed" ] &&
		skip "the guest did not boot within ${BOOT_TIMEOUT} s, twice (TCG boot hang; see $run/console.log)"
	[ $rc = 0 ] || return 1
}

need_tools_quietly() {
	local t
	for t in debootstrap mkfs.ext4 qemu-system-x86_64 sha256sum timeout as ld curl; do
		command -v "$t" >/dev/null && continue
		apt-get install -y --no-install-recommends debootstrap qemu-system-x86 e2fsprogs binutils curl >/dev/null 2>&1 ||
			{ apt-get update >/dev/null 2>&1 && apt-get install -y --no-install-recommends debootstrap qemu-system-x86 \
				e2fsprogs binutils curl >/dev/null 2>&1; } || return 1
		break
	done
}

# all [TOPOLOGY...]: every scenario with ours and with numad 0.5; one summary file.
cmd_all() {
	local topos=("$@") t s p rc=0 sum
	[ ${#topos[@]} -gt 0 ] || topos=(guest-4node dl980-8node)
	mkdir -p "$CACHE/runs"
	sum="$CACHE/runs/all-$(date +%Y%m%d-%H%M%S).md"
	echo "# numad lab: every scenario, $(date -u)" >"$sum"
	for t in "${topos[@]}"; do
		# a-f, h and i; g-scancost and j-scandomains run both daemons themselves: lab.sh run TOPOLOGY g
		for s in $(scenario_names | tr ' ' '\n' | grep -E '^[a-fhi]-'); do
			for p in ours numad05; do
				local r=ok
				LAST_RUN=""
				cmd_run "$t" "$s" --peer "$p" || { r=FAILED; rc=1; }
				{
					echo
					[ -n "$LAST_RUN" ] && [ -f "$LAST_RUN/out/result.md" ] && cat "$LAST_RUN/out/result.md"
					echo "$t $s $p: $r ($(grep -E '^[0-9]+ passed' "$LAST_RUN/out/run.log" 2>/dev/null | tail -n1); $LAST_RUN)"
				} >>"$sum"
			done
		done
	done
	echo "all: summary in $sum"
	cmd_results || true
	return $rc
}

main() {
	local c=${1:-}
	[ $# -gt 0 ] && shift
	case $c in
	image) cmd_image "$@" ;;
	run) cmd_run "$@" ;;
	smoke) cmd_smoke "$@" ;;
	ci) cmd_ci "$@" ;;
	results) cmd_results ;;
	all) cmd_all "$@" ;;
	topo) cmd_topo "$@" ;;
	list) cmd_list ;;
	-h | --help | help | "") usage ;;
	*) die "unknown command '$c' (image, run, smoke, ci, all, results, topo, list)" ;;
	esac
}

main "$@"
exit $?
