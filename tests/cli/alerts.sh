#!/bin/sh
# alerts.sh: the Prometheus alerting rules that numad installs.
#
#   alerts.sh RULES TEST DAEMON_DIR
#
# promtool check rules RULES (the syntax and the PromQL), then promtool test rules TEST
# (recorded series in, the alerts that must and must not fire out). Every numad_* metric
# the rules name is a family daemon/metrics.c writes, and every label value they match on
# (but the job's) is a string of the daemon's sources, so that a renamed metric or outcome
# cannot leave a rule that never fires.
#
# Exit status: 0 pass, 1 fail, 77 skipped (no promtool: apt-get install prometheus).
set -u
rules=$1 test=$2 daemon=$3
bad=0

no() {
	echo "FAIL: $*" >&2
	bad=1
}

if ! command -v promtool >/dev/null 2>&1; then
	echo "SKIP: no promtool (Debian's prometheus package has it; .ci/deps installs it)"
	exit 77
fi

promtool check rules "$rules" || no "promtool check rules $rules"
promtool test rules "$test" || no "promtool test rules $test"

# the metric names, without the _total and _info that OpenMetrics adds to a family's name
names=$(grep -v '^ *#' "$rules" | grep -o 'numad_[a-z_]*' | sort -u)
[ -n "$names" ] || no "no numad_ metric in $rules"
for name in $names; do
	family=$(echo "$name" | sed 's/_total$//; s/_info$//')
	grep -qF "\"$family\"" "$daemon/metrics.c" || no "$rules names $name: daemon/metrics.c has no family $family"
done
# the label values matched ("strict", "transient-failure|permanent-failure"), job's aside
values=$(grep -v '^ *#' "$rules" | grep -o '[a-z_]*=~*"[^"]*"' | grep -v '^job=' | sed 's/^[^"]*"//; s/"$//' |
	tr '|' '\n' | sort -u)
for v in $values; do
	grep -qF "\"$v\"" "$daemon"/*.c || no "$rules matches \"$v\", which no source in $daemon writes"
done

[ $bad -eq 0 ] || exit 1
echo "alerting rules: promtool checks and tests pass; metrics $(echo $names) and values $(echo $values) are numad's"
