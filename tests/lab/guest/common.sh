# Helpers for the scenario scripts, sourced inside the lab guest.
# Everything a scenario records goes under $OUT (the host gets it back).
# shellcheck shell=bash

OUT=/lab/out
NUMAD_LOG=/var/log/numad.log
LIBVIRTD_LOG=/var/log/libvirt/libvirtd.log
CG=/sys/fs/cgroup/machine.slice
: "${LAB_T0:=$(date +%s.%N)}"
export LAB_T0

# ---------------------------------------------------------------- output

elapsed() { awk -v t0="$LAB_T0" -v t="$(date +%s.%N)" 'BEGIN { printf "%.1f", t - t0 }'; }
log() { echo "[$(elapsed)] $*"; }
pass() { echo "PASS: $*"; echo "PASS $*" >>"$OUT/checks"; }
fail() { echo "FAIL: $*"; echo "FAIL $*" >>"$OUT/checks"; }
info() { echo "INFO: $*"; }
# check MESSAGE COMMAND...: PASS or FAIL by the command's status.
check() {
	local m=$1
	shift
	if "$@"; then pass "$m"; else fail "$m"; fi
}
# A check that holds for our daemon; with numad 0.5 the same fact is recorded as INFO.
expect_ours() {
	local m=$1
	shift
	if [ "$LAB_PEER" = ours ]; then
		check "$m" "$@"
	elif "$@"; then
		info "numad 0.5: yes: $m"
	else
		info "numad 0.5: no: $m"
	fi
}
# Result table in Markdown: table TITLE 'col|col|...' then row 'v|v|...'.
table() {
	{
		echo "### $1 ($LAB_TOPOLOGY, $(peer_name))"
		echo
		echo "| ${2//|/ | } |"
		echo "|$(echo "$2" | sed 's/[^|]*/ --- /g')|"
	} >>"$OUT/result.md"
}
row() { echo "| ${1//|/ | } |" >>"$OUT/result.md"; }
note() { printf '\n%s\n\n' "$*" >>"$OUT/result.md"; }
peer_name() { [ "$LAB_PEER" = ours ] && echo "numad (this tree)" || echo "numad 0.5"; }

# ---------------------------------------------------------------- host facts

# Expand a node list such as 0-2,5 into "0 1 2 5".
expand() {
	echo "$1" | tr ',' '\n' | awk -F- 'NF == 2 { for (i = $1; i <= $2; i++) printf "%d ", i; next }
		NF == 1 && $1 != "" { printf "%d ", $1 }' | sed 's/ $//'
}
mem_nodes() { expand "$(cat /sys/devices/system/node/has_memory)"; }
cpu_nodes() { expand "$(cat /sys/devices/system/node/has_cpu)"; }
node_free() { awk '/MemFree/ { print int($4 / 1024) }' "/sys/devices/system/node/node$1/meminfo"; }
node_size() { awk '/MemTotal/ { print int($4 / 1024) }' "/sys/devices/system/node/node$1/meminfo"; }
# node_dist A B: SLIT distance from A to B.
node_dist() {
	local i=0 n d
	local -a row
	read -r -a row <"/sys/devices/system/node/node$1/distance"
	for n in $(expand "$(cat /sys/devices/system/node/online)"); do
		[ "$n" = "$2" ] && { echo "${row[$i]}"; return; }
		i=$((i + 1))
	done
	echo 255
}
# "N=MiB ..." free on every node with memory.
free_all() {
	awk '$3 == "MemFree:" && $4 > 0 { printf "%s%d=%d", (n++ ? " " : ""), $2, $4 / 1024 } END { print "" }' \
		/sys/devices/system/node/node*/meminfo | tr ' ' '\n' | sort -n | tr '\n' ' ' | sed 's/ $//'
}

# ---------------------------------------------------------------- numad

# Ours is installed as it would be: the -w front end as /usr/bin/numad (libvirt runs that
# path for -w) and the full program where the front end looks for it (/usr/local/sbin/numad
# for the lab's default prefix); a tree without a front end puts the full program at
# /usr/bin/numad. numad 0.5 stays where the package put it.
use_peer_binary() {
	if [ "$LAB_PEER" = ours ] && [ "${LAB_INSTALL:-}" = deb ]; then
		install_package
		return
	fi
	if [ "$LAB_PEER" = ours ] && [ -x /lab/numad-front ]; then
		mkdir -p /usr/local/sbin
		cp /lab/numad /usr/local/sbin/numad
		cp /lab/numad-front /usr/bin/numad
	elif [ "$LAB_PEER" = ours ]; then
		cp /lab/numad /usr/bin/numad
	fi
	log "/usr/bin/numad is $(/usr/bin/numad -V 2>&1 | head -n1)"
}

