#!/usr/bin/env bash
# Cluster overhead benchmark (docs/CLUSTER.md, "Throughput"): one process against a coordinator with --threads 0 and
# worker processes, same configuration and seed, back to back; checks that both give the same parameters.
#
#   tools/cluster-bench.sh [--chains C] [--rounds R] [--workers W] [--worker-threads T] [--repeat N]
#                          [--netns "1gbit 10gbit"]
#
# Without --netns everything runs on loopback. With --netns (root only) the coordinator and each worker run in their
# own network namespace, joined by veth pairs to a bridge in a switch namespace, every link shaped to each given rate
# with a token bucket (tc tbf); the script makes the namespaces, addresses and links itself and removes them on exit.
# The kernel must offer the bridge and tbf; tc netem (added delay) is used for --delay when the kernel has it.
# Per configuration it prints the median and 10th percentile of the round time from metrics.csv (rounds 5..R-1; the
# last round's evaluation is left out), the chain steps per second of the whole run, the CPU milliseconds of all
# processes (and of the coordinator alone) per round, start-up included, and with --netns the bytes per round each
# way on the coordinator's link.
set -euo pipefail

chains=2000 rounds=300 workers=1 worker_threads=2 repeat=1 rates="" delay=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --chains) chains=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --workers) workers=$2; shift 2 ;;
    --worker-threads) worker_threads=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    --netns) rates=$2; shift 2 ;;
    --delay) delay=$2; shift 2 ;;
    *) echo "error: unknown option $1" >&2; exit 2 ;;
  esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
program=$root/src/LatentCycles.Cli/bin/Release/net10.0/latentcycles.dll
[[ -f $program ]] || { echo "error: build first: dotnet build $root/LatentCycles.sln -c Release" >&2; exit 2; }
scratch=$(mktemp -d /tmp/latentcycles-bench.XXXXXX)
prefix=lcb$$
namespaces=()
pids=()

cleanup() {
  for pid in "${pids[@]}"; do pkill -9 -P "$pid" 2>/dev/null || true; kill -9 "$pid" 2>/dev/null || true; done
  for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  [[ -n ${KEEP_SCRATCH:-} ]] || rm -rf "$scratch"
}
trap cleanup EXIT INT TERM

train_args=(--k 10 --chains "$chains" --rounds "$rounds" --evaluate-every 0 --seed 3 --json)

# run_in NS CMD...: the command in namespace NS, or here when NS is empty.
run_in() {
  local ns=$1; shift
  if [[ -n $ns ]]; then ip netns exec "$ns" "$@"; else "$@"; fi
}

round_stats() { # metrics.csv chains → "median p10" round milliseconds
  python3 - "$1" "$2" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))[5:-1]
ms = sorted(int(sys.argv[2]) / float(r["chain_steps_per_second"]) * 1000 for r in rows)
print(f"{statistics.median(ms):.2f} {ms[len(ms) // 10]:.2f}")
PY
}

cpu_seconds() { awk '{ s += $1 + $2 } END { printf "%.2f", s }' "$@"; }

parameters_hash() { dotnet "$program" export "$1" --json | tail -1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["parameters_sha256"])'; }

make_network() { # rate: switch namespace with a bridge; coordinator 10.77.0.1, worker j 10.77.0.(j+1)
  local rate=$1 burst
  case $rate in *gbit) burst=$(( ${rate%gbit} * 128 ))kb ;; *) burst=128kb ;; esac
  ip netns add "$prefix-sw"; namespaces+=("$prefix-sw")
  ip -n "$prefix-sw" link add br0 type bridge
  ip -n "$prefix-sw" link set br0 up
  for j in $(seq 0 "$workers"); do
    local ns=$prefix-n$j
    ip netns add "$ns"; namespaces+=("$ns")
    ip -n "$ns" link set lo up
    ip link add "$prefix-a$j" netns "$ns" type veth peer name "$prefix-b$j" netns "$prefix-sw"
    ip -n "$ns" link set "$prefix-a$j" name eth0
    ip -n "$ns" addr add "10.77.0.$((j + 1))/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$prefix-sw" link set "$prefix-b$j" master br0 up
    # Both directions of every link: the node's egress on its end, its ingress on the switch's end.
    if [[ -n $delay ]]; then
      ip netns exec "$ns" tc qdisc add dev eth0 root netem delay "$delay" rate "$rate"
      ip netns exec "$prefix-sw" tc qdisc add dev "$prefix-b$j" root netem delay "$delay" rate "$rate"
    else
      ip netns exec "$ns" tc qdisc add dev eth0 root tbf rate "$rate" burst "$burst" latency 50ms
      ip netns exec "$prefix-sw" tc qdisc add dev "$prefix-b$j" root tbf rate "$rate" burst "$burst" latency 50ms
    fi
  done
}

