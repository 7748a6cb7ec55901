#!/bin/sh
# test_units.sh: checks of what numad installs, run by ctest (systemd/CMakeLists.txt).
#
#   test_units.sh verify SERVICE SOCKET      systemd-analyze verify prints nothing
#   test_units.sh manlint PAGE...            man/groff print no warning for each page
#   test_units.sh manopts BIN PAGE [SECTION]...
#                                            every option of "BIN -h" (of those SECTIONs of it)
#                                            is in the page, and the page's entry for an option
#                                            gives the default the help gives
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

# The help's options, one a line: "OPTION DEFAULT" ("-" for none), from the entries (lines
# that start with "  -X" or "      --X", their continuation lines indented further) of the
# sections named ("A|B"), or of all.
help_options() {
	awk -v want="$1" '
		function flush() {
			if (opt != "" && keep) {
				d = "-"
				if (match(text, /default [^ ,;)]+/)) {
					d = substr(text, RSTART + 8, RLENGTH - 8)
					sub(/[.]$/, "", d)
				}
				print opt, d
			}
			opt = ""
		}
		/^[A-Za-z].*:$/ { flush(); keep = (want == "" || index("|" want "|", "|" substr($0, 1, length($0) - 1) "|") ||
		                                   index("|" want "|", "|" $1 " " $2 "|")); next }
		/^  -[^-]|^      --/ { flush(); opt = $1; sub(/,$/, "", opt); if ($2 ~ /^--/) opt = $2; text = $0; next }
		/^                  / && opt != "" { text = text " " $0; next }
		{ flush() }
		END { flush() }'
}

# The page's entry whose tag starts with OPTION (as "-u", "-F, --foreground" or "--horizon"):
# its tag line (where a short tag's text begins) and its body, on one line; nothing when the
# page has no such entry.
page_entry() {
	awk -v opt="$1" '
		/^       [^ ]/ {
			if (found) exit
			tag = $0; sub(/^ +/, "", tag)
			n = split(tag, w, /[ ,]+/)
			for (i = 1; i <= n && w[i] ~ /^-/; i++) if (w[i] == opt) found = 1
			if (found) body = $0
			next
		}
		found && /^              / { body = body " " $0; next }
		found && /^$/ { next }
		found { exit }
		END { print body }'
}

manopts() {
	bin=$1 page=$2
	shift 2
	sections=$(printf '%s|' "$@")
	sections=${sections%|}
	have groff || { echo "SKIP: no groff (Debian package groff-base)"; exit $SKIP; }
	help=$("$bin" -h) || fail "$bin -h failed"
	text=$(render "$page")
	[ -n "$text" ] || fail "cannot render $page"
	if [ -n "$sections" ]; then
		opts=$(printf '%s\n' "$help" | help_options "$sections" | cut -d' ' -f1 | sort -u)
		[ -n "$opts" ] || fail "no options in the sections '$sections' of '$bin -h'"
	else
		opts=$(printf '%s\n' "$help" | options_in)
	fi
	missing=""
	for opt in $opts; do
		printf '%s\n' "$text" | grep -qE -- "(^|[^-A-Za-z0-9])$opt([^-A-Za-z0-9]|\$)" || missing="$missing $opt"
	done
	[ -z "$missing" ] || fail "options of '$bin -h' missing from $page:$missing"
	# Where the page has an entry for an option, it gives the help's default, in the same words.
	wrong="" checked=0
	while read -r opt def; do
		[ "$def" != - ] || continue
		body=$(printf '%s\n' "$text" | page_entry "$opt")
		[ -n "$body" ] || continue
		checked=$((checked + 1))
		printf '%s\n' "$body" | grep -qF -- "default $def" || wrong="$wrong $opt (help: default $def)"
	done <<EOF2
$(printf '%s\n' "$help" | help_options "$sections")
EOF2
	[ -z "$wrong" ] || fail "$page does not give the default '$bin -h' gives for:$wrong"
	echo "every option of $bin -h${sections:+ ($sections)} is in $page, and its $checked defaults there are the help's"
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
			grep -q "^ExecStart=$sbin_numad " "$p" || { echo "$f: ExecStart is not $sbin_numad" >&2; bad=1; }
			# the state file's default, /var/lib/numad/state, is writable under ProtectSystem=strict
			grep -qx "StateDirectory=numad" "$p" || { echo "$f: no StateDirectory=numad for /var/lib/numad/state" >&2; bad=1; } ;;
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
