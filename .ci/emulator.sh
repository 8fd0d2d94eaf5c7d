# Sourced by the .ci scripts that drive the emulator with third-party clients.

# Builds the deployer, starts `deployer local serve --port 0` in the background, sets $endpoint
# and the AWS_* variables that point clients at it, and stops it on exit.
start_emulator() {
  cargo build -q -p deployer
  emulator_log=$(mktemp)
  ./target/debug/deployer local serve --port 0 >"$emulator_log" 2>&1 &
  emulator_pid=$!
  trap 'kill $emulator_pid 2>/dev/null || true; rm -f "$emulator_log"' EXIT
  for _ in $(seq 100); do
    grep -q 'listening on' "$emulator_log" && break
    sleep 0.1
  done
  endpoint=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$emulator_log")
  if [ -z "$endpoint" ]; then
    cat "$emulator_log"
    echo "FAIL: the emulator did not start" >&2
    exit 1
  fi
  export AWS_ENDPOINT_URL="$endpoint" AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
  export AWS_DEFAULT_REGION=us-east-1 AWS_PAGER="" AWS_MAX_ATTEMPTS=1
}

# Installs the AWS CLI from PyPI into a venv under target/ci (once) and sets $aws.
install_aws_cli() {
  local venv=target/ci/awscli-venv
  if [ ! -x "$venv/bin/aws" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check awscli
  fi
  aws="$PWD/$venv/bin/aws"
}

failures=0
# check NAME EXPECTED ACTUAL: prints ok or FAIL and counts failures.
check() {
  if [ "$2" == "$3" ]; then
    echo "ok   $1"
  else
    echo "FAIL $1: expected '$2', got '$3'"
    failures=$((failures + 1))
  fi
}

# error_code COMMAND...: the AWS error code a failing AWS CLI command printed.
error_code() {
  "$@" 2>&1 >/dev/null | sed -n 's/.*An error occurred (\([A-Za-z0-9.]*\)).*/\1/p' | head -n 1
}
