#!/usr/bin/env bash
# The -w front end (BINDIR/numad, what libvirt runs) must be indistinguishable from the full
# numad: the same -w answers and errors on every shared topology, the same help, version and
# exit codes, and everything that is not -w handed to the full program (here: a short
# simulated daemon run), while it loads none of libvirt's libraries.
#   front.sh FRONT FULL MKFIXTURE TOPO_DIR
set -euo pipefail
front=${1:?usage: front.sh FRONT FULL MKFIXTURE TOPO_DIR} full=${2:?} mkfixture=${3:?} topos=${4:?}
work=$(mktemp -d /tmp/numad-front.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail=0
same() { # same WHAT ARGS...: stdout, stderr and exit status of both programs match
	local what=$1 fo fe fr=0 bo be br=0
	shift
	fo=$("$front" "$@" 2>"$work/fe") || fr=$?
	bo=$("$full" "$@" 2>"$work/be") || br=$?
	fe=$(cat "$work/fe") be=$(cat "$work/be")
	if [ "$fo" != "$bo" ] || [ "$fe" != "$be" ] || [ $fr != $br ]; then
		echo "FAIL: $what: front end exit $fr, '$fo', '$fe'; numad exit $br, '$bo', '$be'"
		fail=1
	fi
}
# --ledger "": each answer alone, so that both programs see the same host
q=(--config "" --log "" --socket "" --ledger "")
for t in "$topos"/*.txt; do
	root="$work/$(basename "$t" .txt)"
	"$mkfixture" --topology "$t" --out "$root" >/dev/null
	for w in 1 1:100 4:4096 8:20000 64:1000000 2.5:512 0 bogus 4:-1 "4:4096:9"; do
		same "$(basename "$t") -w $w" "${q[@]}" --root "$root" -w "$w"
	done
	same "$(basename "$t") -w 4:4096 --explain" "${q[@]}" --root "$root" -w 4:4096 --explain
	same "$(basename "$t") -w with -u 50" "${q[@]}" --root "$root" -u 50 -w 6:8000
done
same "--help" --help
same "--version" --version
same "an unknown option" --no-such-option
same "-w with a bad option beside it" -w 4:100 -u 500
same "-i 0 without a daemon" -i 0 --pidfile "$work/none.pid"
same "--check-config of a missing file" --check-config --config "$work/none.conf"
# not -w: the daemon itself, reached through the front end
out=$("$front" "${q[@]}" --pidfile "" -F --simulate "$topos/dl980-8node.txt" --run-for 3 --speed 10 2>/dev/null) || {
	echo "FAIL: the daemon through the front end exited $?"; fail=1; }
grep -q '^OOM kills: ' <<<"$out" || { echo "FAIL: the daemon through the front end printed no summary: $out"; fail=1; }
# A start storm: four guests of 10000 MB asked back to back on 4 nodes of 15 GB free. Each
# answer reserves its guest's memory in the tree's ledger (run/numad/ledger), so they land
# on four different single nodes; without a daemon, and with one answering on its socket.
storm=$work/4x15.txt
{
	echo "available: 4 nodes (0-3)"
	for n in 0 1 2 3; do
		echo "node $n cpus: $((2 * n)) $((2 * n + 1))"; echo "node $n size: 16384 MB"; echo "node $n free: 15360 MB"
	done
	echo "node distances:"; echo "node   0   1   2   3"
	echo "  0:  10  20  20  20"; echo "  1:  20  10  20  20"; echo "  2:  20  20  10  20"; echo "  3:  20  20  20  10"
} >"$storm"
four() { # four WHAT ARGS...: four -w 2:10000 answers, each one node, all different
	local what=$1 got=() a
	shift
	for _ in 1 2 3 4; do
		a=$("$front" --config "" --log "" "$@" -w 2:10000 2>"$work/storm.err") || true
		got+=("$a")
	done
	if ! printf '%s\n' "${got[@]}" | grep -qxE '[0-3]( [0-3])*' ||
	   [ "$(printf '%s\n' "${got[@]}" | grep -xE '[0-3]' | sort -u | wc -l)" != 4 ]; then
		echo "FAIL: $what: answers '${got[*]}', want four different single nodes; $(cat "$work/storm.err")"
		fail=1
	fi
}
"$mkfixture" --topology "$storm" --out "$work/storm1" >/dev/null
four "a start storm without a daemon" --socket "" --root "$work/storm1"
"$mkfixture" --topology "$storm" --out "$work/storm2" >/dev/null
"$full" --config "" --log "$work/storm-daemon.log" --pidfile "" --state-file "" -F --root "$work/storm2" \
	--connect test:///default --socket "$work/storm.sock" >/dev/null 2>&1 &
daemon=$!
for _ in $(seq 100); do [ -S "$work/storm.sock" ] && break; sleep 0.1; done
# --ledger "" for the front end: an answer it made itself would reserve nothing, so four
# different nodes come only from the daemon's own reservations
four "a start storm answered by a daemon" --socket "$work/storm.sock" --root "$work/storm2" --ledger ""
kill "$daemon"; wait "$daemon" || true
# the daemon left its reservations in the tree's ledger, for the front end and its next start
[ "$(grep -c '^r ' "$work/storm2/run/numad/ledger" 2>/dev/null)" = 4 ] ||
	{ echo "FAIL: the daemon's reservations are not in its ledger: $(cat "$work/storm2/run/numad/ledger" 2>&1)"; fail=1; }
# a ledger that is not one: a warning naming it, a fresh ledger, an answer
printf 'garbage\n' >"$work/storm1/run/numad/ledger"
a=$("$front" --config "" --log "" --socket "" --root "$work/storm1" -w 2:10000 2>"$work/storm.err") &&
	grep -qxE '[0-3]' <<<"$a" &&
	grep -q "ledger $work/storm1/run/numad/ledger:1: not a numad ledger.*: starting a fresh ledger" "$work/storm.err" ||
	{ echo "FAIL: a garbage ledger: '$a', $(cat "$work/storm.err")"; fail=1; }
# a huge one, and one whose lock another process holds: an answer all the same, and why
head -c 200000 /dev/zero | tr '\0' 'r' >"$work/storm1/run/numad/ledger"
a=$("$front" --config "" --log "" --socket "" --root "$work/storm1" -w 2:10000 2>"$work/storm.err") &&
	grep -qxE '[0-3]' <<<"$a" && grep -q "larger than a ledger can be" "$work/storm.err" ||
	{ echo "FAIL: a huge ledger: '$a', $(cat "$work/storm.err")"; fail=1; }
flock "$work/storm1/run/numad/ledger" sleep 5 &
holder=$!
sleep 0.3
a=$("$front" --config "" --log "" --socket "" --root "$work/storm1" -w 2:10000 2>"$work/storm.err") &&
	grep -qxE '[0-3]' <<<"$a" && grep -q "another holder keeps it locked" "$work/storm.err" ||
	{ echo "FAIL: a locked ledger: '$a', $(cat "$work/storm.err")"; fail=1; }
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null || true
if ldd "$front" | grep -q 'libvirt\.so'; then
	echo "FAIL: the front end loads libvirt"; fail=1
fi
[ $fail = 0 ] && echo "front end: PASS"
exit $fail
