#!/usr/bin/env bash
# Sourced by the top-level scripts: Node 24 on PATH, dependencies installed, everything built.
source "$(dirname "${BASH_SOURCE[0]}")/node.sh"
_setup_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export TURBO_TELEMETRY_DISABLED=1 TURBO_NO_UPDATE_NOTIFIER=1 NPM_CONFIG_UPDATE_NOTIFIER=false
# `npm install` honours package-lock.json and its postinstall applies patches/ (patch-package); it
# is skipped while the lock and the patches match the last install.
_setup_stamp="$_setup_root/node_modules/.tenantatlas-lock.sha"
_setup_sha="$({ cat "$_setup_root/package-lock.json"; cat "$_setup_root"/patches/*.patch 2>/dev/null || true; } | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$_setup_stamp" 2>/dev/null)" != "$_setup_sha" ]; then
  printf '[setup] installing npm dependencies…\n' >&2
  (cd "$_setup_root" && npm install --no-audit --no-fund --loglevel=error) >&2 || return 1
  echo "$_setup_sha" >"$_setup_stamp"
fi
printf '[setup] building…\n' >&2
(cd "$_setup_root" && npx turbo run build --output-logs=errors-only) >&2 || return 1
