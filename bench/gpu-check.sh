#!/usr/bin/env bash
# The GPU check: on a CUDA machine build the CUDA flavour (or take prebuilt outputs, below), run the CUDA tests
# (skipped elsewhere), then `bench -- train --device cuda` for the base preset at max_len 128 and 512 in fp32, bf16
# (compute capability 8.0+ only) and fp16 at batch 16, then at 128 with batches of 64 and 256, then `bench -- phases`
# (two-phase against one phase at 512, each with the worker's estimate), and print the figures README's benchmark
# tables take. On an H200 with prebuilt outputs the batch-16 part and the phases took 5 minutes (2026-12-04).
#
# Needs: the .NET SDK the solution targets, an NVIDIA driver (nvidia-smi on PATH), and NuGet access or a warm cache for
# TorchSharp-cuda-linux (several GB on a first restore). Usage, from anywhere in the repository:
#   bench/gpu-check.sh [OUT_DIR]        (default ${OUT:-/tmp}/bertsl-gpu-check; logs and a summary go there)
# Each part has its own time limit, so one slow part cannot eat the budget of the rest.
#
# On a GPU machine with a CUDA PyTorch but no SDK or NuGet (an offline training box), build here and take the outputs:
#   BERTSL_PREBUILT=DIR        DIR/tests and DIR/bench hold `dotnet build -c Release` outputs of tests/Worker.Tests and
#                              bench (either TorchDevice), so nothing is built; DOTNET names a runtime-only dotnet host
#   BERTSL_LIBTORCH=DIR        libtorch from that PyTorch (python3 -c 'import torch,os;print(os.path.dirname(torch.__file__))'/lib)
#                              instead of NuGet's: it must be ABI-compatible with TorchSharp's libLibTorchSharp.so
#   BERTSL_XUNIT_CONSOLE=FILE  xunit.console.dll (NuGet's xunit.runner.console, tools/netcoreapp2.0) runs the tests
#                              where `dotnet test` (an SDK) is missing
#   BERTSL_TORCH_PYTHON=FILE   that python3: bench then runs the plain-PyTorch reference on the GPU beside ours
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

dotnet=${DOTNET:-dotnet}
if [ -n "${BERTSL_PREBUILT:-}" ]; then
    tests=$BERTSL_PREBUILT/tests/BertServerless.Worker.Tests.dll
    bench_dll=$BERTSL_PREBUILT/bench/BertServerless.Bench.dll
else
    note "== build (TorchDevice=cuda) [$(elapsed)]"
    # Its own artifacts folder, so the CPU build's libtorch in bin/ cannot be loaded by mistake.
    build=(-c Release -p:TorchDevice=cuda --artifacts-path "$out/artifacts")
    if ! timeout 300 "$dotnet" build tests/Worker.Tests "${build[@]}" > "$out/build.log" 2>&1 ||
       ! timeout 120 "$dotnet" build bench "${build[@]}" >> "$out/build.log" 2>&1; then
        tail -20 "$out/build.log"; note "build failed: see $out/build.log"; exit 1
    fi
    tests=$(find "$out/artifacts/bin" -ipath '*release*' -name BertServerless.Worker.Tests.dll | head -1)
    bench_dll=$(find "$out/artifacts/bin" -ipath '*release*' -name BertServerless.Bench.dll | head -1)
