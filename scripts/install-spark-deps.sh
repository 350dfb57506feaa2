#!/usr/bin/env bash
# Installs what the Spark backend needs beyond the package: a Java runtime (17 or later) from
# Debian when there is no `java`, and pyspark (4.x, the `spark` extra) from PyPI when it is not
# importable. Idempotent: skips what is already there. JAVA_HOME and PYSPARK_PYTHON need no setting:
# the backend derives them from `java` on PATH and this Python when they are unset.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}

if ! command -v java >/dev/null 2>&1 && [ -z "${JAVA_HOME:-}" ]; then
  echo "installing Debian package: openjdk-17-jre-headless"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq openjdk-17-jre-headless >/dev/null
fi

if ! "$python" -c "import pyspark, sys; sys.exit(int(pyspark.__version__.split('.')[0]) < 4)" 2>/dev/null; then
  echo "installing pyspark (a large download: about 450 MB with Spark's jars)"
  # Never set PYSPARK_HADOOP_VERSION: it makes pyspark's setup download Spark from a mirror.
  "$python" -m pip install -q --disable-pip-version-check "pyspark>=4.0"
fi

java -version 2>&1 | head -n 1
"$python" -c "import pyspark; print('pyspark', pyspark.__version__)"
