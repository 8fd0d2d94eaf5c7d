#!/usr/bin/env bash
# Third-party client check: the AWS CLI (installed from PyPI into a venv) against
# `deployer local serve`, one or more calls per emulated service, each answer checked.
# Usage: bash .ci/awscli-check.sh   (builds and starts the emulator itself)
set -euo pipefail
cd "$(dirname "$0")/.."

source .ci/emulator.sh
install_aws_cli
start_emulator

work=$(mktemp -d)

echo "== sts"
check "sts get-caller-identity" 123456789012 "$($aws sts get-caller-identity --query Account --output text)"

echo "== iam"
cat >"$work/trust.json" <<'JSON'
{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"states.amazonaws.com"},"Action":"sts:AssumeRole"}]}
JSON
role_arn=$($aws iam create-role --role-name cli-role --assume-role-policy-document "file://$work/trust.json" --query Role.Arn --output text)
check "iam create-role" "arn:aws:iam::123456789012:role/cli-role" "$role_arn"
check "iam get-role (trust policy kept)" "states.amazonaws.com" \
  "$($aws iam get-role --role-name cli-role --query 'Role.AssumeRolePolicyDocument.Statement[0].Principal.Service' --output text)"
check "iam get-role on a missing role" NoSuchEntity "$(error_code $aws iam get-role --role-name nope)"

echo "== stepfunctions"
sm_arn=$($aws stepfunctions create-state-machine --name cli-machine --role-arn "$role_arn" \
  --definition '{"StartAt":"Hello","States":{"Hello":{"Type":"Pass","Result":{"greeting":"hi"},"ResultPath":"$.out","End":true}}}' \
  --query stateMachineArn --output text)
check "stepfunctions create-state-machine" "arn:aws:states:us-east-1:123456789012:stateMachine:cli-machine" "$sm_arn"
exec_arn=$($aws stepfunctions start-execution --state-machine-arn "$sm_arn" --input '{"n":1}' --query executionArn --output text)
status=RUNNING
for _ in $(seq 50); do
  status=$($aws stepfunctions describe-execution --execution-arn "$exec_arn" --query status --output text)
  [ "$status" != RUNNING ] && break
  sleep 0.1
done
check "stepfunctions execution status" SUCCEEDED "$status"
check "stepfunctions execution output" '{"n":1,"out":{"greeting":"hi"}}' \
  "$($aws stepfunctions describe-execution --execution-arn "$exec_arn" --query output --output text)"
check "stepfunctions get-execution-history" "ExecutionStarted PassStateEntered PassStateExited ExecutionSucceeded" \
  "$($aws stepfunctions get-execution-history --execution-arn "$exec_arn" --query 'events[].type' --output text | tr '\t' ' ')"
check "stepfunctions list-state-machines" cli-machine \
  "$($aws stepfunctions list-state-machines --query 'stateMachines[0].name' --output text)"
check "stepfunctions bad definition" InvalidDefinition \
  "$(error_code $aws stepfunctions create-state-machine --name bad --role-arn "$role_arn" --definition '{"StartAt":"X","States":{}}')"

# Redrive: the branch fails on the first attempt ($$.Execution.RedriveCount is 0) and goes
# through once redriven; the Pass before the Parallel must not run again.
wait_status() { # execution-arn → its status once it is not RUNNING
  local s=RUNNING
  for _ in $(seq 50); do
    s=$($aws stepfunctions describe-execution --execution-arn "$1" --query status --output text)
    [ "$s" != RUNNING ] && break
    sleep 0.1
  done
  echo "$s"
}
redrive_arn=$($aws stepfunctions create-state-machine --name cli-redrive --role-arn "$role_arn" \
  --definition '{"StartAt":"First","States":{"First":{"Type":"Pass","Next":"Work"},"Work":{"Type":"Parallel","End":true,"Branches":[{"StartAt":"Again?","States":{"Again?":{"Type":"Choice","Choices":[{"Variable":"$$.Execution.RedriveCount","NumericEquals":0,"Next":"Boom"}],"Default":"Fine"},"Boom":{"Type":"Fail","Error":"FirstAttempt"},"Fine":{"Type":"Pass","Result":"redriven","End":true}}}]}}}' \
  --query stateMachineArn --output text)
redrive_exec=$($aws stepfunctions start-execution --state-machine-arn "$redrive_arn" --query executionArn --output text)
check "stepfunctions execution that fails first" FAILED "$(wait_status "$redrive_exec")"
check "stepfunctions describe-execution redriveStatus" REDRIVABLE \
  "$($aws stepfunctions describe-execution --execution-arn "$redrive_exec" --query redriveStatus --output text)"
