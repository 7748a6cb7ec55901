#!/usr/bin/env bash
# The daemon's modules depend on each other as a tree, not a circle.
#  1. Each daemon header declares only its own module's functions: every function it
#     declares is defined in that module's .c files (a module is X.h with X.c; ctlproto.h
#     also has ctlclient.c). So an include says which module a file uses.
#  2. Module A uses module B when one of A's .c files includes B.h. Every such edge is
#     printed, and the run fails when they form a loop (tsort names it).
# Headers of lib/ are below every daemon module and are not listed.
#   tests/cli/include_tree.sh [DAEMON_DIR]
set -euo pipefail
dir=${1:-$(cd "$(dirname "$0")/../.." && pwd)/daemon}
module() { # a .c file's basename -> its module
	case $1 in
	ctlclient) echo ctlproto ;;
	*) echo "$1" ;;
	esac
}
fail=0
for h in "$dir"/*.h; do
	m=$(basename "$h" .h)
	for f in $(grep -oE '^[a-z][a-z_ 0-9*]*[ *][a-z_0-9]+\(' "$h" | sed -E 's/.*[ *]([a-z_0-9]+)\($/\1/'); do
		owners=$(grep -lE "^[a-z].*[ *]$f\(" "$dir"/*.c | while read -r c; do module "$(basename "$c" .c)"; done | sort -u)
		if ! grep -qx "$m" <<<"$owners"; then
			echo "FAIL: $(basename "$h") declares $f, which module ${owners:-nothing} defines" >&2
			fail=1
		fi
	done
done
edges=$(for c in "$dir"/*.c; do
	m=$(module "$(basename "$c" .c)")
	sed -n 's/^#include "\([a-z_]*\)\.h"/\1/p' "$c" | while read -r h; do
		if [ -f "$dir/$h.h" ] && [ "$h" != "$m" ]; then echo "$m $h"; fi
	done
done | sort -u)
echo "$edges" | sed 's/ / -> /'
if ! out=$(echo "$edges" | tsort 2>&1 >/dev/null) || [ -n "$out" ]; then
	echo "FAIL: the daemon's modules include each other in a circle:" >&2
	echo "$out" >&2
	fail=1
fi
[ $fail = 0 ] || exit 1
echo "ok: $(echo "$edges" | wc -l) edges between modules, no loop, each header its own module's"
