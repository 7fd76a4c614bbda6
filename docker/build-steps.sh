#!/usr/bin/env bash
# The build stage of docker/Dockerfile, kept here so that the image and the tests
# (tests/integration/test_deploy.py) run the same steps: configure (Release, tests ON because
# flowgate-fake is defined in tests/CMakeLists.txt), build only `flowgate` and `flowgate-fake`
# (no unit tests), and install both, stripped, into ${DESTDIR}${PREFIX}/bin.
#
#   BUILD_DIR  build tree (default build-image). An existing, configured tree is reused as it
#              is (its options are not changed): the tests point it at the CI build.
#   DESTDIR    staging root (default empty: install for real); the Dockerfile uses /out.
#   PREFIX     default /usr/local.   JOBS: parallel jobs (default nproc).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build-image}
prefix=${PREFIX:-/usr/local}
bindir="${DESTDIR:-}$prefix/bin"
jobs=${JOBS:-$(nproc)}

if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DFLOWGATE_TESTS=ON >/dev/null
fi
cmake --build "$build_dir" -j "$jobs" --target flowgate flowgate-fake
mkdir -p "$bindir"
for exe in flowgate flowgate-fake; do
  install -m 0755 -s "$build_dir/$exe" "$bindir/$exe"
done
"$bindir/flowgate" version