$aws stepfunctions redrive-execution --execution-arn "$redrive_exec" >/dev/null
check "stepfunctions redrive-execution" SUCCEEDED "$(wait_status "$redrive_exec")"
check "stepfunctions redriven output" '["redriven"]' \
  "$($aws stepfunctions describe-execution --execution-arn "$redrive_exec" --query output --output text)"
check "stepfunctions redriveCount" 1 \
  "$($aws stepfunctions describe-execution --execution-arn "$redrive_exec" --query redriveCount --output text)"
check "stepfunctions redriven history (First not again)" 1 \
  "$($aws stepfunctions get-execution-history --execution-arn "$redrive_exec" --query 'length(events[?type==`PassStateEntered` && stateEnteredEventDetails.name==`First`])' --output text)"
check "stepfunctions redrive of a SUCCEEDED execution" ExecutionNotRedrivable \
  "$(error_code $aws stepfunctions redrive-execution --execution-arn "$redrive_exec")"
check "stepfunctions list-executions --redrive-filter REDRIVEN" "$redrive_exec" \
  "$($aws stepfunctions list-executions --state-machine-arn "$redrive_arn" --redrive-filter REDRIVEN --query 'executions[0].executionArn' --output text)"

echo "== dynamodb"
$aws dynamodb create-table --table-name cli-table --attribute-definitions AttributeName=id,AttributeType=S \
  --key-schema AttributeName=id,KeyType=HASH --billing-mode PAY_PER_REQUEST >/dev/null
$aws dynamodb put-item --table-name cli-table --item '{"id":{"S":"job-1"},"token":{"S":"t1"}}' \
  --condition-expression 'attribute_not_exists(id)'
check "dynamodb conditional put that must fail" ConditionalCheckFailedException \
  "$(error_code $aws dynamodb put-item --table-name cli-table --item '{"id":{"S":"job-1"},"token":{"S":"t2"}}' --condition-expression 'attribute_not_exists(id)')"
check "dynamodb get-item (first write kept)" t1 \
  "$($aws dynamodb get-item --table-name cli-table --key '{"id":{"S":"job-1"}}' --consistent-read --query Item.token.S --output text)"
check "dynamodb missing table" ResourceNotFoundException \
  "$(error_code $aws dynamodb get-item --table-name nope --key '{"id":{"S":"x"}}')"
$aws dynamodb transact-write-items --transact-items '[{"Put":{"TableName":"cli-table","Item":{"id":{"S":"job-2"}}}},{"Update":{"TableName":"cli-table","Key":{"id":{"S":"job-1"}},"UpdateExpression":"SET #s = :d","ExpressionAttributeNames":{"#s":"status"},"ExpressionAttributeValues":{":d":{"S":"done"}}}}]' >/dev/null
check "dynamodb transact-write-items (the update written)" done \
  "$($aws dynamodb get-item --table-name cli-table --key '{"id":{"S":"job-1"}}' --query Item.status.S --output text)"
check "dynamodb transact-get-items (the put written)" job-2 \
  "$($aws dynamodb transact-get-items --transact-items '[{"Get":{"TableName":"cli-table","Key":{"id":{"S":"job-2"}}}}]' --query 'Responses[0].Item.id.S' --output text)"
check "dynamodb transact-write-items with a failing check" TransactionCanceledException \
  "$(error_code $aws dynamodb transact-write-items --transact-items '[{"Put":{"TableName":"cli-table","Item":{"id":{"S":"job-3"}}}},{"ConditionCheck":{"TableName":"cli-table","Key":{"id":{"S":"job-1"}},"ConditionExpression":"attribute_not_exists(id)"}}]')"
check "dynamodb cancelled transaction wrote nothing" None \
  "$($aws dynamodb get-item --table-name cli-table --key '{"id":{"S":"job-3"}}' --query Item.id.S --output text)"

echo "== events"
rule_arn=$($aws events put-rule --name cli-rule --event-pattern '{"source":["my.app"],"detail":{"status":["DONE"]}}' --query RuleArn --output text)
check "events put-rule" "arn:aws:events:us-east-1:123456789012:rule/cli-rule" "$rule_arn"
check "events put-events" 0 \
  "$($aws events put-events --entries '[{"Source":"my.app","DetailType":"job","Detail":"{\"status\":\"DONE\"}"}]' --query FailedEntryCount --output text)"
