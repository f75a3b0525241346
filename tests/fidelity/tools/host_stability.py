#!/usr/bin/env python3
"""Runs fidelity cases on the host kernel several times and says which are stable.

    tests/fidelity/tools/host_stability.py [--runs N] [--runner PATH] [--json OUT] CASES...

CASES are case files or directories of them (searched recursively). Each case runs N
times (default 5) through the native runner alone (vmlab is not involved); a case is
stable if every run records the same value for every field. Otherwise each field that
varied is printed with the values the runs gave, in run order. A case the runner
cannot run is reported with its error. With --json, the findings are also written as
{case: {"runs": N, "varied": {step field: [values]}, "errors": [...]}}.

This is how docs/fidelity.md's list of racy pressure cases was made: Linux's answer to
a case whose reclaim races the disk varies from run to run, and such a field can only
be compared where the case skips it.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_RUNNER = os.path.join(HERE, "..", "..", "..", "build", "src", "fidelity", "vmlab-native-runner")


def load_cases(paths):
    files = []
    for p in paths:
        if os.path.isdir(p):
            for root, _, names in os.walk(p):
                files += [os.path.join(root, n) for n in names if n.endswith(".json")]
        else:
            files.append(p)
    cases = []
    for f in sorted(files):
        with open(f) as fh:
            j = json.load(fh)
        if isinstance(j, dict) and "cases" in j:
            j = j["cases"]
        cases += j if isinstance(j, list) else [j]
    return cases


def run_once(runner, case, workdir):
    case_file = os.path.join(workdir, "case.json")
    with open(case_file, "w") as fh:
        json.dump(case, fh)
    files = os.path.join(workdir, "files")
    os.makedirs(files, exist_ok=True)
    out = subprocess.run([runner, "--dir", files, case_file], capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        return None, "runner exited with %d: %s" % (out.returncode, out.stderr[:300])
    record = json.loads(out.stdout)[0]
    if record.get("error"):
        return None, record["error"]
    fields = {}
    for step in record["steps"]:
        for name, value in step["fields"]:
            fields["%s %s" % (step["label"], name)] = value
    return fields, None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("cases", nargs="+")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--runner", default=DEFAULT_RUNNER)
    ap.add_argument("--json", help="also write the findings here")
    ap.add_argument("--filter", default="", help="only cases whose name contains this")
    args = ap.parse_args()
    findings = {}
    stable = 0
    # Rule cases are checked against Linux's rule on vmlab alone, never on the host.
    cases = [c for c in load_cases(args.cases) if args.filter in c["name"] and c.get("linux") != "rule"]
    for case in cases:
        runs, errors = [], []
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory(prefix="vmlab-stability.") as workdir:
                fields, error = run_once(args.runner, case, workdir)
            if error:
                errors.append(error)
            else:
                runs.append(fields)
        varied = {}
        for key in sorted(set().union(*runs)) if runs else []:
            values = [r.get(key, "(none)") for r in runs]
            if len(set(values)) > 1:
                varied[key] = values
        findings[case["name"]] = {"runs": args.runs, "varied": varied, "errors": errors}
        if not varied and not errors:
            stable += 1
            print("%s: stable in %d runs" % (case["name"], args.runs), flush=True)
            continue
        print("%s: %d of %d runs failed, %d fields varied" % (case["name"], len(errors), args.runs, len(varied)),
              flush=True)
        for e in errors[:2]:
            print("  error: %s" % e)
        for key, values in varied.items():
            print("  %s: %s" % (key, " ".join(values)))
    print("stability: %d cases, %d stable in %d runs" % (len(cases), stable, args.runs))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(findings, fh, indent=1, sort_keys=True)
    return 0 if stable == len(cases) else 1


if __name__ == "__main__":
    sys.exit(main())
