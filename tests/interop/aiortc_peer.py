# SPDX-License-Identifier: Apache-2.0
"""aiortc against keyway over 127.0.0.1 (issue 6, "Real peers, in the test suite").

    /usr/bin/python3 aiortc_peer.py KEYWAY offer|answer [relay]

offer:  aiortc offers audio, `keyway answer` answers and echoes it back.
answer: `keyway offer` offers audio, aiortc answers and sends its own audio.
Both: aiortc's inbound audio must reach MIN_PACKETS packets (and its track
decodes frames), and keyway's JSON must show rtp_received >= MIN_PACKETS,
auth_failures == 0, and the SRTP profile aiortc supports
(SRTP_AES128_CM_HMAC_SHA1_80, the only one it offers), and DTLS 1.2: keyway
offers 1.3 and 1.2 by default (issue 18), aiortc 1.4 speaks 1.2 only.
relay (issue 14): both sides go through a coturn started here (Debian's
/usr/bin/turnserver, throwaway options, long-term credentials, listening on
127.0.0.1 and relaying from 127.0.0.2 so no host path can pass for a relayed
one, stopped by its PID): aiortc with a turn: RTCIceServer and aioice's
relay-only policy (aiortc 1.4 has no iceTransportPolicy), keyway with
--turn ... --relay-only. aiortc's nominated pair and keyway's selected pair
must both be relay <-> relay.
Exit 0 pass, 1 fail, 77 when aiortc (or, for relay, coturn) is not installed.
"""
import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

try:
    import aioice.ice
    from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection, RTCSessionDescription
    from aiortc.mediastreams import AudioStreamTrack, MediaStreamError
except ImportError as e:  # the peer software is absent: skip
    print(f"SKIP: aiortc is not installed ({e}); apt-get install python3-aiortc")
    sys.exit(77)

# aioice 0.8 leaves out loopback addresses: gather on 127.0.0.1 only.
aioice.ice.get_host_addresses = lambda use_ipv4=True, use_ipv6=True: ["127.0.0.1"]

TURNSERVER = "/usr/bin/turnserver"
MIN_PACKETS = 50
CALL_SECONDS = 6
HARD_TIMEOUT = 60


CHILDREN = []


def watchdog(mode):
    """Ends the test even when a blocking pipe read (in an executor thread) hangs."""
    for p in CHILDREN:
        if p.poll() is None:
            p.kill()
    print(f"FAIL aiortc-{mode}: hard timeout after {HARD_TIMEOUT} s", flush=True)
    os._exit(1)