# ---------------------------------------------------------------- the package (lab-install: deb)

# A scenario marked "# lab-install: deb" runs ours as an administrator would: the Debian
# package (/lab/numad.deb, built from this tree) installed over numad 0.5 with dpkg -i,
# and numad started, reloaded and stopped with systemctl. Its settings go into
# /etc/numad.conf, the file the unit's numad reads.
service_mode() { [ "$LAB_PEER" = ours ] && [ "${LAB_INSTALL:-}" = deb ]; }
NUMADCTL=/lab/numadctl
service_mode && NUMADCTL=/usr/bin/numadctl

install_package() {
	local before after v
	before=$(dpkg-query -W -f '${Version}' numad 2>/dev/null)
	log "installing $(dpkg-deb -f /lab/numad.deb Package)_$(dpkg-deb -f /lab/numad.deb Version) over numad $before"
	check "dpkg -i of the package over numad $before succeeds (dpkg.log)" \
		bash -c 'dpkg -i /lab/numad.deb >"$0/dpkg.log" 2>&1' "$OUT"
	after=$(dpkg-query -W -f '${Version}' numad 2>/dev/null)
	v=$(dpkg-deb -f /lab/numad.deb Version)
	check "the package replaced numad $before: numad $after installed, its /usr/sbin/numad, /usr/bin/numadctl and unit in place" \
		test "$after" = "$v" -a -x /usr/sbin/numad -a -x /usr/bin/numadctl -a -f /lib/systemd/system/numad.service
	check "numad 0.5's init script and /etc/default/numad are gone" \
		test ! -e /etc/init.d/numad -a ! -e /etc/default/numad
	# 0.5's numad.service was disabled (the image's setup.sh): the upgrade keeps it so.
	check "numad.service stays disabled, as numad 0.5's was, and did not start ($(systemctl is-enabled numad.service 2>&1), $(systemctl is-active numad.service 2>&1))" \
		bash -c '[ "$(systemctl is-enabled numad.service 2>&1)" = disabled ] && ! systemctl -q is-active numad.service'
	# a question by hand, not a start: --ledger "" keeps it from reserving 1 GiB for 120 s
	local ans
	ans=$(timeout 10 /usr/bin/numad --ledger "" -w 2:1024 2>"$OUT/w-by-hand.err")
	check "/usr/bin/numad -w 2:1024 answers '$ans'" bash -c '[[ $0 =~ ^[0-9][0-9,-]*$ ]]' "$ans"
	log "/usr/bin/numad is $(/usr/bin/numad -V 2>&1 | head -n1)"
}

# The settings the lab's numad runs with, as /etc/numad.conf keys (margin scaled down with
# the nodes: 1 GiB here, 16 GB in the article).
lab_conf() {
	cat <<CONF
# written by the numad lab
log_level = 7
interval = 1:5
fast_interval = 250
margin = ${1:-${LAB_MARGIN:-64}}
CONF
}

# The pid systemd knows for the service, and its watchdog's last ping (monotonic usec).
svc_pid() { systemctl show -P MainPID numad.service; }
svc_watchdog() { systemctl show -P WatchdogTimestampMonotonic numad.service; }
conf_value() { timeout 10 "$NUMADCTL" --socket /run/numad/numad.sock config 2>/dev/null | awk -v k="$1" '$1 == k { print $3, $4 }'; }

