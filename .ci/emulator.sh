# Sourced by the .ci scripts: `start_emulator` builds the deployer, starts
# `deployer local serve --port 0` in the background, sets $endpoint, and stops it on exit.
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
}
