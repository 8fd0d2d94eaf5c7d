#!/usr/bin/env bash
# Lints the CloudFormation templates `deployer render` prints (the demo stack and resumer stacks
# with several flag sets) with cfn-lint (PyPI), installed into a venv under target/ci.
# Errors fail the check; warnings are shown.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="target/ci/venv-cfn-lint"  # pinned below: new cfn-lint rules must not break CI unannounced
if [ ! -x "$venv/bin/cfn-lint" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'cfn-lint==1.58.0'
fi
cargo build --quiet -p deployer
deployer=target/debug/deployer
out=target/ci/rendered
rm -rf "$out"
mkdir -p "$out"
"$deployer" render demo >"$out/demo.yaml"
"$deployer" render resumer --name-suffix orders \
  --event-pattern '{"source": ["shop.orders"], "detail-type": ["OrderShipped"]}' \
  --path-to-id-pause-task '$.orderId' --path-to-id-workflow '$.detail.orderId' \
  >"$out/resumer-minimal.yaml"
"$deployer" render resumer --name-suffix payments-2 \
  --event-pattern '{"source": ["pay"], "detail": {"status": ["ok"], "amount": [{"numeric": [">", 0]}]}}' \
  --failure-event-pattern '{"source": ["pay"], "detail": {"status": ["declined"]}}' \
  --path-to-id-pause-task "\$['payment']['id']" --path-to-id-workflow '$.detail.id' \
  --removal-policy destroy --timeout-seconds 3600 \
  >"$out/resumer-full.yaml"
# cfn-lint exit status: bit 2 errors, bit 4 warnings, bit 8 informational. Only errors fail.
status=0
"$venv/bin/cfn-lint" --format parseable -- "$out"/*.yaml || status=$?
if [ $((status & 2)) -ne 0 ] || [ $((status & 1)) -ne 0 ]; then
  echo "cfn-lint: errors in the rendered templates ($out)" >&2
  exit 1
fi
echo "cfn-lint: $(ls "$out" | wc -l) rendered templates, no errors"
