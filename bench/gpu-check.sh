#!/usr/bin/env bash
# The GPU check, prepared on a machine without one: on a CUDA machine, in about 14 minutes, build the CUDA flavour,
# run the CUDA tests (skipped elsewhere), then `bench -- train --device cuda` for the base preset at max_len 128 and
# 512 in fp32, bf16 (compute capability 8.0+ only) and fp16, then `bench -- phases` (two-phase against one phase at
# 512, each with the worker's estimate), and print the figures README's benchmark tables take.
#
# Needs: the .NET SDK the solution targets, an NVIDIA driver (nvidia-smi on PATH), and NuGet access or a warm cache for
# TorchSharp-cuda-linux (several GB on a first restore). Usage, from anywhere in the repository:
#   bench/gpu-check.sh [OUT_DIR]        (default ${OUT:-/tmp}/bertsl-gpu-check; logs and a summary go there)
# Each part has its own time limit, so one slow part cannot eat the budget of the rest.
set -uo pipefail
cd "$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
out=${1:-${OUT:-/tmp}/bertsl-gpu-check}
mkdir -p "$out"
summary="$out/summary.txt"
: > "$summary"
note() { echo "$*" | tee -a "$summary"; }
start=$SECONDS
elapsed() { echo "$((SECONDS - start)) s"; }

note "== GPU"
nvidia-smi --query-gpu=name,compute_cap,memory.total,driver_version --format=csv,noheader | tee -a "$summary" || { note "no nvidia-smi: not a GPU machine"; exit 1; }
capability=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader -i 0 | head -1)

note "== build (TorchDevice=cuda) [$(elapsed)]"
# Its own artifacts folder, so the CPU build's libtorch in bin/ cannot be loaded by mistake.
build=(-c Release -p:TorchDevice=cuda --artifacts-path "$out/artifacts")
if ! timeout 300 dotnet build tests/Worker.Tests "${build[@]}" > "$out/build.log" 2>&1 ||
   ! timeout 120 dotnet build bench "${build[@]}" >> "$out/build.log" 2>&1; then
    tail -20 "$out/build.log"; note "build failed: see $out/build.log"; exit 1
fi

note "== CUDA tests [$(elapsed)]"
tests=$(find "$out/artifacts/bin" -ipath '*release*' -name BertServerless.Worker.Tests.dll | head -1)
timeout 180 dotnet test "$tests" --filter "FullyQualifiedName~CudaTrainingTests|FullyQualifiedName~PrecisionPolicyTests|FullyQualifiedName~DynamicLossScalerTests" \
    --logger "console;verbosity=normal" > "$out/tests.log" 2>&1
grep -E "Passed|Failed|Skipped|Total" "$out/tests.log" | tail -12 | tee -a "$summary"

bench=$(find "$out/artifacts/bin" -ipath '*release*' -name BertServerless.Bench.dll | head -1)
precisions="fp32 fp16"
if awk "BEGIN { exit !($capability >= 8.0) }"; then precisions="fp32 bf16 fp16"; fi
for precision in $precisions; do
    note "== bench train --device cuda --preset base --max-len 128,512 --precision $precision [$(elapsed)]"
    # Batch 16 as on the CPU; 20 timed steps after a warm-up pass over the same batches.
    timeout 150 dotnet "$bench" train --device cuda --preset base --max-len 128,512 --precision "$precision" \
        --recipes ours,bucketed --measure-steps 20 --reference off > "$out/bench-$precision.log" 2>&1 || note "(exit $?: see $out/bench-$precision.log)"
    grep -E "^device|matmul peak|^max_len|@|\(b\)|\(c\)|peak RSS" "$out/bench-$precision.log" | tee -a "$summary"
done

note "== bench phases --device cuda --preset base --steps 100 [$(elapsed)]"
# Two-phase (90% at 128, 10% at 512) against one phase at 512, each beside the worker's estimate.
timeout 240 dotnet "$bench" phases --device cuda --preset base --steps 100 > "$out/bench-phases.log" 2>&1 || note "(exit $?: see $out/bench-phases.log)"
grep -E "^meditations|^  \(|estimate|two-phase takes" "$out/bench-phases.log" | tee -a "$summary"

note "== done in $(elapsed); goals: base@128 bf16 >= 45% model FLOP utilisation; fp16 >= 3x fp32 on a GPU without bf16"
