#!/usr/bin/env bash
# Runs the recorded Step Functions conformance cases (shared/conformance) over HTTP against
# ENDPOINT with boto3, and fails when the JSONPath pass rates drop below the floors:
# outputs 97%, histories 95%, over every case. The cases that use JSONata or variables
# (QueryLanguage JSONata, Assign, Output, Arguments) are also counted on their own.
#
# usage: .ci/conformance-http.sh [ENDPOINT]   (default: starts `deployer local serve` itself)
# env:   SFN_SHARED_DIR  where shared/ is (default: ../shared next to the workspace)
#        JOBS            cases run at once (default 8)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
shared="${SFN_SHARED_DIR:-$root/../shared}"
conformance="$shared/conformance"
if [ ! -f "$conformance/tools/run.py" ]; then
    echo "conformance-http: skipped: no conformance cases at $conformance (set SFN_SHARED_DIR)" >&2
    exit 0
fi

venv="$root/target/ci/venv"
if ! "$venv/bin/python" -c 'import boto3' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check boto3
fi

if [ -n "${1:-}" ]; then
    endpoint="$1"
else
    source .ci/emulator.sh
    start_emulator
fi

report="$root/target/ci/conformance-http.json"
# run.py exits 1 when any output differs; the floors below decide.
# Its per-case FAIL lines are left out here: the failures, if any, are listed below from the
# report.
"$venv/bin/python" "$conformance/tools/run.py" "$conformance/cases" "$endpoint" \
    --jobs "${JOBS:-8}" --report "$report" | grep -v '^FAIL ' || true

"$venv/bin/python" - "$conformance/cases" "$report" <<'PY'
import glob, json, os, sys

OUTPUT_FLOOR, HISTORY_FLOOR = 0.97, 0.95
JSONATA_FEATURES = {"assign", "query_language", "evaluate_jsonata"}
JSONATA_FIELDS = {"Assign", "Output", "Arguments"}

def uses_jsonata(node):
    if isinstance(node, dict):
        if node.get("QueryLanguage") == "JSONata" or JSONATA_FIELDS & node.keys():
            return True
        return any(uses_jsonata(v) for v in node.values())
    if isinstance(node, list):
        return any(uses_jsonata(v) for v in node)
    return False

case_dir, report = sys.argv[1], sys.argv[2]
jsonata = set()
for path in glob.glob(os.path.join(case_dir, "**", "*.json"), recursive=True):
    with open(path) as fh:
        case = json.load(fh)
    if case.get("feature") in JSONATA_FEATURES or uses_jsonata(case.get("definition")):
        jsonata.add(case["id"])
with open(report) as fh:
    results = json.load(fh)
if not results:
    sys.exit("conformance-http: no results")
for r in [r for r in results if not r["output_ok"] or r["history_ok"] is False][:20]:
    print(f"case failing: {r['id']}")

def rates(group):
    outputs = sum(1 for r in group if r["output_ok"])
    scored = [r for r in group if r["history_ok"] is not None]
    histories = sum(1 for r in scored if r["history_ok"])
    return outputs, len(group), histories, len(scored)

for label, group in [("JSONPath", [r for r in results if r["id"] not in jsonata]),
                     ("JSONata and variables", [r for r in results if r["id"] in jsonata])]:
    o, n, h, m = rates(group)
    print(f"conformance-http {label}: output {o}/{n}, history {h}/{m}")
o, n, h, m = rates(results)
outputs, histories = o / n, h / max(1, m)
print(f"conformance-http: output {o}/{n} {outputs:.1%} (floor {OUTPUT_FLOOR:.0%}), "
      f"history {h}/{m} {histories:.1%} (floor {HISTORY_FLOOR:.0%})")
if outputs < OUTPUT_FLOOR or histories < HISTORY_FLOOR:
    sys.exit("conformance-http: below the floor")
PY
