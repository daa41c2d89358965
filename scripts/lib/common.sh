#!/usr/bin/env bash
# Shared helpers for the infra scripts: repo paths, instance layout, process control.
#   source scripts/lib/common.sh NAME   # NAME: the component the script runs (its log tag and files)
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE_DIR="$REPO_ROOT/.cache"
INFRA_INSTANCE="${INFRA_INSTANCE:-dev}"
RUN_DIR="$REPO_ROOT/.run/$INFRA_INSTANCE"

log() { printf '[%s] %s\n' "${LOG_TAG:-infra}" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# is_running PIDFILE — true when the pid in PIDFILE is a live process.
is_running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# port_open PORT — true when something accepts TCP connections on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# port_taken PORT — true when the port stays in use for 10 s. A start right after the previous
# process was killed may still see its last connections on the port for a moment; that passes.
port_taken() {
  local i
  for ((i = 0; i < 50; i++)); do
    port_open "$1" || return 1
    sleep 0.2
  done
  return 0
}

# wait_port PORT SECONDS NAME PIDFILE LOGFILE — waits for the port, fails early if the process died.
wait_port() {
  local port=$1 seconds=$2 name=$3 pidfile=$4 logfile=$5 i
  for ((i = 0; i < seconds * 5; i++)); do
    port_open "$port" && return 0
    if ! is_running "$pidfile"; then
      tail -n 30 "$logfile" >&2 || true
      die "$name exited before listening on port $port (log: $logfile)"
    fi
    sleep 0.2
  done
  tail -n 30 "$logfile" >&2 || true
  die "$name did not listen on port $port within ${seconds}s (log: $logfile)"
}

# stop_pid PIDFILE NAME — SIGTERM, wait up to 20s, then SIGKILL.
stop_pid() {
  local pidfile=$1 name=$2 pid i
  if ! is_running "$pidfile"; then rm -f "$pidfile"; return 0; fi
  pid="$(cat "$pidfile")"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; log "$name stopped"; return 0; }
    sleep 0.2
  done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$pidfile"
  log "$name killed after 20s"
}

# infra_files NAME — where this instance keeps the data, pid and log of component NAME.
infra_files() { DATA="$RUN_DIR/$1"; PIDFILE="$RUN_DIR/$1.pid"; LOGFILE="$RUN_DIR/$1.log"; }

# launch NAME PORT SECONDS COMMAND… — runs COMMAND as this instance's daemon of NAME (its log and
# pid file) and waits until it listens on PORT. (8>&-: the daemon must not hold the install lock.)
launch() {
  local name=$1 port=$2 seconds=$3
  shift 3
  log "starting on 127.0.0.1:$port (instance $INFRA_INSTANCE)"
  nohup "$@" >>"$LOGFILE" 2>&1 </dev/null 8>&- &
  echo $! >"$PIDFILE"
  wait_port "$port" "$seconds" "$name" "$PIDFILE" "$LOGFILE"
}

# infra_command NAME PORT WAIT_SECONDS COMMAND — the verbs every infra script shares; the script
# defines `install` and `start`, and DATA / PIDFILE / LOGFILE.
infra_command() {
  local name=$1 port=$2 seconds=$3 command=${4:-}
  case "$command" in
    install) install ;;
    start) start ;;
    stop) stop_pid "$PIDFILE" "$name" ;;
    wait) wait_port "$port" "$seconds" "$name" "$PIDFILE" "$LOGFILE" ;;
    reset) stop_pid "$PIDFILE" "$name"; rm -rf "$DATA" ;;
    status) is_running "$PIDFILE" && echo "running (pid $(cat "$PIDFILE"), port $port)" || { echo stopped; return 1; } ;;
    *) echo "usage: $0 install|start|stop|wait|reset|status" >&2; return 2 ;;
  esac
}

if [ -n "${1:-}" ]; then
  LOG_TAG=$1
  infra_files "$1"
fi
