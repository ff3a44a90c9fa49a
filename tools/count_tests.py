#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Counts passed/failed checks from a Meson testlog.json.

A doctest executable contributes its test cases (from its own summary line);
any other test counts as one. A test that crashed or failed after its
summary still adds one failure. Skipped tests (exit 77) are not counted.
Prints "<passed> <failed> <skipped>" on stdout; details on stderr.
"""
import json
import re
import sys

DOCTEST = re.compile(r"\[doctest\] test cases:\s*(\d+)\s*\|\s*(\d+) passed\s*\|\s*(\d+) failed")


def count(path, label):
    passed = failed = skipped = 0
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            t = json.loads(line)
            name, result = t.get("name", "?"), t.get("result", "?")
            out = (t.get("stdout") or "") + (t.get("stderr") or "")
            m = DOCTEST.findall(out)
            if result == "SKIP":
                skipped += 1
                print(f"  [{label}] SKIP {name}", file=sys.stderr)
                continue
            if m:
                _, p, fl = (int(x) for x in m[-1])
                passed += p
                failed += fl
                if result != "OK" and fl == 0:
                    failed += 1
                print(f"  [{label}] {result:7} {name}: {p} passed, {fl} failed", file=sys.stderr)
            elif result == "OK":
                passed += 1
                print(f"  [{label}] OK      {name}", file=sys.stderr)
            else:
                failed += 1
                print(f"  [{label}] {result:7} {name}", file=sys.stderr)
    return passed, failed, skipped


if __name__ == "__main__":
    p, f, s = count(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "tests")
    print(p, f, s)
