#!/usr/bin/env bash
# Packs what an offline GPU host needs to run the GPU benchmarks into .device/
# (ignored by git; pass it to the host as a carried folder):
#   - deno, the Vulkan loader and env.sh, from ../shared/device/prepare.sh when
#     that script is there (else they must already be in .device/);
#   - npm.tar.gz: ./node_modules without what the benchmarks never load
#     (onnxruntime-node's native binaries, onnxruntime-web's other bundles and
#     source maps), about 17 MB.
# Run from the project root after `bash setup.sh`. Then, on the host:
#   bash bench/gpu_host/run.sh
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
if [ -f ../shared/device/prepare.sh ]; then
  bash ../shared/device/prepare.sh >/dev/null
fi
for need in .device/deno.gz .device/env.sh node_modules/.deno; do
  [ -e "$need" ] || { echo "pack.sh: $need is missing (run setup.sh, and prepare.sh on a machine that has it)" >&2; exit 1; }
done
web=node_modules/.deno/onnxruntime-web@*/node_modules/onnxruntime-web/dist
keep_web='ort\.(bundle\.min|webgpu\.bundle\.min|node\.min)\.mjs$|ort-wasm-simd-threaded(\.asyncify)?\.(mjs|wasm)$'
excludes=()
for f in $web/*; do
  [[ $(basename "$f") =~ $keep_web ]] || excludes+=("--exclude=$f")
done
tar -czf .device/npm.tar.gz "${excludes[@]}" \
  --exclude='node_modules/.deno/onnxruntime-node@*/node_modules/onnxruntime-node/bin' \
  node_modules
du -sh .device .device/npm.tar.gz
