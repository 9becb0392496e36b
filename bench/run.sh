#!/usr/bin/env bash
# Side-by-side benchmark: Tidu and TorchSharp (libtorch) run the same workloads in alternating rounds on this
# machine; prints the median time per iteration of each and the speed ratio TorchSharp/Tidu (> 1: Tidu faster).
# Usage: bench/run.sh [rounds]   (default 5). Results also go to bench/results.json.
set -euo pipefail
cd "$(dirname "$0")"
ROUNDS="${1:-5}"
dotnet build -c Release -v q -nologo Tidu.Bench >/dev/null
dotnet build -c Release -v q -nologo TorchSharpPeer >/dev/null
HOST=$(../../shared/peers/torchsharp-host.sh)
TMP=$(mktemp -d)
for ((r = 1; r <= ROUNDS; r++)); do
  dotnet Tidu.Bench/bin/Release/net10.0/Tidu.Bench.dll >>"$TMP/tidu.tsv"
  "$HOST" TorchSharpPeer/bin/Release/net10.0/TorchSharpPeer.dll >>"$TMP/torch.tsv"
done
python3 - "$TMP" "$ROUNDS" <<'PY'
import json, statistics, sys, platform, datetime
tmp, rounds = sys.argv[1], int(sys.argv[2])
def load(f):
    d = {}
    for line in open(f):
        name, ns = line.split("\t"); d.setdefault(name, []).append(float(ns))
    return {k: statistics.median(v) for k, v in d.items()}
tidu, torch = load(f"{tmp}/tidu.tsv"), load(f"{tmp}/torch.tsv")
rows = []
print(f"{'workload':28} {'Tidu':>12} {'TorchSharp':>12} {'ratio':>8}")
for name in tidu:
    t, p = tidu[name], torch.get(name, float('nan'))
    rows.append({"workload": name, "tidu_ns": t, "torchsharp_ns": p, "speedup": p / t})
    print(f"{name:28} {t/1000:10.3f}us {p/1000:10.3f}us {p/t:7.1f}x")
json.dump({"date": datetime.date.today().isoformat(), "rounds": rounds, "machine": platform.processor() or platform.machine(),
           "results": rows}, open("results.json", "w"), indent=2)
PY
rm -rf "$TMP"
