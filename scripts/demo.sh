#!/usr/bin/env bash
# The main job: builds both daemons and runs them until Ctrl-C.
# (It grows into the full sidecar demo as the egress components land; see README.md.)
# Usage (as root): scripts/demo.sh
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-release"

"$root/scripts/setup.sh"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DOPENSANDBOX_BUILD_TESTS=OFF \
  -DOPENSANDBOX_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target egress execd

pids=()
stop() {
  echo
  echo "demo: stopping"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait
}
trap stop INT TERM

"$build/egress/egress" &
pids+=($!)
"$build/execd/execd" &
pids+=($!)

echo "demo: egress (pid ${pids[0]}) and execd (pid ${pids[1]}) are running; press Ctrl-C to stop"
wait
