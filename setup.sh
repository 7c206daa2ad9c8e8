#!/usr/bin/env bash
# oris set-up: run once on a fresh machine (Debian/Ubuntu with Node/npm), and
# again whenever you like — every step checks first and does only what is missing.
#   bash setup.sh
# Installs Deno 2.9.6 (from npm; into ~/.local without root or sudo), Mesa's
# software Vulkan driver for WebGPU when apt is there and no Vulkan loader
# is, headless Chromium for the web page's test likewise, every npm
# dependency, and the tiny fixture models the tests run on.
# Exits 0 when everything is set up, 1 when a required step failed, and 2
# when only optional pieces are missing (the WebGPU driver: oris then runs on
# its CPU paths; Chromium: the browser test is skipped; the summary says how
# to install them).
set -euo pipefail
cd "$(dirname "$0")"

DENO_VERSION=2.9.6
say() { printf '\033[1msetup:\033[0m %s\n' "$*"; }
warn() { printf '\033[33msetup warning:\033[0m %s\n' "$*" >&2; }
fail() {
  printf '\033[31msetup failed:\033[0m %s\n' "$*" >&2
  exit 1
}
logfile() { mktemp "${TMPDIR:-/tmp}/oris-setup-$1.XXXXXX"; }

# Optional steps that could not be done; reported at the end (exit 2).
missing=()

is_root() { [ "$(id -u)" = 0 ]; }
# sudo that works without a password, or asks for it once on a terminal.
sudo_state=""
have_sudo() {
  if [ -z "$sudo_state" ]; then
    sudo_state=no
    if command -v sudo >/dev/null 2>&1; then
      if sudo -n true 2>/dev/null; then
        sudo_state=yes
      elif [ -t 0 ] && sudo -v; then
        sudo_state=yes
      fi
    fi
  fi
  [ "$sudo_state" = yes ]
}
as_root() {
  if is_root; then "$@"
  elif have_sudo; then sudo "$@"
  else return 1
  fi
}

# 1. Deno
deno_ok() {
  command -v deno >/dev/null 2>&1 || return 1
  local version
  version="$(deno --version 2>/dev/null || true)"
  [[ "${version%%$'\n'*}" == *" ${DENO_VERSION} "* ]]
}
# A user install (below) lands in ~/.local/bin: use it if an earlier run put it there.
case ":$PATH:" in *":$HOME/.local/bin:"*) ;; *) export PATH="$HOME/.local/bin:$PATH" ;; esac
if deno_ok; then
  say "deno ${DENO_VERSION} present"
else
  command -v npm >/dev/null 2>&1 ||
    fail "npm is missing: install Node.js and npm (e.g. apt-get install nodejs npm), then run bash setup.sh again."
  npm_log="$(logfile npm)"
  npm_prefix="$(npm prefix -g 2>/dev/null || echo /usr)"
  if is_root || [ -w "$npm_prefix/lib" ] || [ -w "$npm_prefix/lib/node_modules" ]; then
    say "installing deno ${DENO_VERSION} from npm into $npm_prefix"
    npm install -g "deno@${DENO_VERSION}" >"$npm_log" 2>&1 || {
      tail -20 "$npm_log" >&2
      fail "npm could not install deno@${DENO_VERSION} (log above, full log in $npm_log). Install Deno ${DENO_VERSION} yourself (https://deno.com) and rerun."
    }
    bin_dir="$npm_prefix/bin"
  elif have_sudo; then
    say "installing deno ${DENO_VERSION} from npm into $npm_prefix (with sudo)"
    # The log is the user's file: the redirect is meant to run without sudo.
    # shellcheck disable=SC2024
    sudo npm install -g "deno@${DENO_VERSION}" >"$npm_log" 2>&1 || {
      tail -20 "$npm_log" >&2
      fail "sudo npm could not install deno@${DENO_VERSION} (log above, full log in $npm_log). Install Deno ${DENO_VERSION} yourself (https://deno.com) and rerun."
    }
    bin_dir="$npm_prefix/bin"
  else
    # Not root, no sudo, and npm's global folder is not ours (Debian: /usr).
    say "installing deno ${DENO_VERSION} from npm into $HOME/.local (no root or sudo)"
    npm install -g --prefix "$HOME/.local" "deno@${DENO_VERSION}" >"$npm_log" 2>&1 || {
      tail -20 "$npm_log" >&2
      fail "npm could not install deno@${DENO_VERSION} into $HOME/.local (log above, full log in $npm_log). Install Deno ${DENO_VERSION} yourself (https://deno.com) and rerun."
    }
    bin_dir="$HOME/.local/bin"
  fi
  export PATH="$bin_dir:$PATH"
  hash -r
  deno_ok || fail "deno ${DENO_VERSION} was installed in $bin_dir but does not run: check $npm_log."
  if [ "$(command -v deno)" = "$bin_dir/deno" ]; then
    say "deno is in $bin_dir; to use it in new shells add this line to ~/.profile (or ~/.bashrc):"
    # shellcheck disable=SC2016 # $PATH is printed for the user's profile
    printf '  export PATH="%s:$PATH"\n' "$bin_dir"
  fi
