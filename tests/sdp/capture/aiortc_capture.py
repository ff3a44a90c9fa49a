# SPDX-License-Identifier: Apache-2.0
# Captures real aiortc 1.4.0 offers and answers (loopback only, no media sent).
# Run: /usr/bin/python3 tests/sdp/capture/aiortc_capture.py tests/sdp/corpus
# The files it wrote are checked in; tests do not run this script.
import asyncio, sys, os
import aioice.ice
aioice.ice.get_host_addresses = lambda use_ipv4=True, use_ipv6=True: ["127.0.0.1"]  # interop.md §4
from aiortc import RTCPeerConnection, RTCConfiguration
from aiortc.mediastreams import AudioStreamTrack, VideoStreamTrack

async def main(out):
    cfg = RTCConfiguration(iceServers=[])
    a, b = RTCPeerConnection(cfg), RTCPeerConnection(cfg)
    a.addTrack(AudioStreamTrack()); a.addTrack(VideoStreamTrack())
    await a.setLocalDescription(await a.createOffer())
    offer = a.localDescription.sdp
    await b.setRemoteDescription(a.localDescription)
    b.addTrack(AudioStreamTrack())
    await b.setLocalDescription(await b.createAnswer())
    answer = b.localDescription.sdp
    c = RTCPeerConnection(cfg)
    c.addTrack(AudioStreamTrack())
    await c.setLocalDescription(await c.createOffer())
    audio_only = c.localDescription.sdp
    for name, text in [("aiortc-offer-av.sdp", offer), ("aiortc-answer-av.sdp", answer), ("aiortc-offer-audio.sdp", audio_only)]:
        with open(os.path.join(out, name), "w", newline="") as f:
            f.write(text)
    for pc in (a, b, c):
        await pc.close()

asyncio.run(main(sys.argv[1]))
