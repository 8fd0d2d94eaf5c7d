#!/usr/bin/env bash
# Third-party check of CloudFormation: the AWS CLI (installed from PyPI into a venv) against
# `deployer local serve`: `cloudformation deploy` (which creates, waits for and executes a
# change set), the same deploy again (no changes), describe-stack-events, delete-stack and
# `wait stack-delete-complete`, each answer checked. The stack: a role, a DynamoDB table, a state
# machine using DefinitionSubstitutions and an EventBridge rule targeting it; it runs, an update
# changes it in place, a broken update rolls back to the working state, and delete-stack
# removes every object.
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
Parameters:
  Greeting: {Type: String, Default: hello}
  Then: {Type: String, Default: Done}
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
  MachineRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Principal: {Service: states.amazonaws.com}, Action: "sts:AssumeRole"}]
      Policies:
        - PolicyName: save
          PolicyDocument:
            Version: "2012-10-17"
            Statement: [{Effect: Allow, Action: ["dynamodb:PutItem"], Resource: !GetAtt Table.Arn}]
  Machine:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      RoleArn: !GetAtt MachineRole.Arn
      DefinitionString: |
        {"StartAt": "Save", "States": {
          "Save": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
                   "Parameters": {"TableName": "${TableName}",
                                  "Item": {"id": {"S.$": "$.id"}, "greeting": {"S": "${Greeting}"}}},
                   "ResultPath": null, "Next": "${Then}"},
          "Done": {"Type": "Pass", "Result": "${Greeting}", "ResultPath": "$.greeting", "End": true}}}
      DefinitionSubstitutions:
        TableName: !Ref Table
        Greeting: !Ref Greeting
        Then: !Ref Then
  EventsRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Principal: {Service: events.amazonaws.com}, Action: "sts:AssumeRole"}]
      Policies:
        - PolicyName: start
          PolicyDocument:
            Version: "2012-10-17"
            Statement: [{Effect: Allow, Action: ["states:StartExecution"], Resource: !Ref Machine}]
  Rule:
    Type: AWS::Events::Rule
    Properties:
      EventPattern: {source: [cli.check]}
      Targets: [{Id: machine, Arn: !Ref Machine, RoleArn: !GetAtt EventsRole.Arn, InputPath: $.detail}]
Outputs:
  TableName:
    Value: !Ref Table
  MachineArn:
    Value: !Ref Machine
YAML

deploy() { # deploy [parameter overrides...]
  # The CLI names its change set awscli-cloudformation-package-deploy-<unix seconds>; two deploys
  # within one second would reuse the name, which CloudFormation refuses (AlreadyExists).
  sleep 1
  $aws cloudformation deploy --template-file "$work/stack.yaml" --stack-name cli-stack \
    --capabilities CAPABILITY_IAM --no-fail-on-empty-changeset \
    ${1:+--parameter-overrides "$@"} 2>&1
}
output() { # output KEY
  $aws cloudformation describe-stacks --stack-name cli-stack \
    --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text
}
run_machine() { # run_machine ID: the greeting the execution ends with
  local arn status=RUNNING
  arn=$($aws stepfunctions start-execution --state-machine-arn "$machine" --input "{\"id\":\"$1\"}" \
    --query executionArn --output text)
  for _ in $(seq 100); do
    status=$($aws stepfunctions describe-execution --execution-arn "$arn" --query status --output text)
    [ "$status" != RUNNING ] && break
    sleep 0.1
  done
  $aws stepfunctions describe-execution --execution-arn "$arn" --query output --output text |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["greeting"])'
}
stored_greeting() { # stored_greeting ID
  $aws dynamodb get-item --table-name "$table" --key "{\"id\":{\"S\":\"$1\"}}" \
    --query Item.greeting.S --output text
}

echo "== deploy (create, CAPABILITY_IAM)"
out=$(deploy) || { echo "$out"; echo "FAIL cloudformation deploy"; exit 1; }
check "deploy reports success" "Successfully created/updated stack - cli-stack" "$(echo "$out" | grep -o 'Successfully created/updated stack - cli-stack')"
check "describe-stacks status" CREATE_COMPLETE \
  "$($aws cloudformation describe-stacks --stack-name cli-stack --query 'Stacks[0].StackStatus' --output text)"
