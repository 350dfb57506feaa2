#!/usr/bin/env bash
# Installs what the HTML report's browser tests need: Debian's chromium and chromium-driver, and
# selenium from PyPI (pointed at the system browser and driver; nothing is downloaded at test
# time). With --fonts, also the fonts docs/report.png is drawn with (Inter, and Nanum for the
# Korean in examples/trips.csv). Idempotent: installs only what is missing.
set -euo pipefail

apt_packages=()
command -v chromium >/dev/null || apt_packages+=(chromium)
command -v chromedriver >/dev/null || apt_packages+=(chromium-driver)
if [ "${1:-}" = "--fonts" ]; then
  families=$(fc-list : family 2>/dev/null || true)
  [[ $families == *Inter* ]] || apt_packages+=(fonts-inter)
  [[ $families == *NanumGothic* ]] || apt_packages+=(fonts-nanum)
fi
if [ ${#apt_packages[@]} -gt 0 ]; then
  echo "installing Debian packages: ${apt_packages[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${apt_packages[@]}" >/dev/null
fi

python3 -c "import selenium" 2>/dev/null || python3 -m pip install -q --disable-pip-version-check "selenium>=4.10"
