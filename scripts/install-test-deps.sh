#!/usr/bin/env bash
# Installs what the test suite needs beyond the package itself: GoogleTest and clang's libFuzzer
# from Debian, the test and engine extras from PyPI, a JRE for Spark when none is installed
# (scripts/install-spark-deps.sh), and the browser for the HTML report's tests. Idempotent: skips
# what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=()
[ -f /usr/include/gtest/gtest.h ] || apt_packages+=(libgtest-dev libgmock-dev)
command -v clang++ >/dev/null || apt_packages+=(clang)
compgen -G "/usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a" >/dev/null || apt_packages+=(libclang-rt-14-dev)
if [ ${#apt_packages[@]} -gt 0 ]; then
  echo "installing Debian packages: ${apt_packages[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${apt_packages[@]}" >/dev/null
fi

python3 -m pip install -q --disable-pip-version-check ".[test,spark,dask,ray]"
# The build backend itself, so that tests/unit/profiler/test_core_install.py rebuilds the wheel
# incrementally in build/ (without build isolation) for its core-only environment.
python3 -m pip install -q --disable-pip-version-check "scikit-build-core>=0.10" "nanobind>=2.0"
PYTHON=python3 bash scripts/install-spark-deps.sh
bash scripts/install-browser-deps.sh
