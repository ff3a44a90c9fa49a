# SPDX-License-Identifier: Apache-2.0
"""aiortc against keyway over 127.0.0.1 (issue 6, "Real peers, in the test suite").

    /usr/bin/python3 aiortc_peer.py KEYWAY offer|answer

offer:  aiortc offers audio, `keyway answer` answers and echoes it back.
answer: `keyway offer` offers audio, aiortc answers and sends its own audio.
Both: aiortc's inbound audio must reach MIN_PACKETS packets (and its track
decodes frames), and keyway's JSON must show rtp_received >= MIN_PACKETS,
auth_failures == 0, and the SRTP profile aiortc supports
(SRTP_AES128_CM_HMAC_SHA1_80, the only one it offers).
Exit 0 pass, 1 fail, 77 when aiortc is not installed.
"""
import asyncio
import json
import os
import subprocess
import sys
import threading
import time

try:
    import aioice.ice
    from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
    from aiortc.mediastreams import AudioStreamTrack, MediaStreamError
except ImportError as e:  # the peer software is absent: skip
    print(f"SKIP: aiortc is not installed ({e}); apt-get install python3-aiortc")
    sys.exit(77)

# aioice 0.8 leaves out loopback addresses: gather on 127.0.0.1 only.
aioice.ice.get_host_addresses = lambda use_ipv4=True, use_ipv6=True: ["127.0.0.1"]

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


async def run(keyway_path, mode):
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    counter = {"frames": 0}
    readers = []

    @pc.on("track")
    def on_track(track):
        readers.append(asyncio.ensure_future(count_frames(track, counter)))

    t0 = time.monotonic()
    if mode == "offer":
        kw = Keyway(keyway_path, ["answer", "--seconds", str(CALL_SECONDS)])
        pc.addTrack(AudioStreamTrack())
        await pc.setLocalDescription(await pc.createOffer())  # gathers fully
        kw.write_sdp(pc.localDescription.sdp)
        answer = await kw.read_sdp()
        t_sdp = time.monotonic()
        await pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
    else:
        kw = Keyway(keyway_path, ["offer", "--seconds", str(CALL_SECONDS)])
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
          f"rtcp_received {srtp.get('rtcp_received')} auth_failures {srtp.get('auth_failures')} profile {profile}; "
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
    return problems


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in ("offer", "answer"):
        print("usage: aiortc_peer.py KEYWAY offer|answer")
        return 2
    mode = sys.argv[2]
    timer = threading.Timer(HARD_TIMEOUT, watchdog, args=(mode,))
    timer.daemon = True
    timer.start()
    try:
        problems = asyncio.run(run(sys.argv[1], mode))
    except Exception as e:  # noqa: BLE001 - report any harness failure as a test failure
        problems = [f"{type(e).__name__}: {e}"]
    if problems:
        print(f"FAIL aiortc-{mode}: " + "; ".join(problems))
        return 1
    print(f"PASS aiortc-{mode}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
