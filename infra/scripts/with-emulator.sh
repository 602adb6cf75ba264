#!/usr/bin/env bash
# Runs a command with the local AWS emulator (moto) and the local Stripe server
# (localstripe) up on loopback, then stops them.
# Usage: with-emulator.sh [--port N] command...   (port 0 or none: a free one)
# The command sees AWS_ENDPOINT_URL and TEST_AWS_ENDPOINT_URL (moto) and
# LOCALSTRIPE_URL (localstripe, always on a free port).
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
port=0
if [ "${1:-}" = "--port" ]; then port="$2"; shift 2; fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
if [ "$port" = "0" ]; then port=$(free_port); fi
stripe_port=$(free_port)
mkdir -p "$here/.local"
log="$here/.local/moto-$port.log"
stripe_log="$here/.local/localstripe-$stripe_port.log"
# moto, patched where Campus depends on it: see infra/emulator/server.py.
"$here/.venv/bin/python" "$here/infra/emulator/server.py" "$port" >"$log" 2>&1 &
moto=$!
"$here/.venv/bin/python" "$here/infra/scripts/stripe_server.py" "$stripe_port" >"$stripe_log" 2>&1 &
stripe=$!
trap 'kill $moto $stripe 2>/dev/null || true; wait $moto $stripe 2>/dev/null || true' EXIT INT TERM
wait_for() { # name pid url log
  for _ in $(seq 1 150); do
    if curl -fsS -o /dev/null "$3" 2>/dev/null; then return 0; fi
    if ! kill -0 "$2" 2>/dev/null; then echo "$1 failed to start; see $4" >&2; exit 1; fi
    sleep 0.1
  done
  echo "$1 did not answer in 15 s; see $4" >&2; exit 1
}
wait_for moto $moto "http://127.0.0.1:$port/moto-api/" "$log"
wait_for localstripe $stripe "http://127.0.0.1:$stripe_port/js.stripe.com/v3/" "$stripe_log"
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" TEST_AWS_ENDPOINT_URL="http://127.0.0.1:$port"
export LOCALSTRIPE_URL="http://127.0.0.1:$stripe_port"
"$@"