table=$(output TableName)
machine=$(output MachineArn)
check "the table exists in DynamoDB" "$table" \
  "$($aws dynamodb describe-table --table-name "$table" --query Table.TableName --output text)"
check "the state machine runs (substituted greeting)" hello "$(run_machine a)"
check "it wrote to the substituted table" hello "$(stored_greeting a)"
$aws events put-events --entries '[{"Source":"cli.check","DetailType":"x","Detail":"{\"id\":\"from-event\"}"}]' >/dev/null
for _ in $(seq 50); do [ "$(stored_greeting from-event)" == hello ] && break; sleep 0.1; done
check "the rule starts the state machine" hello "$(stored_greeting from-event)"

echo "== deploy (no changes)"
set +e
out=$(deploy)
status=$?
set -e
check "deploy with no changes exits 0" 0 "$status"
check "deploy with no changes says so" "No changes to deploy. Stack cli-stack is up to date" \
  "$(echo "$out" | grep -o 'No changes to deploy. Stack cli-stack is up to date')"

echo "== deploy (update in place)"
out=$(deploy Greeting=bonjour) || { echo "$out"; echo "FAIL update"; exit 1; }
check "update status" UPDATE_COMPLETE \
  "$($aws cloudformation describe-stacks --stack-name cli-stack --query 'Stacks[0].StackStatus' --output text)"
check "same state machine (updated in place)" "$machine" "$(output MachineArn)"
check "the updated definition runs" bonjour "$(run_machine b)"

echo "== deploy (broken update rolls back)"
set +e
out=$(deploy Greeting=bonjour Then=Nowhere)
status=$?
set -e
check "broken deploy fails" 255 "$status"
check "stack rolled back" UPDATE_ROLLBACK_COMPLETE \
  "$($aws cloudformation describe-stacks --stack-name cli-stack --query 'Stacks[0].StackStatus' --output text)"
reason=$($aws cloudformation describe-stack-events --stack-name cli-stack \
  --query "StackEvents[?LogicalResourceId=='Machine' && ResourceStatus=='UPDATE_FAILED'] | [0].ResourceStatusReason" --output text)
check "the failure names the invalid definition" "Invalid State Machine Definition" \
  "$(echo "$reason" | grep -o 'Invalid State Machine Definition')"
check "the previous definition still runs" bonjour "$(run_machine c)"

echo "== describe-stack-events"
check "newest event is the stack's UPDATE_ROLLBACK_COMPLETE" "cli-stack UPDATE_ROLLBACK_COMPLETE" \
  "$($aws cloudformation describe-stack-events --stack-name cli-stack --query 'StackEvents[0].[LogicalResourceId,ResourceStatus]' --output text | tr '\t' ' ')"
check "each resource was created" "EventsRole Machine MachineRole Rule Table" \
  "$($aws cloudformation describe-stack-events --stack-name cli-stack \
     --query "sort(StackEvents[?ResourceStatus=='CREATE_COMPLETE' && ResourceType!='AWS::CloudFormation::Stack'].LogicalResourceId)" --output text | tr '\t' ' ')"

echo "== delete-stack"
stack_id=$($aws cloudformation describe-stacks --stack-name cli-stack --query 'Stacks[0].StackId' --output text)
$aws cloudformation delete-stack --stack-name cli-stack
$aws cloudformation wait stack-delete-complete --stack-name cli-stack
check "deleted stack by id" DELETE_COMPLETE \
  "$($aws cloudformation describe-stacks --stack-name "$stack_id" --query 'Stacks[0].StackStatus' --output text)"
check "the table is gone" "" "$($aws dynamodb list-tables --query 'TableNames' --output text)"
check "the state machine is gone" "" "$($aws stepfunctions list-state-machines --query 'stateMachines[].name' --output text)"
check "the rule is gone" "" "$($aws events list-rules --query 'Rules[].Name' --output text)"
check "the roles are gone" "" "$($aws iam list-roles --query 'Roles[].RoleName' --output text)"

if [ "$failures" -ne 0 ]; then
  echo "CloudFormation CLI check: $failures failure(s)"
  exit 1
fi
echo "CloudFormation CLI check: every answer as expected"
