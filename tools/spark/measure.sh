#!/usr/bin/env bash
# The figures of docs/spark.md: seconds per epoch of digits and fmnist-mlp without Spark, on
# local[1], local[2], and on a standalone cluster of 1 and 2 workers (one core each) on this
# machine, with the cost per step the trainer prints ("spark: N steps in N jobs, ...").
# Usage: tools/spark/measure.sh [OUT_DIR]   (CLUSTER_ONLY=1: the cluster's runs only)   (Fashion-MNIST from /usr/share/datasets/fashion-mnist)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=${1:-$(mktemp -d)}
mkdir -p "$out"
bp=("$root/bin/backprop4j")
"${bp[@]}" train --data digits --epochs 1 --spark 'local[1]' >/dev/null # builds the Spark module if needed
. "$root/bin/lib/common.sh"
bp4j_find_jdk
cp="$root/backprop4j-spark/target/classes:$root/backprop4j-core/target/classes:$root/backprop4j-cli/target/classes:$(cat "$root/backprop4j-spark/target/spark.classpath")"
mapfile -t opts < <(grep -v '^#' "$root/bin/lib/spark-jvm-options")
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

run() { # NAME ARGS...
  local name=$1; shift
  echo "== $name: train $*" | tee -a "$out/summary.txt"
  "${bp[@]}" train "$@" >"$out/$name.log" 2>&1 || { cat "$out/$name.log"; exit 1; }
  grep -E '^epoch|^spark: [0-9]|^trained|^test accuracy' "$out/$name.log" | tee -a "$out/summary.txt"
}

digits=(--data digits --epochs 3 --seed 3)
fmnist=(--data fashion-mnist --layers 512,256 --batch 128 --epochs 1 --seed 3)
for set in digits fmnist; do
  [ -z "${CLUSTER_ONLY:-}" ] || break
  declare -n a=$set
  run "$set-trainer" "${a[@]}"
  run "$set-local1" "${a[@]}" --spark 'local[1]'
  run "$set-local2" "${a[@]}" --spark 'local[2]'
  run "$set-local2-avg8" "${a[@]}" --spark 'local[2]' --average-every 8
done

# A standalone cluster: a master and two workers on 127.0.0.1, from the Maven jars.
# SPARK_HOME/jars: Spark's jars from the local Maven repository, as an installation has them (the
# executors' class path); backprop4j's jars travel to them with the application (spark.jars).
home="$out/spark-home"; mkdir -p "$home/jars"
tr ':' '\n' <"$root/backprop4j-spark/target/spark.classpath" | while read -r j; do ln -sf "$j" "$home/jars/"; done
port=17177
start() { SPARK_HOME="$home" SPARK_SCALA_VERSION=2.13 SPARK_LOCAL_IP=127.0.0.1 "$JAVA" -Xmx256m "${opts[@]}" -cp "$cp" "$@" & pids+=($!); }
start org.apache.spark.deploy.master.Master --host 127.0.0.1 --port $port --webui-port 18180 >"$out/master.log" 2>&1
for w in 1 2; do
  mkdir -p "$out/work$w"
  start org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --cores 1 --memory 2g --work-dir "$out/work$w" \
    --webui-port $((18180 + w)) spark://127.0.0.1:$port >"$out/worker$w.log" 2>&1
  until curl -s http://127.0.0.1:18180/json/ | grep -q "\"aliveworkers\" : $w"; do sleep 1; done
  export BACKPROP4J_JAVA_OPTS="-Dspark.executor.memory=1g -Dbackprop4j.spark.executorWaitSeconds=300"
  run "digits-cluster$w" "${digits[@]}" --spark spark://127.0.0.1:$port
  run "fmnist-cluster$w" "${fmnist[@]}" --spark spark://127.0.0.1:$port
  unset BACKPROP4J_JAVA_OPTS
done
echo "figures in $out/summary.txt"
