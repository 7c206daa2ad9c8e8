#!/usr/bin/env bash
# oris set-up: run once on a fresh machine (Debian/Ubuntu with Node/npm), and
# again whenever you like — every step checks first and does only what is missing.
#   bash setup.sh
# Installs Deno 2.9.6 (from npm), Mesa's software Vulkan driver for WebGPU
# when apt is there and no Vulkan loader is, every npm dependency, and the
# tiny fixture models the tests run on.
set -euo pipefail
cd "$(dirname "$0")"

DENO_VERSION=2.9.6
say() { printf '\033[1msetup:\033[0m %s\n' "$*"; }
fail() {
  printf '\033[31msetup failed:\033[0m %s\n' "$*" >&2
  exit 1
}
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else return 1
  fi
}

# 1. Deno
deno_ok() { command -v deno >/dev/null 2>&1 && deno --version 2>/dev/null | head -1 | grep -q " ${DENO_VERSION} "; }
if deno_ok; then
  say "deno ${DENO_VERSION} present"
else
  command -v npm >/dev/null 2>&1 ||
    fail "npm is missing: install Node.js and npm (e.g. apt-get install nodejs npm), then run bash setup.sh again."
  say "installing deno ${DENO_VERSION} from npm"
  if ! npm install -g "deno@${DENO_VERSION}" >/tmp/oris-setup-npm.log 2>&1 &&
    ! as_root npm install -g "deno@${DENO_VERSION}" >>/tmp/oris-setup-npm.log 2>&1; then
    tail -20 /tmp/oris-setup-npm.log >&2
    fail "npm could not install deno@${DENO_VERSION} (log above). Install Deno ${DENO_VERSION} yourself (https://deno.com) and rerun."
  fi
  hash -r
  if ! deno_ok; then
    npm_bin="$(npm prefix -g)/bin"
    export PATH="$npm_bin:$PATH"
    deno_ok || fail "deno ${DENO_VERSION} was installed but is not on PATH: add $npm_bin to PATH and rerun."
    say "note: add $npm_bin to your PATH to use deno in new shells"
  fi
fi

# 2. Software Vulkan for WebGPU on machines without a GPU (optional: oris
#    falls back to its CPU paths without it, but the GPU tests need it).
has_vulkan() {
  ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1' &&
    ls /usr/share/vulkan/icd.d/*.json >/dev/null 2>&1
}
if has_vulkan; then
  say "Vulkan loader and a driver present"
elif command -v apt-get >/dev/null 2>&1; then
  say "installing mesa-vulkan-drivers and libvulkan1 (software WebGPU adapter)"
  if ! { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq mesa-vulkan-drivers libvulkan1; } >/tmp/oris-setup-apt.log 2>&1; then
    tail -20 /tmp/oris-setup-apt.log >&2
    fail "apt-get could not install mesa-vulkan-drivers libvulkan1 (log above). Run as root, or install them yourself and rerun."
  fi
else
  say "warning: no apt-get and no Vulkan loader: WebGPU will be unavailable; oris uses its CPU paths"
fi

# 3. npm dependencies into ./node_modules (Deno does not run their install scripts).
say "caching npm dependencies"
deno install --quiet ||
  fail "deno install failed: check that the npm registry is reachable (npm ping) and rerun."

# 4. Fixture models for the tests and the demo.
say "generating fixture models"
deno task --quiet fixtures ||
  fail "generating the fixture models failed (output above)."

# 5. Optional: CLIP's real BPE merges (they ship in the open_clip wheel) so the
#    tokenizer is tested against the real vocabulary; skipped tests otherwise.
if [ -f tests/fixtures/.cache/bpe_simple_vocab_16e6.txt.gz ]; then
  say "CLIP BPE merges present"
else
  say "fetching CLIP's BPE merges for the tokenizer tests (optional)"
  bash tests/fixtures/fetch_clip_bpe.sh ||
    say "warning: could not fetch CLIP's merges; the real-vocabulary tokenizer tests will be skipped"
fi

say "done. Run the tests with: deno task test"
