#!/usr/bin/env bash
# Inference speed side by side (issue 13 item 6): the fmnist MLP and CNN with seeded weights in
# backprop4j, ONNX Runtime Java and PyTorch, batch 1 (latency) and 256 (throughput), one table.
# Builds backprop4j-onnx's test class path offline (ONNX Runtime is a test dependency only), then
# runs io.backprop4j.onnx.PredictBench (see its comment). Usage: tools/bench/predict.sh [WORK_DIR]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$root/bin/lib/common.sh"
bp4j_find_jdk
bp4j_need_mvn
work=${1:-$(mktemp -d)}
cd "$root"
log=$(mktemp)
# One reactor run, so that the core on the class path is this tree's target/classes, never ~/.m2's.
# Offline first; online once when that fails (a fresh machine's ~/.m2 lacks the dependency plugin).
build() {
  mvn -B "$@" -q -pl backprop4j-onnx -am -DskipTests test-compile dependency:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile=target/predict-bench.classpath >"$log" 2>&1
}
if ! build -o && ! build; then
  cat "$log" >&2; rm -f "$log"
  echo "predict.sh: the build failed (output above)." >&2
  exit 2
fi
rm -f "$log"
cp="$root/backprop4j-onnx/target/test-classes:$root/backprop4j-onnx/target/classes:$(cat "$root/backprop4j-onnx/target/predict-bench.classpath")"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) cores; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
"$JAVA" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -Xmn128m \
  -cp "$cp" io.backprop4j.onnx.PredictBench "$work" "$root/tools/bench/predict_pytorch.py" \
  2> >(LC_ALL=C grep -a --line-buffered -v -x 'WARNING: Using incubator modules: jdk.incubator.vector' >&2)
