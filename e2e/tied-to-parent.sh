#!/usr/bin/env bash
# Usage: tied-to-parent.sh PARENT_PID COMMAND [ARGS...]
# Runs a test server for as long as the e2e process PARENT_PID lives. The e2e stops its servers itself
# when it ends, also on failure; this covers the ends it cannot handle (SIGKILL, or a SIGINT that
# arrives while it waits synchronously on kubectl), so no server outlives it. Exits with the server's
# exit code.
set -u
parent=$1
shift
"$@" &
server=$!
stop_server() {
  kill -TERM "$server" 2>/dev/null
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    kill -0 "$server" 2>/dev/null || break
    sleep 0.5
  done
  kill -KILL "$server" 2>/dev/null
}
trap 'stop_server; wait "$server"; exit $?' TERM INT
while kill -0 "$parent" 2>/dev/null && kill -0 "$server" 2>/dev/null; do
  sleep 0.5
done
kill -0 "$server" 2>/dev/null && stop_server
wait "$server"
