#!/usr/bin/env bash
# bench/gpu-check.sh for a GPU machine that has a CUDA PyTorch but no .NET SDK and no NuGet (an offline training box):
#   bench/gpu-offline.sh pack DIR   here, with the SDK: build the Worker tests and the bench, drop libtorch from their
#                                   outputs (hundreds of MB; the GPU machine has its own), and pack them with this
#                                   machine's .NET runtime and the xunit console runner into DIR (about 35 MB)
#   bench/gpu-offline.sh run DIR    there, from the repository root with DIR copied beside it: unpack, point TorchSharp
#                                   at python3's libtorch, check that TorchSharp's native library finds every symbol it
#                                   needs there, and run bench/gpu-check.sh (logs and summary in ${OUT:-/tmp}/bertsl-gpu-check)
# TorchSharp 0.107's libLibTorchSharp.so is built for libtorch 2.10; it ran against PyTorch 2.11.0+cu130 on an H200.
set -euo pipefail
cd "$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
verb=${1:?usage: bench/gpu-offline.sh pack|run DIR}
dir=$(mkdir -p "${2:?usage: bench/gpu-offline.sh pack|run DIR}" && cd "$2" && pwd)
xunit_console=https://api.nuget.org/v3-flatcontainer/xunit.runner.console/2.4.1/xunit.runner.console.2.4.1.nupkg

pack() {
    local stage
    stage=$(mktemp -d)
    dotnet build tests/Worker.Tests -c Release -nologo -v q
    dotnet build bench -c Release -nologo -v q
    for part in tests:tests/Worker.Tests/bin/Release/net10.0 bench:bench/bin/Release/net10.0; do
        local out=$stage/${part%%:*}
        cp -a "${part#*:}" "$out"
        rm -rf "$out/cpu"
        find "$out/runtimes" -mindepth 1 -maxdepth 1 ! -name linux-x64 -exec rm -rf {} +
        find "$out/runtimes/linux-x64/native" -type f ! -name libLibTorchSharp.so ! -name libSkiaSharp.so ! -name libHarfBuzzSharp.so -delete
    done
    tar -C "$stage" -cf - tests bench | xz -9 -T0 > "$dir/prebuilt.tar.xz"
    local root
    root=$(dirname "$(readlink -f "$(command -v dotnet)")")
    tar -C "$root" -cf - dotnet host shared/Microsoft.NETCore.App | xz -9 -T0 > "$dir/dotnet.tar.xz"
    curl -fsSL -o "$stage/xunit.nupkg" "$xunit_console"
    rm -rf "$dir/xunit" && mkdir -p "$stage/xunit" && unzip -q "$stage/xunit.nupkg" 'tools/netcoreapp2.0/*' -d "$stage/xunit"
    mv "$stage/xunit/tools/netcoreapp2.0" "$dir/xunit"
    rm -rf "$stage"
    du -sh "$dir"
}

run() {
    local work=/tmp/bertsl-gpu-offline python torch_dir native
    rm -rf "$work" && mkdir -p "$work/dotnet" "$work/pre"
    tar -xJf "$dir/dotnet.tar.xz" -C "$work/dotnet"
    tar -xJf "$dir/prebuilt.tar.xz" -C "$work/pre"
    python=$(command -v python3)
    torch_dir=$("$python" -c 'import torch, os; print(os.path.dirname(torch.__file__))')
    echo "PyTorch $("$python" -c 'import torch; print(torch.__version__)') at $torch_dir"
    native=$work/pre/tests/runtimes/linux-x64/native/libLibTorchSharp.so
    # A symbol missing here fails only when first called (the loader binds functions lazily): say so up front.
    if command -v nm > /dev/null; then
        nm -D --undefined-only "$native" | awk '{print $NF}' | sed 's/@.*//' | sort -u > "$work/needed"
        for lib in "$torch_dir"/lib/lib{torch,torch_cpu,torch_cuda,c10,c10_cuda}.so \
                   $(ldconfig -p | awk '/(libstdc\+\+\.so\.6|libc\.so\.6|libm\.so\.6|libgcc_s\.so\.1) .*x86-64/ {print $NF}'); do
            [ -f "$lib" ] || continue # a CPU-only PyTorch has no CUDA libraries
            nm -D --defined-only "$lib" | awk '{print $NF}' | sed 's/@.*//'
        done | sort -u > "$work/defined"
        # Weak hooks and TLS init functions are optional or local: only real function and data symbols count.
        comm -23 "$work/needed" "$work/defined" | grep -vE '^(_ITM_|__gmon_start__|__tls_get_addr|_ZTH)' > "$work/missing" || true
        if [ -s "$work/missing" ]; then
            echo "libLibTorchSharp.so needs $(wc -l < "$work/missing") symbols this PyTorch lacks (first ten):"
            head -10 "$work/missing" | c++filt
        else
            echo "libLibTorchSharp.so finds every symbol it needs in this PyTorch"
        fi
    fi
    DOTNET=$work/dotnet/dotnet DOTNET_ROOT=$work/dotnet DOTNET_CLI_TELEMETRY_OPTOUT=1 \
        BERTSL_PREBUILT=$work/pre BERTSL_LIBTORCH=$torch_dir/lib BERTSL_XUNIT_CONSOLE=$dir/xunit/xunit.console.dll \
        BERTSL_TORCH_PYTHON=$python bash bench/gpu-check.sh
}

case $verb in
    pack) pack ;;
    run) run ;;
    *) echo "usage: bench/gpu-offline.sh pack|run DIR" >&2; exit 2 ;;
esac
