#!/bin/sh
# Container entry point for a sandbox image: starts execd in the background, then the sandbox's
# own command; SIGTERM and SIGINT are forwarded to that command, and the script exits with its
# status (execd is then sent SIGTERM). POSIX sh only, so it runs under bash, dash and busybox.
#
#   bootstrap.sh <command> [args...]    run the command
#   bootstrap.sh -c '<shell command>'   run it with $BOOTSTRAP_SHELL -c (bash, else sh)
#   BOOTSTRAP_CMD='<shell command>'     the same, from the environment
#   bootstrap.sh                        an interactive shell
#
# Environment: EXECD (default: execd beside this script; word-split, so it may carry flags),
# EXECD_ENVS (default /opt/opensandbox/.env; created, exported), EXECD_BOOTSTRAP_PRE_SCRIPT
# (sourced first when set), BOOTSTRAP_SHELL.

case $0 in
  */*) here=${0%/*} ;;
  *) here=. ;;
esac
EXECD=${EXECD:-$here/execd}
EXECD_ENVS=${EXECD_ENVS:-/opt/opensandbox/.env}
mkdir -p "${EXECD_ENVS%/*}" 2>/dev/null
: >>"$EXECD_ENVS"
export EXECD EXECD_ENVS

if [ -n "${EXECD_BOOTSTRAP_PRE_SCRIPT:-}" ]; then
  # shellcheck disable=SC1090
  . "$EXECD_BOOTSTRAP_PRE_SCRIPT"
fi

if [ -z "${BOOTSTRAP_SHELL:-}" ]; then
  if command -v bash >/dev/null 2>&1; then BOOTSTRAP_SHELL=bash; else BOOTSTRAP_SHELL=sh; fi
fi

# shellcheck disable=SC2086
$EXECD &
execd_pid=$!

if [ -n "${BOOTSTRAP_CMD:-}" ]; then
  set -- "$BOOTSTRAP_SHELL" -c "$BOOTSTRAP_CMD"
elif [ "${1:-}" = "-c" ] && [ $# -ge 2 ]; then
  set -- "$BOOTSTRAP_SHELL" -c "$2"
elif [ $# -eq 0 ]; then
  exec "$BOOTSTRAP_SHELL"
fi

# A background job's stdin would be /dev/null; hand it the real one through fd 3.
exec 3<&0
"$@" <&3 3<&- &
command_pid=$!
exec 3<&-
trap 'kill -TERM "$command_pid" 2>/dev/null' TERM
trap 'kill -INT "$command_pid" 2>/dev/null' INT

# wait returns early (status > 128) when a trapped signal arrives: wait again while the command
# runs. Once it ended, the shell remembers its status until a wait collected it; a further wait on
# a collected pid answers 127.
while :; do
  wait "$command_pid"
  status=$?
  kill -0 "$command_pid" 2>/dev/null && continue
  wait "$command_pid" 2>/dev/null
  remembered=$?
  [ "$remembered" -eq 127 ] || status=$remembered
  break
done
kill -TERM "$execd_pid" 2>/dev/null
exit "$status"
