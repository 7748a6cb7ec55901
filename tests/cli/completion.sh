#!/usr/bin/env bash
# completion.sh: the bash completions of completion/ offer what the programs accept.
#
#   completion.sh NUMADCTL NUMAD COMPLETION_DIR
#
# numadctl: the commands offered for the first word are exactly those of the "Commands:"
# part of "numadctl --help" (the words it takes), the options for "-" exactly the long
# options of its "Options:" part, "guests --" adds the options of the guests line, and
# --sort offers the KEYs that line names. numad: "-" offers every option of "numad -h",
# and --config a file. Each list is read from the program's own help, never written here.
set -u
numadctl=$1 numad=$2 dir=$3
bad=0

no() {
	echo "FAIL: $*" >&2
	bad=1
}

# complete WORDS...: what the completion function offers for the last word, sorted, one a line
complete_words() {
	local fn=$1
	shift
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	"$fn"
	printf '%s\n' "${COMPREPLY[@]}" | grep . | LC_ALL=C sort
}

# same WHAT WANT GOT: two sorted lists are equal
same() {
	if [ "$2" != "$3" ]; then
		no "$1: want (from the help) vs offered:"
		diff <(printf '%s\n' "$2") <(printf '%s\n' "$3") >&2
	fi
}

# shellcheck source=/dev/null
. "$dir/numadctl" || { echo "FAIL: cannot source $dir/numadctl" >&2; exit 1; }
# shellcheck source=/dev/null
. "$dir/numad" || { echo "FAIL: cannot source $dir/numad" >&2; exit 1; }
help=$("$numadctl" --help) || { echo "FAIL: $numadctl --help" >&2; exit 1; }
# the same reading of the help as test_units.sh's mancmds
commands=$(printf '%s\n' "$help" | awk '
	/^[A-Za-z].*:$/ { incmd = ($0 ~ /^[Cc]ommands/); next }
	incmd && /^  [a-z]/ { print $1 }' | LC_ALL=C sort)
[ -n "$commands" ] || { echo "FAIL: no Commands: in $numadctl --help" >&2; exit 1; }
options=$(printf '%s\n' "$help" | awk '
	/^[A-Za-z].*:$/ { inopt = ($0 ~ /^Options/); next }
	inopt && /^  -/ { for (i = 1; i <= NF; i++) if ($i ~ /^--/) print $i }' | LC_ALL=C sort)
guests_line=$(printf '%s\n' "$help" | grep '^  guests ')
guests_options=$(printf '%s\n' "$guests_line" | grep -oE -- '--[a-z-]+' | LC_ALL=C sort -u)
# the guests entry: its line and the continuation lines under it
sort_keys=$(printf '%s\n' "$help" | awk '/^  guests / { on = 1; print; next } on && /^   / { print; next } { on = 0 }' |
	tr '\n' ' ' | sed -n 's/.*KEY: \([a-z, -]*[a-z]\).*/\1/p' | tr -d ' ' | tr ',' '\n' | LC_ALL=C sort)
[ -n "$options" ] && [ -n "$guests_options" ] && [ -n "$sort_keys" ] ||
	{ echo "FAIL: cannot read the options, the guests options or the sort keys of $numadctl --help" >&2; exit 1; }

same "numadctl <TAB> (the commands)" "$commands" "$(complete_words _numadctl numadctl '')"
same "numadctl --json <TAB>" "$commands" "$(complete_words _numadctl numadctl --json '')"
same "numadctl -<TAB> (the options)" "$options" "$(complete_words _numadctl numadctl -)"
same "numadctl guests -<TAB>" "$(printf '%s\n%s\n' "$options" "$guests_options" | LC_ALL=C sort)" \
	"$(complete_words _numadctl numadctl guests -)"
same "numadctl gue --<TAB> (a prefix of guests)" "$(printf '%s\n%s\n' "$options" "$guests_options" | LC_ALL=C sort)" \
	"$(complete_words _numadctl numadctl gue --)"
same "numadctl guests --sort <TAB>" "$sort_keys" "$(complete_words _numadctl numadctl guests --sort '')"
same "numadctl st<TAB>" "$(printf '%s\n' "$commands" | grep '^st')" "$(complete_words _numadctl numadctl st)"
same "numadctl log-level <TAB>" "$(seq 0 7)" "$(complete_words _numadctl numadctl log-level '')"
# every command the completion offers is one numadctl takes: never "unknown command"
for c in $(complete_words _numadctl numadctl ''); do
	out=$("$numadctl" --socket /nonexistent/numad.sock "$c" 2>&1)
	case $out in *"unknown command"* | *ambiguous*) no "numadctl $c: $out" ;; esac
done

# numad: every option of numad -h, and a file for a PATH
numad_help=$("$numad" -h) || { echo "FAIL: $numad -h" >&2; exit 1; }
numad_opts=$(printf '%s\n' "$numad_help" | grep -E '^  -|^      --' | awk '{ for (i = 1; i <= NF && $i ~ /^-/; i++) { sub(/,$/, "", $i); print $i } }' |
	LC_ALL=C sort -u)
[ "$(printf '%s\n' "$numad_opts" | wc -l)" -gt 20 ] || no "fewer than 20 options read from $numad -h"
same "numad -<TAB>" "$numad_opts" "$(complete_words _numad "$numad" - | LC_ALL=C sort -u)"
same "numad --hor<TAB>" "--horizon" "$(complete_words _numad "$numad" --hor)"
tmp=$(mktemp -d) || exit 1
touch "$tmp/numad.conf"
same "numad --config <TAB> (a file)" "$tmp/numad.conf" "$(complete_words _numad "$numad" --config "$tmp/numad.c")"
same "numad -u <TAB> (a number: nothing)" "" "$(complete_words _numad "$numad" -u '')"
rm -rf "$tmp"

[ $bad -eq 0 ] || exit 1
echo "completions: numadctl's commands and options, and numad's options, are those of their help:" $commands
