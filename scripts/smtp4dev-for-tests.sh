#!/usr/bin/env bash
# Runs smtp4dev (restored by install-smtp4dev.sh) for the test process whose id is $1, and stops
# it when that process ends: a test host that is killed runs no clean-up of its own. smtp4dev
# runs in a process group of its own, so stopping the group also stops the server that
# "dotnet tool run" starts. The other arguments go to smtp4dev.
set -euo pipefail
owner=$1
shift
cd "$(dirname "$0")/.."
setsid dotnet tool run smtp4dev "$@" &
server=$!
trap 'kill -- -"$server" 2>/dev/null || true' EXIT
while kill -0 "$owner" 2>/dev/null && kill -0 "$server" 2>/dev/null; do
  sleep 1
done