check "events test-event-pattern" True \
  "$($aws events test-event-pattern --event-pattern '{"source":[{"prefix":"my."}]}' \
     --event '{"id":"1","source":"my.app","detail-type":"x","account":"123456789012","time":"2026-01-01T00:00:00Z","region":"us-east-1","resources":[],"detail":{}}' \
     --query Result --output text)"
check "events invalid pattern" InvalidEventPatternException \
  "$(error_code $aws events put-rule --name bad-rule --event-pattern '{"source":"not-a-list"}')"

echo "== s3"
$aws s3api create-bucket --bucket cli-bucket >/dev/null
head -c 20000000 /dev/urandom >"$work/blob"
$aws s3 cp "$work/blob" s3://cli-bucket/dir/blob >/dev/null
$aws s3 cp s3://cli-bucket/dir/blob "$work/blob.back" >/dev/null
check "s3 object round trip (20 MB: a multipart upload)" "$(sha256sum <"$work/blob")" "$(sha256sum <"$work/blob.back")"
check "s3api list-objects-v2" dir/blob "$($aws s3api list-objects-v2 --bucket cli-bucket --query 'Contents[0].Key' --output text)"
check "s3api missing key" 404 "$(error_code $aws s3api head-object --bucket cli-bucket --key nope)"
echo tagged >"$work/tagged"
$aws s3api put-object --bucket cli-bucket --key tagged --body "$work/tagged" --tagging 'env=ci&team=sfn' >/dev/null
check "s3api put-object --tagging, get-object-tagging" "env ci team sfn" \
  "$($aws s3api get-object-tagging --bucket cli-bucket --key tagged --query 'TagSet[].[Key,Value]' --output text | tr '\t\n' '  ' | sed 's/ $//')"
presigned=$($aws s3 presign s3://cli-bucket/tagged)
check "s3 presign (the CLI v1's URL), fetched with curl" tagged "$(curl -s "$presigned")"
$aws s3api put-object-tagging --bucket cli-bucket --key tagged --tagging 'TagSet=[{Key=only,Value=one}]'
check "s3api put-object-tagging" only \
  "$($aws s3api get-object-tagging --bucket cli-bucket --key tagged --query 'TagSet[0].Key' --output text)"

echo "== lambda"
check "lambda list-functions" 0 "$($aws lambda list-functions --query 'length(Functions)' --output text)"
check "lambda missing function" ResourceNotFoundException "$(error_code $aws lambda get-function --function-name nope)"
# A Python and a Node.js function, created from a zip and invoked, as a user would.
mkdir -p "$work/py/pkg" "$work/js"
printf 'def handler(event, context):\n    return {"python": event["n"] * 2}\n' >"$work/py/pkg/app.py"
printf 'exports.handler = async (event) => ({ node: event.n + 1 });\n' >"$work/js/app.js"
python3 -c 'import shutil, sys; shutil.make_archive(sys.argv[1], "zip", sys.argv[2])' "$work/py" "$work/py"
python3 -c 'import shutil, sys; shutil.make_archive(sys.argv[1], "zip", sys.argv[2])' "$work/js" "$work/js"
$aws lambda create-function --function-name cli-python --runtime python3.12 --handler pkg/app.handler \
  --role "$role_arn" --zip-file "fileb://$work/py.zip" >/dev/null
$aws lambda invoke --function-name cli-python \
  --payload '{"n":21}' "$work/py.out" >/dev/null
check "lambda invoke (python3.12, awslambdaric)" '{"python": 42}' "$(cat "$work/py.out")"
if command -v node >/dev/null; then
  $aws lambda create-function --function-name cli-node --runtime nodejs20.x --handler app.handler \
    --role "$role_arn" --zip-file "fileb://$work/js.zip" >/dev/null
  $aws lambda invoke --function-name cli-node \
    --payload '{"n":41}' "$work/js.out" >/dev/null
  check "lambda invoke (nodejs20.x)" '{"node":42}' "$(cat "$work/js.out")"
else
  echo "skipped the Node.js function: node is not on PATH"
fi

echo "== logs"
$aws logs create-log-group --log-group-name /cli/group
check "logs describe-log-groups" /cli/group \
  "$($aws logs describe-log-groups --log-group-name-prefix /cli --query 'logGroups[0].logGroupName' --output text)"
check "logs duplicate group" ResourceAlreadyExistsException "$(error_code $aws logs create-log-group --log-group-name /cli/group)"

rm -rf "$work"
if [ "$failures" -ne 0 ]; then
  echo "AWS CLI check: $failures failure(s)"
  exit 1
fi
echo "AWS CLI check: every answer as expected"
