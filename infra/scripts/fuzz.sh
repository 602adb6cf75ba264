#!/usr/bin/env bash
# Schemathesis against the whole API as `make run` serves it (campus-local on the
# local AWS stack, with its demo data), reading the API's own GET /api/docs.
# Run inside with-emulator.sh (it sets AWS_ENDPOINT_URL and LOCALSTRIPE_URL).
# Usage: fuzz.sh [max examples per operation]
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
examples="${1:-5}"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
stripe_port=$(free_port)
run="fuzz-$(date +%s)-$$"
emulator="$AWS_ENDPOINT_URL"
set -a
# shellcheck disable=SC1091
source "$here/.env.example"
set +a
export AWS_ENDPOINT_URL="$emulator"
# Its own table and bucket; the emulator and localstripe are the ones given.
export TABLE_NAME="campus-$run" BUCKET_NAME="campus-$run" PORT="$port" \
  WS_MANAGEMENT_URL="http://127.0.0.1:$port" STRIPE_API_BASE="http://127.0.0.1:$stripe_port" \
  LOG_LEVEL=warn \
  RATE_LIMIT_PUBLIC_PER_MINUTE=0 RATE_LIMIT_USER_PER_MINUTE=0 RATE_LIMIT_TEAM_PER_MINUTE=0 \
  RATE_LIMIT_UPLOAD_PER_MINUTE=0 RATE_LIMIT_EXPORT_PER_MINUTE=0 SIGNIN_FAILURES_PER_IP=0
mkdir -p "$here/.local"
log="$here/.local/fuzz-api.log"
"$here/target/debug/campus-local" serve >"$log" 2>&1 &
api=$!
trap 'kill $api 2>/dev/null || true; wait $api 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 300); do
  if curl -fsS -o /dev/null "http://127.0.0.1:$port/api/health" 2>/dev/null; then break; fi
  if ! kill -0 $api 2>/dev/null; then echo "campus-local failed to start; see $log" >&2; exit 1; fi
  sleep 0.1
done
# The demo admin (seeded by campus-local): every operation is tried signed in as
# the most powerful role, so role refusals do not hide the handlers.
token=$(curl -fsS "http://127.0.0.1:$port/api/auth/login" -H 'content-type: application/json' \
  -d '{"email":"admin@demo.campus.local","password":"Campus-demo-2026"}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["accessToken"])')
# Signing out or changing the password would end the session the run uses.
"$here/.venv-fuzz/bin/st" run "http://127.0.0.1:$port/api/docs" \
  --url "http://127.0.0.1:$port" \
  -H "Authorization: Bearer $token" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --phases examples,coverage,fuzzing \
  --max-examples "$examples" \
  --seed 20261129 \
  --generation-database none \
  --exclude-path /api/auth/logout --exclude-path /api/auth/password/change \
  --no-color
