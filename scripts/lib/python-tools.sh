#!/usr/bin/env bash
# Python tools the tests use (schemathesis: fuzzing the gateway from its OpenAPI document), in a
# venv under .cache/python-tools. Idempotent: nothing is installed (and nothing downloaded) while
# the pinned versions are already there.
#
#   source scripts/lib/python-tools.sh   # exports SCHEMATHESIS_BIN
#   bash scripts/lib/python-tools.sh     # prints the path of the schemathesis binary
#
# When sourced this file does not change the caller's shell options; on failure it prints an
# error and returns non-zero.

TN_SCHEMATHESIS_VERSION=4.32.5

source "$(dirname "${BASH_SOURCE[0]}")/install-once.sh"

_tn_py_log() { printf '[python-tools] %s\n' "$*" >&2; }

# (the two below see the locals of _tn_py_ensure, their caller)
_tn_py_ready() { [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && [ -x "$venv/bin/schemathesis" ]; }

_tn_py_install() {
  _tn_py_log "installing $want into .cache/python-tools"
  # Built in place (a venv's scripts carry absolute paths); the stamp, written last, marks it complete.
  rm -rf "$venv"
  if ! python3 -m venv "$venv" >&2; then
    rm -rf "$venv"
    _tn_py_log "ERROR: python3 -m venv failed (Debian: apt-get install python3-venv)"
    return 1
  fi
  if ! "$venv/bin/pip" install --disable-pip-version-check --no-input --quiet "$want" >&2; then
    rm -rf "$venv"
    _tn_py_log "ERROR: pip install $want failed"
    return 1
  fi
  echo "$want" >"$stamp"
}

_tn_py_ensure() {
  local repo_root venv stamp want
  repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  venv="$repo_root/.cache/python-tools"
  stamp="$venv/.tenantatlas-tools"
  want="schemathesis==$TN_SCHEMATHESIS_VERSION"

  if ! _tn_py_ready; then
    if ! command -v python3 >/dev/null 2>&1; then
      _tn_py_log "ERROR: python3 is needed for $want"
      return 1
    fi
    tn_install_once "$repo_root/.cache/python-tools.lock" _tn_py_ready _tn_py_install || return 1
  fi
  SCHEMATHESIS_BIN="$venv/bin/schemathesis"
  export SCHEMATHESIS_BIN
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  _tn_py_ensure
  echo "$SCHEMATHESIS_BIN"
else
  _tn_py_ensure || return 1
fi
