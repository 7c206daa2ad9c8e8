#!/usr/bin/env bash
# The GPU figures in one run, on an offline GPU host prepared by pack.sh
# (carry .device). Writes host.txt, kernels.json, views_to_clip.json,
# sam_logits.json, their logs and summary.md (every group's means and speed
# against its CPU baseline) to $OUT (default /tmp/oris-gpu), and prints the summary.
#   1. the adapter WebGPU finds; where the Vulkan loader finds no driver, it
#      tries NVIDIA's own manifests, then one it writes for libGLX_nvidia.so.0,
#      and notes each try in host.txt (stops here, exit 3, when none works);
#   2. bench/kernels_bench.ts: every kernel, CPU twin and GPU, at 640x480 and
#      1024x768 (ORIS_BENCH_SIZES);
#   3. bench/views_to_clip_bench.ts: views + CLIP vision on webgpu, the views
#      made on the CPU, on the GPU and read back, or kept on the GPU. The
#      model is a randomly initialised CLIP ViT-B/32 exported by
#      export_random_clip.py when python3 has torch and transformers, else
#      the fixture model (which says little about speed);
#   4. bench/sam_logits_bench.ts: one SAM decoder call of 64 prompts and its
#      mask decoding, the logits read back or kept on the GPU (fixture SAM:
#      real shapes, so the data movement is real).
set -uo pipefail
cd "$(git rev-parse --show-toplevel 2>/dev/null || pwd)"
out=${OUT:-/tmp/oris-gpu}
mkdir -p "$out"
[ -d node_modules/.deno ] || tar -xzf .device/npm.tar.gz
run() { NO_COLOR=1 bash .device/env.sh "$@"; }
{
  date -u
  uname -r
  nvidia-smi -L 2>&1 || echo "no nvidia-smi"
} >"$out/host.txt"
probe='const a = await navigator.gpu?.requestAdapter({ powerPreference: "high-performance" });
console.log(a ? `adapter: ${a.info.description || a.info.vendor} (fallback: ${a.info.isFallbackAdapter ?? false})` : "adapter: none");'
found() { [[ $1 == *"adapter: "* && $1 != *"adapter: none"* ]]; }
adapter=$(run deno eval "$probe" 2>&1)
if ! found "$adapter"; then
  # The loader finds no driver when the container has NVIDIA's Vulkan library
  # but no manifest where the loader looks: try the driver's own manifests,
  # then one written here for libGLX_nvidia.so.0 (which holds the Vulkan ICD).
  icds=$(ls /usr/local/nvidia/share/vulkan/icd.d/*.json /usr/share/vulkan/icd.d/nvidia*.json \
    /etc/vulkan/icd.d/nvidia*.json 2>/dev/null || true)
  for dir in /usr/local/nvidia/lib64 /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/local/nvidia/lib; do
    if [ -e "$dir/libGLX_nvidia.so.0" ]; then
      printf '{"file_format_version": "1.0.0", "ICD": {"library_path": "%s", "api_version": "1.3.0"}}\n' \
        "$dir/libGLX_nvidia.so.0" >/tmp/oris_nvidia_icd.json
      icds="$icds /tmp/oris_nvidia_icd.json"
      break
    fi
  done
  {
    echo "no adapter by default; NVIDIA_DRIVER_CAPABILITIES=${NVIDIA_DRIVER_CAPABILITIES:-unset}"
    echo "manifests to try: ${icds:-none}"
    ls /usr/local/nvidia/lib64 /usr/lib/x86_64-linux-gnu 2>/dev/null | grep -E 'GLX_nvidia|glvkspirv|nvidia-gpucomp|libcuda\.so' | sort -u
  } >>"$out/host.txt"
  for icd in $icds; do
    adapter=$(VK_DRIVER_FILES=$icd VK_ICD_FILENAMES=$icd VK_LOADER_DEBUG=error run deno eval "$probe" 2>&1)
    echo "with $icd: $(echo "$adapter" | tail -3)" >>"$out/host.txt"
    if found "$adapter"; then
      export VK_DRIVER_FILES=$icd VK_ICD_FILENAMES=$icd
      adapter="$(echo "$adapter" | grep 'adapter: ') (with VK_DRIVER_FILES=$icd)"
      break
    fi
  done
fi
echo "$adapter" | tee -a "$out/host.txt"
if ! found "$adapter"; then
  echo "No WebGPU adapter on this host: nothing to measure." | tee -a "$out/host.txt"
  exit 3
fi
ORIS_BENCH_SIZES=${ORIS_BENCH_SIZES:-640,1024} run deno bench -A --json bench/kernels_bench.ts \
  >"$out/kernels.json" 2>"$out/kernels.log" || echo "kernels_bench failed: see kernels.log"
# ORIS_BENCH_CLIP_VISION: a model file to use instead, or "fixture".
model=${ORIS_BENCH_CLIP_VISION:-}
[ "$model" = fixture ] && model=none
if [ -z "$model" ] && python3 -c "import torch, transformers, onnx" 2>/dev/null; then
  model=/tmp/oris-clip-vision-random.onnx
  [ -s "$model" ] || python3 bench/gpu_host/export_random_clip.py "$model" >"$out/export.log" 2>&1 || model=""
fi
[ "$model" = none ] && model=""
ORIS_BENCH_CLIP_VISION=$model ORIS_BENCH_N=${ORIS_BENCH_N:-10} \
  run deno bench -A --json bench/views_to_clip_bench.ts \
  >"$out/views_to_clip.json" 2>"$out/views_to_clip.log" || echo "views_to_clip_bench failed: see views_to_clip.log"
ORIS_BENCH_N=${ORIS_BENCH_N:-10} run deno bench -A --json bench/sam_logits_bench.ts \
  >"$out/sam_logits.json" 2>"$out/sam_logits.log" || echo "sam_logits_bench failed: see sam_logits.log"
run deno run --allow-read bench/gpu_host/summary.ts "$out/kernels.json" "$out/views_to_clip.json" "$out/sam_logits.json" |
  tee "$out/summary.md"
