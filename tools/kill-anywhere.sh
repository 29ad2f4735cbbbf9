#!/usr/bin/env bash
# Kills `latentcycles train` with SIGKILL at N random moments (from process start, through the first checkpoint and
# checkpoint writes, to the end of the run), continues each killed run to its end (`resume`, or `train` again when the
# kill came before the run directory existed), and checks that every result is bit-identical to an uninterrupted run.
# Prints one line per kill and the tally; exits non-zero unless every run was resumable and bit-identical.
#
#   tools/kill-anywhere.sh [N]          (default 40; build first: dotnet build -c Release)
set -euo pipefail

kills=${1:-40}
root=$(cd "$(dirname "$0")/.." && pwd)
program=("dotnet" "$root/src/LatentCycles.Cli/bin/Release/net10.0/latentcycles.dll")
settings=(--k 3 --chains 64 --rounds 60 --checkpoint-every 2 --evaluate-every 0 --threads 1)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

parameters_hash() {
  "${program[@]}" export "$1" --force --json | tail -n 1 | python3 -c 'import json, sys; print(json.load(sys.stdin)["parameters_sha256"])'
}

start=$(date +%s%N)
"${program[@]}" train --out "$work/reference" "${settings[@]}" > /dev/null
span_ms=$(( ($(date +%s%N) - start) / 1000000 ))
reference=$(parameters_hash "$work/reference")
echo "uninterrupted run: ${span_ms} ms, parameters $reference"

resumable=0
identical=0
for i in $(seq 1 "$kills"); do
  run="$work/run$i"
  # Every other kill falls in the first 2.5 s: start-up, creation of the run directory, the first checkpoint.
  window=$(( i % 2 == 1 && span_ms > 2500 ? 2500 : span_ms ))
  moment=$(( (RANDOM * 32768 + RANDOM) % window ))
  "${program[@]}" train --out "$run" "${settings[@]}" > /dev/null 2>&1 &
  pid=$!
  sleep "$(printf '%d.%03d' $((moment / 1000)) $((moment % 1000)))"
  kill -KILL "$pid" 2> /dev/null || true
  wait "$pid" 2> /dev/null || true
  left=$(if [ -f "$run/config.json" ]; then echo "a run directory"; elif [ -d "$run" ]; then echo "an empty directory"; else echo "no directory"; fi)

  if [ -f "$run/config.json" ]; then
    continued=("${program[@]}" resume "$run")
  else
    continued=("${program[@]}" train --out "$run" "${settings[@]}")
  fi
  if output=$("${continued[@]}" 2>&1 > /dev/null) || [[ "$output" == *"is already finished"* ]]; then
    resumable=$((resumable + 1))
    hash=$(parameters_hash "$run")
    if [ "$hash" = "$reference" ]; then
      identical=$((identical + 1))
      verdict="bit-identical"
    else
      verdict="DIFFERENT parameters $hash"
    fi
  else
    verdict="NOT RESUMABLE: ${output//$'\n'/ }"
  fi
  printf 'kill %2d at %5d ms left %s: %s\n' "$i" "$moment" "$left" "$verdict"
done

echo "$kills kills: $resumable/$kills resumable, $identical/$kills bit-identical"
[ "$resumable" -eq "$kills" ] && [ "$identical" -eq "$kills" ]
