#!/usr/bin/env bash
# Deploys Skein's CDK stack to a running LocalStack with cdklocal, then runs the smoke test
# (localstack/smoke.ts). Needs Docker and LocalStack (see docker-compose.yml); it cannot run on the
# project's build machines, which have no Docker engine. Written from LocalStack's documentation.
set -euo pipefail
cd "$(dirname "$0")/.."

export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}"
export AWS_REGION="${AWS_REGION:-us-east-1}"
export AWS_DEFAULT_REGION="$AWS_REGION"
export AWS_ENDPOINT_URL="${AWS_ENDPOINT_URL:-http://localhost:4566}"
STACK="${STACK:-SkeinLocal}"

if ! curl -fsS "$AWS_ENDPOINT_URL/_localstack/health" >/dev/null; then
  echo "LocalStack is not answering at $AWS_ENDPOINT_URL: start it with" >&2
  echo "  docker compose -f localstack/docker-compose.yml up -d" >&2
  exit 1
fi

# API Gateway v2 (HTTP APIs) is in LocalStack's paid tier: without a token, deploy without the API.
HTTP_API=false
if [ -n "${LOCALSTACK_AUTH_TOKEN:-}" ]; then HTTP_API="${HTTP_API_OVERRIDE:-true}"; fi

# cdklocal wraps the project's own aws-cdk CLI (pinned to 2.1148.1) with LocalStack's endpoints.
CDKLOCAL="npx --yes aws-cdk-local@3.0.4"
(
  cd cdk
  $CDKLOCAL bootstrap "aws://000000000000/$AWS_REGION"
  $CDKLOCAL deploy "$STACK" --require-approval never \
    -c stackName="$STACK" -c httpApi="$HTTP_API" \
    --outputs-file ../localstack/outputs.json
)

node bin/run-ts.mjs localstack/smoke.ts localstack/outputs.json "$STACK"
