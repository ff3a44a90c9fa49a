# SPDX-License-Identifier: Apache-2.0
# Differential check against aiortc 1.4.0 (a real WebRTC stack in Python):
#  1. aiortc offers audio+video, keyway answers, aiortc accepts the answer.
#  2. keyway offers, aiortc accepts the offer and answers, keyway parses the
#     answer strictly and reads its transport.
# Loopback only: aioice is patched to gather 127.0.0.1 (interop.md §4).
# Exit 77 (skipped) when aiortc is not installed. Run with /usr/bin/python3.
import asyncio, subprocess, sys

try:
    import aioice.ice
    from aiortc import RTCPeerConnection, RTCConfiguration, RTCSessionDescription
    from aiortc.mediastreams import AudioStreamTrack, VideoStreamTrack
except ImportError:
    print("SKIP: python3-aiortc not installed")
    sys.exit(77)

aioice.ice.get_host_addresses = lambda use_ipv4=True, use_ipv6=True: ["127.0.0.1"]
TOOL = sys.argv[1]
failures = 0


def tool(args, text=""):
    return subprocess.run([TOOL] + args, input=text.encode(), capture_output=True, timeout=20)


def check(name, ok, detail=""):
    global failures
    print(("PASS " if ok else "FAIL ") + name + (": " + detail if detail else ""))
    if not ok:
        failures += 1


async def aiortc_offers():
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        pc.addTrack(AudioStreamTrack())
        pc.addTrack(VideoStreamTrack())
        await pc.setLocalDescription(await pc.createOffer())
        offer = pc.localDescription.sdp
        r = tool(["check"], offer)
        check("keyway parses aiortc's offer strictly", r.returncode == 0, r.stderr.decode().strip())
        a = tool(["answer"], offer)
        check("keyway answers aiortc's offer", a.returncode == 0, a.stderr.decode().strip())
        if a.returncode != 0:
            return
        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=a.stdout.decode(), type="answer"))
            check("aiortc accepts keyway's answer", pc.signalingState == "stable", pc.signalingState)
        except Exception as e:  # aiortc raises ValueError on a bad description
            check("aiortc accepts keyway's answer", False, repr(e))
    finally:
        await pc.close()


async def keyway_offers():
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        o = tool(["offer"])
        check("keyway writes an offer", o.returncode == 0, o.stderr.decode().strip())
        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=o.stdout.decode(), type="offer"))
        except Exception as e:
            check("aiortc accepts keyway's offer", False, repr(e))
            return
        check("aiortc accepts keyway's offer", True)
        for t in pc.getTransceivers():
            t.sender.replaceTrack(AudioStreamTrack() if t.kind == "audio" else VideoStreamTrack())
        await pc.setLocalDescription(await pc.createAnswer())
        answer = pc.localDescription.sdp
        r = tool(["check"], answer)
        check("keyway parses aiortc's answer strictly and reads its transport", r.returncode == 0,
              (r.stdout + r.stderr).decode().strip())
        check("aiortc's answer chose a DTLS role", "a=setup:active" in answer or "a=setup:passive" in answer)
    finally:
        await pc.close()


async def main():
    # aiortc starts ICE in the background after setRemoteDescription; closing
    # the connection early makes that task fail, which is expected here.
    asyncio.get_running_loop().set_exception_handler(lambda loop, ctx: None)
    await asyncio.wait_for(aiortc_offers(), 30)
    await asyncio.wait_for(keyway_offers(), 30)

asyncio.run(main())
print("all checks passed" if failures == 0 else f"{failures} check(s) failed")
sys.exit(0 if failures == 0 else 1)
