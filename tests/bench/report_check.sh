#!/usr/bin/env bash
# ctest smoke test for report.sh: the quick mode runs on this build's binaries and writes a
# report with every section (and both plots when gnuplot is installed). No timing is checked.
#   tests/bench/report_check.sh BUILD_DIR OUT_DIR
set -euo pipefail
build=$1 out=$2
rm -rf "$out"
"$(dirname "$0")/report.sh" --quick --no-build --build "$build" --out "$out"
report=$out/REPORT.md
fail=0
for heading in '^# numad performance report' '^- machine: ' '^## 1\. `numad -w' '^## 2\. Placement quality' \
	'^## 3\. Reaction' '^## 4\. Footprint' '^### Idle' '^### .* real processes' '^### Scan cost side by side' \
	'^## 5\. Sampling'; do
	grep -q "$heading" "$report" || { echo "REPORT.md lacks $heading"; fail=1; }
done
for row in '^| numad, no daemon, this host' '^| numad, daemon running' '^| random 2-16 nodes' '^| dl980-8node.txt' \
	'^| 4G/s | numad |' '^| 4G/s | numad05 |' '^| [0-9.]* s | [0-9]* | [0-9.]* s |' '^| 8 nodes'; do
	grep -q "$row" "$report" || { echo "REPORT.md lacks a row matching $row"; fail=1; }
done
if command -v gnuplot >/dev/null; then
	for png in reaction.png quality.png; do
		[ -s "$out/$png" ] || { echo "no $png"; fail=1; }
	done
fi
[ $fail = 0 ] && echo "REPORT.md has every section"
exit $fail
