#!/usr/bin/env bash
# Third-party check of CloudFormation: the AWS CLI (installed from PyPI into a venv) against
# `deployer local serve`: `cloudformation deploy` (which creates, waits for and executes a
# change set), the same deploy again (no changes), describe-stack-events, delete-stack and
# `wait stack-delete-complete`, each answer checked.
# Usage: bash .ci/cfn-cli-check.sh   (builds and starts the emulator itself)
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/ci/awscli-venv
if [ ! -x "$venv/bin/aws" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q awscli
fi
aws="$venv/bin/aws"

cargo build -q -p deployer
log=$(mktemp)
./target/debug/deployer local serve --port 0 >"$log" 2>&1 &
server=$!
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$log" "$work"' EXIT
for _ in $(seq 50); do
  grep -q 'listening on' "$log" && break
  sleep 0.1
done
endpoint=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$log")
[ -n "$endpoint" ] || { cat "$log"; echo "FAIL: the emulator did not start"; exit 1; }

export AWS_ENDPOINT_URL="$endpoint" AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
export AWS_DEFAULT_REGION=us-east-1 AWS_PAGER="" AWS_MAX_ATTEMPTS=1
failures=0
check() { # check NAME EXPECTED ACTUAL
  if [ "$2" == "$3" ]; then echo "ok   $1"; else echo "FAIL $1: expected '$2', got '$3'"; failures=$((failures + 1)); fi
}

cat >"$work/stack.yaml" <<'YAML'
AWSTemplateFormatVersion: "2010-09-09"
Description: cfn-cli-check
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
  Logs:
    Type: AWS::Logs::LogGroup
    Properties:
      RetentionInDays: 7
Outputs:
  TableName:
    Value: !Ref Table
YAML

echo "== deploy (create)"
out=$($aws cloudformation deploy --template-file "$work/stack.yaml" --stack-name cli-stack 2>&1) || {
  echo "$out"; echo "FAIL cloudformation deploy"; exit 1; }
check "deploy reports success" "Successfully created/updated stack - cli-stack" "$(echo "$out" | grep -o 'Successfully created/updated stack - cli-stack')"
check "describe-stacks status" CREATE_COMPLETE \
  "$($aws cloudformation describe-stacks --stack-name cli-stack --query 'Stacks[0].StackStatus' --output text)"
table=$($aws cloudformation describe-stacks --stack-name cli-stack --query "Stacks[0].Outputs[?OutputKey=='TableName'].OutputValue" --output text)
check "the table exists in DynamoDB" "$table" \
  "$($aws dynamodb describe-table --table-name "$table" --query Table.TableName --output text)"

echo "== deploy (no changes)"
set +e
out=$($aws cloudformation deploy --template-file "$work/stack.yaml" --stack-name cli-stack --no-fail-on-empty-changeset 2>&1)
status=$?
set -e
check "deploy with no changes exits 0" 0 "$status"
check "deploy with no changes says so" "No changes to deploy. Stack cli-stack is up to date" \
  "$(echo "$out" | grep -o 'No changes to deploy. Stack cli-stack is up to date')"

echo "== describe-stack-events"
check "newest event is the stack's CREATE_COMPLETE" "cli-stack CREATE_COMPLETE" \
  "$($aws cloudformation describe-stack-events --stack-name cli-stack --query 'StackEvents[0].[LogicalResourceId,ResourceStatus]' --output text | tr '\t' ' ')"
check "each resource completed" "Logs Table" \
  "$($aws cloudformation describe-stack-events --stack-name cli-stack \
     --query "sort(StackEvents[?ResourceStatus=='CREATE_COMPLETE' && ResourceType!='AWS::CloudFormation::Stack'].LogicalResourceId)" --output text | tr '\t' ' ')"

echo "== delete-stack"
stack_id=$($aws cloudformation describe-stacks --stack-name cli-stack --query 'Stacks[0].StackId' --output text)
$aws cloudformation delete-stack --stack-name cli-stack
$aws cloudformation wait stack-delete-complete --stack-name cli-stack
check "deleted stack by id" DELETE_COMPLETE \
  "$($aws cloudformation describe-stacks --stack-name "$stack_id" --query 'Stacks[0].StackStatus' --output text)"
check "the table is gone" "" \
  "$($aws dynamodb list-tables --query 'TableNames' --output text)"

if [ "$failures" -ne 0 ]; then
  echo "CloudFormation CLI check: $failures failure(s)"
  exit 1
fi
echo "CloudFormation CLI check: every answer as expected"
