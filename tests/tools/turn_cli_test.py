#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""keyway offer <-> keyway answer, both --relay-only, through a real coturn
on 127.0.0.1 (issue 14), over UDP, over TCP (?transport=tcp) and by host name
(turn:localhost:PORT): the CLI's --turn, --turn-user, --turn-pass and
--relay-only, and the stats JSON's ice.local_candidate_type,
ice.remote_candidate_type and "turn" object. coturn is started here with a
throwaway config (long-term credentials, loopback peers allowed, no CLI)
and stopped by its PID. Exit 77 (skip) without /usr/bin/turnserver.
Usage: turn_cli_test.py KEYWAY"""
import json, os, shutil, signal, socket, subprocess, sys, tempfile, time

TURNSERVER = "/usr/bin/turnserver"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_coturn(tmp, extra=()):
    """extra=("--no-udp",): TCP listeners only, so a client that fell back to UDP would get nothing."""
    port, relay = free_port(), free_port()
    relay = relay if relay < 60000 else 50000
    args = [TURNSERVER, "-n", "--no-cli", "--no-tls", "--no-dtls", "--listening-ip", "127.0.0.1",
            "--relay-ip", "127.0.0.1", "--listening-port", str(port), "--allow-loopback-peers",
            "--lt-cred-mech", "--user", "alice:s3cret", "--realm", "keyway.test",
            "--userdb", os.path.join(tmp, "turndb"), "--pidfile", os.path.join(tmp, "pid"),
            "--log-file", os.path.join(tmp, "turn.log"), "--simple-log", "--no-stdout-log",
            "--min-port", str(relay), "--max-port", str(relay + 200), *extra]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    tcp_only = "--no-udp" in extra
    req = bytes([0, 1, 0, 0, 0x21, 0x12, 0xA4, 0x42]) + bytes(12)
    for _ in range(100):  # a Binding request answered: coturn is up
        probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM if tcp_only else socket.SOCK_DGRAM)
        probe.settimeout(0.05)
        try:
            if tcp_only:
                probe.connect(("127.0.0.1", port))
                probe.sendall(req)
            else:
                probe.sendto(req, ("127.0.0.1", port))
            probe.recv(512)
            return proc, port
        except OSError:
            time.sleep(0.05 if tcp_only else 0)
        finally:
            probe.close()
    proc.kill()
    raise SystemExit("coturn did not come up")


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def read_sdp(stream):
    lines = []
    for line in stream:
        if not line.strip():
            if lines:
                break
            continue
        lines.append(line)
    return "".join(lines)


def last_json(text):
    for line in reversed(text.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    return None


failures = 0


def check(name, ok):
    global failures
    print(("ok     " if ok else "FAILED ") + name)
    failures += 0 if ok else 1


def relay_call(keyway, label, turn):
    """keyway offer <-> keyway answer, both with these TURN options (relay-only)."""
    offer = subprocess.Popen([keyway, "offer", *turn], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    answer = subprocess.Popen([keyway, "answer", *turn], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    offer_sdp = read_sdp(offer.stdout)
    check(f"{label}: the offer carries a relayed candidate only", "typ relay" in offer_sdp and "typ host" not in offer_sdp)
    answer.stdin.write(offer_sdp + "\n")
    answer.stdin.flush()
    answer_sdp = read_sdp(answer.stdout)
    check(f"{label}: the answer carries a relayed candidate only",
          "typ relay" in answer_sdp and "typ host" not in answer_sdp)
    offer.stdin.write(answer_sdp + "\n")
    offer.stdin.flush()
    try:
        out_o, err_o = offer.communicate(timeout=30)
        out_a, err_a = answer.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        offer.kill()
        answer.kill()
        out_o, err_o = offer.communicate()
        out_a, err_a = answer.communicate()
    so, sa = last_json(out_o), last_json(out_a)
    before = failures
    check(f"{label}: offer exits 0", offer.returncode == 0)
    check(f"{label}: answer exits 0", answer.returncode == 0)
    for side, s in (("offer", so), ("answer", sa)):
        if s is None:
            check(f"{label} {side} printed stats JSON", False)
            continue
        check(f"{label} {side}: ice.local_candidate_type is relay", s["ice"]["local_candidate_type"] == "relay")
        check(f"{label} {side}: ice.remote_candidate_type is relay", s["ice"]["remote_candidate_type"] == "relay")
        t = s["turn"]
        check(f"{label} {side}: turn allocations 1, permissions and channels, relayed bytes both ways",
              t["allocations"] == 1 and t["permissions"] >= 1 and t["channels"] >= 1 and
              t["relayed_bytes_sent"] > 0 and t["relayed_bytes_received"] > 0 and "refreshes" in t)
        check(f"{label} {side}: media both ways", s["srtp"]["rtp_sent"] > 0 and s["srtp"]["rtp_received"] > 0)
        print(f"{label} {side}: {json.dumps(s['ice'])} {json.dumps(t)}")
    if failures != before:
        print(err_o, err_a, file=sys.stderr)


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    keyway = sys.argv[1]
    if not os.access(TURNSERVER, os.X_OK):
        print("skip: coturn not installed")
        return 77
    # Options that do not fit together are refused before anything runs.
    r = subprocess.run([keyway, "answer", "--relay-only"], stdin=subprocess.DEVNULL, capture_output=True, text=True)
    check("--relay-only without --turn is refused", r.returncode == 2 and "--turn" in r.stderr)
    r = subprocess.run([keyway, "offer", "--turn", "turns:127.0.0.1:5349"], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True)
    check("turns: is refused naming it", r.returncode == 2 and "turns" in r.stderr)
    # OpaqueString (RFC 8265 §4.2): a password keyway cannot prepare is refused before anything runs.
    r = subprocess.run([keyway, "offer", "--turn", "turn:127.0.0.1:3478", "--turn-pass", "e\u0301t\u00e9"],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True)
    check("an unpreparable non-ASCII password is refused naming OpaqueString",
          r.returncode == 2 and "--turn-pass" in r.stderr and "OpaqueString" in r.stderr)
    r = subprocess.run([keyway, "offer", "--turn", "turn:no-such-host.invalid:3478"], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True)
    check("an unresolvable TURN host is refused naming it", r.returncode == 2 and "no-such-host.invalid" in r.stderr)

    tmp = tempfile.mkdtemp(prefix="keyway-turn-cli.")
    coturn, port = start_coturn(tmp)
    try:
        turn = ["--turn", f"turn:127.0.0.1:{port}?transport=udp", "--turn-user", "alice", "--turn-pass", "s3cret",
                "--relay-only", "--seconds", "3"]
        relay_call(keyway, "udp", turn)
        # TCP to the TURN server (RFC 8656 §3.1): the CLI owns the stream and feeds the framer.
        # This coturn has no UDP listener: nothing but the stream can reach it.
        tcp_dir = os.path.join(tmp, "tcp-only")
        os.mkdir(tcp_dir)
        coturn_tcp, tcp_port = start_coturn(tcp_dir, ("--no-udp",))
        try:
            tcp_turn = ["--turn", f"turn:127.0.0.1:{tcp_port}?transport=tcp", *turn[2:]]
            relay_call(keyway, "tcp", tcp_turn)
            r = subprocess.run([keyway, "offer", "--turn", f"turn:127.0.0.1:{tcp_port}?transport=udp", *turn[2:]],
                               stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
            check("the same server over udp gets no answer (so the tcp call did use the stream)",
                  r.returncode == 1 and "no answer" in r.stderr)
            # keyway demo over tcp: both sides' streams, the ladder as over udp.
            r = subprocess.run([keyway, "demo", "--seconds", "1", *tcp_turn[:7]], capture_output=True, text=True,
                               timeout=60)
            check("demo --turn ...?transport=tcp --relay-only succeeds", r.returncode == 0 and "demo ok" in r.stdout
                  and "(relay -> relay)" in r.stdout)
        finally:
            stop(coturn_tcp)
        # A host name (RFC 7065): the CLI resolves it; the library takes the address.
        relay_call(keyway, "localhost", ["--turn", f"turn:localhost:{port}", *turn[2:]])

        # keyway demo --turn: the ladder shows permissions and channels, the summary the pair's types.
        r = subprocess.run([keyway, "demo", "--seconds", "1", *turn[:7]], capture_output=True, text=True, timeout=60)
        check("demo --turn --relay-only succeeds", r.returncode == 0 and "demo ok" in r.stdout)
        check("demo ladder shows the allocation, permissions and channel bindings",
              "allocate relayed addresses" in r.stdout and "TURN CreatePermission request" in r.stdout and
              "TURN ChannelBind request" in r.stdout and "TURN ChannelData 0x4000 [DTLS" in r.stdout)
        check("demo summary names the selected pair's candidate types", "(relay -> relay)" in r.stdout)

        # A wrong TURN password: the call fails at ICE, naming TURN and 401.
        bad = ["--turn", f"turn:127.0.0.1:{port}", "--turn-user", "alice", "--turn-pass", "nope", "--relay-only"]
        r = subprocess.run([keyway, "offer", *bad], stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
        check("a wrong TURN password fails naming TURN 401, at ICE",
              r.returncode == 1 and "ice:" in r.stderr and "turn: 401" in r.stderr)
    finally:
        stop(coturn)
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
