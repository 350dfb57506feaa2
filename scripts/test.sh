#!/usr/bin/env bash
# The whole test suite: C++ unit tests and example, fuzz smoke runs, then the Python tests.
# Installs what it needs first (scripts/install-test-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

bash scripts/install-test-deps.sh

echo "== C++ tests"
cmake -S . -B build/cpp -G Ninja -DCMAKE_BUILD_TYPE=Release -DTRUTHOUND_BUILD_TESTS=ON -DTRUTHOUND_WERROR=ON >/dev/null
cmake --build build/cpp -j "$jobs"
ctest --test-dir build/cpp --output-on-failure -j "$jobs" | tail -n 5

echo "== fuzz smoke runs"
CXX=clang++ cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTRUTHOUND_FUZZ=ON >/dev/null
cmake --build build/fuzz -j "$jobs" --target fuzz_codec fuzz_array_walker fuzz_sketches
seconds=${TRUTHOUND_FUZZ_SECONDS:-30}
mkdir -p build/fuzz/corpus_codec build/fuzz/corpus_walker build/fuzz/corpus_sketches
cp -n cpp/fuzz/corpus_codec/* cpp/tests/golden/* build/fuzz/corpus_codec/
cp -n cpp/fuzz/corpus_sketches/* build/fuzz/corpus_sketches/
build/fuzz/fuzz_codec -max_total_time="$seconds" -max_len=4096 build/fuzz/corpus_codec 2>&1 | tail -n 1
build/fuzz/fuzz_array_walker -max_total_time="$seconds" -max_len=4096 build/fuzz/corpus_walker 2>&1 | tail -n 1
build/fuzz/fuzz_sketches -max_total_time="$seconds" -max_len=4096 build/fuzz/corpus_sketches 2>&1 | tail -n 1

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
