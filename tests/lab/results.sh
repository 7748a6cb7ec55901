#!/usr/bin/env bash
# Write tests/lab/RESULTS.md from the lab's run directories: for every
# topology x scenario x numad, the latest finished run (lab.sh results; lab.sh
# run and lab.sh all call it after each run).  Everything comes from the files a
# run left (lab.env, vm-seconds, command, host.txt, out/run.log, out/numad.log,
# out/oom.log, out/numa_stat.log, out/libvirtd-numa.log), so the file can be
# regenerated at any time.  FAIL lines are explained from known-fails.txt;
# results-notes.md, when present, follows them verbatim.
#
#   results.sh RUNS-DIR OUTPUT [LAB-DIR]
set -euo pipefail

RUNS=${1:?runs directory}
OUTPUT=${2:?output file}
LAB_DIR=${3:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
KNOWN=$LAB_DIR/known-fails.txt

# value KEY FILE: KEY=value from a lab.env
value() { sed -n "s/^$1=//p" "$2" 2>/dev/null | head -n1; }

# t LOGFILE REGEX: the [seconds] of the first run.log line matching REGEX
t_of() { grep -m1 -E "^\[[0-9.]+\] .*$2" "$1" 2>/dev/null | sed 's/^\[\([0-9.]*\)\].*/\1/' || true; }
minus() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "") exit; printf "%.1f", b - a }'; }

# What numad decided for running processes (not -w answers): "A→B" per decision,
# with what became of it when the next log line says.
moves() {
	[ -f "$1" ] || return 0
	awk '
	function flush() { if (cur != "") { out = out (n++ ? ", " : "") cur; cur = "" } }
	/Advising pid [0-9]+ / {
		flush()
		if (match($0, /move from nodes \([^)]*\) to nodes \([^)]*\)/)) {
			s = substr($0, RSTART, RLENGTH)
			gsub(/move from nodes \(|\)/, "", s); sub(/ to nodes \(/, "→", s)
			cur = s
		}
		next
	}
	cur != "" && /Failed, will retry/ { cur = cur " (retried)" }
	cur != "" && /Failed permanently/ { cur = cur " (failed)" }
	cur != "" && /Advice only/ { cur = cur " (advice only)" }
	{ flush() }
	END { flush(); if (n > 6) { split(out, a, ", "); out = a[1] ", " a[2] ", " a[3] ", ... " n " in all" } print out }
	' "$1"
}

# MiB migrated between nodes: for each domain and each pair of successive
# samples (numa_stat.log, one a second), what left some nodes and arrived on
# others in that second, i.e. min(sum of decreases, sum of increases).  Growth
# alone or a domain dying counts nothing.
moved_mib() {
	[ -f "$1" ] || { echo "-"; return; }
	awk '$1 !~ /^#/ && $2 != "free" {
		dn = 0; up = 0
		for (i = 3; i <= NF; i++) { split($i, a, "="); k = $2 SUBSEP a[1]
			if (k in last) { d = a[2] - last[k]; if (d < 0) dn -= d; else up += d }
			last[k] = a[2] }
		s += (dn < up ? dn : up) }
	END { printf "%d MiB", s }' "$1"
}

# A short account of what happened in one run.
happened() {
	local run=$1 scen=$2 o=$1/out mv oom ans
	oom=$(grep -o 'Killed process [0-9]* ([^)]*)' "$o/oom.log" 2>/dev/null | sed 's/.*(\(.*\))/\1/' | sort | uniq -c |
		awk '{ printf "%s%s%s", (n++ ? ", " : ""), $2, ($1 > 1 ? " x" $1 : "") }' || true)
	oom=${oom:+OOM-killed $oom}
	oom=${oom:-no OOM}
	case $scen in
	a-*)
		ans=$(grep -o 'Nodeset returned from numad: .*' "$o/libvirtd-numa.log" 2>/dev/null | awk '{ print $NF }' |
			awk '{ a[NR] = $1 } END { for (i = 1; i <= NR; i++) printf "%s%s", a[i], (i == NR ? "" : (i == 5 ? " / " : " ")) }' || true)
		echo "-w answers without / with a daemon: ${ans:-none}; $oom"
		;;
	*)
		mv=$(moves "$o/numad.log")
		if [ -n "$mv" ]; then echo "moved $mv; $oom"; else echo "no move; $oom"; fi
		;;
	esac
}

