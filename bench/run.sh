#!/usr/bin/env bash
# Side-by-side benchmark: Tidu (bench/Tidu.Bench) and TorchSharp-cpu 0.107 / libtorch (bench/TorchSharpPeer, run
# through the dotnet host printed by ../shared/peers/torchsharp-host.sh) run the same workloads in alternating
# rounds on this machine, TorchSharp with 2 threads. Prints:
#   - per workload the median time per iteration of each and the ratio TorchSharp/Tidu (> 1: Tidu faster):
#     a 10-element add, a tiny forward+backward, float32 GEMMs (m×n×k, with GFLOP/s and % of the 2-thread FMA
#     peak), exp and tanh over 1M floats, and three warm training steps (forward, cross-entropy, backward,
#     optimizer step, zero grad): MLP 784-256-10 SGD batch 64, MLP 784-1024-1024-10 Adam batch 128, and
#     Tidu.Training.FashionMnistModels.Cnn() with Adam at batch 64;
#   - "bytes/step": managed bytes allocated per warm training step (GC.GetTotalAllocatedBytes(precise: true),
#     all threads). Tidu keeps tensor data in managed arrays, so its figure includes every buffer; TorchSharp's
#     counts only the .NET wrappers (libtorch allocates natively) and is not comparable;
#   - the machine's float32 FMA peak (Vector512 FMA chains, 1 and 2 plain threads; measured by Tidu.Bench).
# Timings on a shared machine are noisy: use several rounds and read the medians.
# Usage: bench/run.sh [rounds]   (default 5). Results also go to bench/results.json.
# Fashion-MNIST epoch times are a separate, long-running script: bench/epoch.sh.
set -euo pipefail
cd "$(dirname "$0")"
ROUNDS="${1:-5}"
dotnet build -c Release -v q -nologo Tidu.Bench >/dev/null
dotnet build -c Release -v q -nologo TorchSharpPeer >/dev/null
HOST=$(../../shared/peers/torchsharp-host.sh)
TMP=$(mktemp -d)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
for ((r = 1; r <= ROUNDS; r++)); do
  echo "round $r/$ROUNDS" >&2
  dotnet Tidu.Bench/bin/Release/net10.0/Tidu.Bench.dll >>"$TMP/tidu.tsv"
  "$HOST" TorchSharpPeer/bin/Release/net10.0/TorchSharpPeer.dll >>"$TMP/torch.tsv"
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
python3 - "$TMP" "$ROUNDS" "$LOAD_BEFORE" "$LOAD_AFTER" <<'PY'
import json, statistics, sys, platform, datetime, math
tmp, rounds, load_before, load_after = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
def load(f):
    d = {}
    for line in open(f):
        name, value = line.rstrip("\n").split("\t"); d.setdefault(name, []).append(float(value))
    return {k: statistics.median(v) for k, v in d.items()}
tidu, torch = load(f"{tmp}/tidu.tsv"), load(f"{tmp}/torch.tsv")
nan = float("nan")
peak = {k[len("peak/"):]: v for k, v in tidu.items() if k.startswith("peak/")}
peak2 = peak.get("fma-2-threads", nan)
def gflops(name, ns):
    m, n, k = (int(v) for v in name[len("gemm-"):].split("x"))
    return 2.0 * m * n * k / ns
def fmt_time(ns):
    return f"{ns/1e6:10.3f}ms" if ns >= 1e6 else f"{ns/1000:10.3f}us"
rows = []
print(f"median of {rounds} rounds; load average before {load_before}, after {load_after}")
print(f"{'workload':34} {'Tidu':>12} {'TorchSharp':>12} {'ratio':>7}  {'Tidu GF/s':>9} {'%peak':>6} {'Torch GF/s':>10} {'%peak':>6}")
for name, t in tidu.items():
    if "/" in name: continue
    p = torch.get(name, nan)
    row = {"workload": name, "tidu_ns": t, "torchsharp_ns": p, "speedup": p / t}
    line = f"{name:34} {fmt_time(t)} {fmt_time(p)} {p/t:6.2f}x"
    if name.startswith("gemm-"):
        gt, gp = gflops(name, t), gflops(name, p)
        row.update({"tidu_gflops": gt, "torchsharp_gflops": gp, "tidu_pct_peak": 100 * gt / peak2, "torchsharp_pct_peak": 100 * gp / peak2})
        line += f"  {gt:9.1f} {100*gt/peak2:5.1f}% {gp:10.1f} {100*gp/peak2:5.1f}%"
    rows.append(row)
    print(line)
print()
print("float32 FMA peak (Vector512 FMA chains, plain threads):")
for k, v in peak.items(): print(f"  {k:20} {v:8.1f} GFLOP/s")
print()
print("bytes/step: managed bytes allocated per warm training step, all threads")
print("  (TorchSharp's count is only its .NET wrappers; libtorch allocates natively: not comparable)")
print(f"{'workload':34} {'Tidu':>14} {'TorchSharp*':>14}")
alloc = []
for k, v in tidu.items():
    if not k.startswith("bytes/"): continue
    name = k[len("bytes/"):]
    pv = torch.get(k, nan)
    alloc.append({"workload": name, "tidu_bytes": v, "torchsharp_managed_bytes": pv})
    print(f"{name:34} {v:14,.0f} {pv:14,.0f}")
json.dump({"date": datetime.date.today().isoformat(), "rounds": rounds, "machine": platform.processor() or platform.machine(),
           "load_average_before": load_before, "load_average_after": load_after,
           "fma_peak_gflops": peak, "results": rows, "bytes_per_step": alloc},
          open("results.json", "w"), indent=2, allow_nan=True)
PY
rm -rf "$TMP"
