#!/usr/bin/env bash
# The whole test suite: C++ unit tests and example (also once under ASan+UBSan), fuzz smoke runs
# (and a check that the fuzz harness fails on undefined behaviour), then the Python tests.
# Installs what it needs first (scripts/install-test-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
logs=build/test-logs
mkdir -p "$logs"

# Runs a command with its output in a log; on failure shows the log's last lines (a crash's
# stack and sanitizer report), on success its last line.
logged() {
  local log="$logs/$1.log"
  shift
  if "$@" >"$log" 2>&1; then
    tail -n 1 "$log"
  else
    local rc=$?
    echo "FAILED (exit $rc): $* — last lines of $log:"
    tail -n 80 "$log"
    return "$rc"
  fi
}

bash scripts/install-test-deps.sh

# Under this variable a test that skips (engine, browser or tool missing) fails instead.
export TRUTHOUND_NO_SKIPS=1

echo "== C++ tests"
cmake -S . -B build/cpp -G Ninja -DCMAKE_BUILD_TYPE=Release -DTRUTHOUND_BUILD_TESTS=ON -DTRUTHOUND_WERROR=ON >/dev/null
cmake --build build/cpp -j "$jobs"
logged ctest ctest --test-dir build/cpp --output-on-failure -j "$jobs"

echo "== C++ tests under AddressSanitizer + UndefinedBehaviorSanitizer"
# -O1 -g1: quick to build, still fast to run, and stack traces name files and lines.
cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" \
  -DTRUTHOUND_BUILD_TESTS=ON -DTRUTHOUND_WERROR=ON -DTRUTHOUND_SANITIZE=ON >/dev/null
cmake --build build/asan -j "$jobs"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  logged ctest-asan ctest --test-dir build/asan --output-on-failure -j "$jobs"

echo "== fuzz smoke runs"
CXX=clang++ cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTRUTHOUND_FUZZ=ON >/dev/null
cmake --build build/fuzz -j "$jobs" --target fuzz_codec fuzz_array_walker fuzz_sketches fuzz_ub_canary
seconds=${TRUTHOUND_FUZZ_SECONDS:-30}
mkdir -p build/fuzz/corpus_codec build/fuzz/corpus_walker build/fuzz/corpus_sketches build/fuzz/corpus_canary
# Seed files are copied over (not cp -n: its exit status differs across coreutils versions).
cp -f cpp/fuzz/corpus_codec/* cpp/tests/golden/* build/fuzz/corpus_codec/
cp -f cpp/fuzz/corpus_sketches/* build/fuzz/corpus_sketches/
fuzz() {
  local target=$1 corpus=$2 time=$3
  UBSAN_OPTIONS=print_stacktrace=1 logged "$target" \
    "build/fuzz/$target" -max_total_time="$time" -max_len=4096 -artifact_prefix=build/fuzz/ \
    "build/fuzz/$corpus"
}
fuzz fuzz_codec corpus_codec "$seconds"
fuzz fuzz_array_walker corpus_walker "$seconds"
fuzz fuzz_sketches corpus_sketches "$seconds"
# The harness itself: a target with deliberate undefined behaviour must fail the run.
if fuzz fuzz_ub_canary corpus_canary 10 >/dev/null; then
  echo "FAILED: fuzz_ub_canary (deliberate undefined behaviour) passed the fuzz harness"
  exit 1
fi
grep -q "runtime error: signed integer overflow" "$logs/fuzz_ub_canary.log"
echo "fuzz harness: undefined behaviour fails the run (fuzz_ub_canary)"

echo "== Python tests"
python3 -m pytest tests/unit "$@"

# Each engine's tests run in their own pytest process, one engine at a time (2 cores, 24 GiB):
# the session fixture starts the engine once and stops it before the next engine starts.
# TRUTHOUND_ENGINE_LOCK names a lock file shared by everyone on this machine, so that two runs of
# the suite never start engines at the same time; only the engine suites hold it.
lock=()
[ -z "${TRUTHOUND_ENGINE_LOCK:-}" ] || lock=(flock "$TRUTHOUND_ENGINE_LOCK")
for engine in spark dask ray; do
  if [ -d "tests/engines/$engine" ]; then
    echo "== $engine tests"
    "${lock[@]}" python3 -m pytest "tests/engines/$engine" "$@"
  fi
done