service_start() {
	local t0 rc=0 ms
	lab_conf >/etc/numad.conf
	t0=$(date +%s%N)
	timeout 120 systemctl start numad.service >"$OUT/systemctl-start.log" 2>&1 || rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	NUMAD_PID=$(svc_pid)
	[ "$NUMAD_PID" = 0 ] && NUMAD_PID=""
	check "systemctl start numad returned 0 after ${ms} ms (Type=$(systemctl show -P Type numad.service); status $rc)" test "$rc" = 0
	check "numad.service is active (running): $(systemctl show -P ActiveState numad.service) ($(systemctl show -P SubState numad.service)), pid ${NUMAD_PID:-none}" \
		test "$(systemctl show -P ActiveState numad.service)/$(systemctl show -P SubState numad.service)" = active/running
	check "the service's numad reads /etc/numad.conf: margin $(conf_value margin)" \
		test "$(conf_value margin)" = "${LAB_MARGIN:-64} file"
	SVC_WATCHDOG0=$(svc_watchdog)
	# the unit's sandbox, scored by systemd itself
	systemd-analyze security numad.service >"$OUT/systemd-analyze-security.txt" 2>&1 || true
	SVC_SECURITY=$(grep -o 'Overall exposure level for numad.service: .*' "$OUT/systemd-analyze-security.txt" | sed 's/^.*: //')
	info "systemd-analyze security numad.service: ${SVC_SECURITY:-not available} (systemd-analyze-security.txt)"
}

# Reload with a good file (the change must be in force) and with a bad one (refused, the
# service keeps running with the settings it had), then stop; the watchdog must have
# been pinged meanwhile.
service_stop() {
	local wd rc pid
	wd=$(svc_watchdog)
	check "systemd saw watchdog pings (WatchdogTimestamp $(systemctl show -P WatchdogTimestamp numad.service); monotonic ${SVC_WATCHDOG0:-0} -> $wd us)" \
		test "${wd:-0}" -gt "${SVC_WATCHDOG0:-0}" -a "${SVC_WATCHDOG0:-0}" -gt 0
	pid=$(svc_pid)
	lab_conf 80 >/etc/numad.conf
	rc=0
	timeout 60 systemctl reload numad.service >"$OUT/systemctl-reload-good.log" 2>&1 || rc=$?
	wait_for 10 test "$(conf_value margin)" = "80 file"
	check "systemctl reload numad with a good file: status $rc, margin now $(conf_value margin), same pid" \
		test "$rc" = 0 -a "$(conf_value margin)" = "80 file" -a "$(svc_pid)" = "$pid"
	{ lab_conf 80; echo "target_utilisation = 80"; } >/etc/numad.conf
	rc=0
	timeout 60 systemctl reload numad.service >"$OUT/systemctl-reload-bad.log" 2>&1 || rc=$?
	sleep 2
	check "systemctl reload numad with a bad file fails (status $rc; journal: $(journalctl -b -u numad.service --no-pager -n 30 2>/dev/null | grep -m1 -o '/etc/numad.conf:[0-9]*: .*'))" \
		test "$rc" != 0
	check "the service keeps running after the refused reload: $(systemctl show -P ActiveState numad.service), pid $(svc_pid), margin $(conf_value margin)" \
		test "$(systemctl show -P ActiveState numad.service)" = active -a "$(svc_pid)" = "$pid" -a "$(conf_value margin)" = "80 file"
	lab_conf >/etc/numad.conf
	rc=0
	timeout 120 systemctl stop numad.service >"$OUT/systemctl-stop.log" 2>&1 || rc=$?
	check "systemctl stop numad stops it cleanly: status $rc, $(systemctl show -P ActiveState numad.service), result $(systemctl show -P Result numad.service), exit status $(systemctl show -P ExecMainStatus numad.service)" \
		test "$rc" = 0 -a "$(systemctl show -P ActiveState numad.service)" = inactive -a \
		"$(systemctl show -P Result numad.service)" = success -a "$(systemctl show -P ExecMainStatus numad.service)" = 0
	check "no numad process is left after the stop" bash -c '! pgrep -x numad >/dev/null'
	journalctl -b -u numad.service --no-pager >"$OUT/journal-numad.log" 2>&1
}

