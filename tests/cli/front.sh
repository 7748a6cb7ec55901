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
q=(--config "" --log "" --socket "")
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
if ldd "$front" | grep -q 'libvirt\.so'; then
	echo "FAIL: the front end loads libvirt"; fail=1
fi
[ $fail = 0 ] && echo "front end: PASS"
exit $fail
