#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""docs/walkthrough.md (issue 15) stays true as the code moves.

Every `file:function` the page cites must name a file of the repository
that defines that function (a `Class::method` is found as written in a .cpp,
or as `method(` inside `class/struct Class` in a header); every repository
path it names must exist; every doctest filter in a command (-tc='...') must
match a TEST_CASE; the eight steps and the four troubleshooting symptoms must
all be there, each table row with an RFC section, a citation and a command.
A self-check first feeds the checker a made-up citation, so the test cannot
pass by finding nothing.

Usage: walkthrough_test.py SOURCE_ROOT
"""
import fnmatch
import os
import re
import sys

CITATION = re.compile(r"`([A-Za-z0-9_./-]+\.(?:cpp|hpp|h|py|sh|js)):([A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_~][A-Za-z0-9_]*)*)`")
PATH = re.compile(r"`((?:tests|tools|docs|sdp|ice|dtls|srtp|peer|lib|examples)/[A-Za-z0-9_./-]+\.(?:cpp|hpp|h|py|sh|js|md))`")
TEST_FILTER = re.compile(r"-tc='([^']+)'")
STEPS = ["Offer and answer", "Candidates", "Connectivity checks", "Nomination and consent",
         "DTLS handshake", "fingerprint check", "exporter", "SRTP and SRTCP"]
SYMPTOMS = ["no media ever starts", "fingerprint mismatch", "ICE connected but media dead",
            "relay works but no secure media"]


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def defines(text, name):
    """True when `text` (a source file) defines or declares `name` as a function."""
    parts = name.split("::")
    if len(parts) > 1 and re.search(re.escape(name) + r"\s*\(", text):
        return True  # Class::method( as an out-of-line definition writes it
    if len(parts) > 1 and not re.search(r"\b(?:class|struct)\s+" + re.escape(parts[-2]) + r"\b", text):
        return False
    return re.search(r"\b" + re.escape(parts[-1]) + r"\s*\(", text) is not None


def check_citations(doc, root):
    problems, count = [], 0
    for path, name in CITATION.findall(doc):
        count += 1
        full = os.path.join(root, path)
        if not os.path.isfile(full):
            problems.append(f"`{path}:{name}`: no file {path}")
        elif not defines(read(full), name):
            problems.append(f"`{path}:{name}`: {path} does not define {name}")
    return problems, count


def check_paths(doc, root):
    return [f"`{p}`: no such file" for p in PATH.findall(doc) if not os.path.isfile(os.path.join(root, p))]


def test_case_names(root):
    names = []
    for top, _, files in os.walk(os.path.join(root, "tests")):
        for f in files:
            if f.endswith(".cpp"):
                names += re.findall(r'TEST_CASE\("((?:[^"\\]|\\.)*)"', read(os.path.join(top, f)))
    return names


def check_test_filters(doc, root):
    names = test_case_names(root)
    return [f"-tc='{p}' matches no TEST_CASE" for p in TEST_FILTER.findall(doc)
            if not any(fnmatch.fnmatchcase(n, p) for n in names)]


def cells(row):
    """The cells of a table row; an escaped pipe (\\|) stays inside its cell."""
    return [c.strip() for c in re.split(r"(?<!\\)\|", row)[1:-1]]


def table_rows(section):
    return [l for l in section.splitlines() if l.startswith("| ") and not l.startswith("| ---")][1:]


def check_structure(doc):
    problems = []
    steps = re.split(r"^## ", doc, flags=re.M)
    for i, title in enumerate(STEPS, start=1):
        section = next((s for s in steps if s.startswith(f"{i}. ")), None)
        if section is None or title.lower() not in section.splitlines()[0].lower():
            problems.append(f"step {i} ({title}) is missing")
            continue
        rows = table_rows(section)
        if not rows:
            problems.append(f"step {i} has no table")
        for row in rows:
            if not re.search(r"RFC \d+ §[0-9.]+", row) or not CITATION.search(row) or "`" not in cells(row)[-1]:
                problems.append(f"step {i}: a row lacks an RFC section, a citation or a command: {row[:90]}")
    trouble = next((s for s in steps if s.startswith("Troubleshooting")), "")
    rows = table_rows(trouble)
    for symptom in SYMPTOMS:
        mine = [r for r in rows if cells(r)[0] == symptom]
        if not mine:
            problems.append(f"troubleshooting: no row for '{symptom}'")
        for row in mine:
            if not re.search(r"RFC \d+ §[0-9.]+", row) or not CITATION.search(row) or \
               not re.search(r"`(?:keyway|build/tests)", cells(row)[-1]):
                problems.append(f"troubleshooting '{symptom}': a row lacks an RFC section, a citation or a command")
    return problems


def self_check(root):
    """The checker must reject what does not exist (so a pass means something)."""
    fake = ("`peer/connection.cpp:Connection::no_such_function` `peer/no_such_file.cpp:f` "
            "`srtp/replay.hpp:NoSuchClass::check` `tests/no_such_test.cpp` -tc='no such test case*'")
    found, _ = check_citations(fake, root)
    found += check_paths(fake, root) + check_test_filters(fake, root)
    real, n = check_citations("`srtp/replay.hpp:ReplayWindow::check` `srtp/keying.cpp:split_dtls_srtp_material`", root)
    return len(found) == 5 and not real and n == 2


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
    if not self_check(root):
        print("FAIL: the checker's self-check (made-up citations rejected, real ones accepted) failed")
        return 1
    doc = read(os.path.join(root, "docs", "walkthrough.md"))
    problems, count = check_citations(doc, root)
    problems += check_paths(doc, root) + check_test_filters(doc, root) + check_structure(doc)
    for p in problems:
        print("FAIL: " + p)
    print(f"walkthrough: {count} citations, {len(set(CITATION.findall(doc)))} distinct, "
          f"{len(TEST_FILTER.findall(doc))} test filters, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
