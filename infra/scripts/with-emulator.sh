#!/usr/bin/env bash
# Runs a command with the local AWS emulator (moto) up on loopback, then stops it.
# Usage: with-emulator.sh [--port N] command...   (port 0 or none: a free one)
# The command sees AWS_ENDPOINT_URL and TEST_AWS_ENDPOINT_URL.
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
port=0
if [ "${1:-}" = "--port" ]; then port="$2"; shift 2; fi
if [ "$port" = "0" ]; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
fi
log="$here/.local/moto-$port.log"
mkdir -p "$here/.local"
# One request at a time: see moto_serial.py for why.
"$here/.venv/bin/python" "$here/infra/scripts/moto_serial.py" "$port" >"$log" 2>&1 &
moto=$!
trap 'kill $moto 2>/dev/null || true; wait $moto 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/moto-api/" >/dev/null 2>&1; then break; fi
  if ! kill -0 $moto 2>/dev/null; then echo "moto failed to start; see $log" >&2; exit 1; fi
  sleep 0.1
done
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" TEST_AWS_ENDPOINT_URL="http://127.0.0.1:$port"
"$@"
