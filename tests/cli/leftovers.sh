#!/usr/bin/env bash
# No test leaves a process behind: run after every other test (see tests/CMakeLists.txt),
# this fails, naming each one, while a process of this build is still running. A process
# is this build's when its executable lies under BUILD_DIR (numad, numad-sim, numadctl,
# the front end, a test program or a fork of one), or when NUMAD_TEST_BUILD=BUILD_DIR is
# in its environment: ctest gives it to the tests of tests/cli, and their children inherit
# it (a private libvirtd, a script's sleep). Another build directory's processes are not
# this build's, so build/ and build-asan/ can be tested at the same time.
#
# Usage: leftovers.sh BUILD_DIR
set -u

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi
dir=${1%/}
real=$(cd "$dir" && pwd -P)
# what this script starts (readlink, grep, ps) must not carry the mark
unset NUMAD_TEST_BUILD

# This script and those it runs under (ctest, a make, a shell) are not left behind.
declare -A skip=()
p=$$
while [ "$p" -gt 1 ] 2>/dev/null; do
	skip[$p]=1
	p=$(awk '/^PPid:/ { print $2 }' "/proc/$p/status" 2>/dev/null) || break
done

# The processes of this build as "PID:START" (START, from /proc/PID/stat, tells a pid
# reused by another process apart).
scan() {
	local d p exe stat
	for d in /proc/[0-9]*; do
		p=${d#/proc/}
		[ -z "${skip[$p]:-}" ] || continue
		exe=$(readlink "$d/exe" 2>/dev/null) || exe=
		case $exe in
		"$real"/* | "$dir"/*) ;;
		*) grep -qzxF -e "NUMAD_TEST_BUILD=$dir" -e "NUMAD_TEST_BUILD=$real" "$d/environ" 2>/dev/null || continue ;;
		esac
		stat=$(cat "$d/stat" 2>/dev/null) || continue
		stat=${stat##*) }
		set -- $stat
		# a zombie is gone but for its exit status, which its parent (named too) collects
		[ "$1" != Z ] || continue
		echo "$p:${20}"
	done
}

declare -A first=()
for k in $(scan); do
	first[$k]=1
done
[ ${#first[@]} -gt 0 ] || exit 0
# a test's last child may be a moment from its end: only what stays counts
sleep 2
left=()
for k in $(scan); do
	[ -z "${first[$k]:-}" ] || left+=("${k%%:*}")
done
[ ${#left[@]} -gt 0 ] || exit 0

echo "FAIL: ${#left[@]} process(es) of $dir still running after the tests:"
for p in "${left[@]}"; do
	ps -o pid=,ppid=,user=,etime=,args= -p "$p" | sed 's/^/  /'
done
echo "(columns: pid, parent, user, elapsed, command; stop them with kill ${left[*]})"
exit 1
