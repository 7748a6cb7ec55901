#!/bin/sh
# test_units.sh: checks of what numad installs, run by ctest (systemd/CMakeLists.txt).
#
#   test_units.sh verify SERVICE SOCKET      systemd-analyze verify prints nothing
#   test_units.sh manlint PAGE...            man/groff print no warning for each page
#   test_units.sh manopts NUMAD PAGE         every option of "numad -h" is in the page
#   test_units.sh mancmds NUMADCTL PAGE      every command of "numadctl --help" is in the page
#   test_units.sh install CMAKE BUILD DESTDIR MANIFEST SBIN_NUMAD
#                                            cmake --install lays out every file
#
# Exit status: 0 pass, 1 fail, 77 skipped (a tool is missing).
set -u

SKIP=77

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

have() {
	command -v "$1" >/dev/null 2>&1
}

# systemd-analyze verify exits 0 on many problems (unknown keys, bad values) and only
# prints them, so any output fails the test. --man=no: Documentation= names pages that
# are not installed here.
verify() {
	have systemd-analyze || { echo "SKIP: no systemd-analyze (Debian package systemd)"; exit $SKIP; }
	out=$(systemd-analyze verify --man=no "$@" 2>&1)
	rc=$?
	if [ $rc -ne 0 ] || [ -n "$out" ]; then
		printf '%s\n' "$out" >&2
		fail "systemd-analyze verify $* (exit $rc)"
	fi
	echo "systemd-analyze verify: $* clean"
}

# man --warnings turns groff's warnings on; groff -ww is the fallback without man-db.
manlint() {
	if have man; then
		tool=man
	elif have groff; then
		tool=groff
	else
		echo "SKIP: neither man (man-db) nor groff (groff-base)"
		exit $SKIP
	fi
	bad=0
	for page in "$@"; do
		[ -f "$page" ] || fail "no such page: $page"
		if [ $tool = man ]; then
			out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$page" 2>&1 >/dev/null)
		else
			out=$(groff -z -ww -man -Tutf8 "$page" 2>&1)
		fi
		if [ -n "$out" ]; then
			printf '%s: %s\n' "$page" "$out" >&2
			bad=1
		fi
		# Checked with groff too, for what man-db's formatting options hide.
		if have groff; then
			out=$(groff -z -ww -man -Tutf8 "$page" 2>&1)
			[ -z "$out" ] || { printf '%s: %s\n' "$page" "$out" >&2; bad=1; }
		fi
	done
	[ $bad -eq 0 ] || fail "warnings from $tool"
	echo "man pages clean ($tool): $*"
}

# The page as plain ASCII text on long lines without hyphenation, so an option is never
# split across lines.
render() {
	groff -man -Tascii -rLL=250n -rHY=0 -P-cbou "$1" 2>/dev/null
}

# Words that look like options (-x, --long-name) in text: after a space, start, '(', ',', '/' or '['.
options_in() {
	grep -oE '(^|[][ ,/(])--?[A-Za-z][A-Za-z0-9-]*' | sed 's/^[][ ,/(]//' | sort -u
}

manopts() {
	bin=$1 page=$2
	have groff || { echo "SKIP: no groff (Debian package groff-base)"; exit $SKIP; }
	help=$("$bin" -h) || fail "$bin -h failed"
	text=$(render "$page")
	[ -n "$text" ] || fail "cannot render $page"
	missing=""
	for opt in $(printf '%s\n' "$help" | options_in); do
		printf '%s\n' "$text" | grep -qE -- "(^|[^-A-Za-z0-9])$opt([^-A-Za-z0-9]|\$)" || missing="$missing $opt"
	done
	[ -z "$missing" ] || fail "options of '$bin -h' missing from $page:$missing"
	echo "every option of $bin -h is in $page"
}

# Commands are the first word of the indented lines in the "Commands:" part of the help.
mancmds() {
	bin=$1 page=$2
	have groff || { echo "SKIP: no groff (Debian package groff-base)"; exit $SKIP; }
	help=$("$bin" --help) || fail "$bin --help failed"
	cmds=$(printf '%s\n' "$help" | awk '
		/^[A-Za-z].*:$/ { incmd = ($0 ~ /^[Cc]ommands/); next }
		incmd && /^  [a-z]/ { print $1 }')
	[ -n "$cmds" ] || fail "no Commands: section in '$bin --help'"
	text=$(render "$page")
	missing=""
	for c in $cmds; do
		printf '%s\n' "$text" | grep -qE -- "(^|[^-A-Za-z0-9])$c([^-A-Za-z0-9]|\$)" || missing="$missing $c"
	done
	[ -z "$missing" ] || fail "commands of '$bin --help' missing from $page:$missing"
	echo "every command of $bin --help is in $page:" $cmds
}

install_layout() {
	cmake=$1 build=$2 dest=$3 manifest=$4 sbin_numad=$5
	rm -rf "$dest"
	log="$dest.log"
	DESTDIR="$dest" "$cmake" --install "$build" >"$log" 2>&1 || { cat "$log" >&2; fail "cmake --install $build"; }
	bad=0
	while IFS= read -r f; do
		[ -n "$f" ] || continue
		p="$dest$f"
		if [ ! -e "$p" ] && [ ! -L "$p" ]; then
			echo "missing: $f" >&2
			bad=1
			continue
		fi
		case "$f" in
		*/bin/numad)
			# the -w front end: answers on its own, without libvirt's libraries
			[ -f "$p" ] && [ -x "$p" ] || { echo "not an executable file: $f" >&2; bad=1; continue; }
			w=$("$p" --config "" --log "" --socket "" -w 1:1 2>&1) ||
				{ echo "$f -w 1:1 failed: $w" >&2; bad=1; }
			case "$w" in [0-9]*) ;; *) echo "$f -w 1:1 printed no node list: $w" >&2; bad=1 ;; esac
			if command -v ldd >/dev/null && ldd "$p" | grep -q 'libvirt\.so'; then
				echo "$f loads libvirt: libvirt would wait for it at every guest start" >&2
				bad=1
			fi ;;
		*/sbin/*)
			[ -f "$p" ] && [ -x "$p" ] || { echo "not an executable file: $f" >&2; bad=1; } ;;
		*/numad.service)
			grep -q "^ExecStart=$sbin_numad " "$p" || { echo "$f: ExecStart is not $sbin_numad" >&2; bad=1; } ;;
		*)
			[ -s "$p" ] || { echo "empty: $f" >&2; bad=1; } ;;
		esac
	done <"$manifest"
	echo "installed under $dest:"
	(cd "$dest" && find . ! -type d | sed 's/^\./  /' | sort)
	extra=$(cd "$dest" && find . ! -type d | sed 's/^\.//' | sort | grep -vxF -f "$manifest")
	[ -z "$extra" ] || printf 'installed by other rules (not checked here):\n%s\n' "$extra"
	[ $bad -eq 0 ] || fail "install layout (log: $log)"
	echo "every file of $manifest is in place"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
verify) verify "$@" ;;
manlint) manlint "$@" ;;
manopts) manopts "$@" ;;
mancmds) mancmds "$@" ;;
install) install_layout "$@" ;;
*) echo "usage: $0 verify|manlint|manopts|mancmds|install ARGS" >&2; exit 2 ;;
esac
