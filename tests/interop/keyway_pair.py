# SPDX-License-Identifier: Apache-2.0
"""keyway <-> keyway through the UDP driver on 127.0.0.1 (issue 6).

    python3 keyway_pair.py KEYWAY pair [answer options...]
        `keyway offer --video` piped to `keyway answer [options]`; both must
        exit 0 with the call connected, media received on both sides (the
        offer's generated audio echoed back, >= MIN_PACKETS each way) and no
        SRTP authentication failures or replays. Both negotiate DTLS 1.3 (the
        default offers 1.3 and 1.2, issue 18), or 1.2 when the answer options
        pin it (--dtls 1.2: the offerer, DTLS server, falls back to 1.2).
    python3 keyway_pair.py KEYWAY loss P SEED
        `keyway demo --loss P --seed SEED --quiet`: both endpoints in one
        process with every datagram dropped with probability P; it exits 0 only
        if the call came up and media flowed both ways.
Exit 0 pass, 1 fail. Every child has a hard timeout.
"""
import json
import subprocess
import sys
import threading
import time

MIN_PACKETS = 50
CALL_SECONDS = 3
HARD_TIMEOUT = 40


def read_sdp(proc):
    lines = []
    while True:
        line = proc.stdout.readline()
        if line == "":
            raise RuntimeError("keyway exited before printing its SDP")
        if line.strip() == "":
            return "".join(lines)
        lines.append(line)


def last_json(text):
    lines = text.strip().splitlines()
    try:
        return json.loads(lines[-1]) if lines else None
    except ValueError:
        return None


def pair(keyway, answer_opts):
    def spawn(args):
        return subprocess.Popen([keyway] + args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
    off = spawn(["offer", "--video", "--seconds", str(CALL_SECONDS)])
    ans = spawn(["answer", "--seconds", str(CALL_SECONDS)] + answer_opts)
    # A watchdog kills both if anything blocks (a read on a pipe cannot time out).
    timer = threading.Timer(HARD_TIMEOUT, lambda: [p.kill() for p in (off, ans)])
    timer.start()
    try:
        t0 = time.monotonic()
        ans.stdin.write(read_sdp(off) + "\n")
        ans.stdin.flush()
        off.stdin.write(read_sdp(ans) + "\n")
        off.stdin.flush()
        results = {}
        for name, p in (("offer", off), ("answer", ans)):
            out, err = p.communicate()
            results[name] = (p.returncode, last_json(out), err.strip())
        elapsed = time.monotonic() - t0
    finally:
        timer.cancel()
        for p in (off, ans):
            if p.poll() is None:
                p.kill()
    problems = []
    want_version = "1.2" if "--dtls" in answer_opts and answer_opts[answer_opts.index("--dtls") + 1] == "1.2" else "1.3"
    for name, (code, stats, err) in results.items():
        print(f"# keyway {name} exit {code}: {json.dumps(stats)}")
        if err:
            print(f"# keyway {name} stderr: {err}")
        srtp = (stats or {}).get("srtp", {})
        if code != 0:
            problems.append(f"keyway {name} exited {code}")
        if (srtp.get("rtp_received") or 0) < MIN_PACKETS:
            problems.append(f"keyway {name} rtp_received = {srtp.get('rtp_received')}")
        if srtp.get("auth_failures") != 0 or srtp.get("replays") != 0:
            problems.append(f"keyway {name} auth_failures = {srtp.get('auth_failures')} replays = {srtp.get('replays')}")
        if (stats or {}).get("dtls", {}).get("version") != want_version:
            problems.append(f"keyway {name} negotiated DTLS {(stats or {}).get('dtls', {}).get('version')!r}, not {want_version}")
        if (stats or {}).get("state") != "connected":
            problems.append(f"keyway {name} state = {(stats or {}).get('state')}")
    o, a = results["offer"][1] or {}, results["answer"][1] or {}
    print(f"figures pair {' '.join(answer_opts)}: offer received {o.get('srtp', {}).get('rtp_received')} "
          f"answer received {a.get('srtp', {}).get('rtp_received')} profile {a.get('dtls', {}).get('srtp_profile')} "
          f"answer role {a.get('dtls', {}).get('role')} DTLS {a.get('dtls', {}).get('version')} rtt_ms {o.get('ice', {}).get('rtt_ms')} total {elapsed:.1f} s")
    return problems


def loss(keyway, p, seed):
    try:
        r = subprocess.run([keyway, "demo", "--loss", p, "--seed", seed, "--seconds", "2", "--quiet"],
                           capture_output=True, text=True, timeout=HARD_TIMEOUT)
    except subprocess.TimeoutExpired:
        return [f"keyway demo --loss {p} did not finish in {HARD_TIMEOUT} s"]
    for line in (r.stdout + r.stderr).strip().splitlines()[-12:]:
        print(f"# {line}")
    return [] if r.returncode == 0 else [f"keyway demo --loss {p} --seed {seed} exited {r.returncode}"]


def main():
    if len(sys.argv) < 3 or sys.argv[2] not in ("pair", "loss"):
        print(__doc__)
        return 2
    keyway, mode = sys.argv[1], sys.argv[2]
    try:
        problems = pair(keyway, sys.argv[3:]) if mode == "pair" else loss(keyway, sys.argv[3], sys.argv[4])
    except Exception as e:  # noqa: BLE001 - any harness failure is a test failure
        problems = [f"{type(e).__name__}: {e}"]
    label = " ".join(sys.argv[2:])
    if problems:
        print(f"FAIL {label}: " + "; ".join(problems))
        return 1
    print(f"PASS {label}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