NUMAD_PID=""
# numad_start [ARGS...]: the daemon under test, logging to /var/log/numad.log.
numad_start() {
	if service_mode; then
		[ $# = 0 ] || fail "numad_start: arguments ($*) cannot be given to the service"
		service_start
	elif [ "$LAB_PEER" = ours ]; then
		mkdir -p /run/numad
		# --margin scaled down with the nodes (1 GiB here, 16 GB in the article)
		/lab/numad -F --log "$NUMAD_LOG" --pidfile "" --socket /run/numad/numad.sock \
			-d -i 1:5 --fast-interval 250 --margin "${LAB_MARGIN:-64}" "$@" >>"$OUT/numad.stderr" 2>&1 &
		NUMAD_PID=$!
		local i
		for i in $(seq 50); do
			[ -S /run/numad/numad.sock ] && break
			sleep 0.2
		done
	else
		rm -f /var/run/numad.pid
		/usr/bin/numad -i 5 -l 7 "$@" >>"$OUT/numad.stderr" 2>&1
		sleep 1
		NUMAD_PID=$(cat /var/run/numad.pid 2>/dev/null || true)
	fi
	log "numad daemon started: pid ${NUMAD_PID:-?} ($(peer_name))"
}

# numadctl_record NAME: the daemon's own view (status, guests, history) into $OUT.
numadctl_record() {
	[ "$LAB_PEER" = ours ] && [ -x "$NUMADCTL" ] || return 0
	local c
	for c in status guests history config; do
		echo "== numadctl $c ($(elapsed) s)"
		timeout 10 "$NUMADCTL" --socket /run/numad/numad.sock "$c" 2>&1
	done >>"$OUT/numadctl-$1.txt"
}

numad_stop() {
	[ -n "$NUMAD_PID" ] || return 0
	numadctl_record final
	if service_mode; then
		service_stop
		log "numad service stopped"
		NUMAD_PID=""
		return 0
	fi
	if [ "$LAB_PEER" = numad05 ]; then
		timeout 10 /usr/bin/numad -i 0 >/dev/null 2>&1 || true
		sleep 1
	fi
	kill -TERM "$NUMAD_PID" 2>/dev/null || true
	local i
	for i in $(seq 25); do
		kill -0 "$NUMAD_PID" 2>/dev/null || break
		sleep 0.2
	done
	kill -KILL "$NUMAD_PID" 2>/dev/null || true
	log "numad daemon stopped"
	NUMAD_PID=""
}
numad_alive() { [ -n "$NUMAD_PID" ] && kill -0 "$NUMAD_PID" 2>/dev/null; }

# ---------------------------------------------------------------- domains

# dom_xml NAME VCPUS MIB MODE PLACEMENT [immediate|toucher:RATE]
#   MODE strict|restrictive|interleave|preferred; PLACEMENT auto or a node list;
#   immediate: QEMU allocates all RAM at start; toucher:RATE: the guest boots
#   guest/toucher, which touches its RAM at RATE MiB/s after the start.
dom_xml() {
	local name=$1 vcpus=$2 mib=$3 mode=$4 placement=$5 extra=${6:-}
	local vp=static tune="placement='auto'" mb="" os=""
	if [ "$placement" = auto ]; then vp=auto; else tune="nodeset='$placement'"; fi
	case $extra in
	immediate) mb="<memoryBacking><allocation mode='immediate'/></memoryBacking>" ;;
	toucher:*) install_toucher; os="<kernel>$TOUCHER</kernel><cmdline>${extra#toucher:}</cmdline>" ;;
	esac
	cat >"/tmp/$name.xml" <<XML
<domain type='qemu'>
  <name>$name</name>
  <memory unit='MiB'>$mib</memory>
  <vcpu placement='$vp'>$vcpus</vcpu>
  <numatune><memory mode='$mode' $tune/></numatune>
  $mb
  <os><type arch='x86_64' machine='pc'>hvm</type>$os</os>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <memballoon model='none'/>
  </devices>
</domain>
XML
	cp "/tmp/$name.xml" "$OUT/$name.xml"
	virsh define "/tmp/$name.xml" >/dev/null
}

