#!/usr/bin/env python3
"""Runs the interpreter benchmark workloads in moto, for `cargo xtask bench --moto`.

The workloads file is written by `cargo xtask bench --moto` from `xtask::workloads`: a JSON
array of {"name", "definition", "input", "expectedOutput"}, the very definitions and inputs the
Rust benchmark runs. For each workload, in moto in-process (mock_aws with the stepfunctions
`execute_state_machine` option), this creates the state machine once, then times executions end
to end: StartExecution, then DescribeExecution polled until the status leaves RUNNING. The
first execution is a warm-up (untimed); every execution must end SUCCEEDED with the expected
output. Peak memory is measured in a child process per workload (see `peak`).

Prints one line per workload and writes to --out a JSON array of {"name", "runs", "seconds"
(each run's), "cpuSecondsPerRun", "meanSeconds", "execPerSecond", "memory": {"baselineKiB",
"peakKiB", "hwmReset"}}.
"""

import argparse
import json
import subprocess
import sys
import time
import uuid

import boto3
from moto import mock_aws

ROLE_ARN = "arn:aws:iam::123456789012:role/bench"
# DescribeExecution polling period: well under the executions' durations.
POLL_SECONDS = 0.01
TINY = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}


def sfn_client():
    return boto3.client("stepfunctions", region_name="us-east-1")


def create(client, name, definition):
    response = client.create_state_machine(
        name=name, definition=json.dumps(definition), roleArn=ROLE_ARN
    )
    return response["stateMachineArn"]


def execute(client, machine_arn, input_text):
    """One execution, start to end; returns its wall-clock seconds, the DescribeExecution
    response that saw it end, and the CPU seconds this thread spent polling for it."""
    start = time.perf_counter()
    execution_arn = client.start_execution(
        stateMachineArn=machine_arn, name=uuid.uuid4().hex, input=input_text
    )["executionArn"]
    polling = 0.0
    while True:
        before = time.thread_time()
        described = client.describe_execution(executionArn=execution_arn)
        polling += time.thread_time() - before
        if described["status"] != "RUNNING":
            return time.perf_counter() - start, described, polling
        time.sleep(POLL_SECONDS)


def check(workload, described):
    if described["status"] != "SUCCEEDED":
        sys.exit(f"{workload['name']}: moto ended {described['status']}: {described}")
    output = json.loads(described["output"])
    if output != workload["expectedOutput"]:
        sys.exit(f"{workload['name']}: moto's output differs: {described['output'][:200]}")


def time_workload(workload, min_runs, min_seconds):
    """Each execution's wall-clock seconds, and the process's CPU seconds over them all less
    the polling's (what the execution itself cost), for at least min_runs runs and min_seconds
    in total."""
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        client = sfn_client()
        machine_arn = create(client, workload["name"], workload["definition"])
        input_text = json.dumps(workload["input"])
        _, described, _ = execute(client, machine_arn, input_text)
        check(workload, described)
        times = []
        polling = 0.0
        cpu = time.process_time()
        while len(times) < min_runs or sum(times) < min_seconds:
            seconds, described, poll_cpu = execute(client, machine_arn, input_text)
            check(workload, described)
            times.append(seconds)
            polling += poll_cpu
        cpu = time.process_time() - cpu - polling
    return times, cpu


def status_kib(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def peak(workload):
    """Child process: warm moto's interpreter up with a one-Pass execution, note VmRSS, reset
    the high-water mark (5 into /proc/self/clear_refs), run the workload once and print VmHWM
    with the execution still held by moto."""
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        client = sfn_client()
        tiny_arn = create(client, "tiny", TINY)
        execute(client, tiny_arn, "{}")
        machine_arn = create(client, workload["name"], workload["definition"])
        input_text = json.dumps(workload["input"])
        baseline = status_kib("VmRSS:")
        try:
            with open("/proc/self/clear_refs", "w") as clear_refs:
                clear_refs.write("5")
            reset = True
        except OSError:
            reset = False
        _, described, _ = execute(client, machine_arn, input_text)
        high_water = status_kib("VmHWM:")
        check(workload, described)
    print(json.dumps({"baselineKiB": baseline, "peakKiB": high_water, "hwmReset": reset}))


def measure_peak(workloads_path, name):
    child = subprocess.run(
        [sys.executable, __file__, workloads_path, "--peak", name],
        capture_output=True,
        text=True,
        check=False,
    )
    if child.returncode != 0:
        print(f"{name}: peak memory not measured: {child.stderr}", file=sys.stderr)
        return None
    return json.loads(child.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workloads", help="the JSON array of workloads")
    parser.add_argument("--out", help="where to write the figures (JSON)")
    parser.add_argument("--min-runs", type=int, default=3)
    parser.add_argument("--min-seconds", type=float, default=10.0)
    parser.add_argument("--peak", metavar="NAME", help=argparse.SUPPRESS)
    args = parser.parse_args()
    with open(args.workloads) as f:
        workloads = json.load(f)
    if args.peak:
        peak(next(w for w in workloads if w["name"] == args.peak))
        return
    results = []
    for workload in workloads:
        times, cpu = time_workload(workload, args.min_runs, args.min_seconds)
        mean = sum(times) / len(times)
        memory = measure_peak(args.workloads, workload["name"])
        results.append(
            {
                "name": workload["name"],
                "runs": len(times),
                "seconds": times,
                "cpuSecondsPerRun": cpu / len(times),
                "meanSeconds": mean,
                "execPerSecond": 1.0 / mean,
                "memory": memory,
            }
        )
        line = (
            f"moto {workload['name']}: {len(times)} runs, {mean * 1000:.1f} ms each "
            f"({cpu / len(times) * 1000:.1f} ms of CPU without the polling), "
            f"{1.0 / mean:.3g} exec/s"
        )
        if memory:
            peak_mib = memory["peakKiB"] / 1024
            added_mib = (memory["peakKiB"] - memory["baselineKiB"]) / 1024
            line += f", peak RSS {peak_mib:.1f} MiB ({added_mib:+.1f})"
        print(line, flush=True)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