# Reaction time: what a scenario measures from its trigger.
reaction() {
	local log=$1/out/run.log scen=$2 a b
	case $scen in
	a-*)
		a=$(awk '/Nodeset returned from numad|About to run \/usr\/bin\/numad -w/' "$1/out/libvirtd-numa.log" 2>/dev/null |
			awk 'function ms(t, a) { split(t, a, /[:+]/); return ((a[1] * 60 + a[2]) * 60 + a[3]) * 1000 }
			/About to run/ { t0 = ms($2); next } { d = ms($2) - t0; if (d > m) m = d } END { if (m) printf "%d", m }')
		[ -n "$a" ] && echo "-w: libvirt waited at most $a ms" || echo "-"
		;;
	b-* | c-*)
		a=$(t_of "$log" 'memtester takes')
		b=$(t_of "$log" "guest1's nodeset is now")
		if [ -n "$b" ]; then echo "nodeset changed $(minus "$a" "$b") s after the crowding"
		elif [ -n "$(t_of "$log" "guest1's QEMU .* is gone")" ]; then
			echo "no change; guest1 gone $(minus "$a" "$(t_of "$log" "guest1's QEMU .* is gone")") s after the crowding"
		else echo "no change"; fi
		;;
	e-*)
		a=$(t_of "$log" 'emptied node')
		b=$(t_of "$log" 'guest1 is on one node')
		[ -n "$b" ] && echo "on one node $(minus "$a" "$b") s after the node was emptied" || echo "not consolidated"
		;;
	f-*)
		a=$(t_of "$log" 'libvirtd is back')
		b=$(t_of "$log" 'numad reconnected')
		[ -n "$b" ] && echo "reconnected $(minus "$a" "$b") s after libvirtd came back" || echo "-"
		;;
	*) echo "-" ;;
	esac
}

explain() {
	# explain TOPO SCEN PEER FAILTEXT
	local line
	[ -f "$KNOWN" ] || { echo "not explained yet"; return; }
	while IFS='|' read -r t s p re why; do
		case $t in '' | '#'*) continue ;; esac
		[[ $1 == $t && $2 == $s && $3 == $p ]] || continue
		if grep -qE -- "$re" <<<"$4"; then echo "$why"; return; fi
	done <"$KNOWN"
	echo "not explained yet: read the run's out/run.log"
}

