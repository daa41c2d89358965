#!/usr/bin/env bash
# Sourced by the scripts that install a tool into .cache once (Node 24, the Python tools, Go tools):
#   tn_install_once LOCK_FILE READY INSTALL
# runs the function INSTALL in a subshell unless the function READY is true, holding LOCK_FILE:
# several scripts started at once wait for the first installer and then find the tool ready,
# instead of installing it twice. Returns INSTALL's status. Changes no shell option of the caller.
tn_install_once() {
  local lock=$1 ready=$2 install=$3
  "$ready" && return 0
  mkdir -p "$(dirname "$lock")"
  (
    exec 9>"$lock"
    flock 9
    "$ready" && exit 0
    "$install"
  )
}