class Keyway:
    """`keyway offer|answer` as a child process speaking SDP on stdin/stdout."""

    def __init__(self, path, args):
        self.proc = subprocess.Popen([path] + args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        CHILDREN.append(self.proc)

    async def read_sdp(self):
        def read():
            lines = []
            while True:
                line = self.proc.stdout.readline()
                if line == "":
                    raise RuntimeError(f"keyway exited before printing SDP: {self.proc.stderr.read()}")
                if line.strip() == "":
                    return "".join(lines)
                lines.append(line)
        return await asyncio.get_running_loop().run_in_executor(None, read)

    def write_sdp(self, sdp):
        self.proc.stdin.write(sdp.rstrip("\r\n") + "\r\n\r\n")
        self.proc.stdin.flush()

    async def finish(self):
        def wait():
            out = self.proc.stdout.read()
            err = self.proc.stderr.read()
            return self.proc.wait(), out, err
        code, out, err = await asyncio.get_running_loop().run_in_executor(None, wait)
        lines = out.strip().splitlines()
        try:
            stats = json.loads(lines[-1]) if lines else None
        except ValueError:
            stats = None
        return code, stats, err.strip()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Coturn:
    """A throwaway coturn on 127.0.0.1 relaying from 127.0.0.2 (loopback peers allowed)."""

    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="keyway-aiortc-coturn.")
        self.port = free_port()
        relay = free_port()
        relay = relay if relay < 60000 else 50000
        self.proc = subprocess.Popen(
            [TURNSERVER, "-n", "--no-cli", "--no-tls", "--no-dtls", "--listening-ip", "127.0.0.1",
             "--relay-ip", "127.0.0.2", "--listening-port", str(self.port), "--allow-loopback-peers",
             "--lt-cred-mech", "--user", "alice:s3cret", "--realm", "keyway.test",
             "--userdb", os.path.join(self.tmp, "turndb"), "--pidfile", os.path.join(self.tmp, "pid"),
             "--log-file", os.path.join(self.tmp, "turn.log"), "--simple-log", "--no-stdout-log",
             "--no-rfc5780", "--no-software-attribute", "--min-port", str(relay), "--max-port", str(relay + 200)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        CHILDREN.append(self.proc)
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        probe.settimeout(0.05)
        binding = bytes([0, 1, 0, 0, 0x21, 0x12, 0xA4, 0x42]) + bytes(12)
        for _ in range(100):  # a Binding request answered: coturn is up
            probe.sendto(binding, ("127.0.0.1", self.port))
            try:
                probe.recv(512)
                return
            except OSError:
                pass
        self.stop()
        raise RuntimeError("coturn did not answer a Binding request within 5 s")

    def uri(self):
        return f"turn:127.0.0.1:{self.port}?transport=udp"

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)


def force_relay_only():
    """aiortc 1.4 builds aioice.Connection without a transport policy: make it relay-only."""
    init = aioice.ice.Connection.__init__

    def relay_init(self, *args, **kwargs):
        kwargs["transport_policy"] = aioice.ice.TransportPolicy.RELAY
        init(self, *args, **kwargs)
    aioice.ice.Connection.__init__ = relay_init


def nominated_types(pc):
    """(local, remote) candidate types of aioice's nominated pair for component 1."""
    transport = pc.getTransceivers()[0].sender.transport
    pair = transport.transport._connection._nominated.get(1) if transport is not None else None
    return (pair.local_candidate.type, pair.remote_candidate.type) if pair else (None, None)


async def count_frames(track, counter):
    try:
        while True:
            await track.recv()
            counter["frames"] += 1
    except MediaStreamError:
        pass


async def inbound_packets(pc):
    stats = await pc.getStats()
    return sum(s.packetsReceived for s in stats.values() if s.type == "inbound-rtp")


async def run(keyway_path, mode, coturn):
    relay_args = []
    if coturn:
        force_relay_only()
        ice_servers = [RTCIceServer(urls=coturn.uri(), username="alice", credential="s3cret")]
        relay_args = ["--turn", coturn.uri(), "--turn-user", "alice", "--turn-pass", "s3cret", "--relay-only"]
    else:
        ice_servers = []
    pc = RTCPeerConnection(RTCConfiguration(iceServers=ice_servers))
    counter = {"frames": 0}
    readers = []

    @pc.on("track")
    def on_track(track):
        readers.append(asyncio.ensure_future(count_frames(track, counter)))

    t0 = time.monotonic()
    if mode == "offer":
        kw = Keyway(keyway_path, ["answer", "--seconds", str(CALL_SECONDS), *relay_args])
        pc.addTrack(AudioStreamTrack())
        await pc.setLocalDescription(await pc.createOffer())  # gathers fully
        kw.write_sdp(pc.localDescription.sdp)
        answer = await kw.read_sdp()
        t_sdp = time.monotonic()
        await pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
    else:
        kw = Keyway(keyway_path, ["offer", "--seconds", str(CALL_SECONDS), *relay_args])
        try:
            offer = await kw.read_sdp()
            t_sdp = time.monotonic()
            await pc.setRemoteDescription(RTCSessionDescription(sdp=offer, type="offer"))
            pc.addTrack(AudioStreamTrack())
            await pc.setLocalDescription(await pc.createAnswer())
            kw.write_sdp(pc.localDescription.sdp)
        except Exception:
            kw.kill()
            raise
    try:
        t_connected = None
        packets = 0
        while kw.proc.poll() is None:
            if t_connected is None and pc.connectionState == "connected":
                t_connected = time.monotonic()
            packets = await inbound_packets(pc)
            await asyncio.sleep(0.2)
        packets = await inbound_packets(pc)
        code, stats, err = await kw.finish()
    finally:
        kw.kill()
    dtls = pc.getTransceivers()[0].sender.transport
    role = dtls._role if dtls is not None else "?"
    aiortc_pair = nominated_types(pc)
    await pc.close()
    for r in readers:
        r.cancel()

    print(f"# keyway exit {code}: {json.dumps(stats)}")
    if err:
        print(f"# keyway stderr: {err}")
    srtp = (stats or {}).get("srtp", {})
    profile = (stats or {}).get("dtls", {}).get("srtp_profile")
    connect = f"{(t_connected - t_sdp) * 1000:.0f} ms" if t_connected else "-"
    print(f"figures aiortc-{mode}: connect {connect} after the {'answer' if mode == 'offer' else 'offer'}; "
          f"aiortc inbound packets {packets}, frames decoded {counter['frames']}, aiortc DTLS role {role}; "
          f"keyway rtp_received {srtp.get('rtp_received')} rtp_sent {srtp.get('rtp_sent')} "
          f"rtcp_received {srtp.get('rtcp_received')} auth_failures {srtp.get('auth_failures')} profile {profile} "
          f"DTLS {(stats or {}).get('dtls', {}).get('version')}; "
          f"total {(time.monotonic() - t0) * 1000:.0f} ms")
    problems = []
    if code != 0:
        problems.append(f"keyway {'answer' if mode == 'offer' else 'offer'} exited {code}")
    if packets < MIN_PACKETS:
        problems.append(f"aiortc received {packets} RTP packets (< {MIN_PACKETS})")
    if counter["frames"] == 0:
        problems.append("aiortc's track decoded no frames")
    if (srtp.get("rtp_received") or 0) < MIN_PACKETS:
        problems.append(f"keyway rtp_received = {srtp.get('rtp_received')}")
    if srtp.get("auth_failures") != 0:
        problems.append(f"keyway auth_failures = {srtp.get('auth_failures')}")
    if profile != "SRTP_AES128_CM_HMAC_SHA1_80":
        problems.append(f"keyway negotiated SRTP profile {profile!r}")
    # Issue 18: keyway offers DTLS 1.3 and 1.2 by default; aiortc 1.4 (pyOpenSSL)
    # speaks 1.2 only, so the call must fall back to 1.2 in both roles.
    version = (stats or {}).get("dtls", {}).get("version")
    if version != "1.2":
        problems.append(f"keyway negotiated DTLS {version!r}, not the 1.2 fallback")
    if coturn:  # issue 14: both selected pairs are relayed, and keyway's allocation carried the media
        ice, turn = (stats or {}).get("ice", {}), (stats or {}).get("turn", {})
        print(f"figures aiortc-{mode}-relay: aiortc nominated pair {aiortc_pair[0]} -> {aiortc_pair[1]}; "
              f"keyway ice {json.dumps(ice)} turn {json.dumps(turn)}")
        if aiortc_pair != ("relay", "relay"):
            problems.append(f"aiortc nominated pair {aiortc_pair}, not relay -> relay")
        if ice.get("local_candidate_type") != "relay" or ice.get("remote_candidate_type") != "relay":
            problems.append(f"keyway selected pair {ice}")
        if turn.get("allocations") != 1 or not turn.get("relayed_bytes_sent") or not turn.get("relayed_bytes_received"):
            problems.append(f"keyway turn stats {turn}")
    return problems


def main():
    if len(sys.argv) not in (3, 4) or sys.argv[2] not in ("offer", "answer") or sys.argv[3:] not in ([], ["relay"]):
        print("usage: aiortc_peer.py KEYWAY offer|answer [relay]")
        return 2
    mode = sys.argv[2]
    relay = sys.argv[3:] == ["relay"]
    if relay and not os.access(TURNSERVER, os.X_OK):
        print("SKIP: coturn is not installed (apt-get install coturn)")
        return 77
    if relay:
        mode += "-relay"
    timer = threading.Timer(HARD_TIMEOUT, watchdog, args=(mode,))
    timer.daemon = True
    timer.start()
    coturn = None
    try:
        coturn = Coturn() if relay else None
        problems = asyncio.run(run(sys.argv[1], sys.argv[2], coturn))
    except Exception as e:  # noqa: BLE001 - report any harness failure as a test failure
        problems = [f"{type(e).__name__}: {e}"]
    finally:
        if coturn:
            coturn.stop()
    if problems:
        print(f"FAIL aiortc-{mode}: " + "; ".join(problems))
        return 1
    print(f"PASS aiortc-{mode}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