# The latest finished run for each topology/scenario/peer.
declare -A latest=()
for r in "$RUNS"/*/; do
	r=${r%/}
	[ -f "$r/lab.env" ] && [ -f "$r/vm-seconds" ] || continue
	k="$(value LAB_TOPOLOGY "$r/lab.env")|$(value LAB_SCENARIO "$r/lab.env")|$(value LAB_PEER "$r/lab.env")"
	case $k in *'|probe|'* | *'|g-'*) continue ;; esac
	latest[$k]=$r   # the glob is sorted: run directories start with their date
done

tmp=$(mktemp)
fails=$(mktemp)
trap 'rm -f "$tmp" "$fails"' EXIT
{
	echo "# numad lab results"
	echo
	echo "Written by \`tests/lab/lab.sh results\` from the run directories under \`$RUNS\`"
	echo "(the latest finished run of each topology, scenario and numad; regenerate with \`lab.sh results\`)."
	echo "Generated $(date -u '+%Y-%m-%d %H:%M UTC'). What each scenario checks: tests/lab/README.md."
	echo
	echo "Columns: **checks** is the run's PASS/FAIL count (with numad 0.5 most facts are INFO lines, not"
	echo "checks); **what happened** is numad's decisions for running guests (\`Advising\` lines) and the OOM"
	echo "killer's victims; **memory moved** is, per domain, what left the nodes it had filled"
	echo "(\`memory.numa_stat\`, sampled every second); **VM** is the VM's wall time."
	echo
	echo "| topology | scenario | numad | verdict | checks | what happened | reaction | memory moved | VM | date (UTC) |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
} >"$tmp"
for k in $(printf '%s\n' "${!latest[@]}" | sort -t'|' -k1,1r -k2,2 -k3,3); do
	r=${latest[$k]}
	IFS='|' read -r topo scen peer <<<"$k"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$r/out/run.log" 2>/dev/null | tail -n1 || true)
	verdict=PASS
	if [ -z "$line" ]; then
		verdict=FAIL line="did not finish"
		echo "$topo|$scen|$peer|$r|the scenario did not finish (VM $(cat "$r/vm-seconds") s; see console.log)" >>"$fails"
	elif [ "${line#* passed, }" != "0 failed" ]; then
		verdict=FAIL
		grep -E '^FAIL: ' "$r/out/run.log" | sed 's/^FAIL: //' | while IFS= read -r f; do
			echo "$topo|$scen|$peer|$r|$f" >>"$fails"
		done
	fi
	pname=ours
	[ "$peer" = numad05 ] && pname="numad 0.5"
	d=$(basename "$r" | sed -E 's/^([0-9]{4})([0-9]{2})([0-9]{2})-([0-9]{2})([0-9]{2}).*/\1-\2-\3 \4:\5/')
	echo "| $topo | $scen | $pname | **$verdict** | $(echo "$line" | sed -E "s/([0-9]+) passed, ([0-9]+) failed/\1 passed, \2 failed/") | $(happened "$r" "$scen") | $(reaction "$r" "$scen") | $(moved_mib "$r/out/numa_stat.log") | $(cat "$r/vm-seconds") s | $d |" >>"$tmp"
done
{
	echo
	echo "(checks are passed/failed; ${#latest[@]} runs.)"
	echo
	echo "## Every FAIL"
	echo
	if [ ! -s "$fails" ]; then
		echo "None."
	else
		while IFS='|' read -r topo scen peer r f; do
			echo "- **$topo $scen $peer**: FAIL: $f"
			echo "  - $(explain "$topo" "$scen" "$peer" "$f") ($(basename "$r"))"
		done <"$fails"
	fi
	if [ -f "$LAB_DIR/results-notes.md" ]; then
		echo
		cat "$LAB_DIR/results-notes.md"
	fi
	echo
	echo "## Runs"
	echo
	echo "| run directory | command | numad | machine |"
	echo "| --- | --- | --- | --- |"
	for k in $(printf '%s\n' "${!latest[@]}" | sort -t'|' -k1,1r -k2,2 -k3,3); do
		r=${latest[$k]}
		IFS='|' read -r topo scen peer <<<"$k"
		cmd=$(cat "$r/command" 2>/dev/null || echo "tests/lab/lab.sh run $topo ${scen%%-*} --peer $peer (reconstructed)")
		numad=$(cat "$r/numad.txt" 2>/dev/null || { [ "$peer" = numad05 ] && echo "numad 0.5 (Debian 12 package)" || echo "this tree (build not recorded)"; })
		host=$(cat "$r/host.txt" 2>/dev/null || echo "not recorded")
		echo "| $(basename "$r") | \`$cmd\` | $numad | $host |"
	done
} >>"$tmp"

# Sections other scenarios leave (out/section.md, e.g. g-scancost): every finished
# run's, newest first, each with its run, command, numad and machine.
for r in $(for x in "$RUNS"/*/; do if [ -f "$x/out/section.md" ] && [ -f "$x/vm-seconds" ]; then echo "${x%/}"; fi; done | sort -r); do
	{
		echo
		cat "$r/out/section.md"
		echo
		echo "Run: $(basename "$r"), \`$(cat "$r/command" 2>/dev/null || echo "lab.sh run ...")\`; numad: $(cat "$r/numad.txt" 2>/dev/null || echo "not recorded"); machine: $(cat "$r/host.txt" 2>/dev/null || echo "not recorded")."
	} >>"$tmp"
done

install -m 0644 "$tmp" "$OUTPUT"
echo "results: $OUTPUT (${#latest[@]} runs)" >&2