fi
if [ -n "${BERTSL_LIBTORCH:-}" ]; then
    # TorchSharp loads libtorch_cuda by name when no package supplies it, so the loader's path decides which libtorch;
    # libLibTorchSharp.so stays TorchSharp's own, found beside the tests for the xunit console's sake.
    export LD_LIBRARY_PATH=$BERTSL_LIBTORCH:$(dirname "$tests")/runtimes/linux-x64/native${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
fi

note "== CUDA tests [$(elapsed)]"
if [ -n "${BERTSL_XUNIT_CONSOLE:-}" ]; then
    # xunit.console 2.4 targets netcoreapp2.0: rolled forward onto whatever runtime is here.
    DOTNET_ROLL_FORWARD=Major timeout 180 "$dotnet" "$BERTSL_XUNIT_CONSOLE" "$tests" -nocolor -verbose \
        -class BertServerless.Worker.Tests.Training.CudaTrainingTests -class BertServerless.Worker.Tests.Training.PrecisionPolicyTests \
        -class BertServerless.Worker.Tests.Training.DynamicLossScalerTests > "$out/tests.log" 2>&1
    grep -E "\[(FAIL|SKIP)\]|TEST EXECUTION SUMMARY|Total:" -A1 "$out/tests.log" | grep -vE "^--$" | tail -14 | tee -a "$summary"
else
    timeout 180 "$dotnet" test "$tests" --filter "FullyQualifiedName~CudaTrainingTests|FullyQualifiedName~PrecisionPolicyTests|FullyQualifiedName~DynamicLossScalerTests" --logger "console;verbosity=normal" > "$out/tests.log" 2>&1
    grep -E "Passed|Failed|Skipped|Total" "$out/tests.log" | tail -12 | tee -a "$summary"
fi
has_bf16=false
if awk "BEGIN { exit !($capability >= 8.0) }"; then has_bf16=true; fi
reference=off
if [ -n "${BERTSL_TORCH_PYTHON:-}" ]; then reference=auto; fi

# bench LOG SECONDS PATTERN ARGS...: one bench run with its own time limit, its log in $out/LOG.log; the lines matching
# PATTERN go to the summary, and so do the first error lines when it fails.
bench() {
    local log=$out/$1.log seconds=$2 pattern=$3
    shift 3
    timeout "$seconds" "$dotnet" "$bench_dll" "$@" > "$log" 2>&1 ||
        { note "(exit $?: see $log)"; grep -m3 -E "Exception|Error|error" "$log" | cut -c1-300 | tee -a "$summary"; }
    grep -E "$pattern" "$log" | tee -a "$summary"
}

precisions="fp32 fp16"
if $has_bf16; then precisions="bf16 fp32 fp16"; fi
for precision in $precisions; do
    note "== bench train --device cuda --preset base --max-len 128,512 --precision $precision [$(elapsed)]"
    # Batch 16 as on the CPU; 20 timed steps after a warm-up pass over the same batches.
    bench "bench-$precision" 150 "^device|matmul peak|^max_len|@|\(b\)|\(c\)|peak RSS|PyTorch reference" \
        train --device cuda --preset base --max-len 128,512 --precision "$precision" --recipes ours,bucketed --measure-steps 20 --reference "$reference"
done

# Batch 16 leaves an H200 waiting on kernel launches (2-4% MFU, 2026-12-04): the same model at GPU-sized batches, where
# the matmuls are big enough to measure the GPU rather than the host.
for run in "bf16 64" "bf16 256" "fp32 256" "fp16 256"; do
    set -- $run
    if [ "$1" = bf16 ] && ! $has_bf16; then continue; fi
    note "== bench train --device cuda --preset base --max-len 128 --precision $1 --batch-size $2 [$(elapsed)]"
    bench "bench-$1-$2" 100 "@|\(b\)|\(c\)|peak RSS|PyTorch reference" \
        train --device cuda --preset base --max-len 128 --precision "$1" --batch-size "$2" --recipes ours,bucketed --measure-steps 10 --reference "$reference"
done

note "== bench phases --device cuda --preset base --steps 100 [$(elapsed)]"
# Two-phase (90% at 128, 10% at 512) against one phase at 512, each beside the worker's estimate.
bench bench-phases 240 "^meditations|^  \(|estimate|two-phase takes" phases --device cuda --preset base --steps 100

note "== done in $(elapsed); goals: base@128 bf16 >= 45% model FLOP utilisation; fp16 >= 3x fp32 on a GPU without bf16"