remove_network() {
  for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  namespaces=()
}

link_bytes() { ip netns exec "$prefix-n0" cat /sys/class/net/eth0/statistics/"$1"; }

single() { # label
  local dir=$scratch/single-$RANDOM
  /usr/bin/time -f "%U %S" -o "$dir.cpu" dotnet "$program" train --out "$dir" --threads "$worker_threads" "${train_args[@]}" > "$dir.out"
  read -r median p10 < <(round_stats "$dir/metrics.csv" "$chains")
  printf '%-22s median %6.2f ms  p10 %6.2f ms  %9.0f chain steps/s  %6.1f ms CPU/round\n' "$1 single" "$median" "$p10" \
    "$(tail -1 "$dir.out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["chain_steps_per_second"])')" \
    "$(echo "$(cpu_seconds "$dir.cpu") * 1000 / $rounds" | bc -l)"
  single_hash=$(parameters_hash "$dir")
}

cluster() { # label netns?
  local label=$1 in_ns=$2 dir=$scratch/cluster-$RANDOM host=127.0.0.1 port=$((20000 + RANDOM % 20000)) coordinator_ns="" rx0=0 tx0=0
  if [[ -n $in_ns ]]; then host=10.77.0.1 port=4053 coordinator_ns=$prefix-n0; rx0=$(link_bytes rx_bytes); tx0=$(link_bytes tx_bytes); fi
  local worker_pids=()
  for j in $(seq 1 "$workers"); do
    local ns="" whost=127.0.0.1
    if [[ -n $in_ns ]]; then ns=$prefix-n$j; whost=10.77.0.$((j + 1)); fi
    # Started directly (not through run_in) so that $! is /usr/bin/time, whose child is the worker to stop.
    local worker=(/usr/bin/time -f "%U %S" -o "$dir.w$j.cpu" dotnet "$program" node --seed "$host:$port" --hostname "$whost" --threads "$worker_threads")
    if [[ -n $ns ]]; then ip netns exec "$ns" "${worker[@]}" > "$dir.w$j.out" 2>&1 & else "${worker[@]}" > "$dir.w$j.out" 2>&1 & fi
    worker_pids+=($!); pids+=($!)
  done
  run_in "$coordinator_ns" /usr/bin/time -f "%U %S" -o "$dir.cpu" dotnet "$program" train --out "$dir" --cluster --hostname "$host" \
    --port "$port" --threads 0 --min-workers "$workers" "${train_args[@]}" > "$dir.out" 2> "$dir.err"
  local bytes=""
  if [[ -n $in_ns ]]; then
    bytes=$(printf '  %.0f kB/round out, %.0f kB/round in' "$(echo "($(link_bytes tx_bytes) - $tx0) / $rounds / 1000" | bc -l)" \
      "$(echo "($(link_bytes rx_bytes) - $rx0) / $rounds / 1000" | bc -l)")
  fi
  for pid in "${worker_pids[@]}"; do pkill -TERM -P "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  read -r median p10 < <(round_stats "$dir/metrics.csv" "$chains")
  printf '%-22s median %6.2f ms  p10 %6.2f ms  %9.0f chain steps/s  %6.1f ms CPU/round (coordinator %.1f)%s\n' "$label cluster" \
    "$median" "$p10" "$(tail -1 "$dir.out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["chain_steps_per_second"])')" \
    "$(echo "$(cpu_seconds "$dir.cpu" "$dir".w*.cpu) * 1000 / $rounds" | bc -l)" "$(echo "$(cpu_seconds "$dir.cpu") * 1000 / $rounds" | bc -l)" "$bytes"
  [[ $(parameters_hash "$dir") == "$single_hash" ]] || { echo "error: the cluster's parameters differ from one process's" >&2; exit 1; }
}

echo "$(date -u +%FT%TZ) chains $chains, rounds $rounds, $workers worker(s) x $worker_threads threads; $(uptime | sed 's/.*load/load/')"
for r in $(seq 1 "$repeat"); do
  single "loopback"
  if [[ -z $rates ]]; then
    cluster "loopback" ""
  else
    for rate in $rates; do
      make_network "$rate"
      cluster "$rate${delay:+ +$delay}" yes
      remove_network
    done
  fi
done