dom_pid() { cat "/run/libvirt/qemu/$1.pid" 2>/dev/null || true; }
dom_state() { virsh domstate "$1" 2>/dev/null | head -n1; }
dom_running() { [ "$(dom_state "$1")" = running ]; }
# The domain's live nodeset as libvirt reports it.
dom_nodeset() { virsh numatune "$1" 2>/dev/null | awk '$1 == "numa_nodeset" { print $3 }'; }
# The nodes the domain's QEMU may allocate from now (its emulator cgroup's cpuset.mems).
dom_mems() { local s; s=$(dom_scope "$1"); [ -n "$s" ] && cat "$s/libvirt/emulator/cpuset.mems" 2>/dev/null; }
dom_scope() {
	local d
	for d in "$CG"/'machine-qemu\x2d'*'\x2d'"$1".scope; do
		[ -d "$d" ] && { echo "$d"; return; }
	done
}
# dom_mem NAME: "N=MiB ..." of the domain's anonymous memory by node (memory.numa_stat).
dom_mem() {
	local s
	s=$(dom_scope "$1")
	[ -n "$s" ] || { echo ""; return; }
	awk '$1 == "anon" { for (i = 2; i <= NF; i++) { split($i, a, "="); sub("N", "", a[1]);
		printf "%s%s=%d", (i > 2 ? " " : ""), a[1], a[2] / 1048576 } }' "$s/memory.numa_stat"
}
dom_mem_total() { dom_mem "$1" | tr ' ' '\n' | awk -F= '{ s += $2 } END { print s + 0 }'; }
# dom_mem_on NAME NODE: MiB the domain holds on NODE.
dom_mem_on() { dom_mem "$1" | tr ' ' '\n' | awk -F= -v n="$2" '$1 == n { print $2; f = 1 } END { if (!f) print 0 }'; }

# The nodeset libvirt got from numad -w for the last domain it started, from libvirtd's log.
numad_last_answer() {
	awk '/Nodeset returned from numad/ { ans = $NF } END { print ans }' "$LIBVIRTD_LOG"
}

# ---------------------------------------------------------------- recording

