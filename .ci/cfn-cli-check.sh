#!/usr/bin/env bash
# Third-party check of CloudFormation: the AWS CLI (installed from PyPI into a venv) against
# `deployer local serve`: `cloudformation deploy` (which creates, waits for and executes a
# change set), the same deploy again (no changes), describe-stack-events, delete-stack and
# `wait stack-delete-complete`, each answer checked.
# Usage: bash .ci/cfn-cli-check.sh   (builds and starts the emulator itself)
set -euo pipefail
cd "$(dirname "$0")/.."

source .ci/emulator.sh
install_aws_cli
start_emulator
work=$(mktemp -d)
trap 'kill $emulator_pid 2>/dev/null || true; rm -rf "$emulator_log" "$work"' EXIT

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
