#!/usr/bin/env bash
# Signals in the daemon's first moments: the control socket answers before libvirt is
# connected, and a SIGHUP (logrotate) or SIGTERM (a stop) that arrives as soon as the socket
# exists must be handled like any other, not meet the default action. Each round starts
# numad on the simulated DL980, waits for its socket file, and signals it at once.
#   startsignals.sh NUMAD_BIN TOPOLOGY [ROUNDS]
set -uo pipefail
bin=${1:?usage: startsignals.sh NUMAD_BIN TOPOLOGY [ROUNDS]} topo=${2:?} rounds=${3:-10}
work=$(mktemp -d /tmp/numad-startsig.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail=0
start() { # start DIR: numad in the background, pid in $pid; returns once its socket file exists
	"$bin" -F --config "" --log "$1/log" --pidfile "$1/pid" --socket "$1/sock" --simulate "$topo" \
		--run-for 60 >"$1/out" 2>&1 &
	pid=$!
	local n=0
	until [ -S "$1/sock" ]; do
		kill -0 "$pid" 2>/dev/null || return 1
		n=$((n + 1))
		[ $n -lt 2000000 ] || return 1
	done
}
for ((i = 1; i <= rounds; i++)); do
	d="$work/hup$i" && mkdir "$d"
	start "$d" || { echo "FAIL: round $i: no socket"; fail=1; continue; }
	kill -HUP "$pid"
	for _ in $(seq 100); do grep -q 'SIGHUP: log reopened' "$d/log" 2>/dev/null && break; sleep 0.1; done
	if ! kill -0 "$pid" 2>/dev/null; then
		wait "$pid"; echo "FAIL: round $i: SIGHUP at start killed numad (status $?)"; fail=1; continue
	fi
	grep -q 'SIGHUP: log reopened' "$d/log" || { echo "FAIL: round $i: SIGHUP at start not handled"; fail=1; }
	kill -TERM "$pid"; wait "$pid"
done
for ((i = 1; i <= rounds; i++)); do
	d="$work/term$i" && mkdir "$d"
	start "$d" || { echo "FAIL: round $i: no socket"; fail=1; continue; }
	kill -TERM "$pid"
	wait "$pid"; rc=$?
	[ $rc = 0 ] || { echo "FAIL: round $i: SIGTERM at start: exit $rc, want 0"; fail=1; }
	grep -q 'SIGTERM: stopping' "$d/log" || { echo "FAIL: round $i: SIGTERM at start not logged"; fail=1; }
	[ ! -e "$d/pid" ] || { echo "FAIL: round $i: the pid file was left behind"; fail=1; }
done
[ $fail = 0 ] && echo "signals at start: PASS ($rounds rounds each of SIGHUP and SIGTERM)"
exit $fail