SAMPLER_PID=""
# Every second: free MiB per node and each domain's memory per node, read from
# sysfs and the domains' cgroups only (virsh is slow under TCG).
sampler_start() {
	(
		echo "# t(s) what N=MiB... (free: MemFree per node; DOMAIN: its cgroup's memory.numa_stat anon)"
		while :; do
			local t d name
			t=$(elapsed)
			echo "$t free $(free_all)"
			for d in "$CG"/machine-qemu*.scope; do
				[ -d "$d" ] || continue
				name=${d##*\\x2d}
				name=${name%.scope}
				echo "$t $name $(awk '$1 == "anon" { for (i = 2; i <= NF; i++) { split($i, a, "="); sub("N", "", a[1]);
					printf "%s%s=%d", (i > 2 ? " " : ""), a[1], a[2] / 1048576 } }' "$d/memory.numa_stat")"
			done
			sleep 1
		done
	) >>"$OUT/numa_stat.log" 2>/dev/null &
	SAMPLER_PID=$!
}
sampler_stop() { [ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null; SAMPLER_PID=""; }

oom_kills() { dmesg | grep -c 'Killed process' || true; }
oom_lines() { dmesg | grep -E 'invoked oom-killer|Out of memory|Killed process|oom_reaper' || true; }

# wait_for SECONDS COMMAND...: poll every 0.5 s until the command succeeds.
wait_for() {
	local end=$(($(date +%s) + $1))
	shift
	while [ "$(date +%s)" -lt "$end" ]; do
		"$@" && return 0
		sleep 0.5
	done
	return 1
}

# Advising lines and their outcomes from numad's log.
advising() { grep -E 'Advising pid|Applied through libvirt|Advice only|Failed, will retry|Failed permanently|Refused|WARN|warn' "$NUMAD_LOG" 2>/dev/null || true; }

# Every numad -w that libvirtd ran, from its log: "REQUEST ANSWER MS" per line,
# MS being from "About to run /usr/bin/numad -w" to "Nodeset returned from numad".
libvirt_numad_calls() {
	awk '
	function ms(d, t,   a) { split(t, a, /[:+]/); return ((a[1] * 60 + a[2]) * 60 + a[3]) * 1000 }
	/About to run \/usr\/bin\/numad -w/ { req = $NF; t0 = ms($1, $2); next }
	/Nodeset returned from numad/ && req != "" { printf "%s %s %d\n", req, $NF, ms($1, $2) - t0; req = "" }
	' "$LIBVIRTD_LOG"
}

# The inner guests boot guest/toucher (copied where libvirt's QEMU may read it):
# it touches its RAM at RATE MiB/s after the domain has started.
TOUCHER=/var/lib/libvirt/images/toucher
install_toucher() { [ -f "$TOUCHER" ] || install -m 0644 /lab/toucher "$TOUCHER"; }
# Time (s since the scenario began) of the first numad log line matching a regex.
# numad's log has whole seconds (ctime).
log_time() {
	local line
	line=$(grep -m1 -E "$1" "$NUMAD_LOG" 2>/dev/null) || return 1
	local when=${line%%: *}
	awk -v t0="$LAB_T0" -v t="$(date -d "$when" +%s 2>/dev/null)" 'BEGIN { if (t == "") exit 1; printf "%.0f", t - t0 }'
}

# Nodes in list A and not in list B, as a node list "1 2".
nodes_minus() {
	local a b n out=""
	a=" $(expand "$1") "
	b=" $(expand "$2") "
	for n in $a; do [[ $b == *" $n "* ]] || out+="$n "; done
	echo "${out% }"
}

# ---------------------------------------------------------------- crowding (b, c)

# crowd MODE: the article's crowded node.  guest1 (MODE, placement='auto', 35% of
# a node, so that it fits one node with numad's margin) starts and touches its
# memory at RATE MiB/s.  Once it holds 30% of it, `numactl --membind=X memtester`
# takes what is left on X, the node holding most of guest1, but for 128 MiB less
# than guest1 still needs.  Then watch until guest1 holds all its memory, dies, or
# the time is up.  Leaves its findings in the C_* variables.
crowd() {
	local mode=$1 n s
	C_SIZE=0
	for n in $(cpu_nodes); do
		s=$(node_size "$n")
		if [ "$C_SIZE" = 0 ] || [ "$s" -lt "$C_SIZE" ]; then C_SIZE=$s; fi
	done
	C_MIB=${LAB_GUEST_MIB:-$((C_SIZE * 35 / 100))}
	C_RATE=${LAB_RATE:-8}
	use_peer_binary
	sampler_start
	numad_start
	dom_xml guest1 1 "$C_MIB" "$mode" auto "toucher:$C_RATE"
	log "starting guest1: $C_MIB MiB, mode $mode, placement auto, touching $C_RATE MiB/s"
	# virsh start returns long after QEMU runs under TCG: watch the guest meanwhile.
	local t0 vs
	t0=$(date +%s.%N)
	virsh start guest1 >"$OUT/virsh-start.log" 2>&1 &
	vs=$!
	wait_for 120 test -s /run/libvirt/qemu/guest1.pid
	C_PID=$(dom_pid guest1)
	C_T_CROWD="" C_T_CHANGE="" C_T_GONE="" C_NODESET1="" C_HOG=0 C_FREE_AT_CROWD="" C_NODESET0="" C_X=""
	local quarter=$((C_MIB * 30 / 100))
	wait_for 180 holds_at_least guest1 "$quarter" || log "guest1 did not reach $quarter MiB"
	C_ANSWER=$(numad_last_answer)
	C_WAIT_MS=$(libvirt_numad_calls | tail -n1 | awk '{ print $3 }')
	log "guest1: pid ${C_PID:-none}, numad -w answered '$C_ANSWER' in ${C_WAIT_MS:-?} ms"
	if [ -z "$C_PID" ] || ! kill -0 "$C_PID" 2>/dev/null; then
		wait $vs
		C_START_RC=$?
		cat "$OUT/virsh-start.log"
		return 1
	fi
	local touched free mem
	C_NODESET0=$(dom_mems guest1)
	[ "$C_NODESET0" = "$C_ANSWER" ] || log "guest1 was moved before the crowding: $C_ANSWER -> $C_NODESET0"
	mem=$(dom_mem guest1)
	C_X=$(for n in $(expand "$C_NODESET0"); do echo "$mem" | tr ' ' '\n' | awk -F= -v n="$n" '$1 == n { print $2, $1 }'; done |
		sort -rn | awk 'NR == 1 { print $2 }')
	touched=$(dom_mem_total guest1)
	free=$(node_free "$C_X")
	C_FREE_AT_CROWD=$(free_all)
	C_HOG=$((free - (C_MIB - touched) + 128))
	[ "$C_HOG" -ge 64 ] || C_HOG=64
	log "guest1 holds $touched MiB ($mem) on nodes $C_NODESET0; node $C_X has $free MiB free: memtester takes $C_HOG MiB there"
	C_T_CROWD=$(elapsed)
	# The OOM killer picks the biggest task; on the article's host that is the
	# guest (12 GB against 2-3 GB).  Here the crowding is the bigger one, so it is
	# exempted (oom_score_adj -1000) to keep the article's proportions.
	bash -c 'echo -1000 >/proc/self/oom_score_adj; exec numactl --membind="$0" memtester "$1"' \
		"$C_X" "${C_HOG}M" >"$OUT/memtester.log" 2>&1 &
	C_MEMTESTER=$!
	# cheap reads only (cgroup files, kill -0): virsh is slow under TCG
	local deadline=$(($(date +%s) + C_MIB / C_RATE + 90)) full="" ns total
	while [ "$(date +%s)" -lt "$deadline" ]; do
		ns=$(dom_mems guest1)
		if [ -n "$ns" ] && [ "$ns" != "$C_NODESET0" ] && [ -z "$C_T_CHANGE" ]; then
			C_T_CHANGE=$(elapsed)
			C_NODESET1=$ns
			log "guest1's nodeset is now $ns"
		fi
		kill -0 "$C_PID" 2>/dev/null || { C_T_GONE=$(elapsed); log "guest1's QEMU (pid $C_PID) is gone"; break; }
		total=$(dom_mem_total guest1)
		if [ -z "$full" ] && [ "$total" -ge $((C_MIB - 8)) ]; then
			full=$(date +%s)
			log "guest1 holds all its memory: $(dom_mem guest1)"
		fi
		[ -n "$full" ] && [ $(($(date +%s) - full)) -ge 10 ] && break
		sleep 1
	done
	wait $vs
	C_START_RC=$?
	C_START_S=$(awk -v a="$t0" -v b="$(date -r "$OUT/virsh-start.log" +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	C_STATE=$(dom_state guest1)
	C_FINAL_NODESET=$(dom_nodeset guest1)
	C_FINAL_MEM=$(dom_mem guest1)
	C_TOTAL=$(dom_mem_total guest1)
	C_MEMTESTER_ALIVE=no
	kill -0 "$C_MEMTESTER" 2>/dev/null && C_MEMTESTER_ALIVE=yes
	C_OOMS=$(oom_kills)
	C_VICTIMS=$(dmesg | grep -o 'Killed process [0-9]* ([^)]*)' | sed 's/Killed process //' | tr '\n' ' ')
	log "end: guest1 $C_STATE, nodeset $C_FINAL_NODESET, memory $C_FINAL_MEM; memtester alive: $C_MEMTESTER_ALIVE; OOM kills: $C_OOMS ${C_VICTIMS}"
	log "free MiB per node: $(free_all)"
	numad_stop
	sampler_stop
	kill "$C_MEMTESTER" 2>/dev/null
	return 0
}

holds_at_least() { [ "$(dom_mem_total "$1")" -ge "$2" ]; }

# MiB per node as a short string: "1=300 2=200" without zero entries.
nonzero() { tr ' ' '\n' | awk -F= '$2 > 0' | tr '\n' ' ' | sed 's/ $//'; }

# Take memory on each node (tmpfs bound to it) until its free share is what the
# topology text says ("node N free:" over "node N size:"); node 0 keeps 200 MiB.
fill_like_text() {
	local n want have fill
	while read -r n want; do
		[ -d "/sys/devices/system/node/node$n" ] || continue
		want=$((want * $(node_size "$n") / 1000))
		[ "$n" = 0 ] && [ "$want" -lt 200 ] && want=200
		have=$(node_free "$n")
		fill=$((have - want))
		[ "$fill" -ge 16 ] || continue
		mkdir -p "/run/lab-fill$n"
		mount -t tmpfs -o "size=${fill}M,mpol=bind:$n" lab-fill "/run/lab-fill$n"
		dd if=/dev/zero of="/run/lab-fill$n/f" bs=1M count="$fill" 2>/dev/null
		log "node $n: took $fill MiB (tmpfs) so that $want MiB stay free, as in $LAB_TOPOLOGY"
	done < <(awk '/^node [0-9]+ size:/ { s[$2] = $4 } /^node [0-9]+ free:/ { f[$2] = $4 }
		END { for (n in s) if (s[n] > 0) print n, int(1000 * f[n] / s[n]) }' /lab/topology.txt)
}
unfill() {
	local d
	for d in /run/lab-fill*; do [ -d "$d" ] && umount "$d" 2>/dev/null; done
	return 0
}
