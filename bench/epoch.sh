#!/usr/bin/env bash
# Fashion-MNIST epoch time, Tidu against TorchSharp-cpu 0.107 (libtorch, 2 threads): each program trains one
# epoch of the model `tidu train` uses (Tidu.Training.FashionMnistModels.Mlp() / Cnn(), rebuilt layer for layer
# in the peer) with the CLI's defaults — batch 128, Adam lr 1e-3, cross-entropy — on the 60,000 training images
# normalised with mean 0.2860 / std 0.3530, shuffled, no augmentation in either, last partial batch kept.
# Loading and normalising happen before the clock starts. Rounds alternate Tidu and TorchSharp; medians.
# Needs the dataset (Debian: apt-get install dataset-fashion-mnist). Long-running: a full CNN epoch takes minutes.
# Usage: bench/epoch.sh [mlp|cnn|both] [rounds] [--batches N]
#   --batches N trains only the first N batches (a quick check; the figure is then not a full epoch).
set -euo pipefail
cd "$(dirname "$0")"
KIND="${1:-both}"
ROUNDS="${2:-1}"
EXTRA=("${@:3}")
case "$KIND" in mlp|cnn) KINDS=("$KIND") ;; both) KINDS=(mlp cnn) ;; *) echo "usage: $0 [mlp|cnn|both] [rounds] [--batches N]" >&2; exit 2 ;; esac
dotnet build -c Release -v q -nologo Tidu.Bench >/dev/null
dotnet build -c Release -v q -nologo TorchSharpPeer >/dev/null
HOST=$(../../shared/peers/torchsharp-host.sh)
TMP=$(mktemp -d)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
for kind in "${KINDS[@]}"; do
  for ((r = 1; r <= ROUNDS; r++)); do
    dotnet Tidu.Bench/bin/Release/net10.0/Tidu.Bench.dll epoch "$kind" "${EXTRA[@]}" >>"$TMP/tidu.tsv"
    "$HOST" TorchSharpPeer/bin/Release/net10.0/TorchSharpPeer.dll epoch "$kind" "${EXTRA[@]}" >>"$TMP/torch.tsv"
  done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
python3 - "$TMP" "$ROUNDS" "$LOAD_BEFORE" "$LOAD_AFTER" "${EXTRA[*]:-}" <<'PY'
import statistics, sys
tmp, rounds, before, after, extra = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
def load(f):
    d = {}
    for line in open(f):
        name, value = line.rstrip("\n").split("\t"); d.setdefault(name, []).append(float(value))
    return {k: statistics.median(v) for k, v in d.items()}
tidu, torch = load(f"{tmp}/tidu.tsv"), load(f"{tmp}/torch.tsv")
what = "seconds for the first batches only (" + extra + ")" if extra else "seconds per epoch"
print(f"median of {rounds} round(s), {what}; load average before {before}, after {after}")
print(f"{'model':12} {'Tidu':>10} {'TorchSharp':>11} {'ratio':>7}")
for name, t in tidu.items():
    p = torch.get(name, float("nan"))
    print(f"{name:12} {t:9.2f}s {p:10.2f}s {p/t:6.2f}x")
PY
rm -rf "$TMP"
