#!/usr/bin/env bash
# Build the libFuzzer targets with clang and run each one for a while.
#
#   tests/fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]      (default 60 s, every target)
#
# Environment:
#   BUILD_DIR  the clang build directory (default: build-fuzz at the top of the tree)
#   JOBS       how many targets run at once (default 1; each uses one core)
#   FUZZ_ARGS  extra libFuzzer flags for every target (e.g. "-max_len=8192")
#
# New inputs go to BUILD_DIR/fuzz-work/TARGET (the committed corpus/TARGET is only read).
# A crash, leak, timeout or out-of-memory input is copied to regressions/TARGET/, where
# ctest replays it from then on. Exit status: 0 when no target failed, 1 when one did
# (its inputs are listed), 2 when clang/libFuzzer is missing or the build fails.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
secs=${1:-60}
shift $(( $# > 0 ? 1 : 0 ))
build=${BUILD_DIR:-$top/build-fuzz}
jobs=${JOBS:-1}

case $secs in '' | *[!0-9]*) echo "usage: $0 [SECONDS_PER_TARGET] [TARGET...]" >&2; exit 2 ;; esac

# ---- clang with libFuzzer ----
if ! command -v clang >/dev/null 2>&1; then
	echo "run.sh: clang is missing; on Debian 12: apt-get install -y clang libclang-rt-14-dev" >&2
	exit 2
fi
probe=$(mktemp -d "${TMPDIR:-/tmp}/numad-fuzz-probe.XXXXXX")
printf '#include <stdint.h>\n#include <stddef.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' >"$probe/p.c"
if ! clang -fsanitize=fuzzer,address,undefined "$probe/p.c" -o "$probe/p" >"$probe/log" 2>&1; then
	cat "$probe/log" >&2
	echo "run.sh: clang cannot link libFuzzer; on Debian 12: apt-get install -y clang libclang-rt-14-dev" >&2
	rm -rf "$probe"
	exit 2
fi
rm -rf "$probe"

# ---- build ----
mkdir -p "$build"
if ! CC=clang cmake -S "$top" -B "$build" -DNUMAD_FUZZ=ON -DNUMAD_SANITIZE=ON >"$build/fuzz-cmake.log" 2>&1; then
	tail -40 "$build/fuzz-cmake.log" >&2
	echo "run.sh: cmake failed (log: $build/fuzz-cmake.log)" >&2
	exit 2
fi
if [ ! -f "$build/tests/fuzz/targets.txt" ]; then
	echo "run.sh: $build has no fuzz targets: the top-level build must add tests/fuzz (see tests/fuzz/README.md)" >&2
	exit 2
fi
if ! cmake --build "$build" --target fuzz_all -j"$(nproc)" >"$build/fuzz-build.log" 2>&1; then
	tail -40 "$build/fuzz-build.log" >&2
	echo "run.sh: building the fuzz targets failed (log: $build/fuzz-build.log)" >&2
	exit 2
fi
if [ $# -gt 0 ]; then
	targets=("$@")
else
	mapfile -t targets <"$build/tests/fuzz/targets.txt"
fi

# ---- run ----
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
out=$build/fuzz-out
mkdir -p "$out"

run_one() {
	local t=$1 bin=$build/tests/fuzz/fuzz_$1 work=$build/fuzz-work/$1 art=$out/$1
	local dirs=("$work" "$here/corpus/$t")
	rm -rf "$art" && mkdir -p "$work" "$art"
	[ -d "$here/regressions/$t" ] && dirs+=("$here/regressions/$t")
	# shellcheck disable=SC2086
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$art/" ${FUZZ_ARGS:-} "${dirs[@]}" >"$art.log" 2>&1
	echo $? >"$art.rc"
}

running=0
for t in "${targets[@]}"; do
	if [ ! -x "$build/tests/fuzz/fuzz_$t" ]; then
		echo "run.sh: no target '$t' (targets: $(tr '\n' ' ' <"$build/tests/fuzz/targets.txt"))" >&2
		exit 2
	fi
	echo "fuzzing $t for ${secs}s"
	run_one "$t" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait

# ---- report ----
failed=0
printf '\n%-12s %12s %9s %7s %7s %7s  %s\n' target execs exec/s cov ft corpus result
for t in "${targets[@]}"; do
	log=$out/$t.log rc=$(cat "$out/$t.rc" 2>/dev/null || echo 1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	last=$(grep -E '^#[0-9]+' "$log" | tail -1)
	cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
	ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
	corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
	result=ok
	arts=$(find "$out/$t" -type f 2>/dev/null)
	if [ "$rc" != 0 ] || [ -n "$arts" ]; then
		result="FAILED (rc $rc, log $log)"
		failed=1
		mkdir -p "$here/regressions/$t"
		for a in $arts; do
			known=
			for k in "$here/regressions/$t"/*; do
				[ -f "$k" ] && cmp -s "$a" "$k" && known=$k && break
			done
			if [ -n "$known" ]; then
				result="$result; still fails on regressions/$t/$(basename "$known")"
			else
				cp "$a" "$here/regressions/$t/"
				result="$result; kept regressions/$t/$(basename "$a")"
			fi
		done
	fi
	printf '%-12s %12s %9s %7s %7s %7s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$result"
done
if [ "$failed" != 0 ]; then
	echo
	echo "some targets failed: the logs say why; the inputs now sit in tests/fuzz/regressions/ and ctest replays them"
	exit 1
fi
echo
echo "no crashes"