fi

# 2. Software Vulkan for WebGPU on machines without a GPU (optional: oris
#    falls back to its CPU paths without it, but the GPU tests need it).
#    ldconfig is in /sbin, often not on a user's PATH; its list is captured
#    once and searched in the shell (no pipe whose reader may quit early).
has_vulkan_loader() {
  local ldconfig="" libs=""
  if [ -x /sbin/ldconfig ]; then ldconfig=/sbin/ldconfig
  elif command -v ldconfig >/dev/null 2>&1; then ldconfig="$(command -v ldconfig)"
  fi
  if [ -n "$ldconfig" ]; then libs="$("$ldconfig" -p 2>/dev/null || true)"; fi
  [[ "$libs" == *libvulkan.so.1* ]] && return 0
  command -v dpkg-query >/dev/null 2>&1 &&
    [ "$(dpkg-query -W -f='${Status}' libvulkan1 2>/dev/null || true)" = "install ok installed" ]
}
has_vulkan_driver() {
  compgen -G '/usr/share/vulkan/icd.d/*.json' >/dev/null ||
    compgen -G '/etc/vulkan/icd.d/*.json' >/dev/null
}
VULKAN_COMMAND="sudo apt-get install -y mesa-vulkan-drivers libvulkan1"
if has_vulkan_loader && has_vulkan_driver; then
  say "Vulkan loader and a driver present"
elif ! command -v apt-get >/dev/null 2>&1; then
  warn "no Vulkan loader or driver, and no apt-get to install one: WebGPU is unavailable (oris uses its CPU paths). Install your distribution's Mesa Vulkan drivers and Vulkan loader to enable it."
  missing+=("WebGPU: install Mesa's Vulkan drivers and the Vulkan loader with your package manager")
elif ! is_root && ! have_sudo; then
  warn "no Vulkan loader or driver, and no root or sudo to install them: WebGPU is unavailable. Have an administrator run: $VULKAN_COMMAND"
  missing+=("WebGPU: run \`$VULKAN_COMMAND\` (as an administrator), then bash setup.sh again")
else
  say "installing mesa-vulkan-drivers and libvulkan1 (software WebGPU adapter)"
  apt_log="$(logfile apt)"
  if { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq mesa-vulkan-drivers libvulkan1; } >"$apt_log" 2>&1; then
    say "Vulkan installed"
  else
    tail -20 "$apt_log" >&2
    warn "apt-get could not install mesa-vulkan-drivers libvulkan1 (log above, full log in $apt_log): WebGPU is unavailable."
    missing+=("WebGPU: run \`$VULKAN_COMMAND\` (see $apt_log), then bash setup.sh again")
  fi
fi

# 2b. Headless Chromium for the web page's browser test (optional: that test
#     is skipped without it).
CHROMIUM_COMMAND="sudo apt-get install -y chromium"
if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
  say "Chromium present"
elif ! command -v apt-get >/dev/null 2>&1; then
  warn "no Chromium, and no apt-get to install it: the web page's browser test is skipped. Install Chromium with your package manager to run it."
  missing+=("browser test: install Chromium with your package manager")
elif ! is_root && ! have_sudo; then
  warn "no Chromium, and no root or sudo to install it: the web page's browser test is skipped. Have an administrator run: $CHROMIUM_COMMAND"
  missing+=("browser test: run \`$CHROMIUM_COMMAND\` (as an administrator), then bash setup.sh again")
else
  say "installing chromium (headless browser for the web page's test)"
  chromium_log="$(logfile chromium)"
  if { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq chromium; } >"$chromium_log" 2>&1; then
    say "Chromium installed"
  else
    tail -20 "$chromium_log" >&2
    warn "apt-get could not install chromium (log above, full log in $chromium_log): the web page's browser test is skipped."
    missing+=("browser test: run \`$CHROMIUM_COMMAND\` (see $chromium_log), then bash setup.sh again")
  fi
fi

# 3. npm dependencies into ./node_modules (Deno does not run their install scripts).
say "caching npm dependencies"
deno install --quiet ||
  fail "deno install failed: check that the npm registry is reachable (npm ping) and rerun."

# 4. Fixture models for the tests and the demo (deterministic and quick,
#    so they are simply generated again).
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
    warn "could not fetch CLIP's merges; the real-vocabulary tokenizer tests will be skipped"
fi

if [ "${#missing[@]}" -gt 0 ]; then
  printf '\033[33msetup done, except:\033[0m\n' >&2
  for item in "${missing[@]}"; do printf '  - %s\n' "$item" >&2; done
  printf 'Everything else works (deno task test runs; WebGPU tests skip outside CI).\n' >&2
  exit 2
fi
say "done. Run the tests with: deno task test"
